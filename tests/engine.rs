//! The engine: every child accounted for, invariants, reproducibility, common random numbers,
//! and agreement with an expected-value calculation written separately from the engine.

use carecast::engine::audit;
use carecast::vocab::{Move, Placement};
use carecast::{Model, RunOptions, Scenario, Silent};
use ndarray::Axis;
use serde_json::json;

fn model(name: &str) -> Model {
    Model::new(&Scenario::preset(name).unwrap()).unwrap()
}

#[test]
fn every_child_is_accounted_for_every_month() {
    // population(t) = population(t-1) + births(t) - children who left the model in month t.
    // Families moving away are replaced by newcomers of the same ages, so they net to zero.
    for name in carecast::preset_names() {
        let results = model(name).run(&RunOptions::new(4, 10, 11), &Silent).unwrap();
        let flows = &results.flows_by_replication();
        let population = results.population();
        let leaving = [
            Move::CareToAdoption,
            Move::CareToSpecialGuardianship,
            Move::CareToLeaver,
            Move::CareToOtherExit,
            Move::TurnedEighteen,
        ];
        for r in 0..results.replications {
            for t in 1..results.months {
                let births = flows[[r, Move::Birth.index(), t]];
                let left: f64 = leaving.iter().map(|m| flows[[r, m.index(), t]]).sum();
                let expected = population[[r, t - 1]] + births - left;
                assert_eq!(population[[r, t]], expected, "{name} replication {r} month {t}");
            }
            // Re-entries are a part of entries, and happen.
            let entries = results.indicator("lac_entries").unwrap();
            let reentries = results.indicator("lac_reentries").unwrap();
            assert!(reentries.row(r).iter().zip(entries.row(r)).all(|(re, e)| re <= e));
            assert!(reentries.row(r).sum() > 0.0, "{name}: no child re-entered care in 10 years");
            // And the population stays near its published size.
            let pop = population[[r, results.months - 1]];
            assert!((pop - 57_000.0).abs() < 57_000.0 * 0.03, "{name}: population drifted to {pop}");
        }
    }
}

#[test]
fn invariants_hold_every_month() {
    for name in carecast::preset_names() {
        let m = model(name);
        for rep in 0..3 {
            audit(&m, 5, rep, 120).unwrap_or_else(|e| panic!("{name} replication {rep}: {e}"));
        }
    }
}

#[test]
fn capacity_binds_and_is_never_exceeded() {
    // A tight capacity: the audit checks no start takes a locality above its places; here we
    // also check the waiting list forms and the caseload sits at the places.
    let s = Scenario::default_preset()
        .updated(json!({"policy": {"early_help": {"places": 200, "distribution": "even"}}}))
        .unwrap();
    let m = Model::new(&s).unwrap();
    audit(&m, 9, 0, 36).unwrap();
    let results = m.run(&RunOptions::new(4, 3, 9), &Silent).unwrap();
    let caseload = &results.caseloads.mean;
    for l in 0..8 {
        // 200 places over 8 localities: 25 each; after the inherited caseload drains, at 25.
        assert!(caseload[[l, 35]] <= 25.0, "locality {l}: {}", caseload[[l, 35]]);
        assert!(caseload[[l, 35]] >= 24.0, "locality {l}: {}", caseload[[l, 35]]);
    }
    let waiting = results.indicator("early_help_waiting").unwrap();
    assert!(waiting.column(35).iter().all(|&w| w > 50.0), "no waiting list formed: {waiting:?}");
    // Intensive support never above its places.
    let s = Scenario::preset("wolverhampton-2015-redesign").unwrap();
    let results = Model::new(&s).unwrap().run(&RunOptions::new(4, 3, 9), &Silent).unwrap();
    let sis = results.indicator("intensive_support_cases").unwrap();
    assert!(sis.iter().all(|&x| x <= 60.0));
    assert!(sis.column(30).iter().all(|&x| x >= 50.0), "intensive support not used: {:?}", sis.column(30));
}

#[test]
fn same_seed_same_numbers_whatever_the_thread_count() {
    let m = model("wolverhampton-2015-redesign");
    let one = m.run(&RunOptions::new(20, 3, 77).threads(1), &Silent).unwrap();
    let two = m.run(&RunOptions::new(20, 3, 77).threads(2), &Silent).unwrap();
    assert_eq!(one.series(), two.series());
    assert_eq!(one.state_totals(), two.state_totals());
    assert_eq!(one.flows_by_replication(), two.flows_by_replication());
    assert_eq!(one.stocks.mean, two.stocks.mean);
    assert_eq!(one.stocks.p95, two.stocks.p95);
    let other_seed = m.run(&RunOptions::new(20, 3, 78).threads(2), &Silent).unwrap();
    assert_ne!(one.series(), other_seed.series());
}

#[test]
fn golden_values_for_a_fixed_seed() {
    // Pinned output: any change to these numbers must be a deliberate, reviewed decision.
    let results = model("wolverhampton-2015").run(&RunOptions::new(2, 2, 20150401).threads(1), &Silent).unwrap();
    let lac = results.indicator("lac_stock").unwrap();
    let entries = results.indicator("lac_entries").unwrap();
    let got: Vec<f64> = (0..24).step_by(6).map(|t| lac[[0, t]]).collect();
    let got_entries: f64 = entries.row(1).sum();
    let waiting = results.indicator("early_help_waiting").unwrap()[[1, 23]];
    // (children looked after in replication 0 every 6 months, entries to care over two years
    // in replication 1, families waiting for early help in replication 1 at month 24)
    assert_eq!((got, got_entries, waiting), (vec![782.0, 789.0, 780.0, 808.0], 659.0, 257.0));
}

#[test]
fn common_random_numbers_make_paired_differences_precise() {
    // A policy with no parameter uncertainty: intensive support for 60 families, hazard ratio 0.6.
    let base = Scenario::default_preset();
    let policy =
        base.updated(json!({"policy": {"intensive_support": {"places": 60, "effect_on_care_entry": 0.6}}})).unwrap();
    let reps = 60;
    let opts = |seed| RunOptions::new(reps, 3, seed);
    let a = Model::new(&base).unwrap().run(&opts(1), &Silent).unwrap();
    let b_paired = Model::new(&policy).unwrap().run(&opts(1), &Silent).unwrap();
    let b_indep = Model::new(&policy).unwrap().run(&opts(2), &Silent).unwrap();
    // Child-months in care over three years, per replication.
    let months = |r: &carecast::RunResults| r.indicator("lac_stock").unwrap().sum_axis(Axis(1));
    let (ma, mp, mi) = (months(&a), months(&b_paired), months(&b_indep));
    let var = |d: ndarray::Array1<f64>| d.var(1.0);
    let paired = var(&mp - &ma);
    let independent = var(&mi - &ma);
    eprintln!("variance of the difference: paired {paired:.0}, independent {independent:.0}");
    assert!(paired < independent / 4.0, "paired {paired} vs independent {independent}");
    // The policy does something, in the right direction.
    assert!((&mp - &ma).mean().unwrap() < 0.0);
}

/// A small, capacity-free configuration: one locality, families of one child, only crisis
/// entries from the never-known population, a constant rate of returning home (to a closed case
/// that never reopens), leaving at 18.
fn crisis_only() -> Scenario {
    let zeros = json!({"age_0": 0.0, "age_1_4": 0.0, "age_5_9": 0.0, "age_10_15": 0.0, "age_16_17": 0.0});
    Scenario::default_preset()
        .updated(json!({
            "population": {
                "under_18": 20000,
                "family_size": [1.0],
                "move_away_rate": 0.0,
                "family_birth_rate": 0.0,
                "localities": [{"name": "A", "population_share": 1.0, "need": {"low": 0.0, "moderate": 1.0, "high": 0.0}}],
                "initial": {"looked_after": 0, "child_protection": 0, "child_in_need": 0,
                            "early_help_families": 0, "waiting_families": 0, "previously_known_share": 0.0}
            },
            "hazards": {
                "not_known": {"identification": zeros, "referral": zeros,
                              "crisis_care_entry": {"age_0": 0.02, "age_1_4": 0.004, "age_5_9": 0.003, "age_10_15": 0.005, "age_16_17": 0.01}},
                "previously_known": {"identification": zeros, "referral": zeros, "crisis_care_entry": zeros},
                "looked_after": {"return_home": {"under_6_months": 0.5, "months_6_to_24": 0.5, "over_24_months": 0.5},
                                  "adoption_under_5": 0.0, "special_guardianship": 0.0, "other_exit": 0.0,
                                  "placement_move": 0.0,
                                  "return_to": {"child_protection": 0.0, "child_in_need": 0.0, "known_closed": 1.0}}
            }
        }))
        .unwrap()
}

/// Expected children in care by month for [`crisis_only`], by a deterministic cohort recursion
/// written from the model's definition, not from the engine's code.
fn expected_lac(months: usize) -> Vec<f64> {
    let per_month = 20000.0 / 216.0;
    let crisis = [0.02, 0.004, 0.003, 0.005, 0.01].map(|r: f64| r / 12.0);
    let exit = 1.0 - (-0.5f64 / 12.0).exp();
    let band = |age_months: i64| match age_months / 12 {
        0 => 0,
        1..=4 => 1,
        5..=9 => 2,
        10..=15 => 3,
        _ => 4,
    };
    // Cohorts by birth month (relative to the start), from -215 to months - 1.
    let offset = 215i64;
    let n = offset as usize + months + 1;
    let mut never_known = vec![0.0; n];
    let mut in_care = vec![0.0; n];
    for b in -215..=0i64 {
        never_known[(b + offset) as usize] = per_month;
    }
    let mut out = Vec::with_capacity(months);
    for t in 0..months as i64 {
        // The 18th birthday: out of every table; births at the start of the month (the cohort
        // born in month 0 is in the starting position).
        let b18 = t - 216;
        if b18 >= -offset {
            never_known[(b18 + offset) as usize] = 0.0;
            in_care[(b18 + offset) as usize] = 0.0;
        }
        if t > 0 {
            never_known[(t + offset) as usize] += per_month;
        }
        // Crisis entries this month, then returns home among those already in care.
        let mut entering = vec![0.0; n];
        for b in (t - 215).max(-offset)..=t.min(months as i64 - 1) {
            let i = (b + offset) as usize;
            let e = never_known[i] * crisis[band(t - b)];
            never_known[i] -= e;
            entering[i] = e;
        }
        for i in 0..n {
            in_care[i] = in_care[i] * (1.0 - exit) + entering[i];
        }
        out.push(in_care.iter().sum());
    }
    out
}

#[test]
fn monte_carlo_mean_agrees_with_expected_values() {
    let months = 60;
    let reps = 400;
    let results = Model::new(&crisis_only()).unwrap().run(&RunOptions::new(reps, 5, 3), &Silent).unwrap();
    let lac = results.indicator("lac_stock").unwrap();
    let expected = expected_lac(months);
    for t in [5usize, 11, 23, 35, 59] {
        let col = lac.column(t);
        let mean = col.mean().unwrap();
        let se = col.std(1.0) / (reps as f64).sqrt();
        // Four standard errors of Monte Carlo noise, plus 1% for the engine's whole-number
        // rounding of cohort sizes and the within-month order of draws.
        let tolerance = 4.0 * se + 0.01 * expected[t];
        assert!(
            (mean - expected[t]).abs() < tolerance,
            "month {t}: Monte Carlo {mean:.1} vs expected {:.1} (tolerance {tolerance:.1})",
            expected[t]
        );
    }
}

#[test]
fn cancellation_stops_a_run() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    /// Asks to stop at the first report, and counts the reports.
    struct StopAtFirstReport(AtomicUsize);
    impl carecast::Progress for StopAtFirstReport {
        fn update(&self, _done: usize, _total: usize) -> bool {
            self.0.fetch_add(1, Ordering::Relaxed);
            false
        }
    }
    let m = model("wolverhampton-2015");
    let progress = StopAtFirstReport(AtomicUsize::new(0));
    let e = m.run(&RunOptions::new(100, 1, 1).threads(1), &progress).unwrap_err();
    assert_eq!(progress.0.load(Ordering::Relaxed), 1, "the run went on after being told to stop");
    match e {
        carecast::CarecastError::Cancelled { completed, total } => {
            assert!(completed < total);
            assert_eq!(total, 100);
        }
        other => panic!("expected Cancelled, got {other:?}"),
    }
}

#[test]
fn bad_run_options_are_errors() {
    let m = model("wolverhampton-2015");
    for opts in [RunOptions::new(0, 1, 1), RunOptions::new(1, 0, 1), RunOptions::new(1, 1, 1).threads(0)] {
        let e = m.run(&opts, &Silent).unwrap_err();
        assert!(matches!(e, carecast::CarecastError::RunOption { .. }), "{e:?}");
    }
}

#[test]
fn event_log_records_the_families_asked_for() {
    let m = model("wolverhampton-2015");
    let results = m.run(&RunOptions::new(2, 1, 4).log_families(50), &Silent).unwrap();
    assert!(!results.events.is_empty());
    assert!(results.events.iter().all(|e| e.family < 50));
    assert!(results.events.windows(2).all(|w| w[0].month <= w[1].month));
    let none = m.run(&RunOptions::new(2, 1, 4), &Silent).unwrap();
    assert!(none.events.is_empty());
}

#[test]
fn parameter_uncertainty_widens_the_spread() {
    // The redesign draws its effects once per replication (a row of its calibrated posterior,
    // and the distributions written in place); fixing them at their central values leaves only
    // chance, so the spread across replications must shrink.
    let uncertain = Scenario::preset("wolverhampton-2015-redesign").unwrap();
    assert!(uncertain.uncertainty.sample.is_some(), "the redesign carries its posterior");
    let mut value = uncertain.without_sample().to_value();
    for change in value["changes"].as_array_mut().unwrap() {
        for section in change["set"].as_object_mut().unwrap().values_mut() {
            for field in section.as_object_mut().unwrap().values_mut() {
                if let Some(median) = field.get("median").cloned() {
                    *field = median; // every distribution in the preset is a lognormal
                }
            }
        }
    }
    let fixed = Scenario::from_value(value, "fixed").unwrap();
    let spread = |s: &Scenario| {
        let r = Model::new(s).unwrap().run(&RunOptions::new(200, 5, 8), &Silent).unwrap();
        r.indicator("lac_stock").unwrap().column(59).var(1.0)
    };
    let (with, without) = (spread(&uncertain), spread(&fixed));
    eprintln!("variance of children looked after at 5 years: uncertain {with:.0}, fixed {without:.0}");
    assert!(with > 1.5 * without, "uncertain {with} vs fixed {without}");
}

#[test]
fn costed_activity_agrees_with_the_series() {
    use carecast::outputs::Activity;
    let r = model("wolverhampton-2015-redesign").run(&RunOptions::new(3, 3, 12), &Silent).unwrap();
    // The activity over all localities: replication x activity x month.
    let by_month = r.activity_by_month();
    let series = |name: &str| r.indicator(name).unwrap();
    let check = |a: Activity, expected: ndarray::Array2<f64>| {
        let got = by_month.index_axis(Axis(1), a.index());
        assert_eq!(got, expected, "{}", Activity::NAMES[a.index()]);
    };
    check(Activity::Placement(Placement::InHouseFoster), series("looked_after_in_house_foster"));
    check(Activity::Placement(Placement::Residential), series("looked_after_residential"));
    check(Activity::ChildInNeed, series("stock_child_in_need"));
    check(Activity::ChildProtection, series("stock_child_protection"));
    check(Activity::EarlyHelp, series("early_help_families"));
    check(Activity::IntensiveSupport, series("intensive_support_cases"));
    check(Activity::Assessments, series("assessments"));
    check(Activity::CareEntries, series("lac_entries"));
    check(Activity::CareProceedings, series("care_proceedings"));
    let leavers = r.flows_by_replication().index_axis(Axis(1), Move::CareToLeaver.index()).to_owned();
    check(Activity::CareLeavers, leavers);
    let placements: ndarray::Array2<f64> = (0..6)
        .map(|p| by_month.index_axis(Axis(1), p).to_owned())
        .fold(ndarray::Array2::zeros((3, 36)), |acc, x| acc + x);
    assert_eq!(placements, series("lac_stock"));
    // By locality and financial year: the same activity, summed over localities and the months
    // of each year (2015/16 to 2017/18: 12 months each).
    let by_year = r.activity_by_year();
    assert_eq!(by_year.dim(), (3, Activity::COUNT, 8, 3));
    for y in 0..3 {
        let months = by_month.slice(ndarray::s![.., .., y * 12..(y + 1) * 12]).sum_axis(Axis(2));
        assert_eq!(by_year.index_axis(Axis(3), y).sum_axis(Axis(2)), months, "year {y}");
    }
    // Care leavers by locality and month add up to the monthly totals.
    let leavers = r.care_leavers_by_locality().sum_axis(Axis(1));
    assert_eq!(leavers, by_month.index_axis(Axis(1), Activity::CareLeavers.index()));
}

#[test]
fn posts_give_places_of_posts_x_caseload_stepping_at_a_dated_change_as_places_would() {
    // Early help given as 10 posts of 20 families, 12 posts from April 2016, against the same
    // places given directly: the engine and the expected path see the same capacity.
    let post = json!({"amount": 36000, "per": "year", "price_year": "2015/16"});
    let from = "2016-04".parse().unwrap();
    let places = Scenario::default_preset()
        .updated(json!({"policy": {"early_help": {"places": 200, "distribution": "even"}}}))
        .unwrap()
        .with_change(from, json!({"early_help": {"places": 240}}), "more places")
        .unwrap();
    let staffed = Scenario::default_preset()
        .updated(json!({"policy": {"early_help": {"staff": {"posts": 10, "caseload": 20}, "distribution": "even"}},
                        "costs": {"posts": {"early_help": post}}}))
        .unwrap()
        .with_change(from, json!({"early_help": {"staff": {"posts": 12}}}), "two more posts")
        .unwrap();
    let options = RunOptions::new(4, 3, 9);
    let a = Model::new(&places).unwrap().run(&options, &Silent).unwrap();
    let b = Model::new(&staffed).unwrap().run(&options, &Silent).unwrap();
    assert_eq!(a.series(), b.series());
    assert_eq!(a.caseloads.mean, b.caseloads.mean);
    for l in 0..8 {
        // 240 places over 8 localities from month 12: 30 each, full once the start drains.
        let at = b.caseloads.mean[[l, 35]];
        assert!((29.0..=30.0).contains(&at), "locality {l}: {at}");
    }
    let expected = |s: &Scenario| carecast::expected::project(s, 24).unwrap();
    assert_eq!(expected(&places), expected(&staffed));
}
