//! The expected path beside the Monte Carlo means: for a scenario (a preset name or a file),
//! children in care at the end of each year and a few flows per year, with the Monte Carlo
//! mean, its standard error and the difference. The table in docs/expected.md comes from it:
//!
//! ```sh
//! cargo run --release --example expected_bias -- wolverhampton-2015 1000 4
//! ```

use carecast::vocab::Move;
use carecast::{Model, RunOptions, Scenario, Silent};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let name = args.get(1).map_or("wolverhampton-2015", String::as_str);
    let replications: usize = args.get(2).and_then(|x| x.parse().ok()).unwrap_or(1000);
    let years: usize = args.get(3).and_then(|x| x.parse().ok()).unwrap_or(4);
    let scenario = Scenario::preset(name).or_else(|_| Scenario::from_file(name)).expect("a preset or a scenario file");
    let months = years * 12;
    let start = std::time::Instant::now();
    let path = carecast::expected::project(&scenario, months).expect("a valid scenario");
    let projected = start.elapsed().as_secs_f64();
    let start = std::time::Instant::now();
    let results =
        Model::new(&scenario).unwrap().run(&RunOptions::new(replications, years, 20_150_401), &Silent).unwrap();
    let ran = start.elapsed().as_secs_f64();
    println!("{}: expected path {projected:.2} s; Monte Carlo {replications} replications {ran:.1} s", scenario.name);
    println!("{:<36} {:>4} {:>10} {:>10} {:>7} {:>8}", "measure", "year", "expected", "MC mean", "MC se", "EV/MC-1");
    let row = |label: &str, year: usize, ev: f64, per_rep: Vec<f64>| {
        let n = per_rep.len() as f64;
        let mean = per_rep.iter().sum::<f64>() / n;
        let sd = (per_rep.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
        println!(
            "{label:<36} {year:>4} {ev:>10.1} {mean:>10.1} {:>7.1} {:>+7.1}%",
            sd / n.sqrt(),
            100.0 * (ev / mean - 1.0)
        );
    };
    for (label, name, stock) in [
        ("children in care (end of year)", "lac_stock", true),
        ("entries to care", "lac_entries", false),
        ("child protection (end of year)", "stock_child_protection", true),
        ("child in need (end of year)", "stock_child_in_need", true),
        ("early help families (end of year)", "early_help_families", true),
        ("waiting families (end of year)", "early_help_waiting", true),
        ("assessments", "assessments", false),
    ] {
        let ev = path.indicator(name).unwrap();
        let mc = results.indicator(name).unwrap();
        for y in 0..years {
            let span = y * 12..(y + 1) * 12;
            let (e, per_rep): (f64, Vec<f64>) = if stock {
                (ev[span.end - 1], (0..replications).map(|r| mc[[r, span.end - 1]]).collect())
            } else {
                (
                    ev.slice(ndarray::s![span.clone()]).sum(),
                    (0..replications).map(|r| span.clone().map(|t| mc[[r, t]]).sum()).collect(),
                )
            };
            row(label, y + 1, e, per_rep);
        }
    }
    let flows = results.flows_by_replication();
    for mv in [Move::CareToHome, Move::KnownToReferral, Move::EarlyHelpStart] {
        let ev = path.flow(mv);
        for y in 0..years {
            let span = y * 12..(y + 1) * 12;
            let e: f64 = span.clone().map(|t| ev[t]).sum();
            let per_rep = (0..replications).map(|r| span.clone().map(|t| flows[[r, mv.index(), t]]).sum()).collect();
            row(mv.label(), y + 1, e, per_rep);
        }
    }
}
