//! Who is acting, what their role may do, and which tenant's data they may see.
//!
//! This is the one place where the tenancy rule lives: station and technician users see
//! only their station's data, brand users only their brand's. Objects outside the scope
//! are reported as not found, so their existence does not leak.

use crate::error::{AppError, AppResult};
use aftercare_domain::{BrandId, Principal, Role, Scope, StationId, UserId};
use aftercare_store::audit::NewAuditEntry;
use aftercare_store::users::UserRecord;

/// On whose behalf a use case runs.
#[derive(Debug, Clone)]
pub enum Actor {
    /// A logged-in user or an API token, with the HTTP request id.
    User {
        /// The principal.
        principal: Principal,
        /// Request id for the audit log.
        request_id: Option<String>,
    },
    /// An operator at the command line (has shell access to the server: full rights).
    Cli,
}

impl Actor {
    /// An actor for a principal.
    pub fn user(principal: Principal, request_id: Option<String>) -> Self {
        Actor::User {
            principal,
            request_id,
        }
    }

    /// The principal, if a user.
    pub fn principal(&self) -> Option<&Principal> {
        match self {
            Actor::User { principal, .. } => Some(principal),
            Actor::Cli => None,
        }
    }

    /// Fail unless the actor has one of `roles` (the CLI always may).
    pub fn require(&self, roles: &[Role], action: &str) -> AppResult<()> {
        match self {
            Actor::Cli => Ok(()),
            Actor::User { principal, .. } if principal.has_any(roles) => Ok(()),
            Actor::User { .. } => Err(AppError::forbidden(action)),
        }
    }

    /// The data scope of the actor.
    pub fn scope(&self) -> Scope {
        match self {
            Actor::Cli => Scope::All,
            Actor::User { principal, .. } => principal.scope,
        }
    }

    /// The station the actor is confined to, if any.
    pub fn own_station(&self) -> Option<StationId> {
        match self.scope() {
            Scope::Station(s) => Some(s),
            _ => None,
        }
    }

    /// Fail with NotFound unless an object owned by `station` is in scope.
    pub fn ensure_station_visible(&self, station: Option<StationId>, what: &str) -> AppResult<()> {
        if self.scope().allows_station(station) {
            Ok(())
        } else {
            Err(AppError::not_found(what))
        }
    }

    /// Fail with NotFound unless an object of `brand` is in scope.
    pub fn ensure_brand_visible(&self, brand: Option<BrandId>, what: &str) -> AppResult<()> {
        if self.scope().allows_brand(brand) {
            Ok(())
        } else {
            Err(AppError::not_found(what))
        }
    }

    /// An audit entry skeleton for this actor.
    pub fn audit(
        &self,
        now: aftercare_domain::Instant,
        action: &str,
        object_type: &str,
        object_id: impl ToString,
    ) -> NewAuditEntry {
        let (actor_id, actor_login, request_id) = match self {
            Actor::User {
                principal,
                request_id,
            } => (
                Some(principal.user_id),
                principal.login.clone(),
                request_id.clone(),
            ),
            Actor::Cli => (None::<UserId>, "cli".to_string(), None),
        };
        NewAuditEntry {
            at: now,
            actor_id,
            actor_login,
            action: action.into(),
            object_type: object_type.into(),
            object_id: object_id.to_string(),
            before: None,
            after: None,
            request_id,
        }
    }
}

/// The scope a stored user acts in: the tenancy rule.
pub fn scope_of(user: &UserRecord) -> AppResult<Scope> {
    match user.role {
        Role::Station | Role::Technician => user
            .station_id
            .map(Scope::Station)
            .ok_or_else(|| AppError::Unexpected(format!("user {} has no station", user.login))),
        Role::Brand => user
            .brand_id
            .map(Scope::Brand)
            .ok_or_else(|| AppError::Unexpected(format!("user {} has no brand", user.login))),
        _ => Ok(Scope::All),
    }
}

/// The principal for a stored user.
pub fn principal_of(user: &UserRecord) -> AppResult<Principal> {
    Ok(Principal {
        user_id: user.id,
        login: user.login.clone(),
        role: user.role,
        scope: scope_of(user)?,
    })
}

/// HQ roles that see every tenant.
pub const HQ: &[Role] = &[
    Role::Admin,
    Role::Manager,
    Role::Agent,
    Role::Dispatcher,
    Role::Warehouse,
];

/// Every role.
pub const EVERYONE: &[Role] = &Role::ALL;

#[cfg(test)]
mod tests {
    use super::*;
    use aftercare_domain::Instant;

    fn station_user(station: i64) -> UserRecord {
        UserRecord {
            id: UserId(1),
            login: "s".into(),
            display_name: "s".into(),
            role: Role::Station,
            station_id: Some(StationId(station)),
            technician_id: None,
            brand_id: None,
            language: None,
            active: true,
            created_at: Instant(0),
        }
    }

    #[test]
    fn a_station_user_is_scoped_to_its_station_and_sees_others_as_not_found() {
        let actor = Actor::user(principal_of(&station_user(7)).unwrap(), None);
        assert_eq!(actor.scope(), Scope::Station(StationId(7)));
        assert!(
            actor
                .ensure_station_visible(Some(StationId(7)), "ticket")
                .is_ok()
        );
        assert!(matches!(
            actor.ensure_station_visible(Some(StationId(8)), "ticket"),
            Err(AppError::NotFound { .. })
        ));
    }

    #[test]
    fn roles_are_checked_and_the_cli_may_do_anything() {
        let actor = Actor::user(principal_of(&station_user(7)).unwrap(), None);
        assert!(matches!(
            actor.require(&[Role::Admin], "add users"),
            Err(AppError::Forbidden { .. })
        ));
        assert!(actor.require(&[Role::Station], "accept").is_ok());
        assert!(Actor::Cli.require(&[Role::Admin], "add users").is_ok());
    }
}
