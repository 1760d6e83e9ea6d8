//! The home page: who you are, what you may see, and the organisation at a glance.

use super::{Page, app_error_page, format_instant, render};
use crate::middleware::CurrentUser;
use crate::state::AppState;
use aftercare_domain::Scope;
use askama::Template;
use axum::Extension;
use axum::extract::State;
use axum::response::Response;

#[derive(Template)]
#[template(path = "home.html")]
struct HomeTemplate {
    page: Page,
    scope_key: &'static str,
    company: String,
    time_zone: String,
    currency: String,
    now: String,
    counts: Option<Vec<(&'static str, i64)>>,
}

/// `GET /`.
pub async fn home(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
) -> Response {
    let settings = match state.app.company_settings().await {
        Ok(s) => s,
        Err(e) => return app_error_page(&user, &e),
    };
    let actor = user.actor();
    let counts = if user.principal.role.is_hq() {
        match state.app.org_counts(&actor).await {
            Ok(c) => Some(vec![
                ("home.regions", c.regions),
                ("home.stations", c.stations),
                ("home.technicians", c.technicians),
                ("home.warehouses", c.warehouses),
                ("home.models", c.product_models),
                ("home.brands", c.brands),
            ]),
            Err(e) => return app_error_page(&user, &e),
        }
    } else {
        None
    };
    let scope_key = match user.principal.scope {
        Scope::All => "home.scope_all",
        Scope::Station(_) => "home.scope_station",
        Scope::Brand(_) => "home.scope_brand",
    };
    let now = format_instant(state.app.now().0, &settings.time_zone);
    render(&HomeTemplate {
        page: Page::for_user(&user, "home.title", "/"),
        scope_key,
        company: settings.company_name,
        time_zone: settings.time_zone,
        currency: settings.currency,
        now,
        counts,
    })
}
