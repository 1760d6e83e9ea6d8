//! Which roles may perform which ticket action. Only the role is judged here; whether the
//! ticket belongs to the user's station is the data scope's business (see [`crate::role::Scope`]).
//!
//! | action | roles | system |
//! |---|---|---|
//! | dispatch | dispatcher, manager, admin | yes (auto-dispatch) |
//! | recall | dispatcher, manager, admin | no |
//! | accept, reject, assign_technician | station, admin | no |
//! | accept_timeout | — | yes (the timer) |
//! | schedule, arrive, wait_for_parts, complete | station, technician, admin | no |
//! | parts_arrived | station, technician, admin | yes (stock receipt) |
//! | callback | agent, manager, admin | no |
//! | close | agent, manager, admin | yes (auto-close) |
//! | resolve, cancel, reopen | agent, dispatcher, manager, admin | no |
//!
//! The admin may do every human action (support override). Warehouse and brand users never
//! change tickets.

use crate::ids::UserId;
use crate::role::{Principal, Role};
use crate::ticket::action::ActionKind;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Who performs an action: a logged-in user, or the system itself (timers, auto-dispatch).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Actor {
    /// A background rule of Aftercare.
    System,
    /// A user acting in a role.
    User {
        /// The user.
        id: UserId,
        /// Their role.
        role: Role,
    },
}

impl Actor {
    /// The role, if a user acts.
    pub fn role(self) -> Option<Role> {
        match self {
            Actor::System => None,
            Actor::User { role, .. } => Some(role),
        }
    }
}

impl From<&Principal> for Actor {
    fn from(p: &Principal) -> Actor {
        Actor::User {
            id: p.user_id,
            role: p.role,
        }
    }
}

impl fmt::Display for Actor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Actor::System => f.write_str("system"),
            Actor::User { id, role } => write!(f, "user {id} ({role})"),
        }
    }
}

/// The roles that may perform `kind`.
pub fn roles_for(kind: ActionKind) -> &'static [Role] {
    use ActionKind as A;
    use Role as R;
    match kind {
        A::Dispatch | A::Recall => &[R::Admin, R::Manager, R::Dispatcher],
        A::Accept | A::Reject | A::AssignTechnician => &[R::Admin, R::Station],
        A::AcceptTimeout => &[],
        A::Schedule | A::Arrive | A::WaitForParts | A::PartsArrived | A::Complete => {
            &[R::Admin, R::Station, R::Technician]
        }
        A::Callback | A::Close => &[R::Admin, R::Manager, R::Agent],
        A::Resolve | A::Cancel | A::Reopen => &[R::Admin, R::Manager, R::Agent, R::Dispatcher],
    }
}

/// Whether the system (no user) may perform `kind`. It puts a ticket back to waiting for
/// parts when a reserved part's ledger reservation is gone (expired or released) and no
/// stock is there to reserve it again, and back on site when the parts arrive.
pub fn system_may(kind: ActionKind) -> bool {
    matches!(
        kind,
        ActionKind::Dispatch
            | ActionKind::AcceptTimeout
            | ActionKind::WaitForParts
            | ActionKind::PartsArrived
            | ActionKind::Close
    )
}

/// Whether `actor` may perform `kind` on a ticket it can see.
pub fn may_perform(actor: Actor, kind: ActionKind) -> bool {
    match actor {
        Actor::System => system_may(kind),
        Actor::User { role, .. } => roles_for(kind).contains(&role),
    }
}

/// The actions a role may ever perform, in [`ActionKind::ALL`] order (for menus and docs).
pub fn actions_of(role: Role) -> Vec<ActionKind> {
    ActionKind::ALL
        .iter()
        .copied()
        .filter(|k| roles_for(*k).contains(&role))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(role: Role) -> Actor {
        Actor::User {
            id: UserId(1),
            role,
        }
    }

    fn codes(kinds: Vec<ActionKind>) -> Vec<&'static str> {
        kinds.into_iter().map(|k| k.code()).collect()
    }

    #[test]
    fn each_role_gets_exactly_its_documented_actions() {
        let expected: [(Role, &[&str]); 8] = [
            (
                Role::Admin,
                &[
                    "dispatch",
                    "recall",
                    "accept",
                    "reject",
                    "assign_technician",
                    "schedule",
                    "arrive",
                    "wait_for_parts",
                    "parts_arrived",
                    "complete",
                    "callback",
                    "close",
                    "resolve",
                    "cancel",
                    "reopen",
                ],
            ),
            (
                Role::Manager,
                &[
                    "dispatch", "recall", "callback", "close", "resolve", "cancel", "reopen",
                ],
            ),
            (
                Role::Agent,
                &["callback", "close", "resolve", "cancel", "reopen"],
            ),
            (
                Role::Dispatcher,
                &["dispatch", "recall", "resolve", "cancel", "reopen"],
            ),
            (Role::Warehouse, &[]),
            (
                Role::Station,
                &[
                    "accept",
                    "reject",
                    "assign_technician",
                    "schedule",
                    "arrive",
                    "wait_for_parts",
                    "parts_arrived",
                    "complete",
                ],
            ),
            (
                Role::Technician,
                &[
                    "schedule",
                    "arrive",
                    "wait_for_parts",
                    "parts_arrived",
                    "complete",
                ],
            ),
            (Role::Brand, &[]),
        ];
        for (role, actions) in expected {
            assert_eq!(codes(actions_of(role)), actions, "{role}");
        }
    }

    #[test]
    fn only_the_system_times_out_an_acceptance() {
        assert!(may_perform(Actor::System, ActionKind::AcceptTimeout));
        for role in Role::ALL {
            assert!(
                !may_perform(user(role), ActionKind::AcceptTimeout),
                "{role}"
            );
        }
    }

    #[test]
    fn the_system_may_only_auto_dispatch_time_out_wait_for_and_receive_parts_and_close() {
        let sys: Vec<_> = ActionKind::ALL
            .iter()
            .copied()
            .filter(|k| may_perform(Actor::System, *k))
            .collect();
        assert_eq!(
            codes(sys),
            [
                "dispatch",
                "accept_timeout",
                "wait_for_parts",
                "parts_arrived",
                "close"
            ]
        );
    }

    #[test]
    fn a_station_cannot_dispatch_or_callback_and_an_agent_cannot_accept() {
        assert!(!may_perform(user(Role::Station), ActionKind::Dispatch));
        assert!(!may_perform(user(Role::Station), ActionKind::Callback));
        assert!(!may_perform(user(Role::Agent), ActionKind::Accept));
        assert!(may_perform(user(Role::Technician), ActionKind::Arrive));
    }

    #[test]
    fn a_principal_acts_as_its_user_and_role() {
        let p = Principal {
            user_id: UserId(4),
            login: "zhang".into(),
            role: Role::Dispatcher,
            scope: crate::role::Scope::All,
        };
        assert_eq!(
            Actor::from(&p),
            Actor::User {
                id: UserId(4),
                role: Role::Dispatcher
            }
        );
    }

    #[test]
    fn actors_print_who_they_are() {
        assert_eq!(Actor::System.to_string(), "system");
        assert_eq!(user(Role::Agent).to_string(), "user 1 (agent)");
        assert_eq!(user(Role::Agent).role(), Some(Role::Agent));
        assert_eq!(Actor::System.role(), None);
    }
}
