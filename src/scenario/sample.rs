//! A parameter sample a scenario carries (`[uncertainty.sample]`, a calibrated posterior): read
//! from the CSV file its `file` names (beside the scenario file, or embedded with a preset),
//! checked against the scenario's parameters, and written back beside a saved scenario.
//!
//! In a file the table is `file = "posterior.csv"`; once read, the scenario holds the rows
//! ([`Sample`]), and its JSON and TOML forms give them as `columns` and `rows` (which may also be
//! written by hand instead of `file`). The file is read when the scenario is, so the rows are
//! part of the scenario: of its equality and its fingerprint.

use super::Sample;
use super::Scenario;
use super::registry::ParameterIndex;
use crate::error::{CarecastError, ConfigError, Result};
use serde_json::Value;
use std::path::Path;

/// Largest sample file read (64 MiB): a million rows of a few parameters.
pub const MAX_SAMPLE_BYTES: u64 = 64 << 20;

/// Where a sample's `file` is found.
pub(crate) enum Files<'a> {
    /// Relative to this directory (the scenario file's, or the current one for a value).
    Dir(&'a Path),
    /// Among these embedded `(file name, CSV text)` pairs (a preset's).
    Embedded(&'a [(&'a str, &'a str)]),
}

/// The key under which a resolved sample's value keeps the name of the file it was read from,
/// until [`take_origin`] takes it out (it is not a field of the scenario).
const ORIGIN: &str = "file";

/// What `[uncertainty.sample]` allows.
const ALLOWED: &str = "file = \"name.csv\" (a CSV file beside the scenario file: a header of parameter paths, then \
                       one row of numbers per draw), or columns = [paths] and rows = [[numbers], ...]";

/// Read the file named by `uncertainty.sample.file` in `value` (a scenario file's own value,
/// before its `base` is merged) into `columns` and `rows`. The file's name is kept in the value
/// (for [`take_origin`]) so that errors found later can name it.
///
/// # Errors
/// A [`ConfigError`] naming `uncertainty.sample.file` for a missing file or a table that gives
/// both a file and rows, or the file's row and column for a bad value; [`CarecastError::Io`]
/// if the file cannot be read.
pub(crate) fn resolve(value: &mut Value, files: &Files<'_>) -> Result<()> {
    let Some(sample) = value.get_mut("uncertainty").and_then(|u| u.get_mut("sample")) else { return Ok(()) };
    let Value::Object(map) = sample else {
        return Err(ConfigError::new("uncertainty.sample", sample.clone(), ALLOWED).into());
    };
    let Some(file) = map.get(ORIGIN) else { return Ok(()) };
    let Value::String(file) = file else {
        return Err(ConfigError::new("uncertainty.sample.file", file.clone(), ALLOWED).into());
    };
    if let Some(other) = map.keys().find(|k| *k != ORIGIN) {
        return Err(ConfigError::new(
            format!("uncertainty.sample.{other}"),
            "given beside file",
            "either file = \"name.csv\" or columns and rows, not both",
        )
        .into());
    }
    let (name, text) = match files {
        Files::Dir(dir) => {
            let path = dir.join(file);
            if !path.is_file() {
                return Err(ConfigError::new(
                    "uncertainty.sample.file",
                    format!("\"{file}\" (no file at {})", path.display()),
                    "the path of a CSV file, relative to the scenario file that names it",
                )
                .into());
            }
            let name = path.display().to_string();
            (name.clone(), read(&path, &name)?)
        }
        Files::Embedded(embedded) => match embedded.iter().find(|(n, _)| n == file) {
            Some((_, text)) => (file.clone(), (*text).to_string()),
            None => {
                let names: Vec<&str> = embedded.iter().map(|(n, _)| *n).collect();
                return Err(ConfigError::new(
                    "uncertainty.sample.file",
                    format!("\"{file}\" (not embedded)"),
                    format!(
                        "one of the files embedded with it: {}",
                        if names.is_empty() { "none".to_string() } else { names.join(", ") }
                    ),
                )
                .into());
            }
        },
    };
    let (columns, rows) = parse_csv(&text, &name)?;
    map.insert(ORIGIN.into(), Value::String(name));
    map.insert("columns".into(), serde_json::to_value(columns).expect("strings serialise"));
    map.insert("rows".into(), serde_json::to_value(rows).expect("finite numbers serialise"));
    Ok(())
}

/// Take out of a resolved `value` the name of the file its sample was read from, if it was.
pub(crate) fn take_origin(value: &mut Value) -> Option<String> {
    let map = value.get_mut("uncertainty")?.get_mut("sample")?.as_object_mut()?;
    if !map.contains_key("rows") {
        return None; // an unresolved file: the typed reader refuses it
    }
    match map.remove(ORIGIN)? {
        Value::String(s) => Some(s),
        _ => None,
    }
}

/// The text of the sample file at `path` (`name` in errors), at most [`MAX_SAMPLE_BYTES`].
fn read(path: &Path, name: &str) -> Result<String> {
    use std::io::Read;
    let io = |source| CarecastError::Io { path: name.to_string(), source };
    let file = std::fs::File::open(path).map_err(io)?;
    let mut bytes = Vec::new();
    file.take(MAX_SAMPLE_BYTES + 1).read_to_end(&mut bytes).map_err(io)?;
    if bytes.len() as u64 > MAX_SAMPLE_BYTES {
        return Err(ConfigError::new(
            name,
            format!("more than {}", crate::engine::format_bytes(MAX_SAMPLE_BYTES)),
            "a sample file of at most 64 MiB",
        )
        .into());
    }
    String::from_utf8(bytes).map_err(|_| ConfigError::new(name, "not UTF-8 text", "a CSV file of UTF-8 text").into())
}

/// The columns and rows of CSV `text` (`name` in errors): a header of parameter paths, then one
/// row of numbers per draw. A `weight` column is refused: the rows are equally likely.
///
/// # Errors
/// A [`ConfigError`] naming the file (an empty file, no rows, an empty or repeated column name,
/// a `weight` column), or its row (counted from 1 after the header, with its line) and column
/// (a missing or extra value, a value that is not a finite number).
pub fn parse_csv(text: &str, name: &str) -> Result<(Vec<String>, Vec<Vec<f64>>)> {
    let format = "a CSV file: a header of parameter paths, then one row of numbers per draw";
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(text.as_bytes());
    let mut records = reader.records();
    let header = match records.next() {
        None => return Err(ConfigError::new(name, "an empty file", format).into()),
        Some(Err(e)) => return Err(ConfigError::new(name, e, format).into()),
        Some(Ok(h)) => h,
    };
    let columns: Vec<String> = header.iter().map(|c| c.trim().trim_start_matches('\u{feff}').to_string()).collect();
    for (j, c) in columns.iter().enumerate() {
        let field = format!("{name} column {}", j + 1);
        if c.is_empty() {
            return Err(
                ConfigError::new(field, "an empty name", "a parameter path in every column of the header").into()
            );
        }
        if c.eq_ignore_ascii_case("weight") {
            return Err(ConfigError::new(
                format!("{name}, column \"{c}\""),
                "a weight column",
                "parameter paths only: the rows of a sample are equally likely (resample a weighted posterior by \
                 its weights first)",
            )
            .into());
        }
        if columns[..j].contains(c) {
            return Err(ConfigError::new(
                format!("{name}, column \"{c}\""),
                "a second column",
                "each parameter in one column",
            )
            .into());
        }
    }
    let mut rows = Vec::new();
    for (i, record) in records.enumerate() {
        let at = |extra: &str| format!("{name} row {} (line {}){extra}", i + 1, i + 2);
        let record = record.map_err(|e| ConfigError::new(at(""), e, format))?;
        if record.len() == 1 && record.get(0).is_some_and(|v| v.trim().is_empty()) {
            continue; // a blank line
        }
        if record.len() != columns.len() {
            return Err(ConfigError::new(
                at(""),
                format!("{} values", record.len()),
                format!("one value per column of the header ({})", columns.len()),
            )
            .into());
        }
        let row = record
            .iter()
            .zip(&columns)
            .map(|(v, c)| {
                let v = v.trim();
                match v.parse::<f64>() {
                    Ok(x) if x.is_finite() => Ok(x),
                    _ => Err(ConfigError::new(at(&format!(", column \"{c}\"")), format!("\"{v}\""), "a finite number")),
                }
            })
            .collect::<std::result::Result<Vec<f64>, ConfigError>>()?;
        rows.push(row);
    }
    if rows.is_empty() {
        return Err(ConfigError::new(name, "a header and no rows", format).into());
    }
    Ok((columns, rows))
}

/// `columns` and `rows` as CSV text that [`parse_csv`] reads back unchanged (numbers written in
/// their shortest exact form).
pub fn to_csv(sample: &Sample) -> String {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(&sample.columns).expect("writing to memory");
    for row in &sample.rows {
        writer.write_record(row.iter().map(|v| format!("{v:?}"))).expect("writing to memory");
    }
    String::from_utf8(writer.into_inner().expect("writing to memory")).expect("CSV of UTF-8 text")
}

/// Check the sample of `scenario` against its parameters: at least one column and one row, a
/// value per column in every row; each column a parameter the run can vary, named once, not
/// already uncertain (in the table, or a distribution where it is written); each value in its
/// parameter's range, whole where it must be.
///
/// # Errors
/// A [`ConfigError`] naming the file it was read from (or `uncertainty.sample`), the column,
/// and for a value its row.
pub(crate) fn check(scenario: &Scenario, sample: &Sample) -> std::result::Result<(), ConfigError> {
    let name = sample.origin.clone().unwrap_or_else(|| "uncertainty.sample".to_string());
    if sample.columns.is_empty() {
        return Err(ConfigError::new(format!("{name} columns"), "no columns", "one column per parameter path"));
    }
    if sample.rows.is_empty() {
        return Err(ConfigError::new(format!("{name} rows"), "no rows", "one row of values per draw"));
    }
    let row_name = |i: usize| match &sample.origin {
        Some(file) => format!("{file} row {} (line {})", i + 1, i + 2),
        None => format!("uncertainty.sample.rows[{i}]"),
    };
    for (i, row) in sample.rows.iter().enumerate() {
        if row.len() != sample.columns.len() {
            return Err(ConfigError::new(
                row_name(i),
                format!("{} values", row.len()),
                format!("one value per column ({})", sample.columns.len()),
            ));
        }
    }
    let index = ParameterIndex::of(scenario);
    for (j, path) in sample.columns.iter().enumerate() {
        let field = format!("{name}, column \"{path}\"");
        if sample.columns[..j].contains(path) {
            return Err(ConfigError::new(field, "a second column", "each parameter in one column"));
        }
        let (spec, written) = index.variable(path, &field)?;
        if written.is_uncertain() || scenario.uncertainty.parameters.iter().any(|u| u.path == *path) {
            return Err(ConfigError::new(
                field,
                format!("\"{path}\""),
                "a parameter written as a number: this one is already given a distribution (where it is written \
                 or in uncertainty.parameters); give its uncertainty in one place",
            ));
        }
        for (i, row) in sample.rows.iter().enumerate() {
            let v = row[j];
            let whole_ok = !spec.whole || v.fract() == 0.0;
            if !spec.range.contains(v) || !whole_ok {
                let allowed =
                    if spec.allowed.is_empty() { spec.range.bounds().describe() } else { spec.allowed.into() };
                let allowed = if spec.whole { format!("a whole number: {allowed}") } else { allowed };
                return Err(ConfigError::new(format!("{}, column \"{path}\"", row_name(i)), v, allowed));
            }
        }
    }
    Ok(())
}

/// The index `i` of a sample column `changes[i].<rest>`, and `<rest>`.
fn change_column(column: &str) -> Option<(usize, &str)> {
    let rest = column.strip_prefix("changes[")?;
    let (index, rest) = rest.split_once(']')?;
    Some((index.parse().ok()?, rest))
}

/// `sample` with only the columns of paths outside `changes` (none left: no sample).
pub(super) fn sample_without_changes(sample: &Sample) -> Option<Sample> {
    sample_remapped(sample, |_| None)
}

/// `sample` with each column on `changes[i]` renamed to `changes[new(i)]`, or dropped where
/// `new(i)` is `None`; other columns kept. No column left: no sample.
pub(super) fn sample_remapped(sample: &Sample, new: impl Fn(usize) -> Option<usize>) -> Option<Sample> {
    let mut keep: Vec<(usize, String)> = Vec::new();
    for (j, column) in sample.columns.iter().enumerate() {
        match change_column(column) {
            Some((i, rest)) => {
                if let Some(k) = new(i) {
                    keep.push((j, format!("changes[{k}]{rest}")));
                }
            }
            None => keep.push((j, column.clone())),
        }
    }
    columns_of(sample, keep)
}

/// The sample of `sample`'s columns `keep`, each `(column, new name)` (none: no sample).
fn columns_of(sample: &Sample, keep: Vec<(usize, String)>) -> Option<Sample> {
    if keep.is_empty() {
        return None;
    }
    Some(Sample {
        rows: sample.rows.iter().map(|row| keep.iter().map(|&(j, _)| row[j]).collect()).collect(),
        columns: keep.into_iter().map(|(_, c)| c).collect(),
        origin: sample.origin.clone(),
    })
}

/// `sample` without the columns at `paths` (none left: no sample).
pub(super) fn sample_without_columns(sample: &Sample, paths: &[String]) -> Option<Sample> {
    let keep = sample.columns.iter().enumerate().filter(|(_, c)| !paths.contains(c)).map(|(j, c)| (j, c.clone()));
    columns_of(sample, keep.collect())
}
