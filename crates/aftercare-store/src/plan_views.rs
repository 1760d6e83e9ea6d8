//! Read-only queries of the planning pages (kept apart from `planning.rs`, the run's
//! store).

use crate::{Db, StoreResult, on_db};
use aftercare_domain::{PartId, WarehouseId};
use std::collections::{BTreeSet, HashMap};

/// SQL of what the source warehouse of the proposal `pp` can ship of its part now, as
/// [`shippable_good`] counts it (0 without stock; NULL-free).
pub(crate) const PROPOSAL_SOURCE_SHIPPABLE: &str = "COALESCE((SELECT \
     CASE WHEN a.issuable - a.reserved < COALESCE(b.qty, 0) THEN a.issuable - a.reserved \
          ELSE COALESCE(b.qty, 0) END \
     FROM stock_availability a LEFT JOIN stock_balances b \
       ON b.kind = 'stock' AND b.condition = 'good' \
      AND b.warehouse_id = a.warehouse_id AND b.part_id = a.part_id \
     WHERE a.warehouse_id = pp.source_warehouse_id AND a.part_id = pp.part_id), 0)";

/// Units of each `(warehouse, part)` of `pairs` that a transfer of good stock could ship
/// from the warehouse now, as the ledger checks a shipment: the good units on its shelf,
/// and no more than its issuable units less those reserved. A pair without stock is 0.
/// One query for all pairs.
pub async fn shippable_good(
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
        "SELECT a.warehouse_id, a.part_id, a.issuable - a.reserved, COALESCE(b.qty, 0) \
         FROM stock_availability a LEFT JOIN stock_balances b \
           ON b.kind = 'stock' AND b.condition = 'good' \
          AND b.warehouse_id = a.warehouse_id AND b.part_id = a.part_id \
         WHERE a.warehouse_id IN ({warehouses}) AND a.part_id IN ({parts})"
    );
    let rows: Vec<(i64, i64, i64, i64)> = on_db!(db, |p| {
        sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
            .fetch_all(p)
            .await
    })?;
    for (w, p, available, good) in rows {
        if let Some(v) = out.get_mut(&(WarehouseId(w), PartId(p))) {
            *v = available.min(good).max(0);
        }
    }
    Ok(out)
}
