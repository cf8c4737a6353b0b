//! Typed errors. Every way a scenario or a run can fail is a variant here; nothing panics on bad
//! input.

use std::fmt;

/// A scenario value that is not allowed: which field, what it was, and what is allowed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ConfigError {
    /// Dotted path of the field, e.g. `policy.early_help.places` or `localities[2].need.high`.
    pub path: String,
    /// The offending value as written (or a short description of it).
    pub value: String,
    /// What the field accepts.
    pub allowed: String,
}

impl ConfigError {
    /// Build an error for field `path` holding `value`, which should satisfy `allowed`.
    pub fn new(path: impl Into<String>, value: impl fmt::Display, allowed: impl Into<String>) -> Self {
        Self { path: path.into(), value: readable(value.to_string()), allowed: allowed.into() }
    }
}

/// A number written out in full by `f64`'s `Display` (1e308 has 309 digits, the smallest
/// subnormal 324 decimals) in scientific notation instead; anything else as it is.
fn readable(value: String) -> String {
    let digits = value.strip_prefix('-').unwrap_or(&value);
    if digits.len() > 17 && digits.chars().all(|c| c.is_ascii_digit() || c == '.') {
        if let Ok(v) = value.parse::<f64>() {
            return format!("{v:e}");
        }
    }
    value
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: got {}; allowed: {}", self.path, self.value, self.allowed)
    }
}

impl std::error::Error for ConfigError {}

/// Everything that can go wrong in carecast.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CarecastError {
    /// A scenario field failed validation.
    #[error("invalid scenario: {0}")]
    Config(#[from] ConfigError),
    /// A scenario file could not be parsed (syntax, unknown field, wrong type).
    #[error("could not read scenario {source_name}: {message}")]
    Parse {
        /// File name or `<string>`.
        source_name: String,
        /// The parser's message, with the field path where known.
        message: String,
        /// The field concerned, what it held and what is allowed, where the parser says.
        field: Option<ConfigError>,
    },
    /// No preset of that name.
    #[error("unknown preset `{name}`; available presets: {available}")]
    UnknownPreset {
        /// The name asked for.
        name: String,
        /// Comma-separated list of preset names.
        available: String,
    },
    /// Invalid run options (replications, years, threads).
    #[error("invalid run option {option}: {message}")]
    RunOption {
        /// Option name.
        option: &'static str,
        /// What was wrong.
        message: String,
    },
    /// Reading or writing a file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file concerned.
        path: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The run was cancelled (Ctrl-C, or a progress callback asked to stop).
    #[error("run cancelled after {completed} of {total} replications")]
    Cancelled {
        /// Replications finished before the cancellation was seen.
        completed: usize,
        /// Replications asked for.
        total: usize,
    },
    /// Results that cannot be merged: parts of different runs, or replication ranges with a gap
    /// or an overlap. The field says what differs.
    #[error("cannot merge results: {0}")]
    Merge(ConfigError),
    /// Results encoded as bytes could not be read back (damaged, or from another version).
    #[error("could not read results: {message}")]
    Decode {
        /// What was wrong.
        message: String,
    },
    /// The run would need more memory than is available; refused before it starts.
    #[error("{message}")]
    TooLarge {
        /// Bytes the run is estimated to need.
        needed: u64,
        /// Bytes available (`MemAvailable`, or the `CARECAST_MEMORY_LIMIT` override).
        available: u64,
        /// Both figures for people, and what to change.
        message: String,
    },
}

impl CarecastError {
    /// A parse error with no particular field (syntax errors, unreadable text).
    pub fn parse(source_name: impl Into<String>, message: impl Into<String>) -> Self {
        CarecastError::Parse { source_name: source_name.into(), message: message.into(), field: None }
    }

    /// The field concerned, its value and what is allowed, where known: the [`ConfigError`] of
    /// an invalid value, or what the parser could tell of a wrong type, unknown or missing field.
    pub fn field(&self) -> Option<&ConfigError> {
        match self {
            CarecastError::Config(c) | CarecastError::Merge(c) => Some(c),
            CarecastError::Parse { field, .. } => field.as_ref(),
            _ => None,
        }
    }
}

/// Result alias used throughout the crate.
pub type Result<T, E = CarecastError> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::ConfigError;

    #[test]
    fn long_numbers_are_shown_in_scientific_notation() {
        assert_eq!(ConfigError::new("x", 1e308, "").value, "1e308");
        assert_eq!(ConfigError::new("x", -1e300, "").value, "-1e300");
        assert_eq!(ConfigError::new("x", 5e-324, "").value, "5e-324");
        assert_eq!(ConfigError::new("x", 1.5, "").value, "1.5");
        assert_eq!(ConfigError::new("x", 4294967295u64, "").value, "4294967295");
        assert_eq!(ConfigError::new("x", "\"41%\"", "").value, "\"41%\"");
    }
}
