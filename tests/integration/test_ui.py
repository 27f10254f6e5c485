"""The Dagster UI as a newcomer and RevOps meet it: `books run` records its run where
`dagster dev` looks, the pages load in a real browser, and a decision launched the way the
launchpad launches it takes effect on the next run."""

import datetime as dt
import shutil
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from bench.dagster_dev import LOCATION, DagsterDev, books_run, environment
from orchestration.partitions import review_item_id, review_items
from tests.integration.browser import (
    launch_from_launchpad,
    needs_browser,
    page_errors,
    rendered,
    screenshot,
)
from tests.integration.conftest import AS_OF

DAY1 = AS_OF + dt.timedelta(days=1)


def rows(warehouse: Path, sql: str, params=()) -> list[tuple]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(sql, list(params)).fetchall()
    finally:
        con.close()


@pytest.fixture(scope="module")
def ui(first_run, tmp_path_factory):
    root = tmp_path_factory.mktemp("ui")
    warehouse = root / "warehouse.duckdb"
    shutil.copyfile(first_run.warehouse, warehouse)
    env = environment(root, first_run.landing, first_run.rules, warehouse)
    done = books_run(env, DAY1)
    assert done.returncode == 0, done.stderr
    with DagsterDev(env, root / "dagster-dev.log") as dev:
        yield dev


def test_the_ui_shows_what_the_cli_did(ui):
    log = ui.log_path.read_text()
    assert "does not match the name" not in log  # the stable code-location name
    instance = ui.instance()
    (run,) = instance.get_runs()
    assert (run.job_name, run.tags["dagster/partition"]) == ("daily_books", str(DAY1))
    queue = instance.get_latest_materialization_event(dg.AssetKey(["marts", "review_queue"]))
    assert queue.run_id == run.run_id and "open_items_list" in queue.asset_materialization.metadata
    report = instance.get_latest_materialization_event(dg.AssetKey(["reports", "coverage"]))
    link = report.asset_materialization.metadata["report"].value
    assert link == f"http://127.0.0.1:3001/coverage_report_{DAY1}.html"  # served, not file://


@needs_browser
def test_the_graph_the_queue_and_the_launchpad_load_in_a_browser(ui, tmp_path):
    graph, log = rendered(f"{ui.url}/asset-groups", tmp_path / "p1")
    assert "Global asset lineage" in graph and not page_errors(log)
    for group in ("landing", "signals", "books", "coverage", "review", "exports"):
        assert f">{group}<" in graph, group
    # The global graph as a newcomer sees it: drawn, not a blank or an error page (a
    # blank 1600x1000 page is a few kB of PNG); kept beside the test's files to look at.
    png = screenshot(f"{ui.url}/asset-groups", tmp_path / "global_graph.png", tmp_path / "p4")
    blank = screenshot("about:blank", tmp_path / "blank.png", tmp_path / "p5")
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 5 * len(blank), (len(png), len(blank))
    queue, log = rendered(f"{ui.url}/assets/marts/review_queue", tmp_path / "p2")
    assert "Latest materialization" in queue and "Never materialized" not in queue
    assert "open_items_list" in queue and not page_errors(log)
    pad, log = rendered(
        f"{ui.url}/locations/{LOCATION}/jobs/record_review_decisions/playground", tmp_path / "p3"
    )
    assert "decided_by" in pad and "Launch Run" in pad and not page_errors(log)
    assert "warehouse_path" not in pad  # only review fields, no dbt or warehouse internals


def picked(instance, item: str) -> str:
    """The item's partition of the review job: what the launchpad's picker lists."""
    (key,) = [
        k for k in instance.get_dynamic_partitions(review_items.name) if review_item_id(k) == item
    ]
    return key


@needs_browser
def test_revops_decides_three_items_in_the_browser_and_sees_them_the_same_day(ui, tmp_path):
    instance = ui.instance()
    ((fixed, key, column),) = rows(
        ui.warehouse,
        "SELECT review_item_id, record_key, column_name FROM marts.review_queue "
        "WHERE item_kind = 'blocked_account' AND status = 'open' AND rule NOT LIKE '%_unique' "
        "ORDER BY review_item_id LIMIT 1",
    )
    assert column == "AnnualRevenue", "the generated data blocks a negative revenue"
    (twin, _, _), (kept, twin_key, kept_name) = rows(
        ui.warehouse,
        "SELECT review_item_id, record_key, raw_record::JSON->>'Name' FROM marts.review_queue "
        "WHERE rule = 'account_id_unique' ORDER BY (raw_record::JSON->>'_row')::INT",
    )
    ((warning,),) = rows(
        ui.warehouse,
        "SELECT review_item_id FROM marts.review_queue WHERE item_kind = 'warning' "
        "ORDER BY review_item_id LIMIT 1",
    )
    assert picked(instance, fixed).endswith(" · reintroduce or retire")
    assert picked(instance, kept).endswith(" · retire or keep")

    # A value not of the column's type is refused in one line, and nothing recorded.
    wrong = {"decision": "reintroduce", "decided_by": "Robin", "corrected_value": "twelve"}
    status, run_id = ui.launch(
        "record_review_decisions",
        {"ops": {"quality__review_decisions": {"config": wrong}}},
        tags={"dagster/partition": picked(instance, fixed)},
    )
    assert status == "FAILURE"
    (failure,) = [
        e for e in instance.all_logs(run_id) if e.dagster_event and e.dagster_event.is_step_failure
    ]
    said = failure.dagster_event.step_failure_data.user_failure_data.description
    assert "not a double for AnnualRevenue" in said and "\n" not in said
    # The run's page shows the reason, and no stack trace under it.
    page, _ = rendered(f"{ui.url}/runs/{run_id}", tmp_path / "p6", budget_ms=15000)
    assert "not a double for AnnualRevenue" in page
    assert "Stack Trace" not in page and "Traceback" not in page

    # Three decisions as RevOps makes them: pick the item, fill the form, Launch Run.
    launchpad = f"{ui.url}/locations/{LOCATION}/jobs/record_review_decisions/playground"
    forms = {
        fixed: "decision: reintroduce\ndecided_by: Robin (RevOps)\n"
        "note: revenue checked in the CRM\ncorrected_value: '12000000'\n",
        kept: "decision: keep\ndecided_by: Robin (RevOps)\nnote: the newer export\n",
        warning: "decision: acknowledge\ndecided_by: Robin (RevOps)\nnote: known\n",
    }
    for item, form in forms.items():
        shots = tmp_path / item
        shots.mkdir()
        form = "ops:\n  quality__review_decisions:\n    config:\n" + "".join(
            f"      {line}\n" for line in form.splitlines()
        )
        run_id = launch_from_launchpad(launchpad, picked(instance, item), form, shots)
        assert ui.wait(run_id) == "SUCCESS", item
        (decided,) = [
            e for e in instance.all_logs(run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION)
            if e.asset_materialization.partition == picked(instance, item)
        ]  # fmt: skip
        said = decided.asset_materialization.metadata["applies_to"].value
        assert f"a run of {DAY1} again included" in said

    # Same-day effect. The dry run of today again, from the UI: nothing written, the
    # decisions' changes listed.
    day = {"dagster/partition": str(DAY1)}
    real = ui.exports / f"rep_book_changes_{DAY1}.csv"
    before = (rows(ui.warehouse, "SELECT count(*) FROM allocation.ownership_events"),
              real.read_bytes())  # fmt: skip
    status, run_id = ui.launch("daily_books_dry_run", {}, tags=day)
    assert status == "SUCCESS"
    after = (rows(ui.warehouse, "SELECT count(*) FROM allocation.ownership_events"),
             real.read_bytes())  # fmt: skip
    assert after == before
    (shown,) = [e for e in instance.all_logs(run_id) if "Changes per rep" in e.message]
    assert f"Dry run for {DAY1}" in shown.message
    preview = ui.warehouse.parent / "previews" / f"rep_book_changes_{DAY1}.csv"

    # Today's run again, launched from the UI too: each decision shows, and the changes
    # are those the dry run listed.
    status, _ = ui.launch("daily_books", {}, tags=day)
    assert status == "SUCCESS"
    assert preview.read_bytes() == real.read_bytes()
    assert rows(
        ui.warehouse,
        "SELECT annual_revenue FROM marts.account_scores WHERE account_id = ?",
        [key],
    ) == [(12000000.0,)]
    assert rows(
        ui.warehouse, "SELECT Name FROM raw.salesforce_accounts WHERE Id = ?", [twin_key]
    ) == [(kept_name,)]
    statuses = dict(
        rows(
            ui.warehouse,
            "SELECT review_item_id, status FROM marts.review_queue "
            "WHERE list_contains(?, review_item_id)",
            [[fixed, kept, twin, warning]],
        )
    )
    assert statuses == {fixed: "reintroduce", kept: "keep", twin: "dismiss",
                        warning: "acknowledge"}  # fmt: skip
    # The history: the queue's materialization, and each item's own partition.
    queue = instance.get_latest_materialization_event(dg.AssetKey(["marts", "review_queue"]))
    history = queue.asset_materialization.metadata["decision_history"].value.records
    (mine,) = [r.data for r in history if r.data["review_item_id"] == fixed]
    assert (mine["decided_by"], mine["note"], mine["corrected_value"]) == (
        "Robin (RevOps)", "revenue checked in the CRM", "12000000")  # fmt: skip
    decisions = dg.AssetKey(["quality", "review_decisions"])
    twin_history = instance.fetch_materializations(
        dg.AssetRecordsFilter(asset_key=decisions, asset_partitions=[picked(instance, twin)]),
        limit=10,
    ).records
    assert [r.asset_materialization.metadata["decision"].value for r in twin_history] == ["dismiss"]
    assert rows(
        ui.warehouse,
        "SELECT decided_by, decided_on FROM quality.review_decisions WHERE review_item_id = ?",
        [fixed],
    ) == [("Robin (RevOps)", DAY1)]


def test_stopping_the_ui_leaves_no_process_behind(ui):
    """Last in the module: `books dev` (what `make dev` runs) told to stop takes the
    webserver, the daemon, the code servers and the exports server with it."""
    assert ui.stop(within=10) == []
