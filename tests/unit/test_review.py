import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
import yaml

from data_quality.review import (
    Decision,
    Request,
    ReviewError,
    admitted_keys,
    allowed,
    decisions_frame,
)

NOW = dt.datetime(2026, 11, 24, 9, 30)
ITEMS = pd.DataFrame(
    {
        "review_item_id": ["a1", "c1", "w1", "d1", "d2", "d3"],
        "item_kind": ["blocked_account", "blocked_row", "warning"] + ["blocked_account"] * 3,
        "file": ["Account.csv", "Contact.csv"] + ["Account.csv"] * 4,
        "record_key": ["001A", "003C", None, "001D", "001D", "001D"],
        "column_name": ["AnnualRevenue", "AccountId", "Industry", "Id", "Id", "Id"],
        "rule": [
            "revenue_not_negative",
            "unknown_account",
            "unknown_industry",
            *["account_id_unique"] * 3,
        ],
        "raw_record": [
            None,
            None,
            None,
            '{"_row":7,"Id":"001D","Name":"Acme"}',
            '{"_row":12,"Id":"001D","Name":"Acme Corp"}',
            '{"_row":13,"Id":"001D","Name":"Acme Corp"}',
        ],
    }
)


def decide(ids, decision, **extra):
    request = Request(item_ids=ids, decision=decision, decided_by="Robin", **extra)
    return decisions_frame(request, ITEMS, NOW, "run-x")


def test_a_decision_is_one_row_per_item_with_who_and_from_when():
    rows = decide([" a1", "a1"], "retire", note="duplicate of 001C")
    assert list(rows["review_item_id"]) == ["a1"] and list(rows["record_key"]) == ["001A"]
    assert rows.loc[0, "decided_by"] == "Robin" and rows.loc[0, "decided_on"] == NOW.date()


@pytest.mark.parametrize(
    ("ids", "decision", "message"),
    [
        (["a1"], "delete", "decision 'delete' is not one of reintroduce, retire"),
        (["a1", "zz"], "retire", "not an item of the review queue: zz; nothing recorded"),
        ([" "], "retire", "no review item ids given"),
        (["c1"], "retire", "c1 is a blocked_row item (unknown_account): it allows accept or"),
        (["w1"], "dismiss", "allows acknowledge, not dismiss"),
        (["d1"], "reintroduce", "(account_id_unique): it allows retire or keep, not reintroduce"),
        (["d1", "d2"], "keep", "d1 and d2 are rows of one key (001D): keep one of them"),
        (["a1"], "keep", "(revenue_not_negative): it allows reintroduce or retire, not keep"),
    ],
)
def test_a_decision_that_does_not_fit_the_item_is_refused_in_one_line(ids, decision, message):
    with pytest.raises(ReviewError, match=message.replace("(", r"\(").replace(")", r"\)")):
        decide(ids, decision)


def test_a_corrected_value_goes_with_reintroduce_only():
    with pytest.raises(ReviewError, match="goes with reintroduce"):
        decide(["c1"], "accept", corrected_value="001A")
    assert decide(["a1"], "reintroduce", corrected_value="5").loc[0, "corrected_value"] == "5"


def test_a_value_item_is_acknowledged_without_a_record():
    assert pd.isna(decide(["w1"], "acknowledge").loc[0, "record_key"])
    assert allowed("warning") == (Decision.acknowledge,)


def test_the_dbt_test_of_decisions_accepts_exactly_the_decisions():
    staging = yaml.safe_load(
        (Path(__file__).parents[2] / "transforms/models/staging/_staging.yml").read_text()
    )
    (model,) = [m for m in staging["models"] if m["name"] == "stg_quality__review_decisions"]
    (column,) = [c for c in model["columns"] if c["name"] == "decision"]
    values = column["data_tests"][0]["accepted_values"]["arguments"]["values"]
    assert values == [d.value for d in Decision]


def test_a_corrected_value_must_be_what_the_loader_would_load():
    import duckdb

    from orchestration.stores.review import _value_problem

    con = duckdb.connect()
    revenue = pd.Series({"file": "Account.csv", "column_name": "AnnualRevenue"})
    assert _value_problem(con, revenue, "12000000") is None
    # The loader reads NaN and infinity as no number: a NaN revenue would rank first.
    for value in ("twelve", "nan", "inf"):
        assert "is not a double for AnnualRevenue" in _value_problem(con, revenue, value)
    created = pd.Series({"file": "Account.csv", "column_name": "CreatedDate"})
    assert _value_problem(con, created, "2026-11-02T10:00:00+05:00") is None
    assert _value_problem(con, created, "yesterday") is not None


def test_keeping_one_of_a_key_sets_the_others_aside_in_one_decision():
    rows = decide(["d2"], "keep", note="the CRM's current name").set_index("review_item_id")
    assert dict(rows["decision"]) == {"d1": "dismiss", "d2": "keep", "d3": "dismiss"}
    # The row is found again by its values, wherever it moves in the file.
    assert rows.loc["d2", "kept_row"] == '{"Id":"001D","Name":"Acme Corp"}'
    assert rows.loc["d1", "note"] == "the CRM's current name (row kept: d2)"
    assert rows[["decided_by", "decided_on"]].drop_duplicates().shape == (1, 2)
    assert allowed("blocked_row", "contact_id_unique") == (Decision.dismiss, Decision.keep)
    assert allowed("warning", "account_id_unique") == (Decision.acknowledge,)


def test_the_command_line_names_every_decision():
    from typer.testing import CliRunner

    from books_app.cli import app

    shown = CliRunner().invoke(app, ["review", "decide", "--help"], terminal_width=200)
    assert shown.exit_code == 0
    text = " ".join(shown.output.split())
    assert all(str(d) in text for d in Decision), text


def test_a_row_whose_key_is_held_twice_loads_only_once_kept():
    # 001D's rows share a key (d1-d3) and one of them has a negative revenue (r1): loading
    # it by reintroduce would load the key twice.
    items = pd.concat(
        [
            ITEMS.assign(status="open"),
            pd.DataFrame(
                {
                    "review_item_id": ["r1"],
                    "item_kind": ["blocked_account"],
                    "file": ["Account.csv"],
                    "record_key": ["001D"],
                    "column_name": ["AnnualRevenue"],
                    "rule": ["revenue_not_negative"],
                    "raw_record": ['{"_row":12,"Id":"001D","Name":"Acme Corp"}'],
                    "status": ["open"],
                }
            ),
        ],
        ignore_index=True,
    )
    request = Request(item_ids=["r1"], decision="reintroduce", decided_by="Robin")
    with pytest.raises(ReviewError, match="share its key 001D .account_id_unique.: keep one"):
        decisions_frame(request, items, NOW, "run-x")
    # Once a row of the key is kept, the revenue can be reintroduced: it applies to that row.
    kept = items.assign(status=["open"] * 3 + ["dismiss", "keep", "dismiss", "open"])
    assert list(decisions_frame(request, kept, NOW, "run-x")["decision"]) == ["reintroduce"]
    # And the loader admits no key a uniqueness rule caught, whatever was decided on it.
    caught = [("001D", "account_id_unique"), ("001D", "revenue_not_negative"), ("001A", "x")]
    decided = [("001D", "reintroduce"), ("001A", "reintroduce"), ("003C", "dismiss")]
    assert admitted_keys(decided, caught) == ["001A"]
