//! Outbound webhooks (SMS gateways, WeChat bridges, the brand's systems): an admin subscribes
//! a URL to ticket events with a secret; every event is written to the outbox in the same
//! transaction as the change that caused it; a background task fans events out into one job
//! per subscription and delivers them with an HMAC-SHA256 signature, retrying with
//! exponential backoff. A request never waits for a delivery.
//!
//! Delivery is plain HTTP for now (the binary carries no TLS client yet): subscribe an
//! internal endpoint or a local relay; `https://` URLs are refused with that reason.

use crate::App;
use crate::access::Actor;
use crate::error::{AppError, AppResult};
use aftercare_domain::{Instant, Role};
use aftercare_store::audit;
use aftercare_store::webhooks::{
    self as store, Attempt, DeliveryRecord, DueJob, JobOutcome, SubscriptionRecord,
};
use hmac::{Hmac, KeyInit, Mac};
use serde::{Deserialize, Serialize};

/// Every event a subscription can ask for.
pub const EVENTS: &[&str] = &[
    "ticket.created",
    "ticket.dispatched",
    "ticket.accepted",
    "ticket.rejected",
    "ticket.accept_timeout",
    "ticket.appointment_booked",
    "ticket.completed",
    "ticket.callback_done",
    "ticket.callback_not_fixed",
    "ticket.cancelled",
    "ticket.reopened",
    "ticket.closed",
    "ticket.sla_at_risk",
    "ticket.sla_breached",
];

/// Attempts before a job is given up.
pub const MAX_ATTEMPTS: i64 = 8;
/// Wait before the second attempt; doubled after each further failure.
pub const FIRST_RETRY_SECONDS: i64 = 30;
/// The header carrying `sha256=<hex HMAC of the body>`.
pub const SIGNATURE_HEADER: &str = "x-aftercare-signature";

/// A subscription to add.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NewSubscription {
    /// Name.
    pub name: String,
    /// `http://` URL.
    pub url: String,
    /// Event names (see [`EVENTS`]) or `["*"]`.
    pub events: Vec<String>,
    /// Shared secret for the signature (at least 16 characters).
    pub secret: String,
    /// `zh-CN` or `en` for the customer message texts.
    pub language: String,
}

/// The wait after failed attempt `attempt` (1-based): 30 s, 60 s, 120 s, ...
pub fn backoff_seconds(attempt: i64) -> i64 {
    FIRST_RETRY_SECONDS << (attempt - 1).clamp(0, 16)
}

/// `sha256=<hex>` of the HMAC-SHA256 of `body` with `secret`.
pub fn signature(secret: &str, body: &[u8]) -> String {
    let mut mac = <Hmac<sha2_next::Sha256> as KeyInit>::new_from_slice(secret.as_bytes())
        .expect("HMAC takes a key of any length");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// The customer-facing text of an event in `lang`, for the events that have one.
pub fn message(event: &str, lang: &str, number: &str, appointment: Option<&str>) -> Option<String> {
    let zh = lang == "zh-CN";
    Some(match (event, zh) {
        ("ticket.appointment_booked", true) => format!(
            "【售后服务】您的工单 {number} 已预约，技师将于 {} 上门，请保持电话畅通。",
            appointment.unwrap_or("约定时间")
        ),
        ("ticket.appointment_booked", false) => format!(
            "Your service ticket {number} is booked: a technician will visit at {}. Please keep your phone at hand.",
            appointment.unwrap_or("the agreed time")
        ),
        ("ticket.completed", true) => {
            format!("【售后服务】您的工单 {number} 已完工。我们将回访了解维修效果，感谢您的耐心。")
        }
        ("ticket.completed", false) => format!(
            "Your service ticket {number} is completed. We will call you to check the repair. Thank you for your patience."
        ),
        ("ticket.callback_done", true) => {
            format!("【售后服务】感谢您对工单 {number} 的评价，祝您生活愉快。")
        }
        ("ticket.callback_done", false) => {
            format!("Thank you for rating service ticket {number}. Have a nice day.")
        }
        _ => return None,
    })
}

fn body_of(job: &DueJob, tz: &chrono_tz::Tz) -> Vec<u8> {
    let mut payload: serde_json::Value =
        serde_json::from_str(&job.payload).unwrap_or(serde_json::Value::Null);
    let number = payload["ticket"]["number"]
        .as_str()
        .unwrap_or("")
        .to_string();
    let appointment = payload["ticket"]["appointment_start"].as_i64().map(|ms| {
        Instant(ms)
            .to_utc()
            .with_timezone(tz)
            .format("%Y-%m-%d %H:%M")
            .to_string()
    });
    if let Some(text) = message(&job.event, &job.language, &number, appointment.as_deref()) {
        payload["message"] = serde_json::json!({ "language": job.language, "text": text });
    }
    payload["delivery"] = serde_json::json!(job.id);
    payload.to_string().into_bytes()
}

impl App {
    /// Subscribe a URL to events (admin).
    pub async fn add_webhook(
        &self,
        actor: &Actor,
        s: NewSubscription,
    ) -> AppResult<SubscriptionRecord> {
        actor.require(&[Role::Admin], "configure webhooks")?;
        let mut errors = Vec::new();
        let name = aftercare_domain::validate::name("name", &s.name)
            .map_err(|e| errors.push(e))
            .ok();
        let url = s.url.trim().to_string();
        if url.starts_with("https://") {
            errors.push(aftercare_domain::ValidationError::new(
                "url",
                "https delivery is not available yet (no TLS client in this build): use an http endpoint on your network or a local relay",
            ));
        } else if !url.starts_with("http://") || url.len() < 10 || url.contains(char::is_whitespace)
        {
            errors.push(aftercare_domain::ValidationError::new(
                "url",
                "must be an http:// URL",
            ));
        }
        let events: Vec<String> = s
            .events
            .iter()
            .map(|e| e.trim().to_string())
            .filter(|e| !e.is_empty())
            .collect();
        if events.is_empty() {
            errors.push(aftercare_domain::ValidationError::new(
                "events",
                "name at least one event, or *",
            ));
        }
        for e in &events {
            if e != "*" && !EVENTS.contains(&e.as_str()) {
                errors.push(aftercare_domain::ValidationError::new(
                    "events",
                    format!("unknown event '{e}'; known: {}", EVENTS.join(", ")),
                ));
            }
        }
        if s.secret.chars().count() < 16 {
            errors.push(aftercare_domain::ValidationError::new(
                "secret",
                "must be at least 16 characters",
            ));
        }
        if s.language != "zh-CN" && s.language != "en" {
            errors.push(aftercare_domain::ValidationError::new(
                "language",
                "must be zh-CN or en",
            ));
        }
        if !errors.is_empty() {
            return Err(AppError::Invalid(errors));
        }
        let events = if events.iter().any(|e| e == "*") {
            "*".to_string()
        } else {
            events.join(",")
        };
        let now = self.now();
        let mut tx = self.db.begin_write().await?;
        let id = store::insert_subscription(
            &mut tx,
            &name.unwrap_or_default(),
            &url,
            &events,
            &s.secret,
            &s.language,
            now,
        )
        .await?;
        let mut entry = actor.audit(now, "webhook.create", "webhook", id);
        entry.after = Some(serde_json::json!({ "url": url, "events": events }));
        audit::record(&mut tx, &entry).await?;
        tx.commit().await?;
        store::subscriptions(&self.db)
            .await?
            .into_iter()
            .find(|r| r.id == id)
            .ok_or_else(|| AppError::Unexpected("subscription vanished".into()))
    }

    /// Every subscription (admin; secrets are not shown).
    pub async fn webhooks(&self, actor: &Actor) -> AppResult<Vec<SubscriptionRecord>> {
        actor.require(&[Role::Admin], "see webhooks")?;
        Ok(store::subscriptions(&self.db).await?)
    }

    /// The delivery log, newest first (admin).
    pub async fn webhook_deliveries(
        &self,
        actor: &Actor,
        limit: i64,
    ) -> AppResult<Vec<DeliveryRecord>> {
        actor.require(&[Role::Admin], "see webhook deliveries")?;
        Ok(store::deliveries(&self.db, limit.clamp(1, 1000)).await?)
    }

    /// Fan new outbox events out to subscriptions and attempt every due job once; returns the
    /// number of attempts made. Failures are logged and retried with exponential backoff.
    pub async fn deliver_webhooks(&self, client: &reqwest::Client) -> AppResult<usize> {
        let now = self.now();
        let mut tx = self.db.begin_write().await?;
        store::fan_out(&mut tx, now).await?;
        tx.commit().await?;
        let tz = self.company_tz().await?;
        let jobs = store::due_jobs(&self.db, now, 100).await?;
        let mut attempts = 0;
        for job in jobs {
            let body = body_of(&job, &tz);
            let started = std::time::Instant::now();
            let sent = client
                .post(&job.url)
                .header("content-type", "application/json")
                .header(SIGNATURE_HEADER, signature(&job.secret, &body))
                .header("x-aftercare-event", &job.event)
                .header("x-aftercare-delivery", job.id.to_string())
                .body(body)
                .send()
                .await;
            let duration_ms = started.elapsed().as_millis() as i64;
            let attempt = job.attempts + 1;
            let (http_status, error) = match &sent {
                Ok(r) if r.status().is_success() => (Some(i64::from(r.status().as_u16())), None),
                Ok(r) => (
                    Some(i64::from(r.status().as_u16())),
                    Some(format!("HTTP {}", r.status())),
                ),
                Err(e) => (None, Some(e.to_string())),
            };
            let outcome = if error.is_none() {
                JobOutcome::Delivered
            } else if attempt >= MAX_ATTEMPTS {
                JobOutcome::Failed
            } else {
                JobOutcome::RetryAt(Instant(now.0 + backoff_seconds(attempt) * 1000))
            };
            let mut tx = self.db.begin_write().await?;
            store::record_attempt(
                &mut tx,
                &Attempt {
                    job: job.id,
                    attempt,
                    at: now,
                    http_status,
                    error,
                    duration_ms,
                },
                outcome,
            )
            .await?;
            tx.commit().await?;
            attempts += 1;
        }
        Ok(attempts)
    }

    /// Deliver webhooks every `every`, forever (the server spawns this and aborts it on
    /// shutdown).
    pub async fn run_webhook_delivery(self, every: std::time::Duration) {
        let client = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(10))
            .build()
            .unwrap_or_default();
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if let Err(e) = self.deliver_webhooks(&client).await {
                tracing::warn!(error = %e, "webhook delivery failed");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_is_hmac_sha256_of_the_body() {
        // RFC 4231 test case 2.
        assert_eq!(
            signature("Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn backoff_doubles_from_thirty_seconds() {
        assert_eq!(
            (1..=4).map(backoff_seconds).collect::<Vec<_>>(),
            [30, 60, 120, 240]
        );
    }

    #[test]
    fn customer_messages_exist_in_both_languages_for_the_three_events() {
        for e in [
            "ticket.appointment_booked",
            "ticket.completed",
            "ticket.callback_done",
        ] {
            let zh = message(e, "zh-CN", "T20261122-000001", Some("2026-11-22 14:00")).unwrap();
            let en = message(e, "en", "T20261122-000001", Some("2026-11-22 14:00")).unwrap();
            assert!(zh.contains("T20261122-000001") && en.contains("T20261122-000001"));
            assert_ne!(zh, en);
        }
        assert!(message("ticket.created", "en", "T", None).is_none());
    }
}
