"""Reading a landing file: its header with the csv module, its rows with DuckDB's reader.

DuckDB's reader is far faster than going through pandas, and records the lines it could
not parse (`landing_rejects`) instead of failing the whole read.
"""

from __future__ import annotations

import csv
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from data_quality import sql
from data_quality.contract import LandingFile
from data_quality.sql import ident, literal


class LandingError(ValueError):
    """A landing file that cannot be read at all (the message names the file and why)."""


# Data Loader writes RFC 4180 CSV: say so rather than let a damaged line mislead the sniffer.
DIALECT = "delim=',', quote='\"', escape='\"', header=true, auto_detect=false"


def read_header(path: Path, spec: LandingFile, reserved: tuple[str, ...]) -> list[str]:
    """The header row, read with the csv module: no sniffing, so a damaged line further down
    cannot change how the file is parsed. A name the contract knows in another case (`ID`,
    `ownerid`) is read as the contract spells it; a byte-order mark is not part of a name.
    The loader's own columns (`reserved`) may not be a file's: they would shadow it."""
    try:
        with path.open(encoding="utf-8-sig", errors="replace", newline="") as f:
            header = next(csv.reader(f), [])
    except csv.Error as exc:
        raise LandingError(f"{path}: cannot read the header row ({exc})") from None
    known = {c.name.casefold(): c.name for c in spec.columns}
    header = [h.strip().lstrip("\ufeff") for h in header]
    header = [known.get(h.casefold(), h) for h in header]
    if not header or not any(header):
        raise LandingError(f"{path}: the first line is not a header row")
    duplicated = sorted({h for h in header if header.count(h) > 1})
    if duplicated:
        raise LandingError(f"{path}: duplicated column(s) {', '.join(duplicated)} in the header")
    shadowing = [h for h in header if h in reserved]
    if shadowing:
        raise LandingError(f"{path}: column(s) {', '.join(shadowing)} are reserved by the loader")
    return header


def contract_header(path: Path, spec: LandingFile, reserved: tuple[str, ...]) -> list[str]:
    """The header, refused in one line when it lacks a column the contract needs."""
    header = read_header(path, spec, reserved)
    missing = [c.name for c in spec.columns if c.required and c.name not in header]
    if missing:
        raise LandingError(
            f"{path}: missing required column(s) {', '.join(missing)}; header is {header}"
        )
    missing = [c.name for c in spec.columns if c.in_header and c.name not in header]
    if missing:
        raise LandingError(
            f"{path}: missing column(s) {', '.join(missing)} (blank values are allowed, the "
            f"column is not: without it the run would decide differently); header is {header}"
        )
    return header


def read_csv(
    con,
    path: Path,
    source: Path,
    header: list[str],
    types: dict[str, str],
    table: str = "landing_file",
    select: str = "*",
) -> int | None:
    """Reads `source` into `table` (temporary when it has no schema), each column as its
    type in `types` (text otherwise), selecting `select`: the rows read, or None when a
    value did not read as its type; lines the reader could not parse are in
    `landing_rejects` either way."""
    # DuckDB's rejects tables accumulate over a connection's scans: start each read clean.
    con.execute("DROP TABLE IF EXISTS landing_rejects; DROP TABLE IF EXISTS landing_scans")
    typed = (f"{literal(h)}: {literal(sql.read_as(types.get(h, 'VARCHAR')))}" for h in header)
    columns = "{" + ", ".join(typed) + "}"
    reader = (
        f"read_csv({literal(str(source))}, {DIALECT}, columns={columns}, store_rejects=true, "
        "rejects_table='landing_rejects', rejects_scan='landing_scans')"
    )
    converted = [h for h in header if sql.as_type(h, types.get(h, "VARCHAR")) != h]
    if select == "*" and converted:
        select = (
            "* REPLACE ("
            + ", ".join(f"{sql.as_type(ident(h), types[h])} AS {ident(h)}" for h in converted)
            + ")"
        )
    # Rows keep the file's order (DuckDB preserves insertion order), so the row number is
    # the rowid: numbering with a window function would cost a second pass over the file.
    try:
        temp = "" if "." in table else "TEMP "
        statement = f"CREATE OR REPLACE {temp}TABLE {table} AS SELECT {select} FROM {reader}"
        (rows,) = con.execute(statement).fetchone()
    except duckdb.Error as exc:  # e.g. line endings mixed within the file
        raise LandingError(f"{path}: cannot be read as CSV ({exc})") from None
    if con.execute("SELECT count(*) FROM landing_rejects WHERE error_type = 'CAST'").fetchone()[0]:
        con.execute(f"DROP TABLE {table}")
        return None
    return rows


def rejected_lines(con) -> int:
    """The lines the last read could not parse."""
    return con.execute("SELECT count(DISTINCT line) FROM landing_rejects").fetchone()[0]


@contextmanager
def new_part(path: Path, start: int) -> Iterator[Path]:
    """The file's header line and its bytes from `start` on, as a file of their own."""
    with path.open("rb") as f, tempfile.TemporaryDirectory() as folder:
        part = Path(folder) / path.name
        with part.open("wb") as out:
            out.write(f.readline())
            f.seek(start)
            shutil.copyfileobj(f, out)
        yield part
