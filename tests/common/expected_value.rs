//! An expected-value projection of a scenario, written from `docs/model.md` ("The monthly
//! recursion") and `docs/scenario.md` alone, not from the engine's code: the expected number of
//! each move in each month.
//!
//! It covers the capacity-free case with families of one child: every family is one child,
//! no births into families (`family_birth_rate = 0`), early help places never bind (every
//! family identified in a month starts that month), no intensive support (`places = 0`), no
//! dated policy changes, no uncertain parameters and no starting caseload (only the
//! `previously_known_share` of the pools). Under those conditions the engine's Monte Carlo mean
//! of every move converges to these numbers; with siblings, capacity or intensive support the
//! families interact and an expected value needs a model of the interaction.
//!
//! The state of a child with an open case, a closed case or a place in care is its birth month,
//! locality and need, its family's kind of need, where it is, and the clocks the docs say its
//! hazards depend on (months since the case changed, since early help closed, since it
//! returned home, in care), each clamped at the length beyond which it makes no difference.
//! Children never known or known before the start are counts by group and birth month.

use carecast::Scenario;
use carecast::vocab::{AgeBand, Move};
use std::collections::HashMap;

/// Expected moves (children) per month: `[month][move index]`.
pub type Flows = Vec<[f64; Move::COUNT]>;

/// Where an explicit child is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Place {
    Closed,
    EarlyHelp,
    ChildInNeed,
    ChildProtection,
    /// In care: whether the placement was last drawn from the mix for ten and over (the
    /// placement type is that mix's draw, and matters only for whether a move changes it), and
    /// whether the child entered under five.
    Care {
        ten_plus_mix: bool,
        under_5: bool,
    },
}

/// Everything about an explicit child (a family of one) but its birth month, with clocks
/// clamped at their caps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Key {
    group: u16,
    abuse_neglect: bool,
    place: Place,
    /// Months since the family's case last changed (`case_since`), capped at `caps.case`.
    case_clock: u16,
    /// Months since early help last closed, capped at `caps.after` (never: the cap).
    eh_clock: u16,
    /// Months since returning home from care, capped at `caps.reentry` (never, or in care: the
    /// cap).
    return_clock: u16,
    /// Months in care (in care only, else 0), capped at `caps.care`.
    care_clock: u16,
}

#[derive(Debug, Clone, Copy)]
struct Caps {
    case: u16,
    after: u16,
    reentry: u16,
    care: u16,
}

/// The scenario's numbers, as monthly hazards.
struct Params {
    groups: usize,
    /// Population share of each locality, and its need mix.
    locality_share: Vec<f64>,
    need_mix: Vec<[f64; 3]>,
    contact_need: [f64; 3],
    escalation_need: [f64; 3],
    /// [pool][route][band]: pool 0 never known, 1 previously known; route 0 identification,
    /// 1 referral, 2 crisis.
    contact: [[[f64; 5]; 3]; 2],
    identification_multiplier: f64,
    over_fives_multiplier: f64,
    high_need_multiplier: f64,
    recently_closed_multiplier: f64,
    recently_closed_months: u16,
    assessment: [f64; 3],
    eh_step_up: f64,
    eh_step_up_to_cp: f64,
    eh_care_entry: f64,
    eh_close: f64,
    eh_effect_escalation: f64,
    eh_effect_care: f64,
    eh_effect_after: f64,
    eh_after_months: u16,
    cin: Social,
    cp: Social,
    return_home: [f64; 3],
    adoption: f64,
    adoption_min_months: u16,
    special_guardianship: f64,
    other_exit: f64,
    placement_move: f64,
    return_to: [f64; 3],
    reentry_factor: f64,
    reentry_months: u16,
    abuse_neglect: [f64; 5],
    abuse_neglect_care: f64,
    move_away: f64,
    mix_under_10: [f64; 6],
    mix_10_plus: [f64; 6],
    under_18: f64,
    previously_known_share: f64,
}

struct Social {
    close: f64,
    step_up: f64,
    step_down: f64,
    close_to_early_help: f64,
    care_entry: [f64; 5],
}

fn monthly(rate_per_year: f64) -> f64 {
    rate_per_year / 12.0
}

fn band(age_months: i32) -> usize {
    AgeBand::of_months(age_months).index()
}

impl Params {
    fn new(s: &Scenario) -> Result<Params, String> {
        let p = &s.population;
        let h = &s.hazards;
        let pol = &s.policy;
        if p.family_size.first().copied() != Some(1.0) {
            return Err("families of one only".into());
        }
        if p.family_birth_rate != 0.0 {
            return Err("no births into families".into());
        }
        if pol.intensive_support.places != 0 {
            return Err("no intensive support".into());
        }
        if !s.changes.is_empty() {
            return Err("no policy changes".into());
        }
        if !s.hazards.care_entry_scale.is_ones() || s.hazards.care_entry_trend != carecast::scenario::Param::Fixed(0.0)
        {
            return Err("no care-entry scale or trend (hazards.care_entry_scale, care_entry_trend)".into());
        }
        if s.hazards.looked_after.exits.is_some() {
            return Err("no exit table (hazards.looked_after.exits): exits by the fields it replaces".into());
        }
        let i = &p.initial;
        if i.looked_after + i.child_protection + i.child_in_need + i.early_help_families + i.waiting_families > 0 {
            return Err("no starting caseload".into());
        }
        let params = [
            &pol.early_help.effect_on_escalation,
            &pol.early_help.effect_on_care_entry,
            &pol.early_help.effect_after_closure,
            &pol.outreach.identification_multiplier,
            &pol.outreach.over_fives_multiplier,
            &pol.outreach.high_need_multiplier,
            &pol.placements.reunification_multiplier,
            &pol.placements.reentry_multiplier,
        ];
        if params.iter().any(|x| x.is_uncertain()) {
            return Err("no uncertain parameters".into());
        }
        let bands = |b: &carecast::scenario::ByBand| b.to_array().map(monthly);
        let rates = |c: &carecast::scenario::ContactRates| {
            [bands(&c.identification), bands(&c.referral), bands(&c.crisis_care_entry)]
        };
        let social = |c: &carecast::scenario::SocialCareRates| Social {
            close: monthly(c.close),
            step_up: monthly(c.step_up),
            step_down: monthly(c.step_down),
            close_to_early_help: c.close_to_early_help,
            care_entry: bands(&c.care_entry),
        };
        let la = &h.looked_after;
        let e = &pol.early_help;
        Ok(Params {
            groups: p.localities.len() * 3,
            locality_share: p.localities.iter().map(|l| l.population_share).collect(),
            need_mix: p.localities.iter().map(|l| l.need.to_array()).collect(),
            contact_need: h.contact_need_multiplier.to_array(),
            escalation_need: h.escalation_need_multiplier.to_array(),
            contact: [rates(&h.not_known), rates(&h.previously_known)],
            identification_multiplier: pol.outreach.identification_multiplier.central(),
            over_fives_multiplier: pol.outreach.over_fives_multiplier.central(),
            high_need_multiplier: pol.outreach.high_need_multiplier.central(),
            recently_closed_multiplier: h.recently_closed_multiplier,
            recently_closed_months: h.recently_closed_months as u16,
            assessment: [h.assessment.child_in_need, h.assessment.child_protection, h.assessment.early_help],
            eh_step_up: h.early_help.step_up_multiplier,
            eh_step_up_to_cp: h.early_help.step_up_to_protection,
            eh_care_entry: h.early_help.care_entry_multiplier,
            // docs/scenario.md, `mean_duration_months`: a monthly chance 1 / (mean - 2) of
            // closing from the third month on.
            eh_close: -(1.0 - 1.0 / (e.mean_duration_months - 2.0)).ln(),
            eh_effect_escalation: e.effect_on_escalation.central(),
            eh_effect_care: e.effect_on_care_entry.central(),
            eh_effect_after: e.effect_after_closure.central(),
            eh_after_months: e.effect_after_months as u16,
            cin: social(&h.child_in_need),
            cp: social(&h.child_protection),
            return_home: [la.return_home.under_6_months, la.return_home.months_6_to_24, la.return_home.over_24_months]
                .map(|r| monthly(r) * pol.placements.reunification_multiplier.central()),
            adoption: monthly(la.adoption_under_5),
            adoption_min_months: la.adoption_min_months as u16,
            special_guardianship: monthly(la.special_guardianship),
            other_exit: monthly(la.other_exit),
            placement_move: monthly(la.placement_move.central()),
            return_to: [la.return_to.child_protection, la.return_to.child_in_need, la.return_to.known_closed],
            reentry_factor: 1.0 + (la.reentry_multiplier.central() - 1.0) * pol.placements.reentry_multiplier.central(),
            reentry_months: la.reentry_months as u16,
            abuse_neglect: h.abuse_neglect.to_array(),
            abuse_neglect_care: h.abuse_neglect_care_multiplier,
            move_away: monthly(p.move_away_rate),
            mix_under_10: pol.placements.mix_under_10.to_array(),
            mix_10_plus: pol.placements.mix_10_plus.to_array(),
            under_18: f64::from(p.under_18),
            previously_known_share: i.previously_known_share,
        })
    }

    fn caps(&self) -> Caps {
        Caps {
            case: self.recently_closed_months.max(3),
            after: self.eh_after_months,
            reentry: self.reentry_months,
            care: self.adoption_min_months.max(24),
        }
    }

    /// Monthly contact hazard of a child in `group` aged `age` months, from pool `pool` by
    /// route `route` (before the recently-closed and after-closure multipliers).
    fn contact_hazard(&self, pool: usize, route: usize, group: usize, age: i32) -> f64 {
        let b = band(age);
        let need = group % 3;
        let mut h = self.contact[pool][route][b];
        if route == 0 {
            h *= self.identification_multiplier;
            if AgeBand::ALL[b].five_plus() {
                h *= self.over_fives_multiplier;
            }
            if need == 2 {
                h *= self.high_need_multiplier;
            }
        }
        (h * self.contact_need[need]).min(carecast::scenario::MAX_MONTHLY_HAZARD)
    }
}

/// Expected children by birth month (index `birth + 215`).
type ByBirth = Vec<f64>;

/// Moves of a contact from each pool, by route (identification, referral, crisis).
const MOVES_FROM_POOL: [[Move; 3]; 2] = [
    [Move::NotKnownToEarlyHelp, Move::NotKnownToReferral, Move::NotKnownToCare],
    [Move::KnownToEarlyHelp, Move::KnownToReferral, Move::KnownToCare],
];

/// The expected state at the end of a month.
struct Projection {
    p: Params,
    caps: Caps,
    /// Length of every [`ByBirth`]: births from month -215 to the last month.
    cohorts: usize,
    /// Pools by group: never known, and known before the start.
    pools: [Vec<ByBirth>; 2],
    explicit: HashMap<Key, ByBirth>,
    birth_carry: Vec<f64>,
}

fn index(birth: i32) -> usize {
    (birth + 215) as usize
}

fn birth(index: usize) -> i32 {
    index as i32 - 215
}

/// Add `v` (by birth month) into `map`, to the key `key_of(birth index)`: one look-up per run
/// of births with the same key.
fn deposit(map: &mut HashMap<Key, ByBirth>, cohorts: usize, v: &[f64], key_of: impl Fn(usize) -> Key) {
    let mut i = 0;
    while i < v.len() {
        if v[i] == 0.0 {
            i += 1;
            continue;
        }
        let key = key_of(i);
        let target = map.entry(key).or_insert_with(|| vec![0.0; cohorts]);
        while i < v.len() && (v[i] == 0.0 || key_of(i) == key) {
            target[i] += v[i];
            i += 1;
        }
    }
}

impl Projection {
    /// The starting pools (docs/model.md, "The starting pools").
    fn new(p: Params, months: usize) -> Projection {
        let cohorts = 216 + months;
        let mut pools = [vec![vec![0.0; cohorts]; p.groups], vec![vec![0.0; cohorts]; p.groups]];
        for l in 0..p.groups / 3 {
            let mean_contact: f64 = (0..3).map(|n| p.need_mix[l][n] * p.contact_need[n]).sum();
            for n in 0..3 {
                let g = l * 3 + n;
                let known_share = if mean_contact > 0.0 {
                    (p.previously_known_share * p.contact_need[n] / mean_contact).min(1.0)
                } else {
                    p.previously_known_share
                };
                let per_cohort = p.under_18 * p.locality_share[l] * p.need_mix[l][n] / 216.0;
                let (mut carry, mut carry_known) = (0.0, 0.0);
                for k in 0..216 {
                    carry += per_cohort;
                    let count: f64 = carry.floor();
                    carry -= count;
                    carry_known += count * known_share;
                    let known = carry_known.floor().min(count);
                    carry_known -= known;
                    pools[0][g][index(-k)] = count - known;
                    pools[1][g][index(-k)] = known;
                }
            }
        }
        let caps = p.caps();
        let groups = p.groups;
        Projection { p, caps, cohorts, pools, explicit: HashMap::new(), birth_carry: vec![0.0; groups] }
    }

    fn mix(&self, ten_plus: bool) -> &[f64; 6] {
        if ten_plus { &self.p.mix_10_plus } else { &self.p.mix_under_10 }
    }

    /// Children `v` (by birth) of state `from` enter care in month `t`: the placement is drawn
    /// from the entry mix for their age; entering care closes the family's case (restarting its
    /// clock unless it was closed already), and leaving early help starts the after-closure
    /// clock.
    fn enter_care(&self, next: &mut HashMap<Key, ByBirth>, from: Key, t: i32, v: &[f64]) {
        let mut k = from;
        if from.place != Place::Closed {
            k.case_clock = 0;
        }
        if from.place == Place::EarlyHelp {
            k.eh_clock = 0;
        }
        k.care_clock = 0;
        k.return_clock = self.caps.reentry;
        deposit(next, self.cohorts, v, |i| {
            let age = t - birth(i);
            Key { place: Place::Care { ten_plus_mix: age >= 120, under_5: age < 60 }, ..k }
        });
    }

    /// Children `v` start early help this month (places never bind): a new case.
    fn start_early_help(&self, next: &mut HashMap<Key, ByBirth>, from: Key, v: &[f64], out: &mut [f64; Move::COUNT]) {
        out[Move::EarlyHelpStart.index()] += v.iter().sum::<f64>();
        deposit(next, self.cohorts, v, |_| Key { place: Place::EarlyHelp, case_clock: 0, ..from });
    }

    /// An assessment of children `v` after a referral.
    fn assess(&self, next: &mut HashMap<Key, ByBirth>, from: Key, v: &[f64], out: &mut [f64; Move::COUNT]) {
        let [cin, cp, eh] = self.p.assessment;
        let nfa = 1.0 - cin - cp - eh;
        let total: f64 = v.iter().sum();
        out[Move::ReferralToChildInNeed.index()] += total * cin;
        out[Move::ReferralToChildProtection.index()] += total * cp;
        out[Move::ReferralToEarlyHelp.index()] += total * eh;
        out[Move::ReferralToClosed.index()] += total * nfa;
        let scaled = |x: f64| v.iter().map(|m| m * x).collect::<Vec<f64>>();
        for (place, share) in [(Place::ChildInNeed, cin), (Place::ChildProtection, cp)] {
            deposit(next, self.cohorts, &scaled(share), |_| Key { place, case_clock: 0, ..from });
        }
        self.start_early_help(next, from, &scaled(eh), out);
        // No further action: the case stays closed, and its clock is not restarted.
        deposit(next, self.cohorts, &scaled(nfa), |_| from);
    }

    /// A contact by `route` of children `v` with no open case (from a pool, or a closed case).
    fn contact(
        &self,
        next: &mut HashMap<Key, ByBirth>,
        from: Key,
        route: usize,
        t: i32,
        v: &[f64],
        out: &mut [f64; Move::COUNT],
    ) {
        match route {
            0 => self.start_early_help(next, from, v, out),
            1 => self.assess(next, from, v, out),
            _ => self.enter_care(next, from, t, v),
        }
    }

    /// Month `t`.
    fn step(&mut self, t: i32, out: &mut [f64; Move::COUNT]) {
        let caps = self.caps;
        let n = self.cohorts;
        // 1. Ageing: the cohort born 216 months ago turns 18 and leaves; the clocks tick.
        if t > 0 {
            let gone = index(t - 216).min(n);
            let gone = if t - 216 >= -215 { Some(gone) } else { None };
            for pool in &mut self.pools {
                for g in pool.iter_mut() {
                    if let Some(i) = gone {
                        out[Move::TurnedEighteen.index()] += g[i];
                        g[i] = 0.0;
                    }
                }
            }
            let old = std::mem::take(&mut self.explicit);
            for (mut k, mut v) in old {
                if let Some(i) = gone {
                    let mv =
                        if matches!(k.place, Place::Care { .. }) { Move::CareToLeaver } else { Move::TurnedEighteen };
                    out[mv.index()] += v[i];
                    v[i] = 0.0;
                }
                k.case_clock = (k.case_clock + 1).min(caps.case);
                k.eh_clock = (k.eh_clock + 1).min(caps.after);
                k.return_clock = (k.return_clock + 1).min(caps.reentry);
                if matches!(k.place, Place::Care { .. }) {
                    k.care_clock = (k.care_clock + 1).min(caps.care);
                }
                let target = self.explicit.entry(k).or_insert_with(|| vec![0.0; n]);
                target.iter_mut().zip(&v).for_each(|(a, b)| *a += b);
            }
            // Births at the start of the month, into the never-known pool.
            self.births(t, out);
        }
        let mut next: HashMap<Key, ByBirth> = HashMap::with_capacity(self.explicit.len() * 2);
        let mut to_pool: Vec<(usize, ByBirth)> = Vec::new();
        // 2. Contacts from the pools: never known, then known before; route after route, each
        //    route drawing from the children the routes before left.
        let first = index((t - 215).max(-215));
        let last = index(t);
        for pool in 0..2 {
            for g in 0..self.p.groups {
                for route in 0..3 {
                    let mut taken = vec![0.0; n];
                    for i in first..=last {
                        let age = t - birth(i);
                        taken[i] = self.pools[pool][g][i] * self.p.contact_hazard(pool, route, g, age);
                        self.pools[pool][g][i] -= taken[i];
                    }
                    out[MOVES_FROM_POOL[pool][route].index()] += taken.iter().sum::<f64>();
                    for abuse_neglect in [true, false] {
                        let v: Vec<f64> = (0..n)
                            .map(|i| {
                                let an = self.p.abuse_neglect[band((t - birth(i)).clamp(0, 215))];
                                taken[i] * if abuse_neglect { an } else { 1.0 - an }
                            })
                            .collect();
                        let new = Key {
                            group: g as u16,
                            abuse_neglect,
                            place: Place::Closed,
                            case_clock: 0,
                            eh_clock: caps.after,
                            return_clock: caps.reentry,
                            care_clock: 0,
                        };
                        self.contact(&mut next, new, route, t, &v, out);
                    }
                }
            }
        }
        // 3 and 4. Children already explicit at the start of the month: at most one move each.
        let current = std::mem::take(&mut self.explicit);
        for (k, v) in &current {
            self.event(&mut next, &mut to_pool, *k, t, v, out);
        }
        // Children whose families moved away join the never-known pool (no contact this month).
        for (g, v) in to_pool {
            self.pools[0][g].iter_mut().zip(&v).for_each(|(a, b)| *a += b);
        }
        self.explicit = next;
    }

    fn births(&mut self, t: i32, out: &mut [f64; Move::COUNT]) {
        let per_month = self.p.under_18 / 216.0;
        for g in 0..self.p.groups {
            self.birth_carry[g] += per_month * self.p.locality_share[g / 3] * self.p.need_mix[g / 3][g % 3];
            let due = self.birth_carry[g].floor();
            self.birth_carry[g] -= due;
            self.pools[0][g][index(t)] += due;
            out[Move::Birth.index()] += due;
        }
    }

    /// Monthly hazards of state `k` for a child in band `b`: closed: identification, referral,
    /// crisis, moving away; in care: return home, adoption, special guardianship, other exit,
    /// placement move; open: care entry, close, step up, step down, moving away.
    fn hazards(&self, k: Key, b: usize) -> [f64; 5] {
        let p = &self.p;
        let g = k.group as usize;
        let need = g % 3;
        let age = AgeBand::START_MONTHS[b];
        let after = if k.eh_clock < p.eh_after_months { p.eh_effect_after } else { 1.0 };
        match k.place {
            Place::Closed => {
                let recent = if k.case_clock < p.recently_closed_months { p.recently_closed_multiplier } else { 1.0 };
                [
                    p.contact_hazard(1, 0, g, age) * recent,
                    p.contact_hazard(1, 1, g, age) * recent * after,
                    p.contact_hazard(1, 2, g, age) * recent * after,
                    p.move_away,
                    0.0,
                ]
            }
            Place::Care { under_5, .. } => {
                let d = if k.care_clock < 6 {
                    0
                } else if k.care_clock < 24 {
                    1
                } else {
                    2
                };
                let adoption = if under_5 && k.care_clock >= p.adoption_min_months { p.adoption } else { 0.0 };
                [p.return_home[d], adoption, p.special_guardianship, p.other_exit, p.placement_move]
            }
            case => {
                let contact = p.contact_need[need];
                let escalation = p.escalation_need[need] * if k.abuse_neglect { p.abuse_neglect_care } else { 1.0 };
                let reentry = if k.return_clock < p.reentry_months { p.reentry_factor } else { 1.0 };
                let (care, close, up, down) = match case {
                    Place::EarlyHelp => (
                        p.eh_care_entry * p.contact[0][2][b] * contact * p.eh_effect_care,
                        if k.case_clock >= 3 { p.eh_close } else { 0.0 },
                        p.eh_step_up * p.contact[0][1][b] * contact * p.eh_effect_escalation,
                        0.0,
                    ),
                    Place::ChildInNeed => (
                        p.cin.care_entry[b] * escalation,
                        p.cin.close,
                        p.cin.step_up * p.escalation_need[need],
                        p.cin.step_down,
                    ),
                    _ => (p.cp.care_entry[b] * escalation, p.cp.close, 0.0, p.cp.step_down),
                };
                [care * after * reentry, close, up, down, p.move_away]
            }
        }
    }

    /// The moves (if any) of the explicit children `v` of state `k` in month `t`.
    fn event(
        &self,
        next: &mut HashMap<Key, ByBirth>,
        to_pool: &mut Vec<(usize, ByBirth)>,
        k: Key,
        t: i32,
        v: &[f64],
        out: &mut [f64; Move::COUNT],
    ) {
        let p = &self.p;
        let n = self.cohorts;
        // Chance of each event in the month, by band.
        let mut chance = [[0.0; 5]; 5];
        for (b, row) in chance.iter_mut().enumerate() {
            let h = self.hazards(k, b);
            let total: f64 = h.iter().sum();
            if total > 0.0 {
                let happen = 1.0 - (-total).exp();
                for (c, x) in row.iter_mut().zip(h) {
                    *c = happen * x / total;
                }
            }
        }
        let mut moving = vec![vec![0.0; n]; 5];
        let mut staying = vec![0.0; n];
        for i in 0..n {
            if v[i] == 0.0 {
                continue;
            }
            let b = band(t - birth(i));
            let mut left = v[i];
            for e in 0..5 {
                moving[e][i] = v[i] * chance[b][e];
                left -= moving[e][i];
            }
            staying[i] = left;
        }
        deposit(next, n, &staying, |_| k);
        let sum = |x: &[f64]| x.iter().sum::<f64>();
        let scaled = |x: &[f64], f: f64| x.iter().map(|m| m * f).collect::<Vec<f64>>();
        let g = k.group as usize;
        match k.place {
            Place::Closed => {
                for (route, mv) in
                    [Move::KnownToEarlyHelp, Move::KnownToReferral, Move::KnownToCare].into_iter().enumerate()
                {
                    out[mv.index()] += sum(&moving[route]);
                    self.contact(next, k, route, t, &moving[route], out);
                }
                out[Move::MovedAway.index()] += sum(&moving[3]);
                to_pool.push((g, moving[3].clone()));
            }
            Place::Care { ten_plus_mix, under_5 } => {
                // Return home: to a plan (a new case) or to a closed case (clock not restarted).
                out[Move::CareToHome.index()] += sum(&moving[0]);
                let rt: f64 = p.return_to.iter().sum();
                for (j, place) in [Place::ChildProtection, Place::ChildInNeed, Place::Closed].into_iter().enumerate() {
                    let case_clock = if place == Place::Closed { k.case_clock } else { 0 };
                    let home = Key { place, case_clock, return_clock: 0, care_clock: 0, ..k };
                    deposit(next, n, &scaled(&moving[0], p.return_to[j] / rt), |_| home);
                }
                out[Move::CareToAdoption.index()] += sum(&moving[1]);
                out[Move::CareToSpecialGuardianship.index()] += sum(&moving[2]);
                out[Move::CareToOtherExit.index()] += sum(&moving[3]);
                // A placement move is a change of type, drawn from the entry mix for the child's
                // age now without the current type: recorded unless the mix has no other type
                // (exact when every mix has two types or more, as in the tests).
                let was = self.mix(ten_plus_mix);
                for (i, &m) in moving[4].iter().enumerate() {
                    if m > 0.0 {
                        let now = self.mix(t - birth(i) >= 120);
                        let only: Vec<usize> = (0..6).filter(|&j| now[j] > 0.0).collect();
                        let stuck = if only.len() == 1 { was[only[0]] } else { 0.0 };
                        out[Move::PlacementMove.index()] += m * (1.0 - stuck);
                    }
                }
                deposit(next, n, &moving[4], |i| Key {
                    place: Place::Care { ten_plus_mix: t - birth(i) >= 120, under_5 },
                    ..k
                });
            }
            case => {
                // Leaving early help (to any other state) starts the after-closure clock.
                let mut left = k;
                left.case_clock = 0;
                if case == Place::EarlyHelp {
                    left.eh_clock = 0;
                }
                let into_care = match case {
                    Place::EarlyHelp => Move::EarlyHelpToCare,
                    Place::ChildInNeed => Move::ChildInNeedToCare,
                    _ => Move::ChildProtectionToCare,
                };
                out[into_care.index()] += sum(&moving[0]);
                self.enter_care(next, k, t, &moving[0]);
                let closed = Key { place: Place::Closed, ..left };
                if case == Place::EarlyHelp {
                    out[Move::EarlyHelpToClosed.index()] += sum(&moving[1]);
                    deposit(next, n, &moving[1], |_| closed);
                    let to_cp = p.eh_step_up_to_cp;
                    out[Move::EarlyHelpToChildProtection.index()] += sum(&moving[2]) * to_cp;
                    out[Move::EarlyHelpToChildInNeed.index()] += sum(&moving[2]) * (1.0 - to_cp);
                    deposit(next, n, &scaled(&moving[2], to_cp), |_| Key { place: Place::ChildProtection, ..left });
                    deposit(next, n, &scaled(&moving[2], 1.0 - to_cp), |_| Key { place: Place::ChildInNeed, ..left });
                } else {
                    let to_eh =
                        if case == Place::ChildInNeed { p.cin.close_to_early_help } else { p.cp.close_to_early_help };
                    out[Move::SocialCareToEarlyHelp.index()] += sum(&moving[1]) * to_eh;
                    self.start_early_help(next, left, &scaled(&moving[1], to_eh), out);
                    out[Move::SocialCareToClosed.index()] += sum(&moving[1]) * (1.0 - to_eh);
                    deposit(next, n, &scaled(&moving[1], 1.0 - to_eh), |_| closed);
                    out[Move::ChildInNeedToChildProtection.index()] += sum(&moving[2]);
                    deposit(next, n, &moving[2], |_| Key { place: Place::ChildProtection, ..left });
                    if case == Place::ChildProtection {
                        out[Move::ChildProtectionToChildInNeed.index()] += sum(&moving[3]);
                        deposit(next, n, &moving[3], |_| Key { place: Place::ChildInNeed, ..left });
                    } else {
                        out[Move::SocialCareToEarlyHelp.index()] += sum(&moving[3]);
                        self.start_early_help(next, left, &moving[3], out);
                    }
                }
                out[Move::MovedAway.index()] += sum(&moving[4]);
                to_pool.push((g, moving[4].clone()));
            }
        }
    }
}

/// Expected moves per month over `months` months of scenario `s` (capacity-free, families of
/// one: see the module documentation), or why the scenario is outside what this covers.
pub fn expected_flows(s: &Scenario, months: usize) -> Result<Flows, String> {
    let mut proj = Projection::new(Params::new(s)?, months);
    let mut flows = Vec::with_capacity(months);
    for t in 0..months as i32 {
        let mut out = [0.0; Move::COUNT];
        proj.step(t, &mut out);
        flows.push(out);
    }
    Ok(flows)
}
