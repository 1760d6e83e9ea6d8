//! Pick lists of the stock operation page (`App::stock_pick_lists`) on SQLite and on
//! PostgreSQL when `AFTERCARE_TEST_POSTGRES_URL` is set: head office sees every open
//! document; a station user only its own warehouse's lots, transfers (by destination),
//! discrepancies, repair orders, scrap requests and stocktakes, no purchase orders or
//! suppliers, and never another station's warehouse; closed documents leave the lists.

use aftercare_app::admin::AddUser;
use aftercare_app::stock_picks::PickLists;
use aftercare_app::{Actor, App, AppConfig, AppError, FixedClock};
use aftercare_domain::org::{RegionLevel, Tier, WarehouseKind};
use aftercare_domain::stock::{
    Command, Consumer, CountEntry, Created, Outcome, Qty, ScrapReason, StockCondition,
    StocktakeScope, TransferQty,
};
use aftercare_domain::{
    Instant, LotId, Money, PartId, RequisitionId, Role, SupplierId, TransferId, WarehouseId,
};
use aftercare_store::org::{self, NewRegion, NewStation, NewWarehouse};
use aftercare_store::stock::master::{self, NewPart, NewSupplier};
use aftercare_store::testing::each_backend;
use std::sync::Arc;

const T0: Instant = Instant(1_767_578_400_000);

fn q(n: i64) -> Qty {
    Qty::new(n).unwrap()
}

async fn cli(app: &App, c: Command) -> Outcome {
    app.stock_execute(&Actor::Cli, None, c)
        .await
        .unwrap()
        .outcome
}

struct World {
    app: App,
    central: WarehouseId,
    wa: WarehouseId,
    wb: WarehouseId,
    supplier: SupplierId,
    part: PartId,
    wh: Actor,
    sta: Actor,
    stb: Actor,
    brand: Actor,
    _db: aftercare_store::testing::TestDb,
}

async fn world(db: aftercare_store::testing::TestDb) -> World {
    let clock = Arc::new(FixedClock::new(T0));
    let app = App::with_clock(db.db.clone(), AppConfig::default(), clock);
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
    let wb = org::insert_warehouse(
        &mut tx,
        &wh("WH-B", WarehouseKind::Station, Some(stations[1])),
    )
    .await
    .unwrap();
    let supplier = master::insert_supplier(
        &mut tx,
        &NewSupplier {
            code: "SUP-1".into(),
            name: "华星光电".into(),
            kind: "both".into(),
        },
        T0,
    )
    .await
    .unwrap();
    let part = master::insert_part(
        &mut tx,
        &NewPart {
            part_number: "PN-1".into(),
            name_zh: "主板".into(),
            standard_cost: Money::from_minor(10_000),
        },
        T0,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let mut actors = Vec::new();
    for (i, (login, role, station)) in [
        ("wh", Role::Warehouse, None),
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
    let brand = {
        let mut tx = app.db.begin_write().await.unwrap();
        org::insert_brand(&mut tx, "QL", "启澜", "Qilan", true)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        app.add_user(
            &Actor::Cli,
            AddUser {
                login: "brand".into(),
                display_name: None,
                role: Role::Brand,
                station: None,
                technician: None,
                brand: Some("QL".into()),
                password: "password123".into(),
            },
        )
        .await
        .unwrap();
        let s = app.login("brand", "password123", "10.0.0.9").await.unwrap();
        Actor::user(s.principal, None)
    };
    let mut a = actors.into_iter();
    World {
        app,
        central,
        wa,
        wb,
        supplier,
        part,
        wh: a.next().unwrap(),
        sta: a.next().unwrap(),
        stb: a.next().unwrap(),
        brand,
        _db: db,
    }
}

/// Order `n` and receive them into `w`'s quarantine; the lot.
async fn receive(w: &World, to: WarehouseId, n: i64) -> LotId {
    let Some(Created::PurchaseOrder(order)) = cli(
        &w.app,
        Command::PlacePurchaseOrder {
            supplier: w.supplier,
            lines: vec![(w.part, q(n + 1))],
        },
    )
    .await
    .created
    else {
        panic!("no order")
    };
    let Some(Created::Lot(lot)) = cli(
        &w.app,
        Command::Receive {
            order,
            warehouse: to,
            part: w.part,
            qty: q(n),
        },
    )
    .await
    .created
    else {
        panic!("no lot")
    };
    lot
}

async fn good(w: &World, to: WarehouseId, n: i64) {
    let lot = receive(w, to, n).await;
    cli(
        &w.app,
        Command::Inspect {
            warehouse: to,
            lot,
            accept: q(n),
            reject: Qty::ZERO,
        },
    )
    .await;
}

async fn ship(w: &World, to: WarehouseId, n: i64) -> TransferId {
    let Some(Created::Transfer(t)) = cli(
        &w.app,
        Command::ShipTransfer {
            from: w.central,
            to,
            eta: Instant(T0.0 + 86_400_000),
            lines: vec![TransferQty {
                part: w.part,
                condition: StockCondition::Good,
                qty: q(n),
            }],
        },
    )
    .await
    .created
    else {
        panic!("no transfer")
    };
    t
}

/// Per station warehouse: a lot in quarantine, good and defective stock, a repair order,
/// a scrap request, a transfer on the road and (A only) a discrepancy; then a stocktake.
async fn documents(w: &World) {
    good(w, w.central, 100).await;
    for (i, &wh) in [w.wa, w.wb].iter().enumerate() {
        receive(w, wh, 3 + i as i64).await;
        good(w, wh, 10).await;
        cli(
            &w.app,
            Command::DefectiveReturn {
                consumer: Consumer::Requisition(RequisitionId(40 + i as i64)),
                warehouse: wh,
                part: w.part,
                qty: q(4),
            },
        )
        .await;
        cli(
            &w.app,
            Command::SendToRepair {
                warehouse: wh,
                vendor: w.supplier,
                part: w.part,
                qty: q(2),
                due: Instant(T0.0 + 30 * 86_400_000),
            },
        )
        .await;
        cli(
            &w.app,
            Command::RequestScrap {
                warehouse: wh,
                part: w.part,
                condition: StockCondition::Defective,
                qty: q(1),
                reason: ScrapReason::DamagedBeyondRepair,
            },
        )
        .await;
        ship(w, wh, 6).await;
    }
    // A receives its first transfer partly and closes it: 2 missing.
    let t = ship(w, w.wa, 5).await;
    cli(
        &w.app,
        Command::ReceiveTransfer {
            transfer: t,
            lines: vec![TransferQty {
                part: w.part,
                condition: StockCondition::Good,
                qty: q(3),
            }],
            close: true,
        },
    )
    .await;
    for wh in [w.wa, w.wb] {
        cli(
            &w.app,
            Command::OpenStocktake {
                warehouse: wh,
                scope: StocktakeScope::Warehouse,
            },
        )
        .await;
    }
}

/// Every warehouse id a list mentions.
fn warehouses_in(l: &PickLists) -> Vec<i64> {
    let mut ids: Vec<i64> = l
        .quarantine
        .iter()
        .map(|x| x.warehouse_id)
        .chain(l.in_transit.iter().map(|x| x.to_warehouse_id))
        .chain(l.discrepancies.iter().map(|x| x.to_warehouse_id))
        .chain(l.repair_orders.iter().map(|x| x.warehouse_id))
        .chain(l.scrap_requests.iter().map(|x| x.warehouse_id))
        .chain(l.stocktakes.iter().map(|x| x.warehouse_id))
        .chain(l.warehouses.iter().map(|x| x.id))
        .chain(l.destinations.iter().map(|x| x.id))
        .collect();
    ids.sort();
    ids.dedup();
    ids
}

#[tokio::test]
async fn a_station_user_sees_only_its_own_open_documents_in_the_pick_lists() {
    for db in each_backend().await.unwrap() {
        let label = db.label;
        let w = world(db).await;
        documents(&w).await;
        let app = &w.app;

        // Head office: every open document.
        let all = app.stock_pick_lists(&w.wh).await.unwrap();
        assert_eq!(all.warehouses.len(), 3, "{label}");
        assert_eq!(all.destinations.len(), 3, "{label}");
        assert_eq!(all.suppliers.len(), 1, "{label}");
        assert_eq!(all.vendors.len(), 1, "{label}");
        // Two receipts into quarantine and three received into good stock leave one unit
        // open on each of the five orders (each ordered n + 1).
        assert_eq!(all.order_lines.len(), 5, "{label}: {:?}", all.order_lines);
        assert!(
            all.order_lines
                .iter()
                .all(|l| l.ordered - l.received == 1 && l.part_number == "PN-1"),
            "{label}"
        );
        let mut q_wh: Vec<(i64, i64)> = all
            .quarantine
            .iter()
            .map(|l| (l.warehouse_id, l.qty))
            .collect();
        q_wh.sort();
        assert_eq!(q_wh, vec![(w.wa.get(), 3), (w.wb.get(), 4)], "{label}");
        assert_eq!(all.in_transit.len(), 2, "{label}: {:?}", all.in_transit);
        assert!(all.in_transit.iter().all(|t| t.open == 6), "{label}");
        assert_eq!(all.discrepancies.len(), 1, "{label}");
        assert_eq!(
            (
                all.discrepancies[0].to_warehouse_id,
                all.discrepancies[0].open
            ),
            (w.wa.get(), 2),
            "{label}"
        );
        assert_eq!(all.repair_orders.len(), 2, "{label}");
        assert!(
            all.repair_orders.iter().all(|r| r.at_vendor == 2),
            "{label}"
        );
        assert_eq!(all.scrap_requests.len(), 2, "{label}");
        assert_eq!(all.stocktakes.len(), 2, "{label}");
        assert!(
            all.stocktakes.iter().all(|s| s.lines > 0 && s.counted == 0),
            "{label}"
        );

        // Each station: only its own warehouse, plus head office as a destination.
        for (actor, own, other) in [(&w.sta, w.wa, w.wb), (&w.stb, w.wb, w.wa)] {
            let l = app.stock_pick_lists(actor).await.unwrap();
            let ids = warehouses_in(&l);
            assert!(!ids.contains(&other.get()), "{label}: {ids:?}");
            assert_eq!(ids, vec![w.central.get(), own.get()], "{label}");
            assert_eq!(
                l.warehouses.iter().map(|x| x.id).collect::<Vec<_>>(),
                vec![own.get()],
                "{label}"
            );
            assert!(
                l.suppliers.is_empty() && l.vendors.is_empty() && l.order_lines.is_empty(),
                "{label}"
            );
            assert_eq!(l.quarantine.len(), 1, "{label}");
            assert_eq!(l.in_transit.len(), 1, "{label}");
            assert_eq!(l.repair_orders.len(), 1, "{label}");
            assert_eq!(l.scrap_requests.len(), 1, "{label}");
            assert_eq!(l.stocktakes.len(), 1, "{label}");
            assert_eq!(l.discrepancies.len(), usize::from(own == w.wa), "{label}");
        }
        // Brand users see no stock at all.
        assert!(
            matches!(
                app.stock_pick_lists(&w.brand).await,
                Err(AppError::Forbidden { .. })
            ),
            "{label}"
        );

        // Closing documents takes them off the lists.
        let scrap = all.scrap_requests[0].request_id;
        let mgr = Actor::Cli;
        app.stock_execute(
            &mgr,
            None,
            Command::DecideScrap {
                request: aftercare_domain::ScrapRequestId(scrap),
                approve: false,
                by: Role::Manager,
            },
        )
        .await
        .unwrap();
        let st = all
            .stocktakes
            .iter()
            .find(|s| s.warehouse_id == w.wa.get())
            .unwrap()
            .stocktake_id;
        let lines = app.stock_pick_lists(&w.wh).await.unwrap();
        assert_eq!(lines.scrap_requests.len(), 1, "{label}");
        assert!(
            lines.scrap_requests.iter().all(|s| s.request_id != scrap),
            "{label}"
        );
        // Count every line of A's stocktake at its book quantity and approve it.
        let book = app
            .stock_view(
                &Actor::Cli,
                &aftercare_app::stock_views::StockQuery {
                    warehouse: Some(w.wa),
                    limit: 100,
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        let counts = book
            .iter()
            .map(|r| CountEntry {
                part: PartId(r.part_id),
                condition: StockCondition::parse(&r.condition).unwrap(),
                counted: q(r.qty),
            })
            .collect();
        cli(
            app,
            Command::EnterCounts {
                stocktake: aftercare_domain::StocktakeId(st),
                counts,
            },
        )
        .await;
        let l = app.stock_pick_lists(&w.sta).await.unwrap();
        assert_eq!(
            (l.stocktakes[0].counted, l.stocktakes[0].lines),
            (book.len() as i64, book.len() as i64),
            "{label}"
        );
        cli(
            app,
            Command::ApproveStocktake {
                stocktake: aftercare_domain::StocktakeId(st),
                by: Role::Manager,
            },
        )
        .await;
        let l = app.stock_pick_lists(&w.sta).await.unwrap();
        assert!(l.stocktakes.is_empty(), "{label}");
        // Inspecting A's lot empties A's quarantine list.
        let lot = l.quarantine[0].lot_id;
        cli(
            app,
            Command::Inspect {
                warehouse: w.wa,
                lot: LotId(lot),
                accept: q(3),
                reject: Qty::ZERO,
            },
        )
        .await;
        let l = app.stock_pick_lists(&w.sta).await.unwrap();
        assert!(l.quarantine.is_empty(), "{label}");
        assert_eq!(
            app.stock_pick_lists(&w.stb).await.unwrap().quarantine.len(),
            1,
            "{label}"
        );
    }
}
