"""What a dbt model's materialization shows in the Dagster UI beyond row counts.

Read after `dbt build` returns: dbt holds DuckDB's single write lock while it runs.
"""

from collections.abc import Callable

import dagster as dg
import duckdb
import pandas as pd

from orchestration.defs.quality.review import sync_review_items
from orchestration.stores import marts
from orchestration.stores.review import items, recent_decisions

PREVIEW_ROWS = 20
LISTED_ROWS = 500  # open items listed with their ids; `books review list` shows all


def _preview(frame: pd.DataFrame, rows: int = PREVIEW_ROWS) -> dg.MetadataValue:
    shown = frame.head(rows).astype(object).where(frame.head(rows).notna(), None)
    return dg.MetadataValue.table(
        records=[
            dg.TableRecord({k: (None if v is None else str(v)) for k, v in row.items()})
            for row in shown.to_dict("records")
        ],
        schema=dg.TableSchema(columns=[dg.TableColumn(c, "string") for c in frame.columns]),
    )


def review_queue(con: duckdb.DuckDBPyConnection, instance: dg.DagsterInstance) -> dict:
    """Open items by reason, the open items with their ids and the decisions each allows,
    and the decisions made, so RevOps can work the queue from the UI; the review job's
    partitions made the queue's items."""
    partitions = sync_review_items(instance, con)
    by_rule, decided = marts.review_counts(con)
    open_items = items(con)
    listed = open_items[
        ["review_item_id", "item_kind", "allowed", "file", "location", "record_key", "rule",
         "column_name", "detail", "raw_record"]
    ]  # fmt: skip
    return {
        "open_items": len(open_items),
        "decided_items": int(decided),
        "open_by_rule": _preview(by_rule),
        "open_items_list": _preview(listed, LISTED_ROWS),
        # Every decision, newest first: who, when, from which run, the note (an item's
        # whole history: `books review show ITEM`).
        "decision_history": _preview(recent_decisions(con, LISTED_ROWS), LISTED_ROWS),
        "review_items": partitions,
        "how_to_decide": dg.MetadataValue.md(
            "Each item is a partition of **quality/review_decisions**, its key reading the "
            "item: id, kind, file and record, rule, and the decisions it allows. In the UI: "
            "**Jobs → record_review_decisions → Launchpad**, pick the item in the partition "
            "list; the form comes filled for it: choose the `decision`, give your name "
            "(`decided_by`) and a `note`, and launch. In a terminal: "
            "`books review decide ITEM... --decision D --by NAME --note N`. "
            "The next daily run applies it, a run of today again included."
        ),
    }


DESCRIBE: dict[dg.AssetKey, Callable[[duckdb.DuckDBPyConnection, dg.DagsterInstance], dict]] = {
    dg.AssetKey(["marts", "review_queue"]): review_queue,
}
