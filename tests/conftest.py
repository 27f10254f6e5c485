"""What every test shares: no test writes to the developer's Dagster instance."""

import pytest


@pytest.fixture(autouse=True)
def _no_local_instance(monkeypatch):
    # `make test` exports the `make dev` settings; a run a test makes belongs to the test.
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    monkeypatch.delenv("BOOKS_EXPORTS_URL", raising=False)
