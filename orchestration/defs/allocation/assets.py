"""The allocation step: read scores, activity, returns, roster and the ownership log;
append this date's events in one transaction."""

import time

import dagster as dg

from orchestration.files import RulesFile
from orchestration.partitions import as_of, run_dates
from orchestration.stores import allocation as store
from orchestration.warehouse import Warehouse


def _spec(name: str, description: str, deps: list[list[str]]) -> dg.AssetSpec:
    return dg.AssetSpec(
        ["allocation", name],
        group_name="books",
        kinds={"python", "duckdb"},
        description=description,
        deps=deps,
    )


@dg.multi_asset(
    specs=[
        _spec(
            "ownership_events",
            "Append-only log of every change of ownership with its reason",
            [
                ["marts", "account_scores"],
                ["marts", "account_activity"],
                ["staging", "stg_books__reps"],
                ["staging", "stg_books__returns"],
                ["staging", "stg_books__claims"],
            ],
        ),
        _spec(
            "return_decisions",
            "Every rep return seen by a run: accepted, or rejected and why",
            [["staging", "stg_books__returns"]],
        ),
        _spec(
            "claim_decisions",
            "Queue mode: every claim on the ranked queue, accepted or rejected and why",
            [["staging", "stg_books__claims"]],
        ),
        _spec(
            "account_states",
            "Every account's state in every lane after the latest run: in a book (working, "
            "in grace, kept while the rep is away, due for retrieval, out of scope) or in the "
            "pool (eligible and its queue, resting, in review, below the minimum, retired)",
            [["marts", "account_scores"], ["marts", "account_activity"]],
        ),
        _spec(
            "rep_capacity",
            "Each rep's status, target book, ramp and capacity per run date",
            [["staging", "stg_books__reps"]],
        ),
    ],
    partitions_def=run_dates,
    backfill_policy=dg.BackfillPolicy.multi_run(1),
    pool="warehouse",
)
def allocation_run(context: dg.AssetExecutionContext, warehouse: Warehouse, rules: RulesFile):
    date = as_of(context)
    run_id = f"books-{date.isoformat()}"
    seconds = {}  # read / engine / write, so the benchmark can quote the engine alone
    started = time.perf_counter()
    with warehouse.connect() as con:
        frames = store.read_inputs(con, date)
        seconds["read"], started = time.perf_counter() - started, time.perf_counter()
        from allocation import engine  # OR-Tools: loaded by the step, not by every process

        result = engine.run(engine.Inputs(**frames), rules.load(), date, run_id)
        seconds["engine"], started = time.perf_counter() - started, time.perf_counter()
        store.write_result(con, date, result)
    seconds["write"] = time.perf_counter() - started

    kinds = result.events["kind"].value_counts().sort_index()
    yield dg.MaterializeResult(
        asset_key=["allocation", "ownership_events"],
        metadata={
            "events": len(result.events),
            "run_id": run_id,
            **{f"events_{k}": int(v) for k, v in kinds.items()},
            **{f"{step}_seconds": round(s, 3) for step, s in seconds.items()},
            "distribution_seconds": round(result.distribution_seconds, 3),
        },
    )
    for name, decisions in (
        ("return_decisions", result.return_decisions),
        ("claim_decisions", result.claim_decisions),
    ):
        counts = decisions["decision"].value_counts()
        yield dg.MaterializeResult(
            asset_key=["allocation", name],
            metadata={v: int(counts.get(v, 0)) for v in ("accepted", "rejected")},
        )
    states = result.states["state"].value_counts().sort_index()
    yield dg.MaterializeResult(
        asset_key=["allocation", "account_states"],
        metadata={"accounts": len(result.states), **{k: int(v) for k, v in states.items()}},
    )
    yield dg.MaterializeResult(
        asset_key=["allocation", "rep_capacity"],
        metadata={
            "reps": len(result.capacity),
            "total_capacity": int(result.capacity["capacity"].sum()),
        },
    )
