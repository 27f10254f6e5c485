"""The one entry point: everything is discovered from the defs folder."""

import gc
from pathlib import Path

import dagster as dg

# Loading the definitions imports dbt, dagster-dbt and the domain code: objects that live as
# long as the process. Python's full collections during the load walked them in vain (0.5 s
# of 1.85 s); paused while it runs, what it built is then set outside later collections.
gc.disable()
try:
    defs = dg.load_from_defs_folder(path_within_project=Path(__file__).parent)
finally:
    gc.freeze()
    gc.enable()
