//! Fresh databases for tests: a SQLite file in a temporary folder always, and a throwaway
//! PostgreSQL database when `AFTERCARE_TEST_POSTGRES_URL` is set (one per test, so tests
//! run in parallel).

use crate::{ConnectOptions, Db, StoreError, StoreResult};
use std::sync::atomic::{AtomicU64, Ordering};

/// The environment variable naming the PostgreSQL server for tests.
pub const POSTGRES_ENV: &str = "AFTERCARE_TEST_POSTGRES_URL";

/// A fresh, migrated test database and what keeps it alive.
pub struct TestDb {
    /// The database.
    pub db: Db,
    /// Its URL (to start a server on it).
    pub url: String,
    /// `sqlite` or `postgres`.
    pub label: &'static str,
    _dir: Option<tempfile::TempDir>,
}

/// A fresh migrated SQLite database in a temporary folder.
pub async fn fresh_sqlite() -> StoreResult<TestDb> {
    fresh_sqlite_at(None).await
}

/// Migrate a fresh database: every migration, or those up to and including `version`.
async fn migrate(db: &Db, version: Option<i64>) -> StoreResult<()> {
    match version {
        Some(v) => db.migrate_to(v).await,
        None => db.migrate().await,
    }
}

async fn fresh_sqlite_at(version: Option<i64>) -> StoreResult<TestDb> {
    let dir = tempfile::tempdir().map_err(|e| StoreError::Config(e.to_string()))?;
    let url = format!("sqlite://{}", dir.path().join("test.db").display());
    let db = Db::connect(&url, &ConnectOptions::default()).await?;
    migrate(&db, version).await?;
    Ok(TestDb {
        db,
        url,
        label: "sqlite",
        _dir: Some(dir),
    })
}

/// A fresh migrated PostgreSQL database on the server named by `base_url`.
pub async fn fresh_postgres(base_url: &str) -> StoreResult<TestDb> {
    fresh_postgres_at(base_url, None).await
}

async fn fresh_postgres_at(base_url: &str, version: Option<i64>) -> StoreResult<TestDb> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let name = format!(
        "aftercare_t_{}_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed),
        nanos % 1_000_000_000
    );
    let admin = Db::connect(
        base_url,
        &ConnectOptions {
            max_connections: 1,
            ..Default::default()
        },
    )
    .await?;
    if let Db::Postgres(p) = &admin {
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(p)
            .await?;
    }
    admin.close().await;
    let url = replace_database(base_url, &name)?;
    let db = Db::connect(
        &url,
        &ConnectOptions {
            max_connections: 8,
            ..Default::default()
        },
    )
    .await?;
    migrate(&db, version).await?;
    Ok(TestDb {
        db,
        url,
        label: "postgres",
        _dir: None,
    })
}

/// SQLite always, plus PostgreSQL when the environment names a server.
pub async fn each_backend() -> StoreResult<Vec<TestDb>> {
    each_backend_migrated(None).await
}

/// Like [`each_backend`], but migrated only up to and including `version`: to test a
/// migration over rows written before it (`Db::migrate` applies the rest).
pub async fn each_backend_at(version: i64) -> StoreResult<Vec<TestDb>> {
    each_backend_migrated(Some(version)).await
}

async fn each_backend_migrated(version: Option<i64>) -> StoreResult<Vec<TestDb>> {
    let mut out = vec![fresh_sqlite_at(version).await?];
    if let Ok(base) = std::env::var(POSTGRES_ENV)
        && !base.trim().is_empty()
    {
        out.push(fresh_postgres_at(&base, version).await?);
    }
    Ok(out)
}

fn replace_database(base: &str, name: &str) -> StoreResult<String> {
    let mut u = url::Url::parse(base).map_err(|e| StoreError::Config(format!("bad URL: {e}")))?;
    u.set_path(&format!("/{name}"));
    Ok(u.to_string())
}
