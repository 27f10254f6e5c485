"""dbt run in this process, for the Spark engine: dbt-spark's `session` method builds in
the session of the process that calls it, so the models see the tables the ingest and the
allocation wrote. dagster-dbt runs dbt in a subprocess; here dbt's own runner does, and
its result events become Dagster events through dagster-dbt's translation, the same as
the subprocess's (selection, outputs, checks)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DbtCliResource
from dagster_dbt.asset_utils import (
    extract_runtime_selection_from_args,
    get_updated_cli_invocation_params_for_context,
)
from dagster_dbt.core.dbt_cli_event import DbtCoreCliEventMessage


class InProcessInvocation:
    """What `_build` asks of dagster-dbt's `DbtCliInvocation`, for dbt run in process."""

    def __init__(
        self,
        dbt: DbtCliResource,
        args: list[str],
        context: dg.AssetExecutionContext,
        target_path: Path,
        target: str,
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
        self.args = [
            *cleaned,
            *params.selection_args,
            *(["--indirect-selection", how] if (how := params.indirect_selection) else []),
            "--project-dir", str(project_dir),
            "--profiles-dir", str(dbt.profiles_dir or project_dir),
            "--target", target,
            "--target-path", str(target_path),
            "--log-path", str(target_path),
        ]  # fmt: skip
        self._result = None

    def _run(self) -> list[dict[str, Any]]:
        from dbt.cli.main import dbtRunner
        from dbt_common.events.functions import msg_to_dict

        events: list[dict[str, Any]] = []

        def keep(event) -> None:
            if event.info.name in ("LogModelResult", "LogSnapshotResult", "LogTestResult",
                                   "LogSeedResult"):  # fmt: skip
                events.append(msg_to_dict(event))

        self._result = dbtRunner(callbacks=[keep]).invoke(
            ["--no-send-anonymous-usage-stats", *self.args]
        )
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
