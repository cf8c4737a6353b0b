//! The exit table `hazards.looked_after.exits`: exits from care by destination, the child's
//! current age band and time in care, each rate a number or a distribution.

use carecast::rng::{self, Purpose};
use carecast::scenario::{ByBand, ByDuration, ExitRates, Param};
use carecast::start::{ChildInCare, StartingPosition};
use carecast::vocab::{Move, Placement};
use carecast::{CarecastError, ConfigError, Model, RunOptions, Scenario, Silent};
use serde_json::{Value, json};

fn config_error(e: CarecastError) -> ConfigError {
    match e {
        CarecastError::Config(c) => c,
        other => panic!("expected a config error, got {other:?}"),
    }
}

const EXITS: [Move; 4] =
    [Move::CareToHome, Move::CareToAdoption, Move::CareToSpecialGuardianship, Move::CareToOtherExit];

/// An exit table whose cell (destination, band, duration) is `rate(destination, band, duration)`.
fn table(rate: impl Fn(usize, usize, usize) -> Value) -> Value {
    let mut exits = serde_json::Map::new();
    for (d, destination) in ExitRates::FIELDS.iter().enumerate() {
        let mut bands = serde_json::Map::new();
        for (b, band) in ByBand::FIELDS.iter().enumerate() {
            let cells: serde_json::Map<String, Value> =
                ByDuration::FIELDS.iter().enumerate().map(|(t, dur)| (dur.to_string(), rate(d, b, t))).collect();
            bands.insert(band.to_string(), Value::Object(cells));
        }
        exits.insert(destination.to_string(), Value::Object(bands));
    }
    Value::Object(exits)
}

fn with_table(s: &Scenario, exits: Value) -> Scenario {
    s.updated(json!({"hazards": {"looked_after": {"exits": exits}}})).unwrap()
}

/// The default preset without adoption (adoption by age at entry has no equal in a table by
/// current age), and the table equal to what its fields imply: return home by time in care the
/// same for every band, special guardianship and other exits the same everywhere.
fn preset_and_equal_table() -> (Scenario, Scenario) {
    let s =
        Scenario::default_preset().updated(json!({"hazards": {"looked_after": {"adoption_under_5": 0.0}}})).unwrap();
    let c = &s.hazards.looked_after;
    let home = [c.return_home.under_6_months, c.return_home.months_6_to_24, c.return_home.over_24_months];
    let (sgo, other) = (c.special_guardianship, c.other_exit);
    let t = with_table(&s, table(|d, _, t| json!([home[t], 0.0, sgo, other][d])));
    (s, t)
}

/// Exits by destination summed over the run, per replication.
fn exits_per_replication(r: &carecast::RunResults) -> Vec<[f64; 4]> {
    let flows = &r.flows_by_replication();
    (0..flows.dim().0)
        .map(|rep| EXITS.map(|mv| (0..flows.dim().2).map(|t| flows[[rep, mv.index(), t]]).sum()))
        .collect()
}

#[test]
fn a_table_equal_to_the_fields_gives_the_same_exits() {
    // The table only adds segment edges (birthdays, the adoption floor) to each child's walk to
    // its next event, over which the hazards do not change, so the draws line up: the runs are
    // the same, number for number (a difference could only come from rounding at an edge, where
    // the cumulative hazard is spent in two pieces instead of one). 20 replications x 3 years.
    let (s, t) = preset_and_equal_table();
    let options = RunOptions::new(20, 3, 17);
    let a = Model::new(&s).unwrap().run(&options, &Silent).unwrap();
    let b = Model::new(&t).unwrap().run(&options, &Silent).unwrap();
    let (ea, eb) = (exits_per_replication(&a), exits_per_replication(&b));
    assert!(ea.iter().map(|e| e[0]).sum::<f64>() > 1_000.0, "returns home happen");
    assert_eq!(ea, eb, "exits by destination, replication by replication");
    for name in ["lac_stock", "lac_entries", "lac_exits"] {
        assert_eq!(a.indicator(name).unwrap(), b.indicator(name).unwrap(), "{name}");
    }
}

#[test]
fn the_reunification_multiplier_applies_to_home_exits_from_the_table() {
    // Doubling the table's home rates or the reunification multiplier is the same model: with
    // the same seed, the same numbers.
    let (_, t) = preset_and_equal_table();
    let doubled_multiplier = t.updated(json!({"policy": {"placements": {"reunification_multiplier": 2.0}}})).unwrap();
    let home: Vec<f64> = ["under_6_months", "months_6_to_24", "over_24_months"]
        .iter()
        .map(|d| t.parameter(&format!("hazards.looked_after.exits.home.age_0.{d}")).unwrap())
        .collect();
    let doubled_rates = with_table(
        &t.updated(json!({"policy": {"placements": {"reunification_multiplier": 1.0}}})).unwrap(),
        table(|d, _, k| {
            let c = &t.hazards.looked_after;
            json!([2.0 * home[k], 0.0, c.special_guardianship, c.other_exit][d])
        }),
    );
    let options = RunOptions::new(4, 2, 3);
    let a = Model::new(&doubled_multiplier).unwrap().run(&options, &Silent).unwrap();
    let b = Model::new(&doubled_rates).unwrap().run(&options, &Silent).unwrap();
    assert_eq!(exits_per_replication(&a), exits_per_replication(&b));
}

/// A scenario with no way into care and 400 children in care aged `age_months`, `months_in`
/// months in care, whose exit table is `rate` (per year) in every cell of band `band` and 0
/// elsewhere.
fn only_the_children_in_care(age_months: u32, months_in: u32, band: usize, rate: f64) -> Scenario {
    let s = Scenario::default_preset();
    let zero_bands = json!({"age_0": 0.0, "age_1_4": 0.0, "age_5_9": 0.0, "age_10_15": 0.0, "age_16_17": 0.0});
    let no_contact = json!({"identification": zero_bands, "referral": zero_bands, "crisis_care_entry": zero_bands});
    let mut position = StartingPosition::default();
    for _ in 0..400 {
        position.children_in_care.push(ChildInCare::new(age_months, Placement::InHouseFoster, months_in));
    }
    let s = s
        .updated(json!({
            "hazards": {"not_known": no_contact, "previously_known": no_contact},
            "starting_position": serde_json::to_value(&position).unwrap(),
        }))
        .unwrap();
    with_table(&s, table(|_, b, _| json!(if b == band { rate } else { 0.0 })))
}

/// Exits of every destination, month by month, summed over replications.
fn monthly_exits(r: &carecast::RunResults) -> Vec<f64> {
    let flows = &r.flows_by_replication();
    (0..flows.dim().2)
        .map(|t| (0..flows.dim().0).map(|rep| EXITS.iter().map(|mv| flows[[rep, mv.index(), t]]).sum::<f64>()).sum())
        .collect()
}

#[test]
fn exits_at_one_age_band_happen_only_in_it() {
    // Children aged exactly 14 at the start reach 16 in month 24. With exits only at 16-17
    // (1 a year in each of the four destinations), none leave before month 24 and many after:
    // the birthday re-draws each child's next event. With exits only at 10-15, the reverse.
    // 5 replications x 3 years of 400 children, 4 exits a year in all: of the 2,000 children
    // about 2,000 x (1 - e^-4) = 1,960 leave in the year where they can (the test asks for 200),
    // and exactly none elsewhere.
    let options = RunOptions::new(5, 3, 9);
    let late = Model::new(&only_the_children_in_care(14 * 12, 30, 4, 1.0)).unwrap().run(&options, &Silent).unwrap();
    let exits = monthly_exits(&late);
    assert_eq!(exits[..24].iter().sum::<f64>(), 0.0, "no exit before the 16th birthday: {exits:?}");
    assert!(exits[24..].iter().sum::<f64>() > 200.0, "exits after the 16th birthday: {exits:?}");
    assert!(exits[24] > 0.0, "exits from the month of the birthday: {exits:?}");

    let early = Model::new(&only_the_children_in_care(14 * 12, 30, 3, 1.0)).unwrap().run(&options, &Silent).unwrap();
    let exits = monthly_exits(&early);
    assert!(exits[..24].iter().sum::<f64>() > 200.0, "exits before the 16th birthday: {exits:?}");
    assert_eq!(exits[24..].iter().sum::<f64>(), 0.0, "no exit after the 16th birthday: {exits:?}");
}

#[test]
fn adoption_from_the_table_waits_for_adoption_min_months() {
    // Only adoption, at 6 a year, for children aged 2 who have just come into care; adoption
    // is possible from 12 months in care. 3 replications x 2 years of 400 children: about
    // 1,200 x (1 - e^-6) = 1,197 adoptions in the second year (the test asks for 600), none in
    // the first.
    let mut v = only_the_children_in_care(24, 0, 1, 0.0).to_value();
    v["hazards"]["looked_after"]["adoption_min_months"] = json!(12);
    v["hazards"]["looked_after"]["exits"] = table(|d, b, _| json!(if d == 1 && b == 1 { 6.0 } else { 0.0 }));
    let s = Scenario::from_value(v, "test").unwrap();
    let r = Model::new(&s).unwrap().run(&RunOptions::new(3, 2, 4), &Silent).unwrap();
    let flows = &r.flows_by_replication();
    let adoptions: Vec<f64> =
        (0..24).map(|t| (0..3).map(|rep| flows[[rep, Move::CareToAdoption.index(), t]]).sum()).collect();
    assert_eq!(adoptions[..12].iter().sum::<f64>(), 0.0, "{adoptions:?}");
    assert!(adoptions[12..].iter().sum::<f64>() > 600.0, "{adoptions:?}");
    assert_eq!(monthly_exits(&r).iter().sum::<f64>(), adoptions.iter().sum::<f64>(), "adoption only");
}

#[test]
fn uncertain_rates_are_drawn_from_their_streams_and_recorded() {
    // Without its carried posterior, whose rows are recorded after the distributions' draws.
    let s = Scenario::preset("wolverhampton-2015-redesign").unwrap().without_sample();
    let c = &s.hazards.looked_after;
    let gamma = json!({"dist": "gamma", "shape": 20.0, "scale": c.return_home.over_24_months / 20.0});
    let t = with_table(
        &s,
        table(|d, b, k| match (d, b, k) {
            (0, 3, 2) => gamma.clone(),
            (3, 4, 0) => json!({"dist": "lognormal", "median": 0.1, "sigma": 0.3}),
            (0, _, _) => {
                json!([c.return_home.under_6_months, c.return_home.months_6_to_24, c.return_home.over_24_months][k])
            }
            _ => json!(0.05),
        }),
    );
    let r = Model::new(&t).unwrap().run(&RunOptions::new(5, 1, 11), &Silent).unwrap();
    let params = t.parameters();
    let uncertain: Vec<String> = params.iter().filter(|p| p.distribution.is_some()).map(|p| p.path.clone()).collect();
    assert_eq!(r.parameter_names, uncertain, "one column per uncertain parameter, in registry order");
    assert_eq!(
        r.parameter_names[..2],
        [
            "hazards.looked_after.exits.home.age_10_15.over_24_months",
            "hazards.looked_after.exits.other.age_16_17.under_6_months"
        ]
    );
    for (j, name) in r.parameter_names.iter().enumerate() {
        let p = params.iter().find(|p| &p.path == name).unwrap();
        let param = Param::Uncertain(p.distribution.clone().unwrap());
        for rep in 0..5 {
            let mut stream = rng::stream(11, rep, Purpose::Parameter, p.stream_key.unwrap(), 0);
            assert_eq!(r.parameter_draws[[rep as usize, j]], param.draw(&mut stream, p.range.bounds()), "{name}");
        }
    }
    let column: Vec<f64> = r.parameter_draws.column(0).to_vec();
    assert!(column.windows(2).all(|w| w[0] != w[1]), "a draw per replication: {column:?}");

    // The engine used them: fixing every uncertain parameter at replication 2's draws
    // reproduces replication 2.
    let fixed: Vec<(&str, f64)> =
        r.parameter_names.iter().enumerate().map(|(j, n)| (n.as_str(), r.parameter_draws[[2, j]])).collect();
    let u = t.with_parameters(&fixed).unwrap();
    let b = Model::new(&u).unwrap().run(&RunOptions::new(5, 1, 11), &Silent).unwrap();
    assert!(b.parameter_names.is_empty());
    assert_eq!(exits_per_replication(&r)[2], exits_per_replication(&b)[2]);
    assert_eq!(r.indicator("lac_stock").unwrap().row(2), b.indicator("lac_stock").unwrap().row(2));
}

#[test]
fn bad_tables_are_refused_naming_the_field() {
    let s = Scenario::default_preset();
    let ok = table(|_, _, _| json!(0.1));
    let cases: [(&str, Value, &str); 4] = [
        ("hazards.looked_after.exits.adoption.age_5_9.months_6_to_24", json!(-0.5), "-0.5"),
        ("hazards.looked_after.exits.other.age_16_17.over_24_months", json!(500.0), "500"),
        (
            "hazards.looked_after.exits.home.age_0.under_6_months",
            json!({"dist": "gamma", "shape": -1.0, "scale": 0.1}),
            "shape",
        ),
        (
            "hazards.looked_after.exits.special_guardianship.age_1_4.under_6_months",
            json!({"dist": "normal", "mean": 200.0, "sd": 1.0}),
            "200",
        ),
    ];
    for (path, bad, shown) in cases {
        let mut exits = ok.clone();
        let keys: Vec<&str> = path.split('.').skip(3).collect();
        exits[keys[0]][keys[1]][keys[2]] = bad;
        let e = config_error(s.updated(json!({"hazards": {"looked_after": {"exits": exits}}})).unwrap_err());
        assert!(e.path.starts_with(path), "{} for {path}", e.path);
        let text = e.to_string();
        assert!(text.contains(shown), "{text}");
    }
    // A missing band or an unknown destination: the serde error names the field.
    let mut missing = ok.clone();
    missing["home"].as_object_mut().unwrap().remove("age_5_9");
    let e = s.updated(json!({"hazards": {"looked_after": {"exits": missing}}})).unwrap_err().to_string();
    assert!(e.contains("age_5_9") && e.contains("hazards.looked_after.exits.home"), "{e}");
    let mut extra = ok.clone();
    extra["independent_living"] = ok["other"].clone();
    let e = s.updated(json!({"hazards": {"looked_after": {"exits": extra}}})).unwrap_err().to_string();
    assert!(e.contains("independent_living") && e.contains("other"), "{e}");
    // And set_parameter checks a cell against the registry's range.
    let t = with_table(&s, ok);
    let e = config_error(t.set_parameter("hazards.looked_after.exits.home.age_0.over_24_months", 121.0).unwrap_err());
    assert_eq!(e.path, "hazards.looked_after.exits.home.age_0.over_24_months");
    assert_eq!(
        t.set_parameter("hazards.looked_after.exits.home.age_0.over_24_months", 2.0)
            .unwrap()
            .parameter("hazards.looked_after.exits.home.age_0.over_24_months")
            .unwrap(),
        2.0
    );
}

#[test]
fn the_table_round_trips_through_toml_and_lists_its_parameters() {
    let s = with_table(&Scenario::default_preset(), table(|d, b, k| json!((d * 100 + b * 10 + k) as f64 / 1000.0)));
    let back = Scenario::from_toml_str(&s.to_toml(), "back").unwrap();
    assert_eq!(back, s);
    let rows: Vec<_> =
        s.parameters().into_iter().filter(|p| p.path.starts_with("hazards.looked_after.exits.")).collect();
    assert_eq!(rows.len(), 60);
    assert_eq!(rows[0].path, "hazards.looked_after.exits.home.age_0.under_6_months");
    assert_eq!(rows[59].path, "hazards.looked_after.exits.other.age_16_17.over_24_months");
    assert!((rows[59].value - 0.342).abs() < 1e-12);
    assert!(rows.iter().all(|p| p.may_be_uncertain && p.kind == carecast::scenario::Kind::RatePerYear));
    assert!(
        rows[0].description.contains("Return home") && rows[0].description.contains("Under one"),
        "{}",
        rows[0].description
    );
    // Without the table the scenario is written as before.
    assert!(!Scenario::default_preset().to_toml().contains("exits"));
}

#[test]
fn placement_moves_and_the_reentry_multiplier_may_be_distributions_drawn_once_per_replication() {
    // Given as distributions (as `carecast estimate` writes them), each is drawn once per
    // replication from its own stream, recorded under its path, and fixing both at a
    // replication's draws reproduces that replication's moves and entries exactly.
    let s = Scenario::default_preset()
        .updated(json!({"hazards": {"looked_after": {
            "placement_move": {"dist": "gamma", "shape": 40.0, "scale": 0.0025},
            "reentry_multiplier": {"dist": "gamma", "shape": 20.0, "scale": 0.1}}}}))
        .unwrap();
    let options = RunOptions::new(4, 2, 29);
    let r = Model::new(&s).unwrap().run(&options, &Silent).unwrap();
    let names = ["hazards.looked_after.placement_move", "hazards.looked_after.reentry_multiplier"];
    let columns: Vec<usize> = names
        .iter()
        .map(|n| r.parameter_names.iter().position(|p| p == n).unwrap_or_else(|| panic!("{n} not recorded")))
        .collect();
    for &j in &columns {
        let draws = r.parameter_draws.column(j);
        assert!(draws.iter().all(|&x| x > 0.0), "{draws}");
        assert!(draws.iter().any(|&x| x != draws[0]), "one draw per replication, not one per run: {draws}");
    }
    let fixed: Vec<(&str, f64)> =
        r.parameter_names.iter().enumerate().map(|(j, n)| (n.as_str(), r.parameter_draws[[2, j]])).collect();
    let t = s.with_parameters(&fixed).unwrap();
    let u = Model::new(&t).unwrap().run(&options, &Silent).unwrap();
    assert!(u.parameter_names.is_empty());
    for name in ["lac_entries", "lac_exits", "lac_reentries"] {
        assert_eq!(r.indicator(name).unwrap().row(2), u.indicator(name).unwrap().row(2), "{name}");
    }
    assert_eq!(
        r.placement_totals().index_axis(ndarray::Axis(0), 2),
        u.placement_totals().index_axis(ndarray::Axis(0), 2)
    );
}
