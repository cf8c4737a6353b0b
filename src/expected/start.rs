//! The state on the start date: the population pools as the engine fills them, less the
//! children of the starting position, who become rows.

use super::params::BAND_OF_AGE;
use super::recursion::Projection;
use super::state::{Key, LEGAL_DRAWN, Place};
use crate::start::{CaseAtHome, StartingPosition};
use crate::vocab::{NeedKind, NeedLevel};

impl Projection<'_> {
    /// Fill the pools as the engine does on the start date (docs/model.md, "The starting
    /// pools").
    pub(super) fn fill_pools(&mut self) {
        let m = self.p.m;
        let init = &m.scenario.population.initial;
        let total = f64::from(m.scenario.population.under_18);
        for l in 0..m.localities {
            let mean_contact: f64 = (0..3).map(|n| m.locality_need[l][n] * m.contact_need[n]).sum();
            for n in 0..3 {
                let known_share = if mean_contact > 0.0 {
                    (init.previously_known_share * m.contact_need[n] / mean_contact).min(1.0)
                } else {
                    init.previously_known_share
                };
                let per_cohort = total * m.locality_share[l] * m.locality_need[l][n] / 216.0;
                let (mut carry, mut carry_known) = (0.0, 0.0);
                for age in 0..216 {
                    carry += per_cohort;
                    let count: f64 = carry.floor();
                    carry -= count;
                    carry_known += count * known_share;
                    let known = carry_known.floor().min(count);
                    carry_known -= known;
                    self.pools[0][n][age] += count - known;
                    self.pools[1][n][age] += known;
                }
            }
        }
    }

    /// Place the starting position's children: each child a row of its own kind, its family's
    /// unknown locality and need spread over the groups the engine draws them from (in
    /// proportion to the chances), an unknown kind of need split by its probability, an
    /// unknown time open spread uniformly as the engine draws it; every child counts `weight`.
    /// Only this projection's need level becomes rows, but the children are taken out of every
    /// need level's pools (the pools weigh the next families), so that the three projections
    /// place the same children. Returns the children of this need level in care.
    pub(super) fn place(&mut self, position: &StartingPosition, weight: f64) -> f64 {
        let m = self.p.m;
        let groups = m.localities * 3;
        let caps = self.p.caps;
        let mut in_care = 0.0;
        for family in position.families() {
            let ages: Vec<u32> = family.ages().collect();
            let Some(&first) = ages.first() else { continue };
            let band = BAND_OF_AGE[(first as usize).min(215)] as usize;
            let locality = family.locality().and_then(|name| m.locality_names.iter().position(|n| n == name));
            let need = family.need().map(NeedLevel::index);
            let strength =
                if !family.care.is_empty() || family.home.is_some_and(|h| h.case == CaseAtHome::ChildProtection) {
                    2.0
                } else {
                    1.0
                };
            let fits = |g: usize| locality.is_none_or(|l| g / 3 == l) && need.is_none_or(|n| g % 3 == n);
            let mut weights: Vec<f64> = (0..groups)
                .map(|g| {
                    if !fits(g) {
                        return 0.0;
                    }
                    let lo = super::params::BAND_EDGES[band];
                    let hi = super::params::BAND_EDGES[band + 1];
                    let (l, n) = (g / 3, g % 3);
                    let children: f64 = (lo..hi).map(|a| self.pools[0][n][a] + self.pools[1][n][a]).sum::<f64>()
                        * self.p.locality_of_need[n][l];
                    children * m.escalation_need[n].powf(strength)
                })
                .collect();
            if weights.iter().all(|&w| w <= 0.0) {
                weights = (0..groups)
                    .map(
                        |g| if fits(g) { m.locality_share[g / 3] * m.locality_need[g / 3][g % 3] + 1e-12 } else { 0.0 },
                    )
                    .collect();
            }
            let total: f64 = weights.iter().sum();
            let kinds: Vec<(bool, f64)> = match family.need_kind() {
                Some(kind) => vec![(kind == NeedKind::AbuseNeglect, 1.0)],
                None => {
                    let an = m.abuse_neglect[band];
                    vec![(true, an), (false, 1.0 - an)]
                }
            };
            for (g, w) in weights.iter().enumerate() {
                if *w <= 0.0 {
                    continue;
                }
                let share_g = w / total * weight;
                for &age in &ages {
                    self.take_from_pools(g % 3, age as usize, share_g);
                }
                if g % 3 != self.need {
                    continue;
                }
                for &(abuse_neglect, share_k) in &kinds {
                    let share = share_g * share_k;
                    let base = Key::fresh((g % 3) as u16, abuse_neglect, &caps);
                    for child in &family.care {
                        let age = child.age_months as usize;
                        let months_in = child.months_in_care;
                        let key = Key {
                            place: Place::Care,
                            care_clock: months_in.min(u32::from(u16::MAX)) as u16,
                            under_5: child.entered_under_5.unwrap_or((age as u32).saturating_sub(months_in) < 60),
                            legal: child.legal_status.map_or(LEGAL_DRAWN, |s| s.index() as u8),
                            uasc: child.uasc.unwrap_or(false),
                            ..base
                        };
                        let r = self.row_now(key);
                        let i = self.layout.window(age);
                        self.rows.now_mut(r)[i] += share;
                        self.placements[child.placement.index()][i] += share;
                        in_care += share;
                    }
                    let Some(home) = family.home else { continue };
                    let place = match home.case {
                        CaseAtHome::Closed => Place::Closed,
                        CaseAtHome::Waiting => Place::Waiting,
                        CaseAtHome::EarlyHelp => Place::EarlyHelp,
                        CaseAtHome::ChildInNeed => Place::ChildInNeed,
                        CaseAtHome::ChildProtection => Place::ChildProtection,
                    };
                    // Months open as given, or uniform over 0 .. 2 x mean - 1 as drawn.
                    let opens: Vec<(u32, f64)> = match (home.months_open, home.case) {
                        (Some(months), _) => vec![(months, 1.0)],
                        (None, CaseAtHome::Closed) => vec![(0, 1.0)],
                        (None, case) => {
                            let mean = match case {
                                CaseAtHome::ChildProtection => 8,
                                CaseAtHome::ChildInNeed => 9,
                                CaseAtHome::EarlyHelp => 6,
                                _ => 2,
                            };
                            (0..2 * mean).map(|k| (k, 1.0 / f64::from(2 * mean))).collect()
                        }
                    };
                    for (i, &age) in home.children_age_months.iter().enumerate() {
                        let gone = home.returned_home.iter().find(|r| r.child as usize == i);
                        for &(open, share_o) in &opens {
                            let key = Key {
                                place,
                                case_clock: open.min(u32::from(u16::MAX)) as u16,
                                return_clock: gone.map_or(caps.reentry, |r| r.months_since.min(1_200) as u16),
                                been_in_care: gone.is_some(),
                                ..base
                            };
                            let r = self.row_now(key);
                            let i = self.layout.window(age as usize);
                            self.rows.now_mut(r)[i] += share * share_o;
                        }
                    }
                }
            }
        }
        in_care
    }

    /// Empty the pools of the other need levels, once the starting position is placed.
    pub(super) fn keep_own_pools(&mut self) {
        for pool in &mut self.pools {
            for (n, cohort) in pool.iter_mut().enumerate() {
                if n != self.need {
                    cohort.fill(0.0);
                }
            }
        }
    }

    /// Take `x` children of group `g` aged `age` months out of the pools: known before first.
    fn take_from_pools(&mut self, g: usize, age: usize, x: f64) {
        let age = age.min(215);
        let from_known = self.pools[1][g][age].min(x);
        self.pools[1][g][age] -= from_known;
        let rest = (x - from_known).min(self.pools[0][g][age]);
        self.pools[0][g][age] -= rest;
    }
}
