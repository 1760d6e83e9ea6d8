//! Read-only views of the planning pages that the run does not need: what the source of
//! a transfer proposal can ship now.

use crate::App;
use crate::access::Actor;
use crate::error::AppResult;
use crate::planning::PLANNERS;
use aftercare_domain::{Scope, WarehouseId};
use aftercare_store::part_master as pm;
use aftercare_store::plan_views as store;
use aftercare_store::planning::ProposalRow;
use std::collections::{HashMap, HashSet};

/// What the source warehouse of an open proposal can ship of its part now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct SourceStock {
    /// The source warehouse.
    pub warehouse: WarehouseId,
    /// Units a transfer could take from it now, as its approval would: good units on the
    /// shelf, at most the issuable units less those reserved.
    pub available: i64,
    /// The source cannot fill the proposal now (`available < qty`): approving it would be
    /// refused by the ledger.
    pub short: bool,
}

impl App {
    /// For each open proposal of `rows` with a source warehouse (a transfer, or an
    /// emergency at a warehouse with a parent) that the actor may see, what the source can
    /// ship now, by proposal id. One query for all rows.
    pub async fn proposal_sources(
        &self,
        actor: &Actor,
        rows: &[ProposalRow],
    ) -> AppResult<HashMap<i64, SourceStock>> {
        actor.require(PLANNERS, "see replenishment proposals")?;
        let visible: Option<HashSet<WarehouseId>> = match actor.scope() {
            Scope::All => None,
            Scope::Station(s) => Some(
                pm::warehouses(&self.db)
                    .await?
                    .into_iter()
                    .filter(|w| w.station() == Some(s))
                    .map(|w| WarehouseId(w.id))
                    .collect(),
            ),
            Scope::Brand(_) => Some(HashSet::new()),
        };
        let wanted: Vec<&ProposalRow> = rows
            .iter()
            .filter(|r| r.status == "open")
            .filter(|r| {
                r.source
                    .is_some_and(|s| visible.as_ref().is_none_or(|v| v.contains(&s)))
            })
            .collect();
        let pairs: Vec<_> = wanted
            .iter()
            .filter_map(|r| r.source.map(|s| (s, r.part)))
            .collect();
        let stock = store::shippable_good(&self.db, &pairs).await?;
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
