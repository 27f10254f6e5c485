"""Per-run exports: a Data Loader upsert file for the CRM and a per-rep change list."""

from pathlib import Path

import dagster as dg
import duckdb
import pandas as pd

from allocation.exports import crm_owner_changes, rep_changes, safe_cells
from orchestration.files import ExportFolder, RulesFile
from orchestration.partitions import as_of, run_dates
from orchestration.stores import allocation as store
from orchestration.warehouse import Warehouse


def _write_csv(frame: pd.DataFrame, path: Path) -> None:
    """The file pandas' `to_csv(index=False)` writes (same quoting, empty cells for nulls),
    by DuckDB's writer, which is several times faster on a first run's changes; an
    in-memory DuckDB's, whichever engine holds the warehouse."""
    with duckdb.connect() as con:
        con.from_df(safe_cells(frame)).write_csv(str(path), header=True)


@dg.asset(
    key=["exports", "book_changes"],
    group_name="exports",
    kinds={"csv"},
    # The allocation's own tables, not the marts built after it: a mart test failing later
    # in the run must not cost the day its CRM file.
    deps=[["allocation", "ownership_events"], ["marts", "account_scores"]],
    partitions_def=run_dates,
    backfill_policy=dg.BackfillPolicy.multi_run(1),
    pool="warehouse",
    description="crm_owner_changes_<date>.csv (Data Loader upsert on Account) and "
    "rep_book_changes_<date>.csv (what entered and left each rep's book, and why)",
)
def book_changes(
    context: dg.AssetExecutionContext, warehouse: Warehouse, exports: ExportFolder, rules: RulesFile
):
    date = as_of(context)
    distribution = rules.load().distribution
    named = distribution.pool_owner_id
    folder = exports.abs_path
    folder.mkdir(parents=True, exist_ok=True)
    crm_path = folder / f"crm_owner_changes_{date.isoformat()}.csv"
    reps_path = folder / f"rep_book_changes_{date.isoformat()}.csv"
    with warehouse.connect() as con:
        events = store.exported_events(con, date)
        owner = store.pool_owner(con, named)
        if named and owner != named:
            raise ValueError(f"distribution.pool_owner_id {named!r} is not a user in User.csv")
        crm = crm_owner_changes(events, owner, distribution.shared_ownership)
        reps = rep_changes(events, store.account_names(con, events["account_id"]))
        _write_csv(crm, crm_path)
        _write_csv(reps, reps_path)
    return dg.MaterializeResult(
        metadata={
            "crm_upsert_file": dg.MetadataValue.path(str(crm_path)),
            "rep_changes_file": dg.MetadataValue.path(str(reps_path)),
            "accounts_changed": len(crm),
            "reps_with_changes": int(reps["rep_id"].nunique()) if len(reps) else 0,
        }
    )
