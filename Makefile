# goalgate — `make help` lists every target.
SHELL := /bin/bash
PYTHON ?= python3
NPM ?= npm
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# make run's smaller install: goalgate and what serving needs, no extras.
RUN_STAMP := $(VENV)/.installed-run
# The npm tools the tests run (tests/package.json), installed from tests/package-lock.json.
TESTS_NODE_STAMP := tests/node_modules/.npm-installed
GRAPHIQL := frontend/graphiql
DASHBOARD := dashboard
# npm ci again whenever the dashboard's dependencies change.
DASHBOARD_NODE_STAMP := $(DASHBOARD)/node_modules/.installed
# Vite 8 needs Node.js 20.19 or later.
NODE_OK := node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 20 || (a === 20 && b >= 19) ? 0 : 1)'

.DEFAULT_GOAL := help
.PHONY: help install run serve demo test check lint fmt typecheck schema bench docs clean graphiql-assets dashboard dashboard-test

help: ## List the targets
	@grep -hE '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  \033[36m%-16s\033[0m %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,docs,postgres,redis,otel]'
	@touch $(STAMP)

# make run serves the embedded SQLite database: goalgate alone, without the
# dev, docs, postgres, redis and otel extras (the full install serves too).
$(RUN_STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@if [ -f $(STAMP) ] && [ $(STAMP) -nt pyproject.toml ]; then :; else \
		echo "$(BIN)/python -m pip install -e ."; $(BIN)/python -m pip install --quiet -e .; fi
	@touch $(RUN_STAMP)

$(TESTS_NODE_STAMP): tests/package.json tests/package-lock.json
	@if command -v $(NPM) >/dev/null; then \
		cd tests && $(NPM) ci --no-audit --no-fund --loglevel=error && touch node_modules/.npm-installed; \
	else \
		echo "npm not found: the tests that run node tools will be skipped (install nodejs and npm)"; \
	fi

install: $(STAMP) $(TESTS_NODE_STAMP) ## Create the virtualenv and install goalgate with every extra and its dev tools (and the tests' npm tools)

# make run keeps its data in the checkout (var/goalgate.db, var/demo-token);
# goalgate's own default is the platform's data directory (docs/operations.md).
run demo: export GOALGATE_DATA_DIR ?= $(CURDIR)/var

demo: $(RUN_STAMP) ## Seed the demo site, goals, events and token (idempotent)
	$(BIN)/goalgate demo

run: demo ## Serve the API on the embedded SQLite database with demo data (installs goalgate only, no extras)
	$(BIN)/goalgate serve

# pytest-xdist workers: one a core by default (at most 16: a Redis database
# each). The xdist_group marks keep the tests that share one Redis pub/sub
# channel on one worker (--dist loadgroup). A crashed worker fails the run at
# once: replaced, its group's tests were never rescheduled and the run hung.
TEST_WORKERS ?= auto

test: $(STAMP) $(TESTS_NODE_STAMP) dashboard-test ## Run the whole test suite on every core (the dashboard's checks first)
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --maxprocesses 16 --dist loadgroup --max-worker-restart 0

$(DASHBOARD_NODE_STAMP): $(DASHBOARD)/package.json $(DASHBOARD)/package-lock.json
	cd $(DASHBOARD) && $(NPM) ci --no-audit --no-fund
	@touch $@

dashboard: ## Rebuild the dashboard into src/goalgate/api/dashboard/static/ (commit the result)
	@$(NODE_OK) 2>/dev/null || { echo "make dashboard needs Node.js 20.19+ and npm" >&2; exit 1; }
	@$(MAKE) --no-print-directory $(DASHBOARD_NODE_STAMP)
	cd $(DASHBOARD) && $(NPM) run build

dashboard-test: ## Type-check, unit-test and rebuild-compare the dashboard (skipped, saying why, without Node.js)
	@if $(NODE_OK) 2>/dev/null && command -v $(NPM) >/dev/null 2>&1; then \
	  $(MAKE) --no-print-directory $(DASHBOARD_NODE_STAMP) && cd $(DASHBOARD) && $(NPM) test; \
	elif [ "$$GOALGATE_TEST_STRICT" = 1 ]; then \
	  echo "GOALGATE_TEST_STRICT=1 but Node.js 20.19+ and npm are not installed: the dashboard is not tested" >&2; exit 1; \
	else \
	  echo "SKIPPED dashboard type-check and unit tests: Node.js 20.19+ and npm are not installed"; \
	fi

check: lint typecheck test ## Lint, type-check and test

lint: $(STAMP) ## Ruff lint and format check
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

fmt: $(STAMP) ## Format and autofix
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench

typecheck: $(STAMP) ## mypy --strict on src/
	$(BIN)/mypy

schema: $(STAMP) ## Write the GraphQL SDL to schema.graphql
	$(BIN)/goalgate schema > schema.graphql

graphiql-assets: ## Vendor GraphiQL's pinned builds (frontend/graphiql) into src/goalgate/api/graphql/static/graphiql/vendor
	cd $(GRAPHIQL) && $(NPM) ci --no-audit --no-fund --loglevel=error && node vendor.mjs

bench: $(STAMP) ## Run the benchmarks (ratios against a floor measured in the same run)
	@command -v wrk >/dev/null || (apt-get update -q && apt-get install -y -q wrk) \
		|| { echo "make bench needs wrk: apt-get install wrk"; exit 1; }
	$(BIN)/python -m bench

docs: $(STAMP) ## Build the documentation site into site/ (strict: a broken link fails)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict

clean: ## Remove the virtualenv, caches, node_modules and local database
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache test-artifacts \
		tests/node_modules $(GRAPHIQL)/node_modules $(DASHBOARD)/node_modules
