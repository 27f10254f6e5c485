"""Loads landing files into typed `raw.*` views; rows that break a rule are quarantined.

DuckDB's own CSV reader does the parsing (it is far faster than going through
pandas and records malformed lines instead of failing). A file is read with its
columns typed; when a value does not read as its type, the file is read again as
text so the bad value is caught in its own row and column, never by a load that
fails as a whole: rows read = rows loaded + rows quarantined, always.

Every row read lands, typed and in file order, in `landed.*`, the rows a blocking rule
quarantined marked held; `raw.*` is a view of the rows not held, each numbered by its
place in the file (the landed rowid + 1). Numbering the rows as they land was a column
updated row by row, a pass over every row.
"""

from __future__ import annotations

import csv
import datetime as dt
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from data_quality import sql
from data_quality.contract import BY_FILE, LANDING_FILES, QUARANTINE_TABLE, LandingFile
from data_quality.expectations import ROW, Outcome, Rule
from data_quality.reuse import (
    LastLoad,
    Scan,
    carried_outcome,
    carry_queue,
    last_load,
    lines_in,
    load_sha256,
    record_failed,
    record_load,
    reuse_load,
    scan_after_read,
    scan_file,
)
from data_quality.review import ADMITTING
from data_quality.sql import ident, literal
from data_quality.validation import run_suite

QUARANTINE_DDL = f"""
CREATE SCHEMA IF NOT EXISTS quality;
CREATE TABLE IF NOT EXISTS {QUARANTINE_TABLE} (
    as_of_date DATE NOT NULL,
    file VARCHAR NOT NULL,
    row_number BIGINT,          -- data row in the file (1 = first row after the header)
    line_number BIGINT,         -- set instead for lines the CSV reader could not parse
    record_key VARCHAR,
    rule VARCHAR NOT NULL,
    severity VARCHAR NOT NULL,
    column_name VARCHAR,
    detail VARCHAR,
    raw_record VARCHAR          -- the row as read, JSON (a value not of its type: as text)
);
"""


class LandingError(ValueError):
    """A landing file that cannot be read at all (the message names the file and why)."""


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


# Data Loader writes RFC 4180 CSV: say so rather than let a damaged line mislead the sniffer.
DIALECT = "delim=',', quote='\"', escape='\"', header=true, auto_detect=false"


def _read_header(path: Path, spec: LandingFile | None = None) -> list[str]:
    """The header row, read with the csv module: no sniffing, so a damaged line further down
    cannot change how the file is parsed. A name the contract knows in another case (`ID`,
    `ownerid`) is read as the contract spells it; a byte-order mark is not part of a name."""
    try:
        with path.open(encoding="utf-8-sig", errors="replace", newline="") as f:
            header = next(csv.reader(f), [])
    except csv.Error as exc:
        raise LandingError(f"{path}: cannot read the header row ({exc})") from None
    known = {c.name.casefold(): c.name for c in spec.columns} if spec else {}
    header = [h.strip().lstrip("\ufeff") for h in header]
    header = [known.get(h.casefold(), h) for h in header]
    if not header or not any(header):
        raise LandingError(f"{path}: the first line is not a header row")
    duplicated = sorted({h for h in header if header.count(h) > 1})
    if duplicated:
        raise LandingError(f"{path}: duplicated column(s) {', '.join(duplicated)} in the header")
    # The loader's own columns: a file's column of the same name would shadow one.
    reserved = [h for h in header if h in (ROW, NOTED, PADDED, HELD)]
    if reserved:
        raise LandingError(f"{path}: column(s) {', '.join(reserved)} are reserved by the loader")
    return header


def _create_empty(con: duckdb.DuckDBPyConnection, spec: LandingFile) -> None:
    cols = ", ".join(f"{ident(c.name)} {c.type}" for c in spec.columns)
    held = f"{HELD} BOOLEAN DEFAULT false"
    con.execute(f"CREATE OR REPLACE TABLE {spec.landed_table} ({cols}, {held})")


def _relation_type(con, name: str) -> str | None:
    """'BASE TABLE', 'VIEW', or None when there is no such table or view."""
    schema, table = name.split(".")
    found = con.execute(
        "SELECT table_type FROM information_schema.tables WHERE table_catalog = "
        "current_database() AND table_schema = ? AND table_name = ?",
        [schema, table],
    ).fetchone()
    return found[0] if found else None


def _hold(con, spec: LandingFile, as_of: dt.date) -> None:
    """Marks held the landed rows a blocking rule caught in this run date's queue."""
    con.execute(
        f"UPDATE {spec.landed_table} SET {HELD} = true WHERE rowid IN (SELECT row_number - 1 "
        f"FROM {QUARANTINE_TABLE} WHERE file = ? AND as_of_date = ? AND severity = 'blocking' "
        f"AND row_number IS NOT NULL) AND NOT {HELD}",
        [spec.file, as_of],
    )


def _publish(con, spec: LandingFile) -> None:
    """`raw.*` as the view of the landed rows not held, numbered by rowid: each row's place
    in the file, as no row is ever deleted from a landed table (a checkpoint compacting a
    table with deleted rows moves the rows after them). Held rows are a column, not a join
    with the queue: a join under it made DuckDB's windows over the view (the activity
    marts) several times slower."""
    if _relation_type(con, spec.raw_table) == "BASE TABLE":  # loaded by an earlier version
        con.execute(f"DROP TABLE {spec.raw_table}")
    con.execute(
        f"CREATE OR REPLACE VIEW {spec.raw_table} AS SELECT * EXCLUDE ({HELD}), "
        f"rowid + 1 AS {ROW} FROM {spec.landed_table} WHERE NOT {HELD}"
    )


# A column of the loaded table, dropped at the end, noting a row's problems while it loads.
NOTED = "_noted"
# Whether trimming changes a row's text (a file read straight into its landed table).
PADDED = "_padded"
# Whether a blocking rule caught the landed row: it is not loaded (not in `raw.*`).
HELD = "_held"


def _read_csv(
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


def _as_contract(spec: LandingFile, header: list[str], unknown: list[str]) -> str:
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


def _trim(con, spec: LandingFile, header: list[str], noted: str) -> None:
    """Trims the text of the rows `noted` marks as padded (rare), in place; the `landing`
    view keeps them as read, for the review queue's records."""
    con.execute(
        "CREATE OR REPLACE TEMP TABLE landing_untrimmed AS SELECT * FROM landing_read "
        f"WHERE {ROW} IN (SELECT {ROW} FROM {noted} WHERE {PADDED})"
    )
    texts = [c for c in spec.columns if c.type == "VARCHAR" and c.name in header]
    if texts and con.execute("SELECT count(*) FROM landing_untrimmed").fetchone()[0]:
        trimmed = ", ".join(
            f"{ident(c.name)} = {_trim_text(ident(c.name), c.salesforce_id)}" for c in texts
        )
        con.execute(
            f"UPDATE {spec.landed_table} SET {trimmed} "
            f"WHERE rowid IN (SELECT {ROW} - 1 FROM landing_untrimmed)"
        )
    con.execute(
        f"CREATE OR REPLACE TEMP VIEW landing AS SELECT * FROM landing_read WHERE {ROW} NOT IN "
        f"(SELECT {ROW} FROM landing_untrimmed) UNION ALL SELECT * FROM landing_untrimmed"
    )


# Salesforce's checksum alphabet: the 18-character id appends, per 5-character chunk of the
# 15-character id, the letter at the number its capitals make (bit i: character i).
ID_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"


def _id_18(t: str) -> str:
    """A 15-character Salesforce id `t` as its 18-character form; other text as it is."""
    chunks = []
    for k in (0, 5, 10):
        bits = " + ".join(
            f"(CASE WHEN ascii(substr({t}, {k + i + 1}, 1)) BETWEEN 65 AND 90 THEN {1 << i} "
            "ELSE 0 END)"
            for i in range(5)
        )
        chunks.append(f"substr({literal(ID_ALPHABET)}, 1 + {bits}, 1)")
    return (
        f"CASE WHEN length({t}) = 15 AND regexp_full_match({t}, '[A-Za-z0-9]{{15}}') "
        f"THEN {t} || {' || '.join(chunks)} ELSE {t} END"
    )


def _trim_text(c: str, salesforce_id: bool = False) -> str:
    """What loading does to text: surrounding spaces go, and empty text is no value; a
    Salesforce id is stored in its 18-character form."""
    text = f"NULLIF(TRIM({c}), '')"
    return _id_18(text) if salesforce_id else text


def _may_trim(c: str, salesforce_id: bool = False) -> str:
    """Whether `_trim_text` may change the text `c`. TRIM strips the space and non-ASCII
    spaces, nothing else, so a value that neither starts nor ends with a space and is all
    ASCII is its own trim unless it is empty; `c < '!'` holds for empty text and for text
    starting with a space (or a control character: only a needless TRIM). Asked first, as
    TRIM copies every value longer than 12 bytes, and that copy was most of the check."""
    short = f" OR strlen({c}) = 15" if salesforce_id else ""
    return f"({c} < '!' OR ends_with({c}, ' ') OR strlen({c}) <> length({c}){short})"


def _trimmed(c: str, may_trim: str, salesforce_id: bool = False) -> str:
    """`_trim_text(c)`, computed only where `may_trim` (`_may_trim(c)`, or a column of it)."""
    return f"CASE WHEN {may_trim} THEN {_trim_text(c, salesforce_id)} ELSE {c} END"


def _padded(c: str, may_trim: str, trimmed: str) -> str:
    """Whether trimming changed the text `c` (to another value or to NULL), given its
    `_trimmed` value."""
    return f"({may_trim} AND {c} IS DISTINCT FROM {trimmed})"


def _key(spec: LandingFile, header: list[str], prefix: str = "") -> str:
    """The row's key as it arrived, for the review queue (NULL when the file lacks it)."""
    return f"{prefix}{ident(spec.key)}" if spec.key in header else "NULL"


def _record(spec: LandingFile, header: list[str], typed_read: bool, prefix: str = "") -> str:
    """The row as read, as JSON for the review queue: each value as its type where it reads
    as one, its text where it does not, so a row's record is the same whichever way its file
    was read (typed, or as text because another row had a bad value)."""
    types = {c.name: c.type for c in spec.columns}
    parts = [f"{literal(ROW)}, {prefix}{ROW}"]
    for name in header:
        column, type_ = f"{prefix}{ident(name)}", types.get(name, "VARCHAR")
        value = column
        if not typed_read and type_ != "VARCHAR":
            text = _trim_text(column)
            value = (
                f"CASE WHEN {text} IS NOT NULL THEN "
                f"coalesce(to_json({sql.try_cast(text, type_)}), to_json({column})) END"
            )
        parts.append(f"{literal(name)}, {value}")
    return f"json_object({', '.join(parts)})::VARCHAR"


def _narrowed(con, spec: LandingFile, rows: int) -> frozenset[str]:
    """The files `spec` references that hold more rows than its `rows`: their keys are
    narrowed to the file's values before they are looked up, as a hash table is built of
    the keys: a large file's keys cost more to hash than a small file's lookups save."""
    narrowed = set()
    for ref_file in {ref_file for _, ref_file, _ in spec.references}:
        [(keys,)] = con.execute(f"SELECT count(*) FROM {BY_FILE[ref_file].raw_table}").fetchall()
        if keys > rows:
            narrowed.add(ref_file)
    return frozenset(narrowed)


def _typed_rows(
    spec: LandingFile,
    header: list[str],
    unknown: list[str],
    as_of: dt.date,
    typed_read: bool,
    padded: bool = False,
    narrowed: frozenset[str] = frozenset(),
) -> str:
    """SELECT over the `landing` rows that gives every value its type once and notes each
    row's problems (rules broken, its key and the row as read) in a `NOTED` column, built
    only for the few rows that have any. With `typed_read` the reader gave each column its
    type already; else every value is text, cast here. Whether text may trim, trimmed text,
    typed values and each problem's condition are columns of inner queries, so that each
    is computed once, not once per use (the reference check's join ran twice).
    With `padded`, a `PADDED` column says whether trimming changes any of the row's text.
    The keys of the referenced files `narrowed` are first narrowed to the file's values."""
    may_trim, trimmed, cast, typed, problems = [], [], [], [], []
    # problems: (condition, rule, column, detail)
    changed = []  # a text value that trimming changes
    for i, c in enumerate(spec.columns):
        text, value, may, column = f"__t{i}", f"__v{i}", f"__m{i}", ident(c.name)
        if c.name not in header:
            typed.append(f"CAST(NULL AS {c.type}) AS {column}")
            continue
        if c.type == "VARCHAR" or not typed_read:
            may_trim.append(f"{_may_trim(column, c.salesforce_id)} AS {may}")
            trimmed.append(f"{_trimmed(column, may, c.salesforce_id)} AS {text}")
        if c.type == "VARCHAR":
            changed.append(_padded(column, may, text))
            value = text
        elif typed_read:  # an empty value read as NULL
            text = value = column
            if c.type == "DOUBLE":
                problems.append(
                    (f"NOT isfinite({column})", "invalid_type", c.name,
                     f"{c.name} is not a valid {c.type}")
                )  # fmt: skip
        else:
            cast.append(f"{sql.try_cast(text, c.type)} AS {value}")
            problems.append(
                (f"{text} IS NOT NULL AND {value} IS NULL", "invalid_type", c.name,
                 f"{c.name} is not a valid {c.type}")
            )  # fmt: skip
        typed.append(f"{value} AS {column}")
        if c.required:
            problems.append(
                (f"{text} IS NULL", "missing_required", c.name, f"{c.name} is required")
            )
        for referencing, ref_file, ref_column in spec.references:
            if referencing != c.name:
                continue
            ref = BY_FILE[ref_file]
            # A row pointing at a quarantined record is not dangling: it waits with it.
            known_keys = (
                f"SELECT {ident(ref_column)} FROM {ref.raw_table} UNION ALL SELECT record_key FROM "
                f"{QUARANTINE_TABLE} WHERE file = {literal(ref_file)} AND as_of_date = "
                f"DATE {literal(as_of.isoformat())} AND record_key IS NOT NULL"
            )
            if ref_file in narrowed:
                known_keys = (
                    f"SELECT k FROM ({known_keys}) AS known(k) "
                    f"WHERE k IN (SELECT {_trim_text(column, c.salesforce_id)} FROM landing)"
                )
            problems.append(
                (f"{text} IS NOT NULL AND {text} NOT IN ({known_keys})",
                 f"unknown_{ref.table.removesuffix('s')}", referencing,
                 f"{referencing} is not a {ref_file} {ref_column}")
            )  # fmt: skip
    typed += [ident(c) for c in unknown]
    flags = [f"{cond} AS __p{j}" for j, (cond, *_) in enumerate(problems)]
    noted = "NULL"
    if problems:
        cases = ", ".join(
            f"CASE WHEN __p{j} THEN {{'rule': {literal(rule)}, 'col': {literal(col)}, "
            f"'detail': {literal(detail)}}} END"
            for j, (_, rule, col, detail) in enumerate(problems)
        )
        noted = (
            f"CASE WHEN {' OR '.join(f'__p{j}' for j in range(len(problems)))} THEN "
            f"{{'problems': list_filter([{cases}], lambda x: x IS NOT NULL), "
            f"'key': {_key(spec, header)}, 'record': {_record(spec, header, typed_read)}}} END"
        )
    if padded:
        typed.append(f"({' OR '.join(changed) or 'false'}) AS {PADDED}")

    def more(extra: list[str]) -> str:
        return "".join(", " + e for e in extra)

    return (
        f"SELECT {', '.join(typed)}, {ROW}, {noted} AS {NOTED} FROM ("
        f"SELECT *{more(flags)} FROM (SELECT *{more(cast)} FROM ("
        f"SELECT *{more(trimmed)} FROM (SELECT *{more(may_trim)} FROM landing))))"
    )


LOADER_SOURCE = Path(__file__).read_text()  # a change to how files load re-reads them all


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
    those, unless a file it references was read in this run (see `data_quality.reuse`) or
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
    # Timestamps read with an offset are stored in UTC, and one without is taken as UTC.
    con.execute("SET TimeZone = 'UTC'")
    con.execute(QUARANTINE_DDL)
    load_sha = load_sha256(spec, rules, LOADER_SOURCE)
    present = path.is_file()
    last = last_load(con, spec, as_of, load_sha, rules) if may_reuse and present else None
    if last and _relation_type(con, spec.landed_table) is None:  # e.g. dropped by hand
        last = None
    # With a load to build on, the file's digest decides how to load it: it comes first.
    # Without one, it only labels this load for the next run and comes after the read,
    # which overlaps a cold file's disk reads with parsing where hashing first waited on
    # them.
    scan = scan_file(path, last.file_bytes) if last else None
    # Logged as failed before anything is touched, and replaced by the load's record only
    # once it is whole: a run killed anywhere in between leaves the mark, and the next run
    # reads the file again rather than build on tables this load half rewrote.
    record_failed(con, spec, as_of)
    report = None
    if last and scan.digest == last.file_digest:
        report = reuse_load(con, spec, as_of, last, LoadReport)
        _publish(con, spec)
    elif last and scan.appends_to(last):
        report = _read_file(con, spec, path, as_of, rules, required_file, (last, scan))
    if report is None:
        unread = path.stat() if present and not scan else None
        report = _read_file(con, spec, path, as_of, rules, required_file)
        scan = scan_after_read(path, unread) if unread else scan
    if _admit(con, spec, as_of, report):
        _publish(con, spec)
    record_load(con, spec, as_of, report, scan, load_sha)  # replaces the mark
    return report


def _admit(con, spec: LandingFile, as_of: dt.date, report: LoadReport) -> bool:
    """Loads the quarantined rows RevOps reintroduced or accepted (with the corrected value
    given, if any) and holds again those a later decision dismissed or retired: the latest
    decision on each item stands. Whether any row of the file was decided on."""
    decided = (
        con.execute(
            "SELECT count(*) FROM information_schema.tables "
            "WHERE table_schema = 'quality' AND table_name = 'review_decisions'"
        ).fetchone()[0]
        and con.execute(
            "SELECT record_key, decision, column_name, corrected_value FROM "
            "quality.review_decisions WHERE file = ? AND decided_on <= ? "
            "AND review_item_id IS NOT NULL "
            "QUALIFY row_number() OVER (PARTITION BY review_item_id ORDER BY decided_at DESC) = 1",
            [spec.file, as_of],
        ).fetchall()
    )
    if not decided:
        return False
    table, key = spec.landed_table, ident(spec.key)
    decided = [d for d in decided if d[0] is not None]  # items about a value hold no row
    admit = sorted({k for k, d, _, _ in decided if d in ADMITTING})
    hold = sorted({k for k, d, _, _ in decided if d not in ADMITTING} - set(admit))
    types = {c.name: c.type for c in spec.columns}
    for record_key, decision, column, value in decided:
        if decision == "reintroduce" and value is not None and column in types:
            # The value was checked against the column's type when it was recorded.
            con.execute(
                f"UPDATE {table} SET {ident(column)} = "
                f"{sql.try_cast(literal(value), types[column])} WHERE {key} = ?",
                [record_key],
            )
    con.execute(
        f"UPDATE {table} SET {HELD} = false WHERE {HELD} AND list_contains(?, {key})", [admit]
    )
    con.execute(
        f"UPDATE {table} SET {HELD} = true WHERE NOT {HELD} AND list_contains(?, {key}) "
        f"AND rowid IN (SELECT row_number - 1 FROM {QUARANTINE_TABLE} WHERE file = ? "
        "AND as_of_date = ? AND severity = 'blocking' AND row_number IS NOT NULL)",
        [hold, spec.file, as_of],
    )
    report.rows_admitted = con.execute(
        f"SELECT count(*) FROM {table} WHERE NOT {HELD} AND rowid IN (SELECT row_number - 1 "
        f"FROM {QUARANTINE_TABLE} WHERE file = ? AND as_of_date = ? AND severity = 'blocking' "
        "AND row_number IS NOT NULL)",
        [spec.file, as_of],
    ).fetchone()[0]
    report.rows_loaded = con.execute(f"SELECT count(*) FROM {table} WHERE NOT {HELD}").fetchone()[0]
    return True


class _NotAnAppend(Exception):
    """The last load cannot be built on: the new rows collide with old ones, or its landed
    table does not hold one row per row read. Only reading the whole file gives the answer."""


@contextmanager
def _new_part(path: Path, start: int | None) -> Iterator[Path]:
    """The file, or its header line and the bytes from `start` on as a file of their own."""
    if start is None:
        yield path
        return
    with path.open("rb") as f, tempfile.TemporaryDirectory() as folder:
        part = Path(folder) / path.name
        with part.open("wb") as out:
            out.write(f.readline())
            f.seek(start)
            shutil.copyfileobj(f, out)
        yield part


def _check_no_collision(con, spec, as_of, rules, clean, rows_before) -> None:
    """A value that must be unique may repeat one in the old rows: then both are caught,
    and an old row leaves the raw table; reading the whole file settles that exactly."""
    checked = [r.name for r in rules]
    for column in sorted({c for r in rules if r.spans_rows for c in r.columns}):
        spec_column = next(c for c in spec.columns if c.name == column)
        as_read = f"raw_record::JSON ->> {literal(column)}"
        old = (
            f"SELECT {ident(column)} FROM {spec.raw_table} UNION ALL "
            f"SELECT TRY_CAST({_trim_text(as_read, spec_column.salesforce_id)} AS "
            f"{spec_column.type}) "
            f"FROM {QUARANTINE_TABLE} WHERE file = ? AND as_of_date = ? AND row_number <= ? "
            "AND severity = 'blocking' AND list_contains(?, rule)"
        )
        repeats = con.execute(
            f"SELECT count(*) FROM (SELECT {ident(column)} AS v {clean}) WHERE v IN ({old})",
            [spec.file, as_of, rows_before, checked],
        ).fetchone()[0]
        if repeats:
            raise _NotAnAppend(column)


def _read_file(
    con, spec, path, as_of, rules, required_file, appending: tuple[LastLoad, Scan] | None = None
) -> LoadReport | None:
    """Reads the file, or with `appending` only the rows added since the last load (None
    when those rows collide with old ones: the caller reads the whole file instead)."""
    try:
        return _read(con, spec, path, as_of, rules, required_file, appending)
    except _NotAnAppend:
        return None
    finally:
        con.execute(
            "DROP VIEW IF EXISTS landing; DROP VIEW IF EXISTS landing_read; "
            "DROP TABLE IF EXISTS landing_file; "
            "DROP TABLE IF EXISTS landing_rows; DROP TABLE IF EXISTS landing_repeats; "
            "DROP TABLE IF EXISTS landing_untrimmed; DROP TABLE IF EXISTS landing_noted"
        )


def _read(con, spec, path, as_of, rules, required_file, appending) -> LoadReport:
    report = LoadReport(file=spec.file, table=spec.raw_table)
    for table in (spec.raw_table, spec.landed_table):
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {table.split('.')[0]}")
    if appending:
        last, scan = appending
        # The new rows are numbered on from the landed ones: one landed row per row read.
        (landed,) = con.execute(f"SELECT count(*) FROM {spec.landed_table}").fetchone()
        if landed != last.report["rows_read"]:
            raise _NotAnAppend(spec.landed_table)
        carry_queue(con, spec, last.as_of, as_of)
        report.appended_to = last.as_of
        # Rows and lines of the new part are numbered as in the whole file.
        rows_before = last.report["rows_read"]
    else:
        con.execute(
            f"DELETE FROM {QUARANTINE_TABLE} WHERE file = ? AND as_of_date = ?",
            [spec.file, as_of],
        )
        rows_before = 0
    if not path.is_file():
        if required_file:
            raise LandingError(f"{path}: required landing file not found")
        report.missing_file = True
        _create_empty(con, spec)
        _publish(con, spec)
        return report
    if path.stat().st_size == 0:
        raise LandingError(f"{path}: file is empty (expected a header row)")

    header = _read_header(path, spec)
    known = {c.name for c in spec.columns}
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
    report.unknown_columns = [c for c in header if c not in known]

    types = {c.name: c.type for c in spec.columns}
    with _new_part(path, last.file_bytes if appending else None) as source:
        # Typed first, as fast as DuckDB reads: when every value reads as its type, the
        # rules need no text, and a whole file is read straight into its landed table. A value
        # that does not reads the file again as text, so that each bad value is caught in
        # its own row and column.
        parsed = None if appending else _read_csv(
            con, path, source, header, types, spec.landed_table,
            _as_contract(spec, header, report.unknown_columns),
        )  # fmt: skip
        direct = parsed is not None
        if not direct:
            parsed = _read_csv(con, path, source, header, types)
        typed = parsed is not None
        if not typed:
            parsed = _read_csv(con, path, source, header, {})

    narrowed = _narrowed(con, spec, parsed)
    if direct:
        rows = _number(con, spec.landed_table)
        # Only the rows with a problem or padded text are noted, in a table of their own.
        noted = "landing_noted"
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {noted} AS SELECT {ROW}, {NOTED}, {PADDED} FROM ("
            + _typed_rows(spec, header, report.unknown_columns, as_of, typed, True, narrowed)
            + f") WHERE {NOTED} IS NOT NULL OR {PADDED}"
        )
        _trim(con, spec, header, noted)
        clean = (
            f"FROM {rows} WHERE {ROW} NOT IN (SELECT {ROW} FROM {noted} WHERE {NOTED} IS NOT NULL)"
        )
    else:
        rows = "landing_rows" if appending else spec.landed_table  # the new rows, or all
        con.execute(
            f"CREATE OR REPLACE TEMP VIEW landing AS SELECT rowid + {rows_before + 1} AS {ROW}, "
            "* FROM landing_file"
        )
        con.execute(
            f"CREATE OR REPLACE {'TEMP ' if appending else ''}TABLE {rows} AS "
            + _typed_rows(spec, header, report.unknown_columns, as_of, typed, narrowed=narrowed)
        )
        noted = rows
        clean = f"FROM {rows} WHERE {NOTED} IS NULL"
    con.execute(
        f"INSERT INTO {QUARANTINE_TABLE} SELECT ?, ?, {ROW}, NULL, {NOTED}.key, p.rule, "
        f"'blocking', p.col, p.detail, {NOTED}.record FROM {noted}, "
        f"unnest({NOTED}.problems) AS u(p) WHERE {NOTED} IS NOT NULL "
        f"ORDER BY {ROW}, p.rule, p.col",
        [as_of, spec.file],
    )
    # Lines before the new part: counted only when the reader rejected one of its lines.
    rejects = con.execute("SELECT count(*) FROM landing_rejects").fetchone()[0]
    lines_before = lines_in(path, last.file_bytes) - 1 if appending and rejects else 0
    con.execute(
        f"INSERT INTO {QUARANTINE_TABLE} SELECT ?, ?, NULL, line + {lines_before}, NULL, "
        "'malformed_csv', 'blocking', column_name, error_type || ': ' || error_message, "
        "csv_line FROM landing_rejects ORDER BY line",
        [as_of, spec.file],
    )
    if rules:
        if appending:
            _check_no_collision(con, spec, as_of, rules, clean, rows_before)
        outcome = run_suite(con, rules, rows, clean, spec.table)
        report.expectations = outcome
        if appending and last.report["summary"] is not None:
            before = carried_outcome(con, spec, as_of, last.report["summary"], rows_before)
            report.expectations = Outcome.combine([before, outcome])
        con.register("gx_failures", outcome.failures)
        con.execute(
            f"INSERT INTO {QUARANTINE_TABLE} SELECT ?, ?, f.{ROW}, NULL, "
            f"{_key(spec, header, 'l.')}, f.rule, f.severity, f.column, "
            "'failed expectation ' || f.rule, "
            f"{_record(spec, header, typed, 'l.')} FROM gx_failures f JOIN landing l "
            f"USING ({ROW}) "
            f"ORDER BY f.{ROW}, f.rule",
            [as_of, spec.file],
        )
        con.unregister("gx_failures")

    # Every row lands, quarantined or not, so that a row's rowid stays its place in the file;
    # warnings are reported in the queue and their rows load.
    if appending:
        con.execute(
            f"INSERT INTO {spec.landed_table} BY NAME SELECT * EXCLUDE ({ROW}, {NOTED}), "
            f"false AS {HELD} FROM {rows} ORDER BY {ROW}"
        )
    else:
        if not direct:
            con.execute(f"ALTER TABLE {rows} DROP COLUMN {NOTED}")
            con.execute(f"ALTER TABLE {rows} DROP COLUMN {ROW}")
        # Added after the read, a cheap change of the table: an empty column selected by
        # the read slows the read itself (bench.ingest shows by how much).
        con.execute(f"ALTER TABLE {spec.landed_table} ADD COLUMN {HELD} BOOLEAN DEFAULT false")
    _hold(con, spec, as_of)
    _publish(con, spec)
    report.rows_loaded = con.execute(f"SELECT count(*) FROM {spec.raw_table}").fetchone()[0]
    rejected = con.execute("SELECT count(DISTINCT line) FROM landing_rejects").fetchone()[0]
    report.rows_read = rows_before + parsed + rejected
    stats = con.execute(
        f"SELECT rule, count(DISTINCT coalesce(row_number, -line_number)) FROM {QUARANTINE_TABLE} "
        "WHERE file = ? AND as_of_date = ? AND severity = 'blocking' GROUP BY rule ORDER BY rule",
        [spec.file, as_of],
    ).fetchall()
    report.quarantined_by_rule = dict(stats)
    report.rows_quarantined = con.execute(
        f"SELECT count(DISTINCT coalesce(row_number, -line_number)) FROM {QUARANTINE_TABLE} "
        "WHERE file = ? AND as_of_date = ? AND severity = 'blocking'",
        [spec.file, as_of],
    ).fetchone()[0]
    return report
