# The two commands a newcomer runs: `make run` and `make test` (README.md).
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
RUN_STAMP := $(VENV)/.installed-run
TEST_STAMP := $(VENV)/.installed-test

.PHONY: run test lint fmt system-packages check-services migrations-check pytest messages makemessages bench clean

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

# Web, Celery worker, beat and the fake Stripe server (localstripe, README "Payments") on embedded defaults
# (SQLite, filesystem broker) unless the env says otherwise.
run: export DEBUG ?= true
run: $(RUN_STAMP) messages
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py build_gazetteer
	$(BIN)/python manage.py seed_demo
	@echo "Serving on http://127.0.0.1:$${PORT:-8000}/ (Ctrl-C stops web, worker, beat and localstripe)"
	WEB_PORT=$${PORT:-8000} $(BIN)/honcho start -f Procfile -e /dev/null -p $${PORT:-8000}

test: $(TEST_STAMP) system-packages check-services lint migrations-check pytest

system-packages:
	@bash scripts/ensure_system_packages.sh

check-services:
	@bash scripts/check_services.sh

# Style, the app floors (import-linter, pyproject.toml), the templates (djLint) and no module over
# 500 lines outside migrations and tests (scripts/check_module_size.py).
lint: $(TEST_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/djlint templates --lint
	$(BIN)/python scripts/check_module_size.py

fmt: $(TEST_STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

migrations-check: $(TEST_STAMP)
	# Models against migration files only: no database needed (a throwaway SQLite under var/).
	DEBUG=true DATABASE_URL= VAR_DIR=var/migrations-check $(BIN)/python manage.py makemigrations --check --dry-run

pytest: $(TEST_STAMP) messages
	$(BIN)/pytest --durations=15 $(PYTEST_ARGS)

# Translations (locale/README.md). The compiled catalogues (.mo) are build output and never committed:
# compile ours only (not the virtualenv's); an up-to-date .mo is left alone.
messages: $(RUN_STAMP)
	DEBUG=true $(BIN)/python manage.py compilemessages --ignore=.venv --ignore=var --ignore=node_modules

# After changing user-facing text: refresh the Spanish catalogue, translate what is new, then `make messages`.
makemessages: $(RUN_STAMP)
	DEBUG=true $(BIN)/python manage.py makemessages -l es --add-location=file --no-obsolete \
		--ignore=.venv --ignore=var --ignore=bench --ignore=tests --ignore=test-artifacts --ignore=node_modules

# Load, contention and delivery figures at 1k and 10k courses, bulk-written to databases of its own:
# writes bench/RESULTS.md and bench/results.json (bench/run.py). Not part of `make test`; needs Postgres,
# Redis and wrk. BENCH_ARGS=--quick for a reduced run while developing (its report goes to bench/out/quick/).
bench: $(TEST_STAMP) check-services
	@command -v wrk >/dev/null || { \
		if [ "$$(id -u)" = 0 ]; then apt-get install -y wrk || { apt-get update && apt-get install -y wrk; }; \
		else echo "wrk is missing: sudo apt-get install -y wrk"; exit 1; fi; }
	$(BIN)/python -m bench.run $(BENCH_ARGS)

clean:
	rm -rf var/ .pytest_cache .ruff_cache
