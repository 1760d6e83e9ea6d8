//! Read-only views of the planning pages that the run does not need: whose warehouses'
//! planning an actor sees, and what the source of a transfer proposal can ship now.
//!
//! Tenancy: planners see every warehouse's planning and decide it; a station's office user
//! sees, read-only, the planning of its own station's warehouses (the proposals that
//! replenish it and why); another warehouse is "not found", as on the stock pages. This is
//! the one place for that rule: the list, the count, one proposal, a part's plan and the
//! latest run all go through [`App::plan_scope`].

use crate::App;
use crate::access::Actor;
use crate::error::{AppError, AppResult};
use crate::planning::PLANNERS;
use aftercare_domain::{Role, Scope, WarehouseId};
use aftercare_store::org;
use aftercare_store::plan_views as store;
use aftercare_store::planning::{ProposalFilter, ProposalRow};
use std::collections::{HashMap, HashSet};

/// Roles that see planning: the planners, and a station's office user at its own
/// warehouses (read-only: deciding and running stay with [`PLANNERS`]).
pub const PLAN_READERS: &[Role] = &[Role::Admin, Role::Manager, Role::Warehouse, Role::Station];

/// Whether the actor may decide proposals and run planning (the pages offer those forms
/// only then; the use cases check it themselves).
pub fn may_decide(actor: &Actor) -> bool {
    actor
        .require(PLANNERS, "decide replenishment proposals")
        .is_ok()
}

/// The warehouses whose planning an actor sees.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlanScope {
    /// Every warehouse (planners, the CLI).
    All,
    /// Only these: a station user's own warehouses (none for a station without one).
    Only(HashSet<WarehouseId>),
}

impl PlanScope {
    /// Whether the warehouse's planning is in scope.
    pub fn sees(&self, w: WarehouseId) -> bool {
        match self {
            PlanScope::All => true,
            PlanScope::Only(set) => set.contains(&w),
        }
    }

    /// `f` confined to the scope: a station user's filter covers its own warehouses
    /// whatever it asks (a set of warehouses is cut down to them); naming a warehouse
    /// outside the scope is not found, as a missing one is. Its source filter (can / cannot
    /// fill) counts only sources among its own warehouses, whose stock it sees, so that
    /// the filter does not tell what another warehouse holds.
    pub fn narrow(&self, mut f: ProposalFilter) -> AppResult<ProposalFilter> {
        let PlanScope::Only(own) = self else {
            return Ok(f);
        };
        if let Some(w) = f.warehouse
            && !own.contains(&w)
        {
            return Err(AppError::not_found(format!("warehouse {}", w.0)));
        }
        let mut allowed: Vec<WarehouseId> = match f.warehouses_in.take() {
            Some(asked) => asked.into_iter().filter(|w| own.contains(w)).collect(),
            None => own.iter().copied().collect(),
        };
        allowed.sort_by_key(|w| w.0);
        allowed.dedup();
        f.warehouses_in = Some(allowed);
        if f.source_can_fill.is_some() {
            let mut sources: Vec<WarehouseId> = own.iter().copied().collect();
            sources.sort_by_key(|w| w.0);
            f.sources_in = Some(sources);
        }
        Ok(f)
    }

    /// The proposal as the scope shows it: a station user does not get the ledger's
    /// refusal of the last approval (it quotes the stock of the source, which a station
    /// does not see: [`App::proposal_sources`]) nor the ledger command frozen for it.
    pub fn shown(&self, mut p: ProposalRow) -> ProposalRow {
        if let PlanScope::Only(_) = self {
            p.approval_error = None;
            p.approval_command = None;
        }
        p
    }
}

/// What the source warehouse of an open proposal can ship of its part now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct SourceStock {
    /// The source warehouse.
    pub warehouse: WarehouseId,
    /// Units a transfer could take from it now, as its approval would: the issuable
    /// units (good and repaired) less those reserved.
    pub available: i64,
    /// The source cannot fill the proposal now (`available < qty`): approving it would be
    /// refused by the ledger.
    pub short: bool,
}

impl App {
    /// The warehouses whose planning the actor sees; forbidden (`action`) to roles
    /// without planning. A station user's scope is its station's warehouses.
    pub async fn plan_scope(&self, actor: &Actor, action: &str) -> AppResult<PlanScope> {
        actor.require(PLAN_READERS, action)?;
        match actor.scope() {
            Scope::All => Ok(PlanScope::All),
            Scope::Station(s) => Ok(PlanScope::Only(
                org::list_warehouses(&self.db, Some(s))
                    .await?
                    .into_iter()
                    .map(|w| WarehouseId(w.id))
                    .collect(),
            )),
            // No brand role sees planning; should one ever, it sees no warehouse.
            Scope::Brand(_) => Ok(PlanScope::Only(HashSet::new())),
        }
    }

    /// For each open proposal of `rows` with a source warehouse (a transfer, or an
    /// emergency at a warehouse with a parent) that the actor may see, what the source can
    /// ship now, by proposal id. One query for all rows.
    pub async fn proposal_sources(
        &self,
        actor: &Actor,
        rows: &[ProposalRow],
    ) -> AppResult<HashMap<i64, SourceStock>> {
        let scope = self
            .plan_scope(actor, "see replenishment proposals")
            .await?;
        let wanted: Vec<&ProposalRow> = rows
            .iter()
            .filter(|r| r.status == "open")
            .filter(|r| r.source.is_some_and(|s| scope.sees(s)))
            .collect();
        let pairs: Vec<_> = wanted
            .iter()
            .filter_map(|r| r.source.map(|s| (s, r.part)))
            .collect();
        let stock = store::shippable(&self.db, &pairs).await?;
        Ok(wanted
            .into_iter()
            .filter_map(|r| {
                let source = r.source?;
                let available = stock.get(&(source, r.part)).copied().unwrap_or(0);
                Some((
                    r.id,
                    SourceStock {
                        warehouse: source,
                        available,
                        short: available < r.qty,
                    },
                ))
            })
            .collect())
    }
}
