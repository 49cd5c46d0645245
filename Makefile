# smpp-gateway: every target sets itself up (the virtualenv .venv at the project root).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=

.PHONY: venv test lint format run bench soak fuzz clean

venv: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	touch $(STAMP)

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check smpp_gateway simulators tests
	$(BIN)/ruff format --check smpp_gateway simulators tests
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff format smpp_gateway simulators tests
	$(BIN)/ruff check --fix smpp_gateway simulators tests

run: $(STAMP)
	$(BIN)/python -m smpp_gateway.demo

bench: $(STAMP)
	$(BIN)/python -m tests.bench.run

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .hypothesis
