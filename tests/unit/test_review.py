import datetime as dt

import pytest

from data_quality.review import ReviewError, decisions_frame

NOW = dt.datetime(2026, 11, 24, 9, 30)


def test_valid_decisions_are_one_row_per_account():
    rows = decisions_frame(
        [" 001A", "001B", "001A"], "retire", "duplicate of 001C", {"001A", "001B"}, NOW, "run-x"
    )
    assert list(rows["account_id"]) == ["001A", "001B"]
    assert set(rows["decision"]) == {"retire"} and set(rows["decided_on"]) == {NOW.date()}


@pytest.mark.parametrize(
    ("ids", "decision", "message"),
    [
        (["001A"], "delete", "decision 'delete' is not allowed; use one of reintroduce, retire"),
        (["001A", "001Z"], "retire", "not in the review queue: 001Z; nothing recorded"),
        ([" "], "retire", "no account ids given"),
    ],
)
def test_bad_decisions_are_refused_with_a_message(ids, decision, message):
    with pytest.raises(ReviewError, match=message):
        decisions_frame(ids, decision, "", {"001A"}, NOW, "run-x")
