# Two commands for a new machine:  `make run` (app with demo data)  and  `make test` (the whole suite).
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app dealer
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test setup setup-test assets translations lock db demo serve bench bench-http lighthouse clean

run: setup db demo serve

# The suite runs on every core (pytest-xdist; each worker starts its own PostgreSQL, Redis and demo server).
PYTEST_WORKERS ?= auto
test: setup-test
	$(BIN)/pytest -n $(PYTEST_WORKERS) --dist worksteal $(PYTEST_ARGS)

# --- setup -------------------------------------------------------------------------------------
$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: requirements.lock setup.cfg | $(BIN)/activate
	$(BIN)/pip install --quiet --require-hashes -r requirements.lock
	touch $@

$(VENV)/.installed-test: requirements-dev.lock setup.cfg | $(BIN)/activate
	$(BIN)/pip install --quiet --require-hashes -r requirements-dev.lock
	touch $(VENV)/.installed $@

setup: $(VENV)/.installed assets translations
# The suite's browser tests run Lighthouse too (npm devDependencies).
setup-test: $(VENV)/.installed-test assets translations node_modules/.bin/lighthouse

# Front-end libraries from the npm registry (package-lock.json), copied into the static folder; then every static
# file gets a content-hashed name and brotli/gzip twins (dealer/static_files.py, docs/frontend.md), which
# WhiteNoise serves cached for good. Run again after editing a file of static/ (`make run` does).
VENDOR := static/vendor/htmx/htmx.min.js static/vendor/signature_pad/signature_pad.umd.min.js \
	static/vendor/bootstrap/bootstrap.min.css static/vendor/bootstrap/bootstrap.bundle.min.js \
	static/vendor/echarts/echarts.min.js static/vendor/leaflet/leaflet.js
BUILT_STATIC := \( -regex '.*-[0-9a-f]{32}\.[^/]*' -o -name '*.gz' -o -name '*.br' \
	-o -name cache_manifest.json \)
STATIC_SOURCES := $(shell find static -regextype posix-extended -type f ! -path 'static/vendor/*' ! $(BUILT_STATIC) 2>/dev/null)
assets: static/cache_manifest.json
static/cache_manifest.json: $(VENDOR) $(STATIC_SOURCES) $(VENV)/.installed
	$(FLASK) build-static
node_modules/.package-lock.json: package-lock.json
	npm ci --omit=dev --no-audit --no-fund --loglevel=error
static/vendor/htmx/htmx.min.js: package-lock.json | node_modules/.package-lock.json
	mkdir -p static/vendor/htmx
	cp node_modules/htmx.org/dist/htmx.min.js static/vendor/htmx/
	touch $@
# The owner signs the estimate on the advisor's screen (a canvas).
static/vendor/signature_pad/signature_pad.umd.min.js: package-lock.json | node_modules/.package-lock.json
	mkdir -p static/vendor/signature_pad
	cp node_modules/signature_pad/dist/signature_pad.umd.min.js static/vendor/signature_pad/
	touch $@
# Bootstrap's bundle holds Popper (dropdowns); Bootstrap-Flask still renders the forms.
static/vendor/bootstrap/%: package-lock.json | node_modules/.package-lock.json
	mkdir -p static/vendor/bootstrap
	cp node_modules/bootstrap/dist/$(if $(filter %.css,$*),css,js)/$* $@
	touch $@

# Charts of the figures pages (Apache ECharts) and the rescue board's optional map (Leaflet, with its CSS and
# marker images).
static/vendor/echarts/echarts.min.js: package-lock.json | node_modules/.package-lock.json
	mkdir -p static/vendor/echarts
	cp node_modules/echarts/dist/echarts.min.js static/vendor/echarts/
	touch $@
static/vendor/leaflet/leaflet.js: package-lock.json | node_modules/.package-lock.json
	mkdir -p static/vendor/leaflet
	cp -r node_modules/leaflet/dist/leaflet.js node_modules/leaflet/dist/leaflet.css node_modules/leaflet/dist/images \
		static/vendor/leaflet/
	touch $@

# The package runs from this folder (no install step): `flask --app dealer`, `gunicorn wsgi:app`, pytest.
translations: $(VENV)/.installed
	$(BIN)/pybabel -q compile -d dealer/translations

# Regenerate the lock files after changing setup.cfg.
lock:
	$(BIN)/pip install --quiet uv
	$(BIN)/uv pip compile setup.cfg --python-version 3.11 --generate-hashes -o requirements.lock
	$(BIN)/uv pip compile setup.cfg --extra test --python-version 3.11 --generate-hashes -o requirements-dev.lock

# Extract and update the message catalogs after changing UI text.
messages: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --project dealer --version 0.1.0 -o dealer/translations/messages.pot .
	$(BIN)/pybabel update -i dealer/translations/messages.pot -d dealer/translations --no-fuzzy-matching

# --- run ---------------------------------------------------------------------------------------
db:
	$(FLASK) db upgrade

demo:
	$(FLASK) seed-demo
	$(FLASK) reminders scan

# The scheduler runs in the server (sender every 15 s, reminder scan at 02:00); SMS go to instance/sms-outbox.jsonl.
serve:
	DEALER_SCHEDULER=1 $(FLASK) run --host $(HOST) --port $(PORT)

# Benchmarks at dealer-group scale: the front-desk search (scripts/bench_search.py) and the nightly reminder
# scan (scripts/bench_reminder_scan.py: full scan, second scan, night after night to the 1st of a month).
# Needs DATABASE_URL, a database of its own (PostgreSQL, as in production): the scripts migrate it and seed
# BENCH_VEHICLES demo vehicles the first time (a million: about 20 minutes). BENCH_ARGS goes to the scan's
# script, e.g. BENCH_ARGS="--day 2026-11-30" when the data was seeded on another day.
#   make bench DATABASE_URL=postgresql://postgres@127.0.0.1:5432/dealer_bench
BENCH_VEHICLES ?= 1000000
bench: $(VENV)/.installed
	@test -n "$(DATABASE_URL)" || { echo "make bench needs DATABASE_URL (a database of its own)" >&2; exit 2; }
	DATABASE_URL="$(DATABASE_URL)" $(BIN)/python scripts/bench_search.py --vehicles $(BENCH_VEHICLES)
	DATABASE_URL="$(DATABASE_URL)" $(BIN)/python scripts/bench_reminder_scan.py --vehicles $(BENCH_VEHICLES) $(BENCH_ARGS)

# The HTTP benchmark (issue 11, bench/, docs/benchmarks.md): builds or reuses 20 stores, 1,000,000 vehicles and
# 1,000,000 repair orders, serves the app under gunicorn as in production and a one-query ceiling app beside it,
# drives every page of bench/pages.py with wrk, counts each page's queries, times the reminder scan and the SMS
# senders, and writes bench/reports/<date>-<commit>.md. Needs wrk (Debian package `wrk`) and the test
# dependencies (the SMS stand-in lives in tests/). BENCH_HTTP_ARGS goes to bench/run.py, e.g. a smoke run:
#   make bench-http DATABASE_URL=postgresql://postgres@127.0.0.1:5432/dealer_smoke \
#        BENCH_HTTP_ARGS="--vehicles 20000 --orders 20000 --duration 5"
bench-http: $(VENV)/.installed-test
	@test -n "$(DATABASE_URL)" || { echo "make bench-http needs DATABASE_URL=postgresql://... (a database of its own)" >&2; exit 2; }
	@command -v wrk >/dev/null || { echo "make bench-http needs wrk: apt-get install wrk (Debian package wrk)" >&2; exit 2; }
	DATABASE_URL="$(DATABASE_URL)" BENCH_VIA_MAKE=1 $(BIN)/python -m bench.run $(BENCH_HTTP_ARGS)

# Lighthouse's mobile audit of every role's main pages (scripts/lighthouse.py, docs/frontend.md): performance at
# least 95, accessibility 100. Needs Debian's Chromium; LIGHTHOUSE_ARGS picks pages, e.g. LIGHTHOUSE_ARGS="desk order".
lighthouse: setup node_modules/.bin/lighthouse
	$(BIN)/python scripts/lighthouse.py $(LIGHTHOUSE_ARGS)
node_modules/.bin/lighthouse: package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

clean:
	rm -rf $(VENV) node_modules static/vendor instance
	find static -regextype posix-extended $(BUILT_STATIC) -delete
