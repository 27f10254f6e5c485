"""The Spark engine: one Spark session per process, and a connection that answers
the calls the stores make of a DuckDB one (`execute`, `fetchone`, `df`, `register`).

dbt-spark's `session` method builds in the session of the process that calls it, so the
dbt steps run dbt in process (`defs/transforms/in_process.py`) and see the tables the
ingest and the allocation wrote, through one Hive metastore. Its default, an embedded
Derby database, admits one process at a time: like DuckDB's file, one writer at a time.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

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
        "spark.sql.execution.arrow.pyspark.enabled": "true",
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
    # pyspark warns that it does not fully support pandas 3 in its own conversions; frames
    # here cross through Arrow (`SparkResult.df`, `SparkConnection.register`), not those.
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


def spark_type(duckdb_type: str) -> str:
    """A DuckDB column type as Spark spells it."""
    return {"VARCHAR": "STRING", "JSON": "STRING", "INTEGER": "INT"}.get(duckdb_type, duckdb_type)


def spark_ident(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


def columns_of(ddl: str) -> dict[str, list[tuple[str, str]]]:
    """The tables `ddl` (DuckDB's, the one authority for their layout) creates, with their
    columns and Spark types, read back from an in-memory DuckDB that ran it."""
    con = duckdb.connect()
    try:
        con.execute(ddl)
        tables = con.execute(
            "SELECT table_schema || '.' || table_name, column_name, data_type "
            "FROM information_schema.columns WHERE table_schema <> 'main' "
            "ORDER BY table_schema, table_name, ordinal_position"
        ).fetchall()
    finally:
        con.close()
    layout: dict[str, list[tuple[str, str]]] = {}
    for table, column, type_ in tables:
        layout.setdefault(table, []).append((column, spark_type(type_)))
    return layout


def create_table(spark, name: str, columns: list[tuple[str, str]], partitioned_by=()) -> None:
    """A Parquet table of `columns` (name, Spark type) unless it exists; partitioned by
    `partitioned_by`, so INSERT OVERWRITE replaces a run date's rows and no others (Spark
    without Delta deletes no rows)."""
    spark.sql(f"CREATE DATABASE IF NOT EXISTS {name.split('.')[0]}")
    listed = ", ".join(f"{spark_ident(c)} {t}" for c, t in columns)
    partitions = f" PARTITIONED BY ({', '.join(partitioned_by)})" if partitioned_by else ""
    spark.sql(f"CREATE TABLE IF NOT EXISTS {name} ({listed}) USING parquet{partitions}")


def create_tables(spark, ddl: str, partitioned_by: dict[str, tuple[str, ...]]) -> None:
    """The tables DuckDB's `ddl` creates, on Spark (`partitioned_by`: table -> columns)."""
    for name, columns in columns_of(ddl).items():
        create_table(spark, name, columns, partitioned_by.get(name, ()))


def typed_columns(spark, name: str, exclude: tuple[str, ...] = ()) -> str:
    """A table's columns in its order, each cast to its type: the select list of an INSERT
    from a frame whose columns are named alike but typed as pandas had them."""
    return ", ".join(
        f"CAST({spark_ident(f.name)} AS {f.dataType.simpleString()}) AS {spark_ident(f.name)}"
        for f in spark.table(name).schema.fields
        if f.name not in exclude
    )


class SparkResult:
    """A query's rows, fetched as DuckDB's results fetch them."""

    def __init__(self, frame):
        self._frame = frame
        self._rows: list[tuple] | None = None

    @property
    def description(self) -> list[tuple]:
        return [(f.name,) for f in self._frame.schema.fields]

    def fetchall(self) -> list[tuple]:
        if self._rows is None:
            self._rows = [tuple(row) for row in self._frame.collect()]
        return self._rows

    def fetchone(self) -> tuple | None:
        rows = self.fetchall()
        return rows[0] if rows else None

    def df(self) -> pd.DataFrame:
        """The rows as DuckDB hands them to pandas (dates as datetime64, timestamps naive
        UTC): the engine-free code sees one kind of frame whichever engine ran."""
        table = self._frame.toArrow()
        naive = [
            f.name for f in table.schema if getattr(f.type, "tz", None) is not None
        ]  # Spark's timestamps are instants in the session's zone, UTC
        con = duckdb.connect()
        try:
            con.execute("SET TimeZone = 'UTC'")
            relation = con.from_arrow(table)
            if naive:
                replaced = ", ".join(f'CAST("{c}" AS TIMESTAMP) AS "{c}"' for c in naive)
                relation = con.sql(f"SELECT * REPLACE ({replaced}) FROM relation")
            return relation.df()
        finally:
            con.close()


class SparkConnection:
    """The calls the stores make of a DuckDB connection, on a Spark session. Parameters
    (`?`) are bound by Spark, in queries and INSERTs alike: no value is spliced into SQL."""

    engine = "spark"

    def __init__(self, spark):
        self.spark = spark

    def execute(self, sql: str, params: list | tuple | None = None) -> SparkResult:
        frame = None
        for statement in [s for s in _statements(sql) if s.strip()]:
            frame = self._run(statement, params)
        return SparkResult(frame)

    def _run(self, statement: str, params):
        return self.spark.sql(statement, args=list(params)) if params else self.spark.sql(statement)

    def register(self, name: str, frame: pd.DataFrame) -> None:
        """A pandas frame as a temporary view, typed as DuckDB would type it."""
        con = duckdb.connect()
        try:
            table = con.from_df(frame).to_arrow_table()
        finally:
            con.close()
        self.spark.createDataFrame(table).createOrReplaceTempView(name)

    def unregister(self, name: str) -> None:
        self.spark.catalog.dropTempView(name)

    def has_table(self, name: str) -> bool:
        return self.spark.catalog.tableExists(name)

    def close(self) -> None:
        """The session lives as long as the process: dbt's steps build in it."""

    def __enter__(self) -> SparkConnection:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _statements(sql: str) -> list[str]:
    """`sql` split into statements (Spark runs one at a time); no literal here holds ';'."""
    return sql.split(";")


def is_spark(con) -> bool:
    return getattr(con, "engine", "duckdb") == "spark"
