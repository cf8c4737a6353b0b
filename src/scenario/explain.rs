//! Structural errors (wrong type, unknown or missing field, bad choice) explained in the same
//! terms as range errors: the field's path, what it held and what is allowed.
//!
//! serde reports these as text in a few fixed shapes ("invalid type: string \"41%\", expected
//! f64"); this module reads those shapes rather than re-implementing deserialisation.

use crate::error::ConfigError;

/// The field error in a serde message `message` raised at `path` (`.` for the top level), or
/// `None` if the message has none of the known shapes.
pub(super) fn field_error(path: &str, message: &str) -> Option<ConfigError> {
    let at = |key: &str| if path.is_empty() || path == "." { key.to_string() } else { format!("{path}.{key}") };
    let here = if path == "." { String::new() } else { path.to_string() };
    if let Some(rest) = message.strip_prefix("unknown field `") {
        let (key, expected) = rest.split_once('`')?;
        let allowed = match expected.trim_start_matches(", ").strip_prefix("expected one of ") {
            Some(list) => format!("one of {}", list.replace('`', "")),
            None => "no fields here".to_string(),
        };
        // serde_path_to_error stops before an unknown key; name the key itself.
        let path = if here.ends_with(key) { here.clone() } else { at(key) };
        return Some(ConfigError::new(path, key, allowed));
    }
    if let Some(rest) = message.strip_prefix("missing field `") {
        let key = rest.split('`').next()?;
        return Some(ConfigError::new(at(key), "nothing", "a value: this field is required"));
    }
    if let Some(rest) = message.strip_prefix("unknown variant `") {
        let (value, expected) = rest.split_once('`')?;
        let list = expected.trim_start_matches(", ").trim_start_matches("expected ").trim_start_matches("one of ");
        return Some(ConfigError::new(here, format!("\"{value}\""), format!("one of {}", list.replace('`', "\""))));
    }
    for prefix in ["invalid type: ", "invalid value: ", "invalid length "] {
        if let Some(rest) = message.strip_prefix(prefix) {
            let (value, expected) = rest.rsplit_once(", expected ")?;
            let value = value_as_written(value);
            let mut allowed = describe(expected);
            if let Some(hint) = percent_hint(&value, &allowed) {
                allowed = format!("{allowed} ({hint})");
            }
            return Some(ConfigError::new(here, value, allowed));
        }
    }
    // The scenario's own readers (whole numbers, months) say "expected X, got Y".
    if let Some(rest) = message.strip_prefix("expected ") {
        let (expected, value) = rest.rsplit_once(", got ")?;
        return Some(ConfigError::new(here, value, expected));
    }
    None
}

/// serde's description of a value ("string \"41%\"", "integer `-3`", "floating point `1.5`")
/// as the user wrote it.
fn value_as_written(v: &str) -> String {
    for prefix in ["string ", "integer ", "floating point ", "boolean ", "character "] {
        if let Some(rest) = v.strip_prefix(prefix) {
            return rest.trim_matches('`').to_string();
        }
    }
    match v {
        "map" => "a table".into(),
        "sequence" => "a list".into(),
        "unit value" | "null" => "nothing (null)".into(),
        other => other.to_string(),
    }
}

/// serde's name of what it expected, in the words the scenario reference uses.
fn describe(expected: &str) -> String {
    match expected.trim() {
        "f64" | "f32" => "a number".into(),
        "u8" | "u16" | "u32" | "u64" | "usize" => "a whole number, 0 or more".into(),
        "i8" | "i16" | "i32" | "i64" | "isize" => "a whole number".into(),
        "a boolean" | "bool" => "true or false".into(),
        "a string" => "text in quotes".into(),
        "a sequence" => "a list".into(),
        e if e.starts_with("struct ") || e == "a map" => "a table of fields".into(),
        e => e.to_string(),
    }
}

/// `"41%"` where a number is expected: say to write 0.41.
fn percent_hint(value: &str, allowed: &str) -> Option<String> {
    if allowed != "a number" {
        return None;
    }
    let number: f64 = value.trim_matches('"').trim().strip_suffix('%')?.trim().parse().ok()?;
    Some(format!("shares and probabilities are fractions: write {} for {value}", number / 100.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrong_type_names_value_and_allowed() {
        let e = field_error("hazards.sibling_group_entry", "invalid type: string \"41%\", expected f64").unwrap();
        assert_eq!(e.path, "hazards.sibling_group_entry");
        assert_eq!(e.value, "\"41%\"");
        assert!(e.allowed.starts_with("a number"), "{}", e.allowed);
        assert!(e.allowed.contains("write 0.41"), "{}", e.allowed);
    }

    #[test]
    fn unknown_and_missing_fields_name_the_key() {
        let e = field_error("policy.outreach", "unknown field `intensity`, expected one of `a`, `b`").unwrap();
        assert_eq!(
            (e.path.as_str(), e.value.as_str(), e.allowed.as_str()),
            ("policy.outreach.intensity", "intensity", "one of a, b")
        );
        let e = field_error(".", "missing field `name`").unwrap();
        assert_eq!(e.path, "name");
    }

    #[test]
    fn the_scenario_readers_own_messages() {
        let e = field_error("policy.early_help.places", "expected a whole number, 0 or more, got -5").unwrap();
        assert_eq!((e.value.as_str(), e.allowed.as_str()), ("-5", "a whole number, 0 or more"));
        assert!(field_error("x", "something else entirely").is_none());
    }
}
