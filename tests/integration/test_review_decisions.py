"""RevOps decisions, per review item, through the Dagster job the UI launches: each kind
allows its own decisions, a wrong one records nothing, and the next run shows the effect."""

import datetime as dt
import shutil

import dagster as dg
import duckdb
import pytest
from typer.testing import CliRunner

from books_app.cli import app
from orchestration.defs.quality.review import review_decisions
from orchestration.runner import RunPaths, run_books
from orchestration.warehouse import Warehouse
from tests.integration.conftest import AS_OF


def decide(warehouse, ids, decision, **extra):
    return dg.materialize(
        [review_decisions],
        resources={"warehouse": Warehouse(path=str(warehouse))},
        run_config={
            "ops": {
                "quality__review_decisions": {
                    "config": {
                        "item_ids": ids,
                        "decision": decision,
                        "decided_by": "Robin (RevOps)",
                        "note": "checked in the CRM",
                        **extra,
                    }
                }
            }
        },
        raise_on_error=False,
    )


def failure_of(result) -> str:
    (failure,) = result.get_step_failure_events()
    return failure.step_failure_data.user_failure_data.description


def rows(warehouse, sql, params=()):
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(sql, list(params)).fetchall()
    finally:
        con.close()


def item_of(warehouse, kind, file=None, unique=False):
    found = rows(
        warehouse,
        "SELECT review_item_id, record_key, column_name FROM marts.review_queue "
        "WHERE item_kind = ? AND status = 'open' AND record_key IS NOT NULL "
        "AND (rule LIKE '%_unique') = ? AND (? IS NULL OR file = ?) "
        "ORDER BY review_item_id LIMIT 1",
        [kind, unique, file, file],
    )
    assert found, f"the generated data has an open {kind} item"
    return found[0]


@pytest.fixture
def own_copy(first_run, tmp_path):
    warehouse = tmp_path / "wh.duckdb"
    shutil.copyfile(first_run.warehouse, warehouse)
    return RunPaths(landing=first_run.landing, rules=first_run.rules, warehouse=warehouse)


def test_each_kind_of_item_takes_its_decisions_and_the_next_run_shows_them(own_copy):
    warehouse = own_copy.warehouse
    back, back_key, _ = item_of(warehouse, "blocked_account")
    # A duplicate Id: its first row loaded, so the account may be in a book already.
    out, out_key, _ = item_of(warehouse, "blocked_account", unique=True)
    contact, contact_key, _ = item_of(warehouse, "blocked_row", "Contact.csv")
    warning, _, _ = item_of(warehouse, "warning")
    # A value the rules do not know (an industry): an item about a value, with no row.
    ((value_item,),) = rows(
        warehouse,
        "SELECT review_item_id FROM marts.review_queue WHERE item_source = 'rule_value' "
        "ORDER BY review_item_id LIMIT 1",
    )
    queued = rows(warehouse, "SELECT count(*) FROM marts.review_queue")[0][0]

    # Refused, one line each, and nothing recorded.
    refusals = [
        ([back], "accept", f"{back} is a blocked_account item"),
        ([contact], "retire", "allows accept or dismiss, not retire"),
        ([out], "reintroduce", "(account_id_unique): it allows retire, not reintroduce"),
        ([warning, "0000nothere0"], "acknowledge", "not an item of the review queue"),
        ([], "acknowledge", "no review item ids given"),
    ]
    for ids, decision, said in refusals:
        result = decide(warehouse, ids, decision)
        assert not result.success
        message = failure_of(result)
        assert said in message and "\n" not in message, message
        assert rows(warehouse, "SELECT count(*) FROM quality.review_decisions") == [(0,)]
    # A value the dropdown does not offer is refused by Dagster before the step runs.
    with pytest.raises(dg.DagsterInvalidConfigError, match="delete"):
        decide(warehouse, [back], "delete")

    assert decide(warehouse, [back], "reintroduce").success
    assert decide(warehouse, [out], "retire").success
    assert decide(warehouse, [contact], "dismiss").success
    assert decide(warehouse, [contact], "accept").success  # the later decision stands
    assert decide(warehouse, [warning, value_item], "acknowledge").success
    recorded = rows(
        warehouse,
        "SELECT decision, decided_by, note FROM quality.review_decisions ORDER BY decided_at",
    )
    assert [r[0] for r in recorded] == ["reintroduce", "retire", "dismiss", "accept"] + [
        "acknowledge"
    ] * 2
    assert {r[1:] for r in recorded} == {("Robin (RevOps)", "checked in the CRM")}
    # The item's history, every decision in order, the later standing.
    shown = CliRunner().invoke(app, ["review", "show", contact, "--warehouse", str(warehouse)])
    assert shown.exit_code == 0, shown.output
    history = shown.output.split("history:")[1].strip().splitlines()
    decided = [line.split(" Robin (RevOps) ")[1].split(",")[0] for line in history]
    assert decided == ["dismiss", "accept"], history
    assert all("Robin (RevOps)" in line and "checked in the CRM" in line for line in history)

    run_books(own_copy, AS_OF + dt.timedelta(days=1))
    # Reintroduced: loaded, scored, and in the pool or already distributed from it.
    assert rows(
        warehouse, "SELECT count(*) FROM raw.salesforce_accounts WHERE Id = ?", [back_key]
    ) == [(1,)]
    placed = rows(
        warehouse,
        "SELECT (SELECT count(*) FROM marts.pool WHERE account_id = ? AND pool_state IN "
        "('eligible', 'below_min_priority')) + (SELECT count(*) FROM marts.current_books "
        "WHERE account_id = ?)",
        [back_key, back_key],
    )
    assert placed == [(1,)], placed
    # Retired: in no book.
    assert rows(
        warehouse, "SELECT count(*) FROM marts.current_books WHERE account_id = ?", [out_key]
    ) == [(0,)]
    # Accepted: the Contact row is loaded.
    assert rows(
        warehouse, "SELECT count(*) FROM raw.salesforce_contacts WHERE Id = ?", [contact_key]
    ) == [(1,)]
    statuses = dict(
        rows(
            warehouse,
            "SELECT review_item_id, status FROM marts.review_queue "
            "WHERE list_contains(?, review_item_id)",
            [[back, out, contact, warning, value_item]],
        )
    )
    assert statuses == {
        back: "reintroduce",
        out: "retire",
        contact: "accept",
        warning: "acknowledge",
        value_item: "acknowledge",
    }
    # The queue keeps its items (decided ones show their decision): none vanished.
    assert rows(warehouse, "SELECT count(*) FROM marts.review_queue")[0][0] >= queued - 1


# A corrected value, refused when not of the column's type and loaded otherwise: through
# the webserver, as the launchpad submits it, in test_ui.py.
