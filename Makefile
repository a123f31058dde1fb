# pledgeflow — the two commands: `make run` (the whole stack) and `make test` (the suite).
# Needs only python3, make and git: uv is installed into .tools/ and the locked dependencies into .venv/.

PYTHON ?= python3
UV_VERSION := 0.13.8
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
BIN := $(VENV)/bin
# Never let uv download a Python build: use the machine's python3.
export UV_PYTHON := $(shell command -v $(PYTHON))
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)
export UV_NO_PROGRESS := 1

.PHONY: run test lint typecheck pytest bench chaos openapi venv clean browser screenshots

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(VENV)/.synced: $(UV) uv.lock pyproject.toml
	$(UV) sync --locked --quiet
	touch $@

venv: $(VENV)/.synced

run: venv
	$(BIN)/pledgeflow dev

lint: venv
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .

typecheck: venv
	$(BIN)/mypy

# The suite prints a line-coverage figure for readers (no threshold): the lines of services/ and contracts/ that ran
# in the pytest process, which hosts the Temporal workers, so workflows (sandboxed too) and activities count; code
# that runs only in the processes the end-to-end and chaos tests start (`pledgeflow dev`, api, worker) does not.
# The console's browser tests drive Debian's chromium (installed here when missing: as root; otherwise it says how).
browser:
	$(PYTHON) tests/browser_setup.py

pytest: venv browser
	$(BIN)/pytest --cov=services --cov=contracts --cov-report=term:skip-covered

test: lint typecheck pytest

# Screenshots of the console's pages at 1366x768, into build/screenshots/ (the browser tests write them).
screenshots: venv browser
	$(BIN)/pytest -m browser -q

bench: venv
	$(BIN)/python -m tests.bench.servicing_bench
	$(BIN)/python -m tests.bench.loan_bench
	$(BIN)/python -m tests.bench.console_bench
	$(BIN)/python -m tests.bench.subsidy_bench
	$(BIN)/python -m tests.bench.whitelist_bench
	$(BIN)/python -m tests.bench.board_bench

# Fault injection at full size (not part of `make test`, which runs a small version): 100 loans, the worker
# SIGKILLed 10 times, then the API, Temporal and PostgreSQL restarted; three runs in a row must all be clean.
chaos: venv
	$(BIN)/python -m tests.chaos.run --loans 100 --kills 10 --runs 3

openapi: venv
	$(BIN)/pledgeflow openapi

clean:
	rm -rf $(VENV) $(TOOLS) .pytest_cache .mypy_cache .ruff_cache
