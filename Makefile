# 联建 — the two commands a newcomer needs are `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8000
# pytest workers (pytest-xdist, one per core by default; TEST_WORKERS=0 runs in this process).
TEST_WORKERS ?= auto
VENDOR := lianjian/static/vendor

.PHONY: run dev worker rq ready test typecheck install static migrate demo lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade "pip>=24"

# Installs are stamped so `make run` stays quick once everything is in place.
$(VENV)/.installed: $(BIN)/python requirements/base.txt requirements/dev.txt pyproject.toml
	$(BIN)/pip install --quiet --require-hashes -r requirements/base.txt -r requirements/dev.txt
	$(BIN)/pip install --quiet --no-deps --no-build-isolation -e .
	touch $@

install: $(VENV)/.installed static

# Front-end packages come from npm, pinned in package.json/package-lock.json,
# and are copied into static/ so that nothing is fetched at run time.
$(VENDOR)/.stamp: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	mkdir -p $(VENDOR)
	cp node_modules/@tabler/core/dist/css/tabler.min.css $(VENDOR)/
	cp node_modules/@tabler/core/dist/js/tabler.min.js $(VENDOR)/
	cp node_modules/htmx.org/dist/htmx.min.js $(VENDOR)/
	cp node_modules/echarts/dist/echarts.min.js $(VENDOR)/
	touch $@

static: $(VENDOR)/.stamp

migrate: install
	$(BIN)/lianjian migrate --noinput

demo: migrate
	$(BIN)/lianjian demo

ready: install
	$(BIN)/lianjian migrate --noinput
	$(BIN)/lianjian demo --if-empty

# Background tasks (imports, 智能分组; docs/tasks.md) need a worker: `run` and `dev` start
# one beside the web server and stop it when the server exits (Ctrl-C included).
WITH_WORKER = $(BIN)/lianjian db_worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT; \
	trap 'exit 130' INT TERM;

# The product as users see it: no debug pages, static files from WhiteNoise.
run: ready
	@export LIANJIAN_DEBUG=false; $(WITH_WORKER) $(BIN)/lianjian runserver 127.0.0.1:$(PORT)

# For development: Django's debug pages (tracebacks, settings) — never on a shared server.
dev: ready
	@export LIANJIAN_DEBUG=true; $(WITH_WORKER) $(BIN)/lianjian runserver 127.0.0.1:$(PORT)

# Production: the task worker alone (one or more beside gunicorn, e.g. under systemd).
worker: install
	LIANJIAN_DEBUG=false $(BIN)/lianjian db_worker --no-reload

# Several servers: the task queue on Redis, worked by RQ (docs/deploy.md §3). Installs the
# pinned RQ backend into the same environment; `python -m bench.tasks_rq` tries it here.
rq: install
	$(BIN)/pip install --quiet --require-hashes -r requirements/base.txt -r requirements/rq.txt

# Quick checks first: lint and format, the layers (import-linter), the types, the migrations; then the suite.
test: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(MAKE) --no-print-directory typecheck
	$(BIN)/lianjian makemigrations --check --dry-run
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadfile

# mypy against mypy-baseline.txt, which may only shrink (docs/decisions/0002-layers-and-types.md).
typecheck: install
	$(BIN)/python scripts/mypy_baseline.py

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: install
	$(BIN)/python -m bench.foundation

clean:
	rm -rf $(VENV) node_modules $(VENDOR) var
