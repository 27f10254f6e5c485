"""What changed in a landing file since it was last loaded, and what of that load holds.

Most of a day's export is yesterday's: accounts and contacts unchanged, activities with a
day of rows appended. Reading it all again costs seconds per million rows and yields the
same rows. The last load is kept when the result is identical to reading the file again:

- the contract, the suite and the loader's version (`LOADER_VERSION`) are the same,
- the files it references were not re-read in this run (their keys may have changed),
- the run date is not earlier, and no row was caught by a rule whose threshold moves
  with the run date ("not in the future"): a later date can only pass more rows, so
  with none caught there is nothing to release;

and then either the file's bytes are the same (their XXH3-128 digest, not the modification
time): the load is reused; or the old file is a prefix of the new one, ending a line, with
no line the reader rejected: only the new rows are read, validated and appended (see
`data_quality.landing.flow`). Either way the review-queue items are carried to the new date,
so the queue reads as after a fresh load. A test holds both equal to a full refresh.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import xxhash

from data_quality import contract, expectations, review, sql, suites, validation
from data_quality.contract import LandingFile
from data_quality.expectations import Rule
from data_quality.landing import store

# What a load holds besides the file, its contract and its suite: how the loader reads,
# checks, admits and records rows. Raise it with a change to that, and every file is read
# again once. The modules it stands for (LOADING_CODE and this package's) are held to it
# by tests/unit/test_reuse.py, which fails on a change to their code and not on one to their
# comments.
LOADER_VERSION = 3
LOADING_CODE = (contract, expectations, review, sql, suites, validation)

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


def load_fingerprint(spec: LandingFile, rules: list[Rule] | None) -> str:
    """What decides a load's result besides the file and the run date: the contract, the
    suite and the loader's version (a change to how files load reads them all again)."""
    suite = [(r.name, r.expectation, r.blocking, r.undated_kwargs) for r in rules or []]
    parts = [repr(spec), json.dumps(suite, sort_keys=True, default=str), f"v{LOADER_VERSION}"]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def last_load(con, spec, as_of, fingerprint, rules) -> LastLoad | None:
    """The file's last load, when building on it gives what reading the file would."""
    last = store.latest_load(con, spec)
    if last is None or last[2] != fingerprint or last[0] > as_of or last[3] is None:
        return None
    dated = [r.name for r in rules or [] if r.dated]
    if dated and store.caught_by(con, spec, last[0], dated):
        return None
    if store.relation_type(con, spec.landed_table) is None:  # e.g. dropped by hand
        return None
    return LastLoad(last[0], last[1], last[3], json.loads(last[4]))


def reuse_load(con, spec, as_of, last: LastLoad, report_type):
    """The last load's report, its queue items carried to `as_of`."""
    store.carry_queue(con, spec, last.as_of, as_of)
    saved = dict(last.report)
    summary = saved.pop("summary")
    report = report_type(**saved)
    report.reused_from = last.as_of
    if summary is not None:
        report.expectations = store.carried_outcome(con, spec, as_of, summary, report.rows_read)
    return report
