//! Run a preset or scenario file and print a summary: the calibration targets, stocks and flows.
//!
//! ```text
//! cargo run --release --example run -- [PRESET|FILE] [REPLICATIONS] [YEARS] [SEED]
//! ```

use carecast::outputs::quantile_sorted;
use carecast::vocab::{Move, State};
use carecast::{Model, RunOptions, Scenario, Silent};
use std::time::Instant;

fn stats(v: &[f64]) -> (f64, f64, f64) {
    let mut s: Vec<f64> = v.iter().copied().filter(|x| x.is_finite()).collect();
    s.sort_by(f64::total_cmp);
    let mean = s.iter().sum::<f64>() / s.len().max(1) as f64;
    (mean, quantile_sorted(&s, 0.05), quantile_sorted(&s, 0.95))
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let which = args.first().map_or(carecast::DEFAULT_PRESET, String::as_str);
    let reps: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(200);
    let years: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(10);
    let seed: u64 = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(20150401);
    let scenario =
        if std::path::Path::new(which).exists() { Scenario::from_file(which) } else { Scenario::preset(which) };
    let scenario = match scenario {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(2);
        }
    };
    let model = Model::new(&scenario).expect("validated scenario compiles");
    let started = Instant::now();
    let results = model.run(&RunOptions::new(reps, years, seed), &Silent).expect("run");
    let elapsed = started.elapsed().as_secs_f64();
    println!("{} — {reps} replications x {years} years, seed {seed}: {elapsed:.2} s", scenario.name);
    let (m, lo, hi) = stats(results.initial_lac.as_slice().unwrap());
    println!("\nlooked after at start: {m:.0} (90% {lo:.0}-{hi:.0})");
    let lac = results.indicator("lac_stock").unwrap();
    if results.months > 6 {
        let (m, lo, hi) = stats(&lac.column(6).to_vec());
        println!("looked after at the end of {}: {m:.0} (90% {lo:.0}-{hi:.0})", results.month(6));
    }
    println!("looked after at the end of March each year (mean, 90% interval):");
    for t in (11..results.months).step_by(12) {
        let (m, lo, hi) = stats(&lac.column(t).to_vec());
        println!("  {}  {m:6.0}  ({lo:.0}-{hi:.0})", results.month(t));
    }
    println!("\nshares over the first 12 months (mean, 90% interval):");
    for (name, v) in results.shares_first_year() {
        let (m, lo, hi) = stats(v.as_slice().unwrap());
        println!("  {name:38} {:5.1}%  ({:.1}-{:.1})", m * 100.0, lo * 100.0, hi * 100.0);
    }
    let per_year = |name: &str| {
        let a = results.indicator(name).unwrap();
        let yrs = results.months as f64 / 12.0;
        a.sum() / results.replications as f64 / yrs
    };
    println!("\nper year (mean over the run):");
    for name in ["lac_entries", "lac_reentries", "lac_exits", "assessments", "early_help_starts", "care_proceedings"] {
        println!("  {name:28} {:8.0}", per_year(name));
    }
    println!("\nmean stocks at months 1, 12, 24, 60, 120:");
    for s in State::ALL {
        let a = results.indicator(&format!("stock_{}", State::LABELS[s.index()])).unwrap();
        let mean = a.mean_axis(ndarray::Axis(0)).unwrap();
        let row: Vec<String> = [0usize, 11, 23, 59, 119]
            .iter()
            .filter(|&&t| t < results.months)
            .map(|&t| format!("{:8.0}", mean[t]))
            .collect();
        println!("  {:20} {}", State::LABELS[s.index()], row.join(""));
    }
    let w = results.indicator("early_help_waiting").unwrap().mean_axis(ndarray::Axis(0)).unwrap();
    println!("  {:20} {:8.0} (families, month 12)", "eh waiting", w[11.min(results.months - 1)]);
    let f = results.indicator("early_help_families").unwrap().mean_axis(ndarray::Axis(0)).unwrap();
    println!("  {:20} {:8.0} (families, month 12)", "eh families", f[11.min(results.months - 1)]);
    println!("\nflows (children, mean): first 12 months, and per year over the run");
    let flows = &results.flows.mean;
    let yrs = results.months as f64 / 12.0;
    for (i, label) in Move::LABELS.iter().enumerate() {
        let first: f64 = flows.row(i).iter().take(12).sum();
        let total: f64 = flows.row(i).sum() / yrs;
        println!("  {label:36} {first:9.0} {total:9.0}");
    }
}
