//! The real server on a random port against a fresh database (SQLite always, PostgreSQL when
//! `AFTERCARE_TEST_POSTGRES_URL` is set), driven over HTTP.

use aftercare_app::admin::AddUser;
use aftercare_app::{Actor, App, AppConfig};
use aftercare_domain::Role;
use aftercare_store::testing::{TestDb, each_backend};
use reqwest::StatusCode;
use reqwest::redirect::Policy;
use serde_json::{Value, json};

struct Server {
    base: String,
    app: App,
    _db: TestDb,
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
            _db: db,
            shutdown: Some(tx),
            handle: Some(handle),
        }
    }

    async fn add_user(&self, login: &str, role: Role, station: Option<&str>) {
        self.app
            .add_user(
                &Actor::Cli,
                AddUser {
                    login: login.into(),
                    display_name: Some(format!("{login} 先生")),
                    role,
                    station: station.map(str::to_string),
                    technician: None,
                    brand: None,
                    password: "password123".into(),
                },
            )
            .await
            .unwrap();
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

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(Policy::none())
        .build()
        .unwrap()
}

async fn servers() -> Vec<Server> {
    let mut out = Vec::new();
    for db in each_backend().await.unwrap() {
        out.push(Server::start(db).await);
    }
    out
}

/// Log in through the form; returns the client (with the session cookie) and the CSRF token.
async fn login(s: &Server, login: &str) -> (reqwest::Client, String) {
    let c = client();
    let r = c
        .post(s.url("/login"))
        .form(&[("login", login), ("password", "password123"), ("next", "/")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "login of {login} failed");
    let home = c
        .get(s.url("/"))
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

async fn seed_station(s: &Server, code: &str) {
    use aftercare_store::org::{self, NewRegion, NewStation};
    let db = &s.app.db;
    let mut tx = db.begin_write().await.unwrap();
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
    org::insert_station(
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
    tx.commit().await.unwrap();
}

fn concrete(path: &str) -> String {
    path.replace("{id}", "1").replace("{*path}", "app.css")
}

#[tokio::test]
async fn every_non_public_route_refuses_anonymous_requests() {
    let s = Server::start(aftercare_store::testing::fresh_sqlite().await.unwrap()).await;
    let c = client();
    let doc: Value = {
        // The OpenAPI document is itself protected: read it as an admin.
        s.add_user("admin", Role::Admin, None).await;
        let (ac, _) = login(&s, "admin").await;
        ac.get(s.url("/api/v1/openapi.json"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    };
    let mut checked = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            let m = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let r = c
                .request(m, s.url(&concrete(path)))
                .json(&json!({}))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "{method} {path}");
            assert!(r.headers().contains_key("x-request-id"));
            let body: Value = r.json().await.unwrap();
            assert_eq!(body["error"]["code"], "auth.required", "{method} {path}");
            checked += 1;
        }
    }
    for (method, path, _) in aftercare_web::ui::protected_routes() {
        let r = c
            .request(method.clone(), s.url(&concrete(path)))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{method} {path}");
        let loc = r.headers()["location"].to_str().unwrap();
        assert!(loc.starts_with("/login?next="), "{method} {path} -> {loc}");
        checked += 1;
    }
    for path in ["/metrics", "/api/v1/openapi.json"] {
        let r = c.get(s.url(path)).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "{path}");
        checked += 1;
    }
    assert!(checked > 20, "only {checked} routes checked");
    for path in ["/login", "/healthz", "/readyz", "/static/app.css"] {
        let r = c.get(s.url(path)).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK, "public {path}");
    }
    s.stop().await;
}

#[tokio::test]
async fn login_shows_the_shell_and_logout_ends_the_session() {
    for s in servers().await {
        s.add_user("manager", Role::Manager, None).await;
        let c = client();
        let bad = c
            .post(s.url("/login"))
            .form(&[("login", "manager"), ("password", "wrong-password")])
            .send()
            .await
            .unwrap();
        assert_eq!(bad.status(), StatusCode::UNAUTHORIZED);
        let (c, csrf) = login(&s, "manager").await;
        let home = c
            .get(s.url("/"))
            .header("accept-language", "en")
            .send()
            .await
            .unwrap();
        let cookie_flags = home.headers().get_all("set-cookie").iter().count();
        assert_eq!(cookie_flags, 0, "no cookie churn on a normal page");
        let html = home.text().await.unwrap();
        assert!(html.contains("manager 先生"));
        assert!(html.contains("data-nav=\"nav.stations\""));
        assert!(
            !html.contains("data-nav=\"nav.users\""),
            "managers do not administer users"
        );
        let out = c
            .post(s.url("/logout"))
            .form(&[("_csrf", csrf.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(out.status(), StatusCode::SEE_OTHER);
        let after = c.get(s.url("/")).send().await.unwrap();
        assert_eq!(after.status(), StatusCode::SEE_OTHER, "{}", s._db.label);
        s.stop().await;
    }
}

#[tokio::test]
async fn the_session_cookie_is_http_only_and_same_site() {
    let s = Server::start(aftercare_store::testing::fresh_sqlite().await.unwrap()).await;
    s.add_user("agent", Role::Agent, None).await;
    let r = client()
        .post(s.url("/login"))
        .form(&[("login", "agent"), ("password", "password123")])
        .send()
        .await
        .unwrap();
    let cookie = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|c| c.starts_with("aftercare_session="))
        .unwrap();
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"), "{cookie}");
    assert!(cookie.contains("Max-Age="), "{cookie}");
    s.stop().await;
}

#[tokio::test]
async fn repeated_failures_throttle_the_account_even_with_the_right_password() {
    let s = Server::start(aftercare_store::testing::fresh_sqlite().await.unwrap()).await;
    s.add_user("agent", Role::Agent, None).await;
    let c = client();
    for _ in 0..5 {
        let r = c
            .post(s.url("/login"))
            .form(&[("login", "agent"), ("password", "nope-nope")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    }
    let r = c
        .post(s.url("/login"))
        .form(&[("login", "agent"), ("password", "password123")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    let api = s
        .app
        .login("agent", "password123", "9.9.9.9")
        .await
        .unwrap_err();
    assert!(matches!(api, aftercare_app::AppError::Throttled { .. }));
    s.stop().await;
}

#[tokio::test]
async fn state_changing_forms_need_the_csrf_token_and_our_origin() {
    let s = Server::start(aftercare_store::testing::fresh_sqlite().await.unwrap()).await;
    s.add_user("agent", Role::Agent, None).await;
    let (c, csrf) = login(&s, "agent").await;
    let r = c
        .post(s.url("/lang"))
        .form(&[("lang", "en")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN, "no token");
    // By API with the session cookie: the token is what is missing, not a role's right.
    let r = c
        .post(s.url("/api/v1/tickets"))
        .json(&serde_json::json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN, "no token, API");
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "auth.csrf", "{body}");
    let message = body["error"]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("CSRF token") && !message.contains("role"),
        "{body}"
    );
    let r = c
        .post(s.url("/lang"))
        .header("sec-fetch-site", "cross-site")
        .form(&[("lang", "en"), ("_csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN, "cross-site");
    let r = c
        .post(s.url("/lang"))
        .form(&[("lang", "en"), ("_csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let html = c
        .get(s.url("/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("<html lang=\"en\">"),
        "language switched and saved"
    );
    assert!(html.contains("Log out"));
    s.stop().await;
}

#[tokio::test]
async fn api_tokens_authenticate_until_revoked_and_roles_are_enforced() {
    for s in servers().await {
        s.add_user("admin", Role::Admin, None).await;
        s.add_user("agent", Role::Agent, None).await;
        let admin = s
            .app
            .create_api_token(&Actor::Cli, "ci", "admin")
            .await
            .unwrap();
        let agent = s
            .app
            .create_api_token(&Actor::Cli, "ci", "agent")
            .await
            .unwrap();
        let c = client();
        let me: Value = c
            .get(s.url("/api/v1/me"))
            .bearer_auth(&admin.secret)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(me["role"], "admin");
        let r = c
            .get(s.url("/api/v1/users"))
            .bearer_auth(&agent.secret)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["error"]["code"], "auth.forbidden");

        // Adding a user through the API is audited with before/after.
        let r = c
            .post(s.url("/api/v1/users"))
            .bearer_auth(&admin.secret)
            .json(&json!({"login": "disp", "role": "dispatcher", "password": "password123"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::CREATED);
        let audit: Value = c
            .get(s.url("/api/v1/audit?object_type=user"))
            .bearer_auth(&admin.secret)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let latest = &audit.as_array().unwrap()[0];
        assert_eq!(latest["action"], "user.create");
        assert_eq!(latest["actor"], "admin");
        assert_eq!(latest["after"]["login"], "disp");
        assert!(latest["request_id"].as_str().is_some_and(|r| !r.is_empty()));

        let r = c
            .delete(s.url(&format!("/api/v1/api-tokens/{}", agent.token.id)))
            .bearer_auth(&admin.secret)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::NO_CONTENT);
        let r = c
            .get(s.url("/api/v1/me"))
            .bearer_auth(&agent.secret)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
        s.stop().await;
    }
}

#[tokio::test]
async fn bad_input_gets_one_error_shape_and_changes_nothing() {
    let s = Server::start(aftercare_store::testing::fresh_sqlite().await.unwrap()).await;
    s.add_user("admin", Role::Admin, None).await;
    let admin = s
        .app
        .create_api_token(&Actor::Cli, "ci", "admin")
        .await
        .unwrap();
    let c = client();
    let before = s.app.list_users(&Actor::Cli).await.unwrap().len();
    let r = c
        .post(s.url("/api/v1/users"))
        .bearer_auth(&admin.secret)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = c
        .post(s.url("/api/v1/users"))
        .bearer_auth(&admin.secret)
        .json(&json!({"login": "bad login", "role": "station", "password": "short"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "invalid");
    let fields: Vec<&str> = body["error"]["details"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        vec!["login", "password", "station"],
        "every bad field is reported"
    );
    let r = c
        .post(s.url("/api/v1/users"))
        .bearer_auth(&admin.secret)
        .json(&json!({"login": "admin", "role": "agent", "password": "password123"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert_eq!(s.app.list_users(&Actor::Cli).await.unwrap().len(), before);
    let r = c
        .get(s.url("/api/v1/nope"))
        .bearer_auth(&admin.secret)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "not_found");
    s.stop().await;
}

#[tokio::test]
async fn a_station_user_sees_only_its_own_station() {
    for s in servers().await {
        seed_station(&s, "ST-A").await;
        seed_station(&s, "ST-B").await;
        s.add_user("sta", Role::Station, Some("ST-A")).await;
        let tok = s
            .app
            .create_api_token(&Actor::Cli, "x", "sta")
            .await
            .unwrap();
        let list: Value = client()
            .get(s.url("/api/v1/stations"))
            .bearer_auth(&tok.secret)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let codes: Vec<&str> = list
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v["code"].as_str().unwrap())
            .collect();
        assert_eq!(codes, vec!["ST-A"], "{}", s._db.label);
        s.stop().await;
    }
}

#[tokio::test]
async fn health_readiness_metrics_and_openapi_are_served() {
    let s = Server::start(aftercare_store::testing::fresh_sqlite().await.unwrap()).await;
    s.add_user("admin", Role::Admin, None).await;
    let admin = s
        .app
        .create_api_token(&Actor::Cli, "ci", "admin")
        .await
        .unwrap();
    let c = client();
    assert_eq!(
        c.get(s.url("/healthz")).send().await.unwrap().status(),
        StatusCode::OK
    );
    let ready: Value = c
        .get(s.url("/readyz"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(ready["status"], "ready");
    let _ = c
        .get(s.url("/api/v1/me"))
        .bearer_auth(&admin.secret)
        .send()
        .await
        .unwrap();
    let metrics = c
        .get(s.url("/metrics"))
        .bearer_auth(&admin.secret)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains("aftercare_http_requests_total"),
        "{metrics}"
    );
    assert!(metrics.contains("route=\"/api/v1/me\""));
    let doc: Value = c
        .get(s.url("/api/v1/openapi.json"))
        .bearer_auth(&admin.secret)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    assert!(doc["paths"]["/api/v1/users"]["post"].is_object());
    s.stop().await;
}

#[tokio::test]
async fn the_login_page_follows_the_browser_language_and_the_switch() {
    let s = Server::start(aftercare_store::testing::fresh_sqlite().await.unwrap()).await;
    let c = client();
    let en = c
        .get(s.url("/login"))
        .header("accept-language", "en-US,en;q=0.9")
        .send()
        .await
        .unwrap();
    assert!(en.text().await.unwrap().contains("Log in"));
    let zh = c
        .get(s.url("/login"))
        .header("accept-language", "zh-CN")
        .send()
        .await
        .unwrap();
    assert!(zh.text().await.unwrap().contains("登录名"));
    let switched = c
        .get(s.url("/login?lang=en"))
        .header("accept-language", "zh-CN")
        .send()
        .await
        .unwrap();
    assert!(
        switched.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .starts_with("aftercare_lang=en")
    );
    s.stop().await;
}

#[tokio::test]
async fn graceful_shutdown_finishes_and_stops_accepting() {
    let s = Server::start(aftercare_store::testing::fresh_sqlite().await.unwrap()).await;
    let url = s.url("/healthz");
    let c = client();
    assert_eq!(c.get(&url).send().await.unwrap().status(), StatusCode::OK);
    s.stop().await;
    assert!(
        client().get(&url).send().await.is_err(),
        "server still accepting after shutdown"
    );
}

/// A request whose body is still arriving when shutdown starts is finished and answered,
/// and its write is kept; new connections are refused meanwhile.
#[tokio::test]
async fn graceful_shutdown_finishes_a_request_in_flight() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::time::{Duration, sleep};

    let mut s = Server::start(aftercare_store::testing::fresh_sqlite().await.unwrap()).await;
    s.add_user("admin", Role::Admin, None).await;
    let token = s
        .app
        .create_api_token(&Actor::Cli, "ci", "admin")
        .await
        .unwrap();
    let addr = s.base.trim_start_matches("http://").to_string();
    let body = json!({"login": "late", "role": "agent", "password": "password123"}).to_string();
    let head = format!(
        "POST /api/v1/users HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        token.secret,
        body.len()
    );
    let mut conn = tokio::net::TcpStream::connect(&addr).await.unwrap();
    conn.write_all(head.as_bytes()).await.unwrap();
    conn.write_all(&body.as_bytes()[..10]).await.unwrap();
    sleep(Duration::from_millis(300)).await;

    // Shutdown starts while the handler still waits for the rest of the body.
    let _ = s.shutdown.take().unwrap().send(());
    sleep(Duration::from_millis(300)).await;
    assert!(
        tokio::net::TcpStream::connect(&addr).await.is_err(),
        "a new connection was accepted after shutdown began"
    );

    conn.write_all(&body.as_bytes()[10..]).await.unwrap();
    let mut response = String::new();
    conn.read_to_string(&mut response).await.unwrap();
    assert!(
        response.starts_with("HTTP/1.1 201"),
        "the in-flight request was not answered: {response:?}"
    );
    s.handle.take().unwrap().await.unwrap().unwrap();

    let users = s.app.list_users(&Actor::Cli).await.unwrap();
    assert!(
        users.iter().any(|u| u.login == "late"),
        "the in-flight write was lost"
    );
}

/// A bad form comes back with every reason in the page's language.
#[tokio::test]
async fn form_errors_are_shown_in_the_users_language() {
    let s = Server::start(aftercare_store::testing::fresh_sqlite().await.unwrap()).await;
    s.add_user("admin", Role::Admin, None).await;
    let (c, csrf) = login(&s, "admin").await;
    for (lang, expected) in [
        ("zh-CN", ["登录名：只能包含字母", "密码：至少 8 个字符"]),
        (
            "en",
            [
                "login: must contain only letters",
                "password: must be at least 8 characters",
            ],
        ),
    ] {
        let r = c
            .post(s.url("/lang"))
            .form(&[("_csrf", csrf.as_str()), ("lang", lang), ("next", "/")])
            .send()
            .await
            .unwrap();
        assert!(r.status().is_redirection(), "{lang}: {}", r.status());
        let page = c
            .post(s.url("/admin/users"))
            .form(&[
                ("_csrf", csrf.as_str()),
                ("login", "bad login"),
                ("role", "agent"),
                ("password", "short"),
            ])
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        for e in expected {
            assert!(page.contains(e), "{lang}: missing {e:?}");
        }
    }
    // Bad fields are 422; a login already taken is a conflict (409), as the API says.
    let add = |login: &'static str, password: &'static str| {
        c.post(s.url("/admin/users")).form(&[
            ("_csrf", csrf.as_str()),
            ("login", login),
            ("display_name", "Zhang"),
            ("role", "agent"),
            ("password", password),
        ])
    };
    let r = add("bad login", "short").send().await.unwrap();
    assert_eq!(r.status(), 422);
    let r = add("newagent", "password123").send().await.unwrap();
    assert!(r.status().is_redirection(), "{}", r.status());
    let r = add("newagent", "password123").send().await.unwrap();
    assert_eq!(r.status(), 409);
    assert!(r.text().await.unwrap().contains("newagent"));
    // A field given twice is named on the error page (it was axum's bare text) and
    // creates nobody.
    let r = c
        .post(s.url("/admin/users"))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("login", "twice1"),
            ("login", "twice2"),
            ("role", "agent"),
            ("password", "password123"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let page = r.text().await.unwrap();
    assert!(page.contains("<html"), "{page}");
    assert!(page.contains("form: duplicate field `login`"), "{page}");
    let list = c.get(s.url("/admin/users")).send().await.unwrap();
    assert!(!list.text().await.unwrap().contains("twice"));
    // A body that is not a form keeps its own status (415), not a form error.
    let r = c
        .post(s.url("/admin/users"))
        .header("x-csrf-token", csrf.as_str())
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 415);
    // A token form with a blank name or an unknown login is refused with 422, not 200.
    let r = c
        .post(s.url("/admin/tokens"))
        .form(&[("_csrf", csrf.as_str()), ("name", " "), ("login", "nobody")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    // The token form sent twice from one rendering (a reload of the page showing the
    // secret) makes one token: the second is refused as already sent.
    let tokens = c.get(s.url("/admin/tokens")).send().await.unwrap();
    let html = tokens.text().await.unwrap();
    let form_key = html
        .split("name=\"form\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap()
        .to_string();
    let create = || {
        c.post(s.url("/admin/tokens"))
            .form(&[
                ("_csrf", csrf.as_str()),
                ("form", form_key.as_str()),
                ("name", "relay"),
                ("login", "newagent"),
            ])
            .send()
    };
    assert_eq!(create().await.unwrap().status(), 200);
    assert_eq!(create().await.unwrap().status(), 409);
    let listed = c.get(s.url("/admin/tokens")).send().await.unwrap();
    assert_eq!(listed.text().await.unwrap().matches(">relay<").count(), 1);
    // Switching a user on or off takes true or false, nothing else: "maybe" had switched
    // the account off.
    let agent_id = {
        let list = c.get(s.url("/admin/users")).send().await.unwrap();
        let html = list.text().await.unwrap();
        let at = html.find("<code>newagent</code>").expect("newagent listed");
        let after = &html[at..];
        let id_at = after.find("/admin/users/").expect("the row's form") + "/admin/users/".len();
        after[id_at..]
            .split('/')
            .next()
            .unwrap()
            .parse::<i64>()
            .unwrap()
    };
    let r = c
        .post(s.url(&format!("/admin/users/{agent_id}/active")))
        .form(&[("_csrf", csrf.as_str()), ("active", "maybe")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().contains("active"));
    let session = c
        .post(s.url("/login"))
        .form(&[("login", "newagent"), ("password", "password123")])
        .send()
        .await
        .unwrap();
    assert!(
        session.status().is_redirection(),
        "still active: {}",
        session.status()
    );
    s.stop().await;
}

#[tokio::test]
async fn the_audit_log_page_filters_pages_and_says_what_was_done() {
    for s in servers().await {
        s.add_user("root", Role::Admin, None).await;
        {
            let mut tx = s.app.db.begin_write().await.unwrap();
            for i in 0..205 {
                aftercare_store::audit::record(
                    &mut tx,
                    &aftercare_store::audit::NewAuditEntry {
                        at: aftercare_domain::Instant(1_800_000_000_000 + i),
                        actor_id: None,
                        actor_login: "keeper".into(),
                        action: "stock.issue".into(),
                        object_type: "part".into(),
                        object_id: i.to_string(),
                        before: None,
                        after: None,
                        request_id: None,
                    },
                )
                .await
                .unwrap();
            }
            tx.commit().await.unwrap();
        }
        let (c, _) = login(&s, "root").await;
        let page = |q: &str| {
            let c = c.clone();
            let url = s.url(&format!("/admin/audit{q}"));
            async move {
                let r = c.get(url).send().await.unwrap();
                assert_eq!(r.status(), StatusCode::OK);
                r.text().await.unwrap()
            }
        };
        let rows = |html: &str| html.matches("<tr><td>").count();
        // The newest page: 200 rows, the ledger's command in words, a link to older ones.
        let first = page("").await;
        assert_eq!(rows(&first), 200, "{first}");
        assert!(first.contains("出库领用"), "{first}");
        let older = first
            .split("\" data-testid=\"audit-older\"")
            .next()
            .and_then(|before| before.rsplit("href=\"").next())
            .filter(|href| href.starts_with("/admin/audit?"))
            .map(|href| href.replace("&#38;", "&").replace("&amp;", "&"))
            .unwrap_or_else(|| panic!("no older link: {first}"));
        // The older page: the rest, down to the users added from the command line.
        let second = page(older.trim_start_matches("/admin/audit")).await;
        assert!(rows(&second) >= 6, "{second}");
        assert!(second.contains("新建用户"), "{second}");
        assert!(second.contains("命令行"), "{second}");
        assert!(!second.contains("data-testid=\"audit-older\""), "{second}");
        // Filters: by action, and by actor and object together.
        let users = page("?action=user.create").await;
        assert!(rows(&users) >= 1, "{users}");
        assert!(!users.contains("出库领用"), "{users}");
        let one = page("?actor=keeper&object_type=part&object_id=7").await;
        assert_eq!(rows(&one), 1, "{one}");
        assert!(
            one.contains("value=\"keeper\""),
            "the filter is kept in the form: {one}"
        );
        s.stop().await;
    }
}
