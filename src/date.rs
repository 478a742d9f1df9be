//! Calendar dates as days since 1970-01-01, the unit every validity range
//! in the blobs is stored in.

use std::fmt;

use crate::error::{Error, Result};

/// A calendar date (proleptic Gregorian).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date(i32);

impl Date {
    /// The open end of a validity range (`9999-12-31`).
    pub const OPEN_END: Date = Date(u16::MAX as i32);

    pub fn from_days(days: i32) -> Date {
        Date(days)
    }

    pub fn days(self) -> i32 {
        self.0
    }

    /// Builds a date, or `None` when the day does not exist.
    pub fn from_ymd(y: i32, m: u32, d: u32) -> Option<Date> {
        if !(1..=12).contains(&m) || d < 1 || d as i32 > days_in_month(y, m as i32) || !(1..=9999).contains(&y) {
            return None;
        }
        Some(Date(days_from_civil(y, m as i32, d as i32)))
    }

    /// Parses `YYYY-MM-DD`; `field` names the input in the error.
    pub fn parse(field: &str, s: &str) -> Result<Date> {
        Self::parse_opt(s).ok_or_else(|| Error::BadDate { field: field.to_string(), value: truncate(s) })
    }

    /// Parses `YYYY-MM-DD`, `None` when it is not a real date.
    pub fn parse_opt(s: &str) -> Option<Date> {
        let b = s.as_bytes();
        if b.len() != 10 || b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') {
            return None;
        }
        let num = |r: std::ops::Range<usize>| -> Option<i32> {
            b.get(r)?.iter().try_fold(0i32, |acc, &c| c.is_ascii_digit().then(|| acc * 10 + (c - b'0') as i32))
        };
        Date::from_ymd(num(0..4)?, num(5..7)? as u32, num(8..10)? as u32)
    }

    /// (year, month, day).
    pub fn ymd(self) -> (i32, u32, u32) {
        let z = self.0 + 719468;
        let era = z.div_euclid(146097);
        let doe = z - era * 146097;
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
        let y = yoe + era * 400;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let d = doy - (153 * mp + 2) / 5 + 1;
        let m = if mp < 10 { mp + 3 } else { mp - 9 };
        (if m <= 2 { y + 1 } else { y }, m as u32, d as u32)
    }

    /// Whole years from `birth` to `self` (an age on a date of service).
    pub fn years_since(self, birth: Date) -> i32 {
        let (y1, m1, d1) = birth.ymd();
        let (y2, m2, d2) = self.ymd();
        let mut age = y2 - y1;
        if (m2, d2) < (m1, d1) {
            age -= 1;
        }
        age
    }

    /// Today in UTC from the system clock (native builds; wasm callers pass a date).
    #[cfg(not(target_arch = "wasm32"))]
    pub fn today() -> Date {
        let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
        Date((secs / 86_400) as i32)
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if *self >= Date::OPEN_END {
            return f.write_str("9999-12-31");
        }
        let (y, m, d) = self.ymd();
        write!(f, "{y:04}-{m:02}-{d:02}")
    }
}

impl serde::Serialize for Date {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

fn days_in_month(y: i32, m: i32) -> i32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        _ => 28,
    }
}

fn days_from_civil(y: i32, m: i32, d: i32) -> i32 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146097 + doe - 719468
}

/// Shortens a value quoted in an error message.
pub(crate) fn truncate(s: &str) -> String {
    if s.chars().count() <= 40 {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(40).collect();
        t.push('…');
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_display_round_trip() {
        for s in ["1970-01-01", "2015-10-01", "2024-02-29", "2027-03-31", "1950-03-02"] {
            assert_eq!(Date::parse("d", s).unwrap().to_string(), s);
        }
    }

    #[test]
    fn impossible_dates_are_rejected() {
        for s in ["2023-02-29", "2026-13-01", "2026-00-10", "26-01-01", "2026-1-01", "abcd-ef-gh", ""] {
            assert!(Date::parse_opt(s).is_none(), "{s}");
        }
    }

    #[test]
    fn age_counts_whole_years() {
        let b = Date::parse("b", "1950-03-02").unwrap();
        assert_eq!(Date::parse("d", "2026-03-01").unwrap().years_since(b), 75);
        assert_eq!(Date::parse("d", "2026-03-02").unwrap().years_since(b), 76);
    }
}
