"""Ingest: every landing file into its typed landed table and raw view, bad rows into the
quarantine.

One step loads all files over one connection (DuckDB takes one writer at a time).
The accounts file runs its Great Expectations suite on the way in; the suite's
result is reported as an asset check, and every file reports whether its rows
reconcile (read = loaded + quarantined).
"""

import dagster as dg
import pandas as pd
from pydantic import Field

from data_quality import preflight
from data_quality.contract import LANDING_FILES, QUARANTINE_ASSET_KEY, REQUIRED_FILES
from data_quality.expectations import Outcome
from data_quality.landing import load_landing_files
from data_quality.landing import store as landing_store
from data_quality.landing.store import LOADS_ASSET_KEY
from data_quality.review import ensure_decisions_table
from data_quality.suites import landing_suites
from engagement.countries import aliases
from orchestration.checks import suite_result
from orchestration.files import LandingFolder, RulesFile
from orchestration.partitions import as_of, run_dates
from orchestration.refusal import Refusal
from orchestration.stores import allocation as allocation_store
from orchestration.warehouse import Warehouse

SUITE_CHECK = "expectations"  # one Great Expectations suite per landing file
# Every way a country may be written -> its ISO 3166 alpha-2 code, from pycountry, for
# staging to normalise BillingCountry (names, alpha-3 and alpha-2 alike).
COUNTRIES = ["reference", "countries"]


def _countries() -> pd.DataFrame:
    return pd.DataFrame(sorted(aliases().items()), columns=["alias", "alpha_2"])


def _load(con, folder, date, suites, reread_unchanged: bool):
    ensure_decisions_table(con)  # dbt reads it as a source before any decision exists
    landing_store.write_reference(con, COUNTRIES, _countries())
    return load_landing_files(con, folder, date, suites, REQUIRED_FILES, reread_unchanged)


class IngestConfig(dg.Config):
    reread_unchanged: bool = Field(
        default=False,
        description="Read every file again, even one whose bytes have not changed since "
        "its last load (normally that load is reused).",
    )


def _key(spec) -> dg.AssetKey:
    return dg.AssetKey(spec.asset_key)


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            _key(spec),
            description=f"{spec.file}, typed: view {spec.raw_table} of the rows that loaded, "
            f"numbered by their place in the file (every row read: {spec.landed_table})",
            group_name="landing",
            kinds={"duckdb", "csv"},
        )
        for spec in LANDING_FILES
    ]
    + [
        dg.AssetSpec(dg.AssetKey(key), group_name="landing", kinds={"duckdb"}, description=text)
        for key, text in (
            (
                QUARANTINE_ASSET_KEY,
                "Rows kept out of raw.* by a blocking rule, and warnings, with the file, row, "
                "rule and raw values",
            ),
            (
                COUNTRIES,
                "Every spelling of a country pycountry knows (codes, ISO names) and a few "
                "common English forms, with its ISO 3166 alpha-2 code",
            ),
            (
                LOADS_ASSET_KEY,
                "One row per file per load: read whole, appended to, or reused. Incremental "
                "models read it to know a raw table only grew since they last ran",
            ),
        )
    ],
    check_specs=[
        dg.AssetCheckSpec(
            "rows_reconcile",
            asset=_key(spec),
            description="rows read = rows loaded + rows quarantined",
        )
        for spec in LANDING_FILES
    ]
    + [
        dg.AssetCheckSpec(
            SUITE_CHECK,
            asset=_key(spec),
            description=f"Great Expectations suite on {spec.file}: fails red (error) when a "
            "blocking rule caught rows (they are quarantined), yellow (warn) for warnings only",
        )
        for spec in LANDING_FILES
    ],
    partitions_def=run_dates,
    backfill_policy=dg.BackfillPolicy.multi_run(1),
    pool="warehouse",
)
def landing_files(
    context: dg.AssetExecutionContext,
    config: IngestConfig,
    warehouse: Warehouse,
    landing: LandingFolder,
    rules: RulesFile,
):
    date = as_of(context)
    try:  # the rules against the team, before anything is written
        preflight.check(rules.load(), landing.abs_path, date)
    except preflight.ConfigurationError as exc:
        raise Refusal(str(exc)) from None
    suites = landing_suites(rules.load(), date)
    total_quarantined = 0
    how = {"whole": 0, "appended": 0, "reused": 0}  # files read whole, appended to, reused
    with warehouse.connect() as con:
        try:  # before anything is rewritten: a run from the UI or a backfill
            allocation_store.refuse_rewriting_history(con, date)
        except allocation_store.LaterRunExists as exc:
            raise Refusal(str(exc)) from None
        loads = _load(con, landing.abs_path, date, suites, config.reread_unchanged)
        for spec, report, seconds in loads:
            total_quarantined += report.rows_quarantined
            how[
                "reused" if report.reused_from else "appended" if report.appended_to else "whole"
            ] += 1
            yield dg.MaterializeResult(
                asset_key=_key(spec),
                metadata={
                    "rows_read": report.rows_read,
                    "rows_loaded": report.rows_loaded,
                    "rows_quarantined": report.rows_quarantined,
                    "load_seconds": round(seconds, 3),
                    "quarantined_by_rule": report.quarantined_by_rule,
                    "unknown_columns_kept": report.unknown_columns,
                    "file_missing": report.missing_file,
                    "reused_load_of": str(report.reused_from or ""),
                    "appended_to_load_of": str(report.appended_to or ""),
                },
            )
            yield dg.AssetCheckResult(
                asset_key=_key(spec),
                check_name="rows_reconcile",
                passed=report.reconciles,
                metadata={
                    "rows_read": report.rows_read,
                    "rows_loaded": report.rows_loaded,
                    "rows_quarantined": report.rows_quarantined,
                },
            )
            yield _suite_result(spec, report)
        rows = landing_store.queue_items(con, date)
    yield dg.MaterializeResult(
        asset_key=dg.AssetKey(QUARANTINE_ASSET_KEY),
        metadata={"items": rows, "rows_quarantined": total_quarantined},
    )
    yield dg.MaterializeResult(asset_key=dg.AssetKey(LOADS_ASSET_KEY), metadata=how)
    yield dg.MaterializeResult(
        asset_key=dg.AssetKey(COUNTRIES), metadata={"spellings": len(_countries())}
    )


def _suite_result(spec, report) -> dg.AssetCheckResult:
    """The file's suite as a check. Rows a blocking rule caught are quarantined, so books
    stay safe and the run goes on; the red check tells RevOps there is work."""
    outcome = report.expectations or Outcome.empty()
    return suite_result(
        outcome,
        _key(spec),
        SUITE_CHECK,
        rows_failing_warnings=sum(
            s["failed_rows"] for s in outcome.failed if s["severity"] == "warning"
        ),
        file_missing=report.missing_file,
    )
