//! Events of children living at home: assessment after a referral, and the hazards and events
//! of early help, child in need and child protection (closing, stepping up and down, moving
//! away, births, entering care).

use super::*;

impl World<'_> {
    pub(super) fn flow_children_at_home(&mut self, f: u32, mv: Move) {
        let n = self.at_home(f) as u32;
        self.out.flow(mv, self.t, n);
        self.log(f, None, mv);
    }

    pub(super) fn assess(&mut self, f: u32) {
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

    /// Monthly hazards of the events of family `f`'s children at home in month `s`, in a fixed
    /// order: one per child at home (entering care; `who` names them), then close, step up,
    /// step down, move away, birth. For a closed case (children at home beside a brother or
    /// sister in care) they are renewed contact: identification, referral, crisis.
    pub(super) fn home_hazards(&self, f: u32, s: i32, pol: &PeriodPolicy, hz: &mut Vec<f64>, who: &mut Vec<u32>) {
        hz.clear();
        who.clear();
        if self.families[f as usize].case == Case::Closed {
            hz.extend_from_slice(&self.closed_hazards(f, s, pol)[..3]);
            return;
        }
        let (family_events, _) = self.open_case_walk::<false>(f, s, pol, |h, c| {
            hz.push(h);
            who.push(c);
        });
        hz.extend_from_slice(&family_events);
    }

    /// One walk over the children of family `f` (whose case is open) in month `s`: hands each
    /// child at home's care-entry hazard to `child` in order, and returns the family's events'
    /// hazards (close, step up, step down, move away, birth; all zero with nobody at home) and,
    /// if `NEXT`, the month they next may change (as [`World::home_next_change`]). One walk
    /// instead of two, and no list: scheduling needs only the total.
    #[inline(always)]
    fn open_case_walk<const NEXT: bool>(
        &self,
        f: u32,
        s: i32,
        pol: &PeriodPolicy,
        child: impl FnMut(f64, u32),
    ) -> ([f64; 5], i32) {
        let children = self.open_case_children::<NEXT>(f, s, self.period_at(s), pol, child);
        let mut next = children.next;
        if NEXT {
            self.family_only_next_change(f, s, &mut next);
        }
        (self.open_case_family_events(f, s, pol, &children), next)
    }

    /// The children's part of [`World::open_case_walk`] for family `f` in month `s` (of policy
    /// period `p`): each child at home's care-entry hazard handed to `child` in order, what the
    /// family's events need of the children, and, if `NEXT`, the first month after `s` at
    /// which any of it may change (the children's edges and the family's edges that move
    /// them: see [`World::family_next_change`]).
    #[inline(always)]
    fn open_case_children<const NEXT: bool>(
        &self,
        f: u32,
        s: i32,
        p: usize,
        pol: &PeriodPolicy,
        mut child: impl FnMut(f64, u32),
    ) -> OpenCaseChildren {
        let m = self.m;
        let fam = &self.families[f as usize];
        let case = fam.case;
        let need = fam.need as usize;
        let contact = m.contact_need[need];
        let escalation =
            m.escalation_need[need] * if fam.abuse_neglect { m.abuse_neglect_care_multiplier } else { 1.0 };
        let after = if s - fam.eh_closed_at < pol.eh_after_months { pol.eh_effect_after } else { 1.0 };
        let in_sis = fam.in_sis && s < fam.sis_until;
        let mut any_in_care = false;
        let mut underlying_referral = 0.0;
        let mut youngest = i32::MAX;
        let mut at_home = 0usize;
        let mut next = self.months;
        for &c in &fam.children {
            let ch = &self.children[c as usize];
            let age = s - ch.birth;
            if ch.status == Status::Care && age < MONTHS_TO_18 {
                any_in_care = true;
            }
            if NEXT {
                match ch.status {
                    Status::Home => self.child_next_change(ch, s, &mut next),
                    // Moving away is possible again once nobody is in care: an edge at the
                    // 18th birthday, so that the walk foresees it (see `World::step_family`).
                    Status::Care if age < MONTHS_TO_18 => next = next.min(ch.birth + MONTHS_TO_18),
                    _ => {}
                }
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
            h *= after * self.entry.at_age(b, age, s);
            if case == Case::EarlyHelp && (pol.whole_family || c == fam.index_child) {
                h *= pol.eh_effect_care;
            }
            if in_sis {
                h *= pol.sis_effect_care;
            }
            if s - ch.returned_at < m.reentry_months {
                h *= 1.0 + (self.care_rates.reentry_multiplier - 1.0) * pol.reentry_multiplier;
            }
            child(h, c);
            at_home += 1;
        }
        if NEXT {
            self.family_next_change(f, s, p, &mut next);
        }
        OpenCaseChildren { any_in_care, underlying_referral, youngest, at_home, next }
    }

    /// The hazards of family `f`'s own events in month `s` (close, step up, step down, move
    /// away, birth; all zero with nobody at home), given its children's part.
    #[inline(always)]
    fn open_case_family_events(&self, f: u32, s: i32, pol: &PeriodPolicy, children: &OpenCaseChildren) -> [f64; 5] {
        if children.at_home == 0 {
            return [0.0; 5]; // nobody at home: no family events
        }
        let m = self.m;
        let fam = &self.families[f as usize];
        let case = fam.case;
        let need = fam.need as usize;
        let contact = m.contact_need[need];
        let esc = m.escalation_need[need];
        let months_in = s - fam.case_since;
        let eh_step_up = m.eh_step_up_multiplier * children.underlying_referral * contact;
        let (close, up, down) = match case {
            Case::Waiting => (m.waiting_dropout, eh_step_up, 0.0),
            Case::EarlyHelp => {
                (if months_in >= 3 { pol.eh_close_hazard } else { 0.0 }, eh_step_up * pol.eh_effect_escalation, 0.0)
            }
            Case::ChildInNeed => (m.cin.close, m.cin.step_up * esc, m.cin.step_down),
            Case::ChildProtection => (m.cp.close, 0.0, m.cp.step_down),
            Case::Closed => (0.0, 0.0, 0.0),
        };
        let births = if children.youngest < TEN_YEARS { m.family_birth_hazard } else { 0.0 };
        [close, up, down, if children.any_in_care { 0.0 } else { m.move_away_hazard }, births]
    }

    /// The next month after `s` at which family `f`'s home hazards may change: a birthday that
    /// crosses an age band (or the 18th), the end of the first three months of early help, of
    /// the early help after-effect, of a re-entry window, of the recently-closed window, of
    /// intensive support, or a policy change.
    pub(super) fn home_next_change(&self, f: u32, s: i32) -> i32 {
        let mut next = self.months;
        for &c in &self.families[f as usize].children {
            let ch = &self.children[c as usize];
            if ch.status == Status::Home {
                self.child_next_change(ch, s, &mut next);
            }
        }
        self.family_next_change(f, s, self.period_at(s), &mut next);
        self.family_only_next_change(f, s, &mut next);
        next
    }

    /// Lower `next` to the first edge after `s` of child `ch`'s (at home) hazards.
    #[inline(always)]
    fn child_next_change(&self, ch: &Child, s: i32, next: &mut i32) {
        let mut consider = |edge: i32| {
            if edge > s {
                *next = (*next).min(edge);
            }
        };
        let age = s - ch.birth;
        if let Some(b) = AgeBand::next_boundary(age) {
            consider(ch.birth + b);
        }
        if let Some(birthday) = self.entry.next_age_edge(age) {
            consider(ch.birth + birthday);
        }
        consider(ch.returned_at + self.m.reentry_months);
        consider(ch.returned_at + 1);
    }

    /// Lower `next` to the first edge after `s` (of policy period `p`) of family `f`'s own
    /// factors that move its children's hazards too: the trend, the early help after-effect,
    /// intensive support, a policy change.
    #[inline(always)]
    fn family_next_change(&self, f: u32, s: i32, p: usize, next: &mut i32) {
        let fam = &self.families[f as usize];
        let mut consider = |edge: i32| {
            if edge > s {
                *next = (*next).min(edge);
            }
        };
        if self.entry.trending {
            consider(s + 1); // the trend moves care entry every month
        }
        consider(fam.eh_closed_at + self.periods[p].1.eh_after_months);
        if fam.in_sis {
            consider(fam.sis_until);
        }
        if let Some((start, _)) = self.periods.get(p + 1) {
            consider(*start);
        }
    }

    /// Lower `next` to the first edge after `s` of family `f`'s factors that move only its own
    /// events, not its children's: the windows of its case (the first three months of early
    /// help, when it may not close; the recently-closed window).
    #[inline(always)]
    fn family_only_next_change(&self, f: u32, s: i32, next: &mut i32) {
        let fam = &self.families[f as usize];
        let edge = match fam.case {
            Case::EarlyHelp => fam.case_since + 3,
            Case::Closed => fam.case_since + self.m.recently_closed_months,
            _ => return,
        };
        if edge > s {
            *next = (*next).min(edge);
        }
    }

    /// Draw the month of family `f`'s next home event from month `from` on, walking its
    /// piecewise-constant hazards (the same distribution as a draw every month).
    pub(super) fn schedule_home(&mut self, f: u32, from: i32) {
        let e = unit_exponential(&mut self.families[f as usize].rng);
        let closed = self.families[f as usize].case == Case::Closed;
        let mut known: Option<(OpenCaseChildren, f64)> = None;
        let event = first_event(e, from, self.months, |s| {
            let p = self.period_at(s);
            let pol = &self.periods[p].1;
            if closed {
                let h = self.closed_hazards(f, s, pol);
                return (h[..3].iter().sum(), self.home_next_change(f, s));
            }
            // The children's part is kept across an edge that moves only the family's own
            // events (most often the end of early help's first three months).
            let (children, children_total) = match known {
                Some(known) if s < known.0.next => known,
                _ => {
                    // Summed in the order of `home_hazards`' list, so the total is the same
                    // number.
                    let mut total = -0.0;
                    let children = self.open_case_children::<true>(f, s, p, pol, |h, _| total += h);
                    known = Some((children, total));
                    (children, total)
                }
            };
            let mut total = children_total;
            for h in self.open_case_family_events(f, s, pol, &children) {
                total += h;
            }
            let mut next = children.next;
            self.family_only_next_change(f, s, &mut next);
            (total, next)
        });
        self.families[f as usize].home_event = event;
    }

    /// Family `f`'s scheduled home event happens now: which one, in proportion to the hazards
    /// this month.
    pub(super) fn home_event(&mut self, f: u32) {
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
                _ => self.closed_crisis(f),
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
                self.families[f as usize].home += 1;
                let g = self.group_of(f);
                self.explicit_births[g] += 1;
                self.out.flow(Move::Birth, t, 1);
                self.log(f, Some(id), Move::Birth);
            }
        }
    }
}

/// What an open case's family events need of its children in a month, and the first month
/// after it at which any of that, or a child's care-entry hazard, may change (see
/// [`World::open_case_children`]).
#[derive(Debug, Clone, Copy)]
struct OpenCaseChildren {
    any_in_care: bool,
    /// The children at home's hazards of referral before contact (for stepping up from early
    /// help).
    underlying_referral: f64,
    /// Age in months of the youngest child at home under 18 (`i32::MAX`: none).
    youngest: i32,
    at_home: usize,
    next: i32,
}
