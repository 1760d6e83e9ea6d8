//! Durability of the stock ledger: the real server binary under a write load is killed with
//! SIGKILL, restarted, and every movement it acknowledged (HTTP 201) must be there, with the
//! ledger verifying clean (`aftercare stock verify` exits 0). SQLite always; PostgreSQL when
//! `AFTERCARE_TEST_POSTGRES_URL` is set.

#[path = "../../aftercare-web/tests/common/stock_fixture.rs"]
mod stock_fixture;

use aftercare_app::{App, AppConfig};
use aftercare_store::testing::{TestDb, each_backend};
use std::collections::BTreeSet;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_aftercare"))
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Start `aftercare serve` and wait until it answers.
async fn spawn_server(url: &str, port: u16) -> Child {
    let mut child = bin()
        .args([
            "--database-url",
            url,
            "serve",
            "--listen",
            &format!("127.0.0.1:{port}"),
        ])
        .env("AFTERCARE_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    let c = reqwest::Client::new();
    while Instant::now() < deadline {
        if let Ok(r) = c
            .get(format!("http://127.0.0.1:{port}/healthz"))
            .send()
            .await
            && r.status().is_success()
        {
            return child;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("server did not start on port {port}");
}

async fn crash_run(t: &TestDb) {
    let app = App::new(t.db.clone(), AppConfig::default());
    let f = stock_fixture::seed(&app, 4).await;
    stock_fixture::stock_in(&app, &f, f.central, &f.parts, 100_000).await;
    drop(app);

    let port = free_port();
    let mut server = spawn_server(&t.url, port).await;
    let acked: Arc<Mutex<BTreeSet<i64>>> = Arc::default();
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut clients = Vec::new();
    for i in 0..16i64 {
        let (acked, stop, token) = (acked.clone(), stop.clone(), f.wh_token.clone());
        let (w, part) = (f.central.get(), f.parts[(i % 4) as usize].get());
        clients.push(tokio::spawn(async move {
            let c = reqwest::Client::new();
            let mut n = 0i64;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                n += 1;
                let r = c
                    .post(format!("http://127.0.0.1:{port}/api/v1/stock/issues"))
                    .bearer_auth(&token)
                    .header("Idempotency-Key", format!("crash-{i}-{n}"))
                    .json(&serde_json::json!({"warehouse_id": w, "part_id": part, "qty": 1, "ticket_id": i * 1_000_000 + n}))
                    .send()
                    .await;
                let Ok(r) = r else { continue };
                if r.status() == reqwest::StatusCode::CREATED
                    && let Ok(v) = r.json::<serde_json::Value>().await
                {
                    let mut a = acked.lock().unwrap();
                    for m in v["movements"].as_array().unwrap() {
                        a.insert(m.as_i64().unwrap());
                    }
                }
            }
        }));
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    // SIGKILL in the middle of the load: no shutdown, no flush.
    server.kill().unwrap();
    server.wait().unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for c in clients {
        c.await.unwrap();
    }
    let acked = acked.lock().unwrap().clone();
    assert!(
        acked.len() > 50,
        "{}: only {} acknowledged",
        t.label,
        acked.len()
    );

    // Restart on the same database: every acknowledged movement is there.
    let port = free_port();
    let mut server = spawn_server(&t.url, port).await;
    let stored = issued_movements(port, &f.wh_token).await;
    let missing: Vec<&i64> = acked.difference(&stored).collect();
    assert!(
        missing.is_empty(),
        "{}: acknowledged but lost: {missing:?}",
        t.label
    );
    // The restarted server keeps serving from the recovered state.
    let c = reqwest::Client::new();
    let r = c
        .post(format!("http://127.0.0.1:{port}/api/v1/stock/issues"))
        .bearer_auth(&f.wh_token)
        .header("Idempotency-Key", "after-restart")
        .json(&serde_json::json!({"warehouse_id": f.central.get(), "part_id": f.parts[0].get(), "qty": 1, "ticket_id": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), reqwest::StatusCode::CREATED, "{}", t.label);
    server.kill().unwrap();
    server.wait().unwrap();
    let o = bin()
        .args(["--database-url", &t.url, "stock", "verify"])
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "{}: {}{}",
        t.label,
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    println!(
        "{}: {} movements acknowledged before kill -9, {} stored",
        t.label,
        acked.len(),
        stored.len()
    );
}

/// Every issue movement id, read page by page through the API.
async fn issued_movements(port: u16, token: &str) -> BTreeSet<i64> {
    let c = reqwest::Client::new();
    let mut out = BTreeSet::new();
    let mut before: Option<i64> = None;
    loop {
        let mut url =
            format!("http://127.0.0.1:{port}/api/v1/stock/movements?kind=issue&limit=1000");
        if let Some(b) = before {
            url.push_str(&format!("&before={b}"));
        }
        let page: serde_json::Value = c
            .get(url)
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let ids: Vec<i64> = page
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["id"].as_i64().unwrap())
            .collect();
        let Some(&last) = ids.last() else {
            return out;
        };
        out.extend(ids);
        before = Some(last);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn acknowledged_movements_survive_kill_9_and_the_ledger_verifies() {
    for t in each_backend().await.unwrap() {
        crash_run(&t).await;
    }
}
