"""What a run's process builds once and keeps, kept out of Python's garbage collector."""

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def long_lived(collect_after: bool = False) -> Iterator[None]:
    """Collection paused while the block builds objects that live as long as the process
    (the definitions, a parsed dbt manifest): full collections during it walked them in
    vain. After it, what is alive is frozen out of later collections (its garbage collected
    first when `collect_after`), and collection resumes as it was. GX's import, which
    data_quality cannot take from here, pauses it the same way without the freeze."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collect_after:
            gc.collect()
        gc.freeze()
        if enabled:
            gc.enable()
