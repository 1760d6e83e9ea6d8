//! Money as an integer number of minor units (fen, cents): never a float.

use serde::{Deserialize, Serialize};
use std::fmt;

/// An amount of money in minor units of the company currency.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Money(pub i64);

/// Why a money amount could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyParseError {
    /// Not a decimal number with at most two decimals.
    #[error("'{0}' is not an amount (expected digits with at most two decimals, e.g. 12.50)")]
    Malformed(String),
    /// Out of the representable range.
    #[error("'{0}' is too large")]
    Overflow(String),
}

impl Money {
    /// Zero.
    pub const ZERO: Money = Money(0);

    /// From minor units.
    pub fn from_minor(minor: i64) -> Self {
        Money(minor)
    }

    /// Minor units.
    pub fn minor(self) -> i64 {
        self.0
    }

    /// Checked addition: `None` on overflow.
    pub fn checked_add(self, other: Money) -> Option<Money> {
        self.0.checked_add(other.0).map(Money)
    }

    /// Checked multiplication by a quantity.
    pub fn checked_mul(self, qty: i64) -> Option<Money> {
        self.0.checked_mul(qty).map(Money)
    }

    /// Parse a decimal string with up to two decimals ("12", "12.5", "-3.05").
    pub fn parse(text: &str) -> Result<Money, MoneyParseError> {
        let s = text.trim();
        let malformed = || MoneyParseError::Malformed(text.to_string());
        let (neg, body) = match s.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, s),
        };
        let (int, frac) = match body.split_once('.') {
            Some((i, f)) => (i, f),
            None => (body, ""),
        };
        if int.is_empty() || !int.bytes().all(|b| b.is_ascii_digit()) {
            return Err(malformed());
        }
        if frac.len() > 2 || !frac.bytes().all(|b| b.is_ascii_digit()) {
            return Err(malformed());
        }
        let overflow = || MoneyParseError::Overflow(text.to_string());
        let units: i64 = int.parse().map_err(|_| overflow())?;
        let cents: i64 = format!("{frac:0<2}").parse().map_err(|_| malformed())?;
        let minor = units
            .checked_mul(100)
            .and_then(|v| v.checked_add(cents))
            .ok_or_else(overflow)?;
        Ok(Money(if neg { -minor } else { minor }))
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        write!(f, "{sign}{}.{:02}", abs / 100, abs % 100)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints_two_decimals() {
        assert_eq!(Money::parse("12.5").unwrap(), Money(1250));
        assert_eq!(Money::parse("-3.05").unwrap(), Money(-305));
        assert_eq!(Money::parse("7").unwrap().to_string(), "7.00");
        assert_eq!(Money(-305).to_string(), "-3.05");
    }

    #[test]
    fn rejects_three_decimals_and_garbage() {
        assert!(Money::parse("1.234").is_err());
        assert!(Money::parse("abc").is_err());
        assert!(Money::parse("").is_err());
        assert!(Money::parse("1e3").is_err());
    }

    #[test]
    fn reports_overflow() {
        assert!(matches!(
            Money::parse("99999999999999999999"),
            Err(MoneyParseError::Overflow(_))
        ));
    }
}
