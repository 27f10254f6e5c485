"""Simulator benchmark: what a simulated year costs, per policy and per engine call.

1. Per policy, one process: wall and CPU seconds per policy-year of the default market
   (10 reps, 6,000 accounts, 360 days), the median over --repeat seeds.
2. The dynamic policy's engine calls (`allocation.engine.run`): calls per year and the
   median milliseconds per call, beside the whole year's share spent in the engine.
3. The target: every policy on --seeds seeds with --workers processes, wall seconds
   against the 300 s goal, and the CPU seconds of the workers.

    python -m bench.simulate [--seeds 30] [--workers 2] [--repeat 3] [--json PATH]
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import time

from allocation import engine
from simulation.compare import DEFAULT_POLICIES, compare
from simulation.market import draw
from simulation.run import simulate
from simulation.scenario import load_scenario

GOAL_SECONDS = 300


def _cpu(who=resource.RUSAGE_SELF) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def per_policy(scenario, repeat: int) -> dict[str, dict[str, float]]:
    out = {}
    for policy in DEFAULT_POLICIES:
        walls, cpus = [], []
        for seed in range(1, repeat + 1):
            market = draw(scenario, seed)
            wall, cpu = time.perf_counter(), _cpu()
            simulate(scenario, policy, seed, market)
            walls.append(time.perf_counter() - wall)
            cpus.append(_cpu() - cpu)
        out[policy] = {"wall_s": statistics.median(walls), "cpu_s": statistics.median(cpus)}
    return out


def engine_calls(scenario) -> dict[str, float]:
    seconds = []
    run = engine.run

    def timed(*args, **kwargs):
        started = time.perf_counter()
        try:
            return run(*args, **kwargs)
        finally:
            seconds.append(time.perf_counter() - started)

    engine.run = timed
    try:
        started = time.perf_counter()
        simulate(scenario, "dynamic", 1, draw(scenario, 1))
        year = time.perf_counter() - started
    finally:
        engine.run = run
    return {
        "calls": len(seconds),
        "median_ms": 1000 * statistics.median(seconds),
        "engine_share": sum(seconds) / year,
    }


def target(scenario, seeds: int, workers: int) -> dict[str, float]:
    wall, cpu = time.perf_counter(), _cpu(resource.RUSAGE_CHILDREN) + _cpu()
    compare(scenario, DEFAULT_POLICIES, list(range(1, seeds + 1)), workers)
    return {
        "wall_s": time.perf_counter() - wall,
        "cpu_s": _cpu(resource.RUSAGE_CHILDREN) + _cpu() - cpu,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default="default")
    parser.add_argument("--seeds", type=int, default=30)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", default=None)
    args = parser.parse_args()
    scenario = load_scenario(args.scenario)
    report = {"policies": per_policy(scenario, args.repeat), "engine": engine_calls(scenario)}
    print(f"{scenario.name}: {scenario.market.size:,} accounts, {len(scenario.team.names)} reps")
    print(f"seconds per policy-year (median of {args.repeat} seeds, one process):")
    for policy, t in report["policies"].items():
        print(f"  {policy:<12} wall {t['wall_s']:6.2f}  cpu {t['cpu_s']:6.2f}")
    e = report["engine"]
    print(
        f"engine: {e['calls']} calls a dynamic year, median {e['median_ms']:.1f} ms a call, "
        f"{e['engine_share']:.0%} of the year"
    )
    report["target"] = target(scenario, args.seeds, args.workers)
    t = report["target"]
    print(
        f"{len(DEFAULT_POLICIES)} policies x {args.seeds} seeds, {args.workers} workers: "
        f"wall {t['wall_s']:.1f} s (goal {GOAL_SECONDS} s, ratio {t['wall_s'] / GOAL_SECONDS:.2f})"
        f", cpu {t['cpu_s']:.1f} s"
    )
    if args.json:
        with open(args.json, "w") as f:
            json.dump(report, f, indent=2)


if __name__ == "__main__":
    main()
