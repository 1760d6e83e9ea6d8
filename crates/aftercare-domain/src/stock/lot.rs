//! Lots and the issue allocation rule: repaired before good, then first in, first out.

use super::condition::StockCondition;
use super::location::Location;
use super::movement::{LotTake, MovementKind};
use super::qty::Qty;
use crate::ids::{LotId, PartId};
use crate::time::Instant;
use serde::{Deserialize, Serialize};

/// A lot: units of one part that entered the books in one movement (a receipt, a repair
/// receipt, an old-for-new return or a stocktake gain). Lots keep their identity as they move,
/// so every movement records which lots it consumed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lot {
    /// The lot.
    pub id: LotId,
    /// The part.
    pub part: PartId,
    /// The location it came from; its balance there is the only one that may be negative.
    pub origin: Location,
    /// When it was received: the "first in" of first in, first out.
    pub received_at: Instant,
    /// The condition it takes when it passes inspection or comes back unused: good for
    /// purchases, repaired for repair receipts; `None` for lots that can never be issued
    /// (old-for-new defective returns, stocktake gains of defective or scrap stock).
    pub usable_as: Option<StockCondition>,
}

/// The condition a lot made by a `kind` movement into `to` takes when it passes inspection
/// or comes back unused (see [`Lot::usable_as`]).
pub fn usable_as_for(kind: MovementKind, to: &Location) -> Option<StockCondition> {
    match (kind, to.as_stock().map(|(_, c)| c)) {
        (MovementKind::Receipt, _) => Some(StockCondition::Good),
        (MovementKind::RepairReceive, _) => Some(StockCondition::Repaired),
        (MovementKind::StocktakeAdjust, Some(StockCondition::Repaired)) => {
            Some(StockCondition::Repaired)
        }
        (
            MovementKind::StocktakeAdjust,
            Some(StockCondition::Good | StockCondition::Quarantine),
        ) => Some(StockCondition::Good),
        _ => None,
    }
}

/// How much of a lot sits at one location (the input to allocation).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LotBalance {
    /// The lot.
    pub lot: LotId,
    /// The condition of the location it sits in.
    pub condition: StockCondition,
    /// When it was received.
    pub received_at: Instant,
    /// Units there.
    pub qty: Qty,
}

/// Units of one lot chosen by [`allocate`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Allocation {
    /// The lot.
    pub lot: LotId,
    /// The condition it is taken from.
    pub condition: StockCondition,
    /// Units taken.
    pub qty: Qty,
}

impl Allocation {
    /// The lot quantity as recorded on a movement.
    pub fn take(&self) -> LotTake {
        LotTake {
            lot: self.lot,
            qty: self.qty,
        }
    }
}

/// Not enough units: carries what is available, for a clear 409.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("requested {requested}, only {available} available")]
pub struct Shortage {
    /// Units asked for.
    pub requested: Qty,
    /// Units that could be had.
    pub available: Qty,
}

/// Issue order of conditions: repaired parts go first.
fn condition_rank(c: StockCondition) -> u8 {
    match c {
        StockCondition::Repaired => 0,
        StockCondition::Good => 1,
        StockCondition::Defective => 2,
        StockCondition::Quarantine => 3,
        StockCondition::Scrap => 4,
    }
}

/// Choose lots for `qty` units: repaired before good, then oldest receipt first (ties by lot
/// id), never more than a lot holds and never more than asked. Fails with the total on hand
/// when the lots do not cover `qty`; then nothing is allocated.
pub fn allocate(lots: &[LotBalance], qty: Qty) -> Result<Vec<Allocation>, Shortage> {
    let on_hand: Qty = lots.iter().map(|l| l.qty).sum();
    if on_hand < qty {
        return Err(Shortage {
            requested: qty,
            available: on_hand,
        });
    }
    let mut order: Vec<&LotBalance> = lots.iter().filter(|l| !l.qty.is_zero()).collect();
    order.sort_by_key(|l| (condition_rank(l.condition), l.received_at, l.lot));
    let mut left = qty;
    let mut out = Vec::new();
    for l in order {
        if left.is_zero() {
            break;
        }
        let take = l.qty.min(left);
        out.push(Allocation {
            lot: l.lot,
            condition: l.condition,
            qty: take,
        });
        left = left.saturating_sub(take);
    }
    Ok(out)
}

/// Whether `qty` can be taken when `on_hand` units are there and `reserved` are promised:
/// available = on hand − reserved, never below zero.
pub fn check_available(on_hand: Qty, reserved: Qty, qty: Qty) -> Result<(), Shortage> {
    let available = on_hand.saturating_sub(reserved);
    if qty <= available {
        Ok(())
    } else {
        Err(Shortage {
            requested: qty,
            available,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn lb(lot: i64, condition: StockCondition, at: i64, qty: i64) -> LotBalance {
        LotBalance {
            lot: LotId(lot),
            condition,
            received_at: Instant(at),
            qty: Qty::new(qty).unwrap(),
        }
    }

    fn taken(a: &[Allocation]) -> Vec<(i64, i64)> {
        a.iter().map(|x| (x.lot.get(), x.qty.get())).collect()
    }

    #[test]
    fn repaired_parts_go_before_older_good_parts() {
        let lots = [
            lb(1, StockCondition::Good, 100, 5),
            lb(2, StockCondition::Repaired, 900, 2),
        ];
        let a = allocate(&lots, Qty::new(3).unwrap()).unwrap();
        assert_eq!(taken(&a), [(2, 2), (1, 1)]);
        assert_eq!(a[0].condition, StockCondition::Repaired);
    }

    #[test]
    fn within_a_condition_the_oldest_lot_goes_first() {
        let lots = [
            lb(7, StockCondition::Good, 300, 4),
            lb(3, StockCondition::Good, 100, 1),
            lb(5, StockCondition::Good, 200, 4),
        ];
        let a = allocate(&lots, Qty::new(6).unwrap()).unwrap();
        assert_eq!(taken(&a), [(3, 1), (5, 4), (7, 1)]);
    }

    #[test]
    fn a_shortage_reports_what_is_on_hand() {
        let lots = [
            lb(1, StockCondition::Good, 1, 2),
            lb(2, StockCondition::Good, 2, 1),
        ];
        assert_eq!(
            allocate(&lots, Qty::new(4).unwrap()),
            Err(Shortage {
                requested: Qty::new(4).unwrap(),
                available: Qty::new(3).unwrap()
            })
        );
    }

    #[test]
    fn empty_lots_are_skipped() {
        let lots = [
            lb(1, StockCondition::Repaired, 1, 0),
            lb(2, StockCondition::Good, 2, 1),
        ];
        assert_eq!(
            taken(&allocate(&lots, Qty::new(1).unwrap()).unwrap()),
            [(2, 1)]
        );
    }

    #[test]
    fn reserved_units_are_not_available() {
        let q = |n| Qty::new(n).unwrap();
        assert!(check_available(q(5), q(3), q(2)).is_ok());
        assert_eq!(
            check_available(q(5), q(3), q(3)).unwrap_err().available,
            q(2)
        );
        assert_eq!(
            check_available(q(1), q(3), q(1)).unwrap_err().available,
            q(0)
        );
    }

    proptest! {
        #[test]
        fn allocation_never_over_allocates_and_takes_exactly_what_is_asked(
            raw in proptest::collection::vec((0u8..2, 0i64..50, 0i64..6), 0..12),
            want in 0i64..40,
        ) {
            let lots: Vec<LotBalance> = raw.iter().enumerate().map(|(i, &(c, at, n))| {
                let cond = if c == 0 { StockCondition::Good } else { StockCondition::Repaired };
                lb(i as i64, cond, at, n)
            }).collect();
            let total: i64 = raw.iter().map(|r| r.2).sum();
            match allocate(&lots, Qty::new(want).unwrap()) {
                Ok(a) => {
                    prop_assert!(want <= total);
                    prop_assert_eq!(a.iter().map(|x| x.qty.get()).sum::<i64>(), want);
                    for x in &a {
                        let lot = lots.iter().find(|l| l.lot == x.lot).unwrap();
                        prop_assert!(x.qty <= lot.qty && !x.qty.is_zero());
                    }
                    // Every lot taken from is exhausted except possibly the last one.
                    for x in a.iter().rev().skip(1) {
                        let lot = lots.iter().find(|l| l.lot == x.lot).unwrap();
                        prop_assert_eq!(x.qty, lot.qty);
                    }
                }
                Err(s) => {
                    prop_assert!(want > total);
                    prop_assert_eq!(s.available.get(), total);
                }
            }
        }
    }
}
