//! Webhook delivery against a real local receiver (a TcpListener on a random port speaking
//! HTTP/1.1) that fails the first attempts: retries with backoff, the signature, the message
//! text, and the delivery log; HTTPS delivery to a receiver with a certificate from a test
//! CA (trusted through `extra_ca_file`, and not trusted without it); editing, disabling and
//! the test event; on SQLite and PostgreSQL.

use aftercare_app::access::principal_of;
use aftercare_app::tickets::IntakeRequest;
use aftercare_app::webhooks::{
    NewSubscription, SIGNATURE_HEADER, TEST_EVENT, WebhookClient, WebhookUpdate, signature,
};
use aftercare_app::{Actor, App, AppConfig, AppError, FixedClock};
use aftercare_domain::Instant;
use aftercare_domain::customer::{AddressInput, CustomerInput, UnitInput};
use aftercare_domain::ticket::{Channel, Priority, TicketInput, TicketType};
use aftercare_store::testing::each_backend;
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

const T0: i64 = 1_795_312_800_000;

#[derive(Debug, Clone)]
struct Received {
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

/// Answer 500 to the first `fail_first` requests, then 200; remember every request. With
/// `tls`, speak HTTPS with that acceptor (the URL then says https://127.0.0.1).
async fn receiver_with(
    fail_first: usize,
    tls: Option<tokio_rustls::TlsAcceptor>,
) -> (String, Arc<Mutex<Vec<Received>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let scheme = if tls.is_some() { "https" } else { "http" };
    let url = format!("{scheme}://{}/hook", listener.local_addr().unwrap());
    let seen: Arc<Mutex<Vec<Received>>> = Arc::default();
    let log = seen.clone();
    tokio::spawn(async move {
        loop {
            let Ok((sock, _)) = listener.accept().await else {
                return;
            };
            match &tls {
                // A failed handshake (the client refusing our certificate) is no request.
                Some(acceptor) => {
                    if let Ok(s) = acceptor.accept(sock).await {
                        answer(s, &log, fail_first).await;
                    }
                }
                None => answer(sock, &log, fail_first).await,
            }
        }
    });
    (url, seen)
}

async fn receiver(fail_first: usize) -> (String, Arc<Mutex<Vec<Received>>>) {
    receiver_with(fail_first, None).await
}

/// Read one HTTP/1.1 request from `sock`, log it and answer.
async fn answer<S: AsyncRead + AsyncWrite + Unpin>(
    mut sock: S,
    log: &Mutex<Vec<Received>>,
    fail_first: usize,
) {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let (head_end, len) = loop {
        let n = sock.read(&mut chunk).await.unwrap_or(0);
        if n == 0 {
            break (0, 0);
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(p) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..p]).to_lowercase();
            let len = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse::<usize>().ok())
                .unwrap_or(0);
            break (p + 4, len);
        }
    };
    while buf.len() < head_end + len {
        let n = sock.read(&mut chunk).await.unwrap_or(0);
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
    let headers = head
        .lines()
        .skip(1)
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_lowercase(), v.trim().to_string()))
        .collect();
    let n = {
        let mut s = log.lock().unwrap();
        s.push(Received {
            headers,
            body: buf[head_end..].to_vec(),
        });
        s.len()
    };
    let status = if n <= fail_first {
        "500 Internal Server Error"
    } else {
        "200 OK"
    };
    let _ = sock
        .write_all(
            format!("HTTP/1.1 {status}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
                .as_bytes(),
        )
        .await;
    let _ = sock.shutdown().await;
}

/// A throwaway CA and a server certificate for 127.0.0.1 signed by it: (CA PEM, acceptor).
fn test_ca_and_acceptor() -> (String, tokio_rustls::TlsAcceptor) {
    use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair};
    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "Aftercare test CA");
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let leaf_key = KeyPair::generate().unwrap();
    let leaf = CertificateParams::new(vec!["127.0.0.1".to_string()])
        .unwrap()
        .signed_by(&leaf_key, &ca, &ca_key)
        .unwrap();
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::aws_lc_rs::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(
        vec![leaf.der().clone()],
        rustls::pki_types::PrivateKeyDer::Pkcs8(leaf_key.serialize_der().into()),
    )
    .unwrap();
    (ca.pem(), tokio_rustls::TlsAcceptor::from(Arc::new(config)))
}

fn subscription(url: &str, secret: &str) -> NewSubscription {
    NewSubscription {
        name: "relay".into(),
        url: url.into(),
        events: vec!["*".into()],
        secret: secret.into(),
        language: "en".into(),
    }
}

#[tokio::test]
async fn https_delivery_trusts_a_ca_from_the_extra_ca_file() {
    let (ca_pem, acceptor) = test_ca_and_acceptor();
    let dir = tempfile::tempdir().unwrap();
    let ca_file = dir.path().join("company-ca.pem");
    std::fs::write(&ca_file, ca_pem).unwrap();
    let client = WebhookClient::new(Some(&ca_file)).unwrap();
    for t in each_backend().await.unwrap() {
        let clock = Arc::new(FixedClock::new(Instant(T0)));
        let app = App::with_clock(t.db.clone(), AppConfig::default(), clock.clone());
        let (url, seen) = receiver_with(0, Some(acceptor.clone())).await;
        assert!(url.starts_with("https://"));
        let secret = "https-shared-secret-0001";
        let sub = app
            .add_webhook(&Actor::Cli, subscription(&url, secret))
            .await
            .unwrap();
        let job = app.send_test_webhook(&Actor::Cli, sub.id).await.unwrap();
        assert_eq!(
            app.deliver_webhooks(&client).await.unwrap(),
            1,
            "{}",
            t.label
        );
        let got = seen.lock().unwrap().clone();
        assert_eq!(got.len(), 1, "{}", t.label);
        let sig = got[0]
            .headers
            .iter()
            .find(|(k, _)| k == SIGNATURE_HEADER)
            .map(|(_, v)| v.clone());
        assert_eq!(sig, Some(signature(secret, &got[0].body)));
        let v: serde_json::Value = serde_json::from_slice(&got[0].body).unwrap();
        assert_eq!(v["event"], TEST_EVENT);
        assert_eq!(v["subscription"]["id"], sub.id);
        let log = app.webhook_deliveries(&Actor::Cli, 10).await.unwrap();
        assert_eq!(log.len(), 1);
        assert_eq!(log[0].job_id, job);
        assert_eq!(log[0].http_status, Some(200));
        assert_eq!(log[0].job_status, "delivered");
        assert_eq!(log[0].next_attempt_at, None);
    }
}

#[tokio::test]
async fn an_untrusted_certificate_fails_delivery_and_is_logged_and_retried() {
    let (_, acceptor) = test_ca_and_acceptor();
    // Only the compiled-in public roots: the test CA is unknown.
    let client = WebhookClient::new(None).unwrap();
    for t in each_backend().await.unwrap() {
        let clock = Arc::new(FixedClock::new(Instant(T0)));
        let app = App::with_clock(t.db.clone(), AppConfig::default(), clock.clone());
        let (url, seen) = receiver_with(0, Some(acceptor.clone())).await;
        let sub = app
            .add_webhook(&Actor::Cli, subscription(&url, "https-shared-secret-0002"))
            .await
            .unwrap();
        app.send_test_webhook(&Actor::Cli, sub.id).await.unwrap();
        assert_eq!(
            app.deliver_webhooks(&client).await.unwrap(),
            1,
            "{}",
            t.label
        );
        let log = app.webhook_deliveries(&Actor::Cli, 10).await.unwrap();
        assert_eq!(log.len(), 1);
        let error = log[0].error.clone().unwrap_or_default();
        assert!(error.contains("certificate"), "{}: {error}", t.label);
        assert_eq!(log[0].http_status, None);
        assert_eq!(log[0].job_status, "pending", "kept for a retry");
        assert_eq!(log[0].job_attempts, 1);
        assert_eq!(log[0].next_attempt_at, Some(Instant(T0 + 30_000)));
        assert_eq!(log[0].last_error.as_deref(), Some(error.as_str()));
        assert!(seen.lock().unwrap().is_empty(), "no request got through");
        clock.advance_minutes(1);
        assert_eq!(app.deliver_webhooks(&client).await.unwrap(), 1, "retried");
        let log = app.webhook_deliveries(&Actor::Cli, 10).await.unwrap();
        assert_eq!(log.len(), 2);
        assert_eq!(log[0].attempt, 2);
        assert_eq!(log[0].next_attempt_at, Some(Instant(T0 + 60_000 + 60_000)));
    }
}

#[test]
fn a_bad_extra_ca_file_is_refused_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.pem");
    let err = WebhookClient::new(Some(&missing))
        .err()
        .unwrap()
        .to_string();
    assert!(
        err.contains("webhooks.extra_ca_file") && err.contains("missing.pem"),
        "{err}"
    );
    let empty = dir.path().join("empty.pem");
    std::fs::write(&empty, "not a certificate\n").unwrap();
    let err = WebhookClient::new(Some(&empty)).err().unwrap().to_string();
    assert!(err.contains("no PEM certificate"), "{err}");
}

#[tokio::test]
async fn webhooks_can_be_edited_disabled_and_tested_by_admins_only() {
    for t in each_backend().await.unwrap() {
        let clock = Arc::new(FixedClock::new(Instant(T0)));
        let app = App::with_clock(t.db.clone(), AppConfig::default(), clock.clone());
        app.seed_ticket_sample().await.unwrap();
        let (url, seen) = receiver(0).await;
        let client = WebhookClient::new(None).unwrap();
        let admin = Actor::Cli;
        let sub = app
            .add_webhook(
                &admin,
                subscription("http://old.invalid/hook", "first-secret-000001"),
            )
            .await
            .unwrap();
        // A bad edit is refused with every reason and changes nothing.
        let bad = app
            .update_webhook(
                &admin,
                sub.id,
                WebhookUpdate {
                    name: " ".into(),
                    url: "ftp://x".into(),
                    events: vec!["ticket.nope".into()],
                    secret: Some("short".into()),
                    language: "de".into(),
                },
            )
            .await;
        match bad {
            Err(AppError::Invalid(f)) => assert_eq!(f.len(), 5, "{f:?}"),
            other => panic!("{other:?}"),
        }
        assert_eq!(app.webhook(&admin, sub.id).await.unwrap(), sub);
        // A good edit without a secret keeps the old one.
        let edited = app
            .update_webhook(
                &admin,
                sub.id,
                WebhookUpdate {
                    name: "relay 2".into(),
                    url: url.clone(),
                    events: vec!["ticket.created".into(), "ticket.completed".into()],
                    secret: None,
                    language: "zh-CN".into(),
                },
            )
            .await
            .unwrap();
        assert_eq!(edited.url, url);
        assert_eq!(edited.events, "ticket.created,ticket.completed");
        assert_eq!(edited.language, "zh-CN");
        app.send_test_webhook(&admin, sub.id).await.unwrap();
        assert_eq!(app.deliver_webhooks(&client).await.unwrap(), 1);
        let got = seen.lock().unwrap().clone();
        let sig = got[0]
            .headers
            .iter()
            .find(|(k, _)| k == SIGNATURE_HEADER)
            .map(|(_, v)| v.clone());
        assert_eq!(sig, Some(signature("first-secret-000001", &got[0].body)));
        // Disabled: no test event, and a job queued before waits.
        app.send_test_webhook(&admin, sub.id).await.unwrap();
        let off = app.set_webhook_active(&admin, sub.id, false).await.unwrap();
        assert!(!off.active);
        assert!(matches!(
            app.send_test_webhook(&admin, sub.id).await,
            Err(AppError::Conflict { .. })
        ));
        assert_eq!(
            app.deliver_webhooks(&client).await.unwrap(),
            0,
            "{}",
            t.label
        );
        app.set_webhook_active(&admin, sub.id, true).await.unwrap();
        assert_eq!(app.deliver_webhooks(&client).await.unwrap(), 1);
        assert_eq!(seen.lock().unwrap().len(), 2);
        // Not for other roles; unknown ids are not found.
        let agent_user = aftercare_store::users::get_by_login(&app.db, "agent")
            .await
            .unwrap()
            .unwrap();
        let agent = Actor::user(principal_of(&agent_user).unwrap(), None);
        assert!(matches!(
            app.send_test_webhook(&agent, sub.id).await,
            Err(AppError::Forbidden { .. })
        ));
        assert!(matches!(
            app.set_webhook_active(&agent, sub.id, false).await,
            Err(AppError::Forbidden { .. })
        ));
        assert!(matches!(
            app.set_webhook_active(&admin, 9999, false).await,
            Err(AppError::NotFound { .. })
        ));
    }
}

#[tokio::test]
async fn events_are_delivered_signed_with_retries_and_backoff_and_logged() {
    for t in each_backend().await.unwrap() {
        let clock = Arc::new(FixedClock::new(Instant(T0)));
        let app = App::with_clock(t.db.clone(), AppConfig::default(), clock.clone());
        let w = app.seed_ticket_sample().await.unwrap();
        let (url, seen) = receiver(3).await;
        let secret = "a-long-shared-secret-1234";
        let admin = Actor::Cli;
        // Bad subscriptions are refused with every reason.
        let bad = app
            .add_webhook(
                &admin,
                NewSubscription {
                    name: "sms".into(),
                    url: "ftp://sms.example.com/hook".into(),
                    events: vec!["ticket.flying".into()],
                    secret: "short".into(),
                    language: "fr".into(),
                },
            )
            .await;
        match bad {
            Err(AppError::Invalid(fields)) => assert_eq!(fields.len(), 4, "{fields:?}"),
            other => panic!("{other:?}"),
        }
        app.add_webhook(
            &admin,
            NewSubscription {
                name: "sms gateway".into(),
                url: url.clone(),
                events: vec!["ticket.created".into(), "ticket.appointment_booked".into()],
                secret: secret.into(),
                language: "zh-CN".into(),
            },
        )
        .await
        .unwrap();
        let agent_user = aftercare_store::users::get_by_login(&app.db, "agent")
            .await
            .unwrap()
            .unwrap();
        let agent = Actor::user(principal_of(&agent_user).unwrap(), None);
        let c = app
            .create_customer(
                &agent,
                CustomerInput {
                    name: "赵六".into(),
                    phones: vec!["13500000000".into()],
                    addresses: vec![AddressInput {
                        region: w.urban,
                        detail: "人民路 1 号".into(),
                    }],
                },
            )
            .await
            .unwrap();
        let u = app
            .add_unit(
                &agent,
                c.id,
                UnitInput {
                    serial: "HOOK-1".into(),
                    model: w.model,
                    purchase_date: None,
                    purchase_channel: None,
                    production_batch: None,
                },
            )
            .await
            .unwrap();
        let ticket = app
            .intake(
                &agent,
                IntakeRequest {
                    customer: c.id,
                    unit: u.id,
                    address: None,
                    input: TicketInput {
                        ticket_type: TicketType::Repair,
                        channel: Channel::Hotline,
                        priority: Priority::Normal,
                        fault_description: "漏水".into(),
                        fault_code: None,
                    },
                    auto_dispatch: true,
                },
            )
            .await
            .unwrap();
        let client = WebhookClient::new(None).unwrap();
        // created + dispatched were written; only `created` is subscribed.
        assert_eq!(
            app.deliver_webhooks(&client).await.unwrap(),
            1,
            "{}",
            t.label
        );
        assert_eq!(
            app.deliver_webhooks(&client).await.unwrap(),
            0,
            "not due before 30 s"
        );
        clock.advance_minutes(1);
        assert_eq!(
            app.deliver_webhooks(&client).await.unwrap(),
            1,
            "second attempt after 30 s"
        );
        clock.advance_minutes(1);
        assert_eq!(
            app.deliver_webhooks(&client).await.unwrap(),
            1,
            "third attempt after 60 s"
        );
        clock.advance_minutes(1);
        assert_eq!(
            app.deliver_webhooks(&client).await.unwrap(),
            0,
            "the next wait is 120 s"
        );
        clock.advance_minutes(1);
        assert_eq!(
            app.deliver_webhooks(&client).await.unwrap(),
            1,
            "fourth attempt succeeds"
        );
        clock.advance_minutes(60);
        assert_eq!(
            app.deliver_webhooks(&client).await.unwrap(),
            0,
            "delivered jobs are done"
        );

        let got = seen.lock().unwrap().clone();
        assert_eq!(got.len(), 4);
        for r in &got {
            let sig = r
                .headers
                .iter()
                .find(|(k, _)| k == SIGNATURE_HEADER)
                .map(|(_, v)| v.clone());
            assert_eq!(sig, Some(signature(secret, &r.body)), "signed body");
            let v: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
            assert_eq!(v["event"], "ticket.created");
            assert_eq!(v["ticket"]["number"], ticket.number.as_str());
        }
        let log = app.webhook_deliveries(&admin, 10).await.unwrap();
        let statuses: Vec<Option<i64>> = log.iter().rev().map(|d| d.http_status).collect();
        assert_eq!(statuses, [Some(500), Some(500), Some(500), Some(200)]);
        assert!(log.iter().all(|d| d.job_status == "delivered"));
        assert_eq!(
            log[3].error.as_deref(),
            Some("HTTP 500 Internal Server Error")
        );
    }
}
