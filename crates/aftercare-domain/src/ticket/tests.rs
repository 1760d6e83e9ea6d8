//! The state machine driven through `TicketState::apply`: the full status × action table, the
//! guards, the effects on the ticket, and properties over random action sequences.

use super::*;
use crate::ids::{FaultCodeId, StationId, TechnicianId, UserId};
use crate::role::Role;
use crate::ticket::table::{possible_targets, reachable_from_new};
use crate::time::Instant;
use ActionKind as A;
use TicketStatus as S;
use proptest::prelude::*;

const T0: i64 = 1_790_000_000_000;
const MINUTE: i64 = 60_000;
const DAY: i64 = 86_400_000;

/// The allowed actions out of one status and the statuses each leads to.
type Moves = Vec<(ActionKind, Vec<TicketStatus>)>;

/// The expected table, written out by hand: for each status, each allowed action and where it
/// leads. Every pair not listed must be refused.
fn expected_table() -> Vec<(TicketStatus, Moves)> {
    let dispatch_queue = vec![
        (A::Dispatch, vec![S::Dispatched]),
        (A::Resolve, vec![S::Closed]),
        (A::Cancel, vec![S::Cancelled]),
    ];
    vec![
        (S::New, dispatch_queue.clone()),
        (S::Returned, dispatch_queue),
        (
            S::Dispatched,
            vec![
                (A::Recall, vec![S::Returned]),
                (A::Accept, vec![S::Accepted]),
                (A::Reject, vec![S::Returned]),
                (A::AcceptTimeout, vec![S::Returned]),
                (A::Cancel, vec![S::Cancelled]),
            ],
        ),
        (
            S::Accepted,
            vec![
                (A::Recall, vec![S::Returned]),
                (A::AssignTechnician, vec![S::Accepted]),
                (A::Schedule, vec![S::Scheduled]),
                (A::Cancel, vec![S::Cancelled]),
            ],
        ),
        (
            S::Scheduled,
            vec![
                (A::Recall, vec![S::Returned]),
                (A::AssignTechnician, vec![S::Scheduled]),
                (A::Schedule, vec![S::Scheduled]),
                (A::Arrive, vec![S::OnSite]),
                (A::Cancel, vec![S::Cancelled]),
            ],
        ),
        (
            S::OnSite,
            vec![
                (A::WaitForParts, vec![S::WaitingForParts]),
                (A::Complete, vec![S::Completed]),
                (A::Cancel, vec![S::Cancelled]),
            ],
        ),
        (
            S::WaitingForParts,
            vec![
                (A::AssignTechnician, vec![S::WaitingForParts]),
                (A::Schedule, vec![S::Scheduled]),
                (A::PartsArrived, vec![S::OnSite]),
                (A::Cancel, vec![S::Cancelled]),
            ],
        ),
        (
            S::Completed,
            vec![(A::Callback, vec![S::CallbackDone, S::Accepted])],
        ),
        (
            S::CallbackDone,
            vec![(A::Close, vec![S::Closed]), (A::Reopen, vec![S::Returned])],
        ),
        (S::Closed, vec![(A::Reopen, vec![S::Returned])]),
        (S::Cancelled, vec![]),
    ]
}

fn user(role: Role) -> Actor {
    Actor::User {
        id: UserId(7),
        role,
    }
}

/// Someone allowed to perform `kind` (the first role listed, else the system).
fn actor_for(kind: ActionKind) -> Actor {
    roles_for(kind)
        .first()
        .map(|r| user(*r))
        .unwrap_or(Actor::System)
}

fn outcome(fixed: bool, false_completion: bool) -> CallbackOutcome {
    CallbackOutcome {
        fixed,
        satisfaction: Satisfaction::new(if fixed { 5 } else { 2 }).unwrap(),
        comments: "回访完成".into(),
        false_completion,
    }
}

/// A valid action of `kind` (`fixed` chooses the callback's answer).
fn sample(kind: ActionKind, fixed: bool) -> TicketAction {
    let reason = || "测试原因".to_string();
    match kind {
        A::Dispatch => TicketAction::Dispatch {
            station: StationId(11),
        },
        A::Recall => TicketAction::Recall { reason: reason() },
        A::Accept => TicketAction::Accept,
        A::Reject => TicketAction::Reject { reason: reason() },
        A::AcceptTimeout => TicketAction::AcceptTimeout,
        A::AssignTechnician => TicketAction::AssignTechnician {
            technician: TechnicianId(21),
        },
        A::Schedule => TicketAction::Schedule {
            appointment: Appointment::new(
                // Ahead of every walk's clock, within the booking horizon from its start.
                Instant(T0 + 60 * DAY),
                Instant(T0 + 60 * DAY + 120 * MINUTE),
            )
            .unwrap(),
        },
        A::Arrive => TicketAction::Arrive,
        A::WaitForParts => TicketAction::WaitForParts,
        A::PartsArrived => TicketAction::PartsArrived,
        A::Complete => TicketAction::Complete(Completion {
            actions_taken: "replaced the main board".into(),
            fault_code: Some(FaultCodeId(3)),
        }),
        A::Callback => TicketAction::Callback(outcome(fixed, false)),
        A::Close => TicketAction::Close,
        A::Resolve => TicketAction::Resolve {
            resolution: "reset over the phone".into(),
        },
        A::Cancel => TicketAction::Cancel { reason: reason() },
        A::Reopen => TicketAction::Reopen { reason: reason() },
    }
}

/// The legal path from `new` to `status`, with a fixed callback.
fn path_to(status: TicketStatus) -> Vec<ActionKind> {
    let on_site = vec![
        A::Dispatch,
        A::Accept,
        A::AssignTechnician,
        A::Schedule,
        A::Arrive,
    ];
    let with = |mut base: Vec<ActionKind>, more: &[ActionKind]| {
        base.extend_from_slice(more);
        base
    };
    match status {
        S::New => vec![],
        S::Returned => vec![A::Dispatch, A::Reject],
        S::Dispatched => vec![A::Dispatch],
        S::Accepted => vec![A::Dispatch, A::Accept, A::AssignTechnician],
        S::Scheduled => on_site[..4].to_vec(),
        S::OnSite => on_site,
        S::WaitingForParts => with(on_site, &[A::WaitForParts]),
        S::Completed => with(on_site, &[A::Complete]),
        S::CallbackDone => with(on_site, &[A::Complete, A::Callback]),
        S::Closed => with(on_site, &[A::Complete, A::Callback, A::Close]),
        S::Cancelled => vec![A::Cancel],
    }
}

/// A ticket driven to `status` along [`path_to`], one action every 40 minutes (so acceptance
/// windows have run out and reopen windows are still open).
fn ticket_in(status: TicketStatus) -> (TicketState, Instant) {
    let rules = TicketRules::default();
    let mut t = TicketState::new(Instant(T0));
    let mut now = Instant(T0);
    for kind in path_to(status) {
        now = now.plus_minutes(40);
        t.apply(actor_for(kind), sample(kind, true), now, &rules)
            .unwrap_or_else(|e| panic!("path to {status} failed at {kind}: {e}"));
    }
    assert_eq!(t.status, status);
    (t, now.plus_minutes(40))
}

#[test]
fn the_table_has_exactly_the_documented_moves() {
    let table = expected_table();
    assert_eq!(table.len(), TicketStatus::ALL.len());
    for (status, moves) in &table {
        let allowed: Vec<_> = moves.iter().map(|(k, _)| *k).collect();
        assert_eq!(allowed_actions(*status), allowed, "allowed from {status}");
        for kind in ActionKind::ALL {
            let want = moves
                .iter()
                .find(|(k, _)| k == kind)
                .map(|(_, to)| to.clone())
                .unwrap_or_default();
            assert_eq!(possible_targets(*status, *kind), want, "{status} × {kind}");
        }
    }
}

#[test]
fn every_status_is_reachable_from_new() {
    let mut reached = reachable_from_new();
    reached.sort();
    let mut all = TicketStatus::ALL.to_vec();
    all.sort();
    assert_eq!(reached, all);
}

#[test]
fn every_status_and_action_pair_is_applied_or_refused_as_the_table_says() {
    let rules = TicketRules::default();
    for (status, moves) in expected_table() {
        for kind in ActionKind::ALL {
            let answers: &[bool] = if *kind == A::Callback {
                &[true, false]
            } else {
                &[true]
            };
            for fixed in answers {
                let (mut t, now) = ticket_in(status);
                let before = t.clone();
                let result = t.apply(actor_for(*kind), sample(*kind, *fixed), now, &rules);
                match moves.iter().find(|(k, _)| k == kind) {
                    Some((_, targets)) => {
                        let want = if *fixed {
                            targets[0]
                        } else {
                            targets[targets.len() - 1]
                        };
                        let entry =
                            result.unwrap_or_else(|e| panic!("{status} × {kind} refused: {e}"));
                        assert_eq!((entry.from, entry.to, t.status), (status, want, want));
                        assert_eq!(entry.at, now);
                        assert_eq!(t.last_event_at, now);
                    }
                    None => {
                        let err = result.expect_err(&format!("{status} × {kind} applied"));
                        assert_eq!(
                            err,
                            TransitionError::NotAllowed {
                                status,
                                action: *kind,
                                allowed: allowed_actions(status),
                            }
                        );
                        assert_eq!(t, before, "a refused action changes nothing");
                    }
                }
            }
        }
    }
}

#[test]
fn an_illegal_transition_names_the_state_the_action_and_the_allowed_actions() {
    let (mut t, now) = ticket_in(S::Completed);
    let err = t
        .apply(
            user(Role::Station),
            TicketAction::Arrive,
            now,
            &TicketRules::default(),
        )
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "cannot arrive a ticket that is completed; allowed: callback"
    );
    assert_eq!(err.code(), "ticket.invalid_transition");
}

#[test]
fn a_role_that_may_not_act_is_refused_before_the_table_is_consulted() {
    let (mut t, now) = ticket_in(S::New);
    let err = t
        .apply(
            user(Role::Station),
            sample(A::Dispatch, true),
            now,
            &TicketRules::default(),
        )
        .unwrap_err();
    assert!(matches!(
        err,
        TransitionError::Forbidden {
            action: A::Dispatch,
            ..
        }
    ));
    assert_eq!(t.status, S::New);
}

#[test]
fn the_hotline_to_callback_flow_records_milestones_and_a_timeline() {
    let rules = TicketRules::default();
    let mut t = TicketState::new(Instant(T0));
    let steps: Vec<(Actor, TicketAction, i64)> = vec![
        (user(Role::Dispatcher), sample(A::Dispatch, true), 5),
        (user(Role::Station), TicketAction::Accept, 12),
        (user(Role::Station), sample(A::AssignTechnician, true), 14),
        (user(Role::Station), sample(A::Schedule, true), 20),
        (user(Role::Technician), TicketAction::Arrive, 600),
        (user(Role::Technician), TicketAction::WaitForParts, 620),
        (Actor::System, TicketAction::PartsArrived, 2000),
        (user(Role::Technician), sample(A::Complete, true), 2100),
        (user(Role::Agent), sample(A::Callback, true), 3000),
        (Actor::System, TicketAction::Close, 3001),
    ];
    let mut timeline = Vec::new();
    for (actor, action, minute) in steps {
        timeline.push(
            t.apply(actor, action, Instant(T0 + minute * MINUTE), &rules)
                .unwrap(),
        );
    }
    let statuses: Vec<_> = timeline.iter().map(|e| e.to.code()).collect();
    assert_eq!(
        statuses,
        [
            "dispatched",
            "accepted",
            "accepted",
            "scheduled",
            "on_site",
            "waiting_for_parts",
            "on_site",
            "completed",
            "callback_done",
            "closed"
        ]
    );
    let m = t.milestones;
    let at = |minute: i64| Some(Instant(T0 + minute * MINUTE));
    assert_eq!(m.dispatched_at, at(5));
    assert_eq!(m.accepted_at, at(12));
    assert_eq!(m.first_response_at, at(20));
    assert_eq!(m.on_site_at, at(600));
    assert_eq!(m.completed_at, at(2100));
    assert_eq!(m.callback_at, at(3000));
    assert_eq!(m.closed_at, at(3001));
    assert_eq!(t.station, Some(StationId(11)));
    assert_eq!(t.technician, Some(TechnicianId(21)));
    assert_eq!(t.fault_code, Some(FaultCodeId(3)));
    assert!(timeline.iter().all(|e| e.station == Some(StationId(11))));
}

#[test]
fn a_rejection_returns_the_ticket_to_the_dispatcher_with_the_reason() {
    let (mut t, now) = ticket_in(S::Dispatched);
    let entry = t
        .apply(
            user(Role::Station),
            TicketAction::Reject {
                reason: "  no technician for this county ".into(),
            },
            now,
            &TicketRules::default(),
        )
        .unwrap();
    assert_eq!(entry.to, S::Returned);
    assert_eq!(entry.station, Some(StationId(11)), "the rejecting station");
    assert_eq!(t.station, None);
    assert_eq!(t.milestones.dispatched_at, None);
    assert_eq!(
        t.return_reason.as_deref(),
        Some("no technician for this county")
    );
    assert_eq!(entry.action.note(), Some("no technician for this county"));
}

#[test]
fn a_rejection_without_a_reason_is_refused() {
    let (mut t, now) = ticket_in(S::Dispatched);
    let err = t
        .apply(
            user(Role::Station),
            TicketAction::Reject { reason: " ".into() },
            now,
            &TicketRules::default(),
        )
        .unwrap_err();
    assert_eq!(err.code(), "ticket.invalid_input");
    assert_eq!(t.status, S::Dispatched);
}

#[test]
fn redispatching_a_returned_ticket_clears_the_return_reason() {
    let (mut t, now) = ticket_in(S::Returned);
    t.apply(
        user(Role::Dispatcher),
        TicketAction::Dispatch {
            station: StationId(12),
        },
        now,
        &TicketRules::default(),
    )
    .unwrap();
    assert_eq!(t.station, Some(StationId(12)));
    assert_eq!(t.return_reason, None);
    assert_eq!(t.milestones.dispatched_at, Some(now));
}

#[test]
fn the_accept_timeout_is_refused_before_the_deadline_and_applies_exactly_at_it() {
    let rules = TicketRules::default();
    let mut t = TicketState::new(Instant(T0));
    t.apply(
        Actor::System,
        sample(A::Dispatch, true),
        Instant(T0),
        &rules,
    )
    .unwrap();
    let deadline = Instant(T0).plus_minutes(30);
    let early = t.apply(
        Actor::System,
        TicketAction::AcceptTimeout,
        Instant(deadline.millis() - 1),
        &rules,
    );
    assert_eq!(early, Err(TransitionError::AcceptWindowOpen { deadline }));
    let entry = t
        .apply(Actor::System, TicketAction::AcceptTimeout, deadline, &rules)
        .unwrap();
    assert_eq!(entry.to, S::Returned);
    assert_eq!(
        t.return_reason.as_deref(),
        Some("not accepted within 30 minutes")
    );
}

#[test]
fn booking_a_visit_needs_a_technician() {
    let rules = TicketRules::default();
    let mut t = TicketState::new(Instant(T0));
    t.apply(
        Actor::System,
        sample(A::Dispatch, true),
        Instant(T0),
        &rules,
    )
    .unwrap();
    t.apply(
        user(Role::Station),
        TicketAction::Accept,
        Instant(T0),
        &rules,
    )
    .unwrap();
    let err = t
        .apply(
            user(Role::Station),
            sample(A::Schedule, true),
            Instant(T0),
            &rules,
        )
        .unwrap_err();
    assert_eq!(err, TransitionError::NoTechnician);
}

#[test]
fn a_slot_that_has_already_passed_cannot_be_booked() {
    let (mut t, _) = ticket_in(S::Accepted);
    let slot = Appointment::new(Instant(T0 + DAY), Instant(T0 + DAY + MINUTE)).unwrap();
    let book = TicketAction::Schedule { appointment: slot };
    let rules = TicketRules::default();
    let err = t
        .apply(user(Role::Station), book.clone(), slot.end(), &rules)
        .unwrap_err();
    assert_eq!(err.to_string(), "appointment: the slot has already passed");
    let just_in_time = Instant(slot.end().millis() - 1);
    assert!(
        t.apply(user(Role::Station), book, just_in_time, &rules)
            .is_ok()
    );
}

#[test]
fn the_first_booking_is_the_first_response_and_rebooking_does_not_move_it() {
    let (mut t, now) = ticket_in(S::Scheduled);
    let first = t.milestones.first_response_at;
    assert!(first.is_some());
    let later = Appointment::new(Instant(T0 + 2 * DAY), Instant(T0 + 2 * DAY + MINUTE)).unwrap();
    t.apply(
        user(Role::Technician),
        TicketAction::Schedule { appointment: later },
        now,
        &TicketRules::default(),
    )
    .unwrap();
    assert_eq!(t.milestones.first_response_at, first);
    assert_eq!(t.appointment, Some(later));
}

#[test]
fn not_fixed_on_the_callback_reopens_at_the_same_station_and_flags_a_false_completion() {
    let (mut t, now) = ticket_in(S::Completed);
    let entry = t
        .apply(
            user(Role::Agent),
            TicketAction::Callback(outcome(false, true)),
            now,
            &TicketRules::default(),
        )
        .unwrap();
    assert_eq!(entry.to, S::Accepted);
    assert_eq!(t.station, Some(StationId(11)));
    assert_eq!(t.technician, Some(TechnicianId(21)));
    assert_eq!(t.appointment, None);
    assert_eq!(t.milestones.completed_at, None);
    assert_eq!(t.reopen_count, 1);
    assert_eq!(t.false_completions, 1);
    assert!(t.milestones.on_site_at.is_some(), "first on-site stays");
}

#[test]
fn a_fixed_callback_that_claims_a_false_completion_is_refused() {
    let (mut t, now) = ticket_in(S::Completed);
    let err = t
        .apply(
            user(Role::Agent),
            TicketAction::Callback(outcome(true, true)),
            now,
            &TicketRules::default(),
        )
        .unwrap_err();
    assert_eq!(err.code(), "ticket.invalid_input");
}

#[test]
fn a_closed_ticket_reopens_up_to_the_last_instant_of_the_window() {
    let rules = TicketRules::default();
    let (t, _) = ticket_in(S::Closed);
    let completed = t.milestones.completed_at.unwrap();
    let window_end = Instant(completed.millis() + 90 * DAY);
    let reopen = TicketAction::Reopen {
        reason: "same fault again".into(),
    };

    let mut late = t.clone();
    let err = late
        .apply(
            user(Role::Agent),
            reopen.clone(),
            Instant(window_end.millis() + 1),
            &rules,
        )
        .unwrap_err();
    assert_eq!(err, TransitionError::ReopenWindowClosed { window_end });

    let mut on_time = t.clone();
    let entry = on_time
        .apply(user(Role::Agent), reopen, window_end, &rules)
        .unwrap();
    assert_eq!(entry.to, S::Returned);
    assert_eq!(on_time.station, None);
    assert_eq!(on_time.reopen_count, 1);
    assert_eq!(on_time.milestones.completed_at, None);
    assert_eq!(on_time.milestones.closed_at, None);
    assert_eq!(on_time.return_reason.as_deref(), Some("same fault again"));
}

#[test]
fn a_ticket_resolved_on_the_phone_cannot_be_reopened() {
    let rules = TicketRules::default();
    let mut t = TicketState::new(Instant(T0));
    t.apply(
        user(Role::Agent),
        sample(A::Resolve, true),
        Instant(T0),
        &rules,
    )
    .unwrap();
    assert_eq!(t.status, S::Closed);
    let err = t
        .apply(
            user(Role::Agent),
            sample(A::Reopen, true),
            Instant(T0 + MINUTE),
            &rules,
        )
        .unwrap_err();
    assert_eq!(err, TransitionError::NeverCompleted);
}

#[test]
fn a_cancelled_ticket_keeps_its_reason_and_accepts_nothing_more() {
    let (mut t, now) = ticket_in(S::OnSite);
    t.apply(
        user(Role::Agent),
        TicketAction::Cancel {
            reason: "customer bought a new set".into(),
        },
        now,
        &TicketRules::default(),
    )
    .unwrap();
    assert_eq!(
        t.cancel_reason.as_deref(),
        Some("customer bought a new set")
    );
    assert_eq!(t.milestones.cancelled_at, Some(now));
    assert_eq!(t.station, Some(StationId(11)), "kept for history");
    assert!(allowed_actions(t.status).is_empty());
}

#[test]
fn an_action_dated_before_the_last_event_is_refused() {
    let (mut t, _) = ticket_in(S::Dispatched);
    let last = t.last_event_at;
    let err = t
        .apply(
            user(Role::Station),
            TicketAction::Accept,
            Instant(last.millis() - 1),
            &TicketRules::default(),
        )
        .unwrap_err();
    assert_eq!(
        err,
        TransitionError::OutOfOrder {
            last,
            at: Instant(last.millis() - 1)
        }
    );
    assert_eq!(t.status, S::Dispatched);
}

#[test]
fn available_actions_combine_the_table_and_the_role() {
    let (t, _) = ticket_in(S::Dispatched);
    let codes = |a: Actor| -> Vec<&str> {
        t.available_actions(a)
            .into_iter()
            .map(|k| k.code())
            .collect()
    };
    assert_eq!(codes(user(Role::Station)), ["accept", "reject"]);
    assert_eq!(codes(user(Role::Dispatcher)), ["recall", "cancel"]);
    assert_eq!(codes(Actor::System), ["accept_timeout"]);
    assert!(codes(user(Role::Technician)).is_empty());
}

/// One random step: mostly a legal action by an actor allowed to do it (so walks get deep
/// into the life), sometimes any action by anyone (so refusals are exercised too).
#[derive(Debug, Clone, Copy)]
struct Step {
    legal: bool,
    pick: usize,
    who: usize,
    minutes: i64,
    fixed: bool,
}

fn step() -> impl Strategy<Value = Step> {
    (
        prop::bool::weighted(0.8),
        any::<usize>(),
        any::<usize>(),
        0i64..200,
        any::<bool>(),
    )
        .prop_map(|(legal, pick, who, minutes, fixed)| Step {
            legal,
            pick,
            who,
            minutes,
            fixed,
        })
}

/// The action kind and actor a step chooses for a ticket in `status`.
fn choose(step: Step, status: TicketStatus) -> (ActionKind, Actor) {
    // Cancelling ends a walk for good, so a legal step cancels only one time in twenty.
    let allowed: Vec<_> = allowed_actions(status)
        .into_iter()
        .filter(|k| *k != A::Cancel || step.pick.is_multiple_of(20))
        .collect();
    if step.legal && !allowed.is_empty() {
        let kind = allowed[step.pick % allowed.len()];
        let roles = roles_for(kind);
        let actor = if roles.is_empty() {
            Actor::System
        } else {
            user(roles[step.who % roles.len()])
        };
        return (kind, actor);
    }
    let kind = ActionKind::ALL[step.pick % ActionKind::ALL.len()];
    let actor = Role::ALL
        .get(step.who % (Role::ALL.len() + 1))
        .map(|r| user(*r))
        .unwrap_or(Actor::System);
    (kind, actor)
}

/// Apply one step; returns the entry if it was applied. Checks the step against the table.
fn walk(
    t: &mut TicketState,
    step: Step,
    now: Instant,
    timeline: &mut Vec<TimelineEntry>,
) -> Result<(), TestCaseError> {
    let (kind, actor) = choose(step, t.status);
    let action = sample(kind, step.fixed);
    let before = t.clone();
    let expected = next_status(t.status, &action);
    match t.apply(actor, action, now, &TicketRules::default()) {
        Ok(entry) => {
            prop_assert_eq!(Some(entry.to), expected);
            prop_assert_eq!(entry.from, before.status);
            prop_assert_eq!(entry.to, t.status);
            if let Some(last) = timeline.last() {
                prop_assert!(last.at <= entry.at);
                prop_assert_eq!(last.to, entry.from);
            }
            timeline.push(entry);
        }
        Err(_) => prop_assert_eq!(&*t, &before),
    }
    check_invariants(t)
}

proptest! {
    #[test]
    fn random_action_sequences_follow_the_table_and_keep_the_timeline_ordered(
        steps in proptest::collection::vec(step(), 0..80)
    ) {
        let reachable = reachable_from_new();
        let mut t = TicketState::new(Instant(T0));
        let mut now = Instant(T0);
        let mut timeline = Vec::new();
        for s in steps {
            now = now.plus_minutes(s.minutes);
            walk(&mut t, s, now, &mut timeline)?;
            prop_assert!(reachable.contains(&t.status));
        }
    }
}

#[test]
fn random_walks_visit_every_status() {
    // A fixed-seed linear congruential generator keeps this deterministic without a rand crate.
    let mut seed: u64 = 0x5eed;
    let mut next = || {
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (seed >> 33) as usize
    };
    let mut seen = std::collections::BTreeSet::new();
    for _ in 0..200 {
        let mut t = TicketState::new(Instant(T0));
        let mut now = Instant(T0);
        let mut timeline = Vec::new();
        for _ in 0..60 {
            let s = Step {
                legal: next() % 10 < 8,
                pick: next(),
                who: next(),
                minutes: (next() % 200) as i64,
                fixed: next() % 2 == 0,
            };
            now = now.plus_minutes(s.minutes);
            walk(&mut t, s, now, &mut timeline).unwrap();
            seen.insert(t.status);
        }
    }
    assert_eq!(seen.len(), TicketStatus::ALL.len(), "seen only {seen:?}");
}

fn check_invariants(t: &TicketState) -> Result<(), TestCaseError> {
    let m = &t.milestones;
    if t.status.held_by_station() {
        prop_assert!(t.station.is_some(), "{} without station", t.status);
    }
    if t.status.awaits_dispatch() {
        prop_assert!(t.station.is_none(), "{} with a station", t.status);
        prop_assert!(t.technician.is_none());
    }
    if t.status == S::Dispatched {
        prop_assert!(m.dispatched_at.is_some());
    }
    if t.status == S::Scheduled {
        prop_assert!(t.technician.is_some() && t.appointment.is_some());
        prop_assert!(m.first_response_at.is_some());
    }
    if matches!(t.status, S::OnSite | S::WaitingForParts) {
        prop_assert!(m.on_site_at.is_some());
    }
    if matches!(t.status, S::Completed | S::CallbackDone) {
        prop_assert!(m.completed_at.is_some());
    }
    if t.status == S::Closed {
        prop_assert!(m.closed_at.is_some());
    }
    if t.status == S::Cancelled {
        prop_assert!(t.cancel_reason.is_some() && m.cancelled_at.is_some());
    }
    prop_assert!(t.false_completions <= t.reopen_count);
    Ok(())
}
