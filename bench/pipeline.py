"""Pipeline benchmark: the whole daily run (ingest, dbt, checks, allocation, marts,
exports, report) at 10k / 100k / 1M accounts, then a second day with a day of change.

For each scale it prints, per stage, wall time and peak memory (the process and its
children, dbt included, sampled every 50 ms) for day 1 and day 2, ingest per file with
rows per second, the slowest dbt models, and two baselines measured in the same run:

- the floor for ingest: DuckDB alone reading the same CSV files into tables with the same
  types (`read_csv`), per file, before day 1 and again after day 2 (the mean of the two),
  then side by side with the ingest step alone, `--ingest-rounds` times (the median ratio);
- a naive pandas version of the working-status computation (which accounts each rep
  worked meaningfully within the window), beside the dbt models that do it.

    python -m bench.pipeline [--scales 10000 100000 1000000] [--ingest-rounds 3] [--json PATH]
    (make bench-pipeline)

Each stage prints its wall seconds and, beside them, the CPU seconds of the process and its
children (wall time lies on a shared machine). `--compare REF` runs a git ref (in a worktree
of its own) and the working tree alternately, `--rounds` times each, and prints the median
of each stage side by side with the ratio:

    python -m bench.pipeline --scales 5000 100000 1000000 --compare dbf824e

With `--engine spark` it runs the same two days on DuckDB and on Spark (local[2]), each
engine in a process of its own, and prints them side by side with the Spark / DuckDB ratio
per stage (the baselines above are DuckDB's and are left out):

    python -m bench.pipeline --engine spark --scales 10000 100000

Landing folders are generated once per scale and cached (--cache, default data/bench),
and read through once before day 1, so that the ingest and the floor both read them from
the page cache.

Over 400 lines on purpose: a benchmark is one script a reader follows top to bottom.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import multiprocessing as mp
import os
import resource
import shutil
import statistics
import tempfile
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import dagster as dg
import duckdb
import pandas as pd
import psutil

from data_quality.contract import LANDING_FILES
from data_quality.landing import DIALECT
from orchestration.runner import RunPaths, run_books
from sample_data.generate import generate

DAY1 = dt.date(2026, 11, 23)
DAY2 = DAY1 + dt.timedelta(days=1)
MIB = 2**20
INGEST = dg.AssetSelection.groups("landing")
# Steps of the daily job, by the stage they belong to.
STAGES = {
    "landing_files": "ingest",
    "signals_and_scores": "dbt (signals, scores)",
    "allocation_run": "allocation",
    "books_marts": "dbt (books, coverage)",
    "exports__book_changes": "exports",
    "reports__coverage": "report",
}


class Sampler:
    """Peak resident memory and CPU seconds of this process and its children, sampled."""

    def __init__(self, every: float = 0.05):
        self.every, self.samples = every, []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        me = psutil.Process()
        while not self._stop.is_set():
            rss, cpu = 0, 0.0
            for proc in [me, *me.children(recursive=True)]:
                with contextlib.suppress(psutil.Error):
                    rss += proc.memory_info().rss
                    times = proc.cpu_times()
                    cpu += times.user + times.system
            self.samples.append((time.time(), rss, cpu))
            self._stop.wait(self.every)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

    def peak(self, start: float = 0, end: float = float("inf")) -> float:
        inside = [rss for t, rss, _ in self.samples if start <= t <= end]
        return max(inside, default=0) / MIB

    def cpu(self, start: float = 0, end: float = float("inf")) -> float:
        """CPU seconds spent between two times (the samples nearest each)."""
        inside = [cpu for t, _, cpu in self.samples if start <= t <= end]
        return max(inside) - min(inside) if len(inside) > 1 else 0.0


def landing_for(scale: int, reps: int, activities: float, cache: Path) -> Path:
    folder = cache / f"landing-{scale}-{reps}-{activities:g}"
    if not (folder / "rules.yml").is_file():
        started = time.perf_counter()
        generate(folder, scale, reps, seed=7, as_of=DAY1, activities_per_account=activities)
        print(f"  generated {folder} in {time.perf_counter() - started:.1f} s")
    return folder


def read_through(folder: Path) -> float:
    """Reads every file once, so the ingest and the floor both find them in the page cache.

    Day 1's ingest is the first to read a landing folder that may have left the cache;
    the floor reads it after two days of runs; a cold read is markedly slower."""
    started = time.perf_counter()
    for path in sorted(folder.iterdir()):
        with path.open("rb") as f:
            while f.read(1 << 24):
                pass
    return time.perf_counter() - started


def day_of_change(day1: Path, day2: Path, warehouse: Path) -> dict[str, int]:
    """Day 2's landing: day 1's files plus a day of new activity, returns and intent."""
    shutil.copytree(day1, day2)
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    stamp = f"{DAY2}T10:00:00.000Z"
    appended = {}

    def append(file: str, select: str) -> None:
        rows = con.execute(f"SELECT count(*) FROM ({select})").fetchone()[0]
        con.execute(f"COPY ({select}) TO '{day2 / ('new-' + file)}' (HEADER false, QUOTE '\"')")
        with (day2 / file).open("ab") as out:
            out.write((day2 / ("new-" + file)).read_bytes())
        (day2 / ("new-" + file)).unlink()
        appended[file] = rows

    # About one new task per 20 accounts: a working day for the team.
    append(
        "Task.csv",
        f"SELECT 'D2' || Id, WhatId, WhoId, OwnerId, DATE '{DAY2}', '{stamp}', Type, TaskSubtype, "
        f"Subject, Status, IsRecurrence, CallDurationInSeconds FROM read_csv('{day1}/Task.csv', "
        "all_varchar=true) USING SAMPLE 0.25% (reservoir, 7)",
    )
    append(
        "intent_signals.csv",
        f"SELECT account_id, account_domain, signal_type, strength, '{stamp}', source "
        f"FROM read_csv('{day1}/intent_signals.csv', all_varchar=true) "
        "USING SAMPLE 2% (reservoir, 7)",
    )
    books = duckdb.connect(str(warehouse), read_only=True)
    owned = books.execute(
        "SELECT account_id, rep_id FROM marts.current_books USING SAMPLE 0.5% (reservoir, 7)"
    ).df()
    books.close()
    con.register("owned", owned)
    append(
        "book_returns.csv",
        f"SELECT account_id, rep_id, '{stamp}', 'no_response', '' FROM owned ORDER BY account_id",
    )
    return appended


def run_day(paths: RunPaths, day: dt.date) -> dict:
    os.sync()  # see _in_child
    instance = dg.DagsterInstance.ephemeral()
    with Sampler() as sampler:
        started = time.time()
        result = run_books(paths, day, instance=instance)
        ended = time.time()
    steps: dict[str, list[float]] = {}
    for entry in instance.all_logs(result.run_id):
        event = entry.dagster_event
        if event is None or event.step_key is None:
            continue
        if event.event_type_value in ("STEP_START", "STEP_SUCCESS", "STEP_FAILURE"):
            steps.setdefault(event.step_key, []).append(entry.timestamp)
    stages: dict[str, dict] = {}
    for key, stamps in steps.items():
        name = STAGES.get(key, "checks")
        stage = stages.setdefault(name, {"seconds": 0.0, "cpu_seconds": 0.0, "peak_mib": 0.0})
        stage["seconds"] += max(stamps) - min(stamps)
        stage["cpu_seconds"] += sampler.cpu(min(stamps), max(stamps))
        stage["peak_mib"] = max(stage["peak_mib"], sampler.peak(min(stamps), max(stamps)))
    models, allocation = {}, {}
    for event in result.get_asset_materialization_events():
        meta = event.materialization.metadata
        key = event.asset_key
        if "engine_seconds" in meta:
            allocation = {
                step: meta[f"{step}_seconds"].value
                for step in ("read", "engine", "distribution", "write")
            }
        elif "Execution Duration" in meta:
            models[key.path[-1]] = round(meta["Execution Duration"].value, 3)
    return {
        "total_seconds": round(ended - started, 2),
        "total_cpu_seconds": round(sampler.cpu(), 2),
        "peak_mib": round(sampler.peak(), 1),
        "stages": stages,
        "files": _files(result),
        "models": models,
        "allocation": allocation,
    }


def _files(result: dg.ExecuteInProcessResult) -> dict[str, dict]:
    """Per landing file: rows read, seconds, and whether its last load was reused or
    appended to."""
    files = {}
    for event in result.get_asset_materialization_events():
        meta = event.materialization.metadata
        if "load_seconds" in meta:
            files[event.asset_key.path[-1]] = {
                "rows": meta["rows_read"].value,
                "seconds": meta["load_seconds"].value,
                "reused": bool(meta["reused_load_of"].value),
                "appended": bool(meta["appended_to_load_of"].value),
            }
    return files


def _in_child(fn, *args):
    """Runs fn in a fresh process: (seconds, peak RSS MiB, result) without our own heap."""
    # Every reading starts with the disk settled: the first reading after a day's run (GBs
    # of warehouse written, flushed in the background) was the slowest of three.
    os.sync()
    # An executor, not a Pool: Pool.terminate() on leaving its block once hung for good
    # with its worker waiting on the task queue's lock (100k run, 2026-11-25).
    with ProcessPoolExecutor(1, mp_context=mp.get_context("spawn")) as executor:
        return executor.submit(_measured, fn, *args).result()


def _measured(fn, *args):
    started = time.perf_counter()
    out = fn(*args)
    seconds = time.perf_counter() - started
    return seconds, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, out


def duckdb_floor(landing: str) -> dict[str, float]:
    """Seconds for DuckDB alone to read each landing file into a typed table."""
    out = {}
    # Its database is deleted after: left behind, each reading kept its size in /tmp.
    with tempfile.TemporaryDirectory(prefix="bench-floor-") as folder:
        con = duckdb.connect(str(Path(folder) / "floor.duckdb"))
        con.execute("SET enable_progress_bar = false")
        for spec in LANDING_FILES:
            path = Path(landing) / spec.file
            if not path.is_file():
                continue
            columns = "{" + ", ".join(f"'{c.name}': '{c.type}'" for c in spec.columns) + "}"
            started = time.perf_counter()
            con.execute(
                f"CREATE TABLE {spec.table} AS SELECT * FROM read_csv('{path}', {DIALECT}, "
                f"columns={columns})"
            )
            out[spec.table] = time.perf_counter() - started
        con.close()
    return out


def ingest_alone(landing: str) -> dict[str, float]:
    """Seconds per file for the ingest step alone, run through Dagster as in the daily run,
    reading every file into a fresh warehouse."""
    with tempfile.TemporaryDirectory(prefix="bench-ingest-") as folder:
        paths = RunPaths(Path(landing), Path(landing) / "rules.yml", Path(folder) / "wh.duckdb")
        result = run_books(paths, DAY1, selection=INGEST)
        return {table: f["seconds"] for table, f in _files(result).items()}


def side_by_side(landing: Path, rounds: int) -> list[dict[str, dict[str, float]]]:
    """The floor and the ingest step alone, read one after the other `rounds` times. The
    floor for the same files ranged 16-30 s within a day on these shared machines, so
    a ratio means something between readings taken side by side, and the median of several
    means more than one."""
    readings = []
    for _ in range(rounds):
        floor = _in_child(duckdb_floor, str(landing))[2]
        readings.append({"floor": floor, "ingest": _in_child(ingest_alone, str(landing))[2]})
    return readings


def pandas_working_status(landing: str, as_of: str, window: int) -> int:
    """The peer a data team would otherwise write: pandas over the raw exports."""
    tasks = pd.read_csv(Path(landing) / "Task.csv")
    events = pd.read_csv(Path(landing) / "Event.csv")
    meaningful = tasks[
        (tasks["Status"] == "Completed")
        & tasks["TaskSubtype"].isin(["Call", "Email", "LinkedIn"])
        & ~tasks["IsRecurrence"].fillna(False).astype(bool)
        & ~((tasks["TaskSubtype"] == "Call") & (tasks["CallDurationInSeconds"].fillna(0) < 30))
    ]
    work = pd.concat(
        [
            meaningful[["WhatId", "OwnerId", "ActivityDate"]].set_axis(
                ["account_id", "rep_id", "on"], axis=1
            ),
            events[events["Type"].isin(["Meeting", "Demo", "Discovery Call"])][
                ["WhatId", "OwnerId", "StartDateTime"]
            ].set_axis(["account_id", "rep_id", "on"], axis=1),
        ]
    )
    work["on"] = pd.to_datetime(work["on"], format="mixed", utc=True).dt.tz_localize(None)
    last = work.groupby(["account_id", "rep_id"])["on"].max()
    working = last >= pd.Timestamp(as_of) - pd.Timedelta(days=window - 1)
    return int(working.sum())


def _landing(scale: int, args) -> Path:
    """The scale's landing folder, announced and read through once."""
    print(f"\n== {scale:,} accounts, {args.reps:,} reps, {args.activities:g} activities each")
    day1 = landing_for(scale, args.reps, args.activities, args.cache)
    print(f"  read the landing files once in {read_through(day1):.1f} s (page cache)")
    return day1


def bench_scale(scale: int, args) -> dict:
    day1 = _landing(scale, args)
    root = Path(tempfile.mkdtemp(prefix=f"bench-{scale}-"))
    try:
        # The floor on either side of the two days: on these shared machines one reading
        # of it varies widely across runs of the same code.
        before = _in_child(duckdb_floor, str(day1))
        paths = RunPaths(day1, day1 / "rules.yml", root / "wh.duckdb")
        first = run_day(paths, DAY1)
        changed = day_of_change(day1, root / "day2", paths.warehouse)
        second = run_day(RunPaths(root / "day2", day1 / "rules.yml", paths.warehouse), DAY2)
        after = _in_child(duckdb_floor, str(day1))
        paired = side_by_side(day1, args.ingest_rounds)
        pandas_seconds, pandas_mib, _ = _in_child(
            pandas_working_status, str(day1), DAY1.isoformat(), 30
        )
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return {
        "accounts": scale,
        "reps": args.reps,
        "activities_per_account": args.activities,
        "day1": first,
        "day2": second,
        "day2_appended_rows": changed,
        # Per file, the mean of the floor's two readings (before day 1, after day 2).
        "duckdb_floor": {k: round((v + after[2][k]) / 2, 3) for k, v in before[2].items()},
        "duckdb_floor_runs": [
            {k: round(v, 3) for k, v in run[2].items()} for run in (before, after)
        ],
        "duckdb_floor_seconds": round((before[0] + after[0]) / 2, 2),
        "duckdb_floor_peak_mib": round(max(before[1], after[1]), 1),
        "ingest_side_by_side": [
            {k: {t: round(v, 3) for t, v in reading.items()} for k, reading in pair.items()}
            for pair in paired
        ],
        "pandas_working_status_seconds": round(pandas_seconds, 2),
        "pandas_working_status_peak_mib": round(pandas_mib, 1),
    }


def engine_days(engine: str, day1: str, root: str) -> dict:
    """Day 1 and day 2 on `engine`, in a process of its own (one Spark session a process).
    DuckDB runs first and makes day 2's landing from its books (Spark's are equal)."""
    folder, day2 = Path(root), Path(root) / "day2"
    paths = RunPaths(
        Path(day1), Path(day1) / "rules.yml", folder / f"wh.{engine}",
        exports_dir=folder / f"exports-{engine}", engine=engine,
    )  # fmt: skip
    first = run_day(paths, DAY1)
    if not day2.exists():
        day_of_change(Path(day1), day2, paths.warehouse)
    second = run_day(RunPaths(day2, Path(day1) / "rules.yml", paths.warehouse, engine=engine,
                              exports_dir=paths.exports), DAY2)  # fmt: skip
    return {"day1": first, "day2": second}


def bench_engines(scale: int, args) -> dict:
    day1 = _landing(scale, args)
    root = Path(tempfile.mkdtemp(prefix=f"bench-engines-{scale}-"))
    try:
        runs = {engine: _in_child(engine_days, engine, str(day1), str(root))[2]
                for engine in ("duckdb", "spark")}  # fmt: skip
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return {"accounts": scale, "reps": args.reps, "activities_per_account": args.activities,
            "engines": runs}  # fmt: skip


def report_engines(result: dict) -> None:
    duck, spark = result["engines"]["duckdb"], result["engines"]["spark"]
    print(f"{'stage':<24}" + "".join(
        f"{h:>10}" for h in ("duckdb 1", "spark 1", "x", "duckdb 2", "spark 2", "x")
    ))  # fmt: skip

    def line(name: str, pick) -> None:
        cells = []
        for day in ("day1", "day2"):
            a, b = pick(duck[day]), pick(spark[day])
            cells += [f"{a:>10.2f}", f"{b:>10.2f}", f"{b / a if a else float('nan'):>10.1f}"]
        print(f"{name:<24}" + "".join(cells))

    for name in [*dict.fromkeys(STAGES.values()), "checks"]:
        if name in duck["day1"]["stages"]:
            line(name, lambda d, n=name: d["stages"].get(n, {}).get("seconds", 0.0))
    line("total (wall)", lambda d: d["total_seconds"])
    line("peak MiB", lambda d: d["peak_mib"])


def report(result: dict) -> None:
    d1, d2 = result["day1"], result["day2"]
    print(
        f"{'stage':<26}{'day 1 s':>10}{'cpu s':>8}{'peak MiB':>10}"
        f"{'day 2 s':>10}{'cpu s':>8}{'peak MiB':>10}"
    )
    for name in [*dict.fromkeys(STAGES.values()), "checks"]:
        a, b = d1["stages"].get(name), d2["stages"].get(name) or {}
        if a:
            print(
                f"{name:<26}{a['seconds']:>10.2f}{a.get('cpu_seconds', 0):>8.2f}"
                f"{a['peak_mib']:>10.0f}{b.get('seconds', 0):>10.2f}"
                f"{b.get('cpu_seconds', 0):>8.2f}{b.get('peak_mib', 0):>10.0f}"
            )
    print(
        f"{'total (wall, cpu)':<26}{d1['total_seconds']:>10.2f}"
        f"{d1.get('total_cpu_seconds', 0):>8.2f}{d1['peak_mib']:>10.0f}"
        f"{d2['total_seconds']:>10.2f}{d2.get('total_cpu_seconds', 0):>8.2f}"
        f"{d2['peak_mib']:>10.0f}"
    )
    print(
        f"\n{'ingest file':<16}{'rows':>12}{'s':>9}{'rows/s':>12}{'floor s':>9}{'x floor':>9}"
        f"{'day 2 s':>9}  day 2"
    )
    floor = result["duckdb_floor"]
    for table, f in d1["files"].items():
        base = floor.get(table)
        ratio = f["seconds"] / base if base else float("nan")
        rate = f["rows"] / f["seconds"] if f["seconds"] else float("nan")
        again = d2["files"].get(table, {})
        print(
            f"{table:<16}{f['rows']:>12,}{f['seconds']:>9.2f}{rate:>12,.0f}"
            f"{(base or 0):>9.2f}{ratio:>9.2f}{again.get('seconds', 0):>9.2f}  "
            + (
                "unchanged, reused"
                if again.get("reused")
                else "new rows appended"
                if again.get("appended")
                else "read"
            )
        )
    ingest = sum(f["seconds"] for f in d1["files"].values())
    ingest2 = sum(f["seconds"] for f in d2["files"].values())
    total_floor = sum(floor.values())
    print(f"{'all files':<16}{'':>12}{ingest:>9.2f}{'':>12}{total_floor:>9.2f}"
          f"{ingest / total_floor:>9.2f}{ingest2:>9.2f}")  # fmt: skip
    runs = " and ".join(f"{sum(run.values()):.2f}" for run in result["duckdb_floor_runs"])
    print(f"(floor: the mean of its readings before day 1 and after day 2, {runs} s)")
    pairs = result["ingest_side_by_side"]
    if pairs:
        totals = [(sum(p["ingest"].values()), sum(p["floor"].values())) for p in pairs]
        ratios = [ingest / floor for ingest, floor in totals]
        print(
            f"the floor, then the ingest step alone, side by side ({len(pairs)} rounds): "
            + ", ".join(f"{i:.2f} / {f:.2f} s = {i / f:.2f}x" for i, f in totals)
            + f"; median {statistics.median(ratios):.2f}x"
        )
    print(
        "\nallocation inside the run (s), day 1 / day 2: "
        + ", ".join(
            f"{step} {d1['allocation'].get(step, 0):.2f} / {d2['allocation'].get(step, 0):.2f}"
            for step in ("read", "engine", "distribution", "write")
        )
        + " (distribution: filling free slots, explained events included)"
    )
    slow = sorted(d1["models"].items(), key=lambda kv: -kv[1])[:8]
    print("\nslowest dbt models, day 1 (s): " + ", ".join(f"{m} {s:.2f}" for m, s in slow))
    activity = ("int_activities__classified", "int_pairs__activity_summed", "account_activity")
    working = [sum(day["models"].get(m, 0) for m in activity) for day in (d1, d2)]
    print(
        f"working status: dbt {working[0]:.2f} s day 1, {working[1]:.2f} s day 2 "
        "(activity models) vs naive pandas "
        f"{result['pandas_working_status_seconds']:.2f} s, "
        f"{result['pandas_working_status_peak_mib']:.0f} MiB peak"
    )


def compare_ref(ref: str, args) -> None:
    """The two days at each scale on a git ref and on the working tree, alternately
    (ref first, then the tree first, and so on, `--rounds` times, each in a process of its
    own), and the median of each stage's wall and CPU seconds side by side with the ratio."""
    import subprocess
    import sys

    repo = Path(__file__).resolve().parents[1]
    tree = Path(tempfile.mkdtemp(prefix="bench-ref-")) / "ref"
    subprocess.run(["git", "-C", str(repo), "worktree", "add", "--detach", str(tree), ref],
                   check=True, capture_output=True)  # fmt: skip
    try:
        # Each tree's dbt manifest before any timing: a fresh worktree has none, and an older
        # ref parses it as its definitions load (inside its first day's time).
        for where in (tree, repo):
            subprocess.run([sys.executable, "-m", "orchestration.defs.transforms.project"],
                           cwd=where, check=True, capture_output=True)  # fmt: skip
        for scale in args.scales:
            runs = {"ref": [], "tree": []}
            for round_ in range(args.rounds):
                order = ("ref", "tree") if round_ % 2 == 0 else ("tree", "ref")
                for which in order:
                    out = Path(tempfile.mkdtemp()) / "bench.json"
                    done = subprocess.run(
                        [sys.executable, "-m", "bench.pipeline", "--scales", str(scale),
                         "--reps", str(args.reps), "--activities", str(args.activities),
                         "--cache", str(args.cache.resolve()), "--ingest-rounds", "0",
                         "--json", str(out)],
                        cwd=tree if which == "ref" else repo, capture_output=True, text=True,
                    )  # fmt: skip
                    if done.returncode:
                        raise SystemExit(f"{which} at {scale:,}: {done.stderr[-2000:]}")
                    runs[which].append(json.loads(out.read_text())["results"][0])
            _report_compare(ref, scale, runs)
    finally:
        subprocess.run(["git", "-C", str(repo), "worktree", "remove", "--force", str(tree)],
                       capture_output=True)  # fmt: skip


def _report_compare(ref: str, scale: int, runs: dict[str, list[dict]]) -> None:
    print(f"\n== {scale:,} accounts: {ref} against the working tree, "
          f"median of {len(runs['tree'])} runs each")  # fmt: skip
    print(f"{'stage':<26}" + "".join(f"{h:>9}" for h in (
        "ref s", "tree s", "ratio", "ref cpu", "tree cpu", "ratio")))  # fmt: skip

    def figure(day: dict, stage: str | None, key: str) -> float:
        if stage is None:  # the whole day
            return day.get("total_seconds" if key == "seconds" else "total_cpu_seconds", 0.0)
        return day["stages"].get(stage, {}).get(key, 0.0)

    for day in ("day1", "day2"):
        print(f"day {day[-1]}")
        stages = [n for n in [*dict.fromkeys(STAGES.values()), "checks"]
                  if any(n in r[day]["stages"] for r in runs["tree"])]  # fmt: skip
        for stage in [*stages, None]:
            cells = []
            for key in ("seconds", "cpu_seconds"):
                a = statistics.median(figure(r[day], stage, key) for r in runs["ref"])
                b = statistics.median(figure(r[day], stage, key) for r in runs["tree"])
                ratio = b / a if a else float("nan")
                cells += [f"{a:>9.2f}", f"{b:>9.2f}", f"{ratio:>9.2f}"]
            print(f"  {stage or 'total':<24}" + "".join(cells))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scales", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--reps", type=int, default=1000)
    parser.add_argument("--activities", type=float, default=20.0)
    parser.add_argument("--cache", type=Path, default=Path("data/bench"))
    parser.add_argument(
        "--ingest-rounds",
        type=int,
        default=3,
        help="times the floor and the ingest step alone are read side by side (0: none)",
    )
    parser.add_argument("--json", type=Path, help="also write the figures as JSON here")
    parser.add_argument(
        "--compare",
        metavar="REF",
        help="run the git ref REF and the working tree alternately and print the ratios",
    )
    parser.add_argument("--rounds", type=int, default=2, help="with --compare: runs of each")
    parser.add_argument(
        "--engine",
        choices=("duckdb", "spark"),
        default="duckdb",
        help="spark: the two days on DuckDB and on Spark side by side, with the ratio",
    )
    args = parser.parse_args()
    if args.compare:
        compare_ref(args.compare, args)
        return
    results = []
    for scale in args.scales:
        if args.engine == "spark":
            result = bench_engines(scale, args)
            report_engines(result)
        else:
            result = bench_scale(scale, args)
            report(result)
        results.append(result)
    if args.engine == "spark" and len(results) > 1:
        print("\nscaling (day 1 total s per 100k accounts, DuckDB / Spark): " + ", ".join(
            f"{r['accounts']:,}: " + " / ".join(
                f"{r['engines'][e]['day1']['total_seconds'] / r['accounts'] * 1e5:.1f}"
                for e in ("duckdb", "spark")
            )
            for r in results
        ))  # fmt: skip
    elif len(results) > 1:
        print("\nscaling (day 1 total s per 100k accounts): " + ", ".join(
            f"{r['accounts']:,}: {r['day1']['total_seconds'] / r['accounts'] * 1e5:.1f}"
            for r in results
        ))  # fmt: skip
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"results": results}, indent=2, default=str))
        print(f"\nwrote {args.json}")


if __name__ == "__main__":
    main()
