"""Realistic, seeded sample landing data in Salesforce Data Loader shape.

Everything is vectorised with numpy and written in chunks with pyarrow, so a
million accounts and twenty million activities stream out in bounded memory.
The data carries the problems the seeds describe, on purpose: hoarding reps
who sit on hundreds of accounts they do not work, automated recurring
"check-in" tasks that only look like work, bulk-logged tasks, reps who left or
are on leave, and a sprinkle of bad CRM records for the review queue.

Over 400 lines on purpose: each landing file's generator is short, and they share one
seeded draw of reps, accounts and contacts that a split would pass through every call.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

RULES_TEMPLATE = Path(__file__).with_name("rules.yml")

INDUSTRIES = np.array(
    [
        "Software",
        "Financial Services",
        "Healthcare",
        "Manufacturing",
        "Retail",
        "Education",
        "Media",
        "Logistics",
        "Energy",
        "Hospitality",
    ]
)
INDUSTRY_WEIGHTS = np.array([0.22, 0.14, 0.12, 0.14, 0.12, 0.07, 0.06, 0.06, 0.04, 0.03])
# (country, state choices, region, time zone, weight)
COUNTRIES = [
    ("US", ["CA", "NY", "TX", "WA", "MA", "IL", "GA", "CO", "AR"], "NA", "America/New_York", 0.55),
    ("CA", ["ON", "BC", "QC"], "NA", "America/Toronto", 0.06),
    ("GB", [""], "EMEA", "Europe/London", 0.12),
    ("DE", [""], "EMEA", "Europe/Berlin", 0.08),
    ("FR", [""], "EMEA", "Europe/Paris", 0.06),
    ("AU", ["NSW", "VIC"], "APAC", "Australia/Sydney", 0.05),
    ("SG", [""], "APAC", "Asia/Singapore", 0.04),
    ("JP", [""], "APAC", "Asia/Tokyo", 0.04),
]
REGIONS = {"NA": "America/New_York", "EMEA": "Europe/London", "APAC": "Asia/Singapore"}
# Languages reps speak besides English, taken in turn within a region (no random draw, so
# adding the column left the rest of the data as it was).
SECOND_LANGUAGES = {"NA": ["", "es"], "EMEA": ["", "de", "fr"], "APAC": ["", "ja"]}
NAME_A = np.array(
    [
        "Acme",
        "Globex",
        "Initech",
        "Umbrella",
        "Stark",
        "Wayne",
        "Hooli",
        "Vandelay",
        "Cyberdyne",
        "Soylent",
        "Tyrell",
        "Wonka",
        "Gringotts",
        "Aperture",
        "Oscorp",
        "Massive",
        "Blue Sun",
        "Nakatomi",
        "Monarch",
        "Virtucon",
    ]
)
NAME_B = np.array(
    [
        "Labs",
        "Systems",
        "Holdings",
        "Group",
        "Analytics",
        "Logistics",
        "Health",
        "Capital",
        "Foods",
        "Works",
        "Dynamics",
        "Networks",
        "Partners",
        "Energy",
    ]
)
FIRST = np.array(
    [
        "Jane",
        "Joe",
        "Priya",
        "Diego",
        "Mei",
        "Omar",
        "Sara",
        "Liam",
        "Ana",
        "Kofi",
        "Yuki",
        "Noah",
        "Eva",
        "Raj",
        "Lena",
        "Tom",
        "Ines",
        "Max",
        "Zoe",
        "Ali",
    ]
)
LAST = np.array(
    [
        "Smith",
        "Garcia",
        "Chen",
        "Okafor",
        "Novak",
        "Silva",
        "Khan",
        "Muller",
        "Rossi",
        "Tanaka",
        "Brown",
        "Haddad",
        "Kim",
        "Larsen",
        "Moreau",
        "Patel",
    ]
)
TITLES = np.array(
    [
        "VP Sales",
        "Head of Operations",
        "CFO",
        "IT Director",
        "Procurement Manager",
        "Engineering Manager",
        "COO",
        "Marketing Director",
    ]
)
RETURN_REASONS = np.array(
    ["disqualified", "no_response", "competitor", "not_icp", "bad_data", "duplicate"]
)
RETURN_WEIGHTS = np.array([0.35, 0.25, 0.15, 0.12, 0.08, 0.05])
SIGNAL_TYPES = np.array(["topic_surge", "pricing_page", "review_site", "funding", "hiring"])
LEAD_SOURCES = np.array(["Demo Request", "Contact Us", "Webinar", "Content Download"])
CHUNK = 1_000_000


@dataclass(frozen=True)
class Scale:
    accounts: int
    reps: int
    activities_per_account: float = 20.0


def _ids_of(prefix: str, serials: np.ndarray) -> pa.Array:
    """Salesforce-looking 18-character ids: 3-char key prefix, zero-padded serial."""
    serial = pc.cast(pa.array(serials.astype(np.int64)), pa.string())
    return pc.binary_join_element_wise(prefix, pc.utf8_lpad(serial, 15, "0"), "")


def _ids(prefix: str, start: int, count: int) -> pa.Array:
    return _ids_of(prefix, np.arange(start, start + count))


def _pick(rng: np.random.Generator, values: np.ndarray, n: int, p=None) -> np.ndarray:
    return values[rng.choice(len(values), size=n, p=p)]


_CLOCK: pa.Array | None = None


def _clock() -> pa.Array:
    """'HH:MM:SS' for every second of a day: formatting by lookup beats strftime per value."""
    global _CLOCK
    if _CLOCK is None:
        _CLOCK = pa.array(
            [f"{h:02d}:{m:02d}:{s:02d}" for h in range(24) for m in range(60) for s in range(60)]
        )
    return _CLOCK


def _timestamps(as_of: dt.date, days_ago: np.ndarray, rng: np.random.Generator) -> pa.Array:
    """ISO-8601 UTC timestamps, Salesforce export style, `days_ago` before the as-of date."""
    base = (as_of - dt.date(1970, 1, 1)).days * 86400 + 17 * 3600
    seconds = base - (days_ago * 86400).astype(np.int64) - rng.integers(0, 8 * 3600, len(days_ago))
    day = pc.cast(pa.array((seconds // 86400).astype(np.int32), type=pa.int32()), pa.date32())
    clock = _clock().take(pa.array(seconds % 86400))
    return pc.binary_join_element_wise(pc.cast(day, pa.string()), "T", clock, ".000Z", "")


def _dates(as_of: dt.date, days_ago: np.ndarray) -> pa.Array:
    days = (as_of - dt.date(1970, 1, 1)).days - days_ago.astype(np.int64)
    return pc.cast(pc.cast(pa.array(days.astype(np.int32)), pa.date32()), pa.string())


def _labels(labels: list[str], codes: np.ndarray) -> pa.Array:
    """A string column from integer codes, without building a numpy string array per row."""
    return pa.array(labels).take(pa.array(codes))


class _Writer:
    """Streams record batches of one file to CSV with a fixed header.

    Writing happens on a background thread (pyarrow releases the GIL), overlapping the
    generation of the next chunk; at most one chunk waits, so memory stays bounded.
    """

    def __init__(self, path: Path, counts: dict[str, int]):
        self.path = path
        self._counts = counts
        self._writer: pacsv.CSVWriter | None = None
        self._pool = ThreadPoolExecutor(max_workers=1)
        self._pending: Future | None = None
        self.rows = 0

    def write(self, table: pa.Table) -> None:
        if self._pending is not None:
            self._pending.result()
        if self._writer is None:
            self._writer = pacsv.CSVWriter(self.path, table.schema)
        self._pending = self._pool.submit(self._writer.write_table, table)
        self.rows += table.num_rows

    def close(self) -> None:
        if self._pending is not None:
            self._pending.result()
        self._pool.shutdown()
        if self._writer is not None:
            self._writer.close()
        self._counts[self.path.name] = self.rows


class _Landing:
    """The folder being written, and how many data rows each file got."""

    def __init__(self, path: Path):
        self.path = path
        self.rows: dict[str, int] = {}

    def writer(self, name: str) -> _Writer:
        return _Writer(self.path / name, self.rows)

    def write(self, name: str, table: pa.Table) -> None:
        writer = self.writer(name)
        writer.write(table)
        writer.close()


@dataclass
class _Roster:
    ids: np.ndarray
    roles: np.ndarray
    segments: np.ndarray
    regions: np.ndarray
    active: np.ndarray  # may receive and keep accounts
    hoarder: np.ndarray


def _languages(regions: np.ndarray) -> np.ndarray:
    languages = np.empty(len(regions), dtype=object)
    for region, seconds in SECOND_LANGUAGES.items():
        at = np.flatnonzero(regions == region)
        languages[at] = [
            f"en;{seconds[i % len(seconds)]}" if seconds[i % len(seconds)] else "en"
            for i in range(len(at))
        ]
    return languages.astype(str)


def _users_and_roster(
    rng: np.random.Generator, n_reps: int, as_of: dt.date, out: _Landing
) -> _Roster:
    n_managers = max(1, n_reps // 8)
    rep_ids = np.array(_ids("005", 1000, n_reps).to_pylist())
    manager_ids = np.array(_ids("005", 900_000, n_managers).to_pylist())
    admin_id = "005" + "0" * 14 + "1"  # the integration user that "owns" the pool in the CRM

    roles = _pick(rng, np.array(["SDR", "AE"]), n_reps, p=[0.7, 0.3])
    segments = _pick(
        rng, np.array(["smb", "mid_market", "enterprise"]), n_reps, p=[0.5, 0.35, 0.15]
    )
    # A fifth of the reps cover two segments (a SMB/MM hybrid, or MM/ENT).
    dual = rng.random(n_reps) < 0.2
    segments = np.where(
        dual & (segments == "smb"),
        "smb;mid_market",
        np.where(dual & (segments != "smb"), "mid_market;enterprise", segments),
    )
    regions = _pick(rng, np.array(list(REGIONS)), n_reps, p=[0.6, 0.25, 0.15])
    tenure = rng.integers(5, 1500, n_reps)
    departed = rng.random(n_reps) < 0.03
    on_leave = ~departed & (rng.random(n_reps) < 0.03)
    hoarder = ~departed & (rng.random(n_reps) < 0.1)
    managers = manager_ids[np.arange(n_reps) % n_managers]

    names = np.char.add(np.char.add(_pick(rng, FIRST, n_reps), " "), _pick(rng, LAST, n_reps))
    mgr_names = np.char.add("Manager ", np.arange(1, n_managers + 1).astype(str))
    all_ids = np.concatenate([[admin_id], manager_ids, rep_ids])
    all_names = np.concatenate([["Integration User"], mgr_names, names])
    emails = np.char.add(np.char.lower(np.char.replace(all_names, " ", ".")), "@example.com")
    emails = np.char.add(np.char.add(all_ids, "."), emails)  # unique even when names repeat
    titles = np.concatenate(
        [
            ["Integration"],
            np.repeat("Sales Manager", n_managers),
            np.where(roles == "SDR", "Sales Development Rep", "Account Executive"),
        ]
    )
    is_active = np.concatenate([[True], np.ones(n_managers, bool), ~departed])
    out.write(
        "User.csv",
        pa.table(
            {
                "Id": all_ids,
                "Name": all_names,
                "Email": emails,
                "IsActive": is_active,
                "Title": titles,
            }
        ),
    )

    start = _dates(as_of, tenure)
    departed_on = np.where(
        departed, _dates(as_of, rng.integers(0, 10, n_reps)).to_numpy(zero_copy_only=False), ""
    )
    leave_until = np.where(
        on_leave, _dates(as_of, -rng.integers(5, 40, n_reps)).to_numpy(zero_copy_only=False), ""
    )
    out.write(
        "reps.csv",
        pa.table(
            {
                "rep_id": rep_ids,
                "name": names,
                "role": roles,
                "segments": segments,
                "region": regions,
                "time_zone": np.vectorize(REGIONS.get)(regions),
                "languages": _languages(regions),
                "target_book_size": np.repeat("", n_reps),
                "start_date": start,
                "unavailable_until": leave_until,
                "departed_on": departed_on,
                "manager_id": managers,
            }
        ),
    )
    return _Roster(rep_ids, roles, segments, regions, ~departed, hoarder)


@dataclass
class _Accounts:
    ids: np.ndarray
    domains: np.ndarray
    owner: np.ndarray  # index into roster, -1 for the pool
    contacts_start: np.ndarray
    contacts_count: np.ndarray
    segment: np.ndarray  # by the rules template's segment floors


def _accounts(
    rng: np.random.Generator, n: int, roster: _Roster, as_of: dt.date, out: _Landing, admin_id: str
) -> _Accounts:
    ids = np.array(_ids("001", 1, n).to_pylist(), dtype=object)
    a = _pick(rng, NAME_A, n)
    b = _pick(rng, NAME_B, n)
    serial = np.arange(1, n + 1).astype(str)
    names = np.char.add(np.char.add(np.char.add(a, " "), b), np.char.add(" ", serial))
    slug = np.char.lower(np.char.replace(np.char.add(np.char.add(a, b), serial), " ", ""))
    domains = np.char.add(slug, ".com")
    # CRM websites are messy: schemes, www., trailing paths, a few missing.
    style = rng.random(n)
    websites = np.where(
        style < 0.5,
        domains,
        np.where(
            style < 0.75,
            np.char.add("www.", domains),
            np.where(
                style < 0.92,
                np.char.add(np.char.add("https://www.", domains), "/"),
                np.where(style < 0.97, np.char.add("http://", domains), ""),
            ),
        ),
    )

    # Firm size is heavy-tailed: most accounts are small, a few are huge.
    employees = np.maximum(1, rng.lognormal(mean=4.0, sigma=1.6, size=n)).astype(np.int64)
    revenue = np.round(employees * rng.lognormal(mean=11.8, sigma=0.6, size=n), -3)
    country_idx = rng.choice(len(COUNTRIES), size=n, p=[c[4] for c in COUNTRIES])
    countries = np.array([c[0] for c in COUNTRIES])[country_idx]
    states = np.empty(n, dtype=object)
    for i, c in enumerate(COUNTRIES):
        mask = country_idx == i
        states[mask] = _pick(rng, np.array(c[1]), int(mask.sum()))
    types = _pick(
        rng,
        np.array(["Prospect", "Customer", "Former Customer", "Partner"]),
        n,
        p=[0.86, 0.09, 0.03, 0.02],
    )

    # Ownership: about a third of accounts sit in reps' names, hoarders holding far more.
    # Departed reps still own their books in the CRM: the run must redistribute them.
    weights = np.where(roster.hoarder, 8.0, 1.0)
    owned = rng.random(n) < 0.33
    owner = np.full(n, -1, dtype=np.int64)
    owner[owned] = rng.choice(len(roster.ids), size=int(owned.sum()), p=weights / weights.sum())
    owner_ids = np.where(owner >= 0, roster.ids[np.maximum(owner, 0)], admin_id)
    created = _timestamps(as_of, rng.integers(30, 3000, n), rng)

    revenue_text = pc.cast(pa.array(revenue), pa.string())
    employees_text = pc.cast(pa.array(employees), pa.string())
    # A sprinkle of bad CRM data for the review queue (about 0.1% of accounts, at least one
    # of each kind): negative revenue, a missing size, an id exported twice.
    k = max(1, n // 2500) if n >= 10 else 0
    bad = rng.choice(n, size=3 * k, replace=False)
    negative, no_size, duplicate = np.zeros(n, bool), np.zeros(n, bool), bad[2 * k :]
    negative[bad[:k]] = True
    no_size[bad[k : 2 * k]] = True
    revenue_text = pc.if_else(pa.array(negative), "-1", revenue_text)
    employees_text = pc.if_else(pa.array(no_size), "", employees_text)
    ids_out = ids.copy()
    ids_out[duplicate] = ids[(duplicate - 1) % n]
    out.write(
        "Account.csv",
        pa.table(
            {
                "Id": ids_out.astype(str),
                "Name": names,
                "Website": websites,
                "Industry": _pick(rng, INDUSTRIES, n, p=INDUSTRY_WEIGHTS),
                "AnnualRevenue": revenue_text,
                "NumberOfEmployees": employees_text,
                "BillingCountry": countries,
                "BillingState": states.astype(str),
                "Type": types,
                "OwnerId": owner_ids.astype(str),
                "CreatedDate": created,
            }
        ),
    )

    contacts_count = rng.poisson(2.0, n) + 1
    contacts_start = np.concatenate([[0], np.cumsum(contacts_count)[:-1]])
    segment = np.where(
        (revenue >= 500_000_000) | (employees >= 2000),
        "enterprise",
        np.where((revenue >= 50_000_000) | (employees >= 200), "mid_market", "smb"),
    )
    return _Accounts(ids, domains, owner, contacts_start, contacts_count, segment)


def _contacts(rng: np.random.Generator, acc: _Accounts, as_of: dt.date, out: _Landing) -> None:
    writer = out.writer("Contact.csv")
    account_ids = pa.array(acc.ids.astype(str))
    domains = pa.array(acc.domains)
    first = [f.lower() for f in FIRST]
    n = len(acc.ids)
    for lo in range(0, n, CHUNK):
        hi = min(n, lo + CHUNK)
        account = pa.array(np.repeat(np.arange(lo, hi), acc.contacts_count[lo:hi]))
        m = len(account)
        start = int(acc.contacts_start[lo])
        serial = pc.cast(pa.array(np.arange(start, start + m)), pa.string())
        writer.write(
            pa.table(
                {
                    "Id": _ids("003", start + 1, m),
                    "AccountId": account_ids.take(account),
                    "Email": pc.binary_join_element_wise(
                        _labels(first, rng.integers(0, len(first), m)),
                        ".",
                        serial,
                        "@",
                        domains.take(account),
                        "",
                    ),
                    "Title": _labels(list(TITLES), rng.integers(0, len(TITLES), m)),
                    "CreatedDate": _timestamps(as_of, rng.integers(0, 1500, m), rng),
                }
            )
        )
    writer.close()


def _activity_chunks(
    rng: np.random.Generator, acc: _Accounts, roster: _Roster, total: int
) -> Iterator[tuple[int, np.ndarray, np.ndarray, np.ndarray]]:
    """Yields (offset, account index, owner rep index, days ago) for `total` activities."""
    n = len(acc.ids)
    owned = acc.owner >= 0
    # Owned accounts get most of the activity; pool accounts carry history from past owners.
    weight = np.where(owned, 3.0, 0.5)
    cdf = np.cumsum(weight / weight.sum())
    for lo in range(0, total, CHUNK):
        m = min(CHUNK, total - lo)
        account = np.minimum(np.searchsorted(cdf, rng.random(m)), n - 1)
        owner = acc.owner[account]
        by_owner = (owner >= 0) & (rng.random(m) < 0.85)
        rep = np.where(by_owner, owner, rng.integers(0, len(roster.ids), m))
        # Hoarders sit on far more than they work (passive territories): they work about a
        # third of what they hold, and the rest has seen nobody for four months or more.
        hoarded = roster.hoarder[rep] & by_owner
        idle = hoarded & (account % 3 != 0)
        scale = np.where(hoarded, 120.0, 25.0)
        days = np.minimum(rng.exponential(scale) + np.where(idle, 120, 0), 720).astype(np.int64)
        yield lo, account, rep, days


TASK_KINDS = ["Call", "Email", "LinkedIn", "Task", "Recurring"]
TASK_SUBTYPES = ["Call", "Email", "LinkedIn", "Task", "Task"]
TASK_TYPES = ["Call", "Email", "Email", "Other", "Other"]
TASK_SUBJECTS = ["Call", "Email: intro", "LinkedIn touch", "Follow up", "Check-in (recurring)"]
EVENT_TYPES = ["Meeting", "Demo", "Discovery Call", "Internal"]


def _activities(
    rng: np.random.Generator,
    acc: _Accounts,
    roster: _Roster,
    scale: Scale,
    as_of: dt.date,
    out: _Landing,
) -> None:
    total = int(len(acc.ids) * scale.activities_per_account)
    n_events = total // 10
    account_ids = pa.array(acc.ids.astype(str))
    rep_ids = pa.array(roster.ids)
    tasks = out.writer("Task.csv")
    for lo, account, rep, days in _activity_chunks(rng, acc, roster, total - n_events):
        m = len(account)
        kind = np.searchsorted([0.35, 0.75, 0.82, 0.92], rng.random(m), side="right")
        # Recurring automated "check-ins" are the phantom work of the seeds; hoarders lean on them.
        kind = np.where(roster.hoarder[rep] & (rng.random(m) < 0.4), 4, kind)
        recurring = kind == 4
        future = recurring & (rng.random(m) < 0.5)
        not_started = future | (rng.random(m) < 0.05)
        is_call = kind == 0
        duration = rng.integers(0, 900, m)
        contact = (
            acc.contacts_start[account] + rng.integers(0, 1 << 30, m) % acc.contacts_count[account]
        )
        tasks.write(
            pa.table(
                {
                    "Id": _ids("00T", lo + 1, m),
                    "WhatId": account_ids.take(pa.array(account)),
                    "WhoId": _ids_of("003", contact + 1),
                    "OwnerId": rep_ids.take(pa.array(rep)),
                    "ActivityDate": _dates(as_of, np.where(future, -rng.integers(1, 30, m), days)),
                    "CreatedDate": _timestamps(as_of, days, rng),
                    "Type": _labels(TASK_TYPES, kind),
                    "TaskSubtype": _labels(TASK_SUBTYPES, kind),
                    "Subject": _labels(TASK_SUBJECTS, kind),
                    "Status": _labels(["Completed", "Not Started"], not_started.astype(np.int8)),
                    "IsRecurrence": recurring,
                    "CallDurationInSeconds": pa.array(duration, mask=~is_call),
                }
            )
        )
    tasks.close()

    events = out.writer("Event.csv")
    for lo, account, rep, days in _activity_chunks(rng, acc, roster, n_events):
        m = len(account)
        kind = rng.choice(len(EVENT_TYPES), size=m, p=[0.45, 0.2, 0.25, 0.1])
        events.write(
            pa.table(
                {
                    "Id": _ids("00U", lo + 1, m),
                    "WhatId": account_ids.take(pa.array(account)),
                    "OwnerId": rep_ids.take(pa.array(rep)),
                    "StartDateTime": _timestamps(as_of, days, rng),
                    "Type": _labels(EVENT_TYPES, kind),
                    "Subject": _labels([f"{t} with prospect" for t in EVENT_TYPES], kind),
                }
            )
        )
    events.close()


def _opportunities(
    rng: np.random.Generator, acc: _Accounts, roster: _Roster, as_of: dt.date, out: _Landing
) -> None:
    n = len(acc.ids)
    has = np.flatnonzero(rng.random(n) < 0.06)
    m = len(has)
    created_ago = rng.integers(0, 400, m)
    closed = rng.random(m) < 0.6
    won = closed & (rng.random(m) < 0.3)
    stage = np.where(
        won,
        "Closed Won",
        np.where(
            closed,
            "Closed Lost",
            _pick(rng, np.array(["Discovery", "Qualification", "Proposal", "Negotiation"]), m),
        ),
    )
    owner = acc.owner[has]
    rep = np.where(owner >= 0, owner, rng.integers(0, len(roster.ids), m))
    out.write(
        "Opportunity.csv",
        pa.table(
            {
                "Id": _ids("006", 1, m),
                "AccountId": acc.ids[has].astype(str),
                "OwnerId": roster.ids[rep],
                "StageName": stage,
                "Amount": np.round(rng.lognormal(10.5, 1.0, m), -2),
                "CreatedDate": _timestamps(as_of, created_ago, rng),
                "CloseDate": _dates(
                    as_of, np.where(closed, created_ago // 2, -rng.integers(10, 120, m))
                ),
                "IsClosed": closed,
                "IsWon": won,
            }
        ),
    )


def _signals(rng: np.random.Generator, acc: _Accounts, as_of: dt.date, out: _Landing) -> None:
    n = len(acc.ids)
    # Inbound hand raises: a lead's website is as messy as the CRM's, and some match nothing.
    m = max(1, n // 20)
    account = rng.integers(0, n, m)
    unmatched = rng.random(m) < 0.1
    domain = np.where(
        unmatched, np.char.add(np.arange(m).astype(str), "-unknown.io"), acc.domains[account]
    )
    style = rng.random(m)
    website = np.where(
        style < 0.4,
        domain,
        np.where(
            style < 0.7,
            np.char.add(np.char.add("https://www.", domain), "/pricing"),
            np.char.add("http://app.", domain),
        ),
    )
    local = np.char.lower(_pick(rng, FIRST, m))
    out.write(
        "Lead.csv",
        pa.table(
            {
                "Id": _ids("00Q", 1, m),
                "Company": np.char.add("Company ", account.astype(str)),
                "Email": np.char.add(np.char.add(local, "@"), domain),
                "Website": website,
                "LeadSource": _pick(rng, LEAD_SOURCES, m, p=[0.25, 0.2, 0.3, 0.25]),
                "Status": _pick(rng, np.array(["Open", "Working", "Unqualified"]), m),
                "CreatedDate": _timestamps(as_of, rng.integers(0, 120, m), rng),
            }
        ),
    )

    m = max(1, n // 4)
    account = rng.integers(0, n, m)
    by_id = rng.random(m) < 0.5
    out.write(
        "intent_signals.csv",
        pa.table(
            {
                "account_id": np.where(by_id, acc.ids[account].astype(str), ""),
                "account_domain": np.where(by_id, "", acc.domains[account]),
                "signal_type": _pick(rng, SIGNAL_TYPES, m, p=[0.4, 0.15, 0.2, 0.1, 0.15]),
                "strength": rng.integers(5, 101, m),
                "observed_at": _timestamps(as_of, rng.integers(0, 120, m), rng),
                "source": _pick(rng, np.array(["bombora", "g2", "website", "crunchbase"]), m),
            }
        ),
    )


def _returns(
    rng: np.random.Generator, acc: _Accounts, roster: _Roster, as_of: dt.date, out: _Landing
) -> None:
    owned = np.flatnonzero(acc.owner >= 0)
    m = max(1, len(owned) // 100)
    pick = rng.choice(owned, size=min(m, len(owned)), replace=False) if len(owned) else owned
    reasons = _pick(rng, RETURN_REASONS, len(pick), p=RETURN_WEIGHTS)
    out.write(
        "book_returns.csv",
        pa.table(
            {
                "account_id": acc.ids[pick].astype(str),
                "rep_id": roster.ids[acc.owner[pick]],
                "returned_at": _timestamps(as_of, rng.integers(0, 3, len(pick)), rng),
                "reason": reasons,
                "note": np.where(reasons == "bad_data", "Website and revenue look wrong", ""),
            }
        ),
    )


def _claims(
    rng: np.random.Generator, acc: _Accounts, roster: _Roster, as_of: dt.date, out: _Landing
) -> None:
    """Today's claims on the queue, read only when the rules set distribution.mode: queue.

    Mostly accounts in the claiming rep's segments; a few are not (a departed rep's claim,
    an account of another segment), so the rejections show up too.
    """
    claimers = rng.choice(len(roster.ids), size=max(1, len(roster.ids) // 2))
    unowned = np.flatnonzero(acc.owner < 0)
    taken = np.zeros(len(acc.ids), dtype=bool)
    accounts, reps = [], []
    for rep in claimers:
        mine = unowned[np.isin(acc.segment[unowned], roster.segments[rep].split(";"))]
        mine = mine[~taken[mine]]
        if rng.random() < 0.1 or not len(mine):
            mine = unowned[~taken[unowned]]
        if not len(mine):
            break
        pick = rng.choice(mine)
        taken[pick] = True
        accounts.append(acc.ids[pick])
        reps.append(roster.ids[rep])
    out.write(
        "book_claims.csv",
        pa.table(
            {
                "account_id": np.array(accounts, dtype=str),
                "rep_id": np.array(reps, dtype=str),
                "claimed_at": _timestamps(as_of, np.zeros(len(accounts), dtype=np.int64), rng),
            }
        ),
    )


def generate(
    out: str | Path,
    accounts: int,
    reps: int,
    seed: int = 0,
    as_of: dt.date | None = None,
    activities_per_account: float = 20.0,
) -> dict[str, int]:
    """Writes every landing file of the input contract plus `rules.yml` into `out`.

    Returns the number of data rows written per file.
    """
    if accounts < 1 or reps < 1:
        raise ValueError("accounts and reps must be at least 1")
    if activities_per_account < 0:
        raise ValueError("activities_per_account must not be negative")
    as_of = as_of or dt.date.today()
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    out = _Landing(folder)
    rng = np.random.default_rng(seed)
    scale = Scale(accounts, reps, activities_per_account)

    roster = _users_and_roster(rng, reps, as_of, out)
    acc = _accounts(rng, accounts, roster, as_of, out, admin_id="005" + "0" * 14 + "1")
    _contacts(rng, acc, as_of, out)
    _activities(rng, acc, roster, scale, as_of, out)
    _opportunities(rng, acc, roster, as_of, out)
    _signals(rng, acc, as_of, out)
    _returns(rng, acc, roster, as_of, out)
    _claims(rng, acc, roster, as_of, out)
    shutil.copyfile(RULES_TEMPLATE, folder / "rules.yml")
    return dict(sorted(out.rows.items()))
