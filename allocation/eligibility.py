"""Who may receive which account beyond its segment: region, language and time zone.

Eligibility is written as keys so the solver needs no change: an account's key is its
segment plus each attribute the rules match on (`smb@EMEA@de`), a rep's keys are every
combination they may take, and reps with the same set of keys form one peer class. An
attribute the account or rep lacks is `?`, which matches nothing else: an account whose
country maps to no region is eligible for nobody rather than for everybody.
"""

from __future__ import annotations

import datetime as dt
import itertools
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pandas as pd

from engagement.rules import Rules

UNKNOWN = "?"


@cache
def _utc_offset_hours(zone: str, day: dt.date) -> float | None:
    try:
        offset = ZoneInfo(zone).utcoffset(dt.datetime(day.year, day.month, day.day, 12))
    except (ZoneInfoNotFoundError, ValueError):
        return None
    return offset.total_seconds() / 3600


def _split(value: object) -> list[str]:
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NA:
        return []
    return [part for part in (p.strip() for p in str(value).split(";")) if part]


def _near_zones(rep_zone: object, zones: list[str], hours: float, day: dt.date) -> list[str]:
    """The account time zones whose UTC offset on `day` is within `hours` of the rep's."""
    mine = _utc_offset_hours(str(rep_zone), day) if _split(rep_zone) else None
    if mine is None:
        return []
    near = []
    for zone in zones:
        theirs = _utc_offset_hours(zone, day)
        # Offsets wrap around the date line: UTC+12 and UTC-11 are one hour apart.
        if theirs is not None and min(abs(mine - theirs), 24 - abs(mine - theirs)) <= hours:
            near.append(zone)
    return near


def eligibility_keys(
    pool: pd.DataFrame, capacity: pd.DataFrame, reps: pd.DataFrame, rules: Rules, day: dt.date
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Rewrites pool `segment` and capacity `segments` into eligibility keys.

    `pool` needs region / language / time_zone for the attributes the rules match on;
    `reps` (the roster) gives each rep's region, languages (';'-separated) and time_zone.
    """
    rules_d = rules.distribution
    if not (rules_d.match_region or rules_d.match_language) and (
        rules_d.max_time_zone_gap_hours is None
    ):
        return pool, capacity
    roster = reps.set_index("rep_id").reindex(capacity["rep_id"])
    account_parts: list[pd.Series] = []
    rep_parts: list[list[list[str]]] = []
    if rules_d.match_region:
        account_parts.append(pool["region"])
        rep_parts.append([[r] if _split(r) else [] for r in roster["region"]])
    if rules_d.match_language:
        account_parts.append(pool["language"])
        languages = roster["languages"] if "languages" in roster else [None] * len(roster)
        rep_parts.append([_split(langs) for langs in languages])
    if rules_d.max_time_zone_gap_hours is not None:
        account_parts.append(pool["time_zone"])
        zones = sorted(pool["time_zone"].dropna().unique())
        hours = rules_d.max_time_zone_gap_hours
        rep_parts.append([_near_zones(z, zones, hours, day) for z in roster["time_zone"]])

    key = pool["segment"].astype(str)
    for part in account_parts:
        key = key + "@" + part.fillna(UNKNOWN).astype(str)
    rep_keys = []
    for i, segments in enumerate(capacity["segments"]):
        options = [_split(segments)] + [part[i] for part in rep_parts]
        rep_keys.append(";".join("@".join(combo) for combo in itertools.product(*options)))
    return pool.assign(segment=key), capacity.assign(segments=rep_keys)
