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
  the pool, *retire* keeps it out;
- rows that share a key (a uniqueness rule caught each of them): *keep* one of them loads
  that row and dismisses the others, in one decision.

A decision naming an id that is not a queue item allowing it records nothing. The log is
append-only; a later decision on an item supersedes the earlier one.
"""

from __future__ import annotations

import datetime as dt
import re
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
    keep = "keep"


ALLOWED: dict[str, tuple[Decision, ...]] = {
    "blocked_account": (Decision.reintroduce, Decision.retire),
    "blocked_row": (Decision.accept, Decision.dismiss),
    "warning": (Decision.acknowledge,),
    "bad_data_return": (Decision.reintroduce, Decision.retire),
}
# Decisions that load a quarantined row on the next run (read by the loader).
ADMITTING = (Decision.reintroduce, Decision.accept)
# What keeping one row of a key records on the others: left out, the account not retired.
SET_ASIDE = Decision.dismiss
# The kept row is found again by its values, not its place in the file (rows move when the
# file changes): the record as the quarantine holds it, without its leading row number.
ROW_NUMBER_FIELD = r'^[{]"_row":[0-9]+,'

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
    run_id VARCHAR,
    kept_row VARCHAR            -- with keep: the row kept, its record without the row number
);
"""


def ensure_decisions_table(con) -> None:
    """The decisions table, as this version writes it (an older one is migrated as the
    warehouse opens: orchestration/stores/migrations.py)."""
    con.execute(DECISIONS_DDL)


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
    "kept_row",  # with keep: the row kept, its record without the row number
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


def is_key_rule(rule: str | None) -> bool:
    """A uniqueness rule (`<key>_unique`): the rows it catches share a key, and they load
    one at a time, by keep, never by an admitting decision on the key."""
    return bool(rule) and rule.endswith("_unique")


def allowed(kind: str, rule: str | None = None) -> tuple[Decision, ...]:
    """The decisions an item allows. A row caught by a uniqueness rule cannot be loaded as
    it is (its key would be there twice): retire or dismiss it, or keep it and set the
    other rows of its key aside."""
    decisions = ALLOWED.get(kind, ())
    if is_key_rule(rule) and kind in ("blocked_account", "blocked_row"):
        return (*(d for d in decisions if d not in ADMITTING), Decision.keep)
    return decisions


def admitted_keys(decided, caught) -> list[str]:
    """The keys whose caught rows load, from the latest decision per item (`decided`:
    key, decision) and the rows caught this run (`caught`: key, rule): an admitting
    decision, on a key no uniqueness rule caught. A key held twice loads only the row
    kept of it, whatever else was decided on its rows (both rows would load otherwise)."""
    shared = {key for key, rule in caught if is_key_rule(rule)}
    return sorted({key for key, decision in decided if decision in ADMITTING} - shared)


def _refuse_a_key_held_twice(chosen: pd.DataFrame, by_id: pd.DataFrame) -> None:
    """Reintroducing or accepting a row whose key a uniqueness rule also holds would load
    the key twice: one of its rows is kept first (then the other decisions apply to it)."""
    if "rule" not in by_id:
        return
    held = by_id[[is_key_rule(r) for r in by_id["rule"]]]
    for item_id, item in chosen.iterrows():
        same = held[(held["file"] == item["file"]) & (held["record_key"] == item["record_key"])]
        if not same.empty and Decision.keep not in set(same.get("status", ())):
            raise ReviewError(
                f"{item_id}: rows of {item['file']} share its key {item['record_key']} "
                f"({same['rule'].iloc[0]}): keep one of them first (books review list "
                "shows them); nothing recorded"
            )


def row_values(raw_record: str | None) -> str | None:
    """A quarantined record without its row number: what finds a kept row again."""
    return None if raw_record is None else re.sub(ROW_NUMBER_FIELD, "{", raw_record, count=1)


def row_values_sql(column: str) -> str:
    """`row_values` in SQL."""
    return f"regexp_replace({column}, '{ROW_NUMBER_FIELD}', '{{')"


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
    if decision in ADMITTING:
        _refuse_a_key_held_twice(chosen, by_id)
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
    rows = chosen.assign(decision=str(decision), note=request.note, kept_row=None)
    if decision == Decision.keep:
        rows = _keeping(rows, by_id)
    return pd.DataFrame(
        {
            "review_item_id": list(rows.index),
            "item_kind": list(rows["item_kind"]),
            "file": list(rows["file"]),
            "record_key": list(rows["record_key"]),
            "column_name": list(rows["column_name"]),
            "decision": list(rows["decision"]),
            "corrected_value": value,
            "note": list(rows["note"]),
            "decided_by": request.decided_by.strip(),
            "decided_on": request.applies_from or decided_at.date(),
            "decided_at": decided_at,
            "run_id": run_id,
            "kept_row": list(rows["kept_row"]),
        },
        columns=DECISION_COLUMNS,
    )


def _keeping(kept: pd.DataFrame, items: pd.DataFrame) -> pd.DataFrame:
    """Keep: each kept item with its row's values, and every other item of its key under
    the same rule set aside, its note saying which row was kept."""
    same = ["file", "record_key", "rule"]
    twice = kept[kept.duplicated(same, keep=False)]
    if not twice.empty:
        raise ReviewError(
            f"{' and '.join(twice.index)} are rows of one key ({twice.iloc[0]['record_key']}): "
            "keep one of them; nothing recorded"
        )
    if "raw_record" not in kept or kept["raw_record"].isna().any():
        raise ReviewError("keep needs the row as read (raw_record); nothing recorded")
    kept = kept.assign(kept_row=[row_values(r) for r in kept["raw_record"]])
    others = items.reset_index().merge(kept[same].assign(kept_id=kept.index), on=same)
    others = others[~others["review_item_id"].isin(kept.index)].set_index("review_item_id")
    note = kept["note"].iloc[0]
    others = others.assign(
        decision=str(SET_ASIDE),
        note=[f"{note} (row kept: {k})".lstrip() for k in others["kept_id"]],
        kept_row=None,
    )
    return pd.concat([kept, others.drop(columns="kept_id")]).sort_index()
