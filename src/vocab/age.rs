//! Ages and age bands. The band boundaries are written here and nowhere else.

use serde::{Deserialize, Serialize};

/// Number of single-year ages a child can have in the model (0 to 17).
pub const AGES: usize = 18;
/// Months from birth to the 18th birthday, when every child leaves the model.
pub const MONTHS_TO_18: i32 = 18 * 12;
/// Age five, in months: "over-fives" (early help targeting, the share of entrants aged 5+) and
/// the adoption age limit are measured from here.
pub const FIVE_YEARS: i32 = 5 * 12;
/// Age ten, in months: placement mixes differ for entrants under ten and ten or over.
pub const TEN_YEARS: i32 = 10 * 12;

super::vocabulary! {
    /// The age bands that results and hazards use.
    #[derive(Serialize, Deserialize)]
    #[serde(rename_all = "snake_case")]
    pub enum AgeBand {
        /// Under one.
        Age0 => "0",
        /// One to four.
        Age1To4 => "1-4",
        /// Five to nine.
        Age5To9 => "5-9",
        /// Ten to fifteen.
        Age10To15 => "10-15",
        /// Sixteen and seventeen.
        Age16To17 => "16-17",
    }
}

impl AgeBand {
    /// Age in months at which each band starts; the last ends at [`MONTHS_TO_18`].
    pub const START_MONTHS: [i32; AgeBand::COUNT] = [0, 12, FIVE_YEARS, TEN_YEARS, 16 * 12];

    /// The band of a child aged `months` months (0 to 215).
    #[inline]
    pub fn of_months(months: i32) -> AgeBand {
        // A table by month of age: a load (this runs for every child at home in every hazard
        // walk). Below 0 it is the first band and from 18 the last, as counting the
        // boundaries passed gives.
        BAND_BY_MONTH[months.clamp(0, MONTHS_TO_18) as usize]
    }

    /// The band of a child aged `years` (0 to 17).
    #[inline]
    pub fn of_age(years: u32) -> AgeBand {
        AgeBand::of_months(years.min(17) as i32 * 12)
    }

    /// Age in months at which each band ends (the next one starts, or the 18th birthday).
    pub const END_MONTHS: [i32; AgeBand::COUNT] = {
        let mut end = [MONTHS_TO_18; AgeBand::COUNT];
        let mut i = 0;
        while i + 1 < AgeBand::COUNT {
            end[i] = AgeBand::START_MONTHS[i + 1];
            i += 1;
        }
        end
    };

    /// Age in months at which this band starts.
    #[inline]
    pub const fn start_month(self) -> i32 {
        AgeBand::START_MONTHS[self as usize]
    }

    /// Age in months at which this band ends (the next one starts).
    #[inline]
    pub const fn end_month(self) -> i32 {
        AgeBand::END_MONTHS[self as usize]
    }

    /// Age in months of the next band boundary (or the 18th birthday) after age `months`, if any.
    #[inline]
    pub fn next_boundary(months: i32) -> Option<i32> {
        // A table by month of age (below 0, the first band's end; from 18, none).
        (months < MONTHS_TO_18).then(|| NEXT_BOUNDARY_BY_MONTH[months.max(0) as usize])
    }

    /// Whether a child in this band is five or over.
    #[inline]
    pub fn five_plus(self) -> bool {
        AgeBand::START_MONTHS[self.index()] >= FIVE_YEARS
    }
}

/// The band of each month of age from 0 to 18 years (the boundaries passed, counted).
const BAND_BY_MONTH: [AgeBand; MONTHS_TO_18 as usize + 1] = {
    let mut by_month = [AgeBand::Age0; MONTHS_TO_18 as usize + 1];
    let mut month = 0;
    while month < by_month.len() {
        let mut passed = 0;
        let mut i = 1;
        while i < AgeBand::COUNT {
            if month as i32 >= AgeBand::START_MONTHS[i] {
                passed += 1;
            }
            i += 1;
        }
        by_month[month] = AgeBand::ALL[passed];
        month += 1;
    }
    by_month
};

/// The first band end after each month of age below 18 years.
const NEXT_BOUNDARY_BY_MONTH: [i32; MONTHS_TO_18 as usize] = {
    let mut by_month = [MONTHS_TO_18; MONTHS_TO_18 as usize];
    let mut month = 0;
    while month < by_month.len() {
        let mut i = AgeBand::COUNT;
        while i > 0 {
            i -= 1;
            if AgeBand::END_MONTHS[i] > month as i32 {
                by_month[month] = AgeBand::END_MONTHS[i];
            }
        }
        month += 1;
    }
    by_month
};

#[cfg(test)]
mod tests {
    use super::*;

    /// The tables give what counting the boundaries (and finding the next end) gives, at every
    /// age a caller may ask, negative and past 18 included.
    #[test]
    fn tables_by_month_are_the_boundaries() {
        for months in -30..300 {
            let passed = AgeBand::START_MONTHS[1..].iter().filter(|&&s| months >= s).count();
            assert_eq!(AgeBand::of_months(months), AgeBand::ALL[passed], "band at {months} months");
            let next = AgeBand::END_MONTHS.iter().copied().find(|&end| end > months);
            assert_eq!(AgeBand::next_boundary(months), next, "next boundary at {months} months");
        }
        for years in 0..30 {
            assert_eq!(AgeBand::of_age(years), AgeBand::of_months(years.min(17) as i32 * 12));
        }
    }
}
