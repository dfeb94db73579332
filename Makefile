# Two commands matter: `make run PHOTOS=/folder` and `make test`. Both (re)create .venv as needed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PHOTOS ?=
USER_NAME ?= admin
PORT ?= 8080

.PHONY: run test install install-test lint bench

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -qq --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -qq -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/pip install -qq -e '.[test]'
	touch $@

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test

run: install
	@test -n "$(PHOTOS)" || (echo "usage: make run PHOTOS=/path/to/photos" >&2; exit 2)
	$(BIN)/recognize run "$(PHOTOS)" --user "$(USER_NAME)" --port "$(PORT)"

lint: install-test
	$(BIN)/ruff check recognize tests bench
	$(BIN)/ruff format --check recognize tests bench

test: lint
	$(BIN)/pytest -q

bench: install-test
	$(BIN)/python bench/scan.py
