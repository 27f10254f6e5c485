"""UI benchmark: the daily run launched from the Dagster UI against the same run from the
CLI, a review decision from the launchpad, and a decision from its click to its effect
(the decision, then today's run again from the UI, the item decided in the queue), on one
generated warehouse.

The same date is run again each round (a date's run replaces itself: same work each
time), alternating CLI and UI so both see the same machine load. CLI time is the whole
`books run` process, start-up included; UI time is from the launchpad's submit to the
run's end, the queue, the run's process and its start-up included.

    python -m bench.ui [--accounts 5000] [--reps 40] [--rounds 3] [--decisions 5]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import tempfile
import time
from pathlib import Path

import duckdb

from bench.dagster_dev import DagsterDev, books_run, environment
from orchestration.partitions import review_item_id, review_items
from sample_data.generate import generate

DAY = dt.date(2026, 11, 23)


def _timed(fn, *args) -> float:
    started = time.perf_counter()
    fn(*args)
    return time.perf_counter() - started


def _cli(env, day) -> None:
    done = books_run(env, day)
    if done.returncode:
        raise RuntimeError(done.stderr.strip()[-500:])


def _ui(dev: DagsterDev, day) -> None:
    status, run_id = dev.launch("daily_books", {}, tags={"dagster/partition": str(day)})
    if status != "SUCCESS":
        raise RuntimeError(f"daily_books run {run_id} ended {status}")


def _decide(dev: DagsterDev, partition: str) -> None:
    config = {"decision": "acknowledge", "decided_by": "bench", "note": ""}
    status, run_id = dev.launch(
        "record_review_decisions",
        {"ops": {"quality__review_decisions": {"config": config}}},
        tags={"dagster/partition": partition},
    )
    if status != "SUCCESS":
        raise RuntimeError(f"record_review_decisions run {run_id} ended {status}")


def _decide_and_see(dev: DagsterDev, partition: str, warehouse: Path) -> None:
    _decide(dev, partition)
    _ui(dev, DAY)
    item = review_item_id(partition)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        (status,) = con.execute(
            "SELECT status FROM marts.review_queue WHERE review_item_id = ?", [item]
        ).fetchone()
    if status != "acknowledge":
        raise RuntimeError(f"item {item} is {status} after today's run again")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--accounts", type=int, default=5000)
    parser.add_argument("--reps", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--decisions", type=int, default=5)
    parser.add_argument("--effects", type=int, default=2, help="decisions timed to effect")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-ui-") as scratch:
        root = Path(scratch)
        landing, warehouse = root / "landing", root / "warehouse.duckdb"
        generate(landing, accounts=args.accounts, reps=args.reps, seed=7, as_of=DAY)
        env = environment(root, landing, landing / "rules.yml", warehouse)
        first = _timed(_cli, env, DAY)  # the first run of a new warehouse: not compared
        with duckdb.connect(str(warehouse), read_only=True) as con:
            item, *fresh = [
                i for (i,) in con.execute(
                    "SELECT review_item_id FROM marts.review_queue WHERE item_kind = 'warning' "
                    "ORDER BY 1 LIMIT ?", [1 + args.effects]
                ).fetchall()
            ]  # fmt: skip
        cli, ui, decisions = [], [], []
        with DagsterDev(env, root / "dagster-dev.log") as dev:
            for _ in range(args.rounds):
                cli.append(_timed(_cli, env, DAY))
                ui.append(_timed(_ui, dev, DAY))
            # The items' partitions, as the launchpad's picker lists them: read before timing.
            partitions = {
                review_item_id(k): k
                for k in dev.instance().get_dynamic_partitions(review_items.name)
            }
            decisions = [_timed(_decide, dev, partitions[item]) for _ in range(args.decisions)]
            effects = [_timed(_decide_and_see, dev, partitions[i], warehouse) for i in fresh]
    figures = {
        "accounts": args.accounts,
        "first_run_s": round(first, 1),
        "cli_s": [round(t, 1) for t in cli],
        "ui_s": [round(t, 1) for t in ui],
        "decision_s": [round(t, 2) for t in decisions],
        "cli_median_s": round(statistics.median(cli), 1),
        "ui_median_s": round(statistics.median(ui), 1),
        "ui_over_cli": round(statistics.median(ui) / statistics.median(cli), 2),
        "decision_median_s": round(statistics.median(decisions), 2),
        "decision_to_effect_s": [round(t, 1) for t in effects],
        "decision_to_effect_median_s": round(statistics.median(effects), 1) if effects else None,
    }
    print(f"daily run of {args.accounts:,} accounts, same date, {args.rounds} rounds")
    print(f"  CLI  (books run)          median {figures['cli_median_s']} s  {figures['cli_s']}")
    print(f"  UI   (launchpad submit)   median {figures['ui_median_s']} s  {figures['ui_s']}")
    print(f"  UI / CLI                  {figures['ui_over_cli']}x")
    print(
        f"review decision from the launchpad: median {figures['decision_median_s']} s  "
        f"{figures['decision_s']}"
    )
    print(
        "decision from its click to its effect (today run again, the item decided): median "
        f"{figures['decision_to_effect_median_s']} s  {figures['decision_to_effect_s']}"
    )
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
