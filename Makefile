# Two commands on a fresh machine: `make run` (the hub locally) and `make test` (lint + tests).
# Everything they need is installed here, into .venv (Python 3.13, as on Lambda) and .venv-tools (SAM CLI).

SHELL := /bin/bash
.DEFAULT_GOAL := help

# The Lambda runtime is python3.13: use the same interpreter for the virtualenv. pyenv's shim for
# python3.13 exists even where it refuses to run, so a real interpreter is looked for first.
PYTHON313 ?= $(firstword $(wildcard $(HOME)/.pyenv/versions/3.13*/bin/python3.13) \
	$(shell python3.13 -c 'import sys; print(sys.executable)' 2>/dev/null))
PYTHON ?= $(if $(PYTHON313),$(PYTHON313),python3)
VENV := .venv
TOOLS := .venv-tools
PY := $(VENV)/bin/python
PIP_QUIET := --quiet --disable-pip-version-check
PYTEST_ARGS ?=
# SAM finds the runtime's interpreter (python3.13) on PATH: the project's venv has it.
SAM := PATH="$(CURDIR)/$(VENV)/bin:$$PATH" SAM_CLI_TELEMETRY=0 $(TOOLS)/bin/sam

.PHONY: help venv tools browser lint format test test-fast validate build bench bench-smoke run demo clean test-slow \
	openapi schemathesis invoke resilience

help:
	@echo "make run      start the hub locally (no AWS account, no Docker)"
	@echo "make invoke FUNCTION=PhonetLookupFunction EVENT=events/phonet_lookup/known_contact.json"
	@echo "             one function with one event, like sam local invoke (no Docker)"
	@echo "make test     install what is missing, lint, run every test suite"
	@echo "make validate cfn-lint + sam validate --lint;  make build  sam build (no Docker)"
	@echo "make bench    every benchmark at full size, one table (~10 min on 2 idle cores; JSON in .bench/)"
	@echo "make openapi  regenerate docs/openapi.json from the REST API's code"
	@echo "make resilience  storm, vendor faults, killed workers, bad input, security at 10x CI's size (minutes)"
	@echo "make schemathesis  fuzz the REST API on the local runner with many examples (minutes)"

# Stamps record what is installed: `make run` needs the runtime and moto, `make test` also the test tools.
$(VENV)/.local: pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install $(PIP_QUIET) -e '.[local]' 2>&1 | grep -v '^WARNING: Location' || true
	@$(PY) -c "import hub, hubtools, moto, flask, yaml, babel" && touch $@

$(VENV)/.installed: $(VENV)/.local
	@$(PY) -m pip install $(PIP_QUIET) -e '.[dev]' 2>&1 | grep -v '^WARNING: Location' || true
	@$(PY) -c "import pytest, hypothesis, xdist, schemathesis" && touch $@

venv: $(VENV)/.installed

# SAM CLI pins boto3[crt], which slows `import boto3` by ~70%: it lives in its own virtualenv.
$(TOOLS)/.installed:
	@test -x $(TOOLS)/bin/python || python3 -m venv $(TOOLS)
	@$(TOOLS)/bin/pip install $(PIP_QUIET) aws-sam-cli cfn-lint 2>&1 | grep -v '^WARNING: Location' || true
	@$(TOOLS)/bin/sam --version >/dev/null && touch $@

tools: $(TOOLS)/.installed

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: venv
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# Debian's Chromium for the browser test (Playwright drives it; no browser download).
browser:
	@command -v chromium >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

# The resilience suite runs after the others, bounded, in a process of its own (its summary prints).
test: lint browser
	$(VENV)/bin/pytest -n 2 --ignore=tests/resilience $(PYTEST_ARGS)
	$(MAKE) --no-print-directory resilience RESILIENCE_SCALE=1 CAMPAIGN_FAULT_CHUNKS=$(CI_CAMPAIGN_FAULT_CHUNKS)
	$(MAKE) --no-print-directory bench-smoke

# The committed OpenAPI document is generated from the code; a test fails when they drift.
openapi: venv
	$(PY) -m hubtools.openapi

# CI runs a few generated examples per operation (inside `make test`); this runs many.
schemathesis: venv
	SCHEMATHESIS_MAX_EXAMPLES=$${SCHEMATHESIS_MAX_EXAMPLES:-100} $(VENV)/bin/pytest -q tests/e2e/test_rest_api_schemathesis.py

# What `make test` runs at a bounded size, at full size (minutes on moto).
test-slow: venv
	TEST_DEPARTMENT_LEGS=200 $(VENV)/bin/pytest -q tests/integration/test_limits.py

# tests/resilience in one process, so its summary (cases, failures, lost, duplicates) ends the run:
# each part's N times RESILIENCE_SCALE, and the campaign fault test at the largest batch (100 chunks
# of 1000 records). `make test` runs it at scale 1 with a smaller campaign.
RESILIENCE_SCALE ?= 10
CAMPAIGN_FAULT_CHUNKS ?= 100
CI_CAMPAIGN_FAULT_CHUNKS ?= 40
resilience: venv
	RESILIENCE_SCALE=$(RESILIENCE_SCALE) CAMPAIGN_FAULT_CHUNKS=$(CAMPAIGN_FAULT_CHUNKS) \
		$(VENV)/bin/pytest -q -p no:randomly tests/resilience

test-fast: venv
	$(VENV)/bin/pytest -x -q tests/unit tests/integration

validate: tools
	$(TOOLS)/bin/cfn-lint template.yaml
	$(SAM) validate --lint

build: tools venv
	$(SAM) build

# Every benchmark, one table (benchmarks/report.py; JSON and each script's output in .bench/): `bench`
# at full size (two scripts at a time: about 10 minutes on 2 idle cores), `bench-smoke` the same table
# at small sizes (about a minute).
bench: venv
	$(PY) benchmarks/report.py $(BENCH_ARGS)

bench-smoke: venv
	$(PY) benchmarks/report.py --smoke $(BENCH_ARGS)

run: $(VENV)/.local
	$(PY) -m hubtools.local $(RUN_ARGS)

# `sam local invoke` without Docker: the function in a worker with the template's environment, against
# a running `make run`'s in-memory AWS or a fresh one; prints the handler's result.
FUNCTION ?= PhonetLookupFunction
EVENT ?= events/phonet_lookup/known_contact.json
invoke: $(VENV)/.local
	@$(PY) -m hubtools.local.invoke $(FUNCTION) $(EVENT) $(INVOKE_ARGS)

clean:
	rm -rf $(VENV) $(TOOLS) .aws-sam .local .pytest_cache .ruff_cache

# `make run` plus a few calls played through the fake PBX.
demo: $(VENV)/.local
	$(PY) -m hubtools.local --demo
