"""The append-only ownership log and the book state derived from it.

Every change of ownership is an event with a kind, a reason code and a readable
explanation. Books are never stored separately: they are the latest event per
account, so "why is this account in Jane's book?" always has an answer.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

EVENT_COLUMNS = {
    "event_id": "string",
    "run_id": "string",
    "as_of_date": "datetime64[s]",
    "seq": "int64",
    "account_id": "string",
    "lane": "string",
    "from_rep_id": "string",
    "to_rep_id": "string",
    "kind": "string",
    "reason_code": "string",
    "explanation": "string",
    "priority": "float64",
    "rest_until": "datetime64[s]",
}

# Kinds of event (the seeds' words).
ADOPTION = "adoption"  # an owner already in the CRM on the first run
DISTRIBUTION = "distribution"
RETURN = "return"
RETRIEVAL = "retrieval"
REDISTRIBUTION = "redistribution"
RELEASE = "release"  # left a book for a reason that is neither a return nor a retrieval
CLAIM = "claim"
# Every kind, in the order the docs list them; dbt's test on marts.ownership_events.kind
# lists the same (tests/unit/test_allocation.py holds the two equal).
KINDS = (ADOPTION, DISTRIBUTION, RETURN, RETRIEVAL, REDISTRIBUTION, RELEASE, CLAIM)


_EMPTY = pd.DataFrame({c: pd.Series(dtype=t) for c, t in EVENT_COLUMNS.items()})


def empty_events() -> pd.DataFrame:
    return _EMPTY.copy()


def make_events(rows: pd.DataFrame | list[dict], run_id: str, as_of: dt.date) -> pd.DataFrame:
    """Numbers the run's events (a frame, or dicts) in order, so ids and order are the same
    on every re-run."""
    if len(rows) == 0:
        return empty_events()
    frame = pd.DataFrame(rows).reset_index(drop=True)
    frame["run_id"] = run_id
    frame["as_of_date"] = pd.Timestamp(as_of)
    frame["seq"] = range(1, len(frame) + 1)
    frame["event_id"] = f"{as_of.isoformat()}-" + frame["seq"].astype(str).str.zfill(8)
    for column in EVENT_COLUMNS:
        if column not in frame:
            frame[column] = None
    # Inside a run the account ids are codes (allocation.keys), which stay integers.
    coded = pd.api.types.infer_dtype(frame["account_id"], skipna=True) == "integer"
    types = {**EVENT_COLUMNS, "account_id": "int64"} if coded else EVENT_COLUMNS
    return frame[list(EVENT_COLUMNS)].astype(types)


def _in_order(events: pd.DataFrame) -> bool:
    """Whether the log is in the order it was written (date, then seq), as it is read."""
    day = events["as_of_date"].to_numpy()
    seq = events["seq"].to_numpy()
    return bool(np.all((day[1:] > day[:-1]) | ((day[1:] == day[:-1]) & (seq[1:] > seq[:-1]))))


def latest_events(events: pd.DataFrame, before: dt.date) -> pd.DataFrame:
    """The most recent event per account and lane strictly before `before` (re-runs replace
    a date), ordered by account and lane."""
    prior = events[events["as_of_date"] < pd.Timestamp(before)]
    if not _in_order(prior):  # a log read in its order needs no sort of every event
        prior = prior.sort_values(["as_of_date", "seq"], kind="stable")
    last = prior.drop_duplicates(["account_id", "lane"], keep="last")
    if last["lane"].nunique() <= 1:  # one lane: the account orders it, at half the cost
        return last.sort_values("account_id", kind="stable")
    return last.sort_values(["account_id", "lane"])


def with_run(latest: pd.DataFrame, run: pd.DataFrame) -> pd.DataFrame:
    """`latest` (from `latest_events`) once a run's events (`run`, in their order, all later
    than any of `latest`) are added: the rows `latest_events` of the log and the run gives,
    without going over the log again, in no particular order (what reads it looks up)."""
    if run.empty:
        return latest
    moved = run.drop_duplicates(["account_id", "lane"], keep="last")
    # By integer keys of the two texts: a merge would hash a million-row book's keys twice.
    keys = [pd.factorize(np.concatenate([latest[c].to_numpy(), moved[c].to_numpy()]))
            for c in ("account_id", "lane")]  # fmt: skip
    (accounts, _), (lanes, names) = keys
    key = accounts.astype(np.int64) * (len(names) + 1) + lanes
    replaced = np.isin(key[: len(latest)], key[len(latest) :])
    return pd.concat([latest[~replaced], moved], ignore_index=True)


def books_of(latest: pd.DataFrame) -> pd.DataFrame:
    """account_id, lane -> rep_id of the accounts whose latest event (`latest_events`) put
    them in a book."""
    owned = latest[latest["to_rep_id"].notna()]
    return (
        owned[["account_id", "lane", "to_rep_id", "as_of_date", "kind"]]
        .rename(columns={"to_rep_id": "rep_id", "as_of_date": "entered_on", "kind": "entered_by"})
        .reset_index(drop=True)
    )


def books_from_events(events: pd.DataFrame, before: dt.date) -> pd.DataFrame:
    """account_id, lane -> rep_id for accounts in a book at the start of `before`."""
    return books_of(latest_events(events, before))


def resting_until(latest: pd.DataFrame) -> pd.DataFrame:
    """account_id, rest_until for accounts whose latest event in some lane (from
    `latest_events`) sent them to the pool to rest. A rest is the account's, not the lane's:
    an account one role disqualified is not pushed to the other role meanwhile."""
    rested = latest[(latest["to_rep_id"].isna() & latest["rest_until"].notna()).to_numpy()]
    if rested["account_id"].is_unique:  # one lane, or one rest: nothing to take the max of
        return rested[["account_id", "rest_until"]].reset_index(drop=True)
    return rested.groupby("account_id", as_index=False)["rest_until"].max()
