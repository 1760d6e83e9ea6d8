//! Stock use cases: run ledger commands (with roles, tenant scope, Idempotency-Key and
//! audit), list stock, movements and transfers in transit, and verify the ledger.
//!
//! Who may do what: admin, manager and warehouse users act on every warehouse; station
//! users only on their own station's warehouses (others are "not found"). Placing purchase
//! orders, sweeping reservations and sending to repair are HQ work. Approvals (scrap,
//! stocktake, issues above the limit) take the actor's own role — a caller cannot claim an
//! approver's role in the request body.

use crate::App;
use crate::access::Actor;
use crate::error::{AppError, AppResult};
use aftercare_domain::stock::{
    Command, Consumer, EmergencyRequisition, IdempotencyKey, Outcome, Qty, Resolution, StockError,
    may_approve,
};
use aftercare_domain::{Instant, Role, StationId, WarehouseId};
use aftercare_store::planning::ProposalKind;
pub use aftercare_store::stock::aging::{AgingRow, BUCKET_DAYS};
use aftercare_store::stock::query::{self, DocRef};
pub use aftercare_store::stock::query::{
    MovementFilter, MovementRow, StockFilter, StockRow, TransitRow,
};
use aftercare_store::stock::{Ledger, LedgerRequest, aging, location_key, verify};
use serde_json::json;

/// Idempotency keys the application makes for its own ledger runs (a ticket's part line,
/// an obligation's defective return, the parts sweep). Keys are one namespace for every
/// tenant, so a user who could send one could take it first and make another station's
/// ticket flow fail on "key reused".
pub const SYSTEM_KEY_PREFIX: &str = "aftercare:";

/// Refuse a key of the application's own namespace from a user (the command line, with
/// full rights, may replay them). Approval keys are refused by [`App::stock_submit`], the
/// entry point of the API and the pages.
pub(crate) fn refuse_system_key(actor: &Actor, key: Option<&str>) -> AppResult<()> {
    // A replenishment proposal's approval runs under `plan-proposal-<id>`: taken first by
    // a client, it would make the approval replay another command (or, unapproved, look
    // shipped to planning).
    if let Some(k) = key.filter(|k| k.starts_with(crate::planning::PROPOSAL_KEY_PREFIX)) {
        return Err(AppError::invalid(
            "Idempotency-Key",
            format!(
                "keys starting with '{}' are reserved for approving replenishment proposals ({k})",
                crate::planning::PROPOSAL_KEY_PREFIX
            ),
        ));
    }
    match key {
        Some(k) if actor.principal().is_some() && k.starts_with(SYSTEM_KEY_PREFIX) => {
            Err(AppError::invalid(
                "Idempotency-Key",
                format!(
                    "keys starting with '{SYSTEM_KEY_PREFIX}' are reserved for the application"
                ),
            ))
        }
        _ => Ok(()),
    }
}

/// Roles that move stock.
pub const STOCK_WRITERS: &[Role] = &[Role::Admin, Role::Manager, Role::Warehouse, Role::Station];
/// Roles that see stock.
pub const STOCK_READERS: &[Role] = &[
    Role::Admin,
    Role::Manager,
    Role::Warehouse,
    Role::Dispatcher,
    Role::Agent,
    Role::Station,
    Role::Technician,
];
/// Head-office stock roles.
const HQ_STOCK: &[Role] = &[Role::Admin, Role::Manager, Role::Warehouse];

/// A committed command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StockReceipt {
    /// What it did (for a retried key, the first call's outcome).
    pub outcome: Outcome,
    /// Whether this answer is the stored result of an earlier call with the same key.
    pub replayed: bool,
}

impl App {
    /// The ledger writer, started on first use.
    pub async fn ledger(&self) -> AppResult<&Ledger> {
        self.ledger
            .get_or_try_init(|| Ledger::start(self.db.clone(), self.config.stock_issue_policy))
            .await
            .map_err(AppError::from)
    }

    /// The station owning a warehouse (`None`: head office), or NotFound. Cached: a
    /// warehouse never changes owner.
    async fn warehouse_owner(&self, w: WarehouseId) -> AppResult<Option<StationId>> {
        if let Some(s) = self.warehouse_owners.read().await.get(&w) {
            return Ok(*s);
        }
        let owner = query::warehouse_station(&self.db, w)
            .await?
            .ok_or_else(|| AppError::not_found(format!("warehouse {w}")))?;
        self.warehouse_owners.write().await.insert(w, owner);
        Ok(owner)
    }

    pub(crate) async fn ensure_warehouse(&self, actor: &Actor, w: WarehouseId) -> AppResult<()> {
        let owner = self.warehouse_owner(w).await?;
        actor.ensure_station_visible(owner, &format!("warehouse {w}"))
    }

    async fn ensure_document(&self, actor: &Actor, d: DocRef) -> AppResult<()> {
        if actor.own_station().is_none() {
            return Ok(());
        }
        // A document of another station is reported like a missing one.
        let ws = query::document_warehouses(&self.db, d).await?;
        for w in ws {
            self.ensure_warehouse(actor, w).await?;
        }
        Ok(())
    }

    /// Fail with NotFound unless a station user may book stock to or from `consumer`. A
    /// ticket must be one its station holds now (the ticket rule); a requisition has no owner
    /// of its own, so it belongs to the warehouses whose stock it touched, and must not have
    /// touched another station's. Without this a station could take the units issued to
    /// another station's ticket into its own shelf, or book its stock onto their records.
    async fn ensure_consumer(&self, actor: &Actor, consumer: Consumer) -> AppResult<()> {
        if actor.own_station().is_none() {
            return Ok(());
        }
        match consumer {
            Consumer::Ticket(t) => {
                let station = aftercare_store::tickets::get_ticket(&self.db, t)
                    .await?
                    .ok_or_else(|| AppError::not_found("ticket"))?
                    .state
                    .station;
                actor.ensure_station_visible(station, "ticket")
            }
            Consumer::Requisition(r) => {
                for w in query::consumer_warehouses(&self.db, consumer).await? {
                    self.ensure_warehouse(actor, w)
                        .await
                        .map_err(|_| AppError::not_found(format!("requisition {r}")))?;
                }
                Ok(())
            }
        }
    }

    /// Check role and scope for a command, and put the actor's own role where the command
    /// names an approver.
    pub(crate) async fn authorize(&self, actor: &Actor, command: Command) -> AppResult<Command> {
        actor.require(STOCK_WRITERS, "move stock")?;
        let role = match actor.principal() {
            Some(p) => p.role,
            // The command line acts with full rights, including approvals.
            None => Role::Manager,
        };
        let hq = |what: &str| actor.require(HQ_STOCK, what);
        let mut c = command;
        match &mut c {
            Command::PlacePurchaseOrder { supplier, .. } => {
                hq("place purchase orders")?;
                if !query::supplier_exists(&self.db, *supplier).await? {
                    return Err(AppError::not_found(format!("supplier {supplier}")));
                }
            }
            Command::ReturnUnused {
                warehouse,
                consumer,
                ..
            }
            | Command::DefectiveReturn {
                warehouse,
                consumer,
                ..
            }
            | Command::Reserve {
                warehouse,
                consumer,
                ..
            } => {
                self.ensure_warehouse(actor, *warehouse).await?;
                self.ensure_consumer(actor, *consumer).await?;
            }
            Command::Receive { warehouse, .. }
            | Command::Inspect { warehouse, .. }
            | Command::RequestScrap { warehouse, .. }
            | Command::Dispose { warehouse, .. }
            | Command::OpenStocktake { warehouse, .. } => {
                self.ensure_warehouse(actor, *warehouse).await?;
            }
            Command::Issue {
                warehouse,
                consumer,
                approved_by,
                ..
            } => {
                self.ensure_warehouse(actor, *warehouse).await?;
                self.ensure_consumer(actor, *consumer).await?;
                *approved_by = may_approve(role).then_some(role);
            }
            Command::ReleaseReservation { reservation } => {
                self.ensure_document(actor, DocRef::Reservation(reservation.get()))
                    .await?;
            }
            Command::ExpireReservations => hq("expire reservations")?,
            Command::ShipTransfer { from, to, .. } => {
                self.ensure_warehouse(actor, *from).await?;
                // Any warehouse may be the destination, but it must exist.
                self.warehouse_owner(*to).await?;
            }
            Command::ReceiveTransfer { transfer, .. } => {
                self.ensure_document(actor, DocRef::TransferDestination(transfer.get()))
                    .await?;
            }
            Command::ResolveDiscrepancy {
                transfer,
                resolution,
                ..
            } => {
                self.ensure_document(actor, DocRef::TransferDestination(transfer.get()))
                    .await?;
                if let Resolution::Found { warehouse } = resolution {
                    self.ensure_warehouse(actor, *warehouse).await?;
                }
            }
            Command::SendToRepair {
                warehouse, vendor, ..
            } => {
                hq("send parts to repair")?;
                self.ensure_warehouse(actor, *warehouse).await?;
                if !query::supplier_exists(&self.db, *vendor).await? {
                    return Err(AppError::not_found(format!("repair vendor {vendor}")));
                }
            }
            Command::ReceiveFromRepair {
                order, warehouse, ..
            } => {
                self.ensure_warehouse(actor, *warehouse).await?;
                self.ensure_document(actor, DocRef::RepairOrder(order.get()))
                    .await?;
            }
            Command::DeclareUnrepairable {
                order, returned_to, ..
            } => {
                self.ensure_document(actor, DocRef::RepairOrder(order.get()))
                    .await?;
                if let Some(w) = returned_to {
                    self.ensure_warehouse(actor, *w).await?;
                }
            }
            Command::DecideScrap { request, by, .. } => {
                self.ensure_document(actor, DocRef::ScrapRequest(request.get()))
                    .await?;
                *by = role;
            }
            Command::EnterCounts { stocktake, .. } => {
                self.ensure_document(actor, DocRef::Stocktake(stocktake.get()))
                    .await?;
            }
            Command::ApproveStocktake { stocktake, by } => {
                self.ensure_document(actor, DocRef::Stocktake(stocktake.get()))
                    .await?;
                *by = role;
            }
        }
        Ok(c)
    }

    /// Run one ledger command. With an Idempotency-Key, a retry of the same command returns
    /// the first result and applies nothing; the same key with another command is refused.
    /// An issue above the approval limit is refused here (`stock.approval_required`); use
    /// [`App::stock_submit`] to queue it for a manager instead.
    pub async fn stock_execute(
        &self,
        actor: &Actor,
        idempotency_key: Option<&str>,
        command: Command,
    ) -> AppResult<StockReceipt> {
        refuse_system_key(actor, idempotency_key)?;
        self.stock_execute_keyed(actor, idempotency_key, command)
            .await
    }

    /// [`App::stock_execute`] under a key the application chose itself (a ticket part line's
    /// return, a defective return), which a user may not send.
    pub(crate) async fn stock_execute_keyed(
        &self,
        actor: &Actor,
        idempotency_key: Option<&str>,
        command: Command,
    ) -> AppResult<StockReceipt> {
        let (_, done) = self
            .stock_execute_checked(actor, idempotency_key, command)
            .await?;
        done.map_err(refusal)
    }

    /// Authorize and run one command; returns the command as authorized (approver roles
    /// replaced by the actor's own) and the ledger's answer, refusals not yet mapped.
    pub(crate) async fn stock_execute_checked(
        &self,
        actor: &Actor,
        idempotency_key: Option<&str>,
        command: Command,
    ) -> AppResult<(Command, Result<StockReceipt, StockError>)> {
        let key = idempotency_key
            .map(IdempotencyKey::parse)
            .transpose()
            .map_err(|e| AppError::invalid("Idempotency-Key", e.to_string()))?;
        let command = self.authorize(actor, command).await?;
        let done = self.stock_run_raw(actor, key, command.clone()).await?;
        Ok((command, done))
    }

    /// Run a ledger command whose role and scope the caller has already checked (a ticket's
    /// parts released when the ticket is cancelled by a user who does not move stock).
    pub(crate) async fn stock_run(
        &self,
        actor: &Actor,
        key: Option<IdempotencyKey>,
        command: Command,
    ) -> AppResult<StockReceipt> {
        self.stock_run_raw(actor, key, command)
            .await?
            .map_err(refusal)
    }

    /// Run a ledger command as the system (no user): the ticket parts pick-up when stock
    /// arrives. The caller decided the command is due; the ledger still checks the stock.
    pub(crate) async fn stock_run_system(
        &self,
        key: IdempotencyKey,
        command: Command,
    ) -> AppResult<StockReceipt> {
        self.stock_run_as((None, "system".to_string(), None), Some(key), command)
            .await?
            .map_err(refusal)
    }

    /// Run an authorized command; the ledger's refusal is returned as it is.
    async fn stock_run_raw(
        &self,
        actor: &Actor,
        key: Option<IdempotencyKey>,
        command: Command,
    ) -> AppResult<Result<StockReceipt, StockError>> {
        let who = match actor {
            Actor::User {
                principal,
                request_id,
            } => (
                Some(principal.user_id),
                principal.login.clone(),
                request_id.clone(),
            ),
            Actor::Cli => (None, "cli".to_string(), None),
        };
        self.stock_run_as(who, key, command).await
    }

    /// Run a command under an identity; after a commit that may have made stock available,
    /// the waiting ticket parts are picked up. Boxed: that pick-up runs ledger commands
    /// through here itself.
    #[allow(clippy::type_complexity)]
    fn stock_run_as<'a>(
        &'a self,
        (actor_id, actor_login, request_id): (
            Option<aftercare_domain::UserId>,
            String,
            Option<String>,
        ),
        key: Option<IdempotencyKey>,
        command: Command,
    ) -> std::pin::Pin<
        Box<
            dyn std::future::Future<Output = AppResult<Result<StockReceipt, StockError>>>
                + Send
                + 'a,
        >,
    > {
        Box::pin(async move {
            let issued = match &command {
                Command::Issue {
                    warehouse, part, ..
                } => Some((*warehouse, *part)),
                _ => None,
            };
            let freed = crate::tickets::Freed::by(&command);
            let ends = crate::tickets::ends_reservations(&command);
            let keyed = key.clone();
            let done = self
                .ledger()
                .await?
                .execute(LedgerRequest {
                    command,
                    key,
                    actor_id,
                    actor_login,
                    request_id,
                    now: self.now(),
                })
                .await?;
            // The book checks the issue against the manual or planned minimum it holds in
            // memory; only a shortfall costs reads and a write here. The receipt then says
            // what planning raised: nothing when the units on their way cover the minimum
            // (a keeper told "request 17" would order units already coming), else the
            // proposal's quantity.
            let mut done = done;
            if let (Ok(e), Some((warehouse, part))) = (&mut done, issued)
                && !e.replayed
                && let Some(due) = e.outcome.emergency
            {
                // The issue is committed; a failure to raise the emergency must not undo it.
                e.outcome.emergency = match self.raise_emergency_if_short(warehouse, part).await {
                    Ok(raised) => raised
                        .filter(|p| p.kind == ProposalKind::Emergency)
                        .and_then(|p| Qty::new(p.qty).ok())
                        .map(|qty| EmergencyRequisition { qty, ..due }),
                    Err(err) => {
                        // Nothing known raised: the shortfall the ledger saw still stands.
                        tracing::error!(error = %err, "emergency requisition check failed");
                        Some(due)
                    }
                };
                // A replay of the issue returns the stored outcome: make it this answer
                // (a replay racing this write still gets the book's shortfall).
                if let Some(k) = &keyed
                    && e.outcome.emergency != Some(due)
                    && let Err(err) = self.restate_emergency(k, e.outcome.emergency).await
                {
                    tracing::error!(error = %err, "storing the issue's emergency requisition failed");
                }
            }
            if let Ok(e) = &done
                && !e.replayed
            {
                // Committed: stock that became available goes to the tickets waiting for it
                // (failures are logged there; the stock command stands).
                self.stock_freed(freed, ends, &e.outcome).await;
            }
            Ok(done.map(|e| StockReceipt {
                outcome: e.outcome,
                replayed: e.replayed,
            }))
        })
    }

    /// Keep `emergency` as the answer stored under the issue's key `k`.
    async fn restate_emergency(
        &self,
        k: &IdempotencyKey,
        emergency: Option<EmergencyRequisition>,
    ) -> AppResult<()> {
        let mut tx = self.db.begin_write().await?;
        aftercare_store::stock::restate_emergency(&mut tx, k, emergency).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Stock on shelves with value; station users see only their own warehouses.
    pub async fn stock_list(&self, actor: &Actor, mut f: StockFilter) -> AppResult<Vec<StockRow>> {
        actor.require(STOCK_READERS, "see stock")?;
        crate::stock_views::known_condition(f.condition.as_deref())?;
        if let Some(w) = f.warehouse {
            self.ensure_warehouse(actor, w).await?;
        }
        f.station = actor.own_station();
        f.limit = f.limit.clamp(1, 10_000);
        Ok(query::stock(&self.db, &f).await?)
    }

    /// Movements, newest first; station users see only those touching their warehouses.
    pub async fn stock_movements(
        &self,
        actor: &Actor,
        mut f: MovementFilter,
    ) -> AppResult<Vec<MovementRow>> {
        actor.require(STOCK_READERS, "see stock movements")?;
        crate::stock_views::known_movement_kind(f.kind.as_deref())?;
        if let Some(w) = f.warehouse {
            self.ensure_warehouse(actor, w).await?;
        }
        f.station = actor.own_station();
        f.limit = f.limit.clamp(1, 1_000);
        Ok(query::movements(&self.db, &f).await?)
    }

    /// Units in transit, by ETA, with overdue arrivals flagged.
    pub async fn stock_in_transit(
        &self,
        actor: &Actor,
        to: Option<WarehouseId>,
        part: Option<i64>,
    ) -> AppResult<Vec<TransitRow>> {
        actor.require(STOCK_READERS, "see stock in transit")?;
        if let Some(w) = to {
            self.ensure_warehouse(actor, w).await?;
        }
        Ok(query::in_transit(&self.db, to, part, actor.own_station(), self.now()).await?)
    }

    /// Every difference between the maintained balances and the movements (empty: sound).
    pub async fn stock_verify(&self, actor: &Actor) -> AppResult<Vec<String>> {
        actor.require(HQ_STOCK, "verify the stock ledger")?;
        Ok(verify::verify_ledger(&self.db).await?)
    }

    /// Shelf stock by lot age (0–90, 91–180, 181–365, >365 days) with value, per
    /// warehouse; station users see only their own warehouses.
    pub async fn stock_aging(
        &self,
        actor: &Actor,
        warehouse: Option<WarehouseId>,
    ) -> AppResult<Vec<AgingRow>> {
        actor.require(STOCK_READERS, "see stock")?;
        if let Some(w) = warehouse {
            self.ensure_warehouse(actor, w).await?;
        }
        Ok(aging::aging(&self.db, self.now(), warehouse, actor.own_station()).await?)
    }

    /// When the ledger's clock says it is (for callers that need the same instant).
    pub fn stock_now(&self) -> Instant {
        self.now()
    }
}

/// A ledger refusal as an application error: a stable code, a message, and details such as
/// the available quantity.
pub fn refusal(e: StockError) -> AppError {
    let message = e.to_string();
    let refused = |code: &str, details: serde_json::Value| AppError::Refused {
        code: code.into(),
        message: message.clone(),
        details,
    };
    match &e {
        StockError::IssueShortage {
            shortage,
            substitutes,
        } => refused(
            "stock.insufficient",
            json!({
                "requested": shortage.requested.get(),
                "available": shortage.available.get(),
                "substitutes": substitutes.iter().map(|s| json!({
                    "part_id": s.part.get(),
                    "priority": s.priority,
                    "instruction": s.instruction,
                    "available": s.available.get(),
                })).collect::<Vec<_>>(),
            }),
        ),
        StockError::Unavailable(s) => refused(
            "stock.reserved",
            json!({ "requested": s.requested.get(), "available": s.available.get() }),
        ),
        StockError::Insufficient {
            location,
            part,
            available,
        } => refused(
            "stock.insufficient",
            json!({ "location": location_key(location), "part_id": part.get(), "available": available.get() }),
        ),
        StockError::LotInsufficient {
            lot,
            location,
            available,
        } => refused(
            "stock.lot_insufficient",
            json!({ "lot_id": lot.get(), "location": location_key(location), "available": available.get() }),
        ),
        StockError::BadLot(l) | StockError::LotMismatch(l) => {
            refused("stock.bad_lot", json!({ "lot_id": l.get() }))
        }
        StockError::UnknownPart(p) => AppError::not_found(format!("part {p}")),
        StockError::NotFound(what) => AppError::not_found(*what),
        StockError::Frozen(st) => refused("stock.frozen", json!({ "stocktake_id": st.get() })),
        StockError::ApprovalRequired(reason) => {
            refused("stock.approval_required", json!({ "reason": reason }))
        }
        StockError::ReservationMismatch => refused("stock.reservation_mismatch", json!(null)),
        StockError::IdempotencyKeyReused => AppError::Conflict {
            code: "stock.idempotency_key_reused".into(),
            message,
        },
        StockError::KeyFenced(_) => AppError::Conflict {
            code: "stock.idempotency_key_fenced".into(),
            message,
        },
        StockError::AlreadyCounting(st) => refused(
            "stock.already_counting",
            json!({ "stocktake_id": st.get() }),
        ),
        StockError::NoUnits | StockError::TooManyUnits { .. } => AppError::invalid("qty", message),
        StockError::Overflow | StockError::Movement(_) => AppError::invalid("command", message),
        StockError::Transfer(_) => refused("stock.transfer", json!(null)),
        StockError::Repair(_) => refused("stock.repair", json!(null)),
        StockError::Purchase(_) => refused("stock.purchase", json!(null)),
        StockError::Reservation(_) => refused("stock.reservation", json!(null)),
        StockError::Scrap(_) => refused("stock.scrap", json!(null)),
        StockError::Stocktake(_) => refused("stock.stocktake", json!(null)),
        StockError::Counts(errors) => refused(
            "stock.counts",
            json!(
                errors
                    .iter()
                    .map(|(i, e)| json!({ "entry": i, "reason": e.to_string() }))
                    .collect::<Vec<_>>()
            ),
        ),
    }
}
