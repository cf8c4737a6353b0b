//! The state of the projection: expected children by row (a combination of group, kind of
//! need, place and clocks) and window of birth months ([`Layout`]), held in dense arrays,
//! with each row's destinations worked out once and cached.

use super::params::{BAND_EDGES, BAND_OF_AGE, Caps};
use crate::vocab::AgeBand;
use crate::vocab::LegalStatus;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// Months of age a child can have: 0 to 215.
pub(super) const MONTHS: usize = 216;

/// How the rows hold ages: in windows of birth months. Window `i` holds the children born
/// in `width` consecutive months (a whole divisor of 12), the same children month after month,
/// so that they age exactly: with `o = t mod width`, in month `t` it holds ages
/// `i x width - width + 1 + o` to `i x width + o` months (window 0 the newest births). When
/// `o` comes round to 0 the windows move up one place, which the recursion does as it writes
/// next month's rows (`shift` 1). With `width` 1 a window is a single month of age and every
/// month moves the rows up, as an exact recursion by month of age does.
///
/// Hazards depend on age only through the age band and the year of age: a window that spans
/// two of them is taken as spread evenly over its months (its share in each is its share of
/// months), and so are the window turning 18 and the children moving away (back to the pools,
/// which are by month).
#[derive(Debug, Clone)]
pub(super) struct Layout {
    pub(super) width: usize,
    /// Numbers per row: the windows that can hold children.
    pub(super) stride: usize,
    /// `t mod width`.
    pub(super) offset: usize,
    /// Next month's rows are written at window `i + shift` (the windows move up).
    pub(super) shift: usize,
    /// Windows `0..end` hold children this month.
    pub(super) end: usize,
    /// First and last month of age in each window this month (within 0 to 215).
    pub(super) first: Vec<usize>,
    pub(super) last: Vec<usize>,
    /// The stretches of windows with the same band (and year of age, in `by_year`), and the
    /// share of each window's children in it.
    pub(super) by_band: Vec<Segment>,
    pub(super) by_year: Vec<Segment>,
    /// For window `i` and band `b` (at `i x 5 + b`): the years of age its children in the band
    /// are, and the share of them in each (spread evenly over its months in the band; a window
    /// spans at most two years).
    pub(super) years_in_band: Vec<[(usize, f64); 2]>,
}

/// Windows `start..end`, whose children are all (`part` 1) or a share `part` (a window that
/// spans two bands or years) of age band `band` and year of age `year`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Segment {
    pub(super) band: usize,
    pub(super) year: usize,
    pub(super) start: usize,
    pub(super) end: usize,
    pub(super) part: f64,
}

impl Layout {
    /// The windows of `width` months in month `t`.
    pub(super) fn new(width: usize, t: i32) -> Layout {
        debug_assert!(width > 0 && 12 % width == 0);
        let offset = t.rem_euclid(width as i32) as usize;
        let stride = (MONTHS - 1 + width) / width + 1;
        let end = (MONTHS - 1 + width - 1 - offset) / width + 1;
        let first: Vec<usize> = (0..end).map(|i| (i * width + offset + 1).saturating_sub(width)).collect();
        let last: Vec<usize> = (0..end).map(|i| (i * width + offset).min(MONTHS - 1)).collect();
        let mut layout = Layout {
            width,
            stride,
            offset,
            shift: usize::from((offset + 1) % width == 0),
            end,
            first,
            last,
            by_band: Vec::new(),
            by_year: Vec::new(),
            years_in_band: Vec::new(),
        };
        layout.years_in_band = (0..end)
            .flat_map(|i| (0..AgeBand::COUNT).map(move |b| (i, b)))
            .map(|(i, b)| {
                let first = layout.first[i].max(BAND_EDGES[b]);
                let last = layout.last[i].min(BAND_EDGES[b + 1] - 1);
                if first > last || first / 12 == last / 12 {
                    [((first / 12).min(17), 1.0), (0, 0.0)]
                } else {
                    let months = (last + 1 - first) as f64;
                    let split = (first / 12 + 1) * 12;
                    [
                        ((first / 12).min(17), (split - first) as f64 / months),
                        ((last / 12).min(17), (last + 1 - split) as f64 / months),
                    ]
                }
            })
            .collect();
        layout.by_band = layout.segments(|a| (BAND_OF_AGE[a] as usize, 0));
        layout.by_year = layout.segments(|a| (BAND_OF_AGE[a] as usize, a / 12));
        layout
    }

    /// The window of a child aged `months` (at most 215) this month.
    #[inline]
    pub(super) fn window(&self, months: usize) -> usize {
        (months.min(MONTHS - 1) + self.width - 1 - self.offset) / self.width
    }

    /// The share of window `i`'s children aged `from` to `to - 1` months.
    #[inline]
    pub(super) fn share(&self, i: usize, from: usize, to: usize) -> f64 {
        if i >= self.end {
            return 0.0;
        }
        let (a, b) = (self.first[i], self.last[i] + 1);
        let inside = b.min(to).saturating_sub(a.max(from));
        if inside == b - a { 1.0 } else { inside as f64 / (b - a) as f64 }
    }

    /// Stretches of windows whose months all have the same `class` (band, year), and each
    /// window that spans two classes split by its months.
    fn segments(&self, class: impl Fn(usize) -> (usize, usize)) -> Vec<Segment> {
        let mut out: Vec<Segment> = Vec::new();
        for i in 0..self.end {
            let (a, b) = (self.first[i], self.last[i]);
            if class(a) == class(b) {
                let (band, year) = class(a);
                match out.last_mut() {
                    Some(s) if s.part == 1.0 && s.end == i && (s.band, s.year) == (band, year) => s.end = i + 1,
                    _ => out.push(Segment { band, year, start: i, end: i + 1, part: 1.0 }),
                }
            } else {
                let mut from = a;
                while from <= b {
                    let c = class(from);
                    let mut to = from;
                    while to <= b && class(to) == c {
                        to += 1;
                    }
                    let part = (to - from) as f64 / (b + 1 - a) as f64;
                    out.push(Segment { band: c.0, year: c.1, start: i, end: i + 1, part });
                    from = to;
                }
            }
        }
        out
    }
}

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

/// The rows: keys, their expected children this month (`now`) and next month (`next`), each
/// row `stride` numbers by window of birth months ([`Layout`]), one after the other, and the index from key to row.
pub(super) struct Rows {
    pub(super) keys: Vec<Key>,
    pub(super) now: Vec<f64>,
    pub(super) next: Vec<f64>,
    pub(super) stride: usize,
    /// Next month's rows are written at window `i + shift` ([`Layout`]).
    pub(super) shift: usize,
    /// Rows that may hold children this month (the others are all zeros).
    pub(super) live_now: Vec<bool>,
    /// Rows written for next month.
    pub(super) live_next: Vec<bool>,
    index: HashMap<Key, u32, BuildHasherDefault<KeyHasher>>,
}

/// A fast hasher for the row keys (a few small integers; the default SipHash was about 5% of
/// the projection's time). The index is only looked up, never iterated, so the hash changes
/// no number.
#[derive(Default)]
pub(super) struct KeyHasher(u64);

impl KeyHasher {
    #[inline]
    fn mix(&mut self, x: u64) {
        self.0 = (self.0.rotate_left(5) ^ x).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

impl Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.mix(u64::from(b));
        }
    }
    fn write_u8(&mut self, x: u8) {
        self.mix(u64::from(x));
    }
    fn write_u16(&mut self, x: u16) {
        self.mix(u64::from(x));
    }
    fn write_u32(&mut self, x: u32) {
        self.mix(u64::from(x));
    }
    fn write_u64(&mut self, x: u64) {
        self.mix(x);
    }
    fn write_usize(&mut self, x: usize) {
        self.mix(x as u64);
    }
    fn write_isize(&mut self, x: isize) {
        self.mix(x as u64);
    }
}

impl Rows {
    pub(super) fn new(stride: usize, shift: usize) -> Rows {
        Rows {
            keys: Vec::new(),
            now: Vec::new(),
            next: Vec::new(),
            stride,
            shift,
            live_now: Vec::new(),
            live_next: Vec::new(),
            index: HashMap::default(),
        }
    }

    /// The row of `key` (canonical), made if it is new.
    pub(super) fn row(&mut self, key: Key) -> u32 {
        if let Some(&r) = self.index.get(&key) {
            return r;
        }
        let r = self.keys.len() as u32;
        self.keys.push(key);
        let len = self.now.len() + self.stride;
        self.now.resize(len, 0.0);
        self.next.resize(len, 0.0);
        self.live_now.push(false);
        self.live_next.push(false);
        self.index.insert(key, r);
        r
    }

    /// The span of row `r` in `now` and `next`.
    #[inline]
    pub(super) fn span(&self, r: u32) -> std::ops::Range<usize> {
        let s = self.stride;
        r as usize * s..(r as usize + 1) * s
    }

    /// Row `r` of this month.
    #[inline]
    pub(super) fn now(&self, r: u32) -> &[f64] {
        &self.now[self.span(r)]
    }

    /// Row `r` of next month, to read.
    #[inline]
    pub(super) fn next(&self, r: u32) -> &[f64] {
        &self.next[self.span(r)]
    }

    /// Row `r` of next month, to write to.
    #[inline]
    pub(super) fn next_mut(&mut self, r: u32) -> &mut [f64] {
        self.live_next[r as usize] = true;
        let span = self.span(r);
        &mut self.next[span]
    }

    /// Row `r` of this month, to write to (the starting position, merging, ageing).
    #[inline]
    pub(super) fn now_mut(&mut self, r: u32) -> &mut [f64] {
        self.live_now[r as usize] = true;
        let span = self.span(r);
        &mut self.now[span]
    }

    /// Next month becomes this month; next month starts empty.
    pub(super) fn advance(&mut self) {
        std::mem::swap(&mut self.now, &mut self.next);
        let s = self.stride;
        for (row, live) in self.next.chunks_exact_mut(s).zip(&self.live_now) {
            if *live {
                row.fill(0.0);
            }
        }
        std::mem::swap(&mut self.live_now, &mut self.live_next);
        self.live_next.iter_mut().for_each(|x| *x = false);
    }
}
