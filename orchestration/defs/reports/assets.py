"""The coverage report, written on every run and linked from the asset's metadata."""

import dagster as dg

from orchestration.files import ExportFolder
from orchestration.partitions import as_of, run_dates
from orchestration.stores import marts
from orchestration.warehouse import Warehouse


@dg.asset(
    key=["reports", "coverage"],
    group_name="exports",
    kinds={"html", "plotly"},
    deps=[
        ["marts", "coverage_daily"],
        ["marts", "coverage_by_segment"],
        ["marts", "rep_books"],
        ["marts", "pool"],
        ["marts", "distribution_validation"],
        ["marts", "rep_fairness"],
        ["marts", "pool_runway"],
    ],
    partitions_def=run_dates,
    backfill_policy=dg.BackfillPolicy.multi_run(1),
    pool="warehouse",
    description="coverage_report_<date>.html: coverage trend, book quality per rep, pool by "
    "state and segment, distribution funnel; one self-contained page",
)
def coverage_report(context: dg.AssetExecutionContext, warehouse: Warehouse, exports: ExportFolder):
    date = as_of(context)
    from orchestration import report  # plotly: loaded by the step, not by every process

    with warehouse.connect() as con:
        frames = marts.report_frames(con)
    built = report.build(frames, date)
    folder = exports.abs_path
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"coverage_report_{date.isoformat()}.html"
    path.write_text(built.html, encoding="utf-8")
    return dg.MaterializeResult(
        metadata={
            "report": dg.MetadataValue.url(exports.link(path)),
            "report_path": dg.MetadataValue.path(str(path)),
            # Numbers, so the UI can plot them across runs.
            **{k: v for k, v in built.numbers.items() if v is not None},
        }
    )
