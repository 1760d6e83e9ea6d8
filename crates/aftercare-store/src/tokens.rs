//! API tokens for integrations: stored as a hash, shown once at creation.

use crate::users::expect_one;
use crate::{Db, StoreResult, Tx, on_db, on_tx};
use aftercare_domain::{ApiTokenId, Instant, UserId};

/// A stored API token (never the secret).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ApiTokenRecord {
    /// Id.
    pub id: ApiTokenId,
    /// What it is for.
    pub name: String,
    /// First characters of the token, to recognise it in lists.
    pub prefix: String,
    /// The user the token acts as.
    pub user_id: UserId,
    /// The admin who created it.
    pub created_by: UserId,
    /// Creation time.
    pub created_at: Instant,
    /// Revocation time, if revoked.
    pub revoked_at: Option<Instant>,
    /// Last use, if ever used.
    pub last_used_at: Option<Instant>,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    name: String,
    prefix: String,
    user_id: i64,
    created_by: i64,
    created_at: i64,
    revoked_at: Option<i64>,
    last_used_at: Option<i64>,
}

impl From<Row> for ApiTokenRecord {
    fn from(r: Row) -> Self {
        ApiTokenRecord {
            id: ApiTokenId(r.id),
            name: r.name,
            prefix: r.prefix,
            user_id: UserId(r.user_id),
            created_by: UserId(r.created_by),
            created_at: Instant(r.created_at),
            revoked_at: r.revoked_at.map(Instant),
            last_used_at: r.last_used_at.map(Instant),
        }
    }
}

const COLUMNS: &str = "id, name, prefix, user_id, created_by, created_at, revoked_at, last_used_at";

/// Store a new token.
pub async fn insert(
    tx: &mut Tx,
    name: &str,
    prefix: &str,
    token_hash: &str,
    user_id: UserId,
    created_by: UserId,
    now: Instant,
) -> StoreResult<ApiTokenId> {
    let id: i64 = on_tx!(tx, |c| {
        sqlx::query_scalar(
        "INSERT INTO api_tokens (name, prefix, token_hash, user_id, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id"
    )
    .bind(name)
    .bind(prefix)
    .bind(token_hash)
    .bind(user_id.0)
    .bind(created_by.0)
    .bind(now.0)
    .fetch_one(c)
    .await
    })?;
    Ok(ApiTokenId(id))
}

/// How stale `last_used_at` may get before a request refreshes it: writing it on every
/// request would make every API call a write transaction (an fsync on SQLite).
pub const LAST_USED_RESOLUTION_MS: i64 = 60_000;

/// The unrevoked token with this hash, marking it used (to the minute).
pub async fn use_active(
    db: &Db,
    token_hash: &str,
    now: Instant,
) -> StoreResult<Option<ApiTokenRecord>> {
    let sql =
        format!("SELECT {COLUMNS} FROM api_tokens WHERE token_hash = $1 AND revoked_at IS NULL");
    let row: Option<Row> = on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(token_hash)
        .fetch_optional(p)
        .await)?;
    let Some(row) = row else {
        return Ok(None);
    };
    if row
        .last_used_at
        .is_none_or(|t| now.0 - t >= LAST_USED_RESOLUTION_MS)
    {
        on_db!(db, |p| sqlx::query(
            "UPDATE api_tokens SET last_used_at = $1 WHERE token_hash = $2 AND revoked_at IS NULL"
        )
        .bind(now.0)
        .bind(token_hash)
        .execute(p)
        .await
        .map(|_| ()))?;
        let mut rec: ApiTokenRecord = row.into();
        rec.last_used_at = Some(now);
        return Ok(Some(rec));
    }
    Ok(Some(row.into()))
}

/// One token by id.
pub async fn get(db: &Db, id: ApiTokenId) -> StoreResult<Option<ApiTokenRecord>> {
    let sql = format!("SELECT {COLUMNS} FROM api_tokens WHERE id = $1");
    let row: Option<Row> = on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(id.0)
        .fetch_optional(p)
        .await)?;
    Ok(row.map(Into::into))
}

/// Every token, newest first.
pub async fn list(db: &Db) -> StoreResult<Vec<ApiTokenRecord>> {
    let sql = format!("SELECT {COLUMNS} FROM api_tokens ORDER BY id DESC");
    let rows: Vec<Row> = on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .fetch_all(p)
        .await)?;
    Ok(rows.into_iter().map(Into::into).collect())
}

/// Revoke a token; revoking twice keeps the first revocation time.
pub async fn revoke(tx: &mut Tx, id: ApiTokenId, now: Instant) -> StoreResult<()> {
    let n = on_tx!(tx, |c| sqlx::query(
        "UPDATE api_tokens SET revoked_at = COALESCE(revoked_at, $1) WHERE id = $2"
    )
    .bind(now.0)
    .bind(id.0)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    expect_one(n, "api token")
}
