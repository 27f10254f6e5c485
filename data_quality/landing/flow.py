"""Loading the landing files: each file read whole, or only its appended rows, or its last
load reused (`reuse`), decided once per file; rows that break a rule quarantined.

A file is read with its columns typed; when a value does not read as its type, the file
is read again as text so the bad value is caught in its own row and column, never by a
load that fails as a whole: rows read = rows loaded + rows quarantined, always.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from data_quality import sql
from data_quality.contract import LANDING_FILES, LandingFile
from data_quality.expectations import ROW, Outcome, Rule
from data_quality.landing import checks, reader, reuse, store
from data_quality.landing.checks import NOTED, PADDED
from data_quality.landing.reader import LandingError
from data_quality.landing.store import HELD
from data_quality.sql import ident, literal
from data_quality.validation import run_suite

# The loader's own columns, which no file's may shadow.
RESERVED = (ROW, NOTED, PADDED, HELD)


@dataclass
class LoadReport:
    file: str
    table: str
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    rows_admitted: int = 0  # quarantined, yet loaded: RevOps reintroduced or accepted them
    quarantined_by_rule: dict[str, int] = field(default_factory=dict)
    unknown_columns: list[str] = field(default_factory=list)
    missing_file: bool = False
    expectations: Outcome | None = None
    reused_from: dt.date | None = None  # the run date whose load was reused (file unchanged)
    appended_to: dt.date | None = None  # the run date whose load the new rows were added to

    @property
    def reconciles(self) -> bool:
        return self.rows_read == self.rows_loaded + self.rows_quarantined - self.rows_admitted


@dataclass
class _Load:
    """One file's load under way: what each of its steps reads."""

    con: duckdb.DuckDBPyConnection
    spec: LandingFile
    path: Path
    as_of: dt.date
    rules: list[Rule] | None
    report: LoadReport

    @property
    def types(self) -> dict[str, str]:
        return {c.name: c.type for c in self.spec.columns}


class _NotAnAppend(Exception):
    """The last load cannot be built on: the new rows collide with old ones, or its landed
    table does not hold one row per row read. Only reading the whole file gives the answer."""


def load_landing_files(
    con: duckdb.DuckDBPyConnection,
    landing_dir: Path,
    as_of: dt.date,
    suites: dict[str, list[Rule]],
    required: set[str],
    reread_unchanged: bool = False,
) -> Iterator[tuple[LandingFile, LoadReport, float]]:
    """Loads every landing file in contract order: (spec, report, seconds) per file. A file
    whose bytes did not change reuses its last load, and one with rows appended reads only
    those, unless a file it references was read in this run (see `reuse`) or
    `reread_unchanged` is set."""
    reread: set[str] = set()
    for spec in LANDING_FILES:
        started = time.perf_counter()
        references_reread = any(ref in reread for _, ref, _ in spec.references)
        report = load_landing_file(
            con,
            spec,
            landing_dir,
            as_of,
            rules=suites[spec.table],
            required_file=spec.file in required,
            may_reuse=not (reread_unchanged or references_reread),
        )
        if report.reused_from is None:
            reread.add(spec.file)
        yield spec, report, time.perf_counter() - started


def load_landing_file(
    con: duckdb.DuckDBPyConnection,
    spec: LandingFile,
    landing_dir: Path,
    as_of: dt.date,
    rules: list[Rule] | None = None,
    required_file: bool = True,
    may_reuse: bool = False,
) -> LoadReport:
    """Loads one landing file into `spec.landed_table`, its view `spec.raw_table` without
    the rows that break a rule (they are quarantined).

    `rules` is an optional Great Expectations suite; rows failing its blocking rules are
    quarantined too. A missing optional file loads as an empty table. With `may_reuse`, an
    unchanged file keeps its last load and an appended one reads its new rows only (the
    queue items carried to this run date).
    """
    path = Path(landing_dir) / spec.file
    store.prepare(con)
    fingerprint = reuse.load_fingerprint(spec, rules)
    present = path.is_file()
    last = reuse.last_load(con, spec, as_of, fingerprint, rules) if may_reuse and present else None
    # With a load to build on, the file's digest decides how to load it: it comes first.
    # Without one, it only labels this load for the next run and comes after the read,
    # which overlaps a cold file's disk reads with parsing where hashing first waited on
    # them.
    scan = reuse.scan_file(path, last.file_bytes) if last else None
    # Logged as failed before anything is touched, and replaced by the load's record only
    # once it is whole: a run killed anywhere in between leaves the mark, and the next run
    # reads the file again rather than build on tables this load half rewrote.
    store.record_failed(con, spec, as_of)
    report = None
    if last and scan.digest == last.file_digest:
        report = reuse.reuse_load(con, spec, as_of, last, LoadReport)
        store.publish(con, spec)
    elif last and scan.appends_to(last):
        report = _scratch(_read_appended, con, spec, path, as_of, rules, last)
    if report is None:
        unread = path.stat() if present and not scan else None
        report = _scratch(_read_whole, con, spec, path, as_of, rules, required_file)
        scan = reuse.scan_after_read(path, unread) if unread else scan
    admitted = store.admit(con, spec, as_of)
    if admitted is not None:
        report.rows_admitted = admitted
        report.rows_loaded = store.loaded_rows(con, spec)
        store.publish(con, spec)
    digest, size = (scan.digest, scan.size) if scan else ("missing", None)
    store.record_load(con, spec, as_of, report, digest, size, fingerprint)  # replaces the mark
    return report


def _scratch(read, con, spec, path, as_of, rules, *args) -> LoadReport | None:
    """`read`'s report (None when an append cannot be built on), its temporary tables gone."""
    load = _Load(con, spec, path, as_of, rules, LoadReport(file=spec.file, table=spec.raw_table))
    store.create_schemas(con, spec)
    try:
        return read(load, *args)
    except _NotAnAppend:
        return None
    finally:
        store.drop_scratch(con)


def _read_whole(load: _Load, required_file: bool) -> LoadReport:
    """The whole file, its rows read straight into the landed table when every value reads
    as its type (rows typed, rules need no text: as fast as DuckDB reads); else read again
    as typed text or as text, so that each bad value is caught in its own row and column."""
    con, spec, path, report = load.con, load.spec, load.path, load.report
    store.clear_queue(con, spec, load.as_of)
    if not path.is_file():
        if required_file:
            raise LandingError(f"{path}: required landing file not found")
        report.missing_file = True
        store.create_empty(con, spec)
        store.publish(con, spec)
        return report
    if path.stat().st_size == 0:
        raise LandingError(f"{path}: file is empty (expected a header row)")
    header = _header(load)
    layout = _contract_layout(spec, header, report.unknown_columns)
    parsed = reader.read_csv(con, path, path, header, load.types, spec.landed_table, layout)
    if parsed is not None:
        rows = _number(con, spec.landed_table)
        # Only the rows with a problem or padded text are noted, in a table of their own.
        noted = "landing_noted"
        checked = checks.typed_rows(
            spec, header, report.unknown_columns, load.as_of, True, True,
            checks.narrowed_references(con, spec, parsed),
        )  # fmt: skip
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {noted} AS SELECT {ROW}, {NOTED}, {PADDED} FROM "
            f"({checked}) WHERE {NOTED} IS NOT NULL OR {PADDED}"
        )
        checks.trim_padded(con, spec, header, noted)
        clean = (
            f"FROM {rows} WHERE {ROW} NOT IN (SELECT {ROW} FROM {noted} WHERE {NOTED} IS NOT NULL)"
        )
        typed, typed_here = True, False
    else:
        parsed, typed = _parse(load, path, header)
        rows = noted = spec.landed_table
        _type_rows(load, header, typed, parsed, rows, first_row=1)
        clean = f"FROM {rows} WHERE {NOTED} IS NULL"
        typed_here = True
    store.quarantine_noted(con, spec, load.as_of, noted)
    store.quarantine_rejects(con, spec, load.as_of, 0)
    if load.rules:
        _run_rules(load, header, typed, rows, clean)
    # Every row lands, quarantined or not, so that a row's rowid stays its place in the file;
    # warnings are reported in the queue and their rows load.
    store.land_whole(con, spec, typed_here)
    return _finish(load, parsed)


def _read_appended(load: _Load, last: reuse.LastLoad) -> LoadReport:
    """Only the rows after the last load's bytes, numbered on from its rows and lines, the
    last load's queue items carried to this run date."""
    con, spec, path, report = load.con, load.spec, load.path, load.report
    # The new rows are numbered on from the landed ones: one landed row per row read.
    rows_before = last.report["rows_read"]
    if store.landed_rows(con, spec) != rows_before:
        raise _NotAnAppend(spec.landed_table)
    store.carry_queue(con, spec, last.as_of, load.as_of)
    report.appended_to = last.as_of
    header = _header(load)
    with reader.new_part(path, last.file_bytes) as part:
        parsed, typed = _parse(load, part, header)
    rows = "landing_rows"
    _type_rows(load, header, typed, parsed, rows, first_row=rows_before + 1)
    store.quarantine_noted(con, spec, load.as_of, rows)
    # Lines before the new part: counted only when the reader rejected one of its lines.
    lines_before = reuse.lines_in(path, last.file_bytes) - 1 if reader.rejected_lines(con) else 0
    store.quarantine_rejects(con, spec, load.as_of, lines_before)
    if load.rules:
        clean = f"FROM {rows} WHERE {NOTED} IS NULL"
        _check_no_collision(load, clean, rows_before)
        outcome = _run_rules(load, header, typed, rows, clean)
        if last.report["summary"] is not None:
            before = store.carried_outcome(
                con, spec, load.as_of, last.report["summary"], rows_before
            )
            report.expectations = Outcome.combine([before, outcome])
    store.land_appended(con, spec, rows)
    return _finish(load, rows_before + parsed)


def _header(load: _Load) -> list[str]:
    header = reader.contract_header(load.path, load.spec, RESERVED)
    known = {c.name for c in load.spec.columns}
    load.report.unknown_columns = [c for c in header if c not in known]
    return header


def _parse(load: _Load, source: Path, header: list[str]) -> tuple[int, bool]:
    """`source` into `landing_file` with its columns typed, or as text when a value does
    not read as its type: (rows read, whether typed)."""
    parsed = reader.read_csv(load.con, load.path, source, header, load.types)
    if parsed is not None:
        return parsed, True
    return reader.read_csv(load.con, load.path, source, header, {}), False


def _type_rows(load: _Load, header, typed: bool, parsed: int, rows: str, first_row: int) -> None:
    """`landing_file`'s rows, numbered from `first_row`, typed and noted into `rows` (a
    temporary table when it has no schema)."""
    con = load.con
    con.execute(
        f"CREATE OR REPLACE TEMP VIEW landing AS SELECT rowid + {first_row} AS {ROW}, "
        "* FROM landing_file"
    )
    narrowed = checks.narrowed_references(con, load.spec, parsed)
    select = checks.typed_rows(
        load.spec, header, load.report.unknown_columns, load.as_of, typed, narrowed=narrowed
    )
    temp = "" if "." in rows else "TEMP "
    con.execute(f"CREATE OR REPLACE {temp}TABLE {rows} AS {select}")


def _contract_layout(spec: LandingFile, header: list[str], unknown: list[str]) -> str:
    """The file's columns in the contract's order, a missing one as NULL of its type, then
    the columns the contract does not know (the landed table's layout)."""
    columns = [
        f"{sql.as_type(ident(c.name), c.type)} AS {ident(c.name)}"
        if c.name in header
        else f"CAST(NULL AS {c.type}) AS {ident(c.name)}"
        for c in spec.columns
    ]
    return ", ".join(columns + [ident(c) for c in unknown])


def _number(con, table: str) -> str:
    """The rows of a table read straight from its file, numbered: their order is the
    file's (DuckDB preserves insertion order), so a row's number is its rowid + 1. Stored,
    the numbers cost a pass over every row (~10% of reading the file)."""
    con.execute(
        f"CREATE OR REPLACE TEMP VIEW landing_read AS SELECT *, rowid + 1 AS {ROW} FROM {table}"
    )
    con.execute("CREATE OR REPLACE TEMP VIEW landing AS SELECT * FROM landing_read")
    return "landing_read"


def _run_rules(load: _Load, header, typed_read: bool, rows: str, clean: str) -> Outcome:
    """The suite over the rows `clean` selects, its failures quarantined."""
    spec = load.spec
    outcome = run_suite(load.con, load.rules, rows, clean, spec.table)
    load.report.expectations = outcome
    store.quarantine_failures(
        load.con, spec, load.as_of, outcome.failures,
        checks.record_key(spec, header, "l."), checks.record_json(spec, header, typed_read, "l."),
    )  # fmt: skip
    return outcome


def _check_no_collision(load: _Load, clean: str, rows_before: int) -> None:
    """A value that must be unique may repeat one in the old rows: then both are caught,
    and an old row leaves the raw table; reading the whole file settles that exactly."""
    checked = [r.name for r in load.rules]
    for column in sorted({c for r in load.rules if r.spans_rows for c in r.columns}):
        spec_column = next(c for c in load.spec.columns if c.name == column)
        as_read = f"raw_record::JSON ->> {literal(column)}"
        as_read = checks.trim_text(as_read, spec_column.salesforce_id)
        repeats = store.repeated_values(
            load.con, load.spec, load.as_of, column, as_read, clean, rows_before, checked
        )
        if repeats:
            raise _NotAnAppend(column)


def _finish(load: _Load, rows_parsed: int) -> LoadReport:
    """The caught rows held, `raw.*` published, the report's counts taken."""
    con, spec, report = load.con, load.spec, load.report
    store.hold(con, spec, load.as_of)
    store.publish(con, spec)
    report.rows_loaded = store.loaded_rows(con, spec)
    report.rows_read = rows_parsed + reader.rejected_lines(con)
    report.quarantined_by_rule, report.rows_quarantined = store.quarantined(con, spec, load.as_of)
    return report
