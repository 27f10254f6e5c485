"""Allocation benchmark: speed, optimality and fairness of the distribution engine.

For each scale (an eligible pool of 10k / 100k / 1M accounts, 1,000 reps, 10 segments, a
fifth of the reps covering two segments) and each scenario (a daily top-off of ~30k
slots, a book build from empty of ~300k slots) it measures, in one run:

- the engine (allocation.distribution.distribute): median wall time of --repeat runs, and
  memory in a fresh process (the engine's traced peak, and the process's peak RSS);
- the optimum from an independent formulation (OR-Tools min-cost max-flow with one node
  per rep instead of per peer class): slots filled must equal its max flow and total
  priority is reported as a ratio to its optimum;
- fairness within each peer class (same eligibility), over reps with >= 20 free slots:
  coefficient of variation and Jain's index of mean priority per slot, and the max/min
  ratio of value per slot, for the engine and for round-robin, snake-draft and
  "best accounts to the first rep" baselines.

    python -m bench.allocation [--scales 10000 100000 1000000] [--json PATH]   (make bench)
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import resource
import statistics
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd
from ortools.graph.python import min_cost_flow

from allocation.distribution import SCALE, distribute, with_value_rank

SEGMENTS = [f"seg{i:02d}" for i in range(10)]
SCENARIOS = {"top-off": 30, "book build": 300}  # free slots per rep


def make_input(accounts: int, reps: int, slots_per_rep: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    weights = np.linspace(2.0, 0.5, len(SEGMENTS))
    weights /= weights.sum()
    pool = pd.DataFrame(
        {
            "account_id": [f"a{i:07d}" for i in range(accounts)],
            "segment": np.array(SEGMENTS)[rng.choice(len(SEGMENTS), accounts, p=weights)],
            # A skewed value distribution: few great accounts, many middling ones.
            "priority": np.round(100 * rng.beta(2.0, 5.0, accounts), 4),
        }
    )
    # The market's order, an input as in the pipeline (account_scores.value_rank).
    pool = with_value_rank(pool)
    primary = rng.choice(len(SEGMENTS), reps, p=weights)
    second = (primary + 1 + rng.integers(0, len(SEGMENTS) - 1, reps)) % len(SEGMENTS)
    dual = rng.random(reps) < 0.2
    segments = [
        SEGMENTS[p] + (";" + SEGMENTS[s] if d else "")
        for p, s, d in zip(primary, second, dual, strict=True)
    ]
    # Free slots vary around the scenario's mean: some reps are nearly full, some new.
    free = np.maximum(0, rng.normal(slots_per_rep, slots_per_rep / 3, reps)).round()
    roster = pd.DataFrame(
        {
            "rep_id": [f"r{i:04d}" for i in range(reps)],
            "segments": segments,
            "free_slots": free.astype(np.int64),
        }
    )
    return pool, roster


def reference_optimum(pool: pd.DataFrame, roster: pd.DataFrame) -> tuple[int, float]:
    """Max flow and its best total priority, with one node per rep (no peer classes)."""
    roster = roster[roster["free_slots"] > 0]
    reach: dict[str, int] = {}
    for segs, slots in zip(roster["segments"], roster["free_slots"], strict=True):
        for s in segs.split(";"):
            reach[s] = reach.get(s, 0) + int(slots)
    ordered = pool.sort_values(["segment", "priority"], ascending=[True, False])
    rank = ordered.groupby("segment").cumcount().to_numpy()
    cand = ordered[rank < ordered["segment"].map(reach).fillna(0).to_numpy()]
    segs = sorted(reach)
    seg_node = {s: 2 + i for i, s in enumerate(segs)}
    rep_node = 2 + len(segs) + np.arange(len(roster))
    prio = np.rint(cand["priority"].to_numpy() * SCALE).astype(np.int64)
    top = int(prio.max())
    pairs = [
        (seg_node[s], int(node))
        for node, ss in zip(rep_node, roster["segments"], strict=True)
        for s in ss.split(";")
    ]
    tails = np.concatenate([np.zeros(len(cand)), [p[0] for p in pairs], rep_node])
    heads = np.concatenate(
        [cand["segment"].map(seg_node).to_numpy(), [p[1] for p in pairs], np.ones(len(rep_node))]
    )
    caps = np.concatenate(
        [np.ones(len(cand)), np.full(len(pairs), 10**9), roster["free_slots"].to_numpy()]
    )
    costs = np.concatenate([top - prio, np.zeros(len(pairs) + len(rep_node))])
    flow = min_cost_flow.SimpleMinCostFlow()
    arcs = flow.add_arcs_with_capacity_and_unit_cost(
        tails.astype(np.int64),
        heads.astype(np.int64),
        caps.astype(np.int64),
        costs.astype(np.int64),
    )
    total = int(roster["free_slots"].sum())
    flow.set_nodes_supplies(np.array([0, 1]), np.array([total, -total]))
    assert flow.solve_max_flow_with_min_cost() == flow.OPTIMAL
    used = flow.flows(arcs)[: len(cand)] > 0
    return int(used.sum()), float(cand["priority"].to_numpy()[used].sum())


def _draft(pool: pd.DataFrame, roster: pd.DataFrame, order: str) -> pd.DataFrame:
    """Baselines where reps pick the best remaining eligible account in turn."""
    heads = {
        s: g.sort_values("priority", ascending=False)[["account_id", "priority"]].to_numpy()
        for s, g in pool.groupby("segment")
    }
    pointer = dict.fromkeys(heads, 0)
    reps = roster[roster["free_slots"] > 0].sort_values("rep_id")
    segs = [s.split(";") for s in reps["segments"]]
    left = reps["free_slots"].to_numpy().copy()
    ids = reps["rep_id"].to_numpy()
    out = []

    def pick(i: int) -> bool:
        best = None
        for s in segs[i]:
            if s in heads and pointer[s] < len(heads[s]):
                value = heads[s][pointer[s]][1]
                if best is None or value > best[1]:
                    best = (s, value)
        if best is None:
            return False
        account = heads[best[0]][pointer[best[0]]][0]
        pointer[best[0]] += 1
        left[i] -= 1
        out.append((account, ids[i]))
        return True

    if order == "best-first":
        for i in range(len(ids)):
            while left[i] > 0 and pick(i):
                pass
    else:
        turn = 0
        active = [i for i in range(len(ids)) if left[i] > 0]
        while active:
            sequence = active if order == "round-robin" or turn % 2 == 0 else active[::-1]
            active = [i for i in sequence if pick(i) and left[i] > 0]
            if order == "snake" and turn % 2 == 1:
                active = active[::-1]
            turn += 1
    return pd.DataFrame(out, columns=["account_id", "rep_id"])


def fairness(assigned: pd.DataFrame, pool: pd.DataFrame, roster: pd.DataFrame) -> dict:
    """Within each peer class (same eligibility), reps with >= 20 free slots: the worst CV of
    mean priority per slot, the worst Jain's index and the worst max/min of value per slot."""
    value = assigned.merge(pool[["account_id", "priority"]], on="account_id")
    per_rep = value.groupby("rep_id")["priority"].agg(["sum", "count"])
    reps = roster[roster["free_slots"] >= 20].set_index("rep_id")
    reps = reps.assign(key=[";".join(sorted(s.split(";"))) for s in reps["segments"]])
    reps = reps.join(per_rep).fillna({"sum": 0.0, "count": 0})
    reps["per_slot"] = reps["sum"] / reps["free_slots"]
    cvs, jains, ratios = [], [], []
    for _, group in reps.groupby("key"):
        if len(group) < 2:
            continue
        x = group["per_slot"].to_numpy()
        cvs.append(x.std() / x.mean() if x.mean() else 0.0)
        jains.append(x.sum() ** 2 / (len(x) * (x**2).sum()) if (x**2).sum() else 1.0)
        ratios.append(x.max() / x.min() if x.min() > 0 else float("inf"))
    return {
        "cv_max": max(cvs, default=0.0),
        "jain_min": min(jains, default=1.0),
        "per_slot_max_min_ratio": max(ratios, default=1.0),
        "peer_classes": len(cvs),
    }


def _engine_child(args, queue) -> None:
    accounts, reps, slots, repeat = args
    pool, roster = make_input(accounts, reps, slots)
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        result = distribute(pool, roster)
        times.append(time.perf_counter() - started)
    # Memory from a separate, untimed call: Python-side allocations the engine makes (numpy,
    # pandas) traced, and the whole process's peak RSS, inputs and OR-Tools included.
    tracemalloc.start()
    distribute(pool, roster)
    traced = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    queue.put((times, traced, rss, result))


def run_engine(accounts: int, reps: int, slots: int, repeat: int):
    """The engine in a fresh process, so its peak memory is its own."""
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    child = ctx.Process(target=_engine_child, args=((accounts, reps, slots, repeat), queue))
    child.start()
    times, traced_mib, rss_mib, result = queue.get()
    child.join()
    return statistics.median(times), traced_mib, rss_mib, result


def bench(scales: list[int], reps: int, repeat: int) -> list[dict]:
    rows = []
    for accounts in scales:
        for scenario, slots in SCENARIOS.items():
            pool, roster = make_input(accounts, reps, slots)
            wall, traced, rss, assigned = run_engine(accounts, reps, slots, repeat)
            started = time.perf_counter()
            max_flow, optimum = reference_optimum(pool, roster)
            reference_s = time.perf_counter() - started
            total = pool.set_index("account_id").loc[assigned["account_id"], "priority"].sum()
            row = {
                "accounts": accounts,
                "scenario": scenario,
                "reps": reps,
                "free_slots": int(roster["free_slots"].sum()),
                "pool_per_slot": accounts / int(roster["free_slots"].sum()),
                "filled": len(assigned),
                "max_flow": max_flow,
                "engine_s": wall,
                "engine_traced_peak_mib": traced,
                "process_peak_rss_mib": rss,
                "reference_s": reference_s,
                "priority_ratio": total / optimum,
                "engine": fairness(assigned, pool, roster),
            }
            for baseline in ("round-robin", "snake", "best-first"):
                started = time.perf_counter()
                drafted = _draft(pool, roster, baseline)
                row[baseline] = {
                    **fairness(drafted, pool, roster),
                    "seconds": time.perf_counter() - started,
                }
            rows.append(row)
            print(_line(row), flush=True)
    return rows


HEADER = (
    f"{'accounts':>9} {'scenario':<10} {'slots':>7} {'pool/sl':>7} {'filled':>7} "
    f"{'maxflow':>7} {'engine s':>8} {'eng MiB':>7} {'RSS MiB':>7} {'ref s':>6} {'prio/opt':>9} "
    f"{'CV eng':>7} {'Jain eng':>8} {'max/min':>7} {'CV rr':>6} {'CV snake':>8} "
    f"{'CV best1':>8}"
)


def _line(r: dict) -> str:
    e = r["engine"]
    return (
        f"{r['accounts']:>9,} {r['scenario']:<10} {r['free_slots']:>7,} "
        f"{r['pool_per_slot']:>7.2f} {r['filled']:>7,} {r['max_flow']:>7,} "
        f"{r['engine_s']:>8.3f} {r['engine_traced_peak_mib']:>7.0f} "
        f"{r['process_peak_rss_mib']:>7.0f} "
        f"{r['reference_s']:>6.2f} {r['priority_ratio']:>9.6f} {e['cv_max']:>7.4f} "
        f"{e['jain_min']:>8.5f} {e['per_slot_max_min_ratio']:>7.3f} "
        f"{r['round-robin']['cv_max']:>6.3f} {r['snake']['cv_max']:>8.3f} "
        f"{r['best-first']['cv_max']:>8.3f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--reps", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3, help="engine runs; the median is shown")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON here")
    args = parser.parse_args()
    print(
        "CV/Jain: worst peer class, reps with >= 20 free slots; prio/opt: total priority vs "
        "the rep-level min-cost-flow optimum"
    )
    print(HEADER)
    rows = bench(args.scales, args.reps, args.repeat)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
