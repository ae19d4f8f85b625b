# Two commands on a fresh machine: `make run` and `make test`.
.DEFAULT_GOAL := help
SHELL := /bin/bash

VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
MANAGE := $(PY) manage.py
# Candidates are *run*, not looked up: a pyenv shim may exist and still fail.
PYTHON_CANDIDATES := python3.13 python3.12 python3 python

.PHONY: help venv run test lint fmt migrate messages compilemessages bench bench-outbox clean

help:
	@echo "make run    start the product on http://127.0.0.1:8000 with demo data"
	@echo "make test   run the test suite"
	@echo "make lint   ruff check + format check;  make fmt  reformat"
	@echo "make messages / compilemessages   update / compile translations"
	@echo "make bench   load-test the staff pages on seed_scale data in PostgreSQL (see README)"
	@echo "make bench-outbox   dispatch 10 000 messages to a local SMTP server (see README)"

$(PY):
	@py=""; for c in $(PYTHON_CANDIDATES); do \
	  if $$c -c 'import sys; assert sys.version_info >= (3, 12)' >/dev/null 2>&1; then py=$$c; break; fi; \
	done; \
	if [ -z "$$py" ]; then \
	  echo "No Python 3.12 or newer found (tried: $(PYTHON_CANDIDATES)). Install Python 3.13 (see .python-version)." >&2; \
	  exit 1; \
	fi; \
	echo "Creating $(VENV) with $$py ($$($$py -c 'import sys; print(sys.version.split()[0])'))"; \
	$$py -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	@touch $@

venv: $(VENV)/.installed

migrate: venv
	$(MANAGE) migrate --noinput

run: venv migrate
	$(MANAGE) seed_demo
	$(MANAGE) runserver 127.0.0.1:8000

test: venv
	$(BIN)/pytest

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

fmt: venv
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

messages: venv
	$(MANAGE) makemessages --no-location --no-obsolete -l nb -l en --ignore '.venv/*' --ignore 'staticfiles/*'

compilemessages: venv
	$(MANAGE) compilemessages --ignore '.venv/*'

# Needs DATABASE_URL=postgres://…; SCALE=small for a quick run, REUSE=1 to keep the seeded
# data, DURATION=seconds per page, BENCH_ARGS for anything else (python -m bench.run --help).
bench: venv
	$(PY) -m bench.run --scale $${SCALE:-full} --seconds $${DURATION:-15} \
	  $$( [ -n "$${REUSE:-}" ] && echo --reuse ) $${BENCH_ARGS:-}

# Uses DATABASE_URL like everything else: run it against PostgreSQL for real figures.
bench-outbox: venv migrate
	DEBUG=1 $(MANAGE) bench_outbox --count $${COUNT:-10000}

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache
