"""The dbt project, and the manifest its assets are built from.

The manifest is prepared before the definitions load, never by loading them: `make
manifest` (`python -m orchestration.defs.transforms.project`), the test session, the
runner behind `books run` and the benches, and `books dev` each call `prepare()`, which
parses only when a source of the project is newer than the manifest. A process that loads
the definitions (a run's worker, a review decision's, the UI's code server) reads the
manifest as it is. Under `dagster dev` a model edited while the UI runs is parsed on the
next reload, as dagster-dbt's `prepare_if_dev` does; anywhere else a stale manifest is
refused in one line, where a run would build yesterday's models.
"""

import json
import os
import sys
from pathlib import Path

from dagster_dbt import DbtCliResource, DbtProject
from filelock import FileLock

from engagement.rules import Rules

TRANSFORMS_DIR = Path(__file__).resolve().parents[3] / "transforms"
# The dbt installed beside this interpreter, whether or not its venv is activated.
DBT_EXECUTABLE = str(Path(sys.executable).with_name("dbt"))

# Parsing renders the models' Jinja, which reads the rules: parse with the defaults,
# the same model the run validates, so nothing is repeated in dbt_project.yml.
PARSE_ARGS = ["parse", "--quiet", "--vars", json.dumps(Rules().dbt_vars())]

dbt_project = DbtProject(
    project_dir=TRANSFORMS_DIR, profiles_dir=TRANSFORMS_DIR, prepare_project_cli_args=PARSE_ARGS
)


class StaleManifest(Exception):
    """The definitions were loaded from a manifest older than the dbt project."""


def is_stale() -> bool:
    """Whether the manifest is missing or older than a file of the project (a few ms)."""
    manifest = dbt_project.manifest_path
    if not manifest.exists():
        return True
    built = manifest.stat().st_mtime
    sources = [TRANSFORMS_DIR / "dbt_project.yml", TRANSFORMS_DIR / "profiles.yml"]
    for folder in ("models", "macros", "tests"):
        sources += (TRANSFORMS_DIR / folder).rglob("*")
    return any(path.stat().st_mtime > built for path in sources if path.is_file())


def prepare() -> None:
    """Parses the project when the manifest is stale. One process parses at a time (a code
    server and a run, or test workers, may prepare together); the next finds it fresh."""
    if not is_stale():
        return
    folder = dbt_project.manifest_path.parent
    folder.mkdir(parents=True, exist_ok=True)
    with FileLock(folder / "manifest.lock"):
        if is_stale():
            DbtCliResource(project_dir=dbt_project, dbt_executable=DBT_EXECUTABLE).cli(
                PARSE_ARGS, target_path=dbt_project.target_path
            ).wait()


def manifest_path() -> Path:
    """The manifest to build the dbt assets from: prepared already, or, under `dagster
    dev` (which sets DAGSTER_IS_DEV_CLI), prepared now."""
    if os.environ.get("DAGSTER_IS_DEV_CLI"):
        prepare()
    elif is_stale():
        raise StaleManifest(
            f"{dbt_project.manifest_path} is missing or older than the dbt project in "
            f"{TRANSFORMS_DIR}: run `make manifest` (`python -m "
            "orchestration.defs.transforms.project`) before loading the definitions"
        )
    return dbt_project.manifest_path


if __name__ == "__main__":
    prepare()
