//! The part master as the import, export and maintenance use cases need it: whole-table
//! reads keyed by codes, and one-row upserts run inside the caller's write transaction.

use crate::{Db, StoreResult, Tx};
use aftercare_domain::part::{PartMaster, SubstituteDirection};
use aftercare_domain::{Instant, PartId, ProductModelId, StationId, WarehouseId};

/// Where a read runs: on the pool, or inside a write transaction (to see and lock what is
/// about to be written).
pub enum Src<'a> {
    /// A pooled connection.
    Db(&'a Db),
    /// The caller's transaction.
    Tx(&'a mut Tx),
}

impl<'a> From<&'a Db> for Src<'a> {
    fn from(db: &'a Db) -> Self {
        Src::Db(db)
    }
}

impl<'a> From<&'a mut Tx> for Src<'a> {
    fn from(tx: &'a mut Tx) -> Self {
        Src::Tx(tx)
    }
}

macro_rules! on_src {
    ($src:expr, |$c:ident| $body:expr) => {
        match $src {
            Src::Db(Db::Sqlite($c)) => $body,
            Src::Db(Db::Postgres($c)) => $body,
            Src::Tx(Tx::Sqlite(t)) => {
                let $c = &mut **t;
                $body
            }
            Src::Tx(Tx::Postgres(t)) => {
                let $c = &mut **t;
                $body
            }
        }
    };
}

/// A stored part, columns as stored (the app turns it back into a `PartMaster`).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct StoredPart {
    /// Id.
    pub id: i64,
    /// Part number.
    pub part_number: String,
    /// Chinese name.
    pub name_zh: String,
    /// English name.
    pub name_en: Option<String>,
    /// Specification.
    pub specification: Option<String>,
    /// Category.
    pub category: Option<String>,
    /// Unit.
    pub unit: String,
    /// Standard cost, minor units.
    pub standard_cost: i64,
    /// Source code.
    pub source: String,
    /// Lead time in days.
    pub lead_time_days: i64,
    /// Replacement cycle in days.
    pub replacement_cycle_days: Option<i64>,
    /// Criticality code.
    pub criticality: String,
    /// End of production, YYYY-MM-DD.
    pub end_of_production_on: Option<String>,
    /// End of service, YYYY-MM-DD.
    pub end_of_service_on: Option<String>,
    /// Notes.
    pub notes: Option<String>,
    /// Active flag.
    pub active: bool,
}

macro_rules! part_select {
    ($($rest:tt)*) => {
        concat!(
            "SELECT id, part_number, name_zh, name_en, specification, category, unit, ",
            "standard_cost, source, lead_time_days, replacement_cycle_days, criticality, ",
            "end_of_production_on, end_of_service_on, notes, active FROM parts ",
            $($rest)*
        )
    };
}

macro_rules! search_filter {
    () => {
        "WHERE ($1 = '' OR part_number LIKE $2 OR name_zh LIKE $3 OR LOWER(name_en) LIKE LOWER($3) \
         OR specification LIKE $3) AND ($4 IS NULL OR category = $4) "
    };
}

/// Every part, ordered by part number.
pub async fn parts(src: impl Into<Src<'_>>) -> StoreResult<Vec<StoredPart>> {
    let sql = part_select!("ORDER BY part_number");
    Ok(on_src!(src.into(), |c| sqlx::query_as(sql)
        .fetch_all(c)
        .await)?)
}

/// One part by id.
pub async fn part(src: impl Into<Src<'_>>, id: PartId) -> StoreResult<Option<StoredPart>> {
    let sql = part_select!("WHERE id = $1");
    Ok(on_src!(src.into(), |c| sqlx::query_as(sql)
        .bind(id.0)
        .fetch_optional(c)
        .await)?)
}

/// One part by (normalised) part number.
pub async fn part_by_number(
    src: impl Into<Src<'_>>,
    number: &str,
) -> StoreResult<Option<StoredPart>> {
    let sql = part_select!("WHERE part_number = $1");
    Ok(on_src!(src.into(), |c| sqlx::query_as(sql)
        .bind(number)
        .fetch_optional(c)
        .await)?)
}

/// A page of parts matching `query` (part number prefix, or a name/specification/category
/// substring), ordered by part number, with the total count of matches.
pub async fn search_parts(
    db: &Db,
    query: &str,
    category: Option<&str>,
    limit: i64,
    offset: i64,
) -> StoreResult<(Vec<StoredPart>, i64)> {
    let q = query.trim();
    let prefix = format!("{}%", q.to_uppercase().replace(['%', '_'], ""));
    let like = format!("%{}%", q.replace(['%', '_'], ""));
    let sql = part_select!(concat!(
        search_filter!(),
        "ORDER BY part_number LIMIT $5 OFFSET $6"
    ));
    let rows: Vec<StoredPart> = crate::on_db!(db, |p| sqlx::query_as(sql)
        .bind(q)
        .bind(&prefix)
        .bind(&like)
        .bind(category)
        .bind(limit)
        .bind(offset)
        .fetch_all(p)
        .await)?;
    let count_sql = concat!("SELECT COUNT(*) FROM parts ", search_filter!());
    let total: i64 = crate::on_db!(db, |p| sqlx::query_scalar(count_sql)
        .bind(q)
        .bind(&prefix)
        .bind(&like)
        .bind(category)
        .fetch_one(p)
        .await)?;
    Ok((rows, total))
}

fn date_text(d: Option<impl ToString>) -> Option<String> {
    d.map(|d| d.to_string())
}

/// Insert a part; returns its id.
pub async fn insert_part_master(tx: &mut Tx, p: &PartMaster, now: Instant) -> StoreResult<PartId> {
    let sql = "INSERT INTO parts (part_number, name_zh, name_en, specification, category, unit, \
               standard_cost, source, lead_time_days, replacement_cycle_days, criticality, \
               end_of_production_on, end_of_service_on, notes, active, created_at, updated_at) \
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, TRUE, $15, $15) \
               RETURNING id";
    let id: i64 = crate::on_tx!(tx, |c| sqlx::query_scalar(sql)
        .bind(p.number.as_str())
        .bind(&p.name.zh)
        .bind(&p.name.en)
        .bind(&p.specification)
        .bind(&p.category)
        .bind(p.unit.as_str())
        .bind(p.standard_cost.minor())
        .bind(p.source.code())
        .bind(i64::from(p.lead_time.days()))
        .bind(p.replacement_cycle.map(|c| i64::from(c.get())))
        .bind(p.criticality.code())
        .bind(date_text(p.lifecycle.end_of_production()))
        .bind(date_text(p.lifecycle.end_of_service()))
        .bind(&p.notes)
        .bind(now.0)
        .fetch_one(c)
        .await)?;
    Ok(PartId(id))
}

/// Overwrite a part's master data (the part number stays).
pub async fn update_part_master(
    tx: &mut Tx,
    id: PartId,
    p: &PartMaster,
    now: Instant,
) -> StoreResult<()> {
    let sql = "UPDATE parts SET name_zh = $2, name_en = $3, specification = $4, category = $5, \
               unit = $6, standard_cost = $7, source = $8, lead_time_days = $9, \
               replacement_cycle_days = $10, criticality = $11, end_of_production_on = $12, \
               end_of_service_on = $13, notes = $14, updated_at = $15 WHERE id = $1";
    let n = crate::on_tx!(tx, |c| sqlx::query(sql)
        .bind(id.0)
        .bind(&p.name.zh)
        .bind(&p.name.en)
        .bind(&p.specification)
        .bind(&p.category)
        .bind(p.unit.as_str())
        .bind(p.standard_cost.minor())
        .bind(p.source.code())
        .bind(i64::from(p.lead_time.days()))
        .bind(p.replacement_cycle.map(|c| i64::from(c.get())))
        .bind(p.criticality.code())
        .bind(date_text(p.lifecycle.end_of_production()))
        .bind(date_text(p.lifecycle.end_of_service()))
        .bind(&p.notes)
        .bind(now.0)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    if n == 0 {
        return Err(crate::StoreError::NotFound(format!("part {id}")));
    }
    Ok(())
}

/// A product model's code and name.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct ModelRef {
    /// Id.
    pub id: i64,
    /// Code.
    pub code: String,
    /// Chinese name.
    pub name_zh: String,
    /// End of production, if past or planned.
    pub end_of_production_on: Option<String>,
}

/// Every product model.
pub async fn models(src: impl Into<Src<'_>>) -> StoreResult<Vec<ModelRef>> {
    let sql = "SELECT id, code, name_zh, end_of_production_on FROM product_models ORDER BY code";
    Ok(on_src!(src.into(), |c| sqlx::query_as(sql)
        .fetch_all(c)
        .await)?)
}

/// A warehouse's code and owner.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct WarehouseRef {
    /// Id.
    pub id: i64,
    /// Code.
    pub code: String,
    /// Name.
    pub name: String,
    /// central / regional / station.
    pub kind: String,
    /// Owning station for station warehouses.
    pub station_id: Option<i64>,
}

impl WarehouseRef {
    /// The owning station, typed.
    pub fn station(&self) -> Option<StationId> {
        self.station_id.map(StationId)
    }
}

/// Every warehouse.
pub async fn warehouses(src: impl Into<Src<'_>>) -> StoreResult<Vec<WarehouseRef>> {
    let sql = "SELECT id, code, name, kind, station_id FROM warehouses ORDER BY code";
    Ok(on_src!(src.into(), |c| sqlx::query_as(sql)
        .fetch_all(c)
        .await)?)
}

/// A where-used row with codes.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct WhereUsedRecord {
    /// Model id.
    pub model_id: i64,
    /// Model code.
    pub model_code: String,
    /// Model name.
    pub model_name: String,
    /// Part id.
    pub part_id: i64,
    /// Part number.
    pub part_number: String,
    /// Part name.
    pub part_name: String,
    /// Quantity per unit.
    pub qty_per_unit: i64,
}

/// Where-used rows, all or for one part or one model.
pub async fn where_used(
    src: impl Into<Src<'_>>,
    part: Option<PartId>,
    model: Option<ProductModelId>,
) -> StoreResult<Vec<WhereUsedRecord>> {
    let sql = "SELECT m.id AS model_id, m.code AS model_code, m.name_zh AS model_name, \
               p.id AS part_id, p.part_number, p.name_zh AS part_name, w.qty_per_unit \
               FROM part_where_used w JOIN product_models m ON m.id = w.product_model_id \
               JOIN parts p ON p.id = w.part_id \
               WHERE ($1 IS NULL OR w.part_id = $1) AND ($2 IS NULL OR w.product_model_id = $2) \
               ORDER BY m.code, p.part_number";
    Ok(on_src!(src.into(), |c| sqlx::query_as(sql)
        .bind(part.map(|p| p.0))
        .bind(model.map(|m| m.0))
        .fetch_all(c)
        .await)?)
}

/// Insert or change a where-used row.
pub async fn upsert_where_used(
    tx: &mut Tx,
    model: ProductModelId,
    part: PartId,
    qty_per_unit: i64,
) -> StoreResult<()> {
    let sql = "INSERT INTO part_where_used (product_model_id, part_id, qty_per_unit) \
               VALUES ($1, $2, $3) ON CONFLICT (product_model_id, part_id) \
               DO UPDATE SET qty_per_unit = excluded.qty_per_unit";
    crate::on_tx!(tx, |c| sqlx::query(sql)
        .bind(model.0)
        .bind(part.0)
        .bind(qty_per_unit)
        .execute(c)
        .await
        .map(|_| ()))?;
    Ok(())
}

/// Remove a where-used row; false if there was none.
pub async fn delete_where_used(
    tx: &mut Tx,
    model: ProductModelId,
    part: PartId,
) -> StoreResult<bool> {
    let sql = "DELETE FROM part_where_used WHERE product_model_id = $1 AND part_id = $2";
    let n = crate::on_tx!(tx, |c| sqlx::query(sql)
        .bind(model.0)
        .bind(part.0)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(n > 0)
}

/// A substitute rule with part numbers.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct SubstituteRecord {
    /// Part replaced.
    pub part_id: i64,
    /// Its number.
    pub part_number: String,
    /// Part fitted instead.
    pub substitute_id: i64,
    /// Its number.
    pub substitute_number: String,
    /// Its name.
    pub substitute_name: String,
    /// one_way / both_ways.
    pub direction: String,
    /// Priority (1 first).
    pub priority: i64,
    /// Instruction.
    pub instruction: String,
}

/// Substitute rules, all or those touching one part (either side).
pub async fn substitutes(
    src: impl Into<Src<'_>>,
    touching: Option<PartId>,
) -> StoreResult<Vec<SubstituteRecord>> {
    let sql = "SELECT s.part_id, a.part_number, s.substitute_id, b.part_number AS substitute_number, \
               b.name_zh AS substitute_name, s.direction, s.priority, s.instruction \
               FROM part_substitutes s JOIN parts a ON a.id = s.part_id \
               JOIN parts b ON b.id = s.substitute_id \
               WHERE ($1 IS NULL OR s.part_id = $1 OR s.substitute_id = $1) \
               ORDER BY a.part_number, s.priority, b.part_number";
    Ok(on_src!(src.into(), |c| sqlx::query_as(sql)
        .bind(touching.map(|p| p.0))
        .fetch_all(c)
        .await)?)
}

/// Insert or change a substitute rule (keyed by the ordered pair).
pub async fn upsert_substitute(
    tx: &mut Tx,
    part: PartId,
    substitute: PartId,
    direction: SubstituteDirection,
    priority: u16,
    instruction: &str,
) -> StoreResult<()> {
    let sql = "INSERT INTO part_substitutes (part_id, substitute_id, direction, priority, instruction) \
               VALUES ($1, $2, $3, $4, $5) ON CONFLICT (part_id, substitute_id) DO UPDATE SET \
               direction = excluded.direction, priority = excluded.priority, \
               instruction = excluded.instruction";
    crate::on_tx!(tx, |c| sqlx::query(sql)
        .bind(part.0)
        .bind(substitute.0)
        .bind(direction.code())
        .bind(i64::from(priority))
        .bind(instruction)
        .execute(c)
        .await
        .map(|_| ()))?;
    Ok(())
}

/// Remove a substitute rule; false if there was none.
pub async fn delete_substitute(tx: &mut Tx, part: PartId, substitute: PartId) -> StoreResult<bool> {
    let sql = "DELETE FROM part_substitutes WHERE part_id = $1 AND substitute_id = $2";
    let n = crate::on_tx!(tx, |c| sqlx::query(sql)
        .bind(part.0)
        .bind(substitute.0)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(n > 0)
}

/// A manual stock-level override with codes.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct LevelRecord {
    /// Warehouse.
    pub warehouse_id: i64,
    /// Its code.
    pub warehouse_code: String,
    /// Its owning station.
    pub station_id: Option<i64>,
    /// Part.
    pub part_id: i64,
    /// Its number.
    pub part_number: String,
    /// Minimum.
    pub min_qty: i64,
    /// Maximum.
    pub max_qty: Option<i64>,
}

/// Level overrides, all or for one part or one warehouse.
pub async fn levels(
    src: impl Into<Src<'_>>,
    part: Option<PartId>,
    warehouse: Option<WarehouseId>,
) -> StoreResult<Vec<LevelRecord>> {
    let sql = "SELECT l.warehouse_id, w.code AS warehouse_code, w.station_id, l.part_id, \
               p.part_number, l.min_qty, l.max_qty \
               FROM part_stock_levels l JOIN warehouses w ON w.id = l.warehouse_id \
               JOIN parts p ON p.id = l.part_id \
               WHERE ($1 IS NULL OR l.part_id = $1) AND ($2 IS NULL OR l.warehouse_id = $2) \
               ORDER BY w.code, p.part_number";
    Ok(on_src!(src.into(), |c| sqlx::query_as(sql)
        .bind(part.map(|p| p.0))
        .bind(warehouse.map(|w| w.0))
        .fetch_all(c)
        .await)?)
}

/// Insert or change a level override.
pub async fn upsert_level(
    tx: &mut Tx,
    warehouse: WarehouseId,
    part: PartId,
    min: i64,
    max: Option<i64>,
) -> StoreResult<()> {
    let sql = "INSERT INTO part_stock_levels (warehouse_id, part_id, min_qty, max_qty) \
               VALUES ($1, $2, $3, $4) ON CONFLICT (warehouse_id, part_id) DO UPDATE SET \
               min_qty = excluded.min_qty, max_qty = excluded.max_qty";
    crate::on_tx!(tx, |c| sqlx::query(sql)
        .bind(warehouse.0)
        .bind(part.0)
        .bind(min)
        .bind(max)
        .execute(c)
        .await
        .map(|_| ()))?;
    Ok(())
}

/// Active suppliers purchases can be placed with (kind `supplier` or `both`), as
/// (id, code).
pub async fn purchase_suppliers(src: impl Into<Src<'_>>) -> StoreResult<Vec<(i64, String)>> {
    let sql = "SELECT id, code FROM suppliers WHERE active AND kind IN ('supplier', 'both') \
               ORDER BY code";
    Ok(on_src!(src.into(), |c| sqlx::query_as(sql)
        .fetch_all(c)
        .await)?)
}

/// Each part's supplier for purchases, as (part id, supplier code): of several, the one
/// planning proposes (the lowest id of the active suppliers of kind `supplier` or `both`,
/// the ones an import accepts, so an export re-imports).
pub async fn part_suppliers(src: impl Into<Src<'_>>) -> StoreResult<Vec<(i64, String)>> {
    let sql = "SELECT v.part_id, s.code FROM part_vendors v JOIN suppliers s ON s.id = v.supplier_id \
               WHERE v.role = 'supplier' AND v.supplier_id = \
               (SELECT MIN(w.supplier_id) FROM part_vendors w JOIN suppliers t ON t.id = w.supplier_id \
                WHERE w.part_id = v.part_id AND w.role = 'supplier' AND t.active \
                AND t.kind IN ('supplier', 'both')) \
               ORDER BY v.part_id";
    Ok(on_src!(src.into(), |c| sqlx::query_as(sql)
        .fetch_all(c)
        .await)?)
}

/// Make `supplier` the part's only supplier for purchases (other supplier links of the
/// part are removed; repair vendors are kept), with the part's lead time.
pub async fn set_part_supplier(
    tx: &mut Tx,
    part: PartId,
    supplier: i64,
    lead_time_days: i64,
) -> StoreResult<()> {
    let delete =
        "DELETE FROM part_vendors WHERE part_id = $1 AND role = 'supplier' AND supplier_id <> $2";
    crate::on_tx!(tx, |c| sqlx::query(delete)
        .bind(part.0)
        .bind(supplier)
        .execute(c)
        .await
        .map(|_| ()))?;
    let insert = "INSERT INTO part_vendors (part_id, supplier_id, role, lead_time_days) \
                  VALUES ($1, $2, 'supplier', $3) ON CONFLICT (part_id, supplier_id, role) \
                  DO UPDATE SET lead_time_days = excluded.lead_time_days";
    crate::on_tx!(tx, |c| sqlx::query(insert)
        .bind(part.0)
        .bind(supplier)
        .bind(lead_time_days)
        .execute(c)
        .await
        .map(|_| ()))?;
    Ok(())
}

/// Remove a level override; false if there was none.
pub async fn delete_level(tx: &mut Tx, warehouse: WarehouseId, part: PartId) -> StoreResult<bool> {
    let sql = "DELETE FROM part_stock_levels WHERE warehouse_id = $1 AND part_id = $2";
    let n = crate::on_tx!(tx, |c| sqlx::query(sql)
        .bind(warehouse.0)
        .bind(part.0)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(n > 0)
}

/// Row counts of the part master tables (tests and the demo summary).
pub async fn master_counts(db: &Db) -> StoreResult<[i64; 4]> {
    let sql = "SELECT (SELECT COUNT(*) FROM parts), (SELECT COUNT(*) FROM part_where_used), \
               (SELECT COUNT(*) FROM part_substitutes), (SELECT COUNT(*) FROM part_stock_levels)";
    let r: (i64, i64, i64, i64) = crate::on_db!(db, |p| sqlx::query_as(sql).fetch_one(p).await)?;
    Ok([r.0, r.1, r.2, r.3])
}

/// Issuable stock of a part in a warehouse that has not been issued since a cutoff.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct SlowRow {
    /// Warehouse.
    pub warehouse_id: i64,
    /// Its code.
    pub warehouse_code: String,
    /// Part.
    pub part_id: i64,
    /// Its number.
    pub part_number: String,
    /// Its name.
    pub part_name: String,
    /// Good + repaired units on the shelf.
    pub qty: i64,
    /// Standard cost per unit, minor units.
    pub unit_cost: i64,
    /// Last issue out of this warehouse, if any.
    pub last_issue: Option<i64>,
}

/// Slow-moving stock: good or repaired units with no issue from their warehouse since
/// `cutoff` (or never), most valuable first.
pub async fn slow_moving(
    db: &Db,
    cutoff: Instant,
    warehouse: Option<WarehouseId>,
    station: Option<StationId>,
    limit: i64,
) -> StoreResult<Vec<SlowRow>> {
    let sql = "SELECT * FROM (SELECT b.warehouse_id, w.code AS warehouse_code, b.part_id, \
               p.part_number, p.name_zh AS part_name, CAST(SUM(b.qty) AS BIGINT) AS qty, \
               p.standard_cost AS unit_cost, \
               (SELECT MAX(m.at) FROM stock_movements m WHERE m.part_id = b.part_id \
                AND m.from_warehouse_id = b.warehouse_id AND m.kind = 'issue') AS last_issue \
               FROM stock_balances b JOIN warehouses w ON w.id = b.warehouse_id \
               JOIN parts p ON p.id = b.part_id \
               WHERE b.kind = 'stock' AND b.condition IN ('good', 'repaired') AND b.qty > 0 \
               AND ($2 IS NULL OR b.warehouse_id = $2) AND ($3 IS NULL OR w.station_id = $3) \
               GROUP BY b.warehouse_id, w.code, b.part_id, p.part_number, p.name_zh, p.standard_cost) s \
               WHERE s.last_issue IS NULL OR s.last_issue < $1 \
               ORDER BY s.qty * s.unit_cost DESC, s.warehouse_code, s.part_number LIMIT $4";
    Ok(crate::on_db!(db, |p| sqlx::query_as(sql)
        .bind(cutoff.0)
        .bind(warehouse.map(|w| w.0))
        .bind(station.map(|s| s.0))
        .bind(limit)
        .fetch_all(p)
        .await)?)
}
