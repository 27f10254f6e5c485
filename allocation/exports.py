"""What a run changed, in the shapes the CRM and the reps need."""

from __future__ import annotations

import pandas as pd

# Salesforce Data Loader upsert on Account: Id is the match key. Book_Status__c and
# Book_Entered__c are the custom fields a dynamic-books org stamps on Account.
CRM_COLUMNS = ["Id", "OwnerId", "Book_Status__c", "Book_Entered__c", "Book_Reason__c"]


def crm_owner_changes(events: pd.DataFrame, pool_owner_id: str) -> pd.DataFrame:
    """One row per account whose owner changed in the run: its final owner of the day.

    Accounts that left every book are assigned to `pool_owner_id` (the integration user that
    holds the pool in the CRM).
    """
    if events.empty:
        return pd.DataFrame(columns=CRM_COLUMNS)
    last = events.sort_values("seq").drop_duplicates("account_id", keep="last")
    in_book = last["to_rep_id"].notna()
    out = pd.DataFrame(
        {
            "Id": last["account_id"],
            "OwnerId": last["to_rep_id"].where(in_book, pool_owner_id),
            "Book_Status__c": in_book.map({True: "In Book", False: "Pool"}),
            "Book_Entered__c": pd.to_datetime(last["as_of_date"]).dt.strftime("%Y-%m-%d"),
            "Book_Reason__c": last["kind"] + ": " + last["reason_code"],
        }
    )
    return out.sort_values("Id").reset_index(drop=True)


def rep_changes(events: pd.DataFrame, account_names: pd.Series) -> pd.DataFrame:
    """Per rep: what entered and what left their book in the run, and why."""
    columns = ["rep_id", "change", "account_id", "account_name", "kind", "explanation"]
    entered = events[events["to_rep_id"].notna()].assign(
        rep_id=lambda e: e["to_rep_id"], change="entered"
    )
    left = events[events["from_rep_id"].notna()].assign(
        rep_id=lambda e: e["from_rep_id"], change="left"
    )
    both = pd.concat([entered, left])
    if both.empty:
        return pd.DataFrame(columns=columns)
    both["account_name"] = both["account_id"].map(account_names)
    return both.sort_values(["rep_id", "change", "seq"])[columns].reset_index(drop=True)
