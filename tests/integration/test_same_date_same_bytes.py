"""Same date twice = same bytes (issue 36.3): a date run again, or run again after a run of
it was cut short after any step, leaves every table of every schema, and the exports, as
one clean run of the date leaves them."""

import dagster as dg
import pytest

from orchestration.runner import RunPaths, run_books
from tests.integration.compare import BUILD_RECORD, differences
from tests.integration.conftest import AS_OF, DAY2, copy_of

# The daily job's steps in the order they run, each by the assets it materializes.
STEPS = [
    ("landing_files", dg.AssetSelection.groups("landing")),
    ("signals_and_scores", None),
    ("allocation_run", None),
    ("books_marts", None),
    ("exports", dg.AssetSelection.groups("exports")),
]


def _step(name: str) -> dg.AssetSelection:
    from orchestration.defs.allocation import assets as allocation
    from orchestration.defs.transforms import assets as transforms

    step = getattr(transforms, name, None) or getattr(allocation, name)
    return dg.AssetSelection.assets(*step.keys)


def up_to(index: int) -> dg.AssetSelection:
    """The steps up to and including STEPS[index]: a run killed right after it."""
    chosen = [sel or _step(name) for name, sel in STEPS[: index + 1]]
    selection = chosen[0]
    for more in chosen[1:]:
        selection = selection | more
    return selection


def exports(paths: RunPaths, day=DAY2) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(paths.exports.glob(f"*{day}*.csv"))}


@pytest.mark.parametrize(
    ("day", "full_refresh"),
    [(AS_OF, False), (DAY2, False), (DAY2, True)],
    ids=["first_run", "day_after", "day_after_full_refresh"],
)
def test_a_date_run_again_leaves_every_table_as_it_was(days, tmp_path, day, full_refresh):
    clean = days[0] if day == AS_OF else days[1]
    again = RunPaths(clean.landing, clean.rules, copy_of(clean.warehouse, tmp_path / "again"))
    run_books(again, day, full_refresh=full_refresh)
    # A full refresh reads every file whole and sums every pair again: the same rows, built
    # another way (what the build records say of it aside).
    left_out = BUILD_RECORD if full_refresh else None
    assert differences(again.warehouse, clean.warehouse, left_out) == {}
    assert exports(again, day) == exports(clean, day)


@pytest.mark.parametrize("cut", range(len(STEPS)), ids=[name for name, _ in STEPS])
def test_a_run_cut_short_after_any_step_then_run_again_equals_a_clean_run(days, tmp_path, cut):
    day1, clean = days
    resumed = RunPaths(clean.landing, clean.rules, copy_of(day1.warehouse, tmp_path / "resumed"))
    run_books(resumed, DAY2, selection=up_to(cut))
    run_books(resumed, DAY2)
    assert differences(resumed.warehouse, clean.warehouse) == {}
    assert exports(resumed) == exports(clean)
