//! What each month records: stocks by state, age band and locality, queues, caseloads, costed
//! activity, and the event log.

use super::*;

impl World<'_> {
    pub(super) fn record(&mut self, t: i32) {
        let m = self.m;
        let o = &mut self.out;
        for l in 0..m.localities {
            for n in 0..3 {
                let g = l * 3 + n;
                for b in 0..AgeBand::COUNT {
                    o.stock(State::NotKnown, b, l, t, self.not_known.band_total(g, b) as u32);
                    o.stock(State::KnownClosed, b, l, t, self.known.band_total(g, b) as u32);
                }
            }
            for (slot, state) in SLOT_STATES.iter().enumerate() {
                let g = slot * m.localities + l;
                for b in 0..AgeBand::COUNT {
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
                (0..AgeBand::COUNT).map(|b| self.explicit.band_total(slot * m.localities + l, b) as u32).sum()
            };
            for p in Placement::ALL {
                o.activity(Activity::Placement(p), l, t, slot_total(SLOT_CARE + p.index()));
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
        o.legal_statuses(t, &self.by_legal_status, self.uasc_in_care);
    }

    pub(super) fn log(&mut self, f: u32, child: Option<u32>, mv: Move) {
        if self.log_families == 0 || !self.families[f as usize].logged {
            return;
        }
        self.out.events.push(LoggedEvent { month: self.t, family: f, child, kind: mv });
    }
}
