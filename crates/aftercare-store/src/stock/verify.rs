//! `verify_ledger`: recompute every maintained number from the immutable movements and
//! report each difference. Empty means the ledger is sound.

use crate::{Db, StoreResult, on_db};

/// One query per invariant: each returns the rows that break it, described.
const CHECKS: &[(&str, &str)] = &[
    (
        "balance differs from the sum of its movements",
        "WITH m AS (SELECT from_location AS location, part_id, -qty AS q FROM stock_movements \
                    UNION ALL SELECT to_location, part_id, qty FROM stock_movements), \
              s AS (SELECT location, part_id, SUM(q) AS q FROM m GROUP BY location, part_id) \
         SELECT COALESCE(s.location, b.location) || ' part ' || CAST(COALESCE(s.part_id, b.part_id) AS TEXT) \
                || ': balance ' || CAST(COALESCE(b.qty, 0) AS TEXT) || ', movements ' || CAST(COALESCE(s.q, 0) AS TEXT) \
         FROM s FULL OUTER JOIN stock_balances b ON b.location = s.location AND b.part_id = s.part_id \
         WHERE COALESCE(s.q, 0) <> COALESCE(b.qty, 0)",
    ),
    (
        "lot balance differs from the sum of its movements",
        "WITH m AS (SELECT mv.from_location AS location, mv.part_id, ml.lot_id, -ml.qty AS q \
                      FROM stock_movement_lots ml JOIN stock_movements mv ON mv.id = ml.movement_id \
                    UNION ALL SELECT mv.to_location, mv.part_id, ml.lot_id, ml.qty \
                      FROM stock_movement_lots ml JOIN stock_movements mv ON mv.id = ml.movement_id), \
              s AS (SELECT location, part_id, lot_id, SUM(q) AS q FROM m GROUP BY location, part_id, lot_id) \
         SELECT COALESCE(s.location, b.location) || ' lot ' || CAST(COALESCE(s.lot_id, b.lot_id) AS TEXT) \
                || ': balance ' || CAST(COALESCE(b.qty, 0) AS TEXT) || ', movements ' || CAST(COALESCE(s.q, 0) AS TEXT) \
         FROM s FULL OUTER JOIN stock_lot_balances b ON b.location = s.location AND b.part_id = s.part_id AND b.lot_id = s.lot_id \
         WHERE COALESCE(s.q, 0) <> COALESCE(b.qty, 0)",
    ),
    (
        "movement lots do not add up to the movement",
        "SELECT 'movement ' || CAST(m.id AS TEXT) || ': ' || CAST(m.qty AS TEXT) || ' units, lots ' || CAST(COALESCE(SUM(l.qty), 0) AS TEXT) \
         FROM stock_movements m LEFT JOIN stock_movement_lots l ON l.movement_id = m.id \
         GROUP BY m.id, m.qty HAVING COALESCE(SUM(l.qty), 0) <> m.qty",
    ),
    (
        "lots do not add up to the balance",
        "SELECT b.location || ' part ' || CAST(b.part_id AS TEXT) || ': balance ' || CAST(b.qty AS TEXT) \
                || ', lots ' || CAST(COALESCE(SUM(l.qty), 0) AS TEXT) \
         FROM stock_balances b LEFT JOIN stock_lot_balances l ON l.location = b.location AND l.part_id = b.part_id \
         GROUP BY b.location, b.part_id, b.qty HAVING COALESCE(SUM(l.qty), 0) <> b.qty",
    ),
    (
        "a part's total over all locations is not zero",
        "SELECT 'part ' || CAST(part_id AS TEXT) || ': total ' || CAST(SUM(qty) AS TEXT) \
         FROM stock_balances GROUP BY part_id HAVING SUM(qty) <> 0",
    ),
    (
        "negative balance where none may be",
        "SELECT location || ' part ' || CAST(part_id AS TEXT) || ': ' || CAST(qty AS TEXT) \
         FROM stock_balances WHERE qty < 0 AND NOT negative_ok",
    ),
    (
        "issuable units differ from good + repaired on the shelf",
        "WITH s AS (SELECT warehouse_id, part_id, SUM(qty) AS q FROM stock_balances \
                    WHERE kind = 'stock' AND condition IN ('good', 'repaired') GROUP BY warehouse_id, part_id) \
         SELECT 'warehouse ' || CAST(COALESCE(s.warehouse_id, a.warehouse_id) AS TEXT) || ' part ' \
                || CAST(COALESCE(s.part_id, a.part_id) AS TEXT) || ': issuable ' || CAST(COALESCE(a.issuable, 0) AS TEXT) \
                || ', shelf ' || CAST(COALESCE(s.q, 0) AS TEXT) \
         FROM s FULL OUTER JOIN stock_availability a ON a.warehouse_id = s.warehouse_id AND a.part_id = s.part_id \
         WHERE COALESCE(s.q, 0) <> COALESCE(a.issuable, 0)",
    ),
    (
        "reserved units differ from the active reservations",
        "WITH r AS (SELECT warehouse_id, part_id, SUM(qty) AS q FROM stock_reservations WHERE status = 'active' \
                    GROUP BY warehouse_id, part_id) \
         SELECT 'warehouse ' || CAST(COALESCE(r.warehouse_id, a.warehouse_id) AS TEXT) || ' part ' \
                || CAST(COALESCE(r.part_id, a.part_id) AS TEXT) || ': reserved ' || CAST(COALESCE(a.reserved, 0) AS TEXT) \
                || ', reservations ' || CAST(COALESCE(r.q, 0) AS TEXT) \
         FROM r FULL OUTER JOIN stock_availability a ON a.warehouse_id = r.warehouse_id AND a.part_id = r.part_id \
         WHERE COALESCE(r.q, 0) <> COALESCE(a.reserved, 0)",
    ),
    (
        "available is negative",
        "SELECT 'warehouse ' || CAST(warehouse_id AS TEXT) || ' part ' || CAST(part_id AS TEXT) \
         FROM stock_availability WHERE reserved > issuable OR issuable < 0 OR reserved < 0",
    ),
    (
        "in transit differs from the transfer line",
        "SELECT 'transfer ' || CAST(l.transfer_id AS TEXT) || ' part ' || CAST(l.part_id AS TEXT) || ' ' || l.condition \
                || ': line ' || CAST(l.shipped - l.received - l.missing AS TEXT) || ', balance ' || CAST(COALESCE(b.qty, 0) AS TEXT) \
         FROM transfer_lines l JOIN transfers t ON t.id = l.transfer_id \
         LEFT JOIN stock_balances b ON b.kind = 'in_transit' AND b.reference = l.transfer_id AND b.part_id = l.part_id AND b.condition = l.condition \
         WHERE l.shipped - l.received - l.missing <> COALESCE(b.qty, 0)",
    ),
    (
        "open discrepancy differs from the transfer line",
        "SELECT 'transfer ' || CAST(l.transfer_id AS TEXT) || ' part ' || CAST(l.part_id AS TEXT) || ' ' || l.condition \
                || ': line ' || CAST(l.missing - l.found - l.written_off AS TEXT) || ', balance ' || CAST(COALESCE(b.qty, 0) AS TEXT) \
         FROM transfer_lines l \
         LEFT JOIN stock_balances b ON b.kind = 'transfer_discrepancy' AND b.reference = l.transfer_id AND b.part_id = l.part_id AND b.condition = l.condition \
         WHERE l.missing - l.found - l.written_off <> COALESCE(b.qty, 0)",
    ),
    (
        "units at a repair vendor differ from the repair order",
        "SELECT 'repair order ' || CAST(o.id AS TEXT) || ': order ' || CAST(o.sent + o.rejected - o.received - o.unrepairable AS TEXT) \
                || ', balance ' || CAST(COALESCE(b.qty, 0) AS TEXT) \
         FROM repair_orders o LEFT JOIN stock_balances b ON b.kind = 'repair_vendor' AND b.reference = o.id AND b.part_id = o.part_id \
         WHERE o.sent + o.rejected - o.received - o.unrepairable <> COALESCE(b.qty, 0)",
    ),
];

/// Every difference between the maintained numbers and the movements, described as
/// `"<invariant>: <row>"`; at most 100 rows per invariant.
pub async fn verify_ledger(db: &Db) -> StoreResult<Vec<String>> {
    let mut out = Vec::new();
    for (what, sql) in CHECKS {
        let sql = format!("{sql} LIMIT 100");
        let rows: Vec<String> = on_db!(db, |p| {
            sqlx::query_scalar(sqlx::AssertSqlSafe(sql.as_str()))
                .fetch_all(p)
                .await
        })?;
        out.extend(rows.into_iter().map(|r| format!("{what}: {r}")));
    }
    Ok(out)
}
