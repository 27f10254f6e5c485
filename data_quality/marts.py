"""Great Expectations suites on the key marts: what the allocation reads and writes.

A blocking failure on `account_scores` stops the allocation (a bad priority or segment
would put the wrong accounts in books); failures on the books themselves are errors
RevOps must see, but the books were written in one transaction and stay as they were.
"""

from __future__ import annotations

from dataclasses import dataclass

from data_quality.expectations import Rule


@dataclass(frozen=True)
class MartSuite:
    mart: str
    query: str  # reads the columns the rules test, with a _row for the failing-row sample
    rules: list[Rule]
    blocking: bool  # a failure stops what is downstream of the mart


def _unique(rule: str, column: str) -> Rule:
    return Rule(rule, "ExpectColumnValuesToBeUnique", {"column": column})


def _present(rule: str, column: str) -> Rule:
    return Rule(rule, "ExpectColumnValuesToNotBeNull", {"column": column})


def _between(rule: str, column: str, low=None, high=None, blocking=True) -> Rule:
    return Rule(
        rule,
        "ExpectColumnValuesToBeBetween",
        {"column": column, "min_value": low, "max_value": high},
        blocking=blocking,
    )


def mart_suites(segments: list[str]) -> list[MartSuite]:
    return [
        MartSuite(
            "account_scores",
            "SELECT row_number() OVER (ORDER BY account_id) AS _row, account_id, segment, "
            "priority, fit_score, timing_score FROM marts.account_scores",
            [
                _unique("account_id_unique", "account_id"),
                _present("account_id_present", "account_id"),
                Rule(
                    "segment_known",
                    "ExpectColumnValuesToBeInSet",
                    {"column": "segment", "value_set": segments},
                ),
                _present("priority_present", "priority"),
                _between("priority_in_range", "priority", 0, 100),
                _between("fit_in_range", "fit_score", 0, 100),
                _between("timing_in_range", "timing_score", 0, 100),
            ],
            blocking=True,
        ),
        MartSuite(
            "ownership_events",
            "SELECT row_number() OVER (ORDER BY event_id) AS _row, event_id, kind, reason_code, "
            "coalesce(from_rep_id, to_rep_id) AS a_rep FROM marts.ownership_events",
            [
                _unique("event_id_unique", "event_id"),
                # Kinds are dbt's test on the mart (accepted_values), not restated here.
                _present("reason_recorded", "reason_code"),
                # Every change of ownership involves a rep on at least one side.
                _present("rep_on_one_side", "a_rep"),
            ],
            blocking=False,
        ),
        MartSuite(
            "current_books",
            "SELECT row_number() OVER (ORDER BY account_id, lane) AS _row, "
            "account_id || '|' || lane AS book_key, rep_id FROM marts.current_books",
            [
                _unique("one_owner_per_lane", "book_key"),
                _present("owner_present", "rep_id"),
            ],
            blocking=False,
        ),
        MartSuite(
            "rep_books",
            "SELECT row_number() OVER (ORDER BY rep_id) AS _row, rep_id, status, book_size, "
            "capacity, CASE WHEN status = 'departed' THEN 0 ELSE 1 END AS may_hold, "
            "CASE WHEN status = 'departed' THEN book_size ELSE 0 END AS departed_book "
            "FROM marts.rep_books",
            [
                _unique("rep_id_unique", "rep_id"),
                # A departed rep's book is released in the same run.
                _between("departed_reps_hold_nothing", "departed_book", high=0),
                # Adopted CRM books may start above capacity; distribution never adds to them.
                Rule(
                    "book_within_capacity",
                    "ExpectColumnPairValuesAToBeGreaterThanB",
                    {"column_A": "capacity", "column_B": "book_size", "or_equal": True},
                    blocking=False,
                ),
            ],
            blocking=False,
        ),
    ]
