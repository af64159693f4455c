# The two commands of the README:  `make run`  and  `make test`.
# Each creates .venv and installs what it needs on first use.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: run test test-slow bench docs docs-notebooks notebooks venv clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	rm -f $(VENV)/.installed-*
	touch $@

venv: $(STAMP)

## The main job on a small default: a quick H3 experiment end to end (runs, summary table,
## hypothesis report, figures -> results/h3_iteration-quick/) and a short Milner demo.
run: $(STAMP)
	$(BIN)/python -m coopsim run experiments/h3_iteration.toml --quick --overwrite
	$(BIN)/python -m coopsim demo --output results/demo

## The default test suite (exact oracles, statistical checks with fixed seeds).
test: $(STAMP)
	$(BIN)/python -m pytest -n 2 -m "not slow" coopsim tests docs

## Long stochastic replications (nightly-style).
test-slow: $(STAMP)
	$(BIN)/python -m pytest -n 2 -m slow tests

## The documentation site (warnings are errors) -> docs/_build/html
docs: $(STAMP)
	$(BIN)/python -m sphinx -W --keep-going -b html docs docs/_build/html

## Execute the tutorial notebooks (full mode) and store them, outputs included, for the site
## (docs/tutorials/_executed/); needed after a notebook changes (a test compares the code)
docs-notebooks: $(STAMP)
	$(BIN)/python docs/execute_notebooks.py

## Side-by-side speed measurements (coopsim vs axelrod); figures in docs/explanation/performance.md
bench: $(STAMP)
	$(BIN)/python benchmarks/tournament_vs_axelrod.py
	$(BIN)/python benchmarks/throughput.py
	$(BIN)/python benchmarks/world_scaling.py --quick
	$(BIN)/python benchmarks/moran_vs_axelrod.py --quick
	$(BIN)/python benchmarks/experiments_timing.py
	$(BIN)/python benchmarks/cli_startup.py

## The tutorials in JupyterLab (installs JupyterLab into .venv on first use)
notebooks: $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[dev,notebooks]"
	$(BIN)/python -m jupyter lab notebooks/

clean:
	rm -rf $(VENV) .pytest_cache
