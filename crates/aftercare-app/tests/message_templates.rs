//! Customer message templates on SQLite and PostgreSQL: saving with a version check, bad
//! templates refused with nothing saved, reset to the built-in text, admins only, the audit
//! trail, and the webhook body of a real appointment carrying the edited text filled with
//! the ticket's values (read from a local receiver), the same text the preview shows.

use aftercare_app::access::principal_of;
use aftercare_app::message_templates::PreviewRequest;
use aftercare_app::tickets::{IntakeRequest, SampleWorld};
use aftercare_app::webhooks::{NewSubscription, WebhookClient};
use aftercare_app::{Actor, App, AppConfig, AppError, FixedClock};
use aftercare_domain::Instant;
use aftercare_domain::customer::{AddressInput, CustomerInput, UnitInput};
use aftercare_domain::ticket::{
    Appointment, Channel, Priority, TicketAction, TicketInput, TicketType,
};
use aftercare_store::audit::AuditFilter;
use aftercare_store::testing::{TestDb, each_backend};
use aftercare_store::tickets::{TicketExtras, TicketRecord};
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// 2026-11-22 10:00 in Beijing.
const T0: i64 = 1_795_312_800_000;
const HOUR: i64 = 3_600_000;
const BOOKED: &str = "ticket.appointment_booked";

struct World {
    app: App,
    w: SampleWorld,
    label: &'static str,
    _t: TestDb,
}

async fn worlds() -> Vec<World> {
    let mut out = Vec::new();
    for t in each_backend().await.unwrap() {
        let clock = Arc::new(FixedClock::new(Instant(T0)));
        let app = App::with_clock(t.db.clone(), AppConfig::default(), clock);
        let w = app.seed_ticket_sample().await.unwrap();
        out.push(World {
            app,
            w,
            label: t.label,
            _t: t,
        });
    }
    out
}

async fn user(app: &App, login: &str) -> Actor {
    let u = aftercare_store::users::get_by_login(&app.db, login)
        .await
        .unwrap()
        .unwrap();
    Actor::user(principal_of(&u).unwrap(), None)
}

#[tokio::test]
async fn templates_are_saved_with_a_version_check_and_reset_by_admins_only() {
    for x in worlds().await {
        let (app, label) = (&x.app, x.label);
        let admin = user(app, "admin").await;
        let all = app.message_templates(&admin).await.unwrap();
        assert_eq!(all.len(), 6, "three events in two languages");
        assert!(all.iter().all(|t| t.is_default && t.version == 0));
        let default_en = all
            .iter()
            .find(|t| t.event == BOOKED && t.lang == "en")
            .unwrap()
            .clone();
        assert!(default_en.body.contains("{appointment}"));

        // A bad template names the placeholder and its position; nothing is saved.
        match app
            .update_message_template(&admin, BOOKED, "en", "Ticket {ticket_no} booked", 0)
            .await
        {
            Err(AppError::Invalid(f)) => {
                assert_eq!(f[0].field, "body");
                assert!(
                    f[0].reason
                        .starts_with("unknown placeholder {ticket_no} at character 8"),
                    "{label}: {f:?}"
                );
            }
            other => panic!("{label}: {other:?}"),
        }
        for bad in ["", "{ticket_number", "a } b", &"x".repeat(501)] {
            assert!(matches!(
                app.update_message_template(&admin, BOOKED, "en", bad, 0)
                    .await,
                Err(AppError::Invalid(_))
            ));
        }
        assert_eq!(
            app.message_template(&admin, BOOKED, "en").await.unwrap(),
            default_en,
            "{label}: nothing saved"
        );

        // Saved: version 1, by the admin; the other language keeps the built-in text.
        let v1 = app
            .update_message_template(&admin, BOOKED, "en", "  Booked: {ticket_number}  ", 0)
            .await
            .unwrap();
        assert_eq!(
            (v1.body.as_str(), v1.version, v1.is_default),
            ("Booked: {ticket_number}", 1, false)
        );
        assert_eq!(v1.updated_by.as_deref(), Some("admin"));
        assert_eq!(v1.updated_at, Some(Instant(T0)));
        assert!(
            app.message_template(&admin, BOOKED, "zh")
                .await
                .unwrap()
                .is_default,
            "zh is an alias of zh-CN"
        );

        // A save based on an old version is stale and changes nothing.
        match app
            .update_message_template(&admin, BOOKED, "en", "Other {ticket_number}", 0)
            .await
        {
            Err(AppError::Conflict { code, .. }) => assert_eq!(code, "message_template.stale"),
            other => panic!("{label}: {other:?}"),
        }
        let v2 = app
            .update_message_template(&admin, BOOKED, "en", "Booked again: {ticket_number}", 1)
            .await
            .unwrap();
        assert_eq!(v2.version, 2);

        // Other roles may not see or change templates; unknown keys are not found.
        for login in ["agent", "manager", "dispatcher"] {
            let who = user(app, login).await;
            assert!(matches!(
                app.message_templates(&who).await,
                Err(AppError::Forbidden { .. })
            ));
            assert!(matches!(
                app.update_message_template(&who, BOOKED, "en", "x {ticket_number}", 2)
                    .await,
                Err(AppError::Forbidden { .. })
            ));
            assert!(matches!(
                app.reset_message_template(&who, BOOKED, "en", None).await,
                Err(AppError::Forbidden { .. })
            ));
            let req = PreviewRequest {
                event: BOOKED.into(),
                lang: "en".into(),
                ..Default::default()
            };
            assert!(matches!(
                app.preview_message_template(&who, &req).await,
                Err(AppError::Forbidden { .. })
            ));
        }
        for (event, lang) in [("ticket.created", "en"), (BOOKED, "fr")] {
            assert!(matches!(
                app.update_message_template(&admin, event, lang, "{ticket_number}", 0)
                    .await,
                Err(AppError::NotFound { .. })
            ));
        }

        // Reset: a stale version is refused; then the built-in text is back, the version
        // keeps counting, and resetting again writes nothing.
        assert!(matches!(
            app.reset_message_template(&admin, BOOKED, "en", Some(1))
                .await,
            Err(AppError::Conflict { .. })
        ));
        let reset = app
            .reset_message_template(&admin, BOOKED, "en", Some(2))
            .await
            .unwrap();
        assert!(reset.is_default);
        assert_eq!(reset.body, default_en.body);
        assert_eq!(reset.version, 3);
        let again = app
            .reset_message_template(&admin, BOOKED, "en", None)
            .await
            .unwrap();
        assert_eq!(again, reset);
        // A save after the reset needs the new version.
        assert!(matches!(
            app.update_message_template(&admin, BOOKED, "en", "{ticket_number}", 0)
                .await,
            Err(AppError::Conflict { .. })
        ));

        // The audit trail: two saves and one reset, with the texts before and after.
        let log = app
            .audit_log(
                &admin,
                AuditFilter {
                    object_type: Some("message_template".into()),
                    limit: 10,
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        let actions: Vec<&str> = log.iter().rev().map(|e| e.action.as_str()).collect();
        assert_eq!(
            actions,
            [
                "message_template.update",
                "message_template.update",
                "message_template.reset"
            ],
            "{label}"
        );
        assert!(
            log.iter()
                .all(|e| e.object_id == "ticket.appointment_booked/en" && e.actor_login == "admin")
        );
        let first = log.last().unwrap();
        assert_eq!(first.before.as_ref().unwrap()["is_default"], true);
        assert_eq!(
            first.after.as_ref().unwrap()["body"],
            "Booked: {ticket_number}"
        );
        assert_eq!(log[0].after.as_ref().unwrap()["body"], default_en.body);
    }
}

#[tokio::test]
async fn the_preview_renders_a_draft_with_the_sample_ticket_and_refuses_a_bad_one() {
    for x in worlds().await {
        let admin = user(&x.app, "admin").await;
        let req = |lang: &str, body: Option<&str>| PreviewRequest {
            event: "ticket.completed".into(),
            lang: lang.into(),
            body: body.map(str::to_string),
            ..Default::default()
        };
        let p = x
            .app
            .preview_message_template(
                &admin,
                &req(
                    "zh-CN",
                    Some("{customer_name}，{product_model} 已由{technician}修好"),
                ),
            )
            .await
            .unwrap();
        assert_eq!(p.text, "张三，启澜 55 英寸电视 QL-55A 已由李师傅修好");
        assert_eq!(p.chars, p.text.chars().count());
        assert_eq!(p.ticket_id, None);
        // Without a draft: the text in force (the built-in one here).
        let p = x
            .app
            .preview_message_template(&admin, &req("en", None))
            .await
            .unwrap();
        assert_eq!(
            p.text,
            "Your service ticket T20261122-000123 is completed. We will call you to check the repair. Thank you for your patience."
        );
        assert!(matches!(
            x.app
                .preview_message_template(&admin, &req("en", Some("{oops")))
                .await,
            Err(AppError::Invalid(_))
        ));
        let missing = PreviewRequest {
            ticket_number: Some("T19990101-000001".into()),
            ..req("en", None)
        };
        assert!(matches!(
            x.app.preview_message_template(&admin, &missing).await,
            Err(AppError::NotFound { .. })
        ));
        assert!(
            x.app.message_templates(&Actor::Cli).await.is_ok(),
            "{}",
            x.label
        );
    }
}

/// A receiver answering 200 to every request; the bodies it got.
async fn receiver() -> (String, Arc<Mutex<Vec<serde_json::Value>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    let seen: Arc<Mutex<Vec<serde_json::Value>>> = Arc::default();
    let log = seen.clone();
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            let mut buf = Vec::new();
            let mut chunk = [0u8; 8192];
            loop {
                let n = sock.read(&mut chunk).await.unwrap_or(0);
                if n == 0 {
                    break;
                }
                buf.extend_from_slice(&chunk[..n]);
                let Some(p) = buf.windows(4).position(|w| w == b"\r\n\r\n") else {
                    continue;
                };
                let head = String::from_utf8_lossy(&buf[..p]).to_lowercase();
                let len: usize = head
                    .lines()
                    .find_map(|l| l.strip_prefix("content-length:"))
                    .and_then(|v| v.trim().parse().ok())
                    .unwrap_or(0);
                if buf.len() >= p + 4 + len {
                    if let Ok(v) = serde_json::from_slice(&buf[p + 4..p + 4 + len]) {
                        log.lock().unwrap().push(v);
                    }
                    break;
                }
            }
            let _ = sock
                .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
                .await;
            let _ = sock.shutdown().await;
        }
    });
    (url, seen)
}

async fn act(x: &World, login: &str, t: &TicketRecord, a: TicketAction) -> TicketRecord {
    x.app
        .act(&user(&x.app, login).await, t.id, a, TicketExtras::default())
        .await
        .unwrap_or_else(|e| panic!("{}: {login}: {e}", x.label))
}

#[tokio::test]
async fn the_webhook_body_of_a_booked_appointment_uses_the_edited_template() {
    for x in worlds().await {
        let app = &x.app;
        let admin = user(app, "admin").await;
        let (url, seen) = receiver().await;
        for (name, language) in [("sms en", "en"), ("sms zh", "zh-CN")] {
            app.add_webhook(
                &admin,
                NewSubscription {
                    name: name.into(),
                    url: url.clone(),
                    events: vec![BOOKED.into()],
                    secret: "template-test-secret-01".into(),
                    language: language.into(),
                },
            )
            .await
            .unwrap();
        }
        let body = "Hi {customer_name}: {technician} of {station_name} ({station_phone}) \
                    visits at {appointment} for your {product_model}. Ticket {ticket_number}.";
        app.update_message_template(&admin, BOOKED, "en", body, 0)
            .await
            .unwrap();

        let agent = user(app, "agent").await;
        let c = app
            .create_customer(
                &agent,
                CustomerInput {
                    name: "王五".into(),
                    phones: vec!["13600000000".into()],
                    addresses: vec![AddressInput {
                        region: x.w.urban,
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
                    serial: "TPL-1".into(),
                    model: x.w.model,
                    purchase_date: None,
                    purchase_channel: None,
                    production_batch: None,
                },
            )
            .await
            .unwrap();
        let t = app
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
                        fault_description: "无图像".into(),
                        fault_code: None,
                    },
                    auto_dispatch: false,
                },
            )
            .await
            .unwrap();
        let t = act(
            &x,
            "dispatcher",
            &t,
            TicketAction::Dispatch {
                station: x.w.station_a,
            },
        )
        .await;
        let t = act(&x, "station-a", &t, TicketAction::Accept).await;
        let t = act(
            &x,
            "station-a",
            &t,
            TicketAction::AssignTechnician {
                technician: x.w.tech_a,
            },
        )
        .await;
        // 13:00 to 15:00 Beijing time.
        let slot = Appointment::new(Instant(T0 + 3 * HOUR), Instant(T0 + 5 * HOUR)).unwrap();
        let t = act(
            &x,
            "tech-a",
            &t,
            TicketAction::Schedule { appointment: slot },
        )
        .await;

        let client = WebhookClient::new(None).unwrap();
        assert_eq!(
            app.deliver_webhooks(&client).await.unwrap(),
            2,
            "{}",
            x.label
        );
        let got = seen.lock().unwrap().clone();
        assert_eq!(got.len(), 2);
        let by_lang = |l: &str| {
            got.iter()
                .find(|v| v["message"]["language"] == l)
                .unwrap_or_else(|| panic!("{}: no {l} body in {got:?}", x.label))
                .clone()
        };
        let en = by_lang("en");
        let expected = format!(
            "Hi 王五: 李师傅 of 锦江服务站 (028-8000 0000) visits at 2026-11-22 13:00 for your TV QL-55A. Ticket {}.",
            t.number
        );
        assert_eq!(en["message"]["text"], expected.as_str(), "{}", x.label);
        // The body keeps its shape: the event payload, the message, the delivery id.
        assert_eq!(en["event"], BOOKED);
        assert_eq!(en["ticket"]["number"], t.number.as_str());
        assert!(en["delivery"].is_i64());
        // zh-CN was not edited: the built-in text, filled in.
        assert_eq!(
            by_lang("zh-CN")["message"]["text"],
            format!(
                "【售后服务】您的工单 {} 已预约，技师将于 2026-11-22 13:00 上门，请保持电话畅通。",
                t.number
            )
            .as_str()
        );
        // The preview of that ticket shows the very text the customer got.
        let p = app
            .preview_message_template(
                &admin,
                &PreviewRequest {
                    event: BOOKED.into(),
                    lang: "en".into(),
                    ticket_number: Some(t.number.clone()),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(p.text, expected);
        assert_eq!(p.ticket_id, Some(t.id.0));
    }
}
