"""What a portable warehouse layer would have to carry (issue 41): the statements the DuckDB
loader sends, transpiled to Spark's dialect by sqlglot, and how many of them rest on what
Spark's Parquet tables cannot do; optionally, what handing a warehouse's tables to Spark as
Parquet costs.

    python -m bench.portability [--landing DIR] [--parquet-from WAREHOUSE.duckdb]

The loader runs on a scratch warehouse with its connection wrapped, so every statement it
sends is seen once, as sent.
"""

from __future__ import annotations

import argparse
import collections
import datetime as dt
import re
import shutil
import tempfile
import time
from pathlib import Path

import duckdb
import sqlglot
from sqlglot.errors import ErrorLevel

# What a statement may lean on that Spark's Parquet tables (no Delta) do not have.
CAPABILITIES = {
    "row identity (rowid)": r"\browid\b",
    "DuckDB's CSV reader (read_csv)": r"\bread_csv",
    "UPDATE": r"^\s*update\b",
    "DELETE": r"^\s*delete\b",
    "a transaction": r"^\s*(begin|commit|rollback)\b",
}


class _Seen:
    """A DuckDB connection that notes every statement it is sent."""

    def __init__(self, con: duckdb.DuckDBPyConnection):
        self._con, self.statements = con, []

    def execute(self, query, *args, **kwargs):
        self.statements.append(query)
        return self._con.execute(query, *args, **kwargs)

    def sql(self, query, *args, **kwargs):
        self.statements.append(query)
        return self._con.sql(query, *args, **kwargs)

    def __getattr__(self, name):
        return getattr(self._con, name)


def loader_statements(landing: Path, as_of: dt.date) -> list[str]:
    """The distinct statements the DuckDB loader sends loading `landing` whole."""
    from data_quality.contract import REQUIRED_FILES
    from data_quality.landing.flow import load_landing_files
    from data_quality.suites import landing_suites
    from engagement.rules import load_rules
    from orchestration.stores.review import ensure_decisions_table

    rules = load_rules(landing / "rules.yml")
    with tempfile.TemporaryDirectory(prefix="bench-portability-") as folder:
        con = _Seen(duckdb.connect(str(Path(folder) / "wh.duckdb")))
        ensure_decisions_table(con)
        for _ in load_landing_files(
            con, landing, as_of, landing_suites(rules, as_of), REQUIRED_FILES
        ):
            pass
        con.close()
    return list(dict.fromkeys(q.strip() for q in con.statements))


def transpiled(statements: list[str]) -> tuple[int, collections.Counter]:
    """How many transpile to Spark with no construct sqlglot calls unsupported, and why
    the others do not."""
    ok, failed = 0, collections.Counter()
    for query in statements:
        try:
            sqlglot.transpile(
                query, read="duckdb", write="spark", unsupported_level=ErrorLevel.RAISE
            )
            ok += 1
        except sqlglot.errors.SqlglotError as error:
            failed[str(error).splitlines()[0][:100]] += 1
    return ok, failed


def parquet_handoff(warehouse: Path) -> dict[str, float]:
    """Seconds (wall, CPU) and MiB to write every table the Python steps own as Parquet."""
    con = duckdb.connect(str(warehouse), read_only=True)
    tables = con.execute(
        "SELECT schema_name, table_name FROM duckdb_tables() "
        "WHERE schema_name IN ('landed', 'quality', 'allocation', 'reference')"
    ).fetchall()
    out = Path(tempfile.mkdtemp(prefix="bench-parquet-"))
    try:
        wall, cpu = time.perf_counter(), time.process_time()
        for schema, table in tables:
            path = out / f"{schema}.{table}.parquet"
            con.execute(f"COPY (SELECT * FROM {schema}.{table}) TO '{path}' (FORMAT parquet)")
        return {
            "tables": len(tables),
            "seconds": time.perf_counter() - wall,
            "cpu_seconds": time.process_time() - cpu,
            "mib": sum(f.stat().st_size for f in out.iterdir()) / 2**20,
        }
    finally:
        shutil.rmtree(out)
        con.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--landing", type=Path, default=Path("data/bench/landing-5000-1000-20"))
    parser.add_argument("--as-of", type=dt.date.fromisoformat, default=dt.date(2026, 11, 23))
    parser.add_argument("--parquet-from", type=Path, help="a warehouse to hand over as Parquet")
    args = parser.parse_args()

    if not (args.landing / "rules.yml").exists():
        parser.error(f"{args.landing}: no landing folder (make bench-pipeline caches one)")
    statements = loader_statements(args.landing, args.as_of)
    ok, failed = transpiled(statements)
    print(f"loader: {len(statements)} distinct statements, {ok} transpile to Spark")
    for reason, count in failed.most_common():
        print(f"  {count:>4}  not transpiled: {reason}")
    leaning = set()
    for what, pattern in CAPABILITIES.items():
        found = {q for q in statements if re.search(pattern, q, re.I | re.M)}
        leaning |= found
        print(f"  {len(found):>4}  rest on {what}")
    print(f"  {len(leaning):>4}  rest on at least one of these")
    if args.parquet_from:
        cost = parquet_handoff(args.parquet_from)
        print(
            f"parquet: {cost['tables']} tables in {cost['seconds']:.2f} s wall, "
            f"{cost['cpu_seconds']:.2f} s CPU, {cost['mib']:.0f} MiB"
        )


if __name__ == "__main__":
    main()
