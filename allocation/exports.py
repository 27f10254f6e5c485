"""What a run changed, in the shapes the CRM and the reps need."""

from __future__ import annotations

import pandas as pd

from engagement.rules import SOLE_LANE

# Salesforce Data Loader upsert on Account: Id is the match key. Book_Status__c and
# Book_Entered__c are the custom fields a dynamic-books org stamps on Account.
CRM_COLUMNS = ["Id", "OwnerId", "Book_Status__c", "Book_Entered__c", "Book_Reason__c"]
SDR_COLUMNS = ["SDR_Owner__c", "SDR_Book_Status__c"]  # shared ownership: the SDR's lane
# What a spreadsheet opening the file would run as a formula (OWASP's CSV injection list).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


# C0 and C1 control characters (a NUL byte, a tab, an escape sequence's ESC): the CRM may
# hold them in a name, and a file reps open must not. Each run of them becomes one space.
CONTROL = r"[\x00-\x1f\x7f-\x9f]+"


def safe_cells(frame: pd.DataFrame) -> pd.DataFrame:
    """Text cells as a file reps and the CRM open may hold them: control characters
    replaced by a space, and cells that start like a formula prefixed with a quote so they
    stay text (account names and explanations come from the CRM)."""
    out = {}
    for column, values in frame.items():
        if values.dtype == object or isinstance(values.dtype, pd.StringDtype):
            text = values.astype("string")
            control = text.str.contains(CONTROL, regex=True).fillna(False).to_numpy(dtype=bool)
            if control.any():
                text = text.where(~control, text.str.replace(CONTROL, " ", regex=True).str.strip())
            risky = text.str.startswith(FORMULA_STARTS).fillna(False).to_numpy(dtype=bool)
            if risky.any():
                text = text.where(~risky, "'" + text)
            if control.any() or risky.any():
                out[column] = values.where(~(control | risky), text)
    return frame.assign(**out) if out else frame


def crm_owner_changes(
    events: pd.DataFrame, pool_owner_id: str, shared: bool = False
) -> pd.DataFrame:
    """One row per account whose owner changed in the run: its final owner of the day.

    Accounts that left every book are assigned to `pool_owner_id` (the integration user that
    holds the pool in the CRM). With shared ownership the AE lane sets OwnerId and the SDR
    lane sets SDR_Owner__c; a blank cell is left alone by Data Loader (nulls are not inserted
    unless asked), so a change in one lane does not touch the other.
    """
    columns = CRM_COLUMNS + (SDR_COLUMNS if shared else [])
    if events.empty:
        return pd.DataFrame(columns=columns)
    lane = events["lane"].fillna(SOLE_LANE) if "lane" in events else SOLE_LANE
    last = (
        events.assign(lane=lane)
        .sort_values("seq")
        .drop_duplicates(["account_id", "lane"], keep="last")
    )
    owner_lane = last[last["lane"] != "SDR"]
    in_book = owner_lane["to_rep_id"].notna()
    if not pool_owner_id and not (in_book.all() and last["to_rep_id"].notna().all()):
        raise ValueError(
            "no pool owner for the accounts going to the pool: set distribution.pool_owner_id "
            "in the rules to a User.csv Id (or give the integration user the Title "
            "'Integration'); a blank OwnerId would strip the accounts of an owner"
        )
    out = pd.DataFrame(
        {
            "Id": owner_lane["account_id"],
            "OwnerId": owner_lane["to_rep_id"].where(in_book, pool_owner_id),
            "Book_Status__c": in_book.map({True: "In Book", False: "Pool"}),
            "Book_Entered__c": pd.to_datetime(owner_lane["as_of_date"]).dt.strftime("%Y-%m-%d"),
            "Book_Reason__c": owner_lane["kind"] + ": " + owner_lane["reason_code"],
        }
    )
    if shared:
        sdr = last[last["lane"] == "SDR"]
        sdr_in_book = sdr["to_rep_id"].notna()
        out = out.merge(
            pd.DataFrame(
                {
                    "Id": sdr["account_id"],
                    "SDR_Owner__c": sdr["to_rep_id"].where(sdr_in_book, pool_owner_id),
                    "SDR_Book_Status__c": sdr_in_book.map({True: "In Book", False: "Pool"}),
                }
            ),
            on="Id",
            how="outer",
        )
    return out.sort_values("Id").reset_index(drop=True)[columns]


def rep_changes(events: pd.DataFrame, account_names: pd.Series) -> pd.DataFrame:
    """Per rep: what entered and what left their book in the run, and why."""
    columns = ["rep_id", "change", "account_id", "account_name", "lane", "kind", "explanation"]
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
