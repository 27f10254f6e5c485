"""The dbt docs of the warehouse: generated with the vars the daily run uses, then served."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from orchestration.defs.transforms.project import DBT_EXECUTABLE, TRANSFORMS_DIR
from orchestration.files import RulesFile
from orchestration.warehouse import Warehouse

DOCS_TARGET = "target/docs"  # beside the daily run's target, so neither re-parses the other


def generate(rules: Path, warehouse: Path) -> Path:
    """Builds the docs site (manifest, catalog of the warehouse's tables, index.html) and
    returns its folder. The rules and the warehouse are the run's, so the docs show the
    models as the run renders them and the columns the warehouse holds."""
    if not warehouse.is_file():
        raise FileNotFoundError(f"{warehouse}: warehouse not found (run `make demo` first)")
    dbt_vars = {**RulesFile(path=str(rules)).load().dbt_vars(), **_warehouse(warehouse).dbt_vars}
    done = subprocess.run(
        [DBT_EXECUTABLE, "docs", "generate", "--quiet", "--target-path", DOCS_TARGET,
         "--vars", json.dumps(dbt_vars)],
        cwd=TRANSFORMS_DIR, capture_output=True, text=True,
    )  # fmt: skip
    if done.returncode:
        said = (done.stdout + done.stderr).strip().splitlines() or ["no output"]
        raise OSError(f"dbt docs generate failed: {said[-1]}")
    return TRANSFORMS_DIR / DOCS_TARGET


def serve(port: int) -> None:
    """Serves the generated site until interrupted."""
    subprocess.run(
        [DBT_EXECUTABLE, "docs", "serve", "--target-path", DOCS_TARGET, "--port", str(port),
         "--host", "127.0.0.1", "--no-browser"],
        cwd=TRANSFORMS_DIR, check=False,
    )  # fmt: skip


def _warehouse(path: Path) -> Warehouse:
    return Warehouse(path=str(path.resolve()))
