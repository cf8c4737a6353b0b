//! Scenario files: presets, round trips, overrides, and bad input giving typed errors that name
//! the field, the value and what is allowed.

use carecast::{CarecastError, Scenario, preset_names};
use serde_json::json;

fn base_toml() -> String {
    Scenario::default_preset().to_toml()
}

/// Parse `toml` and return the error message (panics if it parses).
fn error_of(toml: &str) -> CarecastError {
    match Scenario::from_toml_str(toml, "test.toml") {
        Ok(_) => panic!("expected an error"),
        Err(e) => e,
    }
}

fn config_error(e: CarecastError) -> carecast::ConfigError {
    match e {
        CarecastError::Config(c) => c,
        other => panic!("expected a ConfigError, got {other:?}"),
    }
}

#[test]
fn presets_are_listed_and_valid() {
    let names = preset_names();
    assert!(names.contains(&"wolverhampton-2015"));
    assert!(names.contains(&"wolverhampton-2015-redesign"));
    for name in names {
        let s = Scenario::preset(name).unwrap();
        assert_eq!(s.name, name);
        assert_eq!(s.authority, "wolverhampton");
        assert!(!s.policy_timeline().unwrap().is_empty());
    }
    let redesign = Scenario::preset("wolverhampton-2015-redesign").unwrap();
    let timeline = redesign.policy_timeline().unwrap();
    assert_eq!(timeline.len(), 3);
    assert_eq!(timeline[2].1.early_help.hubs, 8);
    assert_eq!(timeline[0].1.early_help.hubs, 25);
}

#[test]
fn unknown_preset_lists_the_available_ones() {
    let e = Scenario::preset("nowhere").unwrap_err();
    let msg = e.to_string();
    assert!(matches!(e, CarecastError::UnknownPreset { .. }));
    assert!(msg.contains("wolverhampton-2015"), "{msg}");
}

#[test]
fn toml_and_json_round_trip() {
    for name in preset_names() {
        let s = Scenario::preset(name).unwrap();
        let back = Scenario::from_toml_str(&s.to_toml(), "round trip").unwrap();
        assert_eq!(s, back);
        let json = serde_json::to_string(&s.to_value()).unwrap();
        assert_eq!(Scenario::from_json_str(&json, "round trip").unwrap(), s);
    }
}

#[test]
fn files_are_read_by_extension() {
    let dir = std::env::temp_dir().join(format!("carecast-scenario-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let toml_path = dir.join("s.toml");
    std::fs::write(&toml_path, base_toml()).unwrap();
    assert_eq!(Scenario::from_file(&toml_path).unwrap(), Scenario::default_preset());
    let json_path = dir.join("s.json");
    std::fs::write(&json_path, serde_json::to_string(&Scenario::default_preset().to_value()).unwrap()).unwrap();
    assert_eq!(Scenario::from_file(&json_path).unwrap(), Scenario::default_preset());
    let other = dir.join("s.yaml");
    std::fs::write(&other, "x").unwrap();
    assert!(matches!(Scenario::from_file(&other), Err(CarecastError::Parse { .. })));
    let missing = Scenario::from_file(dir.join("missing.toml")).unwrap_err();
    assert!(matches!(missing, CarecastError::Io { .. }), "{missing:?}");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn base_preset_with_overrides() {
    let s = Scenario::from_toml_str(
        "base = \"wolverhampton-2015\"\nname = \"more-places\"\n[policy.early_help]\nplaces = 900\n",
        "t",
    )
    .unwrap();
    assert_eq!(s.name, "more-places");
    assert_eq!(s.policy.early_help.places, Some(900));
    assert_eq!(s.population, Scenario::default_preset().population);
}

#[test]
fn updated_deep_merges_and_validates() {
    let base = Scenario::default_preset();
    let s = base.updated(json!({"policy": {"intensive_support": {"places": 30}}})).unwrap();
    assert_eq!(s.policy.intensive_support.places, Some(30));
    assert_eq!(s.policy.early_help, base.policy.early_help);
    let e = base.updated(json!({"hazards": {"sibling_group_entry": 1.5}})).unwrap_err();
    let c = config_error(e);
    assert_eq!(c.path, "hazards.sibling_group_entry");
    assert_eq!(c.value, "1.5");
    assert!(c.allowed.contains("[0, 1]"));
}

#[test]
fn probability_above_one_names_field_value_and_range() {
    let toml = base_toml().replace("sibling_group_entry = 0.45", "sibling_group_entry = 1.2");
    let c = config_error(error_of(&toml));
    assert_eq!(c.path, "hazards.sibling_group_entry");
    assert_eq!(c.value, "1.2");
    assert_eq!(c.allowed, "a probability in [0, 1]");
}

#[test]
fn negative_capacity_is_rejected_with_its_path() {
    let toml = base_toml().replace("places = 760", "places = -5");
    let e = error_of(&toml);
    let msg = e.to_string();
    assert!(matches!(e, CarecastError::Parse { .. }), "{e:?}");
    assert!(msg.contains("policy.early_help.places"), "{msg}");
    assert!(msg.contains("expected a whole number, 0 or more"), "{msg}");
    assert!(msg.contains("got -5"), "{msg}");
    let toml = base_toml().replace("places = 760", "places = 7.5");
    assert!(error_of(&toml).to_string().contains("got 7.5"));
}

#[test]
fn unknown_field_is_an_error_with_its_path() {
    let toml = base_toml().replace("[policy.outreach]\n", "[policy.outreach]\nintensity = 2.0\n");
    let msg = error_of(&toml).to_string();
    assert!(msg.contains("policy.outreach"), "{msg}");
    assert!(msg.contains("unknown field `intensity`"), "{msg}");
}

#[test]
fn shares_must_sum_to_one() {
    let toml = base_toml().replace("family_size = [", "family_size = [0.5, ");
    let c = config_error(error_of(&toml));
    assert_eq!(c.path, "population.family_size");
    assert!(c.allowed.contains("sum to 1"));
}

#[test]
fn non_finite_and_negative_rates_are_rejected() {
    assert!(base_toml().contains("waiting_dropout = 2.0"), "the preset's value this test replaces");
    let toml = base_toml().replace("waiting_dropout = 2.0", "waiting_dropout = -0.5");
    let c = config_error(error_of(&toml));
    assert_eq!(c.path, "hazards.early_help.waiting_dropout");
    assert!(c.allowed.contains(">= 0"));
    let toml = base_toml().replace("waiting_dropout = 2.0", "waiting_dropout = nan");
    let c = config_error(error_of(&toml));
    assert_eq!(c.path, "hazards.early_help.waiting_dropout");
}

#[test]
fn wrong_type_and_malformed_text_are_parse_errors() {
    let toml = base_toml().replace("under_18 = 57000", "under_18 = \"many\"");
    let msg = error_of(&toml).to_string();
    assert!(msg.contains("population.under_18"), "{msg}");
    let e = error_of("name = \"x\"\n[population\n");
    assert!(matches!(e, CarecastError::Parse { .. }));
    let e = Scenario::from_json_str("{\"name\": ", "t.json").unwrap_err();
    assert!(matches!(e, CarecastError::Parse { .. }));
}

#[test]
fn bad_month_and_bad_change_order() {
    let toml = base_toml().replace("start = \"2015-04\"", "start = \"2015-13\"");
    let msg = error_of(&toml).to_string();
    assert!(msg.contains("start"), "{msg}");
    let s = Scenario::preset("wolverhampton-2015-redesign").unwrap();
    let mut value = s.to_value();
    value["changes"][2]["from"] = json!("2015-06"); // before changes[1] (2015-10)
    let c = config_error(Scenario::from_value(value, "t").unwrap_err());
    assert_eq!(c.path, "changes[2].from");
    assert!(c.allowed.contains("calendar order"));
}

#[test]
fn bad_values_inside_a_change_name_the_change() {
    let s = Scenario::preset("wolverhampton-2015-redesign").unwrap();
    let mut value = s.to_value();
    value["changes"][2]["set"]["early_help"]["over_fives_target"] = json!(2.0);
    let c = config_error(Scenario::from_value(value.clone(), "t").unwrap_err());
    assert_eq!(c.path, "changes[2].set.early_help.over_fives_target");
    value["changes"][2]["set"]["early_help"]["over_fives_target"] = json!(0.5);
    value["changes"][2]["set"]["early_help"]["spare"] = json!(1);
    let msg = Scenario::from_value(value, "t").unwrap_err().to_string();
    assert!(msg.contains("changes[2].set.early_help") && msg.contains("unknown field `spare`"), "{msg}");
}

#[test]
fn distributions_are_checked() {
    let base = Scenario::default_preset();
    let ok = base
        .updated(json!({"policy": {"early_help": {"effect_on_care_entry": {"dist": "triangular", "min": 0.6, "mode": 0.8, "max": 1.0}}}}))
        .unwrap();
    assert!(ok.policy.early_help.effect_on_care_entry.is_uncertain());
    let e = base
        .updated(
            json!({"policy": {"early_help": {"effect_on_care_entry": {"dist": "normal", "mean": 0.8, "sd": -1.0}}}}),
        )
        .unwrap_err();
    assert_eq!(config_error(e).path, "policy.early_help.effect_on_care_entry.sd");
    let e = base
        .updated(
            json!({"policy": {"early_help": {"effect_on_care_entry": {"dist": "uniform", "low": 0.9, "high": 0.5}}}}),
        )
        .unwrap_err();
    assert_eq!(config_error(e).path, "policy.early_help.effect_on_care_entry.high");
    let e = base
        .updated(json!({"policy": {"early_help": {"effect_on_care_entry": {"dist": "weibull", "k": 1.0}}}}))
        .unwrap_err();
    assert!(e.to_string().contains("effect_on_care_entry"), "{e}");
    let e = base.updated(json!({"policy": {"early_help": {"effect_on_care_entry": "strong"}}})).unwrap_err();
    assert!(e.to_string().contains("expected a number or a distribution"), "{e}");
}

#[test]
fn intensive_support_ages_must_be_ordered() {
    let base = Scenario::default_preset();
    let e = base.updated(json!({"policy": {"intensive_support": {"min_age": 12, "max_age": 10}}})).unwrap_err();
    let c = config_error(e);
    assert_eq!(c.path, "policy.intensive_support.min_age");
    let e = base.updated(json!({"policy": {"intensive_support": {"max_age": 18}}})).unwrap_err();
    assert_eq!(config_error(e).path, "policy.intensive_support.max_age");
}

#[test]
fn base_must_name_a_preset() {
    let e = Scenario::from_value(json!({"base": "atlantis"}), "t").unwrap_err();
    let c = config_error(e);
    assert_eq!((c.path.as_str(), c.value.as_str()), ("base", "\"atlantis\""));
    assert!(c.allowed.contains("wolverhampton-2015") && c.allowed.contains(".toml"), "{}", c.allowed);
    let e = Scenario::from_value(json!({"base": 3}), "t").unwrap_err();
    assert_eq!(config_error(e).path, "base");
    let e = Scenario::from_value(json!([1, 2]), "t").unwrap_err();
    assert!(matches!(e, CarecastError::Parse { .. }));
}

#[test]
fn readme_scenario_example_is_valid() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let block = readme.split("```toml\n").nth(1).expect("README has a TOML example").split("```").next().unwrap();
    let s = Scenario::from_toml_str(block, "README example").unwrap();
    assert_eq!(s.name, "more-early-help");
    let timeline = s.policy_timeline().unwrap();
    assert_eq!(timeline.last().unwrap().1.early_help.places, Some(960));
}

/// The field error of a parse error (wrong type, unknown or missing field).
fn parse_field(e: CarecastError) -> carecast::ConfigError {
    match &e {
        CarecastError::Parse { field: Some(f), .. } => f.clone(),
        other => panic!("expected a parse error naming its field, got {other:?}"),
    }
}

#[test]
fn structural_errors_name_field_value_and_allowed() {
    let toml = base_toml().replace("sibling_group_entry = 0.45", "sibling_group_entry = \"41%\"");
    let f = parse_field(error_of(&toml));
    assert_eq!((f.path.as_str(), f.value.as_str()), ("hazards.sibling_group_entry", "\"41%\""));
    assert!(f.allowed.contains("a number") && f.allowed.contains("write 0.41"), "{}", f.allowed);

    let toml = base_toml().replace("[policy.outreach]\n", "[policy.outreach]\nintensity = 2.0\n");
    let f = parse_field(error_of(&toml));
    assert_eq!((f.path.as_str(), f.value.as_str()), ("policy.outreach.intensity", "intensity"));
    assert!(f.allowed.contains("identification_multiplier"), "{}", f.allowed);

    let toml = base_toml().replace("places = 760", "places = -5");
    let f = parse_field(error_of(&toml));
    assert_eq!((f.path.as_str(), f.value.as_str()), ("policy.early_help.places", "-5"));
    assert_eq!(f.allowed, "a whole number, 0 or more");

    let toml = base_toml().replace("authority = \"wolverhampton\"\n", "");
    let f = parse_field(error_of(&toml));
    assert_eq!(f.path, "authority");

    let e = Scenario::default_preset().updated(json!({"policy": {"early_help": {"allocation": "lottery"}}}));
    let f = parse_field(e.unwrap_err());
    assert_eq!((f.path.as_str(), f.value.as_str()), ("policy.early_help.allocation", "\"lottery\""));
    assert!(f.allowed.contains("over_fives_share"), "{}", f.allowed);
}

#[test]
fn a_change_with_a_wrong_type_names_the_change() {
    let base = Scenario::default_preset();
    let e = base.with_change("2016-02".parse().unwrap(), json!({"early_help": {"places": "lots"}}), "").unwrap_err();
    let f = parse_field(e);
    assert_eq!(f.path, "changes[0].set.early_help.places");
}

#[test]
fn with_change_keeps_the_existing_changes_in_calendar_order() {
    let redesign = Scenario::preset("wolverhampton-2015-redesign").unwrap();
    let before: Vec<_> = redesign.changes.iter().map(|c| c.from).collect();
    let late =
        redesign.with_change("2018-01".parse().unwrap(), json!({"early_help": {"places": 1000}}), "late").unwrap();
    assert_eq!(late.changes.len(), before.len() + 1);
    assert_eq!(late.changes.last().unwrap().note, "late");
    let early = redesign.with_change("2015-06".parse().unwrap(), json!({"early_help": {"places": 800}}), "").unwrap();
    let months: Vec<_> = early.changes.iter().map(|c| c.from).collect();
    assert!(months.windows(2).all(|w| w[0] < w[1]), "{months:?}");
    assert_eq!(months.len(), before.len() + 1);
    // The carried posterior's columns move with their changes (the new one is changes[1]).
    let columns = |s: &Scenario| s.uncertainty.sample.as_ref().unwrap().columns.clone();
    assert!(columns(&redesign).contains(&"changes[1].set.intensive_support.effect_on_care_entry".to_string()));
    assert!(columns(&early).contains(&"changes[2].set.intensive_support.effect_on_care_entry".to_string()));
    assert!(columns(&early).contains(&"changes[0].set.placements.reunification_multiplier".to_string()));
    // A value set over a sampled path replaces its column.
    let hubs = before[2];
    let set = redesign.with_change(hubs, json!({"early_help": {"effect_on_care_entry": 0.5}}), "").unwrap();
    assert!(!columns(&set).contains(&"changes[2].set.early_help.effect_on_care_entry".to_string()));
    assert_eq!(columns(&set).len(), columns(&redesign).len() - 1);
    // So does a distribution written there.
    let prior = json!({"early_help": {"effect_on_care_entry": {"dist": "uniform", "low": 0.6, "high": 1.0}}});
    let drawn = redesign.with_change(hubs, prior, "").unwrap();
    assert!(!columns(&drawn).contains(&"changes[2].set.early_help.effect_on_care_entry".to_string()));
    // updated() likewise, and replacing the changes takes their columns out.
    let over =
        redesign.updated(json!({"changes": [{"from": "2016-02", "set": {"early_help": {"places": 900}}}]})).unwrap();
    assert!(over.uncertainty.sample.is_none(), "every column was on the replaced changes");
    // Same month as an existing change: merged over it, keeping what it set.
    let first = before[0];
    let same = redesign.with_change(first, json!({"intensive_support": {"places": 5}}), "also").unwrap();
    assert_eq!(same.changes.len(), before.len());
    let merged = &same.changes[0];
    for key in redesign.changes[0].set.keys() {
        assert!(merged.set.contains_key(key), "kept {key}");
    }
    assert!(merged.note.ends_with("also"));
    // Before the start, or not a table.
    let e = redesign.with_change("2014-01".parse().unwrap(), json!({}), "").unwrap_err();
    assert_eq!(config_error(e).path, "from");
    let e = redesign.with_change("2017-01".parse().unwrap(), json!(3), "").unwrap_err();
    assert_eq!(config_error(e).path, "set");
}

#[test]
fn base_may_be_another_scenario_file_relative_to_the_one_naming_it() {
    let dir = std::env::temp_dir().join(format!("carecast-base-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("variants")).unwrap();
    std::fs::write(
        dir.join("council.toml"),
        "base = \"wolverhampton-2015\"\nname = \"council\"\n[policy.early_help]\nplaces = 700\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("variants/more.toml"),
        "base = \"../council.toml\"\nname = \"more\"\n[policy.intensive_support]\nplaces = 30\n",
    )
    .unwrap();
    let s = Scenario::from_file(dir.join("variants/more.toml")).unwrap();
    assert_eq!(s.name, "more");
    assert_eq!(s.policy.early_help.places, Some(700), "from the base file");
    assert_eq!(s.policy.intensive_support.places, Some(30), "its own");

    // A cycle of bases is an error naming the chain.
    std::fs::write(dir.join("a.toml"), "base = \"b.toml\"\n").unwrap();
    std::fs::write(dir.join("b.toml"), "base = \"a.toml\"\n").unwrap();
    let c = config_error(Scenario::from_file(dir.join("a.toml")).unwrap_err());
    assert_eq!(c.path, "base");
    assert!(
        c.value.contains("a.toml -> ") && c.value.contains("b.toml -> ") && c.value.ends_with("a.toml"),
        "{}",
        c.value
    );

    // A missing base file names where it was looked for.
    std::fs::write(dir.join("lost.toml"), "base = \"nowhere.toml\"\n").unwrap();
    let c = config_error(Scenario::from_file(dir.join("lost.toml")).unwrap_err());
    assert!(c.value.contains("nowhere.toml"), "{}", c.value);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn errors_in_a_files_changes_name_the_file_and_the_field() {
    let dir = std::env::temp_dir().join(format!("carecast-changes-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("ours.toml");
    let bad_month =
        "base = \"wolverhampton-2015\"\n[[changes]]\nfrom = \"2016-13\"\n[changes.set.early_help]\nplaces = 9\n";
    std::fs::write(&file, bad_month).unwrap();
    let f = parse_field(Scenario::from_file(&file).unwrap_err());
    assert_eq!((f.path.as_str(), f.value.as_str()), ("changes[0].from", "\"2016-13\""));
    assert!(f.allowed.contains("YYYY-MM"), "{}", f.allowed);
    let bad_places = bad_month.replace("2016-13", "2016-04").replace("places = 9", "places = -3");
    std::fs::write(&file, bad_places).unwrap();
    let e = Scenario::from_file(&file).unwrap_err();
    assert!(e.to_string().contains("ours.toml"), "{e}");
    assert_eq!(parse_field(e).path, "changes[0].set.early_help.places");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The default preset with early help given as posts, and its post's cost.
fn staffed(policy: serde_json::Value) -> carecast::Result<Scenario> {
    let post = json!({"amount": 36000, "per": "year", "price_year": "2015/16"});
    Scenario::default_preset().updated(json!({"policy": policy, "costs": {"posts": {"early_help": post}}}))
}

#[test]
fn posts_round_trip_through_toml_and_give_the_places() {
    let s = staffed(json!({"early_help": {"staff": {"posts": 37.5, "caseload": 20}}})).unwrap();
    assert_eq!(s.policy.early_help.places, None, "staff replaces the base's places");
    assert_eq!(s.policy.early_help.capacity(), 750);
    let text = s.to_toml();
    assert!(text.contains("posts = 37.5") && !text.contains("places = 760"), "{text}");
    let back = Scenario::from_toml_str(&text, "round trip").unwrap();
    assert_eq!(back, s);
    assert_eq!(Scenario::from_value(s.to_value(), "json").unwrap(), s);
    // A scenario without posts writes none of it.
    let plain = Scenario::default_preset().to_toml();
    assert!(!plain.contains("staff") && !plain.contains("[costs.posts"), "{plain}");
}

#[test]
fn posts_and_places_together_or_neither_are_refused_naming_the_fields() {
    let both = staffed(json!({"early_help": {"places": 700, "staff": {"posts": 30, "caseload": 20}}})).unwrap_err();
    let f = field(&both);
    assert_eq!(f.path, "policy.early_help.places and policy.early_help.staff");
    assert_eq!(f.value, "both given");
    assert!(f.allowed.contains("one of them"), "{}", f.allowed);
    // In a change too, named where it is written.
    let base = staffed(json!({"early_help": {"staff": {"posts": 30, "caseload": 20}}})).unwrap();
    let e = base
        .with_change(
            "2016-02".parse().unwrap(),
            json!({"intensive_support": {"places": 5, "staff": {"posts": 1, "caseload": 5}}}),
            "",
        )
        .unwrap_err();
    assert_eq!(field(&e).path, "changes[0].set.intensive_support.places and changes[0].set.intensive_support.staff");
    // Neither: the places are missing.
    let mut value = Scenario::default_preset().to_value();
    value["policy"]["early_help"].as_object_mut().unwrap().remove("places");
    let e = Scenario::from_value(value, "neither").unwrap_err();
    assert_eq!((field(&e).path.as_str(), field(&e).value.as_str()), ("policy.early_help.places", "missing"));
}

#[test]
fn posts_out_of_range_and_a_missing_salary_are_refused_with_what_is_allowed() {
    let e = staffed(json!({"early_help": {"staff": {"posts": -1, "caseload": 20}}})).unwrap_err();
    assert_eq!(field(&e).path, "policy.early_help.staff.posts");
    assert!(field(&e).allowed.contains("full-time equivalent posts from 0 to 100,000"), "{}", field(&e).allowed);
    let e = staffed(json!({"early_help": {"staff": {"posts": 10, "caseload": 0}}})).unwrap_err();
    assert_eq!((field(&e).path.as_str(), field(&e).value.as_str()), ("policy.early_help.staff.caseload", "0"));
    let e = staffed(json!({"early_help": {"staff": {"posts": 100000, "caseload": 999}}})).unwrap_err();
    assert_eq!(field(&e).path, "policy.early_help.staff");
    assert!(field(&e).allowed.contains("1,000,000 places"), "{}", field(&e).allowed);
    // Posts in a change need the cost of a post: the error says where the posts are given.
    let e = Scenario::default_preset()
        .with_change("2016-02".parse().unwrap(), json!({"early_help": {"staff": {"posts": 40, "caseload": 20}}}), "")
        .unwrap_err();
    let f = field(&e);
    assert_eq!((f.path.as_str(), f.value.as_str()), ("costs.posts.early_help", "missing"));
    assert!(f.allowed.contains("changes[0].set.early_help.staff") && f.allowed.contains("2016-02"), "{}", f.allowed);
    // A post is paid by the month or year, not per event.
    let each = json!({"amount": 36000, "per": "each", "price_year": "2015/16"});
    let e = Scenario::default_preset().updated(json!({"costs": {"posts": {"intensive_support": each}}})).unwrap_err();
    assert_eq!(field(&e).path, "costs.posts.intensive_support.per");
    assert!(field(&e).allowed.contains("\"month\" or \"year\""), "{}", field(&e).allowed);
    let sw = json!({"salary": {"amount": 50000, "per": "year", "price_year": "2015/16"},
                    "child_in_need_caseload": 20, "child_protection_caseload": -3});
    let e = Scenario::default_preset().updated(json!({"costs": {"posts": {"social_work": sw}}})).unwrap_err();
    assert_eq!(field(&e).path, "costs.posts.social_work.child_protection_caseload");
    // An unknown field in staff is named.
    let e = staffed(json!({"early_help": {"staff": {"posts": 10, "caseload": 20, "fte": 3}}})).unwrap_err();
    assert!(e.to_string().contains("unknown field `fte`"), "{e}");
}

/// The field a validation error (or a parse error naming its field) is about.
fn field(e: &CarecastError) -> carecast::ConfigError {
    match e {
        CarecastError::Config(c) => c.clone(),
        CarecastError::Parse { field: Some(f), .. } => f.clone(),
        other => panic!("expected an error naming its field, got {other:?}"),
    }
}

#[test]
fn the_posts_illustrations_give_the_presets_places() {
    // docs/examples: the presets with early help and intensive support given as posts. The
    // policy differs from the presets' only in how the capacity is written.
    for (file, preset) in [
        ("wolverhampton-2015-posts.toml", "wolverhampton-2015"),
        ("wolverhampton-2015-redesign-posts.toml", "wolverhampton-2015-redesign"),
    ] {
        let s = Scenario::from_file(format!("{}/docs/examples/{file}", env!("CARGO_MANIFEST_DIR"))).unwrap();
        let p = Scenario::preset(preset).unwrap();
        let capacity = |s: &Scenario| -> Vec<(String, u32, u32)> {
            s.policy_timeline()
                .unwrap()
                .into_iter()
                .map(|(m, pol)| (m.to_string(), pol.early_help.capacity(), pol.intensive_support.capacity()))
                .collect()
        };
        assert_eq!(capacity(&s), capacity(&p), "{file}");
        let timeline = s.policy_timeline().unwrap();
        assert!(timeline.iter().all(|(_, pol)| pol.early_help.staff.is_some()), "{file}");
        let strip = |s: &Scenario| {
            s.policy_timeline()
                .unwrap()
                .into_iter()
                .map(|(m, mut pol)| {
                    for (places, staff) in [
                        (&mut pol.early_help.places, pol.early_help.staff.take()),
                        (&mut pol.intensive_support.places, pol.intensive_support.staff.take()),
                    ] {
                        *places = Some(places.unwrap_or_else(|| staff.map_or(0, |s| s.places())));
                    }
                    (m, pol)
                })
                .collect::<Vec<_>>()
        };
        assert_eq!(strip(&s), strip(&p), "{file}: the same policy, written as posts");
    }
}

#[test]
fn a_preset_keeps_the_sources_in_its_comments_and_a_file_based_on_it_its_own() {
    let redesign = Scenario::preset("wolverhampton-2015-redesign").unwrap();
    // Inherited from the base preset's file, line by line and by table.
    assert!(redesign.sources.of("population.under_18").unwrap().starts_with("sources §1"));
    assert!(redesign.sources.of("hazards.not_known.referral.age_5_9").unwrap().contains("Calibrated"));
    let documented = redesign.parameters().iter().filter(|p| p.source.is_some()).count();
    assert!(documented * 2 > redesign.parameters().len(), "most parameters have a source");

    let dir = std::env::temp_dir().join(format!("carecast-sources-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("ours.toml");
    std::fs::write(
        &path,
        "base = \"wolverhampton-2015\"\nname = \"ours\"\n[population]\nunder_18 = 60000  # our mid-year estimate\n\
         [hazards]\nsibling_group_entry = 0.5\n",
    )
    .unwrap();
    let ours = Scenario::from_file(&path).unwrap();
    assert_eq!(ours.sources.of("population.under_18"), Some("our mid-year estimate"));
    assert_eq!(ours.sources.of("hazards.sibling_group_entry"), None, "a replaced value loses its base's source");
    assert_eq!(ours, Scenario::from_value(ours.to_value(), "copy").unwrap(), "sources are not part of equality");
    assert!(Scenario::from_value(ours.to_value(), "copy").unwrap().sources.is_empty());
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn reported_figures_are_read_and_checked() {
    let redesign = Scenario::preset("wolverhampton-2015-redesign").unwrap();
    assert!(redesign.reported.iter().any(|f| matches!(
        f,
        carecast::scenario::ReportedFigure::ChildrenInCare { value, .. } if *value == 626.0
    )));
    let with = |figure: &str| format!("{}\n[[reported]]\n{figure}\n", base_toml());
    let e = config_error(error_of(&with(
        "measure = \"children_in_care\"\nmonth = \"2017-03\"\nvalue = -1\nsource = \"x\"",
    )));
    assert_eq!(e.path, "reported[0].value");
    let e =
        config_error(error_of(&with("measure = \"savings\"\nfinancial_year = \"2016/17\"\nvalue = 1\nsource = \" \"")));
    assert_eq!(e.path, "reported[0].source");
    let e = error_of(&with("measure = \"waiting\"\nmonth = \"2017-03\"\nvalue = 1\nsource = \"x\"")).to_string();
    assert!(e.contains("children_in_care") && e.contains("savings"), "{e}");
    let e = error_of(&with("measure = \"savings\"\nmonth = \"2017-03\"\nvalue = 1\nsource = \"x\"")).to_string();
    assert!(e.contains("month") || e.contains("financial_year"), "{e}");
}
