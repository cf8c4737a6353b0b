//! The starting position: who is where on the start date, and since when.
//!
//! A [`StartingPosition`] lists the children looked after on the start date (age, placement,
//! legal status, time in care...) and the families with children at home that the engine
//! follows from the start (their case, the children's ages, how long the case has been open),
//! in waiting-list order. It is the only thing the engine reads to place children at the start.
//!
//! It has two producers today:
//!
//! - the **synthetic** one, [`StartingPosition::synthetic`], which draws a position from a
//!   scenario's counts (`population.initial`) for one replication; a run with no position
//!   given draws one per replication this way;
//! - **you**: a position written by hand, built from a council's own data (the SSDA903 return
//!   for children looked after, the CIN census for open cases), or drawn and then edited, given
//!   to a scenario as its [`Scenario::starting_position`](crate::Scenario::starting_position).
//!
//! Any field a producer does not know is an `Option` left empty, and the engine fills it by a
//! rule documented on the field. Fills are drawn per replication from streams of their own, so
//! the same position and seed give the same numbers.
//!
//! ```
//! use carecast::start::{CaseAtHome, ChildInCare, FamilyAtHome, StartingPosition};
//! use carecast::vocab::Placement;
//!
//! let mut position = StartingPosition::default();
//! position.children_in_care.push(ChildInCare::new(9 * 12, Placement::InHouseFoster, 30));
//! position.families_at_home.push(FamilyAtHome::new(CaseAtHome::ChildProtection, vec![40, 100]));
//! position.validate().unwrap();
//!
//! let mut scenario = carecast::Scenario::default_preset();
//! scenario.starting_position = Some(position);
//! scenario.validate().unwrap();
//! ```

use crate::error::ConfigError;
use crate::scenario::Scenario;
use crate::vocab::{LegalStatus, MONTHS_TO_18, NeedKind, NeedLevel, Placement};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};

/// The most months a case or time in care may go back (100 years: any real value is far less).
const MAX_MONTHS_BACK: u32 = 1_200;
/// The most previous periods in care a child may have had.
const MAX_PREVIOUS_EPISODES: u32 = 100;

/// Who is where on the start date: children in care, and families with children at home whose
/// case is open or who wait for early help.
///
/// Children in the position are taken out of the population's aggregate pools (so the
/// population keeps its size); everyone else starts in the pools, as never known or known long
/// ago (`population.initial.previously_known_share`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StartingPosition {
    /// Children looked after on the start date, one entry per child.
    #[serde(default)]
    pub children_in_care: Vec<ChildInCare>,
    /// Families with children at home on the start date, one entry per family: open cases,
    /// families waiting for early help (each locality's waiting list in the order given here),
    /// and brothers and sisters at home of children in care.
    #[serde(default)]
    pub families_at_home: Vec<FamilyAtHome>,
}

/// A child looked after on the start date.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChildInCare {
    /// The child's family (sibling group): children in care and a family at home with the same
    /// key are brothers and sisters, who are one family to the engine (they can go home, and
    /// come into care, together). Unknown: a family of the child alone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub family: Option<String>,
    /// Age in whole months on the start date (0 to 215: under 18).
    pub age_months: u32,
    /// Placement type on the start date.
    pub placement: Placement,
    /// Legal status on the start date: care levers can be targeted by it, and an interim care
    /// order becomes a care order `hazards.looked_after.interim_order_months` after the period
    /// of care began (one month after the start if that is past). Unknown: the children of a
    /// family whose status is unknown came in through care proceedings with the chance
    /// `hazards.looked_after.care_proceedings_share` (one draw per family), and are then on an
    /// interim care order if in care less than `interim_order_months`, else a care order;
    /// otherwise they are accommodated under section 20.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub legal_status: Option<LegalStatus>,
    /// Whether the child is an unaccompanied asylum-seeking child (counted apart in the
    /// results: `uasc_in_care`). Unknown: not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uasc: Option<bool>,
    /// Whole months in care so far in this period of care (at most `age_months`): return home
    /// depends on it.
    pub months_in_care: u32,
    /// Whole months in the current placement (at most `months_in_care`). Carried with the child;
    /// the engine does not use it yet (placement moves do not depend on it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub months_in_placement: Option<u32>,
    /// Earlier periods in care (0 to 100); a child who has been in care before counts as a
    /// re-entry when it comes into care again. Unknown: none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_episodes: Option<u32>,
    /// Whether this period in care began before the child's fifth birthday, which is what makes
    /// adoption possible. Unknown: worked out from `age_months - months_in_care`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entered_under_5: Option<bool>,
    /// Name of the locality the family lives in (one of `population.localities`). Unknown:
    /// drawn, with the need level, from the population of the child's age, weighted towards
    /// higher need as the synthetic producer does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locality: Option<String>,
    /// The family's level of need. Unknown: drawn with the locality (see `locality`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub need: Option<NeedLevel>,
    /// The family's kind of need (the reason for care: in SSDA903 terms, `N1` is abuse or
    /// neglect and every other category is other). Unknown: drawn as for a family coming into
    /// contact, with the probability for the age of the family's first child
    /// (`hazards.abuse_neglect`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub need_kind: Option<NeedKind>,
}

impl ChildInCare {
    /// A child aged `age_months` in `placement` for `months_in_care` months, everything else
    /// unknown.
    pub fn new(age_months: u32, placement: Placement, months_in_care: u32) -> Self {
        ChildInCare {
            family: None,
            age_months,
            placement,
            legal_status: None,
            uasc: None,
            months_in_care,
            months_in_placement: None,
            previous_episodes: None,
            entered_under_5: None,
            locality: None,
            need: None,
            need_kind: None,
        }
    }
}

/// Where the children at home of a family are on the start date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseAtHome {
    /// No open case: brothers and sisters at home of children in care (the family's `family`
    /// key must be that of a child in care), or children who went home from care
    /// (`returned_home`).
    Closed,
    /// Waiting for an early help place.
    Waiting,
    /// Receiving early help.
    EarlyHelp,
    /// On child in need plans.
    ChildInNeed,
    /// On child protection plans.
    ChildProtection,
}

impl CaseAtHome {
    /// Every case, in escalation order.
    pub const ALL: [CaseAtHome; 5] = [
        CaseAtHome::Closed,
        CaseAtHome::Waiting,
        CaseAtHome::EarlyHelp,
        CaseAtHome::ChildInNeed,
        CaseAtHome::ChildProtection,
    ];
    /// Labels, as written in files, in the order of [`CaseAtHome::ALL`].
    pub const LABELS: [&'static str; 5] = ["closed", "waiting", "early_help", "child_in_need", "child_protection"];

    /// The label written in files.
    pub fn label(self) -> &'static str {
        Self::LABELS[self as usize]
    }
}

/// A family with children living at home on the start date.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FamilyAtHome {
    /// The family's key, shared with its children in care if any (see
    /// [`ChildInCare::family`]); at most one family at home per key. Unknown: a family of its
    /// own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub family: Option<String>,
    /// The family's case, which all its children at home share.
    pub case: CaseAtHome,
    /// Ages in whole months on the start date of the children living at home (at least one;
    /// each 0 to 215). The first child listed is the one whose contact brought the family in,
    /// unless the family has children in care, which come first.
    pub children_age_months: Vec<u32>,
    /// Name of the family's locality. Unknown: drawn as for [`ChildInCare::locality`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locality: Option<String>,
    /// The family's level of need. Unknown: drawn with the locality.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub need: Option<NeedLevel>,
    /// The family's kind of need. Unknown: drawn as for [`ChildInCare::need_kind`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub need_kind: Option<NeedKind>,
    /// Whole months since the case opened (for `waiting`, since the family joined the waiting
    /// list; for `closed`, since the case closed); at most 1,200. Unknown: drawn uniformly
    /// between 0 and twice the synthetic producer's mean for the case (child protection 8
    /// months, child in need 9, early help 6, waiting 2); for `closed`, 0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub months_open: Option<u32>,
    /// The children at home who went home from care, at most one entry per child (the others
    /// have not been in care, or it is not known). For `hazards.looked_after.reentry_months`
    /// after that return, the child's care entry from an open case is multiplied by
    /// `reentry_multiplier`, as for a child who goes home during the run, and a return to care
    /// counts as a re-entry. A family of such children alone may have a `closed` case.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub returned_home: Vec<ReturnedHome>,
}

impl FamilyAtHome {
    /// A family with `case` and children at home aged `children_age_months`, everything else
    /// unknown.
    pub fn new(case: CaseAtHome, children_age_months: Vec<u32>) -> Self {
        FamilyAtHome {
            family: None,
            case,
            children_age_months,
            locality: None,
            need: None,
            need_kind: None,
            months_open: None,
            returned_home: Vec::new(),
        }
    }
}

/// A child at home on the start date who went home from care before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReturnedHome {
    /// Which child: its position in the family's `children_age_months` (from 0).
    pub child: u32,
    /// Whole months since the child last left care to go home (at most its age).
    pub months_since: u32,
    /// The child's periods in care so far (1 to 100). Unknown: 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_episodes: Option<u32>,
}

impl ReturnedHome {
    /// Child `child` of a family, gone home from care `months_since` months before the start
    /// after one period in care.
    pub fn new(child: u32, months_since: u32) -> Self {
        ReturnedHome { child, months_since, previous_episodes: None }
    }
}

/// One family as the engine forms it from a position: its children in care (in the order
/// listed), then its children at home.
#[derive(Debug, Clone)]
pub(crate) struct StartFamily<'a> {
    pub(crate) care: Vec<&'a ChildInCare>,
    pub(crate) home: Option<&'a FamilyAtHome>,
    /// The group (locality x need level) and whether the need is abuse or neglect, for a family
    /// the engine drew itself (whose children do not say).
    pub(crate) drawn: Option<(usize, bool)>,
}

impl<'a> StartFamily<'a> {
    /// The first value any member gives (validation makes them agree).
    fn first<T>(
        &self,
        of_child: impl Fn(&'a ChildInCare) -> Option<T>,
        of_home: impl Fn(&'a FamilyAtHome) -> Option<T>,
    ) -> Option<T> {
        self.care.iter().find_map(|&c| of_child(c)).or_else(|| self.home.and_then(of_home))
    }

    pub(crate) fn locality(&self) -> Option<&'a str> {
        self.first(|c| c.locality.as_deref(), |h| h.locality.as_deref())
    }

    pub(crate) fn need(&self) -> Option<NeedLevel> {
        self.first(|c| c.need, |h| h.need)
    }

    pub(crate) fn need_kind(&self) -> Option<NeedKind> {
        self.first(|c| c.need_kind, |h| h.need_kind)
    }

    /// Ages in months of every child, in the family's order.
    pub(crate) fn ages(&self) -> impl Iterator<Item = u32> + '_ {
        self.care
            .iter()
            .map(|c| c.age_months)
            .chain(self.home.iter().flat_map(|h| h.children_age_months.iter().copied()))
    }
}

impl StartingPosition {
    /// How many children the position holds, in care and at home.
    pub fn children(&self) -> usize {
        self.children_in_care.len() + self.families_at_home.iter().map(|f| f.children_age_months.len()).sum::<usize>()
    }

    /// The families the engine forms, in the order it forms them: by first appearance of
    /// their key, children in care first, then families at home.
    pub(crate) fn families(&self) -> Vec<StartFamily<'_>> {
        fn family_of<'s>(
            key: Option<&'s str>,
            families: &mut Vec<StartFamily<'s>>,
            by_key: &mut HashMap<&'s str, usize>,
        ) -> usize {
            if let Some(&i) = key.and_then(|k| by_key.get(k)) {
                return i;
            }
            families.push(StartFamily { care: Vec::new(), home: None, drawn: None });
            if let Some(k) = key {
                by_key.insert(k, families.len() - 1);
            }
            families.len() - 1
        }
        let mut families = Vec::new();
        let mut by_key = HashMap::new();
        for child in &self.children_in_care {
            let i = family_of(child.family.as_deref(), &mut families, &mut by_key);
            families[i].care.push(child);
        }
        for home in &self.families_at_home {
            let i = family_of(home.family.as_deref(), &mut families, &mut by_key);
            families[i].home = Some(home);
        }
        families
    }

    /// Check every value on its own (ages, times, keys, families that agree with themselves).
    /// [`StartingPosition::validate_for`] also checks it against a scenario.
    ///
    /// # Errors
    /// The first invalid value, as a [`ConfigError`] with its path (such as
    /// `children_in_care[3].months_in_care`), the value and what is allowed.
    pub fn validate(&self) -> Result<(), ConfigError> {
        self.check("", None)
    }

    /// [`StartingPosition::validate`], and check the position fits `scenario`: localities it
    /// has, and at most half its population (`population.under_18`) in the position.
    ///
    /// # Errors
    /// As [`StartingPosition::validate`].
    pub fn validate_for(&self, scenario: &Scenario) -> Result<(), ConfigError> {
        self.check("", Some(scenario))
    }

    /// The checks, with `prefix` before every path (`starting_position` inside a scenario).
    pub(crate) fn check(&self, prefix: &str, scenario: Option<&Scenario>) -> Result<(), ConfigError> {
        let path = |rest: String| if prefix.is_empty() { rest } else { format!("{prefix}.{rest}") };
        let localities: Option<Vec<&str>> =
            scenario.map(|s| s.population.localities.iter().map(|l| l.name.as_str()).collect());
        let check_locality = |at: String, name: &Option<String>| -> Result<(), ConfigError> {
            match (name, &localities) {
                (Some(n), Some(names)) if !names.contains(&n.as_str()) => Err(ConfigError::new(
                    at,
                    format!("\"{n}\""),
                    format!("the name of one of the scenario's localities: {}", names.join(", ")),
                )),
                _ => Ok(()),
            }
        };
        let check_key = |at: String, key: &Option<String>| -> Result<(), ConfigError> {
            match key {
                Some(k) if k.trim().is_empty() => {
                    Err(ConfigError::new(at, format!("\"{k}\""), "a non-empty family key, or none"))
                }
                _ => Ok(()),
            }
        };
        let check_age = |at: String, age: u32| -> Result<(), ConfigError> {
            if age < MONTHS_TO_18 as u32 {
                Ok(())
            } else {
                Err(ConfigError::new(at, age, "an age in whole months from 0 to 215 (under 18)"))
            }
        };
        for (i, c) in self.children_in_care.iter().enumerate() {
            let at = |field: &str| path(format!("children_in_care[{i}].{field}"));
            check_key(at("family"), &c.family)?;
            check_age(at("age_months"), c.age_months)?;
            if c.months_in_care > c.age_months {
                return Err(ConfigError::new(
                    at("months_in_care"),
                    c.months_in_care,
                    format!("at most the child's age_months ({})", c.age_months),
                ));
            }
            if let Some(months) = c.months_in_placement.filter(|&m| m > c.months_in_care) {
                return Err(ConfigError::new(
                    at("months_in_placement"),
                    months,
                    format!("at most the child's months_in_care ({})", c.months_in_care),
                ));
            }
            if let Some(n) = c.previous_episodes.filter(|&n| n > MAX_PREVIOUS_EPISODES) {
                return Err(ConfigError::new(at("previous_episodes"), n, "a whole number from 0 to 100"));
            }
            check_locality(at("locality"), &c.locality)?;
        }
        let keys_in_care: HashSet<&str> = self.children_in_care.iter().filter_map(|c| c.family.as_deref()).collect();
        let mut keys_at_home: HashMap<&str, usize> = HashMap::new();
        for (i, f) in self.families_at_home.iter().enumerate() {
            let at = |field: &str| path(format!("families_at_home[{i}].{field}"));
            check_key(at("family"), &f.family)?;
            if f.children_age_months.is_empty() {
                return Err(ConfigError::new(
                    at("children_age_months"),
                    "[]",
                    "the ages of the one or more children at home",
                ));
            }
            for (j, &age) in f.children_age_months.iter().enumerate() {
                check_age(at(&format!("children_age_months[{j}]")), age)?;
            }
            let mut seen_children = HashSet::new();
            for (j, r) in f.returned_home.iter().enumerate() {
                let at_r = |field: &str| at(&format!("returned_home[{j}].{field}"));
                let children = f.children_age_months.len();
                let Some(&age) = f.children_age_months.get(r.child as usize) else {
                    return Err(ConfigError::new(
                        at_r("child"),
                        r.child,
                        format!("the position of a child in children_age_months (0 to {})", children - 1),
                    ));
                };
                if !seen_children.insert(r.child) {
                    return Err(ConfigError::new(
                        at_r("child"),
                        r.child,
                        "a child no other entry of returned_home names",
                    ));
                }
                if r.months_since > age {
                    return Err(ConfigError::new(
                        at_r("months_since"),
                        r.months_since,
                        format!("at most the child's age in months ({age})"),
                    ));
                }
                if let Some(n) = r.previous_episodes.filter(|&n| n == 0 || n > MAX_PREVIOUS_EPISODES) {
                    return Err(ConfigError::new(
                        at_r("previous_episodes"),
                        n,
                        "a whole number from 1 to 100 (the child has been in care)",
                    ));
                }
            }
            if let Some(months) = f.months_open.filter(|&m| m > MAX_MONTHS_BACK) {
                return Err(ConfigError::new(at("months_open"), months, "a number of months from 0 to 1,200"));
            }
            check_locality(at("locality"), &f.locality)?;
            if let Some(key) = f.family.as_deref() {
                if let Some(first) = keys_at_home.insert(key, i) {
                    return Err(ConfigError::new(
                        at("family"),
                        format!("\"{key}\""),
                        format!("a key no other family at home has (families_at_home[{first}] has it)"),
                    ));
                }
            }
            if f.case == CaseAtHome::Closed
                && f.returned_home.is_empty()
                && !f.family.as_deref().is_some_and(|k| keys_in_care.contains(k))
            {
                return Err(ConfigError::new(
                    at("case"),
                    "\"closed\"",
                    "waiting, early_help, child_in_need or child_protection; closed only for brothers and sisters \
                     of a child in care (a family key shared with children_in_care) or children who went home from \
                     care (returned_home)",
                ));
            }
        }
        self.check_families_agree(&path)?;
        if let Some(s) = scenario {
            let children = self.children() as u64;
            if children * 2 > u64::from(s.population.under_18) {
                return Err(ConfigError::new(
                    if prefix.is_empty() { "children_in_care".to_string() } else { prefix.to_string() },
                    format!("{children} children in care and at home"),
                    format!("at most half of population.under_18 ({})", s.population.under_18),
                ));
            }
        }
        Ok(())
    }

    /// Members of one family (by key) give the same locality, need and kind of need, where
    /// they give one.
    fn check_families_agree(&self, path: &dyn Fn(String) -> String) -> Result<(), ConfigError> {
        // The first member to give each family value, as (path, value).
        let mut seen: HashMap<(String, &'static str), (String, String)> = HashMap::new();
        let mut agree = |key: &Option<String>, at: String, field: &'static str, value: Option<String>| {
            let (Some(key), Some(value)) = (key.as_deref(), value) else { return Ok(()) };
            match seen.get(&(key.to_string(), field)) {
                Some((first, v)) if *v != value => Err(ConfigError::new(
                    format!("{at}.{field}"),
                    &value,
                    format!("{v}, as {first} of the same family (\"{key}\") gives"),
                )),
                Some(_) => Ok(()),
                None => {
                    seen.insert((key.to_string(), field), (at, value));
                    Ok(())
                }
            }
        };
        let label = |v: Option<&str>| v.map(|s| format!("\"{s}\""));
        for (i, c) in self.children_in_care.iter().enumerate() {
            let at = path(format!("children_in_care[{i}]"));
            agree(&c.family, at.clone(), "locality", label(c.locality.as_deref()))?;
            agree(&c.family, at.clone(), "need", label(c.need.map(NeedLevel::label)))?;
            agree(&c.family, at, "need_kind", label(c.need_kind.map(NeedKind::label)))?;
        }
        for (i, f) in self.families_at_home.iter().enumerate() {
            let at = path(format!("families_at_home[{i}]"));
            agree(&f.family, at.clone(), "locality", label(f.locality.as_deref()))?;
            agree(&f.family, at.clone(), "need", label(f.need.map(NeedLevel::label)))?;
            agree(&f.family, at, "need_kind", label(f.need_kind.map(NeedKind::label)))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn child(family: &str, age: u32) -> ChildInCare {
        ChildInCare { family: Some(family.into()), ..ChildInCare::new(age, Placement::Ifa, 0) }
    }

    #[test]
    fn families_form_by_key_in_order_of_first_appearance() {
        let p = StartingPosition {
            children_in_care: vec![
                child("a", 100),
                child("b", 50),
                ChildInCare::new(20, Placement::Kinship, 1),
                child("a", 90),
            ],
            families_at_home: vec![
                FamilyAtHome { family: Some("b".into()), ..FamilyAtHome::new(CaseAtHome::Closed, vec![10]) },
                FamilyAtHome::new(CaseAtHome::Waiting, vec![30, 60]),
            ],
        };
        let families = p.families();
        let ages: Vec<Vec<u32>> = families.iter().map(|f| f.ages().collect()).collect();
        assert_eq!(ages, vec![vec![100, 90], vec![50, 10], vec![20], vec![30, 60]]);
        assert_eq!(p.children(), 7);
        p.validate().unwrap();
    }

    #[test]
    fn invalid_values_name_their_field() {
        let mut p = StartingPosition::default();
        p.children_in_care.push(ChildInCare::new(216, Placement::Ifa, 0));
        let e = p.validate().unwrap_err();
        assert_eq!((e.path.as_str(), e.value.as_str()), ("children_in_care[0].age_months", "216"));

        p.children_in_care[0] = ChildInCare::new(40, Placement::Ifa, 41);
        let e = p.validate().unwrap_err();
        assert_eq!(e.path, "children_in_care[0].months_in_care");
        assert!(e.allowed.contains("age_months (40)"), "{e}");

        p.children_in_care[0] = ChildInCare { months_in_placement: Some(9), ..ChildInCare::new(40, Placement::Ifa, 8) };
        assert_eq!(p.validate().unwrap_err().path, "children_in_care[0].months_in_placement");

        p.children_in_care = vec![
            ChildInCare { locality: Some("north".into()), ..child("x", 40) },
            ChildInCare { locality: Some("south".into()), ..child("x", 60) },
        ];
        let e = p.validate().unwrap_err();
        assert_eq!(e.path, "children_in_care[1].locality");
        assert!(e.allowed.contains("children_in_care[0]"), "{e}");

        p.children_in_care.clear();
        p.families_at_home = vec![FamilyAtHome::new(CaseAtHome::Closed, vec![12])];
        assert_eq!(p.validate().unwrap_err().path, "families_at_home[0].case");
        p.families_at_home = vec![FamilyAtHome::new(CaseAtHome::EarlyHelp, vec![])];
        assert_eq!(p.validate().unwrap_err().path, "families_at_home[0].children_age_months");
    }

    #[test]
    fn children_gone_home_from_care_are_checked_child_by_child() {
        let gone_home = |returned_home: Vec<ReturnedHome>| StartingPosition {
            children_in_care: Vec::new(),
            families_at_home: vec![FamilyAtHome {
                returned_home,
                ..FamilyAtHome::new(CaseAtHome::Closed, vec![30, 100])
            }],
        };
        // A closed case of its own is allowed for a family with a child gone home from care.
        gone_home(vec![ReturnedHome::new(1, 5)]).validate().unwrap();
        assert_eq!(gone_home(vec![]).validate().unwrap_err().path, "families_at_home[0].case");

        let e = gone_home(vec![ReturnedHome::new(2, 5)]).validate().unwrap_err();
        assert_eq!(e.path, "families_at_home[0].returned_home[0].child");
        assert!(e.allowed.contains("0 to 1"), "{e}");
        let e = gone_home(vec![ReturnedHome::new(1, 5), ReturnedHome::new(1, 6)]).validate().unwrap_err();
        assert_eq!(e.path, "families_at_home[0].returned_home[1].child");
        let e = gone_home(vec![ReturnedHome::new(0, 31)]).validate().unwrap_err();
        assert_eq!((e.path.as_str(), e.value.as_str()), ("families_at_home[0].returned_home[0].months_since", "31"));
        for n in [0, 101] {
            let e = gone_home(vec![ReturnedHome { previous_episodes: Some(n), ..ReturnedHome::new(0, 3) }])
                .validate()
                .unwrap_err();
            assert_eq!(e.path, "families_at_home[0].returned_home[0].previous_episodes");
        }
    }
}
