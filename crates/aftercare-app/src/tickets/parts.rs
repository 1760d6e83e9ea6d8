//! Parts on a service ticket, through the stock ledger: the station requests parts against
//! the ticket (reserved at the station's own warehouse for consumer `ticket:<id>`), issues
//! them, and on completion reports used and unused units (unused ones go back to stock by
//! the ledger's return). A line with no available stock waits, the ticket goes to
//! `waiting_for_parts` and the available declared substitutes are offered; `parts_arrived`
//! picks the waiting lines up. In-warranty repairs owe the defective part back for every
//! part used (old-for-new), closed by the ledger's defective return. Cancelling or recalling
//! the ticket releases its reservations.
//!
//! Every ledger call carries an idempotency key derived from the line (`aftercare:ticket-part:
//! <line>:<step>`), so a retried call never reserves, issues or returns twice.

use super::{ticket_actor, transition_error};
use crate::App;
use crate::access::Actor;
use crate::error::{AppError, AppResult};
use aftercare_domain::part::substitutes_of;
use aftercare_domain::stock::{Command, Consumer, Created, IdempotencyKey, Qty, offer_substitutes};
use aftercare_domain::ticket::parts::{
    MAX_REQUEST_LINES, ObligationStatus, PartLineStatus, check_line_qty, check_settlement,
};
use aftercare_domain::ticket::{Completion, TicketAction, TicketStatus};
use aftercare_domain::warranty::WarrantyStatus;
use aftercare_domain::{FaultCodeId, Instant, PartId, Role, TicketId, WarehouseId};
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
        self.pick_up(actor, id).await?;
        self.follow_parts(actor, id, false).await?;
        self.ticket_parts(actor, id).await
    }

    /// The awaited parts arrived: reserve every waiting line that is now available; when
    /// none waits any more, a ticket waiting for parts goes back on site.
    pub async fn parts_arrived(&self, actor: &Actor, id: TicketId) -> AppResult<TicketParts> {
        self.parts_context(actor, id).await?;
        self.pick_up(actor, id).await?;
        self.follow_parts(actor, id, true).await?;
        self.ticket_parts(actor, id).await
    }

    /// Try to reserve every waiting line of the ticket.
    async fn pick_up(&self, actor: &Actor, id: TicketId) -> AppResult<()> {
        for line in store::lines_of(&self.db, id).await? {
            if line.status != PartLineStatus::Waiting {
                continue;
            }
            let now = self.now();
            // The expiry is part of the ledger command, so a retry must ask for the same one;
            // a new expiry (the old one is near) is a new round with a new key.
            let (round, until) = match line.reserve_until {
                Some(u) if u.millis() > now.millis() + HOUR_MS => (line.reserve_round, u),
                _ => {
                    let next = (
                        line.reserve_round + 1,
                        Instant(now.millis() + RESERVATION_DAYS * DAY_MS),
                    );
                    let mut tx = self.db.begin_write().await?;
                    store::update_line(
                        &mut tx,
                        line.id,
                        PartLineStatus::Waiting,
                        &LineUpdate {
                            round: Some(next),
                            ..LineUpdate::default()
                        },
                        now,
                    )
                    .await?;
                    tx.commit().await?;
                    next
                }
            };
            let command = Command::Reserve {
                warehouse: line.warehouse_id,
                part: line.part_id,
                qty: qty(line.qty)?,
                consumer: Consumer::Ticket(id),
                expires_at: until,
            };
            let key = ledger_key(line.id, &format!("reserve:{round}"));
            match self.stock_execute(actor, Some(&key), command).await {
                Ok(r) => {
                    let Some(Created::Reservation(rid)) = r.outcome.created else {
                        return Err(AppError::Unexpected("a reservation made nothing".into()));
                    };
                    let mut tx = self.db.begin_write().await?;
                    store::update_line(
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
                    .await?;
                    tx.commit().await?;
                }
                // Not enough available (or counting in a stocktake): the line waits.
                Err(AppError::Refused { code, .. })
                    if matches!(
                        code.as_str(),
                        "stock.reservation"
                            | "stock.reserved"
                            | "stock.insufficient"
                            | "stock.frozen"
                    ) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    /// Keep the ticket's status in step with its lines: on site with a waiting line → waiting
    /// for parts; with `arrived`, waiting for parts with none waiting → on site.
    async fn follow_parts(&self, actor: &Actor, id: TicketId, arrived: bool) -> AppResult<()> {
        let t = self.visible_ticket(actor, id).await?;
        let waiting = store::lines_of(&self.db, id)
            .await?
            .iter()
            .any(|l| l.status == PartLineStatus::Waiting);
        let action = match t.state.status {
            TicketStatus::OnSite if waiting => TicketAction::WaitForParts,
            TicketStatus::WaitingForParts if arrived && !waiting => TicketAction::PartsArrived,
            _ => return Ok(()),
        };
        self.act(actor, id, action, TicketExtras::default()).await?;
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
        let reserved: Vec<PartLine> = store::lines_of(&self.db, id)
            .await?
            .into_iter()
            .filter(|l| l.status == PartLineStatus::Reserved)
            .collect();
        if reserved.is_empty() {
            return Err(conflict(
                "ticket.nothing_to_issue",
                "the ticket has no reserved parts to issue",
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
            self.stock_execute(actor, Some(&ledger_key(line.id, "issue")), command)
                .await?;
            let mut tx = self.db.begin_write().await?;
            store::update_line(
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
            .await?;
            tx.commit().await?;
        }
        self.ticket_parts(actor, id).await
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
                self.stock_execute(actor, Some(&ledger_key(line.id, "return")), command)
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
        self.act(actor, id, action, extras).await?;
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
        let r = self.stock_execute(actor, Some(&key), command).await?;
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
    /// ledger). The caller has already been allowed to act on the ticket (cancel, recall,
    /// complete), so the release runs without the stock roles.
    pub(crate) async fn release_ticket_parts(&self, actor: &Actor, id: TicketId) -> AppResult<()> {
        for line in store::lines_of(&self.db, id).await? {
            if !line.status.is_open() {
                continue;
            }
            if let (PartLineStatus::Reserved, Some(rid)) = (line.status, line.reservation_id) {
                let key = IdempotencyKey::parse(&ledger_key(line.id, "release"))
                    .map_err(|e| AppError::Unexpected(e.to_string()))?;
                match self
                    .stock_run(
                        actor,
                        Some(key),
                        Command::ReleaseReservation { reservation: rid },
                    )
                    .await
                {
                    Ok(_) => {}
                    // Expired meanwhile: it holds nothing any more.
                    Err(AppError::Refused { code, .. }) if code == "stock.reservation" => {}
                    Err(e) => return Err(e),
                }
            }
            let mut tx = self.db.begin_write().await?;
            store::update_line(
                &mut tx,
                line.id,
                line.status,
                &LineUpdate {
                    status: Some(PartLineStatus::Released),
                    ..LineUpdate::default()
                },
                self.now(),
            )
            .await?;
            tx.commit().await?;
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
