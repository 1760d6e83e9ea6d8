//! The JSON API under `/api/v1`, described by OpenAPI 3.1.

pub mod admin;
pub mod health;
pub mod hooks;
pub mod org;
pub mod parts;
pub mod planning;
pub mod planning_lifecycle;
pub mod stock;
pub mod templates;
pub mod ticket_parts;
pub mod tickets;

use crate::params::{self, ParamError};
use crate::state::AppState;
use axum::extract::{FromRequestParts, State};
use axum::http::header;
use axum::http::request::Parts;
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

/// axum's `Query<T>` whose rejection is the JSON error: 400, `request.bad_query`, naming the
/// parameter and the reason.
#[derive(Debug, Clone, Copy, Default)]
pub struct ApiQuery<T>(pub T);

impl<T, S> FromRequestParts<S> for ApiQuery<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ParamError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, ParamError> {
        params::query(parts).map(ApiQuery)
    }
}

/// axum's `Path<T>` whose rejection is the JSON error: 400, `request.bad_path`, naming the
/// parameter and the reason.
#[derive(Debug, Clone, Copy, Default)]
pub struct ApiPath<T>(pub T);

impl<T, S> FromRequestParts<S> for ApiPath<T>
where
    T: serde::de::DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ParamError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ParamError> {
        params::path(parts, state).await.map(ApiPath)
    }
}

/// Every operation that reads path or query parameters can answer 400 with the error body
/// (see [`ApiQuery`], [`ApiPath`]); added here once rather than on each handler.
fn document_bad_params(doc: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::path::ParameterIn;
    use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
    for item in doc.paths.paths.values_mut() {
        let item_params = item.parameters.clone().unwrap_or_default();
        for op in [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
        ]
        .into_iter()
        .flatten()
        {
            let reads_params = item_params
                .iter()
                .chain(op.parameters.iter().flatten())
                .any(|p| matches!(p.parameter_in, ParameterIn::Path | ParameterIn::Query));
            if reads_params && !op.responses.responses.contains_key("400") {
                let response = ResponseBuilder::new()
                    .description("A path or query parameter could not be read (`request.bad_path`, `request.bad_query`)")
                    .content(
                        "application/json",
                        ContentBuilder::new()
                            .schema(Some(Ref::from_schema_name("ErrorBody")))
                            .build(),
                    )
                    .build();
                op.responses
                    .responses
                    .insert("400".to_string(), response.into());
            }
        }
    }
}

/// The API routes and their OpenAPI document.
pub fn router() -> (axum::Router<AppState>, utoipa::openapi::OpenApi) {
    let (router, mut doc) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(admin::me))
        .routes(routes!(admin::list_users, admin::add_user))
        .routes(routes!(admin::set_user_active))
        .routes(routes!(admin::list_tokens, admin::create_token))
        .routes(routes!(admin::revoke_token))
        .routes(routes!(admin::get_settings, admin::put_settings))
        .routes(routes!(admin::audit_log))
        .routes(routes!(org::stations))
        .routes(routes!(org::warehouses))
        .routes(routes!(planning::run))
        .routes(routes!(planning::latest_run))
        .routes(routes!(planning::proposals))
        .routes(routes!(planning::proposal))
        .routes(routes!(planning::approve))
        .routes(routes!(planning::approve_many))
        .routes(routes!(planning::reject))
        .routes(routes!(planning::item))
        .routes(routes!(
            planning_lifecycle::successions,
            planning_lifecycle::set_succession
        ))
        .routes(routes!(planning_lifecycle::remove_succession))
        .routes(routes!(
            planning_lifecycle::events,
            planning_lifecycle::add_event
        ))
        .routes(routes!(planning_lifecycle::cancel_event))
        .routes(routes!(stock::command))
        .routes(routes!(stock::issue))
        .routes(routes!(stock::stock))
        .routes(routes!(stock::movements))
        .routes(routes!(stock::in_transit))
        .routes(routes!(stock::verify))
        .routes(routes!(stock::approvals))
        .routes(routes!(stock::approval))
        .routes(routes!(stock::approve))
        .routes(routes!(stock::reject))
        .routes(routes!(stock::purchase_orders))
        .routes(routes!(stock::receipts))
        .routes(routes!(stock::inspections))
        .routes(routes!(stock::returns))
        .routes(routes!(stock::defective_returns))
        .routes(routes!(stock::reservations))
        .routes(routes!(stock::release_reservation))
        .routes(routes!(stock::expire_reservations))
        .routes(routes!(stock::transfers))
        .routes(routes!(stock::receive_transfer))
        .routes(routes!(stock::resolve_discrepancy))
        .routes(routes!(stock::repair_orders))
        .routes(routes!(stock::receive_from_repair))
        .routes(routes!(stock::unrepairable))
        .routes(routes!(stock::scraps))
        .routes(routes!(stock::decide_scrap))
        .routes(routes!(stock::disposals))
        .routes(routes!(stock::stocktakes))
        .routes(routes!(stock::stocktake_counts))
        .routes(routes!(stock::approve_stocktake))
        .routes(routes!(stock::aging))
        .routes(routes!(tickets::search, tickets::intake))
        .routes(routes!(tickets::export_xlsx))
        .routes(routes!(tickets::detail))
        .routes(routes!(tickets::act))
        .routes(routes!(tickets::suggestions))
        .routes(routes!(tickets::auto_dispatch))
        .routes(routes!(tickets::dispatch_queue))
        .routes(routes!(tickets::sla_watch))
        .routes(routes!(tickets::callback_queue))
        .routes(routes!(tickets::jobs))
        .routes(routes!(tickets::get_settings, tickets::put_settings))
        .routes(routes!(tickets::fault_codes))
        .routes(routes!(tickets::find_customers, tickets::create_customer))
        .routes(routes!(tickets::customer))
        .routes(routes!(tickets::add_unit))
        .routes(routes!(tickets::unit))
        .routes(routes!(tickets::webhooks, tickets::add_webhook))
        .routes(routes!(tickets::webhook_deliveries))
        .routes(routes!(hooks::webhook, hooks::update_webhook))
        .routes(routes!(hooks::set_active))
        .routes(routes!(hooks::send_test))
        .routes(routes!(hooks::get_sla, hooks::put_sla))
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
        .routes(routes!(ticket_parts::parts, ticket_parts::request))
        .routes(routes!(ticket_parts::arrived))
        .routes(routes!(ticket_parts::issue))
        .routes(routes!(ticket_parts::complete))
        .routes(routes!(ticket_parts::receive_defective))
        .routes(routes!(templates::list))
        .routes(routes!(templates::update))
        .routes(routes!(templates::reset))
        .routes(routes!(templates::preview))
        .merge(
            // Imports carry whole spreadsheets: a larger body limit for this route only.
            OpenApiRouter::new().routes(routes!(parts::import)).layer(
                axum::extract::DefaultBodyLimit::max(aftercare_app::parts_io::MAX_IMPORT_BYTES),
            ),
        )
        .split_for_parts();
    document_bad_params(&mut doc);
    (router, doc)
}

/// `GET /api/v1/openapi.json`.
pub async fn openapi_json(State(state): State<AppState>) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "application/json")],
        state.openapi.as_ref().clone(),
    )
}

#[cfg(test)]
mod tests {
    use utoipa::openapi::path::ParameterIn;

    #[test]
    fn operations_that_read_path_or_query_parameters_document_the_400_error() {
        let (_, doc) = super::router();
        let proposals = doc.paths.paths["/api/v1/planning/proposals"]
            .get
            .as_ref()
            .unwrap();
        let warehouse = proposals
            .parameters
            .iter()
            .flatten()
            .find(|p| p.name == "warehouse")
            .unwrap();
        // Query structs must say so: utoipa no longer sees axum's `Query` in the signature.
        assert!(matches!(warehouse.parameter_in, ParameterIn::Query));
        for path in [
            "/api/v1/planning/proposals",
            "/api/v1/planning/proposals/{id}/approve",
            "/api/v1/stock",
            "/api/v1/tickets/{id}",
        ] {
            let item = &doc.paths.paths[path];
            let op = item.get.as_ref().or(item.post.as_ref()).unwrap();
            assert!(op.responses.responses.contains_key("400"), "{path}");
        }
        // No parameters, nothing to misread.
        let me = doc.paths.paths["/api/v1/me"].get.as_ref().unwrap();
        assert!(!me.responses.responses.contains_key("400"));
    }
}
