//! The part master over HTTP on the real server (SQLite always, PostgreSQL when
//! `AFTERCARE_TEST_POSTGRES_URL` is set): import by raw body, export, templates, and the
//! warehouse pages with the station tenancy rule.

use aftercare_app::admin::AddUser;
use aftercare_app::{Actor, App, AppConfig};
use aftercare_domain::Role;
use aftercare_store::testing::{TestDb, each_backend};
use reqwest::StatusCode;
use serde_json::Value;

struct Server {
    base: String,
    app: App,
    db: TestDb,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    handle: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
}

impl Server {
    async fn start(db: TestDb) -> Server {
        let app = App::new(db.db.clone(), AppConfig::default());
        let state = aftercare_web::AppState::new(
            app.clone(),
            Default::default(),
            aftercare_web::install_metrics(),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let handle = tokio::spawn(aftercare_web::serve(listener, state, async {
            let _ = rx.await;
        }));
        Server {
            base,
            app,
            db,
            shutdown: Some(tx),
            handle: Some(handle),
        }
    }

    async fn token(&self, login: &str, role: Role, station: Option<&str>) -> String {
        self.app
            .add_user(
                &Actor::Cli,
                AddUser {
                    login: login.into(),
                    display_name: None,
                    role,
                    station: station.map(str::to_string),
                    technician: None,
                    brand: None,
                    password: "password123".into(),
                },
            )
            .await
            .unwrap();
        self.app
            .create_api_token(&Actor::Cli, "t", login)
            .await
            .unwrap()
            .secret
    }

    fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(h) = self.handle.take() {
            h.await.unwrap().unwrap();
        }
    }
}

async fn servers() -> Vec<Server> {
    let mut out = Vec::new();
    for db in each_backend().await.unwrap() {
        out.push(Server::start(db).await);
    }
    out
}

#[tokio::test]
async fn import_by_raw_body_reports_every_issue_then_applies_once() {
    for s in servers().await {
        let label = s.db.label;
        let tok = s.token("keeper", Role::Warehouse, None).await;
        let c = reqwest::Client::new();
        let bad = "part_number,name_zh,unit,standard_cost,source,lead_time_days\n\
                   A-1,甲,个,1,buy,1\nA-1,乙,个,x,buy,1\n";
        let r = c
            .post(s.url("/api/v1/part-master/import?kind=parts"))
            .bearer_auth(&tok)
            .header("content-type", "text/csv")
            .body(bad)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{label}");
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["error"]["code"], "import.invalid");
        let issues = body["error"]["details"]["issues"].as_array().unwrap();
        assert_eq!(issues.len(), 1, "{body}");
        assert_eq!(issues[0]["line"], 3);
        assert_eq!(issues[0]["column"], "part_number");

        let good = bad.replace("A-1,乙,个,x", "A-2,乙,个,2");
        for expected in [1, 0] {
            let r = c
                .post(s.url("/api/v1/part-master/import"))
                .bearer_auth(&tok)
                .body(good.clone())
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), StatusCode::OK, "{label}");
            let body: Value = r.json().await.unwrap();
            assert_eq!(body["counts"]["parts"]["created"], expected * 2, "{body}");
        }
        let r = c
            .get(s.url("/api/v1/part-master/export?format=csv&kind=parts"))
            .bearer_auth(&tok)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        assert!(
            r.headers()["content-disposition"]
                .to_str()
                .unwrap()
                .contains("part-master-parts.csv")
        );
        assert!(r.text().await.unwrap().contains("A-2,乙"));
        let r = c
            .get(s.url("/api/v1/part-master/template?format=xlsx&kind=where_used"))
            .bearer_auth(&tok)
            .send()
            .await
            .unwrap();
        assert!(r.bytes().await.unwrap().starts_with(b"PK"));
        let list: Value = c
            .get(s.url("/api/v1/parts?q=A-"))
            .bearer_auth(&tok)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(list["total"], 2, "{list}");

        // An agent may read but not import.
        let agent = s.token("agent", Role::Agent, None).await;
        let r = c
            .post(s.url("/api/v1/part-master/import"))
            .bearer_auth(&agent)
            .body(good.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        s.stop().await;
    }
}

/// A station with its own warehouse; returns the warehouse id.
async fn station_with_warehouse(s: &Server, code: &str) -> i64 {
    use aftercare_store::org::{self, NewRegion, NewStation, NewWarehouse};
    let mut tx = s.app.db.begin_write().await.unwrap();
    let region = org::insert_region(
        &mut tx,
        &NewRegion {
            parent_id: None,
            code: format!("R-{code}"),
            name_zh: "成都市".into(),
            name_en: "Chengdu".into(),
            level: aftercare_domain::org::RegionLevel::City,
            tier: aftercare_domain::org::Tier::Urban,
        },
    )
    .await
    .unwrap();
    let station = org::insert_station(
        &mut tx,
        &NewStation {
            code: code.into(),
            name: format!("{code} 维修站"),
            region_id: region,
            address: "x".into(),
            phone: "028-1".into(),
            contact: "王".into(),
            capacity: 10,
            score: 80,
            active: true,
            coverage: vec![region],
            product_lines: vec![],
        },
        aftercare_domain::Instant(0),
    )
    .await
    .unwrap();
    let wh = org::insert_warehouse(
        &mut tx,
        &NewWarehouse {
            code: format!("WH-{code}"),
            name: format!("{code} 库"),
            kind: aftercare_domain::org::WarehouseKind::Station,
            parent_id: None,
            region_id: Some(region),
            station_id: Some(station),
            address: "x".into(),
            after_sales: true,
            active: true,
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    wh.0
}

#[tokio::test]
async fn station_a_gets_404_on_station_b_stock_pages_and_sees_its_own() {
    for s in servers().await {
        let label = s.db.label;
        let a = station_with_warehouse(&s, "ST-A").await;
        let b = station_with_warehouse(&s, "ST-B").await;
        let tok = s.token("sta", Role::Station, Some("ST-A")).await;
        let c = reqwest::Client::new();
        let get = |path: String| {
            let c = c.clone();
            let tok = tok.clone();
            let url = s.url(&path);
            async move { c.get(url).bearer_auth(tok).send().await.unwrap() }
        };
        for path in [
            format!("/warehouses/{b}/stock"),
            format!("/stock?warehouse={b}"),
            format!("/stock/movements?warehouse={b}"),
            format!("/stock/movements/export?format=csv&warehouse={b}"),
            format!("/stock/in-transit?warehouse={b}"),
            format!("/stock/slow?warehouse={b}"),
        ] {
            assert_eq!(
                get(path.clone()).await.status(),
                StatusCode::NOT_FOUND,
                "{label}: {path}"
            );
        }
        for path in [
            format!("/warehouses/{a}/stock"),
            format!("/stock?warehouse={a}"),
            "/stock".to_string(),
            format!("/stock/movements?warehouse={a}"),
            "/stock/in-transit".to_string(),
            "/stock/slow?months=6".to_string(),
            "/parts".to_string(),
        ] {
            let r = get(path.clone()).await;
            assert_eq!(r.status(), StatusCode::OK, "{label}: {path}");
            let html = r.text().await.unwrap();
            assert!(!html.contains("WH-ST-B"), "{label}: {path} shows B");
        }
        s.stop().await;
    }
}

#[tokio::test]
async fn the_warehouse_pages_render_and_the_upload_form_imports() {
    for s in servers().await {
        let label = s.db.label;
        let tok = s.token("keeper", Role::Warehouse, None).await;
        let c = reqwest::Client::new();
        let csv = "part_number,name_zh,unit,standard_cost,source,lead_time_days\nUP-1,上传件,个,9.5,buy,2\n";
        // A bearer client needs no CSRF token; the page flow is the same handler.
        let form = reqwest::multipart::Form::new()
            .part(
                "file",
                reqwest::multipart::Part::bytes(csv.as_bytes().to_vec()).file_name("p.csv"),
            )
            .text("kind", "parts");
        let r = c
            .post(s.url("/parts/import"))
            .bearer_auth(&tok)
            .multipart(form)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{label}");
        let html = r.text().await.unwrap();
        assert!(html.contains("data-testid=\"import-ok\""), "{html}");
        let list: Value = c
            .get(s.url("/api/v1/parts?q=UP-1"))
            .bearer_auth(&tok)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let id = list["items"][0]["id"].as_i64().unwrap();
        let r = c
            .get(s.url(&format!("/parts/{id}")))
            .bearer_auth(&tok)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        let html = r.text().await.unwrap();
        assert!(html.contains("上传件"));
        // Its source and criticality in words, not codes.
        assert!(
            html.contains("<dd>外购</dd>") && html.contains("<dd>一般</dd>"),
            "{label}: {html}"
        );
        // A body that is not multipart: 415 on the error page (was a bare 400 text).
        let r = c
            .post(s.url("/parts/import"))
            .bearer_auth(&tok)
            .header("content-type", "application/json")
            .body("{}")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE, "{label}");
        assert!(r.text().await.unwrap().contains("<html"), "{label}");
        // A broken upload lists its issue and writes nothing.
        let form = reqwest::multipart::Form::new().part(
            "file",
            reqwest::multipart::Part::bytes(b"part_number,name_zh\nX,y\n".to_vec())
                .file_name("bad.csv"),
        );
        let r = c
            .post(s.url("/parts/import"))
            .bearer_auth(&tok)
            .multipart(form)
            .send()
            .await
            .unwrap();
        // Nothing imported: 422, as the API answers it.
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{label}");
        let html = r.text().await.unwrap();
        assert!(html.contains("data-testid=\"import-issues\""), "{html}");
        assert!(html.contains("missing required column"));
        let r = c
            .get(s.url("/stock/movements/export?format=xlsx"))
            .bearer_auth(&tok)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        assert!(r.bytes().await.unwrap().starts_with(b"PK"));
        // The filter forms as a browser sends them with "All" and blank fields: the whole
        // list, not a refusal.
        for path in [
            "/stock?warehouse=&part=&condition=",
            "/stock/movements?warehouse=&part=&kind=&from=&to=",
            "/stock/movements/export?format=csv&warehouse=",
            "/stock/in-transit?warehouse=",
            "/stock/slow?warehouse=&months=",
            "/stock/slow?warehouse=+&months=+6+",
        ] {
            let r = c.get(s.url(path)).bearer_auth(&tok).send().await.unwrap();
            assert_eq!(r.status(), StatusCode::OK, "{label}: {path}");
        }
        // What cannot be read is still named.
        let r = c
            .get(s.url("/stock?warehouse=abc"))
            .bearer_auth(&tok)
            .header("accept-language", "en")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{label}");
        let html = r.text().await.unwrap();
        assert!(
            html.contains("warehouse: &#39;abc&#39; is not a whole number"),
            "{label}: {html}"
        );
        // A kind or condition that names nothing is named, by page and API, not an empty
        // list.
        for (path, field) in [
            ("/stock/movements?kind=bogus", "kind"),
            ("/stock?condition=bogus", "condition"),
            ("/api/v1/stock/movements?kind=bogus", "kind"),
            ("/api/v1/stock?condition=bogus", "condition"),
        ] {
            let r = c.get(s.url(path)).bearer_auth(&tok).send().await.unwrap();
            assert_eq!(
                r.status(),
                StatusCode::UNPROCESSABLE_ENTITY,
                "{label}: {path}"
            );
            let body = r.text().await.unwrap();
            assert!(
                body.contains(field) || body.contains("流水类型") || body.contains("库存状态"),
                "{label}: {path}: {body}"
            );
        }
        // A part number that names no part is named as the filter's mistake.
        let r = c
            .get(s.url("/stock/movements?part=NOPE-1"))
            .bearer_auth(&tok)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{label}");
        let html = r.text().await.unwrap();
        assert!(html.contains("没有编号为“NOPE-1”的备件"), "{label}: {html}");
        // A value that reads but is out of range is bad input, not a server error.
        let r = c
            .get(s.url("/stock/slow?months=0"))
            .bearer_auth(&tok)
            .header("accept-language", "zh-CN")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{label}");
        let html = r.text().await.unwrap();
        assert!(
            html.contains("输入有误") && html.contains("未领用月数：必须在 1 到 120 之间"),
            "{label}: {html}"
        );
        assert!(!html.contains("服务器内部错误"), "{label}: {html}");
        s.stop().await;
    }
}

/// The id in a notice of the operation page ("已创建采购订单 #12", "created purchase order #12").
fn created_id(html: &str) -> i64 {
    let rest = html
        .split("role=\"status\">")
        .nth(1)
        .and_then(|notice| notice.split_once(['#']))
        .map(|(_, id)| id)
        .unwrap_or_else(|| panic!("no created id in {html}"));
    rest.chars()
        .take_while(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .unwrap()
}

#[tokio::test]
async fn the_operation_page_runs_ledger_commands_with_scope_and_clear_refusals() {
    for s in servers().await {
        let label = s.db.label;
        let a = station_with_warehouse(&s, "ST-A").await;
        let b = station_with_warehouse(&s, "ST-B").await;
        let keeper = s.token("keeper", Role::Warehouse, None).await;
        let sta = s.token("sta", Role::Station, Some("ST-A")).await;
        {
            let mut tx = s.app.db.begin_write().await.unwrap();
            aftercare_store::stock::master::insert_supplier(
                &mut tx,
                &aftercare_store::stock::master::NewSupplier {
                    code: "SUP-1".into(),
                    name: "供应商".into(),
                    kind: "supplier".into(),
                },
                aftercare_domain::Instant(0),
            )
            .await
            .unwrap();
            tx.commit().await.unwrap();
        }
        let c = reqwest::Client::new();
        let csv = "part_number,name_zh,unit,standard_cost,source,lead_time_days\nOP-1,操作件,个,10,buy,2\n";
        let r = c
            .post(s.url("/api/v1/part-master/import"))
            .bearer_auth(&keeper)
            .body(csv)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        let op = |tok: &str, fields: Vec<(&'static str, String)>| {
            let c = c.clone();
            let url = s.url("/stock/ops");
            let tok = tok.to_string();
            async move {
                let r = c
                    .post(url)
                    .bearer_auth(tok)
                    .form(&fields)
                    .send()
                    .await
                    .unwrap();
                (r.status(), r.text().await.unwrap())
            }
        };
        let (st, html) = op(
            &keeper,
            vec![
                ("op", "place_order".into()),
                ("supplier", "1".into()),
                ("part", "op-1".into()),
                ("qty", "5".into()),
            ],
        )
        .await;
        assert_eq!(st, StatusCode::OK, "{label}");
        let order = created_id(&html);
        let (_, html) = op(
            &keeper,
            vec![
                ("op", "receive".into()),
                ("order", order.to_string()),
                ("warehouse", a.to_string()),
                ("part", "OP-1".into()),
                ("qty", "5".into()),
            ],
        )
        .await;
        let lot = created_id(&html);
        let (_, html) = op(
            &keeper,
            vec![
                ("op", "inspect".into()),
                ("warehouse", a.to_string()),
                ("lot", lot.to_string()),
                ("accept", "5".into()),
            ],
        )
        .await;
        assert!(html.contains("完成：1 条库存移动"), "{label}: {html}");
        // The station issues from its own warehouse; more than there is is refused with
        // the available quantity; another station's warehouse is not found.
        let issue = |wh: i64, qty: &str| {
            vec![
                ("op", "issue".into()),
                ("warehouse", wh.to_string()),
                ("part", "OP-1".into()),
                ("qty", qty.to_string()),
                // A ticket must be one the station holds; a new requisition is its own.
                ("consumer", "requisition".into()),
                ("consumer_id", "7".into()),
            ]
        };
        let (st, html) = op(&sta, issue(a, "2")).await;
        assert_eq!(st, StatusCode::OK);
        assert!(html.contains("完成：1 条库存移动"), "{label}: {html}");
        let (st, html) = op(&sta, issue(a, "9")).await;
        // Refused with the API's status for the same refusal (409), the page shown.
        assert_eq!(st, StatusCode::CONFLICT);
        assert!(html.contains("role=\"alert\""), "{label}: {html}");
        assert!(
            html.contains("库存不足。需要 9 件，只有 3 件可用"),
            "{label}: the particulars in Chinese: {html}"
        );
        // A part number that names no part is the form's mistake, named on the page.
        let mut typo = issue(a, "1");
        typo[2] = ("part", "NOPE-9".into());
        let (st, html) = op(&sta, typo).await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{label}");
        assert!(html.contains("没有编号为“NOPE-9”的备件"), "{label}: {html}");
        let (st, _) = op(&sta, issue(b, "1")).await;
        assert_eq!(st, StatusCode::NOT_FOUND, "{label}");

        // Stocktake with a count upload: a bad file enters nothing, a good one counts.
        let (_, html) = op(
            &keeper,
            vec![
                ("op", "stocktake_open".into()),
                ("warehouse", a.to_string()),
            ],
        )
        .await;
        let stocktake = created_id(&html);
        let upload = |file: &'static str| {
            let form = reqwest::multipart::Form::new()
                .text("stocktake", stocktake.to_string())
                .part(
                    "file",
                    reqwest::multipart::Part::bytes(file.as_bytes().to_vec()).file_name("c.csv"),
                );
            let c = c.clone();
            let url = s.url("/stock/ops/counts");
            let tok = keeper.clone();
            async move {
                c.post(url)
                    .bearer_auth(tok)
                    .multipart(form)
                    .send()
                    .await
                    .unwrap()
                    .text()
                    .await
                    .unwrap()
            }
        };
        let html = upload("part_number,condition,counted\nOP-1,good,x\nNOPE,good,1\n").await;
        assert!(html.contains("line 2, column counted"), "{label}: {html}");
        assert!(html.contains("未知备件“NOPE”"), "{label}: {html}");
        // A count above the ledger's line limit is named by its line and column.
        let html = upload("part_number,condition,counted\nOP-1,good,1000000001\n").await;
        assert!(
            html.contains("line 2, column counted：每行最多 1000000000 件"),
            "{label}: {html}"
        );
        let html = upload("part_number,condition,counted\nOP-1,good,2\n").await;
        assert!(html.contains("已录入 1 条盘点数"), "{label}: {html}");
        // Approving a stocktake is a manager's decision.
        let manager = s.token("boss", Role::Manager, None).await;
        let (_, html) = op(
            &keeper,
            vec![
                ("op", "stocktake_approve".into()),
                ("stocktake", stocktake.to_string()),
            ],
        )
        .await;
        assert!(html.contains("只有经理可以审批盘点"), "{label}: {html}");
        let (_, html) = op(
            &manager,
            vec![
                ("op", "stocktake_approve".into()),
                ("stocktake", stocktake.to_string()),
            ],
        )
        .await;
        assert!(html.contains("完成：1 条库存移动"), "{label}: {html}");
        let stock: Value = c
            .get(s.url(&format!("/api/v1/stock?warehouse={a}")))
            .bearer_auth(&keeper)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(stock[0]["qty"], 2, "{label}: {stock}");
        // A field given twice is named (the last value had been taken silently).
        let (st, html) = op(
            &keeper,
            vec![
                ("op", "ship".into()),
                ("warehouse", a.to_string()),
                ("to", b.to_string()),
                ("eta_days", "1".into()),
                ("part", "OP-1".into()),
                ("condition", "good".into()),
                ("qty", "1".into()),
                ("qty", "abc".into()),
            ],
        )
        .await;
        assert_eq!(st, StatusCode::BAD_REQUEST, "{label}: {html}");
        assert!(html.contains("表单：字段 `qty` 重复"), "{label}: {html}");
        // Days ahead beyond ten years are named (a huge number had wrapped around to a
        // date days away and shipped).
        let (st, html) = op(
            &keeper,
            vec![
                ("op", "ship".into()),
                ("warehouse", a.to_string()),
                ("to", b.to_string()),
                ("eta_days", "427007964670".into()),
                ("part", "OP-1".into()),
                ("condition", "good".into()),
                ("qty", "1".into()),
            ],
        )
        .await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{label}: {html}");
        assert!(
            html.contains("必须在 -3650 到 3650 天之间"),
            "{label}: {html}"
        );
        // A transfer refusal names the part by its number, in Chinese.
        let (st, html) = op(
            &keeper,
            vec![
                ("op", "ship".into()),
                ("warehouse", a.to_string()),
                ("to", b.to_string()),
                ("eta_days", "1".into()),
                ("part", "OP-1".into()),
                ("condition", "good".into()),
                ("qty", "1".into()),
            ],
        )
        .await;
        assert_eq!(st, StatusCode::OK, "{label}: {html}");
        let transfer = created_id(&html);
        let (st, html) = op(
            &keeper,
            vec![
                ("op", "receive_transfer".into()),
                ("transfer", transfer.to_string()),
                ("part", "OP-1".into()),
                ("condition", "good".into()),
                ("qty", "5".into()),
            ],
        )
        .await;
        assert_eq!(st, StatusCode::CONFLICT, "{label}");
        assert!(
            html.contains("备件 OP-1：收货 5 件，但只有 1 件在途"),
            "{label}: {html}"
        );
        s.stop().await;
    }
}

/// The form key a rendering of the operation page puts in its forms.
fn form_key(html: &str) -> String {
    html.split("name=\"form\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or_else(|| panic!("no form key in {html}"))
        .to_string()
}

#[tokio::test]
async fn a_form_of_the_operation_page_sent_twice_moves_stock_once() {
    for s in servers().await {
        let label = s.db.label;
        let a = station_with_warehouse(&s, "ST-A").await;
        let b = station_with_warehouse(&s, "ST-B").await;
        let keeper = s.token("keeper", Role::Warehouse, None).await;
        {
            let mut tx = s.app.db.begin_write().await.unwrap();
            aftercare_store::stock::master::insert_supplier(
                &mut tx,
                &aftercare_store::stock::master::NewSupplier {
                    code: "SUP-1".into(),
                    name: "供应商".into(),
                    kind: "supplier".into(),
                },
                aftercare_domain::Instant(0),
            )
            .await
            .unwrap();
            tx.commit().await.unwrap();
        }
        let c = reqwest::Client::new();
        let csv = "part_number,name_zh,unit,standard_cost,source,lead_time_days\nOP-1,操作件,个,10,buy,2\n";
        let r = c
            .post(s.url("/api/v1/part-master/import"))
            .bearer_auth(&keeper)
            .body(csv)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        let page = || {
            let c = c.clone();
            let url = s.url("/stock/ops");
            let tok = keeper.clone();
            async move {
                let html = c
                    .get(url)
                    .bearer_auth(tok)
                    .send()
                    .await
                    .unwrap()
                    .text()
                    .await
                    .unwrap();
                form_key(&html)
            }
        };
        let op = |key: Option<String>, fields: Vec<(&'static str, String)>| {
            let c = c.clone();
            let url = s.url("/stock/ops");
            let tok = keeper.clone();
            let mut fields = fields;
            if let Some(k) = key {
                fields.push(("form", k));
            }
            async move {
                let r = c
                    .post(url)
                    .bearer_auth(tok)
                    .form(&fields)
                    .send()
                    .await
                    .unwrap();
                (r.status(), r.text().await.unwrap())
            }
        };
        let on_hand = || {
            let c = c.clone();
            let url = s.url(&format!("/api/v1/stock?warehouse={a}"));
            let tok = keeper.clone();
            async move {
                let v: Value = c
                    .get(url)
                    .bearer_auth(tok)
                    .send()
                    .await
                    .unwrap()
                    .json()
                    .await
                    .unwrap();
                v[0]["qty"].as_i64().unwrap()
            }
        };
        let key = page().await;
        assert_ne!(
            key,
            page().await,
            "{label}: every rendering has its own key"
        );
        // Every form of one rendering, each sent twice (a reload): done once, the second
        // answer says so and shows the first result.
        let order_form = vec![
            ("op", "place_order".into()),
            ("supplier", "1".into()),
            ("part", "OP-1".into()),
            ("qty", "5".into()),
        ];
        let (st, first) = op(Some(key.clone()), order_form.clone()).await;
        assert_eq!(st, StatusCode::OK, "{label}: {first}");
        let (st, again) = op(Some(key.clone()), order_form).await;
        assert_eq!(st, StatusCode::OK, "{label}: {again}");
        assert!(
            again.contains("此表单已提交过，未重复执行"),
            "{label}: {again}"
        );
        assert!(!first.contains("此表单已提交过"), "{label}: {first}");
        let order = created_id(&first);
        assert_eq!(created_id(&again), order, "{label}");
        let receive = vec![
            ("op", "receive".into()),
            ("order", order.to_string()),
            ("warehouse", a.to_string()),
            ("part", "OP-1".into()),
            ("qty", "5".into()),
        ];
        let (_, html) = op(Some(key.clone()), receive.clone()).await;
        let lot = created_id(&html);
        let (_, html) = op(Some(key.clone()), receive).await;
        assert_eq!(created_id(&html), lot, "{label}: {html}");
        let inspect = vec![
            ("op", "inspect".into()),
            ("warehouse", a.to_string()),
            ("lot", lot.to_string()),
            ("accept", "5".into()),
        ];
        op(Some(key.clone()), inspect.clone()).await;
        let (st, html) = op(Some(key.clone()), inspect).await;
        assert_eq!(st, StatusCode::OK, "{label}: {html}");
        assert_eq!(on_hand().await, 5, "{label}: received and accepted once");
        let issue = |qty: &str| {
            vec![
                ("op", "issue".into()),
                ("warehouse", a.to_string()),
                ("part", "OP-1".into()),
                ("qty", qty.to_string()),
                ("consumer", "requisition".into()),
                ("consumer_id", "7".into()),
            ]
        };
        let key = page().await;
        op(Some(key.clone()), issue("2")).await;
        let (st, html) = op(Some(key.clone()), issue("2")).await;
        assert_eq!(st, StatusCode::OK, "{label}: {html}");
        assert!(html.contains("此表单已提交过"), "{label}: {html}");
        assert_eq!(on_hand().await, 3, "{label}: issued once");
        // The same form sent back with other values (the back button) is refused and
        // changes nothing.
        let (st, html) = op(Some(key.clone()), issue("1")).await;
        assert_eq!(st, StatusCode::CONFLICT, "{label}: {html}");
        assert!(html.contains("此表单已用其他内容提交过"), "{label}: {html}");
        assert_eq!(on_hand().await, 3, "{label}");
        // A bad key is named; a post without a key (a script) is not deduplicated.
        let (st, html) = op(Some("a b".into()), issue("1")).await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{label}: {html}");
        assert!(html.contains("form"), "{label}: {html}");
        op(None, issue("1")).await;
        op(None, issue("1")).await;
        assert_eq!(on_hand().await, 1, "{label}");
        // Days ahead are a company day (its end), so a shipment sent again the same day
        // is the same command: one transfer, expected at the end of tomorrow in Beijing.
        let key = page().await;
        let ship = vec![
            ("op", "ship".into()),
            ("warehouse", a.to_string()),
            ("to", b.to_string()),
            ("eta_days", "1".into()),
            ("part", "OP-1".into()),
            ("condition", "good".into()),
            ("qty", "1".into()),
        ];
        let (_, html) = op(Some(key.clone()), ship.clone()).await;
        let transfer = created_id(&html);
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        let (st, html) = op(Some(key.clone()), ship).await;
        assert_eq!(st, StatusCode::OK, "{label}: {html}");
        assert_eq!(created_id(&html), transfer, "{label}: {html}");
        let transit: Value = c
            .get(s.url(&format!("/api/v1/stock/in-transit?to_warehouse_id={b}")))
            .bearer_auth(&keeper)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(transit.as_array().unwrap().len(), 1, "{label}: {transit}");
        let (eta, shipped) = (
            transit[0]["eta"].as_i64().unwrap(),
            transit[0]["shipped_at"].as_i64().unwrap(),
        );
        const DAY: i64 = 86_400_000;
        const BEIJING: i64 = 8 * 3_600_000;
        assert_eq!(
            (eta + 1 + BEIJING) % DAY,
            0,
            "{label}: a Beijing midnight less 1 ms"
        );
        assert_eq!(
            (eta + BEIJING) / DAY,
            (shipped + BEIJING) / DAY + 1,
            "{label}: tomorrow"
        );
        // A stocktake opened and a count file uploaded twice from one rendering: one
        // stocktake, counted once.
        let key = page().await;
        let open = vec![
            ("op", "stocktake_open".into()),
            ("warehouse", a.to_string()),
        ];
        let (_, html) = op(Some(key.clone()), open.clone()).await;
        let stocktake = created_id(&html);
        let (_, html) = op(Some(key.clone()), open).await;
        assert_eq!(created_id(&html), stocktake, "{label}: {html}");
        let upload = || {
            let form = reqwest::multipart::Form::new()
                .text("stocktake", stocktake.to_string())
                .text("form", key.clone())
                .part(
                    "file",
                    reqwest::multipart::Part::bytes(
                        b"part_number,condition,counted\nOP-1,good,0\n".to_vec(),
                    )
                    .file_name("c.csv"),
                );
            let c = c.clone();
            let url = s.url("/stock/ops/counts");
            let tok = keeper.clone();
            async move {
                c.post(url)
                    .bearer_auth(tok)
                    .multipart(form)
                    .send()
                    .await
                    .unwrap()
                    .text()
                    .await
                    .unwrap()
            }
        };
        let html = upload().await;
        assert!(html.contains("已录入 1 条盘点数"), "{label}: {html}");
        assert!(!html.contains("此表单已提交过"), "{label}: {html}");
        let html = upload().await;
        assert!(html.contains("此表单已提交过"), "{label}: {html}");
        s.stop().await;
    }
}

#[tokio::test]
async fn the_operation_page_offers_pick_lists_of_the_users_open_documents() {
    for s in servers().await {
        let label = s.db.label;
        let a = station_with_warehouse(&s, "ST-A").await;
        let b = station_with_warehouse(&s, "ST-B").await;
        let keeper = s.token("keeper", Role::Warehouse, None).await;
        let sta = s.token("sta", Role::Station, Some("ST-A")).await;
        let stb = s.token("stb", Role::Station, Some("ST-B")).await;
        let supplier = {
            let mut tx = s.app.db.begin_write().await.unwrap();
            let id = aftercare_store::stock::master::insert_supplier(
                &mut tx,
                &aftercare_store::stock::master::NewSupplier {
                    code: "SUP-PICK".into(),
                    name: "拣选供应商".into(),
                    kind: "supplier".into(),
                },
                aftercare_domain::Instant(0),
            )
            .await
            .unwrap();
            tx.commit().await.unwrap();
            id.0
        };
        let c = reqwest::Client::new();
        let csv = "part_number,name_zh,unit,standard_cost,source,lead_time_days\nPK-1,拣选件,个,10,buy,2\n";
        let r = c
            .post(s.url("/api/v1/part-master/import"))
            .bearer_auth(&keeper)
            .body(csv)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        let op = |tok: &str, fields: Vec<(&'static str, String)>| {
            let c = c.clone();
            let url = s.url("/stock/ops");
            let tok = tok.to_string();
            async move {
                let r = c
                    .post(url)
                    .bearer_auth(tok)
                    .form(&fields)
                    .send()
                    .await
                    .unwrap();
                (r.status(), r.text().await.unwrap())
            }
        };
        let page = |tok: &str| {
            let c = c.clone();
            let url = s.url("/stock/ops");
            let tok = tok.to_string();
            async move {
                let r = c.get(url).bearer_auth(tok).send().await.unwrap();
                assert_eq!(r.status(), StatusCode::OK);
                r.text().await.unwrap()
            }
        };
        // The supplier is offered to head office, with its id as the value.
        let html = page(&keeper).await;
        assert!(
            html.contains(&format!("<option value=\"{supplier}\">SUP-PICK")),
            "{label}: {html}"
        );
        let (_, html) = op(
            &keeper,
            vec![
                ("op", "place_order".into()),
                ("supplier", supplier.to_string()),
                ("part", "PK-1".into()),
                ("qty", "10".into()),
            ],
        )
        .await;
        let order = created_id(&html);
        // The open order line is offered; receiving by choosing it (no typed order or part).
        let line = format!("order={order}&#38;part=PK-1");
        assert!(html.contains(&line), "{label}: {html}");
        let mut lots = Vec::new();
        for (wh, n) in [(a, 2), (b, 3)] {
            let (st, html) = op(
                &keeper,
                vec![
                    ("op", "receive".into()),
                    ("pick", format!("order={order}&part=PK-1")),
                    ("order", String::new()),
                    ("part", String::new()),
                    ("warehouse", wh.to_string()),
                    ("qty", n.to_string()),
                ],
            )
            .await;
            assert_eq!(st, StatusCode::OK, "{label}");
            lots.push(created_id(&html));
        }
        let (lot_a, lot_b) = (lots[0], lots[1]);
        let pick_a = format!("warehouse={a}&#38;lot={lot_a}");
        let pick_b = format!("warehouse={b}&#38;lot={lot_b}");
        let html = page(&keeper).await;
        assert!(html.contains(&pick_a) && html.contains(&pick_b), "{label}");
        assert!(html.contains("待收 5/10"), "{label}: {html}");
        // Conditions, scrap reasons and a lot's origin in words, the codes as values.
        assert!(
            html.contains("<option value=\"good\">良品</option>")
                && html.contains("<option value=\"obsolete\">已淘汰</option>"),
            "{label}: {html}"
        );
        assert!(html.contains("(供应商 #"), "{label}: {html}");
        assert!(!html.contains("(supplier:"), "{label}");
        // Station A: only its own lot, its own warehouse, no purchase orders or suppliers.
        let html = page(&sta).await;
        assert!(html.contains(&pick_a), "{label}: {html}");
        assert!(!html.contains(&pick_b), "{label}");
        assert!(!html.contains(&line), "{label}");
        assert!(!html.contains("SUP-PICK"), "{label}");
        assert!(
            html.contains("WH-ST-A") && !html.contains("WH-ST-B"),
            "{label}"
        );
        let html = page(&stb).await;
        assert!(html.contains(&pick_b) && !html.contains(&pick_a), "{label}");
        // A typed id wins over the choice: choosing B's lot but typing A's inspects A's.
        let (_, html) = op(
            &keeper,
            vec![
                ("op", "inspect".into()),
                ("pick", format!("warehouse={b}&lot={lot_b}")),
                ("warehouse", a.to_string()),
                ("lot", lot_a.to_string()),
                ("accept", "2".into()),
            ],
        )
        .await;
        assert!(html.contains("完成：1 条库存移动"), "{label}: {html}");
        assert!(!html.contains(&pick_a) && html.contains(&pick_b), "{label}");
        // Choosing another station's lot is "not found" for a station user.
        let (st, _) = op(
            &sta,
            vec![
                ("op", "inspect".into()),
                ("pick", format!("warehouse={b}&lot={lot_b}")),
                ("warehouse", String::new()),
                ("accept", "1".into()),
            ],
        )
        .await;
        assert_eq!(st, StatusCode::NOT_FOUND, "{label}");
        // Choosing only the lot (warehouse "from the choice") inspects it.
        let (_, html) = op(
            &stb,
            vec![
                ("op", "inspect".into()),
                ("pick", format!("warehouse={b}&lot={lot_b}")),
                ("warehouse", String::new()),
                ("lot", String::new()),
                ("accept", "3".into()),
            ],
        )
        .await;
        assert!(html.contains("完成：1 条库存移动"), "{label}: {html}");
        // A stocktake of A is offered to A (count by choosing it), not to B.
        let (_, html) = op(
            &sta,
            vec![
                ("op", "stocktake_open".into()),
                ("warehouse", a.to_string()),
            ],
        )
        .await;
        let st_id = created_id(&html);
        let st_pick = format!("stocktake={st_id}");
        assert!(html.contains(&st_pick), "{label}: {html}");
        assert!(!page(&stb).await.contains(&st_pick), "{label}");
        let (_, html) = op(
            &sta,
            vec![
                ("op", "count".into()),
                ("pick", st_pick.clone()),
                ("part", "PK-1".into()),
                ("condition", "good".into()),
                ("counted", "1".into()),
            ],
        )
        .await;
        assert!(html.contains("完成：0 条库存移动"), "{label}: {html}");
        assert!(html.contains("1/1"), "{label}: {html}");
        // The part number lookup behind the datalists.
        let parts: Value = c
            .get(s.url("/stock/ops/parts?q=pk"))
            .bearer_auth(&sta)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(parts[0]["part_number"], "PK-1", "{label}: {parts}");
        s.stop().await;
    }
}
