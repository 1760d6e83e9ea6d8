//! Company settings: one row, defaults until someone saves them.

use crate::{Db, StoreResult, Tx, on_db, on_tx};
use aftercare_domain::Instant;
use aftercare_domain::settings::{CompanySettings, Lang};

/// The company settings (defaults when never saved).
pub async fn get(db: &Db) -> StoreResult<CompanySettings> {
    let row: Option<(String, String, String, String)> = on_db!(db, |p| {
        sqlx::query_as(
        "SELECT company_name, time_zone, currency, default_language FROM company_settings WHERE id = 1"
    )
    .fetch_optional(p)
    .await
    })?;
    Ok(match row {
        Some((company_name, time_zone, currency, lang)) => CompanySettings {
            company_name,
            time_zone,
            currency,
            default_language: Lang::parse(&lang).unwrap_or_default(),
        },
        None => CompanySettings::default(),
    })
}

/// Save the company settings.
pub async fn put(tx: &mut Tx, s: &CompanySettings, now: Instant) -> StoreResult<()> {
    on_tx!(tx, |c| {
        sqlx::query(
        "INSERT INTO company_settings (id, company_name, time_zone, currency, default_language, updated_at) \
         VALUES (1, $1, $2, $3, $4, $5) \
         ON CONFLICT (id) DO UPDATE SET company_name = excluded.company_name, time_zone = excluded.time_zone, \
           currency = excluded.currency, default_language = excluded.default_language, updated_at = excluded.updated_at"
    )
    .bind(&s.company_name)
    .bind(&s.time_zone)
    .bind(&s.currency)
    .bind(s.default_language.tag())
    .bind(now.0)
    .execute(c)
    .await.map(|r| r.rows_affected())
    })?;
    Ok(())
}
