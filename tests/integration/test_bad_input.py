"""A corpus of damaged landing rows through `books run`: the run completes, every damaged
row is in the review queue with the rule that caught it, rows reconcile per file, and no
quarantined account is ever put in a book."""

import datetime as dt

import dagster as dg
import pytest

from data_quality.contract import LANDING_FILES
from orchestration.runner import RunFailed, RunPaths, run_books
from sample_data.generate import generate
from tests.integration.conftest import query
from tests.integration.corpus import CORPUS, corpus, damage

AS_OF = dt.date(2026, 11, 23)


def test_the_manifest_lists_every_corpus_file():
    listed = {name for name, *_ in corpus()}
    assert listed == {p.name for p in CORPUS.glob("*.csv")}


@pytest.fixture(scope="module")
def damaged(tmp_path_factory):
    root = tmp_path_factory.mktemp("damaged")
    landing = root / "landing"
    generate(landing, accounts=300, reps=6, seed=5, as_of=AS_OF, activities_per_account=4)
    expected = damage(landing)
    paths = RunPaths(landing=landing, rules=landing / "rules.yml", warehouse=root / "wh.duckdb")
    result = run_books(paths, AS_OF)  # completes despite every kind of damage
    return paths, expected, result


def test_every_damaged_row_is_in_the_review_queue_with_its_rule(damaged):
    paths, expected, _ = damaged
    queue = query(paths, "SELECT file, record_key, rule FROM marts.review_queue")
    for file, key, rule in expected:
        if rule is None:  # damage that loads
            continue
        assert any(f == file and r == rule and (key is None or k == key) for f, k, r in queue), (
            file,
            key,
            rule,
        )


def test_rows_reconcile_for_every_file(damaged):
    paths, _, _ = damaged
    for spec in LANDING_FILES:
        data_lines = (
            sum(1 for line in (paths.landing / spec.file).read_bytes().splitlines() if line.strip())
            - 1
        )
        loaded = query(paths, f"SELECT count(*) FROM {spec.raw_table}")[0][0]
        held = query(
            paths,
            "SELECT count(DISTINCT coalesce(row_number, -line_number)) FROM "
            "quality.quarantine WHERE file = ? AND severity = 'blocking'",
            [spec.file],
        )[0][0]
        assert data_lines == loaded + held, spec.file


def test_no_quarantined_account_is_ever_in_a_book(damaged):
    paths, _, _ = damaged
    assert query(
        paths,
        "SELECT count(*) FROM marts.current_books b JOIN quality.quarantine q "
        "ON q.record_key = b.account_id AND q.file = 'Account.csv' "
        "AND q.severity = 'blocking'",
    ) == [(0,)]
    assert query(
        paths,
        "SELECT count(*) FROM marts.current_books "
        "WHERE account_id IN ('001DUP', '001NEG', '001DATE', '001HUGE', '001HUGE2', '001CROWD')",
    ) == [(0,)]


def test_implausible_numbers_wait_for_review_and_rank_nothing(damaged):
    paths, _, _ = damaged
    # A trillion-dollar typo is no enterprise account: it is not scored until decided.
    assert query(
        paths,
        "SELECT count(*) FROM marts.account_scores "
        "WHERE account_id IN ('001HUGE', '001HUGE2', '001CROWD')",
    ) == [(0,)]
    assert query(
        paths, "SELECT item_kind FROM marts.review_queue WHERE record_key = '001HUGE'"
    ) == [("blocked_account",)]  # reintroduce with a corrected value, or retire
    # A deal of 1e15 still keeps its account out of scope, and adds nothing to the sums.
    assert query(
        paths,
        "SELECT amount FROM staging.stg_salesforce__opportunities WHERE opportunity_id = '006HUGE'",
    ) == [(None,)]
    assert query(paths, "SELECT max(pipeline_amount) FROM marts.pipeline_by_month")[0][0] < 1e10


def test_control_characters_never_reach_a_file_reps_open(damaged):
    paths, _, _ = damaged
    exported = b"".join(p.read_bytes() for p in paths.exports.glob("*.csv"))
    assert b"Null Byte and bell Corp" in exported
    controls = set(range(32)) - {ord("\n"), ord("\r")}
    assert not controls & set(exported)


def test_the_ui_shows_failed_expectations_and_the_open_queue(damaged):
    _, _, result = damaged
    checks = {
        (e.asset_key.to_user_string(), e.check_name): e
        for e in result.get_asset_check_evaluations()
    }
    accounts = checks[("salesforce/accounts", "expectations")]
    assert not accounts.passed and accounts.severity == dg.AssetCheckSeverity.ERROR
    table = accounts.metadata["failed_expectations"].value
    row = next(line for line in table.splitlines() if line.startswith("| account_id_unique |"))
    assert "| blocking | Id |" in row and "001DUP, 001DUP" in row  # rule, rows, a sample
    # Bad rows never got there: every dbt test of the scores passed.
    scores = [e for (asset, _), e in checks.items() if asset == "marts/account_scores"]
    assert scores and all(e.passed for e in scores)
    assert all(checks[(f"{s.source}/{s.table}", "rows_reconcile")].passed for s in LANDING_FILES)

    (queue,) = [
        m.materialization
        for m in result.get_asset_materialization_events()
        if m.asset_key == dg.AssetKey(["marts", "review_queue"])
    ]
    by_rule = {r.data["rule"]: int(r.data["items"]) for r in queue.metadata["open_by_rule"].records}
    assert by_rule["malformed_csv"] >= 4 and by_rule["account_id_unique"] >= 2
    assert queue.metadata["open_items"].value == sum(by_rule.values())
    # Every open item listed with its id and the decisions its kind allows.
    listed = queue.metadata["open_items_list"].records
    assert len(listed) == min(500, sum(by_rule.values()))
    assert all(r.data["review_item_id"] and r.data["item_kind"] for r in listed)
    duplicate = [r.data for r in listed if r.data["rule"] == "account_id_unique"]
    assert duplicate and duplicate[0]["allowed"] == "retire, keep"
    assert "record_review_decisions" in queue.metadata["how_to_decide"].value


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (b"", r"reps.csv: file is empty \(expected a header row\)"),
        (
            b'"rep_id","name"\n"005X","Ann"\n',
            r"reps.csv: missing required column\(s\) role, segments",
        ),
    ],
)
def test_a_file_that_cannot_be_read_at_all_fails_the_run_naming_it(tmp_path, damage, message):
    landing = tmp_path / "landing"
    generate(landing, accounts=50, reps=3, seed=1, as_of=AS_OF, activities_per_account=1)
    (landing / "reps.csv").write_bytes(damage)
    paths = RunPaths(landing=landing, rules=landing / "rules.yml", warehouse=tmp_path / "w.duckdb")
    with pytest.raises(RunFailed, match=message):
        run_books(paths, AS_OF)
