//! Bindings of the expected-value projection (`crate::expected`).

use super::{PyScenario, errors};
use crate::expected::ProjectionOptions;
use numpy::{IntoPyArray, PyArray2, PyArrayDyn};
use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::types::PyDict;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// How often a projection's caller looks for Ctrl-C.
const SIGNAL_CHECK_EVERY: Duration = Duration::from_millis(50);

/// The expected path of `scenario` over `months` months, as a dict: `start` (YYYY-MM),
/// `months`, `localities`, `initial_lac`, `indicators` (name -> array by month, every name
/// `RunResults.indicator_names()` gives), `flows` (move x month) and `stocks` (state x age band
/// x locality x month). The GIL is released while it runs, on a thread of its own; this thread
/// looks for Ctrl-C every few milliseconds and stops the projection within a month's work.
#[pyfunction]
pub(super) fn expected<'py>(py: Python<'py>, scenario: &PyScenario, months: usize) -> PyResult<Bound<'py, PyDict>> {
    let inner = scenario.inner.clone();
    let stop = AtomicBool::new(false);
    let done = AtomicBool::new(false);
    let path = std::thread::scope(|scope| -> PyResult<crate::expected::ExpectedPath> {
        let worker = scope.spawn(|| {
            let path = crate::expected::project_until(&inner, months, &ProjectionOptions::default(), &stop);
            done.store(true, Ordering::Release);
            path
        });
        loop {
            py.detach(|| {
                let waited = Instant::now();
                while !done.load(Ordering::Acquire) && waited.elapsed() < SIGNAL_CHECK_EVERY {
                    std::thread::sleep(Duration::from_millis(2));
                }
            });
            if done.load(Ordering::Acquire) {
                break;
            }
            if let Err(interrupted) = py.check_signals() {
                stop.store(true, Ordering::Relaxed);
                let _ = worker.join();
                return Err(interrupted);
            }
        }
        worker
            .join()
            .map_err(|_| PyRuntimeError::new_err("the expected-path projection failed"))?
            .map_err(errors::to_py)
    })?;
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
