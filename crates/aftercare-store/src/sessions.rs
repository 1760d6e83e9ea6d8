//! Server-side login sessions and login throttling records.
//!
//! Only a hash of the session token is stored, so a leaked database does not hand out
//! live sessions.

use crate::{Db, StoreResult, on_db};
use aftercare_domain::{Instant, UserId};

/// A live session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRecord {
    /// The logged-in user.
    pub user_id: UserId,
    /// The CSRF token bound to this session.
    pub csrf_token: String,
    /// When it stops being valid.
    pub expires_at: Instant,
}

/// Create a session.
pub async fn create(
    db: &Db,
    token_hash: &str,
    user_id: UserId,
    csrf_token: &str,
    now: Instant,
    expires_at: Instant,
) -> StoreResult<()> {
    on_db!(db, |p| {
        sqlx::query(
        "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)"
    )
    .bind(token_hash)
    .bind(user_id.0)
    .bind(csrf_token)
    .bind(now.0)
    .bind(expires_at.0)
    .execute(p)
    .await.map(|r| r.rows_affected())
    })?;
    Ok(())
}

/// The session with this token hash, if it has not expired at `now`.
pub async fn find_live(
    db: &Db,
    token_hash: &str,
    now: Instant,
) -> StoreResult<Option<SessionRecord>> {
    let row: Option<(i64, String, i64)> = on_db!(db, |p| {
        sqlx::query_as(
        "SELECT user_id, csrf_token, expires_at FROM sessions WHERE token_hash = $1 AND expires_at > $2"
    )
    .bind(token_hash)
    .bind(now.0)
    .fetch_optional(p)
    .await
    })?;
    Ok(row.map(|(u, c, e)| SessionRecord {
        user_id: UserId(u),
        csrf_token: c,
        expires_at: Instant(e),
    }))
}

/// Move a session's expiry (sliding expiry).
pub async fn extend(db: &Db, token_hash: &str, expires_at: Instant) -> StoreResult<()> {
    on_db!(db, |p| sqlx::query(
        "UPDATE sessions SET expires_at = $1 WHERE token_hash = $2"
    )
    .bind(expires_at.0)
    .bind(token_hash)
    .execute(p)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// End a session (logout).
pub async fn delete(db: &Db, token_hash: &str) -> StoreResult<()> {
    on_db!(db, |p| sqlx::query(
        "DELETE FROM sessions WHERE token_hash = $1"
    )
    .bind(token_hash)
    .execute(p)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// End every session of a user (password change, deactivation).
pub async fn delete_for_user(db: &Db, user_id: UserId) -> StoreResult<()> {
    on_db!(db, |p| sqlx::query(
        "DELETE FROM sessions WHERE user_id = $1"
    )
    .bind(user_id.0)
    .execute(p)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Remove expired sessions and old login failures; returns sessions removed.
pub async fn purge_expired(db: &Db, now: Instant, failures_before: Instant) -> StoreResult<u64> {
    let n = on_db!(db, |p| sqlx::query(
        "DELETE FROM sessions WHERE expires_at <= $1"
    )
    .bind(now.0)
    .execute(p)
    .await
    .map(|r| r.rows_affected()))?;
    on_db!(db, |p| sqlx::query(
        "DELETE FROM login_failures WHERE at < $1"
    )
    .bind(failures_before.0)
    .execute(p)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(n)
}

/// Record a failed login attempt.
pub async fn record_login_failure(
    db: &Db,
    login: &str,
    address: &str,
    now: Instant,
) -> StoreResult<()> {
    on_db!(db, |p| sqlx::query(
        "INSERT INTO login_failures (login, address, at) VALUES ($1, $2, $3)"
    )
    .bind(login)
    .bind(address)
    .bind(now.0)
    .execute(p)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Failed attempts since `since`: (for this login, from this address).
pub async fn login_failures_since(
    db: &Db,
    login: &str,
    address: &str,
    since: Instant,
) -> StoreResult<(i64, i64)> {
    let by_login: i64 = on_db!(db, |p| sqlx::query_scalar(
        "SELECT COUNT(*) FROM login_failures WHERE login = $1 AND at >= $2"
    )
    .bind(login)
    .bind(since.0)
    .fetch_one(p)
    .await)?;
    let by_address: i64 = on_db!(db, |p| sqlx::query_scalar(
        "SELECT COUNT(*) FROM login_failures WHERE address = $1 AND at >= $2"
    )
    .bind(address)
    .bind(since.0)
    .fetch_one(p)
    .await)?;
    Ok((by_login, by_address))
}

/// Forget a login's failures after a successful login.
pub async fn clear_login_failures(db: &Db, login: &str) -> StoreResult<()> {
    on_db!(db, |p| sqlx::query(
        "DELETE FROM login_failures WHERE login = $1"
    )
    .bind(login)
    .execute(p)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}
