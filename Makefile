# Align: `make run` starts the demo, `make test` runs every check. Both set themselves up on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
STAMP := $(VENV)/.installed-$(shell cksum < pyproject.toml | cut -d' ' -f1)
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run serve test lint format reset-demo bench

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit("Align needs Python 3.11 or newer") if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip setuptools
	$(BIN)/pip install --quiet -e '.[dev]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP)

# The demo on the embedded default: SQLite, Celery worker + beat on the filesystem broker, emails on the console.
run: export SITE_URL ?= http://$(HOST):$(PORT)
run: $(STAMP)
	$(MANAGE) migrate --noinput
	$(MANAGE) seed_demo
	@$(MAKE) --no-print-directory serve

# The web server, worker and beat on what is already set up (`make run` sets up the demo first).
serve: export SITE_URL ?= http://$(HOST):$(PORT)
serve: $(STAMP)
	@echo "Align is starting at http://$(HOST):$(PORT)/ (Ctrl-C stops the web server, worker and beat)."
	@# The worker runs in a process group of its own: Ctrl-C or a SIGTERM to make's group would otherwise reach its
	@# pool processes too, and one killed holding the pool's queue lock leaves the worker waiting for it forever.
	@# The trap stops it the documented way instead (SIGTERM to the worker: warm shutdown) and waits for it.
	@setsid $(BIN)/celery -A alignsite worker --beat --loglevel=info --concurrency=2 & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM HUP; \
	$(MANAGE) runserver --noreload $(HOST):$(PORT)

reset-demo:
	rm -rf var

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	@# Security linting of the application code: any medium or high finding fails the build.
	$(BIN)/bandit --quiet --recursive alignsite surveys feedback conversations --severity-level medium

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Without DATABASE_URL/REDIS_URL the service tests are skipped (and say so); with CI=true they must run.
# With DATABASE_URL set, settings are production-like and need a SECRET_KEY and EMAIL_URL: tests get throwaways.
test: export SECRET_KEY ?= test-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz
test: export EMAIL_URL ?= memorymail://
test: lint
	$(MANAGE) makemigrations --check --dry-run
	@# axe-core, injected into pages by the browser tests; without npm those tests skip locally (fail in CI).
	@if command -v npm >/dev/null 2>&1; then npm ci --prefix tests/browser --no-audit --no-fund --silent; fi
	$(BIN)/pytest $(PYTEST_ARGS)

# Benchmarks: each measures Align and a baseline in the same run and prints their ratio (docs/performance.md).
bench: $(STAMP)
	@$(BIN)/python -c "import importlib.util as u; assert u.find_spec('locust') and u.find_spec('survey')" 2>/dev/null \
		|| $(BIN)/pip install --quiet -e '.[dev,bench]'
	$(BIN)/python -m bench $(if $(FULL),--full) $(BENCH)
