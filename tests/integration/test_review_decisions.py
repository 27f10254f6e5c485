"""RevOps decisions through the Dagster job take effect on the next run."""

import datetime as dt
import shutil

import dagster as dg
import duckdb
import pytest

from orchestration.defs.quality.review import review_decisions
from orchestration.resources import Warehouse
from orchestration.runner import RunPaths, run_books
from tests.integration.conftest import AS_OF


def decide(warehouse, ids, decision):
    return dg.materialize(
        [review_decisions],
        resources={"warehouse": Warehouse(path=str(warehouse))},
        run_config={
            "ops": {
                "quality__review_decisions": {
                    "config": {
                        "account_ids": ids,
                        "decision": decision,
                        "note": "checked in the CRM",
                    }
                }
            }
        },
        raise_on_error=False,
    )


def count(warehouse, sql):
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


@pytest.fixture
def own_copy(first_run, tmp_path):
    warehouse = tmp_path / "wh.duckdb"
    shutil.copyfile(first_run.warehouse, warehouse)
    return RunPaths(landing=first_run.landing, rules=first_run.rules, warehouse=warehouse)


def test_retire_takes_effect_next_run_and_bad_decisions_record_nothing(own_copy):
    warehouse = own_copy.warehouse
    flagged = count(
        warehouse,
        "SELECT q.record_key FROM marts.review_queue q JOIN "
        "marts.account_scores s ON s.account_id = q.record_key "
        "ORDER BY q.record_key LIMIT 1",
    )
    assert flagged, "the generated data always carries a warning-level item on a loaded account"
    account = flagged[0][0]

    for ids, decision in (([account, "001DOESNOTEXIST"], "retire"), ([account], "delete")):
        result = decide(warehouse, ids, decision)
        assert not result.success
        assert count(warehouse, "SELECT count(*) FROM quality.review_decisions") == [(0,)]

    assert decide(warehouse, [account], "retire").success
    run_books(own_copy, AS_OF + dt.timedelta(days=1))
    assert count(
        warehouse, f"SELECT pool_state FROM marts.pool WHERE account_id = '{account}'"
    ) == [("retired",)]
    assert count(
        warehouse, f"SELECT count(*) FROM marts.current_books WHERE account_id = '{account}'"
    ) == [(0,)]
    assert ("retire",) in count(
        warehouse, f"SELECT status FROM marts.review_queue WHERE record_key = '{account}'"
    )
