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
