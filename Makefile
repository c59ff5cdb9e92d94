# The two commands of the quick start are `make run` and `make test`; the rest serve them.
SHELL := /bin/bash
PORT ?= 8000
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

# The first Python 3.12+ on the PATH (pyenv's shims honour .python-version).
PYTHON ?= $(shell for p in python3.14 python3.13 python3.12 python3 python $(wildcard $(HOME)/.pyenv/versions/3.1[2-9]*/bin/python3); do \
	if command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; \
	then echo $$p; break; fi; done)

.PHONY: run test bench lint venv migrate demo worker beat clean

$(STAMP): pyproject.toml
	@if [ -z "$(PYTHON)" ]; then \
		echo "Python 3.12 or newer is required and none was found on the PATH." >&2; \
		echo "Install it (e.g. 'pyenv install 3.12' or your system's python3.12) and run make again." >&2; \
		exit 1; fi
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

venv: $(STAMP)

migrate: $(STAMP)
	$(PY) manage.py migrate --noinput

demo: migrate
	$(PY) manage.py seed_demo

run: demo
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

test: $(STAMP)
	$(PY) -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .

bench: $(STAMP)
	$(PY) -m bench $(BENCH_ARGS)

worker: $(STAMP)
	$(VENV)/bin/celery -A alignment_portal worker --loglevel=INFO

beat: $(STAMP)
	$(VENV)/bin/celery -A alignment_portal beat --loglevel=INFO --schedule var/celerybeat-schedule

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache *.egg-info
