"""Opening the warehouse to read it, for the commands people run while a run may write."""

from __future__ import annotations

from pathlib import Path

import duckdb


class WarehouseBusy(OSError):
    """Another process holds the warehouse (DuckDB allows one writer per file)."""


def open_read_only(warehouse: Path) -> duckdb.DuckDBPyConnection:
    """The warehouse for reading; one line, not a traceback, while a run writes it."""
    try:
        return duckdb.connect(str(warehouse), read_only=True)
    except (duckdb.IOException, duckdb.ConnectionException):  # another process / connection
        raise WarehouseBusy(
            f"{warehouse}: in use by a run (DuckDB allows one writer); try again when it ends"
        ) from None
