//! Rebuild the in-memory book from the tables, inside the writer's transaction (so what is
//! read is what the writer then builds on).

// Row tuples mirror their SELECT lists column by column; naming each would add nothing.
#![allow(clippy::type_complexity)]

use super::keys::parse_location_key;
use crate::{StoreError, StoreResult, Tx, on_tx};
use aftercare_domain::part::{StockLevels, SubstituteDirection, SubstituteRule};
use aftercare_domain::stock::purchase::PurchaseLine;
use aftercare_domain::stock::stocktake::{StocktakeLine, StocktakeStatus};
use aftercare_domain::stock::transfer::TransferLine;
use aftercare_domain::stock::{
    Book, Consumer, IssuePolicy, Location, Lot, PurchaseOrder, Qty, RepairOrder, Reservation,
    ScrapReason, ScrapRequest, StockCondition, Stocktake, StocktakeScope, Transfer,
};
use aftercare_domain::{
    Instant, LotId, Money, PartId, PurchaseOrderId, RepairOrderId, RequisitionId, ReservationId,
    ScrapRequestId, StocktakeId, SupplierId, TicketId, TransferId, WarehouseId,
};
use serde::de::DeserializeOwned;
use std::collections::BTreeMap;

/// Parse a stored enum code through its serde name.
pub(super) fn decode<T: DeserializeOwned>(code: &str, what: &str) -> StoreResult<T> {
    serde_json::from_value(serde_json::Value::String(code.to_string()))
        .map_err(|_| StoreError::Database(format!("stored {what} '{code}' is not known")))
}

/// The serde name of an enum value.
pub(super) fn encode<T: serde::Serialize>(v: &T) -> String {
    match serde_json::to_value(v) {
        Ok(serde_json::Value::String(s)) => s,
        other => format!("{other:?}"),
    }
}

fn location(text: &str) -> StoreResult<Location> {
    parse_location_key(text)
        .ok_or_else(|| StoreError::Database(format!("stored location '{text}' is malformed")))
}

fn condition(code: &str) -> StoreResult<StockCondition> {
    StockCondition::parse(code)
        .ok_or_else(|| StoreError::Database(format!("stored condition '{code}' is not known")))
}

fn qty(v: i64) -> StoreResult<Qty> {
    Qty::new(v).map_err(|e| StoreError::Database(format!("stored quantity {v}: {e}")))
}

fn consumer(kind: &str, id: i64) -> StoreResult<Consumer> {
    match kind {
        "ticket" => Ok(Consumer::Ticket(TicketId(id))),
        "requisition" => Ok(Consumer::Requisition(RequisitionId(id))),
        other => Err(StoreError::Database(format!(
            "stored consumer kind '{other}' is not known"
        ))),
    }
}

/// The `stock_ledger` row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct LedgerRow {
    pub version: i64,
    pub next_id: i64,
    pub master_version: i64,
}

/// Read and lock the ledger row, creating it if this database has none yet. On PostgreSQL
/// the row lock (`FOR UPDATE`) serialises writers of several processes until commit; on
/// SQLite the write transaction (`BEGIN IMMEDIATE`) already does.
pub(super) async fn ledger_row(tx: &mut Tx, now: Instant) -> StoreResult<LedgerRow> {
    for _ in 0..2 {
        let row: Option<(i64, i64, i64)> = match tx {
            Tx::Sqlite(t) => {
                sqlx::query_as(
                    "SELECT version, next_id, master_version FROM stock_ledger WHERE id = 1",
                )
                .fetch_optional(&mut **t)
                .await?
            }
            Tx::Postgres(t) => sqlx::query_as(
                "SELECT version, next_id, master_version FROM stock_ledger WHERE id = 1 FOR UPDATE",
            )
            .fetch_optional(&mut **t)
            .await?,
        };
        if let Some((version, next_id, master_version)) = row {
            return Ok(LedgerRow {
                version,
                next_id,
                master_version,
            });
        }
        on_tx!(tx, |c| {
            sqlx::query(
            "INSERT INTO stock_ledger (id, version, next_id, master_version, updated_at) VALUES (1, 0, 0, 0, $1) \
             ON CONFLICT (id) DO NOTHING"
        )
        .bind(now.millis())
        .execute(c)
        .await
        .map(|_| ())
        })?;
    }
    Err(StoreError::Database(
        "the stock_ledger row cannot be created".into(),
    ))
}

/// Load costs, manual levels and substitution rules into `book`.
pub(super) async fn load_master(tx: &mut Tx, book: &mut Book) -> StoreResult<()> {
    let parts: Vec<(i64, i64)> = on_tx!(tx, |c| sqlx::query_as(
        "SELECT id, standard_cost FROM parts"
    )
    .fetch_all(c)
    .await)?;
    let levels: Vec<(i64, i64, i64, Option<i64>)> = on_tx!(tx, |c| sqlx::query_as(
        "SELECT warehouse_id, part_id, min_qty, max_qty FROM part_stock_levels"
    )
    .fetch_all(c)
    .await)?;
    let subs: Vec<(i64, i64, String, i64, String)> = on_tx!(tx, |c| {
        sqlx::query_as(
        "SELECT part_id, substitute_id, direction, priority, instruction FROM part_substitutes ORDER BY part_id, substitute_id"
    )
    .fetch_all(c)
    .await
    })?;
    // The levels an issue is checked against for an emergency requisition: manual ones
    // from the part master, else the last planning run's reorder point and maximum (the
    // planning run bumps `master_version` when it writes them).
    let planned: Vec<(i64, i64, i64, Option<i64>)> = on_tx!(tx, |c| sqlx::query_as(
        "SELECT i.warehouse_id, i.part_id, i.reorder_point, i.max_qty FROM plan_items i \
         WHERE i.reorder_point > 0 AND NOT EXISTS (SELECT 1 FROM part_stock_levels l \
         WHERE l.warehouse_id = i.warehouse_id AND l.part_id = i.part_id)"
    )
    .fetch_all(c)
    .await)?;
    let mut lv = Vec::with_capacity(levels.len() + planned.len());
    for (w, p, min, max) in levels.into_iter().chain(planned) {
        let levels = StockLevels {
            min: qty(min)?,
            max: max.map(qty).transpose()?,
        };
        lv.push((WarehouseId(w), PartId(p), levels));
    }
    let mut rules = Vec::with_capacity(subs.len());
    for (p, s, dir, prio, instruction) in subs {
        rules.push(SubstituteRule {
            part: PartId(p),
            substitute: PartId(s),
            direction: SubstituteDirection::parse(&dir).ok_or_else(|| {
                StoreError::Database(format!("stored substitute direction '{dir}' is not known"))
            })?,
            priority: u16::try_from(prio).unwrap_or(u16::MAX),
            instruction,
        });
    }
    book.replace_master(
        parts
            .into_iter()
            .map(|(p, c)| (PartId(p), Money::from_minor(c))),
        lv,
        rules,
    );
    Ok(())
}

/// Build the whole book: master data, lots, balances, and every document.
pub(super) async fn load_book(tx: &mut Tx, policy: IssuePolicy, next_id: i64) -> StoreResult<Book> {
    let mut book = Book::new(policy);
    load_master(tx, &mut book).await?;

    let lots: Vec<(i64, i64, String, i64, Option<String>)> = on_tx!(tx, |c| sqlx::query_as(
        "SELECT id, part_id, origin, received_at, usable_as FROM stock_lots"
    )
    .fetch_all(c)
    .await)?;
    let mut max_id = next_id;
    for (id, part, origin, received_at, usable_as) in lots {
        max_id = max_id.max(id);
        book.restore_lot(Lot {
            id: LotId(id),
            part: PartId(part),
            origin: location(&origin)?,
            received_at: Instant(received_at),
            usable_as: usable_as.as_deref().map(condition).transpose()?,
        });
    }
    let balances: Vec<(String, i64, i64)> = on_tx!(tx, |c| sqlx::query_as(
        "SELECT location, part_id, qty FROM stock_balances WHERE qty <> 0"
    )
    .fetch_all(c)
    .await)?;
    for (loc, part, q) in balances {
        book.restore_balance(location(&loc)?, PartId(part), q);
    }
    let lot_balances: Vec<(String, i64, i64, i64)> = on_tx!(tx, |c| sqlx::query_as(
        "SELECT location, part_id, lot_id, qty FROM stock_lot_balances WHERE qty <> 0"
    )
    .fetch_all(c)
    .await)?;
    for (loc, part, lot, q) in lot_balances {
        book.restore_lot_balance(location(&loc)?, PartId(part), LotId(lot), q);
    }

    let reservations: Vec<(i64, i64, i64, String, i64, i64, i64, i64, String)> = on_tx!(tx, |c| {
        sqlx::query_as(
            "SELECT id, warehouse_id, part_id, consumer_kind, consumer_id, qty, created_at, expires_at, status FROM stock_reservations"
        )
        .fetch_all(c)
        .await
    })?;
    for (id, w, p, ck, cid, q, created, expires, status) in reservations {
        max_id = max_id.max(id);
        book.restore_reservation(Reservation {
            id: ReservationId(id),
            warehouse: WarehouseId(w),
            part: PartId(p),
            consumer: consumer(&ck, cid)?,
            qty: qty(q)?,
            created_at: Instant(created),
            expires_at: Instant(expires),
            status: decode(&status, "reservation status")?,
        });
    }

    let transfers: Vec<(i64, i64, i64, i64, i64, String)> = on_tx!(tx, |c| sqlx::query_as(
        "SELECT id, from_warehouse_id, to_warehouse_id, shipped_at, eta, status FROM transfers"
    )
    .fetch_all(c)
    .await)?;
    let lines: Vec<(i64, i64, String, i64, i64, i64, i64, i64)> = on_tx!(tx, |c| {
        sqlx::query_as(
        "SELECT transfer_id, part_id, condition, shipped, received, missing, found, written_off \
         FROM transfer_lines ORDER BY transfer_id, part_id, condition"
    )
    .fetch_all(c)
    .await
    })?;
    let mut by_transfer: BTreeMap<i64, Vec<TransferLine>> = BTreeMap::new();
    for (t, p, cond, shipped, received, missing, found, written_off) in lines {
        by_transfer.entry(t).or_default().push(TransferLine {
            part: PartId(p),
            condition: condition(&cond)?,
            shipped: qty(shipped)?,
            received: qty(received)?,
            missing: qty(missing)?,
            found: qty(found)?,
            written_off: qty(written_off)?,
        });
    }
    for (id, from, to, shipped_at, eta, status) in transfers {
        max_id = max_id.max(id);
        book.restore_transfer(Transfer {
            id: TransferId(id),
            from: WarehouseId(from),
            to: WarehouseId(to),
            shipped_at: Instant(shipped_at),
            eta: Instant(eta),
            lines: by_transfer.remove(&id).unwrap_or_default(),
            status: decode(&status, "transfer status")?,
        });
    }

    let repairs: Vec<(i64, i64, i64, i64, i64, i64, i64, i64, i64, i64)> = on_tx!(tx, |c| {
        sqlx::query_as(
            "SELECT id, vendor_id, warehouse_id, part_id, sent, received, rejected, unrepairable, sent_at, due_at FROM repair_orders"
        )
        .fetch_all(c)
        .await
    })?;
    for (id, vendor, w, p, sent, received, rejected, unrepairable, sent_at, due) in repairs {
        max_id = max_id.max(id);
        book.restore_repair_order(RepairOrder {
            id: RepairOrderId(id),
            vendor: SupplierId(vendor),
            warehouse: WarehouseId(w),
            part: PartId(p),
            sent: qty(sent)?,
            received: qty(received)?,
            rejected: qty(rejected)?,
            unrepairable: qty(unrepairable)?,
            sent_at: Instant(sent_at),
            due: Instant(due),
        });
    }

    let orders: Vec<(i64, i64)> = on_tx!(tx, |c| sqlx::query_as(
        "SELECT id, supplier_id FROM purchase_orders"
    )
    .fetch_all(c)
    .await)?;
    let po_lines: Vec<(i64, i64, i64, i64)> = on_tx!(tx, |c| {
        sqlx::query_as(
        "SELECT purchase_order_id, part_id, ordered, received FROM purchase_order_lines ORDER BY purchase_order_id, part_id"
    )
    .fetch_all(c)
    .await
    })?;
    let mut by_order: BTreeMap<i64, Vec<PurchaseLine>> = BTreeMap::new();
    for (o, p, ordered, received) in po_lines {
        by_order.entry(o).or_default().push(PurchaseLine {
            part: PartId(p),
            ordered: qty(ordered)?,
            received: qty(received)?,
        });
    }
    for (id, supplier) in orders {
        max_id = max_id.max(id);
        book.restore_purchase_order(PurchaseOrder {
            id: PurchaseOrderId(id),
            supplier: SupplierId(supplier),
            lines: by_order.remove(&id).unwrap_or_default(),
        });
    }

    let scraps: Vec<(i64, i64, i64, String, i64, String, i64, String, Option<i64>)> = on_tx!(
        tx,
        |c| {
            sqlx::query_as(
            "SELECT id, warehouse_id, part_id, condition, qty, reason, requested_at, status, decided_at FROM scrap_requests"
        )
        .fetch_all(c)
        .await
        }
    )?;
    for (id, w, p, cond, q, reason, requested_at, status, decided_at) in scraps {
        max_id = max_id.max(id);
        book.restore_scrap_request(ScrapRequest {
            id: ScrapRequestId(id),
            warehouse: WarehouseId(w),
            part: PartId(p),
            condition: condition(&cond)?,
            qty: qty(q)?,
            reason: ScrapReason::parse(&reason).ok_or_else(|| {
                StoreError::Database(format!("stored scrap reason '{reason}' is not known"))
            })?,
            requested_at: Instant(requested_at),
            status: decode(&status, "scrap status")?,
            decided_at: decided_at.map(Instant),
        });
    }

    let takes: Vec<(i64, i64, String, i64, String)> = on_tx!(tx, |c| sqlx::query_as(
        "SELECT id, warehouse_id, scope, opened_at, status FROM stocktakes"
    )
    .fetch_all(c)
    .await)?;
    for (id, w, scope, opened_at, status) in takes {
        max_id = max_id.max(id);
        let status: StocktakeStatus = decode(&status, "stocktake status")?;
        let scope = if scope == "parts" {
            let parts: Vec<i64> = on_tx!(tx, |c| sqlx::query_scalar(
                "SELECT part_id FROM stocktake_parts WHERE stocktake_id = $1 ORDER BY part_id"
            )
            .bind(id)
            .fetch_all(c)
            .await)?;
            StocktakeScope::parts(parts.into_iter().map(PartId).collect())
        } else {
            StocktakeScope::Warehouse
        };
        // An approved stocktake can no longer change: its lines stay in the table only.
        let lines = if status == StocktakeStatus::Counting {
            let rows: Vec<(i64, String, i64, i64, Option<i64>)> = on_tx!(tx, |c| sqlx::query_as(
                "SELECT part_id, condition, book_qty, unit_cost, counted FROM stocktake_lines \
                 WHERE stocktake_id = $1 ORDER BY part_id, condition"
            )
            .bind(id)
            .fetch_all(c)
            .await)?;
            let mut lines = Vec::with_capacity(rows.len());
            for (p, cond, book_qty, cost, counted) in rows {
                lines.push(StocktakeLine {
                    part: PartId(p),
                    condition: condition(&cond)?,
                    book: qty(book_qty)?,
                    unit_cost: Money::from_minor(cost),
                    counted: counted.map(qty).transpose()?,
                });
            }
            lines
        } else {
            Vec::new()
        };
        let st = Stocktake::restore(
            StocktakeId(id),
            WarehouseId(w),
            scope,
            Instant(opened_at),
            status,
            lines,
        )
        .map_err(|e| StoreError::Database(format!("stored stocktake {id}: {e}")))?;
        book.restore_stocktake(st);
    }

    let max_movement: Option<i64> = on_tx!(tx, |c| sqlx::query_scalar(
        "SELECT MAX(id) FROM stock_movements"
    )
    .fetch_one(c)
    .await)?;
    max_id = max_id.max(max_movement.unwrap_or(0));
    book.restore_last_id(max_id);
    Ok(book)
}
