//! Aged stock: units on shelves by the age of the lot they came in with (receipt time of
//! the lot), in buckets of 0–90, 91–180, 181–365 and over 365 days, per warehouse.

use crate::{Db, StoreResult, on_db};
use aftercare_domain::{Instant, StationId, WarehouseId};
use serde::Serialize;

const DAY_MS: i64 = 24 * 3600 * 1000;

/// Upper bounds (in whole days of age, inclusive) of the first three buckets; the fourth
/// bucket is everything older.
pub const BUCKET_DAYS: [i64; 3] = [90, 180, 365];

/// Stock of one warehouse by lot age.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AgingRow {
    /// Warehouse id.
    pub warehouse_id: i64,
    /// Warehouse code.
    pub warehouse_code: String,
    /// Units per bucket: 0–90, 91–180, 181–365, >365 days.
    pub qty: [i64; 4],
    /// Value at standard cost per bucket, minor units.
    pub value: [i64; 4],
}

/// Shelf stock (every condition) by lot age at `now`, per warehouse, by warehouse code.
pub async fn aging(
    db: &Db,
    now: Instant,
    warehouse: Option<WarehouseId>,
    station: Option<StationId>,
) -> StoreResult<Vec<AgingRow>> {
    // A lot's age in whole days is floor((now - received) / day); "0–90 days" therefore
    // means younger than 91 days. Values are summed as floating point and saturated: an
    // integer sum of units × cost overflowed (an error from the database, a 500) for a
    // shelf worth more than the i64 range of cents.
    let sql = "SELECT b.warehouse_id, w.code, \
               CASE WHEN $1 - l.received_at < $2 THEN 0 WHEN $1 - l.received_at < $3 THEN 1 \
                    WHEN $1 - l.received_at < $4 THEN 2 ELSE 3 END AS bucket, \
               CAST(SUM(lb.qty) AS BIGINT), SUM(CAST(lb.qty AS DOUBLE PRECISION) * p.standard_cost) \
               FROM stock_lot_balances lb \
               JOIN stock_balances b ON b.location = lb.location AND b.part_id = lb.part_id AND b.kind = 'stock' \
               JOIN stock_lots l ON l.id = lb.lot_id JOIN parts p ON p.id = lb.part_id \
               JOIN warehouses w ON w.id = b.warehouse_id \
               WHERE lb.qty <> 0 AND ($5 IS NULL OR b.warehouse_id = $5) AND ($6 IS NULL OR w.station_id = $6) \
               GROUP BY b.warehouse_id, w.code, bucket ORDER BY w.code, bucket";
    let rows: Vec<(i64, String, i32, i64, f64)> = on_db!(db, |p| {
        sqlx::query_as(sql)
            .bind(now.0)
            .bind((BUCKET_DAYS[0] + 1) * DAY_MS)
            .bind((BUCKET_DAYS[1] + 1) * DAY_MS)
            .bind((BUCKET_DAYS[2] + 1) * DAY_MS)
            .bind(warehouse.map(|w| w.get()))
            .bind(station.map(|s| s.get()))
            .fetch_all(p)
            .await
    })?;
    let mut out: Vec<AgingRow> = Vec::new();
    for (w, code, bucket, qty, value) in rows {
        if out.last().is_none_or(|r| r.warehouse_id != w) {
            out.push(AgingRow {
                warehouse_id: w,
                warehouse_code: code,
                qty: [0; 4],
                value: [0; 4],
            });
        }
        let r = out.last_mut().expect("pushed above");
        let i = bucket.clamp(0, 3) as usize;
        r.qty[i] = r.qty[i].saturating_add(qty);
        // `as` saturates a float outside the range (and reads NaN as 0).
        r.value[i] = r.value[i].saturating_add(value.round() as i64);
    }
    Ok(out)
}
