"""The ways of assigning accounts the simulator compares, all on the same market.

Four are models of what teams do without dynamic books; the fifth is not a model: it is the
project's own allocation engine (`allocation.engine.run`) under the scenario's rules of
engagement, called every simulated working day with the day's scores, roster, activity and
returns. The sixth, `switch`, is static territories until the scenario's switch day and the
engine from then on, its first run the switch from static territories (`allocation.switch`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from allocation import engine
from allocation.distribution import VALUE_RANK, with_value_rank
from allocation.events import empty_events
from simulation.world import NOBODY, World, date_of

POLICIES = ("static", "wild_west", "round_robin", "claim_queue", "dynamic", "switch")
CLAIM_MULTIPLE = 3  # wild west: reps claim up to three books' worth and never let go
QUEUE_NOISE = 10.0  # claim queue: how far a rep's read of an account's priority strays


class Policy:
    name = ""

    def start(self, world: World) -> None:
        """Day 0, before any touch."""

    def day(self, world: World, day: int) -> None:
        """Moves ownership and sets what each rep works for `day`."""

    def leave(self, world: World, day: int) -> None:
        """The cycle's returns (`world.returns_today`): the rep lets them go."""
        for account, rep, reason in world.returns_today:
            world.resting_until[account] = day + world.rest_days(reason)
            world.returned_by[account] = rep
        world.returns_today.clear()


def _best(world: World, accounts: np.ndarray, priority: np.ndarray, count: int) -> np.ndarray:
    """The `count` best of `accounts` by priority (ties by account order)."""
    if count <= 0 or len(accounts) == 0:
        return accounts[:0]
    order = np.lexsort((accounts, -priority[accounts]))
    return accounts[order][:count]


class _WorkTheBest(Policy):
    """Reps own more than they can work, and work the best they own up to capacity: chosen
    when they start, and topped up with the best they own when an account converts or is
    returned (the same turnover as a book, drawn from what the rep owns)."""

    def _plan(self, world: World, day: int, whole: bool) -> None:
        cap = world.capacity(day)["capacity"].to_numpy()
        active = world.active(day)
        priority = world.priority(day)
        free = world.available(day)
        for rep in range(len(world.names)):
            if not active[rep]:
                world.set_work(rep, [])
                continue
            mine = np.flatnonzero((world.owner == rep) & free)
            if whole:
                world.set_work(rep, _best(world, mine, priority, int(cap[rep])))
                continue
            kept = [a for a in world.work[rep] if free[a] and world.owner[a] == rep]
            others = np.setdiff1d(mine, kept)
            more = _best(world, others, priority, int(cap[rep]) - len(kept))
            world.set_work(rep, kept + list(more))

    def day(self, world: World, day: int) -> None:
        self._own(world, day)
        self._plan(world, day, whole=day == 0)

    def _own(self, world: World, day: int) -> None:
        """Moves ownership (each policy its way)."""


class Static(_WorkTheBest):
    """An annual carve into territories of unequal quality (`market.territory`). A departed
    rep's territory is unworked until the backfill takes the seat."""

    name = "static"

    def _own(self, world: World, day: int) -> None:
        seat_holder = {}
        active = world.active(day)
        for rep, seat in enumerate(world.roster["seat"]):
            if active[rep]:
                seat_holder[seat] = rep
        seats = len(world.scenario.team.names)
        holder = np.array([seat_holder.get(s, NOBODY) for s in range(seats)])
        territory = world.market.territory
        world.owner = np.where(territory >= 0, holder[np.maximum(territory, 0)], NOBODY)


class WildWest(_WorkTheBest):
    """Reps claim unowned accounts up to three times their capacity, first pick by tenure,
    and never let one go; a departed rep's accounts are free to claim."""

    name = "wild_west"

    def _own(self, world: World, day: int) -> None:
        active = world.active(day)
        world.owner[(world.owner >= 0) & ~active[np.maximum(world.owner, 0)]] = NOBODY
        if day % world.scenario.cycle_days:
            return
        cap = world.capacity(day)["capacity"].to_numpy()
        priority = world.priority(day)
        tenure = world.roster["start_date"].to_numpy()
        for rep in np.argsort(tenure, kind="stable"):
            if not active[rep]:
                continue
            want = CLAIM_MULTIPLE * int(cap[rep]) - int((world.owner == rep).sum())
            free = np.flatnonzero((world.owner == NOBODY) & ~world.converted)
            world.owner[_best(world, free, priority, want)] = rep


class RoundRobin(_WorkTheBest):
    """Accounts that surface (a timing signal fires) are dealt to the reps in turn, with no
    capacity check and no retrieval."""

    name = "round_robin"

    def start(self, world: World) -> None:
        self.turn = 0

    def _own(self, world: World, day: int) -> None:
        active = np.flatnonzero(world.active(day))
        world.owner[np.isin(world.owner, np.flatnonzero(~world.active(day)))] = NOBODY
        surfaced = np.unique(world.market.signal_account[world.market.signal_day == day])
        surfaced = surfaced[(world.owner[surfaced] == NOBODY) & ~world.converted[surfaced]]
        for account in surfaced:
            if len(active):
                world.owner[account] = active[self.turn % len(active)]
                self.turn += 1


class ClaimQueue(Policy):
    """Reps below capacity pull from a ranked queue, reading each account's priority with
    noise, and keep what they take; what they return goes back to the queue to rest."""

    name = "claim_queue"

    def day(self, world: World, day: int) -> None:
        active = world.active(day)
        world.owner[(world.owner >= 0) & ~active[np.maximum(world.owner, 0)]] = NOBODY
        cap = world.capacity(day)["capacity"].to_numpy()
        view = world.priority(day) + QUEUE_NOISE * world.market.u_view
        free = world.available(day)
        queue = np.flatnonzero((world.owner == NOBODY) & free)
        queue = queue[np.lexsort((queue, -view[queue]))]
        taken = 0
        for rep in range(len(world.names)):
            if not active[rep]:
                world.set_work(rep, [])
                continue
            mine = [a for a in np.flatnonzero((world.owner == rep) & free)]
            want = int(cap[rep]) - len(mine)
            if want > 0:
                pulled = queue[taken : taken + want]
                taken += len(pulled)
                world.owner[pulled] = rep
                mine += list(pulled)
            world.set_work(rep, mine)

    def leave(self, world: World, day: int) -> None:
        for account, _, _ in world.returns_today:
            world.owner[account] = NOBODY
        super().leave(world, day)


class Dynamic(Policy):
    """The allocation engine, every working day: returns, retrieval, departures, rest and
    distribution under the scenario's rules. Day 0's run adopts the static territories as
    the CRM's owners and switches from them (`allocation.switch`)."""

    name = "dynamic"
    starts_on = 0

    def start(self, world: World) -> None:
        events = empty_events()
        self.events = events.astype({c: object for c, t in events.dtypes.items() if t == "string"})
        self.returns: list[dict] = []
        ids = np.array([f"a{i:06d}" for i in range(world.market.size)], dtype=object)
        self.ids = ids
        self.index = {a: i for i, a in enumerate(ids)}
        reps = world.roster.drop(columns="seat")
        self.reps = reps.astype({c: object for c, t in reps.dtypes.items() if t == "string"})
        self.rep_index = {n: i for i, n in enumerate(world.names)}
        if self.starts_on == 0:  # the team starts from its territories, as the CRM has them
            Static()._own(world, 0)

    def _accounts(self, world: World, day: int, crm_owner: np.ndarray) -> pd.DataFrame:
        names = np.array(world.names, dtype=object)
        owner = np.where(crm_owner >= 0, names[np.maximum(crm_owner, 0)], None)
        deals = world.converted.astype(np.int64)
        # Text as objects, as the engine takes it (pandas would infer arrow strings).
        frame = pd.DataFrame(
            {
                "account_id": pd.Series(self.ids, dtype=object),
                "crm_owner_id": pd.Series(owner, dtype=object),
                "segment": pd.Series(np.full(len(self.ids), "smb", dtype=object), dtype=object),
                "priority": world.priority(day),
                "is_new_business": ~world.converted,
                "scope_reason": pd.Series(
                    np.where(world.converted, "1 open opportunities", None), dtype=object
                ),
                "open_opportunities": deals,
            }
        )
        # One segment: an account's place in it is its place in the market.
        ranked = with_value_rank(frame)
        return ranked.assign(segment_rank=ranked[VALUE_RANK])

    def _activity(self, world: World) -> pd.DataFrame:
        if not world.last_touch:
            return pd.DataFrame(
                columns=["account_id", "rep_id", "last_meaningful_activity_on", "is_phantom_only"]
            )
        pairs = np.array(list(world.last_touch.keys()))
        days = np.array(list(world.last_touch.values()))
        return pd.DataFrame(
            {
                "account_id": pd.Series(self.ids[pairs[:, 0]], dtype=object),
                "rep_id": pd.Series(np.array(world.names, dtype=object)[pairs[:, 1]], dtype=object),
                "last_meaningful_activity_on": pd.to_datetime([date_of(0)] * len(days))
                + pd.to_timedelta(days, unit="D"),
                "is_phantom_only": False,
            }
        )

    def day(self, world: World, day: int) -> None:
        if day < self.starts_on:
            return
        date = date_of(day)
        if date.isoweekday() in world.rules.distribution.weekdays or day == self.starts_on:
            users = pd.DataFrame({"user_id": self.reps["rep_id"], "is_active": True})
            inputs = engine.Inputs(
                accounts=self._accounts(world, day, self._crm_owner(world)),
                reps=self.reps,
                events=self.events,
                activity=self._activity(world),
                returns=pd.DataFrame(
                    self.returns, columns=["account_id", "rep_id", "returned_at", "reason"]
                ),
                users=users,
            )
            result = engine.run(inputs, world.rules, date, f"sim-{day}", with_states=False)
            self.returns = []
            if len(result.events):
                # Text as objects, as the engine takes it: no conversion of a growing log
                # on every call.
                new = result.events.astype(
                    {c: object for c, t in result.events.dtypes.items() if t == "string"}
                )
                self.events = pd.concat([self.events, new], ignore_index=True)
                self._apply(world, result.events)
        for rep in range(len(world.names)):
            mine = np.flatnonzero((world.owner == rep) & ~world.converted)
            world.set_work(rep, mine)

    def _crm_owner(self, world: World) -> np.ndarray:
        """What the CRM shows on the engine's first run: the owners of the day before."""
        return world.owner

    def _apply(self, world: World, events: pd.DataFrame) -> None:
        last = events.drop_duplicates("account_id", keep="last")
        at = last["account_id"].map(self.index).to_numpy(dtype=np.int64)
        to = last["to_rep_id"].map(self.rep_index)
        world.owner[at] = to.fillna(NOBODY).to_numpy(dtype=np.int64)

    def leave(self, world: World, day: int) -> None:
        """A return goes to the engine's next run, which answers it; meanwhile the rep has
        stopped working the account."""
        for account, rep, reason in world.returns_today:
            world.owner[account] = NOBODY
            world.resting_until[account] = day + world.rest_days(reason)
            self.returns.append(
                {
                    "account_id": self.ids[account],
                    "rep_id": world.names[rep],
                    "returned_at": pd.Timestamp(date_of(day)),
                    "reason": reason,
                }
            )
        world.returns_today.clear()


class Switch(Dynamic):
    """Static territories until the scenario's switch day, then the engine: its first run
    adopts the territories as the CRM's owners and switches, what reps work protected."""

    name = "switch"

    def start(self, world: World) -> None:
        super().start(world)
        self.starts_on = world.scenario.switch_day
        self.static = Static()
        self.static.start(world)

    def day(self, world: World, day: int) -> None:
        if day < self.starts_on:
            self.static.day(world, day)
            return
        super().day(world, day)

    def leave(self, world: World, day: int) -> None:
        if day < self.starts_on:
            self.static.leave(world, day)
            return
        super().leave(world, day)


def make(name: str) -> Policy:
    return {
        "static": Static,
        "wild_west": WildWest,
        "round_robin": RoundRobin,
        "claim_queue": ClaimQueue,
        "dynamic": Dynamic,
        "switch": Switch,
    }[name]()
