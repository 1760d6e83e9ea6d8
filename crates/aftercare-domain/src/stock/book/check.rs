//! The invariant check: recomputes everything from the movements and compares it with the
//! maintained balances and documents. The store's `check` command does the same in SQL.

use super::Book;
use crate::ids::{LotId, PartId, WarehouseId};
use crate::stock::location::Location;
use crate::stock::qty::Qty;
use crate::stock::reservation::ReservationStatus;
use std::collections::{BTreeMap, HashMap};

impl Book {
    /// Every broken invariant, described; empty when the book is sound.
    pub fn check(&self) -> Vec<String> {
        let mut bad = Vec::new();
        self.check_ledger(&mut bad);
        self.check_signs(&mut bad);
        self.check_reservations(&mut bad);
        self.check_documents(&mut bad);
        bad
    }

    /// Maintained balances (per location and per lot) equal the sums of the movements, and
    /// every movement is well formed.
    pub(super) fn check_ledger(&self, bad: &mut Vec<String>) {
        let mut sums: HashMap<(Location, PartId), i64> = HashMap::new();
        let mut lot_sums: HashMap<(Location, PartId, LotId), i64> = HashMap::new();
        let mut last_id = 0;
        for (id, m) in &self.movements {
            if let Err(e) = m.validate() {
                bad.push(format!("movement {id} is malformed: {e}"));
            }
            if id.get() <= last_id {
                bad.push(format!("movement {id} is out of order"));
            }
            last_id = id.get();
            *sums.entry((m.from, m.part)).or_default() -= m.qty.get();
            *sums.entry((m.to, m.part)).or_default() += m.qty.get();
            for t in &m.lots {
                *lot_sums.entry((m.from, m.part, t.lot)).or_default() -= t.qty.get();
                *lot_sums.entry((m.to, m.part, t.lot)).or_default() += t.qty.get();
            }
        }
        sums.retain(|_, v| *v != 0);
        lot_sums.retain(|_, v| *v != 0);
        if sums != self.balances {
            bad.push("balances differ from the sum of the movements".to_string());
        }
        let maintained: HashMap<(Location, PartId, LotId), i64> = self
            .lot_balances
            .iter()
            .flat_map(|((loc, part), lots)| lots.iter().map(move |(l, q)| ((*loc, *part, *l), *q)))
            .collect();
        if lot_sums != maintained {
            bad.push("lot balances differ from the sum of the movements".to_string());
        }
        for ((loc, part), lots) in &self.lot_balances {
            let sum: i64 = lots.values().sum();
            if sum != self.balance(loc, *part) {
                bad.push(format!(
                    "lots of part {part} at {loc:?} add up to {sum}, the balance is {}",
                    self.balance(loc, *part)
                ));
            }
        }
    }

    /// Nothing negative except at sources and at a lot's origin; totals are zero per part;
    /// lots on good or repaired shelves are of that grade.
    pub(super) fn check_signs(&self, bad: &mut Vec<String>) {
        let mut totals: BTreeMap<PartId, i64> = BTreeMap::new();
        for ((loc, part), q) in &self.balances {
            *totals.entry(*part).or_default() += q;
            if *q < 0 && !loc.may_go_negative() {
                bad.push(format!("part {part} is negative ({q}) at {loc:?}"));
            }
        }
        for (part, total) in totals {
            if total != 0 {
                bad.push(format!(
                    "part {part} totals {total} over all locations, not 0"
                ));
            }
        }
        for ((loc, part), lots) in &self.lot_balances {
            for (lot_id, q) in lots {
                let Some(lot) = self.lots.get(lot_id) else {
                    bad.push(format!("lot {lot_id} at {loc:?} is unknown"));
                    continue;
                };
                if lot.part != *part {
                    bad.push(format!(
                        "lot {lot_id} of part {} sits under part {part}",
                        lot.part
                    ));
                }
                let at_origin = lot.origin == *loc;
                if (at_origin && *q > 0) || (!at_origin && *q < 0) {
                    bad.push(format!("lot {lot_id} has balance {q} at {loc:?}"));
                }
                if let Some((_, c)) = loc.as_stock()
                    && c.is_issuable()
                    && lot.usable_as != Some(c)
                {
                    bad.push(format!("lot {lot_id} sits on a {} shelf", c.code()));
                }
            }
        }
    }

    /// Reserved equals the active reservations and never exceeds issuable stock.
    pub(super) fn check_reservations(&self, bad: &mut Vec<String>) {
        let mut held: HashMap<(WarehouseId, PartId), Qty> = HashMap::new();
        for r in self.reservations.values() {
            if r.status == ReservationStatus::Active {
                if r.qty.is_zero() {
                    bad.push(format!("active reservation {} holds nothing", r.id));
                }
                let slot = held.entry((r.warehouse, r.part)).or_default();
                *slot = slot.checked_add(r.qty).unwrap_or(*slot);
            }
        }
        held.retain(|_, q| !q.is_zero());
        if held != self.reserved {
            bad.push("reserved totals differ from the active reservations".to_string());
        }
        for ((w, p), q) in &self.reserved {
            let issuable = self.issuable(*w, *p);
            if *q > issuable {
                bad.push(format!(
                    "warehouse {w} part {p}: {q} reserved but only {issuable} on hand"
                ));
            }
        }
    }

    /// In transit, discrepancies and repair vendors hold what their documents say.
    fn check_documents(&self, bad: &mut Vec<String>) {
        let mut expected: HashMap<(Location, PartId), i64> = HashMap::new();
        for t in self.transfers.values() {
            for l in &t.lines {
                let transit = Location::InTransit {
                    transfer: t.id,
                    to: t.to,
                    condition: l.condition,
                };
                let gap = Location::TransferDiscrepancy {
                    transfer: t.id,
                    condition: l.condition,
                };
                expected.insert((transit, l.part), l.in_transit().get());
                expected.insert((gap, l.part), l.open_discrepancy().get());
            }
        }
        for o in self.repair_orders.values() {
            expected.insert(
                (Location::RepairVendor { order: o.id }, o.part),
                o.at_vendor().get(),
            );
        }
        for ((loc, part), q) in &self.balances {
            let tracked = matches!(
                loc,
                Location::InTransit { .. }
                    | Location::TransferDiscrepancy { .. }
                    | Location::RepairVendor { .. }
            );
            if tracked && !expected.contains_key(&(*loc, *part)) {
                bad.push(format!(
                    "{q} of part {part} at {loc:?} belong to no document"
                ));
            }
        }
        for ((loc, part), want) in expected {
            let have = self.balance(&loc, part);
            if have != want {
                bad.push(format!(
                    "{loc:?} holds {have} of part {part}, its document says {want}"
                ));
            }
        }
        for po in self.purchase_orders.values() {
            if po.lines.iter().any(|l| l.received > l.ordered) {
                bad.push(format!(
                    "purchase order {} received more than ordered",
                    po.id
                ));
            }
        }
    }
}
