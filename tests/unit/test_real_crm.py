"""Hand-built CRM cases in the shape of a real export, with answers worked out by hand
(issue 22): customers and open deals stay with their owners."""

import datetime as dt

import pandas as pd
import pytest

from allocation import engine
from allocation.distribution import with_value_rank
from allocation.engine import Inputs
from allocation.events import books_from_events, empty_events
from allocation.exports import crm_owner_changes
from engagement.rules import parse_rules
from tests.unit.test_allocation import AS_OF, accounts, reps
from tests.unit.test_allocation import returns as returned

POOL_OWNER = "005POOL"


def crm(specs):
    """specs: (account_id, priority, crm owner, customer?, open opportunities)"""
    frame = accounts([(a, p, "smb", owner) for a, p, owner, _, _ in specs])
    frame["is_customer"] = [c for *_, c, _ in specs]
    frame["open_opportunities"] = [o for *_, o in specs]
    frame["is_new_business"] = ~frame["is_customer"] & (frame["open_opportunities"] == 0)
    # As account_scores words it.
    deals = frame["open_opportunities"].astype(str) + " open opportunit" + "ies"
    frame["scope_reason"] = deals.where(frame["open_opportunities"] > 0).where(
        ~frame["is_customer"], "a customer"
    )
    return frame


def roster():
    return reps(
        {"rep_id": "r1", "target_book_size_override": 2, "manager_id": "boss"},
        {"rep_id": "r2", "target_book_size_override": 2, "manager_id": "boss"},
    )


def run(frame, people, events, day, back=None):
    inputs = Inputs(frame, people, events)
    if back is not None:
        inputs.returns = back
    return engine.run(inputs, parse_rules({}), day, f"run-{day}")


def test_customers_and_open_deals_stay_with_their_owners():
    frame = crm(
        [
            ("c1", 90, "r1", True, 0),  # a customer
            ("o1", 80, "r1", False, 3),  # an open deal
            ("n1", 70, "r1", False, 0),  # new business
            ("p1", 60, POOL_OWNER, False, 0),  # in the pool
        ]
    )
    alone = roster().assign(target_book_size_override=[2, 0])
    day1 = run(frame, alone, empty_events(), AS_OF)
    # Customers and deals take no slot: r1 (capacity 2) holds n1 and receives p1.
    owned = books_from_events(day1.events, AS_OF + dt.timedelta(days=1))
    assert dict(zip(owned["account_id"], owned["rep_id"], strict=True)) == {
        "c1": "r1",
        "o1": "r1",
        "n1": "r1",
        "p1": "r1",
    }
    # Weeks of no activity: only new business is retrieved.
    later = AS_OF + dt.timedelta(days=40)
    day40 = run(frame, alone, day1.events, later)
    assert set(day40.events.loc[day40.events["kind"] == "retrieval", "account_id"]) == {
        "n1",
        "p1",
    }
    events = pd.concat([day1.events, day40.events])
    export = crm_owner_changes(events, POOL_OWNER)
    kept = export[export["Id"].isin(["c1", "o1"])]
    assert (kept["OwnerId"] == "r1").all()  # adopted as they are: never blanked or pooled


def test_a_rep_cannot_return_a_customer_or_an_open_deal():
    frame = crm([("c1", 90, "r1", True, 0), ("o1", 80, "r1", False, 1)])
    day1 = run(frame, roster(), empty_events(), AS_OF)
    day = AS_OF + dt.timedelta(days=1)
    back = returned(("c1", "r1", day, "no_response"), ("o1", "r1", day, "disqualified"))
    day2 = run(frame, roster(), day1.events, day, back)
    assert day2.events.empty
    decisions = day2.return_decisions.set_index("account_id")
    assert set(decisions["decision"]) == {"rejected"}
    assert "customer" in decisions.loc["c1", "decision_reason"]
    assert "open opportunit" in decisions.loc["o1", "decision_reason"]


def test_a_departed_reps_deals_are_held_and_do_not_lapse_into_the_pool():
    frame = crm([("c2", 90, "r2", True, 0), ("o2", 80, "r2", False, 2), ("n2", 70, "r2", False, 0)])
    day1 = run(frame, roster(), empty_events(), AS_OF)
    gone = roster()
    day = AS_OF + dt.timedelta(days=1)
    gone.loc[gone["rep_id"] == "r2", "departed_on"] = pd.Timestamp(day)
    day2 = run(frame, gone, day1.events, day)
    moved = day2.events.drop_duplicates("account_id", keep="last").set_index("account_id")
    assert moved.loc["c2", "to_rep_id"] == moved.loc["o2", "to_rep_id"] == "boss"
    # n2 is new business: redistributed to r1, who has room.
    assert moved.loc["n2", "to_rep_id"] == "r1"
    # Two weeks and more later the manager still holds them: they are not retrieved.
    events = pd.concat([day1.events, day2.events])
    later = run(frame, gone, events, AS_OF + dt.timedelta(days=30))
    assert not set(later.events["account_id"]) & {"c2", "o2"}


def test_an_account_whose_last_deal_closes_lost_enters_the_book_lifecycle():
    frame = crm([("o1", 80, "r1", False, 1)])
    day1 = run(frame, roster(), empty_events(), AS_OF)
    lost = frame.assign(open_opportunities=0, is_new_business=True, scope_reason=None)
    later = run(lost, roster(), day1.events, AS_OF + dt.timedelta(days=40))
    assert later.events[["account_id", "kind"]].values.tolist() == [["o1", "retrieval"]]


def test_a_return_made_before_the_first_run_is_answered_and_not_handed_back():
    # r1 returned n1 as no_response five days before the first run.
    frame = crm([("n1", 90, "r1", False, 0), ("n2", 50, "r1", False, 0)])
    back = returned(
        ("n1", "r1", AS_OF - dt.timedelta(days=5), "no_response"),
        ("n2", "r2", AS_OF - dt.timedelta(days=1), "no_response"),  # not r2's account
    )
    day1 = run(frame, roster(), empty_events(), AS_OF, back)
    decisions = day1.return_decisions.set_index("account_id")
    assert decisions.loc["n1", "decision"] == "accepted"
    assert decisions.loc["n2", "decision"] == "rejected"
    assert "r1" in decisions.loc["n2", "decision_reason"]  # says whose it is
    owned = books_from_events(day1.events, AS_OF + dt.timedelta(days=1))
    assert "n1" not in set(owned["account_id"])  # resting, not distributed straight back


def test_a_return_the_crm_already_shows_is_honoured_and_rests_away_from_the_rep():
    # r1 returned n1 in the CRM before the first run: the export shows it unowned. n2 is r2's.
    frame = crm([("n1", 90, None, False, 0), ("n2", 80, "r2", False, 0)])
    frame.loc[frame["account_id"] == "n1", "crm_owner_id"] = float("nan")  # as read
    back = returned(
        ("n1", "r1", AS_OF - dt.timedelta(days=2), "disqualified"),
        ("n2", "r1", AS_OF - dt.timedelta(days=1), "no_response"),
    )
    day1 = run(frame, roster(), empty_events(), AS_OF, back)
    decisions = day1.return_decisions.set_index("account_id")
    assert decisions.loc["n1", "decision"] == "accepted"
    assert decisions.loc["n2", "decision"] == "rejected"
    assert decisions.loc["n2", "decision_reason"] == "not the rep's account: it is in r2's book"
    assert not decisions["decision_reason"].astype(str).str.contains("nan").any()
    # It rests its 90 days: nobody gets it, the rep who returned it least of all.
    events = day1.events
    for offset in (0, 30, 89):
        day = AS_OF + dt.timedelta(days=offset)
        later = run(frame, roster(), events, day) if offset else day1
        events = pd.concat([events, later.events]) if offset else events
        assert "n1" not in set(books_from_events(events, day + dt.timedelta(days=1))["account_id"])


def test_reps_return_only_with_rep_reasons():
    frame = crm([(f"n{i}", 90 - i, "r1", False, 0) for i in range(3)])
    roomy = roster().assign(target_book_size_override=[5, 0])
    day1 = run(frame, roomy, empty_events(), AS_OF)
    day = AS_OF + dt.timedelta(days=1)
    back = returned(*[(f"n{i}", "r1", day, r) for i, r in enumerate(SYSTEM)])
    day2 = run(frame, roomy, day1.events, day, back)
    decisions = day2.return_decisions.set_index("account_id")
    assert set(decisions["decision"]) == {"rejected"}
    assert all("the system's own" in why for why in decisions["decision_reason"])
    assert not set(SYSTEM) & set(parse_rules({}).allowed_returns)


SYSTEM = ["retrieved", "departed_rep", "transition"]


def test_after_departures_the_most_valuable_accounts_go_first_when_priorities_tie():
    # 120 accounts of a departed rep tie on priority; the others have room for 70. Value
    # (revenue, then employees) decides, not the account id.
    frame = crm([(f"a{i:03d}", 40, "gone", False, 0) for i in range(120)])
    revenue = [(i * 7919) % 120 for i in range(120)]  # value unrelated to the id
    frame["annual_revenue"] = [1e6 * (1 + r) for r in revenue]
    frame["number_of_employees"] = 10
    frame["value_rank"] = frame["annual_revenue"].rank(ascending=False, method="first")
    people = reps(
        {"rep_id": "gone", "target_book_size_override": 120},
        {"rep_id": "r1", "target_book_size_override": 0},
        {"rep_id": "r2", "target_book_size_override": 0},
    )
    day1 = engine.run(Inputs(frame, people, empty_events()), parse_rules({}), AS_OF, "1")
    day = AS_OF + dt.timedelta(days=1)
    people.loc[people["rep_id"] == "gone", "departed_on"] = pd.Timestamp(day)
    people.loc[people["rep_id"] != "gone", "target_book_size_override"] = 35
    day2 = engine.run(Inputs(frame, people, day1.events), parse_rules({}), day, "2")
    moved = set(day2.events.loc[day2.events["to_rep_id"].notna(), "account_id"])
    best = set(frame.nsmallest(70, "value_rank")["account_id"])
    assert moved == best


def worked(*pairs, day=AS_OF):
    return pd.DataFrame(
        [
            {
                "account_id": a,
                "rep_id": r,
                "last_meaningful_activity_on": pd.Timestamp(day),
                "is_phantom_only": False,
            }
            for a, r in pairs
        ]
    )


def test_the_switch_from_static_territories_keeps_books_at_capacity_with_the_worked_and_best():
    # Two reps own 100 accounts each as static territories; each can work 60. r1 works 10
    # of theirs, r2 works 70. Nobody else has logged activity.
    frame = with_value_rank(
        crm([(f"a{i:03d}", 100 - i % 50, "r1" if i < 100 else "r2", False, 0) for i in range(200)])
    )
    people = reps(
        {"rep_id": "r1", "target_book_size_override": 60},
        {"rep_id": "r2", "target_book_size_override": 60},
    )
    r1_works = [f"a{i:03d}" for i in range(90, 100)]  # r1's lowest-priority ten
    r2_works = [f"a{i:03d}" for i in range(100, 170)]
    activity = worked(*[(a, "r1") for a in r1_works], *[(a, "r2") for a in r2_works])
    rules = parse_rules({"transition": {"protect_worked_days": 30}})
    day1 = engine.run(Inputs(frame, people, empty_events(), activity), rules, AS_OF, "1")
    owned = books_from_events(day1.events, AS_OF + dt.timedelta(days=1))
    held = owned.groupby("rep_id")["account_id"].apply(set)
    # The work is respected: r1 keeps the 10 worked, and its 50 free slots take the best
    # 50 of every account nobody works, r2's included.
    assert len(held["r1"]) == 60 and set(r1_works) <= held["r1"]
    unworked = frame[~frame["account_id"].isin(r1_works + r2_works)]
    assert set(unworked.nsmallest(50, "value_rank")["account_id"]) <= held["r1"]
    # r2 works 70, above capacity: the work is respected for now, and r2 gets nothing.
    assert held["r2"] == set(r2_works)
    released = day1.events[day1.events["reason_code"] == "transition"]
    # 120 unworked accounts for 50 slots: 70 to the pool, and r2's that went to r1 leave r2.
    taken_from_r2 = held["r1"] & set(frame.loc[frame["crm_owner_id"] == "r2", "account_id"])
    assert taken_from_r2 and len(released) == 70 + len(taken_from_r2)
    assert released["to_rep_id"].isna().all()
    # After the protection, r2 is trimmed to capacity too, keeping the most valuable.
    later = AS_OF + dt.timedelta(days=30)
    still = worked(*[(a, "r2") for a in r2_works], day=later)
    day30 = engine.run(Inputs(frame, people, day1.events, still), rules, later, "30")
    cut = day30.events[day30.events["reason_code"] == "transition"]
    assert len(cut) == 10 and set(cut["from_rep_id"]) == {"r2"}
    assert "capacity 60" in cut["explanation"].iloc[0]


def test_the_switch_can_leave_adopted_books_as_they_are():
    frame = crm([(f"a{i}", 50, "r1", False, 0) for i in range(5)])
    people = reps({"rep_id": "r1", "target_book_size_override": 2})
    rules = parse_rules({"transition": {"trim": False}})
    day1 = engine.run(Inputs(frame, people, empty_events()), rules, AS_OF, "1")
    assert set(day1.events["kind"]) == {"adoption"}


def test_a_rep_whose_start_date_is_ahead_gets_nothing_until_it_comes():
    frame = crm([("p1", 90, POOL_OWNER, False, 0), ("p2", 80, POOL_OWNER, False, 0)])
    people = reps(
        {"rep_id": "new", "start_date": pd.Timestamp(AS_OF + dt.timedelta(days=7))},
    )
    result = engine.run(Inputs(frame, people, empty_events()), parse_rules({}), AS_OF, "1")
    assert result.events.empty
    assert result.capacity.set_index("rep_id").loc["new", "status"] == "not_started"
    later = AS_OF + dt.timedelta(days=7)
    started = engine.run(Inputs(frame, people, empty_events()), parse_rules({}), later, "2")
    assert set(started.events["to_rep_id"]) == {"new"}


def test_history_before_2020_can_be_replayed_and_no_day_ahead():
    import dagster as dg

    from orchestration.partitions import as_of, today

    def date_of(key):
        return as_of(dg.build_asset_context(partition_key=key))

    assert date_of("2015-01-01") == dt.date(2015, 1, 1)
    for key, said in [
        ("20150101", "is not a date YYYY-MM-DD"),
        ("2015-02-30", "is not a date YYYY-MM-DD"),
        (str(today() + dt.timedelta(days=1)), "is after today"),
    ]:
        with pytest.raises(dg.Failure, match=said):
            date_of(key)


def test_an_inactive_crm_user_gets_nothing_and_their_book_moves_on():
    frame = crm(
        [("n1", 90, "off", False, 0), ("o1", 80, "off", False, 1), ("p1", 70, POOL_OWNER, False, 0)]
    )
    people = reps(
        {"rep_id": "off", "target_book_size_override": 5, "is_crm_user_active": False},
        {"rep_id": "on", "target_book_size_override": 5, "is_crm_user_active": True},
    )
    people["manager_id"] = ["ghost", "boss"]
    users = pd.DataFrame({"user_id": ["on", "boss"], "is_active": [True, True]})
    inputs = Inputs(frame, people, empty_events())
    inputs.users = users
    result = engine.run(inputs, parse_rules({}), AS_OF, "1")
    assert result.capacity.set_index("rep_id").loc["off", "status"] == "departed"
    owned = books_from_events(result.events, AS_OF + dt.timedelta(days=1))
    held = dict(zip(owned["account_id"], owned["rep_id"], strict=True))
    assert "off" not in held.values()
    assert held["n1"] == "on" and held["p1"] == "on"
    # o1's deal stays in the CRM owner's name: its holder, manager 'ghost', is no CRM user.
    assert "o1" not in held and "o1" not in set(result.events["account_id"])


def test_a_deal_is_held_only_by_an_active_crm_user():
    frame = crm([("o1", 80, "a", False, 1), ("o2", 70, "b", False, 1)])
    people = reps(
        {"rep_id": "a", "manager_id": "boss", "is_crm_user_active": True},
        {"rep_id": "b", "manager_id": "ghost", "is_crm_user_active": True},
    )
    users = pd.DataFrame({"user_id": ["a", "b", "boss"], "is_active": [True, True, True]})
    inputs = Inputs(frame, people, empty_events())
    inputs.users = users
    day1 = engine.run(inputs, parse_rules({}), AS_OF, "1")
    day = AS_OF + dt.timedelta(days=1)
    gone = people.assign(is_crm_user_active=False)  # both deactivated in the CRM
    inputs = Inputs(frame, gone, day1.events)
    inputs.users = users
    day2 = engine.run(inputs, parse_rules({}), day, "2")
    moved = day2.events.set_index("account_id")["to_rep_id"].to_dict()
    assert moved == {"o1": "boss"}  # 'ghost' is no CRM user: o2 stays where it is


def test_a_return_sent_twice_is_taken_once_and_the_second_answered():
    frame = crm([("n1", 90, "r1", False, 0)])
    day1 = run(frame, roster(), empty_events(), AS_OF)
    day = AS_OF + dt.timedelta(days=1)
    twice = returned(("n1", "r1", day, "no_response"), ("n1", "r1", day, "competitor"))
    twice["source_row"] = [1, 2]
    day2 = run(frame, roster(), day1.events, day, twice)
    decisions = day2.return_decisions.sort_values("reason")
    assert decisions["decision"].tolist() == ["rejected", "accepted"]  # competitor, no_response
    assert decisions["decision_reason"].iloc[0] == "already returned in this run"
