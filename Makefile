# Aktau TOS: `make run` brings the system up, `make test` runs the whole suite on PostgreSQL.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
RUN_STAMP := $(VENV)/.installed-run
DEV_STAMP := $(VENV)/.installed-dev
WEB_ADDR ?= 127.0.0.1:8000

.PHONY: run test test-fast bench bench-quick check-all audit lint clean languages

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(RUN_STAMP): requirements.txt | $(PY)
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(DEV_STAMP): requirements.txt requirements-dev.txt | $(PY)
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@ $(RUN_STAMP)

## languages: the translations compiled (gettext's msgfmt) and the PDFs' fonts (Debian packages, installed if missing)
languages: export DJANGO_SECRET_KEY ?= compilemessages-reads-no-secret
languages: $(RUN_STAMP)
	scripts/apt-install msgfmt gettext
	scripts/apt-install /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf fonts-dejavu-core
	scripts/apt-install /usr/share/fonts/truetype/wqy/wqy-microhei.ttc fonts-wqy-microhei
	$(PY) manage.py compilemessages --ignore=.venv --ignore=var -v0

## run: install, migrate, seed the Aktau layout with demo data, then web + worker + beat until Ctrl-C
run: export DJANGO_DEBUG ?= true
run: export WEB_ADDR := $(WEB_ADDR)
run: $(RUN_STAMP) languages
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_aktau --demo
	@echo
	@echo "Aktau TOS is starting at http://$(WEB_ADDR)/"
	@echo "  admin:     http://$(WEB_ADDR)/admin/"
	@echo "  API docs:  http://$(WEB_ADDR)/api/docs/   schema: http://$(WEB_ADDR)/api/schema/"
	@echo "  Ctrl-C stops web, worker and scheduler."
	@echo
	@# Ctrl-C is how it stops: honcho then answers 130, which is not a failure of `make run`.
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" $(VENV)/bin/honcho start -f Procfile.dev || [ $$? -eq 130 ]

## test: lint, migration check and the whole suite on PostgreSQL (a throwaway cluster if DATABASE_URL is unset)
test: export DJANGO_SECRET_KEY ?= test-only-secret-key-not-for-production
test: $(DEV_STAMP) languages
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/bandit -q -c pyproject.toml -r aktau_tos yard rail customs dangerous_goods vessels edi simulation scripts
	scripts/apt-install chromium chromium
	scripts/apt-install redis-server redis-server
	scripts/with-postgres bash -c '$(PY) manage.py makemigrations --check --dry-run && $(PY) -m pytest'

## test-fast: quick feedback while developing: the suite without the system and bench tests, no lint (make test runs all)
# The API fuzzer is all system tests, and schemathesis builds its requests while collecting it (4 s): not collected.
test-fast: export DJANGO_SECRET_KEY ?= test-only-secret-key-not-for-production
test-fast: $(DEV_STAMP) languages
	scripts/with-postgres $(PY) -m pytest -q -m "not system and not bench" --ignore=tests/api/test_fuzz.py $(PYTEST_ARGS)

## bench: quality and speed figures on a throwaway PostgreSQL -> bench/results/results.json and summary.md (< 30 min)
bench: export DJANGO_SECRET_KEY ?= bench-only-secret-key-not-for-production
bench: export DJANGO_SETTINGS_MODULE := bench.settings
bench: $(DEV_STAMP)
	scripts/with-postgres bash -c '$(PY) manage.py migrate -v0 && $(PY) manage.py bench $(BENCH_ARGS)'

## bench-quick: the same sections at reduced sizes, a few minutes, the same files
bench-quick: BENCH_ARGS += --quick
bench-quick: bench

## check-all: make test, then the API fuzzer at length and pip-audit (which needs the advisory database online)
check-all: test
	scripts/with-postgres bash -c 'FUZZ_EXAMPLES=$${FUZZ_EXAMPLES:-200} $(PY) -m pytest tests/api/test_fuzz.py'
	$(MAKE) audit

## audit: known vulnerabilities in the pinned requirements (pip-audit)
audit: $(DEV_STAMP)
	$(VENV)/bin/pip-audit --strict --progress-spinner off -r requirements.txt -r requirements-dev.txt

lint: $(DEV_STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

clean:
	rm -rf $(VENV) var
