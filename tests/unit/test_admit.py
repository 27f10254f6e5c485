"""What a run loads of the rows RevOps decided on, when rows share a key: the key loads
once, as the row kept, never twice."""

import datetime as dt

import duckdb
import pytest

from data_quality.contract import QUARANTINE_TABLE
from data_quality.review import DECISIONS_TABLE, ensure_decisions_table, row_values
from tests.unit.test_reuse import ACCOUNT_HEADER, DAY1, DAY2, TASK_HEADER, account, run, task

DAY3 = DAY2 + dt.timedelta(days=1)


@pytest.fixture
def con():
    connection = duckdb.connect(":memory:")
    yield connection
    connection.close()


def decide(con, key, decision, column=None, value=None, kept_row=None, item="i"):
    ensure_decisions_table(con)
    con.execute(
        f"INSERT INTO {DECISIONS_TABLE} (review_item_id, item_kind, file, record_key, "
        "column_name, decision, corrected_value, decided_on, decided_at, kept_row) VALUES "
        "(?, 'blocked_account', 'Account.csv', ?, ?, ?, ?, ?, now(), ?)",
        [item, key, column, decision, value, DAY1, kept_row],
    )


def loaded(con, key):
    return con.execute(
        "SELECT Name, AnnualRevenue FROM raw.salesforce_accounts WHERE Id = ?", [key]
    ).fetchall()


def test_a_key_held_twice_loads_once_as_the_row_kept(con, tmp_path):
    (tmp_path / "Account.csv").write_text(
        ACCOUNT_HEADER
        + account("001A")
        + account("001D")
        + account("001D", "-5").replace("Acme 001D", "Acme Corp")
    )
    (tmp_path / "Task.csv").write_text(TASK_HEADER + task("T1", "001A"))
    run(con, tmp_path, DAY1)
    rules = con.execute(
        f"SELECT row_number, rule FROM {QUARANTINE_TABLE} WHERE record_key = '001D' "
        "ORDER BY row_number, rule"
    ).fetchall()
    assert rules == [(2, "account_id_unique"), (3, "account_id_unique"),
                     (3, "revenue_not_negative")]  # fmt: skip
    # The negative revenue reintroduced with nothing kept (as an older version let it be
    # recorded): neither row of the key loads, where both did.
    decide(con, "001D", "reintroduce", "AnnualRevenue", "12000", item="r1")
    run(con, tmp_path, DAY2)
    assert loaded(con, "001D") == []
    # The second row kept: it loads alone, with the corrected revenue.
    (raw,) = con.execute(
        f"SELECT raw_record FROM {QUARANTINE_TABLE} WHERE row_number = 3 "
        "AND rule = 'account_id_unique' AND as_of_date = ?",
        [DAY2],
    ).fetchone()
    decide(con, "001D", "keep", "Id", kept_row=row_values(raw), item="k3")
    decide(con, "001D", "dismiss", "Id", item="k2")
    run(con, tmp_path, DAY3)
    assert loaded(con, "001D") == [("Acme Corp", 12000.0)]
