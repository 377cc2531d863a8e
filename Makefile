# The two commands of the README: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app portal
PORT ?= 5000

.PHONY: demo test test-postgres lint install install-test run

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

install: $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .

install-test: $(VENV)/.test-installed

# Installed again only when pyproject.toml changes (a second `make test` starts at once).
$(VENV)/.test-installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

## Install, create the SQLite database with demo data, print the logins, and serve on PORT
## with the worker beside the web process (it delivers the demo's e-mail to the Demo inbox).
demo: install
	$(FLASK) db upgrade
	PORTAL_BASE_URL=http://127.0.0.1:$(PORT) $(FLASK) seed-demo
	@echo "Serving on http://127.0.0.1:$(PORT)  (Ctrl+C stops it)"
	@echo "E-mail is not sent: the administrator reads it at http://127.0.0.1:$(PORT)/admin/demo-inbox/"
	BIN=$(BIN) scripts/demo-serve.sh $(PORT)

## Install the test dependencies and run the whole suite (SQLite; browser tests need Chromium).
test: install-test
	$(BIN)/ruff check portal tests bench
	$(BIN)/bandit -q -c pyproject.toml -r portal
	$(BIN)/python -m pytest $(PYTEST_ARGS)

## The same suite against PostgreSQL (PORTAL_TEST_DATABASE_URL, default the local server).
test-postgres: install-test
	PORTAL_TEST_DATABASE_URL=$${PORTAL_TEST_DATABASE_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/test} \
		$(BIN)/python -m pytest $(PYTEST_ARGS)
