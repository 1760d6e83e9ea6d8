//! The real server on a random port for HTTP tests, and a logged-in browser-like client.

#![allow(dead_code)]

use aftercare_app::{App, AppConfig, FixedClock};
use aftercare_store::testing::TestDb;
use reqwest::StatusCode;
use reqwest::redirect::Policy;
use std::sync::Arc;

/// A running server and the app behind it.
pub struct Server {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// The application the server runs.
    pub app: App,
    _db: TestDb,
}

/// Start the server on `db` (it runs until the test ends).
pub async fn start(db: TestDb) -> Server {
    start_with(db, AppConfig::default()).await
}

/// Start the server on `db` with application settings `config`.
pub async fn start_with(db: TestDb, config: AppConfig) -> Server {
    let app = App::new(db.db.clone(), config);
    serve(db, app).await
}

/// Start the server on `db` with the application reading time from `clock` (to build a
/// history week by week).
pub async fn start_clocked(db: TestDb, clock: Arc<FixedClock>) -> Server {
    let app = App::with_clock(db.db.clone(), AppConfig::default(), clock);
    serve(db, app).await
}

async fn serve(db: TestDb, app: App) -> Server {
    let state = aftercare_web::AppState::new(
        app.clone(),
        Default::default(),
        aftercare_web::install_metrics(),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(aftercare_web::serve(
        listener,
        state,
        std::future::pending(),
    ));
    Server { base, app, _db: db }
}

/// A client that keeps cookies and does not follow redirects, like a browser under test.
pub fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(Policy::none())
        .build()
        .unwrap()
}

/// Log `login` in (password `password123`); returns the client and its CSRF token.
pub async fn login(s: &Server, login: &str) -> (reqwest::Client, String) {
    let c = browser();
    let r = c
        .post(format!("{}/login", s.base))
        .form(&[("login", login), ("password", "password123"), ("next", "/")])
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

/// POST `body` as JSON with a Bearer token and an optional Idempotency-Key; status and JSON.
pub async fn post(
    c: &reqwest::Client,
    s: &Server,
    token: &str,
    path: &str,
    key: Option<&str>,
    body: serde_json::Value,
) -> (StatusCode, serde_json::Value) {
    let mut r = c
        .post(format!("{}{path}", s.base))
        .bearer_auth(token)
        .json(&body);
    if let Some(k) = key {
        r = r.header("Idempotency-Key", k);
    }
    let resp = r.send().await.unwrap();
    let status = resp.status();
    (status, resp.json().await.unwrap_or(serde_json::Value::Null))
}

/// PUT `body` as JSON with a Bearer token; status and JSON.
pub async fn put(
    c: &reqwest::Client,
    s: &Server,
    token: &str,
    path: &str,
    body: serde_json::Value,
) -> (StatusCode, serde_json::Value) {
    let resp = c
        .put(format!("{}{path}", s.base))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = resp.status();
    (status, resp.json().await.unwrap_or(serde_json::Value::Null))
}

/// GET with a Bearer token; status and JSON.
pub async fn get(
    c: &reqwest::Client,
    s: &Server,
    token: &str,
    path: &str,
) -> (StatusCode, serde_json::Value) {
    let resp = c
        .get(format!("{}{path}", s.base))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = resp.status();
    (status, resp.json().await.unwrap_or(serde_json::Value::Null))
}

/// Add an admin and an agent (password `password123`); their API tokens.
pub async fn admin_and_agent(s: &Server) -> (String, String) {
    let mut tokens = Vec::new();
    for (login, role) in [
        ("admin", aftercare_domain::Role::Admin),
        ("agent", aftercare_domain::Role::Agent),
    ] {
        s.app
            .add_user(
                &aftercare_app::Actor::Cli,
                aftercare_app::admin::AddUser {
                    login: login.into(),
                    display_name: Some(login.into()),
                    role,
                    station: None,
                    technician: None,
                    brand: None,
                    password: "password123".into(),
                },
            )
            .await
            .unwrap();
        tokens.push(
            s.app
                .create_api_token(&aftercare_app::Actor::Cli, &format!("{login} token"), login)
                .await
                .unwrap()
                .secret,
        );
    }
    (tokens[0].clone(), tokens[1].clone())
}
