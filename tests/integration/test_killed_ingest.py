"""A load killed after any statement, then run again, leaves what a clean run leaves
(issue 26.2): no quarantined row reaches raw.*, no file stays half loaded."""

import csv
import datetime as dt
import shutil

import duckdb
import pytest

from data_quality.contract import LANDING_FILES, QUARANTINE_TABLE, REQUIRED_FILES
from data_quality.landing import load_landing_files
from data_quality.suites import landing_suites
from engagement.rules import Rules
from sample_data.generate import generate

DAY1, DAY2 = dt.date(2026, 11, 23), dt.date(2026, 11, 24)


class Killed(BaseException):
    """The process died: nothing after it reaches the database."""


class Dying:
    """A connection that dies at its `at`-th statement: that one and every later one fail,
    the error path's included, as if the process had been killed there."""

    def __init__(self, con, at: int | None):
        self._con, self._at, self.count = con, at, 0

    def _tick(self):
        self.count += 1
        if self._at is not None and self.count >= self._at:
            raise Killed(self.count)

    def execute(self, *args, **kwargs):
        self._tick()
        return self._con.execute(*args, **kwargs)

    def sql(self, *args, **kwargs):
        self._tick()
        return self._con.sql(*args, **kwargs)

    def register(self, *args, **kwargs):
        self._tick()
        return self._con.register(*args, **kwargs)

    def __getattr__(self, name):
        return getattr(self._con, name)


def load(warehouse, landing, day, at=None) -> int:
    """Loads every landing file for `day`; returns the statements run (or reached)."""
    suites = landing_suites(Rules(), day)
    con = Dying(duckdb.connect(str(warehouse)), at)
    try:
        for _ in load_landing_files(con, landing, day, suites, REQUIRED_FILES):
            pass
    except Killed:
        pass
    finally:
        con._con.close()
    return con.count


def snapshot(warehouse) -> dict:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        out = {
            spec.raw_table: con.execute(f"SELECT * FROM {spec.raw_table} ORDER BY _row").fetchall()
            for spec in LANDING_FILES
        }
        out["queue"] = con.execute(f"SELECT * FROM {QUARANTINE_TABLE} ORDER BY ALL").fetchall()
        return out
    finally:
        con.close()


@pytest.fixture(scope="module")
def day2(tmp_path_factory):
    """A warehouse loaded for day 1, and day 2's landing where one account changed."""
    root = tmp_path_factory.mktemp("killed")
    landing = root / "landing"
    generate(landing, accounts=80, reps=4, seed=3, as_of=DAY1, activities_per_account=2)
    base = root / "day1.duckdb"
    load(base, landing, DAY1)
    path = landing / "Account.csv"
    with path.open(newline="") as f:
        rows = list(csv.DictReader(f))
    rows[5]["Name"] = "Renamed Corp"
    with path.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    clean = root / "clean.duckdb"
    shutil.copyfile(base, clean)
    statements = load(clean, landing, DAY2)
    return root, landing, base, snapshot(clean), statements


def test_a_load_killed_after_any_statement_then_run_again_equals_a_clean_run(day2):
    root, landing, base, clean, statements = day2
    assert clean["queue"], "the generated files carry rows a rule catches"
    # Every statement of the first files, then a stride: each kill is a load and a rerun.
    points = sorted({*range(1, 25), *range(25, statements + 1, max(1, statements // 20))})
    for at in points:
        warehouse = root / "killed.duckdb"
        shutil.copyfile(base, warehouse)
        load(warehouse, landing, DAY2, at=at)
        load(warehouse, landing, DAY2)
        assert snapshot(warehouse) == clean, f"killed at statement {at} of {statements}"
