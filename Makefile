# Blueprint Miner: `make run` serves the demo, `make test` runs the whole suite.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: install migrate demo run test test-fast fuzz lint bench bench-ingest bench-mine bench-page lock clean

$(STAMP): requirements.lock pyproject.toml
	$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "Python 3.11 is required"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $(STAMP)

install: $(STAMP)

migrate: install
	$(BIN)/blueprint-miner migrate

demo: migrate
	$(BIN)/blueprint-miner demo

run: demo
	$(BIN)/blueprint-miner serve --host $(HOST) --port $(PORT)

# Two workers (the CI machine has two cores); each test file runs whole on one worker, so a file's
# module fixtures (servers, loaded logs) are made once. TEST_WORKERS=0 runs in one process.
TEST_WORKERS ?= 2
test: demo
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadfile

test-fast: install
	$(BIN)/pytest -m "not slow"

# Schemathesis over every operation of a real server for FUZZ_SECONDS (make test runs a pass bounded by
# examples instead, about 6,800 cases);
# FUZZ_ARGS=--postgres runs it on a throwaway PostgreSQL instead of SQLite.
FUZZ_SECONDS ?= 300
FUZZ_ARGS ?=
fuzz: install
	$(BIN)/python -m tests.support.fuzz --max-time $(FUZZ_SECONDS) --max-examples 500 $(FUZZ_ARGS)

lint: install
	$(BIN)/ruff check .

bench: bench-ingest bench-mine bench-page

bench-ingest: install
	$(BIN)/python bench/ingest.py

bench-mine: install
	$(BIN)/python bench/mine.py

bench-page: install
	$(BIN)/python bench/page.py

# Re-pin every dependency after changing pyproject.toml.
lock: install
	$(BIN)/pip install --quiet -e '.[dev]'
	$(BIN)/pip freeze --all --exclude-editable | grep -v -e '^blueprint-miner' -e '^pip==' > requirements.lock

clean:
	rm -rf $(VENV) var
