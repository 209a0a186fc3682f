# Stadtlotse — the multilingual citizen assistant. `make run` starts it, `make test` tests it.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV    := .venv
PY      := $(VENV)/bin/python
PYBABEL := PYTHONPATH=. $(VENV)/bin/pybabel
STAMP   := $(VENV)/.installed
export RASA_TELEMETRY_ENABLED := false
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: help install run run-prod chat train test test-fast bench bench-production translations translations-report check preview check-translations lint lock clean

help: ## list the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-z-]+:.*## / {printf "  make %-18s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

install: $(STAMP) ## create .venv with Python 3.10 and the pinned packages (pip check must pass)

$(STAMP): requirements.lock
	@PYTHON=$$(tools/find-python.sh) || exit 1; \
	  echo "Using $$PYTHON"; \
	  [ -x $(PY) ] || $$PYTHON -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade "pip==25.2"
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(PY) -m pip check
	@touch $(STAMP)

train: install ## train the model (skipped when its inputs did not change)
	$(PY) tools/train.py

run: install train ## install, train if needed, start the assistant on localhost
	@tools/ensure-espeak.sh || echo "Read aloud stays off until espeak-ng is installed."
	$(PY) -m bot.launcher

run-prod: install train ## the production topology on this machine: Rasa replicas, PostgreSQL, Redis (README)
	$(PY) -m bot.production

chat: install ## chat with the running assistant in this terminal
	$(PY) -m bot.console

test: install train ## the whole test suite: lint, unit, translations, trained-model conversations, browser
	$(VENV)/bin/ruff check actions bot components tools tests
	tools/ensure-espeak.sh
	chromium=$$(tools/ensure-chromium.sh) || exit 1; CHROMIUM=$$chromium $(PY) -m pytest

test-fast: install ## only the offline unit tests (no server, no model)
	$(PY) -m pytest -m "not integration"

bench: install train ## benchmarks: accuracy, language, latency, memory vs Rasa's default; load on production; pip-audit
	$(PY) tools/bench.py
	$(PY) tools/bench_production.py

bench-production: install train ## only the production load benchmark (1 and 2 replicas) and pip-audit
	$(PY) tools/bench_production.py

translations: install ## extract German texts, update all catalogs, compile them
	$(PYBABEL) -q extract -F babel.cfg -o locales/messages.pot --add-comments=Translators: --no-wrap \
	  --sort-by-file --project=Stadtlotse --copyright-holder="Stadtlotse contributors" \
	  --msgid-bugs-address=stadt@beckum.de .
	$(PYBABEL) -q update -i locales/messages.pot -d locales --no-wrap --ignore-obsolete
	$(PYBABEL) compile -d locales --statistics
	$(PYBABEL) -q extract -F babel-staff.cfg -o locales/staff.pot -k S_ -k staff_text --no-default-keywords \
	  --no-wrap --sort-by-file --project=Stadtlotse --copyright-holder="Stadtlotse contributors" .
	[ -f locales/en/LC_MESSAGES/staff.po ] || $(PYBABEL) -q init -D staff -i locales/staff.pot -d locales -l en --no-wrap
	$(PYBABEL) -q update -D staff -i locales/staff.pot -d locales -l en --no-wrap --ignore-obsolete
	$(PYBABEL) compile -D staff -d locales -l en --statistics

check: install ## check everything staff edit: catalogue, hours, links, contacts, catalogs, NLU data
	$(PY) -m bot.staff check

preview: install ## what would the assistant answer? make preview Q="Wann hat das Bürgerbüro offen?" L=de NOW=2026-12-24T10:00
	$(PY) -m bot.staff preview "$(Q)" $(if $(L),--lang $(L)) $(if $(NOW),--now $(NOW))

translations-report: install ## translation coverage per language: translated, missing, outdated, and where
	$(PY) -m bot.staff translations

lint: install ## ruff over the code
	$(VENV)/bin/ruff check actions bot components tools tests

lock: ## re-pin requirements.lock from requirements.in (in a fresh venv)
	rm -rf /tmp/stadtlotse-lock && $$(tools/find-python.sh) -m venv /tmp/stadtlotse-lock
	/tmp/stadtlotse-lock/bin/pip install --quiet -r requirements.in
	/tmp/stadtlotse-lock/bin/pip freeze --exclude-editable > requirements.lock

clean: ## remove the venv, models and caches
	rm -rf $(VENV) models .rasa .pytest_cache bench-results
