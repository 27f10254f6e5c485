"""What a dbt step tells people: one progress line, the full log in a file, and on
failure the failing node, its file, dbt's message and the first rows it found."""

from __future__ import annotations

import contextlib
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import duckdb

FAILED = ("fail", "error", "runtime error")
ROWS_SHOWN = 3


def quietly(events: Iterator[Any], log: Path) -> Iterator[Any]:
    """`events` with what dagster-dbt echoes of each dbt line (hundreds a run) written to
    `log` instead of the step's stdout."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("w") as sink:
        while True:
            with contextlib.redirect_stdout(sink):
                event = next(events, None)
            if event is None:
                return
            yield event


def progress(run_results: dict[str, Any], log: Path) -> str:
    """'dbt build: 97 success, 1 warn, 1 fail of 99 in 12.3 s (log: …)'."""
    statuses = Counter(str(r["status"]) for r in run_results.get("results", []))
    counts = ", ".join(f"{n} {status}" for status, n in sorted(statuses.items()))
    elapsed = run_results.get("elapsed_time") or 0.0
    return f"dbt build: {counts} of {statuses.total()} in {elapsed:.1f} s (log: {log})"


def failure(
    run_results: dict[str, Any],
    manifest: dict[str, Any],
    connect: Callable[[], contextlib.AbstractContextManager[duckdb.DuckDBPyConnection]],
) -> str:
    """One line per failed node: 'test X (models/marts/_marts.yml): Got 1 result, …;
    rows: kind=teleport, n_records=1'. Rows come from running the test's compiled query
    again, so nobody reruns dbt to see what failed."""
    nodes = manifest.get("nodes", {})
    said = []
    for result in run_results.get("results", []):
        if str(result["status"]) not in FAILED:
            continue
        node = nodes.get(result["unique_id"], {})
        kind, name = node.get("resource_type", "node"), node.get("name", result["unique_id"])
        message = " ".join(str(result.get("message") or result["status"]).split())
        line = f"{kind} {name} ({node.get('original_file_path', '?')}): {message}"
        if kind == "test" and result.get("compiled_code"):
            line += f"; rows: {_rows(result['compiled_code'], connect)}"
        said.append(line)
    return "; ".join(said) or "dbt failed before any node ran (see the log)"


def _rows(sql: str, connect) -> str:
    try:
        with connect() as con:
            found = con.execute(f"SELECT * FROM ({sql}) LIMIT {ROWS_SHOWN + 1}")
            columns = [d[0] for d in found.description]
            rows = found.fetchall()
    except Exception as error:  # the rows are a courtesy; the failure stands without them
        return f"not shown ({str(error).splitlines()[0]})"
    shown = [
        ", ".join(f"{c}={v}" for c, v in zip(columns, row, strict=True))
        for row in rows[:ROWS_SHOWN]
    ]
    more = " and more" if len(rows) > ROWS_SHOWN else ""
    return " | ".join(shown) + more
