# The README's two commands: `make run` and `make test`. Each sets up what it needs first:
# a virtual environment in .venv with the pinned tools (requirements-dev.txt) and carecast
# built into it by maturin.
.PHONY: run test lint test-rust test-python develop bench

VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# Build output a user cannot act on goes here; it is shown only if a step fails.
LOG := $(VENV)/build.log

# Run the default scenario (wolverhampton-2015) and print a summary.
run: develop
	$(VENV)/bin/carecast run
	@echo
	@echo "carecast is installed in $(VENV). To use it from this shell:"
	@echo "    source $(VENV)/bin/activate"
	@echo "    carecast --help"
	@echo "(or run $(VENV)/bin/carecast directly)."

# Every test: formatting and lints, Rust (unit, integration, doc) and Python (API, CLI, stubs,
# doc examples, notebooks).
test: lint test-rust test-python

lint: $(STAMP)
	cargo fmt --check
	cargo clippy --release --all-targets --features python --quiet -- -D warnings
	$(VENV)/bin/ruff check python tests/python scripts

test-rust:
	cargo test --release --all-targets
	cargo test --release --doc
	python3 scripts/scenario_reference.py --check

test-python: develop
	$(PY) -m pytest tests/python -q --durations=10

$(STAMP): requirements-dev.txt
	@echo "Setting up $(VENV) with the pinned tools in requirements-dev.txt ..."
	python3 -m venv $(VENV)
	@$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	@$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $@

# Build the extension into the venv (cargo rebuilds only what changed).
develop: $(STAMP)
	@echo "Building carecast (Rust, release) into $(VENV): a few minutes the first time ..."
	@VIRTUAL_ENV=$(abspath $(VENV)) $(VENV)/bin/maturin develop --release > $(LOG) 2>&1 \
		|| { cat $(LOG); echo "make: building carecast failed; the output is above and in $(LOG)"; exit 1; }

# Benchmarks (criterion); see BENCHMARKS.md.
bench:
	cargo bench
