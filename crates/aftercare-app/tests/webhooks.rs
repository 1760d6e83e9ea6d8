//! Webhook delivery against a real local receiver (a TcpListener on a random port speaking
//! HTTP/1.1) that fails the first attempts: retries with backoff, the signature, the message
//! text, and the delivery log; on SQLite and PostgreSQL.

use aftercare_app::access::principal_of;
use aftercare_app::tickets::IntakeRequest;
use aftercare_app::webhooks::{NewSubscription, SIGNATURE_HEADER, signature};
use aftercare_app::{Actor, App, AppConfig, AppError, FixedClock};
use aftercare_domain::Instant;
use aftercare_domain::customer::{AddressInput, CustomerInput, UnitInput};
use aftercare_domain::ticket::{Channel, Priority, TicketInput, TicketType};
use aftercare_store::testing::each_backend;
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const T0: i64 = 1_795_312_800_000;

#[derive(Debug, Clone)]
struct Received {
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

/// Answer 500 to the first `fail_first` requests, then 200; remember every request.
async fn receiver(fail_first: usize) -> (String, Arc<Mutex<Vec<Received>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    let seen: Arc<Mutex<Vec<Received>>> = Arc::default();
    let log = seen.clone();
    tokio::spawn(async move {
        loop {
            let Ok((mut sock, _)) = listener.accept().await else {
                return;
            };
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
        }
    });
    (url, seen)
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
                    url: "https://sms.example.com/hook".into(),
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
        let client = reqwest::Client::new();
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
