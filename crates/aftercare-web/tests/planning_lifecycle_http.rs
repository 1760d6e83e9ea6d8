//! Successor parts and demand events (recalls) through the real HTTP server on a random
//! port (SQLite, and PostgreSQL when `AFTERCARE_TEST_POSTGRES_URL` is set): the API, the
//! lifecycle page and its forms, bad input, who may change them, and a run that uses them.

mod common {
    pub mod server;
    pub mod stock_fixture;
}

use aftercare_store::testing::each_backend;
use common::server::{get, login, post, put, start};
use common::stock_fixture::seed;
use reqwest::StatusCode;
use serde_json::{Value, json};

const PATH: &str = "/api/v1/planning/successions";

fn field(body: &Value) -> String {
    body["error"]["details"]["fields"][0]["field"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

#[tokio::test]
async fn planners_record_successions_and_recalls_by_api_and_page() {
    for db in each_backend().await.unwrap() {
        let label = db.label;
        let s = start(db).await;
        let f = seed(&s.app, 3).await;
        let api = reqwest::Client::new();

        // Successions: record, list, bad input (422 naming the field), station users refused.
        let (st, body) = put(
            &api,
            &s,
            &f.wh_token,
            PATH,
            json!({"predecessor": "PN-00000", "successor": "PN-00001", "share_pct": 60}),
        )
        .await;
        assert_eq!(st, StatusCode::OK, "{label}: {body}");
        assert_eq!(body["share_pct"], 60);
        assert_eq!(body["successor"], "PN-00001");
        for (bad, name) in [
            (
                json!({"predecessor": "PN-00001", "successor": "PN-00000"}),
                "successor",
            ),
            (
                json!({"predecessor": "PN-00002", "successor": "PN-99999"}),
                "successor",
            ),
            (
                json!({"predecessor": "PN-00002", "successor": "PN-00000", "share_pct": 0}),
                "share_pct",
            ),
        ] {
            let (st, body) = put(&api, &s, &f.wh_token, PATH, bad).await;
            assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{label}: {body}");
            assert_eq!(field(&body), name, "{label}: {body}");
        }
        let (st, _) = put(
            &api,
            &s,
            &f.sta_token,
            PATH,
            json!({"predecessor": "PN-00002", "successor": "PN-00000"}),
        )
        .await;
        assert_eq!(st, StatusCode::FORBIDDEN, "{label}");
        let (st, list) = get(&api, &s, &f.wh_token, PATH).await;
        assert_eq!(st, StatusCode::OK);
        assert_eq!(list.as_array().unwrap().len(), 1, "{label}: {list}");

        // Events: record, list, bad input, cancel, cancel again (409).
        let event = json!({
            "part_number": "PN-00002", "warehouse_id": f.wa.0, "name": "2026 电源召回",
            "starts_on": "2030-01-01", "ends_on": "2030-01-31",
            "affected_units": 40000, "replacement_rate": "0.015"
        });
        let (st, e) = post(
            &api,
            &s,
            &f.wh_token,
            "/api/v1/planning/events",
            None,
            event.clone(),
        )
        .await;
        assert_eq!(st, StatusCode::CREATED, "{label}: {e}");
        assert_eq!(e["parts_needed"], 600.0, "{label}: {e}");
        assert_eq!(e["status"], "active");
        let mut bad = event.clone();
        bad["replacement_rate"] = json!("1.5%");
        let (st, body) = post(&api, &s, &f.wh_token, "/api/v1/planning/events", None, bad).await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{label}");
        assert_eq!(field(&body), "replacement_rate", "{body}");
        let mut bad = event.clone();
        bad["ends_on"] = json!("2029-12-31");
        let (st, body) = post(&api, &s, &f.wh_token, "/api/v1/planning/events", None, bad).await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{label}");
        assert_eq!(field(&body), "ends_on", "{body}");
        let (st, _) = post(
            &api,
            &s,
            &f.sta_token,
            "/api/v1/planning/events",
            None,
            event.clone(),
        )
        .await;
        assert_eq!(st, StatusCode::FORBIDDEN, "{label}");
        let (_, all) = get(&api, &s, &f.wh_token, "/api/v1/planning/events").await;
        assert_eq!(all.as_array().unwrap().len(), 1, "{label}: {all}");
        let id = e["id"].as_i64().unwrap();
        let cancel = format!("/api/v1/planning/events/{id}/cancel");
        let (st, c) = post(&api, &s, &f.wh_token, &cancel, None, json!({})).await;
        assert_eq!(
            (st, c["status"].as_str()),
            (StatusCode::OK, Some("cancelled")),
            "{label}"
        );
        let (st, _) = post(&api, &s, &f.wh_token, &cancel, None, json!({})).await;
        assert_eq!(st, StatusCode::CONFLICT, "{label}");
        let (_, active) = get(&api, &s, &f.wh_token, "/api/v1/planning/events?active=true").await;
        assert!(active.as_array().unwrap().is_empty(), "{label}: {active}");

        // The page lists both, in Chinese, and its forms record and remove.
        let (c, csrf) = login(&s, "wh").await;
        let html = c
            .get(format!("{}/planning/lifecycle", s.base))
            .header("accept-language", "zh-CN")
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        for needle in [
            "替代件",
            "PN-00000",
            "60 %",
            "2026 电源召回",
            "600",
            "已取消",
        ] {
            assert!(html.contains(needle), "{label}: {needle} missing");
        }
        // The event form sent twice from one rendering (a double click) records one event.
        let form_key = html
            .split("name=\"form\" value=\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .unwrap()
            .to_string();
        for _ in 0..2 {
            let r = c
                .post(format!("{}/planning/events", s.base))
                .form(&[
                    ("_csrf", csrf.as_str()),
                    ("form", form_key.as_str()),
                    ("name", "Fan recall"),
                    ("part_number", "PN-00001"),
                    ("warehouse_id", &f.wb.0.to_string()),
                    ("starts_on", "2030-02-01"),
                    ("ends_on", "2030-02-28"),
                    ("affected_units", "1000"),
                    ("replacement_rate", "1"),
                ])
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), StatusCode::SEE_OTHER, "{label}");
        }
        let r = c
            .post(format!("{}/planning/successions", s.base))
            .form(&[
                ("_csrf", csrf.as_str()),
                ("predecessor", "PN-00002"),
                ("successor", "PN-00002"),
                ("share_pct", "100"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(
            r.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{label}: bad input shows the page again, with the API's status"
        );
        assert!(
            r.text().await.unwrap().contains("备件不能接替自身"),
            "{label}"
        );
        let r = c
            .post(format!("{}/planning/successions/PN-00000/remove", s.base))
            .form(&[("_csrf", csrf.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{label}");
        let (_, list) = get(&api, &s, &f.wh_token, PATH).await;
        assert!(list.as_array().unwrap().is_empty(), "{label}: {list}");
        // Removing what is not there, or for a part that does not exist, is not found.
        for path in ["PN-00000", "NOPE-1"] {
            let r = c
                .post(format!("{}/planning/successions/{path}/remove", s.base))
                .form(&[("_csrf", csrf.as_str())])
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), StatusCode::NOT_FOUND, "{label}: {path}");
        }
        // A number that cannot be a part's is bad input, not a missing part.
        let r = c
            .post(format!("{}/planning/successions/x*y/remove", s.base))
            .form(&[("_csrf", csrf.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{label}");
        let (_, active) = get(&api, &s, &f.wh_token, "/api/v1/planning/events?active=true").await;
        assert_eq!(active.as_array().unwrap().len(), 1, "{label}: {active}");
        assert_eq!(active[0]["name"], "Fan recall", "{label}: {active}");
        assert_eq!(active[0]["parts_needed"], 1000.0);

        // A station user cannot open the page.
        let (sc, _) = login(&s, "sta").await;
        let r = sc
            .get(format!("{}/planning/lifecycle", s.base))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{label}");
    }
}
