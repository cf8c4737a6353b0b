//! The scenario file format: an authority (population, need, hazards, existing services) and a
//! policy that can change by calendar month. Every field is documented here; `docs/scenario.md`
//! and the embedded presets in `scenarios/` show them in use.
//!
//! Rates are per year (converted to monthly hazards inside the engine); probabilities and shares
//! are in [0, 1]; durations are in months; capacities are whole numbers of families.

use super::param::{Distribution, Param};
use crate::calendar::YearMonth;
use crate::start::StartingPosition;
use crate::vocab::{LegalStatus, Placement};
use serde::{Deserialize, Deserializer, Serialize};

/// Read a whole, non-negative number (a count, a capacity, months), with an error a user can
/// read: `expected a whole number, 0 or more, got -3`.
fn whole<'de, D: Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
    let v = serde_json::Value::deserialize(d)?;
    let bad = |allowed: String| serde::de::Error::custom(format!("expected {allowed}, got {v}"));
    let too_big = || bad(format!("a whole number from 0 to {}", u32::MAX));
    match v.as_u64() {
        Some(n) => u32::try_from(n).map_err(|_| too_big()),
        None => match v.as_f64() {
            Some(f) if f >= 0.0 && f.fract() == 0.0 && f <= f64::from(u32::MAX) => Ok(f as u32),
            Some(f) if f.fract() == 0.0 && f > f64::from(u32::MAX) => Err(too_big()),
            _ => Err(bad("a whole number, 0 or more".into())),
        },
    }
}

/// As [`whole`], for a field that may be left out.
fn whole_option<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
    whole(d).map(Some)
}

/// A complete scenario: one authority under one policy timeline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// Short name, e.g. `wolverhampton-2015`.
    pub name: String,
    /// Free text describing the scenario.
    #[serde(default)]
    pub description: String,
    /// Identifier of the authority. Only scenarios of the same authority can be compared.
    pub authority: String,
    /// First simulated month (the starting caseload is the position at the start of it).
    pub start: YearMonth,
    /// Who lives in the authority and the caseload on the start date.
    pub population: Population,
    /// How children and families move between states (the authority's own practice).
    pub hazards: Hazards,
    /// The policy in force at `start`.
    pub policy: Policy,
    /// Later policy changes, each applied from its calendar month (phasing).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub changes: Vec<PolicyChange>,
    /// Unit costs, inflation and discounting, for costs and savings.
    pub costs: Costs,
    /// Who is where on the start date, given as data: children in care, and families at home
    /// with their cases and the waiting lists (the fields are in the tables below; see
    /// `docs/model.md`, "The starting position"). Every replication starts from it. Left out,
    /// each replication draws its own from `population.initial`; given, `population.initial`
    /// is used only for `previously_known_share`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub starting_position: Option<StartingPosition>,
    /// Figures the authority reported (or a case study gives) for what happened under this
    /// scenario's policy, marked on charts beside what the model projects. The model does not
    /// use them: they are there to be compared with, not fitted to.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reported: Vec<ReportedFigure>,
    /// Uncertainty on any parameter: distributions for parameters written as numbers (baseline
    /// hazards included), drawn once per replication, and rank correlations between them
    /// (`docs/parameters.md`, "Uncertainty on any parameter"). Left out: none.
    #[serde(default, skip_serializing_if = "Uncertainty::is_empty")]
    pub uncertainty: Uncertainty,
    /// Where the values come from: the comments of the TOML file(s) the scenario was read from
    /// (not a field of the file; see [`Sources`]).
    #[serde(skip)]
    pub sources: super::Sources,
}

/// Uncertainty on parameters written as numbers: `[[uncertainty.parameters]]` gives a
/// parameter (by its path) a distribution drawn once per replication, and
/// `[[uncertainty.correlations]]` correlates two of them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Uncertainty {
    /// The uncertain parameters, each a path and a distribution.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub parameters: Vec<UncertainParameter>,
    /// Rank (Spearman) correlations between pairs of them, through a Gaussian copula.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub correlations: Vec<Correlation>,
    /// A parameter sample the scenario carries (a calibrated posterior): each replication takes
    /// one of its rows, drawn from the seed and the replication. In a file it is written
    /// `[uncertainty.sample]` with `file = "posterior.csv"`, a CSV file beside the scenario file
    /// (a header of parameter paths, then one row of numbers per draw, equally weighted), read
    /// when the scenario is; in memory it holds the rows (`docs/parameters.md`, "A sample the
    /// scenario carries"). Left out: none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sample: Option<Sample>,
}

impl Uncertainty {
    /// Whether nothing is given (no uncertainty table and no sample).
    pub fn is_empty(&self) -> bool {
        !self.has_table() && self.sample.is_none()
    }

    /// Whether the table (`[[uncertainty.parameters]]` or `[[uncertainty.correlations]]`) is
    /// given.
    pub fn has_table(&self) -> bool {
        !(self.parameters.is_empty() && self.correlations.is_empty())
    }
}

/// The rows of a parameter sample a scenario carries (`[uncertainty.sample]`): column `j` of
/// every row is the value of the parameter at path `columns[j]`. A file gives them as
/// `file = "posterior.csv"`, a CSV file beside it (embedded with a preset) whose header gives
/// the columns and whose lines give the rows (a `weight` column is refused: the rows are equally
/// likely); or, instead of `file`, as `columns` and `rows`, which is how
/// [`Scenario::to_toml`] and the JSON form write them.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sample {
    /// Parameter paths, as [`Scenario::parameters`] lists them (not a unit cost, a post count
    /// or one of shares that must sum to 1, nor a parameter already given a distribution).
    pub columns: Vec<String>,
    /// One row per draw, one value per column, each in its parameter's range; the rows are
    /// equally likely.
    pub rows: Vec<Vec<f64>>,
    /// The file the rows were read from, for error messages (not part of the scenario).
    #[serde(skip)]
    pub origin: Option<String>,
}

impl PartialEq for Sample {
    /// Samples are equal when their columns and rows are, wherever they were read from.
    fn eq(&self, other: &Sample) -> bool {
        self.columns == other.columns && self.rows == other.rows
    }
}

/// One uncertain parameter of `[[uncertainty.parameters]]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UncertainParameter {
    /// The parameter's path, as the parameters table lists it, e.g.
    /// `"hazards.not_known.referral.age_5_9"` or `"changes[0].set.early_help.places"` (not a
    /// unit cost, a post count or one of shares that must sum to 1). Its stream is keyed by the
    /// path's text: renaming the path changes its draws.
    pub path: String,
    /// Its distribution, as for any *Param* field, e.g.
    /// `{ dist = "lognormal", median = 0.026, sigma = 0.2 }`; its values must lie in the
    /// parameter's range (draws are clamped to it, and rounded for whole numbers).
    pub distribution: Distribution,
}

/// A rank correlation of `[[uncertainty.correlations]]` between two uncertain parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Correlation {
    /// The paths of two uncertain parameters: of `[[uncertainty.parameters]]`, or
    /// distributions written in place (a policy effect), which are then drawn through the copula.
    pub parameters: [String; 2],
    /// Their rank (Spearman) correlation, above -1 and below 1.
    pub rho: f64,
}

/// A figure reported for the authority, of one of the measures the model projects.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "measure", rename_all = "snake_case", deny_unknown_fields)]
pub enum ReportedFigure {
    /// `measure = "children_in_care"`: children looked after at the end of `month`.
    ChildrenInCare {
        /// The month, `YYYY-MM`, at whose end the count was taken (31 March 2017 is `2017-03`).
        month: YearMonth,
        /// Children (0 to 10,000,000).
        value: f64,
        /// Where it comes from, and whether it could be checked.
        source: String,
    },
    /// `measure = "savings"`: savings reported for a financial year, in pounds of that year, as
    /// the authority defined them (say how in `source`: they rarely match one budget line).
    Savings {
        /// The financial year, e.g. `"2016/17"`.
        financial_year: FinancialYear,
        /// Pounds (-1e10 to 1e10).
        value: f64,
        /// Where it comes from, what it counts, and whether it could be checked.
        source: String,
    },
}

/// A dated change to the policy: the fields in `set` replace those in force from month `from`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyChange {
    /// First month in which the change applies, `YYYY-MM`.
    pub from: YearMonth,
    /// What the change is (for reports).
    #[serde(default)]
    pub note: String,
    /// The lever this change belongs to, for a waterfall of the programme's levers
    /// (`docs/finance.md`, "A lever waterfall"): changes sharing a name are one lever; a change
    /// without one is a lever of its own, named by its note.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lever: Option<String>,
    /// A partial policy, deep-merged over the policy in force before `from`; e.g.
    /// `{ early_help = { places = 900 } }`.
    pub set: serde_json::Map<String, serde_json::Value>,
}

/// Values per age band of the child concerned.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ByBand {
    /// Under one.
    pub age_0: f64,
    /// One to four.
    pub age_1_4: f64,
    /// Five to nine.
    pub age_5_9: f64,
    /// Ten to fifteen.
    pub age_10_15: f64,
    /// Sixteen and seventeen.
    pub age_16_17: f64,
}

impl ByBand {
    /// Values in band order.
    pub fn to_array(&self) -> [f64; 5] {
        [self.age_0, self.age_1_4, self.age_5_9, self.age_10_15, self.age_16_17]
    }
    /// Field names in band order.
    pub const FIELDS: [&'static str; 5] = ["age_0", "age_1_4", "age_5_9", "age_10_15", "age_16_17"];
}

/// Values per level of family need.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ByNeed {
    /// Low need.
    pub low: f64,
    /// Moderate need.
    pub moderate: f64,
    /// High need.
    pub high: f64,
}

impl ByNeed {
    /// Values in need order (low, moderate, high).
    pub fn to_array(&self) -> [f64; 3] {
        [self.low, self.moderate, self.high]
    }
    /// Field names in need order.
    pub const FIELDS: [&'static str; 3] = ["low", "moderate", "high"];
}

/// The authority's children and families, and its caseload on the start date.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Population {
    /// Children aged 0-17 living in the authority. Births and migration keep it near this size.
    #[serde(deserialize_with = "whole")]
    pub under_18: u32,
    /// The localities (each served by its own hub). At least one.
    pub localities: Vec<Locality>,
    /// Shares of families with 1, 2, 3, ... children (one entry per size; sums to 1).
    pub family_size: Vec<f64>,
    /// Mean gap in years between the ages of siblings (above 0, at most 18).
    pub sibling_gap_years: f64,
    /// Births per year to a family with an open case whose youngest child is under ten (0 to 120).
    pub family_birth_rate: f64,
    /// Rate per year at which known families move out of the authority (replaced by newcomers;
    /// 0 to 120).
    pub move_away_rate: f64,
    /// The caseload on the start date.
    pub initial: InitialCaseload,
    /// The authority's demand trend: how first contacts and crisis entries grow from year to
    /// year, whatever the policy (left out: held flat, the rates as given in every year). It
    /// belongs to the authority, so the baseline and every option compared with it must have
    /// the same one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub demand_trend: Option<DemandTrend>,
}

/// The authority's demand trend (`[population.demand_trend]`): every contact hazard out of no
/// contact or a closed case (identification for early help, referral to social care, crisis
/// entry to care; from the pools and from closed families alike) is multiplied by
/// `(1 + growth)^k` in the `k`-th financial year after the one containing `from` (1 before and
/// in it): the factor steps each April, so a year's demand is `1 + growth` times the year
/// before's. Open cases and children in care are not multiplied: what grows is the demand
/// coming in, and what follows from it grows with it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DemandTrend {
    /// Where the trend comes from: `flat` (no growth, as when the table is left out),
    /// `stated` (a growth the user gives, the default) or `fitted` (fitted by `carecast
    /// estimate` to the authority's own returns; `basis` says to which years).
    #[serde(default)]
    pub kind: DemandTrendKind,
    /// The proportional change a year in first contacts and crisis entries, e.g. `0.02` for 2%
    /// more a year (-0.5 to 1; a number or a distribution drawn once per replication; default
    /// 0; must be 0 with `kind = "flat"`).
    #[serde(default = "no_trend")]
    pub growth: Param,
    /// The month whose financial year the rates are given for (written YYYY-MM; default: the
    /// first month of the run): demand grows from the April after it, one step each April.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<YearMonth>,
    /// What the trend rests on, for reports (a fitted trend: the returns, the years and the
    /// fitted rate).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub basis: String,
}

/// Where a demand trend comes from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DemandTrendKind {
    /// No growth.
    Flat,
    /// A growth the user states.
    #[default]
    Stated,
    /// Fitted to the authority's own returns by `carecast estimate`.
    Fitted,
}

/// One locality and its hub.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Locality {
    /// Name used in outputs.
    pub name: String,
    /// Share of the authority's under-18s living here (shares over localities sum to 1).
    pub population_share: f64,
    /// Shares of its children in families of low, moderate and high need (sum to 1).
    pub need: ByNeed,
}

/// Who is where on the start date, and since when. Children with open social care cases are at
/// most half of `population.under_18`, and with the families in early help or waiting at most
/// half of it together: a larger caseload is refused, not cut down.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InitialCaseload {
    /// Children looked after.
    #[serde(deserialize_with = "whole")]
    pub looked_after: u32,
    /// Age mix of the children looked after (shares by band; sum to 1).
    pub looked_after_ages: ByBand,
    /// Mean time already spent in care by the children looked after, in months (1 to 216).
    pub looked_after_mean_months: f64,
    /// Children on child protection plans.
    #[serde(deserialize_with = "whole")]
    pub child_protection: u32,
    /// Children on child in need plans.
    #[serde(deserialize_with = "whole")]
    pub child_in_need: u32,
    /// Families receiving early help.
    #[serde(deserialize_with = "whole")]
    pub early_help_families: u32,
    /// Families waiting for early help.
    #[serde(deserialize_with = "whole")]
    pub waiting_families: u32,
    /// Share of the other children who were known to children's services before (no open case).
    pub previously_known_share: f64,
}

/// Rates of first contact (or renewed contact) per child-year, by the child's age band. Each is
/// 0 to 120 a year; times its need multiplier, the outreach multipliers (identification) and
/// the recently-closed multiplier (previously known), at most 100 a month (1,200 a year), the
/// largest combined monthly hazard.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContactRates {
    /// Identified for early help (by schools, health visitors, hub outreach).
    pub identification: ByBand,
    /// Referred to social care (leads to an assessment).
    pub referral: ByBand,
    /// Straight into care in a crisis, with no plan beforehand.
    pub crisis_care_entry: ByBand,
}

/// How families and children move between states.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Hazards {
    /// Multipliers by need level on the contact rates (identification, referral, crisis); each 0
    /// to 1,000, the largest multiplier.
    pub contact_need_multiplier: ByNeed,
    /// Multipliers by need level on stepping up and on entering care (0 to 1,000).
    pub escalation_need_multiplier: ByNeed,
    /// Contact rates for children never known to children's services.
    pub not_known: ContactRates,
    /// Contact rates for children known before whose case is closed.
    pub previously_known: ContactRates,
    /// Multiplier on `previously_known` contact in the first months after a case closes (0 to
    /// 1,000).
    pub recently_closed_multiplier: f64,
    /// How many months after closing the `recently_closed_multiplier` applies (0 to 1,200): while
    /// `month - closure month < recently_closed_months`, so `k` months give `k - 1` months of
    /// exposure. No further action after re-referring a closed case does not restart it.
    #[serde(deserialize_with = "whole")]
    pub recently_closed_months: u32,
    /// What an assessment after a referral leads to (the rest: no further action).
    pub assessment: AssessmentOutcomes,
    /// Rates for families in early help or waiting for it.
    pub early_help: EarlyHelpRates,
    /// Rates for children in need (section 17).
    pub child_in_need: SocialCareRates,
    /// Rates for children on child protection plans.
    pub child_protection: SocialCareRates,
    /// Rates for children looked after.
    pub looked_after: CareRates,
    /// Probability that brothers and sisters living at home enter care with a child who does.
    pub sibling_group_entry: f64,
    /// Probability that a family's need is abuse or neglect, by the age band of its index child.
    pub abuse_neglect: ByBand,
    /// Multiplier on entering care for families whose need is abuse or neglect (0 to 1,000).
    pub abuse_neglect_care_multiplier: f64,
    /// Multiplier on every care-entry hazard by the age band of the child entering (each 0 to
    /// 1,000; a number or a distribution drawn once per replication; default 1): crisis entry
    /// from no contact or a closed case, and entry from waiting, early help, child in need and
    /// child protection. It keeps the routes' shape within a band and sets the level, as
    /// `carecast estimate` does to match the entries by age in an authority's returns.
    #[serde(default, skip_serializing_if = "ParamByBand::is_ones")]
    pub care_entry_scale: ParamByBand,
    /// Trend in entering care: the proportional change a year in every care-entry hazard (those
    /// `care_entry_scale` multiplies), so that in month `t` of the run (0 the first) they are
    /// multiplied by `(1 + care_entry_trend)^(t / 12)` (-0.5 to 1; a number or a distribution
    /// drawn once per replication; default 0, no trend).
    #[serde(default = "no_trend", skip_serializing_if = "is_no_trend")]
    pub care_entry_trend: Param,
    /// The month from which `care_entry_trend` counts (written YYYY-MM; default: the first
    /// month of the run): in month `t` of the run the hazards are multiplied by
    /// `(1 + care_entry_trend)^((t - k) / 12)`, where `k` is this month's place in the run
    /// (negative before the start). `carecast estimate --trend` sets it to the middle of the
    /// reference window, where the entry rate it fits `care_entry_scale` to was measured, so
    /// that the uncertainty of the trend carries over into the level on the start date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub care_entry_trend_from: Option<YearMonth>,
    /// Multiplier on every care-entry hazard (those `care_entry_scale` multiplies) by the single
    /// year of age of the child entering: 18 numbers, ages 0 to 17, each 0 to 1,000 (default:
    /// none, 1 at every age). The routes' hazards and `care_entry_scale` are by age band; this
    /// sets how entries divide between the ages of a band. `carecast estimate` sets it from the
    /// entries by single year of age in an authority's returns, each band's ages averaging 1
    /// (so `care_entry_scale` keeps setting the band's level).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub care_entry_by_age: Option<Vec<f64>>,
}

fn no_trend() -> Param {
    Param::Fixed(0.0)
}

fn is_no_trend(p: &Param) -> bool {
    *p == Param::Fixed(0.0)
}

/// Values per age band of the child concerned, each a number or a distribution (a band left
/// out is 1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ParamByBand {
    /// Under one.
    #[serde(default = "one")]
    pub age_0: Param,
    /// One to four.
    #[serde(default = "one")]
    pub age_1_4: Param,
    /// Five to nine.
    #[serde(default = "one")]
    pub age_5_9: Param,
    /// Ten to fifteen.
    #[serde(default = "one")]
    pub age_10_15: Param,
    /// Sixteen and seventeen.
    #[serde(default = "one")]
    pub age_16_17: Param,
}

fn one() -> Param {
    Param::Fixed(1.0)
}

impl Default for ParamByBand {
    /// Every band 1 (no change).
    fn default() -> Self {
        ParamByBand { age_0: one(), age_1_4: one(), age_5_9: one(), age_10_15: one(), age_16_17: one() }
    }
}

impl ParamByBand {
    /// Values in band order (field names: [`ByBand::FIELDS`]).
    pub fn to_array(&self) -> [&Param; 5] {
        [&self.age_0, &self.age_1_4, &self.age_5_9, &self.age_10_15, &self.age_16_17]
    }

    /// Whether every band is the number 1 (the default, not written out).
    pub fn is_ones(&self) -> bool {
        self.to_array().iter().all(|p| **p == Param::Fixed(1.0))
    }
}

/// Outcomes of an assessment after a referral to social care.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssessmentOutcomes {
    /// Probability of a child in need plan.
    pub child_in_need: f64,
    /// Probability of a child protection plan (after a section 47 enquiry).
    pub child_protection: f64,
    /// Probability of being signposted to early help.
    pub early_help: f64,
}

/// Rates for families in early help (and those waiting for it), before any policy effect.
///
/// They are relative to the family's own underlying risk: the referral and crisis rates it would
/// face if it had never been known (`not_known` rates for its children's ages, times its need
/// multiplier). Early help then multiplies them by its effects, so finding a family earlier can
/// only change its risk through those effects, not through who it is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EarlyHelpRates {
    /// Step up to social care, as a multiple of the family's underlying referral rate (0 to
    /// 1,000).
    pub step_up_multiplier: f64,
    /// Share of step-ups that go straight to a child protection plan (the rest: child in need).
    pub step_up_to_protection: f64,
    /// Entering care, as a multiple of each child's underlying crisis entry rate (0 to 1,000).
    pub care_entry_multiplier: f64,
    /// Rate per year at which waiting families give up or no longer need help (0 to 120).
    pub waiting_dropout: f64,
}

/// Rates for children in need or on child protection plans (per family-year unless stated; each
/// 0 to 120).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SocialCareRates {
    /// Case closed (needs met or below threshold).
    pub close: f64,
    /// Step up (child in need to child protection; unused for child protection).
    pub step_up: f64,
    /// Step down (child protection to child in need; for child in need: to early help).
    pub step_down: f64,
    /// Share of closures that step down to early help instead of closing outright.
    pub close_to_early_help: f64,
    /// Entering care, per child-year, by age band.
    pub care_entry: ByBand,
}

/// Rates for children looked after (per child-year; each 0 to 120).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CareRates {
    /// Return home, by time in care.
    pub return_home: ByDuration,
    /// Adoption, for children who entered care under five.
    pub adoption_under_5: f64,
    /// Earliest month in care at which adoption can happen (0 to 1,200).
    #[serde(deserialize_with = "whole")]
    pub adoption_min_months: u32,
    /// Special guardianship order.
    pub special_guardianship: f64,
    /// Other exits (moved away, other reasons).
    pub other_exit: f64,
    /// Exits by destination, by the child's current age band and by time in care, each rate a
    /// number or a distribution drawn once per replication (e.g. from
    /// `carecast.returns.estimate.exit_rates`). Given, it replaces `return_home`,
    /// `adoption_under_5`, `special_guardianship` and `other_exit`, which are then still checked
    /// but not used; left out, those fields apply as described there.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exits: Option<ExitRates>,
    /// Placement moves (changes of placement type): the new type is drawn from the entry mix
    /// for the child's age without the current type. A number or a distribution drawn once per
    /// replication (`carecast estimate` writes the gamma posterior of the moves in its returns).
    pub placement_move: Param,
    /// Where a child returning home goes (shares; sum to 1).
    pub return_to: ReturnTo,
    /// Multiplier on entering care again in the months after returning home (0 to 1,000; a
    /// number or a distribution drawn once per replication).
    pub reentry_multiplier: Param,
    /// How many months after returning home the `reentry_multiplier` applies (0 to 1,200), to
    /// care entry from an open case (not a crisis entry from a closed case).
    #[serde(deserialize_with = "whole")]
    pub reentry_months: u32,
    /// Share of entries to care through care proceedings (the rest: voluntary, section 20),
    /// decided once per entry of a family: brothers and sisters entering with a child come in
    /// the same way, under one application.
    pub care_proceedings_share: f64,
    /// Months an interim care order lasts before it becomes a full care order (0 to 1,200;
    /// left out: 6, the 26 weeks the Children and Families Act 2014 allows care proceedings).
    /// A child entering care through proceedings is on an interim care order until then; one
    /// on an interim order at the start whose order is already older stays on it one month.
    #[serde(default, deserialize_with = "whole_option", skip_serializing_if = "Option::is_none")]
    pub interim_order_months: Option<u32>,
}

/// The months an interim care order lasts when `interim_order_months` is left out.
pub const DEFAULT_INTERIM_ORDER_MONTHS: u32 = 6;

/// Exits from care per child-year in care, by destination (each 0 to 120 a year). A child's
/// rates follow its current age band (they change on the birthday that starts a new band) and
/// its time in this period of care. The policy's `placements.reunification_multiplier` applies
/// to `home`, and children returning home go where `return_to` says. Adoption is not possible
/// before `adoption_min_months` in care; otherwise the `adoption` rates apply as given, whatever
/// the age at entry (give 0 for the bands that are not adopted). The 18th birthday ends care
/// whatever these rates are.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExitRates {
    /// Return home (to parents or relatives without an order).
    pub home: ExitsByBand,
    /// Adoption.
    pub adoption: ExitsByBand,
    /// Special guardianship or child arrangements order.
    pub special_guardianship: ExitsByBand,
    /// Every other exit: independent living, moved away, transferred, other reasons.
    pub other: ExitsByBand,
}

impl ExitRates {
    /// Field names in destination order (the order of [`ExitRates::to_array`]).
    pub const FIELDS: [&'static str; 4] = ["home", "adoption", "special_guardianship", "other"];

    /// The destinations in [`ExitRates::FIELDS`] order.
    pub fn to_array(&self) -> [&ExitsByBand; 4] {
        [&self.home, &self.adoption, &self.special_guardianship, &self.other]
    }
}

/// Rates of one exit by the child's current age band, each by time in care.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExitsByBand {
    /// Under one.
    pub age_0: ParamByDuration,
    /// One to four.
    pub age_1_4: ParamByDuration,
    /// Five to nine.
    pub age_5_9: ParamByDuration,
    /// Ten to fifteen.
    pub age_10_15: ParamByDuration,
    /// Sixteen and seventeen.
    pub age_16_17: ParamByDuration,
}

impl ExitsByBand {
    /// Values in band order (field names: [`ByBand::FIELDS`]).
    pub fn to_array(&self) -> [&ParamByDuration; 5] {
        [&self.age_0, &self.age_1_4, &self.age_5_9, &self.age_10_15, &self.age_16_17]
    }
}

/// Rates by time spent in care, each a number or a distribution.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ParamByDuration {
    /// In care under 6 months.
    pub under_6_months: Param,
    /// 6 to 24 months.
    pub months_6_to_24: Param,
    /// Over 24 months.
    pub over_24_months: Param,
}

impl ParamByDuration {
    /// Values in duration order (field names: [`ByDuration::FIELDS`]).
    pub fn to_array(&self) -> [&Param; 3] {
        [&self.under_6_months, &self.months_6_to_24, &self.over_24_months]
    }
}

/// Rates by time spent in care.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ByDuration {
    /// In care under 6 months.
    pub under_6_months: f64,
    /// 6 to 24 months.
    pub months_6_to_24: f64,
    /// Over 24 months.
    pub over_24_months: f64,
}

impl ByDuration {
    /// Field names in duration order.
    pub const FIELDS: [&'static str; 3] = ["under_6_months", "months_6_to_24", "over_24_months"];
}

/// Where children returning home from care go.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReturnTo {
    /// Child protection plan.
    pub child_protection: f64,
    /// Child in need plan.
    pub child_in_need: f64,
    /// No open case.
    pub known_closed: f64,
}

/// The levers of a scenario.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// Early help from the locality hubs.
    pub early_help: EarlyHelpPolicy,
    /// Community outreach from the hubs.
    pub outreach: OutreachPolicy,
    /// The Specialist Intensive Support Service for families on the edge of care.
    pub intensive_support: IntensiveSupportPolicy,
    /// Placements and reunification.
    pub placements: PlacementPolicy,
}

/// How early help places are spread over localities.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlaceDistribution {
    /// The same number of places in every locality.
    Even,
    /// In proportion to each locality's under-18 population.
    ByPopulation,
    /// In proportion to measured need (population weighted by need multipliers): the seed's
    /// "service development role", resources aligned to local need.
    ByNeed,
}

/// Who gets a free early help place first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Allocation {
    /// The family that has waited longest.
    FirstCome,
    /// The family with the highest need, then the longest wait.
    ByNeed,
    /// First come, but families whose index child is five or over are preferred while their
    /// share of the hub's caseload is below `over_fives_target`.
    OverFivesShare,
}

/// Early help capacity, targeting and effect.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EarlyHelpPolicy {
    /// Number of buildings or hubs the service runs from (for costs and reports).
    #[serde(deserialize_with = "whole")]
    pub hubs: u32,
    /// Early help places across the authority, in families. Give either `places` (costed per
    /// family in early help, `costs.early_help`) or `staff` (costed as posts), not both; a
    /// policy change that gives one replaces the other in force.
    #[serde(default, deserialize_with = "whole_option", skip_serializing_if = "Option::is_none")]
    pub places: Option<u32>,
    /// Early help given as posts, e.g. `staff = { posts = 38, caseload = 20 }`: the places
    /// follow from them (`posts x caseload`, rounded down), and early help costs `posts` x
    /// `costs.posts.early_help` in every month they are in force, whether the places are full
    /// or not. A policy change that sets `staff = { posts = 40 }` adds two posts from its month
    /// (the caseload in force is kept), and the places step up by two caseloads.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub staff: Option<Staff>,
    /// How places are spread over localities.
    pub distribution: PlaceDistribution,
    /// Who gets a free place first.
    pub allocation: Allocation,
    /// Target share of places for families whose index child is five or over (used by
    /// `allocation = "over_fives_share"`).
    pub over_fives_target: f64,
    /// Whole-family working: one place serves all the children of a family and its effect
    /// reaches all of them; otherwise it reaches the index child only.
    pub whole_family: bool,
    /// Mean length of an episode, in months (3 to 60): no closure in the first two months after
    /// the start month, then a monthly chance of `1 / (mean_duration_months - 2)`.
    pub mean_duration_months: f64,
    /// Hazard ratio on stepping up to social care while in early help (0 to 1,000).
    pub effect_on_escalation: Param,
    /// Hazard ratio on entering care while in early help (0 to 1,000).
    pub effect_on_care_entry: Param,
    /// Hazard ratio after early help has ended, on referral and crisis entry of a closed case
    /// and on care entry from any open case (not on identification; 0 to 1,000).
    pub effect_after_closure: Param,
    /// Months after closure for which `effect_after_closure` applies (0 to 1,200).
    #[serde(deserialize_with = "whole")]
    pub effect_after_months: u32,
}

/// Outreach from the hubs, which finds families before they reach crisis.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutreachPolicy {
    /// Multiplier on the identification of families for early help (1 = as at the start; 0 to
    /// 1,000).
    pub identification_multiplier: Param,
    /// Further multiplier on identification when the index child is five or over (0 to 1,000).
    pub over_fives_multiplier: Param,
    /// Further multiplier on identification of high-need families (0 to 1,000).
    pub high_need_multiplier: Param,
}

/// The Specialist Intensive Support Service (edge of care).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IntensiveSupportPolicy {
    /// Places, in families (0 = no service). Give either `places` (costed per family,
    /// `costs.intensive_support`) or `staff` (costed as posts), not both; a policy change that
    /// gives one replaces the other in force.
    #[serde(default, deserialize_with = "whole_option", skip_serializing_if = "Option::is_none")]
    pub places: Option<u32>,
    /// The service given as posts, e.g. `staff = { posts = 10, caseload = 6 }`: the places
    /// follow from them (`posts x caseload`, rounded down), and the service costs `posts` x
    /// `costs.posts.intensive_support` in every month they are in force, full or not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub staff: Option<Staff>,
    /// Youngest index child eligible, in years.
    #[serde(deserialize_with = "whole")]
    pub min_age: u32,
    /// Oldest index child eligible, in years.
    #[serde(deserialize_with = "whole")]
    pub max_age: u32,
    /// Whether families on child in need plans are eligible (families on child protection
    /// plans always are).
    pub include_child_in_need: bool,
    /// Typical length of the intervention, in months.
    pub mean_duration_months: f64,
    /// Hazard ratio on entering care during the intervention (0 to 1,000).
    pub effect_on_care_entry: Param,
}

/// The staff of a service costed as posts (`policy.early_help.staff`,
/// `policy.intensive_support.staff`): its places are `posts x caseload`, rounded down to whole
/// families, so they step by a caseload when a post is added.
///
/// The posts are the policy (a dated change adds or removes them like places); what a post
/// costs, its salary with on-costs, is in `costs.posts`, beside the other prices. Written as a
/// table of its own rather than beside `places` so that one field says which way the service
/// is given, and a change that sets it replaces `places` whole.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Staff {
    /// Posts, in full-time equivalents (0 to 100,000; a part-time post counts as its share, so
    /// `37.5` is allowed).
    pub posts: f64,
    /// Families one full-time post works with at once (above 0, at most 1,000).
    pub caseload: f64,
}

impl Staff {
    /// The places the posts give: `posts x caseload`, rounded down to whole families (a
    /// hair's tolerance, so that `0.1 x 30` gives 3).
    pub fn places(&self) -> u32 {
        let places = (self.posts * self.caseload * (1.0 + 1e-12)).floor();
        if places.is_finite() && places > 0.0 { places.min(f64::from(u32::MAX)) as u32 } else { 0 }
    }
}

impl EarlyHelpPolicy {
    /// The places in force: `places` as given, or those `staff` gives (0 if neither).
    pub fn capacity(&self) -> u32 {
        self.places.or_else(|| self.staff.as_ref().map(Staff::places)).unwrap_or(0)
    }
}

impl IntensiveSupportPolicy {
    /// The places in force: `places` as given, or those `staff` gives (0 if neither).
    pub fn capacity(&self) -> u32 {
        self.places.or_else(|| self.staff.as_ref().map(Staff::places)).unwrap_or(0)
    }
}

/// Placement mix for new entries and reunification work.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlacementPolicy {
    /// Placement types of children entering care aged under ten (shares; sum to 1).
    pub mix_under_10: PlacementMix,
    /// The number of placements `mix_under_10` was estimated from, if it is an estimate (above
    /// 0; left out: the shares are exact). Given, each replication draws the mix from the
    /// Dirichlet posterior `Dirichlet(evidence x share + 1/2)` (the Jeffreys prior), so a
    /// projection carries the mix's sampling error; the draws are recorded as
    /// `policy.placements.mix_under_10.<type>`. A policy change that sets `mix_under_10`
    /// without this field uses its mix as given; one that sets this field alone applies it to
    /// the mix in force.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mix_under_10_evidence: Option<f64>,
    /// Placement types of children entering care aged ten or over (shares; sum to 1).
    pub mix_10_plus: PlacementMix,
    /// The number of placements `mix_10_plus` was estimated from, as `mix_under_10_evidence`
    /// is for `mix_under_10`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mix_10_plus_evidence: Option<f64>,
    /// Multiplier on the rate of returning home (reunification support; 0 to 1,000), for the
    /// children `reunification_target` picks (all children in care if it is left out).
    pub reunification_multiplier: Param,
    /// Multiplier on the extra risk of re-entering care after returning home (0 to 1,000).
    pub reentry_multiplier: Param,
    /// The children in care `reunification_multiplier` applies to. Left out: every child.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reunification_target: Option<CareTarget>,
    /// Step-down: multiplier on placement moves to a family-based placement (in-house
    /// foster care, an independent fostering agency or kinship care) of the children
    /// `step_down_target` picks, children in residential care if it is left out (0 to 1,000;
    /// left out: 1). Moves to other placement types keep their rate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step_down_multiplier: Option<Param>,
    /// The children in care `step_down_multiplier` applies to. Left out: children in
    /// residential care; a target without `placements` picks residential care too.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step_down_target: Option<CareTarget>,
    /// Multiplier on the rate of leaving care on a special guardianship order, for the children
    /// `special_guardianship_target` picks, all children in care if it is left out (0 to 1,000;
    /// left out: 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub special_guardianship_multiplier: Option<Param>,
    /// The children in care `special_guardianship_multiplier` applies to. Left out: every child.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub special_guardianship_target: Option<CareTarget>,
}

/// Which children in care a care lever applies to: those in one of `placements`, with one of
/// `legal_statuses` and in care for at least `min_months_in_care` and less than
/// `max_months_in_care` months of this period of care. Each part left out picks every child.
/// A child's legal status is its status now: an interim care order becomes a care order after
/// `hazards.looked_after.interim_order_months`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CareTarget {
    /// Placement types: `in_house_foster`, `ifa`, `kinship`, `residential`, `with_parents`,
    /// `other` (at least one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub placements: Option<Vec<Placement>>,
    /// Legal statuses: `interim_care_order`, `care_order`, `placement_order`, `section_20`,
    /// `other` (at least one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub legal_statuses: Option<Vec<LegalStatus>>,
    /// Fewest whole months in care (0 to 1,200; left out: 0).
    #[serde(default, deserialize_with = "whole_option", skip_serializing_if = "Option::is_none")]
    pub min_months_in_care: Option<u32>,
    /// Months in care from which the lever no longer applies (1 to 1,200, above
    /// `min_months_in_care`; left out: no limit).
    #[serde(default, deserialize_with = "whole_option", skip_serializing_if = "Option::is_none")]
    pub max_months_in_care: Option<u32>,
}

/// Shares of placement types.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlacementMix {
    /// In-house foster care.
    pub in_house_foster: f64,
    /// Independent fostering agency.
    pub ifa: f64,
    /// Kinship or connected carers.
    pub kinship: f64,
    /// Residential care.
    pub residential: f64,
    /// Placed with parents.
    pub with_parents: f64,
    /// Other placements.
    pub other: f64,
}

impl PlacementMix {
    /// Shares in [`crate::vocab::Placement::ALL`] order.
    pub fn to_array(&self) -> [f64; crate::vocab::Placement::COUNT] {
        [self.in_house_foster, self.ifa, self.kinship, self.residential, self.with_parents, self.other]
    }
    /// Field names in the same order.
    pub const FIELDS: [&'static str; crate::vocab::Placement::COUNT] = crate::vocab::Placement::LABELS;
}

/// A financial year, written `"2015/16"` (April 2015 to March 2016).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FinancialYear(pub i32);

impl std::fmt::Display for FinancialYear {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&YearMonth::financial_year_label(self.0))
    }
}

impl std::str::FromStr for FinancialYear {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || format!("`{s}` is not a financial year; write it like 2015/16");
        let (a, b) = s.trim().split_once('/').ok_or_else(bad)?;
        let start: i32 = a.parse().map_err(|_| bad())?;
        let end: i32 = b.parse().map_err(|_| bad())?;
        if !(1900..=2200).contains(&start) || b.len() != 2 || end != (start + 1).rem_euclid(100) {
            return Err(bad());
        }
        Ok(FinancialYear(start))
    }
}

impl Serialize for FinancialYear {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for FinancialYear {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d)?.parse().map_err(serde::de::Error::custom)
    }
}

/// What a unit cost is charged per.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Per {
    /// Per week (of a child or family in a state; 52.18 weeks a year).
    Week,
    /// Per month.
    Month,
    /// Per year.
    Year,
    /// Per event (an assessment, an entry to care).
    Each,
}

/// A unit cost: an amount (a number or a distribution) per unit, in the prices of one year.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UnitCost {
    /// Pounds per unit (0 to 1e9, the largest unit cost).
    pub amount: Param,
    /// The unit: `week`, `month` or `year` for a child or family in a state, `each` for events.
    pub per: Per,
    /// Financial year whose prices `amount` is in, e.g. `"2015/16"`.
    pub price_year: FinancialYear,
}

/// Whether placement costs are fees only or all-in (fees plus social work, overheads).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CostBasis {
    /// Fees and allowances only.
    FeeOnly,
    /// Fees, allowances, social work support and overheads (about 40% more than fee-only).
    AllIn,
}

/// Price inflation: an annual rate per financial year (growth into that year), extended beyond
/// the years given at a flat rate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Inflation {
    /// Rate per financial year, e.g. `{ "2016/17" = 0.031 }` (growth from 2015/16 to 2016/17).
    #[serde(default)]
    pub rates: std::collections::BTreeMap<String, f64>,
    /// Rate for every year not in `rates`.
    pub otherwise: f64,
}

/// Unit costs per placement type (per child).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlacementCosts {
    /// In-house foster care.
    pub in_house_foster: UnitCost,
    /// Independent fostering agency.
    pub ifa: UnitCost,
    /// Kinship or connected carers.
    pub kinship: UnitCost,
    /// Residential care.
    pub residential: UnitCost,
    /// Placed with parents.
    pub with_parents: UnitCost,
    /// Other placements.
    pub other: UnitCost,
}

impl PlacementCosts {
    /// The unit cost of placement type `p`.
    pub fn get(&self, p: crate::vocab::Placement) -> &UnitCost {
        match p {
            Placement::InHouseFoster => &self.in_house_foster,
            Placement::Ifa => &self.ifa,
            Placement::Kinship => &self.kinship,
            Placement::Residential => &self.residential,
            Placement::WithParents => &self.with_parents,
            Placement::Other => &self.other,
        }
    }
}

/// The running cost of a service (per year), from the month it opens until the month it closes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceCost {
    /// Name used in reports.
    pub name: String,
    /// Whether it is one of the new services (the cost of a redesign) or existed before.
    pub new: bool,
    /// Running cost, `per = "year"` or `"month"`.
    pub cost: UnitCost,
    /// First month it runs (default: the start of the run).
    #[serde(default)]
    pub from: Option<YearMonth>,
    /// First month it no longer runs (default: never closes).
    #[serde(default)]
    pub until: Option<YearMonth>,
    /// The lever (a policy change's `lever`, or its note) whose cost this is, in a waterfall of
    /// the programme's levers. Left out, a new or changed service goes with the lever whose
    /// change starts in its `from` (or `until`) month, if exactly one does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lever: Option<String>,
}

/// What a one-off cost is for: its line in the budget (each is new spending of the scenario
/// that incurs it, set against its savings).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OneOffKind {
    /// Designing and setting up a change: programme team, consultation, commissioning, set-up.
    #[default]
    Implementation,
    /// Redundancy and pension strain when posts go.
    Redundancy,
    /// Running the old and the new service side by side while one replaces the other.
    DualRunning,
    /// Capital spending: buildings, fitting out, systems.
    Capital,
}

impl OneOffKind {
    /// Every kind, in budget order.
    pub const ALL: [OneOffKind; 4] =
        [OneOffKind::Implementation, OneOffKind::Redundancy, OneOffKind::DualRunning, OneOffKind::Capital];
}

/// A one-off cost in a given month. None is assumed: a scenario states the one-offs its sources
/// give (or its own assumptions), and a kind it does not list costs nothing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OneOffCost {
    /// Name used in reports.
    pub name: String,
    /// Its budget line: `implementation` (the default), `redundancy`, `dual_running` or
    /// `capital`.
    #[serde(default)]
    pub kind: OneOffKind,
    /// The cost, `per = "each"`.
    pub cost: UnitCost,
    /// Month it falls in (a month outside the run costs nothing in it).
    pub month: YearMonth,
    /// The lever (a policy change's `lever`, or its note) whose cost this is, in a waterfall of
    /// the programme's levers. Left out, it goes with the lever whose change starts in `month`,
    /// if exactly one does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lever: Option<String>,
}

/// What things cost, how prices move, and how the future is discounted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Costs {
    /// Whether placement costs are fee-only or all-in (a stated choice; they differ by ~40%).
    pub basis: CostBasis,
    /// The financial year whose prices real-terms results are in, and from which discounting runs.
    pub base_year: FinancialYear,
    /// Discount rate per year (HM Treasury Green Book: 0.035).
    pub discount_rate: f64,
    /// Price inflation.
    pub inflation: Inflation,
    /// Children looked after, per child, by placement type.
    pub placements: PlacementCosts,
    /// Social work for a child on a child in need plan, per child.
    pub child_in_need: UnitCost,
    /// Social work for a child on a child protection plan, per child.
    pub child_protection: UnitCost,
    /// Early help, per family in early help, in the months the policy gives early help as
    /// `places` (unused in those it gives as `staff`: then `costs.posts.early_help`).
    pub early_help: UnitCost,
    /// Specialist Intensive Support, per family, in the months the policy gives it as `places`
    /// (unused in those it gives as `staff`: then `costs.posts.intensive_support`).
    pub intensive_support: UnitCost,
    /// An assessment after a referral, per child (`per = "each"`).
    pub assessment: UnitCost,
    /// Entering care (placement finding, reviews), per child (`per = "each"`).
    pub entering_care: UnitCost,
    /// Care proceedings, per application: one for each entry of a family through proceedings,
    /// whatever the number of brothers and sisters entering with it (`per = "each"`).
    pub care_proceedings: UnitCost,
    /// Support for a care leaver after 18, per leaver.
    pub care_leaver_support: UnitCost,
    /// Years of support after 18.
    #[serde(deserialize_with = "whole")]
    pub care_leaver_years: u32,
    /// Running costs of services, existing and new. In the budget lines, services that existed
    /// before (`new = false`) are the estate; new ones are reinvestment ("hubs and teams").
    #[serde(default)]
    pub services: Vec<ServiceCost>,
    /// One-off costs, each of a `kind`: implementation, redundancy, dual running or capital.
    /// None by default: every kind left out is zero.
    #[serde(default)]
    pub implementation: Vec<OneOffCost>,
    /// Whether savings on statutory activity other than placements (assessments, child in
    /// need, child protection, entering care, care proceedings, care leavers) are cashable.
    /// They are social workers' and lawyers' time, which comes out of a budget only when posts
    /// go: `false` (the default) marks them non-cashable in the budget lines.
    #[serde(default)]
    pub statutory_savings_cashable: bool,
    /// What a post costs, for the services costed as posts rather than per family or child:
    /// early help and intensive support in the months the policy gives them as `staff`, and
    /// social work if `social_work` is given. Left out: nothing is costed as posts.
    #[serde(default, skip_serializing_if = "PostCosts::is_empty")]
    pub posts: PostCosts,
}

/// Salaries with on-costs of full-time posts (`[costs.posts]`), for services costed as posts.
/// A post costs the same whether its caseload is full or not, so a service costed this way
/// costs its posts in force each month (the posts of `policy.*.staff`, or for social work the
/// posts its demand needs), times the salary, in the prices of `price_year` inflated as every
/// other cost. Uncertain salaries are drawn once per replication like every unit cost.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PostCosts {
    /// An early help post (family support worker), `per = "year"` or `"month"`: required when
    /// the policy or a change gives early help as `staff`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub early_help: Option<UnitCost>,
    /// An intensive support post, `per = "year"` or `"month"`: required when the policy or a
    /// change gives intensive support as `staff`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub intensive_support: Option<UnitCost>,
    /// Social work for children in need and on child protection plans costed as the posts its
    /// caseload needs, in place of `costs.child_in_need` and `costs.child_protection` per child.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub social_work: Option<SocialWorkPosts>,
}

impl PostCosts {
    /// Whether nothing is costed as posts (the default, not written out).
    pub fn is_empty(&self) -> bool {
        self.early_help.is_none() && self.intensive_support.is_none() && self.social_work.is_none()
    }
}

/// Social work costed as posts following demand (`[costs.posts.social_work]`): each month the
/// authority needs `ceil(children on child in need plans / child_in_need_caseload)` posts for
/// children in need and `ceil(children on child protection plans /
/// child_protection_caseload)` for child protection, each costing `salary`. Savings on them
/// come in whole posts: a fall in children saves a post only once it frees a whole caseload.
/// The posts are authority-wide (costed in no one locality).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SocialWorkPosts {
    /// Salary with on-costs of a full-time social worker post, `per = "year"` or `"month"`.
    pub salary: UnitCost,
    /// Children on child in need plans per full-time social worker (above 0, at most 1,000).
    pub child_in_need_caseload: f64,
    /// Children on child protection plans per full-time social worker (above 0, at most
    /// 1,000).
    pub child_protection_caseload: f64,
}
