# goalgate — `make help` lists every target.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.DEFAULT_GOAL := help
.PHONY: help install run serve demo test test-fast check lint fmt typecheck schema bench docs clean

help: ## List the targets
	@grep -hE '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  \033[36m%-12s\033[0m %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,docs,postgres,redis,otel]'
	@touch $(STAMP)

install: $(STAMP) ## Create the virtualenv and install goalgate with its dev tools

demo: $(STAMP) ## Seed the demo site, goals, events and token (idempotent)
	$(BIN)/goalgate demo

run: demo ## Serve the API on the embedded SQLite database with demo data
	$(BIN)/goalgate serve

test: $(STAMP) ## Run the whole test suite
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

bench: $(STAMP) ## Run the benchmarks (ratios against a floor measured in the same run)
	$(BIN)/python -m bench

docs: $(STAMP) ## Build the documentation site into site/ (strict: a broken link fails)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict

clean: ## Remove the virtualenv, caches and local database
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
