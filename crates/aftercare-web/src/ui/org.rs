//! Stations and warehouses pages.

use super::{Page, app_error_page, render};
use crate::middleware::CurrentUser;
use crate::state::AppState;
use askama::Template;
use axum::Extension;
use axum::extract::State;
use axum::response::Response;

/// A station row with translated labels.
pub struct StationRow {
    code: String,
    name: String,
    region: String,
    tier_key: &'static str,
    capacity: i64,
    score: i64,
    active: bool,
    technicians: i64,
}

#[derive(Template)]
#[template(path = "stations.html")]
struct StationsTemplate {
    page: Page,
    rows: Vec<StationRow>,
}

fn tier_key(tier: &str) -> &'static str {
    match tier {
        "urban" => "tier.urban",
        "township" => "tier.township",
        _ => "tier.remote",
    }
}

fn kind_key(kind: &str) -> &'static str {
    match kind {
        "central" => "kind.central",
        "regional" => "kind.regional",
        _ => "kind.station",
    }
}

/// `GET /stations`.
pub async fn stations(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
) -> Response {
    match state.app.list_stations(&user.actor()).await {
        Ok(list) => render(&StationsTemplate {
            page: Page::for_user(&user, "stations.title", "/stations"),
            rows: list
                .into_iter()
                .map(|s| StationRow {
                    tier_key: tier_key(&s.tier),
                    code: s.code,
                    name: s.name,
                    region: s.region,
                    capacity: s.capacity,
                    score: s.score,
                    active: s.active,
                    technicians: s.technicians,
                })
                .collect(),
        }),
        Err(e) => app_error_page(&user, &e),
    }
}

/// A warehouse row.
pub struct WarehouseRow {
    code: String,
    name: String,
    kind_key: &'static str,
    parent: String,
    active: bool,
}

#[derive(Template)]
#[template(path = "warehouses.html")]
struct WarehousesTemplate {
    page: Page,
    rows: Vec<WarehouseRow>,
}

/// `GET /warehouses`.
pub async fn warehouses(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
) -> Response {
    match state.app.list_warehouses(&user.actor()).await {
        Ok(list) => render(&WarehousesTemplate {
            page: Page::for_user(&user, "warehouses.title", "/warehouses"),
            rows: list
                .into_iter()
                .map(|w| WarehouseRow {
                    kind_key: kind_key(&w.kind),
                    code: w.code,
                    name: w.name,
                    parent: w.parent_code.unwrap_or_default(),
                    active: w.active,
                })
                .collect(),
        }),
        Err(e) => app_error_page(&user, &e),
    }
}
