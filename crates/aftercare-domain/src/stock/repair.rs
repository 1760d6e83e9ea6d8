//! The repair loop: defective stock goes to a repair vendor under a repair order with a due
//! date, and comes back repaired (through inspection) or is declared unrepairable.

use super::qty::Qty;
use crate::ids::{PartId, RepairOrderId, SupplierId, WarehouseId};
use crate::time::Instant;
use serde::{Deserialize, Serialize};

/// Defective units of one part at one repair vendor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RepairOrder {
    /// The order.
    pub id: RepairOrderId,
    /// The repair vendor.
    pub vendor: SupplierId,
    /// The warehouse that sent the parts.
    pub warehouse: WarehouseId,
    /// The part.
    pub part: PartId,
    /// Units sent.
    pub sent: Qty,
    /// Units received back (into quarantine).
    pub received: Qty,
    /// Units received back but rejected at inspection and returned to the vendor.
    pub rejected: Qty,
    /// Units declared unrepairable.
    pub unrepairable: Qty,
    /// When the parts left.
    pub sent_at: Instant,
    /// When the vendor is due to return them.
    pub due: Instant,
}

/// Why a repair order operation is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RepairError {
    /// Zero units.
    #[error("at least one unit is needed")]
    ZeroQty,
    /// Due before sent.
    #[error("the due date is before the parts are sent")]
    DueBeforeSent,
    /// More than the vendor holds.
    #[error("the vendor holds only {at_vendor} units under this order")]
    ExceedsAtVendor {
        /// Units at the vendor.
        at_vendor: Qty,
    },
}

impl RepairOrder {
    /// A new order for `qty` defective units, due no earlier than sent.
    pub fn new(
        id: RepairOrderId,
        vendor: SupplierId,
        warehouse: WarehouseId,
        part: PartId,
        qty: Qty,
        sent_at: Instant,
        due: Instant,
    ) -> Result<RepairOrder, RepairError> {
        if qty.is_zero() {
            return Err(RepairError::ZeroQty);
        }
        if due < sent_at {
            return Err(RepairError::DueBeforeSent);
        }
        Ok(RepairOrder {
            id,
            vendor,
            warehouse,
            part,
            sent: qty,
            received: Qty::ZERO,
            rejected: Qty::ZERO,
            unrepairable: Qty::ZERO,
            sent_at,
            due,
        })
    }

    /// Units the vendor holds: sent + rejected − received − unrepairable.
    pub fn at_vendor(&self) -> Qty {
        Qty::from_balance(
            self.sent.get() + self.rejected.get() - self.received.get() - self.unrepairable.get(),
        )
    }

    /// Check that `qty` units can come back (repaired or unrepairable).
    pub fn check_return(&self, qty: Qty) -> Result<(), RepairError> {
        if qty.is_zero() {
            return Err(RepairError::ZeroQty);
        }
        let at_vendor = self.at_vendor();
        if qty > at_vendor {
            return Err(RepairError::ExceedsAtVendor { at_vendor });
        }
        Ok(())
    }

    /// Whether the vendor still holds units after the due date.
    pub fn is_overdue(&self, now: Instant) -> bool {
        !self.at_vendor().is_zero() && now > self.due
    }

    /// Whether nothing is left at the vendor.
    pub fn is_closed(&self) -> bool {
        self.at_vendor().is_zero()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(n: i64) -> Qty {
        Qty::new(n).unwrap()
    }

    fn order() -> RepairOrder {
        RepairOrder::new(
            RepairOrderId(1),
            SupplierId(1),
            WarehouseId(1),
            PartId(1),
            q(4),
            Instant(0),
            Instant(100),
        )
        .unwrap()
    }

    #[test]
    fn the_due_date_cannot_precede_sending() {
        let err = RepairOrder::new(
            RepairOrderId(1),
            SupplierId(1),
            WarehouseId(1),
            PartId(1),
            q(1),
            Instant(10),
            Instant(9),
        );
        assert_eq!(err, Err(RepairError::DueBeforeSent));
    }

    #[test]
    fn cannot_get_back_more_than_the_vendor_holds() {
        let mut o = order();
        o.received = q(3);
        assert!(o.check_return(q(1)).is_ok());
        assert_eq!(
            o.check_return(q(2)),
            Err(RepairError::ExceedsAtVendor { at_vendor: q(1) })
        );
        o.rejected = q(1);
        assert!(o.check_return(q(2)).is_ok());
    }

    #[test]
    fn overdue_only_while_the_vendor_holds_parts() {
        let mut o = order();
        assert!(!o.is_overdue(Instant(100)));
        assert!(o.is_overdue(Instant(101)));
        o.received = q(3);
        o.unrepairable = q(1);
        assert!(o.is_closed());
        assert!(!o.is_overdue(Instant(101)));
    }
}
