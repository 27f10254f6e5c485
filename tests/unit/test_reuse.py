"""An unchanged landing file keeps its last load only when reading it again would give the
same tables and the same review queue."""

import ast
import datetime as dt
import hashlib
import inspect
import json
import os
from pathlib import Path

import duckdb
import pytest

from data_quality.contract import QUARANTINE_TABLE
from data_quality.landing import LandingError, load_landing_files, reader, reuse, store
from data_quality.suites import landing_suites
from engagement.rules import Rules
from orchestration.stores.migrations import migrate

DAY1 = dt.date(2026, 11, 23)
DAY2 = DAY1 + dt.timedelta(days=1)
ACCOUNT_HEADER = (
    "Id,Name,Website,Industry,AnnualRevenue,NumberOfEmployees,BillingCountry,BillingState,"
    "Type,OwnerId,CreatedDate\n"
)
TASK_HEADER = (
    "Id,WhatId,WhoId,OwnerId,ActivityDate,CreatedDate,Type,TaskSubtype,Subject,Status,"
    "IsRecurrence,CallDurationInSeconds\n"
)


def account(i: str, revenue: str = "1000") -> str:
    return f"{i},Acme {i},acme.com,Software,{revenue},10,US,CA,Prospect,005X,2024-01-05\n"


def task(i: str, account_id: str, on: str = "2026-11-01") -> str:
    return f"{i},{account_id},,005X,{on},,Call,Call,x,Completed,false,60\n"


@pytest.fixture
def con():
    connection = duckdb.connect(":memory:")
    yield connection
    connection.close()


@pytest.fixture
def landing(tmp_path):
    (tmp_path / "Account.csv").write_text(
        ACCOUNT_HEADER + account("001A") + account("001B", "-5") + account("001C")
    )
    (tmp_path / "Task.csv").write_text(
        TASK_HEADER + task("T1", "001A") + task("T2", "001Z") + task("T3", "001C")
    )
    return tmp_path


def run(con, folder, day, reread=False) -> dict:
    suites = landing_suites(Rules(), day)
    loads = load_landing_files(con, folder, day, suites, {"Account.csv"}, reread)
    return {spec.file: report for spec, report, _ in loads}


def snapshot(con, day) -> dict:
    return {
        "accounts": con.execute("SELECT * FROM raw.salesforce_accounts ORDER BY _row").fetchall(),
        "tasks": con.execute("SELECT * FROM raw.salesforce_tasks ORDER BY _row").fetchall(),
        "queue": con.execute(
            f"SELECT * EXCLUDE (as_of_date) FROM {QUARANTINE_TABLE} WHERE as_of_date = ? "
            "ORDER BY file, row_number, rule",
            [day],
        ).fetchall(),
    }


def test_a_file_that_changed_while_it_was_read_is_read_again_next_run(con, landing, monkeypatch):
    # The digest of a file read whole is taken after the read: had the export grown in
    # between, that digest would name bytes the load never saw, and the next run reuse it.
    read_csv, grown = reader.read_csv, []

    def read_then_grow(con, path, *args, **kwargs):
        rows = read_csv(con, path, *args, **kwargs)
        if path.name == "Task.csv" and not grown:
            with path.open("a") as f:
                f.write(task("T4", "001A"))
            grown.append(path)
        return rows

    monkeypatch.setattr(reader, "read_csv", read_then_grow)
    run(con, landing, DAY1)
    monkeypatch.undo()
    second = run(con, landing, DAY2)
    assert second["Task.csv"].reused_from is None
    assert second["Task.csv"].appended_to is None  # the recorded size is of the grown file
    tasks = con.execute("SELECT Id FROM raw.salesforce_tasks ORDER BY _row").fetchall()
    assert tasks == [("T1",), ("T3",), ("T4",)]


def test_a_log_from_before_the_digest_change_means_one_full_read_then_reuse(con, landing):
    # Loads logged with a SHA-256 (the `file_sha256` column, NOT NULL) cannot be compared
    # with today's digests: the file is read again, and the next run reuses that load.
    run(con, landing, DAY1)
    con.execute(
        f"ALTER TABLE {store.LOADS_TABLE} RENAME COLUMN file_digest TO file_sha256;"
        f"ALTER TABLE {store.LOADS_TABLE} ALTER COLUMN file_sha256 SET NOT NULL"
    )
    migrate(con)  # as this version opens a warehouse an older one made
    day1 = snapshot(con, DAY1)
    present = ("Account.csv", "Task.csv")
    again = run(con, landing, DAY2)
    assert [again[f].reused_from for f in present] == [None, None]
    assert snapshot(con, DAY2) == day1
    third = run(con, landing, DAY2)
    assert [third[f].reused_from for f in present] == [DAY2, DAY2]


def test_unchanged_files_are_reused_and_give_what_reading_them_gives(con, landing):
    first = run(con, landing, DAY1)
    day1 = snapshot(con, DAY1)
    second = run(con, landing, DAY2)

    assert second["Account.csv"].reused_from == DAY1
    assert second["Task.csv"].reused_from == DAY1
    assert snapshot(con, DAY2) == day1  # the queue is carried to the new date
    for file in ("Account.csv", "Task.csv"):
        a, b = first[file], second[file]
        assert (a.rows_read, a.rows_loaded, a.rows_quarantined, a.quarantined_by_rule) == (
            b.rows_read,
            b.rows_loaded,
            b.rows_quarantined,
            b.quarantined_by_rule,
        )
        assert a.expectations.summary == b.expectations.summary
    assert second["Account.csv"].expectations.blocking_rows == {2}

    fresh = duckdb.connect(":memory:")
    run(fresh, landing, DAY1)
    run(fresh, landing, DAY2, reread=True)
    assert snapshot(fresh, DAY2) == snapshot(con, DAY2)


def test_a_changed_file_is_read_and_so_are_the_files_pointing_at_it(con, landing):
    run(con, landing, DAY1)
    with (landing / "Task.csv").open("a") as f:
        f.write(task("T4", "001A"))
    second = run(con, landing, DAY2)
    assert second["Account.csv"].reused_from == DAY1
    assert second["Task.csv"].reused_from is None
    assert second["Task.csv"].rows_loaded == 3

    # 001Z arrives: tasks pointing at it are no longer dangling, though Task.csv is as it was.
    with (landing / "Account.csv").open("a") as f:
        f.write(account("001Z"))
    third = run(con, landing, DAY2 + dt.timedelta(days=1))
    assert third["Account.csv"].reused_from is None
    assert third["Task.csv"].reused_from is None
    assert third["Task.csv"].rows_quarantined == 0


def test_rows_caught_by_a_rule_that_moves_with_the_date_are_read_again(con, landing):
    # Far in the future on day 1 (more than a year ahead), within a year on day 2.
    far = (DAY1 + dt.timedelta(days=366)).isoformat()
    (landing / "Task.csv").write_text(TASK_HEADER + task("T1", "001A", far))
    assert run(con, landing, DAY1)["Task.csv"].quarantined_by_rule == {"task_not_far_future": 1}
    second = run(con, landing, DAY2)
    assert second["Task.csv"].reused_from is None
    assert second["Task.csv"].rows_loaded == 1


def test_an_earlier_date_or_a_failed_read_reads_the_file_again(con, landing):
    run(con, landing, DAY2)
    assert run(con, landing, DAY1)["Account.csv"].reused_from is None  # a backfill

    good = (landing / "Account.csv").read_text()
    (landing / "Account.csv").write_text("Id,Id\n")
    with pytest.raises(LandingError, match="Account.csv"):
        run(con, landing, DAY2)
    (landing / "Account.csv").write_text(good)
    again = run(con, landing, DAY2)
    assert again["Account.csv"].reused_from is None
    assert again["Account.csv"].rows_loaded == 2


def full_refresh(landing, days) -> duckdb.DuckDBPyConnection:
    fresh = duckdb.connect(":memory:")
    for day in days:
        run(fresh, landing, day, reread=True)
    return fresh


@pytest.mark.parametrize("block", [reuse.BLOCK, 16])  # 16: files of many blocks
def test_appended_rows_are_read_alone_and_numbered_as_in_the_whole_file(
    con, landing, monkeypatch, block
):
    monkeypatch.setattr(reuse, "BLOCK", block)
    run(con, landing, DAY1)
    with (landing / "Task.csv").open("a") as f:
        f.write(task("T4", "001A"))
        f.write("T5,001A\n")  # too few columns: the reader rejects the line
        f.write(task("T6", "001A", "31/02/2026"))  # invalid date
        f.write(task("T7", "001C") + task("T7", "001C"))  # repeated within the new rows
        f.write(task("T8", "001Q"))  # unknown account
    second = run(con, landing, DAY2)["Task.csv"]
    assert second.appended_to == DAY1 and second.reused_from is None

    full = full_refresh(landing, [DAY1, DAY2])
    assert snapshot(con, DAY2) == snapshot(full, DAY2)
    whole = run(full, landing, DAY2, reread=True)["Task.csv"]
    assert (second.rows_read, second.rows_loaded, second.quarantined_by_rule) == (
        whole.rows_read,
        whole.rows_loaded,
        whole.quarantined_by_rule,
    )
    assert second.expectations.summary == whole.expectations.summary
    assert second.quarantined_by_rule == {
        "invalid_type": 1,
        "malformed_csv": 1,
        "task_id_unique": 2,
        "unknown_account": 2,
    }


def test_an_appended_row_repeating_an_old_id_reads_the_whole_file(con, landing):
    run(con, landing, DAY1)
    with (landing / "Task.csv").open("a") as f:
        f.write(task("T1", "001C"))  # T1 is an old row: both T1 rows must leave the table
    second = run(con, landing, DAY2)["Task.csv"]
    assert second.appended_to is None and second.reused_from is None
    assert snapshot(con, DAY2) == snapshot(full_refresh(landing, [DAY1, DAY2]), DAY2)
    assert second.quarantined_by_rule["task_id_unique"] == 2


def test_a_file_that_ended_mid_line_is_read_whole_when_that_line_grows(con, landing, monkeypatch):
    monkeypatch.setattr(reuse, "BLOCK", 16)  # files of many blocks
    # Yesterday's export was cut inside its last value (a call of 6 s, not 60); today's
    # finishes it: the old bytes are a prefix, but not of whole lines, so appending would
    # keep the cut row and read its rest as a row of its own.
    (landing / "Task.csv").write_text(TASK_HEADER + task("T1", "001A") + task("T3", "001C")[:-2])
    run(con, landing, DAY1)
    (landing / "Task.csv").write_text(
        TASK_HEADER + task("T1", "001A") + task("T3", "001C") + task("T4", "001A")
    )
    second = run(con, landing, DAY2)["Task.csv"]
    assert second.appended_to is None and second.reused_from is None
    assert snapshot(con, DAY2) == snapshot(full_refresh(landing, [DAY1, DAY2]), DAY2)


LOADER_RECORD = Path(__file__).with_name("loader_code.json")


def _code_of(source: str) -> str:
    """A module's code without its comments and docstrings: what runs."""
    tree = ast.parse(source)
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if (
            isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
            and body
            and isinstance(body[0], ast.Expr)
            and isinstance(body[0].value, ast.Constant)
            and isinstance(body[0].value.value, str)
        ):
            node.body = body[1:] or [ast.Pass()]
    return ast.dump(tree)


def test_the_loading_code_is_the_code_its_version_was_recorded_with():
    """The reuse fingerprint names the loader's version, not its source: a comment edit
    reads no file again. A change to the code fails here until someone says whether loads
    change (raise LOADER_VERSION) or not, and records the code again."""
    from data_quality.landing import reuse

    folder = Path(reuse.__file__).parent
    sources = [inspect.getsource(module) for module in reuse.LOADING_CODE] + [
        path.read_text() for path in sorted(folder.glob("*.py"))
    ]
    code = hashlib.sha256("\n".join(map(_code_of, sources)).encode()).hexdigest()
    now = {"loader_version": reuse.LOADER_VERSION, "code": code}
    if os.environ.get("BOOKS_UPDATE_SNAPSHOT"):
        LOADER_RECORD.write_text(json.dumps(now, indent=2) + "\n")
    recorded = json.loads(LOADER_RECORD.read_text())
    assert now == recorded, (
        "the loading code changed since loader version "
        f"{recorded['loader_version']} was recorded: if what a load holds can change, raise "
        "LOADER_VERSION in data_quality/landing/reuse.py (every file is read again once); "
        "then BOOKS_UPDATE_SNAPSHOT=1 pytest tests/unit/test_reuse.py"
    )


def test_a_comment_is_not_code_and_a_statement_is():
    before = 'def f(x):\n    """Doc."""\n    return x + 1  # one\n'
    assert _code_of(before) == _code_of("def f(x):\n    # why\n    return x + 1\n")
    assert _code_of(before) != _code_of("def f(x):\n    return x + 2\n")
