//! Children in care: entering (with brothers and sisters), placements and placement moves,
//! exits (home, adoption, special guardianship, other), reunification and re-entry.

use super::*;

impl World<'_> {
    /// Child `c` enters care, and with it (with probability `sibling_group_entry`) the brothers
    /// and sisters living at home. One entry is one decision: through care proceedings (one
    /// application, with probability `care_proceedings_share`) or not, for every child entering.
    pub(super) fn enter_care(&mut self, f: u32, c: u32, mv: Move, not_previously_known: bool) {
        let fam = &mut self.families[f as usize];
        let together = chance(&mut fam.rng, self.m.sibling_group_entry);
        let proceedings = chance(&mut fam.rng, self.m.care_proceedings_share);
        let mut entered = 0;
        for i in 0..self.families[f as usize].children.len() {
            let k = self.families[f as usize].children[i];
            if self.children[k as usize].status != Status::Home || (k != c && !together) {
                continue;
            }
            self.place_in_care(f, k, mv, not_previously_known, proceedings);
            entered += 1;
        }
        if proceedings && entered > 0 {
            let t = self.t;
            let l = self.families[f as usize].locality as usize;
            self.out.add(Series::CareProceedings, t, 1.0);
            self.out.activity(Activity::CareProceedings, l, t, 1);
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

    /// Child `c` of family `f` comes into care, through care proceedings if `proceedings`.
    pub(super) fn place_in_care(&mut self, f: u32, c: u32, mv: Move, not_previously_known: bool, proceedings: bool) {
        let t = self.t;
        let age = t - self.children[c as usize].birth;
        let pol = &self.periods[self.period].1;
        let mix = if age < TEN_YEARS { pol.mix_under_10 } else { pol.mix_10_plus };
        let fam = &mut self.families[f as usize];
        let placement = pick_cumulative(&mix, uniform(&mut fam.rng)) as u8;
        let abuse_neglect = fam.abuse_neglect;
        let l = fam.locality as usize;
        let from = case_slot(fam.case);
        self.retable(f, c, Some(from), Some(SLOT_CARE + placement as usize));
        self.set_status(c, Status::Care);
        let child = &mut self.children[c as usize];
        child.care_since = t;
        child.placement = placement;
        child.entered_under_5 = age < FIVE_YEARS;
        let reentry = child.care_episodes > 0;
        child.care_episodes = child.care_episodes.saturating_add(1);
        let legal_status = if proceedings { LegalStatus::InterimCareOrder } else { LegalStatus::Section20 };
        self.start_legal_status(c, legal_status, t + self.m.interim_order_months);
        self.schedule_care(f, c, t + 1);
        if reentry {
            self.out.add(Series::LacReentries, t, 1.0);
        } else {
            let band = AgeBand::of_months(age).index();
            self.out.add(Series::FIRST_ENTRIES_BY_BAND[band], t, 1.0);
            let years = ((age.max(0) / 12) as usize).min(Series::FIRST_ENTRIES_BY_AGE.len() - 1);
            self.out.add(Series::FIRST_ENTRIES_BY_AGE[years], t, 1.0);
        }
        let o = &mut self.out;
        o.flow(mv, t, 1);
        o.add(Series::LacEntries, t, 1.0);
        if not_previously_known {
            o.add(Series::EntriesNotPreviouslyKnown, t, 1.0);
        }
        if age >= FIVE_YEARS {
            o.add(Series::EntriesAged5Plus, t, 1.0);
        }
        if abuse_neglect {
            o.add(Series::EntriesAbuseNeglect, t, 1.0);
        }
        o.activity(Activity::CareEntries, l, t, 1);
        self.log(f, Some(c), mv);
    }

    /// Hazards (per month) of the events of child `c` in care in month `s`: return home,
    /// adoption, special guardianship, other exit, placement move. From the exit table by the
    /// child's age band in month `s` if the scenario gives one. The care levers apply to the
    /// children their targets pick, by placement, legal status and time in care in month `s`.
    pub(super) fn care_hazards(&self, c: u32, s: i32, pol: &PeriodPolicy) -> [f64; 5] {
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
        let (placement, legal) = (ch.placement as usize, self.legal_status_at(c, s));
        let mut hazards = if let Some(exits) = &self.exits {
            let b = AgeBand::of_months(s - ch.birth).index();
            let adoption = if months_in >= m.adoption_min_months { exits[1][b][d] } else { 0.0 };
            [exits[0][b][d], adoption, exits[2][b][d], exits[3][b][d], self.care_rates.placement_move]
        } else {
            [
                m.return_home[d],
                if ch.entered_under_5 && months_in >= m.adoption_min_months { m.adoption_under_5 } else { 0.0 },
                m.special_guardianship,
                m.other_exit,
                self.care_rates.placement_move,
            ]
        };
        if pol.reunification_target.picks(placement, legal, months_in) {
            hazards[0] *= pol.reunification_multiplier;
        }
        if pol.special_guardianship_multiplier != 1.0
            && pol.special_guardianship_target.picks(placement, legal, months_in)
        {
            hazards[2] *= pol.special_guardianship_multiplier;
        }
        if let Some(factor) = self.step_down_factor(c, s, pol) {
            let mix = if s - ch.birth < TEN_YEARS { &pol.mix_under_10 } else { &pol.mix_10_plus };
            if let Some(family) = family_share(mix, placement) {
                // Moves to family-based placements scaled, the others as they were.
                hazards[4] *= 1.0 - family + factor * family;
            }
        }
        hazards
    }

    /// The step-down multiplier for child `c` in month `s`, if it applies to the child then.
    fn step_down_factor(&self, c: u32, s: i32, pol: &PeriodPolicy) -> Option<f64> {
        let ch = &self.children[c as usize];
        (pol.step_down_multiplier != 1.0
            && pol.step_down_target.picks(ch.placement as usize, self.legal_status_at(c, s), s - ch.care_since))
        .then_some(pol.step_down_multiplier)
    }

    /// The legal status (index) of child `c`, in care, in month `s`: an interim care order is a
    /// care order from the month it is due.
    pub(super) fn legal_status_at(&self, c: u32, s: i32) -> usize {
        let ch = &self.children[c as usize];
        if ch.legal_status == LegalStatus::InterimCareOrder as u8 && s >= ch.order_due {
            LegalStatus::CareOrder.index()
        } else {
            ch.legal_status as usize
        }
    }

    /// Child `c`, coming into care, has `status`; an interim care order becomes a care order in
    /// month `due` (at once if `due` is not after now).
    pub(super) fn start_legal_status(&mut self, c: u32, status: LegalStatus, due: i32) {
        let interim = status == LegalStatus::InterimCareOrder;
        let status = if interim && due <= self.t { LegalStatus::CareOrder } else { status };
        let child = &mut self.children[c as usize];
        child.legal_status = status as u8;
        child.order_due = if status == LegalStatus::InterimCareOrder { due } else { NO_EVENT };
        self.by_legal_status[status.index()] += 1;
        self.uasc_in_care += u32::from(child.uasc);
        if status == LegalStatus::InterimCareOrder && due < self.months {
            self.orders_due[due as usize].push(c);
        }
    }

    /// Child `c` leaves care: out of the counts by legal status (as they count it: an interim
    /// order due this month is still one if the child turns 18 before it is changed).
    pub(super) fn end_legal_status(&mut self, c: u32) {
        let child = &mut self.children[c as usize];
        self.by_legal_status[child.legal_status as usize] -= 1;
        self.uasc_in_care -= u32::from(child.uasc);
        child.order_due = NO_EVENT;
    }

    /// The interim care orders due in month `t` become care orders.
    pub(super) fn interim_orders_end(&mut self, t: i32) {
        let due = std::mem::take(&mut self.orders_due[t as usize]);
        for c in due {
            let child = &mut self.children[c as usize];
            if child.status == Status::Care
                && child.legal_status == LegalStatus::InterimCareOrder as u8
                && child.order_due == t
            {
                child.legal_status = LegalStatus::CareOrder as u8;
                child.order_due = NO_EVENT;
                self.by_legal_status[LegalStatus::InterimCareOrder.index()] -= 1;
                self.by_legal_status[LegalStatus::CareOrder.index()] += 1;
            }
        }
    }

    /// Draw the month of child `c`'s next event in care, from month `from` on: the hazards are
    /// constant between the 6- and 24-month marks, eligibility for adoption and policy changes
    /// (and, with an exit table, the birthdays that start a new age band), so one unit
    /// exponential is spent segment by segment. The same distribution as a draw every month,
    /// for a fraction of the work. No event before the 18th birthday: none.
    pub(super) fn schedule_care(&mut self, f: u32, c: u32, from: i32) {
        let m = self.m;
        let e = unit_exponential(&mut self.families[f as usize].rng);
        let ch = &self.children[c as usize];
        let since = ch.care_since;
        let table = self.exits.is_some();
        let adoption_edge = if ch.entered_under_5 || table { since + m.adoption_min_months } else { NO_EVENT };
        let birth = ch.birth;
        let stop = (birth + MONTHS_TO_18).min(self.months);
        let event = first_event(e, from, stop, |s| {
            let p = self.period_at(s);
            let mut end = stop;
            // Without a table the hazards do not depend on age: no edge, so the draws are the
            // same as before the table existed.
            let band_edge =
                if table { AgeBand::next_boundary(s - birth).map_or(NO_EVENT, |b| birth + b) } else { NO_EVENT };
            for edge in [since + 6, since + 24, adoption_edge, band_edge] {
                if edge > s {
                    end = end.min(edge);
                }
            }
            // Where a targeted lever starts or stops applying.
            for edge in self.lever_edges(c, &self.periods[p].1) {
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

    /// The months at which a care lever of `pol` may start or stop applying to child `c`, in
    /// care: the ends of its targets' ranges of time in care, the month an interim care order
    /// becomes a care order if a target picks by legal status, and the tenth birthday (where
    /// the placement mix changes) if step-down applies to its placement. `NO_EVENT` where there
    /// is none; none at all without targets, so the draws are the same as before targets.
    fn lever_edges(&self, c: u32, pol: &PeriodPolicy) -> [i32; 8] {
        let ch = &self.children[c as usize];
        let since = ch.care_since;
        let mut edges = [NO_EVENT; 8];
        let step_down = pol.step_down_multiplier != 1.0;
        let special_guardianship = pol.special_guardianship_multiplier != 1.0;
        let levers = [
            (&pol.reunification_target, true),
            (&pol.step_down_target, step_down),
            (&pol.special_guardianship_target, special_guardianship),
        ];
        let mut by_legal_status = false;
        for (i, (target, active)) in levers.into_iter().enumerate() {
            if active && target.given {
                edges[2 * i] = since.saturating_add(target.min_months);
                edges[2 * i + 1] = since.saturating_add(target.max_months);
                by_legal_status |= target.by_legal_status();
            }
        }
        if by_legal_status && ch.legal_status == LegalStatus::InterimCareOrder as u8 {
            edges[6] = ch.order_due;
        }
        if step_down && pol.step_down_target.placements & (1 << ch.placement) != 0 {
            edges[7] = ch.birth + TEN_YEARS;
        }
        edges
    }

    /// The scheduled event of child `c` in care happens now: which one, in proportion to the
    /// hazards this month. Returns whether the family's home hazards may have changed (false
    /// for a placement move: they do not depend on placements).
    pub(super) fn care_event(&mut self, f: u32, c: u32) -> bool {
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
            // Every move is a change of placement type, so `placement_move` is the rate of
            // actual moves: the new type comes from the entry mix without the current one.
            let mix = if age < TEN_YEARS { pol.mix_under_10 } else { pol.mix_10_plus };
            let step_down = self.step_down_factor(c, t, pol).unwrap_or(1.0);
            if let Some(new) = pick_other(&mix, current, u2, step_down) {
                self.retable(f, c, Some(SLOT_CARE + current), Some(SLOT_CARE + new));
                self.children[c as usize].placement = new as u8;
                self.out.flow(mv, t, 1);
            }
            self.schedule_care(f, c, t + 1);
            return false;
        }
        self.out.flow(mv, t, 1);
        self.out.add(Series::LacExits, t, 1.0);
        self.log(f, Some(c), mv);
        self.end_legal_status(c);
        self.children[c as usize].care_event = NO_EVENT;
        if leaves {
            self.retable(f, c, Some(SLOT_CARE + current), None);
            self.set_status(c, Status::Left);
            return true;
        }
        let to = pick_scaled(&m.return_to, u2 * m.return_to.iter().sum::<f64>());
        let case = self.families[f as usize].case;
        self.retable(f, c, Some(SLOT_CARE + current), Some(case_slot(case)));
        self.set_status(c, Status::Home);
        let child = &mut self.children[c as usize];
        child.returned_at = t;
        let wanted = [Case::ChildProtection, Case::ChildInNeed, Case::Closed][to];
        if case == Case::Closed || rank(wanted) > rank(case) {
            self.set_case(f, wanted);
        }
        true
    }
}

/// Placement types that are family-based (in-house foster care, an agency, kinship), where a
/// step-down moves a child to.
const FAMILY_BASED: [bool; Placement::COUNT] = {
    let mut family = [false; Placement::COUNT];
    family[Placement::InHouseFoster.index()] = true;
    family[Placement::Ifa.index()] = true;
    family[Placement::Kinship.index()] = true;
    family
};

/// The weights of the placement types a child in `current` may move to, from the cumulative
/// mix `cdf`: the mix without `current`.
fn move_weights(cdf: &[f64; Placement::COUNT], current: usize) -> [f64; Placement::COUNT] {
    let mut weights = [0.0; Placement::COUNT];
    let mut below = 0.0;
    for (k, &c) in cdf.iter().enumerate() {
        weights[k] = if k == current { 0.0 } else { c - below };
        below = c;
    }
    weights
}

/// The share of a child's moves from `current` that go to family-based placements, under the
/// cumulative mix `cdf`; `None` if the mix has no other type.
fn family_share(cdf: &[f64; Placement::COUNT], current: usize) -> Option<f64> {
    let weights = move_weights(cdf, current);
    let total: f64 = weights.iter().sum();
    let family: f64 = weights.iter().zip(FAMILY_BASED).filter(|(_, f)| *f).map(|(w, _)| w).sum();
    (total > 0.0).then(|| family / total)
}

/// A placement type drawn from the cumulative mix `cdf` leaving out `current`, for uniform `u`,
/// with family-based types weighted `step_down` times; `None` if the mix has no other type.
fn pick_other(cdf: &[f64; Placement::COUNT], current: usize, u: f64, step_down: f64) -> Option<usize> {
    let mut weights = move_weights(cdf, current);
    if step_down != 1.0 {
        for (w, family) in weights.iter_mut().zip(FAMILY_BASED) {
            if family {
                *w *= step_down;
            }
        }
    }
    let total: f64 = weights.iter().sum();
    (total > 0.0).then(|| pick_scaled(&weights, u * total))
}
