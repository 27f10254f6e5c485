"""dbt unit tests (fixtures for the default rules) run against a built warehouse."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb

from engagement.rules import FitRules, Rules
from orchestration.defs.transforms.project import DBT_EXECUTABLE, TRANSFORMS_DIR


def dbt(
    args: list[str],
    rules: Rules,
    as_of: str,
    warehouse: Path,
    tmp_path: Path,
    more_vars: dict | None = None,
):
    dbt_vars = {
        **rules.dbt_vars(),
        "as_of_date": as_of,
        "warehouse_path": str(warehouse),
        **(more_vars or {}),
    }
    return subprocess.run(
        [
            DBT_EXECUTABLE,
            *args,
            "--vars",
            json.dumps(dbt_vars),
            "--target-path",
            str(tmp_path / "target"),
            "--log-path",
            str(tmp_path),
        ],
        cwd=TRANSFORMS_DIR,
        env={"DBT_PROFILES_DIR": str(TRANSFORMS_DIR), "PATH": str(Path(sys.executable).parent)},
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_dbt_unit_tests_pass_with_the_default_rules(first_run, tmp_path):
    result = dbt(
        ["test", "--select", "test_type:unit"],
        Rules(),
        "2026-11-24",
        first_run.warehouse.resolve(),
        tmp_path,
    )
    assert result.returncode == 0, result.stdout[-3000:]
    assert "PASS=10" in result.stdout


def test_what_the_models_give_by_construction_holds_on_a_built_warehouse(first_run, tmp_path):
    """The keys a model makes unique by how it is built (a group by, a row_number, joins on
    keys of one row each, the loader's one row per Id) are not scanned by the daily runs
    (tag by_construction, disabled unless `prove_construction`): here they are, each."""
    dbt_vars = {"prove_construction": True}
    result = dbt(
        ["test", "--select", "tag:by_construction"],
        Rules(),
        "2026-11-24",
        first_run.warehouse.resolve(),
        tmp_path,
        dbt_vars,
    )
    assert result.returncode == 0, result.stdout[-3000:]
    assert "PASS=9" in result.stdout


def rescore(
    first_run, tmp_path: Path, rules: Rules, sql: str, since: str = "int_accounts__fit_scored"
) -> list[tuple]:
    """Rebuilds the scores of a copy of the warehouse under `rules` from the model `since`
    on; returns `sql`'s rows."""
    warehouse = tmp_path / "wh.duckdb"
    if not warehouse.exists():
        shutil.copyfile(first_run.warehouse, warehouse)
    result = dbt(
        ["run", "--select", f"{since}+", "--exclude", "source:allocation+"],
        rules,
        "2026-11-23",
        warehouse,
        tmp_path,
    )
    assert result.returncode == 0, result.stdout[-3000:]
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_changing_a_weight_in_the_rules_changes_the_scores_without_editing_sql(first_run, tmp_path):
    rules = Rules()
    no_software = rules.model_copy(
        update={
            "fit": rules.fit.model_copy(
                update={"industry": {**rules.fit.industry, "Software": 0.0}}
            )
        }
    )
    sql = "SELECT avg(fit_industry_points) FROM marts.account_scores WHERE industry = 'Software'"
    assert rescore(first_run, tmp_path, rules, sql) == [(30.0,)]
    assert rescore(first_run, tmp_path, no_software, sql) == [(0.0,)]


def test_without_a_fit_model_accounts_rank_by_employees_then_revenue(first_run, tmp_path):
    ranked = rescore(
        first_run,
        tmp_path,
        Rules().model_copy(update={"fit": FitRules()}),
        "SELECT coalesce(number_of_employees, 0), coalesce(annual_revenue, 0), fit_explanation "
        "FROM marts.account_scores ORDER BY fit_score, account_id",
    )
    assert {r[2] for r in ranked} == {"no fit score configured: ranked by employees, then revenue"}
    keys = [(employees, revenue) for employees, revenue, _ in ranked]
    assert keys == sorted(keys)  # a higher fit never has fewer employees (then less revenue)


def test_account_domains_are_built_again_only_when_accounts_change(first_run, tmp_path):
    warehouse = tmp_path / "wh.duckdb"
    shutil.copyfile(first_run.warehouse, warehouse)

    def build() -> tuple[list[tuple], set[str]]:
        result = dbt(
            ["run", "--select", "int_accounts__domains"], Rules(), "2026-11-23", warehouse, tmp_path
        )
        assert result.returncode == 0, result.stdout[-3000:]
        con = duckdb.connect(str(warehouse), read_only=True)
        try:
            table = "intermediate.int_accounts__domains"
            rows = con.execute(f"SELECT account_id, domain FROM {table} ORDER BY ALL").fetchall()
            built = con.execute(f"SELECT DISTINCT built_from FROM {table}").fetchall()
            return rows, {b for (b,) in built}
        finally:
            con.close()

    def edit(sql: str, *params) -> None:
        con = duckdb.connect(str(warehouse))
        try:
            con.execute(sql, list(params))
        finally:
            con.close()

    original = duckdb.connect(str(first_run.warehouse), read_only=True)
    try:
        built = original.execute(
            "SELECT account_id, domain FROM intermediate.int_accounts__domains ORDER BY ALL"
        ).fetchall()
    finally:
        original.close()
    before, built_from = build()  # the same accounts: the rows stay as they were
    assert before == built and len(built_from) == 1 and len(before) > 100
    account = before[0][0]
    edit(
        "UPDATE landed.salesforce_accounts SET Website = 'https://www.Renamed.co.uk/x' "
        "WHERE Id = ?",
        account,
    )
    after, rebuilt_from = build()
    assert (account, "renamed.co.uk") in after and len(after) == len(before)
    assert len(rebuilt_from) == 1 and rebuilt_from != built_from
    assert [r for r in after if r[0] != account] == [r for r in before if r[0] != account]


def test_segments_are_what_the_rules_say(first_run, tmp_path):
    """A revenue floor alone is a revenue floor (it used to catch every account through an
    employee floor of 0), and one catch-all segment is a valid rules file."""
    sql = (
        "SELECT segment, min(annual_revenue), max(annual_revenue), count(*) "
        "FROM marts.account_scores GROUP BY segment ORDER BY segment"
    )
    for segments, expect in (
        ([{"name": "big", "min_annual_revenue": 1e8}, {"name": "rest"}], {"big", "rest"}),
        ([{"name": "everyone"}], {"everyone"}),
    ):
        rules = Rules.model_validate({"segments": segments, "target_book_size": {}})
        rows = rescore(first_run, tmp_path, rules, sql, since="int_accounts__segmented")
        assert {r[0] for r in rows} == expect
        by = {r[0]: r for r in rows}
        if "big" in by:
            assert by["big"][1] >= 1e8 and by["rest"][2] < 1e8
