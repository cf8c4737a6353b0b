//! One replication: the authority's children and families, month by month.
//!
//! Children with no open case are held in aggregate [`CohortTable`]s (never known; known long
//! ago), and cost nothing until contact. A contact draws a family out of the table (an index
//! child and brothers and sisters of nearby ages) and from then on the family is simulated
//! explicitly, with its own random stream. A family whose case closes goes to sleep: its next
//! contact month is drawn once, from its hazards over the months ahead, and it is touched again
//! only then. Work per month therefore grows with open cases and contacts, not with population.
//!
//! The replication is one [`World`]; each mechanism lives in a file of its own, as an `impl
//! World` block over the shared state:
//!
//! - `start`: the pools on the start date, the synthetic starting position, and placing a
//!   [`StartingPosition`](crate::StartingPosition)'s children;
//! - `population`: the never-known and known-long-ago pools, contacts out of them, births,
//!   18th birthdays, and renewed contact of closed families;
//! - `family`: families and children, their cases, and the table of explicit children;
//! - `calendar`: who is due when (event months drawn from piecewise-constant hazards),
//!   sleeping and waking families;
//! - `home`: events of children at home (assessment, early help, child in need and
//!   protection: stepping up, down and closing, entering care);
//! - `care`: entering care, placements and moves, exits, reunification and re-entry;
//! - `early_help`: the early help places and waiting lists;
//! - `intensive_support`: the Specialist Intensive Support Service;
//! - `record`: what each month records;
//! - `audit`: the invariants the tests check every month.

mod audit;
mod calendar;
mod care;
mod early_help;
mod family;
mod home;
mod intensive_support;
mod population;
mod record;
mod start;

use super::cohort::CohortTable;
use super::compiled::{CareEntryFactors, DrawnCareRates, ExitHazards, Model, PeriodPolicy};
use crate::outputs::{Activity, LoggedEvent, RepOutput, Series};
use crate::rng::{self, Purpose, Stream, chance, uniform};
use crate::scenario::{Allocation, MAX_MONTHLY_HAZARD};
use crate::vocab::{AGES, AgeBand, FIVE_YEARS, LegalStatus, MONTHS_TO_18, Move, Placement, State, TEN_YEARS};
use calendar::{first_event, unit_exponential};
use family::{
    Case, Child, ChildList, Due, Family, SLOT_CARE, SLOT_CLOSED, SLOT_STATES, SLOTS, Status, case_slot, rank,
};
use population::{Births, Pool, Route};
use std::collections::VecDeque;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};

/// Units of work (contacts drawn, families stepped, places allocated) between two looks at the
/// stop flag inside a month: a look costs one relaxed atomic load, and 1,024 units take well
/// under a millisecond.
const STOP_CHECK_EVERY: u32 = 1_024;

/// A month long before the run: "never happened".
const NEVER: i32 = i32::MIN / 2;
/// No event scheduled (before the horizon or the 18th birthday).
const NO_EVENT: i32 = i32::MAX;

/// The largest arrays of a finished replication, kept for the next on the same thread.
///
/// A replication's families and children grow to tens of thousands of records; allocated afresh
/// each time, their pages are faulted in again every replication (the results a run keeps are
/// now small, so the allocator hands the freed memory back to the system). Reusing them keeps
/// their capacity and changes no result: they are emptied before use.
#[derive(Default)]
struct SpareArrays {
    families: Vec<Family>,
    due: Vec<Due>,
    children: Vec<Child>,
}

thread_local! {
    static SPARE_ARRAYS: std::cell::RefCell<SpareArrays> = std::cell::RefCell::default();
}

/// The state of one replication.
pub struct World<'m> {
    m: &'m Model,
    seed: u64,
    rep: u64,
    months: i32,
    periods: Rc<[(i32, PeriodPolicy)]>,
    /// This replication's exit hazards from the scenario's exit table, if it gives one.
    exits: Option<ExitHazards>,
    /// This replication's multipliers on care-entry hazards, by age band and month.
    entry: CareEntryFactors,
    /// This replication's placement move hazard and re-entry multiplier.
    care_rates: DrawnCareRates,
    /// Cumulative hazards of renewed contact by month of age, for the walks of sleeping
    /// families ([`calendar::closed_cumulative`]).
    closed_cumulative: Vec<[f64; 4]>,
    period: usize,
    t: i32,
    not_known: CohortTable,
    known: CohortTable,
    /// Every child of an explicit family (at home or in care), by slot x locality and birth month.
    explicit: CohortTable,
    /// Explicit children by the month of their 18th birthday.
    eighteenth: Vec<Vec<u32>>,
    /// Children in care on an interim care order, by the month it becomes a care order.
    orders_due: Vec<Vec<u32>>,
    /// Children in care by legal status.
    by_legal_status: [u32; LegalStatus::COUNT],
    /// Unaccompanied asylum-seeking children in care.
    uasc_in_care: u32,
    families: Vec<Family>,
    /// Each family's month of next stepping and whether it is parked (sleeping or done), kept
    /// apart from the family records so that the monthly look over the active families reads
    /// eight bytes a family, not a record.
    due: Vec<Due>,
    children: Vec<Child>,
    /// Families awake or with children in care (and, between the yearly clear-outs, some that
    /// have since gone to sleep or finished): where intensive support looks for candidates.
    active: Vec<u32>,
    newly_active: Vec<u32>,
    /// Families by the month they next need stepping, as set by [`World::retouch`]: a family
    /// re-scheduled leaves its old entry behind, skipped when its month comes (its `touch` no
    /// longer matches). The month's families are read from here, not found by looking at
    /// every active family.
    due_by_month: Vec<Vec<u32>>,
    /// The first month whose list in `due_by_month` may still take families.
    open_month: i32,
    wake: Vec<Vec<u32>>,
    queues: Vec<VecDeque<(u32, i32)>>,
    waiting: Vec<u32>,
    in_eh: Vec<u32>,
    in_eh_5_plus: Vec<u32>,
    in_sis: u32,
    in_sis_by_locality: Vec<u32>,
    sis_candidates: Vec<u32>,
    explicit_births: Vec<u32>,
    birth_carry: Vec<f64>,
    scratch_18: Vec<u32>,
    scratch_explicit_18: Vec<u32>,
    scratch_hazards: Vec<f64>,
    scratch_children: Vec<u32>,
    /// Families whose next home event is to be re-drawn at the end of this month: a bit a
    /// family (bit `f % 64` of word `f / 64`), set in the words `redraw_words`.
    redraw: Vec<u64>,
    redraw_words: std::ops::Range<usize>,
    log_families: u32,
    out: RepOutput,
    /// Set from outside to stop the replication early (`None`: never stops).
    stop: Option<&'m AtomicBool>,
    /// Work done since the stop flag was last read.
    work: u32,
    /// The stop flag was seen: every loop unwinds and the replication's output is dropped.
    stopped: bool,
}

impl<'m> World<'m> {
    /// Build replication `rep` of a run seeded `seed` lasting `months`, with the starting
    /// caseload in place. `log_families` families (the first to come into contact) have their
    /// events logged.
    pub fn new(m: &'m Model, seed: u64, rep: u64, months: usize, log_families: u32) -> Self {
        Self::with_stop(m, seed, rep, months, log_families, None)
    }

    /// As [`World::new`], watching `stop`: once it is set, building the starting caseload and
    /// every month's long loops give up within [`STOP_CHECK_EVERY`] units of work.
    pub fn with_stop(
        m: &'m Model,
        seed: u64,
        rep: u64,
        months: usize,
        log_families: u32,
        stop: Option<&'m AtomicBool>,
    ) -> Self {
        let groups = m.localities * 3;
        let (periods, parameter_draws) = m.resolve_periods(seed, rep);
        let periods = m.demand_periods(periods, &parameter_draws, months);
        let exits = m.exit_hazards(&parameter_draws);
        let entry = m.care_entry_factors(&parameter_draws, months);
        let care_rates = m.care_rates(&parameter_draws);
        let closed_cumulative = calendar::closed_cumulative(m, &entry);
        let mut out = RepOutput::new(months, m.localities);
        out.parameters = parameter_draws;
        let spare = SPARE_ARRAYS.with(|spare| std::mem::take(&mut *spare.borrow_mut()));
        let mut w = World {
            m,
            seed,
            rep,
            months: months as i32,
            periods: periods.into(),
            exits,
            entry,
            care_rates,
            closed_cumulative,
            period: 0,
            t: 0,
            not_known: CohortTable::new(groups, months),
            known: CohortTable::new(groups, months),
            explicit: CohortTable::new(SLOTS * m.localities, months),
            eighteenth: vec![Vec::new(); months],
            orders_due: vec![Vec::new(); months],
            by_legal_status: [0; LegalStatus::COUNT],
            uasc_in_care: 0,
            families: spare.families,
            due: spare.due,
            children: spare.children,
            active: Vec::new(),
            newly_active: Vec::new(),
            due_by_month: vec![Vec::new(); months],
            open_month: 0,
            wake: vec![Vec::new(); months],
            queues: vec![VecDeque::new(); m.localities],
            waiting: vec![0; m.localities],
            in_eh: vec![0; m.localities],
            in_eh_5_plus: vec![0; m.localities],
            in_sis: 0,
            in_sis_by_locality: vec![0; m.localities],
            sis_candidates: Vec::new(),
            explicit_births: vec![0; groups],
            birth_carry: vec![0.0; groups],
            scratch_18: vec![0; groups],
            scratch_explicit_18: vec![0; SLOTS * m.localities],
            scratch_hazards: Vec::new(),
            scratch_children: Vec::new(),
            redraw: Vec::new(),
            redraw_words: 0..0,
            log_families,
            out,
            stop,
            work: 0,
            stopped: false,
        };
        w.initialise();
        // Placing the starting caseload drew every family's first events from month 0.
        w.redraw.clear();
        w.redraw_words = 0..0;
        w
    }

    #[inline]
    fn pol(&self) -> &PeriodPolicy {
        &self.periods[self.period].1
    }

    /// Run every month and hand back the outputs, or `None` if the stop flag was set (it is
    /// read before every month and inside each month's long loops).
    pub fn run(mut self) -> Option<RepOutput> {
        for t in 0..self.months {
            if self.stopped || self.stop_now() {
                self.keep_arrays();
                return None;
            }
            self.step(t);
        }
        self.keep_arrays();
        (!self.stopped).then_some(self.out)
    }

    /// Hand the largest arrays, emptied, to the next replication on this thread.
    fn keep_arrays(&mut self) {
        let mut spare = SpareArrays {
            families: std::mem::take(&mut self.families),
            due: std::mem::take(&mut self.due),
            children: std::mem::take(&mut self.children),
        };
        spare.families.clear();
        spare.due.clear();
        spare.children.clear();
        SPARE_ARRAYS.with(|kept| *kept.borrow_mut() = spare);
    }

    /// Read the stop flag now; remembers a stop.
    fn stop_now(&mut self) -> bool {
        self.work = 0;
        if !self.stopped && self.stop.is_some_and(|s| s.load(Ordering::Relaxed)) {
            self.stopped = true;
        }
        self.stopped
    }

    /// Count one unit of work and read the stop flag every [`STOP_CHECK_EVERY`] units; true
    /// once the replication should stop.
    #[inline]
    fn should_stop(&mut self) -> bool {
        self.work += 1;
        if self.work >= STOP_CHECK_EVERY { self.stop_now() } else { self.stopped }
    }

    fn step(&mut self, t: i32) {
        self.t = t;
        while self.period + 1 < self.periods.len() && self.periods[self.period + 1].0 <= t {
            self.period += 1;
        }
        if t > 0 {
            self.age_pools(t);
            // Born at the start of the month, before contacts, so that every cohort is exposed
            // at ages 0 to 215 months (the cohort born in month 0 is in the starting position).
            self.pool_births(t);
        }
        self.explicit_births.iter_mut().for_each(|b| *b = 0);
        self.interim_orders_end(t);
        self.pool_contacts(Pool::NotKnown);
        self.pool_contacts(Pool::Known);
        let waking = std::mem::take(&mut self.wake[t as usize]);
        for (i, &f) in waking.iter().enumerate() {
            if self.should_stop() {
                return;
            }
            if let Some(&ahead) = waking.get(i + PREFETCH_AHEAD) {
                self.prefetch_family(ahead);
            }
            // Waking reads every child's record (its renewed contact's hazards): asked for as
            // for the families due below.
            if let Some(&ahead) = waking.get(i + PREFETCH_AHEAD / 2) {
                self.prefetch_children(ahead);
            }
            self.wake_family(f);
        }
        let due_now = std::mem::take(&mut self.due_by_month[t as usize]);
        self.open_month = t + 1;
        for (i, &f) in due_now.iter().enumerate() {
            if self.should_stop() {
                break;
            }
            if let Some(&ahead) = due_now.get(i + PREFETCH_AHEAD) {
                self.prefetch_family(ahead);
            }
            if let Some(&ahead) = due_now.get(i + PREFETCH_AHEAD / 2) {
                self.prefetch_children(ahead);
            }
            let due = self.due[f as usize];
            if !due.parked && due.touch <= t {
                // Set again when the family settles; meanwhile a second entry this month is
                // skipped.
                self.due[f as usize].touch = NO_EVENT;
                self.step_family(f);
            }
        }
        if self.stopped {
            return;
        }
        self.allocate_early_help();
        self.allocate_intensive_support();
        self.redraw_pending();
        self.active.append(&mut self.newly_active);
        // Parked families leave the list once a year, not every month: only intensive support
        // reads it, and it passes over them.
        if t % 12 == 11 {
            self.active.retain(|&f| !self.due[f as usize].parked);
        }
        self.record(t);
    }
}

/// How many families ahead of the one being stepped (or woken) their records are asked for:
/// a family's record and its children's are rarely in cache when its month comes, and its
/// step is long enough to hide the wait for the next ones.
const PREFETCH_AHEAD: usize = 4;

impl World<'_> {
    /// Ask for family `f`'s record (and its entry in `due`) to be brought into cache.
    #[inline(always)]
    fn prefetch_family(&self, f: u32) {
        let record = &self.families[f as usize];
        let start = (record as *const Family).cast::<u8>();
        for offset in (0..std::mem::size_of::<Family>()).step_by(64) {
            prefetch(start.wrapping_add(offset));
        }
        prefetch((&self.due[f as usize] as *const Due).cast());
    }

    /// Ask for the records of family `f`'s first and last children to be brought into cache
    /// (a family's children are mostly next to each other); the family's own record should
    /// be there by now.
    #[inline(always)]
    fn prefetch_children(&self, f: u32) {
        let children = &self.families[f as usize].children;
        for c in [children.first(), children.last()].into_iter().flatten() {
            prefetch((&self.children[*c as usize] as *const Child).cast());
        }
    }
}

/// A hint to the processor to bring the cache line at `p` in; nothing on other processors.
#[inline(always)]
fn prefetch(p: *const u8) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch is only a hint: it reads nothing into the program and cannot fault,
    // whatever the address.
    unsafe {
        std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(p.cast());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = p;
}

/// Index into a cumulative distribution for uniform `u`.
#[inline]
fn pick_cumulative(cdf: &[f64], u: f64) -> usize {
    let total = cdf.last().copied().unwrap_or(1.0);
    let target = u * total;
    cdf.iter().position(|&c| target < c).unwrap_or(cdf.len().saturating_sub(1))
}

/// Index of the weight that position `x` (in [0, sum)) falls in.
#[inline]
fn pick_scaled(weights: &[f64], x: f64) -> usize {
    let mut acc = 0.0;
    let mut last = 0;
    for (i, &w) in weights.iter().enumerate() {
        if w > 0.0 {
            last = i;
            acc += w;
            if x < acc {
                return i;
            }
        }
    }
    last
}
