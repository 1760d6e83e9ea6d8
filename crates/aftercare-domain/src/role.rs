//! Roles, the authenticated principal, and the data scope a principal may see.

use crate::ids::{BrandId, StationId, UserId};
use serde::{Deserialize, Serialize};
use std::fmt;

/// What a user does in Aftercare; decides which pages and actions they get.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// System administrator: users, tokens, settings, audit.
    Admin,
    /// HQ after-sales manager: KPIs, approvals, settlement.
    Manager,
    /// Call-centre agent: intake and callbacks.
    Agent,
    /// Dispatcher: sends tickets to stations, watches SLAs.
    Dispatcher,
    /// Parts planner / warehouse keeper.
    Warehouse,
    /// A service station's office; bound to one station.
    Station,
    /// A station's technician; bound to one station.
    Technician,
    /// A brand customer (ODM contract); bound to one brand.
    Brand,
}

/// A role code that is not one of ours.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown role '{0}' (expected one of: admin, manager, agent, dispatcher, warehouse, station, technician, brand)"
)]
pub struct UnknownRole(pub String);

impl Role {
    /// Every role, in display order.
    pub const ALL: [Role; 8] = [
        Role::Admin,
        Role::Manager,
        Role::Agent,
        Role::Dispatcher,
        Role::Warehouse,
        Role::Station,
        Role::Technician,
        Role::Brand,
    ];

    /// The stable code stored in the database and used on the command line.
    pub fn code(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Manager => "manager",
            Role::Agent => "agent",
            Role::Dispatcher => "dispatcher",
            Role::Warehouse => "warehouse",
            Role::Station => "station",
            Role::Technician => "technician",
            Role::Brand => "brand",
        }
    }

    /// Parse a role code.
    pub fn parse(code: &str) -> Result<Role, UnknownRole> {
        Role::ALL
            .into_iter()
            .find(|r| r.code() == code.trim())
            .ok_or_else(|| UnknownRole(code.to_string()))
    }

    /// Whether users of this role must be bound to a station.
    pub fn needs_station(self) -> bool {
        matches!(self, Role::Station | Role::Technician)
    }

    /// Whether users of this role must be bound to a brand customer.
    pub fn needs_brand(self) -> bool {
        matches!(self, Role::Brand)
    }

    /// HQ roles see every tenant's data.
    pub fn is_hq(self) -> bool {
        !(self.needs_station() || self.needs_brand())
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// Which slice of the company's data a principal may see and change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum Scope {
    /// HQ: everything.
    All,
    /// Only one station's tickets, stock, technicians and money.
    Station(StationId),
    /// Only one brand customer's units and service performance.
    Brand(BrandId),
}

impl Scope {
    /// Whether an object owned by `station` is visible in this scope.
    pub fn allows_station(self, station: Option<StationId>) -> bool {
        match self {
            Scope::All => true,
            Scope::Station(own) => station == Some(own),
            Scope::Brand(_) => false,
        }
    }

    /// Whether an object belonging to `brand` is visible in this scope.
    pub fn allows_brand(self, brand: Option<BrandId>) -> bool {
        match self {
            Scope::All => true,
            Scope::Brand(own) => brand == Some(own),
            Scope::Station(_) => false,
        }
    }
}

/// The authenticated user on whose behalf a use case runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Principal {
    /// The user's id.
    pub user_id: UserId,
    /// The login name.
    pub login: String,
    /// The role.
    pub role: Role,
    /// The data the user may see.
    pub scope: Scope,
}

impl Principal {
    /// Whether the principal has one of the given roles.
    pub fn has_any(&self, roles: &[Role]) -> bool {
        roles.contains(&self.role)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_role_code_round_trips() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.code()).unwrap(), r);
        }
        assert!(Role::parse("root").is_err());
    }

    #[test]
    fn station_scope_sees_only_its_own_station() {
        let s = Scope::Station(StationId(1));
        assert!(s.allows_station(Some(StationId(1))));
        assert!(!s.allows_station(Some(StationId(2))));
        assert!(!s.allows_station(None));
        assert!(Scope::All.allows_station(None));
        assert!(!Scope::Brand(BrandId(1)).allows_station(Some(StationId(1))));
    }

    #[test]
    fn brand_scope_sees_only_its_own_brand() {
        let b = Scope::Brand(BrandId(3));
        assert!(b.allows_brand(Some(BrandId(3))));
        assert!(!b.allows_brand(Some(BrandId(4))));
        assert!(!Scope::Station(StationId(1)).allows_brand(Some(BrandId(3))));
    }
}
