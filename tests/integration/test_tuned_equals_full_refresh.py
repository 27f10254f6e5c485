"""The tuned path (unchanged files reuse their last load, appended files read only their
new rows, the activity sums are moved by the rows that move them) gives exactly what a
full refresh (every file read again, incremental models rebuilt) gives, over two days."""

import csv
import datetime as dt
import shutil

import duckdb
import pandas as pd
import pytest

from orchestration.runner import RunPaths, run_books
from tests.integration.conftest import AS_OF, query, query_frame

DAY2 = AS_OF + dt.timedelta(days=1)
SCHEMAS = ("landed", "raw", "allocation", "marts", "quality")
RUN_LOG = "landing_loads"  # when and how each file was loaded: differs by design
# account_activity records what each pair's sums were built on (differs by design), and
# keeps contacts in a list whose order is the aggregation's.
COLUMNS = {
    "marts.account_activity": "* EXCLUDE (built_for, built_from, tasks_through, events_through) "
    "REPLACE (list_sort(engaged_contacts) AS engaged_contacts)"
}


def worked(rows: list[dict]) -> dict:
    """A task that counts as work on its account (a completed e-mail before day 1)."""
    return next(
        r
        for r in rows
        if r["TaskSubtype"] == "Email"
        and r["Status"] == "Completed"
        and r["ActivityDate"]
        and r["ActivityDate"] < AS_OF.isoformat()
        and r["IsRecurrence"] != "true"
    )


def day_of_change(day1: RunPaths, folder, bulk: bool) -> RunPaths:
    """Day 1's files plus a day's new tasks and one return. One new task is back-dated.
    With `bulk`, 201 more are logged by one rep on the day of an old task of theirs, which
    makes that task bulk-logged: its account's activity changes though no new task is on
    it, and the rows appended are not the rows that change."""
    shutil.copytree(day1.landing, folder)
    with (folder / "Task.csv").open(newline="") as f:
        rows = list(csv.DictReader(f))
    old = worked(rows)
    other = next(r["WhatId"] for r in rows if r["WhatId"] and r["WhatId"] != old["WhatId"])
    today = f"{DAY2}T09:00:00.000Z"  # logged today, as a day's new tasks are
    with (folder / "Task.csv").open("a", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]), lineterminator="\n")
        for row in rows[:40]:
            writer.writerow(
                row
                | {"Id": "D2" + row["Id"], "ActivityDate": DAY2.isoformat(), "CreatedDate": today}
            )
        writer.writerow(
            rows[40]
            | {
                "Id": "D2back",
                "ActivityDate": (AS_OF - dt.timedelta(45)).isoformat(),
                "CreatedDate": today,
            }
        )
        for n in range(201 if bulk else 0):
            writer.writerow(
                old
                | {
                    "Id": f"D2bulk{n}",
                    "WhatId": other,
                    "WhoId": "",
                    "ActivityDate": (DAY2 + dt.timedelta(20)).isoformat(),
                }
            )
    book = query(day1, "SELECT account_id, rep_id FROM marts.current_books ORDER BY ALL LIMIT 1")
    with (folder / "book_returns.csv").open("a") as f:
        f.write(f"{book[0][0]},{book[0][1]},{DAY2}T09:00:00Z,no_response,\n")
    return RunPaths(folder, day1.rules, day1.warehouse)


def as_before_incremental(paths: RunPaths) -> None:
    """account_activity as a warehouse built before the model was incremental has it."""
    con = duckdb.connect(str(paths.warehouse))
    try:
        for column in (
            "engaged_contacts",
            "built_for",
            "built_from",
            "tasks_through",
            "events_through",
        ):
            con.execute(f"ALTER TABLE marts.account_activity DROP COLUMN {column}")
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
        "marts.account_activity",
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
