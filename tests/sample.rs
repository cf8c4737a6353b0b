//! A parameter sample the scenario carries (`[uncertainty.sample]`, a calibrated posterior):
//! read from the CSV file beside the scenario file (or embedded, as a preset would ship it),
//! each replication taking one row drawn from the seed and the replication alone; bad files
//! refused naming the file, row and column.

use carecast::{CarecastError, ConfigError, Model, ParameterSample, RunOptions, RunResults, Scenario, Silent};
use std::path::PathBuf;

const REFERRAL: &str = "hazards.not_known.referral.age_5_9";
const SIBLINGS: &str = "hazards.sibling_group_entry";
const CIN_CLOSE: &str = "hazards.child_in_need.close";

/// The rows of `tests/data/sampled.sample.csv`.
const ROWS: [[f64; 2]; 3] = [[0.020, 0.30], [0.026, 0.45], [0.032, 0.60]];

fn data(file: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data").join(file)
}

fn sampled() -> Scenario {
    Scenario::from_file(data("sampled.toml")).unwrap()
}

fn config_error(e: CarecastError) -> ConfigError {
    match e {
        CarecastError::Config(c) => c,
        other => panic!("expected a config error, got {other:?}"),
    }
}

/// The values recorded for `paths` in each replication of `r`.
fn recorded(r: &RunResults, paths: &[&str]) -> Vec<Vec<f64>> {
    let at: Vec<usize> = paths
        .iter()
        .map(|p| r.parameter_names.iter().position(|n| n == p).unwrap_or_else(|| panic!("{p} not recorded")))
        .collect();
    r.parameter_draws.rows().into_iter().map(|row| at.iter().map(|&j| row[j]).collect()).collect()
}

/// The row of `ROWS` each replication took.
fn rows_taken(r: &RunResults) -> Vec<usize> {
    recorded(r, &[REFERRAL, SIBLINGS])
        .iter()
        .map(|v| {
            ROWS.iter()
                .position(|row| row[0] == v[0] && row[1] == v[1])
                .unwrap_or_else(|| panic!("{v:?} is not a row of the sample"))
        })
        .collect()
}

/// A temporary directory of its own for one test.
fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("carecast-sample-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A scenario file naming `sample.csv`, with `csv` as its text, in a directory of its own.
fn scenario_with_csv(name: &str, csv: &str) -> carecast::Result<Scenario> {
    let dir = temp_dir(name);
    std::fs::write(dir.join("s.toml"), "base = \"wolverhampton-2015\"\n[uncertainty.sample]\nfile = \"sample.csv\"\n")
        .unwrap();
    std::fs::write(dir.join("sample.csv"), csv).unwrap();
    let s = Scenario::from_file(dir.join("s.toml"));
    let _ = std::fs::remove_dir_all(&dir);
    s
}

#[test]
fn the_file_beside_the_scenario_is_read_into_it() {
    let s = sampled();
    let sample = s.uncertainty.sample.as_ref().unwrap();
    assert_eq!(sample.columns, [REFERRAL, SIBLINGS]);
    assert_eq!(sample.rows, ROWS.map(|r| r.to_vec()).to_vec());
    // The values written in place stay as they were.
    assert_eq!(s.parameter(REFERRAL).unwrap(), Scenario::default_preset().parameter(REFERRAL).unwrap());
    // The rows are part of the scenario: its equality and fingerprint.
    let other = s.with_sample(vec![REFERRAL.into()], vec![vec![0.02]]).unwrap();
    assert_ne!(other, s);
    assert_ne!(other.fingerprint(), s.fingerprint());
    assert_ne!(s.without_sample().fingerprint(), s.fingerprint());
    let same = Scenario::default_preset()
        .updated(serde_json::json!({"name": "sampled"}))
        .unwrap()
        .with_sample(vec![REFERRAL.into(), SIBLINGS.into()], ROWS.map(|r| r.to_vec()).to_vec())
        .unwrap();
    assert_eq!(same, s);
    assert_eq!(same.fingerprint(), s.fingerprint());
}

#[test]
fn each_replication_takes_one_row_drawn_from_the_seed_and_replication() {
    let s = sampled();
    let model = Model::new(&s).unwrap();
    assert_eq!(&model.parameter_names()[model.parameter_names().len() - 2..], [REFERRAL, SIBLINGS]);
    let run = |options: RunOptions| model.run(&options, &Silent).unwrap();
    let full = run(RunOptions::new(24, 1, 3).threads(1));
    let taken = rows_taken(&full);
    // Every row is taken at some replication (24 draws of 3 rows miss one with probability
    // 3 (2/3)^24 = 0.2%; the seed is fixed, so this either always holds or never does).
    for row in 0..3 {
        assert!(taken.contains(&row), "row {row} never taken: {taken:?}");
    }
    // The same seed gives the same rows and results, whatever the threads.
    let again = run(RunOptions::new(24, 1, 3).threads(2));
    assert_eq!(rows_taken(&again), taken);
    assert!(again == full);
    // ... and whatever replication ranges are run and merged.
    let parts = [run(RunOptions::new(0, 1, 3).range(0..7)), run(RunOptions::new(0, 1, 3).range(7..24).threads(2))];
    let merged = RunResults::merge(&parts).unwrap();
    assert_eq!(rows_taken(&merged), taken);
    assert!(merged == full);
    // Another seed draws other rows.
    assert_ne!(rows_taken(&run(RunOptions::new(24, 1, 4))), taken);
    // The replication is the scenario with its row's values set, on its own chance stream.
    let r = 5;
    let row = ROWS[taken[r]];
    let fixed = s.with_parameters(&[(REFERRAL, row[0]), (SIBLINGS, row[1])]).unwrap();
    assert!(fixed.uncertainty.sample.is_none(), "setting every column of the sample drops it");
    let alone = Model::new(&fixed).unwrap().run(&RunOptions::new(1, 1, 3).range(r..r + 1), &Silent).unwrap();
    let lac = full.indicator("lac_stock").unwrap();
    assert_eq!(alone.indicator("lac_stock").unwrap().row(0), lac.row(r));
}

#[test]
fn other_uncertainty_still_draws_and_a_sample_from_outside_wins() {
    let s = sampled()
        .updated(serde_json::json!({"uncertainty": {"parameters": [
            {"path": CIN_CLOSE, "distribution": {"dist": "gamma", "shape": 25.0, "scale": 0.06}}]}}))
        .unwrap();
    assert!(s.uncertainty.sample.is_some(), "the table merges beside the sample");
    let r = Model::new(&s).unwrap().run(&RunOptions::new(6, 1, 9), &Silent).unwrap();
    let close = recorded(&r, &[CIN_CLOSE]);
    for (rep, v) in close.iter().enumerate() {
        assert_eq!(v[0], s.uncertainty_draws(9, rep as u64).unwrap()[0].1, "the table draws as before");
    }
    rows_taken(&r);
    // A sample given to the run replaces the carried one, columns and all.
    let outside = ParameterSample::new(vec![REFERRAL.into()], ndarray::array![[0.021], [0.022]]);
    let model = Model::new(&s).unwrap().with_sample(outside).unwrap();
    assert_eq!(model.parameter_names().last().unwrap(), REFERRAL);
    assert!(!model.parameter_names().iter().any(|n| n == SIBLINGS));
    let r = model.run(&RunOptions::new(2, 1, 9), &Silent).unwrap();
    assert_eq!(recorded(&r, &[REFERRAL]), [[0.021], [0.022]]);
    // Setting one column keeps the others.
    let one = sampled().with_parameters(&[(SIBLINGS, 0.5)]).unwrap();
    let left = one.uncertainty.sample.as_ref().unwrap();
    assert_eq!(
        (left.columns.as_slice(), left.rows.as_slice()),
        ([REFERRAL.to_string()].as_slice(), [vec![0.020], vec![0.026], vec![0.032]].as_slice())
    );
}

#[test]
fn a_preset_ships_its_sample_embedded() {
    let s = Scenario::from_embedded(
        include_str!("data/sampled.toml"),
        "sampled (embedded)",
        &[("sampled.sample.csv", include_str!("data/sampled.sample.csv"))],
    )
    .unwrap();
    assert_eq!(s, sampled());
    let e = config_error(Scenario::from_embedded(include_str!("data/sampled.toml"), "x", &[]).unwrap_err());
    assert_eq!(e.path, "uncertainty.sample.file");
    assert!(e.value.contains("sampled.sample.csv"), "{e}");
}

#[test]
fn saved_beside_its_toml_and_in_place_it_reads_back() {
    let s = sampled();
    // In place, as columns and rows.
    let back = Scenario::from_toml_str(&s.to_toml(), "in place").unwrap();
    assert_eq!(back, s);
    // As a TOML file and the CSV beside it.
    let dir = temp_dir("saved");
    let (toml, csv) = s.to_toml_with_sample_file("mine.sample.csv");
    std::fs::write(dir.join("mine.toml"), toml).unwrap();
    std::fs::write(dir.join("mine.sample.csv"), csv.unwrap()).unwrap();
    let back = Scenario::from_file(dir.join("mine.toml")).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(back, s);
    // A scenario whose base file carries a sample reads it relative to the base.
    let dir = temp_dir("based");
    std::fs::create_dir_all(dir.join("sub")).unwrap();
    std::fs::copy(data("sampled.toml"), dir.join("sub/sampled.toml")).unwrap();
    std::fs::copy(data("sampled.sample.csv"), dir.join("sub/sampled.sample.csv")).unwrap();
    std::fs::write(dir.join("top.toml"), "base = \"sub/sampled.toml\"\nname = \"top\"\n").unwrap();
    let top = Scenario::from_file(dir.join("top.toml")).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(top.uncertainty.sample, s.uncertainty.sample);
}

#[test]
fn bad_sample_files_are_refused_naming_the_file_row_and_column() {
    let good = format!("{REFERRAL},{SIBLINGS}\n0.02,0.3\n");
    assert!(scenario_with_csv("good", &good).is_ok());
    let cases: Vec<(&str, String, &str, &str, &str)> = vec![
        // (name, CSV, in the error's path, in its value, in what is allowed)
        ("empty", String::new(), "sample.csv", "an empty file", "a header of parameter paths"),
        ("header", format!("{REFERRAL}\n"), "sample.csv", "no rows", "one row of numbers per draw"),
        (
            "unknown",
            "hazards.not_a_rate\n0.1\n".into(),
            "column \"hazards.not_a_rate\"",
            "no such parameter",
            "hazards.",
        ),
        (
            "word",
            format!("{REFERRAL},{SIBLINGS}\n0.02,0.3\n0.02,abc\n"),
            "row 2 (line 3), column \"hazards.sibling_group_entry\"",
            "\"abc\"",
            "a finite number",
        ),
        (
            "range",
            format!("{REFERRAL},{SIBLINGS}\n0.02,1.5\n"),
            "row 1 (line 2), column \"hazards.sibling_group_entry\"",
            "1.5",
            "[0, 1]",
        ),
        ("short", format!("{REFERRAL},{SIBLINGS}\n0.02\n"), "row 1 (line 2)", "1 values", "one value per column"),
        ("weight", format!("{REFERRAL},weight\n0.02,1\n"), "column \"weight\"", "a weight column", "equally likely"),
        (
            "twice",
            format!("{REFERRAL},{REFERRAL}\n0.02,0.02\n"),
            "column \"hazards.not_known.referral.age_5_9\"",
            "a second column",
            "one column",
        ),
        (
            "cost",
            "costs.discount_rate\n0.02\n".into(),
            "column \"costs.discount_rate\"",
            "costs.discount_rate",
            "not of its costs",
        ),
    ];
    for (name, csv, path, value, allowed) in cases {
        let e = config_error(scenario_with_csv(name, &csv).unwrap_err());
        assert!(e.path.contains("sample.csv") && e.path.contains(path), "{name}: path {:?}", e.path);
        assert!(e.value.contains(value), "{name}: value {:?}", e.value);
        assert!(e.allowed.contains(allowed), "{name}: allowed {:?}", e.allowed);
    }
    // A missing file, and a file given beside rows.
    let dir = temp_dir("missing");
    std::fs::write(dir.join("s.toml"), "base = \"wolverhampton-2015\"\n[uncertainty.sample]\nfile = \"nowhere.csv\"\n")
        .unwrap();
    let e = config_error(Scenario::from_file(dir.join("s.toml")).unwrap_err());
    assert_eq!(e.path, "uncertainty.sample.file");
    assert!(e.value.contains("nowhere.csv") && e.value.contains("no file at"), "{e}");
    std::fs::write(
        dir.join("s.toml"),
        "base = \"wolverhampton-2015\"\n[uncertainty.sample]\nfile = \"x.csv\"\nrows = [[0.1]]\n",
    )
    .unwrap();
    let e = config_error(Scenario::from_file(dir.join("s.toml")).unwrap_err());
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(e.path, "uncertainty.sample.rows");
    // A sampled parameter may not be given a distribution elsewhere too.
    let e = config_error(
        sampled()
            .updated(serde_json::json!({"uncertainty": {"parameters": [
                {"path": REFERRAL, "distribution": {"dist": "lognormal", "median": 0.026, "sigma": 0.2}}]}}))
            .unwrap_err(),
    );
    // (After an update in memory the sample no longer names its file.)
    assert_eq!(e.path, format!("uncertainty.sample, column \"{REFERRAL}\""));
    assert!(e.allowed.contains("one place"), "{e}");
    // In memory: the row and column by index.
    let e = config_error(
        Scenario::default_preset().with_sample(vec![SIBLINGS.into()], vec![vec![0.2], vec![-1.0]]).unwrap_err(),
    );
    assert_eq!(e.path, "uncertainty.sample.rows[1], column \"hazards.sibling_group_entry\"");
    let e = config_error(Scenario::default_preset().with_sample(vec![SIBLINGS.into()], vec![]).unwrap_err());
    assert_eq!(e.path, "uncertainty.sample rows");
}
