"""One run holds a warehouse from its first step to its last.

Each step opens its own connection, and DuckDB's file lock lasts only as long as one, so
without this a second run (another `books run`, the schedule, the sensor, a backfill)
could write between two steps of the first and mix two days. The lock is a `flock` on a
file beside the warehouse (filelock): the kernel releases it when its process ends, so a
killed run never leaves it held. It is re-entrant within a process: the CLI holds it
around the whole job, and the job's own resource takes it again without waiting.

The lock file says who holds it, so a second run can say what it waits for.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout


class WarehouseHeld(OSError):
    """Another run holds the warehouse and did not let go in time."""


def _holder(lock_path: Path) -> str:
    try:
        said = lock_path.read_text(encoding="utf-8").strip()
    except OSError:
        said = ""
    return said or "another run"


@contextmanager
def hold(
    warehouse: str,
    lock_path: Path,
    who: str,
    wait_seconds: float,
    say: Callable[[str], None] = lambda _line: None,
) -> Iterator[None]:
    """Holds `lock_path`, the lock of the warehouse at `warehouse`, for the block. When
    another process holds it, says so through `say` and waits up to `wait_seconds` (0:
    refuses at once), then raises WarehouseHeld naming the holder."""
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    started = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    stamp = f"{who} (pid {os.getpid()} on {socket.gethostname()}, since {started})"

    lock = FileLock(lock_path, thread_local=False, is_singleton=True)
    try:
        lock.acquire(timeout=0)
    except Timeout:
        holder = _holder(lock_path)
        if wait_seconds <= 0:
            raise WarehouseHeld(f"{warehouse}: held by {holder}") from None
        say(f"{warehouse}: held by {holder}; waiting up to {wait_seconds:g} s for it to end")
        try:
            lock.acquire(timeout=wait_seconds, poll_interval=0.25)
        except Timeout:
            raise WarehouseHeld(
                f"{warehouse}: still held by {_holder(lock_path)} after "
                f"{wait_seconds:g} s; try again when it ends"
            ) from None
    if lock.lock_counter == 1:  # the outermost hold signs the file
        lock_path.write_text(stamp, encoding="utf-8")
    try:
        yield
    finally:
        lock.release()
