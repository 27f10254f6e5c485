import datetime as dt
import hashlib

import pandas as pd
import pytest

from data_quality.contract import LANDING_FILES
from engagement.rules import load_rules
from sample_data.generate import generate

AS_OF = dt.date(2026, 11, 24)


@pytest.fixture(scope="module")
def landing(tmp_path_factory):
    out = tmp_path_factory.mktemp("landing")
    rows = generate(out, accounts=400, reps=12, seed=3, as_of=AS_OF)
    return out, rows


def _digest(folder):
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def test_writes_every_contract_file_with_its_columns(landing):
    out, rows = landing
    for spec in LANDING_FILES:
        header = pd.read_csv(out / spec.file, nrows=0).columns
        assert {c.name for c in spec.columns} <= set(header), spec.file
        assert rows[spec.file] > 0, spec.file
    assert load_rules(out / "rules.yml").segment_names


def test_same_seed_same_bytes_other_seed_other_data(landing, tmp_path):
    out, _ = landing
    again = tmp_path / "again"
    generate(again, accounts=400, reps=12, seed=3, as_of=AS_OF)
    assert _digest(again) == _digest(out)
    other = tmp_path / "other"
    generate(other, accounts=400, reps=12, seed=4, as_of=AS_OF)
    assert _digest(other)["Account.csv"] != _digest(out)["Account.csv"]


def test_data_is_realistic_and_carries_the_seeds_problems(landing):
    out, rows = landing
    accounts = pd.read_csv(out / "Account.csv")
    tasks = pd.read_csv(out / "Task.csv")
    reps = pd.read_csv(out / "reps.csv")
    # Heavy-tailed firm sizes: the mean far above the median.
    employees = pd.to_numeric(accounts["NumberOfEmployees"], errors="coerce")
    assert employees.mean() > 2 * employees.median()
    assert accounts["Industry"].nunique() >= 5 and accounts["BillingCountry"].nunique() >= 5
    # Recurring automated check-ins exist and are flagged as recurrences.
    recurring = tasks[tasks["IsRecurrence"]]
    assert len(recurring) > 0 and (recurring["Subject"] == "Check-in (recurring)").all()
    assert set(tasks["TaskSubtype"]) >= {"Call", "Email", "Task"}
    # Roster: both roles, a ramping rep or a departed rep, target sizes from the rules.
    assert set(reps["role"]) == {"SDR", "AE"}
    assert rows["Task.csv"] + rows["Event.csv"] == 400 * 20
    # Some bad CRM data for the review queue.
    assert (pd.to_numeric(accounts["AnnualRevenue"]) < 0).any()
    assert accounts["Id"].duplicated().any()
    assert accounts["NumberOfEmployees"].isna().any()


def test_rejects_nonsense_sizes(tmp_path):
    with pytest.raises(ValueError):
        generate(tmp_path, accounts=0, reps=1)


def test_a_day_of_history_does_not_depend_on_the_order_books_are_read_in(tmp_path):
    from sample_data.history import work_a_day

    books = pd.DataFrame(
        {"account_id": [f"001{i:05d}" for i in range(400)], "rep_id": ["005A", "005B"] * 200}
    )
    written = []
    for name, frame in (("sorted", books), ("shuffled", books.sample(frac=1, random_state=3))):
        folder = tmp_path / name
        folder.mkdir()
        work_a_day(folder, AS_OF, frame, seed=7)
        written.append({f.name: f.read_bytes() for f in folder.iterdir()})
    assert written[0] == written[1]
