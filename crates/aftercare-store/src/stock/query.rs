//! Read side of the ledger: stock with value, movements, in transit, and the warehouses a
//! document belongs to (for tenant checks). Reads see committed data only.

// Row tuples mirror their SELECT lists column by column; naming each would add nothing.
#![allow(clippy::type_complexity)]

use crate::{Db, StoreResult, on_db};
use aftercare_domain::{Instant, StationId, WarehouseId};
use serde::Serialize;

/// Which stock rows to list.
#[derive(Debug, Clone, Default)]
pub struct StockFilter {
    /// Only this warehouse.
    pub warehouse: Option<WarehouseId>,
    /// Only this part.
    pub part: Option<i64>,
    /// Only this condition code.
    pub condition: Option<String>,
    /// Only warehouses of this station (tenant scope).
    pub station: Option<StationId>,
    /// At most this many rows.
    pub limit: i64,
}

/// Units of a part in one warehouse and condition, with their standard-cost value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StockRow {
    /// Warehouse id.
    pub warehouse_id: i64,
    /// Warehouse code.
    pub warehouse_code: String,
    /// Part id.
    pub part_id: i64,
    /// Part number.
    pub part_number: String,
    /// Part name (Chinese).
    pub part_name: String,
    /// Condition code.
    pub condition: String,
    /// Units on the shelf.
    pub qty: i64,
    /// Standard cost per unit, minor units.
    pub unit_cost: i64,
    /// qty × unit cost, minor units.
    pub value: i64,
}

/// Stock on shelves.
pub async fn stock(db: &Db, f: &StockFilter) -> StoreResult<Vec<StockRow>> {
    let sql = "SELECT b.warehouse_id, w.code, b.part_id, p.part_number, p.name_zh, b.condition, b.qty, p.standard_cost \
               FROM stock_balances b JOIN warehouses w ON w.id = b.warehouse_id JOIN parts p ON p.id = b.part_id \
               WHERE b.kind = 'stock' AND b.qty <> 0 \
               AND ($1 IS NULL OR b.warehouse_id = $1) AND ($2 IS NULL OR b.part_id = $2) \
               AND ($3 IS NULL OR b.condition = $3) AND ($4 IS NULL OR w.station_id = $4) \
               ORDER BY w.code, p.part_number, b.condition LIMIT $5";
    let rows: Vec<(i64, String, i64, String, String, String, i64, i64)> = on_db!(db, |p| {
        sqlx::query_as(sql)
            .bind(f.warehouse.map(|w| w.get()))
            .bind(f.part)
            .bind(f.condition.clone())
            .bind(f.station.map(|s| s.get()))
            .bind(f.limit)
            .fetch_all(p)
            .await
    })?;
    Ok(rows
        .into_iter()
        .map(|(w, wc, p, pn, name, c, q, cost)| StockRow {
            warehouse_id: w,
            warehouse_code: wc,
            part_id: p,
            part_number: pn,
            part_name: name,
            condition: c,
            qty: q,
            unit_cost: cost,
            value: q.saturating_mul(cost),
        })
        .collect())
}

/// Which movements to list (newest first).
#[derive(Debug, Clone, Default)]
pub struct MovementFilter {
    /// Movements out of or into this warehouse.
    pub warehouse: Option<WarehouseId>,
    /// Only this part.
    pub part: Option<i64>,
    /// Only this kind code.
    pub kind: Option<String>,
    /// At or after.
    pub from: Option<Instant>,
    /// Before.
    pub to: Option<Instant>,
    /// Only movements touching warehouses of this station (tenant scope).
    pub station: Option<StationId>,
    /// Only ids below this (paging).
    pub before_id: Option<i64>,
    /// At most this many rows.
    pub limit: i64,
}

/// One movement with the lots it took.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MovementRow {
    /// Movement id.
    pub id: i64,
    /// Kind code.
    pub kind: String,
    /// Part id.
    pub part_id: i64,
    /// Part number.
    pub part_number: String,
    /// From location key.
    pub from_location: String,
    /// To location key.
    pub to_location: String,
    /// Units.
    pub qty: i64,
    /// When.
    pub at: i64,
    /// Document kind.
    pub document_kind: Option<String>,
    /// Document id.
    pub document_id: Option<i64>,
    /// When the returned parts were issued (returns of unused parts).
    pub issued_at: Option<i64>,
    /// Who made it.
    pub actor_id: Option<i64>,
    /// (lot, units) taken.
    pub lots: Vec<(i64, i64)>,
}

/// Movements, newest first.
pub async fn movements(db: &Db, f: &MovementFilter) -> StoreResult<Vec<MovementRow>> {
    let sql = "SELECT m.id, m.kind, m.part_id, p.part_number, m.from_location, m.to_location, m.qty, m.at, \
               m.document_kind, m.document_id, m.issued_at, m.actor_id \
               FROM stock_movements m JOIN parts p ON p.id = m.part_id \
               WHERE ($1 IS NULL OR m.from_warehouse_id = $1 OR m.to_warehouse_id = $1) \
               AND ($2 IS NULL OR m.part_id = $2) AND ($3 IS NULL OR m.kind = $3) \
               AND ($4 IS NULL OR m.at >= $4) AND ($5 IS NULL OR m.at < $5) \
               AND ($6 IS NULL OR m.from_warehouse_id IN (SELECT id FROM warehouses WHERE station_id = $6) \
                    OR m.to_warehouse_id IN (SELECT id FROM warehouses WHERE station_id = $6)) \
               AND ($7 IS NULL OR m.id < $7) \
               ORDER BY m.id DESC LIMIT $8";
    type Row = (
        i64,
        String,
        i64,
        String,
        String,
        String,
        i64,
        i64,
        Option<String>,
        Option<i64>,
        Option<i64>,
        Option<i64>,
    );
    let rows: Vec<Row> = on_db!(db, |p| {
        sqlx::query_as(sql)
            .bind(f.warehouse.map(|w| w.get()))
            .bind(f.part)
            .bind(f.kind.clone())
            .bind(f.from.map(|i| i.millis()))
            .bind(f.to.map(|i| i.millis()))
            .bind(f.station.map(|s| s.get()))
            .bind(f.before_id)
            .bind(f.limit)
            .fetch_all(p)
            .await
    })?;
    let mut out: Vec<MovementRow> = rows
        .into_iter()
        .map(|r| MovementRow {
            id: r.0,
            kind: r.1,
            part_id: r.2,
            part_number: r.3,
            from_location: r.4,
            to_location: r.5,
            qty: r.6,
            at: r.7,
            document_kind: r.8,
            document_id: r.9,
            issued_at: r.10,
            actor_id: r.11,
            lots: Vec::new(),
        })
        .collect();
    // The page's movements by id, not the id range between its first and last: filtered by
    // a part, that range spans most of the ledger (300,000 lot rows for one page).
    let index: std::collections::HashMap<i64, usize> =
        out.iter().enumerate().map(|(i, m)| (m.id, i)).collect();
    let ids: Vec<i64> = out.iter().map(|m| m.id).collect();
    for chunk in ids.chunks(500) {
        let sql = format!(
            "SELECT movement_id, lot_id, qty FROM stock_movement_lots WHERE movement_id IN ({}) ORDER BY movement_id, lot_id",
            crate::in_list(chunk.len())
        );
        let lots: Vec<(i64, i64, i64)> = on_db!(db, |p| {
            let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()));
            for id in chunk {
                q = q.bind(*id);
            }
            q.fetch_all(p).await
        })?;
        for (m, lot, q) in lots {
            if let Some(&i) = index.get(&m) {
                out[i].lots.push((lot, q));
            }
        }
    }
    Ok(out)
}

/// Units on the road.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TransitRow {
    /// Transfer id.
    pub transfer_id: i64,
    /// Source warehouse.
    pub from_warehouse_id: i64,
    /// Destination warehouse.
    pub to_warehouse_id: i64,
    /// Part id.
    pub part_id: i64,
    /// Part number.
    pub part_number: String,
    /// Condition code.
    pub condition: String,
    /// Units on the road.
    pub qty: i64,
    /// When shipped.
    pub shipped_at: i64,
    /// Expected arrival.
    pub eta: i64,
    /// Whether the expected arrival has passed.
    pub overdue: bool,
}

/// In-transit lines, by ETA; filter by destination, part, and station scope (source or
/// destination belongs to the station).
pub async fn in_transit(
    db: &Db,
    to: Option<WarehouseId>,
    part: Option<i64>,
    station: Option<StationId>,
    now: Instant,
) -> StoreResult<Vec<TransitRow>> {
    let sql = "SELECT t.id, t.from_warehouse_id, t.to_warehouse_id, l.part_id, p.part_number, l.condition, \
               l.shipped - l.received - l.missing, t.shipped_at, t.eta \
               FROM transfer_lines l JOIN transfers t ON t.id = l.transfer_id JOIN parts p ON p.id = l.part_id \
               WHERE l.shipped - l.received - l.missing > 0 \
               AND ($1 IS NULL OR t.to_warehouse_id = $1) AND ($2 IS NULL OR l.part_id = $2) \
               AND ($3 IS NULL OR t.from_warehouse_id IN (SELECT id FROM warehouses WHERE station_id = $3) \
                    OR t.to_warehouse_id IN (SELECT id FROM warehouses WHERE station_id = $3)) \
               ORDER BY t.eta, t.id, p.part_number, l.condition";
    let rows: Vec<(i64, i64, i64, i64, String, String, i64, i64, i64)> = on_db!(db, |p| {
        sqlx::query_as(sql)
            .bind(to.map(|w| w.get()))
            .bind(part)
            .bind(station.map(|s| s.get()))
            .fetch_all(p)
            .await
    })?;
    Ok(rows
        .into_iter()
        .map(|r| TransitRow {
            transfer_id: r.0,
            from_warehouse_id: r.1,
            to_warehouse_id: r.2,
            part_id: r.3,
            part_number: r.4,
            condition: r.5,
            qty: r.6,
            shipped_at: r.7,
            eta: r.8,
            overdue: now.millis() > r.8,
        })
        .collect())
}

/// The station owning a warehouse: `None` if the warehouse does not exist, `Some(None)`
/// for a central or regional warehouse.
pub async fn warehouse_station(db: &Db, w: WarehouseId) -> StoreResult<Option<Option<StationId>>> {
    let row: Option<(Option<i64>,)> = on_db!(db, |p| {
        sqlx::query_as("SELECT station_id FROM warehouses WHERE id = $1")
            .bind(w.get())
            .fetch_optional(p)
            .await
    })?;
    Ok(row.map(|(s,)| s.map(StationId)))
}

/// A ledger document whose warehouses decide who may act on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocRef {
    /// A transfer (source and destination).
    Transfer(i64),
    /// A transfer's destination only (receiving and resolving are the destination's work).
    TransferDestination(i64),
    /// A reservation.
    Reservation(i64),
    /// A repair order.
    RepairOrder(i64),
    /// A scrap request.
    ScrapRequest(i64),
    /// A stocktake.
    Stocktake(i64),
    /// A lot: the warehouses where it has stock.
    Lot(i64),
}

/// The warehouses of a document (empty if it does not exist).
pub async fn document_warehouses(db: &Db, d: DocRef) -> StoreResult<Vec<WarehouseId>> {
    let (sql, id) = match d {
        DocRef::Transfer(i) => (
            "SELECT from_warehouse_id FROM transfers WHERE id = $1 UNION SELECT to_warehouse_id FROM transfers WHERE id = $1",
            i,
        ),
        DocRef::TransferDestination(i) => {
            ("SELECT to_warehouse_id FROM transfers WHERE id = $1", i)
        }
        DocRef::Reservation(i) => (
            "SELECT warehouse_id FROM stock_reservations WHERE id = $1",
            i,
        ),
        DocRef::RepairOrder(i) => ("SELECT warehouse_id FROM repair_orders WHERE id = $1", i),
        DocRef::ScrapRequest(i) => ("SELECT warehouse_id FROM scrap_requests WHERE id = $1", i),
        DocRef::Stocktake(i) => ("SELECT warehouse_id FROM stocktakes WHERE id = $1", i),
        DocRef::Lot(i) => (
            "SELECT DISTINCT warehouse_id FROM stock_lot_balances l JOIN stock_balances b ON b.location = l.location AND b.part_id = l.part_id \
             WHERE l.lot_id = $1 AND l.qty > 0 AND b.kind = 'stock'",
            i,
        ),
    };
    let rows: Vec<i64> = on_db!(db, |p| {
        sqlx::query_scalar(sql).bind(id).fetch_all(p).await
    })?;
    Ok(rows.into_iter().map(WarehouseId).collect())
}

/// The warehouses that moved stock for a consumer (issued to it, took returns from it) or
/// hold a reservation for it: whose stock the consumer has touched.
pub async fn consumer_warehouses(
    db: &Db,
    consumer: aftercare_domain::stock::Consumer,
) -> StoreResult<Vec<WarehouseId>> {
    use aftercare_domain::stock::Consumer;
    let (kind, id) = match consumer {
        Consumer::Ticket(t) => ("ticket", t.get()),
        Consumer::Requisition(r) => ("requisition", r.get()),
    };
    let rows: Vec<i64> = on_db!(db, |p| {
        sqlx::query_scalar(
            "SELECT from_warehouse_id FROM stock_movements \
             WHERE document_kind = $1 AND document_id = $2 AND from_warehouse_id IS NOT NULL \
             UNION SELECT to_warehouse_id FROM stock_movements \
             WHERE document_kind = $1 AND document_id = $2 AND to_warehouse_id IS NOT NULL \
             UNION SELECT warehouse_id FROM stock_reservations WHERE consumer_kind = $1 AND consumer_id = $2",
        )
        .bind(kind)
        .bind(id)
        .fetch_all(p)
        .await
    })?;
    Ok(rows.into_iter().map(WarehouseId).collect())
}

/// Issuable and reserved units of a part in a warehouse (0, 0 if none).
pub async fn availability(db: &Db, w: WarehouseId, part: i64) -> StoreResult<(i64, i64)> {
    let row: Option<(i64, i64)> = on_db!(db, |p| {
        sqlx::query_as(
            "SELECT issuable, reserved FROM stock_availability WHERE warehouse_id = $1 AND part_id = $2",
        )
        .bind(w.get())
        .bind(part)
        .fetch_optional(p)
        .await
    })?;
    Ok(row.unwrap_or((0, 0)))
}

/// Whether a supplier (or repair vendor) exists.
pub async fn supplier_exists(db: &Db, s: aftercare_domain::SupplierId) -> StoreResult<bool> {
    let row: Option<i64> = on_db!(db, |p| {
        sqlx::query_scalar("SELECT id FROM suppliers WHERE id = $1")
            .bind(s.get())
            .fetch_optional(p)
            .await
    })?;
    Ok(row.is_some())
}
