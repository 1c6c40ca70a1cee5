# Two commands do the whole set-up on a fresh clone: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
WB := $(VENV)/bin/workbench
STAMP := $(VENV)/.installed
MODELS_STAMP := .workbench/.models-ready
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export ANONYMIZED_TELEMETRY := False

.PHONY: install models run serve index test test-fast test-large bench lint clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	# The CPU build of torch lies on disk; installing it first keeps pip from pulling a CUDA build.
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -e '.[test,postgres]'
	touch $(STAMP)

install: $(STAMP)

$(MODELS_STAMP): $(STAMP)
	$(WB) models prepare
	@mkdir -p $(dir $(MODELS_STAMP)) && touch $(MODELS_STAMP)

models: $(MODELS_STAMP)

index: models
	$(WB) index

run: models index
	$(WB) serve

test: models
	$(PY) -m pytest -q

test-fast: install
	$(PY) -m pytest -q -m "not slow and not browser and not large"

test-large: models
	$(PY) -m pytest -q -m large

bench: models
	$(PY) bench/run_all.py

lint: install
	$(VENV)/bin/lint-imports

clean:
	rm -rf .workbench .pytest_cache
