"""RevOps decisions on the review queue: reintroduce an account, or retire it.

Decisions are validated before anything is recorded (unknown id or decision: nothing
is written) and appended, never updated, so the queue's history stays readable.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

DECISIONS = ("reintroduce", "retire")
DECISIONS_TABLE = "quality.review_decisions"
DECISIONS_DDL = f"""
CREATE SCHEMA IF NOT EXISTS quality;
CREATE TABLE IF NOT EXISTS {DECISIONS_TABLE} (
    account_id VARCHAR NOT NULL,
    decision VARCHAR NOT NULL,
    note VARCHAR,
    decided_on DATE NOT NULL,
    decided_at TIMESTAMP NOT NULL,
    run_id VARCHAR
);
"""


class ReviewError(ValueError):
    """A decision that cannot be recorded; the message says which id or value is wrong."""


def decisions_frame(
    account_ids: list[str],
    decision: str,
    note: str,
    queued: set[str],
    decided_at: dt.datetime,
    run_id: str,
) -> pd.DataFrame:
    if decision not in DECISIONS:
        raise ReviewError(
            f"decision {decision!r} is not allowed; use one of {', '.join(DECISIONS)}"
        )
    ids = [i.strip() for i in account_ids if i and i.strip()]
    if not ids:
        raise ReviewError("no account ids given")
    unknown = sorted(set(ids) - queued)
    if unknown:
        raise ReviewError(f"not in the review queue: {', '.join(unknown)}; nothing recorded")
    return pd.DataFrame(
        {
            "account_id": sorted(set(ids)),
            "decision": decision,
            "note": note,
            "decided_on": decided_at.date(),
            "decided_at": decided_at,
            "run_id": run_id,
        }
    )
