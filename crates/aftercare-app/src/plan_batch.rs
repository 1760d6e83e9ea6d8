//! Approving several replenishment proposals at once. Proposals that would become
//! documents to the same place become one document with a line each: transfers (and
//! returns, and emergencies below the top) on the same route one transfer, purchases
//! (and last-time buys, and emergencies at the top) of one warehouse from the same
//! supplier one purchase order. A warehouse sending back 300 parts it no longer stocks
//! ships one parcel, not 300.
//!
//! A group is claimed in one write (every proposal with the same frozen command and the
//! Idempotency-Key `plan-proposal-batch-<lowest id>`), run once through the ledger and
//! decided approved in one write. A group that stopped half-way is finished by approving
//! any of its proposals again, alone or in a batch: each replays the group's command, so
//! one document is created. When the ledger refuses a group (its source is short of one
//! part, say), the claims are released and its proposals are approved one by one, so the
//! refusal names the proposal it is about and the others go through.

use crate::App;
use crate::access::Actor;
use crate::error::{AppError, AppResult};
use crate::planning::{
    PLANNERS, PROPOSAL_KEY_PREFIX, approval_command, document_of, not_open, user_of,
};
use crate::stock::refusal;
use aftercare_domain::stock::Command;
use aftercare_domain::{Instant, SupplierId, WarehouseId};
use aftercare_store::audit;
use aftercare_store::plan_views as plan_views_store;
use aftercare_store::planning::{self as store, ProposalRow};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap, HashSet};

/// The most proposals one batch approval takes.
pub const MAX_BATCH: usize = 5_000;

/// A document a batch approval created (or found created by an earlier, unfinished
/// approval of the same proposals), with the proposals it approved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BatchDocument {
    /// `purchase_order` or `transfer`.
    pub kind: &'static str,
    /// Its id.
    pub id: i64,
    /// The proposals approved into it, in the order they were asked.
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
    /// A purchase order from the supplier for the warehouse.
    Supplier(WarehouseId, SupplierId),
}

/// Where approving `p` sends a document; `None` when it has nowhere to go (a purchase
/// without a supplier: approving it alone says so).
fn destination(p: &ProposalRow) -> Option<Destination> {
    match p.route() {
        Some((from, to)) => Some(Destination::Route(from, to)),
        None if p.destination.is_none() => {
            p.supplier.map(|s| Destination::Supplier(p.warehouse, s))
        }
        None => None,
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

/// Errors that leave one proposal of a batch as it was (its state or the ledger's answer);
/// anything else stops the batch.
fn refuses_one(e: &AppError) -> bool {
    matches!(
        e,
        AppError::Conflict { .. } | AppError::Refused { .. } | AppError::Invalid(_)
    )
}

impl App {
    /// Approve several open proposals at once (planners): those going to the same place
    /// become one purchase order or transfer with a line each (see the module). A
    /// proposal that is not open any more, or that the ledger refuses, is listed with why
    /// and the others go through. Every id must be a proposal the caller sees: otherwise
    /// nothing is approved.
    pub async fn approve_proposals(&self, actor: &Actor, ids: &[i64]) -> AppResult<BatchApproval> {
        actor.require(PLANNERS, "decide replenishment proposals")?;
        let ids = checked_ids(ids)?;
        let mut proposals = Vec::with_capacity(ids.len());
        for &id in &ids {
            proposals.push(self.plan_proposal(actor, id).await?);
        }
        let mut done = BatchApproval::default();
        let mut one_by_one = Vec::new();
        let mut groups: BTreeMap<Destination, Vec<ProposalRow>> = BTreeMap::new();
        for p in proposals {
            if p.status != "open" {
                let error = not_open(&p);
                done.refused.push(BatchRefusal { proposal: p, error });
                continue;
            }
            match destination(&p) {
                // A claimed proposal finishes under the command frozen on it.
                Some(d) if p.approving_since.is_none() => groups.entry(d).or_default().push(p),
                _ => one_by_one.push(p.id),
            }
        }
        for group in groups.into_values() {
            if group.len() == 1 {
                one_by_one.push(group[0].id);
                continue;
            }
            match self.approve_group(actor, group).await? {
                Ok((document, ids)) => ids.into_iter().for_each(|id| done.add(document, id)),
                Err(ids) => one_by_one.extend(ids),
            }
        }
        let asked: HashMap<i64, usize> = ids.iter().enumerate().map(|(i, id)| (*id, i)).collect();
        one_by_one.sort_by_key(|id| asked.get(id).copied());
        for id in one_by_one {
            match self.approve_proposal(actor, id).await {
                Ok(p) => match (p.document_kind.as_deref(), p.document_id) {
                    (Some("purchase_order"), Some(doc)) => done.add(("purchase_order", doc), id),
                    (Some("transfer"), Some(doc)) => done.add(("transfer", doc), id),
                    other => {
                        return Err(AppError::Unexpected(format!(
                            "proposal {id} approved with document {other:?}"
                        )));
                    }
                },
                Err(error) if refuses_one(&error) => {
                    let proposal = self.plan_proposal(actor, id).await?;
                    done.refused.push(BatchRefusal { proposal, error });
                }
                Err(e) => return Err(e),
            }
        }
        Ok(done)
    }

    /// Approve a group going to one place as one document: `Ok` with the document and
    /// the proposals it approved, or `Err` with the group's proposals to approve one by
    /// one (the group could not be claimed as read, or the ledger refused it).
    async fn approve_group(
        &self,
        actor: &Actor,
        group: Vec<ProposalRow>,
    ) -> AppResult<Result<((&'static str, i64), Vec<i64>), Vec<i64>>> {
        let all: Vec<i64> = group.iter().map(|p| p.id).collect();
        let Some((command, key, claimed_at)) = self.claim_group(&group).await? else {
            return Ok(Err(all));
        };
        let (_, done) = self
            .stock_execute_checked(actor, Some(&key), command)
            .await?;
        let receipt = match done {
            Ok(r) => r,
            Err(e) => {
                let err = refusal(e);
                let mut tx = self.db.begin_write().await?;
                for &id in &all {
                    store::release_claim(&mut tx, id, claimed_at, &key, &err.to_string()).await?;
                }
                tx.commit().await?;
                return Ok(Err(all));
            }
        };
        let document = document_of(&receipt, &all)?;
        let now = self.now();
        let mut tx = self.db.begin_write().await?;
        let mut approved = Vec::with_capacity(group.len());
        for p in &group {
            // One finished by an approval of it alone in the meantime has the same document.
            if store::finish_approval(&mut tx, p.id, user_of(actor), document, now).await? {
                let mut entry = actor.audit(now, "planning.approve", "plan_proposal", p.id);
                entry.before = serde_json::to_value(p).ok();
                entry.after = Some(serde_json::json!({
                    "status": "approved", "document_kind": document.0, "document_id": document.1,
                    "replayed": receipt.replayed, "approved_with": all.len() - 1,
                }));
                audit::record(&mut tx, &entry).await?;
            }
            approved.push(p.id);
        }
        tx.commit().await?;
        Ok(Ok((document, approved)))
    }

    /// Claim every proposal of `group` as read, with their document's command frozen on
    /// each, in one write; `None` when one of them changed since (nothing claimed).
    async fn claim_group(
        &self,
        group: &[ProposalRow],
    ) -> AppResult<Option<(Command, String, Instant)>> {
        let now = self.now();
        let mut commands = Vec::with_capacity(group.len());
        for p in group {
            let repaired = match p.route() {
                Some((from, _)) => {
                    plan_views_store::repaired_on_shelf(&self.db, from, p.part).await?
                }
                None => 0,
            };
            commands.push(approval_command(p, now, repaired)?);
        }
        let command = group_command(commands)?;
        let json = serde_json::to_string(&command)
            .map_err(|e| AppError::Unexpected(format!("proposals' command: {e}")))?;
        let lowest = group.iter().map(|p| p.id).min().unwrap_or_default();
        let key = format!("{PROPOSAL_KEY_PREFIX}batch-{lowest}");
        // In id order: two batches claiming the same rows at once wait for each other
        // rather than deadlock (PostgreSQL locks each row as it is claimed).
        let mut order: Vec<&ProposalRow> = group.iter().collect();
        order.sort_by_key(|p| p.id);
        let mut tx = self.db.begin_write().await?;
        for p in order {
            if !store::claim(&mut tx, p, &json, &key, now).await? {
                // Dropped uncommitted: no proposal of the group stays claimed.
                return Ok(None);
            }
        }
        tx.commit().await?;
        Ok(Some((command, key, now)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aftercare_domain::PartId;
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
