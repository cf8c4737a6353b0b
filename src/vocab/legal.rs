//! Legal status of a child in care.

use serde::{Deserialize, Serialize};

super::vocabulary! {
    /// The legal basis on which a child is looked after. Every child in care has one: entering
    /// through care proceedings, an interim care order (a care order after
    /// `hazards.looked_after.interim_order_months`); otherwise section 20. The care levers can
    /// be targeted by it, and the results count children in care by it.
    #[derive(Serialize, Deserialize)]
    #[serde(rename_all = "snake_case")]
    pub enum LegalStatus {
        /// Interim care order (SSDA903 `C1`).
        InterimCareOrder => "interim_care_order",
        /// Full care order (`C2`).
        CareOrder => "care_order",
        /// Placement order, or the freeing order it replaced (`E1`, `D1`).
        PlacementOrder => "placement_order",
        /// Accommodated under section 20 of the Children Act 1989, by agreement (`V2`; `V3`
        /// and `V4`, short breaks, where they are counted at all).
        #[serde(rename = "section_20")]
        Section20 => "section_20",
        /// Anything else: police protection, emergency protection, child assessment orders
        /// (`L1`-`L3`), remanded or detained (`J1`-`J3`), and codes not known here.
        Other => "other",
    }
}

impl LegalStatus {
    /// The status for an SSDA903 legal status code (`LS`), ignoring case and surrounding
    /// spaces: codes not listed on the variants, including ones added after this release, are
    /// [`LegalStatus::Other`].
    ///
    /// # Examples
    /// ```
    /// use carecast::vocab::LegalStatus;
    /// assert_eq!(LegalStatus::from_ssda903_code("c2"), LegalStatus::CareOrder);
    /// assert_eq!(LegalStatus::from_ssda903_code("J1"), LegalStatus::Other);
    /// ```
    pub fn from_ssda903_code(code: &str) -> LegalStatus {
        match code.trim().to_ascii_uppercase().as_str() {
            "C1" => LegalStatus::InterimCareOrder,
            "C2" => LegalStatus::CareOrder,
            "D1" | "E1" => LegalStatus::PlacementOrder,
            "V2" | "V3" | "V4" => LegalStatus::Section20,
            _ => LegalStatus::Other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_use_the_labels() {
        for status in LegalStatus::ALL {
            assert_eq!(serde_json::to_value(status).unwrap(), status.label());
        }
    }
}
