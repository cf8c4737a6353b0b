//! The scenario's numbers as the projection uses them: the compiled [`Model`] with every
//! uncertain parameter at its mean, the policy in force each month, and the family-size
//! factors that stand in for brothers and sisters.

use crate::engine::compiled::{CareEntryFactors, ExitHazards, Model, PeriodPolicy, Target};
use crate::vocab::{AgeBand, LegalStatus, Placement};

/// Everything the recursion reads, for a run of `months` months.
pub(super) struct Params<'m> {
    pub(super) m: &'m Model,
    pub(super) periods: Vec<(i32, PeriodPolicy)>,
    pub(super) exits: Option<ExitHazards>,
    pub(super) entry: CareEntryFactors,
    pub(super) placement_move: f64,
    pub(super) reentry_multiplier: f64,
    /// Mean family size of a family coming into contact, `E[S]`: children per contact from the
    /// pools, and children per family in the family counts.
    pub(super) family_mean: f64,
    /// Size-biased mean family size, `E[S^2] / E[S]`: the family a child lives in, on
    /// average, so family hazards that sum over the children at home are this many times a
    /// child's.
    pub(super) family_biased: f64,
    /// Clock caps (months), beyond which a clock makes no difference.
    pub(super) caps: Caps,
    /// For each need level, the share of its children in each locality (population share x
    /// the locality's share of that need): how the rows, which are by need level, split over
    /// localities.
    pub(super) locality_of_need: [Vec<f64>; 3],
}

/// Clock caps: each clock counts up to its cap and stays there ("that long ago or more").
#[derive(Debug, Clone, Copy)]
pub(super) struct Caps {
    pub(super) recently_closed: u16,
    pub(super) after: u16,
    pub(super) reentry: u16,
    pub(super) care: u16,
}

impl<'m> Params<'m> {
    pub(super) fn new(m: &'m Model, months: usize) -> Params<'m> {
        let (periods, values) = m.mean_periods();
        let periods = m.demand_periods(periods, &values, months);
        let exits = m.exit_hazards(&values);
        let entry = m.care_entry_factors(&values, months);
        let rates = m.care_rates(&values);
        // Family sizes: family_size[i] is the share of families of i + 1 children.
        let sizes = &m.scenario.population.family_size;
        let total: f64 = sizes.iter().sum::<f64>().max(f64::MIN_POSITIVE);
        let mean: f64 = sizes.iter().enumerate().map(|(i, p)| (i + 1) as f64 * p).sum::<f64>() / total;
        let square: f64 = sizes.iter().enumerate().map(|(i, p)| ((i + 1) * (i + 1)) as f64 * p).sum::<f64>() / total;
        let mut care = 24.max(m.adoption_min_months).max(m.interim_order_months);
        for (_, pol) in &periods {
            care = care.max(pol.eh_after_months);
            for target in [&pol.reunification_target, &pol.step_down_target, &pol.special_guardianship_target] {
                for edge in [target.min_months, target.max_months] {
                    if edge < 1_200 {
                        care = care.max(edge);
                    }
                }
            }
        }
        let after = periods.iter().map(|(_, p)| p.eh_after_months).max().unwrap_or(0);
        let caps = Caps {
            recently_closed: m.recently_closed_months.clamp(0, 1_200) as u16,
            after: after.clamp(0, 1_200) as u16,
            reentry: m.reentry_months.clamp(0, 1_200) as u16,
            care: care.clamp(0, 1_200) as u16,
        };
        let locality_of_need = std::array::from_fn(|n| {
            let weights: Vec<f64> = (0..m.localities).map(|l| m.locality_share[l] * m.locality_need[l][n]).collect();
            let total: f64 = weights.iter().sum();
            if total > 0.0 {
                weights.iter().map(|w| w / total).collect()
            } else {
                vec![1.0 / m.localities as f64; m.localities]
            }
        });
        Params {
            locality_of_need,
            m,
            periods,
            exits,
            entry,
            placement_move: rates.placement_move,
            reentry_multiplier: rates.reentry_multiplier,
            family_mean: mean.max(1.0),
            family_biased: (square / mean.max(1.0)).max(1.0),
            caps,
        }
    }

    /// The policy in force in month `t`.
    pub(super) fn policy(&self, t: i32) -> &PeriodPolicy {
        &self.periods[self.period_index(t)].1
    }

    /// The index of the policy period in force in month `t`.
    pub(super) fn period_index(&self, t: i32) -> usize {
        self.periods.iter().rposition(|(start, _)| *start <= t).unwrap_or(0)
    }

    /// Shares of the cumulative mix `cdf`.
    pub(super) fn shares(cdf: &[f64; Placement::COUNT]) -> [f64; Placement::COUNT] {
        let mut below = 0.0;
        cdf.map(|c| {
            let share = (c - below).max(0.0);
            below = c;
            share
        })
    }
}

/// The chance that `target` picks a child in care `months_in` months whose placement is
/// distributed as `placement_shares` and whose legal status as `legal_shares`.
pub(super) fn pick_chance(
    target: &Target,
    placement_shares: &[f64; Placement::COUNT],
    legal_shares: &[f64; LegalStatus::COUNT],
    months_in: i32,
) -> f64 {
    if months_in < target.min_months || months_in >= target.max_months {
        return 0.0;
    }
    let placements: f64 =
        placement_shares.iter().enumerate().filter(|(i, _)| target.placements & (1 << i) != 0).map(|(_, s)| s).sum();
    let legal: f64 =
        legal_shares.iter().enumerate().filter(|(i, _)| target.legal_statuses & (1 << i) != 0).map(|(_, s)| s).sum();
    placements * legal
}

/// The band of a child aged `age` months (0 to 215).
pub(super) const BAND_OF_AGE: [u8; 217] = {
    let mut bands = [0u8; 217];
    let mut a = 0;
    while a < 217 {
        bands[a] = if a < 12 {
            0
        } else if a < 60 {
            1
        } else if a < 120 {
            2
        } else if a < 192 {
            3
        } else {
            4
        };
        a += 1;
    }
    bands
};

/// The first age (months) of each band, and the end of the last.
pub(super) const BAND_EDGES: [usize; AgeBand::COUNT + 1] = [0, 12, 60, 120, 192, 216];
