"""Two warehouses compared table by table, every schema, for "same inputs, same bytes"."""

from pathlib import Path

import duckdb
import pandas as pd

# When each file was loaded: a log of the wall clock, the one column two runs of the same
# inputs may not share.
WALL_CLOCK = {"quality.landing_loads": ["loaded_at"], "main.schema_version": ["applied_at"]}
# How a build was made (a file read whole or appended to, sums moved or summed again): what
# a full refresh changes by design, and nothing else.
BUILD_RECORD = {
    "main.schema_version": ["applied_at"],
    "quality.landing_loads": ["loaded_at", "reused_from", "appended_to"],
    "marts.account_activity": ["built_for", "built_from", "tasks_through", "events_through"],
    "intermediate.int_pairs__activity_summed": [
        "built_for",
        "built_from",
        "tasks_through",
        "events_through",
    ],
}


def warehouse_tables(warehouse: Path, left_out=None) -> dict[str, pd.DataFrame]:
    """Every table and view of every schema, rows sorted, wall-clock columns (or those of
    `left_out`, table -> columns) left out."""
    left_out = left_out or WALL_CLOCK
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        names = [
            name
            for (name,) in con.execute(
                "SELECT table_schema || '.' || table_name FROM information_schema.tables "
                "WHERE table_catalog = current_database() ORDER BY 1"
            ).fetchall()
        ]
        tables = {}
        for name in names:
            dropped = left_out.get(name)
            columns = f"* EXCLUDE ({', '.join(dropped)})" if dropped else "*"
            tables[name] = con.execute(f"SELECT {columns} FROM {name} ORDER BY ALL").df()
        return tables
    finally:
        con.close()


def differences(a: Path, b: Path, left_out=None) -> dict[str, str]:
    """Table -> how it differs between the warehouses `a` and `b` (empty: the same)."""
    left, right = warehouse_tables(a, left_out), warehouse_tables(b, left_out)
    found = {name: "only in the first" for name in set(left) - set(right)}
    found |= {name: "only in the second" for name in set(right) - set(left)}
    for name in sorted(set(left) & set(right)):
        x, y = left[name], right[name]
        if list(x.columns) != list(y.columns):
            found[name] = f"columns {list(x.columns)} vs {list(y.columns)}"
        elif len(x) != len(y):
            found[name] = f"{len(x)} rows vs {len(y)}"
        else:
            columns = [c for c in x.columns if not x[c].equals(y[c])]
            if columns:
                found[name] = f"values differ in {columns}"
    return found
