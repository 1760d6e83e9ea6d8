//! The JSON API under `/api/v1`, described by OpenAPI 3.1.

pub mod admin;
pub mod health;
pub mod org;
pub mod parts;
pub mod stock;

use crate::state::AppState;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

#[derive(OpenApi)]
#[openapi(
    info(title = "Aftercare API", description = "After-sales service platform: tickets, dispatch, spare parts, planning, settlement."),
    components(schemas(ErrorBody, ErrorDetail)),
    modifiers(&BearerAuth),
    security(("bearer" = []))
)]
struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
    }
}

/// The error body every failure returns.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// The error.
    pub error: ErrorDetail,
}

/// Inside [`ErrorBody`].
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// Stable machine code, e.g. `auth.forbidden`.
    pub code: String,
    /// Human message.
    pub message: String,
    /// Structured details (e.g. invalid fields), or null.
    pub details: serde_json::Value,
}

/// The API routes and their OpenAPI document.
pub fn router() -> (axum::Router<AppState>, utoipa::openapi::OpenApi) {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(admin::me))
        .routes(routes!(admin::list_users, admin::add_user))
        .routes(routes!(admin::set_user_active))
        .routes(routes!(admin::list_tokens, admin::create_token))
        .routes(routes!(admin::revoke_token))
        .routes(routes!(admin::get_settings, admin::put_settings))
        .routes(routes!(admin::audit_log))
        .routes(routes!(org::stations))
        .routes(routes!(org::warehouses))
        .routes(routes!(stock::command))
        .routes(routes!(stock::issue))
        .routes(routes!(stock::stock))
        .routes(routes!(stock::movements))
        .routes(routes!(stock::in_transit))
        .routes(routes!(stock::verify))
        .routes(routes!(parts::list_parts, parts::create_part))
        .routes(routes!(parts::get_part, parts::update_part))
        .routes(routes!(parts::part_where_used))
        .routes(routes!(parts::model_parts))
        .routes(routes!(parts::set_where_used))
        .routes(routes!(parts::part_substitutes))
        .routes(routes!(parts::set_substitute, parts::remove_substitute))
        .routes(routes!(parts::part_levels))
        .routes(routes!(parts::set_level, parts::remove_level))
        .routes(routes!(parts::export))
        .routes(routes!(parts::template))
        .merge(
            // Imports carry whole spreadsheets: a larger body limit for this route only.
            OpenApiRouter::new().routes(routes!(parts::import)).layer(
                axum::extract::DefaultBodyLimit::max(aftercare_app::parts_io::MAX_IMPORT_BYTES),
            ),
        )
        .split_for_parts()
}

/// `GET /api/v1/openapi.json`.
pub async fn openapi_json(State(state): State<AppState>) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "application/json")],
        state.openapi.as_ref().clone(),
    )
}
