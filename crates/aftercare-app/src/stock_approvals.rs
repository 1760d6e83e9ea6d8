//! The manager approval queue for issues above the approval limit
//! (`AppConfig::stock_issue_policy`).
//!
//! [`App::stock_submit`] runs a command like [`App::stock_execute`], but an issue the
//! ledger refuses with "approval required" is stored as a pending approval instead (who
//! asked, warehouse, part, quantity, value, consumer, why) and answered as pending. A
//! manager approves it — the stored issue then runs through the normal ledger path under
//! the Idempotency-Key `stock-approval-{id}`, so a double click, a retry or two managers at
//! once issue it exactly once — or rejects it with a reason. If the stock is short when the
//! manager approves, the approval is refused with the ledger's 409 and **stays pending**
//! (the refusal is kept in `last_error`), so it can be approved once stock arrives or be
//! rejected. Station users see only their own warehouses' requests; others are not found.
//! A queued issue of a ticket's part line is linked to the line: approving issues the line,
//! rejecting leaves it reserved with the reason (see `tickets::parts`). An approval that
//! stopped half-way (claimed, never decided) is settled by the parts sweep after
//! [`APPROVAL_CLAIM_TIMEOUT_MINUTES`] ([`App::recover_stalled_approvals`]).
//!
//! # Fencing: a rejected approval's key issues nothing
//!
//! The sweep cannot tell a dead approval from a slow one: a run still waiting for the ledger
//! after the timeout is alive. So every rejection — the manager's, the system's when a
//! ticket ends or its reservation changes, and the sweep's — stores a fence under the
//! approval's key (`stock_idempotency`, see `aftercare_store::stock::fence`) in the same
//! transaction as the guarded status update, and the ledger refuses any command under a
//! fenced key (409 `stock.idempotency_key_fenced`; the approval call itself answers
//! `stock.approval_decided`). The key's single row decides each race on both engines: the
//! fence is inserted only if the ledger has stored nothing under the key, and the ledger's
//! key insert either finds the fence when it reads its keys or, on PostgreSQL, waits for
//! and then collides with it (the writer's retry of the command alone reads the fence and
//! refuses it). A fence is no applied result: `applied_under_key` ignores it. What each
//! interleaving of a slow run with the sweep (its ticket ended) leaves:
//!
//! - **The sweep first**: the approval is rejected as the system
//!   ([`STALLED_ON_ENDED_TICKET`]), its line released, audit `stock.approval_reject` by
//!   `system`; the late run is refused — no movement, no ledger audit entry, the
//!   reservation already released by the line, the approval stays rejected.
//! - **The late run first**: the issue is committed under the key (ledger audit
//!   `stock.issue` by the manager); the sweep's fence finds that row and rejects nothing.
//!   The run's own decision (or, if its process died, the next sweep:
//!   `stock.approval_recovered`) records it as approved, and the line, being on an ended
//!   ticket, is issued and its units returned unused once.
//! - **The fence between the run's key read and its commit** (PostgreSQL, several
//!   servers): the run waits for the sweep's transaction; committed, the run is refused
//!   as in the first case; rolled back (the guard failed), the run commits as in the second.
//!
//! A claim given up while its ticket is still open (the request pending again) is not
//! fenced, since a re-approval runs under the same key and replays a late run's result. If
//! the late run applies after that, its own decision finishes the approval as approved; if
//! nobody decides, the sweep finds the pending, unclaimed approval with an applied key and
//! finishes it as approved; and a rejection in between finds the applied key, so it does
//! not happen (the manager is told it was issued; a ticket's end leaves the line to the
//! approval, which returns the units).

use crate::App;
use crate::access::Actor;
use crate::error::{AppError, AppResult};
use crate::stock::{STOCK_READERS, StockReceipt, refusal};
use aftercare_domain::stock::{ApprovalReason, Command, Consumer, Outcome, StockError};
use aftercare_domain::{Instant, Role};
use aftercare_store::audit;
use aftercare_store::stock::approvals::{self as store, NewApproval, approval_key};
pub use aftercare_store::stock::approvals::{APPROVAL_KEY_PREFIX, ApprovalFilter, ApprovalRow};

/// How long an approval may stay claimed (`approving_since`) before the parts sweep takes it
/// for stopped half-way: a running approval holds its claim for milliseconds (one ledger
/// command), so five minutes nearly always catches a process that died between the claim
/// and the decision; a run that is only slow is fenced off by a rejection (module doc).
pub const APPROVAL_CLAIM_TIMEOUT_MINUTES: i64 = 5;

/// The note on an approval whose stalled claim was given up (it is pending again).
pub const CLAIM_RELEASED: &str =
    "the approval stopped half-way and nothing was issued: it is pending again";

/// The reason on an approval the system rejected because it stopped half-way and its
/// ticket ended meanwhile.
pub const STALLED_ON_ENDED_TICKET: &str =
    "the approval stopped half-way and the ticket ended meanwhile: nothing was issued";

/// Who may decide queued issues: the after-sales manager (see `may_approve`).
const APPROVERS: &[Role] = &[Role::Manager];

/// What [`App::stock_submit`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Submitted {
    /// Applied (or replayed) by the ledger.
    Done(StockReceipt),
    /// Queued for a manager.
    Pending {
        /// The queued request (boxed: it is much larger than a receipt).
        approval: Box<ApprovalRow>,
        /// True when a retry with the same Idempotency-Key found the request queued before.
        replayed: bool,
    },
}

/// The result of approving a queued issue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApprovalDecision {
    /// The approval after the decision.
    pub approval: ApprovalRow,
    /// The ledger outcome of the issue.
    pub outcome: Outcome,
    /// True when the approval had already been carried out (nothing was applied now).
    pub replayed: bool,
}

/// What [`App::recover_stalled_approvals`] did with approvals claimed longer than
/// [`APPROVAL_CLAIM_TIMEOUT_MINUTES`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StalledApprovals {
    /// Finished as approved: the ledger had applied the issue under the approval's key.
    pub approved: usize,
    /// Pending again: nothing was issued and the request is still wanted.
    pub released: usize,
    /// Rejected as the system: nothing was issued and the ticket ended meanwhile.
    pub rejected: usize,
}

/// An audit entry written by the system (no user) about an approval.
fn system_audit(now: Instant, action: &str, id: i64) -> audit::NewAuditEntry {
    audit::NewAuditEntry {
        at: now,
        actor_id: None,
        actor_login: "system".into(),
        action: action.into(),
        object_type: "stock_approval".into(),
        object_id: id.to_string(),
        before: None,
        after: None,
        request_id: None,
    }
}

fn already_decided(a: &ApprovalRow) -> AppError {
    AppError::Conflict {
        code: "stock.approval_decided".into(),
        message: format!(
            "stock approval {} is {}, not pending: it was decided already",
            a.id, a.status
        ),
    }
}

fn unexpected(what: &str, e: impl std::fmt::Display) -> AppError {
    AppError::Unexpected(format!("{what}: {e}"))
}

impl App {
    /// Run a ledger command; an issue above the approval limit is queued for a manager
    /// instead of refused. With an Idempotency-Key, a retry of a queued issue returns the
    /// same pending approval.
    pub async fn stock_submit(
        &self,
        actor: &Actor,
        idempotency_key: Option<&str>,
        command: Command,
    ) -> AppResult<Submitted> {
        if let Some(k) = idempotency_key
            && k.starts_with(APPROVAL_KEY_PREFIX)
        {
            return Err(AppError::invalid(
                "Idempotency-Key",
                format!("keys starting with '{APPROVAL_KEY_PREFIX}' are reserved for approvals"),
            ));
        }
        crate::stock::refuse_system_key(actor, idempotency_key)?;
        self.stock_submit_keyed(actor, idempotency_key, command)
            .await
    }

    /// [`App::stock_submit`] under a key the application chose itself (a ticket part line's
    /// issue), which a user may not send.
    pub(crate) async fn stock_submit_keyed(
        &self,
        actor: &Actor,
        idempotency_key: Option<&str>,
        command: Command,
    ) -> AppResult<Submitted> {
        let (command, done) = self
            .stock_execute_checked(actor, idempotency_key, command)
            .await?;
        match done {
            Ok(r) => Ok(Submitted::Done(r)),
            Err(StockError::ApprovalRequired(reason)) => {
                self.queue_issue(actor, idempotency_key, &command, reason)
                    .await
            }
            Err(e) => Err(refusal(e)),
        }
    }

    async fn queue_issue(
        &self,
        actor: &Actor,
        key: Option<&str>,
        command: &Command,
        reason: ApprovalReason,
    ) -> AppResult<Submitted> {
        let Command::Issue {
            warehouse,
            part,
            qty,
            consumer,
            ..
        } = command
        else {
            return Err(refusal(StockError::ApprovalRequired(reason)));
        };
        let command_json = serde_json::to_string(command).map_err(|e| unexpected("command", e))?;
        // A retry of the same queued request finds it; another command under the key is
        // refused like the ledger refuses a reused key.
        if let Some(k) = key
            && let Some(found) = store::by_request_key(&self.db, k).await?
        {
            return if found.command_json == command_json {
                Ok(Submitted::Pending {
                    approval: Box::new(found),
                    replayed: true,
                })
            } else {
                Err(refusal(StockError::IdempotencyKeyReused))
            };
        }
        let cost = store::part_cost(&self.db, part.get())
            .await?
            .ok_or_else(|| AppError::not_found(format!("part {part}")))?;
        let value = match reason {
            ApprovalReason::ValueAbove { value, .. } => value.0,
            ApprovalReason::QtyAbove { .. } => qty.get().saturating_mul(cost),
        };
        let (consumer_kind, consumer_id) = match consumer {
            Consumer::Ticket(t) => ("ticket", t.0),
            Consumer::Requisition(r) => ("requisition", r.0),
        };
        let now = self.now();
        let new = NewApproval {
            warehouse: *warehouse,
            part: part.get(),
            qty: qty.get(),
            value,
            reason_json: serde_json::to_string(&reason).map_err(|e| unexpected("reason", e))?,
            command_json,
            consumer_kind: consumer_kind.into(),
            consumer_id,
            requested_by: actor.principal().map(|p| p.user_id.0),
            request_key: key.map(str::to_string),
            now,
        };
        let mut tx = self.db.begin_write().await?;
        let id = match store::insert(&mut tx, &new).await {
            Ok(id) => id,
            Err(e) => {
                drop(tx);
                // Two retries with one key at once: the unique key lets one insert win.
                if let Some(k) = key
                    && let Some(found) = store::by_request_key(&self.db, k).await?
                {
                    return Ok(Submitted::Pending {
                        approval: Box::new(found),
                        replayed: true,
                    });
                }
                return Err(e.into());
            }
        };
        let mut entry = actor.audit(now, "stock.approval_request", "stock_approval", id);
        entry.after = Some(serde_json::json!({
            "warehouse_id": warehouse.get(), "part_id": part.get(), "qty": qty.get(),
            "value": value, "consumer": consumer, "reason": reason,
        }));
        audit::record(&mut tx, &entry).await?;
        tx.commit().await?;
        Ok(Submitted::Pending {
            approval: Box::new(self.stock_approval(actor, id).await?),
            replayed: false,
        })
    }

    /// Queued issues, newest first; station users see only their own warehouses'.
    pub async fn stock_approvals(
        &self,
        actor: &Actor,
        mut f: ApprovalFilter,
    ) -> AppResult<Vec<ApprovalRow>> {
        actor.require(STOCK_READERS, "see stock approvals")?;
        if let Some(s) = &f.status
            && !["pending", "approved", "rejected"].contains(&s.as_str())
        {
            return Err(AppError::invalid(
                "status",
                format!("'{s}' is not one of pending, approved, rejected"),
            ));
        }
        if let Some(w) = f.warehouse {
            self.ensure_warehouse(actor, w).await?;
        }
        f.station = actor.own_station();
        f.limit = if f.limit <= 0 {
            100
        } else {
            f.limit.min(1_000)
        };
        Ok(store::list(&self.db, &f).await?)
    }

    /// One queued issue (another station's is not found).
    pub async fn stock_approval(&self, actor: &Actor, id: i64) -> AppResult<ApprovalRow> {
        actor.require(STOCK_READERS, "see stock approvals")?;
        let a = store::get(&self.db, id)
            .await?
            .ok_or_else(|| AppError::not_found(format!("stock approval {id}")))?;
        self.ensure_warehouse(actor, aftercare_domain::WarehouseId(a.warehouse_id))
            .await
            .map_err(|_| AppError::not_found(format!("stock approval {id}")))?;
        Ok(a)
    }

    /// Approve a queued issue (managers only): the issue runs through the ledger exactly
    /// once. Approving an approved request answers its first outcome again; a rejected one
    /// is a conflict; a refusal (e.g. too little stock now) leaves it pending.
    pub async fn approve_stock_approval(
        &self,
        actor: &Actor,
        id: i64,
    ) -> AppResult<ApprovalDecision> {
        actor.require(APPROVERS, "approve stock issues")?;
        let a = self.stock_approval(actor, id).await?;
        match a.status.as_str() {
            "pending" => {}
            "approved" => {
                let outcome = a
                    .outcome_json
                    .as_deref()
                    .map(serde_json::from_str::<Outcome>)
                    .transpose()
                    .map_err(|e| unexpected("stored outcome", e))?
                    .unwrap_or_default();
                // A lost ticket line update is made good by approving again.
                self.ticket_issue_approved(id).await?;
                return Ok(ApprovalDecision {
                    approval: a,
                    outcome,
                    replayed: true,
                });
            }
            _ => return Err(already_decided(&a)),
        }
        let command: Command =
            serde_json::from_str(&a.command_json).map_err(|e| unexpected("stored command", e))?;
        // Claim it first, so a reject cannot slip in between the issue and the status.
        let mut tx = self.db.begin_write().await?;
        let claimed = store::claim(&mut tx, id, self.now()).await?;
        tx.commit().await?;
        if !claimed {
            // Decided meanwhile: answer as if it had been decided before the call.
            return Box::pin(self.approve_stock_approval(actor, id)).await;
        }
        // The key makes the ledger apply the issue once, even if two approvals race or the
        // status update below is lost: a second run replays the first outcome.
        let key = approval_key(id);
        let (_, done) = self
            .stock_execute_checked(actor, Some(&key), command)
            .await?;
        let now = self.now();
        let receipt = match done {
            Ok(r) => r,
            // Rejected while this run was slow (the sweep took its claim for dead): the fence
            // refused it, nothing was issued, and the rejection stands.
            Err(StockError::KeyFenced(why)) => {
                let now_row = self.stock_approval(actor, id).await?;
                return Err(if now_row.status == "pending" {
                    refusal(StockError::KeyFenced(why))
                } else {
                    already_decided(&now_row)
                });
            }
            Err(e) => {
                let err = refusal(e);
                let mut tx = self.db.begin_write().await?;
                store::note_failure(&mut tx, id, &err.to_string()).await?;
                tx.commit().await?;
                // A ticket that ended while the manager approved gives its line up now.
                self.ticket_issue_failed(id).await?;
                return Err(err);
            }
        };
        let outcome_json =
            serde_json::to_string(&receipt.outcome).map_err(|e| unexpected("outcome", e))?;
        let mut tx = self.db.begin_write().await?;
        let decided = store::decide(
            &mut tx,
            id,
            "approved",
            actor.principal().map(|p| p.user_id.0),
            None,
            Some(&outcome_json),
            now,
        )
        .await?;
        if decided {
            let mut entry = actor.audit(now, "stock.approval_approve", "stock_approval", id);
            entry.before = serde_json::to_value(&a).ok();
            entry.after = Some(serde_json::json!({
                "status": "approved",
                "movements": receipt.outcome.movements.iter().map(|m| m.get()).collect::<Vec<_>>(),
            }));
            audit::record(&mut tx, &entry).await?;
        }
        tx.commit().await?;
        // The issue is committed; the ticket line follows (approving again repeats it).
        self.ticket_issue_approved(id).await?;
        Ok(ApprovalDecision {
            approval: self.stock_approval(actor, id).await?,
            outcome: receipt.outcome,
            // Only the call whose ledger run applied the issue reports it as new.
            replayed: receipt.replayed,
        })
    }

    /// Reject a queued issue with a reason (managers only); nothing moves.
    pub async fn reject_stock_approval(
        &self,
        actor: &Actor,
        id: i64,
        reason: &str,
    ) -> AppResult<ApprovalRow> {
        actor.require(APPROVERS, "reject stock issues")?;
        let reason = crate::error::rejection_reason(reason)?;
        let reason = reason.as_str();
        let a = self.stock_approval(actor, id).await?;
        let now = self.now();
        let mut tx = self.db.begin_write().await?;
        if !store::decide(
            &mut tx,
            id,
            "rejected",
            actor.principal().map(|p| p.user_id.0),
            Some(reason),
            None,
            now,
        )
        .await?
        {
            drop(tx);
            let now_row = self.stock_approval(actor, id).await?;
            if now_row.status == "pending"
                && now_row.approving_since.is_none()
                && store::applied_under_key(&self.db, &approval_key(id))
                    .await?
                    .is_some()
            {
                return Err(AppError::Conflict {
                    code: "stock.approval_in_progress".into(),
                    message: format!(
                        "stock approval {id} was issued by an approval run that finished late; \
                         it is being recorded as approved, reload to see it"
                    ),
                });
            }
            if now_row.status == "pending" {
                return Err(AppError::Conflict {
                    code: "stock.approval_in_progress".into(),
                    message: format!(
                        "stock approval {id} is being approved right now; reload to see the result"
                    ),
                });
            }
            return Err(already_decided(&now_row));
        }
        let mut entry = actor.audit(now, "stock.approval_reject", "stock_approval", id);
        entry.before = serde_json::to_value(&a).ok();
        entry.after = Some(serde_json::json!({"status": "rejected", "reason": reason}));
        audit::record(&mut tx, &entry).await?;
        tx.commit().await?;
        self.ticket_issue_rejected(id, reason).await?;
        self.stock_approval(actor, id).await
    }
}

impl App {
    /// Finish or give up approvals that stopped half-way: claimed longer than
    /// [`APPROVAL_CLAIM_TIMEOUT_MINUTES`] ago and never decided (the process died between
    /// the claim and the decision, or its run is slow), or unclaimed with their issue applied
    /// (a slow run that finished after its claim was given up). The ledger's stored result
    /// under the approval's key decides: if it applied the issue, the approval is finished
    /// as approved with that outcome (the ticket line follows); if not, the claim is given
    /// up — the request is pending again, or, when its ticket ended meanwhile, rejected as
    /// the system, its key fenced against a slow run, and the line released. Nothing is
    /// issued here, so nothing can be issued twice. Run by the parts sweep.
    pub async fn recover_stalled_approvals(&self) -> AppResult<StalledApprovals> {
        let now = self.now();
        let claimed_by = now.plus_minutes(-APPROVAL_CLAIM_TIMEOUT_MINUTES);
        let mut done = StalledApprovals::default();
        for a in store::stalled(&self.db, claimed_by).await? {
            let key = approval_key(a.id);
            if let Some(applied) = store::applied_under_key(&self.db, &key).await? {
                if self.finish_stalled(&a, applied, now).await? {
                    done.approved += 1;
                }
            } else if self.approval_ticket_ended(a.id).await? {
                if self.reject_stalled(&a, now).await? {
                    done.rejected += 1;
                }
            } else if self.release_stalled(&a, now).await? {
                done.released += 1;
            }
        }
        if done != StalledApprovals::default() {
            tracing::info!(
                approved = done.approved,
                released = done.released,
                rejected = done.rejected,
                "approvals that stopped half-way were recovered"
            );
        }
        Ok(done)
    }

    /// The ledger applied a stalled approval's issue: it is approved with the stored outcome,
    /// decided by the manager whose run applied it, and the ticket line follows. False if a
    /// manager's approval finished it meanwhile.
    async fn finish_stalled(
        &self,
        a: &ApprovalRow,
        applied: store::KeyedResult,
        now: Instant,
    ) -> AppResult<bool> {
        let outcome: Outcome = serde_json::from_str(&applied.outcome_json)
            .map_err(|e| unexpected("stored outcome", e))?;
        let mut tx = self.db.begin_write().await?;
        let decided = store::decide(
            &mut tx,
            a.id,
            "approved",
            applied.actor_id,
            None,
            Some(&applied.outcome_json),
            now,
        )
        .await?;
        if decided {
            let mut entry = system_audit(now, "stock.approval_recovered", a.id);
            entry.before = serde_json::to_value(a).ok();
            entry.after = Some(serde_json::json!({
                "status": "approved",
                "movements": outcome.movements.iter().map(|m| m.get()).collect::<Vec<_>>(),
            }));
            audit::record(&mut tx, &entry).await?;
        }
        tx.commit().await?;
        // Once approved (by this or the manager's run), the line update is safe to repeat.
        self.ticket_issue_approved(a.id).await?;
        Ok(decided)
    }

    /// Nothing was issued and the ticket ended: the approval is rejected as the system, its
    /// key fenced (its run may be slow, not dead), and the line released. False if the
    /// claim moved on or the late run applied meanwhile (left to the next sweep).
    async fn reject_stalled(&self, a: &ApprovalRow, now: Instant) -> AppResult<bool> {
        let Some(claimed_at) = a.approving_since else {
            return Ok(false);
        };
        let mut tx = self.db.begin_write().await?;
        if !store::reject_stalled(&mut tx, a.id, claimed_at, STALLED_ON_ENDED_TICKET, now).await? {
            return Ok(false);
        }
        let mut entry = system_audit(now, "stock.approval_reject", a.id);
        entry.before = serde_json::to_value(a).ok();
        entry.after = Some(serde_json::json!({
            "status": "rejected", "reason": STALLED_ON_ENDED_TICKET,
            "fenced_key": approval_key(a.id),
        }));
        audit::record(&mut tx, &entry).await?;
        tx.commit().await?;
        self.ticket_issue_failed(a.id).await?;
        Ok(true)
    }

    /// Nothing was issued and the request is still wanted: the claim is given up, so a
    /// manager can approve (or reject) it again. False if the claim moved on meanwhile.
    async fn release_stalled(&self, a: &ApprovalRow, now: Instant) -> AppResult<bool> {
        let Some(claimed_at) = a.approving_since else {
            return Ok(false);
        };
        let mut tx = self.db.begin_write().await?;
        if !store::release_claim(&mut tx, a.id, claimed_at, CLAIM_RELEASED).await? {
            return Ok(false);
        }
        let mut entry = system_audit(now, "stock.approval_claim_released", a.id);
        entry.before = serde_json::to_value(a).ok();
        entry.after = Some(serde_json::json!({"status": "pending", "note": CLAIM_RELEASED}));
        audit::record(&mut tx, &entry).await?;
        tx.commit().await?;
        Ok(true)
    }
}
