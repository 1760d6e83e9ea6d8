//! Outbound webhooks (SMS gateways, WeChat bridges, the brand's systems): an admin subscribes
//! a URL to ticket events with a secret; every event is written to the outbox in the same
//! transaction as the change that caused it; a background task fans events out into one job
//! per subscription and delivers them with an HMAC-SHA256 signature, retrying with
//! exponential backoff. A request never waits for a delivery.
//!
//! Delivery speaks HTTP and HTTPS. TLS is rustls with the aws-lc-rs provider (the one sqlx
//! already uses, so the tree carries one crypto library and no OpenSSL); server
//! certificates are checked against the Mozilla roots compiled in from `webpki-roots` plus,
//! optionally, the CAs of one PEM file (`webhooks.extra_ca_file`) for receivers inside the
//! company signed by its own CA. Compiled-in roots rather than the platform verifier so that
//! delivery behaves the same on every host, including slim containers with no CA bundle.

use crate::App;
use crate::access::Actor;
use crate::error::{AppError, AppResult};
use crate::message_templates::{template_in_force, values_of};
use aftercare_domain::message::{MessageEvent, MessageValues};
use aftercare_domain::settings::Lang;
use aftercare_domain::{Instant, Role};
use aftercare_store::audit;
use aftercare_store::message_templates::{self as template_store, TemplateRow, TicketFacts};
use aftercare_store::webhooks::{
    self as store, Attempt, DeliveryRecord, DueJob, JobOutcome, SubscriptionRecord,
};
use hmac::{Hmac, KeyInit, Mac};
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use serde::{Deserialize, Serialize};
use std::path::Path;
use std::sync::Arc;

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
    /// `http://` or `https://` URL.
    pub url: String,
    /// Event names (see [`EVENTS`]) or `["*"]`.
    pub events: Vec<String>,
    /// Shared secret for the signature (at least 16 characters).
    pub secret: String,
    /// `zh-CN` or `en` for the customer message texts.
    pub language: String,
}

/// The event the admin's "send test event" queues (not subscribable).
pub const TEST_EVENT: &str = "webhook.test";

/// New values for a subscription.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WebhookUpdate {
    /// Name.
    pub name: String,
    /// `http://` or `https://` URL.
    pub url: String,
    /// Event names (see [`EVENTS`]) or `["*"]`.
    pub events: Vec<String>,
    /// A new secret (at least 16 characters); `None` or empty keeps the current one.
    pub secret: Option<String>,
    /// `zh-CN` or `en`.
    pub language: String,
}

/// Checked subscription fields, events joined as stored.
struct Valid {
    name: String,
    url: String,
    events: String,
    language: String,
}

/// Check every field and report every failure at once (`secret` only when given).
fn validate(
    name: &str,
    url: &str,
    events: &[String],
    secret: Option<&str>,
    language: &str,
) -> AppResult<Valid> {
    let mut errors = Vec::new();
    let name = aftercare_domain::validate::name("name", name)
        .map_err(|e| errors.push(e))
        .ok();
    let url = url.trim().to_string();
    if let Err(e) = check_url(&url) {
        errors.push(e);
    }
    let events: Vec<String> = events
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
    if let Some(secret) = secret
        && secret.chars().count() < 16
    {
        errors.push(aftercare_domain::ValidationError::new(
            "secret",
            "must be at least 16 characters",
        ));
    }
    if language != "zh-CN" && language != "en" {
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
    Ok(Valid {
        name: name.unwrap_or_default(),
        url,
        events,
        language: language.to_string(),
    })
}

/// A fresh random secret for a subscription (32 hex characters = 128 bits), for an admin
/// who leaves the secret empty.
pub fn generate_secret() -> String {
    use rand::TryRngCore;
    let mut bytes = [0u8; 16];
    rand::rngs::OsRng
        .try_fill_bytes(&mut bytes)
        .expect("the operating system's random source works");
    hex::encode(bytes)
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

/// The customer-facing text of `event` in `lang` (`zh-CN` or `en`) from the templates in
/// force (`templates`: the stored rows; the built-in text where none), for the events that
/// have one.
pub fn message(
    templates: &[TemplateRow],
    event: &str,
    lang: &str,
    values: &MessageValues,
) -> Option<String> {
    let event = MessageEvent::parse(event)?;
    let lang = Lang::parse(lang).unwrap_or_default();
    Some(template_in_force(templates, event, lang).render(lang, values))
}

/// Check a delivery URL: `http://` or `https://` with a host, no spaces.
fn check_url(url: &str) -> Result<(), aftercare_domain::ValidationError> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"));
    match rest {
        Some(r) if !r.is_empty() && !r.starts_with('/') && !url.contains(char::is_whitespace) => {
            Ok(())
        }
        _ => Err(aftercare_domain::ValidationError::new(
            "url",
            "must be an http:// or https:// URL with a host, without spaces",
        )),
    }
}

/// The HTTP(S) client webhooks are delivered with.
#[derive(Clone)]
pub struct WebhookClient {
    http: hyper_util::client::legacy::Client<
        hyper_rustls::HttpsConnector<hyper_util::client::legacy::connect::HttpConnector>,
        http_body_util::Full<hyper::body::Bytes>,
    >,
    timeout: std::time::Duration,
}

impl WebhookClient {
    /// rustls (aws-lc-rs) trusting the compiled-in `webpki-roots` plus every certificate in
    /// `extra_ca_file` (PEM); 10 s per delivery. A missing, unreadable or certificate-less
    /// file is an error naming the file, so the server refuses to start rather than failing
    /// every delivery later.
    pub fn new(extra_ca_file: Option<&Path>) -> AppResult<WebhookClient> {
        const FIELD: &str = "webhooks.extra_ca_file";
        let mut roots = rustls::RootCertStore::empty();
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        if let Some(path) = extra_ca_file {
            let shown = path.display();
            let pem = std::fs::read(path)
                .map_err(|e| AppError::invalid(FIELD, format!("cannot read {shown}: {e}")))?;
            let mut added = 0;
            for cert in CertificateDer::pem_slice_iter(&pem) {
                let cert = cert.map_err(|e| {
                    AppError::invalid(FIELD, format!("{shown} is not valid PEM: {e:?}"))
                })?;
                roots.add(cert).map_err(|e| {
                    AppError::invalid(
                        FIELD,
                        format!("{shown} holds an unusable CA certificate: {e}"),
                    )
                })?;
                added += 1;
            }
            if added == 0 {
                return Err(AppError::invalid(
                    FIELD,
                    format!("{shown} holds no PEM certificate (-----BEGIN CERTIFICATE-----)"),
                ));
            }
        }
        let tls = rustls::ClientConfig::builder_with_provider(Arc::new(
            rustls::crypto::aws_lc_rs::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .map_err(|e| AppError::Unexpected(format!("TLS setup: {e}")))?
        .with_root_certificates(roots)
        .with_no_client_auth();
        let connector = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(tls)
            .https_or_http()
            .enable_http1()
            .build();
        let http =
            hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
                .build(connector);
        Ok(WebhookClient {
            http,
            timeout: std::time::Duration::from_secs(10),
        })
    }

    /// POST `body` to `url` with `headers`; the HTTP status, or why there is none.
    async fn post(
        &self,
        url: &str,
        headers: &[(&str, String)],
        body: Vec<u8>,
    ) -> Result<u16, String> {
        let mut req = hyper::Request::post(url);
        for (k, v) in headers {
            req = req.header(*k, v);
        }
        let req = req
            .body(http_body_util::Full::new(hyper::body::Bytes::from(body)))
            .map_err(|e| format!("bad request: {e}"))?;
        match tokio::time::timeout(self.timeout, self.http.request(req)).await {
            Err(_) => Err(format!("no answer within {} s", self.timeout.as_secs())),
            Ok(Err(e)) => Err(error_chain(&e)),
            Ok(Ok(resp)) => {
                let status = resp.status().as_u16();
                // Read (and drop) the body so the connection can be reused.
                let _ = tokio::time::timeout(
                    self.timeout,
                    http_body_util::BodyExt::collect(resp.into_body()),
                )
                .await;
                Ok(status)
            }
        }
    }
}

/// An error with its causes ("client error (Connect): invalid peer certificate:
/// UnknownIssuer"): the top-level message alone does not say what went wrong.
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let part = s.to_string();
        if !text.contains(&part) {
            text.push_str(": ");
            text.push_str(&part);
        }
        source = s.source();
    }
    text
}

/// The ticket, station and technician ids an event payload names.
fn payload_ids(payload: &serde_json::Value) -> Option<(i64, Option<i64>, Option<i64>)> {
    let t = &payload["ticket"];
    Some((
        t["id"].as_i64()?,
        t["station_id"].as_i64(),
        t["technician_id"].as_i64(),
    ))
}

fn body_of(
    job: &DueJob,
    tz: &chrono_tz::Tz,
    templates: &[TemplateRow],
    facts: Option<&TicketFacts>,
) -> Vec<u8> {
    let mut payload: serde_json::Value =
        serde_json::from_str(&job.payload).unwrap_or(serde_json::Value::Null);
    let number = payload["ticket"]["number"]
        .as_str()
        .unwrap_or("")
        .to_string();
    // The appointment as it was when the event happened, not as it is now.
    let appointment = payload["ticket"]["appointment_start"].as_i64();
    let lang = Lang::parse(&job.language).unwrap_or_default();
    let values = values_of(&number, appointment, facts, lang, tz);
    if let Some(text) = message(templates, &job.event, &job.language, &values) {
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
        self.add_webhook_once(actor, s, None).await
    }

    /// [`App::add_webhook`] under a request key: the form sent again is refused as already
    /// sent (every event would have reached the receiver twice), not a second subscription.
    pub async fn add_webhook_once(
        &self,
        actor: &Actor,
        s: NewSubscription,
        key: Option<&str>,
    ) -> AppResult<SubscriptionRecord> {
        actor.require(&[Role::Admin], "configure webhooks")?;
        let key = key.map(crate::request_keys::checked).transpose()?;
        self.refuse_if_sent(actor, key, "webhook.create", "webhook")
            .await?;
        let v = validate(&s.name, &s.url, &s.events, Some(&s.secret), &s.language)?;
        let now = self.now();
        let mut tx = self.db.begin_write().await?;
        let id = store::insert_subscription(
            &mut tx,
            &v.name,
            &v.url,
            &v.events,
            &s.secret,
            &v.language,
            now,
        )
        .await?;
        let mut entry = actor.audit(now, "webhook.create", "webhook", id);
        entry.after = Some(serde_json::json!({ "url": v.url, "events": v.events }));
        audit::record(&mut tx, &entry).await?;
        self.claim_key(&mut tx, actor, key, ("webhook.create", "webhook", id))
            .await?;
        tx.commit().await?;
        self.webhook(actor, id).await
    }

    /// One subscription (admin; the secret is not shown).
    pub async fn webhook(&self, actor: &Actor, id: i64) -> AppResult<SubscriptionRecord> {
        actor.require(&[Role::Admin], "see webhooks")?;
        store::subscriptions(&self.db)
            .await?
            .into_iter()
            .find(|r| r.id == id)
            .ok_or_else(|| AppError::not_found(format!("webhook {id}")))
    }

    /// Change a subscription (admin); the secret only when a new one is given. Every field
    /// is checked first: on bad input nothing changes.
    pub async fn update_webhook(
        &self,
        actor: &Actor,
        id: i64,
        u: WebhookUpdate,
    ) -> AppResult<SubscriptionRecord> {
        actor.require(&[Role::Admin], "configure webhooks")?;
        let secret = u.secret.as_deref().filter(|s| !s.is_empty());
        let v = validate(&u.name, &u.url, &u.events, secret, &u.language)?;
        let before = self.webhook(actor, id).await?;
        let now = self.now();
        let mut tx = self.db.begin_write().await?;
        if !store::update_subscription(&mut tx, id, &v.name, &v.url, &v.events, secret, &v.language)
            .await?
        {
            return Err(AppError::not_found(format!("webhook {id}")));
        }
        let mut entry = actor.audit(now, "webhook.update", "webhook", id);
        entry.before = Some(serde_json::json!({
            "name": before.name, "url": before.url, "events": before.events, "language": before.language,
        }));
        entry.after = Some(serde_json::json!({
            "name": v.name, "url": v.url, "events": v.events, "language": v.language,
            "secret_changed": secret.is_some(),
        }));
        audit::record(&mut tx, &entry).await?;
        tx.commit().await?;
        self.webhook(actor, id).await
    }

    /// Turn a subscription's delivery off or back on (admin). While off, no new events are
    /// queued for it and its queued jobs wait.
    pub async fn set_webhook_active(
        &self,
        actor: &Actor,
        id: i64,
        active: bool,
    ) -> AppResult<SubscriptionRecord> {
        actor.require(&[Role::Admin], "configure webhooks")?;
        let now = self.now();
        let mut tx = self.db.begin_write().await?;
        if !store::set_active(&mut tx, id, active).await? {
            return Err(AppError::not_found(format!("webhook {id}")));
        }
        let action = if active {
            "webhook.enable"
        } else {
            "webhook.disable"
        };
        audit::record(&mut tx, &actor.audit(now, action, "webhook", id)).await?;
        tx.commit().await?;
        self.webhook(actor, id).await
    }

    /// Queue a `webhook.test` event for one active subscription (admin), delivered by the
    /// next delivery round like any other; returns the job id to find in the log.
    pub async fn send_test_webhook(&self, actor: &Actor, id: i64) -> AppResult<i64> {
        let sub = self.webhook(actor, id).await?;
        if !sub.active {
            return Err(AppError::Conflict {
                code: "webhook.disabled".into(),
                message: format!("webhook {id} is disabled: enable it to send a test event"),
            });
        }
        let now = self.now();
        let payload = serde_json::json!({
            "event": TEST_EVENT,
            "at": now.0,
            "test": true,
            "subscription": { "id": sub.id, "name": sub.name },
        });
        let mut tx = self.db.begin_write().await?;
        let job = store::enqueue_for(&mut tx, id, TEST_EVENT, &payload.to_string(), now).await?;
        audit::record(&mut tx, &actor.audit(now, "webhook.test", "webhook", id)).await?;
        tx.commit().await?;
        Ok(job)
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
    pub async fn deliver_webhooks(&self, client: &WebhookClient) -> AppResult<usize> {
        let now = self.now();
        let mut tx = self.db.begin_write().await?;
        store::fan_out(&mut tx, now).await?;
        tx.commit().await?;
        let tz = self.company_tz().await?;
        let jobs = store::due_jobs(&self.db, now, 100).await?;
        let templates = template_store::list(&self.db).await?;
        let mut attempts = 0;
        for job in jobs {
            // Names (customer, station, technician, model) are read only for the events
            // that carry a customer message.
            let facts = match MessageEvent::parse(&job.event)
                .and_then(|_| serde_json::from_str(&job.payload).ok())
                .as_ref()
                .and_then(payload_ids)
            {
                Some((ticket, station, technician)) => {
                    template_store::ticket_facts(&self.db, ticket, station, technician).await?
                }
                None => None,
            };
            let body = body_of(&job, &tz, &templates, facts.as_ref());
            let started = std::time::Instant::now();
            let headers = [
                ("content-type", "application/json".to_string()),
                (SIGNATURE_HEADER, signature(&job.secret, &body)),
                ("x-aftercare-event", job.event.clone()),
                ("x-aftercare-delivery", job.id.to_string()),
            ];
            let sent = client.post(&job.url, &headers, body).await;
            let duration_ms = started.elapsed().as_millis() as i64;
            let attempt = job.attempts + 1;
            let (http_status, error) = match sent {
                Ok(code) if (200..300).contains(&code) => (Some(i64::from(code)), None),
                Ok(code) => (
                    Some(i64::from(code)),
                    Some(format!(
                        "HTTP {code}{}",
                        hyper::StatusCode::from_u16(code)
                            .ok()
                            .and_then(|c| c.canonical_reason())
                            .map(|r| format!(" {r}"))
                            .unwrap_or_default()
                    )),
                ),
                Err(e) => (None, Some(e)),
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

    /// Deliver webhooks every `every` with `client`, forever (the server spawns this and
    /// aborts it on shutdown).
    pub async fn run_webhook_delivery(self, every: std::time::Duration, client: WebhookClient) {
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
        let values = MessageValues {
            ticket_number: Some("T20261122-000001".into()),
            appointment: Some("2026-11-22 14:00".into()),
            ..Default::default()
        };
        for e in [
            "ticket.appointment_booked",
            "ticket.completed",
            "ticket.callback_done",
        ] {
            let zh = message(&[], e, "zh-CN", &values).unwrap();
            let en = message(&[], e, "en", &values).unwrap();
            assert!(zh.contains("T20261122-000001") && en.contains("T20261122-000001"));
            assert_ne!(zh, en);
        }
        assert!(message(&[], "ticket.created", "en", &values).is_none());
    }

    #[test]
    fn a_stored_template_replaces_the_built_in_text_for_its_language_only() {
        let rows = [TemplateRow {
            event: "ticket.completed".into(),
            lang: "en".into(),
            body: Some("Done: {ticket_number} by {technician}".into()),
            version: 1,
            updated_by: "admin".into(),
            updated_at: Instant(0),
        }];
        let values = MessageValues {
            ticket_number: Some("T1".into()),
            technician: Some("Li".into()),
            ..Default::default()
        };
        assert_eq!(
            message(&rows, "ticket.completed", "en", &values).as_deref(),
            Some("Done: T1 by Li")
        );
        assert!(
            message(&rows, "ticket.completed", "zh-CN", &values)
                .unwrap()
                .starts_with("【售后服务】您的工单 T1 已完工")
        );
    }
}
