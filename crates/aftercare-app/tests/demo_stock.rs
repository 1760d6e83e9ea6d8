//! The demo part master and its 24 months of stock history, on SQLite and PostgreSQL:
//! every simulated command is accepted and the balances equal the sum of the ledger.

use aftercare_app::demo::{DEFAULT_SEED, Scale};
use aftercare_app::demo_parts::{HistoryOptions, HistoryPath};
use aftercare_app::stock_views::StockQuery;
use aftercare_app::{Actor, App, AppConfig};
use aftercare_app::{FixedClock, planning_store::ProposalFilter};
use aftercare_domain::Instant;
use aftercare_store::Db;
use aftercare_store::part_master;
use aftercare_store::stock::bulk::BulkLoad;
use aftercare_store::stock::query::{self, MovementFilter};
use aftercare_store::testing::{TestDb, fresh_postgres, fresh_sqlite};
use std::sync::Arc;

async fn scalar(db: &Db, sql: &str) -> i64 {
    match db {
        Db::Sqlite(p) => sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
            .fetch_one(p)
            .await
            .unwrap(),
        Db::Postgres(p) => sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
            .fetch_one(p)
            .await
            .unwrap(),
    }
}

/// Every row of `cols` of `table` (optionally filtered) as text, sorted.
async fn rows(db: &Db, table: &str, cols: &str, filter: &str) -> Vec<String> {
    let text = cols
        .split(',')
        .map(|c| format!("COALESCE(CAST({} AS TEXT), '~')", c.trim()))
        .collect::<Vec<_>>()
        .join(" || '|' || ");
    let sql = format!("SELECT {text} FROM {table} {filter}");
    let mut out: Vec<String> = match db {
        Db::Sqlite(p) => sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
            .fetch_all(p)
            .await
            .unwrap(),
        Db::Postgres(p) => sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
            .fetch_all(p)
            .await
            .unwrap(),
    };
    out.sort();
    out
}

/// Two fresh databases of each engine (SQLite always, PostgreSQL when configured).
async fn pairs() -> Vec<(TestDb, TestDb)> {
    let mut out = vec![(fresh_sqlite().await.unwrap(), fresh_sqlite().await.unwrap())];
    if let Ok(base) = std::env::var(aftercare_store::testing::POSTGRES_ENV)
        && !base.trim().is_empty()
    {
        out.push((
            fresh_postgres(&base).await.unwrap(),
            fresh_postgres(&base).await.unwrap(),
        ));
    }
    out
}

#[tokio::test]
async fn the_small_demo_has_parts_history_in_transit_and_a_ledger_that_verifies() {
    for t in aftercare_store::testing::each_backend().await.unwrap() {
        let app = App::new(t.db.clone(), AppConfig::default());
        let started = std::time::Instant::now();
        let (_, stock) = app
            .load_demo_with(DEFAULT_SEED, Scale::Small, true)
            .await
            .unwrap();
        assert_eq!(stock.refused, 0, "{}: {stock:?}", t.label);
        assert!(stock.commands > 1000, "{}: {stock:?}", t.label);
        let [parts, where_used, substitutes, _] = part_master::master_counts(&t.db).await.unwrap();
        assert_eq!(parts, 150, "{}", t.label);
        // The bulk path gives every part in service a history, not only the busiest.
        assert_eq!(stock.parts_with_history, 150, "{}: {stock:?}", t.label);
        let with_movements: i64 = scalar(
            &t.db,
            "SELECT COUNT(DISTINCT part_id) FROM stock_movements WHERE kind = 'receipt'",
        )
        .await;
        assert_eq!(with_movements, 150, "{}", t.label);
        assert!(
            where_used >= 150 && substitutes > 0,
            "{}: {where_used} {substitutes}",
            t.label
        );
        let differences = app.stock_verify(&Actor::Cli).await.unwrap();
        assert!(differences.is_empty(), "{}: {differences:?}", t.label);
        let moves = query::movements(
            &t.db,
            &MovementFilter {
                limit: 1_000_000,
                ..MovementFilter::default()
            },
        )
        .await
        .unwrap();
        let kinds: std::collections::BTreeSet<&str> =
            moves.iter().map(|m| m.kind.as_str()).collect();
        assert_eq!(moves.len(), stock.movements, "{}", t.label);
        for k in [
            "scrap",
            "dispose",
            "repair_unrepairable",
            "receipt",
            "inspection_accept",
            "transfer_ship",
            "transfer_receive",
            "issue",
            "defective_return",
            "repair_send",
            "repair_receive",
        ] {
            assert!(kinds.contains(k), "{}: no {k} in {kinds:?}", t.label);
        }
        let span =
            moves.iter().map(|m| m.at).max().unwrap() - moves.iter().map(|m| m.at).min().unwrap();
        assert!(
            span > 600 * 24 * 3600 * 1000,
            "{}: history spans {span} ms",
            t.label
        );
        let transit = app.in_transit_view(&Actor::Cli, None, None).await.unwrap();
        assert!(transit.iter().any(|r| r.overdue), "{}", t.label);
        let stock = app
            .stock_view(
                &Actor::Cli,
                &StockQuery {
                    limit: 20_000,
                    ..StockQuery::default()
                },
            )
            .await
            .unwrap();
        assert!(
            stock.iter().any(|r| r.condition == "repaired"),
            "{}",
            t.label
        );
        assert!(stock.iter().any(|r| r.condition == "good"), "{}", t.label);
        // Intermittent demand: most part × station pairs never issue anything.
        let issuing_pairs: i64 = scalar(
            &t.db,
            "SELECT COUNT(*) FROM (SELECT DISTINCT part_id, from_warehouse_id FROM stock_movements \
             WHERE kind = 'issue') x",
        )
        .await;
        assert!(
            issuing_pairs > 150 && issuing_pairs < 150 * 9 / 2,
            "{}: {issuing_pairs} issuing pairs",
            t.label
        );
        // Planning reads this ledger: the demo's planning run leaves proposals open.
        let proposals = app
            .plan_proposals(&Actor::Cli, ProposalFilter::default())
            .await
            .unwrap();
        assert!(proposals.len() > 20, "{}: {}", t.label, proposals.len());
        // Every part has its supplier, so the central warehouse's purchases can be approved.
        use aftercare_app::planning_store::ProposalKind;
        let purchases: Vec<_> = proposals
            .iter()
            .filter(|p| matches!(p.kind, ProposalKind::Purchase | ProposalKind::LastTimeBuy))
            .collect();
        assert!(!purchases.is_empty(), "{}: no purchase proposed", t.label);
        assert!(
            purchases.iter().all(|p| p.supplier.is_some()),
            "{}: a purchase without a supplier",
            t.label
        );
        let approved = app
            .approve_proposal(&Actor::Cli, purchases[0].id)
            .await
            .unwrap();
        assert_eq!(
            approved.document_kind.as_deref(),
            Some("purchase_order"),
            "{}",
            t.label
        );
        // The demo's lifecycle inputs: a succession whose successor is planned and a
        // recall whose proposal says so.
        let successions = app.successions(&Actor::Cli).await.unwrap();
        assert_eq!(successions.len(), 1, "{}", t.label);
        let events = app.demand_events(&Actor::Cli, true).await.unwrap();
        assert_eq!(events.len(), 1, "{}", t.label);
        let recall = proposals
            .iter()
            .find(|p| p.warehouse == events[0].warehouse && p.part == events[0].part)
            .unwrap_or_else(|| panic!("{}: no proposal for the recalled part", t.label));
        assert!(
            recall.reason.starts_with("event demand"),
            "{}",
            recall.reason
        );
        let successor_planned = scalar(
            &app.db,
            &format!(
                "SELECT COUNT(*) FROM plan_items WHERE part_id = {}",
                successions[0].successor.0
            ),
        )
        .await;
        assert!(successor_planned > 0, "{}: successor not planned", t.label);
        println!(
            "{}: {} issuing pairs, {} proposals",
            t.label,
            issuing_pairs,
            proposals.len()
        );
        println!(
            "{}: small demo with {} movements in {:?}",
            t.label,
            moves.len(),
            started.elapsed()
        );
    }
}

/// The replay check: the same demo history (a sample of parts) written command by command
/// through the ledger writer and in bulk leaves the same ledger, row for row: the bulk path
/// invents no stock and loses none.
#[tokio::test]
async fn the_bulk_history_writes_exactly_what_the_ledger_writer_writes() {
    const TABLES: &[(&str, &str)] = &[
        (
            "stock_movements",
            "id, kind, part_id, from_location, to_location, from_warehouse_id, to_warehouse_id, qty, at, document_kind, document_id, issued_at, actor_id",
        ),
        ("stock_movement_lots", "movement_id, lot_id, qty"),
        ("stock_lots", "id, part_id, origin, received_at, usable_as"),
        (
            "stock_balances",
            "location, part_id, kind, warehouse_id, condition, reference, qty, negative_ok",
        ),
        (
            "stock_lot_balances",
            "location, part_id, lot_id, qty, negative_ok",
        ),
        (
            "stock_availability",
            "warehouse_id, part_id, issuable, reserved",
        ),
        (
            "transfers",
            "id, from_warehouse_id, to_warehouse_id, shipped_at, eta, status",
        ),
        (
            "transfer_lines",
            "transfer_id, part_id, condition, shipped, received, missing, found, written_off",
        ),
        (
            "repair_orders",
            "id, vendor_id, warehouse_id, part_id, sent, received, rejected, unrepairable, sent_at, due_at",
        ),
        ("purchase_orders", "id, supplier_id, created_at"),
        (
            "purchase_order_lines",
            "purchase_order_id, part_id, ordered, received",
        ),
        (
            "scrap_requests",
            "id, warehouse_id, part_id, condition, qty, reason, requested_at, status, decided_at",
        ),
        ("stock_ledger", "id, next_id"),
    ];
    let now = Instant(1_790_000_000_000);
    for (a, b) in pairs().await {
        let mut summaries = Vec::new();
        for (t, path) in [(&a, HistoryPath::Writer), (&b, HistoryPath::Bulk)] {
            let app = App::with_clock(
                t.db.clone(),
                AppConfig::default(),
                Arc::new(FixedClock::new(now)),
            );
            let (_, stock) = app
                .load_demo_opts(
                    DEFAULT_SEED,
                    Scale::Small,
                    Some(HistoryOptions {
                        path,
                        parts: Some(40),
                    }),
                )
                .await
                .unwrap();
            assert_eq!(stock.refused, 0, "{} {path:?}: {stock:?}", t.label);
            assert!(app.stock_verify(&Actor::Cli).await.unwrap().is_empty());
            summaries.push(stock);
        }
        let (w, k) = (&summaries[0], &summaries[1]);
        assert_eq!(w.parts_with_history, 40, "{}", a.label);
        assert!(w.commands > 200, "{}: {w:?}", a.label);
        // The same commands in the same order, with the same outcomes.
        assert_eq!(
            (w.sequence, w.commands, w.movements),
            (k.sequence, k.commands, k.movements),
            "{}",
            a.label
        );
        for (table, cols) in TABLES {
            let x = rows(&a.db, table, cols, "").await;
            let y = rows(&b.db, table, cols, "").await;
            assert!(!x.is_empty(), "{}: {table} is empty", a.label);
            assert_eq!(x.len(), y.len(), "{}: {table} row count", a.label);
            if let Some(i) = (0..x.len()).find(|&i| x[i] != y[i]) {
                panic!(
                    "{}: {table} differs: writer {} / bulk {}",
                    a.label, x[i], y[i]
                );
            }
        }
        // Every stock command is audited as the writer audits it (the audit time is the
        // group's, and the groups differ).
        let audit = |db| async move {
            rows(
                db,
                "audit_log",
                "actor_login, action, object_id, after_json",
                "WHERE object_type = 'stock'",
            )
            .await
        };
        let (x, y) = (audit(&a.db).await, audit(&b.db).await);
        assert_eq!(x.len(), w.commands, "{}", a.label);
        assert!(x == y, "{}: stock audit entries differ", a.label);
    }
}

/// A bulk load is for an empty ledger only: on one with history it is refused and writes
/// nothing.
#[tokio::test]
async fn a_bulk_load_refuses_a_ledger_that_already_has_history() {
    for t in aftercare_store::testing::each_backend().await.unwrap() {
        let app = App::new(t.db.clone(), AppConfig::default());
        app.load_demo_opts(
            DEFAULT_SEED,
            Scale::Small,
            Some(HistoryOptions {
                path: HistoryPath::Bulk,
                parts: Some(3),
            }),
        )
        .await
        .unwrap();
        let before = scalar(&t.db, "SELECT COUNT(*) FROM stock_movements").await;
        let version = scalar(&t.db, "SELECT version FROM stock_ledger").await;
        assert!(before > 0, "{}", t.label);
        let err = BulkLoad::begin(
            &t.db,
            AppConfig::default().stock_issue_policy,
            Instant(1_790_000_000_000),
        )
        .await
        .err()
        .expect("a bulk load on a ledger with history must be refused");
        assert!(err.to_string().contains("empty stock ledger"), "{err}");
        assert_eq!(
            scalar(&t.db, "SELECT COUNT(*) FROM stock_movements").await,
            before
        );
        assert_eq!(
            scalar(&t.db, "SELECT version FROM stock_ledger").await,
            version
        );
        // The refused attempt left the bulk-loaded ledger as it was.
        assert!(app.stock_verify(&Actor::Cli).await.unwrap().is_empty());
    }
}

#[tokio::test]
async fn the_demos_manual_levels_follow_the_central_outflow_and_its_successor_is_the_same_component()
 {
    for t in aftercare_store::testing::each_backend().await.unwrap() {
        let app = App::new(t.db.clone(), AppConfig::default());
        app.load_demo_with(DEFAULT_SEED, Scale::Small, true)
            .await
            .unwrap();
        let since = app_now(&app) - 26 * 7 * 86_400_000;
        // Each manual level at the central warehouse, with what it shipped in 26 weeks.
        let levels = texts(
            &t.db,
            &format!(
                "SELECT CAST(l.part_id AS TEXT) || '|' || CAST(l.min_qty AS TEXT) || '|' || \
                 CAST(l.max_qty AS TEXT) || '|' || CAST((SELECT COALESCE(SUM(m.qty), 0) \
                 FROM stock_movements m WHERE m.from_warehouse_id = l.warehouse_id \
                 AND m.part_id = l.part_id AND m.at >= {since} \
                 AND m.kind IN ('issue', 'transfer_ship')) AS TEXT) \
                 FROM part_stock_levels l JOIN warehouses w ON w.id = l.warehouse_id \
                 WHERE w.kind = 'central'"
            ),
        )
        .await;
        let key_parts = scalar(
            &t.db,
            "SELECT COUNT(*) FROM parts WHERE criticality = 'key'",
        )
        .await;
        assert!(
            !levels.is_empty() && levels.len() as i64 <= key_parts / 10 + 1,
            "{}: {} manual levels for {key_parts} key parts",
            t.label,
            levels.len()
        );
        for l in &levels {
            let v: Vec<i64> = l.split('|').map(|x| x.parse().unwrap()).collect();
            let (min, max, shipped) = (v[1], v[2], v[3]);
            // At most half a year of what the network drew (1.5 lead times of at most 60
            // days, two months more), never levels for a part it did not ship.
            assert!(
                shipped > 0 && min >= 1 && max > min && max <= shipped + 2,
                "{}: part {l}",
                t.label
            );
        }
        let succession = rows(
            &t.db,
            "part_successions s JOIN parts a ON a.id = s.predecessor_id \
             JOIN parts b ON b.id = s.successor_id",
            "a.part_number, b.part_number",
            "",
        )
        .await;
        assert_eq!(succession.len(), 1, "{}: {succession:?}", t.label);
        let (old, new) = succession[0].split_once('|').unwrap();
        let family = |n: &str| n.rsplit_once('-').unwrap().0.to_string();
        assert_eq!(family(old), family(new), "{}: {old} → {new}", t.label);
        // The successor can still be bought: active, not past its end of production.
        let today = chrono::DateTime::from_timestamp_millis(app_now(&app))
            .unwrap()
            .date_naive()
            .format("%Y-%m-%d")
            .to_string();
        let dead = scalar(
            &t.db,
            &format!(
                "SELECT COUNT(*) FROM parts WHERE part_number = '{new}' \
                 AND (NOT active OR end_of_production_on <= '{today}')"
            ),
        )
        .await;
        assert_eq!(dead, 0, "{}: successor {new} is out of production", t.label);
    }
}

/// The central warehouse's weekly outflow over the 104 weeks a default run reads: the
/// first fill of the empty network lies before them (no spike in the first weeks), and
/// the history runs up to now (the last four weeks shipped something, as the rest do).
#[tokio::test]
async fn the_demos_central_outflow_has_no_initial_fill_in_the_window_and_runs_up_to_now() {
    const DAY: i64 = 86_400_000;
    const WEEKS: usize = 104;
    for t in aftercare_store::testing::each_backend().await.unwrap() {
        let app = App::new(t.db.clone(), AppConfig::default());
        app.load_demo_with(DEFAULT_SEED, Scale::Small, true)
            .await
            .unwrap();
        let today = app_now(&app).div_euclid(DAY);
        let start = today - 7 * WEEKS as i64;
        let central = scalar(&t.db, "SELECT id FROM warehouses WHERE kind = 'central'").await;
        let mut weeks = [0i64; WEEKS];
        let outflow = aftercare_store::planning::outflow_by_day(
            &t.db,
            Instant(start * DAY),
            Instant(today * DAY),
        )
        .await
        .unwrap();
        for row in outflow.iter().filter(|r| r.warehouse.0 == central) {
            weeks[(row.day / 7) as usize] += row.qty;
        }
        // Central ships monthly: compare the first weeks with the typical shipping week.
        let mut shipping: Vec<i64> = weeks.iter().copied().filter(|&q| q > 0).collect();
        shipping.sort_unstable();
        let median = shipping[shipping.len() / 2];
        let first = weeks[..5].iter().copied().max().unwrap();
        assert!(
            first <= 3 * median,
            "{}: first weeks ship up to {first}, a typical shipping week {median}: {weeks:?}",
            t.label
        );
        assert!(
            weeks[WEEKS - 4..].iter().any(|&q| q > 0),
            "{}: nothing shipped in the last four weeks: {weeks:?}",
            t.label
        );
    }
}

/// The text column of every row of `sql`.
async fn texts(db: &Db, sql: &str) -> Vec<String> {
    match db {
        Db::Sqlite(p) => sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_string()))
            .fetch_all(p)
            .await
            .unwrap(),
        Db::Postgres(p) => sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_string()))
            .fetch_all(p)
            .await
            .unwrap(),
    }
}

fn app_now(app: &App) -> i64 {
    app.now().0
}
