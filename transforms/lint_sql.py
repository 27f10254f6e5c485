"""sqlfluff over the dbt project, with the vars the models render with, and the search for
DuckDB-only SQL outside the macros dispatched per adapter (`make lint`).

sqlfluff's dbt templater compiles the models; they read the rules of engagement as a
var, a nested mapping that sqlfluff's ini-style config cannot hold: it is handed over
here, from the same defaults the manifest is parsed with.

    python transforms/lint_sql.py [--fix] [PATH ...]   (default: models; macros compile in them)
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from sqlfluff.core import FluffConfig, Linter
from sqlfluff.core.config.loader import load_config_up_to_path

from engagement.rules import Rules
from transforms.portability import findings

HERE = Path(__file__).resolve().parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--fix", action="store_true", help="rewrite what sqlfluff can fix")
    parser.add_argument("paths", nargs="*", default=["models"])
    args = parser.parse_args()
    os.chdir(HERE)  # the dbt templater compiles the project in its folder
    config = load_config_up_to_path(".")
    config.setdefault("templater", {}).setdefault("dbt", {})["context"] = Rules().dbt_vars()
    linted = Linter(config=FluffConfig(configs=config)).lint_paths(
        tuple(args.paths), fix=args.fix, apply_fixes=args.fix
    )
    if args.fix:
        linted.persist_changes(formatter=None)
    found = 0
    for record in linted.as_records():
        for v in record["violations"]:
            found += 1
            print(f"transforms/{record['filepath']}:{v['start_line_no']}:{v['start_line_pos']}: "
                  f"{v['code']} {v['description']}")  # fmt: skip
    print(f"sqlfluff: {len(linted.as_records())} files, {found} violations")
    duckdb_only = findings()
    print("\n".join([*duckdb_only, f"portability: {len(duckdb_only)} DuckDB-only constructs"]))
    return 1 if found or duckdb_only else 0


if __name__ == "__main__":
    sys.exit(main())
