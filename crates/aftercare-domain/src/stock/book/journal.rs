//! The book's undo journal, the record of which documents committed commands changed, and
//! the functions a store uses to rebuild a book from stored state and to drain what it must
//! persist. A refused command is undone entry by entry (newest first), which costs what the
//! command touched instead of a copy of the whole book.

use super::Book;
use crate::ids::{
    LotId, MovementId, PartId, PurchaseOrderId, RepairOrderId, ReservationId, ScrapRequestId,
    StocktakeId, TransferId, WarehouseId,
};
use crate::money::Money;
use crate::part::{StockLevels, SubstituteRule};
use crate::stock::approval::{IssuePolicy, ScrapRequest};
use crate::stock::location::Location;
use crate::stock::lot::Lot;
use crate::stock::movement::Movement;
use crate::stock::purchase::PurchaseOrder;
use crate::stock::qty::Qty;
use crate::stock::repair::RepairOrder;
use crate::stock::reservation::{Reservation, ReservationStatus};
use crate::stock::stocktake::Stocktake;
use crate::stock::transfer::Transfer;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, HashMap};

/// A document a command created or changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Touched {
    /// A reservation.
    Reservation(ReservationId),
    /// A transfer.
    Transfer(TransferId),
    /// A repair order.
    RepairOrder(RepairOrderId),
    /// A purchase order.
    PurchaseOrder(PurchaseOrderId),
    /// A scrap request.
    ScrapRequest(ScrapRequestId),
    /// A stocktake.
    Stocktake(StocktakeId),
}

/// One logged change: the value before it.
#[derive(Debug, Clone)]
pub(super) enum Undo {
    Balance((Location, PartId), i64),
    LotBalance((Location, PartId), LotId, i64),
    Lot(LotId),
    Movement,
    NextId(i64),
    Reserved((WarehouseId, PartId), Option<Qty>),
    Reservation(ReservationId, Option<Reservation>),
    Transfer(TransferId, Option<Transfer>),
    RepairOrder(RepairOrderId, Option<RepairOrder>),
    PurchaseOrder(PurchaseOrderId, Option<PurchaseOrder>),
    ScrapRequest(ScrapRequestId, Option<ScrapRequest>),
    Stocktake(StocktakeId, Option<Box<Stocktake>>),
}

/// Bookkeeping that is not ledger state: equal for every two books, so comparing books
/// compares only what they hold.
#[derive(Debug, Clone, Default)]
pub(super) struct Scratch {
    pub(super) undo: Vec<Undo>,
    pub(super) touched: BTreeSet<Touched>,
    /// Reservations the running command marked expired.
    pub(super) expired: usize,
}

impl PartialEq for Scratch {
    fn eq(&self, _: &Scratch) -> bool {
        true
    }
}

impl Eq for Scratch {}

impl Book {
    /// Log a document's current value before the running command changes it.
    pub(super) fn keep(&mut self, doc: Touched) {
        let undo = match doc {
            Touched::Reservation(id) => Undo::Reservation(id, self.reservations.get(&id).cloned()),
            Touched::Transfer(id) => Undo::Transfer(id, self.transfers.get(&id).cloned()),
            Touched::RepairOrder(id) => Undo::RepairOrder(id, self.repair_orders.get(&id).cloned()),
            Touched::PurchaseOrder(id) => {
                Undo::PurchaseOrder(id, self.purchase_orders.get(&id).cloned())
            }
            Touched::ScrapRequest(id) => {
                Undo::ScrapRequest(id, self.scrap_requests.get(&id).cloned())
            }
            Touched::Stocktake(id) => {
                Undo::Stocktake(id, self.stocktakes.get(&id).cloned().map(Box::new))
            }
        };
        self.scratch.undo.push(undo);
    }

    pub(super) fn keep_reserved(&mut self, warehouse: WarehouseId, part: PartId) {
        let old = self.reserved.get(&(warehouse, part)).copied();
        self.scratch
            .undo
            .push(Undo::Reserved((warehouse, part), old));
    }

    pub(super) fn lot_balance(&self, key: &(Location, PartId), lot: LotId) -> i64 {
        self.lot_balances
            .get(key)
            .and_then(|m| m.get(&lot))
            .copied()
            .unwrap_or(0)
    }

    /// The running command succeeded: remember the documents it touched, drop the log.
    pub(super) fn commit_journal(&mut self) {
        let undo = std::mem::take(&mut self.scratch.undo);
        for u in &undo {
            let doc = match u {
                Undo::Reservation(id, _) => Touched::Reservation(*id),
                Undo::Transfer(id, _) => Touched::Transfer(*id),
                Undo::RepairOrder(id, _) => Touched::RepairOrder(*id),
                Undo::PurchaseOrder(id, _) => Touched::PurchaseOrder(*id),
                Undo::ScrapRequest(id, _) => Touched::ScrapRequest(*id),
                Undo::Stocktake(id, _) => Touched::Stocktake(*id),
                _ => continue,
            };
            self.scratch.touched.insert(doc);
        }
    }

    /// The running command was refused: undo its changes, newest first.
    pub(super) fn roll_back(&mut self) {
        let undo = std::mem::take(&mut self.scratch.undo);
        for u in undo.into_iter().rev() {
            match u {
                Undo::Balance(key, v) => set_or_remove(&mut self.balances, key, v),
                Undo::LotBalance(key, lot, v) => {
                    let at = self.lot_balances.entry(key).or_default();
                    if v == 0 {
                        at.remove(&lot);
                    } else {
                        at.insert(lot, v);
                    }
                    if at.is_empty() {
                        self.lot_balances.remove(&key);
                    }
                }
                Undo::Lot(id) => {
                    self.lots.remove(&id);
                }
                Undo::Movement => {
                    self.movements.pop();
                }
                Undo::NextId(v) => self.next_id = v,
                Undo::Reserved(key, v) => match v {
                    Some(q) => {
                        self.reserved.insert(key, q);
                    }
                    None => {
                        self.reserved.remove(&key);
                    }
                },
                Undo::Reservation(id, v) => restore(&mut self.reservations, id, v),
                Undo::Transfer(id, v) => restore(&mut self.transfers, id, v),
                Undo::RepairOrder(id, v) => restore(&mut self.repair_orders, id, v),
                Undo::PurchaseOrder(id, v) => restore(&mut self.purchase_orders, id, v),
                Undo::ScrapRequest(id, v) => restore(&mut self.scrap_requests, id, v),
                Undo::Stocktake(id, v) => restore(&mut self.stocktakes, id, v.map(|b| *b)),
            }
        }
    }

    // ---- for stores: drain what to persist -------------------------------------------------

    /// The movements made since the last call, oldest first (a store persists them and
    /// keeps only balances in memory).
    pub fn take_movements(&mut self) -> Vec<(MovementId, Movement)> {
        std::mem::take(&mut self.movements)
    }

    /// The documents committed commands created or changed since the last call.
    pub fn take_touched(&mut self) -> BTreeSet<Touched> {
        std::mem::take(&mut self.scratch.touched)
    }

    /// The last id handed out (movements, lots and documents share one counter).
    pub fn last_id(&self) -> i64 {
        self.next_id
    }

    /// The issue-approval policy.
    pub fn policy(&self) -> IssuePolicy {
        self.policy
    }

    /// Replace the issue-approval policy.
    pub fn set_policy(&mut self, policy: IssuePolicy) {
        self.policy = policy;
    }

    // ---- for stores: rebuild from stored state ----------------------------------------------

    /// Replace the whole part master: costs, manual levels and substitution rules (rules
    /// are taken as stored, already checked when they were declared).
    pub fn replace_master(
        &mut self,
        parts: impl IntoIterator<Item = (PartId, Money)>,
        levels: impl IntoIterator<Item = (WarehouseId, PartId, StockLevels)>,
        substitutes: Vec<SubstituteRule>,
    ) {
        self.parts = parts
            .into_iter()
            .map(|(p, c)| {
                (
                    p,
                    super::PartEntry {
                        unit_cost: c,
                        levels: HashMap::new(),
                    },
                )
            })
            .collect();
        for (w, p, l) in levels {
            if let Some(e) = self.parts.get_mut(&p) {
                e.levels.insert(w, l);
            }
        }
        self.substitutes = substitutes;
    }

    /// Set the id counter (the largest id handed out so far).
    pub fn restore_last_id(&mut self, last: i64) {
        self.next_id = last;
    }

    /// Put back a lot.
    pub fn restore_lot(&mut self, lot: Lot) {
        self.lots.insert(lot.id, lot);
    }

    /// Put back the balance of a part at a location.
    pub fn restore_balance(&mut self, location: Location, part: PartId, qty: i64) {
        set_or_remove(&mut self.balances, (location, part), qty);
    }

    /// Put back the balance of one lot of a part at a location.
    pub fn restore_lot_balance(&mut self, location: Location, part: PartId, lot: LotId, qty: i64) {
        if qty != 0 {
            self.lot_balances
                .entry((location, part))
                .or_default()
                .insert(lot, qty);
        }
    }

    /// Put back a reservation (an active one holds its units again).
    pub fn restore_reservation(&mut self, r: Reservation) {
        if r.status == ReservationStatus::Active {
            let slot = self.reserved.entry((r.warehouse, r.part)).or_default();
            *slot = slot.checked_add(r.qty).unwrap_or(*slot);
        }
        self.reservations.insert(r.id, r);
    }

    /// Put back a transfer.
    pub fn restore_transfer(&mut self, t: Transfer) {
        self.transfers.insert(t.id, t);
    }

    /// Put back a repair order.
    pub fn restore_repair_order(&mut self, o: RepairOrder) {
        self.repair_orders.insert(o.id, o);
    }

    /// Put back a purchase order.
    pub fn restore_purchase_order(&mut self, o: PurchaseOrder) {
        self.purchase_orders.insert(o.id, o);
    }

    /// Put back a scrap request.
    pub fn restore_scrap_request(&mut self, r: ScrapRequest) {
        self.scrap_requests.insert(r.id, r);
    }

    /// Put back a stocktake.
    pub fn restore_stocktake(&mut self, s: Stocktake) {
        self.stocktakes.insert(s.id, s);
    }

    /// Every non-zero balance: (location, part) and units.
    pub fn balances(&self) -> impl Iterator<Item = (Location, PartId, i64)> + '_ {
        self.balances.iter().map(|((l, p), q)| (*l, *p, *q))
    }

    /// Every reservation, by id.
    pub fn reservations(&self) -> impl Iterator<Item = &Reservation> {
        self.reservations.values()
    }
}

fn set_or_remove<K: std::hash::Hash + Eq>(map: &mut HashMap<K, i64>, key: K, v: i64) {
    if v == 0 {
        map.remove(&key);
    } else {
        map.insert(key, v);
    }
}

fn restore<K: Ord, V>(map: &mut std::collections::BTreeMap<K, V>, key: K, v: Option<V>) {
    match v {
        Some(v) => {
            map.insert(key, v);
        }
        None => {
            map.remove(&key);
        }
    }
}
