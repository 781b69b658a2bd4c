# bicep-twitch: `make demo` and `make test` set everything up from nothing (Python 3.11+ and pip).
# Every target prints the commands it runs: type them yourself after `. .venv/bin/activate`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
CLI    := $(BIN)/bicep-twitch
DATA   := data/synthetic
MODELS := models
SEED   ?= 0
EXAMPLE ?= {"movement": "spasm", "recent_arm_workout": true, "hours_after_workout": 1, "stress_level": 3}
# test-min: the lowest dependency versions pyproject.toml allows, in a venv of their own
VENV_MIN ?= .venv-min

.DEFAULT_GOAL := help
.PHONY: help venv dev browser demo data model render predict ask explore test test-min wheel bench clean

help: ## list the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  make %-9s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

$(VENV)/.installed-dev: pyproject.toml $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@

venv: $(VENV)/.installed ## make the virtual environment and install the package

dev: $(VENV)/.installed-dev ## the same, with the test tools

# The browser tests drive the system's Chromium (pip cannot download a browser here); apt needs root.
browser: ## install headless Chromium from the system's packages (Debian/Ubuntu, as root) if it is missing
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || { \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

data: venv ## generate the synthetic cases into data/synthetic
	$(CLI) generate --out $(DATA) --seed $(SEED)

model: data ## train, evaluate and export the tree into models/ (with its pictures)
	$(CLI) train --data $(DATA) --out $(MODELS) --seed $(SEED)

render: venv ## draw the example case's whole path through the tree into case.svg/.png/.dot
	$(CLI) render --case '$(EXAMPLE)' --out case.svg

predict: venv ## predict the example case
	$(CLI) predict --case '$(EXAMPLE)'

demo: model render predict ## from nothing: venv, install, generate, train, render, predict an example
	@echo
	@echo "Done. To type the commands yourself:  . $(BIN)/activate   then   bicep-twitch --help"
	@echo "(or call $(CLI) directly). The tree's top: $(MODELS)/tree-overview.png; the example's path: case.png"

ask: venv ## answer the questionnaire in this terminal
	$(CLI) ask

explore: venv ## write explorer.html: the tree and the questionnaire in one offline web page
	$(CLI) explore --out $(MODELS)/explorer.html

test: dev ## run the test suite
	$(BIN)/python -m pytest -q

# Each direct dependency at the floor pyproject.toml gives it (name>=X becomes name==X), on this
# Python; what they pull in takes its newest allowed version. Not part of `make test`: it
# downloads the old releases and runs the whole suite again (about 5 minutes).
test-min: ## run the suite on the lowest dependency versions pyproject.toml allows
	rm -rf $(VENV_MIN)
	$(PYTHON) -m venv $(VENV_MIN)
	$(PYTHON) scripts/lowest_versions.py pyproject.toml > $(VENV_MIN)/constraints.txt
	cat $(VENV_MIN)/constraints.txt
	$(VENV_MIN)/bin/python -m pip install --quiet -c $(VENV_MIN)/constraints.txt -e '.[dev]'
	$(VENV_MIN)/bin/python -m pytest -q -p no:cacheprovider

wheel: dev ## build the wheel into dist/ (the model files, no pictures)
	$(BIN)/python -m pip wheel --quiet --no-deps --no-build-isolation --wheel-dir dist .

bench: dev ## run the benchmarks (prints ratios against baselines measured in the same run)
	$(BIN)/python benchmarks/run_all.py

clean: ## remove the venvs, generated data and drawings of the example (the committed model stays)
	rm -rf $(VENV) $(VENV_MIN) $(DATA)/*.csv $(DATA)/manifest.json .pytest_cache case.svg case.png case.dot
