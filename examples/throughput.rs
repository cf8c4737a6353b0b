//! The speed goal's workload: 1,000 replications x 10 years of the default preset, on every core.
//! Prints each of three runs and their median.
//!
//! ```text
//! cargo run --release --example throughput [REPLICATIONS] [THREADS] [YEARS]
//! ```
//!
//! A slider's redraw is `-- 40 2 3` (40 replications x 3 years on 2 threads).

use carecast::{Model, RunOptions, Scenario, Silent};
use std::time::Instant;

fn main() {
    let reps: usize = std::env::args().nth(1).and_then(|s| s.parse().ok()).unwrap_or(1000);
    let model = Model::new(&Scenario::default_preset()).expect("default preset");
    let threads: usize = std::env::args()
        .nth(2)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let years: usize = std::env::args().nth(3).and_then(|s| s.parse().ok()).unwrap_or(10);
    let mut times = Vec::new();
    for run in 0..3 {
        let t = Instant::now();
        let r = model.run(&RunOptions::new(reps, years, 1 + run).threads(threads), &Silent).expect("run");
        let secs = t.elapsed().as_secs_f64();
        let child_months = f64::from(model.scenario.population.under_18) * (years * 12) as f64 * reps as f64;
        println!(
            "run {}: {reps} replications x {years} years in {secs:.2} s ({:.0} replications/s, {:.2e} child-months/s), mean LAC at the end {:.0}",
            run + 1,
            reps as f64 / secs,
            child_months / secs,
            r.mean("lac_stock").unwrap()[years * 12 - 1]
        );
        times.push(secs);
    }
    times.sort_by(f64::total_cmp);
    println!("median {:.2} s on {threads} threads", times[1]);
}
