//! The levers of a programme: what a scenario changes against its baseline, cut into steps that
//! can be switched on one at a time, for a waterfall from the baseline to the full programme.
//!
//! A lever is one dated policy change of the scenario, or the changes sharing a `lever` name,
//! with the running and one-off costs that go with them; levers come in the scenario's order
//! (of their first change). A scenario differs from its baseline only in its policy changes and
//! its services and one-offs: anything else that differs is refused, since no lever could carry
//! it.
//!
//! Costs go with a lever by name (`costs.services[i].lever`, `costs.implementation[i].lever`);
//! a cost without one goes with the lever whose change starts in its month (a service's `from`,
//! or its `until` if the baseline's differs; a one-off's `month`) when exactly one does. The
//! rest (costs matching no change or several, and baseline services or one-offs the scenario
//! drops) is one last step, [`UNTIED_COSTS`].

use super::sample::{sample_remapped, sample_without_changes};
use super::{PolicyChange, Scenario};
use crate::calendar::YearMonth;
use crate::error::{CarecastError, ConfigError, Result};
use serde_json::Value;
use std::collections::BTreeSet;

/// The name of the step holding the costs not tied to any lever (always the last step).
pub const UNTIED_COSTS: &str = "costs not tied to a lever";

/// One lever of a scenario against its baseline: positions in the scenario's lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lever {
    /// Its name: the changes' `lever`, else the change's note (with its month if two notes are
    /// alike, or `change from YYYY-MM` without one); [`UNTIED_COSTS`] for the last step of
    /// costs that go with no lever.
    pub name: String,
    /// The first month of its first change (`None` for [`UNTIED_COSTS`]).
    pub from: Option<YearMonth>,
    /// Its policy changes (positions in `changes`).
    pub changes: Vec<usize>,
    /// Its services, new or changed from the baseline's (positions in `costs.services`).
    pub services: Vec<usize>,
    /// Its one-off costs (positions in `costs.implementation`).
    pub one_offs: Vec<usize>,
    /// Baseline services the scenario no longer has (positions in the baseline's
    /// `costs.services`; only in [`UNTIED_COSTS`]).
    pub dropped_services: Vec<usize>,
    /// Baseline one-offs the scenario no longer has (positions in the baseline's
    /// `costs.implementation`; only in [`UNTIED_COSTS`]).
    pub dropped_one_offs: Vec<usize>,
}

impl Lever {
    fn new(name: String, from: Option<YearMonth>) -> Lever {
        Lever {
            name,
            from,
            changes: vec![],
            services: vec![],
            one_offs: vec![],
            dropped_services: vec![],
            dropped_one_offs: vec![],
        }
    }

    fn is_empty(&self) -> bool {
        self.changes.is_empty()
            && self.services.is_empty()
            && self.one_offs.is_empty()
            && self.dropped_services.is_empty()
            && self.dropped_one_offs.is_empty()
    }
}

/// A list item as JSON without its `lever` field: items equal but for the lever are one.
fn without_lever<T: serde::Serialize>(item: &T) -> Value {
    let mut v = serde_json::to_value(item).expect("scenario items serialise");
    if let Value::Object(m) = &mut v {
        m.remove("lever");
    }
    v
}

/// The first path at which `a` and `b` differ (`""` if they are equal).
fn first_difference(a: &Value, b: &Value, path: &str) -> Option<String> {
    let join = |k: &str| if path.is_empty() { k.to_string() } else { format!("{path}.{k}") };
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let keys: BTreeSet<&String> = x.keys().chain(y.keys()).collect();
            keys.into_iter().find_map(|k| match (x.get(k), y.get(k)) {
                (Some(p), Some(q)) => first_difference(p, q, &join(k)),
                _ => Some(join(k)),
            })
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            x.iter().zip(y).enumerate().find_map(|(i, (p, q))| first_difference(p, q, &format!("{path}[{i}]")))
        }
        _ if a == b => None,
        _ => Some(path.to_string()),
    }
}

fn value_at<'a>(v: &'a Value, path: &str) -> Option<&'a Value> {
    let pointer: String = path
        .split('.')
        .flat_map(|part| {
            let mut pieces = part.split('[');
            let key = pieces.next().unwrap_or_default().to_string();
            std::iter::once(key).chain(pieces.map(|i| i.trim_end_matches(']').to_string()))
        })
        .map(|k| format!("/{k}"))
        .collect();
    v.pointer(&pointer)
}

/// What levers do not change: the scenario without its name, description, changes, services,
/// one-offs and reported figures.
fn fixed_part(s: &Scenario) -> Value {
    // A carried sample's columns on the scenario's own changes are part of its levers (a
    // calibrated posterior of their effects), not of the fixed part.
    let mut s = s.clone();
    if let Some(sample) = &s.uncertainty.sample {
        s.uncertainty.sample = sample_without_changes(sample);
    }
    let mut v = s.to_value();
    if let Value::Object(m) = &mut v {
        // Reported figures are what happened under one scenario, not a setting of the model.
        for key in ["name", "description", "changes", "reported"] {
            m.remove(key);
        }
        if let Some(Value::Object(costs)) = m.get_mut("costs") {
            costs.remove("services");
            costs.remove("implementation");
        }
    }
    v
}

/// Positions of `ours` matched one to one with equal items of `theirs` (levers ignored): for
/// each of ours, the position of its match, if any.
fn match_items(ours: &[Value], theirs: &[Value]) -> Vec<Option<usize>> {
    let mut used = vec![false; theirs.len()];
    ours.iter()
        .map(|item| {
            let j = theirs.iter().enumerate().position(|(j, t)| !used[j] && t == item)?;
            used[j] = true;
            Some(j)
        })
        .collect()
}

impl Scenario {
    /// The levers of this scenario against `baseline`, in the scenario's order, the costs not
    /// tied to any lever last (see the module documentation of `levers.rs` in the source and
    /// `docs/finance.md`).
    ///
    /// # Errors
    /// [`CarecastError::Config`] if the two are of different authorities, differ in anything
    /// but their policy changes, services and one-offs, if the baseline has a policy change the
    /// scenario lacks, if the scenario changes nothing, or if a cost names a lever no change has
    /// (the error lists the levers).
    ///
    /// # Examples
    /// ```
    /// use carecast::Scenario;
    /// let base = Scenario::preset("wolverhampton-2015").unwrap();
    /// let redesign = Scenario::preset("wolverhampton-2015-redesign").unwrap();
    /// let names: Vec<String> = redesign.levers(&base).unwrap().into_iter().map(|l| l.name).collect();
    /// assert_eq!(names[0], "Reunification support");
    /// ```
    pub fn levers(&self, baseline: &Scenario) -> Result<Vec<Lever>> {
        if self.authority != baseline.authority {
            return Err(ConfigError::new(
                "authority",
                format!("`{}`", self.authority),
                format!(
                    "`{}`, the baseline's authority: only scenarios of one authority have levers",
                    baseline.authority
                ),
            )
            .into());
        }
        let (ours, theirs) = (fixed_part(self), fixed_part(baseline));
        if let Some(path) = first_difference(&ours, &theirs, "") {
            // A long value (a sample's rows, a table) is cut short: the path says where it is.
            let shown = |v: &Value| {
                let text = value_at(v, &path).map_or("nothing".to_string(), Value::to_string);
                match text.char_indices().nth(200) {
                    Some((at, _)) => format!("{} ...", &text[..at]),
                    None => text,
                }
            };
            return Err(ConfigError::new(
                path.clone(),
                shown(&ours),
                format!(
                    "the baseline's {}: a scenario's levers are its policy changes, services and one-offs, and \
                     everything else must be as in the baseline",
                    shown(&theirs)
                ),
            )
            .into());
        }

        let items = |v: &[PolicyChange]| v.iter().map(without_lever).collect::<Vec<_>>();
        let (our_changes, their_changes) = (items(&self.changes), items(&baseline.changes));
        let baseline_changes = match_items(&their_changes, &our_changes);
        if let Some(i) = baseline_changes.iter().position(Option::is_none) {
            let c = &baseline.changes[i];
            return Err(ConfigError::new(
                format!("changes (the baseline's changes[{i}])"),
                format!("the change from {} `{}`", c.from, c.note),
                "a scenario that keeps every policy change of its baseline and adds its own",
            )
            .into());
        }
        let common: BTreeSet<usize> = baseline_changes.into_iter().flatten().collect();

        let mut levers: Vec<Lever> = Vec::new();
        for (i, change) in self.changes.iter().enumerate().filter(|(i, _)| !common.contains(i)) {
            let name = match &change.lever {
                Some(name) if name.trim().is_empty() => {
                    return Err(
                        ConfigError::new(format!("changes[{i}].lever"), "\"\"", "a name, or leave it out").into()
                    );
                }
                Some(name) => name.clone(),
                None => self.unnamed_lever(i, &levers),
            };
            match levers.iter_mut().find(|l| l.name == name) {
                Some(lever) => lever.changes.push(i),
                None => {
                    let mut lever = Lever::new(name, Some(change.from));
                    lever.changes.push(i);
                    levers.push(lever);
                }
            }
        }

        let mut untied = Lever::new(UNTIED_COSTS.to_string(), None);
        // Services: the same name and the same settings as a baseline service are common.
        for (i, service) in self.costs.services.iter().enumerate() {
            let theirs = baseline.costs.services.iter().find(|b| b.name == service.name);
            if theirs.is_some_and(|b| without_lever(b) == without_lever(service)) {
                continue;
            }
            let mut months = vec![service.from];
            if theirs.is_none_or(|b| b.until != service.until) {
                months.push(service.until);
            }
            let at = self.tie(&levers, service.lever.as_deref(), &months, &format!("costs.services[{i}].lever"))?;
            match at {
                Some(l) => levers[l].services.push(i),
                None => untied.services.push(i),
            }
        }
        for (j, service) in baseline.costs.services.iter().enumerate() {
            if !self.costs.services.iter().any(|s| s.name == service.name) {
                untied.dropped_services.push(j);
            }
        }
        let (our_one_offs, their_one_offs) = (
            self.costs.implementation.iter().map(without_lever).collect::<Vec<_>>(),
            baseline.costs.implementation.iter().map(without_lever).collect::<Vec<_>>(),
        );
        let matched = match_items(&our_one_offs, &their_one_offs);
        for (i, one_off) in self.costs.implementation.iter().enumerate() {
            if matched[i].is_some() {
                continue;
            }
            let path = format!("costs.implementation[{i}].lever");
            match self.tie(&levers, one_off.lever.as_deref(), &[Some(one_off.month)], &path)? {
                Some(l) => levers[l].one_offs.push(i),
                None => untied.one_offs.push(i),
            }
        }
        let kept: BTreeSet<usize> = matched.into_iter().flatten().collect();
        untied.dropped_one_offs = (0..baseline.costs.implementation.len()).filter(|j| !kept.contains(j)).collect();

        if !untied.is_empty() {
            levers.push(untied);
        }
        if levers.is_empty() {
            return Err(ConfigError::new(
                "changes",
                format!("`{}`, the same as the baseline `{}`", self.name, baseline.name),
                "a scenario with at least one policy change, service or one-off of its own",
            )
            .into());
        }
        Ok(levers)
    }

    /// The name of the lever of change `i`, which has no `lever` of its own: its note, with its
    /// month if another lever already has that name.
    fn unnamed_lever(&self, i: usize, levers: &[Lever]) -> String {
        let change = &self.changes[i];
        let note = change.note.trim();
        let taken = |name: &str| {
            levers.iter().any(|l| l.name == name) || self.changes.iter().any(|c| c.lever.as_deref() == Some(name))
        };
        if note.is_empty() {
            format!("change from {}", change.from)
        } else if taken(note) {
            format!("{note} (from {})", change.from)
        } else {
            note.to_string()
        }
    }

    /// The lever a cost goes with: the one it names (an error if none has that name), else the
    /// one whose changes start in one of `months`, if exactly one does.
    fn tie(
        &self,
        levers: &[Lever],
        named: Option<&str>,
        months: &[Option<YearMonth>],
        path: &str,
    ) -> Result<Option<usize>> {
        if let Some(name) = named {
            return match levers.iter().position(|l| l.name == name) {
                Some(l) => Ok(Some(l)),
                None => Err(unknown_lever(path, name, levers)),
            };
        }
        let starts_then =
            |l: &Lever| l.changes.iter().any(|&c| months.iter().flatten().any(|m| *m == self.changes[c].from));
        let mut found = levers.iter().enumerate().filter(|(_, l)| starts_then(l)).map(|(i, _)| i);
        Ok(match (found.next(), found.next()) {
            (Some(l), None) => Some(l),
            _ => None,
        })
    }

    /// The baseline with the levers named in `names` of this scenario (see
    /// [`Scenario::levers`]) and only those: their policy changes, services and one-offs, the
    /// baseline's where a lever left out changed them. With every lever it is this scenario
    /// (named differently); with none, the baseline's settings, its services in this scenario's
    /// order. It is named `<baseline> + <levers>`.
    ///
    /// # Errors
    /// As [`Scenario::levers`]; [`CarecastError::Config`] for a name that is not one of the
    /// levers (the error lists them).
    ///
    /// # Examples
    /// ```
    /// use carecast::Scenario;
    /// let base = Scenario::preset("wolverhampton-2015").unwrap();
    /// let redesign = Scenario::preset("wolverhampton-2015-redesign").unwrap();
    /// let one = redesign.with_levers(&base, &["Specialist Intensive Support Service"]).unwrap();
    /// assert_eq!(one.changes.len(), 1);
    /// ```
    pub fn with_levers(&self, baseline: &Scenario, names: &[&str]) -> Result<Scenario> {
        let levers = self.levers(baseline)?;
        let mut chosen: Vec<&Lever> = Vec::new();
        for (k, name) in names.iter().enumerate() {
            match levers.iter().find(|l| l.name == *name) {
                Some(l) => chosen.push(l),
                None => return Err(unknown_lever(&format!("levers[{k}]"), name, &levers)),
            }
        }
        let of_lever = |pick: fn(&Lever) -> &Vec<usize>| -> (BTreeSet<usize>, BTreeSet<usize>) {
            let all = levers.iter().flat_map(|l| pick(l).iter().copied()).collect();
            let on = chosen.iter().flat_map(|l| pick(l).iter().copied()).collect();
            (all, on)
        };
        let (lever_changes, changes_on) = of_lever(|l| &l.changes);
        let (lever_services, services_on) = of_lever(|l| &l.services);
        let (lever_one_offs, one_offs_on) = of_lever(|l| &l.one_offs);
        let (_, dropped_services_on) = of_lever(|l| &l.dropped_services);
        let (_, dropped_one_offs_on) = of_lever(|l| &l.dropped_one_offs);
        let keep = |i: &usize, all: &BTreeSet<usize>, on: &BTreeSet<usize>| !all.contains(i) || on.contains(i);

        let mut out = self.clone();
        let kept_changes: Vec<usize> =
            (0..self.changes.len()).filter(|i| keep(i, &lever_changes, &changes_on)).collect();
        out.changes = kept_changes.iter().map(|&i| self.changes[i].clone()).collect();
        // A carried sample follows its changes: a left-out change's columns go, the others are
        // renumbered with their change.
        if let Some(sample) = &self.uncertainty.sample {
            out.uncertainty.sample = sample_remapped(sample, |i| kept_changes.iter().position(|&k| k == i));
        }
        out.costs.services = self
            .costs
            .services
            .iter()
            .enumerate()
            .filter_map(|(i, s)| {
                if keep(&i, &lever_services, &services_on) {
                    return Some(s.clone());
                }
                // A lever left out: the baseline's version of a service it changed, if any.
                baseline.costs.services.iter().find(|b| b.name == s.name).cloned()
            })
            .collect();
        // Baseline services and one-offs the scenario drops stay unless their step is chosen.
        out.costs.services.extend(
            baseline
                .costs
                .services
                .iter()
                .enumerate()
                .filter(|(j, b)| {
                    !dropped_services_on.contains(j) && !self.costs.services.iter().any(|s| s.name == b.name)
                })
                .map(|(_, b)| b.clone()),
        );
        let mut one_offs: Vec<_> = (0..self.costs.implementation.len())
            .filter(|i| keep(i, &lever_one_offs, &one_offs_on))
            .map(|i| self.costs.implementation[i].clone())
            .collect();
        let untied = levers.iter().find(|l| l.name == UNTIED_COSTS);
        for j in untied.map(|l| l.dropped_one_offs.as_slice()).unwrap_or_default() {
            if !dropped_one_offs_on.contains(j) {
                one_offs.push(baseline.costs.implementation[*j].clone());
            }
        }
        out.costs.implementation = one_offs;
        // What was reported happened under the whole programme, not under part of it.
        if chosen.len() < levers.len() {
            out.reported = baseline.reported.clone();
        }
        out.name =
            if names.is_empty() { baseline.name.clone() } else { format!("{} + {}", baseline.name, names.join(" + ")) };
        out.description = format!("{} with the levers of {}: {}", baseline.name, self.name, names.join("; "));
        out.validate()?;
        Ok(out)
    }
}

fn unknown_lever(path: &str, name: &str, levers: &[Lever]) -> CarecastError {
    let names: Vec<String> =
        levers.iter().filter(|l| l.name != UNTIED_COSTS).map(|l| format!("`{}`", l.name)).collect();
    let mut allowed = format!("one of the scenario's levers: {}", names.join(", "));
    if levers.iter().any(|l| l.name == UNTIED_COSTS) && !path.contains("lever") {
        allowed.push_str(&format!(", `{UNTIED_COSTS}`"));
    }
    ConfigError::new(path, format!("`{name}`"), allowed).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn presets() -> (Scenario, Scenario) {
        (Scenario::preset("wolverhampton-2015").unwrap(), Scenario::preset("wolverhampton-2015-redesign").unwrap())
    }

    #[test]
    fn the_redesign_has_three_named_levers_with_their_costs() {
        let (base, redesign) = presets();
        let levers = redesign.levers(&base).unwrap();
        let names: Vec<&str> = levers.iter().map(|l| l.name.as_str()).collect();
        assert_eq!(
            names,
            ["Reunification support", "Specialist Intensive Support Service", "Strengthening Families Hubs"]
        );
        let service =
            |l: &Lever| l.services.iter().map(|&i| redesign.costs.services[i].name.as_str()).collect::<Vec<_>>();
        assert_eq!(service(&levers[0]), ["Reunification and children in care reduction team"]);
        assert_eq!(service(&levers[2]), ["Early help estate (25 buildings)", "Eight Strengthening Families Hubs"]);
        assert_eq!(levers[2].one_offs.len(), 2, "the programme and the hubs' set-up");
    }

    #[test]
    fn every_lever_is_the_scenario_and_none_is_the_baseline() {
        let (base, redesign) = presets();
        let names: Vec<String> = redesign.levers(&base).unwrap().into_iter().map(|l| l.name).collect();
        let all: Vec<&str> = names.iter().map(String::as_str).collect();
        let full = redesign.with_levers(&base, &all).unwrap();
        assert_eq!((full.changes, full.costs), (redesign.changes.clone(), redesign.costs.clone()));
        assert_eq!(full.reported, redesign.reported, "the whole programme keeps what was reported of it");
        let none = redesign.with_levers(&base, &[]).unwrap();
        assert!(none.changes.is_empty());
        assert!(none.reported.is_empty() && !redesign.reported.is_empty(), "a part of it does not");
        let strip = |s: &Scenario| s.costs.services.iter().map(without_lever).collect::<Vec<_>>();
        assert_eq!(strip(&none), strip(&base));
        assert!(none.costs.implementation.is_empty());
    }

    #[test]
    fn a_cost_without_a_lever_goes_with_the_change_of_its_month() {
        let (base, redesign) = presets();
        let mut s = redesign.clone();
        for c in &mut s.changes {
            c.lever = None;
        }
        s.costs.services.iter_mut().for_each(|x| x.lever = None);
        s.costs.implementation.iter_mut().for_each(|x| x.lever = None);
        s.costs.implementation[0].month = "2015-11".parse().unwrap(); // no change starts then
        let levers = s.levers(&base).unwrap();
        let names: Vec<&str> = levers.iter().map(|l| l.name.as_str()).collect();
        assert_eq!(names[3], UNTIED_COSTS, "{names:?}");
        assert_eq!(levers[3].one_offs, [0]);
        // The estate closes when the hubs open: its `until` is the hubs' month.
        assert_eq!(levers[2].services.len(), 2);
        assert_eq!(levers[2].one_offs, [1]);
        // Without the untied step the estate stays open and the programme's one-off is not spent.
        let hubs = s.with_levers(&base, &[names[2]]).unwrap();
        assert_eq!(hubs.costs.implementation.len(), 1);
    }

    #[test]
    fn changes_sharing_a_lever_name_are_one_lever() {
        let (base, redesign) = presets();
        let mut s = redesign.clone();
        s.changes[1].lever = Some("Reunification support".into());
        let levers = s.levers(&base).unwrap();
        assert_eq!(levers[0].changes, [0, 1]);
        assert_eq!(levers.len(), 2);
        assert_eq!(s.with_levers(&base, &["Reunification support"]).unwrap().changes.len(), 2);
    }

    #[test]
    fn bad_input_is_refused_with_the_levers_named() {
        let (base, redesign) = presets();
        let e = redesign.with_levers(&base, &["More hubs"]).unwrap_err().to_string();
        assert!(
            e.contains("levers[0]")
                && e.contains("`More hubs`")
                && e.contains("`Specialist Intensive Support Service`"),
            "{e}"
        );
        let mut other = redesign.clone();
        other.authority = "elsewhere".into();
        let e = other.levers(&base).unwrap_err().to_string();
        assert!(e.contains("authority") && e.contains("elsewhere"), "{e}");
        let mut more = redesign.clone();
        more.population.under_18 += 1;
        let e = more.levers(&base).unwrap_err().to_string();
        assert!(e.contains("population.under_18"), "{e}");
        let mut typo = redesign.clone();
        typo.costs.services[1].lever = Some("Hubs".into());
        let e = typo.levers(&base).unwrap_err().to_string();
        assert!(e.contains("costs.services[1].lever") && e.contains("`Hubs`"), "{e}");
        let e = base.levers(&base).unwrap_err().to_string();
        assert!(e.contains("at least one policy change"), "{e}");
    }
}
