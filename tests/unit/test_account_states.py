"""Every account's state after a run, as the engine writes it: the one copy of the state
machine the marts project (pool, account_states, claim_queue)."""

import datetime as dt

import pandas as pd

from allocation import engine
from allocation.engine import Inputs
from allocation.events import empty_events
from engagement.rules import parse_rules
from tests.unit.test_allocation import AS_OF, accounts, activity, reps


def _states(result) -> pd.DataFrame:
    return result.states.set_index(["account_id", "lane"])


def test_an_away_reps_idle_book_is_kept_not_due_for_retrieval():
    rules = parse_rules({"grace_days": 14})
    roster = reps({"rep_id": "r1", "target_book_size_override": 5})
    frame = accounts([("a1", 50, "smb", "r1"), ("a2", 40, "smb", "r1")])
    first = engine.run(Inputs(frame, roster, empty_events()), rules, AS_OF, "run-1")
    later = AS_OF + dt.timedelta(days=20)  # grace over, nobody worked them
    on_leave = reps(
        {"rep_id": "r1", "target_book_size_override": 5, "unavailable_until": pd.Timestamp(later)
         + pd.Timedelta(days=30)}
    )  # fmt: skip
    second = engine.run(Inputs(frame, on_leave, first.events), rules, later, "run-2")
    assert second.events.empty  # the engine keeps the book for the rep's return
    states = _states(second)
    assert set(states["state"]) == {"kept_while_away"}
    assert set(states["rep_id"]) == {"r1"}


def test_adopted_crm_books_are_in_grace_like_distributed_ones():
    rules = parse_rules({"grace_days": 14})
    roster = reps({"rep_id": "r1", "target_book_size_override": 5})
    frame = accounts([("a1", 50, "smb", "r1")])
    first = engine.run(Inputs(frame, roster, empty_events()), rules, AS_OF, "run-1")
    row = _states(first).loc[("a1", "all")]
    assert row["state"] == "in_grace" and row["entered_by"] == "adoption"
    assert row["grace_until"] == pd.Timestamp(AS_OF + dt.timedelta(days=14))


def test_pool_states_follow_one_order_and_the_eligible_are_queued_best_first():
    rules = parse_rules(
        {"distribution": {"min_priority": 30, "mode": "queue"}, "return_reasons": {"not_icp": 90}}
    )
    roster = reps({"rep_id": "r1", "target_book_size_override": 5})
    frame = accounts([("hi", 90), ("mid", 60), ("low", 10), ("cust", 80), ("rest", 70)])
    frame.loc[frame["account_id"] == "cust", "is_new_business"] = False
    frame["scope_reason"] = frame["account_id"].map({"cust": "a customer"})
    nobody = pd.DataFrame(columns=["account_id", "rep_id", "claimed_at"])
    first = engine.run(Inputs(frame, roster, empty_events(), claims=nobody), rules, AS_OF, "r1")
    states = _states(first)
    assert states["state"].to_dict() == {
        ("cust", "all"): "out_of_scope",
        ("hi", "all"): "eligible",
        ("low", "all"): "below_min_priority",
        ("mid", "all"): "eligible",
        ("rest", "all"): "eligible",
    }
    # Queue mode, nobody claimed: the queue is the segment's, best first.
    assert states.loc[("hi", "all"), "queue"] == "smb"
    ranks = states["queue_rank"].dropna().astype(int).to_dict()
    assert ranks == {("hi", "all"): 1, ("rest", "all"): 2, ("mid", "all"): 3}
    assert "priority below the minimum of 30" in states.loc[("low", "all"), "state_reason"]


def test_a_returned_account_rests_with_its_reason_until_the_day_it_is_eligible_again():
    rules = parse_rules({"return_reasons": {"not_icp": 10}})
    roster = reps({"rep_id": "r1", "target_book_size_override": 1})
    frame = accounts([("a1", 50)])
    first = engine.run(Inputs(frame, roster, empty_events()), rules, AS_OF, "run-1")
    day = AS_OF + dt.timedelta(days=2)
    back = pd.DataFrame(
        [{"account_id": "a1", "rep_id": "r1", "returned_at": pd.Timestamp(day),
          "reason": "not_icp", "source_row": 1}]
    )  # fmt: skip
    worked = activity(("a1", "r1", day, False))
    second = engine.run(Inputs(frame, roster, first.events, worked, back), rules, day, "run-2")
    row = _states(second).loc[("a1", "all")]
    assert row["state"] == "resting" and pd.isna(row["rep_id"])
    assert (row["left_by"], row["left_reason"]) == ("return", "not_icp")
    assert row["rest_until"] == pd.Timestamp(day + dt.timedelta(days=10))


def test_the_dbt_test_of_states_accepts_exactly_the_engines_states():
    from pathlib import Path

    import yaml

    from allocation.states import BOOK_STATES, POOL_STATES

    staging = yaml.safe_load(
        (Path(__file__).parents[2] / "transforms/models/staging/_staging.yml").read_text()
    )
    (model,) = [m for m in staging["models"] if m["name"] == "stg_allocation__account_states"]
    (column,) = [c for c in model["columns"] if c["name"] == "state"]
    values = column["data_tests"][1]["accepted_values"]["arguments"]["values"]
    assert sorted(values) == sorted(set(BOOK_STATES) | set(POOL_STATES))
