//! Stations and warehouses, within the caller's scope.

use crate::error::ApiError;
use crate::middleware::CurrentUser;
use crate::state::AppState;
use axum::extract::State;
use axum::{Extension, Json};
use serde::Serialize;
use utoipa::ToSchema;

/// A service station.
#[derive(Serialize, ToSchema)]
pub struct StationDto {
    /// Id.
    pub id: i64,
    /// Code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Region name.
    pub region: String,
    /// urban, township or remote.
    pub tier: String,
    /// Open tickets it can hold.
    pub capacity: i64,
    /// Score 0-100.
    pub score: i64,
    /// Takes tickets.
    pub active: bool,
    /// Number of technicians.
    pub technicians: i64,
}

/// Stations the caller may see (a station user sees only its own).
#[utoipa::path(get, path = "/api/v1/stations", tag = "org", responses((status = 200, body = [StationDto])))]
pub async fn stations(
    State(s): State<AppState>,
    Extension(user): Extension<CurrentUser>,
) -> Result<Json<Vec<StationDto>>, ApiError> {
    let rows = s.app.list_stations(&user.actor()).await?;
    Ok(Json(
        rows.into_iter()
            .map(|r| StationDto {
                id: r.id,
                code: r.code,
                name: r.name,
                region: r.region,
                tier: r.tier,
                capacity: r.capacity,
                score: r.score,
                active: r.active,
                technicians: r.technicians,
            })
            .collect(),
    ))
}

/// A warehouse.
#[derive(Serialize, ToSchema)]
pub struct WarehouseDto {
    /// Id.
    pub id: i64,
    /// Code.
    pub code: String,
    /// Name.
    pub name: String,
    /// central, regional or station.
    pub kind: String,
    /// Code of the warehouse it is replenished from.
    pub parent_code: Option<String>,
    /// Owning station id.
    pub station_id: Option<i64>,
    /// In use.
    pub active: bool,
}

/// Warehouses the caller may see (a station user sees only its own).
#[utoipa::path(get, path = "/api/v1/warehouses", tag = "org", responses((status = 200, body = [WarehouseDto])))]
pub async fn warehouses(
    State(s): State<AppState>,
    Extension(user): Extension<CurrentUser>,
) -> Result<Json<Vec<WarehouseDto>>, ApiError> {
    let rows = s.app.list_warehouses(&user.actor()).await?;
    Ok(Json(
        rows.into_iter()
            .map(|r| WarehouseDto {
                id: r.id,
                code: r.code,
                name: r.name,
                kind: r.kind,
                parent_code: r.parent_code,
                station_id: r.station_id,
                active: r.active,
            })
            .collect(),
    ))
}
