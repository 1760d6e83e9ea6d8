//! Service tickets (工单): what they are about, their checked state machine, who may move them,
//! their numbers, callbacks and repeat repairs.
//!
//! The life of a ticket is [`TicketState`]; [`TicketState::apply`] is the only way to move it
//! on and returns the [`TimelineEntry`] to store. The bare table of legal moves is in
//! [`table`], the role rules in [`permission`].

pub mod action;
pub mod callback;
pub mod error;
pub mod intake;
pub mod kind;
pub mod number;
pub mod parts;
pub mod permission;
pub mod repeat;
pub mod rules;
pub mod state;
pub mod status;
pub mod table;

#[cfg(test)]
mod tests;

pub use action::{ActionKind, Appointment, AppointmentSlot, Completion, TicketAction};
pub use callback::{CallbackOutcome, Satisfaction};
pub use error::TransitionError;
pub use intake::{IntakeAssessment, IntakeFacts, TicketInput, assess_intake};
pub use kind::{Channel, Priority, TicketType};
pub use number::{TicketNumber, TicketNumberError};
pub use permission::{Actor, may_perform, roles_for};
pub use repeat::{PriorCompletion, RepeatWindow, find_repeat};
pub use rules::TicketRules;
pub use state::{Milestones, TicketState, TimelineEntry};
pub use status::TicketStatus;
pub use table::{allowed_actions, next_status};
