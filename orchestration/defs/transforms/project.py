"""The dbt project, and its manifest prepared for `dagster dev` and for CI alike."""

import json
from pathlib import Path

from dagster_dbt import DbtProject

from allocation.rules import Rules

TRANSFORMS_DIR = Path(__file__).resolve().parents[3] / "transforms"

# Parsing renders the models' Jinja, which reads the rules: parse with the defaults,
# the same model the run validates, so nothing is repeated in dbt_project.yml.
PARSE_VARS = json.dumps({**Rules().dbt_vars(), "as_of_date": "2000-01-01"})

dbt_project = DbtProject(
    project_dir=TRANSFORMS_DIR,
    profiles_dir=TRANSFORMS_DIR,
    prepare_project_cli_args=["parse", "--quiet", "--vars", PARSE_VARS],
)
dbt_project.prepare_if_dev()
if not dbt_project.manifest_path.exists():
    # A fresh clone run outside `dagster dev` (tests, the CLI): parse once, here.
    dbt_project.preparer.prepare(dbt_project)
