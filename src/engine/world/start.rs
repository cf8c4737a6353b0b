//! The starting position: children in care, open cases and waiting lists on the start date,
//! drawn from the scenario's counts.

use super::*;

impl World<'_> {
    pub(super) fn initialise(&mut self) {
        let m = self.m;
        let init = &m.scenario.population.initial;
        let total = f64::from(m.scenario.population.under_18);
        let cohorts = MONTHS_TO_18 as usize;
        for l in 0..m.localities {
            // Children known before the start came into contact at rates that rise with need, so
            // the known share of each need level is proportional to its contact multiplier
            // (capped at all of them), averaging `previously_known_share` over the locality.
            let mean_contact: f64 = (0..3).map(|n| m.locality_need[l][n] * m.contact_need[n]).sum();
            for n in 0..3 {
                let g = l * 3 + n;
                let known_share = if mean_contact > 0.0 {
                    (init.previously_known_share * m.contact_need[n] / mean_contact).min(1.0)
                } else {
                    init.previously_known_share
                };
                let per_cohort = total * m.locality_share[l] * m.locality_need[l][n] / cohorts as f64;
                let (mut carry, mut carry_known) = (0.0, 0.0);
                for k in 0..cohorts {
                    let birth = -(k as i32);
                    carry += per_cohort;
                    let count = carry.floor();
                    carry -= count;
                    carry_known += count * known_share;
                    let known = carry_known.floor().min(count);
                    carry_known -= known;
                    self.known.add(g, birth, known as u32, 0);
                    self.not_known.add(g, birth, (count - known) as u32, 0);
                }
            }
        }
        let mut rng = rng::stream(self.seed, self.rep, Purpose::Initial, 0, 0);
        // Children looked after, in sibling groups.
        let ages = m.scenario.population.initial.looked_after_ages.to_array();
        let mut placed = 0u32;
        let mut k = 0u64;
        while placed < init.looked_after {
            if self.should_stop() {
                return;
            }
            let band = rng::categorical(&mut rng, &ages);
            let Some(f) = self.draw_initial_family(&mut rng, band, 2.0, k) else { break };
            k += 1;
            let kids = self.families[f as usize].children.clone();
            let index = self.families[f as usize].index_child;
            let together = chance(&mut rng, m.sibling_group_entry);
            for &c in &kids {
                if placed >= init.looked_after {
                    break;
                }
                if c != index && !together {
                    continue;
                }
                let age_months = -self.children[c as usize].birth;
                let months_in = (-(init.looked_after_mean_months) * (1.0 - uniform(&mut rng)).ln()) as i32;
                let months_in = months_in.min(age_months);
                let entry_age = age_months - months_in;
                let mix = if entry_age < TEN_YEARS { self.pol().mix_under_10 } else { self.pol().mix_10_plus };
                let placement = pick_cumulative(&mix, uniform(&mut rng)) as u8;
                self.retable(f, c, Some(SLOT_CLOSED), Some(SLOT_CARE + placement as usize));
                let child = &mut self.children[c as usize];
                child.status = Status::Care;
                child.care_since = -months_in;
                child.entered_under_5 = entry_age < FIVE_YEARS;
                child.placement = placement;
                child.care_episodes = 1;
                self.schedule_care(f, c, 0);
                placed += 1;
            }
            self.activate(f);
        }
        // Open social care cases and early help, counted in children (plans) or families.
        let cases = [
            (Case::ChildProtection, init.child_protection, true, 8.0),
            (Case::ChildInNeed, init.child_in_need, true, 9.0),
            (Case::EarlyHelp, init.early_help_families, false, 6.0),
            (Case::Waiting, init.waiting_families, false, 2.0),
        ];
        for (case, target, count_children, mean_months) in cases {
            let mut counted = 0u32;
            while counted < target {
                if self.should_stop() {
                    return;
                }
                let weights: Vec<f64> = (0..AgeBand::COUNT)
                    .map(|b| {
                        let total: u64 = (0..m.localities * 3).map(|g| self.known.band_total(g, b)).sum();
                        total as f64 * (m.not_known.referral[b] + m.not_known.identification[b])
                    })
                    .collect();
                let band = rng::categorical(&mut rng, &weights);
                let strength = if case == Case::ChildProtection { 2.0 } else { 1.0 };
                let Some(f) = self.draw_initial_family(&mut rng, band, strength, k) else { break };
                k += 1;
                let since = -((uniform(&mut rng) * 2.0 * mean_months) as i32);
                let n = self.families[f as usize].children.len() as u32;
                counted += if count_children { n } else { 1 };
                match case {
                    Case::Waiting => self.join_waiting(f),
                    Case::EarlyHelp => self.start_early_help(f),
                    other => self.set_case(f, other),
                }
                let fam = &mut self.families[f as usize];
                fam.case_since = since;
                if case == Case::Waiting {
                    fam.queue_since = since;
                    if let Some(back) = self.queues[fam.locality as usize].back_mut() {
                        back.1 = since;
                    }
                }
                self.activate(f);
            }
        }
        self.active.append(&mut self.newly_active);
        // Everyone's first events are drawn from month 0.
        for i in 0..self.active.len() {
            let f = self.active[i];
            self.refresh(f, 0);
        }
        self.out.initial_lac = self.children.iter().filter(|c| c.status == Status::Care).count() as u32;
    }

    /// Draw a family for the starting caseload: a locality and need level weighted towards need
    /// (`strength` is the power on the need multiplier), an index child in `band`.
    pub(super) fn draw_initial_family(&mut self, rng: &mut Stream, band: usize, strength: f64, k: u64) -> Option<u32> {
        let m = self.m;
        let weights: Vec<f64> = (0..m.localities * 3)
            .map(|g| self.known.band_total(g, band) as f64 * m.escalation_need[g % 3].powf(strength))
            .collect();
        let g = rng::categorical(rng, &weights);
        let (pool, birth) = match self.known.pick_in_band(g, band, 0, uniform(rng)) {
            Some(b) => (Pool::Known, b),
            None => (Pool::NotKnown, self.not_known.pick_in_band(g, band, 0, uniform(rng))?),
        };
        let key = rng::key(&[0xFFFF, k]);
        Some(self.materialise(pool, g, birth, key))
    }
}
