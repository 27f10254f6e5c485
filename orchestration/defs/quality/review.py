"""The RevOps review job: record reintroduce / retire decisions from the Dagster UI.

Launch `record_review_decisions` with run config such as
    ops: {quality__review_decisions: {config: {account_ids: ["001..."], decision: retire}}}
The next daily run puts reintroduced accounts back in the pool and keeps retired ones out.
"""

import datetime as dt

import dagster as dg

from data_quality.review import DECISIONS_DDL, DECISIONS_TABLE, decisions_frame
from orchestration.resources import Warehouse


class ReviewDecision(dg.Config):
    account_ids: list[str]
    decision: str  # reintroduce | retire
    note: str = ""


@dg.asset(
    key=["quality", "review_decisions"],
    group_name="review",
    kinds={"duckdb"},
    pool="warehouse",
    description="Append-only RevOps decisions on review-queue accounts: reintroduce or retire",
)
def review_decisions(
    context: dg.AssetExecutionContext, config: ReviewDecision, warehouse: Warehouse
) -> dg.MaterializeResult:
    with warehouse.connect() as con:
        con.execute(DECISIONS_DDL)
        queued = {
            row[0]
            for row in con.execute(
                "SELECT DISTINCT record_key FROM marts.review_queue WHERE record_key IS NOT NULL"
            ).fetchall()
        }
        rows = decisions_frame(
            config.account_ids,
            config.decision,
            config.note,
            queued,
            dt.datetime.now(dt.UTC).replace(tzinfo=None),
            context.run_id,
        )
        con.execute(f"INSERT INTO {DECISIONS_TABLE} SELECT * FROM rows")
        total = con.execute(f"SELECT count(*) FROM {DECISIONS_TABLE}").fetchone()[0]
    return dg.MaterializeResult(
        metadata={
            "recorded": len(rows),
            "decision": config.decision,
            "accounts": dg.MetadataValue.md("\n".join(f"- {a}" for a in rows["account_id"])),
            "decisions_total": total,
        }
    )


record_review_decisions = dg.define_asset_job(
    "record_review_decisions",
    selection=[review_decisions],
    description="Record RevOps decisions (reintroduce / retire) on review-queue accounts",
)
