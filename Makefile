# The two set-up commands of the README. Each creates .venv and installs what
# it needs when missing; torch goes first, pinned, so pip takes the CPU build.
PYTHON ?= python3.11
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test lint install chromium

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[dev,distributed]'
	touch $(STAMP)

install: $(STAMP)

## run: install, materialise the bundled model, index seeds/ and serve on 127.0.0.1:8000
run: $(STAMP)
	$(BIN)/vraagbaak model materialize
	$(BIN)/vraagbaak index build
	$(BIN)/vraagbaak serve

## test: install and run the whole test suite (the browser test needs Debian's chromium)
test: $(STAMP) chromium
	$(BIN)/python -m pytest

# Debian's chromium for the browser test; playwright drives it and downloads nothing.
chromium:
	@command -v chromium >/dev/null || { \
	  SUDO=$$([ "$$(id -u)" -eq 0 ] || echo sudo); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium >/dev/null; }

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy vraagbaak
	$(BIN)/hadolint Dockerfile
