//! The SQL ledger against the in-memory reference book: random sequences of every command
//! run through both must give the same results (outcomes and refusals) and the same
//! balances, also across a restart of the writer; `verify_ledger` stays clean. On SQLite,
//! and on PostgreSQL when `AFTERCARE_TEST_POSTGRES_URL` is set.

use aftercare_domain::org::{RegionLevel, Tier, WarehouseKind};
use aftercare_domain::part::{StockLevels, SubstituteDirection, SubstituteRule};
use aftercare_domain::stock::stocktake::CountEntry;
use aftercare_domain::stock::{
    Book, Command, Consumer, Created, IdempotencyKey, IssuePolicy, Qty, Resolution, ScrapReason,
    StockCondition, StocktakeScope, TransferQty,
};
use aftercare_domain::{
    Instant, LotId, Money, PartId, PurchaseOrderId, RepairOrderId, RequisitionId, ReservationId,
    Role, ScrapRequestId, StocktakeId, SupplierId, TicketId, TransferId, WarehouseId,
};
use aftercare_store::org::{self, NewRegion, NewStation, NewWarehouse};
use aftercare_store::stock::master::{self, NewPart, NewSupplier};
use aftercare_store::stock::{Ledger, LedgerRequest, location_key, verify::verify_ledger};
use aftercare_store::testing::{POSTGRES_ENV, TestDb, each_backend, fresh_postgres, fresh_sqlite};
use aftercare_store::{Db, on_db};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const T0: i64 = 1_763_800_000_000;

fn policy() -> IssuePolicy {
    IssuePolicy {
        value_above: Some(Money::from_minor(50_000)),
        qty_above: Some(Qty::new(6).unwrap()),
    }
}

struct World {
    warehouses: Vec<WarehouseId>,
    parts: Vec<PartId>,
    suppliers: Vec<SupplierId>,
}

/// Three warehouses, four parts with costs, levels and a substitute, two suppliers; the
/// same master data in the reference book.
async fn seed_world(db: &Db, book: &mut Book) -> World {
    let now = Instant(T0);
    let mut tx = db.begin_write().await.unwrap();
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
    let line = org::insert_product_line(&mut tx, "TV", "电视", "TV")
        .await
        .unwrap();
    let station = org::insert_station(
        &mut tx,
        &NewStation {
            code: "ST-1".into(),
            name: "锦江服务部".into(),
            region_id: region,
            address: "x".into(),
            phone: "028-12345678".into(),
            contact: "王".into(),
            capacity: 10,
            score: 80,
            active: true,
            coverage: vec![region],
            product_lines: vec![line],
        },
        now,
    )
    .await
    .unwrap();
    let mut warehouses = Vec::new();
    for (code, kind, st) in [
        ("WH-C", WarehouseKind::Central, None),
        ("WH-R", WarehouseKind::Regional, None),
        ("WH-S", WarehouseKind::Station, Some(station)),
    ] {
        warehouses.push(
            org::insert_warehouse(
                &mut tx,
                &NewWarehouse {
                    code: code.into(),
                    name: code.into(),
                    kind,
                    parent_id: warehouses.first().copied(),
                    region_id: Some(region),
                    station_id: st,
                    address: "x".into(),
                    after_sales: true,
                    active: true,
                },
            )
            .await
            .unwrap(),
        );
    }
    let mut suppliers = Vec::new();
    for code in ["SUP-1", "REP-1"] {
        suppliers.push(
            master::insert_supplier(
                &mut tx,
                &NewSupplier {
                    code: code.into(),
                    name: code.into(),
                    kind: "both".into(),
                },
                now,
            )
            .await
            .unwrap(),
        );
    }
    let mut parts = Vec::new();
    for (i, cost) in [1_000i64, 25_000, 4_000, 90_000].into_iter().enumerate() {
        let p = master::insert_part(
            &mut tx,
            &NewPart {
                part_number: format!("P-{i}"),
                name_zh: format!("零件{i}"),
                standard_cost: Money::from_minor(cost),
            },
            now,
        )
        .await
        .unwrap();
        book.define_part(p, Money::from_minor(cost));
        parts.push(p);
    }
    let levels = StockLevels::new(Qty::new(3).unwrap(), Some(Qty::new(20).unwrap())).unwrap();
    for &w in &warehouses {
        master::set_levels(&mut tx, w, parts[0], levels)
            .await
            .unwrap();
        book.set_levels(w, parts[0], levels).unwrap();
    }
    let rule = SubstituteRule {
        part: parts[0],
        substitute: parts[2],
        direction: SubstituteDirection::BothWays,
        priority: 1,
        instruction: "同规格可代用".into(),
    };
    master::insert_substitute(&mut tx, &rule).await.unwrap();
    book.declare_substitute(rule).unwrap();
    tx.commit().await.unwrap();
    World {
        warehouses,
        parts,
        suppliers,
    }
}

/// Ids the reference book has handed out, to aim commands at.
#[derive(Default)]
struct Made {
    orders: Vec<PurchaseOrderId>,
    lots: Vec<LotId>,
    reservations: Vec<ReservationId>,
    transfers: Vec<TransferId>,
    repairs: Vec<RepairOrderId>,
    scraps: Vec<ScrapRequestId>,
    stocktakes: Vec<StocktakeId>,
}

fn pick<T: Copy>(rng: &mut ChaCha8Rng, v: &[T], fallback: T) -> T {
    if v.is_empty() || rng.random_bool(0.05) {
        fallback
    } else {
        v[rng.random_range(0..v.len())]
    }
}

fn random_command(rng: &mut ChaCha8Rng, w: &World, made: &Made, now: i64) -> Command {
    let wh = |rng: &mut ChaCha8Rng| w.warehouses[rng.random_range(0..w.warehouses.len())];
    let part = |rng: &mut ChaCha8Rng| w.parts[rng.random_range(0..w.parts.len())];
    let qty = |rng: &mut ChaCha8Rng, max: i64| Qty::new(rng.random_range(0..=max)).unwrap();
    let cond = |rng: &mut ChaCha8Rng| StockCondition::ALL[rng.random_range(0..5)];
    let consumer = |rng: &mut ChaCha8Rng| {
        if rng.random_bool(0.5) {
            Consumer::Ticket(TicketId(rng.random_range(1..4)))
        } else {
            Consumer::Requisition(RequisitionId(rng.random_range(1..3)))
        }
    };
    let role = |rng: &mut ChaCha8Rng| {
        [Role::Manager, Role::Warehouse, Role::Admin][rng.random_range(0..3)]
    };
    match rng.random_range(0..24) {
        0 | 1 => Command::PlacePurchaseOrder {
            supplier: w.suppliers[rng.random_range(0..2)],
            lines: (0..rng.random_range(1..3))
                .map(|i| (w.parts[i], Qty::new(rng.random_range(1..30)).unwrap()))
                .collect(),
        },
        2 | 3 => Command::Receive {
            order: pick(rng, &made.orders, PurchaseOrderId(999_999)),
            warehouse: wh(rng),
            part: part(rng),
            qty: qty(rng, 12),
        },
        4 | 5 => Command::Inspect {
            warehouse: wh(rng),
            lot: pick(rng, &made.lots, LotId(999_999)),
            accept: qty(rng, 10),
            reject: qty(rng, 2),
        },
        6..=8 => {
            let reservation = if rng.random_bool(0.3) {
                Some(pick(rng, &made.reservations, ReservationId(999_999)))
            } else {
                None
            };
            Command::Issue {
                warehouse: wh(rng),
                part: part(rng),
                qty: qty(rng, 8),
                consumer: consumer(rng),
                reservation,
                approved_by: if rng.random_bool(0.3) {
                    Some(role(rng))
                } else {
                    None
                },
            }
        }
        9 => Command::ReturnUnused {
            consumer: consumer(rng),
            warehouse: wh(rng),
            part: part(rng),
            qty: qty(rng, 3),
            issued_at: Instant(now - 3_600_000),
        },
        10 => Command::DefectiveReturn {
            consumer: consumer(rng),
            warehouse: wh(rng),
            part: part(rng),
            qty: qty(rng, 3),
        },
        11 => Command::Reserve {
            warehouse: wh(rng),
            part: part(rng),
            qty: qty(rng, 4),
            consumer: consumer(rng),
            expires_at: Instant(now + rng.random_range(-10_000..200_000)),
        },
        12 => Command::ReleaseReservation {
            reservation: pick(rng, &made.reservations, ReservationId(999_999)),
        },
        13 => Command::ExpireReservations,
        14 => {
            let (from, to) = (wh(rng), wh(rng));
            Command::ShipTransfer {
                from,
                to,
                eta: Instant(now + rng.random_range(-1000..100_000)),
                lines: vec![TransferQty {
                    part: part(rng),
                    condition: if rng.random_bool(0.7) {
                        StockCondition::Good
                    } else {
                        cond(rng)
                    },
                    qty: qty(rng, 5),
                }],
            }
        }
        15 => Command::ReceiveTransfer {
            transfer: pick(rng, &made.transfers, TransferId(999_999)),
            lines: vec![TransferQty {
                part: part(rng),
                condition: if rng.random_bool(0.7) {
                    StockCondition::Good
                } else {
                    cond(rng)
                },
                qty: qty(rng, 4),
            }],
            close: rng.random_bool(0.5),
        },
        16 => Command::ResolveDiscrepancy {
            transfer: pick(rng, &made.transfers, TransferId(999_999)),
            part: part(rng),
            condition: if rng.random_bool(0.7) {
                StockCondition::Good
            } else {
                cond(rng)
            },
            qty: qty(rng, 3),
            resolution: if rng.random_bool(0.5) {
                Resolution::WriteOff
            } else {
                Resolution::Found { warehouse: wh(rng) }
            },
        },
        17 => Command::SendToRepair {
            warehouse: wh(rng),
            vendor: w.suppliers[1],
            part: part(rng),
            qty: qty(rng, 3),
            due: Instant(now + 86_400_000),
        },
        18 => {
            if rng.random_bool(0.6) {
                Command::ReceiveFromRepair {
                    order: pick(rng, &made.repairs, RepairOrderId(999_999)),
                    warehouse: wh(rng),
                    qty: qty(rng, 3),
                }
            } else {
                Command::DeclareUnrepairable {
                    order: pick(rng, &made.repairs, RepairOrderId(999_999)),
                    qty: qty(rng, 2),
                    returned_to: if rng.random_bool(0.5) {
                        Some(wh(rng))
                    } else {
                        None
                    },
                }
            }
        }
        19 => Command::RequestScrap {
            warehouse: wh(rng),
            part: part(rng),
            condition: cond(rng),
            qty: qty(rng, 3),
            reason: ScrapReason::DamagedBeyondRepair,
        },
        20 => Command::DecideScrap {
            request: pick(rng, &made.scraps, ScrapRequestId(999_999)),
            approve: rng.random_bool(0.7),
            by: role(rng),
        },
        21 => Command::Dispose {
            warehouse: wh(rng),
            part: part(rng),
            qty: qty(rng, 2),
        },
        22 => Command::OpenStocktake {
            warehouse: wh(rng),
            scope: if rng.random_bool(0.5) {
                StocktakeScope::Warehouse
            } else {
                StocktakeScope::parts(vec![part(rng)])
            },
        },
        _ => {
            let st = pick(rng, &made.stocktakes, StocktakeId(999_999));
            if rng.random_bool(0.6) {
                Command::EnterCounts {
                    stocktake: st,
                    counts: (0..rng.random_range(1..4))
                        .map(|_| CountEntry {
                            part: part(rng),
                            condition: if rng.random_bool(0.7) {
                                StockCondition::Good
                            } else {
                                cond(rng)
                            },
                            counted: qty(rng, 10),
                        })
                        .collect(),
                }
            } else {
                Command::ApproveStocktake {
                    stocktake: st,
                    by: role(rng),
                }
            }
        }
    }
}

fn note(made: &mut Made, created: Option<Created>) {
    match created {
        Some(Created::Lot(l)) => made.lots.push(l),
        Some(Created::PurchaseOrder(o)) => made.orders.push(o),
        Some(Created::Reservation(r)) => made.reservations.push(r),
        Some(Created::Transfer(t)) => made.transfers.push(t),
        Some(Created::RepairOrder(r)) => made.repairs.push(r),
        Some(Created::ScrapRequest(s)) => made.scraps.push(s),
        Some(Created::Stocktake(s)) => made.stocktakes.push(s),
        None => {}
    }
}

/// Every balance in the tables equals the book's, and the book has no other.
async fn assert_same_balances(db: &Db, book: &Book, label: &str) {
    let rows: Vec<(String, i64, i64)> = on_db!(db, |p| sqlx::query_as(
        "SELECT location, part_id, qty FROM stock_balances WHERE qty <> 0"
    )
    .fetch_all(p)
    .await)
    .unwrap();
    let mut expected: Vec<(String, i64, i64)> = book
        .balances()
        .map(|(l, p, q)| (location_key(&l), p.get(), q))
        .collect();
    expected.sort();
    let mut got = rows;
    got.sort();
    assert_eq!(got, expected, "{label}: balances differ");
}

fn request(command: Command, now: i64, key: Option<&str>) -> LedgerRequest {
    LedgerRequest {
        command,
        key: key.map(|k| IdempotencyKey::parse(k).unwrap()),
        actor_id: None,
        actor_login: "test".into(),
        request_id: None,
        now: Instant(now),
    }
}

/// A fresh database of the same engine as `like`.
async fn fresh_like(like: &TestDb) -> TestDb {
    if like.label == "postgres" {
        fresh_postgres(&std::env::var(POSTGRES_ENV).unwrap())
            .await
            .unwrap()
    } else {
        fresh_sqlite().await.unwrap()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn random_command_sequences_match_the_reference_book_across_restarts() {
    for t in each_backend().await.unwrap() {
        for seed in 0..4u64 {
            let fresh = fresh_like(&t).await;
            run_sequence(&fresh.db, seed, fresh.label).await;
        }
    }
}

async fn run_sequence(db: &Db, seed: u64, label: &str) {
    let mut book = Book::new(policy());
    let world = seed_world(db, &mut book).await;
    let mut ledger = Ledger::start(db.clone(), policy()).await.unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut made = Made::default();
    let mut applied = 0;
    for step in 0..400 {
        let now = T0 + step * 1_000;
        let command = random_command(&mut rng, &world, &made, now);
        let expected = book.execute(None, command.clone(), Instant(now));
        let got = ledger
            .execute(request(command.clone(), now, None))
            .await
            .unwrap_or_else(|e| panic!("{label} seed {seed} step {step}: {command:?}: {e}"))
            .map(|e| e.outcome);
        assert_eq!(
            got, expected,
            "{label} seed {seed} step {step}: {command:?}"
        );
        if let Ok(o) = &expected {
            applied += 1;
            note(&mut made, o.created);
        }
        if step % 100 == 99 {
            assert_same_balances(db, &book, label).await;
            // Restart: a new writer rebuilds its book from the tables and carries on.
            drop(ledger);
            ledger = Ledger::start(db.clone(), policy()).await.unwrap();
        }
    }
    assert!(
        applied > 50,
        "{label} seed {seed}: only {applied} commands applied"
    );
    assert_same_balances(db, &book, label).await;
    assert_eq!(
        verify_ledger(db).await.unwrap(),
        Vec::<String>::new(),
        "{label}"
    );
    assert!(book.check().is_empty());
}

/// Hundreds of commands sent at once are applied in large groups (one transaction each);
/// the results and the balances are those of the reference book applying them one by one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn large_groups_persist_like_single_commands() {
    for t in each_backend().await.unwrap() {
        let db = &t.db;
        let mut book = Book::new(policy());
        let world = seed_world(db, &mut book).await;
        let ledger = Ledger::start(db.clone(), policy()).await.unwrap();
        let mut rng = ChaCha8Rng::seed_from_u64(42);
        let mut made = Made::default();
        for round in 0..3i64 {
            let now = T0 + round * 1_000_000;
            let mut commands = Vec::new();
            let mut expected = Vec::new();
            for _ in 0..300 {
                let command = random_command(&mut rng, &world, &made, now);
                let e = book.execute(None, command.clone(), Instant(now));
                if let Ok(o) = &e {
                    note(&mut made, o.created);
                }
                expected.push(e);
                commands.push(command);
            }
            let got: Vec<_> = ledger
                .execute_all(
                    commands
                        .into_iter()
                        .map(|c| request(c, now, None))
                        .collect(),
                )
                .await
                .unwrap()
                .into_iter()
                .map(|r| r.unwrap().map(|e| e.outcome))
                .collect();
            assert_eq!(got, expected, "{} round {round}", t.label);
            assert_same_balances(db, &book, t.label).await;
        }
        let groups = ledger
            .stats()
            .groups
            .load(std::sync::atomic::Ordering::Relaxed);
        assert!(
            groups < 900,
            "{}: {groups} groups for 900 commands",
            t.label
        );
        assert_eq!(verify_ledger(db).await.unwrap(), Vec::<String>::new());
    }
}

/// A balance changed behind the writer's back is detected when the writer next decreases
/// it: the group is not applied on a stale view, the book is reloaded from the tables, and
/// the command is judged against what the tables hold (no negative balance).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_balance_missing_behind_the_writers_back_is_not_overwritten() {
    for t in each_backend().await.unwrap() {
        let db = &t.db;
        let mut book = Book::new(policy());
        let world = seed_world(db, &mut book).await;
        let ledger = Ledger::start(db.clone(), policy()).await.unwrap();
        let (w, part) = (world.warehouses[0], world.parts[0]);
        let run = |c: Command| ledger.execute(request(c, T0, None));
        let order = run(Command::PlacePurchaseOrder {
            supplier: world.suppliers[0],
            lines: vec![(part, Qty::new(5).unwrap())],
        })
        .await
        .unwrap()
        .unwrap();
        let Some(Created::PurchaseOrder(order)) = order.outcome.created else {
            panic!("no order: {order:?}");
        };
        let lot = run(Command::Receive {
            order,
            warehouse: w,
            part,
            qty: Qty::new(5).unwrap(),
        })
        .await
        .unwrap()
        .unwrap();
        let Some(Created::Lot(lot)) = lot.outcome.created else {
            panic!("no lot: {lot:?}");
        };
        run(Command::Inspect {
            warehouse: w,
            lot,
            accept: Qty::new(5).unwrap(),
            reject: Qty::new(0).unwrap(),
        })
        .await
        .unwrap()
        .unwrap();
        // Someone deletes the good stock row directly in the database.
        let good = location_key(&aftercare_domain::stock::Location::Stock {
            warehouse: w,
            condition: StockCondition::Good,
        });
        on_db!(db, |p| sqlx::query(
            "DELETE FROM stock_balances WHERE location = $1 AND part_id = $2"
        )
        .bind(&good)
        .bind(part.get())
        .execute(p)
        .await
        .map(|r| r.rows_affected()))
        .unwrap();
        let issued = run(Command::Issue {
            warehouse: w,
            part,
            qty: Qty::new(1).unwrap(),
            consumer: Consumer::Ticket(TicketId(1)),
            reservation: None,
            approved_by: None,
        })
        .await
        .unwrap();
        assert!(
            issued.is_err(),
            "{}: issued from a balance the tables no longer hold: {issued:?}",
            t.label
        );
        let negative: i64 = on_db!(db, |p| sqlx::query_scalar(
            "SELECT COUNT(*) FROM stock_balances WHERE qty < 0 AND NOT negative_ok"
        )
        .fetch_one(p)
        .await)
        .unwrap();
        assert_eq!(negative, 0, "{}", t.label);
    }
}
