//! Query strings and path parameters that cannot be read, through the real HTTP server
//! (SQLite, and PostgreSQL when `AFTERCARE_TEST_POSTGRES_URL` is set): the API answers
//! with its JSON error naming the parameter and the reason, the pages with the error page;
//! good values still work.

mod common {
    pub mod server;
    pub mod stock_fixture;
}

use aftercare_store::testing::each_backend;
use common::server::{Server, login, start};
use common::stock_fixture::seed;
use reqwest::StatusCode;
use serde_json::Value;

/// Send `method path` with `token`; assert a 400 JSON error with `code` whose message
/// names `place` parameter `name`; return the body.
async fn bad(
    s: &Server,
    token: &str,
    method: reqwest::Method,
    path: &str,
    code: &str,
    place: &str,
    name: &str,
) -> Value {
    let r = reqwest::Client::new()
        .request(method, format!("{}{path}", s.base))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{path}");
    let ct = r.headers()["content-type"].to_str().unwrap().to_string();
    assert!(ct.starts_with("application/json"), "{path}: {ct}");
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], code, "{path}: {body}");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(
        message.starts_with(&format!("{place} parameter {name}: ")),
        "{path}: {body}"
    );
    assert_eq!(body["error"]["details"]["in"], place, "{path}: {body}");
    assert_eq!(
        body["error"]["details"]["parameter"], name,
        "{path}: {body}"
    );
    body
}

async fn get_status(s: &Server, token: &str, path: &str) -> (StatusCode, Value) {
    let r = reqwest::Client::new()
        .get(format!("{}{path}", s.base))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = r.status();
    (status, r.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn unreadable_query_and_path_parameters_get_the_json_error_naming_them() {
    for db in each_backend().await.unwrap() {
        let label = db.label;
        let s = start(db).await;
        let f = seed(&s.app, 1).await;
        let (get, post) = (reqwest::Method::GET, reqwest::Method::POST);
        let wh = f.central.0;
        let part = f.parts[0].0;

        // Planning: the proposal list's warehouse filter, a proposal id, a plan item's part.
        let body = bad(
            &s,
            &f.wh_token,
            get.clone(),
            "/api/v1/planning/proposals?warehouse=abc",
            "request.bad_query",
            "query",
            "warehouse",
        )
        .await;
        assert_eq!(
            body["error"]["message"], "query parameter warehouse: invalid digit found in string",
            "{label}"
        );
        let (st, list) = get_status(
            &s,
            &f.wh_token,
            &format!("/api/v1/planning/proposals?warehouse={wh}"),
        )
        .await;
        assert_eq!(st, StatusCode::OK, "{label}: {list}");
        assert!(list.is_array(), "{label}: {list}");

        let body = bad(
            &s,
            &f.wh_token,
            post.clone(),
            "/api/v1/planning/proposals/abc/approve",
            "request.bad_path",
            "path",
            "id",
        )
        .await;
        assert!(
            body["error"]["message"].as_str().unwrap().contains("`abc`"),
            "{label}: {body}"
        );
        // A readable id reaches the use case, which answers for it.
        let r = reqwest::Client::new()
            .post(format!(
                "{}/api/v1/planning/proposals/999999/approve",
                s.base
            ))
            .bearer_auth(&f.wh_token)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{label}");
        // The second of two path parameters is named from the route.
        bad(
            &s,
            &f.wh_token,
            get.clone(),
            &format!("/api/v1/planning/items/{wh}/x1"),
            "request.bad_path",
            "path",
            "part_id",
        )
        .await;

        // Stock.
        bad(
            &s,
            &f.wh_token,
            get.clone(),
            &format!("/api/v1/stock?warehouse_id={wh}&limit=lots"),
            "request.bad_query",
            "query",
            "limit",
        )
        .await;
        let (st, rows) = get_status(
            &s,
            &f.wh_token,
            &format!("/api/v1/stock?warehouse_id={wh}&part_id={part}&limit=10"),
        )
        .await;
        assert_eq!(st, StatusCode::OK, "{label}: {rows}");
        assert!(rows.is_array(), "{label}: {rows}");

        // Tickets.
        bad(
            &s,
            &f.mgr_token,
            get.clone(),
            "/api/v1/tickets?at_risk=maybe",
            "request.bad_query",
            "query",
            "at_risk",
        )
        .await;
        bad(
            &s,
            &f.mgr_token,
            get.clone(),
            "/api/v1/tickets/abc",
            "request.bad_path",
            "path",
            "id",
        )
        .await;
        let (st, tickets) = get_status(&s, &f.mgr_token, "/api/v1/tickets?at_risk=true").await;
        assert_eq!(st, StatusCode::OK, "{label}: {tickets}");
        let (st, e) = get_status(&s, &f.mgr_token, "/api/v1/tickets/999999").await;
        assert_eq!(st, StatusCode::NOT_FOUND, "{label}: {e}");
        assert_eq!(e["error"]["code"], "not_found", "{label}");

        // A missing required parameter has no path of its own: the reason names it.
        let (st, e) = get_status(&s, &f.mgr_token, "/api/v1/customers").await;
        assert_eq!(st, StatusCode::BAD_REQUEST, "{label}: {e}");
        assert_eq!(e["error"]["code"], "request.bad_query", "{label}");
        assert_eq!(
            e["error"]["message"], "query string: missing field `q`",
            "{label}"
        );
    }
}

#[tokio::test]
async fn a_page_with_an_unreadable_parameter_renders_the_error_page_with_400() {
    for db in each_backend().await.unwrap() {
        let label = db.label;
        let s = start(db).await;
        let f = seed(&s.app, 1).await;
        let (c, _) = login(&s, "mgr").await;
        let wh = f.central.0;
        for (path, message) in [
            ("/tickets/abc".to_string(), "路径参数 id："),
            (format!("/planning/items/{wh}/x1"), "路径参数 part："),
            (
                "/parts?offset=abc".to_string(),
                "查询参数 offset：“abc”不是整数",
            ),
        ] {
            let r = c.get(format!("{}{path}", s.base)).send().await.unwrap();
            assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{label}: {path}");
            let ct = r.headers()["content-type"].to_str().unwrap().to_string();
            assert!(ct.starts_with("text/html"), "{label}: {path}: {ct}");
            let html = r.text().await.unwrap();
            assert!(html.contains(message), "{label}: {path}: {html}");
            // The normal layout for the signed-in user, not a bare message.
            assert!(html.contains("href=\"/planning\""), "{label}: {path}");
        }
        let r = c
            .get(format!("{}/planning/items/{wh}/{}", s.base, f.parts[0].0))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{label}");
    }
}
