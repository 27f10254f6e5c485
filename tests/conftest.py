"""What every test shares: no test writes to the developer's Dagster instance."""

import sys

import pytest

# pyspark's Spark Connect client, which Great Expectations imports, ends a process whose
# `__main__` has neither a file nor a spec (it takes it for a doctest run) with exit 0;
# pytest-xdist's workers are such processes.
_main = sys.modules["__main__"]
if getattr(_main, "__spec__", None) is None and not hasattr(_main, "__file__"):
    _main.__file__ = "<pytest-xdist worker>"


def pytest_configure(config):
    # The definitions read the dbt manifest and never parse it (`make manifest`'s step).
    from orchestration.defs.transforms.project import prepare

    prepare()


@pytest.fixture(autouse=True)
def _no_local_instance(monkeypatch):
    # `make test` exports the `make dev` settings; a run a test makes belongs to the test.
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    monkeypatch.delenv("BOOKS_EXPORTS_URL", raising=False)


# The longest files first, so `make test`'s two workers (`-n 2 --dist loadfile`) do not end
# with one of them alone on a long file: each waits mostly on a JVM, a server or a browser.
LONGEST_FIRST = ("test_spark_engine.py", "test_ui.py", "test_tuned_equals_full_refresh.py")


def pytest_collection_modifyitems(items):
    def rank(item):
        name = item.path.name
        return LONGEST_FIRST.index(name) if name in LONGEST_FIRST else len(LONGEST_FIRST)

    items.sort(key=rank)  # stable: the order within a file, and of the others, is kept
