"""The key marts' Great Expectations suites as Dagster asset checks."""

import dagster as dg

from data_quality.expectations import validate
from data_quality.marts import MartSuite, mart_suites
from orchestration.checks import suite_result
from orchestration.partitions import daily
from orchestration.resources import RulesFile, Warehouse


def _check(suite: MartSuite) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=dg.AssetKey(["marts", suite.mart]),
        name="expectations",
        description=f"Great Expectations suite on marts.{suite.mart}"
        + (" (blocking: a failure stops what reads it)" if suite.blocking else ""),
        blocking=suite.blocking,
        partitions_def=daily,
        pool="warehouse",
    )
    def check(warehouse: Warehouse, rules: RulesFile) -> dg.AssetCheckResult:
        # Built per run: the suite checks the segment names of today's rules file.
        (today,) = [s for s in mart_suites(rules.load().segment_names) if s.mart == suite.mart]
        with warehouse.connect() as con:
            frame = con.execute(suite.query).df()
        outcome = validate(frame, today.rules, name=suite.mart)
        return suite_result(outcome, rows_checked=len(frame))

    return check


CHECKS = [_check(suite) for suite in mart_suites(segments=[])]
