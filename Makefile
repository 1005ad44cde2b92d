# The two commands of the quick start are `make demo` and `make test`; both bootstrap uv
# and the environment when missing.
SHELL := /bin/bash
# Bootstrapped once per make run; an empty result stops make with the reason printed above.
UV := $(shell scripts/bootstrap.sh)
ifeq ($(strip $(UV)),)
$(error could not find or install uv (see the bootstrap message above))
endif
PYTEST_ARGS ?=

browser:
	@scripts/ensure-chromium.sh

.PHONY: browser env demo up test lint format unit integration faults fuzz bench schemas clean

env:
	@$(UV) sync --all-packages --locked --quiet

demo: env
	$(UV) run cohort demo $(DEMO_ARGS)

up: env
	$(UV) run cohort up

lint: env
	$(UV) run ruff check .
	$(UV) run ruff format --check .
	$(UV) run mypy contracts/cohort_contracts kit/cohort_kit cli/cohort_cli services

test: lint browser
	$(UV) run pytest -n 2 $(PYTEST_ARGS)

unit: env
	$(UV) run pytest -m unit $(PYTEST_ARGS)

integration: env
	$(UV) run pytest -m "integration or e2e" $(PYTEST_ARGS)

faults: env
	$(UV) run pytest -m faults -o addopts="" $(PYTEST_ARGS)

fuzz: env
	$(UV) run pytest -m fuzz -o addopts="" $(PYTEST_ARGS)

bench: env
	$(UV) run python -m bench $(BENCH_ARGS)

schemas: env
	$(UV) run cohort contracts export contracts/schemas

format: env
	$(UV) run ruff check --fix .
	$(UV) run ruff format .

clean:
	rm -rf .venv .tools .cohort .pytest_cache .mypy_cache .ruff_cache
