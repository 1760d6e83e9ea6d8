//! Aftercare's pure domain model.
//!
//! Ids, money, quantities, roles and tenancy, instants, and the business rules that both the
//! API and the web UI obey. No async, no I/O, no clock: callers pass `now` in.

pub mod ids;
pub mod money;
pub mod org;
pub mod role;
pub mod settings;
pub mod time;
pub mod validate;

pub use ids::*;
pub use money::Money;
pub use role::{Principal, Role, Scope};
pub use time::Instant;
pub use validate::ValidationError;
pub mod codes;
pub mod dispatch;
pub mod sla;
pub mod ticket;

pub mod customer;
pub mod message;
pub mod part;
pub mod phone;
pub mod stock;
pub mod warranty;
