//! The invariants the tests check at the end of every month, and what they read.

use super::*;

impl World<'_> {
    /// Check the world's invariants at the end of month `t` (used by the tests through
    /// [`super::audit`]): nobody in the model aged 18 or over, capacity counters equal to the
    /// families they count, intensive support within its places.
    pub fn audit(&self, t: i32) -> Result<(), String> {
        let mut in_eh = vec![0u32; self.m.localities];
        let mut waiting = vec![0u32; self.m.localities];
        let mut in_sis = 0;
        for (f, fam) in self.families.iter().enumerate() {
            let walked = |status| fam.children.iter().filter(|&&c| self.children[c as usize].status == status).count();
            if (usize::from(fam.home), usize::from(fam.care)) != (walked(Status::Home), walked(Status::Care)) {
                return Err(format!(
                    "month {t}: family {f} counts {} at home and {} in care, but its children say {} and {}",
                    fam.home,
                    fam.care,
                    walked(Status::Home),
                    walked(Status::Care)
                ));
            }
            if self.due[f].parked != (fam.done || fam.sleeping) {
                return Err(format!("month {t}: family {f} is parked but neither sleeping nor done, or the reverse"));
            }
            if fam.done {
                if fam.children.iter().any(|&c| self.children[c as usize].status != Status::Left) {
                    return Err(format!("month {t}: family {f} is done but has children in the model"));
                }
                continue;
            }
            if fam.sleeping {
                if fam.case != Case::Closed || self.in_care(f as u32) > 0 {
                    return Err(format!("month {t}: sleeping family {f} has an open case or a child in care"));
                }
                continue;
            }
            match fam.case {
                Case::EarlyHelp => in_eh[fam.locality as usize] += 1,
                Case::Waiting => waiting[fam.locality as usize] += 1,
                _ => {}
            }
            if fam.in_sis {
                in_sis += 1;
            }
            for &c in &fam.children {
                let ch = &self.children[c as usize];
                if ch.status != Status::Left && t - ch.birth >= MONTHS_TO_18 {
                    return Err(format!(
                        "month {t}: child {c} of family {f} is {} months old and still in the model",
                        t - ch.birth
                    ));
                }
            }
            if !self.active.contains(&(f as u32)) {
                return Err(format!("month {t}: family {f} is neither active, sleeping nor done"));
            }
        }
        // The explicit table holds exactly the children of explicit families, where they are.
        let localities = self.m.localities;
        let mut counted = vec![0u64; SLOTS * localities * AgeBand::COUNT];
        for fam in &self.families {
            for &c in &fam.children {
                let ch = &self.children[c as usize];
                let slot = match ch.status {
                    Status::Left => continue,
                    Status::Care => SLOT_CARE + ch.placement as usize,
                    Status::Home => case_slot(fam.case),
                };
                let Some(band) = CohortTable::band_at(ch.birth, t) else {
                    return Err(format!("month {t}: child {c} is in the model aged 18 or over"));
                };
                counted[(slot * localities + fam.locality as usize) * AgeBand::COUNT + band.index()] += 1;
            }
        }
        for g in 0..SLOTS * localities {
            for b in 0..AgeBand::COUNT {
                let table = self.explicit.band_total(g, b);
                if table != counted[g * AgeBand::COUNT + b] {
                    return Err(format!(
                        "month {t}: slot {} locality {} band {b}: table {table}, children {}",
                        g / localities,
                        g % localities,
                        counted[g * AgeBand::COUNT + b]
                    ));
                }
            }
        }
        // The counts by legal status are those of the children in care.
        let mut by_legal_status = [0u32; LegalStatus::COUNT];
        let mut uasc = 0;
        for (c, ch) in self.children.iter().enumerate() {
            if ch.status == Status::Care {
                by_legal_status[self.legal_status_at(c as u32, t)] += 1;
                uasc += u32::from(ch.uasc);
            }
        }
        if by_legal_status != self.by_legal_status || uasc != self.uasc_in_care {
            return Err(format!(
                "month {t}: counters by legal status {:?} and UASC {} but children {by_legal_status:?} and {uasc}",
                self.by_legal_status, self.uasc_in_care
            ));
        }
        if in_eh != self.in_eh {
            return Err(format!("month {t}: early help counters {:?} but families {:?}", self.in_eh, in_eh));
        }
        if waiting != self.waiting {
            return Err(format!("month {t}: waiting counters {:?} but families {:?}", self.waiting, waiting));
        }
        if in_sis != self.in_sis || in_sis > self.pol().sis_places {
            return Err(format!(
                "month {t}: intensive support {in_sis} families (counter {}) for {} places",
                self.in_sis,
                self.pol().sis_places
            ));
        }
        Ok(())
    }

    /// Early help families per locality now.
    pub fn early_help_caseload(&self) -> &[u32] {
        &self.in_eh
    }

    /// Early help places per locality in the policy now in force.
    pub fn early_help_places(&self) -> &[u32] {
        &self.pol().places
    }

    /// Step one month (for tests that audit month by month).
    pub fn step_month(&mut self, t: i32) {
        self.step(t);
    }
}
