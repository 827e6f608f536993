# goalgate — `make help` lists every target.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The npm tools the tests run (graphql-http's audit), installed from tests/package-lock.json.
NODE_STAMP := tests/node_modules/.npm-installed
GRAPHIQL := frontend/graphiql

.DEFAULT_GOAL := help
.PHONY: help install run serve demo test check lint fmt typecheck schema bench docs clean graphiql-assets

help: ## List the targets
	@grep -hE '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  \033[36m%-16s\033[0m %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,docs,postgres,redis]'
	@touch $(STAMP)

$(NODE_STAMP): tests/package.json tests/package-lock.json
	@if command -v npm >/dev/null; then \
		cd tests && npm ci --no-audit --no-fund --loglevel=error && touch node_modules/.npm-installed; \
	else \
		echo "npm not found: the graphql-http audit test will be skipped (install nodejs and npm)"; \
	fi

install: $(STAMP) $(NODE_STAMP) ## Create the virtualenv and install goalgate with its dev tools (and the tests' npm tools)

demo: $(STAMP) ## Seed the demo site, goals, events and token (idempotent)
	$(BIN)/goalgate demo

run: demo ## Serve the API on the embedded SQLite database with demo data
	$(BIN)/goalgate serve

test: $(STAMP) $(NODE_STAMP) ## Run the whole test suite
	$(BIN)/python -m pytest

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
	cd $(GRAPHIQL) && npm ci --no-audit --no-fund --loglevel=error && node vendor.mjs

bench: $(STAMP) ## Run the benchmarks (ratios against a floor measured in the same run)
	@command -v wrk >/dev/null || (apt-get update -q && apt-get install -y -q wrk) \
		|| { echo "make bench needs wrk: apt-get install wrk"; exit 1; }
	$(BIN)/python -m bench

docs: $(STAMP) ## Build the documentation site into site/ (strict: a broken link fails)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict

clean: ## Remove the virtualenv, caches and local database
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache tests/node_modules $(GRAPHIQL)/node_modules
