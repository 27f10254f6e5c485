"""Great Expectations 1.x suites as code, and a runner that maps failures back to rows.

A suite is a list of `Rule`s: a GX expectation plus a name RevOps can read in
the review queue and a severity. Blocking rules quarantine the failing rows
(a bad value there would corrupt books); warnings are reported, rows kept.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field

import great_expectations as gx
import pandas as pd
from great_expectations.data_context.types.base import ProgressBarsConfig

ROW = "_row"  # the row's position in its landing file, carried through validation


@dataclass(frozen=True)
class Rule:
    name: str
    expectation: type[gx.expectations.Expectation]
    kwargs: dict
    blocking: bool = True

    def build(self) -> gx.expectations.Expectation:
        # meta carries our rule name through GX, so each result maps back to its rule.
        return self.expectation(**self.kwargs, meta={"rule": self.name})

    @property
    def severity(self) -> str:
        return "blocking" if self.blocking else "warning"


@dataclass
class Outcome:
    """Which rows failed which rule, and a per-rule summary for the UI."""

    failures: pd.DataFrame  # columns: _row, rule, severity, column
    summary: list[dict] = field(default_factory=list)

    @property
    def blocking_rows(self) -> set[int]:
        blocking = self.failures[self.failures["severity"] == "blocking"]
        return set(blocking[ROW].tolist())

    @property
    def success(self) -> bool:
        return all(item["success"] for item in self.summary)


def account_rules(account_types: list[str]) -> list[Rule]:
    E = gx.expectations
    return [
        Rule("account_id_present", E.ExpectColumnValuesToNotBeNull, {"column": "Id"}),
        Rule("account_id_unique", E.ExpectColumnValuesToBeUnique, {"column": "Id"}),
        Rule("account_name_present", E.ExpectColumnValuesToNotBeNull, {"column": "Name"}),
        Rule(
            "revenue_not_negative",
            E.ExpectColumnValuesToBeBetween,
            {"column": "AnnualRevenue", "min_value": 0},
        ),
        Rule(
            "employees_not_negative",
            E.ExpectColumnValuesToBeBetween,
            {"column": "NumberOfEmployees", "min_value": 0},
        ),
        Rule(
            "account_type_allowed",
            E.ExpectColumnValuesToBeInSet,
            {"column": "Type", "value_set": account_types},
        ),
        # A missing size only weakens the fit score; the account can still be worked.
        Rule(
            "employees_present",
            E.ExpectColumnValuesToNotBeNull,
            {"column": "NumberOfEmployees"},
            blocking=False,
        ),
        Rule(
            "website_well_formed",
            E.ExpectColumnValuesToMatchRegex,
            {
                "column": "Website",
                "regex": r"^(?:https?://)?(?:[A-Za-z0-9-]+\.)+[A-Za-z]{2,}(?:/.*)?$",
            },
            blocking=False,
        ),
    ]


def return_rules(reasons: list[str]) -> list[Rule]:
    E = gx.expectations
    return [
        Rule(
            "return_reason_allowed",
            E.ExpectColumnValuesToBeInSet,
            {"column": "reason", "value_set": reasons},
        ),
    ]


ACCOUNT_TYPES = ["Prospect", "Customer", "Former Customer", "Partner", "Other"]


def _context() -> gx.data_context.AbstractDataContext:
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    logging.getLogger("great_expectations").setLevel(logging.WARNING)
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    return context


def validate(frame: pd.DataFrame, rules: list[Rule], name: str) -> Outcome:
    """Runs the rules over `frame` (which must carry a `_row` column)."""
    context = _context()
    batch = (
        context.data_sources.add_pandas(name)
        .add_dataframe_asset(name)
        .add_batch_definition_whole_dataframe(name)
        .get_batch(batch_parameters={"dataframe": frame})
    )
    suite = gx.ExpectationSuite(name=name)
    for rule in rules:
        suite.add_expectation(rule.build())
    result = batch.validate(
        suite,
        result_format={"result_format": "COMPLETE", "unexpected_index_column_names": [ROW]},
    )
    by_name = {rule.name: rule for rule in rules}
    failures, summary = [], []
    for item in result.results:
        rule = by_name[item.expectation_config.meta["rule"]]
        indexes = item.result.get("unexpected_index_list") or []
        rows = [
            entry[ROW] if isinstance(entry, dict) else frame[ROW].iloc[entry] for entry in indexes
        ]
        column = item.expectation_config.kwargs.get("column")
        failures.extend((int(r), rule.name, rule.severity, column) for r in rows)
        summary.append(
            {
                "rule": rule.name,
                "severity": rule.severity,
                "column": column,
                "success": bool(item.success),
                "failed_rows": len(rows),
                "sample": [str(v) for v in (item.result.get("partial_unexpected_list") or [])[:5]],
            }
        )
    return Outcome(pd.DataFrame(failures, columns=[ROW, "rule", "severity", "column"]), summary)
