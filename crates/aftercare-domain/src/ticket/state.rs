//! A ticket's life as data: its status, who holds it, its milestones, and the one function that
//! moves it on ([`TicketState::apply`]).
//!
//! The store keeps these fields on the ticket row and appends the returned
//! [`TimelineEntry`] to the ticket's timeline in the same transaction.

use crate::dispatch::accept_deadline;
use crate::ids::{FaultCodeId, StationId, TechnicianId};
use crate::ticket::action::{ActionKind, Appointment, TicketAction};
use crate::ticket::error::TransitionError;
use crate::ticket::permission::{Actor, may_perform};
use crate::ticket::rules::TicketRules;
use crate::ticket::status::TicketStatus;
use crate::ticket::table::{allowed_actions, next_status};
use crate::time::Instant;
use crate::validate::ValidationError;
use serde::{Deserialize, Serialize};

/// How far ahead a visit may be booked: a slot beyond it is a typing mistake (a year), and
/// lies far past every on-site deadline.
pub const MAX_BOOKING_DAYS: i64 = 90;

/// When the ticket passed its milestones; SLA evaluation reads these.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Milestones {
    /// The latest dispatch to the current station (cleared when the ticket returns).
    pub dispatched_at: Option<Instant>,
    /// When the current station accepted (cleared when the ticket returns).
    pub accepted_at: Option<Instant>,
    /// The first visit booking: the first response to the customer. Never cleared.
    pub first_response_at: Option<Instant>,
    /// The first arrival on site. Never cleared.
    pub on_site_at: Option<Instant>,
    /// The latest reported completion; cleared when a callback finds it not fixed or the
    /// ticket is reopened, so a false completion never counts as meeting the deadline.
    pub completed_at: Option<Instant>,
    /// When the callback confirmed the fix.
    pub callback_at: Option<Instant>,
    /// When the ticket was closed (or resolved without a visit).
    pub closed_at: Option<Instant>,
    /// When the ticket was cancelled.
    pub cancelled_at: Option<Instant>,
}

/// The mutable part of a ticket that the state machine governs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketState {
    /// The current status.
    pub status: TicketStatus,
    /// The station holding the ticket (kept on a cancelled or finished ticket for history).
    pub station: Option<StationId>,
    /// The assigned technician of that station.
    pub technician: Option<TechnicianId>,
    /// The booked visit.
    pub appointment: Option<Appointment>,
    /// The diagnosed fault, as reported at completion.
    pub fault_code: Option<FaultCodeId>,
    /// Milestone instants.
    pub milestones: Milestones,
    /// Why the ticket last came back to the dispatcher.
    pub return_reason: Option<String>,
    /// Why the ticket was cancelled.
    pub cancel_reason: Option<String>,
    /// How often the ticket was reopened (callback "not fixed" or a reopen).
    pub reopen_count: u32,
    /// How many callbacks found a false completion (a penalty for the station).
    pub false_completions: u32,
    /// The instant of the last event (intake or last action); actions may not be dated earlier.
    pub last_event_at: Instant,
}

/// One step of a ticket's timeline: who did what, when, and the status before and after.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimelineEntry {
    /// When it happened.
    pub at: Instant,
    /// Who did it.
    pub actor: Actor,
    /// The status before.
    pub from: TicketStatus,
    /// The status after.
    pub to: TicketStatus,
    /// What was done, with its data.
    pub action: TicketAction,
    /// The station concerned: the one holding the ticket afterwards, or, for actions that take
    /// it away (reject, accept timeout, recall, reopen), the one it was taken from, so a
    /// station's rejections and timeouts can be counted from the timeline.
    pub station: Option<StationId>,
}

impl TicketState {
    /// A ticket just taken in at `created_at`.
    pub fn new(created_at: Instant) -> TicketState {
        TicketState {
            status: TicketStatus::New,
            station: None,
            technician: None,
            appointment: None,
            fault_code: None,
            milestones: Milestones::default(),
            return_reason: None,
            cancel_reason: None,
            reopen_count: 0,
            false_completions: 0,
            last_event_at: created_at,
        }
    }

    /// The actions `actor` may perform on this ticket now, judged by status and role only
    /// (for the buttons a page shows).
    pub fn available_actions(&self, actor: Actor) -> Vec<ActionKind> {
        allowed_actions(self.status)
            .into_iter()
            .filter(|k| may_perform(actor, *k))
            .collect()
    }

    /// Apply `action` by `actor` at `now`: on success the state moves on and the timeline entry
    /// to store is returned; on error nothing changes.
    pub fn apply(
        &mut self,
        actor: Actor,
        action: TicketAction,
        now: Instant,
        rules: &TicketRules,
    ) -> Result<TimelineEntry, TransitionError> {
        let (next, entry) = self.decide(actor, action, now, rules)?;
        *self = next;
        Ok(entry)
    }

    /// The state and timeline entry `action` would produce, without changing `self`.
    ///
    /// Checks, in order: the role may perform the action; the table allows it from the current
    /// status; the action's data is valid; `now` is not before the last event; the
    /// action-specific guards (technician before booking, a slot not yet passed, acceptance
    /// window, reopen window).
    pub fn decide(
        &self,
        actor: Actor,
        action: TicketAction,
        now: Instant,
        rules: &TicketRules,
    ) -> Result<(TicketState, TimelineEntry), TransitionError> {
        let kind = action.kind();
        if !may_perform(actor, kind) {
            return Err(TransitionError::Forbidden {
                actor,
                action: kind,
            });
        }
        let to = next_status(self.status, &action).ok_or_else(|| TransitionError::NotAllowed {
            status: self.status,
            action: kind,
            allowed: allowed_actions(self.status),
        })?;
        action.validate()?;
        if now < self.last_event_at {
            return Err(TransitionError::OutOfOrder {
                last: self.last_event_at,
                at: now,
            });
        }
        self.check_guards(&action, now, rules)?;
        let mut next = self.clone();
        next.status = to;
        next.last_event_at = now;
        next.record_effects(&action, now, rules);
        let entry = TimelineEntry {
            at: now,
            actor,
            from: self.status,
            to,
            action,
            station: next.station.or(self.station),
        };
        Ok((next, entry))
    }

    fn check_guards(
        &self,
        action: &TicketAction,
        now: Instant,
        rules: &TicketRules,
    ) -> Result<(), TransitionError> {
        match action {
            TicketAction::Schedule { .. } if self.technician.is_none() => {
                Err(TransitionError::NoTechnician)
            }
            TicketAction::Schedule { appointment } if appointment.end() <= now => {
                Err(TransitionError::Invalid(ValidationError::new(
                    "appointment",
                    "the slot has already passed",
                )))
            }
            TicketAction::Schedule { appointment } if appointment.too_long() => {
                Err(TransitionError::Invalid(ValidationError::new(
                    "appointment",
                    format!(
                        "a visit slot may last at most {} hours",
                        Appointment::MAX_HOURS
                    ),
                )))
            }
            TicketAction::Schedule { appointment }
                if appointment.start().0.saturating_sub(now.0) > MAX_BOOKING_DAYS * 86_400_000 =>
            {
                Err(TransitionError::Invalid(ValidationError::new(
                    "appointment",
                    format!("a visit may be booked at most {MAX_BOOKING_DAYS} days ahead"),
                )))
            }
            TicketAction::AcceptTimeout => {
                let dispatched_at =
                    self.milestones
                        .dispatched_at
                        .ok_or(TransitionError::Inconsistent(
                            "dispatched ticket without a dispatch time",
                        ))?;
                let deadline = accept_deadline(dispatched_at, rules.accept_timeout_minutes);
                if now < deadline {
                    return Err(TransitionError::AcceptWindowOpen { deadline });
                }
                Ok(())
            }
            TicketAction::Reopen { .. } => {
                let completed_at = self
                    .milestones
                    .completed_at
                    .ok_or(TransitionError::NeverCompleted)?;
                if !rules.repeat_window.contains(completed_at, now) {
                    return Err(TransitionError::ReopenWindowClosed {
                        window_end: rules.repeat_window.end_after(completed_at),
                    });
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }

    /// Record what the (already checked) action changes besides the status.
    fn record_effects(&mut self, action: &TicketAction, now: Instant, rules: &TicketRules) {
        let m = &mut self.milestones;
        match action {
            TicketAction::Dispatch { station } => {
                self.station = Some(*station);
                self.technician = None;
                self.appointment = None;
                self.return_reason = None;
                m.dispatched_at = Some(now);
                m.accepted_at = None;
            }
            TicketAction::Recall { reason } | TicketAction::Reject { reason } => {
                self.send_back(reason.trim().to_string());
            }
            TicketAction::AcceptTimeout => {
                self.send_back(format!(
                    "not accepted within {} minutes",
                    rules.accept_timeout_minutes
                ));
            }
            TicketAction::Accept => m.accepted_at = Some(now),
            TicketAction::AssignTechnician { technician } => self.technician = Some(*technician),
            TicketAction::Schedule { appointment } => {
                self.appointment = Some(*appointment);
                m.first_response_at.get_or_insert(now);
            }
            TicketAction::Arrive => {
                m.on_site_at.get_or_insert(now);
            }
            TicketAction::WaitForParts | TicketAction::PartsArrived => {}
            TicketAction::Complete(c) => {
                m.completed_at = Some(now);
                if c.fault_code.is_some() {
                    self.fault_code = c.fault_code;
                }
            }
            TicketAction::Callback(outcome) if outcome.fixed => m.callback_at = Some(now),
            TicketAction::Callback(outcome) => {
                m.completed_at = None;
                self.appointment = None;
                self.reopen_count += 1;
                self.false_completions += u32::from(outcome.false_completion);
            }
            TicketAction::Close | TicketAction::Resolve { .. } => m.closed_at = Some(now),
            TicketAction::Cancel { reason } => {
                self.cancel_reason = Some(reason.trim().to_string());
                self.appointment = None;
                m.cancelled_at = Some(now);
            }
            TicketAction::Reopen { reason } => {
                self.send_back(reason.trim().to_string());
                self.reopen_count += 1;
                let m = &mut self.milestones;
                m.completed_at = None;
                m.callback_at = None;
                m.closed_at = None;
            }
        }
    }

    /// The ticket goes back to the dispatcher without a station.
    fn send_back(&mut self, reason: String) {
        self.station = None;
        self.technician = None;
        self.appointment = None;
        self.return_reason = Some(reason);
        self.milestones.dispatched_at = None;
        self.milestones.accepted_at = None;
    }
}
