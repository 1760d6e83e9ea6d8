//! Approving several replenishment proposals at once. Proposals that would become
//! documents to the same place become one document with a line each: transfers (and
//! returns, and emergencies below the top) on the same route one transfer, purchases
//! (and emergencies at the top) of one warehouse from the same supplier one purchase
//! order, its last-time buys another. A warehouse sending back 300 parts it no longer
//! stocks ships one parcel, not 300.
//!
//! Before anything is claimed, each line is checked against what its sender can ship now,
//! drawn down as the batch's lines take it (the earliest need first): a line that cannot
//! ship is left open and named (`planning.source_short`), and the rest of its route goes
//! as one transfer. A group is claimed in one write (every proposal with the same frozen
//! command and the Idempotency-Key `plan-proposal-batch-<lowest id>-<random>`), run
//! once through the ledger and decided approved in one write. A proposal claimed or
//! changed meanwhile leaves the group, and the rest is claimed together again (while each
//! try finds what changed). A group
//! that stopped half-way is finished by approving any of its proposals again: its command
//! is replayed (one document) and every proposal under the claim is approved with it.
//! When the ledger refuses a group, the whole claim is given up and its proposals are
//! approved one by one.

use crate::App;
use crate::access::Actor;
use crate::error::{AppError, AppResult};
use crate::planning::{PLANNERS, approval_command, claim_key, document_of, not_open, user_of};
use crate::stock::refusal;
use aftercare_domain::stock::Command;
use aftercare_domain::{Instant, PartId, SupplierId, WarehouseId};
use aftercare_store::audit;
use aftercare_store::plan_views as plan_views_store;
use aftercare_store::planning::{self as store, ProposalKind, ProposalRow};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap, HashSet};

/// The most proposals one batch approval takes.
pub const MAX_BATCH: usize = 5_000;

/// The most times a group is claimed before its proposals are approved one by one.
const CLAIM_TRIES: usize = 12;
/// Tries in a row that find nothing changed (the rows held by another writer) before the
/// group's proposals are approved one by one.
const FRUITLESS_TRIES: usize = 3;

/// A document a batch approval created (or found created by an earlier, unfinished
/// approval of the same proposals), with the proposals it approved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BatchDocument {
    /// `purchase_order` or `transfer`.
    pub kind: &'static str,
    /// Its id.
    pub id: i64,
    /// The proposals approved into it, the earliest need first.
    pub proposals: Vec<i64>,
}

/// A proposal a batch approval left as it was, and why.
#[derive(Debug)]
pub struct BatchRefusal {
    /// The proposal.
    pub proposal: ProposalRow,
    /// Why (as approving it alone would say).
    pub error: AppError,
}

/// What a batch approval did.
#[derive(Debug, Default)]
pub struct BatchApproval {
    /// The documents created, one per route or supplier.
    pub documents: Vec<BatchDocument>,
    /// The proposals not approved.
    pub refused: Vec<BatchRefusal>,
}

impl BatchApproval {
    /// Proposals approved.
    pub fn approved(&self) -> usize {
        self.documents.iter().map(|d| d.proposals.len()).sum()
    }

    /// Count `id` approved into `document`, with the other proposals it carries.
    fn add(&mut self, document: (&'static str, i64), id: i64) {
        match self
            .documents
            .iter_mut()
            .find(|d| (d.kind, d.id) == document)
        {
            Some(d) => d.proposals.push(id),
            None => self.documents.push(BatchDocument {
                kind: document.0,
                id: document.1,
                proposals: vec![id],
            }),
        }
    }
}

/// Where one document of a batch goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Destination {
    /// A transfer from the first warehouse to the second.
    Route(WarehouseId, WarehouseId),
    /// A purchase order from the supplier for the warehouse; last-time buys on an order of
    /// their own (bought on other terms than the regular replenishment).
    Supplier(WarehouseId, SupplierId, bool),
}

/// Where approving `p` sends a document; `None` when it has nowhere to go (a purchase
/// without a supplier: approving it alone says so).
fn destination(p: &ProposalRow) -> Option<Destination> {
    match p.route() {
        Some((from, to)) => Some(Destination::Route(from, to)),
        None if p.destination.is_none() => p
            .supplier
            .map(|s| Destination::Supplier(p.warehouse, s, p.kind == ProposalKind::LastTimeBuy)),
        None => None,
    }
}

/// The document an approved proposal was approved into.
fn approved_into(p: &ProposalRow) -> Option<(&'static str, i64)> {
    match (p.status.as_str(), p.document_kind.as_deref(), p.document_id) {
        ("approved", Some("purchase_order"), Some(id)) => Some(("purchase_order", id)),
        ("approved", Some("transfer"), Some(id)) => Some(("transfer", id)),
        _ => None,
    }
}

/// `p` cannot ship now: its sender `from` can ship `units` (the batch's earlier lines
/// taken off).
fn source_short(p: &ProposalRow, from: &str, units: i64) -> AppError {
    AppError::Conflict {
        code: "planning.source_short".into(),
        message: format!(
            "{from} can ship {units} of {} now, {} asked: approve it once the stock is there",
            p.part_number, p.qty
        ),
    }
}

/// The ids asked, each once, in the order asked; refused when none or too many.
fn checked_ids(ids: &[i64]) -> AppResult<Vec<i64>> {
    if ids.is_empty() {
        return Err(AppError::invalid("ids", "select at least one proposal"));
    }
    let mut seen = HashSet::new();
    let ids: Vec<i64> = ids.iter().copied().filter(|id| seen.insert(*id)).collect();
    if ids.len() > MAX_BATCH {
        return Err(AppError::invalid(
            "ids",
            format!(
                "at most {MAX_BATCH} proposals at once ({} asked)",
                ids.len()
            ),
        ));
    }
    Ok(ids)
}

/// One document's command for the proposals of a group: their own commands' lines
/// together (a transfer arrives when its slowest line would have).
fn group_command(commands: Vec<Command>) -> AppResult<Command> {
    let mut merged: Option<Command> = None;
    for c in commands {
        merged = Some(match (merged, c) {
            (None, c) => c,
            (
                Some(Command::ShipTransfer {
                    from,
                    to,
                    eta,
                    mut lines,
                }),
                Command::ShipTransfer {
                    from: f2,
                    to: t2,
                    eta: e2,
                    lines: l2,
                },
            ) if (from, to) == (f2, t2) => {
                lines.extend(l2);
                Command::ShipTransfer {
                    from,
                    to,
                    eta: Instant(eta.0.max(e2.0)),
                    lines,
                }
            }
            (
                Some(Command::PlacePurchaseOrder {
                    supplier,
                    mut lines,
                }),
                Command::PlacePurchaseOrder {
                    supplier: s2,
                    lines: l2,
                },
            ) if supplier == s2 => {
                lines.extend(l2);
                Command::PlacePurchaseOrder { supplier, lines }
            }
            (a, b) => {
                return Err(AppError::Unexpected(format!(
                    "proposals grouped into one document make different documents: {a:?} and {b:?}"
                )));
            }
        });
    }
    merged.ok_or_else(|| AppError::Unexpected("an empty group of proposals".into()))
}

impl App {
    /// Approve several open proposals at once (planners): those going to the same place
    /// become one purchase order or transfer with a line each (see the module). A
    /// proposal that is not open any more, or that the ledger refuses, is listed with why
    /// and the others go through. Every id must be a proposal the caller sees: otherwise
    /// nothing is approved.
    pub async fn approve_proposals(&self, actor: &Actor, ids: &[i64]) -> AppResult<BatchApproval> {
        self.approve_batch(actor, ids, true).await
    }

    /// [`App::approve_proposals`] without looking at what the senders hold first: every
    /// group goes to the ledger whole (for tests of a group the ledger refuses, as when
    /// stock leaves the sender between that look and the ledger).
    #[doc(hidden)]
    pub async fn approve_proposals_unchecked(
        &self,
        actor: &Actor,
        ids: &[i64],
    ) -> AppResult<BatchApproval> {
        self.approve_batch(actor, ids, false).await
    }

    /// One group's approval as [`App::approve_proposals`] makes it, from `read`: the
    /// group's proposals as read earlier (for tests of a proposal taken between a batch's
    /// read and its claim). The document, the proposals approved into it and those left to
    /// approve alone.
    #[doc(hidden)]
    pub async fn approve_group_as_read(
        &self,
        actor: &Actor,
        read: &[ProposalRow],
    ) -> AppResult<(Option<(&'static str, i64)>, Vec<i64>, Vec<i64>)> {
        actor.require(PLANNERS, "decide replenishment proposals")?;
        let g = self.approve_group(actor, read).await?;
        Ok((g.document, g.approved, g.alone))
    }

    async fn approve_batch(
        &self,
        actor: &Actor,
        ids: &[i64],
        check_stock: bool,
    ) -> AppResult<BatchApproval> {
        actor.require(PLANNERS, "decide replenishment proposals")?;
        let ids = checked_ids(ids)?;
        // The caller's scope once, not per proposal (planners see every warehouse).
        let scope = self
            .plan_scope(actor, "see replenishment proposals")
            .await?;
        let mut found: HashMap<i64, ProposalRow> = store::proposals_by_id(&self.db, &ids)
            .await?
            .into_iter()
            .filter(|p| scope.sees(p.warehouse))
            .map(|p| (p.id, scope.shown(p)))
            .collect();
        let mut proposals = Vec::with_capacity(ids.len());
        for &id in &ids {
            let p = found
                .remove(&id)
                .ok_or_else(|| AppError::not_found(format!("proposal {id}")))?;
            proposals.push(p);
        }
        // The earliest need first: where the batch's documents compete for a sender's
        // stock (a central warehouse shipping to sixty stations), emergencies and the
        // soonest needs get it.
        proposals.sort_by_key(|p| (p.need_by.0, p.id));
        let read: HashMap<i64, ProposalRow> = proposals.iter().map(|p| (p.id, p.clone())).collect();
        let rank: HashMap<i64, usize> = proposals
            .iter()
            .enumerate()
            .map(|(i, p)| (p.id, i))
            .collect();
        let senders = if check_stock {
            Some(self.senders_now(&proposals).await?)
        } else {
            None
        };
        let Sorted {
            groups,
            mut one_by_one,
            refused,
        } = sort_out(proposals, senders);
        let mut done = BatchApproval {
            documents: Vec::new(),
            refused,
        };
        for group in groups.into_values() {
            if group.len() == 1 {
                one_by_one.push(group[0].id);
                continue;
            }
            match self.approve_group(actor, &group).await {
                Ok(g) => {
                    if let Some(document) = g.document {
                        g.approved.into_iter().for_each(|id| done.add(document, id));
                    }
                    one_by_one.extend(g.alone);
                }
                // Nothing of the group approved (or, past the ledger, its claim stands and
                // approving any of them again finishes it): each is listed with why, and
                // the batch goes on.
                Err(error) => done
                    .refused
                    .extend(group.into_iter().map(|proposal| BatchRefusal {
                        proposal,
                        error: error.clone(),
                    })),
            }
        }
        one_by_one.sort_by_key(|id| rank.get(id).copied());
        for id in one_by_one {
            match self.approve_proposal(actor, id).await {
                Ok(p) => match approved_into(&p) {
                    Some(document) => done.add(document, id),
                    None => done.refused.push(BatchRefusal {
                        error: AppError::Unexpected(format!(
                            "proposal {id} approved without a document: {:?} {:?}",
                            p.document_kind, p.document_id
                        )),
                        proposal: p,
                    }),
                },
                Err(error) => {
                    // Finished meanwhile with another proposal under its claim (approving one
                    // of a stopped group approves all of it): approved, not refused.
                    let now = store::proposal(&self.db, id).await.ok().flatten();
                    match now.as_ref().and_then(approved_into) {
                        Some(document)
                            if done.documents.iter().any(|d| (d.kind, d.id) == document) =>
                        {
                            done.add(document, id)
                        }
                        _ => {
                            let proposal = now.or_else(|| read.get(&id).cloned());
                            if let Some(proposal) = proposal {
                                done.refused.push(BatchRefusal { proposal, error });
                            }
                        }
                    }
                }
            }
        }
        Ok(done)
    }

    /// What the sending warehouse of each of `proposals` that ships (transfers, returns)
    /// can ship of its part now, as an approval takes it (issuable units less reserved),
    /// and the warehouses' codes.
    async fn senders_now(&self, proposals: &[ProposalRow]) -> AppResult<Senders> {
        let pairs: Vec<(WarehouseId, PartId)> = proposals
            .iter()
            .filter_map(|p| p.route().map(|(from, _)| (from, p.part)))
            .collect();
        Ok(Senders {
            units: plan_views_store::shippable(&self.db, &pairs).await?,
            codes: store::plan_warehouses(&self.db)
                .await?
                .into_iter()
                .map(|w| (w.id, w.code))
                .collect(),
        })
    }

    /// Approve a group going to one place as one document. Nothing claimed (one of them
    /// changed since it was read) or the ledger refused the document: every proposal is
    /// to be approved alone.
    async fn approve_group(&self, actor: &Actor, group: &[ProposalRow]) -> AppResult<GroupOutcome> {
        let alone = |ids: Vec<i64>| GroupOutcome {
            document: None,
            approved: Vec::new(),
            alone: ids,
        };
        // A proposal claimed or changed meanwhile (another planner's batch over some of the
        // same rows, single decisions, a run) leaves the group: the rest is claimed together
        // again, as long as each try finds what changed (planners deciding rows of the
        // group one by one meanwhile shrink it try by try), at most `CLAIM_TRIES` times.
        let mut group = group.to_vec();
        let mut left_out = Vec::new();
        let mut claimed = None;
        let mut fruitless = 0;
        // What each sender has repaired on its shelf, looked up once for every try.
        let mut repaired = HashMap::new();
        for _ in 0..CLAIM_TRIES {
            if group.len() < 2 || fruitless == FRUITLESS_TRIES {
                break;
            }
            if let Some(c) = self.claim_group(actor, &group, &mut repaired).await? {
                claimed = Some(c);
                break;
            }
            let before = group.len();
            let ids: Vec<i64> = group.iter().map(|p| p.id).collect();
            let mut now_rows: HashMap<i64, ProposalRow> = store::proposals_by_id(&self.db, &ids)
                .await?
                .into_iter()
                .map(|p| (p.id, p))
                .collect();
            let mut still = Vec::with_capacity(group.len());
            for p in group {
                match now_rows.remove(&p.id) {
                    Some(now)
                        if now.status == "open"
                            && now.approving_since.is_none()
                            && destination(&now) == destination(&p)
                            && now.qty == p.qty =>
                    {
                        still.push(now)
                    }
                    _ => left_out.push(p.id),
                }
            }
            group = still;
            // Nothing changed in the group: another writer held its rows (a run).
            if group.len() == before {
                fruitless += 1;
            } else {
                fruitless = 0;
            }
        }
        let Some((command, key, claimed_at)) = claimed else {
            left_out.extend(group.iter().map(|p| p.id));
            return Ok(alone(left_out));
        };
        let all: Vec<i64> = group.iter().map(|p| p.id).collect();
        let (_, done) = self
            .stock_execute_checked(actor, Some(&key), command)
            .await?;
        let receipt = match done {
            Ok(r) => r,
            Err(e) => {
                let err = refusal(e);
                self.release_refused(actor, (&key, claimed_at), &err)
                    .await?;
                left_out.extend(all);
                return Ok(alone(left_out));
            }
        };
        let document = document_of(&receipt, &all)?;
        let now = self.now();
        let mut tx = self.db.begin_write().await?;
        let mut approved = Vec::with_capacity(group.len());
        let mut unsure = Vec::new();
        // In id order, as every approval finishes a claim's proposals: two finishing the
        // same claim at once wait for each other rather than deadlock on PostgreSQL.
        group.sort_by_key(|p| p.id);
        for p in &group {
            if store::finish_approval(
                &mut tx,
                p.id,
                (&key, claimed_at),
                user_of(actor),
                document,
                now,
            )
            .await?
            {
                let mut entry = actor.audit(now, "planning.approve", "plan_proposal", p.id);
                entry.before = serde_json::to_value(p).ok();
                entry.after = Some(serde_json::json!({
                    "status": "approved", "document_kind": document.0, "document_id": document.1,
                    "replayed": receipt.replayed, "approved_with": all.len() - 1,
                }));
                audit::record(&mut tx, &entry).await?;
                approved.push(p.id);
            } else {
                unsure.push(p.id);
            }
        }
        tx.commit().await?;
        // Not under this claim any more: approved into this document by an approval of it
        // alone (the same command replayed), or its answer is its own.
        let mut rest = left_out;
        for id in unsure {
            match store::proposal(&self.db, id).await? {
                Some(p)
                    if p.status == "approved"
                        && p.document_id == Some(document.1)
                        && p.document_kind.as_deref() == Some(document.0) =>
                {
                    approved.push(id)
                }
                _ => rest.push(id),
            }
        }
        Ok(GroupOutcome {
            document: Some(document),
            approved,
            alone: rest,
        })
    }

    /// Claim every proposal of `group` as read, with their document's command frozen on
    /// each, in one write, under a key of this claim's own; `None` when one of them changed
    /// since (nothing claimed). A command the caller may not run is refused before.
    async fn claim_group(
        &self,
        actor: &Actor,
        group: &[ProposalRow],
        repaired: &mut HashMap<(WarehouseId, PartId), i64>,
    ) -> AppResult<Option<(Command, String, Instant)>> {
        let now = self.now();
        let mut commands = Vec::with_capacity(group.len());
        for p in group {
            let on_shelf = match p.route() {
                Some((from, _)) => match repaired.get(&(from, p.part)) {
                    Some(&n) => n,
                    None => {
                        let n = plan_views_store::repaired_on_shelf(&self.db, from, p.part).await?;
                        repaired.insert((from, p.part), n);
                        n
                    }
                },
                None => 0,
            };
            commands.push(approval_command(p, now, on_shelf)?);
        }
        // Refused after the claim it would leave the group claimed under a command no
        // approval can run.
        let command = self.authorize(actor, group_command(commands)?).await?;
        let json = serde_json::to_string(&command)
            .map_err(|e| AppError::Unexpected(format!("proposals' command: {e}")))?;
        let lowest = group.iter().map(|p| p.id).min().unwrap_or_default();
        // A key of this claim's own: a claim given up fences its key.
        let key = claim_key(&format!("batch-{lowest}"));
        // In id order: two batches claiming the same rows at once wait for each other
        // rather than deadlock (PostgreSQL locks each row as it is claimed).
        let mut order: Vec<&ProposalRow> = group.iter().collect();
        order.sort_by_key(|p| p.id);
        let mut tx = self.db.begin_write().await?;
        store::give_way_on_locks(&mut tx).await?;
        for p in order {
            match store::claim(&mut tx, p, &json, &key, now).await {
                Ok(true) => {}
                // Dropped uncommitted: no proposal of the group stays claimed.
                Ok(false) => return Ok(None),
                // A run writing the same rows at once (on PostgreSQL this write gives way
                // after a short wait rather than deadlock): tried again without the rows
                // taken meanwhile, at last one by one, each claim a row of its own.
                Err(e) => {
                    tracing::warn!(error = %e, "claiming proposals together failed; approving them one by one");
                    return Ok(None);
                }
            }
        }
        if let Err(e) = tx.commit().await {
            tracing::warn!(error = %e, "claiming proposals together failed; approving them one by one");
            return Ok(None);
        }
        Ok(Some((command, key, now)))
    }
}

/// What the senders of a batch's lines can ship now, by (warehouse, part), and their codes.
struct Senders {
    units: HashMap<(WarehouseId, PartId), i64>,
    codes: HashMap<WarehouseId, String>,
}

/// A batch's proposals sorted out before anything is claimed.
struct Sorted {
    /// Those going to the same place, together.
    groups: BTreeMap<Destination, Vec<ProposalRow>>,
    /// Those approved alone: claimed before (they finish under their frozen command), or
    /// with nowhere to group them.
    one_by_one: Vec<i64>,
    /// Those left as they are, and why.
    refused: Vec<BatchRefusal>,
}

/// Sort `proposals` (earliest need first) out into groups, ones to approve alone and ones
/// refused. With `senders`, a line its sender cannot ship now (the earlier lines taken off)
/// is refused: it would make the ledger refuse its whole document (and alone as well).
fn sort_out(proposals: Vec<ProposalRow>, mut senders: Option<Senders>) -> Sorted {
    let mut sorted = Sorted {
        groups: BTreeMap::new(),
        one_by_one: Vec::new(),
        refused: Vec::new(),
    };
    for p in proposals {
        if p.status != "open" {
            let error = not_open(&p);
            sorted.refused.push(BatchRefusal { proposal: p, error });
            continue;
        }
        if p.approving_since.is_some() {
            sorted.one_by_one.push(p.id);
            continue;
        }
        if let (Some((from, _)), Some(s)) = (p.route(), senders.as_mut()) {
            let units = s.units.entry((from, p.part)).or_default();
            if *units < p.qty {
                let code = s.codes.get(&from).map_or("?", |c| c.as_str());
                let error = source_short(&p, code, *units);
                sorted.refused.push(BatchRefusal { proposal: p, error });
                continue;
            }
            *units -= p.qty;
        }
        match destination(&p) {
            Some(d) => sorted.groups.entry(d).or_default().push(p),
            None => sorted.one_by_one.push(p.id),
        }
    }
    sorted
}

/// What approving a group did.
struct GroupOutcome {
    /// The document its ledger run created; `None` when it did not run.
    document: Option<(&'static str, i64)>,
    /// Proposals approved into it.
    approved: Vec<i64>,
    /// Proposals to approve alone.
    alone: Vec<i64>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use aftercare_domain::stock::{Qty, StockCondition, TransferQty};

    fn ship(part: i64, qty: i64, eta: i64) -> Command {
        Command::ShipTransfer {
            from: WarehouseId(1),
            to: WarehouseId(2),
            eta: Instant(eta),
            lines: vec![TransferQty {
                part: PartId(part),
                condition: StockCondition::Good,
                qty: Qty::new(qty).unwrap(),
            }],
        }
    }

    #[test]
    fn a_group_ships_every_line_and_arrives_with_its_slowest() {
        let Command::ShipTransfer { eta, lines, .. } =
            group_command(vec![ship(7, 2, 10), ship(8, 3, 30), ship(9, 1, 20)]).unwrap()
        else {
            panic!("not a transfer");
        };
        assert_eq!(eta, Instant(30));
        let parts: Vec<(i64, i64)> = lines.iter().map(|l| (l.part.0, l.qty.get())).collect();
        assert_eq!(parts, vec![(7, 2), (8, 3), (9, 1)]);
    }

    #[test]
    fn documents_to_different_places_are_never_merged() {
        let mut other = ship(8, 3, 30);
        if let Command::ShipTransfer { to, .. } = &mut other {
            *to = WarehouseId(3);
        }
        assert!(group_command(vec![ship(7, 2, 10), other]).is_err());
        let po = Command::PlacePurchaseOrder {
            supplier: SupplierId(1),
            lines: vec![(PartId(7), Qty::new(1).unwrap())],
        };
        assert!(group_command(vec![ship(7, 2, 10), po]).is_err());
    }

    #[test]
    fn ids_are_taken_once_and_never_without_a_limit() {
        assert_eq!(checked_ids(&[3, 1, 3, 2, 1]).unwrap(), vec![3, 1, 2]);
        assert!(checked_ids(&[]).is_err());
        let many: Vec<i64> = (1..=MAX_BATCH as i64 + 1).collect();
        let e = checked_ids(&many).unwrap_err().to_string();
        assert!(e.contains("at most 5000"), "{e}");
    }
}
