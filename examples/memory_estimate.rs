//! The memory estimate of a run beside what the run uses: prints the estimate, runs, and leaves
//! the peak to `/usr/bin/time -v` (maximum resident set size).
//!
//! ```text
//! /usr/bin/time -v cargo run --release --example memory_estimate -- [CHILDREN] [LOCALITIES] [REPLICATIONS] [YEARS] [THREADS]
//! ```

use carecast::engine::format_bytes;
use carecast::{Model, RunOptions, Scenario, Silent};
use serde_json::json;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |i: usize, default: usize| args.get(i).and_then(|s| s.parse().ok()).unwrap_or(default);
    let children = arg(0, 57_000);
    let localities = arg(1, 8);
    let replications = arg(2, 100);
    let years = arg(3, 10);
    let threads = arg(4, 2);
    let base = Scenario::default_preset();
    let share = 1.0 / localities as f64;
    let locs: Vec<_> = (0..localities)
        .map(|i| json!({"name": format!("L{i}"), "population_share": share, "need": {"low": 0.5, "moderate": 0.35, "high": 0.15}}))
        .collect();
    let scale = children as f64 / f64::from(base.population.under_18);
    let i = &base.population.initial;
    let scaled = |n: u32| (f64::from(n) * scale).round() as u64;
    let scenario = base
        .updated(json!({"population": {"under_18": children, "localities": locs, "initial": {
            "looked_after": scaled(i.looked_after),
            "child_protection": scaled(i.child_protection),
            "child_in_need": scaled(i.child_in_need),
            "early_help_families": scaled(i.early_help_families),
            "waiting_families": scaled(i.waiting_families),
        }}}))
        .expect("valid scenario");
    let model = Model::new(&scenario).expect("compiles");
    let options = RunOptions::new(replications, years, 1).threads(threads);
    let e = model.memory_estimate(&options);
    println!(
        "estimate {} = {} a replication x {} + summaries {} + in flight {} (batch {}) + worlds {}",
        format_bytes(e.total),
        format_bytes(e.per_replication),
        e.replications,
        format_bytes(e.summaries),
        format_bytes(e.in_flight),
        e.batch,
        format_bytes(e.worlds)
    );
    match model.run(&options, &Silent) {
        Ok(r) => println!("ran {} replications", r.replications),
        Err(err) => println!("{err}"),
    }
}
