//! Writes the exact expected path (`project_exact`) of a few scenarios to a file, every array
//! at full precision, and compares two such files: the check that a change to the recursion
//! left the exact mode's numbers as they were.
//!
//! ```sh
//! cargo run --release --example expected_dump -- write before.txt     # on the old code
//! cargo run --release --example expected_dump -- write after.txt      # on the new code
//! cargo run --release --example expected_dump -- compare before.txt after.txt
//! ```
//!
//! The scenarios: the two presets, and the default preset with families of one (no births into
//! families), each over four years; `EXTRA=file.toml` adds another. `compare` prints the
//! largest relative difference, `|a - b| / max(|a|, |b|, 1e-9)`, and fails above 1e-12. A
//! series all zeros in the first file (one the old code did not fill) is listed as newly
//! filled instead of compared.

use carecast::Scenario;
use carecast::expected::ExpectedPath;
use carecast::outputs::Series;
use serde_json::json;
use std::fmt::Write as _;

fn scenarios() -> Vec<Scenario> {
    let mut out = vec![
        Scenario::preset("wolverhampton-2015").unwrap(),
        Scenario::preset("wolverhampton-2015-redesign").unwrap(),
        Scenario::default_preset()
            .updated(json!({"population": {"family_size": [1.0], "family_birth_rate": 0.0}}))
            .unwrap(),
    ];
    if let Ok(file) = std::env::var("EXTRA") {
        out.push(Scenario::from_file(&file).expect("a scenario file"));
    }
    out
}

fn arrays(path: &ExpectedPath) -> Vec<(&'static str, Vec<f64>)> {
    vec![
        ("initial_lac", vec![path.initial_lac]),
        ("series", path.series.iter().copied().collect()),
        ("flows", path.flows.iter().copied().collect()),
        ("stocks", path.stocks.iter().copied().collect()),
        ("placements", path.placements.iter().copied().collect()),
        ("legal_statuses", path.legal_statuses.iter().copied().collect()),
        ("uasc", path.uasc.to_vec()),
        ("population", path.population.to_vec()),
        ("queues", path.queues.iter().copied().collect()),
        ("caseloads", path.caseloads.iter().copied().collect()),
    ]
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some("write") => {
            let mut text = String::new();
            for (i, scenario) in scenarios().iter().enumerate() {
                let path = carecast::expected::project_exact(scenario, 48).expect("a valid scenario");
                for (name, values) in arrays(&path) {
                    write!(text, "{i} {name}").unwrap();
                    for x in values {
                        write!(text, " {x:e}").unwrap();
                    }
                    text.push('\n');
                }
            }
            std::fs::write(&args[2], text).expect("a writable file");
        }
        Some("compare") => {
            let read = |f: &str| std::fs::read_to_string(f).expect("a file written by `write`");
            let (a, b) = (read(&args[2]), read(&args[3]));
            let mut worst: (f64, String) = (0.0, String::new());
            let mut lines = 0;
            let mut filled = std::collections::BTreeSet::new();
            for (la, lb) in a.lines().zip(b.lines()) {
                let (wa, wb): (Vec<&str>, Vec<&str>) = (la.split(' ').collect(), lb.split(' ').collect());
                assert_eq!(wa[..2], wb[..2], "the files list the same arrays");
                assert_eq!(wa.len(), wb.len(), "{} {}: the same length", wa[0], wa[1]);
                let months = (wa.len() - 2) / Series::COUNT;
                let old_zeros = |s: usize| wa[2 + s * months..2 + (s + 1) * months].iter().all(|x| *x == "0e0");
                for (j, (x, y)) in wa[2..].iter().zip(&wb[2..]).enumerate() {
                    if wa[1] == "series" && old_zeros(j / months) {
                        if *y != "0e0" {
                            filled.insert(Series::NAMES[j / months]);
                        }
                        continue;
                    }
                    let (x, y): (f64, f64) = (x.parse().unwrap(), y.parse().unwrap());
                    let rel = (x - y).abs() / x.abs().max(y.abs()).max(1e-9);
                    if rel > worst.0 || rel.is_nan() {
                        worst = (rel, format!("scenario {} {}[{j}]: {x} vs {y}", wa[0], wa[1]));
                    }
                }
                lines += 1;
            }
            assert_eq!(a.lines().count(), b.lines().count(), "the files list the same arrays");
            println!("{lines} arrays; largest relative difference {:e} ({})", worst.0, worst.1);
            if !filled.is_empty() {
                println!("series newly filled (all zeros before, not compared): {filled:?}");
            }
            assert!(worst.0 <= 1e-12, "exact mode changed");
        }
        _ => eprintln!("usage: expected_dump write FILE | compare FILE FILE"),
    }
}
