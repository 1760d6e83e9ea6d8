//! Planning through the real HTTP server on a random port (SQLite, and PostgreSQL when
//! `AFTERCARE_TEST_POSTGRES_URL` is set): run, list, approve and reject by API and by the
//! pages, the part plan page with its chart, and who may see it.

mod common {
    pub mod server;
    pub mod stock_fixture;
}

use aftercare_domain::part::StockLevels;
use aftercare_domain::stock::Qty;
use aftercare_store::stock::master;
use aftercare_store::testing::each_backend;
use common::server::{login, start};
use common::stock_fixture::{seed, stock_in};
use reqwest::StatusCode;
use serde_json::{Value, json};

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
        let r = api
            .post(format!("{}/api/v1/planning/runs", s.base))
            .bearer_auth(&f.sta_token)
            .json(&json!({}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{label}");

        // Bad settings: 422 naming the field.
        let r = api
            .post(format!("{}/api/v1/planning/runs", s.base))
            .bearer_auth(&f.wh_token)
            .json(&json!({"bucket": "fortnight"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{label}");
        let body: Value = r.json().await.unwrap();
        assert!(
            body["error"]["details"].to_string().contains("bucket"),
            "{body}"
        );

        let r = api
            .post(format!("{}/api/v1/planning/runs", s.base))
            .bearer_auth(&f.wh_token)
            .json(&json!({"bucket": "week", "periods": 8}))
            .send()
            .await
            .unwrap();
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
        let r = api
            .post(format!("{}/api/v1/planning/runs", s.base))
            .bearer_auth(&f.wh_token)
            .json(&json!({"periods": 8}))
            .send()
            .await
            .unwrap();
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
        let r = c
            .post(format!("{}/planning/proposals/{first}/approve", s.base))
            .form(&[("_csrf", csrf.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{label}");
        let r = c
            .post(format!("{}/planning/proposals/{second}/reject", s.base))
            .form(&[("_csrf", csrf.as_str()), ("reason", "等下月集中采购")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{label}");
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

        // A station user does not see the planning pages.
        let (sc, _) = login(&s, "sta").await;
        let r = sc.get(format!("{}/planning", s.base)).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{label}");
    }
}
