//! The organisation as users see it: stations and warehouses within their scope.

use crate::App;
use crate::access::{Actor, EVERYONE};
use crate::error::AppResult;
use aftercare_domain::Scope;
use aftercare_store::org::{self, OrgCounts, StationSummary, WarehouseSummary};

impl App {
    /// Stations the actor may see: all for HQ, only its own for a station user, none for a
    /// brand user.
    pub async fn list_stations(&self, actor: &Actor) -> AppResult<Vec<StationSummary>> {
        actor.require(EVERYONE, "list stations")?;
        match actor.scope() {
            Scope::All => Ok(org::list_stations(&self.db, None).await?),
            Scope::Station(s) => Ok(org::list_stations(&self.db, Some(s)).await?),
            Scope::Brand(_) => Ok(Vec::new()),
        }
    }

    /// Warehouses the actor may see: all for HQ, only its station's for station users.
    pub async fn list_warehouses(&self, actor: &Actor) -> AppResult<Vec<WarehouseSummary>> {
        actor.require(EVERYONE, "list warehouses")?;
        match actor.scope() {
            Scope::All => Ok(org::list_warehouses(&self.db, None).await?),
            Scope::Station(s) => Ok(org::list_warehouses(&self.db, Some(s)).await?),
            Scope::Brand(_) => Ok(Vec::new()),
        }
    }

    /// Organisation counts for the dashboard (HQ roles).
    pub async fn org_counts(&self, actor: &Actor) -> AppResult<OrgCounts> {
        actor.require(crate::access::HQ, "see organisation totals")?;
        Ok(org::counts(&self.db).await?)
    }
}
