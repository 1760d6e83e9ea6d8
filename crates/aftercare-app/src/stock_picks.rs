//! Pick lists of the stock operation page: the places and the open documents a user may
//! act on, so forms offer them instead of asking for typed ids.
//!
//! Tenancy is that of the stock views ([`App::stock_reader`]): a station user sees only
//! documents of its own station's warehouses (a transfer by its destination, which is
//! who receives and resolves it). Purchase orders and suppliers are head-office
//! documents that belong to no warehouse: a station user gets none of them (placing
//! orders and sending to repair are head-office work; a station may still receive against
//! an order number it was given, typed in).

use crate::App;
use crate::access::Actor;
use crate::error::AppResult;
use aftercare_store::part_master as pm;
pub use aftercare_store::part_master::WarehouseRef;
use aftercare_store::stock::picks;
pub use aftercare_store::stock::picks::{
    OpenOrderLine, OpenRepairOrder, OpenStocktake, OpenTransferLine, PendingScrap, QuarantineLot,
    SupplierRef,
};
use serde::Serialize;

/// At most this many entries per document list (newest first where it matters).
pub const PICK_LIMIT: i64 = 300;

/// Everything the operation page offers to choose from.
#[derive(Debug, Clone, Default, Serialize)]
pub struct PickLists {
    /// Warehouses the user may act on (station users: their own).
    pub warehouses: Vec<WarehouseRef>,
    /// Where a transfer may go: the visible warehouses and every head-office (central or
    /// regional) warehouse; never another station's.
    pub destinations: Vec<WarehouseRef>,
    /// Suppliers to order from (head office only).
    pub suppliers: Vec<SupplierRef>,
    /// Repair vendors (head office only).
    pub vendors: Vec<SupplierRef>,
    /// Purchase-order lines with units still to receive (head office only).
    pub order_lines: Vec<OpenOrderLine>,
    /// Lots waiting for inspection in the visible warehouses.
    pub quarantine: Vec<QuarantineLot>,
    /// Transfer lines on the road to the visible warehouses.
    pub in_transit: Vec<OpenTransferLine>,
    /// Unresolved discrepancies of transfers to the visible warehouses.
    pub discrepancies: Vec<OpenTransferLine>,
    /// Repair orders of the visible warehouses with units at the vendor.
    pub repair_orders: Vec<OpenRepairOrder>,
    /// Scrap requests of the visible warehouses waiting for a decision.
    pub scrap_requests: Vec<PendingScrap>,
    /// Stocktakes of the visible warehouses being counted.
    pub stocktakes: Vec<OpenStocktake>,
}

impl App {
    /// The pick lists of the stock operation page for this user.
    pub async fn stock_pick_lists(&self, actor: &Actor) -> AppResult<PickLists> {
        let own = self.stock_reader(actor)?;
        let all = pm::warehouses(&self.db).await?;
        let warehouses: Vec<WarehouseRef> = all
            .iter()
            .filter(|w| own.is_none() || w.station() == own)
            .cloned()
            .collect();
        let destinations = all
            .into_iter()
            .filter(|w| own.is_none() || w.station().is_none() || w.station() == own)
            .collect();
        let (suppliers, vendors, order_lines) = if own.is_some() {
            (Vec::new(), Vec::new(), Vec::new())
        } else {
            let every = picks::suppliers(&self.db).await?;
            let of = |kinds: [&str; 2]| {
                every
                    .iter()
                    .filter(|s| kinds.contains(&s.kind.as_str()))
                    .cloned()
                    .collect::<Vec<_>>()
            };
            (
                of(["supplier", "both"]),
                of(["repair_vendor", "both"]),
                picks::open_order_lines(&self.db, PICK_LIMIT).await?,
            )
        };
        Ok(PickLists {
            warehouses,
            destinations,
            suppliers,
            vendors,
            order_lines,
            quarantine: picks::quarantine_lots(&self.db, own, PICK_LIMIT).await?,
            in_transit: picks::open_transfer_lines(&self.db, own, false, PICK_LIMIT).await?,
            discrepancies: picks::open_transfer_lines(&self.db, own, true, PICK_LIMIT).await?,
            repair_orders: picks::open_repair_orders(&self.db, own, PICK_LIMIT).await?,
            scrap_requests: picks::pending_scrap_requests(&self.db, own, PICK_LIMIT).await?,
            stocktakes: picks::open_stocktakes(&self.db, own, PICK_LIMIT).await?,
        })
    }
}
