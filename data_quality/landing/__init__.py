"""Loading the landing files into typed `raw.*` views; rows that break a rule are quarantined.

The package by job: `reader` reads a file (DuckDB's CSV reader), `checks` builds the
contract's row rules, `store` owns the landing tables (landed rows, the quarantine, the
load log), `reuse` decides what of the last load holds, and `flow` runs a file's load:
rows read = rows loaded + rows quarantined, always.
"""

from data_quality.landing.flow import LoadReport, load_landing_file, load_landing_files
from data_quality.landing.reader import DIALECT, LandingError

__all__ = ["DIALECT", "LandingError", "LoadReport", "load_landing_file", "load_landing_files"]
