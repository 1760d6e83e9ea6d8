//! Why an action on a ticket was refused.

use crate::ticket::action::ActionKind;
use crate::ticket::permission::Actor;
use crate::ticket::status::TicketStatus;
use crate::time::Instant;
use crate::validate::ValidationError;

/// An action that cannot be applied to a ticket.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    /// The transition table has no such move from the current status.
    #[error("cannot {action} a ticket that is {status}; allowed: {}", list(.allowed))]
    NotAllowed {
        /// The ticket's status.
        status: TicketStatus,
        /// What was attempted.
        action: ActionKind,
        /// What the table allows from `status`.
        allowed: Vec<ActionKind>,
    },
    /// The actor's role may never perform this action.
    #[error("{actor} may not {action} tickets")]
    Forbidden {
        /// Who tried.
        actor: Actor,
        /// What was attempted.
        action: ActionKind,
    },
    /// The action's own data is invalid (missing reason, bad callback answers, ...).
    #[error("{0}")]
    Invalid(#[from] ValidationError),
    /// The action is dated before the ticket's last event; the timeline never goes back.
    #[error("the action at {} is earlier than the ticket's last event at {}", .at.to_utc(), .last.to_utc())]
    OutOfOrder {
        /// The last event's instant.
        last: Instant,
        /// The instant given with the action.
        at: Instant,
    },
    /// An acceptance timeout was claimed before the station's window ran out.
    #[error("the station has until {} to accept", .deadline.to_utc())]
    AcceptWindowOpen {
        /// When the window ends.
        deadline: Instant,
    },
    /// A closed ticket was reopened after the repeat-repair window.
    #[error("the ticket can only be reopened until {}; open a new ticket instead", .window_end.to_utc())]
    ReopenWindowClosed {
        /// The last instant it could have been reopened.
        window_end: Instant,
    },
    /// Reopening needs a completion to count the window from; this ticket was settled
    /// without one.
    #[error("the ticket was never completed, so it cannot be reopened; open a new ticket instead")]
    NeverCompleted,
    /// A visit was booked before any technician was assigned.
    #[error("assign a technician before booking a visit")]
    NoTechnician,
    /// The stored ticket lacks a fact the action needs (e.g. a dispatched ticket without a
    /// dispatch time); a bug or a bad import, never a user error.
    #[error("inconsistent ticket: {0}")]
    Inconsistent(&'static str),
}

impl TransitionError {
    /// A stable machine-readable code for the API's error body.
    pub fn code(&self) -> &'static str {
        match self {
            TransitionError::NotAllowed { .. } => "ticket.invalid_transition",
            TransitionError::Forbidden { .. } => "ticket.forbidden_action",
            TransitionError::Invalid(_) => "ticket.invalid_input",
            TransitionError::OutOfOrder { .. } => "ticket.out_of_order",
            TransitionError::AcceptWindowOpen { .. } => "ticket.accept_window_open",
            TransitionError::ReopenWindowClosed { .. } => "ticket.reopen_window_closed",
            TransitionError::NeverCompleted => "ticket.never_completed",
            TransitionError::NoTechnician => "ticket.no_technician",
            TransitionError::Inconsistent(_) => "ticket.inconsistent",
        }
    }
}

fn list(kinds: &[ActionKind]) -> String {
    if kinds.is_empty() {
        return "nothing (the ticket is final)".to_string();
    }
    kinds
        .iter()
        .map(|k| k.code())
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn not_allowed_names_status_action_and_allowed_actions() {
        let e = TransitionError::NotAllowed {
            status: TicketStatus::Closed,
            action: ActionKind::Accept,
            allowed: vec![ActionKind::Reopen],
        };
        assert_eq!(
            e.to_string(),
            "cannot accept a ticket that is closed; allowed: reopen"
        );
        assert_eq!(e.code(), "ticket.invalid_transition");
    }

    #[test]
    fn a_final_ticket_says_nothing_is_allowed() {
        let e = TransitionError::NotAllowed {
            status: TicketStatus::Cancelled,
            action: ActionKind::Reopen,
            allowed: vec![],
        };
        assert!(
            e.to_string()
                .ends_with("allowed: nothing (the ticket is final)")
        );
    }
}
