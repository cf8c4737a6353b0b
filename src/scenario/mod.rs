//! Scenarios: reading, merging, validating, and the embedded presets.
//!
//! Every way in (TOML, JSON, a Python dict) goes through one path: text -> JSON value ->
//! `base` preset resolved and deep-merged -> typed [`Scenario`] (unknown fields are errors, with
//! the field path) -> [`Scenario::validate`] (every value checked, with the field path, the value
//! and what is allowed).

mod explain;
mod levers;
mod param;
mod presets;
pub mod registry;
mod sample;
mod schema;
mod sources;
pub(crate) mod uncertainty;
mod validate;

pub use levers::{Lever, UNTIED_COSTS};
pub use param::{Bounds, Distribution, MAX_COST, MAX_LOG_SIGMA, MAX_MONTHLY_HAZARD, MAX_MULTIPLIER, MAX_RATE, Param};
pub use presets::{DEFAULT_PRESET, preset_names};
pub use registry::{Kind, Parameter, Range, StreamKey};
pub use sample::{MAX_SAMPLE_BYTES, parse_csv};
pub use schema::*;
pub use sources::Sources;
pub use uncertainty::normal_score_correlation;
pub(crate) use validate::MAX_FAMILY_SIZE;
pub use validate::MAX_SCENARIO_BYTES;

use crate::calendar::YearMonth;
use crate::error::{CarecastError, ConfigError, Result};
use serde_json::Value;
use std::path::{Path, PathBuf};

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
        let (value, sources) = presets::preset_value(name)?;
        Scenario::from_value_at(value, sources, &format!("preset {name}"), &Origin::here())
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
        let (value, sources) = file_value(path)?;
        Scenario::from_value_at(value, sources, &name, &Origin::file(path))
    }

    /// Parse a TOML scenario. `source_name` names it in error messages.
    ///
    /// # Errors
    /// As [`Scenario::from_file`].
    /// A sample `file` (`[uncertainty.sample]`) is read relative to the current directory.
    pub fn from_toml_str(text: &str, source_name: &str) -> Result<Scenario> {
        let mut value = toml_to_value(text, source_name)?;
        sample::resolve(&mut value, &sample::Files::Dir(Path::new(".")))?;
        Scenario::from_value_at(value, Sources::from_toml(text), source_name, &Origin::here())
    }

    /// Parse a TOML scenario whose sample file (`[uncertainty.sample] file = "..."`) is one of
    /// `files`, `(file name, CSV text)` pairs embedded in the program: how a preset ships a
    /// calibrated posterior (`include_str!` of the TOML and of the CSV beside it).
    ///
    /// # Errors
    /// As [`Scenario::from_file`]; a sample file not among `files` is a [`ConfigError`] naming
    /// `uncertainty.sample.file`.
    ///
    /// # Examples
    /// ```
    /// let base = carecast::Scenario::default_preset().to_toml();
    /// let text = format!("{base}\n[uncertainty.sample]\nfile = \"posterior.csv\"\n");
    /// let csv = "hazards.sibling_group_entry\n0.2\n0.3\n";
    /// let s = carecast::Scenario::from_embedded(&text, "with a posterior", &[("posterior.csv", csv)]).unwrap();
    /// assert_eq!(s.uncertainty.sample.as_ref().unwrap().rows, [[0.2], [0.3]]);
    /// ```
    pub fn from_embedded(text: &str, source_name: &str, files: &[(&str, &str)]) -> Result<Scenario> {
        let mut value = toml_to_value(text, source_name)?;
        sample::resolve(&mut value, &sample::Files::Embedded(files))?;
        Scenario::from_value_at(value, Sources::from_toml(text), source_name, &Origin::here())
    }

    /// Parse a JSON scenario. `source_name` names it in error messages.
    ///
    /// # Errors
    /// As [`Scenario::from_file`].
    pub fn from_json_str(text: &str, source_name: &str) -> Result<Scenario> {
        Scenario::from_value(json_to_value(text, source_name)?, source_name)
    }

    /// Build a scenario from a JSON-like value (what a Python dict becomes). A top-level
    /// `base` names a preset, or a scenario file (relative to the current directory here; to the
    /// naming file in a file), and the rest is deep-merged over it.
    ///
    /// # Errors
    /// [`CarecastError::Parse`] for unknown fields or wrong types (with the field path),
    /// [`CarecastError::Config`] for invalid values or a cycle of bases,
    /// [`CarecastError::UnknownPreset`] for a `base` that is neither a preset nor a file path.
    ///
    /// A sample `file` (`uncertainty.sample.file`) is read relative to the current directory.
    pub fn from_value(mut value: Value, source_name: &str) -> Result<Scenario> {
        sample::resolve(&mut value, &sample::Files::Dir(Path::new(".")))?;
        Scenario::from_value_at(value, Sources::default(), source_name, &Origin::here())
    }

    /// Build a scenario from `value`, whose sample file (if any) has been read.
    fn from_value_at(value: Value, sources: Sources, source_name: &str, origin: &Origin) -> Result<Scenario> {
        let (mut value, sources) = resolve_base(value, sources, source_name, origin)?;
        let sample_origin = sample::take_origin(&mut value);
        let mut scenario: Scenario =
            serde_path_to_error::deserialize(value).map_err(|e| structural(source_name, "", &e))?;
        scenario.sources = sources;
        if let Some(s) = scenario.uncertainty.sample.as_mut() {
            s.origin = sample_origin;
        }
        // A change's fields are read again while validating: name the file they came from, not
        // the scenario (whose name may be its base's).
        scenario.validate().map_err(|e| match e {
            CarecastError::Parse { message, field, .. } => {
                CarecastError::Parse { source_name: source_name.into(), message, field }
            }
            other => other,
        })?;
        Ok(scenario)
    }

    /// This scenario as a JSON value (the form `from_value` reads).
    pub fn to_value(&self) -> Value {
        serde_json::to_value(self).expect("a scenario always serialises")
    }

    /// A fingerprint of this scenario: the FNV-1a hash of its JSON text, keys in sorted order.
    /// Equal scenarios have equal fingerprints, on any machine; results of runs over
    /// replication ranges carry it, so that only parts of the same scenario merge.
    pub fn fingerprint(&self) -> u64 {
        crate::rng::hash_str(&self.to_value().to_string())
    }

    /// This scenario as TOML text that [`Scenario::from_toml_str`] reads back unchanged. A
    /// sample it carries is written in place, as `columns` and `rows`; to write it to a CSV file
    /// beside the TOML instead, use [`Scenario::to_toml_with_sample_file`].
    pub fn to_toml(&self) -> String {
        toml::to_string_pretty(self).expect("a scenario always serialises to TOML")
    }

    /// This scenario as TOML text whose sample (if it carries one) is read from the file
    /// `file` (`[uncertainty.sample] file = "..."`), and the CSV text of that file: what a
    /// scenario file and the sample file beside it hold. Without a sample, the TOML of
    /// [`Scenario::to_toml`] and `None`.
    ///
    /// # Examples
    /// ```
    /// let s = carecast::Scenario::default_preset()
    ///     .with_sample(vec!["hazards.sibling_group_entry".into()], vec![vec![0.2], vec![0.3]])
    ///     .unwrap();
    /// let (toml, csv) = s.to_toml_with_sample_file("mine.sample.csv");
    /// assert!(toml.ends_with("[uncertainty.sample]\nfile = \"mine.sample.csv\"\n"));
    /// assert_eq!(csv.unwrap(), "hazards.sibling_group_entry\n0.2\n0.3\n");
    /// ```
    pub fn to_toml_with_sample_file(&self, file: &str) -> (String, Option<String>) {
        let Some(carried) = &self.uncertainty.sample else { return (self.to_toml(), None) };
        let mut without = self.clone();
        without.uncertainty.sample = None;
        let mut text = without.to_toml();
        if !text.ends_with('\n') {
            text.push('\n');
        }
        let quoted = toml::Value::String(file.to_string()).to_string();
        text.push_str(&format!("\n[uncertainty.sample]\nfile = {quoted}\n"));
        (text, Some(sample::to_csv(carried)))
    }

    /// A new scenario carrying the parameter sample `rows` (one row per draw, one value per
    /// path of `columns`): each replication of a run takes one row, drawn from the seed and the
    /// replication, and runs with its values (`docs/parameters.md`, "A sample the scenario
    /// carries"). Replaces any sample it carried.
    ///
    /// # Errors
    /// A [`ConfigError`] naming the column (not a parameter the run can vary, named twice,
    /// already uncertain) or the row and column of a value outside its parameter's range.
    ///
    /// # Examples
    /// ```
    /// let s = carecast::Scenario::default_preset();
    /// let with = s.with_sample(vec!["hazards.sibling_group_entry".into()], vec![vec![0.2], vec![0.3]]).unwrap();
    /// assert_ne!(with, s);
    /// assert!(s.with_sample(vec!["hazards.sibling_group_entry".into()], vec![vec![1.5]]).is_err());
    /// ```
    pub fn with_sample(&self, columns: Vec<String>, rows: Vec<Vec<f64>>) -> Result<Scenario> {
        let mut scenario = self.clone();
        scenario.uncertainty.sample = Some(Sample { columns, rows, origin: None });
        scenario.validate()?;
        Ok(scenario)
    }

    /// The same scenario without the parameter sample it carries, if any.
    pub fn without_sample(&self) -> Scenario {
        let mut scenario = self.clone();
        scenario.uncertainty.sample = None;
        scenario
    }

    /// A new scenario with `overrides` deep-merged over this one, validated.
    ///
    /// Tables merge key by key; anything else, lists included, is replaced whole: overriding
    /// `changes` replaces every policy change. To add one change and keep the others, use
    /// [`Scenario::with_change`]. A value set here replaces what a carried sample gave the same
    /// path (its column goes), and replacing `changes` takes the sample's columns on the old
    /// changes out with them.
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
    /// assert_eq!(more.policy.early_help.places, Some(900));
    /// ```
    pub fn updated(&self, mut overrides: Value) -> Result<Scenario> {
        sample::resolve(&mut overrides, &sample::Files::Dir(Path::new(".")))?;
        let mut base = self.clone();
        // What the overrides set replaces what a carried sample gave it: a column at a path
        // they set goes, and so do the columns on `changes` when they replace the list (the
        // columns described the changes that were there). A sample they give replaces it whole.
        let gives_sample = overrides.pointer("/uncertainty/sample").is_some();
        if let (Some(sample), false) = (&self.uncertainty.sample, gives_sample) {
            let kept = sample::sample_without_columns(sample, &registry::value_paths(&overrides));
            base.uncertainty.sample = match (kept, overrides.get("changes").is_some()) {
                (Some(kept), true) => sample::sample_without_changes(&kept),
                (kept, _) => kept,
            };
        }
        let mut value = base.to_value();
        let sources = self.sources.clone().overlaid(&overrides, Sources::default());
        merge(&mut value, overrides);
        Scenario::from_value_at(value, sources, &format!("{} (updated)", self.name), &Origin::here())
    }

    /// A new scenario with one more dated policy change, keeping the existing ones: `set` (a
    /// partial policy) applies from month `from`. The change is placed in calendar order; if a
    /// change already starts in that month, `set` is merged over it.
    ///
    /// # Errors
    /// [`CarecastError::Config`] if `from` is before the start, [`CarecastError::Parse`] or
    /// [`CarecastError::Config`] if `set` names unknown fields or invalid values.
    ///
    /// # Examples
    /// ```
    /// use carecast::{Scenario, YearMonth};
    /// let redesign = Scenario::preset("wolverhampton-2015-redesign").unwrap();
    /// let from: YearMonth = "2017-04".parse().unwrap();
    /// let more = redesign
    ///     .with_change(from, serde_json::json!({"early_help": {"places": 1000}}), "more places")
    ///     .unwrap();
    /// assert_eq!(more.changes.len(), redesign.changes.len() + 1);
    /// ```
    pub fn with_change(&self, from: YearMonth, set: Value, note: &str) -> Result<Scenario> {
        let Value::Object(set) = set else {
            return Err(
                ConfigError::new("set", set, "a table of policy fields, e.g. {early_help = {places = 900}}").into()
            );
        };
        if from < self.start {
            return Err(ConfigError::new(
                "from",
                from,
                format!("a month from the scenario's start ({}) on", self.start),
            )
            .into());
        }
        let mut scenario = self.clone();
        match self.changes.iter().position(|c| c.from == from) {
            Some(at) => {
                // A value set here replaces what a carried sample gave the same path.
                let set_paths: Vec<String> = registry::value_paths(&Value::Object(set.clone()))
                    .into_iter()
                    .map(|p| format!("changes[{at}].set.{p}"))
                    .collect();
                if let Some(sample) = &self.uncertainty.sample {
                    scenario.uncertainty.sample = sample::sample_without_columns(sample, &set_paths);
                }
                let existing = &mut scenario.changes[at];
                let mut merged = Value::Object(std::mem::take(&mut existing.set));
                merge(&mut merged, Value::Object(set));
                let Value::Object(merged) = merged else { unreachable!("merging tables gives a table") };
                existing.set = merged;
                if !note.is_empty() {
                    existing.note =
                        if existing.note.is_empty() { note.to_string() } else { format!("{}; {note}", existing.note) };
                }
            }
            None => {
                let at = scenario.changes.partition_point(|c| c.from < from);
                // A carried sample's columns on the later changes move with them.
                if let Some(sample) = &self.uncertainty.sample {
                    scenario.uncertainty.sample =
                        sample::sample_remapped(sample, |i| Some(if i >= at { i + 1 } else { i }));
                }
                scenario.sources.change_inserted(at);
                scenario.sources.replaced(&format!("changes[{at}]"));
                scenario.changes.insert(at, PolicyChange { from, note: note.to_string(), lever: None, set });
            }
        }
        scenario.validate()?;
        Ok(scenario)
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
            forget_replaced_evidence(&mut current, &change.set);
            merge(&mut current, Value::Object(change.set.clone()));
            let policy: Policy = serde_path_to_error::deserialize(current.clone())
                .map_err(|e| structural(&self.name, &format!("{path}.set"), &e))?;
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
        let timeline = self.policy_timeline()?;
        validate::combined(self, &timeline)?;
        validate::posts_costed(self, &timeline)?;
        if self.uncertainty.has_table() {
            uncertainty::Compiled::new(self)?;
        }
        if let Some(carried) = &self.uncertainty.sample {
            sample::check(self, carried)?;
        }
        Ok(())
    }
}

/// Parse TOML text into a JSON value.
fn toml_to_value(text: &str, source_name: &str) -> Result<Value> {
    validate::text_size(text.len() as u64, source_name)?;
    let table: toml::Table =
        toml::from_str(text).map_err(|e| CarecastError::parse(source_name, e.to_string().trim()))?;
    convert_toml(toml::Value::Table(table), "")
}

/// Parse JSON text into a value.
fn json_to_value(text: &str, source_name: &str) -> Result<Value> {
    validate::text_size(text.len() as u64, source_name)?;
    serde_json::from_str(text).map_err(|e| CarecastError::parse(source_name, e.to_string()))
}

/// The value of the `.toml` or `.json` scenario file at `path`, its `base` not yet resolved,
/// and the sources its comments give.
/// A sample file it names (`uncertainty.sample.file`) is read, relative to it.
fn file_value(path: &Path) -> Result<(Value, Sources)> {
    let name = path.display().to_string();
    let text = validate::read_scenario_file(path)?;
    let (mut value, sources) = match path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).as_deref() {
        Some("json") => (json_to_value(&text, &name)?, Sources::default()),
        Some("toml") => (toml_to_value(&text, &name)?, Sources::from_toml(&text)),
        _ => return Err(CarecastError::parse(name, "scenario files must end in .toml or .json")),
    };
    let dir = path.parent().unwrap_or(Path::new("."));
    sample::resolve(&mut value, &sample::Files::Dir(dir))?;
    Ok((value, sources))
}

/// A wrong type, unknown or missing field found while reading the scenario at `prefix`, as a
/// parse error that names the field, what it held and what is allowed.
fn structural(source_name: &str, prefix: &str, e: &serde_path_to_error::Error<serde_json::Error>) -> CarecastError {
    let inner = e.path().to_string();
    let path = match (prefix.is_empty(), inner == ".") {
        (true, _) => inner,
        (false, true) => prefix.to_string(),
        (false, false) => format!("{prefix}.{inner}"),
    };
    let message = e.inner().to_string();
    let field = explain::field_error(&path, &message);
    // serde's "invalid type: string \"41%\", expected f64" reads better in the words of a range
    // error; its other messages (unknown field `x`, expected ...) read well as they are.
    let message = match &field {
        Some(f) if message.starts_with("invalid ") => f.to_string(),
        _ if path == "." => message,
        _ => format!("{path}: {message}"),
    };
    CarecastError::Parse { source_name: source_name.into(), message, field }
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

/// Where a scenario came from, for finding a `base` file named relative to it and for refusing
/// a cycle of bases.
struct Origin {
    /// Directory a relative `base` path is taken from.
    dir: PathBuf,
    /// The files already being read, outermost first.
    chain: Vec<PathBuf>,
}

impl Origin {
    /// A scenario given as a value: `base` paths are relative to the current directory.
    fn here() -> Self {
        Origin { dir: PathBuf::from("."), chain: Vec::new() }
    }

    /// A scenario read from the file at `path`.
    fn file(path: &Path) -> Self {
        Origin::here().then(path)
    }

    /// The origin of a base file `path` named from here.
    fn then(&self, path: &Path) -> Self {
        let full = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        let dir = full.parent().map(Path::to_path_buf).unwrap_or_else(|| PathBuf::from("."));
        let mut chain = self.chain.clone();
        chain.push(full);
        Origin { dir, chain }
    }
}

/// Resolve a top-level `base`: a preset, or another scenario file (its own `base` resolved in
/// turn), with the rest of `value` (whose comments gave `sources`) merged over it.
fn resolve_base(value: Value, sources: Sources, source_name: &str, origin: &Origin) -> Result<(Value, Sources)> {
    let Value::Object(mut map) = value else {
        return Err(CarecastError::parse(source_name, format!("a scenario must be a table of fields, got {value}")));
    };
    let allowed = || {
        format!(
            "the name of a preset ({}) or the path of a .toml or .json scenario file, relative to the file that \
             names it",
            preset_names().join(", ")
        )
    };
    let (mut merged, base_sources) = match map.remove("base") {
        None => return Ok((Value::Object(map), sources)),
        Some(Value::String(name)) if preset_names().contains(&name.as_str()) => presets::preset_value(&name)?,
        Some(Value::String(name)) if name.ends_with(".toml") || name.ends_with(".json") || name.contains('/') => {
            let path = origin.dir.join(&name);
            let next = origin.then(&path);
            let here = next.chain.last().expect("then() adds the file");
            if origin.chain.contains(here) {
                let names: Vec<String> = next.chain.iter().map(|p| p.display().to_string()).collect();
                return Err(
                    ConfigError::new("base", names.join(" -> "), "bases that do not lead back to themselves").into()
                );
            }
            if !path.is_file() {
                return Err(
                    ConfigError::new("base", format!("\"{name}\" (no file at {})", path.display()), allowed()).into()
                );
            }
            let (value, sources) = file_value(&path)?;
            resolve_base(value, sources, &path.display().to_string(), &next)?
        }
        Some(Value::String(name)) => return Err(ConfigError::new("base", format!("\"{name}\""), allowed()).into()),
        Some(other) => return Err(ConfigError::new("base", other, allowed()).into()),
    };
    let overlay = Value::Object(map);
    let sources = base_sources.overlaid(&overlay, sources);
    merge(&mut merged, overlay);
    Ok((merged, sources))
}

/// A placement mix's evidence (`mix_under_10_evidence`) belongs to the shares it was estimated
/// with: a change that sets a mix without its evidence uses the new mix as given, so the
/// evidence in force is dropped from the merged `policy` before `set` is laid over it.
fn forget_replaced_evidence(policy: &mut Value, set: &serde_json::Map<String, Value>) {
    let Some(placements) = set.get("placements").and_then(Value::as_object) else { return };
    for mix in ["mix_under_10", "mix_10_plus"] {
        let evidence = format!("{mix}_evidence");
        if placements.contains_key(mix) && !placements.contains_key(&evidence) {
            if let Some(current) = policy.get_mut("placements").and_then(Value::as_object_mut) {
                current.remove(&evidence);
            }
        }
    }
}

/// Deep-merge `overlay` into `target`: tables merge key by key, anything else is replaced. A
/// table with a `dist` key is a distribution and replaces whatever was there whole. A
/// service's capacity is given one way, `places` or `staff` (posts): an overlay that gives one
/// drops the other from `target`, so a change from places to posts (or back) replaces it.
pub fn merge(target: &mut Value, overlay: Value) {
    match (target, overlay) {
        (Value::Object(t), Value::Object(o)) if !o.contains_key("dist") => {
            for (given, replaced) in [("places", "staff"), ("staff", "places")] {
                if o.contains_key(given) && !o.contains_key(replaced) {
                    t.remove(replaced);
                }
            }
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
