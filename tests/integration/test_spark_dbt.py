"""One dbt project for both engines (issue 25): the sources of a two-day DuckDB run, copied
into a local Spark session, build through dbt-spark into marts equal to DuckDB's, row for
row (order-free; money to the cent, since a double on the half cent may round either way).

Only the dbt layer runs on Spark here: ingest and the allocation still run on DuckDB.
CI installs Java and sets BOOKS_REQUIRE_SPARK, so there this cannot skip."""

import datetime as dt
import json
import math
import os
import shutil
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from engagement.rules import load_rules
from orchestration.runner import RunPaths, run_books
from sample_data.generate import generate
from tests.integration.conftest import AS_OF

TRANSFORMS = Path(__file__).resolve().parents[2] / "transforms"
SOURCE_SCHEMAS = ("raw", "quality", "reference", "allocation", "main")
# The build records what it rests on; the engines' fingerprints differ by design.
BUILD_RECORD = {"built_from", "built_for", "tasks_through", "events_through"}
# Daily snapshots keep every run date; the Spark build has only the day it ran.
SNAPSHOTS = {"coverage_daily", "coverage_by_rep", "coverage_by_segment", "coverage_by_region"}

JAVA = shutil.which("java")
pytestmark = pytest.mark.skipif(
    JAVA is None and not os.environ.get("BOOKS_REQUIRE_SPARK"),
    reason="no java on PATH: Spark needs it (CI installs openjdk-17-jre-headless)",
)


@pytest.fixture(scope="module")
def duckdb_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("engines")
    landing = root / "landing"
    generate(landing, accounts=300, reps=8, seed=5, as_of=AS_OF, activities_per_account=5)
    paths = RunPaths(landing=landing, rules=landing / "rules.yml", warehouse=root / "wh.duckdb")
    for day in (AS_OF, AS_OF + dt.timedelta(days=1)):
        run_books(paths, day)
    return paths


@pytest.fixture(scope="module")
def spark(tmp_path_factory):
    assert JAVA, "BOOKS_REQUIRE_SPARK is set but java is not on PATH"
    from pyspark.sql import SparkSession

    root = tmp_path_factory.mktemp("spark")
    session = (
        SparkSession.builder.master("local[2]")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.warehouse.dir", str(root / "warehouse"))
        .config("spark.driver.extraJavaOptions", f"-Dderby.system.home={root / 'metastore'}")
        .enableHiveSupport()
        .getOrCreate()
    )
    yield session, root
    session.stop()


def copy_sources(warehouse: Path, spark, folder: Path) -> None:
    """Every relation the dbt sources read, from DuckDB to Spark tables through Parquet."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        relations = con.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_schema in (select unnest(?))",
            [list(SOURCE_SCHEMAS)],
        ).fetchall()
        for schema, name in relations:
            file = folder / f"{schema}.{name}.parquet"
            con.sql(f"copy (select * from {schema}.{name}) to '{file}' (format parquet)")
            spark.sql(f"create database if not exists {schema}")
            spark.read.parquet(str(file)).write.mode("overwrite").saveAsTable(f"{schema}.{name}")
    finally:
        con.close()


def canonical(value):
    """A value as both engines' frames can be compared: nulls one null, records dicts,
    lists order-free, dates and times ISO text, numbers floats."""
    if hasattr(value, "asDict"):
        value = value.asDict()
    if isinstance(value, dict):
        return json.dumps({k: canonical(v) for k, v in value.items()}, sort_keys=True)
    if isinstance(value, list | tuple | np.ndarray):
        return json.dumps(sorted(str(canonical(v)) for v in value))
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if hasattr(value, "isoformat"):
        return pd.Timestamp(value).isoformat()
    if isinstance(value, bool | str):
        return value
    if isinstance(value, int | float) or hasattr(value, "__float__"):
        return float(value)
    return str(value)


def rows(frame: pd.DataFrame, columns: list[str]) -> list[tuple]:
    records = [tuple(canonical(v) for v in row) for row in frame[columns].itertuples(index=False)]
    # Sorted by everything but the numbers, which may differ in their last places.
    return sorted(records, key=lambda r: [str(v) for v in r if not isinstance(v, float)])


def same(a, b) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=0.0101)  # a cent, and its float error
    return a == b


def test_the_marts_built_on_spark_equal_duckdbs(duckdb_run, spark):
    session, root = spark
    copy_sources(duckdb_run.warehouse, session, root)
    from dbt.cli.main import dbtRunner

    dbt_vars = load_rules(duckdb_run.rules).dbt_vars()
    result = dbtRunner().invoke(
        ["build", "--project-dir", str(TRANSFORMS), "--profiles-dir", str(TRANSFORMS)]
        + ["--target", "spark", "--target-path", str(root / "target"), "--quiet"]
        + ["--exclude-resource-type", "unit_test", "--vars", json.dumps(dbt_vars)]
    )
    failed = [r.node.name for r in (result.result or []) if r.status not in ("success", "pass")]
    assert result.success, f"dbt build on Spark failed: {failed or result.exception}"

    con = duckdb.connect(str(duckdb_run.warehouse), read_only=True)
    marts = [n for (n,) in con.execute(
        "select table_name from information_schema.tables where table_schema = 'marts'"
    ).fetchall()]  # fmt: skip
    assert len(marts) >= 20
    differing = {}
    for name in sorted(marts):
        on_duckdb = con.sql(f"select * from marts.{name}").df()
        on_spark = session.table(f"marts.{name}").toPandas()
        if name in SNAPSHOTS:
            day = pd.Timestamp(AS_OF + dt.timedelta(days=1))
            on_duckdb = on_duckdb[pd.to_datetime(on_duckdb["as_of_date"]) == day]
        columns = [c for c in on_duckdb.columns if c not in BUILD_RECORD]
        assert set(columns) <= set(on_spark.columns), f"marts.{name}: columns missing on Spark"
        expected, actual = rows(on_duckdb, columns), rows(on_spark, columns)
        if len(expected) != len(actual):
            differing[name] = f"{len(expected)} rows on DuckDB, {len(actual)} on Spark"
            continue
        for e, a in zip(expected, actual, strict=True):
            unequal = {c: (x, y) for c, x, y in zip(columns, e, a, strict=True) if not same(x, y)}
            if unequal:
                differing[name] = f"row {e[0]}: DuckDB vs Spark {unequal}"[:300]
                break
    con.close()
    assert not differing, differing
    assert len(rows(session.table("marts.current_books").toPandas(), ["account_id"])) > 0
