import datetime as dt

import pandas as pd

from allocation.events import make_events
from allocation.exports import CRM_COLUMNS, crm_owner_changes, rep_changes, safe_cells

DAY = dt.date(2026, 11, 23)


def events():
    return make_events(
        [
            {
                "account_id": "a1",
                "from_rep_id": None,
                "to_rep_id": "r1",
                "kind": "distribution",
                "reason_code": "free_capacity",
                "explanation": "best available",
            },
            {
                "account_id": "a2",
                "from_rep_id": "r1",
                "to_rep_id": None,
                "kind": "retrieval",
                "reason_code": "not_worked",
                "explanation": "no activity for 40 days",
            },
            # a3 left a departed rep and was redistributed the same day: the final owner wins.
            {
                "account_id": "a3",
                "from_rep_id": "gone",
                "to_rep_id": None,
                "kind": "release",
                "reason_code": "departed_rep",
                "explanation": "rep departed",
            },
            {
                "account_id": "a3",
                "from_rep_id": None,
                "to_rep_id": "r2",
                "kind": "redistribution",
                "reason_code": "from_departed_rep",
                "explanation": "was in gone's book",
            },
        ],
        "run-1",
        DAY,
    )


def test_crm_upsert_has_one_row_per_account_with_its_final_owner():
    crm = crm_owner_changes(events(), pool_owner_id="005POOL")
    assert list(crm.columns) == CRM_COLUMNS
    rows = crm.set_index("Id").to_dict("index")
    assert rows["a1"]["OwnerId"] == "r1" and rows["a1"]["Book_Status__c"] == "In Book"
    assert rows["a2"]["OwnerId"] == "005POOL" and rows["a2"]["Book_Status__c"] == "Pool"
    assert rows["a3"]["OwnerId"] == "r2"
    assert rows["a3"]["Book_Reason__c"] == "redistribution: from_departed_rep"
    assert set(crm["Book_Entered__c"]) == {"2026-11-23"}


def test_each_rep_sees_what_entered_and_left_their_book():
    names = pd.Series({"a1": "Acme", "a2": "Globex", "a3": "Initech"})
    changes = rep_changes(events(), names)
    by_rep = {
        rep: sorted(zip(g["change"], g["account_name"], strict=True))
        for rep, g in changes.groupby("rep_id")
    }
    assert by_rep == {
        "gone": [("left", "Initech")],
        "r1": [("entered", "Acme"), ("left", "Globex")],
        "r2": [("entered", "Initech")],
    }
    assert crm_owner_changes(events().iloc[0:0], "x").empty


def test_shared_ownership_sets_the_ae_owner_and_the_sdr_field_independently():
    rows = [
        {"account_id": "a1", "lane": "AE", "to_rep_id": "ae1", "kind": "distribution",
         "reason_code": "free_capacity", "explanation": "x"},
        {"account_id": "a1", "lane": "SDR", "to_rep_id": "sdr1", "kind": "distribution",
         "reason_code": "free_capacity", "explanation": "x"},
        {"account_id": "a2", "lane": "SDR", "from_rep_id": "sdr1", "kind": "retrieval",
         "reason_code": "not_worked", "explanation": "x"},
    ]  # fmt: skip
    crm = crm_owner_changes(make_events(rows, "run-1", DAY), "pool-user", shared=True)
    assert crm.fillna("").values.tolist() == [
        ["a1", "ae1", "In Book", "2026-11-23", "distribution: free_capacity", "sdr1", "In Book"],
        ["a2", "", "", "", "", "pool-user", "Pool"],
    ]


def test_cells_a_spreadsheet_would_run_as_formulas_are_written_as_text():
    # An account name from the CRM, opened by a rep in a spreadsheet, must not run.
    names = pd.Series({"a1": '=HYPERLINK("http://x","click")', "a2": "+1 Corp", "a3": "@SUM(A1)"})
    changes = safe_cells(rep_changes(events(), names))
    shown = dict(zip(changes["account_id"], changes["account_name"], strict=False))
    assert shown["a1"] == '\'=HYPERLINK("http://x","click")'
    assert shown["a2"] == "'+1 Corp" and shown["a3"] == "'@SUM(A1)"
    # Plain text is left as it is.
    plain = safe_cells(pd.DataFrame({"x": ["Acme", None, "-"]}))
    assert plain["x"].tolist()[0] == "Acme" and pd.isna(plain["x"].tolist()[1])
    assert plain["x"].tolist()[2] == "'-"


def test_control_characters_never_reach_a_file_reps_open():
    names = pd.Series({"a1": "Null\x00Byte\tand\x07bell Corp", "a2": "\x1b[31mRed", "a3": "Fine"})
    changes = safe_cells(rep_changes(events(), names))
    shown = dict(zip(changes["account_id"], changes["account_name"], strict=False))
    assert shown == {"a1": "Null Byte and bell Corp", "a2": "[31mRed", "a3": "Fine"}
    # A tab before a formula is no shield: the formula is still written as text.
    assert safe_cells(pd.DataFrame({"x": ["\t=1+1"]}))["x"].tolist() == ["'=1+1"]


def test_the_crm_file_never_writes_a_blank_owner():
    import pytest

    with pytest.raises(ValueError, match="pool_owner_id"):
        crm_owner_changes(events(), "")
    # A day that sends nothing to the pool needs no pool owner.
    kept = events()
    kept = kept[kept["to_rep_id"].notna()]
    assert (crm_owner_changes(kept, "")["OwnerId"] != "").all()


def test_two_reps_of_one_name_read_apart_and_the_pool_is_named():
    from orchestration.labels import rep_label

    names = {"005A": "Sam Lee", "005B": "Sam Lee"}
    assert rep_label("005A", names) != rep_label("005B", names)
    assert rep_label("005A", names) == "Sam Lee (005A)"
    assert rep_label("005C", names) == "005C" and rep_label(None, names) == "pool"
