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
	@echo "make bench    full benchmarks (100k contacts; minutes)"
	@echo "make openapi  regenerate docs/openapi.json from the REST API's code"
	@echo "make resilience  the campaign fault test at 100 chunks of 1000 records, the largest batch (minutes)"
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

test: lint browser
	$(VENV)/bin/pytest -n 2 $(PYTEST_ARGS)
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

# The campaign fault test (timeouts, 5xx and a killed worker) at the largest batch (100 chunks of 1000 records).
CAMPAIGN_FAULT_CHUNKS ?= 100
resilience: venv
	CAMPAIGN_FAULT_CHUNKS=$(CAMPAIGN_FAULT_CHUNKS) $(VENV)/bin/pytest -q -s tests/e2e/test_campaign_faults.py

test-fast: venv
	$(VENV)/bin/pytest -x -q tests/unit tests/integration

validate: tools
	$(TOOLS)/bin/cfn-lint template.yaml
	$(SAM) validate --lint

build: tools venv
	$(SAM) build

# The benchmarks print figures; the smoke run proves the script works at small sizes.
bench: venv
	$(PY) benchmarks/lookup.py --sizes 1000,10000,100000
	$(PY) benchmarks/events.py --calls 200
	$(PY) benchmarks/imports.py --rows 1000
	$(PY) benchmarks/utm.py --items 1000
	$(PY) benchmarks/campaigns.py --sizes 10000,100000

bench-smoke: venv
	$(PY) benchmarks/lookup.py --sizes 200,1000 --requests 100 --cold-runs 2 --function-runs 1
	$(PY) benchmarks/events.py --calls 30
	$(PY) benchmarks/imports.py --rows 20
	$(PY) benchmarks/utm.py --items 20 --runs 2
	$(PY) benchmarks/campaigns.py --sizes 100,200 --page-records 100

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
