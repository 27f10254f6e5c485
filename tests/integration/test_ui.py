"""The Dagster UI as a newcomer and RevOps meet it: `books run` records its run where
`dagster dev` looks, the pages load in a real browser, and a decision launched the way the
launchpad launches it takes effect on the next run."""

import datetime as dt
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from dagster_graphql import DagsterGraphQLClient

from tests.integration.browser import needs_browser, page_errors, rendered
from tests.integration.conftest import AS_OF

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
DAY1, DAY2 = AS_OF + dt.timedelta(days=1), AS_OF + dt.timedelta(days=2)
LOCATION = "dynamic_books"  # workspace.yaml's name for the code location
LOADED = "{ workspaceOrError { ... on Workspace { locationEntries { name locationOrLoadError { __typename } } } } }"  # noqa: E501


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rows(warehouse: Path, sql: str, params=()) -> list[tuple]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(sql, list(params)).fetchall()
    finally:
        con.close()


class Ui:
    def __init__(self, root: Path, env: dict[str, str], port: int):
        self.root, self.env, self.port = root, env, port
        self.warehouse = Path(env["BOOKS_WAREHOUSE"])
        self.client = DagsterGraphQLClient("127.0.0.1", port_number=port)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def books_run(self, day: dt.date) -> subprocess.CompletedProcess:
        """`books run` as a terminal user types it, in the environment `make` sets."""
        return subprocess.run(
            [BIN / "books", "run", "--landing", self.env["BOOKS_LANDING"], "--rules",
             self.env["BOOKS_RULES"], "--warehouse", str(self.warehouse), "--as-of", str(day)],
            env=self.env, capture_output=True, text=True, timeout=600,
        )  # fmt: skip

    def launch(self, job: str, run_config: dict, tags: dict | None = None) -> tuple[str, str]:
        """A run submitted through the webserver's GraphQL, as the launchpad submits it;
        waits for its end and returns its status and id."""
        run_id = self.client.submit_job_execution(
            job, repository_location_name=LOCATION, run_config=run_config, tags=tags or {}
        )
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            status = self.client.get_run_status(run_id)
            if status in (dg.DagsterRunStatus.SUCCESS, dg.DagsterRunStatus.FAILURE):
                return status.value, run_id
            time.sleep(0.5)
        raise AssertionError(f"run {run_id} of {job} did not end")


@pytest.fixture(scope="module")
def ui(first_run, tmp_path_factory):
    root = tmp_path_factory.mktemp("ui")
    home = root / "dagster_home"
    home.mkdir()
    shutil.copyfile(REPO / "config" / "dagster.yaml", home / "dagster.yaml")
    warehouse = root / "warehouse.duckdb"
    shutil.copyfile(first_run.warehouse, warehouse)
    port = _free_port()
    env = {
        **os.environ,
        "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}",
        "DAGSTER_HOME": str(home),
        "BOOKS_WAREHOUSE": str(warehouse),
        "BOOKS_LANDING": str(first_run.landing),
        "BOOKS_RULES": str(first_run.rules),
        "BOOKS_EXPORTS": str(root / "exports"),
        "BOOKS_EXPORTS_URL": "http://127.0.0.1:3001/",
    }
    done = Ui(root, env, port).books_run(DAY1)
    assert done.returncode == 0, done.stderr
    log = (root / "dagster-dev.log").open("w")
    server = subprocess.Popen(
        [BIN / "dagster", "dev", "-w", "workspace.yaml", "-p", str(port)],
        cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    try:
        ui = Ui(root, env, port)
        deadline = time.monotonic() + 180
        while True:
            assert server.poll() is None, (root / "dagster-dev.log").read_text()[-2000:]
            assert time.monotonic() < deadline, "dagster dev did not load the code location"
            try:
                entries = ui.client._execute(LOADED)["workspaceOrError"]["locationEntries"]
                if [e["locationOrLoadError"]["__typename"] for e in entries] == [
                    "RepositoryLocation"
                ]:
                    break
            except Exception:  # not listening yet
                pass
            time.sleep(1)
        yield ui
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
        log.close()


def test_the_ui_shows_what_the_cli_did(ui):
    log = (ui.root / "dagster-dev.log").read_text()
    assert "does not match the name" not in log  # the stable code-location name
    instance = dg.DagsterInstance.from_config(ui.env["DAGSTER_HOME"])
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
    for group in ("landing", "staging", "marts", "allocation", "review", "reports"):
        assert f">{group}<" in graph, group
    queue, log = rendered(f"{ui.url}/assets/marts/review_queue", tmp_path / "p2")
    assert "Latest materialization" in queue and "Never materialized" not in queue
    assert "open_items_list" in queue and not page_errors(log)
    pad, log = rendered(
        f"{ui.url}/locations/{LOCATION}/jobs/record_review_decisions/playground", tmp_path / "p3"
    )
    assert "decided_by" in pad and "Launch Run" in pad and not page_errors(log)
    assert "warehouse_path" not in pad  # only review fields, no dbt or warehouse internals


def test_a_decision_launched_as_the_ui_does_takes_effect_next_run(ui):
    ((item, key, column),) = rows(
        ui.warehouse,
        "SELECT review_item_id, record_key, column_name FROM marts.review_queue "
        "WHERE item_kind = 'blocked_account' AND status = 'open' AND rule NOT LIKE '%_unique' "
        "ORDER BY review_item_id LIMIT 1",
    )
    assert column == "AnnualRevenue", "the generated data blocks a negative revenue"

    def decide(value: str):
        config = {
            "decision": "reintroduce",
            "item_ids": [item],
            "decided_by": "Robin (RevOps)",
            "note": "revenue checked in the CRM",
            "corrected_value": value,
        }
        return ui.launch(
            "record_review_decisions", {"ops": {"quality__review_decisions": {"config": config}}}
        )

    status, run_id = decide("twelve")
    assert status == "FAILURE"
    instance = dg.DagsterInstance.from_config(ui.env["DAGSTER_HOME"])
    (failure,) = [
        e for e in instance.all_logs(run_id) if e.dagster_event and e.dagster_event.is_step_failure
    ]
    said = failure.dagster_event.step_failure_data.user_failure_data.description
    assert "not a double for AnnualRevenue" in said and "\n" not in said
    assert decide("12000000")[0] == "SUCCESS"

    # The dry run of the next day, from the UI: nothing written, the changes listed.
    day = {"dagster/partition": str(DAY2)}
    before = rows(ui.warehouse, "SELECT max(as_of_date) FROM allocation.ownership_events")
    status, run_id = ui.launch("daily_books_dry_run", {}, tags=day)
    assert status == "SUCCESS"
    assert rows(ui.warehouse, "SELECT max(as_of_date) FROM allocation.ownership_events") == before
    assert not list((ui.root / "exports").glob(f"*{DAY2}*"))
    (shown,) = [e for e in instance.all_logs(run_id) if "Changes per rep" in e.message]
    assert f"Dry run for {DAY2}" in shown.message
    preview = ui.root / "previews" / f"rep_book_changes_{DAY2}.csv"

    # The next day's run, launched from the UI too: the row is loaded with its new value,
    # and the changes are those the dry run listed.
    status, _ = ui.launch("daily_books", {}, tags=day)
    assert status == "SUCCESS"
    real = ui.root / "exports" / f"rep_book_changes_{DAY2}.csv"
    assert len(real.read_text().splitlines()) > 1  # a day with changes: one at least
    assert preview.read_bytes() == real.read_bytes()
    assert rows(
        ui.warehouse,
        "SELECT annual_revenue FROM marts.account_scores WHERE account_id = ?",
        [key],
    ) == [(12000000.0,)]
    assert rows(
        ui.warehouse,
        "SELECT decided_by, decided_on FROM quality.review_decisions WHERE review_item_id = ?",
        [item],
    ) == [("Robin (RevOps)", DAY2)]
