# The two commands a newcomer needs: `make demo` and `make test`. See README.md.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
UV_VERSION := 0.13.8

# Airflow's own state (metadata DB, logs) lives in var/, ignored by git.
export PYTHONPATH := $(CURDIR)/include:$(CURDIR)/plugins:$(CURDIR)
# airflow standalone starts its components as `airflow ...` subprocesses: the venv must be on PATH.
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)
export AIRFLOW_HOME ?= $(CURDIR)/var/airflow
export AIRFLOW__CORE__DAGS_FOLDER ?= $(CURDIR)/dags
export AIRFLOW__CORE__PLUGINS_FOLDER ?= $(CURDIR)/plugins
export AIRFLOW__CORE__LOAD_EXAMPLES ?= False
export AIRFLOW__CORE__DEFAULT_TIMEZONE ?= Asia/Shanghai
export AIRFLOW__DATABASE__SQL_ALCHEMY_CONN ?= sqlite:///$(AIRFLOW_HOME)/airflow.db
export AIRFLOW__CORE__PARALLELISM ?= 4
AIRFLOW := $(VENV)/bin/airflow

DEMO_START ?= 2018-04
DEMO_END ?= 2018-06
DEMO_SCALE ?= 0.02
# The demo's year is shortlisted too: the last generated month of a year carries its evaluations.
DEMO_YEAR = $(firstword $(subst -, ,$(DEMO_END)))

.PHONY: install lock lock-check test test-unit test-distributed lint format airflow-init run demo demo-data airflow clean-data docs bench bench-indicators bench-run system-deps screenshots

install: system-deps $(VENV)/.installed data-docs-assets

# Debian packages outside the venv: a CJK font (chart labels in Chinese; without it matplotlib draws
# boxes), Chromium (screenshots, browser tests) and npm (the Data Docs assets). Checked first, so a
# second run is instant.
CJK_FONT := /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc
CHROMIUM := /usr/bin/chromium
system-deps:
	@missing=""; test -f $(CJK_FONT) || missing=" fonts-noto-cjk"; \
	test -x $(CHROMIUM) || missing="$$missing chromium"; \
	command -v npm > /dev/null || missing="$$missing npm"; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get > /dev/null; then \
	  echo "installing Debian packages:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing > /dev/null; \
	else \
	  echo "missing Debian packages:$$missing (CJK font for report charts, Chromium for screenshots, npm for the Data Docs assets)"; \
	  echo "run: sudo apt-get update && sudo apt-get install -y$$missing"; exit 1; \
	fi

# The scripts, styles and fonts the Data Docs pages load (Bootstrap, jQuery, bootstrap-table, Font
# Awesome, Vega), pinned in include/data_docs_assets/package-lock.json: npm installs them into
# node_modules/ there, and every site build copies them into the site, so it works offline.
DOCS_ASSETS := include/data_docs_assets
.PHONY: data-docs-assets
data-docs-assets: $(DOCS_ASSETS)/node_modules/.installed
$(DOCS_ASSETS)/node_modules/.installed: $(DOCS_ASSETS)/package.json $(DOCS_ASSETS)/package-lock.json
	@command -v npm > /dev/null || { echo "npm is missing: the Data Docs assets are installed with it;" \
	  "run make system-deps (Debian package npm) or install Node.js 18+ with npm"; exit 1; }
	cd $(DOCS_ASSETS) && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	touch $@

# uv (bootstrapped from pip) syncs the pinned locks in seconds; pip would take minutes. The venv
# gets both: what runs in production (requirements.txt) and the tools (requirements-dev.txt).
# --compile-bytecode: uv installs no .pyc by default, and where PYTHONDONTWRITEBYTECODE is set (as on
# CI) none is ever written, so every process would compile GX, Airflow and pandas from source again
# (4.6 s of a monthly run's 6 s GX import; each test worker and Airflow task pays it too).
$(VENV)/.installed: requirements.txt requirements-dev.txt pyproject.toml Makefile
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check uv==$(UV_VERSION)
	$(VENV)/bin/uv pip sync -q --compile-bytecode --python $(PY) requirements.txt requirements-dev.txt
	$(VENV)/bin/uv pip install -q --python $(PY) --no-deps -e .
	touch $@

# Recompile both locks after editing requirements.in or requirements-dev.in. uv keeps the versions
# already pinned unless an input asks otherwise (it reads the existing lock as preferences).
UV_COMPILE = $(VENV)/bin/uv pip compile -q --python-version 3.11 --custom-compile-command "make lock"
lock:
	$(UV_COMPILE) requirements.in -o requirements.txt
	$(UV_COMPILE) requirements-dev.in -o requirements-dev.txt

# Fails when a lock does not match its input: each is recompiled from a copy and compared.
lock-check: $(VENV)/.installed
	@tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; status=0; \
	for name in requirements requirements-dev; do \
	  cp $$name.txt "$$tmp/$$name.txt"; \
	  $(UV_COMPILE) $$name.in -o "$$tmp/$$name.txt" || exit 1; \
	  diff -u $$name.txt "$$tmp/$$name.txt" \
	    || { echo "$$name.txt does not match $$name.in: run make lock and commit both"; status=1; }; \
	done; exit $$status

# Tests make their own temporary Airflow home and metadata database (tests/conftest.py), never the
# one `make run` and `make demo` use in var/airflow: a second `make test` must not meet old runs.
TEST_ENV := env -u AIRFLOW_HOME -u AIRFLOW__DATABASE__SQL_ALCHEMY_CONN
test: install
	$(TEST_ENV) $(PY) -m pytest

# The fast tier, for every change: no Airflow run, no PostgreSQL, no browser, nothing slow, spread
# over every core (pytest-xdist, one file per worker so module fixtures are built once); a test
# stuck for 2 minutes fails. `make test` runs everything. About 30 s on 2 idle cores (55 s of CPU;
# one process takes 53 s): keep it under a minute, or the edit loop stops running it.
UNIT_MARKERS := not postgres and not airflow and not slow and not browser and not distributed
test-unit: install
	$(TEST_ENV) $(PY) -m pytest tests/unit -m "$(UNIT_MARKERS)" -n auto --dist loadfile --timeout=120

# monthly_reporting on the CeleryExecutor as production runs it: api-server, scheduler,
# dag-processor and two Celery workers as processes on the local PostgreSQL and Redis, triggered
# through the REST API (about 2 min on 2 idle cores, far more on busy ones; logs in var/distributed/).
# Not in `make test`.
test-distributed: install
	$(PY) -m pytest tests/distributed -m distributed -s --timeout=2400

# Style, types and layers: ruff, mypy (include/ and plugins/, settings in pyproject.toml), the
# import contracts (lint-imports reads them from pyproject.toml, with PYTHONPATH as exported above)
# and sqlfluff. .pre-commit-config.yaml runs the same on each commit.
lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports
	$(VENV)/bin/sqlfluff lint sql

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# Airflow's metadata DB and the warehouse pool (1 slot: SQLite takes one writer at a time).
airflow-init: $(AIRFLOW_HOME)/.initialised
$(AIRFLOW_HOME)/.initialised: $(VENV)/.installed
	mkdir -p $(AIRFLOW_HOME)
	$(AIRFLOW) db migrate > $(AIRFLOW_HOME)/db-migrate.log 2>&1 || (tail -20 $(AIRFLOW_HOME)/db-migrate.log; exit 1)
	$(AIRFLOW) pools set techaid_warehouse 1 "Warehouse writers (1 slot on SQLite)" > /dev/null
	touch $@

# monthly_reporting for one month, through Airflow itself (airflow dags test).
run: airflow-init
	@test -n "$(PERIOD)" || (echo "usage: make run PERIOD=YYYY-MM"; exit 2)
	$(AIRFLOW) dags test monthly_reporting -c '{"period": "$(PERIOD)"}' > $(AIRFLOW_HOME)/run-$(PERIOD).log 2>&1 \
	  || (tail -40 $(AIRFLOW_HOME)/run-$(PERIOD).log; exit 1)
	@$(PY) -m techaid.outputs.summary $(PERIOD)
	@echo "Airflow log of the run: $(AIRFLOW_HOME)/run-$(PERIOD).log"

# annual_recommendations for one year, through Airflow itself: the shortlist table, then
# <output>/shortlist_<year>.xlsx, <output>/notice_<year>.html and the shortlist email.
.PHONY: shortlist
shortlist: airflow-init
	@test -n "$(YEAR)" || (echo "usage: make shortlist YEAR=YYYY"; exit 2)
	$(AIRFLOW) dags test annual_recommendations -c '{"year": $(YEAR)}' > $(AIRFLOW_HOME)/shortlist-$(YEAR).log 2>&1 \
	  || (tail -40 $(AIRFLOW_HOME)/shortlist-$(YEAR).log; exit 1)
	@$(PY) -m techaid.recommend $(YEAR)
	@echo "Airflow log of the run: $(AIRFLOW_HOME)/shortlist-$(YEAR).log"

# submission_reminders as of one day, through Airflow itself: intake, receipts and feedback for the
# files received by the end of DATE, the reminder and overdue notices due, the watchdog; on a
# month's closing day also the asset event that starts its monthly_reporting run (the scheduler
# of this AIRFLOW_HOME starts it, now or when it next runs).
.PHONY: remind
remind: airflow-init
	@test -n "$(DATE)" || (echo "usage: make remind DATE=YYYY-MM-DD"; exit 2)
	$(AIRFLOW) dags test submission_reminders -c '{"date": "$(DATE)"}' > $(AIRFLOW_HOME)/remind-$(DATE).log 2>&1 \
	  || (tail -40 $(AIRFLOW_HOME)/remind-$(DATE).log; exit 1)
	@$(PY) -m techaid.daily $(DATE)
	@echo "Airflow log of the run: $(AIRFLOW_HOME)/remind-$(DATE).log"

# Generated landing area (deterministic; messy and refused files planted and listed in manifest.json).
demo-data: install
	$(PY) -m techaid_dev.synthetic --landing $${TECHAID_LANDING:-data/landing} --start $(DEMO_START) --end $(DEMO_END) --scale $(DEMO_SCALE) --messy

demo: demo-data airflow-init
	@periods=$$($(PY) -c "from techaid.periods import period_range as r; print(*r('$(DEMO_START)', '$(DEMO_END)'))"); \
	for p in $$periods; do echo "== monthly_reporting $$p (through Airflow)"; \
	  $(AIRFLOW) dags test monthly_reporting -c "{\"period\": \"$$p\"}" > $(AIRFLOW_HOME)/run-$$p.log 2>&1 \
	    || { tail -40 $(AIRFLOW_HOME)/run-$$p.log; exit 1; }; done; \
	echo; $(PY) -m techaid.outputs.summary $$periods; \
	echo "Planted messy and refused cases: $${TECHAID_LANDING:-data/landing}/manifest.json"; \
	echo "Airflow logs: $(AIRFLOW_HOME)/run-<period>.log; UI: make airflow"; \
	echo; $(PY) -m techaid.outputs.compose $$periods; \
	echo; echo "== annual_recommendations $(DEMO_YEAR) (through Airflow; its evaluations came with $(DEMO_END))"; \
	$(AIRFLOW) dags test annual_recommendations -c '{"year": $(DEMO_YEAR)}' > $(AIRFLOW_HOME)/shortlist-$(DEMO_YEAR).log 2>&1 \
	  || { tail -40 $(AIRFLOW_HOME)/shortlist-$(DEMO_YEAR).log; exit 1; }; \
	$(PY) -m techaid.recommend $(DEMO_YEAR) --top 5

# The Airflow UI on the embedded defaults: http://localhost:8080 (user admin, password in var/airflow).
airflow: airflow-init
	AIRFLOW__CORE__PARALLELISM=4 $(AIRFLOW) standalone

# Regenerate every generated, committed artifact after changing the schema, rules or catalogue
# (tests fail while one is stale).
docs: install
	$(PY) -m techaid.quality.suites --write
	$(PY) -m techaid.documents.rules_doc
	$(PY) -m techaid.documents.indicators_doc
	$(PY) -m techaid.documents.office_guide

# One Anhui-scale month through intake, check and load (SQLite and PostgreSQL) against a floor,
# then the validation bench; tables printed and written to docs/benchmarks.md. A few minutes.
# BENCH_ARGS passes options, e.g. make bench BENCH_ARGS="--only intake --keep /tmp/bench".
BENCH_SCALE ?= 1.0
bench: install
	$(PY) -m techaid_dev.bench --scale $(BENCH_SCALE) $(BENCH_ARGS)

# The indicator bench (13 months loaded at Anhui scale, then one month and a 12-month recompute
# beside a DuckDB floor; about 20 minutes): its own section of docs/benchmarks.md.
bench-indicators: install
	$(PY) -m techaid_dev.bench.indicators --scale $(BENCH_SCALE) --doc docs/benchmarks.md

# The whole monthly_reporting for one generated month on PostgreSQL (a schema of its own,
# dropped after), phase by phase, beside its floor measured in the same run; its own section of
# docs/benchmarks.md. BENCH_ARGS="--scale 2.0" for the growth figure, "--profile F" for cProfile.
bench-run: install
	$(PY) -m techaid_dev.bench.run --scale $(BENCH_SCALE) --doc docs/benchmarks.md $(BENCH_ARGS)

# The rollup report and the dashboard page of PERIOD (default 2018-06, from the warehouse `make demo`
# filled) rendered in headless Chromium: docs/screenshots/rollup.png and dashboard.png.
SCREENSHOT_PERIOD ?= $(or $(PERIOD),2018-06)
screenshots: install
	$(PY) -m techaid.outputs.report.screenshot --period $(SCREENSHOT_PERIOD) --png docs/screenshots/rollup.png
	$(PY) -m techaid_airflow.dashboard.snapshot --period $(SCREENSHOT_PERIOD) --png docs/screenshots/dashboard.png

clean-data:
	rm -rf data output var
