//! Checks of every scenario field. Each check names the field path, the value and what is
//! allowed. The range of every number comes from the parameter registry (`registry.rs`), so the
//! registry and validation cannot disagree; what is checked here besides is what one field
//! cannot say alone: shares that sum to 1, a caseload within the population, ages in order.

use super::param::{MAX_MONTHLY_HAZARD, Param};
use super::registry;
use super::schema::*;
use crate::error::ConfigError;
use crate::vocab::{LegalStatus, Placement};

type Check = Result<(), ConfigError>;

const SUM_TOLERANCE: f64 = 1e-6;

/// Check the number `v` at `path` against the parameter registry's range for it.
fn number(path: &str, v: f64) -> Check {
    registry::check(path, v)
}

/// Check a whole number (a count, months) against the registry.
fn count(path: &str, v: u32) -> Check {
    registry::check(path, f64::from(v))
}

/// Check every cell of an exit table (a number or a distribution, in the registry's range).
fn exit_table(path: &str, exits: &ExitRates) -> Check {
    for (destination, by_band) in ExitRates::FIELDS.iter().zip(exits.to_array()) {
        for (band, by_duration) in ByBand::FIELDS.iter().zip(by_band.to_array()) {
            for (duration, rate) in ByDuration::FIELDS.iter().zip(by_duration.to_array()) {
                registry::check_param(&format!("{path}.{destination}.{band}.{duration}"), rate)?;
            }
        }
    }
    Ok(())
}

/// The most children a family drawn from the population may have (`population.family_size`
/// has one share per size).
pub(crate) const MAX_FAMILY_SIZE: usize = 10;

/// The longest duration a month field may give: 1,200 months (100 years, the longest run).
pub(crate) const MAX_MONTHS: u32 = 1_200;

fn shares(path: &str, fields: &[&str], values: &[f64]) -> Check {
    for (f, &v) in fields.iter().zip(values) {
        number(&format!("{path}.{f}"), v)?;
    }
    let sum: f64 = values.iter().sum();
    if (sum - 1.0).abs() > SUM_TOLERANCE {
        return Err(ConfigError::new(path, format!("shares summing to {sum}"), "shares that sum to 1"));
    }
    Ok(())
}

fn by_band(path: &str, b: &ByBand) -> Check {
    for (f, v) in ByBand::FIELDS.iter().zip(b.to_array()) {
        number(&format!("{path}.{f}"), v)?;
    }
    Ok(())
}

fn by_need(path: &str, b: &ByNeed) -> Check {
    for (f, v) in ByNeed::FIELDS.iter().zip(b.to_array()) {
        number(&format!("{path}.{f}"), v)?;
    }
    Ok(())
}

fn contact(path: &str, c: &ContactRates) -> Check {
    by_band(&format!("{path}.identification"), &c.identification)?;
    by_band(&format!("{path}.referral"), &c.referral)?;
    by_band(&format!("{path}.crisis_care_entry"), &c.crisis_care_entry)
}

fn social_care(path: &str, s: &SocialCareRates) -> Check {
    number(&format!("{path}.close"), s.close)?;
    number(&format!("{path}.step_up"), s.step_up)?;
    number(&format!("{path}.step_down"), s.step_down)?;
    number(&format!("{path}.close_to_early_help"), s.close_to_early_help)?;
    by_band(&format!("{path}.care_entry"), &s.care_entry)
}

/// Check a whole scenario except its policy changes (see `Scenario::policy_timeline`).
pub(super) fn scenario(s: &Scenario) -> Check {
    if s.name.trim().is_empty() {
        return Err(ConfigError::new("name", "\"\"", "a non-empty name"));
    }
    if s.authority.trim().is_empty() {
        return Err(ConfigError::new("authority", "\"\"", "a non-empty authority identifier"));
    }
    population(&s.population)?;
    hazards(&s.hazards)?;
    costs(&s.costs)?;
    policy(&s.policy, "policy")?;
    reported(&s.reported)?;
    match &s.starting_position {
        Some(position) => position.check("starting_position", Some(s)),
        None => Ok(()),
    }
}

fn reported(figures: &[ReportedFigure]) -> Check {
    for (i, figure) in figures.iter().enumerate() {
        let path = format!("reported[{i}]");
        let (value, limit, source) = match figure {
            ReportedFigure::ChildrenInCare { value, source, .. } => (*value, (0.0, 1e7), source),
            ReportedFigure::Savings { value, source, .. } => (*value, (-1e10, 1e10), source),
        };
        if !value.is_finite() || value < limit.0 || value > limit.1 {
            return Err(ConfigError::new(
                format!("{path}.value"),
                value,
                format!("a number from {} to {}", limit.0, limit.1),
            ));
        }
        if source.trim().is_empty() {
            return Err(ConfigError::new(
                format!("{path}.source"),
                "\"\"",
                "where the figure comes from (a reported figure without a source cannot be weighed)",
            ));
        }
    }
    Ok(())
}

fn population(p: &Population) -> Check {
    count("population.under_18", p.under_18)?;
    if p.localities.is_empty() || p.localities.len() > 255 {
        return Err(ConfigError::new(
            "population.localities",
            format!("{} localities", p.localities.len()),
            "between 1 and 255 localities",
        ));
    }
    for (i, l) in p.localities.iter().enumerate() {
        let path = format!("population.localities[{i}]");
        if l.name.trim().is_empty() {
            return Err(ConfigError::new(format!("{path}.name"), "\"\"", "a non-empty name"));
        }
        number(&format!("{path}.population_share"), l.population_share)?;
        shares(&format!("{path}.need"), &ByNeed::FIELDS, &l.need.to_array())?;
    }
    let total: f64 = p.localities.iter().map(|l| l.population_share).sum();
    if (total - 1.0).abs() > SUM_TOLERANCE {
        return Err(ConfigError::new(
            "population.localities[*].population_share",
            format!("shares summing to {total}"),
            "shares that sum to 1",
        ));
    }
    if p.family_size.is_empty() || p.family_size.len() > MAX_FAMILY_SIZE {
        return Err(ConfigError::new(
            "population.family_size",
            format!("{} entries", p.family_size.len()),
            "1 to 10 shares, for families of 1, 2, ... children",
        ));
    }
    let fields: Vec<String> = (0..p.family_size.len()).map(|i| format!("[{i}]")).collect();
    for (f, &v) in fields.iter().zip(&p.family_size) {
        number(&format!("population.family_size{f}"), v)?;
    }
    let sum: f64 = p.family_size.iter().sum();
    if (sum - 1.0).abs() > SUM_TOLERANCE {
        return Err(ConfigError::new(
            "population.family_size",
            format!("shares summing to {sum}"),
            "shares that sum to 1",
        ));
    }
    number("population.sibling_gap_years", p.sibling_gap_years)?;
    number("population.family_birth_rate", p.family_birth_rate)?;
    number("population.move_away_rate", p.move_away_rate)?;
    let i = &p.initial;
    shares("population.initial.looked_after_ages", &ByBand::FIELDS, &i.looked_after_ages.to_array())?;
    number("population.initial.looked_after_mean_months", i.looked_after_mean_months)?;
    number("population.initial.previously_known_share", i.previously_known_share)?;
    let open = u64::from(i.looked_after) + u64::from(i.child_protection) + u64::from(i.child_in_need);
    if open * 2 > u64::from(p.under_18) {
        return Err(ConfigError::new(
            "population.initial",
            format!("{open} children with open social care cases"),
            format!("at most half of population.under_18 ({})", p.under_18),
        ));
    }
    // Every family in early help or waiting has at least one child, and the starting caseload is
    // drawn from the population: more than it holds would be cut down without a word.
    let families = u64::from(i.early_help_families) + u64::from(i.waiting_families);
    if (open + families) * 2 > u64::from(p.under_18) {
        let field =
            if i.early_help_families >= i.waiting_families { "early_help_families" } else { "waiting_families" };
        return Err(ConfigError::new(
            format!("population.initial.{field}"),
            format!(
                "{} families in early help and {} waiting, beside {open} children with open social care cases",
                i.early_help_families, i.waiting_families
            ),
            format!(
                "families and children with open cases together at most half of population.under_18 ({})",
                p.under_18
            ),
        ));
    }
    if let Some(trend) = &p.demand_trend {
        demand_trend(trend)?;
    }
    Ok(())
}

fn demand_trend(trend: &DemandTrend) -> Check {
    registry::check_param("population.demand_trend.growth", &trend.growth)?;
    if trend.kind == DemandTrendKind::Flat && trend.growth != Param::Fixed(0.0) {
        return Err(ConfigError::new(
            "population.demand_trend.growth",
            serde_json::to_string(&trend.growth).unwrap_or_default(),
            "0 with kind = \"flat\" (or kind = \"stated\" for a growth)",
        ));
    }
    Ok(())
}

fn hazards(h: &Hazards) -> Check {
    by_need("hazards.contact_need_multiplier", &h.contact_need_multiplier)?;
    by_need("hazards.escalation_need_multiplier", &h.escalation_need_multiplier)?;
    contact("hazards.not_known", &h.not_known)?;
    contact("hazards.previously_known", &h.previously_known)?;
    number("hazards.recently_closed_multiplier", h.recently_closed_multiplier)?;
    count("hazards.recently_closed_months", h.recently_closed_months)?;
    let a = &h.assessment;
    number("hazards.assessment.child_in_need", a.child_in_need)?;
    number("hazards.assessment.child_protection", a.child_protection)?;
    number("hazards.assessment.early_help", a.early_help)?;
    let sum = a.child_in_need + a.child_protection + a.early_help;
    if sum > 1.0 + SUM_TOLERANCE {
        return Err(ConfigError::new(
            "hazards.assessment",
            format!("outcome probabilities summing to {sum}"),
            "probabilities summing to at most 1 (the rest is no further action)",
        ));
    }
    let e = &h.early_help;
    number("hazards.early_help.step_up_multiplier", e.step_up_multiplier)?;
    number("hazards.early_help.step_up_to_protection", e.step_up_to_protection)?;
    number("hazards.early_help.care_entry_multiplier", e.care_entry_multiplier)?;
    number("hazards.early_help.waiting_dropout", e.waiting_dropout)?;
    social_care("hazards.child_in_need", &h.child_in_need)?;
    social_care("hazards.child_protection", &h.child_protection)?;
    let c = &h.looked_after;
    number("hazards.looked_after.return_home.under_6_months", c.return_home.under_6_months)?;
    number("hazards.looked_after.return_home.months_6_to_24", c.return_home.months_6_to_24)?;
    number("hazards.looked_after.return_home.over_24_months", c.return_home.over_24_months)?;
    number("hazards.looked_after.adoption_under_5", c.adoption_under_5)?;
    count("hazards.looked_after.adoption_min_months", c.adoption_min_months)?;
    number("hazards.looked_after.special_guardianship", c.special_guardianship)?;
    number("hazards.looked_after.other_exit", c.other_exit)?;
    if let Some(exits) = &c.exits {
        exit_table("hazards.looked_after.exits", exits)?;
    }
    registry::check_param("hazards.looked_after.placement_move", &c.placement_move)?;
    shares(
        "hazards.looked_after.return_to",
        &["child_protection", "child_in_need", "known_closed"],
        &[c.return_to.child_protection, c.return_to.child_in_need, c.return_to.known_closed],
    )?;
    registry::check_param("hazards.looked_after.reentry_multiplier", &c.reentry_multiplier)?;
    count("hazards.looked_after.reentry_months", c.reentry_months)?;
    number("hazards.looked_after.care_proceedings_share", c.care_proceedings_share)?;
    if let Some(months) = c.interim_order_months {
        count("hazards.looked_after.interim_order_months", months)?;
    }
    number("hazards.sibling_group_entry", h.sibling_group_entry)?;
    by_band("hazards.abuse_neglect", &h.abuse_neglect)?;
    number("hazards.abuse_neglect_care_multiplier", h.abuse_neglect_care_multiplier)?;
    for (band, scale) in ByBand::FIELDS.iter().zip(h.care_entry_scale.to_array()) {
        registry::check_param(&format!("hazards.care_entry_scale.{band}"), scale)?;
    }
    registry::check_param("hazards.care_entry_trend", &h.care_entry_trend)?;
    if let Some(by_age) = &h.care_entry_by_age {
        if by_age.len() != crate::vocab::AGES {
            return Err(ConfigError::new(
                "hazards.care_entry_by_age",
                format!("{} numbers", by_age.len()),
                "18 numbers, one for each age from 0 to 17 (or leave it out for 1 at every age)",
            ));
        }
        for (age, &v) in by_age.iter().enumerate() {
            number(&format!("hazards.care_entry_by_age[{age}]"), v)?;
        }
    }
    Ok(())
}

/// Check a unit cost: a non-negative amount, charged per one of `pers`.
fn unit_cost(path: &str, c: &UnitCost, pers: &[Per]) -> Check {
    registry::check_param(&format!("{path}.amount"), &c.amount)?;
    if !pers.contains(&c.per) {
        let names: Vec<String> = pers.iter().map(|p| format!("\"{}\"", per_name(*p))).collect();
        return Err(ConfigError::new(format!("{path}.per"), format!("\"{}\"", per_name(c.per)), names.join(" or ")));
    }
    Ok(())
}

fn per_name(p: Per) -> &'static str {
    match p {
        Per::Week => "week",
        Per::Month => "month",
        Per::Year => "year",
        Per::Each => "each",
    }
}

fn costs(c: &Costs) -> Check {
    let stock = [Per::Week, Per::Month, Per::Year];
    let event = [Per::Each];
    number("costs.discount_rate", c.discount_rate)?;
    for (year, rate) in &c.inflation.rates {
        year.parse::<FinancialYear>()
            .map_err(|e| ConfigError::new(format!("costs.inflation.rates.\"{year}\""), year, e))?;
        number(&format!("costs.inflation.rates.\"{year}\""), *rate)?;
    }
    number("costs.inflation.otherwise", c.inflation.otherwise)?;
    let p = &c.placements;
    for (name, u) in [
        ("in_house_foster", &p.in_house_foster),
        ("ifa", &p.ifa),
        ("kinship", &p.kinship),
        ("residential", &p.residential),
        ("with_parents", &p.with_parents),
        ("other", &p.other),
    ] {
        unit_cost(&format!("costs.placements.{name}"), u, &stock)?;
    }
    unit_cost("costs.child_in_need", &c.child_in_need, &stock)?;
    unit_cost("costs.child_protection", &c.child_protection, &stock)?;
    unit_cost("costs.early_help", &c.early_help, &stock)?;
    unit_cost("costs.intensive_support", &c.intensive_support, &stock)?;
    unit_cost("costs.assessment", &c.assessment, &event)?;
    unit_cost("costs.entering_care", &c.entering_care, &event)?;
    unit_cost("costs.care_proceedings", &c.care_proceedings, &event)?;
    unit_cost("costs.care_leaver_support", &c.care_leaver_support, &stock)?;
    count("costs.care_leaver_years", c.care_leaver_years)?;
    for (i, s) in c.services.iter().enumerate() {
        unit_cost(&format!("costs.services[{i}].cost"), &s.cost, &[Per::Month, Per::Year])?;
        if let (Some(from), Some(until)) = (s.from, s.until) {
            if until <= from {
                return Err(ConfigError::new(
                    format!("costs.services[{i}].until"),
                    until,
                    format!("a month after `from` ({from})"),
                ));
            }
        }
    }
    for (i, o) in c.implementation.iter().enumerate() {
        unit_cost(&format!("costs.implementation[{i}].cost"), &o.cost, &event)?;
    }
    let salary = [Per::Month, Per::Year];
    if let Some(post) = &c.posts.early_help {
        unit_cost("costs.posts.early_help", post, &salary)?;
    }
    if let Some(post) = &c.posts.intensive_support {
        unit_cost("costs.posts.intensive_support", post, &salary)?;
    }
    if let Some(sw) = &c.posts.social_work {
        unit_cost("costs.posts.social_work.salary", &sw.salary, &salary)?;
        number("costs.posts.social_work.child_in_need_caseload", sw.child_in_need_caseload)?;
        number("costs.posts.social_work.child_protection_caseload", sw.child_protection_caseload)?;
    }
    Ok(())
}

/// Check that every service the policy timeline gives as posts (`staff`) has the cost of a
/// post in `costs.posts`, naming where the posts were given.
pub(super) fn posts_costed(s: &Scenario, timeline: &[(crate::calendar::YearMonth, Policy)]) -> Check {
    for (month, pol) in timeline {
        for (service, staffed, post) in [
            ("early_help", pol.early_help.staff.is_some(), s.costs.posts.early_help.is_some()),
            ("intensive_support", pol.intensive_support.staff.is_some(), s.costs.posts.intensive_support.is_some()),
        ] {
            if staffed && !post {
                let given = set_by(s, *month, &[service, "staff"]);
                return Err(ConfigError::new(
                    format!("costs.posts.{service}"),
                    "missing",
                    format!(
                        "the salary with on-costs of a full-time post, e.g. {{ amount = 35000, per = \"year\", \
                         price_year = \"2015/16\" }}: {given}.{service}.staff gives {service} as posts from {month}"
                    ),
                ));
            }
        }
    }
    Ok(())
}

/// Check a policy; `path` is where it sits (`policy` or `changes[i].set`).
pub(super) fn policy(p: &Policy, path: &str) -> Check {
    let e = &p.early_help;
    let eh = format!("{path}.early_help");
    count(&format!("{eh}.hubs"), e.hubs)?;
    capacity(&eh, e.places, e.staff.as_ref())?;
    number(&format!("{eh}.over_fives_target"), e.over_fives_target)?;
    number(&format!("{eh}.mean_duration_months"), e.mean_duration_months)?;
    let param = registry::check_param;
    param(&format!("{eh}.effect_on_escalation"), &e.effect_on_escalation)?;
    param(&format!("{eh}.effect_on_care_entry"), &e.effect_on_care_entry)?;
    param(&format!("{eh}.effect_after_closure"), &e.effect_after_closure)?;
    count(&format!("{eh}.effect_after_months"), e.effect_after_months)?;
    let o = &p.outreach;
    let or = format!("{path}.outreach");
    param(&format!("{or}.identification_multiplier"), &o.identification_multiplier)?;
    param(&format!("{or}.over_fives_multiplier"), &o.over_fives_multiplier)?;
    param(&format!("{or}.high_need_multiplier"), &o.high_need_multiplier)?;
    let s = &p.intensive_support;
    let sp = format!("{path}.intensive_support");
    capacity(&sp, s.places, s.staff.as_ref())?;
    count(&format!("{sp}.max_age"), s.max_age)?;
    count(&format!("{sp}.min_age"), s.min_age)?;
    if s.min_age > s.max_age {
        return Err(ConfigError::new(
            format!("{sp}.min_age"),
            s.min_age,
            format!("an age no greater than max_age ({})", s.max_age),
        ));
    }
    number(&format!("{sp}.mean_duration_months"), s.mean_duration_months)?;
    param(&format!("{sp}.effect_on_care_entry"), &s.effect_on_care_entry)?;
    let pl = &p.placements;
    let pp = format!("{path}.placements");
    shares(&format!("{pp}.mix_under_10"), &PlacementMix::FIELDS, &pl.mix_under_10.to_array())?;
    shares(&format!("{pp}.mix_10_plus"), &PlacementMix::FIELDS, &pl.mix_10_plus.to_array())?;
    for (name, evidence) in [("mix_under_10", pl.mix_under_10_evidence), ("mix_10_plus", pl.mix_10_plus_evidence)] {
        if let Some(n) = evidence {
            number(&format!("{pp}.{name}_evidence"), n)?;
        }
    }
    param(&format!("{pp}.reunification_multiplier"), &pl.reunification_multiplier)?;
    param(&format!("{pp}.reentry_multiplier"), &pl.reentry_multiplier)?;
    if let Some(m) = &pl.step_down_multiplier {
        param(&format!("{pp}.step_down_multiplier"), m)?;
    }
    if let Some(m) = &pl.special_guardianship_multiplier {
        param(&format!("{pp}.special_guardianship_multiplier"), m)?;
    }
    for (name, target) in [
        ("reunification_target", &pl.reunification_target),
        ("step_down_target", &pl.step_down_target),
        ("special_guardianship_target", &pl.special_guardianship_target),
    ] {
        if let Some(target) = target {
            care_target(&format!("{pp}.{name}"), target)?;
        }
    }
    Ok(())
}

/// Check a service's capacity at `path`: exactly one of `places` and `staff`, each in range,
/// and the places the staff give at most what `places` may be.
fn capacity(path: &str, places: Option<u32>, staff: Option<&Staff>) -> Check {
    let one_of = "one of them: `places` (costed per family) or `staff = { posts, caseload }` (costed as posts, \
                  the places following from them)";
    match (places, staff) {
        (Some(_), Some(_)) => Err(ConfigError::new(format!("{path}.places and {path}.staff"), "both given", one_of)),
        (None, None) => {
            Err(ConfigError::new(format!("{path}.places"), "missing", format!("{one_of}; 0 places for no service")))
        }
        (Some(places), None) => count(&format!("{path}.places"), places),
        (None, Some(staff)) => {
            number(&format!("{path}.staff.posts"), staff.posts)?;
            number(&format!("{path}.staff.caseload"), staff.caseload)?;
            let places = staff.posts * staff.caseload;
            let most = 1_000_000.0;
            if places > most {
                return Err(ConfigError::new(
                    format!("{path}.staff"),
                    format!("{} posts x a caseload of {} = {places} places", staff.posts, staff.caseload),
                    "posts x caseload of at most 1,000,000 places",
                ));
            }
            Ok(())
        }
    }
}

/// Check a care lever's target: lists not empty, months in range, the end after the start.
fn care_target(path: &str, t: &CareTarget) -> Check {
    if t.placements.as_ref().is_some_and(Vec::is_empty) {
        return Err(ConfigError::new(
            format!("{path}.placements"),
            "[]",
            format!("at least one of: {} (or leave it out for all)", Placement::LABELS.join(", ")),
        ));
    }
    if t.legal_statuses.as_ref().is_some_and(Vec::is_empty) {
        return Err(ConfigError::new(
            format!("{path}.legal_statuses"),
            "[]",
            format!("at least one of: {} (or leave it out for all)", LegalStatus::LABELS.join(", ")),
        ));
    }
    let min = t.min_months_in_care.unwrap_or(0);
    count(&format!("{path}.min_months_in_care"), min)?;
    if let Some(max) = t.max_months_in_care {
        count(&format!("{path}.max_months_in_care"), max)?;
        if max <= min {
            return Err(ConfigError::new(
                format!("{path}.max_months_in_care"),
                max,
                format!("a number of months above min_months_in_care ({min})"),
            ));
        }
    }
    Ok(())
}

/// Check the combined monthly hazards of contact in every policy period: a contact rate times
/// the largest need multiplier, the outreach multipliers (identification) and the
/// recently-closed multiplier (previously known families) must be at most
/// [`MAX_MONTHLY_HAZARD`]. Distributions count at their central value; the engine caps a draw
/// that goes higher. The error names the rate and every multiplier above 1 in the product.
pub(super) fn combined(s: &Scenario, timeline: &[(crate::calendar::YearMonth, Policy)]) -> Check {
    let h = &s.hazards;
    let need = h.contact_need_multiplier.to_array();
    let need_path = |n: usize| format!("hazards.contact_need_multiplier.{}", ByNeed::FIELDS[n]);
    let routes = |r: &ContactRates| {
        [("identification", r.identification), ("referral", r.referral), ("crisis_care_entry", r.crisis_care_entry)]
    };
    for (month, pol) in timeline {
        let o = &pol.outreach;
        for (pool, rates) in [("not_known", &h.not_known), ("previously_known", &h.previously_known)] {
            for (route, band_rates) in routes(rates) {
                for (b, (field, r)) in ByBand::FIELDS.iter().zip(band_rates.to_array()).enumerate() {
                    for n in 0..3 {
                        let mut factors = vec![(format!("hazards.{pool}.{route}.{field}"), r), (need_path(n), need[n])];
                        if pool == "previously_known" {
                            factors.push(("hazards.recently_closed_multiplier".into(), h.recently_closed_multiplier));
                        }
                        if route == "crisis_care_entry" {
                            let scale = h.care_entry_scale.to_array()[b].central();
                            factors.push((format!("hazards.care_entry_scale.{field}"), scale));
                            // The largest factor by single year of age within the band.
                            let band = crate::vocab::AgeBand::ALL[b];
                            let ages = (band.start_month() / 12) as usize..(band.end_month() / 12) as usize;
                            let largest = h.care_entry_by_age.as_ref().and_then(|by_age| {
                                ages.filter_map(|a| by_age.get(a).map(|&v| (a, v))).max_by(|x, y| x.1.total_cmp(&y.1))
                            });
                            if let Some((age, v)) = largest {
                                factors.push((format!("hazards.care_entry_by_age[{age}]"), v));
                            }
                        }
                        if route == "identification" {
                            let out = |name: &str, p: &super::param::Param| {
                                (format!("{}.outreach.{name}", set_by(s, *month, &["outreach", name])), p.central())
                            };
                            factors.push(out("identification_multiplier", &o.identification_multiplier));
                            if crate::vocab::AgeBand::ALL[b].five_plus() {
                                factors.push(out("over_fives_multiplier", &o.over_fives_multiplier));
                            }
                            if n == 2 {
                                factors.push(out("high_need_multiplier", &o.high_need_multiplier));
                            }
                        }
                        let monthly = factors.iter().map(|(_, v)| *v).product::<f64>() / 12.0;
                        if monthly > MAX_MONTHLY_HAZARD {
                            let named: Vec<&str> = factors
                                .iter()
                                .enumerate()
                                .filter(|(i, (_, v))| *i == 0 || *v > 1.0)
                                .map(|(_, (p, _))| p.as_str())
                                .collect();
                            return Err(ConfigError::new(
                                named.join(" x "),
                                format!("a combined hazard of {monthly:.4} a month"),
                                format!("a rate times its multipliers of at most {MAX_MONTHLY_HAZARD} a month"),
                            ));
                        }
                    }
                }
            }
        }
    }
    Ok(())
}

/// Where the policy field at `key` in force from `month` was set: the last change up to then
/// that sets it (`changes[i].set`), or the starting `policy`.
pub(super) fn set_by(s: &Scenario, month: crate::calendar::YearMonth, key: &[&str]) -> String {
    let sets = |set: &serde_json::Map<String, serde_json::Value>| {
        let mut value = set.get(key[0]);
        for k in &key[1..] {
            value = value.and_then(|v| v.get(k));
        }
        value.is_some()
    };
    match s.changes.iter().enumerate().rev().find(|(_, c)| c.from <= month && sets(&c.set)) {
        Some((i, _)) => format!("changes[{i}].set"),
        None => "policy".to_string(),
    }
}

/// The largest scenario text read, in bytes (10 MB): the presets are about 15 KB, and a parser
/// given hundreds of megabytes sizes buffers from them.
pub const MAX_SCENARIO_BYTES: u64 = 10_000_000;

/// Refuse scenario text of `len` bytes from `source_name` if it is over [`MAX_SCENARIO_BYTES`].
pub(super) fn text_size(len: u64, source_name: &str) -> crate::error::Result<()> {
    if len <= MAX_SCENARIO_BYTES {
        return Ok(());
    }
    Err(crate::error::CarecastError::parse(
        source_name,
        format!(
            "{source_name} is {}; a scenario may be at most {}",
            crate::engine::format_bytes(len),
            crate::engine::format_bytes(MAX_SCENARIO_BYTES)
        ),
    ))
}

/// Read the scenario file at `path`, refusing one over [`MAX_SCENARIO_BYTES`] before reading it
/// (and, for files whose size is not known in advance, once that much has been read).
pub(super) fn read_scenario_file(path: &std::path::Path) -> crate::error::Result<String> {
    use std::io::Read;
    let name = path.display().to_string();
    let io = |source| crate::error::CarecastError::Io { path: name.clone(), source };
    let file = std::fs::File::open(path).map_err(io)?;
    text_size(file.metadata().map_err(io)?.len(), &name)?;
    let mut text = String::new();
    file.take(MAX_SCENARIO_BYTES + 1).read_to_string(&mut text).map_err(io)?;
    if text.len() as u64 > MAX_SCENARIO_BYTES {
        // A device or pipe, whose size is known only by reading it.
        return Err(crate::error::CarecastError::parse(
            &name,
            format!(
                "{name} holds more than {}, the most a scenario may be",
                crate::engine::format_bytes(MAX_SCENARIO_BYTES)
            ),
        ));
    }
    Ok(text)
}
