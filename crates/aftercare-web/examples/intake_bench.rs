//! Ticket intake + auto-dispatch through the real HTTP server: `--clients` concurrent API
//! clients POST `/api/v1/tickets` with `auto_dispatch` until `--requests` tickets exist;
//! prints throughput and latency percentiles.
//!
//! ```text
//! cargo run --release -p aftercare-web --example intake_bench -- --requests 20000 --clients 16
//! ```
//!
//! A fresh SQLite file in a temporary folder by default; `--database postgres://...` names an
//! empty PostgreSQL database instead (it is migrated, not cleaned). The clients run in a child
//! process (this example with `--drive`) so the server is measured on its own runtime;
//! `--in-process` runs them on the server's runtime as before.

use aftercare_app::tickets::SampleWorld;
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

/// The load generator: `clients` concurrent clients POST intakes until `requests` were sent.
/// Returns the latencies, the failures and the elapsed seconds.
async fn drive(
    base: &str,
    token: &str,
    pairs: Arc<Vec<(i64, i64)>>,
    requests: usize,
    clients: usize,
) -> (Vec<Duration>, usize, f64) {
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let (next, pairs, base, token) = (
            next.clone(),
            pairs.clone(),
            base.to_string(),
            token.to_string(),
        );
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
                let json = serde_json::json!({
                    "customer": customer,
                    "unit": unit,
                    "ticket_type": "repair",
                    "channel": "hotline",
                    "priority": "normal",
                    "fault_description": "开机黑屏",
                    "auto_dispatch": true,
                });
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
    (lat, failures, started.elapsed().as_secs_f64())
}

/// Runs the load generator in a child process (this example with `--drive`), so that the
/// server's runtime measures alone; the child prints its latencies (µs) and failures.
fn drive_from_child(
    base: &str,
    token: &str,
    pairs: &[(i64, i64)],
    requests: usize,
    clients: usize,
) -> (Vec<Duration>, usize, f64) {
    let pairs_arg = pairs
        .iter()
        .map(|(c, u)| format!("{c}:{u}"))
        .collect::<Vec<_>>()
        .join(",");
    let out = std::process::Command::new(std::env::current_exe().expect("own path"))
        .args([
            "--drive",
            base,
            "--token",
            token,
            "--pairs",
            &pairs_arg,
            "--requests",
            &requests.to_string(),
            "--clients",
            &clients.to_string(),
        ])
        .stderr(std::process::Stdio::inherit())
        .output()
        .expect("load generator");
    assert!(out.status.success(), "load generator failed");
    let text = String::from_utf8(out.stdout).expect("utf-8");
    let mut lines = text.lines();
    let head: Vec<f64> = lines
        .next()
        .expect("summary line")
        .split(' ')
        .map(|v| v.parse().expect("number"))
        .collect();
    let lat = lines
        .map(|l| Duration::from_micros(l.parse().expect("latency")))
        .collect();
    (lat, head[0] as usize, head[1])
}

/// Child mode: drive the server at `--drive URL` and print "failures seconds" then one
/// latency in µs per line.
async fn drive_main(base: String) {
    let token = arg("--token", "");
    let pairs: Vec<(i64, i64)> = arg("--pairs", "")
        .split(',')
        .map(|p| {
            let (c, u) = p.split_once(':').expect("pair");
            (c.parse().expect("customer"), u.parse().expect("unit"))
        })
        .collect();
    let requests: usize = arg("--requests", "2000").parse().expect("--requests N");
    let clients: usize = arg("--clients", "16").parse().expect("--clients N");
    let (lat, failures, secs) = drive(&base, &token, Arc::new(pairs), requests, clients).await;
    let mut out = format!("{failures} {secs}\n");
    for l in lat {
        out.push_str(&format!("{}\n", l.as_micros()));
    }
    print!("{out}");
}

#[tokio::main]
async fn main() {
    let drive_url = arg("--drive", "");
    if !drive_url.is_empty() {
        return drive_main(drive_url).await;
    }
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

    let in_process = std::env::args().any(|a| a == "--in-process");
    let (lat, failures, secs) = if in_process {
        drive(&base, &token, pairs, requests, clients).await
    } else {
        drive_from_child(&base, &token, &pairs, requests, clients)
    };
    let mut lat = lat;
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
    if let Some(s) = app.intake_writer_stats() {
        let get = |c: &std::sync::atomic::AtomicU64| c.load(Ordering::Relaxed) as f64;
        let groups = get(&s.groups).max(1.0);
        println!(
            "intake writer: {} groups, {:.1} tickets/group, busy {:.0} % of the run, {:.2} ms/group of which commit {:.2} ms",
            get(&s.groups),
            get(&s.jobs) / groups,
            get(&s.busy_micros) / 1e4 / secs,
            get(&s.busy_micros) / 1e3 / groups,
            get(&s.commit_micros) / 1e3 / groups,
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}
