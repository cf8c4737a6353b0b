//! The vocabulary of the model: states, placement types, age bands, need, and the moves between
//! states. See `docs/model.md` for what each means and how the engine uses it.

use serde::{Deserialize, Serialize};

/// Number of single-year ages a child can have in the model (0 to 17).
pub const AGES: usize = 18;
/// Months from birth to the 18th birthday, when every child leaves the model.
pub const MONTHS_TO_18: i32 = 18 * 12;

/// The age bands that results and hazards use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AgeBand {
    /// Under one.
    Age0,
    /// One to four.
    Age1To4,
    /// Five to nine.
    Age5To9,
    /// Ten to fifteen.
    Age10To15,
    /// Sixteen and seventeen.
    Age16To17,
}

impl AgeBand {
    /// All bands, youngest first.
    pub const ALL: [AgeBand; 5] =
        [AgeBand::Age0, AgeBand::Age1To4, AgeBand::Age5To9, AgeBand::Age10To15, AgeBand::Age16To17];
    /// Labels used in outputs.
    pub const LABELS: [&'static str; 5] = ["0", "1-4", "5-9", "10-15", "16-17"];

    /// The band of a child aged `years` (0 to 17).
    #[inline]
    pub fn of_age(years: u32) -> AgeBand {
        match years {
            0 => AgeBand::Age0,
            1..=4 => AgeBand::Age1To4,
            5..=9 => AgeBand::Age5To9,
            10..=15 => AgeBand::Age10To15,
            _ => AgeBand::Age16To17,
        }
    }

    /// Position in [`AgeBand::ALL`].
    #[inline]
    pub fn index(self) -> usize {
        self as usize
    }

    /// Whether a child in this band is five or over.
    #[inline]
    pub fn five_plus(self) -> bool {
        self.index() >= 2
    }
}

/// A family's level of need, which scales its hazards of contact and escalation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NeedLevel {
    /// Low need.
    Low,
    /// Moderate need.
    Moderate,
    /// High need (multiple, complex needs).
    High,
}

impl NeedLevel {
    /// All levels, lowest first.
    pub const ALL: [NeedLevel; 3] = [NeedLevel::Low, NeedLevel::Moderate, NeedLevel::High];
    /// Position in [`NeedLevel::ALL`].
    #[inline]
    pub fn index(self) -> usize {
        self as usize
    }
}

/// The kind of need behind a family's contact, recorded as the reason on entry to care.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NeedKind {
    /// Abuse or neglect (category N1 in the SSDA903 return).
    AbuseNeglect,
    /// Any other need: disability, parental illness, family dysfunction, absent parenting...
    Other,
}

/// Placement types for looked-after children.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Placement {
    /// Foster care with the council's own carers.
    InHouseFoster,
    /// Independent fostering agency.
    Ifa,
    /// Kinship or connected-person foster care.
    Kinship,
    /// Children's home or other residential care.
    Residential,
    /// Placed with parents under a care order.
    WithParents,
    /// Anything else (supported accommodation, placed for adoption, secure...).
    Other,
}

impl Placement {
    /// All placement types, in output order.
    pub const ALL: [Placement; 6] = [
        Placement::InHouseFoster,
        Placement::Ifa,
        Placement::Kinship,
        Placement::Residential,
        Placement::WithParents,
        Placement::Other,
    ];
    /// Labels used in outputs.
    pub const LABELS: [&'static str; 6] = ["in_house_foster", "ifa", "kinship", "residential", "with_parents", "other"];
    /// Position in [`Placement::ALL`].
    #[inline]
    pub fn index(self) -> usize {
        self as usize
    }
}

/// Where a child is in a month. Looked-after children are further split by [`Placement`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    /// Never had contact with children's services.
    NotKnown,
    /// Had contact before, no open case now.
    KnownClosed,
    /// Waiting for an early help place.
    WaitingEarlyHelp,
    /// Family receiving early help from a locality hub.
    EarlyHelp,
    /// Child in need plan (section 17).
    ChildInNeed,
    /// Child protection plan: the edge of care.
    ChildProtection,
    /// Looked after (in care).
    LookedAfter,
}

impl State {
    /// All states a child under 18 in the authority can be in.
    pub const ALL: [State; 7] = [
        State::NotKnown,
        State::KnownClosed,
        State::WaitingEarlyHelp,
        State::EarlyHelp,
        State::ChildInNeed,
        State::ChildProtection,
        State::LookedAfter,
    ];
    /// Labels used in outputs.
    pub const LABELS: [&'static str; 7] = [
        "not_known",
        "known_closed",
        "waiting_early_help",
        "early_help",
        "child_in_need",
        "child_protection",
        "looked_after",
    ];
    /// Position in [`State::ALL`].
    #[inline]
    pub fn index(self) -> usize {
        self as usize
    }
}

/// Moves between states, counted per child as flows. Names are `from_to` in outputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Move {
    /// Not known, identified for early help (joins the waiting list or starts).
    NotKnownToEarlyHelp,
    /// Not known, referred to social care (assessment).
    NotKnownToReferral,
    /// Not known, straight into care in a crisis.
    NotKnownToCare,
    /// Known (closed), identified for early help again.
    KnownToEarlyHelp,
    /// Known (closed), referred to social care again.
    KnownToReferral,
    /// Known (closed), into care in a crisis.
    KnownToCare,
    /// Assessment led to a child in need plan.
    ReferralToChildInNeed,
    /// Assessment led to a child protection plan.
    ReferralToChildProtection,
    /// Assessment signposted to early help.
    ReferralToEarlyHelp,
    /// Assessment: no further action.
    ReferralToClosed,
    /// Started early help (from the waiting list or directly).
    EarlyHelpStart,
    /// Early help closed, needs met.
    EarlyHelpToClosed,
    /// Left the early help waiting list without a place.
    WaitingToClosed,
    /// Stepped up from early help (or its waiting list) to social care.
    EarlyHelpToChildInNeed,
    /// Stepped up from early help (or waiting) to child protection.
    EarlyHelpToChildProtection,
    /// Child in need to child protection.
    ChildInNeedToChildProtection,
    /// Child protection stepped down to child in need.
    ChildProtectionToChildInNeed,
    /// Social care stepped down to early help.
    SocialCareToEarlyHelp,
    /// Social care case closed.
    SocialCareToClosed,
    /// Entered care from early help or its waiting list.
    EarlyHelpToCare,
    /// Entered care from a child in need plan.
    ChildInNeedToCare,
    /// Entered care from a child protection plan.
    ChildProtectionToCare,
    /// Returned home from care.
    CareToHome,
    /// Adopted.
    CareToAdoption,
    /// Special guardianship order.
    CareToSpecialGuardianship,
    /// Turned 18 in care (care leaver).
    CareToLeaver,
    /// Left care for another reason (moved, other).
    CareToOtherExit,
    /// Changed placement type while in care.
    PlacementMove,
    /// Turned 18 outside care.
    TurnedEighteen,
    /// Family moved out of the authority.
    MovedAway,
    /// Born into the authority.
    Birth,
    /// Started the Specialist Intensive Support Service (counted per family).
    IntensiveSupportStart,
}

impl Move {
    /// Number of kinds of move.
    pub const COUNT: usize = 32;
    /// Output names, in discriminant order.
    pub const LABELS: [&'static str; Move::COUNT] = [
        "not_known_to_early_help",
        "not_known_to_referral",
        "not_known_to_care",
        "known_to_early_help",
        "known_to_referral",
        "known_to_care",
        "referral_to_child_in_need",
        "referral_to_child_protection",
        "referral_to_early_help",
        "referral_to_closed",
        "early_help_start",
        "early_help_to_closed",
        "waiting_to_closed",
        "early_help_to_child_in_need",
        "early_help_to_child_protection",
        "child_in_need_to_child_protection",
        "child_protection_to_child_in_need",
        "social_care_to_early_help",
        "social_care_to_closed",
        "early_help_to_care",
        "child_in_need_to_care",
        "child_protection_to_care",
        "care_to_home",
        "care_to_adoption",
        "care_to_special_guardianship",
        "care_to_leaver",
        "care_to_other_exit",
        "placement_move",
        "turned_eighteen",
        "moved_away",
        "birth",
        "intensive_support_start",
    ];
    /// Position in [`Move::LABELS`].
    #[inline]
    pub fn index(self) -> usize {
        self as usize
    }
}
