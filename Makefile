# The two ways in: `make run` (the app on the bundled data) and `make test` (the whole suite).
# Both work on a fresh Debian machine with Python 3.11 and reach only the package registries.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
PORT ?= 8501

.PHONY: run test build lint format browser nginx clean

run: $(VENV)/.installed
	$(BIN)/python -m ingest build
	$(BIN)/streamlit run dashboard/server.py --server.port $(PORT)

test: $(VENV)/.installed-test browser nginx
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

build: $(VENV)/.installed
	$(BIN)/python -m ingest build

lint: $(VENV)/.installed-test
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV) || { $(SUDO) apt-get update && \
		$(SUDO) apt-get install -y python3-venv && $(PYTHON) -m venv $(VENV); }
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(VENV)/bin/python pyproject.toml
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/bin/python pyproject.toml
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed

# End-to-end tests drive Debian's own Chromium (no browser download).
browser:
	@command -v chromium >/dev/null 2>&1 || { $(SUDO) apt-get update -q && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q chromium; }

# The replica test puts Debian's nginx in front of two app replicas (tests/deploy/).
nginx:
	@command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || { $(SUDO) apt-get update -q && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q nginx; }

clean:
	rm -rf $(VENV) data/build
