//! Planning in the product over a small generated ledger history, on SQLite and on
//! PostgreSQL when `AFTERCARE_TEST_POSTGRES_URL` is set: proposals with reasons, manual
//! levels that win, a last-time buy, no duplicates across runs, approval through the
//! ledger (once), rejection, emergency requisitions, roles and bad input.

use aftercare_app::admin::AddUser;
use aftercare_app::planning::{Allocation, Bucket, PlanOptions, PlanOverrides};
use aftercare_app::planning_lifecycle::{AddDemandEvent, SetSuccession};
use aftercare_app::planning_store::{ProposalFilter, ProposalKind, ProposalRow};
use aftercare_app::{Actor, App, AppConfig, AppError, FixedClock};
use aftercare_domain::org::{RegionLevel, Tier, WarehouseKind};
use aftercare_domain::part::StockLevels;
use aftercare_domain::stock::{Command, Consumer, Created, Qty, StockCondition, TransferQty};
use aftercare_domain::{
    Instant, Money, PartId, RequisitionId, Role, SupplierId, TicketId, WarehouseId,
};
use aftercare_store::org::{self, NewRegion, NewStation, NewWarehouse};
use aftercare_store::planning as plan_store;
use aftercare_store::stock::master::{self, NewPart, NewSupplier};
use aftercare_store::testing::each_backend;
use std::sync::Arc;

/// Monday 2026-01-05 02:00 UTC.
const T0: Instant = Instant(1_767_578_400_000);
const WEEKS: i64 = 30;

struct World {
    app: App,
    clock: Arc<FixedClock>,
    central: WarehouseId,
    station: WarehouseId,
    /// Regular part, issued at the station.
    p1: PartId,
    /// Part with manual levels at the station.
    p2: PartId,
    /// Part past end of production, issued at the central warehouse.
    p3: PartId,
    /// The parts' supplier.
    supplier: SupplierId,
    _db: aftercare_store::testing::TestDb,
}

async fn q(app: &App, c: Command) -> aftercare_domain::stock::Outcome {
    app.stock_execute(&Actor::Cli, None, c)
        .await
        .unwrap()
        .outcome
}

async fn stock_in(app: &App, supplier: SupplierId, w: WarehouseId, part: PartId, n: i64) {
    let qty = Qty::new(n).unwrap();
    let Some(Created::PurchaseOrder(order)) = q(
        app,
        Command::PlacePurchaseOrder {
            supplier,
            lines: vec![(part, qty)],
        },
    )
    .await
    .created
    else {
        panic!("no order")
    };
    let Some(Created::Lot(lot)) = q(
        app,
        Command::Receive {
            order,
            warehouse: w,
            part,
            qty,
        },
    )
    .await
    .created
    else {
        panic!("no lot")
    };
    q(
        app,
        Command::Inspect {
            warehouse: w,
            lot,
            accept: qty,
            reject: Qty::ZERO,
        },
    )
    .await;
}

async fn world(db: aftercare_store::testing::TestDb) -> World {
    let clock = Arc::new(FixedClock::new(T0));
    let app = App::with_clock(db.db.clone(), AppConfig::default(), clock.clone());
    let mut tx = app.db.begin_write().await.unwrap();
    let region = org::insert_region(
        &mut tx,
        &NewRegion {
            parent_id: None,
            code: "440100".into(),
            name_zh: "广州市".into(),
            name_en: "Guangzhou".into(),
            level: RegionLevel::City,
            tier: Tier::Urban,
        },
    )
    .await
    .unwrap();
    let st = org::insert_station(
        &mut tx,
        &NewStation {
            code: "GZ-01".into(),
            name: "广州天河站".into(),
            region_id: region,
            address: "天河路 1 号".into(),
            phone: "020-1".into(),
            contact: "李".into(),
            capacity: 10,
            score: 80,
            active: true,
            coverage: vec![region],
            product_lines: vec![],
        },
        T0,
    )
    .await
    .unwrap();
    let central = org::insert_warehouse(
        &mut tx,
        &NewWarehouse {
            code: "WH-C".into(),
            name: "中央仓".into(),
            kind: WarehouseKind::Central,
            parent_id: None,
            region_id: Some(region),
            station_id: None,
            address: "x".into(),
            after_sales: true,
            active: true,
        },
    )
    .await
    .unwrap();
    let station = org::insert_warehouse(
        &mut tx,
        &NewWarehouse {
            code: "WH-GZ01".into(),
            name: "天河站库".into(),
            kind: WarehouseKind::Station,
            parent_id: Some(central),
            region_id: Some(region),
            station_id: Some(st),
            address: "x".into(),
            after_sales: true,
            active: true,
        },
    )
    .await
    .unwrap();
    let supplier = master::insert_supplier(
        &mut tx,
        &NewSupplier {
            code: "SUP-1".into(),
            name: "华星光电".into(),
            kind: "supplier".into(),
        },
        T0,
    )
    .await
    .unwrap();
    let mut parts = Vec::new();
    for (pn, name) in [("PN-1", "主板"), ("PN-2", "电源板"), ("PN-3", "背光灯条")] {
        let p = master::insert_part(
            &mut tx,
            &NewPart {
                part_number: pn.into(),
                name_zh: name.into(),
                standard_cost: Money::from_minor(10_000),
            },
            T0,
        )
        .await
        .unwrap();
        plan_store::link_supplier(&mut tx, p, supplier, 14)
            .await
            .unwrap();
        parts.push(p);
    }
    plan_store::set_part_planning(&mut tx, parts[0], 14, None, None)
        .await
        .unwrap();
    // PN-3 went out of production a year ago; service ends two years after the test's end.
    plan_store::set_part_planning(
        &mut tx,
        parts[2],
        14,
        Some("2025-01-01"),
        Some("2028-12-31"),
    )
    .await
    .unwrap();
    master::set_levels(
        &mut tx,
        station,
        parts[1],
        StockLevels::new(Qty::new(5).unwrap(), Some(Qty::new(12).unwrap())).unwrap(),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    app.add_user(
        &Actor::Cli,
        AddUser {
            login: "agent".into(),
            display_name: None,
            role: Role::Agent,
            station: None,
            technician: None,
            brand: None,
            password: "password123".into(),
        },
    )
    .await
    .unwrap();

    stock_in(&app, supplier, central, parts[0], 200).await;
    stock_in(&app, supplier, central, parts[1], 50).await;
    stock_in(&app, supplier, central, parts[2], 80).await;
    // Fifteen units of PN-1 go to the station: the issues below use them up.
    let Some(Created::Transfer(t)) = q(
        &app,
        Command::ShipTransfer {
            from: central,
            to: station,
            eta: Instant(T0.0 + 86_400_000),
            lines: vec![TransferQty {
                part: parts[0],
                condition: StockCondition::Good,
                qty: Qty::new(15).unwrap(),
            }],
        },
    )
    .await
    .created
    else {
        panic!("no transfer")
    };
    q(
        &app,
        Command::ReceiveTransfer {
            transfer: t,
            lines: vec![TransferQty {
                part: parts[0],
                condition: StockCondition::Good,
                qty: Qty::new(15).unwrap(),
            }],
            close: true,
        },
    )
    .await;
    // Thirty weeks of history: PN-1 one unit every other week at the station, PN-3 two
    // units a week at the central warehouse.
    for week in 0..WEEKS {
        clock.advance_minutes(7 * 24 * 60);
        if week % 2 == 0 {
            q(
                &app,
                Command::Issue {
                    warehouse: station,
                    part: parts[0],
                    qty: Qty::new(1).unwrap(),
                    consumer: Consumer::Ticket(TicketId(100 + week)),
                    reservation: None,
                    approved_by: None,
                },
            )
            .await;
        }
        let n = 2;
        q(
            &app,
            Command::Issue {
                warehouse: central,
                part: parts[2],
                qty: Qty::new(n).unwrap(),
                consumer: Consumer::Requisition(RequisitionId(500 + week)),
                reservation: None,
                approved_by: None,
            },
        )
        .await;
    }
    World {
        app,
        clock,
        central,
        station,
        p1: parts[0],
        p2: parts[1],
        p3: parts[2],
        supplier,
        _db: db,
    }
}

/// Weekly runs over two years of history: a year's idle limit inside it.
fn two_years_weekly() -> PlanOptions {
    PlanOptions {
        bucket: Bucket::Week,
        periods: 104,
        ..Default::default()
    }
}

fn weekly() -> PlanOptions {
    PlanOptions {
        bucket: Bucket::Week,
        periods: 26,
        ..Default::default()
    }
}

async fn open(app: &App) -> Vec<ProposalRow> {
    app.plan_proposals(
        &Actor::Cli,
        ProposalFilter {
            status: Some("open".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap()
}

fn find(rows: &[ProposalRow], w: WarehouseId, p: PartId) -> Option<&ProposalRow> {
    rows.iter().find(|r| r.warehouse == w && r.part == p)
}

#[tokio::test]
async fn a_run_proposes_transfers_purchases_and_last_time_buys_with_reasons_and_never_twice() {
    for db in each_backend().await.unwrap() {
        let label = db.label;
        let w = world(db).await;
        let app = &w.app;
        let first = app.plan_run(&Actor::Cli, weekly()).await.unwrap();
        assert!(first.items >= 4, "{label}: {first:?}");
        let rows = open(app).await;

        // PN-1 at the station: one unit left against steady demand → transfer from central.
        let p1 = find(&rows, w.station, w.p1).expect("PN-1 proposal at the station");
        assert_eq!(p1.kind, ProposalKind::Transfer, "{label}");
        assert_eq!(p1.source, Some(w.central));
        assert!(p1.qty >= 1);
        assert!(
            p1.reason.contains("reorder point"),
            "{label}: {}",
            p1.reason
        );
        assert!(!p1.overridden);

        // PN-2 at the station: manual min 5 / max 12 with nothing on hand → 12, marked.
        let p2 = find(&rows, w.station, w.p2).expect("PN-2 proposal at the station");
        assert_eq!(p2.kind, ProposalKind::Transfer);
        assert_eq!(p2.qty, 12, "{label}: {}", p2.reason);
        assert!(p2.overridden);
        assert!(p2.reason.starts_with("manual levels"), "{}", p2.reason);

        // PN-3 at central: past end of production → last-time buy from the supplier.
        let p3 =
            find(&rows, w.central, w.p3).unwrap_or_else(|| panic!("PN-3 last-time buy: {rows:#?}"));
        assert_eq!(p3.kind, ProposalKind::LastTimeBuy, "{label}: {}", p3.reason);
        assert!(p3.supplier.is_some());
        assert!(p3.reason.contains("last-time buy"), "{}", p3.reason);

        // PN-1 at central has plenty: nothing proposed.
        assert!(find(&rows, w.central, w.p1).is_none(), "{label}");

        // A second run updates the open proposals instead of repeating them.
        let second = app.plan_run(&Actor::Cli, weekly()).await.unwrap();
        assert_eq!(second.created, 0, "{label}: {second:?}");
        assert_eq!(second.updated, first.created + first.updated);
        let again = open(app).await;
        assert_eq!(again.len(), rows.len());
        let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
        assert!(
            again.iter().all(|r| ids.contains(&r.id)),
            "{label}: ids changed"
        );
    }
}

#[tokio::test]
async fn approving_creates_the_document_through_the_ledger_once_and_rejecting_needs_a_reason() {
    for db in each_backend().await.unwrap() {
        let label = db.label;
        let w = world(db).await;
        let app = &w.app;
        app.plan_run(&Actor::Cli, weekly()).await.unwrap();
        let rows = open(app).await;
        let p1 = find(&rows, w.station, w.p1).unwrap().clone();
        let approved = app.approve_proposal(&Actor::Cli, p1.id).await.unwrap();
        assert_eq!(approved.status, "approved");
        assert_eq!(approved.document_kind.as_deref(), Some("transfer"));
        // The transfer is on the road to the station.
        let transit = app
            .stock_in_transit(&Actor::Cli, Some(w.station), None)
            .await
            .unwrap();
        assert_eq!(
            transit
                .iter()
                .filter(|r| r.part_id == w.p1.0)
                .map(|r| r.qty)
                .sum::<i64>(),
            p1.qty,
            "{label}"
        );
        // Approving twice is refused and creates nothing more.
        let err = app.approve_proposal(&Actor::Cli, p1.id).await.unwrap_err();
        assert!(matches!(err, AppError::Conflict { .. }), "{label}: {err:?}");
        let transit2 = app
            .stock_in_transit(&Actor::Cli, Some(w.station), None)
            .await
            .unwrap();
        assert_eq!(transit.len(), transit2.len());

        // With the transfer in transit the next run proposes nothing new for PN-1 there.
        app.plan_run(&Actor::Cli, weekly()).await.unwrap();
        assert!(find(&open(app).await, w.station, w.p1).is_none(), "{label}");

        // A purchase approval places a purchase order with the part's supplier.
        let ltb = find(&open(app).await, w.central, w.p3).unwrap().clone();
        let err = app
            .reject_proposal(&Actor::Cli, ltb.id, "  ")
            .await
            .unwrap_err();
        assert!(matches!(err, AppError::Invalid(_)), "{err:?}");
        // Control characters (but line breaks) in a reason are refused, naming the field.
        let err = app
            .reject_proposal(&Actor::Cli, ltb.id, "nein\u{7}\u{1b}[31m")
            .await
            .unwrap_err();
        assert_eq!(invalid_field(err), "reason", "{label}");
        assert_eq!(proposal(app, ltb.id).await.status, "open", "{label}");
        let ltb_approved = app.approve_proposal(&Actor::Cli, ltb.id).await.unwrap();
        assert_eq!(
            ltb_approved.document_kind.as_deref(),
            Some("purchase_order")
        );

        let p2 = find(&open(app).await, w.station, w.p2).unwrap().clone();
        let rejected = app
            .reject_proposal(&Actor::Cli, p2.id, "本站改用代用料")
            .await
            .unwrap();
        assert_eq!(rejected.status, "rejected");
        assert_eq!(rejected.decision_note.as_deref(), Some("本站改用代用料"));
        let err = app.approve_proposal(&Actor::Cli, p2.id).await.unwrap_err();
        assert!(matches!(err, AppError::Conflict { .. }));
    }
}

#[tokio::test]
async fn an_issue_below_the_minimum_raises_an_emergency_at_once() {
    for db in each_backend().await.unwrap() {
        let label = db.label;
        let w = world(db).await;
        let app = &w.app;
        // PN-2 at central: minimum 45 against 50 on hand; six units issued → 44 < 45.
        set_levels(app, w.central, w.p2, 45, 60).await;
        app.stock_execute(
            &Actor::Cli,
            None,
            Command::Issue {
                warehouse: w.central,
                part: w.p2,
                qty: Qty::new(6).unwrap(),
                consumer: Consumer::Ticket(TicketId(9)),
                reservation: None,
                approved_by: None,
            },
        )
        .await
        .unwrap();
        let rows = open(app).await;
        let e = find(&rows, w.central, w.p2).expect("emergency proposal");
        assert_eq!(e.kind, ProposalKind::Emergency, "{label}");
        assert_eq!(e.qty, 16, "{label}: up to the maximum 60 from 44");
        assert!(
            e.reason.contains("available 44 < minimum 45"),
            "{}",
            e.reason
        );
        // Still above the minimum elsewhere: nothing raised for PN-1 at central.
        assert!(find(&rows, w.central, w.p1).is_none());
        let _ = &w.clock;
    }
}

#[tokio::test]
async fn planning_is_for_planners_and_bad_settings_change_nothing() {
    for db in each_backend().await.unwrap() {
        let w = world(db).await;
        let app = &w.app;
        let session = app
            .login("agent", "password123", "127.0.0.1")
            .await
            .unwrap();
        let agent = Actor::user(session.principal, None);
        let err = app.plan_run(&agent, weekly()).await.unwrap_err();
        assert!(matches!(err, AppError::Forbidden { .. }), "{err:?}");
        let err = app
            .plan_run(
                &Actor::Cli,
                PlanOptions {
                    target_fill: 1.5,
                    periods: 2,
                    ..weekly()
                },
            )
            .await
            .unwrap_err();
        let AppError::Invalid(fields) = err else {
            panic!("not invalid")
        };
        let names: Vec<&str> = fields.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(names, ["target_fill", "periods"]);
        assert!(open(app).await.is_empty());
    }
}

#[tokio::test]
async fn a_part_plan_shows_history_forecast_levels_and_every_methods_error() {
    for db in each_backend().await.unwrap() {
        let w = world(db).await;
        let v = w
            .app
            .part_plan(&Actor::Cli, w.station, w.p1, weekly())
            .await
            .unwrap();
        assert_eq!(v.history.len(), 26);
        assert_eq!(v.history.iter().sum::<f64>(), 13.0);
        assert!(!v.forecast.is_empty());
        assert_eq!(v.errors.len(), 4);
        assert!(v.reorder_point >= 1.0);
        assert!(v.why.contains("backtest error"), "{}", v.why);
        let monthly = w
            .app
            .part_plan(
                &Actor::Cli,
                w.station,
                w.p1,
                PlanOptions {
                    bucket: Bucket::Month,
                    periods: 12,
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(monthly.history.len(), 12);
        let err = w
            .app
            .part_plan(&Actor::Cli, WarehouseId(9999), w.p1, weekly())
            .await
            .unwrap_err();
        assert!(matches!(err, AppError::NotFound { .. }));
    }
}

async fn add_part(w: &World, number: &str) -> PartId {
    let mut tx = w.app.db.begin_write().await.unwrap();
    let p = master::insert_part(
        &mut tx,
        &NewPart {
            part_number: number.into(),
            name_zh: "新主板".into(),
            standard_cost: Money::from_minor(10_000),
        },
        T0,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    p
}

fn succession(pred: &str, succ: &str, share: Option<i64>) -> SetSuccession {
    SetSuccession {
        predecessor: pred.into(),
        successor: succ.into(),
        share_pct: share,
    }
}

fn invalid_field(err: AppError) -> String {
    match err {
        AppError::Invalid(fields) => fields[0].field.clone(),
        other => panic!("not invalid: {other:?}"),
    }
}

#[tokio::test]
async fn a_successor_part_is_planned_on_the_history_it_inherits() {
    for db in each_backend().await.unwrap() {
        let label = db.label;
        let w = world(db).await;
        let app = &w.app;
        let p4 = add_part(&w, "PN-4").await;
        // PN-1's plan on its own history, before any succession.
        app.plan_run(&Actor::Cli, weekly()).await.unwrap();
        let old = plan_store::item(&app.db, w.station, w.p1)
            .await
            .unwrap()
            .unwrap();
        app.set_succession(&Actor::Cli, succession("PN-1", "PN-4", None))
            .await
            .unwrap();
        app.plan_run(&Actor::Cli, weekly()).await.unwrap();
        let new = plan_store::item(&app.db, w.station, p4)
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("{label}: the successor is not planned"));
        assert!(old.mean_milli > 0, "{label}");
        assert_eq!(new.mean_milli, old.mean_milli, "{label}");
        assert_eq!(new.reorder_point, old.reorder_point, "{label}");
        // All of PN-1's uses moved: it plans nothing more from its history.
        let gone = plan_store::item(&app.db, w.station, w.p1).await.unwrap();
        assert_eq!(gone.map_or(0, |i| i.mean_milli), 0, "{label}");
        let rows = open(app).await;
        let proposal = find(&rows, w.station, p4).expect("a transfer of the successor");
        assert_eq!(proposal.kind, ProposalKind::Transfer, "{label}");
        let view = app
            .part_plan(&Actor::Cli, w.station, p4, weekly())
            .await
            .unwrap();
        assert_eq!(view.lifecycle.inherits, ["PN-1 (100 %)"], "{label}");
        assert_eq!(view.history.iter().sum::<f64>(), 13.0, "{label}");

        // Half the uses move over: half the mean.
        app.set_succession(&Actor::Cli, succession("PN-1", "PN-4", Some(50)))
            .await
            .unwrap();
        app.plan_run(&Actor::Cli, weekly()).await.unwrap();
        let half = plan_store::item(&app.db, w.station, p4)
            .await
            .unwrap()
            .unwrap();
        assert!(
            (half.mean_milli - old.mean_milli / 2).abs() <= 1,
            "{label}: {} vs {}",
            half.mean_milli,
            old.mean_milli
        );
        // The share moves rather than being planned twice: PN-1 keeps the other half.
        let kept = plan_store::item(&app.db, w.station, w.p1)
            .await
            .unwrap()
            .unwrap();
        assert!(
            (kept.mean_milli - old.mean_milli / 2).abs() <= 1,
            "{label}: PN-1 keeps {} of {}",
            kept.mean_milli,
            old.mean_milli
        );
        let view = app
            .part_plan(&Actor::Cli, w.station, w.p1, weekly())
            .await
            .unwrap();
        assert_eq!(view.history.iter().sum::<f64>(), 6.5, "{label}");
        assert_eq!(view.lifecycle.hands_on, ["PN-4 (50 %)"], "{label}");

        // A chain hands the demand on: PN-4 → PN-5 gets PN-1's half through PN-4.
        let p5 = add_part(&w, "PN-5").await;
        app.set_succession(&Actor::Cli, succession("PN-4", "PN-5", None))
            .await
            .unwrap();
        let view = app
            .part_plan(&Actor::Cli, w.station, p5, weekly())
            .await
            .unwrap();
        assert_eq!(view.history.iter().sum::<f64>(), 6.5, "{label}");
        let view = app
            .part_plan(&Actor::Cli, w.station, p4, weekly())
            .await
            .unwrap();
        assert_eq!(
            view.history.iter().sum::<f64>(),
            0.0,
            "{label}: PN-4 handed all on"
        );

        // Refused, and nothing changes: loops, itself, unknown parts, bad shares.
        let before = app.successions(&Actor::Cli).await.unwrap();
        assert_eq!(before.len(), 2);
        for (bad, field) in [
            (succession("PN-5", "PN-1", None), "successor"),
            (succession("PN-4", "PN-4", None), "successor"),
            (succession("PN-9", "PN-4", None), "predecessor"),
            (succession("PN-2", "PN-9", None), "successor"),
            (succession("PN-2", "PN-4", Some(0)), "share_pct"),
            (succession("PN-2", "PN-4", Some(101)), "share_pct"),
        ] {
            let err = app
                .set_succession(&Actor::Cli, bad.clone())
                .await
                .unwrap_err();
            assert_eq!(invalid_field(err), field, "{label}: {bad:?}");
        }
        assert_eq!(app.successions(&Actor::Cli).await.unwrap(), before);

        // Removing it ends the inheritance.
        app.remove_succession(&Actor::Cli, "PN-4").await.unwrap();
        app.remove_succession(&Actor::Cli, "PN-1").await.unwrap();
        let view = app
            .part_plan(&Actor::Cli, w.station, p4, weekly())
            .await
            .unwrap();
        assert_eq!(view.history.iter().sum::<f64>(), 0.0, "{label}");
        assert!(view.lifecycle.inherits.is_empty());
        let view = app
            .part_plan(&Actor::Cli, w.station, w.p1, weekly())
            .await
            .unwrap();
        assert_eq!(
            view.history.iter().sum::<f64>(),
            13.0,
            "{label}: PN-1 whole again"
        );
        let err = app
            .remove_succession(&Actor::Cli, "PN-1")
            .await
            .unwrap_err();
        assert!(matches!(err, AppError::NotFound { .. }), "{err:?}");
    }
}

/// A regional warehouse `code` replenished from `parent`.
async fn regional_under(
    tx: &mut aftercare_store::Tx,
    code: &str,
    parent: WarehouseId,
) -> WarehouseId {
    org::insert_warehouse(
        tx,
        &NewWarehouse {
            code: code.into(),
            name: code.into(),
            kind: WarehouseKind::Regional,
            parent_id: Some(parent),
            region_id: None,
            station_id: None,
            address: "x".into(),
            after_sales: true,
            active: true,
        },
    )
    .await
    .unwrap()
}

/// Run `sql` (no parameters) on the app's database.
async fn exec(app: &App, sql: &str) {
    match &app.db {
        aftercare_store::Db::Sqlite(p) => {
            sqlx::query(sqlx::AssertSqlSafe(sql.to_string()))
                .execute(p)
                .await
                .unwrap();
        }
        aftercare_store::Db::Postgres(p) => {
            sqlx::query(sqlx::AssertSqlSafe(sql.to_string()))
                .execute(p)
                .await
                .unwrap();
        }
    }
}

async fn run_sql(app: &App, sql: &str, part: PartId) {
    exec(app, &sql.replace("$1", &part.0.to_string())).await;
}

#[tokio::test]
async fn a_successor_past_end_of_production_or_out_of_use_is_refused_and_nothing_is_written() {
    for db in each_backend().await.unwrap() {
        let label = db.label;
        let w = world(db).await;
        let app = &w.app;
        // PN-3 went out of production on 2025-01-01: it can no longer be bought, so it
        // cannot take over PN-1's uses.
        let err = app
            .set_succession(&Actor::Cli, succession("PN-1", "PN-3", None))
            .await
            .unwrap_err();
        let AppError::Invalid(fields) = &err else {
            panic!("{label}: not invalid: {err:?}");
        };
        assert_eq!(fields[0].field, "successor", "{label}");
        assert!(
            fields[0].reason.contains("end of production"),
            "{label}: {}",
            fields[0].reason
        );
        // A part taken out of use is refused too.
        run_sql(app, "UPDATE parts SET active = FALSE WHERE id = $1", w.p2).await;
        let err = app
            .set_succession(&Actor::Cli, succession("PN-1", "PN-2", None))
            .await
            .unwrap_err();
        assert_eq!(invalid_field(err), "successor", "{label}");
        assert!(
            app.successions(&Actor::Cli).await.unwrap().is_empty(),
            "{label}"
        );
        // An end of production still to come is fine: the part can be bought until then.
        run_sql(
            app,
            "UPDATE parts SET end_of_production_on = '2026-12-31' WHERE id = $1",
            w.p3,
        )
        .await;
        app.set_succession(&Actor::Cli, succession("PN-1", "PN-3", Some(60)))
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn the_demo_succession_picks_a_successor_still_in_production() {
    for db in each_backend().await.unwrap() {
        let label = db.label;
        let w = world(db).await;
        let app = &w.app;
        // PN-1 is the busiest station part; of its kin (PN-…), PN-2 is drawn on now, PN-4
        // is not but went out of production last year, PN-5 is neither.
        issue(app, w.central, w.p2, 1, 900).await;
        w.clock.advance_minutes(60);
        let p4 = add_part(&w, "PN-4").await;
        run_sql(
            app,
            "UPDATE parts SET end_of_production_on = '2025-06-30' WHERE id = $1",
            p4,
        )
        .await;
        let p5 = add_part(&w, "PN-5").await;
        app.seed_demo_lifecycle().await.unwrap();
        let s = app.successions(&Actor::Cli).await.unwrap();
        assert_eq!(s.len(), 1, "{label}: {s:?}");
        assert_eq!(
            (s[0].predecessor, s[0].successor),
            (w.p1, p5),
            "{label}: {s:?}"
        );
    }
}

fn recall(part: &str, warehouse: WarehouseId, starts: &str, ends: &str) -> AddDemandEvent {
    AddDemandEvent {
        part_number: part.into(),
        warehouse_id: warehouse.0,
        name: "召回 2026-07".into(),
        starts_on: starts.into(),
        ends_on: ends.into(),
        affected_units: 1000,
        replacement_rate: "0.02".into(),
    }
}

#[tokio::test]
async fn a_recall_raises_the_stations_and_its_parents_levels_until_cancelled() {
    for db in each_backend().await.unwrap() {
        let label = db.label;
        let w = world(db).await;
        let app = &w.app;
        app.plan_run(&Actor::Cli, weekly()).await.unwrap();
        let base_station = plan_store::item(&app.db, w.station, w.p1)
            .await
            .unwrap()
            .unwrap();
        let base_central = plan_store::item(&app.db, w.central, w.p1)
            .await
            .unwrap()
            .unwrap();
        let base_qty = find(&open(app).await, w.station, w.p1).unwrap().qty;

        // The clock stands at T0 + 30 weeks = 2026-08-03: a recall over this week needs
        // 1000 × 0.02 = 20 units of PN-1 at the station, inside its protection interval.
        let today = "2026-08-03";
        let e = app
            .add_demand_event(&Actor::Cli, recall("PN-1", w.station, today, "2026-08-09"))
            .await
            .unwrap();
        assert_eq!((e.replacement_ppm, e.status.as_str()), (20_000, "active"));
        app.plan_run(&Actor::Cli, weekly()).await.unwrap();
        let station = plan_store::item(&app.db, w.station, w.p1)
            .await
            .unwrap()
            .unwrap();
        let central = plan_store::item(&app.db, w.central, w.p1)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            station.reorder_point,
            base_station.reorder_point + 20,
            "{label}"
        );
        assert_eq!(station.min_qty, base_station.min_qty, "{label}");
        let p = find(&open(app).await, w.station, w.p1).unwrap().clone();
        assert_eq!(p.qty, base_qty + 20, "{label}: {}", p.reason);
        assert!(
            p.reason
                .starts_with("event demand 20 in the next 2 periods;"),
            "{label}: {}",
            p.reason
        );
        // The station's request carries the recall's 20 units up: central owes them as a
        // backorder and plans none of the recall again in its levels (it did both).
        assert_eq!(station.detail.event_asked_milli, 20_000, "{label}");
        assert_eq!(central.detail.backorders, p.qty, "{label}");
        assert_eq!(central.detail.event_milli, 0, "{label}: {central:?}");
        assert_eq!(central.reorder_point, base_central.reorder_point, "{label}");
        let view = app
            .part_plan(&Actor::Cli, w.central, w.p1, weekly())
            .await
            .unwrap();
        assert_eq!(view.event_demand, 0.0, "{label}: the page nets as the run");
        assert_eq!(view.sizing.backorders, p.qty, "{label}");
        assert_eq!(view.lifecycle.events.len(), 1, "{label}");
        assert!(
            view.lifecycle.events[0].contains("WH-GZ01"),
            "{:?}",
            view.lifecycle
        );

        // Cancelled: the next run plans as before; a second cancel conflicts.
        app.cancel_demand_event(&Actor::Cli, e.id).await.unwrap();
        app.plan_run(&Actor::Cli, weekly()).await.unwrap();
        let after = plan_store::item(&app.db, w.station, w.p1)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(after.reorder_point, base_station.reorder_point, "{label}");
        let err = app
            .cancel_demand_event(&Actor::Cli, e.id)
            .await
            .unwrap_err();
        assert!(matches!(err, AppError::Conflict { .. }), "{err:?}");

        // An event that is over adds nothing: one recorded until today, a week later.
        app.add_demand_event(&Actor::Cli, recall("PN-1", w.station, "2026-07-01", today))
            .await
            .unwrap();
        w.clock.advance_minutes(7 * 24 * 60);
        app.plan_run(&Actor::Cli, weekly()).await.unwrap();
        let past = plan_store::item(&app.db, w.station, w.p1)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(past.reorder_point, base_station.reorder_point, "{label}");

        // Bad input names the field and records nothing.
        let events_before = app.demand_events(&Actor::Cli, false).await.unwrap();
        let mut cases: Vec<(AddDemandEvent, &str)> = Vec::new();
        let good = recall("PN-1", w.station, today, "2026-08-30");
        cases.push((
            AddDemandEvent {
                name: " ".into(),
                ..good.clone()
            },
            "name",
        ));
        cases.push((
            AddDemandEvent {
                starts_on: "2026-13-01".into(),
                ..good.clone()
            },
            "starts_on",
        ));
        cases.push((
            AddDemandEvent {
                ends_on: "2026-08-01".into(),
                ..good.clone()
            },
            "ends_on",
        ));
        // Over before today: it would add no demand to any run.
        cases.push((
            AddDemandEvent {
                starts_on: "2020-01-01".into(),
                ends_on: "2020-02-01".into(),
                ..good.clone()
            },
            "ends_on",
        ));
        cases.push((
            AddDemandEvent {
                affected_units: 0,
                ..good.clone()
            },
            "affected_units",
        ));
        cases.push((
            AddDemandEvent {
                replacement_rate: "2%".into(),
                ..good.clone()
            },
            "replacement_rate",
        ));
        cases.push((
            AddDemandEvent {
                part_number: "PN-404".into(),
                ..good.clone()
            },
            "part_number",
        ));
        cases.push((
            AddDemandEvent {
                warehouse_id: 9999,
                ..good.clone()
            },
            "warehouse_id",
        ));
        for (bad, field) in cases {
            let err = app.add_demand_event(&Actor::Cli, bad).await.unwrap_err();
            assert_eq!(invalid_field(err), field, "{label}");
        }
        assert_eq!(
            app.demand_events(&Actor::Cli, false).await.unwrap(),
            events_before
        );

        // Planners only.
        let session = app
            .login("agent", "password123", "127.0.0.1")
            .await
            .unwrap();
        let agent = Actor::user(session.principal, None);
        let err = app.add_demand_event(&agent, good).await.unwrap_err();
        assert!(matches!(err, AppError::Forbidden { .. }), "{err:?}");
        let err = app.successions(&agent).await.unwrap_err();
        assert!(matches!(err, AppError::Forbidden { .. }), "{err:?}");
    }
}

#[tokio::test]
async fn planning_counts_days_where_the_company_is() {
    for db in each_backend().await.unwrap() {
        let label = db.label;
        let w = world(db).await;
        let app = &w.app;
        // The world stands at 2026-08-03 02:00 UTC; 16 hours later it is 02:00 on 4 August
        // in Beijing (the settings' time zone) and still the 3rd in UTC.
        w.clock.advance_minutes(16 * 60);
        assert_eq!(app.company_today().await.unwrap().to_string(), "2026-08-04");
        let err = app
            .add_demand_event(
                &Actor::Cli,
                recall("PN-1", w.station, "2026-08-01", "2026-08-03"),
            )
            .await
            .unwrap_err();
        assert_eq!(invalid_field(err), "ends_on", "{label}");
        app.add_demand_event(
            &Actor::Cli,
            recall("PN-1", w.station, "2026-08-01", "2026-08-04"),
        )
        .await
        .unwrap();
        // The forecast starts today there, and the history ends at its midnight.
        let view = app
            .part_plan(&Actor::Cli, w.station, w.p1, weekly())
            .await
            .unwrap();
        let starts = &view.period_starts;
        assert_eq!(starts[view.history.len()], "2026-08-04", "{label}");
        assert_eq!(starts[view.history.len() - 1], "2026-07-28", "{label}");
    }
}

/// Issue `n` units; returns the emergency requisition the receipt reports raised (units).
async fn issue(
    app: &App,
    warehouse: WarehouseId,
    part: PartId,
    n: i64,
    ticket: i64,
) -> Option<i64> {
    app.stock_execute(
        &Actor::Cli,
        None,
        Command::Issue {
            warehouse,
            part,
            qty: Qty::new(n).unwrap(),
            consumer: Consumer::Ticket(TicketId(ticket)),
            reservation: None,
            approved_by: None,
        },
    )
    .await
    .unwrap()
    .outcome
    .emergency
    .map(|e| e.qty.get())
}

#[tokio::test]
async fn an_emergency_at_a_parent_counts_what_its_children_ask_of_it() {
    for db in each_backend().await.unwrap() {
        let label = db.label;
        let w = world(db).await;
        let app = &w.app;
        // The station asks central for PN-2 (a run's transfer); central: min 45 / max 60.
        set_levels(app, w.station, w.p2, 10, 10).await;
        set_levels(app, w.central, w.p2, 45, 60).await;
        app.plan_run(&Actor::Cli, weekly()).await.unwrap();
        let asked = find(&open(app).await, w.station, w.p2)
            .expect("the station's transfer")
            .qty;
        assert!(asked > 0, "{label}");
        // 50 − 6 = 44 < 45 at central: the emergency nets the station's request too.
        assert!(issue(app, w.central, w.p2, 6, 9).await.is_some(), "{label}");
        let inbound = plan_store::inbound(&app.db, w.central, w.p2).await.unwrap();
        let e = find(&open(app).await, w.central, w.p2).unwrap().clone();
        assert_eq!(
            (e.kind, e.qty),
            (ProposalKind::Emergency, 60 - (44 + inbound - asked)),
            "{label}: {}",
            e.reason
        );
        assert!(
            e.reason.contains(&format!(
                "; backorders {asked}: open transfer requests of the warehouses it replenishes: WH-GZ01 {asked}; request"
            )),
            "{label}: {}",
            e.reason
        );
    }
}

#[tokio::test]
async fn an_emergency_already_on_its_way_is_not_requested_again_by_the_next_issue() {
    for db in each_backend().await.unwrap() {
        let label = db.label;
        let w = world(db).await;
        let app = &w.app;
        // Station: PN-2 manual min 5 / max 12; eight units arrive from central.
        let Some(Created::Transfer(t)) = q(
            app,
            Command::ShipTransfer {
                from: w.central,
                to: w.station,
                eta: Instant(T0.0 + (WEEKS + 1) * 7 * 86_400_000),
                lines: vec![TransferQty {
                    part: w.p2,
                    condition: StockCondition::Good,
                    qty: Qty::new(8).unwrap(),
                }],
            },
        )
        .await
        .created
        else {
            panic!("no transfer")
        };
        q(
            app,
            Command::ReceiveTransfer {
                transfer: t,
                lines: vec![TransferQty {
                    part: w.p2,
                    condition: StockCondition::Good,
                    qty: Qty::new(8).unwrap(),
                }],
                close: true,
            },
        )
        .await;
        // 8 − 4 = 4 < 5: an emergency transfer of 8 (up to 12), approved and on the road.
        assert_eq!(issue(app, w.station, w.p2, 4, 1).await, Some(8), "{label}");
        let e = find(&open(app).await, w.station, w.p2).unwrap().clone();
        assert_eq!((e.kind, e.qty), (ProposalKind::Emergency, 8), "{label}");
        app.approve_proposal(&Actor::Cli, e.id).await.unwrap();
        // 3 on the shelf + 8 on the road covers the minimum: nothing more to request, and
        // the issue's receipt says so (the book alone would report 9 due up to 12).
        assert_eq!(issue(app, w.station, w.p2, 1, 2).await, None, "{label}");
        let again = find(&open(app).await, w.station, w.p2).cloned();
        assert!(again.is_none(), "{label}: requested twice: {again:#?}");
        // Central (no parent): PN-2 min 45 / max 60; the approved purchase order counts.
        set_levels(app, w.central, w.p2, 45, 60).await;
        // Central holds 50 − 8 − 8 = 34; one issued → 33 < 45: a purchase of 27 (up to 60).
        assert_eq!(issue(app, w.central, w.p2, 1, 4).await, Some(27), "{label}");
        let po = find(&open(app).await, w.central, w.p2).unwrap().clone();
        assert_eq!((po.kind, po.qty), (ProposalKind::Emergency, 27), "{label}");
        let po = app.approve_proposal(&Actor::Cli, po.id).await.unwrap();
        assert_eq!(po.document_kind.as_deref(), Some("purchase_order"));
        assert_eq!(issue(app, w.central, w.p2, 1, 5).await, None, "{label}");
        let again = find(&open(app).await, w.central, w.p2).cloned();
        assert!(again.is_none(), "{label}: ordered twice: {again:#?}");
        // 17 on the shelf + 27 on order = 44 < 45: only the gap up to 60 is requested.
        assert_eq!(
            issue(app, w.central, w.p2, 15, 6).await,
            Some(16),
            "{label}"
        );
        let gap = find(&open(app).await, w.central, w.p2).unwrap().clone();
        assert_eq!(
            (gap.kind, gap.qty),
            (ProposalKind::Emergency, 16),
            "{label}"
        );
        assert!(
            gap.reason.contains("27 on the way"),
            "{label}: {}",
            gap.reason
        );
    }
}

#[tokio::test]
async fn an_event_with_more_affected_units_than_any_installed_base_is_refused() {
    for db in each_backend().await.unwrap() {
        let label = db.label;
        let w = world(db).await;
        let app = &w.app;
        let huge = AddDemandEvent {
            affected_units: i64::MAX,
            ..recall("PN-1", w.station, "2026-08-03", "2026-08-09")
        };
        let res = app.add_demand_event(&Actor::Cli, huge).await;
        if res.is_ok() {
            // What a stored one does to a run and to the proposal list.
            let run = app.plan_run(&Actor::Cli, weekly()).await;
            let list = app
                .plan_proposals(&Actor::Cli, ProposalFilter::default())
                .await;
            panic!("{label}: accepted; run: {run:?}; list: {list:?}");
        }
        assert_eq!(invalid_field(res.unwrap_err()), "affected_units", "{label}");
        assert!(
            app.demand_events(&Actor::Cli, false)
                .await
                .unwrap()
                .is_empty()
        );
    }
}

#[tokio::test]
async fn a_proposal_worth_more_than_the_integer_range_still_lists() {
    for db in each_backend().await.unwrap() {
        let label = db.label;
        let w = world(db).await;
        let app = &w.app;
        // A mistyped manual maximum (10^17 units at ¥100.00) is planned as it is.
        let mut tx = app.db.begin_write().await.unwrap();
        let huge = Qty::new(100_000_000_000_000_000).unwrap();
        master::set_levels(
            &mut tx,
            w.station,
            w.p1,
            StockLevels::new(huge, Some(huge)).unwrap(),
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        app.plan_run(&Actor::Cli, weekly()).await.unwrap();
        let rows = app
            .plan_proposals(&Actor::Cli, ProposalFilter::default())
            .await
            .unwrap_or_else(|e| panic!("{label}: the list fails: {e:?}"));
        let p = find(&rows, w.station, w.p1).unwrap();
        assert_eq!(p.value, i64::MAX, "{label}: value saturates");
        let one = app.plan_proposal(&Actor::Cli, p.id).await.unwrap();
        assert_eq!(one.qty, p.qty);
    }
}

#[tokio::test]
async fn a_run_that_read_the_ledger_before_an_approval_does_not_propose_the_same_units_again() {
    for db in each_backend().await.unwrap() {
        let label = db.label;
        let w = world(db).await;
        let app = &w.app;
        app.plan_run(&Actor::Cli, weekly()).await.unwrap();
        let p1 = find(&open(app).await, w.station, w.p1).unwrap().clone();
        // A second run reads the ledger and computes (before the transfer exists) ...
        w.clock.advance_minutes(1);
        let computed = app.plan_compute(&Actor::Cli, weekly()).await.unwrap();
        // ... a planner approves PN-1's transfer meanwhile ...
        w.clock.advance_minutes(1);
        app.approve_proposal(&Actor::Cli, p1.id).await.unwrap();
        // ... and the run writes what it computed: not a second transfer of the same units.
        w.clock.advance_minutes(1);
        let report = app.plan_commit(&Actor::Cli, computed).await.unwrap();
        let again = find(&open(app).await, w.station, w.p1).cloned();
        assert!(again.is_none(), "{label}: proposed twice: {again:#?}");
        assert_eq!(report.skipped, 1, "{label}: {report:?}");
        // The other pairs were written as usual, and the next run sees the transfer.
        assert!(find(&open(app).await, w.station, w.p2).is_some(), "{label}");
        app.plan_run(&Actor::Cli, weekly()).await.unwrap();
        assert!(find(&open(app).await, w.station, w.p1).is_none(), "{label}");
    }
}

#[tokio::test]
async fn a_parent_that_netted_a_request_decided_meanwhile_is_left_for_the_next_run() {
    for db in each_backend().await.unwrap() {
        let label = db.label;
        let w = world(db).await;
        let app = &w.app;
        // The station asks 80 of PN-2; central (50 on hand) buys 30 for it.
        set_levels(app, w.station, w.p2, 80, 80).await;
        app.plan_run(&Actor::Cli, weekly()).await.unwrap();
        let t = find(&open(app).await, w.station, w.p2).unwrap().clone();
        let buy = find(&open(app).await, w.central, w.p2).unwrap().clone();
        assert_eq!(buy.qty, 30, "{label}");
        // A run computes with the request counted at central; the request is rejected
        // meanwhile; the run's central purchase is not written over the open one.
        w.clock.advance_minutes(1);
        let computed = app.plan_compute(&Actor::Cli, weekly()).await.unwrap();
        w.clock.advance_minutes(1);
        app.reject_proposal(&Actor::Cli, t.id, "不需要")
            .await
            .unwrap();
        w.clock.advance_minutes(1);
        let report = app.plan_commit(&Actor::Cli, computed).await.unwrap();
        assert_eq!(
            report.skipped, 2,
            "{label}: the station's and central's: {report:?}"
        );
        let kept = find(&open(app).await, w.central, w.p2).unwrap().clone();
        assert_eq!(
            (kept.id, kept.qty, kept.updated_at),
            (buy.id, buy.qty, buy.updated_at),
            "{label}"
        );
    }
}

#[tokio::test]
async fn a_skip_for_a_request_decided_meanwhile_carries_up_the_tree() {
    for db in each_backend().await.unwrap() {
        let label = db.label;
        let w = world(db).await;
        let app = &w.app;
        // central → WH-R → the station: the station asks 80 of PN-2, WH-R passes it on,
        // central (50 on hand) buys 30.
        let mut tx = app.db.begin_write().await.unwrap();
        let regional = regional_under(&mut tx, "WH-R", w.central).await;
        tx.commit().await.unwrap();
        let moved = format!(
            "UPDATE warehouses SET parent_id = {} WHERE id = {}",
            regional.0, w.station.0
        );
        exec(app, &moved).await;
        set_levels(app, w.station, w.p2, 80, 80).await;
        app.plan_run(&Actor::Cli, weekly()).await.unwrap();
        let rows = open(app).await;
        let t = find(&rows, w.station, w.p2).unwrap().clone();
        assert_eq!(find(&rows, regional, w.p2).unwrap().qty, 80, "{label}");
        let buy = find(&rows, w.central, w.p2).unwrap().clone();
        assert_eq!(buy.qty, 30, "{label}");
        // The station's request is rejected while a run computes: neither WH-R's transfer
        // nor central's purchase is written from it, and both stay as they were.
        w.clock.advance_minutes(1);
        let computed = app.plan_compute(&Actor::Cli, weekly()).await.unwrap();
        w.clock.advance_minutes(1);
        app.reject_proposal(&Actor::Cli, t.id, "不需要")
            .await
            .unwrap();
        w.clock.advance_minutes(1);
        let report = app.plan_commit(&Actor::Cli, computed).await.unwrap();
        assert_eq!(report.skipped, 3, "{label}: {report:?}");
        let kept = find(&open(app).await, w.central, w.p2).unwrap().clone();
        assert_eq!(
            (kept.id, kept.updated_at),
            (buy.id, buy.updated_at),
            "{label}"
        );
    }
}

#[tokio::test]
async fn two_writers_raising_a_proposal_for_the_same_pair_at_once_leave_one_open_and_both_succeed()
{
    for db in each_backend().await.unwrap() {
        let label = db.label;
        let w = world(db).await;
        let app = &w.app;
        let draft = |qty: i64| plan_store::ProposalDraft {
            warehouse: w.station,
            part: w.p1,
            kind: ProposalKind::Emergency,
            source: Some(w.central),
            destination: None,
            supplier: None,
            qty,
            need_by: T0,
            reason: format!("emergency {qty}"),
            overridden: false,
            run_id: None,
            transfer_days: None,
        };
        // The first writer inserts the pair's proposal and has not committed yet when the
        // second one (an issue's emergency check, or a run) writes the same pair.
        let mut first = app.db.begin_write().await.unwrap();
        plan_store::upsert_proposals(&mut first, &[draft(3)], T0)
            .await
            .unwrap();
        let db2 = app.db.clone();
        let d2 = draft(5);
        let second = tokio::spawn(async move {
            let mut tx = db2.begin_write().await?;
            let n = plan_store::upsert_proposals(&mut tx, &[d2], T0).await?;
            tx.commit().await?;
            Ok::<_, aftercare_store::StoreError>(n)
        });
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        first.commit().await.unwrap();
        let n = second
            .await
            .unwrap()
            .unwrap_or_else(|e| panic!("{label}: the second writer failed: {e:?}"));
        assert_eq!((n.created, n.updated), (0, 1), "{label}");
        let rows = open(app).await;
        assert_eq!(rows.len(), 1, "{label}: {rows:#?}");
        assert_eq!(rows[0].qty, 5, "{label}: the later write wins");
    }
}

const DAY: i64 = 86_400_000;

async fn transit_of(app: &App, to: WarehouseId, part: PartId) -> Vec<(i64, i64, i64)> {
    app.stock_in_transit(&Actor::Cli, Some(to), Some(part.0))
        .await
        .unwrap()
        .into_iter()
        .map(|r| (r.transfer_id, r.qty, r.eta))
        .collect()
}

async fn proposal(app: &App, id: i64) -> ProposalRow {
    app.plan_proposal(&Actor::Cli, id).await.unwrap()
}

#[tokio::test]
async fn an_approval_that_stopped_after_the_ledger_is_finished_by_approving_again_once() {
    for db in each_backend().await.unwrap() {
        let label = db.label;
        let w = world(db).await;
        let app = &w.app;
        app.plan_run(&Actor::Cli, weekly()).await.unwrap();
        let p1 = find(&open(app).await, w.station, w.p1).unwrap().clone();
        // The approval creates the transfer through the ledger, and the process dies before
        // the proposal is decided.
        let (_, receipt) = app.approve_until_ledger(&Actor::Cli, p1.id).await.unwrap();
        let Some(Created::Transfer(t)) = receipt.outcome.created else {
            panic!("{label}: no transfer: {receipt:?}")
        };
        let half = proposal(app, p1.id).await;
        assert_eq!(half.status, "open", "{label}");
        assert!(half.approving_since.is_some(), "{label}: not claimed");
        // Time passes; a run sees the transfer on the road and needs nothing more, but the
        // proposal being approved is left as it is (not withdrawn, not changed).
        w.clock.advance_minutes(90);
        app.plan_run(&Actor::Cli, weekly()).await.unwrap();
        let after_run = proposal(app, p1.id).await;
        assert_eq!(
            (
                after_run.status.as_str(),
                after_run.qty,
                after_run.approving_since
            ),
            ("open", p1.qty, half.approving_since),
            "{label}: the run changed a proposal being approved"
        );
        // Its units left central with the transfer: central owes the station nothing more,
        // in the run and on the part's page.
        assert_eq!(
            item_at(app, w.central, w.p1).await.detail.backorders,
            0,
            "{label}"
        );
        let page = app
            .part_plan_as_run(&Actor::Cli, w.central, w.p1, PlanOverrides::default())
            .await
            .unwrap();
        assert_eq!(page.sizing.backorders, 0, "{label}");
        // It cannot be rejected now: the transfer exists.
        let err = app
            .reject_proposal(&Actor::Cli, p1.id, "zu viel")
            .await
            .unwrap_err();
        assert_eq!(err.code(), "planning.proposal_being_approved", "{label}");
        assert!(
            err.to_string().contains("approve it again"),
            "{label}: {err}"
        );
        // Approving again finishes it with the same transfer: nothing is shipped twice.
        let done = app.approve_proposal(&Actor::Cli, p1.id).await.unwrap();
        assert_eq!(done.status, "approved", "{label}");
        assert_eq!(
            (done.document_kind.as_deref(), done.document_id),
            (Some("transfer"), Some(t.0)),
            "{label}"
        );
        let transit = transit_of(app, w.station, w.p1).await;
        assert_eq!(transit.len(), 1, "{label}: {transit:?}");
        assert_eq!(transit[0].1, p1.qty, "{label}");
        // Decided once.
        let err = app.approve_proposal(&Actor::Cli, p1.id).await.unwrap_err();
        assert_eq!(err.code(), "planning.proposal_not_open", "{label}");
    }
}

#[tokio::test]
async fn a_purchase_approval_that_stopped_half_way_keeps_its_quantity_when_a_run_would_change_it() {
    for db in each_backend().await.unwrap() {
        let label = db.label;
        let w = world(db).await;
        let app = &w.app;
        // PN-2 at central: manual min 55 / max 70 against 50 on hand → a purchase of 20
        // (the station asks nothing: its request would be central's backorder).
        set_levels(app, w.station, w.p2, 0, 0).await;
        set_levels(app, w.central, w.p2, 55, 70).await;
        app.plan_run(&Actor::Cli, weekly()).await.unwrap();
        let po = find(&open(app).await, w.central, w.p2).unwrap().clone();
        assert_eq!((po.kind, po.qty), (ProposalKind::Purchase, 20), "{label}");
        app.approve_until_ledger(&Actor::Cli, po.id).await.unwrap();
        // Higher levels: with the order of 20 counted a run would now ask for 10 (up to
        // 80), but the order of 20 is placed already and the proposal must say so.
        set_levels(app, w.central, w.p2, 75, 80).await;
        let report = app.plan_run(&Actor::Cli, weekly()).await.unwrap();
        assert_eq!(proposal(app, po.id).await.qty, 20, "{label}");
        assert_eq!(report.skipped, 1, "{label}: {report:?}");
        let done = app
            .approve_proposal(&Actor::Cli, po.id)
            .await
            .unwrap_or_else(|e| panic!("{label}: approving again failed: {e:?}"));
        assert_eq!(done.document_kind.as_deref(), Some("purchase_order"));
        // One order of 20 is open: the next run asks only for the rest up to 80.
        w.clock.advance_minutes(1);
        app.plan_run(&Actor::Cli, weekly()).await.unwrap();
        let rest = find(&open(app).await, w.central, w.p2).unwrap().clone();
        assert_eq!(rest.qty, 10, "{label}: {}", rest.reason);
    }
}

#[tokio::test]
async fn an_approval_and_a_rejection_at_once_agree_with_the_ledger() {
    for db in each_backend().await.unwrap() {
        let label = db.label;
        let w = world(db).await;
        let app = &w.app;
        app.plan_run(&Actor::Cli, weekly()).await.unwrap();
        let p1 = find(&open(app).await, w.station, w.p1).unwrap().clone();
        let (approved, rejected) = tokio::join!(
            app.approve_proposal(&Actor::Cli, p1.id),
            app.reject_proposal(&Actor::Cli, p1.id, "nicht nötig"),
        );
        assert!(
            approved.is_ok() != rejected.is_ok(),
            "{label}: exactly one decides: {approved:?} / {rejected:?}"
        );
        let now = proposal(app, p1.id).await;
        let transit = transit_of(app, w.station, w.p1).await;
        if approved.is_ok() {
            assert_eq!(now.status, "approved", "{label}");
            assert_eq!(transit.len(), 1, "{label}");
            assert_eq!(Some(transit[0].0), now.document_id, "{label}");
        } else {
            assert_eq!(now.status, "rejected", "{label}");
            assert!(
                transit.is_empty(),
                "{label}: rejected but shipped: {transit:?}"
            );
        }
    }
}

#[tokio::test]
async fn a_transfer_the_parent_cannot_cover_stays_open_and_is_approved_once_stock_arrives() {
    for db in each_backend().await.unwrap() {
        let label = db.label;
        let w = world(db).await;
        let app = &w.app;
        // Station PN-2 manual min/max 80: a transfer of 80, central holds only 50.
        set_levels(app, w.station, w.p2, 80, 80).await;
        app.plan_run(&Actor::Cli, weekly()).await.unwrap();
        let t = find(&open(app).await, w.station, w.p2).unwrap().clone();
        assert_eq!((t.kind, t.qty), (ProposalKind::Transfer, 80), "{label}");
        let err = app.approve_proposal(&Actor::Cli, t.id).await.unwrap_err();
        assert!(matches!(err, AppError::Refused { .. }), "{label}: {err:?}");
        let refused = proposal(app, t.id).await;
        assert_eq!(refused.status, "open", "{label}");
        assert!(refused.approving_since.is_none(), "{label}: claim kept");
        assert!(
            refused
                .approval_error
                .as_deref()
                .is_some_and(|e| !e.is_empty()),
            "{label}: {refused:?}"
        );
        assert!(transit_of(app, w.station, w.p2).await.is_empty());
        // A run may still update it (it is not being approved).
        let report = app.plan_run(&Actor::Cli, weekly()).await.unwrap();
        assert_eq!(report.skipped, 0, "{label}: {report:?}");
        // Stock arrives at central: approving again ships it.
        stock_in(app, w.supplier, w.central, w.p2, 40).await;
        let done = app.approve_proposal(&Actor::Cli, t.id).await.unwrap();
        assert_eq!(done.status, "approved", "{label}");
        assert_eq!(done.approval_error, None);
        let transit = transit_of(app, w.station, w.p2).await;
        assert_eq!(
            transit.iter().map(|r| r.1).sum::<i64>(),
            80,
            "{label}: {transit:?}"
        );
    }
}

#[tokio::test]
async fn a_parent_nets_what_its_children_ask_of_it_in_the_same_run() {
    for db in each_backend().await.unwrap() {
        let label = db.label;
        let w = world(db).await;
        let app = &w.app;
        // PN-2: the station asks 80 (manual min/max 80), central holds 50 and never issued
        // it, so its own levels are 0: without the station's request it would buy nothing.
        set_levels(app, w.station, w.p2, 80, 80).await;
        // PN-9: asked at the station, never seen at central (no stock, no history).
        let p9 = add_part(&w, "PN-9").await;
        set_levels(app, w.station, p9, 3, 7).await;
        let report = app.plan_run(&Actor::Cli, weekly()).await.unwrap();
        let rows = open(app).await;
        let t = find(&rows, w.station, w.p2).unwrap();
        assert_eq!((t.kind, t.qty), (ProposalKind::Transfer, 80), "{label}");
        let buy = find(&rows, w.central, w.p2).expect("central buys what it owes");
        assert_eq!((buy.kind, buy.qty), (ProposalKind::Purchase, 30), "{label}");
        assert!(
            buy.reason
                .starts_with("available -30 (after backorders 80) < reorder point 0"),
            "{label}: {}",
            buy.reason
        );
        let item = item_at(app, w.central, w.p2).await;
        assert_eq!(item.detail.backorders, 80, "{label}");
        assert!(
            item.why.ends_with(
                "; backorders 80: open transfer requests of the warehouses it replenishes: WH-GZ01 80"
            ),
            "{label}: {}",
            item.why
        );
        let new = find(&rows, w.central, p9).expect("a part asked of central is planned there");
        assert_eq!((new.kind, new.qty), (ProposalKind::Purchase, 7), "{label}");
        assert_eq!(item_at(app, w.central, p9).await.detail.backorders, 7);
        // The station's own plan owes nothing to anyone.
        assert_eq!(item_at(app, w.station, w.p2).await.detail.backorders, 0);
        // The part's page between runs: the open requests stand as the run left them.
        let page = app
            .part_plan_as_run(&Actor::Cli, w.central, w.p2, PlanOverrides::default())
            .await
            .unwrap();
        assert_eq!(page.sizing.backorders, 80, "{label}");
        let decision = page.decision.expect("the page decides as the run did");
        assert_eq!(decision.qty, 30, "{label}");
        assert!(
            page.reason.contains("after backorders 80"),
            "{label}: {}",
            page.reason
        );
        // A request counts only at the asking warehouse's parent: while the station hangs
        // under another warehouse, central owes it nothing (the run and the page alike).
        let moved = format!(
            "UPDATE warehouses SET parent_id = NULL WHERE id = {}",
            w.station.0
        );
        exec(app, &moved).await;
        let page = app
            .part_plan_as_run(&Actor::Cli, w.central, w.p2, PlanOverrides::default())
            .await
            .unwrap();
        assert_eq!(page.sizing.backorders, 0, "{label}");
        let back = format!(
            "UPDATE warehouses SET parent_id = {} WHERE id = {}",
            w.central.0, w.station.0
        );
        exec(app, &back).await;
        // Once the transfer is rejected nothing is owed: the next run withdraws the buy.
        app.reject_proposal(&Actor::Cli, t.id, "不需要")
            .await
            .unwrap();
        set_levels(app, w.station, w.p2, 0, 0).await;
        let again = app.plan_run(&Actor::Cli, weekly()).await.unwrap();
        assert!(again.withdrawn >= 1, "{label}: {again:?} after {report:?}");
        assert!(find(&open(app).await, w.central, w.p2).is_none(), "{label}");
        assert_eq!(item_at(app, w.central, w.p2).await.detail.backorders, 0);
    }
}

/// Units of `part` on `w`'s shelf in `condition`.
async fn shelf(app: &App, w: WarehouseId, part: PartId, condition: &str) -> i64 {
    aftercare_store::stock::query::stock(
        &app.db,
        &aftercare_store::stock::query::StockFilter {
            warehouse: Some(w),
            part: Some(part.0),
            condition: Some(condition.into()),
            station: None,
            limit: 10,
        },
    )
    .await
    .unwrap()
    .iter()
    .map(|r| r.qty)
    .sum()
}

#[tokio::test]
async fn units_awaiting_inspection_count_and_a_transfer_ships_repaired_units_first() {
    for db in each_backend().await.unwrap() {
        let label = db.label;
        let w = world(db).await;
        let app = &w.app;
        // Four defective PN-2 at central go to repair and come back, awaiting inspection.
        q(
            app,
            Command::DefectiveReturn {
                consumer: Consumer::Requisition(RequisitionId(900)),
                warehouse: w.central,
                part: w.p2,
                qty: Qty::new(4).unwrap(),
            },
        )
        .await;
        let Some(Created::RepairOrder(order)) = q(
            app,
            Command::SendToRepair {
                warehouse: w.central,
                vendor: w.supplier,
                part: w.p2,
                qty: Qty::new(4).unwrap(),
                due: Instant(T0.0 + 400 * 86_400_000),
            },
        )
        .await
        .created
        else {
            panic!("no repair order")
        };
        let Some(Created::Lot(lot)) = q(
            app,
            Command::ReceiveFromRepair {
                order,
                warehouse: w.central,
                qty: Qty::new(4).unwrap(),
            },
        )
        .await
        .created
        else {
            panic!("no lot")
        };
        // Central: 50 good + 4 in inspection − the station's request of 12 (manual 5/12).
        let page = app
            .part_plan_as_run(&Actor::Cli, w.central, w.p2, PlanOverrides::default())
            .await
            .unwrap();
        app.plan_run(&Actor::Cli, weekly()).await.unwrap();
        let page_after = app
            .part_plan_as_run(&Actor::Cli, w.central, w.p2, PlanOverrides::default())
            .await
            .unwrap();
        assert!(
            page.reason.starts_with("available 54 ≥"),
            "{label}: {}",
            page.reason
        );
        assert!(
            page_after
                .reason
                .starts_with("available 42 (after backorders 12) ≥"),
            "{label}: {}",
            page_after.reason
        );
        q(
            app,
            Command::Inspect {
                warehouse: w.central,
                lot,
                accept: Qty::new(4).unwrap(),
                reject: Qty::ZERO,
            },
        )
        .await;
        assert_eq!(shelf(app, w.central, w.p2, "repaired").await, 4, "{label}");
        let t = find(&open(app).await, w.station, w.p2).unwrap().clone();
        assert_eq!(t.qty, 12, "{label}");
        let sources = app
            .proposal_sources(&Actor::Cli, std::slice::from_ref(&t))
            .await
            .unwrap();
        assert_eq!(sources[&t.id].available, 54, "{label}: good and repaired");
        app.approve_proposal(&Actor::Cli, t.id).await.unwrap();
        // The four repaired units went first, then eight good ones.
        assert_eq!(shelf(app, w.central, w.p2, "repaired").await, 0, "{label}");
        assert_eq!(shelf(app, w.central, w.p2, "good").await, 42, "{label}");
        let transit = transit_of(app, w.station, w.p2).await;
        assert_eq!(
            transit.iter().map(|r| r.1).sum::<i64>(),
            12,
            "{label}: {transit:?}"
        );
    }
}

/// Send `n` defective units of `part` from `w` to repair, due `days` from now; the order.
async fn to_repair(w: &World, at: WarehouseId, part: PartId, n: i64, days: i64) -> i64 {
    q(
        &w.app,
        Command::DefectiveReturn {
            consumer: Consumer::Requisition(RequisitionId(800 + n)),
            warehouse: at,
            part,
            qty: Qty::new(n).unwrap(),
        },
    )
    .await;
    let now = w.app.now();
    let Some(Created::RepairOrder(order)) = q(
        &w.app,
        Command::SendToRepair {
            warehouse: at,
            vendor: w.supplier,
            part,
            qty: Qty::new(n).unwrap(),
            due: Instant(now.0 + days * 86_400_000),
        },
    )
    .await
    .created
    else {
        panic!("no repair order")
    };
    order.0
}

#[tokio::test]
async fn repaired_units_due_back_within_the_lead_time_count_at_the_repair_yield() {
    for db in each_backend().await.unwrap() {
        let label = db.label;
        let w = world(db).await;
        let app = &w.app;
        // PN-2's repair history: 9 of 10 came back usable (one unrepairable).
        let done = to_repair(&w, w.central, w.p2, 10, 5).await;
        let order = aftercare_domain::RepairOrderId(done);
        q(
            app,
            Command::ReceiveFromRepair {
                order,
                warehouse: w.central,
                qty: Qty::new(9).unwrap(),
            },
        )
        .await;
        q(
            app,
            Command::DeclareUnrepairable {
                order,
                qty: Qty::new(1).unwrap(),
                returned_to: None,
            },
        )
        .await;
        // The station (manual 5 / 12, nothing on hand): 4 units due back in 2 days (within
        // the 3 transfer days) and 6 due in 30 (not).
        to_repair(&w, w.station, w.p2, 4, 2).await;
        to_repair(&w, w.station, w.p2, 6, 30).await;
        app.plan_run(&Actor::Cli, weekly()).await.unwrap();
        let t = find(&open(app).await, w.station, w.p2).unwrap().clone();
        assert_eq!(t.qty, 9, "{label}: {}", t.reason);
        assert!(
            t.reason
                .starts_with("manual levels; available 3.6 < reorder point 5; order up to 12: 9"),
            "{label}: {}",
            t.reason
        );
        let item = item_at(app, w.station, w.p2).await;
        assert!(
            item.why.ends_with(
                "; repair returns 3.6 on order: 4 units at repair vendors due within the lead time, 90 % of repairs come back usable"
            ),
            "{label}: {}",
            item.why
        );
    }
}

#[tokio::test]
async fn a_last_time_buy_nets_the_stock_held_below_not_the_childrens_requests() {
    for db in each_backend().await.unwrap() {
        let label = db.label;
        let w = world(db).await;
        let app = &w.app;
        // PN-3 is past end of production: central's last-time buy covers the network.
        app.plan_run(&Actor::Cli, weekly()).await.unwrap();
        let before = find(&open(app).await, w.central, w.p3).unwrap().clone();
        assert_eq!(before.kind, ProposalKind::LastTimeBuy, "{label}");
        // Ten units move down to the station, which also asks for more (manual 12 / 20):
        // the network holds as much as before, so the buy is the same.
        let Some(Created::Transfer(_)) = q(
            app,
            Command::ShipTransfer {
                from: w.central,
                to: w.station,
                eta: Instant(app.now().0 + 86_400_000),
                lines: vec![TransferQty {
                    part: w.p3,
                    condition: StockCondition::Good,
                    qty: Qty::new(10).unwrap(),
                }],
            },
        )
        .await
        .created
        else {
            panic!("no transfer")
        };
        set_levels(app, w.station, w.p3, 12, 20).await;
        app.plan_run(&Actor::Cli, weekly()).await.unwrap();
        let rows = open(app).await;
        let station = find(&rows, w.station, w.p3).expect("the station asks");
        assert_eq!(station.qty, 10, "{label}: {}", station.reason);
        let after = find(&rows, w.central, w.p3).unwrap().clone();
        assert_eq!(
            (after.kind, after.qty),
            (ProposalKind::LastTimeBuy, before.qty),
            "{label}: {} / {}",
            before.reason,
            after.reason
        );
        let item = item_at(app, w.central, w.p3).await;
        assert!(
            item.why.contains(
                "the last-time buy counts 10 units held by the warehouses it replenishes"
            ),
            "{label}: {}",
            item.why
        );
        assert_eq!(item.detail.backorders, 0, "{label}");
    }
}

#[tokio::test]
async fn a_rejected_return_or_one_worth_less_than_a_transfer_keeps_the_stock_there() {
    for db in each_backend().await.unwrap() {
        let label = db.label;
        let w = world(db).await;
        let app = &w.app;
        receive_all(app, w.central, w.station, w.p1, 3).await;
        w.clock.advance_minutes(60 * 7 * 24 * 60);
        let opts = two_years_weekly();
        app.plan_run(&Actor::Cli, opts).await.unwrap();
        let back = find(&open(app).await, w.station, w.p1)
            .expect("a return")
            .clone();
        assert_eq!(back.kind, ProposalKind::Return, "{label}");
        // The planner keeps the units where they are: the next runs do not ask again.
        app.reject_proposal(&Actor::Cli, back.id, "站点下月有召回，先留着")
            .await
            .unwrap();
        app.plan_run(&Actor::Cli, opts).await.unwrap();
        assert!(find(&open(app).await, w.station, w.p1).is_none(), "{label}");
        let item = item_at(app, w.station, w.p1).await;
        assert!(
            item.why.ends_with(
                "; holds 3 units it no longer stocks: kept here, a planner rejected its return"
            ),
            "{label}: {}",
            item.why
        );
        // Units worth less than the transfer that would carry them stay too (3 × ¥5 <
        // ¥30): PN-2 at a regional warehouse that never used it.
        let mut tx = app.db.begin_write().await.unwrap();
        let regional = regional_under(&mut tx, "WH-R", w.central).await;
        tx.commit().await.unwrap();
        run_sql(
            app,
            "UPDATE parts SET standard_cost = 500 WHERE id = $1",
            w.p2,
        )
        .await;
        receive_all(app, w.central, regional, w.p2, 3).await;
        w.clock.advance_minutes(60 * 7 * 24 * 60);
        app.plan_run(&Actor::Cli, opts).await.unwrap();
        let item = item_at(app, regional, w.p2).await;
        assert!(
            item.why.ends_with(
                "; holds 3 units it no longer stocks: worth less than a transfer, kept here"
            ),
            "{label}: {}",
            item.why
        );
        assert!(find(&open(app).await, regional, w.p2).is_none(), "{label}");
    }
}

#[tokio::test]
async fn an_emergency_at_a_parent_counts_a_return_coming_to_it() {
    for db in each_backend().await.unwrap() {
        let label = db.label;
        let w = world(db).await;
        let app = &w.app;
        // A regional warehouse sends three idle units of PN-1 back to central.
        let mut tx = app.db.begin_write().await.unwrap();
        let regional = regional_under(&mut tx, "WH-R", w.central).await;
        tx.commit().await.unwrap();
        receive_all(app, w.central, regional, w.p1, 3).await;
        w.clock.advance_minutes(60 * 7 * 24 * 60);
        let opts = two_years_weekly();
        app.plan_run(&Actor::Cli, opts).await.unwrap();
        let back = find(&open(app).await, regional, w.p1)
            .expect("a return")
            .clone();
        assert_eq!((back.kind, back.qty), (ProposalKind::Return, 3), "{label}");
        // Central: minimum at what it holds, maximum ten more; five issued.
        let held = plan_store::available(&app.db, w.central, w.p1)
            .await
            .unwrap();
        let inbound = plan_store::inbound(&app.db, w.central, w.p1).await.unwrap();
        assert_eq!(inbound, 0, "{label}");
        set_levels(app, w.central, w.p1, held, held + 10).await;
        assert!(
            issue(app, w.central, w.p1, 5, 11).await.is_some(),
            "{label}"
        );
        // Up to the maximum from what is left plus the three coming back: 12, not 15.
        let e = find(&open(app).await, w.central, w.p1).unwrap().clone();
        assert_eq!(
            (e.kind, e.qty),
            (ProposalKind::Emergency, 12),
            "{label}: {}",
            e.reason
        );
        assert!(e.reason.contains(", 3 on the way"), "{label}: {}", e.reason);
    }
}

#[tokio::test]
async fn a_recall_keeps_stock_where_it_is_and_returned_stock_goes_on_up() {
    for db in each_backend().await.unwrap() {
        let label = db.label;
        let w = world(db).await;
        let app = &w.app;
        // A chain central → WH-R1 → WH-R2; five units of PN-1 reach WH-R2 through WH-R1,
        // and sixty quiet weeks later neither stocks PN-1 any more.
        let mut tx = app.db.begin_write().await.unwrap();
        let r1 = regional_under(&mut tx, "WH-R1", w.central).await;
        let r2 = regional_under(&mut tx, "WH-R2", r1).await;
        tx.commit().await.unwrap();
        receive_all(app, w.central, r1, w.p1, 5).await;
        receive_all(app, r1, r2, w.p1, 5).await;
        w.clock.advance_minutes(60 * 7 * 24 * 60);
        let opts = two_years_weekly();
        // A recall at WH-R2 fifteen months out: its units are the recall's, they stay.
        let event = app
            .add_demand_event(
                &Actor::Cli,
                AddDemandEvent {
                    affected_units: 100,
                    ..recall("PN-1", r2, "2028-06-01", "2028-06-30")
                },
            )
            .await
            .unwrap();
        app.plan_run(&Actor::Cli, opts).await.unwrap();
        assert!(find(&open(app).await, r2, w.p1).is_none(), "{label}");
        // Without it they go back to WH-R1.
        app.cancel_demand_event(&Actor::Cli, event.id)
            .await
            .unwrap();
        app.plan_run(&Actor::Cli, opts).await.unwrap();
        let back = find(&open(app).await, r2, w.p1).expect("a return").clone();
        assert_eq!(
            (back.kind, back.qty, back.destination),
            (ProposalKind::Return, 5, Some(r1)),
            "{label}"
        );
        let approved = app.approve_proposal(&Actor::Cli, back.id).await.unwrap();
        let transfer = aftercare_domain::TransferId(approved.document_id.unwrap());
        q(
            app,
            Command::ReceiveTransfer {
                transfer,
                lines: vec![TransferQty {
                    part: w.p1,
                    condition: StockCondition::Good,
                    qty: Qty::new(5).unwrap(),
                }],
                close: true,
            },
        )
        .await;
        // WH-R1 does not stock PN-1 either: what came back from below is not stock placed
        // there on purpose, it goes on up to central with the next run.
        app.plan_run(&Actor::Cli, opts).await.unwrap();
        let up = find(&open(app).await, r1, w.p1)
            .expect("a return from WH-R1")
            .clone();
        assert_eq!(
            (up.kind, up.qty, up.destination),
            (ProposalKind::Return, 5, Some(w.central)),
            "{label}: {}",
            up.reason
        );
    }
}

#[tokio::test]
async fn a_last_time_buy_fits_what_the_network_issues_not_the_top_warehouses_shipments() {
    for db in each_backend().await.unwrap() {
        let label = db.label;
        let w = world(db).await;
        let app = &w.app;
        // PN-3 is past end of production: central's last-time buy.
        app.plan_run(&Actor::Cli, weekly()).await.unwrap();
        let before = find(&open(app).await, w.central, w.p3).unwrap().clone();
        assert_eq!(before.kind, ProposalKind::LastTimeBuy, "{label}");
        // Twenty units move down to the station, which issues none of them; a week later
        // the move is in central's history. It is no demand of the network: the buy stays
        // as it was (a week less to cover), it does not fit a jump in demand and net the
        // same units as stock below.
        receive_all(app, w.central, w.station, w.p3, 20).await;
        w.clock.advance_minutes(7 * 24 * 60);
        app.plan_run(&Actor::Cli, weekly()).await.unwrap();
        let after = find(&open(app).await, w.central, w.p3).unwrap().clone();
        assert_eq!(after.kind, ProposalKind::LastTimeBuy, "{label}");
        assert!(
            after.qty <= before.qty,
            "{label}: {} / {}",
            before.reason,
            after.reason
        );
        let item = item_at(app, w.central, w.p3).await;
        assert!(
            item.why
                .contains("the last-time buy fits the units issued across its network"),
            "{label}: {}",
            item.why
        );
    }
}

#[tokio::test]
async fn a_warehouse_with_a_parent_does_not_stock_a_part_idle_there_for_a_year() {
    for db in each_backend().await.unwrap() {
        let label = db.label;
        let w = world(db).await;
        let app = &w.app;
        // Three units of PN-1 reach the station; sixty quiet weeks later PN-1 last left
        // the station 61 weeks ago, central 60.
        receive_all(app, w.central, w.station, w.p1, 3).await;
        w.clock.advance_minutes(60 * 7 * 24 * 60);
        let opts = two_years_weekly();
        app.plan_run(&Actor::Cli, opts).await.unwrap();
        let station = item_at(app, w.station, w.p1).await;
        assert_eq!(station.reorder_point, 0, "{label}: {station:?}");
        assert!(
            station.why.contains("not stocked: no demand in the last"),
            "{label}: {}",
            station.why
        );
        // What it still holds goes back up: the plan says so.
        assert!(
            station
                .why
                .ends_with("; holds 3 units it no longer stocks: return 3 to WH-C"),
            "{label}: {}",
            station.why
        );
        // The top warehouse stocks what it holds for its network, idle or not.
        let central = item_at(app, w.central, w.p1).await;
        assert!(
            !central.why.contains("not stocked"),
            "{label}: {}",
            central.why
        );
    }
}

#[tokio::test]
async fn a_warehouse_sends_back_what_it_no_longer_stocks_and_its_parent_counts_it_coming() {
    for db in each_backend().await.unwrap() {
        let label = db.label;
        let w = world(db).await;
        let app = &w.app;
        // Four units of PN-1 reach the station, one is reserved for a ticket; sixty quiet
        // weeks later the station no longer stocks PN-1.
        receive_all(app, w.central, w.station, w.p1, 4).await;
        let Some(Created::Reservation(_)) = q(
            app,
            Command::Reserve {
                warehouse: w.station,
                part: w.p1,
                qty: Qty::new(1).unwrap(),
                consumer: Consumer::Ticket(TicketId(77)),
                expires_at: Instant(app.now().0 + 800 * 86_400_000),
            },
        )
        .await
        .created
        else {
            panic!("no reservation")
        };
        let opts = two_years_weekly();
        w.clock.advance_minutes(60 * 7 * 24 * 60);
        app.plan_run(&Actor::Cli, opts).await.unwrap();
        // The three unreserved units go back to central, a transfer's days from now.
        let rows = open(app).await;
        let back = find(&rows, w.station, w.p1).expect("a return").clone();
        assert_eq!(
            (back.kind, back.qty, back.source, back.destination),
            (ProposalKind::Return, 3, None, Some(w.central)),
            "{label}: {}",
            back.reason
        );
        assert!(
            back.reason
                .starts_with("not stocked: no demand in the last ")
                && back
                    .reason
                    .ends_with("; holds 3 units it no longer stocks: return 3 to WH-C"),
            "{label}: {}",
            back.reason
        );
        assert_eq!(
            back.need_by.0,
            app.now().0 + opts.transfer_days * 86_400_000,
            "{label}"
        );
        // Central counts them coming, like a transfer.
        let central = item_at(app, w.central, w.p1).await;
        assert!(
            central.why.contains(
                "; returns 3 coming: stock the warehouses it replenishes no longer keep: WH-GZ01 3"
            ),
            "{label}: {}",
            central.why
        );
        // The part's page decides the same, and says so where a run would order.
        let page = app
            .part_plan(&Actor::Cli, w.station, w.p1, opts)
            .await
            .unwrap();
        let decided = page.decision.expect("the page's decision");
        assert_eq!(
            (decided.kind, decided.qty),
            (ProposalKind::Return, 3),
            "{label}"
        );
        assert_eq!(page.reason, back.reason, "{label}");
        let central_page = app
            .part_plan(&Actor::Cli, w.central, w.p1, opts)
            .await
            .unwrap();
        assert!(
            central_page.why.contains("; returns 3 coming"),
            "{label}: {}",
            central_page.why
        );
        // A second run updates the same proposal instead of adding one.
        app.plan_run(&Actor::Cli, opts).await.unwrap();
        let rows = open(app).await;
        assert_eq!(
            find(&rows, w.station, w.p1).map(|r| r.id),
            Some(back.id),
            "{label}"
        );
        // Approving ships the units from the station back to central through the ledger.
        let approved = app.approve_proposal(&Actor::Cli, back.id).await.unwrap();
        assert_eq!(
            approved.document_kind.as_deref(),
            Some("transfer"),
            "{label}"
        );
        assert_eq!(shelf(app, w.station, w.p1, "good").await, 1, "{label}");
        let coming: i64 = transit_of(app, w.central, w.p1)
            .await
            .iter()
            .map(|t| t.1)
            .sum();
        assert_eq!(coming, 3, "{label}");
        // Next run: nothing left to send back, and central counts the units in transit
        // once (from the ledger), not as a return as well.
        app.plan_run(&Actor::Cli, opts).await.unwrap();
        assert!(find(&open(app).await, w.station, w.p1).is_none(), "{label}");
        let central = item_at(app, w.central, w.p1).await;
        assert!(!central.why.contains("returns"), "{label}: {}", central.why);
        // Stock received there lately was placed on purpose (a first fill, say): it stays,
        // though the station still does not stock the part.
        receive_all(app, w.central, w.station, w.p1, 2).await;
        app.plan_run(&Actor::Cli, opts).await.unwrap();
        assert!(find(&open(app).await, w.station, w.p1).is_none(), "{label}");
        let station = item_at(app, w.station, w.p1).await;
        assert!(
            station.why.contains("not stocked") && !station.why.contains("return"),
            "{label}: {}",
            station.why
        );
    }
}

#[tokio::test]
async fn a_last_time_buy_buys_at_least_what_the_children_ask_beyond_its_own_stock() {
    for db in each_backend().await.unwrap() {
        let label = db.label;
        let w = world(db).await;
        let app = &w.app;
        // PN-2 goes out of production; central (50 on hand) never issued it, the station
        // asks 80 (manual 80): the fit finds no demand, yet 30 are owed beyond the shelf.
        let mut tx = app.db.begin_write().await.unwrap();
        plan_store::set_part_planning(&mut tx, w.p2, 14, Some("2026-01-01"), Some("2029-12-31"))
            .await
            .unwrap();
        tx.commit().await.unwrap();
        set_levels(app, w.station, w.p2, 80, 80).await;
        app.plan_run(&Actor::Cli, weekly()).await.unwrap();
        let ltb = find(&open(app).await, w.central, w.p2).unwrap().clone();
        assert_eq!(
            (ltb.kind, ltb.qty),
            (ProposalKind::LastTimeBuy, 30),
            "{label}"
        );
        assert!(
            ltb.reason.ends_with(
                "; raised to 30: the warehouses it replenishes ask 80 now against 50 here"
            ),
            "{label}: {}",
            ltb.reason
        );
        // Four units a regional warehouse sends back are central's own once they arrive:
        // not bought again.
        let mut tx = app.db.begin_write().await.unwrap();
        let regional = regional_under(&mut tx, "WH-R", w.central).await;
        plan_store::upsert_proposals(
            &mut tx,
            &[plan_store::ProposalDraft {
                warehouse: regional,
                part: w.p2,
                kind: ProposalKind::Return,
                source: None,
                destination: Some(w.central),
                supplier: None,
                qty: 4,
                need_by: app.now(),
                reason: "return".into(),
                overridden: false,
                run_id: None,
                transfer_days: None,
            }],
            app.now(),
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        app.plan_run(&Actor::Cli, weekly()).await.unwrap();
        let ltb = find(&open(app).await, w.central, w.p2).unwrap().clone();
        assert!(
            ltb.reason.ends_with(
                "; raised to 26: the warehouses it replenishes ask 80 now against 54 here"
            ),
            "{label}: {}",
            ltb.reason
        );
    }
}

#[tokio::test]
async fn a_last_time_buy_does_not_count_stock_below_that_already_covers_a_recall() {
    for db in each_backend().await.unwrap() {
        let label = db.label;
        let w = world(db).await;
        let app = &w.app;
        // Thirty units of PN-3 (past end of production) lie at the station, which has no
        // demand for it: network stock the last-time buy counts.
        stock_in(app, w.supplier, w.central, w.p3, 30).await;
        receive_all(app, w.central, w.station, w.p3, 30).await;
        app.plan_run(&Actor::Cli, weekly()).await.unwrap();
        let before = find(&open(app).await, w.central, w.p3).unwrap().clone();
        // A recall of 100 at the station this week: its 30 units go to the recall (70 go
        // up to central as event demand), so the buy rises by all 100, not by 70.
        app.add_demand_event(
            &Actor::Cli,
            AddDemandEvent {
                affected_units: 5000,
                ..recall("PN-3", w.station, "2026-08-03", "2026-08-09")
            },
        )
        .await
        .unwrap();
        app.plan_run(&Actor::Cli, weekly()).await.unwrap();
        let after = find(&open(app).await, w.central, w.p3).unwrap().clone();
        assert_eq!(after.kind, ProposalKind::LastTimeBuy, "{label}");
        assert_eq!(
            after.qty,
            before.qty + 100,
            "{label}: {} / {}",
            before.reason,
            after.reason
        );
    }
}

#[tokio::test]
async fn a_childs_stock_beyond_its_regular_level_is_not_in_the_recall_units_it_asks_for() {
    for db in each_backend().await.unwrap() {
        let label = db.label;
        let w = world(db).await;
        let app = &w.app;
        app.plan_run(&Actor::Cli, weekly()).await.unwrap();
        let regular = item_at(app, w.station, w.p1).await.reorder_point;
        // The station holds 3 units beyond its regular reorder point, then a recall of 20
        // units this week: 3 of them are on its shelf, 17 are asked of central.
        receive_all(app, w.central, w.station, w.p1, regular + 3).await;
        app.add_demand_event(
            &Actor::Cli,
            recall("PN-1", w.station, "2026-08-03", "2026-08-09"),
        )
        .await
        .unwrap();
        app.plan_run(&Actor::Cli, weekly()).await.unwrap();
        let station = item_at(app, w.station, w.p1).await;
        assert_eq!(station.detail.event_milli, 20_000, "{label}");
        assert_eq!(station.reorder_point, regular + 20, "{label}");
        assert_eq!(
            station.detail.event_asked_milli, 17_000,
            "{label}: {station:?}"
        );
    }
}

#[tokio::test]
async fn an_approved_transfer_arrives_after_the_runs_transfer_days() {
    for db in each_backend().await.unwrap() {
        let label = db.label;
        let w = world(db).await;
        let app = &w.app;
        let opts = PlanOptions {
            transfer_days: 10,
            ..weekly()
        };
        app.plan_run(&Actor::Cli, opts).await.unwrap();
        let p1 = find(&open(app).await, w.station, w.p1).unwrap().clone();
        w.clock.advance_minutes(5);
        let now = app.now();
        app.approve_proposal(&Actor::Cli, p1.id).await.unwrap();
        let transit = transit_of(app, w.station, w.p1).await;
        assert_eq!(transit.len(), 1, "{label}");
        assert_eq!(transit[0].2, now.0 + 10 * DAY, "{label}: ETA");
    }
}

#[tokio::test]
async fn an_order_approved_at_a_second_top_warehouse_counts_there_and_is_not_proposed_again() {
    for db in each_backend().await.unwrap() {
        let label = db.label;
        let w = world(db).await;
        let app = &w.app;
        // A second warehouse without a parent, buying PN-2 from the supplier itself.
        let mut tx = app.db.begin_write().await.unwrap();
        let north = org::insert_warehouse(
            &mut tx,
            &NewWarehouse {
                code: "WH-N".into(),
                name: "北方仓".into(),
                kind: WarehouseKind::Central,
                parent_id: None,
                region_id: None,
                station_id: None,
                address: "x".into(),
                after_sales: true,
                active: true,
            },
        )
        .await
        .unwrap();
        master::set_levels(
            &mut tx,
            north,
            w.p2,
            StockLevels::new(Qty::new(5).unwrap(), Some(Qty::new(10).unwrap())).unwrap(),
        )
        .await
        .unwrap();
        // Central (the first top warehouse): 50 on hand below a minimum of 55 → 20 to 70;
        // the station asks nothing of it (its request would be central's backorder).
        master::set_levels(
            &mut tx,
            w.station,
            w.p2,
            StockLevels::new(Qty::ZERO, Some(Qty::ZERO)).unwrap(),
        )
        .await
        .unwrap();
        master::set_levels(
            &mut tx,
            w.central,
            w.p2,
            StockLevels::new(Qty::new(55).unwrap(), Some(Qty::new(70).unwrap())).unwrap(),
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        app.plan_run(&Actor::Cli, weekly()).await.unwrap();
        let n = find(&open(app).await, north, w.p2).unwrap().clone();
        assert_eq!((n.kind, n.qty), (ProposalKind::Purchase, 10), "{label}");
        let c = find(&open(app).await, w.central, w.p2).unwrap().clone();
        assert_eq!(c.qty, 20, "{label}");
        app.approve_proposal(&Actor::Cli, n.id).await.unwrap();
        // The next run counts the order at WH-N (nothing more there) and not at central.
        w.clock.advance_minutes(1);
        app.plan_run(&Actor::Cli, weekly()).await.unwrap();
        let rows = open(app).await;
        let again = find(&rows, north, w.p2);
        assert!(again.is_none(), "{label}: ordered twice: {again:#?}");
        let c = find(&rows, w.central, w.p2).unwrap();
        assert_eq!(
            c.qty, 20,
            "{label}: central counted WH-N's order: {}",
            c.reason
        );
        // An order placed by hand still counts at the first top warehouse.
        q(
            app,
            Command::PlacePurchaseOrder {
                supplier: w.supplier,
                lines: vec![(w.p2, Qty::new(20).unwrap())],
            },
        )
        .await;
        app.plan_run(&Actor::Cli, weekly()).await.unwrap();
        let rows = open(app).await;
        assert!(find(&rows, w.central, w.p2).is_none(), "{label}");
        assert!(find(&rows, north, w.p2).is_none(), "{label}");
        // An issue at central counts only the hand-placed order on its way: 30 + 20 < 55.
        issue(app, w.central, w.p2, 20, 77).await;
        let e = find(&open(app).await, w.central, w.p2).unwrap().clone();
        assert_eq!((e.kind, e.qty), (ProposalKind::Emergency, 20), "{label}");
        assert!(e.reason.contains("20 on the way"), "{label}: {}", e.reason);
    }
}

#[tokio::test]
async fn two_successions_at_once_that_would_form_a_loop_store_only_one() {
    for db in each_backend().await.unwrap() {
        let label = db.label;
        let w = world(db).await;
        let app = &w.app;
        // Another writer of successions holds them while both changes start, so both
        // look at the successions before either has written.
        let mut blocker = app.db.begin_write().await.unwrap();
        aftercare_store::planning_lifecycle::lock_successions(&mut blocker)
            .await
            .unwrap();
        let (ab, ba, ()) = tokio::join!(
            app.set_succession(&Actor::Cli, succession("PN-1", "PN-2", None)),
            app.set_succession(&Actor::Cli, succession("PN-2", "PN-1", None)),
            async {
                tokio::time::sleep(std::time::Duration::from_millis(300)).await;
                blocker.commit().await.unwrap();
            },
        );
        assert!(
            ab.is_ok() != ba.is_ok(),
            "{label}: exactly one may succeed: {ab:?} / {ba:?}"
        );
        let err = ab.err().or(ba.err()).unwrap();
        assert!(err.to_string().contains("may not loop"), "{label}: {err}");
        assert_eq!(invalid_field(err), "successor", "{label}");
        assert_eq!(
            app.successions(&Actor::Cli).await.unwrap().len(),
            1,
            "{label}"
        );
    }
}

async fn set_levels(app: &App, w: WarehouseId, p: PartId, min: i64, max: i64) {
    let mut tx = app.db.begin_write().await.unwrap();
    master::set_levels(
        &mut tx,
        w,
        p,
        StockLevels::new(Qty::new(min).unwrap(), Some(Qty::new(max).unwrap())).unwrap(),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
}

#[tokio::test]
async fn no_emergency_for_an_inactive_part_nor_a_regular_buy_past_end_of_production() {
    for db in each_backend().await.unwrap() {
        let label = db.label;
        let w = world(db).await;
        let app = &w.app;
        // PN-2 at central: 44 left after an issue (no minimum yet), then a minimum of 45
        // and the part is taken out of use.
        issue(app, w.central, w.p2, 6, 1).await;
        set_levels(app, w.central, w.p2, 45, 60).await;
        let sql = "UPDATE parts SET active = FALSE WHERE id = $1";
        match &app.db {
            aftercare_store::Db::Sqlite(p) => {
                sqlx::query(sql).bind(w.p2.0).execute(p).await.unwrap();
            }
            aftercare_store::Db::Postgres(p) => {
                sqlx::query(sql).bind(w.p2.0).execute(p).await.unwrap();
            }
        }
        let raised = app.raise_emergency_if_short(w.central, w.p2).await.unwrap();
        assert!(raised.is_none(), "{label}: inactive part: {raised:#?}");
        // PN-3 is past end of production: 20 left at central below a minimum of 30 is for
        // the run's last-time buy, not an emergency purchase ...
        set_levels(app, w.central, w.p3, 30, 40).await;
        let raised = app.raise_emergency_if_short(w.central, w.p3).await.unwrap();
        assert!(raised.is_none(), "{label}: purchase past EOP: {raised:#?}");
        // ... while a station short of it still gets a transfer from its parent.
        set_levels(app, w.station, w.p3, 2, 4).await;
        let raised = app.raise_emergency_if_short(w.station, w.p3).await.unwrap();
        let e = raised.unwrap_or_else(|| panic!("{label}: no emergency at the station"));
        assert_eq!(
            (e.kind, e.source, e.qty),
            (ProposalKind::Emergency, Some(w.central), 4),
            "{label}"
        );
        assert!(open(app).await.iter().all(|r| r.warehouse == w.station));
    }
}

#[tokio::test]
async fn past_end_of_production_without_a_future_end_of_service_a_run_buys_nothing() {
    for db in each_backend().await.unwrap() {
        let label = db.label;
        let w = world(db).await;
        let app = &w.app;
        // PN-3 at central: 20 left below manual levels 30 / 40, out of production a year.
        set_levels(app, w.central, w.p3, 30, 40).await;
        for (eos, says) in [
            (None, "no last-time buy until an end of service is set"),
            (
                Some("2026-01-01"),
                "past end of production and end of service",
            ),
        ] {
            let mut tx = app.db.begin_write().await.unwrap();
            plan_store::set_part_planning(&mut tx, w.p3, 14, Some("2025-01-01"), eos)
                .await
                .unwrap();
            tx.commit().await.unwrap();
            app.plan_run(&Actor::Cli, weekly()).await.unwrap();
            let rows = open(app).await;
            assert!(
                find(&rows, w.central, w.p3).is_none(),
                "{label} {eos:?}: a purchase past end of production: {rows:#?}"
            );
            let item = item_at(app, w.central, w.p3).await;
            assert!(item.why.contains(says), "{label} {eos:?}: {}", item.why);
            // Stations still get transfers of what the central warehouse holds.
            assert!(rows.iter().any(|r| r.warehouse == w.station), "{label}");
            w.clock.advance_minutes(1);
        }
    }
}

#[tokio::test]
async fn a_run_keeps_an_emergency_raised_after_it_read_the_ledger() {
    for db in each_backend().await.unwrap() {
        let label = db.label;
        let w = world(db).await;
        let app = &w.app;
        app.plan_run(&Actor::Cli, weekly()).await.unwrap();
        let p1 = find(&open(app).await, w.station, w.p1).unwrap().clone();
        assert_eq!(p1.kind, ProposalKind::Transfer, "{label}");
        // A run reads the ledger ...
        w.clock.advance_minutes(1);
        let computed = app.plan_compute(&Actor::Cli, weekly()).await.unwrap();
        // ... an issue at the station raises PN-1's emergency over the run's proposal ...
        w.clock.advance_minutes(1);
        set_levels(app, w.station, w.p1, 3, 9).await;
        let e = app
            .raise_emergency_if_short(w.station, w.p1)
            .await
            .unwrap()
            .unwrap();
        assert_eq!((e.id, e.kind, e.qty), (p1.id, ProposalKind::Emergency, 9));
        // ... and the run's older view does not overwrite it.
        w.clock.advance_minutes(1);
        let report = app.plan_commit(&Actor::Cli, computed).await.unwrap();
        let after = proposal(app, p1.id).await;
        assert_eq!(
            (after.status.as_str(), after.kind, after.qty),
            ("open", ProposalKind::Emergency, 9),
            "{label}: {after:#?}"
        );
        assert_eq!(report.skipped, 1, "{label}: {report:?}");
        // The next run plans the pair again.
        w.clock.advance_minutes(1);
        let next = app.plan_run(&Actor::Cli, weekly()).await.unwrap();
        assert_eq!(next.skipped, 0, "{label}: {next:?}");
        assert_eq!(proposal(app, p1.id).await.qty, 9, "{label}: manual max 9");
    }
}

/// `√(2·K·D / h)` in currency units: `k_minor` the order cost in minor units, `d` the
/// demand per week, `h` from the world's standard cost of ¥100.00 at `rate_pct` a year.
fn eoq_by_hand(k_minor: i64, d: f64, rate_pct: i64) -> f64 {
    let k = k_minor as f64 / 100.0;
    let h = 100.0 * rate_pct as f64 / 100.0 * 7.0 / 365.25;
    (2.0 * k * d / h).sqrt()
}

/// The lot a run orders, by hand: the whole number of units next to the EOQ that costs
/// less (`K·D/q + h·q/2`, the larger on a tie), at most a year (52 weeks) of demand `d`.
fn lot_by_hand(k_minor: i64, d: f64, rate_pct: i64) -> i64 {
    let k = k_minor as f64 / 100.0;
    let h = 100.0 * rate_pct as f64 / 100.0 * 7.0 / 365.25;
    let eoq = eoq_by_hand(k_minor, d, rate_pct);
    let cost = |q: f64| k * d / q + h * q / 2.0;
    let (below, above) = (eoq.floor().max(1.0), eoq.ceil().max(1.0));
    let whole = if cost(below) < cost(above) {
        below
    } else {
        above
    };
    whole.min((d * 52.0).floor().max(1.0)) as i64
}

async fn item_at(app: &App, w: WarehouseId, p: PartId) -> plan_store::PlanItemRow {
    plan_store::item(&app.db, w, p).await.unwrap().unwrap()
}

#[tokio::test]
async fn an_order_below_the_reorder_point_is_one_eoq_of_the_order_and_holding_costs() {
    for db in each_backend().await.unwrap() {
        let label = db.label;
        let w = world(db).await;
        let app = &w.app;
        // Defaults: a transfer costs ¥30.00, holding a unit 20 % of ¥100.00 a year.
        app.plan_run(&Actor::Cli, weekly()).await.unwrap();
        let item = item_at(app, w.station, w.p1).await;
        let d = item.mean_milli as f64 / 1000.0;
        assert!(
            d > 0.3 && d < 0.7,
            "{label}: one unit every other week: {d}"
        );
        let eoq = eoq_by_hand(3_000, d, 20);
        let lot = lot_by_hand(3_000, d, 20);
        assert!(lot >= 2, "{label}: {eoq}");
        assert!(
            (item.detail.eoq_milli as f64 / 1000.0 - eoq).abs() < 0.01,
            "{label}: EOQ {} by hand {eoq}",
            item.detail.eoq_milli
        );
        assert_eq!(
            item.max_qty,
            item.reorder_point - 1 + lot,
            "{label}: {item:?}"
        );
        assert_eq!(item.detail.lot, lot, "{label}");
        assert_eq!(item.detail.order_cost, 3_000, "{label}");
        // ¥20.00 a year is 20 × 7 / 365.25 = 0.38329911 a week.
        assert_eq!(item.detail.holding_cost_nanos, 383_299_110, "{label}");
        assert!(item.reorder_point >= 1, "{label}: {item:?}");
        // The station is empty: the proposal orders up to the maximum, and says so.
        let p = find(&open(app).await, w.station, w.p1).unwrap().clone();
        assert_eq!(p.qty, item.max_qty, "{label}: {}", p.reason);
        assert_eq!(
            p.reason,
            format!(
                "available 0 < reorder point {}; order up to {}: {} ({})",
                item.reorder_point, item.max_qty, item.max_qty, item.method
            ),
            "{label}"
        );
        // The part's page shows the same sizing.
        let view = app
            .part_plan(&Actor::Cli, w.station, w.p1, weekly())
            .await
            .unwrap();
        assert_eq!(view.sizing, item.detail, "{label}");
        assert_eq!(view.order_kind, ProposalKind::Transfer, "{label}");
        assert_eq!(view.holding_rate_pct, 20, "{label}");
        assert_eq!(view.max, view.reorder_point - 1.0 + lot as f64, "{label}");

        // At the warehouse without a parent the order cost is a purchase order's (¥200.00):
        // PN-3, two units a week at central.
        let central = item_at(app, w.central, w.p3).await;
        let d3 = central.mean_milli as f64 / 1000.0;
        let eoq3 = eoq_by_hand(20_000, d3, 20);
        assert_eq!(central.detail.order_cost, 20_000, "{label}");
        assert!(
            (central.detail.eoq_milli as f64 / 1000.0 - eoq3).abs() < 0.01,
            "{label}: EOQ {} by hand {eoq3}",
            central.detail.eoq_milli
        );
        assert_eq!(
            central.max_qty,
            central.reorder_point - 1 + lot_by_hand(20_000, d3, 20),
            "{label}: {central:?}"
        );

        // A dearer transfer: a larger EOQ, a higher maximum.
        app.plan_run(
            &Actor::Cli,
            PlanOptions {
                transfer_cost: 12_000,
                ..weekly()
            },
        )
        .await
        .unwrap();
        let dear = item_at(app, w.station, w.p1).await;
        assert_eq!(
            dear.max_qty,
            dear.reorder_point - 1 + lot_by_hand(12_000, d, 20),
            "{label}: {dear:?}"
        );
        assert!(dear.max_qty > item.max_qty, "{label}: {dear:?} vs {item:?}");

        // Dearer holding: a smaller EOQ, a lower maximum.
        app.plan_run(
            &Actor::Cli,
            PlanOptions {
                holding_rate_pct: 80,
                ..weekly()
            },
        )
        .await
        .unwrap();
        let held = item_at(app, w.station, w.p1).await;
        assert_eq!(
            held.max_qty,
            held.reorder_point - 1 + lot_by_hand(3_000, d, 80),
            "{label}: {held:?}"
        );
        assert!(held.max_qty < item.max_qty, "{label}: {held:?} vs {item:?}");

        // A transfer dear enough for an EOQ beyond a year of demand: the lot is a year's.
        app.plan_run(
            &Actor::Cli,
            PlanOptions {
                transfer_cost: 100_000,
                ..weekly()
            },
        )
        .await
        .unwrap();
        let capped = item_at(app, w.station, w.p1).await;
        let year = (d * 52.0).floor() as i64;
        assert!(capped.detail.eoq_milli > year * 1000, "{label}: {capped:?}");
        assert_eq!(capped.detail.lot, year, "{label}: {capped:?}");
        assert!(capped.detail.lot_capped, "{label}");
        assert!(!item.detail.lot_capped, "{label}: {item:?}");
        assert_eq!(capped.max_qty, capped.reorder_point - 1 + year, "{label}");

        // Transfers that cost nothing: no EOQ, the maximum is the reorder point.
        app.plan_run(
            &Actor::Cli,
            PlanOptions {
                transfer_cost: 0,
                ..weekly()
            },
        )
        .await
        .unwrap();
        let free = item_at(app, w.station, w.p1).await;
        assert_eq!(free.max_qty, free.reorder_point, "{label}: {free:?}");
        assert_eq!(
            (
                free.detail.eoq_milli,
                free.detail.lot,
                free.detail.order_cost
            ),
            (0, 0, 0),
            "{label}"
        );
        // The lot does not cost fill rate: with it the reorder point is no higher.
        assert!(
            item.reorder_point <= free.reorder_point,
            "{label}: {item:?} vs {free:?}"
        );
    }
}

#[tokio::test]
async fn an_eoq_below_one_periods_demand_orders_up_to_the_reorder_point_every_period() {
    for db in each_backend().await.unwrap() {
        let label = db.label;
        let w = world(db).await;
        let app = &w.app;
        // PN-3 at central: two units a week; a purchase order costing ¥0.01 makes the EOQ
        // a third of a unit, less than a week's demand: each weekly review orders more
        // than that anyway, so the levels order up to the reorder point.
        let tiny = PlanOptions {
            purchase_order_cost: 1,
            ..weekly()
        };
        app.plan_run(&Actor::Cli, tiny).await.unwrap();
        let item = item_at(app, w.central, w.p3).await;
        let d = item.mean_milli as f64 / 1000.0;
        assert!(d > 1.0, "{label}: {d}");
        let eoq = eoq_by_hand(1, d, 20);
        assert!(eoq < 1.0, "{label}: {eoq}");
        assert!(
            (item.detail.eoq_milli as f64 / 1000.0 - eoq).abs() < 0.01,
            "{label}: {item:?}"
        );
        assert_eq!(item.detail.lot, 0, "{label}: {item:?}");
        assert_eq!(item.max_qty, item.reorder_point, "{label}: {item:?}");
        // The same reorder point as ordering costing nothing: the lot formula (one order
        // per lot) would have raised it.
        app.plan_run(
            &Actor::Cli,
            PlanOptions {
                purchase_order_cost: 0,
                ..weekly()
            },
        )
        .await
        .unwrap();
        let free = item_at(app, w.central, w.p3).await;
        assert_eq!(
            (item.reorder_point, item.min_qty),
            (free.reorder_point, free.min_qty),
            "{label}"
        );
    }
}

#[tokio::test]
async fn bad_costs_or_holding_rates_name_their_field_and_plan_nothing() {
    for db in each_backend().await.unwrap() {
        let label = db.label;
        let w = world(db).await;
        let app = &w.app;
        for (opts, fields) in [
            (
                PlanOptions {
                    holding_rate_pct: 0,
                    ..weekly()
                },
                vec!["holding_rate_pct"],
            ),
            (
                PlanOptions {
                    holding_rate_pct: 101,
                    ..weekly()
                },
                vec!["holding_rate_pct"],
            ),
            (
                PlanOptions {
                    purchase_order_cost: -1,
                    transfer_cost: -3_000,
                    ..weekly()
                },
                vec!["purchase_order_cost", "transfer_cost"],
            ),
            (
                PlanOptions {
                    transfer_cost: 10_000_000_001,
                    ..weekly()
                },
                vec!["transfer_cost"],
            ),
        ] {
            let err = app.plan_run(&Actor::Cli, opts).await.unwrap_err();
            let AppError::Invalid(got) = err else {
                panic!("{label}: not invalid: {err:?}")
            };
            let names: Vec<&str> = got.iter().map(|f| f.field.as_str()).collect();
            assert_eq!(names, fields, "{label}: {got:?}");
            let err = app
                .part_plan(&Actor::Cli, w.station, w.p1, opts)
                .await
                .unwrap_err();
            assert!(matches!(err, AppError::Invalid(_)), "{label}: {err:?}");
        }
        assert!(open(app).await.is_empty(), "{label}");
        assert!(
            plan_store::item(&app.db, w.station, w.p1)
                .await
                .unwrap()
                .is_none(),
            "{label}: a plan was stored"
        );
        // At the edges it runs.
        let ok = PlanOptions {
            holding_rate_pct: 100,
            purchase_order_cost: 0,
            transfer_cost: 10_000_000_000,
            ..weekly()
        };
        let report = app.plan_run(&Actor::Cli, ok).await.unwrap();
        assert_eq!(
            (
                report.purchase_order_cost,
                report.transfer_cost,
                report.holding_rate_pct
            ),
            (0, 10_000_000_000, 100),
            "{label}"
        );
    }
}

#[tokio::test]
async fn a_part_gone_quiet_keeps_levels_its_history_can_justify() {
    for db in each_backend().await.unwrap() {
        let label = db.label;
        let w = world(db).await;
        let app = &w.app;
        // PN-1 sold one unit every other week at the station for 30 weeks (15 in all),
        // then nothing for 40 weeks: the forecast has decayed towards zero while its
        // errors still carry the old sales.
        w.clock.advance_minutes(40 * 7 * 24 * 60);
        // Free orders: no EOQ, so order-up-to, whose fill formula weighs the shortage
        // against the (tiny) mean.
        let opts = PlanOptions {
            periods: 104,
            purchase_order_cost: 0,
            transfer_cost: 0,
            ..weekly()
        };
        app.plan_run(&Actor::Cli, opts).await.unwrap();
        let item = item_at(app, w.station, w.p1).await;
        assert!(item.mean_milli < 100, "{label}: decayed: {item:?}");
        // One unit at a time, at most one a week: a couple of units cover 95 % of it
        // (without the variance bound the reorder point was 35).
        assert!(item.reorder_point <= 2, "{label}: {item:?}");
        assert_eq!(item.max_qty, item.reorder_point, "{label}: no EOQ");
        if let Some(p) = find(&open(app).await, w.station, w.p1) {
            assert!(p.qty <= 2, "{label}: {}", p.reason);
        }
    }
}

/// A plan's levels as a run stores them: reorder point and maximum rounded up to whole
/// units, the maximum at least the reorder point.
fn stored_levels(v: &aftercare_app::planning::PartPlanView) -> (i64, i64) {
    let rop = v.reorder_point.max(0.0).ceil() as i64;
    (rop, (v.max.max(0.0).ceil() as i64).max(rop))
}

#[tokio::test]
async fn a_parts_plan_is_recomputed_with_every_option_of_the_latest_run() {
    for db in each_backend().await.unwrap() {
        let label = db.label;
        let w = world(db).await;
        let app = &w.app;
        // Before the first run: the defaults, and no run to name.
        assert_eq!(app.latest_run_settings(&Actor::Cli).await.unwrap(), None);
        let view = app
            .part_plan_as_run(&Actor::Cli, w.station, w.p1, PlanOverrides::default())
            .await
            .unwrap();
        assert_eq!(
            (view.run.clone(), view.options),
            (None, PlanOptions::default()),
            "{label}"
        );

        let opts = PlanOptions {
            target_fill: 0.90,
            transfer_cost: 8_000,
            holding_rate_pct: 40,
            transfer_days: 7,
            ..weekly()
        };
        let report = app.plan_run(&Actor::Cli, opts).await.unwrap();
        let run = app.latest_run_settings(&Actor::Cli).await.unwrap().unwrap();
        assert_eq!(
            (run.run_id, run.started_at, run.options),
            (report.run_id, Instant(T0.0 + WEEKS * 7 * 86_400_000), opts),
            "{label}"
        );
        assert!(report.open > 0, "{label}: {report:?}");
        assert_eq!(run.open_proposals, report.open, "{label}");
        // Both kinds of pair: a transfer to the station (transfer cost and days) and a
        // purchase at the central warehouse (holding rate, target fill).
        for (wh, part) in [(w.station, w.p1), (w.central, w.p3)] {
            let item = item_at(app, wh, part).await;
            let view = app
                .part_plan_as_run(&Actor::Cli, wh, part, PlanOverrides::default())
                .await
                .unwrap();
            assert_eq!(view.run.as_ref(), Some(&run), "{label}");
            assert_eq!(view.options, opts, "{label}");
            assert_eq!(
                (stored_levels(&view), view.sizing),
                ((item.reorder_point, item.max_qty), item.detail),
                "{label}: {wh:?} {part:?}: {item:?}"
            );
            assert_eq!(view.stored.as_ref(), Some(&item), "{label}");
            // With the default options the same pair plans other levels: the page showed
            // those next to the run's proposal.
            let default = app
                .part_plan(&Actor::Cli, wh, part, weekly())
                .await
                .unwrap();
            assert_ne!(
                (stored_levels(&default), default.sizing.eoq_milli),
                (stored_levels(&view), view.sizing.eoq_milli),
                "{label}: {wh:?} {part:?}: the run's options change nothing here"
            );
        }
        // The station's proposal says the levels the page shows.
        let item = item_at(app, w.station, w.p1).await;
        let p = find(&open(app).await, w.station, w.p1).unwrap().clone();
        assert!(
            p.reason.contains(&format!(
                "reorder point {}; order up to {}",
                item.reorder_point, item.max_qty
            )),
            "{label}: {}",
            p.reason
        );

        // What the request sets wins; another bucket plans with its default periods and
        // the run's other options.
        let monthly = app
            .part_plan_as_run(
                &Actor::Cli,
                w.station,
                w.p1,
                PlanOverrides {
                    bucket: Some(Bucket::Month),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(
            monthly.options,
            PlanOptions {
                bucket: Bucket::Month,
                periods: 24,
                ..opts
            },
            "{label}"
        );
        assert_eq!(monthly.run.as_ref(), Some(&run), "{label}");
        let same_bucket = app
            .part_plan_as_run(
                &Actor::Cli,
                w.station,
                w.p1,
                PlanOverrides {
                    bucket: Some(Bucket::Week),
                    holding_rate_pct: Some(20),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(
            same_bucket.options,
            PlanOptions {
                holding_rate_pct: 20,
                ..opts
            },
            "{label}"
        );

        // A target fill with more than three decimals plans with the thousandths it keeps.
        app.plan_run(
            &Actor::Cli,
            PlanOptions {
                target_fill: 0.9004,
                ..weekly()
            },
        )
        .await
        .unwrap();
        let run = app.latest_run_settings(&Actor::Cli).await.unwrap().unwrap();
        assert_eq!(run.options.target_fill, 0.9, "{label}");
        let item = item_at(app, w.station, w.p1).await;
        let view = app
            .part_plan_as_run(&Actor::Cli, w.station, w.p1, PlanOverrides::default())
            .await
            .unwrap();
        assert_eq!(
            (stored_levels(&view), view.sizing),
            ((item.reorder_point, item.max_qty), item.detail),
            "{label}"
        );
        let asked = app
            .part_plan(
                &Actor::Cli,
                w.station,
                w.p1,
                PlanOptions {
                    target_fill: 0.9004,
                    ..weekly()
                },
            )
            .await
            .unwrap();
        assert_eq!(asked.options.target_fill, 0.9, "{label}");
    }
}

#[tokio::test]
async fn an_emergency_under_a_manual_minimum_alone_orders_up_to_the_planned_maximum() {
    for db in each_backend().await.unwrap() {
        let label = db.label;
        let w = world(db).await;
        let app = &w.app;
        // A manual minimum of 3 for PN-1 at the (empty) station, no manual maximum.
        let mut tx = app.db.begin_write().await.unwrap();
        master::set_levels(
            &mut tx,
            w.station,
            w.p1,
            StockLevels::new(Qty::new(3).unwrap(), None).unwrap(),
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        app.plan_run(&Actor::Cli, weekly()).await.unwrap();
        let item = item_at(app, w.station, w.p1).await;
        assert!(item.overridden, "{label}: {item:?}");
        assert_eq!(item.reorder_point, 3, "{label}");
        assert!(item.max_qty > 3, "{label}: one EOQ above: {item:?}");
        let run = find(&open(app).await, w.station, w.p1).unwrap().clone();
        assert_eq!(run.qty, item.max_qty, "{label}: {}", run.reason);
        w.clock.advance_minutes(1);
        let e = app
            .raise_emergency_if_short(w.station, w.p1)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (e.kind, e.qty),
            (ProposalKind::Emergency, item.max_qty),
            "{label}: the run's maximum, not the minimum"
        );
        assert!(
            e.reason.contains("available 0 < minimum 3 after an issue"),
            "{label}: a manual level is named a minimum: {}",
            e.reason
        );
    }
}

#[tokio::test]
async fn an_emergency_under_a_planned_level_names_it_the_reorder_point() {
    for db in each_backend().await.unwrap() {
        let label = db.label;
        let w = world(db).await;
        let app = &w.app;
        app.plan_run(&Actor::Cli, weekly()).await.unwrap();
        let mut checked = 0;
        for (warehouse, part) in [
            (w.station, w.p1),
            (w.station, w.p2),
            (w.central, w.p1),
            (w.central, w.p2),
        ] {
            let item = item_at(app, warehouse, part).await;
            if item.overridden || item.reorder_point <= 0 {
                continue;
            }
            w.clock.advance_minutes(1);
            let Some(e) = app.raise_emergency_if_short(warehouse, part).await.unwrap() else {
                continue;
            };
            assert!(
                e.reason.contains(&format!(
                    "< reorder point {} after an issue",
                    item.reorder_point
                )),
                "{label}: {}",
                e.reason
            );
            assert!(!e.reason.contains("minimum"), "{label}: {}", e.reason);
            checked += 1;
        }
        assert!(checked > 0, "{label}: no pair short of its planned level");
    }
}

#[tokio::test]
async fn defective_parts_sent_up_and_returns_to_the_parent_are_not_demand() {
    for db in each_backend().await.unwrap() {
        let label = db.label;
        let w = world(db).await;
        let app = &w.app;
        let history = |v: aftercare_app::planning::PartPlanView| v.history.iter().sum::<f64>();
        let station_before = history(
            app.part_plan(&Actor::Cli, w.station, w.p1, weekly())
                .await
                .unwrap(),
        );
        let central_before = history(
            app.part_plan(&Actor::Cli, w.central, w.p1, weekly())
                .await
                .unwrap(),
        );
        // Four old parts come back defective at the station and go up to central for
        // repair; two good units go to the station and one of them back up.
        q(
            app,
            Command::DefectiveReturn {
                consumer: Consumer::Ticket(TicketId(900)),
                warehouse: w.station,
                part: w.p1,
                qty: Qty::new(4).unwrap(),
            },
        )
        .await;
        let ship = |from, to, condition, n| Command::ShipTransfer {
            from,
            to,
            eta: Instant(T0.0 + 400 * 86_400_000),
            lines: vec![TransferQty {
                part: w.p1,
                condition,
                qty: Qty::new(n).unwrap(),
            }],
        };
        q(
            app,
            ship(w.station, w.central, StockCondition::Defective, 4),
        )
        .await;
        let Some(Created::Transfer(t)) =
            q(app, ship(w.central, w.station, StockCondition::Good, 2))
                .await
                .created
        else {
            panic!("{label}: no transfer")
        };
        q(
            app,
            Command::ReceiveTransfer {
                transfer: t,
                lines: vec![TransferQty {
                    part: w.p1,
                    condition: StockCondition::Good,
                    qty: Qty::new(2).unwrap(),
                }],
                close: true,
            },
        )
        .await;
        q(app, ship(w.station, w.central, StockCondition::Good, 1)).await;
        w.clock.advance_minutes(7 * 24 * 60);
        let station = history(
            app.part_plan(&Actor::Cli, w.station, w.p1, weekly())
                .await
                .unwrap(),
        );
        let central = history(
            app.part_plan(&Actor::Cli, w.central, w.p1, weekly())
                .await
                .unwrap(),
        );
        // The station's demand is its issues only (the window moved a week: at most one
        // issue of a unit fell out of it); central's gained the 2 good units it sent down.
        assert!(
            station <= station_before && station >= station_before - 1.0,
            "{label}: {station} vs {station_before}"
        );
        assert!(
            central >= central_before + 2.0 - 1e-9 && central <= central_before + 2.0 + 1e-9,
            "{label}: {central} vs {central_before}"
        );
    }
}

/// 26 weeks of issues at the central warehouse, `weekly_qty(part, week)` of each part a
/// week (to requisitions), the clock a week on before each.
async fn issue_weekly(w: &World, parts: &[PartId], weekly_qty: impl Fn(PartId, i64) -> i64) {
    for week in 0..26 {
        w.clock.advance_minutes(7 * 24 * 60);
        for &p in parts {
            let n = weekly_qty(p, week);
            if n > 0 {
                q(
                    &w.app,
                    Command::Issue {
                        warehouse: w.central,
                        part: p,
                        qty: Qty::new(n).unwrap(),
                        consumer: Consumer::Requisition(RequisitionId(9_000 + week)),
                        reservation: None,
                        approved_by: None,
                    },
                )
                .await;
            }
        }
    }
}

/// A part stocked at the central warehouse (500 units from the supplier), at `cost_minor`.
async fn central_part(w: &World, number: &str, cost_minor: i64) -> PartId {
    let mut tx = w.app.db.begin_write().await.unwrap();
    let p = master::insert_part(
        &mut tx,
        &NewPart {
            part_number: number.into(),
            name_zh: "备件".into(),
            standard_cost: Money::from_minor(cost_minor),
        },
        T0,
    )
    .await
    .unwrap();
    plan_store::link_supplier(&mut tx, p, w.supplier, 14)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    stock_in(&w.app, w.supplier, w.central, p, 500).await;
    p
}

#[tokio::test]
async fn a_warehouse_fill_target_stocks_cheap_parts_higher_and_dear_ones_lower_for_less_value() {
    for db in each_backend().await.unwrap() {
        let label = db.label;
        let w = world(db).await;
        let app = &w.app;
        // Four parts at the central warehouse: a cheap fast mover, a mid-priced one, and
        // two dear slow ones.
        let cheap = central_part(&w, "PN-CHEAP", 200).await;
        let mid = central_part(&w, "PN-MID", 5_000).await;
        let dear = central_part(&w, "PN-DEAR", 300_000).await;
        let lumpy = central_part(&w, "PN-LUMPY", 80_000).await;
        let weekly_qty = |p: PartId, week: i64| -> i64 {
            match p {
                p if p == cheap => 3 + week % 3,
                p if p == mid => 1 + week % 2,
                p if p == dear => i64::from(week % 3 == 0),
                _ => 2 * i64::from(week % 4 == 1),
            }
        };
        issue_weekly(&w, &[cheap, mid, dear, lumpy], weekly_qty).await;
        let value = |levels: &[(PartId, i64)]| -> i64 {
            let cost = |p: PartId| match p {
                p if p == cheap => 200,
                p if p == mid => 5_000,
                p if p == dear => 300_000,
                _ => 80_000,
            };
            levels.iter().map(|&(p, rop)| rop * cost(p)).sum()
        };
        let parts = [cheap, mid, dear, lumpy];
        // Free orders: order-up-to, so the levels are all safety stock and cycle demand
        // (an EOQ lot of hundreds of the cheap part would fill most units on its own).
        let free = PlanOptions {
            purchase_order_cost: 0,
            transfer_cost: 0,
            ..weekly()
        };
        let item_run = app.plan_run(&Actor::Cli, free).await.unwrap();
        assert!(item_run.warehouse_fills.is_empty(), "{label}");
        let mut per_item = Vec::new();
        for p in parts {
            per_item.push((p, item_at(app, w.central, p).await.reorder_point));
        }

        let opts = PlanOptions {
            allocation: Allocation::Warehouse,
            ..free
        };
        let run = app.plan_run(&Actor::Cli, opts).await.unwrap();
        assert_eq!(run.allocation, Allocation::Warehouse, "{label}");
        let central = run
            .warehouse_fills
            .iter()
            .find(|f| f.warehouse_code == "WH-C")
            .unwrap_or_else(|| panic!("{label}: {run:?}"));
        // PN-1 and PN-2 (stock, no demand) and the four new parts; PN-3 is past end of
        // production (a last-time buy is sized on its own).
        assert_eq!(central.fill.parts, 6, "{label}: {central:?}");
        assert!(central.fill.expected_fill >= 0.95, "{label}: {central:?}");
        let mut per_warehouse = Vec::new();
        for p in parts {
            let item = item_at(app, w.central, p).await;
            assert!(
                item.why.contains("warehouse's fill target 95.0 %"),
                "{label}: {}",
                item.why
            );
            per_warehouse.push((p, item.reorder_point));
        }
        // Stock goes where a unit of value fills the most units: the cheap fast mover is
        // held higher, the dearest part lower, and the whole holds less value.
        assert!(
            per_warehouse[0].1 >= per_item[0].1,
            "{label}: {per_warehouse:?} vs {per_item:?}"
        );
        assert!(
            per_warehouse[2].1 < per_item[2].1,
            "{label}: {per_warehouse:?} vs {per_item:?}"
        );
        assert!(
            value(&per_warehouse) < value(&per_item),
            "{label}: {per_warehouse:?} vs {per_item:?}"
        );
        // PN-3 keeps its last-time buy, planned as before.
        assert!(
            !item_at(app, w.central, w.p3)
                .await
                .why
                .contains("warehouse's fill target"),
            "{label}"
        );

        // The part's page recomputes with the run's allocation and shows the calibration.
        let view = app
            .part_plan_as_run(&Actor::Cli, w.central, dear, PlanOverrides::default())
            .await
            .unwrap();
        assert_eq!(view.options.allocation, Allocation::Warehouse, "{label}");
        let fill = view
            .warehouse_fill
            .unwrap_or_else(|| panic!("{label}: no fill"));
        assert_eq!(fill, central.fill, "{label}");
        assert_eq!(stored_levels(&view).0, per_warehouse[2].1, "{label}");
        // Past end of production there is no calibration on the page either.
        let ltb = app
            .part_plan_as_run(&Actor::Cli, w.central, w.p3, PlanOverrides::default())
            .await
            .unwrap();
        assert_eq!(ltb.warehouse_fill, None, "{label}");
        // Asking the page for the per-part target gives the per-part levels.
        let as_item = app
            .part_plan_as_run(
                &Actor::Cli,
                w.central,
                dear,
                PlanOverrides {
                    allocation: Some(Allocation::Item),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(as_item.warehouse_fill, None, "{label}");
        assert_eq!(stored_levels(&as_item).0, per_item[2].1, "{label}");
    }
}

#[tokio::test]
async fn a_warehouse_fill_target_calibrated_on_history_fills_the_target_on_the_replay() {
    for db in each_backend().await.unwrap() {
        let label = db.label;
        let w = world(db).await;
        let app = &w.app;
        let cheap = central_part(&w, "PN-CHEAP", 200).await;
        let mid = central_part(&w, "PN-MID", 5_000).await;
        let dear = central_part(&w, "PN-DEAR", 300_000).await;
        // Demand doubles in the last 13 of the 26 weeks: forecasts made during the rise
        // lag behind it, so levels set for the fill the forecasts promise fill less.
        let weekly_qty = |p: PartId, week: i64| -> i64 {
            let base = match p {
                p if p == cheap => 3 + week % 3,
                p if p == mid => 1 + week % 2,
                _ => i64::from(week % 3 == 0),
            };
            if week >= 13 {
                2 * base + week % 2
            } else {
                base
            }
        };
        issue_weekly(&w, &[cheap, mid, dear], weekly_qty).await;
        let free = PlanOptions {
            purchase_order_cost: 0,
            transfer_cost: 0,
            target_fill: 0.9,
            ..weekly()
        };
        let central_fill = |run: &aftercare_app::planning::PlanRunReport| {
            run.warehouse_fills
                .iter()
                .find(|f| f.warehouse_code == "WH-C")
                .unwrap_or_else(|| panic!("{label}: {run:?}"))
                .fill
        };
        let expected = app
            .plan_run(
                &Actor::Cli,
                PlanOptions {
                    allocation: Allocation::Warehouse,
                    ..free
                },
            )
            .await
            .unwrap();
        let expected = central_fill(&expected);
        assert_eq!(expected.replayed_fill, None, "{label}");

        let opts = PlanOptions {
            allocation: Allocation::WarehouseHistory,
            ..free
        };
        let run = app.plan_run(&Actor::Cli, opts).await.unwrap();
        assert_eq!(run.allocation, Allocation::WarehouseHistory, "{label}");
        let fill = central_fill(&run);
        let replayed = fill
            .replayed_fill
            .unwrap_or_else(|| panic!("{label}: no replay {fill:?}"));
        assert!(fill.reached && replayed >= 0.9, "{label}: {fill:?}");
        assert_eq!(fill.replayed_periods, 13, "{label}");
        assert_eq!(fill.parts, expected.parts, "{label}");
        // The replay saw the lag: a unit short is worth more than the forecasts said.
        assert!(
            fill.worth > expected.worth,
            "{label}: {fill:?} vs {expected:?}"
        );
        let item = item_at(app, w.central, mid).await;
        assert!(
            item.why.contains(
                "warehouse's fill target 90.0 % over 5 parts (replayed over the last 13 weeks"
            ),
            "{label}: {}",
            item.why
        );

        // The run keeps its allocation; the part's page recalibrates the same way.
        let settings = app.latest_run_settings(&Actor::Cli).await.unwrap().unwrap();
        assert_eq!(
            settings.options.allocation,
            Allocation::WarehouseHistory,
            "{label}"
        );
        // It keeps each warehouse's calibration too: the worth to the cent, fills to the
        // millionth.
        let kept = settings
            .warehouse_fills
            .iter()
            .find(|f| f.warehouse_code == "WH-C")
            .unwrap_or_else(|| panic!("{label}: {settings:?}"));
        assert_eq!(kept.warehouse_id, w.central, "{label}");
        assert_eq!(
            settings.warehouse_fills.len(),
            run.warehouse_fills.len(),
            "{label}"
        );
        assert!(
            (kept.fill.worth - fill.worth).abs() <= 0.005,
            "{label}: {kept:?}"
        );
        assert!(
            (kept.fill.replayed_fill.unwrap() - replayed).abs() <= 5e-7
                && (kept.fill.expected_fill - fill.expected_fill).abs() <= 5e-7,
            "{label}: {kept:?} vs {fill:?}"
        );
        assert_eq!(
            (
                kept.fill.parts,
                kept.fill.replayed_periods,
                kept.fill.reached
            ),
            (fill.parts, 13, true),
            "{label}"
        );
        let view = app
            .part_plan_as_run(&Actor::Cli, w.central, dear, PlanOverrides::default())
            .await
            .unwrap();
        assert_eq!(view.warehouse_fill, Some(fill), "{label}");
        assert_eq!(
            stored_levels(&view).0,
            item_at(app, w.central, dear).await.reorder_point,
            "{label}"
        );

        // Four weeks of history replay two, all inside the parts' two-week lead time: the
        // replay sees no demand, and the warehouse is calibrated on the expected fill (not
        // at the bottom of the range, which would stock nothing).
        let mut tx = app.db.begin_write().await.unwrap();
        for p in [cheap, mid, dear] {
            plan_store::set_part_planning(&mut tx, p, 14, None, None)
                .await
                .unwrap();
        }
        tx.commit().await.unwrap();
        let short = |allocation| PlanOptions {
            periods: 4,
            allocation,
            ..free
        };
        let on_history = app
            .plan_run(&Actor::Cli, short(Allocation::WarehouseHistory))
            .await
            .unwrap();
        let on_history = central_fill(&on_history);
        assert_eq!(
            (on_history.replayed_fill, on_history.replayed_periods),
            (None, 0),
            "{label}: {on_history:?}"
        );
        let rop = item_at(app, w.central, cheap).await.reorder_point;
        assert!(rop > 0, "{label}: {on_history:?}");
        let expected_short = app
            .plan_run(&Actor::Cli, short(Allocation::Warehouse))
            .await
            .unwrap();
        assert_eq!(central_fill(&expected_short), on_history, "{label}");
    }
}

#[tokio::test]
async fn a_run_updating_an_open_emergency_keeps_it_an_emergency_with_its_need_by() {
    for db in each_backend().await.unwrap() {
        let label = db.label;
        let w = world(db).await;
        let app = &w.app;
        // PN-1 at the station: nothing left, below a manual minimum of 3: an emergency.
        set_levels(app, w.station, w.p1, 3, 9).await;
        let e = app
            .raise_emergency_if_short(w.station, w.p1)
            .await
            .unwrap()
            .unwrap();
        assert_eq!((e.kind, e.qty), (ProposalKind::Emergency, 9), "{label}");
        // A later run plans the pair with a higher maximum: the quantity and the reason
        // are refreshed, but it stays an emergency, needed as early as it was.
        w.clock.advance_minutes(60);
        set_levels(app, w.station, w.p1, 3, 11).await;
        app.plan_run(&Actor::Cli, weekly()).await.unwrap();
        let after = proposal(app, e.id).await;
        assert_eq!(
            (after.status.as_str(), after.kind, after.qty, after.need_by),
            ("open", ProposalKind::Emergency, 11, e.need_by),
            "{label}: {after:#?}"
        );
        assert!(
            after
                .reason
                .starts_with("emergency requisition: manual levels; "),
            "{label}: {}",
            after.reason
        );
        let listed = app
            .plan_proposals(
                &Actor::Cli,
                ProposalFilter {
                    kind: Some(ProposalKind::Emergency),
                    status: Some("open".into()),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert!(listed.iter().any(|p| p.id == e.id), "{label}: {listed:#?}");
        // Once approved, it is no longer being approved.
        let approved = app.approve_proposal(&Actor::Cli, e.id).await.unwrap();
        assert_eq!(
            (approved.status.as_str(), approved.approving_since),
            ("approved", None),
            "{label}: {approved:#?}"
        );
    }
}

#[tokio::test]
async fn a_last_time_buy_replaces_an_open_emergency_at_the_top_warehouse() {
    for db in each_backend().await.unwrap() {
        let label = db.label;
        let w = world(db).await;
        let app = &w.app;
        let planning = |eop: &'static str| async move {
            let mut tx = app.db.begin_write().await.unwrap();
            plan_store::set_part_planning(&mut tx, w.p3, 14, Some(eop), Some("2028-12-31"))
                .await
                .unwrap();
            tx.commit().await.unwrap();
        };
        // PN-3 still in production, central below a manual minimum: an emergency purchase.
        planning("2027-01-01").await;
        set_levels(app, w.central, w.p3, 30, 40).await;
        let e = app
            .raise_emergency_if_short(w.central, w.p3)
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("{label}: no emergency at central"));
        assert_eq!(e.kind, ProposalKind::Emergency, "{label}");
        // Then it is out of production: the run's last-time buy is what is proposed, under
        // its own kind and reason, not an emergency of a lifetime's quantity.
        w.clock.advance_minutes(60);
        planning("2025-01-01").await;
        app.plan_run(&Actor::Cli, weekly()).await.unwrap();
        let after = proposal(app, e.id).await;
        assert_eq!(
            (after.status.as_str(), after.kind),
            ("open", ProposalKind::LastTimeBuy),
            "{label}: {after:#?}"
        );
        assert!(
            after
                .reason
                .starts_with("last-time buy before end of service: "),
            "{label}: {}",
            after.reason
        );
    }
}

#[tokio::test]
async fn an_emergency_a_run_took_over_is_withdrawn_when_a_later_run_needs_nothing() {
    for db in each_backend().await.unwrap() {
        let label = db.label;
        let w = world(db).await;
        let app = &w.app;
        set_levels(app, w.station, w.p1, 3, 9).await;
        let e = app
            .raise_emergency_if_short(w.station, w.p1)
            .await
            .unwrap()
            .unwrap();
        // Raised by an issue: a run that needs nothing for the pair leaves it to a planner.
        w.clock.advance_minutes(60);
        set_levels(app, w.station, w.p1, 0, 0).await;
        app.plan_run(&Actor::Cli, weekly()).await.unwrap();
        assert_eq!(proposal(app, e.id).await.status, "open", "{label}");
        // A run that updates it takes it over (its reason is the run's now) ...
        w.clock.advance_minutes(60);
        set_levels(app, w.station, w.p1, 3, 11).await;
        app.plan_run(&Actor::Cli, weekly()).await.unwrap();
        let taken = proposal(app, e.id).await;
        assert_eq!(
            (taken.kind, taken.qty),
            (ProposalKind::Emergency, 11),
            "{label}"
        );
        // ... so a later run that needs nothing withdraws it, as any run's proposal.
        w.clock.advance_minutes(60);
        set_levels(app, w.station, w.p1, 0, 0).await;
        app.plan_run(&Actor::Cli, weekly()).await.unwrap();
        assert_eq!(proposal(app, e.id).await.status, "withdrawn", "{label}");
        // An issue raising it again makes it the issue's once more.
        w.clock.advance_minutes(60);
        set_levels(app, w.station, w.p1, 3, 9).await;
        let again = app
            .raise_emergency_if_short(w.station, w.p1)
            .await
            .unwrap()
            .unwrap();
        w.clock.advance_minutes(60);
        set_levels(app, w.station, w.p1, 3, 11).await;
        app.plan_run(&Actor::Cli, weekly()).await.unwrap();
        let before = proposal(app, again.id).await;
        assert_eq!(
            (before.status.as_str(), before.qty),
            ("open", 11),
            "{label}"
        );
        let e2 = app
            .raise_emergency_if_short(w.station, w.p1)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(e2.id, again.id, "{label}");
        w.clock.advance_minutes(60);
        set_levels(app, w.station, w.p1, 0, 0).await;
        app.plan_run(&Actor::Cli, weekly()).await.unwrap();
        assert_eq!(proposal(app, again.id).await.status, "open", "{label}");
    }
}

async fn ship(app: &App, from: WarehouseId, to: WarehouseId, part: PartId, n: i64, eta: Instant) {
    let out = q(
        app,
        Command::ShipTransfer {
            from,
            to,
            eta,
            lines: vec![TransferQty {
                part,
                condition: StockCondition::Good,
                qty: Qty::new(n).unwrap(),
            }],
        },
    )
    .await;
    assert!(matches!(out.created, Some(Created::Transfer(_))), "{out:?}");
}

async fn receive_all(app: &App, from: WarehouseId, to: WarehouseId, part: PartId, n: i64) {
    let Some(Created::Transfer(t)) = q(
        app,
        Command::ShipTransfer {
            from,
            to,
            eta: Instant(app.now().0 + 86_400_000),
            lines: vec![TransferQty {
                part,
                condition: StockCondition::Good,
                qty: Qty::new(n).unwrap(),
            }],
        },
    )
    .await
    .created
    else {
        panic!("no transfer")
    };
    q(
        app,
        Command::ReceiveTransfer {
            transfer: t,
            lines: vec![TransferQty {
                part,
                condition: StockCondition::Good,
                qty: Qty::new(n).unwrap(),
            }],
            close: true,
        },
    )
    .await;
}

#[tokio::test]
async fn event_demand_already_positioned_below_a_warehouse_is_not_bought_again_there() {
    for db in each_backend().await.unwrap() {
        let label = db.label;
        let w = world(db).await;
        let app = &w.app;
        // A chain central → WH-R1 → WH-R2, and a recall of 100 units of PN-1 at WH-R2.
        let mut tx = app.db.begin_write().await.unwrap();
        let mut parent = w.central;
        let mut chain = Vec::new();
        for code in ["WH-R1", "WH-R2"] {
            parent = regional_under(&mut tx, code, parent).await;
            chain.push(parent);
        }
        tx.commit().await.unwrap();
        let (r1, r2) = (chain[0], chain[1]);
        app.add_demand_event(
            &Actor::Cli,
            AddDemandEvent {
                affected_units: 5000,
                ..recall("PN-1", r2, "2026-08-03", "2026-08-09")
            },
        )
        .await
        .unwrap();
        let event_at = async |wh: WarehouseId| {
            app.part_plan(&Actor::Cli, wh, w.p1, weekly())
                .await
                .unwrap()
                .event_demand
        };
        for wh in [r2, r1, w.central] {
            assert_eq!(event_at(wh).await, 100.0, "{label}: nothing positioned yet");
        }
        // 60 units reach WH-R1, which sends 25 of them on to WH-R2 (on the road).
        receive_all(app, w.central, r1, w.p1, 60).await;
        let eta = Instant(app.now().0 + 3 * 86_400_000);
        ship(app, r1, r2, w.p1, 25, eta).await;
        assert_eq!(event_at(r2).await, 100.0, "{label}");
        assert_eq!(event_at(r1).await, 75.0, "{label}: 25 on their way below");
        assert_eq!(event_at(w.central).await, 40.0, "{label}: 25 + 35 below");
        let report = app.plan_run(&Actor::Cli, weekly()).await.unwrap();
        let c = find(&open(app).await, w.central, w.p1).cloned();
        if let Some(c) = c {
            assert!(
                c.reason.starts_with("event demand 40 in the next"),
                "{label}: {}",
                c.reason
            );
        }
        assert!(report.items > 0);
        // WH-R2's request now carries recall units up to WH-R1, which owes them as a
        // backorder and plans only the rest of the recall in its levels.
        let asked = item_at(app, r2, w.p1).await.detail.event_asked_milli as f64 / 1000.0;
        assert!(asked > 0.0, "{label}");
        assert_eq!(
            event_at(r1).await,
            (75.0 - asked).max(0.0),
            "{label}: {asked} asked"
        );
        // More below than the event needs: nothing of it is held above (never below 0).
        ship(app, w.central, r1, w.p1, 80, eta).await;
        assert_eq!(event_at(w.central).await, 0.0, "{label}");
        // ... and its page does not name the recall it plans nothing for.
        let named = async |wh: WarehouseId| {
            app.part_plan(&Actor::Cli, wh, w.p1, weekly())
                .await
                .unwrap()
                .lifecycle
                .events
        };
        assert!(named(w.central).await.is_empty(), "{label}");
        assert_eq!(named(r1).await.len(), 1, "{label}");
    }
}

#[tokio::test]
async fn stock_a_warehouse_holds_for_its_regular_demand_does_not_cover_a_recall_above_it() {
    for db in each_backend().await.unwrap() {
        let label = db.label;
        let w = world(db).await;
        let app = &w.app;
        // A run without events sets the station's regular reorder point for PN-1 ...
        app.plan_run(&Actor::Cli, weekly()).await.unwrap();
        let regular = item_at(app, w.station, w.p1).await.reorder_point;
        assert!(regular > 0, "{label}");
        // ... and the station holds exactly that much.
        let have = plan_store::available(&app.db, w.station, w.p1)
            .await
            .unwrap();
        if have < regular {
            receive_all(app, w.central, w.station, w.p1, regular - have).await;
        } else if have > regular {
            issue(app, w.station, w.p1, have - regular, 77).await;
        }
        assert_eq!(
            plan_store::available(&app.db, w.station, w.p1)
                .await
                .unwrap(),
            regular,
            "{label}"
        );
        // A recall of 100 at the station: the station's own stock serves its regular
        // demand, so its parent plans for the whole recall (not 100 less that stock).
        app.add_demand_event(
            &Actor::Cli,
            AddDemandEvent {
                affected_units: 5000,
                ..recall("PN-1", w.station, "2026-08-03", "2026-08-09")
            },
        )
        .await
        .unwrap();
        let event_at = async |wh: WarehouseId| {
            app.part_plan(&Actor::Cli, wh, w.p1, weekly())
                .await
                .unwrap()
                .event_demand
        };
        assert_eq!(event_at(w.station).await, 100.0, "{label}");
        assert_eq!(
            event_at(w.central).await,
            100.0,
            "{label}: regular stock below"
        );
        // What the station holds beyond it does cover the recall.
        receive_all(app, w.central, w.station, w.p1, 30).await;
        assert_eq!(
            event_at(w.central).await,
            70.0,
            "{label}: 30 above the regular"
        );
    }
}

/// A new part at 50.00 from the world's supplier (14 days), `stock` of it received at
/// the central warehouse.
async fn new_part_in_stock(w: &World, number: &str, name_zh: &str, stock: i64) -> PartId {
    let app = &w.app;
    let mut tx = app.db.begin_write().await.unwrap();
    let p = master::insert_part(
        &mut tx,
        &NewPart {
            part_number: number.into(),
            name_zh: name_zh.into(),
            standard_cost: Money::from_minor(5_000),
        },
        T0,
    )
    .await
    .unwrap();
    plan_store::link_supplier(&mut tx, p, w.supplier, 14)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    stock_in(app, w.supplier, w.central, p, stock).await;
    p
}

#[tokio::test]
async fn a_last_time_buy_fits_the_same_stretch_of_history_by_week_or_by_month() {
    for db in each_backend().await.unwrap() {
        let label = db.label;
        let w = world(db).await;
        let app = &w.app;
        let p = new_part_in_stock(&w, "PN-LUMPY", "遥控板", 75).await;
        // Two years of lumpy demand, steady on the whole (about 20 units a year) but with a
        // quiet quarter near the end, as spare parts have.
        let weeks = 104;
        let mut total = 0;
        for week in 0..weeks {
            w.clock.advance_minutes(7 * 24 * 60);
            let quiet = (weeks - 16..weeks - 3).contains(&week);
            let n = match (week * 7 + 3) % 10 {
                0 | 4 => 1,
                7 => 2,
                _ => 0,
            };
            if n > 0 && !quiet {
                total += n;
                q(
                    app,
                    Command::Issue {
                        warehouse: w.central,
                        part: p,
                        qty: Qty::new(n).unwrap(),
                        consumer: Consumer::Requisition(RequisitionId(20_000 + week)),
                        reservation: None,
                        approved_by: None,
                    },
                )
                .await;
            }
        }
        assert!((30..=50).contains(&total), "{total}");
        // Out of production since last month, serviced five more years.
        let mut tx = app.db.begin_write().await.unwrap();
        plan_store::set_part_planning(&mut tx, p, 14, Some("2028-07-01"), Some("2033-07-01"))
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let ltb = async |opts: PlanOptions| {
            app.plan_run(&Actor::Cli, opts).await.unwrap();
            let rows = open(app).await;
            let row = find(&rows, w.central, p).cloned();
            let item = item_at(app, w.central, p).await;
            let says = row.as_ref().map_or(item.why, |r| r.reason.clone());
            (row.map_or(0, |r| r.qty), says)
        };
        let weekly_run = PlanOptions {
            bucket: Bucket::Week,
            periods: 104,
            ..Default::default()
        };
        let (by_week, why) = ltb(weekly_run).await;
        let (by_month, monthly) = ltb(PlanOptions::default().with_bucket(Bucket::Month)).await;
        assert!(by_week > 0, "{label}: weekly last-time buy 0: {why}");
        let (lo, hi) = (by_week.min(by_month), by_week.max(by_month));
        assert!(
            hi as f64 <= lo as f64 * 1.25 + 5.0,
            "{label}: weekly {by_week} ({why}) vs monthly {by_month} ({monthly})"
        );
    }
}

#[tokio::test]
async fn a_part_past_end_of_production_short_of_its_level_without_a_last_time_buy_says_so() {
    for db in each_backend().await.unwrap() {
        let label = db.label;
        let w = world(db).await;
        let app = &w.app;
        // A part whose demand died out: three a week for six weeks, then nothing; six left
        // at central, below a manual minimum of 10, and out of production.
        let p = new_part_in_stock(&w, "PN-FADE", "旧型号板", 24).await;
        issue_weekly(&w, &[p], |_, week| if week < 6 { 3 } else { 0 }).await;
        let mut tx = app.db.begin_write().await.unwrap();
        plan_store::set_part_planning(&mut tx, p, 14, Some("2026-06-01"), Some("2029-01-01"))
            .await
            .unwrap();
        tx.commit().await.unwrap();
        set_levels(app, w.central, p, 10, 20).await;
        app.plan_run(&Actor::Cli, weekly()).await.unwrap();
        let rows = open(app).await;
        assert!(find(&rows, w.central, p).is_none(), "{label}: {rows:#?}");
        let item = item_at(app, w.central, p).await;
        assert!(
            item.why.contains(
                "; past end of production and below the reorder point, yet the declining-demand fit asks for no last-time buy: check it by hand; "
            ) && item.why.ends_with("available 6: buy 0"),
            "{label}: {}",
            item.why
        );
    }
}

/// An actor of `role` confined to `scope`, as a signed-in user of it would be.
fn scoped_actor(role: Role, scope: aftercare_domain::Scope) -> Actor {
    Actor::user(
        aftercare_domain::Principal {
            user_id: aftercare_domain::UserId(9_000),
            login: format!("{role:?}"),
            role,
            scope,
        },
        None,
    )
}

/// A second station, GZ-02, with its own warehouse replenished from the central one and
/// manual levels for PN-1 and PN-2 there (so a run proposes transfers to it); its id and
/// its warehouse.
async fn second_station(w: &World) -> (aftercare_domain::StationId, WarehouseId) {
    let region = org::id_by_code(&w.app.db, org::Coded::Region, "440100")
        .await
        .unwrap()
        .unwrap();
    let mut tx = w.app.db.begin_write().await.unwrap();
    let st = org::insert_station(
        &mut tx,
        &NewStation {
            code: "GZ-02".into(),
            name: "广州番禺站".into(),
            region_id: aftercare_domain::RegionId(region),
            address: "番禺路 2 号".into(),
            phone: "020-2".into(),
            contact: "陈".into(),
            capacity: 10,
            score: 80,
            active: true,
            coverage: vec![aftercare_domain::RegionId(region)],
            product_lines: vec![],
        },
        T0,
    )
    .await
    .unwrap();
    let wh = org::insert_warehouse(
        &mut tx,
        &NewWarehouse {
            code: "WH-GZ02".into(),
            name: "番禺站库".into(),
            kind: WarehouseKind::Station,
            parent_id: Some(w.central),
            region_id: Some(aftercare_domain::RegionId(region)),
            station_id: Some(st),
            address: "x".into(),
            after_sales: true,
            active: true,
        },
    )
    .await
    .unwrap();
    for p in [w.p1, w.p2] {
        master::set_levels(
            &mut tx,
            wh,
            p,
            StockLevels::new(Qty::new(4).unwrap(), Some(Qty::new(9).unwrap())).unwrap(),
        )
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
    (st, wh)
}

#[tokio::test]
async fn a_station_user_sees_only_its_own_warehouses_planning_and_decides_nothing() {
    use aftercare_domain::Scope;
    for db in each_backend().await.unwrap() {
        let label = db.label;
        let w = world(db).await;
        let app = &w.app;
        let (st2, wh2) = second_station(&w).await;
        let st1 = aftercare_domain::StationId(
            org::id_by_code(&app.db, org::Coded::Station, "GZ-01")
                .await
                .unwrap()
                .unwrap(),
        );
        app.plan_run(&Actor::Cli, weekly()).await.unwrap();
        let all = app
            .plan_proposals(
                &Actor::Cli,
                ProposalFilter {
                    limit: 5_000,
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        let ids_at = |wh: WarehouseId| -> Vec<i64> {
            all.iter()
                .filter(|p| p.warehouse == wh)
                .map(|p| p.id)
                .collect()
        };
        let (own, theirs) = (ids_at(w.station), ids_at(wh2));
        // The run proposes transfers to both stations' warehouses (and buys for the
        // central one).
        assert!(!own.is_empty() && !theirs.is_empty(), "{label}: {all:?}");
        assert!(
            all.iter()
                .filter(|p| p.warehouse == w.station || p.warehouse == wh2)
                .all(|p| p.kind == ProposalKind::Transfer),
            "{label}: {all:?}"
        );
        assert!(ids_at(w.central).len() + own.len() + theirs.len() == all.len());

        let station = scoped_actor(Role::Station, Scope::Station(st1));
        let ids = |rows: &[ProposalRow]| -> Vec<i64> { rows.iter().map(|p| p.id).collect() };
        // The list and its count: exactly its own warehouse's proposals, whatever it asks.
        let everything = ProposalFilter::default();
        let seen = app
            .plan_proposals(&station, everything.clone())
            .await
            .unwrap();
        assert_eq!(ids(&seen), own, "{label}");
        assert_eq!(
            app.plan_proposal_count(&station, &everything)
                .await
                .unwrap(),
            own.len() as i64,
            "{label}"
        );
        let mine = ProposalFilter {
            warehouse: Some(w.station),
            ..Default::default()
        };
        assert_eq!(ids(&app.plan_proposals(&station, mine).await.unwrap()), own);
        // Another station's warehouse, or the central one, does not exist for it (as on
        // the stock pages), in the list and in the count alike.
        for other in [wh2, w.central] {
            let f = ProposalFilter {
                warehouse: Some(other),
                ..Default::default()
            };
            let err = app.plan_proposals(&station, f.clone()).await.unwrap_err();
            assert!(matches!(err, AppError::NotFound { .. }), "{label}: {err:?}");
            let err = app.plan_proposal_count(&station, &f).await.unwrap_err();
            assert!(matches!(err, AppError::NotFound { .. }), "{label}: {err:?}");
        }
        // A set of warehouses is narrowed to its own.
        let set = ProposalFilter {
            warehouses_in: Some(vec![wh2, w.central]),
            ..Default::default()
        };
        assert!(
            app.plan_proposals(&station, set.clone())
                .await
                .unwrap()
                .is_empty()
        );
        assert_eq!(app.plan_proposal_count(&station, &set).await.unwrap(), 0);
        // Whether a source can fill counts only sources it sees (not the central one).
        for fills in [true, false] {
            let f = ProposalFilter {
                source_can_fill: Some(fills),
                ..Default::default()
            };
            assert!(
                app.plan_proposals(&station, f.clone())
                    .await
                    .unwrap()
                    .is_empty()
            );
            assert_eq!(app.plan_proposal_count(&station, &f).await.unwrap(), 0);
        }
        // One proposal: its own, yes; another warehouse's is as missing as no proposal.
        let one = app.plan_proposal(&station, own[0]).await.unwrap();
        assert_eq!(one.warehouse, w.station);
        let missing = all.iter().map(|p| p.id).max().unwrap() + 1_000;
        for id in [theirs[0], missing] {
            let err = app.plan_proposal(&station, id).await.unwrap_err();
            assert_eq!(
                err.to_string(),
                format!("proposal {id} not found"),
                "{label}: {err:?}"
            );
        }
        // The part's plan: at its own warehouse, with its proposals; elsewhere not found.
        let plan = app
            .part_plan_as_run(&station, w.station, w.p1, PlanOverrides::default())
            .await
            .unwrap();
        assert!(!plan.proposals.is_empty(), "{label}");
        assert!(plan.proposals.iter().all(|p| p.warehouse == w.station));
        for (wh, part) in [(wh2, w.p1), (w.central, w.p3)] {
            let err = app
                .part_plan_as_run(&station, wh, part, PlanOverrides::default())
                .await
                .unwrap_err();
            assert!(matches!(err, AppError::NotFound { .. }), "{label}: {err:?}");
            let err = app
                .part_plan(&station, wh, part, weekly())
                .await
                .unwrap_err();
            assert!(matches!(err, AppError::NotFound { .. }), "{label}: {err:?}");
        }
        // The latest run is named to it.
        assert!(app.latest_run_settings(&station).await.unwrap().is_some());
        // What a source can ship: only of its own warehouses (the central one is not).
        let sources = app.proposal_sources(&station, &seen).await.unwrap();
        assert!(sources.is_empty(), "{label}: {sources:?}");

        // It decides nothing and runs nothing: forbidden, and nothing changes.
        let forbidden = |r: Result<_, AppError>| match r {
            Err(AppError::Forbidden { .. }) => {}
            other => panic!("{label}: {other:?}"),
        };
        forbidden(app.approve_proposal(&station, own[0]).await.map(|_| ()));
        forbidden(
            app.reject_proposal(&station, own[0], "not needed")
                .await
                .map(|_| ()),
        );
        forbidden(app.approve_proposal(&station, theirs[0]).await.map(|_| ()));
        forbidden(app.plan_run(&station, weekly()).await.map(|_| ()));
        // Nor does it see the lifecycle (successions, demand events).
        forbidden(app.successions(&station).await.map(|_| ()));
        forbidden(app.demand_events(&station, false).await.map(|_| ()));
        let after = app
            .plan_proposals(
                &Actor::Cli,
                ProposalFilter {
                    limit: 5_000,
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(after, all, "{label}");

        // The other station sees its own and not the first's.
        let other = scoped_actor(Role::Station, Scope::Station(st2));
        let seen2 = app
            .plan_proposals(&other, ProposalFilter::default())
            .await
            .unwrap();
        assert_eq!(ids(&seen2), theirs, "{label}");
        let err = app.plan_proposal(&other, own[0]).await.unwrap_err();
        assert!(matches!(err, AppError::NotFound { .. }), "{label}: {err:?}");

        // Technicians (of the same station), brands and agents see no planning.
        for actor in [
            scoped_actor(Role::Technician, Scope::Station(st1)),
            scoped_actor(Role::Brand, Scope::Brand(aftercare_domain::BrandId(1))),
            scoped_actor(Role::Agent, Scope::All),
        ] {
            forbidden(
                app.plan_proposals(&actor, ProposalFilter::default())
                    .await
                    .map(|_| ()),
            );
            forbidden(app.plan_proposal(&actor, own[0]).await.map(|_| ()));
            forbidden(
                app.part_plan_as_run(&actor, w.station, w.p1, PlanOverrides::default())
                    .await
                    .map(|_| ()),
            );
        }
        // Planners still see every warehouse's proposals.
        let planner = scoped_actor(Role::Warehouse, Scope::All);
        let seen = app
            .plan_proposals(
                &planner,
                ProposalFilter {
                    limit: 5_000,
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(seen, all, "{label}");
        assert_eq!(
            app.plan_proposal(&planner, theirs[0])
                .await
                .unwrap()
                .warehouse,
            wh2
        );
    }
}

/// The open proposals at the station and the central warehouse after a run with small
/// manual levels for PN-2 at the station (a transfer central holds): two transfers on one
/// route (PN-1, PN-2), and at central two purchases and a last-time buy from the one
/// supplier.
async fn batch_world(db: aftercare_store::testing::TestDb) -> (World, Vec<ProposalRow>) {
    let w = world(db).await;
    set_levels(&w.app, w.station, w.p2, 5, 10).await;
    // Central buys PN-1 and PN-2 (two lines for the supplier) besides its last-time buy
    // of PN-3 (an order of its own).
    set_levels(&w.app, w.central, w.p1, 250, 300).await;
    set_levels(&w.app, w.central, w.p2, 55, 70).await;
    w.app.plan_run(&Actor::Cli, weekly()).await.unwrap();
    let rows = open(&w.app).await;
    (w, rows)
}

#[tokio::test]
async fn approving_together_makes_one_document_per_route_and_per_supplier() {
    for db in each_backend().await.unwrap() {
        let label = db.label;
        let (w, rows) = batch_world(db).await;
        let app = &w.app;
        let t1 = find(&rows, w.station, w.p1).unwrap().clone();
        let t2 = find(&rows, w.station, w.p2).unwrap().clone();
        assert_eq!(
            (t1.route(), t2.route()),
            (Some((w.central, w.station)), Some((w.central, w.station))),
            "{label}"
        );
        let buys: Vec<&ProposalRow> = rows.iter().filter(|p| p.warehouse == w.central).collect();
        assert!(
            buys.len() == 3 && buys.iter().all(|p| p.supplier == Some(w.supplier)),
            "{label}: {buys:?}"
        );
        let ids: Vec<i64> = rows.iter().map(|p| p.id).collect();
        let done = app.approve_proposals(&Actor::Cli, &ids).await.unwrap();
        assert!(done.refused.is_empty(), "{label}: {:?}", done.refused);
        assert_eq!(done.approved(), ids.len(), "{label}");
        // One transfer central → station with both lines, one purchase order with both
        // purchases, and the last-time buy on an order of its own.
        assert_eq!(done.documents.len(), 3, "{label}: {:?}", done.documents);
        let transfer = done
            .documents
            .iter()
            .find(|d| d.kind == "transfer")
            .unwrap();
        let mut carried = transfer.proposals.clone();
        carried.sort();
        let mut expected = vec![t1.id, t2.id];
        expected.sort();
        assert_eq!(carried, expected, "{label}");
        let ltb = buys
            .iter()
            .find(|p| p.kind == ProposalKind::LastTimeBuy)
            .unwrap();
        let order_of = |id: i64| {
            done.documents
                .iter()
                .find(|d| d.kind == "purchase_order" && d.proposals.contains(&id))
                .unwrap()
        };
        assert_eq!(order_of(ltb.id).proposals, vec![ltb.id], "{label}");
        let mut purchases: Vec<i64> = buys
            .iter()
            .filter(|p| p.kind == ProposalKind::Purchase)
            .map(|p| p.id)
            .collect();
        purchases.sort();
        assert_eq!(purchases.len(), 2, "{label}: {buys:?}");
        let order = order_of(purchases[0]);
        let mut carried = order.proposals.clone();
        carried.sort();
        assert_eq!(carried, purchases, "{label}");
        // Both parts are on the road in that one transfer, each in its proposal's quantity.
        for t in [&t1, &t2] {
            let transit = transit_of(app, w.station, t.part).await;
            assert_eq!(transit.len(), 1, "{label}: {transit:?}");
            assert_eq!(
                (transit[0].0, transit[0].1),
                (transfer.id, t.qty),
                "{label}"
            );
        }
        // Every proposal is approved with its document; those approved together under
        // their group's key.
        for id in &ids {
            let p = proposal(app, *id).await;
            let doc = if p.warehouse == w.station {
                transfer
            } else {
                order_of(*id)
            };
            assert_eq!(p.status, "approved", "{label}");
            assert_eq!(p.document_id, Some(doc.id), "{label}");
            let key = p.approval_key.clone().unwrap_or_default();
            if *id == ltb.id {
                assert!(
                    key.starts_with(&format!("plan-proposal-{id}-")),
                    "{label}: {key}"
                );
            } else {
                assert!(key.starts_with("plan-proposal-batch-"), "{label}: {key}");
            }
        }
        // The order has a line per proposal: the ledger shows them on one order.
        let lines = aftercare_store::stock::picks::open_order_lines(&app.db, 1000)
            .await
            .unwrap();
        let on_order: Vec<_> = lines.iter().filter(|l| l.order_id == order.id).collect();
        assert_eq!(on_order.len(), 2, "{label}: {lines:?}");
        // Approving them again approves nothing and creates nothing.
        let again = app.approve_proposals(&Actor::Cli, &ids).await.unwrap();
        assert!(again.documents.is_empty(), "{label}");
        assert_eq!(again.refused.len(), ids.len(), "{label}");
        assert!(
            again
                .refused
                .iter()
                .all(|r| r.error.code() == "planning.proposal_not_open"),
            "{label}"
        );
        // The next run sees the units on their way: nothing is proposed again at the station.
        w.clock.advance_minutes(5);
        app.plan_run(&Actor::Cli, weekly()).await.unwrap();
        let after = open(app).await;
        assert!(find(&after, w.station, w.p1).is_none(), "{label}");
        assert!(find(&after, w.station, w.p2).is_none(), "{label}");
    }
}

/// A run with three transfers central → station: PN-1, a new part PN-4 (20 at central,
/// station manual 5), and PN-2 with station manual 80 against 50 at central (short).
async fn short_line_world(db: aftercare_store::testing::TestDb) -> (World, [ProposalRow; 3]) {
    let w = world(db).await;
    let app = &w.app;
    set_levels(app, w.station, w.p2, 80, 80).await;
    let p4 = add_part(&w, "PN-4").await;
    stock_in(app, w.supplier, w.central, p4, 20).await;
    set_levels(app, w.station, p4, 5, 5).await;
    app.plan_run(&Actor::Cli, weekly()).await.unwrap();
    let rows = open(app).await;
    let t = |part| find(&rows, w.station, part).unwrap().clone();
    let ts = [t(w.p1), t(w.p2), t(p4)];
    assert_eq!(ts[1].qty, 80);
    (w, ts)
}

#[tokio::test]
async fn a_line_its_sender_cannot_ship_is_refused_alone_and_the_rest_ship_together() {
    for db in each_backend().await.unwrap() {
        let label = db.label;
        let (w, [t1, t2, t4]) = short_line_world(db).await;
        let app = &w.app;
        let done = app
            .approve_proposals(&Actor::Cli, &[t2.id, t1.id, t4.id])
            .await
            .unwrap();
        assert_eq!(done.documents.len(), 1, "{label}: {done:?}");
        let mut carried = done.documents[0].proposals.clone();
        carried.sort();
        let mut expected = vec![t1.id, t4.id];
        expected.sort();
        assert_eq!(carried, expected, "{label}");
        assert_eq!(done.refused.len(), 1, "{label}");
        assert_eq!(done.refused[0].proposal.id, t2.id, "{label}");
        let error = &done.refused[0].error;
        assert_eq!(error.code(), "planning.source_short", "{label}");
        assert_eq!(
            error.to_string(),
            "WH-C can ship 50 of PN-2 now, 80 asked: approve it once the stock is there",
            "{label}"
        );
        // The short one is left as it was: open, unclaimed; nothing of it left central.
        let left = proposal(app, t2.id).await;
        assert_eq!(left.status, "open", "{label}");
        assert!(
            left.approving_since.is_none() && left.approval_key.is_none(),
            "{label}"
        );
        assert!(left.approval_error.is_none(), "{label}");
        assert!(transit_of(app, w.station, w.p2).await.is_empty(), "{label}");
    }
}

#[tokio::test]
async fn a_group_the_ledger_refuses_is_released_and_approved_one_by_one() {
    for db in each_backend().await.unwrap() {
        let label = db.label;
        let (w, [t1, t2, t4]) = short_line_world(db).await;
        let app = &w.app;
        // Sent whole (as when the stock left central after the batch looked), the route's
        // transfer is refused for PN-2: the claims are released and each goes alone.
        let done = app
            .approve_proposals_unchecked(&Actor::Cli, &[t2.id, t1.id, t4.id])
            .await
            .unwrap();
        assert_eq!(done.approved(), 2, "{label}: {done:?}");
        assert_eq!(done.documents.len(), 2, "{label}: {done:?}");
        assert_eq!(done.refused.len(), 1, "{label}");
        assert_eq!(done.refused[0].proposal.id, t2.id, "{label}");
        assert!(
            matches!(done.refused[0].error, AppError::Refused { .. }),
            "{label}: {:?}",
            done.refused[0].error
        );
        let left = proposal(app, t2.id).await;
        assert_eq!(left.status, "open", "{label}");
        assert!(
            left.approving_since.is_none() && left.approval_key.is_none(),
            "{label}"
        );
        assert!(transit_of(app, w.station, w.p2).await.is_empty(), "{label}");
        for t in [&t1, &t4] {
            let p = proposal(app, t.id).await;
            assert_eq!(p.status, "approved", "{label}");
            let key = p.approval_key.clone().unwrap_or_default();
            assert!(
                key.starts_with(&format!("plan-proposal-{}-", t.id)),
                "{label}: {key}"
            );
            assert_eq!(transit_of(app, w.station, t.part).await.len(), 1, "{label}");
        }
    }
}

/// Make approved proposals look as if their approval stopped after the ledger: open again
/// and still claimed (same key, claim time T0), without their document.
async fn stopped_after_the_ledger(app: &App, ids: &[i64]) {
    let ids: Vec<String> = ids.iter().map(i64::to_string).collect();
    exec(
        app,
        &format!(
            "UPDATE plan_proposals SET status = 'open', decided_at = NULL, decided_by = NULL, \
             document_kind = NULL, document_id = NULL, approving_since = {} WHERE id IN ({})",
            T0.0,
            ids.join(", ")
        ),
    )
    .await;
}

/// The station's two transfers (PN-1, PN-2) approved together into one transfer, then as
/// if the process died after the ledger shipped and before the decision: both open again,
/// claimed with the group's command and key. With that transfer's id.
async fn stopped_group(db: aftercare_store::testing::TestDb) -> (World, [ProposalRow; 2], i64) {
    let (w, rows) = batch_world(db).await;
    let t1 = find(&rows, w.station, w.p1).unwrap().clone();
    let t2 = find(&rows, w.station, w.p2).unwrap().clone();
    let done = w
        .app
        .approve_proposals(&Actor::Cli, &[t1.id, t2.id])
        .await
        .unwrap();
    let transfer = done.documents[0].id;
    stopped_after_the_ledger(&w.app, &[t1.id, t2.id]).await;
    (w, [t1, t2], transfer)
}

#[tokio::test]
async fn a_batch_that_stopped_after_the_ledger_is_finished_whole_by_approving_one_of_it_again() {
    for db in each_backend().await.unwrap() {
        let label = db.label;
        let (w, [t1, t2], transfer) = stopped_group(db).await;
        let app = &w.app;
        // A run leaves them as they are, and counts the units as shipped: central owes
        // the station nothing.
        w.clock.advance_minutes(5);
        app.plan_run(&Actor::Cli, weekly()).await.unwrap();
        for t in [&t1, &t2] {
            let p = proposal(app, t.id).await;
            assert_eq!((p.status.as_str(), p.qty), ("open", t.qty), "{label}");
        }
        assert_eq!(
            item_at(app, w.central, w.p1).await.detail.backorders,
            0,
            "{label}"
        );
        // Approving one alone finishes the group with its transfer: the other as well.
        // Nothing is shipped twice, and nothing is left to approve.
        let one = app.approve_proposal(&Actor::Cli, t2.id).await.unwrap();
        assert_eq!(one.document_id, Some(transfer), "{label}");
        let other = proposal(app, t1.id).await;
        assert_eq!(
            (other.status.as_str(), other.document_id),
            ("approved", Some(transfer)),
            "{label}"
        );
        assert!(other.approving_since.is_none(), "{label}");
        let rest = app.approve_proposals(&Actor::Cli, &[t1.id]).await.unwrap();
        assert!(rest.documents.is_empty(), "{label}");
        assert_eq!(
            rest.refused[0].error.code(),
            "planning.proposal_not_open",
            "{label}"
        );
        for t in [&t1, &t2] {
            let transit = transit_of(app, w.station, t.part).await;
            assert_eq!(transit.len(), 1, "{label}: {transit:?}");
            assert_eq!((transit[0].0, transit[0].1), (transfer, t.qty), "{label}");
        }
    }
}

#[tokio::test]
async fn a_batch_is_for_planners_and_a_bad_list_approves_nothing() {
    for db in each_backend().await.unwrap() {
        let label = db.label;
        let (w, rows) = batch_world(db).await;
        let app = &w.app;
        let ids: Vec<i64> = rows.iter().map(|p| p.id).collect();
        let session = app
            .login("agent", "password123", "127.0.0.1")
            .await
            .unwrap();
        let agent = Actor::user(session.principal, None);
        let err = app.approve_proposals(&agent, &ids).await.unwrap_err();
        assert!(
            matches!(err, AppError::Forbidden { .. }),
            "{label}: {err:?}"
        );
        let err = app.approve_proposals(&Actor::Cli, &[]).await.unwrap_err();
        assert!(matches!(err, AppError::Invalid(_)), "{label}: {err:?}");
        // An id that is no proposal: 404 and nothing approved, the others included.
        let mut with_unknown = ids.clone();
        with_unknown.push(999_999);
        let err = app
            .approve_proposals(&Actor::Cli, &with_unknown)
            .await
            .unwrap_err();
        assert!(matches!(err, AppError::NotFound { .. }), "{label}: {err:?}");
        assert!(err.to_string().contains("999999"), "{label}: {err}");
        assert_eq!(open(app).await.len(), rows.len(), "{label}");
        for id in &ids {
            assert!(
                proposal(app, *id).await.approving_since.is_none(),
                "{label}"
            );
        }
    }
}

#[tokio::test]
async fn two_planners_approving_the_same_rows_at_once_make_one_document() {
    for db in each_backend().await.unwrap() {
        let label = db.label;
        let (w, rows) = batch_world(db).await;
        let app = &w.app;
        let t1 = find(&rows, w.station, w.p1).unwrap().clone();
        let t2 = find(&rows, w.station, w.p2).unwrap().clone();
        let (one_way, other_way) = ([t1.id, t2.id], [t2.id, t1.id]);
        let (a, b) = tokio::join!(
            app.approve_proposals(&Actor::Cli, &one_way),
            app.approve_proposals(&Actor::Cli, &other_way),
        );
        let (a, b) = (a.unwrap(), b.unwrap());
        // Every proposal approved once, between the two; the other answer lists it as
        // decided already (or as approved into the same transfer).
        let mut docs: Vec<i64> = a
            .documents
            .iter()
            .chain(&b.documents)
            .map(|d| d.id)
            .collect();
        docs.dedup();
        assert_eq!(docs.len(), 1, "{label}: {a:?} / {b:?}");
        for t in [&t1, &t2] {
            let transit = transit_of(app, w.station, t.part).await;
            assert_eq!(transit.len(), 1, "{label}: {transit:?}");
            assert_eq!((transit[0].0, transit[0].1), (docs[0], t.qty), "{label}");
            assert_eq!(proposal(app, t.id).await.status, "approved", "{label}");
        }
    }
}

#[tokio::test]
async fn an_issue_replayed_under_its_key_reports_the_emergency_planning_raised() {
    for db in each_backend().await.unwrap() {
        let label = db.label;
        let w = world(db).await;
        let app = &w.app;
        set_levels(app, w.central, w.p2, 45, 60).await;
        let keyed = |key: &'static str, n: i64, ticket: i64| {
            let app = app.clone();
            let (warehouse, part) = (w.central, w.p2);
            async move {
                app.stock_execute(
                    &Actor::Cli,
                    Some(key),
                    Command::Issue {
                        warehouse,
                        part,
                        qty: Qty::new(n).unwrap(),
                        consumer: Consumer::Ticket(TicketId(ticket)),
                        reservation: None,
                        approved_by: None,
                    },
                )
                .await
                .unwrap()
            }
        };
        // 50 − 6 = 44 < 45: an emergency purchase of 16 (up to 60), approved.
        let first = keyed("issue-1", 6, 1).await;
        assert_eq!(
            first.outcome.emergency.map(|e| e.qty.get()),
            Some(16),
            "{label}"
        );
        let e = find(&open(app).await, w.central, w.p2).unwrap().clone();
        app.approve_proposal(&Actor::Cli, e.id).await.unwrap();
        // 43 + 16 on order covers the minimum: nothing raised, though the book alone sees
        // 17 due up to 60. The replay answers as the issue did.
        let second = keyed("issue-2", 1, 2).await;
        assert_eq!(second.outcome.emergency, None, "{label}");
        let replay = keyed("issue-2", 1, 2).await;
        assert!(replay.replayed, "{label}");
        assert_eq!(replay.outcome.emergency, None, "{label}: {replay:?}");
        let replay = keyed("issue-1", 6, 1).await;
        assert_eq!(
            replay.outcome.emergency.map(|e| e.qty.get()),
            Some(16),
            "{label}"
        );
        assert!(find(&open(app).await, w.central, w.p2).is_none(), "{label}");
    }
}

#[tokio::test]
async fn where_a_batch_competes_for_a_senders_stock_the_earliest_need_gets_it() {
    for db in each_backend().await.unwrap() {
        let label = db.label;
        let w = world(db).await;
        let app = &w.app;
        // Central holds 50 of PN-2; a regional warehouse asks 30 in ten days, the station
        // 30 tomorrow.
        let mut tx = app.db.begin_write().await.unwrap();
        let regional = regional_under(&mut tx, "WH-R", w.central).await;
        let day = 86_400_000;
        let draft = |warehouse, days: i64| plan_store::ProposalDraft {
            warehouse,
            part: w.p2,
            kind: ProposalKind::Transfer,
            source: Some(w.central),
            destination: None,
            supplier: None,
            qty: 30,
            need_by: Instant(app.now().0 + days * day),
            reason: "transfer".into(),
            overridden: false,
            run_id: None,
            transfer_days: Some(3),
        };
        plan_store::upsert_proposals(
            &mut tx,
            &[draft(regional, 10), draft(w.station, 1)],
            app.now(),
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        let rows = open(app).await;
        let later = find(&rows, regional, w.p2).unwrap().id;
        let sooner = find(&rows, w.station, w.p2).unwrap().id;
        let done = app
            .approve_proposals(&Actor::Cli, &[later, sooner])
            .await
            .unwrap();
        assert_eq!(done.documents.len(), 1, "{label}: {done:?}");
        assert_eq!(done.documents[0].proposals, vec![sooner], "{label}");
        assert_eq!(done.refused.len(), 1, "{label}");
        assert_eq!(done.refused[0].proposal.id, later, "{label}");
        assert_eq!(transit_of(app, w.station, w.p2).await.len(), 1, "{label}");
    }
}

#[tokio::test]
async fn a_group_claim_refused_when_one_of_it_is_approved_alone_is_given_up_whole() {
    for db in each_backend().await.unwrap() {
        let label = db.label;
        let (w, [t1, t2, _]) = short_line_world(db).await;
        let app = &w.app;
        // As if a batch claimed PN-1 and PN-2 together and stopped before the ledger: both
        // claimed under one key with the route's command (PN-2's 80 > central's 50).
        let line = |part, qty| TransferQty {
            part,
            condition: StockCondition::Good,
            qty: Qty::new(qty).unwrap(),
        };
        let command = Command::ShipTransfer {
            from: w.central,
            to: w.station,
            eta: Instant(app.now().0 + 3 * 86_400_000),
            lines: vec![line(w.p1, t1.qty), line(w.p2, t2.qty)],
        };
        let json = serde_json::to_string(&command).unwrap().replace('\'', "''");
        exec(
            app,
            &format!(
                "UPDATE plan_proposals SET approving_since = {}, approval_command = '{json}', \
                 approval_key = 'plan-proposal-batch-{}-1' WHERE id IN ({}, {})",
                app.now().0,
                t1.id,
                t1.id,
                t2.id
            ),
        )
        .await;
        // Approving PN-1 alone runs the group's command: refused for PN-2. The whole claim
        // is given up, PN-2's too: none is left claimed under a command carrying a line of
        // a released one.
        let err = app.approve_proposal(&Actor::Cli, t1.id).await.unwrap_err();
        assert_eq!(err.code(), "stock.insufficient", "{label}: {err:?}");
        for t in [&t1, &t2] {
            let p = proposal(app, t.id).await;
            assert_eq!(p.status, "open", "{label}");
            assert!(
                p.approving_since.is_none() && p.approval_key.is_none(),
                "{label}: still claimed: {p:?}"
            );
        }
        // Approved again, together: PN-1 ships once, PN-2 is refused alone.
        let done = app
            .approve_proposals(&Actor::Cli, &[t1.id, t2.id])
            .await
            .unwrap();
        assert_eq!(done.approved(), 1, "{label}: {done:?}");
        assert_eq!(done.refused[0].proposal.id, t2.id, "{label}");
        assert_eq!(transit_of(app, w.station, w.p1).await.len(), 1, "{label}");
        assert!(transit_of(app, w.station, w.p2).await.is_empty(), "{label}");
    }
}

/// Three open transfers central → station after a run: PN-1, PN-2 and PN-4.
async fn three_on_one_route(db: aftercare_store::testing::TestDb) -> (World, [ProposalRow; 3]) {
    let w = world(db).await;
    set_levels(&w.app, w.station, w.p2, 5, 10).await;
    let p4 = add_part(&w, "PN-4").await;
    stock_in(&w.app, w.supplier, w.central, p4, 20).await;
    set_levels(&w.app, w.station, p4, 5, 5).await;
    w.app.plan_run(&Actor::Cli, weekly()).await.unwrap();
    let rows = open(&w.app).await;
    let t = |part| find(&rows, w.station, part).unwrap().clone();
    let three = [t(w.p1), t(w.p2), t(p4)];
    (w, three)
}

#[tokio::test]
async fn a_proposal_taken_by_another_approval_meanwhile_leaves_the_rest_of_its_group_together() {
    for db in each_backend().await.unwrap() {
        let label = db.label;
        let (w, [t1, t2, t4]) = three_on_one_route(db).await;
        let app = &w.app;
        // A planner approves PN-4 alone while another approves the route's three.
        let ids = [t1.id, t2.id, t4.id];
        let (alone, together) = tokio::join!(
            app.approve_proposal(&Actor::Cli, t4.id),
            app.approve_proposals(&Actor::Cli, &ids),
        );
        let together = together.unwrap();
        // PN-1 and PN-2 ship together whichever came first; PN-4 once.
        let doc_of = |id: i64| {
            together
                .documents
                .iter()
                .find(|d| d.proposals.contains(&id))
                .map(|d| d.id)
        };
        assert!(doc_of(t1.id).is_some(), "{label}: {together:?}");
        assert_eq!(doc_of(t1.id), doc_of(t2.id), "{label}: {together:?}");
        assert!(
            alone.is_ok() || doc_of(t4.id).is_some(),
            "{label}: {alone:?} / {together:?}"
        );
        for t in [&t1, &t2, &t4] {
            assert_eq!(proposal(app, t.id).await.status, "approved", "{label}");
            assert_eq!(transit_of(app, w.station, t.part).await.len(), 1, "{label}");
        }
    }
}

#[tokio::test]
async fn a_last_time_buy_stays_when_the_top_warehouse_has_shipped_its_last_unit_down() {
    for db in each_backend().await.unwrap() {
        let label = db.label;
        let w = world(db).await;
        let app = &w.app;
        // PN-1 goes out of production (service until 2029); the station issues it and
        // asks nothing (manual 0), central ships all it holds down, the station uses most.
        let mut tx = app.db.begin_write().await.unwrap();
        plan_store::set_part_planning(&mut tx, w.p1, 14, Some("2026-01-01"), Some("2029-12-31"))
            .await
            .unwrap();
        tx.commit().await.unwrap();
        set_levels(app, w.station, w.p1, 0, 0).await;
        let held = shelf(app, w.central, w.p1, "good").await;
        assert!(held > 0, "{label}");
        let line = vec![TransferQty {
            part: w.p1,
            condition: StockCondition::Good,
            qty: Qty::new(held).unwrap(),
        }];
        let Some(Created::Transfer(t)) = q(
            app,
            Command::ShipTransfer {
                from: w.central,
                to: w.station,
                eta: app.now(),
                lines: line.clone(),
            },
        )
        .await
        .created
        else {
            panic!("no transfer")
        };
        q(
            app,
            Command::ReceiveTransfer {
                transfer: t,
                lines: line,
                close: true,
            },
        )
        .await;
        let on_shelf = shelf(app, w.station, w.p1, "good").await;
        issue(app, w.station, w.p1, on_shelf - 2, 77).await;
        app.plan_run(&Actor::Cli, weekly()).await.unwrap();
        // Central holds nothing and is asked for nothing, yet the network's last-time buy
        // is made there.
        let ltb = find(&open(app).await, w.central, w.p1)
            .unwrap_or_else(|| panic!("{label}: no last-time buy at central"))
            .clone();
        assert_eq!(
            ltb.kind,
            ProposalKind::LastTimeBuy,
            "{label}: {}",
            ltb.reason
        );
        assert!(ltb.qty > 0, "{label}");
    }
}

#[tokio::test]
async fn a_stopped_group_approved_again_together_is_reported_approved_whole() {
    for db in each_backend().await.unwrap() {
        let label = db.label;
        let (w, [t1, t2], transfer) = stopped_group(db).await;
        let app = &w.app;
        // Both ticked again: the first one's approval finishes the other as well, and the
        // answer counts both in the one transfer (none "not open").
        let again = app
            .approve_proposals(&Actor::Cli, &[t2.id, t1.id])
            .await
            .unwrap();
        assert!(again.refused.is_empty(), "{label}: {again:?}");
        assert_eq!(again.documents.len(), 1, "{label}: {again:?}");
        assert_eq!(again.documents[0].id, transfer, "{label}");
        assert_eq!(again.approved(), 2, "{label}");
        assert_eq!(transit_of(app, w.station, w.p1).await.len(), 1, "{label}");
    }
}

#[tokio::test]
async fn a_claim_given_up_fences_its_key_so_a_late_run_of_its_command_ships_nothing() {
    for db in each_backend().await.unwrap() {
        let label = db.label;
        let (w, [_, t2, _]) = short_line_world(db).await;
        let app = &w.app;
        // PN-2: 80 asked, central holds 50: the approval is refused and its claim given up.
        let err = app.approve_proposal(&Actor::Cli, t2.id).await.unwrap_err();
        assert_eq!(err.code(), "stock.insufficient", "{label}");
        let key: String = match &app.db {
            aftercare_store::Db::Sqlite(p) => {
                sqlx::query_scalar("SELECT key FROM stock_idempotency WHERE key LIKE $1")
                    .bind(format!("plan-proposal-{}-%", t2.id))
                    .fetch_one(p)
                    .await
            }
            aftercare_store::Db::Postgres(p) => {
                sqlx::query_scalar("SELECT key FROM stock_idempotency WHERE key LIKE $1")
                    .bind(format!("plan-proposal-{}-%", t2.id))
                    .fetch_one(p)
                    .await
            }
        }
        .unwrap_or_else(|e| panic!("{label}: no fence: {e}"));
        // Stock arrives; a second approval of the same claim still on its way runs the
        // command under the key: refused, nothing ships (the proposal was released).
        stock_in(app, w.supplier, w.central, w.p2, 40).await;
        let late = app
            .ledger()
            .await
            .unwrap()
            .execute(aftercare_store::stock::LedgerRequest {
                command: Command::ShipTransfer {
                    from: w.central,
                    to: w.station,
                    eta: app.now(),
                    lines: vec![TransferQty {
                        part: w.p2,
                        condition: StockCondition::Good,
                        qty: Qty::new(80).unwrap(),
                    }],
                },
                key: Some(aftercare_domain::stock::IdempotencyKey::parse(&key).unwrap()),
                actor_id: None,
                actor_login: "test".into(),
                request_id: None,
                now: app.now(),
            })
            .await
            .unwrap();
        assert!(
            matches!(late, Err(aftercare_domain::stock::StockError::KeyFenced(_))),
            "{label}: {late:?}"
        );
        assert!(transit_of(app, w.station, w.p2).await.is_empty(), "{label}");
        // Approved again: a fresh claim and key, and it ships.
        let done = app.approve_proposal(&Actor::Cli, t2.id).await.unwrap();
        assert_eq!(done.status, "approved", "{label}");
        assert_ne!(done.approval_key.as_deref(), Some(key.as_str()), "{label}");
        assert_eq!(transit_of(app, w.station, w.p2).await.len(), 1, "{label}");
    }
}

#[tokio::test]
async fn a_group_read_before_one_of_it_was_approved_alone_is_claimed_again_without_it() {
    for db in each_backend().await.unwrap() {
        let label = db.label;
        let (w, [t1, t2, t4]) = three_on_one_route(db).await;
        let app = &w.app;
        // Read by a batch, then PN-4 approved alone before the batch claims the route.
        let read = [t1.clone(), t2.clone(), t4.clone()];
        let alone = app.approve_proposal(&Actor::Cli, t4.id).await.unwrap();
        let (document, mut approved, left) =
            app.approve_group_as_read(&Actor::Cli, &read).await.unwrap();
        let document = document.expect("the rest of the route claimed again as one transfer");
        approved.sort_unstable();
        let mut together = vec![t1.id, t2.id];
        together.sort_unstable();
        assert_eq!(approved, together, "{label}");
        assert_eq!(left, vec![t4.id], "{label}");
        for t in [&t1, &t2] {
            let p = proposal(app, t.id).await;
            assert_eq!(
                (p.status.as_str(), p.document_id),
                ("approved", Some(document.1)),
                "{label}"
            );
            assert_eq!(transit_of(app, w.station, t.part).await.len(), 1, "{label}");
        }
        assert_ne!(alone.document_id, Some(document.1), "{label}");
        assert_eq!(
            transit_of(app, w.station, t4.part).await.len(),
            1,
            "{label}"
        );
    }
}

#[tokio::test]
async fn an_approval_decides_only_proposals_under_its_own_claim() {
    for db in each_backend().await.unwrap() {
        let label = db.label;
        let (w, [t1, ..]) = three_on_one_route(db).await;
        let app = &w.app;
        let now = app.now();
        let mut tx = app.db.begin_write().await.unwrap();
        assert!(
            plan_store::claim(&mut tx, &t1, "{}", "claim-a", now)
                .await
                .unwrap()
        );
        tx.commit().await.unwrap();
        let document = ("transfer", 4_242);
        let finish = |key: &'static str, at: Instant| async move {
            let mut tx = app.db.begin_write().await.unwrap();
            let done = plan_store::finish_approval(&mut tx, t1.id, (key, at), None, document, now)
                .await
                .unwrap();
            tx.commit().await.unwrap();
            done
        };
        // Another claim's key, or this key claimed at another time (a claim given up and
        // taken again), decides nothing.
        assert!(!finish("claim-b", now).await, "{label}");
        assert!(!finish("claim-a", Instant(now.0 + 1)).await, "{label}");
        let p = proposal(app, t1.id).await;
        assert_eq!(
            (p.status.as_str(), p.approval_key.as_deref(), p.document_id),
            ("open", Some("claim-a"), None),
            "{label}"
        );
        assert!(finish("claim-a", now).await, "{label}");
        // Once.
        assert!(!finish("claim-a", now).await, "{label}");
        let p = proposal(app, t1.id).await;
        assert_eq!(
            (p.status.as_str(), p.document_id),
            ("approved", Some(document.1)),
            "{label}"
        );
    }
}

/// Lock proposal `id`'s row in `tx` (PostgreSQL), as a planning run writing it holds it.
async fn hold_row(tx: &mut aftercare_store::Tx, id: i64) {
    let aftercare_store::Tx::Postgres(t) = tx else {
        panic!("PostgreSQL only");
    };
    sqlx::query("SELECT id FROM plan_proposals WHERE id = $1 FOR UPDATE")
        .bind(id)
        .execute(&mut **t)
        .await
        .unwrap();
}

#[tokio::test]
async fn on_postgres_a_group_claim_gives_way_to_a_row_another_writer_holds() {
    for db in each_backend().await.unwrap() {
        if db.label != "postgres" {
            continue;
        }
        let (w, [t1, t2, t4]) = three_on_one_route(db).await;
        let app = &w.app;
        let mut holder = app.db.begin_write().await.unwrap();
        hold_row(&mut holder, t2.id).await;
        // A claim that gives way fails after a short wait instead of waiting (and, with the
        // holder waiting on a row the claim took, deadlocking).
        let mut tx = app.db.begin_write().await.unwrap();
        plan_store::give_way_on_locks(&mut tx).await.unwrap();
        let claimed = tokio::time::timeout(
            std::time::Duration::from_secs(10),
            plan_store::claim(&mut tx, &t2, "{}", "claim-x", app.now()),
        )
        .await
        .expect("the claim waited for the held row instead of giving way");
        assert!(claimed.is_err(), "{claimed:?}");
        drop(tx);
        // A batch over the held row carries on: the group's claim gives way and its
        // proposals are approved one by one, the held one once the holder is done.
        let release = async {
            tokio::time::sleep(std::time::Duration::from_millis(1_500)).await;
            holder.commit().await.unwrap();
        };
        let ids = [t1.id, t2.id, t4.id];
        let (done, ()) = tokio::join!(app.approve_proposals(&Actor::Cli, &ids), release);
        let done = done.expect("a claim that gave way fails the batch");
        assert!(done.refused.is_empty(), "{:?}", done.refused);
        assert_eq!(done.approved(), 3, "{done:?}");
        // One by one, PN-1 and PN-4 while PN-2's row was held: had the group's claim waited
        // for the row instead, the route would be one transfer.
        assert_eq!(done.documents.len(), 3, "{done:?}");
        for t in [&t1, &t2, &t4] {
            assert_eq!(proposal(app, t.id).await.status, "approved");
            assert_eq!(transit_of(app, w.station, t.part).await.len(), 1);
        }
    }
}
