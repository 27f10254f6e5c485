"""How the warehouse's own tables changed shape, in order, and the version a warehouse is
at (`main.schema_version`, one row per migration applied).

Each store's DDL creates its tables as this version writes them; a warehouse made by an
older version is brought to that shape here, once, as a writing connection opens it
(`Warehouse.connect`). A migration applies only where its table is there (a table created
later is created in its current shape), and its statements hold when run again, so a
warehouse from before versions existed takes every migration and is stamped with the
latest. A change of shape is a new migration at the end of `MIGRATIONS` and the same
change in the store's DDL; no store changes the shape of a table it keeps (a load's
working columns on the table it is building aside).

These tables are DuckDB's whichever engine builds the models: with Spark they are handed
over as Parquet before each build, in the shape they have then, so Spark has nothing of
its own to migrate (what dbt builds there, dbt rebuilds). A Spark warehouse from before
that kept them in Spark: its DuckDB file takes their rows over as it is created
(`adopt_spark_history`), before anything is handed over in their place.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from data_quality.landing.store import LOADS_DDL, QUARANTINE_DDL
from data_quality.review import DECISIONS_DDL
from orchestration.stores.allocation import DDL as ALLOCATION_DDL

VERSION_TABLE = "main.schema_version"
VERSION_DDL = f"""
CREATE TABLE IF NOT EXISTS {VERSION_TABLE} (
    version INTEGER NOT NULL,
    applied_at TIMESTAMP NOT NULL,
    why VARCHAR NOT NULL
)
"""


@dataclass(frozen=True)
class Migration:
    why: str
    table: str  # schema.table: applied only when it exists
    statements: tuple[str, ...]
    needs_column: str | None = None  # ... and, when named, has this column


MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        "shared ownership: an event belongs to a lane; older events are all in the one lane",
        "allocation.ownership_events",
        (
            "ALTER TABLE allocation.ownership_events ADD COLUMN IF NOT EXISTS lane VARCHAR "
            "DEFAULT 'all'",
            "ALTER TABLE allocation.ownership_events ALTER COLUMN lane SET NOT NULL",
        ),
    ),
    Migration(
        "appended files: the load log records the file's size and the load appended to",
        "quality.landing_loads",
        (
            "ALTER TABLE quality.landing_loads ADD COLUMN IF NOT EXISTS file_bytes BIGINT",
            "ALTER TABLE quality.landing_loads ADD COLUMN IF NOT EXISTS appended_to DATE",
        ),
    ),
    Migration(
        "the file's XXH3-128 digest replaces its SHA-256 (loads logged with one are read "
        "again once)",
        "quality.landing_loads",
        (
            "ALTER TABLE quality.landing_loads ADD COLUMN IF NOT EXISTS file_digest VARCHAR",
            "ALTER TABLE quality.landing_loads DROP COLUMN IF EXISTS file_sha256",
        ),
    ),
    Migration(
        "review decisions are about queue items, not accounts: account_id becomes the "
        "record key, the item's other columns NULL",
        "quality.review_decisions",
        (
            "ALTER TABLE quality.review_decisions RENAME COLUMN account_id TO record_key",
            "ALTER TABLE quality.review_decisions ALTER COLUMN record_key DROP NOT NULL",
            *(
                f"ALTER TABLE quality.review_decisions ADD COLUMN IF NOT EXISTS {c} VARCHAR"
                for c in (
                    "review_item_id",
                    "item_kind",
                    "file",
                    "column_name",
                    "corrected_value",
                    "decided_by",
                )
            ),
        ),  # fmt: skip
        needs_column="account_id",
    ),
    Migration(
        "keep one row of a key: a decision records the row kept",
        "quality.review_decisions",
        ("ALTER TABLE quality.review_decisions ADD COLUMN IF NOT EXISTS kept_row VARCHAR",),
    ),
)
LATEST = len(MIGRATIONS)


class NewerWarehouse(RuntimeError):
    """A warehouse a later version made: this one would write rows in shapes it no
    longer has, so it opens nothing."""


def version(con) -> int:
    """The version the warehouse is at: 0 before versions existed."""
    con.execute(VERSION_DDL)
    return con.execute(f"SELECT coalesce(max(version), 0) FROM {VERSION_TABLE}").fetchone()[0]


@contextmanager
def _transaction(con) -> Iterator[None]:
    """All of the block or none of it: a warehouse is never left half brought up."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


def migrate(con) -> list[int]:
    """The warehouse brought to the latest shape, in one transaction: the versions applied."""
    applied = []
    with _transaction(con):
        at = version(con)
        if at > LATEST:
            raise NewerWarehouse(
                f"the warehouse is at schema version {at}, and this dynamic-books knows "
                f"versions up to {LATEST}: upgrade it before running on this warehouse"
            )
        for number, migration in enumerate(MIGRATIONS[at:], start=at + 1):
            if _applies(con, migration):
                for statement in migration.statements:
                    con.execute(statement)
            con.execute(
                f"INSERT INTO {VERSION_TABLE} VALUES (?, current_timestamp, ?)",
                [number, migration.why],
            )
            applied.append(number)
    return applied


def _applies(con, migration: Migration) -> bool:
    schema, table = migration.table.split(".")
    columns = {
        name
        for (name,) in con.execute(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_schema = ? AND table_name = ?",
            [schema, table],
        ).fetchall()
    }
    return bool(columns) and (not migration.needs_column or migration.needs_column in columns)


# What a Spark warehouse kept as Spark tables when its Python steps ran on Spark: its
# history. The raw and reference tables are the landing files', read again; the models
# are dbt's, built again (the coverage snapshots stay in Spark, where dbt keeps them).
SPARK_HISTORY = (
    "allocation.ownership_events",
    "allocation.rep_capacity",
    "allocation.return_decisions",
    "allocation.claim_decisions",
    "allocation.account_states",
    "quality.quarantine",
    "quality.landing_loads",
    "quality.review_decisions",
)


def adopt_spark_history(con, tables: Path) -> list[str]:
    """The rows of each table of SPARK_HISTORY that Spark holds under `tables` (its
    warehouse folder: `schema.db/table/`, partitioned or not), in DuckDB's table of the
    same name, created as this version writes it, in one transaction: the tables taken."""
    adopted = []
    with _transaction(con):
        con.execute(ALLOCATION_DDL + QUARANTINE_DDL + LOADS_DDL + DECISIONS_DDL)
        for name in SPARK_HISTORY:
            schema, table = name.split(".")
            place = tables / f"{schema}.db" / table
            if not any(place.rglob("*.parquet")):
                continue
            # By name: a table Spark never migrated lacks later columns, which take their
            # defaults as a migration would have given them.
            con.execute(
                f"INSERT INTO {name} BY NAME SELECT * FROM "
                "read_parquet(?, hive_partitioning = true)",
                [f"{place}/**/*.parquet"],
            )
            adopted.append(name)
    return adopted
