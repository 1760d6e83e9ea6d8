//! Ticket intake + auto-dispatch through the real HTTP server: `--clients` concurrent API
//! clients POST `/api/v1/tickets` with `auto_dispatch` until `--requests` tickets exist;
//! prints throughput and latency percentiles.
//!
//! ```text
//! cargo run --release -p aftercare-web --example intake_bench -- --requests 20000 --clients 16
//! ```
//!
//! A fresh SQLite file in a temporary folder by default; `--database postgres://...` names an
//! empty PostgreSQL database instead (it is migrated, not cleaned).

use aftercare_app::tickets::{IntakeRequest, SampleWorld};
use aftercare_app::{Actor, App, AppConfig};
use aftercare_domain::customer::{AddressInput, CustomerInput, UnitInput};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

fn arg(name: &str, default: &str) -> String {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
        .unwrap_or_else(|| default.to_string())
}

async fn seed_units(app: &App, w: &SampleWorld, n: usize) -> Vec<(i64, i64)> {
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let c = app
            .create_customer(
                &Actor::Cli,
                CustomerInput {
                    name: format!("客户{i}"),
                    phones: vec![format!("1380{:07}", i)],
                    addresses: vec![AddressInput {
                        region: w.urban,
                        detail: format!("测试路 {i} 号"),
                    }],
                },
            )
            .await
            .expect("customer");
        let u = app
            .add_unit(
                &Actor::Cli,
                c.id,
                UnitInput {
                    serial: format!("BENCH-{i:07}"),
                    model: w.model,
                    purchase_date: chrono::NaiveDate::from_ymd_opt(2026, 3, 1),
                    purchase_channel: None,
                    production_batch: None,
                },
            )
            .await
            .expect("unit");
        out.push((c.id.0, u.id.0));
    }
    out
}

#[tokio::main]
async fn main() {
    let requests: usize = arg("--requests", "2000").parse().expect("--requests N");
    let clients: usize = arg("--clients", "16").parse().expect("--clients N");
    let units: usize = arg("--units", "1000").parse().expect("--units N");
    let dir = std::env::temp_dir().join(format!("aftercare-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let default_url = format!("sqlite://{}", dir.join("bench.db").display());
    let url = arg("--database", &default_url);
    let db = aftercare_store::Db::connect(&url, &Default::default())
        .await
        .expect("connect");
    db.migrate().await.expect("migrate");
    let app = App::new(db.clone(), AppConfig::default());
    let w = app.seed_ticket_sample().await.expect("sample world");
    let pairs = Arc::new(seed_units(&app, &w, units).await);
    let token = app
        .create_api_token(&Actor::Cli, "bench", "agent")
        .await
        .expect("token")
        .secret;
    let state = aftercare_web::AppState::new(app.clone(), Default::default(), None);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(aftercare_web::serve(
        listener,
        state,
        std::future::pending(),
    ));

    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let (next, pairs, base, token) = (next.clone(), pairs.clone(), base.clone(), token.clone());
        tasks.push(tokio::spawn(async move {
            let http = reqwest::Client::new();
            let mut lat = Vec::new();
            let mut failures = 0usize;
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= requests {
                    break;
                }
                let (customer, unit) = pairs[i % pairs.len()];
                let body = IntakeRequest {
                    customer: aftercare_domain::CustomerId(customer),
                    unit: aftercare_domain::UnitId(unit),
                    address: None,
                    input: aftercare_domain::ticket::TicketInput {
                        ticket_type: aftercare_domain::ticket::TicketType::Repair,
                        channel: aftercare_domain::ticket::Channel::Hotline,
                        priority: aftercare_domain::ticket::Priority::Normal,
                        fault_description: "开机黑屏".into(),
                        fault_code: None,
                    },
                    auto_dispatch: true,
                };
                let mut json = serde_json::to_value(&body).expect("json");
                json["ticket_type"] = "repair".into();
                json["channel"] = "hotline".into();
                json["priority"] = "normal".into();
                let t = Instant::now();
                let r = http
                    .post(format!("{base}/api/v1/tickets"))
                    .bearer_auth(&token)
                    .json(&json)
                    .send()
                    .await;
                let ok = matches!(&r, Ok(resp) if resp.status().as_u16() == 201);
                match r {
                    Ok(resp) => {
                        let text = resp.text().await.unwrap_or_default();
                        if !ok && failures == 0 {
                            eprintln!("first failure: {text}");
                        }
                    }
                    Err(e) if failures == 0 => eprintln!("first failure: {e}"),
                    Err(_) => {}
                }
                lat.push(t.elapsed());
                if !ok {
                    failures += 1;
                }
            }
            (lat, failures)
        }));
    }
    let mut lat: Vec<Duration> = Vec::new();
    let mut failures = 0;
    for t in tasks {
        let (l, f) = t.await.expect("client");
        lat.extend(l);
        failures += f;
    }
    let secs = started.elapsed().as_secs_f64();
    lat.sort();
    let pct =
        |p: f64| lat[((lat.len() as f64 * p) as usize).min(lat.len() - 1)].as_secs_f64() * 1000.0;
    let dispatched = app
        .search_tickets(
            &Actor::Cli,
            aftercare_app::tickets::TicketFilter {
                statuses: vec![aftercare_domain::ticket::TicketStatus::Dispatched],
                limit: 1,
                ..Default::default()
            },
        )
        .await
        .map(|v| !v.is_empty())
        .unwrap_or(false);
    println!(
        "backend={:?} requests={} clients={} failures={} seconds={:.2} tickets_per_s={:.0} p50_ms={:.1} p90_ms={:.1} p99_ms={:.1} max_ms={:.1} dispatched={}",
        db.backend(),
        lat.len(),
        clients,
        failures,
        secs,
        lat.len() as f64 / secs,
        pct(0.50),
        pct(0.90),
        pct(0.99),
        pct(1.0),
        dispatched
    );
    let _ = std::fs::remove_dir_all(&dir);
}
