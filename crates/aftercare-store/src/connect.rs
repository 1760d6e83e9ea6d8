//! Choosing, connecting to and migrating the database.

use crate::error::{StoreError, StoreResult};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, Postgres, Sqlite, SqlitePool, Transaction};
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

/// Which engine a [`Db`] runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// Embedded SQLite file.
    Sqlite,
    /// PostgreSQL server.
    Postgres,
}

/// A parsed database URL: the scheme decides the engine, nothing else guesses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DbUrl {
    /// `sqlite://path/to/file.db` (or `sqlite:path`); `sqlite::memory:` for tests.
    Sqlite(PathBuf),
    /// `postgres://...` or `postgresql://...`, kept verbatim.
    Postgres(String),
}

impl DbUrl {
    /// Parse a URL; an unknown scheme is an error, never a silent default.
    pub fn parse(url: &str) -> StoreResult<DbUrl> {
        let url = url.trim();
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(DbUrl::Postgres(url.to_string()));
        }
        if let Some(rest) = url.strip_prefix("sqlite:") {
            let path = rest.strip_prefix("//").unwrap_or(rest);
            let path = path.split('?').next().unwrap_or("");
            if path.is_empty() {
                return Err(StoreError::Config(format!(
                    "database URL '{url}' names no SQLite file"
                )));
            }
            return Ok(DbUrl::Sqlite(PathBuf::from(path)));
        }
        let scheme = url.split(':').next().unwrap_or("");
        Err(StoreError::Config(format!(
            "unsupported database URL scheme '{scheme}' in '{}': use sqlite://PATH or postgres://USER@HOST/DB",
            redact(url)
        )))
    }

    /// The engine this URL selects.
    pub fn backend(&self) -> Backend {
        match self {
            DbUrl::Sqlite(_) => Backend::Sqlite,
            DbUrl::Postgres(_) => Backend::Postgres,
        }
    }
}

/// Hide a password in a URL before it is logged or shown.
pub fn redact(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        _ => url.to_string(),
    }
}

/// Pool and durability options.
#[derive(Debug, Clone)]
pub struct ConnectOptions {
    /// Maximum pooled connections.
    pub max_connections: u32,
    /// How long a writer waits for SQLite's write lock before failing.
    pub busy_timeout: Duration,
    /// How long to wait for a connection (also the PostgreSQL connect timeout).
    pub acquire_timeout: Duration,
    /// SQLite: fsync every commit (`synchronous=FULL`). `false` uses `NORMAL`, which in WAL
    /// mode survives a process crash but may lose the last commits on power loss.
    pub sqlite_full_sync: bool,
}

impl Default for ConnectOptions {
    fn default() -> Self {
        ConnectOptions {
            max_connections: 16,
            busy_timeout: Duration::from_secs(10),
            acquire_timeout: Duration::from_secs(10),
            sqlite_full_sync: true,
        }
    }
}

/// The database: one pool of one engine.
#[derive(Debug, Clone)]
pub enum Db {
    /// Embedded SQLite.
    Sqlite(SqlitePool),
    /// PostgreSQL.
    Postgres(PgPool),
}

/// A write transaction. On SQLite it holds the write lock from its first statement
/// (`BEGIN IMMEDIATE`), so concurrent writers queue instead of failing with SQLITE_BUSY.
pub enum Tx {
    /// SQLite transaction.
    Sqlite(Transaction<'static, Sqlite>),
    /// PostgreSQL transaction.
    Postgres(Transaction<'static, Postgres>),
}

impl Db {
    /// Connect to the database named by `url`. A SQLite file (and its folder) is created if
    /// missing; a PostgreSQL server that cannot be reached is an error.
    pub async fn connect(url: &str, opts: &ConnectOptions) -> StoreResult<Db> {
        match DbUrl::parse(url)? {
            DbUrl::Sqlite(path) => connect_sqlite(&path, opts).await,
            DbUrl::Postgres(pg) => connect_postgres(&pg, opts).await,
        }
    }

    /// The engine in use.
    pub fn backend(&self) -> Backend {
        match self {
            Db::Sqlite(_) => Backend::Sqlite,
            Db::Postgres(_) => Backend::Postgres,
        }
    }

    /// Apply pending migrations (embedded in the binary).
    pub async fn migrate(&self) -> StoreResult<()> {
        match self {
            Db::Sqlite(p) => sqlx::migrate!("./migrations/sqlite").run(p).await?,
            Db::Postgres(p) => sqlx::migrate!("./migrations/postgres").run(p).await?,
        }
        Ok(())
    }

    /// Apply pending migrations up to and including `version` (for tests of a migration
    /// over rows written before it; `migrate` applies the rest).
    pub async fn migrate_to(&self, version: i64) -> StoreResult<()> {
        match self {
            Db::Sqlite(p) => {
                sqlx::migrate!("./migrations/sqlite")
                    .run_to(version, p)
                    .await?
            }
            Db::Postgres(p) => {
                sqlx::migrate!("./migrations/postgres")
                    .run_to(version, p)
                    .await?
            }
        }
        Ok(())
    }

    /// Versions of migrations embedded in this binary but not yet applied.
    pub async fn pending_migrations(&self) -> StoreResult<Vec<i64>> {
        let (migrator, applied): (sqlx::migrate::Migrator, Vec<i64>) = match self {
            Db::Sqlite(p) => (
                sqlx::migrate!("./migrations/sqlite"),
                applied_versions_sqlite(p).await?,
            ),
            Db::Postgres(p) => (
                sqlx::migrate!("./migrations/postgres"),
                applied_versions_pg(p).await?,
            ),
        };
        Ok(migrator
            .iter()
            .map(|m| m.version)
            .filter(|v| !applied.contains(v))
            .collect())
    }

    /// Check the database answers (for `/readyz`).
    pub async fn ping(&self) -> StoreResult<()> {
        crate::on_db!(self, |p| sqlx::query("SELECT 1")
            .execute(p)
            .await
            .map(|_| ()))?;
        Ok(())
    }

    /// Begin a write transaction.
    pub async fn begin_write(&self) -> StoreResult<Tx> {
        Ok(match self {
            Db::Sqlite(p) => Tx::Sqlite(p.begin_with("BEGIN IMMEDIATE").await?),
            Db::Postgres(p) => Tx::Postgres(p.begin().await?),
        })
    }

    /// Close the pool, waiting for connections to be returned.
    pub async fn close(&self) {
        crate::on_db!(self, |p| p.close().await)
    }
}

impl Tx {
    /// Commit: only after this returns is the write acknowledged.
    pub async fn commit(self) -> StoreResult<()> {
        match self {
            Tx::Sqlite(t) => t.commit().await?,
            Tx::Postgres(t) => t.commit().await?,
        }
        Ok(())
    }

    /// The engine in use.
    pub fn backend(&self) -> Backend {
        match self {
            Tx::Sqlite(_) => Backend::Sqlite,
            Tx::Postgres(_) => Backend::Postgres,
        }
    }
}

async fn applied_versions_sqlite(p: &SqlitePool) -> StoreResult<Vec<i64>> {
    // Before the first migration the bookkeeping table does not exist: nothing applied.
    match sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success")
        .fetch_all(p)
        .await
    {
        Ok(v) => Ok(v),
        Err(sqlx::Error::Database(_)) => Ok(Vec::new()),
        Err(e) => Err(e.into()),
    }
}

async fn applied_versions_pg(p: &PgPool) -> StoreResult<Vec<i64>> {
    match sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success")
        .fetch_all(p)
        .await
    {
        Ok(v) => Ok(v),
        Err(sqlx::Error::Database(_)) => Ok(Vec::new()),
        Err(e) => Err(e.into()),
    }
}

async fn connect_sqlite(path: &std::path::Path, opts: &ConnectOptions) -> StoreResult<Db> {
    let memory = path.as_os_str() == ":memory:";
    if !memory
        && let Some(dir) = path.parent()
        && !dir.as_os_str().is_empty()
    {
        std::fs::create_dir_all(dir).map_err(|e| {
            StoreError::Config(format!(
                "cannot create folder {} for the database: {e}",
                dir.display()
            ))
        })?;
    }
    let base = if memory {
        SqliteConnectOptions::from_str("sqlite::memory:")?
    } else {
        SqliteConnectOptions::new().filename(path)
    };
    let background = !memory && background_checkpoints();
    let options = base
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        // With checkpoints in the background the writer's own automatic checkpoint is only a
        // safety net for a WAL that grows past ~40 MB.
        .pragma(
            "wal_autocheckpoint",
            if background { "10000" } else { "1000" },
        )
        // SQLite's default page cache is 2 MB per connection: a large write (the ledger's
        // group commits, a bulk load) then spills dirty pages to the WAL mid-transaction
        // and reads index pages back from the OS. 32 MB is an upper bound, used as touched.
        .pragma("cache_size", "-32768")
        .foreign_keys(true)
        .busy_timeout(opts.busy_timeout)
        .synchronous(if opts.sqlite_full_sync {
            SqliteSynchronous::Full
        } else {
            SqliteSynchronous::Normal
        });
    let pool = SqlitePoolOptions::new()
        // An in-memory database exists per connection: keep exactly one.
        .max_connections(if memory { 1 } else { opts.max_connections })
        .acquire_timeout(opts.acquire_timeout)
        .connect_with(options)
        .await
        .map_err(|e| {
            StoreError::Database(format!(
                "cannot open SQLite database {}: {e}",
                path.display()
            ))
        })?;
    if background {
        tokio::spawn(checkpoint_in_background(pool.clone()));
    }
    Ok(Db::Sqlite(pool))
}

/// Whether WAL checkpoints run in a background task (default) rather than inside the commit
/// that crosses SQLite's 1,000-page threshold. `AFTERCARE_SQLITE_CHECKPOINT=auto` keeps
/// SQLite's own behaviour, so benchmarks can compare both on one build.
fn background_checkpoints() -> bool {
    std::env::var("AFTERCARE_SQLITE_CHECKPOINT").map_or(true, |v| v != "auto")
}

/// Copy the WAL into the database file every 200 ms without blocking writers (`PASSIVE`), so
/// the ledger writer's commits do not pay for the copy and its fsync. Stops when the pool is
/// closed (or with the runtime).
async fn checkpoint_in_background(pool: sqlx::SqlitePool) {
    let mut tick = tokio::time::interval(Duration::from_millis(200));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        if pool.is_closed() {
            return;
        }
        if let Err(e) = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
            .execute(&pool)
            .await
        {
            tracing::warn!(error = %e, "background WAL checkpoint failed");
        }
    }
}

async fn connect_postgres(url: &str, opts: &ConnectOptions) -> StoreResult<Db> {
    let options = PgConnectOptions::from_str(url)
        .map_err(|e| StoreError::Config(format!("bad PostgreSQL URL '{}': {e}", redact(url))))?;
    let pool = PgPoolOptions::new()
        .max_connections(opts.max_connections)
        .acquire_timeout(opts.acquire_timeout)
        .connect_with(options)
        .await
        .map_err(|e| {
            StoreError::Database(format!(
                "cannot connect to PostgreSQL at '{}': {e}",
                redact(url)
            ))
        })?;
    Ok(Db::Postgres(pool))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_sqlite_and_postgres_urls() {
        assert_eq!(
            DbUrl::parse("sqlite://data/a.db").unwrap(),
            DbUrl::Sqlite("data/a.db".into())
        );
        assert_eq!(
            DbUrl::parse("sqlite:a.db").unwrap(),
            DbUrl::Sqlite("a.db".into())
        );
        assert_eq!(
            DbUrl::parse("sqlite:///tmp/a.db").unwrap(),
            DbUrl::Sqlite("/tmp/a.db".into())
        );
        assert_eq!(
            DbUrl::parse("postgres://u@h/db").unwrap().backend(),
            Backend::Postgres
        );
        assert_eq!(
            DbUrl::parse("postgresql://u@h/db").unwrap().backend(),
            Backend::Postgres
        );
    }

    #[test]
    fn rejects_unknown_scheme_with_a_clear_message() {
        let err = DbUrl::parse("mysql://root@localhost/x")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("unsupported database URL scheme 'mysql'"),
            "{err}"
        );
        assert!(DbUrl::parse("sqlite://").is_err());
    }

    #[test]
    fn redacts_passwords() {
        assert_eq!(redact("postgres://u:secret@h/db"), "postgres://u:***@h/db");
    }
}
