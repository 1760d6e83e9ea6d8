//! The persistent stock ledger.
//!
//! One writer task per process owns an in-memory [`Book`](aftercare_domain::stock::Book)
//! (the domain's reference ledger, rebuilt from the tables at start) and applies queued
//! commands in groups: every command of a group runs through the book (a refused command
//! is undone in memory and never reaches SQL), then the group's effects are written in one
//! transaction with a few multi-row statements and committed once, and only then is each
//! caller answered. The database stays the authority:
//!
//! - quantities are written as deltas (`qty = qty + excluded.qty`), and CHECK constraints
//!   refuse any negative balance, any negative or over-reserved availability, whatever the
//!   application does;
//! - each group first bumps `stock_ledger.version` and compares it with what the writer
//!   last wrote: if another process wrote in between, the writer reloads its book inside
//!   the same (locked) transaction before applying anything, so it never acts on stale
//!   numbers;
//! - a retried Idempotency-Key finds its first result in `stock_idempotency`, and a key
//!   fenced there (its approval was rejected) refuses its command (see [`fence`]).
//!
//! Queries read the tables directly; [`verify::verify_ledger`] recomputes every balance from
//! the movements.

pub mod aging;
pub mod approvals;
pub mod bulk;
pub(crate) mod fence;
mod keys;
mod load;
pub mod master;
mod persist;
pub mod picks;
pub mod query;
mod values;
pub mod verify;
mod writer;

pub use keys::{location_key, parse_location_key};
pub use writer::{Executed, Ledger, LedgerRequest, Stats, restate_emergency};
