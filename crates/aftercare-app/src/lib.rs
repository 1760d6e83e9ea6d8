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
pub mod calendar;
mod clock;
pub mod demo;
pub mod demo_parts;
mod error;
pub mod org;
pub mod parts;
pub mod parts_io;
pub mod plan_batch;
pub mod plan_views;
pub mod planning;
pub mod planning_lifecycle;
pub mod planning_repairs;
/// Store types the planning API and pages show.
pub use aftercare_store::planning as planning_store;
pub mod message_templates;
mod password;
mod request_keys;
pub mod sla_settings;
pub mod stock;
pub mod stock_approvals;
pub mod stock_picks;
pub mod stock_views;
pub mod tickets;
pub mod webhooks;

pub use access::Actor;
pub use clock::{Clock, FixedClock, SystemClock};
pub use error::{AppError, AppResult};
/// A random URL-safe secret (session tokens, a page's one-time form keys).
pub use password::random_token;
/// SHA-256 of a text, hex (a form's digest in its request key).
pub use password::token_hash as digest_hex;

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
    /// When an issue of stock needs a manager's approval.
    pub stock_issue_policy: aftercare_domain::stock::IssuePolicy,
}

impl Default for AppConfig {
    fn default() -> Self {
        AppConfig {
            session_ttl: Duration::from_secs(12 * 3600),
            max_failures_per_login: 5,
            max_failures_per_address: 20,
            throttle_window: Duration::from_secs(15 * 60),
            // Above 50 units or ¥20,000 (minor units) an issue waits for a manager.
            stock_issue_policy: aftercare_domain::stock::IssuePolicy {
                value_above: Some(aftercare_domain::Money::from_minor(2_000_000)),
                qty_above: aftercare_domain::stock::Qty::new(50).ok(),
            },
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
    /// The stock ledger writer, started on first use (one per process and database).
    ledger: Arc<tokio::sync::OnceCell<aftercare_store::stock::Ledger>>,
    /// API token hash → principal, trusted for `auth::BEARER_CACHE_TTL`.
    bearer_cache: Arc<
        std::sync::Mutex<
            std::collections::HashMap<String, (aftercare_domain::Principal, std::time::Instant)>,
        >,
    >,
    /// The group-commit writer for ticket intake, started on first use.
    intake_writer: Arc<std::sync::OnceLock<aftercare_store::group::GroupWriter>>,
    /// Warehouse → owning station, for tenant checks on the hot path.
    warehouse_owners: Arc<
        tokio::sync::RwLock<
            std::collections::HashMap<
                aftercare_domain::WarehouseId,
                Option<aftercare_domain::StationId>,
            >,
        >,
    >,
}

impl App {
    /// An application on `db` with the real clock.
    pub fn new(db: Db, config: AppConfig) -> Self {
        App::with_clock(db, config, Arc::new(SystemClock))
    }

    /// An application with a given clock (tests).
    pub fn with_clock(db: Db, config: AppConfig, clock: Arc<dyn Clock>) -> Self {
        App {
            db,
            clock,
            config,
            ledger: Arc::default(),
            bearer_cache: Arc::default(),
            intake_writer: Arc::default(),
            warehouse_owners: Arc::default(),
        }
    }

    /// The current instant from the injected clock.
    pub fn now(&self) -> aftercare_domain::Instant {
        self.clock.now()
    }
}
