"""One run holds the warehouse from its first step to its last (issue 36.1): a second run
waits, saying so, or is refused in one line; two runs never interleave."""

import shutil
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import pytest

from orchestration.run_lock import WarehouseHeld
from orchestration.runner import RunPaths, run_books
from orchestration.warehouse import Warehouse
from tests.integration.compare import differences
from tests.integration.conftest import AS_OF, DAY2, query

HOLD = """
import sys, time
from orchestration.warehouse import Warehouse
with Warehouse(path=sys.argv[1], engine=sys.argv[2]).hold("a test run"):
    print("held", flush=True)
    time.sleep(float(sys.argv[3]))
"""


def held_elsewhere(warehouse: Path, seconds: float, engine: str = "duckdb") -> subprocess.Popen:
    """Another process holding the warehouse for `seconds`, as a run does."""
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(warehouse), engine, str(seconds)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout.readline().strip() == "held"
    return holder


def test_a_run_is_refused_in_one_line_while_another_holds_the_warehouse(paths, tmp_path):
    warehouse = tmp_path / "wh.duckdb"
    holder = held_elsewhere(warehouse, 30)
    try:
        refused = RunPaths(paths.landing, paths.rules, warehouse, wait_seconds=0)
        with pytest.raises(WarehouseHeld) as caught:
            run_books(refused, AS_OF)
        message = str(caught.value)
        assert "\n" not in message
        assert f"{warehouse}: held by a test run (pid {holder.pid}" in message
        assert not warehouse.exists()  # nothing was written
    finally:
        holder.kill()
        holder.wait()


def test_a_second_run_waits_for_the_first_and_says_so(first_run, tmp_path):
    shutil.copyfile(first_run.warehouse, tmp_path / "wh.duckdb")
    warehouse = tmp_path / "wh.duckdb"
    holder = held_elsewhere(warehouse, 2)
    said = []
    started = time.monotonic()
    run_books(RunPaths(first_run.landing, first_run.rules, warehouse), AS_OF, say=said.append)
    assert time.monotonic() - started >= 1.5
    assert holder.wait() == 0
    assert len(said) == 1 and "held by a test run" in said[0] and "waiting up to" in said[0]
    books = "SELECT account_id, rep_id FROM marts.current_books ORDER BY ALL"
    assert query(RunPaths(first_run.landing, first_run.rules, warehouse), books) == query(
        first_run, books
    )


def test_the_spark_warehouse_is_held_in_its_folder(tmp_path):
    spark = Warehouse(path=str(tmp_path / "wh.spark"), engine="spark", wait_seconds=0)
    assert spark.lock_path == tmp_path / "wh.spark" / "books.lock"
    holder = held_elsewhere(tmp_path / "wh.spark", 30, engine="spark")
    try:
        with pytest.raises(WarehouseHeld, match="held by a test run"), spark.hold("books run"):
            pass
    finally:
        holder.kill()
        holder.wait()


READ = """
import sys
from orchestration.warehouse import Warehouse, WarehouseBusy
try:
    Warehouse(path=sys.argv[1], engine="spark").read().close()
    print("read")
except WarehouseBusy as exc:
    print(exc)
"""


def test_a_reader_of_a_spark_warehouse_is_refused_while_spark_rewrites_the_marts(
    tmp_path, monkeypatch
):
    """While Spark rewrites the Parquet files under the DuckDB views, a reader (`books
    explain`, the UI) is refused in one line, as DuckDB's own build refuses one; before
    and after it reads."""
    from engines import spark

    monkeypatch.setattr(Warehouse, "spark", lambda self: None)  # no JVM: the files aside
    monkeypatch.setattr(spark, "hand_over", lambda *args: None)
    monkeypatch.setattr(spark, "expose", lambda *args: None)
    warehouse = Warehouse(path=str(tmp_path / "wh.spark"), engine="spark")

    def reader() -> str:
        probe = [sys.executable, "-c", READ, str(tmp_path / "wh.spark")]
        return subprocess.run(probe, capture_output=True, text=True, timeout=120).stdout

    with warehouse.connect():
        pass  # the file, as a run's ingest leaves it
    assert reader().strip() == "read"
    with warehouse.building([], []):
        refused = reader().strip()
    assert "in use by a run" in refused and "\n" not in refused
    assert reader().strip() == "read"


TRY = """
import sys
from orchestration.warehouse import Warehouse
try:
    with Warehouse(path=sys.argv[1], wait_seconds=0).hold("a probe"):
        print("free")
except OSError as exc:
    print(exc)
"""


def test_a_dagster_run_holds_the_warehouse_through_its_resource(tmp_path):
    """Runs from the UI, the schedule or the sensor hold it as the command line does."""
    warehouse = tmp_path / "wh.duckdb"
    seen = []

    @dg.asset
    def probe(warehouse: Warehouse) -> None:
        seen.append(
            subprocess.run(
                [sys.executable, "-c", TRY, warehouse.abs_path], capture_output=True, text=True
            ).stdout.strip()
        )

    assert dg.materialize([probe], resources={"warehouse": Warehouse(path=str(warehouse))}).success
    assert seen and f"{warehouse}: held by the " in seen[0] and " run " in seen[0], seen
    # And let go when the run ends.
    probed = subprocess.run([sys.executable, "-c", TRY, str(warehouse)], capture_output=True)
    assert probed.stdout.decode().strip() == "free"


def books_run(paths: RunPaths, day, *extra: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "books_app", "run",
         "--landing", str(paths.landing), "--rules", str(paths.rules),
         "--warehouse", str(paths.warehouse), "--as-of", day.isoformat(), *extra],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def test_two_days_started_together_on_one_warehouse_never_mix(first_run, days, tmp_path):
    """Day 1 and, a second later, day 2 (each from its own landing folder, as from two
    clones) on one fresh warehouse, with a run on another warehouse of the same install
    beside them: each day is what a run alone makes (or the first is refused for the later
    one), and the other warehouse is what day 1 alone makes."""
    day1, clean = days
    together = tmp_path / "together" / "wh.duckdb"
    alone = RunPaths(clean.landing, clean.rules, together)
    beside = RunPaths(first_run.landing, first_run.rules, tmp_path / "beside" / "wh.duckdb")
    first = books_run(RunPaths(first_run.landing, first_run.rules, together), AS_OF)
    other = books_run(beside, AS_OF)
    time.sleep(1)
    second = books_run(alone, DAY2)
    outcomes = [(p.wait(timeout=600), *p.communicate()) for p in (first, second, other)]
    (code1, _, err1), (code2, _, err2), (code_other, _, err_other) = outcomes
    assert code_other == 0, err_other
    assert code2 == 0, err2
    if code1 == 0:  # day 2 waited for day 1 and said so
        assert "waiting up to" in err2, err2
        assert differences(alone.warehouse, clean.warehouse) == {}
    else:  # day 2 took the warehouse first: day 1 would rewrite history
        assert "would rewrite history" in err1 and err1.count("\n") == 1, err1
    assert differences(beside.warehouse, day1.warehouse) == {}
