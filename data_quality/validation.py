"""Runs a landing file's suite over its loaded rows: DuckDB hands Great Expectations what
it must see to judge every row, and no more.

- A rule across rows (uniqueness) sees only the rows whose value's hash repeats.
- A rule on one column, in a column of few distinct values, sees each value once, and
  its verdict on a value is its verdict on every row holding it.
- Any other rule sees every row, in chunks.

GX judges every rule; nothing here decides a row's verdict.
"""

from __future__ import annotations

import itertools

import pandas as pd
import pyarrow as pa

from data_quality.expectations import NS_RANGE, ROW, Outcome, Rule, validate
from data_quality.sql import ident, literal

# Rules that judge a row alone run over chunks of this many rows, so memory stays bounded
# at any file size (each rule sees its own column); a rule across rows (uniqueness) gets
# only its own column, whole. GX has a fixed cost per call besides the rows, so chunks are
# as large as memory comfortably allows (bench.ingest measures the trade).
CHUNK_ROWS = 4_000_000
# A column is judged value by value when it holds at most one distinct value in this many
# rows (DuckDB's estimate), and has this many rows at least: each value's rows are then
# found by grouping, which costs less than handing GX every row, and a few rows cost one
# query more than they save.
ROWS_PER_VALUE = 20
MIN_ROWS_BY_VALUE = 100_000


def _as_gx_compares(column: str, type_: str) -> str:
    """The column's value as GX compares it in bulk: a date or time as a nanosecond
    timestamp, clipped to `NS_RANGE` (a date past 2262 is still far in the future). Done
    here, it spares `expectations._vectorizable` converting each frame again."""
    if type_ not in ("DATE", "TIMESTAMP"):
        return ident(column)
    low, high = (f"TIMESTAMP {literal(str(t))}" for t in NS_RANGE)
    return f"CAST(least(greatest({ident(column)}, {low}), {high}) AS TIMESTAMP_NS)"


def run_suite(con, rules: list[Rule], table: str, clean: str, name: str) -> Outcome:
    """Runs the suite over the typed rows `clean` (a FROM and WHERE clause) selects from
    `table`; the summary lists the rules in the suite's order."""
    parts = []
    spanning = [r for r in rules if r.spans_rows]
    if spanning:
        parts.append(_spans_rows(con, spanning, table, clean, name))
    alone = [r for r in rules if not r.spans_rows]
    types = dict(con.execute(f"SELECT column_name, column_type FROM (DESCRIBE {table})").fetchall())
    few = {c: [r for r in alone if c in r.columns] for c in _few_values(con, table, alone)}
    if few:
        parts.append(_by_value(con, few, types, clean, name))
    by_row = [r for r in alone if not set(r.columns) & set(few)]
    if by_row:
        parts.append(_by_row(con, by_row, types, clean, name))
    outcome = Outcome.combine(parts)
    order = {rule.name: i for i, rule in enumerate(rules)}
    outcome.summary.sort(key=lambda item: order[item["rule"]])
    return outcome


def _few_values(con, table: str, rules: list[Rule]) -> set[str]:
    """The columns judged value by value: those that hold few distinct values, read only
    by rules that judge a row by its value in them alone (`Rule.judges_values`)."""

    def alone(column: str) -> bool:
        return all(r.judges_values for r in rules if column in r.columns)

    candidates = sorted(c for c in {c for r in rules for c in r.columns} if alone(c))
    if not candidates:
        return set()
    # fetchall, not fetchone: a result left unfinished blocks the relation `_by_row` reads.
    [(rows,)] = con.execute(f"SELECT count(*) FROM {table}").fetchall()
    if rows < MIN_ROWS_BY_VALUE:
        return set()
    [stats] = con.execute(
        f"SELECT {', '.join(f'stats({ident(c)})' for c in candidates)} FROM {table} LIMIT 1"
    ).fetchall()
    return {
        column
        for column, stat in zip(candidates, stats, strict=True)
        if (stat or {}).get("approx_unique", rows) * ROWS_PER_VALUE <= rows
    }


def _by_value(
    con, few: dict[str, list[Rule]], types: dict[str, str], clean: str, name: str
) -> Outcome:
    """GX judges each distinct value of the columns `few` (their rules) once, on its first
    row; a value it fails, it fails in every row that holds it (NULL included). One pass
    groups the rows by each column: the filter `clean` is paid once, not once a column."""
    columns = sorted(few)
    # Grouped by the column as stored, the value for GX named apart from it (`__v`) so the
    # grouping cannot bind to that: dates clipped alike are each found again by their own.
    values = ", ".join(
        f"{_as_gx_compares(c, types[c])} AS __v{i}, GROUPING({ident(c)}) AS __g{i}"
        for i, c in enumerate(columns)
    )
    sets = ", ".join(f"({ident(c)})" for c in columns)
    frame = (
        con.sql(
            f"SELECT min({ROW}) AS {ROW}, {values} {clean} GROUP BY GROUPING SETS ({sets}) "
            f"ORDER BY {ROW}"
        )
        .to_arrow_table()
        .to_pandas(date_as_object=False)
    )
    outcome = Outcome.combine(
        [
            validate(
                frame.loc[frame[f"__g{i}"] == 0, [ROW, f"__v{i}"]].rename(columns={f"__v{i}": c}),
                few[c],
                name,
            )
            for i, c in enumerate(columns)
        ]
    )
    if outcome.failures.empty:
        return outcome
    parts = []
    for column, failing in outcome.failures.groupby("column", sort=True):
        con.register("gx_failing_values", failing)
        rows = f"(SELECT {ROW}, {ident(column)} AS v {clean})"
        parts.append(
            con.execute(
                f"SELECT every.{ROW}, f.rule, f.severity, f.column FROM gx_failing_values f "
                f"JOIN {rows} first USING ({ROW}) JOIN {rows} every "
                "ON every.v IS NOT DISTINCT FROM first.v"
            ).df()
        )
        con.unregister("gx_failing_values")
    failures = pd.concat(parts).sort_values([ROW, "rule"], ignore_index=True)
    counts = failures["rule"].value_counts()
    for item in outcome.summary:
        item["failed_rows"] = int(counts.get(item["rule"], 0))
    return Outcome(failures, outcome.summary)


def _by_row(con, rules: list[Rule], types: dict[str, str], clean: str, name: str) -> Outcome:
    """GX judges every row, a chunk of rows at a time."""
    columns = sorted({c for r in rules for c in r.columns})
    values = ", ".join(f"{_as_gx_compares(c, types[c])} AS {ident(c)}" for c in columns)
    query = f"SELECT {ROW}, {values} {clean}"
    batches = con.sql(query).to_arrow_reader(CHUNK_ROWS)  # streamed, not materialized
    # A table yields batches of a row group (~120k rows): GX runs on whole chunks.
    parts, chunk, size = [], [], 0
    for batch in itertools.chain(batches, [None]):
        if batch is not None:
            chunk.append(batch)
            size += batch.num_rows
        if chunk and (batch is None or size >= CHUNK_ROWS):
            rows = pa.Table.from_batches(chunk)
            parts.append(validate(rows.to_pandas(date_as_object=False), rules, name))
            chunk, size = [], 0
    if not parts:  # no rows: still report every rule
        parts.append(validate(batches.schema.empty_table().to_pandas(), rules, name))
    return Outcome.combine(parts)


def _spans_rows(con, rules: list[Rule], table: str, clean: str, name: str) -> Outcome:
    """GX judges a column across rows on the rows that may share a value: those whose
    value's hash another row's value in `table` shares. Equal values hash alike, so every
    repeat is among them and every other value is unique; on good data there are none, and
    GX is not handed every value to compare (fetching them is the cost). Slices
    by hash keep all copies of a value together, and memory bounded when many rows repeat."""
    parts = []
    for column in sorted({c for r in rules for c in r.columns}):
        on_column = [r for r in rules if column in r.columns]
        value = ident(column)
        # Over all of `table`, not only the rows `clean` keeps: a superset of the hashes
        # that repeat, and GX decides; the rows are not filtered twice. A hash repeats
        # where it equals the one before it in order: sorting the hashes is cheaper than
        # grouping them.
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE landing_repeats AS SELECT {ROW}, {value}, "
            f"hash({value}) AS h {clean} AND hash({value}) IN (SELECT h FROM "
            f"(SELECT hash({value}) AS h FROM {table} WHERE {value} IS NOT NULL) "
            "QUALIFY h = lag(h) OVER (ORDER BY h))"
        )
        (rows,) = con.execute("SELECT count(*) FROM landing_repeats").fetchone()
        slices = max(1, -(-rows // CHUNK_ROWS))  # one at least: every rule reports
        for i in range(slices):
            frame = con.execute(
                f"SELECT {ROW}, {value} FROM landing_repeats WHERE h % ? = ? ORDER BY {ROW}",
                [slices, i],
            ).df()
            parts.append(validate(frame, on_column, name))
    con.execute("DROP TABLE IF EXISTS landing_repeats")
    return Outcome.combine(parts)
