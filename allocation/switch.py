"""The switch from static territories, on the first run and on a re-switch date.

Static territories leave one rep starving and another with more good accounts than they can
work (the seeds' Jane and Joe). The switch keeps what each rep is working and lets every
other account they own compete with the pool for the team's capacity: the distribution fills
every rep's book with the best accounts, fair by value, each account kept by its owner where
the choice is otherwise equal (`allocation.distribution`). An owned account that lost goes to
the pool or to the rep it was dealt to, with reason `transition`, naming the account that
took its place.

Worked accounts beyond a rep's capacity stay for `transition.protect_worked_days` after the
switch (respect the work), then the book is trimmed to capacity keeping the most valuable
(don't let reps coast): `trim`, every day.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from allocation.capacity import DEPARTED
from allocation.distribution import VALUE_RANK
from allocation.events import ADOPTION, RELEASE
from allocation.exits import STEP_EVENT_COLUMNS
from allocation.states import WORKING, in_book, pair_positions
from engagement.rules import Rules

TRANSITION = "transition"  # the reason code of every exit the switch makes


def _distribution_day(day: dt.date, rules: Rules) -> dt.date:
    """`day`, or the first distribution weekday after it."""
    while day.isoweekday() not in rules.distribution.weekdays:
        day += dt.timedelta(days=1)
    return day


def switch_days(rules: Rules, first_day: dt.date) -> list[dt.date]:
    """The days books switch: the first run's and the rules' re-switch dates after it, each
    moved to the first distribution weekday on or after it (the switch distributes)."""
    dates = {first_day, *(d for d in rules.transition.reswitch_on if d > first_day)}
    return sorted({_distribution_day(d, rules) for d in dates})


def last_switch(rules: Rules, first_day: dt.date, as_of: dt.date) -> dt.date:
    """The latest switch on or before `as_of` (the first run's day until the first switch)."""
    return max((d for d in switch_days(rules, first_day) if d <= as_of), default=first_day)


def competitors(
    books: pd.DataFrame,
    activity: pd.DataFrame,
    capacity: pd.DataFrame,
    outside: pd.Series,
    rules: Rules,
    as_of: dt.date,
    adopted_only: bool,
) -> pd.DataFrame:
    """The book rows that compete with the pool at a switch: new business the owner is not
    working, held by a rep who receives accounts (a rep on leave keeps their book). On the
    first run only adopted accounts; at a re-switch every book row."""
    receiving = set(capacity.loc[capacity["receives_accounts"].astype(bool), "rep_id"])
    held = books if not adopted_only else books[books["entered_by"] == ADOPTION]
    judged = in_book(held, activity, capacity, outside, rules, as_of)
    mask = (
        judged["rep_id"].isin(receiving).to_numpy()
        & ~judged["account_id"].isin(outside.index).to_numpy()
        & (judged["state"] != WORKING).to_numpy()
    )
    return held[mask]


def settle(
    rivals: pd.DataFrame,
    offered: pd.DataFrame,
    accounts: pd.DataFrame,
    rules: Rules,
    as_of: dt.date,
    named: Callable[[Any], str] = str,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """What the competition made of the owned accounts `rivals` (book rows) given the
    distribution's events `offered`: (the rows their owners keep, the exits to record, the
    distribution events left to record); `named` gives an account's id in words. An account
    dealt to its owner stays as it was; one dealt to another rep leaves its owner's book for
    theirs; one dealt to nobody goes to the pool, to rest `exit_rest_days.transition`."""
    holder = dict(zip(rivals["account_id"], rivals["rep_id"], strict=True))
    dealt = offered["account_id"].map(holder)
    kept_here = (dealt == offered["to_rep_id"]).to_numpy()
    kept = rivals[rivals["account_id"].isin(offered.loc[kept_here, "account_id"])]
    entering = offered[~kept_here]
    moved = entering[entering["account_id"].isin(holder)]
    lost = rivals[~rivals["account_id"].isin(offered["account_id"])]

    info = accounts.set_index("account_id")
    days = rules.exit_rest_days.transition
    rest = (pd.Timestamp(as_of) + pd.Timedelta(days=days)).date()
    rests = f"; rests {days} days until {rest}" if days else ""
    window = rules.working_window_days
    # Each lost account names an account that entered its owner's book in its place: the
    # owner's new accounts in turn, best first (the book filled with better ones).
    took = {}
    for rep, gone in lost.merge(info[[VALUE_RANK]], left_on="account_id", right_index=True) \
            .sort_values(VALUE_RANK).groupby("rep_id"):  # fmt: skip
        came = entering[entering["to_rep_id"] == rep]["account_id"].tolist()
        for k, account in enumerate(gone["account_id"]):
            took[account] = came[k % len(came)] if came else None
    said = {
        account: f"switch to dynamic books: not worked by the rep in {window} days, and the "
        "team's capacity went to better accounts: "
        + (
            f"{named(better)} (priority {info.at[better, 'priority']:.1f}) took its place"
            if better is not None
            else "the rep's book is full of accounts ranked above it"
        )
        + rests
        for account, better in took.items()
    }
    exits = pd.concat(
        [
            pd.DataFrame(
                {
                    "account_id": moved["account_id"],
                    "from_rep_id": moved["account_id"].map(holder),
                    "to_rep_id": None,
                    "kind": RELEASE,
                    "reason_code": TRANSITION,
                    "explanation": f"switch to dynamic books: not worked by the rep in "
                    f"{window} days; the team's capacity is dealt fair by value, and this "
                    "one went to " + moved["to_rep_id"].astype(str) + "'s book",
                    "priority": moved["priority"],
                    "rest_until": None,
                },
                columns=STEP_EVENT_COLUMNS,
            ),
            pd.DataFrame(
                {
                    "account_id": lost["account_id"],
                    "from_rep_id": lost["rep_id"],
                    "to_rep_id": None,
                    "kind": RELEASE,
                    "reason_code": TRANSITION,
                    "explanation": lost["account_id"].map(said),
                    "priority": lost["account_id"].map(info["priority"]),
                    "rest_until": rest if days else None,
                },
                columns=STEP_EVENT_COLUMNS,
            ),
        ],
        ignore_index=True,
    )
    order = exits["account_id"].map(info[VALUE_RANK])
    exits = exits.assign(_rank=order.to_numpy()).sort_values("_rank").drop(columns="_rank")
    return kept, exits, entering


def trim(
    books: pd.DataFrame,
    activity: pd.DataFrame,
    capacity: pd.DataFrame,
    info: pd.DataFrame,
    rules: Rules,
    as_of: dt.date,
    switched_on: dt.date,
    outside: pd.Series,
    receiving_compete: bool,
) -> pd.DataFrame:
    """A book above the rep's capacity since the switch keeps the accounts the rep is
    working, then the most valuable, up to capacity; the rest go to the pool. Worked accounts
    beyond capacity stay until `protect_worked_days` after the switch. On a switch day the
    reps who receive accounts compete instead (`competitors`), so only the others' books are
    trimmed (`receiving_compete`); a departed rep's book is released by departures. `info`
    is the accounts by id (priority and value rank)."""
    if not rules.transition.trim:
        return pd.DataFrame(columns=STEP_EVENT_COLUMNS)
    today = pd.Timestamp(as_of)
    judged = capacity[capacity["status"] != DEPARTED]
    if receiving_compete:
        judged = judged[~judged["receives_accounts"].astype(bool)]
    cap = judged.set_index("rep_id")["capacity"]
    held = books[books["rep_id"].isin(cap.index) & ~books["account_id"].isin(outside.index)]
    size = held["rep_id"].value_counts()
    over = size[size > cap.reindex(size.index)]
    since = pd.to_datetime(held["entered_on"]) <= pd.Timestamp(switched_on)
    adopted = held[since.to_numpy() & held["rep_id"].isin(over.index).to_numpy()]
    if adopted.empty:
        return pd.DataFrame(columns=STEP_EVENT_COLUMNS)
    last = activity.reindex(columns=["account_id", "rep_id", "last_meaningful_activity_on"])
    # As left merges on the pair and the account would, by lookups: `info` (the accounts by
    # id) is indexed once a run, where a merge hashes a million accounts again.
    # Each account's place in `info` found once for both lookups (-1, and so NaN, for an
    # account no longer in the CRM's export, as a map would give).
    at = info.index.get_indexer(adopted["account_id"].to_numpy())
    ranked = adopted.reset_index(drop=True).assign(
        last_meaningful_activity_on=last["last_meaningful_activity_on"]
        .reset_index(drop=True)
        .reindex(pair_positions(last, adopted))
        .to_numpy(),
        priority=info["priority"].reset_index(drop=True).reindex(at).to_numpy(),
        **{VALUE_RANK: info[VALUE_RANK].reset_index(drop=True).reindex(at).to_numpy()},
    )
    window_start = today - pd.Timedelta(days=rules.working_window_days - 1)
    ranked["working"] = pd.to_datetime(ranked["last_meaningful_activity_on"]) >= window_start
    protecting = as_of < switched_on + dt.timedelta(days=rules.transition.protect_worked_days)
    ranked = ranked.sort_values(["rep_id", "working", VALUE_RANK], ascending=[True, False, True])
    ranked["place"] = ranked.groupby("rep_id").cumcount() + 1
    # Other accounts in the book (distributed since the switch) hold their slots first.
    others = (
        size.reindex(ranked["rep_id"]).to_numpy()
        - ranked.groupby("rep_id")["account_id"].transform("count").to_numpy()
    )
    allowed = ranked["rep_id"].map(cap).to_numpy() - others
    if protecting:
        worked = ranked.groupby("rep_id")["working"].transform("sum").to_numpy()
        allowed = np.maximum(allowed, worked)
    cut = ranked[ranked["place"].to_numpy() > allowed]
    if cut.empty:
        return pd.DataFrame(columns=STEP_EVENT_COLUMNS)
    days = rules.exit_rest_days.transition
    rest = (today + pd.Timedelta(days=days)).date()
    why = (
        "switch to dynamic books: the rep held "
        + cut["rep_id"].map(size).astype(str)
        + " accounts for a capacity "
        + cut["rep_id"].map(cap).astype(str)
        + "; kept the ones being worked, then the most valuable, and this one was #"
        + cut["place"].astype(str)
        + f"; rests {days} days until {rest}"
    )
    return pd.DataFrame(
        {
            "account_id": cut["account_id"],
            "from_rep_id": cut["rep_id"],
            "to_rep_id": None,
            "kind": RELEASE,
            "reason_code": TRANSITION,
            "explanation": why,
            "priority": cut["priority"],
            "rest_until": rest,
        },
        columns=STEP_EVENT_COLUMNS,
    ).sort_values("account_id")
