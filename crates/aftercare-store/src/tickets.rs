//! Service tickets and what they are about: customers (phones, addresses), installed units,
//! warranty policies and brand contracts, fault codes, ticket settings, tickets with their
//! timeline, callbacks and SLA breaches.
//!
//! SQL never decides a business rule here: the state machine runs in the domain and this
//! module stores its result. Ticket updates are guarded by the `version` column
//! (optimistic concurrency): an update whose version no longer matches is a `Conflict`.

use crate::{Db, StoreError, StoreResult, Tx, on_db, on_tx};
use aftercare_domain::customer::{AddressInput, PurchaseChannel, ValidUnit};
use aftercare_domain::dispatch::{CandidateStation, PathRegion};
use aftercare_domain::org::{RegionLevel, Tier};
use aftercare_domain::phone::PhoneNumber;
use aftercare_domain::sla::{SlaConfig, SlaDeadlines, SlaKind, TierSla};
use aftercare_domain::ticket::{
    Actor as TicketActor, Appointment, Channel, Milestones, PriorCompletion, Priority,
    RepeatWindow, TicketRules, TicketState, TicketStatus, TicketType, TimelineEntry,
};
use aftercare_domain::warranty::{
    BrandContract, TermsOverride, WarrantyDetermination, WarrantyStatus, WarrantyTerms,
};
use aftercare_domain::{
    BrandId, CustomerId, FaultCodeId, Instant, ProductLineId, ProductModelId, RegionId, Role,
    StationId, TechnicianId, TicketId, UnitId, UserId,
};
use chrono::NaiveDate;
use serde::Serialize;

fn bad(what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Database(format!("stored {what} is invalid: {e}"))
}

fn date_of(text: Option<String>) -> StoreResult<Option<NaiveDate>> {
    text.map(|t| NaiveDate::parse_from_str(&t, "%Y-%m-%d").map_err(|e| bad("date", e)))
        .transpose()
}

fn u32_of(v: i64, what: &str) -> StoreResult<u32> {
    u32::try_from(v).map_err(|e| bad(what, e))
}

// ---------------------------------------------------------------------------------------
// Settings

/// The ticket settings: SLA windows per tier and the ticket rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, Default)]
pub struct TicketSettings {
    /// SLA windows per tier and the at-risk share.
    pub sla: SlaConfig,
    /// Accept timeout and repeat window.
    pub rules: TicketRules,
}

/// The ticket settings (defaults when never saved).
pub async fn get_settings(db: &Db) -> StoreResult<TicketSettings> {
    type R = (i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64);
    let row: Option<R> = on_db!(db, |p| sqlx::query_as(
        "SELECT accept_timeout_minutes, repeat_window_days, at_risk_percent, \
         urban_first_response_minutes, urban_on_site_minutes, urban_completion_minutes, \
         township_first_response_minutes, township_on_site_minutes, township_completion_minutes, \
         remote_first_response_minutes, remote_on_site_minutes, remote_completion_minutes \
         FROM ticket_settings WHERE id = 1"
    )
    .fetch_optional(p)
    .await)?;
    let Some(r) = row else {
        return Ok(TicketSettings::default());
    };
    let tier = |a: i64, b: i64, c: i64| -> StoreResult<TierSla> {
        Ok(TierSla {
            first_response_minutes: u32_of(a, "SLA minutes")?,
            on_site_minutes: u32_of(b, "SLA minutes")?,
            completion_minutes: u32_of(c, "SLA minutes")?,
        })
    };
    Ok(TicketSettings {
        sla: SlaConfig {
            urban: tier(r.3, r.4, r.5)?,
            township: tier(r.6, r.7, r.8)?,
            remote: tier(r.9, r.10, r.11)?,
            at_risk_percent: u8::try_from(r.2).map_err(|e| bad("at-risk percent", e))?,
        },
        rules: TicketRules {
            accept_timeout_minutes: u32_of(r.0, "accept timeout")?,
            repeat_window: RepeatWindow::days(u32_of(r.1, "repeat window")?),
        },
    })
}

/// Save the ticket settings.
pub async fn put_settings(tx: &mut Tx, s: &TicketSettings, now: Instant) -> StoreResult<()> {
    let m = |t: &TierSla, k| i64::from(t.minutes(k));
    let (u, t, r) = (&s.sla.urban, &s.sla.township, &s.sla.remote);
    on_tx!(tx, |c| {
        sqlx::query(
        "INSERT INTO ticket_settings (id, accept_timeout_minutes, repeat_window_days, at_risk_percent, \
         urban_first_response_minutes, urban_on_site_minutes, urban_completion_minutes, \
         township_first_response_minutes, township_on_site_minutes, township_completion_minutes, \
         remote_first_response_minutes, remote_on_site_minutes, remote_completion_minutes, updated_at) \
         VALUES (1, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) \
         ON CONFLICT (id) DO UPDATE SET accept_timeout_minutes = excluded.accept_timeout_minutes, \
         repeat_window_days = excluded.repeat_window_days, at_risk_percent = excluded.at_risk_percent, \
         urban_first_response_minutes = excluded.urban_first_response_minutes, \
         urban_on_site_minutes = excluded.urban_on_site_minutes, \
         urban_completion_minutes = excluded.urban_completion_minutes, \
         township_first_response_minutes = excluded.township_first_response_minutes, \
         township_on_site_minutes = excluded.township_on_site_minutes, \
         township_completion_minutes = excluded.township_completion_minutes, \
         remote_first_response_minutes = excluded.remote_first_response_minutes, \
         remote_on_site_minutes = excluded.remote_on_site_minutes, \
         remote_completion_minutes = excluded.remote_completion_minutes, updated_at = excluded.updated_at"
    )
    .bind(i64::from(s.rules.accept_timeout_minutes))
    .bind(i64::from(s.rules.repeat_window.days))
    .bind(i64::from(s.sla.at_risk_percent))
    .bind(m(u, SlaKind::FirstResponse))
    .bind(m(u, SlaKind::OnSite))
    .bind(m(u, SlaKind::Completion))
    .bind(m(t, SlaKind::FirstResponse))
    .bind(m(t, SlaKind::OnSite))
    .bind(m(t, SlaKind::Completion))
    .bind(m(r, SlaKind::FirstResponse))
    .bind(m(r, SlaKind::OnSite))
    .bind(m(r, SlaKind::Completion))
    .bind(now.0)
    .execute(c)
    .await
    .map(|r| r.rows_affected())
    })?;
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Customers

/// A stored phone number of a customer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PhoneRecord {
    /// National digits (the search key).
    pub digits: String,
    /// Extension, if any.
    pub extension: Option<String>,
    /// `mobile` or `landline`.
    pub kind: String,
}

/// A stored address of a customer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AddressRecord {
    /// Id.
    pub id: i64,
    /// Region.
    pub region_id: RegionId,
    /// Region name (Chinese) for display.
    pub region_name: String,
    /// The region's tier.
    pub tier: Tier,
    /// Street, building, flat.
    pub detail: String,
}

/// A customer with phones and addresses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CustomerRecord {
    /// Id.
    pub id: CustomerId,
    /// Name.
    pub name: String,
    /// Phones in the order given.
    pub phones: Vec<PhoneRecord>,
    /// Addresses in the order given.
    pub addresses: Vec<AddressRecord>,
    /// When created.
    pub created_at: Instant,
}

/// Insert a customer with its (already validated) phones and addresses.
pub async fn insert_customer(
    tx: &mut Tx,
    name: &str,
    phones: &[PhoneNumber],
    addresses: &[AddressInput],
    now: Instant,
) -> StoreResult<CustomerId> {
    let id: i64 = on_tx!(tx, |c| sqlx::query_scalar(
        "INSERT INTO customers (name, created_at, updated_at) VALUES ($1, $2, $2) RETURNING id"
    )
    .bind(name)
    .bind(now.0)
    .fetch_one(c)
    .await)?;
    for (i, p) in phones.iter().enumerate() {
        on_tx!(tx, |c| {
            sqlx::query(
            "INSERT INTO customer_phones (customer_id, digits, extension, kind, position) VALUES ($1, $2, $3, $4, $5)"
        )
        .bind(id)
        .bind(p.digits())
        .bind(p.extension())
        .bind(p.kind().code())
        .bind(i as i64)
        .execute(c)
        .await
        .map(|r| r.rows_affected())
        })?;
    }
    for (i, a) in addresses.iter().enumerate() {
        on_tx!(tx, |c| {
            sqlx::query(
            "INSERT INTO customer_addresses (customer_id, region_id, detail, position) VALUES ($1, $2, $3, $4)"
        )
        .bind(id)
        .bind(a.region.0)
        .bind(&a.detail)
        .bind(i as i64)
        .execute(c)
        .await
        .map(|r| r.rows_affected())
        })?;
    }
    Ok(CustomerId(id))
}

/// Customers having the phone number with these national digits.
pub async fn customers_by_phone(db: &Db, digits: &str) -> StoreResult<Vec<CustomerId>> {
    let ids: Vec<i64> = on_db!(db, |p| {
        sqlx::query_scalar(
        "SELECT DISTINCT customer_id FROM customer_phones WHERE digits = $1 ORDER BY customer_id"
    )
    .bind(digits)
    .fetch_all(p)
    .await
    })?;
    Ok(ids.into_iter().map(CustomerId).collect())
}

/// A customer by id.
pub async fn get_customer(db: &Db, id: CustomerId) -> StoreResult<Option<CustomerRecord>> {
    let row: Option<(String, i64)> = on_db!(db, |p| sqlx::query_as(
        "SELECT name, created_at FROM customers WHERE id = $1"
    )
    .bind(id.0)
    .fetch_optional(p)
    .await)?;
    let Some((name, created_at)) = row else {
        return Ok(None);
    };
    let phones: Vec<(String, Option<String>, String)> = on_db!(db, |p| {
        sqlx::query_as(
        "SELECT digits, extension, kind FROM customer_phones WHERE customer_id = $1 ORDER BY position"
    )
    .bind(id.0)
    .fetch_all(p)
    .await
    })?;
    let addresses: Vec<(i64, i64, String, String, String)> = on_db!(db, |p| sqlx::query_as(
        "SELECT a.id, a.region_id, r.name_zh, r.tier, a.detail FROM customer_addresses a \
         JOIN regions r ON r.id = a.region_id WHERE a.customer_id = $1 ORDER BY a.position"
    )
    .bind(id.0)
    .fetch_all(p)
    .await)?;
    Ok(Some(CustomerRecord {
        id,
        name,
        phones: phones
            .into_iter()
            .map(|(digits, extension, kind)| PhoneRecord {
                digits,
                extension,
                kind,
            })
            .collect(),
        addresses: addresses
            .into_iter()
            .map(|(id, region, region_name, tier, detail)| {
                Ok(AddressRecord {
                    id,
                    region_id: RegionId(region),
                    region_name,
                    tier: Tier::parse(&tier).ok_or_else(|| bad("tier", &tier))?,
                    detail,
                })
            })
            .collect::<StoreResult<Vec<_>>>()?,
        created_at: Instant(created_at),
    }))
}

/// Whether the station holds (or held) a ticket of this customer; the tenancy rule for
/// station users looking at customers.
pub async fn station_serves_customer(
    db: &Db,
    station: StationId,
    customer: CustomerId,
) -> StoreResult<bool> {
    let n: i64 = on_db!(db, |p| sqlx::query_scalar(
        "SELECT COUNT(*) FROM tickets WHERE customer_id = $1 AND station_id = $2"
    )
    .bind(customer.0)
    .bind(station.0)
    .fetch_one(p)
    .await)?;
    Ok(n > 0)
}

/// Whether the station holds (or held) a ticket of this unit.
pub async fn station_serves_unit(db: &Db, station: StationId, unit: UnitId) -> StoreResult<bool> {
    let n: i64 = on_db!(db, |p| sqlx::query_scalar(
        "SELECT COUNT(*) FROM tickets WHERE unit_id = $1 AND station_id = $2"
    )
    .bind(unit.0)
    .bind(station.0)
    .fetch_one(p)
    .await)?;
    Ok(n > 0)
}

// ---------------------------------------------------------------------------------------
// Units

/// An installed unit with its model.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnitRecord {
    /// Id.
    pub id: UnitId,
    /// Serial number (normalised).
    pub serial: String,
    /// Model.
    pub model_id: ProductModelId,
    /// Model code.
    pub model_code: String,
    /// Model name (Chinese).
    pub model_name: String,
    /// The model's product line.
    pub product_line_id: ProductLineId,
    /// The model's brand.
    pub brand_id: BrandId,
    /// Purchase date.
    pub purchase_date: Option<NaiveDate>,
    /// Where bought.
    pub purchase_channel: Option<PurchaseChannel>,
    /// Production batch.
    pub production_batch: Option<String>,
    /// Owner.
    pub customer_id: CustomerId,
}

#[derive(sqlx::FromRow)]
struct UnitRow {
    id: i64,
    serial: String,
    model_id: i64,
    model_code: String,
    model_name: String,
    product_line_id: i64,
    brand_id: i64,
    purchase_date: Option<String>,
    purchase_channel: Option<String>,
    production_batch: Option<String>,
    customer_id: i64,
}

impl UnitRow {
    fn into_record(self) -> StoreResult<UnitRecord> {
        Ok(UnitRecord {
            id: UnitId(self.id),
            serial: self.serial,
            model_id: ProductModelId(self.model_id),
            model_code: self.model_code,
            model_name: self.model_name,
            product_line_id: ProductLineId(self.product_line_id),
            brand_id: BrandId(self.brand_id),
            purchase_date: date_of(self.purchase_date)?,
            purchase_channel: self
                .purchase_channel
                .map(|c| PurchaseChannel::parse(&c).map_err(|e| bad("purchase channel", e)))
                .transpose()?,
            production_batch: self.production_batch,
            customer_id: CustomerId(self.customer_id),
        })
    }
}

const UNIT_SELECT: &str = "SELECT u.id, u.serial, u.model_id, m.code AS model_code, m.name_zh AS model_name, \
     m.product_line_id, m.brand_id, u.purchase_date, u.purchase_channel, u.production_batch, u.customer_id \
     FROM units u JOIN product_models m ON m.id = u.model_id";

/// Insert a unit; a serial already used for the model is a `Conflict`.
pub async fn insert_unit(
    tx: &mut Tx,
    unit: &ValidUnit,
    owner: CustomerId,
    now: Instant,
) -> StoreResult<UnitId> {
    let id: i64 = on_tx!(tx, |c| sqlx::query_scalar(
        "INSERT INTO units (model_id, serial, purchase_date, purchase_channel, production_batch, customer_id, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id"
    )
    .bind(unit.model.0)
    .bind(&unit.serial)
    .bind(unit.purchase_date.map(|d| d.to_string()))
    .bind(unit.purchase_channel.map(|c| c.code()))
    .bind(&unit.production_batch)
    .bind(owner.0)
    .bind(now.0)
    .fetch_one(c)
    .await)
    .map_err(|e| match StoreError::from(e) {
        StoreError::Conflict(_) => StoreError::Conflict(format!(
            "serial '{}' is already registered for this model",
            unit.serial
        )),
        other => other,
    })?;
    Ok(UnitId(id))
}

/// The customer, region and tier of an address.
pub async fn address_facts(
    db: &Db,
    address: i64,
) -> StoreResult<Option<(CustomerId, RegionId, Tier)>> {
    let row: Option<(i64, i64, String)> = on_db!(db, |p| {
        sqlx::query_as(
        "SELECT a.customer_id, a.region_id, r.tier FROM customer_addresses a JOIN regions r ON r.id = a.region_id WHERE a.id = $1"
    )
    .bind(address)
    .fetch_optional(p)
    .await
    })?;
    row.map(|(c, r, t)| {
        Ok((
            CustomerId(c),
            RegionId(r),
            Tier::parse(&t).ok_or_else(|| bad("tier", &t))?,
        ))
    })
    .transpose()
}

/// Names of stations by id.
pub async fn station_names(
    db: &Db,
    ids: &[StationId],
) -> StoreResult<std::collections::HashMap<StationId, String>> {
    if ids.is_empty() {
        return Ok(Default::default());
    }
    let list = ids
        .iter()
        .map(|s| s.0.to_string())
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!("SELECT id, name FROM stations WHERE id IN ({list})");
    let rows: Vec<(i64, String)> =
        on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
            .fetch_all(p)
            .await)?;
    Ok(rows.into_iter().map(|(i, n)| (StationId(i), n)).collect())
}

/// Whether a product model exists.
pub async fn model_exists(db: &Db, model: ProductModelId) -> StoreResult<bool> {
    let n: i64 = on_db!(db, |p| sqlx::query_scalar(
        "SELECT COUNT(*) FROM product_models WHERE id = $1"
    )
    .bind(model.0)
    .fetch_one(p)
    .await)?;
    Ok(n > 0)
}

/// A unit by id.
pub async fn get_unit(db: &Db, id: UnitId) -> StoreResult<Option<UnitRecord>> {
    let sql = format!("{UNIT_SELECT} WHERE u.id = $1");
    let row: Option<UnitRow> = on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(id.0)
        .fetch_optional(p)
        .await)?;
    row.map(UnitRow::into_record).transpose()
}

/// Units with this (normalised) serial, any model.
pub async fn units_by_serial(db: &Db, serial: &str) -> StoreResult<Vec<UnitRecord>> {
    let sql = format!("{UNIT_SELECT} WHERE u.serial = $1 ORDER BY u.id");
    let rows: Vec<UnitRow> = on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(serial)
        .fetch_all(p)
        .await)?;
    rows.into_iter().map(UnitRow::into_record).collect()
}

/// Units owned by a customer.
pub async fn units_of_customer(db: &Db, customer: CustomerId) -> StoreResult<Vec<UnitRecord>> {
    let sql = format!("{UNIT_SELECT} WHERE u.customer_id = $1 ORDER BY u.id");
    let rows: Vec<UnitRow> = on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(customer.0)
        .fetch_all(p)
        .await)?;
    rows.into_iter().map(UnitRow::into_record).collect()
}

// ---------------------------------------------------------------------------------------
// Warranty and fault codes

/// Set the warranty policy of a product category (line).
pub async fn put_policy(tx: &mut Tx, line: ProductLineId, t: &WarrantyTerms) -> StoreResult<()> {
    on_tx!(tx, |c| {
        sqlx::query(
        "INSERT INTO warranty_policies (product_line_id, unit_months, key_parts_months, labour_months) \
         VALUES ($1, $2, $3, $4) ON CONFLICT (product_line_id) DO UPDATE SET \
         unit_months = excluded.unit_months, key_parts_months = excluded.key_parts_months, \
         labour_months = excluded.labour_months"
    )
    .bind(line.0)
    .bind(i64::from(t.unit_months))
    .bind(i64::from(t.key_parts_months))
    .bind(i64::from(t.labour_months))
    .execute(c)
    .await
    .map(|r| r.rows_affected())
    })?;
    Ok(())
}

/// Set a brand's contract (overrides or buy-out).
pub async fn put_contract(tx: &mut Tx, k: &BrandContract) -> StoreResult<()> {
    on_tx!(tx, |c| {
        sqlx::query(
        "INSERT INTO brand_contracts (brand_id, unit_months, key_parts_months, labour_months, buy_out) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (brand_id) DO UPDATE SET \
         unit_months = excluded.unit_months, key_parts_months = excluded.key_parts_months, \
         labour_months = excluded.labour_months, buy_out = excluded.buy_out"
    )
    .bind(k.brand.0)
    .bind(k.overrides.unit_months.map(i64::from))
    .bind(k.overrides.key_parts_months.map(i64::from))
    .bind(k.overrides.labour_months.map(i64::from))
    .bind(k.buy_out)
    .execute(c)
    .await
    .map(|r| r.rows_affected())
    })?;
    Ok(())
}

/// The policy of a product line, if configured.
pub async fn policy_for_line(db: &Db, line: ProductLineId) -> StoreResult<Option<WarrantyTerms>> {
    let row: Option<(i64, i64, i64)> = on_db!(db, |p| {
        sqlx::query_as(
        "SELECT unit_months, key_parts_months, labour_months FROM warranty_policies WHERE product_line_id = $1"
    )
    .bind(line.0)
    .fetch_optional(p)
    .await
    })?;
    row.map(|(u, k, l)| {
        Ok(WarrantyTerms {
            unit_months: u32_of(u, "warranty months")?,
            key_parts_months: u32_of(k, "warranty months")?,
            labour_months: u32_of(l, "warranty months")?,
        })
    })
    .transpose()
}

/// The contract of a brand, if any.
pub async fn contract_for_brand(db: &Db, brand: BrandId) -> StoreResult<Option<BrandContract>> {
    type Terms = (Option<i64>, Option<i64>, Option<i64>, bool);
    let row: Option<Terms> = on_db!(db, |p| {
        sqlx::query_as(
        "SELECT unit_months, key_parts_months, labour_months, buy_out FROM brand_contracts WHERE brand_id = $1"
    )
    .bind(brand.0)
    .fetch_optional(p)
    .await
    })?;
    row.map(|(u, k, l, buy_out)| {
        let m = |v: Option<i64>| v.map(|v| u32_of(v, "warranty months")).transpose();
        Ok(BrandContract {
            brand,
            overrides: TermsOverride {
                unit_months: m(u)?,
                key_parts_months: m(k)?,
                labour_months: m(l)?,
            },
            buy_out,
        })
    })
    .transpose()
}

/// A fault code of a product line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FaultCodeRecord {
    /// Id.
    pub id: FaultCodeId,
    /// Product line.
    pub product_line_id: ProductLineId,
    /// Code, e.g. `TV-E01`.
    pub code: String,
    /// Chinese name.
    pub name_zh: String,
    /// English name.
    pub name_en: String,
}

/// Add a fault code to a product line's list.
pub async fn insert_fault_code(
    tx: &mut Tx,
    line: ProductLineId,
    code: &str,
    name_zh: &str,
    name_en: &str,
) -> StoreResult<FaultCodeId> {
    let id: i64 = on_tx!(tx, |c| {
        sqlx::query_scalar(
        "INSERT INTO fault_codes (product_line_id, code, name_zh, name_en) VALUES ($1, $2, $3, $4) RETURNING id"
    )
    .bind(line.0)
    .bind(code)
    .bind(name_zh)
    .bind(name_en)
    .fetch_one(c)
    .await
    })?;
    Ok(FaultCodeId(id))
}

/// The fault codes of a product line (all lines when `None`).
pub async fn fault_codes(
    db: &Db,
    line: Option<ProductLineId>,
) -> StoreResult<Vec<FaultCodeRecord>> {
    let rows: Vec<(i64, i64, String, String, String)> = on_db!(db, |p| sqlx::query_as(
        "SELECT id, product_line_id, code, name_zh, name_en FROM fault_codes \
         WHERE $1 IS NULL OR product_line_id = $1 ORDER BY product_line_id, code"
    )
    .bind(line.map(|l| l.0))
    .fetch_all(p)
    .await)?;
    Ok(rows
        .into_iter()
        .map(|(id, l, code, name_zh, name_en)| FaultCodeRecord {
            id: FaultCodeId(id),
            product_line_id: ProductLineId(l),
            code,
            name_zh,
            name_en,
        })
        .collect())
}

/// The product line of a fault code.
pub async fn fault_code_line(db: &Db, id: FaultCodeId) -> StoreResult<Option<ProductLineId>> {
    let l: Option<i64> = on_db!(db, |p| sqlx::query_scalar(
        "SELECT product_line_id FROM fault_codes WHERE id = $1"
    )
    .bind(id.0)
    .fetch_optional(p)
    .await)?;
    Ok(l.map(ProductLineId))
}

// ---------------------------------------------------------------------------------------
// Regions and dispatch candidates

/// The region and its ancestors, most specific first.
pub async fn region_path(db: &Db, region: RegionId) -> StoreResult<Vec<PathRegion>> {
    let rows: Vec<(i64, String)> = on_db!(db, |p| {
        sqlx::query_as(
        "WITH RECURSIVE path (id, parent_id, level, depth) AS ( \
           SELECT id, parent_id, level, 0 FROM regions WHERE id = $1 \
           UNION ALL SELECT r.id, r.parent_id, r.level, path.depth + 1 FROM regions r JOIN path ON r.id = path.parent_id) \
         SELECT id, level FROM path ORDER BY depth"
    )
    .bind(region.0)
    .fetch_all(p)
    .await
    })?;
    rows.into_iter()
        .map(|(id, level)| {
            Ok(PathRegion {
                id: RegionId(id),
                level: RegionLevel::parse(&level).ok_or_else(|| bad("region level", &level))?,
            })
        })
        .collect()
}

/// A ticket's region path (most specific first) and the stations covering any region of
/// it, with their coverage within the path, product lines and open load, in one statement:
/// intake runs this for every auto-dispatched ticket. The open load comes from
/// `station_open_loads`, which triggers keep equal to the tickets a station holds.
pub async fn dispatch_view(
    db: &Db,
    region: RegionId,
) -> StoreResult<(Vec<PathRegion>, Vec<CandidateStation>)> {
    type R = (
        i64,
        String,
        Option<i64>,
        Option<i64>,
        Option<i64>,
        Option<bool>,
        i64,
        Option<i64>,
    );
    let rows: Vec<R> = on_db!(db, |p| {
        sqlx::query_as(
        "WITH RECURSIVE path (id, parent_id, level, depth) AS ( \
           SELECT id, parent_id, level, 0 FROM regions WHERE id = $1 \
           UNION ALL SELECT r.id, r.parent_id, r.level, path.depth + 1 FROM regions r JOIN path ON r.id = path.parent_id) \
         SELECT path.id, path.level, s.id, s.capacity, s.score, s.active, COALESCE(l.held, 0), pl.product_line_id \
         FROM path \
         LEFT JOIN station_coverage c ON c.region_id = path.id \
         LEFT JOIN stations s ON s.id = c.station_id \
         LEFT JOIN station_open_loads l ON l.station_id = s.id \
         LEFT JOIN station_product_lines pl ON pl.station_id = s.id \
         ORDER BY path.depth, s.id, pl.product_line_id"
    )
    .bind(region.0)
    .fetch_all(p)
    .await
    })?;
    let mut path: Vec<PathRegion> = Vec::new();
    let mut stations: Vec<CandidateStation> = Vec::new();
    for (region, level, station, capacity, score, active, load, line) in rows {
        let region = RegionId(region);
        if path.last().is_none_or(|r| r.id != region) {
            path.push(PathRegion {
                id: region,
                level: RegionLevel::parse(&level).ok_or_else(|| bad("region level", &level))?,
            });
        }
        let Some(station) = station.map(StationId) else {
            continue;
        };
        let c = match stations.iter().position(|c| c.id == station) {
            Some(i) => &mut stations[i],
            None => {
                stations.push(CandidateStation {
                    id: station,
                    regions: Vec::new(),
                    product_lines: Vec::new(),
                    capacity: u32::try_from(capacity.unwrap_or(0)).unwrap_or(0),
                    open_load: u32::try_from(load).unwrap_or(u32::MAX),
                    score: u8::try_from(score.unwrap_or(0).clamp(0, 100)).unwrap_or(0),
                    active: active.unwrap_or(false),
                });
                stations.last_mut().expect("just pushed")
            }
        };
        if !c.regions.contains(&region) {
            c.regions.push(region);
        }
        if let Some(line) = line.map(ProductLineId)
            && !c.product_lines.contains(&line)
        {
            c.product_lines.push(line);
        }
    }
    stations.sort_by_key(|c| c.id.0);
    Ok((path, stations))
}

/// Stations whose kept open load (`station_open_loads`) differs from a count of the tickets
/// they hold, as (station, kept, counted); empty when the triggers kept it right.
pub async fn open_load_drift(db: &Db) -> StoreResult<Vec<(StationId, i64, i64)>> {
    let rows: Vec<(i64, i64, i64)> = on_db!(db, |p| {
        sqlx::query_as(
        "SELECT s.id, COALESCE(l.held, 0), \
           (SELECT COUNT(*) FROM tickets t WHERE t.station_id = s.id \
              AND t.status IN ('dispatched', 'accepted', 'scheduled', 'on_site', 'waiting_for_parts')) \
         FROM stations s LEFT JOIN station_open_loads l ON l.station_id = s.id ORDER BY s.id"
    )
    .fetch_all(p)
    .await
    })?;
    Ok(rows
        .into_iter()
        .filter(|(_, kept, counted)| kept != counted)
        .map(|(s, kept, counted)| (StationId(s), kept, counted))
        .collect())
}

/// Whether the technician works for the station (and is active).
pub async fn technician_station(
    db: &Db,
    t: TechnicianId,
) -> StoreResult<Option<(StationId, bool)>> {
    let row: Option<(i64, bool)> = on_db!(db, |p| sqlx::query_as(
        "SELECT station_id, active FROM technicians WHERE id = $1"
    )
    .bind(t.0)
    .fetch_optional(p)
    .await)?;
    Ok(row.map(|(s, a)| (StationId(s), a)))
}

// ---------------------------------------------------------------------------------------
// Tickets

/// The next sequence number of the day `day` (a local date), starting at 1.
pub async fn next_sequence(tx: &mut Tx, day: NaiveDate) -> StoreResult<u32> {
    let n: i64 = on_tx!(tx, |c| sqlx::query_scalar(
        "INSERT INTO ticket_sequences (day, last) VALUES ($1, 1) \
         ON CONFLICT (day) DO UPDATE SET last = ticket_sequences.last + 1 RETURNING last"
    )
    .bind(day.to_string())
    .fetch_one(c)
    .await)?;
    u32_of(n, "ticket sequence")
}

/// A ticket to insert (its state is the intake state).
#[derive(Debug, Clone)]
pub struct NewTicket {
    /// Number, e.g. `T20261122-000123`.
    pub number: String,
    /// Type.
    pub ticket_type: TicketType,
    /// Channel.
    pub channel: Channel,
    /// Priority.
    pub priority: Priority,
    /// Customer.
    pub customer_id: CustomerId,
    /// Unit.
    pub unit_id: UnitId,
    /// The unit's product line.
    pub product_line_id: ProductLineId,
    /// The visit address.
    pub address_id: i64,
    /// Its region.
    pub region_id: RegionId,
    /// The region's tier.
    pub tier: Tier,
    /// Fault as described.
    pub fault_description: String,
    /// Fault code reported at intake.
    pub reported_fault_code: Option<FaultCodeId>,
    /// Warranty determination.
    pub warranty: WarrantyDetermination,
    /// The ticket this repeats.
    pub repeat_of: Option<PriorCompletion>,
    /// SLA deadlines.
    pub deadlines: SlaDeadlines,
    /// Who took it in.
    pub created_by: Option<UserId>,
}

/// A stored ticket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TicketRecord {
    /// Id.
    pub id: TicketId,
    /// Number.
    pub number: String,
    /// Type.
    pub ticket_type: TicketType,
    /// Channel.
    pub channel: Channel,
    /// Priority.
    pub priority: Priority,
    /// Customer.
    pub customer_id: CustomerId,
    /// Unit.
    pub unit_id: UnitId,
    /// Product line.
    pub product_line_id: ProductLineId,
    /// Visit address.
    pub address_id: i64,
    /// Region.
    pub region_id: RegionId,
    /// Tier.
    pub tier: Tier,
    /// Fault description.
    pub fault_description: String,
    /// Fault code reported at intake.
    pub reported_fault_code: Option<FaultCodeId>,
    /// Warranty status.
    pub warranty_status: WarrantyStatus,
    /// Why (human text).
    pub warranty_reason: String,
    /// The full determination.
    pub warranty: WarrantyDetermination,
    /// The earlier ticket this repeats.
    pub repeat_of: Option<TicketId>,
    /// The station whose work is repeated.
    pub repeat_of_station: Option<StationId>,
    /// State-machine fields.
    pub state: TicketState,
    /// Work done as reported at completion.
    pub actions_taken: Option<String>,
    /// Labour minutes reported at completion.
    pub labour_minutes: Option<i64>,
    /// SLA deadlines.
    pub deadlines: SlaDeadlines,
    /// At risk at the last sweep.
    pub sla_at_risk: bool,
    /// Breached at the last sweep.
    pub sla_breached: bool,
    /// When created.
    pub created_at: Instant,
    /// By whom.
    pub created_by: Option<UserId>,
    /// Optimistic-concurrency version.
    pub version: i64,
}

#[derive(sqlx::FromRow)]
struct TicketRow {
    id: i64,
    number: String,
    ticket_type: String,
    channel: String,
    priority: String,
    customer_id: i64,
    unit_id: i64,
    product_line_id: i64,
    address_id: i64,
    region_id: i64,
    tier: String,
    fault_description: String,
    reported_fault_code_id: Option<i64>,
    fault_code_id: Option<i64>,
    warranty_status: String,
    warranty_reason: String,
    warranty_json: String,
    repeat_of_ticket_id: Option<i64>,
    repeat_of_station_id: Option<i64>,
    status: String,
    station_id: Option<i64>,
    technician_id: Option<i64>,
    appointment_start: Option<i64>,
    appointment_end: Option<i64>,
    dispatched_at: Option<i64>,
    accepted_at: Option<i64>,
    first_response_at: Option<i64>,
    on_site_at: Option<i64>,
    completed_at: Option<i64>,
    callback_at: Option<i64>,
    closed_at: Option<i64>,
    cancelled_at: Option<i64>,
    return_reason: Option<String>,
    cancel_reason: Option<String>,
    reopen_count: i64,
    false_completions: i64,
    last_event_at: i64,
    actions_taken: Option<String>,
    labour_minutes: Option<i64>,
    sla_first_response_due: i64,
    sla_on_site_due: i64,
    sla_completion_due: i64,
    sla_at_risk: bool,
    sla_breached: bool,
    created_at: i64,
    created_by: Option<i64>,
    version: i64,
}

const TICKET_COLUMNS: &str = "id, number, ticket_type, channel, priority, customer_id, unit_id, product_line_id, \
    address_id, region_id, tier, fault_description, reported_fault_code_id, fault_code_id, warranty_status, \
    warranty_reason, warranty_json, repeat_of_ticket_id, repeat_of_station_id, status, station_id, technician_id, \
    appointment_start, appointment_end, dispatched_at, accepted_at, first_response_at, on_site_at, completed_at, \
    callback_at, closed_at, cancelled_at, return_reason, cancel_reason, reopen_count, false_completions, \
    last_event_at, actions_taken, labour_minutes, sla_first_response_due, sla_on_site_due, sla_completion_due, \
    sla_at_risk, sla_breached, created_at, created_by, version";

fn opt(v: Option<i64>) -> Option<Instant> {
    v.map(Instant)
}

impl TicketRow {
    fn into_record(self) -> StoreResult<TicketRecord> {
        let appointment = match (self.appointment_start, self.appointment_end) {
            (Some(s), Some(e)) => {
                Some(Appointment::new(Instant(s), Instant(e)).map_err(|e| bad("appointment", e))?)
            }
            _ => None,
        };
        let state = TicketState {
            status: TicketStatus::parse(&self.status).map_err(|e| bad("status", e))?,
            station: self.station_id.map(StationId),
            technician: self.technician_id.map(TechnicianId),
            appointment,
            fault_code: self.fault_code_id.map(FaultCodeId),
            milestones: Milestones {
                dispatched_at: opt(self.dispatched_at),
                accepted_at: opt(self.accepted_at),
                first_response_at: opt(self.first_response_at),
                on_site_at: opt(self.on_site_at),
                completed_at: opt(self.completed_at),
                callback_at: opt(self.callback_at),
                closed_at: opt(self.closed_at),
                cancelled_at: opt(self.cancelled_at),
            },
            return_reason: self.return_reason,
            cancel_reason: self.cancel_reason,
            reopen_count: u32_of(self.reopen_count, "reopen count")?,
            false_completions: u32_of(self.false_completions, "false completions")?,
            last_event_at: Instant(self.last_event_at),
        };
        Ok(TicketRecord {
            id: TicketId(self.id),
            number: self.number,
            ticket_type: TicketType::parse(&self.ticket_type).map_err(|e| bad("type", e))?,
            channel: Channel::parse(&self.channel).map_err(|e| bad("channel", e))?,
            priority: Priority::parse(&self.priority).map_err(|e| bad("priority", e))?,
            customer_id: CustomerId(self.customer_id),
            unit_id: UnitId(self.unit_id),
            product_line_id: ProductLineId(self.product_line_id),
            address_id: self.address_id,
            region_id: RegionId(self.region_id),
            tier: Tier::parse(&self.tier).ok_or_else(|| bad("tier", &self.tier))?,
            fault_description: self.fault_description,
            reported_fault_code: self.reported_fault_code_id.map(FaultCodeId),
            warranty_status: WarrantyStatus::parse(&self.warranty_status)
                .map_err(|e| bad("warranty status", e))?,
            warranty_reason: self.warranty_reason,
            warranty: serde_json::from_str(&self.warranty_json).map_err(|e| bad("warranty", e))?,
            repeat_of: self.repeat_of_ticket_id.map(TicketId),
            repeat_of_station: self.repeat_of_station_id.map(StationId),
            state,
            actions_taken: self.actions_taken,
            labour_minutes: self.labour_minutes,
            deadlines: SlaDeadlines {
                intake_at: Instant(self.created_at),
                first_response: Instant(self.sla_first_response_due),
                on_site: Instant(self.sla_on_site_due),
                completion: Instant(self.sla_completion_due),
            },
            sla_at_risk: self.sla_at_risk,
            sla_breached: self.sla_breached,
            created_at: Instant(self.created_at),
            created_by: self.created_by.map(UserId),
            version: self.version,
        })
    }
}

/// Insert a new ticket in its intake state, or already dispatched (auto-dispatch at intake:
/// status, station and dispatch time are taken from `state`); returns its id.
pub async fn insert_ticket(
    tx: &mut Tx,
    t: &NewTicket,
    state: &TicketState,
) -> StoreResult<TicketId> {
    let warranty_json =
        serde_json::to_string(&t.warranty).map_err(|e| StoreError::Database(e.to_string()))?;
    let id: i64 = on_tx!(tx, |c| {
        sqlx::query_scalar(
        "INSERT INTO tickets (number, ticket_type, channel, priority, customer_id, unit_id, product_line_id, \
         address_id, region_id, tier, fault_description, reported_fault_code_id, warranty_status, warranty_reason, \
         warranty_json, repeat_of_ticket_id, repeat_of_station_id, status, station_id, dispatched_at, reopen_count, false_completions, \
         last_event_at, sla_first_response_due, sla_on_site_due, sla_completion_due, sla_at_risk, sla_breached, \
         created_at, created_by, version) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $25, $26, 0, 0, \
         $19, $20, $21, $22, FALSE, FALSE, $23, $24, 1) RETURNING id"
    )
    .bind(&t.number)
    .bind(t.ticket_type.code())
    .bind(t.channel.code())
    .bind(t.priority.code())
    .bind(t.customer_id.0)
    .bind(t.unit_id.0)
    .bind(t.product_line_id.0)
    .bind(t.address_id)
    .bind(t.region_id.0)
    .bind(t.tier.code())
    .bind(&t.fault_description)
    .bind(t.reported_fault_code.map(|f| f.0))
    .bind(t.warranty.status.code())
    .bind(t.warranty.reason_text())
    .bind(&warranty_json)
    .bind(t.repeat_of.map(|p| p.ticket.0))
    .bind(t.repeat_of.map(|p| p.station.0))
    .bind(state.status.code())
    .bind(state.last_event_at.0)
    .bind(t.deadlines.first_response.0)
    .bind(t.deadlines.on_site.0)
    .bind(t.deadlines.completion.0)
    .bind(t.deadlines.intake_at.0)
    .bind(t.created_by.map(|u| u.0))
    .bind(state.station.map(|s| s.0))
    .bind(state.milestones.dispatched_at.map(|i| i.0))
    .fetch_one(c)
    .await
    })?;
    Ok(TicketId(id))
}

/// A ticket by id.
pub async fn get_ticket(db: &Db, id: TicketId) -> StoreResult<Option<TicketRecord>> {
    let sql = format!("SELECT {TICKET_COLUMNS} FROM tickets WHERE id = $1");
    let row: Option<TicketRow> = on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(id.0)
        .fetch_optional(p)
        .await)?;
    row.map(TicketRow::into_record).transpose()
}

/// A ticket by id inside a write transaction (locked on PostgreSQL; SQLite's write
/// transaction already excludes other writers).
pub async fn get_ticket_for_update(tx: &mut Tx, id: TicketId) -> StoreResult<Option<TicketRecord>> {
    let row: Option<TicketRow> = match tx {
        Tx::Sqlite(t) => {
            let sql = format!("SELECT {TICKET_COLUMNS} FROM tickets WHERE id = $1");
            sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(id.0)
                .fetch_optional(&mut **t)
                .await?
        }
        Tx::Postgres(t) => {
            let sql = format!("SELECT {TICKET_COLUMNS} FROM tickets WHERE id = $1 FOR UPDATE");
            sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(id.0)
                .fetch_optional(&mut **t)
                .await?
        }
    };
    row.map(TicketRow::into_record).transpose()
}

/// What a transition writes besides the state.
#[derive(Debug, Clone, Default)]
pub struct TicketExtras {
    /// Work done (completion).
    pub actions_taken: Option<String>,
    /// Labour minutes (completion).
    pub labour_minutes: Option<i64>,
}

/// Store the ticket's new state if its version is still `version`; bumps the version.
/// A changed version is a `Conflict` (someone else changed the ticket meanwhile).
pub async fn update_state(
    tx: &mut Tx,
    id: TicketId,
    version: i64,
    s: &TicketState,
    extras: &TicketExtras,
) -> StoreResult<i64> {
    let m = &s.milestones;
    let ms = |v: Option<Instant>| v.map(|i| i.0);
    let n = on_tx!(tx, |c| {
        sqlx::query(
        "UPDATE tickets SET status = $1, station_id = $2, technician_id = $3, appointment_start = $4, \
         appointment_end = $5, fault_code_id = $6, dispatched_at = $7, accepted_at = $8, first_response_at = $9, \
         on_site_at = $10, completed_at = $11, callback_at = $12, closed_at = $13, cancelled_at = $14, \
         return_reason = $15, cancel_reason = $16, reopen_count = $17, false_completions = $18, \
         last_event_at = $19, actions_taken = COALESCE($20, actions_taken), \
         labour_minutes = COALESCE($21, labour_minutes), version = version + 1 \
         WHERE id = $22 AND version = $23"
    )
    .bind(s.status.code())
    .bind(s.station.map(|x| x.0))
    .bind(s.technician.map(|x| x.0))
    .bind(s.appointment.map(|a| a.start().0))
    .bind(s.appointment.map(|a| a.end().0))
    .bind(s.fault_code.map(|x| x.0))
    .bind(ms(m.dispatched_at))
    .bind(ms(m.accepted_at))
    .bind(ms(m.first_response_at))
    .bind(ms(m.on_site_at))
    .bind(ms(m.completed_at))
    .bind(ms(m.callback_at))
    .bind(ms(m.closed_at))
    .bind(ms(m.cancelled_at))
    .bind(&s.return_reason)
    .bind(&s.cancel_reason)
    .bind(i64::from(s.reopen_count))
    .bind(i64::from(s.false_completions))
    .bind(s.last_event_at.0)
    .bind(&extras.actions_taken)
    .bind(extras.labour_minutes)
    .bind(id.0)
    .bind(version)
    .execute(c)
    .await
    .map(|r| r.rows_affected())
    })?;
    if n == 0 {
        return Err(StoreError::Conflict(format!(
            "ticket {id} was changed by someone else meanwhile (version {version} is stale): reload and try again"
        )));
    }
    Ok(version + 1)
}

/// A timeline row to append: a state-machine transition or the intake itself.
#[derive(Debug, Clone)]
pub struct NewEvent {
    /// When.
    pub at: Instant,
    /// The user (none for the system or the command line).
    pub actor_id: Option<UserId>,
    /// The role acted in (none for the system).
    pub actor_role: Option<Role>,
    /// Action code (`create` for the intake).
    pub action: String,
    /// Status before.
    pub from: TicketStatus,
    /// Status after.
    pub to: TicketStatus,
    /// Station concerned.
    pub station: Option<StationId>,
    /// Free text.
    pub note: Option<String>,
    /// The action's data as JSON.
    pub data: serde_json::Value,
}

impl NewEvent {
    /// The row for a transition the state machine returned.
    pub fn from_entry(e: &TimelineEntry) -> NewEvent {
        let (actor_id, actor_role) = match e.actor {
            TicketActor::System => (None, None),
            // Id 0 is the command line acting as admin: no user row.
            TicketActor::User { id, role } => (Some(id).filter(|i| i.0 > 0), Some(role)),
        };
        NewEvent {
            at: e.at,
            actor_id,
            actor_role,
            action: e.action.kind().code().to_string(),
            from: e.from,
            to: e.to,
            station: e.station,
            note: e.action.note().map(str::to_string),
            data: serde_json::to_value(&e.action).unwrap_or(serde_json::Value::Null),
        }
    }
}

/// Append timeline rows of one ticket in one statement.
pub async fn insert_events(tx: &mut Tx, ticket: TicketId, events: &[NewEvent]) -> StoreResult<()> {
    if events.is_empty() {
        return Ok(());
    }
    let sql = events_sql(events.len(), 1);
    on_tx!(tx, |c| {
        let q = sqlx::query(sqlx::AssertSqlSafe(sql.as_str()));
        bind_events!(q, ticket, events)
            .execute(c)
            .await
            .map(|r| r.rows_affected())
    })?;
    Ok(())
}

/// A multi-row insert of `n` timeline rows, its parameters numbered from `$first`.
fn events_sql(n: usize, first: usize) -> String {
    let mut sql = String::from(
        "INSERT INTO ticket_events (ticket_id, at, actor_id, actor_role, action, from_status, to_status, station_id, note, data_json) VALUES ",
    );
    for i in 0..n {
        if i > 0 {
            sql.push_str(", ");
        }
        let p: Vec<String> = (0..10)
            .map(|k| format!("${}", first + i * 10 + k))
            .collect();
        sql.push('(');
        sql.push_str(&p.join(", "));
        sql.push(')');
    }
    sql
}

/// Binds the values of `events_sql` (a macro: the query type differs per engine).
macro_rules! bind_events {
    ($q:expr, $ticket:expr, $events:expr) => {{
        let mut q = $q;
        for e in $events {
            q = q
                .bind($ticket.0)
                .bind(e.at.0)
                .bind(e.actor_id.map(|u| u.0))
                .bind(e.actor_role.map(|r| r.code()))
                .bind(e.action.clone())
                .bind(e.from.code())
                .bind(e.to.code())
                .bind(e.station.map(|s| s.0))
                .bind(e.note.clone())
                .bind(e.data.to_string());
        }
        q
    }};
}
use bind_events;

/// Intake's rows after the ticket — its timeline rows, its outbox rows and the audit entry —
/// in one call on SQLite (one multi-statement batch: fewer hand-offs to SQLite's connection
/// thread on the intake writer's serial path); three statements on PostgreSQL.
pub async fn insert_intake_rows(
    tx: &mut Tx,
    ticket: TicketId,
    events: &[NewEvent],
    outbox: &[(&str, serde_json::Value)],
    now: Instant,
    audit: &crate::audit::NewAuditEntry,
) -> StoreResult<()> {
    match tx {
        Tx::Sqlite(t) if !events.is_empty() && !outbox.is_empty() => {
            let after_events = 1 + events.len() * 10;
            let after_outbox = after_events + outbox.len() * 4;
            let sql = format!(
                "{}; {}; {}",
                events_sql(events.len(), 1),
                outbox_sql(outbox.len(), after_events),
                crate::audit::insert_sql(after_outbox)
            );
            let q = sqlx::query(sqlx::AssertSqlSafe(sql.as_str()));
            let q = bind_events!(q, ticket, events);
            let q = bind_outbox!(q, Some(ticket), outbox, now);
            let q = crate::audit::bind_audit!(q, audit);
            q.execute(&mut **t).await?;
        }
        _ => {
            insert_events(tx, ticket, events).await?;
            insert_outbox(tx, Some(ticket), outbox, now).await?;
            crate::audit::record(tx, audit).await?;
        }
    }
    Ok(())
}

/// One stored timeline entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EventRecord {
    /// Id.
    pub id: i64,
    /// When.
    pub at: Instant,
    /// The user, or none for the system.
    pub actor_id: Option<UserId>,
    /// The user's login (empty for the system).
    pub actor_login: Option<String>,
    /// The role acted in.
    pub actor_role: Option<Role>,
    /// Action code.
    pub action: String,
    /// Status before.
    pub from_status: TicketStatus,
    /// Status after.
    pub to_status: TicketStatus,
    /// Station concerned.
    pub station_id: Option<StationId>,
    /// Free text (reason, work done, comments).
    pub note: Option<String>,
    /// The action with its data.
    pub data: serde_json::Value,
}

/// A ticket's timeline, oldest first.
pub async fn timeline(db: &Db, ticket: TicketId) -> StoreResult<Vec<EventRecord>> {
    type R = (
        i64,
        i64,
        Option<i64>,
        Option<String>,
        Option<String>,
        String,
        String,
        String,
        Option<i64>,
        Option<String>,
        String,
    );
    let rows: Vec<R> = on_db!(db, |p| {
        sqlx::query_as(
        "SELECT e.id, e.at, e.actor_id, u.login, e.actor_role, e.action, e.from_status, e.to_status, e.station_id, \
         e.note, e.data_json FROM ticket_events e LEFT JOIN users u ON u.id = e.actor_id \
         WHERE e.ticket_id = $1 ORDER BY e.id"
    )
    .bind(ticket.0)
    .fetch_all(p)
    .await
    })?;
    rows.into_iter()
        .map(|r| {
            Ok(EventRecord {
                id: r.0,
                at: Instant(r.1),
                actor_id: r.2.map(UserId),
                actor_login: r.3,
                actor_role: r
                    .4
                    .map(|x| Role::parse(&x).map_err(|e| bad("role", e)))
                    .transpose()?,
                action: r.5,
                from_status: TicketStatus::parse(&r.6).map_err(|e| bad("status", e))?,
                to_status: TicketStatus::parse(&r.7).map_err(|e| bad("status", e))?,
                station_id: r.8.map(StationId),
                note: r.9,
                data: serde_json::from_str(&r.10).map_err(|e| bad("event data", e))?,
            })
        })
        .collect()
}

/// A callback survey to record.
#[derive(Debug, Clone)]
pub struct NewCallback {
    /// Ticket.
    pub ticket: TicketId,
    /// When.
    pub at: Instant,
    /// The agent.
    pub agent: Option<UserId>,
    /// Fixed?
    pub fixed: bool,
    /// 1–5.
    pub satisfaction: u8,
    /// Comments.
    pub comments: String,
    /// A false completion (counts against the station).
    pub false_completion: bool,
    /// The station whose completion was judged.
    pub station: Option<StationId>,
}

/// Record a callback survey.
pub async fn insert_callback(tx: &mut Tx, cb: &NewCallback) -> StoreResult<()> {
    on_tx!(tx, |c| {
        sqlx::query(
        "INSERT INTO ticket_callbacks (ticket_id, at, agent_id, fixed, satisfaction, comments, false_completion, station_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
    )
    .bind(cb.ticket.0)
    .bind(cb.at.0)
    .bind(cb.agent.map(|u| u.0))
    .bind(cb.fixed)
    .bind(i64::from(cb.satisfaction))
    .bind(&cb.comments)
    .bind(cb.false_completion)
    .bind(cb.station.map(|s| s.0))
    .execute(c)
    .await
    .map(|r| r.rows_affected())
    })?;
    Ok(())
}

/// False completions recorded against a station by callbacks.
pub async fn false_completions_of(db: &Db, station: StationId) -> StoreResult<i64> {
    Ok(on_db!(db, |p| sqlx::query_scalar(
        "SELECT COUNT(*) FROM ticket_callbacks WHERE station_id = $1 AND false_completion"
    )
    .bind(station.0)
    .fetch_one(p)
    .await)?)
}

// ---------------------------------------------------------------------------------------
// Search

/// Filter for [`search`]. Every field narrows the result.
#[derive(Debug, Clone, Default)]
pub struct TicketFilter {
    /// Exact ticket number.
    pub number: Option<String>,
    /// National digits of a customer phone.
    pub phone_digits: Option<String>,
    /// Normalised unit serial.
    pub serial: Option<String>,
    /// Any of these statuses.
    pub statuses: Vec<TicketStatus>,
    /// Held by this station.
    pub station: Option<StationId>,
    /// Assigned to this technician.
    pub technician: Option<TechnicianId>,
    /// Of this customer.
    pub customer: Option<CustomerId>,
    /// Of this unit.
    pub unit: Option<UnitId>,
    /// Created at or after.
    pub from: Option<Instant>,
    /// Created before.
    pub to: Option<Instant>,
    /// Only tickets flagged at risk.
    pub at_risk: bool,
    /// Only tickets flagged breached.
    pub breached: bool,
    /// Newest first, at most this many (0 = 100).
    pub limit: i64,
}

/// A ticket as listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TicketSummary {
    /// Id.
    pub id: TicketId,
    /// Number.
    pub number: String,
    /// Status.
    pub status: TicketStatus,
    /// Type.
    pub ticket_type: TicketType,
    /// Priority.
    pub priority: Priority,
    /// Customer name.
    pub customer_name: String,
    /// Unit serial.
    pub serial: String,
    /// Model name.
    pub model_name: String,
    /// Region name.
    pub region_name: String,
    /// Tier.
    pub tier: Tier,
    /// Station.
    pub station_id: Option<StationId>,
    /// Station name.
    pub station_name: Option<String>,
    /// Technician.
    pub technician_id: Option<TechnicianId>,
    /// Warranty status.
    pub warranty_status: WarrantyStatus,
    /// Fault description.
    pub fault_description: String,
    /// Appointment start.
    pub appointment_start: Option<Instant>,
    /// Address detail.
    pub address: String,
    /// On-site deadline.
    pub on_site_due: Instant,
    /// At risk flag.
    pub sla_at_risk: bool,
    /// Breached flag.
    pub sla_breached: bool,
    /// A repeat repair.
    pub repeat_of: Option<TicketId>,
    /// Created.
    pub created_at: Instant,
}

/// Tickets matching `f`, newest first.
pub async fn search(db: &Db, f: &TicketFilter) -> StoreResult<Vec<TicketSummary>> {
    let mut conds: Vec<String> = Vec::new();
    let mut texts: Vec<String> = Vec::new();
    let mut ints: Vec<i64> = Vec::new();
    // Text parameters come first ($1..), integers after; placeholders are numbered at the end.
    let mut text_cond = |c: &str, v: String, conds: &mut Vec<String>| {
        texts.push(v);
        conds.push(c.replace('?', &format!("$T{}", texts.len())));
    };
    if let Some(n) = &f.number {
        text_cond("t.number = ?", n.clone(), &mut conds);
    }
    if let Some(d) = &f.phone_digits {
        text_cond(
            "t.customer_id IN (SELECT customer_id FROM customer_phones WHERE digits = ?)",
            d.clone(),
            &mut conds,
        );
    }
    if let Some(s) = &f.serial {
        text_cond("u.serial = ?", s.clone(), &mut conds);
    }
    if !f.statuses.is_empty() {
        let list = f
            .statuses
            .iter()
            .map(|s| format!("'{}'", s.code()))
            .collect::<Vec<_>>()
            .join(", ");
        conds.push(format!("t.status IN ({list})"));
    }
    let mut int_cond = |c: &str, v: i64, conds: &mut Vec<String>| {
        ints.push(v);
        conds.push(c.replace('?', &format!("$I{}", ints.len())));
    };
    if let Some(s) = f.station {
        int_cond("t.station_id = ?", s.0, &mut conds);
    }
    if let Some(s) = f.technician {
        int_cond("t.technician_id = ?", s.0, &mut conds);
    }
    if let Some(c) = f.customer {
        int_cond("t.customer_id = ?", c.0, &mut conds);
    }
    if let Some(u) = f.unit {
        int_cond("t.unit_id = ?", u.0, &mut conds);
    }
    if let Some(a) = f.from {
        int_cond("t.created_at >= ?", a.0, &mut conds);
    }
    if let Some(b) = f.to {
        int_cond("t.created_at < ?", b.0, &mut conds);
    }
    if f.at_risk {
        conds.push("t.sla_at_risk".into());
    }
    if f.breached {
        conds.push("t.sla_breached".into());
    }
    let limit = if f.limit <= 0 {
        100
    } else {
        f.limit.min(10_000)
    };
    let where_sql = if conds.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", conds.join(" AND "))
    };
    let mut sql = format!(
        "SELECT t.id, t.number, t.status, t.ticket_type, t.priority, c.name, u.serial, m.name_zh, r.name_zh, t.tier, \
         t.station_id, s.name, t.technician_id, t.warranty_status, t.fault_description, t.appointment_start, \
         a.detail, t.sla_on_site_due, t.sla_at_risk, t.sla_breached, t.repeat_of_ticket_id, t.created_at \
         FROM tickets t JOIN customers c ON c.id = t.customer_id JOIN units u ON u.id = t.unit_id \
         JOIN product_models m ON m.id = u.model_id JOIN regions r ON r.id = t.region_id \
         JOIN customer_addresses a ON a.id = t.address_id LEFT JOIN stations s ON s.id = t.station_id \
         {where_sql} ORDER BY t.created_at DESC, t.id DESC LIMIT {limit}"
    );
    for i in (1..=texts.len()).rev() {
        sql = sql.replace(&format!("$T{i}"), &format!("${i}"));
    }
    for i in (1..=ints.len()).rev() {
        sql = sql.replace(&format!("$I{i}"), &format!("${}", texts.len() + i));
    }
    #[derive(sqlx::FromRow)]
    struct SearchRow {
        id: i64,
        number: String,
        status: String,
        ticket_type: String,
        priority: String,
        customer_name: String,
        serial: String,
        model_name: String,
        region_name: String,
        tier: String,
        station_id: Option<i64>,
        station_name: Option<String>,
        technician_id: Option<i64>,
        warranty_status: String,
        fault_description: String,
        appointment_start: Option<i64>,
        address: String,
        on_site_due: i64,
        sla_at_risk: bool,
        sla_breached: bool,
        repeat_of: Option<i64>,
        created_at: i64,
    }
    let sql = sql
        .replacen("c.name,", "c.name AS customer_name,", 1)
        .replacen("m.name_zh,", "m.name_zh AS model_name,", 1)
        .replacen("r.name_zh,", "r.name_zh AS region_name,", 1)
        .replacen("s.name,", "s.name AS station_name,", 1)
        .replacen("a.detail,", "a.detail AS address,", 1)
        .replacen("t.sla_on_site_due,", "t.sla_on_site_due AS on_site_due,", 1)
        .replacen(
            "t.repeat_of_ticket_id,",
            "t.repeat_of_ticket_id AS repeat_of,",
            1,
        );
    let rows: Vec<SearchRow> = on_db!(db, |p| {
        let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()));
        for t in &texts {
            q = q.bind(t.clone());
        }
        for i in &ints {
            q = q.bind(*i);
        }
        q.fetch_all(p).await
    })?;
    rows.into_iter()
        .map(|r| {
            Ok(TicketSummary {
                id: TicketId(r.id),
                number: r.number,
                status: TicketStatus::parse(&r.status).map_err(|e| bad("status", e))?,
                ticket_type: TicketType::parse(&r.ticket_type).map_err(|e| bad("type", e))?,
                priority: Priority::parse(&r.priority).map_err(|e| bad("priority", e))?,
                customer_name: r.customer_name,
                serial: r.serial,
                model_name: r.model_name,
                region_name: r.region_name,
                tier: Tier::parse(&r.tier).ok_or_else(|| bad("tier", &r.tier))?,
                station_id: r.station_id.map(StationId),
                station_name: r.station_name,
                technician_id: r.technician_id.map(TechnicianId),
                warranty_status: WarrantyStatus::parse(&r.warranty_status)
                    .map_err(|e| bad("warranty", e))?,
                fault_description: r.fault_description,
                appointment_start: opt(r.appointment_start),
                address: r.address,
                on_site_due: Instant(r.on_site_due),
                sla_at_risk: r.sla_at_risk,
                sla_breached: r.sla_breached,
                repeat_of: r.repeat_of.map(TicketId),
                created_at: Instant(r.created_at),
            })
        })
        .collect()
}

// ---------------------------------------------------------------------------------------
// Sweeps

/// Open tickets (not completed, not cancelled) with their deadlines and milestones, for the
/// SLA sweep; `after_id` pages through them.
pub async fn open_tickets_for_sla(
    db: &Db,
    after_id: TicketId,
    limit: i64,
) -> StoreResult<Vec<TicketRecord>> {
    let sql = format!(
        "SELECT {TICKET_COLUMNS} FROM tickets WHERE status NOT IN ('callback_done', 'closed', 'cancelled') \
         AND id > $1 ORDER BY id LIMIT $2"
    );
    let rows: Vec<TicketRow> = on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(after_id.0)
        .bind(limit)
        .fetch_all(p)
        .await)?;
    rows.into_iter().map(TicketRow::into_record).collect()
}

/// Dispatched tickets whose station has not accepted since before `dispatched_before`.
pub async fn unaccepted_since(db: &Db, dispatched_before: Instant) -> StoreResult<Vec<TicketId>> {
    let ids: Vec<i64> = on_db!(db, |p| sqlx::query_scalar(
        "SELECT id FROM tickets WHERE status = 'dispatched' AND dispatched_at <= $1 ORDER BY id"
    )
    .bind(dispatched_before.0)
    .fetch_all(p)
    .await)?;
    Ok(ids.into_iter().map(TicketId).collect())
}

/// Record the SLA flags of a ticket and upsert its breaches (which deadline, by how much).
/// Does not touch the version: the sweep's flags are not a change of the ticket's state.
pub async fn record_sla(
    tx: &mut Tx,
    ticket: TicketId,
    at_risk: bool,
    breached: bool,
    breaches: &[(SlaKind, Instant, i64, bool)],
    station: Option<StationId>,
    now: Instant,
) -> StoreResult<()> {
    on_tx!(tx, |c| sqlx::query(
        "UPDATE tickets SET sla_at_risk = $1, sla_breached = $2 WHERE id = $3"
    )
    .bind(at_risk)
    .bind(breached)
    .bind(ticket.0)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    for (kind, deadline, late_ms, ongoing) in breaches {
        on_tx!(tx, |c| {
            sqlx::query(
            "INSERT INTO sla_breaches (ticket_id, kind, deadline, station_id, detected_at, late_ms, ongoing) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (ticket_id, kind) DO UPDATE SET \
             late_ms = excluded.late_ms, ongoing = excluded.ongoing, station_id = excluded.station_id"
        )
        .bind(ticket.0)
        .bind(kind.code())
        .bind(deadline.0)
        .bind(station.map(|s| s.0))
        .bind(now.0)
        .bind(*late_ms)
        .bind(*ongoing)
        .execute(c)
        .await
        .map(|r| r.rows_affected())
        })?;
    }
    Ok(())
}

/// A recorded SLA breach.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BreachRecord {
    /// Ticket.
    pub ticket_id: TicketId,
    /// Which deadline.
    pub kind: SlaKind,
    /// The deadline.
    pub deadline: Instant,
    /// Station holding the ticket when detected.
    pub station_id: Option<StationId>,
    /// By how much (ms).
    pub late_ms: i64,
    /// Still running (milestone not reached yet).
    pub ongoing: bool,
}

/// The breaches of a ticket.
pub async fn breaches_of(db: &Db, ticket: TicketId) -> StoreResult<Vec<BreachRecord>> {
    let rows: Vec<(String, i64, Option<i64>, i64, bool)> = on_db!(db, |p| {
        sqlx::query_as(
        "SELECT kind, deadline, station_id, late_ms, ongoing FROM sla_breaches WHERE ticket_id = $1 ORDER BY deadline"
    )
    .bind(ticket.0)
    .fetch_all(p)
    .await
    })?;
    rows.into_iter()
        .map(|(k, d, s, l, o)| {
            Ok(BreachRecord {
                ticket_id: ticket,
                kind: SlaKind::parse(&k).map_err(|e| bad("SLA kind", e))?,
                deadline: Instant(d),
                station_id: s.map(StationId),
                late_ms: l,
                ongoing: o,
            })
        })
        .collect()
}

// ---------------------------------------------------------------------------------------
// Outbox

/// Write outbox events (event name, payload) for a ticket in one statement, in the caller's
/// transaction, so an event exists exactly when its change is committed.
pub async fn insert_outbox(
    tx: &mut Tx,
    ticket: Option<TicketId>,
    events: &[(&str, serde_json::Value)],
    now: Instant,
) -> StoreResult<()> {
    if events.is_empty() {
        return Ok(());
    }
    let sql = outbox_sql(events.len(), 1);
    on_tx!(tx, |c| {
        let q = sqlx::query(sqlx::AssertSqlSafe(sql.as_str()));
        bind_outbox!(q, ticket, events, now)
            .execute(c)
            .await
            .map(|r| r.rows_affected())
    })?;
    Ok(())
}

/// A multi-row insert of `n` outbox rows, its parameters numbered from `$first`.
fn outbox_sql(n: usize, first: usize) -> String {
    let mut sql = String::from(
        "INSERT INTO webhook_outbox (event, ticket_id, payload, created_at, fanned_out) VALUES ",
    );
    for i in 0..n {
        if i > 0 {
            sql.push_str(", ");
        }
        let b = first + i * 4;
        sql.push_str(&format!(
            "(${}, ${}, ${}, ${}, FALSE)",
            b,
            b + 1,
            b + 2,
            b + 3
        ));
    }
    sql
}

/// Binds the values of `outbox_sql`.
macro_rules! bind_outbox {
    ($q:expr, $ticket:expr, $events:expr, $now:expr) => {{
        let mut q = $q;
        for (name, payload) in $events {
            q = q
                .bind(name.to_string())
                .bind($ticket.map(|t: TicketId| t.0))
                .bind(payload.to_string())
                .bind($now.0);
        }
        q
    }};
}
use bind_outbox;

// ---------------------------------------------------------------------------------------
// Choices for forms

/// Districts and townships as (id, "city district" label), for address forms.
pub async fn region_choices(db: &Db) -> StoreResult<Vec<(RegionId, String)>> {
    let rows: Vec<(i64, String, Option<String>)> = on_db!(db, |p| {
        sqlx::query_as(
        "SELECT r.id, r.name_zh, p.name_zh FROM regions r LEFT JOIN regions p ON p.id = r.parent_id \
         WHERE r.level IN ('district', 'township') ORDER BY r.code"
    )
    .fetch_all(p)
    .await
    })?;
    Ok(rows
        .into_iter()
        .map(|(id, name, parent)| {
            (
                RegionId(id),
                format!("{} {name}", parent.unwrap_or_default()),
            )
        })
        .collect())
}

/// Product models as (id, "code name"), for unit forms.
pub async fn model_choices(db: &Db) -> StoreResult<Vec<(ProductModelId, String)>> {
    let rows: Vec<(i64, String, String)> = on_db!(db, |p| sqlx::query_as(
        "SELECT id, code, name_zh FROM product_models ORDER BY code"
    )
    .fetch_all(p)
    .await)?;
    Ok(rows
        .into_iter()
        .map(|(id, code, name)| (ProductModelId(id), format!("{code} {name}")))
        .collect())
}

/// Active technicians of a station as (id, name).
pub async fn technicians_of(
    db: &Db,
    station: StationId,
) -> StoreResult<Vec<(TechnicianId, String)>> {
    let rows: Vec<(i64, String)> = on_db!(db, |p| sqlx::query_as(
        "SELECT id, name FROM technicians WHERE station_id = $1 AND active ORDER BY name"
    )
    .bind(station.0)
    .fetch_all(p)
    .await)?;
    Ok(rows
        .into_iter()
        .map(|(id, n)| (TechnicianId(id), n))
        .collect())
}

// ---------------------------------------------------------------------------------------
// Lookups inside a write transaction (demo loading)

/// A user's id by login, inside a transaction.
pub async fn user_id_tx(tx: &mut Tx, login: &str) -> StoreResult<Option<UserId>> {
    let id: Option<i64> = on_tx!(tx, |c| sqlx::query_scalar(
        "SELECT id FROM users WHERE login = $1"
    )
    .bind(login)
    .fetch_optional(c)
    .await)?;
    Ok(id.map(UserId))
}

/// A region's id and tier by code, inside a transaction.
pub async fn region_by_code_tx(tx: &mut Tx, code: &str) -> StoreResult<Option<(RegionId, Tier)>> {
    let row: Option<(i64, String)> = on_tx!(tx, |c| sqlx::query_as(
        "SELECT id, tier FROM regions WHERE code = $1"
    )
    .bind(code)
    .fetch_optional(c)
    .await)?;
    row.map(|(id, t)| {
        Ok((
            RegionId(id),
            Tier::parse(&t).ok_or_else(|| bad("tier", &t))?,
        ))
    })
    .transpose()
}

/// A product model's id, line and brand by code, inside a transaction.
pub async fn model_by_code_tx(
    tx: &mut Tx,
    code: &str,
) -> StoreResult<Option<(ProductModelId, ProductLineId, BrandId)>> {
    let row: Option<(i64, i64, i64)> = on_tx!(tx, |c| sqlx::query_as(
        "SELECT id, product_line_id, brand_id FROM product_models WHERE code = $1"
    )
    .bind(code)
    .fetch_optional(c)
    .await)?;
    Ok(row.map(|(m, l, b)| (ProductModelId(m), ProductLineId(l), BrandId(b))))
}

/// The first address of a customer, inside a transaction.
pub async fn first_address_tx(tx: &mut Tx, customer: CustomerId) -> StoreResult<Option<i64>> {
    Ok(on_tx!(tx, |c| sqlx::query_scalar(
        "SELECT id FROM customer_addresses WHERE customer_id = $1 ORDER BY position LIMIT 1"
    )
    .bind(customer.0)
    .fetch_optional(c)
    .await)?)
}

/// The id of a customer's first address (`None`: no such customer, or no address); one
/// indexed read for intake instead of loading the whole customer.
pub async fn first_address(db: &Db, customer: CustomerId) -> StoreResult<Option<i64>> {
    Ok(on_db!(db, |p| sqlx::query_scalar(
        "SELECT id FROM customer_addresses WHERE customer_id = $1 ORDER BY position LIMIT 1"
    )
    .bind(customer.0)
    .fetch_optional(p)
    .await)?)
}

// ---------------------------------------------------------------------------------------
// Intake context in one read

/// Everything intake needs to know about a unit and an address, read in one statement:
/// the unit and its model's line and brand, the address's owner, region and tier, the line's
/// warranty policy, the brand's contract, the ticket settings and the company time zone.
#[derive(Debug, Clone)]
pub struct IntakeContext {
    /// The unit.
    pub unit: UnitId,
    /// Its owner.
    pub unit_owner: CustomerId,
    /// Its product line.
    pub product_line: ProductLineId,
    /// Its brand.
    pub brand: BrandId,
    /// Its purchase date.
    pub purchase_date: Option<NaiveDate>,
    /// The address's owner.
    pub address_owner: CustomerId,
    /// The address's region.
    pub region: RegionId,
    /// Its tier.
    pub tier: Tier,
    /// The line's policy (no cover when none is configured).
    pub policy: Option<WarrantyTerms>,
    /// The brand's contract.
    pub contract: Option<BrandContract>,
    /// Ticket settings.
    pub settings: TicketSettings,
    /// Company time zone (IANA name), `None` when never saved.
    pub time_zone: Option<String>,
    /// The visited address (the customer's first when intake named none).
    pub address: i64,
    /// The unit's completed tickets (for repeat-repair detection).
    pub prior: Vec<PriorCompletion>,
}

#[derive(sqlx::FromRow)]
struct ContextRow {
    address_id: i64,
    prior: Option<String>,
    unit_id: i64,
    unit_owner: i64,
    product_line_id: i64,
    brand_id: i64,
    purchase_date: Option<String>,
    address_owner: i64,
    region_id: i64,
    tier: String,
    p_unit: Option<i64>,
    p_key: Option<i64>,
    p_labour: Option<i64>,
    has_contract: Option<i64>,
    c_unit: Option<i64>,
    c_key: Option<i64>,
    c_labour: Option<i64>,
    c_buy_out: Option<bool>,
    s_accept: Option<i64>,
    s_repeat: Option<i64>,
    s_risk: Option<i64>,
    s_u1: Option<i64>,
    s_u2: Option<i64>,
    s_u3: Option<i64>,
    s_t1: Option<i64>,
    s_t2: Option<i64>,
    s_t3: Option<i64>,
    s_r1: Option<i64>,
    s_r2: Option<i64>,
    s_r3: Option<i64>,
    time_zone: Option<String>,
}

/// The intake context of `unit` visited at `address` (or at the first address of
/// `customer` when `None`); `None` when the unit or the address does not exist. One statement:
/// intake is the hot path.
pub async fn intake_context(
    db: &Db,
    unit: UnitId,
    address: Option<i64>,
    customer: CustomerId,
) -> StoreResult<Option<IntakeContext>> {
    let row: Option<ContextRow> = on_db!(db, |p| {
        sqlx::query_as(
        "SELECT a.id AS address_id, \
           (SELECT string_agg(concat(t.id, ':', t.completed_at, ':', t.station_id), ',') FROM tickets t \
              WHERE t.unit_id = u.id AND t.completed_at IS NOT NULL AND t.station_id IS NOT NULL) AS prior, \
           u.id AS unit_id, u.customer_id AS unit_owner, m.product_line_id, m.brand_id, u.purchase_date, \
           a.customer_id AS address_owner, a.region_id, r.tier, \
           wp.unit_months AS p_unit, wp.key_parts_months AS p_key, wp.labour_months AS p_labour, \
           bc.id AS has_contract, bc.unit_months AS c_unit, bc.key_parts_months AS c_key, bc.labour_months AS c_labour, bc.buy_out AS c_buy_out, \
           ts.accept_timeout_minutes AS s_accept, ts.repeat_window_days AS s_repeat, ts.at_risk_percent AS s_risk, \
           ts.urban_first_response_minutes AS s_u1, ts.urban_on_site_minutes AS s_u2, ts.urban_completion_minutes AS s_u3, \
           ts.township_first_response_minutes AS s_t1, ts.township_on_site_minutes AS s_t2, ts.township_completion_minutes AS s_t3, \
           ts.remote_first_response_minutes AS s_r1, ts.remote_on_site_minutes AS s_r2, ts.remote_completion_minutes AS s_r3, \
           cs.time_zone \
         FROM units u JOIN product_models m ON m.id = u.model_id \
         JOIN customer_addresses a ON a.id = COALESCE($2, \
           (SELECT f.id FROM customer_addresses f WHERE f.customer_id = $3 ORDER BY f.position LIMIT 1)) \
         JOIN regions r ON r.id = a.region_id \
         LEFT JOIN warranty_policies wp ON wp.product_line_id = m.product_line_id \
         LEFT JOIN brand_contracts bc ON bc.brand_id = m.brand_id \
         LEFT JOIN ticket_settings ts ON ts.id = 1 \
         LEFT JOIN company_settings cs ON cs.id = 1 \
         WHERE u.id = $1"
    )
    .bind(unit.0)
    .bind(address)
    .bind(customer.0)
    .fetch_optional(p)
    .await
    })?;
    let Some(r) = row else { return Ok(None) };
    let prior = r
        .prior
        .as_deref()
        .unwrap_or("")
        .split(',')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let mut f = p.split(':').map(str::parse::<i64>);
            match (f.next(), f.next(), f.next()) {
                (Some(Ok(t)), Some(Ok(at)), Some(Ok(s))) => Ok(PriorCompletion {
                    ticket: TicketId(t),
                    completed_at: Instant(at),
                    station: StationId(s),
                }),
                _ => Err(bad("prior completion", p)),
            }
        })
        .collect::<StoreResult<Vec<_>>>()?;
    let m = |v: i64| u32_of(v, "months");
    let policy = match (r.p_unit, r.p_key, r.p_labour) {
        (Some(u), Some(k), Some(l)) => Some(WarrantyTerms {
            unit_months: m(u)?,
            key_parts_months: m(k)?,
            labour_months: m(l)?,
        }),
        _ => None,
    };
    let opt_m = |v: Option<i64>| v.map(|v| u32_of(v, "months")).transpose();
    let contract = match r.has_contract {
        Some(_) => Some(BrandContract {
            brand: BrandId(r.brand_id),
            overrides: TermsOverride {
                unit_months: opt_m(r.c_unit)?,
                key_parts_months: opt_m(r.c_key)?,
                labour_months: opt_m(r.c_labour)?,
            },
            buy_out: r.c_buy_out.unwrap_or(false),
        }),
        None => None,
    };
    let settings = match (
        r.s_accept, r.s_repeat, r.s_risk, r.s_u1, r.s_u2, r.s_u3, r.s_t1, r.s_t2, r.s_t3, r.s_r1,
        r.s_r2, r.s_r3,
    ) {
        (
            Some(a),
            Some(rw),
            Some(risk),
            Some(u1),
            Some(u2),
            Some(u3),
            Some(t1),
            Some(t2),
            Some(t3),
            Some(r1),
            Some(r2),
            Some(r3),
        ) => {
            let tier = |x: i64, y: i64, z: i64| -> StoreResult<TierSla> {
                Ok(TierSla {
                    first_response_minutes: u32_of(x, "SLA minutes")?,
                    on_site_minutes: u32_of(y, "SLA minutes")?,
                    completion_minutes: u32_of(z, "SLA minutes")?,
                })
            };
            TicketSettings {
                sla: SlaConfig {
                    urban: tier(u1, u2, u3)?,
                    township: tier(t1, t2, t3)?,
                    remote: tier(r1, r2, r3)?,
                    at_risk_percent: u8::try_from(risk).map_err(|e| bad("at-risk percent", e))?,
                },
                rules: TicketRules {
                    accept_timeout_minutes: u32_of(a, "accept timeout")?,
                    repeat_window: RepeatWindow::days(u32_of(rw, "repeat window")?),
                },
            }
        }
        _ => TicketSettings::default(),
    };
    Ok(Some(IntakeContext {
        unit: UnitId(r.unit_id),
        unit_owner: CustomerId(r.unit_owner),
        product_line: ProductLineId(r.product_line_id),
        brand: BrandId(r.brand_id),
        purchase_date: date_of(r.purchase_date)?,
        address_owner: CustomerId(r.address_owner),
        region: RegionId(r.region_id),
        tier: Tier::parse(&r.tier).ok_or_else(|| bad("tier", &r.tier))?,
        policy,
        contract,
        settings,
        time_zone: r.time_zone,
        address: r.address_id,
        prior,
    }))
}
