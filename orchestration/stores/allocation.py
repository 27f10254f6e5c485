"""The allocation's tables: their DDL, the engine's inputs read from the warehouse, and
its result written back in one transaction; and what the exports read of a run. DuckDB
holds them whichever engine builds the models (`orchestration/warehouse.py`)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from allocation.events import EVENT_COLUMNS
from allocation.keys import MISSING

DDL = """
CREATE SCHEMA IF NOT EXISTS allocation;
CREATE TABLE IF NOT EXISTS allocation.ownership_events (
    event_id VARCHAR PRIMARY KEY, run_id VARCHAR NOT NULL, as_of_date DATE NOT NULL,
    seq BIGINT NOT NULL, account_id VARCHAR NOT NULL, lane VARCHAR NOT NULL DEFAULT 'all',
    from_rep_id VARCHAR, to_rep_id VARCHAR, kind VARCHAR NOT NULL, reason_code VARCHAR NOT NULL,
    explanation VARCHAR, priority DOUBLE, rest_until DATE
);
CREATE TABLE IF NOT EXISTS allocation.claim_decisions (
    as_of_date DATE NOT NULL, account_id VARCHAR, rep_id VARCHAR, claimed_at TIMESTAMP,
    decision VARCHAR NOT NULL, decision_reason VARCHAR
);
CREATE TABLE IF NOT EXISTS allocation.return_decisions (
    as_of_date DATE NOT NULL, account_id VARCHAR, rep_id VARCHAR, returned_at TIMESTAMP,
    reason VARCHAR, decision VARCHAR NOT NULL, decision_reason VARCHAR
);
-- The latest run's state of every account in every lane (allocation.states): what the
-- pool, account_states and claim_queue marts project.
CREATE TABLE IF NOT EXISTS allocation.account_states (
    as_of_date DATE NOT NULL, account_id VARCHAR NOT NULL, lane VARCHAR NOT NULL,
    state VARCHAR NOT NULL, state_reason VARCHAR, rep_id VARCHAR, entered_on DATE,
    entered_by VARCHAR, grace_until DATE, last_meaningful_activity_on DATE, rest_until DATE,
    left_by VARCHAR, left_reason VARCHAR, queue VARCHAR, queue_rank BIGINT
);
CREATE TABLE IF NOT EXISTS allocation.rep_capacity (
    as_of_date DATE NOT NULL, rep_id VARCHAR NOT NULL, role VARCHAR, segments VARCHAR,
    status VARCHAR, target_book_size BIGINT, ramp_share DOUBLE, capacity BIGINT,
    receives_accounts BOOLEAN
);
"""
TABLES = ("ownership_events", "rep_capacity", "return_decisions", "claim_decisions")
CAPACITY_COLUMNS = (
    "as_of_date, rep_id, role, segments, status, target_book_size, ramp_share, capacity, "
    "receives_accounts"
)
RETURN_COLUMNS = "account_id, rep_id, returned_at, reason, decision, decision_reason"
CLAIM_COLUMNS = "account_id, rep_id, claimed_at, decision, decision_reason"
READS = {
    "accounts": "SELECT account_id, crm_owner_id, segment, region, language, time_zone, "
    "priority, segment_rank, value_rank, "
    "is_new_business, scope_reason, open_opportunities, review_decision, review_decided_on "
    "FROM marts.account_scores ORDER BY account_id",
    "reps": "SELECT * FROM staging.stg_books__reps ORDER BY rep_id",
    "users": "SELECT user_id, is_active FROM staging.stg_salesforce__users ORDER BY user_id",
    "returns": "SELECT account_id, rep_id, returned_at, reason, source_row "
    "FROM staging.stg_books__returns ORDER BY returned_at, account_id, source_row",
    "claims": "SELECT account_id, rep_id, claimed_at FROM staging.stg_books__claims "
    "ORDER BY claimed_at, account_id, rep_id",
}
# What the engine reads of earlier events: their words and ids are for people (a day's log
# is a third of its bytes in explanations).
LOGGED = [c for c in EVENT_COLUMNS if c not in ("event_id", "run_id", "explanation")]
# Read as of the run date: the log so far, and the requests earlier runs decided (each
# return and claim is decided once).
READS_BEFORE = {
    # Retrieval only asks about pairs of an account and a rep who held it (or its CRM owner,
    # adopted on the first run): a superset of today's books, a fraction of all pairs. Held
    # before the date: a run of the date again must not see the pairs its first run made.
    "activity": "SELECT a.account_id, a.rep_id, a.last_meaningful_activity_on, a.is_phantom_only "
    "FROM marts.account_activity AS a SEMI JOIN ("
    "SELECT account_id, crm_owner_id AS rep_id FROM marts.account_scores "
    "UNION SELECT account_id, to_rep_id FROM allocation.ownership_events "
    "WHERE to_rep_id IS NOT NULL AND as_of_date < ?) AS held "
    "ON a.account_id = held.account_id AND a.rep_id = held.rep_id "
    "ORDER BY account_id, rep_id",
    "events": f"SELECT {', '.join(LOGGED)} FROM allocation.ownership_events "
    "WHERE as_of_date < ? ORDER BY as_of_date, seq",
    "decided_returns": "SELECT account_id, rep_id, returned_at FROM allocation.return_decisions "
    "WHERE as_of_date < ?",
    "decided_claims": "SELECT account_id, rep_id, claimed_at FROM allocation.claim_decisions "
    "WHERE as_of_date < ?",
}
# Where the account ids of each read that holds them come from: every id a run reads is
# numbered, in its order (allocation.keys), so the engine gets codes, never a million ids as
# text, and the write names them again. A read whose ids are all among others' says so
# (None): retrieval's activity holds only pairs of accounts and of the log's holders.
ID_SOURCES = {
    "accounts": "marts.account_scores",
    "returns": "staging.stg_books__returns",
    "claims": "staging.stg_books__claims",
    "events": "allocation.ownership_events WHERE as_of_date < $date",
    "decided_returns": "allocation.return_decisions WHERE as_of_date < $date",
    "decided_claims": "allocation.claim_decisions WHERE as_of_date < $date",
    "activity": None,
}
CODES = (
    "CREATE OR REPLACE TEMP TABLE account_codes AS "
    "SELECT account_id, row_number() OVER (ORDER BY account_id) - 1 AS code FROM ("
    + " UNION ".join(f"SELECT account_id FROM {s}" for s in ID_SOURCES.values() if s)
    + ") AS ids WHERE account_id IS NOT NULL"
)
# What the two exports use of an event (a first run logs one per adopted account).
EXPORTED_EVENT_COLUMNS = (
    "seq, lane, account_id, from_rep_id, to_rep_id, as_of_date, kind, reason_code, explanation"
)


class LaterRunExists(RuntimeError):
    """Books were run for a later date: re-running this one would rewrite history."""


def ensure_tables(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(DDL)


def refuse_rewriting_history(con: duckdb.DuckDBPyConnection, date: dt.date) -> None:
    """Raises LaterRunExists when books were run for a date after `date`: each day's books
    start from the day before, so running an earlier day again would rewrite history."""
    ensure_tables(con)
    later = con.execute(
        "SELECT max(as_of_date) FROM allocation.ownership_events WHERE as_of_date > ?", [date]
    ).fetchone()[0]
    if later is not None:
        raise LaterRunExists(
            f"books were already run for {later}; running {date} would rewrite history (run "
            "it on a copy of the warehouse, or a date on or after the last)"
        )


def _column(values: np.ndarray) -> pd.Series:
    """A column of DuckDB's NumPy fetch as its data frame gives it, but text as objects;
    NULLs come masked."""
    if not isinstance(values, np.ma.MaskedArray):
        return pd.Series(values, dtype=values.dtype)
    data, mask = values.data, np.ma.getmaskarray(values)
    if data.dtype == object:  # NaN where NULL, as the data frame's text has it
        return pd.Series(np.where(mask, np.nan, data), dtype=object)
    kind = data.dtype.kind
    if kind in "iub":  # pandas' nullable types, as DuckDB's data frame gives them
        name = (
            "boolean"
            if kind == "b"
            else f"{'UInt' if kind == 'u' else 'Int'}{data.dtype.itemsize * 8}"
        )
        return pd.Series(pd.array(np.where(mask, None, data), dtype=name))
    missing = np.array("NaT", dtype=data.dtype) if kind in "Mm" else np.nan
    return pd.Series(values.filled(missing))


def _objects(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None):
    """A read as the engine takes it, text as Python objects: DuckDB's data frames carry
    arrow strings, which the engine converts (pandas' `isin` on them goes value by value),
    where its NumPy fetch hands objects over directly, in half the time on 1M accounts."""
    result = con.execute(sql, params) if params else con.execute(sql)
    return pd.DataFrame({name: _column(v) for name, v in result.fetchnumpy().items()})


def _in_codes(sql: str) -> str:
    """`sql` (one read, ending in its ORDER BY) with each account id as its code: ordering
    by the code orders by the id."""
    select, order = sql.rsplit(" ORDER BY ", 1) if " ORDER BY " in sql else (sql, "")
    return (
        f"SELECT r.* REPLACE (coalesce(c.code, {MISSING}) AS account_id) FROM ({select}) AS r "
        "LEFT JOIN account_codes AS c USING (account_id)" + (f" ORDER BY {order}" if order else "")
    )


def read_inputs(con: duckdb.DuckDBPyConnection, date: dt.date) -> dict[str, Any]:
    """The engine's inputs for `date` (the fields of `allocation.engine.Inputs`), account
    ids as codes (`account_ids` says which id each stands for) kept for `write_result` in
    the connection's temporary `account_codes`."""
    refuse_rewriting_history(con, date)
    con.execute(CODES, {"date": date})
    reads = {name: (sql, None) for name, sql in READS.items()}
    reads |= {name: (sql, [date]) for name, sql in READS_BEFORE.items()}
    frames = {
        name: _objects(con, _in_codes(sql) if name in ID_SOURCES else sql, params)
        for name, (sql, params) in reads.items()
    }
    # Arrow text, not a Python string per id: the engine looks up the few it names.
    return frames | {"account_ids": pd.Series(pd.arrays.ArrowExtensionArray(_account_ids(con)))}


def _account_ids(con: duckdb.DuckDBPyConnection) -> pa.ChunkedArray:
    """The account id of each code `read_inputs` gave, by code, as Arrow text."""
    return con.sql("SELECT account_id FROM account_codes ORDER BY code").to_arrow_table()[0]


def _coded(frame: pd.DataFrame) -> bool:
    return "account_id" in frame and pd.api.types.is_integer_dtype(frame["account_id"])


def _named(frame: pd.DataFrame, ids: pa.ChunkedArray) -> pd.DataFrame:
    """`frame` with the account ids (`_account_ids`) its codes stand for, taken by position
    as Arrow text: no Python string per row, and the rows keep their order."""
    codes = frame["account_id"].to_numpy()
    taken = pc.take(ids, pa.array(codes, mask=codes == MISSING))
    return frame.assign(account_id=pd.arrays.ArrowExtensionArray(taken))


def write_result(con: duckdb.DuckDBPyConnection, date: dt.date, result: Any) -> None:
    """The engine's result (`allocation.engine.Result`) as `date`'s rows, replacing any
    earlier run of the date, in one transaction: a failed write leaves the previous books
    exactly as they were. Account ids may be the codes `read_inputs` gave."""
    frames = {
        "new_events": result.events[list(EVENT_COLUMNS)],
        "new_capacity": result.capacity,
        "new_returns": result.return_decisions,
        "new_claims": result.claim_decisions,
    }
    if any(map(_coded, frames.values())):
        ids = _account_ids(con)
        frames = {name: _named(f, ids) if _coded(f) else f for name, f in frames.items()}
    frames["new_states"] = result.states
    states = "SELECT * FROM new_states"
    if _coded(result.states):
        # A million states named in DuckDB by a join, in account order: Arrow text taken by
        # position, as above, is a column DuckDB scans slowly.
        states = (
            "SELECT s.* REPLACE (c.account_id AS account_id) FROM new_states AS s "
            "LEFT JOIN account_codes AS c ON c.code = s.account_id ORDER BY s.account_id, s.lane"
        )
    for name, frame in frames.items():
        con.register(name, frame)
    con.execute("BEGIN")
    try:
        for table in TABLES:
            con.execute(f"DELETE FROM allocation.{table} WHERE as_of_date = ?", [date])
        con.execute("INSERT INTO allocation.ownership_events BY NAME SELECT * FROM new_events")
        con.execute("DELETE FROM allocation.account_states")  # the latest run's only
        con.execute(f"INSERT INTO allocation.account_states BY NAME {states}")
        con.execute(
            f"INSERT INTO allocation.rep_capacity SELECT {CAPACITY_COLUMNS} FROM new_capacity"
        )
        con.execute(
            f"INSERT INTO allocation.return_decisions SELECT ?, {RETURN_COLUMNS} FROM new_returns",
            [date],
        )
        con.execute(
            f"INSERT INTO allocation.claim_decisions SELECT ?, {CLAIM_COLUMNS} FROM new_claims",
            [date],
        )
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    finally:
        for name in frames:
            con.unregister(name)


def exported_events(con: duckdb.DuckDBPyConnection, date: dt.date) -> pd.DataFrame:
    return con.execute(
        f"SELECT {EXPORTED_EVENT_COLUMNS} FROM allocation.ownership_events "
        "WHERE as_of_date = ? ORDER BY seq",
        [date],
    ).df()


def account_names(con: duckdb.DuckDBPyConnection, account_ids: pd.Series) -> pd.Series:
    """Account name by id, for the given accounts."""
    con.register("wanted_accounts", pd.DataFrame({"account_id": account_ids.unique()}))
    try:
        names = con.execute(
            "SELECT account_id, account_name FROM marts.account_scores "
            "WHERE account_id IN (SELECT account_id FROM wanted_accounts)"
        ).df()
    finally:
        con.unregister("wanted_accounts")
    return names.set_index("account_id")["account_name"]


def pool_owner(con: duckdb.DuckDBPyConnection, named: str | None) -> str:
    """The CRM user the pool's accounts are handed to: `named` if it is a user, else the
    user titled 'Integration'; '' when there is none."""
    return con.execute(
        "SELECT coalesce(min(user_id) FILTER (WHERE user_id = ?), "
        "min(user_id) FILTER (WHERE ? IS NULL AND title = 'Integration'), '') "
        "FROM staging.stg_salesforce__users",
        [named, named],
    ).fetchall()[0][0]  # fetched to the end: the connection writes the exports next
