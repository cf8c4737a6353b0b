//! The starting position as data: the synthetic producer, runs from a given position, and the
//! errors of invalid ones.

use carecast::start::{CaseAtHome, ChildInCare, FamilyAtHome, ReturnedHome, StartingPosition};
use carecast::vocab::{AgeBand, LegalStatus, NeedKind, NeedLevel, Placement, State};
use carecast::{CarecastError, Model, RunOptions, RunResults, Scenario, Silent};
use serde_json::json;

fn run(scenario: &Scenario, replications: usize, years: usize, seed: u64) -> RunResults {
    Model::new(scenario).unwrap().run(&RunOptions::new(replications, years, seed), &Silent).unwrap()
}

#[test]
fn the_synthetic_producer_reproduces_the_scenarios_counts() {
    for preset in ["wolverhampton-2015", "wolverhampton-2015-redesign"] {
        let scenario = Scenario::preset(preset).unwrap();
        let model = Model::new(&scenario).unwrap();
        let init = &scenario.population.initial;
        let largest_family = scenario.population.family_size.len() as u32;
        for (seed, rep) in [(1, 0), (1, 1), (20150401, 7)] {
            let position = StartingPosition::synthetic(&model, seed, rep);
            position.validate_for(&scenario).unwrap();
            assert_eq!(position.children_in_care.len() as u32, init.looked_after, "{preset} {seed} {rep}");
            let families = |case| position.families_at_home.iter().filter(move |f| f.case == case);
            let children = |case| families(case).map(|f| f.children_age_months.len() as u32).sum::<u32>();
            // Plans count children and are filled family by family: the last family may go over.
            for (case, target) in
                [(CaseAtHome::ChildProtection, init.child_protection), (CaseAtHome::ChildInNeed, init.child_in_need)]
            {
                let got = children(case);
                assert!(got >= target && got < target + largest_family, "{case:?}: {got} children for {target}");
            }
            assert_eq!(families(CaseAtHome::EarlyHelp).count() as u32, init.early_help_families);
            assert_eq!(families(CaseAtHome::Waiting).count() as u32, init.waiting_families);
            // Brothers and sisters at home of children in care share their key.
            for f in families(CaseAtHome::Closed) {
                assert!(position.children_in_care.iter().any(|c| c.family == f.family));
            }
            // Everything a producer can know from the counts is filled in.
            for c in &position.children_in_care {
                assert!(c.locality.is_some() && c.need.is_some() && c.need_kind.is_some() && c.family.is_some());
                assert_eq!(c.entered_under_5, Some(c.age_months - c.months_in_care < 60));
            }
            assert_eq!(
                position,
                StartingPosition::synthetic(&model, seed, rep),
                "the same arguments, the same position"
            );
        }
    }
}

#[test]
fn a_run_from_the_synthetic_position_is_the_run_of_the_scenario() {
    // Replication 0 of a run draws the synthetic position of replication 0: given back as data,
    // it must give the same numbers, so the position is all the engine reads to place children.
    let scenario = Scenario::preset("wolverhampton-2015-redesign").unwrap();
    let seed = 314;
    let position = StartingPosition::synthetic(&Model::new(&scenario).unwrap(), seed, 0);
    let mut given = scenario.clone();
    given.starting_position = Some(position);
    given.validate().unwrap();
    let (a, b) = (run(&scenario, 1, 3, seed), run(&given, 1, 3, seed));
    for name in RunResults::indicator_names() {
        assert_eq!(a.indicator(&name), b.indicator(&name), "{name}");
    }
    assert_eq!(a.flows_by_replication(), b.flows_by_replication());
    assert_eq!(a.stocks.mean, b.stocks.mean);
}

/// The default preset with nothing happening in a month: no contacts, no moves out of child
/// protection or care, no moving away or births to known families.
fn quiet() -> Scenario {
    let zeros = json!({"age_0": 0.0, "age_1_4": 0.0, "age_5_9": 0.0, "age_10_15": 0.0, "age_16_17": 0.0});
    let contact = json!({"identification": zeros, "referral": zeros, "crisis_care_entry": zeros});
    Scenario::default_preset()
        .updated(json!({
            "population": {"move_away_rate": 0.0, "family_birth_rate": 0.0},
            "hazards": {
                "not_known": contact, "previously_known": contact,
                "child_protection": {"close": 0.0, "step_up": 0.0, "step_down": 0.0, "close_to_early_help": 0.0,
                                     "care_entry": zeros},
                "looked_after": {"return_home": {"under_6_months": 0.0, "months_6_to_24": 0.0, "over_24_months": 0.0},
                                 "adoption_under_5": 0.0, "special_guardianship": 0.0, "other_exit": 0.0,
                                 "placement_move": 0.0}
            }
        }))
        .unwrap()
}

fn hand_written(localities: &[String]) -> StartingPosition {
    StartingPosition {
        children_in_care: vec![
            ChildInCare {
                family: Some("smith".into()),
                legal_status: Some(LegalStatus::CareOrder),
                months_in_placement: Some(10),
                locality: Some(localities[1].clone()),
                need: Some(NeedLevel::High),
                need_kind: Some(NeedKind::AbuseNeglect),
                ..ChildInCare::new(9 * 12 + 3, Placement::InHouseFoster, 20)
            },
            ChildInCare {
                family: Some("smith".into()),
                legal_status: Some(LegalStatus::InterimCareOrder),
                ..ChildInCare::new(14 * 12, Placement::Residential, 20)
            },
            ChildInCare {
                previous_episodes: Some(2),
                locality: Some(localities[4].clone()),
                ..ChildInCare::new(30, Placement::Kinship, 4)
            },
        ],
        families_at_home: vec![FamilyAtHome {
            locality: Some(localities[4].clone()),
            months_open: Some(3),
            ..FamilyAtHome::new(CaseAtHome::ChildProtection, vec![7, 6 * 12])
        }],
    }
}

#[test]
fn a_hand_written_position_is_the_first_months_caseload() {
    let mut scenario = quiet();
    let names: Vec<String> = scenario.population.localities.iter().map(|l| l.name.clone()).collect();
    scenario.starting_position = Some(hand_written(&names));
    scenario.validate().unwrap();
    let results = run(&scenario, 3, 1, 5);
    let at_start = |name: &str| results.indicator(name).unwrap().column(0).to_vec();
    assert_eq!(at_start("stock_looked_after"), vec![3.0; 3]);
    assert_eq!(at_start("looked_after_in_house_foster"), vec![1.0; 3]);
    assert_eq!(at_start("looked_after_residential"), vec![1.0; 3]);
    assert_eq!(at_start("looked_after_kinship"), vec![1.0; 3]);
    assert_eq!(at_start("looked_after_ifa"), vec![0.0; 3]);
    assert_eq!(at_start("stock_child_protection"), vec![2.0; 3]);
    for state in ["child_in_need", "early_help", "waiting_early_help"] {
        assert_eq!(at_start(&format!("stock_{state}")), vec![0.0; 3], "{state}");
    }
    assert_eq!(results.initial_lac.to_vec(), vec![3.0; 3]);
    // By age band and locality: (state, band, locality) at month 0, mean over replications.
    let stock =
        |state: State, band: AgeBand, locality: usize| results.stocks.mean[[state.index(), band.index(), locality, 0]];
    assert_eq!(stock(State::LookedAfter, AgeBand::Age5To9, 1), 1.0);
    assert_eq!(stock(State::LookedAfter, AgeBand::Age10To15, 1), 1.0, "a brother in care lives with his family");
    assert_eq!(stock(State::LookedAfter, AgeBand::Age1To4, 4), 1.0);
    assert_eq!(stock(State::ChildProtection, AgeBand::Age0, 4), 1.0);
    assert_eq!(stock(State::ChildProtection, AgeBand::Age5To9, 4), 1.0);
}

#[test]
fn the_same_position_and_seed_give_the_same_numbers() {
    // Nothing but ages and placements known: localities, need, kinds and months open are filled
    // by the engine, from streams of their own.
    let mut scenario = Scenario::default_preset();
    let mut position = StartingPosition::default();
    for age in [5, 40, 80, 120, 200] {
        position.children_in_care.push(ChildInCare::new(age, Placement::Ifa, age / 3));
    }
    position.families_at_home.push(FamilyAtHome::new(CaseAtHome::Waiting, vec![50]));
    position.families_at_home.push(FamilyAtHome::new(CaseAtHome::EarlyHelp, vec![10, 70, 100]));
    position.families_at_home.push(FamilyAtHome::new(CaseAtHome::ChildInNeed, vec![150]));
    scenario.starting_position = Some(position);
    scenario.validate().unwrap();
    let model = Model::new(&scenario).unwrap();
    let a = model.run(&RunOptions::new(6, 2, 9).threads(1), &Silent).unwrap();
    let b = model.run(&RunOptions::new(6, 2, 9).threads(2), &Silent).unwrap();
    assert_eq!(a.indicator("lac_stock"), b.indicator("lac_stock"));
    assert_eq!(a.stocks.mean, b.stocks.mean);
    assert_eq!(a.initial_lac.to_vec(), vec![5.0; 6]);
}

#[test]
fn a_scenario_with_a_position_reads_back_from_toml_and_json() {
    let mut scenario = Scenario::default_preset();
    let names: Vec<String> = scenario.population.localities.iter().map(|l| l.name.clone()).collect();
    scenario.starting_position = Some(hand_written(&names));
    let toml = scenario.to_toml();
    assert!(toml.contains("[[starting_position.children_in_care]]"), "{toml}");
    assert_eq!(Scenario::from_toml_str(&toml, "t").unwrap(), scenario);
    let json = scenario.to_value().to_string();
    assert_eq!(Scenario::from_json_str(&json, "j").unwrap(), scenario);
}

/// The error of the default preset with `position` (JSON) as its starting position.
fn error_of(position: serde_json::Value) -> CarecastError {
    Scenario::default_preset().updated(json!({ "starting_position": position })).unwrap_err()
}

#[test]
fn invalid_positions_are_refused_naming_the_field() {
    let cases = [
        (
            json!({"children_in_care": [{"age_months": 216, "placement": "ifa", "months_in_care": 3}]}),
            "starting_position.children_in_care[0].age_months",
            "216",
        ),
        (
            json!({"children_in_care": [{"age_months": 30, "placement": "ifa", "months_in_care": 31}]}),
            "starting_position.children_in_care[0].months_in_care",
            "31",
        ),
        (
            json!({"children_in_care": [{"age_months": 30, "placement": "boarding_school", "months_in_care": 3}]}),
            "starting_position.children_in_care[0].placement",
            "\"boarding_school\"",
        ),
        (
            json!({"children_in_care": [{"age_months": 30, "placement": "ifa", "months_in_care": 3,
                                         "locality": "Atlantis"}]}),
            "starting_position.children_in_care[0].locality",
            "\"Atlantis\"",
        ),
        (
            json!({"families_at_home": [{"case": "early_help", "children_age_months": [20, 300]}]}),
            "starting_position.families_at_home[0].children_age_months[1]",
            "300",
        ),
        (
            json!({"families_at_home": [{"case": "adopted", "children_age_months": [20]}]}),
            "starting_position.families_at_home[0].case",
            "\"adopted\"",
        ),
    ];
    for (position, path, value) in cases {
        let e = error_of(position);
        let field = e.field().unwrap_or_else(|| panic!("no field in {e}"));
        assert_eq!((field.path.as_str(), field.value.as_str()), (path, value), "{e}");
    }
    // An unknown placement lists the allowed ones.
    let e = error_of(json!({"children_in_care": [{"age_months": 3, "placement": "hotel", "months_in_care": 1}]}));
    assert!(e.field().unwrap().allowed.contains("in_house_foster"), "{e}");
    // More children than the population can give.
    let under_18 = Scenario::default_preset().population.under_18;
    let many = vec![json!({"age_months": 30, "placement": "ifa", "months_in_care": 3}); under_18 as usize / 2 + 1];
    let e = error_of(json!({ "children_in_care": many }));
    let field = e.field().unwrap();
    assert_eq!(field.path, "starting_position");
    assert!(field.allowed.contains("half of population.under_18"), "{e}");
}

#[test]
fn children_the_pools_lack_at_their_age_are_replaced_by_the_nearest() {
    // A small authority where one birth month of a locality and need holds a child or none:
    // ten children of the same age in care take the nearest ages instead, so the population
    // keeps its size.
    let zero = json!({"looked_after": 0, "child_protection": 0, "child_in_need": 0, "early_help_families": 0,
                      "waiting_families": 0});
    let small = quiet().updated(json!({"population": {"under_18": 2000, "initial": zero}})).unwrap();
    let locality = small.population.localities[0].name.clone();
    let mut given = small.clone();
    given.starting_position = Some(StartingPosition {
        children_in_care: (0..10)
            .map(|_| ChildInCare {
                locality: Some(locality.clone()),
                need: Some(NeedLevel::Moderate),
                ..ChildInCare::new(215, Placement::Ifa, 100)
            })
            .collect(),
        families_at_home: Vec::new(),
    });
    given.validate().unwrap();
    let (without, with) = (run(&small, 2, 1, 3), run(&given, 2, 1, 3));
    let first = |r: &RunResults, name: &str| r.indicator(name).unwrap().column(0).to_vec();
    assert_eq!(first(&with, "stock_looked_after"), vec![10.0; 2]);
    assert_eq!(first(&with, "population"), first(&without, "population"));
}

#[test]
fn a_child_that_went_home_before_the_start_re_enters_at_the_multiplied_rate_until_reentry_months() {
    // 2,000 children of five on child protection plans that never close, entering care at 1% a
    // month; re-entry multiplier 5 for 12 months after a return home. Given as home 4 months
    // before the start, the children enter at 5% a month in months 0 to 7 and 1% after; not
    // given, at 1% throughout, and none of their entries is a re-entry. 20 replications:
    // 40,000 children; with the hazard measured on the plain run, the counts have relative
    // standard deviations of about 1.1% (months 0-7) and 2% (8-23), so the tolerances (5%, 8%)
    // are over 4 standard deviations.
    let rate = 0.01;
    let per_year = json!({"age_0": 0.12, "age_1_4": 0.12, "age_5_9": 0.12, "age_10_15": 0.12, "age_16_17": 0.12});
    let mut scenario = quiet()
        .updated(json!({"hazards": {
            "child_protection": {"care_entry": per_year},
            "looked_after": {"reentry_multiplier": 5.0, "reentry_months": 12},
            "care_entry_trend": 0.0
        }}))
        .unwrap();
    let (children, since, replications) = (2_000usize, 4u32, 20usize);
    let locality = scenario.population.localities[0].name.clone();
    let family = |returned: bool| FamilyAtHome {
        need: Some(NeedLevel::Low),
        need_kind: Some(NeedKind::Other),
        locality: Some(locality.clone()),
        months_open: Some(since),
        returned_home: if returned { vec![ReturnedHome::new(0, since)] } else { Vec::new() },
        ..FamilyAtHome::new(CaseAtHome::ChildProtection, vec![60])
    };
    let counts = |scenario: &mut Scenario, returned: bool| {
        scenario.starting_position =
            Some(StartingPosition { children_in_care: Vec::new(), families_at_home: vec![family(returned); children] });
        scenario.validate().unwrap();
        let r = run(scenario, replications, 2, 5);
        let monthly = |name: &str| r.indicator(name).unwrap().sum_axis(ndarray::Axis(0));
        let (entries, reentries) = (monthly("lac_entries"), monthly("lac_reentries"));
        let window = 12 - since as usize;
        (entries.slice(ndarray::s![..window]).sum(), entries.slice(ndarray::s![window..]).sum(), reentries.sum())
    };
    let (before, after, reentries) = counts(&mut scenario, true);
    let (plain_before, plain_after, plain_reentries) = counts(&mut scenario, false);
    // The monthly hazard each child faces without the return (`rate` times the escalation
    // multiplier of low need, about a half), from the share of the plain run's children entering in 24 months.
    let n = (children * replications) as f64;
    let h = -(1.0 - (plain_before + plain_after) / n).ln() / 24.0;
    assert!(h > rate / 5.0 && h < rate * 5.0, "a hazard of the order of the rate: {h}");
    let expected_before = n * (1.0 - (-5.0 * h * 8.0).exp());
    let expected_after = n * (-5.0 * h * 8.0).exp() * (1.0 - (-h * 16.0).exp());
    assert!((before / expected_before - 1.0).abs() < 0.05, "{before} entries in months 0-7 for {expected_before:.0}");
    assert!((after / expected_after - 1.0).abs() < 0.08, "{after} entries in months 8-23 for {expected_after:.0}");
    assert_eq!(reentries, before + after, "every entry of a child that was in care is a re-entry");
    assert_eq!(plain_reentries, 0.0);
}
