"""Queue mode: reps claim accounts from a ranked queue instead of being sent them.

The seed's alternative to named books (`account-distribution-guide.txt`): every eligible
pool account sits in the queue of its segment (and region, language, time zone where the
rules match on them), ranked best first. A claim is accepted when the account is still in
the queue, the rep may work it, and the rep has a free slot; so nobody hoards, a full book
claims nothing. Claims are decided in the order they were made; each is decided once.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from allocation.distribution import VALUE_RANK, with_value_rank

CLAIM_DECISION_COLUMNS = ["account_id", "rep_id", "claimed_at", "decision", "decision_reason"]


def queue_ranks(pool: pd.DataFrame) -> pd.Series:
    """Each queued account's place in its queue (1 = best), in the market's value order, by
    account id in `pool`'s order. A queue is a `segment` value (an eligibility key)."""
    ranked = with_value_rank(pool)
    keys = pd.factorize(ranked["segment"])[0]
    order = np.lexsort((ranked[VALUE_RANK].to_numpy(), keys))
    sorted_keys = keys[order]
    starts = np.flatnonzero(np.r_[True, sorted_keys[1:] != sorted_keys[:-1]])
    sizes = np.diff(np.r_[starts, len(order)])
    place = np.empty(len(order), dtype=np.int64)
    place[order] = np.arange(len(order)) - np.repeat(starts, sizes) + 1
    return pd.Series(place, index=pd.Index(ranked["account_id"].to_numpy()))


def process_claims(
    claims: pd.DataFrame,
    pool: pd.DataFrame,
    capacity: pd.DataFrame,
    books: pd.DataFrame,
    not_queued: pd.Series,
) -> tuple[list[dict], pd.DataFrame]:
    """Decides `claims` (account_id, rep_id, claimed_at) of reps in `capacity`.

    `pool` is the queue (account_id, segment as eligibility key, priority); `capacity` has
    rep_id, segments (eligibility keys), capacity, free_slots and receives_accounts;
    `books` the lane's books; `not_queued` says, by account id, why an account is not in the queue.
    Returns the claim events (as dicts for the engine) and one decision per claim.
    """
    rank = queue_ranks(pool)
    queued = pool.set_index("account_id")
    reps = capacity.set_index("rep_id")
    free = reps["free_slots"].to_dict()
    owner = books.set_index("account_id")["rep_id"].to_dict()
    mine = claims[claims["rep_id"].isin(reps.index)]
    rows, decisions = [], []
    for c in mine.sort_values(["claimed_at", "account_id", "rep_id"]).itertuples():
        rep = reps.loc[c.rep_id]
        account = c.account_id
        if not rep["receives_accounts"]:
            verdict = f"rep is {rep['status']} and receives no accounts"
        elif account in owner:
            verdict = f"already in {owner[account]}'s book"
        elif account not in queued.index:
            verdict = f"not in the queue: {not_queued.get(account, 'not an account in the pool')}"
        elif queued.loc[account, "segment"] not in str(rep["segments"]).split(";"):
            verdict = (
                f"not eligible: the account queues in {queued.loc[account, 'segment']}, "
                f"the rep covers {str(rep['segments']).replace(';', ', ') or 'nothing'}"
            )
        elif free[c.rep_id] <= 0:
            verdict = f"book is full ({rep['capacity']} of {rep['capacity']} slots)"
        else:
            verdict = None
        if verdict is not None:
            decisions.append((account, c.rep_id, c.claimed_at, "rejected", verdict))
            continue
        segment, priority = queued.loc[account, "segment"], queued.loc[account, "priority"]
        rows.append(
            {
                "account_id": account,
                "from_rep_id": None,
                "to_rep_id": c.rep_id,
                "kind": "claim",
                "reason_code": "claimed_from_queue",
                "explanation": (
                    f"claimed from the {segment.replace('@', ' / ')} queue at "
                    f"#{rank[account]} (priority {priority:.1f}); rep had {free[c.rep_id]} of "
                    f"{rep['capacity']} slots free"
                ),
                "priority": priority,
                "rest_until": None,
            }
        )
        free[c.rep_id] -= 1
        owner[account] = c.rep_id
        decisions.append((account, c.rep_id, c.claimed_at, "accepted", None))
    return rows, pd.DataFrame(decisions, columns=CLAIM_DECISION_COLUMNS)
