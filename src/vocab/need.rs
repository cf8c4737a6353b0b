//! Need: the level that scales a family's hazards, and the kind recorded on entry to care.

use serde::{Deserialize, Serialize};

super::vocabulary! {
    /// A family's level of need, which scales its hazards of contact and escalation.
    #[derive(PartialOrd, Ord, Serialize, Deserialize)]
    #[serde(rename_all = "snake_case")]
    pub enum NeedLevel {
        /// Low need.
        Low => "low",
        /// Moderate need.
        Moderate => "moderate",
        /// High need (multiple, complex needs).
        High => "high",
    }
}

super::vocabulary! {
    /// The kind of need behind a family's contact, recorded as the reason on entry to care.
    #[derive(Serialize, Deserialize)]
    #[serde(rename_all = "snake_case")]
    pub enum NeedKind {
        /// Abuse or neglect (category N1 in the SSDA903 return).
        AbuseNeglect => "abuse_neglect",
        /// Any other need: disability, parental illness, family dysfunction, absent parenting...
        Other => "other",
    }
}
