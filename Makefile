# Two commands do the whole set-up on a fresh clone: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
WB := $(VENV)/bin/workbench
STAMP := $(VENV)/.installed
MODELS_STAMP := .workbench/.models-ready
# The same requirement as pyproject.toml's; installed first, with the build options below.
LLAMA_SPEC := llama-cpp-python[server]>=0.3.8
LLAMA_CMAKE_ARGS ?= -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export ANONYMIZED_TELEMETRY := False

.PHONY: install models run serve index test test-fast test-large bench lint clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	# The CPU build of torch lies on disk; installing it first keeps pip from pulling a CUDA build.
	$(PY) -m pip install --quiet torch==2.13.0
	# llama-cpp-python is compiled here for any x86-64 with AVX2, not for this CPU: a build tuned to a CPU that
	# reports AMX dies of an illegal instruction (SIGILL) while loading the model on virtual machines that do not
	# let programs use AMX. No cached wheel: one built earlier may carry those instructions.
	CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" $(PY) -m pip install --quiet --no-cache-dir '$(LLAMA_SPEC)'
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
