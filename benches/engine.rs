//! Engine benchmarks, one per workload a user cares about.
//!
//! - `default_preset_10y/*`: the default preset (Wolverhampton, 57,000 children) over 10 years,
//!   reported as replications per second and as child-months per second.
//! - `slider_3y/replications`: a slider's redraw, 40 replications of the default preset over
//!   3 years (the starting caseload weighs more here than over 10 years).
//! - `population_scaling/*`: the never-contacted population grown 1x, 4x and 16x at a fixed
//!   caseload (contact rates divided by the same factor), to show what the population itself
//!   costs. An engine whose work grows with contacts and cases keeps these close together.
//!
//! Run with `cargo bench` (or `make bench`); figures are recorded in BENCHMARKS.md.

use carecast::{Model, RunOptions, Scenario, Silent};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use serde_json::{Value, json};
use std::hint::black_box;
use std::time::Duration;

const REPLICATIONS: usize = 16;
const YEARS: usize = 10;

fn default_preset(c: &mut Criterion) {
    let scenario = Scenario::default_preset();
    let model = Model::new(&scenario).unwrap();
    let options = RunOptions::new(REPLICATIONS, YEARS, 1);
    let child_months = u64::from(scenario.population.under_18) * (YEARS as u64 * 12) * REPLICATIONS as u64;
    let mut group = c.benchmark_group("default_preset_10y");
    group.sample_size(10).measurement_time(Duration::from_secs(15));
    group.throughput(Throughput::Elements(REPLICATIONS as u64));
    group.bench_function("replications", |b| b.iter(|| black_box(model.run(&options, &Silent).unwrap())));
    group.throughput(Throughput::Elements(child_months));
    group.bench_function("child_months", |b| b.iter(|| black_box(model.run(&options, &Silent).unwrap())));
    group.finish();
}

fn slider(c: &mut Criterion) {
    const SLIDER_REPLICATIONS: usize = 40;
    let model = Model::new(&Scenario::default_preset()).unwrap();
    let options = RunOptions::new(SLIDER_REPLICATIONS, 3, 1);
    let mut group = c.benchmark_group("slider_3y");
    group.sample_size(10).measurement_time(Duration::from_secs(10));
    group.throughput(Throughput::Elements(SLIDER_REPLICATIONS as u64));
    group.bench_function("replications", |b| b.iter(|| black_box(model.run(&options, &Silent).unwrap())));
    group.finish();
}

/// The default preset with `factor` times the population and contact rates divided by
/// `factor`, so that contacts and the caseload stay the same.
pub fn scaled_population(factor: u32) -> Scenario {
    let base = Scenario::default_preset();
    let mut value = base.to_value();
    value["population"]["under_18"] = json!(base.population.under_18 * factor);
    for pool in ["not_known", "previously_known"] {
        for route in ["identification", "referral", "crisis_care_entry"] {
            let rates = value["hazards"][pool][route].as_object_mut().unwrap();
            for v in rates.values_mut() {
                *v = json!(v.as_f64().unwrap() / f64::from(factor));
            }
        }
    }
    // Early help hazards are relative to the never-known rates just divided: scale them back so
    // families in early help keep their risk.
    for key in ["step_up_multiplier", "care_entry_multiplier"] {
        let v: &mut Value = &mut value["hazards"]["early_help"][key];
        *v = json!(v.as_f64().unwrap() * f64::from(factor));
    }
    Scenario::from_value(value, "scaled").unwrap()
}

fn population_scaling(c: &mut Criterion) {
    let mut group = c.benchmark_group("population_scaling");
    group.sample_size(10).measurement_time(Duration::from_secs(10));
    group.throughput(Throughput::Elements(REPLICATIONS as u64));
    for factor in [1u32, 4, 16] {
        let model = Model::new(&scaled_population(factor)).unwrap();
        let options = RunOptions::new(REPLICATIONS, YEARS, 1);
        group.bench_with_input(BenchmarkId::from_parameter(format!("{factor}x")), &factor, |b, _| {
            b.iter(|| black_box(model.run(&options, &Silent).unwrap()))
        });
    }
    group.finish();
}

criterion_group!(benches, default_preset, slider, population_scaling);
criterion_main!(benches);
