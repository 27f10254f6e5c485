"""Spark as dbt's engine: one Spark session per process, and the hand-over between it and
the DuckDB file every Python step reads and writes.

The loader, the allocation and the review decisions run on DuckDB whichever engine builds
the models (README, "Adding an engine"). Before a dbt step, the sources dbt reads are
written as Parquet and named as Spark tables (`hand_over`); after it, each table dbt built
is a DuckDB view over its Parquet files (`expose`), so the steps and the commands read the
marts on DuckDB. dbt-spark's `session` method builds in the session of the process that
calls it, so the dbt steps run dbt in process (`defs/transforms/in_process.py`). The
session's metastore is by default an embedded Derby database, which admits one process
at a time: like DuckDB's file, one writer at a time.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

import duckdb
import sqlglot
from sqlglot import exp

_SESSION: dict[str, Any] = {}  # the process's session and the settings it was built with


class SparkBusy(OSError):
    """Another process holds the Spark metastore (embedded Derby admits one)."""


def session(root: Path, master: str, shuffle_partitions: int, conf: dict[str, str]):
    """The process's Spark session over the warehouse folder `root`: tables under
    `root/tables`, the metastore under `root/metastore`, unless `conf` names others
    (`spark.sql.warehouse.dir`, `spark.hadoop.hive.metastore.uris` for a shared one)."""
    settings = {
        "spark.master": master,
        "spark.ui.enabled": "false",
        "spark.sql.shuffle.partitions": str(shuffle_partitions),
        "spark.sql.session.timeZone": "UTC",
        "spark.sql.warehouse.dir": str(root / "tables"),
        # Only the run date's partition of a table is replaced by INSERT OVERWRITE.
        "spark.sql.sources.partitionOverwriteMode": "dynamic",
        # DuckDB's timestamps are UTC wall clocks: read as Spark's TIMESTAMP, an instant
        # in the session's zone (UTC), as the models compare them with dates and now().
        "spark.sql.parquet.inferTimestampNTZ.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
        # Derby's home is a JVM property: it takes effect in the process that starts the JVM.
        "spark.driver.extraJavaOptions": f"-Dderby.system.home={root / 'metastore'}",
        **conf,
    }
    if _SESSION:
        if _SESSION["settings"] != settings:
            raise RuntimeError(
                "this process already runs Spark on another warehouse "
                f"({_SESSION['settings']['spark.sql.warehouse.dir']}): one per process"
            )
        return _SESSION["spark"]
    # pyspark warns that it does not fully support pandas 3: no frame crosses to Spark.
    warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas")
    from pyspark.sql import SparkSession

    root.mkdir(parents=True, exist_ok=True)
    builder = SparkSession.builder
    for key, value in settings.items():
        builder = builder.config(key, value)
    spark = builder.enableHiveSupport().getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    # A large expression (the 18-character id's checksum) is too big to compile: Spark
    # interprets it instead, as designed, after logging the compiler's whole stack trace.
    jvm = spark.sparkContext._jvm
    jvm.org.apache.logging.log4j.core.config.Configurator.setLevel(
        "org.apache.spark.sql.catalyst.expressions.codegen.CodeGenerator",
        jvm.org.apache.logging.log4j.Level.OFF,
    )
    try:
        spark.sql("SHOW DATABASES").collect()  # opens the metastore: busy fails here
    except Exception as exc:
        if "XSDB6" in str(exc) or "another instance of Derby" in str(exc).lower():
            spark.stop()
            raise SparkBusy(f"{root}: the Spark metastore is in use by another run") from None
        raise
    _SESSION.update(spark=spark, settings=settings)
    return spark


def _quoted(*names: str, dialect: str = "spark") -> str:
    """A dotted name, each part quoted and escaped as `dialect` spells it (sqlglot's)."""
    return ".".join(exp.to_identifier(n, quoted=True).sql(dialect) for n in names)


def _ident(*names: str) -> str:
    return _quoted(*names, dialect="duckdb")


def _path(path: Path) -> str:
    return str(path).replace("'", "''")


def hand_over(con: duckdb.DuckDBPyConnection, spark, folder: Path, sources: Iterable) -> None:
    """Each DuckDB relation of `sources` ((schema, table) pairs, dbt's sources) as the
    Spark table of that name, over a Parquet file of its rows in `folder/schema/table`.
    A relation DuckDB does not hold (yet) is left out, as dbt would find it missing."""
    held = set(
        con.execute("SELECT table_schema, table_name FROM information_schema.tables").fetchall()
    )
    for schema, table in sources:
        if (schema, table) not in held:
            continue
        place = folder / schema / table
        place.mkdir(parents=True, exist_ok=True)
        # Parquet's JSON annotation is DuckDB's own: Spark reads the text.
        columns = con.execute(
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = ? AND table_name = ? ORDER BY ordinal_position",
            [schema, table],
        ).fetchall()
        select = ", ".join(
            f"CAST({_ident(c)} AS VARCHAR) AS {_ident(c)}" if t == "JSON" else _ident(c)
            for c, t in columns
        )
        written = place / "rows.parquet"
        staged = place / ".rows.parquet.new"  # a hidden name: Spark lists no dot-file
        con.execute(
            f"COPY (SELECT {select} FROM {_ident(schema, table)}) TO '{_path(staged)}' "
            "(FORMAT parquet)"
        )
        os.replace(staged, written)
        spark.sql(f"CREATE DATABASE IF NOT EXISTS {_quoted(schema)}")
        if spark.catalog.tableExists(f"{schema}.{table}"):  # a view, where Spark once loaded
            kind = spark.catalog.getTable(f"{schema}.{table}").tableType
            spark.sql(f"DROP {'VIEW' if kind == 'VIEW' else 'TABLE'} {_quoted(schema, table)}")
        # By the catalog's API: the path is a value, never SQL text (Spark's string escapes
        # are not DuckDB's).
        spark.catalog.createTable(f"{schema}.{table}", path=str(place), source="parquet")


def expose(con: duckdb.DuckDBPyConnection, spark, schemas: Iterable[str]) -> None:
    """Every table Spark holds in `schemas` (what dbt builds) as a DuckDB view of the same
    name over its Parquet files; views of tables Spark no longer holds are dropped. Spark's
    own views (dbt's views) are not files: DuckDB reads none of them."""
    for schema in schemas:
        if not spark.catalog.databaseExists(schema):
            continue
        root = Path(unquote(urlparse(spark.catalog.getDatabase(schema).locationUri).path))
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {_ident(schema)}")
        built = set()
        for table in spark.catalog.listTables(schema):
            if table.tableType == "VIEW" or table.isTemporary:
                continue
            built.add(table.name)
            place = root / table.name
            if any(place.rglob("*.parquet")):
                rows = (
                    f"SELECT * FROM read_parquet('{_path(place)}/**/*.parquet', "
                    "hive_partitioning = true)"
                )
            else:  # no row written yet: the columns alone, typed from Spark's catalog
                rows = (
                    "SELECT "
                    + ", ".join(
                        f"CAST(NULL AS {_duckdb_type(c.dataType)}) AS {_ident(c.name)}"
                        for c in spark.catalog.listColumns(f"{schema}.{table.name}")
                    )
                    + " WHERE false"
                )
            con.execute(f"CREATE OR REPLACE VIEW {_ident(schema, table.name)} AS {rows}")
        for (stale,) in con.execute(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = ? AND table_type = 'VIEW'",
            [schema],
        ).fetchall():
            if stale not in built:
                con.execute(f"DROP VIEW {_ident(schema, stale)}")


def _duckdb_type(spark_type: str) -> str:
    """A Spark column type as DuckDB spells it; Spark's instants read as DuckDB reads the
    files' (wall clocks in UTC, the session's zone)."""
    if spark_type == "timestamp":
        return "TIMESTAMP"
    return sqlglot.exp.DataType.build(spark_type, dialect="spark").sql("duckdb")
