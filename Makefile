# Two commands for a fresh machine: `make run` and `make test`. Everything else they need,
# they install themselves into .venv.
VENV ?= .venv
PYTHON ?= python3
PY := $(VENV)/bin/python
# PostgreSQL for the second test run: DATABASE_URL when it names one, else the local server.
PG_URL ?= $(if $(filter postgres%,$(DATABASE_URL)),$(DATABASE_URL),postgres://postgres@127.0.0.1:5432/test)

.PHONY: install lock run serve bench load backup restore test test-sqlite test-postgres lint format clean

# Installs exactly the locked tree (requirements-dev.lock: every package, transitive ones
# included, pinned with its hashes); pip refuses anything that does not match.
$(VENV)/.installed: requirements-dev.lock
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --require-hashes -r requirements-dev.lock
	touch $@

install: $(VENV)/.installed

## Refresh the lock files from requirements.txt (runtime) and requirements-dev.txt (tests, lint),
## after changing a pin there: requirements.lock for servers, requirements-dev.lock for make install
LOCK := $(VENV)/bin/uv pip compile --quiet --generate-hashes --universal --python-version 3.11.5
lock: install
	$(LOCK) requirements.txt -o requirements.lock
	$(LOCK) requirements-dev.txt -o requirements-dev.lock

## Serve the site with demo content at http://127.0.0.1:8000 (SQLite unless DATABASE_URL says otherwise)
run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_demo
	$(PY) manage.py runserver 127.0.0.1:8000

## The production configuration, locally: DEBUG off, hashed and compressed static files, gunicorn
## (gunicorn.conf.py) at http://127.0.0.1:8000. SECRET_KEY is made up for the run when unset;
## SITE_URL (the address in canonical links, feeds and the sitemap) defaults to that address.
serve: install
	export DEBUG=false ALLOWED_HOSTS="$${ALLOWED_HOSTS:-127.0.0.1,localhost}" \
		SITE_URL="$${SITE_URL:-http://127.0.0.1:$${PORT:-8000}}" \
		SECRET_KEY="$${SECRET_KEY:-$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(50))')}" && \
	$(PY) manage.py migrate --noinput && \
	$(PY) manage.py load_demo && \
	$(PY) manage.py collectstatic --noinput --verbosity 0 && \
	exec $(VENV)/bin/gunicorn

## The page benchmark, not part of the tests (bench/pages.py; needs wrk and redis-server):
## ARTICLES synthetic articles imported into PostgreSQL, served by gunicorn, loaded by wrk
ARTICLES ?= 10000
bench: install
	$(PY) -m bench.pages --articles $(ARTICLES)

## The load test, not part of the tests (bench/load.py; needs wrk and redis-server): 64 clients for
## 60 s reading, searching and saving in the admin, against the production configuration
LOAD_ARTICLES ?= 2000
load: install
	$(PY) -m bench.load --articles $(LOAD_ARTICLES)

## Back up the site (database, Markdown export, media) into BACKUP, by default backups/<date-time>/
BACKUP ?= backups/$(shell date +%Y%m%d-%H%M%S)
backup: install
	$(PY) manage.py backup "$(BACKUP)"

## Restore BACKUP=<folder> into an empty database (DATABASE_URL), migrated first
restore: install
	@[ -f "$(BACKUP)/database.json" ] || { echo "Name the backup folder: make restore BACKUP=backups/<date-time>"; exit 2; }
	$(PY) manage.py migrate --noinput
	$(PY) manage.py restore "$(BACKUP)"

## Lint, then the whole suite on SQLite and (when it answers) on PostgreSQL
test: install lint test-sqlite test-postgres

## ruff, then the layers: import-linter's contracts (pyproject.toml) and no import cycle
## (tests/test_architecture.py), both counting imports inside functions
lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache
	DATABASE_URL= $(VENV)/bin/pytest tests/test_architecture.py -q -p no:cacheprovider

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

test-sqlite: install
	@[ -x /usr/bin/chromium ] || echo "NOTE: /usr/bin/chromium not found: the browser tests will be SKIPPED (apt-get install chromium to run them)."
	@echo "== Test suite on SQLite"
	DATABASE_URL= $(VENV)/bin/pytest

test-postgres: install
	@if $(PY) -c "import sys, psycopg; psycopg.connect(sys.argv[1], connect_timeout=3).close()" "$(PG_URL)" 2>/dev/null; then \
		echo "== Test suite on PostgreSQL ($(PG_URL))"; \
		DATABASE_URL="$(PG_URL)" KB_TEST_DATABASE_NAME="test_kb_$$$$" $(VENV)/bin/pytest; \
	elif [ -n "$$REQUIRE_POSTGRES" ]; then \
		echo "FAILED: PostgreSQL is required (REQUIRE_POSTGRES is set) but does not answer at $(PG_URL)"; exit 1; \
	else \
		echo "NOTE: PostgreSQL does not answer at $(PG_URL): the PostgreSQL run is SKIPPED."; \
	fi

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache staticfiles
