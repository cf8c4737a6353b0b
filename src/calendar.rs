//! Calendar months and English financial years (April to March).

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// A calendar month, written `YYYY-MM` in scenario files (e.g. `2016-02`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct YearMonth {
    /// Calendar year.
    pub year: i32,
    /// Month, 1 (January) to 12 (December).
    pub month: u32,
}

impl YearMonth {
    /// Build a month; `month` must be in 1..=12.
    pub fn new(year: i32, month: u32) -> Option<Self> {
        (1..=12).contains(&month).then_some(Self { year, month })
    }

    /// Months since year 0, for arithmetic.
    pub fn ordinal(self) -> i64 {
        i64::from(self.year) * 12 + i64::from(self.month) - 1
    }

    /// Inverse of [`YearMonth::ordinal`].
    pub fn from_ordinal(ordinal: i64) -> Self {
        Self { year: ordinal.div_euclid(12) as i32, month: (ordinal.rem_euclid(12) + 1) as u32 }
    }

    /// The month `n` months after this one.
    pub fn plus(self, n: i64) -> Self {
        Self::from_ordinal(self.ordinal() + n)
    }

    /// Months from `self` to `later` (negative if `later` is earlier).
    pub fn months_until(self, later: YearMonth) -> i64 {
        later.ordinal() - self.ordinal()
    }

    /// The financial year containing this month, as the calendar year in which it starts
    /// (April 2015 to March 2016 is 2015).
    pub fn financial_year(self) -> i32 {
        if self.month >= 4 { self.year } else { self.year - 1 }
    }

    /// Label of a financial year starting in April of `start_year`, e.g. `2015/16`.
    pub fn financial_year_label(start_year: i32) -> String {
        format!("{}/{:02}", start_year, (start_year + 1).rem_euclid(100))
    }

    /// The financial years (start years) that `months` months from this one cover, in order.
    pub fn financial_years(self, months: usize) -> Vec<i32> {
        let mut years: Vec<i32> = (0..months as i64).map(|t| self.plus(t).financial_year()).collect();
        years.dedup();
        years
    }
}

impl fmt::Display for YearMonth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

impl YearMonth {
    /// What a month may be, for error messages.
    pub const ALLOWED: &'static str = "a month written YYYY-MM from 1900-01 to 2200-12, e.g. 2016-02";
}

impl std::str::FromStr for YearMonth {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || format!("`{s}` is not a month; write YYYY-MM, e.g. 2016-02");
        let (y, m) = s.trim().split_once('-').ok_or_else(bad)?;
        let year: i32 = y.parse().map_err(|_| bad())?;
        let month: u32 = m.parse().map_err(|_| bad())?;
        if !(1900..=2200).contains(&year) {
            return Err(format!("year {year} in `{s}` is outside 1900-2200"));
        }
        YearMonth::new(year, month).ok_or_else(bad)
    }
}

impl Serialize for YearMonth {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for YearMonth {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        // In the "expected ..., got ..." shape that scenario errors explain field by field.
        s.parse().map_err(|_: String| serde::de::Error::custom(format!("expected {}, got \"{s}\"", YearMonth::ALLOWED)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn financial_years_turn_in_april() {
        let m: YearMonth = "2016-03".parse().unwrap();
        assert_eq!(m.financial_year(), 2015);
        assert_eq!(m.plus(1).financial_year(), 2016);
        assert_eq!(YearMonth::financial_year_label(2015), "2015/16");
        let april: YearMonth = "2015-04".parse().unwrap();
        assert_eq!(april.financial_years(24), vec![2015, 2016]);
        assert_eq!(april.plus(-1).financial_years(2), vec![2014, 2015]);
        assert!(april.financial_years(0).is_empty());
        assert_eq!(YearMonth::financial_year_label(1999), "1999/00");
    }

    #[test]
    fn parse_rejects_bad_months() {
        assert!("2016-13".parse::<YearMonth>().is_err());
        assert!("2016/02".parse::<YearMonth>().is_err());
        assert_eq!("2015-04".parse::<YearMonth>().unwrap().plus(12).to_string(), "2016-04");
    }
}
