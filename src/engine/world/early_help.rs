//! The early help places of each locality and their waiting lists: joining, starting, and
//! allocating free places by the policy's rule.

use super::*;

impl World<'_> {
    pub(super) fn join_waiting(&mut self, f: u32) {
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

    pub(super) fn start_early_help(&mut self, f: u32) {
        let t = self.t;
        let wait = {
            let fam = &self.families[f as usize];
            if fam.case == Case::Waiting { t - fam.queue_since } else { 0 }
        };
        self.set_case(f, Case::EarlyHelp);
        let five_plus = self.home_index(f).is_some_and(|c| t - self.children[c as usize].birth >= FIVE_YEARS);
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
        self.redraw_later(f);
    }

    pub(super) fn allocate_early_help(&mut self) {
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
                            (t - w.children[idx].birth >= FIVE_YEARS) == prefer_older
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

    pub(super) fn is_waiting(&self, f: u32, since: i32) -> bool {
        let fam = &self.families[f as usize];
        fam.case == Case::Waiting && fam.queue_since == since && !fam.done && !fam.sleeping
    }

    pub(super) fn first_valid(&self, l: usize, pred: impl Fn(&Self, u32) -> bool) -> Option<usize> {
        self.queues[l].iter().position(|&(f, since)| self.is_waiting(f, since) && pred(self, f))
    }
}
