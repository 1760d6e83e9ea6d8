//! Parts on a ticket over the real HTTP server (SQLite always, PostgreSQL when configured):
//! request with a required Idempotency-Key (a retry reserves once), issue, completion with
//! used and returned units, the old-for-new return received, the 404 for another station,
//! and the parts section on the ticket page.

mod common {
    pub mod server;
}

use aftercare_app::access::principal_of;
use aftercare_app::tickets::IntakeRequest;
use aftercare_app::{Actor, App};
use aftercare_domain::customer::{AddressInput, CustomerInput, UnitInput};
use aftercare_domain::ticket::{
    Appointment, Channel, Priority, TicketAction, TicketInput, TicketType,
};
use aftercare_domain::{Instant, TicketId};
use aftercare_store::testing::each_backend;
use aftercare_store::tickets::TicketExtras;
use common::server::{Server, start, start_with};
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn user(app: &App, login: &str) -> Actor {
    let u = aftercare_store::users::get_by_login(&app.db, login)
        .await
        .unwrap()
        .unwrap();
    Actor::user(principal_of(&u).unwrap(), None)
}

/// A browser session of a sample user.
async fn login(s: &Server, login: &str) -> reqwest::Client {
    let c = common::server::browser();
    let r = c
        .post(format!("{}/login", s.base))
        .form(&[
            ("login", login),
            ("password", aftercare_app::tickets::SAMPLE_PASSWORD),
            ("next", "/"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "login of {login}");
    c
}

async fn token(app: &App, login: &str) -> String {
    app.create_api_token(&Actor::Cli, "test", login)
        .await
        .unwrap()
        .secret
}

async fn post(
    s: &Server,
    token: &str,
    path: &str,
    key: Option<&str>,
    body: Value,
) -> (StatusCode, Value) {
    common::server::post(&reqwest::Client::new(), s, token, path, key, body).await
}

async fn get(s: &Server, token: &str, path: &str) -> (StatusCode, Value) {
    common::server::get(&reqwest::Client::new(), s, token, path).await
}

/// An in-warranty ticket of station A with the technician on site.
async fn on_site(app: &App, w: &aftercare_app::tickets::SampleWorld) -> TicketId {
    let agent = user(app, "agent").await;
    let c = app
        .create_customer(
            &agent,
            CustomerInput {
                name: "李四".into(),
                phones: vec!["13900139000".into()],
                addresses: vec![AddressInput {
                    region: w.urban,
                    detail: "人民南路 1 号".into(),
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
                serial: "QL-HTTP-1".into(),
                model: w.model,
                purchase_date: Some(chrono::NaiveDate::from_ymd_opt(2026, 6, 1).unwrap()),
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
    let now = app.now().0;
    for (login, a) in [
        (
            "dispatcher",
            TicketAction::Dispatch {
                station: w.station_a,
            },
        ),
        ("station-a", TicketAction::Accept),
        (
            "station-a",
            TicketAction::AssignTechnician {
                technician: w.tech_a,
            },
        ),
        (
            "tech-a",
            TicketAction::Schedule {
                appointment: Appointment::new(Instant(now - 60_000), Instant(now + 3_600_000))
                    .unwrap(),
            },
        ),
        ("tech-a", TicketAction::Arrive),
    ] {
        app.act(&user(app, login).await, t.id, a, TicketExtras::default())
            .await
            .unwrap();
    }
    t.id
}

#[tokio::test]
async fn parts_flow_through_the_ledger_over_http() {
    for db in each_backend().await.unwrap() {
        let label = db.label;
        let s = start(db).await;
        let w = s.app.seed_ticket_sample().await.unwrap();
        let p = s.app.seed_ticket_parts_sample(&w).await.unwrap();
        s.app
            .stock_in_sample(&p, p.warehouse_a, p.board, 3)
            .await
            .unwrap();
        let id = on_site(&s.app, &w).await;
        let sta = token(&s.app, "station-a").await;
        let stb = token(&s.app, "station-b").await;
        let path = format!("/api/v1/tickets/{}/parts", id.0);
        let body = json!({"lines": [{"part_id": p.board.get(), "qty": 2}]});

        let (st, v) = post(&s, &sta, &path, None, body.clone()).await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{label}: {v}");
        let (st, v) = post(&s, &stb, &path, Some("r1"), body.clone()).await;
        assert_eq!(st, StatusCode::NOT_FOUND, "{label}: {v}");
        for _ in 0..2 {
            let (st, v) = post(&s, &sta, &path, Some("r1"), body.clone()).await;
            assert_eq!(st, StatusCode::OK, "{label}: {v}");
            assert_eq!(v["lines"].as_array().unwrap().len(), 1, "{v}");
            assert_eq!(v["lines"][0]["status"], "reserved");
        }
        let (st, v) = post(
            &s,
            &sta,
            &path,
            Some("r1"),
            json!({"lines": [{"part_id": p.board.get(), "qty": 1}]}),
        )
        .await;
        assert_eq!(st, StatusCode::CONFLICT, "{v}");
        assert_eq!(v["error"]["code"], "ticket.parts_key_reused");
        let stock =
            aftercare_store::stock::query::availability(&s.app.db, p.warehouse_a, p.board.get())
                .await
                .unwrap();
        assert_eq!(stock, (3, 2), "{label}: reserved once");

        let (st, v) = post(&s, &sta, &format!("{path}/issue"), None, json!({})).await;
        assert_eq!(st, StatusCode::OK, "{v}");
        assert_eq!(v["lines"][0]["status"], "issued");
        let line = v["lines"][0]["id"].as_i64().unwrap();

        // The ticket page shows the parts section with the issued line.
        let c = login(&s, "station-a").await;
        let html = c
            .get(format!("{}/tickets/{}", s.base, id.0))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(html.contains("TV-MB-55A"), "{label}: parts section missing");
        assert!(html.contains("id=\"parts\""), "{label}");

        let (st, v) = post(
            &s,
            &sta,
            &format!("{path}/complete"),
            None,
            json!({"actions_taken": "更换主板", "labour_minutes": 30,
                   "parts": [{"line_id": line, "used": 1, "returned": 1}]}),
        )
        .await;
        assert_eq!(st, StatusCode::OK, "{v}");
        assert_eq!(v["status"], "completed");
        assert_eq!(v["lines"][0]["qty_returned"], 1);
        assert_eq!(v["obligations"][0]["status"], "open");
        let obligation = v["obligations"][0]["id"].as_i64().unwrap();
        let stock =
            aftercare_store::stock::query::availability(&s.app.db, p.warehouse_a, p.board.get())
                .await
                .unwrap();
        assert_eq!(stock, (2, 0), "{label}: one used, one back");

        let recv = format!("{path}/returns/{obligation}/receive");
        let (st, _) = post(&s, &stb, &recv, None, json!({})).await;
        assert_eq!(st, StatusCode::NOT_FOUND);
        let (st, v) = post(&s, &sta, &recv, None, json!({})).await;
        assert_eq!(st, StatusCode::OK, "{v}");
        assert_eq!(v["obligations"][0]["status"], "received");
        let (st, v) = get(&s, &sta, &path).await;
        assert_eq!(st, StatusCode::OK);
        assert_eq!(v["obligations"][0]["status"], "received");
        let (st, _) = get(&s, &stb, &path).await;
        assert_eq!(st, StatusCode::NOT_FOUND);
    }
}

/// Stock in through the ledger writer alone, as if the pick-up after the commit had failed.
async fn stock_in_behind_the_back(
    app: &App,
    p: &aftercare_app::tickets::PartsSample,
    part: aftercare_domain::PartId,
    qty: i64,
) {
    use aftercare_domain::stock::{Command, Created, Qty};
    let ledger = app.ledger().await.unwrap();
    let q = Qty::new(qty).unwrap();
    let run = |command| aftercare_store::stock::LedgerRequest {
        command,
        key: None,
        actor_id: None,
        actor_login: "test".into(),
        request_id: None,
        now: app.now(),
    };
    let po = ledger
        .execute(run(Command::PlacePurchaseOrder {
            supplier: p.supplier,
            lines: vec![(part, q)],
        }))
        .await
        .unwrap()
        .unwrap();
    let Some(Created::PurchaseOrder(order)) = po.outcome.created else {
        panic!("no order")
    };
    let r = ledger
        .execute(run(Command::Receive {
            order,
            warehouse: p.warehouse_a,
            part,
            qty: q,
        }))
        .await
        .unwrap()
        .unwrap();
    let Some(Created::Lot(lot)) = r.outcome.created else {
        panic!("no lot")
    };
    ledger
        .execute(run(Command::Inspect {
            warehouse: p.warehouse_a,
            lot,
            accept: q,
            reject: Qty::ZERO,
        }))
        .await
        .unwrap()
        .unwrap();
}

#[tokio::test]
async fn the_parts_arrived_action_picks_up_the_waiting_parts_over_http() {
    for db in each_backend().await.unwrap() {
        let label = db.label;
        let s = start(db).await;
        let w = s.app.seed_ticket_sample().await.unwrap();
        let p = s.app.seed_ticket_parts_sample(&w).await.unwrap();
        let id = on_site(&s.app, &w).await;
        let sta = token(&s.app, "station-a").await;
        let tech = token(&s.app, "tech-a").await;
        let path = format!("/api/v1/tickets/{}/parts", id.0);
        let (st, v) = post(
            &s,
            &sta,
            &path,
            Some("r1"),
            json!({"lines": [{"part_id": p.board.get(), "qty": 2}]}),
        )
        .await;
        assert_eq!(st, StatusCode::OK, "{label}: {v}");
        assert_eq!(v["status"], "waiting_for_parts");
        assert_eq!(v["lines"][0]["status"], "waiting");

        // Nothing on the shelf: the API action is refused and names the missing part.
        let action = format!("/api/v1/tickets/{}/actions", id.0);
        let (st, v) = post(&s, &tech, &action, None, json!({"action": "parts_arrived"})).await;
        assert_eq!(st, StatusCode::CONFLICT, "{label}: {v}");
        assert_eq!(v["error"]["code"], "ticket.parts_waiting");
        assert!(
            v["error"]["message"]
                .as_str()
                .unwrap()
                .contains("TV-MB-55A")
        );

        // The parts are on the shelf (unseen so far): the page's action button reserves them
        // and puts the ticket back on site.
        stock_in_behind_the_back(&s.app, &p, p.board, 2).await;
        let c = login(&s, "tech-a").await;
        let page = c
            .get(format!("{}/tickets/{}", s.base, id.0))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let csrf = page
            .split("name=\"_csrf\" value=\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .unwrap()
            .to_string();
        let r = c
            .post(format!("{}/tickets/{}/act", s.base, id.0))
            .form(&[("_csrf", csrf.as_str()), ("action", "parts_arrived")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{label}");
        let (st, v) = get(&s, &sta, &path).await;
        assert_eq!(st, StatusCode::OK);
        assert_eq!(v["status"], "on_site", "{label}: {v}");
        assert_eq!(v["lines"][0]["status"], "reserved");
        let stock =
            aftercare_store::stock::query::availability(&s.app.db, p.warehouse_a, p.board.get())
                .await
                .unwrap();
        assert_eq!(stock, (2, 2), "{label}: reserved once");
        assert!(s.app.stock_verify(&Actor::Cli).await.unwrap().is_empty());
    }
}

/// The real server on `db` whose ledger queues issues of more than `qty_above` units for a
/// manager.
async fn start_with_issue_limit(db: aftercare_store::testing::TestDb, qty_above: i64) -> Server {
    let mut config = aftercare_app::AppConfig::default();
    config.stock_issue_policy.qty_above =
        Some(aftercare_domain::stock::Qty::new(qty_above).unwrap());
    start_with(db, config).await
}

async fn ticket_page(c: &reqwest::Client, base: &str, id: TicketId, lang: &str) -> String {
    let r = c
        .get(format!("{base}/tickets/{}", id.0))
        .header("Accept-Language", lang)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    r.text().await.unwrap()
}

/// The status pill of part line `line` on the page: (data-status, pill text).
fn line_pill(html: &str, line: i64) -> (String, String) {
    let row = html
        .split(&format!("data-testid=\"part-line-{line}\""))
        .nth(1)
        .unwrap_or_else(|| panic!("no row for line {line}"));
    let status = row
        .split("data-status=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .unwrap()
        .to_string();
    let pill = row
        .split("<span class=\"pill\">")
        .nth(1)
        .and_then(|r| r.split("</span>").next())
        .unwrap()
        .to_string();
    (status, pill)
}

#[tokio::test]
async fn the_ticket_page_shows_awaiting_approval_until_the_manager_decides() {
    for db in each_backend().await.unwrap() {
        let label = db.label;
        let s = start_with_issue_limit(db, 2).await;
        let (app, base) = (&s.app, &s.base);
        let w = app.seed_ticket_sample().await.unwrap();
        let p = app.seed_ticket_parts_sample(&w).await.unwrap();
        for part in [p.board, p.remote] {
            app.stock_in_sample(&p, p.warehouse_a, part, 3)
                .await
                .unwrap();
        }
        let id = on_site(app, &w).await;
        let sta = token(app, "station-a").await;
        let mgr = token(app, "manager").await;
        let path = format!("/api/v1/tickets/{}/parts", id.0);
        let (st, v) = post(
            &s,
            &sta,
            &path,
            Some("r1"),
            json!({"lines": [{"part_id": p.board.get(), "qty": 3},
                                 {"part_id": p.remote.get(), "qty": 3}]}),
        )
        .await;
        assert_eq!(st, StatusCode::OK, "{label}: {v}");
        // Three units each are above the limit: both issues wait for the manager.
        let (st, v) = post(&s, &sta, &format!("{path}/issue"), None, json!({})).await;
        assert_eq!(st, StatusCode::OK, "{label}: {v}");
        let lines: Vec<(i64, i64)> = v["lines"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| {
                (
                    l["id"].as_i64().unwrap(),
                    l["approval_id"].as_i64().unwrap(),
                )
            })
            .collect();
        let [(board_line, board_approval), (remote_line, remote_approval)] = lines[..] else {
            panic!("{label}: {v}")
        };

        let c = login(&s, "station-a").await;
        let zh = ticket_page(&c, base, id, "zh-CN").await;
        let en = ticket_page(&c, base, id, "en").await;
        for line in [board_line, remote_line] {
            assert_eq!(
                line_pill(&zh, line),
                ("awaiting_approval".into(), "待经理审批".into()),
                "{label}"
            );
            assert_eq!(
                line_pill(&en, line),
                ("awaiting_approval".into(), "awaiting approval".into()),
                "{label}"
            );
        }

        // Approved: the board line is issued and its pill says so.
        let (st, v) = post(
            &s,
            &mgr,
            &format!("/api/v1/stock/approvals/{board_approval}/approve"),
            None,
            json!({}),
        )
        .await;
        assert!(st.is_success(), "{label}: {st} {v}");
        let zh = ticket_page(&c, base, id, "zh-CN").await;
        let en = ticket_page(&c, base, id, "en").await;
        assert_eq!(
            line_pill(&zh, board_line),
            ("issued".into(), "已领用".into())
        );
        assert_eq!(
            line_pill(&en, board_line),
            ("issued".into(), "issued".into())
        );
        assert_eq!(
            line_pill(&en, remote_line),
            ("awaiting_approval".into(), "awaiting approval".into())
        );
        assert_eq!(
            zh.matches("<span class=\"pill\">待经理审批</span>").count(),
            1
        );

        // Rejected: the remote line is reserved again, with the manager's reason.
        let (st, v) = post(
            &s,
            &mgr,
            &format!("/api/v1/stock/approvals/{remote_approval}/reject"),
            None,
            json!({"reason": "数量过多"}),
        )
        .await;
        assert_eq!(st, StatusCode::OK, "{label}: {v}");
        let zh = ticket_page(&c, base, id, "zh-CN").await;
        let en = ticket_page(&c, base, id, "en").await;
        assert_eq!(
            line_pill(&zh, remote_line),
            ("reserved".into(), "已预留".into())
        );
        assert_eq!(
            line_pill(&en, remote_line),
            ("reserved".into(), "reserved".into())
        );
        assert!(zh.contains("数量过多"), "{label}: the reason is shown");
        for html in [&zh, &en] {
            assert!(
                !html.contains("data-status=\"awaiting_approval\""),
                "{label}"
            );
        }
        assert!(!zh.contains("待经理审批"), "{label}");
        assert!(!en.contains("awaiting approval"), "{label}");

        // The stock desk releases the remote line's reservation: the line does not keep
        // pretending; first in the queue, it is reserved again under a new reservation, and
        // the page says what happened in the reader's language.
        let (st, v) = get(&s, &sta, &path).await;
        assert_eq!(st, StatusCode::OK);
        let reservation = v["lines"][1]["reservation_id"].as_i64().unwrap();
        let (st, v) = post(
            &s,
            &mgr,
            &format!("/api/v1/stock/reservations/{reservation}/release"),
            None,
            json!({}),
        )
        .await;
        assert!(st.is_success(), "{label}: {st} {v}");
        let (_, v) = get(&s, &sta, &path).await;
        assert_eq!(v["lines"][1]["status"], "reserved", "{label}: {v}");
        assert_ne!(v["lines"][1]["reservation_id"].as_i64(), Some(reservation));
        let zh = ticket_page(&c, base, id, "zh-CN").await;
        let en = ticket_page(&c, base, id, "en").await;
        assert!(
            zh.contains("预留已在工单外释放,重新排队等待备件"),
            "{label}"
        );
        assert!(
            en.contains("reservation released outside the ticket: waiting for stock again"),
            "{label}"
        );
        assert_eq!(
            line_pill(&en, remote_line),
            ("reserved".into(), "reserved".into())
        );
    }
}
