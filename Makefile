# callwarden: the only entry points. `make run` and `make test` work on a fresh clone.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export CALLWARDEN_HOME ?= $(CURDIR)/.callwarden

.PHONY: install run test lint typecheck imports pytest bench bench-full services docs snapshot clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=25.1"
	$(BIN)/python -m pip install --quiet -e ".[bench]" --group dev
	touch $(STAMP)

install: $(STAMP)

run: install
	$(BIN)/callwarden serve

services:
	@pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null || \
	  (command -v pg_ctlcluster >/dev/null && pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql | head -n1) main start) || \
	  echo "PostgreSQL is not available: its test leg will be skipped"

lint: install
	$(BIN)/ruff check src tests $(wildcard benchmarks)
	$(BIN)/ruff format --check src tests $(wildcard benchmarks)

typecheck: install
	$(BIN)/mypy src/callwarden

imports: install
	$(BIN)/lint-imports

pytest: install services
	$(BIN)/pytest

test: lint typecheck imports pytest

bench: install
	$(BIN)/python -m benchmarks $(BENCH_ARGS)

docs: install
	$(BIN)/python -m callwarden.interfaces.cli.docs_gen
	$(BIN)/python -m callwarden.interfaces.cli.rules_doc

snapshot: install
	$(BIN)/python -m tests.rules.snapshot

clean:
	rm -rf $(VENV) .callwarden .pytest_cache .mypy_cache .ruff_cache
