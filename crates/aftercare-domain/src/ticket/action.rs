//! What can be done to a ticket: the events of its state machine.

use crate::codes::code_enum;
use crate::ids::{FaultCodeId, StationId, TechnicianId};
use crate::ticket::callback::CallbackOutcome;
use crate::time::Instant;
use crate::validate::ValidationError;
use serde::{Deserialize, Serialize};

/// Longest reason or free text on an action, in characters.
pub const MAX_REASON: usize = 500;

code_enum! {
    /// The kind of an action, without its data: what permissions and the transition table speak of.
    pub enum ActionKind ("ticket action") {
        /// Send to a station (派单).
        Dispatch = "dispatch",
        /// The dispatcher takes the ticket back from a station (escalation).
        Recall = "recall",
        /// The station takes the ticket (接单).
        Accept = "accept",
        /// The station refuses the ticket, with a reason.
        Reject = "reject",
        /// The station did not accept in time; the ticket returns to the dispatcher.
        AcceptTimeout = "accept_timeout",
        /// The station names the technician.
        AssignTechnician = "assign_technician",
        /// A visit is booked (the booking call is the first response).
        Schedule = "schedule",
        /// The technician arrives at the customer's place.
        Arrive = "arrive",
        /// The repair needs parts that are not at hand (待件).
        WaitForParts = "wait_for_parts",
        /// The awaited parts arrived; the repair goes on.
        PartsArrived = "parts_arrived",
        /// The station reports the work done (完工).
        Complete = "complete",
        /// The call centre records the callback survey (回访).
        Callback = "callback",
        /// The ticket is finished.
        Close = "close",
        /// The call centre settles the request without a visit (advice on the phone, enquiry).
        Resolve = "resolve",
        /// The ticket is called off, with a reason.
        Cancel = "cancel",
        /// A closed ticket is opened again within the repeat-repair window.
        Reopen = "reopen",
    }
}

/// A booked visit: the slot promised to the customer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "AppointmentSlot")]
pub struct Appointment {
    start: Instant,
    end: Instant,
}

/// The unchecked form of an [`Appointment`] as it arrives over the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppointmentSlot {
    /// Start of the slot.
    pub start: Instant,
    /// End of the slot.
    pub end: Instant,
}

impl Appointment {
    /// The longest slot a new booking may have (a working day); checked when a visit is
    /// booked, not here, so tickets booked before the limit still load.
    pub const MAX_HOURS: i64 = 12;

    /// A slot from `start` to `end`; the end must be after the start.
    pub fn new(start: Instant, end: Instant) -> Result<Appointment, ValidationError> {
        if end <= start {
            return Err(ValidationError::new(
                "appointment",
                "the end of the slot must be after its start",
            ));
        }
        Ok(Appointment { start, end })
    }

    /// Whether the slot is longer than [`Appointment::MAX_HOURS`].
    pub fn too_long(self) -> bool {
        self.end.0.saturating_sub(self.start.0) > Self::MAX_HOURS * 3_600_000
    }

    /// Start of the slot.
    pub fn start(self) -> Instant {
        self.start
    }

    /// End of the slot.
    pub fn end(self) -> Instant {
        self.end
    }
}

impl TryFrom<AppointmentSlot> for Appointment {
    type Error = ValidationError;

    fn try_from(s: AppointmentSlot) -> Result<Self, Self::Error> {
        Appointment::new(s.start, s.end)
    }
}

/// What the station reports when it completes the work. Parts used and returned are recorded
/// through the stock ledger, not here.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Completion {
    /// What was done, in words.
    pub actions_taken: String,
    /// The diagnosed fault, from the product line's fault-code list.
    pub fault_code: Option<FaultCodeId>,
}

/// An action on a ticket, with its data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum TicketAction {
    /// Send to `station`.
    Dispatch {
        /// The station that gets the ticket.
        station: StationId,
    },
    /// Take the ticket back from its station.
    Recall {
        /// Why (e.g. on-site deadline at risk).
        reason: String,
    },
    /// The station takes the ticket.
    Accept,
    /// The station refuses the ticket.
    Reject {
        /// Why (required).
        reason: String,
    },
    /// The acceptance window ran out.
    AcceptTimeout,
    /// Name the technician.
    AssignTechnician {
        /// The technician, of the ticket's station.
        technician: TechnicianId,
    },
    /// Book (or re-book) a visit.
    Schedule {
        /// The slot agreed with the customer.
        appointment: Appointment,
    },
    /// The technician is on site.
    Arrive,
    /// The repair waits for parts.
    WaitForParts,
    /// The awaited parts arrived.
    PartsArrived,
    /// The work is done.
    Complete(Completion),
    /// The callback survey's answers.
    Callback(CallbackOutcome),
    /// Finish the ticket.
    Close,
    /// Settle without a visit.
    Resolve {
        /// How it was settled.
        resolution: String,
    },
    /// Call the ticket off.
    Cancel {
        /// Why (required).
        reason: String,
    },
    /// Open a closed ticket again.
    Reopen {
        /// Why (required).
        reason: String,
    },
}

impl TicketAction {
    /// The kind of this action.
    pub fn kind(&self) -> ActionKind {
        match self {
            TicketAction::Dispatch { .. } => ActionKind::Dispatch,
            TicketAction::Recall { .. } => ActionKind::Recall,
            TicketAction::Accept => ActionKind::Accept,
            TicketAction::Reject { .. } => ActionKind::Reject,
            TicketAction::AcceptTimeout => ActionKind::AcceptTimeout,
            TicketAction::AssignTechnician { .. } => ActionKind::AssignTechnician,
            TicketAction::Schedule { .. } => ActionKind::Schedule,
            TicketAction::Arrive => ActionKind::Arrive,
            TicketAction::WaitForParts => ActionKind::WaitForParts,
            TicketAction::PartsArrived => ActionKind::PartsArrived,
            TicketAction::Complete(_) => ActionKind::Complete,
            TicketAction::Callback(_) => ActionKind::Callback,
            TicketAction::Close => ActionKind::Close,
            TicketAction::Resolve { .. } => ActionKind::Resolve,
            TicketAction::Cancel { .. } => ActionKind::Cancel,
            TicketAction::Reopen { .. } => ActionKind::Reopen,
        }
    }

    /// Check the action's own data (required reasons, callback answers), independent of the
    /// ticket it is applied to.
    pub fn validate(&self) -> Result<(), ValidationError> {
        match self {
            TicketAction::Recall { reason }
            | TicketAction::Reject { reason }
            | TicketAction::Cancel { reason }
            | TicketAction::Reopen { reason } => required_text("reason", reason),
            TicketAction::Resolve { resolution } => required_text("resolution", resolution),
            TicketAction::Complete(c) => required_text("actions_taken", &c.actions_taken),
            TicketAction::Callback(outcome) => outcome.validate(),
            TicketAction::Dispatch { .. }
            | TicketAction::Accept
            | TicketAction::AcceptTimeout
            | TicketAction::AssignTechnician { .. }
            | TicketAction::Schedule { .. }
            | TicketAction::Arrive
            | TicketAction::WaitForParts
            | TicketAction::PartsArrived
            | TicketAction::Close => Ok(()),
        }
    }

    /// The free text the action carries (reason, resolution, work done, callback comments),
    /// shown on the timeline.
    pub fn note(&self) -> Option<&str> {
        match self {
            TicketAction::Recall { reason }
            | TicketAction::Reject { reason }
            | TicketAction::Cancel { reason }
            | TicketAction::Reopen { reason } => Some(reason.trim()),
            TicketAction::Resolve { resolution } => Some(resolution.trim()),
            TicketAction::Complete(c) => Some(c.actions_taken.trim()),
            TicketAction::Callback(o) if !o.comments.trim().is_empty() => Some(o.comments.trim()),
            _ => None,
        }
    }
}

/// A required free-text field: not blank, at most [`MAX_REASON`] characters, no control
/// characters but line breaks and tabs.
fn required_text(field: &str, text: &str) -> Result<(), ValidationError> {
    crate::validate::text(field, text, MAX_REASON).map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ticket::callback::Satisfaction;

    #[test]
    fn appointment_end_must_follow_start() {
        let t = Instant(1_000);
        assert!(Appointment::new(t, Instant(2_000)).is_ok());
        assert!(Appointment::new(t, t).is_err());
        assert!(Appointment::new(Instant(2_000), t).is_err());
        let bad = AppointmentSlot {
            start: Instant(5),
            end: Instant(4),
        };
        assert!(Appointment::try_from(bad).is_err());
    }

    #[test]
    fn reasons_are_required_and_bounded() {
        let blank = TicketAction::Reject {
            reason: "   ".into(),
        };
        assert_eq!(blank.validate().unwrap_err().field, "reason");
        let long = TicketAction::Cancel {
            reason: "x".repeat(MAX_REASON + 1),
        };
        assert!(long.validate().is_err());
        let ok = TicketAction::Cancel {
            reason: "客户取消".into(),
        };
        assert!(ok.validate().is_ok());
    }

    #[test]
    fn completion_needs_the_work_done_in_words() {
        let c = TicketAction::Complete(Completion {
            actions_taken: "".into(),
            fault_code: None,
        });
        assert_eq!(c.validate().unwrap_err().field, "actions_taken");
    }

    #[test]
    fn callback_validation_is_the_outcome_validation() {
        let a = TicketAction::Callback(CallbackOutcome {
            fixed: true,
            satisfaction: Satisfaction::new(5).unwrap(),
            comments: String::new(),
            false_completion: true,
        });
        assert_eq!(a.validate().unwrap_err().field, "false_completion");
        assert_eq!(a.note(), None);
    }

    #[test]
    fn note_is_the_trimmed_free_text() {
        let a = TicketAction::Reject {
            reason: "  no technician free ".into(),
        };
        assert_eq!(a.note(), Some("no technician free"));
        assert_eq!(TicketAction::Accept.note(), None);
    }
}
