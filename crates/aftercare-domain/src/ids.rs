//! Typed ids: every table's primary key is an `i64` wrapped so ids of different things
//! cannot be mixed up.

macro_rules! id_type {
    ($($(#[$doc:meta])* $name:ident),* $(,)?) => {$(
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl $name {
            /// The raw database value.
            pub fn get(self) -> i64 {
                self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }
    )*};
}

id_type!(
    /// A login account.
    UserId,
    /// An outsourced service station (网点).
    StationId,
    /// A technician working for one station.
    TechnicianId,
    /// A brand customer (for ODM makers).
    BrandId,
    /// A node of the region hierarchy.
    RegionId,
    /// A warehouse (central, regional or a station's).
    WarehouseId,
    /// A product line (TV, monitor, ...).
    ProductLineId,
    /// A product model.
    ProductModelId,
    /// An API token for integrations.
    ApiTokenId,
    /// An audit log entry.
    AuditId,
    /// A spare part in the part master.
    PartId,
    /// A supplier or repair vendor.
    SupplierId,
    /// A service ticket (工单).
    TicketId,
    /// A parts requisition (领料单) raised by a station or technician.
    RequisitionId,
    /// An immutable stock movement in the ledger.
    MovementId,
    /// A lot: the quantity of one part that entered stock in one receipt.
    LotId,
    /// A reservation of available stock for a ticket or requisition.
    ReservationId,
    /// A transfer between two warehouses.
    TransferId,
    /// A repair order sent to a repair vendor.
    RepairOrderId,
    /// A scrap request awaiting approval.
    ScrapRequestId,
    /// A stocktake (盘点).
    StocktakeId,
    /// A purchase order.
    PurchaseOrderId,
    /// An end customer who calls the hotline.
    CustomerId,
    /// An installed unit (one serial number of one product model).
    UnitId,
    /// An entry of a product line's fault-code list.
    FaultCodeId,
    /// A warranty policy of a product category.
    WarrantyPolicyId,
);
