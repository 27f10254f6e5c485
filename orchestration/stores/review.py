"""The review queue's store: reading the open items and recording RevOps' decisions.

The Dagster job (`record_review_decisions`) and `books review decide` both record through
`record_decisions`, so a decision means the same wherever it is made."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import duckdb
import pandas as pd

from data_quality.contract import BY_FILE
from data_quality.review import (
    DECISION_COLUMNS,
    DECISIONS_TABLE,
    Request,
    allowed,
    decisions_frame,
    ensure_decisions_table,
)
from data_quality.sql import literal, try_cast
from orchestration.stores.marts import has_table

ITEM_COLUMNS = (
    "review_item_id, item_kind, file, location, record_key, rule, severity, column_name, "
    "detail, status, decided_by, raw_record"
)


def items(con: duckdb.DuckDBPyConnection, open_only: bool = True) -> pd.DataFrame:
    """The review queue's items with the decisions each allows, open ones first."""
    if not has_table(con, "marts.review_queue"):
        return pd.DataFrame(columns=[c.strip() for c in ITEM_COLUMNS.split(",")] + ["allowed"])
    frame = con.execute(
        f"SELECT {ITEM_COLUMNS} FROM marts.review_queue "
        + ("WHERE status = 'open' " if open_only else "")
        + "ORDER BY status != 'open', item_kind, file, location, review_item_id"
    ).df()
    frame["allowed"] = [
        ", ".join(allowed(kind, rule))
        for kind, rule in zip(frame["item_kind"], frame["rule"], strict=True)
    ]
    return frame


def item(con: duckdb.DuckDBPyConnection, item_id: str) -> pd.DataFrame:
    """One item of the review queue, all its columns (no row when there is no such item)."""
    return con.execute("SELECT * FROM marts.review_queue WHERE review_item_id = ?", [item_id]).df()


def recent_decisions(con: duckdb.DuckDBPyConnection, limit: int) -> pd.DataFrame:
    """The latest decisions on any item, newest first: the queue's history in the UI."""
    if not has_table(con, DECISIONS_TABLE):
        return pd.DataFrame(columns=DECISION_COLUMNS)
    return con.execute(
        f"SELECT review_item_id, item_kind, file, record_key, decision, corrected_value, "
        f"decided_by, decided_at, decided_on AS applies_from, note FROM {DECISIONS_TABLE} "
        "ORDER BY decided_at DESC, review_item_id LIMIT ?",
        [limit],
    ).df()


def history(con: duckdb.DuckDBPyConnection, item_id: str) -> pd.DataFrame:
    """Every decision recorded on an item, first to last: who, when, what, from which
    run date, the corrected value and the note (the last one stands)."""
    if not has_table(con, DECISIONS_TABLE):
        return pd.DataFrame(columns=DECISION_COLUMNS)
    return con.execute(
        f"SELECT decided_at, decided_by, decision, decided_on, corrected_value, note "
        f"FROM {DECISIONS_TABLE} WHERE review_item_id = ? ORDER BY decided_at, decision",
        [item_id],
    ).df()


def _value_problem(con: duckdb.DuckDBPyConnection, item: pd.Series, value: str) -> str | None:
    """Why `value` cannot replace the item's failing value (None when it can)."""
    spec = BY_FILE.get(item["file"])
    column = item["column_name"]
    types = {c.name: c.type for c in spec.columns} if spec else {}
    if column not in types:
        return "the rule names no single column to correct; reintroduce it as it is"
    # The loader's own cast: what it would load, or NULL (a NaN revenue is no number).
    cast = try_cast(literal(value), types[column])
    if con.execute(f"SELECT {cast} IS NULL").fetchall()[0][0]:
        return f"{value!r} is not a {types[column].lower()} for {column}"
    return None


def record_decisions(
    con: duckdb.DuckDBPyConnection, request: Request, run_id: str, now: dt.datetime | None = None
) -> pd.DataFrame:
    """Checks `request` against the open items and appends it in one transaction; raises
    `ReviewError` (one line, nothing recorded) when it does not fit."""
    ensure_decisions_table(con)
    decided_at = now or dt.datetime.now(dt.UTC).replace(tzinfo=None)
    if request.applies_from is None:
        # From the next run, whatever its date: a run of the queue's own date again applies
        # it, so RevOps sees a decision work the day it is made. A run is deterministic
        # given its date and the decisions recorded by then.
        ((queued_on,),) = con.execute("SELECT max(as_of_date) FROM marts.review_queue").fetchall()
        if queued_on is not None:
            request = replace(request, applies_from=queued_on)
    rows = decisions_frame(
        request,
        items(con, open_only=False),  # a decided item may be decided again: the later stands
        decided_at,
        run_id,
        checks_value=lambda item, value: _value_problem(con, item, value),
    )
    con.register("decided", rows)
    try:
        con.execute(
            f"INSERT INTO {DECISIONS_TABLE} ({', '.join(DECISION_COLUMNS)}) "
            f"SELECT {', '.join(DECISION_COLUMNS)} FROM decided"
        )
    finally:
        con.unregister("decided")
    return rows
