//! Moves between states, counted per child as flows.

super::vocabulary! {
    /// Moves between states, counted per child as flows. Names are `from_to` in outputs.
    #[repr(u8)]
    pub enum Move {
        /// Not known, identified for early help (joins the waiting list or starts).
        NotKnownToEarlyHelp => "not_known_to_early_help",
        /// Not known, referred to social care (assessment).
        NotKnownToReferral => "not_known_to_referral",
        /// Not known, straight into care in a crisis.
        NotKnownToCare => "not_known_to_care",
        /// Known (closed), identified for early help again.
        KnownToEarlyHelp => "known_to_early_help",
        /// Known (closed), referred to social care again.
        KnownToReferral => "known_to_referral",
        /// Known (closed), into care in a crisis.
        KnownToCare => "known_to_care",
        /// Assessment led to a child in need plan.
        ReferralToChildInNeed => "referral_to_child_in_need",
        /// Assessment led to a child protection plan.
        ReferralToChildProtection => "referral_to_child_protection",
        /// Assessment signposted to early help.
        ReferralToEarlyHelp => "referral_to_early_help",
        /// Assessment: no further action.
        ReferralToClosed => "referral_to_closed",
        /// Started early help (from the waiting list or directly).
        EarlyHelpStart => "early_help_start",
        /// Early help closed, needs met.
        EarlyHelpToClosed => "early_help_to_closed",
        /// Left the early help waiting list without a place.
        WaitingToClosed => "waiting_to_closed",
        /// Stepped up from early help (or its waiting list) to social care.
        EarlyHelpToChildInNeed => "early_help_to_child_in_need",
        /// Stepped up from early help (or waiting) to child protection.
        EarlyHelpToChildProtection => "early_help_to_child_protection",
        /// Child in need to child protection.
        ChildInNeedToChildProtection => "child_in_need_to_child_protection",
        /// Child protection stepped down to child in need.
        ChildProtectionToChildInNeed => "child_protection_to_child_in_need",
        /// Social care stepped down to early help.
        SocialCareToEarlyHelp => "social_care_to_early_help",
        /// Social care case closed.
        SocialCareToClosed => "social_care_to_closed",
        /// Entered care from early help or its waiting list.
        EarlyHelpToCare => "early_help_to_care",
        /// Entered care from a child in need plan.
        ChildInNeedToCare => "child_in_need_to_care",
        /// Entered care from a child protection plan.
        ChildProtectionToCare => "child_protection_to_care",
        /// Returned home from care.
        CareToHome => "care_to_home",
        /// Adopted.
        CareToAdoption => "care_to_adoption",
        /// Special guardianship order.
        CareToSpecialGuardianship => "care_to_special_guardianship",
        /// Turned 18 in care (care leaver).
        CareToLeaver => "care_to_leaver",
        /// Left care for another reason (moved, other).
        CareToOtherExit => "care_to_other_exit",
        /// Changed placement type while in care.
        PlacementMove => "placement_move",
        /// Turned 18 outside care.
        TurnedEighteen => "turned_eighteen",
        /// Family moved out of the authority.
        MovedAway => "moved_away",
        /// Born into the authority.
        Birth => "birth",
        /// Started the Specialist Intensive Support Service (counted per family).
        IntensiveSupportStart => "intensive_support_start",
    }
}
