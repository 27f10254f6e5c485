import datetime as dt

import pandas as pd
import pytest

from allocation import engine
from allocation.capacity import rep_capacity
from allocation.events import books_from_events, empty_events
from allocation.rules import parse_rules

AS_OF = dt.date(2026, 11, 23)  # a Monday: a distribution day


def reps(*rows):
    base = {
        "role": "SDR",
        "segments": "smb",
        "target_book_size_override": None,
        "start_date": pd.Timestamp("2020-01-01"),
        "unavailable_until": pd.NaT,
        "departed_on": pd.NaT,
    }
    return pd.DataFrame([{**base, **r} for r in rows])


def accounts(specs):
    """specs: (account_id, priority[, segment[, crm_owner_id]])"""
    rows = []
    for spec in specs:
        account_id, priority, segment, owner = (*spec, "smb", None)[:4]
        rows.append(
            {
                "account_id": account_id,
                "priority": float(priority),
                "segment": segment,
                "crm_owner_id": owner,
                "is_new_business": True,
            }
        )
    frame = pd.DataFrame(rows)
    frame["segment_rank"] = frame.groupby("segment")["priority"].rank(
        ascending=False, method="first"
    )
    return frame


def books(result):
    owned = result.events[result.events["to_rep_id"].notna()]
    return dict(zip(owned["account_id"], owned["to_rep_id"], strict=True))


def test_seed_example_each_rep_works_sixty_good_accounts_weak_ones_stay_in_pool():
    # Jane's territory holds 20 good accounts and 80 weak ones; Joe's holds 100 good ones.
    # Each can work 60. Dynamic books: each works 60 good accounts, the 80 weak stay in the pool.
    rules = parse_rules({"fit": {}})
    good = [(f"g{i:03d}", 90) for i in range(120)]
    weak = [(f"w{i:03d}", 10) for i in range(80)]
    result = engine.run(
        accounts(good + weak),
        reps(
            {"rep_id": "jane", "target_book_size_override": 60},
            {"rep_id": "joe", "target_book_size_override": 60},
        ),
        empty_events(),
        rules,
        AS_OF,
        "run-1",
    )
    owned = books(result)
    assert len(owned) == 120
    assert all(a.startswith("g") for a in owned)
    assert sorted(pd.Series(owned).value_counts().tolist()) == [60, 60]
    assert set(result.events["kind"]) == {"distribution"}
    assert result.events["explanation"].str.contains("priority 90.0").all()


def test_best_accounts_go_first_and_segments_are_respected():
    rules = parse_rules({})
    result = engine.run(
        accounts(
            [("a1", 50, "smb"), ("a2", 80, "smb"), ("a3", 99, "enterprise"), ("a4", 70, "smb")]
        ),
        reps({"rep_id": "r1", "target_book_size_override": 2}),
        empty_events(),
        rules,
        AS_OF,
        "run-1",
    )
    assert books(result) == {"a2": "r1", "a4": "r1"}


def test_crm_owners_are_adopted_departed_reps_release_unavailable_get_nothing():
    rules = parse_rules({})
    result = engine.run(
        accounts([("a1", 50, "smb", "r1"), ("a2", 60, "smb", "gone"), ("a3", 90), ("a4", 80)]),
        reps(
            {"rep_id": "r1", "target_book_size_override": 2},
            {"rep_id": "gone", "departed_on": pd.Timestamp("2026-11-01")},
            {"rep_id": "away", "unavailable_until": pd.Timestamp("2026-12-01")},
        ),
        empty_events(),
        rules,
        AS_OF,
        "run-1",
    )
    events = result.events.set_index("account_id")
    assert events.loc["a1", "kind"] == "adoption" and events.loc["a1", "reason_code"] == "crm_owner"
    # The departed rep's CRM account is not adopted: it waits in the pool.
    assert "a2" not in books(result)
    assert books(result) == {"a1": "r1", "a3": "r1"}
    assert "away" not in books(result).values()
    status = result.capacity.set_index("rep_id")["status"]
    assert status.to_dict() == {"away": "unavailable", "gone": "departed", "r1": "active"}


def test_departed_rep_book_returns_to_the_pool_with_a_reason():
    rules = parse_rules({})
    first = engine.run(
        accounts([("a1", 50), ("a2", 60)]),
        reps({"rep_id": "r1", "target_book_size_override": 2}),
        empty_events(),
        rules,
        AS_OF,
        "run-1",
    )
    later = AS_OF + dt.timedelta(days=1)
    second = engine.run(
        accounts([("a1", 50), ("a2", 60)]),
        reps({"rep_id": "r1", "departed_on": pd.Timestamp(later)}),
        first.events,
        rules,
        later,
        "run-2",
    )
    assert set(second.events["kind"]) == {"release"}
    assert set(second.events["reason_code"]) == {"departed_rep"}
    assert books_from_events(
        pd.concat([first.events, second.events]), later + dt.timedelta(days=1)
    ).empty


def test_ramp_scales_capacity_by_tenure():
    rules = parse_rules({})
    frame = reps(
        {"rep_id": "new", "start_date": pd.Timestamp(AS_OF - dt.timedelta(days=10))},
        {"rep_id": "mid", "start_date": pd.Timestamp(AS_OF - dt.timedelta(days=45))},
        {"rep_id": "old"},
    )
    capacity = rep_capacity(frame, rules, AS_OF).set_index("rep_id")["capacity"].to_dict()
    assert capacity == {"new": 38, "mid": 75, "old": 150}  # 150 x 0.25, x 0.5, x 1


def test_same_input_same_events_and_rerun_replaces_the_date():
    rules = parse_rules({})
    frame = accounts([(f"a{i}", i % 7) for i in range(50)])
    roster = reps(
        {"rep_id": "r1", "target_book_size_override": 10},
        {"rep_id": "r2", "target_book_size_override": 10},
    )
    first = engine.run(frame, roster, empty_events(), rules, AS_OF, "run-1")
    again = engine.run(frame, roster, empty_events(), rules, AS_OF, "run-1")
    pd.testing.assert_frame_equal(first.events, again.events)
    # Events already logged for the same date are ignored: a re-run recomputes, not adds.
    rerun = engine.run(frame, roster, first.events, rules, AS_OF, "run-1")
    pd.testing.assert_frame_equal(first.events, rerun.events)


def test_no_distribution_on_a_day_off():
    rules = parse_rules({"distribution": {"weekdays": [1]}})
    result = engine.run(
        accounts([("a1", 50)]),
        reps({"rep_id": "r1"}),
        empty_events(),
        rules,
        AS_OF + dt.timedelta(days=1),
        "run-1",
    )
    assert result.events.empty


@pytest.mark.parametrize("min_priority", [0, 60])
def test_min_priority_keeps_weak_accounts_in_the_pool(min_priority):
    rules = parse_rules({"distribution": {"min_priority": min_priority}})
    result = engine.run(
        accounts([("a1", 50), ("a2", 70)]),
        reps({"rep_id": "r1"}),
        empty_events(),
        rules,
        AS_OF,
        "run-1",
    )
    assert set(books(result)) == ({"a1", "a2"} if min_priority == 0 else {"a2"})
