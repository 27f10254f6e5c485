"""Rep capacity: target book x ramp x availability."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from engagement.rules import Rules

ACTIVE, UNAVAILABLE, DEPARTED = "active", "unavailable", "departed"
NOT_STARTED = "not_started"  # a start date still ahead: no capacity until it comes


def _ramp_share(tenure_days: pd.Series, rules: Rules) -> pd.Series:
    share = pd.Series(1.0, index=tenure_days.index)
    # Steps are increasing: walking them backwards leaves the first step that applies.
    for step in reversed(rules.ramp):
        share = share.where(~(tenure_days < step.days), step.share)
    return share


def rep_capacity(reps: pd.DataFrame, rules: Rules, as_of: dt.date) -> pd.DataFrame:
    """One row per rep: status, target book size, ramp share and capacity on `as_of`.

    `reps` has the staging roster columns: rep_id, role, segments (';'-separated),
    target_book_size_override, start_date, unavailable_until, departed_on.
    A departed rep, and one whose start date is still ahead, has capacity 0; an unavailable
    rep keeps their book but receives nothing new until they are back (`receives_accounts`).
    """
    today = pd.Timestamp(as_of)
    out = reps[["rep_id", "role", "segments"]].copy()
    start = pd.to_datetime(reps["start_date"])
    departed = pd.to_datetime(reps["departed_on"])
    away = pd.to_datetime(reps["unavailable_until"])
    out["status"] = ACTIVE
    out.loc[away.notna() & (away > today), "status"] = UNAVAILABLE
    out.loc[start.notna() & (start > today), "status"] = NOT_STARTED
    out.loc[departed.notna() & (departed <= today), "status"] = DEPARTED
    # A rep the CRM no longer has as an active user cannot own accounts: gone, whatever
    # the roster says (an OwnerId the CRM refuses, or one it keeps on a closed login).
    if "is_crm_user_active" in reps:
        inactive = reps["is_crm_user_active"].astype("boolean").fillna(False).to_numpy(bool)
        out.loc[~inactive, "status"] = DEPARTED

    def target(row) -> int:
        if pd.notna(row.target_book_size_override):
            return int(row.target_book_size_override)
        sizes = rules.target_book_size.get(row.role, {})
        # A rep covering several segments carries the largest of their targets.
        return max((sizes.get(s, 0) for s in str(row.segments).split(";")), default=0)

    out["target_book_size"] = [target(r) for r in reps.itertuples()]
    tenure = (today - start).dt.days.fillna(10_000)
    out["ramp_share"] = _ramp_share(tenure, rules)
    capacity = (out["target_book_size"] * out["ramp_share"]).round().astype("int64")
    out["capacity"] = capacity.where(~out["status"].isin([DEPARTED, NOT_STARTED]), 0)
    out["receives_accounts"] = out["status"] == ACTIVE
    out["as_of_date"] = today
    return out.sort_values("rep_id").reset_index(drop=True)
