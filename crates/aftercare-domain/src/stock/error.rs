//! Errors of the stock book: one enum, so the app layer maps each case to one HTTP answer
//! (shortages → 409 with the available quantity).

use super::approval::{ApprovalReason, ScrapError};
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

/// Why a stock operation was refused; nothing changed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StockError {
    /// The movement is malformed.
    #[error(transparent)]
    Movement(#[from] MovementError),
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
    #[error("{location:?} holds only {available} of part {part}")]
    Insufficient {
        /// The location.
        location: Location,
        /// The part.
        part: PartId,
        /// Units there.
        available: Qty,
    },
    /// A lot holds less at the location than the movement takes.
    #[error("lot {lot} holds only {available} at {location:?}")]
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
