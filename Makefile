# bicep-twitch: `make demo` and `make test` set everything up from nothing (Python 3.10+ and pip).
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
CLI    := $(BIN)/bicep-twitch
DATA   := data/synthetic
MODELS := models
SEED   ?= 0
EXAMPLE ?= {"movement": "spasm", "recent_arm_workout": true, "hours_after_workout": 1, "stress_level": 3}

.DEFAULT_GOAL := help
.PHONY: help venv dev browser demo data model render predict ask explore test bench clean

help: ## list the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  make %-8s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

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

model: data ## train, evaluate and export the tree into models/
	$(CLI) train --data $(DATA) --out $(MODELS) --seed $(SEED)

render: venv ## draw the tree into models/tree.svg and .png
	$(CLI) render --out $(MODELS)/tree.svg

predict: venv ## predict the example case
	$(CLI) predict --case '$(EXAMPLE)'

demo: model render predict ## from nothing: venv, install, generate, train, render, predict an example

ask: venv ## answer the questionnaire in this terminal
	$(CLI) ask

explore: venv ## write explorer.html: the tree and the questionnaire in one offline web page
	$(CLI) explore --out $(MODELS)/explorer.html

test: dev ## run the test suite
	$(BIN)/python -m pytest -q

bench: dev ## run the benchmarks (prints ratios against baselines measured in the same run)
	$(BIN)/python benchmarks/run_all.py

clean: ## remove the venv and generated data (the committed model stays)
	rm -rf $(VENV) $(DATA)/*.csv $(DATA)/manifest.json .pytest_cache
