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
