# The two commands that do everything on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=

.PHONY: run test install lint format bench clean fuzz

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed

## Install, migrate, load the demo district into an empty database, create the admin, serve.
run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py bootstrap
	@echo "Serving on http://$(HOST):$(PORT)/  (Ctrl-C to stop)"
	$(VENV)/bin/gunicorn portal.wsgi:application --bind $(HOST):$(PORT) --workers 2 --threads 4 --timeout 120 --access-logfile -

## The whole suite: migrations in step with the models, then every test, then a scan of the
## logs the suite wrote for ID and mobile numbers (portal/logscan.py).
test: install
	$(PY) manage.py makemigrations --check --dry-run
	rm -rf $(CURDIR)/var/log/test
	LOG_DIR=$(CURDIR)/var/log/test $(PY) -m pytest -n 2 $(PYTEST_ARGS)
	$(PY) -m portal.logscan $(CURDIR)/var/log/test

## Schemathesis against /api/schema/ with a token of each role (tests/fuzz); FUZZ_EXAMPLES
## examples per operation and role (default 25).
fuzz: install
	$(PY) -m pytest -m fuzz -n 0 -p no:cacheprovider tests/fuzz $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

bench: install
	$(PY) -m bench.run
	$(PY) -m bench.members
	$(PY) -m bench.buildings
	$(PY) -m bench.grids
	$(PY) -m bench.dashboard
	$(PY) -m bench.search

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
