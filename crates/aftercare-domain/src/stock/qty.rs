//! Quantities of parts: whole units as `i64`.
//!
//! `Qty` can never be negative: it is what a shelf, a lot, a reservation or a movement holds.
//! Signed amounts (a stocktake variance, the balance of a virtual location such as a supplier
//! that only gives) are plain `i64` and named as deltas or balances where they appear.

use crate::money::Money;
use serde::{Deserialize, Serialize};
use std::fmt;

/// A non-negative whole number of units of a part.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(try_from = "i64", into = "i64")]
pub struct Qty(i64);

/// Why a number is not an acceptable quantity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum QtyError {
    /// Below zero.
    #[error("quantity {0} is negative")]
    Negative(i64),
    /// Zero where at least one unit is needed.
    #[error("quantity must be at least 1")]
    Zero,
    /// Arithmetic left the `i64` range.
    #[error("quantity overflow")]
    Overflow,
}

impl Qty {
    /// No units.
    pub const ZERO: Qty = Qty(0);

    /// A quantity of zero or more units.
    pub fn new(units: i64) -> Result<Qty, QtyError> {
        if units < 0 {
            Err(QtyError::Negative(units))
        } else {
            Ok(Qty(units))
        }
    }

    /// A quantity of at least one unit (what a movement, reservation or order line carries).
    pub fn positive(units: i64) -> Result<Qty, QtyError> {
        match Qty::new(units)? {
            Qty(0) => Err(QtyError::Zero),
            q => Ok(q),
        }
    }

    /// The number of units.
    pub fn get(self) -> i64 {
        self.0
    }

    /// Whether this is zero.
    pub fn is_zero(self) -> bool {
        self.0 == 0
    }

    /// Sum, `None` on overflow.
    pub fn checked_add(self, other: Qty) -> Option<Qty> {
        self.0.checked_add(other.0).map(Qty)
    }

    /// Difference, `None` if it would be negative.
    pub fn checked_sub(self, other: Qty) -> Option<Qty> {
        (self.0 >= other.0).then_some(Qty(self.0 - other.0))
    }

    /// Difference, floored at zero.
    pub fn saturating_sub(self, other: Qty) -> Qty {
        Qty((self.0 - other.0).max(0))
    }

    /// A signed balance clamped to a quantity (negative balances read as zero).
    pub fn from_balance(balance: i64) -> Qty {
        Qty(balance.max(0))
    }

    /// The value of this many units at `unit_cost`, `None` on overflow.
    pub fn value(self, unit_cost: Money) -> Option<Money> {
        unit_cost.checked_mul(self.0)
    }
}

impl TryFrom<i64> for Qty {
    type Error = QtyError;

    fn try_from(units: i64) -> Result<Qty, QtyError> {
        Qty::new(units)
    }
}

impl From<Qty> for i64 {
    fn from(q: Qty) -> i64 {
        q.0
    }
}

impl fmt::Display for Qty {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl std::iter::Sum for Qty {
    /// Sums quantities; saturates at `i64::MAX` rather than wrapping.
    fn sum<I: Iterator<Item = Qty>>(iter: I) -> Qty {
        iter.fold(Qty::ZERO, |a, b| Qty(a.0.saturating_add(b.0)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_negative_quantity() {
        assert_eq!(Qty::new(-1), Err(QtyError::Negative(-1)));
        assert_eq!(Qty::new(0), Ok(Qty::ZERO));
    }

    #[test]
    fn positive_quantity_needs_at_least_one_unit() {
        assert_eq!(Qty::positive(0), Err(QtyError::Zero));
        assert_eq!(Qty::positive(3).map(Qty::get), Ok(3));
    }

    #[test]
    fn subtraction_never_goes_below_zero() {
        let two = Qty::new(2).unwrap();
        let three = Qty::new(3).unwrap();
        assert_eq!(two.checked_sub(three), None);
        assert_eq!(two.saturating_sub(three), Qty::ZERO);
        assert_eq!(three.checked_sub(two), Some(Qty::new(1).unwrap()));
    }

    #[test]
    fn conversion_from_a_negative_number_fails() {
        assert_eq!(Qty::try_from(-4), Err(QtyError::Negative(-4)));
        assert_eq!(i64::from(Qty::try_from(4).unwrap()), 4);
    }

    #[test]
    fn values_units_at_unit_cost() {
        assert_eq!(Qty::new(3).unwrap().value(Money(1250)), Some(Money(3750)));
        assert_eq!(Qty::new(i64::MAX).unwrap().value(Money(2)), None);
    }
}
