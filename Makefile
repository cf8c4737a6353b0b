# The README's two commands: `make run` and `make test`. Each sets up what it needs first:
# a virtual environment in .venv with the pinned tools (requirements-dev.txt) and carecast
# built into it by maturin.
.PHONY: run test test-rust test-python develop bench

VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

# Run the default scenario (wolverhampton-2015) and print a summary.
run: develop
	$(VENV)/bin/carecast run

# Every test: Rust (unit, integration, doc) and Python (API, CLI, stubs, doc examples).
test: test-rust test-python

test-rust:
	cargo test --release --all-targets
	cargo test --release --doc
	python3 scripts/scenario_reference.py --check

test-python: develop
	$(PY) -m pytest tests/python -q

$(STAMP): requirements-dev.txt
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

# Build the extension into the venv (cargo rebuilds only what changed).
develop: $(STAMP)
	VIRTUAL_ENV=$(abspath $(VENV)) $(VENV)/bin/maturin develop --release --quiet

# Benchmarks (criterion); see BENCHMARKS.md.
bench:
	cargo bench
