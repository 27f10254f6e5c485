"""Values as a real CRM export writes them (issue 22.5): industries in any case, countries
as names or alpha-3 codes, typos. Known values score; unknown ones are review items, one
per distinct value with its count, never a silent zero."""

import csv
import shutil

from orchestration.runner import RunPaths, run_books
from tests.integration.conftest import AS_OF, query

MESSY = {
    0: ("software", "United States"),
    1: ("  SOFTWARE ", "usa"),
    2: ("Financial  services", "DEU"),
    3: ("technolgy", "Korea"),
    4: ("technolgy", "Narnia"),
    5: ("Software", "Narnia"),
}


def test_messy_values_score_as_written_and_unknown_ones_are_review_items(paths, tmp_path):
    landing = tmp_path / "landing"
    shutil.copytree(paths.landing, landing)
    path = landing / "Account.csv"
    with path.open(newline="") as f:
        rows = list(csv.DictReader(f))
    ids = {}
    for i, (industry, country) in MESSY.items():
        rows[i]["Industry"], rows[i]["BillingCountry"] = industry, country
        ids[i] = rows[i]["Id"]
    with path.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    # A lead source and an intent signal type the rules give no weight.
    for name, column, value in (
        ("Lead.csv", "LeadSource", "Trade Show"),
        ("intent_signals.csv", "signal_type", "g2_compare"),
    ):
        with (landing / name).open(newline="") as f:
            table = list(csv.DictReader(f))
        for record in table[:3]:
            record[column] = value
        with (landing / name).open("w", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=list(table[0]))
            writer.writeheader()
            writer.writerows(table)
    # Roles as a roster sheet types them: the loader's rule takes any case and spacing,
    # and so must every step after it (a dbt test once stopped the run on `sdr`).
    with (landing / "reps.csv").open(newline="") as f:
        roster = list(csv.DictReader(f))
    typed = {}
    for record, role in zip(roster, (" sdr", "Ae "), strict=False):
        typed[record["rep_id"]] = role.strip().upper()
        record["role"] = role
    with (landing / "reps.csv").open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(roster[0]))
        writer.writeheader()
        writer.writerows(roster)
    run = RunPaths(landing=landing, rules=paths.rules, warehouse=tmp_path / "wh.duckdb")
    run_books(run, AS_OF)
    roles = dict(query(run, "SELECT rep_id, role FROM marts.rep_books"))
    assert {rep: roles[rep] for rep in typed} == typed

    scored = dict(
        (row[0], row[1:])
        for row in query(
            run,
            "SELECT account_id, fit_industry_points, billing_country, fit_country_points "
            "FROM marts.account_scores",
        )
    )
    assert scored[ids[0]] == (30.0, "US", 25.0)
    assert scored[ids[1]] == (30.0, "US", 25.0)
    assert scored[ids[2]] == (25.0, "DE", 15.0)
    assert scored[ids[3]][:2] == (0.0, "KR")

    items = query(
        run,
        "SELECT rule, column_name, location, detail FROM marts.review_queue "
        "WHERE item_source = 'rule_value' ORDER BY rule, location",
    )
    by_location = {location: (rule, detail) for rule, _, location, detail in items}
    rule, detail = by_location["Industry = technolgy"]
    assert rule == "unknown_industry" and detail.startswith("2 accounts")
    rule, detail = by_location["BillingCountry = Narnia"]
    assert rule == "not_a_country" and detail.startswith("2 accounts")
    rule, detail = by_location["LeadSource = Trade Show"]
    assert rule == "unknown_lead_source" and detail.startswith("3 leads")
    rule, detail = by_location["signal_type = g2_compare"]
    assert rule == "unknown_signal_type" and detail.startswith("3 signals")
    # One item per distinct value, however many rows hold it; known values raise none.
    assert len(items) == len(by_location)
    assert not [loc for loc in by_location if "oftware" in loc or "United States" in loc]
