"""The daily run: a job over every asset, its schedule, and a sensor for new landing files."""

import dagster as dg

from orchestration.files import LandingFolder
from orchestration.partitions import daily

daily_books = dg.define_asset_job(
    "daily_books",
    # Review decisions are RevOps' own runs (defs/quality/review.py) and a simulated year is
    # its own job (defs/simulation): neither is the daily run's.
    selection=dg.AssetSelection.all()
    - dg.AssetSelection.assets(["quality", "review_decisions"])
    - dg.AssetSelection.groups("simulation"),
    partitions_def=daily,
    # One process for the whole run: DuckDB's single writer runs the steps one at a time
    # anyway, and a process per step paid a Python and Dagster start-up for each of them.
    executor_def=dg.in_process_executor,
    description="Ingest, signals, allocation and marts for one as-of date",
)

daily_books_schedule = dg.build_schedule_from_partitioned_job(
    daily_books, hour_of_day=6, minute_of_hour=0, name="daily_books_schedule"
)


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
    today = daily.get_last_partition_key()
    return dg.RunRequest(run_key=f"{today}-{stamp}", partition_key=today)
