# The two commands of the quick start:
#   make run    start the app on the embedded SQLite database with the demo catalogue
#   make test   run every test (SQLite, a throwaway PostgreSQL server, a real headless Chromium)
# Each sets up what it needs: a virtual environment in .venv with the project installed,
# and (for the tests) Debian's chromium and PostgreSQL server binaries when they are missing.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8501

.PHONY: run test bench bench-quick system-packages clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $@

run: $(BIN)/.installed
	$(BIN)/catalogue init --demo
	$(BIN)/streamlit run app.py --server.headless true --server.port $(PORT) --browser.gatherUsageStats false

system-packages:
	bash .ci/system-packages

test: $(BIN)/.installed system-packages
	$(BIN)/python -m pytest

bench: $(BIN)/.installed system-packages
	$(BIN)/python -m bench

bench-quick: $(BIN)/.installed system-packages
	$(BIN)/python -m bench --quick

clean:
	rm -rf $(VENV) data artifacts .pytest_cache
