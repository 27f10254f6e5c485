"""Runs the whole daily materialization in-process for one as-of date (used by the CLI)."""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import tempfile
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass, replace
from pathlib import Path

import dagster as dg

from data_quality import preflight
from engagement.rules import SOLE_LANE, load_rules
from orchestration.files import ExportFolder, LandingFolder, RulesFile
from orchestration.labels import rep_label
from orchestration.partitions import add_run_date, today
from orchestration.stores import allocation as allocation_store
from orchestration.stores import marts
from orchestration.warehouse import Warehouse


class RunFailed(RuntimeError):
    """The run did not complete; the message names the failing step and its error."""


@dataclass(frozen=True)
class RunPaths:
    landing: Path
    rules: Path
    warehouse: Path
    exports_dir: Path | None = None  # default: <warehouse dir>/exports/
    exports_url: str = ""  # where the exports are served, if they are (see ExportFolder)
    engine: str = "duckdb"  # the warehouse's engine (see Warehouse)
    wait_seconds: float = 1800  # for another run holding the warehouse (0: refuse at once)

    @property
    def store(self) -> Warehouse:
        """The warehouse resource on these paths."""
        return Warehouse(
            path=str(self.warehouse.resolve()), engine=self.engine, wait_seconds=self.wait_seconds
        )

    @property
    def exports(self) -> Path:
        """Exports land beside the warehouse: <warehouse dir>/exports/."""
        return self.exports_dir or self.warehouse.resolve().parent / "exports"


def _defs() -> dg.Definitions:
    from orchestration.defs.transforms.project import prepare

    prepare()  # the dbt manifest, parsed here when the project changed, never by the defs
    from orchestration.definitions import defs

    return defs


# The steps that take a full_refresh: re-read unchanged files, rebuild incremental models.
FULL_REFRESH = {
    "landing_files": {"reread_unchanged": True},
    "signals_and_scores": {"full_refresh": True},
    "books_marts": {"full_refresh": True},
}


DAILY_JOB = "daily_books"


def instance() -> dg.DagsterInstance:
    """The Dagster instance `make dev` opens when DAGSTER_HOME names one (the Makefile
    sets it), so the UI shows the runs the CLI made; else a throwaway one."""
    if os.environ.get("DAGSTER_HOME"):
        return dg.DagsterInstance.get()
    return dg.DagsterInstance.ephemeral()


def run_books(
    paths: RunPaths,
    as_of: dt.date,
    instance: dg.DagsterInstance | None = None,
    full_refresh: bool = False,
    say: Callable[[str], None] = lambda _line: None,
    selection: dg.AssetSelection | None = None,
) -> dg.ExecuteInProcessResult:
    """Runs the daily job (every asset and check) for `as_of`; raises `RunFailed` naming
    the step that failed. With `instance`, the run is recorded there as the UI's are.

    The run holds the warehouse from its first step to its last: while another run holds
    it, this one says so through `say` and waits (`Warehouse.wait_seconds`), then refuses.

    `full_refresh` reads every landing file again and rebuilds incremental models: the
    same outputs as the tuned path, slower (a test holds the two equal). `selection` runs
    only some of the steps (a benchmark's stage, or a run cut short in a test)."""
    rules = load_rules(paths.rules)  # validated before anything runs
    if not paths.landing.is_dir():
        raise FileNotFoundError(f"{paths.landing}: landing folder not found")
    preflight.check(rules, paths.landing, as_of)  # the rules against the team, likewise
    if as_of > today():
        raise RunFailed(f"as-of date {as_of} is after today ({today()}): no run books ahead")
    with paths.store.hold(f"books run --as-of {as_of}", say):
        return _run_held(paths, as_of, instance, full_refresh, selection)


def _run_held(
    paths: RunPaths,
    as_of: dt.date,
    instance: dg.DagsterInstance | None,
    full_refresh: bool,
    selection: dg.AssetSelection | None,
) -> dg.ExecuteInProcessResult:
    # Refused here, under the lock and before the ingest rewrites the run date, the
    # quarantine and the marts (the ingest refuses it too, for runs from the UI).
    if Path(paths.store.duckdb_path).exists():
        with paths.store.connect() as con:
            try:
                allocation_store.refuse_rewriting_history(con, as_of)
            except allocation_store.LaterRunExists as exc:
                raise RunFailed(str(exc)) from None
    defs = _defs()
    # The UI's own job, bound to these paths: the same steps, checks and executor.
    job = dg.Definitions(
        assets=defs.assets,
        asset_checks=defs.asset_checks,
        jobs=[j for j in defs.jobs or [] if j.name == DAILY_JOB],
        resources={
            **(defs.resources or {}),
            "warehouse": paths.store,
            "landing": LandingFolder(path=str(paths.landing.resolve())),
            "rules": RulesFile(path=str(paths.rules.resolve())),
            "exports": ExportFolder(path=str(paths.exports), url=paths.exports_url),
        },
    ).resolve_job_def(DAILY_JOB)
    keys = list(selection.resolve(defs.resolve_asset_graph())) if selection else None
    refreshed = {
        asset.node_def.name
        for asset in defs.assets or []
        if isinstance(asset, dg.AssetsDefinition)
        and asset.node_def.name in FULL_REFRESH
        and (keys is None or set(asset.keys) & set(keys))
    }
    with dg.DagsterInstance.ephemeral() if instance is None else nullcontext(instance) as inst:
        add_run_date(inst, as_of)
        result = job.execute_in_process(
            asset_selection=keys,
            partition_key=as_of.isoformat(),
            instance=inst,
            raise_on_error=False,
            tags={"books/as_of": as_of.isoformat()},
            # The CLI prints one line per failure itself; Dagster's own log would repeat it
            # with a traceback.
            run_config={
                "loggers": {"console": {"config": {"log_level": "CRITICAL"}}},
                "ops": {op: {"config": FULL_REFRESH[op]} for op in refreshed if full_refresh},
            },
        )
    if not result.success:
        failures = result.get_step_failure_events()
        if failures:
            data = failures[0].step_failure_data
            error = data.error
            message = (
                data.user_failure_data.description  # a step's own dg.Failure says it all
                if data.user_failure_data and data.user_failure_data.description
                else error.cause.message
                if error and error.cause
                else (error.message if error else "unknown error")
            )
            raise RunFailed(f"step {failures[0].step_key} failed: {_one_line(message)}")
        raise RunFailed("the run failed")
    return result


@dataclass(frozen=True)
class Preview:
    summary: str  # what the day would change, per rep and per reason
    changes: Path  # rep_book_changes as the real run would write it
    crm: Path  # crm_owner_changes likewise


def preview_books(paths: RunPaths, as_of: dt.date, out: Path) -> Preview:
    """The whole day on a scratch copy of the warehouse: the books, the marts and the
    exports stay as they are, and `out` gets the changes the run would make. The run is
    deterministic, so the real run that follows makes the same ones."""
    if paths.engine != "duckdb":
        raise RunFailed(
            "a dry run works on a copy of the DuckDB file; on Spark, run the day against a "
            "copy of the landing folder and a scratch warehouse instead"
        )
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="books-dry-run-") as scratch:
        copy = Path(scratch) / "warehouse.duckdb"
        source = paths.warehouse.resolve()
        # Held while copied: never a copy of a file a run is writing.
        with paths.store.hold(f"books run --dry-run --as-of {as_of}"):
            if source.is_file():
                shutil.copyfile(source, copy)
                wal = source.with_name(source.name + ".wal")
                if wal.is_file():  # changes not yet checkpointed into the file
                    shutil.copyfile(wal, copy.with_name(copy.name + ".wal"))
        exports = Path(scratch) / "exports"
        trial = replace(paths, warehouse=copy, exports_dir=exports)
        run_books(trial, as_of)
        day = as_of.isoformat()
        changes, crm = out / f"rep_book_changes_{day}.csv", out / f"crm_owner_changes_{day}.csv"
        shutil.copyfile(exports / changes.name, changes)
        shutil.copyfile(exports / crm.name, crm)
        return Preview(_changes_summary(copy, as_of), changes, crm)


def _changes_summary(warehouse: Path, as_of: dt.date) -> str:
    with Warehouse(path=str(warehouse)).read() as con:
        reasons, reps = marts.day_changes(con, as_of)
        names = marts.rep_names(con)
    lines = [f"Dry run for {as_of}: nothing was written to the books, the marts or the exports."]
    lines.append("Changes per reason (kind: reason, accounts):")
    lines += [f"  {kind}: {reason} {n}" for kind, reason, n in reasons] or ["  none"]
    lines.append("Changes per rep (rep, in, out):")
    lines += [f"  {rep_label(rep, names)}  +{n_in}  -{n_out}" for rep, n_in, n_out in reps] or [
        "  none"
    ]
    return "\n".join(lines)


DBT_ERRORS = "Errors parsed from dbt logs:"


def _one_line(message: str) -> str:
    """An error as one line. dagster-dbt's opens with "The dbt CLI process with command"
    and lists what dbt said after DBT_ERRORS: the failing model or test (its file), and how
    many rows it found ("Got 3 results"); that list is the line."""
    if DBT_ERRORS in message:
        said = [
            " ".join(line.split())
            for line in _without_tracebacks(message.split(DBT_ERRORS, 1)[1].splitlines())
            if line.strip() and "compiled code at" not in line
        ]
        return "dbt: " + "; ".join(said)[:600]
    return message.strip().splitlines()[0]


def _without_tracebacks(lines: list[str]) -> list[str]:
    """A Python traceback dbt logged (a file it could not lock, say) as its last line, the
    exception and its message, without the frames before it."""
    kept, in_traceback = [], False
    for line in lines:
        if line.startswith("Traceback (most recent call last)"):
            in_traceback = True
        elif in_traceback and line.strip() and not line.startswith((" ", "\t")):
            in_traceback = False  # the exception: the traceback's last line
            kind, _, said = line.partition(": ")
            kept.append(said if said and re.fullmatch(r"[\w.]+", kind) else line)
        elif not in_traceback:
            kept.append(line)
    return kept


def summary(warehouse: Warehouse) -> str:
    """Books per rep, pool size and review-queue size, for people at a terminal."""
    with warehouse.read() as con:
        read = marts.summary(con)
    reps, pool, queue, kinds = read["reps"], read["pool"], read["queue"], read["kinds"]
    lines = ["Books per rep (rep, role, segments, status, book / capacity, mean priority):"]
    width = max((len(rep_label(r[0], read["names"])) for r in reps), default=0)
    lines += [
        f"  {rep_label(r[0], read['names']):<{width}}  {r[1]:<3}  {r[2]:<22} {r[3]:<11} "
        f"{r[4]:>5} / {r[5]:<5} {r[6]}"
        for r in reps
    ]
    lines.append(f"Books: {sum(r[4] for r in reps)} accounts across {len(reps)} reps")
    for lane in sorted({lane for lane, _, _ in pool}):
        states = [(state, n) for name, state, n in pool if name == lane]
        label = "Pool" if lane == SOLE_LANE else f"Pool ({lane} books)"
        lines.append(
            f"{label}: "
            + ", ".join(f"{state} {n}" for state, n in states)
            + f" (total {sum(n for _, n in states)})"
        )
    lines.append(
        "This run's ownership events: " + (", ".join(f"{k} {n}" for k, n in kinds) or "none")
    )
    lines.append(
        f"Review queue: {sum(n for *_, n in queue)} items"
        + (
            ""
            if not queue
            else " (" + ", ".join(f"{rule} [{sev}] {n}" for rule, sev, n in queue) + ")"
        )
    )
    return "\n".join(lines)
