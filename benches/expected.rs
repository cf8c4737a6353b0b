//! The expected-value projection (`carecast::expected`): the default preset over four years,
//! monthly, in each mode: the default (ages in windows of single years, rows of fewer than
//! 0.03 children merged), ages in months with the same merging, and exact. Run with `cargo
//! bench --bench expected`; `cargo run --release --example expected_timing` prints the same
//! figures without criterion.

use carecast::Scenario;
use carecast::expected::ProjectionOptions;
use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use std::time::Duration;

fn default_preset_4y(c: &mut Criterion) {
    let scenario = Scenario::default_preset();
    let mut group = c.benchmark_group("expected_default_preset_4y");
    group.sample_size(10).measurement_time(Duration::from_secs(20));
    group.bench_function("default", |b| b.iter(|| black_box(carecast::expected::project(&scenario, 48).unwrap())));
    let months = ProjectionOptions { age_cell_months: 1, ..ProjectionOptions::default() };
    group.bench_function("months_default_tolerance", |b| {
        b.iter(|| black_box(carecast::expected::project_with_options(&scenario, 48, &months).unwrap()))
    });
    group.bench_function("exact", |b| b.iter(|| black_box(carecast::expected::project_exact(&scenario, 48).unwrap())));
    group.finish();
}

criterion_group!(benches, default_preset_4y);
criterion_main!(benches);
