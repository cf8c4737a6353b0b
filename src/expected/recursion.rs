//! The month-by-month recursion: the expected number of every move, from the state at the
//! start of the month, in the order `docs/model.md` ("A month, exactly") gives.

use super::output::Record;
use super::params::{BAND_EDGES, BAND_OF_AGE, Params, pick_chance};
use super::state::{Key, LEGAL_DRAWN, Layout, MONTHS, Place, Rows, Segment};
use crate::outputs::Series;
use crate::scenario::Allocation;
use crate::vocab::{AgeBand, Move, Placement, State};

/// Where a row's children go, by event: rows of the state after the event, a month on.
#[derive(Debug, Clone, Copy)]
struct Trans {
    /// No event this month.
    stay: u32,
    /// Identification or signposting: the early help waiting list.
    waiting: u32,
    child_in_need: u32,
    child_protection: u32,
    /// An open case closes (from early help: also the after-closure clock starts).
    closed: u32,
    /// Into care: entered aged five or over, and under five.
    care: [u32; 2],
    /// Home from care to a child protection plan, a child in need plan, a closed case.
    home: [u32; 3],
    /// A brother or sister born into the family.
    born: u32,
}

/// Which pool a contact comes from.
const MOVES_FROM_POOL: [[Move; 3]; 2] = [
    [Move::NotKnownToEarlyHelp, Move::NotKnownToReferral, Move::NotKnownToCare],
    [Move::KnownToEarlyHelp, Move::KnownToReferral, Move::KnownToCare],
];

/// A need level's children in early help and waiting for it, in all and five or over: the
/// demand on the early help queue.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct EarlyHelpDemand {
    in_eh: f64,
    in_eh_five_plus: f64,
    waiting: f64,
    waiting_five_plus: f64,
}

/// The shares of a need level's waiting children that start early help this month.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct StartShares {
    under_five: f64,
    five_plus: f64,
}

/// Month `t` of the three need levels' projections `parts` (need levels 0, 1, 2), each
/// recording into its own of `records`: their events side by side (on rayon), then what
/// couples them worked out in a fixed order (the placements, the early help queue, intensive
/// support), then each month's end side by side. The numbers are the same whatever the
/// number of threads.
pub(super) fn project_month(parts: &mut [Projection<'_>], records: &mut [Record], t: i32) {
    debug_assert_eq!(parts.len(), 3);
    let demand = each_need(parts, records, |part, rec| part.events(t, rec));
    let p = parts[0].p;
    let shares = Projection::early_help_shares(p, t, &demand);
    // The placements: one recursion of all the children in care.
    let (first, rest) = parts.split_at_mut(1);
    let first = &mut first[0];
    for other in rest.iter() {
        for (sum, part) in [
            (&mut first.care_before, &other.care_before),
            (&mut first.care_leaving, &other.care_leaving),
            (&mut first.care_moving, &other.care_moving),
            (&mut first.care_entering, &other.care_entering),
        ] {
            for (x, y) in sum.iter_mut().zip(part) {
                *x += y;
            }
        }
    }
    first.move_placements(t);
    for other in rest.iter_mut() {
        other.placements_next.clone_from(&first.placements_next);
    }
    each_need(parts, records, |part, rec| part.start_early_help(t, shares[part.need], rec));
    // Intensive support: a share of the supported ends, then free places go to eligible
    // children, highest need first.
    let pol = p.policy(t);
    if pol.sis_places > 0 || parts.iter().any(Projection::any_intensive) {
        let supported: f64 = parts.iter_mut().map(|part| part.end_intensive_support(t)).sum();
        let mut free = (f64::from(pol.sis_places) - supported / p.family_mean).max(0.0) * p.family_mean;
        for need in [2, 1, 0] {
            if free <= 0.0 {
                break;
            }
            let eligible = parts[need].intensive_eligible(t);
            if eligible <= 0.0 {
                continue;
            }
            let share = (free / eligible).min(1.0);
            free -= share * eligible;
            parts[need].start_intensive_support(t, share, &mut records[need]);
        }
    }
    each_need(parts, records, |part, rec| part.end_month(t, rec));
}

/// `work` on each need level's projection and record, on two threads if there are: the high
/// need level (the most rows, about 40% of them on the default preset) on one, the other two
/// on the other. Returns the results in need order.
fn each_need<R: Send>(
    parts: &mut [Projection<'_>],
    records: &mut [Record],
    work: impl Fn(&mut Projection<'_>, &mut Record) -> R + Sync,
) -> [R; 3] {
    let [p0, p1, p2] = parts else { unreachable!("three need levels") };
    let [r0, r1, r2] = records else { unreachable!("three need levels") };
    let (high, (low, medium)) = rayon::join(|| work(p2, r2), || (work(p0, r0), work(p1, r1)));
    [low, medium, high]
}

/// The projection of the children of one need level. A child's need level never changes (every
/// move keeps the row key's group, the pools are by need level, births go to the need level's
/// pool), so the three need levels are three recursions, run side by side
/// ([`project_month`]) and coupled only by the early help queue, intensive support and the
/// placements (the care levers read them), which [`project_month`] works out between them.
pub(super) struct Projection<'p> {
    pub(super) p: &'p Params<'p>,
    /// The need level this projection holds (its rows' `group`, its pool).
    pub(super) need: usize,
    pub(super) rows: Rows,
    trans: Vec<Option<Trans>>,
    /// Children never known (0) and known before the start (1), by group and age in months.
    pub(super) pools: [Vec<[f64; MONTHS]>; 2],
    /// How the rows (and the placements) hold ages this month: windows of birth months.
    pub(super) layout: Layout,
    /// Children in care by placement and window (the placement of a row's children is not
    /// in its key: see `docs/expected.md`).
    pub(super) placements: [Vec<f64>; Placement::COUNT],
    pub(super) placements_next: [Vec<f64>; Placement::COUNT],
    birth_carry: Vec<f64>,
    /// Children born into families of each group this month (fewer are born into the pool next
    /// month, as in the engine).
    family_births: Vec<f64>,
    table: bool,
    /// The family size a crisis contact is taken at: `E[S]` from the pools, the size-biased
    /// `E[S^2] / E[S]` for a closed family (whose hazards are taken per child).
    crisis_family_size: f64,
    /// Rows with fewer children than this are merged (see `merge_small_rows`); 0: never.
    pub(super) tolerance: f64,
    // Per month, by window: children in care before the month's events, leaving care, moving
    // placement, entering care.
    care_before: Vec<f64>,
    care_leaving: Vec<f64>,
    care_moving: Vec<f64>,
    care_entering: Vec<f64>,
    /// Children moving away this month by window, summed over the rows, who go back to the
    /// never-known pool at the end of the month's events (`settle_moves_away`).
    moving_away: Vec<f64>,
    /// Entries to care of the row being worked on, by band and year of age, recorded once a
    /// row (`record_entries`).
    entries_by_band: [f64; AgeBand::COUNT],
    entries_by_year: [f64; 18],
    /// Children in each row this month, as `count` summed them at the end of last month (less
    /// those turned 18), so that `merge_small_rows` need not sum every row again; valid for
    /// live rows once `masses_known`.
    mass: Vec<f64>,
    masses_known: bool,
    /// Each row's row with its windows over (`merge_small_rows`) and its row on starting early
    /// help, once looked up.
    coarse: Vec<Option<u32>>,
    eh_start: Vec<Option<u32>>,
    /// Each row's event chances by band (or year of age, `chance_classes` a row), worked out
    /// once while what they depend on stays the same: valid when their epoch is
    /// `chance_epoch`, which moves on when the policy period or the care-entry factors change,
    /// and every month while a care lever reads the placements.
    chance_cache: Vec<CachedChances>,
    chance_classes: usize,
    chance_epoch: u32,
    chance_inputs: Option<(usize, [u64; AgeBand::COUNT])>,
    /// The share of placement moves in each band that cannot happen this month (`stuck`).
    stuck_by_band: [f64; AgeBand::COUNT],
    /// A row being merged (reused).
    merged: Vec<f64>,
}

impl<'p> Projection<'p> {
    /// A projection of need level `need`'s children, holding ages in windows of
    /// `age_cell_months` birth months (a whole divisor of 12), at month 0.
    pub(super) fn new(p: &'p Params<'p>, age_cell_months: usize, need: usize) -> Projection<'p> {
        // Rows and pools are by need level: without places that bind, where a child lives
        // makes no difference to what happens to it.
        let groups = 3;
        let layout = Layout::new(age_cell_months, 0);
        let stride = layout.stride;
        let by_cell = || vec![0.0; stride];
        Projection {
            p,
            need,
            rows: Rows::new(stride, layout.shift),
            trans: Vec::new(),
            pools: [vec![[0.0; MONTHS]; groups], vec![[0.0; MONTHS]; groups]],
            layout,
            placements: std::array::from_fn(|_| by_cell()),
            placements_next: std::array::from_fn(|_| by_cell()),
            birth_carry: vec![0.0; p.m.localities * 3],
            family_births: vec![0.0; groups],
            table: p.exits.is_some(),
            tolerance: 0.0,
            crisis_family_size: 1.0,
            care_before: by_cell(),
            care_leaving: by_cell(),
            care_moving: by_cell(),
            care_entering: by_cell(),
            moving_away: by_cell(),
            entries_by_band: [0.0; AgeBand::COUNT],
            entries_by_year: [0.0; 18],
            mass: Vec::new(),
            masses_known: false,
            merged: Vec::new(),
            chance_cache: Vec::new(),
            chance_classes: if p.entry.by_age.is_some() { 18 } else { AgeBand::COUNT },
            chance_epoch: 0,
            chance_inputs: None,
            stuck_by_band: [0.0; AgeBand::COUNT],
            coarse: Vec::new(),
            eh_start: Vec::new(),
        }
    }

    /// The canonical row of `key` a month on.
    fn later(&mut self, key: Key) -> u32 {
        let k = key.ticked(&self.p.caps, self.table);
        self.rows.row(k)
    }

    /// The row of `key` as it is (canonical), this month.
    pub(super) fn row_now(&mut self, key: Key) -> u32 {
        let k = key.canonical(&self.p.caps, self.table);
        self.rows.row(k)
    }

    fn trans(&mut self, r: u32) -> Trans {
        if let Some(Some(t)) = self.trans.get(r as usize) {
            return *t;
        }
        let k = self.rows.keys[r as usize];
        let reset = Key { case_clock: 0, ..k };
        // Leaving early help (by any route) starts the after-closure clock.
        let left = if k.place == Place::EarlyHelp { Key { eh_clock: 0, ..reset } } else { reset };
        let new_case = |place| Key { place, intensive: false, ..left };
        let stay = self.later(k);
        let waiting = self.later(Key { place: Place::Waiting, ..new_case(Place::Waiting) });
        let child_in_need = self.later(Key { intensive: k.intensive, ..new_case(Place::ChildInNeed) });
        let child_protection = self.later(Key { intensive: k.intensive, ..new_case(Place::ChildProtection) });
        let closed = self.later(new_case(Place::Closed));
        // Entering care closes an open case (its clock restarts) but not a closed one.
        let entering = if k.place == Place::Closed { k } else { left };
        let into_care = |under_5| Key {
            place: Place::Care,
            care_clock: 0,
            under_5,
            legal: LEGAL_DRAWN,
            uasc: false,
            intensive: false,
            ..entering
        };
        let care = [self.later(into_care(false)), self.later(into_care(true))];
        // Home: a plan is a new case; a closed case keeps its clock (from when it closed).
        let home_key =
            |place, case_clock| Key { place, case_clock, return_clock: 0, care_clock: 0, been_in_care: true, ..k };
        let home = [
            self.later(home_key(Place::ChildProtection, 0)),
            self.later(home_key(Place::ChildInNeed, 0)),
            self.later(home_key(Place::Closed, k.case_clock)),
        ];
        let born = self.later(Key { return_clock: self.p.caps.reentry, been_in_care: false, ..k });
        let t = Trans { stay, waiting, child_in_need, child_protection, closed, care, home, born };
        if self.trans.len() <= r as usize {
            self.trans.resize(r as usize + 1, None);
        }
        self.trans[r as usize] = Some(t);
        t
    }

    /// Contact hazard (per child-month) by `route` (identification, referral, crisis) from pool
    /// `pool` (0 never known, 1 known before) for need level `need` and band `b` in month `t`,
    /// before the recently-closed and after-closure multipliers.
    fn contact_hazard(&self, pool: usize, route: usize, need: usize, b: usize, t: i32) -> f64 {
        let m = self.p.m;
        let pol = self.p.policy(t);
        let rates = if pool == 0 { &m.not_known } else { &m.previously_known };
        rates.hazard(pol, route, need, b, m.contact_need[need], || self.p.entry.at(b, t))
    }

    /// Month `t`'s events of this need level's children, up to the queues: next month's rows
    /// less the early help starts and intensive support. Returns the children in early help
    /// and waiting for it after the events (the demand on the early help queue).
    pub(super) fn events(&mut self, t: i32, rec: &mut Record) -> EarlyHelpDemand {
        if t > 0 {
            self.layout = Layout::new(self.layout.width, t);
            self.rows.shift = self.layout.shift;
            self.birthdays(t, rec);
            self.births(t, rec);
        }
        if self.tolerance > 0.0 {
            self.merge_small_rows();
        }
        self.family_births.iter_mut().for_each(|b| *b = 0.0);
        self.care_before.fill(0.0);
        self.care_leaving.fill(0.0);
        self.care_moving.fill(0.0);
        self.care_entering.fill(0.0);
        for pool in 0..2 {
            self.pool_contacts(pool, t, rec);
        }
        // Every live row's destinations first (this may add rows), so that this month's rows
        // can be read in place while next month's are written.
        for r in 0..self.rows.keys.len() {
            if self.rows.live_now[r] {
                self.trans(r as u32);
            }
        }
        self.refresh_chances(t);
        let now = std::mem::take(&mut self.rows.now);
        for (r, v) in now.chunks_exact(self.layout.stride).enumerate() {
            self.row_events(r as u32, v, t, rec);
        }
        self.rows.now = now;
        self.settle_moves_away();
        self.early_help_demand()
    }

    /// The end of month `t`: record it and move on to the next.
    pub(super) fn end_month(&mut self, t: i32, rec: &mut Record) {
        rec.month(self, t);
        self.rows.advance();
        std::mem::swap(&mut self.placements, &mut self.placements_next);
        for row in &mut self.placements_next {
            row.fill(0.0);
        }
    }

    /// Month `t`'s inputs to the event chances: a new epoch (every cached chance stale) if
    /// they differ from last month's; and the month's stuck placement moves by band.
    fn refresh_chances(&mut self, t: i32) {
        let pol = self.p.policy(t);
        let inputs = (self.p.period_index(t), std::array::from_fn(|b| self.p.entry.at(b, t).to_bits()));
        // The care levers read the placements, which change every month.
        let levers = pol.reunification_multiplier != 1.0
            || pol.special_guardianship_multiplier != 1.0
            || pol.step_down_multiplier != 1.0;
        if levers || self.chance_inputs != Some(inputs) {
            self.chance_epoch += 1;
            self.chance_inputs = Some(inputs);
        }
        self.chance_cache.resize(self.rows.keys.len() * self.chance_classes, CachedChances::STALE);
        self.stuck_by_band = std::array::from_fn(|b| self.stuck(b, t));
    }

    /// Rows holding fewer than `tolerance` children go to the row with their windows (recently
    /// closed, after early help) over: many rows hold a tiny fraction of a child. The re-entry
    /// window is kept: ending it for the merged children made re-entries to care 2% to 3% low
    /// (`docs/expected.md`, "Speed").
    fn merge_small_rows(&mut self) {
        let caps = self.p.caps;
        for r in 0..self.rows.keys.len() {
            if !self.rows.live_now[r] {
                continue;
            }
            let mass = if self.masses_known { self.mass[r] } else { fast_sum(self.rows.now(r as u32)) };
            if mass >= self.tolerance {
                continue;
            }
            // The row with the windows over, looked up once (`NONE`: the row itself).
            const NONE: u32 = u32::MAX;
            self.coarse.resize(self.rows.keys.len(), None);
            let c = match self.coarse[r] {
                Some(c) => c,
                None => {
                    let k = self.rows.keys[r];
                    let coarse = Key { case_clock: u16::MAX, eh_clock: caps.after, ..k }.canonical(&caps, self.table);
                    let c = if coarse == k { NONE } else { self.rows.row(coarse) };
                    self.coarse[r] = Some(c);
                    c
                }
            };
            if c == NONE {
                continue;
            }
            if self.masses_known {
                self.mass.resize(self.rows.keys.len(), 0.0);
                if !self.rows.live_now[c as usize] {
                    self.mass[c as usize] = 0.0;
                }
                self.mass[c as usize] += mass;
            }
            let span = self.rows.span(r as u32);
            self.merged.clear();
            self.merged.extend_from_slice(&self.rows.now[span.clone()]);
            self.rows.now[span].fill(0.0);
            self.rows.live_now[r] = false;
            for (x, y) in self.rows.now_mut(c).iter_mut().zip(&self.merged) {
                *x += y;
            }
        }
    }

    /// The children who turn 18 leave: in the rows and placements, the share of the window
    /// holding age 216 months that is that old (its children spread evenly over its months);
    /// the pools age.
    fn birthdays(&mut self, t: i32, rec: &mut Record) {
        let layout = &self.layout;
        let (width, offset) = (layout.width, layout.offset);
        let top = (MONTHS + width - 1 - offset) / width;
        let (first, last) = ((top * width + offset + 1).saturating_sub(width), top * width + offset);
        let months = last.min(MONTHS) + 1 - first.max(1);
        let leaving = if months == 1 { 1.0 } else { 1.0 / months as f64 };
        for r in 0..self.rows.keys.len() {
            if !self.rows.live_now[r] {
                continue;
            }
            let cell = self.rows.span(r as u32).start + top;
            let gone = if months == 1 {
                std::mem::take(&mut self.rows.now[cell])
            } else {
                let gone = self.rows.now[cell] * leaving;
                self.rows.now[cell] -= gone;
                gone
            };
            if gone != 0.0 && self.masses_known {
                self.mass[r] -= gone;
            }
            if gone != 0.0 {
                if self.rows.keys[r].place == Place::Care {
                    rec.flow(Move::CareToLeaver, t, gone);
                    rec.series(Series::LacExits, t, gone);
                } else {
                    rec.flow(Move::TurnedEighteen, t, gone);
                }
            }
        }
        for row in &mut self.placements {
            row[top] -= if months == 1 { row[top] } else { row[top] * leaving };
        }
        let need = self.need;
        for pool in &mut self.pools {
            for g in pool.iter_mut().skip(need).take(1) {
                rec.flow(Move::TurnedEighteen, t, g[215]);
                g.copy_within(0..215, 1);
                g[0] = 0.0;
            }
        }
    }

    /// Births into the never-known pool at the start of month `t`.
    fn births(&mut self, t: i32, rec: &mut Record) {
        let m = self.p.m;
        let per_month = f64::from(m.scenario.population.under_18) / 216.0;
        for g in (self.need..m.localities * 3).step_by(3) {
            let (l, n) = (g / 3, g % 3);
            self.birth_carry[g] += per_month * m.locality_share[l] * m.locality_need[l][n];
            let due = self.birth_carry[g].floor();
            self.birth_carry[g] -= due;
            let born = (due - self.family_births[n] * self.p.locality_of_need[n][l]).max(0.0);
            self.pools[0][n][0] += born;
            rec.flow(Move::Birth, t, born);
        }
        let _ = t;
    }

    /// Contacts out of pool `pool`, route after route, each from the children the routes before
    /// left.
    fn pool_contacts(&mut self, pool: usize, t: i32, rec: &mut Record) {
        let m = self.p.m;
        let per_contact = self.p.family_mean;
        self.crisis_family_size = per_contact;
        {
            let (g, need) = (self.need, self.need);
            for route in 0..3 {
                let hazard: [f64; AgeBand::COUNT] =
                    std::array::from_fn(|b| self.contact_hazard(pool, route, need, b, t) * per_contact);
                let by_age = if route == 2 { self.p.entry.by_age } else { None };
                let mut taken = [0.0; MONTHS];
                let mut total = 0.0;
                let cohort = &mut self.pools[pool][g];
                for a in 0..MONTHS {
                    let factor = by_age.map_or(1.0, |f| f[a / 12]);
                    let x = (cohort[a] * hazard[BAND_OF_AGE[a] as usize] * factor).min(cohort[a]);
                    cohort[a] -= x;
                    taken[a] = x;
                    total += x;
                }
                if total == 0.0 {
                    continue;
                }
                if route < 2 {
                    // Entries to care are counted as they enter.
                    rec.flow(MOVES_FROM_POOL[pool][route], t, total);
                }
                let (stride, end) = (self.layout.stride, self.layout.end);
                // Into care, by band: a window can hold children of two bands.
                let banded = route == 2 && self.layout.width > 1;
                for abuse_neglect in [true, false] {
                    // Into the row at the window of the child's month of age.
                    let mut share = vec![0.0; stride];
                    let mut by_band = vec![vec![0.0; if banded { stride } else { 0 }]; AgeBand::COUNT];
                    for a in 0..MONTHS {
                        let b = BAND_OF_AGE[a] as usize;
                        let an = m.abuse_neglect[b];
                        let x = taken[a] * if abuse_neglect { an } else { 1.0 - an };
                        let i = self.layout.window(a);
                        share[i] += x;
                        if banded {
                            by_band[b][i] += x;
                        }
                    }
                    let r = self.row_now(Key::fresh(g as u16, abuse_neglect, &self.p.caps));
                    let tr = self.trans(r);
                    let mv = MOVES_FROM_POOL[pool][route];
                    if banded {
                        for (b, v) in by_band.iter().enumerate() {
                            let lo = self.layout.window(BAND_EDGES[b]);
                            let hi = self.layout.window(BAND_EDGES[b + 1] - 1) + 1;
                            self.contact(route, tr, r, v, lo, hi, 1.0, Some(b), t, rec);
                        }
                    } else {
                        self.contact(route, tr, r, &share, 0, end, 1.0, None, t, rec);
                    }
                    let key = self.rows.keys[r as usize];
                    self.record_entries(&key, mv, pool == 0, t, rec);
                }
            }
        }
    }

    /// Children `v` (ages `lo..hi`, times `scale`) of row `r` (transitions `tr`) come into
    /// contact by `route`: the waiting list, an assessment, or care (tallied: the caller
    /// records the entries, [`Projection::record_entries`]).
    #[allow(clippy::too_many_arguments)]
    fn contact(
        &mut self,
        route: usize,
        tr: Trans,
        r: u32,
        v: &[f64],
        lo: usize,
        hi: usize,
        scale: f64,
        band: Option<usize>,
        t: i32,
        rec: &mut Record,
    ) {
        let total: f64 = v[lo..hi].iter().sum::<f64>() * scale;
        match route {
            0 => add(&mut self.rows, tr.waiting, v, lo, hi, scale),
            1 => {
                let m = self.p.m;
                let [cin, cp, eh] = m.assessment;
                let nfa = (1.0 - cin - cp - eh).max(0.0);
                rec.series(Series::Assessments, t, total);
                rec.flow(Move::ReferralToChildInNeed, t, total * cin);
                rec.flow(Move::ReferralToChildProtection, t, total * cp);
                rec.flow(Move::ReferralToEarlyHelp, t, total * eh);
                rec.flow(Move::ReferralToClosed, t, total * nfa);
                add(&mut self.rows, tr.child_in_need, v, lo, hi, scale * cin);
                add(&mut self.rows, tr.child_protection, v, lo, hi, scale * cp);
                add(&mut self.rows, tr.waiting, v, lo, hi, scale * eh);
                // No further action: a closed case stays as it was, its clock not restarted.
                add(&mut self.rows, tr.stay, v, lo, hi, scale * nfa);
            }
            _ => {
                // A crisis takes the child whose crisis it is into care, and its brothers and
                // sisters with probability `sibling_group_entry`; those left at home are on a
                // child in need plan. A family of `size` children sends this share into care.
                let m = self.p.m;
                let size = self.crisis_family_size;
                let into_care = (1.0 + m.sibling_group_entry * (size - 1.0)) / size;
                self.enter_care(tr, r, v, lo, hi, scale * into_care, band);
                add(&mut self.rows, tr.child_in_need, v, lo, hi, scale * (1.0 - into_care));
            }
        }
    }

    /// Children `v` (windows `lo..hi`, times `scale`) of row `r` enter care: all of age band
    /// `band`, or without one each window's share of each band. The entries are tallied by
    /// band and year of age, and recorded once a row ([`Projection::record_entries`]).
    #[allow(clippy::too_many_arguments)]
    fn enter_care(&mut self, tr: Trans, r: u32, v: &[f64], lo: usize, hi: usize, scale: f64, band: Option<usize>) {
        let key = self.rows.keys[r as usize];
        let by_band = &mut self.entries_by_band;
        let first_entry = !key.been_in_care;
        let by_year = &mut self.entries_by_year;
        let layout = &self.layout;
        // Entered under five (bands 0 and 1) or not: the row for adoption.
        let mut enter = |rows: &mut Rows, entering: &mut [f64], b: usize, from: usize, to: usize, scale: f64| {
            add(rows, tr.care[usize::from(b < 2)], v, from, to, scale);
            for (x, y) in entering[from..to].iter_mut().zip(&v[from..to]) {
                *x += y * scale;
            }
            by_band[b] += fast_sum(&v[from..to]) * scale;
            if first_entry {
                // By single year of age: a window's children in band `b` spread evenly over
                // its months in the band.
                for a in from..to {
                    let x = v[a] * scale;
                    let [(y0, w0), (y1, w1)] = layout.years_in_band[a * AgeBand::COUNT + b];
                    by_year[y0] += x * w0;
                    if w1 > 0.0 {
                        by_year[y1] += x * w1;
                    }
                }
            }
        };
        match band {
            Some(b) => enter(&mut self.rows, &mut self.care_entering, b, lo, hi, scale),
            None => {
                for &Segment { band: b, start, end, part, .. } in &self.layout.by_band {
                    let (from, to) = (start.max(lo), end.min(hi));
                    if from < to {
                        enter(&mut self.rows, &mut self.care_entering, b, from, to, scale * part);
                    }
                }
            }
        }
    }

    /// Record the entries to care tallied since the last call ([`Projection::enter_care`]),
    /// of a row with key `key`, by move `mv`, and start the tally again.
    fn record_entries(&mut self, key: &Key, mv: Move, not_previously_known: bool, t: i32, rec: &mut Record) {
        let by_band = std::mem::take(&mut self.entries_by_band);
        let by_year = std::mem::take(&mut self.entries_by_year);
        let total: f64 = by_band.iter().sum();
        if total == 0.0 {
            return;
        }
        // Mostly one band: adding the others' zeros would change nothing.
        for (b, &x) in by_band.iter().enumerate().filter(|(_, x)| **x != 0.0) {
            if key.been_in_care {
                rec.series(Series::LacReentries, t, x);
            } else {
                rec.series(Series::FIRST_ENTRIES_BY_BAND[b], t, x);
            }
        }
        if !key.been_in_care {
            for (s, x) in Series::FIRST_ENTRIES_BY_AGE.into_iter().zip(by_year).filter(|(_, x)| *x != 0.0) {
                rec.series(s, t, x);
            }
        }
        rec.series(Series::EntriesAged5Plus, t, by_band[2..].iter().sum());
        rec.flow(mv, t, total);
        rec.series(Series::LacEntries, t, total);
        if not_previously_known {
            rec.series(Series::EntriesNotPreviouslyKnown, t, total);
        }
        if key.abuse_neglect {
            rec.series(Series::EntriesAbuseNeglect, t, total);
        }
        // One application per family entry: brothers and sisters come in together.
        let m = self.p.m;
        let per_entry = 1.0 + m.sibling_group_entry * (self.p.family_biased - 1.0);
        rec.series(Series::CareProceedings, t, total * m.care_proceedings_share / per_entry);
    }

    /// Monthly hazards of row `k`'s children in band `b` in month `t`, and the legal and
    /// placement shares the care levers read: closed: identification, referral, crisis,
    /// moving away, -; open: care entry, close, step up, step down, moving away; in care:
    /// return home, adoption, special guardianship, other exit, placement move. The sixth is
    /// a birth into the family.
    fn hazards(&self, k: &Key, b: usize, t: i32) -> [f64; 6] {
        let p = self.p;
        let m = p.m;
        let pol = p.policy(t);
        let need = (k.group % 3) as usize;
        let after = if i32::from(k.eh_clock) < pol.eh_after_months { pol.eh_effect_after } else { 1.0 };
        let siblings = p.family_biased;
        match k.place {
            Place::Closed => {
                let recent =
                    if i32::from(k.case_clock) < m.recently_closed_months { m.recently_closed_multiplier } else { 1.0 };
                let h = |route| self.contact_hazard(1, route, need, b, t) * recent * siblings;
                [h(0), h(1) * after, h(2) * after, m.move_away_hazard, 0.0, 0.0]
            }
            Place::Care => {
                let d = if k.care_clock < 6 {
                    0
                } else if k.care_clock < 24 {
                    1
                } else {
                    2
                };
                let months_in = i32::from(k.care_clock);
                let eligible = months_in >= m.adoption_min_months;
                let mut h = match &p.exits {
                    Some(exits) => [
                        exits[0][b][d],
                        if eligible { exits[1][b][d] } else { 0.0 },
                        exits[2][b][d],
                        exits[3][b][d],
                        p.placement_move,
                        0.0,
                    ],
                    None => [
                        m.return_home[d],
                        if k.under_5 && eligible { m.adoption_under_5 } else { 0.0 },
                        m.special_guardianship,
                        m.other_exit,
                        p.placement_move,
                        0.0,
                    ],
                };
                let levers = pol.reunification_multiplier != 1.0
                    || pol.special_guardianship_multiplier != 1.0
                    || pol.step_down_multiplier != 1.0;
                if !levers {
                    return h;
                }
                let legal = k.legal_shares(m.care_proceedings_share, m.interim_order_months);
                let placed = self.placement_shares(b);
                let lever = |target, multiplier: f64| {
                    if multiplier == 1.0 {
                        1.0
                    } else {
                        1.0 + (multiplier - 1.0) * pick_chance(target, &placed, &legal, months_in)
                    }
                };
                h[0] *= lever(&pol.reunification_target, pol.reunification_multiplier);
                h[2] *= lever(&pol.special_guardianship_target, pol.special_guardianship_multiplier);
                if pol.step_down_multiplier != 1.0 {
                    let picked = pick_chance(&pol.step_down_target, &placed, &legal, months_in);
                    let mix = if b >= 3 { &pol.mix_10_plus } else { &pol.mix_under_10 };
                    let shares = Params::shares(mix);
                    let family: f64 = shares[..3].iter().sum();
                    h[4] *= 1.0 + picked * (pol.step_down_multiplier - 1.0) * family;
                }
                h
            }
            place => {
                let contact = m.contact_need[need];
                let escalation =
                    m.escalation_need[need] * if k.abuse_neglect { m.abuse_neglect_care_multiplier } else { 1.0 };
                let reentry = if i32::from(k.return_clock) < m.reentry_months {
                    1.0 + (p.reentry_multiplier - 1.0) * pol.reentry_multiplier
                } else {
                    1.0
                };
                // The early help effect on care entry reaches the index child only unless
                // `whole_family`: one child in `family_mean`.
                let eh_care = if pol.whole_family {
                    pol.eh_effect_care
                } else {
                    1.0 + (pol.eh_effect_care - 1.0) / p.family_mean
                };
                let eh_up = m.eh_step_up_multiplier * m.not_known.referral[b] * contact * siblings;
                let (care, close, up, down) = match place {
                    Place::Waiting => {
                        (m.eh_care_entry_multiplier * m.not_known.crisis[b] * contact, m.waiting_dropout, eh_up, 0.0)
                    }
                    Place::EarlyHelp => (
                        m.eh_care_entry_multiplier * m.not_known.crisis[b] * contact * eh_care,
                        if k.case_clock >= 3 { pol.eh_close_hazard } else { 0.0 },
                        eh_up * pol.eh_effect_escalation,
                        0.0,
                    ),
                    Place::ChildInNeed => (
                        m.cin.care_entry[b] * escalation,
                        m.cin.close,
                        m.cin.step_up * m.escalation_need[need],
                        m.cin.step_down,
                    ),
                    _ => (m.cp.care_entry[b] * escalation, m.cp.close, 0.0, m.cp.step_down),
                };
                let intensive = if k.intensive { pol.sis_effect_care } else { 1.0 };
                // A child's own care entry, and its brothers' and sisters' who come with them.
                let together = 1.0 + m.sibling_group_entry * (siblings - 1.0);
                let care = care * after * p.entry.at(b, t) * reentry * intensive * together;
                let births = if b <= 2 { m.family_birth_hazard / siblings } else { 0.0 };
                [care, close, up, down, m.move_away_hazard, births]
            }
        }
    }

    /// Placement shares of the children in care in band `b` this month.
    fn placement_shares(&self, b: usize) -> [f64; Placement::COUNT] {
        let layout = &self.layout;
        let (first, last) = (BAND_EDGES[b], BAND_EDGES[b + 1]);
        let windows = layout.window(first)..(layout.window(last - 1) + 1).min(layout.end);
        let by: [f64; Placement::COUNT] = std::array::from_fn(|p| {
            windows.clone().map(|i| self.placements[p][i] * layout.share(i, first, last)).sum()
        });
        let total: f64 = by.iter().sum();
        if total > 0.0 { by.map(|x| x / total) } else { [1.0 / Placement::COUNT as f64; Placement::COUNT] }
    }

    /// The month's events of row `r`'s children.
    fn row_events(&mut self, r: u32, v: &[f64], t: i32, rec: &mut Record) {
        if !self.rows.live_now[r as usize] {
            return;
        }
        let Some(lo) = v.iter().position(|&x| x != 0.0) else { return };
        let hi = v.iter().rposition(|&x| x != 0.0).map_or(lo, |i| i + 1).min(self.layout.end);
        if lo >= hi {
            return;
        }
        let tr = self.trans(r);
        let k = self.rows.keys[r as usize];
        // With care entry by single year of age, each year of the band is a segment of its own.
        let by_year = self.p.entry.by_age.is_some();
        let count = if by_year { self.layout.by_year.len() } else { self.layout.by_band.len() };
        // A window spanning two bands (or years) is one stretch: its children's band-free moves
        // at the chances mixed by its share in each, its entries to care (counted by band)
        // by part.
        let mut i = 0;
        while i < count {
            let segment = |i: usize| if by_year { self.layout.by_year[i] } else { self.layout.by_band[i] };
            let first = segment(i);
            let mut parts = 1;
            while first.part < 1.0 && i + parts < count && segment(i + parts).start == first.start {
                parts += 1;
            }
            let (from, to) = (first.start.max(lo), first.end.min(hi));
            if from < to {
                let mut chances = [Part { band: 0, part: 0.0, happen: 0.0, chances: [0.0; 6] }; 2];
                for (j, part) in chances.iter_mut().enumerate().take(parts.min(2)) {
                    let segment = segment(i + j);
                    let class = if by_year { segment.year } else { segment.band };
                    let slot = r as usize * self.chance_classes + class;
                    let cached = self.chance_cache[slot];
                    let (happen, c) = if cached.epoch == self.chance_epoch {
                        (cached.happen, cached.chances)
                    } else {
                        let chances = self.chances(&k, segment, t);
                        self.chance_cache[slot] =
                            CachedChances { epoch: self.chance_epoch, happen: chances.0, chances: chances.1 };
                        chances
                    };
                    *part = Part { band: segment.band, part: segment.part, happen, chances: c };
                }
                debug_assert!(parts <= 2, "a window spans at most two bands or years");
                self.segment_events(r, tr, k, v, from, to, &chances[..parts.min(2)], t, rec);
            }
            i += parts;
        }
        let into_care = match k.place {
            Place::Care => return,
            Place::Closed => Move::KnownToCare,
            Place::ChildInNeed => Move::ChildInNeedToCare,
            Place::ChildProtection => Move::ChildProtectionToCare,
            Place::Waiting | Place::EarlyHelp => Move::EarlyHelpToCare,
        };
        self.record_entries(&k, into_care, false, t, rec);
    }

    /// The chance that anything happens this month to a child of row `k` in `segment`'s band
    /// (and year of age), and of each event ([`Projection::hazards`]' order).
    fn chances(&self, k: &Key, segment: Segment, t: i32) -> (f64, [f64; 6]) {
        let entry_by_age = self.p.entry.by_age.as_ref().map_or(1.0, |by_age| by_age[segment.year]);
        let mut h = self.hazards(k, segment.band, t);
        match k.place {
            Place::Care => {}
            Place::Closed => h[2] *= entry_by_age,
            _ => h[0] *= entry_by_age,
        }
        let all: f64 = h.iter().sum();
        let happen = if all > 0.0 { 1.0 - (-all).exp() } else { 0.0 };
        (happen, h.map(|x| if all > 0.0 { happen * x / all } else { 0.0 }))
    }

    /// The month's events of row `r`'s children `v` in windows `from..to` of `segment`.
    #[allow(clippy::too_many_arguments)]
    fn segment_events(
        &mut self,
        r: u32,
        tr: Trans,
        k: Key,
        v: &[f64],
        from: usize,
        to: usize,
        parts: &[Part],
        t: i32,
        rec: &mut Record,
    ) {
        let m = self.p.m;
        {
            let total = fast_sum(&v[from..to]);
            if total == 0.0 {
                return;
            }
            let (happen, c) = match parts {
                [whole] if whole.part == 1.0 => (whole.happen, whole.chances),
                _ => {
                    let happen = parts.iter().map(|p| p.part * p.happen).sum();
                    let c = std::array::from_fn(|e| parts.iter().map(|p| p.part * p.chances[e]).sum());
                    (happen, c)
                }
            };
            // Births leave the parent where it is.
            add(&mut self.rows, tr.stay, v, from, to, 1.0 - happen + c[5]);
            if c[5] > 0.0 {
                let born = total * c[5];
                let g = k.group as usize;
                self.family_births[g] += born;
                rec.flow(Move::Birth, t, born);
                // Born this month (age 0), a month old next month.
                self.rows.next_mut(tr.born)[self.layout.shift] += born;
            }
            match k.place {
                Place::Closed => {
                    self.crisis_family_size = self.p.family_biased;
                    for (route, mv) in
                        [Move::KnownToEarlyHelp, Move::KnownToReferral, Move::KnownToCare].into_iter().enumerate()
                    {
                        if route == 2 {
                            // Into care: by band.
                            for part in parts {
                                let c = part.part * part.chances[route];
                                if c > 0.0 {
                                    self.contact(route, tr, r, v, from, to, c, Some(part.band), t, rec);
                                }
                            }
                        } else if c[route] > 0.0 {
                            rec.flow(mv, t, total * c[route]);
                            self.contact(route, tr, r, v, from, to, c[route], None, t, rec);
                        }
                    }
                    self.move_away(k, v, from, to, c[3], t, rec);
                }
                Place::Care => {
                    rec.series(Series::LacExits, t, total * (c[0] + c[1] + c[2] + c[3]));
                    rec.flow(Move::CareToHome, t, total * c[0]);
                    let rt = m.return_to;
                    let rt_total: f64 = rt.iter().sum::<f64>().max(f64::MIN_POSITIVE);
                    for j in 0..3 {
                        add(&mut self.rows, tr.home[j], v, from, to, c[0] * rt[j] / rt_total);
                    }
                    rec.flow(Move::CareToAdoption, t, total * c[1]);
                    rec.flow(Move::CareToSpecialGuardianship, t, total * c[2]);
                    rec.flow(Move::CareToOtherExit, t, total * c[3]);
                    add(&mut self.rows, tr.stay, v, from, to, c[4]);
                    let leave = c[0] + c[1] + c[2] + c[3];
                    for a in from..to {
                        self.care_before[a] += v[a];
                        self.care_leaving[a] += v[a] * leave;
                        self.care_moving[a] += v[a] * c[4];
                    }
                    let moving: f64 =
                        parts.iter().map(|p| p.part * p.chances[4] * (1.0 - self.stuck_by_band[p.band])).sum();
                    rec.flow(Move::PlacementMove, t, total * moving);
                }
                place => {
                    // Into care: tallied, recorded once the row's stretches are done.
                    for part in parts {
                        let c = part.part * part.chances[0];
                        if c > 0.0 {
                            self.enter_care(tr, r, v, from, to, c, Some(part.band));
                        }
                    }
                    match place {
                        Place::Waiting | Place::EarlyHelp => {
                            let close =
                                if place == Place::Waiting { Move::WaitingToClosed } else { Move::EarlyHelpToClosed };
                            rec.flow(close, t, total * c[1]);
                            add(&mut self.rows, tr.closed, v, from, to, c[1]);
                            let to_cp = m.eh_step_up_to_cp;
                            rec.flow(Move::EarlyHelpToChildProtection, t, total * c[2] * to_cp);
                            rec.flow(Move::EarlyHelpToChildInNeed, t, total * c[2] * (1.0 - to_cp));
                            add(&mut self.rows, tr.child_protection, v, from, to, c[2] * to_cp);
                            add(&mut self.rows, tr.child_in_need, v, from, to, c[2] * (1.0 - to_cp));
                        }
                        _ => {
                            let to_eh = if place == Place::ChildInNeed {
                                m.cin.close_to_early_help
                            } else {
                                m.cp.close_to_early_help
                            };
                            rec.flow(Move::SocialCareToEarlyHelp, t, total * c[1] * to_eh);
                            rec.flow(Move::SocialCareToClosed, t, total * c[1] * (1.0 - to_eh));
                            add(&mut self.rows, tr.waiting, v, from, to, c[1] * to_eh);
                            add(&mut self.rows, tr.closed, v, from, to, c[1] * (1.0 - to_eh));
                            rec.flow(Move::ChildInNeedToChildProtection, t, total * c[2]);
                            add(&mut self.rows, tr.child_protection, v, from, to, c[2]);
                            if place == Place::ChildProtection {
                                rec.flow(Move::ChildProtectionToChildInNeed, t, total * c[3]);
                                add(&mut self.rows, tr.child_in_need, v, from, to, c[3]);
                            } else {
                                rec.flow(Move::SocialCareToEarlyHelp, t, total * c[3]);
                                add(&mut self.rows, tr.waiting, v, from, to, c[3]);
                            }
                        }
                    }
                    self.move_away(k, v, from, to, c[4], t, rec);
                }
            }
        }
    }

    /// The share of placement moves in band `b` that cannot happen (the mix for the child's
    /// age has one type only, the one it is in).
    fn stuck(&self, b: usize, t: i32) -> f64 {
        let pol = self.p.policy(t);
        let mix = Params::shares(if b >= 3 { &pol.mix_10_plus } else { &pol.mix_under_10 });
        let mut types = (0..Placement::COUNT).filter(|&j| mix[j] > 0.0);
        match (types.next(), types.next()) {
            (Some(only), None) => self.placement_shares(b)[only],
            _ => 0.0,
        }
    }

    /// Children `v` (ages `from..to`, times `c`) of a family moving away go back to the
    /// never-known pool, after this month's contacts.
    #[allow(clippy::too_many_arguments)]
    fn move_away(&mut self, k: Key, v: &[f64], from: usize, to: usize, c: f64, t: i32, rec: &mut Record) {
        if c <= 0.0 {
            return;
        }
        debug_assert_eq!(k.group as usize, self.need);
        let mut total = 0.0;
        for (sum, y) in self.moving_away[from..to].iter_mut().zip(&v[from..to]) {
            let x = y * c;
            *sum += x;
            total += x;
        }
        rec.flow(Move::MovedAway, t, total);
    }

    /// The month's children moving away go back to the never-known pool, each window's spread
    /// evenly over its months: once a month rather than once a row, as nothing reads the pool
    /// between the contacts and the end of the month.
    fn settle_moves_away(&mut self) {
        let pool = &mut self.pools[0][self.need];
        let layout = &self.layout;
        for (i, x) in self.moving_away.iter_mut().enumerate().take(layout.end) {
            let (first, last) = (layout.first[i], layout.last[i]);
            if first == last {
                pool[first] += *x;
            } else {
                let each = *x / (last + 1 - first) as f64;
                for month in &mut pool[first..=last] {
                    *month += each;
                }
            }
            *x = 0.0;
        }
    }

    /// This need level's children in early help and waiting for it, next month, in all and
    /// five or over.
    fn early_help_demand(&self) -> EarlyHelpDemand {
        let mut d = EarlyHelpDemand::default();
        let stride = self.layout.stride;
        for (r, k) in self.rows.keys.iter().enumerate() {
            if !self.rows.live_next[r] || !matches!(k.place, Place::EarlyHelp | Place::Waiting) {
                continue;
            }
            let v = self.rows.next(r as u32);
            let all = fast_sum(v);
            let five_plus: f64 = (0..stride).map(|a| v[a] * self.five_plus_next(a)).sum();
            if k.place == Place::EarlyHelp {
                d.in_eh += all;
                d.in_eh_five_plus += five_plus;
            } else {
                d.waiting += all;
                d.waiting_five_plus += five_plus;
            }
        }
        d
    }

    /// The share of next month's window `a` whose children are five or over this month (next
    /// month's window `a` is this month's `a - shift`).
    #[inline]
    fn five_plus_next(&self, a: usize) -> f64 {
        let layout = &self.layout;
        if a >= layout.shift { layout.share(a - layout.shift, 60, MONTHS) } else { 0.0 }
    }

    /// Free early help places go to waiting families (a fluid queue): the share of each need
    /// level's waiting children under five and five or over that start in month `t`, given each
    /// need level's children in early help and waiting. Rows are by need level, not locality:
    /// each locality holds its share of every need level's children (as the outputs split
    /// them), so its free places, in families, start the same share of its waiting children of
    /// each need (highest need first with `by_need`), and a need level's share is the mean of
    /// its localities' shares. With `over_fives_share` the free places go first to whichever of
    /// the two age groups is below its target share of the hub's caseload, as the Monte Carlo's
    /// place-by-place rule does, here counted in children (the Monte Carlo counts families by
    /// their index child).
    pub(super) fn early_help_shares(p: &Params<'_>, t: i32, demand: &[EarlyHelpDemand; 3]) -> [StartShares; 3] {
        let pol = p.policy(t);
        let mut start = [StartShares::default(); 3];
        for l in 0..p.m.localities {
            let split = |n: usize| p.locality_of_need[n][l];
            let here_in_eh: f64 = (0..3).map(|n| demand[n].in_eh * split(n)).sum();
            let here_waiting: [f64; 3] = std::array::from_fn(|n| demand[n].waiting * split(n));
            let places = f64::from(pol.places.get(l).copied().unwrap_or(0));
            let mut free = (places - here_in_eh / p.family_mean).max(0.0) * p.family_mean;
            let mut share = [StartShares::default(); 3];
            match pol.allocation {
                Allocation::ByNeed => {
                    for n in [2, 1, 0] {
                        let w = here_waiting[n];
                        if w > 0.0 {
                            let s = (free / w).min(1.0);
                            share[n] = StartShares { under_five: s, five_plus: s };
                            free -= s * w;
                        }
                    }
                }
                Allocation::FirstCome => {
                    let w: f64 = here_waiting.iter().sum();
                    let s = if w > 0.0 { (free / w).min(1.0) } else { 0.0 };
                    share = [StartShares { under_five: s, five_plus: s }; 3];
                }
                Allocation::OverFivesShare => {
                    let in_eh_five_plus: f64 = (0..3).map(|n| demand[n].in_eh_five_plus * split(n)).sum();
                    let waiting_five_plus: f64 = (0..3).map(|n| demand[n].waiting_five_plus * split(n)).sum();
                    let waiting_under_five = (here_waiting.iter().sum::<f64>() - waiting_five_plus).max(0.0);
                    let free = free.min(waiting_five_plus + waiting_under_five);
                    // Over-fives until they hold the target share of the caseload with the new
                    // starts; the rest to under-fives; what one group cannot use to the other.
                    let wanted = (pol.over_fives_target * (here_in_eh + free) - in_eh_five_plus).clamp(0.0, free);
                    let mut five_plus = wanted.min(waiting_five_plus);
                    let under_five = (free - five_plus).min(waiting_under_five);
                    five_plus = (free - under_five).min(waiting_five_plus);
                    let s = StartShares {
                        under_five: if waiting_under_five > 0.0 { under_five / waiting_under_five } else { 0.0 },
                        five_plus: if waiting_five_plus > 0.0 { five_plus / waiting_five_plus } else { 0.0 },
                    };
                    share = [s; 3];
                }
            }
            for n in 0..3 {
                start[n].under_five += split(n) * share[n].under_five;
                start[n].five_plus += split(n) * share[n].five_plus;
            }
        }
        start
    }

    /// The shares `share` of this need level's waiting children (under five, five or over)
    /// start early help in month `t`.
    pub(super) fn start_early_help(&mut self, t: i32, share: StartShares, rec: &mut Record) {
        if share.under_five <= 0.0 && share.five_plus <= 0.0 {
            return;
        }
        let p = self.p;
        for r in 0..self.rows.keys.len() {
            let k = self.rows.keys[r];
            if k.place != Place::Waiting || !self.rows.live_next[r] {
                continue;
            }
            self.eh_start.resize(self.rows.keys.len(), None);
            let dest = match self.eh_start[r] {
                Some(dest) => dest,
                None => {
                    let key = Key { place: Place::EarlyHelp, case_clock: 1, ..k }.canonical(&p.caps, self.table);
                    let dest = self.rows.row(key);
                    self.eh_start[r] = Some(dest);
                    dest
                }
            };
            let mut moved = 0.0;
            let mut over_fives = 0.0;
            let (from, to) = (self.rows.span(r as u32).start, self.rows.span(dest).start);
            for a in 0..self.layout.stride {
                let waiting = self.rows.next[from + a];
                if waiting == 0.0 {
                    continue;
                }
                let five_plus = self.five_plus_next(a);
                // One share for both ages (all but `over_fives_share`): the older arithmetic,
                // so those projections keep their numbers to the last bit.
                let (x, old) = if share.under_five == share.five_plus {
                    let x = waiting * share.five_plus;
                    (x, x * five_plus)
                } else {
                    let (young, old) =
                        (waiting * (1.0 - five_plus) * share.under_five, waiting * five_plus * share.five_plus);
                    (young + old, old)
                };
                if x == 0.0 {
                    continue;
                }
                self.rows.next[from + a] -= x;
                self.rows.next[to + a] += x;
                self.rows.live_next[dest as usize] = true;
                moved += x;
                over_fives += old;
            }
            rec.flow(Move::EarlyHelpStart, t, moved);
            rec.series(Series::EarlyHelpStarts, t, moved / p.family_mean);
            rec.series(Series::EarlyHelpStartsOverFives, t, over_fives / p.family_mean);
        }
    }

    /// Whether any of this need level's rows receives intensive support.
    pub(super) fn any_intensive(&self) -> bool {
        self.rows.keys.iter().any(|k| k.intensive)
    }

    /// Intensive support ends for a share (`1 / mean_duration`) of this need level's supported
    /// children in month `t`; returns the children still supported.
    pub(super) fn end_intensive_support(&mut self, t: i32) -> f64 {
        let pol = self.p.policy(t);
        let stride = self.layout.stride;
        let mut supported = 0.0;
        let end = pol.sis_end_prob.min(1.0);
        for r in 0..self.rows.keys.len() {
            let k = self.rows.keys[r];
            if !k.intensive || !self.rows.live_next[r] {
                continue;
            }
            let off = self.rows.row(Key { intensive: false, ..k });
            let (from, to) = (self.rows.span(r as u32).start, self.rows.span(off).start);
            self.rows.live_next[off as usize] = true;
            for a in 0..stride {
                let x = self.rows.next[from + a];
                let ending = x * end;
                self.rows.next[from + a] -= ending;
                self.rows.next[to + a] += ending;
                supported += x - ending;
            }
        }
        supported
    }

    /// The share of each of next month's windows (this month's `a - shift`) of the ages
    /// intensive support takes in month `t`.
    fn intensive_ages(&self, t: i32) -> Vec<f64> {
        let pol = self.p.policy(t);
        let layout = &self.layout;
        let (youngest, oldest) = (pol.sis_min_age as usize * 12, (pol.sis_max_age as usize + 1) * 12);
        (0..layout.stride)
            .map(|a| if a >= layout.shift { layout.share(a - layout.shift, youngest, oldest) } else { 0.0 })
            .collect()
    }

    /// Whether intensive support in month `t` can take row `k`'s children: on a plan it takes
    /// and not yet supported.
    fn intensive_case(&self, k: &Key, t: i32) -> bool {
        let pol = self.p.policy(t);
        !k.intensive && (k.place == Place::ChildProtection || (pol.sis_include_cin && k.place == Place::ChildInNeed))
    }

    /// This need level's children eligible for intensive support in month `t` (on a plan, of
    /// the eligible ages, not yet supported).
    pub(super) fn intensive_eligible(&self, t: i32) -> f64 {
        let ages = self.intensive_ages(t);
        let mut eligible = 0.0;
        for (r, k) in self.rows.keys.iter().enumerate() {
            if !self.intensive_case(k, t) || !self.rows.live_next[r] {
                continue;
            }
            let row = self.rows.next(r as u32);
            eligible += ages.iter().zip(row).filter(|(e, _)| **e > 0.0).map(|(e, x)| x * e).sum::<f64>();
        }
        eligible
    }

    /// The share `share` of this need level's eligible children start intensive support in
    /// month `t`.
    pub(super) fn start_intensive_support(&mut self, t: i32, share: f64, rec: &mut Record) {
        let p = self.p;
        let ages = self.intensive_ages(t);
        for r in 0..self.rows.keys.len() {
            let k = self.rows.keys[r];
            if !self.intensive_case(&k, t) || !self.rows.live_next[r] {
                continue;
            }
            let on = self.rows.row(Key { intensive: true, ..k });
            let (from, to) = (self.rows.span(r as u32).start, self.rows.span(on).start);
            self.rows.live_next[on as usize] = true;
            let mut moved = 0.0;
            for (a, &eligible) in ages.iter().enumerate() {
                if eligible > 0.0 {
                    let x = self.rows.next[from + a] * share * eligible;
                    self.rows.next[from + a] -= x;
                    self.rows.next[to + a] += x;
                    moved += x;
                }
            }
            rec.flow(Move::IntensiveSupportStart, t, moved / p.family_mean);
        }
    }

    /// Children in care by placement next month: those who stay, less the moves out of each
    /// type and plus the moves into it (the entry mix for the age without the current type),
    /// plus the entries by the entry mix for their age.
    fn move_placements(&mut self, t: i32) {
        let pol = self.p.policy(t);
        let under_10 = Params::shares(&pol.mix_under_10);
        let ten_plus = Params::shares(&pol.mix_10_plus);
        let step_down = pol.step_down_multiplier;
        let layout = &self.layout;
        for a in 0..layout.end {
            // A window spanning the tenth birthday: each mix for its share.
            let older = layout.share(a, 120, MONTHS);
            let blend: [f64; Placement::COUNT];
            let mix = if older == 0.0 {
                &under_10
            } else if older == 1.0 {
                &ten_plus
            } else {
                blend = std::array::from_fn(|j| older * ten_plus[j] + (1.0 - older) * under_10[j]);
                &blend
            };
            let before = self.care_before[a];
            let (leave, moving) =
                if before > 0.0 { (self.care_leaving[a] / before, self.care_moving[a] / before) } else { (0.0, 0.0) };
            let mut next = [0.0; Placement::COUNT];
            for from in 0..Placement::COUNT {
                let x = self.placements[from][a];
                if x == 0.0 {
                    continue;
                }
                let mut weights = *mix;
                weights[from] = 0.0;
                if step_down != 1.0 {
                    for w in &mut weights[..3] {
                        *w *= step_down;
                    }
                }
                let total: f64 = weights.iter().sum();
                let moved = if total > 0.0 { x * moving } else { 0.0 };
                next[from] += x * (1.0 - leave) - moved;
                if total > 0.0 {
                    for (to, w) in weights.iter().enumerate() {
                        next[to] += moved * w / total;
                    }
                }
            }
            for (j, share) in mix.iter().enumerate() {
                next[j] += self.care_entering[a] * share;
            }
            for (j, x) in next.iter().enumerate() {
                self.placements_next[j][a + layout.shift] = x.max(0.0);
            }
        }
    }

    /// Children in each state by band and locality this month (from next month's arrays, aged
    /// one month on), and the other end-of-month counts.
    pub(super) fn count(&mut self, out: &mut super::output::MonthCounts) {
        let p = self.p;
        let localities = p.m.localities;
        for (pool, state) in [(0, State::NotKnown), (1, State::KnownClosed)] {
            for g in [self.need] {
                let mut by_band = [0.0; AgeBand::COUNT];
                for a in 0..216 {
                    by_band[BAND_OF_AGE[a] as usize] += self.pools[pool][g][a];
                }
                for (b, x) in by_band.iter().enumerate() {
                    for l in 0..localities {
                        out.stocks[state.index()][b][l] += x * p.locality_of_need[g][l];
                    }
                }
            }
        }
        // Children by state, need level and band first, split over localities at the end: the
        // split is the same for every row of a need level.
        let mut by_need = [[[0.0; AgeBand::COUNT]; 3]; State::COUNT];
        self.mass.resize(self.rows.keys.len(), 0.0);
        self.masses_known = true;
        let mut families = [[0.0; 3]; 2];
        let layout = &self.layout;
        // Next month's window `a` is this month's `a - shift`.
        let shift = layout.shift;
        for (r, k) in self.rows.keys.iter().enumerate() {
            if !self.rows.live_next[r] {
                continue;
            }
            let state = match k.place {
                Place::Closed => State::KnownClosed,
                Place::Waiting => State::WaitingEarlyHelp,
                Place::EarlyHelp => State::EarlyHelp,
                Place::ChildInNeed => State::ChildInNeed,
                Place::ChildProtection => State::ChildProtection,
                Place::Care => State::LookedAfter,
            };
            let need = (k.group % 3) as usize;
            let row = self.rows.next(r as u32);
            let mut by_band = [0.0; AgeBand::COUNT];
            for s in &layout.by_band {
                let x = fast_sum(&row[s.start + shift..s.end + shift]);
                by_band[s.band] += if s.part == 1.0 { x } else { x * s.part };
            }
            let total: f64 = by_band.iter().sum();
            // Nothing is written below `shift` or beyond the last window.
            self.mass[r] = total;
            for (sum, x) in by_need[state.index()][need].iter_mut().zip(by_band) {
                *sum += x;
            }
            match k.place {
                Place::EarlyHelp => families[0][need] += total,
                Place::Waiting => families[1][need] += total,
                Place::Care => {
                    let clock = k.care_clock.saturating_sub(1);
                    let at_t = Key { care_clock: clock, ..*k };
                    let shares = at_t.legal_shares(p.m.care_proceedings_share, p.m.interim_order_months);
                    for (s, x) in out.legal.iter_mut().zip(shares) {
                        *s += x * total;
                    }
                    if k.uasc {
                        out.uasc += total;
                    }
                }
                _ => {}
            }
            if k.intensive {
                out.intensive += total / p.family_mean;
            }
        }
        for (state, by_need) in by_need.iter().enumerate() {
            for (need, by_band) in by_need.iter().enumerate() {
                let split = &p.locality_of_need[need];
                for (b, x) in by_band.iter().enumerate() {
                    for (l, w) in split.iter().enumerate() {
                        out.stocks[state][b][l] += x * w;
                    }
                }
            }
        }
        for need in 0..3 {
            for (l, w) in p.locality_of_need[need].iter().enumerate() {
                out.caseloads[l] += families[0][need] / p.family_mean * w;
                out.queues[l] += families[1][need] / p.family_mean * w;
            }
        }
        for (j, row) in self.placements_next.iter().enumerate() {
            out.placements[j] = row[shift..].iter().sum();
        }
    }
}

/// The share `part` of a stretch's children in age band `band` (1: all of them), and their
/// event chances ([`Projection::chances`]).
#[derive(Debug, Clone, Copy)]
struct Part {
    band: usize,
    part: f64,
    happen: f64,
    chances: [f64; 6],
}

/// A row's event chances for one band or year of age ([`Projection::chances`]), worked out in
/// epoch `epoch`.
#[derive(Debug, Clone, Copy)]
struct CachedChances {
    epoch: u32,
    happen: f64,
    chances: [f64; 6],
}

impl CachedChances {
    /// Never valid: the epochs start at 1.
    const STALE: CachedChances = CachedChances { epoch: 0, happen: 0.0, chances: [0.0; 6] };
}

/// The sum of `xs`, in four running sums (which the compiler can vectorise): the order of
/// the additions differs from a plain sum's only in the last bits.
#[inline]
pub(super) fn fast_sum(xs: &[f64]) -> f64 {
    let mut lanes = [0.0; 4];
    let chunks = xs.chunks_exact(4);
    let rest: f64 = chunks.remainder().iter().sum();
    for c in chunks {
        for (s, x) in lanes.iter_mut().zip(c) {
            *s += x;
        }
    }
    (lanes[0] + lanes[1]) + (lanes[2] + lanes[3]) + rest
}

/// `next[d][a + shift] += v[a] x c` for age cells `lo..hi`: a month on (a month older with
/// cells of a month; wider cells age at the start of next month).
#[inline(always)]
fn add(rows: &mut Rows, d: u32, v: &[f64], lo: usize, hi: usize, c: f64) {
    if c == 0.0 {
        return;
    }
    let shift = rows.shift;
    let dst = &mut rows.next_mut(d)[lo + shift..hi + shift];
    for (x, y) in dst.iter_mut().zip(&v[lo..hi]) {
        *x += y * c;
    }
}
