# The two commands: `make run` and `make test`. Everything else is a step they need.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
# The public address: absolute links (emails, certificates, .ics) and the Wagtail Site follow it.
SITE_URL ?= http://$(HOST):$(PORT)
export SITE_URL
# H5P packages whose libraries the demo's admin installs (README "H5P: libraries and grading").
DEMO_H5P_PACKAGES ?= $(wildcard ../shared/fixtures/h5p)

.PHONY: run test install vendor migrate seed lint e2e clean

run: install vendor migrate seed
	DJANGO_SETTINGS_MODULE=config.settings.dev $(PY) manage.py runserver $(HOST):$(PORT)

test: install vendor
	$(PY) -m pytest

install: $(VENV)/.installed

$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

vendor: static/vendor/.installed

static/vendor/.installed: package.json package-lock.json scripts/vendor.py
	npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	$(PY) scripts/vendor.py
	touch $@

migrate: install
	DJANGO_SETTINGS_MODULE=config.settings.dev $(PY) manage.py migrate --noinput

seed: migrate
	DJANGO_SETTINGS_MODULE=config.settings.dev DEMO_H5P_PACKAGES=$(DEMO_H5P_PACKAGES) $(PY) manage.py seed_demo

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

e2e: install vendor
	$(PY) -m pytest tests/e2e

clean:
	rm -rf $(VENV) node_modules static/vendor db.sqlite3 media private_media staticfiles
