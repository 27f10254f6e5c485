import dagster as dg

from orchestration.defs.transforms.dbt_cli import BooksDbtCli
from orchestration.defs.transforms.project import DBT_EXECUTABLE, dbt_project
from orchestration.files import ExportFolder, LandingFolder, RulesFile
from orchestration.warehouse import Warehouse


@dg.definitions
def resources() -> dg.Definitions:
    return dg.Definitions(
        resources={
            "warehouse": Warehouse(
                path=dg.EnvVar("BOOKS_WAREHOUSE"), engine=dg.EnvVar("BOOKS_ENGINE")
            ),
            "landing": LandingFolder(path=dg.EnvVar("BOOKS_LANDING")),
            "rules": RulesFile(path=dg.EnvVar("BOOKS_RULES")),
            "exports": ExportFolder(
                path=dg.EnvVar("BOOKS_EXPORTS"), url=dg.EnvVar("BOOKS_EXPORTS_URL")
            ),
            "dbt": BooksDbtCli(
                project_dir=dbt_project,
                profiles_dir=str(dbt_project.project_dir),
                dbt_executable=DBT_EXECUTABLE,
            ),
        }
    )
