"""The dbt project, and its manifest prepared for `dagster dev` and for CI alike."""

import json
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


def _manifest_is_stale() -> bool:
    manifest = dbt_project.manifest_path
    if not manifest.exists():
        return True
    built = manifest.stat().st_mtime
    sources = [TRANSFORMS_DIR / "dbt_project.yml", TRANSFORMS_DIR / "profiles.yml"]
    for folder in ("models", "macros", "tests"):
        sources += (TRANSFORMS_DIR / folder).rglob("*")
    return any(path.stat().st_mtime > built for path in sources if path.is_file())


def _prepare() -> None:
    """Parsed only when a source changed, under `dagster dev` too: `prepare_if_dev()` parsed
    on every load there, and every run's worker process loads the definitions again. One
    process parses at a time (a code server and a run, or test workers, load together);
    the next finds the manifest fresh."""
    if not _manifest_is_stale():
        return
    folder = dbt_project.manifest_path.parent
    folder.mkdir(parents=True, exist_ok=True)
    with FileLock(folder / "manifest.lock"):
        if _manifest_is_stale():
            DbtCliResource(project_dir=dbt_project, dbt_executable=DBT_EXECUTABLE).cli(
                PARSE_ARGS, target_path=dbt_project.target_path
            ).wait()


_prepare()
