//! The stock ledger over HTTP: commands (with `Idempotency-Key`), stock with value,
//! movements, transfers in transit, and the ledger check. See docs/STOCK.md.

use super::{ApiPath, ApiQuery};
use crate::error::{ApiError, rejection};
use crate::middleware::CurrentUser;
use crate::state::AppState;
use aftercare_app::stock::{MovementFilter, StockFilter, StockReceipt};
use aftercare_app::stock_approvals::{ApprovalDecision, ApprovalFilter, ApprovalRow, Submitted};
use aftercare_domain::stock::{Command, Consumer, Qty};
use aftercare_domain::{Instant, PartId, RequisitionId, ReservationId, TicketId, WarehouseId};
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
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
    /// The emergency requisition the issue raised (available fell below the minimum and
    /// the units on their way do not cover it), with the units requested, or null.
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
/// `replayed: true` when the `Idempotency-Key` was already used for this command; 202
/// with the pending approval when an issue above the limit was queued for a manager; 409
/// with a stable code and details (e.g. `available`) when refused.
#[utoipa::path(post, path = "/api/v1/stock/commands", tag = "stock",
    request_body(content = Object, description = "A ledger command, tagged by `op`"),
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes the call safe to retry: a retry returns the first result")),
    responses((status = 201, body = CommandResult), (status = 200, body = CommandResult),
        (status = 202, body = PendingResult),
        (status = 404, body = super::ErrorBody), (status = 409, body = super::ErrorBody), (status = 422, body = super::ErrorBody)))]
pub async fn command(
    State(s): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    headers: HeaderMap,
    body: Result<Json<Command>, JsonRejection>,
) -> Result<Response, ApiError> {
    let Json(c) = body.map_err(rejection)?;
    let key = idempotency_key(&headers)?;
    submit(&s, &user, key.as_deref(), c).await
}

/// Run a command through [`aftercare_app::App::stock_submit`] and answer 201/200 (applied,
/// replayed) or 202 (queued for a manager).
async fn submit(
    s: &AppState,
    user: &CurrentUser,
    key: Option<&str>,
    c: Command,
) -> Result<Response, ApiError> {
    Ok(match s.app.stock_submit(&user.actor(), key, c).await? {
        Submitted::Done(r) => answer(r).into_response(),
        Submitted::Pending { approval, replayed } => (
            StatusCode::ACCEPTED,
            Json(PendingResult {
                status: "pending",
                approval_id: approval.id,
                approval: (*approval).into(),
                replayed,
            }),
        )
            .into_response(),
    })
}

/// An issue above the approval limit, queued for a manager.
#[derive(Serialize, ToSchema)]
pub struct PendingResult {
    /// Always `pending`.
    pub status: &'static str,
    /// The approval to decide (`/api/v1/stock/approvals/{id}`).
    pub approval_id: i64,
    /// The queued request.
    pub approval: ApprovalDto,
    /// True when a retry with the same Idempotency-Key found the request queued before.
    pub replayed: bool,
}

/// A queued issue and its decision.
#[derive(Serialize, ToSchema)]
pub struct ApprovalDto {
    /// Id.
    pub id: i64,
    /// `pending`, `approved` or `rejected`.
    pub status: String,
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
    /// Units.
    pub qty: i64,
    /// Value at standard cost when asked (minor units).
    pub value: i64,
    /// `{"kind": "ticket" | "requisition", "id": n}`.
    pub consumer: serde_json::Value,
    /// Why it needs a manager: `{"kind": "value_above", "value", "limit"}` or
    /// `{"kind": "qty_above", "qty", "limit"}`.
    pub reason: serde_json::Value,
    /// Who asked (login; `cli` for the command line).
    pub requested_by: String,
    /// When asked (UTC ms).
    pub requested_at: i64,
    /// Who decided.
    pub decided_by: Option<String>,
    /// When decided (UTC ms).
    pub decided_at: Option<i64>,
    /// The reject reason.
    pub decision_note: Option<String>,
    /// Why the last approval attempt was refused (the request stays pending).
    pub last_error: Option<String>,
    /// Movements made by the approved issue.
    pub movements: Vec<i64>,
}

impl From<ApprovalRow> for ApprovalDto {
    fn from(a: ApprovalRow) -> Self {
        let outcome: Option<aftercare_domain::stock::Outcome> = a
            .outcome_json
            .as_deref()
            .and_then(|j| serde_json::from_str(j).ok());
        ApprovalDto {
            id: a.id,
            status: a.status,
            warehouse_id: a.warehouse_id,
            warehouse_code: a.warehouse_code,
            part_id: a.part_id,
            part_number: a.part_number,
            part_name: a.part_name,
            qty: a.qty,
            value: a.value,
            consumer: serde_json::json!({"kind": a.consumer_kind, "id": a.consumer_id}),
            reason: serde_json::from_str(&a.reason_json).unwrap_or(serde_json::Value::Null),
            requested_by: a.requested_by_login,
            requested_at: a.requested_at,
            decided_by: a.decided_by_login,
            decided_at: a.decided_at,
            decision_note: a.decision_note,
            last_error: a.last_error,
            movements: outcome
                .map(|o| o.movements.iter().map(|m| m.get()).collect())
                .unwrap_or_default(),
        }
    }
}

/// An issue of parts to a ticket or a requisition.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
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

/// Issue parts (repaired before good, then first in, first out). The body is either this
/// shape (`warehouse_id`, `part_id`, `qty`, `ticket_id` or `requisition_id`,
/// `reservation_id`) or the `issue` command's own fields (`warehouse`, `part`, `qty`,
/// `consumer`, `reservation`). Above the approval limit a non-manager's issue is queued for
/// a manager (202 with the approval). When nothing is available the 409 lists the declared
/// substitutes that are, in priority order, with their instructions.
#[utoipa::path(post, path = "/api/v1/stock/issues", tag = "stock", request_body = IssueBody,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes the call safe to retry")),
    responses((status = 201, body = CommandResult), (status = 200, body = CommandResult),
        (status = 202, body = PendingResult),
        (status = 409, body = super::ErrorBody), (status = 422, body = super::ErrorBody)))]
pub async fn issue(
    State(s): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    headers: HeaderMap,
    body: Result<Json<serde_json::Value>, JsonRejection>,
) -> Result<Response, ApiError> {
    let Json(v) = body.map_err(rejection)?;
    let key = idempotency_key(&headers)?;
    let c = if v.get("warehouse").is_some() {
        typed_command("issue", v, &user, &[])?
    } else {
        let b: IssueBody = crate::error::from_json_value(v)?;
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
        Command::Issue {
            warehouse: WarehouseId(b.warehouse_id),
            part: PartId(b.part_id),
            qty,
            consumer,
            reservation: b.reservation_id.map(ReservationId),
            approved_by: None,
        }
    };
    submit(&s, &user, key.as_deref(), c).await
}

/// The command `op` from a typed endpoint's body (the command's own fields) and the ids in
/// its path. Path ids win over the body; approver fields are filled with the caller's role
/// (the use case puts the caller's role there anyway).
fn typed_command(
    op: &str,
    body: serde_json::Value,
    user: &CurrentUser,
    path: &[(&str, i64)],
) -> Result<Command, ApiError> {
    let bad = |m: String| ApiError(aftercare_app::AppError::invalid("body", m));
    let mut obj = match body {
        serde_json::Value::Object(m) => m,
        serde_json::Value::Null => serde_json::Map::new(),
        _ => return Err(bad("the body must be a JSON object".into())),
    };
    for (k, id) in path {
        obj.insert((*k).into(), (*id).into());
    }
    if matches!(op, "decide_scrap" | "approve_stocktake") {
        obj.insert(
            "by".into(),
            serde_json::to_value(user.principal.role).unwrap_or_default(),
        );
    }
    if op == "receive_transfer" && !obj.contains_key("close") {
        obj.insert("close".into(), false.into());
    }
    obj.insert("op".into(), op.into());
    serde_json::from_value(serde_json::Value::Object(obj)).map_err(|e| bad(format!("{op}: {e}")))
}

/// Stock filters.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
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
    ApiQuery(q): ApiQuery<StockQuery>,
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
#[into_params(parameter_in = Query)]
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
    ApiQuery(q): ApiQuery<MovementQuery>,
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
#[into_params(parameter_in = Query)]
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
    ApiQuery(q): ApiQuery<TransitQuery>,
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

/// A typed endpoint: a thin wrapper that runs one command (`$op`) from its own JSON fields
/// through the same use case as `/stock/commands`.
macro_rules! typed_endpoint {
    ($name:ident, $path:literal, $op:literal, $doc:literal) => {
        #[doc = $doc]
        #[utoipa::path(post, path = $path, tag = "stock",
            request_body(content = Object, description = "The command's fields (docs/STOCK.md), without `op`"),
            params(("Idempotency-Key" = Option<String>, Header, description = "Makes the call safe to retry")),
            responses((status = 201, body = CommandResult), (status = 200, body = CommandResult),
                (status = 404, body = super::ErrorBody), (status = 409, body = super::ErrorBody),
                (status = 422, body = super::ErrorBody)))]
        pub async fn $name(
            State(s): State<AppState>,
            Extension(user): Extension<CurrentUser>,
            headers: HeaderMap,
            body: Result<Json<serde_json::Value>, JsonRejection>,
        ) -> Result<Response, ApiError> {
            let body = match body {
                Ok(Json(v)) => v,
                // An action without fields may come without a body.
                Err(JsonRejection::MissingJsonContentType(_)) => serde_json::Value::Null,
                Err(e) => return Err(rejection(e)),
            };
            let key = idempotency_key(&headers)?;
            let c = typed_command($op, body, &user, &[])?;
            submit(&s, &user, key.as_deref(), c).await
        }
    };
    ($name:ident, $path:literal, $op:literal, $field:literal, $doc:literal) => {
        #[doc = $doc]
        #[utoipa::path(post, path = $path, tag = "stock",
            request_body(content = Object, description = "The command's fields (docs/STOCK.md), without `op`; the id comes from the path"),
            params(("id" = i64, Path, description = "Document id"),
                ("Idempotency-Key" = Option<String>, Header, description = "Makes the call safe to retry")),
            responses((status = 201, body = CommandResult), (status = 200, body = CommandResult),
                (status = 404, body = super::ErrorBody), (status = 409, body = super::ErrorBody),
                (status = 422, body = super::ErrorBody)))]
        pub async fn $name(
            State(s): State<AppState>,
            Extension(user): Extension<CurrentUser>,
            ApiPath(id): ApiPath<i64>,
            headers: HeaderMap,
            body: Result<Json<serde_json::Value>, JsonRejection>,
        ) -> Result<Response, ApiError> {
            let body = match body {
                Ok(Json(v)) => v,
                Err(JsonRejection::MissingJsonContentType(_)) => serde_json::Value::Null,
                Err(e) => return Err(rejection(e)),
            };
            let key = idempotency_key(&headers)?;
            let c = typed_command($op, body, &user, &[($field, id)])?;
            submit(&s, &user, key.as_deref(), c).await
        }
    };
}

typed_endpoint!(
    purchase_orders,
    "/api/v1/stock/purchase-orders",
    "place_purchase_order",
    "Place a purchase order (`supplier`, `lines: [[part, qty]]`; head office)."
);
typed_endpoint!(
    receipts,
    "/api/v1/stock/receipts",
    "receive",
    "Receive against a purchase order into quarantine (`order`, `warehouse`, `part`, `qty`)."
);
typed_endpoint!(
    inspections,
    "/api/v1/stock/inspections",
    "inspect",
    "Inspect a received lot (`warehouse`, `lot`, `accept`, `reject`)."
);
typed_endpoint!(
    returns,
    "/api/v1/stock/returns",
    "return_unused",
    "Return unused issued parts (`consumer`, `warehouse`, `part`, `qty`, `issued_at`)."
);
typed_endpoint!(
    defective_returns,
    "/api/v1/stock/defective-returns",
    "defective_return",
    "Take back a defective part, old for new (`consumer`, `warehouse`, `part`, `qty`)."
);
typed_endpoint!(
    reservations,
    "/api/v1/stock/reservations",
    "reserve",
    "Reserve units for a consumer (`warehouse`, `part`, `qty`, `consumer`, `expires_at`)."
);
typed_endpoint!(
    release_reservation,
    "/api/v1/stock/reservations/{id}/release",
    "release_reservation",
    "reservation",
    "Release a reservation."
);
typed_endpoint!(
    expire_reservations,
    "/api/v1/stock/reservations/expire",
    "expire_reservations",
    "Mark every reservation past its expiry expired (head office)."
);
typed_endpoint!(
    transfers,
    "/api/v1/stock/transfers",
    "ship_transfer",
    "Ship a transfer (`from`, `to`, `eta`, `lines: [{part, condition, qty}]`)."
);
typed_endpoint!(
    receive_transfer,
    "/api/v1/stock/transfers/{id}/receive",
    "receive_transfer",
    "transfer",
    "Receive a transfer (`lines`, `close`: the rest becomes a discrepancy)."
);
typed_endpoint!(
    resolve_discrepancy,
    "/api/v1/stock/transfers/{id}/discrepancies",
    "resolve_discrepancy",
    "transfer",
    "Resolve a transfer discrepancy (`part`, `condition`, `qty`, `resolution`)."
);
typed_endpoint!(
    repair_orders,
    "/api/v1/stock/repair-orders",
    "send_to_repair",
    "Send defective units to a repair vendor (`warehouse`, `vendor`, `part`, `qty`, `due`; head office)."
);
typed_endpoint!(
    receive_from_repair,
    "/api/v1/stock/repair-orders/{id}/receive",
    "receive_from_repair",
    "order",
    "Receive repaired units into quarantine (`warehouse`, `qty`)."
);
typed_endpoint!(
    unrepairable,
    "/api/v1/stock/repair-orders/{id}/unrepairable",
    "declare_unrepairable",
    "order",
    "Declare units unrepairable (`qty`, `returned_to`)."
);
typed_endpoint!(
    scraps,
    "/api/v1/stock/scraps",
    "request_scrap",
    "Request scrap (`warehouse`, `part`, `condition`, `qty`, `reason`)."
);
typed_endpoint!(
    decide_scrap,
    "/api/v1/stock/scraps/{id}/decision",
    "decide_scrap",
    "request",
    "Approve or reject a scrap request (`approve`; managers)."
);
typed_endpoint!(
    disposals,
    "/api/v1/stock/disposals",
    "dispose",
    "Dispose of scrap (`warehouse`, `part`, `qty`)."
);
typed_endpoint!(
    stocktakes,
    "/api/v1/stock/stocktakes",
    "open_stocktake",
    "Open a stocktake (`warehouse`, `scope`)."
);
typed_endpoint!(
    stocktake_counts,
    "/api/v1/stock/stocktakes/{id}/counts",
    "enter_counts",
    "stocktake",
    "Enter stocktake counts (`counts: [{part, condition, counted}]`)."
);
typed_endpoint!(
    approve_stocktake,
    "/api/v1/stock/stocktakes/{id}/approve",
    "approve_stocktake",
    "stocktake",
    "Approve a stocktake's differences (managers)."
);

/// Approval queue filters.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ApprovalQuery {
    /// `pending`, `approved` or `rejected`.
    pub status: Option<String>,
    /// Warehouse id.
    pub warehouse_id: Option<i64>,
    /// At most this many (default 100, max 1000).
    pub limit: Option<i64>,
}

/// Issues above the approval limit, newest first (station users: their own warehouses).
#[utoipa::path(get, path = "/api/v1/stock/approvals", tag = "stock", params(ApprovalQuery),
    responses((status = 200, body = [ApprovalDto]), (status = 404, body = super::ErrorBody),
        (status = 422, body = super::ErrorBody)))]
pub async fn approvals(
    State(s): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    ApiQuery(q): ApiQuery<ApprovalQuery>,
) -> Result<Json<Vec<ApprovalDto>>, ApiError> {
    let rows = s
        .app
        .stock_approvals(
            &user.actor(),
            ApprovalFilter {
                status: q.status,
                warehouse: q.warehouse_id.map(WarehouseId),
                station: None,
                limit: q.limit.unwrap_or(100),
            },
        )
        .await?;
    Ok(Json(rows.into_iter().map(Into::into).collect()))
}

/// One queued issue.
#[utoipa::path(get, path = "/api/v1/stock/approvals/{id}", tag = "stock",
    params(("id" = i64, Path, description = "Approval id")),
    responses((status = 200, body = ApprovalDto), (status = 404, body = super::ErrorBody)))]
pub async fn approval(
    State(s): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<ApprovalDto>, ApiError> {
    Ok(Json(s.app.stock_approval(&user.actor(), id).await?.into()))
}

/// An approved issue with what the ledger did.
#[derive(Serialize, ToSchema)]
pub struct ApprovedResult {
    /// The approval.
    pub approval: ApprovalDto,
    /// The ledger's result of the issue.
    pub result: CommandResult,
}

/// Approve a queued issue (managers): it runs through the ledger exactly once. 201 when
/// issued now, 200 when it had been approved before (the first result); 409 with the
/// ledger's code (e.g. `stock.insufficient`) when refused — the request then stays pending;
/// 409 `stock.approval_decided` when it was rejected.
#[utoipa::path(post, path = "/api/v1/stock/approvals/{id}/approve", tag = "stock",
    params(("id" = i64, Path, description = "Approval id")),
    responses((status = 201, body = ApprovedResult), (status = 200, body = ApprovedResult),
        (status = 403, body = super::ErrorBody), (status = 404, body = super::ErrorBody),
        (status = 409, body = super::ErrorBody)))]
pub async fn approve(
    State(s): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    ApiPath(id): ApiPath<i64>,
) -> Result<(StatusCode, Json<ApprovedResult>), ApiError> {
    let ApprovalDecision {
        approval,
        outcome,
        replayed,
    } = s.app.approve_stock_approval(&user.actor(), id).await?;
    let (status, Json(result)) = answer(StockReceipt { outcome, replayed });
    Ok((
        status,
        Json(ApprovedResult {
            approval: approval.into(),
            result,
        }),
    ))
}

/// A rejection.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RejectBody {
    /// Why (required).
    pub reason: String,
}

/// Reject a queued issue with a reason (managers); nothing moves.
#[utoipa::path(post, path = "/api/v1/stock/approvals/{id}/reject", tag = "stock",
    params(("id" = i64, Path, description = "Approval id")), request_body = RejectBody,
    responses((status = 200, body = ApprovalDto), (status = 403, body = super::ErrorBody),
        (status = 404, body = super::ErrorBody), (status = 409, body = super::ErrorBody),
        (status = 422, body = super::ErrorBody)))]
pub async fn reject(
    State(s): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    ApiPath(id): ApiPath<i64>,
    body: Result<Json<RejectBody>, JsonRejection>,
) -> Result<Json<ApprovalDto>, ApiError> {
    let Json(b) = body.map_err(rejection)?;
    Ok(Json(
        s.app
            .reject_stock_approval(&user.actor(), id, &b.reason)
            .await?
            .into(),
    ))
}

/// Aged-stock filter.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AgingQuery {
    /// Warehouse id.
    pub warehouse_id: Option<i64>,
}

/// Shelf stock of one warehouse by lot age.
#[derive(Serialize, ToSchema)]
pub struct AgingDto {
    /// Warehouse id.
    pub warehouse_id: i64,
    /// Warehouse code.
    pub warehouse_code: String,
    /// Age buckets, youngest first: `{label: "0-90" | "91-180" | "181-365" | ">365", qty, value}`.
    pub buckets: Vec<AgingBucketDto>,
}

/// One age bucket.
#[derive(Serialize, ToSchema)]
pub struct AgingBucketDto {
    /// Days of lot age: `0-90`, `91-180`, `181-365`, `>365`.
    pub label: &'static str,
    /// Units.
    pub qty: i64,
    /// Value at standard cost (minor units).
    pub value: i64,
}

/// Labels of the age buckets, youngest first.
pub const AGING_LABELS: [&str; 4] = ["0-90", "91-180", "181-365", ">365"];

/// Stock on shelves by the receipt age of its lots, per warehouse (station users: their own).
#[utoipa::path(get, path = "/api/v1/stock/aging", tag = "stock", params(AgingQuery),
    responses((status = 200, body = [AgingDto]), (status = 404, body = super::ErrorBody)))]
pub async fn aging(
    State(s): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    ApiQuery(q): ApiQuery<AgingQuery>,
) -> Result<Json<Vec<AgingDto>>, ApiError> {
    let rows = s
        .app
        .stock_aging(&user.actor(), q.warehouse_id.map(WarehouseId))
        .await?;
    Ok(Json(
        rows.into_iter()
            .map(|r| AgingDto {
                warehouse_id: r.warehouse_id,
                warehouse_code: r.warehouse_code,
                buckets: (0..4)
                    .map(|i| AgingBucketDto {
                        label: AGING_LABELS[i],
                        qty: r.qty[i],
                        value: r.value[i],
                    })
                    .collect(),
            })
            .collect(),
    ))
}
