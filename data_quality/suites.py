"""The landing files' Great Expectations suites: which rules each file is held to, with
the thresholds of the run date and the rules of engagement (`landing_suites`)."""

from __future__ import annotations

import datetime as dt
import re

from data_quality.expectations import Rule
from engagement.rules import Plausible, Rules

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


def account_rules(
    account_types, as_of: dt.date | None = None, plausible: Plausible | None = None
) -> list[Rule]:
    plausible = plausible or Plausible()
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
            "revenue_plausible",
            "ExpectColumnValuesToBeBetween",
            {"column": "AnnualRevenue", "max_value": plausible.max_annual_revenue},
        ),
        Rule(
            "employees_not_negative",
            "ExpectColumnValuesToBeBetween",
            {"column": "NumberOfEmployees", "min_value": 0},
        ),
        Rule(
            "employees_plausible",
            "ExpectColumnValuesToBeBetween",
            {"column": "NumberOfEmployees", "max_value": plausible.max_employees},
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
        "accounts": account_rules(ACCOUNT_TYPES, as_of, rules.plausible),
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
            # A warning, not a quarantine: the deal still keeps its account with its owner
            # (an open deal is not ours to move); staging leaves the amount out of the sums.
            Rule(
                "amount_plausible",
                "ExpectColumnValuesToBeBetween",
                {"column": "Amount", "max_value": rules.plausible.max_deal_amount},
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
