//! Errors of the stock book: one enum, so the app layer maps each case to one HTTP answer
//! (shortages → 409 with the available quantity).

use super::approval::{ApprovalReason, ScrapError};
use super::location::Consumer;
use super::location::Location;
use super::lot::Shortage;
use super::movement::MovementError;
use super::purchase::PurchaseError;
use super::qty::Qty;
use super::repair::RepairError;
use super::reservation::ReservationError;
use super::stocktake::StocktakeError;
use super::substitution::SubstituteOffer;
use super::transfer::TransferError;
use crate::ids::{LotId, PartId, StocktakeId};
use std::fmt;

/// Why a stock operation was refused; nothing changed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StockError {
    /// The movement is malformed.
    #[error(transparent)]
    Movement(#[from] MovementError),
    /// The command names a quantity of no units where it moves, orders, reserves or
    /// requests units.
    #[error("must be at least 1 unit")]
    NoUnits,
    /// A line names more units than any business moves at once.
    #[error("must be at most {max} units a line")]
    TooManyUnits {
        /// The most a line may name.
        max: i64,
    },
    /// Not enough available to issue; the declared substitutes that are available.
    #[error("{shortage}")]
    IssueShortage {
        /// Requested and available.
        shortage: Shortage,
        /// Available substitutes in priority order.
        substitutes: Vec<SubstituteOffer>,
    },
    /// Taking this would leave less on hand than is reserved.
    #[error("{0} (the rest is reserved)")]
    Unavailable(Shortage),
    /// A location holds less than the movement takes.
    #[error("{} holds only {available} of part {part}", Place(location))]
    Insufficient {
        /// The location.
        location: Location,
        /// The part.
        part: PartId,
        /// Units there.
        available: Qty,
    },
    /// A lot holds less at the location than the movement takes.
    #[error("lot {lot} holds only {available} at {}", Place(location))]
    LotInsufficient {
        /// The lot.
        lot: LotId,
        /// The location.
        location: Location,
        /// Units of the lot there.
        available: Qty,
    },
    /// The lot is unknown, of another part, or (for a new lot) already exists.
    #[error("lot {0} is unknown, belongs to another part, or already exists")]
    BadLot(LotId),
    /// The lot does not go where the movement sends it (rejects go back to their origin,
    /// accepted and returned parts take the lot's usable condition).
    #[error("lot {0} cannot go there")]
    LotMismatch(LotId),
    /// Unknown part.
    #[error("part {0} is unknown")]
    UnknownPart(PartId),
    /// Unknown document (order, transfer, reservation, request, stocktake).
    #[error("{0} not found")]
    NotFound(&'static str),
    /// The parts are being counted.
    #[error("stock is frozen by stocktake {0}")]
    Frozen(StocktakeId),
    /// A manager must approve.
    #[error("approval required: {0}")]
    ApprovalRequired(ApprovalReason),
    /// The reservation is for another warehouse, part or consumer.
    #[error("the reservation does not match this issue")]
    ReservationMismatch,
    /// The same idempotency key was used for a different request.
    #[error("the idempotency key was already used for a different request")]
    IdempotencyKeyReused,
    /// The key was fenced: its command is refused for good (its approval was rejected), so
    /// a late run under it applies nothing.
    #[error("the command under this idempotency key was refused for good: {0}")]
    KeyFenced(String),
    /// A stocktake for the same parts of the warehouse is already open.
    #[error("stocktake {0} is already counting these parts")]
    AlreadyCounting(StocktakeId),
    /// A quantity left the `i64` range.
    #[error("quantity overflow")]
    Overflow,
    /// Transfer rule.
    #[error(transparent)]
    Transfer(#[from] TransferError),
    /// Repair rule.
    #[error(transparent)]
    Repair(#[from] RepairError),
    /// Purchase order rule.
    #[error(transparent)]
    Purchase(#[from] PurchaseError),
    /// Reservation rule.
    #[error(transparent)]
    Reservation(#[from] ReservationError),
    /// Scrap rule.
    #[error(transparent)]
    Scrap(#[from] ScrapError),
    /// Stocktake rule.
    #[error(transparent)]
    Stocktake(#[from] StocktakeError),
    /// Some counts were refused (index of the entry, reason).
    #[error("{} counts refused", .0.len())]
    Counts(Vec<(usize, StocktakeError)>),
}

/// A location in words for messages people read: "warehouse 1, good stock", "ticket 7",
/// "the transit to warehouse 2 under transfer 9 (good)" (never Rust's debug syntax).
pub(crate) struct Place<'a>(pub(crate) &'a Location);

impl fmt::Display for Place<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self.0 {
            Location::Stock {
                warehouse,
                condition,
            } => write!(f, "warehouse {warehouse}, {} stock", condition.code()),
            Location::Supplier { supplier } => write!(f, "supplier {supplier}"),
            Location::Consumer {
                consumer: Consumer::Ticket(t),
            } => write!(f, "ticket {t}"),
            Location::Consumer {
                consumer: Consumer::Requisition(r),
            } => write!(f, "requisition {r}"),
            Location::RepairVendor { order } => {
                write!(f, "the repair vendor of repair order {order}")
            }
            Location::InTransit {
                transfer,
                to,
                condition,
            } => write!(
                f,
                "the transit to warehouse {to} under transfer {transfer} ({})",
                condition.code()
            ),
            Location::TransferDiscrepancy {
                transfer,
                condition,
            } => write!(
                f,
                "the discrepancy of transfer {transfer} ({})",
                condition.code()
            ),
            Location::Scrapped { warehouse } => write!(f, "scrapped at warehouse {warehouse}"),
            Location::StocktakeDifference { warehouse } => {
                write!(f, "the stocktake difference of warehouse {warehouse}")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::{LotId, RepairOrderId, SupplierId, TicketId, TransferId, WarehouseId};
    use crate::stock::condition::StockCondition;

    /// A refusal people read names the location in words, never in Rust's debug syntax.
    #[test]
    fn shortages_name_the_location_in_words() {
        let e = StockError::Insufficient {
            location: Location::Stock {
                warehouse: WarehouseId(1),
                condition: StockCondition::Good,
            },
            part: PartId(97),
            available: Qty::new(2).unwrap(),
        };
        assert_eq!(
            e.to_string(),
            "warehouse 1, good stock holds only 2 of part 97"
        );
        let lot = StockError::LotInsufficient {
            lot: LotId(5),
            location: Location::InTransit {
                transfer: TransferId(9),
                to: WarehouseId(2),
                condition: StockCondition::Repaired,
            },
            available: Qty::new(0).unwrap(),
        };
        assert_eq!(
            lot.to_string(),
            "lot 5 holds only 0 at the transit to warehouse 2 under transfer 9 (repaired)"
        );
        for l in [
            Location::Supplier {
                supplier: SupplierId(3),
            },
            Location::Consumer {
                consumer: Consumer::Ticket(TicketId(4)),
            },
            Location::RepairVendor {
                order: RepairOrderId(6),
            },
            Location::TransferDiscrepancy {
                transfer: TransferId(9),
                condition: StockCondition::Good,
            },
            Location::Scrapped {
                warehouse: WarehouseId(1),
            },
            Location::StocktakeDifference {
                warehouse: WarehouseId(1),
            },
        ] {
            let text = Place(&l).to_string();
            assert!(
                !text.contains('{') && !text.contains("Id(") && !text.contains("::"),
                "{text}"
            );
        }
    }
}
