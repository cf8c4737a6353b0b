//! Legal status and UASC as attributes of children in care, and the care levers targeted by
//! placement, legal status and time in care.

use carecast::start::{ChildInCare, StartingPosition};
use carecast::vocab::{LegalStatus, Move, Placement};
use carecast::{CarecastError, Model, RunOptions, RunResults, Scenario, Silent};
use ndarray::{Array2, Axis};
use serde_json::{Value, json};

fn run(scenario: &Scenario, replications: usize, months: usize, seed: u64) -> RunResults {
    let mut options = RunOptions::new(replications, months.div_ceil(12), seed);
    options.months = months;
    Model::new(scenario).unwrap().run(&options, &Silent).unwrap()
}

/// Children in care with `status` per replication and month.
fn by_status(r: &RunResults, status: LegalStatus) -> Array2<f64> {
    r.legal_status_totals().index_axis(Axis(1), status.index()).to_owned()
}

/// The default preset with no entries to care (no contacts; no care entry from open cases, which
/// children going home open), `looked_after` overrides for the hazards in care, and `position`
/// as its start: what happens to the children in care is theirs alone.
fn no_entries(looked_after: Value, position: StartingPosition) -> Scenario {
    let zeros = json!({"age_0": 0.0, "age_1_4": 0.0, "age_5_9": 0.0, "age_10_15": 0.0, "age_16_17": 0.0});
    let contact = json!({"identification": zeros, "referral": zeros, "crisis_care_entry": zeros});
    let mut scenario = Scenario::default_preset()
        .updated(json!({
            "hazards": {
                "not_known": contact, "previously_known": contact,
                "child_in_need": {"care_entry": zeros},
                "child_protection": {"care_entry": zeros},
                "looked_after": looked_after,
            }
        }))
        .unwrap();
    scenario.starting_position = Some(position);
    scenario.validate().unwrap();
    scenario
}

/// `n` children in care, each a family of its own, aged 2 to 15, with the legal status,
/// placement and UASC flag `describe(i)` gives and `months_in_care(i)` months in care.
fn children(
    n: usize,
    describe: impl Fn(usize) -> (LegalStatus, Placement, bool),
    months_in_care: impl Fn(usize) -> u32,
) -> StartingPosition {
    let children_in_care = (0..n)
        .map(|i| {
            let (legal_status, placement, uasc) = describe(i);
            let age_months = 24 + (i as u32 * 7) % 156;
            let mut child = ChildInCare::new(age_months, placement, months_in_care(i).min(age_months));
            child.family = Some(format!("family {i}"));
            child.legal_status = Some(legal_status);
            child.uasc = Some(uasc);
            child
        })
        .collect();
    StartingPosition { children_in_care, families_at_home: Vec::new() }
}

/// Exits from care stopped (placement moves too): the children stay as they are.
fn nobody_leaves() -> Value {
    json!({"return_home": {"under_6_months": 0.0, "months_6_to_24": 0.0, "over_24_months": 0.0},
           "adoption_under_5": 0.0, "special_guardianship": 0.0, "other_exit": 0.0, "placement_move": 0.0})
}

#[test]
fn legal_status_and_uasc_are_carried_from_the_start() {
    // 100 children, 20 of each status; every third one UASC; those on interim orders in care
    // 2 months, so their orders become care orders in month 4 (6 months after entry).
    let position = children(100, |i| (LegalStatus::ALL[i % 5], Placement::InHouseFoster, i % 3 == 0), |_| 2);
    let scenario = no_entries(nobody_leaves(), position);
    let r = run(&scenario, 2, 12, 5);
    for rep in 0..2 {
        for t in 0..12 {
            let count = |s: LegalStatus| by_status(&r, s)[[rep, t]];
            let (interim, order) = if t < 4 { (20.0, 20.0) } else { (0.0, 40.0) };
            assert_eq!(count(LegalStatus::InterimCareOrder), interim, "month {t}");
            assert_eq!(count(LegalStatus::CareOrder), order, "month {t}");
            for s in [LegalStatus::PlacementOrder, LegalStatus::Section20, LegalStatus::Other] {
                assert_eq!(count(s), 20.0, "{s} month {t}");
            }
            assert_eq!(r.uasc_totals()[[rep, t]], 34.0);
            assert_eq!(r.indicator("uasc_in_care").unwrap()[[rep, t]], 34.0);
            assert_eq!(r.indicator("legal_status_care_order").unwrap()[[rep, t]], order);
        }
    }
}

#[test]
fn an_interim_order_already_overdue_lasts_one_more_month() {
    let position = children(10, |_| (LegalStatus::InterimCareOrder, Placement::Ifa, false), |_| 30);
    let r = run(&no_entries(nobody_leaves(), position), 1, 3, 1);
    assert_eq!(by_status(&r, LegalStatus::InterimCareOrder).row(0).to_vec(), [10.0, 0.0, 0.0]);
    assert_eq!(by_status(&r, LegalStatus::CareOrder).row(0).to_vec(), [0.0, 10.0, 10.0]);
}

/// The children in care by legal status always add up to the children in care, and none is
/// UASC unless the start says so.
#[test]
fn legal_statuses_add_up_to_the_children_in_care() {
    for preset in ["wolverhampton-2015", "wolverhampton-2015-redesign"] {
        let r = run(&Scenario::preset(preset).unwrap(), 3, 24, 11);
        let total = r.legal_status_totals().sum_axis(Axis(1));
        assert_eq!(total, r.indicator("lac_stock").unwrap(), "{preset}");
        assert!(r.uasc_totals().iter().all(|&x| x == 0.0));
        assert!(by_status(&r, LegalStatus::InterimCareOrder).iter().any(|&x| x > 0.0));
        assert!(by_status(&r, LegalStatus::Section20).iter().any(|&x| x > 0.0));
        assert!(by_status(&r, LegalStatus::PlacementOrder).iter().all(|&x| x == 0.0));
    }
}

#[test]
fn entries_through_proceedings_are_on_interim_orders_and_the_rest_section_20() {
    let base = Scenario::default_preset();
    // Every entry through proceedings, interim orders of 3 months: nobody on section 20 (the
    // synthetic start fills statuses by the same share), and a child on an interim order is
    // one who entered in the last 3 months.
    let all = base
        .updated(json!({"hazards": {"looked_after": {"care_proceedings_share": 1.0, "interim_order_months": 3}}}))
        .unwrap();
    let r = run(&all, 2, 24, 3);
    assert!(by_status(&r, LegalStatus::Section20).iter().all(|&x| x == 0.0));
    let interim = by_status(&r, LegalStatus::InterimCareOrder);
    let entries = r.indicator("lac_entries").unwrap();
    for rep in 0..2 {
        for t in 3..24 {
            let recent: f64 = (t - 2..=t).map(|s| entries[[rep, s]]).sum();
            assert!(interim[[rep, t]] <= recent && interim[[rep, t]] > 0.0, "month {t}");
        }
    }
    // None through proceedings: everyone on section 20.
    let none = base.updated(json!({"hazards": {"looked_after": {"care_proceedings_share": 0.0}}})).unwrap();
    let r = run(&none, 2, 24, 3);
    assert_eq!(by_status(&r, LegalStatus::Section20), r.indicator("lac_stock").unwrap());
    // Orders of 0 months: care orders at once.
    let at_once = all.updated(json!({"hazards": {"looked_after": {"interim_order_months": 0}}})).unwrap();
    let r = run(&at_once, 2, 24, 3);
    assert_eq!(by_status(&r, LegalStatus::CareOrder), r.indicator("lac_stock").unwrap());
}

/// Half the children on section 20, half on care orders, each a family of its own, with the
/// preset's exits; no entries.
fn mixed_statuses() -> StartingPosition {
    children(
        400,
        |i| {
            let status = if i % 2 == 0 { LegalStatus::Section20 } else { LegalStatus::CareOrder };
            (status, Placement::InHouseFoster, false)
        },
        |i| (i as u32 * 5) % 40,
    )
}

fn with_policy(scenario: &Scenario, placements: Value) -> Scenario {
    scenario.updated(json!({"policy": {"placements": placements}})).unwrap()
}

#[test]
fn reunification_targeted_at_section_20_leaves_the_care_orders_alone() {
    let base = no_entries(json!({}), mixed_statuses());
    let baseline = with_policy(&base, json!({"reunification_multiplier": 1.0}));
    let targeted = with_policy(
        &base,
        json!({"reunification_multiplier": 3.0, "reunification_target": {"legal_statuses": ["section_20"]}}),
    );
    let everyone = with_policy(&base, json!({"reunification_multiplier": 3.0}));
    let (reps, months) = (20, 24);
    let (b, t, e) = (run(&baseline, reps, months, 9), run(&targeted, reps, months, 9), run(&everyone, reps, months, 9));
    // Each child is a family of its own with its own stream, so with common random numbers the
    // children on care orders, untargeted, have exactly the same paths.
    assert_eq!(by_status(&t, LegalStatus::CareOrder), by_status(&b, LegalStatus::CareOrder));
    assert_ne!(by_status(&e, LegalStatus::CareOrder), by_status(&b, LegalStatus::CareOrder));
    // The children on section 20 go home faster: over 20 replications of 200 children the mean
    // stock after two years is lower by far more than its noise (a few children).
    let mean_at = |r: &RunResults, s: LegalStatus| by_status(r, s).column(months - 1).mean().unwrap();
    let (before, after) = (mean_at(&b, LegalStatus::Section20), mean_at(&t, LegalStatus::Section20));
    assert!(after < before - 20.0, "section 20 after two years: {before} without, {after} with the lever");
    let home = |r: &RunResults| r.flows_by_replication().index_axis(Axis(1), Move::CareToHome.index()).sum();
    assert!(home(&t) > home(&b) && home(&e) > home(&t));
}

#[test]
fn a_target_nobody_falls_in_changes_nothing() {
    let base = no_entries(json!({}), mixed_statuses());
    let baseline = run(&with_policy(&base, json!({"reunification_multiplier": 1.0})), 4, 24, 2);
    for target in [
        json!({"min_months_in_care": 1199}),
        json!({"legal_statuses": ["interim_care_order"]}),
        json!({"legal_statuses": ["placement_order", "other"], "max_months_in_care": 60}),
    ] {
        let scenario = with_policy(&base, json!({"reunification_multiplier": 5.0, "reunification_target": target}));
        let r = run(&scenario, 4, 24, 2);
        assert_eq!(r.state_totals(), baseline.state_totals(), "{target}");
        assert_eq!(r.flows_by_replication(), baseline.flows_by_replication(), "{target}");
    }
}

#[test]
fn reunification_targeted_by_time_in_care_applies_only_inside_its_months() {
    // Children 0 to 39 months in care; the lever for 12 to 24 months in care only. Those over
    // 24 months at the start, untargeted for ever, keep their paths exactly: with each child its
    // own family, their counts by status match the baseline's among children over 24 months.
    let position = children(
        300,
        |i| (if i < 150 { LegalStatus::CareOrder } else { LegalStatus::Section20 }, Placement::Ifa, false),
        |i| if i < 150 { 30 } else { (i as u32) % 12 },
    );
    let base = no_entries(json!({}), position);
    let baseline = run(&with_policy(&base, json!({"reunification_multiplier": 1.0})), 10, 36, 4);
    let target = json!({"min_months_in_care": 12, "max_months_in_care": 24});
    let scenario = with_policy(&base, json!({"reunification_multiplier": 4.0, "reunification_target": target}));
    let r = run(&scenario, 10, 36, 4);
    assert_eq!(by_status(&r, LegalStatus::CareOrder), by_status(&baseline, LegalStatus::CareOrder));
    // The others (under 12 months in care at the start) are the same until they reach 12
    // months, the earliest in month 1, and fewer stay in care afterwards.
    let s20 = |r: &RunResults| by_status(r, LegalStatus::Section20);
    assert_eq!(s20(&r).column(0), s20(&baseline).column(0));
    assert!(s20(&r).column(35).mean().unwrap() < s20(&baseline).column(35).mean().unwrap() - 10.0);
}

#[test]
fn step_down_moves_children_out_of_residential_care_from_the_month_it_starts() {
    let position = children(300, |_| (LegalStatus::CareOrder, Placement::Residential, false), |i| (i as u32) % 24);
    let base = no_entries(json!({"placement_move": 0.5}), position);
    let baseline = run(&base, 10, 24, 6);
    let change = |set: Value| {
        let mut s = base.clone();
        s.changes.push(serde_json::from_value(json!({"from": "2016-04", "set": set})).unwrap());
        s.validate().unwrap();
        s
    };
    let stepped = run(&change(json!({"placements": {"step_down_multiplier": 4.0}})), 10, 24, 6);
    let residential =
        |r: &RunResults| r.placement_totals().index_axis(Axis(1), Placement::Residential.index()).to_owned();
    // The same until the change, a year in (events before it are drawn from the same hazards).
    let first_year = ndarray::s![.., ..12];
    assert_eq!(residential(&stepped).slice(first_year), residential(&baseline).slice(first_year));
    // Then fewer in residential care: with the default mix, about 85% of moves from residential
    // care go to family placements, so their rate goes up by more than three times.
    let (before, after) =
        (residential(&baseline).column(23).mean().unwrap(), residential(&stepped).column(23).mean().unwrap());
    assert!(after < before - 15.0, "residential after two years: {before} without, {after} with step-down");
    // A target by legal status that picks nobody here changes nothing.
    let nobody = change(json!({"placements": {"step_down_multiplier": 4.0,
                                              "step_down_target": {"legal_statuses": ["section_20"]}}}));
    assert_eq!(run(&nobody, 10, 24, 6).placement_totals(), baseline.placement_totals());
}

#[test]
fn special_guardianship_targeted_by_placement() {
    let position = children(
        400,
        |i| (LegalStatus::CareOrder, if i % 2 == 0 { Placement::Kinship } else { Placement::Ifa }, false),
        |i| (i as u32) % 30,
    );
    let base = no_entries(json!({"special_guardianship": 0.2, "placement_move": 0.0}), position);
    let baseline = run(&base, 10, 24, 8);
    let targeted = run(
        &with_policy(
            &base,
            json!({"special_guardianship_multiplier": 3.0, "special_guardianship_target": {"placements": ["kinship"]}}),
        ),
        10,
        24,
        8,
    );
    let sgo =
        |r: &RunResults| r.flows_by_replication().index_axis(Axis(1), Move::CareToSpecialGuardianship.index()).sum();
    // Kinship's rate tripled, agency foster care's as it was: up to twice as many special
    // guardianship orders, fewer as the kinship children run out (about 1.5 times; about 107
    // orders a replication without, so the ratio's noise over 10 replications is under 0.05).
    assert!(sgo(&targeted) > 1.3 * sgo(&baseline), "{} vs {}", sgo(&targeted), sgo(&baseline));
    let ifa = |r: &RunResults| r.placement_totals().index_axis(Axis(1), Placement::Ifa.index()).to_owned();
    assert_eq!(ifa(&targeted), ifa(&baseline), "children in agency foster care are not targeted");
}

#[test]
fn old_scenarios_write_none_of_the_new_fields() {
    for name in carecast::scenario::preset_names() {
        let text = Scenario::preset(name).unwrap().to_value().to_string();
        let fields = [
            "reunification_target",
            "step_down_multiplier",
            "step_down_target",
            "special_guardianship_multiplier",
            "special_guardianship_target",
            "interim_order_months",
        ];
        for field in fields {
            assert!(!text.contains(field), "{name} writes {field}");
        }
    }
}

fn field_error(e: CarecastError) -> (String, String, String) {
    let f = e.field().unwrap_or_else(|| panic!("no field in {e}"));
    (f.path.clone(), f.value.clone(), f.allowed.clone())
}

#[test]
fn bad_targets_are_refused_naming_the_field() {
    let s = Scenario::default_preset();
    let bad = |placements: Value| s.updated(json!({"policy": {"placements": placements}})).unwrap_err();
    let (path, _, allowed) = field_error(bad(json!({"reunification_target": {"placements": ["castle"]}})));
    assert!(path.starts_with("policy.placements.reunification_target.placements"), "{path}");
    assert!(allowed.contains("in_house_foster") && allowed.contains("residential"), "{allowed}");
    let (path, _, allowed) = field_error(bad(json!({"step_down_target": {"legal_statuses": ["c2"]}})));
    assert!(path.starts_with("policy.placements.step_down_target.legal_statuses"), "{path}");
    assert!(allowed.contains("section_20") && allowed.contains("interim_care_order"), "{allowed}");
    let (path, value, _) = field_error(bad(json!({"special_guardianship_target": {"placements": []}})));
    assert_eq!((path.as_str(), value.as_str()), ("policy.placements.special_guardianship_target.placements", "[]"));
    let target = json!({"min_months_in_care": 12, "max_months_in_care": 6});
    let (path, value, allowed) = field_error(bad(json!({"reunification_target": target})));
    assert_eq!((path.as_str(), value.as_str()), ("policy.placements.reunification_target.max_months_in_care", "6"));
    assert!(allowed.contains("above min_months_in_care (12)"), "{allowed}");
    let (path, _, _) = field_error(bad(json!({"step_down_multiplier": -1.0})));
    assert_eq!(path, "policy.placements.step_down_multiplier");
    let (path, _, _) = field_error(bad(json!({"reunification_target": {"max_months_in_care": 5000}})));
    assert_eq!(path, "policy.placements.reunification_target.max_months_in_care");
    // In a policy change, the path is the change's.
    let e = s
        .updated(json!({"changes": [{"from": "2016-04", "set": {"placements": {"reunification_target": {"placements": ["moon"]}}}}]}))
        .unwrap_err();
    let (path, _, _) = field_error(e);
    assert!(path.starts_with("changes[0].set.placements.reunification_target.placements"), "{path}");
}

#[test]
fn the_new_fields_are_parameters_with_their_ranges_and_keys() {
    let s = with_policy(
        &Scenario::default_preset(),
        json!({"step_down_multiplier": {"dist": "lognormal", "median": 2.0, "sigma": 0.2},
               "special_guardianship_multiplier": 1.5,
               "step_down_target": {"min_months_in_care": 3, "max_months_in_care": 12}}),
    );
    assert!(carecast::scenario::registry::unregistered_paths(&s).is_empty());
    let params = s.parameters();
    let step = params.iter().find(|p| p.path == "policy.placements.step_down_multiplier").unwrap();
    assert!(step.may_be_uncertain && step.distribution.is_some());
    assert!(params.iter().any(|p| p.path == "policy.placements.step_down_target.max_months_in_care"));
    let r = run(&s, 2, 12, 1);
    assert!(r.parameter_names.iter().any(|p| p == "policy.placements.step_down_multiplier"));
}

#[test]
fn care_proceedings_are_counted_per_family_application() {
    let series = |r: &RunResults, name: &str| r.indicator(name).unwrap().sum();
    let proceedings_activity = |r: &RunResults| {
        let i = carecast::outputs::Activity::CareProceedings.index();
        r.activity_by_month().index_axis(Axis(1), i).sum()
    };
    // No births into families, so a family keeps the size it came with.
    let scenario = |family_size: Value, share: f64| {
        Scenario::default_preset()
            .updated(json!({"population": {"family_size": family_size, "family_birth_rate": 0.0},
                            "hazards": {"sibling_group_entry": 1.0, "looked_after": {"care_proceedings_share": share}}}))
            .unwrap()
    };
    // Families of three, all entering together, all through proceedings: one application for
    // each family entry, of one to three children (those still at home).
    let r = run(&scenario(json!([0.0, 0.0, 1.0]), 1.0), 2, 24, 7);
    let (applications, entries) = (series(&r, "care_proceedings"), series(&r, "lac_entries"));
    assert!(applications > 0.0 && applications < entries && 3.0 * applications >= entries, "{applications} {entries}");
    assert_eq!(proceedings_activity(&r), applications);
    assert!(by_status(&r, LegalStatus::Section20).iter().all(|&x| x == 0.0));
    // Children alone: one application per child.
    let r = run(&scenario(json!([1.0]), 1.0), 2, 24, 7);
    assert_eq!(series(&r, "care_proceedings"), series(&r, "lac_entries"));
    // None through proceedings: no applications.
    let r = run(&scenario(json!([0.0, 0.0, 1.0]), 0.0), 2, 24, 7);
    assert_eq!(series(&r, "care_proceedings"), 0.0);
}
