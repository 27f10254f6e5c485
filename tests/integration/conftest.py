"""One small generated landing folder and one full run, shared by the integration tests."""

import csv
import datetime as dt
import shutil
from pathlib import Path

import duckdb
import pytest

from orchestration.runner import RunPaths, run_books
from sample_data.generate import generate

AS_OF = dt.date(2026, 11, 23)
DAY2 = AS_OF + dt.timedelta(days=1)


@pytest.fixture(scope="session")
def paths(tmp_path_factory):
    root = tmp_path_factory.mktemp("books")
    landing = root / "landing"
    generate(landing, accounts=600, reps=10, seed=11, as_of=AS_OF, activities_per_account=5)
    return RunPaths(landing=landing, rules=landing / "rules.yml", warehouse=root / "wh.duckdb")


@pytest.fixture(scope="session")
def first_run(paths):
    run_books(paths, AS_OF)
    return paths


def query(paths: RunPaths, sql: str, params=()) -> list[tuple]:
    """Rows of `sql` against a run's warehouse, read-only."""
    con = duckdb.connect(str(paths.warehouse), read_only=True)
    try:
        return con.execute(sql, list(params)).fetchall()
    finally:
        con.close()


def query_frame(paths: RunPaths, sql: str):
    con = duckdb.connect(str(paths.warehouse), read_only=True)
    try:
        return con.execute(sql).df()
    finally:
        con.close()


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


def copy_of(warehouse: Path, folder: Path) -> Path:
    """The warehouse file, and the exports beside it, copied into a new `folder`."""
    folder.mkdir(parents=True)
    shutil.copyfile(warehouse, folder / warehouse.name)
    if (warehouse.parent / "exports").is_dir():
        shutil.copytree(warehouse.parent / "exports", folder / "exports")
    return folder / warehouse.name


@pytest.fixture(scope="session")
def days(first_run, tmp_path_factory):
    """Day 1 as the shared run left it (a copy), and a day of change after it run cleanly
    on another copy: the paths of each."""
    root = tmp_path_factory.mktemp("days")
    day1 = RunPaths(first_run.landing, first_run.rules, copy_of(first_run.warehouse, root / "day1"))
    day2 = day_of_change(first_run, root / "landing2", bulk=False)
    clean = RunPaths(day2.landing, first_run.rules, copy_of(day1.warehouse, root / "clean"))
    run_books(clean, DAY2)
    return day1, clean
