//! The manager approval queue for issues above the limit, on SQLite and on PostgreSQL when
//! `AFTERCARE_TEST_POSTGRES_URL` is set: queueing instead of refusing, retries with one
//! key, approve (once, also when raced), reject (needs a reason), roles, station scope, and
//! an approval refused for short stock staying pending. Also aged stock by lot age.

use aftercare_app::admin::AddUser;
use aftercare_app::stock::{MovementFilter, StockFilter};
use aftercare_app::stock_approvals::{ApprovalFilter, Submitted};
use aftercare_app::{Actor, App, AppConfig, AppError, FixedClock};
use aftercare_domain::org::{RegionLevel, Tier, WarehouseKind};
use aftercare_domain::stock::{Command, Consumer, Created, Qty};
use aftercare_domain::{Instant, Money, PartId, Role, SupplierId, TicketId, WarehouseId};
use aftercare_store::org::{self, NewRegion, NewStation, NewWarehouse};
use aftercare_store::stock::master::{self, NewPart, NewSupplier};
use aftercare_store::testing::each_backend;
use std::sync::Arc;

const T0: Instant = Instant(1_767_578_400_000);

struct World {
    app: App,
    clock: Arc<FixedClock>,
    supplier: SupplierId,
    central: WarehouseId,
    wa: WarehouseId,
    /// ¥100 a unit: 60 units need approval by quantity.
    cheap: PartId,
    /// ¥10,000 a unit: 3 units need approval by value.
    dear: PartId,
    wh: Actor,
    mgr: Actor,
    sta: Actor,
    stb: Actor,
    _db: aftercare_store::testing::TestDb,
}

async fn cli(app: &App, c: Command) -> aftercare_domain::stock::Outcome {
    app.stock_execute(&Actor::Cli, None, c)
        .await
        .unwrap()
        .outcome
}

async fn stock_in(app: &App, supplier: SupplierId, w: WarehouseId, part: PartId, n: i64) {
    let qty = Qty::new(n).unwrap();
    let Some(Created::PurchaseOrder(order)) = cli(
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
    let Some(Created::Lot(lot)) = cli(
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
    cli(
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
    let mut stations = Vec::new();
    for code in ["ST-A", "ST-B"] {
        stations.push(
            org::insert_station(
                &mut tx,
                &NewStation {
                    code: code.into(),
                    name: format!("{code} 站"),
                    region_id: region,
                    address: "x".into(),
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
            .unwrap(),
        );
    }
    let wh = |code: &str, kind, station| NewWarehouse {
        code: code.into(),
        name: format!("{code} 库"),
        kind,
        parent_id: None,
        region_id: Some(region),
        station_id: station,
        address: "x".into(),
        after_sales: true,
        active: true,
    };
    let central = org::insert_warehouse(&mut tx, &wh("WH-C", WarehouseKind::Central, None))
        .await
        .unwrap();
    let wa = org::insert_warehouse(
        &mut tx,
        &wh("WH-A", WarehouseKind::Station, Some(stations[0])),
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
    for (pn, cost) in [("PN-CHEAP", 10_000), ("PN-DEAR", 1_000_000)] {
        parts.push(
            master::insert_part(
                &mut tx,
                &NewPart {
                    part_number: pn.into(),
                    name_zh: "主板".into(),
                    standard_cost: Money::from_minor(cost),
                },
                T0,
            )
            .await
            .unwrap(),
        );
    }
    tx.commit().await.unwrap();
    let mut actors = Vec::new();
    for (i, (login, role, station)) in [
        ("wh", Role::Warehouse, None),
        ("mgr", Role::Manager, None),
        ("sta", Role::Station, Some("ST-A")),
        ("stb", Role::Station, Some("ST-B")),
    ]
    .into_iter()
    .enumerate()
    {
        app.add_user(
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
        let s = app
            .login(login, "password123", &format!("10.0.0.{i}"))
            .await
            .unwrap();
        actors.push(Actor::user(s.principal, None));
    }
    stock_in(&app, supplier, central, parts[0], 100).await;
    stock_in(&app, supplier, central, parts[1], 10).await;
    stock_in(&app, supplier, wa, parts[0], 80).await;
    let mut a = actors.into_iter();
    World {
        app,
        clock,
        supplier,
        central,
        wa,
        cheap: parts[0],
        dear: parts[1],
        wh: a.next().unwrap(),
        mgr: a.next().unwrap(),
        sta: a.next().unwrap(),
        stb: a.next().unwrap(),
        _db: db,
    }
}

fn issue(w: WarehouseId, part: PartId, qty: i64, ticket: i64) -> Command {
    Command::Issue {
        warehouse: w,
        part,
        qty: Qty::new(qty).unwrap(),
        consumer: Consumer::Ticket(TicketId(ticket)),
        reservation: None,
        approved_by: None,
    }
}

async fn on_shelf(app: &App, w: WarehouseId, part: PartId) -> i64 {
    app.stock_list(
        &Actor::Cli,
        StockFilter {
            warehouse: Some(w),
            part: Some(part.get()),
            condition: Some("good".into()),
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

async fn issues_of(app: &App, part: PartId) -> usize {
    app.stock_movements(
        &Actor::Cli,
        MovementFilter {
            part: Some(part.get()),
            kind: Some("issue".into()),
            limit: 1000,
            ..Default::default()
        },
    )
    .await
    .unwrap()
    .len()
}

fn pending(s: Submitted) -> (aftercare_app::stock_approvals::ApprovalRow, bool) {
    match s {
        Submitted::Pending { approval, replayed } => (*approval, replayed),
        other => panic!("expected pending, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_large_issue_is_queued_and_a_manager_approves_it_once() {
    for db in each_backend().await.unwrap() {
        let label = db.label;
        let w = world(db).await;
        let app = &w.app;
        // 60 units > the 50-unit limit: queued, nothing moves.
        let (a, replayed) = pending(
            app.stock_submit(&w.wh, Some("big-1"), issue(w.central, w.cheap, 60, 5))
                .await
                .unwrap(),
        );
        assert!(!replayed, "{label}");
        assert_eq!(a.status, "pending", "{label}");
        assert_eq!((a.qty, a.value), (60, 600_000), "{label}");
        assert_eq!((a.consumer_kind.as_str(), a.consumer_id), ("ticket", 5));
        assert_eq!(a.requested_by_login, "wh");
        assert!(a.reason_json.contains("qty_above"), "{}", a.reason_json);
        assert_eq!(on_shelf(app, w.central, w.cheap).await, 100, "{label}");
        // The same request retried with its key finds the same approval; another command
        // under that key is refused.
        let (again, replayed) = pending(
            app.stock_submit(&w.wh, Some("big-1"), issue(w.central, w.cheap, 60, 5))
                .await
                .unwrap(),
        );
        assert!(replayed && again.id == a.id, "{label}");
        let err = app
            .stock_submit(&w.wh, Some("big-1"), issue(w.central, w.cheap, 61, 5))
            .await
            .unwrap_err();
        assert_eq!(err.code(), "stock.idempotency_key_reused", "{label}");
        assert_eq!(
            app.stock_approvals(&w.mgr, ApprovalFilter::default())
                .await
                .unwrap()
                .len(),
            1,
            "{label}"
        );
        // The plain ledger path still refuses, for callers that must not queue.
        let err = app
            .stock_execute(&w.wh, None, issue(w.central, w.cheap, 60, 5))
            .await
            .unwrap_err();
        assert_eq!(err.code(), "stock.approval_required", "{label}");
        // The queue's own keys are not for clients.
        let err = app
            .stock_submit(
                &w.wh,
                Some("stock-approval-1"),
                issue(w.central, w.cheap, 1, 5),
            )
            .await
            .unwrap_err();
        assert!(matches!(err, AppError::Invalid(_)), "{label}: {err:?}");
        // Nor are the keys of replenishment proposals' approvals, by either path.
        for submit in [true, false] {
            let cmd = issue(w.central, w.cheap, 1, 5);
            let err = if submit {
                app.stock_submit(&w.wh, Some("plan-proposal-1"), cmd)
                    .await
                    .unwrap_err()
            } else {
                app.stock_execute(&w.wh, Some("plan-proposal-1"), cmd)
                    .await
                    .unwrap_err()
            };
            assert!(matches!(err, AppError::Invalid(_)), "{label}: {err:?}");
        }

        // Only a manager decides.
        for who in [&w.wh, &w.sta] {
            let err = app.approve_stock_approval(who, a.id).await.unwrap_err();
            assert!(
                matches!(err, AppError::Forbidden { .. }),
                "{label}: {err:?}"
            );
            let err = app
                .reject_stock_approval(who, a.id, "no")
                .await
                .unwrap_err();
            assert!(
                matches!(err, AppError::Forbidden { .. }),
                "{label}: {err:?}"
            );
        }
        assert_eq!(on_shelf(app, w.central, w.cheap).await, 100, "{label}");

        let d = app.approve_stock_approval(&w.mgr, a.id).await.unwrap();
        assert!(!d.replayed, "{label}");
        assert_eq!(d.outcome.movements.len(), 1, "{label}");
        assert_eq!(d.approval.status, "approved", "{label}");
        assert_eq!(d.approval.decided_by_login.as_deref(), Some("mgr"));
        assert_eq!(on_shelf(app, w.central, w.cheap).await, 40, "{label}");
        // Approving again answers the first outcome and moves nothing.
        let d2 = app.approve_stock_approval(&w.mgr, a.id).await.unwrap();
        assert!(d2.replayed, "{label}");
        assert_eq!(d2.outcome.movements, d.outcome.movements, "{label}");
        assert_eq!(on_shelf(app, w.central, w.cheap).await, 40, "{label}");
        assert_eq!(issues_of(app, w.cheap).await, 1, "{label}");
        // A decided request cannot be rejected any more.
        let err = app
            .reject_stock_approval(&w.mgr, a.id, "too late")
            .await
            .unwrap_err();
        assert_eq!(err.code(), "stock.approval_decided", "{label}");

        // Two managers approving one request at the same moment issue it once.
        let (b, _) = pending(
            app.stock_submit(&w.wh, None, issue(w.central, w.dear, 3, 6))
                .await
                .unwrap(),
        );
        assert!(b.reason_json.contains("value_above"), "{}", b.reason_json);
        assert_eq!(b.value, 3_000_000, "{label}");
        let (r1, r2) = tokio::join!(
            app.approve_stock_approval(&w.mgr, b.id),
            app.approve_stock_approval(&w.mgr, b.id)
        );
        let (r1, r2) = (r1.unwrap(), r2.unwrap());
        assert_eq!(r1.outcome.movements, r2.outcome.movements, "{label}");
        assert!(r1.replayed != r2.replayed, "{label}: exactly one applied");
        assert_eq!(on_shelf(app, w.central, w.dear).await, 7, "{label}");
        assert_eq!(issues_of(app, w.dear).await, 1, "{label}");
        assert!(
            aftercare_store::stock::verify::verify_ledger(&app.db)
                .await
                .unwrap()
                .is_empty(),
            "{label}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rejecting_needs_a_reason_and_short_stock_leaves_the_request_pending() {
    for db in each_backend().await.unwrap() {
        let label = db.label;
        let w = world(db).await;
        let app = &w.app;
        let (a, _) = pending(
            app.stock_submit(&w.wh, None, issue(w.central, w.cheap, 60, 7))
                .await
                .unwrap(),
        );
        let (b, _) = pending(
            app.stock_submit(&w.wh, None, issue(w.central, w.cheap, 60, 8))
                .await
                .unwrap(),
        );
        // Without a reason nothing changes.
        let err = app
            .reject_stock_approval(&w.mgr, a.id, "  ")
            .await
            .unwrap_err();
        assert!(matches!(err, AppError::Invalid(_)), "{label}: {err:?}");
        // Nor with a reason too long or carrying control characters (it goes into the
        // audit log as it is).
        for bad in ["x".repeat(501), "nein\u{1b}[31m".to_string()] {
            let err = app
                .reject_stock_approval(&w.mgr, a.id, &bad)
                .await
                .unwrap_err();
            assert!(matches!(err, AppError::Invalid(_)), "{label}: {err:?}");
        }
        assert_eq!(
            app.stock_approval(&w.mgr, a.id).await.unwrap().status,
            "pending"
        );
        // The first approval takes 60 of 100; the second then finds 40 and is refused with
        // the ledger's code, and stays pending with the refusal noted.
        app.approve_stock_approval(&w.mgr, a.id).await.unwrap();
        let err = app.approve_stock_approval(&w.mgr, b.id).await.unwrap_err();
        assert_eq!(err.code(), "stock.insufficient", "{label}: {err:?}");
        let after = app.stock_approval(&w.mgr, b.id).await.unwrap();
        assert_eq!(after.status, "pending", "{label}");
        assert!(after.last_error.is_some(), "{label}");
        assert_eq!(on_shelf(app, w.central, w.cheap).await, 40, "{label}");
        // Rejected with a reason: nothing moves, and it cannot be approved afterwards.
        let r = app
            .reject_stock_approval(&w.mgr, b.id, "wait for the next delivery")
            .await
            .unwrap();
        assert_eq!(r.status, "rejected", "{label}");
        assert_eq!(
            r.decision_note.as_deref(),
            Some("wait for the next delivery")
        );
        let err = app.approve_stock_approval(&w.mgr, b.id).await.unwrap_err();
        assert_eq!(err.code(), "stock.approval_decided", "{label}");
        let err = app
            .reject_stock_approval(&w.mgr, b.id, "again")
            .await
            .unwrap_err();
        assert_eq!(err.code(), "stock.approval_decided", "{label}");
        assert_eq!(on_shelf(app, w.central, w.cheap).await, 40, "{label}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stations_see_only_their_own_requests() {
    for db in each_backend().await.unwrap() {
        let label = db.label;
        let w = world(db).await;
        let app = &w.app;
        let (mine, _) = pending(
            // A requisition: this world has no tickets, and a station books stock only to
            // tickets it holds.
            app.stock_submit(
                &w.sta,
                None,
                Command::Issue {
                    warehouse: w.wa,
                    part: w.cheap,
                    qty: Qty::new(55).unwrap(),
                    consumer: Consumer::Requisition(aftercare_domain::RequisitionId(9)),
                    reservation: None,
                    approved_by: None,
                },
            )
            .await
            .unwrap(),
        );
        let (central, _) = pending(
            app.stock_submit(&w.wh, None, issue(w.central, w.cheap, 51, 10))
                .await
                .unwrap(),
        );
        let ids = |v: Vec<aftercare_app::stock_approvals::ApprovalRow>| {
            v.into_iter().map(|a| a.id).collect::<Vec<_>>()
        };
        let all = ApprovalFilter::default;
        assert_eq!(
            ids(app.stock_approvals(&w.sta, all()).await.unwrap()),
            vec![mine.id]
        );
        assert!(app.stock_approvals(&w.stb, all()).await.unwrap().is_empty());
        assert_eq!(
            ids(app.stock_approvals(&w.mgr, all()).await.unwrap()),
            vec![central.id, mine.id]
        );
        for id in [mine.id, central.id] {
            let err = app.stock_approval(&w.stb, id).await.unwrap_err();
            assert!(matches!(err, AppError::NotFound { .. }), "{label}: {err:?}");
        }
        let err = app.stock_approval(&w.sta, central.id).await.unwrap_err();
        assert!(matches!(err, AppError::NotFound { .. }), "{label}: {err:?}");
        let err = app
            .stock_approvals(
                &w.stb,
                ApprovalFilter {
                    warehouse: Some(w.wa),
                    ..all()
                },
            )
            .await
            .unwrap_err();
        assert!(matches!(err, AppError::NotFound { .. }), "{label}: {err:?}");
        let err = app
            .stock_approvals(
                &w.mgr,
                ApprovalFilter {
                    status: Some("maybe".into()),
                    ..all()
                },
            )
            .await
            .unwrap_err();
        assert!(matches!(err, AppError::Invalid(_)), "{label}: {err:?}");
        // The manager approves the station's request; the station sees it approved.
        app.approve_stock_approval(&w.mgr, mine.id).await.unwrap();
        assert_eq!(
            app.stock_approval(&w.sta, mine.id).await.unwrap().status,
            "approved"
        );
        assert_eq!(on_shelf(app, w.wa, w.cheap).await, 25, "{label}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn aged_stock_is_bucketed_by_lot_receipt_age_per_warehouse() {
    const DAY_MIN: i64 = 24 * 60;
    for db in each_backend().await.unwrap() {
        let label = db.label;
        let w = world(db).await;
        let app = &w.app;
        let central = |rows: &[aftercare_app::stock::AgingRow]| {
            rows.iter()
                .find(|r| r.warehouse_id == w.central.get())
                .cloned()
                .unwrap()
        };
        let view = |a: &Actor| {
            let a = a.clone();
            async move { app.stock_aging(&a, None).await.unwrap() }
        };
        // Just received: everything is 0-90 days old.
        let rows = view(&Actor::Cli).await;
        assert_eq!(rows.len(), 2, "{label}: {rows:?}");
        let c = rows
            .iter()
            .find(|r| r.warehouse_id == w.central.get())
            .unwrap();
        assert_eq!(c.qty, [110, 0, 0, 0], "{label}");
        assert_eq!(c.value, [100 * 10_000 + 10 * 1_000_000, 0, 0, 0], "{label}");
        // 90 whole days old is still the first bucket; 91 is the second.
        w.clock.advance_minutes(90 * DAY_MIN);
        assert_eq!(
            central(&view(&Actor::Cli).await).qty,
            [110, 0, 0, 0],
            "{label}"
        );
        w.clock.advance_minutes(DAY_MIN);
        assert_eq!(
            central(&view(&Actor::Cli).await).qty,
            [0, 110, 0, 0],
            "{label}"
        );
        // A new lot is young; an issue takes the oldest lot first (FIFO).
        stock_in(app, w.supplier, w.central, w.cheap, 5).await;
        app.stock_execute(&Actor::Cli, None, issue(w.central, w.cheap, 30, 1))
            .await
            .unwrap();
        let c = central(&view(&Actor::Cli).await);
        assert_eq!(c.qty, [5, 80, 0, 0], "{label}");
        assert_eq!(
            c.value,
            [50_000, 70 * 10_000 + 10 * 1_000_000, 0, 0],
            "{label}"
        );
        // 300 days later: the first lots are over a year old, the new one 181-365.
        w.clock.advance_minutes(300 * DAY_MIN);
        let rows = view(&Actor::Cli).await;
        assert_eq!(central(&rows).qty, [0, 0, 5, 80], "{label}");
        // By warehouse code: WH-A before WH-C.
        assert_eq!(rows[0].warehouse_id, w.wa.get(), "{label}");
        assert_eq!(rows[0].qty, [0, 0, 0, 80], "{label}");
        // Stations see their own warehouses only.
        let sta = view(&w.sta).await;
        assert_eq!(sta.len(), 1, "{label}");
        assert_eq!(sta[0].warehouse_id, w.wa.get(), "{label}");
        assert!(view(&w.stb).await.is_empty(), "{label}");
        let err = app.stock_aging(&w.stb, Some(w.wa)).await.unwrap_err();
        assert!(matches!(err, AppError::NotFound { .. }), "{label}: {err:?}");
    }
}

/// An approval not tied to a ticket line (a requisition) whose approval stopped half-way
/// goes back to pending after the timeout, is never rejected by the sweep however long it
/// waits, and a manager's approval then issues it once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_half_way_requisition_approval_is_pending_again_and_never_dropped() {
    use aftercare_app::stock_approvals::APPROVAL_CLAIM_TIMEOUT_MINUTES;
    for db in each_backend().await.unwrap() {
        let label = db.label;
        let w = world(db).await;
        let app = &w.app;
        let requisition = Command::Issue {
            warehouse: w.central,
            part: w.cheap,
            qty: Qty::new(60).unwrap(),
            consumer: Consumer::Requisition(aftercare_domain::RequisitionId(77)),
            reservation: None,
            approved_by: None,
        };
        let (a, _) = pending(
            app.stock_submit(&w.wh, Some("req-77"), requisition)
                .await
                .unwrap(),
        );
        // A manager's approval claims it and stops there (the process died).
        let mut tx = app.db.begin_write().await.unwrap();
        assert!(
            aftercare_store::stock::approvals::claim(&mut tx, a.id, app.now())
                .await
                .unwrap()
        );
        tx.commit().await.unwrap();
        w.clock.advance_minutes(APPROVAL_CLAIM_TIMEOUT_MINUTES - 1);
        let young = app.recover_stalled_approvals().await.unwrap();
        assert_eq!(
            young,
            Default::default(),
            "{label}: a young claim is left alone"
        );
        w.clock.advance_minutes(24 * 60);
        let done = app.recover_stalled_approvals().await.unwrap();
        assert_eq!(
            (done.approved, done.released, done.rejected),
            (0, 1, 0),
            "{label}"
        );
        let again = app.stock_approval(&w.mgr, a.id).await.unwrap();
        assert_eq!(again.status, "pending", "{label}");
        assert_eq!(issues_of(app, w.cheap).await, 0, "{label}");
        assert_eq!(
            app.recover_stalled_approvals().await.unwrap(),
            Default::default(),
            "{label}: nothing left to recover"
        );
        let d = app.approve_stock_approval(&w.mgr, a.id).await.unwrap();
        assert_eq!(d.approval.status, "approved", "{label}");
        assert_eq!(issues_of(app, w.cheap).await, 1, "{label}");
        assert_eq!(on_shelf(app, w.central, w.cheap).await, 40, "{label}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn aged_stock_worth_more_than_the_integer_range_saturates_instead_of_failing() {
    for db in each_backend().await.unwrap() {
        let label = db.label;
        let w = world(db).await;
        let app = &w.app;
        let stored = app.get_part(&Actor::Cli, w.cheap).await.unwrap();
        let draft = aftercare_domain::part::PartDraft {
            part_number: stored.part_number.clone(),
            name_zh: stored.name_zh.clone(),
            unit: stored.unit.clone(),
            standard_cost: 2_000_000_000,
            source: stored.source.clone(),
            lead_time_days: stored.lead_time_days,
            ..Default::default()
        };
        app.update_part(&Actor::Cli, w.cheap, &draft).await.unwrap();
        // Five lines of the most a line may carry: 5·10⁹ units at 2·10⁹ cents is 10¹⁹
        // cents, past the i64 range (the database's integer sum failed: a 500).
        for _ in 0..5 {
            stock_in(app, w.supplier, w.central, w.cheap, 1_000_000_000).await;
        }
        let rows = app.stock_aging(&Actor::Cli, None).await.unwrap();
        let c = rows
            .iter()
            .find(|r| r.warehouse_id == w.central.get())
            .unwrap();
        assert_eq!(c.value[0], i64::MAX, "{label}: {c:?}");
        assert_eq!(c.qty[0], 110 + 5_000_000_000, "{label}: {c:?}");
    }
}
