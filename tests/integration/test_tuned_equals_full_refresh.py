"""The tuned path (unchanged files reuse their last load, appended files read only their
new rows, the activity sums are moved by the rows that move them) gives exactly what a
full refresh (every file read again, incremental models rebuilt) gives, over two days."""

import csv
import shutil

import duckdb
import pandas as pd
import pytest

from orchestration.runner import RunPaths, run_books
from tests.integration.conftest import AS_OF, DAY2, day_of_change, query, query_frame, worked

SCHEMAS = ("landed", "raw", "intermediate", "allocation", "marts", "quality")
RUN_LOG = "landing_loads"  # when and how each file was loaded: differs by design
# The activity sums record what each pair's sums were built on (differs by design), and
# keep contacts in a list whose order is the aggregation's.
SUMS = "intermediate.int_pairs__activity_summed"
COLUMNS = {
    SUMS: "* EXCLUDE (built_for, built_from, tasks_through, events_through) "
    "REPLACE (list_sort(engaged_contacts) AS engaged_contacts)"
}


def as_before_incremental(paths: RunPaths) -> None:
    """The activity sums as a warehouse built before the model was incremental has them."""
    con = duckdb.connect(str(paths.warehouse))
    try:
        for column in (
            "engaged_contacts",
            "built_for",
            "built_from",
            "tasks_through",
            "events_through",
        ):
            con.execute(f"ALTER TABLE {SUMS} DROP COLUMN {column}")
    finally:
        con.close()


def tables(paths: RunPaths) -> list[str]:
    con = duckdb.connect(str(paths.warehouse), read_only=True)
    try:
        rows = con.execute(
            "SELECT table_schema || '.' || table_name FROM information_schema.tables "
            "WHERE (table_type = 'BASE TABLE' OR table_schema = 'raw') "
            "AND list_contains(?, table_schema) "
            "AND table_name != ? ORDER BY 1",
            [list(SCHEMAS), RUN_LOG],
        ).fetchall()
    finally:
        con.close()
    return [name for (name,) in rows]


@pytest.mark.parametrize("bulk", [False, True], ids=["appends", "old_day_grown"])
def test_reused_loads_give_the_same_warehouse_as_a_full_refresh(paths, tmp_path, bulk):
    runs = {}
    for name, full in (("tuned", False), ("full", True)):
        root = tmp_path / name
        shutil.copytree(paths.landing, root / "day1")
        day1 = RunPaths(root / "day1", root / "day1" / "rules.yml", root / "wh.duckdb")
        run_books(day1, AS_OF, full_refresh=full)
        day2 = day_of_change(day1, root / "day2", bulk)
        if bulk and not full:
            as_before_incremental(day1)
        run_books(day2, DAY2, full_refresh=full)
        runs[name] = day2

    reused = query(
        runs["tuned"],
        "SELECT file FROM quality.landing_loads WHERE as_of_date = ? AND reused_from IS NOT NULL",
        [DAY2],
    )
    assert ("Account.csv",) in reused and ("Task.csv",) not in reused
    appended = query(
        runs["tuned"],
        "SELECT file FROM quality.landing_loads WHERE as_of_date = ? AND appended_to = ?",
        [DAY2, AS_OF],
    )
    assert sorted(appended) == [("Task.csv",), ("book_returns.csv",)]
    assert not query(
        runs["full"],
        "SELECT * FROM quality.landing_loads WHERE reused_from IS NOT NULL "
        "OR appended_to IS NOT NULL",
    )

    names = tables(runs["tuned"])
    assert names == tables(runs["full"])
    assert {
        "landed.salesforce_tasks",
        "raw.salesforce_tasks",
        SUMS,
        "quality.quarantine",
    } <= set(names)
    for table in names:
        tuned, full = (
            query_frame(run, f"SELECT {COLUMNS.get(table, '*')} FROM {table} ORDER BY ALL")
            for run in runs.values()
        )
        pd.testing.assert_frame_equal(tuned, full, obj=table)
    assert query(
        runs["tuned"], "SELECT count(*) FROM raw.salesforce_tasks WHERE Id LIKE 'D2%'"
    ) == [(242 if bulk else 41,)]

    # Which way the activity sums went: moved from day 1's on a day of appends; built whole
    # when the bulk-logged rule may have reclassified old tasks (here also on a table from
    # before the model was incremental).
    built = query(
        runs["tuned"],
        "SELECT DISTINCT built_for FROM marts.account_activity ORDER BY 1",
    )
    assert built == ([(DAY2,)] if bulk else [(AS_OF,), (DAY2,)])
    if bulk:
        with (runs["tuned"].landing / "Task.csv").open(newline="") as f:
            old = worked(list(csv.DictReader(f)))
        assert query(
            runs["tuned"],
            "SELECT phantom_reason FROM intermediate.int_activities__classified "
            "WHERE activity_id = ?",
            [old["Id"]],
        ) == [("bulk_logged",)]
