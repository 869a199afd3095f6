# Two commands: `make serve` and `make test`. Each sets up everything first.
PYTHON ?= python3.11
VENV   ?= .venv
BIN    := $(VENV)/bin
KG_STORE ?= var/store
export KG_STORE
# `make serve HOST=0.0.0.0 PORT=5001`; set on the command line only (some shells put the machine's
# name in $HOST, which must not open the server to the network).
HOST = 127.0.0.1
PORT = 5000

.PHONY: serve test lint setup build bench clean browser virtuoso libreoffice

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Re-install when the package metadata or the pinned versions change.
$(VENV)/.installed: $(BIN)/python pyproject.toml constraints.txt
	$(BIN)/pip install --quiet -c constraints.txt -e '.[test]'
	touch $@

# Front-end assets from npm (pinned in package-lock.json), copied into web/static/vendor.
ASSETS := web/static/vendor/.installed
$(ASSETS): package.json package-lock.json
	npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
	mkdir -p web/static/vendor/yasgui
	cp node_modules/@zazuko/yasgui/build/yasgui.min.js node_modules/@zazuko/yasgui/build/yasgui.min.css web/static/vendor/yasgui/
	mkdir -p web/static/vendor/cytoscape
	cp node_modules/cytoscape/dist/cytoscape.min.js web/static/vendor/cytoscape/
	touch $@

setup: $(VENV)/.installed $(ASSETS)

# The Twente sample from its filled spreadsheet templates (docs/ingest.md says what they cannot hold),
# only into a store that does not hold the region twente yet: never replaces it (staff may have
# changed it) and never touches another region.
SAMPLE := $(BIN)/kg ingest data/twente-templates --region twente --base https://knll-twente.example/id/ --if-missing

build: setup
	$(SAMPLE)

# `make serve PORT=5001 HOST=0.0.0.0`: the port is checked before anything is ingested; then the
# production server (`kg serve`, gunicorn), whose public URL is where it listens unless KG_BASE_URL
# says otherwise. `python -m web` is the development server.
serve: setup
	$(BIN)/kg serve --check-port --host $(HOST) --port $(PORT)
	$(SAMPLE)
	KG_BASE_URL="$${KG_BASE_URL:-http://$(HOST):$(PORT)/}" $(BIN)/kg serve --host $(HOST) --port $(PORT)

# Debian's Chromium for the browser test (needs root or sudo once; skipped when present).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium fonts-dejavu-core; \
	  else sudo apt-get update -qq && sudo apt-get install -y -qq chromium fonts-dejavu-core; fi; }

# Debian's Virtuoso 7 for the remote-store tests on Virtuoso (tests/virtuoso_server.py starts a
# throwaway server per run; the package's own service is not used). Skipped when present.
virtuoso:
	@command -v virtuoso-t >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq virtuoso-opensource; \
	  else sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq virtuoso-opensource; fi; }

# Debian's LibreOffice Calc (no GUI) for the ingest tests that let it re-save workbooks and write
# Dutch CSV files (tests/test_ingest_libreoffice.py). Skipped when soffice is present.
libreoffice:
	@command -v soffice >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libreoffice-calc-nogui; \
	  else sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libreoffice-calc-nogui; fi; }

# The linter and the type checker (ruff and mypy, configured in pyproject.toml), then the whole suite.
lint: setup
	$(BIN)/ruff check kg web synthetic bench tests
	$(BIN)/mypy

test: setup browser virtuoso libreoffice lint
	$(BIN)/python -m pytest

bench: setup
	$(BIN)/python -m bench.build_bench

clean:
	rm -rf $(VENV) var build dist *.egg-info
