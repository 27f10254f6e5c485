"""dagster-dbt's CLI resource without two start-up costs this project does not use."""

from functools import cached_property

from dagster_dbt import DbtCliResource
from dbt.version import __version__ as DBT_CORE_VERSION
from packaging import version


class BooksDbtCli(DbtCliResource):
    """`DbtCliResource` as is, less what each of its `cli()` calls does before dbt starts:

    - it builds a dbt Core adapter in-process (dbt parses every macro) for the row
      counts and column metadata it can fetch after a build; this project does not fetch
      them (the review queue's metadata comes from the warehouse, `metadata.py`);
    - the first call of a run asks `dbt --version` in a subprocess for the version
      of the dbt-core installed beside it, which its package states.

    Both are private hooks of dagster-dbt (0.29, pinned in uv.lock); a test fails if
    `cli()` stops calling them, where these overrides would quietly do nothing."""

    def _initialize_dbt_core_adapter(self, args):  # noqa: ARG002
        return None

    @cached_property
    def _cli_version(self) -> version.Version:
        return version.parse(DBT_CORE_VERSION)
