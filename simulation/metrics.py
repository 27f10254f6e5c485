"""What a simulated year is judged by: the figures the issue names, each computed once
from the year's log (`world.Log`), and the series the report draws."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from simulation.market import Market
from simulation.scenario import Scenario

# name -> (label, unit, higher is better): the order the table and the forest plot follow.
METRICS = {
    "opportunities": ("Opportunities", "", True),
    "productivity": ("Book productivity (opportunities / accounts worked)", "%", True),
    "coverage_7d": ("In-market A/B accounts touched within 7 days of the spell", "%", True),
    "coverage_30d": ("In-market A/B accounts touched within 30 days of the spell", "%", True),
    "utilisation": ("Rep utilisation (worked / capacity)", "%", True),
    "idle_capacity": ("Idle capacity (free slots per rep)", "", False),
    "owned_unworked": ("Owned but unworked accounts (hoarding)", "", False),
    "gini": ("Gini of opportunities per rep", "", False),
    "changes_per_account_year": ("Ownership changes per account-year", "", False),
    "departure_loss": ("Opportunities in the 90 days after a departure, less before", "", True),
}
PERCENT = {k for k, (_, unit, _) in METRICS.items() if unit == "%"}
DECIMALS = {"gini": 3, "changes_per_account_year": 2}  # the others: one


@dataclass
class Outcome:
    figures: dict[str, float]
    weekly_opportunities: np.ndarray  # cumulative, by week
    utilisation_by_rep_week: np.ndarray  # reps x weeks
    owned: np.ndarray  # per day, all reps
    worked: np.ndarray  # per day, all reps
    pool: np.ndarray  # per day
    reps: list[str] = field(default_factory=list)
    departures: list[int] = field(default_factory=list)


def gini(values: np.ndarray) -> float:
    """0 when every rep makes the same, towards 1 when one rep makes it all."""
    values = np.sort(np.asarray(values, dtype=float))
    if len(values) == 0 or values.sum() == 0:
        return 0.0
    n = len(values)
    return float(2 * np.sum(np.arange(1, n + 1) * values) / (n * values.sum()) - (n + 1) / n)


def _coverage(scenario: Scenario, market: Market, delays, within: int) -> float:
    """Share of the A/B buying spells started with `within` days of the year left whose
    account was touched within `within` days of the start (`delays`: start day, delay in
    days and account of every spell's first touch)."""
    last = scenario.days - within
    started = (market.spell_age[:last] == 0) & ~market.always[None, :]
    started &= np.isin(market.tier, ["A", "B"])[None, :]
    spells = int(started.sum())
    if not spells:
        return float("nan")
    ab = np.isin(market.tier, ["A", "B"])
    touched = sum(
        1 for start, delay, account in delays if start < last and delay <= within and ab[account]
    )
    return touched / spells


def measure(scenario: Scenario, market: Market, world) -> Outcome:
    log = world.log
    days, reps = log.worked.shape
    opportunities = float(log.opportunities.sum())
    cap = log.capacity.astype(float)
    staffed = cap > 0
    utilisation = (
        float((log.worked[staffed] / cap[staffed]).clip(max=1).mean()) if staffed.any() else 0.0
    )
    idle = float(np.clip(cap - log.worked, 0, None)[staffed].mean()) if staffed.any() else 0.0
    unworked = float(np.clip(log.owned - log.worked, 0, None).sum(axis=1).mean())
    ever = staffed.any(axis=0)
    per_rep = log.opportunities.sum(axis=0)[ever]
    account_years = market.size * days / 365
    ends = np.minimum(
        (np.arange(log.opportunities.shape[0]) + 1) * scenario.cycle_days - 1, days - 1
    )
    team = log.opportunities.sum(axis=1)
    losses = []
    for d in scenario.team.departures:
        after = team[(ends >= d.day) & (ends < d.day + 90)].sum()
        before = team[(ends >= d.day - 90) & (ends < d.day)].sum()
        losses.append(after - before)
    weeks = -(-days // 7)
    cumulative = np.cumsum(np.bincount(ends // 7, weights=team, minlength=weeks))[:weeks]
    ratio = np.divide(log.worked, cap, out=np.zeros_like(cap), where=staffed).clip(max=1)
    by_week = np.array([ratio[w * 7 : (w + 1) * 7].mean(axis=0) for w in range(weeks)]).T
    return Outcome(
        figures={
            "opportunities": opportunities,
            "productivity": opportunities / log.worked_account_cycles
            if log.worked_account_cycles
            else 0.0,
            "coverage_7d": _coverage(scenario, market, log.spell_delays, 7),
            "coverage_30d": _coverage(scenario, market, log.spell_delays, 30),
            "utilisation": utilisation,
            "idle_capacity": idle,
            "owned_unworked": unworked,
            "gini": gini(per_rep),
            "changes_per_account_year": log.ownership_changes / account_years,
            "departure_loss": float(np.mean(losses)) if losses else float("nan"),
        },
        weekly_opportunities=cumulative,
        utilisation_by_rep_week=by_week,
        owned=log.owned.sum(axis=1),
        worked=log.worked.sum(axis=1),
        pool=log.pool,
        reps=list(world.names),
        departures=[d.day for d in scenario.team.departures],
    )
