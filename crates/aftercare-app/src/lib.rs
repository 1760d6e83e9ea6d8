//! Aftercare use cases.
//!
//! One module per context; each use case is one function that checks permission (through
//! [`access`], the single place where roles and tenant scope are enforced), opens the
//! transaction, calls domain rules and the store, and records the audit entry in the same
//! transaction. Both the HTTP API and the web UI call these functions; the CLI calls them
//! with [`Actor::Cli`].

pub mod access;
pub mod admin;
pub mod auth;
mod clock;
pub mod demo;
mod error;
pub mod org;
mod password;
pub mod tickets;
pub mod webhooks;

pub use access::Actor;
pub use clock::{Clock, FixedClock, SystemClock};
pub use error::{AppError, AppResult};

use aftercare_store::Db;
use std::sync::Arc;
use std::time::Duration;

/// Tunables of the application layer.
#[derive(Debug, Clone)]
pub struct AppConfig {
    /// How long a login session lasts without activity.
    pub session_ttl: Duration,
    /// Failed logins allowed per account within [`AppConfig::throttle_window`].
    pub max_failures_per_login: i64,
    /// Failed logins allowed per client address within the window.
    pub max_failures_per_address: i64,
    /// The throttling window.
    pub throttle_window: Duration,
}

impl Default for AppConfig {
    fn default() -> Self {
        AppConfig {
            session_ttl: Duration::from_secs(12 * 3600),
            max_failures_per_login: 5,
            max_failures_per_address: 20,
            throttle_window: Duration::from_secs(15 * 60),
        }
    }
}

/// The application: the database, the clock and the configuration.
#[derive(Clone)]
pub struct App {
    /// The database.
    pub db: Db,
    clock: Arc<dyn Clock>,
    /// Configuration.
    pub config: AppConfig,
}

impl App {
    /// An application on `db` with the real clock.
    pub fn new(db: Db, config: AppConfig) -> Self {
        App::with_clock(db, config, Arc::new(SystemClock))
    }

    /// An application with a given clock (tests).
    pub fn with_clock(db: Db, config: AppConfig, clock: Arc<dyn Clock>) -> Self {
        App { db, clock, config }
    }

    /// The current instant from the injected clock.
    pub fn now(&self) -> aftercare_domain::Instant {
        self.clock.now()
    }
}
