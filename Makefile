# The README's two commands: `make run` and `make test`. Each sets up what it needs first.
.PHONY: run test test-rust bench

# Run the default scenario (wolverhampton-2015) and print a summary.
run:
	cargo run --release --example run

# Every test.
test: test-rust

test-rust:
	cargo test --release --all-targets
	cargo test --release --doc
	python3 scripts/scenario_reference.py --check

# Benchmarks (criterion); see BENCHMARKS.md.
bench:
	cargo bench
