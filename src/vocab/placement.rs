//! Placement types of children in care.

use serde::{Deserialize, Serialize};

super::vocabulary! {
    /// Placement types for looked-after children.
    #[derive(Serialize, Deserialize)]
    #[serde(rename_all = "snake_case")]
    pub enum Placement {
        /// Foster care with the council's own carers.
        InHouseFoster => "in_house_foster",
        /// Independent fostering agency.
        Ifa => "ifa",
        /// Kinship or connected-person foster care.
        Kinship => "kinship",
        /// Children's home or other residential care.
        Residential => "residential",
        /// Placed with parents under a care order.
        WithParents => "with_parents",
        /// Anything else (supported accommodation, placed for adoption, secure...).
        Other => "other",
    }
}

impl Placement {
    /// The name of this placement type's costed activity and cost category: its label, except
    /// `other_placement` for [`Placement::Other`] (beside other kinds of activity, "other" alone
    /// would not say what it is).
    pub const fn activity_label(self) -> &'static str {
        match self {
            Placement::Other => "other_placement",
            p => p.label(),
        }
    }
}
