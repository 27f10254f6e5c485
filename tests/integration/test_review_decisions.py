"""RevOps decisions, per review item, through the Dagster job the UI launches: each kind
allows its own decisions, a wrong one records nothing, and the next run shows the effect."""

import datetime as dt
import shutil

import dagster as dg
import duckdb
import pytest
from typer.testing import CliRunner

from books_app.cli import app
from orchestration.defs.quality.review import (
    formless,
    record_review_decisions,
    review_decisions,
    sync_review_items,
)
from orchestration.partitions import review_item_decisions, review_item_id, review_items
from orchestration.runner import RunPaths, run_books
from orchestration.warehouse import Warehouse
from tests.integration.conftest import AS_OF


@pytest.fixture(scope="module")
def instance():
    with dg.instance_for_test() as instance:
        yield instance


def partitions(instance, warehouse) -> dict[str, str]:
    """The review items' partitions as the queue's build leaves them, by item id."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        sync_review_items(instance, con)
    finally:
        con.close()
    return {review_item_id(k): k for k in instance.get_dynamic_partitions(review_items.name)}


def decide(instance, warehouse, item, decision, **extra):
    """One item decided as the launchpad launches it: the item's partition, the form."""
    return dg.materialize(
        [review_decisions],
        instance=instance,
        partition_key=partitions(instance, warehouse)[item],
        resources={"review_warehouse": formless(lambda: Warehouse(path=str(warehouse)))},
        run_config={
            "ops": {
                "quality__review_decisions": {
                    "config": {
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


def test_each_kind_of_item_takes_its_decisions_and_the_next_run_shows_them(own_copy, instance):
    warehouse = own_copy.warehouse
    back, back_key, _ = item_of(warehouse, "blocked_account")
    # A duplicate Id: its first row loaded, so the account may be in a book already.
    out, out_key, _ = item_of(warehouse, "blocked_account", unique=True)
    contact, contact_key, _ = item_of(warehouse, "blocked_row", "Contact.csv")
    warning, _, _ = item_of(warehouse, "warning")
    # Both rows of that Id are held; after retiring it, RevOps keeps the second instead.
    (twin, _), (kept, kept_name) = rows(
        warehouse,
        "SELECT review_item_id, raw_record::JSON->>'Name' FROM marts.review_queue "
        "WHERE rule = 'account_id_unique' AND record_key = ? "
        "ORDER BY (raw_record::JSON->>'_row')::INT",
        [out_key],
    )
    # A value the rules do not know (an industry): an item about a value, with no row.
    ((value_item,),) = rows(
        warehouse,
        "SELECT review_item_id FROM marts.review_queue WHERE item_source = 'rule_value' "
        "ORDER BY review_item_id LIMIT 1",
    )
    queued = rows(warehouse, "SELECT count(*) FROM marts.review_queue")[0][0]

    # Each item is a partition whose key reads what it is and the decisions it allows.
    keys = partitions(instance, warehouse)
    assert len(keys) == queued
    assert keys[kept].startswith(f"{kept} · blocked_account · Account.csv {out_key} · ")
    assert review_item_decisions(keys[kept]) == ["retire", "keep"]
    assert review_item_decisions(keys[contact]) == ["accept", "dismiss"]
    filled = record_review_decisions.config.get_run_config_for_partition_key(keys[back])
    assert filled["ops"]["quality__review_decisions"]["config"]["decision"] == "reintroduce"
    # The filled form still asks who decides, before anything is launched.
    with pytest.raises(dg.DagsterInvalidConfigError, match="decided_by"):
        dg.materialize(
            [review_decisions],
            partition_key=keys[back],
            run_config=filled,
            instance=instance,
            resources={"review_warehouse": formless(None)},
        )

    # Refused, one line each, and nothing recorded.
    refusals = [
        (back, "accept", f"{back} is a blocked_account item"),
        (contact, "retire", "allows accept or dismiss, not retire"),
        (out, "reintroduce", "(account_id_unique): it allows retire or keep, not reintroduce"),
        (warning, "acknowledge", "who decided is required", {"decided_by": " "}),
    ]
    for item, decision, said, *extra in refusals:
        result = decide(instance, warehouse, item, decision, **(extra[0] if extra else {}))
        assert not result.success
        message = failure_of(result)
        assert said in message and "\n" not in message, message
        assert rows(warehouse, "SELECT count(*) FROM quality.review_decisions") == [(0,)]
    # A value the dropdown does not offer is refused by Dagster before the step runs.
    with pytest.raises(dg.DagsterInvalidConfigError, match="delete"):
        decide(instance, warehouse, back, "delete")
    # In a terminal, two rows of one key cannot both be kept.
    both = CliRunner().invoke(
        app, ["review", "decide", kept, twin, "--decision", "keep", "--warehouse", str(warehouse)]
    )
    assert both.exit_code != 0 and f"are rows of one key ({out_key})" in both.output

    assert decide(instance, warehouse, back, "reintroduce").success
    assert decide(instance, warehouse, out, "retire").success
    assert decide(instance, warehouse, contact, "dismiss").success
    assert decide(instance, warehouse, contact, "accept").success  # the later one stands
    for item in (warning, value_item):
        assert decide(instance, warehouse, item, "acknowledge").success
    result = decide(instance, warehouse, kept, "keep")  # its twin set aside, the retire undone
    assert result.success
    # The twin's history shows it too: a materialization of its partition.
    marked = {
        m.partition: (m.metadata["decision"].value, m.metadata["row_as_read"].value["Name"])
        for m in [e.materialization for e in result.get_asset_materialization_events()]
    }
    assert marked[keys[kept]] == ("keep", kept_name)  # with the row it was made on
    assert marked[keys[twin]][0] == "dismiss" and len(marked) == 2
    recorded = rows(
        warehouse,
        "SELECT decision, decided_by, note FROM quality.review_decisions "
        "ORDER BY decided_at, decision",
    )
    assert [r[0] for r in recorded] == ["reintroduce", "retire", "dismiss", "accept"] + [
        "acknowledge"
    ] * 2 + ["dismiss", "keep"]
    assert {r[1:] for r in recorded[:-2]} == {("Robin (RevOps)", "checked in the CRM")}
    assert recorded[-2][2] == f"checked in the CRM (row kept: {kept})"
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
    # Kept: that row loaded, its twin not, the account no longer retired. (A retire that
    # stands: the dbt unit tests of int_accounts__review_status and account_scores.)
    assert rows(warehouse, "SELECT Name FROM raw.salesforce_accounts WHERE Id = ?", [out_key]) == [
        (kept_name,)
    ]
    assert rows(
        warehouse,
        "SELECT is_retired, review_decision FROM marts.account_scores WHERE account_id = ?",
        [out_key],
    ) == [(False, "keep")]
    # Accepted: the Contact row is loaded.
    assert rows(
        warehouse, "SELECT count(*) FROM raw.salesforce_contacts WHERE Id = ?", [contact_key]
    ) == [(1,)]
    statuses = dict(
        rows(
            warehouse,
            "SELECT review_item_id, status FROM marts.review_queue "
            "WHERE list_contains(?, review_item_id)",
            [[back, out, contact, warning, value_item, kept, twin]],
        )
    )
    assert statuses == {
        kept: "keep",
        twin: "dismiss",
        back: "reintroduce",
        contact: "accept",
        warning: "acknowledge",
        value_item: "acknowledge",
    }
    # The queue keeps its items (decided ones show their decision): none vanished.
    assert rows(warehouse, "SELECT count(*) FROM marts.review_queue")[0][0] >= queued - 1


# A corrected value, refused when not of the column's type and loaded otherwise: through
# the webserver, as the launchpad submits it, in test_ui.py.
