//! The minimum of the part master the ledger needs written: suppliers, parts, per-warehouse
//! levels and substitution rules. (Validation, import and export of the part master live in
//! the parts module; these take already-validated values.)

use crate::{StoreResult, Tx, on_tx};
use aftercare_domain::part::{StockLevels, SubstituteRule};
use aftercare_domain::{Instant, Money, PartId, SupplierId, WarehouseId};

/// A supplier or repair vendor to insert.
#[derive(Debug, Clone)]
pub struct NewSupplier {
    /// Unique code.
    pub code: String,
    /// Name.
    pub name: String,
    /// `supplier`, `repair_vendor` or `both`.
    pub kind: String,
}

/// Insert a supplier.
pub async fn insert_supplier(
    tx: &mut Tx,
    s: &NewSupplier,
    now: Instant,
) -> StoreResult<SupplierId> {
    let id: i64 = on_tx!(tx, |c| {
        sqlx::query_scalar(
        "INSERT INTO suppliers (code, name, kind, active, created_at) VALUES ($1, $2, $3, TRUE, $4) RETURNING id"
    )
    .bind(&s.code)
    .bind(&s.name)
    .bind(&s.kind)
    .bind(now.millis())
    .fetch_one(c)
    .await
    })?;
    Ok(SupplierId(id))
}

/// A part with the fields the ledger needs; the rest take neutral defaults (unit `pcs`,
/// bought, no lead time, normal criticality, active).
#[derive(Debug, Clone)]
pub struct NewPart {
    /// Part number (already validated and normalised).
    pub part_number: String,
    /// Chinese name.
    pub name_zh: String,
    /// Standard cost.
    pub standard_cost: Money,
}

/// Insert a part.
pub async fn insert_part(tx: &mut Tx, p: &NewPart, now: Instant) -> StoreResult<PartId> {
    let id: i64 = on_tx!(tx, |c| {
        sqlx::query_scalar(
        "INSERT INTO parts (part_number, name_zh, unit, standard_cost, source, lead_time_days, criticality, active, created_at, updated_at) \
         VALUES ($1, $2, 'pcs', $3, 'buy', 0, 'normal', TRUE, $4, $4) RETURNING id"
    )
    .bind(&p.part_number)
    .bind(&p.name_zh)
    .bind(p.standard_cost.minor())
    .bind(now.millis())
    .fetch_one(c)
    .await
    })?;
    Ok(PartId(id))
}

/// Set (insert or replace) a warehouse's manual levels for a part.
pub async fn set_levels(
    tx: &mut Tx,
    warehouse: WarehouseId,
    part: PartId,
    levels: StockLevels,
) -> StoreResult<()> {
    on_tx!(tx, |c| {
        sqlx::query(
        "INSERT INTO part_stock_levels (warehouse_id, part_id, min_qty, max_qty) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (warehouse_id, part_id) DO UPDATE SET min_qty = excluded.min_qty, max_qty = excluded.max_qty"
    )
    .bind(warehouse.get())
    .bind(part.get())
    .bind(levels.min.get())
    .bind(levels.max.map(|m| m.get()))
    .execute(c)
    .await
    .map(|_| ())
    })?;
    Ok(())
}

/// Declare a substitution rule (already checked against the others).
pub async fn insert_substitute(tx: &mut Tx, rule: &SubstituteRule) -> StoreResult<()> {
    on_tx!(tx, |c| {
        sqlx::query(
        "INSERT INTO part_substitutes (part_id, substitute_id, direction, priority, instruction) VALUES ($1, $2, $3, $4, $5)"
    )
    .bind(rule.part.get())
    .bind(rule.substitute.get())
    .bind(rule.direction.code())
    .bind(i64::from(rule.priority))
    .bind(&rule.instruction)
    .execute(c)
    .await
    .map(|_| ())
    })?;
    Ok(())
}
