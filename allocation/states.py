"""Each account's state in each lane: the book/pool state machine, written once.

The engine decides with these functions (retrieval takes what is due, distribution what
is eligible) and, after a run, writes their answer for every account and lane to
`allocation.account_states`; the marts `account_states`, `pool` and `claim_queue` are
projections of that table, so no rule of the state machine is written in SQL.

In a book: out_of_scope (a customer or an open deal: the CRM owner's) > working (meaningful
activity within the working window) > in_grace (entered within grace_days, adopted CRM
books included) > kept_while_away (the rep is on leave: the book waits for them) >
due_for_retrieval. In no book: retired > out_of_scope > in_review (returned as bad data,
no RevOps decision since) > resting > below_min_priority > eligible.

The activity is what the engine read: the pairs of an account and a rep who held it before
the run. An account the run itself put in a book is therefore in_grace, whatever its new
owner did on it before; the next run reads that pair and judges it on its activity.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from allocation.capacity import UNAVAILABLE
from allocation.claims import queue_ranks
from allocation.events import latest_events, resting_until
from engagement.rules import BAD_DATA, Rules

OUT_OF_SCOPE, WORKING, IN_GRACE, KEPT_WHILE_AWAY, DUE_FOR_RETRIEVAL = (
    "out_of_scope",
    "working",
    "in_grace",
    "kept_while_away",
    "due_for_retrieval",
)
RETIRED, IN_REVIEW, RESTING, BELOW_MIN_PRIORITY, ELIGIBLE = (
    "retired",
    "in_review",
    "resting",
    "below_min_priority",
    "eligible",
)
BOOK_STATES = (OUT_OF_SCOPE, WORKING, IN_GRACE, KEPT_WHILE_AWAY, DUE_FOR_RETRIEVAL)
POOL_STATES = (RETIRED, OUT_OF_SCOPE, IN_REVIEW, RESTING, BELOW_MIN_PRIORITY, ELIGIBLE)
STATE_COLUMNS = {
    "as_of_date": "datetime64[s]",
    "account_id": "string",
    "lane": "string",
    "state": "string",
    "state_reason": "string",
    "rep_id": "string",
    "entered_on": "datetime64[s]",
    "entered_by": "string",
    "grace_until": "datetime64[s]",
    "last_meaningful_activity_on": "datetime64[s]",
    "rest_until": "datetime64[s]",
    "left_by": "string",
    "left_reason": "string",
    "queue": "string",
    "queue_rank": "Int64",
}
ACTIVITY_COLUMNS = ["account_id", "rep_id", "last_meaningful_activity_on", "is_phantom_only"]


def out_of_scope(accounts: pd.DataFrame) -> pd.Series:
    """Why each account outside new business is not the books' to move, by account id:
    a customer or an open opportunity stays with its CRM owner (dynamic books govern new
    business only). It takes no slot, is never retrieved, returned or sent to the pool, and
    enters the book lifecycle again the day it is new business again. Retired accounts are
    RevOps' call, not this rule's. The reason is account_scores' `scope_reason`."""
    retired = accounts.get("review_decision", pd.Series(None, index=accounts.index)) == "retire"
    outside = accounts[(~accounts["is_new_business"].astype(bool) & ~retired).to_numpy()]
    reason = outside.get("scope_reason", pd.Series(None, index=outside.index, dtype=object))
    return pd.Series(
        reason.fillna("not new business").to_numpy(dtype=object),
        index=pd.Index(outside["account_id"].to_numpy()),
        dtype=object,
    )


def pair_positions(found: pd.DataFrame, asked: pd.DataFrame) -> np.ndarray:
    """Where each (account_id, rep_id) pair of `asked` is in `found` (which holds a pair
    once), -1 where it is not: one pass of hashing per column, then integer keys; a key of
    the two texts joined costs a string per row on a million-row book."""
    n = len(found)
    accounts = pd.factorize(np.concatenate([found["account_id"].to_numpy(),
                                            asked["account_id"].to_numpy()]))[0]  # fmt: skip
    reps, names = pd.factorize(np.concatenate([found["rep_id"].to_numpy(object),
                                               asked["rep_id"].to_numpy(object)]))  # fmt: skip
    key = accounts.astype(np.int64) * (len(names) + 1) + (reps + 1)
    return pd.Index(key[:n]).get_indexer(key[n:])


def in_book(
    books: pd.DataFrame,
    activity: pd.DataFrame,
    capacity: pd.DataFrame,
    outside: pd.Series,
    rules: Rules,
    as_of: dt.date,
) -> pd.DataFrame:
    """`books` (account_id, rep_id, entered_on) with each account's state in the book,
    its grace end and the owner's last meaningful activity on it."""
    today = pd.Timestamp(as_of)
    if activity.empty:
        activity = pd.DataFrame(columns=ACTIVITY_COLUMNS)
    # Looked up by pair (activity holds one row a pair), which keeps the books' order as a
    # left merge would, at a fraction of a merge's cost.
    at = pair_positions(activity, books)
    found = activity[ACTIVITY_COLUMNS[2:]].reset_index(drop=True)
    held = books.reset_index(drop=True).assign(
        **{c: found[c].reindex(at).to_numpy() for c in ACTIVITY_COLUMNS[2:]}
    )
    last_on = pd.to_datetime(held["last_meaningful_activity_on"])
    grace_until = pd.to_datetime(held["entered_on"]) + pd.Timedelta(days=rules.grace_days)
    window_start = today - pd.Timedelta(days=rules.working_window_days - 1)
    away = set(capacity.loc[capacity["status"] == UNAVAILABLE, "rep_id"])
    state = np.select(
        [
            held["account_id"].isin(outside.index).to_numpy(),
            (last_on >= window_start).to_numpy(dtype=bool),
            (grace_until > today).to_numpy(dtype=bool),
            held["rep_id"].isin(away).to_numpy(),
        ],
        [OUT_OF_SCOPE, WORKING, IN_GRACE, KEPT_WHILE_AWAY],
        DUE_FOR_RETRIEVAL,
    )
    return held.assign(state=state, grace_until=grace_until, last_on=last_on)


def _reintroduced(accounts: pd.DataFrame, returned_bad: pd.DataFrame) -> set[str]:
    """Accounts RevOps reintroduced on or after the day they were returned as bad data."""
    if "review_decision" not in accounts or returned_bad.empty:
        return set()
    decided = accounts[accounts["review_decision"] == "reintroduce"][
        ["account_id", "review_decided_on"]
    ].merge(returned_bad[["account_id", "as_of_date"]], on="account_id")
    later = pd.to_datetime(decided["review_decided_on"]) >= pd.to_datetime(decided["as_of_date"])
    return set(decided.loc[later, "account_id"])


def in_pool(
    accounts: pd.DataFrame,
    events: pd.DataFrame | None,
    rules: Rules,
    as_of: dt.date,
    latest: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Every account's state were it in no book, judged on its latest events (this run's
    included; `latest`, when the caller has them), by account id: the state, why in words,
    the rest's end and the latest exit (kind and reason). Rest and review are the
    account's: its latest exit in any lane decides them."""
    last = latest if latest is not None else latest_events(events, as_of + dt.timedelta(days=1))
    exits = last[last["to_rep_id"].isna()]
    returned_bad = exits[exits["reason_code"] == BAD_DATA]
    in_review = set(returned_bad["account_id"]) - _reintroduced(accounts, returned_bad)
    ids = accounts["account_id"]
    one_lane = exits["account_id"].is_unique
    if one_lane:  # each account's exit is its latest, and its rest the exit's
        latest_exit = exits.reset_index(drop=True)
    else:
        latest_exit = exits.sort_values(["as_of_date", "seq"]).drop_duplicates(
            "account_id", keep="last"
        ).reset_index(drop=True)  # fmt: skip
    # Each account's latest exit by position, found once: three lookups by id of a million
    # accounts would hash them three times.
    at = pd.Index(latest_exit["account_id"].to_numpy()).get_indexer(ids.to_numpy())
    if one_lane:
        rest = latest_exit["rest_until"].reindex(at)
    else:
        rest = resting_until(last).set_index("account_id")["rest_until"].reindex(ids.to_numpy())
    rest_until = pd.Series(pd.to_datetime(rest.to_numpy()))
    resting = (rest_until > pd.Timestamp(as_of)).to_numpy(dtype=bool)
    minimum = rules.distribution.min_priority
    decision = accounts.get("review_decision", pd.Series(None, index=accounts.index))
    retired = (decision == "retire").to_numpy(dtype=bool)
    conditions = [
        retired,
        ~accounts["is_new_business"].to_numpy(dtype=bool),
        ids.isin(in_review).to_numpy(),
        resting,
        (accounts["priority"] < minimum).to_numpy(dtype=bool),
    ]
    state = np.select(conditions, [RETIRED, OUT_OF_SCOPE, IN_REVIEW, RESTING, BELOW_MIN_PRIORITY],
                      ELIGIBLE).astype(object)  # fmt: skip
    until = np.full(len(ids), None, dtype=object)  # written only for the resting few
    until[resting] = ("resting until " + rest_until[resting].dt.strftime("%Y-%m-%d")).to_numpy(
        object
    )
    said = [
        "retired by RevOps",
        "not new business",
        "waiting in the review queue",
        until,
        f"priority below the minimum of {minimum}",
    ]
    why = np.select(conditions, [np.broadcast_to(np.asarray(t, dtype=object), ids.shape)
                                 for t in said], None)  # fmt: skip
    # The accounts' codes (allocation.keys) index it; text stays objects, as the engine
    # reads it: a frame built from text infers arrow strings, a copy of every value.
    index = pd.Index(ids.to_numpy())

    def text(values: np.ndarray) -> pd.Series:
        return pd.Series(values, index=index, dtype=object, copy=False)

    return pd.DataFrame(
        {
            "state": text(state),
            "state_reason": text(why),
            "rest_until": pd.Series(rest_until.to_numpy(), index=index),
            "left_by": text(latest_exit["kind"].reindex(at).to_numpy(dtype=object)),
            "left_reason": text(latest_exit["reason_code"].reindex(at).to_numpy(dtype=object)),
        }
    )


def account_states(
    accounts: pd.DataFrame,
    lanes: list[tuple[str, pd.DataFrame, pd.DataFrame, pd.DataFrame]],
    pool_states: pd.DataFrame,
    activity: pd.DataFrame,
    outside: pd.Series,
    rules: Rules,
    as_of: dt.date,
) -> pd.DataFrame:
    """Every account in every lane after the run (`accounts` with a default index): in the
    lane's books (`lanes` holds each
    lane's name, books, queue and capacity) with its book state, else its pool state (from
    `in_pool`), and an eligible account's queue and place in it: the queues reps claim from
    in queue mode (segment, and each attribute the rules match on, best first)."""
    parts = []
    for lane, books, queue, capacity in lanes:
        booked = in_book(books, activity, capacity, outside, rules, as_of)
        parts.append(
            {
                "account_id": booked["account_id"].to_numpy(dtype="int64"),
                "lane": np.full(len(booked), lane, dtype=object),
                "state": booked["state"].to_numpy(dtype=object),
                "rep_id": booked["rep_id"].to_numpy(dtype=object),
                "entered_on": pd.to_datetime(booked["entered_on"]).to_numpy(),
                "entered_by": booked["entered_by"].to_numpy(dtype=object),
                "grace_until": pd.to_datetime(booked["grace_until"]).to_numpy(),
                "last_meaningful_activity_on": pd.to_datetime(booked["last_on"]).to_numpy(),
            }
        )
        # `pool_states` is in `accounts`' order, and `queue` a part of `accounts` keeping its
        # positions as its index: positions, not lookups by id, find a queued account.
        free_at = np.flatnonzero(~pool_states.index.isin(parts[-1]["account_id"]))
        free = pool_states.iloc[free_at]
        label = np.full(len(free), None, dtype=object)
        rank = np.full(len(free), np.nan)
        if len(queue):
            at = np.searchsorted(free_at, queue.index.to_numpy())
            keys, names = pd.factorize(queue["segment"])
            label[at] = np.array([n.replace("@", " / ") for n in names], dtype=object)[keys]
            rank[at] = queue_ranks(queue).to_numpy()
        part = {c: free[c].to_numpy() for c in ("state", "state_reason", "rest_until",
                                                 "left_by", "left_reason")}  # fmt: skip
        part |= {"account_id": free.index.to_numpy(dtype="int64"),
                 "lane": np.full(len(free), lane, dtype=object), "queue": label,
                 "queue_rank": rank}  # fmt: skip
        parts.append(part)
    # Text as objects: a frame built from text arrays would convert them to arrow strings.
    out = pd.concat(
        [
            pd.DataFrame({c: pd.Series(v, dtype=object) if v.dtype == object else v
                          for c, v in p.items()})
            for p in parts
        ],
        ignore_index=True,
    )  # fmt: skip
    out = out.reindex(columns=[c for c in STATE_COLUMNS if c != "as_of_date"])
    out.insert(0, "as_of_date", pd.Timestamp(as_of))
    # Object text stays object (DuckDB reads it as VARCHAR); dates and the rank are typed.
    typed = {c: t for c, t in STATE_COLUMNS.items() if t != "string"}
    return out.astype(typed)
