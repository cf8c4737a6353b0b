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

/// The names of a list that starts with one entry per placement type (named by its
/// [`Placement::activity_label`]) and goes on with `rest`: costed activity and cost categories.
pub const fn placement_led<const N: usize, const R: usize>(rest: [&'static str; R]) -> [&'static str; N] {
    assert!(N == Placement::COUNT + R, "N must be the placement types plus the rest");
    let mut names = [""; N];
    let mut i = 0;
    while i < N {
        names[i] = if i < Placement::COUNT { Placement::ALL[i].activity_label() } else { rest[i - Placement::COUNT] };
        i += 1;
    }
    names
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
