//! Customer message templates as edited by an admin, and the ticket facts their
//! placeholders read. A missing row, or a row whose body is NULL, means the built-in text.

use crate::{Db, StoreResult, Tx, on_db, on_tx};
use aftercare_domain::Instant;
use serde::Serialize;

/// A stored template row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TemplateRow {
    /// Event name, e.g. `ticket.completed`.
    pub event: String,
    /// `zh-CN` or `en`.
    pub lang: String,
    /// The admin's text; `None` after a reset (the built-in text applies).
    pub body: Option<String>,
    /// Optimistic-concurrency version (1 after the first save).
    pub version: i64,
    /// Login of who saved or reset it last (`cli` for the command line).
    pub updated_by: String,
    /// When.
    pub updated_at: Instant,
}

type Raw = (String, String, Option<String>, i64, String, i64);

fn row((event, lang, body, version, updated_by, at): Raw) -> TemplateRow {
    TemplateRow {
        event,
        lang,
        body,
        version,
        updated_by,
        updated_at: Instant(at),
    }
}

macro_rules! select {
    ($rest:literal) => {
        concat!(
            "SELECT event, lang, body, version, updated_by, updated_at FROM message_templates ",
            $rest
        )
    };
}

/// Every stored row.
pub async fn list(db: &Db) -> StoreResult<Vec<TemplateRow>> {
    let sql = select!("ORDER BY event, lang");
    let rows: Vec<Raw> = on_db!(db, |p| sqlx::query_as(sql).fetch_all(p).await)?;
    Ok(rows.into_iter().map(row).collect())
}

/// One stored row, if any.
pub async fn get(db: &Db, event: &str, lang: &str) -> StoreResult<Option<TemplateRow>> {
    let sql = select!("WHERE event = $1 AND lang = $2");
    let r: Option<Raw> = on_db!(db, |p| {
        sqlx::query_as(sql)
            .bind(event)
            .bind(lang)
            .fetch_optional(p)
            .await
    })?;
    Ok(r.map(row))
}

/// Save `body` (`None`: back to the built-in text) if the stored version is still
/// `expected` (0 when no row exists yet). Returns the new version, or `None` when someone
/// else saved meanwhile (nothing is written then).
pub async fn save(
    tx: &mut Tx,
    event: &str,
    lang: &str,
    body: Option<&str>,
    expected: i64,
    updated_by: &str,
    now: Instant,
) -> StoreResult<Option<i64>> {
    // The first save inserts; a concurrent first save makes the insert do nothing.
    let sql = if expected == 0 {
        "INSERT INTO message_templates (event, lang, body, version, updated_by, updated_at) \
         VALUES ($1, $2, $3, 1, $4, $5) ON CONFLICT (event, lang) DO NOTHING RETURNING version"
    } else {
        "UPDATE message_templates SET body = $3, version = version + 1, updated_by = $4, \
         updated_at = $5 WHERE event = $1 AND lang = $2 AND version = $6 RETURNING version"
    };
    Ok(on_tx!(tx, |c| {
        let q = sqlx::query_scalar(sql)
            .bind(event)
            .bind(lang)
            .bind(body)
            .bind(updated_by)
            .bind(now.0);
        let q = if expected == 0 { q } else { q.bind(expected) };
        q.fetch_optional(c).await
    })?)
}

/// What a ticket's message placeholders show, read from the database.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct TicketFacts {
    /// Ticket number.
    pub number: String,
    /// Appointment start (UTC ms).
    pub appointment_start: Option<i64>,
    /// Customer name.
    pub customer_name: String,
    /// Product model name in Chinese.
    pub model_zh: String,
    /// Product model name in English.
    pub model_en: String,
    /// Station name.
    pub station_name: Option<String>,
    /// Station phone.
    pub station_phone: Option<String>,
    /// Technician name.
    pub technician: Option<String>,
}

#[derive(sqlx::FromRow)]
struct FactsRow {
    number: String,
    appointment_start: Option<i64>,
    customer_name: String,
    model_zh: String,
    model_en: String,
    station_name: Option<String>,
    station_phone: Option<String>,
    technician: Option<String>,
}

/// The facts of ticket `ticket`, with the station and technician given (an event names the
/// ones it happened with, which may differ from the ticket's current ones); `None` when
/// there is no such ticket.
pub async fn ticket_facts(
    db: &Db,
    ticket: i64,
    station: Option<i64>,
    technician: Option<i64>,
) -> StoreResult<Option<TicketFacts>> {
    let sql = "SELECT t.number, t.appointment_start, c.name AS customer_name, \
               m.name_zh AS model_zh, m.name_en AS model_en, \
               s.name AS station_name, s.phone AS station_phone, h.name AS technician \
               FROM tickets t JOIN customers c ON c.id = t.customer_id \
               JOIN units u ON u.id = t.unit_id JOIN product_models m ON m.id = u.model_id \
               LEFT JOIN stations s ON s.id = $2 LEFT JOIN technicians h ON h.id = $3 \
               WHERE t.id = $1";
    let row: Option<FactsRow> = on_db!(db, |p| {
        sqlx::query_as(sql)
            .bind(ticket)
            .bind(station)
            .bind(technician)
            .fetch_optional(p)
            .await
    })?;
    Ok(row.map(|r| TicketFacts {
        number: r.number,
        appointment_start: r.appointment_start,
        customer_name: r.customer_name,
        model_zh: r.model_zh,
        model_en: r.model_en,
        station_name: r.station_name,
        station_phone: r.station_phone,
        technician: r.technician,
    }))
}

/// The id of the ticket numbered `number`.
pub async fn ticket_id_by_number(db: &Db, number: &str) -> StoreResult<Option<i64>> {
    Ok(on_db!(db, |p| {
        sqlx::query_scalar("SELECT id FROM tickets WHERE number = $1")
            .bind(number)
            .fetch_optional(p)
            .await
    })?)
}
