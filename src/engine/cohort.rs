//! Children held in aggregate: counts by group (locality x need level) and month of birth.
//!
//! Most children are never in contact in a given month, so they are not simulated one by one:
//! they sit here as counts. Ageing is free (a cohort's age is `month - birth month`), band totals
//! are kept up to date incrementally, and the cohort that turns 18 drops out each month.

use crate::vocab::{AgeBand, MONTHS_TO_18};

/// Band boundaries in months of age: a child moves to band `i + 1` at `BAND_START[i + 1]` months.
const BAND_START: [i32; AgeBand::COUNT + 1] = {
    let mut start = [MONTHS_TO_18; AgeBand::COUNT + 1];
    let mut i = 0;
    while i < AgeBand::COUNT {
        start[i] = AgeBand::START_MONTHS[i];
        i += 1;
    }
    start
};

/// Counts of children by group and birth month, with running totals by age band.
#[derive(Debug, Clone)]
pub struct CohortTable {
    groups: usize,
    /// Birth month of cohort index 0 (months relative to the run start; negative = before it).
    first_birth: i32,
    cohorts: usize,
    counts: Vec<u32>,
    band_totals: Vec<u64>,
}

impl CohortTable {
    /// An empty table for `groups` groups, covering children alive at month 0 and those born in
    /// the following `months` months.
    pub fn new(groups: usize, months: usize) -> Self {
        let cohorts = MONTHS_TO_18 as usize + months;
        Self {
            groups,
            first_birth: 1 - MONTHS_TO_18,
            cohorts,
            counts: vec![0; groups * cohorts],
            band_totals: vec![0; groups * 5],
        }
    }

    #[inline]
    fn slot(&self, group: usize, birth: i32) -> usize {
        group * self.cohorts + (birth - self.first_birth) as usize
    }

    /// The band of a child born in `birth` at month `t`, or `None` if outside 0-17.
    #[inline]
    pub fn band_at(birth: i32, t: i32) -> Option<AgeBand> {
        let age = t - birth;
        if !(0..MONTHS_TO_18).contains(&age) {
            return None;
        }
        Some(AgeBand::of_months(age))
    }

    /// Add `n` children of group `group` born in month `birth`, alive at month `t`.
    #[inline]
    pub fn add(&mut self, group: usize, birth: i32, n: u32, t: i32) {
        if n == 0 {
            return;
        }
        if let Some(band) = Self::band_at(birth, t) {
            let s = self.slot(group, birth);
            self.counts[s] += n;
            self.band_totals[group * 5 + band.index()] += u64::from(n);
        }
    }

    /// Remove one child (group, birth) at month `t`. Returns false if there was none.
    #[inline]
    pub fn remove(&mut self, group: usize, birth: i32, t: i32) -> bool {
        let Some(band) = Self::band_at(birth, t) else { return false };
        let s = self.slot(group, birth);
        if self.counts[s] == 0 {
            return false;
        }
        self.counts[s] -= 1;
        self.band_totals[group * 5 + band.index()] -= 1;
        true
    }

    /// Move one child born in `birth` from group `from` to group `to` at month `t`: as
    /// [`CohortTable::remove`] then [`CohortTable::add`] of one, with the band and the cohort's
    /// place found once (a family's change of case moves each of its children at home).
    #[inline]
    pub fn shift(&mut self, from: usize, to: usize, birth: i32, t: i32) {
        let Some(band) = Self::band_at(birth, t) else { return };
        let (cohort, b) = ((birth - self.first_birth) as usize, band.index());
        let source = from * self.cohorts + cohort;
        if self.counts[source] > 0 {
            self.counts[source] -= 1;
            self.band_totals[from * 5 + b] -= 1;
        }
        self.counts[to * self.cohorts + cohort] += 1;
        self.band_totals[to * 5 + b] += 1;
    }

    /// Count of (group, birth).
    #[cfg_attr(not(test), allow(dead_code))]
    pub fn count(&self, group: usize, birth: i32) -> u32 {
        if birth < self.first_birth || birth >= self.first_birth + self.cohorts as i32 {
            return 0;
        }
        self.counts[self.slot(group, birth)]
    }

    /// Children of `group` in `band`.
    #[inline]
    pub fn band_total(&self, group: usize, band: usize) -> u64 {
        self.band_totals[group * 5 + band]
    }

    /// Children of `group` in all bands.
    #[cfg_attr(not(test), allow(dead_code))]
    pub fn group_total(&self, group: usize) -> u64 {
        self.band_totals[group * 5..group * 5 + 5].iter().sum()
    }

    /// Move to month `t`: cohorts whose birthday crosses a band boundary change band, and the
    /// cohort turning 18 leaves. Returns how many children turned 18, per group.
    pub fn age_to(&mut self, t: i32, turned_18: &mut [u32]) {
        for g in 0..self.groups {
            // Boundaries 1..=4 move a cohort up a band; boundary 5 is the 18th birthday.
            for b in 1..BAND_START.len() {
                let birth = t - BAND_START[b];
                if birth < self.first_birth {
                    continue;
                }
                let n = self.counts[self.slot(g, birth)];
                if n == 0 {
                    continue;
                }
                self.band_totals[g * 5 + b - 1] -= u64::from(n);
                if b < 5 {
                    self.band_totals[g * 5 + b] += u64::from(n);
                } else {
                    let s = self.slot(g, birth);
                    self.counts[s] = 0;
                    turned_18[g] += n;
                }
            }
        }
    }

    /// Birth month of a child drawn uniformly from those of `group` in `band` at month `t`,
    /// given `u` uniform in [0, 1). `None` if the band is empty.
    pub fn pick_in_band(&self, group: usize, band: usize, t: i32, u: f64) -> Option<i32> {
        let total = self.band_total(group, band);
        if total == 0 {
            return None;
        }
        let mut target = ((u * total as f64) as u64).min(total - 1);
        // Youngest birth month in the band is t - BAND_START[band]; oldest is t - BAND_START[band+1] + 1.
        let youngest = t - BAND_START[band];
        let oldest = (t - BAND_START[band + 1] + 1).max(self.first_birth);
        if youngest < oldest {
            return None;
        }
        // The band's cohorts are side by side in the group's row: walked as a slice, youngest
        // first, rather than a slot computed for each.
        let cohorts = &self.counts[self.slot(group, oldest)..=self.slot(group, youngest)];
        for (i, &n) in cohorts.iter().enumerate().rev() {
            let n = u64::from(n);
            if target < n {
                return Some(oldest + i as i32);
            }
            target -= n;
        }
        None
    }

    /// Children of `group` aged `year` whole years (0-17) at month `t`.
    pub fn year_total(&self, group: usize, year: usize, t: i32) -> u64 {
        let youngest = t - year as i32 * 12;
        let oldest = (youngest - 11).max(self.first_birth);
        if youngest < oldest {
            return 0;
        }
        self.counts[self.slot(group, oldest)..=self.slot(group, youngest)].iter().map(|&n| u64::from(n)).sum()
    }

    /// Birth month of a child drawn from those of `group` in `band` at month `t`, a child aged
    /// `a` whole years with weight `weights[a]`, given `u` uniform in [0, 1): a single year of
    /// age in proportion to its children times its weight, then a child of that year uniformly.
    /// `None` if the band has no child of positive weight.
    pub fn pick_in_band_weighted(&self, group: usize, band: usize, t: i32, u: f64, weights: &[f64]) -> Option<i32> {
        let years = (BAND_START[band] / 12) as usize..(BAND_START[band + 1] / 12) as usize;
        let by_year: Vec<(usize, u64, f64)> = years
            .map(|a| {
                let n = self.year_total(group, a, t);
                (a, n, n as f64 * weights.get(a).copied().unwrap_or(0.0))
            })
            .filter(|&(_, n, w)| n > 0 && w > 0.0)
            .collect();
        let total: f64 = by_year.iter().map(|&(_, _, w)| w).sum();
        let &(last, _, _) = by_year.last()?;
        let mut target = u * total;
        for &(a, n, w) in &by_year {
            if target >= w && a != last {
                target -= w;
                continue;
            }
            // Within the year, uniformly: the rest of `u` picks the child.
            let mut k = ((target / w).clamp(0.0, 1.0) * n as f64) as u64;
            k = k.min(n - 1);
            let youngest = t - a as i32 * 12;
            for birth in ((youngest - 11).max(self.first_birth)..=youngest).rev() {
                let c = u64::from(self.counts[self.slot(group, birth)]);
                if k < c {
                    return Some(birth);
                }
                k -= c;
            }
        }
        None
    }

    /// The birth month nearest to `wanted` (within ages 0-17 at month `t`) that has a child of
    /// `group`, searching at most `radius` months either side.
    pub fn nearest(&self, group: usize, wanted: i32, t: i32, radius: i32) -> Option<i32> {
        let lo = (t - MONTHS_TO_18 + 1).max(self.first_birth);
        let hi = t;
        let wanted = wanted.clamp(lo, hi);
        for d in 0..=radius {
            for birth in [wanted - d, wanted + d] {
                if birth >= lo && birth <= hi && self.counts[self.slot(group, birth)] > 0 {
                    return Some(birth);
                }
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ageing_moves_bands_and_drops_eighteen_year_olds() {
        let mut t = CohortTable::new(1, 24);
        // One child born 11 months before the start (age 11 months), one aged 17y11m.
        t.add(0, -11, 1, 0);
        t.add(0, -215, 1, 0);
        assert_eq!(t.band_total(0, 0), 1);
        assert_eq!(t.band_total(0, 4), 1);
        let mut gone = [0u32];
        t.age_to(1, &mut gone);
        assert_eq!(t.band_total(0, 0), 0);
        assert_eq!(t.band_total(0, 1), 1);
        assert_eq!(t.band_total(0, 4), 0);
        assert_eq!(gone[0], 1);
        assert_eq!(t.group_total(0), 1);
    }

    #[test]
    fn pick_and_nearest_find_children() {
        let mut t = CohortTable::new(2, 12);
        t.add(1, -30, 3, 0);
        assert_eq!(t.pick_in_band(1, 1, 0, 0.5), Some(-30));
        assert_eq!(t.pick_in_band(0, 1, 0, 0.5), None);
        assert_eq!(t.nearest(1, -40, 0, 12), Some(-30));
        assert_eq!(t.nearest(1, -60, 0, 12), None);
        assert!(t.remove(1, -30, 0));
        assert_eq!(t.count(1, -30), 2);
    }

    #[test]
    fn a_shift_is_a_remove_then_an_add() {
        let births = [-30, -215, 5, 12];
        let mut shifted = CohortTable::new(3, 12);
        let mut by_hand = CohortTable::new(3, 12);
        for table in [&mut shifted, &mut by_hand] {
            table.add(0, -30, 2, 0);
            table.add(0, -215, 1, 0);
            table.add(2, 5, 1, 5);
        }
        // At month 6: a child of each birth month (the one born in month 12 not yet born, none
        // of month 5 in group 0) from group 0 to group 1, then back from group 2 to group 0.
        for birth in births {
            shifted.shift(0, 1, birth, 6);
            by_hand.remove(0, birth, 6);
            by_hand.add(1, birth, 1, 6);
        }
        shifted.shift(2, 0, 5, 6);
        by_hand.remove(2, 5, 6);
        by_hand.add(0, 5, 1, 6);
        for group in 0..3 {
            for birth in births {
                assert_eq!(shifted.count(group, birth), by_hand.count(group, birth), "group {group}, born {birth}");
            }
            for band in 0..AgeBand::COUNT {
                assert_eq!(shifted.band_total(group, band), by_hand.band_total(group, band), "group {group}");
            }
        }
        assert_eq!((shifted.count(0, -30), shifted.count(1, -30), shifted.count(1, 5)), (1, 1, 1));
    }

    #[test]
    fn a_weighted_pick_draws_years_by_children_times_weight() {
        // Ten to fifteen at month 0: two children aged 10 (born month -125), one aged 12 (-150),
        // three aged 15 (-185).
        let mut t = CohortTable::new(1, 12);
        t.add(0, -125, 2, 0);
        t.add(0, -150, 1, 0);
        t.add(0, -185, 3, 0);
        assert_eq!((t.year_total(0, 10, 0), t.year_total(0, 12, 0), t.year_total(0, 15, 0)), (2, 1, 3));
        assert_eq!(t.year_total(0, 11, 0), 0);
        let draws: Vec<f64> = (0..600).map(|k| (k as f64 + 0.5) / 600.0).collect();
        // At weight 1 everywhere, the same child as the uniform pick for every u.
        let ones = [1.0; 18];
        for &u in &draws {
            assert_eq!(t.pick_in_band_weighted(0, 3, 0, u, &ones), t.pick_in_band(0, 3, 0, u), "u = {u}");
        }
        // Age 15 at weight 0 is never drawn; age 12 at weight 4 is drawn 4 / (2 + 4) of the time.
        let mut weights = [1.0; 18];
        weights[15] = 0.0;
        weights[12] = 4.0;
        let picks: Vec<i32> = draws.iter().map(|&u| t.pick_in_band_weighted(0, 3, 0, u, &weights).unwrap()).collect();
        assert!(!picks.contains(&-185));
        assert_eq!(picks.iter().filter(|&&b| b == -150).count(), 400);
        assert_eq!(t.pick_in_band_weighted(0, 3, 0, 0.5, &[0.0; 18]), None);
    }
}
