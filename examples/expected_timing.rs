//! How long the expected-value projection takes: the default preset (or the scenario named
//! or given as a file) over four years, monthly, in each mode: the default (ages in single
//! years, rows of fewer than 0.03 children merged), ages in months with the same merging, and
//! exact (ages in months, nothing merged). `cargo run --release --example expected_timing
//! [SCENARIO] [YEARS]`; `RUNS=n` runs each mode n times (default 5) and prints the median and
//! the fastest; `AGE_CELL=w TOLERANCE=x` times that mode only.

use carecast::Scenario;
use carecast::expected::ProjectionOptions;
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
    let runs: usize = std::env::var("RUNS").ok().and_then(|r| r.parse().ok()).unwrap_or(5).max(1);
    let env = |name: &str| std::env::var(name).ok().and_then(|r| r.parse::<f64>().ok());
    let modes: Vec<(&str, ProjectionOptions)> = match (env("AGE_CELL"), env("TOLERANCE")) {
        (None, None) => vec![
            ("default (years, tolerance 0.03)", ProjectionOptions::default()),
            ("months, tolerance 0.03", ProjectionOptions { age_cell_months: 1, ..ProjectionOptions::default() }),
            ("exact (months, no merging)", ProjectionOptions::EXACT),
        ],
        (cell, tolerance) => {
            let default = ProjectionOptions::default();
            vec![(
                "as given",
                ProjectionOptions {
                    age_cell_months: cell.map_or(default.age_cell_months, |w| w as usize),
                    tolerance: tolerance.unwrap_or(default.tolerance),
                },
            )]
        }
    };
    println!("{}, {years} years monthly, {runs} runs of each mode:", scenario.name);
    for (label, options) in modes {
        let mut times = Vec::with_capacity(runs);
        let mut path = None;
        for _ in 0..runs {
            let start = Instant::now();
            path = Some(
                carecast::expected::project_with_options(&scenario, years * 12, &options).expect("a valid scenario"),
            );
            times.push(start.elapsed().as_secs_f64());
        }
        times.sort_by(f64::total_cmp);
        let lac = path.expect("ran").indicator("lac_stock").expect("an indicator");
        println!(
            "  {label:<34} median {:.3} s, fastest {:.3} s; children in care at the end {:.1}",
            times[runs / 2],
            times[0],
            lac[lac.len() - 1]
        );
    }
}
