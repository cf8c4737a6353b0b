//! Uncertainty on any parameter (`[[uncertainty.parameters]]`, `[[uncertainty.correlations]]`)
//! and parameter samples from outside (`Model::with_sample`): validation, the draws' marginals
//! and rank correlations, reproducibility, and common random numbers across a sample's rows.

use carecast::{CarecastError, ConfigError, Model, ParameterSample, RunOptions, SampleChance, Scenario, Silent};
use ndarray::Array2;
use serde_json::{Value, json};

fn config_error(e: CarecastError) -> ConfigError {
    match e {
        CarecastError::Config(c) => c,
        other => panic!("expected a config error, got {other:?}"),
    }
}

const REFERRAL: &str = "hazards.not_known.referral.age_5_9";
const SIBLINGS: &str = "hazards.sibling_group_entry";
const CIN_CLOSE: &str = "hazards.child_in_need.close";
const MOVES: &str = "hazards.looked_after.placement_move";

/// The default preset with `uncertainty` as its table.
fn with_table(uncertainty: Value) -> carecast::Result<Scenario> {
    Scenario::default_preset().updated(json!({ "uncertainty": uncertainty }))
}

/// Four parameters of four kinds of distribution, two pairs correlated.
fn four() -> Value {
    json!({
        "parameters": [
            {"path": REFERRAL, "distribution": {"dist": "lognormal", "median": 0.026, "sigma": 0.2}},
            {"path": SIBLINGS, "distribution": {"dist": "beta", "alpha": 9.0, "beta": 11.0}},
            {"path": CIN_CLOSE, "distribution": {"dist": "gamma", "shape": 25.0, "scale": 0.06}},
            {"path": "hazards.recently_closed_multiplier",
             "distribution": {"dist": "triangular", "min": 1.0, "mode": 1.5, "max": 3.0}},
        ],
        "correlations": [
            {"parameters": [REFERRAL, SIBLINGS], "rho": 0.5},
            {"parameters": [CIN_CLOSE, "hazards.recently_closed_multiplier"], "rho": -0.3},
        ],
    })
}

/// Ranks (0-based) of `x` (no ties: continuous draws).
fn ranks(x: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..x.len()).collect();
    order.sort_by(|&a, &b| x[a].total_cmp(&x[b]));
    let mut r = vec![0.0; x.len()];
    for (rank, &i) in order.iter().enumerate() {
        r[i] = rank as f64;
    }
    r
}

fn pearson(x: &[f64], y: &[f64]) -> f64 {
    let n = x.len() as f64;
    let (mx, my) = (x.iter().sum::<f64>() / n, y.iter().sum::<f64>() / n);
    let sxy: f64 = x.iter().zip(y).map(|(a, b)| (a - mx) * (b - my)).sum();
    let sxx: f64 = x.iter().map(|a| (a - mx).powi(2)).sum();
    let syy: f64 = y.iter().map(|b| (b - my).powi(2)).sum();
    sxy / (sxx * syy).sqrt()
}

fn spearman(x: &[f64], y: &[f64]) -> f64 {
    pearson(&ranks(x), &ranks(y))
}

#[test]
fn a_scenario_without_the_table_is_unchanged() {
    for name in carecast::preset_names() {
        // The redesign carries its calibrated posterior as a sample, and no table.
        let s = Scenario::preset(name).unwrap().without_sample();
        assert!(s.uncertainty.is_empty());
        assert!(s.to_value().get("uncertainty").is_none(), "{name}: no table written");
        assert!(!s.to_toml().contains("uncertainty"), "{name}");
    }
    let redesign = Scenario::preset("wolverhampton-2015-redesign").unwrap();
    assert!(!redesign.uncertainty.has_table() && redesign.uncertainty.sample.is_some());
}

#[test]
fn the_table_reads_writes_and_lists_its_parameters_as_uncertain() {
    let s = with_table(four()).unwrap();
    assert_eq!(s.uncertainty.parameters.len(), 4);
    // Written and read back unchanged, as TOML and as JSON.
    let again = Scenario::from_toml_str(&s.to_toml(), "again").unwrap();
    assert_eq!(again.uncertainty, s.uncertainty);
    let text = r#"
        base = "wolverhampton-2015"
        [[uncertainty.parameters]]
        path = "hazards.not_known.referral.age_5_9"
        distribution = { dist = "lognormal", median = 0.026, sigma = 0.2 }
    "#;
    let t = Scenario::from_toml_str(text, "t.toml").unwrap();
    assert_eq!(t.uncertainty.parameters[0].path, REFERRAL);
    // Listed as uncertain, at the distribution's centre.
    let p = s.parameters();
    let referral = p.iter().find(|p| p.path == REFERRAL).unwrap();
    assert_eq!(referral.distribution.as_ref().unwrap().to_string(), "lognormal(median=0.026, sigma=0.2)");
    assert_eq!(referral.value, 0.026);
    assert!((s.parameter(SIBLINGS).unwrap() - 0.45).abs() < 1e-15);
    // The table's numbers are not parameters of the scenario.
    assert!(p.iter().all(|p| !p.path.starts_with("uncertainty")));
    // Setting a parameter takes it out of the table, with its correlations.
    let fixed = s.set_parameter(REFERRAL, 0.03).unwrap();
    assert_eq!(fixed.uncertainty.parameters.len(), 3);
    assert_eq!(fixed.uncertainty.correlations.len(), 1);
    assert!(fixed.parameters().iter().find(|p| p.path == REFERRAL).unwrap().distribution.is_none());
    assert_eq!(fixed.hazards.not_known.referral.age_5_9, 0.03);
}

#[test]
fn marginals_and_rank_correlations_of_the_draws() {
    // The values recorded by 2,000 replications of a one-month run. Each mean within 4
    // standard errors of the distribution's mean, each standard deviation within 10% of its own
    // (its relative standard error is under 3% for these shapes), each rank correlation within
    // 4 standard errors of its target on Fisher's z scale, where the standard error of a
    // Spearman correlation's z is sqrt(1.06 / (n - 3)) = 0.023 (Fieller, Hartley and Pearson
    // 1957): 0.092. Fixed seed, so the test is deterministic; the tolerances say how far chance
    // alone could honestly take the figures.
    let s = with_table(four()).unwrap();
    let n = 2_000;
    let mut options = RunOptions::new(n, 1, 11);
    options.months = 1;
    let r = Model::new(&s).unwrap().run(&options, &Silent).unwrap();
    let first = r.parameter_names.len() - 4;
    assert_eq!(r.parameter_names[first], REFERRAL);
    let column = |j: usize| r.parameter_draws.column(first + j).to_vec();
    // They are the draws of the table, replication by replication.
    for rep in [0, 1_999] {
        let expected: Vec<f64> = s.uncertainty_draws(11, rep).unwrap().into_iter().map(|(_, v)| v).collect();
        assert_eq!(r.parameter_draws.row(rep as usize).to_vec()[first..], expected);
    }
    let (m0, s0) = (0.026 * (0.02f64).exp(), 0.026 * (0.02f64).exp() * ((0.04f64).exp() - 1.0).sqrt());
    let (m1, s1) = (0.45, (99.0f64 / (400.0 * 21.0)).sqrt());
    let (m2, s2) = (1.5, (25.0f64).sqrt() * 0.06);
    let (a, c, b) = (1.0f64, 1.5f64, 3.0f64);
    let (m3, s3) = ((a + b + c) / 3.0, ((a * a + b * b + c * c - a * b - a * c - b * c) / 18.0).sqrt());
    for (j, (mean, sd)) in [(m0, s0), (m1, s1), (m2, s2), (m3, s3)].into_iter().enumerate() {
        let x = column(j);
        let got = x.iter().sum::<f64>() / n as f64;
        let se = sd / (n as f64).sqrt();
        assert!((got - mean).abs() < 4.0 * se, "parameter {j}: mean {got}, expected {mean} (se {se})");
        let var = x.iter().map(|v| (v - got).powi(2)).sum::<f64>() / (n - 1) as f64;
        assert!((var.sqrt() / sd - 1.0).abs() < 0.1, "parameter {j}: sd {}, expected {sd}", var.sqrt());
    }
    let tolerance = 4.0 * (1.06f64 / (n as f64 - 3.0)).sqrt();
    for (i, j, target) in [(0, 1, 0.5), (2, 3, -0.3), (0, 2, 0.0), (1, 3, 0.0)] {
        let r = spearman(&column(i), &column(j));
        assert!(
            (r.atanh() - f64::atanh(target)).abs() < tolerance,
            "parameters {i} and {j}: rank correlation {r}, target {target} (tolerance {tolerance} on z)"
        );
    }
}

#[test]
fn a_run_records_the_draws_reproducibly_whatever_the_thread_count() {
    let s = with_table(four()).unwrap();
    let model = Model::new(&s).unwrap();
    let names = model.parameter_names();
    assert_eq!(&names[names.len() - 4..], [REFERRAL, SIBLINGS, CIN_CLOSE, "hazards.recently_closed_multiplier"]);
    let one = model.run(&RunOptions::new(6, 1, 3).threads(1), &Silent).unwrap();
    let two = model.run(&RunOptions::new(6, 1, 3).threads(2), &Silent).unwrap();
    assert!(one == two, "the same numbers on one thread and two");
    for r in 0..6 {
        let expected: Vec<f64> = s.uncertainty_draws(3, r as u64).unwrap().into_iter().map(|(_, v)| v).collect();
        // After the unit costs the preset draws.
        let row = one.parameter_draws.row(r).to_vec();
        assert_eq!(row[row.len() - 4..], expected, "replication {r}");
    }
    // The draws moved the replications: another table's run differs.
    let plain = Model::new(&Scenario::default_preset()).unwrap().run(&RunOptions::new(6, 1, 3), &Silent).unwrap();
    assert_ne!(plain.indicator("assessments").unwrap(), one.indicator("assessments").unwrap());
    // A range of replications draws as in the whole run.
    let part = model.run(&RunOptions::new(0, 1, 3).range(4..6), &Silent).unwrap();
    assert_eq!(part.parameter_draws.row(0), one.parameter_draws.row(4));
    assert_eq!(part.indicator("lac_stock").unwrap().row(1), one.indicator("lac_stock").unwrap().row(5));
}

#[test]
fn fixing_a_replications_values_reproduces_it() {
    // The redesign preset has distributions written in place; the table adds baseline hazards.
    // Setting replication 3's recorded values (both kinds) reproduces it exactly.
    let s = Scenario::preset("wolverhampton-2015-redesign")
        .unwrap()
        .without_sample()
        .updated(json!({"uncertainty": four()}))
        .unwrap();
    let options = RunOptions::new(4, 2, 5);
    let a = Model::new(&s).unwrap().run(&options, &Silent).unwrap();
    assert!(a.parameter_names.len() > 4, "{:?}", a.parameter_names);
    let fixed: Vec<(&str, f64)> =
        a.parameter_names.iter().enumerate().map(|(j, n)| (n.as_str(), a.parameter_draws[[3, j]])).collect();
    let t = s.with_parameters(&fixed).unwrap();
    assert!(t.uncertainty.is_empty());
    let b = Model::new(&t).unwrap().run(&options, &Silent).unwrap();
    assert!(b.parameter_names.is_empty(), "nothing uncertain is left: {:?}", b.parameter_names);
    for name in ["lac_stock", "lac_entries", "assessments", "early_help_waiting", "intensive_support_cases"] {
        let (x, y) = (a.indicator(name).unwrap(), b.indicator(name).unwrap());
        assert_eq!(x.row(3), y.row(3), "{name}");
    }
    assert_ne!(a.indicator("lac_stock").unwrap().row(2), b.indicator("lac_stock").unwrap().row(2));
}

#[test]
fn equal_rows_of_a_shared_sample_give_equal_replications() {
    let s = Scenario::preset("wolverhampton-2015-redesign").unwrap().without_sample();
    let effect = "changes[2].set.early_help.effect_after_closure";
    assert!(s.parameters().iter().any(|p| p.path == effect && p.distribution.is_some()));
    let names = vec![REFERRAL.to_string(), effect.to_string()];
    // Rows 0 and 2 are equal; row 1 differs. Two chance streams each: 6 replications.
    let values = Array2::from_shape_vec((3, 2), vec![0.02, 0.8, 0.04, 0.5, 0.02, 0.8]).unwrap();
    let sample = ParameterSample::new(names.clone(), values.clone()).shared(2);
    let model = Model::new(&s).unwrap().with_sample(sample).unwrap();
    let r = model.run(&RunOptions::new(6, 1, 9), &Silent).unwrap();
    let lac = r.indicator("assessments").unwrap();
    assert_eq!(lac.row(0), lac.row(4), "row 0 and row 2 on chance stream 0");
    assert_eq!(lac.row(1), lac.row(5), "row 0 and row 2 on chance stream 1");
    assert_ne!(lac.row(0), lac.row(1), "two chance streams");
    assert_ne!(lac.row(0), lac.row(2), "rows 0 and 1 differ");
    // The sample's values are recorded, over the distribution written in place; the referral
    // rate, not otherwise uncertain, is recorded after the others.
    let at = |name: &str| r.parameter_names.iter().position(|n| n == name).unwrap();
    assert_eq!(at(REFERRAL), r.parameter_names.len() - 1);
    assert_eq!(r.parameter_draws.column(at(effect)).to_vec(), [0.8, 0.8, 0.5, 0.5, 0.8, 0.8]);
    assert_eq!(r.parameter_draws.column(at(REFERRAL)).to_vec(), [0.02, 0.02, 0.04, 0.04, 0.02, 0.02]);
    // Thread count does not matter.
    let one = model.run(&RunOptions::new(6, 1, 9).threads(1), &Silent).unwrap();
    assert!(one == r);
    // Own chance: replication r takes row r with chance stream r, so rows 0 and 2 differ in chance.
    let own = Model::new(&s).unwrap().with_sample(ParameterSample::new(names, values)).unwrap();
    let o = own.run(&RunOptions::new(3, 1, 9), &Silent).unwrap();
    assert_eq!(o.indicator("assessments").unwrap().row(0), lac.row(0), "row 0, chance 0");
    assert_ne!(o.indicator("assessments").unwrap().row(2), lac.row(0), "row 2, chance 2");
}

#[test]
fn a_sample_must_cover_the_replications() {
    let s = Scenario::default_preset();
    let sample = ParameterSample::new(vec![REFERRAL.into()], ndarray::array![[0.02], [0.03], [0.04]]);
    let model = Model::new(&s).unwrap().with_sample(sample.clone()).unwrap();
    let e = model.run(&RunOptions::new(4, 1, 1), &Silent).unwrap_err().to_string();
    assert!(e.contains("parameter_sample") && e.contains("got 3 rows") && e.contains("need 4"), "{e}");
    let e = model.run(&RunOptions::new(0, 1, 1).range(2..4), &Silent).unwrap_err().to_string();
    assert!(e.contains("got 3 rows"), "{e}");
    // Shared(2): replications 0..6 take rows 0..3.
    let shared = Model::new(&s).unwrap().with_sample(sample.with_chance(SampleChance::Shared(2))).unwrap();
    assert!(shared.run(&RunOptions::new(6, 1, 1), &Silent).is_ok());
    let e = shared.run(&RunOptions::new(7, 1, 1), &Silent).unwrap_err().to_string();
    assert!(e.contains("row r / 2"), "{e}");
}

#[test]
fn bad_samples_name_the_column_and_row() {
    let model = || Model::new(&Scenario::default_preset()).unwrap();
    let bad = |names: &[&str], values: Array2<f64>| {
        let names = names.iter().map(|n| n.to_string()).collect();
        config_error(model().with_sample(ParameterSample::new(names, values)).unwrap_err())
    };
    let e = bad(&[REFERRAL, SIBLINGS], ndarray::array![[0.02, 0.4], [0.03, 1.4]]);
    assert_eq!(e.path, format!("parameter_sample row 1, column \"{SIBLINGS}\""));
    assert_eq!((e.value.as_str(), e.allowed.as_str()), ("1.4", "a probability in [0, 1]"));
    let e = bad(&["hazards.not_known.referal.age_5_9"], ndarray::array![[0.02]]);
    assert!(e.allowed.contains("closest: hazards.not_known.referral.age_5_9"), "{e}");
    let e = bad(&["policy.early_help.places"], ndarray::array![[700.5]]);
    assert!(e.path.contains("row 0") && e.allowed.starts_with("a whole number"), "{e}");
    let e = bad(&["costs.placements.ifa.amount"], ndarray::array![[900.0]]);
    assert!(e.allowed.contains("priced after the run"), "{e}");
    let e = bad(&["population.family_size[0]"], ndarray::array![[0.3]]);
    assert!(e.allowed.contains("sum to 1"), "{e}");
    let e = bad(&[REFERRAL, REFERRAL], ndarray::array![[0.02, 0.02]]);
    assert!(e.value.contains("second column"), "{e}");
    let e = bad(&[REFERRAL], Array2::zeros((2, 2)));
    assert!(e.value.contains("2 columns of values for 1 names"), "{e}");
    let e = config_error(
        model()
            .with_sample(ParameterSample::new(vec![REFERRAL.into()], ndarray::array![[0.02]]).shared(0))
            .unwrap_err(),
    );
    assert_eq!(e.path, "sample_chance");
}

#[test]
fn bad_tables_name_the_field_and_what_is_allowed() {
    let entry = |path: &str, d: Value| json!({"path": path, "distribution": d});
    let logn = json!({"dist": "lognormal", "median": 0.026, "sigma": 0.2});
    let err = |table: Value| config_error(with_table(table).unwrap_err());
    // No such path, with the closest.
    let e = err(json!({"parameters": [entry("hazards.not_known.referal.age_5_9", logn.clone())]}));
    assert_eq!(e.path, "uncertainty.parameters[0].path");
    assert!(e.value.contains("no such parameter") && e.allowed.contains("closest: hazards.not_known.referral.age_5_9"));
    // Listed twice.
    let e = err(json!({"parameters": [entry(REFERRAL, logn.clone()), entry(REFERRAL, logn.clone())]}));
    assert_eq!(e.path, "uncertainty.parameters[1].path");
    assert!(e.allowed.contains("each parameter once"), "{e}");
    // A distribution whose values do not fit: a median above 1 for a probability, in the
    // words of any distribution's error.
    let e = err(json!({"parameters": [entry(SIBLINGS, json!({"dist": "lognormal", "median": 2.0, "sigma": 0.1}))]}));
    assert_eq!(e.path, "uncertainty.parameters[0].distribution.median");
    assert_eq!(e.allowed, "a number from 0 to 1");
    let e = err(json!({"parameters": [entry(REFERRAL, json!({"dist": "uniform", "low": -1.0, "high": 0.1}))]}));
    assert_eq!(e.path, "uncertainty.parameters[0].distribution.low");
    // Costs, posts and shares that sum to 1 cannot be varied by the table.
    for path in ["costs.placements.ifa.amount", "population.localities[0].population_share"] {
        let e = err(json!({"parameters": [entry(path, json!({"dist": "uniform", "low": 0.1, "high": 0.2}))]}));
        assert_eq!(e.path, "uncertainty.parameters[0].path", "{path}");
    }
    // Already a distribution where it is written.
    let e = config_error(
        Scenario::preset("wolverhampton-2015-redesign")
            .unwrap()
            .updated(json!({"uncertainty": {"parameters": [entry(
                "changes[2].set.early_help.effect_after_closure",
                json!({"dist": "uniform", "low": 0.5, "high": 0.9})
            )]}}))
            .unwrap_err(),
    );
    assert!(e.allowed.contains("already a distribution"), "{e}");
    // Correlations: of a parameter not in the table, of one with itself, |rho| >= 1, twice,
    // and three that cannot hold together.
    let three = json!([
        entry(REFERRAL, logn.clone()),
        entry(SIBLINGS, json!({"dist": "beta", "alpha": 9.0, "beta": 11.0})),
        entry(CIN_CLOSE, json!({"dist": "gamma", "shape": 25.0, "scale": 0.06}))
    ]);
    let corr = |pairs: Value| err(json!({"parameters": three.clone(), "correlations": pairs}));
    let e = corr(json!([{"parameters": [REFERRAL, MOVES], "rho": 0.2}]));
    assert_eq!(e.path, "uncertainty.correlations[0].parameters[1]");
    assert!(e.allowed.contains("uncertainty.parameters"), "{e}");
    let e = corr(json!([{"parameters": [REFERRAL, REFERRAL], "rho": 0.2}]));
    assert_eq!(e.allowed, "two different parameters");
    for rho in [1.0, -1.0, 1.5] {
        let e = corr(json!([{"parameters": [REFERRAL, SIBLINGS], "rho": rho}]));
        assert_eq!(
            (e.path.as_str(), e.allowed.as_str()),
            ("uncertainty.correlations[0].rho", "a rank correlation above -1 and below 1")
        );
    }
    let e = corr(
        json!([{"parameters": [REFERRAL, SIBLINGS], "rho": 0.2}, {"parameters": [SIBLINGS, REFERRAL], "rho": 0.3}]),
    );
    assert!(e.allowed.contains("each pair once"), "{e}");
    let e = corr(json!([
        {"parameters": [REFERRAL, SIBLINGS], "rho": 0.9},
        {"parameters": [REFERRAL, CIN_CLOSE], "rho": 0.9},
        {"parameters": [SIBLINGS, CIN_CLOSE], "rho": -0.9},
    ]));
    assert_eq!(e.path, "uncertainty.correlations");
    assert!(e.allowed.contains("positive definite"), "{e}");
    // Unknown fields are refused with their path.
    let e = with_table(json!({"parameters": [{"path": REFERRAL, "dist": "normal"}]})).unwrap_err().to_string();
    assert!(e.contains("uncertainty.parameters[0]"), "{e}");
}

#[test]
fn whole_numbers_are_drawn_whole() {
    let s = with_table(json!({"parameters": [{"path": "policy.early_help.places",
        "distribution": {"dist": "normal", "mean": 700.0, "sd": 50.0}}]}))
    .unwrap();
    for r in 0..50 {
        let (_, v) = s.uncertainty_draws(1, r).unwrap()[0].clone();
        assert_eq!(v.fract(), 0.0, "{v}");
    }
    let r = Model::new(&s).unwrap().run(&RunOptions::new(3, 1, 1), &Silent).unwrap();
    let places = r.parameter_draws.column(r.parameter_names.len() - 1).to_vec();
    assert_eq!(r.parameter_names.last().map(String::as_str), Some("policy.early_help.places"));
    assert!(places.iter().all(|v| v.fract() == 0.0 && (400.0..1000.0).contains(v)), "{places:?}");
}

#[test]
fn a_distribution_written_in_place_can_be_correlated() {
    // The redesign preset's effect of early help after closure is lognormal(median 0.85, sigma
    // 0.1) where it is written; correlated with a baseline hazard of the table, it is drawn
    // through the copula and recorded in its own column. Tolerances as in the test of the
    // marginals: 4 standard errors of the mean, 4 of Spearman's z.
    const EFFECT: &str = "changes[2].set.early_help.effect_after_closure";
    let table = json!({
        "parameters": [{"path": REFERRAL, "distribution": {"dist": "lognormal", "median": 0.026, "sigma": 0.2}}],
        "correlations": [{"parameters": [REFERRAL, EFFECT], "rho": -0.6}],
    });
    let s = Scenario::preset("wolverhampton-2015-redesign")
        .unwrap()
        .without_sample()
        .updated(json!({ "uncertainty": table }))
        .unwrap();
    let n = 2_000;
    let draws: Vec<Vec<(String, f64)>> = (0..n).map(|r| s.uncertainty_draws(4, r).unwrap()).collect();
    assert_eq!(draws[0].iter().map(|(p, _)| p.as_str()).collect::<Vec<_>>(), [REFERRAL, EFFECT]);
    let column = |j: usize| draws.iter().map(|d| d[j].1).collect::<Vec<f64>>();
    let effect = column(1);
    let mean = 0.85 * (0.5f64 * 0.1 * 0.1).exp();
    let sd = mean * ((0.1f64 * 0.1).exp() - 1.0).sqrt();
    let got = effect.iter().sum::<f64>() / n as f64;
    assert!((got - mean).abs() < 4.0 * sd / (n as f64).sqrt(), "mean {got}, expected {mean}");
    let r = spearman(&column(0), &effect);
    assert!((r.atanh() - f64::atanh(-0.6)).abs() < 4.0 * (1.06f64 / (n as f64 - 3.0)).sqrt(), "{r}");
    // A run records it in the column of the distribution written in place, and fixing a
    // replication's values reproduces it.
    let options = RunOptions::new(3, 1, 4);
    let a = Model::new(&s).unwrap().run(&options, &Silent).unwrap();
    let at = |name: &str| a.parameter_names.iter().position(|n| n == name).unwrap();
    assert_eq!(a.parameter_names.iter().filter(|n| *n == EFFECT).count(), 1);
    for rep in 0..3 {
        assert_eq!(a.parameter_draws[[rep, at(EFFECT)]], s.uncertainty_draws(4, rep as u64).unwrap()[1].1);
    }
    let fixed: Vec<(&str, f64)> =
        a.parameter_names.iter().enumerate().map(|(j, n)| (n.as_str(), a.parameter_draws[[2, j]])).collect();
    let t = s.with_parameters(&fixed).unwrap();
    assert!(t.uncertainty.is_empty());
    let b = Model::new(&t).unwrap().run(&options, &Silent).unwrap();
    assert_eq!(a.indicator("lac_stock").unwrap().row(2), b.indicator("lac_stock").unwrap().row(2));
    assert_eq!(a.indicator("assessments").unwrap().row(2), b.indicator("assessments").unwrap().row(2));
    // A correlated parameter that is a number, not a distribution, is refused.
    let e = config_error(
        s.updated(json!({"uncertainty": {"correlations": [{"parameters": [REFERRAL, MOVES], "rho": 0.2}]}}))
            .unwrap_err(),
    );
    assert_eq!(e.path, "uncertainty.correlations[0].parameters[1]");
    assert!(e.allowed.contains("distribution written in place"), "{e}");
}

#[test]
fn draws_that_break_a_rule_of_the_whole_scenario_stop_the_run_naming_the_replication() {
    // Intensive support from age 10, its upper age drawn from 0 to 17: a replication that
    // draws an upper age below 10 cannot run, and says so rather than running something else.
    let s = Scenario::default_preset()
        .updated(json!({
            "policy": {"intensive_support": {"min_age": 10}},
            "uncertainty": {"parameters": [{"path": "policy.intensive_support.max_age",
                "distribution": {"dist": "uniform", "low": 0.0, "high": 17.0}}]},
        }))
        .unwrap();
    let bad = (0..20).find(|&r| s.uncertainty_draws(2, r).unwrap()[0].1 < 10.0).expect("a draw below 10 in 20");
    let e = config_error(Model::new(&s).unwrap().run(&RunOptions::new(bad as usize + 1, 1, 2), &Silent).unwrap_err());
    assert_eq!(e.path, "policy.intensive_support.min_age");
    assert!(e.value.contains(&format!("in replication {bad}, which set policy.intensive_support.max_age = ")), "{e}");
}
