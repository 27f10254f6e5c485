"""`dagster dev` on a given warehouse, and runs submitted to it as the launchpad submits
them (GraphQL): for the UI benchmark and the UI tests."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import psutil
from dagster_graphql import DagsterGraphQLClient

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
LOCATION = "dynamic_books"  # workspace.yaml's name for the code location
LOADED = (
    "{ workspaceOrError { ... on Workspace { locationEntries { name "
    "locationOrLoadError { __typename } } } } }"
)


def environment(root: Path, landing: Path, rules: Path, warehouse: Path) -> dict[str, str]:
    """What the Makefile sets for `make dev`, with a Dagster home of its own under `root`."""
    home = root / "dagster_home"
    home.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(REPO / "config" / "dagster.yaml", home / "dagster.yaml")
    return {
        **os.environ,
        "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}",
        "DAGSTER_HOME": str(home),
        "BOOKS_ENGINE": "duckdb",
        "BOOKS_WAREHOUSE": str(warehouse),
        "BOOKS_LANDING": str(landing),
        "BOOKS_RULES": str(rules),
        "BOOKS_EXPORTS": str(root / "exports"),
        "BOOKS_EXPORTS_URL": "http://127.0.0.1:3001/",
    }


def books_run(env: dict[str, str], day) -> subprocess.CompletedProcess:
    """`books run` as a terminal user types it, recorded in the same instance."""
    return subprocess.run(
        [BIN / "books", "run", "--landing", env["BOOKS_LANDING"], "--rules", env["BOOKS_RULES"],
         "--warehouse", env["BOOKS_WAREHOUSE"], "--as-of", str(day)],
        env=env, capture_output=True, text=True, timeout=1800,
    )  # fmt: skip


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class DagsterDev:
    """`dagster dev` (webserver and daemon) on `env`'s paths, until the block ends."""

    def __init__(self, env: dict[str, str], log: Path):
        self.env, self.log_path = env, log
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.client = DagsterGraphQLClient("127.0.0.1", port_number=self.port)

    def __enter__(self) -> DagsterDev:
        self._log = self.log_path.open("w")
        # As `make dev` runs it: `books dev` supervises dagster dev and the exports server.
        self._server = subprocess.Popen(
            [BIN / "books", "dev", "--port", str(self.port), "--exports-port", str(_free_port())],
            cwd=REPO, env=self.env, stdout=self._log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        try:
            self._wait_loaded()
        except BaseException:
            self.__exit__()
            raise
        return self

    def _wait_loaded(self, timeout: float = 180) -> None:
        deadline = time.monotonic() + timeout
        while True:
            if self._server.poll() is not None:
                raise RuntimeError(self.log_path.read_text()[-2000:])
            if time.monotonic() > deadline:
                raise TimeoutError("dagster dev did not load the code location")
            try:
                entries = self.client._execute(LOADED)["workspaceOrError"]["locationEntries"]
                if [e["locationOrLoadError"]["__typename"] for e in entries] == [
                    "RepositoryLocation"
                ]:
                    return
            except Exception:  # not listening yet
                pass
            time.sleep(1)

    def stop(self, within: float = 10) -> list[str]:
        """SIGTERM to `books dev`, as a service manager stops it: what of the processes it
        had started is still running `within` seconds later (command lines)."""
        started = psutil.Process(self._server.pid).children(recursive=True)
        deadline = time.monotonic() + within
        self._server.send_signal(signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self._server.wait(timeout=within)
        _, alive = psutil.wait_procs(started, timeout=max(0.0, deadline - time.monotonic()))
        left = []
        for process in alive:  # a zombie has ended; only its parent has not collected it
            with contextlib.suppress(psutil.NoSuchProcess):
                if process.status() != psutil.STATUS_ZOMBIE:
                    left.append(" ".join(process.cmdline()))
        return left

    def __exit__(self, *exc) -> None:
        if self._server.poll() is None:
            self.stop()
        if self._server.poll() is None:
            os.killpg(self._server.pid, signal.SIGKILL)
        self._log.close()

    def launch(self, job: str, run_config: dict, tags: dict | None = None) -> tuple[str, str]:
        """Submits a run as the launchpad does and waits for its end: (status, run id)."""
        run_id = self.client.submit_job_execution(
            job, repository_location_name=LOCATION, run_config=run_config, tags=tags or {}
        )
        return self.wait(run_id), run_id

    def wait(self, run_id: str) -> str:
        """The run's end: its status."""
        deadline = time.monotonic() + 1800
        while time.monotonic() < deadline:
            status = self.client.get_run_status(run_id)
            if status in (dg.DagsterRunStatus.SUCCESS, dg.DagsterRunStatus.FAILURE):
                return status.value
            time.sleep(0.2)
        raise TimeoutError(f"run {run_id} did not end")

    @property
    def warehouse(self) -> Path:
        return Path(self.env["BOOKS_WAREHOUSE"])

    @property
    def exports(self) -> Path:
        return Path(self.env["BOOKS_EXPORTS"])

    def instance(self) -> dg.DagsterInstance:
        return dg.DagsterInstance.from_config(self.env["DAGSTER_HOME"])
