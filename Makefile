# opsreview — `make help` lists the targets. Everything runs inside .venv, created on demand
# with `python3 -m venv` from pyproject.toml (the single dependency list).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
OPSREVIEW := $(BIN)/opsreview
# Reporting period: `latest` = the latest full quarter in the warehouse (2026Q3 for the demo).
PERIOD ?= latest
WAREHOUSE ?= $(or $(OPSREVIEW_WAREHOUSE),data/warehouse.duckdb)
PYTEST := $(PY) -m pytest

.DEFAULT_GOAL := help
.PHONY: help setup test test-unit test-integration test-notebooks demo report lab lint format bench clean

help: ## list the targets
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | sort | \
		awk 'BEGIN {FS = ":.*?## "}; {printf "  \033[36m%-18s\033[0m %s\n", $$1, $$2}'
	@echo "  variables: PERIOD=$(PERIOD) WAREHOUSE=$(WAREHOUSE)"

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $@

# focus-validator (the FinOps Foundation's checker) pins old pandas/pyarrow, so it lives in its own
# venv; the export test runs it through FOCUS_VALIDATOR.
FOCUS_VENV := .venv-focus-validator
$(FOCUS_VENV)/.installed:
	$(PYTHON) -m venv $(FOCUS_VENV)
	$(FOCUS_VENV)/bin/pip install --quiet 'focus-validator==1.0.0' 'multimethod==1.10' 'pyarrow<17'
	@touch $@

setup: $(VENV)/.installed ## create .venv and install the package with its dev tools (only when pyproject.toml changed)

test: setup $(FOCUS_VENV)/.installed ## run every test tier: unit, integration, notebooks (and doctests)
	FOCUS_VALIDATOR=$(abspath $(FOCUS_VENV))/bin/focus-validator $(PYTEST)

test-unit: setup ## fast unit tests and doctests only
	$(PYTEST) -m unit analytics tests/unit

test-integration: setup ## real sample exports and the demo warehouse, exact numbers
	$(PYTEST) -m integration tests/integration

test-notebooks: setup ## execute every report notebook with papermill, plus nbval
	$(PYTEST) -m notebooks tests/notebooks

demo: setup ## (re)build the demo warehouse from freshly generated exports
	$(OPSREVIEW) demo --warehouse $(WAREHOUSE) --force

$(WAREHOUSE): | $(VENV)/.installed
	$(OPSREVIEW) demo --warehouse $(WAREHOUSE)

report: setup | $(WAREHOUSE) ## build the demo warehouse if absent, then run every report notebook into reports/<period>/
	$(OPSREVIEW) report all --period $(PERIOD) --warehouse $(WAREHOUSE)

lab: setup ## open JupyterLab on the notebooks (uses the same warehouse)
	OPSREVIEW_WAREHOUSE=$(abspath $(WAREHOUSE)) $(BIN)/jupyter lab notebooks/

lint: setup ## ruff, mypy on analytics/ (configured in pyproject.toml), and the notebook hygiene checks
	$(BIN)/ruff check analytics tests bench tools
	$(BIN)/mypy
	$(PYTEST) -q tests/unit/test_notebook_hygiene.py

format: setup ## apply ruff's safe fixes
	$(BIN)/ruff check --fix analytics tests bench tools

bench: setup ## run every benchmark (each prints ratios against a baseline measured in the same run)
	@set -e; for script in bench/*.py; do echo "== $$script"; $(PY) $$script; done

clean: ## remove the venv, generated reports and demo data, caches
	rm -rf $(VENV) $(FOCUS_VENV) reports data/demo data/*.duckdb data/*.duckdb.wal build dist *.egg-info .pytest_cache .ruff_cache .hypothesis bench/out
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
