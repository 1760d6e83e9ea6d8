//! The ticket side of parts on a service ticket: requested lines and old-for-new return
//! obligations. Stock itself is moved by the ledger writer; these rows say which ledger step
//! each line has reached (see migration 0006).

use crate::{Db, StoreError, StoreResult, Tx, on_db, on_tx};
use aftercare_domain::ticket::parts::{ObligationStatus, PartLineStatus};
use aftercare_domain::{Instant, PartId, ReservationId, StationId, TicketId, WarehouseId};
use serde::Serialize;

/// One requested parts line of a ticket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PartLine {
    /// The line.
    pub id: i64,
    /// The ticket.
    pub ticket_id: TicketId,
    /// The client key of the request that added it.
    pub request_key: String,
    /// Its position in that request.
    pub request_line: i64,
    /// The station warehouse it is drawn from.
    pub warehouse_id: WarehouseId,
    /// The part.
    pub part_id: PartId,
    /// Part number.
    pub part_number: String,
    /// Part name (Chinese).
    pub part_name: String,
    /// Units requested.
    pub qty: i64,
    /// Where the line is.
    pub status: PartLineStatus,
    /// The ledger reservation (reserved and later).
    pub reservation_id: Option<ReservationId>,
    /// Reservation attempt round (part of the ledger idempotency key).
    pub reserve_round: i64,
    /// Expiry asked for in the current round.
    pub reserve_until: Option<Instant>,
    /// When the units were issued.
    pub issued_at: Option<Instant>,
    /// Units used in the repair (settled).
    pub qty_used: i64,
    /// Units returned unused to stock (settled).
    pub qty_returned: i64,
    /// The original request line this one was split from (partial reservation: the rest
    /// waits on this line).
    pub split_of: Option<i64>,
    /// The pending manager approval of this line's issue (above the approval limit).
    pub approval_id: Option<i64>,
    /// Issue attempt round (part of the issue's ledger idempotency key; a rejected approval
    /// starts a new round).
    pub issue_round: i64,
    /// Why the line is where it is (approval rejected, returned on cancel), if noted.
    pub note: Option<String>,
    /// Created (a split line keeps its original's, so it keeps its place in the queue).
    pub created_at: Instant,
    /// Last changed.
    pub updated_at: Instant,
}

#[derive(sqlx::FromRow)]
struct LineRow {
    id: i64,
    ticket_id: i64,
    request_key: String,
    request_line: i64,
    warehouse_id: i64,
    part_id: i64,
    part_number: String,
    part_name: String,
    qty: i64,
    status: String,
    reservation_id: Option<i64>,
    reserve_round: i64,
    reserve_until: Option<i64>,
    issued_at: Option<i64>,
    qty_used: i64,
    qty_returned: i64,
    split_of: Option<i64>,
    approval_id: Option<i64>,
    issue_round: i64,
    note: Option<String>,
    created_at: i64,
    updated_at: i64,
}

impl LineRow {
    fn into_line(self) -> StoreResult<PartLine> {
        Ok(PartLine {
            id: self.id,
            ticket_id: TicketId(self.ticket_id),
            request_key: self.request_key,
            request_line: self.request_line,
            warehouse_id: WarehouseId(self.warehouse_id),
            part_id: PartId(self.part_id),
            part_number: self.part_number,
            part_name: self.part_name,
            qty: self.qty,
            status: PartLineStatus::parse(&self.status)
                .map_err(|e| StoreError::Database(format!("bad stored value: {e}")))?,
            reservation_id: self.reservation_id.map(ReservationId),
            reserve_round: self.reserve_round,
            reserve_until: self.reserve_until.map(Instant),
            issued_at: self.issued_at.map(Instant),
            qty_used: self.qty_used,
            qty_returned: self.qty_returned,
            split_of: self.split_of,
            approval_id: self.approval_id,
            issue_round: self.issue_round,
            note: self.note,
            created_at: Instant(self.created_at),
            updated_at: Instant(self.updated_at),
        })
    }
}

const LINE_SELECT: &str = "SELECT l.id, l.ticket_id, l.request_key, l.request_line, l.warehouse_id, l.part_id, \
     p.part_number, p.name_zh AS part_name, l.qty, l.status, l.reservation_id, l.reserve_round, l.reserve_until, \
     l.issued_at, l.qty_used, l.qty_returned, l.split_of, l.approval_id, l.issue_round, l.note, \
     l.created_at, l.updated_at \
     FROM ticket_part_lines l JOIN parts p ON p.id = l.part_id";

/// The active station warehouse of a station (the lowest id if it has several).
pub async fn station_warehouse(db: &Db, station: StationId) -> StoreResult<Option<WarehouseId>> {
    let id: Option<i64> = on_db!(db, |p| {
        sqlx::query_scalar(
            "SELECT id FROM warehouses WHERE station_id = $1 AND kind = 'station' AND active ORDER BY id LIMIT 1",
        )
        .bind(station.0)
        .fetch_optional(p)
        .await
    })?;
    Ok(id.map(WarehouseId))
}

/// Every line of a ticket, oldest first.
pub async fn lines_of(db: &Db, ticket: TicketId) -> StoreResult<Vec<PartLine>> {
    let sql = format!("{LINE_SELECT} WHERE l.ticket_id = $1 ORDER BY l.id");
    let rows: Vec<LineRow> = on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(ticket.0)
        .fetch_all(p)
        .await)?;
    rows.into_iter().map(LineRow::into_line).collect()
}

/// Add the lines of one request, unless lines under the same key exist already (a retry:
/// nothing is added). Returns the lines under the key, by position, each with the units
/// asked for (its own plus those of the lines split from it).
pub async fn insert_request(
    tx: &mut Tx,
    ticket: TicketId,
    key: &str,
    warehouse: WarehouseId,
    lines: &[(PartId, i64)],
    now: Instant,
) -> StoreResult<Vec<(i64, PartId, i64)>> {
    let existing = request_lines(tx, ticket, key).await?;
    if !existing.is_empty() {
        return Ok(existing);
    }
    for (i, (part, qty)) in lines.iter().enumerate() {
        on_tx!(tx, |c| {
            sqlx::query(
                "INSERT INTO ticket_part_lines (ticket_id, request_key, request_line, warehouse_id, part_id, qty, status, \
                 reserve_round, qty_used, qty_returned, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, 'waiting', 0, 0, 0, $7, $7)",
            )
            .bind(ticket.0)
            .bind(key)
            .bind(i as i64)
            .bind(warehouse.get())
            .bind(part.get())
            .bind(*qty)
            .bind(now.millis())
            .execute(c)
            .await
            .map(|_| ())
        })?;
    }
    request_lines(tx, ticket, key).await
}

async fn request_lines(
    tx: &mut Tx,
    ticket: TicketId,
    key: &str,
) -> StoreResult<Vec<(i64, PartId, i64)>> {
    let rows: Vec<(i64, i64, i64)> = on_tx!(tx, |c| {
        sqlx::query_as(
            "SELECT l.id, l.part_id, CAST(l.qty + COALESCE((SELECT SUM(c.qty) FROM ticket_part_lines c WHERE c.split_of = l.id), 0) AS BIGINT) \
             FROM ticket_part_lines l WHERE l.ticket_id = $1 AND l.request_key = $2 AND l.split_of IS NULL ORDER BY l.request_line",
        )
        .bind(ticket.0)
        .bind(key)
        .fetch_all(c)
        .await
    })?;
    Ok(rows
        .into_iter()
        .map(|(id, p, q)| (id, PartId(p), q))
        .collect())
}

/// What a line update writes.
#[derive(Debug, Clone, Default)]
pub struct LineUpdate {
    /// New status (checked against the current one).
    pub status: Option<PartLineStatus>,
    /// Reservation made.
    pub reservation: Option<ReservationId>,
    /// New reservation round and expiry.
    pub round: Option<(i64, Instant)>,
    /// Issue time.
    pub issued_at: Option<Instant>,
    /// Used and returned units.
    pub settled: Option<(i64, i64)>,
    /// Why (kept as it is when none).
    pub note: Option<String>,
}

/// Move a line on from `from`; refused (Conflict) if it is no longer there.
pub async fn update_line(
    tx: &mut Tx,
    line: i64,
    from: PartLineStatus,
    u: &LineUpdate,
    now: Instant,
) -> StoreResult<()> {
    let to = u.status.unwrap_or(from);
    if to != from && !from.may_become(to) {
        return Err(StoreError::Conflict(format!(
            "part line {line} cannot go from {from} to {to}"
        )));
    }
    let n = on_tx!(tx, |c| {
        sqlx::query(
            "UPDATE ticket_part_lines SET status = $1, \
             reservation_id = COALESCE($2, reservation_id), \
             reserve_round = COALESCE($3, reserve_round), reserve_until = COALESCE($4, reserve_until), \
             issued_at = COALESCE($5, issued_at), \
             qty_used = COALESCE($6, qty_used), qty_returned = COALESCE($7, qty_returned), updated_at = $8, \
             note = COALESCE($11, note), approval_id = CASE WHEN $1 = 'issued' THEN NULL ELSE approval_id END \
             WHERE id = $9 AND status = $10",
        )
        .bind(to.code())
        .bind(u.reservation.map(|r| r.get()))
        .bind(u.round.map(|r| r.0))
        .bind(u.round.map(|r| r.1.millis()))
        .bind(u.issued_at.map(|i| i.millis()))
        .bind(u.settled.map(|s| s.0))
        .bind(u.settled.map(|s| s.1))
        .bind(now.millis())
        .bind(line)
        .bind(from.code())
        .bind(u.note.as_deref())
        .execute(c)
        .await
        .map(|r| r.rows_affected())
    })?;
    if n == 1 {
        Ok(())
    } else {
        Err(StoreError::Conflict(format!(
            "part line {line} is no longer {from}"
        )))
    }
}

/// An old-for-new return obligation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReturnObligation {
    /// The obligation.
    pub id: i64,
    /// The ticket.
    pub ticket_id: TicketId,
    /// The settled line whose used units must come back.
    pub line_id: i64,
    /// The warehouse the defective part goes to.
    pub warehouse_id: WarehouseId,
    /// The part.
    pub part_id: PartId,
    /// Part number.
    pub part_number: String,
    /// Units owed.
    pub qty: i64,
    /// When they are due.
    pub due_at: Instant,
    /// Open or received.
    pub status: ObligationStatus,
    /// When they came back.
    pub received_at: Option<Instant>,
    /// The ledger lot the defective units were received as.
    pub lot_id: Option<i64>,
}

type ObligationRow = (
    i64,
    i64,
    i64,
    i64,
    i64,
    String,
    i64,
    i64,
    String,
    Option<i64>,
    Option<i64>,
);

fn obligation(r: ObligationRow) -> StoreResult<ReturnObligation> {
    Ok(ReturnObligation {
        id: r.0,
        ticket_id: TicketId(r.1),
        line_id: r.2,
        warehouse_id: WarehouseId(r.3),
        part_id: PartId(r.4),
        part_number: r.5,
        qty: r.6,
        due_at: Instant(r.7),
        status: ObligationStatus::parse(&r.8)
            .map_err(|e| StoreError::Database(format!("bad stored value: {e}")))?,
        received_at: r.9.map(Instant),
        lot_id: r.10,
    })
}

const OBLIGATION_SELECT: &str = "SELECT o.id, o.ticket_id, o.line_id, o.warehouse_id, o.part_id, p.part_number, o.qty, \
     o.due_at, o.status, o.received_at, o.lot_id FROM ticket_part_returns o JOIN parts p ON p.id = o.part_id";

/// Open an obligation for a settled line (nothing if it has one already).
pub async fn insert_obligation(
    tx: &mut Tx,
    line: &PartLine,
    qty: i64,
    due: Instant,
    now: Instant,
) -> StoreResult<()> {
    on_tx!(tx, |c| {
        sqlx::query(
            "INSERT INTO ticket_part_returns (ticket_id, line_id, warehouse_id, part_id, qty, due_at, status, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, 'open', $7) ON CONFLICT (line_id) DO NOTHING",
        )
        .bind(line.ticket_id.0)
        .bind(line.id)
        .bind(line.warehouse_id.get())
        .bind(line.part_id.get())
        .bind(qty)
        .bind(due.millis())
        .bind(now.millis())
        .execute(c)
        .await
        .map(|_| ())
    })?;
    Ok(())
}

/// The obligations of a ticket, oldest first.
pub async fn obligations_of(db: &Db, ticket: TicketId) -> StoreResult<Vec<ReturnObligation>> {
    let sql = format!("{OBLIGATION_SELECT} WHERE o.ticket_id = $1 ORDER BY o.id");
    let rows: Vec<ObligationRow> =
        on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(ticket.0)
            .fetch_all(p)
            .await)?;
    rows.into_iter().map(obligation).collect()
}

/// Every open obligation (optionally of one station's warehouses), by due date.
pub async fn open_obligations(
    db: &Db,
    station: Option<StationId>,
) -> StoreResult<Vec<ReturnObligation>> {
    let sql = format!(
        "{OBLIGATION_SELECT} JOIN warehouses w ON w.id = o.warehouse_id \
         WHERE o.status = 'open' AND ($1 IS NULL OR w.station_id = $1) ORDER BY o.due_at, o.id"
    );
    let rows: Vec<ObligationRow> =
        on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(station.map(|s| s.0))
            .fetch_all(p)
            .await)?;
    rows.into_iter().map(obligation).collect()
}

/// Close an open obligation with the lot its defective units came back as.
pub async fn mark_received(
    tx: &mut Tx,
    id: i64,
    lot: Option<i64>,
    now: Instant,
) -> StoreResult<()> {
    let n = on_tx!(tx, |c| {
        sqlx::query(
            "UPDATE ticket_part_returns SET status = 'received', received_at = $1, lot_id = $2 WHERE id = $3 AND status = 'open'",
        )
        .bind(now.millis())
        .bind(lot)
        .bind(id)
        .execute(c)
        .await
        .map(|r| r.rows_affected())
    })?;
    if n == 1 {
        Ok(())
    } else {
        Err(StoreError::Conflict(format!(
            "return obligation {id} is no longer open"
        )))
    }
}

/// The substitution rules naming `part` on either side (what
/// [`aftercare_domain::part::substitutes_of`] needs to list its substitutes).
pub async fn substitute_rules_of(
    db: &Db,
    part: PartId,
) -> StoreResult<Vec<aftercare_domain::part::SubstituteRule>> {
    use aftercare_domain::part::{SubstituteDirection, SubstituteRule};
    let rows: Vec<(i64, i64, String, i64, String)> = on_db!(db, |p| {
        sqlx::query_as(
            "SELECT part_id, substitute_id, direction, priority, instruction FROM part_substitutes \
             WHERE part_id = $1 OR substitute_id = $1 ORDER BY part_id, substitute_id",
        )
        .bind(part.get())
        .fetch_all(p)
        .await
    })?;
    rows.into_iter()
        .map(|(p, s, dir, prio, instruction)| {
            Ok(SubstituteRule {
                part: PartId(p),
                substitute: PartId(s),
                direction: SubstituteDirection::parse(&dir).ok_or_else(|| {
                    StoreError::Database(format!(
                        "stored substitute direction '{dir}' is not known"
                    ))
                })?,
                priority: u16::try_from(prio).unwrap_or(u16::MAX),
                instruction,
            })
        })
        .collect()
}

/// Part number and Chinese name of a part.
pub async fn part_label(db: &Db, part: PartId) -> StoreResult<Option<(String, String)>> {
    let row: Option<(String, String)> = on_db!(db, |p| {
        sqlx::query_as("SELECT part_number, name_zh FROM parts WHERE id = $1")
            .bind(part.get())
            .fetch_optional(p)
            .await
    })?;
    Ok(row)
}

/// A part by its part number (exact, as stored).
pub async fn part_by_number(db: &Db, number: &str) -> StoreResult<Option<PartId>> {
    let id: Option<i64> = on_db!(db, |p| {
        sqlx::query_scalar("SELECT id FROM parts WHERE part_number = $1")
            .bind(number)
            .fetch_optional(p)
            .await
    })?;
    Ok(id.map(PartId))
}

/// Split a waiting line whose stock is only partly available: it keeps `keep` units (and a
/// new reservation round, as its quantity changed) and a new waiting line takes the rest,
/// pointing at the original request line and keeping the line's place in the queue. False
/// (nothing changed) if the line is no longer waiting with the quantity read.
pub async fn split_line(
    tx: &mut Tx,
    line: &PartLine,
    keep: i64,
    round: (i64, Instant),
    now: Instant,
) -> StoreResult<bool> {
    if keep <= 0 || keep >= line.qty {
        return Err(StoreError::Conflict(format!(
            "part line {} of {} units cannot keep {keep}",
            line.id, line.qty
        )));
    }
    let n = on_tx!(tx, |c| {
        sqlx::query(
            "UPDATE ticket_part_lines SET qty = $1, reserve_round = $2, reserve_until = $3, updated_at = $4 \
             WHERE id = $5 AND status = 'waiting' AND qty = $6",
        )
        .bind(keep)
        .bind(round.0)
        .bind(round.1.millis())
        .bind(now.millis())
        .bind(line.id)
        .bind(line.qty)
        .execute(c)
        .await
        .map(|r| r.rows_affected())
    })?;
    if n != 1 {
        return Ok(false);
    }
    let root = line.split_of.unwrap_or(line.id);
    // A waiting line splits at most once (its kept part is reserved at once), so the split
    // line's id makes the position unique.
    on_tx!(tx, |c| {
        sqlx::query(
            "INSERT INTO ticket_part_lines (ticket_id, request_key, request_line, warehouse_id, part_id, qty, status, \
             reserve_round, qty_used, qty_returned, split_of, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, 'waiting', 0, 0, 0, $7, $8, $9)",
        )
        .bind(line.ticket_id.0)
        .bind(format!("↳{root}"))
        .bind(line.id)
        .bind(line.warehouse_id.get())
        .bind(line.part_id.get())
        .bind(line.qty - keep)
        .bind(root)
        .bind(line.created_at.millis())
        .bind(now.millis())
        .execute(c)
        .await
        .map(|_| ())
    })?;
    Ok(true)
}

/// Start a new reservation round on a waiting line, unless another caller moved it on
/// meanwhile (false).
pub async fn next_round(
    tx: &mut Tx,
    line: i64,
    from_round: i64,
    round: (i64, Instant),
    now: Instant,
) -> StoreResult<bool> {
    let n = on_tx!(tx, |c| {
        sqlx::query(
            "UPDATE ticket_part_lines SET reserve_round = $1, reserve_until = $2, updated_at = $3 \
             WHERE id = $4 AND status = 'waiting' AND reserve_round = $5",
        )
        .bind(round.0)
        .bind(round.1.millis())
        .bind(now.millis())
        .bind(line)
        .bind(from_round)
        .execute(c)
        .await
        .map(|r| r.rows_affected())
    })?;
    Ok(n == 1)
}

/// The waiting lines of a part at a warehouse, in order of request time.
pub async fn waiting_lines_at(
    db: &Db,
    warehouse: WarehouseId,
    part: PartId,
) -> StoreResult<Vec<PartLine>> {
    let sql = format!(
        "{LINE_SELECT} WHERE l.warehouse_id = $1 AND l.part_id = $2 AND l.status = 'waiting' \
         ORDER BY l.created_at, l.id"
    );
    let rows: Vec<LineRow> = on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(warehouse.get())
        .bind(part.get())
        .fetch_all(p)
        .await)?;
    rows.into_iter().map(LineRow::into_line).collect()
}

/// Every (warehouse, part) with a waiting ticket line.
pub async fn waiting_pairs(db: &Db) -> StoreResult<Vec<(WarehouseId, PartId)>> {
    let rows: Vec<(i64, i64)> = on_db!(db, |p| {
        sqlx::query_as(
            "SELECT DISTINCT warehouse_id, part_id FROM ticket_part_lines WHERE status = 'waiting' \
             ORDER BY warehouse_id, part_id",
        )
        .fetch_all(p)
        .await
    })?;
    Ok(rows
        .into_iter()
        .map(|(w, p)| (WarehouseId(w), PartId(p)))
        .collect())
}

/// The (warehouse, part) pairs ledger movements touched, on either side.
pub async fn movement_pairs(db: &Db, movements: &[i64]) -> StoreResult<Vec<(WarehouseId, PartId)>> {
    let mut out = Vec::new();
    for m in movements {
        let row: Option<(Option<i64>, Option<i64>, i64)> = on_db!(db, |p| {
            sqlx::query_as(
                "SELECT from_warehouse_id, to_warehouse_id, part_id FROM stock_movements WHERE id = $1",
            )
            .bind(*m)
            .fetch_optional(p)
            .await
        })?;
        if let Some((from, to, part)) = row {
            for w in [from, to].into_iter().flatten() {
                out.push((WarehouseId(w), PartId(part)));
            }
        }
    }
    out.sort();
    out.dedup();
    Ok(out)
}

/// The warehouse and part of a ledger reservation.
pub async fn reservation_pair(
    db: &Db,
    reservation: ReservationId,
) -> StoreResult<Option<(WarehouseId, PartId)>> {
    let row: Option<(i64, i64)> = on_db!(db, |p| {
        sqlx::query_as("SELECT warehouse_id, part_id FROM stock_reservations WHERE id = $1")
            .bind(reservation.get())
            .fetch_optional(p)
            .await
    })?;
    Ok(row.map(|(w, p)| (WarehouseId(w), PartId(p))))
}

/// The line whose issue awaits the manager approval `approval`.
pub async fn line_of_approval(db: &Db, approval: i64) -> StoreResult<Option<PartLine>> {
    let sql = format!("{LINE_SELECT} WHERE l.approval_id = $1");
    let row: Option<LineRow> = on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(approval)
        .fetch_optional(p)
        .await)?;
    row.map(LineRow::into_line).transpose()
}

/// Link a reserved line to the pending approval of its issue.
pub async fn await_approval(
    tx: &mut Tx,
    line: i64,
    approval: i64,
    now: Instant,
) -> StoreResult<()> {
    let n = on_tx!(tx, |c| {
        sqlx::query(
            "UPDATE ticket_part_lines SET approval_id = $1, note = NULL, updated_at = $2 \
             WHERE id = $3 AND status = 'reserved'",
        )
        .bind(approval)
        .bind(now.millis())
        .bind(line)
        .execute(c)
        .await
        .map(|r| r.rows_affected())
    })?;
    if n == 1 {
        Ok(())
    } else {
        Err(StoreError::Conflict(format!(
            "part line {line} is no longer reserved"
        )))
    }
}

/// The approval of a line's issue was rejected: the line stays reserved with the reason, and
/// the next issue attempt is a new round.
pub async fn approval_rejected(
    tx: &mut Tx,
    line: i64,
    approval: i64,
    reason: &str,
    now: Instant,
) -> StoreResult<bool> {
    let n = on_tx!(tx, |c| {
        sqlx::query(
            "UPDATE ticket_part_lines SET approval_id = NULL, issue_round = issue_round + 1, note = $1, updated_at = $2 \
             WHERE id = $3 AND approval_id = $4",
        )
        .bind(reason)
        .bind(now.millis())
        .bind(line)
        .bind(approval)
        .execute(c)
        .await
        .map(|r| r.rows_affected())
    })?;
    Ok(n == 1)
}

/// Note why a line is where it is.
pub async fn set_note(tx: &mut Tx, line: i64, note: &str, now: Instant) -> StoreResult<()> {
    on_tx!(tx, |c| {
        sqlx::query("UPDATE ticket_part_lines SET note = $1, updated_at = $2 WHERE id = $3")
            .bind(note)
            .bind(now.millis())
            .bind(line)
            .execute(c)
            .await
            .map(|_| ())
    })?;
    Ok(())
}

/// Tickets waiting for parts with no waiting line (their parts were all reserved but the
/// move back on site did not happen).
pub async fn waiting_tickets_without_waiting_lines(db: &Db) -> StoreResult<Vec<TicketId>> {
    let ids: Vec<i64> = on_db!(db, |p| {
        sqlx::query_scalar(
        "SELECT t.id FROM tickets t WHERE t.status = 'waiting_for_parts' AND NOT EXISTS \
         (SELECT 1 FROM ticket_part_lines l WHERE l.ticket_id = t.id AND l.status = 'waiting') ORDER BY t.id"
    )
    .fetch_all(p)
    .await
    })?;
    Ok(ids.into_iter().map(TicketId).collect())
}

/// Whether any ticket line waits for stock (most stock commands find none, and stop here).
pub async fn any_waiting(db: &Db) -> StoreResult<bool> {
    let row: Option<i64> = on_db!(db, |p| sqlx::query_scalar(
        "SELECT id FROM ticket_part_lines WHERE status = 'waiting' LIMIT 1"
    )
    .fetch_optional(p)
    .await)?;
    Ok(row.is_some())
}

/// Line `id` of `ticket`, as [`lines_of`] reads it.
async fn line_of(db: &Db, ticket: TicketId, id: i64) -> StoreResult<Option<PartLine>> {
    Ok(lines_of(db, ticket).await?.into_iter().find(|l| l.id == id))
}

/// A reserved line whose ledger reservation no longer holds its units.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LostReservation {
    /// The line (still `reserved`).
    pub line: PartLine,
    /// The reservation's ledger status now (`expired` or `released`).
    pub reservation_status: String,
}

/// Reserved lines whose ledger reservation was marked expired or released (by the ledger's
/// expiry, a stocktake loss or a release outside the ticket), in order of request time. A
/// release the ticket made itself (under the line's own release key, on its way to
/// `released`) is not a loss.
pub async fn lost_reservations(db: &Db) -> StoreResult<Vec<LostReservation>> {
    let rows: Vec<(i64, i64, String)> = on_db!(db, |p| {
        sqlx::query_as(
            "SELECT l.id, l.ticket_id, r.status FROM ticket_part_lines l \
             JOIN stock_reservations r ON r.id = l.reservation_id \
             WHERE l.status = 'reserved' AND (r.status = 'expired' OR (r.status = 'released' \
             AND NOT EXISTS (SELECT 1 FROM stock_idempotency k \
             WHERE k.key = 'aftercare:ticket-part:' || CAST(l.id AS TEXT) || ':release'))) \
             ORDER BY l.created_at, l.id",
        )
        .fetch_all(p)
        .await
    })?;
    let mut out = Vec::with_capacity(rows.len());
    for (id, ticket, status) in rows {
        if let Some(line) = line_of(db, TicketId(ticket), id).await? {
            out.push(LostReservation {
                line,
                reservation_status: status,
            });
        }
    }
    Ok(out)
}

/// A reserved line whose ledger reservation is still active but holds fewer units than the
/// line (a stocktake loss shrank it, not to nothing).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShrunkReservation {
    /// The line (still `reserved`, for its full quantity).
    pub line: PartLine,
    /// Units the reservation still holds (at least one, fewer than the line's).
    pub held: i64,
}

/// Reserved lines whose active reservation holds fewer units than the line, in order of
/// request time.
pub async fn shrunk_reservations(db: &Db) -> StoreResult<Vec<ShrunkReservation>> {
    let rows: Vec<(i64, i64, i64)> = on_db!(db, |p| {
        sqlx::query_as(
            "SELECT l.id, l.ticket_id, r.qty FROM ticket_part_lines l \
             JOIN stock_reservations r ON r.id = l.reservation_id \
             WHERE l.status = 'reserved' AND r.status = 'active' AND r.qty > 0 AND r.qty < l.qty \
             ORDER BY l.created_at, l.id",
        )
        .fetch_all(p)
        .await
    })?;
    let mut out = Vec::with_capacity(rows.len());
    for (id, ticket, held) in rows {
        if let Some(line) = line_of(db, TicketId(ticket), id).await? {
            out.push(ShrunkReservation { line, held });
        }
    }
    Ok(out)
}

/// A reserved line's reservation now holds only `held` of its units: the line keeps `held`
/// units on that reservation (its issue in a new round, as the issue command changes; no
/// approval link; `note` saying why) and a new waiting line takes the missing units,
/// pointing at the original request line and keeping the line's request time (its place in
/// the queue). False (nothing changed) if the line moved on meanwhile (no longer reserved on
/// that reservation with the quantity read).
pub async fn reservation_shrunk(
    tx: &mut Tx,
    line: &PartLine,
    held: i64,
    note: &str,
    now: Instant,
) -> StoreResult<bool> {
    let Some(reservation) = line.reservation_id else {
        return Ok(false);
    };
    if held <= 0 || held >= line.qty {
        return Err(StoreError::Conflict(format!(
            "part line {} of {} units cannot keep {held}",
            line.id, line.qty
        )));
    }
    let n = on_tx!(tx, |c| {
        sqlx::query(
            "UPDATE ticket_part_lines SET qty = $1, approval_id = NULL, issue_round = issue_round + 1, \
             note = $2, updated_at = $3 \
             WHERE id = $4 AND status = 'reserved' AND reservation_id = $5 AND qty = $6",
        )
        .bind(held)
        .bind(note)
        .bind(now.millis())
        .bind(line.id)
        .bind(reservation.get())
        .bind(line.qty)
        .execute(c)
        .await
        .map(|r| r.rows_affected())
    })?;
    if n != 1 {
        return Ok(false);
    }
    let root = line.split_of.unwrap_or(line.id);
    // A reservation only ever shrinks, so (reservation, units kept) is a position no other
    // split of this request line has taken.
    on_tx!(tx, |c| {
        sqlx::query(
            "INSERT INTO ticket_part_lines (ticket_id, request_key, request_line, warehouse_id, part_id, qty, status, \
             reserve_round, qty_used, qty_returned, split_of, note, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, 'waiting', 0, 0, 0, $7, $8, $9, $10)",
        )
        .bind(line.ticket_id.0)
        .bind(format!("↳{root}:r{}", reservation.get()))
        .bind(held)
        .bind(line.warehouse_id.get())
        .bind(line.part_id.get())
        .bind(line.qty - held)
        .bind(root)
        .bind(note)
        .bind(line.created_at.millis())
        .bind(now.millis())
        .execute(c)
        .await
        .map(|_| ())
    })?;
    Ok(true)
}

/// Whether a reserved line's reservation is past its expiry but not yet marked expired by
/// the ledger (no command touched that part there since).
pub async fn any_reservation_past_expiry(db: &Db, now: Instant) -> StoreResult<bool> {
    let row: Option<i64> = on_db!(db, |p| {
        sqlx::query_scalar(
            "SELECT l.id FROM ticket_part_lines l JOIN stock_reservations r ON r.id = l.reservation_id \
             WHERE l.status = 'reserved' AND r.status = 'active' AND r.expires_at <= $1 LIMIT 1",
        )
        .bind(now.millis())
        .fetch_optional(p)
        .await
    })?;
    Ok(row.is_some())
}

/// A reserved line lost its reservation `reservation`: it waits again (keeping its request
/// time, so its place in the queue), without reservation or expiry (the next reservation is
/// a new round with a new ledger key), its issue in a new round (a new reservation makes a
/// new issue command), no approval link, and `note` saying why. False if the line moved on
/// meanwhile (no longer reserved on that reservation).
pub async fn reservation_lost(
    tx: &mut Tx,
    line: i64,
    reservation: ReservationId,
    note: &str,
    now: Instant,
) -> StoreResult<bool> {
    let n = on_tx!(tx, |c| {
        sqlx::query(
            "UPDATE ticket_part_lines SET status = 'waiting', reservation_id = NULL, reserve_until = NULL, \
             approval_id = NULL, issue_round = issue_round + 1, note = $1, updated_at = $2 \
             WHERE id = $3 AND status = 'reserved' AND reservation_id = $4",
        )
        .bind(note)
        .bind(now.millis())
        .bind(line)
        .bind(reservation.get())
        .execute(c)
        .await
        .map(|r| r.rows_affected())
    })?;
    Ok(n == 1)
}

/// The ledger status of a reservation (`active`, `fulfilled`, `released`, `expired`).
pub async fn reservation_status(
    db: &Db,
    reservation: ReservationId,
) -> StoreResult<Option<String>> {
    let row: Option<String> = on_db!(db, |p| {
        sqlx::query_scalar("SELECT status FROM stock_reservations WHERE id = $1")
            .bind(reservation.get())
            .fetch_optional(p)
            .await
    })?;
    Ok(row)
}

/// The ticket of a part line.
pub async fn ticket_of_line(db: &Db, line: i64) -> StoreResult<Option<TicketId>> {
    let row: Option<i64> = on_db!(db, |p| {
        sqlx::query_scalar("SELECT ticket_id FROM ticket_part_lines WHERE id = $1")
            .bind(line)
            .fetch_optional(p)
            .await
    })?;
    Ok(row.map(TicketId))
}

/// Tickets the station no longer works (not accepted, scheduled, on site or waiting for
/// parts) that still have a waiting, reserved or issued line: their release after the
/// cancel, recall or completion did not finish.
pub async fn tickets_ended_with_open_lines(db: &Db) -> StoreResult<Vec<TicketId>> {
    let ids: Vec<i64> = on_db!(db, |p| {
        sqlx::query_scalar(
            "SELECT DISTINCT l.ticket_id FROM ticket_part_lines l JOIN tickets t ON t.id = l.ticket_id \
             WHERE l.status IN ('waiting', 'reserved', 'issued') \
             AND t.status NOT IN ('accepted', 'scheduled', 'on_site', 'waiting_for_parts') \
             ORDER BY l.ticket_id",
        )
        .fetch_all(p)
        .await
    })?;
    Ok(ids.into_iter().map(TicketId).collect())
}
