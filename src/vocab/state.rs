//! The states a child can be in.

use serde::{Deserialize, Serialize};

super::vocabulary! {
    /// Where a child is in a month. Looked-after children are further split by
    /// [`super::Placement`].
    #[derive(Serialize, Deserialize)]
    #[serde(rename_all = "snake_case")]
    pub enum State {
        /// Never had contact with children's services.
        NotKnown => "not_known",
        /// Had contact before, no open case now.
        KnownClosed => "known_closed",
        /// Waiting for an early help place.
        WaitingEarlyHelp => "waiting_early_help",
        /// Family receiving early help from a locality hub.
        EarlyHelp => "early_help",
        /// Child in need plan (section 17).
        ChildInNeed => "child_in_need",
        /// Child protection plan: the edge of care.
        ChildProtection => "child_protection",
        /// Looked after (in care).
        LookedAfter => "looked_after",
    }
}
