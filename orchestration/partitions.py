"""Every asset is partitioned by the run's as-of date: one daily run, replaceable per date."""

import dagster as dg

# end_offset=1 makes today's date a partition, so the morning run books for today.
# From 2000: replaying years of history is a normal thing to do.
daily = dg.DailyPartitionsDefinition(start_date="2000-01-01", end_offset=1)


def as_of(context: dg.AssetExecutionContext):
    return daily.time_window_for_partition_key(context.partition_key).start.date()
