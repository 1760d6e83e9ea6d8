//! [`Book`]: an in-memory stock ledger that applies movements and the operations built on
//! them, refusing anything that would break an invariant.
//!
//! It is the executable specification of the ledger: the SQL store must accept and refuse
//! the same operations and end with the same balances. The invariants ([`Book::check`]):
//!
//! - every movement balances (from one location to another) and has an allowed shape;
//! - the maintained balance of every (location, part) and of every (location, part, lot)
//!   equals the sum of the movements;
//! - no balance is negative except at source locations (suppliers, consumers,
//!   stocktake difference), and a lot is negative only at its origin;
//! - per part, the total over all locations, real and virtual, is zero (nothing is created
//!   or destroyed, only moved);
//! - reserved ≤ issuable on hand per (warehouse, part), so available is never negative;
//! - in transit per transfer line = shipped − received − missing; the open discrepancy per
//!   line = missing − found − written off; at a repair vendor = the order's balance.
//!
//! A failed operation changes nothing (the book restores its state). In SQL the same holds
//! by doing each operation in one write transaction whose quantity changes are conditional
//! updates (`... SET qty = qty - $1 WHERE ... AND qty >= $1`).

mod check;
mod command;
mod journal;
#[cfg(test)]
mod proptests;
#[cfg(test)]
mod tests;

pub use command::{Command, Created, InTransitRow, MAX_UNITS_PER_LINE, Outcome};
pub use journal::Touched;
use journal::{Scratch, Undo};

use super::approval::IssuePolicy;
use super::approval::ScrapRequest;
use super::condition::StockCondition;
use super::error::StockError;
use super::idempotency::IdempotencyKey;
use super::location::Location;
use super::lot::{Lot, LotBalance, Shortage, usable_as_for};
use super::movement::{LotTake, Movement, MovementKind};
use super::purchase::PurchaseOrder;
use super::qty::Qty;
use super::repair::RepairOrder;
use super::reservation::{Reservation, ReservationStatus};
use super::stocktake::{Stocktake, StocktakeStatus};
use super::transfer::Transfer;
use crate::ids::{
    LotId, MovementId, PartId, PurchaseOrderId, RepairOrderId, ReservationId, ScrapRequestId,
    StocktakeId, TransferId, WarehouseId,
};
use crate::money::Money;
use crate::part::{StockLevels, SubstituteRule, check_rules};
use crate::time::Instant;
use crate::validate::ValidationError;
use std::collections::{BTreeMap, HashMap};

/// What the book knows of a part: its cost and manual stock levels.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct PartEntry {
    unit_cost: Money,
    levels: HashMap<WarehouseId, StockLevels>,
}

/// The in-memory stock ledger.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Book {
    policy: IssuePolicy,
    parts: HashMap<PartId, PartEntry>,
    substitutes: Vec<SubstituteRule>,
    lots: HashMap<LotId, Lot>,
    balances: HashMap<(Location, PartId), i64>,
    lot_balances: HashMap<(Location, PartId), BTreeMap<LotId, i64>>,
    reserved: HashMap<(WarehouseId, PartId), Qty>,
    reservations: BTreeMap<ReservationId, Reservation>,
    transfers: BTreeMap<TransferId, Transfer>,
    repair_orders: BTreeMap<RepairOrderId, RepairOrder>,
    purchase_orders: BTreeMap<PurchaseOrderId, PurchaseOrder>,
    scrap_requests: BTreeMap<ScrapRequestId, ScrapRequest>,
    stocktakes: BTreeMap<StocktakeId, Stocktake>,
    movements: Vec<(MovementId, Movement)>,
    idempotency: HashMap<IdempotencyKey, (Command, Outcome)>,
    next_id: i64,
    /// The undo log of the running command and the documents committed commands changed;
    /// bookkeeping, not state, so it never makes two books unequal.
    scratch: Scratch,
}

impl Book {
    /// An empty book with an issue-approval policy.
    pub fn new(policy: IssuePolicy) -> Book {
        Book {
            policy,
            ..Book::default()
        }
    }

    /// Register a part and its standard cost (or update the cost).
    pub fn define_part(&mut self, part: PartId, unit_cost: Money) {
        self.parts.entry(part).or_default().unit_cost = unit_cost;
    }

    /// Set a warehouse's manual minimum and maximum for a part.
    pub fn set_levels(
        &mut self,
        warehouse: WarehouseId,
        part: PartId,
        levels: StockLevels,
    ) -> Result<(), StockError> {
        let entry = self
            .parts
            .get_mut(&part)
            .ok_or(StockError::UnknownPart(part))?;
        entry.levels.insert(warehouse, levels);
        Ok(())
    }

    /// Declare a substitution rule (refused if it repeats a declared pair).
    pub fn declare_substitute(&mut self, rule: SubstituteRule) -> Result<(), ValidationError> {
        let mut all = self.substitutes.clone();
        all.push(rule);
        check_rules(&all).map_err(|mut e| e.remove(0).1)?;
        self.substitutes = all;
        Ok(())
    }

    // ---- queries -------------------------------------------------------------------------

    /// The signed balance of `part` at `location`.
    pub fn balance(&self, location: &Location, part: PartId) -> i64 {
        self.balances.get(&(*location, part)).copied().unwrap_or(0)
    }

    /// Units on the shelf in one condition.
    pub fn on_hand(&self, warehouse: WarehouseId, part: PartId, condition: StockCondition) -> Qty {
        Qty::from_balance(self.balance(&Location::stock(warehouse, condition), part))
    }

    /// Good plus repaired units on the shelf.
    pub fn issuable(&self, warehouse: WarehouseId, part: PartId) -> Qty {
        let g = self.on_hand(warehouse, part, StockCondition::Good);
        let r = self.on_hand(warehouse, part, StockCondition::Repaired);
        g.checked_add(r).unwrap_or(g)
    }

    /// Units held by reservations not yet released, fulfilled or swept as expired.
    pub fn reserved(&self, warehouse: WarehouseId, part: PartId) -> Qty {
        self.reserved
            .get(&(warehouse, part))
            .copied()
            .unwrap_or_default()
    }

    /// Issuable units not held by a reservation active at `now`.
    pub fn available(&self, warehouse: WarehouseId, part: PartId, now: Instant) -> Qty {
        let held: Qty = self
            .reservations
            .values()
            .filter(|r| r.warehouse == warehouse && r.part == part && r.is_active_at(now))
            .map(|r| r.qty)
            .sum();
        self.issuable(warehouse, part).saturating_sub(held)
    }

    /// The lots of `part` at `location` with their signed balances, by lot id.
    pub fn lot_balances(&self, location: &Location, part: PartId) -> Vec<(LotId, i64)> {
        self.lot_balances
            .get(&(*location, part))
            .map(|m| m.iter().map(|(l, q)| (*l, *q)).collect())
            .unwrap_or_default()
    }

    /// Sum over every location, real and virtual: always zero.
    pub fn total(&self, part: PartId) -> i64 {
        self.balances
            .iter()
            .filter(|((_, p), _)| *p == part)
            .map(|(_, q)| q)
            .sum()
    }

    /// A lot.
    pub fn lot(&self, id: LotId) -> Option<&Lot> {
        self.lots.get(&id)
    }

    /// Every movement, oldest first.
    pub fn movements(&self) -> &[(MovementId, Movement)] {
        &self.movements
    }

    /// A reservation.
    pub fn reservation(&self, id: ReservationId) -> Option<&Reservation> {
        self.reservations.get(&id)
    }

    /// A transfer.
    pub fn transfer(&self, id: TransferId) -> Option<&Transfer> {
        self.transfers.get(&id)
    }

    /// Every transfer, by id.
    pub fn transfers(&self) -> impl Iterator<Item = &Transfer> {
        self.transfers.values()
    }

    /// A repair order.
    pub fn repair_order(&self, id: RepairOrderId) -> Option<&RepairOrder> {
        self.repair_orders.get(&id)
    }

    /// Repair orders whose vendor still holds parts after the due date.
    pub fn overdue_repairs(&self, now: Instant) -> Vec<&RepairOrder> {
        self.repair_orders
            .values()
            .filter(|o| o.is_overdue(now))
            .collect()
    }

    /// A purchase order.
    pub fn purchase_order(&self, id: PurchaseOrderId) -> Option<&PurchaseOrder> {
        self.purchase_orders.get(&id)
    }

    /// A scrap request.
    pub fn scrap_request(&self, id: ScrapRequestId) -> Option<&ScrapRequest> {
        self.scrap_requests.get(&id)
    }

    /// A stocktake.
    pub fn stocktake(&self, id: StocktakeId) -> Option<&Stocktake> {
        self.stocktakes.get(&id)
    }

    /// The standard cost of a part.
    pub fn unit_cost(&self, part: PartId) -> Option<Money> {
        self.parts.get(&part).map(|p| p.unit_cost)
    }

    /// A warehouse's manual stock levels for a part.
    pub fn levels(&self, warehouse: WarehouseId, part: PartId) -> Option<StockLevels> {
        self.parts.get(&part)?.levels.get(&warehouse).copied()
    }

    /// The declared substitution rules.
    pub fn substitute_rules(&self) -> &[SubstituteRule] {
        &self.substitutes
    }

    // ---- the one way balances change ------------------------------------------------------

    fn next_id(&mut self) -> i64 {
        self.scratch.undo.push(Undo::NextId(self.next_id));
        self.next_id += 1;
        self.next_id
    }

    /// Apply one movement after checking it against every ledger rule; on refusal nothing
    /// changes. For a lot-creating movement the single lot named must be new; otherwise every
    /// lot must hold enough of the part at the source. The checks, in order: well-formed
    /// ([`Movement::validate`]), known part, not frozen by a stocktake, lots, enough at a
    /// non-source location, and issuable stock not below what is reserved. Keeping transfers,
    /// repair orders and reservations in step is the job of the commands
    /// ([`Book::execute`]), not of this primitive.
    pub fn apply(&mut self, m: Movement) -> Result<MovementId, StockError> {
        m.validate()?;
        if !self.parts.contains_key(&m.part) {
            return Err(StockError::UnknownPart(m.part));
        }
        self.check_frozen(&m)?;
        let creates = m.kind.creates_lot(&m.from);
        if creates {
            let lot = m.lots[0].lot;
            if self.lots.contains_key(&lot) {
                return Err(StockError::BadLot(lot));
            }
        } else {
            for take in &m.lots {
                self.check_take(&m, take)?;
            }
        }
        self.check_source(&m)?;
        self.check_reserved(&m)?;
        let from_key = (m.from, m.part);
        let to_key = (m.to, m.part);
        let qty = m.qty.get();
        let new_to = self
            .balance(&m.to, m.part)
            .checked_add(qty)
            .ok_or(StockError::Overflow)?;
        let new_from = self
            .balance(&m.from, m.part)
            .checked_sub(qty)
            .ok_or(StockError::Overflow)?;
        self.scratch
            .undo
            .push(Undo::Balance(from_key, self.balance(&m.from, m.part)));
        self.scratch
            .undo
            .push(Undo::Balance(to_key, self.balance(&m.to, m.part)));
        for take in &m.lots {
            for key in [from_key, to_key] {
                let old = self.lot_balance(&key, take.lot);
                self.scratch.undo.push(Undo::LotBalance(key, take.lot, old));
            }
        }
        if creates {
            self.scratch.undo.push(Undo::Lot(m.lots[0].lot));
            let lot = Lot {
                id: m.lots[0].lot,
                part: m.part,
                origin: m.from,
                received_at: m.at,
                usable_as: usable_as_for(m.kind, &m.to),
            };
            self.lots.insert(lot.id, lot);
        }
        for take in &m.lots {
            // Lot balances are bounded by location balances, which were checked above.
            add_lot(&mut self.lot_balances, from_key, take.lot, -take.qty.get());
            add_lot(&mut self.lot_balances, to_key, take.lot, take.qty.get());
        }
        set_balance(&mut self.balances, from_key, new_from);
        set_balance(&mut self.balances, to_key, new_to);
        let id = MovementId(self.next_id());
        self.scratch.undo.push(Undo::Movement);
        self.movements.push((id, m));
        Ok(id)
    }

    fn check_frozen(&self, m: &Movement) -> Result<(), StockError> {
        for loc in [m.from, m.to] {
            if let Some((w, _)) = loc.as_stock()
                && let Some(st) = self.counting(w, m.part)
            {
                return Err(StockError::Frozen(st));
            }
        }
        Ok(())
    }

    /// The open stocktake counting `part` in `warehouse`, if any.
    fn counting(&self, warehouse: WarehouseId, part: PartId) -> Option<StocktakeId> {
        self.stocktakes
            .values()
            .find(|s| {
                s.status == StocktakeStatus::Counting
                    && s.warehouse == warehouse
                    && s.scope.contains(part)
            })
            .map(|s| s.id)
    }

    fn check_take(&self, m: &Movement, take: &LotTake) -> Result<(), StockError> {
        let lot = match self.lots.get(&take.lot) {
            Some(l) if l.part == m.part => l,
            _ => return Err(StockError::BadLot(take.lot)),
        };
        let here = self
            .lot_balances
            .get(&(m.from, m.part))
            .and_then(|b| b.get(&take.lot))
            .copied()
            .unwrap_or(0);
        if here < take.qty.get() {
            return Err(StockError::LotInsufficient {
                lot: take.lot,
                location: m.from,
                available: Qty::from_balance(here),
            });
        }
        let fits = match m.kind {
            MovementKind::InspectionReject => lot.origin == m.to,
            MovementKind::InspectionAccept | MovementKind::ReturnUnused => {
                lot.usable_as.is_some() && lot.usable_as == m.to.as_stock().map(|(_, c)| c)
            }
            _ => true,
        };
        if fits {
            Ok(())
        } else {
            Err(StockError::LotMismatch(take.lot))
        }
    }

    fn check_source(&self, m: &Movement) -> Result<(), StockError> {
        if m.from.may_go_negative() {
            return Ok(());
        }
        let here = self.balance(&m.from, m.part);
        if here < m.qty.get() {
            return Err(StockError::Insufficient {
                location: m.from,
                part: m.part,
                available: Qty::from_balance(here),
            });
        }
        Ok(())
    }

    fn check_reserved(&self, m: &Movement) -> Result<(), StockError> {
        let Some((w, c)) = m.from.as_stock() else {
            return Ok(());
        };
        if !c.is_issuable() {
            return Ok(());
        }
        let issuable = self.issuable(w, m.part);
        let reserved = self.reserved(w, m.part);
        let available = issuable.saturating_sub(reserved);
        if m.qty > available {
            return Err(StockError::Unavailable(Shortage {
                requested: m.qty,
                available,
            }));
        }
        Ok(())
    }

    /// Lots of `part` with a positive balance at `location`, as allocation input.
    fn positive_lots(&self, location: &Location, part: PartId) -> Vec<LotBalance> {
        let condition = match *location {
            Location::Stock { condition, .. }
            | Location::InTransit { condition, .. }
            | Location::TransferDiscrepancy { condition, .. } => condition,
            // Other locations hold one kind of stock: plain first in, first out.
            _ => StockCondition::Good,
        };
        self.lot_balances
            .get(&(*location, part))
            .into_iter()
            .flatten()
            .filter(|(_, q)| **q > 0)
            .filter_map(|(lot, q)| {
                Some(LotBalance {
                    lot: *lot,
                    condition,
                    received_at: self.lots.get(lot)?.received_at,
                    qty: Qty::from_balance(*q),
                })
            })
            .collect()
    }

    // ---- reservations --------------------------------------------------------------------

    fn add_reserved(&mut self, warehouse: WarehouseId, part: PartId, qty: Qty) {
        self.keep_reserved(warehouse, part);
        let slot = self.reserved.entry((warehouse, part)).or_default();
        *slot = slot.checked_add(qty).unwrap_or(*slot);
    }

    fn sub_reserved(&mut self, warehouse: WarehouseId, part: PartId, qty: Qty) {
        self.keep_reserved(warehouse, part);
        if let Some(slot) = self.reserved.get_mut(&(warehouse, part)) {
            *slot = slot.saturating_sub(qty);
            if slot.is_zero() {
                self.reserved.remove(&(warehouse, part));
            }
        }
    }

    /// Mark reservations expired at `now` (all, or one warehouse and part); returns how many.
    fn sweep_expired(&mut self, only: Option<(WarehouseId, PartId)>, now: Instant) -> usize {
        let expired: Vec<(ReservationId, WarehouseId, PartId, Qty)> = self
            .reservations
            .values()
            .filter(|r| r.has_expired_at(now))
            .filter(|r| only.is_none_or(|(w, p)| r.warehouse == w && r.part == p))
            .map(|r| (r.id, r.warehouse, r.part, r.qty))
            .collect();
        for &(id, w, p, q) in &expired {
            self.keep(Touched::Reservation(id));
            if let Some(r) = self.reservations.get_mut(&id) {
                r.status = ReservationStatus::Expired;
            }
            self.sub_reserved(w, p, q);
        }
        self.scratch.expired += expired.len();
        expired.len()
    }
}

fn add_lot(
    lots: &mut HashMap<(Location, PartId), BTreeMap<LotId, i64>>,
    key: (Location, PartId),
    lot: LotId,
    delta: i64,
) {
    let at = lots.entry(key).or_default();
    let v = at.entry(lot).or_insert(0);
    *v += delta;
    if *v == 0 {
        at.remove(&lot);
        if at.is_empty() {
            lots.remove(&key);
        }
    }
}

fn set_balance(balances: &mut HashMap<(Location, PartId), i64>, key: (Location, PartId), v: i64) {
    if v == 0 {
        balances.remove(&key);
    } else {
        balances.insert(key, v);
    }
}
