//! The presets reproduce the seed case's figures (targets and tolerances in docs/calibration.md).
//!
//! Tolerances are about calibration, not noise: with 200 replications the standard error of a
//! mean share is under 0.5 percentage points and of mean children looked after under 5.

use carecast::{Model, RunOptions, Scenario, Silent};

fn run(name: &str, years: usize) -> carecast::RunResults {
    let m = Model::new(&Scenario::preset(name).unwrap()).unwrap();
    m.run(&RunOptions::new(200, years, 20150401), &Silent).unwrap()
}

fn mean_share(results: &carecast::RunResults, name: &str) -> f64 {
    let shares = results.shares_first_year();
    let v = &shares[name];
    v.iter().filter(|x| x.is_finite()).sum::<f64>() / v.iter().filter(|x| x.is_finite()).count() as f64
}

#[test]
fn baseline_reproduces_the_seed_figures() {
    let r = run("wolverhampton-2015", 10);
    let start = r.initial_lac.mean().unwrap();
    assert!((780.0..=802.0).contains(&start), "children looked after on 1 April 2015: {start}");
    let targets = [
        ("share_entries_not_previously_known", 0.41, 0.04),
        ("share_entries_aged_5_plus", 0.52, 0.03),
        ("share_early_help_starts_over_fives", 0.34, 0.02),
        ("share_entries_abuse_neglect", 0.68, 0.03),
    ];
    for (name, target, tolerance) in targets {
        let got = mean_share(&r, name);
        assert!((got - target).abs() <= tolerance, "{name}: {got:.3} vs {target} +/- {tolerance}");
    }
    // The seed's share of early help with over-fives describes 2014/15; that it persists is an
    // assumption, held over the first three financial years (by the old estate's allocation).
    let by_year = &r.shares_by_financial_year()["share_early_help_starts_over_fives"];
    for year in 0..3 {
        let column = by_year.column(year);
        let finite: Vec<f64> = column.iter().copied().filter(|x| x.is_finite()).collect();
        let got = finite.iter().sum::<f64>() / finite.len() as f64;
        assert!((got - 0.34).abs() <= 0.02, "early help with over-fives, financial year {year}: {got:.3} vs 0.34");
    }
    // Roughly level without the redesign: every 31 March within 8% of the start.
    let lac = r.mean("lac_stock").unwrap();
    for t in (11..120).step_by(12) {
        assert!((lac[t] - 790.0).abs() <= 0.08 * 790.0, "month {t}: {:.0} children looked after", lac[t]);
    }
}

/// The redesign's levers bring the numbers in care down well below the baseline by March 2017.
/// Where they land against the seed's 626 is an output of the model, reported with its interval
/// in docs/calibration.md, not pinned here.
#[test]
fn redesign_brings_looked_after_numbers_down() {
    let r = run("wolverhampton-2015-redesign", 2);
    let b = run("wolverhampton-2015", 2);
    let march_2017 = 23;
    assert_eq!(r.month(march_2017).to_string(), "2017-03");
    let lac = r.mean("lac_stock").unwrap()[march_2017];
    let base = b.mean("lac_stock").unwrap()[march_2017];
    assert!(base - lac >= 80.0, "redesign {lac:.0} vs baseline {base:.0}");
}

/// The calibration figures the tests above check, printed (for commit messages when a change
/// to the engine moves them): `cargo test --release --test calibration figures -- --ignored --nocapture`.
#[test]
#[ignore = "prints figures; run by hand"]
fn calibration_figures() {
    let r = run("wolverhampton-2015", 10);
    println!("baseline: children looked after at the start {:.1}", r.initial_lac.mean().unwrap());
    for name in [
        "share_entries_not_previously_known",
        "share_entries_aged_5_plus",
        "share_early_help_starts_over_fives",
        "share_entries_abuse_neglect",
    ] {
        println!("baseline: {name} {:.4}", mean_share(&r, name));
    }
    let lac = r.mean("lac_stock").unwrap();
    let march: Vec<String> = (11..120).step_by(12).map(|t| format!("{:.1}", lac[t])).collect();
    println!("baseline: children looked after each 31 March {}", march.join(" "));
    let moves = r.flows.mean.row(carecast::vocab::Move::PlacementMove.index()).sum();
    let child_months = lac.sum();
    println!("baseline: placement moves per child-year in care {:.4}", moves / child_months * 12.0);
    let pop = r.population().mean_axis(ndarray::Axis(0)).unwrap();
    println!("baseline: population at months 0, 12, 119: {:.1} {:.1} {:.1}", pop[0], pop[12], pop[119]);
    let red = run("wolverhampton-2015-redesign", 2);
    let b = run("wolverhampton-2015", 2);
    println!(
        "redesign: children looked after 31 March 2017 {:.1}; baseline {:.1}",
        red.mean("lac_stock").unwrap()[23],
        b.mean("lac_stock").unwrap()[23]
    );
}
