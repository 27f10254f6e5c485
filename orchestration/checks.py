"""A Great Expectations outcome as a Dagster asset check result a person can read."""

import dagster as dg

from data_quality.expectations import Outcome, failures_markdown


def suite_result(
    outcome: Outcome,
    asset_key: dg.AssetKey | None = None,
    check_name: str | None = None,
    **metadata,
) -> dg.AssetCheckResult:
    """Red (error) when a blocking rule failed, yellow (warn) for warnings only; the failed
    rules as a table with their failing rows and a sample of the bad values. The key and
    name are needed only from a multi-asset; a decorated check knows its own."""
    return dg.AssetCheckResult(
        asset_key=asset_key,
        check_name=check_name,
        passed=outcome.success,
        severity=dg.AssetCheckSeverity.ERROR
        if outcome.blocking_failed
        else dg.AssetCheckSeverity.WARN,
        metadata={
            "failed_expectations": dg.MetadataValue.md(failures_markdown(outcome.failed)),
            "expectations_run": len(outcome.summary),
            "rows_failing_blocking_rules": len(outcome.blocking_rows),
            **metadata,
        },
    )
