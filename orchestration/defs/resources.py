import os

import dagster as dg
from dagster_dbt import DbtCliResource

from orchestration.defs.quality.review import formless
from orchestration.defs.transforms.project import DBT_EXECUTABLE, dbt_project
from orchestration.files import ExportFolder, LandingFolder, RulesFile
from orchestration.warehouse import Warehouse

# Settings with a default, as the command line has: bound to their variable only when it is
# set (an unset EnvVar fails every run), read when the definitions load, not on import.
OPTIONAL = {"BOOKS_ENGINE": ("engine", "duckdb"), "BOOKS_EXPORTS_URL": ("url", "")}


def _optional(variable: str) -> dict:
    field, default = OPTIONAL[variable]
    return {field: dg.EnvVar(variable) if variable in os.environ else default}


def _warehouse() -> dict:
    return {"path": dg.EnvVar("BOOKS_WAREHOUSE"), **_optional("BOOKS_ENGINE")}


def _warehouse_now() -> Warehouse:
    """The same warehouse, its variables read as a run starts: the review job's resource,
    which has no settings of its own to show in the launchpad."""
    settings = {
        name: value.get_value() if isinstance(value, dg.EnvVar) else value
        for name, value in _warehouse().items()
    }
    if not settings["path"]:
        raise dg.Failure("BOOKS_WAREHOUSE is not set: the warehouse file or folder")
    return Warehouse(**settings)


@dg.definitions
def resources() -> dg.Definitions:
    return dg.Definitions(
        resources={
            "warehouse": Warehouse(**_warehouse()),
            "review_warehouse": formless(_warehouse_now),
            "landing": LandingFolder(path=dg.EnvVar("BOOKS_LANDING")),
            "rules": RulesFile(path=dg.EnvVar("BOOKS_RULES")),
            "exports": ExportFolder(
                path=dg.EnvVar("BOOKS_EXPORTS"), **_optional("BOOKS_EXPORTS_URL")
            ),
            "dbt": DbtCliResource(
                project_dir=dbt_project,
                profiles_dir=str(dbt_project.project_dir),
                dbt_executable=DBT_EXECUTABLE,
            ),
        }
    )
