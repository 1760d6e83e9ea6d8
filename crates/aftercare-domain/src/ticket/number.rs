//! Human-friendly ticket numbers: `T` + local date + `-` + six-digit daily sequence, e.g.
//! `T20261122-000123`.
//!
//! The date is the intake date in the company's time zone (the caller converts), so the number
//! a customer is told on the phone matches the day they called. The sequence restarts at 1 every
//! day; six digits hold 999,999 tickets a day, ten times the largest brands' volume.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use std::fmt;

/// The largest daily sequence a ticket number can carry.
pub const MAX_DAILY_SEQUENCE: u32 = 999_999;

/// A ticket number such as `T20261122-000123`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TicketNumber {
    date: NaiveDate,
    sequence: u32,
}

/// Why a ticket number could not be made or read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TicketNumberError {
    /// The daily sequence is 0 or above [`MAX_DAILY_SEQUENCE`].
    #[error("daily sequence {0} is out of range 1..=999999")]
    SequenceOutOfRange(u32),
    /// The year does not fit four digits.
    #[error("year {0} cannot be written with four digits")]
    YearOutOfRange(i32),
    /// The text is not of the form `T20261122-000123`.
    #[error("'{0}' is not a ticket number (expected e.g. T20261122-000123)")]
    Malformed(String),
}

impl TicketNumber {
    /// The number of the `sequence`-th ticket taken on local date `date` (sequence from 1).
    pub fn new(date: NaiveDate, sequence: u32) -> Result<TicketNumber, TicketNumberError> {
        if sequence == 0 || sequence > MAX_DAILY_SEQUENCE {
            return Err(TicketNumberError::SequenceOutOfRange(sequence));
        }
        if !(1..=9999).contains(&date.year()) {
            return Err(TicketNumberError::YearOutOfRange(date.year()));
        }
        Ok(TicketNumber { date, sequence })
    }

    /// The local intake date.
    pub fn date(self) -> NaiveDate {
        self.date
    }

    /// The daily sequence (1-based).
    pub fn sequence(self) -> u32 {
        self.sequence
    }

    /// Read a ticket number; case and surrounding whitespace are ignored so a number typed
    /// from a phone call (`t20261122-000123`) is found.
    pub fn parse(text: &str) -> Result<TicketNumber, TicketNumberError> {
        let malformed = || TicketNumberError::Malformed(text.to_string());
        let t = text.trim();
        let body = t
            .strip_prefix('T')
            .or_else(|| t.strip_prefix('t'))
            .ok_or_else(malformed)?;
        let (date, seq) = body.split_once('-').ok_or_else(malformed)?;
        let all_digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
        if !all_digits(date, 8) || !all_digits(seq, 6) {
            return Err(malformed());
        }
        let date = NaiveDate::parse_from_str(date, "%Y%m%d").map_err(|_| malformed())?;
        let sequence: u32 = seq.parse().map_err(|_| malformed())?;
        TicketNumber::new(date, sequence).map_err(|_| malformed())
    }
}

impl fmt::Display for TicketNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "T{:04}{:02}{:02}-{:06}",
            self.date.year(),
            self.date.month(),
            self.date.day(),
            self.sequence
        )
    }
}

impl From<TicketNumber> for String {
    fn from(n: TicketNumber) -> String {
        n.to_string()
    }
}

impl TryFrom<String> for TicketNumber {
    type Error = TicketNumberError;

    fn try_from(s: String) -> Result<Self, Self::Error> {
        TicketNumber::parse(&s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn formats_date_and_zero_padded_sequence() {
        let n = TicketNumber::new(day(2026, 11, 22), 123).unwrap();
        assert_eq!(n.to_string(), "T20261122-000123");
        let last = TicketNumber::new(day(2026, 1, 2), MAX_DAILY_SEQUENCE).unwrap();
        assert_eq!(last.to_string(), "T20260102-999999");
    }

    #[test]
    fn rejects_sequence_zero_and_above_six_digits() {
        assert_eq!(
            TicketNumber::new(day(2026, 11, 22), 0),
            Err(TicketNumberError::SequenceOutOfRange(0))
        );
        assert_eq!(
            TicketNumber::new(day(2026, 11, 22), 1_000_000),
            Err(TicketNumberError::SequenceOutOfRange(1_000_000))
        );
    }

    #[test]
    fn parses_what_it_prints_and_tolerates_lowercase_and_spaces() {
        let n = TicketNumber::new(day(2026, 11, 22), 123).unwrap();
        assert_eq!(TicketNumber::parse("T20261122-000123"), Ok(n));
        assert_eq!(TicketNumber::parse("  t20261122-000123 "), Ok(n));
    }

    #[test]
    fn rejects_malformed_numbers() {
        for bad in [
            "",
            "20261122-000123",
            "T20261122000123",
            "T20261122-123",
            "T20261322-000123",
            "T20260230-000001",
            "T20261122-000000",
            "T2026112a-000123",
            "T20261122-00012x",
            "T+2026112-000123",
        ] {
            assert!(
                matches!(
                    TicketNumber::parse(bad),
                    Err(TicketNumberError::Malformed(_))
                ),
                "{bad:?} should be rejected"
            );
        }
    }

    #[test]
    fn numbers_sort_by_date_then_sequence() {
        let a = TicketNumber::new(day(2026, 11, 21), 999).unwrap();
        let b = TicketNumber::new(day(2026, 11, 22), 1).unwrap();
        let c = TicketNumber::new(day(2026, 11, 22), 2).unwrap();
        assert!(a < b && b < c);
        assert!(a.to_string() < b.to_string() && b.to_string() < c.to_string());
    }
}
