//! The tenancy rule, tested directly over the real server (SQLite always, PostgreSQL when
//! `AFTERCARE_TEST_POSTGRES_URL` is set): two stations A and B each hold tickets, customers,
//! units, stock, reservations, transfers, repair orders, scrap requests, stocktakes, stock
//! approvals, part lines, old-for-new obligations and level overrides. Station A's users
//! (office, technician) and a brand user then read, list, filter, export and try to change B's
//! records through every JSON route and every page and form, guessing B's ids. No response
//! may carry B's data, every change is refused (403/404 with the JSON error body on the
//! API), and head office's view of the data is the same after the attempts as before.

mod common {
    pub mod server;
}

use aftercare_app::access::principal_of;
use aftercare_app::admin::AddUser;
use aftercare_app::tickets::{
    IntakeRequest, PartRequestLine, PartUse, PartsSample, RepairCompletion, SAMPLE_PASSWORD,
    SampleWorld,
};
use aftercare_app::{Actor, App};
use aftercare_domain::customer::{AddressInput, CustomerInput, UnitInput};
use aftercare_domain::org::WarehouseKind;
use aftercare_domain::stock::{
    Command, Consumer, Created, Qty, ScrapReason, StockCondition, StocktakeScope, TransferQty,
};
use aftercare_domain::ticket::{
    Appointment, Channel, Priority, TicketAction, TicketInput, TicketType,
};
use aftercare_domain::{Instant, RequisitionId, Role, StationId, TicketId, WarehouseId};
use aftercare_store::org::{self, NewWarehouse};
use aftercare_store::testing::each_backend;
use aftercare_store::tickets::TicketExtras;
use common::server::{Server, start};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::io::Cursor;

const DAY: i64 = 86_400_000;

/// What the two stations hold, and how to recognise B's data in a response.
struct World {
    s: Server,
    label: &'static str,
    w: SampleWorld,
    p: PartsSample,
    central: WarehouseId,
    /// A's ticket (technician on site, a board issued).
    ta: TicketId,
    /// B's ticket (technician on site, a board issued and still at the ticket).
    tb: TicketId,
    /// B's completed ticket with an open old-for-new obligation.
    tb2: TicketId,
    tb_line: i64,
    tb2_obligation: i64,
    /// A's ticket that B rejected before (its history holds B's note and users).
    moved: TicketId,
    /// A's customer (who also owns a unit B services).
    ca: i64,
    cb: i64,
    ub: i64,
    /// A requisition that holds units issued from B's warehouse.
    req_b: i64,
    transfer_b: i64,
    reservation_b: i64,
    repair_b: i64,
    scrap_b: i64,
    stocktake_b: i64,
    approval_b: i64,
    lot_b: i64,
    order: i64,
    /// Strings only B's data contains.
    b_marks: Vec<String>,
    /// Strings of A's own data (the positive control: A does see its own).
    a_marks: Vec<String>,
}

async fn user(app: &App, login: &str) -> Actor {
    let u = aftercare_store::users::get_by_login(&app.db, login)
        .await
        .unwrap()
        .unwrap();
    Actor::user(principal_of(&u).unwrap(), None)
}

async fn token(app: &App, login: &str) -> String {
    app.create_api_token(&Actor::Cli, "tenant test", login)
        .await
        .unwrap()
        .secret
}

/// A ticket dispatched to `station`, accepted, assigned and with the technician on site.
#[allow(clippy::too_many_arguments)]
async fn on_site(
    app: &App,
    w: &SampleWorld,
    station: StationId,
    side: &str,
    name: &str,
    phone: &str,
    serial: &str,
) -> (TicketId, i64, i64) {
    let agent = user(app, "agent").await;
    let c = app
        .create_customer(
            &agent,
            CustomerInput {
                name: name.into(),
                phones: vec![phone.into()],
                addresses: vec![AddressInput {
                    region: w.urban,
                    detail: format!("{name} 家"),
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
                serial: serial.into(),
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
    let tech = if side == "a" { w.tech_a } else { w.tech_b };
    let now = app.now().0;
    for (login, a) in [
        ("dispatcher".to_string(), TicketAction::Dispatch { station }),
        (format!("station-{side}"), TicketAction::Accept),
        (
            format!("station-{side}"),
            TicketAction::AssignTechnician { technician: tech },
        ),
        (
            format!("tech-{side}"),
            TicketAction::Schedule {
                appointment: Appointment::new(Instant(now - 60_000), Instant(now + 3_600_000))
                    .unwrap(),
            },
        ),
        (format!("tech-{side}"), TicketAction::Arrive),
    ] {
        app.act(&user(app, &login).await, t.id, a, TicketExtras::default())
            .await
            .unwrap();
    }
    (t.id, c.id.0, u.id.0)
}

/// A second unit of customer `customer` (serial `QL-SHARED-B`) with a ticket dispatched to B.
async fn shared_unit_at_b(app: &App, w: &SampleWorld, customer: i64) {
    let agent = user(app, "agent").await;
    let customer = aftercare_domain::CustomerId(customer);
    let u = app
        .add_unit(
            &agent,
            customer,
            UnitInput {
                serial: "QL-SHARED-B".into(),
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
                customer,
                unit: u.id,
                address: None,
                input: TicketInput {
                    ticket_type: TicketType::Repair,
                    channel: Channel::Hotline,
                    priority: Priority::Normal,
                    fault_description: "无声音".into(),
                    fault_code: None,
                },
                auto_dispatch: false,
            },
        )
        .await
        .unwrap();
    app.act(
        &user(app, "dispatcher").await,
        t.id,
        TicketAction::Dispatch {
            station: w.station_b,
        },
        TicketExtras::default(),
    )
    .await
    .unwrap();
}

/// A ticket dispatched to B, rejected by B with an internal note, then dispatched to A: A
/// holds it now, but what B's users did and wrote is B's.
async fn rejected_by_b_then_at_a(app: &App, w: &SampleWorld) -> TicketId {
    let agent = user(app, "agent").await;
    let dispatcher = user(app, "dispatcher").await;
    let c = app
        .create_customer(
            &agent,
            CustomerInput {
                name: "孙九".into(),
                phones: vec!["13700000009".into()],
                addresses: vec![AddressInput {
                    region: w.urban,
                    detail: "孙九 家".into(),
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
                serial: "QL-MOVED-1".into(),
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
    for (who, a) in [
        (
            &dispatcher,
            TicketAction::Dispatch {
                station: w.station_b,
            },
        ),
        (
            &user(app, "station-b").await,
            TicketAction::Reject {
                reason: "B站内部备注：人手不足".into(),
            },
        ),
        (
            &dispatcher,
            TicketAction::Dispatch {
                station: w.station_a,
            },
        ),
    ] {
        app.act(who, t.id, a, TicketExtras::default())
            .await
            .unwrap();
    }
    t.id
}

/// Request and issue one board to a ticket as its station; the issued line's id.
async fn board_issued(app: &App, p: &PartsSample, side: &str, t: TicketId) -> i64 {
    let station = user(app, &format!("station-{side}")).await;
    app.request_parts(
        &station,
        t,
        &format!("req-{side}-{}", t.0),
        &[PartRequestLine {
            part_id: p.board,
            qty: 1,
        }],
    )
    .await
    .unwrap();
    let parts = app.issue_parts(&station, t).await.unwrap();
    let v = serde_json::to_value(&parts).unwrap();
    assert_eq!(v["lines"][0]["status"], "issued", "{v}");
    v["lines"][0]["id"].as_i64().unwrap()
}

async fn cli(app: &App, c: Command) -> Option<Created> {
    app.stock_execute(&Actor::Cli, None, c)
        .await
        .unwrap()
        .outcome
        .created
}

async fn world(db: aftercare_store::testing::TestDb) -> World {
    let label = db.label;
    let s = start(db).await;
    let app = s.app.clone();
    let w = app.seed_ticket_sample().await.unwrap();
    let p = app.seed_ticket_parts_sample(&w).await.unwrap();
    app.add_user(
        &Actor::Cli,
        AddUser {
            login: "brand-x".into(),
            display_name: None,
            role: Role::Brand,
            station: None,
            technician: None,
            brand: Some("NORDHAVEN".into()),
            password: SAMPLE_PASSWORD.into(),
        },
    )
    .await
    .unwrap();
    let mut tx = app.db.begin_write().await.unwrap();
    let central = org::insert_warehouse(
        &mut tx,
        &NewWarehouse {
            code: "WH-HQ".into(),
            name: "总部中心库".into(),
            kind: WarehouseKind::Central,
            parent_id: None,
            region_id: Some(w.urban),
            station_id: None,
            address: "总部".into(),
            after_sales: true,
            active: true,
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    for (wh, part, qty) in [
        (p.warehouse_a, p.board, 5),
        (p.warehouse_a, p.remote, 5),
        (p.warehouse_b, p.board, 5),
        (p.warehouse_b, p.remote, 5),
        (central, p.board, 5),
    ] {
        app.stock_in_sample(&p, wh, part, qty).await.unwrap();
    }

    let (ta, ca, _) = on_site(
        &app,
        &w,
        w.station_a,
        "a",
        "张三",
        "13700000001",
        "QL-TENANT-A",
    )
    .await;
    board_issued(&app, &p, "a", ta).await;
    // A's customer also owns a unit that station B services: that unit, its serial and its
    // ticket are B's business.
    shared_unit_at_b(&app, &w, ca).await;
    let moved = rejected_by_b_then_at_a(&app, &w).await;
    let (tb, cb, ub) = on_site(
        &app,
        &w,
        w.station_b,
        "b",
        "赵六",
        "13700000002",
        "QL-TENANT-B",
    )
    .await;
    let tb_line = board_issued(&app, &p, "b", tb).await;
    let (tb2, _, _) = on_site(
        &app,
        &w,
        w.station_b,
        "b",
        "赵七",
        "13700000003",
        "QL-TENANT-B2",
    )
    .await;
    let line2 = board_issued(&app, &p, "b", tb2).await;
    let done = app
        .complete_repair(
            &user(&app, "station-b").await,
            tb2,
            RepairCompletion {
                actions_taken: "更换主板".into(),
                fault_code: None,
                labour_minutes: Some(30),
                parts: vec![PartUse {
                    line_id: line2,
                    used: 1,
                    returned: 0,
                }],
            },
        )
        .await
        .unwrap();
    let done = serde_json::to_value(&done).unwrap();
    let tb2_obligation = done["obligations"][0]["id"].as_i64().unwrap();

    // B's stock documents, made as the command line.
    let now = app.now().0;
    let wb = p.warehouse_b;
    let Some(Created::Transfer(transfer_b)) = cli(
        &app,
        Command::ShipTransfer {
            from: central,
            to: wb,
            eta: Instant(now + DAY),
            lines: vec![TransferQty {
                part: p.board,
                condition: StockCondition::Good,
                qty: Qty::new(1).unwrap(),
            }],
        },
    )
    .await
    else {
        panic!("no transfer")
    };
    let Some(Created::Reservation(reservation_b)) = cli(
        &app,
        Command::Reserve {
            warehouse: wb,
            part: p.remote,
            qty: Qty::new(1).unwrap(),
            consumer: Consumer::Requisition(RequisitionId(9001)),
            expires_at: Instant(now + DAY),
        },
    )
    .await
    else {
        panic!("no reservation")
    };
    let req_b = 9002;
    cli(
        &app,
        Command::Issue {
            warehouse: wb,
            part: p.remote,
            qty: Qty::new(1).unwrap(),
            consumer: Consumer::Requisition(RequisitionId(req_b)),
            reservation: None,
            approved_by: None,
        },
    )
    .await;
    cli(
        &app,
        Command::DefectiveReturn {
            consumer: Consumer::Requisition(RequisitionId(9003)),
            warehouse: wb,
            part: p.board,
            qty: Qty::new(2).unwrap(),
        },
    )
    .await;
    let Some(Created::RepairOrder(repair_b)) = cli(
        &app,
        Command::SendToRepair {
            warehouse: wb,
            vendor: p.supplier,
            part: p.board,
            qty: Qty::new(1).unwrap(),
            due: Instant(now + 7 * DAY),
        },
    )
    .await
    else {
        panic!("no repair order")
    };
    let Some(Created::ScrapRequest(scrap_b)) = cli(
        &app,
        Command::RequestScrap {
            warehouse: wb,
            part: p.board,
            condition: StockCondition::Defective,
            qty: Qty::new(1).unwrap(),
            reason: ScrapReason::DamagedBeyondRepair,
        },
    )
    .await
    else {
        panic!("no scrap request")
    };
    let Some(Created::PurchaseOrder(order)) = cli(
        &app,
        Command::PlacePurchaseOrder {
            supplier: p.supplier,
            lines: vec![(p.remote, Qty::new(4).unwrap())],
        },
    )
    .await
    else {
        panic!("no order")
    };
    let Some(Created::Lot(lot_b)) = cli(
        &app,
        Command::Receive {
            order,
            warehouse: wb,
            part: p.remote,
            qty: Qty::new(1).unwrap(),
        },
    )
    .await
    else {
        panic!("no lot")
    };
    let approval_b = match app
        .stock_submit(
            &user(&app, "station-b").await,
            None,
            Command::Issue {
                warehouse: wb,
                part: p.remote,
                qty: Qty::new(60).unwrap(),
                consumer: Consumer::Requisition(RequisitionId(9004)),
                reservation: None,
                approved_by: None,
            },
        )
        .await
        .unwrap()
    {
        aftercare_app::stock_approvals::Submitted::Pending { approval, .. } => approval.id,
        other => panic!("not queued: {other:?}"),
    };
    app.set_part_level(&Actor::Cli, wb, p.board, Some((2, Some(5))))
        .await
        .unwrap();
    app.set_part_level(&Actor::Cli, p.warehouse_a, p.board, Some((1, Some(4))))
        .await
        .unwrap();
    // Last: a stocktake being counted.
    let Some(Created::Stocktake(stocktake_b)) = cli(
        &app,
        Command::OpenStocktake {
            warehouse: wb,
            // Only the spare board: B's own ticket flow still moves boards and remotes.
            scope: StocktakeScope::parts(vec![p.board_alt]),
        },
    )
    .await
    else {
        panic!("no stocktake")
    };

    let number = |t: TicketId| {
        let app = app.clone();
        async move { app.ticket(&Actor::Cli, t).await.unwrap().ticket.number }
    };
    let b_marks = vec![
        number(tb).await,
        number(tb2).await,
        "赵六".into(),
        "赵七".into(),
        "QL-TENANT-B".into(),
        "QL-SHARED-B".into(),
        "B站内部备注".into(),
        "station-b".into(),
        "WH-ST-B".into(),
        "大邑服务站".into(),
        "赵师傅".into(),
    ];
    let a_marks = vec![number(ta).await, "张三".into(), "QL-TENANT-A".into()];
    World {
        s,
        label,
        w,
        p,
        central,
        ta,
        tb,
        tb2,
        tb_line,
        tb2_obligation,
        moved,
        ca,
        cb,
        ub,
        req_b,
        transfer_b: transfer_b.get(),
        reservation_b: reservation_b.get(),
        repair_b: repair_b.get(),
        scrap_b: scrap_b.get(),
        stocktake_b: stocktake_b.get(),
        approval_b,
        lot_b: lot_b.get(),
        order: order.get(),
        b_marks,
        a_marks,
    }
}

impl World {
    fn wb(&self) -> i64 {
        self.p.warehouse_b.get()
    }

    fn wa(&self) -> i64 {
        self.p.warehouse_a.get()
    }

    /// Fail if `body` carries any of B's data; a mark the request itself typed (a search
    /// term echoed in the form) is not data.
    fn assert_no_b(&self, who: &str, what: &str, body: &str) {
        for m in self.b_marks.iter().filter(|m| !what.contains(m.as_str())) {
            assert!(
                !body.contains(m.as_str()),
                "{}: {who} {what} shows B's '{m}': {}",
                self.label,
                &body[..body.len().min(2_000)]
            );
        }
    }

    fn assert_has_a(&self, what: &str, body: &str) {
        for m in &self.a_marks {
            assert!(
                body.contains(m.as_str()),
                "{}: {what} lacks A's own '{m}' (the scope hides too much?)",
                self.label
            );
        }
    }

    /// Head office's view of everything an attempt could have changed.
    async fn hq_snapshot(&self, mgr: &str) -> Vec<(String, Value)> {
        let mut paths = vec![
            "/api/v1/stock?limit=10000".to_string(),
            "/api/v1/stock/movements?limit=1000".to_string(),
            "/api/v1/stock/in-transit".to_string(),
            "/api/v1/stock/approvals?limit=1000".to_string(),
            "/api/v1/stock/aging".to_string(),
            format!("/api/v1/parts/{}/levels", self.p.board.get()),
            format!("/api/v1/parts/{}/levels", self.p.remote.get()),
            format!("/api/v1/customers/{}", self.cb),
            format!("/api/v1/units/{}", self.ub),
            "/api/v1/tickets?limit=1000".to_string(),
        ];
        for t in [self.ta, self.tb, self.tb2] {
            paths.push(format!("/api/v1/tickets/{}/parts", t.0));
        }
        let mut out = Vec::new();
        for p in paths {
            let (st, v) = get(&self.s, mgr, &p).await;
            assert_eq!(st, StatusCode::OK, "{}: manager {p}: {v}", self.label);
            out.push((p, v));
        }
        for t in [self.ta, self.tb, self.tb2] {
            // The record and the timeline; the SLA report is computed at the request time.
            let (st, v) = get(&self.s, mgr, &format!("/api/v1/tickets/{}", t.0)).await;
            assert_eq!(st, StatusCode::OK, "{}: {v}", self.label);
            out.push((format!("ticket {}", t.0), v["ticket"].clone()));
            out.push((format!("timeline {}", t.0), v["timeline"].clone()));
        }
        out
    }

    async fn assert_unchanged(&self, mgr: &str, before: &[(String, Value)], after_what: &str) {
        let after = self.hq_snapshot(mgr).await;
        for ((p, a), (_, b)) in before.iter().zip(&after) {
            assert_eq!(a, b, "{}: {p} changed by {after_what}", self.label);
        }
    }
}

async fn get(s: &Server, token: &str, path: &str) -> (StatusCode, Value) {
    common::server::get(&reqwest::Client::new(), s, token, path).await
}

/// GET with a Bearer token; status and the body as text.
async fn get_text(s: &Server, token: &str, path: &str) -> (StatusCode, Vec<u8>) {
    let r = reqwest::Client::new()
        .get(format!("{}{path}", s.base))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let st = r.status();
    (st, r.bytes().await.unwrap().to_vec())
}

/// Send JSON with a Bearer token (and an Idempotency-Key, which some routes require).
async fn send(
    s: &Server,
    token: &str,
    method: reqwest::Method,
    path: &str,
    key: &str,
    body: Value,
) -> (StatusCode, Value) {
    let r = reqwest::Client::new()
        .request(method, format!("{}{path}", s.base))
        .bearer_auth(token)
        .header("Idempotency-Key", key)
        .json(&body)
        .send()
        .await
        .unwrap();
    let st = r.status();
    (st, r.json().await.unwrap_or(Value::Null))
}

/// Every cell of an XLSX workbook, joined.
fn xlsx_text(bytes: &[u8]) -> String {
    use calamine::{Reader, Xlsx};
    let mut wb: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(bytes.to_vec())).unwrap();
    let mut out = String::new();
    for name in wb.sheet_names() {
        let range = wb.worksheet_range(&name).unwrap();
        for row in range.rows() {
            for c in row {
                out.push_str(&c.to_string());
                out.push('\t');
            }
            out.push('\n');
        }
    }
    out
}

/// A browser session of a sample user and its CSRF token.
async fn login(s: &Server, login: &str) -> (reqwest::Client, String) {
    let c = common::server::browser();
    let r = c
        .post(format!("{}/login", s.base))
        .form(&[
            ("login", login),
            ("password", SAMPLE_PASSWORD),
            ("next", "/"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "login of {login}");
    let home = c
        .get(format!("{}/", s.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = home
        .split("name=\"_csrf\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap()
        .to_string();
    (c, csrf)
}

async fn page(c: &reqwest::Client, s: &Server, path: &str) -> (StatusCode, String) {
    let r = c.get(format!("{}{path}", s.base)).send().await.unwrap();
    let st = r.status();
    (st, r.text().await.unwrap())
}

async fn form(
    c: &reqwest::Client,
    s: &Server,
    csrf: &str,
    path: &str,
    fields: &[(String, String)],
) -> (StatusCode, String) {
    let mut all: Vec<(String, String)> = vec![("_csrf".into(), csrf.to_string())];
    all.extend(fields.iter().cloned());
    let r = c
        .post(format!("{}{path}", s.base))
        .form(&all)
        .send()
        .await
        .unwrap();
    let st = r.status();
    (st, r.text().await.unwrap())
}

fn refused(st: StatusCode) -> bool {
    st == StatusCode::NOT_FOUND || st == StatusCode::FORBIDDEN
}

/// A refused API call: 403 or 404 with the standard error body.
fn assert_api_refused(w: &World, who: &str, what: &str, st: StatusCode, v: &Value) {
    assert!(refused(st), "{}: {who} {what}: {st} {v}", w.label);
    let code = v["error"]["code"].as_str().unwrap_or_default();
    assert!(
        code == "not_found" || code == "auth.forbidden",
        "{}: {who} {what}: error body {v}",
        w.label
    );
    w.assert_no_b(who, what, &v.to_string());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn station_a_reads_lists_filters_and_exports_none_of_station_bs_data() {
    for db in each_backend().await.unwrap() {
        let w = world(db).await;
        let s = &w.s;
        let (wb, sb) = (w.wb(), w.w.station_b.0);
        let board = w.p.board.get();
        let b_number = w.b_marks[0].clone();

        // Lists and filters answer 200 without B's rows, for every station-side user.
        let lists = [
            "/api/v1/tickets".to_string(),
            "/api/v1/tickets?limit=1000&status=on_site,completed".to_string(),
            format!("/api/v1/tickets?station={sb}"),
            format!("/api/v1/tickets?number={b_number}"),
            "/api/v1/tickets?serial=QL-TENANT-B".to_string(),
            "/api/v1/tickets?phone=13700000002".to_string(),
            "/api/v1/customers?q=QL-TENANT-B".to_string(),
            "/api/v1/customers?q=13700000002".to_string(),
            "/api/v1/customers?q=13700000003".to_string(),
            "/api/v1/customers?q=13700000001".to_string(),
            format!("/api/v1/customers/{}", w.ca),
            format!("/api/v1/tickets/{}", w.moved.0),
            "/api/v1/jobs".to_string(),
            "/api/v1/stations".to_string(),
            "/api/v1/warehouses".to_string(),
            "/api/v1/stock?limit=10000".to_string(),
            "/api/v1/stock/movements?limit=1000".to_string(),
            "/api/v1/stock/movements?kind=issue".to_string(),
            "/api/v1/stock/in-transit".to_string(),
            "/api/v1/stock/aging".to_string(),
            "/api/v1/stock/approvals".to_string(),
            "/api/v1/stock/approvals?status=pending".to_string(),
            format!("/api/v1/parts/{board}/levels"),
            "/api/v1/part-master/export?format=csv&kind=levels".to_string(),
            "/api/v1/me".to_string(),
        ];
        let sta = token(&s.app, "station-a").await;
        let tech = token(&s.app, "tech-a").await;
        let brand = token(&s.app, "brand-x").await;
        for (who, t) in [("station-a", &sta), ("tech-a", &tech), ("brand-x", &brand)] {
            for path in &lists {
                let (st, body) = get_text(s, t, path).await;
                let text = String::from_utf8_lossy(&body).to_string();
                assert!(
                    st == StatusCode::OK || refused(st),
                    "{}: {who} {path}: {st} {text}",
                    w.label
                );
                w.assert_no_b(who, path, &text);
            }
            for path in [
                "/api/v1/tickets/export.xlsx".to_string(),
                format!("/api/v1/tickets/export.xlsx?station={sb}"),
                "/api/v1/part-master/export?format=xlsx".to_string(),
            ] {
                let (st, body) = get_text(s, t, &path).await;
                if st == StatusCode::OK {
                    w.assert_no_b(who, &path, &xlsx_text(&body));
                } else {
                    assert!(refused(st), "{}: {who} {path}: {st}", w.label);
                }
            }
        }
        // A search by B's serial or phone finds nothing, not even A's own customer who owns
        // the unit B services (the answer would tie the serial to that customer).
        for q in ["QL-TENANT-B", "QL-SHARED-B", "13700000002"] {
            let (st, v) = get(s, &sta, &format!("/api/v1/customers?q={q}")).await;
            assert_eq!(
                (st, &v),
                (StatusCode::OK, &json!([])),
                "{}: customers?q={q}",
                w.label
            );
            let (st, v) = get(s, &sta, &format!("/api/v1/tickets?serial={q}")).await;
            assert_eq!(
                (st, &v),
                (StatusCode::OK, &json!([])),
                "{}: tickets?serial={q}",
                w.label
            );
        }
        let (st, v) = get(s, &sta, "/api/v1/customers?q=QL-TENANT-A").await;
        assert_eq!(st, StatusCode::OK, "{}", w.label);
        assert_eq!(v[0]["customer"]["id"], json!(w.ca), "{}: {v}", w.label);
        // The positive control: A's own data is there.
        let (_, own) = get_text(s, &sta, "/api/v1/tickets").await;
        w.assert_has_a("station-a /api/v1/tickets", &String::from_utf8_lossy(&own));
        let (_, own) = get_text(s, &sta, "/api/v1/tickets/export.xlsx").await;
        w.assert_has_a("station-a export.xlsx", &xlsx_text(&own));
        let (_, stock) = get(s, &sta, "/api/v1/stock").await;
        assert!(
            stock.as_array().is_some_and(
                |r| !r.is_empty() && r.iter().all(|r| r["warehouse_id"] == json!(w.wa()))
            ),
            "{}: {stock}",
            w.label
        );

        // B's objects by id, and filters naming B: refused with the error body.
        let by_id = [
            format!("/api/v1/tickets/{}", w.tb.0),
            format!("/api/v1/tickets/{}", w.tb2.0),
            format!("/api/v1/tickets/{}/parts", w.tb.0),
            format!("/api/v1/tickets/{}/parts", w.tb2.0),
            format!("/api/v1/tickets/{}/suggestions", w.tb.0),
            format!("/api/v1/customers/{}", w.cb),
            format!("/api/v1/units/{}", w.ub),
            format!("/api/v1/stock?warehouse_id={wb}"),
            format!("/api/v1/stock/movements?warehouse_id={wb}"),
            format!("/api/v1/stock/in-transit?to_warehouse_id={wb}"),
            format!("/api/v1/stock/aging?warehouse_id={wb}"),
            format!("/api/v1/stock/approvals?warehouse_id={wb}"),
            format!("/api/v1/stock/approvals/{}", w.approval_b),
            format!("/api/v1/planning/proposals?warehouse={wb}"),
            format!("/api/v1/planning/items/{wb}/{board}"),
            "/api/v1/planning/proposals".to_string(),
            "/api/v1/dispatch/queue".to_string(),
            "/api/v1/dispatch/sla".to_string(),
            "/api/v1/callbacks/queue".to_string(),
            "/api/v1/stock/verify".to_string(),
            "/api/v1/users".to_string(),
            "/api/v1/audit".to_string(),
            "/api/v1/webhooks".to_string(),
            "/api/v1/webhooks/deliveries".to_string(),
        ];
        for (who, t) in [("station-a", &sta), ("tech-a", &tech), ("brand-x", &brand)] {
            for path in &by_id {
                let (st, v) = get(s, t, path).await;
                // A station user reads the replenishment proposed for its own warehouses
                // (none of B's); technicians and brands see no planning.
                if who == "station-a" && path == "/api/v1/planning/proposals" {
                    assert_eq!(st, StatusCode::OK, "{}: {who} {path}: {v}", w.label);
                    w.assert_no_b(who, path, &v.to_string());
                    continue;
                }
                assert_api_refused(&w, who, path, st, &v);
            }
        }

        // Pages: lists without B's data, B's objects not found.
        for who in ["station-a", "tech-a", "brand-x"] {
            let (c, _) = login(s, who).await;
            for path in [
                "/".to_string(),
                "/tickets".to_string(),
                format!("/tickets?station={sb}"),
                format!("/tickets?number={b_number}"),
                "/tickets?serial=QL-TENANT-B".to_string(),
                "/tickets?phone=13700000002".to_string(),
                "/station/tickets".to_string(),
                format!("/tickets/{}", w.moved.0),
                "/jobs".to_string(),
                "/stations".to_string(),
                "/warehouses".to_string(),
                "/parts".to_string(),
                format!("/parts/{board}"),
                "/stock".to_string(),
                "/stock/movements".to_string(),
                "/stock/movements/export?format=csv".to_string(),
                "/stock/in-transit".to_string(),
                "/stock/slow".to_string(),
                "/stock/ops".to_string(),
                "/stock/ops/parts?q=TV".to_string(),
                "/stock/approvals?status=all".to_string(),
                format!("/tickets/{}", w.tb.0),
                format!("/tickets/{}", w.tb2.0),
                format!("/warehouses/{wb}/stock"),
                format!("/stock?warehouse={wb}"),
                format!("/stock/movements?warehouse={wb}"),
                format!("/stock/movements/export?format=csv&warehouse={wb}"),
                format!("/stock/in-transit?warehouse={wb}"),
                format!("/stock/slow?warehouse={wb}"),
                "/intake".to_string(),
                "/intake?q=13700000002".to_string(),
                "/dispatch".to_string(),
                "/callbacks".to_string(),
                "/planning".to_string(),
                format!("/planning/items/{wb}/{board}"),
                "/planning/lifecycle".to_string(),
                "/admin/users".to_string(),
                "/admin/audit".to_string(),
                "/admin/webhooks".to_string(),
            ] {
                let (st, body) = page(&c, s, &path).await;
                assert!(
                    st == StatusCode::OK || refused(st),
                    "{}: {who} page {path}: {st}",
                    w.label
                );
                w.assert_no_b(who, &path, &body);
            }
            for path in [
                format!("/tickets/{}", w.tb.0),
                format!("/warehouses/{wb}/stock"),
                format!("/stock?warehouse={wb}"),
                format!("/stock/movements?warehouse={wb}"),
                format!("/stock/in-transit?warehouse={wb}"),
            ] {
                let (st, _) = page(&c, s, &path).await;
                assert!(refused(st), "{}: {who} page {path}: {st}", w.label);
            }
        }
        let (c, _) = login(s, "station-a").await;
        let (_, own) = page(&c, s, "/station/tickets").await;
        w.assert_has_a("station-a /station/tickets", &own);
        let (st, own) = page(&c, s, &format!("/tickets/{}", w.ta.0)).await;
        assert_eq!(st, StatusCode::OK, "{}", w.label);
        assert!(own.contains("张三"), "{}", w.label);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn station_a_changes_none_of_station_bs_data_through_the_api_or_the_forms() {
    for db in each_backend().await.unwrap() {
        let w = world(db).await;
        let s = &w.s;
        let mgr = token(&s.app, "manager").await;
        let before = w.hq_snapshot(&mgr).await;
        let (wa, wb) = (w.wa(), w.wb());
        let (board, remote) = (w.p.board.get(), w.p.remote.get());
        let (tb, tb2) = (w.tb.0, w.tb2.0);
        let now = s.app.now().0;
        // Settings bodies that parse, so the role check is what answers.
        let admin = token(&s.app, "admin").await;
        let (_, ticket_settings) = get(s, &admin, "/api/v1/ticket-settings").await;
        let (_, sla_settings) = get(s, &admin, "/api/v1/sla-settings").await;
        let ticket_b = json!({"kind": "ticket", "id": tb});
        let stb_user = aftercare_store::users::get_by_login(&s.app.db, "station-b")
            .await
            .unwrap()
            .unwrap()
            .id
            .0;
        let req_b = json!({"kind": "requisition", "id": w.req_b});
        use reqwest::Method as M;
        let attempts: Vec<(M, String, Value)> = vec![
            // B's tickets.
            (
                M::POST,
                format!("/api/v1/tickets/{tb}/actions"),
                json!({"action": "arrive"}),
            ),
            (
                M::POST,
                format!("/api/v1/tickets/{tb}/actions"),
                json!({"action": "wait_for_parts"}),
            ),
            (
                M::POST,
                format!("/api/v1/tickets/{tb}/actions"),
                json!({"action": "complete", "actions_taken": "x"}),
            ),
            (
                M::POST,
                format!("/api/v1/tickets/{tb}/actions"),
                json!({"action": "cancel", "reason": "x"}),
            ),
            (
                M::POST,
                format!("/api/v1/tickets/{tb}/actions"),
                json!({"action": "assign_technician", "technician": w.w.tech_a.0}),
            ),
            (
                M::POST,
                format!("/api/v1/tickets/{tb}/auto-dispatch"),
                Value::Null,
            ),
            (
                M::POST,
                format!("/api/v1/tickets/{tb}/parts"),
                json!({"lines": [{"part_id": board, "qty": 1}]}),
            ),
            (
                M::POST,
                format!("/api/v1/tickets/{tb}/parts/issue"),
                json!({}),
            ),
            (
                M::POST,
                format!("/api/v1/tickets/{tb}/parts/arrived"),
                json!({}),
            ),
            (
                M::POST,
                format!("/api/v1/tickets/{tb}/parts/complete"),
                json!({"actions_taken": "x", "parts": [{"line_id": w.tb_line, "used": 0, "returned": 1}]}),
            ),
            (
                M::POST,
                format!(
                    "/api/v1/tickets/{tb2}/parts/returns/{}/receive",
                    w.tb2_obligation
                ),
                json!({}),
            ),
            // A's own ticket with B's obligation.
            (
                M::POST,
                format!(
                    "/api/v1/tickets/{}/parts/returns/{}/receive",
                    w.ta.0, w.tb2_obligation
                ),
                json!({}),
            ),
            (
                M::POST,
                format!("/api/v1/customers/{}/units", w.cb),
                json!({"serial": "EVIL-1", "model": w.w.model.0}),
            ),
            // B's warehouse named directly.
            (
                M::POST,
                "/api/v1/stock/issues".into(),
                json!({"warehouse_id": wb, "part_id": remote, "qty": 1, "requisition_id": 7001}),
            ),
            (
                M::POST,
                "/api/v1/stock/receipts".into(),
                json!({"order": w.order, "warehouse": wb, "part": remote, "qty": 1}),
            ),
            (
                M::POST,
                "/api/v1/stock/inspections".into(),
                json!({"warehouse": wb, "lot": w.lot_b, "accept": 1, "reject": 0}),
            ),
            (
                M::POST,
                "/api/v1/stock/reservations".into(),
                json!({"warehouse": wb, "part": remote, "qty": 1, "consumer": {"kind": "requisition", "id": 7002}, "expires_at": now + DAY}),
            ),
            (
                M::POST,
                "/api/v1/stock/transfers".into(),
                json!({"from": wb, "to": wa, "eta": now + DAY, "lines": [{"part": remote, "condition": "good", "qty": 1}]}),
            ),
            (
                M::POST,
                "/api/v1/stock/scraps".into(),
                json!({"warehouse": wb, "part": board, "condition": "defective", "qty": 1, "reason": "obsolete"}),
            ),
            (
                M::POST,
                "/api/v1/stock/disposals".into(),
                json!({"warehouse": wb, "part": board, "qty": 1}),
            ),
            (
                M::POST,
                "/api/v1/stock/stocktakes".into(),
                json!({"warehouse": wb, "scope": {"kind": "warehouse"}}),
            ),
            (
                M::POST,
                "/api/v1/stock/returns".into(),
                json!({"consumer": {"kind": "requisition", "id": 7003}, "warehouse": wb, "part": remote, "qty": 1, "issued_at": now}),
            ),
            (
                M::POST,
                "/api/v1/stock/defective-returns".into(),
                json!({"consumer": {"kind": "requisition", "id": 7004}, "warehouse": wb, "part": board, "qty": 1}),
            ),
            (
                M::PUT,
                format!("/api/v1/parts/{board}/levels/{wb}"),
                json!({"min": 9, "max": 10}),
            ),
            (
                M::DELETE,
                format!("/api/v1/parts/{board}/levels/{wb}"),
                Value::Null,
            ),
            // B's documents by id.
            (
                M::POST,
                format!("/api/v1/stock/reservations/{}/release", w.reservation_b),
                json!({}),
            ),
            (
                M::POST,
                format!("/api/v1/stock/transfers/{}/receive", w.transfer_b),
                json!({"lines": [{"part": board, "condition": "good", "qty": 1}], "close": true}),
            ),
            (
                M::POST,
                format!("/api/v1/stock/transfers/{}/discrepancies", w.transfer_b),
                json!({"part": board, "condition": "good", "qty": 1, "resolution": {"kind": "found", "warehouse": wa}}),
            ),
            (
                M::POST,
                format!("/api/v1/stock/repair-orders/{}/receive", w.repair_b),
                json!({"warehouse": wa, "qty": 1}),
            ),
            (
                M::POST,
                format!("/api/v1/stock/repair-orders/{}/unrepairable", w.repair_b),
                json!({"qty": 1, "returned_to": wa}),
            ),
            (
                M::POST,
                format!("/api/v1/stock/scraps/{}/decision", w.scrap_b),
                json!({"approve": true}),
            ),
            (
                M::POST,
                format!("/api/v1/stock/stocktakes/{}/counts", w.stocktake_b),
                json!({"counts": [{"part": w.p.board_alt.get(), "condition": "good", "counted": 0}]}),
            ),
            (
                M::POST,
                format!("/api/v1/stock/stocktakes/{}/approve", w.stocktake_b),
                json!({}),
            ),
            (
                M::POST,
                format!("/api/v1/stock/approvals/{}/approve", w.approval_b),
                json!({}),
            ),
            (
                M::POST,
                format!("/api/v1/stock/approvals/{}/reject", w.approval_b),
                json!({"reason": "x"}),
            ),
            // B's ticket or requisition as the consumer of A's own warehouse: taking the units
            // issued to B's ticket into A's shelf, or booking A's stock onto B's records.
            (
                M::POST,
                "/api/v1/stock/returns".into(),
                json!({"consumer": ticket_b, "warehouse": wa, "part": board, "qty": 1, "issued_at": now}),
            ),
            (
                M::POST,
                "/api/v1/stock/returns".into(),
                json!({"consumer": req_b, "warehouse": wa, "part": remote, "qty": 1, "issued_at": now}),
            ),
            (
                M::POST,
                "/api/v1/stock/defective-returns".into(),
                json!({"consumer": ticket_b, "warehouse": wa, "part": board, "qty": 1}),
            ),
            (
                M::POST,
                "/api/v1/stock/defective-returns".into(),
                json!({"consumer": req_b, "warehouse": wa, "part": board, "qty": 1}),
            ),
            (
                M::POST,
                "/api/v1/stock/issues".into(),
                json!({"warehouse_id": wa, "part_id": remote, "qty": 1, "ticket_id": tb}),
            ),
            (
                M::POST,
                "/api/v1/stock/issues".into(),
                json!({"warehouse_id": wa, "part_id": remote, "qty": 1, "requisition_id": w.req_b}),
            ),
            (
                M::POST,
                "/api/v1/stock/reservations".into(),
                json!({"warehouse": wa, "part": remote, "qty": 1, "consumer": ticket_b, "expires_at": now + DAY}),
            ),
            (
                M::POST,
                "/api/v1/stock/commands".into(),
                json!({"op": "return_unused", "consumer": ticket_b, "warehouse": wa, "part": board, "qty": 1, "issued_at": now}),
            ),
            // Head-office and admin work.
            (
                M::POST,
                "/api/v1/stock/purchase-orders".into(),
                json!({"supplier": w.p.supplier.get(), "lines": [[board, 1]]}),
            ),
            (
                M::POST,
                "/api/v1/stock/reservations/expire".into(),
                json!({}),
            ),
            (
                M::POST,
                "/api/v1/stock/repair-orders".into(),
                json!({"warehouse": wb, "vendor": w.p.supplier.get(), "part": board, "qty": 1, "due": now + DAY}),
            ),
            (M::POST, "/api/v1/planning/runs".into(), json!({})),
            (
                M::PUT,
                format!("/api/v1/users/{stb_user}/active"),
                json!({"active": false}),
            ),
            (
                M::POST,
                "/api/v1/api-tokens".into(),
                json!({"name": "evil", "login": "station-b"}),
            ),
            (M::PUT, "/api/v1/ticket-settings".into(), ticket_settings),
            (M::PUT, "/api/v1/sla-settings".into(), sla_settings),
            (
                M::POST,
                "/api/v1/webhooks".into(),
                json!({"name": "evil", "url": "http://127.0.0.1:9/x", "secret": "0123456789abcdef0123", "language": "zh", "events": ["ticket.created"]}),
            ),
        ];
        let sta = token(&s.app, "station-a").await;
        let tech = token(&s.app, "tech-a").await;
        for (who, t) in [("station-a", &sta), ("tech-a", &tech)] {
            // Every accepted attempt is listed before the test fails, not only the first.
            let mut accepted = Vec::new();
            for (i, (m, path, body)) in attempts.iter().enumerate() {
                let (st, v) = send(
                    s,
                    t,
                    m.clone(),
                    path,
                    &format!("evil-{who}-{i}"),
                    body.clone(),
                )
                .await;
                if refused(st) {
                    assert_api_refused(&w, who, &format!("{m} {path} {body}"), st, &v);
                } else {
                    accepted.push(format!("{m} {path} {body}: {st} {v}"));
                }
            }
            assert!(
                accepted.is_empty(),
                "{}: {who} changed B's data:\n{}",
                w.label,
                accepted.join("\n")
            );
            w.assert_unchanged(&mgr, &before, who).await;
        }

        // The same through the forms of the pages.
        let (c, csrf) = login(s, "station-a").await;
        let s_ = |v: i64| v.to_string();
        let forms: Vec<(String, Vec<(&str, String)>)> = vec![
            (
                format!("/tickets/{tb}/act"),
                vec![("action", "arrive".into())],
            ),
            (
                format!("/tickets/{tb}/act"),
                vec![("action", "cancel".into()), ("reason", "x".into())],
            ),
            (format!("/tickets/{tb}/auto-dispatch"), vec![]),
            (
                format!("/tickets/{tb}/parts"),
                vec![
                    ("part_number", "TV-MB-55A".into()),
                    ("qty", "1".into()),
                    ("key", "evil-form".into()),
                ],
            ),
            (format!("/tickets/{tb}/parts/issue"), vec![]),
            (format!("/tickets/{tb}/parts/arrived"), vec![]),
            (
                format!("/tickets/{tb2}/parts/returns/{}/receive", w.tb2_obligation),
                vec![],
            ),
            (
                format!(
                    "/tickets/{}/parts/returns/{}/receive",
                    w.ta.0, w.tb2_obligation
                ),
                vec![],
            ),
            (
                "/stock/ops".into(),
                vec![
                    ("op", "issue".into()),
                    ("warehouse", s_(wb)),
                    ("part", "TV-RC-01".into()),
                    ("qty", "1".into()),
                    ("consumer", "requisition".into()),
                    ("consumer_id", "7005".into()),
                ],
            ),
            (
                "/stock/ops".into(),
                vec![
                    ("op", "issue".into()),
                    ("warehouse", s_(wa)),
                    ("part", "TV-RC-01".into()),
                    ("qty", "1".into()),
                    ("consumer", "ticket".into()),
                    ("consumer_id", s_(tb)),
                ],
            ),
            (
                "/stock/ops".into(),
                vec![
                    ("op", "issue".into()),
                    ("warehouse", s_(wa)),
                    ("part", "TV-RC-01".into()),
                    ("qty", "1".into()),
                    ("consumer", "requisition".into()),
                    ("consumer_id", s_(w.req_b)),
                ],
            ),
            (
                "/stock/ops".into(),
                vec![
                    ("op", "inspect".into()),
                    ("warehouse", s_(wb)),
                    ("lot", s_(w.lot_b)),
                    ("accept", "1".into()),
                ],
            ),
            (
                "/stock/ops".into(),
                vec![
                    ("op", "ship".into()),
                    ("warehouse", s_(wb)),
                    ("to", s_(wa)),
                    ("eta_days", "1".into()),
                    ("part", "TV-RC-01".into()),
                    ("condition", "good".into()),
                    ("qty", "1".into()),
                ],
            ),
            (
                "/stock/ops".into(),
                vec![
                    ("op", "receive_transfer".into()),
                    ("transfer", s_(w.transfer_b)),
                    ("part", "TV-MB-55A".into()),
                    ("condition", "good".into()),
                    ("qty", "1".into()),
                ],
            ),
            (
                "/stock/ops".into(),
                vec![
                    ("op", "repair_receive".into()),
                    ("order", s_(w.repair_b)),
                    ("warehouse", s_(wa)),
                    ("qty", "1".into()),
                ],
            ),
            (
                "/stock/ops".into(),
                vec![
                    ("op", "scrap_decide".into()),
                    ("request", s_(w.scrap_b)),
                    ("decision", "approve".into()),
                ],
            ),
            (
                "/stock/ops".into(),
                vec![
                    ("op", "count".into()),
                    ("stocktake", s_(w.stocktake_b)),
                    ("part", "TV-MB-55B".into()),
                    ("condition", "good".into()),
                    ("counted", "0".into()),
                ],
            ),
            (
                "/stock/ops".into(),
                vec![
                    ("op", "stocktake_approve".into()),
                    ("stocktake", s_(w.stocktake_b)),
                ],
            ),
            (format!("/stock/approvals/{}/approve", w.approval_b), vec![]),
            (
                format!("/stock/approvals/{}/reject", w.approval_b),
                vec![("reason", "x".into())],
            ),
            (
                "/planning/run".into(),
                vec![("bucket", "week".into()), ("target_fill", "0.95".into())],
            ),
            (
                "/admin/users".into(),
                vec![
                    ("login", "evil".into()),
                    ("display_name", "evil".into()),
                    ("role", "admin".into()),
                    ("station", "".into()),
                    ("password", "password123".into()),
                ],
            ),
            (
                format!("/admin/users/{stb_user}/active"),
                vec![("active", "false".into())],
            ),
            (
                "/admin/tokens".into(),
                vec![("name", "evil".into()), ("login", "station-b".into())],
            ),
            (
                "/intake/unit".into(),
                vec![
                    ("customer", s_(w.cb)),
                    ("serial", "EVIL-2".into()),
                    ("model", s_(w.w.model.0)),
                ],
            ),
            (
                "/intake/ticket".into(),
                vec![
                    ("customer", s_(w.cb)),
                    ("unit", s_(w.ub)),
                    ("ticket_type", "repair".into()),
                    ("channel", "hotline".into()),
                    ("fault_description", "x".into()),
                ],
            ),
        ];
        let mut forms: Vec<(String, Vec<(String, String)>)> = forms
            .into_iter()
            .map(|(p, f)| (p, f.into_iter().map(|(k, v)| (k.to_string(), v)).collect()))
            .collect();
        forms.push((
            format!("/tickets/{tb}/parts/complete"),
            vec![
                ("actions_taken".into(), "x".into()),
                (format!("used_{}", w.tb_line), "0".into()),
                (format!("returned_{}", w.tb_line), "1".into()),
            ],
        ));
        let mut accepted = Vec::new();
        // B's stocktake counted from a file.
        let file = reqwest::multipart::Part::bytes(
            b"part_number,condition,counted\nTV-MB-55B,good,0\n".to_vec(),
        )
        .file_name("counts.csv");
        let r = c
            .post(format!("{}/stock/ops/counts?_csrf={csrf}", s.base))
            .multipart(
                reqwest::multipart::Form::new()
                    .text("stocktake", w.stocktake_b.to_string())
                    .part("file", file),
            )
            .send()
            .await
            .unwrap();
        // 404 exactly: a 403 here could be the CSRF check rather than the scope.
        if r.status() != StatusCode::NOT_FOUND {
            accepted.push(format!("/stock/ops/counts (B's stocktake): {}", r.status()));
        }
        for (path, fields) in &forms {
            let (st, body) = form(&c, s, &csrf, path, fields).await;
            if !refused(st) {
                accepted.push(format!("{path} {fields:?}: {st}"));
            }
            w.assert_no_b("station-a form", path, &body);
        }
        assert!(
            accepted.is_empty(),
            "{}: station-a's forms changed B's data:\n{}",
            w.label,
            accepted.join("\n")
        );
        w.assert_unchanged(&mgr, &before, "station-a's forms").await;

        // The guard is not a blanket refusal: A still works its own ticket and warehouse.
        let (st, v) = send(
            s,
            &sta,
            M::POST,
            "/api/v1/stock/issues",
            "own-1",
            json!({"warehouse_id": wa, "part_id": remote, "qty": 1, "ticket_id": w.ta.0}),
        )
        .await;
        assert_eq!(st, StatusCode::CREATED, "{}: {v}", w.label);
        let (st, v) = send(s, &sta, M::POST, "/api/v1/stock/returns", "own-2",
            json!({"consumer": {"kind": "ticket", "id": w.ta.0}, "warehouse": wa, "part": remote, "qty": 1, "issued_at": now})).await;
        assert_eq!(st, StatusCode::CREATED, "{}: {v}", w.label);
        let (st, v) = send(
            s,
            &sta,
            M::POST,
            "/api/v1/stock/issues",
            "own-3",
            json!({"warehouse_id": wa, "part_id": remote, "qty": 1, "requisition_id": 7100}),
        )
        .await;
        assert_eq!(st, StatusCode::CREATED, "{}: {v}", w.label);
        let (st, v) = send(s, &sta, M::POST, "/api/v1/stock/returns", "own-4",
            json!({"consumer": {"kind": "requisition", "id": 7100}, "warehouse": wa, "part": remote, "qty": 1, "issued_at": now})).await;
        assert_eq!(st, StatusCode::CREATED, "{}: {v}", w.label);
        // The same session's token works for A's own form (the refusals above are the
        // scope's, not the CSRF check's).
        let (st, html) = form(
            &c,
            s,
            &csrf,
            "/stock/ops",
            &[
                ("op".into(), "issue".into()),
                ("warehouse".into(), wa.to_string()),
                ("part".into(), "TV-RC-01".into()),
                ("qty".into(), "1".into()),
                ("consumer".into(), "ticket".into()),
                ("consumer_id".into(), w.ta.0.to_string()),
            ],
        )
        .await;
        assert_eq!(st, StatusCode::OK, "{}", w.label);
        assert!(html.contains("完成：1 条库存移动"), "{}: {html}", w.label);
        // The application's own ledger keys are not the user's: station A may not take the
        // key of B's next step (the return of the unused board on completion, the defective
        // part's receipt) and so make B's ticket flow fail on "key reused".
        for (i, key) in [
            format!("aftercare:ticket-part:{}:return", w.tb_line),
            format!("aftercare:ticket-return:{}:defective", w.tb2_obligation),
        ]
        .iter()
        .enumerate()
        {
            let (st, v) = send(
                s,
                &sta,
                M::POST,
                "/api/v1/stock/issues",
                key,
                json!({"warehouse_id": wa, "part_id": remote, "qty": 1, "requisition_id": 7400 + i as i64}),
            )
            .await;
            assert_eq!(
                st,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{}: {key}: {v}",
                w.label
            );
            assert_eq!(
                v["error"]["details"]["fields"][0]["field"],
                "Idempotency-Key"
            );
        }
        let stb = token(&s.app, "station-b").await;
        let (st, v) = send(
            s,
            &stb,
            M::POST,
            &format!("/api/v1/tickets/{tb}/parts/complete"),
            "b-complete",
            json!({"actions_taken": "更换主板", "parts": [{"line_id": w.tb_line, "used": 0, "returned": 1}]}),
        )
        .await;
        assert_eq!(
            st,
            StatusCode::OK,
            "{}: B completes its ticket: {v}",
            w.label
        );
        let (st, v) = send(
            s,
            &stb,
            M::POST,
            &format!(
                "/api/v1/tickets/{tb2}/parts/returns/{}/receive",
                w.tb2_obligation
            ),
            "b-receive",
            json!({}),
        )
        .await;
        assert_eq!(
            st,
            StatusCode::OK,
            "{}: B receives its defective part: {v}",
            w.label
        );
        let _ = w.central;
    }
}
