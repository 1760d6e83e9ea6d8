//! Open ledger documents for the pick lists of the stock operation page: purchase-order
//! lines still to receive, lots waiting for inspection, transfer lines on the road,
//! unresolved discrepancies, repair orders with units at the vendor, pending scrap
//! requests, stocktakes being counted, and suppliers. Every list but the purchase orders
//! and suppliers (head-office documents) takes the station scope: `Some(station)` keeps
//! only documents of that station's warehouses.

// Row tuples mirror their SELECT lists column by column.
#![allow(clippy::type_complexity)]

use crate::{Db, StoreResult, on_db};
use aftercare_domain::StationId;
use serde::Serialize;

/// A purchase-order line with units still to receive.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OpenOrderLine {
    /// Purchase order id.
    pub order_id: i64,
    /// Supplier code.
    pub supplier_code: String,
    /// Part number.
    pub part_number: String,
    /// Part name (Chinese).
    pub part_name: String,
    /// Units ordered.
    pub ordered: i64,
    /// Units received so far.
    pub received: i64,
}

/// Units of a lot in a warehouse's quarantine (待检).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QuarantineLot {
    /// Lot id.
    pub lot_id: i64,
    /// Warehouse id.
    pub warehouse_id: i64,
    /// Warehouse code.
    pub warehouse_code: String,
    /// Part number.
    pub part_number: String,
    /// Part name (Chinese).
    pub part_name: String,
    /// Units waiting.
    pub qty: i64,
    /// How the lot came in (purchase, repair, ...).
    pub origin: String,
}

/// A transfer line with units on the road, or an unresolved discrepancy line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OpenTransferLine {
    /// Transfer id.
    pub transfer_id: i64,
    /// Source warehouse code.
    pub from_code: String,
    /// Destination warehouse id.
    pub to_warehouse_id: i64,
    /// Destination warehouse code.
    pub to_code: String,
    /// Part number.
    pub part_number: String,
    /// Part name (Chinese).
    pub part_name: String,
    /// Condition code.
    pub condition: String,
    /// Units still open (on the road, or missing and not yet resolved).
    pub open: i64,
    /// Expected arrival (UTC milliseconds).
    pub eta: i64,
}

/// A repair order with units at the vendor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OpenRepairOrder {
    /// Repair order id.
    pub order_id: i64,
    /// Sending warehouse id.
    pub warehouse_id: i64,
    /// Sending warehouse code.
    pub warehouse_code: String,
    /// Vendor code.
    pub vendor_code: String,
    /// Part number.
    pub part_number: String,
    /// Part name (Chinese).
    pub part_name: String,
    /// Units the vendor holds.
    pub at_vendor: i64,
    /// When they are due back (UTC milliseconds).
    pub due_at: i64,
}

/// A scrap request waiting for a decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PendingScrap {
    /// Request id.
    pub request_id: i64,
    /// Warehouse id.
    pub warehouse_id: i64,
    /// Warehouse code.
    pub warehouse_code: String,
    /// Part number.
    pub part_number: String,
    /// Part name (Chinese).
    pub part_name: String,
    /// Condition code.
    pub condition: String,
    /// Units to scrap.
    pub qty: i64,
    /// Reason code.
    pub reason: String,
}

/// A stocktake being counted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OpenStocktake {
    /// Stocktake id.
    pub stocktake_id: i64,
    /// Warehouse id.
    pub warehouse_id: i64,
    /// Warehouse code.
    pub warehouse_code: String,
    /// `warehouse` or `parts`.
    pub scope: String,
    /// Lines in the snapshot.
    pub lines: i64,
    /// Lines counted so far.
    pub counted: i64,
}

/// A supplier or repair vendor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SupplierRef {
    /// Id.
    pub id: i64,
    /// Code.
    pub code: String,
    /// Name.
    pub name: String,
    /// `supplier`, `repair_vendor` or `both`.
    pub kind: String,
}

fn station(s: Option<StationId>) -> Option<i64> {
    s.map(|s| s.get())
}

/// Purchase-order lines not fully received, newest order first.
pub async fn open_order_lines(db: &Db, limit: i64) -> StoreResult<Vec<OpenOrderLine>> {
    let sql = "SELECT o.id, s.code, p.part_number, p.name_zh, l.ordered, l.received \
               FROM purchase_order_lines l JOIN purchase_orders o ON o.id = l.purchase_order_id \
               JOIN suppliers s ON s.id = o.supplier_id JOIN parts p ON p.id = l.part_id \
               WHERE l.received < l.ordered ORDER BY o.id DESC, p.part_number LIMIT $1";
    let rows: Vec<(i64, String, String, String, i64, i64)> =
        on_db!(db, |p| sqlx::query_as(sql).bind(limit).fetch_all(p).await)?;
    Ok(rows
        .into_iter()
        .map(|r| OpenOrderLine {
            order_id: r.0,
            supplier_code: r.1,
            part_number: r.2,
            part_name: r.3,
            ordered: r.4,
            received: r.5,
        })
        .collect())
}

/// Lots with units in a warehouse's quarantine, newest lot first.
pub async fn quarantine_lots(
    db: &Db,
    own: Option<StationId>,
    limit: i64,
) -> StoreResult<Vec<QuarantineLot>> {
    let sql = "SELECT l.lot_id, b.warehouse_id, w.code, p.part_number, p.name_zh, l.qty, s.origin \
               FROM stock_balances b \
               JOIN stock_lot_balances l ON l.location = b.location AND l.part_id = b.part_id \
               JOIN warehouses w ON w.id = b.warehouse_id JOIN parts p ON p.id = b.part_id \
               JOIN stock_lots s ON s.id = l.lot_id \
               WHERE b.kind = 'stock' AND b.condition = 'quarantine' AND b.qty > 0 AND l.qty > 0 \
               AND ($1 IS NULL OR w.station_id = $1) \
               ORDER BY l.lot_id DESC, w.code LIMIT $2";
    let rows: Vec<(i64, i64, String, String, String, i64, String)> = on_db!(db, |p| {
        sqlx::query_as(sql)
            .bind(station(own))
            .bind(limit)
            .fetch_all(p)
            .await
    })?;
    Ok(rows
        .into_iter()
        .map(|r| QuarantineLot {
            lot_id: r.0,
            warehouse_id: r.1,
            warehouse_code: r.2,
            part_number: r.3,
            part_name: r.4,
            qty: r.5,
            origin: r.6,
        })
        .collect())
}

/// Transfer lines to receive (`discrepancies == false`: units on the road) or to resolve
/// (`true`: missing units neither found nor written off), by the destination's scope,
/// newest transfer first.
pub async fn open_transfer_lines(
    db: &Db,
    own: Option<StationId>,
    discrepancies: bool,
    limit: i64,
) -> StoreResult<Vec<OpenTransferLine>> {
    macro_rules! lines_sql {
        ($open:literal) => {
            concat!(
                "SELECT t.id, f.code, t.to_warehouse_id, w.code, p.part_number, p.name_zh, l.condition, ",
                $open,
                ", t.eta FROM transfer_lines l JOIN transfers t ON t.id = l.transfer_id \
                 JOIN warehouses f ON f.id = t.from_warehouse_id JOIN warehouses w ON w.id = t.to_warehouse_id \
                 JOIN parts p ON p.id = l.part_id WHERE ",
                $open,
                " > 0 AND ($1 IS NULL OR w.station_id = $1) \
                 ORDER BY t.id DESC, p.part_number, l.condition LIMIT $2"
            )
        };
    }
    let sql = if discrepancies {
        lines_sql!("l.missing - l.found - l.written_off")
    } else {
        lines_sql!("l.shipped - l.received - l.missing")
    };
    let rows: Vec<(i64, String, i64, String, String, String, String, i64, i64)> =
        on_db!(db, |p| {
            sqlx::query_as(sql)
                .bind(station(own))
                .bind(limit)
                .fetch_all(p)
                .await
        })?;
    Ok(rows
        .into_iter()
        .map(|r| OpenTransferLine {
            transfer_id: r.0,
            from_code: r.1,
            to_warehouse_id: r.2,
            to_code: r.3,
            part_number: r.4,
            part_name: r.5,
            condition: r.6,
            open: r.7,
            eta: r.8,
        })
        .collect())
}

/// Repair orders with units at the vendor, newest first.
pub async fn open_repair_orders(
    db: &Db,
    own: Option<StationId>,
    limit: i64,
) -> StoreResult<Vec<OpenRepairOrder>> {
    let sql = "SELECT r.id, r.warehouse_id, w.code, s.code, p.part_number, p.name_zh, \
               r.sent + r.rejected - r.received - r.unrepairable, r.due_at \
               FROM repair_orders r JOIN warehouses w ON w.id = r.warehouse_id \
               JOIN suppliers s ON s.id = r.vendor_id JOIN parts p ON p.id = r.part_id \
               WHERE r.sent + r.rejected - r.received - r.unrepairable > 0 \
               AND ($1 IS NULL OR w.station_id = $1) ORDER BY r.id DESC LIMIT $2";
    let rows: Vec<(i64, i64, String, String, String, String, i64, i64)> = on_db!(db, |p| {
        sqlx::query_as(sql)
            .bind(station(own))
            .bind(limit)
            .fetch_all(p)
            .await
    })?;
    Ok(rows
        .into_iter()
        .map(|r| OpenRepairOrder {
            order_id: r.0,
            warehouse_id: r.1,
            warehouse_code: r.2,
            vendor_code: r.3,
            part_number: r.4,
            part_name: r.5,
            at_vendor: r.6,
            due_at: r.7,
        })
        .collect())
}

/// Scrap requests waiting for a decision, oldest first.
pub async fn pending_scrap_requests(
    db: &Db,
    own: Option<StationId>,
    limit: i64,
) -> StoreResult<Vec<PendingScrap>> {
    let sql = "SELECT r.id, r.warehouse_id, w.code, p.part_number, p.name_zh, r.condition, r.qty, r.reason \
               FROM scrap_requests r JOIN warehouses w ON w.id = r.warehouse_id JOIN parts p ON p.id = r.part_id \
               WHERE r.status = 'requested' AND ($1 IS NULL OR w.station_id = $1) \
               ORDER BY r.id LIMIT $2";
    let rows: Vec<(i64, i64, String, String, String, String, i64, String)> = on_db!(db, |p| {
        sqlx::query_as(sql)
            .bind(station(own))
            .bind(limit)
            .fetch_all(p)
            .await
    })?;
    Ok(rows
        .into_iter()
        .map(|r| PendingScrap {
            request_id: r.0,
            warehouse_id: r.1,
            warehouse_code: r.2,
            part_number: r.3,
            part_name: r.4,
            condition: r.5,
            qty: r.6,
            reason: r.7,
        })
        .collect())
}

/// Stocktakes being counted, with their line and counted-line numbers, oldest first.
pub async fn open_stocktakes(
    db: &Db,
    own: Option<StationId>,
    limit: i64,
) -> StoreResult<Vec<OpenStocktake>> {
    let sql = "SELECT s.id, s.warehouse_id, w.code, s.scope, \
               (SELECT COUNT(*) FROM stocktake_lines l WHERE l.stocktake_id = s.id), \
               (SELECT COUNT(*) FROM stocktake_lines l WHERE l.stocktake_id = s.id AND l.counted IS NOT NULL) \
               FROM stocktakes s JOIN warehouses w ON w.id = s.warehouse_id \
               WHERE s.status = 'counting' AND ($1 IS NULL OR w.station_id = $1) \
               ORDER BY s.id LIMIT $2";
    let rows: Vec<(i64, i64, String, String, i64, i64)> = on_db!(db, |p| {
        sqlx::query_as(sql)
            .bind(station(own))
            .bind(limit)
            .fetch_all(p)
            .await
    })?;
    Ok(rows
        .into_iter()
        .map(|r| OpenStocktake {
            stocktake_id: r.0,
            warehouse_id: r.1,
            warehouse_code: r.2,
            scope: r.3,
            lines: r.4,
            counted: r.5,
        })
        .collect())
}

/// Active suppliers and repair vendors, by code.
pub async fn suppliers(db: &Db) -> StoreResult<Vec<SupplierRef>> {
    let sql = "SELECT id, code, name, kind FROM suppliers WHERE active ORDER BY code";
    let rows: Vec<(i64, String, String, String)> =
        on_db!(db, |p| sqlx::query_as(sql).fetch_all(p).await)?;
    Ok(rows
        .into_iter()
        .map(|r| SupplierRef {
            id: r.0,
            code: r.1,
            name: r.2,
            kind: r.3,
        })
        .collect())
}
