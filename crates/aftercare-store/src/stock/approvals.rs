//! The manager approval queue: issues above the approval limit, stored as they were asked
//! for until a manager approves (the issue then runs through the ledger under
//! [`approval_key`]) or rejects them. A rejection fences that key in the same transaction,
//! so an approval run still under way can no longer issue anything (see `stock::fence`).

use super::fence::{FENCED_LIKE, fence, unfence};
use crate::{Db, StoreResult, Tx, on_db, on_tx};
use aftercare_domain::{Instant, StationId, WarehouseId};
use serde::Serialize;

/// Idempotency-Keys starting with this are the queue's own (one per approval).
pub const APPROVAL_KEY_PREFIX: &str = "stock-approval-";

/// The ledger's Idempotency-Key of approval `id`'s issue.
pub fn approval_key(id: i64) -> String {
    format!("{APPROVAL_KEY_PREFIX}{id}")
}

/// Why approval `id`'s key is fenced, as a late run under it is told.
fn rejected_fence(id: i64, note: &str) -> String {
    format!("stock approval {id} was rejected ({note}); its issue is never carried out")
}

/// A request to queue.
#[derive(Debug, Clone)]
pub struct NewApproval {
    /// Warehouse issued from.
    pub warehouse: WarehouseId,
    /// Part.
    pub part: i64,
    /// Units.
    pub qty: i64,
    /// Value at standard cost when asked, minor units.
    pub value: i64,
    /// Why it needs a manager (JSON of `ApprovalReason`).
    pub reason_json: String,
    /// The issue command (JSON), as authorized for the requester.
    pub command_json: String,
    /// `ticket` or `requisition`.
    pub consumer_kind: String,
    /// Ticket or requisition id.
    pub consumer_id: i64,
    /// Who asked (None: command line).
    pub requested_by: Option<i64>,
    /// The requester's Idempotency-Key.
    pub request_key: Option<String>,
    /// When.
    pub now: Instant,
}

/// A queued issue with its decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct ApprovalRow {
    /// Approval id.
    pub id: i64,
    /// Warehouse id.
    pub warehouse_id: i64,
    /// Warehouse code.
    pub warehouse_code: String,
    /// Part id.
    pub part_id: i64,
    /// Part number.
    pub part_number: String,
    /// Part name.
    pub part_name: String,
    /// Units.
    pub qty: i64,
    /// Value when asked, minor units.
    pub value: i64,
    /// `ticket` or `requisition`.
    pub consumer_kind: String,
    /// Ticket or requisition id.
    pub consumer_id: i64,
    /// Why it needs a manager (JSON of `ApprovalReason`).
    pub reason_json: String,
    /// The stored issue command (JSON).
    pub command_json: String,
    /// Requester user id.
    pub requested_by: Option<i64>,
    /// Requester login (`cli` for the command line).
    pub requested_by_login: String,
    /// When asked (UTC ms).
    pub requested_at: i64,
    /// `pending`, `approved` or `rejected`.
    pub status: String,
    /// Decider user id.
    pub decided_by: Option<i64>,
    /// Decider login.
    pub decided_by_login: Option<String>,
    /// When decided.
    pub decided_at: Option<i64>,
    /// Reject reason.
    pub decision_note: Option<String>,
    /// The ledger outcome of the approved issue (JSON).
    pub outcome_json: Option<String>,
    /// Why the last approval attempt was refused (the request stays pending).
    pub last_error: Option<String>,
    /// The requester's Idempotency-Key.
    pub request_key: Option<String>,
    /// Since when an approval has been running through the ledger (UTC ms).
    pub approving_since: Option<i64>,
}

/// Which approvals to list (newest first).
#[derive(Debug, Clone, Default)]
pub struct ApprovalFilter {
    /// Only this status.
    pub status: Option<String>,
    /// Only this warehouse.
    pub warehouse: Option<WarehouseId>,
    /// Only warehouses of this station (tenant scope).
    pub station: Option<StationId>,
    /// At most this many.
    pub limit: i64,
}

const SELECT: &str = "SELECT a.id, a.warehouse_id, w.code AS warehouse_code, a.part_id, p.part_number, \
    p.name_zh AS part_name, a.qty, a.value, COALESCE(a.consumer_kind, '') AS consumer_kind, \
    COALESCE(a.consumer_id, 0) AS consumer_id, a.reason AS reason_json, a.command_json, a.requested_by, \
    COALESCE(ru.login, 'cli') AS requested_by_login, a.requested_at, a.status, a.decided_by, \
    du.login AS decided_by_login, a.decided_at, a.decision_note, a.outcome_json, a.last_error, a.request_key, \
    a.approving_since \
    FROM stock_approvals a JOIN warehouses w ON w.id = a.warehouse_id JOIN parts p ON p.id = a.part_id \
    LEFT JOIN users ru ON ru.id = a.requested_by LEFT JOIN users du ON du.id = a.decided_by";

macro_rules! fetch_rows {
    ($db:expr, $sql:expr, $($bind:expr),*) => {{
        let rows: Vec<ApprovalRow> = on_db!($db, |p| {
            // The SQL is built from constants only; values are bound.
            sqlx::query_as(sqlx::AssertSqlSafe($sql))
                $(.bind($bind))*
                .fetch_all(p)
                .await
        })?;
        rows
    }};
}

/// Queue a request; returns its id.
pub async fn insert(tx: &mut Tx, a: &NewApproval) -> StoreResult<i64> {
    Ok(on_tx!(tx, |c| {
        sqlx::query_scalar(
            "INSERT INTO stock_approvals (kind, warehouse_id, part_id, qty, reason, command_json, requested_by, \
             requested_at, status, value, consumer_kind, consumer_id, request_key) \
             VALUES ('issue', $1, $2, $3, $4, $5, $6, $7, 'pending', $8, $9, $10, $11) RETURNING id",
        )
        .bind(a.warehouse.get())
        .bind(a.part)
        .bind(a.qty)
        .bind(&a.reason_json)
        .bind(&a.command_json)
        .bind(a.requested_by)
        .bind(a.now.0)
        .bind(a.value)
        .bind(&a.consumer_kind)
        .bind(a.consumer_id)
        .bind(a.request_key.as_deref())
        .fetch_one(c)
        .await
    })?)
}

/// One approval.
pub async fn get(db: &Db, id: i64) -> StoreResult<Option<ApprovalRow>> {
    let sql = format!("{SELECT} WHERE a.id = $1");
    Ok(fetch_rows!(db, sql.as_str(), id).into_iter().next())
}

/// The approval queued under a requester's Idempotency-Key.
pub async fn by_request_key(db: &Db, key: &str) -> StoreResult<Option<ApprovalRow>> {
    let sql = format!("{SELECT} WHERE a.request_key = $1");
    Ok(fetch_rows!(db, sql.as_str(), key).into_iter().next())
}

/// Approvals, newest first.
pub async fn list(db: &Db, f: &ApprovalFilter) -> StoreResult<Vec<ApprovalRow>> {
    let sql = format!(
        "{SELECT} WHERE ($1 IS NULL OR a.status = $1) AND ($2 IS NULL OR a.warehouse_id = $2) \
         AND ($3 IS NULL OR w.station_id = $3) ORDER BY a.id DESC LIMIT $4"
    );
    Ok(fetch_rows!(
        db,
        sql.as_str(),
        f.status.clone(),
        f.warehouse.map(|w| w.get()),
        f.station.map(|s| s.get()),
        f.limit
    ))
}

/// Decide a pending approval (`approved` with the ledger outcome, or `rejected` with a
/// reason). False when it was no longer pending, or, for a rejection, while an approval
/// is running through the ledger or when the ledger has applied its issue (a run that
/// finished after its claim was given up: it is finished as approved instead). A rejection
/// fences [`approval_key`] in the same transaction; when it returns false, nothing was
/// written.
pub async fn decide(
    tx: &mut Tx,
    id: i64,
    status: &str,
    by: Option<i64>,
    note: Option<&str>,
    outcome_json: Option<&str>,
    now: Instant,
) -> StoreResult<bool> {
    let key = approval_key(id);
    let rejecting = status == "rejected";
    // Fence first: the key's row decides against a ledger run (see `stock::fence`), and
    // nothing else is locked while a concurrent run's insert is waited for.
    if rejecting && !fence(tx, &key, &rejected_fence(id, note.unwrap_or("")), now).await? {
        return Ok(false);
    }
    let n = on_tx!(tx, |c| {
        sqlx::query(
            "UPDATE stock_approvals SET status = $2, decided_by = $3, decided_at = $4, decision_note = $5, \
             outcome_json = $6, last_error = NULL, approving_since = NULL \
             WHERE id = $1 AND status = 'pending' AND ($2 = 'approved' OR approving_since IS NULL)",
        )
        .bind(id)
        .bind(status)
        .bind(by)
        .bind(now.0)
        .bind(note)
        .bind(outcome_json)
        .execute(c)
        .await
        .map(|r| r.rows_affected())
    })?;
    if rejecting && n != 1 {
        // Callers may commit after a false: the fence must not outlive the refusal.
        unfence(tx, &key).await?;
    }
    Ok(n == 1)
}

/// Mark a pending approval as running through the ledger (a reject then waits). False
/// when it is no longer pending.
pub async fn claim(tx: &mut Tx, id: i64, now: Instant) -> StoreResult<bool> {
    let n = on_tx!(tx, |c| {
        sqlx::query(
            "UPDATE stock_approvals SET approving_since = $2 WHERE id = $1 AND status = 'pending'",
        )
        .bind(id)
        .bind(now.0)
        .execute(c)
        .await
        .map(|r| r.rows_affected())
    })?;
    Ok(n == 1)
}

/// Pending approvals that stopped half-way, oldest claim first: claimed
/// (`approving_since` set) at or before `claimed_by` (the process died between the claim
/// and the decision, or its run is slow), or no longer claimed while the ledger has applied
/// their issue (a slow run that finished after its claim was given up).
pub async fn stalled(db: &Db, claimed_by: Instant) -> StoreResult<Vec<ApprovalRow>> {
    let sql = format!(
        "{SELECT} WHERE a.status = 'pending' AND ((a.approving_since IS NOT NULL \
         AND a.approving_since <= $1) OR (a.approving_since IS NULL AND EXISTS \
         (SELECT 1 FROM stock_idempotency k WHERE k.key = $2 || CAST(a.id AS TEXT) \
         AND k.command_json NOT LIKE $3))) ORDER BY a.approving_since, a.id"
    );
    Ok(fetch_rows!(
        db,
        sql.as_str(),
        claimed_by.0,
        APPROVAL_KEY_PREFIX,
        FENCED_LIKE
    ))
}

/// What the ledger stored for a command it applied under an Idempotency-Key: who ran it
/// and its outcome (JSON). None when nothing was applied under the key (a refusal stores
/// nothing, a fence is no applied result).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyedResult {
    /// The user whose command it was (None: system or command line).
    pub actor_id: Option<i64>,
    /// The ledger outcome (JSON of `Outcome`).
    pub outcome_json: String,
}

/// The ledger's stored result under `key`, if it applied a command under it.
pub async fn applied_under_key(db: &Db, key: &str) -> StoreResult<Option<KeyedResult>> {
    let row: Option<(Option<i64>, String)> = on_db!(db, |p| {
        sqlx::query_as(
            "SELECT actor_id, outcome_json FROM stock_idempotency \
             WHERE key = $1 AND command_json NOT LIKE $2",
        )
        .bind(key)
        .bind(FENCED_LIKE)
        .fetch_optional(p)
        .await
    })?;
    Ok(row.map(|(actor_id, outcome_json)| KeyedResult {
        actor_id,
        outcome_json,
    }))
}

/// Give a stalled claim up: the approval is pending and unclaimed again, with `note` in
/// `last_error`. Only while it is still pending under the same claim (`claimed_at`: a
/// manager approving it anew claims it again) and the ledger has applied nothing under
/// [`approval_key`] (then the approval must finish as approved instead). False otherwise.
/// The key is not fenced: a re-approval runs under it, and a slow run that applies later
/// is found by [`stalled`] and finished as approved.
pub async fn release_claim(tx: &mut Tx, id: i64, claimed_at: i64, note: &str) -> StoreResult<bool> {
    let key = approval_key(id);
    let n = on_tx!(tx, |c| {
        sqlx::query(
            "UPDATE stock_approvals SET approving_since = NULL, last_error = $4 \
             WHERE id = $1 AND status = 'pending' AND approving_since = $2 \
             AND NOT EXISTS (SELECT 1 FROM stock_idempotency k WHERE k.key = $3)",
        )
        .bind(id)
        .bind(claimed_at)
        .bind(&key)
        .bind(note)
        .execute(c)
        .await
        .map(|r| r.rows_affected())
    })?;
    Ok(n == 1)
}

/// Reject a stalled claim as the system (no decider) with `note`, under the same conditions
/// as [`release_claim`], and fence [`approval_key`] in the same transaction: the claim's
/// run may be only slow, and must then be refused rather than issue under a rejected
/// approval. False (nothing written) when the conditions no longer hold.
pub async fn reject_stalled(
    tx: &mut Tx,
    id: i64,
    claimed_at: i64,
    note: &str,
    now: Instant,
) -> StoreResult<bool> {
    let key = approval_key(id);
    // The fence taking the key proves the ledger applied nothing under it (one row per key).
    if !fence(tx, &key, &rejected_fence(id, note), now).await? {
        return Ok(false);
    }
    let n = on_tx!(tx, |c| {
        sqlx::query(
            "UPDATE stock_approvals SET status = 'rejected', decided_by = NULL, decided_at = $3, \
             decision_note = $4, last_error = NULL, approving_since = NULL \
             WHERE id = $1 AND status = 'pending' AND approving_since = $2",
        )
        .bind(id)
        .bind(claimed_at)
        .bind(now.0)
        .bind(note)
        .execute(c)
        .await
        .map(|r| r.rows_affected())
    })?;
    if n != 1 {
        unfence(tx, &key).await?;
    }
    Ok(n == 1)
}

/// Remember why an approval attempt was refused; the request stays pending (and may be
/// rejected).
pub async fn note_failure(tx: &mut Tx, id: i64, error: &str) -> StoreResult<()> {
    on_tx!(tx, |c| {
        sqlx::query(
            "UPDATE stock_approvals SET last_error = $2, approving_since = NULL \
             WHERE id = $1 AND status = 'pending'",
        )
        .bind(id)
        .bind(error)
        .execute(c)
        .await
        .map(|_| ())
    })?;
    Ok(())
}

/// A part's standard cost per unit (minor units), or None for an unknown part.
pub async fn part_cost(db: &Db, part: i64) -> StoreResult<Option<i64>> {
    Ok(on_db!(db, |p| {
        sqlx::query_scalar("SELECT standard_cost FROM parts WHERE id = $1")
            .bind(part)
            .fetch_optional(p)
            .await
    })?)
}
