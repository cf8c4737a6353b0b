//! The Specialist Intensive Support Service: eligible families, allocation of its places, and
//! the end of support.

use super::*;

impl World<'_> {
    pub(super) fn allocate_intensive_support(&mut self) {
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
        // A family woken since the list was last cleared of sleepers is in it twice.
        candidates.dedup();
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
            self.redraw_later(f);
        }
        self.sis_candidates = candidates;
    }
}
