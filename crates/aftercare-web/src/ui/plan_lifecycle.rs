//! The planning lifecycle page: successor parts (phase-in) and demand events (recalls).

use super::PageForm;
use super::PagePath;
use super::{Page, app_error_page, render};
use crate::middleware::CurrentUser;
use crate::state::AppState;
use aftercare_app::AppError;
use aftercare_app::planning_lifecycle::{
    AddDemandEvent, DemandEventRow, SetSuccession, Succession,
};
use askama::Template;
use axum::Extension;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

/// A demand event with its rate and total in words.
pub struct EventRow {
    e: DemandEventRow,
    rate: String,
    needed: String,
}

#[derive(Template)]
#[template(path = "plan_lifecycle.html")]
struct LifecycleTemplate {
    page: Page,
    successions: Vec<Succession>,
    events: Vec<EventRow>,
    warehouses: Vec<(i64, String)>,
    /// This rendering's form key: the event form sent twice records one event.
    form_key: String,
}

fn decimal(x: f64) -> String {
    aftercare_app::planning_lifecycle::fmt_qty(x)
}

/// `GET /planning/lifecycle`.
pub async fn page(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
) -> Response {
    lifecycle_page(&state, &user, None).await
}

async fn lifecycle_page(
    state: &AppState,
    user: &CurrentUser,
    error: Option<&AppError>,
) -> Response {
    let actor = user.actor();
    let successions = match state.app.successions(&actor).await {
        Ok(s) => s,
        Err(e) => return app_error_page(user, &e),
    };
    let events = match state.app.demand_events(&actor, false).await {
        Ok(e) => e,
        Err(e) => return app_error_page(user, &e),
    };
    let warehouses = match state.app.list_warehouses(&actor).await {
        Ok(w) => w.into_iter().map(|w| (w.id, w.code)).collect(),
        Err(e) => return app_error_page(user, &e),
    };
    let mut page = Page::for_user(user, "lifecycle.title", "/planning");
    if let Some(e) = error {
        page = page.with_error(e);
    }
    render(&LifecycleTemplate {
        page,
        form_key: aftercare_app::random_token(),
        successions,
        events: events
            .into_iter()
            .map(|e| EventRow {
                rate: decimal(e.replacement_ppm as f64 / 1e6),
                needed: decimal(e.affected_units as f64 * e.replacement_ppm as f64 / 1e6),
                e,
            })
            .collect(),
        warehouses,
    })
}

/// Redirect back after a change, or the page again with the error for bad input.
async fn after(state: &AppState, user: &CurrentUser, result: Result<(), AppError>) -> Response {
    match result {
        Ok(()) => Redirect::to("/planning/lifecycle").into_response(),
        // With the API's status (422, 409, 404), as the other pages answer a refused form.
        Err(e @ (AppError::Invalid(_) | AppError::Conflict { .. } | AppError::NotFound { .. })) => {
            super::refused(lifecycle_page(state, user, Some(&e)).await, &e)
        }
        Err(e) => app_error_page(user, &e),
    }
}

/// The succession form.
#[derive(Debug, Deserialize)]
pub struct SuccessionForm {
    predecessor: String,
    successor: String,
    #[serde(default)]
    share_pct: String,
}

/// `POST /planning/successions`.
pub async fn set_succession(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    PageForm(f): PageForm<SuccessionForm>,
) -> Response {
    let share = f.share_pct.trim();
    let result = match share.parse::<i64>() {
        _ if share.is_empty() => Ok(None),
        Ok(n) => Ok(Some(n)),
        Err(_) => Err(AppError::invalid(
            "share_pct",
            format!("{share:?} is not a whole percentage"),
        )),
    };
    let result = match result {
        Ok(share_pct) => state
            .app
            .set_succession(
                &user.actor(),
                SetSuccession {
                    predecessor: f.predecessor,
                    successor: f.successor,
                    share_pct,
                },
            )
            .await
            .map(|_| ()),
        Err(e) => Err(e),
    };
    after(&state, &user, result).await
}

/// `POST /planning/successions/{predecessor}/remove`.
pub async fn remove_succession(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    PagePath(predecessor): PagePath<String>,
) -> Response {
    let result = state
        .app
        .remove_succession(&user.actor(), &predecessor)
        .await;
    after(&state, &user, result).await
}

/// The demand event form.
#[derive(Debug, Deserialize)]
pub struct EventForm {
    part_number: String,
    warehouse_id: String,
    name: String,
    starts_on: String,
    ends_on: String,
    affected_units: String,
    replacement_rate: String,
    #[serde(default)]
    form: Option<String>,
}

/// `POST /planning/events`.
pub async fn add_event(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    PageForm(f): PageForm<EventForm>,
) -> Response {
    let key = super::request_key(f.form.as_deref(), &f);
    let number = |field: &str, s: &str| {
        s.trim()
            .parse::<i64>()
            .map_err(|_| AppError::invalid(field, format!("{:?} is not a whole number", s.trim())))
    };
    let result = match (
        number("warehouse_id", &f.warehouse_id),
        number("affected_units", &f.affected_units),
    ) {
        (Ok(warehouse_id), Ok(affected_units)) => state
            .app
            .add_demand_event_once(
                &user.actor(),
                AddDemandEvent {
                    part_number: f.part_number,
                    warehouse_id,
                    name: f.name,
                    starts_on: f.starts_on,
                    ends_on: f.ends_on,
                    affected_units,
                    replacement_rate: f.replacement_rate,
                },
                key.as_deref(),
            )
            .await
            .map(|_| ()),
        (Err(e), _) | (_, Err(e)) => Err(e),
    };
    after(&state, &user, result).await
}

/// `POST /planning/events/{id}/cancel`.
pub async fn cancel_event(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    PagePath(id): PagePath<i64>,
) -> Response {
    let result = state
        .app
        .cancel_demand_event(&user.actor(), id)
        .await
        .map(|_| ());
    after(&state, &user, result).await
}
