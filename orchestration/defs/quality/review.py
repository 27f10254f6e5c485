"""The RevOps review job: decide on review-queue items from the Dagster UI.

Each item of the queue is a partition of `quality/review_decisions` (`review_items`): in
the launchpad of `record_review_decisions` RevOps picks the item from the partition list
(its key reads kind, file and record, rule and the decisions it allows), and the form
comes filled for it with its first allowed decision (the editor lists the others); RevOps
adds a name, a note, and with reintroduce a corrected value. The next run applies it, a
run of today again included. An item's materializations are its decisions.
"""

import json
from collections.abc import Callable

import dagster as dg
from pydantic import Field

from data_quality.review import Decision, Request, ReviewError, allowed
from orchestration.partitions import (
    review_item_decisions,
    review_item_id,
    review_item_key,
    review_items,
)
from orchestration.refusal import Refusal
from orchestration.stores.review import items, record_decisions
from orchestration.warehouse import Warehouse

KEY = ["quality", "review_decisions"]


class ReviewDecision(dg.Config):
    decision: Decision = Field(
        description="One of the decisions the item allows (the end of its partition key)"
    )
    decided_by: str = Field(description="Who decided (your name)")
    note: str = Field(default="", description="Why: read by whoever looks at the item later")
    corrected_value: str | None = Field(
        default=None,
        description="With reintroduce: the value to load instead of the failing one",
    )


@dg.asset(
    key=KEY,
    group_name="review",
    kinds={"duckdb"},
    pool="warehouse",
    partitions_def=review_items,
    description="RevOps' decisions, one partition per review-queue item: an item's "
    "materializations are its decisions (who, when, the note); the next run applies them",
)
def review_decisions(
    context: dg.AssetExecutionContext,
    config: ReviewDecision,
    review_warehouse: dg.ResourceParam[Warehouse],
) -> dg.MaterializeResult:
    item = review_item_id(context.partition_key)
    request = Request(
        item_ids=[item],
        decision=config.decision.value,
        note=config.note,
        decided_by=config.decided_by,
        corrected_value=config.corrected_value,
    )
    with review_warehouse.connect() as con:
        try:
            rows = record_decisions(con, request, context.run_id)
        except ReviewError as refused:
            raise Refusal(str(refused)) from None
        ids, partition_keys, queue = _item_keys(con)
    keys = dict(zip(ids, partition_keys, strict=True))
    rows_as_read = dict(zip(ids, queue["raw_record"], strict=True))
    for row in rows[rows["review_item_id"] != item].itertuples(index=False):
        # Keep sets the other rows of the key aside: their items' history shows it too.
        context.log_event(
            dg.AssetMaterialization(
                KEY, partition=keys[row.review_item_id], metadata=_said(row, rows_as_read)
            )
        )
    (row,) = rows[rows["review_item_id"] == item].itertuples(index=False)
    return dg.MaterializeResult(metadata=_said(row, rows_as_read))


def _said(row, rows_as_read: dict) -> dict:
    """A decision as its item's history shows it, with the row it was made on."""
    return {
        "decision": row.decision,
        "decided_by": row.decided_by,
        "note": row.note,
        "corrected_value": row.corrected_value or "",
        "applies_to": f"the next run dated {row.decided_on} or later (a run of "
        f"{row.decided_on} again included)",
        "row_as_read": _row(rows_as_read.get(row.review_item_id)),
    }


def _item_keys(con):
    """The queue's items (decided ones too: a later decision supersedes) and their keys."""
    frame = items(con, open_only=False)
    keys = [
        review_item_key(i, k, f, w, r, allowed(k, r))
        for i, k, f, w, r in zip(
            frame["review_item_id"], frame["item_kind"], frame["file"],
            frame["record_key"].fillna(frame["location"]), frame["rule"], strict=True,
        )
    ]  # fmt: skip
    return list(frame["review_item_id"]), keys, frame


def sync_review_items(instance: dg.DagsterInstance, con) -> int:
    """The review items' partitions as the queue just built has them: new items added,
    items gone from the queue removed. The number of partitions. (Nothing per item is
    written to the event log here: at a million accounts the queue holds some 11,000
    items, and an event costs milliseconds.)"""
    _, keys, _ = _item_keys(con)
    have = set(instance.get_dynamic_partitions(review_items.name))
    instance.add_dynamic_partitions(review_items.name, [k for k in keys if k not in have])
    for gone in have - set(keys):
        instance.delete_dynamic_partition(review_items.name, gone)
    return len(keys)


def _row(raw_record: str | None):
    """The row as read: JSON, or the text of a line the CSV reader could not parse."""
    try:
        return dg.MetadataValue.json(json.loads(raw_record))
    except (TypeError, ValueError):
        return raw_record or ""


def _filled_for(partition_key: str) -> dict:
    """The launchpad's form for the item picked: its first allowed decision chosen, and
    no name, so the launchpad itself asks for one before anything is launched."""
    config = {"decision": review_item_decisions(partition_key)[0], "note": ""}
    return {"ops": {"quality__review_decisions": {"config": config}}}


def formless(warehouse_of: Callable[[], Warehouse]) -> dg.ResourceDefinition:
    """The warehouse as a resource with no settings of its own, held as every run holds it:
    the review form then shows the decision's fields only, where Dagster's launchpad would
    list the warehouse's and Spark's settings. `warehouse_of` gives it as the run starts."""

    @dg.resource(description="The daily runs' warehouse, for RevOps' decisions")
    def review_warehouse(context: dg.InitResourceContext):
        with warehouse_of().yield_for_execution(context) as held:
            yield held

    return review_warehouse


record_review_decisions = dg.define_asset_job(
    "record_review_decisions",
    selection=[review_decisions],
    config=dg.PartitionedConfig(
        partitions_def=review_items, run_config_for_partition_key_fn=_filled_for
    ),
    description="Decide on a review-queue item: pick it in the partition list (its key "
    "reads the decisions it allows), and the form comes filled for it: choose the decision, "
    "give your name and a note; the next daily run applies it",
    # In one process: a decision is a few statements, not worth a process start.
    executor_def=dg.in_process_executor,
)
