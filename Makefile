# Two commands do all set-up on a fresh machine:
#   make run    the site with the Hertfordshire plan and demo accounts, on http://127.0.0.1:$(PORT)
#   make test   the whole suite (ruff, then pytest, browser tests included when Chromium is installed)

PYTHON ?= python3
VENV ?= .venv
PORT ?= 8000
BIN = $(VENV)/bin
# Tests run with DEBUG off, as in production; this key exists only for them.
TEST_ENV = SECRET_KEY=test-only-not-a-secret DEBUG=

.PHONY: run test lint format migrate seed screenshots clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.runtime: requirements.txt | $(BIN)/python
	$(BIN)/pip install -q -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $@ $(VENV)/.runtime

# The demo accounts' password: made once per checkout, kept out of git.
.demo-password: | $(BIN)/python
	$(BIN)/python -c "import secrets; print(secrets.token_urlsafe(12))" > $@

migrate: $(VENV)/.runtime
	DEBUG=1 $(BIN)/python manage.py migrate --noinput
	DEBUG=1 $(BIN)/python manage.py collectstatic --noinput -v0

seed: migrate .demo-password
	DEBUG=1 DEMO_PASSWORD="$$(cat .demo-password)" $(BIN)/python manage.py seed_demo

run: seed
	DEBUG=1 $(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

lint: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/bandit -q -r tracker config -x tracker/migrations --severity-level medium

format: $(VENV)/.dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# The browser tests (tests/browser/) need Chromium: Debian's, or the one CHROMIUM names.
CHROMIUM ?= /usr/bin/chromium
export CHROMIUM

test: lint
	@if [ -x "$(CHROMIUM)" ]; then echo "Browser tests: running, with $(CHROMIUM)"; \
	else echo "Browser tests: SKIPPED, no Chromium at $(CHROMIUM) (apt-get install chromium, or set CHROMIUM=/path/to/chromium)"; fi
	$(TEST_ENV) $(BIN)/pytest $(PYTEST_ARGS)

# PNGs of the main pages as each demo account sees them, into screenshots/, which git ignores (needs Chromium too).
screenshots: $(VENV)/.dev
	$(BIN)/python -m tests.browser.screenshots

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache

# Performance, apart from make test (see README, "Performance"); results go to docs/benchmarks/.
#   make benchmark   every page on a small and a large generated plan, each in a fresh database
#                    (SQLite files; PostgreSQL databases beside DATABASE_URL's when it is set)
#   make loadtest    gunicorn on 127.0.0.1 serving the large plan to 20 simulated people for 60 s
.PHONY: benchmark loadtest

benchmark: $(VENV)/.dev
	$(BIN)/python -m tests.benchmarks.run

loadtest: $(VENV)/.dev
	$(BIN)/python -m tests.benchmarks.load

# The documented deployment (docs/deploy.md), stood up on this machine and tried; as root. It uses
# docs/deploy/'s files themselves: PostgreSQL with a least-privilege role, gunicorn as a service user,
# Debian's nginx with a self-signed certificate, the crontab's jobs; prints each step timed, PASS/FAIL.
.PHONY: deploy-check

deploy-check: $(VENV)/.runtime
	$(BIN)/python -m tests.deploy.check
