//! Families and children: who they are, where each child is, the family's case, and the
//! table of explicit children by slot (case at home, or placement in care).

use super::*;

/// A family's open case (for its children living at home).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Case {
    Closed,
    Waiting,
    EarlyHelp,
    ChildInNeed,
    ChildProtection,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Status {
    Home,
    Care,
    Left,
}

#[derive(Debug, Clone)]
pub(super) struct Child {
    pub(super) family: u32,
    pub(super) birth: i32,
    pub(super) status: Status,
    /// Month of this child's next event in care (exit or placement move); `NO_EVENT` if none
    /// before the 18th birthday or the horizon.
    pub(super) care_event: i32,
    pub(super) care_since: i32,
    pub(super) placement: u8,
    pub(super) entered_under_5: bool,
    pub(super) returned_at: i32,
    /// Periods in care so far, including the current one.
    pub(super) care_episodes: u8,
    /// Legal status in care ([`LegalStatus`] index); an interim care order becomes a care
    /// order in month `order_due` (see [`World::legal_status_at`]).
    pub(super) legal_status: u8,
    /// Month an interim care order becomes a care order (`NO_EVENT`: not on one).
    pub(super) order_due: i32,
    /// An unaccompanied asylum-seeking child.
    pub(super) uasc: bool,
}

#[derive(Debug, Clone)]
pub(super) struct Family {
    pub(super) rng: Stream,
    pub(super) children: ChildList,
    /// Children at home and in care: kept by [`World::set_status`], so that the many questions
    /// "anyone at home?" need no walk over the children.
    pub(super) home: u16,
    pub(super) care: u16,
    pub(super) index_child: u32,
    pub(super) locality: u8,
    pub(super) need: u8,
    pub(super) abuse_neglect: bool,
    pub(super) case: Case,
    pub(super) case_since: i32,
    pub(super) queue_since: i32,
    pub(super) in_sis: bool,
    /// Month intensive support ends (meaningful while `in_sis`).
    pub(super) sis_until: i32,
    /// Month of the next event of the children at home (`NO_EVENT`: none scheduled).
    pub(super) home_event: i32,
    pub(super) eh_index_5_plus: bool,
    pub(super) eh_closed_at: i32,
    /// Asleep until its next contact (set by [`World::set_sleeping`]).
    pub(super) sleeping: bool,
    /// No children left in the model (set by [`World::set_done`]).
    pub(super) done: bool,
    pub(super) logged: bool,
}

/// Children kept in the family's record: most families have few, so they need no allocation
/// of their own (the profile counted one and a reallocation per family formed).
const INLINE_CHILDREN: usize = 5;

/// A family's children (ids into the world's children), index child first, in the order they
/// joined: inline up to [`INLINE_CHILDREN`], then all on the heap.
#[derive(Debug, Clone, Default)]
pub(super) struct ChildList {
    len: u32,
    inline: [u32; INLINE_CHILDREN],
    spilled: Vec<u32>,
}

impl ChildList {
    pub(super) fn push(&mut self, c: u32) {
        let n = self.len as usize;
        if n < INLINE_CHILDREN {
            self.inline[n] = c;
        } else {
            if n == INLINE_CHILDREN {
                self.spilled.extend_from_slice(&self.inline);
            }
            self.spilled.push(c);
        }
        self.len += 1;
    }
}

impl std::ops::Deref for ChildList {
    type Target = [u32];

    #[inline]
    fn deref(&self) -> &[u32] {
        let n = self.len as usize;
        if n <= INLINE_CHILDREN { &self.inline[..n] } else { &self.spilled }
    }
}

impl<'a> IntoIterator for &'a ChildList {
    type Item = &'a u32;
    type IntoIter = std::slice::Iter<'a, u32>;

    #[inline]
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

/// When a family next needs stepping, apart from its record (see `World::due`).
#[derive(Debug, Clone, Copy)]
pub(super) struct Due {
    /// Earliest month the family needs stepping: its next home event, a child's event in care
    /// or 18th birthday, the end of intensive support.
    pub(super) touch: i32,
    /// Sleeping or done: not stepped, and out of the active list at the end of the month.
    pub(super) parked: bool,
}

/// Slots of the explicit-children table: a family's case for children at home, then one slot
/// per placement type for children in care.
pub(super) const SLOT_CLOSED: usize = 0;

pub(super) const SLOT_CARE: usize = 5;

pub(super) const SLOTS: usize = SLOT_CARE + Placement::COUNT;

impl World<'_> {
    /// Put a family that is not in the active list into it.
    pub(super) fn activate(&mut self, f: u32) {
        self.newly_active.push(f);
    }

    /// Change a family's case, keeping the counters of early help, waiting and intensive
    /// support right.
    pub(super) fn set_case(&mut self, f: u32, case: Case) {
        let t = self.t;
        let fam = &self.families[f as usize];
        if fam.case == case {
            return;
        }
        let (from, to) = (case_slot(fam.case), case_slot(case));
        if from != to {
            let (localities, l) = (self.m.localities, fam.locality as usize);
            let (from, to) = (from * localities + l, to * localities + l);
            for &c in &fam.children {
                let child = &self.children[c as usize];
                if child.status == Status::Home {
                    self.explicit.shift(from, to, child.birth, t);
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

    /// The index child if still at home, else the eldest child at home (who becomes the index).
    pub(super) fn home_index(&mut self, f: u32) -> Option<u32> {
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

    /// Children at home and in care.
    #[inline]
    pub(super) fn counts(&self, f: u32) -> (usize, usize) {
        let fam = &self.families[f as usize];
        (usize::from(fam.home), usize::from(fam.care))
    }

    #[inline]
    pub(super) fn at_home(&self, f: u32) -> usize {
        usize::from(self.families[f as usize].home)
    }

    #[inline]
    pub(super) fn in_care(&self, f: u32) -> usize {
        usize::from(self.families[f as usize].care)
    }

    /// Family `f` has no children left in the model.
    pub(super) fn set_done(&mut self, f: u32) {
        self.families[f as usize].done = true;
        self.due[f as usize].parked = true;
    }

    /// Family `f` goes to sleep until its next contact, or wakes.
    pub(super) fn set_sleeping(&mut self, f: u32, sleeping: bool) {
        let fam = &mut self.families[f as usize];
        fam.sleeping = sleeping;
        self.due[f as usize].parked = fam.sleeping || fam.done;
    }

    /// Set child `c`'s status, keeping its family's counts of children at home and in care.
    pub(super) fn set_status(&mut self, c: u32, status: Status) {
        let child = &mut self.children[c as usize];
        let was = std::mem::replace(&mut child.status, status);
        let fam = &mut self.families[child.family as usize];
        match was {
            Status::Home => fam.home -= 1,
            Status::Care => fam.care -= 1,
            Status::Left => {}
        }
        match status {
            Status::Home => fam.home += 1,
            Status::Care => fam.care += 1,
            Status::Left => {}
        }
    }

    /// After anything happens to a family: it sleeps if its case is closed with children at
    /// home and none in care; it is done if no children remain; otherwise its next home event
    /// is re-drawn (at the end of the month, [`World::redraw_later`]).
    pub(super) fn settle(&mut self, f: u32) {
        if self.settle_state(f) {
            self.redraw_later(f);
        }
    }

    /// As [`World::settle`] after a step at which nothing happened that the family's drawn
    /// home event did not foresee (an 18th birthday, the end of intensive support): it keeps
    /// its draw.
    pub(super) fn settle_keeping_draw(&mut self, f: u32) {
        if self.settle_state(f) {
            self.retouch(f);
        }
    }

    /// Sleep or finish family `f` if it should; true if it stays active.
    fn settle_state(&mut self, f: u32) -> bool {
        let fam = &self.families[f as usize];
        if fam.sleeping || fam.done {
            return false; // already settled earlier this month
        }
        let (home, care) = self.counts(f);
        if home == 0 && care == 0 {
            self.set_case(f, Case::Closed);
            self.set_done(f);
            return false;
        }
        if home == 0 && self.families[f as usize].case != Case::Closed {
            self.set_case(f, Case::Closed);
        }
        if home > 0 && care == 0 && self.families[f as usize].case == Case::Closed {
            self.sleep(f);
            return false;
        }
        true
    }

    /// Move child `c` of family `f` between slots of the explicit table (`None`: out of it).
    pub(super) fn retable(&mut self, f: u32, c: u32, from: Option<usize>, to: Option<usize>) {
        let localities = self.m.localities;
        let l = self.families[f as usize].locality as usize;
        let birth = self.children[c as usize].birth;
        match (from, to) {
            (Some(from), Some(to)) => self.explicit.shift(from * localities + l, to * localities + l, birth, self.t),
            (Some(slot), None) => {
                self.explicit.remove(slot * localities + l, birth, self.t);
            }
            (None, Some(slot)) => self.explicit.add(slot * localities + l, birth, 1, self.t),
            (None, None) => {}
        }
    }

    /// A new child of family `f` in locality `l`, counted in `slot` of the explicit table.
    pub(super) fn new_child(&mut self, f: u32, l: usize, birth: i32, slot: usize) -> u32 {
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
            legal_status: LegalStatus::Other as u8,
            order_due: NO_EVENT,
            uasc: false,
        });
        self.explicit.add(slot * self.m.localities + l, birth, 1, self.t);
        let eighteen = birth + MONTHS_TO_18;
        if (0..self.months).contains(&eighteen) {
            self.eighteenth[eighteen as usize].push(id);
        }
        id
    }

    pub(super) fn group_of(&self, f: u32) -> usize {
        let fam = &self.families[f as usize];
        fam.locality as usize * 3 + fam.need as usize
    }
}

/// The explicit-table slot of children at home in a family with this case.
#[inline]
pub(super) fn case_slot(case: Case) -> usize {
    match case {
        Case::Closed => SLOT_CLOSED,
        Case::Waiting => 1,
        Case::EarlyHelp => 2,
        Case::ChildInNeed => 3,
        Case::ChildProtection => 4,
    }
}

/// The state reported for a slot of the explicit table.
pub(super) const SLOT_STATES: [State; SLOTS] = {
    let mut states = [State::LookedAfter; SLOTS];
    let at_home =
        [State::KnownClosed, State::WaitingEarlyHelp, State::EarlyHelp, State::ChildInNeed, State::ChildProtection];
    let mut i = 0;
    while i < SLOT_CARE {
        states[i] = at_home[i];
        i += 1;
    }
    states
};

/// Escalation rank of a case, for "at least this level" decisions.
pub(super) fn rank(c: Case) -> u8 {
    match c {
        Case::Closed => 0,
        Case::Waiting => 1,
        Case::EarlyHelp => 2,
        Case::ChildInNeed => 3,
        Case::ChildProtection => 4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_child_list_keeps_its_order_past_the_inline_places() {
        let mut list = ChildList::default();
        assert!(list.is_empty());
        let wanted: Vec<u32> = (0..2 * INLINE_CHILDREN as u32 + 1).map(|i| 10 * i + 3).collect();
        for (n, &c) in wanted.iter().enumerate() {
            list.push(c);
            assert_eq!(&list[..], &wanted[..=n], "after {} children", n + 1);
        }
        assert_eq!(list.iter().copied().collect::<Vec<_>>(), wanted);
        assert_eq!(list.clone().to_vec(), wanted);
    }
}
