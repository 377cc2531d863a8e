# The two commands of the README: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app portal
PORT ?= 5000

.PHONY: demo test test-postgres lint install install-test run catalogs i18n-extract i18n-update

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Installs are pinned by requirements.lock (constraints: the versions tested together).
install: $(BIN)/python
	$(BIN)/python -m pip install --quiet -c requirements.lock -e .
	$(MAKE) --no-print-directory catalogs

install-test: $(VENV)/.test-installed
	$(MAKE) --no-print-directory catalogs

# Installed again only when pyproject.toml or the lock changes (a second `make test` starts at once).
$(VENV)/.test-installed: pyproject.toml requirements.lock | $(BIN)/python
	$(BIN)/python -m pip install --quiet -c requirements.lock -e '.[test]'
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
	$(BIN)/ruff format --check portal tests bench
	$(BIN)/bandit -q -c pyproject.toml -r portal
	$(BIN)/python -m pytest $(PYTEST_ARGS)

## The same suite against PostgreSQL (PORTAL_TEST_DATABASE_URL, default the local server).
test-postgres: install-test
	PORTAL_TEST_DATABASE_URL=$${PORTAL_TEST_DATABASE_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/test} \
		$(BIN)/python -m pytest $(PYTEST_ARGS)

## Translations (portal/translations/<locale>/LC_MESSAGES/messages.po; see README, Languages).
CATALOGS := $(wildcard portal/translations/*/LC_MESSAGES/messages.po)

# Compiled at install time (the .mo files are not committed); again only when a .po changes.
catalogs: $(CATALOGS:.po=.mo)

portal/translations/%/LC_MESSAGES/messages.mo: portal/translations/%/LC_MESSAGES/messages.po
	$(BIN)/pybabel compile --statistics -d portal/translations -l $* 2>&1 | grep -v '^compiling' || true
	@test -f $@

## The message template from the code and templates, then every catalog brought up to date.
i18n-extract:
	$(BIN)/pybabel extract -F babel.cfg -k lazy_gettext -k _l -k N_ -k ngettext:1,2 --sort-by-file \
		--no-wrap --omit-header -o portal/translations/messages.pot .

i18n-update: i18n-extract
	$(BIN)/pybabel update -i portal/translations/messages.pot -d portal/translations --no-wrap \
		--ignore-obsolete --previous
