//! The state of the projection: expected children by row (a combination of group, kind of
//! need, place and clocks) and single month of age, held in dense arrays, with each row's
//! destinations worked out once and cached.

use super::params::Caps;
use crate::vocab::LegalStatus;
use std::collections::HashMap;

/// Ages held per row: 0 to 215 months, and 216 for the children who turn 18 at the start of
/// the next month (counted then).
pub(super) const AGES: usize = 217;

/// One row of expected children, by age in months.
pub(super) type Row = [f64; AGES];

/// Where an explicit child is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) enum Place {
    Closed,
    Waiting,
    EarlyHelp,
    ChildInNeed,
    ChildProtection,
    Care,
}

/// A legal status drawn as the engine draws it for an entry: through care proceedings (an
/// interim care order, a care order once `interim_order_months` have passed) with probability
/// `care_proceedings_share`, else section 20.
pub(super) const LEGAL_DRAWN: u8 = u8::MAX;

/// Everything about an explicit child but its age, with each clock clamped at its cap and
/// clocks that make no difference in its place held at a fixed value, so that rows that behave
/// alike are one row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) struct Key {
    /// Locality x 3 + need level.
    pub(super) group: u16,
    pub(super) abuse_neglect: bool,
    pub(super) place: Place,
    /// Months since the family's case last changed.
    pub(super) case_clock: u16,
    /// Months since early help last closed (the cap: never, or long ago).
    pub(super) eh_clock: u16,
    /// Months since the child returned home from care (the cap: never, long ago, or in care).
    pub(super) return_clock: u16,
    /// Months in care (in care only).
    pub(super) care_clock: u16,
    /// Whether the child has been in care before (at home only: an entry is a re-entry).
    pub(super) been_in_care: bool,
    /// Entered care under five (in care, without an exit table: adoption).
    pub(super) under_5: bool,
    /// Legal status in care: [`LEGAL_DRAWN`] or a [`LegalStatus`] index given by the start.
    pub(super) legal: u8,
    /// An unaccompanied asylum-seeking child (in care, from the starting position).
    pub(super) uasc: bool,
    /// Receiving intensive support (child in need or protection plans only).
    pub(super) intensive: bool,
}

impl Key {
    /// A child of group `group` just come into contact: closed case from this month.
    pub(super) fn fresh(group: u16, abuse_neglect: bool, caps: &Caps) -> Key {
        Key {
            group,
            abuse_neglect,
            place: Place::Closed,
            case_clock: 0,
            eh_clock: caps.after,
            return_clock: caps.reentry,
            care_clock: 0,
            been_in_care: false,
            under_5: false,
            legal: 0,
            uasc: false,
            intensive: false,
        }
    }

    /// The key with the clocks that make no difference in its place fixed, and each clock at
    /// most its cap.
    pub(super) fn canonical(mut self, caps: &Caps, table: bool) -> Key {
        self.case_clock = match self.place {
            Place::Closed | Place::Care => self.case_clock.min(caps.recently_closed),
            Place::EarlyHelp => self.case_clock.min(3),
            _ => 0,
        };
        self.eh_clock = self.eh_clock.min(caps.after);
        if self.place == Place::Care {
            self.return_clock = caps.reentry;
            self.care_clock = self.care_clock.min(caps.care);
            self.been_in_care = false;
            if table {
                self.under_5 = false;
            }
        } else {
            self.return_clock = self.return_clock.min(caps.reentry);
            self.care_clock = 0;
            self.under_5 = false;
            self.legal = 0;
            self.uasc = false;
        }
        if !matches!(self.place, Place::ChildInNeed | Place::ChildProtection) {
            self.intensive = false;
        }
        self
    }

    /// The key a month later (every clock one month on), canonical.
    pub(super) fn ticked(mut self, caps: &Caps, table: bool) -> Key {
        self.case_clock = self.case_clock.saturating_add(1);
        self.eh_clock = self.eh_clock.saturating_add(1);
        self.return_clock = self.return_clock.saturating_add(1);
        if self.place == Place::Care {
            self.care_clock = self.care_clock.saturating_add(1);
        }
        self.canonical(caps, table)
    }

    /// This child's legal status shares in care, given `proceedings` (the share of entries
    /// through care proceedings) and the months an interim order lasts.
    pub(super) fn legal_shares(&self, proceedings: f64, interim_months: i32) -> [f64; LegalStatus::COUNT] {
        let mut shares = [0.0; LegalStatus::COUNT];
        let interim = i32::from(self.care_clock) < interim_months;
        let court = if interim { LegalStatus::InterimCareOrder } else { LegalStatus::CareOrder };
        if self.legal == LEGAL_DRAWN {
            shares[court.index()] += proceedings;
            shares[LegalStatus::Section20.index()] += 1.0 - proceedings;
        } else if self.legal as usize == LegalStatus::InterimCareOrder.index() {
            shares[court.index()] = 1.0;
        } else {
            shares[(self.legal as usize).min(LegalStatus::COUNT - 1)] = 1.0;
        }
        shares
    }
}

/// The rows: keys, their expected children this month (`now`) and next month (`next`, aged
/// one month), and the index from key to row.
pub(super) struct Rows {
    pub(super) keys: Vec<Key>,
    pub(super) now: Vec<Row>,
    pub(super) next: Vec<Row>,
    /// Rows that may hold children this month (the others are all zeros).
    pub(super) live_now: Vec<bool>,
    /// Rows written for next month.
    pub(super) live_next: Vec<bool>,
    index: HashMap<Key, u32>,
}

impl Rows {
    pub(super) fn new() -> Rows {
        Rows {
            keys: Vec::new(),
            now: Vec::new(),
            next: Vec::new(),
            live_now: Vec::new(),
            live_next: Vec::new(),
            index: HashMap::new(),
        }
    }

    /// The row of `key` (canonical), made if it is new.
    pub(super) fn row(&mut self, key: Key) -> u32 {
        if let Some(&r) = self.index.get(&key) {
            return r;
        }
        let r = self.keys.len() as u32;
        self.keys.push(key);
        self.now.push([0.0; AGES]);
        self.next.push([0.0; AGES]);
        self.live_now.push(false);
        self.live_next.push(false);
        self.index.insert(key, r);
        r
    }

    /// Row `r` of next month, to write to.
    #[inline]
    pub(super) fn next_mut(&mut self, r: u32) -> &mut Row {
        self.live_next[r as usize] = true;
        &mut self.next[r as usize]
    }

    /// Row `r` of this month, to write to (the starting position).
    #[inline]
    pub(super) fn now_mut(&mut self, r: u32) -> &mut Row {
        self.live_now[r as usize] = true;
        &mut self.now[r as usize]
    }

    /// Next month becomes this month; next month starts empty.
    pub(super) fn advance(&mut self) {
        std::mem::swap(&mut self.now, &mut self.next);
        for (row, live) in self.next.iter_mut().zip(&self.live_now) {
            if *live {
                row.fill(0.0);
            }
        }
        std::mem::swap(&mut self.live_now, &mut self.live_next);
        self.live_next.iter_mut().for_each(|x| *x = false);
    }
}
