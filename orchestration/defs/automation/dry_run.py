"""The dry run from the UI: the whole day on a scratch copy, and the changes it would make.

A job of its own, not a flag on `daily_books`: a dry run of the asset job would record
materializations of marts it never wrote, and the asset pages would then show a day that
did not happen. This job records no materialization; its step lists the changes.
"""

from pathlib import Path

import dagster as dg
from pydantic import Field

from orchestration.files import ExportFolder, LandingFolder, RulesFile
from orchestration.partitions import as_of, run_dates
from orchestration.refusal import Refusal
from orchestration.warehouse import Warehouse


class DryRun(dg.Config):
    folder: str = Field(
        default="",
        description="Folder for the preview CSVs (default: previews/ beside the warehouse)",
    )


@dg.op(out=dg.Out(dg.Nothing), tags={"books/dry_run": "true"})
def preview_the_day(
    context: dg.OpExecutionContext,
    config: DryRun,
    warehouse: Warehouse,
    landing: LandingFolder,
    rules: RulesFile,
    exports: ExportFolder,
):
    """Runs the day on a copy of the warehouse; the books, marts and exports stay as they
    are. The run is deterministic, so the real run that follows makes the same changes."""
    # The runner loads these definitions to run them: imported when the step runs.
    from orchestration.runner import RunFailed, RunPaths, preview_books

    source = Path(warehouse.abs_path)
    paths = RunPaths(
        landing=landing.abs_path,
        rules=Path(rules.path).expanduser().resolve(),
        warehouse=source,
        exports_dir=exports.abs_path,
        engine=warehouse.engine,
    )
    folder = Path(config.folder).expanduser().resolve() if config.folder else None
    try:
        shown = preview_books(paths, as_of(context), folder or source.parent / "previews")
    except (RunFailed, OSError, ValueError) as exc:
        raise Refusal(str(exc).splitlines()[0]) from None
    context.log.info(shown.summary)
    return dg.Output(
        None,
        metadata={
            "changes": dg.MetadataValue.md(f"```\n{shown.summary}\n```"),
            "rep_book_changes": dg.MetadataValue.path(str(shown.changes)),
            "crm_owner_changes": dg.MetadataValue.path(str(shown.crm)),
        },
    )


@dg.job(
    partitions_def=run_dates,
    executor_def=dg.in_process_executor,
    description="Dry run: the day's changes per rep and reason, written as CSVs; nothing is "
    "written to the books, the marts or the exports",
)
def daily_books_dry_run():
    preview_the_day()
