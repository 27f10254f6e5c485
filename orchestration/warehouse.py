"""The warehouse resource: where the DuckDB file is, and the one place connections to it
come from (issue 25 plugs a second engine in here).

The path comes from a `dg.EnvVar` bound in `defs/resources.py` and is resolved once,
absolutely, here: dbt runs in transforms/, so a relative path would otherwise name a
second warehouse file.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import duckdb
from dagster_duckdb import DuckDBResource
from pydantic import Field


class WarehouseBusy(OSError):
    """Another process holds the warehouse (DuckDB allows one writer per file)."""


class Warehouse(dg.ConfigurableResource):
    """The DuckDB file every step writes to (one writer at a time: see config/dagster.yaml),
    and the one place connections to it come from."""

    path: str
    # DuckDB spills to temp_directory beyond this, yet overshoots it writing a large
    # table, and Python, Dagster and GX come on top: bench.pipeline prints the peak.
    memory_limit: str = Field(
        default="2GB",
        pattern=r"^\d+(\.\d+)? ?(?i:[KMGT]i?B|B|%)$",
        description="DuckDB's memory limit: a size such as 2GB, 512MiB or 80%",
    )
    threads: int = Field(default=2, ge=1, le=256)

    @property
    def abs_path(self) -> str:
        return str(Path(self.path).expanduser().resolve())

    @property
    def temp_directory(self) -> str:
        return str(Path(self.abs_path).with_suffix(".tmp"))

    @property
    def dbt_vars(self) -> dict[str, str]:
        """The same file and limits for dbt's own connection (see transforms/profiles.yml)."""
        return {
            "warehouse_path": self.abs_path,
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

    @contextmanager
    def connect(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A connection that writes: dagster-duckdb's, which retries while another process
        still holds the file (a reader, or a run ending)."""
        Path(self.abs_path).parent.mkdir(parents=True, exist_ok=True)
        duck = DuckDBResource(database=self.abs_path, connection_config=self.connection_config)
        with duck.get_connection() as con:
            try:
                con.execute("SET enable_progress_bar = false")  # a session option
                yield con
            finally:  # its own close is skipped when the block raises
                con.close()

    def read(self) -> duckdb.DuckDBPyConnection:
        """A read-only connection, for the commands people run while a run may write:
        one line (WarehouseBusy) when a run holds the file, not a wait or a traceback."""
        try:
            return duckdb.connect(self.abs_path, read_only=True)
        except (duckdb.IOException, duckdb.ConnectionException):  # another process holds it
            raise WarehouseBusy(
                f"{self.abs_path}: in use by a run (DuckDB allows one writer); try again when "
                "it ends"
            ) from None
