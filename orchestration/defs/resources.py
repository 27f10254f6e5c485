import sys
from pathlib import Path

import dagster as dg
from dagster_dbt import DbtCliResource

from orchestration.defs.transforms.project import dbt_project
from orchestration.resources import LandingFolder, RulesFile, Warehouse


@dg.definitions
def resources() -> dg.Definitions:
    return dg.Definitions(
        resources={
            "warehouse": Warehouse(path=dg.EnvVar("BOOKS_WAREHOUSE")),
            "landing": LandingFolder(path=dg.EnvVar("BOOKS_LANDING")),
            "rules": RulesFile(path=dg.EnvVar("BOOKS_RULES")),
            # The dbt installed beside this interpreter, whether or not the venv is activated.
            "dbt": DbtCliResource(
                project_dir=dbt_project,
                profiles_dir=str(dbt_project.project_dir),
                dbt_executable=str(Path(sys.executable).with_name("dbt")),
            ),
        }
    )
