//! The ticket, customer and unit API over the real server (SQLite always, PostgreSQL when
//! configured): the hotline flow through HTTP, error shapes, XLSX export, and the tenancy
//! rule enumerated over every ticket/customer/unit route: station A's user gets 404 on
//! station B's objects and cannot modify them.

use aftercare_app::tickets::{SAMPLE_PASSWORD, SampleWorld};
use aftercare_app::{Actor, App, AppConfig};
use aftercare_store::testing::{TestDb, each_backend};
use reqwest::StatusCode;
use serde_json::{Value, json};

struct Server {
    base: String,
    app: App,
    w: SampleWorld,
    label: &'static str,
    _db: TestDb,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    handle: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
}

impl Server {
    async fn start(db: TestDb) -> Server {
        let app = App::new(db.db.clone(), AppConfig::default());
        let w = app.seed_ticket_sample().await.unwrap();
        let state = aftercare_web::AppState::new(app.clone(), Default::default(), None);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let handle = tokio::spawn(aftercare_web::serve(listener, state, async {
            let _ = rx.await;
        }));
        Server {
            base,
            app,
            w,
            label: db.label,
            _db: db,
            shutdown: Some(tx),
            handle: Some(handle),
        }
    }

    async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(h) = self.handle.take() {
            h.await.unwrap().unwrap();
        }
    }

    /// A client acting as `login` through an API token.
    async fn as_user(&self, login: &str) -> Api {
        let t = self
            .app
            .create_api_token(&Actor::Cli, "test", login)
            .await
            .unwrap();
        Api {
            base: self.base.clone(),
            token: t.secret,
            c: reqwest::Client::new(),
        }
    }
}

struct Api {
    base: String,
    token: String,
    c: reqwest::Client,
}

impl Api {
    async fn get(&self, path: &str) -> (StatusCode, Value) {
        let r = self
            .c
            .get(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .send()
            .await
            .unwrap();
        let s = r.status();
        (s, r.json().await.unwrap_or(Value::Null))
    }

    async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.send(reqwest::Method::POST, path, body).await
    }

    async fn send(&self, m: reqwest::Method, path: &str, body: Value) -> (StatusCode, Value) {
        let r = self
            .c
            .request(m, format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .json(&body)
            .send()
            .await
            .unwrap();
        let s = r.status();
        (s, r.json().await.unwrap_or(Value::Null))
    }
}

async fn servers() -> Vec<Server> {
    let mut out = Vec::new();
    for db in each_backend().await.unwrap() {
        out.push(Server::start(db).await);
    }
    out
}

/// Customer + unit + ticket auto-dispatched to station A through the API.
async fn ticket_at_a(s: &Server, agent: &Api, phone: &str, serial: &str) -> (i64, i64, i64) {
    let (st, c) = agent
        .post(
            "/api/v1/customers",
            json!({"name": "李四", "phones": [phone], "addresses": [{"region": s.w.urban.0, "detail": "东大街 1 号"}]}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{c}");
    let cid = c["id"].as_i64().unwrap();
    let (st, u) = agent
        .post(
            &format!("/api/v1/customers/{cid}/units"),
            json!({"serial": serial, "model": s.w.model.0, "purchase_date": "2026-05-01", "purchase_channel": "store"}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{u}");
    let uid = u["id"].as_i64().unwrap();
    let (st, t) = agent
        .post(
            "/api/v1/tickets",
            json!({"customer": cid, "unit": uid, "ticket_type": "repair", "channel": "hotline",
                   "fault_description": "不制冷", "auto_dispatch": true}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{t}");
    assert_eq!(t["state"]["station"], json!(s.w.station_a.0), "{}", s.label);
    (cid, uid, t["id"].as_i64().unwrap())
}

#[tokio::test]
async fn the_flow_runs_over_http_and_errors_have_the_standard_shape() {
    for s in servers().await {
        let agent = s.as_user("agent").await;
        let (cid, _uid, tid) = ticket_at_a(&s, &agent, "139 1234 5678", "HTTP-SN-1").await;
        let (st, found) = agent.get("/api/v1/customers?q=%2B86-139-1234-5678").await;
        assert_eq!(st, StatusCode::OK);
        assert_eq!(found[0]["customer"]["id"], json!(cid));
        assert_eq!(found[0]["units"][0]["warranty"]["status"], "in");

        // Illegal move: 409 naming the status and the allowed actions.
        let (st, e) = agent
            .post(
                &format!("/api/v1/tickets/{tid}/actions"),
                json!({"action": "close"}),
            )
            .await;
        assert_eq!(st, StatusCode::CONFLICT, "{e}");
        assert_eq!(e["error"]["code"], "ticket.invalid_transition");
        assert_eq!(
            e["error"]["message"],
            "cannot close a ticket that is dispatched; allowed: recall, accept, reject, accept_timeout, cancel"
        );
        let station = s.as_user("station-a").await;
        let (st, e) = station
            .post(
                &format!("/api/v1/tickets/{tid}/actions"),
                json!({"action": "reject"}),
            )
            .await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
        assert_eq!(e["error"]["details"]["fields"][0]["field"], "reason");
        let (st, t) = station
            .post(
                &format!("/api/v1/tickets/{tid}/actions"),
                json!({"action": "accept"}),
            )
            .await;
        assert_eq!(st, StatusCode::OK, "{t}");
        assert_eq!(t["state"]["status"], "accepted");

        let (st, list) = agent
            .get("/api/v1/tickets?phone=13912345678&status=accepted")
            .await;
        assert_eq!(st, StatusCode::OK);
        assert_eq!(list.as_array().unwrap().len(), 1);
        let (st, e) = agent.get("/api/v1/tickets?status=flying").await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{e}");

        let r = reqwest::Client::new()
            .get(format!(
                "{}/api/v1/tickets/export.xlsx?serial=http-sn-1",
                s.base
            ))
            .bearer_auth(&agent.token)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        let bytes = r.bytes().await.unwrap();
        assert!(bytes.starts_with(b"PK"), "an XLSX is a zip file");

        let (st, d) = agent.get(&format!("/api/v1/tickets/{tid}")).await;
        assert_eq!(st, StatusCode::OK);
        assert_eq!(
            d["timeline"].as_array().unwrap().len(),
            3,
            "create, dispatch, accept"
        );
        // The page shows the stored warranty explanation in the reader's language.
        let stored = d["ticket"]["warranty_reason"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        assert!(stored.starts_with("in warranty: "), "{d}");
        let page = |lang: &'static str| {
            let url = format!("{}/tickets/{tid}", s.base);
            let token = agent.token.clone();
            async move {
                reqwest::Client::new()
                    .get(url)
                    .bearer_auth(token)
                    .header("accept-language", lang)
                    .send()
                    .await
                    .unwrap()
                    .text()
                    .await
                    .unwrap()
            }
        };
        let zh = page("zh-CN").await;
        assert!(zh.contains("保内：整机保修至 "), "{zh}");
        assert!(!zh.contains("in warranty:"), "{zh}");
        let en = page("en").await;
        assert!(en.contains(&stored), "{en}");
        let (st, doc) = agent.get("/api/v1/openapi.json").await;
        assert_eq!(st, StatusCode::OK);
        assert!(doc["paths"]["/api/v1/tickets/{id}/actions"]["post"].is_object());
        s.stop().await;
    }
}

#[tokio::test]
async fn station_a_gets_404_on_every_route_for_station_bs_objects_and_changes_nothing() {
    for s in servers().await {
        let agent = s.as_user("agent").await;
        let (cid, uid, tid) = ticket_at_a(&s, &agent, "13700000001", "TEN-SN-1").await;
        let a = s.as_user("station-a").await;
        let b = s.as_user("station-b").await;
        let tb = s.as_user("tech-b").await;
        let reads = [
            format!("/api/v1/tickets/{tid}"),
            format!("/api/v1/customers/{cid}"),
            format!("/api/v1/units/{uid}"),
        ];
        for path in &reads {
            let (st, _) = a.get(path).await;
            assert_eq!(st, StatusCode::OK, "{}: own station reads {path}", s.label);
            for other in [&b, &tb] {
                let (st, e) = other.get(path).await;
                assert_eq!(st, StatusCode::NOT_FOUND, "{}: {path}: {e}", s.label);
                assert_eq!(e["error"]["code"], "not_found");
                // The same answer as for an id that does not exist.
                let missing = path.rsplit_once('/').unwrap().0.to_string() + "/999999";
                let (st2, e2) = other.get(&missing).await;
                assert_eq!(st2, StatusCode::NOT_FOUND);
                assert_eq!(
                    e["error"]["message"], e2["error"]["message"],
                    "no existence leak"
                );
            }
        }
        let writes: Vec<(reqwest::Method, String, Value)> = vec![
            (
                reqwest::Method::POST,
                format!("/api/v1/tickets/{tid}/actions"),
                json!({"action": "accept"}),
            ),
            (
                reqwest::Method::POST,
                format!("/api/v1/tickets/{tid}/actions"),
                json!({"action": "reject", "reason": "x"}),
            ),
            (
                reqwest::Method::POST,
                format!("/api/v1/tickets/{tid}/actions"),
                json!({"action": "arrive"}),
            ),
            (
                reqwest::Method::POST,
                format!("/api/v1/tickets/{tid}/actions"),
                json!({"action": "cancel", "reason": "x"}),
            ),
            (
                reqwest::Method::POST,
                format!("/api/v1/tickets/{tid}/actions"),
                json!({"action": "assign_technician", "technician": s.w.tech_b.0}),
            ),
            (
                reqwest::Method::GET,
                format!("/api/v1/tickets/{tid}/suggestions"),
                Value::Null,
            ),
            (
                reqwest::Method::POST,
                format!("/api/v1/tickets/{tid}/auto-dispatch"),
                Value::Null,
            ),
            (
                reqwest::Method::POST,
                format!("/api/v1/customers/{cid}/units"),
                json!({"serial": "EVIL-1", "model": s.w.model.0}),
            ),
        ];
        for (m, path, body) in &writes {
            for other in [&b, &tb] {
                let (st, e) = other.send(m.clone(), path, body.clone()).await;
                assert!(
                    st == StatusCode::NOT_FOUND || st == StatusCode::FORBIDDEN,
                    "{}: {m} {path}: {st} {e}",
                    s.label
                );
                assert_ne!(st, StatusCode::OK);
            }
        }
        // Lists never show another station's objects.
        for path in [
            "/api/v1/tickets".to_string(),
            format!("/api/v1/tickets?station={}", s.w.station_a.0),
            "/api/v1/customers?q=13700000001".to_string(),
            "/api/v1/customers?q=TEN-SN-1".to_string(),
            "/api/v1/jobs".to_string(),
        ] {
            let (st, v) = b.get(&path).await;
            assert_eq!(st, StatusCode::OK, "{path}: {v}");
            assert_eq!(v, json!([]), "{}: {path}", s.label);
        }
        // Nothing changed: still dispatched to A, timeline of two entries.
        let (_, d) = agent.get(&format!("/api/v1/tickets/{tid}")).await;
        assert_eq!(d["ticket"]["state"]["status"], "dispatched");
        assert_eq!(d["timeline"].as_array().unwrap().len(), 2);
        let (_, units) = agent.get(&format!("/api/v1/customers/{cid}")).await;
        assert_eq!(units["units"].as_array().unwrap().len(), 1);
        let _ = SAMPLE_PASSWORD;
        s.stop().await;
    }
}

/// Log in through the form; returns the client and the CSRF token of the session.
async fn login(s: &Server, login: &str) -> (reqwest::Client, String) {
    let c = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
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

#[tokio::test]
async fn every_ticket_page_renders_for_its_roles_translated_and_forms_move_the_ticket() {
    for s in servers().await {
        let agent = s.as_user("agent").await;
        let (cid, uid, tid) = ticket_at_a(&s, &agent, "13600000001", "PAGE-SN-1").await;
        let pages: [(&str, Vec<String>); 6] = [
            (
                "agent",
                vec![
                    "/intake".into(),
                    "/intake?q=13600000001".into(),
                    "/tickets".into(),
                    format!("/tickets/{tid}"),
                    "/callbacks".into(),
                    "/tickets?status=dispatched&from=2020-01-01".into(),
                ],
            ),
            (
                "dispatcher",
                vec!["/dispatch".into(), format!("/tickets/{tid}")],
            ),
            (
                "station-a",
                vec![
                    "/station/tickets".into(),
                    format!("/tickets/{tid}"),
                    "/jobs".into(),
                ],
            ),
            ("tech-a", vec!["/jobs".into(), "/tickets".into()]),
            ("admin", vec!["/intake".into(), "/dispatch".into()]),
            ("manager", vec!["/callbacks".into()]),
        ];
        for (who, paths) in &pages {
            let (c, _) = login(&s, who).await;
            for p in paths {
                let r = c.get(format!("{}{p}", s.base)).send().await.unwrap();
                let st = r.status();
                let body = r.text().await.unwrap();
                assert_eq!(st, StatusCode::OK, "{}: {who} {p}", s.label);
                assert!(!body.contains("??"), "{who} {p}: untranslated text");
            }
        }
        // Station B's user gets the not-found page for A's ticket.
        let (b, _) = login(&s, "station-b").await;
        let r = b
            .get(format!("{}/tickets/{tid}", s.base))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
        // The station accepts through the form.
        let (a, csrf) = login(&s, "station-a").await;
        let r = a
            .post(format!("{}/tickets/{tid}/act", s.base))
            .form(&[
                ("_csrf", csrf.as_str()),
                ("action", "accept"),
                ("next", "/station/tickets"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        // Its page names the station holding it, and the technician once assigned.
        let r = a
            .post(format!("{}/tickets/{tid}/act", s.base))
            .form(&[
                ("_csrf", csrf.as_str()),
                ("action", "assign_technician"),
                ("technician", &s.w.tech_a.0.to_string()),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let page = a
            .get(format!("{}/tickets/{tid}", s.base))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            page.contains("data-testid=\"ticket-station\">锦江服务站<"),
            "{page}"
        );
        assert!(
            page.contains("data-testid=\"ticket-technician\">李师傅<"),
            "{page}"
        );
        // An illegal one shows the error on the ticket page.
        let r = a
            .post(format!("{}/tickets/{tid}/act", s.base))
            .form(&[("_csrf", csrf.as_str()), ("action", "accept")])
            .send()
            .await
            .unwrap();
        // With the API's status for it: a conflict with the ticket's status (409).
        assert_eq!(r.status(), StatusCode::CONFLICT);
        let body = r.text().await.unwrap();
        // In the page's language (Chinese by default), with the statuses and actions in
        // words.
        assert!(
            body.contains("工单状态为“已接单”时不能接单；可执行："),
            "{body}"
        );
        assert!(!body.contains("cannot accept"), "{body}");
        // An action the form cannot name is bad input (422).
        let r = a
            .post(format!("{}/tickets/{tid}/act", s.base))
            .form(&[("_csrf", csrf.as_str()), ("action", "fly")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        // A slot of 500 hours and a satisfaction of 300 are named as typed (the score had
        // been reported as 0; the slot accepted).
        for (form, says) in [
            (
                [
                    ("action", "schedule"),
                    ("appointment_start", "2026-12-09T10:00"),
                    ("duration_hours", "500"),
                ],
                "必须为 1 到 12 小时",
            ),
            (
                [
                    ("action", "callback"),
                    ("satisfaction", "300"),
                    ("fixed", "yes"),
                ],
                "实际为 300",
            ),
        ] {
            let mut form = form.to_vec();
            form.push(("_csrf", csrf.as_str()));
            let r = a
                .post(format!("{}/tickets/{tid}/act", s.base))
                .form(&form)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
            let body = r.text().await.unwrap();
            assert!(body.contains(says), "{says}: {body}");
        }
        // The completion form gives each field once (a line has its own `used_<line>`):
        // a field given twice is named, not its last value taken.
        let r = a
            .post(format!("{}/tickets/{tid}/parts/complete", s.base))
            .form(&[
                ("_csrf", csrf.as_str()),
                ("actions_taken", "换主板"),
                ("labour_minutes", "30"),
                ("labour_minutes", "3000"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::BAD_REQUEST);
        let body = r.text().await.unwrap();
        assert!(body.contains("表单：字段 `labour_minutes` 重复"), "{body}");
        // An intake form with a bad phone number: the page again, with 422.
        let (agent_c, agent_csrf) = login(&s, "agent").await;
        let r = agent_c
            .post(format!("{}/intake/customer", s.base))
            .form(&[
                ("_csrf", agent_csrf.as_str()),
                ("name", "王"),
                ("phone", "12"),
                ("detail", "天河路 2 号"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        // The ticket form sent twice from one rendering (a double click) opens one ticket;
        // changed and sent again (the back button), it opens another.
        let intake = agent_c
            .get(format!("{}/intake?q=13600000001", s.base))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let key = intake
            .split("name=\"form\" value=\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .unwrap()
            .to_string();
        let open = |fault: &'static str| {
            agent_c
                .post(format!("{}/intake/ticket", s.base))
                .form(&[
                    ("_csrf", agent_csrf.clone()),
                    ("form", key.clone()),
                    ("customer", cid.to_string()),
                    ("unit", uid.to_string()),
                    ("ticket_type", "repair".into()),
                    ("channel", "hotline".into()),
                    ("fault_description", fault.into()),
                ])
                .send()
        };
        let location = |r: reqwest::Response| {
            assert_eq!(r.status(), StatusCode::SEE_OTHER);
            r.headers()["location"].to_str().unwrap().to_string()
        };
        let first = location(open("不开机").await.unwrap());
        assert_eq!(location(open("不开机").await.unwrap()), first);
        assert_ne!(location(open("不开机，有异味").await.unwrap()), first);
        s.stop().await;
    }
}
