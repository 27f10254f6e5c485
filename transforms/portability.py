"""DuckDB-only SQL outside the macros dispatched per adapter (`make lint`, issue 25).

One dbt project serves DuckDB and Spark. SQL only DuckDB reads belongs in a `duckdb__`
macro with a `spark__` (or `default__`) twin beside it; anywhere else in models/ and
macros/ it is a finding that names the file, the line and the portable way to write it.
sqlfluff cannot tell: its dbt templater renders the duckdb__ side of every dispatch.
"""

from __future__ import annotations

import re
from pathlib import Path

HERE = Path(__file__).resolve().parent

# (pattern, what to write instead), matched case-insensitively on the code with comments
# out; the SQL_ONLY ones also with Jinja out, where dicts and quoted strings are Jinja's.
# Not here, as both engines read them (Spark 4.3 as DuckDB): SEMI / ANTI JOIN, an
# aggregate's FILTER (WHERE ...), QUALIFY, GROUP BY ALL.
DUCKDB_ONLY: tuple[tuple[str, str], ...] = (
    (r"\bdate_diff\s*\(", "date_diff: {{ dbt.datediff(first, second, 'day') }}"),
    (r"\bas\s+materialized\s*\(", "AS MATERIALIZED: {{ cte_materialized() }} before the ("),
    (r"\bunnest\s*\(", "unnest: a dispatched macro (explode on Spark)"),
    (r"\blist\s*\(", "list(): a dispatched macro (collect_list on Spark)"),
    (r"\bhash\s*\(", "hash: {{ row_hash(keys) }}, dispatched per adapter"),
    (r"'g'\s*\)", "regexp_replace's 'g' flag: {{ squish(expr) }} or a dispatched macro"),
    (r"::\s*\w", "a :: cast: cast(x as type)"),
    (r"\bquantile(_cont|_disc)?\s*\(", "quantile: percentile_cont(q) within group (order by x)"),
    (r"\bstring_agg\s*\(", "string_agg: {{ dbt.listagg(...) }} or a dispatched macro"),
    (r"\bvarchar\b", "varchar: {{ dbt.type_string() }}"),
    (r"\bhugeint\b", "hugeint: {{ dbt.type_bigint() }}"),
    (r"\bupdate\s+\{\{\s*this|\bdelete\s+from\s+\{\{\s*this", "update / delete: a dispatched hook"),
)
SQL_ONLY: tuple[tuple[str, str], ...] = (
    (r"\{\s*'\w+'\s*:", "a struct literal: a dispatched macro (named_struct on Spark)"),
    (r'"\w+"', "a double-quoted identifier (a string on Spark): unquoted"),
)

_COMMENTS = re.compile(r"\{#.*?#\}|--[^\n]*", re.S)
_JINJA = re.compile(r"\{%.*?%\}|\{\{.*?\}\}", re.S)
# A macro named for one adapter is that adapter's own SQL.
_ADAPTER_MACRO = re.compile(
    r"\{%-?\s*macro\s+(duckdb|spark)__.*?\{%-?\s*endmacro\s*-?%\}", re.S | re.I
)


def _blank(match: re.Match[str]) -> str:
    """The match as spaces, its line breaks kept so that line numbers hold."""
    return re.sub(r"[^\n]", " ", match.group(0))


def _code(text: str) -> str:
    return _ADAPTER_MACRO.sub(_blank, _COMMENTS.sub(_blank, text))


def findings(root: Path = HERE, folders: tuple[str, ...] = ("models", "macros")) -> list[str]:
    """One line per DuckDB-only construct: `path:line: construct -> what to write`."""
    found = []
    for folder in folders:
        for path in sorted((root / folder).rglob("*.sql")):
            code = _code(path.read_text())
            sql = _JINJA.sub(_blank, code)
            where = path.relative_to(root.parent)
            for number, (line, sql_line) in enumerate(
                zip(code.splitlines(), sql.splitlines(), strict=True), start=1
            ):
                for text, patterns in ((line, DUCKDB_ONLY), (sql_line, SQL_ONLY)):
                    for pattern, instead in patterns:
                        if re.search(pattern, text, re.I):
                            found.append(f"{where}:{number}: DuckDB-only SQL, {instead}")
    return found
