//! The transition table: which action moves a ticket from which status to which.
//!
//! ```text
//! new / returned   dispatch → dispatched, resolve → closed, cancel → cancelled
//! dispatched       accept → accepted; reject / accept_timeout / recall → returned; cancel
//! accepted         assign_technician → accepted, schedule → scheduled, recall → returned; cancel
//! scheduled        assign_technician / schedule → scheduled, arrive → on_site,
//!                  recall → returned; cancel
//! on_site          wait_for_parts → waiting_for_parts, complete → completed; cancel
//! waiting_for_parts parts_arrived → on_site, schedule → scheduled (a second visit),
//!                  assign_technician → waiting_for_parts; cancel
//! completed        callback → callback_done when fixed, → accepted when not fixed
//! callback_done    close → closed, reopen → returned
//! closed           reopen → returned
//! cancelled        nothing (final)
//! ```
//!
//! "Not fixed" on the callback hands the ticket back to the same station as `accepted`: the
//! station owes the fix and books a new visit (the dispatcher can still recall it). A reopened
//! closed ticket goes to the dispatcher (`returned`), who picks the station again. Only open
//! tickets (before completion) can be cancelled. Guards that need more than the status (reasons,
//! the acceptance deadline, the reopen window, an assigned technician) live in
//! [`crate::ticket::state`].

use crate::ticket::action::{ActionKind, TicketAction};
use crate::ticket::status::TicketStatus;

/// Where an action leads from a status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edge {
    /// Always to this status.
    To(TicketStatus),
    /// The callback's answer decides.
    ByCallback {
        /// When the customer confirms the fix.
        fixed: TicketStatus,
        /// When it is not fixed (the ticket is reopened).
        not_fixed: TicketStatus,
    },
}

/// The edge for `kind` out of `status`, if the table has one.
pub fn edge(status: TicketStatus, kind: ActionKind) -> Option<Edge> {
    use ActionKind as A;
    use TicketStatus as S;
    let to = match (status, kind) {
        (S::New | S::Returned, A::Dispatch) => S::Dispatched,
        (S::New | S::Returned, A::Resolve) => S::Closed,
        (S::Dispatched, A::Accept) => S::Accepted,
        (S::Dispatched, A::Reject | A::AcceptTimeout) => S::Returned,
        (S::Dispatched | S::Accepted | S::Scheduled, A::Recall) => S::Returned,
        (S::Accepted, A::AssignTechnician) => S::Accepted,
        (S::Accepted | S::Scheduled | S::WaitingForParts, A::Schedule) => S::Scheduled,
        (S::Scheduled, A::AssignTechnician) => S::Scheduled,
        (S::Scheduled, A::Arrive) => S::OnSite,
        (S::OnSite, A::WaitForParts) => S::WaitingForParts,
        (S::OnSite, A::Complete) => S::Completed,
        (S::WaitingForParts, A::PartsArrived) => S::OnSite,
        (S::WaitingForParts, A::AssignTechnician) => S::WaitingForParts,
        (S::Completed, A::Callback) => {
            return Some(Edge::ByCallback {
                fixed: S::CallbackDone,
                not_fixed: S::Accepted,
            });
        }
        (S::CallbackDone, A::Close) => S::Closed,
        (S::CallbackDone | S::Closed, A::Reopen) => S::Returned,
        (s, A::Cancel) if s.is_open() => S::Cancelled,
        _ => return None,
    };
    Some(Edge::To(to))
}

/// The status `action` leads to from `status`, or `None` when the table forbids it.
pub fn next_status(status: TicketStatus, action: &TicketAction) -> Option<TicketStatus> {
    match edge(status, action.kind())? {
        Edge::To(to) => Some(to),
        Edge::ByCallback { fixed, not_fixed } => match action {
            TicketAction::Callback(outcome) if outcome.fixed => Some(fixed),
            _ => Some(not_fixed),
        },
    }
}

/// The actions the table allows from `status`, in [`ActionKind::ALL`] order.
pub fn allowed_actions(status: TicketStatus) -> Vec<ActionKind> {
    ActionKind::ALL
        .iter()
        .copied()
        .filter(|k| edge(status, *k).is_some())
        .collect()
}

/// Every status `kind` can lead to from `status` (two for the callback, none when forbidden).
pub fn possible_targets(status: TicketStatus, kind: ActionKind) -> Vec<TicketStatus> {
    match edge(status, kind) {
        None => Vec::new(),
        Some(Edge::To(to)) => vec![to],
        Some(Edge::ByCallback { fixed, not_fixed }) => vec![fixed, not_fixed],
    }
}

/// Every status reachable from `new` through the table (all of them, as a test checks).
pub fn reachable_from_new() -> Vec<TicketStatus> {
    let mut seen = vec![TicketStatus::New];
    let mut i = 0;
    while i < seen.len() {
        let from = seen[i];
        for kind in ActionKind::ALL {
            for to in possible_targets(from, *kind) {
                if !seen.contains(&to) {
                    seen.push(to);
                }
            }
        }
        i += 1;
    }
    seen
}
