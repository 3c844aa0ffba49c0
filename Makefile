# Two commands do all set-up on a fresh machine:
#   make run    the site with the Hertfordshire plan and demo accounts, on http://127.0.0.1:$(PORT)
#   make test   the whole suite (ruff, then pytest)

PYTHON ?= python3
VENV ?= .venv
PORT ?= 8000
BIN = $(VENV)/bin
# Tests run with DEBUG off, as in production; this key exists only for them.
TEST_ENV = SECRET_KEY=test-only-not-a-secret DEBUG=

.PHONY: run test lint format migrate seed clean

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

test: lint
	$(TEST_ENV) $(BIN)/pytest $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
