"""Loading the landing files on Spark: Spark's CSV reader under the same contract as
DuckDB's loader (`flow`), the same rule kinds (`checks.row_problems`) and the same Great
Expectations suites (`expectations.validate`), the same review-queue items.

- Each file is read whole, every column as text, in PERMISSIVE mode: a line that does not
  parse as the header's columns keeps its text in a corrupt-record column instead of
  failing the read. What DuckDB's reader rejects and Spark's reads anyway, a field with an
  unescaped quote (kept with its quotes) and a byte that is not UTF-8 (read as U+FFFD), is
  caught here. Those lines are `malformed_csv` items, numbered by line, not loaded.
- `multiLine` reads a file as one partition, in file order (a quoted field may span lines),
  so the rows are numbered as DuckDB numbers them: their place among the rows that parse.
- The typed rows land in `landed.*` with their number and whether a blocking rule holds
  them; `raw.*` views the rows not held. Nothing is updated in place: Spark without Delta
  updates and deletes no rows, so a run date's items replace its partition of the queue.
- There is no reuse of an unchanged file's last load and no append-only read here: every
  run reads every file (`flow` and `reuse` are DuckDB's).

rows read = rows loaded + rows quarantined - rows admitted, per file, as on DuckDB.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Iterator
from pathlib import Path

from data_quality import review
from data_quality.contract import LANDING_FILES, QUARANTINE_TABLE, LandingFile
from data_quality.expectations import NS_RANGE, ROW, Outcome, Rule, validate
from data_quality.landing import checks, reader, reuse
from data_quality.landing.flow import RESERVED, LoadReport
from data_quality.landing.reader import LandingError
from data_quality.landing.store import (
    HELD,
    KEYS_CAUGHT,
    LOADS_DDL,
    LOADS_TABLE,
    QUARANTINE_DDL,
    quarantined,
    report_json,
)
from engines.spark import (
    SparkConnection,
    create_tables,
    spark_ident,
    spark_type,
)

CORRUPT = "_corrupt_record"
LINE = "_line"  # the record's place among all the file's records, malformed ones included
# What DuckDB's TRIM strips: the space and the Unicode space separators (no-break space
# among them), not tabs.
_EDGE_SPACE = r"^[ \\p{Zs}]+|[ \\p{Zs}]+$"
REPLACEMENT = "\ufffd"  # what Spark reads a byte that is not UTF-8 as


def quote(name: str) -> str:
    return spark_ident(name)


def text(literal: str) -> str:
    """A Spark string literal (Spark reads a backslash in one as an escape)."""
    return "'" + literal.replace("\\", "\\\\").replace("'", "\\'") + "'"


def absent(value: str, keys: str) -> str:
    """`value NOT IN (keys)` for keys that hold no NULL, as Spark plans it well: NOT IN
    in a projection is a null-aware nested-loop join (every row against every key: 30 s
    for 180k tasks), NOT EXISTS on an equality a hash join."""
    return f"NOT EXISTS (SELECT 1 FROM ({keys}) AS known(k) WHERE known.k = {value})"


def full_match(t: str, pattern: str) -> str:
    return f"({t} RLIKE {text('^' + pattern + '$')})"


def id_18(t: str) -> str:
    """`checks.id_18` as Spark spells it best: each character a bit (1 for a capital), and
    each 5-character chunk's bits, read as a binary number, pick the checksum letter. The
    same checksum, in a fraction of the code: spelled as DuckDB's, per bit, the generated
    code outgrew Java's method limit and Spark interpreted every row (5k rows a second)."""
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
    bits = f"translate({t}, '{letters}', '{'1' * 26 + '0' * 36}')"
    chunks = " || ".join(
        f"substr('{checks.ID_ALPHABET}', "
        f"CAST(conv(reverse(substr({bits}, {k + 1}, 5)), 2, 10) AS INT) + 1, 1)"
        for k in (0, 5, 10)
    )
    is_15 = f"length({t}) = 15 AND {full_match(t, '[A-Za-z0-9]{15}')}"
    return f"CASE WHEN {is_15} THEN {t} || {chunks} ELSE {t} END"


def trim_text(c: str, salesforce_id: bool = False) -> str:
    """`checks.trim_text` as Spark spells it."""
    trimmed = f"NULLIF(regexp_replace({c}, '{_EDGE_SPACE}', ''), '')"
    return id_18(trimmed) if salesforce_id else trimmed


def try_cast(t: str, type_: str) -> str:
    """`sql.try_cast` as Spark spells it, casting as DuckDB does: a number that is not
    finite is no number, and a whole number written with a fraction rounds (12.5 -> 13)."""
    if type_ == "DOUBLE":
        value = f"try_cast({t} AS DOUBLE)"
        return f"(CASE WHEN NOT isnan({value}) AND abs({value}) <> double('inf') THEN {value} END)"
    if type_ == "BIGINT":
        return (
            f"coalesce(try_cast({t} AS BIGINT), try_cast(round(try_cast({t} AS DOUBLE)) AS BIGINT))"
        )
    return f"try_cast({t} AS {spark_type(type_)})"


def _scalar_json(value: str) -> str:
    """A value as JSON text (Spark's to_json takes structs and arrays, not scalars)."""
    return f"regexp_extract(to_json(array({value})), '^\\\\[(.*)\\\\]$', 1)"


def record_json(header: list[str], typed: dict[str, str]) -> str:
    """The row as read, as JSON for the review queue: each value of a `typed` column as its
    type where it reads as one, its text where it does not, text as read
    (`checks.record_json`'s rule)."""
    parts = [f"concat({text(json.dumps(ROW) + ':')}, {ROW})"]
    for name in header:
        value, raw = typed.get(name), quote(name)
        as_json = (
            f"coalesce(CASE WHEN {value} IS NOT NULL THEN {_scalar_json(value)} END, "
            f"{_scalar_json(raw)}, 'null')"
            if value
            else f"coalesce({_scalar_json(raw)}, 'null')"
        )
        parts.append(f"concat({text(json.dumps(name) + ':')}, {as_json})")
    return f"concat('{{', concat_ws(',', {', '.join(parts)}), '}}')"


def prepare(spark) -> None:
    """The databases and the quality tables every load writes to."""
    for schema in ("landed", "raw", "quality"):
        spark.sql(f"CREATE DATABASE IF NOT EXISTS {schema}")
    create_tables(
        spark,
        QUARANTINE_DDL + LOADS_DDL + review.DECISIONS_DDL,
        {QUARANTINE_TABLE: ("as_of_date", "file")},
    )


def write_reference(spark, key: list[str], frame) -> None:
    """A reference table staging joins to, replaced whole."""
    schema, table = key
    SparkConnection(spark).register("reference_frame", frame)
    spark.sql(f"CREATE DATABASE IF NOT EXISTS {schema}")
    spark.sql(f"DROP TABLE IF EXISTS {schema}.{table}")
    spark.sql(f"CREATE TABLE {schema}.{table} USING parquet AS SELECT * FROM reference_frame")
    spark.catalog.dropTempView("reference_frame")


def load_landing_files(
    spark, landing_dir: Path, as_of: dt.date, suites: dict[str, list[Rule]], required: set[str]
) -> Iterator[tuple[LandingFile, LoadReport, float]]:
    """Loads every landing file in contract order: (spec, report, seconds) per file."""
    prepare(spark)
    for spec in LANDING_FILES:
        started = time.perf_counter()
        report = load_landing_file(
            spark, spec, landing_dir, as_of, suites[spec.table], spec.file in required
        )
        yield spec, report, time.perf_counter() - started


def load_landing_file(
    spark,
    spec: LandingFile,
    landing_dir: Path,
    as_of: dt.date,
    rules: list[Rule] | None = None,
    required_file: bool = True,
) -> LoadReport:
    """One landing file into `spec.landed_table` and its view `spec.raw_table`, the rows
    a rule caught in the review queue (`flow.load_landing_file`'s contract)."""
    path = Path(landing_dir) / spec.file
    report = LoadReport(file=spec.file, table=spec.raw_table)
    types = {c.name: c.type for c in spec.columns}
    if not path.is_file():
        if required_file:
            raise LandingError(f"{path}: required landing file not found")
        report.missing_file = True
        _write_queue(spark, spec, as_of, [])
        _land(spark, spec, "SELECT 1 WHERE false", [], {}, "false")
        _log(spark, spec, as_of, report, "missing", None, rules)
        return report
    if path.stat().st_size == 0:
        raise LandingError(f"{path}: file is empty (expected a header row)")
    header = reader.contract_header(path, spec, RESERVED)
    known = set(types)
    report.unknown_columns = [c for c in header if c not in known]

    parsed = _read(spark, path, header)
    # Typed values and each row's problems, computed once (the rows are checkpointed).
    values, problems = {}, []
    trims, casts = [], []
    for i, column in enumerate(spec.columns):
        if column.name not in header:
            continue
        t, v = f"__t{i}", f"__v{i}"
        trims.append(f"{trim_text(quote(column.name), column.salesforce_id)} AS {t}")
        if column.type == "VARCHAR":
            v = t
        else:
            casts.append(f"{try_cast(t, column.type)} AS {v}")
        values[column.name] = v
        value = checks.Value(column, quote(column.name), t, v)
        problems += checks.row_problems(value, spec, as_of, False, quote=quote, absent=absent)
    flags = ", ".join(f"{p.condition} AS __p{j}" for j, p in enumerate(problems))
    noted = ", ".join(
        f"CASE WHEN __p{j} THEN named_struct('rule', {text(p.rule)}, 'col', {text(p.column)}, "
        f"'detail', {text(p.detail)}) END"
        for j, p in enumerate(problems)
    )
    problems_of = f"filter(array({noted}), x -> x IS NOT NULL)" if problems else "array()"
    key = quote(spec.key) if spec.key in header else "CAST(NULL AS STRING)"
    inner = "SELECT * FROM parsed_rows"
    for extra in (trims, casts, [flags] if flags else []):
        if extra:
            inner = f"SELECT *, {', '.join(extra)} FROM ({inner})"
    checked = spark.sql(
        f"SELECT *, {problems_of} AS __problems, {key} AS __key, "
        f"{record_json(header, {n: v for n, v in values.items() if types[n] != 'VARCHAR'})} "
        f"AS __record FROM ({inner})"
    ).localCheckpoint()
    checked.createOrReplaceTempView("checked_rows")

    caught = [
        "SELECT "
        f"{ROW} AS row_number, CAST(NULL AS BIGINT) AS line_number, __key AS record_key, "
        "p.rule, 'blocking' AS severity, p.col AS column_name, p.detail, __record AS raw_record "
        "FROM checked_rows LATERAL VIEW explode(__problems) e AS p",
        _malformed_items(),
    ]
    if rules:
        report.expectations = _run_rules(spark, rules, spec, values, types)
        SparkConnection(spark).register("gx_failures", report.expectations.failures)
        caught.append(
            f"SELECT f.{ROW}, CAST(NULL AS BIGINT), c.__key, f.rule, f.severity, f.column, "
            "concat('failed expectation ', f.rule), c.__record "
            f"FROM gx_failures f JOIN checked_rows c ON c.{ROW} = f.{ROW}"
        )
    _write_queue(spark, spec, as_of, caught)
    admitted, corrected, kept = _decisions(spark, spec, as_of, types)
    queued = (
        f"FROM {QUARANTINE_TABLE} WHERE file = {text(spec.file)} "
        f"AND as_of_date = DATE '{as_of.isoformat()}' AND severity = 'blocking'"
    )
    caught_held = held = f"{ROW} IN (SELECT row_number {queued} AND row_number IS NOT NULL)"
    if admitted:
        keys = ", ".join(text(k) for k in admitted)
        held = f"({held} AND NOT coalesce(__key IN ({keys}), false))"
    for kept_key, kept_values in kept:
        # The first row of the key with the kept values (`store.admit`'s rule).
        held = (
            f"({held} AND NOT coalesce({ROW} = (SELECT min(row_number) {queued} "
            f"AND record_key = {text(kept_key)} "
            f"AND {review.row_values_sql('raw_record')} = {text(kept_values)}), false))"
        )
    if admitted or kept:
        report.rows_admitted = spark.sql(
            f"SELECT count(*) FROM checked_rows WHERE {caught_held} AND NOT {held}"
        ).collect()[0][0]
    _land(spark, spec, "SELECT * FROM checked_rows", header, values, held, corrected)
    report.rows_read = parsed
    report.rows_loaded = spark.table(spec.raw_table).count()
    report.quarantined_by_rule, report.rows_quarantined = quarantined(
        SparkConnection(spark), spec, as_of
    )
    _log(spark, spec, as_of, report, reuse.scan_file(path).digest, path.stat().st_size, rules)
    for view in ("parsed_rows", "malformed_rows", "checked_rows", "gx_failures"):
        spark.catalog.dropTempView(view)
    return report


def _read(spark, path: Path, header: list[str]) -> int:
    """The file's records as text into the views `parsed_rows` (numbered rows) and
    `malformed_rows` (the lines no row came of); returns the records read."""
    from pyspark.sql import functions as F
    from pyspark.sql.types import StringType, StructField, StructType

    schema = StructType(
        [StructField(h, StringType()) for h in header] + [StructField(CORRUPT, StringType())]
    )
    records = (
        spark.read.options(
            header=True,
            mode="PERMISSIVE",
            columnNameOfCorruptRecord=CORRUPT,
            quote='"',
            escape='"',
            multiLine=True,  # one partition per file, read in order
            encoding="UTF-8",
            enforceSchema=True,  # the header was checked by the contract already
        )
        .schema(schema)
        .csv(str(path))
        .withColumn(LINE, F.monotonically_increasing_id())
        .localCheckpoint()  # Spark reads the corrupt-record column only of a stored frame
    )
    columns = [quote(h) for h in header]
    unparsed = " OR ".join(
        [f"{CORRUPT} IS NOT NULL"]
        + [
            f"coalesce(startswith({c}, '\"') OR contains({c}, '{REPLACEMENT}'), false)"
            for c in columns
        ]
    )
    records.createOrReplaceTempView("records")
    spark.sql(
        f"SELECT *, CASE WHEN {CORRUPT} IS NOT NULL THEN 'the line does not parse as the "
        f"{len(header)} columns of the header' WHEN "
        + " OR ".join(f"coalesce(contains({c}, '{REPLACEMENT}'), false)" for c in columns)
        + " THEN 'a byte that is not UTF-8' ELSE 'a quote inside a field not escaped' END "
        f"AS __why FROM records WHERE {unparsed}"
    ).createOrReplaceTempView("malformed_rows")
    spark.sql(
        f"SELECT {', '.join(columns)}, row_number() OVER (ORDER BY {LINE}) AS {ROW} "
        f"FROM records WHERE NOT ({unparsed})"
    ).localCheckpoint().createOrReplaceTempView("parsed_rows")
    spark.catalog.dropTempView("records")
    return records.count()


def _malformed_items() -> str:
    """The malformed lines as review-queue items: the line (the header is line 1; a record
    spanning lines counts one), no row, no key."""
    return (
        f"SELECT CAST(NULL AS BIGINT), {LINE} + 2, CAST(NULL AS STRING), 'malformed_csv', "
        "'blocking', CAST(NULL AS STRING), concat('MALFORMED: ', __why), "
        f"coalesce({CORRUPT}, '') FROM malformed_rows"
    )


def _run_rules(spark, rules: list[Rule], spec, values: dict[str, str], types) -> Outcome:
    """The suite over the rows no contract rule caught: GX judges the columns its rules
    read, handed over as the DuckDB loader hands them (dates and times as nanosecond
    timestamps, clipped to their range)."""
    low, high = (f"TIMESTAMP_NTZ '{t}'" for t in NS_RANGE)
    columns = []
    for name in sorted({c for r in rules for c in r.columns if c in values}):
        value = values[name]
        if types[name] in ("DATE", "TIMESTAMP"):
            value = f"least(greatest(CAST({value} AS TIMESTAMP_NTZ), {low}), {high})"
        columns.append(f"{value} AS {quote(name)}")
    frame = spark.sql(
        f"SELECT {', '.join([ROW, *columns])} FROM checked_rows WHERE size(__problems) = 0"
    )
    return validate(frame.toArrow().to_pandas(date_as_object=False), rules, spec.table)


def _write_queue(spark, spec: LandingFile, as_of: dt.date, caught: list[str]) -> None:
    """The file's items of the run date, in place of any earlier load's."""
    rows = " UNION ALL ".join(caught) if caught else _NO_ITEMS
    spark.sql(
        f"INSERT OVERWRITE TABLE {QUARANTINE_TABLE} PARTITION (as_of_date = "
        f"'{as_of.isoformat()}', file = {text(spec.file)}) "
        "SELECT row_number, line_number, record_key, rule, severity, column_name, detail, "
        f"raw_record FROM ({rows}) AS caught(row_number, line_number, record_key, rule, "
        "severity, column_name, detail, raw_record)"
    )


_NO_ITEMS = (
    "SELECT CAST(NULL AS BIGINT), CAST(NULL AS BIGINT), CAST(NULL AS STRING), "
    "CAST(NULL AS STRING), CAST(NULL AS STRING), CAST(NULL AS STRING), CAST(NULL AS STRING), "
    "CAST(NULL AS STRING) WHERE false"
)


def _decisions(spark, spec: LandingFile, as_of: dt.date, types) -> tuple[list, dict, list]:
    """RevOps' latest decision on each item of the file (`store.admit`'s rule): the keys
    of the rows to load though caught, the corrected values, by column and key, and the
    rows kept of several sharing a key (key, values)."""
    decided = spark.sql(
        "SELECT record_key, decision, column_name, corrected_value, kept_row FROM (SELECT *, "
        "row_number() OVER (PARTITION BY review_item_id ORDER BY decided_at DESC) AS latest "
        f"FROM {review.DECISIONS_TABLE} WHERE file = ? AND decided_on <= ? "
        "AND review_item_id IS NOT NULL AND record_key IS NOT NULL) WHERE latest = 1",
        args=[spec.file, as_of],
    ).collect()
    caught = spark.sql(KEYS_CAUGHT, args=[spec.file, as_of]).collect()
    admitted = review.admitted_keys([(r[0], r[1]) for r in decided], [tuple(r) for r in caught])
    corrected: dict[str, dict[str, str]] = {}
    for key, decision, column, value, _ in decided:
        if decision == "reintroduce" and value is not None and column in types:
            corrected.setdefault(column, {})[key] = value
    kept = sorted((r[0], r[4]) for r in decided if r[1] == review.Decision.keep)
    return admitted, corrected, kept


def _land(spark, spec, rows: str, header, values: dict[str, str], held: str, corrected=None):
    """The landed table (typed rows, numbered, held or not) and its `raw.*` view."""
    corrected = corrected or {}
    key = quote(spec.key)
    typed = []
    for column in spec.columns:
        value = values.get(column.name) if column.name in header else None
        value = value or f"CAST(NULL AS {spark_type(column.type)})"
        for record_key, fixed in corrected.get(column.name, {}).items():
            value = (
                f"CASE WHEN {key} = {text(record_key)} THEN "
                f"{try_cast(text(fixed), column.type)} ELSE {value} END"
            )
        typed.append(f"{value} AS {quote(column.name)}")
    known = {c.name for c in spec.columns}
    typed += [quote(h) for h in header if h not in known]
    spark.sql(f"DROP VIEW IF EXISTS {spec.raw_table}")
    spark.sql(f"DROP TABLE IF EXISTS {spec.landed_table}")
    rows_of = rows if header else "SELECT CAST(NULL AS BIGINT) AS _row WHERE false"
    spark.sql(
        f"CREATE TABLE {spec.landed_table} USING parquet AS SELECT {', '.join(typed)}, "
        f"CAST({ROW} AS BIGINT) AS {ROW}, {held} AS {HELD} FROM ({rows_of})"
    )
    loaded = [quote(c) for c in spark.table(spec.landed_table).columns if c != HELD]
    spark.sql(
        f"CREATE VIEW {spec.raw_table} AS SELECT {', '.join(loaded)} "
        f"FROM {spec.landed_table} WHERE NOT {HELD}"
    )


def _log(spark, spec, as_of, report, digest: str, size: int | None, rules) -> None:
    """The load's record in the load log (appended: a log is never rewritten)."""
    con = SparkConnection(spark)
    con.execute(
        f"INSERT INTO {LOADS_TABLE} BY NAME SELECT "
        "? AS file, ? AS as_of_date, current_timestamp() AS loaded_at, ? AS load_sha256, "
        "CAST(NULL AS DATE) AS reused_from, ? AS report, ? AS file_bytes, "
        "CAST(NULL AS DATE) AS appended_to, ? AS file_digest",
        [
            spec.file,
            as_of,
            reuse.load_fingerprint(spec, rules),
            report_json(report),
            size,
            digest,
        ],
    )
