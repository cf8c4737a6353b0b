//! One replication: the authority's children and families, month by month.
//!
//! Children with no open case are held in aggregate [`CohortTable`]s (never known; known long
//! ago), and cost nothing until contact. A contact draws a family out of the table (an index
//! child and brothers and sisters of nearby ages) and from then on the family is simulated
//! explicitly, with its own random stream. A family whose case closes goes to sleep: its next
//! contact month is drawn once, from its hazards over the months ahead, and it is touched again
//! only then. Work per month therefore grows with open cases and contacts, not with population.

use super::cohort::CohortTable;
use super::compiled::{Model, PeriodPolicy};
use crate::model::{AgeBand, MONTHS_TO_18, Move, State};
use crate::outputs::{Activity, LoggedEvent, RepOutput, Series};
use crate::rng::{self, Purpose, Stream, chance, uniform};
use crate::scenario::{Allocation, MAX_MONTHLY_HAZARD};
use std::collections::VecDeque;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};

/// Units of work (contacts drawn, families stepped, places allocated) between two looks at the
/// stop flag inside a month: a look costs one relaxed atomic load, and 1,024 units take well
/// under a millisecond.
const STOP_CHECK_EVERY: u32 = 1_024;

/// A family's open case (for its children living at home).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Case {
    Closed,
    Waiting,
    EarlyHelp,
    ChildInNeed,
    ChildProtection,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Status {
    Home,
    Care,
    Left,
}

#[derive(Debug, Clone)]
struct Child {
    family: u32,
    birth: i32,
    status: Status,
    /// Month of this child's next event in care (exit or placement move); `NO_EVENT` if none
    /// before the 18th birthday or the horizon.
    care_event: i32,
    care_since: i32,
    placement: u8,
    entered_under_5: bool,
    returned_at: i32,
    /// Periods in care so far, including the current one.
    care_episodes: u8,
}

#[derive(Debug, Clone)]
struct Family {
    rng: Stream,
    children: Vec<u32>,
    index_child: u32,
    locality: u8,
    need: u8,
    abuse_neglect: bool,
    case: Case,
    case_since: i32,
    queue_since: i32,
    in_sis: bool,
    /// Month intensive support ends (meaningful while `in_sis`).
    sis_until: i32,
    /// Month of the next event of the children at home (`NO_EVENT`: none scheduled).
    home_event: i32,
    eh_index_5_plus: bool,
    eh_closed_at: i32,
    sleeping: bool,
    done: bool,
    /// Earliest month the family needs stepping: next month while any child is at home; for a
    /// family whose children are all in care, the next care event or 18th birthday.
    next_touch: i32,
    logged: bool,
}

/// Which aggregate table a family came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pool {
    NotKnown,
    Known,
}

/// Routes of contact out of a pool or a closed case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Route {
    Identification,
    Referral,
    Crisis,
}

const NEVER: i32 = i32::MIN / 2;
const NO_EVENT: i32 = i32::MAX;
/// Slots of the explicit-children table: a family's case for children at home, then one slot
/// per placement type for children in care.
const SLOT_CLOSED: usize = 0;
const SLOT_CARE: usize = 5;
const SLOTS: usize = SLOT_CARE + 6;
const SIBLING_SEARCH_MONTHS: i32 = 18;

/// The state of one replication.
pub struct World<'m> {
    m: &'m Model,
    seed: u64,
    rep: u64,
    months: i32,
    periods: Rc<[(i32, PeriodPolicy)]>,
    period: usize,
    t: i32,
    not_known: CohortTable,
    known: CohortTable,
    /// Every child of an explicit family (at home or in care), by slot x locality and birth month.
    explicit: CohortTable,
    /// Explicit children by the month of their 18th birthday.
    eighteenth: Vec<Vec<u32>>,
    families: Vec<Family>,
    children: Vec<Child>,
    active: Vec<u32>,
    newly_active: Vec<u32>,
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
        let mut w = World {
            m,
            seed,
            rep,
            months: months as i32,
            periods: m.resolve_periods(seed, rep).into(),
            period: 0,
            t: 0,
            not_known: CohortTable::new(groups, months),
            known: CohortTable::new(groups, months),
            explicit: CohortTable::new(SLOTS * m.localities, months),
            eighteenth: vec![Vec::new(); months],
            families: Vec::new(),
            children: Vec::new(),
            active: Vec::new(),
            newly_active: Vec::new(),
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
            log_families,
            out: RepOutput::new(months, m.localities),
            stop,
            work: 0,
            stopped: false,
        };
        w.initialise();
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
                return None;
            }
            self.step(t);
        }
        (!self.stopped).then_some(self.out)
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

    // ----- starting position -----

    fn initialise(&mut self) {
        let m = self.m;
        let init = &m.scenario.population.initial;
        let total = f64::from(m.scenario.population.under_18);
        let cohorts = MONTHS_TO_18 as usize;
        for l in 0..m.localities {
            // Children known before the start came into contact at rates that rise with need, so
            // the known share of each need level is proportional to its contact multiplier
            // (capped at all of them), averaging `previously_known_share` over the locality.
            let mean_contact: f64 = (0..3).map(|n| m.locality_need[l][n] * m.contact_need[n]).sum();
            for n in 0..3 {
                let g = l * 3 + n;
                let known_share = if mean_contact > 0.0 {
                    (init.previously_known_share * m.contact_need[n] / mean_contact).min(1.0)
                } else {
                    init.previously_known_share
                };
                let per_cohort = total * m.locality_share[l] * m.locality_need[l][n] / cohorts as f64;
                let (mut carry, mut carry_known) = (0.0, 0.0);
                for k in 0..cohorts {
                    let birth = -(k as i32);
                    carry += per_cohort;
                    let count = carry.floor();
                    carry -= count;
                    carry_known += count * known_share;
                    let known = carry_known.floor().min(count);
                    carry_known -= known;
                    self.known.add(g, birth, known as u32, 0);
                    self.not_known.add(g, birth, (count - known) as u32, 0);
                }
            }
        }
        let mut rng = rng::stream(self.seed, self.rep, Purpose::Initial, 0, 0);
        // Children looked after, in sibling groups.
        let ages = m.scenario.population.initial.looked_after_ages.to_array();
        let mut placed = 0u32;
        let mut k = 0u64;
        while placed < init.looked_after {
            if self.should_stop() {
                return;
            }
            let band = rng::categorical(&mut rng, &ages);
            let Some(f) = self.draw_initial_family(&mut rng, band, 2.0, k) else { break };
            k += 1;
            let kids = self.families[f as usize].children.clone();
            let index = self.families[f as usize].index_child;
            let together = chance(&mut rng, m.sibling_group_entry);
            for &c in &kids {
                if placed >= init.looked_after {
                    break;
                }
                if c != index && !together {
                    continue;
                }
                let age_months = -self.children[c as usize].birth;
                let months_in = (-(init.looked_after_mean_months) * (1.0 - uniform(&mut rng)).ln()) as i32;
                let months_in = months_in.min(age_months);
                let entry_age = age_months - months_in;
                let mix = if entry_age < 120 { self.pol().mix_under_10 } else { self.pol().mix_10_plus };
                let placement = pick_cumulative(&mix, uniform(&mut rng)) as u8;
                self.retable(f, c, Some(SLOT_CLOSED), Some(SLOT_CARE + placement as usize));
                let child = &mut self.children[c as usize];
                child.status = Status::Care;
                child.care_since = -months_in;
                child.entered_under_5 = entry_age < 60;
                child.placement = placement;
                child.care_episodes = 1;
                self.schedule_care(f, c, 0);
                placed += 1;
            }
            self.activate(f);
        }
        // Open social care cases and early help, counted in children (plans) or families.
        let cases = [
            (Case::ChildProtection, init.child_protection, true, 8.0),
            (Case::ChildInNeed, init.child_in_need, true, 9.0),
            (Case::EarlyHelp, init.early_help_families, false, 6.0),
            (Case::Waiting, init.waiting_families, false, 2.0),
        ];
        for (case, target, count_children, mean_months) in cases {
            let mut counted = 0u32;
            while counted < target {
                if self.should_stop() {
                    return;
                }
                let weights: Vec<f64> = (0..5)
                    .map(|b| {
                        let total: u64 = (0..m.localities * 3).map(|g| self.known.band_total(g, b)).sum();
                        total as f64 * (m.not_known.referral[b] + m.not_known.identification[b])
                    })
                    .collect();
                let band = rng::categorical(&mut rng, &weights);
                let strength = if case == Case::ChildProtection { 2.0 } else { 1.0 };
                let Some(f) = self.draw_initial_family(&mut rng, band, strength, k) else { break };
                k += 1;
                let since = -((uniform(&mut rng) * 2.0 * mean_months) as i32);
                let n = self.families[f as usize].children.len() as u32;
                counted += if count_children { n } else { 1 };
                match case {
                    Case::Waiting => self.join_waiting(f),
                    Case::EarlyHelp => self.start_early_help(f),
                    other => self.set_case(f, other),
                }
                let fam = &mut self.families[f as usize];
                fam.case_since = since;
                if case == Case::Waiting {
                    fam.queue_since = since;
                    if let Some(back) = self.queues[fam.locality as usize].back_mut() {
                        back.1 = since;
                    }
                }
                self.activate(f);
            }
        }
        self.active.append(&mut self.newly_active);
        // Everyone's first events are drawn from month 0.
        for i in 0..self.active.len() {
            let f = self.active[i];
            self.refresh(f, 0);
        }
        self.out.initial_lac = self.children.iter().filter(|c| c.status == Status::Care).count() as u32;
    }

    /// Draw a family for the starting caseload: a locality and need level weighted towards need
    /// (`strength` is the power on the need multiplier), an index child in `band`.
    fn draw_initial_family(&mut self, rng: &mut Stream, band: usize, strength: f64, k: u64) -> Option<u32> {
        let m = self.m;
        let weights: Vec<f64> = (0..m.localities * 3)
            .map(|g| self.known.band_total(g, band) as f64 * m.escalation_need[g % 3].powf(strength))
            .collect();
        let g = rng::categorical(rng, &weights);
        let (pool, birth) = match self.known.pick_in_band(g, band, 0, uniform(rng)) {
            Some(b) => (Pool::Known, b),
            None => (Pool::NotKnown, self.not_known.pick_in_band(g, band, 0, uniform(rng))?),
        };
        let key = rng::key(&[0xFFFF, k]);
        Some(self.materialise(pool, g, birth, key))
    }

    // ----- the monthly step -----

    fn step(&mut self, t: i32) {
        self.t = t;
        while self.period + 1 < self.periods.len() && self.periods[self.period + 1].0 <= t {
            self.period += 1;
        }
        if t > 0 {
            self.age_pools(t);
        }
        self.explicit_births.iter_mut().for_each(|b| *b = 0);
        self.pool_contacts(Pool::NotKnown);
        self.pool_contacts(Pool::Known);
        let waking = std::mem::take(&mut self.wake[t as usize]);
        for f in waking {
            if self.should_stop() {
                return;
            }
            self.wake_family(f);
        }
        let active = std::mem::take(&mut self.active);
        for &f in &active {
            if self.should_stop() {
                break;
            }
            let fam = &self.families[f as usize];
            if !fam.done && !fam.sleeping && fam.next_touch <= t {
                self.step_family(f);
            }
        }
        self.active = active;
        if self.stopped {
            return;
        }
        self.allocate_early_help();
        self.allocate_intensive_support();
        self.pool_births(t);
        self.active.append(&mut self.newly_active);
        self.active.retain(|&f| {
            let fam = &self.families[f as usize];
            !fam.done && !fam.sleeping
        });
        self.record(t);
    }

    fn age_pools(&mut self, t: i32) {
        let mut turned = 0u32;
        for table in [&mut self.not_known, &mut self.known] {
            self.scratch_18.iter_mut().for_each(|x| *x = 0);
            table.age_to(t, &mut self.scratch_18);
            turned += self.scratch_18.iter().sum::<u32>();
        }
        self.out.flow(Move::TurnedEighteen, t, turned);
        // Explicit children leave one by one (their flows depend on where they are), so the
        // table's own count of 18-year-olds is not used.
        let mut ignored = std::mem::take(&mut self.scratch_explicit_18);
        self.explicit.age_to(t, &mut ignored);
        self.scratch_explicit_18 = ignored;
        self.eighteenth_birthdays(t);
    }

    /// Contacts out of one aggregate table this month, route by route, each route with its own
    /// stream so that a change to one (say, identification) leaves the others' draws alone.
    fn pool_contacts(&mut self, pool: Pool) {
        let m = self.m;
        let t = self.t;
        let periods = Rc::clone(&self.periods);
        let pol = &periods[self.period].1;
        let rates = match pool {
            Pool::NotKnown => &m.not_known,
            Pool::Known => &m.previously_known,
        };
        for g in 0..m.localities * 3 {
            let need = g % 3;
            let contact = m.contact_need[need];
            for (r, route) in [Route::Identification, Route::Referral, Route::Crisis].into_iter().enumerate() {
                let mut weights = [0.0f64; 5];
                for b in 0..5 {
                    let base = match route {
                        Route::Identification => {
                            let mut h = rates.identification[b] * pol.identification_multiplier;
                            if b >= 2 {
                                h *= pol.over_fives_multiplier;
                            }
                            if need == 2 {
                                h *= pol.high_need_multiplier;
                            }
                            h
                        }
                        Route::Referral => rates.referral[b],
                        Route::Crisis => rates.crisis[b],
                    };
                    let table = match pool {
                        Pool::NotKnown => &self.not_known,
                        Pool::Known => &self.known,
                    };
                    // A child-month hazard above the largest allowed (a distribution's draw) is
                    // capped: contact that month is certain either way.
                    weights[b] = table.band_total(g, b) as f64 * (base * contact).min(MAX_MONTHLY_HAZARD);
                }
                let mean: f64 = weights.iter().sum();
                if mean <= 0.0 {
                    continue;
                }
                let cell = rng::key(&[pool as u64, g as u64, r as u64, t as u64]);
                let mut s = rng::stream(self.seed, self.rep, Purpose::PoolCell, cell, 0);
                // Never more contacts than children who can be drawn.
                let table = match pool {
                    Pool::NotKnown => &self.not_known,
                    Pool::Known => &self.known,
                };
                let people: u64 = (0..5).map(|b| table.band_total(g, b)).sum();
                let n = u64::from(rng::poisson(&mut s, mean)).min(people) as u32;
                for k in 0..n {
                    if self.should_stop() {
                        return;
                    }
                    let band = rng::categorical(&mut s, &weights);
                    let u = uniform(&mut s);
                    let table = match pool {
                        Pool::NotKnown => &self.not_known,
                        Pool::Known => &self.known,
                    };
                    let Some(birth) = table.pick_in_band(g, band, t, u) else { continue };
                    let f = self.materialise(pool, g, birth, rng::key(&[cell, u64::from(k)]));
                    let mv = match (pool, route) {
                        (Pool::NotKnown, Route::Identification) => Move::NotKnownToEarlyHelp,
                        (Pool::NotKnown, Route::Referral) => Move::NotKnownToReferral,
                        (Pool::NotKnown, Route::Crisis) => Move::NotKnownToCare,
                        (Pool::Known, Route::Identification) => Move::KnownToEarlyHelp,
                        (Pool::Known, Route::Referral) => Move::KnownToReferral,
                        (Pool::Known, Route::Crisis) => Move::KnownToCare,
                    };
                    self.contact(f, route, mv, pool == Pool::NotKnown);
                    self.activate(f);
                }
            }
        }
    }

    /// Take a family out of an aggregate table: the index child born in `birth` and brothers
    /// and sisters of nearby ages from the same locality and need level.
    fn materialise(&mut self, pool: Pool, g: usize, birth: i32, key: u64) -> u32 {
        let m = self.m;
        let t = self.t;
        let mut rng = rng::stream(self.seed, self.rep, Purpose::Family, key, 0);
        let size = pick_cumulative(&m.family_size_cdf, uniform(&mut rng)) + 1;
        let id = self.families.len() as u32;
        let mut kids = Vec::with_capacity(size);
        let table = match pool {
            Pool::NotKnown => &mut self.not_known,
            Pool::Known => &mut self.known,
        };
        table.remove(g, birth, t);
        let mut births = vec![birth];
        let mut older = birth;
        let mut younger = birth;
        for _ in 1..size {
            let gap = (m.sibling_gap_months * (0.5 + uniform(&mut rng))).round() as i32;
            let wanted = if chance(&mut rng, 0.5) { older - gap } else { younger + gap };
            let Some(b) = table.nearest(g, wanted, t, SIBLING_SEARCH_MONTHS) else { continue };
            table.remove(g, b, t);
            older = older.min(b);
            younger = younger.max(b);
            births.push(b);
        }
        for b in births {
            kids.push(self.new_child(id, g / 3, b, SLOT_CLOSED));
        }
        let index = kids[0];
        let band = AgeBand::of_age(((t - birth) / 12) as u32);
        let abuse_neglect = chance(&mut rng, m.abuse_neglect[band.index()]);
        self.families.push(Family {
            rng,
            children: kids,
            index_child: index,
            locality: (g / 3) as u8,
            need: (g % 3) as u8,
            abuse_neglect,
            case: Case::Closed,
            case_since: t,
            queue_since: NEVER,
            in_sis: false,
            sis_until: NEVER,
            home_event: NO_EVENT,
            eh_index_5_plus: false,
            eh_closed_at: NEVER,
            sleeping: false,
            done: false,
            next_touch: 0,
            logged: id < self.log_families,
        });
        id
    }

    /// Put a family that is not in the active list into it.
    fn activate(&mut self, f: u32) {
        self.newly_active.push(f);
    }

    /// A contact by `route`: identification, referral or crisis.
    fn contact(&mut self, f: u32, route: Route, mv: Move, not_previously_known: bool) {
        if route != Route::Crisis {
            self.flow_children_at_home(f, mv); // entries to care are counted child by child
        }
        match route {
            Route::Identification => self.join_waiting(f),
            Route::Referral => self.assess(f),
            Route::Crisis => {
                let index = self.home_index(f);
                if let Some(c) = index {
                    self.enter_care(f, c, mv, not_previously_known);
                }
            }
        }
        self.settle(f);
    }

    fn flow_children_at_home(&mut self, f: u32, mv: Move) {
        let n = self.at_home(f) as u32;
        self.out.flow(mv, self.t, n);
        self.log(f, None, mv);
    }

    fn assess(&mut self, f: u32) {
        let t = self.t;
        let n = self.at_home(f) as u32;
        self.out.add(Series::Assessments, t, f64::from(n));
        let l = self.families[f as usize].locality as usize;
        self.out.activity(Activity::Assessments, l, t, n);
        let a = self.m.assessment;
        let u = uniform(&mut self.families[f as usize].rng);
        if u < a[0] {
            self.out.flow(Move::ReferralToChildInNeed, t, n);
            self.set_case(f, Case::ChildInNeed);
        } else if u < a[0] + a[1] {
            self.out.flow(Move::ReferralToChildProtection, t, n);
            self.set_case(f, Case::ChildProtection);
        } else if u < a[0] + a[1] + a[2] {
            self.out.flow(Move::ReferralToEarlyHelp, t, n);
            self.join_waiting(f);
        } else {
            self.out.flow(Move::ReferralToClosed, t, n);
            if matches!(self.families[f as usize].case, Case::Waiting | Case::EarlyHelp) {
                return;
            }
            self.set_case(f, Case::Closed);
        }
    }

    /// Change a family's case, keeping the counters of early help, waiting and intensive
    /// support right.
    fn set_case(&mut self, f: u32, case: Case) {
        let t = self.t;
        let fam = &self.families[f as usize];
        if fam.case == case {
            return;
        }
        let (from, to) = (case_slot(fam.case), case_slot(case));
        if from != to {
            for i in 0..fam.children.len() {
                let c = self.families[f as usize].children[i];
                if self.children[c as usize].status == Status::Home {
                    self.retable(f, c, Some(from), Some(to));
                }
            }
        }
        let fam = &mut self.families[f as usize];
        let l = fam.locality as usize;
        match fam.case {
            Case::EarlyHelp => {
                self.in_eh[l] -= 1;
                if fam.eh_index_5_plus {
                    self.in_eh_5_plus[l] -= 1;
                }
                fam.eh_closed_at = t;
            }
            Case::Waiting => self.waiting[l] -= 1,
            _ => {}
        }
        if fam.in_sis && !matches!(case, Case::ChildProtection | Case::ChildInNeed) {
            fam.in_sis = false;
            self.in_sis -= 1;
            self.in_sis_by_locality[l] -= 1;
        }
        fam.case = case;
        fam.case_since = t;
        if case == Case::Waiting {
            self.waiting[l] += 1;
        }
    }

    fn join_waiting(&mut self, f: u32) {
        let fam = &self.families[f as usize];
        if matches!(fam.case, Case::Waiting | Case::EarlyHelp) {
            return;
        }
        self.set_case(f, Case::Waiting);
        let t = self.t;
        let fam = &mut self.families[f as usize];
        fam.queue_since = t;
        self.queues[fam.locality as usize].push_back((f, t));
    }

    fn start_early_help(&mut self, f: u32) {
        let t = self.t;
        let wait = {
            let fam = &self.families[f as usize];
            if fam.case == Case::Waiting { t - fam.queue_since } else { 0 }
        };
        self.set_case(f, Case::EarlyHelp);
        let five_plus = self.home_index(f).is_some_and(|c| t - self.children[c as usize].birth >= 60);
        let fam = &mut self.families[f as usize];
        fam.eh_index_5_plus = five_plus;
        let l = fam.locality as usize;
        self.in_eh[l] += 1;
        if five_plus {
            self.in_eh_5_plus[l] += 1;
        }
        let n = self.at_home(f) as u32;
        self.out.flow(Move::EarlyHelpStart, t, n);
        self.log(f, None, Move::EarlyHelpStart);
        self.out.add(Series::EarlyHelpStarts, t, 1.0);
        if five_plus {
            self.out.add(Series::EarlyHelpStartsOverFives, t, 1.0);
        }
        self.out.add(Series::EarlyHelpWaitMonths, t, f64::from(wait.max(0)));
        self.refresh(f, t + 1);
    }

    /// The index child if still at home, else the eldest child at home (who becomes the index).
    fn home_index(&mut self, f: u32) -> Option<u32> {
        let fam = &self.families[f as usize];
        let idx = fam.index_child;
        if self.children[idx as usize].status == Status::Home {
            return Some(idx);
        }
        let eldest = fam
            .children
            .iter()
            .copied()
            .filter(|&c| self.children[c as usize].status == Status::Home)
            .min_by_key(|&c| self.children[c as usize].birth)?;
        self.families[f as usize].index_child = eldest;
        Some(eldest)
    }

    /// Children at home and in care, in one pass.
    fn counts(&self, f: u32) -> (usize, usize) {
        let (mut home, mut care) = (0, 0);
        for &c in &self.families[f as usize].children {
            match self.children[c as usize].status {
                Status::Home => home += 1,
                Status::Care => care += 1,
                Status::Left => {}
            }
        }
        (home, care)
    }

    fn at_home(&self, f: u32) -> usize {
        self.families[f as usize].children.iter().filter(|&&c| self.children[c as usize].status == Status::Home).count()
    }

    fn in_care(&self, f: u32) -> usize {
        self.families[f as usize].children.iter().filter(|&&c| self.children[c as usize].status == Status::Care).count()
    }

    /// Child `c` enters care, and with it (with probability `sibling_group_entry`) the brothers
    /// and sisters living at home.
    fn enter_care(&mut self, f: u32, c: u32, mv: Move, not_previously_known: bool) {
        let together = chance(&mut self.families[f as usize].rng, self.m.sibling_group_entry);
        for i in 0..self.families[f as usize].children.len() {
            let k = self.families[f as usize].children[i];
            if self.children[k as usize].status != Status::Home || (k != c && !together) {
                continue;
            }
            self.place_in_care(f, k, mv, not_previously_known);
        }
        if self.at_home(f) > 0 {
            let case = self.families[f as usize].case;
            if matches!(case, Case::Closed | Case::Waiting | Case::EarlyHelp) {
                self.set_case(f, Case::ChildInNeed);
            }
        } else {
            self.set_case(f, Case::Closed);
        }
    }

    fn place_in_care(&mut self, f: u32, c: u32, mv: Move, not_previously_known: bool) {
        let t = self.t;
        let age = t - self.children[c as usize].birth;
        let pol = &self.periods[self.period].1;
        let mix = if age < 120 { pol.mix_under_10 } else { pol.mix_10_plus };
        let fam = &mut self.families[f as usize];
        let placement = pick_cumulative(&mix, uniform(&mut fam.rng)) as u8;
        let proceedings = chance(&mut fam.rng, self.m.care_proceedings_share);
        let abuse_neglect = fam.abuse_neglect;
        let l = fam.locality as usize;
        let from = case_slot(fam.case);
        self.retable(f, c, Some(from), Some(SLOT_CARE + placement as usize));
        let child = &mut self.children[c as usize];
        child.status = Status::Care;
        child.care_since = t;
        child.placement = placement;
        child.entered_under_5 = age < 60;
        let reentry = child.care_episodes > 0;
        child.care_episodes = child.care_episodes.saturating_add(1);
        self.schedule_care(f, c, t + 1);
        if reentry {
            self.out.add(Series::LacReentries, t, 1.0);
        }
        let o = &mut self.out;
        o.flow(mv, t, 1);
        o.add(Series::LacEntries, t, 1.0);
        if not_previously_known {
            o.add(Series::EntriesNotPreviouslyKnown, t, 1.0);
        }
        if age >= 60 {
            o.add(Series::EntriesAged5Plus, t, 1.0);
        }
        if abuse_neglect {
            o.add(Series::EntriesAbuseNeglect, t, 1.0);
        }
        o.activity(Activity::CareEntries, l, t, 1);
        if proceedings {
            o.add(Series::CareProceedings, t, 1.0);
            o.activity(Activity::CareProceedings, l, t, 1);
        }
        self.log(f, Some(c), mv);
    }

    /// After anything happens to a family: it sleeps if its case is closed with children at
    /// home and none in care; it is done if no children remain.
    fn settle(&mut self, f: u32) {
        let fam = &self.families[f as usize];
        if fam.sleeping || fam.done {
            return; // already settled earlier this month
        }
        let (home, care) = self.counts(f);
        if home == 0 && care == 0 {
            self.set_case(f, Case::Closed);
            self.families[f as usize].done = true;
            return;
        }
        if home == 0 && self.families[f as usize].case != Case::Closed {
            self.set_case(f, Case::Closed);
        }
        if home > 0 && care == 0 && self.families[f as usize].case == Case::Closed {
            self.sleep(f);
            return;
        }
        self.refresh(f, self.t + 1);
    }

    // ----- closed families: sleeping until their next contact -----

    /// Hazards of renewed contact for a closed family in month `t`: identification, referral,
    /// crisis, moving away. Zero when no child under 18 remains at home.
    fn closed_hazards(&self, f: u32, t: i32, pol: &PeriodPolicy) -> [f64; 4] {
        let m = self.m;
        let fam = &self.families[f as usize];
        let need = fam.need as usize;
        let (mut ident, mut referral, mut crisis) = (0.0, 0.0, 0.0);
        let mut any = false;
        for &c in &fam.children {
            let ch = &self.children[c as usize];
            if ch.status != Status::Home {
                continue;
            }
            let Some(band) = CohortTable::band_at(ch.birth, t) else { continue };
            any = true;
            let b = band.index();
            let mut id = m.previously_known.identification[b] * pol.identification_multiplier;
            if band.five_plus() {
                id *= pol.over_fives_multiplier;
            }
            ident += id;
            referral += m.previously_known.referral[b];
            crisis += m.previously_known.crisis[b];
        }
        if !any {
            return [0.0; 4];
        }
        let mut contact = m.contact_need[need];
        if need == 2 {
            ident *= pol.high_need_multiplier;
        }
        if t - fam.case_since < m.recently_closed_months {
            contact *= m.recently_closed_multiplier;
        }
        let mut after = 1.0;
        if t - fam.eh_closed_at < pol.eh_after_months {
            after = pol.eh_effect_after;
        }
        [ident * contact, referral * contact * after, crisis * contact * after, m.move_away_hazard]
    }

    /// The next month at which a closed family's hazards may change.
    fn next_change(&self, f: u32, t: i32) -> i32 {
        const BOUNDS: [i32; 5] = [12, 60, 120, 192, MONTHS_TO_18];
        let fam = &self.families[f as usize];
        let mut next = self.months;
        for &c in &fam.children {
            let ch = &self.children[c as usize];
            if ch.status != Status::Home {
                continue;
            }
            let age = t - ch.birth;
            if let Some(b) = BOUNDS.iter().find(|&&b| b > age) {
                next = next.min(ch.birth + b);
            }
        }
        for edge in [
            fam.case_since + self.m.recently_closed_months,
            fam.eh_closed_at + self.periods[self.period_at(t)].1.eh_after_months,
        ] {
            if edge > t {
                next = next.min(edge);
            }
        }
        if let Some((start, _)) = self.periods.iter().find(|(s, _)| *s > t) {
            next = next.min(*start);
        }
        next.max(t + 1)
    }

    fn period_at(&self, t: i32) -> usize {
        self.periods.iter().rposition(|(s, _)| *s <= t).unwrap_or(0)
    }

    fn sleep(&mut self, f: u32) {
        let t = self.t;
        self.families[f as usize].sleeping = true;
        let e = unit_exponential(&mut self.families[f as usize].rng);
        let month = first_event(e, t + 1, self.months, |s| {
            if !self.any_home_under_18(f, s) {
                return (0.0, self.months); // everyone at home has turned 18: no further contact
            }
            let pol = &self.periods[self.period_at(s)].1;
            (self.closed_hazards(f, s, pol).iter().sum(), self.next_change(f, s))
        });
        if month != NO_EVENT {
            self.wake[month as usize].push(f);
        }
    }

    fn any_home_under_18(&self, f: u32, t: i32) -> bool {
        self.families[f as usize].children.iter().any(|&c| {
            self.children[c as usize].status == Status::Home && t - self.children[c as usize].birth < MONTHS_TO_18
        })
    }

    fn wake_family(&mut self, f: u32) {
        let t = self.t;
        let fam = &self.families[f as usize];
        if !fam.sleeping || fam.done {
            return;
        }
        self.families[f as usize].sleeping = false;
        if self.at_home(f) == 0 {
            self.families[f as usize].done = true;
            return;
        }
        let periods = Rc::clone(&self.periods);
        let h = self.closed_hazards(f, t, &periods[self.period].1);
        let pick = rng::categorical(&mut self.families[f as usize].rng, &h);
        match pick {
            0 => self.contact(f, Route::Identification, Move::KnownToEarlyHelp, false),
            1 => self.contact(f, Route::Referral, Move::KnownToReferral, false),
            2 => self.contact(f, Route::Crisis, Move::KnownToCare, false),
            _ => self.move_away(f),
        }
        if !self.families[f as usize].done && !self.families[f as usize].sleeping {
            self.activate(f);
        }
    }

    /// The family leaves the authority; newcomers of the same ages take their place among the
    /// never-known, so the population keeps its size.
    fn move_away(&mut self, f: u32) {
        let t = self.t;
        let g = {
            let fam = &self.families[f as usize];
            fam.locality as usize * 3 + fam.need as usize
        };
        let mut n = 0;
        let slot = case_slot(self.families[f as usize].case);
        for i in 0..self.families[f as usize].children.len() {
            let c = self.families[f as usize].children[i];
            if self.children[c as usize].status == Status::Home {
                self.retable(f, c, Some(slot), None);
                self.children[c as usize].status = Status::Left;
                self.not_known.add(g, self.children[c as usize].birth, 1, t);
                n += 1;
            }
        }
        self.out.flow(Move::MovedAway, t, n);
        self.log(f, None, Move::MovedAway);
        self.set_case(f, Case::Closed);
        if self.in_care(f) == 0 {
            self.families[f as usize].done = true;
        }
    }

    // ----- open cases -----

    fn step_family(&mut self, f: u32) {
        let t = self.t;
        // Children in care whose scheduled event falls this month.
        for i in 0..self.families[f as usize].children.len() {
            let c = self.families[f as usize].children[i];
            let ch = &self.children[c as usize];
            if ch.status == Status::Care && ch.care_event == t {
                self.care_event(f, c);
            }
        }
        let fam = &mut self.families[f as usize];
        if fam.in_sis && fam.sis_until <= t {
            fam.in_sis = false;
            self.in_sis -= 1;
            self.in_sis_by_locality[fam.locality as usize] -= 1;
        }
        if self.families[f as usize].home_event == t && self.at_home(f) > 0 {
            self.home_event(f);
        }
        self.settle(f);
    }

    /// Re-draw family `f`'s next home event from month `from` and set the month it next needs
    /// stepping: its next home event, a child's event in care, an 18th birthday, or the end of
    /// intensive support. Called whenever the family's hazards change.
    fn refresh(&mut self, f: u32, from: i32) {
        let (home, _) = self.counts(f);
        if home > 0 {
            self.schedule_home(f, from);
        } else {
            self.families[f as usize].home_event = NO_EVENT;
        }
        let fam = &self.families[f as usize];
        let mut touch = fam.home_event;
        if fam.in_sis {
            touch = touch.min(fam.sis_until);
        }
        for &c in &fam.children {
            let ch = &self.children[c as usize];
            match ch.status {
                Status::Home => touch = touch.min(ch.birth + MONTHS_TO_18),
                Status::Care => touch = touch.min(ch.care_event.min(ch.birth + MONTHS_TO_18)),
                Status::Left => {}
            }
        }
        self.families[f as usize].next_touch = touch;
    }

    /// Hazards (per month) of the events of child `c` in care in month `s`: return home,
    /// adoption, special guardianship, other exit, placement move.
    fn care_hazards(&self, c: u32, s: i32, pol: &PeriodPolicy) -> [f64; 5] {
        let m = self.m;
        let ch = &self.children[c as usize];
        let months_in = s - ch.care_since;
        let d = if months_in < 6 {
            0
        } else if months_in < 24 {
            1
        } else {
            2
        };
        [
            m.return_home[d] * pol.reunification_multiplier,
            if ch.entered_under_5 && months_in >= m.adoption_min_months { m.adoption_under_5 } else { 0.0 },
            m.special_guardianship,
            m.other_exit,
            m.placement_move,
        ]
    }

    /// Draw the month of child `c`'s next event in care, from month `from` on: the hazards are
    /// constant between the 6- and 24-month marks, eligibility for adoption and policy changes,
    /// so one unit exponential is spent segment by segment. The same distribution as a draw
    /// every month, for a fraction of the work. No event before the 18th birthday: none.
    fn schedule_care(&mut self, f: u32, c: u32, from: i32) {
        let m = self.m;
        let e = unit_exponential(&mut self.families[f as usize].rng);
        let ch = &self.children[c as usize];
        let since = ch.care_since;
        let adoption_edge = if ch.entered_under_5 { since + m.adoption_min_months } else { NO_EVENT };
        let stop = (ch.birth + MONTHS_TO_18).min(self.months);
        let event = first_event(e, from, stop, |s| {
            let p = self.period_at(s);
            let mut end = stop;
            for edge in [since + 6, since + 24, adoption_edge] {
                if edge > s {
                    end = end.min(edge);
                }
            }
            if let Some((next_period, _)) = self.periods.get(p + 1) {
                end = end.min(*next_period);
            }
            (self.care_hazards(c, s, &self.periods[p].1).iter().sum(), end)
        });
        self.children[c as usize].care_event = event;
    }

    /// The scheduled event of child `c` in care happens now: which one, in proportion to the
    /// hazards this month.
    fn care_event(&mut self, f: u32, c: u32) {
        let t = self.t;
        let m = self.m;
        let periods = Rc::clone(&self.periods);
        let pol = &periods[self.period].1;
        let hz = self.care_hazards(c, t, pol);
        let age = t - self.children[c as usize].birth;
        let fam = &mut self.families[f as usize];
        let u = uniform(&mut fam.rng);
        // One more draw decides the new placement or where a child returning home goes.
        let u2 = uniform(&mut fam.rng);
        let which = pick_scaled(&hz, u * hz.iter().sum::<f64>());
        let (mv, leaves) = match which {
            0 => (Move::CareToHome, false),
            1 => (Move::CareToAdoption, true),
            2 => (Move::CareToSpecialGuardianship, true),
            3 => (Move::CareToOtherExit, true),
            _ => (Move::PlacementMove, false),
        };
        let current = self.children[c as usize].placement as usize;
        if mv == Move::PlacementMove {
            let mix = if age < 120 { pol.mix_under_10 } else { pol.mix_10_plus };
            let new = pick_cumulative(&mix, u2);
            if new != current {
                self.retable(f, c, Some(SLOT_CARE + current), Some(SLOT_CARE + new));
                self.children[c as usize].placement = new as u8;
                self.out.flow(mv, t, 1);
            }
            self.schedule_care(f, c, t + 1);
            return;
        }
        self.out.flow(mv, t, 1);
        self.out.add(Series::LacExits, t, 1.0);
        self.log(f, Some(c), mv);
        self.children[c as usize].care_event = NO_EVENT;
        if leaves {
            self.retable(f, c, Some(SLOT_CARE + current), None);
            self.children[c as usize].status = Status::Left;
            return;
        }
        let to = pick_scaled(&m.return_to, u2 * m.return_to.iter().sum::<f64>());
        let case = self.families[f as usize].case;
        self.retable(f, c, Some(SLOT_CARE + current), Some(case_slot(case)));
        let child = &mut self.children[c as usize];
        child.status = Status::Home;
        child.returned_at = t;
        let wanted = [Case::ChildProtection, Case::ChildInNeed, Case::Closed][to];
        if case == Case::Closed || rank(wanted) > rank(case) {
            self.set_case(f, wanted);
        }
    }

    /// Move child `c` of family `f` between slots of the explicit table (`None`: out of it).
    fn retable(&mut self, f: u32, c: u32, from: Option<usize>, to: Option<usize>) {
        let localities = self.m.localities;
        let l = self.families[f as usize].locality as usize;
        let birth = self.children[c as usize].birth;
        if let Some(slot) = from {
            self.explicit.remove(slot * localities + l, birth, self.t);
        }
        if let Some(slot) = to {
            self.explicit.add(slot * localities + l, birth, 1, self.t);
        }
    }

    /// A new child of family `f` in locality `l`, counted in `slot` of the explicit table.
    fn new_child(&mut self, f: u32, l: usize, birth: i32, slot: usize) -> u32 {
        let id = self.children.len() as u32;
        self.children.push(Child {
            family: f,
            birth,
            status: Status::Home,
            care_event: NO_EVENT,
            care_since: NEVER,
            placement: 0,
            entered_under_5: false,
            returned_at: NEVER,
            care_episodes: 0,
        });
        self.explicit.add(slot * self.m.localities + l, birth, 1, self.t);
        let eighteen = birth + MONTHS_TO_18;
        if (0..self.months).contains(&eighteen) {
            self.eighteenth[eighteen as usize].push(id);
        }
        id
    }

    /// Explicit children whose 18th birthday falls in month `t` leave the model (the explicit
    /// table has already dropped their cohort).
    fn eighteenth_birthdays(&mut self, t: i32) {
        let turning = std::mem::take(&mut self.eighteenth[t as usize]);
        for &c in &turning {
            let status = self.children[c as usize].status;
            let f = self.children[c as usize].family;
            let mv = match status {
                Status::Left => continue,
                Status::Care => {
                    self.out.add(Series::LacExits, t, 1.0);
                    let l = self.families[f as usize].locality as usize;
                    self.out.activity(Activity::CareLeavers, l, t, 1);
                    Move::CareToLeaver
                }
                Status::Home => Move::TurnedEighteen,
            };
            self.children[c as usize].status = Status::Left;
            self.children[c as usize].care_event = NO_EVENT;
            self.out.flow(mv, t, 1);
            self.log(f, Some(c), mv);
        }
    }

    /// Monthly hazards of the events of family `f`'s children at home in month `s`, in a fixed
    /// order: one per child at home (entering care; `who` names them), then close, step up,
    /// step down, move away, birth. For a closed case (children at home beside a brother or
    /// sister in care) they are renewed contact: identification, referral, crisis.
    fn home_hazards(&self, f: u32, s: i32, pol: &PeriodPolicy, hz: &mut Vec<f64>, who: &mut Vec<u32>) {
        let m = self.m;
        hz.clear();
        who.clear();
        let fam = &self.families[f as usize];
        let case = fam.case;
        if case == Case::Closed {
            hz.extend_from_slice(&self.closed_hazards(f, s, pol)[..3]);
            return;
        }
        let need = fam.need as usize;
        let contact = m.contact_need[need];
        let escalation =
            m.escalation_need[need] * if fam.abuse_neglect { m.abuse_neglect_care_multiplier } else { 1.0 };
        let after = if s - fam.eh_closed_at < pol.eh_after_months { pol.eh_effect_after } else { 1.0 };
        let in_sis = fam.in_sis && s < fam.sis_until;
        let mut any_in_care = false;
        let mut underlying_referral = 0.0;
        let mut youngest = i32::MAX;
        for &c in &fam.children {
            let ch = &self.children[c as usize];
            let age = s - ch.birth;
            if ch.status == Status::Care && age < MONTHS_TO_18 {
                any_in_care = true;
            }
            if ch.status != Status::Home || age >= MONTHS_TO_18 || ch.returned_at == s {
                continue;
            }
            youngest = youngest.min(age);
            let b = AgeBand::of_age((age / 12) as u32).index();
            underlying_referral += m.not_known.referral[b];
            let mut h = match case {
                // Early help and waiting: relative to the child's underlying crisis risk.
                Case::Waiting | Case::EarlyHelp => m.eh_care_entry_multiplier * m.not_known.crisis[b] * contact,
                Case::ChildInNeed => m.cin.care_entry[b] * escalation,
                Case::ChildProtection => m.cp.care_entry[b] * escalation,
                Case::Closed => 0.0,
            };
            h *= after;
            if case == Case::EarlyHelp && (pol.whole_family || c == fam.index_child) {
                h *= pol.eh_effect_care;
            }
            if in_sis {
                h *= pol.sis_effect_care;
            }
            if s - ch.returned_at < m.reentry_months {
                h *= 1.0 + (m.reentry_multiplier - 1.0) * pol.reentry_multiplier;
            }
            hz.push(h);
            who.push(c);
        }
        let esc = m.escalation_need[need];
        let months_in = s - fam.case_since;
        let eh_step_up = m.eh_step_up_multiplier * underlying_referral * contact;
        let (close, up, down) = match case {
            Case::Waiting => (m.waiting_dropout, eh_step_up, 0.0),
            Case::EarlyHelp => {
                (if months_in >= 3 { pol.eh_close_hazard } else { 0.0 }, eh_step_up * pol.eh_effect_escalation, 0.0)
            }
            Case::ChildInNeed => (m.cin.close, m.cin.step_up * esc, m.cin.step_down),
            Case::ChildProtection => (m.cp.close, 0.0, m.cp.step_down),
            Case::Closed => (0.0, 0.0, 0.0),
        };
        let births = if youngest < 120 { m.family_birth_hazard } else { 0.0 };
        if who.is_empty() {
            hz.extend_from_slice(&[0.0; 5]); // nobody at home: no family events
            return;
        }
        hz.extend_from_slice(&[close, up, down, if any_in_care { 0.0 } else { m.move_away_hazard }, births]);
    }

    /// The next month after `s` at which family `f`'s home hazards may change: a birthday that
    /// crosses an age band (or the 18th), the end of the first three months of early help, of
    /// the early help after-effect, of a re-entry window, of the recently-closed window, of
    /// intensive support, or a policy change.
    fn home_next_change(&self, f: u32, s: i32) -> i32 {
        const BOUNDS: [i32; 5] = [12, 60, 120, 192, MONTHS_TO_18];
        let m = self.m;
        let fam = &self.families[f as usize];
        let mut next = self.months;
        let mut consider = |edge: i32| {
            if edge > s {
                next = next.min(edge);
            }
        };
        for &c in &fam.children {
            let ch = &self.children[c as usize];
            if ch.status != Status::Home {
                continue;
            }
            let age = s - ch.birth;
            if let Some(b) = BOUNDS.iter().find(|&&b| b > age) {
                consider(ch.birth + b);
            }
            consider(ch.returned_at + m.reentry_months);
            consider(ch.returned_at + 1);
        }
        let p = self.period_at(s);
        match fam.case {
            Case::EarlyHelp => consider(fam.case_since + 3),
            Case::Closed => consider(fam.case_since + m.recently_closed_months),
            _ => {}
        }
        consider(fam.eh_closed_at + self.periods[p].1.eh_after_months);
        if fam.in_sis {
            consider(fam.sis_until);
        }
        if let Some((start, _)) = self.periods.get(p + 1) {
            consider(*start);
        }
        next
    }

    /// Draw the month of family `f`'s next home event from month `from` on, walking its
    /// piecewise-constant hazards (the same distribution as a draw every month).
    fn schedule_home(&mut self, f: u32, from: i32) {
        let mut hz = std::mem::take(&mut self.scratch_hazards);
        let mut who = std::mem::take(&mut self.scratch_children);
        let e = unit_exponential(&mut self.families[f as usize].rng);
        let event = first_event(e, from, self.months, |s| {
            let p = self.period_at(s);
            self.home_hazards(f, s, &self.periods[p].1, &mut hz, &mut who);
            (hz.iter().sum(), self.home_next_change(f, s))
        });
        self.scratch_hazards = hz;
        self.scratch_children = who;
        self.families[f as usize].home_event = event;
    }

    /// Family `f`'s scheduled home event happens now: which one, in proportion to the hazards
    /// this month.
    fn home_event(&mut self, f: u32) {
        let t = self.t;
        let m = self.m;
        let periods = Rc::clone(&self.periods);
        let pol = &periods[self.period].1;
        let mut hz = std::mem::take(&mut self.scratch_hazards);
        let mut who = std::mem::take(&mut self.scratch_children);
        self.home_hazards(f, t, pol, &mut hz, &mut who);
        let total: f64 = hz.iter().sum();
        let u = uniform(&mut self.families[f as usize].rng);
        let which = (total > 0.0).then(|| pick_scaled(&hz, u * total));
        let entering = which.and_then(|w| who.get(w).copied());
        let n_children = who.len();
        self.scratch_hazards = hz;
        self.scratch_children = who;
        let Some(which) = which else { return };
        let case = self.families[f as usize].case;
        if case == Case::Closed {
            match which {
                0 => self.contact(f, Route::Identification, Move::KnownToEarlyHelp, false),
                1 => self.contact(f, Route::Referral, Move::KnownToReferral, false),
                _ => self.contact(f, Route::Crisis, Move::KnownToCare, false),
            }
            return;
        }
        if let Some(c) = entering {
            let mv = match case {
                Case::ChildInNeed => Move::ChildInNeedToCare,
                Case::ChildProtection => Move::ChildProtectionToCare,
                _ => Move::EarlyHelpToCare,
            };
            self.enter_care(f, c, mv, false);
            return;
        }
        let n = self.at_home(f) as u32;
        match which - n_children {
            0 => {
                // Close (or, from social care, sometimes step down to early help).
                let to_eh = match case {
                    Case::ChildInNeed => chance(&mut self.families[f as usize].rng, m.cin.close_to_early_help),
                    Case::ChildProtection => chance(&mut self.families[f as usize].rng, m.cp.close_to_early_help),
                    _ => false,
                };
                let mv = match case {
                    Case::Waiting => Move::WaitingToClosed,
                    Case::EarlyHelp => Move::EarlyHelpToClosed,
                    _ if to_eh => Move::SocialCareToEarlyHelp,
                    _ => Move::SocialCareToClosed,
                };
                self.out.flow(mv, t, n);
                self.log(f, None, mv);
                if to_eh {
                    self.set_case(f, Case::Closed);
                    self.join_waiting(f);
                } else {
                    self.set_case(f, Case::Closed);
                }
            }
            1 => {
                let to_cp = match case {
                    Case::ChildInNeed => true,
                    _ => chance(&mut self.families[f as usize].rng, m.eh_step_up_to_cp),
                };
                let mv = match (case, to_cp) {
                    (Case::ChildInNeed, _) => Move::ChildInNeedToChildProtection,
                    (_, true) => Move::EarlyHelpToChildProtection,
                    (_, false) => Move::EarlyHelpToChildInNeed,
                };
                self.out.flow(mv, t, n);
                self.log(f, None, mv);
                self.set_case(f, if to_cp { Case::ChildProtection } else { Case::ChildInNeed });
            }
            2 => {
                let (mv, to) = match case {
                    Case::ChildProtection => (Move::ChildProtectionToChildInNeed, Case::ChildInNeed),
                    _ => (Move::SocialCareToEarlyHelp, Case::Waiting),
                };
                self.out.flow(mv, t, n);
                self.log(f, None, mv);
                if to == Case::Waiting {
                    self.set_case(f, Case::Closed);
                    self.join_waiting(f);
                } else {
                    self.set_case(f, to);
                }
            }
            3 => self.move_away(f),
            _ => {
                let l = self.families[f as usize].locality as usize;
                let id = self.new_child(f, l, t, case_slot(case));
                self.families[f as usize].children.push(id);
                let g = self.group_of(f);
                self.explicit_births[g] += 1;
                self.out.flow(Move::Birth, t, 1);
                self.log(f, Some(id), Move::Birth);
            }
        }
    }

    fn group_of(&self, f: u32) -> usize {
        let fam = &self.families[f as usize];
        fam.locality as usize * 3 + fam.need as usize
    }

    // ----- capacity -----

    fn allocate_early_help(&mut self) {
        let t = self.t;
        let periods = Rc::clone(&self.periods);
        let pol = &periods[self.period].1;
        for l in 0..self.m.localities {
            let mut free = pol.places[l].saturating_sub(self.in_eh[l]);
            while free > 0 {
                // Each place may scan the whole queue: look at the flag every time.
                if self.stop_now() {
                    return;
                }
                // Drop stale entries (families that left the list) from the front.
                while let Some(&(f, since)) = self.queues[l].front() {
                    if self.is_waiting(f, since) {
                        break;
                    }
                    self.queues[l].pop_front();
                }
                if self.queues[l].is_empty() {
                    break;
                }
                let pos = match pol.allocation {
                    Allocation::FirstCome => self.first_valid(l, |_, _| true),
                    Allocation::ByNeed => (0..3)
                        .rev()
                        .find_map(|need| self.first_valid(l, |w, f| w.families[f as usize].need as usize == need)),
                    Allocation::OverFivesShare => {
                        let share = if self.in_eh[l] == 0 {
                            0.0
                        } else {
                            f64::from(self.in_eh_5_plus[l]) / f64::from(self.in_eh[l])
                        };
                        let prefer_older = share < pol.over_fives_target;
                        self.first_valid(l, |w, f| {
                            let idx = w.families[f as usize].index_child as usize;
                            (t - w.children[idx].birth >= 60) == prefer_older
                        })
                        .or_else(|| self.first_valid(l, |_, _| true))
                    }
                };
                let Some(pos) = pos else { break };
                let (f, _) = self.queues[l].remove(pos).expect("position is in the queue");
                self.start_early_help(f);
                free -= 1;
            }
        }
    }

    fn is_waiting(&self, f: u32, since: i32) -> bool {
        let fam = &self.families[f as usize];
        fam.case == Case::Waiting && fam.queue_since == since && !fam.done && !fam.sleeping
    }

    fn first_valid(&self, l: usize, pred: impl Fn(&Self, u32) -> bool) -> Option<usize> {
        self.queues[l].iter().position(|&(f, since)| self.is_waiting(f, since) && pred(self, f))
    }

    fn allocate_intensive_support(&mut self) {
        let t = self.t;
        let periods = Rc::clone(&self.periods);
        let pol = &periods[self.period].1;
        if self.in_sis >= pol.sis_places {
            return;
        }
        // Eligible families: on a plan of the right level, an index child of the right age.
        let mut candidates = std::mem::take(&mut self.sis_candidates);
        candidates.clear();
        for &f in &self.active {
            let fam = &self.families[f as usize];
            let eligible_case =
                fam.case == Case::ChildProtection || (pol.sis_include_cin && fam.case == Case::ChildInNeed);
            if fam.done || fam.sleeping || fam.in_sis || !eligible_case || self.at_home(f) == 0 {
                continue;
            }
            let age = ((t - self.children[fam.index_child as usize].birth) / 12) as u32;
            if (pol.sis_min_age..=pol.sis_max_age).contains(&age) {
                candidates.push(f);
            }
        }
        // Highest need first, then the longest on a plan, then family number (deterministic).
        candidates.sort_by_key(|&f| {
            let fam = &self.families[f as usize];
            (std::cmp::Reverse(fam.need), fam.case_since, f)
        });
        let end = pol.sis_end_prob.min(1.0);
        for &f in &candidates {
            if self.in_sis >= pol.sis_places {
                break;
            }
            let fam = &mut self.families[f as usize];
            // Months of support: the first month with an end, at monthly probability `end`.
            let u = uniform(&mut fam.rng);
            let extra = if end >= 1.0 { 0 } else { ((1.0 - u).ln() / (1.0 - end).ln()) as i32 };
            fam.in_sis = true;
            fam.sis_until = t + 1 + extra.min(self.months);
            self.in_sis += 1;
            self.in_sis_by_locality[fam.locality as usize] += 1;
            self.out.flow(Move::IntensiveSupportStart, t, 1);
            self.log(f, None, Move::IntensiveSupportStart);
            self.refresh(f, t + 1);
        }
        self.sis_candidates = candidates;
    }

    // ----- births and the record -----

    fn pool_births(&mut self, t: i32) {
        let m = self.m;
        let per_month = f64::from(m.scenario.population.under_18) / f64::from(MONTHS_TO_18);
        for l in 0..m.localities {
            for n in 0..3 {
                let g = l * 3 + n;
                self.birth_carry[g] += per_month * m.locality_share[l] * m.locality_need[l][n];
                let due = self.birth_carry[g].floor();
                self.birth_carry[g] -= due;
                let pool = (due as u32).saturating_sub(self.explicit_births[g]);
                self.not_known.add(g, t, pool, t);
                self.out.flow(Move::Birth, t, pool);
            }
        }
    }

    fn record(&mut self, t: i32) {
        let m = self.m;
        let o = &mut self.out;
        for l in 0..m.localities {
            for n in 0..3 {
                let g = l * 3 + n;
                for b in 0..5 {
                    o.stock(State::NotKnown, b, l, t, self.not_known.band_total(g, b) as u32);
                    o.stock(State::KnownClosed, b, l, t, self.known.band_total(g, b) as u32);
                }
            }
            for (slot, state) in SLOT_STATES.iter().enumerate() {
                let g = slot * m.localities + l;
                for b in 0..5 {
                    let n = self.explicit.band_total(g, b) as u32;
                    o.stock(*state, b, l, t, n);
                    if slot >= SLOT_CARE {
                        o.placement(slot - SLOT_CARE, t, n);
                    }
                }
            }
            o.queue(l, t, self.waiting[l]);
            o.caseload(l, t, self.in_eh[l]);
            // Stocks that costs are charged on.
            let slot_total = |slot: usize| -> u32 {
                (0..5).map(|b| self.explicit.band_total(slot * m.localities + l, b) as u32).sum()
            };
            const PLACEMENTS: [Activity; 6] = [
                Activity::InHouseFoster,
                Activity::Ifa,
                Activity::Kinship,
                Activity::Residential,
                Activity::WithParents,
                Activity::OtherPlacement,
            ];
            for (p, a) in PLACEMENTS.into_iter().enumerate() {
                o.activity(a, l, t, slot_total(SLOT_CARE + p));
            }
            o.activity(Activity::ChildInNeed, l, t, slot_total(case_slot(Case::ChildInNeed)));
            o.activity(Activity::ChildProtection, l, t, slot_total(case_slot(Case::ChildProtection)));
            o.activity(Activity::EarlyHelp, l, t, self.in_eh[l]);
            o.activity(Activity::IntensiveSupport, l, t, self.in_sis_by_locality[l]);
        }
        let families_eh: u32 = self.in_eh.iter().sum();
        let waiting: u32 = self.waiting.iter().sum();
        o.set(Series::EarlyHelpFamilies, t, f64::from(families_eh));
        o.set(Series::EarlyHelpWaiting, t, f64::from(waiting));
        o.set(Series::IntensiveSupportCases, t, f64::from(self.in_sis));
    }

    fn log(&mut self, f: u32, child: Option<u32>, mv: Move) {
        if self.log_families == 0 || !self.families[f as usize].logged {
            return;
        }
        self.out.events.push(LoggedEvent { month: self.t, family: f, child, kind: mv });
    }
}

/// The explicit-table slot of children at home in a family with this case.
#[inline]
fn case_slot(case: Case) -> usize {
    match case {
        Case::Closed => SLOT_CLOSED,
        Case::Waiting => 1,
        Case::EarlyHelp => 2,
        Case::ChildInNeed => 3,
        Case::ChildProtection => 4,
    }
}

/// The state reported for a slot of the explicit table.
const SLOT_STATES: [State; SLOTS] = [
    State::KnownClosed,
    State::WaitingEarlyHelp,
    State::EarlyHelp,
    State::ChildInNeed,
    State::ChildProtection,
    State::LookedAfter,
    State::LookedAfter,
    State::LookedAfter,
    State::LookedAfter,
    State::LookedAfter,
    State::LookedAfter,
];

/// A unit exponential draw: the amount of cumulative hazard until the next event.
fn unit_exponential(rng: &mut Stream) -> f64 {
    -(1.0 - uniform(rng)).ln()
}

/// The month in which cumulative hazard reaches `e`, from month `from`, giving up at `until`
/// (`NO_EVENT`). `segment(s)` gives the monthly hazard from month `s` and the month it next
/// changes; spending `e` segment by segment has the same distribution as a draw every month,
/// for a fraction of the work.
fn first_event(mut e: f64, from: i32, until: i32, mut segment: impl FnMut(i32) -> (f64, i32)) -> i32 {
    let mut s = from;
    while s < until {
        let (h, next) = segment(s);
        let end = next.clamp(s + 1, until);
        let span = f64::from(end - s);
        if h > 0.0 && e < h * span {
            return (s + (e / h) as i32).min(end - 1);
        }
        e -= h * span;
        s = end;
    }
    NO_EVENT
}

/// Escalation rank of a case, for "at least this level" decisions.
fn rank(c: Case) -> u8 {
    match c {
        Case::Closed => 0,
        Case::Waiting => 1,
        Case::EarlyHelp => 2,
        Case::ChildInNeed => 3,
        Case::ChildProtection => 4,
    }
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

impl World<'_> {
    /// Check the world's invariants at the end of month `t` (used by the tests through
    /// [`super::audit`]): nobody in the model aged 18 or over, capacity counters equal to the
    /// families they count, intensive support within its places.
    pub fn audit(&self, t: i32) -> Result<(), String> {
        let mut in_eh = vec![0u32; self.m.localities];
        let mut waiting = vec![0u32; self.m.localities];
        let mut in_sis = 0;
        for (f, fam) in self.families.iter().enumerate() {
            if fam.done {
                if fam.children.iter().any(|&c| self.children[c as usize].status != Status::Left) {
                    return Err(format!("month {t}: family {f} is done but has children in the model"));
                }
                continue;
            }
            if fam.sleeping {
                if fam.case != Case::Closed || self.in_care(f as u32) > 0 {
                    return Err(format!("month {t}: sleeping family {f} has an open case or a child in care"));
                }
                continue;
            }
            match fam.case {
                Case::EarlyHelp => in_eh[fam.locality as usize] += 1,
                Case::Waiting => waiting[fam.locality as usize] += 1,
                _ => {}
            }
            if fam.in_sis {
                in_sis += 1;
            }
            for &c in &fam.children {
                let ch = &self.children[c as usize];
                if ch.status != Status::Left && t - ch.birth >= MONTHS_TO_18 {
                    return Err(format!(
                        "month {t}: child {c} of family {f} is {} months old and still in the model",
                        t - ch.birth
                    ));
                }
            }
            if !self.active.contains(&(f as u32)) {
                return Err(format!("month {t}: family {f} is neither active, sleeping nor done"));
            }
        }
        // The explicit table holds exactly the children of explicit families, where they are.
        let localities = self.m.localities;
        let mut counted = vec![0u64; SLOTS * localities * 5];
        for fam in &self.families {
            for &c in &fam.children {
                let ch = &self.children[c as usize];
                let slot = match ch.status {
                    Status::Left => continue,
                    Status::Care => SLOT_CARE + ch.placement as usize,
                    Status::Home => case_slot(fam.case),
                };
                let Some(band) = CohortTable::band_at(ch.birth, t) else {
                    return Err(format!("month {t}: child {c} is in the model aged 18 or over"));
                };
                counted[(slot * localities + fam.locality as usize) * 5 + band.index()] += 1;
            }
        }
        for g in 0..SLOTS * localities {
            for b in 0..5 {
                let table = self.explicit.band_total(g, b);
                if table != counted[g * 5 + b] {
                    return Err(format!(
                        "month {t}: slot {} locality {} band {b}: table {table}, children {}",
                        g / localities,
                        g % localities,
                        counted[g * 5 + b]
                    ));
                }
            }
        }
        if in_eh != self.in_eh {
            return Err(format!("month {t}: early help counters {:?} but families {:?}", self.in_eh, in_eh));
        }
        if waiting != self.waiting {
            return Err(format!("month {t}: waiting counters {:?} but families {:?}", self.waiting, waiting));
        }
        if in_sis != self.in_sis || in_sis > self.pol().sis_places {
            return Err(format!(
                "month {t}: intensive support {in_sis} families (counter {}) for {} places",
                self.in_sis,
                self.pol().sis_places
            ));
        }
        Ok(())
    }

    /// Early help families per locality now.
    pub fn early_help_caseload(&self) -> &[u32] {
        &self.in_eh
    }

    /// Early help places per locality in the policy now in force.
    pub fn early_help_places(&self) -> &[u32] {
        &self.pol().places
    }

    /// Step one month (for tests that audit month by month).
    pub fn step_month(&mut self, t: i32) {
        self.step(t);
    }
}
