"""What a dbt model's materialization shows in the Dagster UI beyond row counts.

Read after `dbt build` returns: dbt holds DuckDB's single write lock while it runs.
"""

from collections.abc import Callable

import dagster as dg
import duckdb
import pandas as pd

PREVIEW_ROWS = 20


def _preview(frame: pd.DataFrame) -> dg.MetadataValue:
    shown = frame.head(PREVIEW_ROWS).astype(object).where(frame.head(PREVIEW_ROWS).notna(), None)
    return dg.MetadataValue.table(
        records=[
            dg.TableRecord({k: (None if v is None else str(v)) for k, v in row.items()})
            for row in shown.to_dict("records")
        ],
        schema=dg.TableSchema(columns=[dg.TableColumn(c, "string") for c in frame.columns]),
    )


def review_queue(con: duckdb.DuckDBPyConnection) -> dict:
    """Open items by reason and the first open items, so RevOps can work it from the UI."""
    by_rule = con.execute(
        "SELECT rule, severity, count(*) AS items FROM marts.review_queue WHERE status = 'open' "
        "GROUP BY ALL ORDER BY items DESC, rule"
    ).df()
    open_items = con.execute(
        "SELECT record_key, file, location, rule, severity, column_name, detail "
        "FROM marts.review_queue WHERE status = 'open' "
        "ORDER BY severity, rule, file, location LIMIT ?",
        [PREVIEW_ROWS],
    ).df()
    decided = con.execute(
        "SELECT count(*) FROM marts.review_queue WHERE status <> 'open'"
    ).fetchone()[0]
    return {
        "open_items": int(by_rule["items"].sum()),
        "decided_items": int(decided),
        "open_by_rule": _preview(by_rule),
        "open_preview": _preview(open_items),
        "how_to_decide": dg.MetadataValue.md(
            "Launch the `record_review_decisions` job with `account_ids`, `decision` "
            "(`reintroduce` or `retire`) and a `note`; the next run applies it."
        ),
    }


DESCRIBE: dict[dg.AssetKey, Callable[[duckdb.DuckDBPyConnection], dict]] = {
    dg.AssetKey(["marts", "review_queue"]): review_queue,
}
