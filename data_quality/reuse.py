"""What changed in a landing file since it was last loaded, and what of that load holds.

Most of a day's export is yesterday's: accounts and contacts unchanged, activities with a
day of rows appended. Reading it all again costs seconds per million rows and yields the
same rows. The last load is kept when the result is identical to reading the file again:

- the contract, the suite and the code that loads are the same,
- the files it references were not re-read in this run (their keys may have changed),
- the run date is not earlier, and no row was caught by a rule whose threshold moves
  with the run date ("not in the future"): a later date can only pass more rows, so
  with none caught there is nothing to release;

and then either the file's bytes are the same (their XXH3-128 digest, not the modification
time): the load is reused; or the old file is a prefix of the new one, ending a line, with
no line the reader rejected: only the new rows are read, validated and appended (see
`data_quality.ingest`). Either way the review-queue items are carried to the new date,
so the queue reads as after a fresh load. A test holds both equal to a full refresh.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import inspect
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import xxhash

from data_quality import contract, expectations, sql, validation
from data_quality.contract import QUARANTINE_TABLE, LandingFile
from data_quality.expectations import ROW, Outcome, Rule

LOADS_TABLE = "quality.landing_loads"
LOADS_ASSET_KEY = ["quality", "landing_loads"]
LOADS_DDL = f"""
CREATE TABLE IF NOT EXISTS {LOADS_TABLE} (
    file VARCHAR NOT NULL,
    as_of_date DATE NOT NULL,
    loaded_at TIMESTAMP NOT NULL,
    load_sha256 VARCHAR NOT NULL,   -- contract, suite and loading code
    reused_from DATE,               -- set when the file was not read again
    report JSON NOT NULL
);
ALTER TABLE {LOADS_TABLE} ADD COLUMN IF NOT EXISTS file_bytes BIGINT;
ALTER TABLE {LOADS_TABLE} ADD COLUMN IF NOT EXISTS appended_to DATE;
-- The file's XXH3-128 digest: it tells changed bytes from unchanged (an export is not
-- crafted to collide), as the SHA-256 it replaced (file_sha256) did at a fifth of the
-- speed; loads logged with that are read again once.
ALTER TABLE {LOADS_TABLE} ADD COLUMN IF NOT EXISTS file_digest VARCHAR;
ALTER TABLE {LOADS_TABLE} DROP COLUMN IF EXISTS file_sha256;
"""
BLOCK = 2**20


@dataclass(frozen=True)
class LastLoad:
    as_of: dt.date
    file_digest: str
    file_bytes: int
    report: dict


@dataclass(frozen=True)
class Scan:
    """One pass over a file: its digest, and the digest of its first `prefix_bytes` bytes."""

    digest: str
    size: int
    prefix_digest: str | None = None
    prefix_ends_line: bool = False

    def appends_to(self, last: LastLoad) -> bool:
        return (
            self.size > last.file_bytes
            and self.prefix_digest == last.file_digest
            and self.prefix_ends_line
            and not last.report["missing_file"]
            and not last.report["quarantined_by_rule"].get("malformed_csv")
        )


def _blocks(path: Path) -> Iterator[memoryview]:
    """The file in blocks of one buffer filled again and again: a new bytes object per
    block cost more than hashing it."""
    buffer = bytearray(BLOCK)
    view = memoryview(buffer)
    with path.open("rb") as f:
        while size := f.readinto(buffer):
            yield view[:size]


def scan_file(path: Path, prefix_bytes: int | None = None) -> Scan:
    whole, prefix, last_byte, read = xxhash.xxh3_128(), None, b"", 0
    for block in _blocks(path):
        if prefix_bytes is not None and prefix is None and read + len(block) >= prefix_bytes:
            head = block[: prefix_bytes - read]
            whole.update(head)
            prefix = whole.copy()
            last_byte = bytes(head[-1:]) if len(head) else last_byte
            whole.update(block[len(head) :])
        else:
            whole.update(block)
            if prefix is None:  # the prefix's last byte, not the file's
                last_byte = bytes(block[-1:])
        read += len(block)
    if prefix_bytes == 0:
        prefix = xxhash.xxh3_128()
    return Scan(whole.hexdigest(), read, prefix.hexdigest() if prefix else None, last_byte == b"\n")


def scan_after_read(path: Path, before: os.stat_result) -> Scan:
    """The scan of a file read since `before` (its stat then). A file that changed in the
    meantime (its size or modification time) gets a digest no file has: the next run then
    reads it again, where the digest of the new bytes would have it reuse a load of the
    old ones."""
    scan = scan_file(path)
    now = path.stat()
    if (now.st_size, now.st_mtime_ns) != (before.st_size, before.st_mtime_ns):
        return dataclasses.replace(scan, digest="changed while it was read")
    return scan


def lines_in(path: Path, size: int) -> int:
    """Newlines in the first `size` bytes of the file: the header and the rows before."""
    lines, read = 0, 0
    for block in _blocks(path):
        lines += bytes(block[: size - read]).count(b"\n")
        read += len(block)
        if read >= size:
            break
    return lines


def load_sha256(spec: LandingFile, rules: list[Rule], loader_source: str) -> str:
    """What decides a load's result besides the file and the run date."""
    suite = [(r.name, r.expectation, r.blocking, r.undated_kwargs) for r in rules or []]
    parts = [
        repr(spec),
        json.dumps(suite, sort_keys=True, default=str),
        loader_source,
        inspect.getsource(contract),
        inspect.getsource(expectations),
        inspect.getsource(validation),
        inspect.getsource(sql),
    ]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def report_json(report) -> str:
    fields = {
        f.name: getattr(report, f.name)
        for f in dataclasses.fields(report)
        if f.name not in ("expectations", "reused_from", "appended_to")
    }
    fields["summary"] = report.expectations.summary if report.expectations else None
    return json.dumps(fields, default=str)


def record_load(con, spec, as_of, report, scan: Scan | None, load_sha: str) -> None:
    """The finished load's record, in place of the mark `record_failed` left when it
    started: in one transaction, so the log holds one or the other."""
    con.execute(LOADS_DDL)
    con.execute("BEGIN TRANSACTION")
    con.execute(
        f"DELETE FROM {LOADS_TABLE} WHERE file = ? AND as_of_date = ? AND file_digest = 'failed'",
        [spec.file, as_of],
    )
    con.execute(
        f"INSERT INTO {LOADS_TABLE} BY NAME SELECT ? AS file, ? AS as_of_date, "
        "now()::TIMESTAMP AS loaded_at, ? AS file_digest, ? AS load_sha256, ? AS reused_from, "
        "? AS report, ? AS file_bytes, ? AS appended_to",
        [
            spec.file,
            as_of,
            scan.digest if scan else "missing",
            load_sha,
            report.reused_from,
            report_json(report),
            scan.size if scan else None,
            report.appended_to,
        ],
    )
    con.execute("COMMIT")


def record_failed(con, spec, as_of) -> None:
    """Half a load: whatever comes next must read the file again."""
    con.execute(LOADS_DDL)
    con.execute(
        f"INSERT INTO {LOADS_TABLE} BY NAME SELECT ? AS file, ? AS as_of_date, "
        "now()::TIMESTAMP AS loaded_at, 'failed' AS file_digest, '' AS load_sha256, "
        "'{}' AS report",
        [spec.file, as_of],
    )


def last_load(con, spec, as_of, load_sha, rules) -> LastLoad | None:
    """The file's last load, when building on it gives what reading the file would."""
    con.execute(LOADS_DDL)
    last = con.execute(
        f"SELECT as_of_date, file_digest, load_sha256, file_bytes, report FROM {LOADS_TABLE} "
        "WHERE file = ? ORDER BY loaded_at DESC LIMIT 1",
        [spec.file],
    ).fetchone()
    if last is None or last[2] != load_sha or last[0] > as_of or last[3] is None:
        return None
    dated = [r.name for r in rules or [] if r.dated]
    if dated:
        caught = con.execute(
            f"SELECT count(*) FROM {QUARANTINE_TABLE} WHERE file = ? AND as_of_date = ? "
            "AND list_contains(?, rule)",
            [spec.file, last[0], dated],
        ).fetchone()[0]
        if caught:
            return None
    return LastLoad(last[0], last[1], last[3], json.loads(last[4]))


def carry_queue(con, spec, previous: dt.date, as_of: dt.date) -> None:
    """The previous load's review-queue items, as this run date's."""
    if previous == as_of:
        return
    con.execute(
        f"DELETE FROM {QUARANTINE_TABLE} WHERE file = ? AND as_of_date = ?", [spec.file, as_of]
    )
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


def reuse_load(con, spec, as_of, last: LastLoad, report_type):
    """The last load's report, its queue items carried to `as_of`."""
    carry_queue(con, spec, last.as_of, as_of)
    saved = dict(last.report)
    summary = saved.pop("summary")
    report = report_type(**saved)
    report.reused_from = last.as_of
    if summary is not None:
        report.expectations = carried_outcome(con, spec, as_of, summary, report.rows_read)
    return report
