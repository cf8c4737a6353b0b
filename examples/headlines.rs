//! Write every replication's headline figures, one row per replication, as CSV: each
//! indicator by financial year (stocks at the year's last month, flows and activity summed over
//! it), every move's yearly count, the first year's shares, and the yearly costs.
//!
//! ```text
//! cargo run --release --example headlines -- [PRESET|FILE] REPLICATIONS YEARS SEED OUT.csv
//! ```
//!
//! It uses only the public API that has not changed since issue 12's first round, so
//! `scripts/side_by_side.py` copies it into an older checkout to set two engines side by side.

use carecast::finance::{Basis, CostModel};
use carecast::vocab::Move;
use carecast::{Model, RunOptions, RunResults, Scenario, Silent};
use std::io::Write;

/// Indicators that are a level at a moment (taken at the year's last month), not a count over
/// the month (summed over the year).
fn is_stock(name: &str) -> bool {
    ["stock_", "looked_after_", "legal_status_"].iter().any(|p| name.starts_with(p))
        || ["lac_stock", "lac_rate_per_10k", "population", "uasc_in_care", "early_help_waiting"].contains(&name)
}

/// Columns of the months of each financial year, in order.
fn year_spans(results: &RunResults) -> Vec<(i32, Vec<usize>)> {
    results
        .financial_years()
        .into_iter()
        .map(|y| (y, (0..results.months).filter(|&t| results.month(t).financial_year() == y).collect()))
        .collect()
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() != 5 {
        eprintln!("usage: headlines [PRESET|FILE] REPLICATIONS YEARS SEED OUT.csv");
        std::process::exit(2);
    }
    let parse = |i: usize, what: &str| -> u64 {
        args[i].parse().unwrap_or_else(|_| {
            eprintln!("error: {what} must be a whole number, not {:?}", args[i]);
            std::process::exit(2)
        })
    };
    let (reps, years, seed) = (parse(1, "REPLICATIONS") as usize, parse(2, "YEARS") as usize, parse(3, "SEED"));
    let which = args[0].as_str();
    let scenario =
        if std::path::Path::new(which).exists() { Scenario::from_file(which) } else { Scenario::preset(which) };
    let scenario = scenario.unwrap_or_else(|e| {
        eprintln!("error: {e}");
        std::process::exit(2)
    });
    let model = Model::new(&scenario).expect("validated scenario compiles");
    let results = model.run(&RunOptions::new(reps, years, seed), &Silent).expect("run");
    let spans = year_spans(&results);

    let mut names: Vec<String> = Vec::new();
    let mut columns: Vec<Vec<f64>> = Vec::new();
    let mut yearly = |label: &str, a: &ndarray::Array2<f64>, stock: bool| {
        for (y, months) in &spans {
            let full_year = months.len() == 12;
            if stock {
                names.push(format!("{label}@{y}-end"));
                columns.push((0..reps).map(|r| a[[r, *months.last().expect("a year has months")]]).collect());
            } else if full_year {
                names.push(format!("{label}@{y}"));
                columns.push((0..reps).map(|r| months.iter().map(|&t| a[[r, t]]).sum()).collect());
            }
        }
    };
    for name in RunResults::indicator_names() {
        let a = results.indicator(&name).expect("listed indicators exist");
        yearly(&name, &a, is_stock(&name));
    }
    for mv in Move::ALL {
        yearly(&format!("move_{}", mv.label()), &results.flow(mv), false);
    }
    let costs = CostModel::new(&scenario).expect("validated scenario costs");
    let total = costs.costs(&results).monthly_total(Basis::Real, |_| true);
    yearly("cost_real_total", &total, false);
    for (name, shares) in results.shares_first_year() {
        names.push(format!("share_first_year_{name}"));
        columns.push(shares.to_vec());
    }

    let out = std::fs::File::create(&args[4]).unwrap_or_else(|e| {
        eprintln!("error: cannot write {}: {e}", args[4]);
        std::process::exit(2)
    });
    let mut out = std::io::BufWriter::new(out);
    writeln!(out, "replication,{}", names.join(",")).expect("write");
    for r in 0..reps {
        let row: Vec<String> = columns.iter().map(|c| c[r].to_string()).collect();
        writeln!(out, "{r},{}", row.join(",")).expect("write");
    }
    out.flush().expect("write");
    eprintln!("{} replications x {} figures written to {}", reps, names.len(), args[4]);
}
