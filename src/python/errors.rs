//! The one place where core errors become Python exceptions. The exception classes are defined
//! in `python/carecast/_errors.py` (so that `ConfigError` can be a `ValueError` too) and looked
//! up here.

use crate::CarecastError;
use pyo3::exceptions::{PyKeyboardInterrupt, PyRuntimeError};
use pyo3::prelude::*;

fn exception(py: Python<'_>, class: &str, message: String, fields: Option<(&str, &str, &str)>) -> PyErr {
    let built = (|| -> PyResult<PyErr> {
        let module = py.import("carecast._errors")?;
        let cls = module.getattr(class)?;
        let instance = match fields {
            Some((path, value, allowed)) => cls.call1((message.clone(), path, value, allowed))?,
            None => cls.call1((message.clone(),))?,
        };
        Ok(PyErr::from_value(instance))
    })();
    built.unwrap_or_else(|e| {
        PyRuntimeError::new_err(format!("{message} (and the error class could not be loaded: {e})"))
    })
}

/// A `ConfigError` for `field` holding `value`, which should be `allowed`.
pub(super) fn config(field: &str, value: &str, allowed: &str) -> PyErr {
    Python::attach(|py| {
        exception(py, "ConfigError", format!("{field}: got {value}; allowed: {allowed}"), Some((field, value, allowed)))
    })
}

/// Convert a core error. Every error about a field or option fills `path`, `value` and
/// `allowed` where the core knows them.
pub(super) fn to_py(e: CarecastError) -> PyErr {
    let message = e.to_string();
    Python::attach(|py| match &e {
        CarecastError::Config(_) | CarecastError::Parse { .. } | CarecastError::Merge(_) => {
            let fields = e.field().map(|c| (c.path.as_str(), c.value.as_str(), c.allowed.as_str()));
            exception(py, "ConfigError", message, fields)
        }
        CarecastError::UnknownPreset { name, available } => {
            let allowed = format!("one of {available}");
            exception(py, "ConfigError", message, Some(("preset", name.as_str(), allowed.as_str())))
        }
        CarecastError::RunOption { option, message: detail } => {
            // Run-option messages read "got VALUE; allowed: WHAT".
            let (value, allowed) = detail
                .strip_prefix("got ")
                .and_then(|rest| rest.split_once("; allowed: "))
                .unwrap_or(("", detail.as_str()));
            exception(py, "ConfigError", message, Some((option, value, allowed)))
        }
        CarecastError::Io { .. } => exception(py, "ScenarioFileError", message, None),
        CarecastError::Cancelled { .. } => PyKeyboardInterrupt::new_err(message),
        CarecastError::TooLarge { .. } => exception(py, "ResourceError", message, None),
        CarecastError::Decode { .. } => exception(py, "ConfigError", message, None),
    })
}
