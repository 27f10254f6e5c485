"""The `books` command: the terminal side of dynamic books (generate, run, explain,
review, demo, docs). It drives the Dagster code location in `orchestration/`, which
knows nothing of it."""
