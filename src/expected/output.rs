//! What the projection produces: the expected path, with the Monte Carlo outputs' names.

use super::recursion::Projection;
use crate::calendar::YearMonth;
use crate::outputs::{RunResults, Series};
use crate::vocab::{AgeBand, LegalStatus, Move, Placement, State};
use ndarray::{Array1, Array2, Array4, Axis};

/// The expected path of a scenario: the mean of every monthly output the Monte Carlo engine
/// records, computed directly by [`crate::expected::project`].
///
/// Arrays have the shapes of [`RunResults`]' summaries without the replication axis, and
/// [`ExpectedPath::indicator`] takes the names [`RunResults::indicator`] takes, so the two can
/// be put side by side.
#[derive(Debug, Clone, PartialEq)]
pub struct ExpectedPath {
    /// First projected month.
    pub start: YearMonth,
    /// Months projected.
    pub months: usize,
    /// Locality names.
    pub localities: Vec<String>,
    /// Under-18 population the scenario gives (for rates per 10,000).
    pub under_18: u32,
    /// Children looked after at the start (before month 0).
    pub initial_lac: f64,
    /// Recorded series ([`Series`] order) x month.
    pub series: Array2<f64>,
    /// Expected moves ([`Move`] order) x month.
    pub flows: Array2<f64>,
    /// Children by state x age band x locality x month, at the end of each month.
    pub stocks: Array4<f64>,
    /// Children looked after by placement type x month.
    pub placements: Array2<f64>,
    /// Children looked after by legal status ([`LegalStatus::ALL`] order) x month.
    pub legal_statuses: Array2<f64>,
    /// Unaccompanied asylum-seeking children looked after, by month.
    pub uasc: Array1<f64>,
    /// Children in the authority at the end of each month.
    pub population: Array1<f64>,
    /// Families waiting for early help, by locality x month.
    pub queues: Array2<f64>,
    /// Families in early help, by locality x month.
    pub caseloads: Array2<f64>,
}

impl ExpectedPath {
    /// A monthly indicator: any name [`RunResults::indicator`] accepts
    /// ([`RunResults::indicator_names`]); `None` for another name.
    pub fn indicator(&self, name: &str) -> Option<Array1<f64>> {
        let state_total = |s: State| {
            let by_state = self.stocks.index_axis(Axis(0), s.index());
            Array1::from_iter((0..self.months).map(|t| by_state.index_axis(Axis(2), t).sum()))
        };
        match name {
            "lac_stock" => Some(state_total(State::LookedAfter)),
            "lac_rate_per_10k" => Some(state_total(State::LookedAfter) / &self.population * 10_000.0),
            "population" => Some(self.population.clone()),
            "uasc_in_care" => Some(self.uasc.clone()),
            _ => {
                if let Some(i) = Series::NAMES.iter().position(|&n| n == name) {
                    return Some(self.series.row(i).to_owned());
                }
                if let Some(rest) = name.strip_prefix("stock_") {
                    let i = State::LABELS.iter().position(|&n| n == rest)?;
                    return Some(state_total(State::ALL[i]));
                }
                if let Some(rest) = name.strip_prefix("looked_after_") {
                    let i = Placement::LABELS.iter().position(|&n| n == rest)?;
                    return Some(self.placements.row(i).to_owned());
                }
                if let Some(rest) = name.strip_prefix("legal_status_") {
                    let i = LegalStatus::LABELS.iter().position(|&n| n == rest)?;
                    return Some(self.legal_statuses.row(i).to_owned());
                }
                None
            }
        }
    }

    /// Every indicator name, in [`RunResults::indicator_names`] order.
    pub fn indicator_names() -> Vec<String> {
        RunResults::indicator_names()
    }

    /// The expected number of move `mv` in each month.
    pub fn flow(&self, mv: Move) -> Array1<f64> {
        self.flows.row(mv.index()).to_owned()
    }

    /// The calendar month of month index `t`.
    pub fn month(&self, t: usize) -> YearMonth {
        self.start.plus(t as i64)
    }
}

/// End-of-month counts of one month.
pub(super) struct MonthCounts {
    pub(super) stocks: Vec<Vec<Vec<f64>>>,
    pub(super) placements: [f64; Placement::COUNT],
    pub(super) legal: [f64; LegalStatus::COUNT],
    pub(super) uasc: f64,
    pub(super) queues: Vec<f64>,
    pub(super) caseloads: Vec<f64>,
    pub(super) intensive: f64,
}

/// The path as it is filled in, month by month: the month's flows and series are summed in
/// plain arrays (the recursion adds to them many times a row) and stored at its end, when the
/// next month's start from 0.
pub(super) struct Record {
    pub(super) path: ExpectedPath,
    month: usize,
    flows: [f64; Move::COUNT],
    series: [f64; Series::COUNT],
}

impl Record {
    pub(super) fn new(path: ExpectedPath) -> Record {
        Record { path, month: 0, flows: [0.0; Move::COUNT], series: [0.0; Series::COUNT] }
    }

    #[inline]
    pub(super) fn flow(&mut self, mv: Move, t: i32, x: f64) {
        debug_assert_eq!(t as usize, self.month);
        self.flows[mv.index()] += x;
    }

    #[inline]
    pub(super) fn series(&mut self, s: Series, t: i32, x: f64) {
        debug_assert_eq!(t as usize, self.month);
        self.series[s as usize] += x;
    }

    /// Add `other`'s path (another need level's, [`super::recursion::project_month`]) to this
    /// one, every array but the placements, which every need level holds whole, and the
    /// children in care at the start.
    pub(super) fn add(&mut self, other: &ExpectedPath) {
        let path = &mut self.path;
        path.series += &other.series;
        path.flows += &other.flows;
        path.stocks += &other.stocks;
        path.legal_statuses += &other.legal_statuses;
        path.uasc += &other.uasc;
        path.population += &other.population;
        path.queues += &other.queues;
        path.caseloads += &other.caseloads;
    }

    /// Record the end of month `t`.
    pub(super) fn month(&mut self, projection: &mut Projection<'_>, t: i32) {
        for (y, x) in self.path.flows.column_mut(t as usize).iter_mut().zip(&self.flows) {
            *y = *x;
        }
        for (y, x) in self.path.series.column_mut(t as usize).iter_mut().zip(&self.series) {
            *y = *x;
        }
        self.month = t as usize + 1;
        self.flows = [0.0; Move::COUNT];
        self.series = [0.0; Series::COUNT];
        let localities = self.path.localities.len();
        let mut counts = MonthCounts {
            stocks: vec![vec![vec![0.0; localities]; AgeBand::COUNT]; State::COUNT],
            placements: [0.0; Placement::COUNT],
            legal: [0.0; LegalStatus::COUNT],
            uasc: 0.0,
            queues: vec![0.0; localities],
            caseloads: vec![0.0; localities],
            intensive: 0.0,
        };
        projection.count(&mut counts);
        let t = t as usize;
        let path = &mut self.path;
        let mut population = 0.0;
        for (s, by_band) in counts.stocks.iter().enumerate() {
            for (b, by_locality) in by_band.iter().enumerate() {
                for (l, x) in by_locality.iter().enumerate() {
                    path.stocks[[s, b, l, t]] = *x;
                    population += x;
                }
            }
        }
        path.population[t] = population;
        for (j, x) in counts.placements.iter().enumerate() {
            path.placements[[j, t]] = *x;
        }
        for (j, x) in counts.legal.iter().enumerate() {
            path.legal_statuses[[j, t]] = *x;
        }
        path.uasc[t] = counts.uasc;
        for l in 0..localities {
            path.queues[[l, t]] = counts.queues[l];
            path.caseloads[[l, t]] = counts.caseloads[l];
        }
        path.series[[Series::EarlyHelpFamilies as usize, t]] = counts.caseloads.iter().sum();
        path.series[[Series::EarlyHelpWaiting as usize, t]] = counts.queues.iter().sum();
        path.series[[Series::IntensiveSupportCases as usize, t]] = counts.intensive;
    }
}
