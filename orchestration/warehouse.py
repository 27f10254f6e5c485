"""The warehouse resource: which engine builds the models, where the data is, and the one
place connections to it come from.

Every Python step (the loader, the allocation, the review decisions) and every command
reads and writes DuckDB, whichever engine builds the models: with DuckDB (the default) the
warehouse is one file, which dbt builds in too; with Spark it is a folder holding that
file, the Parquet files handed to Spark, and Spark's tables and metastore
(`engines/spark.py`, `building`). The path comes from a `dg.EnvVar` bound in
`defs/resources.py` and is resolved once, absolutely, here: dbt runs in transforms/, so a
relative path would otherwise name a second warehouse.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

import dagster as dg
import duckdb
from dagster_duckdb import DuckDBResource
from pydantic import Field

from orchestration import run_lock
from orchestration.stores import migrations


class WarehouseBusy(OSError):
    """Another process holds the warehouse (DuckDB allows one writer per file)."""


ENGINES = ("duckdb", "spark")


class Warehouse(dg.ConfigurableResource):
    """The warehouse every step writes to (one writer at a time: see config/dagster.yaml),
    and the one place connections to it come from."""

    path: str = Field(
        description="DuckDB: the database file. Spark: the folder of its tables and metastore"
    )
    # A string checked when a run starts (`setup_for_execution`): the UI binds it to an
    # EnvVar, a string of the variable's name until then, which a Literal or a pattern refuses.
    engine: str = Field(default="duckdb", description="duckdb (embedded, the default) or spark")
    spark_master: str = Field(
        default="local[2]", description="Spark's master: local[N] on one machine"
    )
    spark_shuffle_partitions: int = Field(default=4, ge=1)
    spark_conf: dict[str, str] = Field(
        default_factory=dict,
        description="More Spark settings: a shared metastore (spark.hadoop.hive.metastore.uris)"
        ", another tables folder (spark.sql.warehouse.dir), executor memory, ...",
    )
    # DuckDB spills to temp_directory beyond this, yet overshoots it writing a large
    # table, and Python, Dagster and GX come on top: bench.pipeline prints the peak.
    memory_limit: str = Field(
        default="2GB",
        pattern=r"^\d+(\.\d+)? ?(?i:[KMGT]i?B|B|%)$",
        description="DuckDB's memory limit: a size such as 2GB, 512MiB or 80%",
    )
    threads: int = Field(default=2, ge=1, le=256)
    wait_seconds: float = Field(
        default=1800,
        ge=0,
        description="How long a run waits for another run holding this warehouse before it "
        "gives up (0: refuse at once)",
    )

    @contextmanager
    def yield_for_execution(self, context: dg.InitResourceContext) -> Iterator[Warehouse]:
        """A run holds the warehouse from its first step to its last (`run_lock`)."""
        if self.engine not in ENGINES:
            raise ValueError(f"warehouse engine {self.engine!r}: one of {', '.join(ENGINES)}")
        run = context.dagster_run
        who = "a Dagster run"
        if run is not None:
            partition = run.tags.get("dagster/partition")
            who = f"the {run.job_name} run {run.run_id[:8]}" + (
                f" of {partition}" if partition else ""
            )
        log = context.log.info if context.log else (lambda _line: None)
        with self.hold(who, log):
            yield self

    def hold(
        self, who: str, say: Callable[[str], None] = lambda _line: None
    ) -> AbstractContextManager[None]:
        """Holds the warehouse for a run or a decision: another waits, or is refused."""
        return run_lock.hold(self.abs_path, self.lock_path, who, self.wait_seconds, say)

    @property
    def lock_path(self) -> Path:
        """Beside DuckDB's file; inside Spark's folder."""
        if self.engine == "spark":
            return Path(self.abs_path) / "books.lock"
        return Path(self.abs_path + ".lock")

    @property
    def abs_path(self) -> str:
        return str(Path(self.path).expanduser().resolve())

    @property
    def duckdb_path(self) -> str:
        """The DuckDB file the Python steps read and write: the warehouse itself, or on
        Spark a file in its folder."""
        if self.engine == "spark":
            return str(Path(self.abs_path) / "books.duckdb")
        return self.abs_path

    @property
    def temp_directory(self) -> str:
        return str(Path(self.duckdb_path).with_suffix(".tmp"))

    @property
    def dbt_target_path(self) -> Path:
        """dbt's target folder for runs on this warehouse: its own, so runs on two warehouses
        from one install never share one, and runs on one warehouse (one at a time, under
        its lock) parse only what changed since the last."""
        if self.engine == "spark":
            return Path(self.abs_path) / "dbt"
        return Path(self.abs_path + ".dbt")

    @property
    def dbt_target(self) -> str:
        """The output of transforms/profiles.yml dbt builds through: the engine's."""
        return self.engine

    @property
    def dbt_vars(self) -> dict[str, str]:
        """The same file and limits for dbt's own connection: written into the warehouse's
        dbt profile (in_process.warehouse_profile), or handed as vars to a dbt run outside
        a step (books docs)."""
        if self.engine == "spark":
            return {}
        return {
            "warehouse_path": self.duckdb_path,
            "memory_limit": self.memory_limit,
            "temp_directory": self.temp_directory,
        }

    @property
    def connection_config(self) -> dict[str, str | int]:
        """Settings handed to DuckDB as configuration, never spliced into SQL text."""
        return {
            "memory_limit": self.memory_limit,
            "threads": self.threads,
            "temp_directory": self.temp_directory,
        }

    def spark(self):
        """The process's Spark session on this warehouse (engine spark)."""
        from engines import spark

        return spark.session(
            Path(self.abs_path), self.spark_master, self.spark_shuffle_partitions, self.spark_conf
        )

    @contextmanager
    def building(self, sources: Iterable[tuple[str, str]], built: Iterable[str]) -> Iterator[None]:
        """Around a dbt build: on Spark, the `sources` it reads ((schema, table) pairs)
        handed to Spark before, and the tables it built in the schemas `built` read back
        as DuckDB views after, whether or not it succeeded (its failures are read there).
        The DuckDB file stays open for writing throughout, so a reader is refused while
        Spark rewrites the files under its views, as DuckDB's own build refuses one.
        On DuckDB, dbt builds in the same file: nothing to hand over."""
        if self.engine != "spark":
            yield
            return
        from engines import spark

        session = self.spark()
        with self.connect() as con:
            spark.hand_over(con, session, Path(self.abs_path) / "sources", sources)
            try:
                yield
            finally:
                spark.expose(con, session, built)

    @contextmanager
    def connect(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A connection that writes: dagster-duckdb's, which retries while another process
        still holds the file (a reader, or a run ending)."""
        Path(self.duckdb_path).parent.mkdir(parents=True, exist_ok=True)
        # A Spark warehouse whose history Spark kept, before the Python steps moved here.
        spark_tables = Path(self.abs_path) / "tables"
        adopts = self.engine == "spark" and not Path(self.duckdb_path).exists()
        duck = DuckDBResource(database=self.duckdb_path, connection_config=self.connection_config)
        with duck.get_connection() as con:
            try:
                con.execute("SET enable_progress_bar = false")  # a session option
                if adopts and (spark_tables / "allocation.db").is_dir():
                    migrations.adopt_spark_history(con, spark_tables)
                migrations.migrate(con)  # a warehouse an older version made, brought up
                yield con
            finally:  # its own close is skipped when the block raises
                con.close()

    def read(self) -> duckdb.DuckDBPyConnection:
        """A read-only connection, for the commands people run while a run may write:
        one line (WarehouseBusy) when a run holds the file, not a wait or a traceback."""
        try:
            return duckdb.connect(self.duckdb_path, read_only=True)
        except (duckdb.IOException, duckdb.ConnectionException):  # another process holds it
            raise WarehouseBusy(
                f"{self.duckdb_path}: in use by a run (DuckDB allows one writer); try again "
                "when it ends"
            ) from None
