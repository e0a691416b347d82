# Plaza — two commands: `make run` sets up everything and serves the demo; `make test` runs the suite.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PLAZA_DATA_DIR ?= data
export PLAZA_DATA_DIR

.PHONY: run test lint setup demo clean bench-smoke

$(BIN)/plaza: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test,bench,index]'
	@touch $(BIN)/plaza

setup: $(BIN)/plaza

## Serve Plaza at http://$${PLAZA_HOST:-127.0.0.1}:$${PLAZA_PORT:-8000} with the demo loaded once.
run: setup
	$(BIN)/plaza db upgrade
	$(BIN)/plaza demo load
	$(BIN)/plaza serve

## Run the whole suite (SQLite always; PostgreSQL and Chromium tests run when available,
## and are mandatory with PLAZA_TEST_POSTGRES=required / PLAZA_TEST_BROWSER=required).
test: setup
	$(BIN)/python -m pytest $(PYTEST_ARGS)

## Lint, types and the layers' import contract (pyproject.toml: tool.ruff, tool.mypy, tool.importlinter).
lint: setup
	$(BIN)/ruff check plaza tests bench
	$(BIN)/mypy plaza
	$(BIN)/lint-imports

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .hypothesis
