"""dbt models as assets, split around the allocation step.

Models reading the allocation's output (`source:allocation+`) run after it, the
rest before it; one translator names every dbt node for both halves.
"""

import json
from collections.abc import Mapping
from collections.abc import Set as AbstractSet
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, dbt_assets
from pydantic import Field

from orchestration.defs.transforms.in_process import InProcessInvocation, warehouse_profile
from orchestration.defs.transforms.metadata import DESCRIBE
from orchestration.defs.transforms.outcome import failure, progress, quietly
from orchestration.defs.transforms.project import dbt_project, manifest_path
from orchestration.files import RulesFile
from orchestration.partitions import as_of, run_dates
from orchestration.refusal import Refusal
from orchestration.stores import marts
from orchestration.warehouse import Warehouse

AFTER_ALLOCATION = "source:allocation+"


class BooksTranslator(DagsterDbtTranslator):
    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            # Equal to the ingest and allocation asset keys, so lineage connects.
            return dg.AssetKey([dbt_resource_props["source_name"], dbt_resource_props["name"]])
        schema = dbt_resource_props["config"].get("schema") or "main"
        return dg.AssetKey([schema, dbt_resource_props["name"]])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        # The model's domain, from transforms/dbt_project.yml (meta.dagster.group).
        if dbt_resource_props["resource_type"] == "source":
            return None
        return super().get_group_name(dbt_resource_props)


translator = BooksTranslator()


class TransformConfig(dg.Config):
    full_refresh: bool = Field(
        default=False,
        description="Rebuild incremental models from scratch (dbt --full-refresh); the "
        "daily coverage snapshots are kept either way.",
    )


def _build(
    context: dg.AssetExecutionContext,
    config: TransformConfig,
    dbt: DbtCliResource,
    warehouse: Warehouse,
    rules: RulesFile,
):
    # The rules and the run date as vars: the date as a constant lets DuckDB prune and
    # fold what a subquery of a table hid from it, and is left out of the parse, so a
    # parse serves every date (in_process.COMPILED_ONLY). The warehouse's path and limits
    # reach dbt through its own profile (in_process.warehouse_profile). The date is also
    # written to the warehouse, for a `dbt build` run by hand without the var.
    date = as_of(context)
    dbt_vars = {**rules.load().dbt_vars(), "as_of_date": date.isoformat()}
    with warehouse.connect() as con:
        marts.write_run_date(con, date)
    # Unit tests are fixtures for the default rules: CI runs them, daily runs do not.
    args = ["build", "--exclude-resource-type", "unit_test", "--vars", json.dumps(dbt_vars)]
    if config.full_refresh:
        args.append("--full-refresh")
    # One target folder for both steps, reused: dagster-dbt's default (a new folder per
    # run) would grow by gigabytes a year of daily runs. The warehouse's own, so the second
    # step parses only what changed since the first, and runs on other warehouses never
    # write into it (a run holds its warehouse, so two never share it at once).
    target = warehouse.dbt_target_path
    log = target / f"{context.op_def.name}.log"
    # Read after the build: a stale one (dbt stopped before writing it) would blame others.
    (target / "run_results.json").unlink(missing_ok=True)
    profiles = dbt_project.project_dir  # Spark's output names no place of the warehouse
    if warehouse.engine == "duckdb":
        profiles = warehouse_profile(
            profiles / "profiles.yml", target, warehouse.dbt_target, warehouse.dbt_vars
        )
    database = Path(warehouse.abs_path).stem  # what dbt names relations after
    invocation = InProcessInvocation(
        dbt, args, context, target, warehouse.dbt_target, profiles, database
    )
    held = []
    with warehouse.building(*_relations(invocation.manifest, context.selected_asset_keys)):
        for event in quietly(iter(invocation.stream()), log):
            if (
                isinstance(event, dg.Output)
                and context.asset_key_for_output(event.output_name) in DESCRIBE
            ):
                held.append(event)
            else:
                yield event
    if not (target / "run_results.json").is_file():  # dbt stopped before any node ran
        raise invocation.get_error() or dg.Failure(f"dbt wrote no results (log: {log})")
    results = invocation.get_artifact("run_results.json")
    context.log.info(progress(results, log))
    if not invocation.is_successful():
        manifest = invocation.get_artifact("manifest.json")
        raise Refusal(failure(results, manifest, warehouse.connect))
    if held:
        with warehouse.connect() as con:
            for event in held:
                describe = DESCRIBE[context.asset_key_for_output(event.output_name)]
                yield event.with_metadata({**event.metadata, **describe(con, context.instance)})


def _relations(
    manifest: Mapping[str, Any], selected: AbstractSet[dg.AssetKey]
) -> tuple[list[tuple[str, str]], set[str]]:
    """The (schema, table) of each source the `selected` models read, and every schema the
    project builds in."""
    built = [
        node
        for node in manifest["nodes"].values()
        if node["resource_type"] in ("model", "snapshot", "seed")
    ]
    read = {
        parent
        for node in built
        if translator.get_asset_key(node) in selected
        for parent in node["depends_on"]["nodes"]
        if parent in manifest["sources"]
    }
    sources = sorted((s["schema"], s["identifier"]) for s in map(manifest["sources"].get, read))
    return sources, {node["schema"] for node in built}


def _dbt_step(name: str, **selection: str) -> dg.AssetsDefinition:
    @dbt_assets(
        manifest=manifest_path(),
        project=dbt_project,
        dagster_dbt_translator=translator,
        partitions_def=run_dates,
        # Dates run one at a time and in order: each day's books start from the day before.
        backfill_policy=dg.BackfillPolicy.multi_run(1),
        pool="warehouse",
        name=name,
        **selection,
    )
    def step(
        context: dg.AssetExecutionContext,
        config: TransformConfig,
        dbt: DbtCliResource,
        warehouse: Warehouse,
        rules: RulesFile,
    ):
        yield from _build(context, config, dbt, warehouse, rules)

    return step


signals_and_scores = _dbt_step("signals_and_scores", exclude=AFTER_ALLOCATION)
books_marts = _dbt_step("books_marts", select=AFTER_ALLOCATION)
