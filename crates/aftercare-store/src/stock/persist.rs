//! Write one group's effects: movements and their lots, new lots, balance and lot-balance
//! deltas, availability, changed documents, idempotency keys and audit entries, each kind
//! in one multi-row statement (chunked only past the parameter limits).

// Row tuples mirror their SELECT lists column by column; naming each would add nothing.
#![allow(clippy::type_complexity)]

use super::keys::location_key;
use super::load::encode;
use super::values::{Batch, Val};
use crate::{StoreError, StoreResult, Tx};
use aftercare_domain::stock::{
    Book, Consumer, Document, Location, Movement, StocktakeScope, Touched,
};
use aftercare_domain::{MovementId, PartId, UserId, WarehouseId};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// What the group wrote besides the book's own state.
pub(super) struct GroupRecord {
    /// Who made each movement.
    pub actors: HashMap<MovementId, Option<UserId>>,
    /// (key, actor, command json, outcome json) of each applied keyed command.
    pub keys: Vec<(String, Option<UserId>, String, String)>,
    /// Audit rows: (actor, login, action, object id, after json, request id).
    pub audits: Vec<(
        Option<UserId>,
        String,
        String,
        String,
        String,
        Option<String>,
    )>,
    /// When the group was applied.
    pub now: i64,
}

fn document_columns(d: Option<Document>) -> (Option<&'static str>, Option<i64>) {
    match d {
        None => (None, None),
        Some(Document::PurchaseOrder(i)) => (Some("purchase_order"), Some(i.get())),
        Some(Document::RepairOrder(i)) => (Some("repair_order"), Some(i.get())),
        Some(Document::Ticket(i)) => (Some("ticket"), Some(i.get())),
        Some(Document::Requisition(i)) => (Some("requisition"), Some(i.get())),
        Some(Document::Transfer(i)) => (Some("transfer"), Some(i.get())),
        Some(Document::ScrapRequest(i)) => (Some("scrap_request"), Some(i.get())),
        Some(Document::Stocktake(i)) => (Some("stocktake"), Some(i.get())),
    }
}

/// The warehouse a location belongs to, for filtering movements (stock, scrapped,
/// difference account, and in transit towards a warehouse).
fn warehouse_of(l: &Location) -> Option<i64> {
    l.key().warehouse.map(|w| w.get())
}

fn balance_row(loc: &Location, key: String, part: PartId, delta: i64) -> Vec<Val> {
    let k = loc.key();
    vec![
        key.into(),
        part.get().into(),
        k.kind.code().into(),
        k.warehouse.map(|w| w.get()).into(),
        k.condition.map(|c| c.code()).into(),
        k.reference.into(),
        delta.into(),
        loc.may_go_negative().into(),
    ]
}

/// Persist everything `book` did since the last group and bump the ledger row (its next
/// movement id becomes `last_id`), in as few round trips as the engine allows; returns
/// the ledger's new version.
pub(super) async fn persist(
    tx: &mut Tx,
    book: &Book,
    movements: &[(MovementId, Movement)],
    touched: &BTreeSet<Touched>,
    rec: &GroupRecord,
    last_id: i64,
) -> StoreResult<i64> {
    persist_in(Batch::default(), tx, book, movements, touched, rec, last_id).await
}

/// [`persist`] into a given (empty) batch, e.g. one with short statements for bulk loads.
pub(super) async fn persist_in(
    mut batch: Batch,
    tx: &mut Tx,
    book: &Book,
    movements: &[(MovementId, Movement)],
    touched: &BTreeSet<Touched>,
    rec: &GroupRecord,
    last_id: i64,
) -> StoreResult<i64> {
    let mut mv_rows = Vec::with_capacity(movements.len());
    let mut take_rows = Vec::new();
    let mut lot_rows = Vec::new();
    let mut deltas: BTreeMap<(String, PartId), (Location, i64)> = BTreeMap::new();
    let mut lot_deltas: BTreeMap<(String, PartId, i64), (Location, i64)> = BTreeMap::new();
    let mut avail: BTreeSet<(WarehouseId, PartId)> = BTreeSet::new();
    for (id, m) in movements {
        let from = location_key(&m.from);
        let to = location_key(&m.to);
        let (dk, di) = document_columns(m.document);
        mv_rows.push(vec![
            id.get().into(),
            m.kind.code().into(),
            m.part.get().into(),
            from.clone().into(),
            to.clone().into(),
            warehouse_of(&m.from).into(),
            warehouse_of(&m.to).into(),
            m.qty.get().into(),
            m.at.millis().into(),
            dk.into(),
            di.into(),
            m.issued_at.map(|i| i.millis()).into(),
            rec.actors
                .get(id)
                .copied()
                .flatten()
                .map(|u| u.get())
                .into(),
        ]);
        if m.kind.creates_lot(&m.from)
            && let Some(lot) = m.lots.first().and_then(|t| book.lot(t.lot))
        {
            lot_rows.push(vec![
                lot.id.get().into(),
                lot.part.get().into(),
                location_key(&lot.origin).into(),
                lot.received_at.millis().into(),
                lot.usable_as.map(|c| c.code()).into(),
            ]);
        }
        for t in &m.lots {
            take_rows.push(vec![
                id.get().into(),
                t.lot.get().into(),
                t.qty.get().into(),
            ]);
            lot_deltas
                .entry((from.clone(), m.part, t.lot.get()))
                .or_insert((m.from, 0))
                .1 -= t.qty.get();
            lot_deltas
                .entry((to.clone(), m.part, t.lot.get()))
                .or_insert((m.to, 0))
                .1 += t.qty.get();
        }
        deltas.entry((from, m.part)).or_insert((m.from, 0)).1 -= m.qty.get();
        deltas.entry((to, m.part)).or_insert((m.to, 0)).1 += m.qty.get();
        for l in [m.from, m.to] {
            if let Some((w, c)) = l.as_stock()
                && c.is_issuable()
            {
                avail.insert((w, m.part));
            }
        }
    }
    // Lots first: movements' lot rows reference them.
    batch.insert(
        "INSERT INTO stock_lots (id, part_id, origin, received_at, usable_as)",
        "",
        &lot_rows,
    );
    batch.insert(
        "INSERT INTO stock_movements (id, kind, part_id, from_location, to_location, from_warehouse_id, to_warehouse_id, qty, at, document_kind, document_id, issued_at, actor_id)",
        "",
        &mv_rows,
    );
    batch.insert(
        "INSERT INTO stock_movement_lots (movement_id, lot_id, qty)",
        "",
        &take_rows,
    );
    // A decrease of a balance that may not go negative is an UPDATE of an existing row
    // (a proposed negative row would trip the CHECK before the upsert could merge it, and a
    // missing row means the book and the tables disagree); everything else is an upsert.
    let mut bal_up = Vec::new();
    let mut bal_down = Vec::new();
    for ((key, part), (loc, d)) in deltas {
        if d == 0 {
            continue;
        }
        if d < 0 && !loc.may_go_negative() {
            bal_down.push(vec![key.into(), part.get().into(), d.into()]);
        } else {
            bal_up.push(balance_row(&loc, key, part, d));
        }
    }
    batch.insert(
        "INSERT INTO stock_balances (location, part_id, kind, warehouse_id, condition, reference, qty, negative_ok)",
        "ON CONFLICT (location, part_id) DO UPDATE SET qty = stock_balances.qty + excluded.qty",
        &bal_up,
    );
    batch.update(
        "balance_down",
        "stock_balances",
        "qty = stock_balances.qty + d.column3",
        "stock_balances.location = d.column1 AND stock_balances.part_id = d.column2",
        &bal_down,
    );
    let bal_down_rows = bal_down.len() as i64;
    let mut lot_up = Vec::new();
    let mut lot_down = Vec::new();
    for ((key, part, lot), (loc, d)) in lot_deltas {
        if d == 0 {
            continue;
        }
        // A lot is negative only where stock enters the books, and at its own origin
        // (a repair vendor that returned more of an order's lot than it still holds).
        let negative_ok = loc.may_go_negative()
            || book
                .lot(aftercare_domain::LotId(lot))
                .is_some_and(|l| l.origin == loc);
        if d < 0 && !negative_ok {
            lot_down.push(vec![key.into(), part.get().into(), lot.into(), d.into()]);
        } else {
            lot_up.push(vec![
                key.into(),
                part.get().into(),
                lot.into(),
                d.into(),
                negative_ok.into(),
            ]);
        }
    }
    batch.insert(
        "INSERT INTO stock_lot_balances (location, part_id, lot_id, qty, negative_ok)",
        "ON CONFLICT (location, part_id, lot_id) DO UPDATE SET qty = stock_lot_balances.qty + excluded.qty",
        &lot_up,
    );
    batch.update(
        "lot_down",
        "stock_lot_balances",
        "qty = stock_lot_balances.qty + d.column4",
        "stock_lot_balances.location = d.column1 AND stock_lot_balances.part_id = d.column2 AND stock_lot_balances.lot_id = d.column3",
        &lot_down,
    );
    let lot_down_rows = lot_down.len() as i64;

    persist_documents(&mut batch, book, touched, &mut avail, rec.now);

    let avail_rows: Vec<Vec<Val>> = avail
        .into_iter()
        .map(|(w, p)| {
            vec![
                w.get().into(),
                p.get().into(),
                book.issuable(w, p).get().into(),
                book.reserved(w, p).get().into(),
            ]
        })
        .collect();
    batch.insert(
        "INSERT INTO stock_availability (warehouse_id, part_id, issuable, reserved)",
        "ON CONFLICT (warehouse_id, part_id) DO UPDATE SET issuable = excluded.issuable, reserved = excluded.reserved",
        &avail_rows,
    );

    let key_rows: Vec<Vec<Val>> = rec
        .keys
        .iter()
        .map(|(k, actor, cmd, out)| {
            vec![
                k.clone().into(),
                actor.map(|u| u.get()).into(),
                cmd.clone().into(),
                out.clone().into(),
                rec.now.into(),
            ]
        })
        .collect();
    batch.insert(
        "INSERT INTO stock_idempotency (key, actor_id, command_json, outcome_json, created_at)",
        "",
        &key_rows,
    );
    let audit_rows: Vec<Vec<Val>> = rec
        .audits
        .iter()
        .map(|(actor, login, action, object, after, request)| {
            vec![
                rec.now.into(),
                actor.map(|u| u.get()).into(),
                login.clone().into(),
                action.clone().into(),
                "stock".into(),
                object.clone().into(),
                after.clone().into(),
                request.clone().into(),
            ]
        })
        .collect();
    batch.insert(
        "INSERT INTO audit_log (at, actor_id, actor_login, action, object_type, object_id, after_json, request_id)",
        "",
        &audit_rows,
    );
    batch.returning(
        "version",
        "version",
        &[
            "UPDATE stock_ledger SET version = version + 1, next_id = ",
            ", updated_at = ",
            " WHERE id = 1",
        ],
        vec![last_id.into(), rec.now.into()],
    );
    let reported = batch.run(tx).await?;
    // A decrease whose row is missing means the book and the tables disagree.
    if reported.get("balance_down") != bal_down_rows {
        return Err(StoreError::Conflict(
            "stock balance to decrease is missing: the ledger writer's view is stale".into(),
        ));
    }
    if reported.get("lot_down") != lot_down_rows {
        return Err(StoreError::Conflict(
            "lot balance to decrease is missing: the ledger writer's view is stale".into(),
        ));
    }
    Ok(reported.get("version"))
}

fn persist_documents(
    batch: &mut Batch,
    book: &Book,
    touched: &BTreeSet<Touched>,
    avail: &mut BTreeSet<(WarehouseId, PartId)>,
    now: i64,
) {
    let mut res = Vec::new();
    let mut transfers = Vec::new();
    let mut t_lines = Vec::new();
    let mut repairs = Vec::new();
    let mut orders = Vec::new();
    let mut o_lines = Vec::new();
    let mut scraps = Vec::new();
    let mut takes = Vec::new();
    let mut take_parts = Vec::new();
    let mut take_lines = Vec::new();
    for t in touched {
        match *t {
            Touched::Reservation(id) => {
                if let Some(r) = book.reservation(id) {
                    avail.insert((r.warehouse, r.part));
                    let (ck, cid) = match r.consumer {
                        Consumer::Ticket(t) => ("ticket", t.get()),
                        Consumer::Requisition(q) => ("requisition", q.get()),
                    };
                    res.push(vec![
                        r.id.get().into(),
                        r.warehouse.get().into(),
                        r.part.get().into(),
                        ck.into(),
                        cid.into(),
                        r.qty.get().into(),
                        r.created_at.millis().into(),
                        r.expires_at.millis().into(),
                        encode(&r.status).into(),
                    ]);
                }
            }
            Touched::Transfer(id) => {
                if let Some(x) = book.transfer(id) {
                    transfers.push(vec![
                        x.id.get().into(),
                        x.from.get().into(),
                        x.to.get().into(),
                        x.shipped_at.millis().into(),
                        x.eta.millis().into(),
                        encode(&x.status).into(),
                    ]);
                    for l in &x.lines {
                        t_lines.push(vec![
                            x.id.get().into(),
                            l.part.get().into(),
                            l.condition.code().into(),
                            l.shipped.get().into(),
                            l.received.get().into(),
                            l.missing.get().into(),
                            l.found.get().into(),
                            l.written_off.get().into(),
                        ]);
                    }
                }
            }
            Touched::RepairOrder(id) => {
                if let Some(o) = book.repair_order(id) {
                    repairs.push(vec![
                        o.id.get().into(),
                        o.vendor.get().into(),
                        o.warehouse.get().into(),
                        o.part.get().into(),
                        o.sent.get().into(),
                        o.received.get().into(),
                        o.rejected.get().into(),
                        o.unrepairable.get().into(),
                        o.sent_at.millis().into(),
                        o.due.millis().into(),
                    ]);
                }
            }
            Touched::PurchaseOrder(id) => {
                if let Some(o) = book.purchase_order(id) {
                    orders.push(vec![o.id.get().into(), o.supplier.get().into(), now.into()]);
                    for l in &o.lines {
                        o_lines.push(vec![
                            o.id.get().into(),
                            l.part.get().into(),
                            l.ordered.get().into(),
                            l.received.get().into(),
                        ]);
                    }
                }
            }
            Touched::ScrapRequest(id) => {
                if let Some(s) = book.scrap_request(id) {
                    scraps.push(vec![
                        s.id.get().into(),
                        s.warehouse.get().into(),
                        s.part.get().into(),
                        s.condition.code().into(),
                        s.qty.get().into(),
                        s.reason.code().into(),
                        s.requested_at.millis().into(),
                        encode(&s.status).into(),
                        s.decided_at.map(|d| d.millis()).into(),
                    ]);
                }
            }
            Touched::Stocktake(id) => {
                if let Some(s) = book.stocktake(id) {
                    let scope = match &s.scope {
                        StocktakeScope::Warehouse => "warehouse",
                        StocktakeScope::Parts(parts) => {
                            for p in parts {
                                take_parts.push(vec![s.id.get().into(), p.get().into()]);
                            }
                            "parts"
                        }
                    };
                    takes.push(vec![
                        s.id.get().into(),
                        s.warehouse.get().into(),
                        scope.into(),
                        s.opened_at.millis().into(),
                        encode(&s.status).into(),
                    ]);
                    for l in s.lines() {
                        take_lines.push(vec![
                            s.id.get().into(),
                            l.part.get().into(),
                            l.condition.code().into(),
                            l.book.get().into(),
                            l.unit_cost.minor().into(),
                            l.counted.map(|c| c.get()).into(),
                        ]);
                    }
                }
            }
        }
    }
    batch.insert(
        "INSERT INTO stock_reservations (id, warehouse_id, part_id, consumer_kind, consumer_id, qty, created_at, expires_at, status)",
        "ON CONFLICT (id) DO UPDATE SET qty = excluded.qty, status = excluded.status",
        &res,
    );
    batch.insert(
        "INSERT INTO transfers (id, from_warehouse_id, to_warehouse_id, shipped_at, eta, status)",
        "ON CONFLICT (id) DO UPDATE SET status = excluded.status",
        &transfers,
    );
    batch.insert(
        "INSERT INTO transfer_lines (transfer_id, part_id, condition, shipped, received, missing, found, written_off)",
        "ON CONFLICT (transfer_id, part_id, condition) DO UPDATE SET received = excluded.received, missing = excluded.missing, found = excluded.found, written_off = excluded.written_off",
        &t_lines,
    );
    batch.insert(
        "INSERT INTO repair_orders (id, vendor_id, warehouse_id, part_id, sent, received, rejected, unrepairable, sent_at, due_at)",
        "ON CONFLICT (id) DO UPDATE SET received = excluded.received, rejected = excluded.rejected, unrepairable = excluded.unrepairable",
        &repairs,
    );
    batch.insert(
        "INSERT INTO purchase_orders (id, supplier_id, created_at)",
        "ON CONFLICT (id) DO NOTHING",
        &orders,
    );
    batch.insert(
        "INSERT INTO purchase_order_lines (purchase_order_id, part_id, ordered, received)",
        "ON CONFLICT (purchase_order_id, part_id) DO UPDATE SET received = excluded.received",
        &o_lines,
    );
    batch.insert(
        "INSERT INTO scrap_requests (id, warehouse_id, part_id, condition, qty, reason, requested_at, status, decided_at)",
        "ON CONFLICT (id) DO UPDATE SET status = excluded.status, decided_at = excluded.decided_at",
        &scraps,
    );
    batch.insert(
        "INSERT INTO stocktakes (id, warehouse_id, scope, opened_at, status)",
        "ON CONFLICT (id) DO UPDATE SET status = excluded.status",
        &takes,
    );
    batch.insert(
        "INSERT INTO stocktake_parts (stocktake_id, part_id)",
        "ON CONFLICT (stocktake_id, part_id) DO NOTHING",
        &take_parts,
    );
    batch.insert(
        "INSERT INTO stocktake_lines (stocktake_id, part_id, condition, book_qty, unit_cost, counted)",
        "ON CONFLICT (stocktake_id, part_id, condition) DO UPDATE SET counted = excluded.counted",
        &take_lines,
    );
}
