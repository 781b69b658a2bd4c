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

# What the data and the model are made from, so that `make model` (and `make demo`) remake them
# only when one of these changed since: the knowledge base, the code that draws the cases, the code
# that fits, evaluates, exports and draws the model, and the seed. A fresh clone has no data: it
# generates it and then retrains (the same model, byte for byte); the next run skips both.
PKG        := src/bicep_twitch
KB_JSON    := $(PKG)/knowledge/knowledge_base.json
DATA_SRC   := $(KB_JSON) $(wildcard $(PKG)/data/*.py $(PKG)/core/*.py) $(PKG)/_io.py $(PKG)/_version.py
MODEL_SRC  := $(DATA_SRC) $(wildcard $(PKG)/model/*.py $(PKG)/predict/*.py $(PKG)/draw/*.py $(PKG)/draw/explorer/*)
DATA_DONE  := $(DATA)/manifest.json
MODEL_DONE := $(MODELS)/bicep_twitch_tree.json
STAMPS     := .make

.DEFAULT_GOAL := help
.PHONY: help venv dev browser demo data model render predict ask explore test test-min wheel bench clean FORCE

help: ## list the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  make %-9s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

# The install records the version (src/bicep_twitch/_version.py): a new version reinstalls.
$(VENV)/.installed: pyproject.toml src/bicep_twitch/_version.py
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
# Without it the browser tests are skipped (and fail in CI): this says so, and how to install it.
browser: ## install headless Chromium from the system's packages (Debian/Ubuntu, as root) if it is missing
	@if command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "The browser tests need Chromium; installing it with apt-get (make browser)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else \
		echo "The browser tests need Chromium, which is not installed: they will be skipped." >&2; \
		echo "Install it as root ('sudo make browser' on Debian/Ubuntu, or your system's chromium package), then run make test again." >&2; \
	fi

# The seed and the example as files that change only when the value does.
$(STAMPS)/seed: FORCE
	@mkdir -p $(STAMPS); printf '%s\n' '$(SEED)' | cmp -s - $@ || printf '%s\n' '$(SEED)' > $@

$(STAMPS)/example: FORCE
	@mkdir -p $(STAMPS); printf '%s\n' '$(EXAMPLE)' | cmp -s - $@ || printf '%s\n' '$(EXAMPLE)' > $@

data: $(DATA_DONE) ## generate the synthetic cases into data/synthetic (when their inputs changed)

$(DATA_DONE): $(DATA_SRC) $(STAMPS)/seed | $(VENV)/.installed
	$(CLI) generate --out $(DATA) --seed $(SEED)

model: $(MODEL_DONE) ## train, evaluate and export the tree into models/ (when its inputs changed)

$(MODEL_DONE): $(DATA_DONE) $(MODEL_SRC) $(STAMPS)/seed | $(VENV)/.installed
	$(CLI) train --data $(DATA) --out $(MODELS) --seed $(SEED)

render: venv ## draw the example case's whole path through the tree into case.svg/.png/.dot
	$(CLI) render --case '$(EXAMPLE)' --out case.svg

predict: venv ## predict the example case
	$(CLI) predict --case '$(EXAMPLE)'

case.svg: $(MODEL_DONE) $(STAMPS)/example | $(VENV)/.installed
	$(CLI) render --model $(MODELS) --case '$(EXAMPLE)' --out case.svg > /dev/null

# Each thing once: render's own printout of the example is the prediction printed next.
demo: $(MODEL_DONE) case.svg ## from nothing: venv, install, generate, train, draw and predict an example
	$(CLI) predict --model $(MODELS) --case '$(EXAMPLE)'
	@echo
	@echo "Done. The example's path through the tree: case.png (case.svg zooms); the tree's top: $(MODELS)/tree-overview.png."
	@echo "Open $(MODELS)/explorer.html in a web browser: the whole tree and the questionnaire, offline."
	@echo "To type the commands yourself: . $(BIN)/activate  then  bicep-twitch --help  (bicep-twitch findings lists what you can answer)."

ask: venv ## answer the questionnaire in this terminal
	$(CLI) ask

explore: venv ## write explorer.html: the tree and the questionnaire in one offline web page
	$(CLI) explore --out $(MODELS)/explorer.html

test: dev browser ## run the test suite (the browser tests need Chromium: make browser installs it)
	$(BIN)/python -m pytest -q -n 2  # two workers: the suite's training tests take most of its time

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
	rm -rf $(VENV) $(VENV_MIN) $(DATA)/*.csv $(DATA)/manifest.json .pytest_cache case.svg case.png case.dot $(STAMPS)
