//! Who is due when. Each family and child in care has the month of its next event, drawn
//! once from its piecewise-constant hazards and redrawn when they change; closed families
//! sleep until their next contact.

use super::*;

impl World<'_> {
    pub(super) fn period_at(&self, t: i32) -> usize {
        self.periods.iter().rposition(|(s, _)| *s <= t).unwrap_or(0)
    }

    pub(super) fn sleep(&mut self, f: u32) {
        let t = self.t;
        self.set_sleeping(f, true);
        let e = unit_exponential(&mut self.families[f as usize].rng);
        let month = if self.entry.trending {
            // The trend moves crisis entry every month: no stretch of constant family factors
            // to skip, so the walk goes month by month.
            self.closed_first_event(f, e, t + 1, self.months)
        } else {
            self.sleeping_first_event(f, e, t + 1)
        };
        if month != NO_EVENT {
            self.wake[month as usize].push(f);
        }
    }

    /// The month in which closed family `f`'s cumulative hazard of renewed contact reaches `e`,
    /// walking its piecewise-constant hazards segment by segment from `from` to `until`.
    fn closed_first_event(&self, f: u32, e: f64, from: i32, until: i32) -> i32 {
        first_event(e, from, until, |s| {
            // With everyone at home turned 18 the hazards are zero to the horizon: no further
            // contact.
            let (h, next) = self.closed_walk::<true>(f, s, &self.periods[self.period_at(s)].1);
            (h.iter().sum(), next)
        })
    }

    /// As [`World::closed_first_event`] to the horizon, for a family going to sleep, without a
    /// trend: the months are taken a stretch at a time, a stretch being where the family's own
    /// factors (the policy period, the recently-closed window, the early help after-effect)
    /// are constant. A stretch's cumulative hazard is a difference of the children's
    /// cumulative hazards by month of age ([`closed_cumulative`]), whatever birthdays fall in
    /// it; only the stretch in which the event falls is walked segment by segment. Most
    /// sleeping families are not contacted again before the horizon, and most of the rest
    /// long after going to sleep.
    fn sleeping_first_event(&self, f: u32, mut e: f64, from: i32) -> i32 {
        let m = self.m;
        let fam = &self.families[f as usize];
        let need = fam.need as usize;
        let table = &self.closed_cumulative;
        let top = MONTHS_TO_18;
        let mut youngest_birth = None;
        for &c in &fam.children {
            let ch = &self.children[c as usize];
            if ch.status == Status::Home {
                youngest_birth = youngest_birth.max(Some(ch.birth));
            }
        }
        // Nobody at home under 18 from the youngest's 18th birthday on: no hazard at all.
        let Some(youngest_birth) = youngest_birth else { return NO_EVENT };
        let until = self.months.min(youngest_birth + top);
        let mut s = from;
        while s < until {
            let p = self.period_at(s);
            let pol = &self.periods[p].1;
            let mut end = until;
            for edge in [
                self.periods.get(p + 1).map_or(NO_EVENT, |(start, _)| *start),
                fam.case_since + m.recently_closed_months,
                fam.eh_closed_at + pol.eh_after_months,
            ] {
                if edge > s {
                    end = end.min(edge);
                }
            }
            let mut sums = [0.0; 4];
            for &c in &fam.children {
                let ch = &self.children[c as usize];
                if ch.status != Status::Home {
                    continue;
                }
                let (a, b) = ((s - ch.birth).clamp(0, top), (end - ch.birth).clamp(0, top));
                let (lo, hi) = (&table[a as usize], &table[b as usize]);
                for k in 0..4 {
                    sums[k] += hi[k] - lo[k];
                }
            }
            let mut contact = m.contact_need[need];
            if s - fam.case_since < m.recently_closed_months {
                contact *= m.recently_closed_multiplier;
            }
            let after = if s - fam.eh_closed_at < pol.eh_after_months { pol.eh_effect_after } else { 1.0 };
            let high_need = if need == 2 { pol.high_need_multiplier } else { 1.0 };
            let ident = (sums[0] + sums[1] * pol.over_fives_multiplier) * pol.identification_multiplier * high_need;
            let contact = contact * pol.demand; // constant in a period: it steps each April
            let stretch = contact * (ident + (sums[2] + sums[3]) * after) + m.move_away_hazard * f64::from(end - s);
            if e < stretch {
                // In this stretch: find the month walking it (rounding may leave the walk just
                // short of `e`; then it is the stretch's last month).
                let month = self.closed_first_event(f, e, s, end);
                return if month == NO_EVENT { end - 1 } else { month };
            }
            e -= stretch;
            s = end;
        }
        NO_EVENT
    }

    pub(super) fn wake_family(&mut self, f: u32) {
        let t = self.t;
        let fam = &self.families[f as usize];
        if !fam.sleeping || fam.done {
            return;
        }
        self.set_sleeping(f, false);
        if self.at_home(f) == 0 {
            self.set_done(f);
            return;
        }
        let periods = Rc::clone(&self.periods);
        let h = self.closed_hazards(f, t, &periods[self.period].1);
        let pick = rng::categorical(&mut self.families[f as usize].rng, &h);
        match pick {
            0 => self.contact(f, Route::Identification, Move::KnownToEarlyHelp, false),
            1 => self.contact(f, Route::Referral, Move::KnownToReferral, false),
            2 => self.closed_crisis(f),
            _ => self.move_away(f),
        }
        if !self.families[f as usize].done && !self.families[f as usize].sleeping {
            self.activate(f);
        }
    }

    pub(super) fn step_family(&mut self, f: u32) {
        let t = self.t;
        // Whether anything happened that the family's drawn home event did not foresee: its
        // walk already spent its hazards across 18th birthdays (of children at home and in
        // care) and the end of intensive support, so a family stepped only for those keeps its
        // draw (memoryless: the draw, given no event so far, is still one from the same
        // hazards).
        let mut changed = false;
        // Children in care whose scheduled event falls this month.
        for i in 0..self.families[f as usize].children.len() {
            let c = self.families[f as usize].children[i];
            let ch = &self.children[c as usize];
            if ch.status == Status::Care && ch.care_event == t {
                changed |= self.care_event(f, c);
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
            changed = true;
        }
        if changed {
            self.settle(f);
        } else {
            self.settle_keeping_draw(f);
        }
    }

    /// Family `f`'s hazards have changed: its next home event is re-drawn from next month at
    /// the end of this month ([`World::redraw_pending`]), from its state then. Every re-draw
    /// is from the family's state at the time, independent of earlier draws, so only the last
    /// of a month counts: a family that changes several times in a month (a contact, an
    /// assessment, a place in early help) is walked once, not once for each.
    pub(super) fn redraw_later(&mut self, f: u32) {
        let word = (f / 64) as usize;
        if word >= self.redraw.len() {
            self.redraw.resize(word + 1, 0);
        }
        self.redraw[word] |= 1 << (f % 64);
        let words = &mut self.redraw_words;
        *words = if words.start == words.end { word..word + 1 } else { words.start.min(word)..words.end.max(word + 1) };
    }

    /// The re-draws asked for this month, once a family, in family order (each family draws
    /// from its own stream, so the order changes nothing but the order of the months' lists
    /// of families due, which is kept). Sleeping and finished families need none. The
    /// families are a set of bits read in order, not a list sorted and de-duplicated: a
    /// month's few hundred re-draws sorted cost more than reading the words.
    pub(super) fn redraw_pending(&mut self) {
        let mut redraw = std::mem::take(&mut self.redraw);
        let words = std::mem::replace(&mut self.redraw_words, 0..0);
        let from = self.t + 1;
        for w in words {
            let mut bits = std::mem::take(&mut redraw[w]);
            while bits != 0 {
                let f = (w * 64) as u32 + bits.trailing_zeros();
                bits &= bits - 1;
                if !self.due[f as usize].parked {
                    self.refresh(f, from);
                }
            }
        }
        self.redraw = redraw;
    }

    /// Re-draw family `f`'s next home event from month `from` and set the month it next needs
    /// stepping: its next home event, a child's event in care, an 18th birthday, or the end of
    /// intensive support. Called whenever the family's hazards change.
    pub(super) fn refresh(&mut self, f: u32, from: i32) {
        let (home, _) = self.counts(f);
        if home > 0 {
            self.schedule_home(f, from);
        } else {
            self.families[f as usize].home_event = NO_EVENT;
        }
        self.retouch(f);
    }

    /// Set the month family `f` next needs stepping from its drawn events (see
    /// [`World::refresh`]), without re-drawing its home event.
    pub(super) fn retouch(&mut self, f: u32) {
        if self.families[f as usize].home == 0 {
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
        self.due[f as usize].touch = touch;
        if touch < self.months {
            let month = touch.max(self.open_month);
            if month < self.months {
                self.due_by_month[month as usize].push(f);
            }
        }
    }
}

/// The cumulative hazards of renewed contact of a child at home in a closed family, before
/// the family's own factors, by month of age from 0 to 18 years (217 rows, the first zero):
/// each row sums the months of age before it of identification under five, identification
/// five and over (before the policy's identification and over-fives multipliers), referral,
/// and crisis (times this replication's care-entry factors by band and single year of age;
/// only used without a trend, when the trend's factor is 1).
pub(super) fn closed_cumulative(m: &Model, entry: &CareEntryFactors) -> Vec<[f64; 4]> {
    let hazards = &m.previously_known;
    let mut rows = Vec::with_capacity(MONTHS_TO_18 as usize + 1);
    let mut sum = [0.0; 4];
    rows.push(sum);
    for age in 0..MONTHS_TO_18 {
        let band = AgeBand::of_months(age);
        let b = band.index();
        let by_age = entry.by_age.as_ref().map_or(1.0, |f| f[(age / 12) as usize]);
        let ident = hazards.identification[b];
        sum[usize::from(band.five_plus())] += ident;
        sum[2] += hazards.referral[b];
        sum[3] += hazards.crisis[b] * entry.scale[b] * by_age;
        rows.push(sum);
    }
    rows
}

/// A unit exponential draw: the amount of cumulative hazard until the next event.
pub(super) fn unit_exponential(rng: &mut Stream) -> f64 {
    -(1.0 - uniform(rng)).ln()
}

/// The month in which cumulative hazard reaches `e`, from month `from`, giving up at `until`
/// (`NO_EVENT`). `segment(s)` gives the monthly hazard from month `s` and the month it next
/// changes; spending `e` segment by segment has the same distribution as a draw every month,
/// for a fraction of the work.
pub(super) fn first_event(mut e: f64, from: i32, until: i32, mut segment: impl FnMut(i32) -> (f64, i32)) -> i32 {
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
