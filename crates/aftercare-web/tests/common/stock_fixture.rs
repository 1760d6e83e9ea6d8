//! A stock world for HTTP tests, the crash test and the ledger benchmark: a central
//! warehouse and two stations' warehouses, a supplier, parts, users of each stock role with
//! API tokens, and stock put in through the ledger itself (purchase order, receipt,
//! inspection).

#![allow(dead_code)]

use aftercare_app::admin::AddUser;
use aftercare_app::{Actor, App};
use aftercare_domain::org::{RegionLevel, Tier, WarehouseKind};
use aftercare_domain::stock::{Command, Created, Qty};
use aftercare_domain::{Instant, Money, PartId, Role, SupplierId, WarehouseId};
use aftercare_store::org::{self, NewRegion, NewStation, NewWarehouse};
use aftercare_store::stock::master::{self, NewPart, NewSupplier};

/// What [`seed`] made.
pub struct Fixture {
    /// Central warehouse (head office).
    pub central: WarehouseId,
    /// Station A's warehouse.
    pub wa: WarehouseId,
    /// Station B's warehouse.
    pub wb: WarehouseId,
    /// The supplier.
    pub supplier: SupplierId,
    /// Parts, in creation order.
    pub parts: Vec<PartId>,
    /// Bearer tokens: warehouse keeper, manager, station A user, station B user.
    pub wh_token: String,
    /// Manager.
    pub mgr_token: String,
    /// Station A user.
    pub sta_token: String,
    /// Station B user.
    pub stb_token: String,
}

/// Build the world with `parts` parts (standard cost 100.00 each).
pub async fn seed(app: &App, parts: usize) -> Fixture {
    let now = Instant(1_763_800_000_000);
    let mut tx = app.db.begin_write().await.unwrap();
    let region = org::insert_region(
        &mut tx,
        &NewRegion {
            parent_id: None,
            code: "510100".into(),
            name_zh: "成都市".into(),
            name_en: "Chengdu".into(),
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
                now,
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
            name: "京东方备件".into(),
            kind: "both".into(),
        },
        now,
    )
    .await
    .unwrap();
    let mut ids = Vec::new();
    for i in 0..parts {
        ids.push(
            master::insert_part(
                &mut tx,
                &NewPart {
                    part_number: format!("PN-{i:05}"),
                    name_zh: format!("主板 {i}"),
                    standard_cost: Money::from_minor(10_000),
                },
                now,
            )
            .await
            .unwrap(),
        );
    }
    tx.commit().await.unwrap();
    let codes = ["ST-A".to_string(), "ST-B".to_string()];
    let mut tokens = Vec::new();
    for (login, role, station) in [
        ("wh", Role::Warehouse, None),
        ("mgr", Role::Manager, None),
        ("sta", Role::Station, Some(codes[0].clone())),
        ("stb", Role::Station, Some(codes[1].clone())),
    ] {
        app.add_user(
            &Actor::Cli,
            AddUser {
                login: login.into(),
                display_name: Some(login.into()),
                role,
                station,
                technician: None,
                brand: None,
                password: "password123".into(),
            },
        )
        .await
        .unwrap();
        tokens.push(
            app.create_api_token(&Actor::Cli, &format!("{login} token"), login)
                .await
                .unwrap()
                .secret,
        );
    }
    Fixture {
        central,
        wa,
        wb,
        supplier,
        parts: ids,
        wh_token: tokens[0].clone(),
        mgr_token: tokens[1].clone(),
        sta_token: tokens[2].clone(),
        stb_token: tokens[3].clone(),
    }
}

/// Put `qty` good units of each part into `warehouse` through the ledger.
pub async fn stock_in(app: &App, f: &Fixture, warehouse: WarehouseId, parts: &[PartId], qty: i64) {
    let q = Qty::new(qty).unwrap();
    for chunk in parts.chunks(50) {
        let po = app
            .stock_execute(
                &Actor::Cli,
                None,
                Command::PlacePurchaseOrder {
                    supplier: f.supplier,
                    lines: chunk.iter().map(|p| (*p, q)).collect(),
                },
            )
            .await
            .unwrap();
        let Some(Created::PurchaseOrder(order)) = po.outcome.created else {
            panic!("no purchase order")
        };
        for &part in chunk {
            let r = app
                .stock_execute(
                    &Actor::Cli,
                    None,
                    Command::Receive {
                        order,
                        warehouse,
                        part,
                        qty: q,
                    },
                )
                .await
                .unwrap();
            let Some(Created::Lot(lot)) = r.outcome.created else {
                panic!("no lot")
            };
            app.stock_execute(
                &Actor::Cli,
                None,
                Command::Inspect {
                    warehouse,
                    lot,
                    accept: q,
                    reject: Qty::ZERO,
                },
            )
            .await
            .unwrap();
        }
    }
}
