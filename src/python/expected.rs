//! Bindings of the expected-value projection (`crate::expected`).

use super::{PyScenario, errors};
use numpy::{IntoPyArray, PyArray2, PyArrayDyn};
use pyo3::prelude::*;
use pyo3::types::PyDict;

/// The expected path of `scenario` over `months` months, as a dict: `start` (YYYY-MM),
/// `months`, `localities`, `initial_lac`, `indicators` (name -> array by month, every name
/// `RunResults.indicator_names()` gives), `flows` (move x month) and `stocks` (state x age band
/// x locality x month). The GIL is released while it runs.
#[pyfunction]
pub(super) fn expected<'py>(py: Python<'py>, scenario: &PyScenario, months: usize) -> PyResult<Bound<'py, PyDict>> {
    let inner = scenario.inner.clone();
    let path = py.detach(|| crate::expected::project(&inner, months)).map_err(errors::to_py)?;
    let d = PyDict::new(py);
    d.set_item("start", path.start.to_string())?;
    d.set_item("months", path.months)?;
    d.set_item("localities", path.localities.clone())?;
    d.set_item("initial_lac", path.initial_lac)?;
    let indicators = PyDict::new(py);
    for name in crate::expected::ExpectedPath::indicator_names() {
        if let Some(values) = path.indicator(&name) {
            indicators.set_item(&name, values.into_pyarray(py))?;
        }
    }
    d.set_item("indicators", indicators)?;
    let flows: Bound<'py, PyArray2<f64>> = path.flows.clone().into_pyarray(py);
    d.set_item("flows", flows)?;
    let stocks: Bound<'py, PyArrayDyn<f64>> = path.stocks.clone().into_dyn().into_pyarray(py);
    d.set_item("stocks", stocks)?;
    Ok(d)
}
