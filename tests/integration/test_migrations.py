"""A warehouse an older version made opens in this one at the same shape as a new one,
its rows kept; every change of shape is a migration (orchestration/stores/migrations.py)."""

import datetime as dt

import duckdb
import pytest

from data_quality.landing.store import LOADS_DDL, QUARANTINE_DDL
from data_quality.review import DECISIONS_DDL
from orchestration.stores import allocation, migrations
from orchestration.warehouse import Warehouse

# The three tables as versions before the migrations wrote them.
OLD = """
CREATE SCHEMA allocation;
CREATE TABLE allocation.ownership_events (
    event_id VARCHAR PRIMARY KEY, run_id VARCHAR NOT NULL, as_of_date DATE NOT NULL,
    seq BIGINT NOT NULL, account_id VARCHAR NOT NULL, from_rep_id VARCHAR, to_rep_id VARCHAR,
    kind VARCHAR NOT NULL, reason_code VARCHAR NOT NULL, explanation VARCHAR,
    priority DOUBLE, rest_until DATE);
INSERT INTO allocation.ownership_events VALUES ('e1', 'r1', DATE '2026-11-02', 1, 'A1',
    NULL, 'R1', 'adoption', 'crm_owner', NULL, NULL, NULL);
CREATE SCHEMA quality;
CREATE TABLE quality.landing_loads (file VARCHAR NOT NULL, as_of_date DATE NOT NULL,
    loaded_at TIMESTAMP NOT NULL, load_sha256 VARCHAR NOT NULL, reused_from DATE,
    report JSON NOT NULL, file_sha256 VARCHAR NOT NULL);
INSERT INTO quality.landing_loads VALUES ('Account.csv', DATE '2026-11-02',
    TIMESTAMP '2026-11-02 06:00:00', 'f00', NULL, '{}', 'abc');
CREATE TABLE quality.review_decisions (account_id VARCHAR NOT NULL,
    decision VARCHAR NOT NULL, note VARCHAR, decided_on DATE NOT NULL,
    decided_at TIMESTAMP NOT NULL, run_id VARCHAR);
INSERT INTO quality.review_decisions VALUES ('A7', 'retire', 'a test account',
    DATE '2026-11-02', TIMESTAMP '2026-11-02 09:00:00', NULL);
"""
TABLES = ("allocation.ownership_events", "quality.landing_loads", "quality.review_decisions")


def shape(path) -> dict[str, set[tuple[str, str, str]]]:
    """Per table: its columns, types and nullability (their order aside: ALTER appends)."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        rows = con.execute(
            "SELECT table_schema || '.' || table_name, column_name, data_type, is_nullable "
            "FROM information_schema.columns WHERE list_contains(?, "
            "table_schema || '.' || table_name)",
            [list(TABLES)],
        ).fetchall()
    finally:
        con.close()
    tables: dict[str, set] = {}
    for table, *column in rows:
        tables.setdefault(table, set()).add(tuple(column))
    return tables


def created_now(path) -> None:
    con = duckdb.connect(str(path))
    try:
        for ddl in (allocation.DDL, QUARANTINE_DDL, LOADS_DDL, DECISIONS_DDL):
            con.execute(ddl)
    finally:
        con.close()


def test_an_old_warehouse_opens_at_todays_shape_with_its_rows(tmp_path):
    old, new = tmp_path / "old.duckdb", tmp_path / "new.duckdb"
    con = duckdb.connect(str(old))
    con.execute(OLD)
    con.close()
    with Warehouse(path=str(old)).connect() as con:
        versions = con.execute(
            "SELECT version FROM main.schema_version ORDER BY version"
        ).fetchall()
        assert [v for (v,) in versions] == list(range(1, migrations.LATEST + 1))
        # The rows are kept, read in the new shape.
        assert con.execute(
            "SELECT account_id, lane, kind FROM allocation.ownership_events"
        ).fetchall() == [("A1", "all", "adoption")]
        assert con.execute(
            "SELECT record_key, review_item_id, decision, kept_row FROM quality.review_decisions"
        ).fetchall() == [("A7", None, "retire", None)]
        assert con.execute("SELECT file, file_digest FROM quality.landing_loads").fetchall() == [
            ("Account.csv", None)
        ]  # no digest: the file is read again once
    created_now(new)
    assert shape(old) == shape(new)


def test_a_new_warehouse_is_stamped_and_opening_again_changes_nothing(tmp_path):
    path = tmp_path / "wh.duckdb"
    warehouse = Warehouse(path=str(path))
    with warehouse.connect() as con:
        assert migrations.version(con) == migrations.LATEST
        stamped = con.execute("SELECT * FROM main.schema_version").fetchall()
        assert migrations.migrate(con) == []
    with warehouse.connect() as con:
        assert con.execute("SELECT * FROM main.schema_version").fetchall() == stamped
    assert all(isinstance(at, dt.datetime) for _, at, _ in stamped)


def test_a_migration_that_fails_leaves_the_warehouse_as_it_was(tmp_path, monkeypatch):
    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    con.execute(OLD)
    broken = migrations.Migration(
        "a broken one", "quality.landing_loads", ("ALTER TABLE quality.landing_loads X",)
    )
    monkeypatch.setattr(migrations, "MIGRATIONS", (*migrations.MIGRATIONS, broken))
    with pytest.raises(duckdb.Error):
        migrations.migrate(con)
    assert con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'schema_version'"
    ).fetchone() == (0,)
    assert "lane" not in [
        c for (c,) in con.execute(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_name = 'ownership_events'"
        ).fetchall()
    ]  # fmt: skip
    con.close()


def test_a_warehouse_a_later_version_made_is_not_opened(tmp_path):
    path = tmp_path / "wh.duckdb"
    warehouse = Warehouse(path=str(path))
    with warehouse.connect() as con:
        con.execute(
            "INSERT INTO main.schema_version VALUES (?, current_timestamp, 'from the future')",
            [migrations.LATEST + 1],
        )
    newer = f"schema version {migrations.LATEST + 1},"
    with pytest.raises(migrations.NewerWarehouse, match=newer), warehouse.connect():
        pass


def test_a_spark_warehouse_whose_history_spark_kept_hands_it_to_its_duckdb_file(tmp_path):
    """Before the Python steps moved to DuckDB, a Spark warehouse kept the books' history
    as Spark's own Parquet tables (`tables/schema.db/table/`, the dated ones partitioned by
    date, the quarantine by date and file, some from before a migration). Its DuckDB file
    takes every row over as it is created; nothing of it is lost."""
    tables = tmp_path / "wh.spark" / "tables"
    spark_laid_out = duckdb.connect()
    try:
        for sql, table, partitions in (
            (
                "SELECT 'e1' AS event_id, 'r1' AS run_id, DATE '2026-11-02' AS as_of_date, "
                "1::BIGINT AS seq, 'A1' AS account_id, NULL::VARCHAR AS from_rep_id, "
                "'R1' AS to_rep_id, 'adoption' AS kind, 'crm_owner' AS reason_code, "
                "NULL::VARCHAR AS explanation, NULL::DOUBLE AS priority, "
                "NULL::DATE AS rest_until",  # no lane: Spark was never migrated
                "allocation.db/ownership_events",
                "as_of_date",
            ),
            (
                "SELECT DATE '2026-11-02' AS as_of_date, 'A1' AS account_id, 'all' AS lane, "
                "'R1' AS rep_id, 'working' AS state, NULL::DATE AS rest_until",
                "allocation.db/account_states",
                None,
            ),
            (
                "SELECT * FROM (VALUES ('A7', 'retire', 'test', DATE '2026-11-02', "
                "TIMESTAMP '2026-11-02 09:00:00')) t(record_key, decision, note, decided_on, "
                "decided_at)",
                "quality.db/review_decisions",
                None,
            ),
        ):
            place = tables / table
            place.mkdir(parents=True)
            if partitions:
                spark_laid_out.execute(
                    f"COPY ({sql}) TO '{place}' (FORMAT parquet, PARTITION_BY ({partitions}))"
                )
            else:
                spark_laid_out.execute(f"COPY ({sql}) TO '{place}/part-0.parquet' (FORMAT parquet)")
    finally:
        spark_laid_out.close()
    warehouse = Warehouse(path=str(tmp_path / "wh.spark"), engine="spark")
    with warehouse.connect() as con:
        events = con.execute(
            "SELECT event_id, as_of_date, account_id, lane FROM allocation.ownership_events"
        ).fetchall()
        states = con.execute("SELECT account_id, state FROM allocation.account_states").fetchall()
        decisions = con.execute(
            "SELECT record_key, decision FROM quality.review_decisions"
        ).fetchall()
        (at,) = con.execute(f"SELECT max(version) FROM {migrations.VERSION_TABLE}").fetchone()
    assert events == [("e1", dt.date(2026, 11, 2), "A1", "all")]
    assert states == [("A1", "working")]
    assert decisions == [("A7", "retire")]
    assert at == migrations.LATEST
    # Taken once, as the file is created: a later open adds nothing again.
    with warehouse.connect() as con:
        assert con.execute("SELECT count(*) FROM allocation.ownership_events").fetchone() == (1,)
