# Two commands set everything up on a fresh machine with Python >= 3.11 and make:
#   make run    create .venv if missing, install, prepare the database with demo data, serve the web
#               (web chat, staff workspace, admin console) on http://127.0.0.1:8080
#   make test   create .venv with the test extras if missing, run the whole suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
TEST_INSTALLED := $(VENV)/.installed-test
# Two test processes: the suite waits on subprocesses and sockets as much as on the CPU.
TEST_WORKERS ?= 2

.PHONY: run chat test lint typecheck check bench bench-alerts bench-load eval fit-decision clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python >= 3.11 is needed")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(INSTALLED): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

$(TEST_INSTALLED): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $@ $(INSTALLED)

run: $(INSTALLED)
	$(BIN)/hoanhap init --demo
	$(BIN)/hoanhap serve

chat: $(INSTALLED)
	$(BIN)/hoanhap init --demo
	$(BIN)/hoanhap chat

test: $(TEST_INSTALLED)
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS)

# ruff (rules and format), then the import contracts of pyproject.toml ([tool.importlinter]; docs/architecture.md draws them).
lint: $(TEST_INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache

typecheck: $(TEST_INSTALLED)
	$(BIN)/mypy bot handlers knowledge_base

check: lint typecheck test

# The acceptance bars: informal questions >= 95% right and <= 1% wrong; the held-out real questions
# >= 75% right, <= 5% wrong, >= 90% of the out-of-scope ones refused. Every set, with the baselines.
eval: $(INSTALLED)
	$(BIN)/hoanhap kb eval --shipped --baselines tests/data/*-questions*.jsonl
	$(BIN)/hoanhap kb eval --shipped tests/data/informal-questions-heldout.jsonl \
		--min-correct 0.95 --max-wrong 0.01 --min-rejection 0.9
	$(BIN)/hoanhap kb eval --shipped tests/data/real-questions-heldout.jsonl \
		--min-correct 0.75 --max-wrong 0.05 --min-rejection 0.9

# Refits the matcher's decision on the tuning sets (never the held-out ones) and writes its coefficients.
fit-decision: $(TEST_INSTALLED)
	$(BIN)/python -m pip install --quiet -e '.[fit]'
	$(BIN)/python -m benchmarks.fit_decision --write

# The matcher benchmark writes the whole file; the web one then replaces only its own section in it.
bench: $(TEST_INSTALLED)
	$(BIN)/python -m benchmarks.matching --out docs/benchmarks.md
	$(BIN)/python -m benchmarks.web --out docs/benchmarks.md

# A listing's notices to 5,000 subscribers through the paced sender and the fake Bot API, with a
# crash mid-broadcast: its section of docs/benchmarks.md. About six minutes (real time, paced).
bench-alerts: $(TEST_INSTALLED)
	$(BIN)/python -m benchmarks.alerts --out docs/benchmarks.md

# Webhook load and fault runs (PostgreSQL on 127.0.0.1:5432 for the multi-worker and fault runs; the
# PostgreSQL restart fault needs pg_ctlcluster and root): docs/benchmarks-load.md. About 8 minutes.
bench-load: $(TEST_INSTALLED)
	$(BIN)/python -m benchmarks.load.run --out docs/benchmarks-load.md

clean:
	rm -rf $(VENV) var build *.egg-info .mypy_cache .ruff_cache .pytest_cache
