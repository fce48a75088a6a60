# Two commands matter: `make demo` (run an event end to end on the embedded stack)
# and `make test` (the whole suite: pytest, ruff, mypy). Both create the venv when needed.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
# Extra prerequisites of `make test`, appended by the mk/*.mk fragments (e.g. the helm binary).
TEST_DEPS :=
.DEFAULT_GOAL := venv
include $(wildcard mk/*.mk)

.PHONY: venv up demo test lint typecheck pytest migrate lock clean bench-api

venv: $(STAMP)

$(STAMP): pyproject.toml setup.py requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -c requirements.lock -e '.[dev]' --config-settings editable_mode=compat
	# compat mode puts only the repo root on sys.path; wairo_operator, wairo_contracts, wairo_dev and wairo_client live in folders of their own.
	printf '%s\n' "$(CURDIR)/operator" "$(CURDIR)/contracts" "$(CURDIR)/devtools" "$(CURDIR)/client" > "$$($(BIN)/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')/wairo-operator.pth"
	touch $@

up: venv
	$(BIN)/wairo-dev up

demo: venv
	$(BIN)/wairo-dev demo

migrate: venv
	$(BIN)/wairo-server migrate

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

typecheck: venv
	$(BIN)/mypy api vision operator/wairo_operator contracts/wairo_contracts devtools/wairo_dev client/wairo_client bench tests

pytest: venv $(TEST_DEPS)
	$(BIN)/pytest

test: venv $(TEST_DEPS)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy api vision operator/wairo_operator contracts/wairo_contracts devtools/wairo_dev client/wairo_client bench tests
	$(BIN)/pytest

bench-api: venv
	$(BIN)/python -m bench.api $(BENCH_API_ARGS)

lock: venv
	$(BIN)/pip freeze --exclude-editable > requirements.lock

clean:
	rm -rf .data .pytest_cache .mypy_cache .ruff_cache

