# Concertation — `make run` to try it, `make test` to check it. See README.md.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# The first Python 3.12+ found: on the PATH, then in pyenv's versions.
PYTHON ?= $(shell for p in python3.13 python3.12 $$HOME/.pyenv/versions/3.13*/bin/python3 $$HOME/.pyenv/versions/3.12*/bin/python3 python3; do \
	if command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then echo $$p; break; fi; done)
VENV := .venv
PY := $(VENV)/bin/python
# The PostgreSQL server `make test` also runs the suite against, when it answers.
TEST_POSTGRES_URL ?= postgres://postgres@127.0.0.1:5432/concertation
PYTEST_WORKERS ?= 2

.PHONY: help run test test-sqlite test-postgres lint fuzz guide-screenshots bench bench-signup bench-analysis bench-api bench-package bench-national bench-checkin quality-analysis clean

help:
	@echo "make run    installs, migrates, loads the demo and serves http://127.0.0.1:8000"
	@echo "make test   installs test tools and runs the whole suite (SQLite, then PostgreSQL)"
	@echo "make fuzz   sends hostile values to every form and query parameter as each role, for FUZZ_SECONDS per role (docs/fuzz.md)"
	@echo "make bench  benchmarks the public pages on PostgreSQL with gunicorn"
	@echo "make bench-signup, bench-analysis, bench-api, bench-package, quality-analysis: the other measures (docs/)"
	@echo "make bench-national  the national tier at 18 regions, 2,000 proposals: duplicates, provenance, dashboard, consolidation, report PDF (docs/benchmarks.md)"
	@echo "make bench-checkin  the door's sync: 1,000 offline check-ins from 4 devices at once, exactly once, next to a minimal insert (docs/benchmarks.md)"
	@echo "make guide-screenshots  runs the journey tests at 1280 px with the mouse and keeps their screenshots in docs/guide/"

$(PY):
	@if [ -z "$(PYTHON)" ]; then echo "Python 3.12 or newer is required (none found on the PATH or in pyenv)." >&2; exit 1; fi
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.run-deps: requirements.txt | $(PY)
	$(PY) -m pip install --quiet -r requirements.txt
	@touch $@

$(VENV)/.test-deps: requirements.txt requirements-dev.txt | $(PY)
	$(PY) -m pip install --quiet -r requirements-dev.txt
	@touch $@ $(VENV)/.run-deps

# The OpenID provider that the ProConnect tests start on loopback (npm's oidc-provider),
# installed from its lock file here and never at test time. Without npm the tests say they
# are skipped (with REQUIRE_BROWSER=1, as in CI, they fail).
OIDC_DEPS := tests/oidc/node_modules/.package-lock.json
$(OIDC_DEPS): tests/oidc/package.json tests/oidc/package-lock.json
	@if command -v npm >/dev/null 2>&1; then npm ci --prefix tests/oidc --no-audit --no-fund --loglevel=error; \
	else echo "npm not found: the ProConnect tests will be skipped."; fi

run: $(VENV)/.run-deps
	$(PY) manage.py migrate --noinput
	$(PY) manage.py collectstatic --noinput --verbosity 0
	$(PY) manage.py load_demo
	$(PY) manage.py serve

test: $(VENV)/.test-deps lint test-sqlite test-postgres

# Each stage prints its time, so that a slow one shows in CI's log.
lint: $(VENV)/.test-deps
	@start=$$(date +%s); \
	$(PY) -m ruff check . && \
	$(VENV)/bin/lint-imports --no-cache && \
	$(VENV)/bin/mypy && \
	$(PY) manage.py makemigrations --check --dry-run --verbosity 0 && \
	$(PY) -m concertation.checks.deploy && \
	echo "== Lint and checks: $$(( $$(date +%s) - start )) s"

# The browser tests (marked e2e) run once, on PostgreSQL, the database of a real deployment;
# everything else runs on both. `make test-sqlite E2E=1` runs them on SQLite too.
SQLITE_MARKS := $(if $(E2E),,-m "not e2e")
test-sqlite: $(VENV)/.test-deps $(OIDC_DEPS)
	@echo "== Test suite on SQLite$(if $(E2E),, (browser tests: on PostgreSQL))"
	@start=$$(date +%s); \
	env -u DATABASE_URL $(PY) -m pytest -n $(PYTEST_WORKERS) $(SQLITE_MARKS) && \
	echo "== SQLite suite: $$(( $$(date +%s) - start )) s"

test-postgres: $(VENV)/.test-deps $(OIDC_DEPS)
	@if $(PY) -c "import psycopg, sys; psycopg.connect('$(TEST_POSTGRES_URL)'.rsplit('/', 1)[0] + '/postgres', connect_timeout=3).close()" 2>/dev/null; then \
		echo "== Test suite on PostgreSQL"; start=$$(date +%s); \
		DATABASE_URL=$(TEST_POSTGRES_URL) $(PY) -m pytest -n $(PYTEST_WORKERS) && \
		echo "== PostgreSQL suite: $$(( $$(date +%s) - start )) s"; \
	elif [ -n "$$REQUIRE_POSTGRES" ]; then \
		echo "PostgreSQL does not answer at $(TEST_POSTGRES_URL), and REQUIRE_POSTGRES is set." >&2; exit 1; \
	else \
		echo "== PostgreSQL does not answer at $(TEST_POSTGRES_URL): its run is skipped."; \
	fi

# The long run of the fuzzer (tests/fuzz; `make test` runs it for a few seconds): FUZZ_SECONDS
# for each role, on PostgreSQL when DATABASE_URL names it, SQLite otherwise; FUZZ_SEED replays.
FUZZ_SECONDS ?= 90
fuzz: $(VENV)/.test-deps
	FUZZ_LONG=1 FUZZ_SECONDS=$(FUZZ_SECONDS) $(PY) -m pytest tests/fuzz -n0 -q

# The user guide's pictures (docs/user-guide.md), taken by the journey tests in Chromium.
guide-screenshots: $(VENV)/.test-deps
	$(PY) -m tests.e2e.guide_screenshots

bench: $(VENV)/.test-deps
	$(PY) -m bench.web

bench-signup: $(VENV)/.test-deps
	$(PY) -m bench.signup

bench-contributions: $(VENV)/.test-deps
	$(PY) -m bench.contributions

bench-analysis: $(VENV)/.test-deps
	$(PY) -m bench.analysis.perf

bench-api: $(VENV)/.test-deps
	$(PY) -m bench.api

bench-package: $(VENV)/.test-deps
	$(PY) -m bench.package

bench-national: $(VENV)/.test-deps
	$(PY) -m bench.national

bench-checkin: $(VENV)/.test-deps
	$(PY) -m bench.checkin

quality-analysis: $(VENV)/.test-deps
	$(PY) -m bench.analysis.quality

clean:
	rm -rf $(VENV) var
