"""Resources: where the warehouse, the landing files and the rules file are.

Paths come from `dg.EnvVar`s bound in `defs/resources.py` and are resolved once,
absolutely, here: dbt runs in transforms/, so a relative path would otherwise
name a second warehouse file.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import duckdb
from pydantic import Field

from engagement.rules import Rules, load_rules


class Warehouse(dg.ConfigurableResource):
    """The DuckDB file every step writes to (one writer at a time: see config/dagster.yaml)."""

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
        Path(self.abs_path).parent.mkdir(parents=True, exist_ok=True)
        con = duckdb.connect(self.abs_path, config=self.connection_config)
        try:
            con.execute("SET enable_progress_bar = false")  # a session option, not a global one
            yield con
        finally:
            con.close()


class LandingFolder(dg.ConfigurableResource):
    """The folder the CRM exports and feeds land in."""

    path: str

    @property
    def abs_path(self) -> Path:
        return Path(self.path).expanduser().resolve()


class ExportFolder(dg.ConfigurableResource):
    """Where each run writes its CRM upsert file and per-rep change lists."""

    path: str
    url: str = Field(
        default="",
        description="Where the folder is served over http (`make dev` serves it), so the "
        "report link opens from the UI; a browser will not follow a file:// link there",
    )

    def link(self, file: Path) -> str:
        """The address of a file of the folder: served if the folder is, else the file's."""
        if self.url:
            return self.url.rstrip("/") + "/" + file.name
        return file.resolve().as_uri()

    @property
    def abs_path(self) -> Path:
        return Path(self.path).expanduser().resolve()


class RulesFile(dg.ConfigurableResource):
    """The rules of engagement; validated when a run starts, before any step does work."""

    path: str

    def load(self) -> Rules:
        return load_rules(Path(self.path).expanduser().resolve())

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        self.load()
