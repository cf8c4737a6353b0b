//! The starting position: filling the population pools, drawing a [`StartingPosition`] from the
//! scenario's counts (the synthetic producer), and placing a position's children in the world.
//!
//! The world reads only the position to place children. The synthetic producer works on its
//! own copy of the pools, making the same draws in the same order as when the world drew its
//! caseload directly, and the world then takes the same children out of its pools, so a run
//! from the synthetic position of replication `r` is a run of the scenario as it always was.

use super::population::{abuse_neglect_for, draw_family, form_family};
use super::*;
use crate::start::{CaseAtHome, ChildInCare, FamilyAtHome, StartFamily, StartingPosition};
use crate::vocab::{LegalStatus, NeedKind, NeedLevel};

/// The key of the `k`th family of the starting position (its own stream, as for a contact).
fn family_key(k: u64) -> u64 {
    rng::key(&[0xFFFF, k])
}

/// The power on the need multiplier when drawing where a starting family lives: families with
/// children in care or on child protection plans lean further towards high need.
fn need_strength(in_care: bool, case: Option<CaseAtHome>) -> f64 {
    if in_care || case == Some(CaseAtHome::ChildProtection) { 2.0 } else { 1.0 }
}

/// Fill the never-known and known-long-ago pools as they stand on the start date, before the
/// starting position is taken out of them.
fn fill_pools(m: &Model, not_known: &mut CohortTable, known: &mut CohortTable) {
    let init = &m.scenario.population.initial;
    let total = f64::from(m.scenario.population.under_18);
    let cohorts = MONTHS_TO_18 as usize;
    for l in 0..m.localities {
        // Children known before the start came into contact at rates that rise with need, so
        // the known share of each need level is proportional to its contact multiplier
        // (capped at all of them), averaging `previously_known_share` over the locality.
        let mean_contact: f64 = (0..3).map(|n| m.locality_need[l][n] * m.contact_need[n]).sum();
        for n in 0..3 {
            let g = l * 3 + n;
            let known_share = if mean_contact > 0.0 {
                (init.previously_known_share * m.contact_need[n] / mean_contact).min(1.0)
            } else {
                init.previously_known_share
            };
            let per_cohort = total * m.locality_share[l] * m.locality_need[l][n] / cohorts as f64;
            let (mut carry, mut carry_known) = (0.0, 0.0);
            for k in 0..cohorts {
                let birth = -(k as i32);
                carry += per_cohort;
                let count = carry.floor();
                carry -= count;
                carry_known += count * known_share;
                let known_count = carry_known.floor().min(count);
                carry_known -= known_count;
                known.add(g, birth, known_count as u32, 0);
                not_known.add(g, birth, (count - known_count) as u32, 0);
            }
        }
    }
}

impl StartingPosition {
    /// Draw the starting position of replication `replication` of a run seeded `seed` from the
    /// scenario's counts (`population.initial`): what a run of `model` starts from when its
    /// scenario gives no starting position.
    ///
    /// - Children looked after come in families: an age band from `looked_after_ages`, a
    ///   locality and need level weighted by the known-before population of that band times the
    ///   square of the need's escalation multiplier, a family formed as for a contact; its
    ///   first child comes into care, and its brothers and sisters too with probability
    ///   `hazards.sibling_group_entry`, until there are `looked_after`. Time in care is
    ///   exponential with mean `looked_after_mean_months` (at most the child's age), and the
    ///   placement is drawn from the policy's mix for the age at entry. Brothers and sisters
    ///   left at home are a family at home with a `closed` case.
    /// - Then families on child protection plans, on child in need plans, in early help and
    ///   waiting, until the counts are reached (plans count children, early help and waiting
    ///   count families): an age band weighted by referral and identification, a locality and
    ///   need level as above (the need's multiplier squared for child protection, not squared
    ///   for the others), and months open uniform up to twice 8, 9, 6 and 2 months.
    ///
    /// Every field is filled except `legal_status`, `uasc` and `months_in_placement`, which the
    /// counts do not give. The same arguments always give the same position.
    ///
    /// # Examples
    /// ```
    /// let model = carecast::Model::new(&carecast::Scenario::default_preset()).unwrap();
    /// let position = carecast::StartingPosition::synthetic(&model, 42, 0);
    /// let initial = &model.scenario.population.initial;
    /// assert_eq!(position.children_in_care.len(), initial.looked_after as usize);
    /// ```
    pub fn synthetic(model: &Model, seed: u64, replication: u64) -> StartingPosition {
        let (periods, _) = model.resolve_periods(seed, replication);
        let groups = model.localities * 3;
        let mut pools = (CohortTable::new(groups, 0), CohortTable::new(groups, 0));
        fill_pools(model, &mut pools.0, &mut pools.1);
        let mut drawn = Vec::new();
        synthetic(model, seed, replication, &periods[0].1, pools, &mut || false, &mut |family| drawn.push(family))
            .expect("never stopped");
        position_of(model, drawn)
    }
}

/// A family of the synthetic position as drawn: its group and kind of need, and its children
/// (in care, then at home) with the fields that say so left empty. The world places each as it
/// is drawn; [`StartingPosition::synthetic`] keeps them and fills the fields in
/// (`position_of`). Without the text of keys and locality names, and placed one by one, the
/// world's start holds one family at a time (at England's size the whole position was about
/// 120 MB).
pub(super) struct DrawnFamily {
    group: usize,
    abuse_neglect: bool,
    care: Vec<ChildInCare>,
    home: Option<FamilyAtHome>,
}

/// The position of drawn families: each one's key (its place in the order drawn), locality,
/// need level and kind of need written on its children and its family at home.
fn position_of(m: &Model, drawn: Vec<DrawnFamily>) -> StartingPosition {
    let mut position = StartingPosition::default();
    for (k, family) in drawn.into_iter().enumerate() {
        let key = k.to_string();
        let g = family.group;
        let locality = Some(m.locality_names[g / 3].clone());
        let need = Some(NeedLevel::ALL[g % 3]);
        let need_kind = Some(if family.abuse_neglect { NeedKind::AbuseNeglect } else { NeedKind::Other });
        for child in family.care {
            position.children_in_care.push(ChildInCare {
                family: Some(key.clone()),
                locality: locality.clone(),
                need,
                need_kind,
                ..child
            });
        }
        if let Some(home) = family.home {
            position.families_at_home.push(FamilyAtHome { family: Some(key), locality, need, need_kind, ..home });
        }
    }
    position
}

/// The synthetic producer, drawing from `(not_known, known)`, the pools as [`fill_pools`]
/// leaves them, handing each family to `sink` as it is drawn, and giving up (`None`) once
/// `stop()` says so (it is asked every so often); `pol` is the policy in force at the start.
pub(super) fn synthetic(
    m: &Model,
    seed: u64,
    rep: u64,
    pol: &PeriodPolicy,
    (mut not_known, mut known): (CohortTable, CohortTable),
    stop: &mut dyn FnMut() -> bool,
    sink: &mut dyn FnMut(DrawnFamily),
) -> Option<()> {
    let init = &m.scenario.population.initial;
    let mut rng = rng::stream(seed, rep, Purpose::Initial, 0, 0);
    // Where each family lives: groups weighted by the known-before children of the band, kept
    // up to date as families are drawn, so a draw costs O(log groups), not O(groups).
    let mut picker = GroupPicker::new(m, &known);
    let mut work = 0u32;
    let mut should_stop = || {
        work += 1;
        work % STOP_CHECK_EVERY == 0 && stop()
    };
    // Children looked after, in sibling groups.
    let ages = init.looked_after_ages.to_array();
    let mut placed = 0u32;
    let mut k = 0u64;
    while placed < init.looked_after {
        if should_stop() {
            return None;
        }
        let band = rng::categorical(&mut rng, &ages);
        let Some((g, births, abuse_neglect)) =
            draw_initial_family(m, &mut not_known, &mut known, &mut rng, band, 2.0, seed, rep, k, &mut picker)
        else {
            break;
        };
        k += 1;
        let together = chance(&mut rng, m.sibling_group_entry);
        let mut care = Vec::new();
        let mut at_home = Vec::new();
        for (i, &birth) in births.iter().enumerate() {
            let age_months = -birth;
            if placed >= init.looked_after || (i > 0 && !together) {
                at_home.push(age_months as u32);
                continue;
            }
            let months_in = (-(init.looked_after_mean_months) * (1.0 - uniform(&mut rng)).ln()) as i32;
            let months_in = months_in.min(age_months);
            let entry_age = age_months - months_in;
            let mix = if entry_age < TEN_YEARS { pol.mix_under_10 } else { pol.mix_10_plus };
            let placement = pick_cumulative(&mix, uniform(&mut rng));
            care.push(ChildInCare {
                family: None,
                age_months: age_months as u32,
                placement: Placement::ALL[placement],
                legal_status: None,
                uasc: None,
                months_in_care: months_in as u32,
                months_in_placement: None,
                previous_episodes: Some(0),
                entered_under_5: Some(entry_age < FIVE_YEARS),
                locality: None,
                need: None,
                need_kind: None,
            });
            placed += 1;
        }
        let home = (!at_home.is_empty()).then(|| FamilyAtHome {
            family: None,
            case: CaseAtHome::Closed,
            children_age_months: at_home,
            locality: None,
            need: None,
            need_kind: None,
            months_open: Some(0),
            returned_home: Vec::new(),
        });
        sink(DrawnFamily { group: g, abuse_neglect, care, home });
    }
    // Open social care cases and early help, counted in children (plans) or families.
    let cases = [
        (CaseAtHome::ChildProtection, init.child_protection, true),
        (CaseAtHome::ChildInNeed, init.child_in_need, true),
        (CaseAtHome::EarlyHelp, init.early_help_families, false),
        (CaseAtHome::Waiting, init.waiting_families, false),
    ];
    for (case, target, count_children) in cases {
        let mut counted = 0u32;
        while counted < target {
            if should_stop() {
                return None;
            }
            let mut band_weights: [f64; AgeBand::COUNT] = std::array::from_fn(|b| {
                picker.band_total(b) as f64 * (m.not_known.referral[b] + m.not_known.identification[b])
            });
            if case == CaseAtHome::EarlyHelp {
                over_fives_as_allocated(m, &mut band_weights);
            }
            let band = rng::categorical(&mut rng, &band_weights);
            let strength = need_strength(false, Some(case));
            let Some((g, births, abuse_neglect)) =
                draw_initial_family(m, &mut not_known, &mut known, &mut rng, band, strength, seed, rep, k, &mut picker)
            else {
                break;
            };
            k += 1;
            let months_open = (uniform(&mut rng) * 2.0 * mean_months_open(case)) as u32;
            counted += if count_children { births.len() as u32 } else { 1 };
            let home = FamilyAtHome {
                family: None,
                case,
                children_age_months: births.iter().map(|&b| (-b) as u32).collect(),
                locality: None,
                need: None,
                need_kind: None,
                months_open: Some(months_open),
                returned_home: Vec::new(),
            };
            sink(DrawnFamily { group: g, abuse_neglect, care: Vec::new(), home: Some(home) });
        }
    }
    Some(())
}

/// Where the policy in force at the start allocates early help by a target share for over-fives,
/// the starting caseload holds that share (the places are full and the rule has been steering
/// them), rather than the share of the families identified: rescales the band weights of the
/// index child so that the bands of five and over carry `over_fives_target` of the total.
fn over_fives_as_allocated(m: &Model, band_weights: &mut [f64; AgeBand::COUNT]) {
    let Some((_, pol)) = m.periods.iter().take_while(|(month, _)| *month <= 0).last() else { return };
    if pol.early_help.allocation != Allocation::OverFivesShare {
        return;
    }
    let five_plus = |b: usize| AgeBand::ALL[b].five_plus();
    let older: f64 = (0..AgeBand::COUNT).filter(|&b| five_plus(b)).map(|b| band_weights[b]).sum();
    let younger: f64 = (0..AgeBand::COUNT).filter(|&b| !five_plus(b)).map(|b| band_weights[b]).sum();
    if older <= 0.0 || younger <= 0.0 {
        return;
    }
    let target = pol.early_help.over_fives_target.clamp(0.0, 1.0);
    for (b, w) in band_weights.iter_mut().enumerate() {
        *w *= if five_plus(b) { target / older } else { (1.0 - target) / younger };
    }
}

/// Mean months a case has been open on the start date, in the synthetic producer (and for
/// filling an unknown `months_open`).
fn mean_months_open(case: CaseAtHome) -> f64 {
    match case {
        CaseAtHome::ChildProtection => 8.0,
        CaseAtHome::ChildInNeed => 9.0,
        CaseAtHome::EarlyHelp => 6.0,
        CaseAtHome::Waiting => 2.0,
        CaseAtHome::Closed => 0.0,
    }
}

/// Draw a family for the synthetic starting position out of the pools: a locality and need
/// level weighted towards need (`strength` is the power on the need multiplier), an index child
/// in `band` (known before, where the band has any), brothers and sisters as for a contact.
/// Returns the group, the birth months (index first) and whether the need is abuse or neglect.
#[allow(clippy::too_many_arguments)]
fn draw_initial_family(
    m: &Model,
    not_known: &mut CohortTable,
    known: &mut CohortTable,
    rng: &mut Stream,
    band: usize,
    strength: f64,
    seed: u64,
    rep: u64,
    k: u64,
    picker: &mut GroupPicker,
) -> Option<(usize, Births, bool)> {
    picker.lean(m, strength);
    let g = picker.draw(rng, band);
    let (table, birth) = match known.pick_in_band(g, band, 0, uniform(rng)) {
        Some(b) => (&mut *known, b),
        None => {
            let birth = not_known.pick_in_band(g, band, 0, uniform(rng))?;
            (not_known, birth)
        }
    };
    let mut family_rng = rng::stream(seed, rep, Purpose::Family, family_key(k), 0);
    let (births, abuse_neglect) = form_family(m, table, g, birth, 0, &mut family_rng);
    picker.update(known, g);
    Some((g, births, abuse_neglect))
}

/// The groups' weights for drawing where a starting family lives: for each age band, the
/// children of that band known before in each group times the need's escalation multiplier to
/// a power, in a sum tree (a node holds the sum of its two children), so that a draw and an
/// update cost O(log groups) where a scan of every group cost O(groups).
///
/// A draw gives the group [`rng::categorical`] gives over the same weights, spending the same
/// uniform: the sums are added in another order, so the two could part only for a uniform
/// within rounding (about 1e-16 of the total) of a boundary between groups. A node is always
/// recomputed from its children, never adjusted by differences, so a group with no children
/// weighs exactly zero and is never drawn.
struct GroupPicker {
    groups: usize,
    /// Leaves in each tree: the groups, rounded up to a power of two.
    width: usize,
    /// Per band, the tree: node 1 is the root, node `i` has children `2i` and `2i + 1`, and
    /// group `g` is leaf `width + g`.
    trees: [Vec<f64>; AgeBand::COUNT],
    /// Known-before children by group and band, as the trees hold them.
    counts: Vec<u64>,
    /// Known-before children per band over every group (exact, for the bands' own weights).
    band_totals: [u64; AgeBand::COUNT],
    /// The power on the need multiplier the trees hold (NaN before the first `lean`).
    strength: f64,
    /// The multiplier to that power, by need level.
    leaning: [f64; 3],
}

impl GroupPicker {
    fn new(m: &Model, known: &CohortTable) -> Self {
        let groups = m.localities * 3;
        let width = groups.next_power_of_two();
        let counts: Vec<u64> =
            (0..groups * AgeBand::COUNT).map(|i| known.band_total(i / AgeBand::COUNT, i % AgeBand::COUNT)).collect();
        let band_totals = std::array::from_fn(|b| (0..groups).map(|g| counts[g * AgeBand::COUNT + b]).sum());
        let trees = std::array::from_fn(|_| vec![0.0; 2 * width]);
        GroupPicker { groups, width, trees, counts, band_totals, strength: f64::NAN, leaning: [0.0; 3] }
    }

    /// Known-before children in band `b`, every group together.
    fn band_total(&self, b: usize) -> u64 {
        self.band_totals[b]
    }

    /// Hold the weights for the power `strength` on the need multipliers (rebuilt only when it
    /// changes: the families of one kind are drawn one after another).
    fn lean(&mut self, m: &Model, strength: f64) {
        if strength == self.strength {
            return;
        }
        self.strength = strength;
        // Three powers, not one per group and family.
        self.leaning = m.escalation_need.map(|e| e.powf(strength));
        for (b, tree) in self.trees.iter_mut().enumerate() {
            for g in 0..self.groups {
                tree[self.width + g] = self.counts[g * AgeBand::COUNT + b] as f64 * self.leaning[g % 3];
            }
            for i in (1..self.width).rev() {
                tree[i] = tree[2 * i] + tree[2 * i + 1];
            }
        }
    }

    /// Group `g`'s known-before children may have changed: its leaves and their sums again.
    fn update(&mut self, known: &CohortTable, g: usize) {
        for (b, tree) in self.trees.iter_mut().enumerate() {
            let count = known.band_total(g, b);
            let old = std::mem::replace(&mut self.counts[g * AgeBand::COUNT + b], count);
            if old == count {
                continue;
            }
            self.band_totals[b] = self.band_totals[b] - old + count;
            let leaf = self.width + g;
            tree[leaf] = count as f64 * self.leaning[g % 3];
            let mut i = leaf / 2;
            while i >= 1 {
                tree[i] = tree[2 * i] + tree[2 * i + 1];
                i /= 2;
            }
        }
    }

    /// A group drawn in proportion to the weights of band `band`, as [`rng::categorical`]
    /// draws: 0 with no uniform spent if every weight is zero.
    fn draw(&self, rng: &mut Stream, band: usize) -> usize {
        let tree = &self.trees[band];
        let total = tree[1];
        if total <= 0.0 {
            return 0;
        }
        let mut target = uniform(rng) * total;
        let mut i = 1;
        while i < self.width {
            let left = tree[2 * i];
            if target < left || tree[2 * i + 1] <= 0.0 {
                i *= 2;
            } else {
                target -= left;
                i = 2 * i + 1;
            }
        }
        i - self.width
    }
}

impl World<'_> {
    /// Fill the pools and place the starting position: the scenario's, or one drawn from its
    /// counts for this replication.
    pub(super) fn initialise(&mut self) {
        let m = self.m;
        fill_pools(m, &mut self.not_known, &mut self.known);
        // Locality names sorted once, for a binary search rather than a scan for every family.
        let mut localities: Vec<(&str, usize)> =
            m.locality_names.iter().enumerate().map(|(l, name)| (name.as_str(), l)).collect();
        localities.sort_unstable();
        if let Some(given) = &m.scenario.starting_position {
            for (k, family) in given.families().iter().enumerate() {
                self.place_family(family, k as u64, &localities);
            }
            return self.placed();
        }
        let stop = self.stop;
        let mut stop_now = || stop.is_some_and(|s| s.load(Ordering::Relaxed));
        let periods = Rc::clone(&self.periods);
        let pools = (self.not_known.clone(), self.known.clone());
        let (seed, rep) = (self.seed, self.rep);
        // Placed as drawn, in the order drawn: the order a position's families form in (every
        // family of children looked after has one in care, so none is formed later by its key).
        let mut k = 0;
        let mut place = |drawn: DrawnFamily| {
            let family = StartFamily {
                care: drawn.care.iter().collect(),
                home: drawn.home.as_ref(),
                drawn: Some((drawn.group, drawn.abuse_neglect)),
            };
            self.place_family(&family, k, &localities);
            k += 1;
        };
        if synthetic(m, seed, rep, &periods[0].1, pools, &mut stop_now, &mut place).is_none() {
            self.stopped = true;
        }
        self.placed();
    }

    /// Take the `k`th family of the position out of the pools and place it (the families in
    /// the position's order, then [`World::placed`]).
    fn place_family(&mut self, family: &StartFamily<'_>, k: u64, localities: &[(&str, usize)]) {
        if self.stopped || self.should_stop() {
            return;
        }
        let f = self.materialise_start(family, k, localities);
        let kids = self.families[f as usize].children.to_vec();
        let proceedings = self.start_proceedings(family, k);
        for (&c, child) in kids.iter().zip(&family.care) {
            self.place_start_child(f, c, child, proceedings);
        }
        if let Some(home) = family.home {
            for gone in &home.returned_home {
                let c = kids[family.care.len() + gone.child as usize];
                let child = &mut self.children[c as usize];
                child.care_episodes = gone.previous_episodes.unwrap_or(1).min(u32::from(u8::MAX)) as u8;
                child.returned_at = -(gone.months_since as i32);
            }
            self.open_start_case(f, home, k);
        }
        self.activate(f);
    }

    /// Every family of the position placed: draw everyone's first events from month 0.
    fn placed(&mut self) {
        if self.stopped {
            return;
        }
        self.active.append(&mut self.newly_active);
        // Everyone's first events are drawn from month 0.
        for i in 0..self.active.len() {
            let f = self.active[i];
            self.refresh(f, 0);
        }
        self.out.initial_lac = self.children.iter().filter(|c| c.status == Status::Care).count() as u32;
    }

    /// Make the `k`th family of the starting position, every child at home with no open case:
    /// its stream as for a contact (spending the same draws that shape one), its locality and
    /// need as given or drawn, its children taken out of the pools.
    fn materialise_start(&mut self, family: &StartFamily<'_>, k: u64, localities: &[(&str, usize)]) -> u32 {
        let m = self.m;
        let mut rng = rng::stream(self.seed, self.rep, Purpose::Family, family_key(k), 0);
        let draws = draw_family(m, &mut rng);
        let births: Vec<i32> = family.ages().map(|a| -(a as i32)).collect();
        // The first locality of that name, as a scan would find (validation keeps names apart).
        let locality = family.locality().and_then(|name| {
            let first = localities.partition_point(|&(n, _)| n < name);
            localities.get(first).filter(|&&(n, _)| n == name).map(|&(_, l)| l)
        });
        let need = family.need().map(NeedLevel::index);
        let g = match (family.drawn, locality, need) {
            (Some((g, _)), _, _) => g,
            (None, Some(l), Some(n)) => l * 3 + n,
            _ => {
                let strength = need_strength(!family.care.is_empty(), family.home.map(|h| h.case));
                self.draw_start_group(births[0], strength, locality, need, k)
            }
        };
        self.take_from_pools(g, &births);
        let abuse_neglect = match (family.drawn, family.need_kind()) {
            (Some((_, abuse_neglect)), _) => abuse_neglect,
            (None, Some(kind)) => kind == NeedKind::AbuseNeglect,
            (None, None) => abuse_neglect_for(m, births[0], 0, draws.kind),
        };
        self.push_family(rng, g, &births, abuse_neglect)
    }

    /// Where a starting family lives and its need level, where the position does not say: among
    /// the groups that fit what it does say, weighted by the children of the first child's
    /// age band in the pools times the need's escalation multiplier to the power `strength`.
    fn draw_start_group(
        &self,
        first_birth: i32,
        strength: f64,
        locality: Option<usize>,
        need: Option<usize>,
        k: u64,
    ) -> usize {
        let m = self.m;
        let band = AgeBand::of_months(-first_birth).index();
        let fits = |g: usize| locality.is_none_or(|l| g / 3 == l) && need.is_none_or(|n| g % 3 == n);
        // A locality given: its three groups only (the others weigh nothing).
        let groups = locality.map_or(0..m.localities * 3, |l| l * 3..l * 3 + 3);
        let mut weights: Vec<f64> = groups
            .clone()
            .map(|g| {
                let children = self.known.band_total(g, band) + self.not_known.band_total(g, band);
                if fits(g) { children as f64 * m.escalation_need[g % 3].powf(strength) } else { 0.0 }
            })
            .collect();
        if weights.iter().all(|&w| w <= 0.0) {
            // No child of that age where the family fits: by population share alone.
            weights = groups
                .clone()
                .map(|g| if fits(g) { m.locality_share[g / 3] * m.locality_need[g / 3][g % 3] + 1e-12 } else { 0.0 })
                .collect();
        }
        let mut rng = rng::stream(self.seed, self.rep, Purpose::Initial, 1, k);
        groups.start + rng::categorical(&mut rng, &weights)
    }

    /// Take a starting family's children (group `g`, born in `births`) out of the pools, so the
    /// population keeps its size: the first from the known-long-ago pool if it has a child of
    /// that birth month, else the never-known pool; the others from the first one's pool where
    /// it has one, else the other. A birth month neither pool has gives up the child of the
    /// nearest birth month in the group instead; an empty group gives up nobody.
    fn take_from_pools(&mut self, g: usize, births: &[i32]) {
        let mut first_known: Option<bool> = None;
        for &birth in births {
            let order = if first_known == Some(false) { [false, true] } else { [true, false] };
            let mut taken = None;
            for known in order {
                let table = if known { &mut self.known } else { &mut self.not_known };
                if table.remove(g, birth, 0) {
                    taken = Some(known);
                    break;
                }
            }
            if taken.is_none() {
                for known in order {
                    let table = if known { &mut self.known } else { &mut self.not_known };
                    if let Some(b) = table.nearest(g, birth, 0, MONTHS_TO_18) {
                        table.remove(g, b, 0);
                        taken = Some(known);
                        break;
                    }
                }
            }
            if first_known.is_none() {
                first_known = taken;
            }
        }
    }

    /// Whether the children in care of the `k`th starting family whose legal status is not
    /// given came into care through care proceedings: one draw per family, with the chance
    /// `hazards.looked_after.care_proceedings_share`, from a stream of its own (so a position
    /// that gives every legal status draws nothing).
    fn start_proceedings(&self, family: &StartFamily<'_>, k: u64) -> bool {
        if family.care.iter().all(|child| child.legal_status.is_some()) {
            return false;
        }
        let mut rng = rng::stream(self.seed, self.rep, Purpose::Initial, 3, k);
        chance(&mut rng, self.m.care_proceedings_share)
    }

    /// Child `c` of family `f` is in care on the start date, as `child` says. A legal status
    /// not given is a care order if the family came in through `proceedings` (an interim care
    /// order if the child has been in care less than `interim_order_months`), else section 20.
    fn place_start_child(&mut self, f: u32, c: u32, child: &ChildInCare, proceedings: bool) {
        let placement = child.placement.index();
        self.retable(f, c, Some(SLOT_CLOSED), Some(SLOT_CARE + placement));
        let age_months = child.age_months as i32;
        let months_in = child.months_in_care as i32;
        self.set_status(c, Status::Care);
        let state = &mut self.children[c as usize];
        state.care_since = -months_in;
        state.entered_under_5 = child.entered_under_5.unwrap_or(age_months - months_in < FIVE_YEARS);
        state.placement = placement as u8;
        state.care_episodes = (child.previous_episodes.unwrap_or(0) + 1).min(u32::from(u8::MAX)) as u8;
        state.uasc = child.uasc.unwrap_or(false);
        let interim = self.m.interim_order_months;
        let legal_status = child.legal_status.unwrap_or(match (proceedings, months_in < interim) {
            (false, _) => LegalStatus::Section20,
            (true, true) => LegalStatus::InterimCareOrder,
            (true, false) => LegalStatus::CareOrder,
        });
        // An interim order already older than `interim_order_months` lasts one more month.
        self.start_legal_status(c, legal_status, (interim - months_in).max(1));
        self.schedule_care(f, c, 0);
    }

    /// Open the case of the children at home of family `f` (the `k`th), as `home` says.
    fn open_start_case(&mut self, f: u32, home: &FamilyAtHome, k: u64) {
        let case = match home.case {
            CaseAtHome::Closed => Case::Closed,
            CaseAtHome::Waiting => Case::Waiting,
            CaseAtHome::EarlyHelp => Case::EarlyHelp,
            CaseAtHome::ChildInNeed => Case::ChildInNeed,
            CaseAtHome::ChildProtection => Case::ChildProtection,
        };
        let months_open = match home.months_open {
            Some(months) => months as i32,
            None => {
                let mut rng = rng::stream(self.seed, self.rep, Purpose::Initial, 2, k);
                (uniform(&mut rng) * 2.0 * mean_months_open(home.case)) as i32
            }
        };
        match case {
            Case::Closed => {}
            Case::Waiting => self.join_waiting(f),
            Case::EarlyHelp => self.start_early_help(f),
            other => self.set_case(f, other),
        }
        let since = -months_open;
        let fam = &mut self.families[f as usize];
        fam.case_since = since;
        if case == Case::Waiting {
            fam.queue_since = since;
            if let Some(back) = self.queues[fam.locality as usize].back_mut() {
                back.1 = since;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Scenario;

    /// The sum tree draws the group a scan of the weights draws, uniform for uniform, also after
    /// groups empty and with groups of no children.
    #[test]
    fn the_group_picker_draws_as_a_scan_of_the_weights() {
        let m = Model::new(&Scenario::default_preset()).unwrap();
        let groups = m.localities * 3;
        let mut not_known = CohortTable::new(groups, 0);
        let mut known = CohortTable::new(groups, 0);
        fill_pools(&m, &mut not_known, &mut known);
        // Empty one group's under-ones, and the whole of another.
        for g in [4, 11] {
            while let Some(birth) = known.pick_in_band(g, 0, 0, 0.5) {
                known.remove(g, birth, 0);
            }
        }
        for band in 1..AgeBand::COUNT {
            while let Some(birth) = known.pick_in_band(11, band, 0, 0.5) {
                known.remove(11, birth, 0);
            }
        }
        let mut picker = GroupPicker::new(&m, &CohortTable::new(groups, 0));
        for g in 0..groups {
            picker.update(&known, g);
        }
        let mut differ = 0;
        for strength in [2.0, 1.0] {
            picker.lean(&m, strength);
            let leaning = m.escalation_need.map(|e| e.powf(strength));
            for band in 0..AgeBand::COUNT {
                let weights: Vec<f64> =
                    (0..groups).map(|g| known.band_total(g, band) as f64 * leaning[g % 3]).collect();
                let total: u64 = (0..groups).map(|g| known.band_total(g, band)).sum();
                assert_eq!(picker.band_total(band), total);
                let mut drawn = vec![0u32; groups];
                for k in 0..2_000 {
                    let mut a = rng::stream(7, k, Purpose::Initial, band as u64, 0);
                    let mut b = a.clone();
                    let g = picker.draw(&mut a, band);
                    differ += u32::from(g != rng::categorical(&mut b, &weights));
                    assert_eq!(uniform(&mut a), uniform(&mut b), "the same uniforms spent");
                    drawn[g] += 1;
                }
                assert!(weights[0] > 0.0 && drawn[0] > 0);
                assert_eq!(drawn[11], 0, "an empty group is never drawn");
                if band == 0 {
                    assert_eq!(drawn[4], 0);
                }
            }
        }
        assert_eq!(differ, 0);
    }
}
