//! Costs computed by hand: one child, known durations, the financial-year boundary, inflation,
//! discounting, services, one-offs and care leavers' support.

use carecast::Scenario;
use carecast::finance::{Basis, BudgetLine, Category, CostModel, WEEKS_PER_MONTH};
use carecast::outputs::Activity;
use carecast::scenario::OneOffKind;
use carecast::vocab::Placement;
use ndarray::{Array4, Axis};
use serde_json::json;

const LOCALITIES: usize = 8;
const MONTHS: usize = 48;

/// The default preset with round, fixed unit costs, no services, and the given extras.
fn model(extra: serde_json::Value) -> CostModel {
    let fixed = |amount: f64, per: &str| json!({"amount": amount, "per": per, "price_year": "2015/16"});
    let mut costs = json!({
        "placements": {"in_house_foster": fixed(500.0, "week"), "ifa": fixed(800.0, "week"),
                       "kinship": fixed(400.0, "week"), "residential": fixed(3000.0, "week"),
                       "with_parents": fixed(250.0, "week"), "other": fixed(1000.0, "week")},
        "child_in_need": fixed(3600.0, "year"), "child_protection": fixed(7200.0, "year"),
        "early_help": fixed(450.0, "month"), "intensive_support": fixed(2000.0, "month"),
        "assessment": fixed(1000.0, "each"), "entering_care": fixed(1500.0, "each"),
        "care_proceedings": fixed(20000.0, "each"), "care_leaver_support": fixed(6000.0, "year"),
        "care_leaver_years": 3, "services": [], "implementation": [],
    });
    carecast::scenario::merge(&mut costs, extra);
    let s = Scenario::default_preset().updated(json!({"costs": costs})).unwrap();
    CostModel::new(&s).unwrap()
}

fn activity() -> Array4<f64> {
    Array4::zeros((1, Activity::COUNT, LOCALITIES, MONTHS))
}

#[test]
fn one_child_in_residential_care_across_the_year_boundary() {
    let m = model(json!({}));
    let mut a = activity();
    // One child in locality 2, in residential care at the end of months 0..=12 (April 2015 to
    // April 2016).
    for t in 0..=12 {
        a[[0, Activity::Placement(Placement::Residential).index(), 2, t]] = 1.0;
    }
    let c = m.costs_of(&a, 1);
    let month = 3000.0 * WEEKS_PER_MONTH; // £13,044.64 a month in 2015/16 prices
    let residential = Category::Placement(Placement::Residential).index();
    let nominal = c.monthly(Basis::Nominal);
    let n = |t: usize| nominal[[0, residential, t]];
    assert!((n(0) - month).abs() < 1e-6);
    assert!((n(11) - month).abs() < 1e-6, "March 2016 is still 2015/16");
    assert!((n(12) - month * 1.031).abs() < 1e-6, "April 2016 is 2016/17: inflation 3.1%");
    assert_eq!(n(13), 0.0);
    assert_eq!(nominal.sum(), (0..=12).map(n).sum::<f64>(), "nothing else costs anything");
    // Real terms (2015/16 prices) undo the inflation; discounting takes 3.5% off 2016/17.
    let real = c.monthly(Basis::Real);
    let disc = c.monthly(Basis::Discounted);
    assert!((real[[0, residential, 12]] - month).abs() < 1e-6);
    assert!((disc[[0, residential, 12]] - month / 1.035).abs() < 1e-6);
    assert!((disc[[0, residential, 11]] - month).abs() < 1e-6);
    // By financial year, in locality 2 only: twelve months in 2015/16, one in 2016/17.
    let fy = c.by_year(Basis::Nominal);
    assert_eq!(c.financial_years()[..2], [2015, 2016]);
    assert!((fy[[0, residential, 2, 0]] - 12.0 * month).abs() < 1e-6);
    assert!((fy[[0, residential, 2, 1]] - month * 1.031).abs() < 1e-6);
    assert_eq!(fy.sum(), fy.slice(ndarray::s![0, residential, 2, ..]).sum(), "nothing else costs anything");
    let disc_fy = c.by_year(Basis::Discounted);
    assert!((disc_fy[[0, residential, 2, 1]] - month / 1.035).abs() < 1e-6);
}

#[test]
fn events_are_charged_once_and_stocks_per_month() {
    let m = model(json!({}));
    let mut a = activity();
    a[[0, Activity::Assessments.index(), 0, 5]] = 3.0;
    a[[0, Activity::CareEntries.index(), 0, 5]] = 2.0;
    a[[0, Activity::CareProceedings.index(), 0, 5]] = 1.0;
    a[[0, Activity::ChildInNeed.index(), 1, 5]] = 4.0;
    a[[0, Activity::EarlyHelp.index(), 1, 5]] = 10.0;
    let c = m.costs_of(&a, 1);
    let (monthly, by_year) = (c.monthly(Basis::Nominal), c.by_year(Basis::Nominal));
    let at = |cat: Category, l: usize| {
        assert_eq!(monthly.slice(ndarray::s![0, cat.index(), ..]).sum(), monthly[[0, cat.index(), 5]], "month 5 only");
        assert_eq!(by_year[[0, cat.index(), l, 0]], monthly[[0, cat.index(), 5]], "in locality {l} only");
        by_year[[0, cat.index(), l, 0]]
    };
    assert_eq!(at(Category::Assessments, 0), 3000.0);
    assert_eq!(at(Category::EnteringCare, 0), 3000.0);
    assert_eq!(at(Category::CareProceedings, 0), 20000.0);
    assert_eq!(at(Category::ChildInNeed, 1), 4.0 * 300.0);
    assert_eq!(at(Category::EarlyHelp, 1), 4500.0);
    assert_eq!(by_year.sum(), 3000.0 + 3000.0 + 20000.0 + 1200.0 + 4500.0);
}

#[test]
fn care_leavers_are_supported_for_their_years_after_18() {
    let m = model(json!({}));
    let mut a = activity();
    a[[0, Activity::CareLeavers.index(), 4, 2]] = 1.0; // turns 18 in care in June 2015
    let c = m.costs_of(&a, 1);
    let support = c.monthly(Basis::Nominal).index_axis(Axis(1), Category::CareLeavers.index()).to_owned();
    let real = c.monthly(Basis::Real);
    let real_support = real.index_axis(Axis(1), Category::CareLeavers.index()).to_owned();
    assert_eq!(support[[0, 2]], 0.0, "support starts the month after the birthday");
    for t in 3..3 + 36 {
        assert!((real_support[[0, t]] - 500.0).abs() < 1e-9, "month {t}: {}", real_support[[0, t]]);
    }
    assert_eq!(support[[0, 39]], 0.0, "three years of support, then none");
    // By year, in locality 4: July 2015 to March 2016 (9 months), two whole years, then April
    // to June 2018 (3 months), in real terms £500 a month.
    let by_year = c.by_year(Basis::Real);
    let leavers = by_year.slice(ndarray::s![0, Category::CareLeavers.index(), 4, ..]).to_owned();
    for (y, months) in [9.0, 12.0, 12.0, 3.0].into_iter().enumerate() {
        assert!((leavers[y] - 500.0 * months).abs() < 1e-6, "year {y}: {}", leavers[y]);
    }
    assert!((by_year.sum() - 500.0 * 36.0).abs() < 1e-6, "nowhere else");
}

#[test]
fn services_run_from_opening_until_closing_and_one_offs_fall_in_their_month() {
    let m = model(json!({
        "services": [
            {"name": "old", "new": false, "cost": {"amount": 1200000.0, "per": "year", "price_year": "2015/16"},
             "until": "2016-02"},
            {"name": "hubs", "new": true, "cost": {"amount": 1200000.0, "per": "year", "price_year": "2015/16"},
             "from": "2016-02"}
        ],
        "implementation": [{"name": "set-up", "cost": {"amount": 500000.0, "per": "each", "price_year": "2015/16"},
                            "month": "2015-10"}]
    }));
    let none = activity();
    let c = m.costs_of(&none, 1);
    let monthly = c.monthly(Basis::Nominal);
    let at = |cat: Category, t: usize| monthly[[0, cat.index(), t]];
    assert_eq!(at(Category::ExistingServices, 9), 100000.0, "January 2016: the old estate runs");
    assert_eq!(at(Category::ExistingServices, 10), 0.0, "February 2016: closed");
    assert_eq!(at(Category::NewServices, 9), 0.0);
    assert_eq!(at(Category::NewServices, 10), 100000.0, "February 2016: hubs open");
    assert!((at(Category::NewServices, 12) - 100000.0 * 1.031).abs() < 1e-6);
    assert_eq!(at(Category::OneOff(OneOffKind::Implementation), 6), 500000.0);
    // By year, all in the authority-wide column (the last locality).
    let wide = LOCALITIES;
    let by_year = c.by_year(Basis::Nominal);
    assert_eq!(by_year.index_axis(Axis(1), Category::OneOff(OneOffKind::Implementation).index()).sum(), 500000.0);
    assert_eq!(by_year[[0, Category::OneOff(OneOffKind::Implementation).index(), wide, 0]], 500000.0);
    assert_eq!(by_year[[0, Category::ExistingServices.index(), wide, 0]], 1_000_000.0, "April 2015 to January 2016");
    assert_eq!(by_year[[0, Category::NewServices.index(), wide, 0]], 200_000.0, "February and March 2016");
    assert_eq!(by_year.slice(ndarray::s![0, .., ..wide, ..]).sum(), 0.0);
    // New spending month by month: the hubs and the set-up.
    let new = c.monthly_total(Basis::Nominal, Category::is_new_spending);
    assert_eq!((new[[0, 6]], new[[0, 9]], new[[0, 10]]), (500000.0, 0.0, 100000.0));
}

/// Each one-off falls in its kind's category and budget line, in its month; a kind not given
/// costs nothing, and a one-off outside the run costs nothing in it.
#[test]
fn one_offs_fall_in_the_line_of_their_kind() {
    let one_off = |name: &str, kind: &str, amount: f64, month: &str| {
        json!({"name": name, "kind": kind, "cost": {"amount": amount, "per": "each", "price_year": "2015/16"},
               "month": month})
    };
    let m = model(json!({
        "implementation": [
            one_off("programme", "implementation", 100.0, "2015-05"),
            one_off("posts go", "redundancy", 200.0, "2016-04"),
            one_off("old and new together", "dual_running", 300.0, "2015-06"),
            one_off("hub fit-out", "capital", 400.0, "2015-07"),
            one_off("more fit-out", "capital", 50.0, "2015-07"),
            one_off("before the run", "capital", 1e6, "2014-07"),
        ]
    }));
    let none = activity();
    let c = m.costs_of(&none, 1);
    let by_year = c.by_category_year(Basis::Nominal);
    let at = |kind: OneOffKind, y: usize| by_year[[0, Category::OneOff(kind).index(), y]];
    assert_eq!(at(OneOffKind::Implementation, 0), 100.0);
    assert_eq!(at(OneOffKind::Redundancy, 0), 0.0);
    assert!((at(OneOffKind::Redundancy, 1) - 200.0 * 1.031).abs() < 1e-9, "cash prices of 2016/17");
    assert_eq!(at(OneOffKind::DualRunning, 0), 300.0);
    assert_eq!(at(OneOffKind::Capital, 0), 450.0);
    assert_eq!(by_year.sum(), 100.0 + 200.0 * 1.031 + 300.0 + 450.0);
    for kind in OneOffKind::ALL {
        assert_eq!(Category::OneOff(kind).budget_line(), BudgetLine::OneOff(kind));
        assert!(BudgetLine::OneOff(kind).is_spending() && BudgetLine::OneOff(kind).is_cashable(false));
    }
    let unknown = Scenario::default_preset().updated(json!({"costs": {"implementation": [
        one_off("bribes", "sweeteners", 1.0, "2015-05")]}}));
    let message = unknown.unwrap_err().to_string();
    assert!(message.contains("sweeteners") && message.contains("dual_running"), "{message}");
}

#[test]
fn identities_hold_on_a_real_run() {
    use carecast::{Model, RunOptions, Silent};
    let s = Scenario::preset("wolverhampton-2015-redesign").unwrap();
    let r = Model::new(&s).unwrap().run(&RunOptions::new(3, 3, 5), &Silent).unwrap();
    let model = CostModel::new(&s).unwrap();
    let c = model.costs(&r);
    let fy = c.by_year(Basis::Nominal);
    let monthly = c.monthly(Basis::Nominal);
    assert!((fy.sum() - monthly.sum()).abs() < 1e-9 * monthly.sum());
    // The views agree: by category, by locality, and the monthly totals.
    let by_category = c.by_category_year(Basis::Real);
    let by_locality = c.by_locality_year(Basis::Real);
    let real = c.by_year(Basis::Real);
    let close = |a: f64, b: f64| (a - b).abs() <= 1e-12 * a.abs().max(b.abs()).max(1.0);
    for (x, y) in by_category.iter().zip(real.sum_axis(Axis(2)).iter()) {
        assert!(close(*x, *y), "{x} vs {y}");
    }
    for (x, y) in by_locality.iter().zip(real.sum_axis(Axis(1)).iter()) {
        assert!(close(*x, *y), "{x} vs {y}");
    }
    let (avoidable, new) = (
        c.monthly_total(Basis::Real, |k| !k.is_new_spending()),
        c.monthly_total(Basis::Real, Category::is_new_spending),
    );
    for (x, y) in (&avoidable + &new).iter().zip(c.monthly(Basis::Real).sum_axis(Axis(1)).iter()) {
        assert!(close(*x, *y), "{x} vs {y}");
    }
    // Discounted = real x discount factor, year by year.
    let disc = c.by_year(Basis::Discounted);
    for (j, &y) in c.financial_years().iter().enumerate() {
        let (a, b) = (real.index_axis(Axis(3), j).sum(), disc.index_axis(Axis(3), j).sum());
        assert!((b - a * c.prices.discount(y)).abs() < 1e-6 * a.max(1.0));
    }
    // A plausible scale: tens of millions a year, most of it on children in care.
    let first_year = fy.index_axis(Axis(3), 0).sum() / 3.0;
    let placements: f64 = (0..6).map(|k| fy.index_axis(Axis(1), k).index_axis(Axis(2), 0).sum()).sum::<f64>() / 3.0;
    assert!((20e6..80e6).contains(&first_year), "2015/16 total {first_year}");
    assert!(placements > 0.5 * first_year, "placements {placements} of {first_year}");
}

/// The names of costed activity and cost categories are part of every output (tables, the
/// workbook, Python): they stay as they are whatever builds them.
#[test]
fn activity_and_category_names_are_stable() {
    assert_eq!(
        Activity::NAMES,
        [
            "in_house_foster",
            "ifa",
            "kinship",
            "residential",
            "with_parents",
            "other_placement",
            "child_in_need",
            "child_protection",
            "early_help",
            "intensive_support",
            "assessments",
            "care_entries",
            "care_proceedings",
            "care_leavers",
        ]
    );
    assert_eq!(&Category::NAMES[..6], &Activity::NAMES[..6]);
    assert_eq!(
        &Category::NAMES[6..],
        [
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
        ]
    );
    for (i, name) in Category::NAMES.iter().enumerate() {
        let c = [
            Category::Placement(Placement::Other),
            Category::OneOff(OneOffKind::Implementation),
            Category::EnteringCare,
        ]
        .into_iter()
        .find(|c| c.index() == i);
        if let Some(c) = c {
            assert_eq!(c.name(), *name);
        }
    }
    assert_eq!(Activity::CareLeavers.index(), Activity::COUNT - 1);
    assert_eq!(Category::OneOff(OneOffKind::Capital).index(), Category::COUNT - 1);
}

/// Pricing the activity as a run keeps it (by locality and financial year, and monthly totals)
/// gives the costs of pricing every locality's every month and summing them, as costs were
/// computed before, to 1e-12 relative: on random activity of every kind over four years, with
/// services, a one-off and uncertain unit costs.
#[test]
fn costs_of_the_reduced_activity_are_those_of_pricing_every_month() {
    let m = model(json!({
        "placements": {"ifa": {"amount": {"dist": "normal", "mean": 800.0, "sd": 50.0}, "per": "week",
                               "price_year": "2014/15"}},
        "services": [{"name": "hubs", "new": true, "cost": {"amount": 1200000.0, "per": "year", "price_year": "2015/16"},
                      "from": "2016-02", "until": "2018-01"}],
        "implementation": [{"name": "set-up", "cost": {"amount": 500000.0, "per": "each", "price_year": "2015/16"},
                            "month": "2015-10"}]
    }));
    let reps = 3;
    let mut a = Array4::<f64>::zeros((reps, Activity::COUNT, LOCALITIES, MONTHS));
    let mut lcg = 7u64;
    a.iter_mut().for_each(|x| {
        lcg = lcg.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        *x = ((lcg >> 33) % 40) as f64;
    });
    let c = m.costs_of(&a, 9);
    // The reference: month by month, as `CostModel::costs` priced before, from the unit costs
    // the views imply (a unit of activity alone in one month and locality).
    let one = |k: usize, rep: usize| {
        let mut b = Array4::<f64>::zeros((reps, Activity::COUNT, LOCALITIES, MONTHS));
        b[[rep, k, 0, 0]] = 1.0;
        m.costs_of(&b, 9).monthly(Basis::Nominal)
    };
    let years = c.financial_years();
    let year_of = |t: usize| t / 12; // from April 2015: months 0-11 are 2015/16
    let none = Array4::<f64>::zeros((reps, Activity::COUNT, LOCALITIES, MONTHS));
    let wide_costs = m.costs_of(&none, 9);
    let wide = wide_costs.by_year(Basis::Nominal);
    for basis in Basis::ALL {
        let by_year = c.by_year(basis);
        let monthly = c.monthly(basis);
        for rep in 0..reps {
            for (k, category) in (0..Activity::COUNT - 1).map(|k| (k, Category::ALL[k])) {
                let unit = one(k, rep)[[rep, category.index(), 0]];
                let factor = |t: usize| {
                    let fy = years[year_of(t)];
                    let inflate = c.prices.factor(2015, fy);
                    inflate
                        * match basis {
                            Basis::Nominal => 1.0,
                            Basis::Real => c.prices.factor(fy, c.prices.base_year),
                            Basis::Discounted => c.prices.factor(fy, c.prices.base_year) * c.prices.discount(fy),
                        }
                };
                let mut expected_year = vec![vec![0.0; years.len()]; LOCALITIES];
                let mut expected_month = vec![0.0; MONTHS];
                for l in 0..LOCALITIES {
                    for t in 0..MONTHS {
                        let cost = a[[rep, k, l, t]] * unit * factor(t);
                        expected_year[l][year_of(t)] += cost;
                        expected_month[t] += cost;
                    }
                }
                for l in 0..LOCALITIES {
                    for y in 0..years.len() {
                        let (got, want) = (by_year[[rep, category.index(), l, y]], expected_year[l][y]);
                        assert!((got - want).abs() <= 1e-12 * want.abs(), "{category:?} {l} {y}: {got} vs {want}");
                    }
                }
                for t in 0..MONTHS {
                    let (got, want) = (monthly[[rep, category.index(), t]], expected_month[t]);
                    assert!((got - want).abs() <= 1e-12 * want.abs(), "{category:?} month {t}: {got} vs {want}");
                }
            }
        }
        // The authority-wide costs do not depend on activity.
        if basis == Basis::Nominal {
            let with = by_year.slice(ndarray::s![.., .., LOCALITIES, ..]).to_owned();
            assert_eq!(with, wide.slice(ndarray::s![.., .., LOCALITIES, ..]));
        }
    }
    // Care leavers: by year and locality, the months of support of each birthday.
    let nominal = c.by_year(Basis::Nominal);
    let unit = one(Activity::CareLeavers.index(), 0)[[0, Category::CareLeavers.index(), 1]];
    for l in 0..LOCALITIES {
        let mut months = vec![0.0; years.len()];
        for t in 0..MONTHS {
            let supported: f64 = (t.saturating_sub(36)..t).map(|s| a[[0, Activity::CareLeavers.index(), l, s]]).sum();
            months[year_of(t)] += supported * c.prices.factor(2015, years[year_of(t)]);
        }
        for y in 0..years.len() {
            let (got, want) = (nominal[[0, Category::CareLeavers.index(), l, y]], months[y] * unit);
            assert!((got - want).abs() <= 1e-9 * want.abs().max(1.0), "leavers {l} {y}: {got} vs {want}");
        }
    }
}

#[test]
fn categories_are_listed_in_index_order() {
    for (i, c) in Category::ALL.iter().enumerate() {
        assert_eq!(c.index(), i);
    }
    assert_eq!(Basis::ALL.map(|b| Basis::from_name(Basis::NAMES[b as usize]).unwrap()), Basis::ALL);
    assert_eq!(Basis::from_name("cash"), None);
}

/// The default preset with round costs (as [`model`]), early help given as `staff` and a
/// post costing £36,000 a year (£3,000 a month), with the given extra changes.
fn posts_scenario(changes: &[(&str, serde_json::Value)]) -> Scenario {
    let m = json!({"amount": 36000.0, "per": "year", "price_year": "2015/16"});
    let mut s = Scenario::default_preset()
        .updated(json!({
            "policy": {"early_help": {"staff": {"posts": 10, "caseload": 20}}},
            "costs": {"early_help": {"amount": 450.0, "per": "month", "price_year": "2015/16"},
                      "services": [], "posts": {"early_help": m}},
        }))
        .unwrap();
    for (from, set) in changes {
        s = s.with_change(from.parse().unwrap(), set.clone(), "").unwrap();
    }
    s
}

#[test]
fn a_service_given_as_posts_costs_its_posts_whether_its_places_are_full_or_not() {
    let m = CostModel::new(&posts_scenario(&[])).unwrap();
    let eh = Category::EarlyHelp.index();
    let mut full = activity();
    for t in 0..MONTHS {
        for l in 0..LOCALITIES {
            full[[0, Activity::EarlyHelp.index(), l, t]] = 25.0; // 200 families: every place
        }
    }
    let empty = activity();
    let (full, empty) = (m.costs_of(&full, 1), m.costs_of(&empty, 1));
    let (a, b) = (full.monthly(Basis::Nominal), empty.monthly(Basis::Nominal));
    assert_eq!(a, b, "the same posts cost the same, full or empty");
    assert!((a[[0, eh, 0]] - 10.0 * 3000.0).abs() < 1e-6, "ten posts at £3,000 a month: {}", a[[0, eh, 0]]);
    assert!((a[[0, eh, 12]] - 10.0 * 3000.0 * 1.031).abs() < 1e-6, "inflated like every cost");
    // Authority-wide: the posts are in no one locality.
    let fy = full.by_year(Basis::Nominal);
    assert!((fy[[0, eh, LOCALITIES, 0]] - 12.0 * 30000.0).abs() < 1e-6);
    assert_eq!(fy.slice(ndarray::s![0, eh, ..LOCALITIES, ..]).sum(), 0.0);
    // In the early help budget line, as per-family costing is.
    assert_eq!(Category::EarlyHelp.budget_line(), BudgetLine::EarlyHelp);
}

#[test]
fn posts_step_at_a_dated_change_and_a_change_back_to_places_costs_per_family_again() {
    let s = posts_scenario(&[
        ("2016-02", json!({"early_help": {"staff": {"posts": 12}}})),
        ("2017-04", json!({"early_help": {"places": 100}})),
    ]);
    // The places follow the posts, stepping by a caseload a post; the caseload is kept.
    let timeline = s.policy_timeline().unwrap();
    let places: Vec<u32> = timeline.iter().map(|(_, p)| p.early_help.capacity()).collect();
    assert_eq!(places, [200, 240, 100]);
    assert_eq!(timeline[1].1.early_help.staff.as_ref().unwrap().caseload, 20.0);
    assert_eq!(timeline[2].1.early_help.staff, None, "places replace the staff in force");
    let m = CostModel::new(&s).unwrap();
    let mut a = activity();
    for t in 0..MONTHS {
        a[[0, Activity::EarlyHelp.index(), 3, t]] = 7.0;
    }
    let c = m.costs_of(&a, 1).monthly(Basis::Real);
    let eh = |t: usize| c[[0, Category::EarlyHelp.index(), t]];
    assert!((eh(9) - 30000.0).abs() < 1e-6, "January 2016: ten posts");
    assert!((eh(10) - 36000.0).abs() < 1e-6, "February 2016: twelve posts");
    assert!((eh(23) - 36000.0).abs() < 1e-6, "March 2017: twelve posts");
    assert!((eh(24) - 7.0 * 450.0).abs() < 1e-6, "April 2017: per family again, {}", eh(24));
}

#[test]
fn social_work_as_posts_follows_demand_in_whole_posts() {
    let salary = json!({"amount": 48000.0, "per": "year", "price_year": "2015/16"});
    let m = model(json!({"posts": {"social_work": {"salary": salary, "child_in_need_caseload": 18,
                                                   "child_protection_caseload": 12}}}));
    let mut a = activity();
    let (cin, cp) = (Activity::ChildInNeed.index(), Activity::ChildProtection.index());
    // Children on plans in two localities: the posts are the authority's.
    a[[0, cin, 0, 0]] = 20.0;
    a[[0, cin, 1, 0]] = 16.0; // 36 children: exactly 2 posts
    a[[0, cin, 0, 1]] = 37.0; // 37: a third post
    a[[0, cp, 2, 1]] = 1.0; // one child protection plan: a whole post
    let c = m.costs_of(&a, 1).monthly(Basis::Nominal);
    let post = 4000.0;
    let at = |cat: Category, t: usize| c[[0, cat.index(), t]];
    assert!((at(Category::ChildInNeed, 0) - 2.0 * post).abs() < 1e-6, "{}", at(Category::ChildInNeed, 0));
    assert!((at(Category::ChildInNeed, 1) - 3.0 * post).abs() < 1e-6);
    assert_eq!(at(Category::ChildProtection, 0), 0.0, "no children, no posts");
    assert!((at(Category::ChildProtection, 1) - post).abs() < 1e-6);
    assert_eq!(at(Category::ChildInNeed, 2), 0.0);
    // The per-child unit costs are not charged besides.
    assert!((c.sum() - 6.0 * post).abs() < 1e-6);
}

#[test]
fn a_scenario_without_posts_costs_as_before() {
    // Per family in early help, by locality: the posts costing changes nothing it does not use.
    let m = model(json!({}));
    let mut a = activity();
    a[[0, Activity::EarlyHelp.index(), 4, 2]] = 3.0;
    a[[0, Activity::ChildInNeed.index(), 4, 2]] = 5.0;
    let fy = m.costs_of(&a, 1).by_year(Basis::Nominal);
    assert!((fy[[0, Category::EarlyHelp.index(), 4, 0]] - 3.0 * 450.0).abs() < 1e-9);
    assert!((fy[[0, Category::ChildInNeed.index(), 4, 0]] - 5.0 * 300.0).abs() < 1e-9);
}
