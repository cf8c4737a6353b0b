//! Extreme values never crash: every numeric field of the default preset, set to zero and to a
//! large value, either is rejected with an error or runs without panicking.

use carecast::{Model, RunOptions, Scenario, Silent};
use serde_json::Value;

/// Paths (as JSON pointers) of every number in `v`.
fn numeric_leaves(v: &Value, path: String, out: &mut Vec<String>) {
    match v {
        Value::Number(_) => out.push(path),
        Value::Object(m) => m.iter().for_each(|(k, x)| {
            // JSON pointer escaping: `~` as `~0`, `/` (as in "2015/16") as `~1`.
            let key = k.replace('~', "~0").replace('/', "~1");
            numeric_leaves(x, format!("{path}/{key}"), out)
        }),
        Value::Array(a) => a.iter().enumerate().for_each(|(i, x)| numeric_leaves(x, format!("{path}/{i}"), out)),
        _ => {}
    }
}

fn check(base: &Value, replacement: Value) -> (usize, usize) {
    let mut leaves = Vec::new();
    numeric_leaves(base, String::new(), &mut leaves);
    let (mut accepted, mut rejected) = (0, 0);
    for pointer in leaves {
        let mut v = base.clone();
        *v.pointer_mut(&pointer).unwrap() = replacement.clone();
        match Scenario::from_value(v, "robustness") {
            Err(e) => {
                assert!(!e.to_string().is_empty());
                rejected += 1;
            }
            Ok(s) => {
                let model = Model::new(&s).unwrap_or_else(|e| panic!("{pointer}: validated but did not compile: {e}"));
                let r = model.run(&RunOptions::new(1, 1, 3), &Silent).unwrap();
                let lac = r.indicator("lac_stock").unwrap();
                assert!(lac.iter().all(|x| x.is_finite() && *x >= 0.0), "{pointer} = {replacement}");
                accepted += 1;
            }
        }
    }
    (accepted, rejected)
}

#[test]
fn zero_in_any_field_is_rejected_or_runs() {
    let base = Scenario::default_preset().to_value();
    let (accepted, rejected) = check(&base, Value::from(0));
    assert!(accepted > 100 && rejected > 0, "accepted {accepted}, rejected {rejected}");
}

#[test]
fn large_values_in_any_field_are_rejected_or_run() {
    let base = Scenario::default_preset().to_value();
    let (accepted, rejected) = check(&base, Value::from(1000.0));
    assert!(accepted > 10 && rejected > 50, "accepted {accepted}, rejected {rejected}");
    // No field of a scenario takes a negative number.
    let (accepted, _) = check(&base, Value::from(-1.0));
    assert_eq!(accepted, 0, "a field accepted -1");
}
