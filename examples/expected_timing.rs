//! How long the expected-value projection takes: the default preset (or the scenario named
//! or given as a file) over four years, monthly. `cargo run --release --example
//! expected_timing [SCENARIO] [YEARS]`.

use carecast::Scenario;
use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let scenario = match args.get(1) {
        Some(name) => {
            Scenario::preset(name).or_else(|_| Scenario::from_file(name)).expect("a preset or a scenario file")
        }
        None => Scenario::default_preset(),
    };
    let years: usize = args.get(2).and_then(|y| y.parse().ok()).unwrap_or(4);
    let runs = std::env::var("RUNS").ok().and_then(|r| r.parse().ok()).unwrap_or(10);
    let mut best = f64::INFINITY;
    let mut path = None;
    for _ in 0..runs {
        let start = Instant::now();
        let tolerance = std::env::var("TOLERANCE")
            .ok()
            .and_then(|r| r.parse().ok())
            .unwrap_or(carecast::expected::DEFAULT_TOLERANCE);
        path = Some(
            carecast::expected::project_with_tolerance(&scenario, years * 12, tolerance).expect("a valid scenario"),
        );
        best = best.min(start.elapsed().as_secs_f64());
    }
    let path = path.expect("ran");
    let lac = path.indicator("lac_stock").expect("an indicator");
    println!(
        "{}: {} years monthly in {:.3} s (best of {runs}); children in care at the end {:.1}",
        scenario.name,
        years,
        best,
        lac[lac.len() - 1]
    );
}
