"""One small generated landing folder and one full run, shared by the integration tests."""

import datetime as dt

import duckdb
import pytest

from orchestration.runner import RunPaths, run_books
from sample_data.generate import generate

AS_OF = dt.date(2026, 11, 23)


@pytest.fixture(scope="session")
def paths(tmp_path_factory):
    root = tmp_path_factory.mktemp("books")
    landing = root / "landing"
    generate(landing, accounts=600, reps=10, seed=11, as_of=AS_OF, activities_per_account=5)
    return RunPaths(landing=landing, rules=landing / "rules.yml", warehouse=root / "wh.duckdb")


@pytest.fixture(scope="session")
def first_run(paths):
    run_books(paths, AS_OF)
    return paths


def query(paths: RunPaths, sql: str, params=()) -> list[tuple]:
    """Rows of `sql` against a run's warehouse, read-only."""
    con = duckdb.connect(str(paths.warehouse), read_only=True)
    try:
        return con.execute(sql, list(params)).fetchall()
    finally:
        con.close()


def query_frame(paths: RunPaths, sql: str):
    con = duckdb.connect(str(paths.warehouse), read_only=True)
    try:
        return con.execute(sql).df()
    finally:
        con.close()
