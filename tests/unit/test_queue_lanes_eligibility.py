"""Queue mode, shared AE + SDR ownership, language / time-zone eligibility, and requests
(returns, claims) decided exactly once."""

import datetime as dt

import pandas as pd

from allocation import engine
from allocation.eligibility import _near_zones
from allocation.engine import Inputs
from allocation.events import books_from_events, empty_events
from engagement.rules import parse_rules
from tests.unit.test_allocation import AS_OF, accounts, books, reps


def claims(*rows):
    return pd.DataFrame(
        [(a, r, pd.Timestamp(t)) for a, r, t in rows],
        columns=["account_id", "rep_id", "claimed_at"],
    )


def queue_run(claimed, events=None, decided=None, day=AS_OF, roster=None):
    rules = parse_rules({"distribution": {"mode": "queue"}})
    frame = accounts([("a1", 90), ("a2", 80), ("a3", 70), ("a4", 60), ("e1", 95, "enterprise")])
    roster = (
        roster
        if roster is not None
        else reps(
            {"rep_id": "ann", "target_book_size_override": 2},
            {"rep_id": "bob", "target_book_size_override": 5},
        )
    )
    inputs = Inputs(frame, roster, empty_events() if events is None else events)
    inputs.claims = claimed
    if decided is not None:
        inputs.decided_claims = decided
    return engine.run(inputs, rules, day, "run")


def test_queue_mode_reps_claim_within_free_capacity_and_nothing_is_pushed():
    morning = "2026-11-23 09:00"
    result = queue_run(
        claims(
            ("a3", "ann", morning),
            ("a4", "ann", "2026-11-23 09:05"),
            ("a1", "ann", "2026-11-23 09:10"),  # ann's book is full by now
            ("a3", "bob", "2026-11-23 09:20"),  # ann was first
            ("e1", "bob", "2026-11-23 09:30"),  # bob works smb only
            ("a2", "bob", "2026-11-24 08:00"),  # tomorrow's claim: not decided today
        )
    )
    # A Monday: in named mode the pool would be pushed to reps; in queue mode only claims move.
    assert set(result.events["kind"]) == {"claim"}
    assert books(result) == {"a3": "ann", "a4": "ann"}
    decided = result.claim_decisions.set_index(["account_id", "rep_id"])
    assert decided["decision"].to_dict() == {
        ("a3", "ann"): "accepted",
        ("a4", "ann"): "accepted",
        ("a1", "ann"): "rejected",
        ("a3", "bob"): "rejected",
        ("e1", "bob"): "rejected",
    }
    reason = decided["decision_reason"]
    assert reason[("a1", "ann")] == "book is full (2 of 2 slots)"
    assert reason[("a3", "bob")] == "already in ann's book"
    assert "queues in enterprise" in reason[("e1", "bob")]
    explained = result.events.set_index("account_id")["explanation"]
    # a3 was third in the smb queue (a1 90, a2 80, a3 70); ann had both slots free.
    assert (
        explained["a3"]
        == "claimed from the smb queue at #3 (priority 70.0); rep had 2 of 2 slots free"
    )


def test_claims_are_decided_once_and_a_resting_account_is_not_in_the_queue():
    first = queue_run(claims(("a1", "ann", "2026-11-23 09:00")))
    day = AS_OF + dt.timedelta(days=1)
    events = first.events.copy()
    # ann returned a2 long ago; it rests until after tomorrow.
    rested = events.iloc[[0]].assign(
        account_id="a2",
        to_rep_id=pd.NA,
        from_rep_id="ann",
        kind="return",
        reason_code="disqualified",
        rest_until=pd.Timestamp(day + dt.timedelta(days=3)),
        seq=2,
        event_id="x",
    )
    again = queue_run(
        claims(("a1", "ann", "2026-11-23 09:00"), ("a2", "bob", "2026-11-24 10:00")),
        events=pd.concat([events, rested.astype(events.dtypes.to_dict())]),
        decided=first.claim_decisions,
        day=day,
    )
    assert again.events.empty  # ann's claim was yesterday's; decided already
    assert again.claim_decisions["account_id"].tolist() == ["a2"]
    reason = again.claim_decisions["decision_reason"].iloc[0]
    assert reason == "not in the queue: resting until 2026-11-27"


def test_an_unavailable_rep_claims_nothing():
    roster = reps({"rep_id": "ann", "unavailable_until": pd.Timestamp("2026-12-01")})
    result = queue_run(claims(("a1", "ann", "2026-11-23 09:00")), roster=roster)
    assert result.events.empty
    assert result.claim_decisions["decision_reason"].tolist() == [
        "rep is unavailable and receives no accounts"
    ]


def test_shared_ownership_gives_each_account_one_ae_and_one_sdr():
    frame = accounts([("a1", 90), ("a2", 80), ("a3", 70)])
    roster = reps(
        {"rep_id": "sdr1", "target_book_size_override": 2},
        {"rep_id": "ae1", "role": "AE", "target_book_size_override": 1},
    )
    sole = engine.run(Inputs(frame, roster, empty_events()), parse_rules({}), AS_OF, "run")
    assert len(sole.events) == 3 and set(sole.events["lane"]) == {"all"}
    rules = parse_rules({"distribution": {"shared_ownership": True}})
    shared = engine.run(Inputs(frame, roster, empty_events()), rules, AS_OF, "run")
    lanes = shared.events.groupby("lane")["account_id"].apply(sorted).to_dict()
    assert lanes == {"AE": ["a1"], "SDR": ["a1", "a2"]}
    state = books_from_events(shared.events, AS_OF + dt.timedelta(days=1))
    assert sorted(zip(state["account_id"], state["lane"], state["rep_id"], strict=True)) == [
        ("a1", "AE", "ae1"),
        ("a1", "SDR", "sdr1"),
        ("a2", "SDR", "sdr1"),
    ]
    # The SDR's retrieval leaves the AE's book alone.
    day = AS_OF + dt.timedelta(days=30)
    worked = pd.DataFrame(
        [("a1", "ae1", pd.Timestamp(day), False)],
        columns=["account_id", "rep_id", "last_meaningful_activity_on", "is_phantom_only"],
    )
    later = engine.run(Inputs(frame, roster, shared.events, worked), rules, day, "run-2")
    left = later.events[later.events["kind"] == "retrieval"]
    assert sorted(zip(left["account_id"], left["lane"], strict=True)) == [
        ("a1", "SDR"),
        ("a2", "SDR"),
    ]


def eligible_run(rules, rep, account):
    frame = accounts([("a1", 90)]).assign(region="EMEA", **account)
    roster = reps({"rep_id": "r1", "region": "EMEA", **rep})
    return books(engine.run(Inputs(frame, roster, empty_events()), parse_rules(rules), AS_OF, "r"))


def test_language_and_time_zone_decide_eligibility():
    by_language = {"distribution": {"match_language": True}}
    assert eligible_run(by_language, {"languages": "en"}, {"language": "de"}) == {}
    assert eligible_run(by_language, {"languages": "en;de"}, {"language": "de"}) == {"a1": "r1"}
    by_zone = {"distribution": {"max_time_zone_gap_hours": 3}}
    rep = {"time_zone": "America/New_York"}
    assert eligible_run(by_zone, rep, {"time_zone": "Europe/Berlin"}) == {}
    assert eligible_run(by_zone, rep, {"time_zone": "America/Chicago"}) == {"a1": "r1"}
    both = {"distribution": {"match_region": True, "match_language": True}}
    assert eligible_run(both, {"languages": "de", "region": "NA"}, {"language": "de"}) == {}


def test_time_zone_gap_wraps_around_the_date_line():
    day = dt.date(2026, 1, 15)
    zones = ["Pacific/Auckland", "Pacific/Honolulu", "Asia/Tokyo"]
    # Auckland is UTC+13 in January, Honolulu UTC-10: 23 hours apart one way, 1 the other.
    assert _near_zones("Pacific/Auckland", zones, 1, day) == [
        "Pacific/Auckland",
        "Pacific/Honolulu",
    ]
    assert _near_zones("Not/AZone", zones, 12, day) == []


def test_a_rejected_return_is_not_reconsidered_the_next_day():
    rules = parse_rules({"returns": {"max_per_rep": 1, "period_days": 1}})
    roster = reps({"rep_id": "r1", "target_book_size_override": 2})
    frame = accounts([("a0", 50, "smb", "r1"), ("a1", 60, "smb", "r1")])
    day = AS_OF + dt.timedelta(days=1)
    back = pd.DataFrame(
        [
            ("a0", "r1", pd.Timestamp(day), "disqualified"),
            ("a1", "r1", pd.Timestamp(day), "duplicate"),
        ],
        columns=["account_id", "rep_id", "returned_at", "reason"],
    )
    worked = pd.DataFrame(
        [(a, "r1", pd.Timestamp(AS_OF), False) for a in ("a0", "a1")],
        columns=["account_id", "rep_id", "last_meaningful_activity_on", "is_phantom_only"],
    )
    first = engine.run(Inputs(frame, roster, empty_events(), worked), rules, AS_OF, "run-1")
    second = engine.run(Inputs(frame, roster, first.events, worked, back), rules, day, "run-2")
    assert second.return_decisions["decision"].tolist() == ["accepted", "rejected"]
    events = pd.concat([first.events, second.events])
    third = engine.run(
        Inputs(frame, roster, events, worked, back, decided_returns=second.return_decisions),
        rules,
        day + dt.timedelta(days=1),
        "run-3",
    )
    assert third.return_decisions.empty
    assert "a1" not in set(third.events["account_id"])


def test_same_input_in_any_row_order_gives_identical_events():
    rules = parse_rules({"distribution": {"shared_ownership": True, "match_region": True}})
    frame = accounts(
        [(f"a{i:03d}", (i * 37) % 100, ["smb", "mid_market"][i % 2]) for i in range(300)]
    )
    frame["region"] = ["NA", "EMEA", None][0:3] * 100
    roster = reps(
        *[
            {
                "rep_id": f"r{i:02d}",
                "role": ["SDR", "AE"][i % 2],
                "segments": ["smb", "mid_market", "smb;mid_market"][i % 3],
                "region": ["NA", "EMEA"][i % 2 == 0],
                "target_book_size_override": 7 + i % 5,
            }
            for i in range(20)
        ]
    )
    first = engine.run(Inputs(frame, roster, empty_events()), rules, AS_OF, "run")
    shuffled = engine.run(
        Inputs(
            frame.sample(frac=1, random_state=7),
            roster.sample(frac=1, random_state=3),
            empty_events(),
        ),
        rules,
        AS_OF,
        "run",
    )
    assert len(first.events) > 100
    pd.testing.assert_frame_equal(first.events, shuffled.events)
    assert first.events.to_csv(index=False) == shuffled.events.to_csv(index=False)


def test_claims_in_named_mode_are_answered_not_ignored():
    inputs = Inputs(
        accounts([("a1", 90), ("a2", 80)]),
        reps({"rep_id": "ann", "target_book_size_override": 1}),
        empty_events(),
    )
    inputs.claims = claims(("a2", "ann", "2026-11-23 09:00"))
    result = engine.run(inputs, parse_rules({}), AS_OF, "run")
    decided = result.claim_decisions
    assert decided[["account_id", "rep_id", "decision"]].values.tolist() == [
        ["a2", "ann", "rejected"]
    ]
    assert "not in queue mode" in decided["decision_reason"].iloc[0]
    assert books(result) == {"a1": "ann"}  # named mode fills books by value, not by claim
