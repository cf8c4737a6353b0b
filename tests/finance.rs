//! Costs computed by hand: one child, known durations, the financial-year boundary, inflation,
//! discounting, services, one-offs and care leavers' support.

use carecast::Scenario;
use carecast::finance::{Category, CostModel, WEEKS_PER_MONTH};
use carecast::outputs::Activity;
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
    let n = |t: usize| c.nominal[[0, Category::Placement(Placement::Residential).index(), 2, t]];
    assert!((n(0) - month).abs() < 1e-6);
    assert!((n(11) - month).abs() < 1e-6, "March 2016 is still 2015/16");
    assert!((n(12) - month * 1.031).abs() < 1e-6, "April 2016 is 2016/17: inflation 3.1%");
    assert_eq!(n(13), 0.0);
    assert_eq!(c.nominal.sum(), (0..=12).map(n).sum::<f64>(), "nothing else costs anything");
    // Real terms (2015/16 prices) undo the inflation; discounting takes 3.5% off 2016/17.
    let real = c.real();
    let disc = c.discounted();
    assert!((real[[0, Category::Placement(Placement::Residential).index(), 2, 12]] - month).abs() < 1e-6);
    assert!((disc[[0, Category::Placement(Placement::Residential).index(), 2, 12]] - month / 1.035).abs() < 1e-6);
    assert!((disc[[0, Category::Placement(Placement::Residential).index(), 2, 11]] - month).abs() < 1e-6);
    // By financial year: twelve months in 2015/16, one in 2016/17.
    let fy = c.by_financial_year(&c.nominal);
    assert_eq!(c.financial_years()[..2], [2015, 2016]);
    assert!((fy[[0, Category::Placement(Placement::Residential).index(), 2, 0]] - 12.0 * month).abs() < 1e-6);
    assert!((fy[[0, Category::Placement(Placement::Residential).index(), 2, 1]] - month * 1.031).abs() < 1e-6);
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
    let at = |cat: Category, l: usize| c.nominal[[0, cat.index(), l, 5]];
    assert_eq!(at(Category::Assessments, 0), 3000.0);
    assert_eq!(at(Category::EnteringCare, 0), 3000.0);
    assert_eq!(at(Category::CareProceedings, 0), 20000.0);
    assert_eq!(at(Category::ChildInNeed, 1), 4.0 * 300.0);
    assert_eq!(at(Category::EarlyHelp, 1), 4500.0);
}

#[test]
fn care_leavers_are_supported_for_their_years_after_18() {
    let m = model(json!({}));
    let mut a = activity();
    a[[0, Activity::CareLeavers.index(), 4, 2]] = 1.0; // turns 18 in care in June 2015
    let c = m.costs_of(&a, 1);
    let support = c.nominal.index_axis(Axis(1), Category::CareLeavers.index()).index_axis(Axis(1), 4).to_owned();
    let real = c.real();
    let real_support = real.index_axis(Axis(1), Category::CareLeavers.index()).index_axis(Axis(1), 4).to_owned();
    assert_eq!(support[[0, 2]], 0.0, "support starts the month after the birthday");
    for t in 3..3 + 36 {
        assert!((real_support[[0, t]] - 500.0).abs() < 1e-9, "month {t}: {}", real_support[[0, t]]);
    }
    assert_eq!(support[[0, 39]], 0.0, "three years of support, then none");
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
    let c = m.costs_of(&activity(), 1);
    let wide = LOCALITIES; // the authority-wide column
    let at = |cat: Category, t: usize| c.nominal[[0, cat.index(), wide, t]];
    assert_eq!(at(Category::ExistingServices, 9), 100000.0, "January 2016: the old estate runs");
    assert_eq!(at(Category::ExistingServices, 10), 0.0, "February 2016: closed");
    assert_eq!(at(Category::NewServices, 9), 0.0);
    assert_eq!(at(Category::NewServices, 10), 100000.0, "February 2016: hubs open");
    assert!((at(Category::NewServices, 12) - 100000.0 * 1.031).abs() < 1e-6);
    assert_eq!(at(Category::Implementation, 6), 500000.0);
    assert_eq!(c.by_financial_year(&c.nominal).index_axis(Axis(1), Category::Implementation.index()).sum(), 500000.0);
}

#[test]
fn identities_hold_on_a_real_run() {
    use carecast::{Model, RunOptions, Silent};
    let s = Scenario::preset("wolverhampton-2015-redesign").unwrap();
    let r = Model::new(&s).unwrap().run(&RunOptions::new(3, 3, 5), &Silent).unwrap();
    let c = CostModel::new(&s).unwrap().costs(&r);
    let fy = c.by_financial_year(&c.nominal);
    assert!((fy.sum() - c.nominal.sum()).abs() < 1e-6 * c.nominal.sum());
    // Discounted = real x discount factor, year by year.
    let (real, disc) = (c.by_financial_year(&c.real()), c.by_financial_year(&c.discounted()));
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
        ]
    );
    for (i, name) in Category::NAMES.iter().enumerate() {
        let c = [Category::Placement(Placement::Other), Category::Implementation, Category::EnteringCare]
            .into_iter()
            .find(|c| c.index() == i);
        if let Some(c) = c {
            assert_eq!(c.name(), *name);
        }
    }
    assert_eq!(Activity::CareLeavers.index(), Activity::COUNT - 1);
    assert_eq!(Category::Implementation.index(), Category::COUNT - 1);
}
