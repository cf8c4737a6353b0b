//! Costs: money from the activity a run records.
//!
//! A [`CostModel`] is compiled from a scenario's `costs`; [`CostModel::costs`] turns a run's
//! activity (per replication, locality and month) into costs by category in cash prices, and
//! [`RunCosts`] gives them in the prices of the base year, discounted or not, by month or by
//! financial year. Uncertain unit costs are drawn once per replication from streams keyed by the
//! parameter registry (a frozen key per cost, not its name), so two scenarios run with the same
//! seed share their prices (common random numbers).

use crate::calendar::YearMonth;
use crate::error::Result;
use crate::outputs::{Activity, RunResults};
use crate::scenario::registry::{self, CostParam};
use crate::scenario::{Costs, Per, Scenario, UnitCost};
use crate::vocab::Placement;
use ndarray::{Array4, Axis};

/// Weeks in a month on average (365.25 / 7 / 12).
pub const WEEKS_PER_MONTH: f64 = 365.25 / 7.0 / 12.0;

/// Cost categories, in output order: one per placement type, then the rest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Category {
    /// Placements of this type.
    Placement(Placement),
    /// Child in need social work.
    ChildInNeed,
    /// Child protection social work.
    ChildProtection,
    /// Early help, per family.
    EarlyHelp,
    /// Specialist Intensive Support, per family.
    IntensiveSupport,
    /// Assessments.
    Assessments,
    /// Entering care.
    EnteringCare,
    /// Care proceedings.
    CareProceedings,
    /// Care leavers' support after 18.
    CareLeavers,
    /// Running costs of services that existed before.
    ExistingServices,
    /// Running costs of new services.
    NewServices,
    /// One-off implementation costs.
    Implementation,
}

impl Category {
    /// Names of the categories after the placement types, in output order (as `index` counts them).
    const REST: [&'static str; 11] = [
        "child_in_need",
        "child_protection",
        "early_help",
        "intensive_support",
        "assessments",
        "entering_care",
        "care_proceedings",
        "care_leavers",
        "existing_services",
        "new_services",
        "implementation",
    ];
    /// Number of categories.
    pub const COUNT: usize = Placement::COUNT + Category::REST.len();
    /// Names, in output order.
    pub const NAMES: [&'static str; Category::COUNT] = crate::vocab::placement_led(Category::REST);

    /// Position in cost arrays: the placement types first, then the rest in declaration order.
    #[inline]
    pub const fn index(self) -> usize {
        let rest = match self {
            Category::Placement(p) => return p.index(),
            Category::ChildInNeed => 0,
            Category::ChildProtection => 1,
            Category::EarlyHelp => 2,
            Category::IntensiveSupport => 3,
            Category::Assessments => 4,
            Category::EnteringCare => 5,
            Category::CareProceedings => 6,
            Category::CareLeavers => 7,
            Category::ExistingServices => 8,
            Category::NewServices => 9,
            Category::Implementation => 10,
        };
        Placement::COUNT + rest
    }

    /// The category's name in outputs.
    pub const fn name(self) -> &'static str {
        Category::NAMES[self.index()]
    }

    /// Whether the category is the cost of new services (what a redesign spends), as opposed to
    /// costs it may avoid.
    pub fn is_new_spending(self) -> bool {
        matches!(self, Category::NewServices | Category::Implementation)
    }
}

/// Price inflation and discounting.
#[derive(Debug, Clone, PartialEq)]
pub struct Prices {
    /// Financial year (its start year) whose prices real terms are in, and discounting's year 0.
    pub base_year: i32,
    /// Discount rate per year.
    pub discount_rate: f64,
    rates: Vec<(i32, f64)>,
    otherwise: f64,
}

impl Prices {
    /// Build from the scenario's costs.
    pub fn new(costs: &Costs) -> Prices {
        let mut rates: Vec<(i32, f64)> = costs
            .inflation
            .rates
            .iter()
            .filter_map(|(k, v)| k.parse::<crate::scenario::FinancialYear>().ok().map(|fy| (fy.0, *v)))
            .collect();
        rates.sort_by_key(|(y, _)| *y);
        Prices {
            base_year: costs.base_year.0,
            discount_rate: costs.discount_rate,
            rates,
            otherwise: costs.inflation.otherwise,
        }
    }

    /// Inflation into financial year `fy` (from the year before).
    pub fn rate(&self, fy: i32) -> f64 {
        self.rates.iter().find(|(y, _)| *y == fy).map_or(self.otherwise, |(_, r)| *r)
    }

    /// The price level of year `to` relative to year `from` (1 when they are the same).
    pub fn factor(&self, from: i32, to: i32) -> f64 {
        if to >= from { ((from + 1)..=to).map(|y| 1.0 + self.rate(y)).product() } else { 1.0 / self.factor(to, from) }
    }

    /// Discount factor of year `fy`: 1 in the base year, 1/(1+r)^n n years later.
    pub fn discount(&self, fy: i32) -> f64 {
        (1.0 + self.discount_rate).powi(-(fy - self.base_year))
    }
}

/// A scenario's costs, ready to apply to runs.
#[derive(Debug, Clone)]
pub struct CostModel {
    costs: Costs,
    /// Inflation and discounting.
    pub prices: Prices,
    start: YearMonth,
}

/// Costs of a run: replication x category x locality x month in cash (nominal) prices. The last
/// locality index holds authority-wide costs (services and implementation).
#[derive(Debug, Clone)]
pub struct RunCosts {
    /// Cash costs: replication x category x (localities + 1) x month.
    pub nominal: Array4<f64>,
    /// Financial year (start year) of each month.
    pub month_years: Vec<i32>,
    /// Inflation and discounting used.
    pub prices: Prices,
    /// First month.
    pub start: YearMonth,
}

/// The monthly amount of a unit cost (per week, month or year), or the amount of an event.
fn per_month(amount: f64, per: Per) -> f64 {
    match per {
        Per::Week => amount * WEEKS_PER_MONTH,
        Per::Month | Per::Each => amount,
        Per::Year => amount / 12.0,
    }
}

impl CostModel {
    /// Compile the costs of `scenario`.
    ///
    /// # Errors
    /// Any validation error of the scenario.
    pub fn new(scenario: &Scenario) -> Result<CostModel> {
        scenario.validate()?;
        Ok(CostModel { costs: scenario.costs.clone(), prices: Prices::new(&scenario.costs), start: scenario.start })
    }

    /// The amount of `cost` (the registry's `which`, element `index` of a list) in replication
    /// `replication` of a run seeded `seed`, per month (or per event), in the prices of its own
    /// price year.
    fn amount(&self, which: CostParam, index: usize, cost: &UnitCost, seed: u64, replication: u64) -> f64 {
        let value = registry::draw(&cost.amount, which.stream_key(index), which.spec().range, seed, replication);
        per_month(value, cost.per)
    }

    /// Costs of `results` (a run of the scenario this model was built from, or of any scenario
    /// of the same authority) in cash prices.
    ///
    /// Uncertain unit costs are drawn per replication by its global index, so the costs of a run
    /// over a replication range are the same rows as those of the whole run.
    pub fn costs(&self, results: &RunResults) -> RunCosts {
        self.costs_from(&results.activity, results.seed, results.first_replication as u64)
    }

    /// Costs of an activity array (replication x [`Activity`] x locality x month, months from
    /// the scenario's start) for replications `0..` of a run seeded `seed`, in cash prices.
    pub fn costs_of(&self, activity: &Array4<f64>, seed: u64) -> RunCosts {
        self.costs_from(activity, seed, 0)
    }

    /// As [`CostModel::costs_of`], for replications `first_replication..` (global indices).
    pub fn costs_from(&self, activity: &Array4<f64>, seed: u64, first_replication: u64) -> RunCosts {
        let (reps, kinds, localities, months) = activity.dim();
        assert_eq!(kinds, Activity::COUNT, "activity must have one row per kind of activity");
        let month_years: Vec<i32> = (0..months).map(|t| self.start.plus(t as i64).financial_year()).collect();
        let mut nominal = Array4::<f64>::zeros((reps, Category::COUNT, localities + 1, months));
        let c = &self.costs;
        let p = &c.placements;
        // (activity, category, registry entry, unit cost)
        let mut per_unit: Vec<(Activity, Category, CostParam, &UnitCost)> = Placement::ALL
            .iter()
            .map(|&pl| (Activity::Placement(pl), Category::Placement(pl), CostParam::Placement(pl), p.get(pl)))
            .collect();
        per_unit.extend([
            (Activity::ChildInNeed, Category::ChildInNeed, CostParam::ChildInNeed, &c.child_in_need),
            (Activity::ChildProtection, Category::ChildProtection, CostParam::ChildProtection, &c.child_protection),
            (Activity::EarlyHelp, Category::EarlyHelp, CostParam::EarlyHelp, &c.early_help),
            (Activity::IntensiveSupport, Category::IntensiveSupport, CostParam::IntensiveSupport, &c.intensive_support),
            (Activity::Assessments, Category::Assessments, CostParam::Assessment, &c.assessment),
            (Activity::CareEntries, Category::EnteringCare, CostParam::EnteringCare, &c.entering_care),
            (Activity::CareProceedings, Category::CareProceedings, CostParam::CareProceedings, &c.care_proceedings),
        ]);
        let inflate = |price_year: i32, t: usize| self.prices.factor(price_year, month_years[t]);
        for r in 0..reps {
            for &(kind, category, which, cost) in &per_unit {
                let unit = self.amount(which, 0, cost, seed, first_replication + r as u64);
                for l in 0..localities {
                    for t in 0..months {
                        let n = activity[[r, kind.index(), l, t]];
                        if n != 0.0 {
                            nominal[[r, category.index(), l, t]] = n * unit * inflate(cost.price_year.0, t);
                        }
                    }
                }
            }
            // Care leavers: support in each of the `care_leaver_years` years after the birthday.
            let unit = self.amount(
                CostParam::CareLeaverSupport,
                0,
                &c.care_leaver_support,
                seed,
                first_replication + r as u64,
            );
            let span = 12 * c.care_leaver_years as usize;
            for l in 0..localities {
                let mut supported = 0.0;
                for t in 0..months {
                    if t >= 1 {
                        supported += activity[[r, Activity::CareLeavers.index(), l, t - 1]];
                    }
                    if t > span {
                        supported -= activity[[r, Activity::CareLeavers.index(), l, t - 1 - span]];
                    }
                    nominal[[r, Category::CareLeavers.index(), l, t]] =
                        supported * unit * inflate(c.care_leaver_support.price_year.0, t);
                }
            }
            // Services and one-offs are authority-wide.
            for (i, s) in c.services.iter().enumerate() {
                let unit = self.amount(CostParam::Service, i, &s.cost, seed, first_replication + r as u64);
                let category = if s.new { Category::NewServices } else { Category::ExistingServices };
                let from = s.from.map_or(0, |m| self.start.months_until(m));
                let until = s.until.map_or(i64::MAX, |m| self.start.months_until(m));
                for t in 0..months {
                    if (from..until).contains(&(t as i64)) {
                        nominal[[r, category.index(), localities, t]] += unit * inflate(s.cost.price_year.0, t);
                    }
                }
            }
            for (i, o) in c.implementation.iter().enumerate() {
                let unit = self.amount(CostParam::Implementation, i, &o.cost, seed, first_replication + r as u64);
                let t = self.start.months_until(o.month);
                if (0..months as i64).contains(&t) {
                    let t = t as usize;
                    nominal[[r, Category::Implementation.index(), localities, t]] +=
                        unit * inflate(o.cost.price_year.0, t);
                }
            }
        }
        RunCosts { nominal, month_years, prices: self.prices.clone(), start: self.start }
    }
}

impl RunCosts {
    /// Costs in the prices of the base year (real terms).
    pub fn real(&self) -> Array4<f64> {
        self.scaled(|fy| self.prices.factor(fy, self.prices.base_year))
    }

    /// Real costs discounted to the base year.
    pub fn discounted(&self) -> Array4<f64> {
        self.scaled(|fy| self.prices.factor(fy, self.prices.base_year) * self.prices.discount(fy))
    }

    fn scaled(&self, factor: impl Fn(i32) -> f64) -> Array4<f64> {
        let mut out = self.nominal.clone();
        for (t, mut lane) in out.axis_iter_mut(Axis(3)).enumerate() {
            lane *= factor(self.month_years[t]);
        }
        out
    }

    /// Financial years covered (start years), in order.
    pub fn financial_years(&self) -> Vec<i32> {
        let mut years = self.month_years.clone();
        years.dedup();
        years
    }

    /// Sum `monthly` (replication x category x locality x month) by financial year.
    pub fn by_financial_year(&self, monthly: &Array4<f64>) -> Array4<f64> {
        let years = self.financial_years();
        let (r, c, l, _) = monthly.dim();
        let mut out = Array4::<f64>::zeros((r, c, l, years.len()));
        for (t, lane) in monthly.axis_iter(Axis(3)).enumerate() {
            let j = years.iter().position(|&y| y == self.month_years[t]).expect("every month has a year");
            let mut target = out.index_axis_mut(Axis(3), j);
            target += &lane;
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::Scenario;

    #[test]
    fn inflation_compounds_and_inverts() {
        let s = Scenario::default_preset();
        let p = Prices::new(&s.costs);
        assert_eq!(p.factor(2015, 2015), 1.0);
        assert!((p.factor(2015, 2016) - 1.031).abs() < 1e-12);
        assert!((p.factor(2015, 2017) - 1.031 * 1.028).abs() < 1e-12);
        assert!((p.factor(2017, 2015) * p.factor(2015, 2017) - 1.0).abs() < 1e-12);
        // Beyond the published years: the flat rate.
        assert!((p.factor(2030, 2031) - 1.02).abs() < 1e-12);
        assert!((p.discount(2016) - 1.0 / 1.035).abs() < 1e-12);
        assert_eq!(p.discount(2015), 1.0);
    }

    #[test]
    fn weekly_monthly_yearly() {
        assert!((per_month(700.0, Per::Week) - 700.0 * 365.25 / 84.0).abs() < 1e-9);
        assert_eq!(per_month(1200.0, Per::Year), 100.0);
        assert_eq!(per_month(50.0, Per::Month), 50.0);
        assert_eq!(per_month(50.0, Per::Each), 50.0);
    }
}
