//! Service tickets: customers and units (found by any phone or serial), intake with warranty,
//! SLA deadlines and repeat-repair detection, dispatch with ranked suggestions, the station's
//! and technician's steps, callbacks, and the background sweeps (SLA, accept timeout).
//!
//! The rules live in `aftercare_domain::ticket` ([`TicketState::apply`] and its table); this
//! module checks who may act on which ticket (through [`crate::access`]: a station or
//! technician user only ever sees its station's tickets, others are "not found"), runs the
//! transition in one write transaction with the timeline entry, the outbox event and the
//! audit entry, and guards concurrent changes with the ticket's version.

mod customers;
pub(crate) mod demo;
mod export;
mod flow;
mod parts;
mod request;
mod sample;
mod sweep;

pub use aftercare_store::tickets::{
    AddressRecord, BreachRecord, CustomerRecord, EventRecord, FaultCodeRecord, PhoneRecord,
    TicketExtras, TicketFilter, TicketRecord, TicketSettings, TicketSummary, UnitRecord,
};
pub use customers::{CustomerView, UnitView};
pub use export::MAX_EXPORT_ROWS;
pub use flow::{IntakeRequest, StationSuggestion, Suggestions, TicketDetail, TicketSettingsUpdate};
pub(crate) use parts::{Freed, ends_reservations};
pub use parts::{
    LineView, OLD_FOR_NEW_DAYS, PARTS_ROLES, PartLine, PartRequestLine, PartUse, RESERVATION_DAYS,
    RESERVATION_EXPIRED, RESERVATION_RELEASED, RESERVATION_SHRUNK, RETURNED_ON_CANCEL,
    RepairCompletion, ReturnObligation, SubstituteView, TicketParts, new_parts_request_key,
};
pub use request::ActionRequest;
pub use sample::{PartsSample, SAMPLE_PASSWORD, SampleWorld};
pub use sweep::{SweepReport, TIMER_INTERVAL};

use crate::access::Actor;
use crate::error::AppError;
use aftercare_domain::ticket::{Actor as TicketActor, TransitionError};
use aftercare_domain::{Role, UserId};

/// Roles that work tickets at headquarters (see every station's tickets).
pub const TICKET_HQ: &[Role] = &[Role::Admin, Role::Manager, Role::Agent, Role::Dispatcher];

/// Roles that may read tickets at all (HQ plus the station side, scoped).
pub const TICKET_READERS: &[Role] = &[
    Role::Admin,
    Role::Manager,
    Role::Agent,
    Role::Dispatcher,
    Role::Station,
    Role::Technician,
];

/// The state machine's actor for an application actor. The command line acts as an admin
/// without a user id (stored as no user).
pub(crate) fn ticket_actor(actor: &Actor) -> TicketActor {
    match actor.principal() {
        Some(p) => TicketActor::User {
            id: p.user_id,
            role: p.role,
        },
        None => TicketActor::User {
            id: UserId(0),
            role: Role::Admin,
        },
    }
}

/// One mapping from a refused transition to the application error: an illegal move is a
/// conflict whose message names the current status and the allowed actions.
pub(crate) fn transition_error(e: TransitionError) -> AppError {
    match e {
        TransitionError::Forbidden { .. } => AppError::forbidden(e.to_string()),
        TransitionError::Invalid(v) => AppError::Invalid(vec![v]),
        TransitionError::Inconsistent(_) => AppError::Unexpected(e.to_string()),
        other => AppError::Conflict {
            code: other.code().to_string(),
            message: other.to_string(),
        },
    }
}
