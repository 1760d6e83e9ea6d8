//! The audit log: who changed what, when, before and after.

use crate::{Db, StoreResult, Tx, on_db, on_tx};
use aftercare_domain::{AuditId, Instant, UserId};

/// One audit entry to record.
#[derive(Debug, Clone)]
pub struct NewAuditEntry {
    /// When.
    pub at: Instant,
    /// Who (None for the system or the CLI).
    pub actor_id: Option<UserId>,
    /// Login (or `system`/`cli`) kept verbatim so entries survive renames.
    pub actor_login: String,
    /// What was done, e.g. `user.create`.
    pub action: String,
    /// Kind of object, e.g. `user`.
    pub object_type: String,
    /// Its id or code.
    pub object_id: String,
    /// State before, as JSON.
    pub before: Option<serde_json::Value>,
    /// State after, as JSON.
    pub after: Option<serde_json::Value>,
    /// The HTTP request id, when there was one.
    pub request_id: Option<String>,
}

/// A stored audit entry.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct AuditEntry {
    /// Id.
    pub id: AuditId,
    /// When.
    pub at: Instant,
    /// Who.
    pub actor_id: Option<UserId>,
    /// Login of who.
    pub actor_login: String,
    /// What was done.
    pub action: String,
    /// Kind of object.
    pub object_type: String,
    /// Its id.
    pub object_id: String,
    /// State before.
    pub before: Option<serde_json::Value>,
    /// State after.
    pub after: Option<serde_json::Value>,
    /// HTTP request id.
    pub request_id: Option<String>,
}

/// Filter for [`list`].
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// Only this object type.
    pub object_type: Option<String>,
    /// Only this object id.
    pub object_id: Option<String>,
    /// Only this actor login.
    pub actor_login: Option<String>,
    /// Only this action code (e.g. `stock.issue`).
    pub action: Option<String>,
    /// Only entries with id below this (paging, newest first).
    pub before_id: Option<AuditId>,
    /// At most this many.
    pub limit: i64,
}

/// Record an entry in the same transaction as the change it describes.
pub async fn record(tx: &mut Tx, e: &NewAuditEntry) -> StoreResult<AuditId> {
    let sql = format!("{} RETURNING id", insert_sql(1));
    let id: i64 = on_tx!(tx, |c| {
        let q = sqlx::query_scalar(sqlx::AssertSqlSafe(sql.as_str()));
        bind_audit!(q, e).fetch_one(c).await
    })?;
    Ok(AuditId(id))
}

/// The insert of one entry, its parameters numbered from `$first`.
pub(crate) fn insert_sql(first: usize) -> String {
    let p: Vec<String> = (first..first + 9).map(|k| format!("${k}")).collect();
    format!(
        "INSERT INTO audit_log (at, actor_id, actor_login, action, object_type, object_id, before_json, after_json, request_id) \
         VALUES ({})",
        p.join(", ")
    )
}

/// Binds the values of `insert_sql` (a macro: the query type differs per engine).
macro_rules! bind_audit {
    ($q:expr, $e:expr) => {{
        let e: &$crate::audit::NewAuditEntry = $e;
        $q.bind(e.at.0)
            .bind(e.actor_id.map(|u| u.0))
            .bind(e.actor_login.clone())
            .bind(e.action.clone())
            .bind(e.object_type.clone())
            .bind(e.object_id.clone())
            .bind(e.before.as_ref().map(|v| v.to_string()))
            .bind(e.after.as_ref().map(|v| v.to_string()))
            .bind(e.request_id.clone())
    }};
}
pub(crate) use bind_audit;

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    at: i64,
    actor_id: Option<i64>,
    actor_login: String,
    action: String,
    object_type: String,
    object_id: String,
    before_json: Option<String>,
    after_json: Option<String>,
    request_id: Option<String>,
}

fn parse_json(text: Option<String>) -> Option<serde_json::Value> {
    text.map(|t| serde_json::from_str(&t).unwrap_or(serde_json::Value::String(t)))
}

/// Entries matching the filter, newest first.
pub async fn list(db: &Db, f: &AuditFilter) -> StoreResult<Vec<AuditEntry>> {
    // Absent filters bind NULL and match everything, so one statement serves all filters.
    let sql = "SELECT id, at, actor_id, actor_login, action, object_type, object_id, before_json, after_json, request_id \
               FROM audit_log \
               WHERE ($1 IS NULL OR object_type = $1) AND ($2 IS NULL OR object_id = $2) \
                 AND ($3 IS NULL OR actor_login = $3) AND ($4 IS NULL OR id < $4) \
                 AND ($5 IS NULL OR action = $5) \
               ORDER BY id DESC LIMIT $6";
    let limit = f.limit.clamp(1, 1000);
    let rows: Vec<Row> = on_db!(db, |p| sqlx::query_as(sql)
        .bind(f.object_type.as_deref())
        .bind(f.object_id.as_deref())
        .bind(f.actor_login.as_deref())
        .bind(f.before_id.map(|i| i.0))
        .bind(f.action.as_deref())
        .bind(limit)
        .fetch_all(p)
        .await)?;
    Ok(rows
        .into_iter()
        .map(|r| AuditEntry {
            id: AuditId(r.id),
            at: Instant(r.at),
            actor_id: r.actor_id.map(UserId),
            actor_login: r.actor_login,
            action: r.action,
            object_type: r.object_type,
            object_id: r.object_id,
            before: parse_json(r.before_json),
            after: parse_json(r.after_json),
            request_id: r.request_id,
        })
        .collect())
}
