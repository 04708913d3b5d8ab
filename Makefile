# Two commands matter: `make run` and `make test`. Each sets up what is missing first.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
MODEL_DIR := var/models/multilingual-e5-small-q4
HOST ?= 127.0.0.1
PORT ?= 8000
# Scale-out: `make run WORKERS=4 DATABASE_URL=postgresql://supportbot@127.0.0.1/supportbot` (README, Scale-out).
WORKERS ?= 1
DATABASE_URL ?=
ifneq ($(DATABASE_URL),)
export SUPPORTBOT_DATABASE_URL := $(DATABASE_URL)
endif
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export TOKENIZERS_PARALLELISM := false

.PHONY: help setup install model onnx adapt index prepare browser postgres run test test-fast eval bench lint check-kb clean

help:
	@echo "make run    set up, then serve the demo help center, widget and agent console on http://$(HOST):$(PORT)"
	@echo "make test   set up, then run the whole test suite"
	@echo "make eval   run the benchmark suite and write eval/reports/<date>/"
	@echo "make bench  serving benchmark (latency, HTTP load, memory, index scale) to eval/reports/<date>/bench.md"
	@echo "make lint   ruff, and mypy --strict on the core packages"

$(PY):
	$(PYTHON) -m venv $(VENV)

# torch first and pinned: the machines carry a CPU build of 2.13.0, an unpinned torch pulls CUDA.
$(STAMP): pyproject.toml requirements.lock | $(PY)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -c requirements.lock -e ".[dev]"
	touch $@

install: $(STAMP)

$(MODEL_DIR)/modules.json: $(STAMP)
	$(PY) -m retrieval build-model --out $(MODEL_DIR)

model: $(MODEL_DIR)/modules.json

# The ONNX Runtime backends' export of the model folder; a no-op while export.json matches the folder.
onnx: model
	$(PY) -m retrieval export-onnx --model $(MODEL_DIR)

# Fine-tunes the model on the knowledge base (minutes, with a progress bar) when no adapted model is
# cached for this base model, knowledge base and recipe; a no-op unless SUPPORTBOT_ADAPT_MODEL=true.
adapt: model
	$(PY) -m retrieval adapt

# Loads the saved index and rebuilds it only when the knowledge base or the served model changed.
index: adapt onnx
	$(PY) -m retrieval build-index

# Debian's Chromium for the browser tests (Playwright drives it; nothing downloads a browser).
browser:
	@test -x /usr/bin/chromium -a -d /usr/share/fonts/opentype/noto || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; }

# Debian's PostgreSQL server binaries for the tests that run on PostgreSQL (the suite starts its own
# throwaway server in a temporary folder; nothing here creates a cluster or a service).
postgres:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; }

# What the server's start-up loads instead of computing: intent exemplar vectors and the calibration.
prepare: index
	$(PY) -m bot prepare

setup: prepare

run: setup
	$(PY) -m handoff migrate
	$(PY) -m web demo-agent
	$(PY) -m uvicorn --factory web.app:create_app --host $(HOST) --port $(PORT) --workers $(WORKERS)

test: setup browser postgres
	$(PY) -m pytest

test-fast: setup postgres
	$(PY) -m pytest -m "not e2e"

eval: setup
	$(PY) -m eval run

bench: setup
	$(PY) -m eval bench $(BENCH_ARGS)

check-kb: install
	$(PY) -m retrieval check-kb

lint: install
	$(PY) -m ruff check bot config retrieval handoff web eval tests
	$(PY) -m mypy bot config retrieval handoff

clean:
	rm -rf $(VENV) var
