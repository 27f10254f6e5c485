"""One allocation run for an as-of date: the book changes, each with its reason.

Pure: data frames and the validated rules in, new ownership events, return decisions
and rep capacity out. The orchestration reads and writes the warehouse. Steps run in
the seeds' order: returns, retrieval, departures, distribution.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field, fields, replace

import numpy as np
import pandas as pd

from allocation.capacity import DEPARTED, rep_capacity
from allocation.claims import CLAIM_DECISION_COLUMNS, process_claims
from allocation.distribution import VALUE_RANK, distribute, with_value_rank
from allocation.eligibility import eligibility_keys
from allocation.events import (
    ADOPTION,
    DISTRIBUTION,
    REDISTRIBUTION,
    RELEASE,
    RETRIEVAL,
    RETURN,
    books_from_events,
    make_events,
)
from allocation.states import (
    DUE_FOR_RETRIEVAL,
    ELIGIBLE,
    account_states,
    in_book,
    in_pool,
    out_of_scope,
)
from engagement.rules import BAD_DATA, SOLE_LANE, SYSTEM_EXITS, Holdout, Mode, Rules


@dataclass
class Inputs:
    accounts: pd.DataFrame  # marts.account_scores (+ crm_owner_id, open_opportunities)
    reps: pd.DataFrame  # the staging roster
    events: pd.DataFrame  # the ownership log so far
    activity: pd.DataFrame = field(default_factory=pd.DataFrame)  # marts.account_activity
    returns: pd.DataFrame = field(default_factory=pd.DataFrame)  # stg_books__returns
    claims: pd.DataFrame = field(default_factory=pd.DataFrame)  # stg_books__claims
    # Requests earlier runs decided (account_id, rep_id, returned_at / claimed_at): each
    # return and claim is decided once, so a rejected one does not come back the next day.
    decided_returns: pd.DataFrame = field(default_factory=pd.DataFrame)
    decided_claims: pd.DataFrame = field(default_factory=pd.DataFrame)
    # CRM users (user_id, is_active): whoever the books hand an account to must be an
    # active one, or the CRM file would name an owner the CRM refuses.
    users: pd.DataFrame = field(default_factory=pd.DataFrame)


@dataclass
class RunResult:
    events: pd.DataFrame  # this run's ownership events, in order
    capacity: pd.DataFrame  # each rep's capacity for the run
    return_decisions: pd.DataFrame  # every return seen this run: accepted or rejected, why
    claim_decisions: pd.DataFrame  # queue mode: every claim decided this run, and why
    distribution_seconds: float = 0.0  # filling free slots, events included (for benchmarks)
    # Every account's state in every lane after the run (allocation.states).
    states: pd.DataFrame = field(default_factory=pd.DataFrame)


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


def _frame(rows: list[dict]) -> pd.DataFrame:
    """Events built one at a time (the steps that decide a few rows each) as a frame."""
    return pd.DataFrame(rows, columns=STEP_EVENT_COLUMNS)


def _adopt_crm_owners(accounts: pd.DataFrame, capacity: pd.DataFrame) -> pd.DataFrame:
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


def _return_owner(r, owner: dict, entered: dict, crm_owner: dict) -> str | None:
    """Why `r` (a return) cannot be taken from its rep's book, or None when it can: the rep
    holds the account in the books, or in the CRM while it is in no book (a return made
    before the first run, or of an account the books never held)."""
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
        return f"not the rep's account: in {holder}'s book"
    if crm_owner.get(r.account_id) == r.rep_id:
        return None
    where = crm_owner.get(r.account_id)
    return f"not the rep's account: in the pool (CRM owner {where or 'none'})"


def _returns(
    returns: pd.DataFrame,
    books: pd.DataFrame,
    events: pd.DataFrame,
    rules: Rules,
    as_of: dt.date,
    accounts: pd.DataFrame,
    capacity: pd.DataFrame,
    outside: pd.Series,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Decides every return by a rep of the lane: accepted when the rep holds the account (in
    the books, or in the CRM while no book does), within the rep's limit and with a reason a
    rep may give; otherwise rejected, and why. None goes unanswered."""
    columns = ["account_id", "rep_id", "returned_at", "reason", "decision", "decision_reason"]
    if returns.empty:
        return _frame([]), pd.DataFrame(columns=columns)
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
    crm_owner = dict(zip(known["account_id"], known["crm_owner_id"], strict=True))
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
        reason = str(r.reason)
        refused = _return_owner(r, owner, entered, crm_owner)
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
            owner[r.account_id] = RETURNED
        decisions.append((r.account_id, r.rep_id, r.returned_at, reason, *decision))
    return _frame(rows), pd.DataFrame(decisions, columns=columns)


def _retrieve(
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


def _transition(
    books: pd.DataFrame,
    activity: pd.DataFrame,
    capacity: pd.DataFrame,
    accounts: pd.DataFrame,
    rules: Rules,
    as_of: dt.date,
    switched_on: dt.date,
    outside: pd.Series,
) -> pd.DataFrame:
    """The switch from static territories: an adopted book above the rep's capacity keeps
    the accounts the rep is working, then the most valuable, up to capacity; the rest go to
    the pool. Worked accounts beyond capacity stay until `protect_worked_days` after the
    switch. Only adopted accounts are trimmed; a departed rep's book is released instead."""
    if not rules.transition.trim:
        return _frame([])
    today = pd.Timestamp(as_of)
    cap = capacity[capacity["status"] != DEPARTED].set_index("rep_id")["capacity"]
    held = books[books["rep_id"].isin(cap.index) & ~books["account_id"].isin(outside.index)]
    size = held["rep_id"].value_counts()
    over = size[size > cap.reindex(size.index)]
    adopted = held[(held["entered_by"] == ADOPTION) & held["rep_id"].isin(over.index)]
    if adopted.empty:
        return _frame([])
    last = activity.reindex(columns=["account_id", "rep_id", "last_meaningful_activity_on"])
    ranked = adopted.merge(last, on=["account_id", "rep_id"], how="left").merge(
        accounts[["account_id", "priority", VALUE_RANK]], on="account_id", how="left"
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
        return _frame([])
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
            "reason_code": "transition",
            "explanation": why,
            "priority": cut["priority"],
            "rest_until": rest,
        },
        columns=STEP_EVENT_COLUMNS,
    ).sort_values("account_id")


def _departures(
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
            continue
        holder = managers.get(b.rep_id) if policy == Holdout.MANAGER else named.get(policy)
        if holder is None or pd.isna(holder) or (users is not None and holder not in users):
            continue  # stays with the departed rep: account_states says why
        why = outside[b.account_id]
        rows.append(
            _event(
                b.account_id,
                b.rep_id,
                holder,
                REDISTRIBUTION,
                "holdout_customer" if "customer" in why else "holdout_open_opportunity",
                f"rep departed; {why}, held by {policy.value} {holder}",
                b.priority,
            )
        )
    return _frame(rows)


def _with_free_slots(
    capacity: pd.DataFrame, books: pd.DataFrame, outside: pd.Series
) -> pd.DataFrame:
    """Capacity left for new business: an account out of scope takes no slot."""
    counted = books[~books["account_id"].isin(outside.index)]
    held = capacity["rep_id"].map(counted["rep_id"].value_counts()).fillna(0).astype("int64")
    return capacity.assign(free_slots=(capacity["capacity"] - held).clip(lower=0))


def _distribute(
    pool: pd.DataFrame,
    capacity: pd.DataFrame,
    books: pd.DataFrame,
    from_departed: dict[str, str],
    outside: pd.Series,
) -> pd.DataFrame:
    """Fill free capacity with the best eligible accounts, fair by value (distribution.py)."""
    reps = _with_free_slots(capacity[capacity["receives_accounts"]], books, outside)
    assigned = distribute(pool[["account_id", "segment", "priority", VALUE_RANK]], reps)
    if assigned.empty:
        return _frame([])
    # Built column-wise: a book build from empty explains ~300k moves.
    info = pool.set_index("account_id")
    slots = reps.set_index("rep_id")
    per_class = assigned.groupby("class_key")["account_id"].transform("count")
    a = assigned.assign(priority=assigned["account_id"].map(info["priority"]))
    account, rep = a["account_id"], a["rep_id"]
    why = (
        "priority "
        + a["priority"].map("{:.1f}".format)
        + ", #"
        + account.map(info["segment_rank"]).astype(str)
        + " in "
        + account.map(info["segment"]).astype(str)
        + "; fair share #"
        + a["class_rank"].astype(str)
        + " of "
        + per_class.astype(str)
        + " for reps covering "
        + a["class_key"].str.replace(";", " + ")
        + "; rep had "
        + rep.map(slots["free_slots"]).astype(str)
        + " of "
        + rep.map(slots["capacity"]).astype(str)
        + " slots free"
    )
    departed_from = account.map(from_departed)
    redistributed = departed_from.notna()
    departed_from = departed_from.fillna("").astype(str)
    events = pd.DataFrame(
        {
            "account_id": account,
            "from_rep_id": None,
            "to_rep_id": rep,
            "kind": redistributed.map({True: REDISTRIBUTION, False: DISTRIBUTION}),
            "reason_code": redistributed.map({True: "from_departed_rep", False: "free_capacity"}),
            "explanation": why.where(
                ~redistributed, why + "; was in departed rep " + departed_from + "'s book"
            ),
            "priority": a["priority"],
            "rest_until": None,
        }
    )
    return (
        events.assign(_rank=account.map(info[VALUE_RANK]))
        .sort_values("_rank")
        .drop(columns="_rank")
    )


def _books(rows: pd.DataFrame, as_of: dt.date, kind: str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            # Objects, as _hashable makes the inputs: pandas' isin hashes them quickly.
            "account_id": pd.Series(rows["account_id"].to_numpy(dtype=object), dtype=object),
            "rep_id": pd.Series(rows["to_rep_id"].to_numpy(dtype=object), dtype=object),
            "entered_on": pd.Timestamp(as_of),
            "entered_by": kind,
        }
    )


def _undecided(requests: pd.DataFrame, decided: pd.DataFrame, at: str, as_of: dt.date):
    """Requests made by the end of `as_of` that no earlier run has decided."""
    if requests.empty:
        return requests
    made = requests[pd.to_datetime(requests[at]).dt.normalize() <= pd.Timestamp(as_of)]
    if decided.empty or made.empty:
        return made
    keys = ["account_id", "rep_id", at]
    seen = decided[keys].assign(**{at: pd.to_datetime(decided[at])}).drop_duplicates()
    merged = (
        made[keys]
        .assign(**{at: pd.to_datetime(made[at])})
        .merge(seen, on=keys, how="left", indicator=True)
    )
    return made[(merged["_merge"] == "left_only").to_numpy()]


def _hashable(frame: pd.DataFrame) -> pd.DataFrame:
    """Arrow-backed string columns as Python objects: pandas' `isin` on arrow strings builds
    a scalar per value , on objects it hashes."""
    text = [c for c, t in frame.dtypes.items() if isinstance(t, pd.StringDtype)]
    return frame.astype(dict.fromkeys(text, object)) if text else frame


@dataclass
class _Lane:
    """One lane's state through a run: its reps, books and the events so far."""

    name: str
    capacity: pd.DataFrame
    books: pd.DataFrame
    rows: list[pd.DataFrame] = field(default_factory=list)  # the lane's events, in order
    from_departed: dict[str, str] = field(default_factory=dict)

    def record(self, new_rows: pd.DataFrame, leaving: bool = True) -> None:
        self.rows.append(new_rows.assign(lane=self.name))
        if leaving:
            self.books = self.books[~self.books["account_id"].isin(new_rows["account_id"])]


def _leave(
    lane: _Lane,
    inputs: Inputs,
    rules: Rules,
    as_of: dt.date,
    first_run: bool,
    outside: pd.Series,
):
    """Returns, retrieval and departures for one lane; the return decisions."""
    accounts = inputs.accounts
    priority = accounts.set_index("account_id")["priority"]
    if first_run:
        adopted = _adopt_crm_owners(accounts, lane.capacity)
        lane.record(adopted, leaving=False)
        lane.books = _books(adopted, as_of, ADOPTION)
    if "review_decision" in accounts:
        retired = set(accounts.loc[accounts["review_decision"] == "retire", "account_id"])
        books = lane.books
        lane.record(
            _frame(
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
        )
    lane_events = inputs.events[inputs.events["lane"] == lane.name]
    returns = _undecided(inputs.returns, inputs.decided_returns, "returned_at", as_of)
    returned, decisions = _returns(
        returns, lane.books, lane_events, rules, as_of, accounts, lane.capacity, outside
    )
    lane.record(returned)
    switched_on = as_of if first_run else inputs.events["as_of_date"].min().date()
    lane.record(
        _transition(
            lane.books,
            inputs.activity,
            lane.capacity,
            accounts,
            rules,
            as_of,
            switched_on,
            outside,
        )
    )
    lane.record(
        _retrieve(lane.books, inputs.activity, lane.capacity, rules, as_of, priority, outside)
    )
    active_users = (
        set(inputs.users.loc[inputs.users["is_active"].astype(bool), "user_id"])
        if not inputs.users.empty
        else None
    )
    departures = _departures(
        lane.books, lane.capacity, inputs.reps, accounts, rules, outside, active_users
    )
    lane.record(departures)
    held = departures["to_rep_id"].notna()
    lane.books = pd.concat([lane.books, _books(departures[held], as_of, REDISTRIBUTION)])
    freed = departures[~held]
    lane.from_departed = dict(zip(freed["account_id"], freed["from_rep_id"], strict=True))
    return decisions


def _queue(
    accounts: pd.DataFrame, events: pd.DataFrame, rules: Rules, as_of: dt.date
) -> tuple[pd.DataFrame, pd.Series]:
    """The accounts any lane may receive (eligible in the pool), judged on each account's
    latest events, this run's included; and why the others are not, by account id."""
    pool = in_pool(accounts, events, rules, as_of)
    eligible = (pool["state"] == ELIGIBLE).to_numpy()
    return accounts[eligible], pool.loc[~eligible, "state_reason"]


def _named_mode_claims(inputs: Inputs, capacity: pd.DataFrame, as_of: dt.date) -> pd.DataFrame:
    """Claims made while books are filled by the pipeline: each answered, none taken."""
    claims = _undecided(inputs.claims, inputs.decided_claims, "claimed_at", as_of)
    if claims.empty:
        return pd.DataFrame(columns=CLAIM_DECISION_COLUMNS)
    mine = claims[claims["rep_id"].isin(capacity["rep_id"])]
    return pd.DataFrame(
        {
            "account_id": mine["account_id"],
            "rep_id": mine["rep_id"],
            "claimed_at": mine["claimed_at"],
            "decision": "rejected",
            "decision_reason": "not in queue mode: distribution.mode is named, so the "
            "pipeline fills books by value and claims are not taken",
        },
        columns=CLAIM_DECISION_COLUMNS,
    )


def _run_rows(lanes: list[_Lane]) -> pd.DataFrame:
    """Every lane's events so far, lane after lane, each in the order it was recorded."""
    return pd.concat([_frame([]), *(f for lane in lanes for f in lane.rows)], ignore_index=True)


def run(inputs: Inputs, rules: Rules, as_of: dt.date, run_id: str) -> RunResult:
    """Computes the events of `as_of` from the state before it.

    Events already logged on or after `as_of` are ignored, which is what makes a re-run of
    the same date replace its events instead of adding to them. With shared ownership each
    role is a lane with its own books; otherwise there is one lane.
    """
    if "lane" not in inputs.events:
        inputs = replace(inputs, events=inputs.events.assign(lane=SOLE_LANE))
    inputs = replace(inputs, **{f.name: _hashable(getattr(inputs, f.name)) for f in fields(inputs)})
    inputs = replace(inputs, accounts=with_value_rank(inputs.accounts))
    capacity = rep_capacity(inputs.reps, rules, as_of)
    shared = rules.distribution.shared_ownership
    capacity["lane"] = capacity["role"].astype(str) if shared else SOLE_LANE
    books = books_from_events(inputs.events, as_of)
    first_run = inputs.events.empty
    lanes = [
        _Lane(name, capacity[capacity["lane"] == name], books[books["lane"] == name])
        for name in rules.lanes
    ]
    outside = out_of_scope(inputs.accounts)
    decisions = [_leave(lane, inputs, rules, as_of, first_run, outside) for lane in lanes]

    so_far = pd.concat([inputs.events, make_events(_run_rows(lanes), run_id, as_of)])
    queue, not_queued = _queue(inputs.accounts, so_far, rules, as_of)
    claim_decisions, distributing = [], 0.0
    for lane in lanes:
        pool = queue[~queue["account_id"].isin(lane.books["account_id"])]
        cap = lane.capacity
        pool, cap = eligibility_keys(pool, cap, inputs.reps, rules, as_of)
        if rules.distribution.mode == Mode.QUEUE:
            claims = _undecided(inputs.claims, inputs.decided_claims, "claimed_at", as_of)
            claimed, decided = process_claims(
                claims,
                pool,
                _with_free_slots(cap, lane.books, outside),
                lane.books,
                not_queued,
            )
            lane.record(_frame(claimed), leaving=False)
            claim_decisions.append(decided)
        else:
            if as_of.isoweekday() in rules.distribution.weekdays:
                started = time.perf_counter()
                offered = _distribute(pool, cap, lane.books, lane.from_departed, outside)
                lane.record(offered, leaving=False)
                distributing += time.perf_counter() - started
            claim_decisions.append(_named_mode_claims(inputs, cap, as_of))
    new_events = make_events(_run_rows(lanes), run_id, as_of)
    states = account_states(
        inputs.accounts,
        pd.concat([inputs.events, new_events]),
        inputs.activity,
        capacity,
        inputs.reps,
        rules,
        as_of,
    )
    return RunResult(
        new_events,
        capacity,
        pd.concat(decisions, ignore_index=True),
        pd.concat(claim_decisions, ignore_index=True)
        if claim_decisions
        else pd.DataFrame(columns=CLAIM_DECISION_COLUMNS),
        distributing,
        states,
    )
