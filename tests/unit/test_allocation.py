import datetime as dt

import pandas as pd
import pytest

from allocation import engine
from allocation.capacity import rep_capacity
from allocation.engine import Inputs
from allocation.events import books_from_events, empty_events
from engagement.rules import parse_rules

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
                "open_opportunities": 0,
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
        Inputs(
            accounts(good + weak),
            reps(
                {"rep_id": "jane", "target_book_size_override": 60},
                {"rep_id": "joe", "target_book_size_override": 60},
            ),
            empty_events(),
        ),
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
        Inputs(
            accounts(
                [("a1", 50, "smb"), ("a2", 80, "smb"), ("a3", 99, "enterprise"), ("a4", 70, "smb")]
            ),
            reps({"rep_id": "r1", "target_book_size_override": 2}),
            empty_events(),
        ),
        rules,
        AS_OF,
        "run-1",
    )
    assert books(result) == {"a2": "r1", "a4": "r1"}


def activity(*rows):
    """rows: (account_id, rep_id, last meaningful activity date or None, phantom only)"""
    return pd.DataFrame(
        [
            {
                "account_id": a,
                "rep_id": r,
                "last_meaningful_activity_on": pd.Timestamp(d) if d else pd.NaT,
                "is_phantom_only": p,
            }
            for a, r, d, p in rows
        ]
    )


def test_crm_owners_are_adopted_departed_reps_release_unavailable_get_nothing():
    rules = parse_rules({})
    result = engine.run(
        Inputs(
            accounts([("a1", 50, "smb", "r1"), ("a2", 60, "smb", "gone"), ("a3", 90), ("a4", 80)]),
            reps(
                {"rep_id": "r1", "target_book_size_override": 2},
                {"rep_id": "gone", "departed_on": pd.Timestamp("2026-11-01")},
                {"rep_id": "away", "unavailable_until": pd.Timestamp("2026-12-01")},
            ),
            empty_events(),
            activity(("a1", "r1", AS_OF - dt.timedelta(days=5), False)),
        ),
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


def first_books(owner_rows, roster, rules, day=AS_OF):
    """A first run in which the CRM owners are adopted and every account is being worked."""
    frame = accounts(owner_rows)
    worked = activity(*[(o[0], o[3], day, False) for o in owner_rows if len(o) == 4])
    return frame, engine.run(Inputs(frame, roster, empty_events(), worked), rules, day, "run-1")


def test_retrieval_takes_back_unworked_and_phantom_only_accounts_after_grace():
    rules = parse_rules({"working_window_days": 30, "grace_days": 14})
    roster = reps({"rep_id": "r1", "target_book_size_override": 10})
    frame, first = first_books(
        [("a1", 50, "smb", "r1"), ("a2", 50, "smb", "r1"), ("a3", 50, "smb", "r1")], roster, rules
    )
    later = AS_OF + dt.timedelta(days=31)
    worked = activity(
        ("a1", "r1", later - dt.timedelta(days=29), False),  # inside the window
        ("a2", "r1", AS_OF, False),  # 31 days ago: outside
        ("a3", "r1", None, True),
    )  # only recurring check-ins
    second = engine.run(Inputs(frame, roster, first.events, worked), rules, later, "run-2")
    retrieved = second.events[second.events["kind"] == "retrieval"].set_index("account_id")
    assert set(retrieved.index) == {"a2", "a3"}
    assert retrieved.loc["a2", "reason_code"] == "not_worked"
    assert "31 days" in retrieved.loc["a2", "explanation"]
    assert retrieved.loc["a3", "reason_code"] == "phantom_only"
    assert (retrieved["rest_until"] == pd.Timestamp(later + dt.timedelta(days=30))).all()
    # Retrieved accounts rest: they are not handed straight back the same day.
    assert set(books(second)) == set()


def test_newly_distributed_accounts_get_a_grace_period():
    rules = parse_rules({"grace_days": 14})
    roster = reps({"rep_id": "r1", "target_book_size_override": 1})
    frame = accounts([("a1", 50)])
    first = engine.run(Inputs(frame, roster, empty_events()), rules, AS_OF, "run-1")
    assert books(first) == {"a1": "r1"}
    day = AS_OF + dt.timedelta(days=13)
    second = engine.run(Inputs(frame, roster, first.events), rules, day, "run-2")
    assert second.events.empty
    day = AS_OF + dt.timedelta(days=14)
    third = engine.run(Inputs(frame, roster, first.events), rules, day, "run-3")
    assert list(third.events["kind"]) == ["retrieval"]


def returns(*rows):
    return pd.DataFrame(
        [
            {"account_id": a, "rep_id": r, "returned_at": pd.Timestamp(t), "reason": reason}
            for a, r, t, reason in rows
        ]
    )


def test_returns_rest_to_the_day_bad_data_goes_to_review_and_limits_hold():
    rules = parse_rules(
        {
            "returns": {"max_per_rep": 2, "period_days": 7},
            "return_reasons": {"disqualified": 10},
        }
    )
    roster = reps({"rep_id": "r1", "target_book_size_override": 4})
    owners = [(f"a{i}", 50 + i, "smb", "r1") for i in range(4)] + [("p1", 10)]
    frame, first = first_books(owners, roster, rules)
    day = AS_OF + dt.timedelta(days=1)
    worked = activity(*[(f"a{i}", "r1", day, False) for i in range(4)])
    back = returns(
        ("a0", "r1", day, "disqualified"),
        ("a1", "r1", day, "bad_data"),
        ("a2", "r1", day, "disqualified"),
        ("a3", "r1", day, "made_up"),
        ("p1", "r1", day, "disqualified"),
    )  # p1 is in no book (a return the CRM already shows): taken but for the limit
    second = engine.run(Inputs(frame, roster, first.events, worked, back), rules, day, "run-2")
    decisions = second.return_decisions.set_index("account_id")["decision"].to_dict()
    assert decisions == {
        "a0": "accepted",
        "a1": "accepted",
        "a2": "rejected",
        "a3": "rejected",
        "p1": "rejected",
    }
    reasons = second.return_decisions.set_index("account_id")["decision_reason"]
    assert "over the limit of 2" in reasons["p1"] and "over the limit of 2" in reasons["a2"]
    assert "unknown reason 'made_up'" in reasons["a3"]
    returned = second.events[second.events["kind"] == "return"].set_index("account_id")
    assert returned.loc["a0", "rest_until"] == pd.Timestamp(day + dt.timedelta(days=10))
    assert pd.isna(returned.loc["a1", "rest_until"])
    # The rep gets a replacement (the pool account), never the returned ones back.
    assert books(second) == {"p1": "r1"}
    events = pd.concat([first.events, second.events])
    for offset, expect_a0 in ((9, False), (10, True)):
        d = day + dt.timedelta(days=offset)
        gap = reps({"rep_id": "r2", "target_book_size_override": 5})
        again = engine.run(
            Inputs(frame, pd.concat([roster, gap]), events, worked), rules, d, "run-3"
        )
        assert ("a0" in books(again)) is expect_a0, offset  # rests until the day, not a day less
        assert "a1" not in books(again)  # bad data waits for review


def test_reduction_in_force_respects_capacity_and_holdout():
    rules = parse_rules({"distribution": {"open_opportunity_holdout": "manager"}})
    roster = reps(
        *[
            {"rep_id": f"r{i}", "target_book_size_override": 3, "manager_id": "boss"}
            for i in range(10)
        ]
    )
    owners = [(f"a{i:02d}", 100 - i, "smb", f"r{i % 10}") for i in range(30)]
    frame, first = first_books(owners, roster, rules)
    frame.loc[frame["account_id"] == "a00", "open_opportunities"] = 1
    frame.loc[frame["account_id"] == "a00", "is_new_business"] = False
    gone = {"r0", "r1", "r2"}
    later = AS_OF + dt.timedelta(days=1)
    roster2 = roster.copy()
    roster2.loc[roster2["rep_id"].isin(gone), "departed_on"] = pd.Timestamp(later)
    roster2.loc[roster2["rep_id"] == "r9", "target_book_size_override"] = 6  # room for 3 more
    worked = activity(*[(a, r, later, False) for a, _, _, r in owners])
    second = engine.run(Inputs(frame, roster2, first.events, worked), rules, later, "run-2")
    events = second.events.set_index("account_id")
    assert events.loc["a00", "to_rep_id"] == "boss"
    assert events.loc["a00", "reason_code"] == "holdout_open_opportunity"
    moved = second.events[second.events["reason_code"] == "from_departed_rep"]
    # Only r9 had room: it takes the three most valuable of the departed reps' accounts.
    assert list(moved["to_rep_id"]) == ["r9"] * 3
    assert list(moved["account_id"]) == ["a01", "a02", "a10"]
    state = books_from_events(pd.concat([first.events, second.events]), later + dt.timedelta(1))
    sizes = state["rep_id"].value_counts()
    assert all(sizes.get(f"r{i}", 0) <= 3 for i in range(3, 9)) and sizes["r9"] == 6
    assert not set(state["rep_id"]) & gone


def test_departed_rep_book_returns_to_the_pool_with_a_reason_when_nobody_has_room():
    rules = parse_rules({})
    first = engine.run(
        Inputs(
            accounts([("a1", 50), ("a2", 60)]),
            reps({"rep_id": "r1", "target_book_size_override": 2}),
            empty_events(),
        ),
        rules,
        AS_OF,
        "run-1",
    )
    later = AS_OF + dt.timedelta(days=1)
    second = engine.run(
        Inputs(
            accounts([("a1", 50), ("a2", 60)]),
            reps({"rep_id": "r1", "departed_on": pd.Timestamp(later)}),
            first.events,
        ),
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
    first = engine.run(Inputs(frame, roster, empty_events()), rules, AS_OF, "run-1")
    again = engine.run(Inputs(frame, roster, empty_events()), rules, AS_OF, "run-1")
    pd.testing.assert_frame_equal(first.events, again.events)
    # Events already logged for the same date are ignored: a re-run recomputes, not adds.
    rerun = engine.run(Inputs(frame, roster, first.events), rules, AS_OF, "run-1")
    pd.testing.assert_frame_equal(first.events, rerun.events)


def test_no_distribution_on_a_day_off():
    rules = parse_rules({"distribution": {"weekdays": [1]}})
    result = engine.run(
        Inputs(accounts([("a1", 50)]), reps({"rep_id": "r1"}), empty_events()),
        rules,
        AS_OF + dt.timedelta(days=1),
        "run-1",
    )
    assert result.events.empty


@pytest.mark.parametrize("min_priority", [0, 60])
def test_min_priority_keeps_weak_accounts_in_the_pool(min_priority):
    rules = parse_rules({"distribution": {"min_priority": min_priority}})
    result = engine.run(
        Inputs(accounts([("a1", 50), ("a2", 70)]), reps({"rep_id": "r1"}), empty_events()),
        rules,
        AS_OF,
        "run-1",
    )
    assert set(books(result)) == ({"a1", "a2"} if min_priority == 0 else {"a2"})


def test_reintroduced_bad_data_returns_go_back_to_the_pool():
    rules = parse_rules({})
    roster = reps({"rep_id": "r1", "target_book_size_override": 1})
    frame, first = first_books([("a1", 50, "smb", "r1")], roster, rules)
    day = AS_OF + dt.timedelta(days=1)
    worked = activity(("a1", "r1", day, False))
    back = returns(("a1", "r1", day, "bad_data"))
    second = engine.run(Inputs(frame, roster, first.events, worked, back), rules, day, "run-2")
    assert books(second) == {}  # waits for review; nothing else to give
    events = pd.concat([first.events, second.events])
    later = day + dt.timedelta(days=1)
    assert books(engine.run(Inputs(frame, roster, events, worked), rules, later, "r")) == {}
    decided = frame.assign(review_decision="reintroduce", review_decided_on=pd.Timestamp(later))
    again = engine.run(Inputs(decided, roster, events, worked), rules, later, "run-3")
    assert books(again) == {"a1": "r1"}


def test_match_region_keeps_accounts_with_reps_of_their_region():
    frame = accounts([("us1", 90), ("us2", 80), ("de1", 95), ("jp1", 99)])
    frame["region"] = frame["account_id"].map({"us1": "NA", "us2": "NA", "de1": "EMEA"})
    roster = reps(
        {"rep_id": "na_rep", "region": "NA", "target_book_size_override": 5},
        {"rep_id": "emea_rep", "region": "EMEA", "target_book_size_override": 5},
    )
    anywhere = engine.run(Inputs(frame, roster, empty_events()), parse_rules({}), AS_OF, "r")
    assert len(books(anywhere)) == 4  # without the rule, the best accounts go anywhere
    rules = parse_rules({"distribution": {"match_region": True}})
    result = engine.run(Inputs(frame, roster, empty_events()), rules, AS_OF, "run-1")
    assert books(result) == {"us1": "na_rep", "us2": "na_rep", "de1": "emea_rep"}


def _authorities():
    from allocation.capacity import ACTIVE, DEPARTED, NOT_STARTED, UNAVAILABLE
    from allocation.events import KINDS
    from allocation.states import BOOK_STATES, POOL_STATES
    from data_quality.review import ALLOWED, Decision

    return [
        ("ownership_events", "kind", KINDS),
        ("pool", "pool_state", POOL_STATES),
        ("account_states", "book_state", BOOK_STATES + POOL_STATES),
        ("rep_books", "status", (ACTIVE, UNAVAILABLE, DEPARTED, NOT_STARTED)),
        ("review_queue", "item_kind", tuple(ALLOWED)),
        ("review_queue", "status", ("open", *Decision)),
    ]


@pytest.mark.parametrize(
    ("model", "column", "authority"), _authorities(), ids=lambda v: v if isinstance(v, str) else ""
)
def test_each_list_the_marts_test_is_the_one_the_code_decides_with(model, column, authority):
    """A list of kinds or states is written once, in the code that decides them; the dbt
    test on the mart lists the same values (one authority per fact)."""
    from pathlib import Path

    import yaml

    marts = yaml.safe_load(
        (Path(__file__).parents[2] / "transforms/models/marts/_marts.yml").read_text()
    )
    (found,) = [m for m in marts["models"] if m["name"] == model]
    (spec,) = [c for c in found["columns"] if c["name"] == column]
    (test,) = [t for t in spec["data_tests"] if "accepted_values" in t]
    listed = test["accepted_values"]["arguments"]["values"]
    assert sorted(listed) == sorted(set(map(str, authority))) and len(set(listed)) == len(listed)
