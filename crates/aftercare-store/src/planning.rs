//! Planning runs, the latest plan per part × warehouse, and replenishment proposals; plus
//! the reads a run needs from the ledger (outflow history, stock positions, part master).

use crate::{Db, StoreResult, Tx, on_db, on_tx};
use aftercare_domain::{Instant, PartId, SupplierId, UserId, WarehouseId};
use std::collections::HashMap;
use std::collections::HashSet;

const DAY_MS: i64 = 86_400_000;

/// Units that left a warehouse on one day (issues to tickets and requisitions, and
/// transfers shipped to the warehouses it replenishes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutflowDay {
    /// The warehouse.
    pub warehouse: WarehouseId,
    /// The part.
    pub part: PartId,
    /// Days since the start of the window.
    pub day: i64,
    /// Units.
    pub qty: i64,
    /// Of them, units issued to tickets and requisitions (consumed, not moved within the
    /// network).
    pub issued: i64,
}

/// The movements that are demand on the warehouse they leave (`m`): issues to tickets and
/// requisitions, and issuable stock (good, repaired) shipped to a warehouse it replenishes.
/// Defective parts sent up for repair, returns to the parent and moves between siblings
/// are not demand: counted, they doubled a station's history with its quarterly defective
/// returns and planned safety stock for them.
macro_rules! demand_movement {
    () => {
        "(m.kind = 'issue' OR (m.kind = 'transfer_ship' \
          AND (m.from_location LIKE 'stock:%:good:%' OR m.from_location LIKE 'stock:%:repaired:%') \
          AND EXISTS (SELECT 1 FROM warehouses c \
                      WHERE c.id = m.to_warehouse_id AND c.parent_id = m.from_warehouse_id)))"
    };
}

/// Daily outflow per warehouse and part in `[start, end)` (demand, see `demand_movement`).
pub async fn outflow_by_day(db: &Db, start: Instant, end: Instant) -> StoreResult<Vec<OutflowDay>> {
    let rows: Vec<(i64, i64, i64, i64, i64)> = on_db!(db, |p| {
        sqlx::query_as(concat!(
            "SELECT m.from_warehouse_id, m.part_id, (m.at - $1) / $3 AS day, \
                    CAST(SUM(m.qty) AS BIGINT), \
                    CAST(SUM(CASE WHEN m.kind = 'issue' THEN m.qty ELSE 0 END) AS BIGINT) \
             FROM stock_movements m \
             WHERE m.from_warehouse_id IS NOT NULL AND m.at >= $1 AND m.at < $2 AND ",
            demand_movement!(),
            " GROUP BY m.from_warehouse_id, m.part_id, (m.at - $1) / $3"
        ))
        .bind(start.0)
        .bind(end.0)
        .bind(DAY_MS)
        .fetch_all(p)
        .await
    })?;
    Ok(rows
        .into_iter()
        .map(|(w, p, day, qty, issued)| OutflowDay {
            warehouse: WarehouseId(w),
            part: PartId(p),
            day,
            qty,
            issued,
        })
        .collect())
}

/// When each warehouse last received each part at or after `since` from a supplier, a
/// repair vendor or its parent (a transfer down): stock placed there on purpose. Units
/// coming back from the warehouses it replenishes are not: they were sent up to go on.
pub async fn last_receipts(
    db: &Db,
    since: Instant,
) -> StoreResult<Vec<(WarehouseId, PartId, Instant)>> {
    let rows: Vec<(i64, i64, i64)> = on_db!(db, |p| {
        sqlx::query_as(
            "SELECT m.to_warehouse_id, m.part_id, MAX(m.at) FROM stock_movements m \
             WHERE m.to_warehouse_id IS NOT NULL AND m.at >= $1 \
               AND (m.kind IN ('receipt', 'repair_receive') \
                    OR (m.kind = 'transfer_receive' AND m.document_kind = 'transfer' \
                        AND EXISTS (SELECT 1 FROM transfers t JOIN warehouses c ON c.id = t.to_warehouse_id \
                                    WHERE t.id = m.document_id AND c.parent_id = t.from_warehouse_id))) \
             GROUP BY m.to_warehouse_id, m.part_id",
        )
        .bind(since.0)
        .fetch_all(p)
        .await
    })?;
    Ok(rows
        .into_iter()
        .map(|(w, p, at)| (WarehouseId(w), PartId(p), Instant(at)))
        .collect())
}

/// Outflow of one part at one warehouse, per day, in `[start, end)` (demand, see
/// `demand_movement`).
pub async fn outflow_of(
    db: &Db,
    warehouse: WarehouseId,
    part: PartId,
    start: Instant,
    end: Instant,
) -> StoreResult<Vec<(i64, i64)>> {
    Ok(on_db!(db, |p| {
        sqlx::query_as(concat!(
            "SELECT (m.at - $1) / $3 AS day, CAST(SUM(m.qty) AS BIGINT) FROM stock_movements m \
             WHERE m.from_warehouse_id = $4 AND m.part_id = $5 \
               AND m.at >= $1 AND m.at < $2 AND ",
            demand_movement!(),
            " GROUP BY (m.at - $1) / $3"
        ))
        .bind(start.0)
        .bind(end.0)
        .bind(DAY_MS)
        .bind(warehouse.0)
        .bind(part.0)
        .fetch_all(p)
        .await
    })?)
}

/// Where the stock of a part stands at a warehouse.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Position {
    /// Issuable units on the shelf (good and repaired).
    pub on_hand: i64,
    /// Units reserved for tickets and requisitions.
    pub reserved: i64,
    /// Issuable units shipped to the warehouse and not yet received.
    pub in_transit: i64,
    /// Units received (from a supplier or a repair vendor) and awaiting inspection: no
    /// longer on order, not yet on the shelf.
    pub in_inspection: i64,
    /// Units on open purchase orders that count at the warehouse (see [`positions`]).
    pub on_order: i64,
}

/// The warehouse an open purchase-order line of `l` counts at, as SQL: the warehouse of the
/// proposal whose approval created the order, while it is an active after-sales warehouse
/// without a parent; otherwise (orders placed by hand name no warehouse) the first such
/// warehouse. NULL when there is none.
const ORDER_WAREHOUSE: &str = "COALESCE(\
     (SELECT MIN(pp.warehouse_id) FROM plan_proposals pp JOIN warehouses pw ON pw.id = pp.warehouse_id \
      WHERE pp.document_kind = 'purchase_order' AND pp.document_id = l.purchase_order_id \
        AND pw.active AND pw.after_sales AND pw.parent_id IS NULL), \
     (SELECT MIN(r.id) FROM warehouses r WHERE r.active AND r.after_sales AND r.parent_id IS NULL))";

/// Units awaiting inspection (quarantine shelves), as SQL over `stock_balances`: the
/// condition [`positions`] and [`inbound`] both count.
macro_rules! inspecting {
    () => {
        "kind = 'stock' AND condition = 'quarantine' AND qty > 0"
    };
}

/// Units awaiting inspection per warehouse and part.
const INSPECTING: &str = concat!(
    "SELECT warehouse_id, part_id, CAST(SUM(qty) AS BIGINT) FROM stock_balances WHERE ",
    inspecting!(),
    " GROUP BY warehouse_id, part_id"
);

/// Stock positions of every warehouse × part with anything on hand, reserved, in transit,
/// in inspection or on order (open purchase-order quantity, at the warehouse each order
/// counts at).
pub async fn positions(db: &Db) -> StoreResult<Vec<(WarehouseId, PartId, Position)>> {
    let on_hand: Vec<(i64, i64, i64)> = on_db!(db, |p| {
        sqlx::query_as(
            "SELECT warehouse_id, part_id, CAST(SUM(qty) AS BIGINT) FROM stock_balances \
             WHERE kind = 'stock' AND condition IN ('good', 'repaired') AND qty > 0 \
             GROUP BY warehouse_id, part_id",
        )
        .fetch_all(p)
        .await
    })?;
    let reserved: Vec<(i64, i64, i64)> = on_db!(db, |p| {
        sqlx::query_as(
            "SELECT warehouse_id, part_id, reserved FROM stock_availability WHERE reserved > 0",
        )
        .fetch_all(p)
        .await
    })?;
    let in_transit: Vec<(i64, i64, i64)> = on_db!(db, |p| {
        sqlx::query_as(
            "SELECT t.to_warehouse_id, l.part_id, CAST(SUM(l.shipped - l.received - l.missing) AS BIGINT) \
             FROM transfer_lines l JOIN transfers t ON t.id = l.transfer_id \
             WHERE t.status <> 'closed' AND l.condition IN ('good', 'repaired') \
             GROUP BY t.to_warehouse_id, l.part_id",
        )
        .fetch_all(p)
        .await
    })?;
    let in_inspection: Vec<(i64, i64, i64)> =
        on_db!(db, |p| { sqlx::query_as(INSPECTING).fetch_all(p).await })?;
    let sql = format!(
        "SELECT w, part_id, CAST(SUM(open_qty) AS BIGINT) FROM \
         (SELECT {ORDER_WAREHOUSE} AS w, l.part_id, l.ordered - l.received AS open_qty \
          FROM purchase_order_lines l WHERE l.received < l.ordered) o \
         WHERE w IS NOT NULL GROUP BY w, part_id"
    );
    let on_order: Vec<(i64, i64, i64)> = on_db!(db, |p| {
        sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
            .fetch_all(p)
            .await
    })?;
    let mut map: std::collections::BTreeMap<(i64, i64), Position> = Default::default();
    for (w, p, q) in on_hand {
        map.entry((w, p)).or_default().on_hand += q;
    }
    for (w, p, q) in reserved {
        map.entry((w, p)).or_default().reserved += q;
    }
    for (w, p, q) in in_transit {
        if q > 0 {
            map.entry((w, p)).or_default().in_transit += q;
        }
    }
    for (w, p, q) in on_order {
        if q > 0 {
            map.entry((w, p)).or_default().on_order += q;
        }
    }
    for (w, p, q) in in_inspection {
        map.entry((w, p)).or_default().in_inspection += q;
    }
    Ok(map
        .into_iter()
        .map(|((w, p), pos)| (WarehouseId(w), PartId(p), pos))
        .collect())
}

/// Available units (issuable − reserved) of a part at a warehouse.
pub async fn available(db: &Db, warehouse: WarehouseId, part: PartId) -> StoreResult<i64> {
    let row: Option<(i64, i64)> = on_db!(db, |p| {
        sqlx::query_as(
            "SELECT issuable, reserved FROM stock_availability WHERE warehouse_id = $1 AND part_id = $2",
        )
        .bind(warehouse.0)
        .bind(part.0)
        .fetch_optional(p)
        .await
    })?;
    Ok(row.map_or(0, |(i, r)| i - r))
}

/// Units of a part already on their way to a warehouse, counted as a run counts them:
/// issuable units in transit to it, units there awaiting inspection, plus the open
/// purchase-order quantity of the part on
/// the orders that count at the warehouse (those approved from its proposals; at the first
/// active after-sales warehouse without a parent also the orders placed by hand).
pub async fn inbound(db: &Db, warehouse: WarehouseId, part: PartId) -> StoreResult<i64> {
    let in_transit: i64 = on_db!(db, |p| {
        sqlx::query_scalar(
            "SELECT CAST(COALESCE(SUM(l.shipped - l.received - l.missing), 0) AS BIGINT) \
             FROM transfer_lines l JOIN transfers t ON t.id = l.transfer_id \
             WHERE t.status <> 'closed' AND l.condition IN ('good', 'repaired') \
               AND t.to_warehouse_id = $1 AND l.part_id = $2",
        )
        .bind(warehouse.0)
        .bind(part.0)
        .fetch_one(p)
        .await
    })?;
    let sql = format!(
        "SELECT CAST(COALESCE(SUM(l.ordered - l.received), 0) AS BIGINT) \
         FROM purchase_order_lines l WHERE l.received < l.ordered AND l.part_id = $1 \
           AND {ORDER_WAREHOUSE} = $2"
    );
    let on_order: i64 = on_db!(db, |p| {
        sqlx::query_scalar(sqlx::AssertSqlSafe(sql.clone()))
            .bind(part.0)
            .bind(warehouse.0)
            .fetch_one(p)
            .await
    })?;
    let in_inspection: i64 = on_db!(db, |p| {
        sqlx::query_scalar(concat!(
            "SELECT CAST(COALESCE(SUM(qty), 0) AS BIGINT) FROM stock_balances WHERE ",
            inspecting!(),
            " AND warehouse_id = $1 AND part_id = $2"
        ))
        .bind(warehouse.0)
        .bind(part.0)
        .fetch_one(p)
        .await
    })?;
    Ok(in_transit.max(0) + on_order.max(0) + in_inspection)
}

/// What a run needs of a part.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanPart {
    /// The part.
    pub id: PartId,
    /// Part number.
    pub part_number: String,
    /// Standard cost, minor units.
    pub standard_cost: i64,
    /// Procurement lead time in days.
    pub lead_time_days: i64,
    /// End of production (YYYY-MM-DD).
    pub end_of_production_on: Option<String>,
    /// End of service (YYYY-MM-DD).
    pub end_of_service_on: Option<String>,
    /// The first supplier on record.
    pub supplier: Option<SupplierId>,
}

/// A [`PlanPart`] row as `plan_part_query!` returns it.
type PlanPartRow = (
    i64,
    String,
    i64,
    i64,
    Option<String>,
    Option<String>,
    Option<i64>,
);

/// The query of a [`PlanPart`] from `parts p`, followed by `$rest` (WHERE and ORDER BY).
macro_rules! plan_part_query {
    ($rest:literal) => {
        concat!(
            "SELECT p.id, p.part_number, p.standard_cost, p.lead_time_days, \
                    p.end_of_production_on, p.end_of_service_on, \
                    (SELECT MIN(v.supplier_id) FROM part_vendors v JOIN suppliers s ON s.id = v.supplier_id \
                     WHERE v.part_id = p.id AND v.role = 'supplier' AND s.active \
                     AND s.kind IN ('supplier', 'both')) \
             FROM parts p ",
            $rest
        )
    };
}

fn plan_part_of((id, part_number, cost, lead, eop, eos, sup): PlanPartRow) -> PlanPart {
    PlanPart {
        id: PartId(id),
        part_number,
        standard_cost: cost,
        lead_time_days: lead,
        end_of_production_on: eop,
        end_of_service_on: eos,
        supplier: sup.map(SupplierId),
    }
}

/// Active parts with their first supplier.
pub async fn plan_parts(db: &Db) -> StoreResult<Vec<PlanPart>> {
    let sql = plan_part_query!("WHERE p.active ORDER BY p.id");
    let rows: Vec<PlanPartRow> = on_db!(db, |p| sqlx::query_as(sql).fetch_all(p).await)?;
    Ok(rows.into_iter().map(plan_part_of).collect())
}

/// One part as [`plan_parts`] sees it; `None` when it is unknown or inactive.
pub async fn plan_part(db: &Db, id: PartId) -> StoreResult<Option<PlanPart>> {
    let sql = plan_part_query!("WHERE p.id = $1 AND p.active");
    let row: Option<PlanPartRow> = on_db!(db, |p| {
        sqlx::query_as(sql).bind(id.0).fetch_optional(p).await
    })?;
    Ok(row.map(plan_part_of))
}

/// A warehouse as planning sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanWarehouse {
    /// The warehouse.
    pub id: WarehouseId,
    /// Code.
    pub code: String,
    /// Where it is replenished from (`None`: bought in from suppliers).
    pub parent: Option<WarehouseId>,
}

/// Active after-sales warehouses.
pub async fn plan_warehouses(db: &Db) -> StoreResult<Vec<PlanWarehouse>> {
    let rows: Vec<(i64, String, Option<i64>)> = on_db!(db, |p| {
        sqlx::query_as(
            "SELECT id, code, parent_id FROM warehouses WHERE active AND after_sales ORDER BY id",
        )
        .fetch_all(p)
        .await
    })?;
    Ok(rows
        .into_iter()
        .map(|(id, code, parent)| PlanWarehouse {
            id: WarehouseId(id),
            code,
            parent: parent.map(WarehouseId),
        })
        .collect())
}

/// Manual min/max per warehouse and part.
pub async fn manual_levels(db: &Db) -> StoreResult<Vec<(WarehouseId, PartId, i64, Option<i64>)>> {
    let rows: Vec<(i64, i64, i64, Option<i64>)> = on_db!(db, |p| {
        sqlx::query_as("SELECT warehouse_id, part_id, min_qty, max_qty FROM part_stock_levels")
            .fetch_all(p)
            .await
    })?;
    Ok(rows
        .into_iter()
        .map(|(w, p, min, max)| (WarehouseId(w), PartId(p), min, max))
        .collect())
}

/// A finished run to record.
#[derive(Debug, Clone)]
pub struct NewRun {
    /// When it started.
    pub started_at: Instant,
    /// When it finished.
    pub finished_at: Instant,
    /// `week` or `month`.
    pub bucket: &'static str,
    /// Periods of history.
    pub periods: i64,
    /// Target fill rate in thousandths.
    pub target_fill_permille: i64,
    /// Days a transfer from the parent warehouse takes.
    pub transfer_days: i64,
    /// Fixed cost of a purchase order, minor units.
    pub purchase_order_cost: i64,
    /// Fixed cost of a transfer, minor units.
    pub transfer_cost: i64,
    /// Holding cost per year, percent of standard cost.
    pub holding_rate_pct: i64,
    /// `item` or `warehouse` (also under `warehouse_history`): what the target fill rate applied to.
    pub allocation: &'static str,
    /// `expected` or `history`: how a warehouse's worth was calibrated.
    pub calibration: &'static str,
    /// Items planned.
    pub items: i64,
    /// Open proposals after the run.
    pub proposals: i64,
    /// Who ran it.
    pub actor_login: String,
}

/// Record a run.
pub async fn insert_run(tx: &mut Tx, r: &NewRun) -> StoreResult<i64> {
    Ok(on_tx!(tx, |c| {
        sqlx::query_scalar(
            "INSERT INTO plan_runs (started_at, finished_at, bucket, periods, target_fill_permille, \
             transfer_days, purchase_order_cost, transfer_cost, holding_rate_pct, allocation, calibration, items, \
             proposals, actor_login) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) \
             RETURNING id",
        )
        .bind(r.started_at.0)
        .bind(r.finished_at.0)
        .bind(r.bucket)
        .bind(r.periods)
        .bind(r.target_fill_permille)
        .bind(r.transfer_days)
        .bind(r.purchase_order_cost)
        .bind(r.transfer_cost)
        .bind(r.holding_rate_pct)
        .bind(r.allocation)
        .bind(r.calibration)
        .bind(r.items)
        .bind(r.proposals)
        .bind(&r.actor_login)
        .fetch_one(c)
        .await
    })?)
}

/// One warehouse's calibration in a run under a warehouse allocation.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RunFillRow {
    /// The warehouse.
    pub warehouse: WarehouseId,
    /// Its code (read back; ignored when writing).
    pub warehouse_code: String,
    /// Parts whose levels the worth set.
    pub parts: i64,
    /// The shortage worth, minor units of stock per unit short per period (rounded).
    pub worth_minor: i64,
    /// Expected fill at the worth, millionths.
    pub expected_fill_ppm: i64,
    /// Fill the replay of the history achieved, millionths (calibrated on history only).
    pub replayed_fill_ppm: Option<i64>,
    /// Periods replayed (0 without a replay).
    pub replayed_periods: i64,
    /// Whether the target was reached.
    pub reached: bool,
}

/// Record a run's calibrations.
pub async fn insert_run_fills(tx: &mut Tx, run_id: i64, fills: &[RunFillRow]) -> StoreResult<()> {
    for f in fills {
        on_tx!(tx, |c| {
            sqlx::query(
                "INSERT INTO plan_run_fills (run_id, warehouse_id, parts, worth_minor, expected_fill_ppm, \
                 replayed_fill_ppm, replayed_periods, reached) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(run_id)
            .bind(f.warehouse.0)
            .bind(f.parts)
            .bind(f.worth_minor)
            .bind(f.expected_fill_ppm)
            .bind(f.replayed_fill_ppm)
            .bind(f.replayed_periods)
            .bind(f.reached)
            .execute(c)
            .await
            .map(|_| ())
        })?;
    }
    Ok(())
}

type RunFillTuple = (i64, String, i64, i64, i64, Option<i64>, i64, bool);

/// A run's calibrations, by warehouse code.
pub async fn run_fills(db: &Db, run_id: i64) -> StoreResult<Vec<RunFillRow>> {
    let rows: Vec<RunFillTuple> = on_db!(db, |p| {
        sqlx::query_as(
            "SELECT f.warehouse_id, w.code, f.parts, f.worth_minor, f.expected_fill_ppm, \
             f.replayed_fill_ppm, f.replayed_periods, f.reached \
             FROM plan_run_fills f JOIN warehouses w ON w.id = f.warehouse_id \
             WHERE f.run_id = $1 ORDER BY w.code",
        )
        .bind(run_id)
        .fetch_all(p)
        .await
    })?;
    Ok(rows
        .into_iter()
        .map(|r| RunFillRow {
            warehouse: WarehouseId(r.0),
            warehouse_code: r.1,
            parts: r.2,
            worth_minor: r.3,
            expected_fill_ppm: r.4,
            replayed_fill_ppm: r.5,
            replayed_periods: r.6,
            reached: r.7,
        })
        .collect())
}

/// A recorded run and every option it ran with.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RunRow {
    /// The run.
    pub id: i64,
    /// When it started (its plan items are planned at this instant).
    pub started_at: Instant,
    /// When it finished.
    pub finished_at: Instant,
    /// `week` or `month`.
    pub bucket: String,
    /// Periods of history.
    pub periods: i64,
    /// Target fill rate in thousandths.
    pub target_fill_permille: i64,
    /// Days a transfer from the parent warehouse takes.
    pub transfer_days: i64,
    /// Fixed cost of a purchase order, minor units.
    pub purchase_order_cost: i64,
    /// Fixed cost of a transfer, minor units.
    pub transfer_cost: i64,
    /// Holding cost per year, percent of standard cost.
    pub holding_rate_pct: i64,
    /// `item` or `warehouse` (also under `warehouse_history`): what the target fill rate applied to.
    pub allocation: String,
    /// `expected` or `history`: how a warehouse's worth was calibrated.
    pub calibration: String,
    /// Items planned.
    pub items: i64,
    /// Open proposals after the run.
    pub proposals: i64,
    /// Who ran it.
    pub actor_login: String,
}

type RunTuple = (
    i64,
    i64,
    i64,
    String,
    i64,
    i64,
    i64,
    i64,
    i64,
    i64,
    String,
    String,
    i64,
    i64,
    String,
);

/// The latest run (the highest id), `None` before the first.
pub async fn latest_run(db: &Db) -> StoreResult<Option<RunRow>> {
    let row: Option<RunTuple> = on_db!(db, |p| {
        sqlx::query_as(
            "SELECT id, started_at, finished_at, bucket, periods, target_fill_permille, transfer_days, \
             purchase_order_cost, transfer_cost, holding_rate_pct, allocation, calibration, items, proposals, \
             actor_login FROM plan_runs ORDER BY id DESC LIMIT 1",
        )
        .fetch_optional(p)
        .await
    })?;
    Ok(row.map(|r| RunRow {
        id: r.0,
        started_at: Instant(r.1),
        finished_at: Instant(r.2),
        bucket: r.3,
        periods: r.4,
        target_fill_permille: r.5,
        transfer_days: r.6,
        purchase_order_cost: r.7,
        transfer_cost: r.8,
        holding_rate_pct: r.9,
        allocation: r.10,
        calibration: r.11,
        items: r.12,
        proposals: r.13,
        actor_login: r.14,
    }))
}

/// Record how many proposals are open after run `run_id` (known only once its proposals
/// are written, after the run's row).
pub async fn set_run_proposals(tx: &mut Tx, run_id: i64, open: i64) -> StoreResult<()> {
    on_tx!(tx, |c| {
        sqlx::query("UPDATE plan_runs SET proposals = $2 WHERE id = $1")
            .bind(run_id)
            .bind(open)
            .execute(c)
            .await
            .map(|_| ())
    })?;
    Ok(())
}

/// The plan of one part at one warehouse.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PlanItemRow {
    /// The warehouse.
    pub warehouse: WarehouseId,
    /// The part.
    pub part: PartId,
    /// The run that made it.
    pub run_id: i64,
    /// Demand class code.
    pub class: String,
    /// Method chosen.
    pub method: String,
    /// Why, in words.
    pub why: String,
    /// Safety stock.
    pub min_qty: i64,
    /// Reorder point.
    pub reorder_point: i64,
    /// Order-up-to level.
    pub max_qty: i64,
    /// Whether manual levels from the part master were used.
    pub overridden: bool,
    /// Mean demand per period, thousandths of a unit.
    pub mean_milli: i64,
    /// How the maximum was sized (stored as JSON in `detail`).
    pub detail: ItemDetail,
    /// When planned.
    pub planned_at: Instant,
}

/// How a plan sized its order: the economic order quantity and the costs it came from.
/// Stored as JSON text in `plan_items.detail`; plans stored before it was kept read as
/// zeros.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct ItemDetail {
    /// Economic order quantity `√(2·K·D / h)`, thousandths of a unit (0: none).
    pub eoq_milli: i64,
    /// Units ordered on top of the reorder point: the cheaper whole lot next to the EOQ,
    /// at most a year of mean demand (`lot_capped`), at least one (0 when the levels
    /// order up to the reorder point).
    pub lot: i64,
    /// Fixed cost per order `K` (purchase order or transfer), minor units.
    pub order_cost: i64,
    /// Holding cost `h` of one unit for one period, billionths of the currency unit.
    pub holding_cost_nanos: i64,
    /// Event demand added to the reorder point and the maximum, thousandths of a unit.
    pub event_milli: i64,
    /// Units the warehouses it replenishes ask of it (their open transfer requests),
    /// netted as backorders.
    pub backorders: i64,
    /// The lot was cut to a year of mean demand (the EOQ was more).
    pub lot_capped: bool,
    /// Event demand inside this pair's own request to its parent, thousandths of a unit
    /// (the parent counts it as a backorder, so it plans that much less of the event).
    pub event_asked_milli: i64,
}

/// Each stored plan's reorder point without the event demand its run added: what the
/// warehouse holds for its regular demand (0 at the least).
pub async fn regular_reorder_points(
    db: &Db,
) -> StoreResult<HashMap<(WarehouseId, PartId), StoredEventLevels>> {
    let rows: Vec<(i64, i64, i64, String)> = on_db!(db, |p| {
        sqlx::query_as("SELECT warehouse_id, part_id, reorder_point, detail FROM plan_items")
            .fetch_all(p)
            .await
    })?;
    Ok(rows
        .into_iter()
        .map(|(w, p, rop, detail)| {
            let d = serde_json::from_str::<ItemDetail>(&detail).unwrap_or_default();
            let event = (d.event_milli.max(0) + 999) / 1000;
            (
                (WarehouseId(w), PartId(p)),
                StoredEventLevels {
                    regular: (rop - event).max(0),
                    event_asked: d.event_asked_milli.max(0) as f64 / 1000.0,
                },
            )
        })
        .collect())
}

/// What a stored plan says about event demand.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct StoredEventLevels {
    /// The reorder point without the event demand (0 at the least).
    pub regular: i64,
    /// Event demand inside the pair's request to its parent.
    pub event_asked: f64,
}

/// Replace the plans of the given items (rows for the same warehouse × part are updated).
pub async fn upsert_items(tx: &mut Tx, items: &[PlanItemRow]) -> StoreResult<()> {
    for chunk in items.chunks(400) {
        let mut sql = String::from(
            "INSERT INTO plan_items (warehouse_id, part_id, run_id, class, method, why, min_qty, reorder_point, max_qty, overridden, mean_milli, detail, planned_at) VALUES ",
        );
        for (i, _) in chunk.iter().enumerate() {
            let b = i * 13;
            if i > 0 {
                sql.push(',');
            }
            sql.push_str(&format!(
                "(${},${},${},${},${},${},${},${},${},${},${},${},${})",
                b + 1,
                b + 2,
                b + 3,
                b + 4,
                b + 5,
                b + 6,
                b + 7,
                b + 8,
                b + 9,
                b + 10,
                b + 11,
                b + 12,
                b + 13
            ));
        }
        sql.push_str(
            " ON CONFLICT (warehouse_id, part_id) DO UPDATE SET run_id = excluded.run_id, class = excluded.class, \
             method = excluded.method, why = excluded.why, min_qty = excluded.min_qty, \
             reorder_point = excluded.reorder_point, max_qty = excluded.max_qty, \
             overridden = excluded.overridden, mean_milli = excluded.mean_milli, \
             detail = excluded.detail, planned_at = excluded.planned_at",
        );
        on_tx!(tx, |c| {
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.clone()));
            for it in chunk {
                q = q
                    .bind(it.warehouse.0)
                    .bind(it.part.0)
                    .bind(it.run_id)
                    .bind(&it.class)
                    .bind(&it.method)
                    .bind(&it.why)
                    .bind(it.min_qty)
                    .bind(it.reorder_point)
                    .bind(it.max_qty)
                    .bind(it.overridden)
                    .bind(it.mean_milli)
                    .bind(detail_json(&it.detail))
                    .bind(it.planned_at.0);
            }
            q.execute(c).await.map(|_| ())
        })?;
    }
    // The ledger checks issues against these levels (emergency requisitions): make its
    // writer reload them.
    on_tx!(tx, |c| {
        sqlx::query("UPDATE stock_ledger SET master_version = master_version + 1")
            .execute(c)
            .await
            .map(|_| ())
    })?;
    Ok(())
}

fn detail_json(d: &ItemDetail) -> String {
    serde_json::to_string(d).unwrap_or_else(|_| String::from("{}"))
}

const ITEM_COLUMNS: &str = "warehouse_id, part_id, run_id, class, method, why, min_qty, reorder_point, max_qty, overridden, mean_milli, detail, planned_at";
type ItemTuple = (
    i64,
    i64,
    i64,
    String,
    String,
    String,
    i64,
    i64,
    i64,
    bool,
    i64,
    String,
    i64,
);

fn item_of(r: ItemTuple) -> PlanItemRow {
    PlanItemRow {
        warehouse: WarehouseId(r.0),
        part: PartId(r.1),
        run_id: r.2,
        class: r.3,
        method: r.4,
        why: r.5,
        min_qty: r.6,
        reorder_point: r.7,
        max_qty: r.8,
        overridden: r.9,
        mean_milli: r.10,
        // Written by `upsert_items` only; older plans hold `{}` (zeros).
        detail: serde_json::from_str(&r.11).unwrap_or_default(),
        planned_at: Instant(r.12),
    }
}

/// The latest plan of a part at a warehouse.
pub async fn item(
    db: &Db,
    warehouse: WarehouseId,
    part: PartId,
) -> StoreResult<Option<PlanItemRow>> {
    let sql =
        format!("SELECT {ITEM_COLUMNS} FROM plan_items WHERE warehouse_id = $1 AND part_id = $2");
    let row: Option<ItemTuple> = on_db!(db, |p| {
        sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
            .bind(warehouse.0)
            .bind(part.0)
            .fetch_optional(p)
            .await
    })?;
    Ok(row.map(item_of))
}

/// Kind of a proposal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProposalKind {
    /// Buy from a supplier.
    Purchase,
    /// Replenish from the parent warehouse.
    Transfer,
    /// One last buy before end of production, covering the remaining service years.
    LastTimeBuy,
    /// Raised at once when an issue took available stock below the minimum.
    Emergency,
    /// Send back to the parent warehouse what a warehouse holds of a part it no longer
    /// stocks.
    Return,
}

impl ProposalKind {
    /// Stored code.
    pub fn code(self) -> &'static str {
        match self {
            Self::Purchase => "purchase",
            Self::Transfer => "transfer",
            Self::LastTimeBuy => "last_time_buy",
            Self::Emergency => "emergency",
            Self::Return => "return",
        }
    }

    /// From a stored code.
    pub fn from_code(s: &str) -> Option<Self> {
        Some(match s {
            "purchase" => Self::Purchase,
            "transfer" => Self::Transfer,
            "last_time_buy" => Self::LastTimeBuy,
            "emergency" => Self::Emergency,
            "return" => Self::Return,
            _ => return None,
        })
    }
}

/// A proposal to write (insert, or update the open one of the same warehouse × part).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProposalDraft {
    /// The warehouse to replenish.
    pub warehouse: WarehouseId,
    /// The part.
    pub part: PartId,
    /// What to do.
    pub kind: ProposalKind,
    /// Source warehouse of a transfer (or of an emergency at a child warehouse).
    pub source: Option<WarehouseId>,
    /// Where a return goes (the warehouse's parent); `None` for every other kind.
    pub destination: Option<WarehouseId>,
    /// Supplier of a purchase.
    pub supplier: Option<SupplierId>,
    /// Units.
    pub qty: i64,
    /// When the units are needed.
    pub need_by: Instant,
    /// Why, in words.
    pub reason: String,
    /// Whether manual levels decided it.
    pub overridden: bool,
    /// The run, if a run raised it.
    pub run_id: Option<i64>,
    /// Transfer days the run planned with (the ETA of the transfer on approval); `None`
    /// keeps what the open proposal has.
    pub transfer_days: Option<i64>,
}

/// What an upsert did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct UpsertCount {
    /// New proposals.
    pub created: usize,
    /// Open proposals updated.
    pub updated: usize,
    /// Open proposals left as they are: being approved, or (for a run) an emergency raised
    /// or updated after the run started.
    pub kept: usize,
}

/// Insert proposals, updating the open proposal of the same warehouse × part instead of
/// adding a second one. An open proposal being approved is left as it is (its ledger
/// command is frozen on it).
pub async fn upsert_proposals(
    tx: &mut Tx,
    drafts: &[ProposalDraft],
    now: Instant,
) -> StoreResult<UpsertCount> {
    upsert(tx, drafts, now, None).await
}

/// [`upsert_proposals`] for a run that started at `started`: an open emergency raised or
/// updated at or after that is newer than what the run read, and is kept as well.
pub async fn upsert_run_proposals(
    tx: &mut Tx,
    drafts: &[ProposalDraft],
    now: Instant,
    started: Instant,
) -> StoreResult<UpsertCount> {
    upsert(tx, drafts, now, Some(started)).await
}

/// What writing one draft over the pair's open proposal did.
enum OpenWrite {
    Updated,
    /// There is an open proposal, and it is not to be changed.
    Kept,
    /// There is no open proposal.
    Missing,
}

async fn upsert(
    tx: &mut Tx,
    drafts: &[ProposalDraft],
    now: Instant,
    keep_emergencies_since: Option<Instant>,
) -> StoreResult<UpsertCount> {
    let mut count = UpsertCount::default();
    for d in drafts {
        match update_open(tx, d, now, keep_emergencies_since).await? {
            OpenWrite::Updated => {
                count.updated += 1;
                continue;
            }
            OpenWrite::Kept => {
                count.kept += 1;
                continue;
            }
            OpenWrite::Missing => {}
        }
        let inserted = on_tx!(tx, |c| {
            sqlx::query(
                "INSERT INTO plan_proposals (warehouse_id, part_id, kind, source_warehouse_id, supplier_id, qty, need_by, \
                 reason, overridden, status, run_id, created_at, updated_at, transfer_days, \
                 destination_warehouse_id) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'open', $10, $11, $11, $12, $13) \
                 ON CONFLICT (warehouse_id, part_id) WHERE status = 'open' DO NOTHING",
            )
            .bind(d.warehouse.0)
            .bind(d.part.0)
            .bind(d.kind.code())
            .bind(d.source.map(|w| w.0))
            .bind(d.supplier.map(|s| s.0))
            .bind(d.qty)
            .bind(d.need_by.0)
            .bind(&d.reason)
            .bind(d.overridden)
            .bind(d.run_id)
            .bind(now.0)
            .bind(d.transfer_days)
            .bind(d.destination.map(|w| w.0))
            .execute(c)
            .await
            .map(|r| r.rows_affected())
        })?;
        if inserted > 0 {
            count.created += 1;
            continue;
        }
        // A concurrent writer (PostgreSQL, read committed) inserted the pair's open
        // proposal after our update looked and committed while our insert waited on the
        // unique index: that row is visible to a new statement, so update it.
        match update_open(tx, d, now, keep_emergencies_since).await? {
            OpenWrite::Updated => count.updated += 1,
            OpenWrite::Kept => count.kept += 1,
            OpenWrite::Missing => {
                return Err(crate::StoreError::Conflict(format!(
                    "the open proposal of warehouse {} part {} changed while it was written; try again",
                    d.warehouse.0, d.part.0
                )));
            }
        }
    }
    Ok(count)
}

/// Prefix of the reason of an open emergency that a run (or any other draft that is not
/// an emergency) updates.
pub const EMERGENCY_PREFIX: &str = "emergency requisition: ";

/// Update the open proposal of the draft's warehouse × part, unless it is being approved
/// or is an emergency written at or after `keep_emergencies_since`. An open emergency
/// stays one until decided: a run's draft refreshes its quantity and reason (after
/// [`EMERGENCY_PREFIX`]) but keeps its kind and its need-by date when earlier, except a
/// last-time buy or a return, which replace it (a lifetime's buy is no emergency, and a
/// warehouse sending a part back does not need it). An emergency draft
/// (an issue's) leaves the proposal without a run, a run's draft gives it the run: a run
/// withdraws the emergencies earlier runs took over and it no longer proposes
/// ([`withdraw_stale`]), never one an issue raised.
async fn update_open(
    tx: &mut Tx,
    d: &ProposalDraft,
    now: Instant,
    keep_emergencies_since: Option<Instant>,
) -> StoreResult<OpenWrite> {
    let keep_since = keep_emergencies_since.map_or(i64::MAX, |t| t.0);
    let as_emergency = if d.reason.starts_with(EMERGENCY_PREFIX) {
        d.reason.clone()
    } else {
        format!("{EMERGENCY_PREFIX}{}", d.reason)
    };
    // Every expression of SET reads the row as it was before the update.
    let n = on_tx!(tx, |c| {
        sqlx::query(
            "UPDATE plan_proposals SET \
             kind = CASE WHEN kind = 'emergency' AND $3 NOT IN ('last_time_buy', 'return') \
                 THEN kind ELSE $3 END, \
             source_warehouse_id = $4, destination_warehouse_id = $15, supplier_id = $5, qty = $6, \
             need_by = CASE WHEN kind = 'emergency' AND $3 NOT IN ('last_time_buy', 'return') \
                 AND need_by < $7 THEN need_by ELSE $7 END, \
             reason = CASE WHEN kind = 'emergency' AND $3 NOT IN ('emergency', 'last_time_buy', 'return') \
                 THEN $14 ELSE $8 END, \
             overridden = $9, \
             run_id = CASE WHEN $3 = 'emergency' THEN $10 ELSE COALESCE($10, run_id) END, \
             updated_at = $11, \
             transfer_days = COALESCE($12, transfer_days) \
             WHERE warehouse_id = $1 AND part_id = $2 AND status = 'open' AND approving_since IS NULL \
               AND NOT (kind = 'emergency' AND updated_at >= $13)",
        )
        .bind(d.warehouse.0)
        .bind(d.part.0)
        .bind(d.kind.code())
        .bind(d.source.map(|w| w.0))
        .bind(d.supplier.map(|s| s.0))
        .bind(d.qty)
        .bind(d.need_by.0)
        .bind(&d.reason)
        .bind(d.overridden)
        .bind(d.run_id)
        .bind(now.0)
        .bind(d.transfer_days)
        .bind(keep_since)
        .bind(&as_emergency)
        .bind(d.destination.map(|w| w.0))
        .execute(c)
        .await
        .map(|r| r.rows_affected())
    })?;
    if n > 0 {
        return Ok(OpenWrite::Updated);
    }
    let open: i64 = on_tx!(tx, |c| {
        sqlx::query_scalar(
            "SELECT COUNT(*) FROM plan_proposals WHERE warehouse_id = $1 AND part_id = $2 AND status = 'open'",
        )
        .bind(d.warehouse.0)
        .bind(d.part.0)
        .fetch_one(c)
        .await
    })?;
    Ok(if open > 0 {
        OpenWrite::Kept
    } else {
        OpenWrite::Missing
    })
}

/// Withdraw open proposals raised by earlier runs for warehouse × part pairs the run
/// `run_id` no longer proposes anything for; proposals being approved and emergencies an
/// issue raised (no run took them over since) stay until decided, and so do the open
/// proposals of the `keep` pairs (the run left them as they are).
pub async fn withdraw_stale(
    tx: &mut Tx,
    run_id: i64,
    now: Instant,
    keep: &[(WarehouseId, PartId)],
) -> StoreResult<u64> {
    const STALE: &str = "status = 'open' AND approving_since IS NULL \
         AND (run_id IS NULL OR run_id <> $1) \
         AND (kind <> 'emergency' OR run_id IS NOT NULL)";
    // The stale ones are read, the kept left out here, and the rest withdrawn by id in
    // chunks (a condition per kept pair would grow past what SQLite parses).
    let sql = format!("SELECT id, warehouse_id, part_id FROM plan_proposals WHERE {STALE}");
    let stale: Vec<(i64, i64, i64)> = on_tx!(tx, |c| {
        sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
            .bind(run_id)
            .fetch_all(c)
            .await
    })?;
    let keep: HashSet<(i64, i64)> = keep.iter().map(|(w, p)| (w.0, p.0)).collect();
    let ids: Vec<i64> = stale
        .into_iter()
        .filter(|(_, w, p)| !keep.contains(&(*w, *p)))
        .map(|(id, _, _)| id)
        .collect();
    let mut withdrawn = 0;
    for chunk in ids.chunks(500) {
        // Ids are integers: written into the statement.
        let list: Vec<String> = chunk.iter().map(i64::to_string).collect();
        // Still stale when written (a claim may have come in between on PostgreSQL).
        let sql = format!(
            "UPDATE plan_proposals SET status = 'withdrawn', updated_at = $2 \
             WHERE id IN ({}) AND {STALE}",
            list.join(",")
        );
        withdrawn += on_tx!(tx, |c| {
            sqlx::query(sqlx::AssertSqlSafe(sql.clone()))
                .bind(run_id)
                .bind(now.0)
                .execute(c)
                .await
                .map(|r| r.rows_affected())
        })?;
    }
    Ok(withdrawn)
}

/// Warehouse × part pairs with a proposal approved or rejected at or after `since`.
pub async fn decided_since(tx: &mut Tx, since: Instant) -> StoreResult<Vec<(WarehouseId, PartId)>> {
    let rows: Vec<(i64, i64)> = on_tx!(tx, |c| {
        sqlx::query_as(
            "SELECT DISTINCT warehouse_id, part_id FROM plan_proposals \
             WHERE status IN ('approved', 'rejected') AND decided_at >= $1",
        )
        .bind(since.0)
        .fetch_all(c)
        .await
    })?;
    Ok(pairs(rows))
}

/// A stored proposal.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ProposalRow {
    /// Id.
    pub id: i64,
    /// The warehouse to replenish.
    pub warehouse: WarehouseId,
    /// Its code.
    pub warehouse_code: String,
    /// The part.
    pub part: PartId,
    /// Its number.
    pub part_number: String,
    /// Its Chinese name.
    pub part_name: String,
    /// What to do.
    pub kind: ProposalKind,
    /// Source warehouse (a transfer's or an emergency's below the top).
    pub source: Option<WarehouseId>,
    /// Where a return goes (the warehouse's parent).
    pub destination: Option<WarehouseId>,
    /// Supplier.
    pub supplier: Option<SupplierId>,
    /// Units.
    pub qty: i64,
    /// Value at standard cost, minor units.
    pub value: i64,
    /// When needed.
    pub need_by: Instant,
    /// Why.
    pub reason: String,
    /// Whether manual levels decided it.
    pub overridden: bool,
    /// open / approved / rejected / withdrawn.
    pub status: String,
    /// When it was last changed.
    pub updated_at: Instant,
    /// Decision note.
    pub decision_note: Option<String>,
    /// Document created on approval (`purchase_order` / `transfer`).
    pub document_kind: Option<String>,
    /// Its id.
    pub document_id: Option<i64>,
    /// Transfer days the run planned it with (`None`: raised without a run).
    pub transfer_days: Option<i64>,
    /// Since when it is being approved: claimed, its ledger command frozen
    /// (`approval_command`); kept on an approved proposal.
    pub approving_since: Option<Instant>,
    /// The ledger command of the approval (JSON of `aftercare_domain::stock::Command`).
    pub approval_command: Option<String>,
    /// The Idempotency-Key the approval runs `approval_command` under, one per claim:
    /// `plan-proposal-<id>-…` alone, or the key of the one document it was approved into
    /// with others (`plan-proposal-<id>` for claims made before 2026-12-07).
    pub approval_key: Option<String>,
    /// Why the ledger refused the last approval attempt (the proposal stayed open).
    pub approval_error: Option<String>,
    /// For an open proposal: when the pair's latest rejected proposal was rejected.
    pub last_rejected_at: Option<Instant>,
    /// Its reason.
    pub last_rejection_note: Option<String>,
}

impl ProposalRow {
    /// The transfer that approving it ships, as (from, to): from the source of a transfer
    /// (or of an emergency below the top), back to the destination of a return; `None`
    /// for purchases and last-time buys.
    pub fn route(&self) -> Option<(WarehouseId, WarehouseId)> {
        match (self.kind, self.source, self.destination) {
            (ProposalKind::Return, _, Some(to)) => Some((self.warehouse, to)),
            (ProposalKind::Return, _, None) => None,
            (_, Some(from), _) => Some((from, self.warehouse)),
            _ => None,
        }
    }
}

/// Filters of the proposal list.
#[derive(Debug, Clone, Default)]
pub struct ProposalFilter {
    /// Only this warehouse.
    pub warehouse: Option<WarehouseId>,
    /// Only these warehouses (a station user's own).
    pub warehouses_in: Option<Vec<WarehouseId>>,
    /// Only proposals whose source warehouse is one of these (a station user's own, under
    /// `source_can_fill`: it sees no other source's stock).
    pub sources_in: Option<Vec<WarehouseId>>,
    /// Only this status.
    pub status: Option<String>,
    /// Only this kind.
    pub kind: Option<ProposalKind>,
    /// Only this part.
    pub part: Option<PartId>,
    /// Only open proposals with a source warehouse whose source can ship the quantity now
    /// (`Some(true)`) or cannot (`Some(false)`; see `plan_views::shippable`).
    pub source_can_fill: Option<bool>,
    /// The order of the rows.
    pub sort: ProposalSort,
    /// At most this many rows.
    pub limit: i64,
    /// Rows skipped first (paging).
    pub offset: i64,
}

/// The order of a proposal list. Every order ends with the id, so that pages of an
/// unchanged list neither repeat nor skip a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ProposalSort {
    /// Changed most recently first (the default).
    #[default]
    Newest,
    /// Needed soonest first.
    NeedBy,
    /// Worth most first (quantity × standard cost).
    Value,
    /// By warehouse code, then part number.
    Warehouse,
    /// By part number, then warehouse code.
    Part,
}

impl ProposalSort {
    /// Every order, the default first.
    pub const ALL: [ProposalSort; 5] = [
        ProposalSort::Newest,
        ProposalSort::NeedBy,
        ProposalSort::Value,
        ProposalSort::Warehouse,
        ProposalSort::Part,
    ];

    /// Stable code, as a query parameter names it.
    pub fn code(self) -> &'static str {
        match self {
            ProposalSort::Newest => "newest",
            ProposalSort::NeedBy => "need_by",
            ProposalSort::Value => "value",
            ProposalSort::Warehouse => "warehouse",
            ProposalSort::Part => "part",
        }
    }

    /// Parse a code.
    pub fn parse(code: &str) -> Option<ProposalSort> {
        ProposalSort::ALL.into_iter().find(|s| s.code() == code)
    }

    fn order_by(self) -> &'static str {
        match self {
            ProposalSort::Newest => "pp.updated_at DESC, pp.id DESC",
            ProposalSort::NeedBy => "pp.need_by, pp.id",
            // In floating point for the order only: an integer product could overflow on
            // PostgreSQL and fail the list (the value shown is computed saturating).
            ProposalSort::Value => {
                "CAST(pp.qty AS DOUBLE PRECISION) * p.standard_cost DESC, pp.id DESC"
            }
            ProposalSort::Warehouse => "w.code, p.part_number, pp.id",
            ProposalSort::Part => "p.part_number, w.code, pp.id",
        }
    }
}

const PROPOSAL_SELECT: &str = "SELECT pp.id, pp.warehouse_id, w.code AS warehouse_code, pp.part_id, p.part_number, \
     p.name_zh AS part_name, pp.kind, pp.source_warehouse_id, pp.supplier_id, pp.qty, \
     p.standard_cost, pp.need_by, pp.reason, pp.overridden, \
     pp.status, pp.updated_at, pp.decision_note, pp.document_kind, pp.document_id, \
     pp.transfer_days, pp.approving_since, pp.approval_command, pp.approval_key, pp.approval_error, \
     pp.destination_warehouse_id, \
     lr.decided_at AS last_rejected_at, lr.decision_note AS last_rejection_note \
     FROM plan_proposals pp JOIN warehouses w ON w.id = pp.warehouse_id JOIN parts p ON p.id = pp.part_id \
     LEFT JOIN plan_proposals lr ON pp.status = 'open' AND lr.id = (SELECT r.id FROM plan_proposals r \
        WHERE r.status = 'rejected' AND r.warehouse_id = pp.warehouse_id AND r.part_id = pp.part_id \
        ORDER BY r.decided_at DESC, r.id DESC LIMIT 1)";

#[derive(sqlx::FromRow)]
struct ProposalTuple {
    id: i64,
    warehouse_id: i64,
    warehouse_code: String,
    part_id: i64,
    part_number: String,
    part_name: String,
    kind: String,
    source_warehouse_id: Option<i64>,
    supplier_id: Option<i64>,
    qty: i64,
    standard_cost: i64,
    need_by: i64,
    reason: String,
    overridden: bool,
    status: String,
    updated_at: i64,
    decision_note: Option<String>,
    document_kind: Option<String>,
    document_id: Option<i64>,
    transfer_days: Option<i64>,
    approving_since: Option<i64>,
    approval_command: Option<String>,
    approval_key: Option<String>,
    approval_error: Option<String>,
    destination_warehouse_id: Option<i64>,
    last_rejected_at: Option<i64>,
    last_rejection_note: Option<String>,
}

fn proposal_of(r: ProposalTuple) -> ProposalRow {
    ProposalRow {
        id: r.id,
        warehouse: WarehouseId(r.warehouse_id),
        warehouse_code: r.warehouse_code,
        part: PartId(r.part_id),
        part_number: r.part_number,
        part_name: r.part_name,
        kind: ProposalKind::from_code(&r.kind).unwrap_or(ProposalKind::Purchase),
        source: r.source_warehouse_id.map(WarehouseId),
        destination: r.destination_warehouse_id.map(WarehouseId),
        supplier: r.supplier_id.map(SupplierId),
        qty: r.qty,
        // In Rust, saturating: a product past the integer range would fail the whole list
        // (an error on PostgreSQL, a REAL that does not decode on SQLite).
        value: r.qty.saturating_mul(r.standard_cost),
        need_by: Instant(r.need_by),
        reason: r.reason,
        overridden: r.overridden,
        status: r.status,
        updated_at: Instant(r.updated_at),
        decision_note: r.decision_note,
        document_kind: r.document_kind,
        document_id: r.document_id,
        transfer_days: r.transfer_days,
        approving_since: r.approving_since.map(Instant),
        approval_command: r.approval_command,
        approval_key: r.approval_key,
        approval_error: r.approval_error,
        last_rejected_at: r.last_rejected_at.map(Instant),
        last_rejection_note: r.last_rejection_note,
    }
}

/// The WHERE clause of the proposals matching `f` (its values bound by [`bind_filter`]).
fn proposal_where(f: &ProposalFilter) -> String {
    let mut sql = String::from(" WHERE 1 = 1");
    let mut n = 0;
    let mut arg = |sql: &mut String, clause: &str| {
        n += 1;
        sql.push_str(&clause.replace('?', &format!("${n}")));
    };
    if f.warehouse.is_some() {
        arg(&mut sql, " AND pp.warehouse_id = ?");
    }
    if f.status.is_some() {
        arg(&mut sql, " AND pp.status = ?");
    }
    if f.kind.is_some() {
        arg(&mut sql, " AND pp.kind = ?");
    }
    if f.part.is_some() {
        arg(&mut sql, " AND pp.part_id = ?");
    }
    if let Some(fills) = f.source_can_fill {
        sql.push_str(&format!(
            " AND pp.status = 'open' AND pp.source_warehouse_id IS NOT NULL AND {} {} pp.qty",
            crate::plan_views::PROPOSAL_SOURCE_SHIPPABLE,
            if fills { ">=" } else { "<" }
        ));
    }
    if let Some(ws) = &f.warehouses_in {
        sql.push_str(&format!(" AND pp.warehouse_id IN ({})", id_list(ws)));
    }
    if let Some(ws) = &f.sources_in {
        sql.push_str(&format!(" AND pp.source_warehouse_id IN ({})", id_list(ws)));
    }
    sql
}

/// Warehouse ids for an `IN (...)` of the SQL (`NULL` for none: nothing matches). Ids are
/// integers, so writing them into the text is safe.
fn id_list(ws: &[WarehouseId]) -> String {
    if ws.is_empty() {
        return "NULL".to_string();
    }
    ws.iter()
        .map(|w| w.0.to_string())
        .collect::<Vec<_>>()
        .join(",")
}

/// Bind the values of [`proposal_where`] in its order.
macro_rules! bind_filter {
    ($q:expr, $f:expr) => {{
        let mut q = $q;
        if let Some(w) = $f.warehouse {
            q = q.bind(w.0);
        }
        if let Some(s) = &$f.status {
            q = q.bind(s.clone());
        }
        if let Some(k) = $f.kind {
            q = q.bind(k.code());
        }
        if let Some(part) = $f.part {
            q = q.bind(part.0);
        }
        q
    }};
}

/// Proposals matching `f` in the order of `f.sort`, `f.offset` skipped, at most `f.limit`
/// (1–5,000).
pub async fn list_proposals(db: &Db, f: &ProposalFilter) -> StoreResult<Vec<ProposalRow>> {
    let sql = format!(
        "{PROPOSAL_SELECT}{} ORDER BY {} LIMIT {} OFFSET {}",
        proposal_where(f),
        f.sort.order_by(),
        f.limit.clamp(1, 5000),
        f.offset.max(0)
    );
    let rows: Vec<ProposalTuple> = on_db!(db, |p| {
        bind_filter!(sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())), f)
            .fetch_all(p)
            .await
    })?;
    Ok(rows.into_iter().map(proposal_of).collect())
}

/// How many proposals match `f` (its limit and offset aside).
pub async fn count_proposals(db: &Db, f: &ProposalFilter) -> StoreResult<i64> {
    let sql = format!(
        "SELECT COUNT(*) FROM plan_proposals pp{}",
        proposal_where(f)
    );
    let n: i64 = on_db!(db, |p| {
        bind_filter!(sqlx::query_scalar(sqlx::AssertSqlSafe(sql.clone())), f)
            .fetch_one(p)
            .await
    })?;
    Ok(n)
}

/// What the proposals matching `f` are worth together (quantity × standard cost, in
/// minor units; its limit and offset aside), for display. Summed by the database in
/// floating point (an integer sum of products could overflow and fail the page on
/// PostgreSQL), exact up to 2^53 minor units, and rounded to whole minor units.
pub async fn proposals_value(db: &Db, f: &ProposalFilter) -> StoreResult<i64> {
    let sql = format!(
        "SELECT COALESCE(SUM(CAST(pp.qty AS DOUBLE PRECISION) * p.standard_cost), 0.0) \
         FROM plan_proposals pp JOIN parts p ON p.id = pp.part_id{}",
        proposal_where(f)
    );
    let sum: f64 = on_db!(db, |p| {
        bind_filter!(sqlx::query_scalar(sqlx::AssertSqlSafe(sql.clone())), f)
            .fetch_one(p)
            .await
    })?;
    // `as` saturates at the ends of the range (and maps NaN to 0).
    Ok(sum.round() as i64)
}

/// One proposal.
pub async fn proposal(db: &Db, id: i64) -> StoreResult<Option<ProposalRow>> {
    let sql = format!("{PROPOSAL_SELECT} WHERE pp.id = $1");
    let row: Option<ProposalTuple> = on_db!(db, |p| {
        sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
            .bind(id)
            .fetch_optional(p)
            .await
    })?;
    Ok(row.map(proposal_of))
}

/// The proposals of `ids` that exist, in id order (a batch's, read in chunks of 500
/// rather than one query each).
pub async fn proposals_by_id(db: &Db, ids: &[i64]) -> StoreResult<Vec<ProposalRow>> {
    let mut out = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(500) {
        let sql = format!(
            "{PROPOSAL_SELECT} WHERE pp.id IN ({}) ORDER BY pp.id",
            crate::in_list(chunk.len())
        );
        let rows: Vec<ProposalTuple> = on_db!(db, |p| {
            let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()));
            for id in chunk {
                q = q.bind(*id);
            }
            q.fetch_all(p).await
        })?;
        out.extend(rows.into_iter().map(proposal_of));
    }
    out.sort_by_key(|p| p.id);
    Ok(out)
}

/// The open proposals claimed under `key` at `claimed_at` (approved together), by id.
pub async fn claimed_under(tx: &mut Tx, key: &str, claimed_at: Instant) -> StoreResult<Vec<i64>> {
    Ok(on_tx!(tx, |c| {
        sqlx::query_scalar(
            "SELECT id FROM plan_proposals WHERE approval_key = $1 AND approving_since = $2 \
             AND status = 'open' ORDER BY id",
        )
        .bind(key)
        .bind(claimed_at.0)
        .fetch_all(c)
        .await
    })?)
}

/// Decide an open proposal that is not being approved (reject it). Returns false when it
/// was no longer open (someone else decided it, or a run withdrew it) or is claimed by an
/// approval: a proposal is decided once.
pub async fn decide(
    tx: &mut Tx,
    id: i64,
    status: &str,
    by: Option<UserId>,
    note: Option<&str>,
    now: Instant,
) -> StoreResult<bool> {
    let n = on_tx!(tx, |c| {
        sqlx::query(
            "UPDATE plan_proposals SET status = $2, decided_by = $3, decided_at = $4, decision_note = $5, \
             updated_at = $4 WHERE id = $1 AND status = 'open' AND approving_since IS NULL",
        )
        .bind(id)
        .bind(status)
        .bind(by.map(|u| u.0))
        .bind(now.0)
        .bind(note)
        .execute(c)
        .await
        .map(|r| r.rows_affected())
    })?;
    Ok(n == 1)
}

/// Claim an open proposal for approval with its ledger command frozen on it
/// (`command_json`, to run under the Idempotency-Key `key`), if it is still open, unclaimed and as `seen` (kind, quantity, source,
/// supplier, destination: the command was built from those). False otherwise.
pub async fn claim(
    tx: &mut Tx,
    seen: &ProposalRow,
    command_json: &str,
    key: &str,
    now: Instant,
) -> StoreResult<bool> {
    let n = on_tx!(tx, |c| {
        sqlx::query(
            "UPDATE plan_proposals SET approving_since = $2, approval_command = $3, approval_error = NULL, \
               approval_key = $9 \
             WHERE id = $1 AND status = 'open' AND approving_since IS NULL AND kind = $4 AND qty = $5 \
               AND COALESCE(source_warehouse_id, 0) = $6 AND COALESCE(supplier_id, 0) = $7 \
               AND COALESCE(destination_warehouse_id, 0) = $8",
        )
        .bind(seen.id)
        .bind(now.0)
        .bind(command_json)
        .bind(seen.kind.code())
        .bind(seen.qty)
        .bind(seen.source.map_or(0, |w| w.0))
        .bind(seen.supplier.map_or(0, |s| s.0))
        .bind(seen.destination.map_or(0, |w| w.0))
        .bind(key)
        .execute(c)
        .await
        .map(|r| r.rows_affected())
    })?;
    Ok(n == 1)
}

/// Make the rest of this write give way rather than wait for a row another write holds
/// (PostgreSQL: a lock wait past 200 ms fails this write, so a planning run writing the
/// same rows is never the one a deadlock aborts); nothing on SQLite, whose writes never
/// wait on each other's rows.
pub async fn give_way_on_locks(tx: &mut Tx) -> StoreResult<()> {
    if let Tx::Postgres(t) = tx {
        sqlx::query("SET LOCAL lock_timeout = '200ms'")
            .execute(&mut **t)
            .await?;
    }
    Ok(())
}

/// Give an approval's claim up after the ledger refused its command: every proposal
/// claimed under `key` at `claimed_at` (one, or a group approved together: released
/// together, so none stays claimed under a command that carries a released one's line) is
/// open and unclaimed again, with `error` noted. The key is fenced in the same write, so a
/// run of the same command still on its way (another approval of this claim) is refused
/// by the ledger rather than shipping what is released here; nothing is released when the
/// ledger has applied it already. The ids released.
pub async fn release_claim(
    tx: &mut Tx,
    key: &str,
    claimed_at: Instant,
    error: &str,
    now: Instant,
) -> StoreResult<Vec<i64>> {
    let fenced_here = crate::stock::fence::fence(tx, key, error, now).await?;
    if !fenced_here && !crate::stock::fence::is_fenced(tx, key).await? {
        return Ok(Vec::new());
    }
    let ids: Vec<i64> = on_tx!(tx, |c| {
        sqlx::query_scalar(
            "UPDATE plan_proposals SET approving_since = NULL, approval_command = NULL, approval_key = NULL, \
               approval_error = $3 \
             WHERE approval_key = $1 AND status = 'open' AND approving_since = $2 \
             RETURNING id",
        )
        .bind(key)
        .bind(claimed_at.0)
        .bind(error)
        .fetch_all(c)
        .await
    })?;
    if ids.is_empty() && fenced_here {
        // Not this claim's any more (given up or decided by another approval): the
        // fence guards nothing.
        crate::stock::fence::unfence(tx, key).await?;
    }
    Ok(ids)
}

/// Decide a proposal claimed under `key` at `claimed_at` approved with the document its
/// frozen command created; it is no longer being approved (`approving_since` cleared; the
/// frozen command and its key stay as the record of what was run). False when it is not
/// open under that claim (another approval finished it, or its claim was given up).
pub async fn finish_approval(
    tx: &mut Tx,
    id: i64,
    (key, claimed_at): (&str, Instant),
    by: Option<UserId>,
    document: (&str, i64),
    now: Instant,
) -> StoreResult<bool> {
    let n = on_tx!(tx, |c| {
        sqlx::query(
            "UPDATE plan_proposals SET status = 'approved', decided_by = $2, decided_at = $3, \
             document_kind = $4, document_id = $5, approval_error = NULL, approving_since = NULL, \
             updated_at = $3 \
             WHERE id = $1 AND status = 'open' AND approval_key = $6 AND approving_since = $7",
        )
        .bind(id)
        .bind(by.map(|u| u.0))
        .bind(now.0)
        .bind(document.0)
        .bind(document.1)
        .bind(key)
        .bind(claimed_at.0)
        .execute(c)
        .await
        .map(|r| r.rows_affected())
    })?;
    Ok(n == 1)
}

/// Number of open proposals.
pub async fn open_count(tx: &mut Tx) -> StoreResult<i64> {
    Ok(on_tx!(tx, |c| {
        sqlx::query_scalar("SELECT COUNT(*) FROM plan_proposals WHERE status = 'open'")
            .fetch_one(c)
            .await
    })?)
}

/// One repair order as planning reads it: what its vendor still holds and when it is
/// due, and what came back of it so far (for the part's repair yield).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RepairLine {
    /// The warehouse that sent the parts (where the repaired ones come back).
    pub warehouse: WarehouseId,
    /// The part.
    pub part: PartId,
    /// Units at the vendor: sent + rejected − received − unrepairable.
    pub at_vendor: i64,
    /// When the vendor is due to return them.
    pub due: Instant,
    /// Units returned and kept (received − rejected at inspection).
    pub repaired: i64,
    /// Units declared unrepairable.
    pub unrepairable: i64,
}

/// Every repair order (open and closed: the closed ones give the repair yields).
pub async fn repair_lines(db: &Db) -> StoreResult<Vec<RepairLine>> {
    let rows: Vec<(i64, i64, i64, i64, i64, i64)> = on_db!(db, |p| {
        sqlx::query_as(
            "SELECT warehouse_id, part_id, sent + rejected - received - unrepairable, due_at, \
                    received - rejected, unrepairable \
             FROM repair_orders",
        )
        .fetch_all(p)
        .await
    })?;
    Ok(rows
        .into_iter()
        .map(
            |(w, p, at_vendor, due, repaired, unrepairable)| RepairLine {
                warehouse: WarehouseId(w),
                part: PartId(p),
                at_vendor,
                due: Instant(due),
                repaired,
                unrepairable,
            },
        )
        .collect())
}

/// An open proposal asking a warehouse's parent for stock (what the parent owes the
/// warehouse until the proposal is decided), or sending stock back to it (what the parent
/// has coming).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpenRequest {
    /// The warehouse asking (or returning).
    pub warehouse: WarehouseId,
    /// The part.
    pub part: PartId,
    /// The warehouse asked (the transfer's source), or a return's destination.
    pub source: WarehouseId,
    /// A return: the units go from `warehouse` back to `source`.
    pub returning: bool,
    /// Units asked.
    pub qty: i64,
    /// Raised by a run (else by an issue, as an emergency).
    pub run_owned: bool,
    /// Being approved: its transfer is frozen, a run leaves it as it is.
    pub approving: bool,
    /// Being approved and its transfer shipped already (the ledger applied the approval's
    /// key; only the decision is left): the units have left the source, nothing is owed.
    pub shipped: bool,
}

/// SQL: the proposal `pp` is being approved and its transfer has shipped (the ledger
/// applied its approval's Idempotency-Key `approval_key`, App::approve_until_ledger;
/// a fence under the key records a refusal, not a shipment: `$n` binds `FENCED_LIKE`).
macro_rules! approval_shipped {
    ($n:literal) => {
        concat!(
            "(pp.approving_since IS NOT NULL AND EXISTS (SELECT 1 FROM stock_idempotency k \
               WHERE k.key = pp.approval_key \
                 AND k.command_json NOT LIKE $",
            $n,
            "))"
        )
    };
}

/// What the warehouses `source` replenishes ask of it for `part` now, by warehouse code:
/// their open proposals with `source` as their current parent, but for one whose
/// transfer has shipped ([`open_requests`] for one pair).
pub async fn requests_of(
    db: &Db,
    source: WarehouseId,
    part: PartId,
) -> StoreResult<Vec<(String, i64)>> {
    let rows = on_db!(db, |p| {
        sqlx::query_as(concat!(
            "SELECT w.code, pp.qty FROM plan_proposals pp \
             JOIN warehouses w ON w.id = pp.warehouse_id AND w.parent_id = pp.source_warehouse_id \
               AND w.active AND w.after_sales \
             WHERE pp.status = 'open' AND pp.source_warehouse_id = $1 AND pp.part_id = $2 \
               AND NOT ",
            approval_shipped!(3),
            " ORDER BY pp.qty DESC, w.code"
        ))
        .bind(source.0)
        .bind(part.0)
        .bind(crate::stock::fence::FENCED_LIKE)
        .fetch_all(p)
        .await
    })?;
    Ok(rows)
}

/// Units the warehouses `to` replenishes send back of `part` by open returns whose
/// transfer has not shipped yet (once shipped, they are in transit to `to`).
pub async fn returns_to(db: &Db, to: WarehouseId, part: PartId) -> StoreResult<i64> {
    let n: Option<i64> = on_db!(db, |p| {
        sqlx::query_scalar(concat!(
            "SELECT CAST(SUM(pp.qty) AS BIGINT) FROM plan_proposals pp \
             JOIN warehouses w ON w.id = pp.warehouse_id AND w.parent_id = pp.destination_warehouse_id \
               AND w.active AND w.after_sales \
             WHERE pp.status = 'open' AND pp.kind = 'return' AND pp.destination_warehouse_id = $1 \
               AND pp.part_id = $2 AND NOT ",
            approval_shipped!(3)
        ))
        .bind(to.0)
        .bind(part.0)
        .bind(crate::stock::fence::FENCED_LIKE)
        .fetch_one(p)
        .await
    })?;
    Ok(n.unwrap_or(0))
}

/// Warehouse × part pairs whose return a planner rejected at or after `since`: the
/// planner keeps the stock there.
pub async fn rejected_returns(db: &Db, since: Instant) -> StoreResult<Vec<(WarehouseId, PartId)>> {
    let rows: Vec<(i64, i64)> = on_db!(db, |p| {
        sqlx::query_as(
            "SELECT DISTINCT warehouse_id, part_id FROM plan_proposals \
             WHERE kind = 'return' AND status = 'rejected' AND decided_at >= $1",
        )
        .bind(since.0)
        .fetch_all(p)
        .await
    })?;
    Ok(pairs(rows))
}

/// Warehouse × part pairs from their ids.
fn pairs(rows: Vec<(i64, i64)>) -> Vec<(WarehouseId, PartId)> {
    rows.into_iter()
        .map(|(w, p)| (WarehouseId(w), PartId(p)))
        .collect()
}

/// One row of [`open_requests`].
#[derive(sqlx::FromRow)]
struct RequestTuple {
    warehouse_id: i64,
    part_id: i64,
    other_id: i64,
    is_return: bool,
    qty: i64,
    run_owned: bool,
    approving: bool,
    shipped: bool,
}

/// Every open proposal with a source warehouse (transfers and emergencies below the top),
/// and every open return.
pub async fn open_requests(db: &Db) -> StoreResult<Vec<OpenRequest>> {
    let rows: Vec<RequestTuple> = on_db!(db, |p| {
        sqlx::query_as(concat!(
            "SELECT pp.warehouse_id, pp.part_id, \
                    COALESCE(pp.source_warehouse_id, pp.destination_warehouse_id) AS other_id, \
                    pp.kind = 'return' AS is_return, pp.qty, \
                    pp.run_id IS NOT NULL AS run_owned, pp.approving_since IS NOT NULL AS approving, ",
            approval_shipped!(1),
            " AS shipped \
             FROM plan_proposals pp WHERE pp.status = 'open' \
               AND (pp.source_warehouse_id IS NOT NULL OR pp.destination_warehouse_id IS NOT NULL)"
        ))
        .bind(crate::stock::fence::FENCED_LIKE)
        .fetch_all(p)
        .await
    })?;
    Ok(rows
        .into_iter()
        .map(|r| OpenRequest {
            warehouse: WarehouseId(r.warehouse_id),
            part: PartId(r.part_id),
            source: WarehouseId(r.other_id),
            returning: r.is_return,
            qty: r.qty,
            run_owned: r.run_owned,
            approving: r.approving,
            shipped: r.shipped,
        })
        .collect())
}

/// Set what planning reads of a part besides its cost: procurement lead time and
/// lifecycle dates (YYYY-MM-DD).
pub async fn set_part_planning(
    tx: &mut Tx,
    part: PartId,
    lead_time_days: i64,
    end_of_production_on: Option<&str>,
    end_of_service_on: Option<&str>,
) -> StoreResult<()> {
    on_tx!(tx, |c| {
        sqlx::query(
            "UPDATE parts SET lead_time_days = $2, end_of_production_on = $3, end_of_service_on = $4 WHERE id = $1",
        )
        .bind(part.0)
        .bind(lead_time_days)
        .bind(end_of_production_on)
        .bind(end_of_service_on)
        .execute(c)
        .await
        .map(|_| ())
    })?;
    Ok(())
}

/// Record `supplier` as a supplier of `part` (idempotent).
pub async fn link_supplier(
    tx: &mut Tx,
    part: PartId,
    supplier: SupplierId,
    lead_time_days: i64,
) -> StoreResult<()> {
    on_tx!(tx, |c| {
        sqlx::query(
            "INSERT INTO part_vendors (part_id, supplier_id, role, lead_time_days) VALUES ($1, $2, 'supplier', $3) \
             ON CONFLICT (part_id, supplier_id, role) DO UPDATE SET lead_time_days = excluded.lead_time_days",
        )
        .bind(part.0)
        .bind(supplier.0)
        .bind(lead_time_days)
        .execute(c)
        .await
        .map(|_| ())
    })?;
    Ok(())
}

/// Manual min/max of one warehouse × part, if the part master sets them.
pub async fn manual_level(
    db: &Db,
    warehouse: WarehouseId,
    part: PartId,
) -> StoreResult<Option<(i64, Option<i64>)>> {
    Ok(on_db!(db, |p| {
        sqlx::query_as(
            "SELECT min_qty, max_qty FROM part_stock_levels WHERE warehouse_id = $1 AND part_id = $2",
        )
        .bind(warehouse.0)
        .bind(part.0)
        .fetch_optional(p)
        .await
    })?)
}

/// One active after-sales warehouse as planning sees it.
pub async fn plan_warehouse(db: &Db, id: WarehouseId) -> StoreResult<Option<PlanWarehouse>> {
    let row: Option<(i64, String, Option<i64>)> = on_db!(db, |p| {
        sqlx::query_as(
            "SELECT id, code, parent_id FROM warehouses WHERE id = $1 AND active AND after_sales",
        )
        .bind(id.0)
        .fetch_optional(p)
        .await
    })?;
    Ok(row.map(|(id, code, parent)| PlanWarehouse {
        id: WarehouseId(id),
        code,
        parent: parent.map(WarehouseId),
    }))
}
