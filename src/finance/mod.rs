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
use crate::scenario::{Costs, OneOffKind, Per, Scenario, UnitCost};
use crate::vocab::Placement;
use ndarray::{Array2, Array3, Array4, Axis};

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
    /// One-off costs of this kind.
    OneOff(OneOffKind),
}

impl Category {
    /// Names of the categories after the placement types, in output order (as `index` counts them).
    const REST: [&'static str; 14] = [
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
        "redundancy",
        "dual_running",
        "capital",
    ];
    /// Number of categories.
    pub const COUNT: usize = Placement::COUNT + Category::REST.len();
    /// Every category, in output order.
    pub const ALL: [Category; Category::COUNT] = [
        Category::Placement(Placement::ALL[0]),
        Category::Placement(Placement::ALL[1]),
        Category::Placement(Placement::ALL[2]),
        Category::Placement(Placement::ALL[3]),
        Category::Placement(Placement::ALL[4]),
        Category::Placement(Placement::ALL[5]),
        Category::ChildInNeed,
        Category::ChildProtection,
        Category::EarlyHelp,
        Category::IntensiveSupport,
        Category::Assessments,
        Category::EnteringCare,
        Category::CareProceedings,
        Category::CareLeavers,
        Category::ExistingServices,
        Category::NewServices,
        Category::OneOff(OneOffKind::Implementation),
        Category::OneOff(OneOffKind::Redundancy),
        Category::OneOff(OneOffKind::DualRunning),
        Category::OneOff(OneOffKind::Capital),
    ];
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
            Category::OneOff(kind) => 10 + kind as usize,
        };
        Placement::COUNT + rest
    }

    /// The category's name in outputs.
    pub const fn name(self) -> &'static str {
        Category::NAMES[self.index()]
    }

    /// Whether the category is spending a change puts in (reinvestment and one-offs), as
    /// opposed to costs it may avoid: see [`BudgetLine::is_spending`].
    pub fn is_new_spending(self) -> bool {
        self.budget_line().is_spending()
    }

    /// The budget line the category's costs fall in.
    pub const fn budget_line(self) -> BudgetLine {
        match self {
            Category::Placement(_) => BudgetLine::Placements,
            Category::ChildInNeed
            | Category::ChildProtection
            | Category::Assessments
            | Category::EnteringCare
            | Category::CareProceedings
            | Category::CareLeavers => BudgetLine::StatutoryActivity,
            Category::ExistingServices => BudgetLine::Estate,
            Category::EarlyHelp => BudgetLine::EarlyHelp,
            Category::IntensiveSupport => BudgetLine::IntensiveSupport,
            Category::NewServices => BudgetLine::HubsAndTeams,
            Category::OneOff(kind) => BudgetLine::OneOff(kind),
        }
    }
}

/// The lines of a council's budget book that costs fall in, and savings are reported by: what a
/// finance team can take out of a budget (cashable) and what it cannot, what a change spends
/// (reinvestment, one-offs) kept apart from what it saves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BudgetLine {
    /// Placements of children looked after, every type (cashable: fees and allowances stop).
    Placements,
    /// Other statutory activity: assessments, child in need, child protection, entering care,
    /// care proceedings, care leavers' support. Social workers' and lawyers' time, cashable only
    /// where posts go (`costs.statutory_savings_cashable`).
    StatutoryActivity,
    /// Services that existed before (`new = false`): in the presets, the early help estate.
    Estate,
    /// Early help casework (reinvestment when a change adds to it).
    EarlyHelp,
    /// Specialist intensive support (reinvestment).
    IntensiveSupport,
    /// New services (`new = true`): hubs and teams (reinvestment).
    HubsAndTeams,
    /// One-off costs of this kind.
    OneOff(OneOffKind),
}

impl BudgetLine {
    /// Every line, in budget order: savings, then reinvestment, then one-offs.
    pub const ALL: [BudgetLine; 10] = [
        BudgetLine::Placements,
        BudgetLine::StatutoryActivity,
        BudgetLine::Estate,
        BudgetLine::EarlyHelp,
        BudgetLine::IntensiveSupport,
        BudgetLine::HubsAndTeams,
        BudgetLine::OneOff(OneOffKind::Implementation),
        BudgetLine::OneOff(OneOffKind::Redundancy),
        BudgetLine::OneOff(OneOffKind::DualRunning),
        BudgetLine::OneOff(OneOffKind::Capital),
    ];
    /// Names, in [`BudgetLine::ALL`] order, as the Python layer and the tables use them.
    pub const NAMES: [&'static str; 10] = [
        "placements",
        "other_statutory_activity",
        "estate",
        "early_help",
        "intensive_support",
        "hubs_and_teams",
        "implementation",
        "redundancy",
        "dual_running",
        "capital",
    ];

    /// Position in [`BudgetLine::ALL`].
    pub const fn index(self) -> usize {
        match self {
            BudgetLine::Placements => 0,
            BudgetLine::StatutoryActivity => 1,
            BudgetLine::Estate => 2,
            BudgetLine::EarlyHelp => 3,
            BudgetLine::IntensiveSupport => 4,
            BudgetLine::HubsAndTeams => 5,
            BudgetLine::OneOff(kind) => 6 + kind as usize,
        }
    }

    /// The line's name in outputs.
    pub const fn name(self) -> &'static str {
        BudgetLine::NAMES[self.index()]
    }

    /// Whether the line is spending a change puts in (reinvestment: early help, intensive
    /// support, hubs and teams; and one-offs) rather than a cost it may avoid. Savings on the
    /// others are gross savings; these are set against them, never netted into them.
    pub const fn is_spending(self) -> bool {
        matches!(
            self,
            BudgetLine::EarlyHelp | BudgetLine::IntensiveSupport | BudgetLine::HubsAndTeams | BudgetLine::OneOff(_)
        )
    }

    /// Whether a saving (or cost) on this line moves a budget: every line but other statutory
    /// activity, which does only when posts go (`statutory_savings_cashable`).
    pub const fn is_cashable(self, statutory_savings_cashable: bool) -> bool {
        match self {
            BudgetLine::StatutoryActivity => statutory_savings_cashable,
            _ => true,
        }
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
    /// The posts of the services the policy gives as `staff`, by policy period: its first
    /// month (from the start) and the early help and intensive support posts in force, `None`
    /// in a period that gives the service as places.
    staffing: Vec<(i64, [Option<f64>; 2])>,
}

/// The prices costs are given in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Basis {
    /// Cash prices of each year.
    Nominal,
    /// The prices of the base year (real terms).
    Real,
    /// Real terms, discounted to the base year.
    Discounted,
}

impl Basis {
    /// Every basis, in [`Basis::NAMES`] order.
    pub const ALL: [Basis; 3] = [Basis::Nominal, Basis::Real, Basis::Discounted];
    /// Names, as the Python layer and the tables use them.
    pub const NAMES: [&'static str; 3] = ["nominal", "real", "discounted"];

    /// The basis called `name` (one of [`Basis::NAMES`]).
    pub fn from_name(name: &str) -> Option<Basis> {
        Basis::NAMES.iter().position(|&n| n == name).map(|i| Basis::ALL[i])
    }
}

/// The activity costs are charged on, for replications in order.
#[derive(Debug, Clone, Copy)]
enum Source<'a> {
    /// A run's records.
    Run(&'a RunResults),
    /// Replication x [`Activity`] x locality x month.
    Monthly(&'a Array4<f64>),
}

/// The costs of a run's replications, computed a replication at a time from the activity the
/// run kept (by locality and financial year, and monthly totals across localities) when a view
/// is asked for: a run of 10,000 replications is costed without an array of replications x
/// categories x localities x months. Category x (localities + 1): the last locality index
/// holds authority-wide costs (services and implementation).
///
/// Costs are linear in activity and prices change once a financial year, so the costs of a year
/// are the year's activity times the unit cost and the year's price factor: the same sums as
/// pricing month by month, up to the rounding of the last bits.
#[derive(Debug, Clone)]
pub struct RunCosts<'a> {
    /// The unit costs and prices (a copy: small).
    model: CostModel,
    source: Source<'a>,
    seed: u64,
    first_replication: u64,
    replications: usize,
    localities: usize,
    /// Financial year (start year) of each month.
    pub month_years: Vec<i32>,
    /// Index of each month's financial year in [`RunCosts::financial_years`].
    year_of_month: Vec<usize>,
    years: Vec<i32>,
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
        let staffing = scenario
            .policy_timeline()?
            .iter()
            .map(|(month, p)| {
                let posts = |staff: &Option<crate::scenario::Staff>| staff.as_ref().map(|s| s.posts);
                (scenario.start.months_until(*month), [posts(&p.early_help.staff), posts(&p.intensive_support.staff)])
            })
            .collect();
        Ok(CostModel {
            costs: scenario.costs.clone(),
            prices: Prices::new(&scenario.costs),
            start: scenario.start,
            staffing,
        })
    }

    /// The posts of staffed service `service` (0 early help, 1 intensive support) in force in
    /// month `t` of the run, or `None` if the policy then gives it as places.
    fn posts_at(&self, service: usize, t: usize) -> Option<f64> {
        let period = self.staffing.iter().rev().find(|(from, _)| *from <= t as i64).or(self.staffing.first());
        period.and_then(|(_, posts)| posts[service])
    }

    /// Whether staffed service `service` (0 early help, 1 intensive support) is given as posts
    /// in any period.
    fn staffed(&self, service: usize) -> bool {
        self.staffing.iter().any(|(_, posts)| posts[service].is_some())
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
    pub fn costs<'a>(&self, results: &'a RunResults) -> RunCosts<'a> {
        let months = results.months;
        self.costs_over(Source::Run(results), results.replications, results.localities.len(), months)
            .seeded(results.seed, results.first_replication as u64)
    }

    /// Costs of an activity array (replication x [`Activity`] x locality x month, months from
    /// the scenario's start) for replications `0..` of a run seeded `seed`.
    pub fn costs_of<'a>(&self, activity: &'a Array4<f64>, seed: u64) -> RunCosts<'a> {
        self.costs_from(activity, seed, 0)
    }

    /// As [`CostModel::costs_of`], for replications `first_replication..` (global indices).
    pub fn costs_from<'a>(&self, activity: &'a Array4<f64>, seed: u64, first_replication: u64) -> RunCosts<'a> {
        let (reps, kinds, localities, months) = activity.dim();
        assert_eq!(kinds, Activity::COUNT, "activity must have one row per kind of activity");
        self.costs_over(Source::Monthly(activity), reps, localities, months).seeded(seed, first_replication)
    }

    fn costs_over<'a>(
        &self,
        source: Source<'a>,
        replications: usize,
        localities: usize,
        months: usize,
    ) -> RunCosts<'a> {
        let month_years: Vec<i32> = (0..months).map(|t| self.start.plus(t as i64).financial_year()).collect();
        let mut years = month_years.clone();
        years.dedup();
        let year_of_month = month_years.iter().map(|y| years.iter().position(|z| z == y).unwrap_or(0)).collect();
        RunCosts {
            model: self.clone(),
            source,
            seed: 0,
            first_replication: 0,
            replications,
            localities,
            month_years,
            year_of_month,
            years,
            prices: self.prices.clone(),
            start: self.start,
        }
    }
}

/// One replication's activity, reduced as a run keeps it.
struct RepActivity {
    /// Kind x month, all localities.
    by_month: Vec<f64>,
    /// Kind x locality x financial year.
    by_year: Vec<f64>,
    /// Care leavers by locality x month.
    leavers: Vec<f64>,
}

/// One replication's costs in the basis asked for.
struct RepCosts {
    /// Category x (localities + 1) x financial year.
    by_year: Vec<f64>,
    /// Category x month, all localities.
    monthly: Vec<f64>,
}

impl<'a> RunCosts<'a> {
    fn seeded(mut self, seed: u64, first_replication: u64) -> Self {
        self.seed = seed;
        self.first_replication = first_replication;
        self
    }

    /// Replications costed.
    pub fn replications(&self) -> usize {
        self.replications
    }

    /// Financial years covered (start years), in order.
    pub fn financial_years(&self) -> Vec<i32> {
        self.years.clone()
    }

    /// The factor that takes cash prices of financial year `fy` to `basis`.
    fn basis_factor(&self, basis: Basis, fy: i32) -> f64 {
        match basis {
            Basis::Nominal => 1.0,
            Basis::Real => self.prices.factor(fy, self.prices.base_year),
            Basis::Discounted => self.prices.factor(fy, self.prices.base_year) * self.prices.discount(fy),
        }
    }

    fn read(&self, r: usize, into: &mut RepActivity, counts: &mut [Vec<u32>; 3]) {
        let (l, m) = (self.localities, self.month_years.len());
        match self.source {
            Source::Run(results) => {
                let [by_month, by_year, leavers] = counts;
                results.read_activity(r, by_month, by_year, leavers);
                let copy =
                    |to: &mut Vec<f64>, from: &[u32]| to.iter_mut().zip(from).for_each(|(a, &b)| *a = f64::from(b));
                copy(&mut into.by_month, by_month);
                copy(&mut into.by_year, by_year);
                copy(&mut into.leavers, leavers);
            }
            Source::Monthly(a) => {
                let ny = self.years.len();
                into.by_month.fill(0.0);
                into.by_year.fill(0.0);
                for k in 0..Activity::COUNT {
                    for loc in 0..l {
                        for t in 0..m {
                            let n = a[[r, k, loc, t]];
                            into.by_month[k * m + t] += n;
                            into.by_year[(k * l + loc) * ny + self.year_of_month[t]] += n;
                        }
                    }
                }
                for loc in 0..l {
                    for t in 0..m {
                        into.leavers[loc * m + t] = a[[r, Activity::CareLeavers.index(), loc, t]];
                    }
                }
            }
        }
    }

    /// Call `each` with every replication's costs in `basis`, in order.
    fn each(&self, basis: Basis, mut each: impl FnMut(usize, &RepCosts)) {
        let (l, m, ny) = (self.localities, self.month_years.len(), self.years.len());
        let mut activity = RepActivity {
            by_month: vec![0.0; Activity::COUNT * m],
            by_year: vec![0.0; Activity::COUNT * l * ny],
            leavers: vec![0.0; l * m],
        };
        let mut counts = [vec![0; Activity::COUNT * m], vec![0; Activity::COUNT * l * ny], vec![0; l * m]];
        let mut costs =
            RepCosts { by_year: vec![0.0; Category::COUNT * (l + 1) * ny], monthly: vec![0.0; Category::COUNT * m] };
        let model = &self.model;
        let c = &model.costs;
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
        // Services costed as posts, in any month, are costed below, month by month and
        // authority-wide (a team's posts are in no one locality).
        let staffed = [model.staffed(0), model.staffed(1)];
        let social_work = c.posts.social_work.as_ref();
        per_unit.retain(|&(_, category, _, _)| match category {
            Category::EarlyHelp => !staffed[0],
            Category::IntensiveSupport => !staffed[1],
            Category::ChildInNeed | Category::ChildProtection => social_work.is_none(),
            _ => true,
        });
        // (service, activity, category, per family, its registry entry, per post, its entry)
        let staffed_services = [
            (0, Activity::EarlyHelp, Category::EarlyHelp, &c.early_help, CostParam::EarlyHelp),
            (
                1,
                Activity::IntensiveSupport,
                Category::IntensiveSupport,
                &c.intensive_support,
                CostParam::IntensiveSupport,
            ),
        ]
        .into_iter()
        .zip([
            (c.posts.early_help.as_ref(), CostParam::EarlyHelpPost),
            (c.posts.intensive_support.as_ref(), CostParam::IntensiveSupportPost),
        ])
        .filter(|((service, ..), _)| staffed[*service])
        .collect::<Vec<_>>();
        // The price of a unit of `price_year` in financial year index `y`, in `basis`.
        let price = |price_year: i32, y: usize| {
            model.prices.factor(price_year, self.years[y]) * self.basis_factor(basis, self.years[y])
        };
        let span = 12 * c.care_leaver_years as usize;
        let at = |cat: Category, loc: usize, y: usize| (cat.index() * (l + 1) + loc) * ny + y;
        for r in 0..self.replications {
            let replication = self.first_replication + r as u64;
            self.read(r, &mut activity, &mut counts);
            costs.by_year.fill(0.0);
            costs.monthly.fill(0.0);
            for &(kind, category, which, cost) in &per_unit {
                let unit = model.amount(which, 0, cost, self.seed, replication);
                let k = kind.index();
                for y in 0..ny {
                    let priced = unit * price(cost.price_year.0, y);
                    for loc in 0..l {
                        let n = activity.by_year[(k * l + loc) * ny + y];
                        if n != 0.0 {
                            costs.by_year[at(category, loc, y)] = n * priced;
                        }
                    }
                }
                for t in 0..m {
                    let n = activity.by_month[k * m + t];
                    if n != 0.0 {
                        costs.monthly[category.index() * m + t] =
                            n * unit * price(cost.price_year.0, self.year_of_month[t]);
                    }
                }
            }
            // Care leavers: support in each of the `care_leaver_years` years after the birthday,
            // from the month after it.
            let unit = model.amount(CostParam::CareLeaverSupport, 0, &c.care_leaver_support, self.seed, replication);
            let support_price = |y: usize| unit * price(c.care_leaver_support.price_year.0, y);
            let mut months_by_year = vec![0.0; ny];
            for loc in 0..l {
                months_by_year.fill(0.0);
                support_months(&activity.leavers[loc * m..(loc + 1) * m], span, |t, n| {
                    months_by_year[self.year_of_month[t]] += n;
                });
                for (y, &n) in months_by_year.iter().enumerate() {
                    costs.by_year[at(Category::CareLeavers, loc, y)] = n * support_price(y);
                }
            }
            let (leavers, leaver_costs) = (Activity::CareLeavers.index() * m, Category::CareLeavers.index() * m);
            let monthly = &mut costs.monthly[leaver_costs..leaver_costs + m];
            support_months(&activity.by_month[leavers..leavers + m], span, |t, n| {
                monthly[t] = n * support_price(self.year_of_month[t]);
            });
            // Services given as posts: the posts in force each month times the salary, full or
            // not; in months given as places, the families in them times the cost per family.
            for &((service, kind, category, family_cost, family_param), (post_cost, post_param)) in &staffed_services {
                let family_unit = model.amount(family_param, 0, family_cost, self.seed, replication);
                let post_unit =
                    post_cost.map(|p| (model.amount(post_param, 0, p, self.seed, replication), p.price_year.0));
                for t in 0..m {
                    let y = self.year_of_month[t];
                    let amount = match (model.posts_at(service, t), post_unit) {
                        (Some(posts), Some((unit, price_year))) => posts * unit * price(price_year, y),
                        (Some(_), None) => 0.0,
                        (None, _) => {
                            activity.by_month[kind.index() * m + t] * family_unit * price(family_cost.price_year.0, y)
                        }
                    };
                    costs.by_year[at(category, l, y)] += amount;
                    costs.monthly[category.index() * m + t] = amount;
                }
            }
            // Social work as the posts its caseload needs, month by month: whole posts.
            if let Some(sw) = social_work {
                let unit = model.amount(CostParam::SocialWorkPost, 0, &sw.salary, self.seed, replication);
                for (kind, category, caseload) in [
                    (Activity::ChildInNeed, Category::ChildInNeed, sw.child_in_need_caseload),
                    (Activity::ChildProtection, Category::ChildProtection, sw.child_protection_caseload),
                ] {
                    for t in 0..m {
                        let y = self.year_of_month[t];
                        let posts = posts_needed(activity.by_month[kind.index() * m + t], caseload);
                        let amount = posts * unit * price(sw.salary.price_year.0, y);
                        costs.by_year[at(category, l, y)] += amount;
                        costs.monthly[category.index() * m + t] = amount;
                    }
                }
            }
            // Services and one-offs are authority-wide.
            for (i, s) in c.services.iter().enumerate() {
                let unit = model.amount(CostParam::Service, i, &s.cost, self.seed, replication);
                let category = if s.new { Category::NewServices } else { Category::ExistingServices };
                let from = s.from.map_or(0, |m| self.start.months_until(m));
                let until = s.until.map_or(i64::MAX, |m| self.start.months_until(m));
                for t in 0..m {
                    if (from..until).contains(&(t as i64)) {
                        let y = self.year_of_month[t];
                        let amount = unit * price(s.cost.price_year.0, y);
                        costs.by_year[at(category, l, y)] += amount;
                        costs.monthly[category.index() * m + t] += amount;
                    }
                }
            }
            for (i, o) in c.implementation.iter().enumerate() {
                let unit = model.amount(CostParam::Implementation, i, &o.cost, self.seed, replication);
                let t = self.start.months_until(o.month);
                if (0..m as i64).contains(&t) {
                    let t = t as usize;
                    let y = self.year_of_month[t];
                    let amount = unit * price(o.cost.price_year.0, y);
                    let category = Category::OneOff(o.kind);
                    costs.by_year[at(category, l, y)] += amount;
                    costs.monthly[category.index() * m + t] += amount;
                }
            }
            each(r, &costs);
        }
    }

    /// Costs by category, locality and financial year: replication x category x (localities +
    /// 1) x financial year, the last locality authority-wide.
    pub fn by_year(&self, basis: Basis) -> Array4<f64> {
        self.by_year_of(basis, &Category::ALL)
    }

    /// The costs of `categories` by locality and financial year: replication x category (in the
    /// order given) x (localities + 1) x financial year, the last locality authority-wide. A
    /// table can take the categories a few at a time, never the whole of [`RunCosts::by_year`]
    /// at once.
    pub fn by_year_of(&self, basis: Basis, categories: &[Category]) -> Array4<f64> {
        let (l, ny) = (self.localities, self.years.len());
        let block = (l + 1) * ny;
        let mut out = Array4::zeros((self.replications, categories.len(), l + 1, ny));
        self.each(basis, |r, c| {
            let mut rep = out.index_axis_mut(Axis(0), r);
            let rep = rep.as_slice_mut().expect("standard layout");
            for (to, category) in rep.chunks_exact_mut(block).zip(categories) {
                let k = category.index();
                to.copy_from_slice(&c.by_year[k * block..(k + 1) * block]);
            }
        });
        out
    }

    /// Costs by category and financial year, every locality and the authority-wide costs
    /// together: replication x category x financial year.
    pub fn by_category_year(&self, basis: Basis) -> Array3<f64> {
        self.fold_by_year(basis, Category::COUNT, |category, _| category)
    }

    /// Costs by locality and financial year, every category together: replication x
    /// (localities + 1) x financial year, the last locality authority-wide.
    pub fn by_locality_year(&self, basis: Basis) -> Array3<f64> {
        self.fold_by_year(basis, self.localities + 1, |_, locality| locality)
    }

    /// The yearly costs of each replication summed into `rows` rows, the costs of category `k`
    /// and locality `loc` (the last authority-wide) into row `row_of(k, loc)`: replication x
    /// row x financial year. Always summed in the order category, locality, year, so a view's
    /// sums are the same bits whichever rows it folds.
    fn fold_by_year(&self, basis: Basis, rows: usize, row_of: impl Fn(usize, usize) -> usize) -> Array3<f64> {
        let (l, ny) = (self.localities, self.years.len());
        let mut out = Array3::zeros((self.replications, rows, ny));
        self.each(basis, |r, c| {
            for k in 0..Category::COUNT {
                for loc in 0..=l {
                    let row = row_of(k, loc);
                    for y in 0..ny {
                        out[[r, row, y]] += c.by_year[(k * (l + 1) + loc) * ny + y];
                    }
                }
            }
        });
        out
    }

    /// Costs by category and month, every locality together: replication x category x month.
    pub fn monthly(&self, basis: Basis) -> Array3<f64> {
        let m = self.month_years.len();
        let mut out = Array3::zeros((self.replications, Category::COUNT, m));
        self.each(basis, |r, c| {
            out.index_axis_mut(Axis(0), r).as_slice_mut().expect("standard layout").copy_from_slice(&c.monthly);
        });
        out
    }

    /// The monthly costs of the categories `include` picks, summed: replication x month.
    pub fn monthly_total(&self, basis: Basis, include: impl Fn(Category) -> bool) -> Array2<f64> {
        let m = self.month_years.len();
        let picked: Vec<usize> = (0..Category::COUNT).filter(|&i| include(Category::ALL[i])).collect();
        let mut out = Array2::zeros((self.replications, m));
        self.each(basis, |r, c| {
            for &k in &picked {
                for t in 0..m {
                    out[[r, t]] += c.monthly[k * m + t];
                }
            }
        });
        out
    }
}

/// The whole posts `children` need at `caseload` children a post: `ceil(children / caseload)`
/// (a hair's tolerance, so that 36 children at 18 a post need 2 posts, not 3).
fn posts_needed(children: f64, caseload: f64) -> f64 {
    if children <= 0.0 { 0.0 } else { (children / caseload * (1.0 - 1e-12)).ceil() }
}

/// Care leavers supported in each month, from the births (18th birthdays in care) of each
/// month: those of the `span` months before it, so support starts the month after the
/// birthday; `add(month, supported)`.
fn support_months(births: &[f64], span: usize, mut add: impl FnMut(usize, f64)) {
    let mut supported = 0.0;
    for t in 0..births.len() {
        if t >= 1 {
            supported += births[t - 1];
        }
        if t > span {
            supported -= births[t - 1 - span];
        }
        add(t, supported);
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
    fn every_category_has_its_place_and_one_budget_line() {
        for (i, c) in Category::ALL.iter().enumerate() {
            assert_eq!(c.index(), i);
            assert_eq!(Category::NAMES[i], c.name());
        }
        for (i, line) in BudgetLine::ALL.iter().enumerate() {
            assert_eq!(line.index(), i);
            assert!(Category::ALL.iter().any(|c| c.budget_line() == *line), "{} has no category", line.name());
        }
        for kind in OneOffKind::ALL {
            assert_eq!(Category::OneOff(kind).budget_line(), BudgetLine::OneOff(kind));
            assert!(Category::OneOff(kind).is_new_spending());
        }
        assert!(Category::EarlyHelp.is_new_spending() && !Category::ExistingServices.is_new_spending());
        assert!(!BudgetLine::StatutoryActivity.is_cashable(false) && BudgetLine::StatutoryActivity.is_cashable(true));
        assert!(BudgetLine::Placements.is_cashable(false));
    }

    #[test]
    fn weekly_monthly_yearly() {
        assert!((per_month(700.0, Per::Week) - 700.0 * 365.25 / 84.0).abs() < 1e-9);
        assert_eq!(per_month(1200.0, Per::Year), 100.0);
        assert_eq!(per_month(50.0, Per::Month), 50.0);
        assert_eq!(per_month(50.0, Per::Each), 50.0);
    }
}
