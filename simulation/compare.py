"""Policies compared on the same markets: every policy runs each seed's market, and each
figure is reported as its mean and the paired difference against static territories, with
a 95 % interval over the seeds (Student's t)."""

from __future__ import annotations

import math
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from simulation.market import draw
from simulation.metrics import METRICS, Outcome
from simulation.policies import POLICIES
from simulation.run import simulate
from simulation.scenario import Scenario

BASELINE = "static"
DEFAULT_POLICIES = ("static", "wild_west", "round_robin", "claim_queue", "dynamic")


@dataclass
class Comparison:
    scenario: Scenario
    policies: list[str]
    seeds: list[int]
    outcomes: dict[str, list[Outcome]]
    seconds: dict[str, float] = field(default_factory=dict)  # per policy, summed over seeds

    def values(self, policy: str, metric: str) -> np.ndarray:
        return np.array([o.figures[metric] for o in self.outcomes[policy]], dtype=float)

    def lift(self, policy: str, metric: str) -> tuple[float, float, float]:
        """The mean paired difference against static, and its 95 % interval (the mean alone,
        twice, when one seed or expected values leave no spread to estimate)."""
        diff = self.values(policy, metric) - self.values(BASELINE, metric)
        diff = diff[~np.isnan(diff)]
        if len(diff) == 0:
            return (math.nan, math.nan, math.nan)
        mean = float(diff.mean())
        if len(diff) < 2:
            return (mean, mean, mean)
        half = stats.t.ppf(0.975, len(diff) - 1) * diff.std(ddof=1) / math.sqrt(len(diff))
        return (mean, mean - half, mean + half)

    def table(self) -> pd.DataFrame:
        """One row per figure and policy: the mean over seeds and the lift against static."""
        rows = []
        for metric, (label, unit, better) in METRICS.items():
            for policy in self.policies:
                seen = self.values(policy, metric)
                seen = seen[~np.isnan(seen)]
                mean = float(seen.mean()) if len(seen) else math.nan
                lift = self.lift(policy, metric) if BASELINE in self.outcomes else (math.nan,) * 3
                rows.append(
                    {
                        "metric": metric,
                        "label": label,
                        "unit": unit,
                        "higher_is_better": better,
                        "policy": policy,
                        "mean": mean,
                        "lift": lift[0],
                        "low": lift[1],
                        "high": lift[2],
                    }
                )
        return pd.DataFrame(rows)


def _seed(args) -> tuple[int, dict[str, Outcome], dict[str, float]]:
    scenario, policies, seed = args
    market = draw(scenario, seed)
    outcomes, seconds = {}, {}
    for policy in policies:
        started = time.perf_counter()
        outcomes[policy] = simulate(scenario, policy, seed, market)
        seconds[policy] = time.perf_counter() - started
    return seed, outcomes, seconds


def compare(
    scenario: Scenario,
    policies: list[str] | tuple[str, ...] = DEFAULT_POLICIES,
    seeds: list[int] | None = None,
    workers: int = 1,
) -> Comparison:
    """Every policy on each seed's market; seeds run in `workers` processes."""
    unknown = sorted(set(policies) - set(POLICIES))
    if unknown:
        raise ValueError(f"unknown policy {', '.join(unknown)}; known: {', '.join(POLICIES)}")
    policies = [BASELINE, *(p for p in policies if p != BASELINE)]
    seeds = list(seeds if seeds is not None else [0])
    jobs = [(scenario, policies, seed) for seed in seeds]
    if workers > 1 and len(seeds) > 1:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            done = list(pool.map(_seed, jobs))
    else:
        done = [_seed(job) for job in jobs]
    done.sort(key=lambda d: d[0])
    outcomes = {p: [d[1][p] for d in done] for p in policies}
    seconds = {p: sum(d[2][p] for d in done) for p in policies}
    return Comparison(scenario, policies, seeds, outcomes, seconds)
