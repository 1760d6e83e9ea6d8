//! Parts on a ticket: `/api/v1/tickets/{id}/parts...`. Reserved, issued and returned
//! through the stock ledger at the station's own warehouse; another station's ticket answers
//! 404 like one that does not exist.

use super::ApiPath;
use crate::error::{ApiError, rejection};
use crate::middleware::CurrentUser;
use crate::state::AppState;
use aftercare_app::AppError;
use aftercare_app::tickets::{PartRequestLine, PartUse, RepairCompletion, TicketParts};
use aftercare_domain::{PartId, TicketId};
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::http::HeaderMap;
use axum::{Extension, Json};
use serde::Deserialize;
use serde_json::Value;
use utoipa::ToSchema;

fn json(p: &TicketParts) -> Result<Json<Value>, ApiError> {
    serde_json::to_value(p)
        .map(Json)
        .map_err(|e| ApiError(AppError::Unexpected(e.to_string())))
}

/// One requested line.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LineBody {
    /// The part.
    pub part_id: i64,
    /// Units (1-1000).
    pub qty: i64,
}

/// A parts request.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RequestBody {
    /// The parts wanted (each part once).
    pub lines: Vec<LineBody>,
}

/// Used and returned units of one issued line.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UseBody {
    /// The line.
    pub line_id: i64,
    /// Units fitted.
    pub used: i64,
    /// Units returned unused to stock.
    pub returned: i64,
}

/// Completion of the repair with its parts.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CompleteBody {
    /// What was done, in words (required).
    pub actions_taken: String,
    /// Diagnosed fault code id.
    pub fault_code: Option<i64>,
    /// Labour minutes (0-100000).
    pub labour_minutes: Option<i64>,
    /// Every issued line with its used and returned units.
    #[serde(default)]
    pub parts: Vec<UseBody>,
}

/// A ticket's part lines (with substitutes offered for waiting ones) and its old-for-new
/// return obligations.
#[utoipa::path(get, path = "/api/v1/tickets/{id}/parts", tag = "tickets",
    params(("id" = i64, Path, description = "Ticket id")),
    responses((status = 200, body = Object, description = "Lines and obligations"), (status = 404, body = super::ErrorBody)))]
pub async fn parts(
    State(s): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Value>, ApiError> {
    json(&s.app.ticket_parts(&user.actor(), TicketId(id)).await?)
}

/// Request parts at the station's warehouse. Lines whose full quantity is available are
/// reserved for the ticket; the others wait (a ticket on site goes to `waiting_for_parts`)
/// and list the available declared substitutes. The `Idempotency-Key` header is required: a
/// retry with the same key adds nothing, the same key with other lines answers 409
/// `ticket.parts_key_reused`.
#[utoipa::path(post, path = "/api/v1/tickets/{id}/parts", tag = "tickets", request_body = RequestBody,
    params(("id" = i64, Path, description = "Ticket id"),
        ("Idempotency-Key" = String, Header, description = "Names the request; a retry with it adds nothing")),
    responses((status = 200, body = Object, description = "Lines and obligations"), (status = 404, body = super::ErrorBody),
        (status = 409, body = super::ErrorBody), (status = 422, body = super::ErrorBody)))]
pub async fn request(
    State(s): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    ApiPath(id): ApiPath<i64>,
    headers: HeaderMap,
    body: Result<Json<RequestBody>, JsonRejection>,
) -> Result<Json<Value>, ApiError> {
    let Json(b) = body.map_err(rejection)?;
    let key = headers
        .get(super::stock::IDEMPOTENCY_KEY)
        .ok_or_else(|| {
            ApiError(AppError::invalid(
                "Idempotency-Key",
                "is required to request parts (a retry with the same key adds nothing)",
            ))
        })?
        .to_str()
        .map_err(|_| {
            ApiError(AppError::invalid(
                "Idempotency-Key",
                "must be printable ASCII",
            ))
        })?
        .to_string();
    let lines: Vec<PartRequestLine> = b
        .lines
        .iter()
        .map(|l| PartRequestLine {
            part_id: PartId(l.part_id),
            qty: l.qty,
        })
        .collect();
    json(
        &s.app
            .request_parts(&user.actor(), TicketId(id), &key, &lines)
            .await?,
    )
}

/// The awaited parts arrived: waiting lines now available are reserved; when none waits,
/// a ticket waiting for parts goes back on site.
#[utoipa::path(post, path = "/api/v1/tickets/{id}/parts/arrived", tag = "tickets",
    params(("id" = i64, Path, description = "Ticket id")),
    responses((status = 200, body = Object), (status = 404, body = super::ErrorBody), (status = 409, body = super::ErrorBody)))]
pub async fn arrived(
    State(s): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Value>, ApiError> {
    json(&s.app.parts_arrived(&user.actor(), TicketId(id)).await?)
}

/// Issue every reserved line to the ticket. Safe to retry: each line is issued once.
#[utoipa::path(post, path = "/api/v1/tickets/{id}/parts/issue", tag = "tickets",
    params(("id" = i64, Path, description = "Ticket id")),
    responses((status = 200, body = Object), (status = 404, body = super::ErrorBody), (status = 409, body = super::ErrorBody)))]
pub async fn issue(
    State(s): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Value>, ApiError> {
    json(&s.app.issue_parts(&user.actor(), TicketId(id)).await?)
}

/// Complete the repair with parts used and returned unused (back to stock through the
/// ledger) and labour; in-warranty tickets open an old-for-new return obligation per used
/// line.
#[utoipa::path(post, path = "/api/v1/tickets/{id}/parts/complete", tag = "tickets", request_body = CompleteBody,
    params(("id" = i64, Path, description = "Ticket id")),
    responses((status = 200, body = Object), (status = 404, body = super::ErrorBody),
        (status = 409, body = super::ErrorBody), (status = 422, body = super::ErrorBody)))]
pub async fn complete(
    State(s): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    ApiPath(id): ApiPath<i64>,
    body: Result<Json<CompleteBody>, JsonRejection>,
) -> Result<Json<Value>, ApiError> {
    let Json(b) = body.map_err(rejection)?;
    let c = RepairCompletion {
        actions_taken: b.actions_taken,
        fault_code: b.fault_code,
        labour_minutes: b.labour_minutes,
        parts: b
            .parts
            .iter()
            .map(|u| PartUse {
                line_id: u.line_id,
                used: u.used,
                returned: u.returned,
            })
            .collect(),
    };
    json(
        &s.app
            .complete_repair(&user.actor(), TicketId(id), c)
            .await?,
    )
}

/// The defective part of an old-for-new obligation was received: into defective stock by
/// the ledger's defective return, and the obligation is closed.
#[utoipa::path(post, path = "/api/v1/tickets/{id}/parts/returns/{obligation}/receive", tag = "tickets",
    params(("id" = i64, Path, description = "Ticket id"), ("obligation" = i64, Path, description = "Obligation id")),
    responses((status = 200, body = Object), (status = 404, body = super::ErrorBody), (status = 409, body = super::ErrorBody)))]
pub async fn receive_defective(
    State(s): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    ApiPath((id, obligation)): ApiPath<(i64, i64)>,
) -> Result<Json<Value>, ApiError> {
    json(
        &s.app
            .receive_defective_part(&user.actor(), TicketId(id), obligation)
            .await?,
    )
}
