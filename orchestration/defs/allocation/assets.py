"""The allocation step: read scores, roster and the ownership log; append this date's events."""

import dagster as dg

from allocation import engine
from allocation.events import EVENT_COLUMNS
from orchestration.partitions import as_of, daily
from orchestration.resources import RulesFile, Warehouse

EVENTS_DDL = """
CREATE SCHEMA IF NOT EXISTS allocation;
CREATE TABLE IF NOT EXISTS allocation.ownership_events (
    event_id VARCHAR PRIMARY KEY, run_id VARCHAR NOT NULL, as_of_date DATE NOT NULL,
    seq BIGINT NOT NULL, account_id VARCHAR NOT NULL, from_rep_id VARCHAR, to_rep_id VARCHAR,
    kind VARCHAR NOT NULL, reason_code VARCHAR NOT NULL, explanation VARCHAR,
    priority DOUBLE, rest_until DATE
);
CREATE TABLE IF NOT EXISTS allocation.rep_capacity (
    as_of_date DATE NOT NULL, rep_id VARCHAR NOT NULL, role VARCHAR, segments VARCHAR,
    status VARCHAR, target_book_size BIGINT, ramp_share DOUBLE, capacity BIGINT,
    receives_accounts BOOLEAN
);
"""
CAPACITY_COLUMNS = [
    "as_of_date",
    "rep_id",
    "role",
    "segments",
    "status",
    "target_book_size",
    "ramp_share",
    "capacity",
    "receives_accounts",
]


class LaterRunExists(RuntimeError):
    pass


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            ["allocation", "ownership_events"],
            group_name="allocation",
            kinds={"python", "duckdb"},
            description="Append-only log of every change of ownership with its reason",
            deps=[["marts", "account_scores"], ["staging", "stg_books__reps"]],
        ),
        dg.AssetSpec(
            ["allocation", "rep_capacity"],
            group_name="allocation",
            kinds={"python", "duckdb"},
            description="Each rep's status, target book, ramp and capacity per run date",
            deps=[["staging", "stg_books__reps"]],
        ),
    ],
    partitions_def=daily,
    backfill_policy=dg.BackfillPolicy.multi_run(1),
    pool="warehouse",
)
def allocation_run(context: dg.AssetExecutionContext, warehouse: Warehouse, rules: RulesFile):
    date = as_of(context)
    run_id = f"books-{date.isoformat()}"
    with warehouse.connect() as con:
        con.execute(EVENTS_DDL)
        later = con.execute(
            "SELECT max(as_of_date) FROM allocation.ownership_events WHERE as_of_date > ?", [date]
        ).fetchone()[0]
        if later is not None:
            raise LaterRunExists(
                f"books were already run for {later}; re-running {date} would rewrite history"
            )
        accounts = con.execute(
            "SELECT account_id, crm_owner_id, segment, priority, segment_rank, is_new_business "
            "FROM marts.account_scores ORDER BY account_id"
        ).df()
        reps = con.execute("SELECT * FROM staging.stg_books__reps ORDER BY rep_id").df()
        events = con.execute(
            f"SELECT {', '.join(EVENT_COLUMNS)} FROM allocation.ownership_events "
            "WHERE as_of_date < ? ORDER BY as_of_date, seq",
            [date],
        ).df()
        result = engine.run(accounts, reps, events, rules.load(), date, run_id)

        new_events = result.events  # noqa: F841 (read by DuckDB's replacement scan)
        capacity = result.capacity[CAPACITY_COLUMNS]  # noqa: F841
        # One transaction: a failed run leaves the previous books exactly as they were.
        con.execute("BEGIN")
        con.execute("DELETE FROM allocation.ownership_events WHERE as_of_date = ?", [date])
        con.execute("DELETE FROM allocation.rep_capacity WHERE as_of_date = ?", [date])
        con.execute("INSERT INTO allocation.ownership_events SELECT * FROM new_events")
        con.execute("INSERT INTO allocation.rep_capacity SELECT * FROM capacity")
        con.execute("COMMIT")

    kinds = result.events["kind"].value_counts().sort_index()
    yield dg.MaterializeResult(
        asset_key=["allocation", "ownership_events"],
        metadata={
            "events": len(result.events),
            "run_id": run_id,
            **{f"events_{k}": int(v) for k, v in kinds.items()},
        },
    )
    yield dg.MaterializeResult(
        asset_key=["allocation", "rep_capacity"],
        metadata={
            "reps": len(result.capacity),
            "total_capacity": int(result.capacity["capacity"].sum()),
        },
    )
