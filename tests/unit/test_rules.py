import time

import pytest
import yaml

from engagement.rules import RulesError, load_rules, parse_rules
from sample_data.generate import RULES_TEMPLATE


def test_sample_rules_file_is_valid_and_matches_defaults():
    rules = load_rules(RULES_TEMPLATE)
    assert rules.segment_names == ["enterprise", "mid_market", "smb"]
    assert rules.working_window_days == 30
    assert rules == parse_rules({})  # the commented sample documents the defaults


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (
            {"working_window_days": 5},
            "working_window_days: Input should be greater than or equal to 15 (got 5)",
        ),
        (
            {"distribution": {"mode": "round_robin"}},
            "distribution.mode: 'round_robin' is not allowed; 'named' or 'queue'",
        ),
        ({"rest_dayz": {}}, "rest_dayz: unknown key"),
        ({"target_book_size": {"SDR": {"midmarket": 10}}}, "unknown segment(s) ['midmarket']"),
        ({"segments": [{"name": "big", "min_employees": 10}]}, "last segment must be a catch-all"),
        ({"distribution": {"open_opportunity_holdout": "named_rep"}}, "holdout_rep_id is required"),
        # An earlier version's keys say what became of them.
        ({"rest_days": {"no_response": 30}}, "rest_days: replaced by return_reasons"),
        ({"seed": 0}, "seed: no longer read"),
        # A rep's reasons are not the system's exits, and bad_data is no rest.
        ({"return_reasons": {"retrieved": 30}}, "'retrieved' is the system's own exit"),
        ({"return_reasons": {"bad_data": 0}}, "bad_data is always allowed"),
    ],
)
def test_bad_rules_name_the_key_and_what_is_allowed(data, expected):
    with pytest.raises(RulesError) as error:
        parse_rules(data, source="rules.yml")
    assert expected in str(error.value)
    assert str(error.value).startswith("rules.yml: ")


def test_malformed_rules_file_fails_fast_with_the_path(tmp_path):
    path = tmp_path / "rules.yml"
    path.write_text(
        yaml.safe_dump({"ramp": [{"days": 60, "share": 0.5}, {"days": 30, "share": 2}]})
    )
    started = time.perf_counter()
    with pytest.raises(RulesError) as error:
        load_rules(path)
    assert time.perf_counter() - started < 1.0
    message = str(error.value)
    assert str(path) in message and "ramp.1.share" in message


def test_missing_and_unparseable_rules_files(tmp_path):
    with pytest.raises(RulesError, match="rules file not found"):
        load_rules(tmp_path / "nope.yml")
    bad = tmp_path / "bad.yml"
    bad.write_text("segments: [unclosed\n")
    with pytest.raises(RulesError, match="not valid YAML"):
        load_rules(bad)


def test_segment_floors_mean_what_a_reader_of_the_rules_expects():
    # A revenue floor alone is a revenue floor: it does not catch every account through an
    # employee floor of 0.
    sizes = {"target_book_size": {"SDR": {"big": 50}}}
    rules = parse_rules(
        {"segments": [{"name": "big", "min_annual_revenue": 1e9}, {"name": "rest"}], **sizes}
    )
    assert rules.segments[0].floors == {"annual_revenue": 1e9}
    one = parse_rules({"segments": [{"name": "everyone"}], "target_book_size": {}})
    assert one.segment_names == ["everyone"]
    for bad, key in (
        ({"segments": [{"name": "a"}, {"name": "b"}]}, "'a' sets neither"),
        ({"segments": [{"name": "a", "min_employees": 0}, {"name": "b"}]}, "'a' sets neither"),
        ({"segments": []}, "segments"),
    ):
        with pytest.raises(RulesError, match=key):
            parse_rules(bad)


def test_a_rep_may_return_with_the_rules_reasons_and_bad_data_and_dbt_gets_the_list():
    rules = parse_rules({"return_reasons": {"wrong_persona": 60}})
    assert rules.allowed_returns == ["bad_data", "wrong_persona"]
    derived = rules.dbt_vars()["rules"]["derived"]
    assert derived == {"lanes": ["all"], "allowed_returns": ["bad_data", "wrong_persona"],
                       "fit_configured": True}  # fmt: skip
    shared = parse_rules({"distribution": {"shared_ownership": True}, "fit": {}})
    assert shared.dbt_vars()["rules"]["derived"]["lanes"] == ["AE", "SDR"]
    assert shared.dbt_vars()["rules"]["derived"]["fit_configured"] is False
