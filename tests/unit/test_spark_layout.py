"""Spark's tables are laid out from the DuckDB DDL that owns them (one authority for a
table's columns): a column added there is a column on Spark, in Spark's types."""

from data_quality.landing.store import LOADS_DDL, QUARANTINE_DDL
from engines.spark import columns_of
from orchestration.stores.allocation import DDL as ALLOCATION_DDL


def test_the_allocation_tables_keep_their_columns_in_order_in_spark_types():
    layout = columns_of(ALLOCATION_DDL)
    events = dict(layout["allocation.ownership_events"])
    assert list(events)[:3] == ["event_id", "run_id", "as_of_date"]
    assert events["lane"] == "STRING"  # added by ALTER TABLE, still there
    assert events["priority"] == "DOUBLE" and events["rest_until"] == "DATE"
    assert set(layout) == {
        "allocation.ownership_events",
        "allocation.claim_decisions",
        "allocation.return_decisions",
        "allocation.account_states",
        "allocation.rep_capacity",
    }


def test_the_load_log_follows_its_migrations():
    loads = dict(columns_of(QUARANTINE_DDL + LOADS_DDL)["quality.landing_loads"])
    assert loads["report"] == "STRING"  # JSON is text on Spark
    assert "file_digest" in loads and "file_sha256" not in loads  # today's shape
