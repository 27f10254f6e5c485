"""Ingest: every landing file into its typed raw table, bad rows into the quarantine.

One step loads all files over one connection (DuckDB takes one writer at a time).
The accounts file runs its Great Expectations suite on the way in; the suite's
result is reported as an asset check, and every file reports whether its rows
reconcile (read = loaded + quarantined).
"""

import dagster as dg

from data_quality.contract import LANDING_FILES, QUARANTINE_ASSET_KEY
from data_quality.expectations import ACCOUNT_TYPES, account_rules, return_rules
from data_quality.ingest import load_landing_file
from data_quality.review import DECISIONS_DDL
from orchestration.partitions import as_of, daily
from orchestration.resources import LandingFolder, RulesFile, Warehouse

# Great Expectations suites by table, built from the rules of engagement.
SUITES = {
    "accounts": lambda rules: account_rules(ACCOUNT_TYPES),
    "returns": lambda rules: return_rules(rules.return_reasons),
}
REQUIRED = {"Account.csv", "User.csv", "reps.csv"}


def _key(spec) -> dg.AssetKey:
    return dg.AssetKey(spec.asset_key)


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            _key(spec),
            description=f"{spec.file}, typed; table {spec.raw_table}",
            group_name="landing",
            kinds={"duckdb", "csv"},
        )
        for spec in LANDING_FILES
    ]
    + [
        dg.AssetSpec(
            dg.AssetKey(QUARANTINE_ASSET_KEY),
            group_name="landing",
            kinds={"duckdb"},
            description="Rows kept out of raw.* by a blocking rule, and warnings, with "
            "the file, row, rule and raw values",
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
            f"{table}_expectations",
            asset=_key(spec),
            description="Great Expectations suite on the landing file",
        )
        for spec in LANDING_FILES
        for table in SUITES
        if spec.table == table
    ],
    partitions_def=daily,
    backfill_policy=dg.BackfillPolicy.multi_run(1),
    pool="warehouse",
)
def landing_files(
    context: dg.AssetExecutionContext,
    warehouse: Warehouse,
    landing: LandingFolder,
    rules: RulesFile,
):
    date = as_of(context)
    roe = rules.load()
    total_quarantined = 0
    with warehouse.connect() as con:
        con.execute(DECISIONS_DDL)  # dbt reads it as a source before any decision exists
        for spec in LANDING_FILES:
            suite = SUITES.get(spec.table)
            report = load_landing_file(
                con,
                spec,
                landing.abs_path,
                date,
                rules=suite(roe) if suite else None,
                required_file=spec.file in REQUIRED,
            )
            total_quarantined += report.rows_quarantined
            yield dg.MaterializeResult(
                asset_key=_key(spec),
                metadata={
                    "rows_read": report.rows_read,
                    "rows_loaded": report.rows_loaded,
                    "rows_quarantined": report.rows_quarantined,
                    "quarantined_by_rule": report.quarantined_by_rule,
                    "unknown_columns_kept": report.unknown_columns,
                    "file_missing": report.missing_file,
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
            if report.expectations is not None:
                outcome = report.expectations
                failed = [s for s in outcome.summary if not s["success"]]
                yield dg.AssetCheckResult(
                    asset_key=_key(spec),
                    check_name=f"{spec.table}_expectations",
                    passed=outcome.success,
                    # Failing rows are already quarantined, so books stay safe: warn, don't block.
                    severity=dg.AssetCheckSeverity.WARN,
                    metadata={
                        "failed_expectations": dg.MetadataValue.md(_table(failed)),
                        "rows_failing_blocking_rules": len(outcome.blocking_rows),
                    },
                )
        rows = con.execute(
            "SELECT count(*) FROM quality.quarantine WHERE as_of_date = ?", [date]
        ).fetchone()[0]
    yield dg.MaterializeResult(
        asset_key=dg.AssetKey(QUARANTINE_ASSET_KEY),
        metadata={"items": rows, "rows_quarantined": total_quarantined},
    )


def _table(items: list[dict]) -> str:
    if not items:
        return "All expectations passed."
    lines = ["| rule | severity | column | failed rows | sample |", "|---|---|---|---|---|"]
    lines += [
        f"| {i['rule']} | {i['severity']} | {i['column']} | {i['failed_rows']} | "
        f"{', '.join(i['sample'])} |"
        for i in items
    ]
    return "\n".join(lines)
