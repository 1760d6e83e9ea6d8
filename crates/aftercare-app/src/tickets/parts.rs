//! Parts on a service ticket, through the stock ledger: the station requests parts against
//! the ticket (reserved at the station's own warehouse for consumer `ticket:<id>`), issues
//! them, and on completion reports used and unused units (unused ones go back to stock by
//! the ledger's return). A line with no available stock waits, the ticket goes to
//! `waiting_for_parts` and the available declared substitutes are offered. In-warranty
//! repairs owe the defective part back for every part used (old-for-new), closed by the
//! ledger's defective return.
//!
//! **Arrival.** Waiting lines are picked up in three ways, all through one path: the station's
//! `parts_arrived` (the parts page, or the generic action — the action button and the API's
//! `parts_arrived` action pick up first, and are refused naming the missing parts if some
//! still wait), automatically after every committed ledger command that may have made stock
//! available (receipt accepted, transfer received, return, reservation released or expired,
//! stocktake approved: see [`Freed`]; run after the ledger commit, outside the writer; a
//! failure is logged and never fails the stock command), and by the periodic parts sweep
//! ([`App::parts_pickup_sweep`]) that catches up what a failed pick-up left. Waiting lines of a
//! (warehouse, part) are served in order of request time. A ticket in `waiting_for_parts`
//! whose lines are all reserved goes on site with `parts_arrived` — by the system when the
//! stock arrival did it (the timeline shows "system").
//!
//! **First come, first served.** A station's request or "parts arrived" serves the older
//! waiting lines of the same part at the same warehouse first (as the system), so stock whose
//! automatic pick-up was missed never goes to a newer request ahead of an older one.
//!
//! **Lost reservations.** A reserved line whose ledger reservation is gone (marked expired,
//! or released outside the ticket: the stock desk, a stocktake loss) waits again, keeping its
//! request time, checked after every committed ledger command that can end a reservation
//! ([`ends_reservations`]) and by the sweep (which also runs the ledger's expiry when a line's
//! reservation is overdue). The freed units go through the pick-up; a ticket on site whose
//! line still waits then goes to `waiting_for_parts` by the system. A stocktake loss that
//! shrinks a line's reservation without ending it (the approval's outcome names it in
//! `trimmed_reservations`) splits the line instead: it keeps the units still held, and the
//! missing ones wait on a new line with the same request time, taking the same path.
//!
//! **Partial availability.** A line asking for more units than are available reserves what is
//! there and keeps the rest waiting: the line is split, the original keeps the reserved units
//! and a new waiting line (`split_of` the original request line, same request time so it
//! keeps its place in the queue) takes the rest. The station can issue and fit what it has;
//! the ticket stays `waiting_for_parts` until no line waits. A retried request still matches
//! its lines (a request line's units are its own plus its split lines').
//!
//! **Cancel and recall.** Waiting and reserved lines are released (reservations released in
//! the ledger); issued, not yet used units go back to the station warehouse by the ledger's
//! return of unused parts (the line is settled as 0 used, all returned, noted). A repair
//! that used parts is completed, not cancelled.
//!
//! **Approval.** An issue above the stock approval limit (value or quantity) goes to the
//! manager approval queue (`stock_submit`): the line stays reserved, linked to the approval
//! ("awaiting approval"); the manager's approval issues it (the line becomes issued), a
//! rejection leaves it reserved with the reason, and the next issue attempt is a new request.
//! A cancel (recall, completion) and the approval meet on the approval row: the cancel's
//! reject wins only while nobody is approving; an approval under way is left to finish, and
//! finding the ticket ended it returns the issued units itself. Both return under the line's
//! one ledger key, so units come back exactly once. An approval that stopped half-way is
//! settled by the sweep after a timeout (`App::recover_stalled_approvals`): approved if the
//! ledger issued it, else pending again, or rejected and the line released if the ticket
//! ended (the rejection fences the approval's key, so a run that was only slow issues
//! nothing; see `stock_approvals`).
//!
//! Every ledger call carries an idempotency key derived from the line (`aftercare:ticket-part:
//! <line>:<step>`), so a retried call never reserves, issues or returns twice.

use super::{ticket_actor, transition_error};
use crate::App;
use crate::access::Actor;
use crate::error::{AppError, AppResult};
use crate::stock::StockReceipt;
use crate::stock_approvals::Submitted;
use aftercare_domain::part::substitutes_of;
use aftercare_domain::stock::{
    Command, Consumer, Created, IdempotencyKey, Outcome, Qty, offer_substitutes,
};
use aftercare_domain::ticket::parts::{
    MAX_REQUEST_LINES, ObligationStatus, PartLineStatus, check_line_qty, check_settlement,
};
use aftercare_domain::ticket::{Completion, TicketAction, TicketStatus};
use aftercare_domain::warranty::WarrantyStatus;
use aftercare_domain::{FaultCodeId, Instant, PartId, ReservationId, Role, TicketId, WarehouseId};
use aftercare_store::ticket_parts::{self as store, LineUpdate};
pub use aftercare_store::ticket_parts::{PartLine, ReturnObligation};
use aftercare_store::tickets::{self as tickets_store, TicketExtras, TicketRecord};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// Roles that request, issue and settle a ticket's parts (the station; the admin as
/// support override). Technicians do not move stock.
pub const PARTS_ROLES: &[Role] = &[Role::Admin, Role::Station];
/// How long a ticket's reservation holds stock.
pub const RESERVATION_DAYS: i64 = 30;
/// Days the station has to send the defective part back (old-for-new).
pub const OLD_FOR_NEW_DAYS: i64 = 15;
/// The note on a line that waits again because its ledger reservation expired.
pub const RESERVATION_EXPIRED: &str = "the reservation expired: waiting for stock again";
/// The note on a line that waits again because its reservation was released outside the
/// ticket (at the stock desk, or by a stocktake loss).
pub const RESERVATION_RELEASED: &str =
    "the reservation was released outside the ticket: waiting for stock again";
/// The note on a reserved line whose reservation a stocktake loss shrank (not to nothing),
/// and on the new line whose missing units wait for stock.
pub const RESERVATION_SHRUNK: &str = "a stocktake found fewer units than the reservation held: the missing units wait for stock again";
/// The note on an issued line whose units went back unused because the ticket ended
/// (cancelled or recalled) before the repair used them.
pub const RETURNED_ON_CANCEL: &str = "returned unused: the ticket ended before the repair";
const DAY_MS: i64 = 86_400_000;
const HOUR_MS: i64 = 3_600_000;

/// One line of a parts request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartRequestLine {
    /// The part.
    pub part_id: PartId,
    /// Units.
    pub qty: i64,
}

/// A substitute offered for a waiting line: declared for the part and available now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SubstituteView {
    /// The substitute part.
    pub part_id: PartId,
    /// Its part number.
    pub part_number: String,
    /// Its name.
    pub part_name: String,
    /// 1 is offered first.
    pub priority: u16,
    /// What the technician must do to fit it.
    pub instruction: String,
    /// Units available at the station's warehouse.
    pub available: i64,
}

/// A line with the substitutes offered while it waits.
#[derive(Debug, Clone, Serialize)]
pub struct LineView {
    /// The line.
    #[serde(flatten)]
    pub line: PartLine,
    /// Available substitutes (waiting lines only), in priority order.
    pub substitutes: Vec<SubstituteView>,
}

/// The parts of a ticket.
#[derive(Debug, Clone, Serialize)]
pub struct TicketParts {
    /// The ticket.
    pub ticket_id: TicketId,
    /// Its status now.
    pub status: TicketStatus,
    /// The station warehouse parts come from (none before a station holds the ticket).
    pub warehouse_id: Option<WarehouseId>,
    /// Lines, oldest first.
    pub lines: Vec<LineView>,
    /// Old-for-new return obligations.
    pub obligations: Vec<ReturnObligation>,
}

/// What completion reports for one issued line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartUse {
    /// The line.
    pub line_id: i64,
    /// Units fitted.
    pub used: i64,
    /// Units returned unused to stock.
    pub returned: i64,
}

/// The station's completion of a repair with its parts.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct RepairCompletion {
    /// What was done, in words.
    pub actions_taken: String,
    /// The diagnosed fault code.
    pub fault_code: Option<i64>,
    /// Labour minutes.
    pub labour_minutes: Option<i64>,
    /// Used and returned units of every issued line.
    #[serde(default)]
    pub parts: Vec<PartUse>,
}

/// Who moves the stock of a ticket's lines: a user who may act on the ticket, or the system
/// (stock arrived).
#[derive(Clone, Copy)]
enum By<'a> {
    Actor(&'a Actor),
    System,
}

impl By<'_> {
    fn is_system(self) -> bool {
        matches!(self, By::System)
    }
}

/// Which stock a committed ledger command may have made available to waiting lines.
pub(crate) enum Freed {
    /// None (it only takes stock, or moves none).
    Nothing,
    /// Where its movements went.
    Movements,
    /// What the released reservation held.
    Reservation(ReservationId),
    /// Anywhere (reservations expired, a stocktake's freeze lifted).
    Everywhere,
}

/// Whether `c`, once committed, may have ended reservations a ticket line relies on outright:
/// an issue drawing one down, a stocktake loss, a release at the stock desk, the expiry sweep,
/// a shipment or a scrap decision. (The ledger also marks expired reservations of a
/// (warehouse, part) on any issue or reserve there; those report it in their outcome's
/// `expired_reservations`, so the plain issues of the hot path skip the check otherwise.)
pub(crate) fn ends_reservations(c: &Command) -> bool {
    matches!(
        c,
        Command::Issue {
            reservation: Some(_),
            ..
        } | Command::ShipTransfer { .. }
            | Command::DecideScrap { .. }
            | Command::ApproveStocktake { .. }
            | Command::ExpireReservations
            | Command::ReleaseReservation { .. }
    )
}

impl Freed {
    /// What `c` may free once committed.
    pub(crate) fn by(c: &Command) -> Freed {
        match c {
            Command::PlacePurchaseOrder { .. }
            | Command::Reserve { .. }
            | Command::Issue { .. }
            | Command::OpenStocktake { .. } => Freed::Nothing,
            Command::ReleaseReservation { reservation } => Freed::Reservation(*reservation),
            Command::ExpireReservations | Command::ApproveStocktake { .. } => Freed::Everywhere,
            _ => Freed::Movements,
        }
    }
}

fn conflict(code: &str, message: impl Into<String>) -> AppError {
    AppError::Conflict {
        code: code.into(),
        message: message.into(),
    }
}

fn qty(n: i64) -> AppResult<Qty> {
    Qty::new(n).map_err(|e| AppError::invalid("qty", e.to_string()))
}

fn ledger_key(line: i64, step: &str) -> String {
    format!("aftercare:ticket-part:{line}:{step}")
}

/// The issue's key: a rejected approval starts a new round (the rejected request stays
/// under the old key).
fn issue_key(line: &PartLine) -> String {
    match line.issue_round {
        0 => ledger_key(line.id, "issue"),
        n => ledger_key(line.id, &format!("issue:{n}")),
    }
}

/// Statuses in which the station works the ticket and may request or issue parts.
fn station_works(s: TicketStatus) -> bool {
    matches!(
        s,
        TicketStatus::Accepted
            | TicketStatus::Scheduled
            | TicketStatus::OnSite
            | TicketStatus::WaitingForParts
    )
}

impl App {
    /// The ticket (in scope, for a parts role) and its station's warehouse.
    async fn parts_context(
        &self,
        actor: &Actor,
        id: TicketId,
    ) -> AppResult<(TicketRecord, WarehouseId)> {
        actor.require(PARTS_ROLES, "handle a ticket's parts")?;
        let t = self.visible_ticket(actor, id).await?;
        let station = t.state.station.ok_or_else(|| {
            conflict(
                "ticket.no_station",
                "the ticket is not held by a station; parts come from the station's warehouse",
            )
        })?;
        let w = store::station_warehouse(&self.db, station)
            .await?
            .ok_or_else(|| {
                conflict(
                    "ticket.no_warehouse",
                    format!("station {station} has no active station warehouse to draw parts from"),
                )
            })?;
        Ok((t, w))
    }

    /// A ticket's part lines (with substitutes offered for waiting ones) and its old-for-new
    /// return obligations.
    pub async fn ticket_parts(&self, actor: &Actor, id: TicketId) -> AppResult<TicketParts> {
        let t = self.visible_ticket(actor, id).await?;
        let warehouse = match t.state.station {
            Some(s) => store::station_warehouse(&self.db, s).await?,
            None => None,
        };
        let mut lines = Vec::new();
        for line in store::lines_of(&self.db, id).await? {
            let substitutes = if line.status == PartLineStatus::Waiting {
                self.substitutes_offered(line.warehouse_id, line.part_id)
                    .await?
            } else {
                Vec::new()
            };
            lines.push(LineView { line, substitutes });
        }
        Ok(TicketParts {
            ticket_id: id,
            status: t.state.status,
            warehouse_id: warehouse,
            lines,
            obligations: store::obligations_of(&self.db, id).await?,
        })
    }

    /// The declared substitutes of `part` with available stock at `w`, in priority order
    /// (the ledger's own offer rule, [`offer_substitutes`]).
    async fn substitutes_offered(
        &self,
        w: WarehouseId,
        part: PartId,
    ) -> AppResult<Vec<SubstituteView>> {
        let options = substitutes_of(&store::substitute_rules_of(&self.db, part).await?, part);
        let mut available = BTreeMap::new();
        for o in &options {
            let (issuable, reserved) =
                aftercare_store::stock::query::availability(&self.db, w, o.part.get()).await?;
            available.insert(o.part, Qty::from_balance(issuable - reserved));
        }
        let offers =
            offer_substitutes(&options, |p| available.get(&p).copied().unwrap_or_default());
        let mut out = Vec::with_capacity(offers.len());
        for o in offers {
            let (number, name) = store::part_label(&self.db, o.part)
                .await?
                .unwrap_or_default();
            out.push(SubstituteView {
                part_id: o.part,
                part_number: number,
                part_name: name,
                priority: o.priority,
                instruction: o.instruction,
                available: o.available.get(),
            });
        }
        Ok(out)
    }

    /// Request parts against a ticket at its station's warehouse. `key` names the request: a
    /// retry with the same key adds nothing. Every waiting line of the ticket is then tried:
    /// a line whose full quantity is available is reserved for the ticket; the others wait,
    /// and a ticket on site goes to `waiting_for_parts`.
    pub async fn request_parts(
        &self,
        actor: &Actor,
        id: TicketId,
        key: &str,
        lines: &[PartRequestLine],
    ) -> AppResult<TicketParts> {
        IdempotencyKey::parse(key)
            .map_err(|e| AppError::invalid("Idempotency-Key", e.to_string()))?;
        if lines.is_empty() || lines.len() > MAX_REQUEST_LINES {
            return Err(AppError::invalid(
                "lines",
                format!("a request has 1 to {MAX_REQUEST_LINES} lines"),
            ));
        }
        let mut seen = BTreeSet::new();
        for (i, l) in lines.iter().enumerate() {
            check_line_qty(&format!("lines[{i}].qty"), l.qty)?;
            if !seen.insert(l.part_id) {
                return Err(AppError::invalid(
                    &format!("lines[{i}].part_id"),
                    format!("part {} is listed twice", l.part_id),
                ));
            }
            if store::part_label(&self.db, l.part_id).await?.is_none() {
                return Err(AppError::invalid(
                    &format!("lines[{i}].part_id"),
                    format!("there is no part {}", l.part_id),
                ));
            }
        }
        let (t, w) = self.parts_context(actor, id).await?;
        if !station_works(t.state.status) {
            return Err(conflict(
                "ticket.parts_not_now",
                format!(
                    "parts are requested while the station works the ticket (accepted, scheduled, on_site, waiting_for_parts); it is {}",
                    t.state.status
                ),
            ));
        }
        let wanted: Vec<(PartId, i64)> = lines.iter().map(|l| (l.part_id, l.qty)).collect();
        let now = self.now();
        let mut tx = self.db.begin_write().await?;
        let stored = store::insert_request(&mut tx, id, key, w, &wanted, now).await?;
        tx.commit().await?;
        let same = stored.len() == wanted.len()
            && stored
                .iter()
                .zip(&wanted)
                .all(|((_, p, q), (wp, wq))| p == wp && q == wq);
        if !same {
            return Err(conflict(
                "ticket.parts_key_reused",
                format!("the key '{key}' was used for another parts request on this ticket"),
            ));
        }
        self.arrive(By::Actor(actor), id).await?;
        self.follow_parts(actor, id).await?;
        self.ticket_parts(actor, id).await
    }

    /// The awaited parts arrived: reserve every waiting line that is now available; when
    /// none waits any more, a ticket waiting for parts goes back on site. A ticket whose
    /// lines still wait stays waiting for parts (the view shows what is missing).
    pub async fn parts_arrived(&self, actor: &Actor, id: TicketId) -> AppResult<TicketParts> {
        self.parts_context(actor, id).await?;
        self.arrive(By::Actor(actor), id).await?;
        self.ticket_parts(actor, id).await
    }

    /// The generic `parts_arrived` action (action button, API action): the caller may
    /// perform it on this ticket now; the waiting lines are picked up like
    /// [`App::parts_arrived`] does, and if some still wait the action is refused
    /// (`ticket.parts_waiting`, naming them) instead of pretending the parts are there.
    pub(crate) async fn parts_arrived_action(
        &self,
        actor: &Actor,
        id: TicketId,
    ) -> AppResult<TicketRecord> {
        let t = self.visible_ticket(actor, id).await?;
        let settings = tickets_store::get_settings(&self.db).await?;
        t.state
            .clone()
            .apply(
                ticket_actor(actor),
                TicketAction::PartsArrived,
                self.now(),
                &settings.rules,
            )
            .map_err(transition_error)?;
        if let Some(after) = self.arrive(By::Actor(actor), id).await? {
            return Ok(after);
        }
        let waiting: Vec<String> = store::lines_of(&self.db, id)
            .await?
            .iter()
            .filter(|l| l.status == PartLineStatus::Waiting)
            .map(|l| format!("{} × {}", l.qty, l.part_number))
            .collect();
        Err(conflict(
            "ticket.parts_waiting",
            format!(
                "the parts have not all arrived: still waiting for {}",
                waiting.join(", ")
            ),
        ))
    }

    /// The one arrival path: pick up the waiting lines, and a ticket waiting for parts with
    /// none waiting any more goes on site (as `by`). Returns the ticket if it moved.
    async fn arrive(&self, by: By<'_>, id: TicketId) -> AppResult<Option<TicketRecord>> {
        self.pick_up(by, id).await?;
        let t = tickets_store::get_ticket(&self.db, id)
            .await?
            .ok_or_else(|| AppError::not_found("ticket"))?;
        if t.state.status != TicketStatus::WaitingForParts
            || store::lines_of(&self.db, id)
                .await?
                .iter()
                .any(|l| l.status == PartLineStatus::Waiting)
        {
            return Ok(None);
        }
        let actor = match by {
            By::Actor(a) => Some(a),
            By::System => None,
        };
        match self
            .transition(
                &t,
                actor,
                TicketAction::PartsArrived,
                TicketExtras::default(),
            )
            .await
        {
            Ok(after) => Ok(Some(after)),
            // Someone moved the ticket meanwhile (the pick-up after a stock receipt and the
            // station at once): the lines are reserved; the ticket is where they put it.
            Err(AppError::Conflict { code, .. }) if code == "ticket.stale" && by.is_system() => {
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }

    /// Try to reserve every waiting line of the ticket, first come first served: for each
    /// (warehouse, part) it waits for, the older waiting lines there (of any ticket) are
    /// served first (as the system; their tickets go on site when complete), so a station's
    /// request or "parts arrived" never takes stock ahead of an older request whose
    /// automatic pick-up was missed.
    async fn pick_up(&self, by: By<'_>, id: TicketId) -> AppResult<()> {
        let pairs: BTreeSet<(WarehouseId, PartId)> = store::lines_of(&self.db, id)
            .await?
            .iter()
            .filter(|l| l.status == PartLineStatus::Waiting)
            .map(|l| (l.warehouse_id, l.part_id))
            .collect();
        let pairs: Vec<_> = pairs.into_iter().collect();
        let touched = self.serve_queues(&pairs, Some((id, by))).await?;
        for other in touched.into_iter().filter(|t| *t != id) {
            self.arrive_as_system(other).await?;
        }
        Ok(())
    }

    /// Reserve a waiting line from the available stock at its warehouse: all of it, or, when
    /// fewer units are available, those units (the line is split: the rest waits on a new
    /// line). Returns the units reserved (0: none available, or the line moved meanwhile).
    async fn reserve_line(&self, by: By<'_>, line: PartLine) -> AppResult<i64> {
        let mut line = line;
        let (issuable, reserved) = aftercare_store::stock::query::availability(
            &self.db,
            line.warehouse_id,
            line.part_id.get(),
        )
        .await?;
        let available = issuable - reserved;
        if available <= 0 {
            return Ok(0);
        }
        let now = self.now();
        let fresh = |round: i64| (round + 1, Instant(now.millis() + RESERVATION_DAYS * DAY_MS));
        if available < line.qty {
            // The quantity changes, so it is a new ledger command: a new round.
            let round = fresh(line.reserve_round);
            let mut tx = self.db.begin_write().await?;
            let split = store::split_line(&mut tx, &line, available, round, now).await?;
            tx.commit().await?;
            if !split {
                return Ok(0);
            }
            line.qty = available;
            (line.reserve_round, line.reserve_until) = (round.0, Some(round.1));
        }
        // The expiry is part of the ledger command, so a retry must ask for the same one;
        // a new expiry (the old one is near) is a new round with a new key.
        let (round, until) = match line.reserve_until {
            Some(u) if u.millis() > now.millis() + HOUR_MS => (line.reserve_round, u),
            _ => {
                let next = fresh(line.reserve_round);
                let mut tx = self.db.begin_write().await?;
                let moved =
                    store::next_round(&mut tx, line.id, line.reserve_round, next, now).await?;
                tx.commit().await?;
                if !moved {
                    return Ok(0);
                }
                next
            }
        };
        let command = Command::Reserve {
            warehouse: line.warehouse_id,
            part: line.part_id,
            qty: qty(line.qty)?,
            consumer: Consumer::Ticket(line.ticket_id),
            expires_at: until,
        };
        let key = ledger_key(line.id, &format!("reserve:{round}"));
        match self.ledger_as(by, &key, command).await {
            Ok(r) => {
                let Some(Created::Reservation(rid)) = r.outcome.created else {
                    return Err(AppError::Unexpected("a reservation made nothing".into()));
                };
                let mut tx = self.db.begin_write().await?;
                match store::update_line(
                    &mut tx,
                    line.id,
                    PartLineStatus::Waiting,
                    &LineUpdate {
                        status: Some(PartLineStatus::Reserved),
                        reservation: Some(rid),
                        ..LineUpdate::default()
                    },
                    self.now(),
                )
                .await
                {
                    Ok(()) => tx.commit().await?,
                    // Another pick-up recorded the same (replayed) reservation first.
                    Err(aftercare_store::StoreError::Conflict(_)) => return Ok(0),
                    Err(e) => return Err(e.into()),
                }
                Ok(line.qty)
            }
            // Not enough available (or counting in a stocktake): the line waits.
            Err(AppError::Refused { code, .. })
                if matches!(
                    code.as_str(),
                    "stock.reservation" | "stock.reserved" | "stock.insufficient" | "stock.frozen"
                ) =>
            {
                Ok(0)
            }
            Err(e) => Err(e),
        }
    }

    /// Run a ledger command for a ticket's line as `by`. The caller has checked that `by`
    /// may act on the ticket (its station's warehouse), so the stock roles are not asked.
    async fn ledger_as(&self, by: By<'_>, key: &str, command: Command) -> AppResult<StockReceipt> {
        let key = IdempotencyKey::parse(key).map_err(|e| AppError::Unexpected(e.to_string()))?;
        match by {
            By::Actor(a) => self.stock_run(a, Some(key), command).await,
            By::System => self.stock_run_system(key, command).await,
        }
    }

    /// A ledger command committed: reserved lines whose reservation it ended (`ends`: see
    /// [`ends_reservations`]) wait again, lines whose reservation it shrank (a stocktake loss:
    /// the outcome's `trimmed_reservations`) are split so the missing units wait, then stock
    /// that became available (`freed`, plus what the ended reservations held) goes to the
    /// waiting lines of those parts at those warehouses in order of request time, tickets
    /// whose lines are then all reserved go on site, and tickets on site whose lost line
    /// found no stock wait for parts (all as the system). A failure is logged, never
    /// returned: the stock operation stands, and the parts sweep retries.
    pub(crate) async fn stock_freed(&self, freed: Freed, ends: bool, outcome: &Outcome) {
        // Only a stocktake loss shrinks reservations, and its outcome names them.
        let shrunk = !outcome.trimmed_reservations.is_empty();
        let lost = if ends || shrunk || outcome.expired_reservations > 0 {
            match self.reservations_lost(shrunk).await {
                Ok(lost) => lost,
                Err(e) => {
                    tracing::error!(error = %e, "checking ticket lines for ended reservations failed; the parts sweep retries");
                    Vec::new()
                }
            }
        } else {
            Vec::new()
        };
        if matches!(freed, Freed::Nothing) && lost.is_empty() {
            return;
        }
        if lost.is_empty() {
            match store::any_waiting(&self.db).await {
                Ok(true) => {}
                Ok(false) => return,
                Err(e) => {
                    tracing::error!(error = %e, "looking for waiting ticket parts failed; the parts sweep retries");
                    return;
                }
            }
        }
        let pairs = match freed {
            Freed::Nothing => Ok(Vec::new()),
            Freed::Movements => {
                let ids: Vec<i64> = outcome.movements.iter().map(|m| m.get()).collect();
                store::movement_pairs(&self.db, &ids).await
            }
            Freed::Reservation(r) => store::reservation_pair(&self.db, r)
                .await
                .map(|p| p.into_iter().collect()),
            Freed::Everywhere => store::waiting_pairs(&self.db).await,
        };
        let result = match pairs {
            Ok(mut pairs) => {
                pairs.extend(lost.iter().map(|(_, w, p)| (*w, *p)));
                pairs.sort();
                pairs.dedup();
                self.pick_up_after_loss(&pairs, &lost).await
            }
            Err(e) => Err(e.into()),
        };
        if let Err(e) = result {
            tracing::error!(error = %e, "picking up waiting ticket parts after a stock change failed; the parts sweep retries");
        }
    }

    /// Pick up the waiting lines of `pairs`, then the tickets of `lost` lines still waiting
    /// while on site wait for parts. Returns the tickets that went on site.
    async fn pick_up_after_loss(
        &self,
        pairs: &[(WarehouseId, PartId)],
        lost: &[(TicketId, WarehouseId, PartId)],
    ) -> AppResult<usize> {
        let moved = self.pick_up_waiting(pairs).await?;
        let tickets: BTreeSet<TicketId> = lost.iter().map(|(t, _, _)| *t).collect();
        for id in tickets {
            self.wait_again_as_system(id).await?;
        }
        Ok(moved)
    }

    /// Reserved lines whose ledger reservation is gone — expired, or released outside the
    /// ticket (at the stock desk, or shrunk to nothing by a stocktake loss) — wait again,
    /// keeping their request time (their place in the queue), with a note saying why; with
    /// `shrunk`, reserved lines whose reservation a stocktake loss shrank (not to nothing)
    /// keep what it still holds and their missing units wait on a new line
    /// ([`App::reservations_shrunk`]). Returns the ticket, warehouse and part of each line
    /// that waits again (or whose missing units wait).
    async fn reservations_lost(
        &self,
        shrunk: bool,
    ) -> AppResult<Vec<(TicketId, WarehouseId, PartId)>> {
        let mut out = Vec::new();
        for lost in store::lost_reservations(&self.db).await? {
            let line = lost.line;
            let Some(rid) = line.reservation_id else {
                continue;
            };
            let why = if lost.reservation_status == "expired" {
                format!("{RESERVATION_EXPIRED} (reservation {rid})")
            } else {
                format!("{RESERVATION_RELEASED} (reservation {rid})")
            };
            if !self.drop_queued_issue(&line, &why).await? {
                continue;
            }
            let mut tx = self.db.begin_write().await?;
            let moved = store::reservation_lost(&mut tx, line.id, rid, &why, self.now()).await?;
            tx.commit().await?;
            if moved {
                tracing::info!(
                    ticket = line.ticket_id.0,
                    line = line.id,
                    reservation = rid.get(),
                    "a ticket part line lost its reservation and waits again"
                );
                out.push((line.ticket_id, line.warehouse_id, line.part_id));
            }
        }
        if shrunk {
            out.extend(self.reservations_shrunk().await?);
        }
        Ok(out)
    }

    /// Reserved lines whose reservation a stocktake loss shrank to fewer units (not to
    /// nothing) no longer claim the units that are gone: each keeps what the reservation
    /// still holds (its issue in a new round), and the missing units wait on a new line
    /// `split_of` its request line with its request time (its place in the queue), both
    /// noted. The queued issue of such a line asked for the old quantity, so it is rejected
    /// like a lost reservation's; a line a manager is approving right now is left to the
    /// approval. Returns the ticket, warehouse and part of each line split.
    async fn reservations_shrunk(&self) -> AppResult<Vec<(TicketId, WarehouseId, PartId)>> {
        let mut out = Vec::new();
        for shrunk in store::shrunk_reservations(&self.db).await? {
            let (line, held) = (shrunk.line, shrunk.held);
            let Some(rid) = line.reservation_id else {
                continue;
            };
            let why = format!(
                "{RESERVATION_SHRUNK} (reservation {rid} holds {held} of {} units)",
                line.qty
            );
            if !self.drop_queued_issue(&line, &why).await? {
                continue;
            }
            let mut tx = self.db.begin_write().await?;
            let split = store::reservation_shrunk(&mut tx, &line, held, &why, self.now()).await?;
            tx.commit().await?;
            if split {
                tracing::info!(
                    ticket = line.ticket_id.0,
                    line = line.id,
                    reservation = rid.get(),
                    held,
                    missing = line.qty - held,
                    "a ticket part line's reservation shrank; the missing units wait again"
                );
                out.push((line.ticket_id, line.warehouse_id, line.part_id));
            }
        }
        Ok(out)
    }

    /// A reserved line is about to change under its queued issue (which names its old
    /// reservation and quantity): the queued issue is rejected as the system with `why`.
    /// False if the line must be left alone: a manager is approving that issue right now or
    /// approved it (the line follows the approval; an issue the ledger then refuses leaves
    /// the line for the next check). True if there was nothing queued, or it is rejected.
    async fn drop_queued_issue(&self, line: &PartLine, why: &str) -> AppResult<bool> {
        let Some(a) = line.approval_id else {
            return Ok(true);
        };
        let mut tx = self.db.begin_write().await?;
        let rejected = aftercare_store::stock::approvals::decide(
            &mut tx,
            a,
            "rejected",
            None,
            Some(why),
            None,
            self.now(),
        )
        .await?;
        tx.commit().await?;
        if rejected {
            return Ok(true);
        }
        let status = aftercare_store::stock::approvals::get(&self.db, a)
            .await?
            .map(|r| r.status);
        // Rejected by the manager meanwhile: the line changes like the rest.
        Ok(status.as_deref() == Some("rejected"))
    }

    /// A ticket on site with a line waiting again (its reservation was lost and no stock was
    /// there to reserve it anew) waits for parts, as the system. Accepted and scheduled
    /// tickets keep their status (the technician is not there yet; a request before the
    /// visit does not move them either), and a ticket already waiting for parts stays.
    async fn wait_again_as_system(&self, id: TicketId) -> AppResult<bool> {
        self.move_as_system(id, TicketStatus::OnSite, true, TicketAction::WaitForParts)
            .await
    }

    /// Apply `action` to ticket `id` as the system when it is in `from` and whether any of its
    /// lines waits equals `waiting`; false when not, or when someone acted on it meanwhile.
    async fn move_as_system(
        &self,
        id: TicketId,
        from: TicketStatus,
        waiting: bool,
        action: TicketAction,
    ) -> AppResult<bool> {
        let t = tickets_store::get_ticket(&self.db, id)
            .await?
            .ok_or_else(|| AppError::not_found("ticket"))?;
        if t.state.status != from
            || store::lines_of(&self.db, id)
                .await?
                .iter()
                .any(|l| l.status == PartLineStatus::Waiting)
                != waiting
        {
            return Ok(false);
        }
        match self
            .transition(&t, None, action, TicketExtras::default())
            .await
        {
            Ok(_) => Ok(true),
            // Someone acted on it between the read and the write: leave it to them.
            Err(AppError::Conflict { code, .. }) if code == "ticket.stale" => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Reserve the waiting lines of each (warehouse, part) oldest request first while stock
    /// is available, then move the tickets whose lines are all reserved on site. Returns the
    /// tickets that went on site.
    pub(crate) async fn pick_up_waiting(
        &self,
        pairs: &[(WarehouseId, PartId)],
    ) -> AppResult<usize> {
        let touched = self.serve_queues(pairs, None).await?;
        let mut moved = 0;
        for id in touched {
            if self.arrive_as_system(id).await? {
                moved += 1;
            }
        }
        Ok(moved)
    }

    /// Reserve the waiting lines of each (warehouse, part) oldest request first while stock
    /// is available (as the system; the lines of `own`'s ticket as `own`'s actor). Returns
    /// the tickets that got units.
    async fn serve_queues(
        &self,
        pairs: &[(WarehouseId, PartId)],
        own: Option<(TicketId, By<'_>)>,
    ) -> AppResult<BTreeSet<TicketId>> {
        let mut touched = BTreeSet::new();
        for (w, p) in pairs {
            for line in store::waiting_lines_at(&self.db, *w, *p).await? {
                let Some(t) = tickets_store::get_ticket(&self.db, line.ticket_id).await? else {
                    continue;
                };
                // Lines of a ticket the station no longer works are released by its
                // transition; until then they take nothing.
                if !station_works(t.state.status) {
                    continue;
                }
                let ticket = line.ticket_id;
                let by = match own {
                    Some((id, by)) if id == ticket => by,
                    _ => By::System,
                };
                let wanted = line.qty;
                let got = self.reserve_line(by, line).await?;
                if got > 0 {
                    touched.insert(ticket);
                }
                if got < wanted {
                    // First come, first served: nothing is left for later requests.
                    break;
                }
            }
        }
        Ok(touched)
    }

    /// A ticket waiting for parts with every line reserved goes on site, as the system.
    async fn arrive_as_system(&self, id: TicketId) -> AppResult<bool> {
        self.move_as_system(
            id,
            TicketStatus::WaitingForParts,
            false,
            TicketAction::PartsArrived,
        )
        .await
    }

    /// The periodic pick-up: approvals that stopped half-way are settled
    /// ([`App::recover_stalled_approvals`]), overdue reservations of ticket lines are expired
    /// in the ledger (as the system), lines whose reservation is gone wait again (and the missing units of
    /// lines whose reservation shrank wait on a new line), lines left open on tickets the
    /// station no longer works are released, every waiting line is tried against
    /// the stock available now (catching up a pick-up that failed after a stock change),
    /// tickets whose lines are all reserved go on site, and tickets on site whose lost line
    /// found no stock wait for parts. Returns the tickets that went on site.
    pub async fn parts_pickup_sweep(&self) -> AppResult<usize> {
        // Approvals that stopped half-way first: their lines then follow the paths below
        // (an ended ticket's line is released with the other open lines). A failure here must
        // not hold up every waiting ticket's pick-up; the next sweep tries again.
        if let Err(e) = self.recover_stalled_approvals().await {
            tracing::warn!(error = %e, "recovering approvals that stopped half-way failed");
        }
        let now = self.now();
        if store::any_reservation_past_expiry(&self.db, now).await? {
            // A ticket line holds a reservation past its expiry that the ledger has not marked
            // yet (nothing touched that part there since): run the ledger's expiry, whose
            // commit puts the lines back in the queue like any other expiry.
            let key =
                IdempotencyKey::parse(&format!("aftercare:parts-sweep:expire:{}", now.millis()))
                    .map_err(|e| AppError::Unexpected(e.to_string()))?;
            self.stock_run_system(key, Command::ExpireReservations)
                .await?;
        }
        // Lines whose reservation ended or shrank while the check after the command failed.
        let lost = self.reservations_lost(true).await?;
        // Lines left open on tickets the station no longer works (their release after the
        // cancel, recall or completion failed or raced an approval).
        for id in store::tickets_ended_with_open_lines(&self.db).await? {
            self.release_lines(By::System, id).await?;
        }
        let pairs = store::waiting_pairs(&self.db).await?;
        let mut moved = self.pick_up_after_loss(&pairs, &lost).await?;
        // Tickets left waiting for parts with nothing waiting (their pick-up committed but
        // the transition did not) go on site too.
        for id in store::waiting_tickets_without_waiting_lines(&self.db).await? {
            if self.arrive_as_system(id).await? {
                moved += 1;
            }
        }
        Ok(moved)
    }

    /// A ticket on site with a waiting line waits for parts.
    async fn follow_parts(&self, actor: &Actor, id: TicketId) -> AppResult<()> {
        let t = self.visible_ticket(actor, id).await?;
        let waiting = store::lines_of(&self.db, id)
            .await?
            .iter()
            .any(|l| l.status == PartLineStatus::Waiting);
        if t.state.status == TicketStatus::OnSite && waiting {
            self.act_now(
                actor,
                id,
                TicketAction::WaitForParts,
                TicketExtras::default(),
            )
            .await?;
        }
        Ok(())
    }

    /// Issue every reserved line to the ticket (the reservation is drawn down by the issue).
    pub async fn issue_parts(&self, actor: &Actor, id: TicketId) -> AppResult<TicketParts> {
        let (t, _) = self.parts_context(actor, id).await?;
        if !station_works(t.state.status) {
            return Err(conflict(
                "ticket.parts_not_now",
                format!(
                    "parts are issued while the station works the ticket; it is {}",
                    t.state.status
                ),
            ));
        }
        self.settle_decided_approvals(id).await?;
        let reserved: Vec<PartLine> = store::lines_of(&self.db, id)
            .await?
            .into_iter()
            .filter(|l| l.status == PartLineStatus::Reserved && l.approval_id.is_none())
            .collect();
        if reserved.is_empty() {
            return Err(conflict(
                "ticket.nothing_to_issue",
                "the ticket has no reserved parts to issue (lines awaiting a manager's approval are issued by the approval)",
            ));
        }
        for line in reserved {
            let command = Command::Issue {
                warehouse: line.warehouse_id,
                part: line.part_id,
                qty: qty(line.qty)?,
                consumer: Consumer::Ticket(id),
                reservation: line.reservation_id,
                approved_by: None,
            };
            // Above the approval limit the issue is queued for a manager instead of refused.
            match self
                .stock_submit_keyed(actor, Some(&issue_key(&line)), command)
                .await?
            {
                Submitted::Done(_) => self.mark_issued(&line).await?,
                Submitted::Pending { approval, .. } => match approval.status.as_str() {
                    "pending" => {
                        let mut tx = self.db.begin_write().await?;
                        store::await_approval(&mut tx, line.id, approval.id, self.now()).await?;
                        tx.commit().await?;
                    }
                    // Approved already (its line update was lost): the units are issued.
                    "approved" => self.mark_issued(&line).await?,
                    other => {
                        return Err(AppError::Unexpected(format!(
                            "the issue of line {} found approval {} {other}",
                            line.id, approval.id
                        )));
                    }
                },
            }
        }
        self.ticket_parts(actor, id).await
    }

    /// Lines still linked to an approval a manager has decided (the line update after the
    /// decision was lost) follow the decision now.
    async fn settle_decided_approvals(&self, id: TicketId) -> AppResult<()> {
        for line in store::lines_of(&self.db, id).await? {
            let (PartLineStatus::Reserved, Some(a)) = (line.status, line.approval_id) else {
                continue;
            };
            let Some(row) = aftercare_store::stock::approvals::get(&self.db, a).await? else {
                continue;
            };
            match row.status.as_str() {
                "approved" => self.ticket_issue_approved(a).await?,
                "rejected" => {
                    self.ticket_issue_rejected(a, row.decision_note.as_deref().unwrap_or(""))
                        .await?
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// A reserved line's units were issued by the ledger. Another path recording the same
    /// issue first (the cancel finding the approval approved) is not an error.
    async fn mark_issued(&self, line: &PartLine) -> AppResult<()> {
        let mut tx = self.db.begin_write().await?;
        match store::update_line(
            &mut tx,
            line.id,
            PartLineStatus::Reserved,
            &LineUpdate {
                status: Some(PartLineStatus::Issued),
                issued_at: Some(self.now()),
                ..LineUpdate::default()
            },
            self.now(),
        )
        .await
        {
            Ok(()) => {
                tx.commit().await?;
                Ok(())
            }
            Err(aftercare_store::StoreError::Conflict(m)) => {
                drop(tx);
                match self.line_now(line.ticket_id, line.id).await? {
                    Some(l)
                        if matches!(l.status, PartLineStatus::Issued | PartLineStatus::Settled) =>
                    {
                        Ok(())
                    }
                    _ => Err(aftercare_store::StoreError::Conflict(m).into()),
                }
            }
            Err(e) => Err(e.into()),
        }
    }

    /// The manager approved the queued issue `approval` (the ledger issued it): if it was a
    /// ticket line's, the line is issued — and if the ticket ended meanwhile (cancelled,
    /// recalled or completed while the manager approved), its units go straight back unused
    /// (the cancel left the line to this approval). Safe to repeat.
    pub(crate) async fn ticket_issue_approved(&self, approval: i64) -> AppResult<()> {
        let Some(line) = store::line_of_approval(&self.db, approval).await? else {
            return Ok(());
        };
        if line.status != PartLineStatus::Reserved {
            return Ok(());
        }
        self.mark_issued(&line).await?;
        self.return_if_ended(line.ticket_id, line.id).await
    }

    /// An approved issue's ticket ended: the line's units come back unused.
    async fn return_if_ended(&self, ticket: TicketId, line: i64) -> AppResult<()> {
        let t = tickets_store::get_ticket(&self.db, ticket)
            .await?
            .ok_or_else(|| AppError::not_found("ticket"))?;
        if station_works(t.state.status) {
            return Ok(());
        }
        self.return_after_end(By::System, line).await
    }

    /// The issue of `approval` did not run (the ledger refused the approved issue and it
    /// stays pending, or its stalled approval was rejected by the system): if it was a
    /// ticket line's and the ticket ended meanwhile, the line is released now (a pending
    /// approval is rejected: the ticket no longer needs it).
    pub(crate) async fn ticket_issue_failed(&self, approval: i64) -> AppResult<()> {
        let Some(line) = store::line_of_approval(&self.db, approval).await? else {
            return Ok(());
        };
        let t = tickets_store::get_ticket(&self.db, line.ticket_id)
            .await?
            .ok_or_else(|| AppError::not_found("ticket"))?;
        if station_works(t.state.status) {
            return Ok(());
        }
        self.release_lines(By::System, line.ticket_id).await
    }

    /// Whether `approval` queues a ticket line's issue whose ticket the station no longer
    /// works (cancelled, recalled or completed).
    pub(crate) async fn approval_ticket_ended(&self, approval: i64) -> AppResult<bool> {
        let Some(line) = store::line_of_approval(&self.db, approval).await? else {
            return Ok(false);
        };
        let t = tickets_store::get_ticket(&self.db, line.ticket_id)
            .await?
            .ok_or_else(|| AppError::not_found("ticket"))?;
        Ok(!station_works(t.state.status))
    }

    /// The manager rejected the queued issue `approval`: a ticket line stays reserved with
    /// the reason, and its next issue is a new request.
    pub(crate) async fn ticket_issue_rejected(&self, approval: i64, reason: &str) -> AppResult<()> {
        if let Some(line) = store::line_of_approval(&self.db, approval).await? {
            let note = format!("issue rejected: {reason}");
            let mut tx = self.db.begin_write().await?;
            store::approval_rejected(&mut tx, line.id, approval, &note, self.now()).await?;
            tx.commit().await?;
        }
        Ok(())
    }

    /// Complete the repair: every issued line reports its used and unused units (unused
    /// ones go back to stock by the ledger's return, with the issue date); in-warranty
    /// tickets owe the defective part back for every used unit; parts still reserved or
    /// waiting are released; then the ticket is completed with the work done and labour.
    pub async fn complete_repair(
        &self,
        actor: &Actor,
        id: TicketId,
        c: RepairCompletion,
    ) -> AppResult<TicketParts> {
        let (t, _) = self.parts_context(actor, id).await?;
        let action = TicketAction::Complete(Completion {
            actions_taken: c.actions_taken.clone(),
            fault_code: c.fault_code.map(FaultCodeId),
        });
        action.validate()?;
        if let Some(m) = c.labour_minutes
            && !(0..=100_000).contains(&m)
        {
            return Err(AppError::invalid("labour_minutes", "must be 0 to 100000"));
        }
        // The state machine must allow completing before any stock moves.
        let settings = tickets_store::get_settings(&self.db).await?;
        t.state
            .clone()
            .apply(
                ticket_actor(actor),
                action.clone(),
                self.now(),
                &settings.rules,
            )
            .map_err(transition_error)?;
        let lines = store::lines_of(&self.db, id).await?;
        let mut uses: BTreeMap<i64, PartUse> = BTreeMap::new();
        for (i, u) in c.parts.iter().enumerate() {
            let field = format!("parts[{i}]");
            let line = lines.iter().find(|l| l.id == u.line_id).ok_or_else(|| {
                AppError::invalid(
                    &format!("{field}.line_id"),
                    format!("the ticket has no part line {}", u.line_id),
                )
            })?;
            match line.status {
                PartLineStatus::Issued => {}
                // Recorded by an earlier attempt of this completion: must say the same.
                PartLineStatus::Settled
                    if line.qty_used == u.used && line.qty_returned == u.returned => {}
                PartLineStatus::Settled => {
                    return Err(AppError::invalid(
                        &field,
                        format!(
                            "line {} was already settled as {} used, {} returned",
                            line.id, line.qty_used, line.qty_returned
                        ),
                    ));
                }
                other => {
                    return Err(AppError::invalid(
                        &format!("{field}.line_id"),
                        format!("line {} is {other}, not issued", line.id),
                    ));
                }
            }
            check_settlement(&field, line.qty, u.used, u.returned)?;
            if uses.insert(u.line_id, *u).is_some() {
                return Err(AppError::invalid(
                    &format!("{field}.line_id"),
                    format!("line {} is listed twice", u.line_id),
                ));
            }
        }
        if let Some(l) = lines
            .iter()
            .find(|l| l.status == PartLineStatus::Issued && !uses.contains_key(&l.id))
        {
            return Err(AppError::invalid(
                "parts",
                format!(
                    "line {} ({} × {}) was issued: report its used and returned units",
                    l.id, l.qty, l.part_number
                ),
            ));
        }
        let warranty = t.warranty_status == WarrantyStatus::In;
        for line in lines.iter().filter(|l| l.status == PartLineStatus::Issued) {
            let u = uses[&line.id];
            if u.returned > 0 {
                let issued_at = line.issued_at.ok_or_else(|| {
                    AppError::Unexpected(format!("issued line {} without issue time", line.id))
                })?;
                let command = Command::ReturnUnused {
                    consumer: Consumer::Ticket(id),
                    warehouse: line.warehouse_id,
                    part: line.part_id,
                    qty: qty(u.returned)?,
                    issued_at,
                };
                self.stock_execute_keyed(actor, Some(&ledger_key(line.id, "return")), command)
                    .await?;
            }
            let now = self.now();
            let mut tx = self.db.begin_write().await?;
            store::update_line(
                &mut tx,
                line.id,
                PartLineStatus::Issued,
                &LineUpdate {
                    status: Some(PartLineStatus::Settled),
                    settled: Some((u.used, u.returned)),
                    ..LineUpdate::default()
                },
                now,
            )
            .await?;
            if warranty && u.used > 0 {
                let due = Instant(now.millis() + OLD_FOR_NEW_DAYS * DAY_MS);
                store::insert_obligation(&mut tx, line, u.used, due, now).await?;
            }
            tx.commit().await?;
        }
        self.release_ticket_parts(actor, id).await?;
        let extras = TicketExtras {
            actions_taken: Some(c.actions_taken.trim().to_string()),
            labour_minutes: c.labour_minutes,
        };
        self.act_now(actor, id, action, extras).await?;
        self.ticket_parts(actor, id).await
    }

    /// The defective part of an old-for-new obligation came back: received into the
    /// defective condition by the ledger's defective return, and the obligation is closed.
    pub async fn receive_defective_part(
        &self,
        actor: &Actor,
        id: TicketId,
        obligation: i64,
    ) -> AppResult<TicketParts> {
        self.parts_context(actor, id).await?;
        let o = store::obligations_of(&self.db, id)
            .await?
            .into_iter()
            .find(|o| o.id == obligation)
            .ok_or_else(|| AppError::not_found(format!("return obligation {obligation}")))?;
        if o.status != ObligationStatus::Open {
            return Err(conflict(
                "ticket.return_received",
                format!("the defective part of obligation {obligation} was already received"),
            ));
        }
        let command = Command::DefectiveReturn {
            consumer: Consumer::Ticket(id),
            warehouse: o.warehouse_id,
            part: o.part_id,
            qty: qty(o.qty)?,
        };
        let key = format!("aftercare:ticket-return:{obligation}:defective");
        let r = self.stock_execute_keyed(actor, Some(&key), command).await?;
        let lot = match r.outcome.created {
            Some(Created::Lot(l)) => Some(l.get()),
            _ => None,
        };
        let mut tx = self.db.begin_write().await?;
        store::mark_received(&mut tx, obligation, lot, self.now()).await?;
        tx.commit().await?;
        self.ticket_parts(actor, id).await
    }

    /// Give up every waiting or reserved line of a ticket (reservations released in the
    /// ledger), and return the units of every issued line to the station warehouse as unused
    /// (the ledger's return of unused parts, keyed per line like completion's return, so a
    /// retry returns nothing twice; the line is settled as 0 used, all returned, with a
    /// note). The caller has already been allowed to act on the ticket (cancel, recall,
    /// complete), so this runs without the stock roles.
    pub(crate) async fn release_ticket_parts(&self, actor: &Actor, id: TicketId) -> AppResult<()> {
        self.release_lines(By::Actor(actor), id).await
    }

    /// [`App::release_ticket_parts`] as `by`. A line whose issue a manager is approving at
    /// this moment is left to the approval, which returns the units once issued when it
    /// finds the ticket ended ([`App::ticket_issue_approved`]) or releases the line if the
    /// issue is refused ([`App::ticket_issue_failed`]); the cancel and the approval decide
    /// through the same approval row (a reject only wins while nobody is approving).
    async fn release_lines(&self, by: By<'_>, id: TicketId) -> AppResult<()> {
        // Waiting lines first: they hold nothing, and once none waits the stock given back
        // below cannot be picked up again for this same ticket (completion releases before
        // the ticket leaves on_site).
        for line in store::lines_of(&self.db, id).await? {
            if line.status == PartLineStatus::Waiting {
                let mut tx = self.db.begin_write().await?;
                match store::update_line(
                    &mut tx,
                    line.id,
                    PartLineStatus::Waiting,
                    &LineUpdate {
                        status: Some(PartLineStatus::Released),
                        ..LineUpdate::default()
                    },
                    self.now(),
                )
                .await
                {
                    Ok(()) => tx.commit().await?,
                    // Reserved by a pick-up meanwhile: released below.
                    Err(aftercare_store::StoreError::Conflict(_)) => {}
                    Err(e) => return Err(e.into()),
                }
            }
        }
        for line in store::lines_of(&self.db, id).await? {
            if line.status == PartLineStatus::Issued {
                self.return_after_end(by, line.id).await?;
                continue;
            }
            if !line.status.is_open() {
                continue;
            }
            if let Some(a) = line.approval_id {
                // Its issue waits for a manager: the ticket no longer needs it.
                let mut tx = self.db.begin_write().await?;
                let rejected = aftercare_store::stock::approvals::decide(
                    &mut tx,
                    a,
                    "rejected",
                    None,
                    Some("the ticket ended before the issue was approved"),
                    None,
                    self.now(),
                )
                .await?;
                tx.commit().await?;
                if !rejected {
                    match aftercare_store::stock::approvals::get(&self.db, a)
                        .await?
                        .map(|r| r.status)
                        .as_deref()
                    {
                        // Approved meanwhile: the units were issued, so they come back unused.
                        Some("approved") => {
                            self.return_after_end(by, line.id).await?;
                            continue;
                        }
                        // A manager is approving it right now: the approval finishes the line.
                        Some("pending") => continue,
                        // Rejected by the manager meanwhile: released like any reserved line.
                        _ => {}
                    }
                }
            }
            if let (PartLineStatus::Reserved, Some(rid)) = (line.status, line.reservation_id) {
                match self
                    .ledger_as(
                        by,
                        &ledger_key(line.id, "release"),
                        Command::ReleaseReservation { reservation: rid },
                    )
                    .await
                {
                    Ok(_) => {}
                    Err(AppError::Refused { code, .. }) if code == "stock.reservation" => {
                        if store::reservation_status(&self.db, rid).await?.as_deref()
                            == Some("fulfilled")
                        {
                            // Issued meanwhile (an issue racing the cancel): the units were
                            // handed out for a ticket that ended, so they come back unused.
                            self.return_after_end(by, line.id).await?;
                            continue;
                        }
                        // Expired or released meanwhile: it holds nothing any more.
                    }
                    Err(e) => return Err(e),
                }
            }
            let mut tx = self.db.begin_write().await?;
            match store::update_line(
                &mut tx,
                line.id,
                line.status,
                &LineUpdate {
                    status: Some(PartLineStatus::Released),
                    ..LineUpdate::default()
                },
                self.now(),
            )
            .await
            {
                Ok(()) => tx.commit().await?,
                Err(aftercare_store::StoreError::Conflict(_)) => {
                    drop(tx);
                    // Back to waiting meanwhile (its reservation ended as it was released):
                    // it holds nothing, so it is given up as a waiting line. Anything else
                    // moved it on already (a concurrent release).
                    if self
                        .line_now(id, line.id)
                        .await?
                        .is_some_and(|l| l.status == PartLineStatus::Waiting)
                    {
                        let mut tx = self.db.begin_write().await?;
                        if store::update_line(
                            &mut tx,
                            line.id,
                            PartLineStatus::Waiting,
                            &LineUpdate {
                                status: Some(PartLineStatus::Released),
                                ..LineUpdate::default()
                            },
                            self.now(),
                        )
                        .await
                        .is_ok()
                        {
                            tx.commit().await?;
                        }
                    }
                }
                Err(e) => return Err(e.into()),
            }
        }
        Ok(())
    }

    /// One line of a ticket, as it is now.
    async fn line_now(&self, ticket: TicketId, line: i64) -> AppResult<Option<PartLine>> {
        Ok(store::lines_of(&self.db, ticket)
            .await?
            .into_iter()
            .find(|l| l.id == line))
    }

    /// A line's units were (or are about to be recorded as) issued for a ticket that has
    /// ended: the line is marked issued if its update was not made yet, and its units go back
    /// to the shelf unused. Safe to repeat, and to run from the cancel and the approval at
    /// once: the ledger return is keyed per line (one return, whoever asks), and the line
    /// moves only forward.
    async fn return_after_end(&self, by: By<'_>, line_id: i64) -> AppResult<()> {
        let ticket = store::ticket_of_line(&self.db, line_id)
            .await?
            .ok_or_else(|| AppError::not_found(format!("part line {line_id}")))?;
        let Some(line) = self.line_now(ticket, line_id).await? else {
            return Ok(());
        };
        if line.status == PartLineStatus::Reserved {
            self.mark_issued(&line).await?;
        }
        match self.line_now(ticket, line_id).await? {
            Some(l) if l.status == PartLineStatus::Issued => {
                self.return_issued_unused(by, &l).await
            }
            _ => Ok(()),
        }
    }

    /// The ticket ended with a line issued and not used: its units go back to the shelf.
    async fn return_issued_unused(&self, by: By<'_>, line: &PartLine) -> AppResult<()> {
        let issued_at = line.issued_at.ok_or_else(|| {
            AppError::Unexpected(format!("issued line {} without issue time", line.id))
        })?;
        let command = Command::ReturnUnused {
            consumer: Consumer::Ticket(line.ticket_id),
            warehouse: line.warehouse_id,
            part: line.part_id,
            qty: qty(line.qty)?,
            issued_at,
        };
        self.ledger_as(by, &ledger_key(line.id, "return"), command)
            .await?;
        let mut tx = self.db.begin_write().await?;
        match store::update_line(
            &mut tx,
            line.id,
            PartLineStatus::Issued,
            &LineUpdate {
                status: Some(PartLineStatus::Settled),
                settled: Some((0, line.qty)),
                note: Some(RETURNED_ON_CANCEL.to_string()),
                ..LineUpdate::default()
            },
            self.now(),
        )
        .await
        {
            Ok(()) => tx.commit().await?,
            // Settled by the other path at the same moment (the same keyed return).
            Err(aftercare_store::StoreError::Conflict(_)) => {}
            Err(e) => return Err(e.into()),
        }
        Ok(())
    }
}

impl App {
    /// A part by part number (normalised like the part master stores it), for forms where
    /// a person types it.
    pub async fn part_id_by_number(&self, number: &str) -> AppResult<PartId> {
        let n = aftercare_domain::part::PartNumber::parse(number)?;
        store::part_by_number(&self.db, n.as_str())
            .await?
            .ok_or_else(|| {
                AppError::invalid("part_number", format!("there is no part '{}'", n.as_str()))
            })
    }
}

/// A fresh key for one parts request form (a resubmitted form reuses it and adds nothing).
pub fn new_parts_request_key() -> String {
    format!("ui-{:016x}", rand::random::<u64>())
}
