//! Python bindings (the private `carecast._core` module). Every pyo3 line of the project lives
//! in this folder; the functions here only convert between Python and the core's types. The
//! public, typed Python API is the facade in `python/carecast/`.

mod errors;
mod expected;

use crate::finance::{Basis, Category, CostModel};
use crate::outputs::{Activity, RunResults, Summary};
use crate::vocab::{AgeBand, LegalStatus, Move, NeedKind, NeedLevel, Placement, State};
use crate::{Model, Progress, RunOptions};
use numpy::{IntoPyArray, PyArray1, PyArray2, PyArrayDyn};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict};
use std::sync::Mutex;

/// A validated scenario.
#[pyclass(frozen, module = "carecast._core", name = "Scenario")]
struct PyScenario {
    inner: crate::Scenario,
}

#[pymethods]
impl PyScenario {
    /// The embedded preset `name`.
    #[staticmethod]
    fn preset(name: &str) -> PyResult<Self> {
        Ok(Self { inner: crate::Scenario::preset(name).map_err(errors::to_py)? })
    }

    /// Read a `.toml` or `.json` scenario file.
    #[staticmethod]
    fn from_file(path: std::path::PathBuf) -> PyResult<Self> {
        Ok(Self { inner: crate::Scenario::from_file(path).map_err(errors::to_py)? })
    }

    /// Build a scenario from JSON text (what a dict becomes); `source` names it in errors.
    #[staticmethod]
    fn from_json(text: &str, source: &str) -> PyResult<Self> {
        Ok(Self { inner: crate::Scenario::from_json_str(text, source).map_err(errors::to_py)? })
    }

    /// The scenario as JSON text.
    fn to_json(&self) -> String {
        self.inner.to_value().to_string()
    }

    /// The scenario as TOML text.
    fn to_toml(&self) -> String {
        self.inner.to_toml()
    }

    /// The scenario as TOML text whose sample (if any) is read from the file `file`, and the
    /// CSV text of that file (`None` without a sample).
    fn to_toml_with_sample_file(&self, file: &str) -> (String, Option<String>) {
        self.inner.to_toml_with_sample_file(file)
    }

    /// The sample the scenario carries: its columns and its rows x columns values, or `None`.
    fn sample<'py>(&self, py: Python<'py>) -> Option<(Vec<String>, Bound<'py, PyArray2<f64>>)> {
        let carried = self.inner.uncertainty.sample.as_ref()?;
        let values =
            ndarray::Array2::from_shape_fn((carried.rows.len(), carried.columns.len()), |(i, j)| carried.rows[i][j]);
        Some((carried.columns.clone(), values.into_pyarray(py)))
    }

    /// A new scenario carrying the sample `values` (rows x `columns`), or none if `columns` is
    /// `None`.
    #[pyo3(signature = (columns, values))]
    fn with_sample(
        &self,
        columns: Option<Vec<String>>,
        values: Option<numpy::PyReadonlyArray2<'_, f64>>,
    ) -> PyResult<Self> {
        let inner = match (columns, values) {
            (Some(columns), Some(values)) => {
                let rows = values.as_array().rows().into_iter().map(|r| r.to_vec()).collect();
                self.inner.with_sample(columns, rows).map_err(errors::to_py)?
            }
            _ => self.inner.without_sample(),
        };
        Ok(Self { inner })
    }

    /// A new scenario with the JSON object `overrides` deep-merged over this one.
    fn updated_json(&self, overrides: &str) -> PyResult<Self> {
        let value: serde_json::Value = serde_json::from_str(overrides)
            .map_err(|e| errors::to_py(crate::CarecastError::parse("overrides", e.to_string())))?;
        Ok(Self { inner: self.inner.updated(value).map_err(errors::to_py)? })
    }

    /// A new scenario with one more dated change (`set` as JSON text), keeping the others.
    fn with_change(&self, from_: &str, set: &str, note: &str) -> PyResult<Self> {
        let month: crate::YearMonth = from_
            .parse()
            .map_err(|_: String| errors::config("from", &format!("\"{from_}\""), crate::YearMonth::ALLOWED))?;
        let set: serde_json::Value =
            serde_json::from_str(set).map_err(|e| errors::to_py(crate::CarecastError::parse("set", e.to_string())))?;
        Ok(Self { inner: self.inner.with_change(month, set, note).map_err(errors::to_py)? })
    }

    /// The levers of this scenario against `baseline`, in order: `(name, from, change notes)`,
    /// `from` empty for the costs not tied to a lever.
    fn levers(&self, baseline: &PyScenario) -> PyResult<Vec<(String, String, Vec<String>)>> {
        let levers = self.inner.levers(&baseline.inner).map_err(errors::to_py)?;
        Ok(levers
            .into_iter()
            .map(|l| {
                let notes = l.changes.iter().map(|&i| self.inner.changes[i].note.clone()).collect();
                (l.name, l.from.map(|m| m.to_string()).unwrap_or_default(), notes)
            })
            .collect())
    }

    /// The baseline with the levers `names` of this scenario, and only those.
    fn with_levers(&self, baseline: &PyScenario, names: Vec<String>) -> PyResult<Self> {
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        Ok(Self { inner: self.inner.with_levers(&baseline.inner, &names).map_err(errors::to_py)? })
    }

    /// The starting position of replication `replication` of a run seeded `seed`, as JSON text:
    /// the scenario's own if it gives one, else the one drawn from its counts.
    fn starting_position_json(&self, py: Python<'_>, seed: u64, replication: u64) -> PyResult<String> {
        let position = match &self.inner.starting_position {
            Some(given) => given.clone(),
            None => {
                let model = Model::new(&self.inner).map_err(errors::to_py)?;
                py.detach(|| crate::StartingPosition::synthetic(&model, seed, replication))
            }
        };
        Ok(serde_json::to_string(&position).expect("a starting position always serialises"))
    }

    /// Every numeric parameter, as a dict of columns (one entry per parameter in each).
    fn parameters<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let params = self.inner.parameters();
        let d = PyDict::new(py);
        d.set_item("path", params.iter().map(|p| p.path.clone()).collect::<Vec<_>>())?;
        d.set_item("value", params.iter().map(|p| p.value).collect::<Vec<_>>())?;
        d.set_item("kind", params.iter().map(|p| p.kind.label()).collect::<Vec<_>>())?;
        d.set_item("low", params.iter().map(|p| p.range.min).collect::<Vec<_>>())?;
        d.set_item("high", params.iter().map(|p| p.range.max).collect::<Vec<_>>())?;
        d.set_item("low_open", params.iter().map(|p| p.range.min_open).collect::<Vec<_>>())?;
        d.set_item("high_open", params.iter().map(|p| p.range.max_open).collect::<Vec<_>>())?;
        d.set_item("allowed", params.iter().map(|p| p.allowed.clone()).collect::<Vec<_>>())?;
        d.set_item("whole", params.iter().map(|p| p.whole).collect::<Vec<_>>())?;
        d.set_item("uncertain", params.iter().map(|p| p.distribution.is_some()).collect::<Vec<_>>())?;
        d.set_item("may_be_uncertain", params.iter().map(|p| p.may_be_uncertain).collect::<Vec<_>>())?;
        d.set_item(
            "distribution",
            params.iter().map(|p| p.distribution.as_ref().map(ToString::to_string)).collect::<Vec<_>>(),
        )?;
        d.set_item("description", params.iter().map(|p| p.description.clone()).collect::<Vec<_>>())?;
        d.set_item("source", params.iter().map(|p| p.source.clone()).collect::<Vec<_>>())?;
        Ok(d)
    }

    /// Where the value at `path` comes from (the comment on its line in the scenario file, or
    /// its table's), if anywhere.
    fn source_of(&self, path: &str) -> Option<String> {
        self.inner.sources.of(path).map(str::to_string)
    }

    /// Every commented path of the scenario file(s) and its comment.
    fn sources(&self) -> Vec<(String, String)> {
        self.inner.sources.iter().map(|(p, s)| (p.to_string(), s.to_string())).collect()
    }

    /// The value of the parameter at `path` (the central value of a distribution).
    fn parameter(&self, path: &str) -> PyResult<f64> {
        self.inner.parameter(path).map_err(errors::to_py)
    }

    /// A new scenario with the parameters at the given paths set to numbers.
    fn with_parameters(&self, values: Vec<(String, f64)>) -> PyResult<Self> {
        let pairs: Vec<(&str, f64)> = values.iter().map(|(p, v)| (p.as_str(), *v)).collect();
        Ok(Self { inner: self.inner.with_parameters(&pairs).map_err(errors::to_py)? })
    }

    #[getter]
    fn name(&self) -> &str {
        &self.inner.name
    }

    #[getter]
    fn authority(&self) -> &str {
        &self.inner.authority
    }

    #[getter]
    fn start(&self) -> String {
        self.inner.start.to_string()
    }

    /// Run the scenario: `replications` replications from the global index `first_replication`.
    /// The GIL is released for the whole run; Ctrl-C stops it within a fraction of a second with
    /// `KeyboardInterrupt`. `progress(done, total)` is called when the count of finished
    /// replications changes.
    ///
    /// `sample_names` and `sample_values` (rows x names) give a parameter sample from outside;
    /// `shared`, if given, runs each row on that many shared chance streams (replication `r`
    /// takes row `r / shared` and chance stream `r % shared`), else replication `r` takes row
    /// `r` with its own chance.
    #[pyo3(signature = (replications, years, seed, threads=None, progress=None, first_replication=0,
                        sample_names=None, sample_values=None, shared=None))]
    #[allow(clippy::too_many_arguments)] // each is a keyword argument of Python's `Scenario.run`
    fn run(
        &self,
        py: Python<'_>,
        replications: usize,
        years: usize,
        seed: u64,
        threads: Option<usize>,
        progress: Option<Py<PyAny>>,
        first_replication: usize,
        sample_names: Option<Vec<String>>,
        sample_values: Option<numpy::PyReadonlyArray2<'_, f64>>,
        shared: Option<usize>,
    ) -> PyResult<PyRunResults> {
        let mut model = Model::new(&self.inner).map_err(errors::to_py)?;
        if let (Some(names), Some(values)) = (sample_names, sample_values) {
            let mut sample = crate::ParameterSample::new(names, values.as_array().to_owned());
            if let Some(k) = shared {
                sample = sample.shared(k);
            }
            model = model.with_sample(sample).map_err(errors::to_py)?;
        }
        let mut options = RunOptions::new(replications, years, seed);
        options.first_replication = first_replication;
        options.threads = threads;
        let results = run_interruptibly(py, progress, |p| model.run(&options, p))?;
        Ok(PyRunResults { inner: results })
    }

    /// Refuse, before anything runs, a comparison of this scenario (the baseline, run first)
    /// with `scenarios` (run in turn) that will not fit in memory: each scenario's run needs its
    /// own memory while the results of the baseline and the scenarios before it are kept
    /// ([`crate::engine::MemoryEstimate::while_keeping`]).
    fn check_comparison_memory(
        &self,
        scenarios: Vec<PyRef<'_, PyScenario>>,
        replications: usize,
        years: usize,
        threads: Option<usize>,
        first_replication: usize,
    ) -> PyResult<()> {
        let mut options = RunOptions::new(replications, years, 0);
        options.first_replication = first_replication;
        options.threads = threads;
        let mut kept = Model::new(&self.inner).map_err(errors::to_py)?.memory_estimate(&options);
        for scenario in scenarios {
            let model = Model::new(&scenario.inner).map_err(errors::to_py)?;
            let estimate = model.memory_estimate(&options).while_keeping(&kept);
            estimate.check(crate::engine::available_memory()).map_err(errors::to_py)?;
            kept = estimate;
        }
        Ok(())
    }
}

/// Reports progress to Python and watches for Ctrl-C, attaching to the interpreter briefly
/// every tenth of a second (the core calls it from the thread that started the run, which is
/// the one that can see Ctrl-C). The callback is called only when the count has changed.
struct PythonProgress {
    callback: Option<Py<PyAny>>,
    error: Mutex<Option<PyErr>>,
    /// The count last passed to the callback (`usize::MAX`: none yet).
    reported: std::sync::atomic::AtomicUsize,
}

impl Progress for PythonProgress {
    fn update(&self, done: usize, total: usize) -> bool {
        use std::sync::atomic::Ordering;
        Python::attach(|py| {
            let result = py.check_signals().and_then(|()| match &self.callback {
                Some(cb) if self.reported.swap(done, Ordering::Relaxed) != done => {
                    cb.call1(py, (done, total)).map(|_| ())
                }
                _ => Ok(()),
            });
            match result {
                Ok(()) => true,
                Err(e) => {
                    *self.error.lock().unwrap_or_else(|p| p.into_inner()) = Some(e);
                    false
                }
            }
        })
    }
}

/// Run `f` with the GIL released, reporting progress and stopping on Ctrl-C; the one helper
/// every long entry point uses.
fn run_interruptibly<T: Send>(
    py: Python<'_>,
    callback: Option<Py<PyAny>>,
    f: impl FnOnce(&dyn Progress) -> crate::Result<T> + Send,
) -> PyResult<T> {
    let progress =
        PythonProgress { callback, error: Mutex::new(None), reported: std::sync::atomic::AtomicUsize::new(usize::MAX) };
    let result = py.detach(|| f(&progress));
    match result {
        Ok(v) => Ok(v),
        Err(e) => match progress.error.into_inner().unwrap_or_else(|p| p.into_inner()) {
            Some(py_err) => Err(py_err),
            None => Err(errors::to_py(e)),
        },
    }
}

/// Summary arrays (mean, sd, p5, p50, p95) as a dict of NumPy arrays.
fn summary_dict<'py, D: ndarray::Dimension>(py: Python<'py>, s: &Summary<D>) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    for (k, a) in [("mean", &s.mean), ("sd", &s.sd), ("p5", &s.p5), ("p50", &s.p50), ("p95", &s.p95)] {
        d.set_item(k, a.clone().into_dyn().into_pyarray(py))?;
    }
    Ok(d)
}

/// The results of a run.
#[pyclass(frozen, module = "carecast._core", name = "RunResults")]
struct PyRunResults {
    inner: RunResults,
}

#[pymethods]
impl PyRunResults {
    /// A monthly indicator, replications x months.
    fn array<'py>(&self, py: Python<'py>, name: &str) -> PyResult<Bound<'py, PyArray2<f64>>> {
        match self.inner.indicator(name) {
            Some(a) => Ok(a.into_pyarray(py)),
            None => {
                Err(errors::config("indicator", name, &format!("one of: {}", RunResults::indicator_names().join(", "))))
            }
        }
    }

    /// Names `array` accepts.
    #[staticmethod]
    fn indicator_names() -> Vec<String> {
        RunResults::indicator_names()
    }

    #[getter]
    fn replications(&self) -> usize {
        self.inner.replications
    }

    #[getter]
    fn months(&self) -> usize {
        self.inner.months
    }

    #[getter]
    fn seed(&self) -> u64 {
        self.inner.seed
    }

    /// First simulated month, `YYYY-MM`.
    #[getter]
    fn start(&self) -> String {
        self.inner.start.to_string()
    }

    #[getter]
    fn localities(&self) -> Vec<String> {
        self.inner.localities.clone()
    }

    #[getter]
    fn quantile_sample(&self) -> usize {
        self.inner.quantile_sample
    }

    /// Global index of the first replication.
    #[getter]
    fn first_replication(&self) -> usize {
        self.inner.first_replication
    }

    /// Whether `other` holds the same results, bit for bit.
    fn equals(&self, other: &PyRunResults) -> bool {
        self.inner == other.inner
    }

    /// The results as portable, versioned bytes (`from_bytes` reads them back).
    fn to_bytes<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        let bytes = py.detach(|| self.inner.to_bytes());
        PyBytes::new(py, &bytes)
    }

    /// Results from `to_bytes`.
    #[staticmethod]
    fn from_bytes(py: Python<'_>, data: &[u8]) -> PyResult<Self> {
        let inner = py.detach(|| RunResults::from_bytes(data)).map_err(errors::to_py)?;
        Ok(Self { inner })
    }

    /// The results of runs over contiguous replication ranges, merged into one run's.
    #[staticmethod]
    fn merge(py: Python<'_>, parts: Vec<Bound<'_, PyRunResults>>) -> PyResult<Self> {
        let inners: Vec<&RunResults> = parts.iter().map(|p| &p.get().inner).collect();
        let inner = py.detach(|| RunResults::merge(inners)).map_err(errors::to_py)?;
        Ok(Self { inner })
    }

    /// Children looked after at the start, per replication.
    fn initial_lac<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        self.inner.initial_lac.clone().into_pyarray(py)
    }

    /// Financial year labels, e.g. `2015/16`, in order.
    fn financial_years(&self) -> Vec<String> {
        self.inner.financial_years().into_iter().map(crate::YearMonth::financial_year_label).collect()
    }

    /// The four shares over the first 12 months: name -> per replication.
    fn shares_first_year<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        for (k, v) in self.inner.shares_first_year() {
            d.set_item(k, v.into_pyarray(py))?;
        }
        Ok(d)
    }

    /// The four shares per financial year: name -> replications x financial years.
    fn shares_by_financial_year<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        for (k, v) in self.inner.shares_by_financial_year() {
            d.set_item(k, v.into_pyarray(py))?;
        }
        Ok(d)
    }

    /// Stocks summary over state x age band x locality x month.
    fn stocks<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        summary_dict(py, &self.inner.stocks)
    }

    /// Flows summary over move x month.
    fn flows<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        summary_dict(py, &self.inner.flows)
    }

    /// Waiting families summary over locality x month.
    fn queues<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        summary_dict(py, &self.inner.queues)
    }

    /// Early help caseload summary over locality x month.
    fn caseloads<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        summary_dict(py, &self.inner.caseloads)
    }

    /// Flows per replication: replications x moves x months.
    fn flows_by_replication<'py>(&self, py: Python<'py>) -> Bound<'py, PyArrayDyn<f64>> {
        self.inner.flows_by_replication().into_dyn().into_pyarray(py)
    }

    /// The draws of the uncertain parameters: their paths, and a replications x parameters array.
    fn parameter_draws<'py>(&self, py: Python<'py>) -> (Vec<String>, Bound<'py, PyArray2<f64>>) {
        (self.inner.parameter_names.clone(), self.inner.parameter_draws.clone().into_pyarray(py))
    }

    /// Bytes of the replications' packed records, what the results keep per replication.
    fn record_bytes(&self) -> usize {
        self.inner.record_bytes()
    }

    /// Costed activity per replication by locality and financial year: replications x activity
    /// kinds x localities x financial years.
    fn activity_by_year<'py>(&self, py: Python<'py>) -> Bound<'py, PyArrayDyn<f64>> {
        self.inner.activity_by_year().into_dyn().into_pyarray(py)
    }

    /// Child-months in care (every placement type) per replication by locality and financial
    /// year: replications x localities x financial years.
    fn in_care_by_year<'py>(&self, py: Python<'py>) -> Bound<'py, PyArrayDyn<f64>> {
        let placements: Vec<Activity> = Placement::ALL.iter().map(|&p| Activity::Placement(p)).collect();
        self.inner.activity_by_year_of(&placements).into_dyn().into_pyarray(py)
    }

    /// Flows of the move numbered `index` (in `MOVES` order) per replication: replications x
    /// months.
    fn flow<'py>(&self, py: Python<'py>, index: usize) -> PyResult<Bound<'py, PyArray2<f64>>> {
        match Move::ALL.get(index) {
            Some(&mv) => Ok(self.inner.flow(mv).into_pyarray(py)),
            None => Err(errors::config("move", &index.to_string(), &format!("0 to {}", Move::COUNT - 1))),
        }
    }

    /// Costed activity per replication and month, all localities together: replications x
    /// activity kinds x months.
    fn activity_by_month<'py>(&self, py: Python<'py>) -> Bound<'py, PyArrayDyn<f64>> {
        self.inner.activity_by_month().into_dyn().into_pyarray(py)
    }

    /// What the costs of this run priced by `scenario` are labelled with: `categories`,
    /// `new_spending` (the categories that are new spending: reinvestment and one-offs),
    /// `budget_lines` (the budget line of each category), `statutory_savings_cashable`,
    /// `month_years` (financial year of
    /// each month), `financial_years`, `base_year` and `discount_rate`.
    fn cost_labels<'py>(&self, py: Python<'py>, scenario: &PyScenario) -> PyResult<Bound<'py, PyDict>> {
        let model = self.cost_model(scenario)?;
        let costs = model.costs(&self.inner);
        let d = PyDict::new(py);
        d.set_item("categories", Category::NAMES.to_vec())?;
        let new_spending: Vec<&str> = Category::ALL.iter().filter(|c| c.is_new_spending()).map(|c| c.name()).collect();
        d.set_item("new_spending", new_spending)?;
        let lines: Vec<&str> = Category::ALL.iter().map(|c| c.budget_line().name()).collect();
        d.set_item("budget_lines", lines)?;
        d.set_item("statutory_savings_cashable", scenario.inner.costs.statutory_savings_cashable)?;
        d.set_item("month_years", costs.month_years.clone())?;
        d.set_item("financial_years", costs.financial_years())?;
        d.set_item("base_year", crate::YearMonth::financial_year_label(model.prices.base_year))?;
        d.set_item("discount_rate", model.prices.discount_rate)?;
        Ok(d)
    }

    /// Costs of this run priced by `scenario` (the scenario it was run from) in `basis`
    /// (`nominal`, `real` or `discounted`), reduced as `by` says: `category_year`
    /// (replications x categories x financial years), `locality_year` (replications x
    /// (localities + 1) x financial years, every category together; the last locality is
    /// authority-wide), `category_locality_year` (replications x categories x (localities + 1)
    /// x financial years), `category_month` (replications x categories x months), or
    /// `avoidable_month` and `new_spending_month` (replications x months: the categories a
    /// scenario may avoid, and the new spending). With `categories` (indices into the
    /// categories of `cost_labels`), `category_locality_year` gives only those categories, in
    /// the order given, so a table can take them a few at a time.
    #[pyo3(signature = (scenario, basis, by, categories=None))]
    fn costs<'py>(
        &self,
        py: Python<'py>,
        scenario: &PyScenario,
        basis: &str,
        by: &str,
        categories: Option<Vec<usize>>,
    ) -> PyResult<Bound<'py, PyArrayDyn<f64>>> {
        let model = self.cost_model(scenario)?;
        let Some(basis) = Basis::from_name(basis) else {
            return Err(errors::config("basis", basis, &Basis::NAMES.join(", ")));
        };
        const BY: [&str; 6] = [
            "category_year",
            "locality_year",
            "category_locality_year",
            "category_month",
            "avoidable_month",
            "new_spending_month",
        ];
        if !BY.contains(&by) {
            return Err(errors::config("by", by, &BY.join(", ")));
        }
        let picked: Vec<Category> = match &categories {
            None => Category::ALL.to_vec(),
            Some(_) if by != "category_locality_year" => {
                return Err(errors::config("categories", "a list", "None unless by is category_locality_year"));
            }
            Some(indices) => match indices.iter().map(|&i| Category::ALL.get(i).copied()).collect::<Option<_>>() {
                Some(picked) => picked,
                None => {
                    let bad = indices.iter().find(|&&i| i >= Category::COUNT).copied().unwrap_or_default();
                    let allowed = format!("0 to {}", Category::COUNT - 1);
                    return Err(errors::config("categories", &bad.to_string(), &allowed));
                }
            },
        };
        let array = py.detach(|| {
            let costs = model.costs(&self.inner);
            match by {
                "category_year" => costs.by_category_year(basis).into_dyn(),
                "locality_year" => costs.by_locality_year(basis).into_dyn(),
                "category_locality_year" => costs.by_year_of(basis, &picked).into_dyn(),
                "category_month" => costs.monthly(basis).into_dyn(),
                "avoidable_month" => costs.monthly_total(basis, |c| !c.is_new_spending()).into_dyn(),
                _ => costs.monthly_total(basis, Category::is_new_spending).into_dyn(),
            }
        });
        Ok(array.into_pyarray(py))
    }
}

impl PyRunResults {
    /// The cost model of `scenario`, which must be the scenario these results were run from:
    /// costs price a run's activity with its own scenario's unit costs and draws.
    fn cost_model(&self, scenario: &PyScenario) -> PyResult<CostModel> {
        if scenario.inner.fingerprint() != self.inner.scenario_fingerprint {
            return Err(errors::to_py(crate::CarecastError::Config(crate::ConfigError::new(
                "scenario",
                format!("'{}', which these results were not run from", scenario.inner.name),
                "the scenario the results were run from",
            ))));
        }
        CostModel::new(&scenario.inner).map_err(errors::to_py)
    }
}

/// Names of the embedded presets.
/// The financial years (`2015/16`) that `months` months from month `start` (`2015-04`) cover,
/// in order: the core's rule (April starts the year), for checks made before any run.
#[pyfunction]
fn financial_years(start: &str, months: usize) -> PyResult<Vec<String>> {
    let start: crate::YearMonth = start.parse().map_err(|_: String| {
        errors::to_py(crate::ConfigError::new("start", start, crate::YearMonth::ALLOWED).into())
    })?;
    Ok(start.financial_years(months).into_iter().map(crate::YearMonth::financial_year_label).collect())
}

#[pyfunction]
fn presets() -> Vec<&'static str> {
    crate::preset_names()
}

#[pymodule]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyScenario>()?;
    m.add_class::<PyRunResults>()?;
    m.add_function(wrap_pyfunction!(presets, m)?)?;
    m.add_function(wrap_pyfunction!(financial_years, m)?)?;
    m.add_function(wrap_pyfunction!(expected::expected, m)?)?;
    m.add("DEFAULT_PRESET", crate::DEFAULT_PRESET)?;
    m.add("STATES", State::LABELS.to_vec())?;
    m.add("AGE_BANDS", AgeBand::LABELS.to_vec())?;
    m.add("PLACEMENTS", Placement::LABELS.to_vec())?;
    m.add("LEGAL_STATUSES", LegalStatus::LABELS.to_vec())?;
    m.add("NEED_LEVELS", NeedLevel::LABELS.to_vec())?;
    m.add("NEED_KINDS", NeedKind::LABELS.to_vec())?;
    m.add("CASES_AT_HOME", crate::start::CaseAtHome::ALL.iter().map(|c| c.label()).collect::<Vec<_>>())?;
    m.add("MOVES", Move::LABELS.to_vec())?;
    m.add("COST_CATEGORIES", Category::NAMES.to_vec())?;
    m.add("COST_BUDGET_LINES", Category::ALL.iter().map(|c| c.budget_line().name()).collect::<Vec<_>>())?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
