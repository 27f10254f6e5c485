"""A market drawn for one seed: accounts with fit tiers, who is in market on which day,
the timing signals that fire, and every uniform an outcome will be judged against.

Random numbers are common across policies: everything random about the market is drawn
here, once per seed, before any policy acts, so two policies meet the same accounts in the
same states and the same luck, and their paired difference is tight.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simulation.scenario import TIERS, Scenario

# The fit score a tier stands for, as account_scores would give it (0-100).
FIT = {"A": 90.0, "B": 60.0, "C": 30.0}
# The timing points a fresh signal is worth (a pricing-page visit at full strength).
SIGNAL_POINTS = 40.0
OUT = -1  # days_in_spell of an account out of market


@dataclass
class Market:
    tier: np.ndarray  # per account: "A" / "B" / "C"
    fit: np.ndarray  # per account: 0-100
    territory: np.ndarray  # per account: the rep index whose static territory holds it
    always: np.ndarray  # per account: in market all year at full strength
    # Per day and account: days since the buying spell started, OUT when out of market.
    spell_age: np.ndarray
    signal_day: np.ndarray  # per signal: the day it fired
    signal_account: np.ndarray  # per signal: its account
    u_convert: np.ndarray  # per cycle and account: the uniform an opportunity is drawn by
    u_return: np.ndarray  # per cycle and account: the uniform a return is drawn by
    u_view: np.ndarray  # per account: how a rep misjudges it in a noisy queue (normal)

    @property
    def size(self) -> int:
        return len(self.tier)

    def in_market(self, day: int) -> np.ndarray:
        return self.spell_age[day] != OUT

    def timing(self, day: int, half_life: float, lookback: int) -> np.ndarray:
        """Each account's timing score on `day`: its signals' points, halved every
        `half_life` days, over `lookback` days, capped at 100 (as int_signals__decayed)."""
        fired = (self.signal_day <= day) & (self.signal_day > day - lookback)
        age = day - self.signal_day[fired]
        points = SIGNAL_POINTS * 0.5 ** (age / half_life)
        score = np.bincount(self.signal_account[fired], weights=points, minlength=self.size)
        return np.minimum(score, 100.0)


def _spells(rng, n: int, days: int, share: float, mean_days: float) -> np.ndarray:
    """Days since each account's spell started, per day (OUT when out of market): a two-
    state Markov chain started from its stationary state, spell ages included."""
    leave = 1.0 / mean_days
    enter = share / (1 - share) * leave
    age = np.where(rng.random(n) < share, rng.geometric(leave, n) - 1, OUT)
    moves = rng.random((days, n))
    out = np.empty((days, n), dtype=np.int32)
    for day in range(days):
        was_in = age != OUT
        ends = was_in & (moves[day] < leave)
        starts = ~was_in & (moves[day] < enter)
        age = np.where(ends, OUT, np.where(starts, 0, np.where(was_in, age + 1, OUT)))
        out[day] = age
    return out


def draw(scenario: Scenario, seed: int) -> Market:
    """The market of `scenario` for `seed`."""
    rng = np.random.default_rng([seed, 20261207])
    m, names = scenario.market, scenario.team.names
    days, cycles = scenario.days, -(-scenario.days // scenario.cycle_days)
    if m.groups:
        tier = np.concatenate([np.full(g.count, g.tier) for g in m.groups])
        always = np.concatenate([np.full(g.count, g.in_market == "always") for g in m.groups])
        never = np.concatenate([np.full(g.count, g.in_market == "never") for g in m.groups])
        territory = np.concatenate(
            [np.full(g.count, names.index(g.territory) if g.territory else -1) for g in m.groups]
        )
    else:
        tier = rng.choice(np.array(TIERS), m.accounts, p=[m.tiers.get(t, 0) for t in TIERS])
        always = np.zeros(m.accounts, dtype=bool)
        never = np.zeros(m.accounts, dtype=bool)
        territory = np.full(m.accounts, -1)
    n = len(tier)
    unassigned = territory < 0
    if unassigned.any():
        territory[unassigned] = _carve(rng, tier[unassigned], len(names), m.territory_skew)
    spell_age = _spells(rng, n, days, m.in_market_share, m.mean_spell_days)
    spell_age[:, always] = 0
    spell_age[:, never] = OUT
    # Signals: one when a spell starts (with the recall), and false ones at random.
    started = (spell_age == 0) & ~always[None, :]
    start_day, start_account = np.nonzero(started)
    # A spell under way at day 0 started before it: its signal may still count.
    ongoing = (spell_age[0] > 0) & ~always
    start_day = np.concatenate([start_day, -spell_age[0][ongoing]])
    start_account = np.concatenate([start_account, np.flatnonzero(ongoing)])
    recalled = rng.random(len(start_day)) < m.signal_recall
    false_count = rng.poisson(m.false_signals_per_quarter / 90 * days, n)
    false_account = np.repeat(np.arange(n), false_count)
    false_day = rng.integers(0, days, len(false_account))
    return Market(
        tier=tier,
        fit=np.array([FIT[t] for t in tier]),
        territory=territory,
        always=always,
        spell_age=spell_age,
        signal_day=np.concatenate([start_day[recalled], false_day]),
        signal_account=np.concatenate([start_account[recalled], false_account]),
        u_convert=rng.random((cycles, n)),
        u_return=rng.random((cycles, n)),
        u_view=rng.standard_normal(n),
    )


def _carve(rng, tier: np.ndarray, reps: int, skew: float) -> np.ndarray:
    """Static territories of unequal quality: every rep gets about as many accounts, but
    territory r's share of A (and B) accounts grows with a weight drawn per rep."""
    weight = rng.lognormal(0.0, skew * 0.5, reps) if skew else np.ones(reps)
    out = np.empty(len(tier), dtype=np.int64)
    for t in TIERS:
        at = np.flatnonzero(tier == t)
        share = weight if t != "C" else 1 / weight
        out[at] = rng.choice(reps, len(at), p=share / share.sum())
    return out
