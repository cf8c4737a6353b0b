//! Scenarios embedded in the library, from the TOML files in `scenarios/`.

use crate::error::{CarecastError, Result};
use serde_json::Value;

/// The preset used wherever none is named.
pub const DEFAULT_PRESET: &str = "wolverhampton-2015";

/// (name, TOML text). A preset may start from another with `base = "..."`.
const PRESETS: [(&str, &str); 2] = [
    ("wolverhampton-2015", include_str!("../../scenarios/wolverhampton-2015.toml")),
    ("wolverhampton-2015-redesign", include_str!("../../scenarios/wolverhampton-2015-redesign.toml")),
];

/// The sample files the presets name (`[uncertainty.sample] file = "..."`), as (file name, CSV
/// text): how a preset ships a calibrated posterior. A preset's TOML names its file, e.g.
/// `file = "wolverhampton-2015.sample.csv"`, and the CSV, saved beside the TOML in `scenarios/`,
/// is embedded here with `include_str!` as the pair `("wolverhampton-2015.sample.csv",
/// include_str!(...))`. The redesign carries its calibrated posterior.
const SAMPLE_FILES: [(&str, &str); 1] = [(
    "wolverhampton-2015-redesign.sample.csv",
    include_str!("../../scenarios/wolverhampton-2015-redesign.sample.csv"),
)];

/// Names of the embedded presets.
pub fn preset_names() -> Vec<&'static str> {
    PRESETS.iter().map(|(n, _)| *n).collect()
}

/// The preset's fully merged value (its `base` resolved), and the sources its comments give.
pub(super) fn preset_value(name: &str) -> Result<(Value, super::Sources)> {
    let (_, text) = PRESETS
        .iter()
        .find(|(n, _)| *n == name)
        .ok_or_else(|| CarecastError::UnknownPreset { name: name.to_string(), available: preset_names().join(", ") })?;
    let mut value = super::toml_to_value(text, &format!("preset {name}"))?;
    super::sample::resolve(&mut value, &super::sample::Files::Embedded(&SAMPLE_FILES))?;
    super::resolve_base(value, super::Sources::from_toml(text), name, &super::Origin::here())
}
