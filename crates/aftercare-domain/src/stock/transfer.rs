//! Transfers between warehouses: ship → in transit with an expected arrival → receive in
//! full or in part. What is not received when the transfer is closed becomes a discrepancy
//! to resolve (found or written off); it is never silently absorbed.

use super::condition::StockCondition;
use super::qty::Qty;
use crate::ids::{PartId, TransferId, WarehouseId};
use crate::time::Instant;
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};

/// Units of one part in one condition, as shipped or received.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct TransferQty {
    /// The part.
    pub part: PartId,
    /// The condition.
    pub condition: StockCondition,
    /// Units.
    pub qty: Qty,
}

/// One line of a transfer and what became of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransferLine {
    /// The part.
    pub part: PartId,
    /// The condition shipped.
    pub condition: StockCondition,
    /// Units shipped.
    pub shipped: Qty,
    /// Units received at the destination.
    pub received: Qty,
    /// Units declared missing when the transfer was closed (the discrepancy).
    pub missing: Qty,
    /// Missing units found later.
    pub found: Qty,
    /// Missing units written off.
    pub written_off: Qty,
}

impl TransferLine {
    /// Units still on the road: shipped − received − missing.
    pub fn in_transit(&self) -> Qty {
        self.shipped
            .saturating_sub(self.received)
            .saturating_sub(self.missing)
    }

    /// Missing units not yet resolved: missing − found − written off.
    pub fn open_discrepancy(&self) -> Qty {
        self.missing
            .saturating_sub(self.found)
            .saturating_sub(self.written_off)
    }
}

/// Where a transfer is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TransferStatus {
    /// Shipped, nothing received yet.
    InTransit,
    /// Some received, some still on the road.
    PartiallyReceived,
    /// Nothing left on the road (fully received, or closed with a discrepancy).
    Closed,
}

/// A transfer from one warehouse to another.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transfer {
    /// The transfer.
    pub id: TransferId,
    /// Source warehouse.
    pub from: WarehouseId,
    /// Destination warehouse.
    pub to: WarehouseId,
    /// When it left.
    pub shipped_at: Instant,
    /// Expected arrival.
    pub eta: Instant,
    /// The lines, one per (part, condition).
    pub lines: Vec<TransferLine>,
    /// Status.
    pub status: TransferStatus,
}

/// How a missing quantity was resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Resolution {
    /// The parts turned up, in this warehouse.
    Found {
        /// Where they are now.
        warehouse: WarehouseId,
    },
    /// The parts are lost: written off to the inventory-difference account of the
    /// destination warehouse.
    WriteOff,
}

/// Why a transfer operation is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransferError {
    /// Same source and destination.
    #[error("a transfer must go to another warehouse")]
    SameWarehouse,
    /// No lines.
    #[error("a transfer needs at least one line")]
    NoLines,
    /// Arrival before departure.
    #[error("the expected arrival is before the shipment")]
    EtaBeforeShipment,
    /// A line repeated.
    #[error("part {part} in condition {} is listed twice", condition.code())]
    DuplicateLine {
        /// The part.
        part: PartId,
        /// The condition.
        condition: StockCondition,
    },
    /// Zero units or quarantine stock.
    #[error("part {part}: ship at least one unit, and never stock awaiting inspection")]
    BadLine {
        /// The part.
        part: PartId,
    },
    /// Not on this transfer.
    #[error("part {part} in condition {} is not on this transfer", condition.code())]
    UnknownLine {
        /// The part.
        part: PartId,
        /// The condition.
        condition: StockCondition,
    },
    /// More than is on the road.
    #[error("part {part}: receiving {requested} but only {in_transit} in transit")]
    ExceedsInTransit {
        /// The part.
        part: PartId,
        /// Units asked.
        requested: Qty,
        /// Units on the road.
        in_transit: Qty,
    },
    /// More than is missing.
    #[error("part {part}: resolving {requested} but only {open} missing")]
    ExceedsDiscrepancy {
        /// The part.
        part: PartId,
        /// Units asked.
        requested: Qty,
        /// Units open.
        open: Qty,
    },
    /// Already closed.
    #[error("the transfer is closed")]
    Closed,
}

/// The effect of a receipt: what arrives and what becomes a discrepancy.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ReceiptPlan {
    /// Units to move from in transit into the destination.
    pub received: Vec<TransferQty>,
    /// Units to move from in transit to the transfer's discrepancy (only when closing).
    pub missing: Vec<TransferQty>,
}

fn check_lines(lines: &[TransferQty]) -> Result<(), TransferError> {
    let mut seen = HashSet::with_capacity(lines.len());
    for l in lines {
        if !seen.insert((l.part, l.condition)) {
            return Err(TransferError::DuplicateLine {
                part: l.part,
                condition: l.condition,
            });
        }
    }
    Ok(())
}

impl Transfer {
    /// A shipped transfer: another warehouse, an arrival not before the shipment, one line
    /// per (part, condition) with at least one unit, nothing in quarantine.
    pub fn ship(
        id: TransferId,
        from: WarehouseId,
        to: WarehouseId,
        shipped_at: Instant,
        eta: Instant,
        lines: &[TransferQty],
    ) -> Result<Transfer, TransferError> {
        if from == to {
            return Err(TransferError::SameWarehouse);
        }
        if lines.is_empty() {
            return Err(TransferError::NoLines);
        }
        if eta < shipped_at {
            return Err(TransferError::EtaBeforeShipment);
        }
        check_lines(lines)?;
        if let Some(bad) = lines
            .iter()
            .find(|l| l.qty.is_zero() || l.condition == StockCondition::Quarantine)
        {
            return Err(TransferError::BadLine { part: bad.part });
        }
        Ok(Transfer {
            id,
            from,
            to,
            shipped_at,
            eta,
            lines: lines
                .iter()
                .map(|l| TransferLine {
                    part: l.part,
                    condition: l.condition,
                    shipped: l.qty,
                    received: Qty::ZERO,
                    missing: Qty::ZERO,
                    found: Qty::ZERO,
                    written_off: Qty::ZERO,
                })
                .collect(),
            status: TransferStatus::InTransit,
        })
    }

    fn line_index(&self) -> HashMap<(PartId, StockCondition), usize> {
        self.lines
            .iter()
            .enumerate()
            .map(|(i, l)| ((l.part, l.condition), i))
            .collect()
    }

    fn line_mut(
        &mut self,
        part: PartId,
        condition: StockCondition,
    ) -> Result<&mut TransferLine, TransferError> {
        self.lines
            .iter_mut()
            .find(|l| l.part == part && l.condition == condition)
            .ok_or(TransferError::UnknownLine { part, condition })
    }

    /// Plan a receipt of `lines` (zero-unit lines receive nothing, but must still name a
    /// line of the transfer); with `close`, every unit still on the road after it becomes
    /// missing. Changes nothing.
    pub fn plan_receipt(
        &self,
        lines: &[TransferQty],
        close: bool,
    ) -> Result<ReceiptPlan, TransferError> {
        if self.status == TransferStatus::Closed {
            return Err(TransferError::Closed);
        }
        check_lines(lines)?;
        let index = self.line_index();
        let mut received_by_line = vec![Qty::ZERO; self.lines.len()];
        let mut plan = ReceiptPlan::default();
        for l in lines {
            let i = *index
                .get(&(l.part, l.condition))
                .ok_or(TransferError::UnknownLine {
                    part: l.part,
                    condition: l.condition,
                })?;
            if l.qty.is_zero() {
                continue;
            }
            let in_transit = self.lines[i].in_transit();
            if l.qty > in_transit {
                return Err(TransferError::ExceedsInTransit {
                    part: l.part,
                    requested: l.qty,
                    in_transit,
                });
            }
            received_by_line[i] = l.qty;
            plan.received.push(*l);
        }
        if close {
            for (line, got) in self.lines.iter().zip(&received_by_line) {
                let left = line.in_transit().saturating_sub(*got);
                if !left.is_zero() {
                    plan.missing.push(TransferQty {
                        part: line.part,
                        condition: line.condition,
                        qty: left,
                    });
                }
            }
        }
        Ok(plan)
    }

    /// Record a planned receipt (made by [`Transfer::plan_receipt`] on this transfer). Checks
    /// again that no line receives or loses more than is on the road.
    pub fn apply_receipt(&mut self, plan: &ReceiptPlan) -> Result<(), TransferError> {
        if self.status == TransferStatus::Closed {
            return Err(TransferError::Closed);
        }
        let mut next = self.lines.clone();
        let moves = plan
            .received
            .iter()
            .map(|r| (r, false))
            .chain(plan.missing.iter().map(|m| (m, true)));
        for (q, is_missing) in moves {
            let line = next
                .iter_mut()
                .find(|l| l.part == q.part && l.condition == q.condition)
                .ok_or(TransferError::UnknownLine {
                    part: q.part,
                    condition: q.condition,
                })?;
            let in_transit = line.in_transit();
            if q.qty > in_transit {
                return Err(TransferError::ExceedsInTransit {
                    part: q.part,
                    requested: q.qty,
                    in_transit,
                });
            }
            // Cannot overflow: the sum stays within `shipped`.
            let slot = if is_missing {
                &mut line.missing
            } else {
                &mut line.received
            };
            *slot = Qty::from_balance(slot.get() + q.qty.get());
        }
        self.lines = next;
        self.status = if self.lines.iter().all(|l| l.in_transit().is_zero()) {
            TransferStatus::Closed
        } else {
            TransferStatus::PartiallyReceived
        };
        Ok(())
    }

    /// Check and record the resolution of `qty` missing units of a line.
    pub fn resolve(
        &mut self,
        part: PartId,
        condition: StockCondition,
        qty: Qty,
        resolution: Resolution,
    ) -> Result<(), TransferError> {
        let line = self.line_mut(part, condition)?;
        let open = line.open_discrepancy();
        if qty.is_zero() || qty > open {
            return Err(TransferError::ExceedsDiscrepancy {
                part,
                requested: qty,
                open,
            });
        }
        // Cannot overflow: the sum stays within `missing`.
        let slot = match resolution {
            Resolution::Found { .. } => &mut line.found,
            Resolution::WriteOff => &mut line.written_off,
        };
        *slot = Qty::from_balance(slot.get() + qty.get());
        Ok(())
    }

    /// Whether the transfer is still on the road after its expected arrival.
    pub fn is_overdue(&self, now: Instant) -> bool {
        self.status != TransferStatus::Closed && now > self.eta
    }

    /// Whether any line has missing units not yet resolved.
    pub fn has_open_discrepancy(&self) -> bool {
        self.lines.iter().any(|l| !l.open_discrepancy().is_zero())
    }
}

/// The transfers overdue at `now`, most overdue first.
pub fn overdue(transfers: &[Transfer], now: Instant) -> Vec<&Transfer> {
    let mut late: Vec<&Transfer> = transfers.iter().filter(|t| t.is_overdue(now)).collect();
    late.sort_by_key(|t| (t.eta, t.id));
    late
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: StockCondition = StockCondition::Good;

    fn tq(part: i64, qty: i64) -> TransferQty {
        TransferQty {
            part: PartId(part),
            condition: GOOD,
            qty: Qty::new(qty).unwrap(),
        }
    }

    fn shipped() -> Transfer {
        Transfer::ship(
            TransferId(1),
            WarehouseId(1),
            WarehouseId(2),
            Instant(0),
            Instant(1000),
            &[tq(1, 5), tq(2, 3)],
        )
        .unwrap()
    }

    #[test]
    fn a_transfer_must_go_somewhere_else() {
        let err = Transfer::ship(
            TransferId(1),
            WarehouseId(1),
            WarehouseId(1),
            Instant(0),
            Instant(1),
            &[tq(1, 1)],
        );
        assert_eq!(err, Err(TransferError::SameWarehouse));
    }

    #[test]
    fn quarantine_stock_cannot_be_shipped() {
        let mut line = tq(1, 1);
        line.condition = StockCondition::Quarantine;
        let err = Transfer::ship(
            TransferId(1),
            WarehouseId(1),
            WarehouseId(2),
            Instant(0),
            Instant(1),
            &[line],
        );
        assert_eq!(err, Err(TransferError::BadLine { part: PartId(1) }));
    }

    #[test]
    fn a_partial_receipt_leaves_the_rest_in_transit() {
        let mut t = shipped();
        let plan = t.plan_receipt(&[tq(1, 2)], false).unwrap();
        assert!(plan.missing.is_empty());
        t.apply_receipt(&plan).unwrap();
        assert_eq!(t.status, TransferStatus::PartiallyReceived);
        assert_eq!(t.lines[0].in_transit().get(), 3);
        assert_eq!(t.lines[1].in_transit().get(), 3);
    }

    #[test]
    fn closing_turns_what_did_not_arrive_into_a_discrepancy() {
        let mut t = shipped();
        let plan = t.plan_receipt(&[tq(1, 4), tq(2, 3)], true).unwrap();
        assert_eq!(plan.missing, [tq(1, 1)]);
        t.apply_receipt(&plan).unwrap();
        assert_eq!(t.status, TransferStatus::Closed);
        assert!(t.has_open_discrepancy());
        assert_eq!(t.lines[0].open_discrepancy().get(), 1);
    }

    #[test]
    fn receiving_everything_closes_without_a_discrepancy() {
        let mut t = shipped();
        let plan = t.plan_receipt(&[tq(1, 5), tq(2, 3)], false).unwrap();
        t.apply_receipt(&plan).unwrap();
        assert_eq!(t.status, TransferStatus::Closed);
        assert!(!t.has_open_discrepancy());
        assert_eq!(
            t.plan_receipt(&[tq(1, 1)], false),
            Err(TransferError::Closed)
        );
    }

    #[test]
    fn cannot_receive_more_than_is_in_transit() {
        let t = shipped();
        assert_eq!(
            t.plan_receipt(&[tq(2, 4)], false),
            Err(TransferError::ExceedsInTransit {
                part: PartId(2),
                requested: Qty::new(4).unwrap(),
                in_transit: Qty::new(3).unwrap()
            })
        );
    }

    #[test]
    fn cannot_receive_a_part_that_was_not_shipped() {
        assert!(matches!(
            shipped().plan_receipt(&[tq(9, 1)], false),
            Err(TransferError::UnknownLine { .. })
        ));
    }

    #[test]
    fn a_discrepancy_resolves_at_most_what_is_missing() {
        let mut t = shipped();
        let plan = t.plan_receipt(&[], true).unwrap();
        t.apply_receipt(&plan).unwrap();
        let q = |n| Qty::new(n).unwrap();
        t.resolve(PartId(1), GOOD, q(2), Resolution::WriteOff)
            .unwrap();
        t.resolve(
            PartId(1),
            GOOD,
            q(3),
            Resolution::Found {
                warehouse: WarehouseId(2),
            },
        )
        .unwrap();
        assert!(matches!(
            t.resolve(PartId(1), GOOD, q(1), Resolution::WriteOff),
            Err(TransferError::ExceedsDiscrepancy { .. })
        ));
        assert_eq!(t.lines[0].open_discrepancy(), Qty::ZERO);
    }

    #[test]
    fn overdue_means_still_on_the_road_after_the_eta() {
        let mut t = shipped();
        assert!(!t.is_overdue(Instant(1000)));
        assert!(t.is_overdue(Instant(1001)));
        let ts = [t.clone()];
        assert_eq!(overdue(&ts, Instant(2000)).len(), 1);
        let plan = t.plan_receipt(&[], true).unwrap();
        t.apply_receipt(&plan).unwrap();
        assert!(!t.is_overdue(Instant(2000)));
    }
}
