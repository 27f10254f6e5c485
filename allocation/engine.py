"""One allocation run for an as-of date: the book changes, each with its reason.

Pure: data frames and the validated rules in, new ownership events, return decisions
and rep capacity out. The orchestration reads and writes the warehouse. Steps run in
the seeds' order: returns, retrieval, departures, distribution.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd

from allocation.capacity import DEPARTED, UNAVAILABLE, rep_capacity
from allocation.distribution import distribute
from allocation.events import (
    ADOPTION,
    DISTRIBUTION,
    REDISTRIBUTION,
    RELEASE,
    RETRIEVAL,
    RETURN,
    books_from_events,
    latest_events,
    make_events,
    resting_until,
)
from allocation.rules import Holdout, Rules

IN_REVIEW = "bad_data"  # a return reason that sends the account to RevOps, not the pool


@dataclass
class Inputs:
    accounts: pd.DataFrame  # marts.account_scores (+ crm_owner_id, open_opportunities)
    reps: pd.DataFrame  # the staging roster
    events: pd.DataFrame  # the ownership log so far
    activity: pd.DataFrame = field(default_factory=pd.DataFrame)  # marts.account_activity
    returns: pd.DataFrame = field(default_factory=pd.DataFrame)  # stg_books__returns


@dataclass
class RunResult:
    events: pd.DataFrame  # this run's ownership events, in order
    capacity: pd.DataFrame  # each rep's capacity for the run
    return_decisions: pd.DataFrame  # every return seen this run: accepted or rejected, why


def _event(
    account_id, from_rep, to_rep, kind, reason, explanation, priority=None, rest_until=None
) -> dict:
    return {
        "account_id": account_id,
        "from_rep_id": from_rep,
        "to_rep_id": to_rep,
        "kind": kind,
        "reason_code": reason,
        "explanation": explanation,
        "priority": priority,
        "rest_until": rest_until,
    }


def _adopt_crm_owners(accounts: pd.DataFrame, capacity: pd.DataFrame) -> list[dict]:
    """On the first run, books start from the CRM's owners who are on the roster."""
    active = capacity.loc[capacity["status"] != DEPARTED, "rep_id"]
    owned = accounts[accounts["crm_owner_id"].isin(active)].sort_values("account_id")
    return [
        _event(
            a.account_id,
            None,
            a.crm_owner_id,
            ADOPTION,
            "crm_owner",
            "already owned by this rep in the CRM when dynamic books started",
            a.priority,
        )
        for a in owned.itertuples()
    ]


def _returns(
    returns: pd.DataFrame,
    books: pd.DataFrame,
    events: pd.DataFrame,
    rules: Rules,
    as_of: dt.date,
    priority: pd.Series,
) -> tuple[list[dict], pd.DataFrame]:
    """Accept returns of accounts in the returning rep's book, within the rep's limit."""
    columns = ["account_id", "rep_id", "returned_at", "reason", "decision", "decision_reason"]
    if returns.empty:
        return [], pd.DataFrame(columns=columns)
    today = pd.Timestamp(as_of)
    owner = books.set_index("account_id")["rep_id"]
    entered = books.set_index("account_id")["entered_on"]
    window_start = today - pd.Timedelta(days=rules.returns.period_days - 1)
    earlier = events[
        (events["kind"] == RETURN)
        & (events["as_of_date"] >= window_start)
        & (events["as_of_date"] < today)
    ]
    used = earlier["from_rep_id"].value_counts().to_dict()

    pending = returns[pd.to_datetime(returns["returned_at"]).dt.normalize() <= today]
    pending = pending.sort_values(["returned_at", "account_id"])
    rows, decisions = [], []
    for r in pending.itertuples():
        returned_on = pd.Timestamp(r.returned_at).normalize()
        if owner.get(r.account_id) != r.rep_id or returned_on < entered.get(r.account_id, today):
            continue  # already processed, or not this rep's account: nothing to decide
        reason = str(r.reason)
        if reason not in rules.rest_days:
            decision = (
                "rejected",
                f"unknown reason '{reason}'; allowed: {', '.join(rules.return_reasons)}",
            )
        elif used.get(r.rep_id, 0) >= rules.returns.max_per_rep:
            decision = (
                "rejected",
                f"over the limit of {rules.returns.max_per_rep} returns "
                f"per {rules.returns.period_days} days",
            )
        else:
            decision = ("accepted", None)
            used[r.rep_id] = used.get(r.rep_id, 0) + 1
            if reason == IN_REVIEW:
                note = "returned as bad data: waits in the review queue, not the pool"
                rest = None
            else:
                days = rules.rest_days[reason]
                rest = (today + pd.Timedelta(days=days)).date()
                note = f"returned by the rep ({reason}); rests {days} days until {rest}"
            rows.append(
                _event(
                    r.account_id,
                    r.rep_id,
                    None,
                    RETURN,
                    reason,
                    note,
                    priority.get(r.account_id),
                    rest,
                )
            )
            del owner[r.account_id]
        decisions.append((r.account_id, r.rep_id, r.returned_at, reason, *decision))
    return rows, pd.DataFrame(decisions, columns=columns)


def _retrieve(
    books: pd.DataFrame,
    activity: pd.DataFrame,
    capacity: pd.DataFrame,
    rules: Rules,
    as_of: dt.date,
    priority: pd.Series,
) -> list[dict]:
    """Accounts not worked within the working window go back to the pool and rest."""
    today = pd.Timestamp(as_of)
    away = set(capacity.loc[capacity["status"] == UNAVAILABLE, "rep_id"])
    if activity.empty:
        activity = pd.DataFrame(
            columns=["account_id", "rep_id", "last_meaningful_activity_on", "is_phantom_only"]
        )
    worked = books.merge(activity, on=["account_id", "rep_id"], how="left")
    worked["last_on"] = pd.to_datetime(worked["last_meaningful_activity_on"])
    window_start = today - pd.Timedelta(days=rules.working_window_days - 1)
    in_grace = (worked["entered_by"] != ADOPTION) & (
        pd.to_datetime(worked["entered_on"]) + pd.Timedelta(days=rules.grace_days) > today
    )
    due = ~in_grace & ~(worked["last_on"] >= window_start) & ~worked["rep_id"].isin(away)
    rest_days = rules.rest_days["retrieved"]
    rest = (today + pd.Timedelta(days=rest_days)).date()
    rows = []
    for w in worked[due].sort_values("account_id").itertuples():
        if pd.notna(w.is_phantom_only) and bool(w.is_phantom_only):
            reason = "phantom_only"
            why = "only phantom activity (recurring, open or bulk-logged tasks) in 90 days"
        elif pd.isna(w.last_on):
            reason, why = "not_worked", "no meaningful activity by the owner"
        else:
            reason = "not_worked"
            why = f"no meaningful activity for {(today - w.last_on).days} days"
        rows.append(
            _event(
                w.account_id,
                w.rep_id,
                None,
                RETRIEVAL,
                reason,
                f"{why} (working window {rules.working_window_days} days); "
                f"rests {rest_days} days until {rest}",
                priority.get(w.account_id),
                rest,
            )
        )
    return rows


def _departures(
    books: pd.DataFrame,
    capacity: pd.DataFrame,
    reps: pd.DataFrame,
    accounts: pd.DataFrame,
    rules: Rules,
) -> list[dict]:
    """A departed rep's book: open opportunities follow the holdout policy, the rest is freed."""
    departed = set(capacity.loc[capacity["status"] == DEPARTED, "rep_id"])
    leaving = (
        books[books["rep_id"].isin(departed)]
        .merge(
            accounts[["account_id", "priority", "open_opportunities"]], on="account_id", how="left"
        )
        .sort_values(["priority", "account_id"], ascending=[False, True])
    )
    managers = reps.set_index("rep_id").get("manager_id", pd.Series(dtype=object))
    policy = rules.distribution.open_opportunity_holdout
    rows = []
    for b in leaving.itertuples():
        holder = None
        if b.open_opportunities and b.open_opportunities > 0:
            if policy == Holdout.MANAGER:
                holder = managers.get(b.rep_id)
            elif policy == Holdout.NAMED_REP:
                holder = rules.distribution.holdout_rep_id
        if holder is not None and pd.notna(holder):
            rows.append(
                _event(
                    b.account_id,
                    b.rep_id,
                    holder,
                    REDISTRIBUTION,
                    "holdout_open_opportunity",
                    f"rep departed; open opportunity held by {policy.value} {holder}",
                    b.priority,
                )
            )
        else:
            rows.append(
                _event(
                    b.account_id,
                    b.rep_id,
                    None,
                    RELEASE,
                    "departed_rep",
                    "rep departed; the account is redistributed or returns to the pool",
                    b.priority,
                )
            )
    return rows


def _distribute(
    pool: pd.DataFrame, capacity: pd.DataFrame, book_sizes: pd.Series, from_departed: dict[str, str]
) -> list[dict]:
    """Fill free capacity with the best eligible accounts, fair by value (distribution.py)."""
    reps = capacity[capacity["receives_accounts"]].copy()
    held = reps["rep_id"].map(lambda rep: int(book_sizes.get(rep, 0))).astype("int64")
    reps["free_slots"] = (reps["capacity"] - held).clip(lower=0)
    assigned = distribute(pool[["account_id", "segment", "priority"]], reps)
    if assigned.empty:
        return []
    info = pool.set_index("account_id")
    slots = reps.set_index("rep_id")
    per_class = assigned.groupby("class_key")["account_id"].count()
    assigned = assigned.assign(priority=assigned["account_id"].map(info["priority"]))
    assigned = assigned.sort_values(["priority", "account_id"], ascending=[False, True])
    events = []
    for a in assigned.itertuples():
        account = info.loc[a.account_id]
        why = (
            f"priority {a.priority:.1f}, #{account.segment_rank} in {account.segment}; "
            f"fair share #{a.class_rank} of {per_class[a.class_key]} for reps covering "
            f"{a.class_key.replace(';', ' + ')}; rep had {slots.loc[a.rep_id, 'free_slots']}"
            f" of {slots.loc[a.rep_id, 'capacity']} slots free"
        )
        if a.account_id in from_departed:
            events.append(
                _event(
                    a.account_id,
                    None,
                    a.rep_id,
                    REDISTRIBUTION,
                    "from_departed_rep",
                    f"{why}; was in departed rep {from_departed[a.account_id]}'s book",
                    a.priority,
                )
            )
        else:
            events.append(
                _event(a.account_id, None, a.rep_id, DISTRIBUTION, "free_capacity", why, a.priority)
            )
    return events


def _by_region(
    pool: pd.DataFrame, capacity: pd.DataFrame, reps: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Makes region part of eligibility: a rep takes only accounts of their own region.

    Segment keys become segment@region on both sides, so the solver needs no change; an
    account whose country maps to no region is eligible for nobody.
    """
    pool = pool.assign(segment=pool["segment"] + "@" + pool["region"].fillna("?"))
    region = capacity["rep_id"].map(reps.set_index("rep_id")["region"]).fillna("-")
    capacity = capacity.assign(
        segments=[
            ";".join(f"{s}@{r}" for s in str(segs).split(";"))
            for segs, r in zip(capacity["segments"], region, strict=True)
        ]
    )
    return pool, capacity


def _reintroduced(accounts: pd.DataFrame, returned_bad: pd.DataFrame) -> set[str]:
    """Accounts RevOps reintroduced on or after the day they were returned as bad data."""
    if "review_decision" not in accounts or returned_bad.empty:
        return set()
    decided = accounts[accounts["review_decision"] == "reintroduce"][
        ["account_id", "review_decided_on"]
    ].merge(returned_bad[["account_id", "as_of_date"]], on="account_id")
    later = pd.to_datetime(decided["review_decided_on"]) >= pd.to_datetime(decided["as_of_date"])
    return set(decided.loc[later, "account_id"])


def _books(rows: list[dict], as_of: dt.date, kind: str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "account_id": pd.Series([r["account_id"] for r in rows], dtype=object),
            "rep_id": pd.Series([r["to_rep_id"] for r in rows], dtype=object),
            "entered_on": pd.Timestamp(as_of),
            "entered_by": kind,
        }
    )


def run(inputs: Inputs, rules: Rules, as_of: dt.date, run_id: str) -> RunResult:
    """Computes the events of `as_of` from the state before it.

    Events already logged on or after `as_of` are ignored, which is what makes a re-run of
    the same date replace its events instead of adding to them.
    """
    accounts, events = inputs.accounts, inputs.events
    capacity = rep_capacity(inputs.reps, rules, as_of)
    priority = accounts.set_index("account_id")["priority"]
    books = books_from_events(events, as_of)
    rows: list[dict] = []
    if events.empty:
        rows += _adopt_crm_owners(accounts, capacity)
        books = _books(rows, as_of, ADOPTION)

    def leave(new_rows: list[dict]) -> None:
        nonlocal books
        rows.extend(new_rows)
        gone = {r["account_id"] for r in new_rows}
        books = books[~books["account_id"].isin(gone)]

    if "review_decision" in accounts:
        retired = set(accounts.loc[accounts["review_decision"] == "retire", "account_id"])
        leave(
            [
                _event(
                    b.account_id,
                    b.rep_id,
                    None,
                    RELEASE,
                    "retired_by_review",
                    "RevOps retired the account from the review queue",
                    priority.get(b.account_id),
                )
                for b in books[books["account_id"].isin(retired)]
                .sort_values("account_id")
                .itertuples()
            ]
        )
    returned, decisions = _returns(inputs.returns, books, events, rules, as_of, priority)
    leave(returned)
    leave(_retrieve(books, inputs.activity, capacity, rules, as_of, priority))
    departures = _departures(books, capacity, inputs.reps, accounts, rules)
    leave(departures)
    held = [r for r in departures if r["to_rep_id"] is not None]
    books = pd.concat([books, _books(held, as_of, REDISTRIBUTION)])
    from_departed = {
        r["account_id"]: r["from_rep_id"] for r in departures if r["to_rep_id"] is None
    }

    # The pool: new business, in no book, not resting, not waiting for review; judged on
    # each account's latest event, this run's included.
    last = latest_events(
        pd.concat([events, make_events(rows, run_id, as_of)]), as_of + dt.timedelta(days=1)
    )
    returned_bad = last[(last["reason_code"] == IN_REVIEW) & last["to_rep_id"].isna()]
    in_review = set(returned_bad["account_id"]) - _reintroduced(accounts, returned_bad)
    pool = accounts[
        accounts["is_new_business"]
        & ~accounts["account_id"].isin(books["account_id"])
        & ~accounts["account_id"].isin(in_review)
        & (accounts["priority"] >= rules.distribution.min_priority)
    ]
    pool = pool.merge(resting_until(last), on="account_id", how="left")
    pool = pool[pool["rest_until"].isna() | (pool["rest_until"] <= pd.Timestamp(as_of))]
    if as_of.isoweekday() in rules.distribution.weekdays:
        if rules.distribution.match_region:
            pool, capacity = _by_region(pool, capacity, inputs.reps)
        rows += _distribute(pool, capacity, books["rep_id"].value_counts(), from_departed)
    return RunResult(make_events(rows, run_id, as_of), capacity, decisions)
