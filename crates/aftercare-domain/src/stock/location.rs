//! Where stock is: real shelves and the virtual places that make every movement balance.
//!
//! A movement always takes a quantity *from* one location *to* another. Real stock sits at
//! `Stock { warehouse, condition }`; everything outside the company's shelves is a virtual
//! location, so the ledger sums to zero per part at all times: what a supplier gives shows up
//! as a negative balance at that supplier, what is scrapped as a positive balance at
//! `Scrapped`, and so on.

use super::condition::StockCondition;
use crate::ids::{RepairOrderId, RequisitionId, SupplierId, TicketId, TransferId, WarehouseId};
use serde::{Deserialize, Serialize};

/// Who parts are issued to: a service ticket or a requisition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "id")]
pub enum Consumer {
    /// A service ticket (工单): the part goes into a customer's unit.
    Ticket(TicketId),
    /// A requisition (领料单).
    Requisition(RequisitionId),
}

/// A place a quantity of a part can be in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Location {
    /// A warehouse shelf in one condition: the only real location.
    Stock {
        /// The warehouse.
        warehouse: WarehouseId,
        /// The condition.
        condition: StockCondition,
    },
    /// A supplier: the source of purchase receipts and the sink of rejected receipts.
    Supplier {
        /// The supplier.
        supplier: SupplierId,
    },
    /// A ticket or requisition parts were issued to; also the source of old-for-new
    /// defective returns (the old part came inside the customer's unit, never from our books).
    Consumer {
        /// The ticket or requisition.
        consumer: Consumer,
    },
    /// A repair vendor holding defective parts under one repair order.
    RepairVendor {
        /// The repair order.
        order: RepairOrderId,
    },
    /// On the road to `to` under one transfer, in the condition it was shipped in.
    InTransit {
        /// The transfer.
        transfer: TransferId,
        /// The destination warehouse.
        to: WarehouseId,
        /// The condition shipped.
        condition: StockCondition,
    },
    /// Shipped under a transfer but not received: a discrepancy waiting to be resolved.
    TransferDiscrepancy {
        /// The transfer.
        transfer: TransferId,
        /// The condition shipped.
        condition: StockCondition,
    },
    /// Disposed of; nothing ever leaves this location.
    Scrapped {
        /// The warehouse that disposed of it.
        warehouse: WarehouseId,
    },
    /// The inventory-difference account (盘盈盘亏) of a warehouse: stocktake gains come from
    /// it, losses and written-off transfer discrepancies go to it.
    StocktakeDifference {
        /// The warehouse.
        warehouse: WarehouseId,
    },
}

/// The kind of a location: a stable code for storage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LocationKind {
    /// `Location::Stock`.
    Stock,
    /// `Location::Supplier`.
    Supplier,
    /// `Location::Consumer` with a ticket.
    Ticket,
    /// `Location::Consumer` with a requisition.
    Requisition,
    /// `Location::RepairVendor`.
    RepairVendor,
    /// `Location::InTransit`.
    InTransit,
    /// `Location::TransferDiscrepancy`.
    TransferDiscrepancy,
    /// `Location::Scrapped`.
    Scrapped,
    /// `Location::StocktakeDifference`.
    StocktakeDifference,
}

impl LocationKind {
    /// Every kind.
    pub const ALL: [LocationKind; 9] = [
        LocationKind::Stock,
        LocationKind::Supplier,
        LocationKind::Ticket,
        LocationKind::Requisition,
        LocationKind::RepairVendor,
        LocationKind::InTransit,
        LocationKind::TransferDiscrepancy,
        LocationKind::Scrapped,
        LocationKind::StocktakeDifference,
    ];

    /// Stable code stored in the database.
    pub fn code(self) -> &'static str {
        match self {
            LocationKind::Stock => "stock",
            LocationKind::Supplier => "supplier",
            LocationKind::Ticket => "ticket",
            LocationKind::Requisition => "requisition",
            LocationKind::RepairVendor => "repair_vendor",
            LocationKind::InTransit => "in_transit",
            LocationKind::TransferDiscrepancy => "transfer_discrepancy",
            LocationKind::Scrapped => "scrapped",
            LocationKind::StocktakeDifference => "stocktake_difference",
        }
    }

    /// Parse a code.
    pub fn parse(code: &str) -> Option<LocationKind> {
        LocationKind::ALL.into_iter().find(|k| k.code() == code)
    }
}

/// A location flattened into columns, for storage: `(kind, warehouse, condition, reference)`.
/// `reference` is the supplier, ticket, requisition, repair order or transfer id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct LocationKey {
    /// The kind.
    pub kind: LocationKind,
    /// The warehouse (stock, in-transit destination, scrapped, stocktake difference).
    pub warehouse: Option<WarehouseId>,
    /// The condition (stock, in transit, transfer discrepancy).
    pub condition: Option<StockCondition>,
    /// The id of the supplier, ticket, requisition, repair order or transfer.
    pub reference: Option<i64>,
}

/// Columns that do not make a location.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("columns do not describe a {0:?} location")]
pub struct BadLocationKey(pub LocationKind);

impl Location {
    /// A shelf location.
    pub fn stock(warehouse: WarehouseId, condition: StockCondition) -> Location {
        Location::Stock {
            warehouse,
            condition,
        }
    }

    /// The kind of this location.
    pub fn kind(&self) -> LocationKind {
        match self {
            Location::Stock { .. } => LocationKind::Stock,
            Location::Supplier { .. } => LocationKind::Supplier,
            Location::Consumer {
                consumer: Consumer::Ticket(_),
            } => LocationKind::Ticket,
            Location::Consumer {
                consumer: Consumer::Requisition(_),
            } => LocationKind::Requisition,
            Location::RepairVendor { .. } => LocationKind::RepairVendor,
            Location::InTransit { .. } => LocationKind::InTransit,
            Location::TransferDiscrepancy { .. } => LocationKind::TransferDiscrepancy,
            Location::Scrapped { .. } => LocationKind::Scrapped,
            Location::StocktakeDifference { .. } => LocationKind::StocktakeDifference,
        }
    }

    /// Whether this is a real warehouse shelf.
    pub fn is_real(&self) -> bool {
        matches!(self, Location::Stock { .. })
    }

    /// Whether the balance here may be negative: locations stock enters the books from
    /// (suppliers, consumers returning old parts, stocktake gains). Every other location's
    /// balance is never negative.
    pub fn may_go_negative(&self) -> bool {
        matches!(
            self,
            Location::Supplier { .. }
                | Location::Consumer { .. }
                | Location::StocktakeDifference { .. }
        )
    }

    /// The shelf's warehouse and condition, if this is real stock.
    pub fn as_stock(&self) -> Option<(WarehouseId, StockCondition)> {
        match *self {
            Location::Stock {
                warehouse,
                condition,
            } => Some((warehouse, condition)),
            _ => None,
        }
    }

    /// The location as storage columns.
    pub fn key(&self) -> LocationKey {
        let (warehouse, condition, reference) = match *self {
            Location::Stock {
                warehouse,
                condition,
            } => (Some(warehouse), Some(condition), None),
            Location::Supplier { supplier } => (None, None, Some(supplier.get())),
            Location::Consumer {
                consumer: Consumer::Ticket(t),
            } => (None, None, Some(t.get())),
            Location::Consumer {
                consumer: Consumer::Requisition(r),
            } => (None, None, Some(r.get())),
            Location::RepairVendor { order } => (None, None, Some(order.get())),
            Location::InTransit {
                transfer,
                to,
                condition,
            } => (Some(to), Some(condition), Some(transfer.get())),
            Location::TransferDiscrepancy {
                transfer,
                condition,
            } => (None, Some(condition), Some(transfer.get())),
            Location::Scrapped { warehouse } | Location::StocktakeDifference { warehouse } => {
                (Some(warehouse), None, None)
            }
        };
        LocationKey {
            kind: self.kind(),
            warehouse,
            condition,
            reference,
        }
    }

    /// Rebuild a location from storage columns; extra columns are rejected.
    pub fn from_key(key: LocationKey) -> Result<Location, BadLocationKey> {
        let bad = BadLocationKey(key.kind);
        let loc = match (key.kind, key.warehouse, key.condition, key.reference) {
            (LocationKind::Stock, Some(warehouse), Some(condition), None) => Location::Stock {
                warehouse,
                condition,
            },
            (LocationKind::Supplier, None, None, Some(r)) => Location::Supplier {
                supplier: SupplierId(r),
            },
            (LocationKind::Ticket, None, None, Some(r)) => Location::Consumer {
                consumer: Consumer::Ticket(TicketId(r)),
            },
            (LocationKind::Requisition, None, None, Some(r)) => Location::Consumer {
                consumer: Consumer::Requisition(RequisitionId(r)),
            },
            (LocationKind::RepairVendor, None, None, Some(r)) => Location::RepairVendor {
                order: RepairOrderId(r),
            },
            (LocationKind::InTransit, Some(to), Some(condition), Some(r)) => Location::InTransit {
                transfer: TransferId(r),
                to,
                condition,
            },
            (LocationKind::TransferDiscrepancy, None, Some(condition), Some(r)) => {
                Location::TransferDiscrepancy {
                    transfer: TransferId(r),
                    condition,
                }
            }
            (LocationKind::Scrapped, Some(warehouse), None, None) => {
                Location::Scrapped { warehouse }
            }
            (LocationKind::StocktakeDifference, Some(warehouse), None, None) => {
                Location::StocktakeDifference { warehouse }
            }
            _ => return Err(bad),
        };
        Ok(loc)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn samples() -> Vec<Location> {
        let w = WarehouseId(7);
        vec![
            Location::stock(w, StockCondition::Repaired),
            Location::Supplier {
                supplier: SupplierId(3),
            },
            Location::Consumer {
                consumer: Consumer::Ticket(TicketId(9)),
            },
            Location::Consumer {
                consumer: Consumer::Requisition(RequisitionId(9)),
            },
            Location::RepairVendor {
                order: RepairOrderId(4),
            },
            Location::InTransit {
                transfer: TransferId(5),
                to: w,
                condition: StockCondition::Defective,
            },
            Location::TransferDiscrepancy {
                transfer: TransferId(5),
                condition: StockCondition::Good,
            },
            Location::Scrapped { warehouse: w },
            Location::StocktakeDifference { warehouse: w },
        ]
    }

    #[test]
    fn every_location_round_trips_through_its_storage_columns() {
        for loc in samples() {
            assert_eq!(Location::from_key(loc.key()), Ok(loc));
            assert_eq!(LocationKind::parse(loc.kind().code()), Some(loc.kind()));
        }
    }

    #[test]
    fn storage_columns_with_a_missing_or_extra_field_are_rejected() {
        let mut key = Location::stock(WarehouseId(1), StockCondition::Good).key();
        key.reference = Some(1);
        assert!(Location::from_key(key).is_err());
        key.reference = None;
        key.condition = None;
        assert!(Location::from_key(key).is_err());
    }

    #[test]
    fn only_sources_may_go_negative_and_only_stock_is_real() {
        let negative: Vec<_> = samples()
            .into_iter()
            .filter(|l| l.may_go_negative())
            .map(|l| l.kind())
            .collect();
        assert_eq!(
            negative,
            [
                LocationKind::Supplier,
                LocationKind::Ticket,
                LocationKind::Requisition,
                LocationKind::StocktakeDifference
            ]
        );
        assert_eq!(samples().iter().filter(|l| l.is_real()).count(), 1);
    }
}
