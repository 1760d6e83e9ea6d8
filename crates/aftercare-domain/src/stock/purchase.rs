//! Purchase orders as far as receiving goes: partial receipts up to what was ordered.

use super::qty::Qty;
use crate::ids::{PartId, PurchaseOrderId, SupplierId};
use serde::{Deserialize, Serialize};

/// One part on a purchase order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PurchaseLine {
    /// The part.
    pub part: PartId,
    /// Units ordered.
    pub ordered: Qty,
    /// Units received so far (accepted or not).
    pub received: Qty,
}

impl PurchaseLine {
    /// Units still to come. Rejected units do not reopen the line: a replacement delivery
    /// is a new order.
    pub fn outstanding(&self) -> Qty {
        self.ordered.saturating_sub(self.received)
    }
}

/// A purchase order from one supplier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PurchaseOrder {
    /// The order.
    pub id: PurchaseOrderId,
    /// The supplier.
    pub supplier: SupplierId,
    /// One line per part.
    pub lines: Vec<PurchaseLine>,
}

/// Why a receipt against a purchase order is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PurchaseError {
    /// Empty order, a zero line or a part listed twice.
    #[error("a purchase order needs one line per part, each of at least one unit")]
    BadLines,
    /// Part not on the order.
    #[error("part {0} is not on this purchase order")]
    NotOnOrder(PartId),
    /// More than outstanding.
    #[error("receiving {requested} but only {outstanding} outstanding")]
    ExceedsOutstanding {
        /// Units asked.
        requested: Qty,
        /// Units outstanding.
        outstanding: Qty,
    },
}

impl PurchaseOrder {
    /// An order with one line of at least one unit per part.
    pub fn new(
        id: PurchaseOrderId,
        supplier: SupplierId,
        lines: &[(PartId, Qty)],
    ) -> Result<PurchaseOrder, PurchaseError> {
        let mut parts: Vec<PartId> = lines.iter().map(|l| l.0).collect();
        parts.sort();
        parts.dedup();
        if lines.is_empty() || parts.len() != lines.len() || lines.iter().any(|l| l.1.is_zero()) {
            return Err(PurchaseError::BadLines);
        }
        Ok(PurchaseOrder {
            id,
            supplier,
            lines: lines
                .iter()
                .map(|&(part, ordered)| PurchaseLine {
                    part,
                    ordered,
                    received: Qty::ZERO,
                })
                .collect(),
        })
    }

    /// Check and record a receipt of `qty` units of `part` (partial receipts allowed).
    pub fn receive(&mut self, part: PartId, qty: Qty) -> Result<(), PurchaseError> {
        let line = self
            .lines
            .iter_mut()
            .find(|l| l.part == part)
            .ok_or(PurchaseError::NotOnOrder(part))?;
        let outstanding = line.outstanding();
        if qty.is_zero() || qty > outstanding {
            return Err(PurchaseError::ExceedsOutstanding {
                requested: qty,
                outstanding,
            });
        }
        line.received = Qty::from_balance(line.received.get() + qty.get());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(n: i64) -> Qty {
        Qty::new(n).unwrap()
    }

    #[test]
    fn receives_in_parts_up_to_what_was_ordered() {
        let mut po =
            PurchaseOrder::new(PurchaseOrderId(1), SupplierId(1), &[(PartId(1), q(10))]).unwrap();
        po.receive(PartId(1), q(4)).unwrap();
        po.receive(PartId(1), q(6)).unwrap();
        assert_eq!(
            po.receive(PartId(1), q(1)),
            Err(PurchaseError::ExceedsOutstanding {
                requested: q(1),
                outstanding: q(0)
            })
        );
    }

    #[test]
    fn refuses_parts_not_on_the_order_and_duplicate_lines() {
        let mut po =
            PurchaseOrder::new(PurchaseOrderId(1), SupplierId(1), &[(PartId(1), q(1))]).unwrap();
        assert_eq!(
            po.receive(PartId(2), q(1)),
            Err(PurchaseError::NotOnOrder(PartId(2)))
        );
        assert_eq!(
            PurchaseOrder::new(
                PurchaseOrderId(1),
                SupplierId(1),
                &[(PartId(1), q(1)), (PartId(1), q(2))]
            ),
            Err(PurchaseError::BadLines)
        );
    }
}
