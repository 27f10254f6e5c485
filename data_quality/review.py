"""RevOps decisions on review-queue items: what each kind of item allows, and checking a
decision before anything is recorded.

Each item of `marts.review_queue` has a stable id and a kind; the kind says which
decisions mean something for it (`ALLOWED`), and each has an effect the next run shows:
- an Account.csv row a blocking rule quarantined (`blocked_account`): *reintroduce*
  loads it, as it is or with the corrected value given; *retire* keeps the account out
  of every book and the pool;
- a blocked row of another file (`blocked_row`): *accept* loads it as it is; *dismiss*
  leaves it out and closes the item;
- a warning (`warning`): *acknowledge* closes it;
- an account a rep returned as bad data (`bad_data_return`): *reintroduce* sends it to
  the pool, *retire* keeps it out.

A decision naming an id that is not a queue item allowing it records nothing. The log is
append-only; a later decision on an item supersedes the earlier one.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

import pandas as pd


class Decision(StrEnum):
    # Lower-case names: Dagster's launchpad offers an enum's names, and these are the words.
    reintroduce = "reintroduce"
    retire = "retire"
    accept = "accept"
    dismiss = "dismiss"
    acknowledge = "acknowledge"


ALLOWED: dict[str, tuple[Decision, ...]] = {
    "blocked_account": (Decision.reintroduce, Decision.retire),
    "blocked_row": (Decision.accept, Decision.dismiss),
    "warning": (Decision.acknowledge,),
    "bad_data_return": (Decision.reintroduce, Decision.retire),
}
# Decisions that load a quarantined row on the next run (read by the loader).
ADMITTING = (Decision.reintroduce, Decision.accept)

DECISIONS_TABLE = "quality.review_decisions"
DECISIONS_DDL = f"""
CREATE SCHEMA IF NOT EXISTS quality;
CREATE TABLE IF NOT EXISTS {DECISIONS_TABLE} (
    review_item_id VARCHAR,
    item_kind VARCHAR,
    file VARCHAR,
    record_key VARCHAR,         -- NULL for an item about a value, not a row
    column_name VARCHAR,
    decision VARCHAR NOT NULL,
    corrected_value VARCHAR,
    note VARCHAR,
    decided_by VARCHAR,
    decided_on DATE NOT NULL,   -- the run date the decision applies from
    decided_at TIMESTAMP NOT NULL,
    run_id VARCHAR
);
"""
# Warehouses from before items had ids: account_id becomes the record key, the rest NULL.
DECISIONS_MIGRATION = [
    f"ALTER TABLE {DECISIONS_TABLE} RENAME COLUMN account_id TO record_key",
    f"ALTER TABLE {DECISIONS_TABLE} ALTER COLUMN record_key DROP NOT NULL",
    *(
        f"ALTER TABLE {DECISIONS_TABLE} ADD COLUMN IF NOT EXISTS {column} VARCHAR"
        for column in (
            "review_item_id",
            "item_kind",
            "file",
            "column_name",
            "corrected_value",
            "decided_by",
        )
    ),
]


def ensure_decisions_table(con) -> None:
    """The decisions table as this version writes it, migrating an older one in place."""
    con.execute(DECISIONS_DDL)
    schema, table = DECISIONS_TABLE.split(".")
    columns = {
        row[0]
        for row in con.execute(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_schema = ? AND table_name = ?",
            [schema, table],
        ).fetchall()
    }
    if "account_id" in columns:
        for statement in DECISIONS_MIGRATION:
            con.execute(statement)


DECISION_COLUMNS = [
    "review_item_id",
    "item_kind",
    "file",
    "record_key",
    "column_name",
    "decision",
    "corrected_value",
    "note",
    "decided_by",
    "decided_on",
    "decided_at",
    "run_id",
]


class ReviewError(ValueError):
    """A decision that cannot be recorded; the message says which id or value is wrong."""


@dataclass(frozen=True)
class Request:
    item_ids: list[str]
    decision: str
    note: str = ""
    decided_by: str = ""
    corrected_value: str | None = None  # reintroduce a blocked account with this value
    applies_from: dt.date | None = None  # default: the queue's run date (its re-run applies it)


def allowed(kind: str, rule: str | None = None) -> tuple[Decision, ...]:
    """The decisions an item allows. A row caught by a uniqueness rule cannot be loaded as
    it is (its key would be there twice): only retire or dismiss it."""
    decisions = ALLOWED.get(kind, ())
    if rule and rule.endswith("_unique"):
        return tuple(d for d in decisions if d not in ADMITTING)
    return decisions


def decisions_frame(
    request: Request,
    items: pd.DataFrame,
    decided_at: dt.datetime,
    run_id: str,
    checks_value=None,
) -> pd.DataFrame:
    """The rows to append for `request`, given the queue's `items` (review_item_id,
    item_kind, file, record_key, column_name); raises `ReviewError` in one line, recording
    nothing, when any id is not an item allowing the decision. `checks_value(item,
    value)` returns why a corrected value is wrong for the item's column, or None."""
    try:
        decision = Decision(request.decision.strip().lower())
    except ValueError:
        raise ReviewError(
            f"decision {request.decision!r} is not one of {', '.join(Decision)}"
        ) from None
    ids = sorted({i.strip() for i in request.item_ids if i and i.strip()})
    if not ids:
        raise ReviewError("no review item ids given")
    if not request.decided_by.strip():
        raise ReviewError("who decided is required (decided_by)")
    by_id = items.drop_duplicates("review_item_id").set_index("review_item_id")
    unknown = [i for i in ids if i not in by_id.index]
    if unknown:
        raise ReviewError(
            f"not an item of the review queue: {', '.join(unknown)}; nothing recorded "
            "(books review list shows the items)"
        )
    chosen = by_id.loc[ids]
    rules = chosen["rule"] if "rule" in chosen else [None] * len(chosen)
    kinds = list(zip(chosen["item_kind"], rules, strict=True))
    wrong = [
        i for i, (k, r) in zip(chosen.index, kinds, strict=True) if decision not in allowed(k, r)
    ]
    if wrong:
        kind, rule = kinds[list(chosen.index).index(wrong[0])]
        raise ReviewError(
            f"{wrong[0]} is a {kind} item ({rule}): it allows "
            f"{' or '.join(allowed(kind, rule)) or 'no decision'}, not {decision}; "
            "nothing recorded"
        )
    keyless = chosen[chosen["record_key"].isna()]
    if decision in ADMITTING and not keyless.empty:
        raise ReviewError(
            f"{keyless.index[0]} has no record id ({keyless.iloc[0]['file']} "
            f"{keyless.iloc[0].get('location', '')}): fix it in the source; nothing recorded"
        )
    value = request.corrected_value
    if value is not None:
        if decision != Decision.reintroduce:
            raise ReviewError(f"a corrected value goes with reintroduce, not {decision}")
        for item_id, item in chosen.iterrows():
            problem = checks_value(item, value) if checks_value else None
            if problem:
                raise ReviewError(f"{item_id}: {problem}; nothing recorded")
    applies = request.applies_from or decided_at.date()
    return pd.DataFrame(
        {
            "review_item_id": ids,
            "item_kind": list(chosen["item_kind"]),
            "file": list(chosen["file"]),
            "record_key": list(chosen["record_key"]),
            "column_name": list(chosen["column_name"]),
            "decision": str(decision),
            "corrected_value": value,
            "note": request.note,
            "decided_by": request.decided_by.strip(),
            "decided_on": applies,
            "decided_at": decided_at,
            "run_id": run_id,
        },
        columns=DECISION_COLUMNS,
    )
