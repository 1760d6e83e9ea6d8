//! The stock ledger's rules: quantities, conditions, locations, movements, lots, reservations,
//! transfers, repair, approvals, stocktakes, substitution on shortage, idempotency keys, and
//! [`Book`], an in-memory ledger that applies them all and checks every invariant. The book
//! is the reference the SQL store must match: same operations, same refusals, same balances.

pub mod approval;
pub mod book;
pub mod condition;
pub mod error;
pub mod idempotency;
pub mod location;
pub mod lot;
pub mod movement;
pub mod purchase;
pub mod qty;
pub mod repair;
pub mod reservation;
pub mod stocktake;
pub mod substitution;
pub mod transfer;

pub use approval::{
    ApprovalReason, EmergencyRequisition, IssuePolicy, ScrapReason, ScrapRequest, ScrapStatus,
    emergency_requisition, may_approve,
};
pub use book::{Book, Command, Created, InTransitRow, MAX_UNITS_PER_LINE, Outcome, Touched};
pub use condition::StockCondition;
pub use error::StockError;
pub use idempotency::IdempotencyKey;
pub use location::{Consumer, Location, LocationKey, LocationKind};
pub use lot::{Allocation, Lot, LotBalance, Shortage, allocate, check_available};
pub use movement::{Document, LotTake, Movement, MovementKind};
pub use purchase::PurchaseOrder;
pub use qty::Qty;
pub use repair::RepairOrder;
pub use reservation::{Reservation, ReservationStatus};
pub use stocktake::{Adjustment, CountEntry, Stocktake, StocktakeScope, Variance};
pub use substitution::{SubstituteOffer, offer_substitutes};
pub use transfer::{Resolution, Transfer, TransferQty, TransferStatus};
