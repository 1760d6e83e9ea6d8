//! Outbound webhooks: subscriptions, the fan-out of outbox events into one job per
//! subscription, due jobs, and the delivery log.

use crate::{Db, StoreResult, Tx, on_db, on_tx};
use aftercare_domain::Instant;
use serde::Serialize;

/// A subscription as stored (the secret never leaves the store through listings).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SubscriptionRecord {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Target URL.
    pub url: String,
    /// Event names, comma-separated, or `*`.
    pub events: String,
    /// Language of the message texts (`zh-CN` or `en`).
    pub language: String,
    /// Delivering.
    pub active: bool,
    /// Created.
    pub created_at: Instant,
}

/// Add a subscription.
pub async fn insert_subscription(
    tx: &mut Tx,
    name: &str,
    url: &str,
    events: &str,
    secret: &str,
    language: &str,
    now: Instant,
) -> StoreResult<i64> {
    Ok(on_tx!(tx, |c| {
        sqlx::query_scalar(
        "INSERT INTO webhook_subscriptions (name, url, events, secret, language, active, created_at) \
         VALUES ($1, $2, $3, $4, $5, TRUE, $6) RETURNING id"
    )
    .bind(name)
    .bind(url)
    .bind(events)
    .bind(secret)
    .bind(language)
    .bind(now.0)
    .fetch_one(c)
    .await
    })?)
}

/// Change a subscription's name, URL, events and language, and its secret when `secret` is
/// given; false when there is no such subscription.
#[allow(clippy::too_many_arguments)]
pub async fn update_subscription(
    tx: &mut Tx,
    id: i64,
    name: &str,
    url: &str,
    events: &str,
    secret: Option<&str>,
    language: &str,
) -> StoreResult<bool> {
    let n = on_tx!(tx, |c| {
        sqlx::query(
            "UPDATE webhook_subscriptions SET name = $1, url = $2, events = $3, language = $4, \
             secret = COALESCE($5, secret) WHERE id = $6",
        )
        .bind(name)
        .bind(url)
        .bind(events)
        .bind(language)
        .bind(secret)
        .bind(id)
        .execute(c)
        .await
        .map(|r| r.rows_affected())
    })?;
    Ok(n == 1)
}

/// Turn delivery to a subscription on or off; false when there is no such subscription.
/// Jobs already queued for it stay queued but are not attempted while it is off.
pub async fn set_active(tx: &mut Tx, id: i64, active: bool) -> StoreResult<bool> {
    let n = on_tx!(tx, |c| {
        sqlx::query("UPDATE webhook_subscriptions SET active = $1 WHERE id = $2")
            .bind(active)
            .bind(id)
            .execute(c)
            .await
            .map(|r| r.rows_affected())
    })?;
    Ok(n == 1)
}

/// Queue `event` with `payload` for one subscription only (the admin's "send test event"):
/// the outbox row is written already fanned out, with its single job due at `now`. Returns
/// the job id.
pub async fn enqueue_for(
    tx: &mut Tx,
    subscription: i64,
    event: &str,
    payload: &str,
    now: Instant,
) -> StoreResult<i64> {
    let outbox: i64 = on_tx!(tx, |c| {
        sqlx::query_scalar(
            "INSERT INTO webhook_outbox (event, ticket_id, payload, created_at, fanned_out) \
             VALUES ($1, NULL, $2, $3, TRUE) RETURNING id",
        )
        .bind(event)
        .bind(payload)
        .bind(now.0)
        .fetch_one(c)
        .await
    })?;
    Ok(on_tx!(tx, |c| {
        sqlx::query_scalar(
            "INSERT INTO webhook_jobs (outbox_id, subscription_id, status, attempts, next_attempt_at) \
             VALUES ($1, $2, 'pending', 0, $3) RETURNING id",
        )
        .bind(outbox)
        .bind(subscription)
        .bind(now.0)
        .fetch_one(c)
        .await
    })?)
}

/// Every subscription.
pub async fn subscriptions(db: &Db) -> StoreResult<Vec<SubscriptionRecord>> {
    let rows: Vec<(i64, String, String, String, String, bool, i64)> = on_db!(db, |p| {
        sqlx::query_as(
        "SELECT id, name, url, events, language, active, created_at FROM webhook_subscriptions ORDER BY id"
    )
    .fetch_all(p)
    .await
    })?;
    Ok(rows
        .into_iter()
        .map(
            |(id, name, url, events, language, active, at)| SubscriptionRecord {
                id,
                name,
                url,
                events,
                language,
                active,
                created_at: Instant(at),
            },
        )
        .collect())
}

/// Turn every outbox event not yet fanned out into one pending job per active subscription
/// that wants it; returns the number of jobs created.
pub async fn fan_out(tx: &mut Tx, now: Instant) -> StoreResult<u64> {
    let max: Option<i64> = on_tx!(tx, |c| sqlx::query_scalar(
        "SELECT MAX(id) FROM webhook_outbox WHERE NOT fanned_out"
    )
    .fetch_one(c)
    .await)?;
    let Some(max) = max else { return Ok(0) };
    let n = on_tx!(tx, |c| {
        sqlx::query(
        "INSERT INTO webhook_jobs (outbox_id, subscription_id, status, attempts, next_attempt_at) \
         SELECT o.id, s.id, 'pending', 0, $1 FROM webhook_outbox o JOIN webhook_subscriptions s ON s.active \
         WHERE NOT o.fanned_out AND o.id <= $2 \
           AND (s.events = '*' OR (',' || s.events || ',') LIKE ('%,' || o.event || ',%')) \
         ON CONFLICT (outbox_id, subscription_id) DO NOTHING"
    )
    .bind(now.0)
    .bind(max)
    .execute(c)
    .await
    .map(|r| r.rows_affected())
    })?;
    on_tx!(tx, |c| sqlx::query(
        "UPDATE webhook_outbox SET fanned_out = TRUE WHERE NOT fanned_out AND id <= $1"
    )
    .bind(max)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(n)
}

/// A job due for delivery with what it needs.
#[derive(Debug, Clone)]
pub struct DueJob {
    /// Job id.
    pub id: i64,
    /// Attempts so far.
    pub attempts: i64,
    /// Target.
    pub url: String,
    /// HMAC secret.
    pub secret: String,
    /// Message language.
    pub language: String,
    /// Event name.
    pub event: String,
    /// Event payload (JSON text).
    pub payload: String,
}

/// Pending jobs whose next attempt is due at `now`, oldest first.
pub async fn due_jobs(db: &Db, now: Instant, limit: i64) -> StoreResult<Vec<DueJob>> {
    type Row = (i64, i64, String, String, String, String, String);
    let rows: Vec<Row> = on_db!(db, |p| {
        sqlx::query_as(
        "SELECT j.id, j.attempts, s.url, s.secret, s.language, o.event, o.payload FROM webhook_jobs j \
         JOIN webhook_subscriptions s ON s.id = j.subscription_id JOIN webhook_outbox o ON o.id = j.outbox_id \
         WHERE j.status = 'pending' AND s.active AND j.next_attempt_at <= $1 ORDER BY j.next_attempt_at, j.id LIMIT $2"
    )
    .bind(now.0)
    .bind(limit)
    .fetch_all(p)
    .await
    })?;
    Ok(rows
        .into_iter()
        .map(
            |(id, attempts, url, secret, language, event, payload)| DueJob {
                id,
                attempts,
                url,
                secret,
                language,
                event,
                payload,
            },
        )
        .collect())
}

/// What became of a job after an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobOutcome {
    /// The receiver answered 2xx.
    Delivered,
    /// Try again at this instant.
    RetryAt(Instant),
    /// Gave up after the last attempt.
    Failed,
}

/// One attempt to log.
#[derive(Debug, Clone)]
pub struct Attempt {
    /// Job.
    pub job: i64,
    /// Attempt number (1-based).
    pub attempt: i64,
    /// When.
    pub at: Instant,
    /// HTTP status, if the receiver answered.
    pub http_status: Option<i64>,
    /// Why it failed, if it did.
    pub error: Option<String>,
    /// How long it took.
    pub duration_ms: i64,
}

/// Log an attempt and move the job on.
pub async fn record_attempt(tx: &mut Tx, a: &Attempt, outcome: JobOutcome) -> StoreResult<()> {
    on_tx!(tx, |c| {
        sqlx::query(
        "INSERT INTO webhook_deliveries (job_id, attempt, at, http_status, error, duration_ms) VALUES ($1, $2, $3, $4, $5, $6)"
    )
    .bind(a.job)
    .bind(a.attempt)
    .bind(a.at.0)
    .bind(a.http_status)
    .bind(&a.error)
    .bind(a.duration_ms)
    .execute(c)
    .await
    .map(|r| r.rows_affected())
    })?;
    let (status, next, delivered) = match outcome {
        JobOutcome::Delivered => ("delivered", a.at.0, Some(a.at.0)),
        JobOutcome::RetryAt(t) => ("pending", t.0, None),
        JobOutcome::Failed => ("failed", a.at.0, None),
    };
    on_tx!(tx, |c| {
        sqlx::query(
        "UPDATE webhook_jobs SET status = $1, attempts = $2, next_attempt_at = $3, delivered_at = $4, last_error = $5 WHERE id = $6"
    )
    .bind(status)
    .bind(a.attempt)
    .bind(next)
    .bind(delivered)
    .bind(&a.error)
    .bind(a.job)
    .execute(c)
    .await
    .map(|r| r.rows_affected())
    })?;
    Ok(())
}

/// One line of the delivery log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeliveryRecord {
    /// Job.
    pub job_id: i64,
    /// Subscription.
    pub subscription_id: i64,
    /// Event.
    pub event: String,
    /// Ticket, if any.
    pub ticket_id: Option<i64>,
    /// Attempt number.
    pub attempt: i64,
    /// When.
    pub at: Instant,
    /// HTTP status.
    pub http_status: Option<i64>,
    /// Error.
    pub error: Option<String>,
    /// Duration.
    pub duration_ms: i64,
    /// The job's status now.
    pub job_status: String,
    /// Attempts the job has had so far.
    pub job_attempts: i64,
    /// The job's next attempt, while it is pending.
    pub next_attempt_at: Option<Instant>,
    /// The error of the job's latest attempt, if it failed.
    pub last_error: Option<String>,
}

/// The delivery log, newest first.
pub async fn deliveries(db: &Db, limit: i64) -> StoreResult<Vec<DeliveryRecord>> {
    type Row = (
        i64,
        i64,
        String,
        Option<i64>,
        i64,
        i64,
        Option<i64>,
        Option<String>,
        i64,
        String,
        i64,
        i64,
        Option<String>,
    );
    let rows: Vec<Row> = on_db!(db, |p| {
        sqlx::query_as(
        "SELECT d.job_id, j.subscription_id, o.event, o.ticket_id, d.attempt, d.at, d.http_status, d.error, d.duration_ms, j.status, \
         j.attempts, j.next_attempt_at, j.last_error \
         FROM webhook_deliveries d JOIN webhook_jobs j ON j.id = d.job_id JOIN webhook_outbox o ON o.id = j.outbox_id \
         ORDER BY d.id DESC LIMIT $1"
    )
    .bind(limit)
    .fetch_all(p)
    .await
    })?;
    Ok(rows
        .into_iter()
        .map(|r| DeliveryRecord {
            job_id: r.0,
            subscription_id: r.1,
            event: r.2,
            ticket_id: r.3,
            attempt: r.4,
            at: Instant(r.5),
            http_status: r.6,
            error: r.7,
            duration_ms: r.8,
            next_attempt_at: (r.9 == "pending").then_some(Instant(r.11)),
            job_status: r.9,
            job_attempts: r.10,
            last_error: r.12,
        })
        .collect())
}
