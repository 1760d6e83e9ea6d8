//! Planning through the real HTTP server on a random port (SQLite, and PostgreSQL when
//! `AFTERCARE_TEST_POSTGRES_URL` is set): run, list, approve and reject by API and by the
//! pages, the part plan page with its chart, and who may see it.

mod common {
    pub mod server;
    pub mod stock_fixture;
}

use aftercare_app::{Actor, FixedClock};
use aftercare_domain::part::StockLevels;
use aftercare_domain::stock::Qty;
use aftercare_domain::stock::{Command, Consumer};
use aftercare_domain::{Instant, TicketId};
use aftercare_store::stock::master;
use aftercare_store::testing::each_backend;
use chrono::Datelike;
use common::server::{get, login, start, start_clocked};
use common::stock_fixture::{seed, stock_in};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::sync::Arc;

/// The page at `url` as the signed-in client `c` sees it in `lang`.
async fn page_in(c: &reqwest::Client, url: &str, lang: &str) -> String {
    c.get(url)
        .header("accept-language", lang)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

/// `POST /api/v1/planning/runs` with `body` under the bearer `token`.
async fn post_run(
    api: &reqwest::Client,
    s: &common::server::Server,
    token: &str,
    body: &Value,
) -> reqwest::Response {
    api.post(format!("{}/api/v1/planning/runs", s.base))
        .bearer_auth(token)
        .json(body)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn planners_run_review_approve_and_reject_by_api_and_pages() {
    for db in each_backend().await.unwrap() {
        let label = db.label;
        let s = start(db).await;
        let f = seed(&s.app, 3).await;
        stock_in(&s.app, &f, f.central, &f.parts, 2).await;
        // Manual levels decide for parts 0 and 1 at the central warehouse.
        let mut tx = s.app.db.begin_write().await.unwrap();
        for &p in &f.parts[..2] {
            master::set_levels(
                &mut tx,
                f.central,
                p,
                StockLevels::new(Qty::new(5).unwrap(), Some(Qty::new(10).unwrap())).unwrap(),
            )
            .await
            .unwrap();
        }
        tx.commit().await.unwrap();
        let api = reqwest::Client::new();

        // A station user may not plan.
        let r = post_run(&api, &s, &f.sta_token, &json!({})).await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{label}");

        // Bad settings: 422 naming the field.
        let r = post_run(&api, &s, &f.wh_token, &json!({"bucket": "fortnight"})).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{label}");
        let body: Value = r.json().await.unwrap();
        assert!(
            body["error"]["details"].to_string().contains("bucket"),
            "{body}"
        );

        let r = post_run(
            &api,
            &s,
            &f.wh_token,
            &json!({"bucket": "week", "periods": 8}),
        )
        .await;
        assert_eq!(r.status(), StatusCode::CREATED, "{label}");
        let run: Value = r.json().await.unwrap();
        assert_eq!(run["created"], 2, "{label}: {run}");

        let list: Value = api
            .get(format!("{}/api/v1/planning/proposals?status=open", s.base))
            .bearer_auth(&f.wh_token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let rows = list.as_array().unwrap();
        assert_eq!(rows.len(), 2);
        assert!(
            rows.iter()
                .all(|r| r["kind"] == "purchase" && r["qty"] == 8 && r["overridden"] == true)
        );
        let first = rows[0]["id"].as_i64().unwrap();
        let second = rows[1]["id"].as_i64().unwrap();

        // Without a supplier on record a purchase cannot be approved: a clear 409.
        let r = api
            .post(format!(
                "{}/api/v1/planning/proposals/{first}/approve",
                s.base
            ))
            .bearer_auth(&f.mgr_token)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::CONFLICT, "{label}");
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["error"]["code"], "planning.no_supplier", "{body}");
        let mut tx = s.app.db.begin_write().await.unwrap();
        for &p in &f.parts {
            aftercare_store::planning::link_supplier(&mut tx, p, f.supplier, 10)
                .await
                .unwrap();
        }
        tx.commit().await.unwrap();
        // The open proposals pick the supplier up on the next run.
        let r = post_run(&api, &s, &f.wh_token, &json!({"periods": 8})).await;
        let run: Value = r.json().await.unwrap();
        assert_eq!(run["created"], 0, "{label}: {run}");
        assert_eq!(run["updated"], 2, "{label}: {run}");

        // The pages: list, approve one, reject the other.
        let (c, csrf) = login(&s, "wh").await;
        let page = c
            .get(format!("{}/planning?status=open", s.base))
            .header("accept-language", "zh-CN")
            .send()
            .await
            .unwrap();
        assert_eq!(page.status(), StatusCode::OK);
        let html = page.text().await.unwrap();
        assert!(
            html.contains("补货建议") && html.contains("PN-00000"),
            "{label}"
        );
        // Each row's forms carry the list the planner is on, and the answer goes back to it
        // (its filters, not another address or the counts of another answer).
        assert!(
            html.contains("name=\"back\" value=\"/planning?status=open&amp;offset=0\"")
                || html.contains("name=\"back\" value=\"/planning?status=open&#38;offset=0\""),
            "{label}: no back on the row forms"
        );
        let r = c
            .post(format!("{}/planning/proposals/{first}/approve", s.base))
            .form(&[
                ("_csrf", csrf.as_str()),
                (
                    "back",
                    "https://evil.example/planning?status=open&kind=purchase&approved=9&documents=9",
                ),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{label}");
        assert_eq!(
            r.headers()["location"].to_str().unwrap(),
            "/planning?status=open&kind=purchase&offset=0",
            "{label}"
        );
        let r = c
            .post(format!("{}/planning/proposals/{second}/reject", s.base))
            .form(&[
                ("_csrf", csrf.as_str()),
                ("reason", "等下月集中采购"),
                ("back", "/planning?status=open&kind=purchase&limit=50"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{label}");
        assert_eq!(
            r.headers()["location"].to_str().unwrap(),
            "/planning?status=open&kind=purchase&limit=50&offset=0",
            "{label}"
        );
        let one: Value = api
            .get(format!("{}/api/v1/planning/proposals/{first}", s.base))
            .bearer_auth(&f.wh_token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(one["status"], "approved");
        assert_eq!(one["document_kind"], "purchase_order");
        let two: Value = api
            .get(format!("{}/api/v1/planning/proposals/{second}", s.base))
            .bearer_auth(&f.wh_token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(two["status"], "rejected");
        assert_eq!(two["decision_note"], "等下月集中采购");
        // Rejecting it again is refused, in the page's language: what the refusal means,
        // then the particulars.
        for (lang, needle) in [
            (
                "zh-CN",
                "操作与当前数据冲突：建议已不是待处理状态（已处理或已撤回）。proposal",
            ),
            ("en", "This conflicts with the current data: proposal"),
        ] {
            let html = c
                .post(format!("{}/planning/proposals/{second}/reject", s.base))
                .header("accept-language", lang)
                .form(&[("_csrf", csrf.as_str()), ("reason", "again")])
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            assert!(html.contains(needle), "{label} {lang}: {html}");
            assert!(html.contains("is rejected, not open"), "{label} {lang}");
        }
        // The next run proposes the pair again, and says it was rejected before and why.
        assert_eq!(one["last_rejected_at"], Value::Null, "{label}: {one}");
        let r = post_run(&api, &s, &f.wh_token, &json!({"periods": 8})).await;
        assert_eq!(r.status(), StatusCode::CREATED, "{label}");
        let again = open_proposals(&api, &s, &f.wh_token)
            .await
            .into_iter()
            .find(|p| p["part_id"] == two["part_id"] && p["warehouse_id"] == two["warehouse_id"])
            .unwrap_or_else(|| panic!("{label}: not proposed again"));
        assert_ne!(again["id"], two["id"], "{label}");
        assert_eq!(
            again["last_rejection_note"], "等下月集中采购",
            "{label}: {again}"
        );
        assert!(
            again["last_rejected_at"].as_i64().is_some(),
            "{label}: {again}"
        );
        let again_id = again["id"].as_i64().unwrap();
        for (lang, needle) in [
            ("zh-CN", "驳回：等下月集中采购"),
            ("en", "Rejected before on "),
        ] {
            let html = page_in(&c, &format!("{}/planning?status=open", s.base), lang).await;
            let row = proposal_row(&html, again_id);
            assert!(row.contains(needle), "{label} {lang}: {row}");
        }
        // A decided proposal does not carry it.
        let (_, two_now) = get(
            &api,
            &s,
            &f.wh_token,
            &format!("/api/v1/planning/proposals/{second}"),
        )
        .await;
        assert_eq!(
            two_now["last_rejected_at"],
            Value::Null,
            "{label}: {two_now}"
        );

        // The part plan page draws the chart and lists every method's backtest error.
        let part = f.parts[0].0;
        let page = c
            .get(format!("{}/planning/items/{}/{part}", s.base, f.central.0))
            .send()
            .await
            .unwrap();
        assert_eq!(page.status(), StatusCode::OK, "{label}");
        let html = page.text().await.unwrap();
        assert!(html.contains("<svg class=\"chart\""), "{label}");
        for m in ["historic_average", "ses", "sba", "tsb"] {
            assert!(html.contains(&format!("<code>{m}</code>")), "{label}: {m}");
        }
        let plan: Value = api
            .get(format!(
                "{}/api/v1/planning/items/{}/{part}?periods=8",
                s.base, f.central.0
            ))
            .bearer_auth(&f.wh_token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(plan["history"].as_array().unwrap().len(), 8);
        assert_eq!(plan["overridden"], true);

        // A station user reads the page of its own warehouses: the central warehouse's
        // proposals are not among them.
        let (sc, _) = login(&s, "sta").await;
        let r = sc.get(format!("{}/planning", s.base)).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{label}");
        let html = r.text().await.unwrap();
        assert!(!html.contains("PN-00000"), "{label}: {html}");
    }
}

#[tokio::test]
async fn run_costs_are_checked_reach_the_run_and_show_on_the_part_plan() {
    for db in each_backend().await.unwrap() {
        let label = db.label;
        let s = start(db).await;
        let f = seed(&s.app, 2).await;
        stock_in(&s.app, &f, f.central, &f.parts, 2).await;
        let api = reqwest::Client::new();

        // A bad holding rate or a negative cost: 422 naming the field, and no run.
        for (body, field) in [
            (json!({"holding_rate_pct": 0}), "holding_rate_pct"),
            (json!({"holding_rate_pct": 101}), "holding_rate_pct"),
            (json!({"purchase_order_cost": -1}), "purchase_order_cost"),
            (json!({"transfer_cost": -3000}), "transfer_cost"),
        ] {
            let r = post_run(&api, &s, &f.wh_token, &body).await;
            assert_eq!(
                r.status(),
                StatusCode::UNPROCESSABLE_ENTITY,
                "{label}: {body}"
            );
            let err: Value = r.json().await.unwrap();
            assert_eq!(
                err["error"]["details"]["fields"][0]["field"], field,
                "{label}: {body} → {err}"
            );
        }
        let planned = aftercare_store::planning::item(&s.app.db, f.central, f.parts[0])
            .await
            .unwrap();
        assert!(planned.is_none(), "{label}: a run happened: {planned:?}");

        // The costs reach the run, which says what it used.
        let r = post_run(
            &api,
            &s,
            &f.wh_token,
            &json!({"periods": 8, "purchase_order_cost": 50_000, "holding_rate_pct": 25}),
        )
        .await;
        assert_eq!(r.status(), StatusCode::CREATED, "{label}");
        let run: Value = r.json().await.unwrap();
        assert_eq!(
            (
                &run["purchase_order_cost"],
                &run["transfer_cost"],
                &run["holding_rate_pct"]
            ),
            (&json!(50_000), &json!(3_000), &json!(25)),
            "{label}: {run}"
        );
        let item = aftercare_store::planning::item(&s.app.db, f.central, f.parts[0])
            .await
            .unwrap()
            .unwrap();
        // ¥100.00 at 25 % a year: 25 × 7 / 365.25 = 0.47912389 a week.
        assert_eq!(
            (item.detail.order_cost, item.detail.holding_cost_nanos),
            (50_000, 479_123_888),
            "{label}: {item:?}"
        );

        // The Run planning form, filled in with the latest run's options (amounts in
        // currency units), checked with the field named.
        let (c, csrf) = login(&s, "wh").await;
        let page = c
            .get(format!("{}/planning", s.base))
            .header("accept-language", "zh-CN")
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        for needle in [
            "采购订货费用",
            "name=\"purchase_order_cost\" value=\"500.00\"",
            "name=\"transfer_cost\" value=\"30.00\"",
            "name=\"holding_rate_pct\" value=\"25\"",
            "name=\"target_fill\" value=\"0.95\"",
            "<option value=\"item\" selected>",
            // Eight periods is not the week's default: shown; transfer days always.
            "name=\"periods\" value=\"8\"",
            "name=\"transfer_days\" value=\"3\"",
        ] {
            assert!(page.contains(needle), "{label}: {needle}");
        }
        let form = |po: &'static str, tc: &'static str, rate: &'static str| {
            [
                ("_csrf", csrf.clone()),
                ("bucket", "week".to_string()),
                ("target_fill", "0.95".to_string()),
                ("purchase_order_cost", po.to_string()),
                ("transfer_cost", tc.to_string()),
                ("holding_rate_pct", rate.to_string()),
            ]
        };
        for (body, shown) in [
            (
                form("-1", "30", "20"),
                // The amount as typed next to the minor units the API counts in.
                "purchase_order_cost: must be between 0 and 10000000000 minor units (100000000.00), got -100 (-1.00)",
            ),
            (
                form("200", "3.005", "20"),
                "transfer_cost: &#39;3.005&#39; is not an amount",
            ),
            (
                form("200", "30", "0"),
                "holding_rate_pct: must be between 1 and 100",
            ),
            (
                form("200", "30", "x"),
                "holding_rate_pct: &#39;x&#39; is not a whole number",
            ),
        ] {
            let r = c
                .post(format!("{}/planning/run", s.base))
                .header("accept-language", "en")
                .form(&body)
                .send()
                .await
                .unwrap();
            assert_eq!(
                r.status(),
                StatusCode::UNPROCESSABLE_ENTITY,
                "{label}: {body:?}"
            );
            let html = r.text().await.unwrap();
            assert!(html.contains(shown), "{label}: {shown}: {html}");
        }
        let r = c
            .post(format!("{}/planning/run", s.base))
            .form(&form("350.50", "12", "30"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{label}");
        let item = aftercare_store::planning::item(&s.app.db, f.central, f.parts[0])
            .await
            .unwrap()
            .unwrap();
        // 30 % of ¥100.00 a year: 30 × 7 / 365.25 = 0.57494867 a week.
        assert_eq!(
            (item.detail.order_cost, item.detail.holding_cost_nanos),
            (35_050, 574_948_665),
            "{label}: {item:?}"
        );

        // The part's plan shows the EOQ and its costs of the latest run (350.50, 30 %),
        // except what the query sets: by API ...
        let part = f.parts[0].0;
        let items = format!("/api/v1/planning/items/{}/{part}", f.central.0);
        let (_, plan) = get(
            &api,
            &s,
            &f.wh_token,
            &format!("{items}?holding_rate_pct=50"),
        )
        .await;
        assert_eq!(plan["order_cost"], 35_050, "{label}: {plan}");
        assert_eq!(plan["order_kind"], "purchase", "{label}");
        assert_eq!(plan["holding_rate_pct"], 50, "{label}");
        assert_eq!(plan["holding_cost_nanos"], 958_247_775_i64, "{label}");
        // No demand in this world: no EOQ, the maximum is the reorder point.
        assert_eq!(
            (&plan["eoq"], &plan["lot"]),
            (&json!(0.0), &json!(0)),
            "{label}"
        );
        let (status, _) = get(&api, &s, &f.wh_token, &format!("{items}?transfer_cost=-1")).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{label}");
        // ... and on the page, in both languages.
        for (lang, needles) in [
            (
                "zh-CN",
                [
                    "经济订货批量（EOQ）",
                    "350.50 (采购)",
                    "0.5749 — 30 % × 100.00 每年",
                ],
            ),
            (
                "en",
                [
                    "Economic order quantity (EOQ)",
                    "350.50 (Purchase)",
                    "0.5749 — 30 % × 100.00 a year",
                ],
            ),
        ] {
            let html = c
                .get(format!("{}/planning/items/{}/{part}", s.base, f.central.0))
                .header("accept-language", lang)
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            for n in needles {
                assert!(html.contains(n), "{label} {lang}: {n}: {html}");
            }
        }
    }
}

/// The levels a stored plan keeps: reorder point and maximum rounded up to whole units.
fn levels(plan: &Value) -> (i64, i64, i64) {
    let rop = plan["reorder_point"].as_f64().unwrap().max(0.0).ceil() as i64;
    let max = (plan["max"].as_f64().unwrap().max(0.0).ceil() as i64).max(rop);
    let eoq_milli = (plan["eoq"].as_f64().unwrap() * 1000.0).round() as i64;
    (rop, max, eoq_milli)
}

#[tokio::test]
async fn the_part_plan_shows_the_levels_and_settings_of_the_latest_run() {
    for db in each_backend().await.unwrap() {
        let label = db.label;
        // Monday 2026-01-05 02:00 UTC; twenty weeks of issues follow.
        let clock = Arc::new(FixedClock::new(Instant(1_767_578_400_000)));
        let s = start_clocked(db, clock.clone()).await;
        let f = seed(&s.app, 1).await;
        stock_in(&s.app, &f, f.central, &f.parts, 100).await;
        let part = f.parts[0];
        for week in 0..20 {
            clock.advance_minutes(7 * 24 * 60);
            s.app
                .stock_execute(
                    &Actor::Cli,
                    None,
                    Command::Issue {
                        warehouse: f.central,
                        part,
                        qty: Qty::new(1 + week % 3).unwrap(),
                        consumer: Consumer::Ticket(TicketId(100 + week)),
                        reservation: None,
                        approved_by: None,
                    },
                )
                .await
                .unwrap();
        }
        let api = reqwest::Client::new();
        let item_path = format!("/api/v1/planning/items/{}/{}", f.central.0, part.0);
        let page_url = format!("{}/planning/items/{}/{}", s.base, f.central.0, part.0);
        let get_plan = |query: &'static str| {
            let path = format!("{item_path}{query}");
            let (api, s, token) = (&api, &s, &f.wh_token);
            async move {
                let (status, plan) = get(api, s, token, &path).await;
                assert_eq!(status, StatusCode::OK);
                plan
            }
        };
        let (c, _) = login(&s, "wh").await;
        let page = |lang: &'static str, query: &'static str| {
            let c = c.clone();
            let url = format!("{page_url}{query}");
            async move {
                c.get(url)
                    .header("accept-language", lang)
                    .send()
                    .await
                    .unwrap()
                    .text()
                    .await
                    .unwrap()
            }
        };

        // Before the first run: the defaults, said as such.
        let plan = get_plan("").await;
        assert_eq!(plan["run_id"], Value::Null, "{label}: {plan}");
        assert_eq!(plan["order_cost"], 20_000, "{label}: {plan}");
        let html = page("en", "").await;
        assert!(
            html.contains("Default settings (no planning run yet): target fill 95 %"),
            "{label}: {html}"
        );

        // A run with other options than the defaults.
        let r = post_run(
            &api,
            &s,
            &f.wh_token,
            &json!({
                "periods": 26, "target_fill": 0.90, "transfer_days": 7,
                "purchase_order_cost": 80_000, "transfer_cost": 8_000, "holding_rate_pct": 40
            }),
        )
        .await;
        assert_eq!(r.status(), StatusCode::CREATED, "{label}");
        let run: Value = r.json().await.unwrap();
        let run_id = run["run_id"].as_i64().unwrap();
        let item = aftercare_store::planning::item(&s.app.db, f.central, part)
            .await
            .unwrap()
            .unwrap();
        assert!(
            item.reorder_point > 0 && item.detail.lot > 0,
            "{label}: {item:?}"
        );

        // The API recomputes with the run's options: the stored levels exactly.
        let plan = get_plan("").await;
        assert_eq!(
            levels(&plan),
            (item.reorder_point, item.max_qty, item.detail.eoq_milli),
            "{label}: {plan} vs {item:?}"
        );
        assert_eq!(
            (
                &plan["run_id"],
                &plan["periods"],
                &plan["target_fill"],
                &plan["transfer_days"],
                &plan["purchase_order_cost"],
                &plan["transfer_cost"],
                &plan["holding_rate_pct"],
                &plan["order_cost"],
                &plan["lot"],
            ),
            (
                &json!(run_id),
                &json!(26),
                &json!(0.9),
                &json!(7),
                &json!(80_000),
                &json!(8_000),
                &json!(40),
                &json!(80_000),
                &json!(item.detail.lot),
            ),
            "{label}: {plan}"
        );
        // Asked for the defaults, it plans other levels (what the page used to show).
        let default =
            get_plan("?target_fill=0.95&purchase_order_cost=20000&holding_rate_pct=20").await;
        assert_eq!(default["run_id"], json!(run_id), "{label}");
        assert_eq!(default["order_cost"], 20_000, "{label}");
        assert_ne!(levels(&default), levels(&plan), "{label}: {default}");

        // The page shows the same levels and names the run and its settings.
        for (lang, named, listed) in [
            (
                "en",
                format!("As planned by run #{run_id} on 2026-05-25: "),
                "target fill 90 % (applies to each part), transfers take 7 days, purchase order cost 800.00, transfer cost 80.00, holding cost 40 % a year, 26 periods of history (week)",
            ),
            (
                "zh-CN",
                format!("按 2026-05-25 的计划运行 #{run_id} 的设置计算："),
                "目标满足率 90 %（适用于每个备件），调拨在途 7 天，采购订货费用 800.00，调拨费用 80.00，年持有成本率 40 %，历史 26 个周期（周）",
            ),
        ] {
            let html = page(lang, "").await;
            assert!(
                html.contains(&format!("{named}{listed}")),
                "{label} {lang}: {html}"
            );
            for (key, value) in [("rop", &plan["reorder_point"]), ("max", &plan["max"])] {
                let shown = format!("{:.1}</dd>", value.as_f64().unwrap());
                assert!(html.contains(&shown), "{label} {lang}: {key} {shown}");
            }
        }
        let html = page("en", "").await;
        assert!(html.contains("800.00 (Purchase)"), "{label}");
        assert!(
            html.contains(&format!("lot {}", item.detail.lot)),
            "{label}"
        );

        // Another bucket: its default periods, the run's other options, and the page says so.
        let html = page("en", "?bucket=month").await;
        assert!(
            html.contains(&format!(
                "Settings of run #{run_id} on 2026-05-25, with the period chosen on this page: target fill 90 % (applies to each part), transfers take 7 days, purchase order cost 800.00, transfer cost 80.00, holding cost 40 % a year, 24 periods of history (month)"
            )),
            "{label}: {html}"
        );

        // The Run planning form starts from that run: 90 %, 7 days, 26 weeks.
        let before = s
            .app
            .latest_run_settings(&Actor::Cli)
            .await
            .unwrap()
            .unwrap();
        let form = page_in(&c, &format!("{}/planning", s.base), "en").await;
        for needle in [
            "<option value=\"week\" selected>",
            "name=\"target_fill\" value=\"0.9\"",
            "name=\"periods\" value=\"26\"",
            "name=\"transfer_days\" value=\"7\"",
            "name=\"purchase_order_cost\" value=\"800.00\"",
            "name=\"holding_rate_pct\" value=\"40\"",
        ] {
            assert!(form.contains(needle), "{label}: {needle}");
        }
        // Posted as it stands, it plans the same way.
        let csrf = form
            .split("name=\"_csrf\" value=\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .unwrap()
            .to_string();
        let r = c
            .post(format!("{}/planning/run", s.base))
            .form(&[
                ("_csrf", csrf.as_str()),
                ("bucket", "week"),
                ("periods", "26"),
                ("target_fill", "0.9"),
                ("transfer_days", "7"),
                ("purchase_order_cost", "800.00"),
                ("transfer_cost", "80.00"),
                ("holding_rate_pct", "40"),
                ("allocation", "item"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{label}");
        let again = s
            .app
            .latest_run_settings(&Actor::Cli)
            .await
            .unwrap()
            .unwrap();
        assert_ne!(again.run_id, run_id, "{label}");
        assert_eq!(again.options, before.options, "{label}");
        // A month run: month chosen, its default periods left blank, the fill as run.
        let r = post_run(
            &reqwest::Client::new(),
            &s,
            &f.wh_token,
            &json!({"bucket": "month", "target_fill": 0.955}),
        )
        .await;
        assert_eq!(r.status(), StatusCode::CREATED, "{label}");
        let month_run = r.json::<Value>().await.unwrap()["run_id"].as_i64().unwrap();
        let form = page_in(&c, &format!("{}/planning", s.base), "en").await;
        for needle in [
            "<option value=\"month\" selected>",
            "name=\"target_fill\" value=\"0.955\"",
            "name=\"periods\" value=\"\"",
        ] {
            assert!(form.contains(needle), "{label}: {needle}");
        }
        // Bad numbers are named, in the page's language, and nothing runs; the form comes
        // back as typed, to be corrected rather than typed again.
        for (periods, named) in [
            ("two", "周期数：“two”不是整数"),
            ("", "调拨在途天数：“x”不是整数"),
        ] {
            let html = c
                .post(format!("{}/planning/run", s.base))
                .header("accept-language", "zh-CN")
                .form(&[
                    ("_csrf", csrf.as_str()),
                    ("bucket", "month"),
                    ("periods", periods),
                    ("target_fill", "0.9"),
                    ("transfer_days", "x"),
                ])
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            assert!(html.contains(named), "{label}: {html}");
            for needle in [
                format!("name=\"periods\" value=\"{periods}\""),
                "name=\"transfer_days\" value=\"x\"".to_string(),
                "name=\"target_fill\" value=\"0.9\"".to_string(),
                "<option value=\"month\" selected>".to_string(),
            ] {
                assert!(html.contains(&needle), "{label}: {needle}");
            }
            let latest = s.app.latest_run_settings(&Actor::Cli).await.unwrap();
            assert_eq!(latest.unwrap().run_id, month_run, "{label}: a run happened");
        }
    }
}

#[tokio::test]
async fn a_warehouse_fill_target_is_chosen_by_api_and_form_and_shown_on_the_part_plan() {
    for db in each_backend().await.unwrap() {
        let label = db.label;
        let clock = Arc::new(FixedClock::new(Instant(1_767_578_400_000)));
        let s = start_clocked(db, clock.clone()).await;
        let f = seed(&s.app, 2).await;
        stock_in(&s.app, &f, f.central, &f.parts, 200).await;
        for week in 0..20 {
            clock.advance_minutes(7 * 24 * 60);
            for (i, &part) in f.parts.iter().enumerate() {
                s.app
                    .stock_execute(
                        &Actor::Cli,
                        None,
                        Command::Issue {
                            warehouse: f.central,
                            part,
                            qty: Qty::new(1 + (week + i as i64) % 3).unwrap(),
                            consumer: Consumer::Ticket(TicketId(100 + 10 * week + i as i64)),
                            reservation: None,
                            approved_by: None,
                        },
                    )
                    .await
                    .unwrap();
            }
        }
        let api = reqwest::Client::new();

        // An unknown allocation: 422 naming the field, and no run.
        let r = post_run(&api, &s, &f.wh_token, &json!({"allocation": "region"})).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{label}");
        let err: Value = r.json().await.unwrap();
        assert_eq!(
            err["error"]["details"]["fields"][0]["field"], "allocation",
            "{label}: {err}"
        );
        let planned = aftercare_store::planning::item(&s.app.db, f.central, f.parts[0])
            .await
            .unwrap();
        assert!(planned.is_none(), "{label}: a run happened: {planned:?}");
        // No run yet: the latest is not found (for a station user too, who reads it); an
        // agent may not read it at all.
        let (status, _) = get(&api, &s, &f.wh_token, "/api/v1/planning/runs/latest").await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{label}");
        let (status, _) = get(&api, &s, &f.sta_token, "/api/v1/planning/runs/latest").await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{label}");
        let (_, agent_token) = common::server::admin_and_agent(&s).await;
        let (status, _) = get(&api, &s, &agent_token, "/api/v1/planning/runs/latest").await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{label}");

        // By API: the run reports the central warehouse's calibration.
        let r = post_run(
            &api,
            &s,
            &f.wh_token,
            &json!({"periods": 26, "allocation": "warehouse", "purchase_order_cost": 0}),
        )
        .await;
        assert_eq!(r.status(), StatusCode::CREATED, "{label}");
        let run: Value = r.json().await.unwrap();
        assert_eq!(run["allocation"], "warehouse", "{label}: {run}");
        let fills = run["warehouse_fills"].as_array().unwrap();
        let central = fills
            .iter()
            .find(|w| w["warehouse_code"] == "WH-C")
            .unwrap_or_else(|| panic!("{label}: {run}"));
        assert_eq!(central["parts"], 2, "{label}: {run}");
        assert_eq!(central["reached"], true, "{label}: {run}");
        assert!(
            central["expected_fill"].as_f64().unwrap() >= 0.95,
            "{label}: {run}"
        );
        // The latest run lists every warehouse's calibration to a planner, and none but
        // its own warehouses' to a station user (it has none here).
        let (_, latest) = get(&api, &s, &f.wh_token, "/api/v1/planning/runs/latest").await;
        let codes = |v: &Value| -> Vec<Value> {
            v["warehouse_fills"]
                .as_array()
                .unwrap()
                .iter()
                .map(|w| w["warehouse_code"].clone())
                .collect()
        };
        assert_eq!(codes(&latest), codes(&run), "{label}: {latest}");
        let (status, latest) = get(&api, &s, &f.sta_token, "/api/v1/planning/runs/latest").await;
        assert_eq!(status, StatusCode::OK, "{label}: {latest}");
        assert_eq!(latest["run_id"], run["run_id"], "{label}: {latest}");
        assert_eq!(latest["warehouse_fills"], json!([]), "{label}: {latest}");

        // The part's plan recomputes with it.
        let items = format!("/api/v1/planning/items/{}/{}", f.central.0, f.parts[0].0);
        let (status, plan) = get(&api, &s, &f.wh_token, &items).await;
        assert_eq!(status, StatusCode::OK, "{label}");
        assert_eq!(plan["allocation"], "warehouse", "{label}: {plan}");
        assert_eq!(
            plan["warehouse_fill"]["worth"], central["worth"],
            "{label}: {plan}"
        );
        let (status, plan) = get(&api, &s, &f.wh_token, &format!("{items}?allocation=item")).await;
        assert_eq!(status, StatusCode::OK, "{label}");
        assert_eq!(plan["warehouse_fill"], Value::Null, "{label}: {plan}");
        let (status, _) = get(&api, &s, &f.wh_token, &format!("{items}?allocation=x")).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{label}");

        // By the form: the choice is offered, a bad one is named, a good one is run and the
        // part's page says what set the levels, in both languages.
        let (c, csrf) = login(&s, "wh").await;
        let item_page = format!("{}/planning/items/{}/{}", s.base, f.central.0, f.parts[0].0);
        let html = c
            .get(format!("{}/planning", s.base))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            html.contains("<option value=\"warehouse\" selected>"),
            "{label}: {html}"
        );
        let form = |allocation: &str| {
            [
                ("_csrf", csrf.clone()),
                ("bucket", "week".to_string()),
                ("target_fill", "0.9".to_string()),
                ("allocation", allocation.to_string()),
            ]
        };
        let r = c
            .post(format!("{}/planning/run", s.base))
            .header("accept-language", "en")
            .form(&form("everything"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{label}");
        let html = r.text().await.unwrap();
        assert!(
            html.contains("allocation: must be item, warehouse or warehouse_history"),
            "{label}: {html}"
        );
        let r = c
            .post(format!("{}/planning/run", s.base))
            .form(&form("warehouse"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{label}");
        let latest = s
            .app
            .latest_run_settings(&Actor::Cli)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            latest.options.allocation,
            aftercare_app::planning::Allocation::Warehouse,
            "{label}"
        );
        for (lang, needles) in [
            (
                "zh-CN",
                ["适用于每个仓库整体", "仓库整体满足率", "整体预期满足率"],
            ),
            (
                "en",
                [
                    "applies to each warehouse as a whole",
                    "Warehouse fill target",
                    "over the warehouse&#39;s 2 parts",
                ],
            ),
        ] {
            let html = page_in(&c, &item_page, lang).await;
            assert!(
                html.contains("id=\"plan-warehouse-fill\""),
                "{label}: {html}"
            );
            for n in needles {
                assert!(html.contains(n), "{label} {lang}: {n}: {html}");
            }
        }

        // Calibrated on the history replayed: the API reports the replay, the part's plan
        // carries it, the form offers it and the page says it.
        let r = post_run(
            &api,
            &s,
            &f.wh_token,
            &json!({"periods": 26, "allocation": "warehouse_history", "purchase_order_cost": 0}),
        )
        .await;
        assert_eq!(r.status(), StatusCode::CREATED, "{label}");
        let run: Value = r.json().await.unwrap();
        assert_eq!(run["allocation"], "warehouse_history", "{label}: {run}");
        let central = run["warehouse_fills"]
            .as_array()
            .unwrap()
            .iter()
            .find(|w| w["warehouse_code"] == "WH-C")
            .unwrap_or_else(|| panic!("{label}: {run}"))
            .clone();
        assert_eq!(central["replayed_periods"], 13, "{label}: {run}");
        assert_eq!(central["reached"], true, "{label}: {run}");
        assert!(
            central["replayed_fill"].as_f64().unwrap() >= 0.95,
            "{label}: {run}"
        );
        let (status, plan) = get(&api, &s, &f.wh_token, &items).await;
        assert_eq!(status, StatusCode::OK, "{label}");
        assert_eq!(plan["allocation"], "warehouse_history", "{label}: {plan}");
        assert_eq!(
            plan["warehouse_fill"]["replayed_fill"], central["replayed_fill"],
            "{label}: {plan}"
        );
        let html = c
            .get(format!("{}/planning", s.base))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            html.contains("<option value=\"warehouse_history\" selected>"),
            "{label}: {html}"
        );
        // The page shows the latest run and each warehouse's calibration as it kept them.
        let replayed = format!(
            "{:.1} %",
            central["replayed_fill"].as_f64().unwrap() * 100.0
        );
        for needle in [
            "id=\"latest-run-summary\"",
            "id=\"run-fills\"",
            "<td>WH-C</td>",
            replayed.as_str(),
        ] {
            assert!(html.contains(needle), "{label}: {needle}: {html}");
        }
        let (status, latest) = get(&api, &s, &f.wh_token, "/api/v1/planning/runs/latest").await;
        assert_eq!(status, StatusCode::OK, "{label}");
        assert_eq!(latest["run_id"], run["run_id"], "{label}: {latest}");
        assert_eq!(
            latest["allocation"], "warehouse_history",
            "{label}: {latest}"
        );
        assert_eq!(latest["periods"], 26, "{label}: {latest}");
        let kept = latest["warehouse_fills"]
            .as_array()
            .unwrap()
            .iter()
            .find(|w| w["warehouse_code"] == "WH-C")
            .unwrap_or_else(|| panic!("{label}: {latest}"));
        assert!(
            (kept["replayed_fill"].as_f64().unwrap() - central["replayed_fill"].as_f64().unwrap())
                .abs()
                <= 5e-7,
            "{label}: {kept} vs {central}"
        );
        assert_eq!(kept["parts"], central["parts"], "{label}");
        let r = c
            .post(format!("{}/planning/run", s.base))
            .form(&form("warehouse_history"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{label}");
        for (lang, needles) in [
            ("zh-CN", ["按历史回放校准", "个周期的历史回放，满足率"]),
            (
                "en",
                [
                    "calibrated on its history",
                    "periods of history are replayed",
                ],
            ),
        ] {
            let html = page_in(&c, &item_page, lang).await;
            for n in needles {
                assert!(html.contains(n), "{label} {lang}: {n}: {html}");
            }
        }
    }
}

/// Manual levels (min `min`, max `max`) for `parts` at `warehouse`, so a run proposes.
async fn manual_levels(
    s: &common::server::Server,
    warehouse: aftercare_domain::WarehouseId,
    parts: &[aftercare_domain::PartId],
    min: i64,
    max: i64,
) {
    let mut tx = s.app.db.begin_write().await.unwrap();
    for &p in parts {
        master::set_levels(
            &mut tx,
            warehouse,
            p,
            StockLevels::new(Qty::new(min).unwrap(), Some(Qty::new(max).unwrap())).unwrap(),
        )
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
}

/// The open proposals, by API.
async fn open_proposals(
    api: &reqwest::Client,
    s: &common::server::Server,
    token: &str,
) -> Vec<Value> {
    let (status, list) = get(api, s, token, "/api/v1/planning/proposals?status=open").await;
    assert_eq!(status, StatusCode::OK, "{list}");
    list.as_array().unwrap().clone()
}

#[tokio::test]
async fn json_bodies_with_unknown_keys_and_long_reasons_are_refused_naming_the_field() {
    for db in each_backend().await.unwrap() {
        let label = db.label;
        let s = start(db).await;
        let f = seed(&s.app, 1).await;
        manual_levels(&s, f.central, &f.parts, 5, 10).await;
        let api = reqwest::Client::new();

        // Misspelled keys: 422 naming the key, and no run with the defaults.
        let r = api
            .post(format!("{}/api/v1/planning/runs", s.base))
            .bearer_auth(&f.wh_token)
            .header("content-type", "application/json")
            .body(r#"{"targetfill":0.5,"bukket":"day"}"#)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{label}");
        let err: Value = r.json().await.unwrap();
        assert_eq!(err["error"]["code"], "invalid", "{label}: {err}");
        assert_eq!(
            err["error"]["details"]["fields"][0]["field"], "targetfill",
            "{label}: {err}"
        );
        assert!(
            err["error"]["details"]["fields"][0]["reason"]
                .as_str()
                .unwrap()
                .contains("unknown field"),
            "{label}: {err}"
        );
        let (status, _) = get(&api, &s, &f.wh_token, "/api/v1/planning/runs/latest").await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{label}: a run happened");
        // A value of the wrong type names its field too.
        let r = post_run(&api, &s, &f.wh_token, &json!({"periods": "many"})).await;
        let err: Value = r.json().await.unwrap();
        assert_eq!(
            err["error"]["details"]["fields"][0]["field"], "periods",
            "{label}: {err}"
        );
        // null is "the default".
        let r = post_run(
            &api,
            &s,
            &f.wh_token,
            &json!({"target_fill": null, "periods": 8}),
        )
        .await;
        assert_eq!(r.status(), StatusCode::CREATED, "{label}");
        let open = open_proposals(&api, &s, &f.wh_token).await;
        assert_eq!(open.len(), 1, "{label}");
        let id = open[0]["id"].as_i64().unwrap();
        let reject = |body: Value| {
            api.post(format!("{}/api/v1/planning/proposals/{id}/reject", s.base))
                .bearer_auth(&f.wh_token)
                .json(&body)
                .send()
        };
        let r = reject(json!({"reason": "later", "note": "x"}))
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{label}");
        let err: Value = r.json().await.unwrap();
        assert_eq!(
            err["error"]["details"]["fields"][0]["field"], "note",
            "{label}: {err}"
        );
        // A reason has the length limit of a ticket action's reason; nothing changes.
        let r = reject(json!({"reason": "x".repeat(100_000)}))
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{label}");
        let err: Value = r.json().await.unwrap();
        assert_eq!(
            err["error"]["details"]["fields"][0],
            json!({"field": "reason", "reason": "must be at most 500 characters"}),
            "{label}: {err}"
        );
        let (_, one) = get(
            &api,
            &s,
            &f.wh_token,
            &format!("/api/v1/planning/proposals/{id}"),
        )
        .await;
        assert_eq!(one["status"], "open", "{label}: {one}");
        let r = reject(json!({"reason": "y".repeat(500)})).await.unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{label}");
    }
}

#[tokio::test]
async fn a_refused_approval_names_the_warehouse_and_part_in_words() {
    for db in each_backend().await.unwrap() {
        let label = db.label;
        let s = start(db).await;
        let f = seed(&s.app, 1).await;
        // A regional warehouse replenished from the central one, which holds 2.
        let regional = regional_child(&s, f.central).await;
        stock_in(&s.app, &f, f.central, &f.parts, 2).await;
        manual_levels(&s, regional, &f.parts, 5, 10).await;
        let api = reqwest::Client::new();
        let r = post_run(&api, &s, &f.wh_token, &json!({"periods": 8})).await;
        assert_eq!(r.status(), StatusCode::CREATED, "{label}");
        let open = open_proposals(&api, &s, &f.wh_token).await;
        let transfer = open
            .iter()
            .find(|p| p["kind"] == "transfer")
            .unwrap_or_else(|| panic!("{label}: {open:?}"));
        let id = transfer["id"].as_i64().unwrap();
        let r = api
            .post(format!("{}/api/v1/planning/proposals/{id}/approve", s.base))
            .bearer_auth(&f.wh_token)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::CONFLICT, "{label}");
        let err: Value = r.json().await.unwrap();
        let message = err["error"]["message"].as_str().unwrap().to_string();
        let expected = format!(
            "warehouse {}, good stock holds only 2 of part {}",
            f.central.0, f.parts[0].0
        );
        assert_eq!(message, expected, "{label}: {err}");
        let (_, one) = get(
            &api,
            &s,
            &f.wh_token,
            &format!("/api/v1/planning/proposals/{id}"),
        )
        .await;
        assert_eq!(one["approval_error"], expected, "{label}: {one}");
        // The page leads with the refusal in Chinese, then names the warehouse and the part
        // by their codes.
        let (c, csrf) = login(&s, "wh").await;
        let html = c
            .post(format!("{}/planning/proposals/{id}/approve", s.base))
            .header("accept-language", "zh-CN")
            .form(&[("_csrf", csrf.as_str())])
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            html.contains("库存不足。仓库 WH-C 的良品库存只有 2 件备件 PN-00000"),
            "{label}: {html}"
        );
        assert!(
            !html.contains("Stock {") && !html.contains("WarehouseId"),
            "{label}"
        );
    }
}

#[tokio::test]
async fn the_proposals_page_filters_by_part_pages_and_names_bad_input_in_its_language() {
    for db in each_backend().await.unwrap() {
        let label = db.label;
        let s = start(db).await;
        let f = seed(&s.app, 3).await;
        manual_levels(&s, f.central, &f.parts, 5, 10).await;
        let mut tx = s.app.db.begin_write().await.unwrap();
        for &p in &f.parts {
            aftercare_store::planning::link_supplier(&mut tx, p, f.supplier, 10)
                .await
                .unwrap();
        }
        tx.commit().await.unwrap();
        let (c, csrf) = login(&s, "wh").await;

        // The run form: blank or left-out fields are the defaults (as in the API), a
        // negative number of periods is named as typed, in the page's language.
        let r = c
            .post(format!("{}/planning/run", s.base))
            .form(&[("_csrf", csrf.as_str()), ("periods", "8")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{label}");
        let to = r.headers()["location"].to_str().unwrap().to_string();
        assert!(!to.contains("notice"), "{label}: {to}");
        // The notice is written from the run's counts, in the page's language.
        let html = page_in(&c, &format!("{}{to}", s.base), "zh-CN").await;
        assert!(
            html.contains(
                "计划已运行：3 个备件×仓库，新建 3 条建议，更新 0 条，撤回 0 条，现有待审批 3 条"
            ),
            "{label}: {html}"
        );
        // Free text in the address is never shown as the notice.
        let html = page_in(
            &c,
            &format!("{}/planning?notice=%E6%89%80%E6%9C%89%E5%BB%BA%E8%AE%AE%E5%B7%B2%E6%89%B9%E5%87%86", s.base),
            "zh-CN",
        )
        .await;
        assert!(
            !html.contains("所有建议已批准") && !html.contains("计划已运行"),
            "{label}"
        );
        for (lang, periods, needle) in [
            ("zh-CN", "-1", "周期数：必须在 4 到 520 之间，实际为 -1"),
            ("en", "-1", "periods: must be between 4 and 520, got -1"),
            ("zh-CN", "3", "周期数：必须在 4 到 520 之间，实际为 3"),
        ] {
            let html = c
                .post(format!("{}/planning/run", s.base))
                .header("accept-language", lang)
                .form(&[
                    ("_csrf", csrf.as_str()),
                    ("bucket", "week"),
                    ("periods", periods),
                ])
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            assert!(html.contains(needle), "{label} {lang} {periods}: {html}");
            assert!(
                html.contains(&format!("name=\"periods\" value=\"{periods}\"")),
                "{label}: the typed value"
            );
        }
        let html = c
            .post(format!("{}/planning/run", s.base))
            .header("accept-language", "zh-CN")
            .form(&[("_csrf", csrf.as_str()), ("target_fill", "NaN")])
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            html.contains("目标满足率：必须在 0.5 到 0.999 之间，实际为 NaN"),
            "{label}: {html}"
        );

        // A rejection without a reason, in Chinese.
        let api = reqwest::Client::new();
        let open = open_proposals(&api, &s, &f.wh_token).await;
        assert_eq!(open.len(), 3, "{label}");
        // The API pages the same list; a limit or offset out of range is named.
        let mut paged = Vec::new();
        for offset in 0..4 {
            let path = format!("/api/v1/planning/proposals?status=open&limit=1&offset={offset}");
            let (status, list) = get(&api, &s, &f.wh_token, &path).await;
            assert_eq!(status, StatusCode::OK, "{label}: {list}");
            paged.extend(list.as_array().unwrap().iter().map(|p| p["id"].clone()));
        }
        let ids: Vec<Value> = open.iter().map(|p| p["id"].clone()).collect();
        assert_eq!(paged, ids, "{label}");
        let r = api
            .get(format!(
                "{}/api/v1/planning/proposals?status=open&limit=1&offset=1",
                s.base
            ))
            .bearer_auth(&f.wh_token)
            .send()
            .await
            .unwrap();
        assert_eq!(
            r.headers()["x-total-count"],
            "3",
            "{label}: the total of all pages"
        );
        for (query, field) in [
            ("limit=0", "limit"),
            ("limit=5001", "limit"),
            ("offset=-1", "offset"),
        ] {
            let path = format!("/api/v1/planning/proposals?{query}");
            let (status, body) = get(&api, &s, &f.wh_token, &path).await;
            assert_eq!(
                status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{label} {query}: {body}"
            );
            assert!(body.to_string().contains(field), "{label} {query}: {body}");
        }
        let id = open[0]["id"].as_i64().unwrap();
        let html = c
            .post(format!("{}/planning/proposals/{id}/reject", s.base))
            .header("accept-language", "zh-CN")
            .form(&[("_csrf", csrf.as_str())])
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(html.contains("原因：驳回需要填写原因"), "{label}: {html}");

        // The document an approval created, in words.
        let r = c
            .post(format!("{}/planning/proposals/{id}/approve", s.base))
            .form(&[("_csrf", csrf.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{label}");
        let html = page_in(&c, &format!("{}/planning?status=approved", s.base), "zh-CN").await;
        assert!(html.contains("采购订单 #"), "{label}: {html}");
        assert!(!html.contains("purchase_order #"), "{label}");

        // Paging: how many, and the way to the rest.
        let html = page_in(&c, &format!("{}/planning?limit=1", s.base), "en").await;
        assert!(html.contains("Showing 1–1 of 3"), "{label}: {html}");
        assert!(
            html.contains("href=\"/planning?limit=1&#38;offset=1\""),
            "{label}: {html}"
        );
        let html = page_in(
            &c,
            &format!("{}/planning?limit=1&offset=2", s.base),
            "zh-CN",
        )
        .await;
        assert!(html.contains("显示第 3–3 条，共 3 条"), "{label}: {html}");
        assert!(html.contains("offset=1"), "{label}: the previous page");
        assert!(
            !html.contains("id=\"proposals-next\""),
            "{label}: no next page"
        );
        // Past the end: said, with the way back to the last page.
        let html = page_in(&c, &format!("{}/planning?limit=2&offset=9", s.base), "en").await;
        assert!(
            html.contains("No proposals this far (there are 3)"),
            "{label}: {html}"
        );
        assert!(
            html.contains("href=\"/planning?limit=2&#38;offset=2\""),
            "{label}: {html}"
        );

        // The part filter, by part number as the stock pages filter.
        let html = page_in(&c, &format!("{}/planning?part=PN-00001", s.base), "en").await;
        assert!(html.contains("Showing 1–1 of 1"), "{label}: {html}");
        assert!(
            html.contains("PN-00001") && !html.contains("<code>PN-00002</code>"),
            "{label}"
        );
        assert!(html.contains("name=\"part\" value=\"PN-00001\""), "{label}");

        // Bad filters are named, in the page's language, and nothing is listed.
        for (query, lang, needle) in [
            (
                "warehouse=abc",
                "en",
                "warehouse: &#39;abc&#39; is not a whole number",
            ),
            ("warehouse=abc", "zh-CN", "仓库：“abc”不是整数"),
            (
                "warehouse=999999",
                "en",
                "warehouse: no warehouse with id 999999",
            ),
            (
                "kind=bogus",
                "en",
                "kind: must be purchase, transfer, last_time_buy, emergency or return, got &#34;bogus&#34;",
            ),
            ("kind=bogus", "zh-CN", "类型：必须是 purchase（采购）"),
            (
                "status=bogus",
                "en",
                "status: must be open, approved, rejected or withdrawn, got &#34;bogus&#34;",
            ),
            ("status=bogus", "zh-CN", "状态：必须是 open（待审批）"),
            ("part=NOPE", "zh-CN", "备件：没有编号为“NOPE”的备件"),
            ("offset=-1", "en", "offset: must be between 0 and "),
            (
                "offset=x",
                "en",
                "offset: &#39;x&#39; is not a whole number",
            ),
        ] {
            let r = c
                .get(format!("{}/planning?{query}", s.base))
                .header("accept-language", lang)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{label} {query}");
            let html = r.text().await.unwrap();
            assert!(html.contains(needle), "{label} {query} {lang}: {html}");
            assert!(
                !html.contains("id=\"proposals\""),
                "{label} {query}: rows shown"
            );
        }

        // The part's page: a bad bucket is named; the chart's labels in the page's
        // language, min and reorder point of one value sharing one label.
        let part = f.parts[0].0;
        let r = c
            .get(format!(
                "{}/planning/items/{}/{part}?bucket=xyz",
                s.base, f.central.0
            ))
            .header("accept-language", "zh-CN")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{label}");
        let html = r.text().await.unwrap();
        assert!(
            html.contains("周期：必须是 week（周）或 month（月），收到“xyz”"),
            "{label}: {html}"
        );
        let html = page_in(
            &c,
            &format!("{}/planning/items/{}/{part}", s.base, f.central.0),
            "zh-CN",
        )
        .await;
        assert!(
            html.contains("class=\"label\">最高库存 10<"),
            "{label}: {html}"
        );
        // Manual levels: the reorder point is the minimum.
        assert!(
            html.contains("class=\"label\">安全库存 = 再订货点 5<"),
            "{label}: {html}"
        );
        assert!(
            !html.contains(">ROP ") && !html.contains(">min "),
            "{label}"
        );
    }
}

/// The `<tr>` of proposal `id` on a proposals page.
fn proposal_row(html: &str, id: i64) -> &str {
    let start = html
        .find(&format!("data-proposal=\"{id}\""))
        .unwrap_or_else(|| panic!("no row of proposal {id}: {html}"));
    let end = html[start..].find("</tr>").unwrap() + start;
    &html[start..end]
}

#[tokio::test]
async fn transfer_proposals_show_what_their_source_can_ship_and_the_last_refusal() {
    for db in each_backend().await.unwrap() {
        let label = db.label;
        let s = start(db).await;
        let f = seed(&s.app, 3).await;
        // A regional warehouse replenished from the central one, which holds 2 of part 0,
        // 20 of part 1 (5 of them reserved for a ticket) and 8 of part 2.
        let regional = regional_child(&s, f.central).await;
        stock_in(&s.app, &f, f.central, &f.parts[..1], 2).await;
        stock_in(&s.app, &f, f.central, &f.parts[1..2], 20).await;
        stock_in(&s.app, &f, f.central, &f.parts[2..], 8).await;
        s.app
            .stock_execute(
                &Actor::Cli,
                None,
                Command::Reserve {
                    warehouse: f.central,
                    part: f.parts[1],
                    qty: Qty::new(5).unwrap(),
                    consumer: Consumer::Ticket(TicketId(7)),
                    expires_at: Instant(4_000_000_000_000),
                },
            )
            .await
            .unwrap();
        manual_levels(&s, regional, &f.parts, 5, 10).await;
        let api = reqwest::Client::new();
        let r = post_run(&api, &s, &f.wh_token, &json!({"periods": 8})).await;
        assert_eq!(r.status(), StatusCode::CREATED, "{label}");
        let open = open_proposals(&api, &s, &f.wh_token).await;
        let transfer_of = |part: aftercare_domain::PartId| -> Value {
            open.iter()
                .find(|p| p["kind"] == "transfer" && p["part_id"] == part.0)
                .unwrap_or_else(|| panic!("{label}: no transfer of {part:?}: {open:?}"))
                .clone()
        };
        let (t0, t1, t2) = (
            transfer_of(f.parts[0]),
            transfer_of(f.parts[1]),
            transfer_of(f.parts[2]),
        );
        for t in [&t0, &t1, &t2] {
            assert_eq!(t["qty"], 10, "{label}: {t}");
        }
        // The API says what the source can ship now, as an approval would take it.
        assert_eq!(t0["source_available"], 2, "{label}: {t0}");
        assert_eq!(t0["source_short"], true, "{label}: {t0}");
        assert_eq!(t1["source_available"], 15, "{label}: {t1}");
        assert_eq!(t1["source_short"], false, "{label}: {t1}");
        assert_eq!(t2["source_available"], 8, "{label}: {t2}");
        assert_eq!(t2["source_short"], true, "{label}: {t2}");
        let (ids0, ids1) = (t0["id"].as_i64().unwrap(), t1["id"].as_i64().unwrap());
        let (_, one) = get(
            &api,
            &s,
            &f.wh_token,
            &format!("/api/v1/planning/proposals/{ids0}"),
        )
        .await;
        assert_eq!(one["source_available"], 2, "{label}: {one}");
        // Filters: the source can fill, or cannot.
        let ids = |v: &Value| -> Vec<i64> {
            v.as_array()
                .unwrap()
                .iter()
                .map(|p| p["id"].as_i64().unwrap())
                .collect()
        };
        let (status, list) = get(
            &api,
            &s,
            &f.wh_token,
            "/api/v1/planning/proposals?source=can_fill",
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{label}: {list}");
        assert_eq!(ids(&list), vec![ids1], "{label}: {list}");
        let (_, list) = get(
            &api,
            &s,
            &f.wh_token,
            "/api/v1/planning/proposals?source=short&kind=transfer",
        )
        .await;
        let mut short = ids(&list);
        short.sort();
        let mut want = vec![ids0, t2["id"].as_i64().unwrap()];
        want.sort();
        assert_eq!(short, want, "{label}: {list}");
        let (status, body) = get(
            &api,
            &s,
            &f.wh_token,
            "/api/v1/planning/proposals?source=maybe",
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{label}: {body}");

        // The page: the source and what it holds, short rows flagged, in both languages.
        let (c, csrf) = login(&s, "wh").await;
        let html = page_in(&c, &format!("{}/planning?status=open", s.base), "en").await;
        let row0 = proposal_row(&html, ids0);
        assert!(row0.contains("from WH-C: 2 available"), "{label}: {row0}");
        assert!(row0.contains("source short"), "{label}: {row0}");
        let row1 = proposal_row(&html, ids1);
        assert!(row1.contains("from WH-C: 15 available"), "{label}: {row1}");
        assert!(!row1.contains("source short"), "{label}: {row1}");
        let html = page_in(&c, &format!("{}/planning?status=open", s.base), "zh-CN").await;
        let row0 = proposal_row(&html, ids0);
        assert!(
            row0.contains("调出仓 WH-C 可调 2") && row0.contains("货源不足"),
            "{label}: {row0}"
        );
        let html = page_in(&c, &format!("{}/planning?source=can_fill", s.base), "en").await;
        assert!(html.contains("Showing 1–1 of 1"), "{label}: {html}");
        assert!(
            html.contains(&format!("data-proposal=\"{ids1}\"")),
            "{label}"
        );
        let r = c
            .get(format!("{}/planning?source=maybe", s.base))
            .header("accept-language", "zh-CN")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{label}");
        let html = r.text().await.unwrap();
        assert!(
            html.contains("货源：必须是 can_fill（货源充足）"),
            "{label}: {html}"
        );

        // The part's plan at the regional warehouse lists the same proposals with what
        // their source can ship now, by API and on its page.
        let item = format!("/api/v1/planning/items/{}/{}", regional.0, f.parts[0].0);
        let (status, plan) = get(&api, &s, &f.wh_token, &item).await;
        assert_eq!(status, StatusCode::OK, "{label}: {plan}");
        let listed = plan["proposals"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["id"] == ids0)
            .unwrap_or_else(|| panic!("{label}: {plan}"));
        assert_eq!(listed["source_available"], 2, "{label}: {listed}");
        assert_eq!(listed["source_short"], true, "{label}: {listed}");
        let item = format!("/api/v1/planning/items/{}/{}", regional.0, f.parts[1].0);
        let (_, plan) = get(&api, &s, &f.wh_token, &item).await;
        assert_eq!(plan["proposals"][0]["id"], ids1, "{label}: {plan}");
        assert_eq!(plan["proposals"][0]["source_available"], 15, "{label}");
        assert_eq!(plan["proposals"][0]["source_short"], false, "{label}");
        let page = |part: aftercare_domain::PartId| {
            format!("{}/planning/items/{}/{}", s.base, regional.0, part.0)
        };
        let html = page_in(&c, &page(f.parts[0]), "en").await;
        let row0 = proposal_row(&html, ids0);
        assert!(
            row0.contains("from WH-C: 2 available") && row0.contains("source short"),
            "{label}: {row0}"
        );
        let html = page_in(&c, &page(f.parts[0]), "zh-CN").await;
        let row0 = proposal_row(&html, ids0);
        assert!(
            row0.contains("调出仓 WH-C 可调 2") && row0.contains("货源不足"),
            "{label}: {row0}"
        );
        let html = page_in(&c, &page(f.parts[1]), "en").await;
        let row1 = proposal_row(&html, ids1);
        assert!(row1.contains("from WH-C: 15 available"), "{label}: {row1}");
        assert!(!row1.contains("source short"), "{label}: {row1}");

        // A refused approval from the page: 409, and the row says so afterwards.
        let r = c
            .post(format!("{}/planning/proposals/{ids0}/approve", s.base))
            .form(&[("_csrf", csrf.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::CONFLICT, "{label}");
        for (lang, needle) in [
            (
                "en",
                "Last approval refused: warehouse WH-C, good stock holds only 2 of part PN-00000",
            ),
            (
                "zh-CN",
                "上次批准被拒绝：仓库 WH-C 的良品库存只有 2 件备件 PN-00000",
            ),
        ] {
            let html = page_in(
                &c,
                &format!("{}/planning?warehouse={}&part=PN-00000", s.base, regional.0),
                lang,
            )
            .await;
            let row = proposal_row(&html, ids0);
            assert!(row.contains(needle), "{label} {lang}: {row}");
        }
        // The source that can fill it is approved.
        let r = c
            .post(format!("{}/planning/proposals/{ids1}/approve", s.base))
            .form(&[("_csrf", csrf.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{label}");
    }
}

#[tokio::test]
async fn refused_planning_forms_answer_with_a_client_error_status() {
    for db in each_backend().await.unwrap() {
        let label = db.label;
        let s = start(db).await;
        let f = seed(&s.app, 1).await;
        manual_levels(&s, f.central, &f.parts, 5, 10).await;
        let (c, csrf) = login(&s, "wh").await;
        for (field, value) in [
            ("target_fill", "95"),
            ("periods", "abc"),
            ("holding_rate_pct", "20.5"),
            ("bucket", "day"),
        ] {
            let r = c
                .post(format!("{}/planning/run", s.base))
                .header("accept-language", "en")
                .form(&[("_csrf", csrf.as_str()), (field, value)])
                .send()
                .await
                .unwrap();
            assert_eq!(
                r.status(),
                StatusCode::UNPROCESSABLE_ENTITY,
                "{label} {field}={value}"
            );
            let html = r.text().await.unwrap();
            assert!(html.contains(&format!("{field}: ")), "{label}: {html}");
        }
        let api = reqwest::Client::new();
        let (status, _) = get(&api, &s, &f.wh_token, "/api/v1/planning/runs/latest").await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{label}: a run happened");
        let r = post_run(&api, &s, &f.wh_token, &json!({"periods": 8})).await;
        assert_eq!(r.status(), StatusCode::CREATED, "{label}");
        let open = open_proposals(&api, &s, &f.wh_token).await;
        let id = open[0]["id"].as_i64().unwrap();
        // A rejection without a reason: 422; a purchase without a supplier: 409.
        let r = c
            .post(format!("{}/planning/proposals/{id}/reject", s.base))
            .form(&[("_csrf", csrf.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{label}");
        let r = c
            .post(format!("{}/planning/proposals/{id}/approve", s.base))
            .form(&[("_csrf", csrf.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::CONFLICT, "{label}");
        assert!(
            r.text().await.unwrap().contains("no supplier on record"),
            "{label}"
        );
        // Rejected twice: 409.
        let r = c
            .post(format!("{}/planning/proposals/{id}/reject", s.base))
            .form(&[("_csrf", csrf.as_str()), ("reason", "no")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{label}");
        let r = c
            .post(format!("{}/planning/proposals/{id}/reject", s.base))
            .form(&[("_csrf", csrf.as_str()), ("reason", "no")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::CONFLICT, "{label}");
        // limit=0 is refused like 5001, as the API refuses both.
        for (limit, lang, needle) in [
            ("0", "en", "limit: must be between 1 and 5000, got 0"),
            ("5001", "en", "limit: must be between 1 and 5000, got 5001"),
            ("0", "zh-CN", "每页行数：必须在 1 到 5000 之间，实际为 0"),
        ] {
            let r = c
                .get(format!("{}/planning?limit={limit}", s.base))
                .header("accept-language", lang)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{label} {limit}");
            let html = r.text().await.unwrap();
            assert!(html.contains(needle), "{label} {limit} {lang}: {html}");
            assert!(!html.contains("id=\"proposals\""), "{label} {limit}");
        }
    }
}

#[tokio::test]
async fn the_part_plan_shows_what_the_run_decided_past_end_of_production() {
    for db in each_backend().await.unwrap() {
        let label = db.label;
        // Monday 2026-01-05 02:00 UTC; ten weeks of issues follow.
        let clock = Arc::new(FixedClock::new(Instant(1_767_578_400_000)));
        let s = start_clocked(db, clock.clone()).await;
        let f = seed(&s.app, 3).await;
        let p = f.parts.clone();
        let w = f.central;
        stock_in(&s.app, &f, w, &p, 10).await;
        // PN-00000 out of production with service to come (a last-time buy), PN-00001 out
        // of production without an end of service (nothing can be bought), PN-00002 in
        // production.
        let mut tx = s.app.db.begin_write().await.unwrap();
        for (part, eop, eos) in [
            (p[0], Some("2025-01-01"), Some("2030-12-31")),
            (p[1], Some("2025-01-01"), None),
            (p[2], None, None),
        ] {
            aftercare_store::planning::link_supplier(&mut tx, part, f.supplier, 14)
                .await
                .unwrap();
            aftercare_store::planning::set_part_planning(&mut tx, part, 14, eop, eos)
                .await
                .unwrap();
        }
        tx.commit().await.unwrap();
        for week in 0..10 {
            clock.advance_minutes(7 * 24 * 60);
            for (i, &part) in p.iter().enumerate() {
                s.app
                    .stock_execute(
                        &Actor::Cli,
                        None,
                        Command::Issue {
                            warehouse: w,
                            part,
                            qty: Qty::new(1).unwrap(),
                            consumer: Consumer::Ticket(TicketId(100 * i as i64 + week)),
                            reservation: None,
                            approved_by: None,
                        },
                    )
                    .await
                    .unwrap();
            }
        }
        let api = reqwest::Client::new();
        let r = post_run(&api, &s, &f.wh_token, &json!({"periods": 26})).await;
        assert_eq!(r.status(), StatusCode::CREATED, "{label}");
        let open = open_proposals(&api, &s, &f.wh_token).await;
        let of = |part: aftercare_domain::PartId| -> Vec<Value> {
            open.iter()
                .filter(|r| r["part_id"] == part.0)
                .cloned()
                .collect()
        };
        let ltb = of(p[0]);
        assert_eq!(ltb.len(), 1, "{label}: {open:?}");
        assert_eq!(ltb[0]["kind"], "last_time_buy", "{label}");
        assert!(of(p[1]).is_empty(), "{label}: {open:?}");
        let plan_of = |part: aftercare_domain::PartId| {
            let api = api.clone();
            let token = f.wh_token.clone();
            let s = &s;
            async move {
                let (status, plan) = get(
                    &api,
                    s,
                    &token,
                    &format!("/api/v1/planning/items/{}/{}", w.0, part.0),
                )
                .await;
                assert_eq!(status, StatusCode::OK, "{plan}");
                plan
            }
        };
        // The last-time buy: its quantity and reason, the position now says the same.
        let plan = plan_of(p[0]).await;
        assert_eq!(plan["past_end_of_production"], true, "{label}: {plan}");
        assert_eq!(plan["end_of_service_on"], "2030-12-31", "{label}: {plan}");
        assert_eq!(
            plan["last_time_buy"]["quantity"], ltb[0]["qty"],
            "{label}: {plan}"
        );
        assert_eq!(
            plan["last_time_buy"]["reason"], ltb[0]["reason"],
            "{label}: {plan}"
        );
        assert_eq!(plan["reason"], ltb[0]["reason"], "{label}: {plan}");
        assert_eq!(plan["decision"]["kind"], "last_time_buy", "{label}: {plan}");
        // Past end of production without an end of service: no order, and why.
        let plan = plan_of(p[1]).await;
        let reason = plan["reason"].as_str().unwrap();
        assert!(
            !reason.contains("order up to")
                && reason.ends_with("not ordered: past end of production"),
            "{label}: {plan}"
        );
        assert!(
            plan["why"]
                .as_str()
                .unwrap()
                .ends_with("; past end of production: no purchase, and no last-time buy until an end of service is set"),
            "{label}: {plan}"
        );
        assert_eq!(plan["last_time_buy"], Value::Null, "{label}: {plan}");
        assert_eq!(plan["decision"], Value::Null, "{label}: {plan}");
        let stored = aftercare_store::planning::item(&s.app.db, w, p[1])
            .await
            .unwrap()
            .unwrap();
        assert_eq!(plan["why"], stored.why, "{label}: the run's why");
        // In production: the netting, as before.
        let plan = plan_of(p[2]).await;
        assert_eq!(plan["past_end_of_production"], false, "{label}: {plan}");
        assert_eq!(plan["last_time_buy"], Value::Null, "{label}: {plan}");

        // The page, in both languages.
        let (c, _) = login(&s, "wh").await;
        let url = format!("{}/planning/items/{}/{}", s.base, w.0, p[0].0);
        let html = page_in(&c, &url, "en").await;
        assert!(
            html.contains("end of production 2025-01-01 (past) · end of service 2030-12-31"),
            "{label}: {html}"
        );
        assert!(
            html.contains(&format!(
                "id=\"plan-last-time-buy\">{} units — last-time buy before end of service: ",
                ltb[0]["qty"]
            )),
            "{label}: {html}"
        );
        let html = page_in(&c, &url, "zh-CN").await;
        assert!(
            html.contains("停产日期 2025-01-01（已过）"),
            "{label}: {html}"
        );
        assert!(
            html.contains("id=\"plan-netting\">停止服务前的末次采购："),
            "{label}: {html}"
        );
        let url = format!("{}/planning/items/{}/{}", s.base, w.0, p[1].0);
        let html = page_in(&c, &url, "zh-CN").await;
        assert!(html.contains("不订货：已过停产日期"), "{label}: {html}");
        assert!(!html.contains("id=\"plan-last-time-buy\""), "{label}");
    }
}

/// The start of each period, as a planner counts them from `today`: `history` weeks (of 7
/// days, the last ending yesterday) or calendar months (the last complete month last),
/// then `forecast` periods from today's week or this month on.
fn expected_starts(
    today: chrono::NaiveDate,
    month: bool,
    history: usize,
    forecast: usize,
) -> Vec<String> {
    let step = |from: chrono::NaiveDate, k: i64| -> chrono::NaiveDate {
        if month {
            let months = from.year() as i64 * 12 + from.month0() as i64 + k;
            chrono::NaiveDate::from_ymd_opt(
                months.div_euclid(12) as i32,
                months.rem_euclid(12) as u32 + 1,
                1,
            )
            .unwrap()
        } else {
            from + chrono::Duration::days(7 * k)
        }
    };
    let this = if month {
        today.with_day(1).unwrap()
    } else {
        today
    };
    (-(history as i64)..forecast as i64)
        .map(|k| step(this, k).format("%Y-%m-%d").to_string())
        .collect()
}

#[tokio::test]
async fn the_part_plan_dates_its_periods_and_marks_today() {
    for db in each_backend().await.unwrap() {
        let label = db.label;
        // Monday 2026-01-05 02:00 UTC; 3 units issued on 2026-02-10, 2 on 2026-03-04,
        // and the plan asked for on Wednesday 2026-03-18.
        let clock = Arc::new(FixedClock::new(Instant(1_767_578_400_000)));
        let s = start_clocked(db, clock.clone()).await;
        let f = seed(&s.app, 1).await;
        stock_in(&s.app, &f, f.central, &f.parts, 50).await;
        let part = f.parts[0];
        for (days, qty) in [(36, 3), (22, 2)] {
            clock.advance_minutes(days * 24 * 60);
            s.app
                .stock_execute(
                    &Actor::Cli,
                    None,
                    Command::Issue {
                        warehouse: f.central,
                        part,
                        qty: Qty::new(qty).unwrap(),
                        consumer: Consumer::Ticket(TicketId(100 + days)),
                        reservation: None,
                        approved_by: None,
                    },
                )
                .await
                .unwrap();
        }
        clock.advance_minutes(14 * 24 * 60);
        let today =
            chrono::DateTime::from_timestamp_millis(aftercare_app::Clock::now(clock.as_ref()).0)
                .unwrap()
                .date_naive();
        assert_eq!(today.to_string(), "2026-03-18", "{label}");
        let api = reqwest::Client::new();
        let item = format!("/api/v1/planning/items/{}/{}", f.central.0, part.0);
        let (c, _) = login(&s, "wh").await;
        let page_url = format!("{}/planning/items/{}/{}", s.base, f.central.0, part.0);

        for (bucket, month) in [("week", false), ("month", true)] {
            // The API: a start for every period, history then forecast.
            let (status, plan) = get(
                &api,
                &s,
                &f.wh_token,
                &format!("{item}?bucket={bucket}&periods=8"),
            )
            .await;
            assert_eq!(status, StatusCode::OK, "{label}: {plan}");
            let history = plan["history"].as_array().unwrap().len();
            let forecast = plan["forecast"].as_array().unwrap().len();
            assert_eq!(history, 8, "{label} {bucket}");
            assert!(forecast > 0, "{label} {bucket}: {plan}");
            let starts: Vec<String> = plan["period_starts"]
                .as_array()
                .unwrap_or_else(|| panic!("{label} {bucket}: no period_starts: {plan}"))
                .iter()
                .map(|d| d.as_str().unwrap().to_string())
                .collect();
            let want = expected_starts(today, month, history, forecast);
            assert_eq!(starts, want, "{label} {bucket}");
            // Where the issues fell: the week of 2026-02-04 and the one of 2026-03-04, or
            // February (March is this month, not history yet).
            let at = |date: &str| starts.iter().position(|d| d == date).unwrap();
            let qty = |i: usize| plan["history"][i].as_f64().unwrap();
            if month {
                assert_eq!(starts[0], "2025-07-01", "{label}");
                assert_eq!(starts[history], "2026-03-01", "{label}");
                assert_eq!(qty(at("2026-02-01")), 3.0, "{label}: {plan}");
            } else {
                assert_eq!(starts[0], "2026-01-21", "{label}");
                assert_eq!(starts[history], "2026-03-18", "{label}");
                assert_eq!(qty(at("2026-02-04")), 3.0, "{label}: {plan}");
                assert_eq!(qty(at("2026-03-04")), 2.0, "{label}: {plan}");
            }

            // The page (the default periods): the same dates, under the axis and on the bars.
            let (_, plan) = get(&api, &s, &f.wh_token, &format!("{item}?bucket={bucket}")).await;
            let starts: Vec<&str> = plan["period_starts"]
                .as_array()
                .unwrap()
                .iter()
                .map(|d| d.as_str().unwrap())
                .collect();
            // The forecast starts today by week, at the start of this month by month.
            let labels = if month {
                [("en", "this month"), ("zh-CN", "本月")]
            } else {
                [("en", "today"), ("zh-CN", "今天")]
            };
            for (lang, today_label) in labels {
                let html = page_in(&c, &format!("{page_url}?bucket={bucket}"), lang).await;
                let svg = &html[html.find("<svg class=\"chart\"").unwrap()..];
                let svg = &svg[..svg.find("</svg>").unwrap()];
                assert!(!svg.contains("<script"), "{label}");
                let ticks = svg.matches("class=\"tick\"").count();
                assert!(
                    (2..=8).contains(&ticks),
                    "{label} {bucket}: {ticks} ticks: {svg}"
                );
                let first = if month { &starts[0][..7] } else { starts[0] };
                assert!(
                    svg.contains(&format!("class=\"tick\">{first}</text>")),
                    "{label} {bucket}: {svg}"
                );
                let feb = if month { "2026-02-01" } else { "2026-02-04" };
                assert!(
                    svg.contains(&format!("<title>{feb}: 3</title>")),
                    "{label} {bucket}: {svg}"
                );
                assert!(
                    svg.contains("class=\"today\"") && svg.contains("stroke-dasharray"),
                    "{label} {bucket}: {svg}"
                );
                assert!(
                    svg.contains(&format!("class=\"today-label\">{today_label}</text>")),
                    "{label} {bucket} {lang}: {svg}"
                );
            }
        }
    }
}

/// A regional warehouse `WH-R` replenished from `parent`.
async fn regional_child(
    s: &common::server::Server,
    parent: aftercare_domain::WarehouseId,
) -> aftercare_domain::WarehouseId {
    child_warehouse(s, "WH-R", "分库", None, parent).await
}

/// A station warehouse of the station `code`, replenished from `parent`.
async fn station_child(
    s: &common::server::Server,
    station_code: &str,
    code: &str,
    parent: aftercare_domain::WarehouseId,
) -> aftercare_domain::WarehouseId {
    use aftercare_store::org;
    let station = org::id_by_code(&s.app.db, org::Coded::Station, station_code)
        .await
        .unwrap()
        .unwrap();
    let station = aftercare_domain::StationId(station);
    child_warehouse(s, code, &format!("{code} 库"), Some(station), parent).await
}

/// A warehouse replenished from `parent`: a station's when `station` is set, else a
/// regional one.
async fn child_warehouse(
    s: &common::server::Server,
    code: &str,
    name: &str,
    station: Option<aftercare_domain::StationId>,
    parent: aftercare_domain::WarehouseId,
) -> aftercare_domain::WarehouseId {
    use aftercare_domain::org::WarehouseKind;
    let mut tx = s.app.db.begin_write().await.unwrap();
    let w = aftercare_store::org::insert_warehouse(
        &mut tx,
        &aftercare_store::org::NewWarehouse {
            code: code.into(),
            name: name.into(),
            kind: if station.is_some() {
                WarehouseKind::Station
            } else {
                WarehouseKind::Regional
            },
            parent_id: Some(parent),
            region_id: None,
            station_id: station,
            address: "x".into(),
            after_sales: true,
            active: true,
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    w
}

/// GET with a Bearer token: status, the `x-total-count` header and the JSON body.
async fn get_counted(
    c: &reqwest::Client,
    s: &common::server::Server,
    token: &str,
    path: &str,
) -> (StatusCode, Option<i64>, Value) {
    let r = c
        .get(format!("{}{path}", s.base))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = r.status();
    let total = r
        .headers()
        .get("x-total-count")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok());
    (status, total, r.json().await.unwrap_or(Value::Null))
}

/// The ids of a JSON list of proposals, in its order.
fn json_ids(v: &Value) -> Vec<i64> {
    v.as_array()
        .unwrap_or_else(|| panic!("not a list: {v}"))
        .iter()
        .map(|p| p["id"].as_i64().unwrap())
        .collect()
}

#[tokio::test]
async fn a_station_user_sees_its_own_warehouses_proposals_read_only_by_api_and_pages() {
    for db in each_backend().await.unwrap() {
        let label = db.label;
        let s = start(db).await;
        let f = seed(&s.app, 3).await;
        // Each station has a second warehouse replenished from the central one, with
        // manual levels: a run proposes transfers to both.
        let wa1 = station_child(&s, "ST-A", "WH-A1", f.central).await;
        let wb1 = station_child(&s, "ST-B", "WH-B1", f.central).await;
        manual_levels(&s, wa1, &f.parts, 5, 10).await;
        manual_levels(&s, wb1, &f.parts, 5, 10).await;
        stock_in(&s.app, &f, f.central, &f.parts, 4).await;
        let api = reqwest::Client::new();
        let r = post_run(&api, &s, &f.wh_token, &json!({"periods": 8})).await;
        assert_eq!(r.status(), StatusCode::CREATED, "{label}");
        let (_, total, all) =
            get_counted(&api, &s, &f.wh_token, "/api/v1/planning/proposals").await;
        let at = |w: aftercare_domain::WarehouseId| -> Vec<i64> {
            all.as_array()
                .unwrap()
                .iter()
                .filter(|p| p["warehouse_id"] == w.0)
                .map(|p| p["id"].as_i64().unwrap())
                .collect()
        };
        let (own, theirs) = (at(wa1), at(wb1));
        assert_eq!(own.len(), 3, "{label}: {all}");
        assert_eq!(theirs.len(), 3, "{label}: {all}");
        assert_eq!(total, Some(json_ids(&all).len() as i64), "{label}");

        // The list: exactly A's proposals, counted as such, paged.
        let (st, total, list) =
            get_counted(&api, &s, &f.sta_token, "/api/v1/planning/proposals").await;
        assert_eq!(st, StatusCode::OK, "{label}: {list}");
        assert_eq!(json_ids(&list), own, "{label}: {list}");
        assert_eq!(total, Some(3), "{label}");
        let (st, total, list) = get_counted(
            &api,
            &s,
            &f.sta_token,
            "/api/v1/planning/proposals?limit=1&offset=1",
        )
        .await;
        assert_eq!(st, StatusCode::OK, "{label}");
        assert_eq!(json_ids(&list), own[1..2], "{label}: {list}");
        assert_eq!(total, Some(3), "{label}");
        let (_, _, list) = get_counted(
            &api,
            &s,
            &f.sta_token,
            &format!("/api/v1/planning/proposals?warehouse={}", wa1.0),
        )
        .await;
        assert_eq!(json_ids(&list), own, "{label}: {list}");
        // The filters also take the names the rows carry (`warehouse_id`, `part_id`, as the
        // stock API's filters): a planner's list is narrowed, not every warehouse's.
        let (_, named, by_id) = get_counted(
            &api,
            &s,
            &f.wh_token,
            &format!("/api/v1/planning/proposals?warehouse_id={}", wa1.0),
        )
        .await;
        assert_eq!(json_ids(&by_id), own, "{label}: {by_id}");
        assert_eq!(named, Some(own.len() as i64), "{label}");
        let part = by_id[0]["part_id"].as_i64().unwrap();
        let (_, _, by_part) = get_counted(
            &api,
            &s,
            &f.wh_token,
            &format!(
                "/api/v1/planning/proposals?warehouse_id={}&part_id={part}",
                wa1.0
            ),
        )
        .await;
        assert!(
            !json_ids(&by_part).is_empty()
                && by_part
                    .as_array()
                    .unwrap()
                    .iter()
                    .all(|r| r["part_id"].as_i64() == Some(part)),
            "{label}: {by_part}"
        );
        // The source filter counts only sources whose stock it sees: the central warehouse
        // (4 units of each part, 10 proposed) is not one of them.
        let (_, _, short) = get_counted(
            &api,
            &s,
            &f.wh_token,
            "/api/v1/planning/proposals?source=short",
        )
        .await;
        assert!(
            own.iter().all(|id| json_ids(&short).contains(id)),
            "{label}: {short}"
        );
        for source in ["short", "can_fill"] {
            let (st, total, list) = get_counted(
                &api,
                &s,
                &f.sta_token,
                &format!("/api/v1/planning/proposals?source={source}"),
            )
            .await;
            assert_eq!(st, StatusCode::OK, "{label}");
            assert_eq!((total, list), (Some(0), json!([])), "{label}: {source}");
        }
        // B's warehouse (or the central one) does not exist for A, as on the stock pages.
        for w in [wb1, f.wb, f.central] {
            let (st, total, body) = get_counted(
                &api,
                &s,
                &f.sta_token,
                &format!("/api/v1/planning/proposals?warehouse={}", w.0),
            )
            .await;
            assert_eq!(st, StatusCode::NOT_FOUND, "{label}: {body}");
            assert_eq!(total, None, "{label}");
            assert!(!body.to_string().contains("WH-B1"), "{label}: {body}");
        }
        // One proposal: its own; B's is not found, as a missing id is.
        let (st, one) = get(
            &api,
            &s,
            &f.sta_token,
            &format!("/api/v1/planning/proposals/{}", own[0]),
        )
        .await;
        assert_eq!(st, StatusCode::OK, "{label}: {one}");
        assert_eq!(one["warehouse_code"], "WH-A1", "{label}: {one}");
        let missing = json_ids(&all).into_iter().max().unwrap() + 1_000;
        let (_, gone) = get(
            &api,
            &s,
            &f.sta_token,
            &format!("/api/v1/planning/proposals/{missing}"),
        )
        .await;
        let (st, body) = get(
            &api,
            &s,
            &f.sta_token,
            &format!("/api/v1/planning/proposals/{}", theirs[0]),
        )
        .await;
        assert_eq!(st, StatusCode::NOT_FOUND, "{label}: {body}");
        assert_eq!(body["error"]["code"], gone["error"]["code"], "{label}");
        assert!(!body.to_string().contains("WH-B1"), "{label}: {body}");
        // The part's plan: at its own warehouse, with its proposals; B's not found.
        let part = f.parts[0].0;
        let (st, plan) = get(
            &api,
            &s,
            &f.sta_token,
            &format!("/api/v1/planning/items/{}/{part}", wa1.0),
        )
        .await;
        assert_eq!(st, StatusCode::OK, "{label}: {plan}");
        let listed = json_ids(&plan["proposals"]);
        assert!(
            !listed.is_empty() && listed.iter().all(|id| own.contains(id)),
            "{label}: {plan}"
        );
        for w in [wb1, f.central] {
            let (st, body) = get(
                &api,
                &s,
                &f.sta_token,
                &format!("/api/v1/planning/items/{}/{part}", w.0),
            )
            .await;
            assert_eq!(st, StatusCode::NOT_FOUND, "{label}: {body}");
        }
        // The latest run is named to it.
        let (st, run) = get(&api, &s, &f.sta_token, "/api/v1/planning/runs/latest").await;
        assert_eq!(st, StatusCode::OK, "{label}: {run}");

        // It cannot decide or run: 403, and nothing changes.
        for id in [own[0], theirs[0]] {
            let r = api
                .post(format!("{}/api/v1/planning/proposals/{id}/approve", s.base))
                .bearer_auth(&f.sta_token)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), StatusCode::FORBIDDEN, "{label}");
            let r = api
                .post(format!("{}/api/v1/planning/proposals/{id}/reject", s.base))
                .bearer_auth(&f.sta_token)
                .json(&json!({"reason": "不需要"}))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), StatusCode::FORBIDDEN, "{label}");
        }
        let r = post_run(&api, &s, &f.sta_token, &json!({})).await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{label}");
        for path in ["/api/v1/planning/successions", "/api/v1/planning/events"] {
            let (st, _) = get(&api, &s, &f.sta_token, path).await;
            assert_eq!(st, StatusCode::FORBIDDEN, "{label}: {path}");
        }
        // Station B sees its own, and A's id is not found for it.
        let (_, total, list) =
            get_counted(&api, &s, &f.stb_token, "/api/v1/planning/proposals").await;
        assert_eq!(json_ids(&list), theirs, "{label}: {list}");
        assert_eq!(total, Some(3), "{label}");
        let (st, _) = get(
            &api,
            &s,
            &f.stb_token,
            &format!("/api/v1/planning/proposals/{}", own[0]),
        )
        .await;
        assert_eq!(st, StatusCode::NOT_FOUND, "{label}");

        // The pages: A's proposals only, read-only, its warehouses in the filter.
        let (c, csrf) = login(&s, "sta").await;
        for (lang, nav) in [("zh-CN", "补货计划"), ("en", "Replenishment")] {
            let r = c
                .get(format!("{}/planning", s.base))
                .header("accept-language", lang)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), StatusCode::OK, "{label} {lang}");
            let html = r.text().await.unwrap();
            assert!(
                html.contains("data-nav=\"nav.planning\"") && html.contains(nav),
                "{label} {lang}: the nav lacks {nav}: {html}"
            );
            for id in &own {
                assert!(html.contains(&format!("data-proposal=\"{id}\"")), "{label}");
            }
            for id in &theirs {
                assert!(
                    !html.contains(&format!("data-proposal=\"{id}\"")),
                    "{label}"
                );
            }
            assert!(html.contains("1–3"), "{label} {lang}: {html}");
            for absent in [
                "/planning/run",
                "/approve\"",
                "/reject\"",
                "/planning/lifecycle",
                "WH-B1",
                "WH-B<",
                "WH-C<",
            ] {
                assert!(!html.contains(absent), "{label} {lang}: {absent} in {html}");
            }
            assert!(
                html.contains(&format!("value=\"{}\"", wa1.0)) && html.contains(">WH-A1<"),
                "{label} {lang}: {html}"
            );
            // A read-only note says why there are no buttons.
            assert!(html.contains("id=\"read-only\""), "{label} {lang}: {html}");
            assert!(!html.contains("id=\"f-source\""), "{label} {lang}");
        }
        let r = c
            .get(format!("{}/planning?warehouse={}", s.base, wb1.0))
            .send()
            .await
            .unwrap();
        assert!(r.status().is_client_error(), "{label}: {}", r.status());
        let html = r.text().await.unwrap();
        for id in &theirs {
            assert!(
                !html.contains(&format!("data-proposal=\"{id}\"")),
                "{label}"
            );
        }
        // The part's page at its own warehouse, without decide buttons; B's not found.
        let r = c
            .get(format!("{}/planning/items/{}/{part}", s.base, wa1.0))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{label}");
        let html = r.text().await.unwrap();
        assert!(html.contains("<svg class=\"chart\""), "{label}");
        assert!(html.contains(&format!("data-proposal=\"{}\"", listed[0])));
        assert!(!html.contains("/approve\"") && !html.contains("/reject\""));
        let r = c
            .get(format!("{}/planning/items/{}/{part}", s.base, wb1.0))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{label}");
        // Its forms are refused.
        for path in [
            format!("/planning/proposals/{}/approve", own[0]),
            format!("/planning/proposals/{}/reject", own[0]),
            "/planning/run".to_string(),
        ] {
            let r = c
                .post(format!("{}{path}", s.base))
                .form(&[("_csrf", csrf.as_str()), ("reason", "不需要")])
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), StatusCode::FORBIDDEN, "{label}: {path}");
        }
        let r = c
            .get(format!("{}/planning/lifecycle", s.base))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{label}");
        // Nothing changed.
        let (_, _, after) = get_counted(&api, &s, &f.wh_token, "/api/v1/planning/proposals").await;
        assert_eq!(after, all, "{label}");
        assert!(
            after
                .as_array()
                .unwrap()
                .iter()
                .all(|p| p["status"] == "open"),
            "{label}: {after}"
        );

        // Planners still see everything, with the run form and the decide buttons.
        let (wc, _) = login(&s, "wh").await;
        let html = page_in(&wc, &format!("{}/planning", s.base), "en").await;
        for id in own.iter().chain(&theirs) {
            assert!(html.contains(&format!("data-proposal=\"{id}\"")), "{label}");
        }
        assert!(html.contains("action=\"/planning/run\""), "{label}");
        assert!(
            html.contains(&format!("/planning/proposals/{}/approve\"", theirs[0])),
            "{label}"
        );
        assert!(html.contains("id=\"lifecycle-link\""), "{label}");
        assert!(!html.contains("id=\"read-only\""), "{label}");

        // A refused approval (the central warehouse holds 4 of the 10 units) is noted for
        // the planner; the station, which does not see the central warehouse's stock, is
        // not told what it holds.
        let r = api
            .post(format!(
                "{}/api/v1/planning/proposals/{}/approve",
                s.base, own[0]
            ))
            .bearer_auth(&f.wh_token)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::CONFLICT, "{label}");
        let path = format!("/api/v1/planning/proposals/{}", own[0]);
        let (_, seen) = get(&api, &s, &f.wh_token, &path).await;
        assert!(
            seen["approval_error"]
                .as_str()
                .is_some_and(|e| e.contains("holds only 4")),
            "{label}: {seen}"
        );
        let (_, seen) = get(&api, &s, &f.sta_token, &path).await;
        assert_eq!(seen["approval_error"], Value::Null, "{label}: {seen}");
        assert_eq!(seen["source_available"], Value::Null, "{label}: {seen}");
        let html = page_in(&c, &format!("{}/planning", s.base), "en").await;
        assert!(!html.contains("holds only"), "{label}: {html}");
    }
}

#[tokio::test]
async fn a_return_says_where_it_goes_by_api_and_pages_and_approving_ships_it_back() {
    for db in each_backend().await.unwrap() {
        let label = db.label;
        let clock = Arc::new(FixedClock::new(Instant(1_767_578_400_000)));
        let s = start_clocked(db, clock.clone()).await;
        let f = seed(&s.app, 1).await;
        // A regional warehouse received six units of a part it then never used.
        let regional = regional_child(&s, f.central).await;
        stock_in(&s.app, &f, regional, &f.parts, 6).await;
        clock.advance_minutes(60 * 7 * 24 * 60);
        let api = reqwest::Client::new();
        let r = post_run(&api, &s, &f.wh_token, &json!({"periods": 104})).await;
        assert_eq!(r.status(), StatusCode::CREATED, "{label}");
        let (status, list) = get(
            &api,
            &s,
            &f.wh_token,
            "/api/v1/planning/proposals?kind=return&status=open",
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{label}: {list}");
        let rows = list.as_array().unwrap();
        assert_eq!(rows.len(), 1, "{label}: {list}");
        let back = &rows[0];
        assert_eq!(
            (
                back["warehouse_id"].as_i64(),
                back["qty"].as_i64(),
                back["destination_warehouse_id"].as_i64(),
                back["source_warehouse_id"].as_i64(),
            ),
            (Some(regional.0), Some(6), Some(f.central.0), None),
            "{label}: {back}"
        );
        let id = back["id"].as_i64().unwrap();
        // The pages name the kind and where it goes, in both languages.
        let (c, csrf) = login(&s, "wh").await;
        for (lang, kind, to, why) in [
            ("en", "Return", "back to WH-C", "return 6 to WH-C"),
            ("zh-CN", "退回上级仓", "退回 WH-C", "退回 WH-C 6 件"),
        ] {
            let html = page_in(&c, &format!("{}/planning?kind=return", s.base), lang).await;
            let row = proposal_row(&html, id);
            assert!(
                row.contains(kind) && row.contains(to) && row.contains(why),
                "{label} {lang}: {row}"
            );
        }
        // An unknown kind is still refused, naming the kinds there are.
        let (status, body) = get(
            &api,
            &s,
            &f.wh_token,
            "/api/v1/planning/proposals?kind=refund",
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{label}: {body}");
        assert!(
            body.to_string().contains("emergency or return"),
            "{label}: {body}"
        );
        // Approving by the page ships the six units back up through the ledger.
        let r = c
            .post(format!("{}/planning/proposals/{id}/approve", s.base))
            .form(&[("_csrf", csrf.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{label}");
        let (_, one) = get(
            &api,
            &s,
            &f.wh_token,
            &format!("/api/v1/planning/proposals/{id}"),
        )
        .await;
        assert_eq!(
            (one["status"].as_str(), one["document_kind"].as_str()),
            (Some("approved"), Some("transfer")),
            "{label}: {one}"
        );
        let transfer = one["document_id"].as_i64().unwrap();
        let (status, road) = get(
            &api,
            &s,
            &f.wh_token,
            &format!("/api/v1/stock/in-transit?to_warehouse_id={}", f.central.0),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{label}: {road}");
        let road: Vec<(i64, i64, i64)> = road
            .as_array()
            .unwrap()
            .iter()
            .map(|t| {
                (
                    t["transfer_id"].as_i64().unwrap(),
                    t["from_warehouse_id"].as_i64().unwrap(),
                    t["qty"].as_i64().unwrap(),
                )
            })
            .collect();
        assert_eq!(road, vec![(transfer, regional.0, 6)], "{label}");
    }
}

#[tokio::test]
async fn ticked_proposals_are_approved_together_by_api_and_page() {
    for db in each_backend().await.unwrap() {
        let label = db.label;
        let s = start(db).await;
        let f = seed(&s.app, 4).await;
        // Manual levels at central for every part, all from one supplier: four purchases.
        let mut tx = s.app.db.begin_write().await.unwrap();
        for &p in &f.parts {
            master::set_levels(
                &mut tx,
                f.central,
                p,
                StockLevels::new(Qty::new(5).unwrap(), Some(Qty::new(10).unwrap())).unwrap(),
            )
            .await
            .unwrap();
            aftercare_store::planning::link_supplier(&mut tx, p, f.supplier, 10)
                .await
                .unwrap();
        }
        tx.commit().await.unwrap();
        let api = reqwest::Client::new();
        let r = post_run(&api, &s, &f.wh_token, &json!({"periods": 8})).await;
        assert_eq!(r.status(), StatusCode::CREATED, "{label}");
        let (_, list) = get(
            &api,
            &s,
            &f.wh_token,
            "/api/v1/planning/proposals?status=open",
        )
        .await;
        let ids: Vec<i64> = list
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].as_i64().unwrap())
            .collect();
        assert_eq!(ids.len(), 4, "{label}: {list}");
        let values: Vec<i64> = list
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["value"].as_i64().unwrap())
            .collect();
        let approve = |token: &str, body: Value| {
            api.post(format!("{}/api/v1/planning/proposals/approve", s.base))
                .bearer_auth(token.to_string())
                .json(&body)
                .send()
        };

        // Refused without changing anything: a station user, no ids, an unknown id.
        let r = approve(&f.sta_token, json!({"ids": ids})).await.unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{label}");
        let r = approve(&f.wh_token, json!({"ids": []})).await.unwrap();
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{label}");
        let r = approve(&f.wh_token, json!({"ids": [ids[0], 999_999]}))
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{label}");
        let r = approve(&f.wh_token, json!({"ids": [ids[0]], "all": true}))
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{label}");
        let (_, one) = get(
            &api,
            &s,
            &f.wh_token,
            &format!("/api/v1/planning/proposals/{}", ids[0]),
        )
        .await;
        assert_eq!(one["status"], "open", "{label}");

        // The page: every open row can be ticked; two ticked rows become one order.
        let (c, csrf) = login(&s, "wh").await;
        let html = page_in(&c, &format!("{}/planning?status=open", s.base), "en").await;
        // Each box carries its value (minor units) for the confirmation (app.js).
        for (id, value) in ids.iter().zip(&values) {
            assert!(
                html.contains(&format!(
                    "name=\"id\" value=\"{id}\" data-value=\"{value}\" form=\"approve-selected\""
                )),
                "{label}: no box for {id}"
            );
        }
        assert!(
            html.contains("data-check-all=\"approve-selected\""),
            "{label}"
        );
        assert!(
            html.contains(
                "data-confirm-selected=\"Approve the {n} selected proposals, worth {value}?\""
            ),
            "{label}: the confirmation's text"
        );
        let form = [
            ("_csrf", csrf.as_str()),
            // Only the list's filters are taken from `back`: no other host, no other path.
            (
                "back",
                "https://evil.example//planning?status=open&kind=purchase&offset=9",
            ),
            ("id", &ids[0].to_string()),
            ("id", &ids[1].to_string()),
        ];
        let r = c
            .post(format!("{}/planning/proposals/approve", s.base))
            .form(&form)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{label}");
        let to = r.headers()["location"].to_str().unwrap().to_string();
        assert_eq!(
            to, "/planning?status=open&kind=purchase&offset=0&approved=2&documents=1",
            "{label}"
        );
        let html = page_in(&c, &format!("{}{to}", s.base), "zh-CN").await;
        assert!(
            html.contains("已批准 2 条建议，生成 1 张单据"),
            "{label}: no notice"
        );
        let (_, v0) = get(
            &api,
            &s,
            &f.wh_token,
            &format!("/api/v1/planning/proposals/{}", ids[0]),
        )
        .await;
        let (_, v1) = get(
            &api,
            &s,
            &f.wh_token,
            &format!("/api/v1/planning/proposals/{}", ids[1]),
        )
        .await;
        assert_eq!(
            (&v0["status"], &v1["status"]),
            (&json!("approved"), &json!("approved"))
        );
        assert_eq!(
            v0["document_id"], v1["document_id"],
            "{label}: two documents"
        );

        // The API: one already approved is listed as refused, the other goes through.
        let r = approve(&f.wh_token, json!({"ids": [ids[1], ids[2], ids[3]]}))
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{label}");
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["approved"], 2, "{label}: {body}");
        assert_eq!(body["documents"].as_array().unwrap().len(), 1, "{label}");
        assert_eq!(body["documents"][0]["document_kind"], "purchase_order");
        let mut carried: Vec<i64> = body["documents"][0]["proposal_ids"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_i64().unwrap())
            .collect();
        carried.sort();
        let mut expected = vec![ids[2], ids[3]];
        expected.sort();
        assert_eq!(carried, expected, "{label}");
        assert_eq!(body["refused"][0]["proposal_id"], ids[1], "{label}: {body}");
        assert_eq!(
            body["refused"][0]["error"]["code"], "planning.proposal_not_open",
            "{label}: {body}"
        );
        assert!(
            body["refused"][0]["part_number"]
                .as_str()
                .is_some_and(|p| p.starts_with("PN-")),
            "{label}: {body}"
        );

        // The page with nothing left to approve: 409, each proposal named with why.
        let r = c
            .post(format!("{}/planning/proposals/approve", s.base))
            .header("accept-language", "en")
            .form(&[("_csrf", csrf.as_str()), ("id", &ids[3].to_string())])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::CONFLICT, "{label}");
        let html = r.text().await.unwrap();
        assert!(html.contains("Not approved (1):"), "{label}");
        assert!(
            html.contains(" @ WH-C") && html.contains("not open"),
            "{label}: no line naming the proposal"
        );
        // A tick that is not an id is named.
        let r = c
            .post(format!("{}/planning/proposals/approve", s.base))
            .form(&[("_csrf", csrf.as_str()), ("id", "x1")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{label}");
        assert!(r.text().await.unwrap().contains("x1"), "{label}");
        // A tick of no proposal is named (404), and counts written into `back` say nothing:
        // only this approval's own answer does.
        let r = c
            .post(format!("{}/planning/proposals/approve", s.base))
            .header("accept-language", "en")
            .form(&[
                ("_csrf", csrf.as_str()),
                ("id", "987654"),
                ("back", "/planning?status=open&approved=999&documents=7"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{label}");
        let html = r.text().await.unwrap();
        assert!(
            html.contains("proposal 987654 not found"),
            "{label}: {html}"
        );
        assert!(!html.contains("Approved: 999"), "{label}: {html}");
        // A bad filter in `back` does not hide why the form was refused.
        let r = c
            .post(format!("{}/planning/proposals/approve", s.base))
            .header("accept-language", "en")
            .form(&[
                ("_csrf", csrf.as_str()),
                ("id", &ids[3].to_string()),
                ("back", "/planning?status=bogus"),
            ])
            .send()
            .await
            .unwrap();
        // The refusal's status (409), not the bad filter's (400).
        assert_eq!(r.status(), StatusCode::CONFLICT, "{label}");
        let html = r.text().await.unwrap();
        assert!(
            html.contains("not open") && html.contains("status: must be"),
            "{label}: {html}"
        );
    }
}

#[tokio::test]
async fn the_proposal_list_sorts_and_says_what_its_filter_is_worth() {
    for db in each_backend().await.unwrap() {
        let label = db.label;
        let s = start(db).await;
        let f = seed(&s.app, 3).await;
        // Three purchases of different sizes at the (empty) central warehouse.
        for (i, max) in [10, 30, 20].into_iter().enumerate() {
            manual_levels(&s, f.central, &f.parts[i..=i], 5, max).await;
        }
        let api = reqwest::Client::new();
        let r = post_run(&api, &s, &f.wh_token, &json!({"periods": 8})).await;
        assert_eq!(r.status(), StatusCode::CREATED, "{label}");
        let mut lists = std::collections::HashMap::new();
        for sort in ["newest", "need_by", "value", "warehouse", "part"] {
            let path = format!("/api/v1/planning/proposals?status=open&sort={sort}");
            let (status, list) = get(&api, &s, &f.wh_token, &path).await;
            assert_eq!(status, StatusCode::OK, "{label} {sort}: {list}");
            lists.insert(sort, list.as_array().unwrap().clone());
        }
        let field = |sort: &str, key: &str| -> Vec<Value> {
            lists[sort].iter().map(|p| p[key].clone()).collect()
        };
        let values: Vec<i64> = field("value", "value")
            .iter()
            .map(|v| v.as_i64().unwrap())
            .collect();
        assert!(values.len() >= 3, "{label}: {values:?}");
        assert!(
            values.windows(2).all(|w| w[0] >= w[1]) && values[0] > values[values.len() - 1],
            "{label}: worth most first: {values:?}"
        );
        let numbers: Vec<String> = field("part", "part_number")
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect();
        assert!(
            numbers.windows(2).all(|w| w[0] <= w[1]),
            "{label}: {numbers:?}"
        );
        let need: Vec<i64> = field("need_by", "need_by")
            .iter()
            .map(|v| v.as_i64().unwrap())
            .collect();
        assert!(need.windows(2).all(|w| w[0] <= w[1]), "{label}: {need:?}");
        let codes: Vec<String> = field("warehouse", "warehouse_code")
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect();
        assert!(codes.windows(2).all(|w| w[0] <= w[1]), "{label}: {codes:?}");
        // Every order lists the same proposals.
        let ids = |sort: &str| {
            let mut v: Vec<i64> = field(sort, "id")
                .iter()
                .map(|i| i.as_i64().unwrap())
                .collect();
            v.sort();
            v
        };
        let all = ids("newest");
        for sort in ["need_by", "value", "warehouse", "part"] {
            assert_eq!(ids(sort), all, "{label} {sort}");
        }
        // A bad order is named, by the API and on the page.
        let (status, body) = get(
            &api,
            &s,
            &f.wh_token,
            "/api/v1/planning/proposals?sort=cheapest",
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{label}: {body}");
        assert!(body.to_string().contains("sort"), "{label}: {body}");
        let (c, _) = login(&s, "wh").await;
        let r = c
            .get(format!("{}/planning?sort=cheapest", s.base))
            .header("accept-language", "en")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{label}");
        let html = r.text().await.unwrap();
        assert!(html.contains("sort: must be newest"), "{label}: {html}");

        // The page: worth most first, what the whole filter is worth, and the next page in
        // the same order.
        let total: i64 = values.iter().sum();
        let html = page_in(
            &c,
            &format!("{}/planning?status=open&sort=value&limit=1", s.base),
            "en",
        )
        .await;
        let worth = format!(
            "open ones worth {}.{:02} together",
            total / 100,
            total % 100
        );
        assert!(html.contains(&worth), "{label}: {worth}: {html}");
        // Only open proposals are added up (other statuses commit nothing).
        let all = page_in(&c, &format!("{}/planning?sort=value", s.base), "en").await;
        assert!(all.contains("Showing 1–"), "{label}: {all}");
        assert!(!all.contains("open ones worth"), "{label}: {all}");
        let top = lists["value"][0]["part_number"].as_str().unwrap();
        let bottom = lists["value"][values.len() - 1]["part_number"]
            .as_str()
            .unwrap();
        assert!(
            html.contains(&format!("<code>{top}</code>")),
            "{label}: {html}"
        );
        assert!(
            !html.contains(&format!("<code>{bottom}</code>")),
            "{label}: one row"
        );
        assert!(
            html.contains("href=\"/planning?status=open&#38;sort=value&#38;limit=1&#38;offset=1\""),
            "{label}: {html}"
        );
        assert!(
            html.contains("<option value=\"value\" selected>"),
            "{label}: the order chosen"
        );
    }
}

#[tokio::test]
async fn planning_pages_show_dates_on_the_companys_calendar() {
    for db in each_backend().await.unwrap() {
        let label = db.label;
        // 2026-01-05 18:30 UTC: 02:30 on 6 January in Beijing (the default time zone).
        let clock = Arc::new(FixedClock::new(Instant(
            1_767_578_400_000 + 16 * 3_600_000 + 30 * 60_000,
        )));
        let s = start_clocked(db, clock.clone()).await;
        let f = seed(&s.app, 2).await;
        let (w, p) = (f.central, f.parts.clone());
        let mut tx = s.app.db.begin_write().await.unwrap();
        // PN-00000's end of production is today in Beijing (still tomorrow in UTC).
        aftercare_store::planning::set_part_planning(&mut tx, p[0], 14, Some("2026-01-06"), None)
            .await
            .unwrap();
        // PN-00001 is ordered by its manual levels, 14 days ahead.
        aftercare_store::planning::set_part_planning(&mut tx, p[1], 14, None, None)
            .await
            .unwrap();
        master::set_levels(
            &mut tx,
            w,
            p[1],
            StockLevels::new(Qty::new(5).unwrap(), Some(Qty::new(10).unwrap())).unwrap(),
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        let (c, csrf) = login(&s, "wh").await;
        let item = format!("{}/planning/items/{}/{}", s.base, w.0, p[0].0);
        let html = page_in(&c, &item, "en").await;
        assert!(
            html.contains("end of production 2026-01-06 (past)"),
            "{label}: {html}"
        );
        let api = reqwest::Client::new();
        let r = post_run(&api, &s, &f.wh_token, &json!({"periods": 8})).await;
        assert_eq!(r.status(), StatusCode::CREATED, "{label}");
        // Needed by 2026-01-19 18:30 UTC: the 20th in Beijing, the 19th in New York.
        let list = format!("{}/planning?status=open", s.base);
        let html = page_in(&c, &list, "en").await;
        assert!(html.contains("<td>2026-01-20</td>"), "{label}: {html}");
        let mut settings = s.app.company_settings().await.unwrap();
        settings.time_zone = "America/New_York".into();
        s.app
            .update_company_settings(&Actor::Cli, settings)
            .await
            .unwrap();
        let html = page_in(&c, &list, "en").await;
        assert!(html.contains("<td>2026-01-19</td>"), "{label}: {html}");
        assert!(!html.contains("<td>2026-01-20</td>"), "{label}: {html}");
        // A body that is not a form is refused (415) and approves nothing.
        let open = open_proposals(&api, &s, &f.wh_token).await;
        let id = open[0]["id"].as_i64().unwrap();
        for path in [
            format!("/planning/proposals/{id}/approve"),
            "/planning/proposals/approve".to_string(),
        ] {
            let r = c
                .post(format!("{}{path}", s.base))
                .header("x-csrf-token", csrf.as_str())
                .header("content-type", "application/json")
                .body(format!("{{\"id\": {id}, \"back\": \"x\"}}"))
                .send()
                .await
                .unwrap();
            assert_eq!(
                r.status(),
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "{label}: {path}"
            );
        }
        assert_eq!(
            open_proposals(&api, &s, &f.wh_token).await.len(),
            open.len()
        );
        // There it is still the 5th: the end of production is tomorrow.
        let html = page_in(&c, &item, "en").await;
        assert!(
            html.contains("end of production 2026-01-06")
                && !html.contains("end of production 2026-01-06 (past)"),
            "{label}: {html}"
        );
    }
}
