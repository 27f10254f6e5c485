"""`books dev`: the Dagster UI (`dagster dev`) and the exports' file server, started and
stopped together.

Ctrl-C, SIGTERM or SIGHUP to this process, or the end of the process that started it (make,
killed), stops both and every process they started: each runs in a session of its own and
gets the signal a terminal would send (SIGINT, Dagster's graceful stop), then, after
`GRACE` seconds, whatever of their process trees is left is killed. Left to a terminal, a
signal sent to make alone reached neither, and Dagster's webserver, daemon and code
servers ran on for minutes.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Sequence
from pathlib import Path

import psutil

GRACE = 6.0  # seconds for a graceful stop before the rest is killed


def _tree(processes: Sequence[subprocess.Popen]) -> list[psutil.Process]:
    """The processes and everything they started, as they are now."""
    found = []
    for process in processes:
        with contextlib.suppress(psutil.NoSuchProcess):
            root = psutil.Process(process.pid)
            found += [root, *root.children(recursive=True)]
    return found


def stop(processes: Sequence[subprocess.Popen], grace: float = GRACE) -> None:
    """SIGINT to each process's group, then SIGKILL to whatever of their trees is left
    after `grace` seconds."""
    tree = _tree(processes)
    for process in processes:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGINT)
    _, alive = psutil.wait_procs(tree, timeout=grace)
    # What started meanwhile, or left the group, is in the tree taken now.
    for left in {p.pid: p for p in [*alive, *_tree(processes)]}.values():
        with contextlib.suppress(psutil.NoSuchProcess):
            left.kill()
    psutil.wait_procs(alive, timeout=1)  # killed: gone at once (an unreaped orphan lingers)
    for process in processes:
        process.wait()


def supervise(commands: Sequence[Sequence[str]], quiet: Sequence[bool] = ()) -> int:
    """Runs `commands` until one ends, this process is told to stop, or its parent ends;
    then stops them all (`stop`). The first command's exit code, or 0 when told to stop."""
    parent = os.getppid()
    told = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, lambda *_: told.set())
    processes = [
        subprocess.Popen(
            command,
            start_new_session=True,  # signals reach them from here, not from the terminal
            stdout=subprocess.DEVNULL if silent else None,
            stderr=subprocess.DEVNULL if silent else None,
        )
        for command, silent in zip(commands, [*quiet, *[False] * len(commands)], strict=False)
    ]
    try:
        while not told.wait(0.5):
            if any(p.poll() is not None for p in processes) or os.getppid() != parent:
                break
    finally:
        stop(processes)
    code = processes[0].returncode
    return 0 if told.is_set() else code


def dagster_dev(workspace: Path, port: int, exports: Path, exports_port: int) -> int:
    """`dagster dev` on `workspace` at `port`, and the exports folder served at
    `exports_port` (the report link in the UI opens there)."""
    from orchestration.defs.transforms.project import prepare

    prepare()  # once here, so the code server and each run's worker only read the manifest
    exports.mkdir(parents=True, exist_ok=True)
    bin_dir = Path(sys.executable).parent
    return supervise(
        [
            [str(bin_dir / "dagster"), "dev", "-w", str(workspace), "-p", str(port)],
            [
                sys.executable,
                "-m",
                "http.server",
                "--bind",
                "127.0.0.1",
                "--directory",
                str(exports),
                str(exports_port),
            ],
        ],  # fmt: skip
        quiet=[False, True],
    )
