//! The organisation: regions, brands, product lines and models, stations, technicians,
//! warehouses.

use crate::{Db, StoreResult, Tx, on_db, on_tx};
use aftercare_domain::org::{RegionLevel, Tier, WarehouseKind};
use aftercare_domain::{
    BrandId, Instant, ProductLineId, ProductModelId, RegionId, StationId, TechnicianId, WarehouseId,
};

/// A region to insert.
#[derive(Debug, Clone)]
pub struct NewRegion {
    /// Parent region.
    pub parent_id: Option<RegionId>,
    /// Unique code (administrative division code).
    pub code: String,
    /// Chinese name.
    pub name_zh: String,
    /// English / pinyin name.
    pub name_en: String,
    /// Level in the hierarchy.
    pub level: RegionLevel,
    /// SLA tier.
    pub tier: Tier,
}

/// Insert a region.
pub async fn insert_region(tx: &mut Tx, r: &NewRegion) -> StoreResult<RegionId> {
    let id: i64 = on_tx!(tx, |c| {
        sqlx::query_scalar(
        "INSERT INTO regions (parent_id, code, name_zh, name_en, level, tier) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id"
    )
    .bind(r.parent_id.map(|i| i.0))
    .bind(&r.code)
    .bind(&r.name_zh)
    .bind(&r.name_en)
    .bind(r.level.code())
    .bind(r.tier.code())
    .fetch_one(c)
    .await
    })?;
    Ok(RegionId(id))
}

/// Insert a brand customer.
pub async fn insert_brand(
    tx: &mut Tx,
    code: &str,
    name_zh: &str,
    name_en: &str,
    own: bool,
) -> StoreResult<BrandId> {
    let id: i64 = on_tx!(tx, |c| sqlx::query_scalar(
        "INSERT INTO brands (code, name_zh, name_en, own) VALUES ($1, $2, $3, $4) RETURNING id"
    )
    .bind(code)
    .bind(name_zh)
    .bind(name_en)
    .bind(own)
    .fetch_one(c)
    .await)?;
    Ok(BrandId(id))
}

/// Insert a product line.
pub async fn insert_product_line(
    tx: &mut Tx,
    code: &str,
    name_zh: &str,
    name_en: &str,
) -> StoreResult<ProductLineId> {
    let id: i64 = on_tx!(tx, |c| sqlx::query_scalar(
        "INSERT INTO product_lines (code, name_zh, name_en) VALUES ($1, $2, $3) RETURNING id"
    )
    .bind(code)
    .bind(name_zh)
    .bind(name_en)
    .fetch_one(c)
    .await)?;
    Ok(ProductLineId(id))
}

/// A product model to insert.
#[derive(Debug, Clone)]
pub struct NewProductModel {
    /// Unique model code.
    pub code: String,
    /// Chinese name.
    pub name_zh: String,
    /// English name.
    pub name_en: String,
    /// Product line.
    pub product_line_id: ProductLineId,
    /// Brand.
    pub brand_id: BrandId,
    /// Launch date (ISO `YYYY-MM-DD`).
    pub launched_on: Option<String>,
    /// End of production date (ISO).
    pub end_of_production_on: Option<String>,
}

/// Insert a product model.
pub async fn insert_product_model(tx: &mut Tx, m: &NewProductModel) -> StoreResult<ProductModelId> {
    let id: i64 = on_tx!(tx, |c| {
        sqlx::query_scalar(
        "INSERT INTO product_models (code, name_zh, name_en, product_line_id, brand_id, launched_on, end_of_production_on) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id"
    )
    .bind(&m.code)
    .bind(&m.name_zh)
    .bind(&m.name_en)
    .bind(m.product_line_id.0)
    .bind(m.brand_id.0)
    .bind(&m.launched_on)
    .bind(&m.end_of_production_on)
    .fetch_one(c)
    .await
    })?;
    Ok(ProductModelId(id))
}

/// A service station to insert.
#[derive(Debug, Clone)]
pub struct NewStation {
    /// Unique code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Region it sits in.
    pub region_id: RegionId,
    /// Street address.
    pub address: String,
    /// Phone.
    pub phone: String,
    /// Contact person.
    pub contact: String,
    /// Open tickets it can hold.
    pub capacity: i64,
    /// Assessment score 0-100.
    pub score: i64,
    /// Whether it takes tickets.
    pub active: bool,
    /// Regions it covers.
    pub coverage: Vec<RegionId>,
    /// Product lines it services.
    pub product_lines: Vec<ProductLineId>,
}

/// Insert a station with its coverage and product lines.
pub async fn insert_station(tx: &mut Tx, s: &NewStation, now: Instant) -> StoreResult<StationId> {
    let id: i64 = on_tx!(tx, |c| {
        sqlx::query_scalar(
        "INSERT INTO stations (code, name, region_id, address, phone, contact, capacity, score, active, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id"
    )
    .bind(&s.code)
    .bind(&s.name)
    .bind(s.region_id.0)
    .bind(&s.address)
    .bind(&s.phone)
    .bind(&s.contact)
    .bind(s.capacity)
    .bind(s.score)
    .bind(s.active)
    .bind(now.0)
    .fetch_one(c)
    .await
    })?;
    for region in &s.coverage {
        on_tx!(tx, |c| sqlx::query(
            "INSERT INTO station_coverage (station_id, region_id) VALUES ($1, $2)"
        )
        .bind(id)
        .bind(region.0)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    }
    for line in &s.product_lines {
        on_tx!(tx, |c| sqlx::query(
            "INSERT INTO station_product_lines (station_id, product_line_id) VALUES ($1, $2)"
        )
        .bind(id)
        .bind(line.0)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    }
    Ok(StationId(id))
}

/// Insert a technician.
pub async fn insert_technician(
    tx: &mut Tx,
    code: &str,
    station_id: StationId,
    name: &str,
    phone: &str,
    active: bool,
) -> StoreResult<TechnicianId> {
    let id: i64 = on_tx!(tx, |c| {
        sqlx::query_scalar(
        "INSERT INTO technicians (code, station_id, name, phone, active) VALUES ($1, $2, $3, $4, $5) RETURNING id"
    )
    .bind(code)
    .bind(station_id.0)
    .bind(name)
    .bind(phone)
    .bind(active)
    .fetch_one(c)
    .await
    })?;
    Ok(TechnicianId(id))
}

/// A warehouse to insert.
#[derive(Debug, Clone)]
pub struct NewWarehouse {
    /// Unique code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Central, regional or station.
    pub kind: WarehouseKind,
    /// Where it is replenished from.
    pub parent_id: Option<WarehouseId>,
    /// Region it sits in.
    pub region_id: Option<RegionId>,
    /// Owning station (station warehouses only).
    pub station_id: Option<StationId>,
    /// Address.
    pub address: String,
    /// After-sales stock, kept apart from production.
    pub after_sales: bool,
    /// Whether it is in use.
    pub active: bool,
}

/// Insert a warehouse.
pub async fn insert_warehouse(tx: &mut Tx, w: &NewWarehouse) -> StoreResult<WarehouseId> {
    let id: i64 = on_tx!(tx, |c| {
        sqlx::query_scalar(
        "INSERT INTO warehouses (code, name, kind, parent_id, region_id, station_id, address, after_sales, active) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id"
    )
    .bind(&w.code)
    .bind(&w.name)
    .bind(w.kind.code())
    .bind(w.parent_id.map(|i| i.0))
    .bind(w.region_id.map(|i| i.0))
    .bind(w.station_id.map(|i| i.0))
    .bind(&w.address)
    .bind(w.after_sales)
    .bind(w.active)
    .fetch_one(c)
    .await
    })?;
    Ok(WarehouseId(id))
}

/// Tables whose rows have a unique `code` column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Coded {
    /// `regions`.
    Region,
    /// `brands`.
    Brand,
    /// `product_lines`.
    ProductLine,
    /// `product_models`.
    ProductModel,
    /// `stations`.
    Station,
    /// `technicians`.
    Technician,
    /// `warehouses`.
    Warehouse,
}

impl Coded {
    fn table(self) -> &'static str {
        match self {
            Coded::Region => "regions",
            Coded::Brand => "brands",
            Coded::ProductLine => "product_lines",
            Coded::ProductModel => "product_models",
            Coded::Station => "stations",
            Coded::Technician => "technicians",
            Coded::Warehouse => "warehouses",
        }
    }
}

/// The id of the row with this code, if any.
pub async fn id_by_code(db: &Db, kind: Coded, code: &str) -> StoreResult<Option<i64>> {
    let sql = format!("SELECT id FROM {} WHERE code = $1", kind.table());
    Ok(on_db!(db, |p| sqlx::query_scalar(sqlx::AssertSqlSafe(
        sql.as_str()
    ))
    .bind(code)
    .fetch_optional(p)
    .await)?)
}

/// The id of the row with this code, inside a transaction.
pub async fn id_by_code_tx(tx: &mut Tx, kind: Coded, code: &str) -> StoreResult<Option<i64>> {
    let sql = format!("SELECT id FROM {} WHERE code = $1", kind.table());
    Ok(on_tx!(tx, |c| sqlx::query_scalar(sqlx::AssertSqlSafe(
        sql.as_str()
    ))
    .bind(code)
    .fetch_optional(c)
    .await)?)
}

/// A station as listed in the UI and API.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, sqlx::FromRow)]
pub struct StationSummary {
    /// Id.
    pub id: i64,
    /// Code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Region name.
    pub region: String,
    /// Region tier.
    pub tier: String,
    /// Capacity.
    pub capacity: i64,
    /// Score.
    pub score: i64,
    /// Active flag.
    pub active: bool,
    /// Number of technicians.
    pub technicians: i64,
}

/// Stations, optionally only one (tenant scope), by code.
pub async fn list_stations(db: &Db, only: Option<StationId>) -> StoreResult<Vec<StationSummary>> {
    let sql = "SELECT s.id, s.code, s.name, r.name_zh AS region, r.tier, s.capacity, s.score, s.active, \
                 (SELECT COUNT(*) FROM technicians t WHERE t.station_id = s.id) AS technicians \
               FROM stations s JOIN regions r ON r.id = s.region_id \
               WHERE ($1 IS NULL OR s.id = $1) ORDER BY s.code";
    Ok(on_db!(db, |p| sqlx::query_as(sql)
        .bind(only.map(|s| s.0))
        .fetch_all(p)
        .await)?)
}

/// A warehouse as listed.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, sqlx::FromRow)]
pub struct WarehouseSummary {
    /// Id.
    pub id: i64,
    /// Code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Kind code.
    pub kind: String,
    /// Parent code.
    pub parent_code: Option<String>,
    /// Owning station id.
    pub station_id: Option<i64>,
    /// Active.
    pub active: bool,
}

/// Warehouses, optionally only a station's own, by kind then code.
pub async fn list_warehouses(
    db: &Db,
    only_station: Option<StationId>,
) -> StoreResult<Vec<WarehouseSummary>> {
    let sql = "SELECT w.id, w.code, w.name, w.kind, p.code AS parent_code, w.station_id, w.active \
               FROM warehouses w LEFT JOIN warehouses p ON p.id = w.parent_id \
               WHERE ($1 IS NULL OR w.station_id = $1) \
               ORDER BY CASE w.kind WHEN 'central' THEN 0 WHEN 'regional' THEN 1 ELSE 2 END, w.code";
    Ok(on_db!(db, |p| sqlx::query_as(sql)
        .bind(only_station.map(|s| s.0))
        .fetch_all(p)
        .await)?)
}

/// Row counts of the organisation tables, for the dashboard and demo summary.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct OrgCounts {
    /// Regions.
    pub regions: i64,
    /// Stations.
    pub stations: i64,
    /// Technicians.
    pub technicians: i64,
    /// Warehouses.
    pub warehouses: i64,
    /// Product models.
    pub product_models: i64,
    /// Brands.
    pub brands: i64,
}

/// Count the organisation's rows.
pub async fn counts(db: &Db) -> StoreResult<OrgCounts> {
    let sql = "SELECT (SELECT COUNT(*) FROM regions), (SELECT COUNT(*) FROM stations), \
               (SELECT COUNT(*) FROM technicians), (SELECT COUNT(*) FROM warehouses), \
               (SELECT COUNT(*) FROM product_models), (SELECT COUNT(*) FROM brands)";
    let r: (i64, i64, i64, i64, i64, i64) = on_db!(db, |p| sqlx::query_as(sql).fetch_one(p).await)?;
    Ok(OrgCounts {
        regions: r.0,
        stations: r.1,
        technicians: r.2,
        warehouses: r.3,
        product_models: r.4,
        brands: r.5,
    })
}
