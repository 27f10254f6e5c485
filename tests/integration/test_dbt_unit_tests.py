"""dbt unit tests (fixtures for the default rules) run against a built warehouse."""

import json
import subprocess
import sys
from pathlib import Path

from allocation.rules import Rules
from orchestration.defs.transforms.project import DBT_EXECUTABLE, TRANSFORMS_DIR


def test_dbt_unit_tests_pass_with_the_default_rules(first_run, tmp_path):
    dbt_vars = {
        **Rules().dbt_vars(),
        "as_of_date": "2026-11-24",
        "warehouse_path": str(first_run.warehouse.resolve()),
    }
    result = subprocess.run(
        [
            DBT_EXECUTABLE,
            "test",
            "--select",
            "test_type:unit",
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
        dbt_vars = {
            **model.dbt_vars(),
            "as_of_date": "2026-11-23",
            "warehouse_path": str(warehouse),
        }
        subprocess.run(
            [
                DBT_EXECUTABLE,
                "run",
                "--select",
                "int_accounts__fit_scored+",
                "--exclude",
                "source:allocation+",
                "--vars",
                json.dumps(dbt_vars),
                "--target-path",
                str(tmp_path / "target"),
                "--log-path",
                str(tmp_path),
            ],
            cwd=TRANSFORMS_DIR,
            env={"DBT_PROFILES_DIR": str(TRANSFORMS_DIR), "PATH": str(Path(sys.executable).parent)},
            check=True,
            capture_output=True,
            timeout=300,
        )
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
