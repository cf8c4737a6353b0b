//! The authority's demand trend (`population.demand_trend`): every contact hazard out of no
//! contact or a closed case times `(1 + growth)^k` in the `k`-th financial year after the
//! trend's, stepping each April; flat (left out, `kind = "flat"`, or a growth of 0) changes no
//! number of a run.

use carecast::vocab::{Move, State};
use carecast::{Model, RunOptions, RunResults, Scenario, Silent};
use serde_json::json;

fn run(s: &Scenario, options: &RunOptions) -> RunResults {
    Model::new(s).unwrap().run(options, &Silent).unwrap()
}

/// Contacts (identification, referral, crisis) out of no contact or a closed case, by
/// financial year of the run (the default preset starts in April), summed over replications.
fn contacts_by_year(r: &RunResults, years: usize) -> Vec<f64> {
    let flows = r.flows_by_replication();
    let moves = [
        Move::NotKnownToEarlyHelp,
        Move::NotKnownToReferral,
        Move::NotKnownToCare,
        Move::KnownToEarlyHelp,
        Move::KnownToReferral,
        Move::KnownToCare,
    ];
    (0..years)
        .map(|y| {
            moves.iter().map(|mv| flows.slice(ndarray::s![.., mv.index(), y * 12..(y + 1) * 12]).sum()).sum::<f64>()
        })
        .collect()
}

fn trend(growth: serde_json::Value) -> Scenario {
    Scenario::default_preset().updated(json!({"population": {"demand_trend": {"growth": growth}}})).unwrap()
}

#[test]
fn a_flat_trend_changes_no_number() {
    // Left out, flat, or a stated growth of 0 (fixed, or a distribution with no spread): the
    // same numbers bit for bit (the factor is exactly 1, and the periods are not split).
    let s = Scenario::preset("wolverhampton-2015-redesign").unwrap();
    assert!(!s.to_toml().contains("demand_trend"), "flat is not written out");
    let options = RunOptions::new(4, 3, 20150401);
    let a = run(&s, &options);
    let variants = [
        json!({"kind": "flat"}),
        json!({"growth": 0.0}),
        json!({"kind": "fitted", "growth": {"dist": "normal", "mean": 0.0, "sd": 0.0}, "from": "2014-06"}),
    ];
    for v in variants {
        let flat = s.updated(json!({"population": {"demand_trend": v}})).unwrap();
        let b = run(&flat, &options);
        for name in RunResults::indicator_names() {
            let (x, y) = (a.indicator(&name).unwrap(), b.indicator(&name).unwrap());
            assert!(x.iter().zip(&y).all(|(p, q)| p.to_bits() == q.to_bits()), "{v}: {name}");
        }
        assert_eq!(a.flows_by_replication(), b.flows_by_replication(), "{v}");
        assert_eq!(a.activity_by_month(), b.activity_by_month(), "{v}");
    }
}

/// Contacts by `moves` per child-month in `state` (at the end of the month before), by
/// financial year, over every replication.
fn per_child_by_year(r: &RunResults, moves: &[Move], state: State, years: usize) -> Vec<f64> {
    let flows = r.flows_by_replication();
    let stocks = r.state_totals();
    (0..years)
        .map(|y| {
            let n: f64 =
                moves.iter().map(|mv| flows.slice(ndarray::s![.., mv.index(), y * 12..(y + 1) * 12]).sum()).sum();
            // Month t's contacts come out of the stock at the end of month t - 1.
            let at_risk = stocks.slice(ndarray::s![.., state.index(), (y * 12).max(1) - 1..(y + 1) * 12 - 1]).sum();
            n / at_risk
        })
        .collect()
}

#[test]
fn the_hazard_of_contact_grows_by_the_rate_a_year_stepping_each_april() {
    // Every never-known child at the same hazards (one rate for every band, no need
    // multipliers), so that the pool's mix cannot move its contact rate: with 5% a year from
    // the start (2015-04), financial year y's identifications and referrals per never-known
    // child-month are 1.05^y times the flat run's. 10 replications of six years, about 9,000
    // contacts of the two routes a year, with common random numbers: within 2% (the ratio's
    // sampling error is under 1%).
    let same = json!({"age_0": 0.05, "age_1_4": 0.05, "age_5_9": 0.05, "age_10_15": 0.05, "age_16_17": 0.05});
    let uniform = Scenario::default_preset()
        .updated(json!({"hazards": {"contact_need_multiplier": {"low": 1.0, "moderate": 1.0, "high": 1.0},
            "not_known": {"identification": same, "referral": same}}}))
        .unwrap();
    let growing = uniform.updated(json!({"population": {"demand_trend": {"growth": 0.05}}})).unwrap();
    let years = 6;
    let options = RunOptions::new(10, years, 2015);
    let moves = [Move::NotKnownToEarlyHelp, Move::NotKnownToReferral];
    let flat = per_child_by_year(&run(&uniform, &options), &moves, State::NotKnown, years);
    let trend = per_child_by_year(&run(&growing, &options), &moves, State::NotKnown, years);
    let ratios: Vec<f64> = trend.iter().zip(&flat).map(|(g, f)| g / f).collect();
    eprintln!("contacts per never-known child-year, ratios {ratios:?}");
    assert_eq!(ratios[0], 1.0, "the first financial year is the rates as given, draw for draw");
    for (y, r) in ratios.iter().enumerate() {
        let factor = 1.05f64.powi(y as i32);
        assert!((r / factor - 1.0).abs() < 0.02, "year {y}: ratio {r:.4}, factor {factor:.4}");
    }
}

#[test]
fn referrals_grow_by_about_the_rate_a_year() {
    // The default preset, 5% a year: referrals (from no contact and from closed cases) grow
    // by about 5% a year over eight years, a little less (about 4.3% measured): the children
    // most at risk (high need, babies) are drawn out of the pools sooner, and children with
    // open cases are not at risk of a new contact. 12 replications with common random
    // numbers, about 44,000 referrals a year over them: the average growth on the flat run
    // from the first year to the eighth is between 3.5% and 5.2% a year.
    let years = 8;
    let options = RunOptions::new(12, years, 2015);
    let referrals = [Move::NotKnownToReferral, Move::KnownToReferral];
    let by_year = |s: &Scenario| -> Vec<f64> {
        let flows = run(s, &options).flows_by_replication();
        (0..years)
            .map(|y| {
                referrals.iter().map(|mv| flows.slice(ndarray::s![.., mv.index(), y * 12..(y + 1) * 12]).sum()).sum()
            })
            .collect()
    };
    let (flat, growing) = (by_year(&Scenario::default_preset()), by_year(&trend(json!(0.05))));
    let ratio = growing[years - 1] / flat[years - 1];
    let growth = ratio.powf(1.0 / (years - 1) as f64) - 1.0;
    eprintln!("referrals by year: flat {flat:?}\n  trend {growing:?}\n  growth on flat {growth:.4} a year");
    assert!(flat[0] > 30_000.0, "{flat:?}");
    assert_eq!(flat[0], growing[0]);
    assert!((0.035..0.052).contains(&growth), "{growth}");
}

#[test]
fn the_trend_counts_from_the_financial_year_of_from_and_steps_each_april() {
    // From 2016-09: 2015/16 and 2016/17 as given, 2017/18 times 1.3. The first two years are
    // the flat run's numbers draw for draw; the third is well above.
    let options = RunOptions::new(3, 3, 7);
    let flat = contacts_by_year(&run(&Scenario::default_preset(), &options), 3);
    let later = Scenario::default_preset()
        .updated(json!({"population": {"demand_trend": {"growth": 0.3, "from": "2016-09"}}}))
        .unwrap();
    let later = contacts_by_year(&run(&later, &options), 3);
    assert_eq!(flat[0], later[0]);
    assert!((later[1] / flat[1] - 1.0).abs() < 0.01, "{flat:?} {later:?}");
    assert!((later[2] / flat[2] - 1.3).abs() < 0.05, "{flat:?} {later:?}");
}

#[test]
fn an_uncertain_growth_is_drawn_once_per_replication_and_recorded() {
    let s = trend(json!({"dist": "normal", "mean": 0.02, "sd": 0.01}));
    let r = run(&s, &RunOptions::new(200, 1, 3));
    assert_eq!(r.parameter_names[0], "population.demand_trend.growth");
    let draws: Vec<f64> = r.parameter_draws.column(0).to_vec();
    let mean = draws.iter().sum::<f64>() / draws.len() as f64;
    let sd = (draws.iter().map(|d| (d - mean).powi(2)).sum::<f64>() / (draws.len() - 1) as f64).sqrt();
    // 200 draws: the mean within 4 standard errors (0.0028), the sd within 20%.
    assert!((mean - 0.02).abs() < 0.0028, "{mean}");
    assert!((sd / 0.01 - 1.0).abs() < 0.2, "{sd}");
    // The same seed draws the same; the parameter can be set by its path.
    assert_eq!(run(&s, &RunOptions::new(3, 1, 3)).parameter_draws.column(0).to_vec(), draws[..3].to_vec());
    let set = Scenario::default_preset()
        .updated(json!({"population": {"demand_trend": {"growth": 0.01}}}))
        .unwrap()
        .with_parameters(&[("population.demand_trend.growth", 0.04)])
        .unwrap();
    assert_eq!(set.parameter("population.demand_trend.growth").unwrap(), 0.04);
}

#[test]
fn bad_trends_are_refused_naming_the_field() {
    let cases = [
        (json!({"growth": 1.5}), "population.demand_trend.growth", "1.5"),
        (json!({"growth": -0.6}), "population.demand_trend.growth", "-0.6"),
        (json!({"kind": "flat", "growth": 0.02}), "population.demand_trend.growth", "flat"),
        (json!({"kind": "rising"}), "kind", "rising"),
        (json!({"growth": 0.02, "rate": 0.02}), "rate", "rate"),
    ];
    for (trend, path, what) in cases {
        let e =
            Scenario::default_preset().updated(json!({"population": {"demand_trend": trend}})).unwrap_err().to_string();
        assert!(e.contains(path) && e.contains(what), "{trend}: {e}");
    }
}
