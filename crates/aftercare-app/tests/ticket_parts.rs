//! Parts on service tickets through the stock ledger, on SQLite and (when configured)
//! PostgreSQL: reserve → issue → used / returned unused, waiting for parts with substitutes
//! offered and the pick-up on arrival, old-for-new obligations closed by the defective
//! return, release on cancel, the station tenancy rule, retries and no negative stock.

use aftercare_app::access::principal_of;
use aftercare_app::tickets::{
    IntakeRequest, PartRequestLine, PartUse, PartsSample, RESERVATION_EXPIRED,
    RESERVATION_RELEASED, RESERVATION_SHRUNK, RETURNED_ON_CANCEL, RepairCompletion, SampleWorld,
    TicketParts,
};
use aftercare_app::{Actor, App, AppConfig, AppError, FixedClock};
use aftercare_domain::customer::{AddressInput, CustomerInput, PurchaseChannel, UnitInput};
use aftercare_domain::stock::{
    Command, Consumer, CountEntry, Created, Qty, StockCondition, StocktakeScope, TransferQty,
};
use aftercare_domain::ticket::parts::{ObligationStatus, PartLineStatus};
use aftercare_domain::ticket::{
    Appointment, Channel, Priority, TicketAction, TicketInput, TicketStatus, TicketType,
};
use aftercare_domain::warranty::WarrantyStatus;
use aftercare_domain::{Instant, PartId, TicketId, WarehouseId};
use aftercare_store::stock::LedgerRequest;
use aftercare_store::stock::query::{StockFilter, availability};
use aftercare_store::testing::{TestDb, each_backend};
use aftercare_store::tickets::TicketExtras;
use chrono::NaiveDate;
use std::sync::Arc;

/// 2026-11-22 10:00 in Beijing.
const T0: i64 = 1_795_312_800_000;
const HOUR: i64 = 3_600_000;

struct World {
    app: App,
    clock: Arc<FixedClock>,
    w: SampleWorld,
    p: PartsSample,
    label: &'static str,
    _t: TestDb,
}

async fn worlds() -> Vec<World> {
    let mut out = Vec::new();
    for t in each_backend().await.unwrap() {
        let clock = Arc::new(FixedClock::new(Instant(T0)));
        let app = App::with_clock(t.db.clone(), AppConfig::default(), clock.clone());
        let w = app.seed_ticket_sample().await.unwrap();
        let p = app.seed_ticket_parts_sample(&w).await.unwrap();
        out.push(World {
            app,
            clock,
            w,
            p,
            label: t.label,
            _t: t,
        });
    }
    out
}

async fn user(app: &App, login: &str) -> Actor {
    let u = aftercare_store::users::get_by_login(&app.db, login)
        .await
        .unwrap()
        .unwrap();
    Actor::user(principal_of(&u).unwrap(), None)
}

async fn act(x: &World, login: &str, id: TicketId, a: TicketAction) {
    let actor = user(&x.app, login).await;
    x.app
        .act(&actor, id, a, TicketExtras::default())
        .await
        .unwrap_or_else(|e| panic!("{}: {login}: {e}", x.label));
}

/// A ticket of station A with the technician on site; `bought` decides the warranty.
async fn on_site_ticket(x: &World, serial: &str, bought: NaiveDate) -> TicketId {
    let agent = user(&x.app, "agent").await;
    let c = x
        .app
        .create_customer(
            &agent,
            CustomerInput {
                name: "张三".into(),
                phones: vec![format!("1380013{}", &serial[serial.len() - 4..])],
                addresses: vec![AddressInput {
                    region: x.w.urban,
                    detail: "春熙路 8 号".into(),
                }],
            },
        )
        .await
        .unwrap();
    let u = x
        .app
        .add_unit(
            &agent,
            c.id,
            UnitInput {
                serial: serial.into(),
                model: x.w.model,
                purchase_date: Some(bought),
                purchase_channel: Some(PurchaseChannel::EShop),
                production_batch: None,
            },
        )
        .await
        .unwrap();
    let t = x
        .app
        .intake(
            &agent,
            IntakeRequest {
                customer: c.id,
                unit: u.id,
                address: None,
                input: TicketInput {
                    ticket_type: TicketType::Repair,
                    channel: Channel::Hotline,
                    priority: Priority::Normal,
                    fault_description: "开机黑屏".into(),
                    fault_code: None,
                },
                auto_dispatch: false,
            },
        )
        .await
        .unwrap();
    let id = t.id;
    act(
        x,
        "dispatcher",
        id,
        TicketAction::Dispatch {
            station: x.w.station_a,
        },
    )
    .await;
    act(x, "station-a", id, TicketAction::Accept).await;
    act(
        x,
        "station-a",
        id,
        TicketAction::AssignTechnician {
            technician: x.w.tech_a,
        },
    )
    .await;
    let now = x.app.now().0;
    act(
        x,
        "tech-a",
        id,
        TicketAction::Schedule {
            appointment: Appointment::new(Instant(now + HOUR), Instant(now + 3 * HOUR)).unwrap(),
        },
    )
    .await;
    x.clock.advance_minutes(60);
    act(x, "tech-a", id, TicketAction::Arrive).await;
    id
}

fn in_warranty() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 6, 1).unwrap()
}

fn out_of_warranty() -> NaiveDate {
    NaiveDate::from_ymd_opt(2023, 1, 1).unwrap()
}

fn line(part: PartId, qty: i64) -> PartRequestLine {
    PartRequestLine { part_id: part, qty }
}

/// (issuable, reserved) of a part at a warehouse.
async fn avail(x: &World, w: WarehouseId, part: PartId) -> (i64, i64) {
    availability(&x.app.db, w, part.get()).await.unwrap()
}

/// Units on the shelf in one condition.
async fn on_hand(x: &World, w: WarehouseId, part: PartId, condition: &str) -> i64 {
    x.app
        .stock_list(
            &Actor::Cli,
            StockFilter {
                warehouse: Some(w),
                part: Some(part.get()),
                condition: Some(condition.into()),
                limit: 100,
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.qty)
        .sum()
}

async fn status(x: &World, id: TicketId) -> TicketStatus {
    x.app
        .visible_ticket(&Actor::Cli, id)
        .await
        .unwrap()
        .state
        .status
}

async fn ledger_sound(x: &World) {
    let problems = x.app.stock_verify(&Actor::Cli).await.unwrap();
    assert!(problems.is_empty(), "{}: {problems:?}", x.label);
}

fn only_line(p: &TicketParts) -> &aftercare_app::tickets::PartLine {
    assert_eq!(p.lines.len(), 1, "{p:?}");
    &p.lines[0].line
}

#[tokio::test]
async fn reserve_issue_use_and_return_unused_flow_through_the_ledger() {
    for x in worlds().await {
        x.app
            .stock_in_sample(&x.p, x.p.warehouse_a, x.p.board, 5)
            .await
            .unwrap();
        let id = on_site_ticket(&x, "QL-0001", out_of_warranty()).await;
        let st = user(&x.app, "station-a").await;

        let p = x
            .app
            .request_parts(&st, id, "req-1", &[line(x.p.board, 3)])
            .await
            .unwrap();
        let l = only_line(&p).clone();
        assert_eq!(l.status, PartLineStatus::Reserved, "{}", x.label);
        assert!(l.reservation_id.is_some());
        assert_eq!(l.warehouse_id, x.p.warehouse_a);
        assert_eq!(p.status, TicketStatus::OnSite);
        assert_eq!(avail(&x, x.p.warehouse_a, x.p.board).await, (5, 3));

        let p = x.app.issue_parts(&st, id).await.unwrap();
        assert_eq!(only_line(&p).status, PartLineStatus::Issued);
        assert_eq!(avail(&x, x.p.warehouse_a, x.p.board).await, (2, 0));
        // Issuing again finds nothing reserved and moves nothing.
        let e = x.app.issue_parts(&st, id).await.unwrap_err();
        assert!(
            matches!(&e, AppError::Conflict { code, .. } if code == "ticket.nothing_to_issue"),
            "{e}"
        );
        assert_eq!(avail(&x, x.p.warehouse_a, x.p.board).await, (2, 0));
        // Completing through the plain action would leave the issued parts unaccounted for.
        let e = x
            .app
            .act(
                &st,
                id,
                TicketAction::Complete(aftercare_domain::ticket::Completion {
                    actions_taken: "done".into(),
                    fault_code: None,
                }),
                TicketExtras::default(),
            )
            .await
            .unwrap_err();
        assert!(
            matches!(&e, AppError::Invalid(errs) if errs.iter().any(|v| v.field == "parts")),
            "{e}"
        );
        let t = x.app.visible_ticket(&st, id).await.unwrap();
        assert_eq!(t.state.status, TicketStatus::OnSite, "{}", x.label);

        x.clock.advance_minutes(90);
        let p = x
            .app
            .complete_repair(
                &st,
                id,
                RepairCompletion {
                    actions_taken: "更换主板".into(),
                    fault_code: Some(x.w.fault.0),
                    labour_minutes: Some(40),
                    parts: vec![PartUse {
                        line_id: l.id,
                        used: 2,
                        returned: 1,
                    }],
                },
            )
            .await
            .unwrap();
        let settled = only_line(&p);
        assert_eq!(settled.status, PartLineStatus::Settled);
        assert_eq!((settled.qty_used, settled.qty_returned), (2, 1));
        assert_eq!(p.status, TicketStatus::Completed);
        // The unused unit is back on the shelf; two went into the customer's unit.
        assert_eq!(avail(&x, x.p.warehouse_a, x.p.board).await, (3, 0));
        assert_eq!(on_hand(&x, x.p.warehouse_a, x.p.board, "good").await, 3);
        // Out of warranty: nothing owed back.
        assert!(p.obligations.is_empty());
        let t = x.app.visible_ticket(&st, id).await.unwrap();
        assert_eq!(t.labour_minutes, Some(40));
        assert_eq!(t.actions_taken.as_deref(), Some("更换主板"));
        // The ledger recorded the issue and the return against the ticket.
        let moves = x
            .app
            .stock_movements(
                &Actor::Cli,
                aftercare_app::stock::MovementFilter {
                    warehouse: Some(x.p.warehouse_a),
                    limit: 100,
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        let kinds: Vec<&str> = moves.iter().map(|m| m.kind.as_str()).collect();
        assert!(
            kinds.contains(&"issue") && kinds.contains(&"return_unused"),
            "{kinds:?}"
        );
        ledger_sound(&x).await;
    }
}

#[tokio::test]
async fn nothing_available_waits_for_parts_with_substitutes_until_the_parts_arrive() {
    for x in worlds().await {
        x.app
            .stock_in_sample(&x.p, x.p.warehouse_a, x.p.board_alt, 4)
            .await
            .unwrap();
        let id = on_site_ticket(&x, "QL-0002", out_of_warranty()).await;
        let st = user(&x.app, "station-a").await;
        let p = x
            .app
            .request_parts(&st, id, "req-1", &[line(x.p.board, 1)])
            .await
            .unwrap();
        assert_eq!(p.status, TicketStatus::WaitingForParts, "{}", x.label);
        assert_eq!(status(&x, id).await, TicketStatus::WaitingForParts);
        let v = &p.lines[0];
        assert_eq!(v.line.status, PartLineStatus::Waiting);
        assert_eq!(v.substitutes.len(), 1);
        let s = &v.substitutes[0];
        assert_eq!(s.part_id, x.p.board_alt);
        assert_eq!(s.part_number, "TV-MB-55B");
        assert_eq!(s.priority, 1);
        assert_eq!(s.instruction, "新版主板需同时更换排线");
        assert_eq!(s.available, 4);
        // Nothing was reserved, nothing went negative.
        assert_eq!(avail(&x, x.p.warehouse_a, x.p.board).await, (0, 0));

        // Still nothing on the shelf: the ticket keeps waiting.
        let p = x.app.parts_arrived(&st, id).await.unwrap();
        assert_eq!(p.status, TicketStatus::WaitingForParts);
        assert_eq!(p.lines[0].line.status, PartLineStatus::Waiting);

        // Stock arrives at the station: the line is reserved and the repair goes on.
        x.app
            .stock_in_sample(&x.p, x.p.warehouse_a, x.p.board, 2)
            .await
            .unwrap();
        x.clock.advance_minutes(60 * 24);
        let p = x.app.parts_arrived(&st, id).await.unwrap();
        assert_eq!(p.status, TicketStatus::OnSite);
        assert_eq!(p.lines[0].line.status, PartLineStatus::Reserved);
        assert!(p.lines[0].substitutes.is_empty());
        assert_eq!(avail(&x, x.p.warehouse_a, x.p.board).await, (2, 1));
        let timeline = x.app.ticket(&st, id).await.unwrap().timeline;
        let kinds: Vec<String> = timeline.iter().map(|e| e.action.clone()).collect();
        assert!(
            kinds.ends_with(&["wait_for_parts".to_string(), "parts_arrived".to_string()]),
            "{kinds:?}"
        );
        ledger_sound(&x).await;
    }
}

#[tokio::test]
async fn warranty_parts_owe_the_defective_part_back_until_it_is_received() {
    for x in worlds().await {
        x.app
            .stock_in_sample(&x.p, x.p.warehouse_a, x.p.board, 2)
            .await
            .unwrap();
        let id = on_site_ticket(&x, "QL-0003", in_warranty()).await;
        let t = x.app.visible_ticket(&Actor::Cli, id).await.unwrap();
        assert_eq!(t.warranty_status, WarrantyStatus::In, "{}", x.label);
        let st = user(&x.app, "station-a").await;
        let p = x
            .app
            .request_parts(&st, id, "req-1", &[line(x.p.board, 1)])
            .await
            .unwrap();
        let line_id = only_line(&p).id;
        x.app.issue_parts(&st, id).await.unwrap();
        let p = x
            .app
            .complete_repair(
                &st,
                id,
                RepairCompletion {
                    actions_taken: "更换主板".into(),
                    parts: vec![PartUse {
                        line_id,
                        used: 1,
                        returned: 0,
                    }],
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(p.obligations.len(), 1);
        let o = p.obligations[0].clone();
        assert_eq!(o.status, ObligationStatus::Open);
        assert_eq!((o.part_id, o.qty, o.line_id), (x.p.board, 1, line_id));
        assert_eq!(o.due_at, Instant(x.app.now().0 + 15 * 24 * HOUR));
        assert_eq!(
            on_hand(&x, x.p.warehouse_a, x.p.board, "defective").await,
            0
        );

        // Another station cannot receive it.
        let other = user(&x.app, "station-b").await;
        let e = x
            .app
            .receive_defective_part(&other, id, o.id)
            .await
            .unwrap_err();
        assert!(matches!(e, AppError::NotFound { .. }), "{e}");

        let p = x.app.receive_defective_part(&st, id, o.id).await.unwrap();
        let o = &p.obligations[0];
        assert_eq!(o.status, ObligationStatus::Received);
        assert!(o.lot_id.is_some() && o.received_at.is_some());
        assert_eq!(
            on_hand(&x, x.p.warehouse_a, x.p.board, "defective").await,
            1
        );
        // Receiving twice is refused and receives nothing more.
        let e = x
            .app
            .receive_defective_part(&st, id, o.id)
            .await
            .unwrap_err();
        assert!(
            matches!(&e, AppError::Conflict { code, .. } if code == "ticket.return_received"),
            "{e}"
        );
        assert_eq!(
            on_hand(&x, x.p.warehouse_a, x.p.board, "defective").await,
            1
        );
        ledger_sound(&x).await;
    }
}

#[tokio::test]
async fn cancelling_the_ticket_releases_its_reservations() {
    for x in worlds().await {
        x.app
            .stock_in_sample(&x.p, x.p.warehouse_a, x.p.board, 3)
            .await
            .unwrap();
        let id = on_site_ticket(&x, "QL-0004", out_of_warranty()).await;
        let st = user(&x.app, "station-a").await;
        let p = x
            .app
            .request_parts(&st, id, "req-1", &[line(x.p.board, 2), line(x.p.remote, 1)])
            .await
            .unwrap();
        assert_eq!(p.lines[0].line.status, PartLineStatus::Reserved);
        assert_eq!(p.lines[1].line.status, PartLineStatus::Waiting);
        assert_eq!(avail(&x, x.p.warehouse_a, x.p.board).await, (3, 2));
        // The agent (who moves no stock) cancels: the reservation is released all the same.
        act(
            &x,
            "agent",
            id,
            TicketAction::Cancel {
                reason: "客户取消".into(),
            },
        )
        .await;
        assert_eq!(
            avail(&x, x.p.warehouse_a, x.p.board).await,
            (3, 0),
            "{}",
            x.label
        );
        let p = x.app.ticket_parts(&st, id).await.unwrap();
        assert!(
            p.lines
                .iter()
                .all(|l| l.line.status == PartLineStatus::Released),
            "{p:?}"
        );
        // A cancelled ticket takes no more parts.
        let e = x
            .app
            .request_parts(&st, id, "req-2", &[line(x.p.board, 1)])
            .await
            .unwrap_err();
        assert!(
            matches!(&e, AppError::Conflict { code, .. } if code == "ticket.parts_not_now"),
            "{e}"
        );
        ledger_sound(&x).await;
    }
}

#[tokio::test]
async fn a_station_cannot_touch_another_stations_ticket_parts() {
    for x in worlds().await {
        x.app
            .stock_in_sample(&x.p, x.p.warehouse_a, x.p.board, 3)
            .await
            .unwrap();
        let id = on_site_ticket(&x, "QL-0005", out_of_warranty()).await;
        let other = user(&x.app, "station-b").await;
        let e = x
            .app
            .request_parts(&other, id, "req-1", &[line(x.p.board, 1)])
            .await
            .unwrap_err();
        assert!(matches!(e, AppError::NotFound { .. }), "{}: {e}", x.label);
        assert!(matches!(
            x.app.issue_parts(&other, id).await.unwrap_err(),
            AppError::NotFound { .. }
        ));
        assert!(matches!(
            x.app.ticket_parts(&other, id).await.unwrap_err(),
            AppError::NotFound { .. }
        ));
        assert!(matches!(
            x.app.parts_arrived(&other, id).await.unwrap_err(),
            AppError::NotFound { .. }
        ));
        // The technician sees the ticket but does not move stock.
        let tech = user(&x.app, "tech-a").await;
        assert!(matches!(
            x.app
                .request_parts(&tech, id, "req-1", &[line(x.p.board, 1)])
                .await
                .unwrap_err(),
            AppError::Forbidden { .. }
        ));
        assert_eq!(avail(&x, x.p.warehouse_a, x.p.board).await, (3, 0));
        assert!(
            x.app
                .ticket_parts(&Actor::Cli, id)
                .await
                .unwrap()
                .lines
                .is_empty()
        );
    }
}

#[tokio::test]
async fn a_retried_request_reserves_once_and_a_reused_key_is_refused() {
    for x in worlds().await {
        x.app
            .stock_in_sample(&x.p, x.p.warehouse_a, x.p.board, 5)
            .await
            .unwrap();
        let id = on_site_ticket(&x, "QL-0006", out_of_warranty()).await;
        let st = user(&x.app, "station-a").await;
        for _ in 0..3 {
            let p = x
                .app
                .request_parts(&st, id, "req-1", &[line(x.p.board, 2)])
                .await
                .unwrap();
            assert_eq!(p.lines.len(), 1, "{}", x.label);
        }
        assert_eq!(avail(&x, x.p.warehouse_a, x.p.board).await, (5, 2));
        let e = x
            .app
            .request_parts(&st, id, "req-1", &[line(x.p.board, 3)])
            .await
            .unwrap_err();
        assert!(
            matches!(&e, AppError::Conflict { code, .. } if code == "ticket.parts_key_reused"),
            "{e}"
        );
        assert_eq!(avail(&x, x.p.warehouse_a, x.p.board).await, (5, 2));
        // Bad input is refused with the field named, and changes nothing.
        for (lines, field) in [
            (vec![line(x.p.board, 0)], "lines[0].qty"),
            (vec![line(PartId(999_999), 1)], "lines[0].part_id"),
            (
                vec![line(x.p.board, 1), line(x.p.board, 1)],
                "lines[1].part_id",
            ),
            (vec![], "lines"),
        ] {
            match x.app.request_parts(&st, id, "req-x", &lines).await {
                Err(AppError::Invalid(v)) => assert_eq!(v[0].field, field),
                other => panic!("{field}: {other:?}"),
            }
        }
        assert_eq!(x.app.ticket_parts(&st, id).await.unwrap().lines.len(), 1);
        assert_eq!(avail(&x, x.p.warehouse_a, x.p.board).await, (5, 2));
        ledger_sound(&x).await;
    }
}

#[tokio::test]
async fn no_quantity_goes_negative_and_a_wrong_settlement_changes_nothing() {
    for x in worlds().await {
        x.app
            .stock_in_sample(&x.p, x.p.warehouse_a, x.p.board, 2)
            .await
            .unwrap();
        let a = on_site_ticket(&x, "QL-0007", out_of_warranty()).await;
        let b = on_site_ticket(&x, "QL-0008", out_of_warranty()).await;
        let st = user(&x.app, "station-a").await;
        let p = x
            .app
            .request_parts(&st, b, "req-1", &[line(x.p.board, 2)])
            .await
            .unwrap();
        assert_eq!(p.lines[0].line.status, PartLineStatus::Reserved);
        // Two tickets competing for the last two units: the first holds them, the second
        // waits instead of reserving what is not there.
        let p = x
            .app
            .request_parts(&st, a, "req-1", &[line(x.p.board, 3)])
            .await
            .unwrap();
        assert_eq!(
            p.lines[0].line.status,
            PartLineStatus::Waiting,
            "{}",
            x.label
        );
        assert_eq!(p.lines.len(), 1);
        let p = x.app.parts_arrived(&st, a).await.unwrap();
        assert_eq!(p.lines[0].line.status, PartLineStatus::Waiting);
        assert_eq!(p.status, TicketStatus::WaitingForParts);
        assert_eq!(avail(&x, x.p.warehouse_a, x.p.board).await, (2, 2));

        let p = x.app.issue_parts(&st, b).await.unwrap();
        let line_id = p.lines[0].line.id;
        assert_eq!(avail(&x, x.p.warehouse_a, x.p.board).await, (0, 0));
        // Used plus returned must account for the two issued units exactly.
        for (used, returned) in [(1, 2), (0, 0), (3, -1)] {
            let e = x
                .app
                .complete_repair(
                    &st,
                    b,
                    RepairCompletion {
                        actions_taken: "更换主板".into(),
                        parts: vec![PartUse {
                            line_id,
                            used,
                            returned,
                        }],
                        ..Default::default()
                    },
                )
                .await
                .unwrap_err();
            assert!(matches!(e, AppError::Invalid(_)), "{e}");
        }
        // Forgetting the issued line is refused too.
        let e = x
            .app
            .complete_repair(
                &st,
                b,
                RepairCompletion {
                    actions_taken: "更换主板".into(),
                    ..Default::default()
                },
            )
            .await
            .unwrap_err();
        assert!(matches!(e, AppError::Invalid(_)), "{e}");
        assert_eq!(status(&x, b).await, TicketStatus::OnSite);
        assert_eq!(avail(&x, x.p.warehouse_a, x.p.board).await, (0, 0));
        assert_eq!(on_hand(&x, x.p.warehouse_a, x.p.board, "good").await, 0);

        // A correct settlement returning both: the shelf is back to two, and the ticket
        // waiting for three takes the two at once (the third keeps waiting).
        let p = x
            .app
            .complete_repair(
                &st,
                b,
                RepairCompletion {
                    actions_taken: "检查后无需更换".into(),
                    parts: vec![PartUse {
                        line_id,
                        used: 0,
                        returned: 2,
                    }],
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(p.status, TicketStatus::Completed);
        assert_eq!(on_hand(&x, x.p.warehouse_a, x.p.board, "good").await, 2);
        assert_eq!(avail(&x, x.p.warehouse_a, x.p.board).await, (2, 2));
        let p = x.app.ticket_parts(&st, a).await.unwrap();
        let got: Vec<(PartLineStatus, i64)> = p
            .lines
            .iter()
            .map(|l| (l.line.status, l.line.qty))
            .collect();
        assert_eq!(
            got,
            [(PartLineStatus::Reserved, 2), (PartLineStatus::Waiting, 1)],
            "{}",
            x.label
        );
        assert_eq!(p.status, TicketStatus::WaitingForParts);
        ledger_sound(&x).await;
    }
}

/// Worlds whose ledger asks a manager to approve issues of more than `qty_above` units.
async fn worlds_with_limit(qty_above: i64) -> Vec<World> {
    let mut out = Vec::new();
    for t in each_backend().await.unwrap() {
        let clock = Arc::new(FixedClock::new(Instant(T0)));
        let mut config = AppConfig::default();
        config.stock_issue_policy.qty_above = Some(Qty::new(qty_above).unwrap());
        let app = App::with_clock(t.db.clone(), config, clock.clone());
        let w = app.seed_ticket_sample().await.unwrap();
        let p = app.seed_ticket_parts_sample(&w).await.unwrap();
        out.push(World {
            app,
            clock,
            w,
            p,
            label: t.label,
            _t: t,
        });
    }
    out
}

/// Stock in through the ledger writer alone, as if the pick-up after the commit had failed:
/// nothing reacts to it until someone (the sweep, `parts_arrived`) looks.
async fn stock_in_behind_the_back(x: &World, part: PartId, qty: i64) {
    let ledger = x.app.ledger().await.unwrap();
    let q = Qty::new(qty).unwrap();
    let run = |command| LedgerRequest {
        command,
        key: None,
        actor_id: None,
        actor_login: "test".into(),
        request_id: None,
        now: x.app.now(),
    };
    let po = ledger
        .execute(run(Command::PlacePurchaseOrder {
            supplier: x.p.supplier,
            lines: vec![(part, q)],
        }))
        .await
        .unwrap()
        .unwrap();
    let Some(Created::PurchaseOrder(order)) = po.outcome.created else {
        panic!("no order")
    };
    let r = ledger
        .execute(run(Command::Receive {
            order,
            warehouse: x.p.warehouse_a,
            part,
            qty: q,
        }))
        .await
        .unwrap()
        .unwrap();
    let Some(Created::Lot(lot)) = r.outcome.created else {
        panic!("no lot")
    };
    ledger
        .execute(run(Command::Inspect {
            warehouse: x.p.warehouse_a,
            lot,
            accept: q,
            reject: Qty::ZERO,
        }))
        .await
        .unwrap()
        .unwrap();
}

/// The last timeline entry of a ticket: (action, by the system?).
async fn last_event(x: &World, id: TicketId) -> (String, bool) {
    let e = x
        .app
        .ticket(&Actor::Cli, id)
        .await
        .unwrap()
        .timeline
        .pop()
        .unwrap();
    (e.action, e.actor_id.is_none() && e.actor_role.is_none())
}

fn lines_of(p: &TicketParts) -> Vec<(PartLineStatus, i64)> {
    p.lines
        .iter()
        .map(|l| (l.line.status, l.line.qty))
        .collect()
}

#[tokio::test]
async fn the_generic_parts_arrived_action_picks_up_the_waiting_lines_first() {
    for x in worlds().await {
        let id = on_site_ticket(&x, "QL-0101", out_of_warranty()).await;
        let st = user(&x.app, "station-a").await;
        let p = x
            .app
            .request_parts(&st, id, "req-1", &[line(x.p.board, 2)])
            .await
            .unwrap();
        assert_eq!(p.status, TicketStatus::WaitingForParts, "{}", x.label);
        // Nothing there: the action is refused naming the missing part, and nothing moves.
        let e = x
            .app
            .act(
                &user(&x.app, "tech-a").await,
                id,
                TicketAction::PartsArrived,
                TicketExtras::default(),
            )
            .await
            .unwrap_err();
        assert!(
            matches!(&e, AppError::Conflict { code, message } if code == "ticket.parts_waiting" && message.contains("TV-MB-55A")),
            "{e}"
        );
        assert_eq!(status(&x, id).await, TicketStatus::WaitingForParts);
        // Stock came in without the automatic pick-up seeing it: the line still waits.
        stock_in_behind_the_back(&x, x.p.board, 2).await;
        let p = x.app.ticket_parts(&st, id).await.unwrap();
        assert_eq!(lines_of(&p), [(PartLineStatus::Waiting, 2)]);
        assert_eq!(avail(&x, x.p.warehouse_a, x.p.board).await, (2, 0));
        // The technician's action button: the line is reserved and the ticket goes on site.
        let t = x
            .app
            .act(
                &user(&x.app, "tech-a").await,
                id,
                TicketAction::PartsArrived,
                TicketExtras::default(),
            )
            .await
            .unwrap();
        assert_eq!(t.state.status, TicketStatus::OnSite, "{}", x.label);
        let p = x.app.ticket_parts(&st, id).await.unwrap();
        assert_eq!(lines_of(&p), [(PartLineStatus::Reserved, 2)]);
        assert_eq!(avail(&x, x.p.warehouse_a, x.p.board).await, (2, 2));
        assert_eq!(last_event(&x, id).await, ("parts_arrived".into(), false));
        // Again: not waiting any more, refused by the state machine; nothing reserved twice.
        let e = x
            .app
            .act(&st, id, TicketAction::PartsArrived, TicketExtras::default())
            .await
            .unwrap_err();
        assert!(matches!(e, AppError::Conflict { .. }), "{e}");
        assert_eq!(avail(&x, x.p.warehouse_a, x.p.board).await, (2, 2));
        ledger_sound(&x).await;
    }
}

#[tokio::test]
async fn arriving_stock_releases_waiting_tickets_in_request_order_as_the_system() {
    for x in worlds().await {
        let first = on_site_ticket(&x, "QL-0111", out_of_warranty()).await;
        let second = on_site_ticket(&x, "QL-0112", out_of_warranty()).await;
        let st = user(&x.app, "station-a").await;
        x.app
            .request_parts(&st, first, "req-1", &[line(x.p.board, 2)])
            .await
            .unwrap();
        x.clock.advance_minutes(5);
        x.app
            .request_parts(&st, second, "req-1", &[line(x.p.board, 1)])
            .await
            .unwrap();
        assert_eq!(status(&x, first).await, TicketStatus::WaitingForParts);
        assert_eq!(status(&x, second).await, TicketStatus::WaitingForParts);

        // Two units accepted into good stock: the older request takes both.
        x.app
            .stock_in_sample(&x.p, x.p.warehouse_a, x.p.board, 2)
            .await
            .unwrap();
        assert_eq!(status(&x, first).await, TicketStatus::OnSite, "{}", x.label);
        assert_eq!(last_event(&x, first).await, ("parts_arrived".into(), true));
        assert_eq!(status(&x, second).await, TicketStatus::WaitingForParts);
        assert_eq!(avail(&x, x.p.warehouse_a, x.p.board).await, (2, 2));

        // The sweep finds nothing more to do, and reserves nothing twice.
        assert_eq!(x.app.parts_pickup_sweep().await.unwrap(), 0);
        assert_eq!(avail(&x, x.p.warehouse_a, x.p.board).await, (2, 2));

        // The first ticket is cancelled: its released reservation goes to the second.
        act(
            &x,
            "agent",
            first,
            TicketAction::Cancel {
                reason: "客户取消".into(),
            },
        )
        .await;
        assert_eq!(
            status(&x, second).await,
            TicketStatus::OnSite,
            "{}",
            x.label
        );
        assert_eq!(last_event(&x, second).await, ("parts_arrived".into(), true));
        let p = x.app.ticket_parts(&st, second).await.unwrap();
        assert_eq!(lines_of(&p), [(PartLineStatus::Reserved, 1)]);
        assert_eq!(avail(&x, x.p.warehouse_a, x.p.board).await, (2, 1));
        ledger_sound(&x).await;
    }
}

#[tokio::test]
async fn the_parts_sweep_catches_up_a_missed_pick_up_once() {
    for x in worlds().await {
        let id = on_site_ticket(&x, "QL-0121", out_of_warranty()).await;
        let st = user(&x.app, "station-a").await;
        x.app
            .request_parts(&st, id, "req-1", &[line(x.p.board, 1), line(x.p.remote, 1)])
            .await
            .unwrap();
        stock_in_behind_the_back(&x, x.p.board, 1).await;
        stock_in_behind_the_back(&x, x.p.remote, 3).await;
        assert_eq!(status(&x, id).await, TicketStatus::WaitingForParts);
        assert_eq!(x.app.parts_pickup_sweep().await.unwrap(), 1, "{}", x.label);
        assert_eq!(status(&x, id).await, TicketStatus::OnSite);
        assert_eq!(last_event(&x, id).await, ("parts_arrived".into(), true));
        for _ in 0..2 {
            assert_eq!(x.app.parts_pickup_sweep().await.unwrap(), 0);
        }
        assert_eq!(avail(&x, x.p.warehouse_a, x.p.board).await, (1, 1));
        assert_eq!(avail(&x, x.p.warehouse_a, x.p.remote).await, (3, 1));
        ledger_sound(&x).await;
    }
}

#[tokio::test]
async fn a_partly_available_line_reserves_what_is_there_and_the_rest_waits() {
    for x in worlds().await {
        x.app
            .stock_in_sample(&x.p, x.p.warehouse_a, x.p.board, 1)
            .await
            .unwrap();
        let id = on_site_ticket(&x, "QL-0131", out_of_warranty()).await;
        let st = user(&x.app, "station-a").await;
        for _ in 0..2 {
            // Retried: the split line still counts as the one requested line of 3.
            let p = x
                .app
                .request_parts(&st, id, "req-1", &[line(x.p.board, 3)])
                .await
                .unwrap();
            assert_eq!(
                lines_of(&p),
                [(PartLineStatus::Reserved, 1), (PartLineStatus::Waiting, 2)],
                "{}",
                x.label
            );
            assert_eq!(p.status, TicketStatus::WaitingForParts);
            assert_eq!(p.lines[1].line.split_of, Some(p.lines[0].line.id));
        }
        assert_eq!(avail(&x, x.p.warehouse_a, x.p.board).await, (1, 1));
        // The same key with another quantity is still another request.
        let e = x
            .app
            .request_parts(&st, id, "req-1", &[line(x.p.board, 2)])
            .await
            .unwrap_err();
        assert!(
            matches!(&e, AppError::Conflict { code, .. } if code == "ticket.parts_key_reused"),
            "{e}"
        );
        // The station can already issue the unit it has.
        let p = x.app.issue_parts(&st, id).await.unwrap();
        assert_eq!(
            lines_of(&p),
            [(PartLineStatus::Issued, 1), (PartLineStatus::Waiting, 2)]
        );
        // One more arrives: reserved, one still waits, the ticket keeps waiting.
        x.app
            .stock_in_sample(&x.p, x.p.warehouse_a, x.p.board, 1)
            .await
            .unwrap();
        let p = x.app.ticket_parts(&st, id).await.unwrap();
        assert_eq!(
            lines_of(&p),
            [
                (PartLineStatus::Issued, 1),
                (PartLineStatus::Reserved, 1),
                (PartLineStatus::Waiting, 1)
            ],
            "{}",
            x.label
        );
        assert_eq!(p.status, TicketStatus::WaitingForParts);
        // The last one: every line held, the ticket goes on site.
        x.app
            .stock_in_sample(&x.p, x.p.warehouse_a, x.p.board, 1)
            .await
            .unwrap();
        let p = x.app.ticket_parts(&st, id).await.unwrap();
        assert_eq!(
            lines_of(&p),
            [
                (PartLineStatus::Issued, 1),
                (PartLineStatus::Reserved, 1),
                (PartLineStatus::Reserved, 1)
            ]
        );
        assert_eq!(p.status, TicketStatus::OnSite);
        assert_eq!(avail(&x, x.p.warehouse_a, x.p.board).await, (2, 2));
        ledger_sound(&x).await;
    }
}

#[tokio::test]
async fn cancelling_returns_issued_unused_parts_to_the_shelf_once() {
    for x in worlds().await {
        x.app
            .stock_in_sample(&x.p, x.p.warehouse_a, x.p.board, 3)
            .await
            .unwrap();
        let id = on_site_ticket(&x, "QL-0141", out_of_warranty()).await;
        let st = user(&x.app, "station-a").await;
        let p = x
            .app
            .request_parts(&st, id, "req-1", &[line(x.p.board, 2)])
            .await
            .unwrap();
        let line_id = p.lines[0].line.id;
        x.app.issue_parts(&st, id).await.unwrap();
        assert_eq!(on_hand(&x, x.p.warehouse_a, x.p.board, "good").await, 1);
        act(
            &x,
            "agent",
            id,
            TicketAction::Cancel {
                reason: "客户取消".into(),
            },
        )
        .await;
        assert_eq!(
            on_hand(&x, x.p.warehouse_a, x.p.board, "good").await,
            3,
            "{}",
            x.label
        );
        assert_eq!(avail(&x, x.p.warehouse_a, x.p.board).await, (3, 0));
        let l = only_line(&x.app.ticket_parts(&st, id).await.unwrap()).clone();
        assert_eq!(l.status, PartLineStatus::Settled);
        assert_eq!((l.qty_used, l.qty_returned), (0, 2));
        assert_eq!(l.note.as_deref(), Some(RETURNED_ON_CANCEL));
        // The return is keyed per line: running it again (a retry) returns nothing more.
        let again = x
            .app
            .stock_execute(
                &Actor::Cli,
                Some(&format!("aftercare:ticket-part:{line_id}:return")),
                Command::ReturnUnused {
                    consumer: Consumer::Ticket(id),
                    warehouse: x.p.warehouse_a,
                    part: x.p.board,
                    qty: Qty::new(2).unwrap(),
                    issued_at: l.issued_at.unwrap(),
                },
            )
            .await
            .unwrap();
        assert!(again.replayed);
        assert_eq!(on_hand(&x, x.p.warehouse_a, x.p.board, "good").await, 3);
        let moves = x
            .app
            .stock_movements(
                &Actor::Cli,
                aftercare_app::stock::MovementFilter {
                    warehouse: Some(x.p.warehouse_a),
                    limit: 100,
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(
            moves.iter().filter(|m| m.kind == "return_unused").count(),
            1
        );
        ledger_sound(&x).await;
    }
}

#[tokio::test]
async fn an_issue_above_the_limit_waits_for_the_manager_who_issues_or_rejects_it() {
    for x in worlds_with_limit(2).await {
        x.app
            .stock_in_sample(&x.p, x.p.warehouse_a, x.p.board, 6)
            .await
            .unwrap();
        let a = on_site_ticket(&x, "QL-0151", out_of_warranty()).await;
        let b = on_site_ticket(&x, "QL-0152", out_of_warranty()).await;
        let st = user(&x.app, "station-a").await;
        let manager = user(&x.app, "manager").await;
        x.app
            .request_parts(&st, a, "req-1", &[line(x.p.board, 3)])
            .await
            .unwrap();
        x.app
            .request_parts(&st, b, "req-1", &[line(x.p.board, 3)])
            .await
            .unwrap();
        for id in [a, b] {
            // Retried issue: the same pending approval, not a second one.
            for _ in 0..2 {
                match x.app.issue_parts(&st, id).await {
                    Ok(p) => {
                        let l = only_line(&p);
                        assert_eq!(l.status, PartLineStatus::Reserved, "{}", x.label);
                        assert!(l.approval_id.is_some());
                    }
                    Err(AppError::Conflict { code, .. }) => {
                        assert_eq!(code, "ticket.nothing_to_issue")
                    }
                    Err(e) => panic!("{}: {e}", x.label),
                }
            }
        }
        let pending = x
            .app
            .stock_approvals(
                &manager,
                aftercare_app::stock_approvals::ApprovalFilter {
                    status: Some("pending".into()),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(pending.len(), 2, "{}", x.label);
        assert_eq!(avail(&x, x.p.warehouse_a, x.p.board).await, (6, 6));
        let approval_of = |p: &TicketParts| only_line(p).approval_id.unwrap();
        let pa = approval_of(&x.app.ticket_parts(&st, a).await.unwrap());
        let pb = approval_of(&x.app.ticket_parts(&st, b).await.unwrap());

        // Approved: the line is issued, once, however often the manager clicks.
        for _ in 0..2 {
            x.app.approve_stock_approval(&manager, pa).await.unwrap();
        }
        let l = only_line(&x.app.ticket_parts(&st, a).await.unwrap()).clone();
        assert_eq!(l.status, PartLineStatus::Issued, "{}", x.label);
        assert!(l.approval_id.is_none() && l.issued_at.is_some());
        assert_eq!(avail(&x, x.p.warehouse_a, x.p.board).await, (3, 3));

        // Rejected: the line stays reserved with the reason; a new issue is a new request.
        x.app
            .reject_stock_approval(&manager, pb, "数量过多")
            .await
            .unwrap();
        let l = only_line(&x.app.ticket_parts(&st, b).await.unwrap()).clone();
        assert_eq!(l.status, PartLineStatus::Reserved);
        assert!(l.approval_id.is_none());
        assert!(
            l.note.as_deref().unwrap_or("").contains("数量过多"),
            "{l:?}"
        );
        assert_eq!(avail(&x, x.p.warehouse_a, x.p.board).await, (3, 3));
        let p = x.app.issue_parts(&st, b).await.unwrap();
        let again = approval_of(&p);
        assert_ne!(again, pb);

        // Cancelling b while its issue waits: the approval is rejected, the stock released.
        act(
            &x,
            "agent",
            b,
            TicketAction::Cancel {
                reason: "客户取消".into(),
            },
        )
        .await;
        let r = x.app.stock_approval(&manager, again).await.unwrap();
        assert_eq!(r.status, "rejected");
        assert_eq!(avail(&x, x.p.warehouse_a, x.p.board).await, (3, 0));
        let l = only_line(&x.app.ticket_parts(&st, b).await.unwrap()).clone();
        assert_eq!(l.status, PartLineStatus::Released);
        ledger_sound(&x).await;
    }
}

#[tokio::test]
async fn completing_with_a_part_still_waiting_releases_everything_without_taking_it_back() {
    for x in worlds().await {
        x.app
            .stock_in_sample(&x.p, x.p.warehouse_a, x.p.board, 1)
            .await
            .unwrap();
        let id = on_site_ticket(&x, "QL-0161", out_of_warranty()).await;
        let st = user(&x.app, "station-a").await;
        let p = x
            .app
            .request_parts(&st, id, "req-1", &[line(x.p.board, 3)])
            .await
            .unwrap();
        assert_eq!(
            lines_of(&p),
            [(PartLineStatus::Reserved, 1), (PartLineStatus::Waiting, 2)]
        );
        // A second visit: the technician is on site again with one part still waiting.
        let now = x.app.now().0;
        act(
            &x,
            "tech-a",
            id,
            TicketAction::Schedule {
                appointment: Appointment::new(Instant(now + HOUR), Instant(now + 2 * HOUR))
                    .unwrap(),
            },
        )
        .await;
        x.clock.advance_minutes(60);
        act(&x, "tech-a", id, TicketAction::Arrive).await;
        // Fixed without the parts: the reserved unit goes back and is not picked up again for
        // the ticket's own waiting line on the way out.
        let p = x
            .app
            .complete_repair(
                &st,
                id,
                RepairCompletion {
                    actions_taken: "调整设置后恢复".into(),
                    ..Default::default()
                },
            )
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", x.label));
        assert_eq!(p.status, TicketStatus::Completed);
        assert_eq!(
            lines_of(&p),
            [(PartLineStatus::Released, 1), (PartLineStatus::Released, 2)],
            "{}",
            x.label
        );
        assert_eq!(avail(&x, x.p.warehouse_a, x.p.board).await, (1, 0));
        ledger_sound(&x).await;
    }
}

#[tokio::test]
async fn a_transfer_received_at_the_station_releases_the_waiting_ticket() {
    for x in worlds().await {
        x.app
            .stock_in_sample(&x.p, x.p.warehouse_b, x.p.board, 2)
            .await
            .unwrap();
        let id = on_site_ticket(&x, "QL-0171", out_of_warranty()).await;
        let st = user(&x.app, "station-a").await;
        x.app
            .request_parts(&st, id, "req-1", &[line(x.p.board, 2)])
            .await
            .unwrap();
        assert_eq!(status(&x, id).await, TicketStatus::WaitingForParts);
        let shipped = x
            .app
            .stock_execute(
                &Actor::Cli,
                None,
                Command::ShipTransfer {
                    from: x.p.warehouse_b,
                    to: x.p.warehouse_a,
                    lines: vec![TransferQty {
                        part: x.p.board,
                        condition: StockCondition::Good,
                        qty: Qty::new(2).unwrap(),
                    }],
                    eta: Instant(x.app.now().0 + 24 * HOUR),
                },
            )
            .await
            .unwrap();
        // On the road: nothing to reserve yet.
        assert_eq!(status(&x, id).await, TicketStatus::WaitingForParts);
        let Some(Created::Transfer(transfer)) = shipped.outcome.created else {
            panic!("no transfer")
        };
        x.app
            .stock_execute(
                &Actor::Cli,
                None,
                Command::ReceiveTransfer {
                    transfer,
                    lines: vec![TransferQty {
                        part: x.p.board,
                        condition: StockCondition::Good,
                        qty: Qty::new(2).unwrap(),
                    }],
                    close: true,
                },
            )
            .await
            .unwrap();
        assert_eq!(status(&x, id).await, TicketStatus::OnSite, "{}", x.label);
        assert_eq!(last_event(&x, id).await, ("parts_arrived".into(), true));
        assert_eq!(avail(&x, x.p.warehouse_a, x.p.board).await, (2, 2));
        ledger_sound(&x).await;
    }
}

#[tokio::test]
async fn a_line_left_behind_by_a_rejection_follows_it_at_the_next_issue() {
    for x in worlds_with_limit(2).await {
        x.app
            .stock_in_sample(&x.p, x.p.warehouse_a, x.p.board, 3)
            .await
            .unwrap();
        let id = on_site_ticket(&x, "QL-0181", out_of_warranty()).await;
        let st = user(&x.app, "station-a").await;
        let manager = user(&x.app, "manager").await;
        x.app
            .request_parts(&st, id, "req-1", &[line(x.p.board, 3)])
            .await
            .unwrap();
        let p = x.app.issue_parts(&st, id).await.unwrap();
        let first = only_line(&p).approval_id.unwrap();
        // Rejected in the queue, but the ticket line never heard of it (lost update).
        let mut tx = x.app.db.begin_write().await.unwrap();
        assert!(
            aftercare_store::stock::approvals::decide(
                &mut tx,
                first,
                "rejected",
                None,
                Some("太贵"),
                None,
                x.app.now()
            )
            .await
            .unwrap()
        );
        tx.commit().await.unwrap();
        // The next issue sees the decision and asks again under a new key.
        let p = x.app.issue_parts(&st, id).await.unwrap();
        let l = only_line(&p);
        assert_eq!(l.status, PartLineStatus::Reserved, "{}", x.label);
        let second = l.approval_id.unwrap();
        assert_ne!(second, first);
        assert_eq!(l.issue_round, 1);
        assert_eq!(
            x.app.stock_approval(&manager, second).await.unwrap().status,
            "pending"
        );
        assert_eq!(avail(&x, x.p.warehouse_a, x.p.board).await, (3, 3));
        x.app
            .approve_stock_approval(&manager, second)
            .await
            .unwrap();
        let l = only_line(&x.app.ticket_parts(&st, id).await.unwrap()).clone();
        assert_eq!(l.status, PartLineStatus::Issued);
        assert_eq!(avail(&x, x.p.warehouse_a, x.p.board).await, (0, 0));
        ledger_sound(&x).await;
    }
}

const DAY_MINUTES: i64 = 24 * 60;

/// Issue `qty` units of a part to a requisition at station A's warehouse, as the stock desk.
async fn issue_to_requisition(x: &World, part: PartId, qty: i64) {
    x.app
        .stock_execute(
            &Actor::Cli,
            None,
            Command::Issue {
                warehouse: x.p.warehouse_a,
                part,
                qty: Qty::new(qty).unwrap(),
                consumer: Consumer::Requisition(aftercare_domain::RequisitionId(7)),
                reservation: None,
                approved_by: None,
            },
        )
        .await
        .unwrap_or_else(|e| panic!("{}: {e}", x.label));
}

#[tokio::test]
async fn a_line_whose_reservation_expired_waits_again_and_is_picked_up_when_stock_arrives() {
    for x in worlds().await {
        x.app
            .stock_in_sample(&x.p, x.p.warehouse_a, x.p.board, 1)
            .await
            .unwrap();
        let id = on_site_ticket(&x, "QL-0201", out_of_warranty()).await;
        let st = user(&x.app, "station-a").await;
        let p = x
            .app
            .request_parts(&st, id, "req-1", &[line(x.p.board, 1)])
            .await
            .unwrap();
        let first = only_line(&p).clone();
        assert_eq!(first.status, PartLineStatus::Reserved, "{}", x.label);
        // A month later nobody has issued it; the stock desk hands the last unit to a
        // requisition, and the ledger marks the ticket's reservation expired on the way.
        x.clock.advance_minutes(31 * DAY_MINUTES);
        issue_to_requisition(&x, x.p.board, 1).await;
        let p = x.app.ticket_parts(&st, id).await.unwrap();
        let l = only_line(&p).clone();
        assert_eq!(l.status, PartLineStatus::Waiting, "{}: {l:?}", x.label);
        assert_eq!(l.reservation_id, None);
        assert!(
            l.note
                .as_deref()
                .unwrap_or("")
                .starts_with(RESERVATION_EXPIRED),
            "{l:?}"
        );
        assert_eq!(
            l.created_at, first.created_at,
            "it keeps its place in the queue"
        );
        // The technician on site relied on it: the ticket waits for parts, by the system.
        assert_eq!(p.status, TicketStatus::WaitingForParts, "{}", x.label);
        assert_eq!(last_event(&x, id).await, ("wait_for_parts".into(), true));
        assert_eq!(avail(&x, x.p.warehouse_a, x.p.board).await, (0, 0));

        // Stock arrives: the line is reserved again (a new reservation) and the ticket goes
        // back on site; the issue then draws the new reservation.
        x.app
            .stock_in_sample(&x.p, x.p.warehouse_a, x.p.board, 1)
            .await
            .unwrap();
        let p = x.app.ticket_parts(&st, id).await.unwrap();
        let l = only_line(&p).clone();
        assert_eq!(l.status, PartLineStatus::Reserved, "{}", x.label);
        assert!(l.reservation_id.is_some() && l.reservation_id != first.reservation_id);
        assert_eq!(p.status, TicketStatus::OnSite);
        assert_eq!(last_event(&x, id).await, ("parts_arrived".into(), true));
        let p = x.app.issue_parts(&st, id).await.unwrap();
        assert_eq!(only_line(&p).status, PartLineStatus::Issued, "{}", x.label);
        assert_eq!(avail(&x, x.p.warehouse_a, x.p.board).await, (0, 0));
        ledger_sound(&x).await;
    }
}

#[tokio::test]
async fn the_sweep_expires_an_overdue_reservation_and_renews_it_when_the_stock_is_still_there() {
    for x in worlds_with_limit(2).await {
        x.app
            .stock_in_sample(&x.p, x.p.warehouse_a, x.p.board, 3)
            .await
            .unwrap();
        let id = on_site_ticket(&x, "QL-0211", out_of_warranty()).await;
        let st = user(&x.app, "station-a").await;
        let manager = user(&x.app, "manager").await;
        x.app
            .request_parts(&st, id, "req-1", &[line(x.p.board, 3)])
            .await
            .unwrap();
        // Three units are above the limit: the issue waits for a manager who never comes.
        let p = x.app.issue_parts(&st, id).await.unwrap();
        let first = only_line(&p).clone();
        let queued = first.approval_id.unwrap();
        x.clock.advance_minutes(31 * DAY_MINUTES);
        // Nothing touched the part since, so the ledger has not marked it; the sweep does.
        x.app.parts_pickup_sweep().await.unwrap();
        let p = x.app.ticket_parts(&st, id).await.unwrap();
        let l = only_line(&p).clone();
        assert_eq!(l.status, PartLineStatus::Reserved, "{}: {l:?}", x.label);
        assert!(l.reservation_id.is_some() && l.reservation_id != first.reservation_id);
        assert_eq!(l.approval_id, None);
        assert_eq!(l.issue_round, first.issue_round + 1);
        assert!(
            l.note
                .as_deref()
                .unwrap_or("")
                .starts_with(RESERVATION_EXPIRED),
            "{l:?}"
        );
        // The queued issue named the lost reservation: rejected, with the reason.
        let r = x.app.stock_approval(&manager, queued).await.unwrap();
        assert_eq!(r.status, "rejected", "{}", x.label);
        assert!(
            r.decision_note.as_deref().unwrap_or("").contains("expired"),
            "{r:?}"
        );
        // Renewed in the same pass: the ticket never left the site.
        assert_eq!(p.status, TicketStatus::OnSite);
        assert_eq!(last_event(&x, id).await, ("arrive".into(), false));
        assert_eq!(avail(&x, x.p.warehouse_a, x.p.board).await, (3, 3));
        // Nothing more to do on the next sweep.
        x.app.parts_pickup_sweep().await.unwrap();
        let again = only_line(&x.app.ticket_parts(&st, id).await.unwrap()).clone();
        assert_eq!(again.reservation_id, l.reservation_id);
        // The next issue is a new request on the new reservation, and the manager's approval
        // issues it.
        let p = x.app.issue_parts(&st, id).await.unwrap();
        let second = only_line(&p).approval_id.unwrap();
        assert_ne!(second, queued);
        x.app
            .approve_stock_approval(&manager, second)
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", x.label));
        let l = only_line(&x.app.ticket_parts(&st, id).await.unwrap()).clone();
        assert_eq!(l.status, PartLineStatus::Issued);
        assert_eq!(avail(&x, x.p.warehouse_a, x.p.board).await, (0, 0));
        ledger_sound(&x).await;
    }
}

#[tokio::test]
async fn a_reservation_released_outside_the_ticket_puts_the_line_back_in_the_queue() {
    for x in worlds().await {
        x.app
            .stock_in_sample(&x.p, x.p.warehouse_a, x.p.board, 1)
            .await
            .unwrap();
        let id = on_site_ticket(&x, "QL-0231", out_of_warranty()).await;
        let st = user(&x.app, "station-a").await;
        let p = x
            .app
            .request_parts(&st, id, "req-1", &[line(x.p.board, 1)])
            .await
            .unwrap();
        let first = only_line(&p).clone();
        // Released at the stock desk with the unit still on the shelf: the line waits again
        // and, first in the queue, takes it at once under a new reservation.
        x.app
            .stock_execute(
                &Actor::Cli,
                None,
                Command::ReleaseReservation {
                    reservation: first.reservation_id.unwrap(),
                },
            )
            .await
            .unwrap();
        let p = x.app.ticket_parts(&st, id).await.unwrap();
        let l = only_line(&p).clone();
        assert_eq!(l.status, PartLineStatus::Reserved, "{}: {l:?}", x.label);
        assert!(l.reservation_id.is_some() && l.reservation_id != first.reservation_id);
        assert!(
            l.note
                .as_deref()
                .unwrap_or("")
                .starts_with(RESERVATION_RELEASED),
            "{l:?}"
        );
        assert_eq!(p.status, TicketStatus::OnSite);
        assert_eq!(avail(&x, x.p.warehouse_a, x.p.board).await, (1, 1));

        // Released and the unit taken through the ledger writer alone (the check after the
        // commit never ran): the line still says reserved until the sweep looks.
        let ledger = x.app.ledger().await.unwrap();
        let run = |command| LedgerRequest {
            command,
            key: None,
            actor_id: None,
            actor_login: "test".into(),
            request_id: None,
            now: x.app.now(),
        };
        ledger
            .execute(run(Command::ReleaseReservation {
                reservation: l.reservation_id.unwrap(),
            }))
            .await
            .unwrap()
            .unwrap();
        ledger
            .execute(run(Command::Issue {
                warehouse: x.p.warehouse_a,
                part: x.p.board,
                qty: Qty::new(1).unwrap(),
                consumer: Consumer::Requisition(aftercare_domain::RequisitionId(8)),
                reservation: None,
                approved_by: None,
            }))
            .await
            .unwrap()
            .unwrap();
        let p = x.app.ticket_parts(&st, id).await.unwrap();
        assert_eq!(only_line(&p).status, PartLineStatus::Reserved);
        assert_eq!(x.app.parts_pickup_sweep().await.unwrap(), 0);
        let p = x.app.ticket_parts(&st, id).await.unwrap();
        let w = only_line(&p).clone();
        assert_eq!(w.status, PartLineStatus::Waiting, "{}: {w:?}", x.label);
        assert_eq!(p.status, TicketStatus::WaitingForParts);
        assert_eq!(last_event(&x, id).await, ("wait_for_parts".into(), true));
        // A second sweep changes nothing.
        x.app.parts_pickup_sweep().await.unwrap();
        assert_eq!(
            only_line(&x.app.ticket_parts(&st, id).await.unwrap()).updated_at,
            w.updated_at
        );
        assert_eq!(status(&x, id).await, TicketStatus::WaitingForParts);
        ledger_sound(&x).await;
    }
}

/// A stocktake of one part at station A's warehouse that counts `counted` good units,
/// approved at once.
async fn stocktake_counts(x: &World, part: PartId, counted: i64) {
    stocktake_counts_by(x, part, counted, true).await;
}

/// [`stocktake_counts`] through the application (`app`), or through the ledger writer alone,
/// as if the check after the commit had failed.
async fn stocktake_counts_by(x: &World, part: PartId, counted: i64, app: bool) {
    let run = |command| async move {
        if app {
            return x
                .app
                .stock_execute(&Actor::Cli, None, command)
                .await
                .unwrap_or_else(|e| panic!("{}: {e}", x.label));
        }
        let done = x
            .app
            .ledger()
            .await
            .unwrap()
            .execute(LedgerRequest {
                command,
                key: None,
                actor_id: None,
                actor_login: "test".into(),
                request_id: None,
                now: x.app.now(),
            })
            .await
            .unwrap()
            .unwrap();
        aftercare_app::stock::StockReceipt {
            outcome: done.outcome,
            replayed: done.replayed,
        }
    };
    let r = run(Command::OpenStocktake {
        warehouse: x.p.warehouse_a,
        scope: StocktakeScope::parts(vec![part]),
    })
    .await;
    let Some(Created::Stocktake(stocktake)) = r.outcome.created else {
        panic!("no stocktake")
    };
    run(Command::EnterCounts {
        stocktake,
        counts: vec![CountEntry {
            part,
            condition: StockCondition::Good,
            counted: Qty::new(counted).unwrap(),
        }],
    })
    .await;
    run(Command::ApproveStocktake {
        stocktake,
        by: aftercare_domain::Role::Manager,
    })
    .await;
}

fn noted(l: &aftercare_app::tickets::PartLine, why: &str) -> bool {
    l.note.as_deref().unwrap_or("").starts_with(why)
}

#[tokio::test]
async fn a_stocktake_loss_that_shrinks_a_reservation_splits_the_line_and_the_rest_waits() {
    for x in worlds().await {
        x.app
            .stock_in_sample(&x.p, x.p.warehouse_a, x.p.board, 3)
            .await
            .unwrap();
        let id = on_site_ticket(&x, "QL-0251", out_of_warranty()).await;
        let st = user(&x.app, "station-a").await;
        let p = x
            .app
            .request_parts(&st, id, "req-1", &[line(x.p.board, 3)])
            .await
            .unwrap();
        let first = only_line(&p).clone();
        assert_eq!(first.status, PartLineStatus::Reserved, "{}", x.label);

        // The count finds one board: the loss of two shrinks the reservation to one. The line
        // keeps that one on its reservation; the two missing units wait on a new line that
        // keeps the request's place in the queue. The technician on site relied on them: the
        // ticket waits for parts, by the system.
        stocktake_counts(&x, x.p.board, 1).await;
        let p = x.app.ticket_parts(&st, id).await.unwrap();
        assert_eq!(
            lines_of(&p),
            [(PartLineStatus::Reserved, 1), (PartLineStatus::Waiting, 2)],
            "{}: {p:?}",
            x.label
        );
        let (kept, rest) = (p.lines[0].line.clone(), p.lines[1].line.clone());
        assert_eq!(kept.id, first.id);
        assert_eq!(kept.reservation_id, first.reservation_id);
        assert_eq!(kept.issue_round, first.issue_round + 1);
        assert_eq!(rest.split_of, Some(first.id));
        assert_eq!(rest.reservation_id, None);
        assert_eq!(rest.created_at, first.created_at, "it keeps its place");
        assert!(noted(&kept, RESERVATION_SHRUNK), "{kept:?}");
        assert!(noted(&rest, RESERVATION_SHRUNK), "{rest:?}");
        assert_eq!(p.status, TicketStatus::WaitingForParts, "{}", x.label);
        assert_eq!(last_event(&x, id).await, ("wait_for_parts".into(), true));
        assert_eq!(avail(&x, x.p.warehouse_a, x.p.board).await, (1, 1));
        ledger_sound(&x).await;
        // Nothing more to do for the sweep; a retried request still matches its 3 units.
        x.app.parts_pickup_sweep().await.unwrap();
        let p = x
            .app
            .request_parts(&st, id, "req-1", &[line(x.p.board, 3)])
            .await
            .unwrap();
        assert_eq!(
            lines_of(&p),
            [(PartLineStatus::Reserved, 1), (PartLineStatus::Waiting, 2)],
            "{}",
            x.label
        );
        assert_eq!(p.lines[1].line.updated_at, rest.updated_at);

        // Two arrive: the waiting units are reserved and the ticket goes back on site.
        x.app
            .stock_in_sample(&x.p, x.p.warehouse_a, x.p.board, 2)
            .await
            .unwrap();
        let p = x.app.ticket_parts(&st, id).await.unwrap();
        assert_eq!(
            lines_of(&p),
            [(PartLineStatus::Reserved, 1), (PartLineStatus::Reserved, 2)],
            "{}",
            x.label
        );
        assert_eq!(p.status, TicketStatus::OnSite);
        assert_eq!(last_event(&x, id).await, ("parts_arrived".into(), true));
        assert_eq!(avail(&x, x.p.warehouse_a, x.p.board).await, (3, 3));

        // Issued and fitted: three units in all, each taken once.
        let p = x.app.issue_parts(&st, id).await.unwrap();
        assert_eq!(
            lines_of(&p),
            [(PartLineStatus::Issued, 1), (PartLineStatus::Issued, 2)],
            "{}",
            x.label
        );
        assert_eq!(avail(&x, x.p.warehouse_a, x.p.board).await, (0, 0));
        let p = x
            .app
            .complete_repair(
                &st,
                id,
                RepairCompletion {
                    actions_taken: "更换主板".into(),
                    fault_code: Some(x.w.fault.0),
                    labour_minutes: Some(40),
                    parts: p
                        .lines
                        .iter()
                        .map(|l| PartUse {
                            line_id: l.line.id,
                            used: l.line.qty,
                            returned: 0,
                        })
                        .collect(),
                },
            )
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", x.label));
        assert_eq!(p.status, TicketStatus::Completed);
        assert!(
            p.lines
                .iter()
                .all(|l| l.line.status == PartLineStatus::Settled),
            "{p:?}"
        );
        let used: i64 = p.lines.iter().map(|l| l.line.qty_used).sum();
        assert_eq!(used, 3);
        assert_eq!(ticket_units(&x, id).await, (3, 0, 0), "{}", x.label);
        assert_eq!(on_hand(&x, x.p.warehouse_a, x.p.board, "good").await, 0);
        ledger_sound(&x).await;
    }
}

#[tokio::test]
async fn a_shrunk_reservation_rejects_the_queued_issue_and_the_sweep_catches_up_a_missed_check() {
    for x in worlds_with_limit(2).await {
        x.app
            .stock_in_sample(&x.p, x.p.warehouse_a, x.p.board, 3)
            .await
            .unwrap();
        let id = on_site_ticket(&x, "QL-0271", out_of_warranty()).await;
        let st = user(&x.app, "station-a").await;
        let manager = user(&x.app, "manager").await;
        x.app
            .request_parts(&st, id, "req-1", &[line(x.p.board, 3)])
            .await
            .unwrap();
        // Three units are above the limit: the issue waits for a manager.
        let p = x.app.issue_parts(&st, id).await.unwrap();
        let first = only_line(&p).clone();
        let queued = first.approval_id.unwrap();
        // The stocktake's loss is committed by the ledger writer alone: nothing looked yet.
        stocktake_counts_by(&x, x.p.board, 1, false).await;
        let p = x.app.ticket_parts(&st, id).await.unwrap();
        assert_eq!(lines_of(&p), [(PartLineStatus::Reserved, 3)], "{}", x.label);
        // The sweep does: the line keeps the one unit held, two wait, and the queued issue of
        // three is rejected with the reason.
        x.app.parts_pickup_sweep().await.unwrap();
        let p = x.app.ticket_parts(&st, id).await.unwrap();
        assert_eq!(
            lines_of(&p),
            [(PartLineStatus::Reserved, 1), (PartLineStatus::Waiting, 2)],
            "{}: {p:?}",
            x.label
        );
        assert_eq!(p.lines[0].line.approval_id, None);
        assert_eq!(p.lines[0].line.reservation_id, first.reservation_id);
        let r = x.app.stock_approval(&manager, queued).await.unwrap();
        assert_eq!(r.status, "rejected", "{}", x.label);
        assert!(
            r.decision_note
                .as_deref()
                .unwrap_or("")
                .starts_with(RESERVATION_SHRUNK),
            "{r:?}"
        );
        assert_eq!(p.status, TicketStatus::WaitingForParts, "{}", x.label);
        assert_eq!(last_event(&x, id).await, ("wait_for_parts".into(), true));
        // A second sweep changes nothing.
        x.app.parts_pickup_sweep().await.unwrap();
        let again = x.app.ticket_parts(&st, id).await.unwrap();
        assert_eq!(lines_of(&again), lines_of(&p));
        assert_eq!(again.lines[1].line.updated_at, p.lines[1].line.updated_at);
        // The unit held is issued in a new request (one unit, within the limit), on the same
        // reservation; the missing two still wait.
        let p = x.app.issue_parts(&st, id).await.unwrap();
        assert_eq!(
            lines_of(&p),
            [(PartLineStatus::Issued, 1), (PartLineStatus::Waiting, 2)],
            "{}",
            x.label
        );
        assert_eq!(ticket_units(&x, id).await, (1, 0, 0));
        assert_eq!(avail(&x, x.p.warehouse_a, x.p.board).await, (0, 0));
        ledger_sound(&x).await;
    }
}

#[tokio::test]
async fn a_stocktake_loss_that_takes_the_whole_reservation_puts_the_line_back_in_the_queue() {
    for x in worlds().await {
        x.app
            .stock_in_sample(&x.p, x.p.warehouse_a, x.p.board, 2)
            .await
            .unwrap();
        let id = on_site_ticket(&x, "QL-0261", out_of_warranty()).await;
        let st = user(&x.app, "station-a").await;
        let p = x
            .app
            .request_parts(&st, id, "req-1", &[line(x.p.board, 2)])
            .await
            .unwrap();
        let first = only_line(&p).clone();
        // Nothing is left on the shelf: the reservation is released by the loss and the whole
        // line waits again, unsplit.
        stocktake_counts(&x, x.p.board, 0).await;
        let p = x.app.ticket_parts(&st, id).await.unwrap();
        let l = only_line(&p).clone();
        assert_eq!(
            (l.status, l.qty, l.reservation_id),
            (PartLineStatus::Waiting, 2, None),
            "{}: {l:?}",
            x.label
        );
        assert!(noted(&l, RESERVATION_RELEASED), "{l:?}");
        assert_eq!(l.created_at, first.created_at);
        assert_eq!(p.status, TicketStatus::WaitingForParts, "{}", x.label);
        assert_eq!(last_event(&x, id).await, ("wait_for_parts".into(), true));
        assert_eq!(avail(&x, x.p.warehouse_a, x.p.board).await, (0, 0));
        x.app
            .stock_in_sample(&x.p, x.p.warehouse_a, x.p.board, 2)
            .await
            .unwrap();
        let p = x.app.ticket_parts(&st, id).await.unwrap();
        assert_eq!(lines_of(&p), [(PartLineStatus::Reserved, 2)], "{}", x.label);
        assert_eq!(p.status, TicketStatus::OnSite);
        ledger_sound(&x).await;
    }
}

#[tokio::test]
async fn a_new_request_does_not_take_stock_ahead_of_an_older_waiting_line() {
    for x in worlds().await {
        let older = on_site_ticket(&x, "QL-0241", out_of_warranty()).await;
        let newer = on_site_ticket(&x, "QL-0242", out_of_warranty()).await;
        let st = user(&x.app, "station-a").await;
        x.app
            .request_parts(&st, older, "req-1", &[line(x.p.board, 1)])
            .await
            .unwrap();
        assert_eq!(status(&x, older).await, TicketStatus::WaitingForParts);
        x.clock.advance_minutes(5);
        // One unit comes in and its pick-up is missed: the older line still waits.
        stock_in_behind_the_back(&x, x.p.board, 1).await;
        // The newer ticket asks for the same part: the older line is served first.
        let p = x
            .app
            .request_parts(&st, newer, "req-1", &[line(x.p.board, 1)])
            .await
            .unwrap();
        assert_eq!(lines_of(&p), [(PartLineStatus::Waiting, 1)], "{}", x.label);
        assert_eq!(p.status, TicketStatus::WaitingForParts);
        let o = x.app.ticket_parts(&st, older).await.unwrap();
        assert_eq!(lines_of(&o), [(PartLineStatus::Reserved, 1)], "{}", x.label);
        assert_eq!(o.status, TicketStatus::OnSite);
        assert_eq!(last_event(&x, older).await, ("parts_arrived".into(), true));
        assert_eq!(avail(&x, x.p.warehouse_a, x.p.board).await, (1, 1));
        // The station's "parts arrived" on the newer ticket takes nothing either.
        let p = x.app.parts_arrived(&st, newer).await.unwrap();
        assert_eq!(lines_of(&p), [(PartLineStatus::Waiting, 1)]);
        // A third ticket asks after the newer one, and another unit's pick-up is missed: the
        // third's "parts arrived" serves the newer ticket first; the next unit is its own.
        let third = on_site_ticket(&x, "QL-0243", out_of_warranty()).await;
        x.clock.advance_minutes(5);
        x.app
            .request_parts(&st, third, "req-1", &[line(x.p.board, 1)])
            .await
            .unwrap();
        stock_in_behind_the_back(&x, x.p.board, 1).await;
        let p = x.app.parts_arrived(&st, third).await.unwrap();
        assert_eq!(lines_of(&p), [(PartLineStatus::Waiting, 1)], "{}", x.label);
        let n = x.app.ticket_parts(&st, newer).await.unwrap();
        assert_eq!(lines_of(&n), [(PartLineStatus::Reserved, 1)], "{}", x.label);
        assert_eq!(n.status, TicketStatus::OnSite);
        stock_in_behind_the_back(&x, x.p.board, 1).await;
        let p = x.app.parts_arrived(&st, third).await.unwrap();
        assert_eq!(lines_of(&p), [(PartLineStatus::Reserved, 1)]);
        assert_eq!(p.status, TicketStatus::OnSite);
        assert_eq!(last_event(&x, third).await, ("parts_arrived".into(), false));
        assert_eq!(avail(&x, x.p.warehouse_a, x.p.board).await, (3, 3));
        ledger_sound(&x).await;
    }
}

/// A ticket on site whose 3-unit board line waits for the manager's approval of its issue:
/// (ticket, approval, line).
async fn issue_waiting_for_approval(x: &World, serial: &str) -> (TicketId, i64, i64) {
    let id = on_site_ticket(x, serial, out_of_warranty()).await;
    let st = user(&x.app, "station-a").await;
    x.app
        .request_parts(&st, id, "req-1", &[line(x.p.board, 3)])
        .await
        .unwrap();
    let p = x.app.issue_parts(&st, id).await.unwrap();
    let l = only_line(&p);
    (id, l.approval_id.unwrap(), l.id)
}

async fn cancel(x: &World, id: TicketId) {
    act(
        x,
        "agent",
        id,
        TicketAction::Cancel {
            reason: "客户取消".into(),
        },
    )
    .await;
}

/// Units issued to the ticket and units returned from it, and how many returns.
async fn ticket_units(x: &World, id: TicketId) -> (i64, i64, usize) {
    let me = aftercare_store::stock::location_key(&aftercare_domain::stock::Location::Consumer {
        consumer: Consumer::Ticket(id),
    });
    let moves = x
        .app
        .stock_movements(
            &Actor::Cli,
            aftercare_app::stock::MovementFilter {
                warehouse: Some(x.p.warehouse_a),
                limit: 1_000,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let issued = moves
        .iter()
        .filter(|m| m.kind == "issue" && m.to_location == me)
        .map(|m| m.qty)
        .sum();
    let returns: Vec<_> = moves
        .iter()
        .filter(|m| m.kind == "return_unused" && m.from_location == me)
        .collect();
    (issued, returns.iter().map(|m| m.qty).sum(), returns.len())
}

/// The cancelled ticket holds no units: none issued, or all of them returned exactly once,
/// and its line is released or settled as all returned.
async fn nothing_left_on(x: &World, id: TicketId, line_id: i64) {
    assert_eq!(status(x, id).await, TicketStatus::Cancelled, "{}", x.label);
    let (issued, returned, returns) = ticket_units(x, id).await;
    assert_eq!(
        issued, returned,
        "{}: units left on the cancelled ticket",
        x.label
    );
    assert!(returns <= 1, "{}: returned {returns} times", x.label);
    let p = x.app.ticket_parts(&Actor::Cli, id).await.unwrap();
    let l = p.lines.iter().find(|l| l.line.id == line_id).unwrap();
    match l.line.status {
        PartLineStatus::Released => assert_eq!(issued, 0, "{}", x.label),
        PartLineStatus::Settled => {
            assert_eq!(
                (l.line.qty_used, l.line.qty_returned),
                (0, 3),
                "{}",
                x.label
            );
            assert_eq!(issued, 3);
        }
        other => panic!("{}: line left {other}", x.label),
    }
}

#[tokio::test]
async fn a_cancel_and_the_managers_approval_in_either_order_leave_nothing_issued() {
    for x in worlds_with_limit(2).await {
        x.app
            .stock_in_sample(&x.p, x.p.warehouse_a, x.p.board, 9)
            .await
            .unwrap();
        let manager = user(&x.app, "manager").await;

        // Cancel first: the queued issue is rejected, the approval then refused, nothing moves.
        let (a, qa, la) = issue_waiting_for_approval(&x, "QL-0251").await;
        cancel(&x, a).await;
        let e = x
            .app
            .approve_stock_approval(&manager, qa)
            .await
            .unwrap_err();
        assert!(
            matches!(&e, AppError::Conflict { code, .. } if code == "stock.approval_decided"),
            "{}: {e}",
            x.label
        );
        nothing_left_on(&x, a, la).await;
        assert_eq!(ticket_units(&x, a).await, (0, 0, 0));

        // Approved first: issued, then the cancel returns the units once.
        let (b, qb, lb) = issue_waiting_for_approval(&x, "QL-0252").await;
        x.app.approve_stock_approval(&manager, qb).await.unwrap();
        cancel(&x, b).await;
        nothing_left_on(&x, b, lb).await;
        assert_eq!(ticket_units(&x, b).await, (3, 3, 1));

        // The cancel lands while the manager's approval is under way: claimed, the ledger's
        // issue done under the approval's key, the decision not yet written. The cancel
        // cannot reject it and leaves the line to the approval, which returns the units
        // when it finds the ticket cancelled.
        let (c, qc, lc) = issue_waiting_for_approval(&x, "QL-0253").await;
        let mut tx = x.app.db.begin_write().await.unwrap();
        assert!(
            aftercare_store::stock::approvals::claim(&mut tx, qc, x.app.now())
                .await
                .unwrap()
        );
        tx.commit().await.unwrap();
        let row = x.app.stock_approval(&manager, qc).await.unwrap();
        let command: Command = serde_json::from_str(&row.command_json).unwrap();
        x.app
            .stock_execute(&manager, Some(&format!("stock-approval-{qc}")), command)
            .await
            .unwrap();
        cancel(&x, c).await;
        let d = x
            .app
            .approve_stock_approval(&manager, qc)
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", x.label));
        assert_eq!(d.approval.status, "approved");
        nothing_left_on(&x, c, lc).await;
        assert_eq!(ticket_units(&x, c).await, (3, 3, 1), "{}", x.label);

        // The approval under way finds the stock gone (its issue refused, it stays pending)
        // and its process stops before it gives the line up: the parts sweep releases it.
        let (d_id, qd, ld) = issue_waiting_for_approval(&x, "QL-0254").await;
        let mut tx = x.app.db.begin_write().await.unwrap();
        assert!(
            aftercare_store::stock::approvals::claim(&mut tx, qd, x.app.now())
                .await
                .unwrap()
        );
        tx.commit().await.unwrap();
        cancel(&x, d_id).await;
        let left = only_line(&x.app.ticket_parts(&Actor::Cli, d_id).await.unwrap()).clone();
        assert_eq!(
            left.status,
            PartLineStatus::Reserved,
            "{}: left to the approval",
            x.label
        );
        let mut tx = x.app.db.begin_write().await.unwrap();
        aftercare_store::stock::approvals::note_failure(&mut tx, qd, "stock.insufficient")
            .await
            .unwrap();
        tx.commit().await.unwrap();
        x.app.parts_pickup_sweep().await.unwrap();
        nothing_left_on(&x, d_id, ld).await;
        assert_eq!(
            x.app.stock_approval(&manager, qd).await.unwrap().status,
            "rejected"
        );

        // Approving again, retrying or sweeping returns nothing twice.
        for q in [qb, qc] {
            x.app.approve_stock_approval(&manager, q).await.unwrap();
        }
        x.app.parts_pickup_sweep().await.unwrap();
        assert_eq!(ticket_units(&x, b).await, (3, 3, 1));
        assert_eq!(ticket_units(&x, c).await, (3, 3, 1));
        assert_eq!(
            avail(&x, x.p.warehouse_a, x.p.board).await,
            (9, 0),
            "{}",
            x.label
        );
        assert_eq!(on_hand(&x, x.p.warehouse_a, x.p.board, "good").await, 9);
        ledger_sound(&x).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancel_racing_the_managers_approval_never_leaves_units_on_the_cancelled_ticket() {
    for x in worlds_with_limit(2).await {
        x.app
            .stock_in_sample(&x.p, x.p.warehouse_a, x.p.board, 30)
            .await
            .unwrap();
        let manager = user(&x.app, "manager").await;
        let agent = user(&x.app, "agent").await;
        let mut outcomes = Vec::new();
        for i in 0..6 {
            let (id, q, l) = issue_waiting_for_approval(&x, &format!("QL-03{i:02}")).await;
            let barrier = Arc::new(tokio::sync::Barrier::new(2));
            let (app, m, b) = (x.app.clone(), manager.clone(), barrier.clone());
            let approve = tokio::spawn(async move {
                b.wait().await;
                app.approve_stock_approval(&m, q).await.map(|_| ())
            });
            let (app, a, b) = (x.app.clone(), agent.clone(), barrier.clone());
            let cancel = tokio::spawn(async move {
                b.wait().await;
                app.act(
                    &a,
                    id,
                    TicketAction::Cancel {
                        reason: "客户取消".into(),
                    },
                    TicketExtras::default(),
                )
                .await
                .map(|_| ())
            });
            let (approved, cancelled) = (approve.await.unwrap(), cancel.await.unwrap());
            cancelled.unwrap_or_else(|e| panic!("{}: cancel: {e}", x.label));
            match &approved {
                Ok(()) => {}
                Err(AppError::Conflict { code, .. }) if code == "stock.approval_decided" => {}
                Err(e) => panic!("{}: approve: {e}", x.label),
            }
            nothing_left_on(&x, id, l).await;
            outcomes.push(approved.is_ok());
        }
        // Nothing was left for the sweep, and it returns nothing twice.
        let before = ticket_units_all(&x).await;
        x.app.parts_pickup_sweep().await.unwrap();
        assert_eq!(ticket_units_all(&x).await, before, "{}", x.label);
        assert_eq!(
            avail(&x, x.p.warehouse_a, x.p.board).await,
            (30, 0),
            "{}",
            x.label
        );
        eprintln!(
            "{}: approval calls that succeeded (their units issued, then returned by the rule): {outcomes:?}",
            x.label
        );
        ledger_sound(&x).await;
    }
}

/// Every issue and return movement at station A's warehouse.
async fn ticket_units_all(x: &World) -> Vec<(String, i64)> {
    x.app
        .stock_movements(
            &Actor::Cli,
            aftercare_app::stock::MovementFilter {
                warehouse: Some(x.p.warehouse_a),
                limit: 1_000,
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .into_iter()
        .filter(|m| m.kind == "issue" || m.kind == "return_unused")
        .map(|m| (m.kind, m.qty))
        .collect()
}

/// The manager's approval of `q` stops half-way: the row is claimed (and, with `ledger_ran`,
/// the ledger has applied the issue under the approval's key), but the decision is never
/// written — the process died.
async fn approval_stops_half_way(x: &World, manager: &Actor, q: i64, ledger_ran: bool) {
    let mut tx = x.app.db.begin_write().await.unwrap();
    assert!(
        aftercare_store::stock::approvals::claim(&mut tx, q, x.app.now())
            .await
            .unwrap()
    );
    tx.commit().await.unwrap();
    if ledger_ran {
        let row = x.app.stock_approval(manager, q).await.unwrap();
        let command: Command = serde_json::from_str(&row.command_json).unwrap();
        let r = x
            .app
            .stock_execute(manager, Some(&format!("stock-approval-{q}")), command)
            .await
            .unwrap();
        assert!(!r.replayed, "{}", x.label);
    }
}

/// A ticket's line, as it is now.
async fn line_now(x: &World, id: TicketId, line: i64) -> aftercare_app::tickets::PartLine {
    let p = x.app.ticket_parts(&Actor::Cli, id).await.unwrap();
    p.lines
        .iter()
        .find(|l| l.line.id == line)
        .unwrap()
        .line
        .clone()
}

/// Nine boards at warehouse A and the manager who decides approvals, with its user id.
async fn stocked_with_manager(x: &World) -> (Actor, i64) {
    x.app
        .stock_in_sample(&x.p, x.p.warehouse_a, x.p.board, 9)
        .await
        .unwrap();
    let manager = user(&x.app, "manager").await;
    let manager_id = manager.principal().unwrap().user_id.0;
    (manager, manager_id)
}

#[tokio::test]
async fn a_half_way_approval_on_an_open_ticket_is_pending_again_or_finished_after_the_timeout() {
    use aftercare_app::stock_approvals::{APPROVAL_CLAIM_TIMEOUT_MINUTES, CLAIM_RELEASED};
    for x in worlds_with_limit(2).await {
        let (manager, manager_id) = stocked_with_manager(&x).await;
        // (a) claimed, the ledger never ran the issue; (c) claimed, the ledger ran it.
        let (a, qa, la) = issue_waiting_for_approval(&x, "QL-0401").await;
        let (c, qc, lc) = issue_waiting_for_approval(&x, "QL-0402").await;
        approval_stops_half_way(&x, &manager, qa, false).await;
        approval_stops_half_way(&x, &manager, qc, true).await;
        assert_eq!(ticket_units(&x, c).await, (3, 0, 0), "{}", x.label);

        // A claim younger than the timeout may be an approval still running: left alone.
        x.clock.advance_minutes(APPROVAL_CLAIM_TIMEOUT_MINUTES - 1);
        x.app.parts_pickup_sweep().await.unwrap();
        for q in [qa, qc] {
            let row = x.app.stock_approval(&manager, q).await.unwrap();
            assert_eq!(row.status, "pending", "{}", x.label);
            assert!(row.approving_since.is_some(), "{}", x.label);
        }
        for (id, l) in [(a, la), (c, lc)] {
            let line = line_now(&x, id, l).await;
            assert_eq!(line.status, PartLineStatus::Reserved, "{}", x.label);
            assert!(line.approval_id.is_some(), "{}", x.label);
        }

        x.clock.advance_minutes(2);
        x.app.parts_pickup_sweep().await.unwrap();

        // (a) Nothing was issued: pending again, unclaimed, the line still awaiting it.
        let row = x.app.stock_approval(&manager, qa).await.unwrap();
        assert_eq!(
            (row.status.as_str(), row.approving_since),
            ("pending", None),
            "{}",
            x.label
        );
        assert_eq!(row.last_error.as_deref(), Some(CLAIM_RELEASED));
        let line = line_now(&x, a, la).await;
        assert_eq!(
            (line.status, line.approval_id),
            (PartLineStatus::Reserved, Some(qa)),
            "{}",
            x.label
        );
        assert_eq!(ticket_units(&x, a).await, (0, 0, 0), "{}", x.label);
        // ... so a manager approves it, and its units are issued once.
        let d = x.app.approve_stock_approval(&manager, qa).await.unwrap();
        assert_eq!(
            (d.approval.status.as_str(), d.replayed),
            ("approved", false)
        );
        assert_eq!(line_now(&x, a, la).await.status, PartLineStatus::Issued);
        assert_eq!(ticket_units(&x, a).await, (3, 0, 0), "{}", x.label);

        // (c) The ledger had issued it: approved with that outcome, by the manager whose run
        // it was, the line issued — and the units issued once.
        let row = x.app.stock_approval(&manager, qc).await.unwrap();
        assert_eq!(row.status, "approved", "{}", x.label);
        assert_eq!(row.decided_by, Some(manager_id), "{}", x.label);
        assert!(row.outcome_json.is_some() && row.approving_since.is_none());
        assert_eq!(line_now(&x, c, lc).await.status, PartLineStatus::Issued);
        let d = x.app.approve_stock_approval(&manager, qc).await.unwrap();
        assert!(d.replayed, "{}", x.label);
        assert_eq!(ticket_units(&x, c).await, (3, 0, 0), "{}", x.label);

        // Sweeping again finds nothing to recover and moves nothing.
        x.clock.advance_minutes(APPROVAL_CLAIM_TIMEOUT_MINUTES * 3);
        x.app.parts_pickup_sweep().await.unwrap();
        assert_eq!(
            x.app.recover_stalled_approvals().await.unwrap(),
            Default::default()
        );
        assert_eq!(ticket_units(&x, a).await, (3, 0, 0), "{}", x.label);
        assert_eq!(ticket_units(&x, c).await, (3, 0, 0), "{}", x.label);
        assert_eq!(
            avail(&x, x.p.warehouse_a, x.p.board).await,
            (3, 0),
            "{}",
            x.label
        );
        assert_eq!(on_hand(&x, x.p.warehouse_a, x.p.board, "good").await, 3);
        ledger_sound(&x).await;
    }
}

#[tokio::test]
async fn a_half_way_approval_on_a_cancelled_ticket_gives_its_line_up_after_the_timeout() {
    use aftercare_app::stock_approvals::{APPROVAL_CLAIM_TIMEOUT_MINUTES, STALLED_ON_ENDED_TICKET};
    for x in worlds_with_limit(2).await {
        x.app
            .stock_in_sample(&x.p, x.p.warehouse_a, x.p.board, 9)
            .await
            .unwrap();
        let manager = user(&x.app, "manager").await;
        // (b) claimed, the ledger never ran the issue, the ticket cancelled meanwhile; (e)
        // the same, but the ledger had issued the units.
        let (b, qb, lb) = issue_waiting_for_approval(&x, "QL-0411").await;
        let (e, qe, le) = issue_waiting_for_approval(&x, "QL-0412").await;
        approval_stops_half_way(&x, &manager, qb, false).await;
        approval_stops_half_way(&x, &manager, qe, true).await;
        cancel(&x, b).await;
        cancel(&x, e).await;
        // The cancels leave both lines to the approvals under way, which never come back.
        x.app.parts_pickup_sweep().await.unwrap();
        for (id, l) in [(b, lb), (e, le)] {
            assert_eq!(
                line_now(&x, id, l).await.status,
                PartLineStatus::Reserved,
                "{}",
                x.label
            );
        }
        // On the shelf: 9 less (e)'s 3 issued; (b)'s 3 still reserved.
        assert_eq!(
            avail(&x, x.p.warehouse_a, x.p.board).await,
            (6, 3),
            "{}",
            x.label
        );

        x.clock.advance_minutes(APPROVAL_CLAIM_TIMEOUT_MINUTES + 1);
        x.app.parts_pickup_sweep().await.unwrap();

        // (b) Rejected as the system with the reason, the line released, nothing issued.
        let row = x.app.stock_approval(&manager, qb).await.unwrap();
        assert_eq!(row.status, "rejected", "{}", x.label);
        assert_eq!(row.decision_note.as_deref(), Some(STALLED_ON_ENDED_TICKET));
        assert_eq!((row.decided_by, row.approving_since), (None, None));
        nothing_left_on(&x, b, lb).await;
        assert_eq!(ticket_units(&x, b).await, (0, 0, 0), "{}", x.label);
        let err = x
            .app
            .approve_stock_approval(&manager, qb)
            .await
            .unwrap_err();
        assert!(
            matches!(&err, AppError::Conflict { code, .. } if code == "stock.approval_decided"),
            "{}: {err}",
            x.label
        );

        // (e) The ledger had issued it: approved, and the units come back to the shelf once.
        assert_eq!(
            x.app.stock_approval(&manager, qe).await.unwrap().status,
            "approved",
            "{}",
            x.label
        );
        nothing_left_on(&x, e, le).await;
        assert_eq!(ticket_units(&x, e).await, (3, 3, 1), "{}", x.label);

        // Approving or sweeping again moves nothing; every unit is back on the shelf.
        x.app.approve_stock_approval(&manager, qe).await.unwrap();
        x.app.parts_pickup_sweep().await.unwrap();
        assert_eq!(ticket_units(&x, b).await, (0, 0, 0), "{}", x.label);
        assert_eq!(ticket_units(&x, e).await, (3, 3, 1), "{}", x.label);
        assert_eq!(
            avail(&x, x.p.warehouse_a, x.p.board).await,
            (9, 0),
            "{}",
            x.label
        );
        assert_eq!(on_hand(&x, x.p.warehouse_a, x.p.board, "good").await, 9);
        ledger_sound(&x).await;
    }
}

/// The manager's run of approval `q`'s stored issue under the approval's key, arriving late:
/// the call that claimed the approval was slow, not dead.
async fn late_run(
    x: &World,
    manager: &Actor,
    q: i64,
) -> Result<aftercare_app::stock::StockReceipt, AppError> {
    let row = x.app.stock_approval(manager, q).await.unwrap();
    let command: Command = serde_json::from_str(&row.command_json).unwrap();
    x.app
        .stock_execute(manager, Some(&format!("stock-approval-{q}")), command)
        .await
}

/// The refusal of a run under a fenced key (its message), or a panic.
fn fenced(x: &World, r: Result<aftercare_app::stock::StockReceipt, AppError>) -> String {
    match r {
        Err(AppError::Conflict { code, message }) if code == "stock.idempotency_key_fenced" => {
            message
        }
        other => panic!("{}: the late run was not refused: {other:?}", x.label),
    }
}

/// The audit entries about approval `q`, oldest first: (action, actor login, after).
async fn approval_audit(x: &World, q: i64) -> Vec<(String, String, serde_json::Value)> {
    let mut out: Vec<_> = aftercare_store::audit::list(
        &x.app.db,
        &aftercare_store::audit::AuditFilter {
            object_type: Some("stock_approval".into()),
            object_id: Some(q.to_string()),
            limit: 100,
            ..Default::default()
        },
    )
    .await
    .unwrap()
    .into_iter()
    .map(|e| (e.action, e.actor_login, e.after.unwrap_or_default()))
    .collect();
    out.reverse();
    out
}

/// How many audit entries the ledger wrote (one per applied command).
async fn ledger_audits(x: &World) -> usize {
    aftercare_store::audit::list(
        &x.app.db,
        &aftercare_store::audit::AuditFilter {
            object_type: Some("stock".into()),
            limit: 1_000,
            ..Default::default()
        },
    )
    .await
    .unwrap()
    .len()
}

#[tokio::test]
async fn a_slow_approval_run_after_the_sweep_rejected_it_is_refused_and_the_other_order_approves() {
    use aftercare_app::stock_approvals::{APPROVAL_CLAIM_TIMEOUT_MINUTES, STALLED_ON_ENDED_TICKET};
    for x in worlds_with_limit(2).await {
        let (manager, manager_id) = stocked_with_manager(&x).await;
        // Both approvals are claimed by a manager whose calls are slow (not dead), and both
        // tickets end meanwhile. (b) The sweep comes before the late run; (e) the late run
        // commits before the sweep.
        let (b, qb, lb) = issue_waiting_for_approval(&x, "QL-0421").await;
        let (e, qe, le) = issue_waiting_for_approval(&x, "QL-0422").await;
        approval_stops_half_way(&x, &manager, qb, false).await;
        approval_stops_half_way(&x, &manager, qe, false).await;
        cancel(&x, b).await;
        cancel(&x, e).await;
        x.clock.advance_minutes(APPROVAL_CLAIM_TIMEOUT_MINUTES + 1);
        let r = late_run(&x, &manager, qe).await.unwrap();
        assert!(!r.replayed, "{}", x.label);
        x.app.parts_pickup_sweep().await.unwrap();

        // (b) Rejected as the system, the line released, the key fenced.
        let row = x.app.stock_approval(&manager, qb).await.unwrap();
        assert_eq!(
            (row.status.as_str(), row.decision_note.as_deref()),
            ("rejected", Some(STALLED_ON_ENDED_TICKET)),
            "{}",
            x.label
        );
        nothing_left_on(&x, b, lb).await;
        let shelf = avail(&x, x.p.warehouse_a, x.p.board).await;
        let moves = ticket_units_all(&x).await;
        let audits = ledger_audits(&x).await;

        // ... so the late run is refused: nothing moves, nothing is reserved or released,
        // the ledger records nothing, and the approval stays rejected.
        let message = fenced(&x, late_run(&x, &manager, qb).await);
        assert!(
            message.contains(&format!("stock approval {qb} was rejected"))
                && message.contains(STALLED_ON_ENDED_TICKET),
            "{}: {message}",
            x.label
        );
        assert_eq!(avail(&x, x.p.warehouse_a, x.p.board).await, shelf);
        assert_eq!(ticket_units_all(&x).await, moves, "{}", x.label);
        assert_eq!(ledger_audits(&x).await, audits, "{}", x.label);
        assert_eq!(ticket_units(&x, b).await, (0, 0, 0), "{}", x.label);
        nothing_left_on(&x, b, lb).await;
        let after = x.app.stock_approval(&manager, qb).await.unwrap();
        assert_eq!(after, row, "{}", x.label);
        // The fence is no applied result, and approving again is the usual conflict.
        assert_eq!(
            aftercare_store::stock::approvals::applied_under_key(
                &x.app.db,
                &format!("stock-approval-{qb}")
            )
            .await
            .unwrap(),
            None
        );
        let err = x
            .app
            .approve_stock_approval(&manager, qb)
            .await
            .unwrap_err();
        assert!(
            matches!(&err, AppError::Conflict { code, .. } if code == "stock.approval_decided"),
            "{}: {err}",
            x.label
        );
        let trail = approval_audit(&x, qb).await;
        let actions: Vec<_> = trail
            .iter()
            .map(|(a, by, _)| (a.as_str(), by.as_str()))
            .collect();
        assert_eq!(
            actions,
            [
                ("stock.approval_request", "station-a"),
                ("stock.approval_reject", "system")
            ],
            "{}",
            x.label
        );
        assert_eq!(
            trail[1].2["fenced_key"],
            format!("stock-approval-{qb}"),
            "{}",
            x.label
        );

        // (e) The late run came first: the sweep finds its issue under the key and finishes
        // the approval as approved (never rejected), and the units come back once.
        let row = x.app.stock_approval(&manager, qe).await.unwrap();
        assert_eq!(
            (row.status.as_str(), row.decided_by),
            ("approved", Some(manager_id)),
            "{}",
            x.label
        );
        nothing_left_on(&x, e, le).await;
        assert_eq!(ticket_units(&x, e).await, (3, 3, 1), "{}", x.label);

        // Sweeping and approving again move nothing; every unit is back on the shelf.
        x.clock.advance_minutes(APPROVAL_CLAIM_TIMEOUT_MINUTES * 3);
        x.app.parts_pickup_sweep().await.unwrap();
        x.app.approve_stock_approval(&manager, qe).await.unwrap();
        assert_eq!(ticket_units(&x, b).await, (0, 0, 0), "{}", x.label);
        assert_eq!(ticket_units(&x, e).await, (3, 3, 1), "{}", x.label);
        assert_eq!(
            avail(&x, x.p.warehouse_a, x.p.board).await,
            (9, 0),
            "{}",
            x.label
        );
        assert_eq!(on_hand(&x, x.p.warehouse_a, x.p.board, "good").await, 9);
        ledger_sound(&x).await;
    }
}

/// Wait until the ledger's write of the group's Idempotency-Keys waits for a lock on this
/// PostgreSQL database (behind the test's open transaction, which holds the fence).
async fn the_key_insert_waits(x: &World) {
    let aftercare_store::Db::Postgres(pool) = &x.app.db else {
        // SQLite: the writer waits for the open write transaction's lock to begin its own.
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        return;
    };
    for _ in 0..200 {
        let waiting: Vec<String> = sqlx::query_scalar(
            "SELECT query FROM pg_stat_activity \
             WHERE datname = current_database() AND wait_event_type = 'Lock'",
        )
        .fetch_all(pool)
        .await
        .unwrap();
        if let Some(q) = waiting.first() {
            assert!(
                q.contains("INSERT INTO stock_idempotency"),
                "{}: waits in {q}",
                x.label
            );
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("{}: the late run never waited for the fence", x.label);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fence_committed_while_the_slow_run_is_in_the_ledger_still_refuses_it() {
    use aftercare_app::stock_approvals::{APPROVAL_CLAIM_TIMEOUT_MINUTES, STALLED_ON_ENDED_TICKET};
    for x in worlds_with_limit(2).await {
        x.app
            .stock_in_sample(&x.p, x.p.warehouse_a, x.p.board, 9)
            .await
            .unwrap();
        let manager = user(&x.app, "manager").await;
        let (b, qb, lb) = issue_waiting_for_approval(&x, "QL-0425").await;
        approval_stops_half_way(&x, &manager, qb, false).await;
        cancel(&x, b).await;
        x.clock.advance_minutes(APPROVAL_CLAIM_TIMEOUT_MINUTES + 1);
        let row = x.app.stock_approval(&manager, qb).await.unwrap();
        let command: Command = serde_json::from_str(&row.command_json).unwrap();

        // The sweep's rejection is written but not committed when the late run reaches the
        // ledger: the run reads no fence under its key, applies the issue in memory, and
        // (PostgreSQL) its key insert waits for the sweep's transaction.
        let mut tx = x.app.db.begin_write().await.unwrap();
        assert!(
            aftercare_store::stock::approvals::reject_stalled(
                &mut tx,
                qb,
                row.approving_since.unwrap(),
                STALLED_ON_ENDED_TICKET,
                x.app.now(),
            )
            .await
            .unwrap()
        );
        let (app, m) = (x.app.clone(), manager.clone());
        let run = tokio::spawn(async move {
            app.stock_execute(&m, Some(&format!("stock-approval-{qb}")), command)
                .await
        });
        the_key_insert_waits(&x).await;
        tx.commit().await.unwrap();
        // PostgreSQL: the insert then meets the fence, the group fails as a whole, and the
        // writer's retry of the command on its own reads the fence and refuses it.
        fenced(&x, run.await.unwrap());

        // Nothing was issued; the approval stays rejected and the sweep releases the line.
        assert_eq!(ticket_units(&x, b).await, (0, 0, 0), "{}", x.label);
        assert_eq!(
            x.app.stock_approval(&manager, qb).await.unwrap().status,
            "rejected"
        );
        x.app.parts_pickup_sweep().await.unwrap();
        nothing_left_on(&x, b, lb).await;
        assert_eq!(ticket_units(&x, b).await, (0, 0, 0), "{}", x.label);
        assert_eq!(
            avail(&x, x.p.warehouse_a, x.p.board).await,
            (9, 0),
            "{}",
            x.label
        );
        ledger_sound(&x).await;
    }
}

#[tokio::test]
async fn a_slow_run_after_its_claim_was_given_up_is_approved_unless_a_rejection_fenced_it() {
    use aftercare_app::stock_approvals::{APPROVAL_CLAIM_TIMEOUT_MINUTES, CLAIM_RELEASED};
    for x in worlds_with_limit(2).await {
        let (manager, manager_id) = stocked_with_manager(&x).await;
        // Three slow approvals on open tickets: the sweep gives their claims up.
        let (f, qf, lf) = issue_waiting_for_approval(&x, "QL-0431").await;
        let (g, qg, lg) = issue_waiting_for_approval(&x, "QL-0432").await;
        let (h, qh, lh) = issue_waiting_for_approval(&x, "QL-0433").await;
        for q in [qf, qg, qh] {
            approval_stops_half_way(&x, &manager, q, false).await;
        }
        x.clock.advance_minutes(APPROVAL_CLAIM_TIMEOUT_MINUTES + 1);
        x.app.parts_pickup_sweep().await.unwrap();
        for q in [qf, qg, qh] {
            let row = x.app.stock_approval(&manager, q).await.unwrap();
            assert_eq!(
                (row.status.as_str(), row.last_error.as_deref()),
                ("pending", Some(CLAIM_RELEASED)),
                "{}",
                x.label
            );
        }

        // (f) The late run applies after the release: a manager's rejection then finds the
        // issue under the key and does not happen; the sweep records the approval as approved.
        late_run(&x, &manager, qf).await.unwrap();
        let err = x
            .app
            .reject_stock_approval(&manager, qf, "不需要了")
            .await
            .unwrap_err();
        assert!(
            matches!(&err, AppError::Conflict { code, message }
                if code == "stock.approval_in_progress" && message.contains("issued")),
            "{}: {err}",
            x.label
        );
        assert_eq!(
            x.app.stock_approval(&manager, qf).await.unwrap().status,
            "pending"
        );

        // (g) A manager rejects first: the key is fenced, the late run refused, the line stays
        // reserved with the reason.
        x.app
            .reject_stock_approval(&manager, qg, "不需要了")
            .await
            .unwrap();
        fenced(&x, late_run(&x, &manager, qg).await);
        assert_eq!(ticket_units(&x, g).await, (0, 0, 0), "{}", x.label);
        let line = line_now(&x, g, lg).await;
        assert_eq!(
            (line.status, line.approval_id),
            (PartLineStatus::Reserved, None),
            "{}",
            x.label
        );

        // (h) The late run applies, then the ticket is cancelled: the cancel cannot reject the
        // issued approval and leaves the line to it.
        late_run(&x, &manager, qh).await.unwrap();
        cancel(&x, h).await;
        assert_eq!(
            x.app.stock_approval(&manager, qh).await.unwrap().status,
            "pending",
            "{}",
            x.label
        );

        // The sweep finishes (f) and (h) as approved by the manager whose run issued them; (f)
        // is issued, (h)'s units come back once.
        let done = x.app.recover_stalled_approvals().await.unwrap();
        assert_eq!(
            (done.approved, done.released, done.rejected),
            (2, 0, 0),
            "{}",
            x.label
        );
        x.app.parts_pickup_sweep().await.unwrap();
        for q in [qf, qh] {
            let row = x.app.stock_approval(&manager, q).await.unwrap();
            assert_eq!(
                (row.status.as_str(), row.decided_by),
                ("approved", Some(manager_id)),
                "{}",
                x.label
            );
        }
        assert_eq!(line_now(&x, f, lf).await.status, PartLineStatus::Issued);
        assert_eq!(ticket_units(&x, f).await, (3, 0, 0), "{}", x.label);
        nothing_left_on(&x, h, lh).await;
        assert_eq!(ticket_units(&x, h).await, (3, 3, 1), "{}", x.label);
        let actions: Vec<_> = approval_audit(&x, qf)
            .await
            .into_iter()
            .map(|(a, by, _)| (a, by))
            .collect();
        assert_eq!(
            actions.last(),
            Some(&("stock.approval_recovered".to_string(), "system".to_string())),
            "{}",
            x.label
        );

        // Nothing more to recover; (f)'s 3 issued, (g)'s 3 still reserved, (h)'s back.
        assert_eq!(
            x.app.recover_stalled_approvals().await.unwrap(),
            Default::default()
        );
        assert_eq!(
            avail(&x, x.p.warehouse_a, x.p.board).await,
            (6, 3),
            "{}",
            x.label
        );
        ledger_sound(&x).await;
    }
}

/// Poll `check` every 20 ms for up to 10 s.
async fn eventually<F: std::future::Future<Output = bool>>(
    what: &str,
    mut check: impl FnMut() -> F,
) {
    for _ in 0..500 {
        if check().await {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!("never happened: {what}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_managers_approval_stuck_behind_the_ledger_is_refused_once_the_sweep_rejected_it() {
    use aftercare_app::stock_approvals::APPROVAL_CLAIM_TIMEOUT_MINUTES;
    use std::time::Duration;
    for x in worlds_with_limit(2).await {
        // Only PostgreSQL can hold the ledger (its row lock) while other writes go on; on
        // SQLite holding the ledger holds every writer.
        let aftercare_store::Db::Postgres(pool) = &x.app.db else {
            continue;
        };
        x.app
            .stock_in_sample(&x.p, x.p.warehouse_a, x.p.board, 9)
            .await
            .unwrap();
        let manager = user(&x.app, "manager").await;
        let (b, qb, lb) = issue_waiting_for_approval(&x, "QL-0441").await;

        // The manager's approval claims the request, then its issue waits for the ledger.
        let mut ledger_lock = pool.begin().await.unwrap();
        sqlx::query("SELECT version FROM stock_ledger WHERE id = 1 FOR UPDATE")
            .execute(&mut *ledger_lock)
            .await
            .unwrap();
        let (app, m) = (x.app.clone(), manager.clone());
        let approve = tokio::spawn(async move { app.approve_stock_approval(&m, qb).await });
        eventually("the approval claimed", || async {
            x.app
                .stock_approval(&manager, qb)
                .await
                .unwrap()
                .approving_since
                .is_some()
        })
        .await;

        // The ticket ends (the line is left to the approval under way), the claim grows
        // older than the timeout, and the sweep rejects the approval as the system.
        tokio::time::timeout(Duration::from_secs(20), cancel(&x, b))
            .await
            .expect("the cancel waited for the ledger");
        x.clock.advance_minutes(APPROVAL_CLAIM_TIMEOUT_MINUTES + 1);
        let app = x.app.clone();
        let sweep = tokio::spawn(async move { app.recover_stalled_approvals().await });
        eventually("the approval rejected", || async {
            x.app.stock_approval(&manager, qb).await.unwrap().status == "rejected"
        })
        .await;

        // The ledger goes on: the manager's issue is refused by the fence and the call answers
        // that the approval was decided; nothing was issued.
        ledger_lock.rollback().await.unwrap();
        let err = tokio::time::timeout(Duration::from_secs(20), approve)
            .await
            .unwrap()
            .unwrap()
            .unwrap_err();
        assert!(
            matches!(&err, AppError::Conflict { code, message }
                if code == "stock.approval_decided" && message.contains("rejected")),
            "{}: {err}",
            x.label
        );
        let done = sweep.await.unwrap().unwrap();
        assert_eq!(done.rejected, 1, "{}", x.label);
        let row = x.app.stock_approval(&manager, qb).await.unwrap();
        assert_eq!(
            (row.status.as_str(), row.decided_by),
            ("rejected", None),
            "{}",
            x.label
        );
        nothing_left_on(&x, b, lb).await;
        assert_eq!(ticket_units(&x, b).await, (0, 0, 0), "{}", x.label);
        let actions: Vec<_> = approval_audit(&x, qb)
            .await
            .into_iter()
            .map(|(a, by, _)| (a, by))
            .collect();
        assert_eq!(
            actions,
            [
                (
                    "stock.approval_request".to_string(),
                    "station-a".to_string()
                ),
                ("stock.approval_reject".to_string(), "system".to_string())
            ],
            "{}",
            x.label
        );
        assert_eq!(
            avail(&x, x.p.warehouse_a, x.p.board).await,
            (9, 0),
            "{}",
            x.label
        );
        ledger_sound(&x).await;
    }
}
