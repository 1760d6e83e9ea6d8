//! Read-only queries of the planning pages (kept apart from `planning.rs`, the run's
//! store).

use crate::{Db, StoreResult, on_db};
use aftercare_domain::{PartId, WarehouseId};
use std::collections::{BTreeSet, HashMap};

/// SQL of what the source warehouse of the proposal `pp` can ship of its part now, as
/// [`shippable`] counts it (0 without stock; NULL-free).
pub(crate) const PROPOSAL_SOURCE_SHIPPABLE: &str = "COALESCE((SELECT \
     CASE WHEN a.issuable > a.reserved THEN a.issuable - a.reserved ELSE 0 END \
     FROM stock_availability a \
     WHERE a.warehouse_id = pp.source_warehouse_id AND a.part_id = pp.part_id), 0)";

/// Units of each `(warehouse, part)` of `pairs` that a transfer could ship from the
/// warehouse now, as the ledger checks a shipment: its issuable units (good and repaired
/// on the shelf; an approval ships the repaired first) less those reserved. A pair
/// without stock is 0. One query for all pairs; [`PROPOSAL_SOURCE_SHIPPABLE`] is the same
/// rule as a filter.
pub async fn shippable(
    db: &Db,
    pairs: &[(WarehouseId, PartId)],
) -> StoreResult<HashMap<(WarehouseId, PartId), i64>> {
    let mut out: HashMap<(WarehouseId, PartId), i64> = pairs.iter().map(|&k| (k, 0)).collect();
    if pairs.is_empty() {
        return Ok(out);
    }
    let list = |ids: BTreeSet<i64>| {
        ids.into_iter()
            .map(|i| i.to_string())
            .collect::<Vec<_>>()
            .join(",")
    };
    // Ids are integers: written into the statement, so that any number of rows is one
    // query on either engine. The cross product of the two lists is fetched and the
    // pairs picked here.
    let warehouses = list(pairs.iter().map(|(w, _)| w.0).collect());
    let parts = list(pairs.iter().map(|(_, p)| p.0).collect());
    let sql = format!(
        "SELECT a.warehouse_id, a.part_id, a.issuable - a.reserved FROM stock_availability a \
         WHERE a.warehouse_id IN ({warehouses}) AND a.part_id IN ({parts})"
    );
    let rows: Vec<(i64, i64, i64)> = on_db!(db, |p| {
        sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
            .fetch_all(p)
            .await
    })?;
    for (w, p, available) in rows {
        if let Some(v) = out.get_mut(&(WarehouseId(w), PartId(p))) {
            *v = available.max(0);
        }
    }
    Ok(out)
}

/// Repaired units of a part on a warehouse's shelf (what a transfer ships first).
pub async fn repaired_on_shelf(db: &Db, warehouse: WarehouseId, part: PartId) -> StoreResult<i64> {
    let qty: Option<i64> = on_db!(db, |p| {
        sqlx::query_scalar(
            "SELECT qty FROM stock_balances WHERE kind = 'stock' AND condition = 'repaired' \
             AND warehouse_id = $1 AND part_id = $2",
        )
        .bind(warehouse.0)
        .bind(part.0)
        .fetch_optional(p)
        .await
    })?;
    Ok(qty.unwrap_or(0).max(0))
}
