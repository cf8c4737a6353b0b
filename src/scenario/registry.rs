//! The parameter registry: every numeric parameter of a scenario, addressable by its path.
//!
//! One table ([`TABLE`]) gives, for each numeric field of the schema (written as a path pattern,
//! `*` standing for any one key or list index), its kind, its allowed range and the words a
//! range error uses, and, for the fields that may be a distribution, the frozen key of its
//! random stream. Validation (`validate.rs`) checks ranges through this table, so the registry
//! and validation cannot disagree, and the engine and the costs take the stream keys of uncertain
//! parameters from it.
//!
//! A scenario's parameters are found by walking its JSON form: every number, and every table
//! with a `dist` key (a distribution), is a parameter, named by its path
//! (`hazards.not_known.referral.age_5_9`, `changes[1].set.early_help.places`,
//! `costs.services[0].cost.amount`). A policy change's fields share the bounds and the stream
//! key of the policy field they change.

use super::Scenario;
use super::param::{Bounds, Distribution, MAX_COST, MAX_MULTIPLIER, MAX_RATE, Param};
use crate::error::{ConfigError, Result};
use crate::rng::{self, Purpose};
use serde_json::Value;
use std::fmt;
use std::sync::OnceLock;

/// What a parameter measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Kind {
    /// A rate per year (per child-year or family-year).
    RatePerYear,
    /// A multiplier or hazard ratio (1 = no change).
    Multiplier,
    /// A probability.
    Probability,
    /// A share of a whole (shares of one whole sum to 1).
    Share,
    /// A whole number of children, families or places.
    Count,
    /// A number of months.
    Months,
    /// A number of years.
    Years,
    /// An age in years.
    Age,
    /// Pounds per unit.
    Money,
    /// A fraction per year (inflation, discounting).
    AnnualRate,
    /// A number of full-time equivalent posts (part-time posts count as their share).
    Posts,
    /// Families or children one full-time post works with at once.
    Caseload,
}

impl Kind {
    /// The name used in tables: `rate_per_year`, `multiplier`, `probability`, `share`, `count`,
    /// `months`, `years`, `age`, `pounds`, `annual_rate`, `posts`, `caseload`.
    pub const fn label(self) -> &'static str {
        match self {
            Kind::RatePerYear => "rate_per_year",
            Kind::Multiplier => "multiplier",
            Kind::Probability => "probability",
            Kind::Share => "share",
            Kind::Count => "count",
            Kind::Months => "months",
            Kind::Years => "years",
            Kind::Age => "age",
            Kind::Money => "pounds",
            Kind::AnnualRate => "annual_rate",
            Kind::Posts => "posts",
            Kind::Caseload => "caseload",
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// The values a parameter may take: from `min` to `max`, each end included unless marked open.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Range {
    /// Smallest value (or the open lower end).
    pub min: f64,
    /// Largest value (or the open upper end).
    pub max: f64,
    /// Whether `min` itself is excluded.
    pub min_open: bool,
    /// Whether `max` itself is excluded.
    pub max_open: bool,
}

impl Range {
    const fn closed(min: f64, max: f64) -> Range {
        Range { min, max, min_open: false, max_open: false }
    }

    const fn open(min: f64, max: f64, min_open: bool, max_open: bool) -> Range {
        Range { min, max, min_open, max_open }
    }

    /// Whether `v` is a finite number in the range.
    pub fn contains(&self, v: f64) -> bool {
        let above = if self.min_open { v > self.min } else { v >= self.min };
        let below = if self.max_open { v < self.max } else { v <= self.max };
        v.is_finite() && above && below
    }

    /// The closed bounds draws are clamped to.
    pub fn bounds(&self) -> Bounds {
        Bounds { min: self.min, max: self.max }
    }
}

const WHOLE_MAX: f64 = u32::MAX as f64;
const PROBABILITY: Range = Range::closed(0.0, 1.0);
const RATE: Range = Range::closed(0.0, MAX_RATE);
const MULTIPLIER: Range = Range::closed(0.0, MAX_MULTIPLIER);
const MONTHS: Range = Range::closed(0.0, super::validate::MAX_MONTHS as f64);
const WHOLE: Range = Range::closed(0.0, WHOLE_MAX);
const COST: Range = Range::closed(0.0, MAX_COST);

/// The key of an uncertain parameter's random stream, frozen in the table so that renaming a
/// field never changes its draws. Today's keys are the FNV-1a hashes of the names the engine
/// used before the registry, so draws (and golden values) are unchanged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StreamKey {
    /// One key for the field.
    Fixed(u64),
    /// A field of each element of a list: the FNV-1a state after the list's old name and `[`;
    /// element `i` continues it with `i]`.
    Indexed(u64),
}

impl StreamKey {
    /// The stream key of element `index` (ignored for [`StreamKey::Fixed`]).
    pub fn word(self, index: usize) -> u64 {
        match self {
            StreamKey::Fixed(k) => k,
            StreamKey::Indexed(state) => {
                format!("{index}]").bytes().fold(state, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
            }
        }
    }
}

/// One row of the table: a path pattern and what its values may be.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Spec {
    /// Dotted path; `*` is any one key, `[*]` any list index. Policy fields are written under
    /// `policy.` and also cover `changes[*].set.`.
    pub(crate) pattern: &'static str,
    pub(crate) kind: Kind,
    pub(crate) range: Range,
    /// What a range error says is allowed, for a plain number. (A field that may be a
    /// distribution words its errors from the range, as [`Param::validate`] does.)
    pub(crate) allowed: &'static str,
    /// Whether only whole numbers are allowed.
    pub(crate) whole: bool,
    /// For a field that may be a distribution: the key of its random stream.
    pub(crate) key: Option<StreamKey>,
}

const fn number(pattern: &'static str, kind: Kind, range: Range, allowed: &'static str) -> Spec {
    Spec { pattern, kind, range, allowed, whole: false, key: None }
}

const fn whole(pattern: &'static str, kind: Kind, range: Range, allowed: &'static str) -> Spec {
    Spec { pattern, kind, range, allowed, whole: true, key: None }
}

const fn uncertain(pattern: &'static str, kind: Kind, range: Range, key: StreamKey) -> Spec {
    Spec { pattern, kind, range, allowed: "", whole: false, key: Some(key) }
}

const P: &str = "a probability in [0, 1]";
const R: &str = "a finite rate >= 0 and at most 120 a year";
const M: &str = "a multiplier from 0 to 1,000";
const MO: &str = "a number of months from 0 to 1,200";
const W: &str = "a whole number, 0 or more";
/// Full-time equivalent posts of a service.
const POSTS: Range = Range::closed(0.0, 100_000.0);
const PO: &str = "a number of full-time equivalent posts from 0 to 100,000 (37.5 is allowed)";
/// Families or children a full-time post works with at once.
const CASELOAD: Range = Range::open(0.0, 1_000.0, true, false);
const CL: &str = "a caseload above 0 and at most 1,000 a full-time post";
/// The end of a care lever's target: at least a month in care.
const TARGET_MAX: Range = Range::closed(1.0, super::validate::MAX_MONTHS as f64);
const TMO: &str = "a number of months from 1 to 1,200";

/// The policy fields that may be uncertain, drawn once per replication by the engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PolicyParam {
    EarlyHelpEffectOnEscalation,
    EarlyHelpEffectOnCareEntry,
    EarlyHelpEffectAfterClosure,
    OutreachIdentification,
    OutreachOverFives,
    OutreachHighNeed,
    IntensiveSupportEffectOnCareEntry,
    PlacementsReunification,
    PlacementsReentry,
    PlacementsStepDown,
    PlacementsSpecialGuardianship,
}

/// The number of placements a placement mix was estimated from: above 0, finite.
const EVIDENCE: Range = Range::open(0.0, 1e9, true, false);
const EV: &str = "a number of placements above 0 and at most 1,000,000,000";

/// A placement mix of the policy, drawn once per replication from its Dirichlet posterior when
/// its evidence is given (`policy.placements.mix_under_10_evidence`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MixParam {
    Under10,
    TenPlus,
}

impl MixParam {
    pub(crate) const ALL: [MixParam; 2] = [MixParam::Under10, MixParam::TenPlus];

    /// The mix's path and the frozen key of its stream (the hash of the path when it was
    /// added). One stream per mix gives the gamma draws of all its shares.
    pub(crate) const fn spec(self) -> (&'static str, StreamKey) {
        match self {
            MixParam::Under10 => ("policy.placements.mix_under_10", StreamKey::Fixed(0xcb11_1278_bcb1_43ea)),
            MixParam::TenPlus => ("policy.placements.mix_10_plus", StreamKey::Fixed(0x42e7_f325_18d0_6e16)),
        }
    }

    /// The key of the mix's random stream.
    pub(crate) fn stream_key(self) -> u64 {
        self.spec().1.word(0)
    }

    /// The mix in `policy` and the number of placements it was estimated from, if given.
    pub(crate) fn get(self, policy: &super::Policy) -> (&super::PlacementMix, Option<f64>) {
        let p = &policy.placements;
        match self {
            MixParam::Under10 => (&p.mix_under_10, p.mix_under_10_evidence),
            MixParam::TenPlus => (&p.mix_10_plus, p.mix_10_plus_evidence),
        }
    }

    /// The path of the mix drawn for the policy in force from `month`: under the last change
    /// up to then that sets the mix or its evidence (`changes[i].set.placements.mix_under_10`),
    /// or under `policy.`.
    pub(crate) fn source(self, scenario: &Scenario, month: crate::calendar::YearMonth) -> String {
        let mix = self.spec().0.rsplit('.').next().unwrap_or_default();
        let evidence = format!("{mix}_evidence");
        let sets = |set: &serde_json::Map<String, Value>| {
            set.get("placements")
                .and_then(Value::as_object)
                .is_some_and(|p| p.contains_key(mix) || p.contains_key(&evidence))
        };
        match scenario.changes.iter().enumerate().rev().find(|(_, c)| c.from <= month && sets(&c.set)) {
            Some((i, _)) => format!("changes[{i}].set.placements.{mix}"),
            None => format!("policy.placements.{mix}"),
        }
    }

    /// The mean of the mix's shares: as given without evidence, else the mean of the
    /// Dirichlet posterior [`MixParam::draw`] draws from, `(N x share + 1/2) / (N + 3)`.
    pub(crate) fn mean(self, policy: &super::Policy) -> [f64; crate::vocab::Placement::COUNT] {
        let (mix, evidence) = self.get(policy);
        let shares = mix.to_array();
        let Some(n) = evidence else { return shares };
        let alpha = shares.map(|share| n * share + 0.5);
        let total: f64 = alpha.iter().sum();
        alpha.map(|a| a / total)
    }

    /// This replication's draw of the mix: `Dirichlet(evidence x share + 1/2)` by normalised
    /// gamma draws from the mix's own stream, or the shares as given without evidence.
    pub(crate) fn draw(
        self,
        policy: &super::Policy,
        seed: u64,
        replication: u64,
    ) -> [f64; crate::vocab::Placement::COUNT] {
        let (mix, evidence) = self.get(policy);
        let shares = mix.to_array();
        let Some(n) = evidence else { return shares };
        let mut stream = rng::stream(seed, replication, Purpose::Parameter, self.stream_key(), 0);
        let gammas = shares.map(|share| {
            let shape = n * share + 0.5;
            rand_distr::Gamma::new(shape, 1.0).map_or(shape, |g| rand_distr::Distribution::sample(&g, &mut stream))
        });
        let total: f64 = gammas.iter().sum();
        if total > 0.0 && total.is_finite() { gammas.map(|g| g / total) } else { shares }
    }
}

/// What an optional multiplier left out of a policy means: no change.
static NO_CHANGE: Param = Param::Fixed(1.0);

impl PolicyParam {
    pub(crate) const COUNT: usize = 11;
    pub(crate) const ALL: [PolicyParam; PolicyParam::COUNT] = [
        PolicyParam::EarlyHelpEffectOnEscalation,
        PolicyParam::EarlyHelpEffectOnCareEntry,
        PolicyParam::EarlyHelpEffectAfterClosure,
        PolicyParam::OutreachIdentification,
        PolicyParam::OutreachOverFives,
        PolicyParam::OutreachHighNeed,
        PolicyParam::IntensiveSupportEffectOnCareEntry,
        PolicyParam::PlacementsReunification,
        PolicyParam::PlacementsReentry,
        PolicyParam::PlacementsStepDown,
        PolicyParam::PlacementsSpecialGuardianship,
    ];

    /// The table row: path and frozen stream key (the hash of the engine's old name for it).
    pub(crate) const fn spec(self) -> Spec {
        let (pattern, key) = match self {
            PolicyParam::EarlyHelpEffectOnEscalation => {
                ("policy.early_help.effect_on_escalation", 0xb1da_aceb_06df_f0d9)
            }
            PolicyParam::EarlyHelpEffectOnCareEntry => {
                ("policy.early_help.effect_on_care_entry", 0xf61c_3135_e647_29ae)
            }
            PolicyParam::EarlyHelpEffectAfterClosure => {
                ("policy.early_help.effect_after_closure", 0x7b1c_ea6d_41d1_e8fa)
            }
            PolicyParam::OutreachIdentification => ("policy.outreach.identification_multiplier", 0xdc15_e90e_9bfe_f168),
            PolicyParam::OutreachOverFives => ("policy.outreach.over_fives_multiplier", 0xcf03_69dd_b958_1172),
            PolicyParam::OutreachHighNeed => ("policy.outreach.high_need_multiplier", 0x6a24_a20b_8d87_08cd),
            PolicyParam::IntensiveSupportEffectOnCareEntry => {
                ("policy.intensive_support.effect_on_care_entry", 0xe4ab_73b5_9425_28a0)
            }
            PolicyParam::PlacementsReunification => {
                ("policy.placements.reunification_multiplier", 0x2c37_08c8_f2b5_6d19)
            }
            PolicyParam::PlacementsReentry => ("policy.placements.reentry_multiplier", 0x2db0_593b_2826_7132),
            // Added later: the hashes of their paths when they were added, frozen here.
            PolicyParam::PlacementsStepDown => ("policy.placements.step_down_multiplier", 0xd937_9c57_8ed2_f858),
            PolicyParam::PlacementsSpecialGuardianship => {
                ("policy.placements.special_guardianship_multiplier", 0x6237_1719_e409_4e94)
            }
        };
        uncertain(pattern, Kind::Multiplier, MULTIPLIER, StreamKey::Fixed(key))
    }

    /// The field in `policy`.
    pub(crate) fn get(self, policy: &super::Policy) -> &Param {
        let (e, o, s, p) = (&policy.early_help, &policy.outreach, &policy.intensive_support, &policy.placements);
        match self {
            PolicyParam::EarlyHelpEffectOnEscalation => &e.effect_on_escalation,
            PolicyParam::EarlyHelpEffectOnCareEntry => &e.effect_on_care_entry,
            PolicyParam::EarlyHelpEffectAfterClosure => &e.effect_after_closure,
            PolicyParam::OutreachIdentification => &o.identification_multiplier,
            PolicyParam::OutreachOverFives => &o.over_fives_multiplier,
            PolicyParam::OutreachHighNeed => &o.high_need_multiplier,
            PolicyParam::IntensiveSupportEffectOnCareEntry => &s.effect_on_care_entry,
            PolicyParam::PlacementsReunification => &p.reunification_multiplier,
            PolicyParam::PlacementsReentry => &p.reentry_multiplier,
            PolicyParam::PlacementsStepDown => p.step_down_multiplier.as_ref().unwrap_or(&NO_CHANGE),
            PolicyParam::PlacementsSpecialGuardianship => {
                p.special_guardianship_multiplier.as_ref().unwrap_or(&NO_CHANGE)
            }
        }
    }

    /// The key of the field's random stream.
    pub(crate) fn stream_key(self) -> u64 {
        self.spec().key.map_or(0, |k| k.word(0))
    }

    /// The path of the field as written in `scenario` for the policy in force from `month`:
    /// under the last change up to then that sets it (`changes[i].set.early_help...`), or under
    /// `policy.`.
    pub(crate) fn source(self, scenario: &Scenario, month: crate::calendar::YearMonth) -> String {
        let keys: Vec<&str> = self.spec().pattern.split('.').skip(1).collect();
        format!("{}.{}", super::validate::set_by(scenario, month, &keys), keys.join("."))
    }
}

/// The unit costs, each of which may be uncertain, drawn once per replication when costed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CostParam {
    Placement(crate::vocab::Placement),
    ChildInNeed,
    ChildProtection,
    EarlyHelp,
    IntensiveSupport,
    Assessment,
    EnteringCare,
    CareProceedings,
    CareLeaverSupport,
    /// `costs.services[i].cost.amount`.
    Service,
    /// `costs.implementation[i].cost.amount`.
    Implementation,
    /// `costs.posts.early_help.amount`: an early help post.
    EarlyHelpPost,
    /// `costs.posts.intensive_support.amount`: an intensive support post.
    IntensiveSupportPost,
    /// `costs.posts.social_work.salary.amount`: a social worker post.
    SocialWorkPost,
}

impl CostParam {
    /// The table row: path and frozen stream key (the hash of the old name `costs.<name>`).
    pub(crate) const fn spec(self) -> Spec {
        use crate::vocab::Placement as Pl;
        use StreamKey::{Fixed, Indexed};
        let (pattern, key) = match self {
            CostParam::Placement(Pl::InHouseFoster) => {
                ("costs.placements.in_house_foster.amount", Fixed(0x95e1_7898_49c4_efd5))
            }
            CostParam::Placement(Pl::Ifa) => ("costs.placements.ifa.amount", Fixed(0x53e0_3b4e_e045_b9fd)),
            CostParam::Placement(Pl::Kinship) => ("costs.placements.kinship.amount", Fixed(0xabfe_b538_eb50_02e7)),
            CostParam::Placement(Pl::Residential) => {
                ("costs.placements.residential.amount", Fixed(0x8bb9_21d5_82a0_f85d))
            }
            CostParam::Placement(Pl::WithParents) => {
                ("costs.placements.with_parents.amount", Fixed(0x4362_d9ab_0c7b_b143))
            }
            CostParam::Placement(Pl::Other) => ("costs.placements.other.amount", Fixed(0xc006_0b0b_f7fd_7a3d)),
            CostParam::ChildInNeed => ("costs.child_in_need.amount", Fixed(0x1946_b783_ca83_8cea)),
            CostParam::ChildProtection => ("costs.child_protection.amount", Fixed(0x6f3d_5728_a5e0_37ad)),
            CostParam::EarlyHelp => ("costs.early_help.amount", Fixed(0x7f45_510d_98ae_d2d6)),
            CostParam::IntensiveSupport => ("costs.intensive_support.amount", Fixed(0x914b_3587_8eb3_e9f0)),
            CostParam::Assessment => ("costs.assessment.amount", Fixed(0xf134_1887_da69_a9b7)),
            CostParam::EnteringCare => ("costs.entering_care.amount", Fixed(0x2230_d154_68e3_20c5)),
            CostParam::CareProceedings => ("costs.care_proceedings.amount", Fixed(0x9edb_5474_ff95_28f4)),
            CostParam::CareLeaverSupport => ("costs.care_leaver_support.amount", Fixed(0xc5c0_4907_373f_b0c2)),
            CostParam::Service => ("costs.services[*].cost.amount", Indexed(0x2198_9dea_1efb_5542)),
            CostParam::Implementation => ("costs.implementation[*].cost.amount", Indexed(0xd932_50d7_d291_b99c)),
            // Added later: the hashes of their paths when they were added, frozen here.
            CostParam::EarlyHelpPost => ("costs.posts.early_help.amount", Fixed(0xa466_b093_041d_8ad1)),
            CostParam::IntensiveSupportPost => ("costs.posts.intensive_support.amount", Fixed(0x5330_25ba_d358_deb5)),
            CostParam::SocialWorkPost => ("costs.posts.social_work.salary.amount", Fixed(0xe02b_0142_f973_d9d5)),
        };
        uncertain(pattern, Kind::Money, COST, key)
    }

    /// The path of this cost (of list element `index` for services and one-offs).
    pub(crate) fn path(self, index: usize) -> String {
        self.spec().pattern.replace("[*]", &format!("[{index}]"))
    }

    /// The stream key of this cost (of list element `index` for services and one-offs).
    pub(crate) fn stream_key(self, index: usize) -> u64 {
        self.spec().key.map_or(0, |k| k.word(index))
    }
}

/// Draw `param` for replication `replication` of a run seeded `seed` from the stream keyed
/// `key` (its central value if it is fixed), clamped to `range`. The one way uncertain
/// parameters are drawn, by the engine and by the costs.
pub(crate) fn draw(param: &Param, key: u64, range: Range, seed: u64, replication: u64) -> f64 {
    if param.is_uncertain() {
        let mut stream = rng::stream(seed, replication, Purpose::Parameter, key, 0);
        param.draw(&mut stream, range.bounds())
    } else {
        param.central()
    }
}

/// A cell of the exit table `hazards.looked_after.exits.<destination>.<band>.<duration>`: a rate
/// that may be uncertain, with its frozen stream key.
macro_rules! exit_rate {
    ($destination:literal, $band:literal, $duration:literal, $key:literal) => {
        uncertain(
            concat!("hazards.looked_after.exits.", $destination, ".", $band, ".", $duration),
            Kind::RatePerYear,
            RATE,
            StreamKey::Fixed($key),
        )
    };
}

/// A band of the care-entry scale `hazards.care_entry_scale.<band>`: a multiplier that may be
/// uncertain, with its frozen stream key.
const fn care_entry_scale(pattern: &'static str, key: u64) -> Spec {
    uncertain(pattern, Kind::Multiplier, MULTIPLIER, StreamKey::Fixed(key))
}

/// The trend in care entry (and in demand), a proportional change a year: from halving to
/// doubling.
pub(crate) const CARE_ENTRY_TREND: Range = Range::closed(-0.5, 1.0);

/// Every numeric field of the schema, in schema order.
pub(crate) const TABLE: &[Spec] = &[
    whole(
        "population.under_18",
        Kind::Count,
        Range::closed(1.0, 20_000_000.0),
        "a whole number of children from 1 to 20,000,000",
    ),
    number("population.localities[*].population_share", Kind::Share, PROBABILITY, P),
    number("population.localities[*].need.*", Kind::Share, PROBABILITY, P),
    number("population.family_size[*]", Kind::Share, PROBABILITY, P),
    number(
        "population.sibling_gap_years",
        Kind::Years,
        Range::open(0.0, 18.0, true, false),
        "a number of years above 0 and at most 18",
    ),
    number("population.family_birth_rate", Kind::RatePerYear, RATE, R),
    number("population.move_away_rate", Kind::RatePerYear, RATE, R),
    whole("population.initial.looked_after", Kind::Count, WHOLE, W),
    number("population.initial.looked_after_ages.*", Kind::Share, PROBABILITY, P),
    number(
        "population.initial.looked_after_mean_months",
        Kind::Months,
        Range::closed(1.0, 216.0),
        "a number of months from 1 to 216",
    ),
    whole("population.initial.child_protection", Kind::Count, WHOLE, W),
    whole("population.initial.child_in_need", Kind::Count, WHOLE, W),
    whole("population.initial.early_help_families", Kind::Count, WHOLE, W),
    whole("population.initial.waiting_families", Kind::Count, WHOLE, W),
    number("population.initial.previously_known_share", Kind::Share, PROBABILITY, P),
    uncertain(
        "population.demand_trend.growth",
        Kind::AnnualRate,
        CARE_ENTRY_TREND,
        StreamKey::Fixed(0xa147_152c_819a_8a1c),
    ),
    number("hazards.contact_need_multiplier.*", Kind::Multiplier, MULTIPLIER, M),
    number("hazards.escalation_need_multiplier.*", Kind::Multiplier, MULTIPLIER, M),
    number("hazards.not_known.*.*", Kind::RatePerYear, RATE, R),
    number("hazards.previously_known.*.*", Kind::RatePerYear, RATE, R),
    number("hazards.recently_closed_multiplier", Kind::Multiplier, MULTIPLIER, M),
    whole("hazards.recently_closed_months", Kind::Months, MONTHS, MO),
    number("hazards.assessment.*", Kind::Probability, PROBABILITY, P),
    number("hazards.early_help.step_up_multiplier", Kind::Multiplier, MULTIPLIER, M),
    number("hazards.early_help.step_up_to_protection", Kind::Share, PROBABILITY, P),
    number("hazards.early_help.care_entry_multiplier", Kind::Multiplier, MULTIPLIER, M),
    number("hazards.early_help.waiting_dropout", Kind::RatePerYear, RATE, R),
    number("hazards.child_in_need.close", Kind::RatePerYear, RATE, R),
    number("hazards.child_in_need.step_up", Kind::RatePerYear, RATE, R),
    number("hazards.child_in_need.step_down", Kind::RatePerYear, RATE, R),
    number("hazards.child_in_need.close_to_early_help", Kind::Share, PROBABILITY, P),
    number("hazards.child_in_need.care_entry.*", Kind::RatePerYear, RATE, R),
    number("hazards.child_protection.close", Kind::RatePerYear, RATE, R),
    number("hazards.child_protection.step_up", Kind::RatePerYear, RATE, R),
    number("hazards.child_protection.step_down", Kind::RatePerYear, RATE, R),
    number("hazards.child_protection.close_to_early_help", Kind::Share, PROBABILITY, P),
    number("hazards.child_protection.care_entry.*", Kind::RatePerYear, RATE, R),
    number("hazards.looked_after.return_home.*", Kind::RatePerYear, RATE, R),
    number("hazards.looked_after.adoption_under_5", Kind::RatePerYear, RATE, R),
    whole("hazards.looked_after.adoption_min_months", Kind::Months, MONTHS, MO),
    number("hazards.looked_after.special_guardianship", Kind::RatePerYear, RATE, R),
    number("hazards.looked_after.other_exit", Kind::RatePerYear, RATE, R),
    // The exit table, one row per cell so that each has its own stream (independent draws).
    // Keys: the hashes of the paths when the table was added, frozen here.
    exit_rate!("home", "age_0", "under_6_months", 0xdfab_f481_fb30_6bac),
    exit_rate!("home", "age_0", "months_6_to_24", 0xfcc0_8f3c_9fca_740e),
    exit_rate!("home", "age_0", "over_24_months", 0xa737_b99f_8422_f5aa),
    exit_rate!("home", "age_1_4", "under_6_months", 0xf37a_759e_40ac_d4b4),
    exit_rate!("home", "age_1_4", "months_6_to_24", 0x6b52_8eae_84f9_55a6),
    exit_rate!("home", "age_1_4", "over_24_months", 0xeb3b_82af_fd6d_56f2),
    exit_rate!("home", "age_5_9", "under_6_months", 0x4696_1eca_e5cf_7c51),
    exit_rate!("home", "age_5_9", "months_6_to_24", 0x60de_67d7_1257_1fe7),
    exit_rate!("home", "age_5_9", "over_24_months", 0x03e3_418a_4e1c_4df3),
    exit_rate!("home", "age_10_15", "under_6_months", 0xf9d1_786f_b9dc_fd0c),
    exit_rate!("home", "age_10_15", "months_6_to_24", 0x4fbd_bcf3_f46d_8fae),
    exit_rate!("home", "age_10_15", "over_24_months", 0x3f2a_d0ea_d6a3_9e8a),
    exit_rate!("home", "age_16_17", "under_6_months", 0x3aea_212a_2892_50a0),
    exit_rate!("home", "age_16_17", "months_6_to_24", 0xe95e_296a_6114_0042),
    exit_rate!("home", "age_16_17", "over_24_months", 0xcda8_d2c3_3783_d156),
    exit_rate!("adoption", "age_0", "under_6_months", 0xdbc2_2bbe_94b1_bee5),
    exit_rate!("adoption", "age_0", "months_6_to_24", 0xcded_7804_e3a0_563b),
    exit_rate!("adoption", "age_0", "over_24_months", 0xdb8b_0fb3_5e56_ca5f),
    exit_rate!("adoption", "age_1_4", "under_6_months", 0x9a3a_1126_18be_cb45),
    exit_rate!("adoption", "age_1_4", "months_6_to_24", 0x54a9_10ed_9595_c75b),
    exit_rate!("adoption", "age_1_4", "over_24_months", 0x1490_1f3a_01f3_413f),
    exit_rate!("adoption", "age_5_9", "under_6_months", 0xd05c_0093_5f8f_c9c8),
    exit_rate!("adoption", "age_5_9", "months_6_to_24", 0x8a11_b0df_b5e4_ab7a),
    exit_rate!("adoption", "age_5_9", "over_24_months", 0xe01b_9023_436e_d79e),
    exit_rate!("adoption", "age_10_15", "under_6_months", 0xfd80_0584_4af9_9dc1),
    exit_rate!("adoption", "age_10_15", "months_6_to_24", 0x723d_c2eb_894d_6f97),
    exit_rate!("adoption", "age_10_15", "over_24_months", 0xdb47_62f2_dd12_8003),
    exit_rate!("adoption", "age_16_17", "under_6_months", 0x772a_9dbd_8417_fc81),
    exit_rate!("adoption", "age_16_17", "months_6_to_24", 0xad42_61e2_6401_7b57),
    exit_rate!("adoption", "age_16_17", "over_24_months", 0xf220_2d17_49a5_ab43),
    exit_rate!("special_guardianship", "age_0", "under_6_months", 0xbb57_026b_6f88_e606),
    exit_rate!("special_guardianship", "age_0", "months_6_to_24", 0xfd62_ab23_3706_c484),
    exit_rate!("special_guardianship", "age_0", "over_24_months", 0x14ae_2365_038a_7918),
    exit_rate!("special_guardianship", "age_1_4", "under_6_months", 0xe327_f38a_84e9_2bb2),
    exit_rate!("special_guardianship", "age_1_4", "months_6_to_24", 0x8489_ce7d_5efc_99f0),
    exit_rate!("special_guardianship", "age_1_4", "over_24_months", 0xefed_8320_f34c_10ec),
    exit_rate!("special_guardianship", "age_5_9", "under_6_months", 0xb11f_0fa5_c1d1_090f),
    exit_rate!("special_guardianship", "age_5_9", "months_6_to_24", 0x50be_d1cc_6f1f_8029),
    exit_rate!("special_guardianship", "age_5_9", "over_24_months", 0x8062_dac8_08c8_8c35),
    exit_rate!("special_guardianship", "age_10_15", "under_6_months", 0x6678_8f58_9591_11ba),
    exit_rate!("special_guardianship", "age_10_15", "months_6_to_24", 0x68ff_126d_85c3_23e8),
    exit_rate!("special_guardianship", "age_10_15", "over_24_months", 0x126f_aedd_67e1_41d4),
    exit_rate!("special_guardianship", "age_16_17", "under_6_months", 0x26ae_6474_494a_590e),
    exit_rate!("special_guardianship", "age_16_17", "months_6_to_24", 0x7a26_e645_7916_3d3c),
    exit_rate!("special_guardianship", "age_16_17", "over_24_months", 0x3a3e_a06a_77a4_ada0),
    exit_rate!("other", "age_0", "under_6_months", 0xf626_1c1f_fa54_0a1f),
    exit_rate!("other", "age_0", "months_6_to_24", 0x5bdf_d9ef_40c2_9839),
    exit_rate!("other", "age_0", "over_24_months", 0x88b9_c710_89ff_06e5),
    exit_rate!("other", "age_1_4", "under_6_months", 0xff9a_6fb7_d60c_1d33),
    exit_rate!("other", "age_1_4", "months_6_to_24", 0x4523_0768_82df_1d2d),
    exit_rate!("other", "age_1_4", "over_24_months", 0x9840_5eb9_69e5_5bf1),
    exit_rate!("other", "age_5_9", "under_6_months", 0x2dbf_d028_5b59_5946),
    exit_rate!("other", "age_5_9", "months_6_to_24", 0x9ee6_abee_eddd_b5c4),
    exit_rate!("other", "age_5_9", "over_24_months", 0xf64c_2ef2_2991_d3d8),
    exit_rate!("other", "age_10_15", "under_6_months", 0xd6ba_4f37_69d2_b32f),
    exit_rate!("other", "age_10_15", "months_6_to_24", 0x1bc2_326f_a6e5_4509),
    exit_rate!("other", "age_10_15", "over_24_months", 0xce29_f63a_7efe_5555),
    exit_rate!("other", "age_16_17", "under_6_months", 0x7920_9689_84a6_e26f),
    exit_rate!("other", "age_16_17", "months_6_to_24", 0xe56c_2d6e_a6e0_a549),
    exit_rate!("other", "age_16_17", "over_24_months", 0xa4df_ecbb_8904_e015),
    uncertain("hazards.looked_after.placement_move", Kind::RatePerYear, RATE, StreamKey::Fixed(0xacd7_3b26_aead_93e2)),
    number("hazards.looked_after.return_to.*", Kind::Share, PROBABILITY, P),
    uncertain(
        "hazards.looked_after.reentry_multiplier",
        Kind::Multiplier,
        MULTIPLIER,
        StreamKey::Fixed(0x3264_7166_b85e_5510),
    ),
    whole("hazards.looked_after.reentry_months", Kind::Months, MONTHS, MO),
    number("hazards.looked_after.care_proceedings_share", Kind::Share, PROBABILITY, P),
    whole("hazards.looked_after.interim_order_months", Kind::Months, MONTHS, MO),
    number("hazards.sibling_group_entry", Kind::Probability, PROBABILITY, P),
    number("hazards.abuse_neglect.*", Kind::Probability, PROBABILITY, P),
    number("hazards.abuse_neglect_care_multiplier", Kind::Multiplier, MULTIPLIER, M),
    // The care-entry scale by band and the trend: keys are the hashes of the paths when they
    // were added, frozen here.
    care_entry_scale("hazards.care_entry_scale.age_0", 0x3d8e_71f2_88eb_8fc9),
    care_entry_scale("hazards.care_entry_scale.age_1_4", 0x9168_8217_e976_dd0d),
    care_entry_scale("hazards.care_entry_scale.age_5_9", 0xb2e3_2117_fc18_59fa),
    care_entry_scale("hazards.care_entry_scale.age_10_15", 0x4a11_f1a2_dd50_9005),
    care_entry_scale("hazards.care_entry_scale.age_16_17", 0x6db6_2f6f_150a_8d59),
    uncertain("hazards.care_entry_trend", Kind::AnnualRate, CARE_ENTRY_TREND, StreamKey::Fixed(0x04c3_70cb_9b6c_e352)),
    number("hazards.care_entry_by_age[*]", Kind::Multiplier, MULTIPLIER, M),
    whole("policy.early_help.hubs", Kind::Count, WHOLE, W),
    whole(
        "policy.early_help.places",
        Kind::Count,
        Range::closed(0.0, 1_000_000.0),
        "a whole number of family places from 0 to 1,000,000",
    ),
    number("policy.early_help.staff.posts", Kind::Posts, POSTS, PO),
    number("policy.early_help.staff.caseload", Kind::Caseload, CASELOAD, CL),
    number("policy.early_help.over_fives_target", Kind::Share, PROBABILITY, P),
    number(
        "policy.early_help.mean_duration_months",
        Kind::Months,
        Range::closed(3.0, 60.0),
        "a number of months in [3, 60]",
    ),
    PolicyParam::EarlyHelpEffectOnEscalation.spec(),
    PolicyParam::EarlyHelpEffectOnCareEntry.spec(),
    PolicyParam::EarlyHelpEffectAfterClosure.spec(),
    whole("policy.early_help.effect_after_months", Kind::Months, MONTHS, MO),
    PolicyParam::OutreachIdentification.spec(),
    PolicyParam::OutreachOverFives.spec(),
    PolicyParam::OutreachHighNeed.spec(),
    whole(
        "policy.intensive_support.places",
        Kind::Count,
        Range::closed(0.0, 1_000_000.0),
        "a whole number of family places from 0 to 1,000,000",
    ),
    number("policy.intensive_support.staff.posts", Kind::Posts, POSTS, PO),
    number("policy.intensive_support.staff.caseload", Kind::Caseload, CASELOAD, CL),
    whole("policy.intensive_support.min_age", Kind::Age, Range::closed(0.0, 17.0), "an age from 0 to 17"),
    whole("policy.intensive_support.max_age", Kind::Age, Range::closed(0.0, 17.0), "an age from 0 to 17"),
    number(
        "policy.intensive_support.mean_duration_months",
        Kind::Months,
        Range::closed(1.0, 60.0),
        "a number of months in [1, 60]",
    ),
    PolicyParam::IntensiveSupportEffectOnCareEntry.spec(),
    number("policy.placements.mix_under_10.*", Kind::Share, PROBABILITY, P),
    number("policy.placements.mix_under_10_evidence", Kind::Count, EVIDENCE, EV),
    number("policy.placements.mix_10_plus.*", Kind::Share, PROBABILITY, P),
    number("policy.placements.mix_10_plus_evidence", Kind::Count, EVIDENCE, EV),
    PolicyParam::PlacementsReunification.spec(),
    PolicyParam::PlacementsReentry.spec(),
    whole("policy.placements.reunification_target.min_months_in_care", Kind::Months, MONTHS, MO),
    whole("policy.placements.reunification_target.max_months_in_care", Kind::Months, TARGET_MAX, TMO),
    PolicyParam::PlacementsStepDown.spec(),
    whole("policy.placements.step_down_target.min_months_in_care", Kind::Months, MONTHS, MO),
    whole("policy.placements.step_down_target.max_months_in_care", Kind::Months, TARGET_MAX, TMO),
    PolicyParam::PlacementsSpecialGuardianship.spec(),
    whole("policy.placements.special_guardianship_target.min_months_in_care", Kind::Months, MONTHS, MO),
    whole("policy.placements.special_guardianship_target.max_months_in_care", Kind::Months, TARGET_MAX, TMO),
    number("costs.discount_rate", Kind::AnnualRate, Range::open(0.0, 1.0, false, true), "a rate in [0, 1), e.g. 0.035"),
    number(
        "costs.inflation.rates.*",
        Kind::AnnualRate,
        Range::open(-1.0, 10.0, true, true),
        "an annual rate above -1 and below 10 (0.03 is 3%)",
    ),
    number(
        "costs.inflation.otherwise",
        Kind::AnnualRate,
        Range::open(-1.0, 10.0, true, true),
        "an annual rate above -1 and below 10",
    ),
    CostParam::Placement(crate::vocab::Placement::InHouseFoster).spec(),
    CostParam::Placement(crate::vocab::Placement::Ifa).spec(),
    CostParam::Placement(crate::vocab::Placement::Kinship).spec(),
    CostParam::Placement(crate::vocab::Placement::Residential).spec(),
    CostParam::Placement(crate::vocab::Placement::WithParents).spec(),
    CostParam::Placement(crate::vocab::Placement::Other).spec(),
    CostParam::ChildInNeed.spec(),
    CostParam::ChildProtection.spec(),
    CostParam::EarlyHelp.spec(),
    CostParam::IntensiveSupport.spec(),
    CostParam::Assessment.spec(),
    CostParam::EnteringCare.spec(),
    CostParam::CareProceedings.spec(),
    CostParam::CareLeaverSupport.spec(),
    whole("costs.care_leaver_years", Kind::Years, Range::closed(0.0, 10.0), "a number of years from 0 to 10"),
    CostParam::Service.spec(),
    CostParam::Implementation.spec(),
    CostParam::EarlyHelpPost.spec(),
    CostParam::IntensiveSupportPost.spec(),
    CostParam::SocialWorkPost.spec(),
    number("costs.posts.social_work.child_in_need_caseload", Kind::Caseload, CASELOAD, CL),
    number("costs.posts.social_work.child_protection_caseload", Kind::Caseload, CASELOAD, CL),
];

/// The pattern a concrete path falls under: list indices become `[*]`, and a policy change's
/// `changes[i].set.` becomes `policy.`.
fn normalise(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut chars = path.chars().peekable();
    while let Some(c) = chars.next() {
        out.push(c);
        if c == '[' {
            while chars.peek().is_some_and(char::is_ascii_digit) {
                chars.next();
            }
            out.push('*');
        }
    }
    match out.strip_prefix("changes[*].set.") {
        Some(rest) => format!("policy.{rest}"),
        None => out,
    }
}

/// Whether the normalised `path` falls under `pattern` (what [`position`] finds by hashing).
#[cfg(test)]
fn matches(pattern: &str, path: &str) -> bool {
    let (mut p, mut q) = (pattern.split('.'), path.split('.'));
    loop {
        match (p.next(), q.next()) {
            (None, None) => return true,
            (Some(a), Some(b)) if a == b || a == "*" => {}
            _ => return false,
        }
    }
}

/// The position in [`TABLE`] of the pattern the concrete path `path` falls under.
///
/// Every validation looks its fields up here, so this is a hash lookup, not a scan: the
/// table's wildcards are all trailing (`need.*`, `not_known.*.*`, a test checks), so the path
/// itself, then with its last one or two keys made `*`, is looked up.
fn position(path: &str) -> Option<usize> {
    static INDEX: OnceLock<std::collections::HashMap<&'static str, usize>> = OnceLock::new();
    let index = INDEX.get_or_init(|| TABLE.iter().enumerate().map(|(i, s)| (s.pattern, i)).collect());
    let normal = normalise(path);
    if let Some(&i) = index.get(normal.as_str()) {
        return Some(i);
    }
    let (parent, _) = normal.rsplit_once('.')?;
    if let Some(&i) = index.get(format!("{parent}.*").as_str()) {
        return Some(i);
    }
    let (grandparent, _) = parent.rsplit_once('.')?;
    index.get(format!("{grandparent}.*.*").as_str()).copied()
}

/// The table row for the concrete path `path`, if it is a numeric field.
pub(crate) fn spec_of(path: &str) -> Option<&'static Spec> {
    position(path).map(|i| &TABLE[i])
}

/// The error for a field with no row in the table: a programming error that the registry tests
/// catch, reported rather than passed silently.
fn unregistered(path: &str) -> ConfigError {
    ConfigError::new(
        path,
        "a field with no entry in the parameter registry",
        "a registered parameter (a bug: please report it)",
    )
}

/// Check the plain number `v` at `path` against the table.
pub(crate) fn check(path: &str, v: f64) -> std::result::Result<(), ConfigError> {
    let spec = spec_of(path).ok_or_else(|| unregistered(path))?;
    if spec.range.contains(v) { Ok(()) } else { Err(ConfigError::new(path, v, spec.allowed)) }
}

/// Check the parameter (number or distribution) at `path` against the table.
pub(crate) fn check_param(path: &str, p: &Param) -> std::result::Result<(), ConfigError> {
    let spec = spec_of(path).ok_or_else(|| unregistered(path))?;
    p.validate(path, spec.range.bounds())
}

/// One numeric parameter of a scenario, as [`Scenario::parameters`] lists it.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Parameter {
    /// Dotted path, e.g. `hazards.not_known.referral.age_5_9`.
    pub path: String,
    /// What it measures.
    pub kind: Kind,
    /// The values it may take.
    pub range: Range,
    /// What a range error says is allowed.
    pub allowed: String,
    /// Whether only whole numbers are allowed.
    pub whole: bool,
    /// Whether it may be a distribution drawn once per replication.
    pub may_be_uncertain: bool,
    /// Its value: the number, or the distribution's central value.
    pub value: f64,
    /// Its distribution, if it is uncertain.
    pub distribution: Option<Distribution>,
    /// The key of its random stream, if it may be uncertain.
    pub stream_key: Option<u64>,
    /// The field's documentation (from the schema).
    pub description: String,
    /// Where its value comes from: the comment on its line or its table's in the scenario
    /// file, if any (see [`super::Sources`]).
    pub source: Option<String>,
}

/// A step of a path into the JSON form of a scenario.
#[derive(Debug, Clone)]
enum Step {
    Key(String),
    Index(usize),
}

/// A number or distribution found in the JSON form, with its path and the steps to it.
struct Leaf {
    path: String,
    steps: Vec<Step>,
    param: Param,
}

fn key_text(key: &str) -> String {
    if !key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        key.to_string()
    } else {
        format!("\"{key}\"")
    }
}

fn walk(value: &Value, path: &str, steps: &mut Vec<Step>, out: &mut Vec<Leaf>) {
    match value {
        Value::Number(n) => out.push(Leaf {
            path: path.to_string(),
            steps: steps.clone(),
            param: Param::Fixed(n.as_f64().unwrap_or(f64::NAN)),
        }),
        Value::Object(map) if map.contains_key("dist") => {
            if let Ok(d) = serde_json::from_value::<Distribution>(value.clone()) {
                out.push(Leaf { path: path.to_string(), steps: steps.clone(), param: Param::Uncertain(d) });
            }
        }
        Value::Object(map) => {
            for (k, v) in map {
                // Reported figures are data to compare with, not parameters of the model; the
                // uncertainty table's numbers describe parameters, they are not parameters.
                if path.is_empty() && (k == "reported" || k == "uncertainty") {
                    continue;
                }
                let text = key_text(k);
                let child = if path.is_empty() { text } else { format!("{path}.{text}") };
                steps.push(Step::Key(k.clone()));
                walk(v, &child, steps, out);
                steps.pop();
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                steps.push(Step::Index(i));
                walk(v, &format!("{path}[{i}]"), steps, out);
                steps.pop();
            }
        }
        _ => {}
    }
}

/// The paths of the numbers and distributions in `value`, as [`Scenario::parameters`] writes
/// them (`reported` and `uncertainty` left out at the top).
pub(super) fn value_paths(value: &Value) -> Vec<String> {
    leaves(value).into_iter().map(|l| l.path).collect()
}

fn leaves(value: &Value) -> Vec<Leaf> {
    let mut out = Vec::new();
    walk(value, "", &mut Vec::new(), &mut out);
    out
}

/// Paths of numbers in `scenario` that have no row in the registry's table (none, unless a
/// numeric field was added to the schema without one). For the registry's tests.
#[doc(hidden)]
pub fn unregistered_paths(scenario: &Scenario) -> Vec<String> {
    leaves(&scenario.to_value()).into_iter().filter(|l| spec_of(&l.path).is_none()).map(|l| l.path).collect()
}

/// The table's patterns, in order. For the registry's tests.
#[doc(hidden)]
pub fn patterns() -> Vec<&'static str> {
    TABLE.iter().map(|s| s.pattern).collect()
}

/// The stream keys of the table's uncertain fields, with their patterns, then those of the
/// placement mixes (drawn when their evidence is given). For the registry's tests.
#[doc(hidden)]
pub fn stream_keys() -> Vec<(&'static str, StreamKey)> {
    TABLE.iter().filter_map(|s| s.key.map(|k| (s.pattern, k))).chain(MixParam::ALL.map(MixParam::spec)).collect()
}

fn parameter(leaf: &Leaf, spec: &Spec, sources: &super::Sources) -> Parameter {
    let index = leaf.steps.iter().find_map(|s| match s {
        Step::Index(i) => Some(*i),
        Step::Key(_) => None,
    });
    Parameter {
        path: leaf.path.clone(),
        kind: spec.kind,
        range: spec.range,
        allowed: if spec.key.is_some() { spec.range.bounds().describe() } else { spec.allowed.to_string() },
        whole: spec.whole,
        may_be_uncertain: spec.key.is_some(),
        value: leaf.param.central(),
        distribution: match &leaf.param {
            Param::Uncertain(d) => Some(d.clone()),
            Param::Fixed(_) => None,
        },
        stream_key: spec.key.map(|k| k.word(index.unwrap_or(0))),
        description: description(&leaf.path),
        source: sources.of(&leaf.path).map(str::to_string),
    }
}

impl Scenario {
    /// Every numeric parameter of the scenario, in the order of the schema: its path, kind,
    /// range, value (the central value of a distribution), distribution and description.
    /// Policy changes' fields are listed under `changes[i].set.` (after the policy, in the order
    /// of the changes), unit costs under `costs.`.
    ///
    /// # Examples
    /// ```
    /// let s = carecast::Scenario::preset("wolverhampton-2015-redesign").unwrap();
    /// let params = s.parameters();
    /// let p = params.iter().find(|p| p.path == "changes[2].set.early_help.effect_after_closure").unwrap();
    /// assert!(p.distribution.is_some() && (p.value - 0.85).abs() < 1e-12);
    /// ```
    pub fn parameters(&self) -> Vec<Parameter> {
        let mut found: Vec<(usize, Parameter)> = leaves(&self.to_value())
            .iter()
            .filter_map(|leaf| {
                let at = position(&leaf.path)?;
                Some((at, parameter(leaf, &TABLE[at], &self.sources)))
            })
            .collect();
        // In schema order: the policy changes after the policy, in their order, before costs.
        found.sort_by_key(|(at, p)| {
            let change = p.path.strip_prefix("changes[").and_then(|rest| rest.split(']').next()?.parse::<usize>().ok());
            let group = match change {
                Some(_) => 1,
                None if p.path.starts_with("costs.") => 2,
                None => 0,
            };
            (group, change, *at)
        });
        let table = &self.uncertainty.parameters;
        found
            .into_iter()
            .map(|(_, mut p)| {
                // A parameter of the uncertainty table is uncertain, at its distribution's centre.
                if let Some(u) = table.iter().find(|u| u.path == p.path) {
                    p.value = super::uncertainty::central(&u.distribution, p.whole);
                    p.distribution = Some(u.distribution.clone());
                }
                p
            })
            .collect()
    }

    /// The value of the parameter at `path` (the central value of a distribution).
    ///
    /// # Errors
    /// A [`ConfigError`] naming `path` and the closest parameter paths if there is no such
    /// parameter.
    ///
    /// # Examples
    /// ```
    /// let s = carecast::Scenario::default_preset();
    /// assert_eq!(s.parameter("policy.early_help.places").unwrap(), f64::from(s.policy.early_help.capacity()));
    /// assert!(s.parameter("policy.early_help.place").is_err());
    /// ```
    pub fn parameter(&self, path: &str) -> Result<f64> {
        let value = self.to_value();
        let all = leaves(&value);
        let leaf = find(&all, path)?;
        match self.uncertainty.parameters.iter().find(|u| u.path == path) {
            Some(u) => Ok(super::uncertainty::central(&u.distribution, spec_of(path).is_some_and(|s| s.whole))),
            None => Ok(leaf.param.central()),
        }
    }

    /// A new scenario with the parameter at `path` set to the number `value` (a distribution
    /// there, or in the uncertainty table, is replaced by the fixed value), validated.
    ///
    /// # Errors
    /// As [`Scenario::with_parameters`].
    ///
    /// # Examples
    /// ```
    /// let s = carecast::Scenario::default_preset();
    /// let more = s.set_parameter("hazards.not_known.referral.age_5_9", 0.05).unwrap();
    /// assert_eq!(more.hazards.not_known.referral.age_5_9, 0.05);
    /// let e = s.set_parameter("hazards.sibling_group_entry", 1.5).unwrap_err();
    /// assert!(e.to_string().contains("[0, 1]"));
    /// ```
    pub fn set_parameter(&self, path: &str, value: f64) -> Result<Scenario> {
        self.with_parameters(&[(path, value)])
    }

    /// A new scenario with several parameters set at once (so that shares can move together and
    /// still sum to 1), validated once at the end. A parameter set here leaves the uncertainty
    /// table (`[[uncertainty.parameters]]`), with its correlations, and the sample the scenario
    /// carries (`[uncertainty.sample]`: its column; the sample, if no column is left).
    ///
    /// # Errors
    /// A [`ConfigError`] naming the path: no such parameter (with the closest paths), a value
    /// outside the parameter's range (with the range), a fractional value for a whole number; or
    /// any error of the scenario as a whole (shares that no longer sum to 1, for example).
    pub fn with_parameters(&self, values: &[(&str, f64)]) -> Result<Scenario> {
        let mut value = self.to_value();
        let all = leaves(&value);
        let mut replaced = Vec::with_capacity(values.len());
        for &(path, v) in values {
            let leaf = find(&all, path)?;
            replaced.push(leaf.path.clone());
            let spec = spec_of(path).ok_or_else(|| unregistered(path))?;
            if spec.key.is_some() {
                Param::Fixed(v).validate(path, spec.range.bounds())?;
            } else if !spec.range.contains(v) {
                return Err(ConfigError::new(path, v, spec.allowed).into());
            }
            let number = if spec.whole {
                if v.fract() != 0.0 {
                    return Err(ConfigError::new(path, v, format!("a whole number: {}", spec.allowed)).into());
                }
                Value::from(v as u64)
            } else {
                serde_json::Number::from_f64(v)
                    .map(Value::Number)
                    .ok_or_else(|| ConfigError::new(path, v, "a finite number"))?
            };
            let mut target = &mut value;
            for step in &leaf.steps {
                target = match step {
                    Step::Key(k) => &mut target[k.as_str()],
                    Step::Index(i) => &mut target[*i],
                };
            }
            *target = number;
        }
        if !self.uncertainty.is_empty() {
            let mut uncertainty = self.uncertainty.clone();
            uncertainty.parameters.retain(|u| !replaced.contains(&u.path));
            uncertainty.correlations.retain(|c| c.parameters.iter().all(|p| !replaced.contains(p)));
            // A column of a carried sample set here leaves the sample (all of them, the sample).
            if let Some(carried) = uncertainty.sample.as_mut() {
                let keep: Vec<usize> =
                    (0..carried.columns.len()).filter(|&j| !replaced.contains(&carried.columns[j])).collect();
                if keep.is_empty() {
                    uncertainty.sample = None;
                } else if keep.len() < carried.columns.len() {
                    carried.columns = keep.iter().map(|&j| carried.columns[j].clone()).collect();
                    carried.rows = carried.rows.iter().map(|r| keep.iter().map(|&j| r[j]).collect()).collect();
                }
            }
            value["uncertainty"] = serde_json::to_value(&uncertainty).expect("the uncertainty table serialises");
            if uncertainty.is_empty() {
                if let Some(map) = value.as_object_mut() {
                    map.remove("uncertainty");
                }
            }
        }
        let mut scenario = Scenario::from_value(value, &self.name)?;
        scenario.sources = self.sources.clone();
        for path in &replaced {
            scenario.sources.replaced(path);
        }
        Ok(scenario)
    }
}

fn find<'a>(all: &'a [Leaf], path: &str) -> Result<&'a Leaf> {
    if let Some(leaf) = all.iter().find(|l| l.path == path && spec_of(&l.path).is_some()) {
        return Ok(leaf);
    }
    Err(ConfigError::new(path, "no such parameter", closest(all, path)).into())
}

/// What an unknown parameter path could have been: the allowed words with the closest paths.
fn closest(all: &[Leaf], path: &str) -> String {
    let mut scored: Vec<(usize, &str)> = all.iter().map(|l| (distance(path, &l.path), l.path.as_str())).collect();
    scored.sort();
    let close: Vec<&str> = scored.iter().take(3).map(|(_, p)| *p).collect();
    format!("a parameter path of the scenario (the parameters table lists them); closest: {}", close.join(", "))
}

/// The parameters of a scenario by path, for the uncertainty table and parameter samples.
pub(crate) struct ParameterIndex {
    leaves: Vec<Leaf>,
}

/// The shares that must sum to 1 with others of their table: never drawn or set one at a time
/// by the uncertainty table or a sample (the others would not move with them).
const SHARE_GROUPS: [&str; 7] = [
    "population.localities[*].population_share",
    "population.localities[*].need.*",
    "population.family_size[*]",
    "population.initial.looked_after_ages.*",
    "hazards.looked_after.return_to.*",
    "policy.placements.mix_under_10.*",
    "policy.placements.mix_10_plus.*",
];

impl ParameterIndex {
    /// Every parameter of `scenario`.
    pub(crate) fn of(scenario: &Scenario) -> Self {
        ParameterIndex { leaves: leaves(&scenario.to_value()) }
    }

    /// The registry row of the parameter at `path` and what is written there, or an error
    /// naming `field` (where the path was given), the path, and the closest paths.
    pub(crate) fn get(&self, path: &str, field: &str) -> std::result::Result<(&'static Spec, &Param), ConfigError> {
        match self.leaves.iter().find(|l| l.path == path).and_then(|l| spec_of(&l.path).map(|s| (s, &l.param))) {
            Some(found) => Ok(found),
            None if field == path => Err(ConfigError::new(field, "no such parameter", closest(&self.leaves, path))),
            None => {
                Err(ConfigError::new(field, format!("\"{path}\" (no such parameter)"), closest(&self.leaves, path)))
            }
        }
    }

    /// As [`ParameterIndex::get`], refusing the parameters the uncertainty table and parameter
    /// samples cannot vary one replication at a time: what is priced after the run (`costs.`,
    /// the posts of a staffed service, which its costs count) and shares that must sum to 1.
    pub(crate) fn variable(
        &self,
        path: &str,
        field: &str,
    ) -> std::result::Result<(&'static Spec, &Param), ConfigError> {
        let found = self.get(path, field)?;
        let value = if field == path { "a parameter the run cannot vary".to_string() } else { format!("\"{path}\"") };
        if path.starts_with("costs.") || found.0.kind == Kind::Posts {
            return Err(ConfigError::new(
                field,
                value,
                "a parameter of the model, not of its costs: costs (and the posts they count) are priced after the \
                 run from the scenario as written; a unit cost may be a distribution where it is written",
            ));
        }
        if SHARE_GROUPS.contains(&found.0.pattern) {
            return Err(ConfigError::new(
                field,
                value,
                "a parameter that is not one of shares that must sum to 1 (the other shares would not move with it)",
            ));
        }
        Ok(found)
    }
}

/// Levenshtein distance between `a` and `b`, for suggesting paths.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let here = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != cb)).min(row[j] + 1).min(here + 1);
            prev = here;
        }
    }
    row[b.len()]
}

/// The field documentation of `schema.rs`: (struct, field) -> (type, doc).
type Docs = std::collections::HashMap<(&'static str, &'static str), (&'static str, String)>;

fn docs() -> &'static Docs {
    static DOCS: OnceLock<Docs> = OnceLock::new();
    DOCS.get_or_init(|| {
        let mut docs = Docs::new();
        let mut current: Option<&'static str> = None;
        let mut doc: Vec<&'static str> = Vec::new();
        for line in include_str!("schema.rs").lines() {
            let t = line.trim();
            if let Some(text) = t.strip_prefix("///") {
                doc.push(text.trim());
            } else if t.starts_with("#[") {
            } else if let Some(rest) = t.strip_prefix("pub struct ") {
                current = rest.split([' ', '{', '(', ';']).next();
                doc.clear();
            } else if let (Some(s), Some(rest)) = (current, t.strip_prefix("pub ")) {
                if let Some((field, ty)) = rest.split_once(": ") {
                    docs.insert((s, field), (ty.trim_end_matches(','), doc.join(" ")));
                }
                doc.clear();
            } else {
                if line.starts_with('}') {
                    current = None;
                }
                doc.clear();
            }
        }
        docs
    })
}

/// The structs whose fields are the parts of one quantity (an age band, a need level): their
/// description starts with the quantity's own.
const PARTS: [&str; 9] = [
    "ByBand",
    "ByNeed",
    "ByDuration",
    "PlacementMix",
    "ReturnTo",
    "UnitCost",
    "ExitsByBand",
    "ParamByDuration",
    "ParamByBand",
];

/// The documentation of the field at `path`, from the rustdoc of the schema.
fn description(path: &str) -> String {
    let normal = normalise(path);
    let docs = docs();
    let mut ty = "Scenario";
    let mut parent = String::new();
    let mut text = String::new();
    for segment in normal.split('.') {
        let field = segment.trim_end_matches("[*]");
        let Some((next, doc)) = docs.get(&(ty, field)) else { break };
        if PARTS.contains(&ty) {
            // Parts of parts (an exit's band's time in care) keep every level's words.
            text = format!("{parent} {doc}");
            parent = text.clone();
        } else {
            parent = doc.clone();
            text = doc.clone();
        }
        ty = next.trim_start_matches("Vec<").trim_start_matches("Option<").trim_end_matches('>');
    }
    text.trim().to_string()
}

impl fmt::Display for Distribution {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Distribution::Normal { mean, sd } => write!(f, "normal(mean={mean}, sd={sd})"),
            Distribution::Lognormal { median, sigma } => write!(f, "lognormal(median={median}, sigma={sigma})"),
            Distribution::Beta { alpha, beta } => write!(f, "beta(alpha={alpha}, beta={beta})"),
            Distribution::Gamma { shape, scale } => write!(f, "gamma(shape={shape}, scale={scale})"),
            Distribution::Uniform { low, high } => write!(f, "uniform(low={low}, high={high})"),
            Distribution::Triangular { min, mode, max } => write!(f, "triangular(min={min}, mode={mode}, max={max})"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indexed_keys_continue_the_old_names_hash() {
        for i in [0, 1, 7, 10, 123] {
            assert_eq!(CostParam::Service.stream_key(i), rng::hash_str(&format!("costs.services[{i}]")));
            assert_eq!(CostParam::Implementation.stream_key(i), rng::hash_str(&format!("costs.implementation[{i}]")));
        }
    }

    #[test]
    fn a_renamed_pattern_keeps_its_key() {
        let spec = PolicyParam::EarlyHelpEffectOnCareEntry.spec();
        let renamed = Spec { pattern: "policy.early_help.effect_on_entering_care", ..spec };
        assert_eq!(renamed.key, spec.key);
        assert_ne!(spec.key, Some(StreamKey::Fixed(rng::hash_str(spec.pattern))), "the key is not the path's hash");
    }

    #[test]
    fn paths_normalise_to_patterns() {
        assert_eq!(normalise("changes[12].set.early_help.places"), "policy.early_help.places");
        assert_eq!(normalise("costs.services[3].cost.amount"), "costs.services[*].cost.amount");
        assert!(matches("hazards.not_known.*.*", "hazards.not_known.referral.age_0"));
        assert!(!matches("hazards.not_known.*.*", "hazards.not_known.referral"));
        assert_eq!(spec_of("hazards.not_known.referral.age_0").map(|s| s.pattern), Some("hazards.not_known.*.*"));
        assert_eq!(spec_of("changes[1].set.early_help.places").map(|s| s.pattern), Some("policy.early_help.places"));
        assert!(spec_of("hazards.not_known.referral").is_none());
        assert!(spec_of("hazards.not_known").is_none());
    }

    #[test]
    fn wildcards_are_trailing_and_the_lookup_agrees_with_matching() {
        // `position` looks up the path with its last one or two keys made `*`: no other
        // wildcards, and every pattern is found by a path it matches.
        for (i, spec) in TABLE.iter().enumerate() {
            let keys: Vec<&str> = spec.pattern.split('.').collect();
            let stars = keys.iter().rev().take_while(|k| **k == "*").count();
            assert!(stars <= 2 && keys.iter().filter(|k| **k == "*").count() == stars, "{}", spec.pattern);
            let example = spec.pattern.replace(".*", ".x").replace("[*]", "[3]");
            assert!(matches(spec.pattern, &normalise(&example)), "{}", spec.pattern);
            assert_eq!(position(&example), Some(i), "{}", spec.pattern);
        }
    }

    #[test]
    fn descriptions_come_from_the_schema() {
        assert_eq!(
            description("hazards.sibling_group_entry"),
            "Probability that brothers and sisters living at home enter care with a child who does."
        );
        assert!(description("hazards.not_known.referral.age_5_9").ends_with("Five to nine."));
        assert!(description("changes[0].set.early_help.places").starts_with("Early help places"));
    }
}
