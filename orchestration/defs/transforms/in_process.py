"""dbt run in the run's own process, on either engine: dbt-spark's `session` method builds
in the process's own Spark session (the sources handed to it by `Warehouse.building`), and
on DuckDB a process and dbt's import saved per step add up (two steps a run, dozens of
runs in a test session). dbt's own runner runs it; its result events become Dagster
events through dagster-dbt's translation, the same as a subprocess's (selection, outputs,
checks).

A project parsed once is parsed for good: the manifest of a parse is kept per engine,
database and vars (the rules), and handed to the next invocation, which then starts with
no parse at all. The run date is a var of the build, not of the parse: the models read it
as they compile. The warehouse's path and limits reach dbt through a profile written in the
warehouse's target folder (from transforms/profiles.yml), not as vars, so runs on many
warehouses share a parse.

This is the one place the project leans on dagster-dbt beyond its public API (the runtime
selection and the event translation); tests/integration/test_definitions.py fails when the
hooks it uses change.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dagster as dg
import yaml
from dagster_dbt import DbtCliResource
from dagster_dbt.asset_utils import (
    extract_runtime_selection_from_args,
    get_updated_cli_invocation_params_for_context,
)
from dagster_dbt.core.dbt_cli_event import DbtCoreCliEventMessage

from orchestration.memory import long_lived

RESULTS = ("LogModelResult", "LogSnapshotResult", "LogTestResult", "LogSeedResult")
_MANIFESTS: dict[tuple, Any] = {}  # (engine, database, vars) -> a parsed dbt Manifest
# Vars only the models' SQL reads, rendered as each node compiles: the parse leaves them
# out, so a new run date reuses the parse (a var that changes makes dbt parse it all).
COMPILED_ONLY = ("as_of_date",)


def _release(target: str) -> None:
    """dbt-duckdb keeps the database open in the process after an invocation; the run's own
    connections, configured otherwise, could not open it again until it lets go. Closing
    dbt's connections closes the environment's database with the last of them (a full
    garbage collection here cost 0.4 s an invocation at 5k accounts, more at 1M)."""
    if target == "duckdb":
        from dbt.adapters.duckdb.connections import DuckDBConnectionManager

        DuckDBConnectionManager.close_all_connections()


def warehouse_profile(template: Path, folder: Path, target: str, values: dict) -> Path:
    """transforms/profiles.yml's `target` output with the warehouse's own `values` (path,
    memory limit, temporary folder) written in, as a profile of `folder`."""
    profiles = yaml.safe_load(template.read_text())
    profile = next(iter(profiles))
    output = profiles[profile]["outputs"][target]
    if "path" in output:
        output["path"] = values["warehouse_path"]
        output.setdefault("config_options", {}).update(
            memory_limit=values["memory_limit"], temp_directory=values["temp_directory"]
        )
    folder.mkdir(parents=True, exist_ok=True)
    written = {profile: {"target": target, "outputs": {target: output}}}
    (folder / "profiles.yml").write_text(yaml.safe_dump(written, sort_keys=False))
    return folder


class InProcessInvocation:
    """What `_build` asks of dagster-dbt's `DbtCliInvocation`, for dbt run in process."""

    def __init__(
        self,
        dbt: DbtCliResource,
        args: list[str],
        context: dg.AssetExecutionContext,
        target_path: Path,
        target: str,
        profiles_dir: Path,
        database: str,
    ):
        cleaned, selects, excludes = extract_runtime_selection_from_args(args)
        params = get_updated_cli_invocation_params_for_context(
            context=context,
            manifest={},
            dagster_dbt_translator=None,
            runtime_selects=selects,
            runtime_excludes=excludes,
        )
        project_dir = Path(
            params.dbt_project.project_dir if params.dbt_project else dbt.project_dir
        )
        self.manifest = params.manifest
        self.translator = params.dagster_dbt_translator
        self.project = params.dbt_project
        self.context = context
        self.target_path = target_path
        self.common = [
            "--project-dir", str(project_dir),
            "--profiles-dir", str(profiles_dir),
            "--target", target,
            "--target-path", str(target_path),
            "--log-path", str(target_path),
            "--log-level-file", "warn",
        ]  # fmt: skip
        given = json.loads(
            next((cleaned[i + 1] for i, a in enumerate(cleaned) if a == "--vars"), "{}")
        )
        parsed_with = {k: v for k, v in given.items() if k not in COMPILED_ONLY}
        self.vars = json.dumps(parsed_with, sort_keys=True)
        self.key = (target, database, self.vars)
        self.args = [
            *cleaned,
            *params.selection_args,
            *(["--indirect-selection", how] if (how := params.indirect_selection) else []),
            *self.common,
        ]
        self._result = None

    def _parsed(self):
        """The project's manifest for these vars and this database, parsed once."""
        from dbt.cli.main import dbtRunner

        if self.key not in _MANIFESTS:
            with long_lived(collect_after=True):  # the manifest is kept for the process
                parsed = dbtRunner().invoke(
                    ["--no-send-anonymous-usage-stats", "parse", "--vars", self.vars, *self.common]
                )
            _release(self.key[0])
            if not parsed.success:
                self._result = parsed
                return None
            _MANIFESTS[self.key] = parsed.result
        return _MANIFESTS[self.key]

    def _run(self) -> list[dict[str, Any]]:
        from dbt.cli.main import dbtRunner
        from dbt_common.events.functions import msg_to_dict

        events: list[dict[str, Any]] = []

        def keep(event) -> None:
            if event.info.name in RESULTS:
                events.append(msg_to_dict(event))

        manifest = self._parsed()
        if manifest is None:
            return events
        try:
            self._result = dbtRunner(manifest=manifest, callbacks=[keep]).invoke(
                ["--no-send-anonymous-usage-stats", *self.args]
            )
        finally:
            _release(self.key[0])
        return events

    def stream(self) -> Iterator[Any]:
        """The Dagster events of the build, once dbt has run."""
        for raw in self._run():
            message = DbtCoreCliEventMessage(raw_event=raw, event_history_metadata={})
            yield from message.to_default_asset_events(
                manifest=self.manifest,
                dagster_dbt_translator=self.translator,
                context=self.context,
                target_path=self.target_path,
                project=self.project,
            )

    def is_successful(self) -> bool:
        return bool(self._result and self._result.success)

    def get_error(self) -> Exception | None:
        if self._result is None or self._result.success:
            return None
        return self._result.exception or dg.Failure("dbt failed (see the log)")

    def get_artifact(self, name: str) -> dict[str, Any]:
        return json.loads((self.target_path / name).read_text())
