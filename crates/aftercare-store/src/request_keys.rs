//! Keys of requests that create a record: a repeat of the request finds the record the
//! first one made (see migration 0026).

use crate::{Db, StoreResult, Tx, on_db, on_tx};
use aftercare_domain::Instant;

/// What a key was first used for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyUse {
    /// The action it created a record for, e.g. `ticket.create`.
    pub action: String,
    /// Who sent it.
    pub actor_login: String,
    /// The record it created.
    pub object_id: String,
}

/// The use of `key`, if it was used.
pub async fn find(db: &Db, key: &str) -> StoreResult<Option<KeyUse>> {
    let row: Option<(String, String, String)> = on_db!(db, |p| {
        sqlx::query_as("SELECT action, actor_login, object_id FROM request_keys WHERE key = $1")
            .bind(key)
            .fetch_optional(p)
            .await
    })?;
    Ok(row.map(|(action, actor_login, object_id)| KeyUse {
        action,
        actor_login,
        object_id,
    }))
}

/// The use of `key` as this transaction sees it.
pub async fn find_in(tx: &mut Tx, key: &str) -> StoreResult<Option<KeyUse>> {
    let row: Option<(String, String, String)> = on_tx!(tx, |c| {
        sqlx::query_as("SELECT action, actor_login, object_id FROM request_keys WHERE key = $1")
            .bind(key)
            .fetch_optional(c)
            .await
    })?;
    Ok(row.map(|(action, actor_login, object_id)| KeyUse {
        action,
        actor_login,
        object_id,
    }))
}

/// Record that `key` created `object_id` (in the transaction that created it). A key
/// taken meanwhile fails on the primary key, so the transaction creates nothing.
pub async fn record(tx: &mut Tx, key: &str, used: &KeyUse, now: Instant) -> StoreResult<()> {
    on_tx!(tx, |c| {
        sqlx::query(
            "INSERT INTO request_keys (key, action, actor_login, object_id, created_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(key)
        .bind(&used.action)
        .bind(&used.actor_login)
        .bind(&used.object_id)
        .bind(now.0)
        .execute(c)
        .await
        .map(|_| ())
    })?;
    Ok(())
}
