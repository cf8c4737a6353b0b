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
    assert_eq!(s.policy.early_help.places, 900);
    assert_eq!(s.population, Scenario::default_preset().population);
}

#[test]
fn updated_deep_merges_and_validates() {
    let base = Scenario::default_preset();
    let s = base.updated(json!({"policy": {"intensive_support": {"places": 30}}})).unwrap();
    assert_eq!(s.policy.intensive_support.places, 30);
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
    assert!(msg.contains("expected a whole number from 0"), "{msg}");
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
    let toml = base_toml().replace("waiting_dropout = 1.0", "waiting_dropout = -0.5");
    let c = config_error(error_of(&toml));
    assert_eq!(c.path, "hazards.early_help.waiting_dropout");
    assert!(c.allowed.contains(">= 0"));
    let toml = base_toml().replace("waiting_dropout = 1.0", "waiting_dropout = nan");
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
    assert!(matches!(e, CarecastError::UnknownPreset { .. }));
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
    assert_eq!(timeline.last().unwrap().1.early_help.places, 960);
}
