//! Planning's lifecycle inputs: successor parts and demand events (recalls).

use super::{ApiPath, ApiQuery};
use crate::error::{ApiError, rejection};
use crate::middleware::CurrentUser;
use crate::state::AppState;
use aftercare_app::planning_lifecycle::{
    AddDemandEvent, DemandEventRow, SetSuccession, Succession,
};
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::http::StatusCode;
use axum::{Extension, Json};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// A successor part taking over a predecessor's uses.
#[derive(Serialize, ToSchema)]
pub struct SuccessionDto {
    /// Part id of the part being replaced.
    pub predecessor_id: i64,
    /// Its part number.
    pub predecessor: String,
    /// Part id of the part that takes over.
    pub successor_id: i64,
    /// Its part number.
    pub successor: String,
    /// Percent of the predecessor's demand that moves over.
    pub share_pct: i64,
    /// Who recorded it.
    pub created_by: String,
    /// When (UTC ms).
    pub created_at: i64,
}

impl From<Succession> for SuccessionDto {
    fn from(s: Succession) -> Self {
        SuccessionDto {
            predecessor_id: s.predecessor.0,
            predecessor: s.predecessor_number,
            successor_id: s.successor.0,
            successor: s.successor_number,
            share_pct: s.share_pct,
            created_by: s.created_by,
            created_at: s.created_at.0,
        }
    }
}

/// A succession to record.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SuccessionBody {
    /// Part number of the part being replaced.
    pub predecessor: String,
    /// Part number of the part that takes over.
    pub successor: String,
    /// Percent of the predecessor's demand that moves over, 1–100 (default 100).
    pub share_pct: Option<i64>,
}

/// Every succession (planners).
#[utoipa::path(get, path = "/api/v1/planning/successions", tag = "planning",
    responses((status = 200, body = [SuccessionDto]), (status = 403, body = super::ErrorBody)))]
pub async fn successions(
    State(s): State<AppState>,
    Extension(user): Extension<CurrentUser>,
) -> Result<Json<Vec<SuccessionDto>>, ApiError> {
    let rows = s.app.successions(&user.actor()).await?;
    Ok(Json(rows.into_iter().map(Into::into).collect()))
}

/// Record (or change) the successor of a part: plan runs then add the predecessor's
/// history, times the share, to the successor's at every warehouse.
#[utoipa::path(put, path = "/api/v1/planning/successions", tag = "planning", request_body = SuccessionBody,
    responses((status = 200, body = SuccessionDto), (status = 403, body = super::ErrorBody), (status = 422, body = super::ErrorBody)))]
pub async fn set_succession(
    State(s): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    body: Result<Json<SuccessionBody>, JsonRejection>,
) -> Result<Json<SuccessionDto>, ApiError> {
    let Json(b) = body.map_err(rejection)?;
    let row = s
        .app
        .set_succession(
            &user.actor(),
            SetSuccession {
                predecessor: b.predecessor,
                successor: b.successor,
                share_pct: b.share_pct,
            },
        )
        .await?;
    Ok(Json(row.into()))
}

/// Remove the succession of a part.
#[utoipa::path(delete, path = "/api/v1/planning/successions/{predecessor}", tag = "planning",
    params(("predecessor" = String, Path, description = "Part number of the replaced part")),
    responses((status = 204), (status = 404, body = super::ErrorBody)))]
pub async fn remove_succession(
    State(s): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    ApiPath(predecessor): ApiPath<String>,
) -> Result<StatusCode, ApiError> {
    s.app.remove_succession(&user.actor(), &predecessor).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A demand event (e.g. a recall).
#[derive(Serialize, ToSchema)]
pub struct DemandEventDto {
    /// Id.
    pub id: i64,
    /// Part id.
    pub part_id: i64,
    /// Part number.
    pub part_number: String,
    /// Warehouse id where the parts are needed.
    pub warehouse_id: i64,
    /// Its code.
    pub warehouse_code: String,
    /// What the event is.
    pub name: String,
    /// First day (YYYY-MM-DD).
    pub starts_on: String,
    /// Last day (YYYY-MM-DD), inclusive.
    pub ends_on: String,
    /// Units in the field affected.
    pub affected_units: i64,
    /// Parts needed per affected unit (decimal).
    pub replacement_rate: f64,
    /// Parts needed in all: affected units × rate.
    pub parts_needed: f64,
    /// active or cancelled.
    pub status: String,
    /// Who recorded it.
    pub created_by: String,
    /// When (UTC ms).
    pub created_at: i64,
}

impl From<DemandEventRow> for DemandEventDto {
    fn from(e: DemandEventRow) -> Self {
        let rate = e.replacement_ppm as f64 / 1e6;
        DemandEventDto {
            id: e.id,
            part_id: e.part.0,
            part_number: e.part_number,
            warehouse_id: e.warehouse.0,
            warehouse_code: e.warehouse_code,
            name: e.name,
            starts_on: e.starts_on,
            ends_on: e.ends_on,
            affected_units: e.affected_units,
            replacement_rate: rate,
            parts_needed: e.affected_units as f64 * e.replacement_ppm as f64 / 1e6,
            status: e.status,
            created_by: e.created_by,
            created_at: e.created_at.0,
        }
    }
}

/// A demand event to record.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DemandEventBody {
    /// Part number of the part needed.
    pub part_number: String,
    /// Warehouse where it is needed.
    pub warehouse_id: i64,
    /// What the event is, e.g. the recall's name.
    pub name: String,
    /// First day, YYYY-MM-DD.
    pub starts_on: String,
    /// Last day, YYYY-MM-DD (inclusive).
    pub ends_on: String,
    /// Units in the field affected (> 0).
    pub affected_units: i64,
    /// Parts per affected unit as a decimal string, e.g. "0.02" (at most six places).
    pub replacement_rate: String,
}

/// Which events to list.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EventsQuery {
    /// Only active events (default false: all).
    pub active: Option<bool>,
}

/// Demand events, newest first (planners).
#[utoipa::path(get, path = "/api/v1/planning/events", tag = "planning", params(EventsQuery),
    responses((status = 200, body = [DemandEventDto]), (status = 403, body = super::ErrorBody)))]
pub async fn events(
    State(s): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    ApiQuery(q): ApiQuery<EventsQuery>,
) -> Result<Json<Vec<DemandEventDto>>, ApiError> {
    let rows = s
        .app
        .demand_events(&user.actor(), q.active.unwrap_or(false))
        .await?;
    Ok(Json(rows.into_iter().map(Into::into).collect()))
}

/// Record a demand event: plan runs add its demand still to come to the warehouse and to
/// every warehouse that replenishes it.
#[utoipa::path(post, path = "/api/v1/planning/events", tag = "planning", request_body = DemandEventBody,
    responses((status = 201, body = DemandEventDto), (status = 403, body = super::ErrorBody), (status = 422, body = super::ErrorBody)))]
pub async fn add_event(
    State(s): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    body: Result<Json<DemandEventBody>, JsonRejection>,
) -> Result<(StatusCode, Json<DemandEventDto>), ApiError> {
    let Json(b) = body.map_err(rejection)?;
    let row = s
        .app
        .add_demand_event(
            &user.actor(),
            AddDemandEvent {
                part_number: b.part_number,
                warehouse_id: b.warehouse_id,
                name: b.name,
                starts_on: b.starts_on,
                ends_on: b.ends_on,
                affected_units: b.affected_units,
                replacement_rate: b.replacement_rate,
            },
        )
        .await?;
    Ok((StatusCode::CREATED, Json(row.into())))
}

/// Cancel an active demand event.
#[utoipa::path(post, path = "/api/v1/planning/events/{id}/cancel", tag = "planning",
    params(("id" = i64, Path, description = "Event id")),
    responses((status = 200, body = DemandEventDto), (status = 404, body = super::ErrorBody), (status = 409, body = super::ErrorBody)))]
pub async fn cancel_event(
    State(s): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<DemandEventDto>, ApiError> {
    Ok(Json(
        s.app.cancel_demand_event(&user.actor(), id).await?.into(),
    ))
}
