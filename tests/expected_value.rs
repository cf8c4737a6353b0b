//! The model as documented is the model as run: the expected-value projection
//! (`carecast::expected`, a cohort recursion written from `docs/model.md` and
//! `docs/scenario.md`) agrees with the engine's Monte Carlo means, move by move (and first
//! entries to care by single year of age) and year by year, over random capacity-free scenarios with families of one, where it is exact. The
//! Monte Carlo engine is the independent check of the projection, and the projection of the
//! engine.
//!
//! For each scenario, move and year: z = (Monte Carlo mean - expected) / Monte Carlo standard
//! error. If the docs describe the engine, every z is standard normal (the Monte Carlo mean is
//! a mean over many replications), so the test requires every |z| below 5 and the mean of z^2
//! near 1. With at most 2,000 comparisons, Bonferroni puts the chance of any |z| >= 5 by
//! chance below 2,000 x 5.7e-7 = 0.0012; the mean of z^2 over N >= 250 comparisons has a
//! standard deviation of about sqrt(2 / N) <= 0.09 (more if comparisons are correlated), so
//! 0.7 to 1.4 is a wide band. The test is seeded (the same scenarios and draws every run).
//!
//! `make test` runs a small version (4 scenarios x 250 replications x 3 years, about 340
//! comparisons; under a minute on an idle 2-core machine). The full check of issue 9 (24 scenarios x 1,000 replications) is the
//! ignored test below; it prints the table of z-scores:
//!
//! ```sh
//! cargo test --release --test expected_value -- --ignored --nocapture
//! EV_SCENARIOS=24 EV_REPLICATIONS=1000 EV_YEARS=3 cargo test --release --test expected_value -- --ignored --nocapture
//! ```

use carecast::expected::ProjectionOptions;
use carecast::outputs::Series;
use carecast::vocab::{AgeBand, Move, State};
use carecast::{Model, RunOptions, Scenario, Silent};
use rand::{RngExt, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use serde_json::{Value, json};

/// The largest |z| allowed (see the module documentation for the false-alarm rate).
const Z_BOUND: f64 = 5.0;

/// Moves that cannot happen in these scenarios (nobody waits: places never bind; no
/// intensive support): the engine must record none.
const IMPOSSIBLE: [Move; 2] = [Move::WaitingToClosed, Move::IntensiveSupportStart];

/// The base of the random scenarios: the baseline preset's hazards, two localities, families
/// of one, no births into families, places that never bind, no intensive support, no starting
/// caseload.
fn base() -> Value {
    let s = Scenario::default_preset()
        .updated(json!({
            "population": {
                "under_18": 20000,
                "family_size": [1.0],
                "family_birth_rate": 0.0,
                "localities": [
                    {"name": "A", "population_share": 0.6, "need": {"low": 0.45, "moderate": 0.33, "high": 0.22}},
                    {"name": "B", "population_share": 0.4, "need": {"low": 0.7, "moderate": 0.2, "high": 0.1}}
                ],
                "initial": {"looked_after": 0, "child_protection": 0, "child_in_need": 0,
                            "early_help_families": 0, "waiting_families": 0}
            },
            "policy": {"early_help": {"places": 1_000_000}, "intensive_support": {"places": 0}},
            "changes": []
        }))
        .unwrap();
    serde_json::to_value(&s).unwrap()
}

fn at<'v>(v: &'v mut Value, path: &str) -> &'v mut Value {
    path.split('.').fold(v, |v, k| &mut v[k])
}

/// A random scenario around the preset: every rate and multiplier times a factor from
/// exp(U(-0.5, 0.5)), probabilities and mixes perturbed and renormalised, windows and the
/// early help duration drawn over plausible ranges.
fn random_scenario(rng: &mut Xoshiro256PlusPlus, k: usize) -> Scenario {
    let mut v = base();
    let factor = |rng: &mut Xoshiro256PlusPlus| (rng.random::<f64>() - 0.5).exp();
    let bands = ["age_0", "age_1_4", "age_5_9", "age_10_15", "age_16_17"];
    let needs = ["low", "moderate", "high"];
    let mut scaled: Vec<String> = Vec::new();
    for pool in ["not_known", "previously_known"] {
        for route in ["identification", "referral", "crisis_care_entry"] {
            scaled.extend(bands.iter().map(|b| format!("hazards.{pool}.{route}.{b}")));
        }
    }
    for m in ["contact_need_multiplier", "escalation_need_multiplier"] {
        scaled.extend(needs.iter().map(|n| format!("hazards.{m}.{n}")));
    }
    for level in ["child_in_need", "child_protection"] {
        scaled.extend(["close", "step_up", "step_down"].iter().map(|f| format!("hazards.{level}.{f}")));
        scaled.extend(bands.iter().map(|b| format!("hazards.{level}.care_entry.{b}")));
    }
    for f in ["under_6_months", "months_6_to_24", "over_24_months"] {
        scaled.push(format!("hazards.looked_after.return_home.{f}"));
    }
    for f in [
        "hazards.recently_closed_multiplier",
        "hazards.abuse_neglect_care_multiplier",
        "hazards.early_help.step_up_multiplier",
        "hazards.early_help.care_entry_multiplier",
        "hazards.looked_after.adoption_under_5",
        "hazards.looked_after.special_guardianship",
        "hazards.looked_after.other_exit",
        "hazards.looked_after.placement_move",
        "hazards.looked_after.reentry_multiplier",
        "population.move_away_rate",
        "policy.early_help.effect_on_escalation",
        "policy.early_help.effect_on_care_entry",
        "policy.early_help.effect_after_closure",
        "policy.outreach.identification_multiplier",
        "policy.outreach.over_fives_multiplier",
        "policy.outreach.high_need_multiplier",
        "policy.placements.reunification_multiplier",
        "policy.placements.reentry_multiplier",
    ] {
        scaled.push(f.to_string());
    }
    for path in &scaled {
        let x = at(&mut v, path);
        let f = factor(rng);
        *x = json!(x.as_f64().unwrap() * f);
    }
    let probability = |v: &mut Value, path: &str, rng: &mut Xoshiro256PlusPlus| {
        let x = at(v, path);
        let f = factor(rng);
        *x = json!((x.as_f64().unwrap() * f).min(0.95));
    };
    for b in bands {
        probability(&mut v, &format!("hazards.abuse_neglect.{b}"), rng);
    }
    for path in [
        "hazards.early_help.step_up_to_protection",
        "hazards.child_in_need.close_to_early_help",
        "hazards.child_protection.close_to_early_help",
    ] {
        probability(&mut v, path, rng);
    }
    // Shares that sum to one (or, for assessment outcomes, at most 0.95).
    let shares = |v: &mut Value, path: &str, fields: &[&str], total: f64, rng: &mut Xoshiro256PlusPlus| {
        let obj = at(v, path);
        let raw: Vec<f64> = fields.iter().map(|f| obj[*f].as_f64().unwrap() * factor(rng)).collect();
        let sum: f64 = raw.iter().sum();
        let scale = if total < 1.0 { (total / sum).min(1.0) } else { 1.0 / sum };
        for (f, r) in fields.iter().zip(raw) {
            obj[*f] = json!(r * scale);
        }
    };
    shares(&mut v, "hazards.assessment", &["child_in_need", "child_protection", "early_help"], 0.95, rng);
    shares(&mut v, "hazards.looked_after.return_to", &["child_protection", "child_in_need", "known_closed"], 1.0, rng);
    let placements = ["in_house_foster", "ifa", "kinship", "residential", "with_parents", "other"];
    shares(&mut v, "policy.placements.mix_under_10", &placements, 1.0, rng);
    shares(&mut v, "policy.placements.mix_10_plus", &placements, 1.0, rng);
    let whole = |v: &mut Value, path: &str, lo: u32, hi: u32, rng: &mut Xoshiro256PlusPlus| {
        *at(v, path) = json!(rng.random_range(lo..=hi));
    };
    whole(&mut v, "hazards.recently_closed_months", 3, 12, rng);
    whole(&mut v, "hazards.looked_after.adoption_min_months", 6, 12, rng);
    whole(&mut v, "hazards.looked_after.reentry_months", 6, 24, rng);
    whole(&mut v, "policy.early_help.effect_after_months", 3, 12, rng);
    *at(&mut v, "policy.early_help.mean_duration_months") = json!(rng.random_range(4.0..9.0));
    *at(&mut v, "population.initial.previously_known_share") = json!(rng.random_range(0.1..0.4));
    // Every other scenario enters care by single year of age (drawn last: the draws above stay).
    if k % 2 == 1 {
        let by_age: Vec<f64> = (0..18).map(|_| rng.random_range(0.3..2.0)).collect();
        v["hazards"]["care_entry_by_age"] = json!(by_age);
    }
    *at(&mut v, "name") = json!(format!("random-{k}"));
    Scenario::from_json_str(&v.to_string(), "random scenario").unwrap()
}

/// One comparison: a move (or a recorded series) in a year of a scenario.
struct Comparison {
    scenario: usize,
    /// The move's label or the series' name.
    what: &'static str,
    year: usize,
    expected: f64,
    mean: f64,
    z: f64,
}

/// Run `scenarios` random scenarios for `replications` x `years`, and compare.
fn compare(scenarios: usize, replications: usize, years: usize) -> Vec<Comparison> {
    compare_with(scenarios, replications, years, |s| s)
}

/// As [`compare`], each random scenario changed by `edit` first.
fn compare_with(
    scenarios: usize,
    replications: usize,
    years: usize,
    edit: impl Fn(Scenario) -> Scenario,
) -> Vec<Comparison> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(20_260_409);
    let mut out = Vec::new();
    for k in 0..scenarios {
        let s = edit(random_scenario(&mut rng, k));
        let months = years * 12;
        let path = carecast::expected::project_exact(&s, months).unwrap();
        let results =
            Model::new(&s).unwrap().run(&RunOptions::new(replications, years, 1_000 + k as u64), &Silent).unwrap();
        let (flows, engine_series) = (&results.flows_by_replication(), &results.series());
        // Each move, then first entries to care by single year of age (a recorded series).
        let moves = Move::ALL.into_iter().map(|mv| {
            let engine = move |r: usize, t: usize| flows[[r, mv.index(), t]];
            (mv.label(), Some(mv), Box::new(engine) as Box<dyn Fn(usize, usize) -> f64>, path.flow(mv))
        });
        let series = Series::FIRST_ENTRIES_BY_AGE.into_iter().map(|s| {
            let engine = move |r: usize, t: usize| engine_series[[s as usize, r, t]];
            let name = Series::NAMES[s as usize];
            (name, None, Box::new(engine) as Box<dyn Fn(usize, usize) -> f64>, path.indicator(name).unwrap())
        });
        for (what, mv, engine, expected) in moves.chain(series) {
            for year in 0..years {
                let span = year * 12..(year + 1) * 12;
                let per_rep: Vec<f64> = (0..replications).map(|r| span.clone().map(|t| engine(r, t)).sum()).collect();
                let mean = per_rep.iter().sum::<f64>() / replications as f64;
                let var = per_rep.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (replications - 1) as f64;
                let ev: f64 = span.map(|t| expected[t]).sum();
                if mv.is_some_and(|mv| IMPOSSIBLE.contains(&mv)) {
                    assert_eq!(mean, 0.0, "scenario {k}: {what} happened");
                    continue;
                }
                if mv == Some(Move::Birth) {
                    assert_eq!(mean, ev, "scenario {k} year {year}: births");
                    continue;
                }
                // At least 50 events over the replications, for the normal approximation.
                if var == 0.0 || mean * (replications as f64) < 50.0 {
                    continue;
                }
                let z = (mean - ev) / (var / replications as f64).sqrt();
                out.push(Comparison { scenario: k, what, year, expected: ev, mean, z });
            }
        }
    }
    out
}

fn print_table(c: &[Comparison]) {
    eprintln!("{:>8} {:<34} {:>4} {:>12} {:>12} {:>7}", "scenario", "move", "year", "expected", "engine", "z");
    for x in c {
        eprintln!(
            "{:>8} {:<34} {:>4} {:>12.2} {:>12.2} {:>7.2}",
            x.scenario,
            x.what,
            x.year + 1,
            x.expected,
            x.mean,
            x.z
        );
    }
    let n = c.len() as f64;
    let mean_z2 = c.iter().map(|x| x.z * x.z).sum::<f64>() / n;
    let mean_z = c.iter().map(|x| x.z).sum::<f64>() / n;
    eprintln!("{} comparisons; mean z {mean_z:.3}, mean z^2 {mean_z2:.3}", c.len());
    // By move or series: the mean z over scenarios and years shows a consistent bias.
    let mut names: Vec<&str> = c.iter().map(|x| x.what).collect();
    names.dedup();
    names.sort_unstable();
    names.dedup();
    for what in names {
        let zs: Vec<f64> = c.iter().filter(|x| x.what == what).map(|x| x.z).collect();
        if !zs.is_empty() {
            let m = zs.iter().sum::<f64>() / zs.len() as f64;
            let rel: Vec<f64> = c.iter().filter(|x| x.what == what).map(|x| x.mean / x.expected - 1.0).collect();
            let r = rel.iter().sum::<f64>() / rel.len() as f64;
            eprintln!("{:<34} n {:>3}  mean z {:>6.2}  mean (engine / expected - 1) {:>+7.4}", what, zs.len(), m, r);
        }
    }
}

fn check(c: &[Comparison]) {
    assert!(c.len() >= 250, "only {} comparisons", c.len());
    let worst = c.iter().max_by(|a, b| a.z.abs().total_cmp(&b.z.abs())).unwrap();
    let mean_z2 = c.iter().map(|x| x.z * x.z).sum::<f64>() / c.len() as f64;
    assert!(
        worst.z.abs() < Z_BOUND,
        "scenario {} {} year {}: engine {:.2} vs expected {:.2}, z = {:.2}",
        worst.scenario,
        worst.what,
        worst.year + 1,
        worst.mean,
        worst.expected,
        worst.z
    );
    assert!((0.7..1.4).contains(&mean_z2), "mean z^2 {mean_z2:.3} over {} comparisons", c.len());
}

#[test]
fn engine_agrees_with_the_documented_expected_values() {
    let c = compare(4, 250, 3);
    if std::env::var_os("EV_PRINT").is_some() {
        print_table(&c);
    }
    check(&c);
}

/// A demand trend of 5% a year (`population.demand_trend`), stepping each April: the engine
/// and the projection apply it alike. 4 scenarios x 250 replications x 4 years (three steps),
/// held to the same bounds as the main check.
#[test]
fn a_demand_trend_agrees_with_the_expected_values() {
    let c = compare_with(4, 250, 4, |s| s.updated(json!({"population": {"demand_trend": {"growth": 0.05}}})).unwrap());
    if std::env::var_os("EV_PRINT").is_some() {
        print_table(&c);
    }
    check(&c);
    // The contacts of the last year are those of a demand 1.05^3 times the first year's: the
    // comparison covers the trend, not only the years before it bites.
    assert!(c.iter().any(|x| x.year == 3 && x.what == Move::NotKnownToReferral.label()), "no referrals compared");
}

fn env(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// The full check of issue 9: 24 scenarios x 1,000 replications x 3 years (EV_SCENARIOS,
/// EV_REPLICATIONS and EV_YEARS change it), printing every z-score.
#[test]
#[ignore = "the full check takes several minutes: run it with --ignored"]
fn full_expected_value_check() {
    let c = compare(env("EV_SCENARIOS", 24), env("EV_REPLICATIONS", 1000), env("EV_YEARS", 3));
    print_table(&c);
    check(&c);
}

#[test]
fn the_projection_is_deterministic_and_refuses_bad_lengths() {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(1);
    let s = random_scenario(&mut rng, 0);
    let a = carecast::expected::project(&s, 24).unwrap();
    let b = carecast::expected::project(&s, 24).unwrap();
    assert_eq!(a, b, "the same scenario gives the same numbers, bit for bit");
    for months in [0, carecast::expected::MAX_MONTHS + 1] {
        let e = carecast::expected::project(&s, months).unwrap_err().to_string();
        assert!(e.contains("months"), "{e}");
    }
}

/// Finite, non-negative, and the population near the scenario's (births keep it there).
fn check_sane(path: &carecast::expected::ExpectedPath, under_18: f64, what: &str) {
    assert!(path.stocks.iter().chain(path.flows.iter()).all(|x| x.is_finite() && *x > -1e-6), "{what}");
    let population = path.indicator("population").unwrap();
    for p in population.iter() {
        assert!((p / under_18 - 1.0).abs() < 0.02, "{what}: population {p} against {under_18}");
    }
    let lac = path.indicator("lac_stock").unwrap();
    let by_placement: f64 = path.placements.column(path.months - 1).sum();
    assert!((by_placement - lac[path.months - 1]).abs() < 1e-6 * lac[path.months - 1].max(1.0), "{what}");
}

#[test]
fn the_projection_accepts_every_kind_of_scenario() {
    for name in carecast::preset_names() {
        let s = Scenario::preset(name).unwrap();
        let path = carecast::expected::project(&s, 24).unwrap();
        check_sane(&path, f64::from(s.population.under_18), name);
    }
    let s = everything();
    let path = carecast::expected::project(&s, 36).unwrap();
    check_sane(&path, f64::from(s.population.under_18), "a scenario with everything");
    assert!((path.initial_lac - 2.0).abs() < 1e-9, "the position's two children in care");
    assert!(path.indicator("uasc_in_care").unwrap()[0] > 0.5, "the UASC child is counted");
    assert!(path.flow(Move::IntensiveSupportStart).sum() > 0.0, "intensive support starts with the change");
    // Every width of age window takes it, and sanely.
    for age_cell_months in ProjectionOptions::AGE_CELL_MONTHS {
        let options = ProjectionOptions { age_cell_months, ..ProjectionOptions::default() };
        let path = carecast::expected::project_with_options(&s, 24, &options).unwrap();
        check_sane(&path, f64::from(s.population.under_18), &format!("windows of {age_cell_months} months"));
        assert!((path.initial_lac - 2.0).abs() < 1e-9, "windows of {age_cell_months} months");
    }
    // Bad input is an error naming what is wrong, never a panic.
    assert!(carecast::expected::project_with_tolerance(&s, 12, f64::NAN).is_err());
    assert!(carecast::expected::project_with_tolerance(&s, 12, -1.0).is_err());
    for age_cell_months in [0, 5, 24] {
        let options = ProjectionOptions { age_cell_months, ..ProjectionOptions::default() };
        let e = carecast::expected::project_with_options(&s, 12, &options).unwrap_err().to_string();
        assert!(e.contains("age_cell_months") && e.contains("1, 2, 3, 4, 6 or 12"), "{e}");
    }
}

/// An exit table, a care-entry scale and trend, a dated change with a care lever and intensive
/// support, a mix with evidence, and a starting position given as data with a child gone home
/// from care.
fn everything() -> Scenario {
    let rate = |r: f64| json!({"under_6_months": r, "months_6_to_24": r / 3.0, "over_24_months": r / 10.0});
    let bands = |r: f64| json!({"age_0": rate(r), "age_1_4": rate(r), "age_5_9": rate(r), "age_10_15": rate(r), "age_16_17": rate(r)});
    Scenario::default_preset()
        .updated(json!({
            "hazards": {
                "care_entry_scale": {"age_5_9": 1.3},
                "care_entry_trend": 0.04,
                "looked_after": {"exits": {"home": bands(0.6), "adoption": bands(0.2), "special_guardianship": bands(0.1),
                                           "other": bands(0.05)}}
            },
            "policy": {"placements": {"mix_under_10_evidence": 120.0}},
            "changes": [{"from": "2016-01", "set": {
                "intensive_support": {"places": 40, "effect_on_care_entry": 0.6},
                "placements": {"step_down_multiplier": 2.0, "reunification_multiplier": 1.2}}}],
            "starting_position": {
                "children_in_care": [
                    {"family": "a", "age_months": 50, "placement": "ifa", "months_in_care": 10, "legal_status": "placement_order"},
                    {"age_months": 150, "placement": "residential", "months_in_care": 30, "uasc": true}
                ],
                "families_at_home": [
                    {"family": "a", "case": "child_in_need", "children_age_months": [20, 90],
                     "returned_home": [{"child": 1, "months_since": 3}]},
                    {"case": "early_help", "children_age_months": [100], "locality": "Penn", "need": "high"}
                ]
            }
        }))
        .unwrap()
}

#[test]
fn the_projection_is_the_same_on_one_thread_and_two() {
    // The need levels run side by side; what couples them (the early help queue, intensive
    // support, the placements) is worked out in a fixed order between them.
    let redesign = Scenario::preset("wolverhampton-2015-redesign").unwrap();
    let cases = [
        (Scenario::default_preset(), ProjectionOptions::default(), 48),
        (redesign, ProjectionOptions::default(), 48),
        (everything(), ProjectionOptions::default(), 36),
        (everything(), ProjectionOptions::EXACT, 24),
    ];
    for (s, options, months) in cases {
        let on = |threads: usize| {
            let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
            pool.install(|| carecast::expected::project_with_options(&s, months, &options).unwrap())
        };
        let one = on(1);
        assert_eq!(one, on(2), "{} {options:?}: one thread and two, bit for bit", s.name);
        assert_eq!(one, on(3), "{} {options:?}: one thread and three, bit for bit", s.name);
    }
}

/// The default projection (ages in windows of single years) beside the exact one (months),
/// on the default preset over three years, nothing merged: the gaps docs/expected.md states
/// ("Speed"), with some room. The gaps are deterministic (no random numbers), so the bounds
/// only catch a change that makes the windows follow the children less closely.
#[test]
fn windows_of_single_years_follow_the_exact_path() {
    let s = Scenario::default_preset();
    let months = 36;
    let exact = carecast::expected::project_exact(&s, months).unwrap();
    let same = carecast::expected::project_with_options(&s, months, &ProjectionOptions::EXACT).unwrap();
    assert_eq!(exact, same, "project_exact is ProjectionOptions::EXACT");
    let options = ProjectionOptions { tolerance: 0.0, ..ProjectionOptions::default() };
    assert_eq!(options.age_cell_months, 12, "the default windows are single years");
    let years = carecast::expected::project_with_options(&s, months, &options).unwrap();
    let gap = |a: f64, b: f64| (a / b - 1.0).abs();
    for t in [11, 23, 35] {
        let (a, b) = (years.indicator("lac_stock").unwrap()[t], exact.indicator("lac_stock").unwrap()[t]);
        assert!(gap(a, b) < 0.005, "children in care, month {t}: {a} against {b}");
        let (a, b) = (years.population[t], exact.population[t]);
        assert!(gap(a, b) < 1e-4, "children, month {t}: {a} against {b}");
        for band in AgeBand::ALL {
            let in_care = |p: &carecast::expected::ExpectedPath| {
                p.stocks.slice(ndarray::s![State::LookedAfter.index(), band.index(), .., t]).sum()
            };
            let (a, b) = (in_care(&years), in_care(&exact));
            assert!(gap(a, b) < 0.02, "in care aged {}, month {t}: {a} against {b}", band.label());
        }
    }
    for name in ["lac_entries", "lac_exits", "assessments", "early_help_starts"] {
        for y in 0..3 {
            let sum = |p: &carecast::expected::ExpectedPath| {
                p.indicator(name).unwrap().slice(ndarray::s![y * 12..y * 12 + 12]).sum()
            };
            let (a, b) = (sum(&years), sum(&exact));
            assert!(gap(a, b) < 0.01, "{name}, year {}: {a} against {b}", y + 1);
        }
    }
}

/// First entries by single year of age add up to first entries by age band, with windows of
/// single years (a window spanning a band edge split by its months) as with ages in months.
#[test]
fn first_entries_by_year_of_age_add_up_to_the_bands() {
    let s = Scenario::default_preset();
    for options in [ProjectionOptions::default(), ProjectionOptions::EXACT] {
        let path = carecast::expected::project_with_options(&s, 24, &options).unwrap();
        let years: [std::ops::Range<usize>; AgeBand::COUNT] = [0..1, 1..5, 5..10, 10..16, 16..18];
        for (band, span) in years.into_iter().enumerate() {
            let by_band = path.series.row(Series::FIRST_ENTRIES_BY_BAND[band] as usize).sum();
            let by_year: f64 = span.map(|y| path.series.row(Series::FIRST_ENTRIES_BY_AGE[y] as usize).sum()).sum();
            assert!(by_band > 0.0, "{options:?}: first entries in band {band}");
            assert!((by_year / by_band - 1.0).abs() < 1e-9, "{options:?} band {band}: {by_year} against {by_band}");
        }
    }
}
