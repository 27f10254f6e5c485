"""A rules file whose free-text values each try to break out of their SQL literal runs to the
end, executes none of them, and matches them as plain text (tests/corpus/rules)."""

import csv
import shutil
from pathlib import Path

from orchestration.runner import RunPaths, run_books
from tests.integration.conftest import AS_OF, query

CORPUS = Path(__file__).parents[1] / "corpus" / "rules"
PWNED_FILES = [Path("/tmp/dynamic_books_pwned.csv"), Path("/tmp/dynamic_books_pwned_signal.csv")]


def _with_industry(source: Path, target: Path, industry: str) -> str:
    """Copies the landing folder, giving the first account `industry`; returns its id."""
    shutil.copytree(source, target)
    path = target / "Account.csv"
    with path.open(newline="") as f:
        rows = list(csv.DictReader(f))
    rows[0]["Industry"] = industry
    rows[0]["BillingCountry"] = "US"
    with path.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return rows[0]["Id"]


def test_hostile_free_text_in_the_rules_executes_nothing(paths, tmp_path):
    for leftover in PWNED_FILES:
        leftover.unlink(missing_ok=True)
    landing = tmp_path / "landing"
    account = _with_industry(paths.landing, landing, "O'Brien Software")
    run = RunPaths(
        landing=landing,
        rules=CORPUS / "free_text_values_run.yml",
        warehouse=tmp_path / "wh.duckdb",
    )
    run_books(run, AS_OF)

    tables = query(run, "SELECT table_schema, table_name FROM information_schema.tables")
    assert not [t for t in tables if "pwned" in t[1]], tables
    assert not [p for p in PWNED_FILES if p.exists()]
    # The values are matched as the text they are.
    assert query(
        run,
        "SELECT fit_industry_points, region FROM marts.account_scores WHERE account_id = ?",
        [account],
    ) == [(30.0, "O'Brien")]
    leaked = query(
        run,
        "SELECT count(*) FROM marts.account_scores WHERE contains(coalesce(region, ''), 'root:') "
        "OR contains(fit_explanation, 'root:') OR contains(coalesce(timing_signals, ''), 'root:')",
    )
    assert leaked == [(0,)]
