# The two commands a newcomer runs: `make run` and `make test` (README.md).
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
RUN_STAMP := $(VENV)/.installed-run
TEST_STAMP := $(VENV)/.installed-test

.PHONY: run test lint fmt system-packages check-services migrations-check pytest messages bench clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "Python 3.11 is required (found %s)" % sys.version.split()[0]'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(RUN_STAMP): requirements/run.lock | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements/run.lock
	touch $@

$(TEST_STAMP): requirements/test.lock | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements/test.lock
	touch $@ $(RUN_STAMP)

# Web, Celery worker and beat on embedded defaults (SQLite, filesystem broker) unless the env says otherwise.
run: export DEBUG ?= true
run: $(RUN_STAMP)
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	@echo "Serving on http://127.0.0.1:$${PORT:-8000}/ (Ctrl-C stops web, worker and beat)"
	$(BIN)/honcho start -f Procfile -e /dev/null -p $${PORT:-8000}

test: $(TEST_STAMP) system-packages check-services lint migrations-check pytest

system-packages:
	@bash scripts/ensure_system_packages.sh

check-services:
	@bash scripts/check_services.sh

lint: $(TEST_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

fmt: $(TEST_STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

migrations-check: $(TEST_STAMP)
	DJANGO_SETTINGS_MODULE=config.settings_test $(BIN)/python manage.py makemigrations --check --dry-run

pytest: $(TEST_STAMP)
	$(BIN)/pytest --durations=15 $(PYTEST_ARGS)

clean:
	rm -rf var/ .pytest_cache .ruff_cache
