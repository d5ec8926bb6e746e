# Two commands for a fresh machine: `make run` and `make test`. Everything else they need,
# they install themselves into .venv.
VENV ?= .venv
PYTHON ?= python3
PY := $(VENV)/bin/python
# PostgreSQL for the second test run: DATABASE_URL when it names one, else the local server.
PG_URL ?= $(if $(filter postgres%,$(DATABASE_URL)),$(DATABASE_URL),postgres://postgres@127.0.0.1:5432/test)

.PHONY: install lock run serve bench load lighthouse backup restore test test-sqlite test-postgres lint format clean validator

# Installs exactly the locked tree (requirements-dev.lock: every package, transitive ones
# included, pinned with its hashes); pip refuses anything that does not match.
$(VENV)/.installed: requirements-dev.lock
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --require-hashes -r requirements-dev.lock
	touch $@

install: $(VENV)/.installed

## The Nu HTML Checker for tests/reading/test_html_validator_browser.py: vnu.jar from the npm
## package vnu-jar (pinned in tests/vnu/package-lock.json) into tests/vnu/node_modules. It runs on
## the machine's Java; the package's install script, which would fetch a Java of its own, is not run.
VNU_JAR := tests/vnu/node_modules/vnu-jar/build/dist/vnu.jar
$(VNU_JAR): tests/vnu/package.json tests/vnu/package-lock.json
	@if command -v npm >/dev/null; then \
		npm ci --prefix tests/vnu --ignore-scripts --no-audit --no-fund --loglevel=error && touch $@; \
	else \
		echo "NOTE: npm not found: the HTML validator test will be SKIPPED (apt-get install npm to run it)."; \
	fi

validator: $(VNU_JAR)

## Refresh the vendored Mermaid (static/vendor/mermaid/: the browser bundle, its licence and notices,
## VERSION) from its npm package at MERMAID_VERSION: `make mermaid MERMAID_VERSION=x.y.z` to upgrade,
## then change the pin here and run tests/reading/test_blocks_browser.py. The bundle's source-map
## comment is dropped: the map is not vendored, and collectstatic would look for it.
.PHONY: mermaid
MERMAID_VERSION ?= 12.4.0
MERMAID_DIR := static/vendor/mermaid
mermaid:
	@command -v npm >/dev/null || { echo "npm not found: apt-get install npm"; exit 1; }
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	integrity=$$(cd "$$tmp" && npm pack --json --loglevel=error "mermaid@$(MERMAID_VERSION)" \
		| $(PYTHON) -c 'import json, sys; print(json.load(sys.stdin)[0]["integrity"])') && \
	tar xzf "$$tmp/mermaid-$(MERMAID_VERSION).tgz" -C "$$tmp" && \
	mkdir -p $(MERMAID_DIR) && \
	sed '/^\/\/# sourceMappingURL=/d' "$$tmp/package/dist/mermaid.min.js" > $(MERMAID_DIR)/mermaid.min.js && \
	cp "$$tmp/package/LICENSE" $(MERMAID_DIR)/LICENSE && \
	if [ -f "$$tmp/package/THIRD_PARTY_NOTICES" ]; then cp "$$tmp/package/THIRD_PARTY_NOTICES" $(MERMAID_DIR)/; fi && \
	{ echo "mermaid $(MERMAID_VERSION)"; \
	  echo "from: the npm package mermaid@$(MERMAID_VERSION), file dist/mermaid.min.js (source-map comment removed)"; \
	  echo "package integrity: $$integrity"; \
	  echo "mermaid.min.js sha256: $$(sha256sum $(MERMAID_DIR)/mermaid.min.js | cut -d' ' -f1)"; \
	  echo "licence: MIT (LICENSE; bundled third-party code: THIRD_PARTY_NOTICES)"; \
	  echo "refresh: make mermaid MERMAID_VERSION=$(MERMAID_VERSION)"; } > $(MERMAID_DIR)/VERSION && \
	echo "Mermaid $(MERMAID_VERSION) vendored into $(MERMAID_DIR) ($$(du -k $(MERMAID_DIR)/mermaid.min.js | cut -f1) KB)."

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
## ARTICLES realistic articles (bench/corpus.py) imported into PostgreSQL, served by gunicorn
## (2 sync workers), loaded by wrk; CPU per request against a fixed page and a plain template
ARTICLES ?= 1000
bench: install
	$(PY) -m bench.pages --articles $(ARTICLES)

## The load test, not part of the tests (bench/load.py; needs wrk and redis-server): 64 clients for
## 60 s reading, searching and saving in the admin, against the production configuration
LOAD_ARTICLES ?= 2000
load: install
	$(PY) -m bench.load --articles $(LOAD_ARTICLES)

## Lighthouse on a phone, not part of the tests (bench/lighthouse.py; needs node/npm and Chromium, CHROME_PATH):
## the pinned Lighthouse (bench/lighthouse/package-lock.json) against `make serve` with the demo, mobile preset,
## LIGHTHOUSE_RUNS runs of the feed, the heaviest article, an article, a tag page and search; table in bench/.data/lighthouse/
LIGHTHOUSE_RUNS ?= 3
bench/lighthouse/node_modules/.installed: bench/lighthouse/package-lock.json
	cd bench/lighthouse && npm ci --no-audit --no-fund
	touch $@

lighthouse: install bench/lighthouse/node_modules/.installed
	$(PY) -m bench.lighthouse --runs $(LIGHTHOUSE_RUNS)

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

test-sqlite: install validator
	@[ -x /usr/bin/chromium ] || echo "NOTE: /usr/bin/chromium not found: the browser tests will be SKIPPED (apt-get install chromium to run them)."
	@command -v java >/dev/null || echo "NOTE: java not found: the HTML validator test will be SKIPPED (apt-get install default-jre-headless to run it)."
	@command -v wrk >/dev/null || echo "NOTE: wrk not found: the load test's reader tests will be SKIPPED (apt-get install wrk to run them)."
	@echo "== Test suite on SQLite"
	DATABASE_URL= $(VENV)/bin/pytest

test-postgres: install validator
	@if $(PY) -c "import sys, psycopg; psycopg.connect(sys.argv[1], connect_timeout=3).close()" "$(PG_URL)" 2>/dev/null; then \
		echo "== Test suite on PostgreSQL ($(PG_URL))"; \
		DATABASE_URL="$(PG_URL)" KB_TEST_DATABASE_NAME="test_kb_$$$$" $(VENV)/bin/pytest; \
	elif [ -n "$$REQUIRE_POSTGRES" ]; then \
		echo "FAILED: PostgreSQL is required (REQUIRE_POSTGRES is set) but does not answer at $(PG_URL)"; exit 1; \
	else \
		echo "NOTE: PostgreSQL does not answer at $(PG_URL): the PostgreSQL run is SKIPPED."; \
	fi

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache staticfiles tests/vnu/node_modules
