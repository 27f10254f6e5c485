# Two commands do all the set-up on a machine with only python3 and make:
#   make demo   sample data -> every asset -> data/warehouse.duckdb, and a summary
#   make test   the test suite
PYTHON ?= python3
UV_VERSION := 0.13.8
VENV := $(CURDIR)/.venv
UV := $(CURDIR)/.uv/bin/uv
DATA := $(CURDIR)/data
export UV_PROJECT_ENVIRONMENT := $(VENV)
export UV_PYTHON_DOWNLOADS := never
# `dagster dev` prepares the dbt manifest with the `dbt` it finds on PATH.
export PATH := $(VENV)/bin:$(PATH)
# Dagster's instance lives in a git-ignored home, configured by config/dagster.yaml (kept out
# of the working folder, where Dagster would warn that it is not DAGSTER_HOME's).
export DAGSTER_HOME := $(CURDIR)/.dagster_home
# The warehouse's engine: duckdb (the embedded default) or spark (needs Java).
export BOOKS_ENGINE ?= duckdb
export BOOKS_WAREHOUSE ?= $(DATA)/warehouse.$(BOOKS_ENGINE)
export BOOKS_LANDING ?= $(DATA)/landing
export BOOKS_RULES ?= $(DATA)/landing/rules.yml
export BOOKS_EXPORTS ?= $(DATA)/exports
# `make dev` serves the UI on DAGSTER_PORT and the exports folder on EXPORTS_PORT, so the
# report link in the UI opens.
DAGSTER_PORT ?= 3000
EXPORTS_PORT ?= 3001
export BOOKS_EXPORTS_URL ?= http://127.0.0.1:$(EXPORTS_PORT)/
# NumPy asks the kernel for transparent huge pages for every array of 4 MB or more; where
# the kernel compacts memory to find them (THP defrag `madvise`, a common default), a run's
# first pass over a million accounts waits on it. Read at NumPy's import; 1 turns it back on.
export NUMPY_MADVISE_HUGEPAGE ?= 0
# Days of history `make demo` builds, ending today (trends and runway want a few).
DAYS ?= 3
DOCS_PORT ?= 8080

.PHONY: env manifest demo test dev docs lint format clean bench bench-pipeline bench-ui

$(UV):
	$(PYTHON) -m venv $(CURDIR)/.uv
	$(CURDIR)/.uv/bin/pip install --quiet uv==$(UV_VERSION)

# The environment comes from the lock file only (--frozen): same versions everywhere.
# Bytecode is compiled once here: where Python may not write it (PYTHONDONTWRITEBYTECODE,
# a read-only image), every process, dbt's included, compiled ~1,800 modules again (~4 s).
$(VENV)/.synced: uv.lock pyproject.toml Makefile | $(UV)
	$(UV) sync --frozen --all-extras --compile-bytecode --python $(PYTHON)
	touch $@

env: $(VENV)/.synced

# The dbt manifest the Dagster definitions are built from, parsed only when the project
# changed (`books run`, `books demo` and `books dev` prepare it themselves; loading the
# definitions never parses).
manifest: env
	$(VENV)/bin/python -m orchestration.defs.transforms.project

$(DAGSTER_HOME)/dagster.yaml: config/dagster.yaml
	mkdir -p $(DAGSTER_HOME)
	cp config/dagster.yaml $@

demo: env $(DAGSTER_HOME)/dagster.yaml
	$(VENV)/bin/books demo --data $(DATA) --days $(DAYS)

test: env
	$(VENV)/bin/pytest -n 2 --dist loadfile

# `books dev` stops the UI and everything it started on Ctrl-C, on SIGTERM, and when make
# itself is killed (books_app/dev.py).
dev: env $(DAGSTER_HOME)/dagster.yaml
	@test -f $(BOOKS_RULES) || $(VENV)/bin/books generate --out $(BOOKS_LANDING)
	exec $(VENV)/bin/books dev --port $(DAGSTER_PORT) --exports-port $(EXPORTS_PORT)

# The dbt docs of the demo's warehouse, with the vars the daily run uses.
docs: env
	$(VENV)/bin/books docs --rules $(BOOKS_RULES) --warehouse $(BOOKS_WAREHOUSE) --port $(DOCS_PORT)

# Python style, the walls between the packages (pyproject's import-linter contracts), and
# the dbt SQL (transforms/.sqlfluff, compiled by dbt with the run's vars).
lint: env
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache
	$(VENV)/bin/python transforms/lint_sql.py

format: env
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/python transforms/lint_sql.py --fix

clean:
	rm -rf $(VENV) $(CURDIR)/.uv $(DATA) $(DAGSTER_HOME) transforms/target

bench: env
	$(VENV)/bin/python -m bench.allocation --json $(DATA)/bench-allocation.json

# The whole daily run at 10k / 100k / 1M accounts, day 1 and day 2, with its baselines.
bench-pipeline: env
	$(VENV)/bin/python -m bench.pipeline --cache $(DATA)/bench --json $(DATA)/bench-pipeline.json

# The daily run from the Dagster UI against the same run from the CLI, and a review decision.
bench-ui: env
	$(VENV)/bin/python -m bench.ui --json $(DATA)/bench-ui.json
