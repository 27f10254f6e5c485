"""dbt unit tests (fixtures for the default rules) run against a built warehouse."""

import json
import subprocess
import sys
from pathlib import Path

from allocation.rules import Rules
from orchestration.defs.transforms.project import DBT_EXECUTABLE, TRANSFORMS_DIR


def dbt(args: list[str], rules: Rules, as_of: str, warehouse: Path, tmp_path: Path):
    dbt_vars = {**rules.dbt_vars(), "as_of_date": as_of, "warehouse_path": str(warehouse)}
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
    assert "PASS=5" in result.stdout


def test_changing_a_weight_in_the_rules_changes_the_scores_without_editing_sql(first_run, tmp_path):
    import shutil

    import duckdb

    warehouse = tmp_path / "wh.duckdb"
    shutil.copyfile(first_run.warehouse, warehouse)
    rules = Rules()
    heavier = rules.model_copy(
        update={
            "fit": rules.fit.model_copy(
                update={"industry": {**rules.fit.industry, "Software": 0.0}}
            )
        }
    )

    def software_fit(model: Rules) -> float:
        result = dbt(
            ["run", "--select", "int_accounts__fit_scored+", "--exclude", "source:allocation+"],
            model,
            "2026-11-23",
            warehouse,
            tmp_path,
        )
        assert result.returncode == 0, result.stdout[-3000:]
        con = duckdb.connect(str(warehouse), read_only=True)
        try:
            return con.execute(
                "SELECT avg(fit_industry_points) FROM marts.account_scores "
                "WHERE industry = 'Software'"
            ).fetchone()[0]
        finally:
            con.close()

    assert software_fit(rules) == 30.0
    assert software_fit(heavier) == 0.0


def test_without_a_fit_model_accounts_rank_by_employees_then_revenue(first_run, tmp_path):
    import shutil

    import duckdb

    from allocation.rules import FitRules

    warehouse = tmp_path / "wh.duckdb"
    shutil.copyfile(first_run.warehouse, warehouse)
    no_fit = Rules().model_copy(update={"fit": FitRules()})
    result = dbt(
        ["run", "--select", "int_accounts__fit_scored+", "--exclude", "source:allocation+"],
        no_fit,
        "2026-11-23",
        warehouse,
        tmp_path,
    )
    assert result.returncode == 0, result.stdout[-3000:]
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        ranked = con.execute(
            "SELECT coalesce(number_of_employees, 0), coalesce(annual_revenue, 0), fit_score, "
            "fit_explanation FROM marts.account_scores ORDER BY fit_score, account_id"
        ).fetchall()
    finally:
        con.close()
    assert {r[3] for r in ranked} == {"no fit score configured: ranked by employees, then revenue"}
    keys = [(employees, revenue) for employees, revenue, _, _ in ranked]
    assert keys == sorted(keys)  # a higher fit never has fewer employees (then less revenue)
