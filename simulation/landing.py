"""A simulated market as landing files (the input contract), so the real pipeline runs on
it: the accounts with firmographics that score their fit tier, the team as users and a
roster, every touch as a completed call, opportunities, intent signals and returns, up to
a day of one policy's year. The rules written beside them score fit and timing as the
simulator does (`market.FIT`, `market.SIGNAL_POINTS`), so the pipeline's priorities are
the simulator's."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import yaml

from simulation.market import SIGNAL_POINTS
from simulation.world import NOBODY, World, date_of

# Firmographics that score each tier's fit under the rules written below (90 / 60 / 30).
FIRMOGRAPHICS = {
    "A": ("Software", 600_000_000, 2500),
    "B": ("Healthcare", 60_000_000, 300),
    "C": ("Retail", 2_000_000, 20),
}
POOL_USER, MANAGER = "005SIMPOOL00000001", "005SIMMANAGER00001"
SIGNAL_TYPE = "pricing_page"


def account_id(i: int) -> str:
    return f"001SIM{i:012d}"


def user_id(i: int) -> str:
    return f"005SIM{i:012d}"


def _write(path: Path, header: list[str], rows) -> int:
    with path.open("w", newline="", encoding="utf-8") as f:
        out = csv.writer(f, quoting=csv.QUOTE_MINIMAL)
        out.writerow(header)
        count = 0
        for row in rows:
            out.writerow(row)
            count += 1
    return count


def rules_for(world: World) -> dict:
    """The scenario's rules of engagement, with fit and timing scored as the simulator does."""
    rules = world.rules.model_dump(mode="json")
    rules.pop("plausible", None)
    rules["fit"] = {
        "icp_min_score": 0,
        "industry": {"Software": 60, "Healthcare": 30, "Retail": 0},
        "country": {"US": 30},
        "employees": [],
        "annual_revenue": [],
    }
    rules["timing"]["signal_weights"] = {SIGNAL_TYPE: SIGNAL_POINTS}
    rules["distribution"]["pool_owner_id"] = POOL_USER
    return rules


def emit(world: World, day: int, folder: Path) -> dict[str, int]:
    """Writes the landing files of `world` (traced up to `day`) into `folder`, and the
    rules to run them with; returns the rows written per file."""
    folder.mkdir(parents=True, exist_ok=True)
    market, names = world.market, world.names
    created = f"{date_of(-400).isoformat()}T09:00:00Z"
    written = {}
    users = [
        (POOL_USER, "Integration User", "pool@example.com", "true", "Integration"),
        (MANAGER, "Sales Manager", "manager@example.com", "true", "Sales Manager"),
    ]
    departed = world.roster.set_index("rep_id")["departed_on"]
    for i, name in enumerate(names):
        gone = (
            departed[name] is not None
            and str(departed[name]) != "NaT"
            and departed[name].date() <= date_of(day)
        )
        users.append(
            (user_id(i), name, f"{name}@example.com", str(not gone).lower(), "Account Executive")
        )
    written["User.csv"] = _write(
        folder / "User.csv", ["Id", "Name", "Email", "IsActive", "Title"], users
    )
    cap = world.roster
    written["reps.csv"] = _write(
        folder / "reps.csv",
        [
            "rep_id",
            "name",
            "role",
            "segments",
            "region",
            "time_zone",
            "languages",
            "target_book_size",
            "start_date",
            "unavailable_until",
            "departed_on",
            "manager_id",
        ],
        (
            (
                user_id(i),
                r.rep_id,
                "AE",
                "smb",
                "NA",
                "America/New_York",
                "en",
                r.target_book_size_override,
                r.start_date.date().isoformat(),
                "",
                "" if str(r.departed_on) == "NaT" else r.departed_on.date().isoformat(),
                MANAGER,
            )
            for i, r in enumerate(cap.itertuples())
        ),
    )
    owner = world.owner
    written["Account.csv"] = _write(
        folder / "Account.csv",
        [
            "Id",
            "Name",
            "Website",
            "Industry",
            "AnnualRevenue",
            "NumberOfEmployees",
            "BillingCountry",
            "BillingState",
            "Type",
            "OwnerId",
            "CreatedDate",
        ],
        (
            (
                account_id(a),
                f"Simulated {a}",
                f"sim{a}.example.com",
                *FIRMOGRAPHICS[t],
                "US",
                "NY",
                "Prospect",
                user_id(owner[a]) if owner[a] != NOBODY else POOL_USER,
                created,
            )
            for a, t in enumerate(market.tier)
        ),
    )
    trace = world.trace or {"touches": [], "returns": [], "opportunities": []}
    written["Task.csv"] = _write(
        folder / "Task.csv",
        [
            "Id",
            "WhatId",
            "WhoId",
            "OwnerId",
            "ActivityDate",
            "CreatedDate",
            "Type",
            "TaskSubtype",
            "Subject",
            "Status",
            "IsRecurrence",
            "CallDurationInSeconds",
        ],
        (
            (
                f"00TSIM{k:012d}",
                account_id(a),
                "",
                user_id(r),
                date_of(d).isoformat(),
                f"{date_of(d).isoformat()}T10:00:00Z",
                "Call",
                "Call",
                "Call",
                "Completed",
                "false",
                120,
            )
            for k, (a, r, d) in enumerate(trace["touches"])
        ),
    )
    written["Opportunity.csv"] = _write(
        folder / "Opportunity.csv",
        [
            "Id",
            "AccountId",
            "OwnerId",
            "StageName",
            "Amount",
            "CreatedDate",
            "CloseDate",
            "IsClosed",
            "IsWon",
        ],
        (
            (
                f"006SIM{k:012d}",
                account_id(a),
                user_id(r),
                "Prospecting",
                50000,
                f"{date_of(d).isoformat()}T12:00:00Z",
                date_of(d + 60).isoformat(),
                "false",
                "false",
            )
            for k, (a, r, d) in enumerate(trace["opportunities"])
        ),
    )
    fired = market.signal_day <= day
    order = np.argsort(market.signal_day[fired], kind="stable")
    written["intent_signals.csv"] = _write(
        folder / "intent_signals.csv",
        ["account_id", "account_domain", "signal_type", "strength", "observed_at", "source"],
        (
            (account_id(a), "", SIGNAL_TYPE, 100, f"{date_of(d).isoformat()}T08:00:00Z", "sim")
            for a, d in zip(
                market.signal_account[fired][order], market.signal_day[fired][order], strict=True
            )
        ),
    )
    written["book_returns.csv"] = _write(
        folder / "book_returns.csv",
        ["account_id", "rep_id", "returned_at", "reason", "note"],
        (
            (account_id(a), user_id(r), f"{date_of(d).isoformat()}T17:00:00Z", reason, "")
            for a, r, d, reason in trace["returns"]
        ),
    )
    (folder / "rules.yml").write_text(yaml.safe_dump(rules_for(world), sort_keys=False))
    return written
