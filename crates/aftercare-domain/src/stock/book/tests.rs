//! Scenarios through the book; every test ends with the invariant check.

use super::*;
use crate::ids::{RequisitionId, SupplierId, TicketId};
use crate::part::{SubstituteDirection, SubstituteRule};
use crate::role::Role;
use crate::stock::approval::{ApprovalReason, ScrapReason};
use crate::stock::location::Consumer;
use crate::stock::stocktake::{CountEntry, StocktakeScope};
use crate::stock::transfer::{Resolution, TransferQty};

const W1: WarehouseId = WarehouseId(1);
const W2: WarehouseId = WarehouseId(2);
const P1: PartId = PartId(101);
const P2: PartId = PartId(102);
const P3: PartId = PartId(103);
const S1: SupplierId = SupplierId(7);
const T1: Consumer = Consumer::Ticket(TicketId(1));
const G: StockCondition = StockCondition::Good;
const R: StockCondition = StockCondition::Repaired;
const D: StockCondition = StockCondition::Defective;

fn q(n: i64) -> Qty {
    Qty::new(n).unwrap()
}

fn t(ms: i64) -> Instant {
    Instant(ms)
}

fn book() -> Book {
    let mut b = Book::new(IssuePolicy {
        value_above: Some(Money(100_000)),
        qty_above: Some(q(50)),
    });
    b.define_part(P1, Money(1_000));
    b.define_part(P2, Money(2_000));
    b.define_part(P3, Money(500));
    b
}

fn run(b: &mut Book, c: Command, now: i64) -> Outcome {
    let out = b.execute(None, c, t(now)).unwrap();
    assert_eq!(b.check(), Vec::<String>::new());
    out
}

fn lot_of(o: &Outcome) -> LotId {
    match o.created {
        Some(Created::Lot(l)) => l,
        other => panic!("no lot: {other:?}"),
    }
}

/// Receive and accept `n` good units of `part` into `w` at `now`; returns the lot.
fn stock_good(b: &mut Book, w: WarehouseId, part: PartId, n: i64, now: i64) -> LotId {
    let po = match run(
        b,
        Command::PlacePurchaseOrder {
            supplier: S1,
            lines: vec![(part, q(n))],
        },
        now,
    )
    .created
    {
        Some(Created::PurchaseOrder(id)) => id,
        other => panic!("{other:?}"),
    };
    let lot = lot_of(&run(
        b,
        Command::Receive {
            order: po,
            warehouse: w,
            part,
            qty: q(n),
        },
        now,
    ));
    run(
        b,
        Command::Inspect {
            warehouse: w,
            lot,
            accept: q(n),
            reject: Qty::ZERO,
        },
        now,
    );
    lot
}

fn issue(part: PartId, n: i64) -> Command {
    Command::Issue {
        warehouse: W1,
        part,
        qty: q(n),
        consumer: T1,
        reservation: None,
        approved_by: None,
    }
}

/// Make `n` repaired units of P1 in W1 through the whole repair loop; returns the lot.
fn stock_repaired(b: &mut Book, n: i64, now: i64) -> LotId {
    run(
        b,
        Command::DefectiveReturn {
            consumer: T1,
            warehouse: W1,
            part: P1,
            qty: q(n),
        },
        now,
    );
    let order = match run(
        b,
        Command::SendToRepair {
            warehouse: W1,
            vendor: SupplierId(9),
            part: P1,
            qty: q(n),
            due: t(now + 100),
        },
        now,
    )
    .created
    {
        Some(Created::RepairOrder(o)) => o,
        other => panic!("{other:?}"),
    };
    let lot = lot_of(&run(
        b,
        Command::ReceiveFromRepair {
            order,
            warehouse: W1,
            qty: q(n),
        },
        now + 1,
    ));
    run(
        b,
        Command::Inspect {
            warehouse: W1,
            lot,
            accept: q(n),
            reject: Qty::ZERO,
        },
        now + 1,
    );
    lot
}

#[test]
fn a_receipt_waits_in_quarantine_until_inspection_accepts_it_as_good() {
    let mut b = book();
    let po = run(
        &mut b,
        Command::PlacePurchaseOrder {
            supplier: S1,
            lines: vec![(P1, q(10))],
        },
        0,
    );
    let Some(Created::PurchaseOrder(po)) = po.created else {
        panic!()
    };
    let lot = lot_of(&run(
        &mut b,
        Command::Receive {
            order: po,
            warehouse: W1,
            part: P1,
            qty: q(6),
        },
        1,
    ));
    assert_eq!(b.on_hand(W1, P1, StockCondition::Quarantine), q(6));
    assert_eq!(b.available(W1, P1, t(1)), Qty::ZERO);
    run(
        &mut b,
        Command::Inspect {
            warehouse: W1,
            lot,
            accept: q(5),
            reject: q(1),
        },
        2,
    );
    assert_eq!(b.on_hand(W1, P1, G), q(5));
    assert_eq!(b.balance(&Location::Supplier { supplier: S1 }, P1), -5);
    assert_eq!(b.purchase_order(po).unwrap().lines[0].outstanding(), q(4));
}

#[test]
fn a_receipt_beyond_the_order_is_refused() {
    let mut b = book();
    let out = run(
        &mut b,
        Command::PlacePurchaseOrder {
            supplier: S1,
            lines: vec![(P1, q(2))],
        },
        0,
    );
    let Some(Created::PurchaseOrder(po)) = out.created else {
        panic!()
    };
    let err = b
        .execute(
            None,
            Command::Receive {
                order: po,
                warehouse: W1,
                part: P1,
                qty: q(3),
            },
            t(1),
        )
        .unwrap_err();
    assert!(matches!(err, StockError::Purchase(_)));
    assert!(b.movements().is_empty());
}

#[test]
fn an_issue_takes_repaired_parts_first_then_the_oldest_good_lot() {
    let mut b = book();
    let old = stock_good(&mut b, W1, P1, 3, 10);
    let new = stock_good(&mut b, W1, P1, 3, 20);
    let repaired = stock_repaired(&mut b, 2, 30);
    let out = run(&mut b, issue(P1, 6), 40);
    assert_eq!(out.movements.len(), 2);
    let moves: Vec<&Movement> = b
        .movements()
        .iter()
        .filter(|(id, _)| out.movements.contains(id))
        .map(|(_, m)| m)
        .collect();
    assert_eq!(moves[0].from, Location::stock(W1, R));
    assert_eq!(
        moves[0].lots,
        [LotTake {
            lot: repaired,
            qty: q(2)
        }]
    );
    assert_eq!(moves[1].from, Location::stock(W1, G));
    assert_eq!(
        moves[1].lots,
        [
            LotTake {
                lot: old,
                qty: q(3)
            },
            LotTake {
                lot: new,
                qty: q(1)
            }
        ]
    );
    assert_eq!(b.issuable(W1, P1), q(2));
}

#[test]
fn issuing_more_than_available_reports_the_available_quantity_and_changes_nothing() {
    let mut b = book();
    stock_good(&mut b, W1, P1, 2, 0);
    let before = b.clone();
    let err = b.execute(None, issue(P1, 3), t(1)).unwrap_err();
    match err {
        StockError::IssueShortage { shortage, .. } => assert_eq!(shortage.available, q(2)),
        other => panic!("{other:?}"),
    }
    assert_eq!(b, before);
}

#[test]
fn a_shortage_offers_the_available_substitutes_in_priority_order() {
    let mut b = book();
    b.declare_substitute(
        SubstituteRule::new(
            P1,
            P2,
            SubstituteDirection::OneWay,
            2,
            "use P2, new bracket",
        )
        .unwrap(),
    )
    .unwrap();
    b.declare_substitute(
        SubstituteRule::new(P3, P1, SubstituteDirection::BothWays, 1, "P3 fits as is").unwrap(),
    )
    .unwrap();
    stock_good(&mut b, W1, P2, 4, 0);
    stock_good(&mut b, W1, P3, 1, 0);
    let StockError::IssueShortage {
        shortage,
        substitutes,
    } = b.execute(None, issue(P1, 1), t(1)).unwrap_err()
    else {
        panic!()
    };
    assert_eq!(shortage.available, Qty::ZERO);
    let offered: Vec<_> = substitutes
        .iter()
        .map(|s| (s.part, s.available, s.instruction.as_str()))
        .collect();
    assert_eq!(
        offered,
        [
            (P3, q(1), "P3 fits as is"),
            (P2, q(4), "use P2, new bracket")
        ]
    );
}

#[test]
fn reserved_units_go_only_to_their_reservation() {
    let mut b = book();
    stock_good(&mut b, W1, P1, 3, 0);
    let out = run(
        &mut b,
        Command::Reserve {
            warehouse: W1,
            part: P1,
            qty: q(2),
            consumer: T1,
            expires_at: t(1_000),
        },
        1,
    );
    let Some(Created::Reservation(rid)) = out.created else {
        panic!()
    };
    assert_eq!(b.available(W1, P1, t(1)), q(1));
    let other = Consumer::Requisition(RequisitionId(5));
    let err = b
        .execute(
            None,
            Command::Issue {
                warehouse: W1,
                part: P1,
                qty: q(2),
                consumer: other,
                reservation: None,
                approved_by: None,
            },
            t(2),
        )
        .unwrap_err();
    assert!(matches!(err, StockError::IssueShortage { .. }));
    run(
        &mut b,
        Command::Issue {
            warehouse: W1,
            part: P1,
            qty: q(3),
            consumer: T1,
            reservation: Some(rid),
            approved_by: None,
        },
        3,
    );
    assert_eq!(
        b.reservation(rid).unwrap().status,
        ReservationStatus::Fulfilled
    );
    assert_eq!(b.issuable(W1, P1), Qty::ZERO);
}

#[test]
fn reserved_units_cannot_be_shipped_away() {
    let mut b = book();
    stock_good(&mut b, W1, P1, 2, 0);
    run(
        &mut b,
        Command::Reserve {
            warehouse: W1,
            part: P1,
            qty: q(2),
            consumer: T1,
            expires_at: t(1_000),
        },
        1,
    );
    let err = b
        .execute(
            None,
            Command::ShipTransfer {
                from: W1,
                to: W2,
                eta: t(100),
                lines: vec![TransferQty {
                    part: P1,
                    condition: G,
                    qty: q(1),
                }],
            },
            t(2),
        )
        .unwrap_err();
    assert!(matches!(err, StockError::Unavailable(_)), "{err:?}");
}

#[test]
fn an_expired_reservation_stops_holding_stock() {
    let mut b = book();
    stock_good(&mut b, W1, P1, 1, 0);
    run(
        &mut b,
        Command::Reserve {
            warehouse: W1,
            part: P1,
            qty: q(1),
            consumer: T1,
            expires_at: t(100),
        },
        1,
    );
    assert_eq!(b.available(W1, P1, t(99)), Qty::ZERO);
    assert_eq!(b.available(W1, P1, t(100)), q(1));
    let out = run(&mut b, issue(P1, 1), 100);
    assert_eq!(
        out.expired_reservations, 1,
        "the issue reports what it swept"
    );
    let out = run(&mut b, Command::ExpireReservations, 200);
    assert_eq!(out.expired_reservations, 0, "the issue already swept it");
}

#[test]
fn a_large_issue_needs_a_manager() {
    let mut b = book();
    stock_good(&mut b, W1, P2, 60, 0);
    let err = b.execute(None, issue(P2, 51), t(1)).unwrap_err();
    assert!(matches!(
        err,
        StockError::ApprovalRequired(ApprovalReason::ValueAbove { .. })
    ));
    let approved = Command::Issue {
        warehouse: W1,
        part: P2,
        qty: q(51),
        consumer: T1,
        reservation: None,
        approved_by: Some(Role::Manager),
    };
    run(&mut b, approved, 2);
    let by_warehouse_keeper = Command::Issue {
        warehouse: W1,
        part: P2,
        qty: q(9),
        consumer: T1,
        reservation: None,
        approved_by: Some(Role::Warehouse),
    };
    run(&mut b, by_warehouse_keeper, 3);
}

#[test]
fn an_issue_that_leaves_less_than_the_minimum_raises_an_emergency_requisition() {
    let mut b = book();
    b.set_levels(
        W1,
        P1,
        crate::part::StockLevels::new(q(3), Some(q(8))).unwrap(),
    )
    .unwrap();
    stock_good(&mut b, W1, P1, 5, 0);
    assert_eq!(run(&mut b, issue(P1, 2), 1).emergency, None);
    let e = run(&mut b, issue(P1, 1), 2).emergency.unwrap();
    assert_eq!((e.available, e.qty), (q(2), q(6)));
}

#[test]
fn unused_parts_return_into_the_condition_they_left_in() {
    let mut b = book();
    stock_good(&mut b, W1, P1, 2, 0);
    stock_repaired(&mut b, 1, 10);
    run(&mut b, issue(P1, 3), 20);
    let out = run(
        &mut b,
        Command::ReturnUnused {
            consumer: T1,
            warehouse: W1,
            part: P1,
            qty: q(3),
            issued_at: t(20),
        },
        30,
    );
    assert_eq!(out.movements.len(), 2);
    assert_eq!((b.on_hand(W1, P1, G), b.on_hand(W1, P1, R)), (q(2), q(1)));
    let last = &b.movements().last().unwrap().1;
    assert_eq!(last.issued_at, Some(t(20)));
}

#[test]
fn cannot_return_more_than_was_issued() {
    let mut b = book();
    stock_good(&mut b, W1, P1, 2, 0);
    run(&mut b, issue(P1, 1), 1);
    let err = b
        .execute(
            None,
            Command::ReturnUnused {
                consumer: T1,
                warehouse: W1,
                part: P1,
                qty: q(2),
                issued_at: t(1),
            },
            t(2),
        )
        .unwrap_err();
    assert!(matches!(err, StockError::Insufficient { available, .. } if available == q(1)));
}

#[test]
fn a_transfer_received_in_part_and_closed_reports_the_discrepancy() {
    let mut b = book();
    stock_good(&mut b, W1, P1, 10, 0);
    let out = run(
        &mut b,
        Command::ShipTransfer {
            from: W1,
            to: W2,
            eta: t(500),
            lines: vec![TransferQty {
                part: P1,
                condition: G,
                qty: q(6),
            }],
        },
        100,
    );
    let Some(Created::Transfer(tid)) = out.created else {
        panic!()
    };
    let rows = b.in_transit(P1, t(600));
    assert_eq!(rows.len(), 1);
    assert_eq!((rows[0].qty, rows[0].to, rows[0].overdue), (q(6), W2, true));
    let line = |n| TransferQty {
        part: P1,
        condition: G,
        qty: q(n),
    };
    run(
        &mut b,
        Command::ReceiveTransfer {
            transfer: tid,
            lines: vec![line(2)],
            close: false,
        },
        200,
    );
    let out = run(
        &mut b,
        Command::ReceiveTransfer {
            transfer: tid,
            lines: vec![line(3)],
            close: true,
        },
        300,
    );
    assert_eq!(out.discrepancies, [line(1)]);
    assert_eq!(b.on_hand(W2, P1, G), q(5));
    assert!(b.in_transit(P1, t(600)).is_empty());
    let gap = Location::TransferDiscrepancy {
        transfer: tid,
        condition: G,
    };
    assert_eq!(b.balance(&gap, P1), 1);
    run(
        &mut b,
        Command::ResolveDiscrepancy {
            transfer: tid,
            part: P1,
            condition: G,
            qty: q(1),
            resolution: Resolution::WriteOff,
        },
        400,
    );
    assert_eq!(
        b.balance(&Location::StocktakeDifference { warehouse: W2 }, P1),
        1
    );
    assert_eq!(b.total(P1), 0);
}

#[test]
fn missing_units_that_turn_up_enter_stock() {
    let mut b = book();
    stock_good(&mut b, W1, P1, 2, 0);
    let out = run(
        &mut b,
        Command::ShipTransfer {
            from: W1,
            to: W2,
            eta: t(5),
            lines: vec![TransferQty {
                part: P1,
                condition: G,
                qty: q(2),
            }],
        },
        1,
    );
    let Some(Created::Transfer(tid)) = out.created else {
        panic!()
    };
    run(
        &mut b,
        Command::ReceiveTransfer {
            transfer: tid,
            lines: vec![],
            close: true,
        },
        2,
    );
    run(
        &mut b,
        Command::ResolveDiscrepancy {
            transfer: tid,
            part: P1,
            condition: G,
            qty: q(2),
            resolution: Resolution::Found { warehouse: W2 },
        },
        3,
    );
    assert_eq!(b.on_hand(W2, P1, G), q(2));
}

#[test]
fn unrepairable_units_come_back_as_scrap_and_can_be_disposed_of() {
    let mut b = book();
    run(
        &mut b,
        Command::DefectiveReturn {
            consumer: T1,
            warehouse: W1,
            part: P1,
            qty: q(3),
        },
        0,
    );
    let out = run(
        &mut b,
        Command::SendToRepair {
            warehouse: W1,
            vendor: SupplierId(9),
            part: P1,
            qty: q(3),
            due: t(10),
        },
        1,
    );
    let Some(Created::RepairOrder(order)) = out.created else {
        panic!()
    };
    assert_eq!(b.overdue_repairs(t(11)).len(), 1);
    run(
        &mut b,
        Command::DeclareUnrepairable {
            order,
            qty: q(2),
            returned_to: Some(W1),
        },
        2,
    );
    run(
        &mut b,
        Command::DeclareUnrepairable {
            order,
            qty: q(1),
            returned_to: None,
        },
        3,
    );
    assert!(b.overdue_repairs(t(11)).is_empty());
    assert_eq!(b.on_hand(W1, P1, StockCondition::Scrap), q(2));
    run(
        &mut b,
        Command::Dispose {
            warehouse: W1,
            part: P1,
            qty: q(2),
        },
        4,
    );
    assert_eq!(b.balance(&Location::Scrapped { warehouse: W1 }, P1), 3);
}

#[test]
fn repaired_units_rejected_at_inspection_go_back_to_the_vendor() {
    let mut b = book();
    run(
        &mut b,
        Command::DefectiveReturn {
            consumer: T1,
            warehouse: W1,
            part: P1,
            qty: q(2),
        },
        0,
    );
    let out = run(
        &mut b,
        Command::SendToRepair {
            warehouse: W1,
            vendor: SupplierId(9),
            part: P1,
            qty: q(2),
            due: t(10),
        },
        1,
    );
    let Some(Created::RepairOrder(order)) = out.created else {
        panic!()
    };
    let lot = lot_of(&run(
        &mut b,
        Command::ReceiveFromRepair {
            order,
            warehouse: W1,
            qty: q(2),
        },
        2,
    ));
    run(
        &mut b,
        Command::Inspect {
            warehouse: W1,
            lot,
            accept: q(1),
            reject: q(1),
        },
        3,
    );
    assert_eq!(b.on_hand(W1, P1, R), q(1));
    assert_eq!(b.repair_order(order).unwrap().at_vendor(), q(1));
}

#[test]
fn scrap_waits_for_a_manager_then_moves_to_scrap() {
    let mut b = book();
    run(
        &mut b,
        Command::DefectiveReturn {
            consumer: T1,
            warehouse: W1,
            part: P1,
            qty: q(2),
        },
        0,
    );
    let out = run(
        &mut b,
        Command::RequestScrap {
            warehouse: W1,
            part: P1,
            condition: D,
            qty: q(2),
            reason: ScrapReason::RepairDearerThanNew,
        },
        1,
    );
    let Some(Created::ScrapRequest(rid)) = out.created else {
        panic!()
    };
    assert_eq!(b.on_hand(W1, P1, D), q(2), "nothing moves before approval");
    let err = b
        .execute(
            None,
            Command::DecideScrap {
                request: rid,
                approve: true,
                by: Role::Warehouse,
            },
            t(2),
        )
        .unwrap_err();
    assert!(matches!(err, StockError::Scrap(_)));
    run(
        &mut b,
        Command::DecideScrap {
            request: rid,
            approve: true,
            by: Role::Manager,
        },
        3,
    );
    assert_eq!(b.on_hand(W1, P1, StockCondition::Scrap), q(2));
    assert_eq!(b.on_hand(W1, P1, D), Qty::ZERO);
}

#[test]
fn a_stocktake_freezes_its_parts_and_adjusts_them_on_approval() {
    let mut b = book();
    stock_good(&mut b, W1, P1, 10, 0);
    stock_good(&mut b, W1, P2, 4, 0);
    let out = run(
        &mut b,
        Command::OpenStocktake {
            warehouse: W1,
            scope: StocktakeScope::parts(vec![P1]),
        },
        1,
    );
    let Some(Created::Stocktake(sid)) = out.created else {
        panic!()
    };
    assert_eq!(
        b.execute(None, issue(P1, 1), t(2)).unwrap_err(),
        StockError::Frozen(sid)
    );
    run(&mut b, issue(P2, 1), 2);
    run(
        &mut b,
        Command::EnterCounts {
            stocktake: sid,
            counts: vec![
                CountEntry {
                    part: P1,
                    condition: G,
                    counted: q(8),
                },
                CountEntry {
                    part: P1,
                    condition: D,
                    counted: q(1),
                },
            ],
        },
        3,
    );
    let variances = b.stocktake(sid).unwrap().variances();
    assert_eq!(variances[0].value, Money(-2_000));
    let out = run(
        &mut b,
        Command::ApproveStocktake {
            stocktake: sid,
            by: Role::Manager,
        },
        4,
    );
    assert_eq!(out.movements.len(), 2);
    assert_eq!(b.on_hand(W1, P1, G), q(8));
    assert_eq!(b.on_hand(W1, P1, D), q(1));
    assert_eq!(
        b.balance(&Location::StocktakeDifference { warehouse: W1 }, P1),
        1
    );
    run(&mut b, issue(P1, 1), 5);
}

#[test]
fn a_stocktake_loss_shrinks_the_newest_reservations() {
    let mut b = book();
    stock_good(&mut b, W1, P1, 4, 0);
    let reserve = |n, at: i64| Command::Reserve {
        warehouse: W1,
        part: P1,
        qty: q(n),
        consumer: T1,
        expires_at: t(at + 1_000),
    };
    run(&mut b, reserve(2, 1), 1);
    let out = run(&mut b, reserve(2, 2), 2);
    let Some(Created::Reservation(newest)) = out.created else {
        panic!()
    };
    let out = run(
        &mut b,
        Command::OpenStocktake {
            warehouse: W1,
            scope: StocktakeScope::Warehouse,
        },
        3,
    );
    let Some(Created::Stocktake(sid)) = out.created else {
        panic!()
    };
    run(
        &mut b,
        Command::EnterCounts {
            stocktake: sid,
            counts: vec![CountEntry {
                part: P1,
                condition: G,
                counted: q(3),
            }],
        },
        4,
    );
    let out = run(
        &mut b,
        Command::ApproveStocktake {
            stocktake: sid,
            by: Role::Manager,
        },
        5,
    );
    assert_eq!(out.trimmed_reservations, [(newest, q(1))]);
    assert_eq!(b.reserved(W1, P1), q(3));
}

#[test]
fn a_retried_command_with_the_same_key_is_applied_once() {
    let mut b = book();
    stock_good(&mut b, W1, P1, 5, 0);
    let key = IdempotencyKey::parse("req-42").unwrap();
    let first = b.execute(Some(&key), issue(P1, 2), t(1)).unwrap();
    let again = b.execute(Some(&key), issue(P1, 2), t(9)).unwrap();
    assert_eq!(first, again);
    assert_eq!(b.issuable(W1, P1), q(3));
    assert_eq!(
        b.execute(Some(&key), issue(P1, 1), t(10)),
        Err(StockError::IdempotencyKeyReused)
    );
    assert!(b.check().is_empty());
}

#[test]
fn a_failed_command_does_not_consume_its_key() {
    let mut b = book();
    let key = IdempotencyKey::parse("k").unwrap();
    assert!(b.execute(Some(&key), issue(P1, 1), t(1)).is_err());
    stock_good(&mut b, W1, P1, 1, 2);
    assert!(b.execute(Some(&key), issue(P1, 1), t(3)).is_ok());
}

#[test]
fn a_movement_naming_a_lot_that_is_not_there_is_refused() {
    let mut b = book();
    let lot = stock_good(&mut b, W1, P1, 1, 0);
    let m = Movement {
        kind: MovementKind::Issue,
        part: P1,
        from: Location::stock(W1, G),
        to: Location::Consumer { consumer: T1 },
        qty: q(2),
        lots: vec![LotTake { lot, qty: q(2) }],
        at: t(1),
        document: None,
        issued_at: None,
    };
    assert!(matches!(
        b.apply(m),
        Err(StockError::LotInsufficient { .. })
    ));
    let other_part = stock_good(&mut b, W1, P2, 1, 0);
    let m = Movement {
        kind: MovementKind::Issue,
        part: P1,
        from: Location::stock(W1, G),
        to: Location::Consumer { consumer: T1 },
        qty: q(1),
        lots: vec![LotTake {
            lot: other_part,
            qty: q(1),
        }],
        at: t(1),
        document: None,
        issued_at: None,
    };
    assert_eq!(b.apply(m), Err(StockError::BadLot(other_part)));
    assert!(b.check().is_empty());
}

#[test]
fn a_stocktake_of_twenty_thousand_lines_approves_in_one_go() {
    let mut b = Book::new(IssuePolicy::default());
    let n = 20_000;
    // Seed through `apply` directly: `execute` snapshots the whole book per command.
    for i in 1..=n {
        let part = PartId(i);
        b.define_part(part, Money(100));
        let lot = LotId(1_000_000_000 + i);
        let at_quarantine = Location::stock(W1, StockCondition::Quarantine);
        for (kind, from, to) in [
            (
                MovementKind::Receipt,
                Location::Supplier { supplier: S1 },
                at_quarantine,
            ),
            (
                MovementKind::InspectionAccept,
                at_quarantine,
                Location::stock(W1, G),
            ),
        ] {
            b.apply(Movement {
                kind,
                part,
                from,
                to,
                qty: q(5),
                lots: vec![LotTake { lot, qty: q(5) }],
                at: t(1),
                document: None,
                issued_at: None,
            })
            .unwrap();
        }
    }
    let started = std::time::Instant::now();
    let sid = match b
        .execute(
            None,
            Command::OpenStocktake {
                warehouse: W1,
                scope: StocktakeScope::Warehouse,
            },
            t(2),
        )
        .unwrap()
        .created
    {
        Some(Created::Stocktake(s)) => s,
        other => panic!("{other:?}"),
    };
    let counts = (1..=n)
        .map(|i| CountEntry {
            part: PartId(i),
            condition: G,
            counted: q(5 + (i % 3) - 1),
        })
        .collect();
    b.execute(
        None,
        Command::EnterCounts {
            stocktake: sid,
            counts,
        },
        t(3),
    )
    .unwrap();
    let out = b
        .execute(
            None,
            Command::ApproveStocktake {
                stocktake: sid,
                by: Role::Manager,
            },
            t(4),
        )
        .unwrap();
    let elapsed = started.elapsed();
    assert_eq!(
        out.movements.len() as i64,
        (1..=n).filter(|i| i % 3 != 1).count() as i64
    );
    assert!(b.check().is_empty());
    assert_eq!(b.on_hand(W1, PartId(3), G), q(4));
    assert_eq!(b.on_hand(W1, PartId(4), G), q(5));
    assert_eq!(b.on_hand(W1, PartId(5), G), q(6));
    eprintln!("20,000-line stocktake: open + count + approve in {elapsed:?}");
    assert!(elapsed.as_secs() < 30, "stocktake took {elapsed:?}");
}

#[test]
fn a_line_of_more_than_a_billion_units_is_refused_and_changes_nothing() {
    let mut b = book();
    stock_good(&mut b, W1, P1, 10, 0);
    let before = b.clone();
    let huge = q(MAX_UNITS_PER_LINE + 1);
    for c in [
        Command::PlacePurchaseOrder {
            supplier: S1,
            lines: vec![(P1, q(3)), (P2, huge)],
        },
        Command::PlacePurchaseOrder {
            supplier: S1,
            lines: vec![(P1, q(i64::MAX))],
        },
        Command::ShipTransfer {
            from: W1,
            to: W2,
            eta: t(10),
            lines: vec![TransferQty {
                part: P1,
                condition: G,
                qty: huge,
            }],
        },
        Command::Reserve {
            warehouse: W1,
            part: P1,
            qty: huge,
            consumer: T1,
            expires_at: t(1_000),
        },
        Command::EnterCounts {
            stocktake: crate::ids::StocktakeId(1),
            counts: vec![CountEntry {
                part: P1,
                condition: G,
                counted: huge,
            }],
        },
        issue(P1, MAX_UNITS_PER_LINE + 1),
    ] {
        let e = b.execute(None, c.clone(), t(5)).unwrap_err();
        assert_eq!(
            e,
            StockError::TooManyUnits {
                max: MAX_UNITS_PER_LINE
            },
            "{c:?}"
        );
        assert_eq!(e.to_string(), "must be at most 1000000000 units a line");
        assert_eq!(b, before, "{c:?} changed the book");
    }
    // A billion is still a line.
    let out = run(
        &mut b,
        Command::PlacePurchaseOrder {
            supplier: S1,
            lines: vec![(P1, q(MAX_UNITS_PER_LINE))],
        },
        6,
    );
    assert!(out.created.is_some(), "{out:?}");
}

#[test]
fn a_command_for_no_units_is_refused_and_changes_nothing() {
    let mut b = book();
    stock_good(&mut b, W1, P1, 10, 0);
    let before = b.clone();
    let zero = Qty::ZERO;
    let line = |qty| TransferQty {
        part: P1,
        condition: G,
        qty,
    };
    for c in [
        issue(P1, 0),
        Command::PlacePurchaseOrder {
            supplier: S1,
            lines: vec![(P1, q(3)), (P2, zero)],
        },
        Command::ShipTransfer {
            from: W1,
            to: W2,
            eta: t(10),
            lines: vec![line(zero)],
        },
        Command::DefectiveReturn {
            consumer: T1,
            warehouse: W1,
            part: P1,
            qty: zero,
        },
        Command::Reserve {
            warehouse: W1,
            part: P1,
            qty: zero,
            consumer: T1,
            expires_at: t(1_000),
        },
        Command::SendToRepair {
            warehouse: W1,
            vendor: SupplierId(9),
            part: P1,
            qty: zero,
            due: t(100),
        },
        Command::RequestScrap {
            warehouse: W1,
            part: P1,
            condition: G,
            qty: zero,
            reason: ScrapReason::Obsolete,
        },
        Command::Dispose {
            warehouse: W1,
            part: P1,
            qty: zero,
        },
    ] {
        let e = b.execute(None, c.clone(), t(5)).unwrap_err();
        assert_eq!(e, StockError::NoUnits, "{c:?}");
        assert_eq!(b, before, "{c:?} changed the book");
    }
    // One unit is fine.
    run(&mut b, issue(P1, 1), 6);
    // A receipt of nothing is refused unless it closes the transfer: closing with a line
    // of 0 (what the page sends for "nothing came") makes the rest a discrepancy.
    let out = run(
        &mut b,
        Command::ShipTransfer {
            from: W1,
            to: W2,
            eta: t(10),
            lines: vec![line(q(4))],
        },
        7,
    );
    let Some(Created::Transfer(tid)) = out.created else {
        panic!("{out:?}")
    };
    let receive = |close| Command::ReceiveTransfer {
        transfer: tid,
        lines: vec![line(zero)],
        close,
    };
    assert_eq!(
        b.execute(None, receive(false), t(8)).unwrap_err(),
        StockError::NoUnits
    );
    // A line of nothing must still be a line of the transfer: closing "nothing came of
    // a part it does not carry" is a mistake, named.
    let stray = Command::ReceiveTransfer {
        transfer: tid,
        lines: vec![TransferQty {
            part: P2,
            condition: G,
            qty: zero,
        }],
        close: true,
    };
    let e = b.execute(None, stray, t(8)).unwrap_err();
    assert!(e.to_string().contains("is not on this transfer"), "{e}");
    let out = run(&mut b, receive(true), 8);
    assert_eq!(out.discrepancies.len(), 1, "{out:?}");
    // No lines at all: refused by the document's own rule, which says what is wrong.
    let e = b
        .execute(
            None,
            Command::PlacePurchaseOrder {
                supplier: S1,
                lines: vec![],
            },
            t(9),
        )
        .unwrap_err();
    assert!(e.to_string().contains("one line per part"), "{e}");
    let e = b
        .execute(
            None,
            Command::ShipTransfer {
                from: W1,
                to: W2,
                eta: t(10),
                lines: vec![],
            },
            t(9),
        )
        .unwrap_err();
    assert!(e.to_string().contains("at least one line"), "{e}");
    // A stocktake of no parts, and an upload of no counts, are refused.
    let e = b
        .execute(
            None,
            Command::OpenStocktake {
                warehouse: W1,
                scope: StocktakeScope::parts(vec![]),
            },
            t(9),
        )
        .unwrap_err();
    assert!(e.to_string().contains("at least one part"), "{e}");
    let st = match run(
        &mut b,
        Command::OpenStocktake {
            warehouse: W1,
            scope: StocktakeScope::Warehouse,
        },
        9,
    )
    .created
    {
        Some(Created::Stocktake(st)) => st,
        other => panic!("{other:?}"),
    };
    let e = b
        .execute(
            None,
            Command::EnterCounts {
                stocktake: st,
                counts: vec![],
            },
            t(9),
        )
        .unwrap_err();
    assert!(e.to_string().contains("1 counts refused"), "{e}");
}
