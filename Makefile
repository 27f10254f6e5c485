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
# Dagster's instance lives in a git-ignored home, configured by dagster.yaml.
export DAGSTER_HOME := $(CURDIR)/.dagster_home
export BOOKS_WAREHOUSE ?= $(DATA)/warehouse.duckdb
export BOOKS_LANDING ?= $(DATA)/landing
export BOOKS_RULES ?= $(DATA)/landing/rules.yml
export BOOKS_EXPORTS ?= $(DATA)/exports

.PHONY: env demo test dev lint format clean bench bench-pipeline

$(UV):
	$(PYTHON) -m venv $(CURDIR)/.uv
	$(CURDIR)/.uv/bin/pip install --quiet uv==$(UV_VERSION)

# The environment comes from the lock file only (--frozen): same versions everywhere.
# Bytecode is compiled once here: where Python may not write it (PYTHONDONTWRITEBYTECODE,
# a read-only image), every process, dbt's included, compiled ~1,800 modules again (~4 s).
$(VENV)/.synced: uv.lock pyproject.toml Makefile | $(UV)
	$(UV) sync --frozen --compile-bytecode --python $(PYTHON)
	touch $@

env: $(VENV)/.synced

$(DAGSTER_HOME)/dagster.yaml: dagster.yaml
	mkdir -p $(DAGSTER_HOME)
	cp dagster.yaml $@

demo: env $(DAGSTER_HOME)/dagster.yaml
	$(VENV)/bin/books demo --data $(DATA)

test: env
	$(VENV)/bin/pytest

dev: env $(DAGSTER_HOME)/dagster.yaml
	@test -f $(BOOKS_RULES) || $(VENV)/bin/books generate --out $(BOOKS_LANDING)
	$(VENV)/bin/dagster dev -m orchestration.definitions

lint: env
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: env
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

clean:
	rm -rf $(VENV) $(CURDIR)/.uv $(DATA) $(DAGSTER_HOME) transforms/target

bench: env
	$(VENV)/bin/python -m bench.allocation --json $(DATA)/bench-allocation.json

# The whole daily run at 10k / 100k / 1M accounts, day 1 and day 2, with its baselines.
bench-pipeline: env
	$(VENV)/bin/python -m bench.pipeline --cache $(DATA)/bench --json $(DATA)/bench-pipeline.json
