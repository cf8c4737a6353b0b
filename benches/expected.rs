//! The expected-value projection (`carecast::expected`): the default preset over four years,
//! monthly, with the default tolerance and exactly. Run with `cargo bench --bench expected`;
//! `cargo run --release --example expected_timing` prints the same figure without criterion.

use carecast::Scenario;
use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use std::time::Duration;

fn default_preset_4y(c: &mut Criterion) {
    let scenario = Scenario::default_preset();
    let mut group = c.benchmark_group("expected_default_preset_4y");
    group.sample_size(10).measurement_time(Duration::from_secs(20));
    group.bench_function("default_tolerance", |b| {
        b.iter(|| black_box(carecast::expected::project(&scenario, 48).unwrap()))
    });
    group.bench_function("exact", |b| b.iter(|| black_box(carecast::expected::project_exact(&scenario, 48).unwrap())));
    group.finish();
}

criterion_group!(benches, default_preset_4y);
criterion_main!(benches);
