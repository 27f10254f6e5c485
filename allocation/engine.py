"""One allocation run for an as-of date: the book changes, each with its reason.

Pure: data frames and the validated rules in, new ownership events, return decisions,
rep capacity and every account's state out. The orchestration reads and writes the
warehouse. Steps run in the seeds' order: returns, retrieval, departures (allocation/exits.py),
distribution; the states (allocation/states.py) decide what is due and what is eligible.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field, fields, replace
from typing import Any

import pandas as pd

from allocation import switch
from allocation.capacity import rep_capacity
from allocation.claims import CLAIM_DECISION_COLUMNS, process_claims
from allocation.distribution import VALUE_RANK, distribute, with_value_rank
from allocation.eligibility import eligibility_keys
from allocation.events import (
    ADOPTION,
    DISTRIBUTION,
    EVENT_COLUMNS,
    REDISTRIBUTION,
    RELEASE,
    books_of,
    latest_events,
    make_events,
    with_run,
)
from allocation.exits import (
    adopt_crm_owners,
    decide_returns,
    departures,
    retrieve,
    step_event,
    step_frame,
)
from allocation.keys import AccountCodes
from allocation.states import (
    ELIGIBLE,
    account_states,
    in_pool,
    out_of_scope,
)
from engagement.rules import SOLE_LANE, Mode, Rules


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
    # Account ids may come as integer codes in the ids' order (allocation.keys; the store
    # reads them so): then the id each code stands for, by code, for the few an
    # explanation names. Text ids are coded by the run itself.
    account_ids: pd.Series | None = None

    def frames(self) -> dict[str, pd.DataFrame]:
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name != "account_ids"}


@dataclass
class RunResult:
    events: pd.DataFrame  # this run's ownership events, in order
    capacity: pd.DataFrame  # each rep's capacity for the run
    return_decisions: pd.DataFrame  # every return seen this run: accepted or rejected, why
    claim_decisions: pd.DataFrame  # queue mode: every claim decided this run, and why
    distribution_seconds: float = 0.0  # filling free slots, events included (for benchmarks)
    # Every account's state in every lane after the run (allocation.states).
    states: pd.DataFrame = field(default_factory=pd.DataFrame)


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
    taken = ["account_id", "segment", "priority", VALUE_RANK, "holder"]
    assigned = distribute(pool[[c for c in taken if c in pool]], reps)
    if assigned.empty:
        return step_frame([])
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
            "account_id": rows["account_id"].to_numpy(dtype="int64"),  # codes (allocation.keys)
            # Objects, as _hashable makes the inputs: pandas' isin hashes them quickly.
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


OUTPUTS = ("events", "states", "return_decisions", "claim_decisions")  # with account ids


def _coded(inputs: Inputs) -> tuple[Inputs, AccountCodes]:
    """`inputs` with every account id as its code (allocation.keys)."""
    keyed = {name: frame for name, frame in inputs.frames().items() if "account_id" in frame}
    names = ["accounts", *(name for name in keyed if name != "accounts")]
    codes, columns = AccountCodes.of(*(keyed[name]["account_id"] for name in names))
    coded = {name: keyed[name].assign(account_id=c) for name, c in zip(names, columns, strict=True)}
    return replace(inputs, **coded), codes


def _named(result: RunResult, codes: AccountCodes | None) -> RunResult:
    """`result` with every account id an integer code, as the run was given them (a frame
    made of no rows, concatenated with others, leaves them Python objects), or the id
    each stands for when the run coded text itself (`codes`)."""
    out = {}
    for name in OUTPUTS:
        frame = getattr(result, name)
        if "account_id" in frame:
            at = frame["account_id"].to_numpy(dtype="int64")
            ids = at if codes is None else pd.Series(codes.decode(at), frame.index, dtype=object)
            frame = frame.assign(account_id=ids)
        out[name] = frame
    if codes is not None:  # the log's text
        out["events"] = out["events"].astype({"account_id": EVENT_COLUMNS["account_id"]})
    return replace(result, **out)


@dataclass
class _Lane:
    """One lane's state through a run: its reps, books and the events so far."""

    name: str
    capacity: pd.DataFrame
    books: pd.DataFrame
    rows: list[pd.DataFrame] = field(default_factory=list)  # the lane's events, in order
    from_departed: dict[str, str] = field(default_factory=dict)
    # The lane's eligible pool, keyed by eligibility, less what distribution or claims took.
    queue: pd.DataFrame = field(default_factory=pd.DataFrame)

    def record(self, new_rows: pd.DataFrame, leaving: bool = True) -> None:
        self.rows.append(new_rows.assign(lane=self.name))
        if leaving:
            self.books = self.books[~self.books["account_id"].isin(new_rows["account_id"])]

    def enter(self, new_rows: pd.DataFrame, as_of: dt.date) -> None:
        """Records accounts sent to books from the queue (distribution or claims)."""
        self.rows.append(new_rows.assign(lane=self.name))
        taken = new_rows[new_rows["to_rep_id"].notna()]
        entered = _books(taken, as_of, "").assign(entered_by=taken["kind"].to_numpy())
        self.books = pd.concat([self.books, entered], ignore_index=True)
        self.queue = self.queue[~self.queue["account_id"].isin(taken["account_id"])]


def _leave(
    lane: _Lane,
    inputs: Inputs,
    rules: Rules,
    as_of: dt.date,
    first_run: bool,
    outside: pd.Series,
    switching: bool,
):
    """Returns, retrieval and departures for one lane; the return decisions."""
    accounts = inputs.accounts
    info = accounts.set_index("account_id")  # indexed once: each lookup reuses its hashing
    priority = info["priority"]
    if first_run:
        adopted = adopt_crm_owners(accounts, lane.capacity)
        lane.record(adopted, leaving=False)
        lane.books = _books(adopted, as_of, ADOPTION)
    if "review_decision" in accounts:
        retired = set(accounts.loc[accounts["review_decision"] == "retire", "account_id"])
        books = lane.books
        lane.record(
            step_frame(
                [
                    step_event(
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
    returned, decisions = decide_returns(
        returns, lane.books, lane_events, rules, as_of, accounts, lane.capacity, outside
    )
    lane.record(returned)
    first_day = as_of if first_run else inputs.events["as_of_date"].min().date()
    lane.record(
        switch.trim(
            lane.books,
            inputs.activity,
            lane.capacity,
            info,
            rules,
            as_of,
            switch.last_switch(rules, first_day, as_of),
            outside,
            receiving_compete=switching,
        )
    )
    lane.record(
        retrieve(lane.books, inputs.activity, lane.capacity, rules, as_of, priority, outside)
    )
    active_users = (
        set(inputs.users.loc[inputs.users["is_active"].astype(bool), "user_id"])
        if not inputs.users.empty
        else None
    )
    departed = departures(
        lane.books, lane.capacity, inputs.reps, accounts, rules, outside, active_users
    )
    lane.record(departed)
    held = departed["to_rep_id"].notna()
    lane.books = pd.concat([lane.books, _books(departed[held], as_of, REDISTRIBUTION)])
    freed = departed[~held]
    lane.from_departed = dict(zip(freed["account_id"], freed["from_rep_id"], strict=True))
    return decisions


def _rivals(
    lane: _Lane,
    pool: pd.DataFrame,
    inputs: Inputs,
    rules: Rules,
    as_of: dt.date,
    first_run: bool,
    outside: pd.Series,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """At a switch (allocation.switch), the accounts reps own and do not work leave their
    books to compete with the lane's eligible `pool`: (those book rows, the pool with them,
    each under its `holder`)."""
    rivals = switch.competitors(
        lane.books, inputs.activity, lane.capacity, outside, rules, as_of, first_run
    )
    lane.books = lane.books[~lane.books["account_id"].isin(rivals["account_id"])]
    owned = inputs.accounts[inputs.accounts["account_id"].isin(rivals["account_id"])]
    owned = owned[(owned["priority"] >= rules.distribution.min_priority).to_numpy()]
    holder = dict(zip(rivals["account_id"], rivals["rep_id"], strict=True))
    return rivals, pd.concat(
        [pool.assign(holder=None), owned.assign(holder=owned["account_id"].map(holder))]
    )


def _compete(
    lane: _Lane,
    pool: pd.DataFrame,
    cap: pd.DataFrame,
    rivals: pd.DataFrame,
    inputs: Inputs,
    rules: Rules,
    as_of: dt.date,
    outside: pd.Series,
    named: Callable[[Any], str],
) -> None:
    """The switch's distribution: the lane's capacity filled from the pool and the rivals
    together (whatever the weekday: the switch day is a distribution day), then what each
    rival came to (`switch.settle`)."""
    offered = _distribute(pool, cap, lane.books, lane.from_departed, outside)
    kept, exits, entering = switch.settle(rivals, offered, inputs.accounts, rules, as_of, named)
    lane.books = pd.concat([lane.books, kept], ignore_index=True)
    lane.rows.append(exits.assign(lane=lane.name))
    lane.enter(entering, as_of)
    lane.queue = lane.queue[~lane.queue["account_id"].isin(kept["account_id"])]
    if rules.exit_rest_days.transition:  # resting, not queued
        lane.queue = lane.queue[~lane.queue["account_id"].isin(exits["account_id"])]
    lane.queue = lane.queue.drop(columns="holder")


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
    return pd.concat([step_frame([]), *(f for lane in lanes for f in lane.rows)], ignore_index=True)


def run(
    inputs: Inputs, rules: Rules, as_of: dt.date, run_id: str, with_states: bool = True
) -> RunResult:
    """Computes the events of `as_of` from the state before it.

    Events already logged on or after `as_of` are ignored, which is what makes a re-run of
    the same date replace its events instead of adding to them. With shared ownership each
    role is a lane with its own books; otherwise there is one lane. `with_states: False`
    leaves out every account's state after the run (a simulated year has no marts to
    feed); the events and decisions are the same either way.
    """
    if "lane" not in inputs.events:
        inputs = replace(inputs, events=inputs.events.assign(lane=SOLE_LANE))
    inputs = replace(inputs, **{name: _hashable(f) for name, f in inputs.frames().items()})
    codes, named = None, str
    if not pd.api.types.is_integer_dtype(inputs.accounts["account_id"]):
        inputs, codes = _coded(inputs)
        named = codes.ids.__getitem__
    elif inputs.account_ids is not None:
        named = inputs.account_ids.iloc.__getitem__
    # A default index: the account states find accounts by position.
    inputs = replace(inputs, accounts=with_value_rank(inputs.accounts).reset_index(drop=True))
    capacity = rep_capacity(inputs.reps, rules, as_of)
    shared = rules.distribution.shared_ownership
    capacity["lane"] = capacity["role"].astype(str) if shared else SOLE_LANE
    prior = latest_events(inputs.events, as_of)  # the log is read once a run
    books = books_of(prior)
    first_run = inputs.events.empty
    lanes = [
        _Lane(name, capacity[capacity["lane"] == name], books[books["lane"] == name])
        for name in rules.lanes
    ]
    outside = out_of_scope(inputs.accounts)
    first_day = as_of if first_run else inputs.events["as_of_date"].min().date()
    # The switch from static territories fills books: in queue mode reps claim instead, and
    # `transition.trim: false` leaves the adopted books as they are.
    switching = (
        rules.transition.trim
        and rules.distribution.mode == Mode.NAMED
        and as_of in switch.switch_days(rules, first_day)
    )
    decisions = [
        _leave(lane, inputs, rules, as_of, first_run, outside, switching) for lane in lanes
    ]

    # Judged on each account's latest events, this run's exits included; what enters books
    # below leaves the pool, so these stay the pool's states after the run.
    so_far = with_run(prior, make_events(_run_rows(lanes), run_id, as_of))
    pool_states = in_pool(inputs.accounts, None, rules, as_of, so_far)
    eligible = (pool_states["state"] == ELIGIBLE).to_numpy()
    queue, not_queued = inputs.accounts[eligible], pool_states.loc[~eligible, "state_reason"]
    claim_decisions, distributing = [], 0.0
    for lane in lanes:
        pool = queue[~queue["account_id"].isin(lane.books["account_id"])]
        rivals = None
        if switching:
            rivals, pool = _rivals(lane, pool, inputs, rules, as_of, first_run, outside)
        cap = lane.capacity
        pool, cap = eligibility_keys(pool, cap, inputs.reps, rules, as_of)
        lane.queue = pool
        if rules.distribution.mode == Mode.QUEUE:
            claims = _undecided(inputs.claims, inputs.decided_claims, "claimed_at", as_of)
            claimed, decided = process_claims(
                claims,
                pool,
                _with_free_slots(cap, lane.books, outside),
                lane.books,
                not_queued,
            )
            lane.enter(step_frame(claimed), as_of)
            claim_decisions.append(decided)
        elif switching:
            started = time.perf_counter()
            _compete(lane, pool, cap, rivals, inputs, rules, as_of, outside, named)
            distributing += time.perf_counter() - started
            claim_decisions.append(_named_mode_claims(inputs, cap, as_of))
        else:
            if as_of.isoweekday() in rules.distribution.weekdays:
                started = time.perf_counter()
                offered = _distribute(pool, cap, lane.books, lane.from_departed, outside)
                lane.enter(offered, as_of)
                distributing += time.perf_counter() - started
            claim_decisions.append(_named_mode_claims(inputs, cap, as_of))
    new_events = make_events(_run_rows(lanes), run_id, as_of)
    if with_states and switching and rules.exit_rest_days.transition:  # the switch's rests
        pool_states = in_pool(inputs.accounts, None, rules, as_of, with_run(prior, new_events))
    states = (
        account_states(
            inputs.accounts,
            [(lane.name, lane.books, lane.queue, lane.capacity) for lane in lanes],
            pool_states,
            inputs.activity,
            outside,
            rules,
            as_of,
        )
        if with_states
        else pd.DataFrame()
    )
    result = RunResult(
        new_events,
        capacity,
        pd.concat(decisions, ignore_index=True),
        pd.concat(claim_decisions, ignore_index=True)
        if claim_decisions
        else pd.DataFrame(columns=CLAIM_DECISION_COLUMNS),
        distributing,
        states,
    )
    return _named(result, codes)
