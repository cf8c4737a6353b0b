//! Scenarios: reading, merging, validating, and the embedded presets.
//!
//! Every way in (TOML, JSON, a Python dict) goes through one path: text -> JSON value ->
//! `base` preset resolved and deep-merged -> typed [`Scenario`] (unknown fields are errors, with
//! the field path) -> [`Scenario::validate`] (every value checked, with the field path, the value
//! and what is allowed).

mod param;
mod presets;
mod schema;
mod validate;

pub use param::{Bounds, Distribution, Param};
pub use presets::{DEFAULT_PRESET, preset_names};
pub use schema::*;

use crate::calendar::YearMonth;
use crate::error::{CarecastError, ConfigError, Result};
use serde_json::Value;
use std::path::Path;

impl Scenario {
    /// The embedded preset called `name` (see [`preset_names`]).
    ///
    /// # Errors
    /// [`CarecastError::UnknownPreset`] if there is no such preset.
    ///
    /// # Examples
    /// ```
    /// let s = carecast::Scenario::preset("wolverhampton-2015").unwrap();
    /// assert_eq!(s.population.localities.len(), 8);
    /// ```
    pub fn preset(name: &str) -> Result<Scenario> {
        Scenario::from_value(presets::preset_value(name)?, &format!("preset {name}"))
    }

    /// The default scenario: the [`DEFAULT_PRESET`].
    pub fn default_preset() -> Scenario {
        Scenario::preset(DEFAULT_PRESET).expect("the embedded default preset is valid")
    }

    /// Read a scenario from a `.toml` or `.json` file.
    ///
    /// # Errors
    /// [`CarecastError::Io`] if the file cannot be read, [`CarecastError::Parse`] for syntax
    /// errors, unknown fields or wrong types, [`CarecastError::Config`] for invalid values.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Scenario> {
        let path = path.as_ref();
        let name = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| CarecastError::Io { path: name.clone(), source })?;
        match path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).as_deref() {
            Some("json") => Scenario::from_json_str(&text, &name),
            Some("toml") => Scenario::from_toml_str(&text, &name),
            _ => Err(CarecastError::Parse {
                source_name: name,
                message: "scenario files must end in .toml or .json".into(),
            }),
        }
    }

    /// Parse a TOML scenario. `source_name` names it in error messages.
    ///
    /// # Errors
    /// As [`Scenario::from_file`].
    pub fn from_toml_str(text: &str, source_name: &str) -> Result<Scenario> {
        Scenario::from_value(toml_to_value(text, source_name)?, source_name)
    }

    /// Parse a JSON scenario. `source_name` names it in error messages.
    ///
    /// # Errors
    /// As [`Scenario::from_file`].
    pub fn from_json_str(text: &str, source_name: &str) -> Result<Scenario> {
        let value: Value = serde_json::from_str(text)
            .map_err(|e| CarecastError::Parse { source_name: source_name.into(), message: e.to_string() })?;
        Scenario::from_value(value, source_name)
    }

    /// Build a scenario from a JSON-like value (what a Python dict becomes). A top-level
    /// `base = "<preset>"` starts from that preset and deep-merges the rest over it.
    ///
    /// # Errors
    /// [`CarecastError::Parse`] for unknown fields or wrong types (with the field path),
    /// [`CarecastError::Config`] for invalid values, [`CarecastError::UnknownPreset`] for a bad
    /// `base`.
    pub fn from_value(value: Value, source_name: &str) -> Result<Scenario> {
        let value = resolve_base(value, source_name)?;
        let scenario: Scenario = serde_path_to_error::deserialize(value).map_err(|e| {
            let path = e.path().to_string();
            let message =
                if path == "." || path.is_empty() { e.inner().to_string() } else { format!("{path}: {}", e.inner()) };
            CarecastError::Parse { source_name: source_name.into(), message }
        })?;
        scenario.validate()?;
        Ok(scenario)
    }

    /// This scenario as a JSON value (the form `from_value` reads).
    pub fn to_value(&self) -> Value {
        serde_json::to_value(self).expect("a scenario always serialises")
    }

    /// This scenario as TOML text that [`Scenario::from_toml_str`] reads back unchanged.
    pub fn to_toml(&self) -> String {
        toml::to_string_pretty(self).expect("a scenario always serialises to TOML")
    }

    /// A new scenario with `overrides` deep-merged over this one, validated.
    ///
    /// # Errors
    /// As [`Scenario::from_value`].
    ///
    /// # Examples
    /// ```
    /// let base = carecast::Scenario::default_preset();
    /// let more = base
    ///     .updated(serde_json::json!({"policy": {"early_help": {"places": 900}}}))
    ///     .unwrap();
    /// assert_eq!(more.policy.early_help.places, 900);
    /// ```
    pub fn updated(&self, overrides: Value) -> Result<Scenario> {
        let mut value = self.to_value();
        merge(&mut value, overrides);
        Scenario::from_value(value, &format!("{} (updated)", self.name))
    }

    /// The policy in force in each period: `(first month, policy)` pairs in calendar order, the
    /// first at [`Scenario::start`].
    ///
    /// # Errors
    /// [`CarecastError::Parse`] or [`CarecastError::Config`] if a change's `set` names unknown
    /// fields or gives invalid values, or the changes are not in calendar order.
    pub fn policy_timeline(&self) -> Result<Vec<(YearMonth, Policy)>> {
        let mut timeline = vec![(self.start, self.policy.clone())];
        let mut current = serde_json::to_value(&self.policy).expect("policy serialises");
        for (i, change) in self.changes.iter().enumerate() {
            let path = format!("changes[{i}]");
            let previous = timeline.last().map(|(m, _)| *m).unwrap_or(self.start);
            if change.from <= previous && !(i == 0 && change.from == self.start) {
                return Err(ConfigError::new(
                    format!("{path}.from"),
                    change.from,
                    format!("a month after {previous}: changes must be in calendar order, after the start"),
                )
                .into());
            }
            merge(&mut current, Value::Object(change.set.clone()));
            let policy: Policy =
                serde_path_to_error::deserialize(current.clone()).map_err(|e| CarecastError::Parse {
                    source_name: self.name.clone(),
                    message: format!("{path}.set.{}: {}", e.path(), e.inner()),
                })?;
            validate::policy(&policy, &format!("{path}.set"))?;
            if i == 0 && change.from == self.start {
                timeline[0].1 = policy;
            } else {
                timeline.push((change.from, policy));
            }
        }
        Ok(timeline)
    }

    /// Check every value. Called by every constructor; call it again after editing fields.
    ///
    /// # Errors
    /// The first invalid field, as a [`ConfigError`] with its path, value and allowed range.
    pub fn validate(&self) -> Result<()> {
        validate::scenario(self)?;
        self.policy_timeline()?;
        Ok(())
    }
}

/// Parse TOML text into a JSON value.
fn toml_to_value(text: &str, source_name: &str) -> Result<Value> {
    let table: toml::Table = toml::from_str(text).map_err(|e| CarecastError::Parse {
        source_name: source_name.into(),
        message: e.to_string().trim().to_string(),
    })?;
    convert_toml(toml::Value::Table(table), "")
}

/// TOML to JSON, refusing what JSON cannot hold (`nan`, `inf`, dates) with the field's path.
fn convert_toml(value: toml::Value, path: &str) -> Result<Value> {
    let join = |key: &str| if path.is_empty() { key.to_string() } else { format!("{path}.{key}") };
    Ok(match value {
        toml::Value::String(s) => Value::String(s),
        toml::Value::Integer(i) => Value::from(i),
        toml::Value::Float(f) => match serde_json::Number::from_f64(f) {
            Some(n) => Value::Number(n),
            None => return Err(ConfigError::new(path, f, "a finite number").into()),
        },
        toml::Value::Boolean(b) => Value::Bool(b),
        toml::Value::Datetime(d) => {
            return Err(ConfigError::new(path, d, "a quoted month such as \"2016-02\" (not a TOML date)").into());
        }
        toml::Value::Array(items) => Value::Array(
            items
                .into_iter()
                .enumerate()
                .map(|(i, v)| convert_toml(v, &format!("{path}[{i}]")))
                .collect::<Result<_>>()?,
        ),
        toml::Value::Table(t) => Value::Object(
            t.into_iter().map(|(k, v)| Ok((k.clone(), convert_toml(v, &join(&k))?))).collect::<Result<_>>()?,
        ),
    })
}

/// Resolve a top-level `base` preset: the preset, with the rest of `value` merged over it.
fn resolve_base(value: Value, source_name: &str) -> Result<Value> {
    let Value::Object(mut map) = value else {
        return Err(CarecastError::Parse {
            source_name: source_name.into(),
            message: format!("a scenario must be a table of fields, got {value}"),
        });
    };
    match map.remove("base") {
        None => Ok(Value::Object(map)),
        Some(Value::String(name)) => {
            let mut merged = presets::preset_value(&name)?;
            merge(&mut merged, Value::Object(map));
            Ok(merged)
        }
        Some(other) => {
            Err(ConfigError::new("base", other, format!("the name of a preset: {}", preset_names().join(", "))).into())
        }
    }
}

/// Deep-merge `overlay` into `target`: tables merge key by key, anything else is replaced. A
/// table with a `dist` key is a distribution and replaces whatever was there whole.
pub fn merge(target: &mut Value, overlay: Value) {
    match (target, overlay) {
        (Value::Object(t), Value::Object(o)) if !o.contains_key("dist") => {
            for (k, v) in o {
                match t.get_mut(&k) {
                    Some(existing) => merge(existing, v),
                    None => {
                        t.insert(k, v);
                    }
                }
            }
        }
        (t, o) => *t = o,
    }
}
