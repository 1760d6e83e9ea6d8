//! The stock ledger over HTTP: commands (with `Idempotency-Key`), stock with value,
//! movements, transfers in transit, and the ledger check. See docs/STOCK.md.

use crate::error::{ApiError, rejection};
use crate::middleware::CurrentUser;
use crate::state::AppState;
use aftercare_app::stock::{MovementFilter, StockFilter, StockReceipt};
use aftercare_domain::stock::{Command, Consumer, Qty};
use aftercare_domain::{Instant, PartId, RequisitionId, ReservationId, TicketId, WarehouseId};
use axum::extract::rejection::JsonRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::{Extension, Json};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// The header carrying a client-chosen key that makes a mutating call safe to retry.
pub const IDEMPOTENCY_KEY: &str = "idempotency-key";

/// The result of a ledger command.
#[derive(Serialize, ToSchema)]
pub struct CommandResult {
    /// Movement ids made, in order.
    pub movements: Vec<i64>,
    /// What was created: `{"kind": "lot" | "purchase_order" | "reservation" | "transfer" |
    /// "repair_order" | "scrap_request" | "stocktake", "id": n}`, or null.
    pub created: Option<serde_json::Value>,
    /// An emergency requisition due (available fell below the minimum), or null.
    pub emergency: Option<serde_json::Value>,
    /// Units that became transfer discrepancies.
    pub discrepancies: Vec<serde_json::Value>,
    /// Reservations shrunk by a stocktake loss: `[reservation id, units]`.
    pub trimmed_reservations: Vec<(i64, i64)>,
    /// Reservations marked expired.
    pub expired_reservations: usize,
    /// True when this is the stored answer to an earlier call with the same key.
    pub replayed: bool,
}

impl From<StockReceipt> for CommandResult {
    fn from(r: StockReceipt) -> Self {
        let o = r.outcome;
        CommandResult {
            movements: o.movements.iter().map(|m| m.get()).collect(),
            created: o.created.and_then(|c| serde_json::to_value(c).ok()),
            emergency: o.emergency.and_then(|e| serde_json::to_value(e).ok()),
            discrepancies: o
                .discrepancies
                .iter()
                .filter_map(|d| serde_json::to_value(d).ok())
                .collect(),
            trimmed_reservations: o
                .trimmed_reservations
                .iter()
                .map(|(r, q)| (r.get(), q.get()))
                .collect(),
            expired_reservations: o.expired_reservations,
            replayed: r.replayed,
        }
    }
}

fn idempotency_key(headers: &HeaderMap) -> Result<Option<String>, ApiError> {
    match headers.get(IDEMPOTENCY_KEY) {
        None => Ok(None),
        Some(v) => v.to_str().map(|s| Some(s.to_string())).map_err(|_| {
            ApiError(aftercare_app::AppError::invalid(
                "Idempotency-Key",
                "must be printable ASCII",
            ))
        }),
    }
}

fn answer(r: StockReceipt) -> (StatusCode, Json<CommandResult>) {
    let status = if r.replayed {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    (status, Json(r.into()))
}

/// Run a ledger command. The body is one command, tagged by `op`: `place_purchase_order`,
/// `receive`, `inspect`, `issue`, `return_unused`, `defective_return`, `reserve`,
/// `release_reservation`, `expire_reservations`, `ship_transfer`, `receive_transfer`,
/// `resolve_discrepancy`, `send_to_repair`, `receive_from_repair`, `declare_unrepairable`,
/// `request_scrap`, `decide_scrap`, `dispose`, `open_stocktake`, `enter_counts`,
/// `approve_stocktake` (fields in docs/STOCK.md). 201 when applied; 200 with
/// `replayed: true` when the `Idempotency-Key` was already used for this command; 409 with
/// a stable code and details (e.g. `available`) when refused.
#[utoipa::path(post, path = "/api/v1/stock/commands", tag = "stock",
    request_body(content = Object, description = "A ledger command, tagged by `op`"),
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes the call safe to retry: a retry returns the first result")),
    responses((status = 201, body = CommandResult), (status = 200, body = CommandResult),
        (status = 404, body = super::ErrorBody), (status = 409, body = super::ErrorBody), (status = 422, body = super::ErrorBody)))]
pub async fn command(
    State(s): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    headers: HeaderMap,
    body: Result<Json<Command>, JsonRejection>,
) -> Result<(StatusCode, Json<CommandResult>), ApiError> {
    let Json(c) = body.map_err(rejection)?;
    let key = idempotency_key(&headers)?;
    let r = s
        .app
        .stock_execute(&user.actor(), key.as_deref(), c)
        .await?;
    Ok(answer(r))
}

/// An issue of parts to a ticket or a requisition.
#[derive(Deserialize, ToSchema)]
pub struct IssueBody {
    /// The warehouse.
    pub warehouse_id: i64,
    /// The part.
    pub part_id: i64,
    /// Units (> 0).
    pub qty: i64,
    /// The ticket the parts go to (or give `requisition_id`).
    pub ticket_id: Option<i64>,
    /// The requisition the parts go to.
    pub requisition_id: Option<i64>,
    /// A reservation made for this consumer, drawn down by the issue.
    pub reservation_id: Option<i64>,
}

/// Issue parts (repaired before good, then first in, first out). Above the approval limit
/// only a manager may issue. When nothing is available the 409 lists the declared
/// substitutes that are, in priority order, with their instructions.
#[utoipa::path(post, path = "/api/v1/stock/issues", tag = "stock", request_body = IssueBody,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes the call safe to retry")),
    responses((status = 201, body = CommandResult), (status = 200, body = CommandResult),
        (status = 409, body = super::ErrorBody), (status = 422, body = super::ErrorBody)))]
pub async fn issue(
    State(s): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    headers: HeaderMap,
    body: Result<Json<IssueBody>, JsonRejection>,
) -> Result<(StatusCode, Json<CommandResult>), ApiError> {
    let Json(b) = body.map_err(rejection)?;
    let key = idempotency_key(&headers)?;
    let consumer = match (b.ticket_id, b.requisition_id) {
        (Some(t), None) => Consumer::Ticket(TicketId(t)),
        (None, Some(r)) => Consumer::Requisition(RequisitionId(r)),
        _ => {
            return Err(ApiError(aftercare_app::AppError::invalid(
                "ticket_id",
                "give exactly one of ticket_id and requisition_id",
            )));
        }
    };
    let qty = Qty::positive(b.qty)
        .map_err(|e| ApiError(aftercare_app::AppError::invalid("qty", e.to_string())))?;
    let c = Command::Issue {
        warehouse: WarehouseId(b.warehouse_id),
        part: PartId(b.part_id),
        qty,
        consumer,
        reservation: b.reservation_id.map(ReservationId),
        approved_by: None,
    };
    let r = s
        .app
        .stock_execute(&user.actor(), key.as_deref(), c)
        .await?;
    Ok(answer(r))
}

/// Stock filters.
#[derive(Deserialize, IntoParams)]
pub struct StockQuery {
    /// Warehouse id.
    pub warehouse_id: Option<i64>,
    /// Part id.
    pub part_id: Option<i64>,
    /// good, repaired, defective, scrap or quarantine.
    pub condition: Option<String>,
    /// At most this many rows (default 1000, max 10000).
    pub limit: Option<i64>,
}

/// Units of a part in a warehouse and condition, with value.
#[derive(Serialize, ToSchema)]
pub struct StockDto {
    /// Warehouse id.
    pub warehouse_id: i64,
    /// Warehouse code.
    pub warehouse_code: String,
    /// Part id.
    pub part_id: i64,
    /// Part number.
    pub part_number: String,
    /// Part name.
    pub part_name: String,
    /// Condition.
    pub condition: String,
    /// Units.
    pub qty: i64,
    /// Standard cost per unit (minor units).
    pub unit_cost: i64,
    /// qty × unit cost (minor units).
    pub value: i64,
}

/// Stock by warehouse, part and condition, with value (station users: their own only).
#[utoipa::path(get, path = "/api/v1/stock", tag = "stock", params(StockQuery),
    responses((status = 200, body = [StockDto]), (status = 404, body = super::ErrorBody)))]
pub async fn stock(
    State(s): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Query(q): Query<StockQuery>,
) -> Result<Json<Vec<StockDto>>, ApiError> {
    let rows = s
        .app
        .stock_list(
            &user.actor(),
            StockFilter {
                warehouse: q.warehouse_id.map(WarehouseId),
                part: q.part_id,
                condition: q.condition,
                station: None,
                limit: q.limit.unwrap_or(1000),
            },
        )
        .await?;
    Ok(Json(
        rows.into_iter()
            .map(|r| StockDto {
                warehouse_id: r.warehouse_id,
                warehouse_code: r.warehouse_code,
                part_id: r.part_id,
                part_number: r.part_number,
                part_name: r.part_name,
                condition: r.condition,
                qty: r.qty,
                unit_cost: r.unit_cost,
                value: r.value,
            })
            .collect(),
    ))
}

/// Movement filters.
#[derive(Deserialize, IntoParams)]
pub struct MovementQuery {
    /// Movements out of or into this warehouse.
    pub warehouse_id: Option<i64>,
    /// Part id.
    pub part_id: Option<i64>,
    /// Kind, e.g. `issue`.
    pub kind: Option<String>,
    /// At or after (UTC ms).
    pub from: Option<i64>,
    /// Before (UTC ms).
    pub to: Option<i64>,
    /// Only ids below this (paging).
    pub before: Option<i64>,
    /// At most this many (default 100, max 1000).
    pub limit: Option<i64>,
}

/// A movement.
#[derive(Serialize, ToSchema)]
pub struct MovementDto {
    /// Id.
    pub id: i64,
    /// Kind.
    pub kind: String,
    /// Part id.
    pub part_id: i64,
    /// Part number.
    pub part_number: String,
    /// From (location key `kind:warehouse:condition:reference`).
    pub from: String,
    /// To.
    pub to: String,
    /// Units.
    pub qty: i64,
    /// When (UTC ms).
    pub at: i64,
    /// Document kind.
    pub document_kind: Option<String>,
    /// Document id.
    pub document_id: Option<i64>,
    /// When returned parts were issued.
    pub issued_at: Option<i64>,
    /// User who made it.
    pub actor_id: Option<i64>,
    /// Lots taken: `[lot id, units]`.
    pub lots: Vec<(i64, i64)>,
}

/// Movements, newest first.
#[utoipa::path(get, path = "/api/v1/stock/movements", tag = "stock", params(MovementQuery),
    responses((status = 200, body = [MovementDto]), (status = 404, body = super::ErrorBody)))]
pub async fn movements(
    State(s): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Query(q): Query<MovementQuery>,
) -> Result<Json<Vec<MovementDto>>, ApiError> {
    let rows = s
        .app
        .stock_movements(
            &user.actor(),
            MovementFilter {
                warehouse: q.warehouse_id.map(WarehouseId),
                part: q.part_id,
                kind: q.kind,
                from: q.from.map(Instant),
                to: q.to.map(Instant),
                station: None,
                before_id: q.before,
                limit: q.limit.unwrap_or(100),
            },
        )
        .await?;
    Ok(Json(
        rows.into_iter()
            .map(|m| MovementDto {
                id: m.id,
                kind: m.kind,
                part_id: m.part_id,
                part_number: m.part_number,
                from: m.from_location,
                to: m.to_location,
                qty: m.qty,
                at: m.at,
                document_kind: m.document_kind,
                document_id: m.document_id,
                issued_at: m.issued_at,
                actor_id: m.actor_id,
                lots: m.lots,
            })
            .collect(),
    ))
}

/// In-transit filters.
#[derive(Deserialize, IntoParams)]
pub struct TransitQuery {
    /// Destination warehouse.
    pub to_warehouse_id: Option<i64>,
    /// Part id.
    pub part_id: Option<i64>,
}

/// Units on the road.
#[derive(Serialize, ToSchema)]
pub struct TransitDto {
    /// Transfer id.
    pub transfer_id: i64,
    /// Source warehouse.
    pub from_warehouse_id: i64,
    /// Destination warehouse.
    pub to_warehouse_id: i64,
    /// Part id.
    pub part_id: i64,
    /// Part number.
    pub part_number: String,
    /// Condition shipped.
    pub condition: String,
    /// Units on the road.
    pub qty: i64,
    /// When shipped (UTC ms).
    pub shipped_at: i64,
    /// Expected arrival (UTC ms).
    pub eta: i64,
    /// The expected arrival has passed.
    pub overdue: bool,
}

/// Transfers in transit per part and destination, by ETA, overdue ones flagged.
#[utoipa::path(get, path = "/api/v1/stock/in-transit", tag = "stock", params(TransitQuery),
    responses((status = 200, body = [TransitDto]), (status = 404, body = super::ErrorBody)))]
pub async fn in_transit(
    State(s): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Query(q): Query<TransitQuery>,
) -> Result<Json<Vec<TransitDto>>, ApiError> {
    let rows = s
        .app
        .stock_in_transit(&user.actor(), q.to_warehouse_id.map(WarehouseId), q.part_id)
        .await?;
    Ok(Json(
        rows.into_iter()
            .map(|r| TransitDto {
                transfer_id: r.transfer_id,
                from_warehouse_id: r.from_warehouse_id,
                to_warehouse_id: r.to_warehouse_id,
                part_id: r.part_id,
                part_number: r.part_number,
                condition: r.condition,
                qty: r.qty,
                shipped_at: r.shipped_at,
                eta: r.eta,
                overdue: r.overdue,
            })
            .collect(),
    ))
}

/// The ledger check.
#[derive(Serialize, ToSchema)]
pub struct VerifyDto {
    /// No difference found.
    pub ok: bool,
    /// Each difference between maintained balances and the movements.
    pub differences: Vec<String>,
}

/// Recompute every balance from the movements and report differences (HQ stock roles).
#[utoipa::path(get, path = "/api/v1/stock/verify", tag = "stock",
    responses((status = 200, body = VerifyDto), (status = 403, body = super::ErrorBody)))]
pub async fn verify(
    State(s): State<AppState>,
    Extension(user): Extension<CurrentUser>,
) -> Result<Json<VerifyDto>, ApiError> {
    let differences = s.app.stock_verify(&user.actor()).await?;
    Ok(Json(VerifyDto {
        ok: differences.is_empty(),
        differences,
    }))
}
