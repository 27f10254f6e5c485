"""Rep capacity: target book x ramp x availability."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from engagement.rules import Rules

ACTIVE, UNAVAILABLE, DEPARTED = "active", "unavailable", "departed"
NOT_STARTED = "not_started"  # a start date still ahead: no capacity until it comes
STATUSES = (ACTIVE, UNAVAILABLE, DEPARTED, NOT_STARTED)


def _ramp_share(tenure_days: np.ndarray, rules: Rules) -> np.ndarray:
    share = np.ones(len(tenure_days))
    # Steps are increasing: walking them backwards leaves the first step that applies.
    for step in reversed(rules.ramp):
        share = np.where(tenure_days < step.days, step.share, share)
    return share


def _dates(values) -> np.ndarray:
    return pd.to_datetime(pd.Series(values)).to_numpy(dtype="datetime64[ns]")


def rep_capacity(reps: pd.DataFrame, rules: Rules, as_of: dt.date) -> pd.DataFrame:
    """One row per rep: status, target book size, ramp share and capacity on `as_of`.

    `reps` has the staging roster columns: rep_id, role, segments (';'-separated),
    target_book_size_override, start_date, unavailable_until, departed_on.
    A departed rep, and one whose start date is still ahead, has capacity 0; an unavailable
    rep keeps their book but receives nothing new until they are back (`receives_accounts`).
    Built from arrays: the engine asks it on every run, a simulated year 250 times.
    """
    today = np.datetime64(pd.Timestamp(as_of), "ns")
    start, departed = _dates(reps["start_date"]), _dates(reps["departed_on"])
    away = _dates(reps["unavailable_until"])
    status = np.full(len(reps), ACTIVE, dtype=object)
    status[~np.isnat(away) & (away > today)] = UNAVAILABLE
    status[~np.isnat(start) & (start > today)] = NOT_STARTED
    status[~np.isnat(departed) & (departed <= today)] = DEPARTED
    # A rep the CRM no longer has as an active user cannot own accounts: gone, whatever
    # the roster says (an OwnerId the CRM refuses, or one it keeps on a closed login).
    if "is_crm_user_active" in reps:
        inactive = reps["is_crm_user_active"].astype("boolean").fillna(False).to_numpy(bool)
        status[~inactive] = DEPARTED
    override = pd.to_numeric(reps["target_book_size_override"], errors="coerce").to_numpy(float)
    target = []
    for role, segments, own in zip(reps["role"], reps["segments"], override, strict=True):
        if not np.isnan(own):
            target.append(int(own))
            continue
        sizes = rules.target_book_size.get(role, {})
        # A rep covering several segments carries the largest of their targets.
        target.append(max((sizes.get(s, 0) for s in str(segments).split(";")), default=0))
    target = np.array(target, dtype=np.int64)
    tenure = np.where(np.isnat(start), 10_000, (today - start) / np.timedelta64(1, "D"))
    ramp = _ramp_share(tenure, rules)
    gone = np.isin(status, [DEPARTED, NOT_STARTED])
    capacity = np.where(gone, 0, np.round(target * ramp).astype(np.int64))
    out = pd.DataFrame(
        {
            "rep_id": reps["rep_id"].to_numpy(),
            "role": reps["role"].to_numpy(),
            "segments": reps["segments"].to_numpy(),
            "status": status,
            "target_book_size": target,
            "ramp_share": ramp,
            "capacity": capacity,
            "receives_accounts": status == ACTIVE,
            "as_of_date": pd.Timestamp(as_of),
        }
    )
    return out.sort_values("rep_id").reset_index(drop=True)
