"""How accounts leave books, and the first run's adoption: returns, retrieval and
departures (the switch from static territories is `allocation.switch`). Each step returns
its events as a frame of step events (`step_frame`); the engine records them lane by lane."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from allocation.capacity import DEPARTED
from allocation.distribution import VALUE_RANK
from allocation.events import ADOPTION, REDISTRIBUTION, RELEASE, RETRIEVAL, RETURN
from allocation.states import DUE_FOR_RETRIEVAL, in_book
from engagement.rules import BAD_DATA, SYSTEM_EXITS, Holdout, Rules

# An event as the steps produce it; make_events numbers the run's events and adds the rest.
STEP_EVENT_COLUMNS = [
    "account_id",
    "from_rep_id",
    "to_rep_id",
    "kind",
    "reason_code",
    "explanation",
    "priority",
    "rest_until",
]


def step_event(
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


def step_frame(rows: list[dict]) -> pd.DataFrame:
    """Events built one at a time (the steps that decide a few rows each) as a frame."""
    return pd.DataFrame(rows, columns=STEP_EVENT_COLUMNS)


def adopt_crm_owners(accounts: pd.DataFrame, capacity: pd.DataFrame) -> pd.DataFrame:
    """On the first run, books start from the CRM's owners who are on the roster."""
    active = capacity.loc[capacity["status"] != DEPARTED, "rep_id"]
    owned = accounts[accounts["crm_owner_id"].isin(active)].sort_values("account_id")
    # Column-wise: a first run adopts a row per owned account.
    return pd.DataFrame(
        {
            "account_id": owned["account_id"],
            "from_rep_id": None,
            "to_rep_id": owned["crm_owner_id"],
            "kind": ADOPTION,
            "reason_code": "crm_owner",
            "explanation": "already owned by this rep in the CRM when dynamic books started",
            "priority": owned["priority"],
            "rest_until": None,
        },
        columns=STEP_EVENT_COLUMNS,
    )


RETURNED = object()  # an account a return took out of its book earlier in the same run


def _return_owner(r, owner: dict, entered: dict) -> str | None:
    """Why `r` (a return) cannot be taken, or None when it can: the rep holds the account in
    the books, or no book does. A rep usually returns an account in the CRM, so the next
    export shows it unowned (before the first run, or after it): the return stands, and the
    account rests for its reason instead of going back to the rep."""
    holder = owner.get(r.account_id)
    if holder is RETURNED:
        return "already returned in this run"
    if holder == r.rep_id:
        returned_on = pd.Timestamp(r.returned_at).normalize()
        since, how = entered[r.account_id]
        if returned_on < since and how != ADOPTION:
            return f"returned on {returned_on.date()}, before it entered the book on {since.date()}"
        return None
    if holder is not None:
        return f"not the rep's account: it is in {holder}'s book"
    return None


def decide_returns(
    returns: pd.DataFrame,
    books: pd.DataFrame,
    events: pd.DataFrame,
    rules: Rules,
    as_of: dt.date,
    accounts: pd.DataFrame,
    capacity: pd.DataFrame,
    outside: pd.Series,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Decides every return by a rep of the lane: accepted when the rep holds the account in
    the books, or no rep does (returned in the CRM, which then shows it unowned), within the
    rep's limit and with a reason a rep may give; otherwise rejected, and why. None goes
    unanswered; one of an account waiting in the review queue waits with it."""
    columns = ["account_id", "rep_id", "returned_at", "reason", "decision", "decision_reason"]
    if returns.empty:
        return step_frame([]), pd.DataFrame(columns=columns)
    today = pd.Timestamp(as_of)
    returns = returns[returns["rep_id"].isin(capacity["rep_id"])]
    # Dicts, not Series: deleting from a Series index rebuilds its hash table on every
    # lookup. Only of the returned accounts: a dict of a whole first-run book costs more
    # than the returns it serves.
    asked = books[books["account_id"].isin(returns["account_id"])]
    owner = dict(zip(asked["account_id"], asked["rep_id"], strict=True))
    entered = dict(
        zip(
            asked["account_id"],
            zip(pd.to_datetime(asked["entered_on"]), asked["entered_by"], strict=True),
            strict=True,
        )
    )
    known = accounts[accounts["account_id"].isin(returns["account_id"])]
    priority = dict(zip(known["account_id"], known["priority"], strict=True))
    window_start = today - pd.Timedelta(days=rules.returns.period_days - 1)
    earlier = events[
        (events["kind"] == RETURN)
        & (events["as_of_date"] >= window_start)
        & (events["as_of_date"] < today)
    ]
    used = earlier["from_rep_id"].value_counts().to_dict()

    # Ties in time go by the row in the file: what the rep sent first is decided first.
    ties = ["source_row"] if "source_row" in returns else []
    pending = returns.sort_values(["returned_at", "account_id", "rep_id", *ties], kind="stable")
    rows, decisions = [], []
    for r in pending.itertuples():
        if r.account_id not in priority:
            continue  # its account waits in the review queue: so does the return
        reason = str(r.reason)
        refused = _return_owner(r, owner, entered)
        if refused is not None:
            decision = ("rejected", refused)
        elif r.account_id in outside.index:
            decision = (
                "rejected",
                f"{outside[r.account_id]}: not ours to move; it stays with its CRM owner",
            )
        elif reason in SYSTEM_EXITS:
            decision = (
                "rejected",
                f"'{reason}' is the system's own exit, not a reason a rep can give; "
                f"allowed: {', '.join(rules.allowed_returns)}",
            )
        elif reason not in rules.allowed_returns:
            decision = (
                "rejected",
                f"unknown reason '{reason}'; allowed: {', '.join(rules.allowed_returns)}",
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
            if reason == BAD_DATA:
                note = "returned as bad data: waits in the review queue, not the pool"
                rest = None
            else:
                days = rules.return_reasons[reason]
                rest = (today + pd.Timedelta(days=days)).date()
                note = f"returned by the rep ({reason}); rests {days} days until {rest}"
            rows.append(
                step_event(
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
            owner[r.account_id] = RETURNED
        decisions.append((r.account_id, r.rep_id, r.returned_at, reason, *decision))
    return step_frame(rows), pd.DataFrame(decisions, columns=columns)


def retrieve(
    books: pd.DataFrame,
    activity: pd.DataFrame,
    capacity: pd.DataFrame,
    rules: Rules,
    as_of: dt.date,
    priority: pd.Series,
    outside: pd.Series,
) -> pd.DataFrame:
    """Accounts not worked within the working window go back to the pool and rest."""
    today = pd.Timestamp(as_of)
    worked = in_book(books, activity, capacity, outside, rules, as_of)
    due = (worked["state"] == DUE_FOR_RETRIEVAL).to_numpy()
    rest_days = rules.exit_rest_days.retrieved
    rest = (today + pd.Timedelta(days=rest_days)).date()
    # Column-wise: the first run retrieves every adopted account nobody works.
    w = worked[due].sort_values("account_id")
    phantom = w["is_phantom_only"].astype("boolean").fillna(False).to_numpy(dtype=bool)
    never = w["last_on"].isna().to_numpy()
    idle_days = (today - w["last_on"]).dt.days.astype("Int64").astype(str)
    why = np.select(
        [phantom, never],
        [
            "only phantom activity (recurring, open or bulk-logged tasks) in 90 days",
            "no meaningful activity by the owner",
        ],
        ("no meaningful activity for " + idle_days + " days").to_numpy(dtype=object),
    )
    return pd.DataFrame(
        {
            "account_id": w["account_id"],
            "from_rep_id": w["rep_id"],
            "to_rep_id": None,
            "kind": RETRIEVAL,
            "reason_code": np.where(phantom, "phantom_only", "not_worked"),
            "explanation": pd.Series(why, index=w.index)
            + f" (working window {rules.working_window_days} days); "
            f"rests {rest_days} days until {rest}",
            "priority": w["account_id"].map(priority),
            "rest_until": rest,
        },
        columns=STEP_EVENT_COLUMNS,
    )


def departures(
    books: pd.DataFrame,
    capacity: pd.DataFrame,
    reps: pd.DataFrame,
    accounts: pd.DataFrame,
    rules: Rules,
    outside: pd.Series,
    users: set[str] | None = None,
) -> pd.DataFrame:
    """A departed rep's book: new business is freed; a customer or an open opportunity
    follows the holdout policy, and with no holder it stays in the rep's name for RevOps
    (sending it to the pool would strip a deal of its owner)."""
    departed = set(capacity.loc[capacity["status"] == DEPARTED, "rep_id"])
    if not departed:
        return step_frame([])
    leaving = (
        books[books["rep_id"].isin(departed)]
        .merge(accounts[["account_id", "priority", VALUE_RANK]], on="account_id", how="left")
        .sort_values(VALUE_RANK)
    )
    managers = reps.set_index("rep_id").get("manager_id", pd.Series(dtype=object))
    policy = rules.distribution.open_opportunity_holdout
    named = {Holdout.NAMED_REP: rules.distribution.holdout_rep_id}
    rows = []
    for b in leaving.itertuples():
        if b.account_id not in outside.index:
            rows.append(
                step_event(
                    b.account_id,
                    b.rep_id,
                    None,
                    RELEASE,
                    "departed_rep",
                    "rep departed; the account is redistributed or returns to the pool",
                    b.priority,
                )
            )
            continue
        holder = managers.get(b.rep_id) if policy == Holdout.MANAGER else named.get(policy)
        if holder is None or pd.isna(holder) or (users is not None and holder not in users):
            continue  # stays with the departed rep: account_states says why
        why = outside[b.account_id]
        rows.append(
            step_event(
                b.account_id,
                b.rep_id,
                holder,
                REDISTRIBUTION,
                "holdout_customer" if "customer" in why else "holdout_open_opportunity",
                f"rep departed; {why}, held by {policy.value} {holder}",
                b.priority,
            )
        )
    return step_frame(rows)
