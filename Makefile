# pgwire developer tasks. Needs only Python 3.11+, pip and make:
#   make serve   run the server on an in-memory DuckDB at 127.0.0.1:5432
#   make test    run the whole test suite
# The virtualenv .venv is created and (re)installed when pyproject.toml changes.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.pgwire-installed
PIP_FLAGS ?= --disable-pip-version-check --progress-bar off
SERVE_ARGS ?=
PYTEST_ARGS ?=

.DEFAULT_GOAL := help

.PHONY: help venv serve test lint format check clean distclean

help:
	@echo "make serve      run pgwire on an in-memory DuckDB at 127.0.0.1:5432 (SERVE_ARGS=...)"
	@echo "make test       run the test suite (PYTEST_ARGS=...)"
	@echo "make lint       ruff check, ruff format --check, mypy, lint-imports (layers)"
	@echo "make format     ruff format and ruff check --fix"
	@echo "make check      lint, then test (what CI runs)"
	@echo "make venv       create/update $(VENV) only"
	@echo "make clean      remove caches and build output; distclean also removes $(VENV)"
	@echo "make apps       what tests/apps needs: node-apps (npm ci) and dbt-venv"
	@echo "make regress    PostgreSQL's regression SQL on PostgreSQL 15 and pgwire, vs its thresholds"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install $(PIP_FLAGS) -e '.[test]'
	@touch $@

venv: $(STAMP)

serve: $(STAMP)
	$(BIN)/pgwire serve $(SERVE_ARGS)

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

check: lint test

clean:
	rm -rf build dist .pytest_cache .mypy_cache .ruff_cache .hypothesis src/*.egg-info
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV) .venv-dbt

.PHONY: bench bench-smoke

# pgbench against PostgreSQL 15 and pgwire (see benchmarks/README.md); BENCH_ARGS=... to filter
bench: $(STAMP)
	$(BIN)/python -m benchmarks --out benchmarks/results/$$(date +%Y-%m-%d).md $(BENCH_ARGS)

bench-smoke: $(STAMP)
	$(BIN)/python -m benchmarks --smoke

# What the application scenarios (tests/apps) need besides the test extra: the npm packages
# pinned by tests/apps/node/package-lock.json, and dbt in a virtualenv of its own
# (tests/apps/dbt-requirements.txt says why). The tests install them too when missing.
.PHONY: apps node-apps dbt-venv
DBT_VENV ?= .venv-dbt
DBT_STAMP := $(DBT_VENV)/.pgwire-installed

apps: node-apps dbt-venv

node-apps: tests/apps/node/node_modules/.package-lock.json

tests/apps/node/node_modules/.package-lock.json: tests/apps/node/package-lock.json
	cd tests/apps/node && npm ci --no-audit --no-fund --loglevel=error

dbt-venv: $(DBT_STAMP)

$(DBT_STAMP): tests/apps/dbt-requirements.txt
	$(PYTHON) -m venv $(DBT_VENV)
	$(DBT_VENV)/bin/python -m pip install $(PIP_FLAGS) -r tests/apps/dbt-requirements.txt
	@touch $@

# PostgreSQL's regression SQL on PostgreSQL 15 and on pgwire (DuckDB), compared and checked
# against tests/regress/thresholds.toml (docs/regress.md); the results stay in REGRESS_DIR.
# After an improvement: $(BIN)/python tests/regress/thresholds.py --update $(REGRESS_DIR)
.PHONY: regress
REGRESS_DIR ?= build/regress

regress: $(STAMP)
	rm -rf $(REGRESS_DIR)
	PGWIRE_REGRESS_RESULTS=$(abspath $(REGRESS_DIR)) $(BIN)/python -m pytest -p no:cacheprovider \
		tests/regress/test_corpus.py $(PYTEST_ARGS); status=$$?; \
	sed -n '/^| file/,/^$$/p' $(REGRESS_DIR)/summary.md 2>/dev/null; \
	echo "results: $(REGRESS_DIR) (summary.md, diffs.md, counts.json)"; exit $$status
