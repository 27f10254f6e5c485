"""The allocation's store: a run's result replaces its date in one transaction, and a
date earlier than the last run is refused before anything is read."""

import datetime as dt
from types import SimpleNamespace

import duckdb
import pandas as pd
import pytest

from allocation.events import empty_events
from allocation.states import STATE_COLUMNS
from orchestration.stores import allocation as store

DAY = dt.date(2026, 11, 24)


def _result(*event_ids: str) -> SimpleNamespace:
    events = empty_events()
    rows = pd.DataFrame(
        {
            "event_id": list(event_ids),
            "run_id": "books-2026-11-24",
            "as_of_date": pd.Timestamp(DAY),
            "seq": range(len(event_ids)),
            "account_id": [f"001{i}" for i in range(len(event_ids))],
            "lane": "all",
            "to_rep_id": "005A",
            "kind": "distribution",
            "reason_code": "free_capacity",
        }
    )
    capacity = pd.DataFrame(
        {"as_of_date": [DAY], "rep_id": ["005A"], "role": ["AE"], "segments": ["smb"],
         "status": ["active"], "target_book_size": [10], "ramp_share": [1.0], "capacity": [10],
         "receives_accounts": [True]}
    )  # fmt: skip
    returns = pd.DataFrame(columns=["account_id", "rep_id", "returned_at", "reason", "decision",
                                    "decision_reason"])  # fmt: skip
    claims = pd.DataFrame(columns=["account_id", "rep_id", "claimed_at", "decision",
                                   "decision_reason"])  # fmt: skip
    return SimpleNamespace(
        events=pd.concat([events, rows]) if len(rows) else events,
        capacity=capacity,
        return_decisions=returns,
        claim_decisions=claims,
        states=pd.DataFrame({c: pd.Series(dtype=t) for c, t in STATE_COLUMNS.items()}),
    )


def _events(con) -> list[str]:
    return [
        r[0] for r in con.execute("SELECT event_id FROM allocation.ownership_events").fetchall()
    ]


def test_a_rerun_replaces_the_date_and_a_failed_write_leaves_the_books_as_they_were():
    con = duckdb.connect()
    store.ensure_tables(con)
    store.write_result(con, DAY, _result("e1", "e2"))
    store.write_result(con, DAY, _result("e3"))  # the same date again: replaced
    assert _events(con) == ["e3"]
    with pytest.raises(duckdb.ConstraintException):  # two events with one id
        store.write_result(con, DAY, _result("e4", "e4"))
    assert _events(con) == ["e3"]
    assert con.execute("SELECT count(*) FROM allocation.rep_capacity").fetchall() == [(1,)]


def test_an_earlier_date_than_the_last_run_is_refused():
    con = duckdb.connect()
    store.ensure_tables(con)
    store.write_result(con, DAY, _result("e1"))
    with pytest.raises(store.LaterRunExists, match="would rewrite history"):
        store.read_inputs(con, DAY - dt.timedelta(days=1))


def test_the_engines_reads_are_duckdbs_data_frames_with_text_as_objects():
    """The allocation reads through DuckDB's NumPy fetch (objects, not arrow strings, which
    the engine would convert): every type and NULL as DuckDB's own data frame has it."""
    import duckdb
    import pandas as pd

    from orchestration.stores.allocation import _objects

    con = duckdb.connect()
    sql = (
        "SELECT * FROM (VALUES ('a', 1, 1.5, DATE '2020-01-01', true, "
        "TIMESTAMP '2020-01-01 10:00', 3::UTINYINT, INTERVAL 1 DAY, 5::BIGINT), "
        "(NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 7)) t(s, i, f, d, b, ts, u, iv, n)"
    )
    expected = con.execute(sql).df().astype({"s": object})
    pd.testing.assert_frame_equal(_objects(con, sql), expected)
    assert _objects(con, sql)["s"].dtype == object


def test_every_read_of_account_ids_says_where_its_ids_come_from():
    """The engine gets account ids as codes numbered from `ID_SOURCES`: a read holding ids
    that no source names would hand the engine a missing code where an account was."""
    reads = {**store.READS, **store.READS_BEFORE}
    holding = {name for name, sql in reads.items() if "account_id" in sql.split(" FROM ")[0]}
    assert holding == set(store.ID_SOURCES)
