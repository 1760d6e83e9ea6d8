//! The condition a part is held in.

use serde::{Deserialize, Serialize};

/// The condition of stock on a shelf; stock is kept per (warehouse, part, condition).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StockCondition {
    /// New (良品).
    Good,
    /// Repaired (修复件): issued before new parts.
    Repaired,
    /// Defective, awaiting repair (待修件).
    Defective,
    /// Scrap awaiting disposal (报废件).
    Scrap,
    /// Received, awaiting inspection (待检).
    Quarantine,
}

impl StockCondition {
    /// Every condition.
    pub const ALL: [StockCondition; 5] = [
        StockCondition::Good,
        StockCondition::Repaired,
        StockCondition::Defective,
        StockCondition::Scrap,
        StockCondition::Quarantine,
    ];

    /// Stable code stored in the database.
    pub fn code(self) -> &'static str {
        match self {
            StockCondition::Good => "good",
            StockCondition::Repaired => "repaired",
            StockCondition::Defective => "defective",
            StockCondition::Scrap => "scrap",
            StockCondition::Quarantine => "quarantine",
        }
    }

    /// Parse a code.
    pub fn parse(code: &str) -> Option<StockCondition> {
        StockCondition::ALL
            .into_iter()
            .find(|c| c.code() == code.trim())
    }

    /// Whether stock in this condition can be issued to a ticket or requisition; only issuable
    /// stock counts as available and can be reserved.
    pub fn is_issuable(self) -> bool {
        matches!(self, StockCondition::Good | StockCondition::Repaired)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for c in StockCondition::ALL {
            assert_eq!(StockCondition::parse(c.code()), Some(c));
        }
        assert_eq!(StockCondition::parse("broken"), None);
    }

    #[test]
    fn only_good_and_repaired_stock_is_issuable() {
        let issuable: Vec<_> = StockCondition::ALL
            .into_iter()
            .filter(|c| c.is_issuable())
            .collect();
        assert_eq!(issuable, [StockCondition::Good, StockCondition::Repaired]);
    }
}
