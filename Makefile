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

.PHONY: run test bench lint venv messages translations migrate demo worker beat backup restore clean

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

# The German catalog (and any other) compiled with Babel: no GNU gettext needed to run.
messages: $(STAMP)
	$(PY) -m alignment_portal.lib.catalogs

# After marking new strings: update the catalogs, translate the new entries, commit the .po.
translations: $(STAMP)
	$(PY) manage.py makemessages -l de -d django --add-location file --ignore "tests/*" --ignore "bench/*"
	$(PY) manage.py makemessages -l de -d djangojs --add-location file --ignore "tests/*" --ignore "bench/*"

migrate: messages
	$(PY) manage.py migrate --noinput

demo: migrate
	$(PY) manage.py seed_demo

run: demo
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

test: messages
	$(PY) -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .

bench: messages
	$(PY) -m bench $(BENCH_ARGS)

worker: $(STAMP)
	$(VENV)/bin/celery -A alignment_portal worker --loglevel=INFO

beat: $(STAMP)
	$(VENV)/bin/celery -A alignment_portal beat --loglevel=INFO --schedule var/celerybeat-schedule

# PostgreSQL only (DATABASE_URL): a pg_dump in custom format, and its restore over the same
# database (the objects in the dump are dropped and re-created, in one transaction).
BACKUP_DIR ?= var/backups

backup:
	@test -n "$$DATABASE_URL" || { echo "Set DATABASE_URL to the PostgreSQL database to back up." >&2; exit 1; }
	@mkdir -p $(BACKUP_DIR)
	@file="$(BACKUP_DIR)/portal-$$(date -u +%Y%m%dT%H%M%SZ).dump"; \
		pg_dump --format=custom --no-owner --no-privileges --file="$$file" "$$DATABASE_URL" \
		&& echo "Backed up to $$file"

restore:
	@test -n "$(FILE)" || { echo "Usage: make restore FILE=var/backups/portal-....dump" >&2; exit 1; }
	@test -n "$$DATABASE_URL" || { echo "Set DATABASE_URL to the PostgreSQL database to restore into." >&2; exit 1; }
	pg_restore --clean --if-exists --no-owner --no-privileges --single-transaction \
		--exit-on-error --dbname="$$DATABASE_URL" "$(FILE)"
	@echo "Restored $(FILE). Stop the web and the workers while you restore; start them after."

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache *.egg-info
