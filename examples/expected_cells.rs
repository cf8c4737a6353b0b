//! What the age cells and the merging change: the expected path of a scenario (a preset name
//! or a file) with the given options beside the exact one (ages in months, nothing merged),
//! year by year. The table in docs/expected.md ("Speed") comes from it:
//!
//! ```sh
//! cargo run --release --example expected_cells -- wolverhampton-2015 4        # the default options
//! AGE_CELL=3 TOLERANCE=0.01 cargo run --release --example expected_cells -- wolverhampton-2015 4
//! ```
//!
//! `BY_YEAR=1` adds first entries to care by single year of age.

use carecast::Scenario;
use carecast::expected::{ExpectedPath, ProjectionOptions};
use carecast::vocab::{AgeBand, State};
use ndarray::{Axis, s};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let name = args.get(1).map_or("wolverhampton-2015", String::as_str);
    let years: usize = args.get(2).and_then(|x| x.parse().ok()).unwrap_or(4);
    let scenario = Scenario::preset(name).or_else(|_| Scenario::from_file(name)).expect("a preset or a scenario file");
    let env = |name: &str| std::env::var(name).ok().and_then(|r| r.parse::<f64>().ok());
    let default = ProjectionOptions::default();
    let options = ProjectionOptions {
        age_cell_months: env("AGE_CELL").map_or(default.age_cell_months, |w| w as usize),
        tolerance: env("TOLERANCE").unwrap_or(default.tolerance),
    };
    let months = years * 12;
    let path = carecast::expected::project_with_options(&scenario, months, &options).expect("a valid scenario");
    let exact = carecast::expected::project_exact(&scenario, months).expect("a valid scenario");
    println!(
        "{}: cells of {} months, tolerance {} beside exact; relative difference by year",
        scenario.name, options.age_cell_months, options.tolerance
    );
    let end_of_year = |p: &ExpectedPath, f: &dyn Fn(&ExpectedPath, usize) -> f64| -> Vec<f64> {
        (0..years).map(|y| f(p, 12 * y + 11)).collect()
    };
    let in_year = |p: &ExpectedPath, f: &dyn Fn(&ExpectedPath, usize) -> f64| -> Vec<f64> {
        (0..years).map(|y| (12 * y..12 * y + 12).map(|t| f(p, t)).sum()).collect()
    };
    let row = |label: &str, a: Vec<f64>, b: Vec<f64>| {
        let cells: Vec<String> =
            a.iter().zip(&b).map(|(x, y)| format!("{x:>9.1} / {y:>9.1} {:>+6.2}%", 100.0 * (x / y - 1.0))).collect();
        println!("{label:<40} {}", cells.join("  "));
    };
    let indicator = |name: &'static str| move |p: &ExpectedPath, t: usize| p.indicator(name).unwrap()[t];
    for (label, name) in [
        ("children in care, end of year", "lac_stock"),
        ("child protection, end of year", "stock_child_protection"),
        ("child in need, end of year", "stock_child_in_need"),
        ("families in early help, end of year", "early_help_families"),
        ("families waiting, end of year", "early_help_waiting"),
    ] {
        row(label, end_of_year(&path, &indicator(name)), end_of_year(&exact, &indicator(name)));
    }
    for band in AgeBand::ALL {
        let f =
            move |p: &ExpectedPath, t: usize| p.stocks.slice(s![State::LookedAfter.index(), band.index(), .., t]).sum();
        row(&format!("  in care aged {}", band.label()), end_of_year(&path, &f), end_of_year(&exact, &f));
    }
    for (label, name) in [
        ("entries to care", "lac_entries"),
        ("  first entries under 1", "first_entries_age_0"),
        ("  first entries 1-4", "first_entries_age_1_4"),
        ("  first entries 5-9", "first_entries_age_5_9"),
        ("  first entries 10-15", "first_entries_age_10_15"),
        ("  first entries 16-17", "first_entries_age_16_17"),
        ("  re-entries", "lac_reentries"),
        ("exits from care", "lac_exits"),
        ("early help starts (families)", "early_help_starts"),
        ("assessments", "assessments"),
    ] {
        if exact.indicator(name).is_none() {
            println!("{label:<40} (no indicator {name})");
            continue;
        }
        row(label, in_year(&path, &indicator(name)), in_year(&exact, &indicator(name)));
    }
    if std::env::var_os("BY_YEAR").is_some() {
        // First entries by single year of age (`BY_YEAR=1`).
        for (year, series) in carecast::outputs::Series::FIRST_ENTRIES_BY_AGE.into_iter().enumerate() {
            let name = carecast::outputs::Series::NAMES[series as usize];
            row(
                &format!("  first entries aged {year}"),
                in_year(&path, &indicator(name)),
                in_year(&exact, &indicator(name)),
            );
        }
    }
    let care_leavers = |p: &ExpectedPath, t: usize| p.flows[[carecast::vocab::Move::CareToLeaver.index(), t]];
    row("care leavers at 18", in_year(&path, &care_leavers), in_year(&exact, &care_leavers));
    let population = |p: &ExpectedPath, t: usize| p.stocks.index_axis(Axis(3), t).sum();
    row("children, end of year", end_of_year(&path, &population), end_of_year(&exact, &population));
}
