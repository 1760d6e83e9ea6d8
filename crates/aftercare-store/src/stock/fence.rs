//! Fenced Idempotency-Keys: a row in `stock_idempotency` that records no applied command
//! but a refusal for good ("this approval was rejected"). The ledger answers a command under
//! a fenced key with [`StockError::KeyFenced`] and applies nothing, so a run that arrives
//! after its approval was rejected cannot issue anything.
//!
//! The fence is the key's row itself, so the table's primary key decides every race: on
//! either engine exactly one of the fence and the ledger's applied result can exist under a
//! key. Whoever inserts second finds the first (the fence with `ON CONFLICT DO NOTHING`; the
//! ledger's plain insert fails its group on PostgreSQL, and the writer's retry of the
//! command on its own then reads the fence and refuses it).
//!
//! A fence is stored as `{"fenced":"<why>"}` in both `command_json` and `outcome_json`; no
//! command serializes like that (commands are tagged objects starting with `{"op":`).
//!
//! [`StockError::KeyFenced`]: aftercare_domain::stock::StockError::KeyFenced

use crate::{StoreResult, Tx, on_tx};
use aftercare_domain::Instant;
use serde::{Deserialize, Serialize};

/// `LIKE` pattern of a fence's `command_json` (what [`fence_json`] writes starts so).
pub(crate) const FENCED_LIKE: &str = "{\"fenced\":%";

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Fence {
    fenced: String,
}

/// The stored form of a fence that refuses with `why`.
fn fence_json(why: &str) -> String {
    serde_json::to_string(&Fence {
        fenced: why.to_string(),
    })
    .unwrap_or_else(|_| "{\"fenced\":\"\"}".to_string())
}

/// Why `command_json` (a stored key row's) fences its key; None for an applied command.
pub(crate) fn fenced_reason(command_json: &str) -> Option<String> {
    serde_json::from_str::<Fence>(command_json)
        .ok()
        .map(|f| f.fenced)
}

/// Fence `key` with `why`, in the caller's transaction. False (and nothing written) when
/// the key already has a row: the ledger applied a command under it, or it is fenced. On
/// PostgreSQL a ledger group inserting the key at the same moment is waited for.
pub(crate) async fn fence(tx: &mut Tx, key: &str, why: &str, now: Instant) -> StoreResult<bool> {
    let stored = fence_json(why);
    let n = on_tx!(tx, |c| {
        sqlx::query(
            "INSERT INTO stock_idempotency (key, actor_id, command_json, outcome_json, created_at) \
             VALUES ($1, NULL, $2, $2, $3) ON CONFLICT (key) DO NOTHING",
        )
        .bind(key)
        .bind(&stored)
        .bind(now.0)
        .execute(c)
        .await
        .map(|r| r.rows_affected())
    })?;
    Ok(n == 1)
}

/// Whether `key` is fenced (a refusal stored, nothing applied), in the caller's transaction.
pub(crate) async fn is_fenced(tx: &mut Tx, key: &str) -> StoreResult<bool> {
    let n: i64 = on_tx!(tx, |c| {
        sqlx::query_scalar(
            "SELECT COUNT(*) FROM stock_idempotency WHERE key = $1 AND command_json LIKE $2",
        )
        .bind(key)
        .bind(FENCED_LIKE)
        .fetch_one(c)
        .await
    })?;
    Ok(n > 0)
}

/// Take back a fence this transaction wrote (the update it guarded did not happen).
pub(crate) async fn unfence(tx: &mut Tx, key: &str) -> StoreResult<()> {
    on_tx!(tx, |c| {
        sqlx::query("DELETE FROM stock_idempotency WHERE key = $1 AND command_json LIKE $2")
            .bind(key)
            .bind(FENCED_LIKE)
            .execute(c)
            .await
            .map(|_| ())
    })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use aftercare_domain::stock::{Command, Consumer, Qty};
    use aftercare_domain::{PartId, TicketId, WarehouseId};

    #[test]
    fn a_fence_is_never_a_command_and_matches_its_like_pattern() {
        let stored = fence_json("stock approval 7 was rejected (\"why\")");
        assert!(stored.starts_with(FENCED_LIKE.trim_end_matches('%')));
        assert_eq!(
            fenced_reason(&stored).as_deref(),
            Some("stock approval 7 was rejected (\"why\")")
        );
        let issue = Command::Issue {
            warehouse: WarehouseId(1),
            part: PartId(2),
            qty: Qty::new(3).unwrap(),
            consumer: Consumer::Ticket(TicketId(4)),
            reservation: None,
            approved_by: None,
        };
        let json = serde_json::to_string(&issue).unwrap();
        assert!(json.starts_with("{\"op\":"), "{json}");
        assert_eq!(fenced_reason(&json), None);
    }
}
