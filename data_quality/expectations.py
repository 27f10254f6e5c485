"""Great Expectations 1.x suites as code, and a runner that maps failures back to rows.

A suite is a list of `Rule`s: a GX expectation plus a name RevOps can read in
the review queue and a severity. Blocking rules quarantine the failing rows
(a bad value there would corrupt books); warnings are reported, rows kept.
"""

from __future__ import annotations

import functools
import gc
import logging
import os
from dataclasses import dataclass, field

import pandas as pd

ROW = "_row"  # the row's position in its landing file, carried through validation
# The range of a nanosecond timestamp, the only date or time GX compares in bulk, in whole
# microseconds (the precision of DuckDB's and Python's): dates outside it are clipped.
NS_RANGE = (pd.Timestamp.min.ceil("us").as_unit("us"), pd.Timestamp.max.floor("us").as_unit("us"))

BLOCKING, WARNING = "blocking", "warning"
SEVERITIES = (BLOCKING, WARNING)  # a rule's: whether its rows load


@functools.cache
def _gx():
    """Great Expectations, imported when a rule first runs: importing it takes seconds,
    which every Dagster process loading the definitions paid (a review decision's run
    included). Python's collector is paused while it loads: what an import builds stays,
    and full collections during it (a quarter of its time) walked that in vain."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        import great_expectations as gx
        from great_expectations.execution_engine import pandas_execution_engine
    finally:
        if enabled:
            gc.enable()

    # GX fingerprints every frame under 1 GB (hashing all its values) only to note it among
    # the result's batch markers, which nothing here reads, and it is a large share of a
    # validation's time. The threshold is GX's only switch for it.
    pandas_execution_engine.HASH_THRESHOLD = 0
    return gx


# Expectations (GX class names) that judge each value by itself.
VALUE_BY_VALUE = frozenset(
    {
        "ExpectColumnValuesToNotBeNull",
        "ExpectColumnValuesToBeNull",
        "ExpectColumnValuesToBeBetween",
        "ExpectColumnValuesToBeInSet",
        "ExpectColumnValuesToNotBeInSet",
        "ExpectColumnValuesToMatchRegex",
        "ExpectColumnValuesToNotMatchRegex",
    }
)


@dataclass(frozen=True)
class Rule:
    name: str
    expectation: str  # the name of a class of gx.expectations
    kwargs: dict
    blocking: bool = True
    dated: bool = False  # its max_value moves with the run date ("not in the future")

    def build(self):
        # meta carries our rule name through GX, so each result maps back to its rule.
        expectation = getattr(_gx().expectations, self.expectation)
        return expectation(**self.kwargs, meta={"rule": self.name})

    @property
    def severity(self) -> str:
        return BLOCKING if self.blocking else WARNING

    @property
    def spans_rows(self) -> bool:
        """Whether a row's verdict depends on other rows (so the column is checked whole)."""
        return self.expectation == "ExpectColumnValuesToBeUnique"

    @property
    def judges_values(self) -> bool:
        """Whether its verdict on a row is its verdict on the row's value in its one column,
        whatever the other rows hold: a value can then be judged once for all its rows. A
        rule allowing some failures (`mostly`) counts rows, not values."""
        return (
            self.expectation in VALUE_BY_VALUE
            and len(self.columns) == 1
            and "mostly" not in self.kwargs
        )

    @property
    def undated_kwargs(self) -> dict:
        """The kwargs that stay the same from one run date to the next."""
        return {k: v for k, v in self.kwargs.items() if not (self.dated and k == "max_value")}

    @property
    def columns(self) -> list[str]:
        return [v for k, v in self.kwargs.items() if k in ("column", "column_A", "column_B")]


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

    @property
    def failed(self) -> list[dict]:
        return [item for item in self.summary if not item["success"]]

    @property
    def blocking_failed(self) -> bool:
        """A blocking rule caught rows: the check is an error, not a warning."""
        return any(item["severity"] == "blocking" for item in self.failed)

    @classmethod
    def empty(cls) -> Outcome:
        """No rule ran (a missing optional file)."""
        return cls(pd.DataFrame(columns=[ROW, "rule", "severity", "column"]))

    @classmethod
    def combine(cls, parts: list[Outcome]) -> Outcome:
        """One outcome from suites run over chunks of rows or groups of rules."""
        failures = pd.concat([p.failures for p in parts], ignore_index=True)
        summary: dict[str, dict] = {}
        for item in (i for p in parts for i in p.summary):
            seen = summary.setdefault(
                item["rule"], {**item, "success": True, "failed_rows": 0, "sample": []}
            )
            seen["success"] = seen["success"] and item["success"]
            seen["failed_rows"] += item["failed_rows"]
            seen["sample"] = (seen["sample"] + item["sample"])[:SAMPLE]
        return cls(failures, list(summary.values()))


SAMPLE = 5  # failing values shown per rule


def _context():
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    logging.getLogger("great_expectations").setLevel(logging.WARNING)
    gx = _gx()
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    return context


def _vectorizable(frame: pd.DataFrame) -> pd.DataFrame:
    """GX compares values in bulk only for float / int and nanosecond datetime columns, and
    one by one in Python otherwise (much slower on large frames). Nullable integers become
    floats (exact below 2**53) and datetimes nanoseconds; a date past 2262, out of that
    range, is clipped to its end, which is still far in the future."""
    out = {}
    for column, values in frame.items():
        if pd.api.types.is_integer_dtype(values) and values.dtype != "int64":
            out[column] = values.astype("float64")
        elif pd.api.types.is_datetime64_any_dtype(values) and values.dtype != "datetime64[ns]":
            bounded = values.clip(*NS_RANGE)
            out[column] = bounded.astype("datetime64[ns]")
    return frame.assign(**out) if out else frame


@functools.cache
def _frames():
    """GX's batch definition of a frame given when validating, built once per process.
    Suites are validated as they are, not added to the context: each addition to a
    context saved its whole configuration as YAML, and each context made a temporary
    folder for its docs site."""
    return (
        _context()
        .data_sources.add_pandas("frames")
        .add_dataframe_asset("frame")
        .add_batch_definition_whole_dataframe("frame")
    )


def validate(frame: pd.DataFrame, rules: list[Rule], name: str) -> Outcome:
    """Runs the rules over `frame` (which must carry a `_row` column). The rules on a
    column run on that column alone: GX filters the whole frame for each rule (the rows a
    rule skips or fails), so on a wide frame every rule paid for every column."""
    frame = _vectorizable(frame)
    by_columns: dict[tuple[str, ...], list[Rule]] = {}
    for rule in rules:
        by_columns.setdefault(tuple(rule.columns), []).append(rule)
    parts = []
    for i, (columns, on_columns) in enumerate(by_columns.items()):
        # A column the frame lacks is left to GX, which fails the rule on it.
        narrow = frame[[ROW, *(c for c in columns if c in frame)]]
        batch = _frames().get_batch(batch_parameters={"dataframe": narrow})
        parts.append(_validate_on(batch, on_columns, f"{name}.{i}", narrow))
    outcome = Outcome.combine(parts) if parts else Outcome.empty()
    order = {rule.name: i for i, rule in enumerate(rules)}
    outcome.summary.sort(key=lambda item: order[item["rule"]])
    return outcome


# GX lists the failing rows of a rule only when asked for its COMPLETE result, and each
# list it builds evaluates the rule over the rows again: asked for that of every rule,
# GX evaluated a passing rule up to four times. Every rule reports pass or fail first;
# only the rules that failed are run again for their rows.
VERDICT = {"result_format": "BOOLEAN_ONLY"}
ROWS = {"result_format": "COMPLETE", "unexpected_index_column_names": [ROW]}


def _validate_on(batch, rules: list[Rule], name: str, frame: pd.DataFrame) -> Outcome:
    """The outcome of `rules` on one batch: a rule that passes has no failing rows, so its
    verdict alone is its whole result, unless it sets `mostly` (it may pass with some)."""
    suite = _gx().ExpectationSuite(name=name, expectations=[rule.build() for rule in rules])
    verdicts = batch.validate(suite, result_format=VERDICT).results
    failed = {rule.name for rule in rules if "mostly" in rule.kwargs}
    failed |= {item.expectation_config.meta["rule"] for item in verdicts if not item.success}
    if not failed:
        return _outcome(verdicts, rules, frame)
    again = [rule for rule in rules if rule.name in failed]
    suite = _gx().ExpectationSuite(name=name, expectations=[rule.build() for rule in again])
    results = [item for item in verdicts if item.expectation_config.meta["rule"] not in failed]
    results += batch.validate(suite, result_format=ROWS).results
    return _outcome(results, rules, frame)


def _outcome(results, rules: list[Rule], frame: pd.DataFrame) -> Outcome:
    """The rows that failed each rule, and a summary per rule, from GX's results."""
    by_name = {rule.name: rule for rule in rules}
    failures, summary = [], []
    for item in results:
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
                "sample": [
                    str(v) for v in (item.result.get("partial_unexpected_list") or [])[:SAMPLE]
                ],
            }
        )
    return Outcome(pd.DataFrame(failures, columns=[ROW, "rule", "severity", "column"]), summary)


def failures_markdown(failed: list[dict]) -> str:
    """Failed rules from `Outcome.summary` as a table a person reads in the Dagster UI."""
    if not failed:
        return "All expectations passed."
    lines = ["| rule | severity | column | failed rows | sample |", "|---|---|---|---|---|"]
    lines += [
        f"| {i['rule']} | {i['severity']} | {i['column']} | {i['failed_rows']} | "
        f"{', '.join(i['sample'])} |"
        for i in failed
    ]
    return "\n".join(lines)
