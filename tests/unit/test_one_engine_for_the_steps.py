"""The Python steps run on DuckDB whichever engine builds the models (issue 41): the
stores, the loader and the allocation name no engine and never ask which one runs. What
differs lives in the warehouse resource, `engines/` and dbt's dispatched macros."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
STEPS = ("orchestration/stores", "data_quality", "allocation", "orchestration/defs/ingest",
         "orchestration/defs/allocation", "orchestration/defs/quality")  # fmt: skip
# Asking which engine runs, or reaching for one: prose about the engines is no branch.
ASKS = re.compile(
    r"\.engine\s*[!=]=|\bengine\s*[!=]=|\bengine\s+in\b|is_spark|from engines|"
    r"import engines|\bENGINES\b"
)


def asking(folder: Path) -> list[str]:
    return [
        f"{path.name}:{number}: {line.strip()}"
        for path in sorted(folder.rglob("*.py"))
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if ASKS.search(line)
    ]


def test_no_step_branches_on_the_engine():
    found = [line for folder in STEPS for line in asking(ROOT / folder)]
    assert found == []


def test_a_branch_on_the_engine_is_found(tmp_path):
    (tmp_path / "store.py").write_text('if warehouse.engine == "spark":\n    pass\n')
    assert len(asking(tmp_path)) == 1
