//! The population pools (children never known, and known long ago) held as counts, contacts
//! out of them and out of closed families, births, ageing and 18th birthdays.

use super::*;
use crate::scenario::MAX_FAMILY_SIZE;

/// Which aggregate table a family came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Pool {
    NotKnown,
    Known,
}

/// Routes of contact out of a pool or a closed case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Route {
    Identification,
    Referral,
    Crisis,
}

pub(super) const SIBLING_SEARCH_MONTHS: i32 = 18;

/// A child-month's hazards of contact out of a pool in one month (see [`World::pool_hazards`]).
struct PoolHazards {
    /// By route ([`Route`] order), need level and age band.
    by_band: [[[f64; AgeBand::COUNT]; 3]; 3],
    /// Crisis entry by need level and single year of age, with care-entry factors by age.
    crisis_by_year: Option<[[f64; AGES]; 3]>,
}

impl World<'_> {
    pub(super) fn age_pools(&mut self, t: i32) {
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
    pub(super) fn pool_contacts(&mut self, pool: Pool) {
        let m = self.m;
        let t = self.t;
        // A child-month's hazard by route, need level and band (or single year of age), the
        // same for every locality: once a month, not once a group and route.
        let hazards = self.pool_hazards(pool);
        let cells = rng::Streams::new(self.seed, self.rep, Purpose::PoolCell);
        let families = rng::Streams::new(self.seed, self.rep, Purpose::Family);
        let routes = [Route::Identification, Route::Referral, Route::Crisis];
        // The keys' words that do not change in the loop, folded once.
        let pool_key = rng::key(&[pool as u64]);
        for g in 0..m.localities * 3 {
            let need = g % 3;
            let group_key = rng::key_continue(pool_key, &[g as u64]);
            for (r, route) in routes.into_iter().enumerate() {
                let by_year = (route == Route::Crisis).then_some(hazards.crisis_by_year.as_ref()).flatten();
                let table = match pool {
                    Pool::NotKnown => &self.not_known,
                    Pool::Known => &self.known,
                };
                let mut weights = [0.0f64; AgeBand::COUNT];
                for (b, weight) in weights.iter_mut().enumerate() {
                    *weight = match by_year {
                        None => table.band_total(g, b) as f64 * hazards.by_band[r][need][b],
                        // The band's weight summed over its years (the child is then drawn by
                        // them).
                        Some(h) => {
                            let years = AgeBand::START_MONTHS[b] / 12..AgeBand::END_MONTHS[b] / 12;
                            years.map(|a| table.year_total(g, a as usize, t) as f64 * h[need][a as usize]).sum()
                        }
                    };
                }
                let mean: f64 = weights.iter().sum();
                if mean <= 0.0 {
                    continue;
                }
                let cell = rng::key_continue(group_key, &[r as u64, t as u64]);
                let mut s = cells.stream(cell, 0);
                // Never more contacts than children who can be drawn.
                let people: u64 = (0..AgeBand::COUNT).map(|b| table.band_total(g, b)).sum();
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
                    let picked = match by_year {
                        None => table.pick_in_band(g, band, t, u),
                        Some(h) => table.pick_in_band_weighted(g, band, t, u, &h[need]),
                    };
                    let Some(birth) = picked else { continue };
                    let rng = families.stream(rng::key(&[cell, u64::from(k)]), 0);
                    let f = self.materialise_from(pool, g, birth, rng);
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

    /// A child-month's hazard of contact out of `pool` this month, by route, need level and
    /// age band, capped at the largest allowed (a distribution's draw can exceed it: contact
    /// that month is certain either way); and with care-entry factors by single year of age,
    /// crisis entry by need level and year of age instead.
    fn pool_hazards(&self, pool: Pool) -> PoolHazards {
        let m = self.m;
        let t = self.t;
        let pol = self.pol();
        let rates = match pool {
            Pool::NotKnown => &m.not_known,
            Pool::Known => &m.previously_known,
        };
        let by_band = std::array::from_fn(|r| {
            std::array::from_fn(|need| {
                std::array::from_fn(|b| rates.hazard(pol, r, need, b, m.contact_need[need], || self.entry.at(b, t)))
            })
        });
        let crisis_by_year = self.entry.by_age.is_some().then(|| {
            std::array::from_fn(|need| {
                let contact = m.contact_need[need];
                std::array::from_fn(|a| {
                    let b = AgeBand::of_age(a as u32).index();
                    let h = rates.crisis[b] * self.entry.at_age(b, a as i32 * 12, t);
                    (h * contact * pol.demand).min(MAX_MONTHLY_HAZARD)
                })
            })
        });
        PoolHazards { by_band, crisis_by_year }
    }

    /// Take a family out of an aggregate table: the index child born in `birth` and brothers
    /// and sisters of nearby ages from the same locality and need level; `rng` is the family's
    /// stream.
    pub(super) fn materialise_from(&mut self, pool: Pool, g: usize, birth: i32, mut rng: Stream) -> u32 {
        let table = match pool {
            Pool::NotKnown => &mut self.not_known,
            Pool::Known => &mut self.known,
        };
        let (births, abuse_neglect) = form_family(self.m, table, g, birth, self.t, &mut rng);
        self.push_family(rng, g, &births, abuse_neglect)
    }

    /// A new explicit family in group `g` with children born in `births` (the first is the index
    /// child), all at home with no open case; `rng` is its stream from now on.
    pub(super) fn push_family(&mut self, rng: Stream, g: usize, births: &[i32], abuse_neglect: bool) -> u32 {
        let id = self.families.len() as u32;
        self.due.push(Due { touch: 0, parked: false });
        let mut kids = ChildList::default();
        for &b in births {
            kids.push(self.new_child(id, g / 3, b, SLOT_CLOSED));
        }
        let index = kids[0];
        self.families.push(Family {
            rng,
            home: births.len() as u16,
            care: 0,
            children: kids,
            index_child: index,
            locality: (g / 3) as u8,
            need: (g % 3) as u8,
            abuse_neglect,
            case: Case::Closed,
            case_since: self.t,
            queue_since: NEVER,
            in_sis: false,
            sis_until: NEVER,
            home_event: NO_EVENT,
            eh_index_5_plus: false,
            eh_closed_at: NEVER,
            sleeping: false,
            done: false,
            logged: id < self.log_families,
        });
        id
    }

    /// A contact by `route`: identification, referral or crisis.
    pub(super) fn contact(&mut self, f: u32, route: Route, mv: Move, not_previously_known: bool) {
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

    /// A crisis brings a child of closed family `f` into care. With factors by single year of
    /// age the child is drawn in proportion to the children's crisis hazards (which the factors
    /// set); without them it is the index child (or the eldest at home), as it always was.
    pub(super) fn closed_crisis(&mut self, f: u32) {
        if self.entry.by_age.is_none() {
            return self.contact(f, Route::Crisis, Move::KnownToCare, false);
        }
        let t = self.t;
        let Some(index) = self.home_index(f) else { return self.settle(f) };
        let weights: Vec<(u32, f64)> = self.families[f as usize]
            .children
            .iter()
            .filter_map(|&c| {
                let ch = &self.children[c as usize];
                let band = CohortTable::band_at(ch.birth, t).filter(|_| ch.status == Status::Home)?;
                let b = band.index();
                Some((c, self.m.previously_known.crisis[b] * self.entry.at_age(b, t - ch.birth, t)))
            })
            .collect();
        let total: f64 = weights.iter().map(|&(_, w)| w).sum();
        let u = uniform(&mut self.families[f as usize].rng);
        let mut target = u * total;
        let mut chosen = index;
        for &(c, w) in weights.iter().filter(|(_, w)| *w > 0.0) {
            chosen = c;
            if target < w {
                break;
            }
            target -= w;
        }
        self.enter_care(f, chosen, Move::KnownToCare, false);
        self.settle(f);
    }

    /// Hazards of renewed contact for a closed family in month `t`: identification, referral,
    /// crisis, moving away. Zero when no child under 18 remains at home.
    pub(super) fn closed_hazards(&self, f: u32, t: i32, pol: &PeriodPolicy) -> [f64; 4] {
        self.closed_walk::<false>(f, t, pol).0
    }

    /// One walk over closed family `f`'s children in month `t`: its hazards of renewed contact
    /// (as [`World::closed_hazards`]) and, if `NEXT`, the month they next may change: a
    /// birthday crossing a band (or a year of age with factors by age), the end of the
    /// recently-closed window or of the early help after-effect, a policy change. With no
    /// child under 18 at home, zero hazards to the horizon.
    #[inline(always)]
    pub(super) fn closed_walk<const NEXT: bool>(&self, f: u32, t: i32, pol: &PeriodPolicy) -> ([f64; 4], i32) {
        let m = self.m;
        let fam = &self.families[f as usize];
        let need = fam.need as usize;
        let (mut ident, mut referral, mut crisis) = (0.0, 0.0, 0.0);
        let mut any = false;
        let mut next = self.months;
        for &c in &fam.children {
            let ch = &self.children[c as usize];
            if ch.status != Status::Home {
                continue;
            }
            if NEXT {
                self.closed_child_next_change(ch, t, &mut next);
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
            crisis += m.previously_known.crisis[b] * self.entry.at_age(b, t - ch.birth, t);
        }
        if !any {
            return ([0.0; 4], self.months);
        }
        if NEXT {
            next = self.closed_family_next_change(f, t, next);
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
        let contact = contact * pol.demand;
        ([ident * contact, referral * contact * after, crisis * contact * after, m.move_away_hazard], next)
    }

    /// Lower `next` to the next edge of a closed family's child `ch` (at home) after month `t`.
    #[inline(always)]
    fn closed_child_next_change(&self, ch: &Child, t: i32, next: &mut i32) {
        let age = t - ch.birth;
        if let Some(b) = AgeBand::next_boundary(age) {
            *next = (*next).min(ch.birth + b);
        }
        if let Some(birthday) = self.entry.next_age_edge(age) {
            *next = (*next).min(ch.birth + birthday);
        }
    }

    /// `next` (the children's next edge) lowered to closed family `f`'s own next edge after
    /// month `t`, and at least `t + 1`.
    #[inline(always)]
    fn closed_family_next_change(&self, f: u32, t: i32, mut next: i32) -> i32 {
        let fam = &self.families[f as usize];
        if self.entry.trending {
            next = next.min(t + 1); // the trend moves crisis entry every month
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

    /// The family leaves the authority; newcomers of the same ages take their place among the
    /// never-known, so the population keeps its size.
    pub(super) fn move_away(&mut self, f: u32) {
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
                self.set_status(c, Status::Left);
                self.not_known.add(g, self.children[c as usize].birth, 1, t);
                n += 1;
            }
        }
        self.out.flow(Move::MovedAway, t, n);
        self.log(f, None, Move::MovedAway);
        self.set_case(f, Case::Closed);
        if self.in_care(f) == 0 {
            self.set_done(f);
        }
    }

    /// Explicit children whose 18th birthday falls in month `t` leave the model (the explicit
    /// table has already dropped their cohort).
    pub(super) fn eighteenth_birthdays(&mut self, t: i32) {
        let turning = std::mem::take(&mut self.eighteenth[t as usize]);
        for &c in &turning {
            let status = self.children[c as usize].status;
            let f = self.children[c as usize].family;
            let mv = match status {
                Status::Left => continue,
                Status::Care => {
                    self.end_legal_status(c);
                    self.out.add(Series::LacExits, t, 1.0);
                    let l = self.families[f as usize].locality as usize;
                    self.out.activity(Activity::CareLeavers, l, t, 1);
                    Move::CareToLeaver
                }
                Status::Home => Move::TurnedEighteen,
            };
            self.set_status(c, Status::Left);
            self.children[c as usize].care_event = NO_EVENT;
            self.out.flow(mv, t, 1);
            self.log(f, Some(c), mv);
        }
    }

    /// Births into the never-known pool at the start of month `t`: each group's share of
    /// `under_18 / 216` a month (whole children, the fraction carried), less the births into
    /// that group's families in the month before.
    pub(super) fn pool_births(&mut self, t: i32) {
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
}

/// The draws that shape a family coming into contact, made from its own stream in this order
/// before anything else: its size, then for each brother or sister the gap in age and whether
/// older or younger, then (as `kind`, a uniform) its kind of need. A family is always shaped by
/// the same draws whatever the pools hold, so its later events use the same stream.
pub(super) struct FamilyDraws {
    /// For each brother or sister wanted (the first `wanted`): the gap in months from the
    /// family's range of ages, and whether older (else younger). An array, not a `Vec`: this
    /// runs for every contact.
    siblings: [(i32, bool); MAX_FAMILY_SIZE - 1],
    wanted: usize,
    /// Uniform draw deciding the kind of need: abuse or neglect if below the probability for
    /// the index child's age band.
    pub(super) kind: f64,
}

impl FamilyDraws {
    /// The brothers and sisters wanted: gap in months and whether older.
    pub(super) fn siblings(&self) -> &[(i32, bool)] {
        &self.siblings[..self.wanted]
    }
}

/// Make the draws that shape a family, from its stream.
pub(super) fn draw_family(m: &Model, rng: &mut Stream) -> FamilyDraws {
    // Validation keeps `family_size` to `MAX_FAMILY_SIZE` entries.
    let size = (pick_cumulative(&m.family_size_cdf, uniform(rng)) + 1).min(MAX_FAMILY_SIZE);
    let mut siblings = [(0, false); MAX_FAMILY_SIZE - 1];
    for sibling in &mut siblings[..size - 1] {
        let gap = (m.sibling_gap_months * (0.5 + uniform(rng))).round() as i32;
        *sibling = (gap, chance(rng, 0.5));
    }
    FamilyDraws { siblings, wanted: size - 1, kind: uniform(rng) }
}

/// Whether a family whose index child was born in `index_birth` has abuse or neglect as its
/// kind of need at month `t`, given its `kind` draw.
pub(super) fn abuse_neglect_for(m: &Model, index_birth: i32, t: i32, kind: f64) -> bool {
    let band = AgeBand::of_age(((t - index_birth) / 12) as u32);
    kind < m.abuse_neglect[band.index()]
}

/// The birth months of a family being formed (index child first): at most
/// [`MAX_FAMILY_SIZE`], so an array rather than an allocation for every contact.
pub(super) struct Births {
    months: [i32; MAX_FAMILY_SIZE],
    len: usize,
}

impl Births {
    fn push(&mut self, birth: i32) {
        self.months[self.len] = birth;
        self.len += 1;
    }
}

impl std::ops::Deref for Births {
    type Target = [i32];

    fn deref(&self) -> &[i32] {
        &self.months[..self.len]
    }
}

/// Take a family out of `table` at month `t`: the index child born in `birth` (group `g`) and
/// brothers and sisters of nearby ages from the same group. Returns their birth months, index
/// first, and whether the family's need is abuse or neglect.
pub(super) fn form_family(
    m: &Model,
    table: &mut CohortTable,
    g: usize,
    birth: i32,
    t: i32,
    rng: &mut Stream,
) -> (Births, bool) {
    let draws = draw_family(m, rng);
    table.remove(g, birth, t);
    let mut births = Births { months: [0; MAX_FAMILY_SIZE], len: 0 };
    births.push(birth);
    let (mut older, mut younger) = (birth, birth);
    for &(gap, is_older) in draws.siblings() {
        let wanted = if is_older { older - gap } else { younger + gap };
        let Some(b) = table.nearest(g, wanted, t, SIBLING_SEARCH_MONTHS) else { continue };
        table.remove(g, b, t);
        older = older.min(b);
        younger = younger.max(b);
        births.push(b);
    }
    (births, abuse_neglect_for(m, birth, t, draws.kind))
}
