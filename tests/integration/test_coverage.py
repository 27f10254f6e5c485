"""Coverage, book health, fairness, runway and distribution validation on a hand-built
book of eight accounts and two reps, run on two Mondays two weeks apart. Every expected
number below is worked out by hand in the comments.

Priorities (timing 0, so priority = 0.6 x fit; fit = industry + country points):
  A1 Software US 55 -> 33      A2 Financial Services US 50 -> 30   A3 Healthcare US 45 -> 27
  A4 Manufacturing US 40 -> 24 A5 Retail US 35 -> 21               A8 Retail GB 30 -> 18
  A6 Software US, a customer (TAM, not NBTAM)   A7 Software US, 500 employees: mid-market
Reps r1 and r2: SDR, smb, capacity 2 each. r1 owns A1 in the CRM.

2026-11-09: A1 is adopted by r1 (worked 11-05). Three free slots (r1 one, r2 two) take the
  best three: evenly spaced picks give A2 -> r2, A3 -> r1, A4 -> r2.
2026-11-23: r2 never worked A4: retrieved (grace of 14 days over). r2's free slot takes
  the best eligible account, A5. Books: r1 {A1 33, A3 27} = 60, r2 {A2 30, A5 21} = 51.
"""

import csv
import datetime as dt

import pytest

from orchestration.runner import RunPaths, run_books
from tests.integration.browser import needs_browser, page_errors, rendered
from tests.integration.conftest import query

FIRST, SECOND = dt.date(2026, 11, 9), dt.date(2026, 11, 23)
ADMIN = "005ADMIN"

ACCOUNTS = [
    # Id, Industry, Employees, Country, Type, Owner
    ("A1", "Software", 10, "US", "Prospect", "r1"),
    ("A2", "Financial Services", 10, "US", "Prospect", ADMIN),
    ("A3", "Healthcare", 10, "US", "Prospect", ADMIN),
    ("A4", "Manufacturing", 10, "US", "Prospect", ADMIN),
    ("A5", "Retail", 10, "US", "Prospect", ADMIN),
    ("A6", "Software", 10, "US", "Customer", ADMIN),
    ("A7", "Software", 500, "US", "Prospect", ADMIN),
    ("A8", "Retail", 10, "GB", "Prospect", ADMIN),
]
# Id, account, owner, date: meaningful work (completed e-mails)
TASKS = [
    ("T1", "A1", "r1", "2026-11-05"),
    ("T4", "A7", "r2", "2026-10-01"),  # an unowned account worked 53 days before the 23rd
    ("T5", "A5", "r2", "2025-06-01"),  # more than a year before
    ("T2", "A2", "r2", "2026-11-12"),  # 3 days after A2 entered r2's book
    ("T3", "A3", "r1", "2026-11-20"),  # 11 days after A3 entered r1's book
]
# Id, account, owner, created, amount, closed, won
OPPORTUNITIES = [
    ("O1", "A6", "r1", "2025-01-01", 10000, True, True),  # smb's only won deal: 10,000
    ("O2", "A2", "r2", "2026-11-15", 5000, True, False),  # from the 11-09 distribution
    ("O3", "A7", "r1", "2026-11-16", 2000, True, False),  # r1 sourced it themselves
]


def _write(path, header, rows):
    with path.open("w", newline="") as f:
        writer = csv.writer(f, quoting=csv.QUOTE_ALL)
        writer.writerow(header)
        writer.writerows(rows)


def _landing(folder, as_of):
    """The CRM as exported on `as_of`: nothing dated after it."""
    folder.mkdir(parents=True, exist_ok=True)
    _write(
        folder / "User.csv",
        ["Id", "Name", "Email", "IsActive", "Title"],
        [(ADMIN, "Integration", "admin@x.com", "true", "Integration")]
        + [(r, r.upper(), f"{r}@x.com", "true", "Sales Development Rep") for r in ("r1", "r2")],
    )
    _write(
        folder / "Account.csv",
        ["Id", "Name", "Website", "Industry", "AnnualRevenue", "NumberOfEmployees",
         "BillingCountry", "BillingState", "Type", "OwnerId", "CreatedDate"],
        [(i, f"Account {i}", f"{i.lower()}.com", ind, 1_000_000, emp, c, "", t, o,
          "2024-01-01T00:00:00Z") for i, ind, emp, c, t, o in ACCOUNTS],
    )  # fmt: skip
    _write(
        folder / "reps.csv",
        ["rep_id", "name", "role", "segments", "region", "time_zone", "languages",
         "target_book_size", "start_date", "unavailable_until", "departed_on", "manager_id"],
        [(r, r.upper(), "SDR", "smb", "NA", "America/New_York", "en", 2, "2020-01-01", "", "",
          "") for r in ("r1", "r2")],
    )  # fmt: skip
    _write(
        folder / "Task.csv",
        ["Id", "WhatId", "WhoId", "OwnerId", "ActivityDate", "CreatedDate", "Type",
         "TaskSubtype", "Subject", "Status", "IsRecurrence", "CallDurationInSeconds"],
        [(i, a, "", o, d, f"{d}T10:00:00Z", "Email", "Email", "e-mail", "Completed", "false", "")
         for i, a, o, d in TASKS if dt.date.fromisoformat(d) <= as_of],
    )  # fmt: skip
    _write(
        folder / "Opportunity.csv",
        ["Id", "AccountId", "OwnerId", "StageName", "Amount", "CreatedDate", "CloseDate",
         "IsClosed", "IsWon"],
        [(i, a, o, "Closed", amt, f"{d}T10:00:00Z", d, str(closed).lower(), str(won).lower())
         for i, a, o, d, amt, closed, won in OPPORTUNITIES if dt.date.fromisoformat(d) <= as_of],
    )  # fmt: skip
    (folder / "rules.yml").write_text("{}\n")  # the default rules


@pytest.fixture(scope="module")
def hand_built(tmp_path_factory):
    root = tmp_path_factory.mktemp("hand_built")
    paths = RunPaths(root / "landing", root / "landing" / "rules.yml", root / "wh.duckdb")
    for day in (FIRST, SECOND):
        _landing(paths.landing, day)
        run_books(paths, day)
    return paths


def test_books_are_the_hand_worked_ones(hand_built):
    books = query(hand_built, "SELECT account_id, rep_id FROM marts.current_books ORDER BY 1")
    assert books == [("A1", "r1"), ("A2", "r2"), ("A3", "r1"), ("A5", "r2")]


def test_coverage_trend_one_snapshot_per_run_date(hand_built):
    rows = query(
        hand_built,
        "SELECT as_of_date, tam_accounts, nbtam_accounts, nbtam_in_books, nbtam_in_pool, "
        "nbtam_worked_30d, nbtam_worked_60d_owned, nbtam_worked_60d_unowned, "
        "nbtam_worked_30d_share, nbtam_worked_60d_share, nbtam_worked_90d_share, "
        "nbtam_not_assigned_in_year, nbtam_not_worked_in_year "
        "FROM marts.coverage_daily ORDER BY as_of_date",
    )
    assert rows == [
        # 11-09: in books A1-A4; worked 30d A1; 60d A1 and A7 (unowned); never assigned
        # A5, A7, A8; not worked in a year A2, A3, A4, A5, A8.
        (FIRST, 8, 7, 4, 3, 1, 1, 1, 0.1429, 0.2857, 0.2857, 3, 5),
        # 11-23: in books A1, A2, A3, A5; worked 30d A1, A2, A3; A7 in 60d; A4 left a book
        # today, so only A7 and A8 were never assigned; not worked in a year A4, A5, A8.
        (SECOND, 8, 7, 4, 3, 3, 3, 1, 0.4286, 0.5714, 0.5714, 2, 3),
    ]


def test_one_select_answers_the_mid_market_question(hand_built):
    # "What share of mid-market NBTAM was worked in the last 60 days?" A7 alone, worked 10-01.
    assert query(
        hand_built,
        "SELECT nbtam_worked_60d_share FROM marts.coverage_by_segment "
        "WHERE segment = 'mid_market' AND as_of_date = "
        "(SELECT max(as_of_date) FROM marts.coverage_by_segment)",
    ) == [(1.0,)]
    smb = query(
        hand_built,
        "SELECT nbtam_accounts, nbtam_worked_30d_share FROM marts.coverage_by_segment "
        f"WHERE segment = 'smb' AND as_of_date = '{SECOND}'",
    )
    assert smb == [(6, 0.5)]  # A1-A5 and A8; A1, A2, A3 worked
    regions = query(
        hand_built,
        "SELECT region, nbtam_accounts FROM marts.coverage_by_region "
        f"WHERE as_of_date = '{SECOND}' ORDER BY region",
    )
    assert regions == [("EMEA", 1), ("NA", 6)]


def test_rep_books_health(hand_built):
    rows = query(
        hand_built,
        "SELECT rep_id, book_size, capacity, worked_accounts, in_grace_accounts, worked_share, "
        "book_priority_sum, book_expected_value_sum, retrievals_30d, is_hoarding "
        "FROM marts.rep_books ORDER BY rep_id",
    )
    assert rows == [
        # expected value = priority / 100 x 10,000 (smb's average won deal)
        ("r1", 2, 2, 2, 0, 1.0, 60.0, 6000.0, 0, False),
        ("r2", 2, 2, 1, 1, 0.5, 51.0, 5100.0, 1, False),  # A5 just arrived; A4 retrieved
    ]
    by_rep = query(
        hand_built,
        f"SELECT rep_id, worked_30d FROM marts.coverage_by_rep WHERE as_of_date = '{SECOND}' "
        "ORDER BY rep_id",
    )
    assert by_rep == [("r1", 2), ("r2", 1)]


def test_fairness_of_book_value(hand_built):
    # Values 51 and 60: mean 55.5, population sd 4.5 -> CV 0.0811; Gini
    # 2 (1 x 51 + 2 x 60) / (2 x 111) - 3 / 2 = 0.0405; max / min 60 / 51 = 1.1765.
    assert query(
        hand_built,
        "SELECT peer_group, reps, book_value_mean, book_value_cv, book_value_gini, "
        "book_value_max_min_ratio FROM marts.rep_fairness",
    ) == [("SDR:smb", 2, 55.5, 0.0811, 0.0405, 1.1765)]


def test_pool_runway(hand_built):
    # 15 days of history: 4 distributed (3 + 1) and 1 retrieved -> 1.87 and 0.47 a week;
    # one eligible smb account (A8) lasts 1 / 1.4 = 0.71 weeks. Mid-market has no flow.
    assert query(
        hand_built,
        "SELECT segment, eligible_accounts, resting_accounts, distributed_per_week, "
        "returned_per_week, weeks_of_runway FROM marts.pool_runway ORDER BY segment",
    ) == [("mid_market", 1, 0, 0.0, 0.0, None), ("smb", 1, 1, 1.87, 0.47, 0.71)]


def test_distribution_validation_and_pipeline_sources(hand_built):
    assert query(
        hand_built,
        "SELECT entered_on, accounts, worked_within_7d_share, worked_within_14d_share, "
        "worked_within_30d_share, opportunities_30d, pipeline_30d "
        "FROM marts.distribution_validation ORDER BY entered_on",
    ) == [
        # A2 worked on day 3, A3 on day 11, A4 never; O2 on A2 six days in.
        (FIRST, 3, 0.3333, 0.6667, None, 1, 5000.0),
        (SECOND, 1, None, None, None, 0, 0.0),  # too young to tell
    ]
    assert query(
        hand_built,
        "SELECT opportunity_id, period, source FROM marts.opportunity_sources ORDER BY 1",
    ) == [
        ("O1", "before", "before_books"),
        ("O2", "after", "distributed"),
        ("O3", "after", "self_sourced"),
    ]


def test_passive_territory_audit(hand_built):
    assert query(
        hand_built,
        "SELECT rep_id, crm_accounts_held, crm_accounts_worked_90d, unworked_share, is_hoarding "
        "FROM marts.passive_territory_audit",
    ) == [("r1", 1, 1, 0.0, False)]


@needs_browser
def test_the_report_renders_its_charts_in_a_headless_browser(hand_built, tmp_path):
    report = hand_built.exports / f"coverage_report_{SECOND}.html"
    assert report.is_file()
    dom, log = rendered(report.as_uri(), tmp_path / "profile")
    # plotly.js ran (offline: it is inlined) and drew every chart as SVG.
    assert dom.count('class="main-svg"') >= 4
    for title in ("Share of NBTAM worked", "Book quality per rep", "Pool by state", "funnel"):
        assert title in dom
    assert not page_errors(log)
