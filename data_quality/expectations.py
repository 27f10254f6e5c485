"""Great Expectations 1.x suites as code, and a runner that maps failures back to rows.

A suite is a list of `Rule`s: a GX expectation plus a name RevOps can read in
the review queue and a severity. Blocking rules quarantine the failing rows
(a bad value there would corrupt books); warnings are reported, rows kept.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import os
import re
from dataclasses import dataclass, field

import pandas as pd

from engagement.rules import Rules

ROW = "_row"  # the row's position in its landing file, carried through validation
# The range of a nanosecond timestamp, the only date or time GX compares in bulk, in whole
# microseconds (the precision of DuckDB's and Python's): dates outside it are clipped.
NS_RANGE = (pd.Timestamp.min.ceil("us").as_unit("us"), pd.Timestamp.max.floor("us").as_unit("us"))


@functools.cache
def _gx():
    """Great Expectations, imported when a rule first runs: importing it takes seconds,
    which every Dagster process loading the definitions paid (a review decision's run
    included)."""
    import great_expectations as gx
    from great_expectations.execution_engine import pandas_execution_engine

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
        return "blocking" if self.blocking else "warning"

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
ACCOUNT_TYPES = ("Prospect", "Customer", "Former Customer", "Partner", "Other")
# What Python's `\s` matches, spelled out: pandas runs a pattern holding `\s` through
# Python's re one value at a time (RE2's `\s` matches less), and this class through
# pyarrow's RE2 in bulk, several times faster.
SPACES = "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
EMAIL = rf"^[^@{SPACES}]+@[^@{SPACES}]+\.[A-Za-z]{{2,}}$"
# Activity dated further ahead than this would count as work for a year: a typo, not a plan.
FAR_FUTURE_DAYS = 365


def _unique(rule: str, column: str) -> Rule:
    return Rule(rule, "ExpectColumnValuesToBeUnique", {"column": column})


def _not_after(rule: str, column: str, latest: dt.datetime, blocking: bool = True) -> Rule:
    return Rule(
        rule,
        "ExpectColumnValuesToBeBetween",
        {"column": column, "max_value": latest.isoformat()},
        blocking=blocking,
        dated=True,
    )


def _present_warning(rule: str, column: str) -> Rule:
    return Rule(rule, "ExpectColumnValuesToNotBeNull", {"column": column}, blocking=False)


def _email(rule: str, column: str) -> Rule:
    # A malformed e-mail weakens lead matching; the record is still usable.
    return Rule(rule, "ExpectColumnValuesToMatchRegex", {"column": column, "regex": EMAIL}, False)


def account_rules(account_types, as_of: dt.date | None = None) -> list[Rule]:
    rules = [
        Rule("account_id_present", "ExpectColumnValuesToNotBeNull", {"column": "Id"}),
        _unique("account_id_unique", "Id"),
        Rule("account_name_present", "ExpectColumnValuesToNotBeNull", {"column": "Name"}),
        Rule(
            "revenue_not_negative",
            "ExpectColumnValuesToBeBetween",
            {"column": "AnnualRevenue", "min_value": 0},
        ),
        Rule(
            "employees_not_negative",
            "ExpectColumnValuesToBeBetween",
            {"column": "NumberOfEmployees", "min_value": 0},
        ),
        Rule(
            "account_type_allowed",
            "ExpectColumnValuesToBeInSet",
            {"column": "Type", "value_set": list(account_types)},
        ),
        # A missing size only weakens the fit score; the account can still be worked.
        Rule(
            "employees_present",
            "ExpectColumnValuesToNotBeNull",
            {"column": "NumberOfEmployees"},
            blocking=False,
        ),
        Rule(
            "website_well_formed",
            "ExpectColumnValuesToMatchRegex",
            {
                "column": "Website",
                "regex": r"^(?:https?://)?(?:[A-Za-z0-9-]+\.)+[A-Za-z]{2,}(?:/.*)?$",
            },
            blocking=False,
        ),
    ]
    if as_of is not None:
        end = dt.datetime.combine(as_of, dt.time.max)
        rules.append(_not_after("account_created_not_in_future", "CreatedDate", end, False))
    return rules


def return_rules(reasons: list[str], as_of: dt.date | None = None) -> list[Rule]:
    rules = [
        Rule(
            "return_reason_allowed",
            "ExpectColumnValuesToBeInSet",
            {"column": "reason", "value_set": reasons},
        ),
    ]
    if as_of is not None:
        end = dt.datetime.combine(as_of, dt.time.max)
        rules.append(_not_after("return_not_in_future", "returned_at", end))
    return rules


def _segments_regex(segments: list[str]) -> str:
    """';'-separated segment names, any case, spaces allowed (staging normalises them)."""
    one = "(?:" + "|".join(re.escape(s) for s in segments) + ")"
    return rf"(?i)^\s*{one}\s*(?:;\s*{one}\s*)*$"


def landing_suites(rules: Rules, as_of: dt.date) -> dict[str, list[Rule]]:
    """One suite per landing table, from the rules of engagement and the run date.
    Blocking where a bad value would corrupt books or scores (duplicate keys, impossible
    numbers, activity or signals dated ahead), warning where the record is still usable."""
    end = dt.datetime.combine(as_of, dt.time.max)
    far = end + dt.timedelta(days=FAR_FUTURE_DAYS)
    return {
        "users": [_unique("user_id_unique", "Id"), _email("user_email_well_formed", "Email")],
        "accounts": account_rules(ACCOUNT_TYPES, as_of),
        "contacts": [
            _unique("contact_id_unique", "Id"),
            _email("contact_email_well_formed", "Email"),
        ],
        "tasks": [
            _unique("task_id_unique", "Id"),
            _not_after("task_not_far_future", "ActivityDate", far),
            Rule(
                "call_duration_not_negative",
                "ExpectColumnValuesToBeBetween",
                {"column": "CallDurationInSeconds", "min_value": 0},
            ),
        ],
        "events": [
            _unique("event_id_unique", "Id"),
            _not_after("event_not_far_future", "StartDateTime", far),
            # An undated meeting keeps no account in a book and counts in no window.
            _present_warning("event_date_present", "StartDateTime"),
        ],
        "opportunities": [
            _unique("opportunity_id_unique", "Id"),
            # A deal on no account or of no date counts toward no account's pipeline.
            _present_warning("opportunity_account_present", "AccountId"),
            _present_warning("opportunity_created_present", "CreatedDate"),
            Rule(
                "amount_not_negative",
                "ExpectColumnValuesToBeBetween",
                {"column": "Amount", "min_value": 0},
                blocking=False,
            ),
            _not_after("opportunity_created_not_in_future", "CreatedDate", end, False),
        ],
        "leads": [
            _unique("lead_id_unique", "Id"),
            _email("lead_email_well_formed", "Email"),
            _not_after("lead_created_not_in_future", "CreatedDate", end, False),
        ],
        "signals": [
            Rule(
                "strength_in_range",
                "ExpectColumnValuesToBeBetween",
                {"column": "strength", "min_value": 0, "max_value": 100},
            ),
            # A signal observed tomorrow would decay upwards and inflate timing.
            _not_after("signal_not_in_future", "observed_at", end),
            Rule(
                "signal_type_known",
                "ExpectColumnValuesToBeInSet",
                {"column": "signal_type", "value_set": sorted(rules.timing.signal_weights)},
                blocking=False,
            ),
        ],
        "reps": [
            _unique("rep_id_unique", "rep_id"),
            Rule(
                "role_allowed",
                "ExpectColumnValuesToMatchRegex",
                {"column": "role", "regex": r"(?i)^\s*(?:SDR|AE)\s*$"},
            ),
            Rule(
                "segments_known",
                "ExpectColumnValuesToMatchRegex",
                {"column": "segments", "regex": _segments_regex(rules.segment_names)},
            ),
            Rule(
                "target_book_size_not_negative",
                "ExpectColumnValuesToBeBetween",
                {"column": "target_book_size", "min_value": 0},
            ),
        ],
        "returns": return_rules(rules.allowed_returns, as_of),
        "claims": [_not_after("claim_not_in_future", "claimed_at", end)],
    }


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
