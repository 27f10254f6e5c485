"""The files a run reads and writes: the landing folder, the rules file and the exports
folder. Paths come from `dg.EnvVar`s bound in `defs/resources.py` and are resolved once,
absolutely, here: dbt runs in transforms/, so a relative path would name another place.
"""

from __future__ import annotations

from pathlib import Path

import dagster as dg
from pydantic import Field

from engagement.rules import Rules, load_rules


class LandingFolder(dg.ConfigurableResource):
    """The folder the CRM exports and feeds land in."""

    path: str

    @property
    def abs_path(self) -> Path:
        return Path(self.path).expanduser().resolve()


class ExportFolder(dg.ConfigurableResource):
    """Where each run writes its CRM upsert file and per-rep change lists."""

    path: str
    url: str = Field(
        default="",
        description="Where the folder is served over http (`make dev` serves it), so the "
        "report link opens from the UI; a browser will not follow a file:// link there",
    )

    def link(self, file: Path) -> str:
        """The address of a file of the folder: served if the folder is, else the file's."""
        if self.url:
            return self.url.rstrip("/") + "/" + file.name
        return file.resolve().as_uri()

    @property
    def abs_path(self) -> Path:
        return Path(self.path).expanduser().resolve()


class RulesFile(dg.ConfigurableResource):
    """The rules of engagement; validated when a run starts, before any step does work."""

    path: str

    def load(self) -> Rules:
        return load_rules(Path(self.path).expanduser().resolve())

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        self.load()
