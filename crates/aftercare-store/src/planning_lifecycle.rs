//! Lifecycle inputs of planning runs: successor parts (phase-in) and demand events such as
//! recalls (tables `part_successions` and `demand_events`).

use crate::{Db, StoreResult, Tx, on_db, on_tx};
use aftercare_domain::{Instant, PartId, WarehouseId};

/// A successor part taking over a predecessor's uses.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Succession {
    /// The part being replaced.
    pub predecessor: PartId,
    /// Its part number.
    pub predecessor_number: String,
    /// The part that takes over.
    pub successor: PartId,
    /// Its part number.
    pub successor_number: String,
    /// Percent of the predecessor's demand that moves over (1–100).
    pub share_pct: i64,
    /// Who recorded it.
    pub created_by: String,
    /// When.
    pub created_at: Instant,
}

type SuccessionTuple = (i64, String, i64, String, i64, String, i64);

fn succession_of(t: SuccessionTuple) -> Succession {
    Succession {
        predecessor: PartId(t.0),
        predecessor_number: t.1,
        successor: PartId(t.2),
        successor_number: t.3,
        share_pct: t.4,
        created_by: t.5,
        created_at: Instant(t.6),
    }
}

const SUCCESSION_SELECT: &str = "SELECT s.predecessor_id, a.part_number, s.successor_id, b.part_number, \
     s.share_pct, s.created_by, s.created_at \
     FROM part_successions s JOIN parts a ON a.id = s.predecessor_id JOIN parts b ON b.id = s.successor_id";

/// Every succession, by predecessor part number.
pub async fn successions(db: &Db) -> StoreResult<Vec<Succession>> {
    let sql = format!("{SUCCESSION_SELECT} ORDER BY a.part_number");
    let rows: Vec<SuccessionTuple> =
        on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
            .fetch_all(p)
            .await)?;
    Ok(rows.into_iter().map(succession_of).collect())
}

/// Make the transaction the only writer of successions until it ends, so a check of the
/// existing successions it reads (e.g. for a loop) still holds when it writes. SQLite's
/// write transaction already is the only writer; PostgreSQL takes a table lock that other
/// writers of the table wait for (plain reads go on).
pub async fn lock_successions(tx: &mut Tx) -> StoreResult<()> {
    if let Tx::Postgres(t) = tx {
        sqlx::query("LOCK TABLE part_successions IN SHARE ROW EXCLUSIVE MODE")
            .execute(&mut **t)
            .await?;
    }
    Ok(())
}

/// Every succession, read inside a write transaction (see [`lock_successions`]).
pub async fn successions_in(tx: &mut Tx) -> StoreResult<Vec<Succession>> {
    let sql = format!("{SUCCESSION_SELECT} ORDER BY a.part_number");
    let rows: Vec<SuccessionTuple> =
        on_tx!(tx, |c| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
            .fetch_all(c)
            .await)?;
    Ok(rows.into_iter().map(succession_of).collect())
}

/// The succession of one predecessor, if any.
pub async fn succession_of_part(db: &Db, predecessor: PartId) -> StoreResult<Option<Succession>> {
    let sql = format!("{SUCCESSION_SELECT} WHERE s.predecessor_id = $1");
    let row: Option<SuccessionTuple> = on_db!(db, |p| {
        sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(predecessor.0)
            .fetch_optional(p)
            .await
    })?;
    Ok(row.map(succession_of))
}

/// Record (or change) the successor of `predecessor`.
pub async fn upsert_succession(
    tx: &mut Tx,
    predecessor: PartId,
    successor: PartId,
    share_pct: i64,
    created_by: &str,
    now: Instant,
) -> StoreResult<()> {
    on_tx!(tx, |c| {
        sqlx::query(
            "INSERT INTO part_successions (predecessor_id, successor_id, share_pct, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (predecessor_id) DO UPDATE SET successor_id = excluded.successor_id, \
             share_pct = excluded.share_pct, created_by = excluded.created_by, created_at = excluded.created_at",
        )
        .bind(predecessor.0)
        .bind(successor.0)
        .bind(share_pct)
        .bind(created_by)
        .bind(now.0)
        .execute(c)
        .await
        .map(|_| ())
    })?;
    Ok(())
}

/// Remove the succession of `predecessor`; whether there was one.
pub async fn delete_succession(tx: &mut Tx, predecessor: PartId) -> StoreResult<bool> {
    let n = on_tx!(tx, |c| {
        sqlx::query("DELETE FROM part_successions WHERE predecessor_id = $1")
            .bind(predecessor.0)
            .execute(c)
            .await
            .map(|r| r.rows_affected())
    })?;
    Ok(n > 0)
}

/// A demand event as stored.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DemandEventRow {
    /// Id.
    pub id: i64,
    /// The part needed.
    pub part: PartId,
    /// Its part number.
    pub part_number: String,
    /// Where it is needed.
    pub warehouse: WarehouseId,
    /// The warehouse's code.
    pub warehouse_code: String,
    /// What the event is, e.g. the recall's name.
    pub name: String,
    /// First day (YYYY-MM-DD).
    pub starts_on: String,
    /// Last day (YYYY-MM-DD), inclusive.
    pub ends_on: String,
    /// Units in the field affected.
    pub affected_units: i64,
    /// Parts needed per million affected units.
    pub replacement_ppm: i64,
    /// `active` or `cancelled`.
    pub status: String,
    /// Who recorded it.
    pub created_by: String,
    /// When.
    pub created_at: Instant,
}

/// A demand event to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDemandEvent {
    /// The part needed.
    pub part: PartId,
    /// Where it is needed.
    pub warehouse: WarehouseId,
    /// What the event is.
    pub name: String,
    /// First day (YYYY-MM-DD).
    pub starts_on: String,
    /// Last day (YYYY-MM-DD), inclusive.
    pub ends_on: String,
    /// Units in the field affected.
    pub affected_units: i64,
    /// Parts needed per million affected units.
    pub replacement_ppm: i64,
}

type EventTuple = (
    i64,
    i64,
    String,
    i64,
    String,
    String,
    String,
    String,
    i64,
    i64,
    String,
    String,
    i64,
);

const EVENT_SELECT: &str = "SELECT e.id, e.part_id, p.part_number, e.warehouse_id, w.code, e.name, \
     e.starts_on, e.ends_on, e.affected_units, e.replacement_ppm, e.status, e.created_by, e.created_at \
     FROM demand_events e JOIN parts p ON p.id = e.part_id JOIN warehouses w ON w.id = e.warehouse_id";

fn event_of(t: EventTuple) -> DemandEventRow {
    DemandEventRow {
        id: t.0,
        part: PartId(t.1),
        part_number: t.2,
        warehouse: WarehouseId(t.3),
        warehouse_code: t.4,
        name: t.5,
        starts_on: t.6,
        ends_on: t.7,
        affected_units: t.8,
        replacement_ppm: t.9,
        status: t.10,
        created_by: t.11,
        created_at: Instant(t.12),
    }
}

/// Demand events, newest first; only active ones when `active_only`.
pub async fn demand_events(db: &Db, active_only: bool) -> StoreResult<Vec<DemandEventRow>> {
    let filter = if active_only {
        " WHERE e.status = 'active'"
    } else {
        ""
    };
    let sql = format!("{EVENT_SELECT}{filter} ORDER BY e.id DESC");
    let rows: Vec<EventTuple> = on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .fetch_all(p)
        .await)?;
    Ok(rows.into_iter().map(event_of).collect())
}

/// One demand event.
pub async fn demand_event(db: &Db, id: i64) -> StoreResult<Option<DemandEventRow>> {
    let sql = format!("{EVENT_SELECT} WHERE e.id = $1");
    let row: Option<EventTuple> =
        on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(id)
            .fetch_optional(p)
            .await)?;
    Ok(row.map(event_of))
}

/// Record a demand event; its id.
pub async fn insert_demand_event(
    tx: &mut Tx,
    e: &NewDemandEvent,
    created_by: &str,
    now: Instant,
) -> StoreResult<i64> {
    Ok(on_tx!(tx, |c| {
        sqlx::query_scalar(
            "INSERT INTO demand_events (part_id, warehouse_id, name, starts_on, ends_on, affected_units, \
             replacement_ppm, status, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, 'active', $8, $9) RETURNING id",
        )
        .bind(e.part.0)
        .bind(e.warehouse.0)
        .bind(&e.name)
        .bind(&e.starts_on)
        .bind(&e.ends_on)
        .bind(e.affected_units)
        .bind(e.replacement_ppm)
        .bind(created_by)
        .bind(now.0)
        .fetch_one(c)
        .await
    })?)
}

/// Cancel an active event; whether it was active.
pub async fn cancel_demand_event(tx: &mut Tx, id: i64, now: Instant) -> StoreResult<bool> {
    let n = on_tx!(tx, |c| {
        sqlx::query(
            "UPDATE demand_events SET status = 'cancelled', cancelled_at = $2 \
             WHERE id = $1 AND status = 'active'",
        )
        .bind(id)
        .bind(now.0)
        .execute(c)
        .await
        .map(|r| r.rows_affected())
    })?;
    Ok(n > 0)
}
