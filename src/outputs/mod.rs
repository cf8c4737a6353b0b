//! What a run produces: per-replication records and their summaries across replications.
//!
//! Headline indicators, totals by state, placement and legal status, flows by move and costed
//! activity are kept per replication, packed bit by bit (`packed.rs`: whole counts, back
//! exactly, about a tenth of the memory of `f64`s): monthly rows, and the activity that costs
//! are charged on reduced to what the costs need (by locality and financial year, and monthly
//! totals across localities). Detailed breakdowns (state x age band x locality, flows by move,
//! queues and caseloads per locality) are summarised as they stream in: exact mean and standard
//! deviation over all replications, and quantiles over the first `quantile_sample`
//! replications, so memory does not grow with replications beyond that unless the full arrays
//! are asked for.

use crate::calendar::YearMonth;
use crate::vocab::{AgeBand, LegalStatus, Move, Placement, State};
use ndarray::{Array1, Array2, Array3, Array4, Axis};
use serde::Serialize;
use std::collections::BTreeMap;
use std::ops::Range;

mod codec;
mod merge;
mod packed;

/// Monthly series recorded per replication. Names are the public indicator names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(usize)]
pub enum Series {
    /// Entries to care in the month.
    LacEntries,
    /// Exits from care in the month (including 18th birthdays).
    LacExits,
    /// Families waiting for early help at the end of the month.
    EarlyHelpWaiting,
    /// Families in early help at the end of the month (family-months, for costs).
    EarlyHelpFamilies,
    /// Families receiving the Specialist Intensive Support Service (case-months).
    IntensiveSupportCases,
    /// Children assessed after a referral to social care.
    Assessments,
    /// Care proceedings applications: one per entry of a family through care proceedings,
    /// whatever the number of children entering in it.
    CareProceedings,
    /// Entries of children not previously known.
    EntriesNotPreviouslyKnown,
    /// Entries of children aged five or over.
    EntriesAged5Plus,
    /// Entries whose reason is abuse or neglect.
    EntriesAbuseNeglect,
    /// Early help episodes started (families).
    EarlyHelpStarts,
    /// Early help episodes started whose index child is five or over.
    EarlyHelpStartsOverFives,
    /// Total months waited by the families that started early help in the month.
    EarlyHelpWaitMonths,
    /// Entries to care of children who had been in care before (re-entries).
    LacReentries,
    /// First entries to care (not re-entries) of children under one.
    FirstEntriesAge0,
    /// First entries to care of children aged one to four.
    FirstEntriesAge1To4,
    /// First entries to care of children aged five to nine.
    FirstEntriesAge5To9,
    /// First entries to care of children aged ten to fifteen.
    FirstEntriesAge10To15,
    /// First entries to care of children aged sixteen or seventeen.
    FirstEntriesAge16To17,
    /// First entries to care of children aged 0 (whole years) at entry.
    FirstEntriesAt0,
    /// First entries to care of children aged 1 (whole years) at entry.
    FirstEntriesAt1,
    /// First entries to care of children aged 2 (whole years) at entry.
    FirstEntriesAt2,
    /// First entries to care of children aged 3 (whole years) at entry.
    FirstEntriesAt3,
    /// First entries to care of children aged 4 (whole years) at entry.
    FirstEntriesAt4,
    /// First entries to care of children aged 5 (whole years) at entry.
    FirstEntriesAt5,
    /// First entries to care of children aged 6 (whole years) at entry.
    FirstEntriesAt6,
    /// First entries to care of children aged 7 (whole years) at entry.
    FirstEntriesAt7,
    /// First entries to care of children aged 8 (whole years) at entry.
    FirstEntriesAt8,
    /// First entries to care of children aged 9 (whole years) at entry.
    FirstEntriesAt9,
    /// First entries to care of children aged 10 (whole years) at entry.
    FirstEntriesAt10,
    /// First entries to care of children aged 11 (whole years) at entry.
    FirstEntriesAt11,
    /// First entries to care of children aged 12 (whole years) at entry.
    FirstEntriesAt12,
    /// First entries to care of children aged 13 (whole years) at entry.
    FirstEntriesAt13,
    /// First entries to care of children aged 14 (whole years) at entry.
    FirstEntriesAt14,
    /// First entries to care of children aged 15 (whole years) at entry.
    FirstEntriesAt15,
    /// First entries to care of children aged 16 (whole years) at entry.
    FirstEntriesAt16,
    /// First entries to care of children aged 17 (whole years) at entry.
    FirstEntriesAt17,
}

impl Series {
    /// Number of recorded series.
    pub const COUNT: usize = 37;
    /// Names, in discriminant order.
    pub const NAMES: [&'static str; Series::COUNT] = [
        "lac_entries",
        "lac_exits",
        "early_help_waiting",
        "early_help_families",
        "intensive_support_cases",
        "assessments",
        "care_proceedings",
        "entries_not_previously_known",
        "entries_aged_5_plus",
        "entries_abuse_neglect",
        "early_help_starts",
        "early_help_starts_over_fives",
        "early_help_wait_months",
        "lac_reentries",
        "first_entries_age_0",
        "first_entries_age_1_4",
        "first_entries_age_5_9",
        "first_entries_age_10_15",
        "first_entries_age_16_17",
        "first_entries_at_0",
        "first_entries_at_1",
        "first_entries_at_2",
        "first_entries_at_3",
        "first_entries_at_4",
        "first_entries_at_5",
        "first_entries_at_6",
        "first_entries_at_7",
        "first_entries_at_8",
        "first_entries_at_9",
        "first_entries_at_10",
        "first_entries_at_11",
        "first_entries_at_12",
        "first_entries_at_13",
        "first_entries_at_14",
        "first_entries_at_15",
        "first_entries_at_16",
        "first_entries_at_17",
    ];

    /// First entries to care of a child in age band `band` (its index in [`AgeBand::ALL`]).
    pub const FIRST_ENTRIES_BY_BAND: [Series; AgeBand::COUNT] = [
        Series::FirstEntriesAge0,
        Series::FirstEntriesAge1To4,
        Series::FirstEntriesAge5To9,
        Series::FirstEntriesAge10To15,
        Series::FirstEntriesAge16To17,
    ];

    /// First entries to care of a child aged `age` whole years at entry (0-17).
    pub const FIRST_ENTRIES_BY_AGE: [Series; 18] = [
        Series::FirstEntriesAt0,
        Series::FirstEntriesAt1,
        Series::FirstEntriesAt2,
        Series::FirstEntriesAt3,
        Series::FirstEntriesAt4,
        Series::FirstEntriesAt5,
        Series::FirstEntriesAt6,
        Series::FirstEntriesAt7,
        Series::FirstEntriesAt8,
        Series::FirstEntriesAt9,
        Series::FirstEntriesAt10,
        Series::FirstEntriesAt11,
        Series::FirstEntriesAt12,
        Series::FirstEntriesAt13,
        Series::FirstEntriesAt14,
        Series::FirstEntriesAt15,
        Series::FirstEntriesAt16,
        Series::FirstEntriesAt17,
    ];
}

/// Activity that costs are charged on, recorded per replication by locality and month: one
/// kind per placement type (child-months, end-of-month counts), then the rest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Activity {
    /// Child-months in a placement of this type.
    Placement(Placement),
    /// Child-months on child in need plans.
    ChildInNeed,
    /// Child-months on child protection plans.
    ChildProtection,
    /// Family-months in early help.
    EarlyHelp,
    /// Family-months of Specialist Intensive Support.
    IntensiveSupport,
    /// Children assessed after a referral.
    Assessments,
    /// Children entering care.
    CareEntries,
    /// Care proceedings applications (one per family entering care through proceedings).
    CareProceedings,
    /// Children leaving care on their 18th birthday (care leavers).
    CareLeavers,
}

impl Activity {
    /// Names of the kinds after the placement types, in output order (as `index` counts them).
    const REST: [&'static str; 8] = [
        "child_in_need",
        "child_protection",
        "early_help",
        "intensive_support",
        "assessments",
        "care_entries",
        "care_proceedings",
        "care_leavers",
    ];
    /// Number of kinds of activity.
    pub const COUNT: usize = Placement::COUNT + Activity::REST.len();
    /// Names, in index order.
    pub const NAMES: [&'static str; Activity::COUNT] = crate::vocab::placement_led(Activity::REST);

    /// Position in activity arrays: the placement types first, then the rest in declaration order.
    #[inline]
    pub const fn index(self) -> usize {
        let rest = match self {
            Activity::Placement(p) => return p.index(),
            Activity::ChildInNeed => 0,
            Activity::ChildProtection => 1,
            Activity::EarlyHelp => 2,
            Activity::IntensiveSupport => 3,
            Activity::Assessments => 4,
            Activity::CareEntries => 5,
            Activity::CareProceedings => 6,
            Activity::CareLeavers => 7,
        };
        Placement::COUNT + rest
    }
}

/// The shares reported over the first 12 months and per financial year: name, numerator,
/// denominator.
pub const SHARES: [(&str, Series, Series); 4] = [
    ("share_entries_not_previously_known", Series::EntriesNotPreviouslyKnown, Series::LacEntries),
    ("share_entries_aged_5_plus", Series::EntriesAged5Plus, Series::LacEntries),
    ("share_entries_abuse_neglect", Series::EntriesAbuseNeglect, Series::LacEntries),
    ("share_early_help_starts_over_fives", Series::EarlyHelpStartsOverFives, Series::EarlyHelpStarts),
];

/// One event in the per-family event log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LoggedEvent {
    /// Month index from the start.
    pub month: i32,
    /// Family number within the replication.
    pub family: u32,
    /// Child number, for events of one child; `None` for whole-family events.
    pub child: Option<u32>,
    /// What happened.
    pub kind: Move,
}

impl Serialize for Move {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(Move::LABELS[self.index()])
    }
}

/// Everything one replication records.
#[derive(Debug, Clone)]
pub struct RepOutput {
    months: usize,
    localities: usize,
    /// Children looked after at the start (before month 0).
    pub initial_lac: u32,
    series: Vec<f64>,
    /// Stocks: state x band x locality x month.
    stocks: Vec<u32>,
    /// Looked after by placement: placement x month.
    placements: Vec<u32>,
    /// Looked after by legal status: legal status x month.
    legal_statuses: Vec<u32>,
    /// Unaccompanied asylum-seeking children looked after, by month.
    uasc: Vec<u32>,
    /// Flows: move x month.
    flows: Vec<u32>,
    queues: Vec<u32>,
    caseloads: Vec<u32>,
    /// Costed activity: kind x locality x month.
    activity: Vec<u32>,
    /// Logged events (only for the families asked for).
    pub events: Vec<LoggedEvent>,
    /// The values drawn for the uncertain parameters (in `Model::parameter_names` order).
    pub(crate) parameters: Vec<f64>,
}

const STATES: usize = State::COUNT;
const BANDS: usize = AgeBand::COUNT;

impl RepOutput {
    /// Empty record for `months` months and `localities` localities.
    pub fn new(months: usize, localities: usize) -> Self {
        Self {
            months,
            localities,
            initial_lac: 0,
            series: vec![0.0; Series::COUNT * months],
            stocks: vec![0; STATES * BANDS * localities * months],
            placements: vec![0; Placement::COUNT * months],
            legal_statuses: vec![0; LegalStatus::COUNT * months],
            uasc: vec![0; months],
            flows: vec![0; Move::COUNT * months],
            queues: vec![0; localities * months],
            caseloads: vec![0; localities * months],
            activity: vec![0; Activity::COUNT * localities * months],
            events: Vec::new(),
            parameters: Vec::new(),
        }
    }

    /// Record `n` of activity `a` in locality `l` in month `t`.
    #[inline]
    pub(crate) fn activity(&mut self, a: Activity, l: usize, t: i32, n: u32) {
        self.activity[(a.index() * self.localities + l) * self.months + t as usize] += n;
    }

    #[inline]
    pub(crate) fn add(&mut self, s: Series, t: i32, v: f64) {
        self.series[s as usize * self.months + t as usize] += v;
    }

    #[inline]
    pub(crate) fn set(&mut self, s: Series, t: i32, v: f64) {
        self.series[s as usize * self.months + t as usize] = v;
    }

    #[inline]
    pub(crate) fn flow(&mut self, mv: Move, t: i32, n: u32) {
        self.flows[mv.index() * self.months + t as usize] += n;
    }

    #[inline]
    pub(crate) fn stock(&mut self, state: State, band: usize, locality: usize, t: i32, n: u32) {
        let i = ((state.index() * BANDS + band) * self.localities + locality) * self.months + t as usize;
        self.stocks[i] += n;
    }

    #[inline]
    pub(crate) fn placement(&mut self, p: usize, t: i32, n: u32) {
        self.placements[p * self.months + t as usize] += n;
    }

    /// Record the children in care by legal status (in [`LegalStatus::ALL`] order) and the
    /// UASC among them at the end of month `t`.
    pub(crate) fn legal_statuses(&mut self, t: i32, by_status: &[u32; LegalStatus::COUNT], uasc: u32) {
        for (k, &n) in by_status.iter().enumerate() {
            self.legal_statuses[k * self.months + t as usize] = n;
        }
        self.uasc[t as usize] = uasc;
    }

    pub(crate) fn queue(&mut self, l: usize, t: i32, n: u32) {
        self.queues[l * self.months + t as usize] = n;
    }

    pub(crate) fn caseload(&mut self, l: usize, t: i32, n: u32) {
        self.caseloads[l * self.months + t as usize] = n;
    }

    /// A recorded series over months.
    pub fn series(&self, s: Series) -> &[f64] {
        &self.series[s as usize * self.months..(s as usize + 1) * self.months]
    }

    /// Children in `state` at the end of month `t`, summed over bands and localities.
    pub fn state_total(&self, state: State, t: usize) -> u32 {
        let mut total = 0;
        for b in 0..BANDS {
            for l in 0..self.localities {
                total += self.stocks[((state.index() * BANDS + b) * self.localities + l) * self.months + t];
            }
        }
        total
    }

    /// Flow of kind `mv` in month `t`.
    pub fn flow_at(&self, mv: Move, t: usize) -> u32 {
        self.flows[mv.index() * self.months + t]
    }

    /// Early help caseload (families) of locality `l` in month `t`.
    pub fn caseload_at(&self, l: usize, t: usize) -> u32 {
        self.caseloads[l * self.months + t]
    }
}

/// Mean, standard deviation and quantiles of a quantity across replications.
#[derive(Debug, Clone, Serialize)]
pub struct Summary<D: ndarray::Dimension> {
    /// Mean over all replications.
    pub mean: ndarray::Array<f64, D>,
    /// Standard deviation over all replications (n - 1 denominator).
    pub sd: ndarray::Array<f64, D>,
    /// 5th percentile.
    pub p5: ndarray::Array<f64, D>,
    /// Median.
    pub p50: ndarray::Array<f64, D>,
    /// 95th percentile.
    pub p95: ndarray::Array<f64, D>,
}

/// Exact running sums of a breakdown over replications, and the breakdowns of the replications
/// kept for quantiles (those whose global index is below `keep`).
///
/// The values are whole counts, so integer sums and sums of squares are exact and do not depend
/// on the order or grouping of replications: runs over replication ranges merge into the same
/// bits as one run of them all (floating-point running means would not).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Accumulator {
    /// Replications added.
    n: u64,
    /// Replications with a global index below this are kept for quantiles.
    keep: usize,
    /// Per cell, the sum of the values (at most 2^32 x 10^6: no overflow).
    sum: Vec<u64>,
    /// Per cell, the sum of the squared values.
    sum_sq: Vec<u128>,
    /// Values in a row of the kept replications' records (the months: every breakdown ends
    /// with them).
    row_len: usize,
    /// The kept replications' values, one packed record each (rows of `row_len` values).
    pub(crate) sample: Vec<Box<[u8]>>,
}

impl Accumulator {
    /// Sums of `len` cells (rows of `row_len`, which divides it), keeping replications below
    /// `keep`.
    fn new(len: usize, row_len: usize, keep: usize) -> Self {
        debug_assert!(row_len > 0 && len % row_len == 0);
        Self { n: 0, keep, sum: vec![0; len], sum_sq: vec![0; len], row_len: row_len.max(1), sample: Vec::new() }
    }

    /// Accumulator of `len` cells read from bytes: the sums, and the kept replications' records
    /// if each is a whole record of rows of `row_len` (`None` if one is not).
    pub(crate) fn from_parts(
        n: u64,
        keep: usize,
        sum: Vec<u64>,
        sum_sq: Vec<u128>,
        row_len: usize,
        sample: Vec<Box<[u8]>>,
    ) -> Option<Self> {
        let a = Self { n, keep, sum, sum_sq, row_len: row_len.max(1), sample };
        let rows = a.sum.len() / a.row_len;
        let whole = |record: &[u8]| {
            let mut pos = 0;
            let mut row = vec![0u32; a.row_len];
            (0..rows).all(|_| packed::unpack_row(record, &mut pos, &mut row) == Some(false)) && pos == record.len()
        };
        (a.sum.len() % a.row_len == 0 && a.sample.iter().all(|r| whole(r))).then_some(a)
    }

    /// Add the values of replication `replication` (global index).
    fn push(&mut self, replication: usize, values: &[u32]) {
        self.n += 1;
        for ((s, q), &x) in self.sum.iter_mut().zip(self.sum_sq.iter_mut()).zip(values) {
            *s += u64::from(x);
            *q += u128::from(u64::from(x) * u64::from(x));
        }
        if replication < self.keep {
            let mut record = Vec::new();
            values.chunks_exact(self.row_len).for_each(|row| packed::pack_row(row, &mut record));
            self.sample.push(record.into_boxed_slice());
        }
    }

    /// Add the replications of `later`, which follow this one's in replication order.
    fn absorb(&mut self, later: &Accumulator) {
        self.n += later.n;
        self.sum.iter_mut().zip(&later.sum).for_each(|(a, b)| *a += b);
        self.sum_sq.iter_mut().zip(&later.sum_sq).for_each(|(a, b)| *a += b);
        self.sample.extend(later.sample.iter().cloned());
    }

    /// Replications kept for quantiles.
    fn kept(&self) -> usize {
        self.sample.len()
    }

    /// The summary, or `None` if `keep_going` (asked every 4,096 elements: sorting the quantile
    /// sample of a large run takes seconds) says to stop.
    ///
    /// The mean is the exact sum divided by n, rounded once; the variance is
    /// `(n sum_sq - sum^2) / (n (n - 1))` with the numerator exact, so both agree with Welford's
    /// running values to about 1e-15 relative and do not depend on how the replications were
    /// grouped. Quantiles of a run without kept replications are NaN.
    fn summary<D: ndarray::Dimension>(&self, shape: D, keep_going: &mut dyn FnMut() -> bool) -> Option<Summary<D>> {
        let len = self.sum.len();
        let n = self.n;
        let mean: Vec<f64> = self.sum.iter().map(|&s| s as f64 / n as f64).collect();
        let sd: Vec<f64> = self
            .sum
            .iter()
            .zip(&self.sum_sq)
            .map(|(&s, &q)| {
                if n > 1 {
                    // Saturating only for sums that no run produces (read from damaged bytes).
                    let spread = u128::from(n).saturating_mul(q).saturating_sub(u128::from(s) * u128::from(s));
                    (spread as f64 / (n as f64 * (n - 1) as f64)).sqrt()
                } else {
                    0.0
                }
            })
            .collect();
        let kept = self.kept();
        let mut p5 = vec![0.0; len];
        let mut p50 = vec![0.0; len];
        let mut p95 = vec![0.0; len];
        let mut column = vec![0u32; kept];
        let mut sorted = vec![0.0; kept];
        // A row at a time: each kept replication's row unpacked, then each cell's column sorted.
        let row_len = self.row_len;
        let mut positions = vec![0usize; kept];
        let mut rows = vec![0u32; kept * row_len];
        for first in (0..len).step_by(row_len) {
            if first % 4096 < row_len && !keep_going() {
                return None;
            }
            for (k, (record, pos)) in self.sample.iter().zip(&mut positions).enumerate() {
                packed::unpack_row(record, pos, &mut rows[k * row_len..(k + 1) * row_len])
                    .expect("kept records are checked when made or read");
            }
            for j in 0..row_len {
                for (k, c) in column.iter_mut().enumerate() {
                    *c = rows[k * row_len + j];
                }
                // Sorted as whole numbers (a faster sort than of floats by `total_cmp`, and
                // the same order), then made floats for the quantiles.
                column.sort_unstable();
                for (x, &c) in sorted.iter_mut().zip(&column) {
                    *x = f64::from(c);
                }
                p5[first + j] = quantile_sorted(&sorted, 0.05);
                p50[first + j] = quantile_sorted(&sorted, 0.5);
                p95[first + j] = quantile_sorted(&sorted, 0.95);
            }
        }
        let arr = |v: Vec<f64>| ndarray::Array::from_shape_vec(shape.clone(), v).expect("shape matches");
        Some(Summary { mean: arr(mean), sd: arr(sd), p5: arr(p5), p50: arr(p50), p95: arr(p95) })
    }
}

/// Quantile `q` of sorted data, by linear interpolation (NumPy's default, "linear").
pub fn quantile_sorted(sorted: &[f64], q: f64) -> f64 {
    match sorted.len() {
        0 => f64::NAN,
        1 => sorted[0],
        n => {
            let pos = q * (n - 1) as f64;
            let lo = pos.floor() as usize;
            let hi = pos.ceil() as usize;
            sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo as f64)
        }
    }
}

/// Full per-replication detail arrays, kept only when asked for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FullDetail {
    /// replication x state x band x locality x month, flattened in that order.
    pub stocks: Vec<u32>,
    /// replication x move x month, flattened.
    pub flows: Vec<u32>,
}

/// The exact sums behind the detailed summaries, kept so that results merge
/// ([`RunResults::merge`]) and travel ([`RunResults::to_bytes`]) without losing a bit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DetailSums {
    pub(crate) stocks: Accumulator,
    pub(crate) flows: Accumulator,
    pub(crate) queues: Accumulator,
    pub(crate) caseloads: Accumulator,
}

impl DetailSums {
    fn new(months: usize, localities: usize, keep: usize) -> Self {
        Self {
            stocks: Accumulator::new(STATES * BANDS * localities * months, months, keep),
            flows: Accumulator::new(Move::COUNT * months, months, keep),
            queues: Accumulator::new(localities * months, months, keep),
            caseloads: Accumulator::new(localities * months, months, keep),
        }
    }

    /// Replications with a global index below this are kept for quantiles.
    pub(crate) fn keep(&self) -> usize {
        self.stocks.keep
    }
}

/// The summaries of [`DetailSums`], as [`RunResults`] holds them.
type DetailSummaries = (Summary<ndarray::Ix4>, Summary<ndarray::Ix2>, Summary<ndarray::Ix2>, Summary<ndarray::Ix2>);

impl DetailSums {
    /// The summaries for `months` months and `localities` localities, or `None` if
    /// `keep_going` says to stop.
    fn summaries(
        &self,
        months: usize,
        localities: usize,
        keep_going: &mut dyn FnMut() -> bool,
    ) -> Option<DetailSummaries> {
        let (m, l) = (months, localities);
        Some((
            self.stocks.summary(ndarray::Dim([STATES, BANDS, l, m]), keep_going)?,
            self.flows.summary(ndarray::Dim([Move::COUNT, m]), keep_going)?,
            self.queues.summary(ndarray::Dim([l, m]), keep_going)?,
            self.caseloads.summary(ndarray::Dim([l, m]), keep_going)?,
        ))
    }
}

/// Financial years that `months` months from `start` touch.
pub(crate) fn financial_years_in(start: YearMonth, months: usize) -> usize {
    RecordLayout::new(start, months, 0).years()
}

/// A block of rows of a replication's packed record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Rows {
    /// [`Series`], over months.
    Series,
    /// Children in each state at the end of the month.
    States,
    /// Children looked after by placement type.
    Placements,
    /// Children looked after by legal status.
    LegalStatuses,
    /// UASC looked after.
    Uasc,
    /// Flows by move.
    Flows,
    /// Costed activity by kind, all localities together.
    ActivityByMonth,
    /// Care leavers (18th birthdays in care) by locality: their support runs over months, so
    /// it cannot be costed from yearly totals.
    CareLeavers,
    /// Costed activity by kind and locality (kind-major), over financial years.
    ActivityByYear,
}

/// The rows of a replication's packed record, in order: every monthly row (the blocks of
/// [`Rows`] but the last), then the activity by kind and locality over financial years.
///
/// Some rows normally equal the sum of others (entries to care are first entries by age plus
/// re-entries; children looked after are the children in each placement; the activity by month
/// repeats the series and flows it is counted with): those are stored as their difference from
/// that sum, zigzag-encoded and marked, which takes two bytes while the identity holds and stays
/// exact if it ever does not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RecordLayout {
    months: usize,
    localities: usize,
    /// Index of each month's financial year among those covered.
    year_of_month: Vec<usize>,
    years: usize,
    /// Per row, the rows whose sum it is stored as a difference from (none: stored as it is).
    sources: Vec<Vec<usize>>,
}

impl RecordLayout {
    pub(crate) fn new(start: YearMonth, months: usize, localities: usize) -> Self {
        let mut year_of_month = Vec::with_capacity(months);
        let mut years = 0;
        for t in 0..months {
            if t == 0 || start.plus(t as i64).financial_year() != start.plus(t as i64 - 1).financial_year() {
                years += 1;
            }
            year_of_month.push(years - 1);
        }
        let mut layout = Self { months, localities, year_of_month, years, sources: Vec::new() };
        layout.sources = vec![Vec::new(); layout.row_count()];
        let row = |block: Rows, i: usize| layout.rows(block).start + i;
        let series = |s: Series| row(Rows::Series, s as usize);
        let ages = |a: Range<usize>| a.map(|age| series(Series::FIRST_ENTRIES_BY_AGE[age])).collect::<Vec<_>>();
        let placements: Vec<usize> = (0..Placement::COUNT).map(|p| row(Rows::Placements, p)).collect();
        let mut entries = ages(0..18);
        entries.push(series(Series::LacReentries));
        let mut sources = vec![
            (series(Series::LacEntries), entries),
            (row(Rows::States, State::LookedAfter.index()), placements.clone()),
        ];
        for (band, years) in [0..1, 1..5, 5..10, 10..16, 16..18].into_iter().enumerate() {
            sources.push((series(Series::FIRST_ENTRIES_BY_BAND[band]), ages(years)));
        }
        let activity = |a: Activity| row(Rows::ActivityByMonth, a.index());
        for (p, &placement) in placements.iter().enumerate() {
            sources.push((activity(Activity::Placement(Placement::ALL[p])), vec![placement]));
        }
        for (a, source) in [
            (Activity::ChildInNeed, row(Rows::States, State::ChildInNeed.index())),
            (Activity::ChildProtection, row(Rows::States, State::ChildProtection.index())),
            (Activity::EarlyHelp, series(Series::EarlyHelpFamilies)),
            (Activity::IntensiveSupport, series(Series::IntensiveSupportCases)),
            (Activity::Assessments, series(Series::Assessments)),
            (Activity::CareEntries, series(Series::LacEntries)),
            (Activity::CareProceedings, series(Series::CareProceedings)),
            (Activity::CareLeavers, row(Rows::Flows, Move::CareToLeaver.index())),
        ] {
            sources.push((activity(a), vec![source]));
        }
        for (target, from) in sources {
            layout.sources[target] = from;
        }
        layout
    }

    /// The rows of `block`.
    pub(crate) fn rows(&self, block: Rows) -> Range<usize> {
        let l = self.localities;
        let sizes = [
            (Rows::Series, Series::COUNT),
            (Rows::States, STATES),
            (Rows::Placements, Placement::COUNT),
            (Rows::LegalStatuses, LegalStatus::COUNT),
            (Rows::Uasc, 1),
            (Rows::Flows, Move::COUNT),
            (Rows::ActivityByMonth, Activity::COUNT),
            (Rows::CareLeavers, l),
            (Rows::ActivityByYear, Activity::COUNT * l),
        ];
        let mut first = 0;
        for (b, n) in sizes {
            if b == block {
                return first..first + n;
            }
            first += n;
        }
        unreachable!("every block is listed")
    }

    fn monthly_rows(&self) -> usize {
        self.rows(Rows::ActivityByYear).start
    }

    fn row_count(&self) -> usize {
        self.rows(Rows::ActivityByYear).end
    }

    /// Values in row `row`: months, or financial years for the last block.
    fn row_len(&self, row: usize) -> usize {
        if row < self.monthly_rows() { self.months } else { self.years }
    }

    /// Financial years covered.
    pub(crate) fn years(&self) -> usize {
        self.years
    }

    /// The record of one replication.
    fn pack(&self, rep: &RepOutput) -> Box<[u8]> {
        let (m, l) = (self.months, self.localities);
        let monthly = self.monthly_rows();
        let mut values: Vec<u32> = Vec::with_capacity(monthly * m);
        // Every series counts whole things.
        values.extend(rep.series.iter().map(|&v| v as u32));
        for s in State::ALL {
            values.extend((0..m).map(|t| rep.state_total(s, t)));
        }
        for block in [&rep.placements, &rep.legal_statuses, &rep.uasc, &rep.flows] {
            values.extend_from_slice(block);
        }
        let activity = |k: usize, loc: usize| &rep.activity[(k * l + loc) * m..(k * l + loc + 1) * m];
        for k in 0..Activity::COUNT {
            values.extend((0..m).map(|t| (0..l).map(|loc| activity(k, loc)[t]).sum::<u32>()));
        }
        for loc in 0..l {
            values.extend_from_slice(activity(Activity::CareLeavers.index(), loc));
        }
        debug_assert_eq!(values.len(), monthly * m);
        let mut out = Vec::with_capacity(16 * 1024);
        let mut differences = vec![0u32; m];
        for row in 0..monthly {
            let own = &values[row * m..(row + 1) * m];
            let sources = &self.sources[row];
            let fits = !sources.is_empty()
                && (0..m).all(|t| {
                    let sum: i64 = sources.iter().map(|&r| i64::from(values[r * m + t])).sum();
                    let d = i64::from(own[t]) - sum;
                    differences[t] = ((d << 1) ^ (d >> 63)) as u32;
                    d.unsigned_abs() < 1 << 31
                });
            if fits {
                packed::pack_marked_row(&differences, true, &mut out);
            } else {
                packed::pack_row(own, &mut out);
            }
        }
        let mut by_year = vec![0u32; self.years];
        for k in 0..Activity::COUNT {
            for loc in 0..l {
                by_year.fill(0);
                for (&n, &y) in activity(k, loc).iter().zip(&self.year_of_month) {
                    by_year[y] += n;
                }
                packed::pack_row(&by_year, &mut out);
            }
        }
        out.into_boxed_slice()
    }

    /// Where each row of `record` starts, or `None` if the record is not one of this layout.
    fn offsets(&self, record: &[u8]) -> Option<Vec<usize>> {
        let mut pos = 0;
        let mut offsets = Vec::with_capacity(self.row_count());
        for row in 0..self.row_count() {
            offsets.push(pos);
            packed::skip_row(record, &mut pos, self.row_len(row))?;
        }
        (pos == record.len()).then_some(offsets)
    }

    /// Read row `row` of `record` (rows starting at `offsets`) into `out`.
    fn read_row(&self, record: &[u8], offsets: &[usize], row: usize, out: &mut [u32]) -> Option<()> {
        let marked = packed::unpack_row(record, &mut offsets[row].clone(), out)?;
        if !marked {
            return Some(());
        }
        let sources = self.sources.get(row).filter(|s| !s.is_empty())?;
        let mut values: Vec<i64> = out.iter().map(|&z| i64::from(z >> 1) ^ -i64::from(z & 1)).collect();
        let mut source = vec![0u32; out.len()];
        for &r in sources {
            self.read_row(record, offsets, r, &mut source)?;
            values.iter_mut().zip(&source).for_each(|(v, &s)| *v += i64::from(s));
        }
        for (o, v) in out.iter_mut().zip(values) {
            *o = u32::try_from(v).ok()?;
        }
        Some(())
    }

    /// Read rows `rows` (all of the same length) of `record` into `out`, one after another.
    /// `None` if the record is damaged.
    pub(crate) fn read(&self, record: &[u8], rows: Range<usize>, out: &mut [u32]) -> Option<()> {
        let offsets = self.offsets(record)?;
        let mut at = 0;
        for row in rows {
            let len = self.row_len(row);
            self.read_row(record, &offsets, row, out.get_mut(at..at + len)?)?;
            at += len;
        }
        Some(())
    }

    /// Whether `record` is a whole record of this layout, nothing more, every row of which
    /// reads.
    pub(crate) fn is_record(&self, record: &[u8]) -> bool {
        let Some(offsets) = self.offsets(record) else { return false };
        let mut values = vec![0u32; self.months.max(self.years)];
        (0..self.row_count())
            .all(|row| self.read_row(record, &offsets, row, &mut values[..self.row_len(row)]).is_some())
    }

    /// Rows `rows` of every record: replication x row x value.
    fn decode(&self, records: &[Box<[u8]>], rows: Range<usize>) -> Array3<f64> {
        let len = self.row_len(rows.start);
        let mut values = vec![0u32; rows.len() * len];
        let mut out = Vec::with_capacity(records.len() * values.len());
        for record in records {
            self.read(record, rows.clone(), &mut values).expect("records are checked when made or read");
            out.extend(values.iter().map(|&v| f64::from(v)));
        }
        Array3::from_shape_vec((records.len(), rows.len(), len), out).expect("rows of one length")
    }
}

/// The results of a run, or of a run over a range of replications.
///
/// Replication indices are global: replication `k` of a run over `a..b` is replication `k` of a
/// run over `0..b` with the same seed. Parts of one run over contiguous ranges merge
/// ([`RunResults::merge`]) into exactly what one run of them all gives, and results travel
/// between processes or machines as bytes ([`RunResults::to_bytes`]). Equality (`==`) is
/// bit-for-bit.
///
/// The monthly records of each replication are packed (see the module docs) and unpacked when
/// asked for: [`RunResults::indicator`], [`RunResults::series`], [`RunResults::state_totals`],
/// [`RunResults::flows_by_replication`], [`RunResults::activity_by_year`] and the others each
/// give a fresh array.
///
/// Adding a per-replication quantity: a block of rows in `RecordLayout` (packed in `pack`, read
/// by a method here); a field that is not packed: its rows in `ResultsBuilder`, a line in
/// `merge`, in `codec.rs` (write and read) and in `PartialEq` (the compiler points at each: they
/// take the struct apart without `..`).
#[derive(Debug, Clone)]
pub struct RunResults {
    /// First simulated month.
    pub start: YearMonth,
    /// Months simulated.
    pub months: usize,
    /// Replications run (the length of the replication range).
    pub replications: usize,
    /// Global index of the first replication (0 unless the run was over a range).
    pub first_replication: usize,
    /// The run seed.
    pub seed: u64,
    /// A fingerprint of the scenario run: the FNV-1a hash of its JSON text (keys in sorted
    /// order). Only results of the same scenario merge.
    pub scenario_fingerprint: u64,
    /// Locality names.
    pub localities: Vec<String>,
    /// Under-18 population the scenario gives (for rates per 10,000).
    pub under_18: u32,
    /// Children looked after at the start, per replication.
    pub initial_lac: Array1<f64>,
    /// Each replication's packed record (rows as `layout` gives them).
    pub(crate) records: Vec<Box<[u8]>>,
    /// The rows of the records.
    pub(crate) layout: RecordLayout,
    /// Stocks by state x age band x locality x month, summarised across replications.
    pub stocks: Summary<ndarray::Ix4>,
    /// Flows by move x month, summarised.
    pub flows: Summary<ndarray::Ix2>,
    /// Families waiting for early help by locality x month, summarised.
    pub queues: Summary<ndarray::Ix2>,
    /// Families in early help by locality x month, summarised.
    pub caseloads: Summary<ndarray::Ix2>,
    /// Replications behind the quantiles of the detailed summaries: those of the run whose
    /// global index is below the `quantile_sample` asked for.
    pub quantile_sample: usize,
    /// Full detail per replication, when asked for.
    pub full: Option<FullDetail>,
    /// Families of replication 0 whose events were asked for.
    pub log_families: u32,
    /// Event log of replication 0 (if the run included it), for the families asked for.
    pub events: Vec<LoggedEvent>,
    /// The values drawn for the uncertain parameters: replication x parameter, one column per
    /// path in [`RunResults::parameter_names`] (no columns when nothing is uncertain).
    pub parameter_draws: Array2<f64>,
    /// Paths of the uncertain parameters, as [`crate::Scenario::parameters`] names them.
    pub parameter_names: Vec<String>,
    /// The exact sums behind `stocks`, `flows`, `queues` and `caseloads`.
    pub(crate) sums: DetailSums,
}

/// What a run was, besides its replications: the same for every part of one run.
#[derive(Debug, Clone)]
pub(crate) struct RunHeader {
    pub(crate) start: YearMonth,
    pub(crate) seed: u64,
    pub(crate) scenario_fingerprint: u64,
    pub(crate) localities: Vec<String>,
    pub(crate) under_18: u32,
    pub(crate) log_families: u32,
    /// Paths of the uncertain parameters whose draws each replication records.
    pub(crate) parameter_names: Vec<String>,
}

/// Builds [`RunResults`] from replications added in order.
pub(crate) struct ResultsBuilder {
    start: YearMonth,
    months: usize,
    localities: usize,
    first_replication: usize,
    layout: RecordLayout,
    records: Vec<Box<[u8]>>,
    initial_lac: Vec<f64>,
    sums: DetailSums,
    full: Option<FullDetail>,
    events: Vec<LoggedEvent>,
    count: usize,
    parameter_draws: Vec<f64>,
}

impl ResultsBuilder {
    /// A builder for replications `first_replication`, `first_replication + 1`, ... (global
    /// indices) of `months` months from `start`, keeping those below `quantile_sample` for
    /// quantiles.
    pub(crate) fn new(
        start: YearMonth,
        months: usize,
        localities: usize,
        first_replication: usize,
        quantile_sample: usize,
        keep_full: bool,
    ) -> Self {
        Self {
            start,
            months,
            localities,
            first_replication,
            layout: RecordLayout::new(start, months, localities),
            records: Vec::new(),
            initial_lac: Vec::new(),
            sums: DetailSums::new(months, localities, quantile_sample),
            full: keep_full.then(|| FullDetail { stocks: Vec::new(), flows: Vec::new() }),
            events: Vec::new(),
            count: 0,
            parameter_draws: Vec::new(),
        }
    }

    /// Add the next replication.
    pub(crate) fn push(&mut self, rep: RepOutput) {
        let replication = self.first_replication + self.count;
        self.records.push(self.layout.pack(&rep));
        self.initial_lac.push(f64::from(rep.initial_lac));
        self.sums.stocks.push(replication, &rep.stocks);
        self.sums.flows.push(replication, &rep.flows);
        self.sums.queues.push(replication, &rep.queues);
        self.sums.caseloads.push(replication, &rep.caseloads);
        if let Some(full) = &mut self.full {
            full.stocks.extend_from_slice(&rep.stocks);
            full.flows.extend_from_slice(&rep.flows);
        }
        self.parameter_draws.extend_from_slice(&rep.parameters);
        if replication == 0 {
            self.events = rep.events;
        }
        self.count += 1;
    }

    /// The results, or `None` if `keep_going` says to stop while the summaries are made.
    pub(crate) fn finish(self, header: RunHeader, keep_going: &mut dyn FnMut() -> bool) -> Option<RunResults> {
        let r = self.count;
        debug_assert_eq!((header.start, header.localities.len()), (self.start, self.localities));
        let parts = RunParts {
            months: self.months,
            replications: r,
            first_replication: self.first_replication,
            initial_lac: Array1::from(self.initial_lac),
            records: self.records,
            parameter_draws: Array2::from_shape_vec((r, header.parameter_names.len()), self.parameter_draws)
                .expect("one draw per replication and uncertain parameter"),
            header,
            full: self.full,
            events: self.events,
            sums: self.sums,
        };
        parts.summarise(keep_going)
    }
}

/// Everything [`RunResults`] holds but the summaries, which are computed from `sums`: what a
/// run, a merge and a decoding each produce.
pub(crate) struct RunParts {
    pub(crate) header: RunHeader,
    pub(crate) months: usize,
    pub(crate) replications: usize,
    pub(crate) first_replication: usize,
    pub(crate) initial_lac: Array1<f64>,
    /// One packed record per replication, in the layout of the header's start, the months and
    /// the localities.
    pub(crate) records: Vec<Box<[u8]>>,
    /// Replication x uncertain parameter (`header.parameter_names`).
    pub(crate) parameter_draws: Array2<f64>,
    pub(crate) full: Option<FullDetail>,
    pub(crate) events: Vec<LoggedEvent>,
    pub(crate) sums: DetailSums,
}

impl RunParts {
    /// The results, with their summaries, or `None` if `keep_going` says to stop.
    pub(crate) fn summarise(self, keep_going: &mut dyn FnMut() -> bool) -> Option<RunResults> {
        let l = self.header.localities.len();
        let (stocks, flows, queues, caseloads) = self.sums.summaries(self.months, l, keep_going)?;
        let h = self.header;
        Some(RunResults {
            start: h.start,
            months: self.months,
            replications: self.replications,
            first_replication: self.first_replication,
            seed: h.seed,
            scenario_fingerprint: h.scenario_fingerprint,
            localities: h.localities,
            under_18: h.under_18,
            initial_lac: self.initial_lac,
            layout: RecordLayout::new(h.start, self.months, l),
            records: self.records,
            stocks,
            flows,
            queues,
            caseloads,
            quantile_sample: self.sums.stocks.kept(),
            full: self.full,
            log_families: h.log_families,
            events: self.events,
            parameter_draws: self.parameter_draws,
            parameter_names: h.parameter_names,
            sums: self.sums,
        })
    }
}

/// Bit-for-bit equality: the same numbers in every array (NaN equal to NaN, 0.0 not to -0.0),
/// the same sums behind the summaries, the same labels.
impl PartialEq for RunResults {
    fn eq(&self, other: &Self) -> bool {
        // Taken apart without `..`: a new field does not compile until it is compared here.
        let RunResults {
            start,
            months,
            replications,
            first_replication,
            seed,
            scenario_fingerprint,
            localities,
            under_18,
            initial_lac,
            records,
            layout: _,
            stocks,
            flows,
            queues,
            caseloads,
            quantile_sample,
            full,
            log_families,
            events,
            parameter_draws,
            parameter_names,
            sums,
        } = self;
        (*start, *months, *replications, *first_replication, *seed, *scenario_fingerprint)
            == (
                other.start,
                other.months,
                other.replications,
                other.first_replication,
                other.seed,
                other.scenario_fingerprint,
            )
            && (localities, *under_18, *quantile_sample, full, *log_families, events, sums)
                == (
                    &other.localities,
                    other.under_18,
                    other.quantile_sample,
                    &other.full,
                    other.log_families,
                    &other.events,
                    &other.sums,
                )
            && same_bits(initial_lac, &other.initial_lac)
            // Packing is deterministic: the same values give the same bytes.
            && records == &other.records
            && parameter_names == &other.parameter_names
            && same_bits(parameter_draws, &other.parameter_draws)
            && stocks.same_bits(&other.stocks)
            && flows.same_bits(&other.flows)
            && queues.same_bits(&other.queues)
            && caseloads.same_bits(&other.caseloads)
    }
}

/// Whether two arrays have the same shape and the same bits.
fn same_bits<D: ndarray::Dimension>(a: &ndarray::Array<f64, D>, b: &ndarray::Array<f64, D>) -> bool {
    a.shape() == b.shape() && a.iter().zip(b).all(|(x, y)| x.to_bits() == y.to_bits())
}

impl<D: ndarray::Dimension> Summary<D> {
    /// Whether every statistic has the same shape and bits as `other`'s.
    fn same_bits(&self, other: &Self) -> bool {
        same_bits(&self.mean, &other.mean)
            && same_bits(&self.sd, &other.sd)
            && same_bits(&self.p5, &other.p5)
            && same_bits(&self.p50, &other.p50)
            && same_bits(&self.p95, &other.p95)
    }
}

/// Names of the headline indicators, as [`RunResults::indicator`] and the Python layer use them.
pub const HEADLINE_SERIES: [&str; 4] = ["lac_stock", "lac_entries", "lac_rate_per_10k", "early_help_waiting"];

impl RunResults {
    /// Row `index` of `block` of every replication: replication x value.
    fn row(&self, block: Rows, index: usize) -> Array2<f64> {
        let rows = self.layout.rows(block);
        debug_assert!(index < rows.len());
        let row = rows.start + index;
        self.layout.decode(&self.records, row..row + 1).index_axis_move(Axis(1), 0)
    }

    /// Every row of `block`: replication x row x value.
    fn block(&self, block: Rows) -> Array3<f64> {
        self.layout.decode(&self.records, self.layout.rows(block))
    }

    /// Bytes the replications' packed records take (what the results keep per replication,
    /// besides the initial children in care and the parameter draws).
    pub fn record_bytes(&self) -> usize {
        self.records.iter().map(|r| r.len()).sum()
    }

    /// Recorded series per replication: series x replication x month ([`Series`] order).
    pub fn series(&self) -> Array3<f64> {
        self.block(Rows::Series).permuted_axes([1, 0, 2]).as_standard_layout().to_owned()
    }

    /// Children in each state at the end of each month: replication x state x month.
    pub fn state_totals(&self) -> Array3<f64> {
        self.block(Rows::States)
    }

    /// Children looked after by placement type: replication x placement x month.
    pub fn placement_totals(&self) -> Array3<f64> {
        self.block(Rows::Placements)
    }

    /// Children looked after by legal status: replication x legal status x month
    /// ([`LegalStatus::ALL`] order).
    pub fn legal_status_totals(&self) -> Array3<f64> {
        self.block(Rows::LegalStatuses)
    }

    /// Unaccompanied asylum-seeking children looked after: replication x month.
    pub fn uasc_totals(&self) -> Array2<f64> {
        self.row(Rows::Uasc, 0)
    }

    /// Children in the authority at the end of each month (every state): replication x month.
    pub fn population(&self) -> Array2<f64> {
        self.state_totals().sum_axis(Axis(1))
    }

    /// Flows per replication: replication x move x month.
    pub fn flows_by_replication(&self) -> Array3<f64> {
        self.block(Rows::Flows)
    }

    /// Costed activity per replication, all localities together: replication x activity x
    /// month ([`Activity`] order).
    pub fn activity_by_month(&self) -> Array3<f64> {
        self.block(Rows::ActivityByMonth)
    }

    /// Costed activity per replication by locality and financial year: replication x activity
    /// x locality x financial year ([`Activity`] order; years as
    /// [`RunResults::financial_years`]).
    pub fn activity_by_year(&self) -> Array4<f64> {
        let by_year = self.block(Rows::ActivityByYear);
        let shape = (self.replications, Activity::COUNT, self.localities.len(), self.layout.years());
        by_year.into_shape_with_order(shape).expect("kind-major rows")
    }

    /// Costed activity of the kinds `kinds`, summed, per replication by locality and financial
    /// year: replication x locality x financial year (a slice of
    /// [`RunResults::activity_by_year`], without the rest of it).
    pub fn activity_by_year_of(&self, kinds: &[Activity]) -> Array3<f64> {
        let (l, years) = (self.localities.len(), self.layout.years());
        let mut out = Array3::zeros((self.replications, l, years));
        let first = self.layout.rows(Rows::ActivityByYear).start;
        let mut values = vec![0u32; l * years];
        for (r, record) in self.records.iter().enumerate() {
            let mut rep = out.index_axis_mut(Axis(0), r);
            let rep = rep.as_slice_mut().expect("standard layout");
            for kind in kinds {
                let rows = first + kind.index() * l..first + (kind.index() + 1) * l;
                self.layout.read(record, rows, &mut values).expect("records are checked when made or read");
                rep.iter_mut().zip(&values).for_each(|(a, &v)| *a += f64::from(v));
            }
        }
        out
    }

    /// Flows of move `mv` per replication: replication x month.
    pub fn flow(&self, mv: Move) -> Array2<f64> {
        self.row(Rows::Flows, mv.index())
    }

    /// Care leavers (children leaving care on their 18th birthday) per replication by locality
    /// and month: replication x locality x month.
    pub fn care_leavers_by_locality(&self) -> Array3<f64> {
        self.block(Rows::CareLeavers)
    }

    /// Read the packed activity of replication `rep` (index within these results): by kind and
    /// month (kind x month), by kind, locality and financial year, and care leavers by locality
    /// and month, each flattened.
    pub(crate) fn read_activity(&self, rep: usize, by_month: &mut [u32], by_year: &mut [u32], leavers: &mut [u32]) {
        let record = &self.records[rep];
        let read = |rows: Rows, out: &mut [u32]| {
            self.layout.read(record, self.layout.rows(rows), out).expect("records are checked when made or read")
        };
        read(Rows::ActivityByMonth, by_month);
        read(Rows::ActivityByYear, by_year);
        read(Rows::CareLeavers, leavers);
    }

    /// A monthly indicator per replication (replications x months): any name in
    /// [`HEADLINE_SERIES`], any recorded series ([`Series::NAMES`]), `stock_<state>` for each
    /// state label, `looked_after_<placement>` for each placement label,
    /// `legal_status_<status>` for each legal status label, `uasc_in_care`, or `population`.
    pub fn indicator(&self, name: &str) -> Option<Array2<f64>> {
        let state = |s: State| self.row(Rows::States, s.index());
        match name {
            "lac_stock" => Some(state(State::LookedAfter)),
            "lac_rate_per_10k" => {
                let lac = state(State::LookedAfter);
                Some(lac / &self.population() * 10_000.0)
            }
            "population" => Some(self.population()),
            "uasc_in_care" => Some(self.uasc_totals()),
            _ => {
                if let Some(i) = Series::NAMES.iter().position(|&n| n == name) {
                    return Some(self.row(Rows::Series, i));
                }
                if let Some(rest) = name.strip_prefix("stock_") {
                    let i = State::LABELS.iter().position(|&n| n == rest)?;
                    return Some(self.row(Rows::States, i));
                }
                if let Some(rest) = name.strip_prefix("looked_after_") {
                    let i = Placement::LABELS.iter().position(|&n| n == rest)?;
                    return Some(self.row(Rows::Placements, i));
                }
                if let Some(rest) = name.strip_prefix("legal_status_") {
                    let i = LegalStatus::LABELS.iter().position(|&n| n == rest)?;
                    return Some(self.row(Rows::LegalStatuses, i));
                }
                None
            }
        }
    }

    /// Every name [`RunResults::indicator`] accepts.
    pub fn indicator_names() -> Vec<String> {
        let mut names: Vec<String> = HEADLINE_SERIES.iter().map(|s| s.to_string()).collect();
        names.push("population".into());
        names.extend(
            Series::NAMES.iter().filter(|n| **n != "lac_entries" && **n != "early_help_waiting").map(|s| s.to_string()),
        );
        names.extend(State::LABELS.iter().map(|s| format!("stock_{s}")));
        names.extend(Placement::LABELS.iter().map(|s| format!("looked_after_{s}")));
        names.extend(LegalStatus::LABELS.iter().map(|s| format!("legal_status_{s}")));
        names.push("uasc_in_care".into());
        names
    }

    /// The calendar month of month index `t`.
    pub fn month(&self, t: usize) -> YearMonth {
        self.start.plus(t as i64)
    }

    /// Financial years covered (start years), in order, e.g. `[2015, 2016, ...]`.
    pub fn financial_years(&self) -> Vec<i32> {
        let mut years: Vec<i32> = (0..self.months).map(|t| self.month(t).financial_year()).collect();
        years.dedup();
        years
    }

    /// A share per replication over months `[from, to)` of series rows `n` and `d`
    /// (replication x month): sum of numerator / sum of denominator. NaN where the denominator
    /// is zero.
    fn share_over(&self, n: &Array2<f64>, d: &Array2<f64>, from: usize, to: usize) -> Array1<f64> {
        let to = to.min(self.months);
        Array1::from_iter((0..self.replications).map(|r| {
            let a: f64 = (from..to).map(|t| n[[r, t]]).sum();
            let b: f64 = (from..to).map(|t| d[[r, t]]).sum();
            if b > 0.0 { a / b } else { f64::NAN }
        }))
    }

    /// The numerator and denominator rows of a share.
    fn share_rows(&self, num: Series, den: Series) -> (Array2<f64>, Array2<f64>) {
        (self.row(Rows::Series, num as usize), self.row(Rows::Series, den as usize))
    }

    /// The four headline shares over the first 12 months, per replication.
    pub fn shares_first_year(&self) -> BTreeMap<&'static str, Array1<f64>> {
        SHARES
            .iter()
            .map(|&(name, num, den)| {
                let (n, d) = self.share_rows(num, den);
                (name, self.share_over(&n, &d, 0, 12))
            })
            .collect()
    }

    /// The four headline shares per financial year: name -> replication x financial year (in
    /// the order of [`RunResults::financial_years`]).
    pub fn shares_by_financial_year(&self) -> BTreeMap<&'static str, Array2<f64>> {
        let years = self.financial_years();
        let spans: Vec<(usize, usize)> = years
            .iter()
            .map(|&y| {
                let from = (0..self.months).position(|t| self.month(t).financial_year() == y).unwrap_or(0);
                let to = (0..self.months).rposition(|t| self.month(t).financial_year() == y).map_or(0, |x| x + 1);
                (from, to)
            })
            .collect();
        SHARES
            .iter()
            .map(|&(name, num, den)| {
                let (n, d) = self.share_rows(num, den);
                let mut a = Array2::from_elem((self.replications, years.len()), f64::NAN);
                for (j, &(from, to)) in spans.iter().enumerate() {
                    a.column_mut(j).assign(&self.share_over(&n, &d, from, to));
                }
                (name, a)
            })
            .collect()
    }

    /// Mean of an indicator over replications, per month.
    pub fn mean(&self, name: &str) -> Option<Array1<f64>> {
        self.indicator(name).and_then(|a| a.mean_axis(Axis(0)))
    }

    /// Stocks per replication, replication x state x band x locality x month, if the full
    /// detail was kept.
    pub fn full_stocks(&self) -> Option<ndarray::ArrayD<f64>> {
        let full = self.full.as_ref()?;
        let shape = vec![self.replications, STATES, BANDS, self.localities.len(), self.months];
        ndarray::ArrayD::from_shape_vec(shape, full.stocks.iter().map(|&x| f64::from(x)).collect()).ok()
    }

    /// Band labels for the detailed stocks.
    pub fn band_labels() -> [&'static str; AgeBand::COUNT] {
        AgeBand::LABELS
    }
}

#[cfg(test)]
mod tests {
    use super::Accumulator;

    /// The summaries from exact sums agree with Welford's running mean and variance (what they
    /// replaced) to 1e-12 relative, on counts from 0 to about a million over 1,000 replications,
    /// and merging accumulators of any grouping gives the same bits.
    #[test]
    fn exact_sums_agree_with_welford_and_merge_exactly() {
        let (cells, reps) = (64, 1000);
        // A fixed, spread-out set of counts: cell i of replication r.
        let value = |r: usize, i: usize| ((r * 7919 + i * 104_729) % 1009) as u32 * (1 + i as u32 * 16_000);
        let mut whole = Accumulator::new(cells, 16, 10);
        let (mut mean, mut m2) = (vec![0.0f64; cells], vec![0.0f64; cells]);
        for r in 0..reps {
            let values: Vec<u32> = (0..cells).map(|i| value(r, i)).collect();
            whole.push(r, &values);
            for i in 0..cells {
                let x = f64::from(values[i]);
                let d = x - mean[i];
                mean[i] += d / (r + 1) as f64;
                m2[i] += d * (x - mean[i]);
            }
        }
        let summary = whole.summary(ndarray::Ix1(cells), &mut || true).unwrap();
        for i in 0..cells {
            let sd = (m2[i] / (reps - 1) as f64).sqrt();
            assert!((summary.mean[i] - mean[i]).abs() <= 1e-12 * mean[i].abs(), "mean {i}");
            assert!((summary.sd[i] - sd).abs() <= 1e-12 * sd, "sd {i}: {} vs {sd}", summary.sd[i]);
        }
        // Three parts, the second splitting the quantile sample of 10.
        let mut merged = Accumulator::new(cells, 16, 10);
        for range in [0..4, 4..600, 600..reps] {
            let mut part = Accumulator::new(cells, 16, 10);
            for r in range {
                part.push(r, &(0..cells).map(|i| value(r, i)).collect::<Vec<_>>());
            }
            merged.absorb(&part);
        }
        assert_eq!(merged, whole);
        assert_eq!(merged.kept(), 10);
    }
}
