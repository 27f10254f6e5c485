"""The contract's row rules as SQL: each value typed once, each row's problems noted.

A file's rules come from its contract (`data_quality.contract`): a value of its type, a
required value, a reference to a row of another file. `typed_rows` builds the one SELECT
that checks them all in a pass over the rows, and notes, for the few rows that break one,
which rules and the row as read (for the review queue). Text is trimmed as it loads and
Salesforce ids take their 18-character form; the review queue keeps the text as read.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from data_quality import sql
from data_quality.contract import BY_FILE, QUARANTINE_TABLE, Column, LandingFile
from data_quality.expectations import ROW
from data_quality.sql import ident, literal
from engagement.ids import ID_ALPHABET

# A column of the loaded rows, dropped as they land, noting a row's problems.
NOTED = "_noted"
# Whether trimming changes a row's text (a file read straight into its landed table).
PADDED = "_padded"


def full_match(t: str, pattern: str) -> str:
    return f"regexp_full_match({t}, {literal(pattern)})"


def id_18(t: str, matches=full_match) -> str:
    """A 15-character Salesforce id `t` as its 18-character form; other text as it is.
    `matches(t, pattern)` is the engine's whole-text regular expression match."""
    chunks = []
    for k in (0, 5, 10):
        bits = " + ".join(
            f"(CASE WHEN ascii(substr({t}, {k + i + 1}, 1)) BETWEEN 65 AND 90 THEN {1 << i} "
            "ELSE 0 END)"
            for i in range(5)
        )
        chunks.append(f"substr({literal(ID_ALPHABET)}, 1 + {bits}, 1)")
    return (
        f"CASE WHEN length({t}) = 15 AND {matches(t, '[A-Za-z0-9]{15}')} "
        f"THEN {t} || {' || '.join(chunks)} ELSE {t} END"
    )


def trim_text(c: str, salesforce_id: bool = False) -> str:
    """What loading does to text: surrounding spaces go, and empty text is no value; a
    Salesforce id is stored in its 18-character form."""
    text = f"NULLIF(TRIM({c}), '')"
    return id_18(text) if salesforce_id else text


def may_trim(c: str, salesforce_id: bool = False) -> str:
    """Whether `trim_text` may change the text `c`. TRIM strips the space and non-ASCII
    spaces, nothing else, so a value that neither starts nor ends with a space and is all
    ASCII is its own trim unless it is empty; `c < '!'` holds for empty text and for text
    starting with a space (or a control character: only a needless TRIM). Asked first, as
    TRIM copies every value longer than 12 bytes, and that copy was most of the check."""
    short = f" OR strlen({c}) = 15" if salesforce_id else ""
    return f"({c} < '!' OR ends_with({c}, ' ') OR strlen({c}) <> length({c}){short})"


def trimmed_text(c: str, may_trim: str, salesforce_id: bool = False) -> str:
    """`trim_text(c)`, computed only where `may_trim` (`may_trim(c)`, or a column of it)."""
    return f"CASE WHEN {may_trim} THEN {trim_text(c, salesforce_id)} ELSE {c} END"


def is_padded(c: str, may_trim: str, trimmed: str) -> str:
    """Whether trimming changed the text `c` (to another value or to NULL), given its
    `trimmed_text` value."""
    return f"({may_trim} AND {c} IS DISTINCT FROM {trimmed})"


def record_key(spec: LandingFile, header: list[str], prefix: str = "") -> str:
    """The row's key as it arrived, for the review queue (NULL when the file lacks it)."""
    return f"{prefix}{ident(spec.key)}" if spec.key in header else "NULL"


def record_json(spec: LandingFile, header: list[str], typed_read: bool, prefix: str = "") -> str:
    """The row as read, as JSON for the review queue: each value as its type where it reads
    as one, its text where it does not, so a row's record is the same whichever way its file
    was read (typed, or as text because another row had a bad value)."""
    types = {c.name: c.type for c in spec.columns}
    parts = [f"{literal(ROW)}, {prefix}{ROW}"]
    for name in header:
        column, type_ = f"{prefix}{ident(name)}", types.get(name, "VARCHAR")
        value = column
        if not typed_read and type_ != "VARCHAR":
            text = trim_text(column)
            value = (
                f"CASE WHEN {text} IS NOT NULL THEN "
                f"coalesce(to_json({sql.try_cast(text, type_)}), to_json({column})) END"
            )
        parts.append(f"{literal(name)}, {value}")
    return f"json_object({', '.join(parts)})::VARCHAR"


def trim_padded(con, spec: LandingFile, header: list[str], noted: str) -> None:
    """Trims the text of the rows `noted` marks as padded (rare), in place; the `landing`
    view keeps them as read, for the review queue's records."""
    con.execute(
        "CREATE OR REPLACE TEMP TABLE landing_untrimmed AS SELECT * FROM landing_read "
        f"WHERE {ROW} IN (SELECT {ROW} FROM {noted} WHERE {PADDED})"
    )
    texts = [c for c in spec.columns if c.type == "VARCHAR" and c.name in header]
    if texts and con.execute("SELECT count(*) FROM landing_untrimmed").fetchone()[0]:
        trimmed = ", ".join(
            f"{ident(c.name)} = {trim_text(ident(c.name), c.salesforce_id)}" for c in texts
        )
        con.execute(
            f"UPDATE {spec.landed_table} SET {trimmed} "
            f"WHERE rowid IN (SELECT {ROW} - 1 FROM landing_untrimmed)"
        )
    con.execute(
        f"CREATE OR REPLACE TEMP VIEW landing AS SELECT * FROM landing_read WHERE {ROW} NOT IN "
        f"(SELECT {ROW} FROM landing_untrimmed) UNION ALL SELECT * FROM landing_untrimmed"
    )


def narrowed_references(con, spec: LandingFile, rows: int) -> frozenset[str]:
    """The files `spec` references that hold more rows than its `rows`: their keys are
    narrowed to the file's values before they are looked up, as a hash table is built of
    the keys: a large file's keys cost more to hash than a small file's lookups save."""
    narrowed = set()
    for ref_file in {ref_file for _, ref_file, _ in spec.references}:
        [(keys,)] = con.execute(f"SELECT count(*) FROM {BY_FILE[ref_file].raw_table}").fetchall()
        if keys > rows:
            narrowed.add(ref_file)
    return frozenset(narrowed)


@dataclass(frozen=True)
class Problem:
    """A row rule broken: the SQL condition that finds it and what the queue says of it."""

    condition: str
    rule: str
    column: str
    detail: str


@dataclass(frozen=True)
class Value:
    """A column of the row as the checks see it: its SQL name, its trimmed text and its
    typed value (columns of the inner queries of `typed_rows`)."""

    spec: Column
    name: str
    text: str
    value: str


# The row rules, one small check per kind, each built from a contract column: the problems
# it finds in a row (`typed_read`: the reader typed the column, so no text is at hand).


def invalid_type(v: Value, typed_read: bool) -> list[Problem]:
    """A value not of its type: read as text, it does not cast; a number that is not
    finite reads as a DOUBLE but is no number (a NaN revenue would rank first)."""
    detail = f"{v.spec.name} is not a valid {v.spec.type}"
    if v.spec.type == "VARCHAR":
        return []
    if not typed_read:
        return [Problem(f"{v.text} IS NOT NULL AND {v.value} IS NULL", "invalid_type",
                        v.spec.name, detail)]  # fmt: skip
    if v.spec.type == "DOUBLE":
        return [Problem(f"NOT isfinite({v.name})", "invalid_type", v.spec.name, detail)]
    return []


def missing_required(v: Value) -> list[Problem]:
    if not v.spec.required:
        return []
    return [Problem(f"{v.text} IS NULL", "missing_required", v.spec.name,
                    f"{v.spec.name} is required")]  # fmt: skip


def not_in(value: str, keys: str) -> str:
    return f"{value} NOT IN ({keys})"


def unknown_reference(
    v: Value,
    spec: LandingFile,
    as_of: dt.date,
    narrowed: frozenset[str],
    quote=ident,
    absent=not_in,
) -> list[Problem]:
    """An id that names no row of the file it references. A row pointing at a quarantined
    record is not dangling: it waits with it. The keys of a file in `narrowed` are first
    narrowed to this file's values. `quote` quotes a column name and `absent(value, keys)`
    says a value is not among keys, as the engine does it best."""
    problems = []
    for referencing, ref_file, ref_column in spec.references:
        if referencing != v.spec.name:
            continue
        ref = BY_FILE[ref_file]
        known_keys = (
            f"SELECT {quote(ref_column)} FROM {ref.raw_table} UNION ALL SELECT record_key FROM "
            f"{QUARANTINE_TABLE} WHERE file = {literal(ref_file)} AND as_of_date = "
            f"DATE {literal(as_of.isoformat())} AND record_key IS NOT NULL"
        )
        if ref_file in narrowed:
            known_keys = (
                f"SELECT k FROM ({known_keys}) AS known(k) "
                f"WHERE k IN (SELECT {trim_text(v.name, v.spec.salesforce_id)} FROM landing)"
            )
        problems.append(
            Problem(f"{v.text} IS NOT NULL AND {absent(v.text, known_keys)}",
                    f"unknown_{ref.table.removesuffix('s')}", referencing,
                    f"{referencing} is not a {ref_file} {ref_column}")
        )  # fmt: skip
    return problems


def row_problems(
    v: Value,
    spec: LandingFile,
    as_of: dt.date,
    typed_read: bool,
    narrowed: frozenset[str] = frozenset(),
    quote=ident,
    absent=not_in,
) -> list[Problem]:
    """Every row rule of the contract on one column."""
    return (
        invalid_type(v, typed_read)
        + missing_required(v)
        + unknown_reference(v, spec, as_of, narrowed, quote, absent)
    )


def typed_rows(
    spec: LandingFile,
    header: list[str],
    unknown: list[str],
    as_of: dt.date,
    typed_read: bool,
    padded: bool = False,
    narrowed: frozenset[str] = frozenset(),
) -> str:
    """SELECT over the `landing` rows that gives every value its type once and notes each
    row's problems (the checks above, its key and the row as read) in a `NOTED` column,
    built only for the few rows that have any. With `typed_read` the reader gave each column
    its type already; else every value is text, cast here. Whether text may trim, trimmed
    text, typed values and each problem's condition are columns of inner queries, so that
    each is computed once, not once per use (the reference check's join ran twice).
    With `padded`, a `PADDED` column says whether trimming changes any of the row's text.
    The keys of the referenced files `narrowed` are first narrowed to the file's values."""
    may_trims, trimmeds, cast, typed, problems = [], [], [], [], []
    changed = []  # a text value that trimming changes
    for i, c in enumerate(spec.columns):
        text, value, may, column = f"__t{i}", f"__v{i}", f"__m{i}", ident(c.name)
        if c.name not in header:
            typed.append(f"CAST(NULL AS {c.type}) AS {column}")
            continue
        if c.type == "VARCHAR" or not typed_read:
            may_trims.append(f"{may_trim(column, c.salesforce_id)} AS {may}")
            trimmeds.append(f"{trimmed_text(column, may, c.salesforce_id)} AS {text}")
        if c.type == "VARCHAR":
            changed.append(is_padded(column, may, text))
            value = text
        elif typed_read:  # an empty value read as NULL
            text = value = column
        else:
            cast.append(f"{sql.try_cast(text, c.type)} AS {value}")
        typed.append(f"{value} AS {column}")
        v = Value(c, column, text, value)
        problems += row_problems(v, spec, as_of, typed_read, narrowed)
    typed += [ident(c) for c in unknown]
    flags = [f"{p.condition} AS __p{j}" for j, p in enumerate(problems)]
    noted = "NULL"
    if problems:
        cases = ", ".join(
            f"CASE WHEN __p{j} THEN {{'rule': {literal(p.rule)}, 'col': {literal(p.column)}, "
            f"'detail': {literal(p.detail)}}} END"
            for j, p in enumerate(problems)
        )
        noted = (
            f"CASE WHEN {' OR '.join(f'__p{j}' for j in range(len(problems)))} THEN "
            f"{{'problems': list_filter([{cases}], lambda x: x IS NOT NULL), "
            f"'key': {record_key(spec, header)}, "
            f"'record': {record_json(spec, header, typed_read)}}} END"
        )
    if padded:
        typed.append(f"({' OR '.join(changed) or 'false'}) AS {PADDED}")

    def more(extra: list[str]) -> str:
        return "".join(", " + e for e in extra)

    return (
        f"SELECT {', '.join(typed)}, {ROW}, {noted} AS {NOTED} FROM ("
        f"SELECT *{more(flags)} FROM (SELECT *{more(cast)} FROM ("
        f"SELECT *{more(trimmeds)} FROM (SELECT *{more(may_trims)} FROM landing))))"
    )
