"""`books dev` (what `make dev` runs) leaves nothing behind: killed make or not, a child
that ignores Ctrl-C included."""

import subprocess
import sys
import time

import psutil

# A make that starts the supervisor, whose one command is a shell that ignores SIGINT and
# has a child of its own, as Dagster's daemon has code servers.
MAKE = """
import subprocess, sys, time
child = "from books_app.dev import supervise; supervise([['sh', '-c', "
child += "'trap \\"\\" INT; sleep 300 & sleep 300; wait']])"
s = subprocess.Popen([sys.executable, "-c", child])
print(s.pid, flush=True)
time.sleep(300)
"""


def test_everything_it_started_ends_when_make_is_killed():
    make = subprocess.Popen([sys.executable, "-c", MAKE], stdout=subprocess.PIPE, text=True)
    supervisor = psutil.Process(int(make.stdout.readline()))
    deadline = time.monotonic() + 20
    while len(started := supervisor.children(recursive=True)) < 3:  # sh and its two sleeps
        assert time.monotonic() < deadline, "the supervised commands did not start"
        time.sleep(0.1)
    make.kill()
    make.wait()
    stopped_by = time.monotonic() + 10
    while (left := [p.pid for p in [supervisor, *started] if running(p)]) and (
        time.monotonic() < stopped_by
    ):
        time.sleep(0.2)
    assert left == []


def running(process: psutil.Process) -> bool:
    """Still running: a zombie has ended, only its parent (here init, in a container
    perhaps one that reaps nothing) has not collected it."""
    try:
        return process.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False
