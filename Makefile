# Two commands do all set-up on a fresh machine:
#   make run    the site with the Hertfordshire plan and demo accounts, on http://127.0.0.1:$(PORT)
#   make test   the whole suite (ruff, then pytest, browser tests included when Chromium is installed)

PYTHON ?= python3
VENV ?= .venv
PORT ?= 8000
BIN = $(VENV)/bin
# Tests run with DEBUG off, as in production; these keys exist only for them.
TEST_ENV = SECRET_KEY=test-only-not-a-secret AUDIT_KEY=test-only-audit-key-not-a-secret-either DEBUG=

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

# DEMO_PASSWORD from the environment wins; .demo-password is the fallback. The local demo signs in with
# the password alone (TRACKER_MFA=off) unless TRACKER_MFA says otherwise; production's default is on.
seed: migrate .demo-password
	DEBUG=1 TRACKER_MFA="$${TRACKER_MFA:-off}" DEMO_PASSWORD="$${DEMO_PASSWORD:-$$(cat .demo-password)}" $(BIN)/python manage.py seed_demo

run: seed
	DEBUG=1 TRACKER_MFA="$${TRACKER_MFA:-off}" $(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

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

# The single sign-on tests run a real OpenID provider on Node (tests/oidc/): its packages, as its lock file pins them.
# Without Node those tests are skipped, and say so (in CI, with REQUIRE_BROWSER=1, they fail instead).
OIDC_MODULES = tests/oidc/node_modules/.package-lock.json
$(OIDC_MODULES): tests/oidc/package-lock.json
	@if command -v npm >/dev/null; then cd tests/oidc && npm ci --no-audit --no-fund --loglevel=error \
	  || echo "Single sign-on tests: npm ci failed in tests/oidc, so they will be skipped"; \
	else echo "Single sign-on tests: SKIPPED, no Node.js (apt-get install nodejs npm)"; fi

test: lint $(OIDC_MODULES)
	@if [ -x "$(CHROMIUM)" ]; then echo "Browser tests: running, with $(CHROMIUM)"; \
	else echo "Browser tests: SKIPPED, no Chromium at $(CHROMIUM) (apt-get install chromium, or set CHROMIUM=/path/to/chromium)"; fi
	$(TEST_ENV) $(BIN)/pytest $(PYTEST_ARGS)

# PNGs of the main pages as each demo account sees them, into screenshots/, which git ignores (needs Chromium too).
screenshots: $(VENV)/.dev
	$(BIN)/python -m tests.browser.screenshots

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache tests/oidc/node_modules

# Performance, apart from make test (see README, "Performance"); results go to docs/benchmarks/.
#   make benchmark   every page on a small and a large generated plan, each in a fresh database
#                    (SQLite files; PostgreSQL databases beside DATABASE_URL's when it is set)
#   make loadtest    gunicorn on 127.0.0.1 serving the large plan to 20 simulated people for 60 s
#   make benchmark-import   import_findings on a 50,000-row file, end to end and the write alone
.PHONY: benchmark loadtest benchmark-import

benchmark: $(VENV)/.dev
	$(BIN)/python -m tests.benchmarks.run

loadtest: $(VENV)/.dev
	$(BIN)/python -m tests.benchmarks.load

benchmark-import: $(VENV)/.dev
	$(BIN)/python -m tests.benchmarks.import_findings

# The documented deployment (docs/deploy.md), stood up on this machine and tried; as root. It uses
# docs/deploy/'s files themselves: PostgreSQL with a least-privilege role, gunicorn as a service user,
# Debian's nginx with a self-signed certificate, the crontab's jobs; prints each step timed, PASS/FAIL.
.PHONY: deploy-check

deploy-check: $(VENV)/.runtime
	$(BIN)/python -m tests.deploy.check
