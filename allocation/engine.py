"""One allocation run for an as-of date: the book changes, each with its reason.

Pure: data frames and the validated rules in, new ownership events and rep
capacity out. The orchestration reads and writes the warehouse.
"""

from __future__ import annotations

import datetime as dt
import heapq
from dataclasses import dataclass

import pandas as pd

from allocation.capacity import DEPARTED, rep_capacity
from allocation.events import (
    ADOPTION,
    DISTRIBUTION,
    RELEASE,
    books_from_events,
    make_events,
    resting_until,
)
from allocation.rules import Rules


@dataclass
class RunResult:
    events: pd.DataFrame  # this run's ownership events, in order
    capacity: pd.DataFrame  # each rep's capacity for the run


def _adopt_crm_owners(accounts: pd.DataFrame, capacity: pd.DataFrame) -> list[dict]:
    """On the first run, books start from the CRM's owners who are on the roster."""
    active = capacity.loc[capacity["status"] != DEPARTED, "rep_id"]
    owned = accounts[accounts["crm_owner_id"].isin(active)].sort_values("account_id")
    return [
        {
            "account_id": a.account_id,
            "from_rep_id": None,
            "to_rep_id": a.crm_owner_id,
            "kind": ADOPTION,
            "reason_code": "crm_owner",
            "priority": a.priority,
            "explanation": "already owned by this rep in the CRM when dynamic books started",
        }
        for a in owned.itertuples()
    ]


def _release_departed(
    books: pd.DataFrame, capacity: pd.DataFrame, scores: pd.DataFrame
) -> list[dict]:
    departed = set(capacity.loc[capacity["status"] == DEPARTED, "rep_id"])
    leaving = (
        books[books["rep_id"].isin(departed)]
        .merge(scores[["account_id", "priority"]], on="account_id", how="left")
        .sort_values(["priority", "account_id"], ascending=[False, True])
    )
    return [
        {
            "account_id": b.account_id,
            "from_rep_id": b.rep_id,
            "to_rep_id": None,
            "kind": RELEASE,
            "reason_code": "departed_rep",
            "priority": b.priority,
            "explanation": "rep has departed; the account returns to the pool",
        }
        for b in leaving.itertuples()
    ]


def _distribute(pool: pd.DataFrame, capacity: pd.DataFrame, book_sizes: pd.Series) -> list[dict]:
    """Best accounts first, each to the eligible rep with the most free capacity.

    Ties go to the lower rep id, so the result is the same on every run.
    """
    free: dict[str, tuple[int, int]] = {}
    heaps: dict[str, list[tuple[int, str]]] = {}
    for rep in capacity[capacity["receives_accounts"]].itertuples():
        slots = int(rep.capacity - book_sizes.get(rep.rep_id, 0))
        if slots <= 0:
            continue
        free[rep.rep_id] = (slots, rep.capacity)
        for segment in str(rep.segments).split(";"):
            heaps.setdefault(segment, []).append((-slots, rep.rep_id))
    for heap in heaps.values():
        heapq.heapify(heap)
    total_free = sum(slots for slots, _ in free.values())

    events = []
    ordered = pool[pool["segment"].isin(heaps)].sort_values(
        ["priority", "account_id"], ascending=[False, True]
    )
    for account in ordered.itertuples():
        heap = heaps[account.segment]
        while heap:
            neg_slots, rep_id = heap[0]
            slots, cap = free[rep_id]
            if slots == 0 or -neg_slots != slots:  # a stale entry: the rep filled up elsewhere
                heapq.heappop(heap)
                if slots > 0:
                    heapq.heappush(heap, (-slots, rep_id))
                continue
            break
        if not heap:
            continue
        heapq.heapreplace(heap, (-(slots - 1), rep_id))
        free[rep_id] = (slots - 1, cap)
        total_free -= 1
        events.append(
            {
                "account_id": account.account_id,
                "from_rep_id": None,
                "to_rep_id": rep_id,
                "kind": DISTRIBUTION,
                "reason_code": "free_capacity",
                "priority": account.priority,
                "explanation": (
                    f"priority {account.priority:.1f}, #{account.segment_rank} in "
                    f"{account.segment}; rep had {slots} of {cap} slots free"
                ),
            }
        )
        if total_free == 0:
            break
    return events


def run(
    accounts: pd.DataFrame,
    reps: pd.DataFrame,
    events: pd.DataFrame,
    rules: Rules,
    as_of: dt.date,
    run_id: str,
) -> RunResult:
    """Computes the events of `as_of` from the state before it.

    `accounts`: marts.account_scores plus crm_owner_id; `reps`: the staging roster;
    `events`: the ownership log so far (any events on or after `as_of` are ignored,
    which is what makes a re-run of the same date replace, not add).
    """
    capacity = rep_capacity(reps, rules, as_of)
    books = books_from_events(events, as_of)
    rows: list[dict] = []
    if events.empty:
        rows += _adopt_crm_owners(accounts, capacity)
        books = pd.DataFrame(
            {
                "account_id": [r["account_id"] for r in rows],
                "rep_id": [r["to_rep_id"] for r in rows],
            }
        )

    released = _release_departed(books, capacity, accounts)
    rows += released
    gone = {r["account_id"] for r in released}
    books = books[~books["account_id"].isin(gone)]

    resting = resting_until(events, as_of)
    in_pool = accounts[
        accounts["is_new_business"]
        & ~accounts["account_id"].isin(books["account_id"])
        & (accounts["priority"] >= rules.distribution.min_priority)
    ]
    in_pool = in_pool.merge(resting.rename("rest_until").reset_index(), on="account_id", how="left")
    in_pool = in_pool[in_pool["rest_until"].isna() | (in_pool["rest_until"] <= pd.Timestamp(as_of))]
    if as_of.isoweekday() in rules.distribution.weekdays:
        rows += _distribute(in_pool, capacity, books["rep_id"].value_counts())
    return RunResult(make_events(rows, run_id, as_of), capacity)
