//! Ledger throughput through the real HTTP server on a random port.
//!
//! `cargo run --release -p aftercare-web --example bench_ledger -- --backend sqlite|postgres
//! --clients 1,8,64 [--seconds 5] [--parts 200] [--sqlite-sync full|normal]`
//!
//! A fresh database (SQLite file with `synchronous=FULL`, or a new PostgreSQL database on
//! `AFTERCARE_TEST_POSTGRES_URL`, default `postgres://postgres@127.0.0.1:5432/postgres`) is
//! seeded with parts and stock through the ledger; then for each client count, that many
//! clients (one keep-alive connection each) issue one unit of a random part per request
//! (`POST /api/v1/stock/issues` with a unique Idempotency-Key and a Bearer token) for the
//! given time. Reported: committed movements per second (HTTP 201s; one movement each) and
//! request latency p50/p99. Load generator and server share the machine.

#[path = "../tests/common/stock_fixture.rs"]
mod stock_fixture;

use aftercare_app::{App, AppConfig};
use aftercare_store::testing::{TestDb, fresh_postgres, fresh_sqlite};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

struct Args {
    backend: String,
    clients: Vec<usize>,
    seconds: u64,
    parts: usize,
    /// SQLite `synchronous` (FULL, the product default: an fsync per commit; or NORMAL).
    sqlite_full_sync: bool,
}

fn parse_args() -> Args {
    let mut a = Args {
        backend: "sqlite".into(),
        clients: vec![1, 8, 64],
        seconds: 5,
        parts: 200,
        sqlite_full_sync: true,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().unwrap_or_else(|| panic!("{flag} needs a value"));
        match flag.as_str() {
            "--backend" => a.backend = value,
            "--clients" => {
                a.clients = value
                    .split(',')
                    .map(|c| c.trim().parse().expect("--clients: numbers like 1,8,64"))
                    .collect()
            }
            "--seconds" => a.seconds = value.parse().expect("--seconds: a number"),
            "--parts" => a.parts = value.parse().expect("--parts: a number"),
            "--sqlite-sync" => {
                a.sqlite_full_sync = match value.as_str() {
                    "full" => true,
                    "normal" => false,
                    other => panic!("--sqlite-sync full|normal, not {other}"),
                }
            }
            other => panic!("unknown flag {other}"),
        }
    }
    a
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

#[tokio::main]
async fn main() {
    let args = parse_args();
    let db: TestDb = match args.backend.as_str() {
        "sqlite" => fresh_sqlite().await.unwrap(),
        "postgres" => {
            let base = std::env::var("AFTERCARE_TEST_POSTGRES_URL")
                .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
            fresh_postgres(&base).await.unwrap()
        }
        other => panic!("--backend sqlite|postgres, not {other}"),
    };
    let conn = if args.backend == "sqlite" && !args.sqlite_full_sync {
        let opts = aftercare_store::ConnectOptions {
            sqlite_full_sync: false,
            ..Default::default()
        };
        aftercare_store::Db::connect(&db.url, &opts).await.unwrap()
    } else {
        db.db.clone()
    };
    let app = App::new(conn, AppConfig::default());
    let f = stock_fixture::seed(&app, args.parts).await;
    stock_fixture::stock_in(&app, &f, f.central, &f.parts, 1_000_000_000).await;
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

    println!(
        "backend={} sqlite_sync={} parts={} seconds={} cores={}",
        args.backend,
        if args.sqlite_full_sync {
            "full"
        } else {
            "normal"
        },
        args.parts,
        args.seconds,
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    println!(
        "| clients | movements/s | p50 ms | p99 ms | refused | commands/commit | writer busy | ms/commit: book | commit | other SQL |"
    );
    println!(
        "|--------:|------------:|-------:|-------:|--------:|----------------:|------------:|-----:|-----:|-----:|"
    );
    let ledger = app.ledger().await.unwrap();
    let snapshot = |l: &aftercare_store::stock::Ledger| {
        let s = l.stats();
        (
            s.groups.load(Ordering::Relaxed),
            s.commands.load(Ordering::Relaxed),
            s.busy_micros.load(Ordering::Relaxed),
            s.book_micros.load(Ordering::Relaxed),
            s.commit_micros.load(Ordering::Relaxed),
        )
    };
    for (round, &n) in args.clients.iter().enumerate() {
        let round = round as u64 + 1;
        let stop = Arc::new(AtomicBool::new(false));
        let mut tasks = Vec::new();
        for c in 0..n {
            let (stop, base, token) = (stop.clone(), base.clone(), f.wh_token.clone());
            let parts: Vec<i64> = f.parts.iter().map(|p| p.get()).collect();
            let w = f.central.get();
            tasks.push(tokio::spawn(async move {
                let client = reqwest::Client::new();
                let mut lat = Vec::new();
                let mut ok = 0u64;
                let mut refused = 0u64;
                let mut i = 0u64;
                let mut x = (c as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
                while !stop.load(Ordering::Relaxed) {
                    i += 1;
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    let part = parts[(x % parts.len() as u64) as usize];
                    let t0 = Instant::now();
                    let r = client
                        .post(format!("{base}/api/v1/stock/issues"))
                        .bearer_auth(&token)
                        .header("Idempotency-Key", format!("b{round}-{c}-{i}"))
                        .json(
                            &serde_json::json!({"warehouse_id": w, "part_id": part, "qty": 1,
                            "ticket_id": (round * 1_000 + c as u64) * 10_000_000 + i}),
                        )
                        .send()
                        .await
                        .unwrap();
                    let status = r.status();
                    let _ = r.bytes().await;
                    lat.push(t0.elapsed());
                    if status == reqwest::StatusCode::CREATED {
                        ok += 1;
                    } else {
                        refused += 1;
                    }
                }
                (ok, refused, lat)
            }));
        }
        let started = Instant::now();
        let before = snapshot(ledger);
        tokio::time::sleep(Duration::from_secs(args.seconds)).await;
        stop.store(true, Ordering::Relaxed);
        let mut ok = 0;
        let mut refused = 0;
        let mut lat = Vec::new();
        for t in tasks {
            let (o, r, l) = t.await.unwrap();
            ok += o;
            refused += r;
            lat.extend(l);
        }
        let elapsed = started.elapsed().as_secs_f64();
        let after = snapshot(ledger);
        lat.sort();
        let groups = (after.0 - before.0).max(1);
        let per = |a: u64, b: u64| (a - b) as f64 / 1e3 / groups as f64;
        println!(
            "| {n:>7} | {:>11.0} | {:>6.2} | {:>6.2} | {refused:>7} | {:>15.1} | {:>10.0} % | {:.2} | {:.2} | {:.2} |",
            ok as f64 / elapsed,
            percentile(&lat, 0.50).as_secs_f64() * 1e3,
            percentile(&lat, 0.99).as_secs_f64() * 1e3,
            (after.1 - before.1) as f64 / groups as f64,
            (after.2 - before.2) as f64 / 1e6 / elapsed * 100.0,
            per(after.3, before.3),
            per(after.4, before.4),
            per(after.2, before.2) - per(after.3, before.3) - per(after.4, before.4),
        );
    }
    let differences = app.stock_verify(&aftercare_app::Actor::Cli).await.unwrap();
    println!("verify: {} difference(s)", differences.len());
}
