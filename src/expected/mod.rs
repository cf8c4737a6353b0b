//! The expected-value projection: the mean path of a scenario computed directly, by a cohort
//! recursion over the model's states, age and time in state, with no random numbers.
//!
//! ```
//! let scenario = carecast::Scenario::default_preset();
//! let path = carecast::expected::project(&scenario, 48).unwrap();
//! let in_care = path.indicator("lac_stock").unwrap();
//! assert!(in_care[47] > 500.0 && in_care[47] < 1500.0);
//! ```
//!
//! It follows `docs/model.md` ("A month, exactly") month by month: the expected number of
//! every move, from the expected state at the start of the month. It is **exact** (the Monte
//! Carlo means converge to it) for families of one child with fixed parameters, no births
//! into families, places that never bind and no intensive support, for any hazards, exit
//! table, care-entry scale and trend, dated policy changes and starting position of such
//! families, with ages in months and no rows merged ([`project_exact`]);
//! `tests/expected_value.rs` checks that against the engine. Elsewhere it approximates, as
//! `docs/expected.md` states and measures:
//!
//! - **ages in windows of single years** ([`project`]'s default, [`ProjectionOptions`]): a
//!   window holds the children born in the same twelve months, so they age exactly, but one
//!   that spans an age band edge (or a year of `care_entry_by_age`), the one turning 18 and
//!   the children moving away are taken as spread evenly over its months;
//! - **small rows merged** ([`DEFAULT_TOLERANCE`]) into the row with their windows over
//!   (recently closed, after early help; the re-entry window is kept);
//! - **uncertain parameters** at their means (a placement mix with evidence at the mean of
//!   its Dirichlet posterior);
//! - **families** as independent children: contacts out of the pools bring `E[S]` children
//!   each (the mean family size), hazards a family sums over its children at home
//!   (renewed contact, stepping up from early help) are taken per child times the
//!   size-biased mean size `E[S^2] / E[S]`, brothers and sisters coming into care together
//!   multiply care entry by `1 + sibling_group_entry x (E[S^2] / E[S] - 1)`, and family
//!   counts (early help, waiting, intensive support) are children divided by `E[S]`;
//! - **capacity** by a deterministic fluid queue: each month each locality's free early
//!   help places (in families) start the same share of its waiting children (highest need
//!   first with `by_need`), a locality holding its share of each need level's children, and
//!   intensive support likewise for the authority, highest need first;
//! - **placements** (and the care levers' targets by placement) by a separate recursion of
//!   the children in care by placement and age, so that a placement lever acts on the share
//!   of a row's children its target picks;
//! - **the starting position** without one given: the mean of the synthetic positions of
//!   seed 0, replications 0 to 7, with each family's unknown locality, need and time open
//!   spread over the values the engine draws them from.

mod output;
mod params;
mod recursion;
mod start;
mod state;

pub use output::ExpectedPath;

use crate::engine::Model;
use crate::error::{CarecastError, ConfigError, Result};
use crate::outputs::Series;
use crate::scenario::Scenario;
use crate::start::StartingPosition;
use crate::vocab::{AgeBand, LegalStatus, Move, Placement, State};
use ndarray::{Array1, Array2, Array4};
use output::Record;
use params::Params;
use rayon::prelude::*;
use recursion::Projection;
use state::Place;
use std::sync::atomic::{AtomicBool, Ordering};

/// Synthetic starting positions averaged when the scenario gives none (seed 0, replications
/// 0 to 7).
pub const SYNTHETIC_POSITIONS: u64 = 8;

/// The most months a projection covers (100 years).
pub const MAX_MONTHS: usize = 1_200;

/// Rows of the recursion holding fewer children than this are merged into the row with their
/// windows over (`docs/expected.md`, "Speed"): [`project`] uses it, [`project_exact`] does not.
pub const DEFAULT_TOLERANCE: f64 = 0.03;

/// The age window [`project`] uses: single years of birth months (`docs/expected.md`,
/// "Speed").
pub const DEFAULT_AGE_CELL_MONTHS: usize = 12;

/// How closely [`project_with_options`] follows the children: the width of its age windows
/// and the size of the rows it merges.
///
/// ```
/// use carecast::expected::ProjectionOptions;
/// let scenario = carecast::Scenario::default_preset();
/// let exact = ProjectionOptions { age_cell_months: 1, tolerance: 0.0 };
/// assert_eq!(exact, ProjectionOptions::EXACT);
/// let path = carecast::expected::project_with_options(&scenario, 12, &exact).unwrap();
/// assert_eq!(path.months, 12);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ProjectionOptions {
    /// Width of the age windows in months: 1, 2, 3, 4, 6 or 12 (a whole divisor of 12). A
    /// row holds its children by window of birth months, the children born in the same
    /// `age_cell_months` months, who stay together as they age, so ageing is exact. The
    /// hazards depend on age only through the age band and the year of age: a window that
    /// spans two of them, the window turning 18 and the children moving away are taken as
    /// spread evenly over its months, an approximation `docs/expected.md` measures (1 is
    /// exact: a window is a month of age). The pools of children with no open case are
    /// always by month of age. Default [`DEFAULT_AGE_CELL_MONTHS`].
    pub age_cell_months: usize,
    /// Rows holding fewer children than this are merged, at the start of each month, into the
    /// row with their windows over (0: none). A finite number >= 0; default
    /// [`DEFAULT_TOLERANCE`].
    pub tolerance: f64,
}

impl ProjectionOptions {
    /// Cells of a month and no merging: what [`project_exact`] uses.
    pub const EXACT: ProjectionOptions = ProjectionOptions { age_cell_months: 1, tolerance: 0.0 };

    /// The age cell widths allowed.
    pub const AGE_CELL_MONTHS: [usize; 6] = [1, 2, 3, 4, 6, 12];
}

impl Default for ProjectionOptions {
    /// What [`project`] uses: [`DEFAULT_AGE_CELL_MONTHS`] and [`DEFAULT_TOLERANCE`].
    fn default() -> Self {
        ProjectionOptions { age_cell_months: DEFAULT_AGE_CELL_MONTHS, tolerance: DEFAULT_TOLERANCE }
    }
}

/// The expected path of `scenario` over `months` months (see the module documentation for
/// where it is exact and what it approximates), with the default [`ProjectionOptions`]: ages
/// in single years and rows of fewer than [`DEFAULT_TOLERANCE`] children merged.
/// Deterministic: the same scenario gives the same numbers, bit for bit.
///
/// # Errors
/// A [`ConfigError`] if the scenario is invalid, or `months` is 0 or above [`MAX_MONTHS`].
pub fn project(scenario: &Scenario, months: usize) -> Result<ExpectedPath> {
    project_with_options(scenario, months, &ProjectionOptions::default())
}

/// [`project`] with ages in single months and no rows merged ([`ProjectionOptions::EXACT`]):
/// exact where the module documentation says it is, and slower.
///
/// # Errors
/// As [`project`].
pub fn project_exact(scenario: &Scenario, months: usize) -> Result<ExpectedPath> {
    project_with_options(scenario, months, &ProjectionOptions::EXACT)
}

/// [`project`] merging rows of fewer than `tolerance` children (0: none), with the default
/// age windows.
///
/// # Errors
/// As [`project`], and a [`ConfigError`] for a negative or non-finite `tolerance`.
pub fn project_with_tolerance(scenario: &Scenario, months: usize, tolerance: f64) -> Result<ExpectedPath> {
    project_with_options(scenario, months, &ProjectionOptions { tolerance, ..ProjectionOptions::default() })
}

/// [`project`] with the age windows and merging of `options`.
///
/// # Errors
/// As [`project`], and a [`ConfigError`] naming `tolerance` or `age_cell_months` if either is
/// not allowed ([`ProjectionOptions`]).
pub fn project_with_options(scenario: &Scenario, months: usize, options: &ProjectionOptions) -> Result<ExpectedPath> {
    project_inner(scenario, months, options, None)
}

/// [`project_with_options`] that gives up once `stop` is set (from another thread, or a signal
/// handler): it is looked at after the starting position is placed and before every month, so a
/// stop takes effect within a month's work (a few milliseconds to a few tens).
///
/// # Errors
/// As [`project_with_options`], and [`CarecastError::Cancelled`] (with the months done) if
/// stopped.
pub fn project_until(
    scenario: &Scenario,
    months: usize,
    options: &ProjectionOptions,
    stop: &AtomicBool,
) -> Result<ExpectedPath> {
    project_inner(scenario, months, options, Some(stop))
}

fn project_inner(
    scenario: &Scenario,
    months: usize,
    options: &ProjectionOptions,
    stop: Option<&AtomicBool>,
) -> Result<ExpectedPath> {
    let stopped = |done: usize| -> Result<()> {
        match stop {
            Some(flag) if flag.load(Ordering::Relaxed) => {
                Err(CarecastError::Cancelled { completed: done, total: months })
            }
            _ => Ok(()),
        }
    };
    let ProjectionOptions { age_cell_months, tolerance } = *options;
    if !(tolerance.is_finite() && tolerance >= 0.0) {
        return Err(ConfigError::new("tolerance", tolerance, "a finite number >= 0").into());
    }
    if !ProjectionOptions::AGE_CELL_MONTHS.contains(&age_cell_months) {
        return Err(ConfigError::new("age_cell_months", age_cell_months.to_string(), "1, 2, 3, 4, 6 or 12").into());
    }
    if months == 0 || months > MAX_MONTHS {
        return Err(ConfigError::new(
            "months",
            months.to_string(),
            format!("a whole number of months from 1 to {MAX_MONTHS}"),
        )
        .into());
    }
    let model = Model::new(scenario)?;
    let params = Params::new(&model, months);
    let positions: Vec<(StartingPosition, f64)> = match &scenario.starting_position {
        Some(position) => vec![(position.clone(), 1.0)],
        None => {
            // The mean of the first few synthetic positions, each a random draw (its own seed,
            // so drawn side by side and kept in order).
            let weight = 1.0 / SYNTHETIC_POSITIONS as f64;
            (0..SYNTHETIC_POSITIONS)
                .into_par_iter()
                .map(|r| (StartingPosition::synthetic(&model, 0, r), weight))
                .collect()
        }
    };
    // Each need level places the whole starting position (the pools weigh the families over
    // every need level) and keeps its own children.
    let start = |need| {
        let mut part = Projection::new(&params, age_cell_months, need);
        part.tolerance = tolerance;
        part.fill_pools();
        let in_care: f64 = positions.iter().map(|(position, weight)| part.place(position, *weight)).sum();
        part.keep_own_pools();
        (part, in_care)
    };
    stopped(0)?;
    let (high, (low, medium)) = rayon::join(|| start(2), || (start(0), start(1)));
    let initial_lac = low.1 + medium.1 + high.1;
    let mut parts = vec![low.0, medium.0, high.0];
    // The placements are one recursion of every need level's children in care.
    let (first, rest) = parts.split_at_mut(1);
    for other in rest.iter() {
        for (sum, part) in first[0].placements.iter_mut().zip(&other.placements) {
            for (x, y) in sum.iter_mut().zip(part) {
                *x += y;
            }
        }
    }
    for other in rest.iter_mut() {
        other.placements.clone_from(&first[0].placements);
    }
    let localities = model.localities;
    let empty = || {
        Record::new(ExpectedPath {
            start: scenario.start,
            months,
            localities: model.locality_names.clone(),
            under_18: scenario.population.under_18,
            initial_lac: 0.0,
            series: Array2::zeros((Series::COUNT, months)),
            flows: Array2::zeros((Move::COUNT, months)),
            stocks: Array4::zeros((State::COUNT, AgeBand::COUNT, localities, months)),
            placements: Array2::zeros((Placement::COUNT, months)),
            legal_statuses: Array2::zeros((LegalStatus::COUNT, months)),
            uasc: Array1::zeros(months),
            population: Array1::zeros(months),
            queues: Array2::zeros((localities, months)),
            caseloads: Array2::zeros((localities, months)),
        })
    };
    let mut records: Vec<Record> = (0..3).map(|_| empty()).collect();
    for (part, record) in parts.iter().zip(&mut records) {
        // The engine counts the families in early help on the start date as starts in month 0.
        let starting_eh: f64 = part
            .rows
            .keys
            .iter()
            .zip(part.rows.now.chunks_exact(part.layout.stride))
            .filter(|(k, _)| k.place == Place::EarlyHelp)
            .map(|(_, row)| row.iter().sum::<f64>())
            .sum();
        record.flow(Move::EarlyHelpStart, 0, starting_eh);
        record.series(Series::EarlyHelpStarts, 0, starting_eh / params.family_mean);
    }
    for t in 0..months as i32 {
        stopped(t as usize)?;
        recursion::project_month(&mut parts, &mut records, t);
    }
    // Need levels 0, 1 and 2 summed in that order, whatever the threads.
    let mut records = records.into_iter();
    let mut record = records.next().expect("three need levels");
    for other in records {
        record.add(&other.path);
    }
    record.path.initial_lac = initial_lac;
    Ok(record.path)
}
