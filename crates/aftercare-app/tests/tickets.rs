//! Ticket use cases on real databases (SQLite always, PostgreSQL when configured): the whole
//! hotline-to-callback flow, illegal transitions, warranty, SLA per tier and the sweeps,
//! accept timeout, repeat repairs, dispatch ranking and the station tenancy rule.

use aftercare_app::access::principal_of;
use aftercare_app::tickets::{IntakeRequest, SampleWorld};
use aftercare_app::{Actor, App, AppConfig, AppError, FixedClock};
use aftercare_domain::customer::{AddressInput, CustomerInput, PurchaseChannel, UnitInput};
use aftercare_domain::ticket::{
    Appointment, CallbackOutcome, Channel, Completion, Priority, Satisfaction, TicketAction,
    TicketInput, TicketStatus, TicketType,
};
use aftercare_domain::warranty::WarrantyStatus;
use aftercare_domain::{CustomerId, Instant, ProductModelId, RegionId, UnitId};
use aftercare_store::testing::{TestDb, each_backend};
use aftercare_store::tickets::{TicketExtras, TicketFilter, TicketRecord};
use chrono::NaiveDate;
use std::sync::Arc;

/// 2026-11-22 10:00 in Beijing.
const T0: i64 = 1_795_312_800_000;
const MIN: i64 = 60_000;
const HOUR: i64 = 60 * MIN;
const DAY: i64 = 24 * HOUR;

struct World {
    app: App,
    clock: Arc<FixedClock>,
    w: SampleWorld,
    label: &'static str,
    _t: TestDb,
}

async fn worlds() -> Vec<World> {
    let mut out = Vec::new();
    for t in each_backend().await.unwrap() {
        let clock = Arc::new(FixedClock::new(Instant(T0)));
        let app = App::with_clock(t.db.clone(), AppConfig::default(), clock.clone());
        let w = app.seed_ticket_sample().await.unwrap();
        out.push(World {
            app,
            clock,
            w,
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

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// A customer in `region` with one unit of `model` bought on `bought`.
async fn customer_with_unit(
    x: &World,
    phone: &str,
    serial: &str,
    region: RegionId,
    model: ProductModelId,
    bought: Option<NaiveDate>,
) -> (CustomerId, UnitId) {
    let agent = user(&x.app, "agent").await;
    let c = x
        .app
        .create_customer(
            &agent,
            CustomerInput {
                name: "张三".into(),
                phones: vec![phone.into()],
                addresses: vec![AddressInput {
                    region,
                    detail: "春熙路 8 号 3 单元 502".into(),
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
                model,
                purchase_date: bought,
                purchase_channel: Some(PurchaseChannel::EShop),
                production_batch: Some("B2025-07".into()),
            },
        )
        .await
        .unwrap();
    (c.id, u.id)
}

fn repair(description: &str) -> TicketInput {
    TicketInput {
        ticket_type: TicketType::Repair,
        channel: Channel::Hotline,
        priority: Priority::Normal,
        fault_description: description.into(),
        fault_code: None,
    }
}

async fn intake(x: &World, customer: CustomerId, unit: UnitId, auto: bool) -> TicketRecord {
    let agent = user(&x.app, "agent").await;
    x.app
        .intake(
            &agent,
            IntakeRequest {
                customer,
                unit,
                address: None,
                input: repair("开机黑屏，有声音无图像"),
                auto_dispatch: auto,
            },
        )
        .await
        .unwrap()
}

async fn act(x: &World, login: &str, t: &TicketRecord, a: TicketAction) -> TicketRecord {
    let actor = user(&x.app, login).await;
    x.app
        .act(&actor, t.id, a, TicketExtras::default())
        .await
        .unwrap_or_else(|e| panic!("{}: {login} on {}: {e}", x.label, t.number))
}

fn slot(x: &World, from_now_h: i64) -> Appointment {
    let now = x.app.now().0;
    Appointment::new(
        Instant(now + from_now_h * HOUR),
        Instant(now + (from_now_h + 2) * HOUR),
    )
    .unwrap()
}

fn callback(fixed: bool, score: u8, false_completion: bool) -> TicketAction {
    TicketAction::Callback(CallbackOutcome {
        fixed,
        satisfaction: Satisfaction::new(score).unwrap(),
        comments: "客户反馈".into(),
        false_completion,
    })
}

#[tokio::test]
async fn the_hotline_to_callback_flow_runs_across_roles_with_a_full_timeline() {
    for x in worlds().await {
        let (c, u) = customer_with_unit(
            &x,
            "+86 138-0013-8000",
            "qlx55a-0001",
            x.w.urban,
            x.w.model,
            Some(date(2026, 6, 1)),
        )
        .await;
        let agent = user(&x.app, "agent").await;
        // Found by any spelling of the phone and by the serial in lower case.
        for q in [
            "13800138000",
            "138 0013 8000",
            "+8613800138000",
            "QLX55A-0001",
        ] {
            let found = x.app.find_customers(&agent, q).await.unwrap();
            assert_eq!(found.len(), 1, "{}: {q}", x.label);
            assert_eq!(found[0].customer.id, c);
            assert_eq!(found[0].units[0].warranty.status, WarrantyStatus::In);
        }
        let t = intake(&x, c, u, false).await;
        assert!(t.number.starts_with("T20261122-"), "{}", t.number);
        assert_eq!(t.state.status, TicketStatus::New);
        assert_eq!(t.warranty_status, WarrantyStatus::In);
        assert!(
            t.warranty_reason.starts_with("in warranty"),
            "{}",
            t.warranty_reason
        );
        assert_eq!(t.deadlines.first_response, Instant(T0 + 30 * MIN));
        assert_eq!(t.deadlines.on_site, Instant(T0 + DAY));

        let dispatcher = user(&x.app, "dispatcher").await;
        let s = x.app.dispatch_suggestions(&dispatcher, t.id).await.unwrap();
        assert_eq!(s.ranked[0].station, x.w.station_a, "higher score first");
        assert_eq!(s.ranked[1].station, x.w.station_b);
        let queue = x.app.dispatch_queue(&dispatcher).await.unwrap();
        assert!(queue.iter().any(|q| q.id == t.id));

        x.clock.advance_minutes(5);
        let t = act(
            &x,
            "dispatcher",
            &t,
            TicketAction::Dispatch {
                station: x.w.station_a,
            },
        )
        .await;
        assert_eq!(t.state.status, TicketStatus::Dispatched);
        x.clock.advance_minutes(5);
        let t = act(&x, "station-a", &t, TicketAction::Accept).await;
        let t = act(
            &x,
            "station-a",
            &t,
            TicketAction::AssignTechnician {
                technician: x.w.tech_a,
            },
        )
        .await;
        x.clock.advance_minutes(5);
        let t = act(
            &x,
            "tech-a",
            &t,
            TicketAction::Schedule {
                appointment: slot(&x, 3),
            },
        )
        .await;
        assert_eq!(
            t.state.milestones.first_response_at,
            Some(Instant(T0 + 15 * MIN))
        );
        let jobs = x.app.my_jobs(&user(&x.app, "tech-a").await).await.unwrap();
        assert_eq!(jobs.len(), 1);
        assert!(
            x.app
                .my_jobs(&user(&x.app, "tech-b").await)
                .await
                .unwrap()
                .is_empty()
        );
        x.clock.advance_minutes(180);
        let t = act(&x, "tech-a", &t, TicketAction::Arrive).await;
        let t = act(&x, "tech-a", &t, TicketAction::WaitForParts).await;
        assert_eq!(t.state.status, TicketStatus::WaitingForParts);
        x.clock.advance_minutes(60 * 20);
        let t = act(&x, "station-a", &t, TicketAction::PartsArrived).await;
        let actor = user(&x.app, "tech-a").await;
        let t = x
            .app
            .act(
                &actor,
                t.id,
                TicketAction::Complete(Completion {
                    actions_taken: "更换电源板".into(),
                    fault_code: Some(x.w.fault),
                }),
                TicketExtras {
                    actions_taken: Some("更换电源板".into()),
                    labour_minutes: Some(45),
                },
            )
            .await
            .unwrap();
        assert_eq!(t.state.status, TicketStatus::Completed);
        assert_eq!(t.state.fault_code, Some(x.w.fault));
        let cbq = x.app.callback_queue(&agent).await.unwrap();
        assert_eq!(cbq.iter().map(|q| q.id).collect::<Vec<_>>(), vec![t.id]);

        // Not fixed: back to the same station as accepted, false completion counted.
        x.clock.advance_minutes(60);
        let t = act(&x, "agent", &t, callback(false, 1, true)).await;
        assert_eq!(t.state.status, TicketStatus::Accepted);
        assert_eq!(t.state.station, Some(x.w.station_a));
        assert_eq!(t.state.false_completions, 1);
        assert_eq!(
            aftercare_store::tickets::false_completions_of(&x.app.db, x.w.station_a)
                .await
                .unwrap(),
            1
        );
        let t = act(
            &x,
            "station-a",
            &t,
            TicketAction::Schedule {
                appointment: slot(&x, 1),
            },
        )
        .await;
        x.clock.advance_minutes(60);
        let t = act(&x, "tech-a", &t, TicketAction::Arrive).await;
        let t = act(
            &x,
            "tech-a",
            &t,
            TicketAction::Complete(Completion {
                actions_taken: "重新焊接排线".into(),
                fault_code: None,
            }),
        )
        .await;
        let t = act(&x, "agent", &t, callback(true, 5, false)).await;
        assert_eq!(t.state.status, TicketStatus::CallbackDone);
        let t = act(&x, "agent", &t, TicketAction::Close).await;
        assert_eq!(t.state.status, TicketStatus::Closed);

        let detail = x.app.ticket(&agent, t.id).await.unwrap();
        let actions: Vec<&str> = detail.timeline.iter().map(|e| e.action.as_str()).collect();
        assert_eq!(
            actions,
            [
                "create",
                "dispatch",
                "accept",
                "assign_technician",
                "schedule",
                "arrive",
                "wait_for_parts",
                "parts_arrived",
                "complete",
                "callback",
                "schedule",
                "arrive",
                "complete",
                "callback",
                "close"
            ],
            "{}",
            x.label
        );
        assert!(detail.timeline.iter().all(|e| e.actor_login.is_some()));
        assert_eq!(detail.ticket.labour_minutes, Some(45));
        // Completion came after the 72 h urban completion deadline? No: within; on-site met.
        assert!(detail.breaches.is_empty(), "{:?}", detail.breaches);
        let audit = x
            .app
            .audit_log(
                &Actor::Cli,
                aftercare_store::audit::AuditFilter {
                    object_type: Some("ticket".into()),
                    object_id: Some(t.id.to_string()),
                    limit: 100,
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(audit.len(), 15, "every change is audited");
    }
}

#[tokio::test]
async fn illegal_transitions_name_the_current_status_and_the_allowed_actions() {
    for x in worlds().await {
        let (c, u) = customer_with_unit(
            &x,
            "13800000001",
            "SN-ILLEGAL-1",
            x.w.urban,
            x.w.model,
            None,
        )
        .await;
        let t = intake(&x, c, u, false).await;
        let station = user(&x.app, "admin").await;
        let err = x
            .app
            .act(
                &station,
                t.id,
                TicketAction::Accept,
                TicketExtras::default(),
            )
            .await
            .unwrap_err();
        match err {
            AppError::Conflict { code, message } => {
                assert_eq!(code, "ticket.invalid_transition");
                assert_eq!(
                    message,
                    "cannot accept a ticket that is new; allowed: dispatch, resolve, cancel"
                );
            }
            other => panic!("{}: {other:?}", x.label),
        }
        // A role that may never do it is refused as forbidden.
        let agent = user(&x.app, "agent").await;
        let err = x
            .app
            .act(
                &agent,
                t.id,
                TicketAction::Dispatch {
                    station: x.w.station_a,
                },
                TicketExtras::default(),
            )
            .await
            .unwrap_err();
        assert!(matches!(err, AppError::Forbidden { .. }), "{err:?}");
        // Cancel needs a reason; with one it is final.
        let err = x
            .app
            .act(
                &agent,
                t.id,
                TicketAction::Cancel { reason: " ".into() },
                TicketExtras::default(),
            )
            .await
            .unwrap_err();
        assert!(matches!(err, AppError::Invalid(_)));
        let t = act(
            &x,
            "agent",
            &t,
            TicketAction::Cancel {
                reason: "客户已自行修好".into(),
            },
        )
        .await;
        assert_eq!(t.state.status, TicketStatus::Cancelled);
        let err = x
            .app
            .act(
                &agent,
                t.id,
                TicketAction::Reopen {
                    reason: "again".into(),
                },
                TicketExtras::default(),
            )
            .await
            .unwrap_err();
        assert!(
            err.to_string().contains("nothing (the ticket is final)"),
            "{err}"
        );
        // Nothing changed by the refused attempts.
        let detail = x.app.ticket(&agent, t.id).await.unwrap();
        assert_eq!(detail.timeline.len(), 2);
    }
}

#[tokio::test]
async fn a_rejection_needs_a_reason_and_returns_the_ticket_to_the_dispatcher() {
    for x in worlds().await {
        let (c, u) =
            customer_with_unit(&x, "13800000002", "SN-REJ-1", x.w.urban, x.w.model, None).await;
        let t = intake(&x, c, u, true).await;
        assert_eq!(t.state.status, TicketStatus::Dispatched, "auto-dispatched");
        assert_eq!(t.state.station, Some(x.w.station_a), "top-ranked station");
        let a = user(&x.app, "station-a").await;
        let err = x
            .app
            .act(
                &a,
                t.id,
                TicketAction::Reject { reason: "".into() },
                TicketExtras::default(),
            )
            .await
            .unwrap_err();
        assert!(matches!(err, AppError::Invalid(_)));
        let t = act(
            &x,
            "station-a",
            &t,
            TicketAction::Reject {
                reason: "技师全部外出".into(),
            },
        )
        .await;
        assert_eq!(t.state.status, TicketStatus::Returned);
        assert_eq!(t.state.station, None);
        assert_eq!(t.state.return_reason.as_deref(), Some("技师全部外出"));
        // The station no longer sees it.
        assert!(matches!(
            x.app.ticket(&a, t.id).await,
            Err(AppError::NotFound { .. })
        ));
        let d = user(&x.app, "dispatcher").await;
        assert!(
            x.app
                .dispatch_queue(&d)
                .await
                .unwrap()
                .iter()
                .any(|q| q.id == t.id)
        );
        let t = x.app.auto_dispatch(&d, t.id).await.unwrap();
        assert_eq!(t.state.station, Some(x.w.station_a));
    }
}

/// The open load a suggestion shows for a station.
async fn load_of(x: &World, t: &TicketRecord, station: aftercare_domain::StationId) -> u32 {
    let d = user(&x.app, "dispatcher").await;
    let s = x.app.dispatch_suggestions(&d, t.id).await.unwrap();
    s.ranked
        .iter()
        .find(|r| r.station == station)
        .map(|r| r.open_load)
        .unwrap_or_else(|| panic!("{}: station {station} not suggested", x.label))
}

#[tokio::test]
async fn dispatch_ranking_counts_the_tickets_a_station_holds_through_dispatch_reject_and_cancel() {
    for x in worlds().await {
        let (a, b) = (x.w.station_a, x.w.station_b);
        let mut held = Vec::new();
        for i in 0..3 {
            let (c, u) = customer_with_unit(
                &x,
                &format!("1380000010{i}"),
                &format!("SN-LOAD-{i}"),
                x.w.urban,
                x.w.model,
                None,
            )
            .await;
            held.push(intake(&x, c, u, false).await);
        }
        let probe = held.pop().unwrap();
        assert_eq!(
            (load_of(&x, &probe, a).await, load_of(&x, &probe, b).await),
            (0, 0)
        );
        let mut t = Vec::new();
        for h in &held {
            t.push(act(&x, "dispatcher", h, TicketAction::Dispatch { station: a }).await);
        }
        assert_eq!(load_of(&x, &probe, a).await, 2, "{}", x.label);
        // Accepting keeps the ticket held: no change.
        t[0] = act(&x, "station-a", &t[0], TicketAction::Accept).await;
        assert_eq!(load_of(&x, &probe, a).await, 2, "{}", x.label);
        t[1] = act(
            &x,
            "station-a",
            &t[1],
            TicketAction::Reject {
                reason: "技师全部外出".into(),
            },
        )
        .await;
        assert_eq!(load_of(&x, &probe, a).await, 1, "{}", x.label);
        t[1] = act(
            &x,
            "dispatcher",
            &t[1],
            TicketAction::Dispatch { station: b },
        )
        .await;
        assert_eq!(
            (load_of(&x, &probe, a).await, load_of(&x, &probe, b).await),
            (1, 1),
            "{}",
            x.label
        );
        act(
            &x,
            "dispatcher",
            &t[0],
            TicketAction::Cancel {
                reason: "客户已自行修好".into(),
            },
        )
        .await;
        assert_eq!(
            (load_of(&x, &probe, a).await, load_of(&x, &probe, b).await),
            (0, 1),
            "{}",
            x.label
        );
        let drift = aftercare_store::tickets::open_load_drift(&x.app.db)
            .await
            .unwrap();
        assert!(drift.is_empty(), "{}: {drift:?}", x.label);
    }
}

#[tokio::test]
async fn an_unaccepted_ticket_returns_to_the_dispatcher_after_the_timeout() {
    for x in worlds().await {
        let (c, u) = customer_with_unit(
            &x,
            "13800000003",
            "SN-TIMEOUT-1",
            x.w.urban,
            x.w.model,
            None,
        )
        .await;
        let t = intake(&x, c, u, true).await;
        x.clock.advance_minutes(29);
        let r = x.app.accept_timeout_sweep().await.unwrap();
        assert_eq!(r.returned, 0, "{}", x.label);
        x.clock.advance_minutes(1);
        let r = x.app.accept_timeout_sweep().await.unwrap();
        assert_eq!(r.returned, 1, "{}: exactly at the deadline", x.label);
        let d = user(&x.app, "dispatcher").await;
        let detail = x.app.ticket(&d, t.id).await.unwrap();
        assert_eq!(detail.ticket.state.status, TicketStatus::Returned);
        let last = detail.timeline.last().unwrap();
        assert_eq!(last.action, "accept_timeout");
        assert_eq!(last.actor_id, None, "the system");
        assert_eq!(
            last.station_id,
            Some(x.w.station_a),
            "counted against the station"
        );
        assert_eq!(x.app.accept_timeout_sweep().await.unwrap().returned, 0);
    }
}

#[tokio::test]
async fn sla_deadlines_follow_the_tier_and_the_sweep_flags_risk_then_records_breaches() {
    for x in worlds().await {
        let (c, u) =
            customer_with_unit(&x, "13800000004", "SN-SLA-1", x.w.township, x.w.model, None).await;
        let t = intake(&x, c, u, false).await;
        assert_eq!(
            t.deadlines.on_site,
            Instant(T0 + 48 * HOUR),
            "township: 48 h"
        );
        assert_eq!(t.deadlines.completion, Instant(T0 + 96 * HOUR));
        // 23 of 30 minutes: on track; 24 (80 %): at risk.
        x.clock.advance_minutes(23);
        let r = x.app.sla_sweep().await.unwrap();
        assert_eq!(r.newly_at_risk, 0, "{}", x.label);
        x.clock.advance_minutes(1);
        let r = x.app.sla_sweep().await.unwrap();
        assert_eq!(r.newly_at_risk, 1, "{}", x.label);
        let d = user(&x.app, "dispatcher").await;
        let (risk, breached) = x.app.sla_watch(&d).await.unwrap();
        assert_eq!(risk.len(), 1);
        assert!(breached.is_empty());
        // 31 minutes: the first response is breached by one minute.
        x.clock.advance_minutes(7);
        let r = x.app.sla_sweep().await.unwrap();
        assert_eq!(r.newly_breached, 1);
        let detail = x.app.ticket(&d, t.id).await.unwrap();
        assert_eq!(detail.breaches.len(), 1);
        assert_eq!(detail.breaches[0].kind.code(), "first_response");
        assert_eq!(detail.breaches[0].late_ms, MIN);
        assert!(detail.breaches[0].ongoing);
        // Booked later: the breach is recorded as missed late, by 10 minutes.
        x.clock.advance_minutes(9);
        let t = act(
            &x,
            "dispatcher",
            &t,
            TicketAction::Dispatch {
                station: x.w.station_b,
            },
        )
        .await;
        let t = act(&x, "station-b", &t, TicketAction::Accept).await;
        let t = act(
            &x,
            "station-b",
            &t,
            TicketAction::AssignTechnician {
                technician: x.w.tech_b,
            },
        )
        .await;
        act(
            &x,
            "station-b",
            &t,
            TicketAction::Schedule {
                appointment: slot(&x, 2),
            },
        )
        .await;
        let detail = x.app.ticket(&d, t.id).await.unwrap();
        assert_eq!(detail.breaches[0].late_ms, 10 * MIN, "{}", x.label);
        assert!(!detail.breaches[0].ongoing);
    }
}

#[tokio::test]
async fn warranty_is_in_out_or_buy_out_with_the_boundary_day_covered() {
    for x in worlds().await {
        // Intake is on 2026-11-22. 12 months from 2025-11-21 end on 2026-11-21 (only the
        // 36-month key-part cover is left); from 2025-11-22 they end on the intake day itself.
        let (c1, u1) = customer_with_unit(
            &x,
            "13800000005",
            "SN-W-1",
            x.w.urban,
            x.w.model,
            Some(date(2025, 11, 21)),
        )
        .await;
        let (c2, u2) = customer_with_unit(
            &x,
            "13800000006",
            "SN-W-2",
            x.w.urban,
            x.w.model,
            Some(date(2025, 11, 22)),
        )
        .await;
        let (c5, u5) = customer_with_unit(
            &x,
            "13800000015",
            "SN-W-5",
            x.w.urban,
            x.w.model,
            Some(date(2023, 11, 21)),
        )
        .await;
        let (c3, u3) = customer_with_unit(
            &x,
            "13800000007",
            "SN-W-3",
            x.w.urban,
            x.w.buyout_model,
            Some(date(2026, 3, 1)),
        )
        .await;
        let (c4, u4) =
            customer_with_unit(&x, "13800000008", "SN-W-4", x.w.urban, x.w.model, None).await;
        let t1 = intake(&x, c1, u1, false).await;
        let t2 = intake(&x, c2, u2, false).await;
        let t3 = intake(&x, c3, u3, false).await;
        let t4 = intake(&x, c4, u4, false).await;
        let t5 = intake(&x, c5, u5, false).await;
        assert_eq!(t5.warranty_status, WarrantyStatus::Out, "36 months over");
        assert!(
            t5.warranty_reason.contains("cover ended on 2026-11-21"),
            "{}",
            t5.warranty_reason
        );
        // Key parts are still covered (36 months), so the unit stays "in" for key parts.
        assert_eq!(t1.warranty_status, WarrantyStatus::In, "{}", x.label);
        assert_eq!(t1.warranty.parts.code(), "key_parts_only");
        assert!(!t1.warranty.labour_covered);
        assert_eq!(t2.warranty_status, WarrantyStatus::In);
        assert_eq!(
            t2.warranty.parts.code(),
            "all",
            "the boundary day is covered"
        );
        assert_eq!(t3.warranty_status, WarrantyStatus::BuyOut);
        assert!(
            t3.warranty_reason.starts_with("buy-out"),
            "{}",
            t3.warranty_reason
        );
        assert_eq!(t4.warranty_status, WarrantyStatus::Out);
        assert!(t4.warranty_reason.contains("proof of purchase"));
        // Stored with its reason.
        let d = user(&x.app, "agent").await;
        assert_eq!(
            x.app
                .ticket(&d, t3.id)
                .await
                .unwrap()
                .ticket
                .warranty_reason,
            t3.warranty_reason
        );
    }
}

#[tokio::test]
async fn a_new_ticket_within_the_window_links_to_the_completed_one_as_a_repeat() {
    for x in worlds().await {
        let (c, u) =
            customer_with_unit(&x, "13800000009", "SN-REP-1", x.w.urban, x.w.model, None).await;
        let t = intake(&x, c, u, true).await;
        let t = act(&x, "station-a", &t, TicketAction::Accept).await;
        let t = act(
            &x,
            "station-a",
            &t,
            TicketAction::AssignTechnician {
                technician: x.w.tech_a,
            },
        )
        .await;
        let t = act(
            &x,
            "station-a",
            &t,
            TicketAction::Schedule {
                appointment: slot(&x, 1),
            },
        )
        .await;
        let t = act(&x, "tech-a", &t, TicketAction::Arrive).await;
        let first = act(
            &x,
            "tech-a",
            &t,
            TicketAction::Complete(Completion {
                actions_taken: "清洁主板".into(),
                fault_code: None,
            }),
        )
        .await;
        x.clock.advance_minutes(60 * 24 * 30);
        let second = intake(&x, c, u, false).await;
        assert_eq!(second.repeat_of, Some(first.id), "{}", x.label);
        assert_eq!(second.repeat_of_station, Some(x.w.station_a));
        // With a 10-day window the same call is not a repeat.
        let admin = user(&x.app, "admin").await;
        let mut s = x.app.ticket_settings(&admin).await.unwrap();
        s.rules.repeat_window = aftercare_domain::ticket::RepeatWindow::days(10);
        x.app.update_ticket_settings(&admin, s).await.unwrap();
        let third = intake(&x, c, u, false).await;
        assert_eq!(third.repeat_of, None);
    }
}

#[tokio::test]
async fn a_station_user_never_sees_or_changes_another_stations_tickets_customers_or_units() {
    for x in worlds().await {
        let (c, u) =
            customer_with_unit(&x, "13800000010", "SN-TEN-1", x.w.urban, x.w.model, None).await;
        let t = intake(&x, c, u, true).await;
        assert_eq!(t.state.station, Some(x.w.station_a));
        let a = user(&x.app, "station-a").await;
        let b = user(&x.app, "station-b").await;
        let tb = user(&x.app, "tech-b").await;
        assert!(x.app.ticket(&a, t.id).await.is_ok());
        assert!(x.app.customer(&a, c).await.is_ok());
        assert!(x.app.unit(&a, u).await.is_ok());
        for actor in [&b, &tb] {
            assert!(matches!(
                x.app.ticket(actor, t.id).await,
                Err(AppError::NotFound { .. })
            ));
            assert!(matches!(
                x.app.customer(actor, c).await,
                Err(AppError::NotFound { .. })
            ));
            assert!(matches!(
                x.app.unit(actor, u).await,
                Err(AppError::NotFound { .. })
            ));
            for action in [
                TicketAction::Accept,
                TicketAction::Reject { reason: "x".into() },
                TicketAction::Arrive,
            ] {
                let e = x
                    .app
                    .act(actor, t.id, action, TicketExtras::default())
                    .await;
                assert!(matches!(e, Err(AppError::NotFound { .. })), "{e:?}");
            }
            assert!(
                x.app
                    .find_customers(actor, "13800000010")
                    .await
                    .unwrap()
                    .is_empty()
            );
            let all = x
                .app
                .search_tickets(actor, TicketFilter::default())
                .await
                .unwrap();
            assert!(all.is_empty());
            let forced = TicketFilter {
                station: Some(x.w.station_a),
                ..Default::default()
            };
            assert!(
                x.app
                    .search_tickets(actor, forced)
                    .await
                    .unwrap()
                    .is_empty()
            );
        }
        // Station A cannot hand the job to station B's technician.
        let e = x
            .app
            .act(&a, t.id, TicketAction::Accept, TicketExtras::default())
            .await;
        assert!(e.is_ok());
        let e = x
            .app
            .act(
                &a,
                t.id,
                TicketAction::AssignTechnician {
                    technician: x.w.tech_b,
                },
                TicketExtras::default(),
            )
            .await;
        assert!(matches!(e, Err(AppError::Invalid(_))), "{e:?}");
        // Unchanged after all those attempts.
        let d = x.app.ticket(&a, t.id).await.unwrap();
        assert_eq!(d.ticket.state.status, TicketStatus::Accepted);
        assert_eq!(d.ticket.state.technician, None);
    }
}

#[tokio::test]
async fn a_stale_version_is_refused_so_concurrent_changes_are_not_lost() {
    for x in worlds().await {
        let (c, u) =
            customer_with_unit(&x, "13800000011", "SN-VER-1", x.w.urban, x.w.model, None).await;
        let t = intake(&x, c, u, true).await;
        let mut tx = x.app.db.begin_write().await.unwrap();
        let mut s = t.state.clone();
        s.return_reason = Some("x".into());
        aftercare_store::tickets::update_state(
            &mut tx,
            t.id,
            t.version,
            &s,
            &TicketExtras::default(),
        )
        .await
        .unwrap();
        let e = aftercare_store::tickets::update_state(
            &mut tx,
            t.id,
            t.version,
            &s,
            &TicketExtras::default(),
        )
        .await;
        assert!(
            matches!(e, Err(aftercare_store::StoreError::Conflict(_))),
            "{}",
            x.label
        );
    }
}

#[tokio::test]
async fn bad_intake_input_is_refused_and_nothing_is_stored() {
    for x in worlds().await {
        let (c, u) =
            customer_with_unit(&x, "13800000012", "SN-BAD-1", x.w.urban, x.w.model, None).await;
        let (c2, _) =
            customer_with_unit(&x, "13800000013", "SN-BAD-2", x.w.urban, x.w.model, None).await;
        let agent = user(&x.app, "agent").await;
        let req = |customer, description: &str| IntakeRequest {
            customer,
            unit: u,
            address: None,
            input: repair(description),
            auto_dispatch: false,
        };
        assert!(matches!(
            x.app.intake(&agent, req(c, "  ")).await,
            Err(AppError::Invalid(_))
        ));
        assert!(matches!(
            x.app.intake(&agent, req(c2, "黑屏")).await,
            Err(AppError::Invalid(_))
        ));
        let station = user(&x.app, "station-a").await;
        assert!(matches!(
            x.app.intake(&station, req(c, "黑屏")).await,
            Err(AppError::Forbidden { .. })
        ));
        let dup = x
            .app
            .add_unit(
                &agent,
                c2,
                UnitInput {
                    serial: "sn-bad-1".into(),
                    model: x.w.model,
                    purchase_date: None,
                    purchase_channel: None,
                    production_batch: None,
                },
            )
            .await;
        assert!(
            matches!(dup, Err(AppError::Conflict { .. })),
            "serial unique per model"
        );
        let all = x
            .app
            .search_tickets(&agent, TicketFilter::default())
            .await
            .unwrap();
        assert!(all.is_empty(), "{}", x.label);
    }
}

#[tokio::test]
async fn the_demo_holds_a_year_of_tickets_in_every_state_with_repeats_callbacks_and_breaches() {
    for t in each_backend().await.unwrap() {
        let app = App::new(t.db.clone(), AppConfig::default());
        app.load_demo(
            aftercare_app::demo::DEFAULT_SEED,
            aftercare_app::demo::Scale::Small,
        )
        .await
        .unwrap();
        let admin = user(&app, "admin").await;
        let all = app
            .search_tickets(
                &admin,
                TicketFilter {
                    limit: 10_000,
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert!(all.len() >= 350, "{}: {} tickets", t.label, all.len());
        for s in TicketStatus::ALL {
            if *s == TicketStatus::Returned {
                continue;
            }
            assert!(
                all.iter().any(|x| x.status == *s),
                "{}: no demo ticket is {s}",
                t.label
            );
        }
        assert!(all.iter().any(|x| x.repeat_of.is_some()), "repeat repairs");
        assert!(all.iter().any(|x| x.sla_breached), "open breaches");
        let span = all.iter().map(|x| x.created_at.0).max().unwrap()
            - all.iter().map(|x| x.created_at.0).min().unwrap();
        assert!(span > 300 * DAY, "a year of history");
        // Histories carry rejections and callbacks; the SLA was met late on some.
        let mut rejected = 0;
        let mut late = 0;
        for x in all
            .iter()
            .filter(|x| x.status == TicketStatus::Closed)
            .take(200)
        {
            let d = app.ticket(&admin, x.id).await.unwrap();
            rejected += d.timeline.iter().filter(|e| e.action == "reject").count();
            late += d.breaches.iter().filter(|b| !b.ongoing).count();
        }
        assert!(
            rejected > 0 && late > 0,
            "{rejected} rejections, {late} late"
        );
        // Station users of the demo see only their own station's tickets.
        let st = user(&app, "station").await;
        let own = app
            .search_tickets(
                &st,
                TicketFilter {
                    limit: 10_000,
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        let Some(aftercare_domain::Scope::Station(sid)) = st.principal().map(|p| p.scope) else {
            panic!("station user without station")
        };
        assert!(own.iter().all(|x| x.station_id == Some(sid)));
        // The open load dispatch ranks by, kept by triggers through every state change of
        // a year of tickets, equals a count of the tickets each station holds.
        let drift = aftercare_store::tickets::open_load_drift(&app.db)
            .await
            .unwrap();
        assert!(drift.is_empty(), "{}: open load drift {drift:?}", t.label);
    }
}

#[tokio::test]
async fn a_request_sent_again_under_its_key_opens_one_ticket_and_one_customer() {
    for x in worlds().await {
        let label = x.label;
        let (c, u) =
            customer_with_unit(&x, "13800000021", "SN-KEY-1", x.w.urban, x.w.model, None).await;
        let agent = user(&x.app, "agent").await;
        let req = || IntakeRequest {
            customer: c,
            unit: u,
            address: None,
            input: repair("开机黑屏"),
            auto_dispatch: true,
        };
        // Twenty sends at once (double clicks, retries; some land in one write group) and one
        // after: one ticket.
        let sends: Vec<_> = (0..20)
            .map(|_| {
                let (app, agent, req) = (x.app.clone(), agent.clone(), req());
                tokio::spawn(async move { app.intake_once(&agent, req, Some("k-1")).await })
            })
            .collect();
        let mut ids = Vec::new();
        for s in sends {
            ids.push(s.await.unwrap().unwrap().id);
        }
        ids.push(
            x.app
                .intake_once(&agent, req(), Some("k-1"))
                .await
                .unwrap()
                .id,
        );
        assert!(ids.iter().all(|i| *i == ids[0]), "{label}: {ids:?}");
        let all = x
            .app
            .search_tickets(&agent, TicketFilter::default())
            .await
            .unwrap();
        assert_eq!(all.len(), 1, "{label}: one ticket, dispatched once");
        // Another key is another ticket; without a key every send is one.
        let second = x.app.intake_once(&agent, req(), Some("k-2")).await.unwrap();
        assert_ne!(second.id, ids[0], "{label}");
        // The key of another user, or of another kind of request, is refused.
        let manager = user(&x.app, "manager").await;
        let other = x.app.intake_once(&manager, req(), Some("k-1")).await;
        assert!(
            matches!(&other, Err(AppError::Conflict { code, .. }) if code == "request.key_reused"),
            "{label}: {other:?}"
        );
        let new_customer = || CustomerInput {
            name: "李四".into(),
            phones: vec!["13900000021".into()],
            addresses: vec![AddressInput {
                region: x.w.urban,
                detail: "天府大道 1 号".into(),
            }],
        };
        let reused = x
            .app
            .create_customer_once(&agent, new_customer(), Some("k-1"))
            .await;
        assert!(
            matches!(&reused, Err(AppError::Conflict { .. })),
            "{label}: {reused:?}"
        );
        let bad = x.app.intake_once(&agent, req(), Some("k 1\n")).await;
        assert!(
            matches!(&bad, Err(AppError::Invalid(_))),
            "{label}: {bad:?}"
        );
        let all = x
            .app
            .search_tickets(&agent, TicketFilter::default())
            .await
            .unwrap();
        assert_eq!(all.len(), 2, "{label}: nothing more was opened");
        // A customer form sent twice: one customer.
        let first = x
            .app
            .create_customer_once(&agent, new_customer(), Some("k-c"))
            .await
            .unwrap();
        let again = x
            .app
            .create_customer_once(&agent, new_customer(), Some("k-c"))
            .await
            .unwrap();
        assert_eq!(first.id, again.id, "{label}");
        let found = x.app.find_customers(&agent, "13900000021").await.unwrap();
        assert_eq!(found.len(), 1, "{label}: one customer");
    }
}

#[tokio::test]
async fn the_same_technician_or_visit_again_changes_nothing_and_absurd_slots_are_refused() {
    for x in worlds().await {
        let label = x.label;
        let (c, u) =
            customer_with_unit(&x, "13800000031", "SN-AGAIN-1", x.w.urban, x.w.model, None).await;
        let t = intake(&x, c, u, false).await;
        let t = act(
            &x,
            "dispatcher",
            &t,
            TicketAction::Dispatch {
                station: x.w.station_a,
            },
        )
        .await;
        let t = act(&x, "station-a", &t, TicketAction::Accept).await;
        let assign = TicketAction::AssignTechnician {
            technician: x.w.tech_a,
        };
        let t = act(&x, "station-a", &t, assign.clone()).await;
        let again = act(&x, "station-a", &t, assign).await;
        assert_eq!(again.version, t.version, "{label}: nothing written");
        let visit = slot(&x, 3);
        let t = act(
            &x,
            "station-a",
            &t,
            TicketAction::Schedule { appointment: visit },
        )
        .await;
        let again = act(
            &x,
            "station-a",
            &t,
            TicketAction::Schedule { appointment: visit },
        )
        .await;
        assert_eq!(again.version, t.version, "{label}: nothing written");
        let station = user(&x.app, "station-a").await;
        let detail = x.app.ticket(&station, t.id).await.unwrap();
        let booked = detail
            .timeline
            .iter()
            .filter(|e| e.action == "schedule")
            .count();
        assert_eq!(booked, 1, "{label}: one booking on the timeline");
        // Another slot is a new booking.
        let t = act(
            &x,
            "station-a",
            &t,
            TicketAction::Schedule {
                appointment: slot(&x, 5),
            },
        )
        .await;
        assert!(t.version > again.version, "{label}");
        // A slot of more than twelve hours, a visit months away, or instants at the ends of
        // the range (no overflow) are refused.
        let now = x.app.now().0;
        let long = Appointment::new(Instant(now + HOUR), Instant(now + 14 * HOUR)).unwrap();
        let far =
            Appointment::new(Instant(now + 91 * DAY), Instant(now + 91 * DAY + HOUR)).unwrap();
        let huge =
            Appointment::new(Instant(-9_000_000_000_000_000_000), Instant(i64::MAX)).unwrap();
        for visit in [long, far, huge] {
            let refused = x
                .app
                .act(
                    &station,
                    t.id,
                    TicketAction::Schedule { appointment: visit },
                    TicketExtras::default(),
                )
                .await;
            assert!(
                matches!(&refused, Err(AppError::Invalid(_))),
                "{label}: {refused:?}"
            );
        }
    }
}
