import datetime as dt
import os
from pathlib import Path

import dagster as dg

from data_quality.contract import LANDING_FILES
from orchestration.warehouse import Warehouse


def _ancestors(graph, key):
    seen, todo = set(), [key]
    while todo:
        for parent in graph.get(todo.pop()).parent_keys:
            if parent not in seen:
                seen.add(parent)
                todo.append(parent)
    return seen


def test_definitions_load_as_one_connected_graph():
    from orchestration.definitions import defs

    graph = defs.resolve_asset_graph()
    keys = set(graph.get_all_asset_keys())
    # Every node is a real asset: ingest keys equal the dbt source keys, so no source
    # is left dangling as an external asset.
    assert all(graph.get(k).is_materializable for k in keys)
    # Files flow all the way to the books: landing -> scores -> allocation -> current books.
    lineage = _ancestors(graph, dg.AssetKey(["marts", "current_books"]))
    assert {dg.AssetKey(spec.asset_key) for spec in LANDING_FILES} & lineage
    assert dg.AssetKey(["salesforce", "accounts"]) in lineage
    assert dg.AssetKey(["allocation", "ownership_events"]) in lineage
    assert dg.AssetKey(["marts", "account_scores"]) in lineage
    assert dg.AssetKey(["quality", "quarantine"]) in _ancestors(
        graph, dg.AssetKey(["marts", "review_queue"])
    )

    # One process per run: a process per step paid Python and Dagster's start each time.
    for job in ("daily_books", "daily_books_dry_run", "record_review_decisions", "simulation"):
        assert defs.resolve_job_def(job).executor_def.name == "in_process", job
    assert defs.resolve_sensor_def("daily_books_each_morning") is not None
    assert defs.resolve_sensor_def("new_landing_files") is not None
    checks = {(k.asset_key, k.name) for k in graph.asset_check_keys}
    for spec in LANDING_FILES:  # every landing file: its suite and its reconciliation
        assert {(dg.AssetKey(spec.asset_key), "expectations")} <= checks, spec.file
        assert (dg.AssetKey(spec.asset_key), "rows_reconcile") in checks, spec.file
    # After staging, dbt's tests own the rules (dagster-dbt makes them asset checks); the
    # landing's Great Expectations suites are the only Python rules left.
    mart_checks = {(k.path[-1], name) for k, name in checks if k.path[0] == "marts"}
    assert not {c for c in mart_checks if c[1] == "expectations"}
    for mart, rule in [
        ("account_scores", "value_in_range_account_scores_priority__100__0"),
        ("ownership_events", "ownership_events_rep_on_one_side"),
        ("rep_books", "rep_books_departed_reps_hold_nothing"),
        ("rep_books", "rep_books_book_within_capacity"),
    ]:
        assert (mart, rule) in mart_checks, (mart, rule)


def test_the_asset_graph_is_one_connected_picture():
    from orchestration.definitions import defs

    graph = defs.resolve_asset_graph()
    # A simulated year is a model of a market, not a part of the warehouse's day.
    keys = {k for k in graph.get_all_asset_keys() if graph.get(k).group_name != "simulation"}
    neighbours = {k: set(graph.get(k).parent_keys) | set(graph.get(k).child_keys) for k in keys}
    seen, todo = set(), [next(iter(keys))]
    while todo:
        key = todo.pop()
        if key not in seen:
            seen.add(key)
            todo.extend(neighbours[key] - seen)
    assert seen == keys, sorted(k.to_user_string() for k in keys - seen)


def test_sensor_requests_todays_run_once_per_new_landing_file(tmp_path):
    from orchestration.defs.automation.jobs import new_landing_files
    from orchestration.files import LandingFolder
    from orchestration.partitions import today

    landing = LandingFolder(path=str(tmp_path))
    context = dg.build_sensor_context(resources={"landing": landing})
    assert isinstance(new_landing_files(context), dg.SkipReason)
    (tmp_path / "Account.csv").write_text("Id,Name\n")
    result = new_landing_files(context)
    (request,) = result.run_requests
    assert request.partition_key == str(today())
    # Today's date becomes a run date as its run is requested.
    (added,) = result.dynamic_partitions_requests
    assert (added.partitions_def_name, list(added.partition_keys)) == ("run_dates", [str(today())])
    context = dg.build_sensor_context(resources={"landing": landing}, cursor=context.cursor)
    assert isinstance(new_landing_files(context), dg.SkipReason)


def test_the_morning_sensor_requests_todays_run_once_a_day(monkeypatch):
    from orchestration.defs.automation import jobs
    from orchestration.partitions import today

    monkeypatch.setattr(jobs, "_now", lambda: dt.datetime.combine(today(), dt.time(5, 59)))
    context = dg.build_sensor_context()
    assert "starts at 06:00 UTC" in jobs.daily_books_each_morning(context).skip_message
    monkeypatch.setattr(jobs, "_now", lambda: dt.datetime.combine(today(), dt.time(6, 0)))
    result = jobs.daily_books_each_morning(context)
    (request,) = result.run_requests
    assert (request.partition_key, request.run_key) == (str(today()), str(today()))
    (added,) = result.dynamic_partitions_requests
    assert list(added.partition_keys) == [str(today())]
    again = dg.build_sensor_context(cursor=context.cursor)
    assert "was requested" in jobs.daily_books_each_morning(again).skip_message


def test_the_in_process_dbt_adapter_finds_the_dagster_dbt_hooks_it_uses():
    """dbt runs in the run's process (defs/transforms/in_process.py) through three hooks
    of dagster-dbt beyond its public API; were they to change, this fails, not a run."""
    import inspect

    from dagster_dbt import asset_utils
    from dagster_dbt.core.dbt_cli_event import DbtCoreCliEventMessage

    params = inspect.signature(asset_utils.get_updated_cli_invocation_params_for_context)
    assert {"context", "manifest", "dagster_dbt_translator", "runtime_selects",
            "runtime_excludes"} <= set(params.parameters)  # fmt: skip
    assert len(asset_utils.extract_runtime_selection_from_args(["build", "--select", "x"])) == 3
    events = inspect.signature(DbtCoreCliEventMessage.to_default_asset_events)
    assert {"manifest", "dagster_dbt_translator", "context", "target_path", "project"} <= set(
        events.parameters
    )
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    assert callable(DuckDBConnectionManager.close_all_connections)


SNAPSHOT = Path(__file__).with_name("definitions.snapshot.txt")


def _described(defs: dg.Definitions) -> str:
    """The definitions as a reviewer reads them: every asset (group, partitioned), check,
    job (executor), schedule and sensor (default status) and resource, one per line."""
    graph = defs.resolve_asset_graph()
    lines = []
    for key in sorted(graph.get_all_asset_keys(), key=lambda k: k.to_user_string()):
        node = graph.get(key)
        partitions = node.partitions_def
        partitioned = getattr(partitions, "name", None) or ("unnamed" if partitions else "none")
        lines.append(f"asset {key.to_user_string()} [{node.group_name}, {partitioned}]")
    for check in sorted(graph.asset_check_keys, key=lambda c: c.to_user_string()):
        lines.append(f"check {check.to_user_string()}")
    for job in sorted(defs.jobs or [], key=lambda j: j.name):
        resolved = defs.resolve_job_def(job.name)
        lines.append(f"job {job.name} [{resolved.executor_def.name}]")
    for schedule in sorted(defs.schedules or [], key=lambda s: s.name):
        status = schedule.default_status.value.lower()
        lines.append(f"schedule {schedule.name} [{schedule.cron_schedule}, {status}]")
    for sensor in sorted(defs.sensors or [], key=lambda s: s.name):
        lines.append(f"sensor {sensor.name} [{sensor.default_status.value.lower()}]")
    lines += [f"resource {name}" for name in sorted(defs.resources or {})]
    return "\n".join(lines) + "\n"


def test_the_definitions_match_their_snapshot():
    """A change to what the code location defines shows as a diff of the snapshot in
    review; BOOKS_UPDATE_SNAPSHOT=1 writes it again after a deliberate change."""
    from orchestration.definitions import defs

    described = _described(defs)
    if os.environ.get("BOOKS_UPDATE_SNAPSHOT"):
        SNAPSHOT.write_text(described)
    assert described == SNAPSHOT.read_text(), "definitions changed: see the snapshot's diff"


def test_the_engine_defaults_to_duckdb_outside_make(monkeypatch, tmp_path):
    """A deployment that sets only the paths runs on DuckDB, as the command line does."""
    from orchestration.defs.resources import resources

    monkeypatch.delenv("BOOKS_ENGINE", raising=False)
    monkeypatch.delenv("BOOKS_EXPORTS_URL", raising=False)
    bound = resources().resources
    assert bound["warehouse"].engine == "duckdb" and bound["exports"].url == ""
    monkeypatch.setenv("BOOKS_ENGINE", "spark")
    assert isinstance(resources().resources["warehouse"].engine, dg.EnvVar)
    # And a job of the warehouse runs with it unset.
    monkeypatch.delenv("BOOKS_ENGINE")
    monkeypatch.setenv("BOOKS_WAREHOUSE", str(tmp_path / "wh.duckdb"))

    @dg.asset
    def probe(warehouse: Warehouse) -> str:
        return warehouse.engine

    result = dg.materialize([probe], resources={"warehouse": resources().resources["warehouse"]})
    assert result.output_for_node("probe") == "duckdb"


def test_loading_the_definitions_never_parses_dbt():
    """A run's worker loads the definitions: a stale manifest is refused in one line naming
    the step that prepares it, where a parse would cost seconds in every such process."""
    import subprocess
    import sys

    script = (
        "import dagster_dbt\n"
        "from orchestration.defs.transforms import project\n"
        "def no_parse(*a, **k): raise SystemExit('parsed at import')\n"
        "dagster_dbt.DbtCliResource.cli = no_parse\n"
        "project.is_stale = lambda: True\n"
        "import orchestration.definitions\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "DAGSTER_IS_DEV_CLI"}
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=120
    )
    assert done.returncode != 0
    assert "parsed at import" not in done.stdout + done.stderr
    refusal = [line for line in done.stderr.splitlines() if "StaleManifest" in line]
    assert refusal and "run `make manifest`" in refusal[-1], done.stderr[-2000:]


def test_under_dagster_dev_a_stale_manifest_is_prepared(monkeypatch):
    from orchestration.defs.transforms import project

    prepared = []
    monkeypatch.setattr(project, "prepare", lambda: prepared.append(True))
    monkeypatch.setenv("DAGSTER_IS_DEV_CLI", "1")
    assert project.manifest_path() == project.dbt_project.manifest_path
    assert prepared == [True]


def test_the_collector_runs_again_once_the_definitions_and_gx_are_loaded():
    """Collection is paused while long-lived objects load; left paused, a run's garbage
    cycles would never be freed."""
    import gc

    import orchestration.definitions  # noqa: F401
    from data_quality.expectations import _gx

    assert gc.isenabled()
    _gx()
    assert gc.isenabled()
    assert gc.get_freeze_count() > 0  # the definitions are set outside later collections
