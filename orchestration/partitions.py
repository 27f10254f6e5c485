"""The partitions: every daily asset by the run's date (one daily run, replaceable per
date), and the review decisions by review-queue item."""

import datetime as dt
import re

import dagster as dg

from orchestration.refusal import Refusal

# One partition per date the warehouse has run for: the runner and the sensors add a date as
# they start its run (the UI's launchpad adds one with "Add partition"), so the UI counts
# the days run, not every day of a calendar, and any date, years back included, can run.
run_dates = dg.DynamicPartitionsDefinition(name="run_dates")


def today() -> dt.date:
    """The latest date a run may book: today here or in UTC, whichever is later (the
    command line's default is the local date, Dagster's clocks are UTC)."""
    return max(dt.date.today(), dt.datetime.now(dt.UTC).date())


def as_of(context: dg.AssetExecutionContext) -> dt.date:
    """The run's date, from its partition key (a date added in the UI is checked here)."""
    key = context.partition_key
    try:
        date = dt.date.fromisoformat(key)
    except ValueError:
        date = None
    if date is None or date.isoformat() != key:
        raise Refusal(f"run date {key!r} is not a date YYYY-MM-DD")
    if date > today():
        raise Refusal(f"run date {key} is after today ({today()})")
    return date


def add_run_date(instance: dg.DagsterInstance, date: dt.date) -> None:
    if not instance.has_dynamic_partition(run_dates.name, date.isoformat()):
        instance.add_dynamic_partitions(run_dates.name, [date.isoformat()])


# One partition per item of the review queue, so the review job's partition picker lists
# the queue and an item's materializations of quality/review_decisions are its decisions.
# A key reads as the item: its id, kind, file and record, rule and the decisions it allows,
# all fixed by the id, so an item keeps its key from run to run.
review_items = dg.DynamicPartitionsDefinition(name="review_items")
_SEPARATOR = " · "
_NOT_IN_KEYS = re.compile(r"[\x00-\x1f,\[\]]|\.\.\.")  # Dagster's and its UI's syntax


def review_item_key(item_id, kind, file, where, rule, allowed) -> str:
    what = _NOT_IN_KEYS.sub(" ", f"{file} {where}")[:80].strip()
    return _SEPARATOR.join([item_id, kind, what, rule, " or ".join(allowed)])


def review_item_id(partition_key: str) -> str:
    return partition_key.split(_SEPARATOR, 1)[0]


def review_item_decisions(partition_key: str) -> list[str]:
    return partition_key.rsplit(_SEPARATOR, 1)[-1].split(" or ")
