//! A scenario compiled for the engine: monthly hazards, the policy in force each month, and the
//! per-replication draws of uncertain parameters.
//!
//! Compiling is done once per scenario; each replication only draws its uncertain parameters, so
//! re-running with a changed parameter set is cheap.

use crate::calendar::YearMonth;
use crate::error::Result;
use crate::scenario::registry::Range;
use crate::scenario::registry::{self, CostParam, MixParam, PolicyParam};
use crate::scenario::{
    Allocation, ByBand, ByDuration, CareTarget, DEFAULT_INTERIM_ORDER_MONTHS, ExitRates, Param, PlaceDistribution,
    Policy, Scenario,
};
use crate::vocab::{AGES, AgeBand, NeedLevel, Placement};

/// Annual rate to monthly hazard.
#[inline]
pub fn monthly(rate_per_year: f64) -> f64 {
    rate_per_year / 12.0
}

/// Monthly hazards by age band from annual rates.
fn bands(b: &ByBand) -> [f64; AgeBand::COUNT] {
    b.to_array().map(monthly)
}

/// Monthly exit hazards from the exit table for one replication: by destination (home, adoption,
/// special guardianship, other), current age band and time in care (<6, 6-24, >24 months).
pub(crate) type ExitHazards = [[[f64; 3]; AgeBand::COUNT]; 4];

/// One cell of the exit table: its rate, the registry's stream key and range for it, and where
/// its draw is recorded if it is uncertain.
#[derive(Debug, Clone)]
struct ExitCell {
    rate: Param,
    key: u64,
    range: Range,
    slot: Option<usize>,
}

/// This replication's multipliers on every care-entry hazard: by the child's age band
/// (`hazards.care_entry_scale`) and by month of the run (`hazards.care_entry_trend`).
#[derive(Debug, Clone)]
pub(crate) struct CareEntryFactors {
    /// By age band.
    pub(crate) scale: [f64; AgeBand::COUNT],
    /// By month of the run: `(1 + trend)^(t / 12)`, exactly 1 throughout without a trend.
    pub(crate) trend: Vec<f64>,
    /// Whether the trend moves the hazards month by month (so every month is a segment edge).
    pub(crate) trending: bool,
    /// By single year of age (`hazards.care_entry_by_age`), if the scenario gives it: then
    /// every birthday is a segment edge.
    pub(crate) by_age: Option<[f64; AGES]>,
}

impl CareEntryFactors {
    /// The multiplier on a care-entry hazard of a child in band `b` in month `t`.
    #[inline]
    pub(crate) fn at(&self, b: usize, t: i32) -> f64 {
        // Months past the run (a walk's horizon) keep the last month's factor.
        let month = (t.max(0) as usize).min(self.trend.len().saturating_sub(1));
        self.scale[b] * self.trend.get(month).copied().unwrap_or(1.0)
    }

    /// The multiplier on a care-entry hazard of a child aged `age` months (band `b`) in month
    /// `t`: [`CareEntryFactors::at`] times the factor for its single year of age, if any.
    #[inline]
    pub(crate) fn at_age(&self, b: usize, age: i32, t: i32) -> f64 {
        match &self.by_age {
            None => self.at(b, t),
            Some(by_age) => self.at(b, t) * by_age[((age.max(0) / 12) as usize).min(AGES - 1)],
        }
    }

    /// The month of age of the next birthday after `age` months at which the factor by single
    /// year of age changes, if the scenario gives factors by age.
    #[inline]
    pub(crate) fn next_age_edge(&self, age: i32) -> Option<i32> {
        self.by_age.as_ref().map(|_| (age.max(0) / 12 + 1) * 12)
    }
}

/// This replication's rates of children in care that may be drawn per replication.
#[derive(Debug, Clone, Copy)]
pub(crate) struct DrawnCareRates {
    /// Placement moves, per child-month in care.
    pub(crate) placement_move: f64,
    /// Multiplier on care entry in the months after returning home.
    pub(crate) reentry_multiplier: f64,
}

/// Contact hazards (per child-month) by route and band.
#[derive(Debug, Clone)]
pub(crate) struct ContactHazards {
    /// Identification for early help.
    pub(crate) identification: [f64; AgeBand::COUNT],
    /// Referral to social care.
    pub(crate) referral: [f64; AgeBand::COUNT],
    /// Crisis entry to care.
    pub(crate) crisis: [f64; AgeBand::COUNT],
}

impl ContactHazards {
    /// A child-month's hazard of contact by `route` (0 identification, 1 referral, 2 crisis)
    /// for need level `need` (of contact factor `contact_need`) in band `band` under `policy`,
    /// capped at the largest allowed; `crisis_factor` gives the band's care-entry factor of the
    /// month, asked for on the crisis route only. Every route is multiplied by the period's
    /// demand factor ([`PeriodPolicy::demand`]). The engine and the expected path both use it,
    /// so they compute the same hazards.
    pub(crate) fn hazard(
        &self,
        policy: &PeriodPolicy,
        route: usize,
        need: usize,
        band: usize,
        contact_need: f64,
        crisis_factor: impl FnOnce() -> f64,
    ) -> f64 {
        let h = match route {
            0 => {
                let mut h = self.identification[band] * policy.identification_multiplier;
                if AgeBand::ALL[band].five_plus() {
                    h *= policy.over_fives_multiplier;
                }
                if need == 2 {
                    h *= policy.high_need_multiplier;
                }
                h
            }
            1 => self.referral[band],
            _ => self.crisis[band] * crisis_factor(),
        };
        // Times exactly 1 without a demand trend: the same number as before it existed.
        (h * contact_need * policy.demand).min(crate::scenario::MAX_MONTHLY_HAZARD)
    }
}

/// Hazards of one social care level (per month).
#[derive(Debug, Clone)]
pub(crate) struct SocialCareHazards {
    pub(crate) close: f64,
    pub(crate) step_up: f64,
    pub(crate) step_down: f64,
    pub(crate) close_to_early_help: f64,
    pub(crate) care_entry: [f64; AgeBand::COUNT],
}

/// The policy in force in one period, with uncertain parameters resolved for one replication.
#[derive(Debug, Clone)]
pub(crate) struct PeriodPolicy {
    /// Early help places per locality.
    pub(crate) places: Vec<u32>,
    pub(crate) allocation: Allocation,
    pub(crate) over_fives_target: f64,
    pub(crate) whole_family: bool,
    /// Monthly hazard of early help closing once past its first three months.
    pub(crate) eh_close_hazard: f64,
    pub(crate) eh_effect_escalation: f64,
    pub(crate) eh_effect_care: f64,
    pub(crate) eh_effect_after: f64,
    pub(crate) eh_after_months: i32,
    pub(crate) identification_multiplier: f64,
    pub(crate) over_fives_multiplier: f64,
    pub(crate) high_need_multiplier: f64,
    pub(crate) sis_places: u32,
    pub(crate) sis_min_age: u32,
    pub(crate) sis_max_age: u32,
    pub(crate) sis_include_cin: bool,
    pub(crate) sis_end_prob: f64,
    pub(crate) sis_effect_care: f64,
    /// Cumulative placement mix for entries aged under ten and ten or over.
    pub(crate) mix_under_10: [f64; Placement::COUNT],
    pub(crate) mix_10_plus: [f64; Placement::COUNT],
    pub(crate) reunification_multiplier: f64,
    pub(crate) reentry_multiplier: f64,
    /// Who `reunification_multiplier` applies to.
    pub(crate) reunification_target: Target,
    /// Multiplier on moves to family-based placements of the children `step_down_target` picks.
    pub(crate) step_down_multiplier: f64,
    pub(crate) step_down_target: Target,
    /// Multiplier on special guardianship exits of the children its target picks.
    pub(crate) special_guardianship_multiplier: f64,
    pub(crate) special_guardianship_target: Target,
    /// The demand trend's factor on every contact hazard out of no contact or a closed case
    /// (`population.demand_trend`): exactly 1 without a trend. With one, the periods are split
    /// at each April ([`Model::demand_periods`]), so the factor is constant within a period and
    /// every walk that already stops at a policy change stops at the step too.
    pub(crate) demand: f64,
}

/// A care lever's target ([`CareTarget`]) ready for the engine: sets as bit masks over the
/// placement and legal status indices, months in care as a half-open range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Target {
    pub(crate) placements: u8,
    pub(crate) legal_statuses: u8,
    pub(crate) min_months: i32,
    pub(crate) max_months: i32,
    /// Whether a target was given: only then can it change with time in care or legal status.
    pub(crate) given: bool,
}

impl Target {
    /// Every child in care.
    const ALL: Target =
        Target { placements: u8::MAX, legal_statuses: u8::MAX, min_months: 0, max_months: i32::MAX, given: false };

    /// The target `t`, or `default` if it is left out; a target without placements takes
    /// `default`'s.
    fn compile(t: Option<&CareTarget>, default: Target) -> Target {
        let Some(t) = t else { return default };
        let mask = |indices: &mut dyn Iterator<Item = usize>| indices.fold(0u8, |m, i| m | (1 << i));
        Target {
            placements: t.placements.as_ref().map_or(default.placements, |p| mask(&mut p.iter().map(|x| x.index()))),
            legal_statuses: t.legal_statuses.as_ref().map_or(u8::MAX, |l| mask(&mut l.iter().map(|x| x.index()))),
            min_months: t.min_months_in_care.unwrap_or(0) as i32,
            max_months: t.max_months_in_care.map_or(i32::MAX, |m| m as i32),
            given: true,
        }
    }

    /// Whether a child in `placement` with `legal_status`, `months_in` months into its period of
    /// care, is targeted.
    #[inline]
    pub(crate) fn picks(&self, placement: usize, legal_status: usize, months_in: i32) -> bool {
        self.placements & (1 << placement) != 0
            && self.legal_statuses & (1 << legal_status) != 0
            && months_in >= self.min_months
            && months_in < self.max_months
    }

    /// Whether the target depends on legal status.
    #[inline]
    pub(crate) fn by_legal_status(&self) -> bool {
        self.legal_statuses != u8::MAX
    }
}

/// A scenario ready to run.
#[derive(Debug, Clone)]
pub struct Model {
    /// The scenario this was compiled from.
    pub scenario: Scenario,
    /// First simulated month.
    pub start: YearMonth,
    /// Number of localities.
    pub localities: usize,
    /// Locality names.
    pub locality_names: Vec<String>,
    /// Population share of each locality.
    pub(crate) locality_share: Vec<f64>,
    /// Need mix of each locality (low, moderate, high).
    pub(crate) locality_need: Vec<[f64; 3]>,
    /// Cumulative family-size distribution (index 0 = one child).
    pub(crate) family_size_cdf: Vec<f64>,
    pub(crate) sibling_gap_months: f64,
    pub(crate) family_birth_hazard: f64,
    pub(crate) move_away_hazard: f64,
    pub(crate) contact_need: [f64; 3],
    pub(crate) escalation_need: [f64; 3],
    pub(crate) not_known: ContactHazards,
    pub(crate) previously_known: ContactHazards,
    pub(crate) recently_closed_multiplier: f64,
    pub(crate) recently_closed_months: i32,
    /// Assessment outcomes: child in need, child protection, early help (rest: none).
    pub(crate) assessment: [f64; 3],
    pub(crate) eh_step_up_multiplier: f64,
    pub(crate) eh_step_up_to_cp: f64,
    pub(crate) eh_care_entry_multiplier: f64,
    pub(crate) waiting_dropout: f64,
    pub(crate) cin: SocialCareHazards,
    pub(crate) cp: SocialCareHazards,
    /// Return home by time in care (<6, 6-24, >24 months).
    pub(crate) return_home: [f64; 3],
    pub(crate) adoption_under_5: f64,
    pub(crate) adoption_min_months: i32,
    pub(crate) special_guardianship: f64,
    pub(crate) other_exit: f64,
    /// The exit table, if the scenario gives one: its 60 cells in destination, band, duration
    /// order. It replaces `return_home`, `adoption_under_5`, `special_guardianship`, `other_exit`.
    exit_cells: Option<Vec<ExitCell>>,
    /// The care-entry scale by band, then the trend: each a cell as in the exit table.
    care_entry_cells: [ExitCell; AgeBand::COUNT + 1],
    /// The month of the run (0 the first, negative before) from which the trend counts.
    care_entry_trend_origin: i32,
    /// The care-entry factors by single year of age, if the scenario gives them.
    care_entry_by_age: Option<[f64; AGES]>,
    /// Placement moves and the re-entry multiplier: each a cell as in the exit table.
    care_rate_cells: [ExitCell; 2],
    /// The demand trend's growth a year, a cell as in the exit table, if the scenario has a
    /// trend.
    demand_cell: Option<ExitCell>,
    /// The financial year in which the demand factor is 1 (`population.demand_trend.from`,
    /// default the start's): it steps by `1 + growth` each April after it.
    demand_from_year: i32,
    /// Return destinations: child protection, child in need, closed.
    pub(crate) return_to: [f64; 3],
    pub(crate) reentry_months: i32,
    pub(crate) care_proceedings_share: f64,
    /// Months an interim care order lasts before it becomes a care order.
    pub(crate) interim_order_months: i32,
    pub(crate) sibling_group_entry: f64,
    pub(crate) abuse_neglect: [f64; AgeBand::COUNT],
    pub(crate) abuse_neglect_care_multiplier: f64,
    /// Policy periods: first month index (from the start) and the policy.
    pub(crate) periods: Vec<(i32, Policy)>,
    /// Paths of the uncertain parameters whose draws each replication records.
    pub(crate) parameter_names: Vec<String>,
    /// Per period, per [`PolicyParam`]: where its draw is recorded, if it is uncertain there.
    period_slots: Vec<[Option<usize>; PolicyParam::COUNT]>,
    /// Per period, per [`MixParam`]: where the draws of its shares are recorded, if its
    /// evidence is given there.
    mix_slots: Vec<[Option<[usize; Placement::COUNT]>; 2]>,
    /// Uncertain unit costs: where the draw is recorded, the cost, its list index, its amount.
    cost_slots: Vec<(usize, CostParam, usize, Param)>,
    /// The scenario's uncertainty table, ready to draw, if it has one: each replication then
    /// runs a model of the scenario with the table's draws set ([`Model::run`]).
    pub(crate) uncertainty: Option<std::sync::Arc<crate::scenario::uncertainty::Compiled>>,
    /// A parameter sample from outside ([`Model::with_sample`]), if given, else the sample the
    /// scenario carries (`[uncertainty.sample]`, [`super::SampleChance::Drawn`]), if any.
    pub(crate) sample: Option<std::sync::Arc<super::ParameterSample>>,
    /// How many of `parameter_names` come before the columns of the sample the scenario
    /// carries (all of them without one): a sample from outside replaces it and its columns.
    carried_from: usize,
}

impl Model {
    /// Compile `scenario`.
    ///
    /// # Errors
    /// Any validation error of the scenario or its policy changes.
    pub fn new(scenario: &Scenario) -> Result<Model> {
        scenario.validate()?;
        let timeline = scenario.policy_timeline()?;
        let p = &scenario.population;
        let h = &scenario.hazards;
        let mut cdf = Vec::with_capacity(p.family_size.len());
        let mut acc = 0.0;
        for s in &p.family_size {
            acc += s;
            cdf.push(acc);
        }
        let contact = |c: &crate::scenario::ContactRates| ContactHazards {
            identification: bands(&c.identification),
            referral: bands(&c.referral),
            crisis: bands(&c.crisis_care_entry),
        };
        let social = |s: &crate::scenario::SocialCareRates| SocialCareHazards {
            close: monthly(s.close),
            step_up: monthly(s.step_up),
            step_down: monthly(s.step_down),
            close_to_early_help: s.close_to_early_help,
            care_entry: bands(&s.care_entry),
        };
        let c = &h.looked_after;
        let mut parameter_names: Vec<String> = Vec::new();
        let mut slot = |path: String| match parameter_names.iter().position(|n| *n == path) {
            Some(i) => i,
            None => {
                parameter_names.push(path);
                parameter_names.len() - 1
            }
        };
        // The demand trend's growth comes first (the population precedes the hazards), then
        // the exit table's uncertain cells: the hazards precede the policy in the registry's
        // (and `parameter_draws`') order.
        let demand_cell = p.demand_trend.as_ref().map(|trend| {
            let path = "population.demand_trend.growth";
            let spec = registry::spec_of(path).expect("the demand trend's growth is registered");
            let key = spec.key.map_or(0, |k| k.word(0));
            let slot = trend.growth.is_uncertain().then(|| slot(path.to_string()));
            ExitCell { rate: trend.growth.clone(), key, range: spec.range, slot }
        });
        let exit_cells = c.exits.as_ref().map(|exits| {
            let mut cells = Vec::with_capacity(60);
            for (destination, by_band) in ExitRates::FIELDS.iter().zip(exits.to_array()) {
                for (band, by_duration) in ByBand::FIELDS.iter().zip(by_band.to_array()) {
                    for (duration, rate) in ByDuration::FIELDS.iter().zip(by_duration.to_array()) {
                        let path = format!("hazards.looked_after.exits.{destination}.{band}.{duration}");
                        let spec = registry::spec_of(&path).expect("every cell of the exit table is registered");
                        let key = spec.key.map_or(0, |k| k.word(0));
                        let slot = rate.is_uncertain().then(|| slot(path));
                        cells.push(ExitCell { rate: rate.clone(), key, range: spec.range, slot });
                    }
                }
            }
            cells
        });
        // Then the care-entry scale and trend, which follow the exit table in the schema.
        let care_entry_cell = |path: String, rate: &Param, slot: &mut dyn FnMut(String) -> usize| {
            let spec = registry::spec_of(&path).expect("the care-entry scale and trend are registered");
            let key = spec.key.map_or(0, |k| k.word(0));
            let slot = rate.is_uncertain().then(|| slot(path));
            ExitCell { rate: rate.clone(), key, range: spec.range, slot }
        };
        let scales = h.care_entry_scale.to_array();
        let care_entry_cells: [ExitCell; AgeBand::COUNT + 1] = std::array::from_fn(|i| match scales.get(i) {
            Some(scale) => care_entry_cell(format!("hazards.care_entry_scale.{}", ByBand::FIELDS[i]), scale, &mut slot),
            None => care_entry_cell("hazards.care_entry_trend".into(), &h.care_entry_trend, &mut slot),
        });
        // Then placement moves and the re-entry multiplier, which follow them.
        let care_rate_cells = [
            care_entry_cell("hazards.looked_after.placement_move".into(), &c.placement_move, &mut slot),
            care_entry_cell("hazards.looked_after.reentry_multiplier".into(), &c.reentry_multiplier, &mut slot),
        ];
        // A policy field's draw is recorded under the path where its distribution is written.
        let period_slots: Vec<[Option<usize>; PolicyParam::COUNT]> = timeline
            .iter()
            .map(|(month, pol)| {
                PolicyParam::ALL.map(|q| q.get(pol).is_uncertain().then(|| slot(q.source(scenario, *month))))
            })
            .collect();
        // A mix with evidence is drawn: one column per share, under the path of the mix.
        let mix_slots = timeline
            .iter()
            .map(|(month, pol)| {
                MixParam::ALL.map(|q| {
                    q.get(pol).1.map(|_| {
                        let mix = q.source(scenario, *month);
                        crate::scenario::PlacementMix::FIELDS.map(|share| slot(format!("{mix}.{share}")))
                    })
                })
            })
            .collect();
        let costs = &scenario.costs;
        let mut unit_costs: Vec<(CostParam, usize, &Param)> =
            Placement::ALL.iter().map(|&pl| (CostParam::Placement(pl), 0, &costs.placements.get(pl).amount)).collect();
        unit_costs.extend([
            (CostParam::ChildInNeed, 0, &costs.child_in_need.amount),
            (CostParam::ChildProtection, 0, &costs.child_protection.amount),
            (CostParam::EarlyHelp, 0, &costs.early_help.amount),
            (CostParam::IntensiveSupport, 0, &costs.intensive_support.amount),
            (CostParam::Assessment, 0, &costs.assessment.amount),
            (CostParam::EnteringCare, 0, &costs.entering_care.amount),
            (CostParam::CareProceedings, 0, &costs.care_proceedings.amount),
            (CostParam::CareLeaverSupport, 0, &costs.care_leaver_support.amount),
        ]);
        unit_costs.extend(costs.services.iter().enumerate().map(|(i, s)| (CostParam::Service, i, &s.cost.amount)));
        unit_costs.extend(
            costs.implementation.iter().enumerate().map(|(i, o)| (CostParam::Implementation, i, &o.cost.amount)),
        );
        let posts = &costs.posts;
        unit_costs.extend(posts.early_help.as_ref().map(|c| (CostParam::EarlyHelpPost, 0, &c.amount)));
        unit_costs.extend(posts.intensive_support.as_ref().map(|c| (CostParam::IntensiveSupportPost, 0, &c.amount)));
        unit_costs.extend(posts.social_work.as_ref().map(|c| (CostParam::SocialWorkPost, 0, &c.salary.amount)));
        let cost_slots = unit_costs
            .into_iter()
            .filter(|(_, _, p)| p.is_uncertain())
            .map(|(which, i, p)| (slot(which.path(i)), which, i, p.clone()))
            .collect();
        // The uncertainty table's parameters come last, in its order.
        let uncertainty = if !scenario.uncertainty.has_table() {
            None
        } else {
            let compiled = crate::scenario::uncertainty::Compiled::new(scenario)?;
            for path in compiled.paths() {
                slot(path.to_string());
            }
            Some(std::sync::Arc::new(compiled))
        };
        // A sample the scenario carries: each replication draws one of its rows. Its columns
        // are recorded after the table's (they are never among the parameters above).
        let carried_from = parameter_names.len();
        let sample = scenario.uncertainty.sample.as_ref().map(|carried| {
            for path in &carried.columns {
                parameter_names.push(path.clone());
            }
            let values = ndarray::Array2::from_shape_fn((carried.rows.len(), carried.columns.len()), |(i, j)| {
                carried.rows[i][j]
            });
            std::sync::Arc::new(
                super::ParameterSample::new(carried.columns.clone(), values).with_chance(super::SampleChance::Drawn),
            )
        });
        Ok(Model {
            scenario: scenario.clone(),
            start: scenario.start,
            localities: p.localities.len(),
            locality_names: p.localities.iter().map(|l| l.name.clone()).collect(),
            locality_share: p.localities.iter().map(|l| l.population_share).collect(),
            locality_need: p.localities.iter().map(|l| l.need.to_array()).collect(),
            family_size_cdf: cdf,
            sibling_gap_months: p.sibling_gap_years * 12.0,
            family_birth_hazard: monthly(p.family_birth_rate),
            move_away_hazard: monthly(p.move_away_rate),
            contact_need: h.contact_need_multiplier.to_array(),
            escalation_need: h.escalation_need_multiplier.to_array(),
            not_known: contact(&h.not_known),
            previously_known: contact(&h.previously_known),
            recently_closed_multiplier: h.recently_closed_multiplier,
            recently_closed_months: h.recently_closed_months as i32,
            assessment: [h.assessment.child_in_need, h.assessment.child_protection, h.assessment.early_help],
            eh_step_up_multiplier: h.early_help.step_up_multiplier,
            eh_step_up_to_cp: h.early_help.step_up_to_protection,
            eh_care_entry_multiplier: h.early_help.care_entry_multiplier,
            waiting_dropout: monthly(h.early_help.waiting_dropout),
            cin: social(&h.child_in_need),
            cp: social(&h.child_protection),
            return_home: [c.return_home.under_6_months, c.return_home.months_6_to_24, c.return_home.over_24_months]
                .map(monthly),
            adoption_under_5: monthly(c.adoption_under_5),
            adoption_min_months: c.adoption_min_months as i32,
            special_guardianship: monthly(c.special_guardianship),
            other_exit: monthly(c.other_exit),
            exit_cells,
            care_entry_cells,
            care_entry_trend_origin: h
                .care_entry_trend_from
                .map_or(0, |from| scenario.start.months_until(from).clamp(-12_000, 12_000) as i32),
            care_entry_by_age: h
                .care_entry_by_age
                .as_ref()
                .map(|by_age| std::array::from_fn(|a| by_age.get(a).copied().unwrap_or(1.0))),
            care_rate_cells,
            demand_cell,
            demand_from_year: p
                .demand_trend
                .as_ref()
                .and_then(|trend| trend.from)
                .unwrap_or(scenario.start)
                .financial_year(),
            return_to: [c.return_to.child_protection, c.return_to.child_in_need, c.return_to.known_closed],
            reentry_months: c.reentry_months as i32,
            care_proceedings_share: c.care_proceedings_share,
            interim_order_months: c.interim_order_months.unwrap_or(DEFAULT_INTERIM_ORDER_MONTHS) as i32,
            sibling_group_entry: h.sibling_group_entry,
            abuse_neglect: h.abuse_neglect.to_array(),
            abuse_neglect_care_multiplier: h.abuse_neglect_care_multiplier,
            periods: timeline.into_iter().map(|(m, pol)| (scenario.start.months_until(m) as i32, pol)).collect(),
            parameter_names,
            period_slots,
            mix_slots,
            cost_slots,
            uncertainty,
            sample,
            carried_from,
        })
    }

    /// This model run with a parameter sample from outside: each replication takes a row of
    /// `sample` (which row, and which chance, as [`super::SampleChance`] says), and runs the
    /// scenario with those values set ([`Scenario::with_parameters`]), over any distribution
    /// written in place or given in the uncertainty table. Paths of the sample that are not
    /// already recorded are recorded in [`crate::RunResults::parameter_draws`] after the others.
    /// A sample the scenario carries (`[uncertainty.sample]`) is not used: the sample given here
    /// replaces it, columns and all.
    ///
    /// # Errors
    /// A [`crate::ConfigError`] naming the column (a path that is not a parameter, with the
    /// closest; a unit cost, posts or one of shares that must sum to 1, which a run cannot vary;
    /// a path given twice), or the row and column of a value outside its parameter's range.
    ///
    /// # Examples
    /// ```
    /// use carecast::{Model, ParameterSample, RunOptions, Scenario, Silent};
    /// let names = vec!["hazards.not_known.referral.age_5_9".to_string()];
    /// let values = ndarray::array![[0.02], [0.03]];
    /// let model = Model::new(&Scenario::default_preset()).unwrap()
    ///     .with_sample(ParameterSample::new(names, values)).unwrap();
    /// let results = model.run(&RunOptions::new(2, 1, 7), &Silent).unwrap();
    /// assert_eq!(results.parameter_draws.column(results.parameter_names.len() - 1).to_vec(), [0.02, 0.03]);
    /// ```
    pub fn with_sample(mut self, sample: super::ParameterSample) -> Result<Model> {
        sample.check(&self.scenario)?;
        self.parameter_names.truncate(self.carried_from);
        for name in &sample.names {
            if !self.parameter_names.contains(name) {
                self.parameter_names.push(name.clone());
            }
        }
        self.sample = Some(std::sync::Arc::new(sample));
        Ok(self)
    }

    /// Paths of the uncertain parameters each replication draws, in the order of
    /// [`crate::RunResults::parameter_draws`]' columns: policy fields where their distributions
    /// are written (`policy.` or `changes[i].set.`), each share of a placement mix drawn from
    /// its evidence (`policy.placements.mix_under_10.ifa`), then unit costs (`costs.`), then the
    /// parameters of the uncertainty table in its order, then the columns of the sample the
    /// scenario carries, or instead those of a parameter sample from outside
    /// ([`Model::with_sample`]) not listed before.
    pub fn parameter_names(&self) -> &[String] {
        &self.parameter_names
    }

    /// Resolve every policy period for replication `replication` of a run seeded `seed`, and
    /// the values drawn for the uncertain parameters (in [`Model::parameter_names`] order).
    ///
    /// Each uncertain parameter is drawn from a stream keyed by its registry entry's frozen key
    /// (not by period or scenario), so scenarios sharing a distribution share its draw: common
    /// random numbers for parameter uncertainty too. Unit costs are drawn as the costs draw them.
    pub(crate) fn resolve_periods(&self, seed: u64, replication: u64) -> (Vec<(i32, PeriodPolicy)>, Vec<f64>) {
        self.resolve_periods_with(
            &|param, key, range| registry::draw(param, key, range, seed, replication),
            &|q, pol| q.draw(pol, seed, replication),
        )
    }

    /// Every policy period and the parameter values with each uncertain parameter at its mean
    /// ([`Param::mean`]) and each placement mix with evidence at the mean of its Dirichlet
    /// posterior: what the expected-value projection (`crate::expected`) runs with.
    pub(crate) fn mean_periods(&self) -> (Vec<(i32, PeriodPolicy)>, Vec<f64>) {
        self.resolve_periods_with(&|param, _, _| param.mean(), &|q, pol| q.mean(pol))
    }

    /// [`Model::resolve_periods`] with the value of each parameter (given its stream key and
    /// range) from `value`, and each placement mix from `mix`.
    fn resolve_periods_with(
        &self,
        value: &dyn Fn(&Param, u64, Range) -> f64,
        mix: &dyn Fn(MixParam, &Policy) -> [f64; Placement::COUNT],
    ) -> (Vec<(i32, PeriodPolicy)>, Vec<f64>) {
        let mut draws = vec![f64::NAN; self.parameter_names.len()];
        let periods = self
            .periods
            .iter()
            .zip(&self.period_slots)
            .zip(&self.mix_slots)
            .map(|(((start, pol), slots), mix_slots)| {
                let values = PolicyParam::ALL.map(|q| value(q.get(pol), q.stream_key(), q.spec().range));
                for (slot, value) in slots.iter().zip(values) {
                    if let Some(i) = slot {
                        draws[*i] = value;
                    }
                }
                // The shares as given, unless the mix's evidence makes it a draw.
                let mixes = MixParam::ALL.map(|q| mix(q, pol));
                for (slots, shares) in mix_slots.iter().zip(&mixes) {
                    for (i, share) in slots.iter().flatten().zip(shares) {
                        draws[*i] = *share;
                    }
                }
                let drawn = |q: PolicyParam| values[q as usize];
                let e = &pol.early_help;
                let s = &pol.intensive_support;
                let pl = &pol.placements;
                let cum = |a: [f64; Placement::COUNT]| {
                    let mut acc = 0.0;
                    a.map(|x| {
                        acc += x;
                        acc
                    })
                };
                let resolved = PeriodPolicy {
                    // Given as places, or as posts x caseload (`staff`): the same places either way.
                    places: self.distribute_places(e.capacity(), e.distribution),
                    allocation: e.allocation,
                    over_fives_target: e.over_fives_target,
                    whole_family: e.whole_family,
                    eh_close_hazard: -(1.0 - 1.0 / (e.mean_duration_months - 2.0)).ln(),
                    eh_effect_escalation: drawn(PolicyParam::EarlyHelpEffectOnEscalation),
                    eh_effect_care: drawn(PolicyParam::EarlyHelpEffectOnCareEntry),
                    eh_effect_after: drawn(PolicyParam::EarlyHelpEffectAfterClosure),
                    eh_after_months: e.effect_after_months as i32,
                    identification_multiplier: drawn(PolicyParam::OutreachIdentification),
                    over_fives_multiplier: drawn(PolicyParam::OutreachOverFives),
                    high_need_multiplier: drawn(PolicyParam::OutreachHighNeed),
                    sis_places: s.capacity(),
                    sis_min_age: s.min_age,
                    sis_max_age: s.max_age,
                    sis_include_cin: s.include_child_in_need,
                    sis_end_prob: 1.0 / s.mean_duration_months,
                    sis_effect_care: drawn(PolicyParam::IntensiveSupportEffectOnCareEntry),
                    mix_under_10: cum(mixes[MixParam::Under10 as usize]),
                    mix_10_plus: cum(mixes[MixParam::TenPlus as usize]),
                    reunification_multiplier: drawn(PolicyParam::PlacementsReunification),
                    reentry_multiplier: drawn(PolicyParam::PlacementsReentry),
                    reunification_target: Target::compile(pl.reunification_target.as_ref(), Target::ALL),
                    step_down_multiplier: drawn(PolicyParam::PlacementsStepDown),
                    step_down_target: Target::compile(
                        pl.step_down_target.as_ref(),
                        Target { placements: 1 << Placement::Residential.index(), ..Target::ALL },
                    ),
                    special_guardianship_multiplier: drawn(PolicyParam::PlacementsSpecialGuardianship),
                    special_guardianship_target: Target::compile(pl.special_guardianship_target.as_ref(), Target::ALL),
                    demand: 1.0,
                };
                (*start, resolved)
            })
            .collect();
        for (i, which, index, param) in &self.cost_slots {
            draws[*i] = value(param, which.stream_key(*index), which.spec().range);
        }
        let cells = self.demand_cell.iter().chain(self.exit_cells.iter().flatten());
        for cell in cells.chain(&self.care_entry_cells).chain(&self.care_rate_cells) {
            if let Some(i) = cell.slot {
                draws[i] = value(&cell.rate, cell.key, cell.range);
            }
        }
        (periods, draws)
    }

    /// The care-entry factors of the replication whose parameter draws are `draws` (from
    /// [`Model::resolve_periods`]), for a run of `months` months.
    pub(crate) fn care_entry_factors(&self, draws: &[f64], months: usize) -> CareEntryFactors {
        let value = |cell: &ExitCell| cell.slot.map_or_else(|| cell.rate.central(), |i| draws[i]);
        let scale = std::array::from_fn(|b| value(&self.care_entry_cells[b]));
        let growth = value(&self.care_entry_cells[AgeBand::COUNT]);
        let trending = growth != 0.0;
        let origin = self.care_entry_trend_origin;
        let trend = (0..months.max(1) as i32)
            .map(|t| if trending { (1.0 + growth).powf(f64::from(t - origin) / 12.0) } else { 1.0 })
            .collect();
        CareEntryFactors { scale, trend, trending, by_age: self.care_entry_by_age }
    }

    /// The policy periods `periods` (from [`Model::resolve_periods`] or
    /// [`Model::mean_periods`], with parameter values `draws`) with the demand trend applied
    /// for a run of `months` months: unchanged without a trend (or with a growth of 0 drawn);
    /// otherwise split at each April of the run, each piece's [`PeriodPolicy::demand`] the
    /// factor `(1 + growth)^k` of its financial year, `k` financial years after the trend's
    /// (0 before and in it).
    ///
    /// One step a financial year rather than a little every month: a closed family's walk
    /// spends whole stretches of constant family factors (policy periods, its windows) from
    /// cumulative tables, and a factor that moved every month would cut every stretch into
    /// months; a step each April is one more period edge a year, which every walk already
    /// handles. A year's demand is then `1 + growth` times the year before's, as an annual
    /// growth rate (and a fit to yearly returns) means.
    pub(crate) fn demand_periods(
        &self,
        periods: Vec<(i32, PeriodPolicy)>,
        draws: &[f64],
        months: usize,
    ) -> Vec<(i32, PeriodPolicy)> {
        let Some(cell) = &self.demand_cell else { return periods };
        let growth = cell.slot.map_or_else(|| cell.rate.central(), |i| draws[i]);
        if growth == 0.0 {
            return periods;
        }
        let factor = |t: i32| {
            let years = self.start.plus(i64::from(t)).financial_year() - self.demand_from_year;
            (1.0 + growth).powi(years.max(0))
        };
        let aprils = (1..months as i32).filter(|&t| self.start.plus(i64::from(t)).month == 4);
        let mut edges: Vec<i32> = periods.iter().map(|(s, _)| *s).chain(aprils).collect();
        edges.sort_unstable();
        edges.dedup();
        edges
            .into_iter()
            .map(|s| {
                let i = periods.iter().rposition(|(start, _)| *start <= s).unwrap_or(0);
                let mut pol = periods[i].1.clone();
                pol.demand = factor(s);
                (s, pol)
            })
            .collect()
    }

    /// This replication's placement move hazard (per month) and re-entry multiplier, given its
    /// parameter draws `draws` (from [`Model::resolve_periods`]).
    pub(crate) fn care_rates(&self, draws: &[f64]) -> DrawnCareRates {
        let value = |cell: &ExitCell| cell.slot.map_or_else(|| cell.rate.central(), |i| draws[i]);
        DrawnCareRates {
            placement_move: monthly(value(&self.care_rate_cells[0])),
            reentry_multiplier: value(&self.care_rate_cells[1]),
        }
    }

    /// The monthly exit hazards of the exit table, if the scenario gives one, for the
    /// replication whose parameter draws are `draws` (from [`Model::resolve_periods`]).
    pub(crate) fn exit_hazards(&self, draws: &[f64]) -> Option<ExitHazards> {
        let cells = self.exit_cells.as_ref()?;
        let mut hazards = [[[0.0; 3]; AgeBand::COUNT]; 4];
        let mut rates = cells.iter().map(|cell| cell.slot.map_or_else(|| cell.rate.central(), |i| draws[i]));
        for by_band in &mut hazards {
            for by_duration in by_band.iter_mut() {
                for h in by_duration.iter_mut() {
                    *h = monthly(rates.next().unwrap_or(0.0));
                }
            }
        }
        Some(hazards)
    }

    /// Split `total` places over localities by the chosen rule, by largest remainder so the
    /// parts add up exactly.
    pub fn distribute_places(&self, total: u32, rule: PlaceDistribution) -> Vec<u32> {
        let weights: Vec<f64> = (0..self.localities)
            .map(|l| match rule {
                PlaceDistribution::Even => 1.0,
                PlaceDistribution::ByPopulation => self.locality_share[l],
                PlaceDistribution::ByNeed => {
                    self.locality_share[l]
                        * NeedLevel::ALL
                            .iter()
                            .map(|n| self.locality_need[l][n.index()] * self.contact_need[n.index()])
                            .sum::<f64>()
                }
            })
            .collect();
        largest_remainder(total, &weights)
    }
}

/// Split `total` into whole parts proportional to `weights`, summing exactly to `total`.
pub fn largest_remainder(total: u32, weights: &[f64]) -> Vec<u32> {
    let sum: f64 = weights.iter().sum();
    if sum <= 0.0 || weights.is_empty() {
        let mut v = vec![0; weights.len()];
        if let Some(first) = v.first_mut() {
            *first = total;
        }
        return v;
    }
    let exact: Vec<f64> = weights.iter().map(|w| f64::from(total) * w / sum).collect();
    let mut parts: Vec<u32> = exact.iter().map(|x| x.floor() as u32).collect();
    let mut left = total - parts.iter().sum::<u32>();
    let mut order: Vec<usize> = (0..weights.len()).collect();
    order.sort_by(|&a, &b| {
        let ra = exact[a] - exact[a].floor();
        let rb = exact[b] - exact[b].floor();
        rb.partial_cmp(&ra).unwrap_or(std::cmp::Ordering::Equal).then(a.cmp(&b))
    });
    for i in order {
        if left == 0 {
            break;
        }
        parts[i] += 1;
        left -= 1;
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHARES: [f64; Placement::COUNT] = [0.46, 0.18, 0.20, 0.01, 0.07, 0.08];

    /// The default preset with `mix_under_10` set to `SHARES`, estimated from `evidence`
    /// placements if given, and `changes` appended.
    fn with_mix(evidence: Option<f64>, changes: serde_json::Value) -> Scenario {
        let mix: serde_json::Map<String, serde_json::Value> =
            crate::scenario::PlacementMix::FIELDS.iter().zip(SHARES).map(|(f, v)| (f.to_string(), v.into())).collect();
        let mut placements = serde_json::json!({"mix_under_10": mix});
        if let Some(n) = evidence {
            placements["mix_under_10_evidence"] = n.into();
        }
        let s = Scenario::default_preset();
        let mut all = serde_json::to_value(&s.changes).unwrap().as_array().cloned().unwrap_or_default();
        all.extend(changes.as_array().cloned().unwrap_or_default());
        s.updated(serde_json::json!({"policy": {"placements": placements}, "changes": all})).unwrap()
    }

    fn shares_of(cumulative: [f64; Placement::COUNT]) -> [f64; Placement::COUNT] {
        std::array::from_fn(|i| cumulative[i] - if i == 0 { 0.0 } else { cumulative[i - 1] })
    }

    #[test]
    fn without_evidence_the_mix_is_used_as_given_and_not_drawn() {
        let model = Model::new(&with_mix(None, serde_json::json!([]))).unwrap();
        assert!(!model.parameter_names().iter().any(|n| n.contains("mix_")), "{:?}", model.parameter_names());
        let (periods, _) = model.resolve_periods(5, 3);
        let mut acc = 0.0;
        let cumulative = SHARES.map(|x| {
            acc += x;
            acc
        });
        // Bit for bit the cumulative shares as before the evidence existed.
        assert!(periods.iter().all(|(_, p)| p.mix_under_10 == cumulative));
    }

    #[test]
    fn the_draws_of_a_mix_have_the_dirichlet_posteriors_mean_and_spread() {
        // 4,000 replications of Dirichlet(200 x share + 1/2): alpha sums to 203, so share i has
        // mean alpha_i / 203 and variance mean (1 - mean) / 204. Each sample mean is asked to
        // be within 4 of its standard errors, each sample variance within 15% (its relative
        // standard error is about 2% to 5% for these shapes).
        let n = 200.0;
        let model = Model::new(&with_mix(Some(n), serde_json::json!([]))).unwrap();
        let names: Vec<String> = crate::scenario::PlacementMix::FIELDS
            .iter()
            .map(|f| format!("policy.placements.mix_under_10.{f}"))
            .collect();
        assert_eq!(&model.parameter_names()[..Placement::COUNT], names.as_slice(), "the mix's shares come first");
        let reps = 4_000;
        let draws: Vec<Vec<f64>> = (0..reps).map(|r| model.resolve_periods(17, r).1).collect();
        let total = n + 0.5 * Placement::COUNT as f64;
        for (i, share) in SHARES.iter().enumerate() {
            let mean = (n * share + 0.5) / total;
            let variance = mean * (1.0 - mean) / (total + 1.0);
            let xs: Vec<f64> = draws.iter().map(|d| d[i]).collect();
            let m = xs.iter().sum::<f64>() / reps as f64;
            let v = xs.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (reps - 1) as f64;
            let se = (variance / reps as f64).sqrt();
            assert!((m - mean).abs() < 4.0 * se, "{}: mean {m}, expected {mean} (se {se})", names[i]);
            assert!((v / variance - 1.0).abs() < 0.15, "{}: variance {v}, expected {variance}", names[i]);
        }
        // Each replication's draw sums to 1 and is what the engine uses.
        for r in [0, 9] {
            let (periods, d) = model.resolve_periods(17, r);
            assert!((d[..Placement::COUNT].iter().sum::<f64>() - 1.0).abs() < 1e-12);
            let used = shares_of(periods[0].1.mix_under_10);
            assert!(used.iter().zip(&d).all(|(u, x)| (u - x).abs() < 1e-12));
        }
        // The same seed and replication draw the same, another replication differently.
        assert_eq!(model.resolve_periods(17, 3).1, draws[3]);
        assert_ne!(draws[3], draws[4]);
    }

    #[test]
    fn a_change_that_sets_a_mix_without_evidence_uses_it_as_given() {
        let given = serde_json::json!({"in_house_foster": 0.5, "ifa": 0.2, "kinship": 0.1, "residential": 0.1,
            "with_parents": 0.05, "other": 0.05});
        let changes = serde_json::json!([
            {"from": "2017-04", "set": {"placements": {"mix_under_10": given}}},
            {"from": "2018-04", "set": {"placements": {"mix_under_10_evidence": 50.0}}},
        ]);
        let s = with_mix(Some(200.0), changes);
        let model = Model::new(&s).unwrap();
        let timeline = s.policy_timeline().unwrap();
        let at = |month: &str| {
            let month: YearMonth = month.parse().unwrap();
            timeline.iter().rposition(|(m, _)| *m <= month).unwrap()
        };
        let (before, changed, evidenced) = (at("2016-04"), at("2017-04"), at("2018-04"));
        assert_eq!(timeline[before].1.placements.mix_under_10_evidence, Some(200.0));
        assert_eq!(timeline[changed].1.placements.mix_under_10_evidence, None, "the new mix has no evidence");
        assert_eq!(timeline[evidenced].1.placements.mix_under_10_evidence, Some(50.0));
        let (periods, draws) = model.resolve_periods(1, 0);
        let used = |k: usize| shares_of(periods[k].1.mix_under_10);
        let exact = [0.5, 0.2, 0.1, 0.1, 0.05, 0.05];
        assert!(used(changed).iter().zip(exact).all(|(u, x)| (u - x).abs() < 1e-12), "{:?}", used(changed));
        assert!(used(before).iter().zip(SHARES).any(|(u, x)| (u - x).abs() > 1e-6), "drawn, not given");
        // Recorded under the path where each drawn mix (or its evidence) is written.
        let names = model.parameter_names();
        let ifa = |prefix: &str| names.iter().position(|n| *n == format!("{prefix}.placements.mix_under_10.ifa"));
        let last = s.changes.len() - 1;
        assert!(ifa("policy").is_some() && ifa(&format!("changes[{last}].set")).is_some(), "{names:?}");
        assert!(ifa(&format!("changes[{}].set", last - 1)).is_none(), "{names:?}");
        assert!((draws[ifa("policy").unwrap()] - used(before)[1]).abs() < 1e-12);
        assert!((draws[ifa(&format!("changes[{last}].set")).unwrap()] - used(evidenced)[1]).abs() < 1e-12);
    }

    #[test]
    fn evidence_must_be_above_zero_and_finite() {
        let s = Scenario::default_preset();
        for bad in [0.0, -3.0, f64::INFINITY, f64::NAN] {
            let mut t = s.clone();
            t.policy.placements.mix_10_plus_evidence = Some(bad);
            let e = t.validate().unwrap_err().to_string();
            assert!(e.contains("policy.placements.mix_10_plus_evidence"), "{e}");
            assert!(e.contains("above 0"), "{e}");
        }
    }
}
