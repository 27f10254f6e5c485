"""The RevOps review job: decide on review-queue items from the Dagster UI.

The launchpad of `record_review_decisions` is a form: a decision (a dropdown), the item
ids (the review queue asset lists the open ones with the decisions each allows), who
decided and a note. The next daily run applies it.
"""

import datetime as dt

import dagster as dg
from pydantic import Field

from data_quality.review import Decision, Request, ReviewError
from orchestration.stores.review import record_decisions
from orchestration.warehouse import Warehouse


class ReviewDecision(dg.Config):
    decision: Decision = Field(
        default=Decision.acknowledge,
        description="reintroduce / retire (a blocked Account row or a bad-data return), "
        "accept / dismiss (a blocked row of another file), acknowledge (a warning)",
    )
    item_ids: list[str] = Field(
        default_factory=list,
        description="Review item ids (review_item_id), as the review queue asset lists them",
    )
    decided_by: str = Field(default="", description="Who decided (your name)")
    note: str = Field(default="", description="Why: read by whoever looks at the item later")
    corrected_value: str | None = Field(
        default=None,
        description="With reintroduce: the value to load instead of the failing one",
    )
    applies_from: str | None = Field(
        default=None,
        description="Run date it applies from, YYYY-MM-DD (default: the queue's date, so the "
        "next run applies it, a run of today again included)",
    )


@dg.asset(
    key=["quality", "review_decisions"],
    group_name="review",
    kinds={"duckdb"},
    pool="warehouse",
    description="Append-only RevOps decisions on review-queue items; the next run applies them",
)
def review_decisions(
    context: dg.AssetExecutionContext, config: ReviewDecision, warehouse: Warehouse
) -> dg.MaterializeResult:
    try:
        applies = dt.date.fromisoformat(config.applies_from) if config.applies_from else None
    except ValueError:
        raise dg.Failure(f"applies_from {config.applies_from!r} is not a date YYYY-MM-DD") from None
    request = Request(
        item_ids=config.item_ids,
        decision=config.decision.value,
        note=config.note,
        decided_by=config.decided_by,
        corrected_value=config.corrected_value,
        applies_from=applies,
    )
    with warehouse.connect() as con:
        try:
            rows = record_decisions(con, request, context.run_id)
        except ReviewError as refused:
            raise dg.Failure(description=str(refused), allow_retries=False) from None
    return dg.MaterializeResult(
        metadata={
            "recorded": len(rows),
            "decision": config.decision.value,
            "decided_by": config.decided_by,
            "applies_to": _applies_to(rows),
            "items": dg.MetadataValue.md(
                "\n".join(
                    f"- {i} ({k}: {f} {r})"
                    for i, k, f, r in rows[
                        ["review_item_id", "item_kind", "file", "record_key"]
                    ].itertuples(index=False)
                )
            ),
        }
    )


def _applies_to(rows) -> str:
    """Which run applies the decisions, in words."""
    dates = sorted({d for d in rows["decided_on"] if d is not None})
    if not dates:
        return "the next run"
    first = dates[0]
    return f"the next run dated {first} or later (a run of {first} again included)"


record_review_decisions = dg.define_asset_job(
    "record_review_decisions",
    selection=[review_decisions],
    description="Decide on review-queue items (reintroduce, retire, accept, dismiss, "
    "acknowledge); the next daily run applies the decisions",
    # In one process: a decision is a few statements, not worth a process start.
    executor_def=dg.in_process_executor,
)
