//! Movements: the immutable entries of the stock ledger, their kinds, and which
//! (from, to) location shapes each kind allows.

use super::condition::StockCondition;
use super::location::Location;
use super::qty::Qty;
use crate::ids::{
    LotId, PartId, PurchaseOrderId, RepairOrderId, RequisitionId, ScrapRequestId, StocktakeId,
    TicketId, TransferId,
};
use crate::time::Instant;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

/// What a movement does; decides which (from, to) shapes are allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MovementKind {
    /// Supplier → quarantine, against a purchase order; makes a new lot.
    Receipt,
    /// Repair vendor → quarantine, against a repair order; makes a new lot.
    RepairReceive,
    /// Quarantine → good or repaired, same warehouse.
    InspectionAccept,
    /// Quarantine → back to the supplier or repair vendor.
    InspectionReject,
    /// Good or repaired → a ticket or requisition.
    Issue,
    /// A ticket or requisition → good or repaired: unused parts coming back.
    ReturnUnused,
    /// A ticket or requisition → defective: the old part of old-for-new (以旧换新); makes a lot.
    DefectiveReturn,
    /// A warehouse → in transit to another warehouse, same condition.
    TransferShip,
    /// In transit → the destination warehouse, same condition.
    TransferReceive,
    /// In transit → transfer discrepancy: shipped but not received.
    TransferDiscrepancy,
    /// Transfer discrepancy → a warehouse: the missing parts turned up.
    DiscrepancyFound,
    /// Transfer discrepancy → the inventory-difference account: the parts are lost.
    DiscrepancyWriteOff,
    /// Defective → a repair vendor.
    RepairSend,
    /// Repair vendor → scrap on a shelf, or disposed by the vendor.
    RepairUnrepairable,
    /// Any non-scrap condition → scrap, same warehouse (after approval).
    Scrap,
    /// Scrap on a shelf → disposed.
    Dispose,
    /// Stocktake gain (difference account → shelf; makes a lot) or loss (shelf → account).
    StocktakeAdjust,
}

impl MovementKind {
    /// Every kind.
    pub const ALL: [MovementKind; 17] = [
        MovementKind::Receipt,
        MovementKind::RepairReceive,
        MovementKind::InspectionAccept,
        MovementKind::InspectionReject,
        MovementKind::Issue,
        MovementKind::ReturnUnused,
        MovementKind::DefectiveReturn,
        MovementKind::TransferShip,
        MovementKind::TransferReceive,
        MovementKind::TransferDiscrepancy,
        MovementKind::DiscrepancyFound,
        MovementKind::DiscrepancyWriteOff,
        MovementKind::RepairSend,
        MovementKind::RepairUnrepairable,
        MovementKind::Scrap,
        MovementKind::Dispose,
        MovementKind::StocktakeAdjust,
    ];

    /// Stable code stored in the database.
    pub fn code(self) -> &'static str {
        match self {
            MovementKind::Receipt => "receipt",
            MovementKind::RepairReceive => "repair_receive",
            MovementKind::InspectionAccept => "inspection_accept",
            MovementKind::InspectionReject => "inspection_reject",
            MovementKind::Issue => "issue",
            MovementKind::ReturnUnused => "return_unused",
            MovementKind::DefectiveReturn => "defective_return",
            MovementKind::TransferShip => "transfer_ship",
            MovementKind::TransferReceive => "transfer_receive",
            MovementKind::TransferDiscrepancy => "transfer_discrepancy",
            MovementKind::DiscrepancyFound => "discrepancy_found",
            MovementKind::DiscrepancyWriteOff => "discrepancy_write_off",
            MovementKind::RepairSend => "repair_send",
            MovementKind::RepairUnrepairable => "repair_unrepairable",
            MovementKind::Scrap => "scrap",
            MovementKind::Dispose => "dispose",
            MovementKind::StocktakeAdjust => "stocktake_adjust",
        }
    }

    /// Parse a code.
    pub fn parse(code: &str) -> Option<MovementKind> {
        MovementKind::ALL.into_iter().find(|k| k.code() == code)
    }

    /// Whether a movement of this kind from `from` to `to` has an allowed shape.
    pub fn allows(self, from: &Location, to: &Location) -> bool {
        use Location as L;
        use StockCondition as C;
        let stock = |l: &Location| l.as_stock();
        match self {
            MovementKind::Receipt => {
                matches!(from, L::Supplier { .. }) && is_stock_in(to, C::Quarantine)
            }
            MovementKind::RepairReceive => {
                matches!(from, L::RepairVendor { .. }) && is_stock_in(to, C::Quarantine)
            }
            MovementKind::InspectionAccept => match (stock(from), stock(to)) {
                (Some((wf, C::Quarantine)), Some((wt, c))) => wf == wt && c.is_issuable(),
                _ => false,
            },
            MovementKind::InspectionReject => {
                is_stock_in(from, C::Quarantine)
                    && matches!(to, L::Supplier { .. } | L::RepairVendor { .. })
            }
            MovementKind::Issue => is_issuable_stock(from) && matches!(to, L::Consumer { .. }),
            MovementKind::ReturnUnused => {
                matches!(from, L::Consumer { .. }) && is_issuable_stock(to)
            }
            MovementKind::DefectiveReturn => {
                matches!(from, L::Consumer { .. }) && is_stock_in(to, C::Defective)
            }
            MovementKind::TransferShip => match (stock(from), to) {
                (
                    Some((w, c)),
                    L::InTransit {
                        to: dest,
                        condition,
                        ..
                    },
                ) => w != *dest && c == *condition && c != C::Quarantine,
                _ => false,
            },
            MovementKind::TransferReceive => match (from, stock(to)) {
                (
                    L::InTransit {
                        to: dest,
                        condition,
                        ..
                    },
                    Some((w, c)),
                ) => w == *dest && c == *condition,
                _ => false,
            },
            MovementKind::TransferDiscrepancy => match (from, to) {
                (
                    L::InTransit {
                        transfer: t1,
                        condition: c1,
                        ..
                    },
                    L::TransferDiscrepancy {
                        transfer: t2,
                        condition: c2,
                    },
                ) => t1 == t2 && c1 == c2,
                _ => false,
            },
            MovementKind::DiscrepancyFound => match (from, stock(to)) {
                (L::TransferDiscrepancy { condition, .. }, Some((_, c))) => c == *condition,
                _ => false,
            },
            MovementKind::DiscrepancyWriteOff => {
                matches!(from, L::TransferDiscrepancy { .. })
                    && matches!(to, L::StocktakeDifference { .. })
            }
            MovementKind::RepairSend => {
                is_stock_in(from, C::Defective) && matches!(to, L::RepairVendor { .. })
            }
            MovementKind::RepairUnrepairable => {
                matches!(from, L::RepairVendor { .. })
                    && (is_stock_in(to, C::Scrap) || matches!(to, L::Scrapped { .. }))
            }
            MovementKind::Scrap => match (stock(from), stock(to)) {
                (Some((wf, cf)), Some((wt, C::Scrap))) => wf == wt && cf != C::Scrap,
                _ => false,
            },
            MovementKind::Dispose => match (stock(from), to) {
                (Some((wf, C::Scrap)), L::Scrapped { warehouse }) => wf == *warehouse,
                _ => false,
            },
            MovementKind::StocktakeAdjust => match (from, to) {
                (L::StocktakeDifference { warehouse }, L::Stock { warehouse: w, .. })
                | (L::Stock { warehouse: w, .. }, L::StocktakeDifference { warehouse }) => {
                    w == warehouse
                }
                _ => false,
            },
        }
    }

    /// Whether a movement of this kind from `from` brings a new lot into the books (instead
    /// of moving existing lots).
    pub fn creates_lot(self, from: &Location) -> bool {
        match self {
            MovementKind::Receipt | MovementKind::RepairReceive | MovementKind::DefectiveReturn => {
                true
            }
            MovementKind::StocktakeAdjust => matches!(from, Location::StocktakeDifference { .. }),
            _ => false,
        }
    }
}

fn is_stock_in(loc: &Location, condition: StockCondition) -> bool {
    loc.as_stock().is_some_and(|(_, c)| c == condition)
}

fn is_issuable_stock(loc: &Location) -> bool {
    loc.as_stock().is_some_and(|(_, c)| c.is_issuable())
}

/// The business document a movement was made under.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "id")]
pub enum Document {
    /// A purchase order.
    PurchaseOrder(PurchaseOrderId),
    /// A repair order.
    RepairOrder(RepairOrderId),
    /// A service ticket.
    Ticket(TicketId),
    /// A requisition.
    Requisition(RequisitionId),
    /// A transfer.
    Transfer(TransferId),
    /// A scrap request.
    ScrapRequest(ScrapRequestId),
    /// A stocktake.
    Stocktake(StocktakeId),
}

/// The quantity of one lot a movement carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct LotTake {
    /// The lot.
    pub lot: LotId,
    /// How many of its units.
    pub qty: Qty,
}

/// One immutable ledger entry: `qty` units of `part` from `from` to `to`, made up of the
/// listed lot quantities.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Movement {
    /// What it is.
    pub kind: MovementKind,
    /// The part.
    pub part: PartId,
    /// Where the units leave.
    pub from: Location,
    /// Where the units arrive.
    pub to: Location,
    /// How many units (at least one).
    pub qty: Qty,
    /// The lots consumed (or, for a lot-creating movement, the one new lot).
    pub lots: Vec<LotTake>,
    /// When it happened.
    pub at: Instant,
    /// The document it was made under.
    pub document: Option<Document>,
    /// For `return_unused`: when the returned parts had been issued (return timeliness).
    pub issued_at: Option<Instant>,
}

/// Why a movement is malformed, before looking at any balance.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MovementError {
    /// Quantity zero.
    #[error("a movement must move at least one unit")]
    ZeroQty,
    /// From and to are the same place.
    #[error("a movement must go from one location to another")]
    SameLocation,
    /// The kind does not allow this (from, to) pair.
    #[error("a {} movement cannot go from {} to {}", kind.code(), super::error::Place(from), super::error::Place(to))]
    BadShape {
        /// The kind.
        kind: MovementKind,
        /// The source.
        from: Location,
        /// The destination.
        to: Location,
    },
    /// The lot quantities do not add up to the movement quantity.
    #[error("lot quantities add up to {lots} but the movement moves {qty}")]
    LotsDoNotAddUp {
        /// Sum over the lots.
        lots: i64,
        /// The movement quantity.
        qty: i64,
    },
    /// A lot listed twice or with zero units.
    #[error("lot {0} is listed twice or with zero units")]
    BadLotTake(LotId),
    /// A lot-creating movement must name exactly one new lot.
    #[error("a {} movement makes exactly one new lot", .0.code())]
    NotOneNewLot(MovementKind),
    /// `issued_at` missing on a return, present elsewhere, or later than the return.
    #[error("issued_at is required on return_unused (not after the return) and only there")]
    BadIssuedAt,
}

impl Movement {
    /// Check what can be checked without balances: quantity, shape, lots, issue date.
    pub fn validate(&self) -> Result<(), MovementError> {
        if self.qty.is_zero() {
            return Err(MovementError::ZeroQty);
        }
        if self.from == self.to {
            return Err(MovementError::SameLocation);
        }
        if !self.kind.allows(&self.from, &self.to) {
            return Err(MovementError::BadShape {
                kind: self.kind,
                from: self.from,
                to: self.to,
            });
        }
        if self.kind.creates_lot(&self.from) && self.lots.len() != 1 {
            return Err(MovementError::NotOneNewLot(self.kind));
        }
        self.validate_lots()?;
        let is_return = self.kind == MovementKind::ReturnUnused;
        match self.issued_at {
            Some(issued) if is_return && issued <= self.at => Ok(()),
            None if !is_return => Ok(()),
            _ => Err(MovementError::BadIssuedAt),
        }
    }

    fn validate_lots(&self) -> Result<(), MovementError> {
        let mut seen = HashSet::with_capacity(self.lots.len());
        let mut total: i64 = 0;
        for take in &self.lots {
            if take.qty.is_zero() || !seen.insert(take.lot) {
                return Err(MovementError::BadLotTake(take.lot));
            }
            total = total.saturating_add(take.qty.get());
        }
        if total != self.qty.get() {
            return Err(MovementError::LotsDoNotAddUp {
                lots: total,
                qty: self.qty.get(),
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::{SupplierId, WarehouseId};
    use crate::stock::location::Consumer;

    const W1: WarehouseId = WarehouseId(1);
    const W2: WarehouseId = WarehouseId(2);

    fn s(w: WarehouseId, c: StockCondition) -> Location {
        Location::stock(w, c)
    }

    fn q(n: i64) -> Qty {
        Qty::new(n).unwrap()
    }

    fn issue(qty: i64, lots: &[(i64, i64)]) -> Movement {
        Movement {
            kind: MovementKind::Issue,
            part: PartId(1),
            from: s(W1, StockCondition::Good),
            to: Location::Consumer {
                consumer: Consumer::Ticket(TicketId(5)),
            },
            qty: q(qty),
            lots: lots
                .iter()
                .map(|&(l, n)| LotTake {
                    lot: LotId(l),
                    qty: q(n),
                })
                .collect(),
            at: Instant(1000),
            document: Some(Document::Ticket(TicketId(5))),
            issued_at: None,
        }
    }

    #[test]
    fn codes_round_trip() {
        for k in MovementKind::ALL {
            assert_eq!(MovementKind::parse(k.code()), Some(k));
        }
    }

    #[test]
    fn receipts_go_from_a_supplier_into_quarantine_only() {
        let sup = Location::Supplier {
            supplier: SupplierId(1),
        };
        assert!(MovementKind::Receipt.allows(&sup, &s(W1, StockCondition::Quarantine)));
        assert!(!MovementKind::Receipt.allows(&sup, &s(W1, StockCondition::Good)));
        assert!(!MovementKind::Receipt.allows(&s(W2, StockCondition::Good), &sup));
    }

    #[test]
    fn issues_only_take_good_or_repaired_stock() {
        let to = Location::Consumer {
            consumer: Consumer::Ticket(TicketId(1)),
        };
        assert!(MovementKind::Issue.allows(&s(W1, StockCondition::Repaired), &to));
        assert!(!MovementKind::Issue.allows(&s(W1, StockCondition::Defective), &to));
        assert!(!MovementKind::Issue.allows(&s(W1, StockCondition::Quarantine), &to));
    }

    #[test]
    fn transfers_keep_their_condition_and_arrive_only_at_the_destination() {
        let transit = Location::InTransit {
            transfer: TransferId(1),
            to: W2,
            condition: StockCondition::Defective,
        };
        let ship = MovementKind::TransferShip;
        assert!(ship.allows(&s(W1, StockCondition::Defective), &transit));
        assert!(!ship.allows(&s(W1, StockCondition::Good), &transit));
        assert!(!ship.allows(&s(W2, StockCondition::Defective), &transit));
        let recv = MovementKind::TransferReceive;
        assert!(recv.allows(&transit, &s(W2, StockCondition::Defective)));
        assert!(!recv.allows(&transit, &s(W1, StockCondition::Defective)));
        assert!(!recv.allows(&transit, &s(W2, StockCondition::Good)));
    }

    #[test]
    fn scrap_stays_in_its_warehouse_and_disposal_only_takes_scrap() {
        assert!(MovementKind::Scrap.allows(
            &s(W1, StockCondition::Defective),
            &s(W1, StockCondition::Scrap)
        ));
        assert!(!MovementKind::Scrap.allows(
            &s(W1, StockCondition::Defective),
            &s(W2, StockCondition::Scrap)
        ));
        let gone = Location::Scrapped { warehouse: W1 };
        assert!(MovementKind::Dispose.allows(&s(W1, StockCondition::Scrap), &gone));
        assert!(!MovementKind::Dispose.allows(&s(W1, StockCondition::Good), &gone));
    }

    #[test]
    fn stocktake_adjustments_stay_within_one_warehouse_both_ways() {
        let diff = Location::StocktakeDifference { warehouse: W1 };
        let k = MovementKind::StocktakeAdjust;
        assert!(k.allows(&diff, &s(W1, StockCondition::Good)));
        assert!(k.allows(&s(W1, StockCondition::Scrap), &diff));
        assert!(!k.allows(&diff, &s(W2, StockCondition::Good)));
        assert!(k.creates_lot(&diff));
        assert!(!k.creates_lot(&s(W1, StockCondition::Good)));
    }

    #[test]
    fn every_kind_allows_at_least_one_shape_and_rejects_stock_to_the_same_stock() {
        let here = s(W1, StockCondition::Good);
        for k in MovementKind::ALL {
            assert!(!k.allows(&here, &here), "{k:?}");
        }
    }

    #[test]
    fn accepts_a_well_formed_issue() {
        assert_eq!(issue(5, &[(1, 2), (2, 3)]).validate(), Ok(()));
    }

    #[test]
    fn rejects_lots_that_do_not_add_up() {
        assert_eq!(
            issue(5, &[(1, 2), (2, 2)]).validate(),
            Err(MovementError::LotsDoNotAddUp { lots: 4, qty: 5 })
        );
    }

    #[test]
    fn rejects_a_lot_listed_twice() {
        assert_eq!(
            issue(4, &[(1, 2), (1, 2)]).validate(),
            Err(MovementError::BadLotTake(LotId(1)))
        );
    }

    #[test]
    fn rejects_a_wrong_shape() {
        let mut m = issue(1, &[(1, 1)]);
        m.from = s(W1, StockCondition::Scrap);
        let err = m.validate().unwrap_err();
        assert!(matches!(err, MovementError::BadShape { .. }));
        // Said in words, never Rust's debug syntax.
        let text = err.to_string();
        assert!(
            text.starts_with("a issue movement cannot go from warehouse "),
            "{text}"
        );
        assert!(
            !text.contains('{') && !text.contains("WarehouseId"),
            "{text}"
        );
    }

    #[test]
    fn a_return_needs_an_issue_date_not_after_the_return() {
        let mut m = issue(1, &[(1, 1)]);
        std::mem::swap(&mut m.from, &mut m.to);
        m.kind = MovementKind::ReturnUnused;
        assert_eq!(m.validate(), Err(MovementError::BadIssuedAt));
        m.issued_at = Some(Instant(2000));
        assert_eq!(m.validate(), Err(MovementError::BadIssuedAt));
        m.issued_at = Some(Instant(500));
        assert_eq!(m.validate(), Ok(()));
    }
}
