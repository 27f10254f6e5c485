"""One simulated year of one policy on one seed's market: who owns what, who works what,
the touches reps spend, and what the market answers.

Each day the policy moves ownership (`policies.py`), each rep touches the accounts they work
in turn with their daily touch budget, and at the end of each cycle every worked account
meets the response (`respond`): an opportunity with probability

    p = p_max[fit, state] * (1 - exp(-k * touches)) * 0.5 ** (days_in_spell / half_life) * skill

and, without one, a return at the market's rate, for the seed's reasons. Everything random
was drawn before the year began (`market.draw`), so every policy meets the same luck.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from allocation.capacity import DEPARTED, NOT_STARTED, rep_capacity
from engagement.rules import Rules
from simulation.market import OUT, Market
from simulation.scenario import Scenario

# Simulated day 0: a Monday in the past, so a day emitted as landing files is a date the
# pipeline may run.
DAY0 = dt.date(2026, 1, 5)
NOBODY = -1


def date_of(day: int) -> dt.date:
    return DAY0 + dt.timedelta(days=int(day))


@dataclass
class Log:
    """What a year leaves to measure (`metrics.py`)."""

    opportunities: np.ndarray  # per cycle and rep
    worked: np.ndarray  # per day and rep: accounts worked
    owned: np.ndarray  # per day and rep: new-business accounts owned
    capacity: np.ndarray  # per day and rep
    touches: np.ndarray  # per day and rep
    pool: np.ndarray  # per day: accounts in no book, neither converted nor resting
    ownership_changes: int = 0
    worked_account_cycles: int = 0
    # Each buying spell's first touch: (start day, delay in days, account).
    spell_delays: list[tuple[int, int, int]] = field(default_factory=list)


class World:
    """The state a policy acts on: ownership, work, rests, conversions, and the log."""

    def __init__(self, scenario: Scenario, market: Market, seed: int):
        self.scenario, self.market, self.seed = scenario, market, seed
        self.rules: Rules = scenario.engine_rules
        self._capacity: tuple[int, pd.DataFrame | None] = (-1, None)  # the day's, kept
        self._priority: tuple[int, np.ndarray | None] = (-1, None)
        self.names = scenario.team.names + list(scenario.team.hires)
        self.roster = self._roster()  # backfills join the names
        n, reps, days = market.size, len(self.names), scenario.days
        self.owner = np.full(n, NOBODY, dtype=np.int64)
        self.converted = np.zeros(n, dtype=bool)
        self.resting_until = np.full(n, -1, dtype=np.int64)  # a returned account's rest
        self.returned_by = np.full(n, NOBODY, dtype=np.int64)
        # The days a rep's capacity can change (a start, a ramp step, a departure): between
        # them the day before's answer stands.
        starts = (self.roster["start_date"] - pd.Timestamp(DAY0)).dt.days
        left = (self.roster["departed_on"] - pd.Timestamp(DAY0)).dt.days.dropna()
        steps = [starts + step.days for step in self.rules.ramp]
        self._changes = sorted(
            {0, *starts.tolist(), *left.astype(int).tolist(), *pd.concat(steps).tolist()}
        )
        specs = {r.name: r for r in scenario.team.roster}
        team = scenario.team
        self.touch_budget = np.array(
            [
                (
                    specs[name].daily_touches
                    if name in specs and specs[name].daily_touches is not None
                    else team.daily_touches
                )
                for name in self.names
            ]
        )
        self.skill = self._skills(np.random.default_rng([seed, 7]))
        self.work: list[list[int]] = [[] for _ in self.names]  # per rep, in touching order
        self.pointer = np.zeros(reps, dtype=np.int64)
        self.credit = np.zeros(reps)  # touches not yet spent (budgets are fractional)
        self.cycle_touches = np.zeros(n, dtype=np.int64)
        self.first_touch = np.full(n, -1, dtype=np.int64)  # this cycle's
        self.last_touch = {}  # (account, rep) -> day: the engine's meaningful activity
        self.spell_start = np.full(n, -1, dtype=np.int64)
        self.spell_seen = np.zeros(n, dtype=bool)
        self.returns_today: list[tuple[int, int, str]] = []  # (account, rep, reason)
        # With `trace`, what happened, for landing files: touches (account, rep, day),
        # returns (account, rep, day, reason) and opportunities (account, rep, day).
        self.trace: dict[str, list] | None = None
        cycles = -(-days // scenario.cycle_days)
        self.log = Log(
            opportunities=np.zeros((cycles, reps)),
            worked=np.zeros((days, reps), dtype=np.int64),
            owned=np.zeros((days, reps), dtype=np.int64),
            capacity=np.zeros((days, reps), dtype=np.int64),
            touches=np.zeros((days, reps)),
            pool=np.zeros(days, dtype=np.int64),
        )
        # Changes of owner count from the static territories the team starts from: the
        # CRM as it stands before the year.
        self._yesterday = np.where(market.territory >= 0, market.territory, NOBODY).astype(np.int64)

    # -- the team -------------------------------------------------------------------------

    def _roster(self) -> pd.DataFrame:
        """The reps as the engine's roster (stg_books__reps' columns)."""
        team = self.scenario.team
        specs = {r.name: r for r in team.roster}
        leaving = {d.rep: d for d in team.departures}
        rows = []
        for i, name in enumerate(self.names):
            spec = specs.get(name)
            start = team.hires.get(name, spec.start_day if spec else -365)
            departure = leaving.get(name)
            rows.append(
                {
                    "rep_id": name,
                    "role": "AE",
                    "segments": "smb",
                    "target_book_size_override": (
                        spec.capacity if spec and spec.capacity is not None else team.capacity
                    ),
                    "start_date": pd.Timestamp(date_of(start)),
                    "unavailable_until": pd.NaT,
                    "departed_on": pd.Timestamp(date_of(departure.day)) if departure else pd.NaT,
                    "manager_id": None,
                    "seat": i,
                }
            )
        # A backfill is a new rep in the departed one's seat, from the backfill day.
        for d in team.departures:
            if d.backfill_day is not None:
                seat = self.names.index(d.rep)
                self.names.append(f"{d.rep}_backfill")
                rows.append(
                    rows[seat]
                    | {
                        "rep_id": self.names[-1],
                        "departed_on": pd.NaT,
                        "start_date": pd.Timestamp(date_of(d.backfill_day)),
                        "seat": seat,
                    }
                )
        return pd.DataFrame(rows)

    def _skills(self, rng) -> np.ndarray:
        specs = {r.name: r for r in self.scenario.team.roster}
        spread = self.scenario.team.skill_spread
        drawn = 1 + spread * (2 * rng.random(len(self.names)) - 1)
        return np.array(
            [specs[n].skill if n in specs else drawn[i] for i, n in enumerate(self.names)]
        )

    def capacity(self, day: int) -> pd.DataFrame:
        """Each rep's status and capacity on `day`: the engine's own rule (ramp included),
        for every policy alike."""
        since = max(d for d in self._changes if d <= day) if day >= 0 else day
        if self._capacity[0] != since:
            cap = rep_capacity(self.roster, self.rules, date_of(day))
            # rep_capacity sorts by rep id; the world counts reps by their place.
            cap = cap.set_index("rep_id").loc[self.names].reset_index()
            self._capacity = (since, cap)
        return self._capacity[1]

    def active(self, day: int) -> np.ndarray:
        cap = self.capacity(day)
        return ~cap["status"].isin([DEPARTED, NOT_STARTED]).to_numpy()

    # -- the market's view ----------------------------------------------------------------

    def priority(self, day: int) -> np.ndarray:
        """Each account's priority on `day`, as account_scores blends fit and timing."""
        if self._priority[0] != day:
            timing = self.market.timing(
                day, self.rules.timing.half_life_days, self.rules.timing.lookback_days
            )
            w = self.rules.priority
            blend = np.round(w.fit_weight * self.market.fit + w.timing_weight * timing, 4)
            self._priority = (day, blend)
        return self._priority[1]

    def available(self, day: int) -> np.ndarray:
        """New business nobody rests: what a policy may hand out."""
        return ~self.converted & (self.resting_until <= day)

    # -- a day ----------------------------------------------------------------------------

    def set_work(self, rep: int, accounts) -> None:
        """The accounts `rep` works, in the order they stay in: kept ones first, as before."""
        wanted = [int(a) for a in accounts]
        keep = set(wanted)
        kept = [a for a in self.work[rep] if a in keep]
        had = set(kept)
        self.work[rep] = kept + [a for a in wanted if a not in had]
        if self.pointer[rep] >= len(self.work[rep]):
            self.pointer[rep] = 0

    def touch(self, day: int) -> None:
        """Every active rep spends the day's touches on their accounts in turn."""
        age = self.market.spell_age[day]
        starting = (age == 0) & ~self.market.always
        self.spell_start[starting] = day
        self.spell_seen[starting] = False
        cap = self.capacity(day)
        ramp = cap["ramp_share"].to_numpy()
        active = ~cap["status"].isin([DEPARTED, NOT_STARTED]).to_numpy()
        for rep, work in enumerate(self.work):
            if not active[rep] or not work:
                continue
            self.credit[rep] += self.touch_budget[rep] * ramp[rep]
            spend = int(self.credit[rep] + 1e-9)
            self.credit[rep] -= spend
            if spend == 0:
                continue
            n = len(work)
            picks = [work[(self.pointer[rep] + i) % n] for i in range(spend)]
            self.pointer[rep] = (self.pointer[rep] + spend) % n
            for account in picks:
                self.cycle_touches[account] += 1
                if self.first_touch[account] < 0:
                    self.first_touch[account] = day
                self.last_touch[(account, rep)] = day
                if self.trace is not None:
                    self.trace["touches"].append((account, rep, day))
                if age[account] != OUT and not self.spell_seen[account]:
                    self.spell_seen[account] = True
                    if self.spell_start[account] >= 0:
                        start = int(self.spell_start[account])
                        self.log.spell_delays.append((start, day - start, account))
            self.log.touches[day, rep] = spend
        self._record(day, cap)

    def _record(self, day: int, cap: pd.DataFrame) -> None:
        scope = ~self.converted
        held = np.bincount(self.owner[scope & (self.owner >= 0)], minlength=len(self.names))
        self.log.owned[day] = held[: len(self.names)]
        self.log.worked[day] = [len(w) for w in self.work]
        self.log.capacity[day] = cap["capacity"].to_numpy()
        self.log.pool[day] = int((self.available(day) & (self.owner == NOBODY)).sum())
        self.log.ownership_changes += int((self.owner != self._yesterday).sum())
        self._yesterday = self.owner.copy()

    def respond(self, day: int) -> None:
        """The end of a cycle: every account touched in it meets the response, then a
        return at the market's rate if it made no opportunity."""
        cycle = day // self.scenario.cycle_days
        m, market = self.scenario.market, self.market
        touched = np.flatnonzero(self.cycle_touches > 0)
        self.log.worked_account_cycles += len(touched)
        first = self.first_touch[touched]
        age = market.spell_age[first, touched]
        in_market = age != OUT
        fresh = market.always[touched]
        decay = np.where(in_market & ~fresh, 0.5 ** (np.maximum(age, 0) / m.half_life_days), 1.0)
        p_max = np.array(
            [
                m.p_max[t]["in" if i else "out"]
                for t, i in zip(market.tier[touched], in_market, strict=True)
            ]
        )
        worker = self.owner[touched]
        skill = np.where(worker >= 0, self.skill[np.maximum(worker, 0)], 1.0)
        t = self.cycle_touches[touched]
        p = np.minimum(1.0, p_max * (1 - np.exp(-m.response_k * t)) * decay * skill)
        credited = worker >= 0
        if self.scenario.expected_value:
            np.add.at(self.log.opportunities[cycle], worker[credited], p[credited])
            won = np.zeros(len(touched), dtype=bool)
        else:
            won = market.u_convert[cycle, touched] < p
            np.add.at(self.log.opportunities[cycle], worker[won & credited], 1.0)
            self.converted[touched[won]] = True
        rate = np.where(in_market, m.returns_in_market, m.returns_out_of_market)
        back = ~won & credited & (market.u_return[cycle, touched] < rate)
        for account, rep, inside, tier in zip(
            touched[back], worker[back], in_market[back], market.tier[touched[back]], strict=True
        ):
            reason = "not_icp" if tier == "C" else "disqualified" if inside else "no_response"
            self.returns_today.append((int(account), int(rep), reason))
            if self.trace is not None:
                self.trace["returns"].append((int(account), int(rep), day, reason))
        if self.trace is not None:
            self.trace["opportunities"] += [
                (int(a), int(r), day) for a, r in zip(touched[won], worker[won], strict=True)
            ]
        self.cycle_touches[:] = 0
        self.first_touch[:] = -1

    def rest_days(self, reason: str) -> int:
        return self.rules.return_reasons.get(reason, 0)

    def cycle_ends(self, day: int) -> bool:
        c = self.scenario.cycle_days
        return day % c == c - 1 or day == self.scenario.days - 1
