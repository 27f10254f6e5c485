"""The daily run: a job over every asset, a sensor that starts it each morning, and one for
new landing files. Sensors, not a schedule: a run's date is a partition added as its run is
requested (`run_dates`), and only a sensor can add one."""

import datetime as dt

import dagster as dg

from orchestration.files import LandingFolder
from orchestration.partitions import run_dates, today

MORNING_HOUR_UTC = 6

daily_books = dg.define_asset_job(
    "daily_books",
    # Review decisions are RevOps' own runs (defs/quality/review.py) and a simulated year is
    # its own job (defs/simulation): neither is the daily run's.
    selection=dg.AssetSelection.all()
    - dg.AssetSelection.assets(["quality", "review_decisions"])
    - dg.AssetSelection.groups("simulation"),
    partitions_def=run_dates,
    # One process for the whole run: DuckDB's single writer runs the steps one at a time
    # anyway, and a process per step paid a Python and Dagster start-up for each of them.
    executor_def=dg.in_process_executor,
    description="Ingest, signals, allocation and marts for one as-of date",
)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _todays_run(run_key: str, date: str) -> dg.SensorResult:
    return dg.SensorResult(
        run_requests=[dg.RunRequest(run_key=run_key, partition_key=date)],
        dynamic_partitions_requests=[run_dates.build_add_request([date])],
    )


@dg.sensor(job=daily_books, minimum_interval_seconds=300)
def daily_books_each_morning(context: dg.SensorEvaluationContext):
    """Today's books once a day, from 06:00 UTC (the cursor remembers the last date run)."""
    now = _now()
    if now.hour < MORNING_HOUR_UTC:
        return dg.SkipReason(f"today's run starts at {MORNING_HOUR_UTC:02d}:00 UTC")
    date = now.date().isoformat()
    if context.cursor == date:
        return dg.SkipReason(f"the run of {date} was requested")
    context.update_cursor(date)
    return _todays_run(run_key=date, date=date)


@dg.sensor(job=daily_books, minimum_interval_seconds=60)
def new_landing_files(context: dg.SensorEvaluationContext, landing: LandingFolder):
    """Runs today's books when a landing file changes (a cursor remembers what was seen)."""
    folder = landing.abs_path
    if not folder.is_dir():
        return dg.SkipReason(f"landing folder {folder} does not exist")
    stamp = max((p.stat().st_mtime for p in folder.glob("*.csv")), default=0.0)
    if stamp <= float(context.cursor or 0):
        return dg.SkipReason("no new landing files")
    context.update_cursor(str(stamp))
    date = today().isoformat()
    return _todays_run(run_key=f"{date}-{stamp}", date=date)
