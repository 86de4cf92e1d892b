# Two commands on a fresh machine: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-socle

.PHONY: run test lint system-deps bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e ".[dev]"
	touch $(STAMP)

## run: install, migrate the embedded SQLite database, start the simulated region, seed the
## demo region on it, serve on 127.0.0.1:8000 (`socle sim down` stops the simulators)
run: $(STAMP)
	$(BIN)/socle db upgrade
	-$(BIN)/socle sim up  # a simulator that fails is reported; the API still starts
	$(BIN)/socle demo
	$(BIN)/socle serve

## test: install what the tests need (PyPI and Debian) and run the whole suite on SQLite and PostgreSQL
test: $(STAMP) system-deps lint
	$(BIN)/python -m pytest -n 2 --dist loadfile

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports

system-deps:
	./scripts/system-deps.sh

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
