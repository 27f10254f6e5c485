"""The landing tables, their DDL, reads and writes: `landed.*` and its `raw.*` views, the
review queue's quarantine (`quality.quarantine`) and the load log (`quality.landing_loads`).

Every row read lands, typed and in file order, in `landed.*`, the rows a blocking rule
quarantined marked held; `raw.*` is a view of the rows not held, each numbered by its
place in the file (the landed rowid + 1), as no row is ever deleted from a landed table.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

import pandas as pd

from data_quality import sql
from data_quality.contract import QUARANTINE_TABLE, LandingFile
from data_quality.expectations import ROW, Outcome
from data_quality.landing.checks import NOTED
from data_quality.review import ADMITTING, Decision, admitted_keys, row_values_sql
from data_quality.sql import ident, literal

# Whether a blocking rule caught the landed row: it is not loaded (not in `raw.*`).
HELD = "_held"

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

LOADS_TABLE = "quality.landing_loads"
LOADS_ASSET_KEY = ["quality", "landing_loads"]
LOADS_DDL = f"""
CREATE TABLE IF NOT EXISTS {LOADS_TABLE} (
    file VARCHAR NOT NULL,
    as_of_date DATE NOT NULL,
    loaded_at TIMESTAMP NOT NULL,
    load_sha256 VARCHAR NOT NULL,   -- the load's fingerprint: contract, suite and code
    reused_from DATE,               -- set when the file was not read again
    report JSON NOT NULL,
    file_bytes BIGINT,
    appended_to DATE,               -- set when only the rows appended were read
    -- The file's XXH3-128 digest: it tells changed bytes from unchanged (an export is not
    -- crafted to collide), as the SHA-256 it replaced (file_sha256) did much faster.
    file_digest VARCHAR
);
"""

# The rows of this run date's queue a blocking rule caught: (file, as_of) as parameters.
_CAUGHT = (
    f"SELECT row_number - 1 FROM {QUARANTINE_TABLE} WHERE file = ? AND as_of_date = ? "
    "AND severity = 'blocking' AND row_number IS NOT NULL"
)
# The keys of those rows and the rules that caught them, for `review.admitted_keys`
# (both loaders): (file, as_of) as parameters.
KEYS_CAUGHT = (
    f"SELECT DISTINCT record_key, rule FROM {QUARANTINE_TABLE} WHERE file = ? "
    "AND as_of_date = ? AND severity = 'blocking' AND record_key IS NOT NULL"
)


def prepare(con) -> None:
    """The session and the tables every load writes to."""
    # Timestamps read with an offset are stored in UTC, and one without is taken as UTC.
    con.execute("SET TimeZone = 'UTC'")
    con.execute(QUARANTINE_DDL)
    con.execute(LOADS_DDL)


def relation_type(con, name: str) -> str | None:
    """'BASE TABLE', 'VIEW', or None when there is no such table or view."""
    schema, table = name.split(".")
    found = con.execute(
        "SELECT table_type FROM information_schema.tables WHERE table_catalog = "
        "current_database() AND table_schema = ? AND table_name = ?",
        [schema, table],
    ).fetchone()
    return found[0] if found else None


def create_schemas(con, spec: LandingFile) -> None:
    for table in (spec.raw_table, spec.landed_table):
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {table.split('.')[0]}")


def create_empty(con, spec: LandingFile) -> None:
    """The landed table of a missing optional file: no rows."""
    cols = ", ".join(f"{ident(c.name)} {c.type}" for c in spec.columns)
    held = f"{HELD} BOOLEAN DEFAULT false"
    con.execute(f"CREATE OR REPLACE TABLE {spec.landed_table} ({cols}, {held})")


def landed_rows(con, spec: LandingFile) -> int:
    return con.execute(f"SELECT count(*) FROM {spec.landed_table}").fetchone()[0]


def land_whole(con, spec: LandingFile, typed_here: bool) -> None:
    """The landed table read from the whole file, as it stays: without the loading
    columns of rows typed here (`typed_here`), with the held mark. The mark is added after
    the read, a cheap change of the table: an empty column selected by the read slows the
    read itself (bench.ingest shows by how much)."""
    if typed_here:
        con.execute(f"ALTER TABLE {spec.landed_table} DROP COLUMN {NOTED}")
        con.execute(f"ALTER TABLE {spec.landed_table} DROP COLUMN {ROW}")
    con.execute(f"ALTER TABLE {spec.landed_table} ADD COLUMN {HELD} BOOLEAN DEFAULT false")


def land_appended(con, spec: LandingFile, rows: str) -> None:
    """The new rows (`rows`, typed and noted) after the landed ones, in file order."""
    con.execute(
        f"INSERT INTO {spec.landed_table} BY NAME SELECT * EXCLUDE ({ROW}, {NOTED}), "
        f"false AS {HELD} FROM {rows} ORDER BY {ROW}"
    )


def hold(con, spec: LandingFile, as_of: dt.date) -> None:
    """Marks held the landed rows a blocking rule caught in this run date's queue."""
    con.execute(
        f"UPDATE {spec.landed_table} SET {HELD} = true WHERE rowid IN ({_CAUGHT}) AND NOT {HELD}",
        [spec.file, as_of],
    )


def publish(con, spec: LandingFile) -> None:
    """`raw.*` as the view of the landed rows not held, numbered by rowid: each row's place
    in the file, as no row is ever deleted from a landed table (a checkpoint compacting a
    table with deleted rows moves the rows after them). Held rows are a column, not a join
    with the queue: a join under it made DuckDB's windows over the view (the activity
    marts) several times slower."""
    if relation_type(con, spec.raw_table) == "BASE TABLE":  # loaded by an earlier version
        con.execute(f"DROP TABLE {spec.raw_table}")
    con.execute(
        f"CREATE OR REPLACE VIEW {spec.raw_table} AS SELECT * EXCLUDE ({HELD}), "
        f"rowid + 1 AS {ROW} FROM {spec.landed_table} WHERE NOT {HELD}"
    )


def loaded_rows(con, spec: LandingFile) -> int:
    return con.execute(f"SELECT count(*) FROM {spec.raw_table}").fetchone()[0]


def admit(con, spec: LandingFile, as_of: dt.date) -> int | None:
    """Loads the quarantined rows RevOps reintroduced or accepted (with the corrected value
    given, if any) or kept of several sharing a key, and holds again those a later decision
    dismissed or retired: the latest decision on each item stands. The rows so admitted,
    or None when no row of the file was decided on."""
    decided = (
        relation_type(con, "quality.review_decisions")
        and con.execute(
            "SELECT record_key, decision, column_name, corrected_value, kept_row FROM "
            "quality.review_decisions WHERE file = ? AND decided_on <= ? "
            "AND review_item_id IS NOT NULL "
            "QUALIFY row_number() OVER (PARTITION BY review_item_id ORDER BY decided_at DESC) = 1",
            [spec.file, as_of],
        ).fetchall()
    )
    if not decided:
        return None
    table, key = spec.landed_table, ident(spec.key)
    decided = [d for d in decided if d[0] is not None]  # items about a value hold no row
    caught = con.execute(KEYS_CAUGHT, [spec.file, as_of]).fetchall()
    admitted = admitted_keys([d[:2] for d in decided], caught)
    held = sorted({d[0] for d in decided if d[1] not in ADMITTING} - set(admitted))
    types = {c.name: c.type for c in spec.columns}
    for record_key, decision, column, value, _ in decided:
        if decision == "reintroduce" and value is not None and column in types:
            # The value was checked against the column's type when it was recorded.
            con.execute(
                f"UPDATE {table} SET {ident(column)} = "
                f"{sql.try_cast(literal(value), types[column])} WHERE {key} = ?",
                [record_key],
            )
    con.execute(
        f"UPDATE {table} SET {HELD} = false WHERE {HELD} AND list_contains(?, {key})", [admitted]
    )
    con.execute(
        f"UPDATE {table} SET {HELD} = true WHERE NOT {HELD} AND list_contains(?, {key}) "
        f"AND rowid IN ({_CAUGHT})",
        [held, spec.file, as_of],
    )
    for record_key, decision, _, _, kept_row in decided:
        if decision == Decision.keep:
            # The first row of the key with the kept values (a row twice, byte for byte,
            # loads once).
            con.execute(
                f"UPDATE {table} SET {HELD} = false WHERE rowid = ("
                f"SELECT min(row_number) - 1 FROM {QUARANTINE_TABLE} WHERE file = ? "
                "AND as_of_date = ? AND severity = 'blocking' AND record_key = ? "
                f"AND {row_values_sql('raw_record')} = ?)",
                [spec.file, as_of, record_key, kept_row],
            )
    return con.execute(
        f"SELECT count(*) FROM {table} WHERE NOT {HELD} AND rowid IN ({_CAUGHT})",
        [spec.file, as_of],
    ).fetchone()[0]


# The review queue


def clear_queue(con, spec: LandingFile, as_of: dt.date) -> None:
    con.execute(
        f"DELETE FROM {QUARANTINE_TABLE} WHERE file = ? AND as_of_date = ?", [spec.file, as_of]
    )


def quarantine_noted(con, spec: LandingFile, as_of: dt.date, noted: str) -> None:
    """Each problem `typed_rows` noted on a row of `noted`, as an item of the queue."""
    con.execute(
        f"INSERT INTO {QUARANTINE_TABLE} SELECT ?, ?, {ROW}, NULL, {NOTED}.key, p.rule, "
        f"'blocking', p.col, p.detail, {NOTED}.record FROM {noted}, "
        f"unnest({NOTED}.problems) AS u(p) WHERE {NOTED} IS NOT NULL "
        f"ORDER BY {ROW}, p.rule, p.col",
        [as_of, spec.file],
    )


def quarantine_rejects(con, spec: LandingFile, as_of: dt.date, lines_before: int) -> None:
    """The lines the reader could not parse, numbered after the `lines_before` not read:
    one item a line (the reader may find several errors in one), its errors in the detail
    with the column each names."""
    con.execute(
        f"INSERT INTO {QUARANTINE_TABLE} SELECT ?, ?, NULL, line + {lines_before}, NULL, "
        "'malformed_csv', 'blocking', NULL, string_agg(error_type || coalesce(' (column ' || "
        "column_name || ')', '') || ': ' || error_message, '; ' ORDER BY error_type, "
        "column_name), max(csv_line) FROM landing_rejects GROUP BY line ORDER BY line",
        [as_of, spec.file],
    )


def quarantine_failures(
    con, spec: LandingFile, as_of: dt.date, failures: pd.DataFrame, key: str, record: str
) -> None:
    """The rows a suite failed, with their key and record as read (`key`, `record`: SQL
    over the read rows as `l`)."""
    con.register("gx_failures", failures)
    try:
        con.execute(
            f"INSERT INTO {QUARANTINE_TABLE} SELECT ?, ?, f.{ROW}, NULL, {key}, f.rule, "
            "f.severity, f.column, 'failed expectation ' || f.rule, "
            f"{record} FROM gx_failures f JOIN landing l USING ({ROW}) ORDER BY f.{ROW}, f.rule",
            [as_of, spec.file],
        )
    finally:
        con.unregister("gx_failures")


def repeated_values(con, spec: LandingFile, as_of, column, trimmed_record, clean, rows_before,
                    rules: list[str]) -> int:  # fmt: skip
    """The values of `column` in the rows `clean` selects that repeat one of the rows
    before `rows_before`, loaded or caught by one of `rules`."""
    as_type = next(c.type for c in spec.columns if c.name == column)
    old = (
        f"SELECT {ident(column)} FROM {spec.raw_table} UNION ALL "
        f"SELECT TRY_CAST({trimmed_record} AS {as_type}) "
        f"FROM {QUARANTINE_TABLE} WHERE file = ? AND as_of_date = ? AND row_number <= ? "
        "AND severity = 'blocking' AND list_contains(?, rule)"
    )
    return con.execute(
        f"SELECT count(*) FROM (SELECT {ident(column)} AS v {clean}) WHERE v IN ({old})",
        [spec.file, as_of, rows_before, rules],
    ).fetchone()[0]


def quarantined(con, spec: LandingFile, as_of: dt.date) -> tuple[dict[str, int], int]:
    """The rows (or lines) a blocking rule caught: by rule, and in all."""
    counted = "count(DISTINCT coalesce(row_number, -line_number))"
    where = "WHERE file = ? AND as_of_date = ? AND severity = 'blocking'"
    by_rule = con.execute(
        f"SELECT rule, {counted} FROM {QUARANTINE_TABLE} {where} GROUP BY rule ORDER BY rule",
        [spec.file, as_of],
    ).fetchall()
    (total,) = con.execute(
        f"SELECT {counted} FROM {QUARANTINE_TABLE} {where}", [spec.file, as_of]
    ).fetchone()
    return dict(by_rule), total


def carry_queue(con, spec: LandingFile, previous: dt.date, as_of: dt.date) -> None:
    """The previous load's review-queue items, as this run date's."""
    if previous == as_of:
        return
    clear_queue(con, spec, as_of)
    con.execute(
        f"INSERT INTO {QUARANTINE_TABLE} SELECT * REPLACE (CAST(? AS DATE) AS as_of_date) "
        f"FROM {QUARANTINE_TABLE} WHERE file = ? AND as_of_date = ? "
        "ORDER BY coalesce(row_number, line_number), rule, column_name",
        [as_of, spec.file, previous],
    )


def carried_outcome(con, spec, as_of, summary: list[dict], up_to_row: int) -> Outcome:
    """The suite's outcome on the rows of the last load, from its carried queue items."""
    failures = con.execute(
        f"SELECT row_number AS {ROW}, rule, severity, column_name AS column "
        f"FROM {QUARANTINE_TABLE} WHERE file = ? AND as_of_date = ? "
        "AND list_contains(?, rule) AND row_number <= ? ORDER BY row_number, rule",
        [spec.file, as_of, [item["rule"] for item in summary], up_to_row],
    ).df()
    return Outcome(failures, [dict(item) for item in summary])


def caught_by(con, spec: LandingFile, as_of: dt.date, rules: list[str]) -> int:
    """The queue items of the run date's load from `rules`."""
    return con.execute(
        f"SELECT count(*) FROM {QUARANTINE_TABLE} WHERE file = ? AND as_of_date = ? "
        "AND list_contains(?, rule)",
        [spec.file, as_of, rules],
    ).fetchone()[0]


def queue_items(con, as_of: dt.date) -> int:
    """The run date's review-queue items, of every file."""
    return con.execute(
        f"SELECT count(*) FROM {QUARANTINE_TABLE} WHERE as_of_date = ?", [as_of]
    ).fetchone()[0]


def write_reference(con, key: list[str], frame: pd.DataFrame) -> None:
    """A reference table staging joins to (`key`: schema and table), replaced whole."""
    schema, table = key
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {ident(schema)}")
    con.register("reference_frame", frame)
    try:
        name = f"{ident(schema)}.{ident(table)}"
        con.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM reference_frame")
    finally:
        con.unregister("reference_frame")


# The load log


def report_json(report) -> str:
    fields = {
        f.name: getattr(report, f.name)
        for f in dataclasses.fields(report)
        if f.name not in ("expectations", "reused_from", "appended_to")
    }
    fields["summary"] = report.expectations.summary if report.expectations else None
    return json.dumps(fields, default=str)


def record_load(con, spec, as_of, report, digest: str, size: int | None, fingerprint) -> None:
    """The finished load's record, in place of the mark `record_failed` left when it
    started: in one transaction, so the log holds one or the other."""
    con.execute("BEGIN TRANSACTION")
    con.execute(
        f"DELETE FROM {LOADS_TABLE} WHERE file = ? AND as_of_date = ? AND file_digest = 'failed'",
        [spec.file, as_of],
    )
    if report.reused_from == as_of:
        # The date run again on the same bytes: its load stands, with what a review decision
        # admitted since; a date's log does not depend on how many times it ran.
        con.execute(
            f"UPDATE {LOADS_TABLE} SET report = ? WHERE file = ? AND as_of_date = ? "
            f"AND loaded_at = (SELECT max(loaded_at) FROM {LOADS_TABLE} "
            "WHERE file = ? AND as_of_date = ?)",
            [report_json(report), spec.file, as_of, spec.file, as_of],
        )
        con.execute("COMMIT")
        return
    if report.reused_from is None and report.appended_to is None:
        # A whole read supersedes the date's earlier loads of the file (only the latest date
        # can be run again, so no later load builds on them).
        con.execute(
            f"DELETE FROM {LOADS_TABLE} WHERE file = ? AND as_of_date = ?", [spec.file, as_of]
        )
    con.execute(
        f"INSERT INTO {LOADS_TABLE} BY NAME SELECT ? AS file, ? AS as_of_date, "
        "now()::TIMESTAMP AS loaded_at, ? AS file_digest, ? AS load_sha256, ? AS reused_from, "
        "? AS report, ? AS file_bytes, ? AS appended_to",
        [
            spec.file,
            as_of,
            digest,
            fingerprint,
            report.reused_from,
            report_json(report),
            size,
            report.appended_to,
        ],
    )
    con.execute("COMMIT")


def record_failed(con, spec, as_of) -> None:
    """Half a load: whatever comes next must read the file again."""
    con.execute(
        f"INSERT INTO {LOADS_TABLE} BY NAME SELECT ? AS file, ? AS as_of_date, "
        "now()::TIMESTAMP AS loaded_at, 'failed' AS file_digest, '' AS load_sha256, "
        "'{}' AS report",
        [spec.file, as_of],
    )


def latest_load(con, spec: LandingFile) -> tuple | None:
    """(as_of_date, file_digest, fingerprint, file_bytes, report) of the file's last load."""
    return con.execute(
        f"SELECT as_of_date, file_digest, load_sha256, file_bytes, report FROM {LOADS_TABLE} "
        "WHERE file = ? ORDER BY loaded_at DESC LIMIT 1",
        [spec.file],
    ).fetchone()


def drop_scratch(con) -> None:
    """The temporary tables and views a read leaves."""
    con.execute(
        "DROP VIEW IF EXISTS landing; DROP VIEW IF EXISTS landing_read; "
        "DROP TABLE IF EXISTS landing_file; "
        "DROP TABLE IF EXISTS landing_rows; DROP TABLE IF EXISTS landing_repeats; "
        "DROP TABLE IF EXISTS landing_untrimmed; DROP TABLE IF EXISTS landing_noted"
    )
