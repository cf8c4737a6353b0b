//! Care entry by age band and over time: `hazards.care_entry_scale` multiplies every route's
//! care-entry hazards by the child's age band, `hazards.care_entry_trend` by `(1 + g)^(t / 12)`
//! in month `t`; both numbers or distributions drawn once per replication.

use carecast::rng::{self, Purpose};
use carecast::scenario::{ByBand, Param};
use carecast::{Model, RunOptions, RunResults, Scenario, Silent};
use serde_json::{Value, json};

fn run(s: &Scenario, options: &RunOptions) -> RunResults {
    Model::new(s).unwrap().run(options, &Silent).unwrap()
}

const FIRST_ENTRIES: [&str; 5] = [
    "first_entries_age_0",
    "first_entries_age_1_4",
    "first_entries_age_5_9",
    "first_entries_age_10_15",
    "first_entries_age_16_17",
];

/// First entries by band over months `[from, to)`, summed over replications.
fn first_entries(r: &RunResults, from: usize, to: usize) -> [f64; 5] {
    FIRST_ENTRIES.map(|name| r.indicator(name).unwrap().slice(ndarray::s![.., from..to]).sum())
}

/// The default preset without brothers and sisters coming into care together, so that every
/// entry is one driven by its own hazard.
fn base() -> Scenario {
    Scenario::default_preset().updated(json!({"hazards": {"sibling_group_entry": 0.0}})).unwrap()
}

#[test]
fn first_entries_by_band_add_up_to_entries_less_reentries() {
    let r = run(&Scenario::default_preset(), &RunOptions::new(3, 2, 5));
    let total: f64 = first_entries(&r, 0, 24).iter().sum();
    let entries = r.indicator("lac_entries").unwrap().sum();
    let reentries = r.indicator("lac_reentries").unwrap().sum();
    assert_eq!(total, entries - reentries);
    assert!(first_entries(&r, 0, 24).iter().all(|&n| n > 0.0), "{:?}", first_entries(&r, 0, 24));
}

#[test]
fn defaults_and_distributions_fixed_at_the_defaults_give_the_same_numbers() {
    // Written out at 1 and 0 the fields are the defaults (and not written back); given as
    // distributions with no spread they are drawn and recorded, and every multiplication by
    // exactly 1 leaves every number of the run as it was, bit for bit.
    let s = Scenario::preset("wolverhampton-2015-redesign").unwrap();
    let ones = json!({"age_0": 1.0, "age_1_4": 1.0, "age_5_9": 1.0, "age_10_15": 1.0, "age_16_17": 1.0});
    let written = s.updated(json!({"hazards": {"care_entry_scale": ones, "care_entry_trend": 0.0}})).unwrap();
    assert_eq!(written, s);
    assert!(!s.to_toml().contains("care_entry_scale") && !s.to_toml().contains("care_entry_trend"));
    let one = json!({"dist": "normal", "mean": 1.0, "sd": 0.0});
    let spreadless = s
        .updated(json!({"hazards": {
            "care_entry_scale": {"age_0": one, "age_1_4": one, "age_5_9": one, "age_10_15": one, "age_16_17": one},
            "care_entry_trend": {"dist": "normal", "mean": 0.0, "sd": 0.0}}}))
        .unwrap();
    let options = RunOptions::new(4, 3, 20150401);
    let (a, b) = (run(&s, &options), run(&spreadless, &options));
    assert_eq!(
        &b.parameter_names[..6],
        &[
            "hazards.care_entry_scale.age_0",
            "hazards.care_entry_scale.age_1_4",
            "hazards.care_entry_scale.age_5_9",
            "hazards.care_entry_scale.age_10_15",
            "hazards.care_entry_scale.age_16_17",
            "hazards.care_entry_trend",
        ]
    );
    assert_eq!(b.parameter_names[6..], a.parameter_names[..]);
    assert!(b.parameter_draws.column(0).iter().all(|&d| d == 1.0));
    assert!(b.parameter_draws.column(5).iter().all(|&d| d == 0.0));
    for name in RunResults::indicator_names() {
        let (x, y) = (a.indicator(&name).unwrap(), b.indicator(&name).unwrap());
        assert!(x.iter().zip(&y).all(|(p, q)| p.to_bits() == q.to_bits()), "{name}");
    }
    assert_eq!(a.flows_by_replication(), b.flows_by_replication());
}

#[test]
fn a_scale_of_two_in_one_band_doubles_its_entries() {
    // 40 replications of two years, ten to fifteen at twice the hazards: about 2,000 first
    // entries in that band in the baseline, so the ratio's sampling error is about 3%, and much
    // less with common random numbers. The band's entries double within 10% (children in care
    // leave the pool at risk, and a child who enters care opens a case for the family, so not
    // exactly); the other bands move by under 15%.
    let s = base();
    let twice = s.updated(json!({"hazards": {"care_entry_scale": {"age_10_15": 2.0}}})).unwrap();
    let options = RunOptions::new(40, 2, 77);
    let (a, b) = (first_entries(&run(&s, &options), 0, 24), first_entries(&run(&twice, &options), 0, 24));
    assert!(a[3] > 1_000.0, "{a:?}");
    let ratio: Vec<f64> = b.iter().zip(&a).map(|(x, y)| x / y).collect();
    eprintln!("first entries by band {a:?} -> {b:?}, ratios {ratio:?}");
    assert!((ratio[3] - 2.0).abs() < 0.2, "{ratio:?}");
    for (band, r) in ratio.iter().enumerate().filter(|(b, _)| *b != 3) {
        assert!((r - 1.0).abs() < 0.15, "band {}: {ratio:?}", ByBand::FIELDS[band]);
    }
}

#[test]
fn a_trend_raises_entries_by_its_rate_a_year() {
    // A 20% a year trend: in year y of the run the hazards are 1.2^(t / 12) times the baseline's,
    // on average over the year's months. 30 replications of four years with common random
    // numbers: the ratio of first entries in each year to the baseline's is within 6% of the
    // average factor (about 4,000 entries a year in all, a sampling error near 2%).
    let s = base();
    let trending = s.updated(json!({"hazards": {"care_entry_trend": 0.2}})).unwrap();
    let options = RunOptions::new(30, 4, 91);
    let (a, b) = (run(&s, &options), run(&trending, &options));
    for year in 0..4 {
        let (from, to) = (year * 12, year * 12 + 12);
        let total = |r: &RunResults| first_entries(r, from, to).iter().sum::<f64>();
        let factor = (from..to).map(|t| 1.2f64.powf(t as f64 / 12.0)).sum::<f64>() / 12.0;
        let ratio = total(&b) / total(&a);
        eprintln!(
            "year {}: {} -> {} first entries, ratio {ratio:.3}, factor {factor:.3}",
            year + 1,
            total(&a),
            total(&b)
        );
        assert!((ratio / factor - 1.0).abs() < 0.06, "year {}: ratio {ratio}, factor {factor}", year + 1);
    }
}

#[test]
fn a_trend_counted_from_a_year_before_the_start_is_the_same_as_one_year_of_growth_in_the_scale() {
    // (1 + g)^((t + 12) / 12) = (1 + g) x (1 + g)^(t / 12): counting a 20% trend from twelve
    // months before the start gives the hazards of the same trend from the start with every
    // band's scale at 1.2, up to the rounding of the powers, so with common random numbers the
    // two runs' entries agree to within a few events in thousands (0.5% allowed), while
    // counting from the start gives about 20% fewer.
    let s = base();
    let scale = json!({"age_0": 1.2, "age_1_4": 1.2, "age_5_9": 1.2, "age_10_15": 1.2, "age_16_17": 1.2});
    let from_before = s
        .updated(json!({"hazards": {"care_entry_trend": 0.2, "care_entry_trend_from": s.start.plus(-12).to_string()}}))
        .unwrap();
    let scaled = s.updated(json!({"hazards": {"care_entry_trend": 0.2, "care_entry_scale": scale}})).unwrap();
    let from_start = s.updated(json!({"hazards": {"care_entry_trend": 0.2}})).unwrap();
    let options = RunOptions::new(20, 3, 17);
    let total = |r: &RunResults| first_entries(r, 0, 36).iter().sum::<f64>();
    let (a, b, c) =
        (total(&run(&from_before, &options)), total(&run(&scaled, &options)), total(&run(&from_start, &options)));
    eprintln!("from a year before: {a}; scaled by 1.2: {b}; from the start: {c}");
    assert!((a / b - 1.0).abs() < 0.005, "{a} vs {b}");
    assert!((c / a - 1.0 / 1.2).abs() < 0.03, "{c} vs {a}");
}

#[test]
fn uncertain_scales_and_trend_are_drawn_from_their_streams_and_recorded() {
    let gamma = json!({"dist": "gamma", "shape": 50.0, "scale": 0.02});
    let s = base()
        .updated(json!({"hazards": {"care_entry_scale": {"age_0": gamma},
            "care_entry_trend": {"dist": "normal", "mean": 0.05, "sd": 0.02}}}))
        .unwrap();
    let r = run(&s, &RunOptions::new(4, 1, 13));
    assert_eq!(r.parameter_names[..2], ["hazards.care_entry_scale.age_0", "hazards.care_entry_trend"]);
    let params = s.parameters();
    for (j, name) in r.parameter_names[..2].iter().enumerate() {
        let p = params.iter().find(|p| &p.path == name).unwrap();
        let param = Param::Uncertain(p.distribution.clone().unwrap());
        for rep in 0..4 {
            let mut stream = rng::stream(13, rep, Purpose::Parameter, p.stream_key.unwrap(), 0);
            assert_eq!(r.parameter_draws[[rep as usize, j]], param.draw(&mut stream, p.range.bounds()), "{name}");
        }
    }
    // Fixing them at replication 1's draws reproduces replication 1.
    let fixed: Vec<(&str, f64)> =
        r.parameter_names.iter().enumerate().map(|(j, n)| (n.as_str(), r.parameter_draws[[1, j]])).collect();
    let t = s.with_parameters(&fixed).unwrap();
    let u = run(&t, &RunOptions::new(4, 1, 13));
    assert!(u.parameter_names.is_empty());
    assert_eq!(r.indicator("lac_entries").unwrap().row(1), u.indicator("lac_entries").unwrap().row(1));
}

#[test]
fn bad_values_are_refused_naming_the_field() {
    let s = Scenario::default_preset();
    let cases: [(Value, &str, &str); 4] = [
        (json!({"care_entry_scale": {"age_5_9": -1.0}}), "hazards.care_entry_scale.age_5_9", "-1"),
        (json!({"care_entry_scale": {"age_0": 2000.0}}), "hazards.care_entry_scale.age_0", "2000"),
        (json!({"care_entry_trend": 1.5}), "hazards.care_entry_trend", "1.5"),
        (json!({"care_entry_trend": -0.6}), "hazards.care_entry_trend", "-0.6"),
    ];
    for (bad, path, shown) in cases {
        let e = s.updated(json!({ "hazards": bad })).unwrap_err().to_string();
        assert!(e.contains(path) && e.contains(shown), "{e}");
    }
    let e = s.updated(json!({"hazards": {"care_entry_scale": {"age_18": 1.0}}})).unwrap_err().to_string();
    assert!(e.contains("age_18"), "{e}");
    // A scale that takes a crisis rate past the largest monthly hazard is refused too.
    let e = s.updated(json!({"hazards": {"care_entry_scale": {"age_0": 1000.0}, "contact_need_multiplier":
        {"high": 1000.0}}}));
    assert!(e.is_err_and(|e| e.to_string().contains("care_entry_scale")));
}

#[test]
fn the_fields_round_trip_through_toml() {
    let s = base()
        .updated(json!({"hazards": {"care_entry_scale": {"age_1_4": {"dist": "gamma", "shape": 40.5, "scale": 0.03},
            "age_16_17": 0.7}, "care_entry_trend": 0.06}}))
        .unwrap();
    let back = Scenario::from_toml_str(&s.to_toml(), "back").unwrap();
    assert_eq!(back, s);
    assert_eq!(s.parameter("hazards.care_entry_trend").unwrap(), 0.06);
    assert_eq!(s.parameter("hazards.care_entry_scale.age_0").unwrap(), 1.0);
    assert!((s.parameter("hazards.care_entry_scale.age_1_4").unwrap() - 1.215).abs() < 1e-12);
}

/// First entries by single year of age at entry over months `[from, to)`, summed over
/// replications.
fn first_entries_by_age(r: &RunResults, from: usize, to: usize) -> [f64; 18] {
    std::array::from_fn(|a| {
        r.indicator(&format!("first_entries_at_{a}")).unwrap().slice(ndarray::s![.., from..to]).sum()
    })
}

#[test]
fn first_entries_by_single_year_add_up_to_the_bands() {
    let r = run(&Scenario::default_preset(), &RunOptions::new(3, 2, 5));
    let (ages, bands) = (first_entries_by_age(&r, 0, 24), first_entries(&r, 0, 24));
    let sums = [
        ages[0],
        ages[1..5].iter().sum(),
        ages[5..10].iter().sum(),
        ages[10..16].iter().sum(),
        ages[16..].iter().sum(),
    ];
    assert_eq!(sums, bands);
}

#[test]
fn factors_by_single_year_of_age_divide_a_bands_entries_between_its_ages() {
    // Without brothers and sisters coming in together every first entry is driven by its own
    // hazard, so an age at factor 0 has none at all (exactly), and an age at 3 has about three
    // times its baseline share of its band. 40 replications of two years: several hundred
    // entries at age ten in the baseline, so the ratio's sampling error is under 10% (less
    // with common random numbers); 3 within 20% is asked. Other bands move by under 15%.
    let s = base();
    let mut by_age = vec![1.0; 18];
    by_age[10] = 3.0;
    by_age[17] = 0.0;
    let shaped = s.updated(json!({"hazards": {"care_entry_by_age": by_age}})).unwrap();
    let options = RunOptions::new(40, 2, 23);
    let (a, b) = (run(&s, &options), run(&shaped, &options));
    let (x, y) = (first_entries_by_age(&a, 0, 24), first_entries_by_age(&b, 0, 24));
    eprintln!("first entries by age {x:?} -> {y:?}");
    assert!(x[10] > 200.0 && x[17] > 50.0, "{x:?}");
    assert_eq!(y[17], 0.0);
    let share = |v: &[f64; 18], a: usize| v[a] / v[11..16].iter().sum::<f64>();
    let ratio = share(&y, 10) / share(&x, 10);
    assert!((ratio - 3.0).abs() < 0.6, "age 10 against 11-15: {ratio}");
    let (p, q) = (first_entries(&a, 0, 24), first_entries(&b, 0, 24));
    for band in 0..3 {
        assert!((q[band] / p[band] - 1.0).abs() < 0.15, "band {band}: {p:?} -> {q:?}");
    }
}

#[test]
fn a_factor_of_one_at_every_age_gives_the_same_entries() {
    // Written out at 1 everywhere the factors change no hazard, but the runs are not the same
    // bit for bit: the walks gain segment edges at birthdays, crisis entry from the pools is
    // summed year by year of age, and a crisis in a closed family draws which child enters (in
    // proportion to the children's hazards, where without factors the index child enters). So
    // the runs agree in distribution: with common random numbers, first entries over three
    // years within 1% (about 12,000 of them).
    let s = base();
    let ones = s.updated(json!({"hazards": {"care_entry_by_age": vec![1.0; 18]}})).unwrap();
    assert!(ones.to_toml().contains("care_entry_by_age"));
    let options = RunOptions::new(20, 3, 29);
    let total = |r: &RunResults| first_entries(r, 0, 36).iter().sum::<f64>();
    let (a, b) = (total(&run(&s, &options)), total(&run(&ones, &options)));
    eprintln!("first entries without factors by age {a}, at 1 everywhere {b}");
    assert!((a / b - 1.0).abs() < 0.01, "{a} vs {b}");
}

#[test]
fn factors_by_age_must_be_eighteen_multipliers() {
    let s = base();
    let err = s.updated(json!({"hazards": {"care_entry_by_age": [1.0, 2.0]}})).unwrap_err().to_string();
    assert!(err.contains("hazards.care_entry_by_age") && err.contains("18 numbers"), "{err}");
    let mut by_age = vec![1.0; 18];
    by_age[4] = -1.0;
    let err = s.updated(json!({"hazards": {"care_entry_by_age": by_age}})).unwrap_err().to_string();
    assert!(err.contains("hazards.care_entry_by_age[4]"), "{err}");
}
