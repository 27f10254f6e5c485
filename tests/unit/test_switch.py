"""The switch from static territories (issue 37), on hand-built teams with answers worked
out by hand: the seeds' Jane and Joe (`guide-to-dynamic-books.txt`, "A dynamic books
example"): Jane's territory holds 20 good accounts and 80 weak ones, Joe's 100 good ones;
each can work 60; a good account converts at 10 %."""

import datetime as dt

import pandas as pd
import pytest

from allocation import engine
from allocation.distribution import with_value_rank
from allocation.engine import Inputs
from allocation.events import books_from_events, empty_events
from engagement.rules import parse_rules
from tests.unit.test_allocation import AS_OF, accounts, activity, reps, returns

GOOD, WEAK = 80.0, 20.0
CONVERSION = {GOOD: 0.10, WEAK: 0.0}  # the seed's rate on high-quality accounts


def territories():
    jane = [(f"jane_good{i:02d}", GOOD, "smb", "jane") for i in range(20)]
    jane += [(f"jane_weak{i:02d}", WEAK, "smb", "jane") for i in range(80)]
    joe = [(f"joe_good{i:03d}", GOOD, "smb", "joe") for i in range(100)]
    return with_value_rank(accounts(jane + joe))


def team():
    return reps(
        {"rep_id": "jane", "target_book_size_override": 60},
        {"rep_id": "joe", "target_book_size_override": 60},
    )


def run(frame, events, day, worked=None, back=None, rules=None):
    inputs = Inputs(frame, team(), events, worked if worked is not None else activity())
    if back is not None:
        inputs.returns = back
    return engine.run(inputs, rules or parse_rules({}), day, f"run-{day}")


def held(events, day):
    owned = books_from_events(events, day + dt.timedelta(days=1))
    return owned.groupby("rep_id")["account_id"].apply(set).to_dict()


def opportunities(frame, books) -> float:
    priority = frame.set_index("account_id")["priority"]
    return round(sum(CONVERSION[priority[a]] for book in books.values() for a in book), 6)


def test_day_one_puts_the_best_accounts_of_the_whole_team_in_the_books():
    frame = territories()
    day1 = run(frame, empty_events(), AS_OF)
    books = held(day1.events, AS_OF)
    # Static territories worked as they stand make 8 (Jane 2, Joe 6); the switch makes 12.
    static = {"jane": {f"jane_good{i:02d}" for i in range(20)}, "joe": set(list(books["joe"]))}
    assert opportunities(frame, static) == 8.0
    assert opportunities(frame, books) == 12.0
    assert {rep: len(book) for rep, book in books.items()} == {"jane": 60, "joe": 60}
    # Continuity: Jane keeps her 20 good, Joe 60 of his; Jane takes 40 of Joe's.
    assert {f"jane_good{i:02d}" for i in range(20)} <= books["jane"]
    assert all(a.startswith("joe_") for a in books["joe"])
    events = day1.events
    moved = events[events["reason_code"] == "transition"]
    to_pool = moved[moved["account_id"].str.startswith("jane_weak")]
    assert len(to_pool) == 80 and to_pool["to_rep_id"].isna().all()
    # What leaves a book says why, naming the better account that took its place.
    said = to_pool["explanation"].iloc[0]
    assert "took its place" in said and "joe_good" in said and "priority 80.0" in said
    to_jane = moved[moved["account_id"].str.startswith("joe_")]
    assert len(to_jane) == 40 and set(to_jane["from_rep_id"]) == {"joe"}
    assert "went to jane's book" in to_jane["explanation"].iloc[0]
    entered = events[(events["kind"] == "distribution") & (events["to_rep_id"] == "jane")]
    assert set(entered["account_id"]) == set(to_jane["account_id"])


def test_worked_accounts_stay_and_the_team_reaches_twelve_once_they_are_returned():
    frame = territories()
    rules = parse_rules({"returns": {"max_per_rep": 30}})
    working = [f"jane_weak{i:02d}" for i in range(30)]  # Jane works 30 of her weak ones
    worked = activity(*[(a, "jane", AS_OF, False) for a in working])
    day1 = run(frame, empty_events(), AS_OF, worked, rules=rules)
    books = held(day1.events, AS_OF)
    assert set(working) <= books["jane"] and len(books["jane"]) == 60
    assert len(books["joe"]) == 60
    assert opportunities(frame, books) == 9.0  # 90 good in books, 30 good wait in the pool
    # Jane works them, finds them weak and returns them: the good ones take their place.
    day = AS_OF + dt.timedelta(days=1)
    back = returns(*[(a, "jane", day, "disqualified") for a in working[:25]])
    more = returns(*[(a, "jane", day + dt.timedelta(days=1), "not_icp") for a in working[25:]])
    still = activity(*[(a, "jane", day, False) for a in working])
    day2 = run(frame, day1.events, day, still, back, rules)
    events = pd.concat([day1.events, day2.events])
    day3 = run(frame, events, day + dt.timedelta(days=1), still, more, rules)
    books = held(pd.concat([events, day3.events]), day + dt.timedelta(days=1))
    assert opportunities(frame, books) == 12.0
    assert {rep: len(book) for rep, book in books.items()} == {"jane": 60, "joe": 60}


def test_the_switch_never_moves_an_account_its_owner_is_working():
    frame = territories()
    # Joe works his 100 good accounts (more than his capacity); Jane nothing.
    worked = activity(*[(f"joe_good{i:03d}", "joe", AS_OF, False) for i in range(100)])
    day1 = run(frame, empty_events(), AS_OF, worked)
    assert not set(day1.events.loc[day1.events["from_rep_id"] == "joe", "account_id"])
    books = held(day1.events, AS_OF)
    assert len(books["joe"]) == 100  # beyond capacity, for protect_worked_days
    # Jane's book is her 20 good and the best 40 of her weak: Joe's good ones are his.
    assert {f"jane_good{i:02d}" for i in range(20)} <= books["jane"]
    assert len(books["jane"]) == 60


def test_worked_accounts_beyond_capacity_are_trimmed_after_the_protection():
    frame = territories()
    rules = parse_rules({"transition": {"protect_worked_days": 10}})
    worked = activity(*[(f"joe_good{i:03d}", "joe", AS_OF, False) for i in range(100)])
    day1 = run(frame, empty_events(), AS_OF, worked, rules=rules)
    events = day1.events
    for offset in range(1, 12):
        day = AS_OF + dt.timedelta(days=offset)
        still = activity(*[(f"joe_good{i:03d}", "joe", day, False) for i in range(100)])
        result = run(frame, events, day, still, rules=rules)
        events = pd.concat([events, result.events])
        joe = held(events, day)["joe"]
        if offset < 10:
            assert len(joe) == 100, offset
    trimmed = events[(events["reason_code"] == "transition") & (events["from_rep_id"] == "joe")]
    assert len(trimmed) == 40 and (pd.to_datetime(trimmed["as_of_date"]).dt.date == AS_OF
                                   + dt.timedelta(days=10)).all()  # fmt: skip
    assert len(held(events, day)["joe"]) == 60  # not kept forever


def test_equal_territories_with_room_move_nothing():
    # Two territories of the same quality, each within its rep's capacity: nothing to gain.
    specs = [(f"a{i:03d}", 90 - i // 2, "smb", "r1" if i % 2 else "r2") for i in range(80)]
    frame = with_value_rank(accounts(specs))
    people = reps(
        {"rep_id": "r1", "target_book_size_override": 50},
        {"rep_id": "r2", "target_book_size_override": 50},
    )
    day1 = engine.run(Inputs(frame, people, empty_events()), parse_rules({}), AS_OF, "1")
    assert set(day1.events["kind"]) == {"adoption"}


def test_a_reswitch_day_makes_the_current_books_compete_again():
    frame = territories()
    rules = parse_rules({"transition": {"trim": False}})
    day1 = run(frame, empty_events(), AS_OF, rules=rules)  # adopted as they are
    assert held(day1.events, AS_OF)["jane"] == {a for a in frame["account_id"] if "jane" in a}
    day = AS_OF + dt.timedelta(days=1)
    again = parse_rules({"transition": {"reswitch_on": [day.isoformat()]}})
    day2 = run(frame, day1.events, day, rules=again)
    books = held(pd.concat([day1.events, day2.events]), day)
    assert opportunities(frame, books) == 12.0


@pytest.mark.parametrize("weekday", range(7))
def test_the_switch_waits_for_a_distribution_day(weekday):
    day = AS_OF + dt.timedelta(days=weekday)  # AS_OF is a Monday
    first = run(territories(), empty_events(), day)
    if day.isoweekday() <= 5:
        assert opportunities(territories(), held(first.events, day)) == 12.0
    else:  # a weekend first run adopts; Monday switches
        monday = day + dt.timedelta(days=8 - day.isoweekday())
        later = run(territories(), first.events, monday)
        books = held(pd.concat([first.events, later.events]), monday)
        assert opportunities(territories(), books) == 12.0
