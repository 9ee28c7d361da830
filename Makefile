# commsim: two commands to start.
#   make run   - create .venv, install commsim, compare the named strategies on the default city
#   make test  - create .venv with the dev extras (and Chromium for browser tests), run the suite
PYTHON ?= $(shell for p in python3.13 python3.12 python3.11 python3; do command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' && echo $$p && break; done)
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip
export SOLARA_TELEMETRY_MIXPANEL_ENABLE := false
export RAY_USAGE_STATS_ENABLED := 0

.PHONY: run test validate lint format bench docs system-deps clean help

help:
	@echo "make run    - install and compare the named strategies on the default city"
	@echo "make test   - install dev extras and run the test suite"
	@echo "make lint   - ruff check and format check"
	@echo "make bench  - benchmark against Mesa's Epstein example"
	@echo "make validate - the heavy checks: validation, sensitivity, predictive feedback (hours)"
	@echo "make docs   - build the documentation and API reference into site/"

$(BIN)/python:
	@test -n "$(PYTHON)" || { echo "commsim needs Python >= 3.11 (python3.11 or newer on PATH)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

$(VENV)/.run-installed: pyproject.toml | $(BIN)/python
	$(PIP) install --quiet -e .
	touch $@

$(VENV)/.dev-installed: pyproject.toml | $(BIN)/python
	$(PIP) install --quiet -e ".[dev]"
	touch $@ $(VENV)/.run-installed

# Debian's Chromium drives the dashboard's browser tests (Playwright's own
# browser download is not used).
system-deps:
	@if [ ! -x /usr/bin/chromium ]; then \
		if command -v apt-get >/dev/null 2>&1; then \
			SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
			$$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium >/dev/null; \
		else echo "install Chromium at /usr/bin/chromium for the browser tests"; fi; \
	fi

# The main job: every named strategy on the default city, with replicates,
# into outputs/compare/report/ (report.html, report.md, summary.csv, plots).
run: $(VENV)/.run-installed
	$(BIN)/commsim compare

# Lint, then the suite, plus the notebooks executed top to bottom (nbmake).
test: $(VENV)/.dev-installed system-deps
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest --nbmake --durations=15 tests notebooks

lint: $(VENV)/.dev-installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.dev-installed
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# The heavy checks, run before a release; their results are committed under
# experiments/ and docs/ (validation.md, sensitivity.md): many seeds, two city
# layouts, two-year horizons. Interrupted runs resume (the run store keeps them).
validate: $(VENV)/.dev-installed
	$(BIN)/python experiments/validation/run_validation.py --launcher local
	$(BIN)/commsim sensitivity --config default --trajectories 6 --replicates 3 --launcher local --out outputs/sensitivity/default
	$(BIN)/commsim sensitivity --config community_policing --trajectories 6 --replicates 3 --launcher local --out outputs/sensitivity/community_policing
	$(BIN)/python experiments/persistence/run.py --launcher local
	$(BIN)/python experiments/predictive_feedback/run.py --launcher local

bench: $(VENV)/.run-installed
	$(BIN)/commsim bench

# The documentation with the API reference built from the docstrings (mkdocs +
# mkdocstrings); the test suite builds it too (tests/test_docs_site.py).
docs: $(VENV)/.dev-installed
	$(BIN)/mkdocs build --strict -d site

clean:
	rm -rf $(VENV) outputs site .pytest_cache .ruff_cache
