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

/// Convert a core error.
pub(super) fn to_py(e: CarecastError) -> PyErr {
    Python::attach(|py| match &e {
        CarecastError::Config(c) => {
            exception(py, "ConfigError", e.to_string(), Some((c.path.as_str(), c.value.as_str(), c.allowed.as_str())))
        }
        CarecastError::Parse { .. } | CarecastError::UnknownPreset { .. } | CarecastError::RunOption { .. } => {
            exception(py, "ConfigError", e.to_string(), None)
        }
        CarecastError::Io { .. } => exception(py, "ScenarioFileError", e.to_string(), None),
        CarecastError::Cancelled { .. } => PyKeyboardInterrupt::new_err(e.to_string()),
    })
}
