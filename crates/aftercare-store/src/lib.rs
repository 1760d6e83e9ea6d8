//! Aftercare persistence.
//!
//! The only crate that names sqlx. One [`Db`] over SQLite (the embedded default) or
//! PostgreSQL (for a fleet of stateless servers), chosen at run time from the URL. SQL is
//! written once where it is portable (`$1` placeholders, `RETURNING`, `ON CONFLICT`) and run
//! on either pool by [`on_db!`]/[`on_tx!`]; where dialects differ, a plain `match`.
//!
//! Encodings shared by both engines: ids `BIGINT`, instants `BIGINT` UTC milliseconds,
//! money `BIGINT` minor units, enums `TEXT` with a `CHECK`, booleans `BOOLEAN`.

pub mod audit;
mod connect;
pub mod copy;
mod dedicated;
mod error;
pub mod group;
pub mod message_templates;
pub mod org;
pub mod part_master;
pub mod plan_views;
pub mod planning;
pub mod planning_lifecycle;
pub mod request_keys;
pub mod schema;
pub mod sessions;
pub mod settings;
pub mod stock;
pub mod testing;
pub mod ticket_parts;
pub mod tickets;
pub mod tokens;
pub mod users;
pub mod webhooks;

pub use connect::{Backend, ConnectOptions, Db, DbUrl, Tx};
pub use dedicated::WRITER_THREAD_ENV;
pub use error::{StoreError, StoreResult};

/// Run the same body on whichever pool `db` holds; `$pool` is bound to the concrete pool.
#[macro_export]
macro_rules! on_db {
    ($db:expr, |$pool:ident| $body:expr) => {
        match $db {
            $crate::Db::Sqlite($pool) => $body,
            $crate::Db::Postgres($pool) => $body,
        }
    };
}

/// `$1, $2, …, $n`: the placeholders of an `IN (…)` list of `n` values (callers bind at
/// most 500 at a time).
pub(crate) fn in_list(n: usize) -> String {
    (1..=n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Run the same body on whichever transaction `tx` holds; `$conn` is bound to the
/// transaction's connection (an executor).
#[macro_export]
macro_rules! on_tx {
    ($tx:expr, |$conn:ident| $body:expr) => {
        match $tx {
            $crate::Tx::Sqlite(t) => {
                let $conn = &mut **t;
                $body
            }
            $crate::Tx::Postgres(t) => {
                let $conn = &mut **t;
                $body
            }
        }
    };
}
