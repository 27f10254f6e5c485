"""The Great Expectations suites on landing files: each rule catches its damage, with the
severity that decides whether the row is quarantined."""

import datetime as dt

import pandas as pd
import pytest

from data_quality.expectations import Rule, validate
from data_quality.suites import landing_suites
from engagement.rules import parse_rules

RULES = parse_rules(
    {
        "segments": [{"name": "mid_market", "min_employees": 200}, {"name": "smb"}],
        "target_book_size": {"SDR": {"smb": 100}, "AE": {"smb": 50}},
        "return_reasons": {"disqualified": 90},
        "timing": {"signal_weights": {"funding": 35}},
    }
)
SUITES = landing_suites(RULES, dt.date(2026, 11, 23))


def failures(table, **columns):
    frame = pd.DataFrame(columns)
    frame.insert(0, "_row", range(1, len(frame) + 1))
    found = validate(frame, SUITES[table], table).failures
    return sorted(zip(found["_row"], found["rule"], found["severity"], strict=True))


def test_every_landing_table_has_a_suite():
    from data_quality.contract import LANDING_FILES

    assert {spec.table for spec in LANDING_FILES} == set(SUITES)
    for table, rules in SUITES.items():
        assert rules, table


def test_tasks_duplicate_ids_far_future_dates_and_negative_durations_block():
    found = failures(
        "tasks",
        Id=["t1", "t2", "t2"],
        ActivityDate=pd.to_datetime(["2026-11-01", "2028-01-01", None]),
        CallDurationInSeconds=[30, -5, None],
    )
    assert found == [
        (2, "call_duration_not_negative", "blocking"),
        (2, "task_id_unique", "blocking"),
        (2, "task_not_far_future", "blocking"),
        (3, "task_id_unique", "blocking"),
    ]


def test_roster_roles_segments_and_sizes():
    found = failures(
        "reps",
        rep_id=["r1", "r2", "r3"],
        role=["SDR", "ae", "Manager"],
        segments=["smb", "Mid_Market;smb", "enterprise"],
        target_book_size=[10, -1, None],
    )
    assert found == [
        (2, "target_book_size_not_negative", "blocking"),
        (3, "role_allowed", "blocking"),
        (3, "segments_known", "blocking"),
    ]


@pytest.mark.parametrize(
    ("observed", "strength", "signal_type", "expected"),
    [
        ("2026-11-23 18:00", 50.0, "funding", []),
        ("2026-11-24 00:00", 50.0, "funding", [(1, "signal_not_in_future", "blocking")]),
        ("2026-11-20 00:00", 101.0, "funding", [(1, "strength_in_range", "blocking")]),
        ("2026-11-20 00:00", 10.0, "webinar", [(1, "signal_type_known", "warning")]),
    ],
)
def test_signals(observed, strength, signal_type, expected):
    found = failures(
        "signals",
        strength=[strength],
        observed_at=pd.to_datetime([observed]),
        signal_type=[signal_type],
    )
    assert found == expected


def test_dates_outside_nanosecond_timestamps_are_judged_not_fatal():
    # A frame's microsecond dates are clipped into what GX compares in bulk: 1500 passes
    # "not far in the future", 9999 fails it.
    dates = pd.array(
        [pd.Timestamp("1500-01-01"), pd.Timestamp("9999-12-31"), pd.Timestamp("2026-11-01")],
        dtype="datetime64[us]",
    )
    found = failures("tasks", Id=["t1", "t2", "t3"], ActivityDate=dates,
                     CallDurationInSeconds=[1, 1, 1])  # fmt: skip
    assert found == [(2, "task_not_far_future", "blocking")]


def test_spaces_are_what_pythons_backslash_s_matches():
    import re
    import sys

    from data_quality.suites import SPACES

    spaces = re.compile(f"[{SPACES}]")
    assert [c for c in map(chr, range(sys.maxunicode + 1)) if spaces.match(c)] == [
        c for c in map(chr, range(sys.maxunicode + 1)) if re.match(r"\s", c)
    ]


def test_the_email_rule_judges_as_the_backslash_s_pattern_does():
    # The rule spells `\s` out so pandas can run it in pyarrow; its verdicts must not move.
    import re

    awkward = ["a@b.com", "a b@c.com", "a@b.com\n", "a@b.com ", "a\u00a0b@c.com",
               "a@b\u3000c.com", "a\x1cb@c.com", "a\u200bb@c.com", "é@b.com", "a@@b.com",
               "a@b.c", "a@b.co.uk", "\ta@b.com", "a@b.com\nx"]  # fmt: skip
    old = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")
    expected = [(i, "lead_email_well_formed", "warning")
                for i, e in enumerate(awkward, 1) if not old.search(e)]  # fmt: skip
    found = failures("leads", Id=[f"l{i}" for i in range(len(awkward))], Email=awkward,
                     CreatedDate=pd.to_datetime(["2026-01-01"] * len(awkward)))  # fmt: skip
    assert found == expected and len(expected) == 9


def test_emails_and_amounts_warn_without_blocking():
    assert failures("leads", Id=["l1", "l2"], Email=["a@b.com", "not-an-email"],
                    CreatedDate=pd.to_datetime(["2026-01-01", "2026-01-01"])) == [
        (2, "lead_email_well_formed", "warning")
    ]  # fmt: skip
    assert failures(
        "opportunities",
        Id=["o1"],
        Amount=[-10.0],
        CreatedDate=pd.to_datetime(["2027-01-01"]),
    ) == [
        (1, "amount_not_negative", "warning"),
        (1, "opportunity_created_not_in_future", "warning"),
    ]


def test_returns_and_claims_dated_after_the_run_block():
    assert failures(
        "returns",
        reason=["bad_data", "because"],
        returned_at=pd.to_datetime(["2026-11-23 12:00", "2026-11-30 00:00"]),
    ) == [(2, "return_not_in_future", "blocking"), (2, "return_reason_allowed", "blocking")]
    assert failures("claims", claimed_at=pd.to_datetime(["2026-11-24 09:00"])) == [
        (1, "claim_not_in_future", "blocking")
    ]


def test_the_summary_lists_failing_rows_and_samples_and_a_lenient_rule_its_rows_too():
    lenient = Rule(
        "mostly_not_negative",
        "ExpectColumnValuesToBeBetween",
        {"column": "CallDurationInSeconds", "min_value": 0, "mostly": 0.5},
    )
    frame = pd.DataFrame(
        {
            "_row": [1, 2, 3],
            "Id": ["t1", "t2", "t3"],
            "ActivityDate": pd.to_datetime(["2026-11-01", "2026-11-02", "2029-01-01"]),
            "CallDurationInSeconds": [30, -5, 10],
        }
    )
    outcome = validate(frame, [*SUITES["tasks"], lenient], "tasks")
    summary = {item["rule"]: item for item in outcome.summary}
    assert [item["rule"] for item in outcome.summary] == [
        "task_id_unique", "task_not_far_future", "call_duration_not_negative",
        "mostly_not_negative",
    ]  # fmt: skip
    assert summary["task_id_unique"] == {
        "rule": "task_id_unique", "severity": "blocking", "column": "Id", "success": True,
        "failed_rows": 0, "sample": [],
    }  # fmt: skip
    far_future = summary["task_not_far_future"]
    assert (far_future["success"], far_future["failed_rows"]) == (False, 1)
    assert far_future["sample"] == ["2029-01-01 00:00:00"]
    assert summary["call_duration_not_negative"]["sample"] == ["-5"]
    # Passing on the whole, a rule with `mostly` still names the rows it caught.
    assert summary["mostly_not_negative"]["success"] is True
    assert summary["mostly_not_negative"]["failed_rows"] == 1
    assert sorted(zip(outcome.failures["_row"], outcome.failures["rule"], strict=True)) == [
        (2, "call_duration_not_negative"),
        (2, "mostly_not_negative"),
        (3, "task_not_far_future"),
    ]


def test_rows_that_cannot_count_toward_anything_are_flagged_and_kept():
    # A deal with no account or no creation date, an event with no date: nothing measures
    # them, and nothing should break on them; RevOps hears of each.
    assert failures(
        "opportunities",
        Id=["o1", "o2", "o3"],
        AccountId=["001A", None, "001B"],
        Amount=[10.0, 10.0, 10.0],
        CreatedDate=pd.to_datetime(["2026-01-01", "2026-01-01", None]),
    ) == [
        (2, "opportunity_account_present", "warning"),
        (3, "opportunity_created_present", "warning"),
    ]
    assert failures(
        "events", Id=["e1", "e2"], StartDateTime=pd.to_datetime(["2026-01-01", None])
    ) == [(2, "event_date_present", "warning")]
