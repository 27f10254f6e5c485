"""Skips re-reading a landing file that has not changed since it was last loaded.

Most of a day's export is yesterday's (accounts, contacts, users); reading a file again
costs seconds per million rows and yields the same table. A load is reused only when
its result would be identical to reading the file again:

- the file's bytes are the same (SHA-256, not the modification time),
- the contract, the suite and the code that loads are the same,
- the files it references were not re-read in this run (their keys may have changed),
- the run date is not earlier, and no row was caught by a rule whose threshold moves
  with the run date ("not in the future"): a later date can only pass more rows, so
  with none caught there is nothing to release.

A reused load copies its review-queue items to the new run date, so the queue reads
the same as after a fresh load.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import inspect
import json
from pathlib import Path

import pandas as pd

from data_quality import contract, expectations
from data_quality.contract import QUARANTINE_TABLE, LandingFile
from data_quality.expectations import ROW, Outcome, Rule

LOADS_TABLE = "quality.landing_loads"
LOADS_DDL = f"""
CREATE TABLE IF NOT EXISTS {LOADS_TABLE} (
    file VARCHAR NOT NULL,
    as_of_date DATE NOT NULL,
    loaded_at TIMESTAMP NOT NULL,
    file_sha256 VARCHAR NOT NULL,
    load_sha256 VARCHAR NOT NULL,   -- contract, suite and loading code
    reused_from DATE,               -- set when the file was not read again
    report JSON NOT NULL
);
"""


def file_sha256(path: Path) -> str:
    with path.open("rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def load_sha256(spec: LandingFile, rules: list[Rule], loader_source: str) -> str:
    """What decides a load's result besides the file and the run date."""
    suite = [(r.name, r.expectation.__name__, r.blocking, r.undated_kwargs) for r in rules or []]
    parts = [
        repr(spec),
        json.dumps(suite, sort_keys=True, default=str),
        loader_source,
        inspect.getsource(contract),
        inspect.getsource(expectations),
    ]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def report_json(report) -> str:
    fields = {
        f.name: getattr(report, f.name)
        for f in dataclasses.fields(report)
        if f.name != "expectations"
    }
    fields["summary"] = report.expectations.summary if report.expectations else None
    return json.dumps(fields, default=str)


def record_load(con, spec, as_of, report, file_sha, load_sha, reused_from=None) -> None:
    con.execute(LOADS_DDL)
    con.execute(
        f"INSERT INTO {LOADS_TABLE} VALUES (?, ?, now()::TIMESTAMP, ?, ?, ?, ?)",
        [spec.file, as_of, file_sha, load_sha, reused_from, report_json(report)],
    )


def previous_load(con, spec, as_of, file_sha, load_sha, rules) -> tuple[dt.date, dict] | None:
    """The last load of this file, when reusing it gives what reading the file would."""
    con.execute(LOADS_DDL)
    last = con.execute(
        f"SELECT as_of_date, file_sha256, load_sha256, report FROM {LOADS_TABLE} "
        "WHERE file = ? ORDER BY loaded_at DESC LIMIT 1",
        [spec.file],
    ).fetchone()
    if last is None or (last[1], last[2]) != (file_sha, load_sha) or last[0] > as_of:
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
    return last[0], json.loads(last[3])


def reuse_load(con, spec, as_of, previous: dt.date, saved: dict, report_type):
    """The previous load's report, its queue items copied to `as_of`."""
    if previous != as_of:
        con.execute(
            f"DELETE FROM {QUARANTINE_TABLE} WHERE file = ? AND as_of_date = ?", [spec.file, as_of]
        )
        con.execute(
            f"INSERT INTO {QUARANTINE_TABLE} SELECT * REPLACE (CAST(? AS DATE) AS as_of_date) "
            f"FROM {QUARANTINE_TABLE} WHERE file = ? AND as_of_date = ? "
            "ORDER BY coalesce(row_number, line_number), rule, column_name",
            [as_of, spec.file, previous],
        )
    summary = saved.pop("summary")
    saved.pop("reused_from", None)
    report = report_type(**saved)
    if summary is not None:
        rules = [item["rule"] for item in summary]
        failures = con.execute(
            f"SELECT row_number AS {ROW}, rule, severity, column_name AS column "
            f"FROM {QUARANTINE_TABLE} WHERE file = ? AND as_of_date = ? "
            "AND list_contains(?, rule) AND row_number IS NOT NULL ORDER BY row_number, rule",
            [spec.file, as_of, rules],
        ).df()
        report.expectations = Outcome(pd.DataFrame(failures), summary)
    return report
