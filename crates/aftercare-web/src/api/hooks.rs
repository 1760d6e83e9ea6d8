//! Webhook administration beyond list/add (one subscription, edit, enable/disable, test
//! event) and the SLA settings with the time zone: `/api/v1/webhooks/{id}...`,
//! `/api/v1/sla-settings`. Admins only (the app layer checks).

use super::ApiPath;
use crate::error::{ApiError, rejection};
use crate::middleware::CurrentUser;
use crate::state::AppState;
use aftercare_app::AppError;
use aftercare_app::sla_settings::SlaSettings;
use aftercare_app::webhooks::WebhookUpdate;
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::http::StatusCode;
use axum::{Extension, Json};
use serde::Deserialize;
use serde_json::Value;
use utoipa::ToSchema;

fn json<T: serde::Serialize>(v: &T) -> Result<Json<Value>, ApiError> {
    serde_json::to_value(v)
        .map(Json)
        .map_err(|e| ApiError(AppError::Unexpected(e.to_string())))
}

/// New values for a webhook subscription.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WebhookUpdateBody {
    /// Name.
    pub name: String,
    /// `http://` or `https://` URL of the receiver.
    pub url: String,
    /// Event names or `["*"]`.
    pub events: Vec<String>,
    /// A new shared secret (at least 16 characters); omit or leave empty to keep the current.
    #[serde(default)]
    pub secret: Option<String>,
    /// `zh-CN` or `en`.
    pub language: String,
}

/// Turn delivery on or off.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActiveBody {
    /// Deliver to this subscription.
    pub active: bool,
}

/// One webhook subscription (admin; the secret is never shown).
#[utoipa::path(get, path = "/api/v1/webhooks/{id}", tag = "webhooks", params(("id" = i64, Path)),
    responses((status = 200, body = Object), (status = 403, body = super::ErrorBody), (status = 404, body = super::ErrorBody)))]
pub async fn webhook(
    State(s): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Value>, ApiError> {
    json(&s.app.webhook(&user.actor(), id).await?)
}

/// Change a webhook subscription (admin); on bad input nothing changes (422 with every field).
#[utoipa::path(put, path = "/api/v1/webhooks/{id}", tag = "webhooks", params(("id" = i64, Path)), request_body = WebhookUpdateBody,
    responses((status = 200, body = Object), (status = 404, body = super::ErrorBody), (status = 422, body = super::ErrorBody)))]
pub async fn update_webhook(
    State(s): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    ApiPath(id): ApiPath<i64>,
    body: Result<Json<WebhookUpdateBody>, JsonRejection>,
) -> Result<Json<Value>, ApiError> {
    let Json(b) = body.map_err(rejection)?;
    let r = s
        .app
        .update_webhook(
            &user.actor(),
            id,
            WebhookUpdate {
                name: b.name,
                url: b.url,
                events: b.events,
                secret: b.secret,
                language: b.language,
            },
        )
        .await?;
    json(&r)
}

/// Enable or disable a webhook subscription (admin).
#[utoipa::path(put, path = "/api/v1/webhooks/{id}/active", tag = "webhooks", params(("id" = i64, Path)), request_body = ActiveBody,
    responses((status = 200, body = Object), (status = 404, body = super::ErrorBody)))]
pub async fn set_active(
    State(s): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    ApiPath(id): ApiPath<i64>,
    body: Result<Json<ActiveBody>, JsonRejection>,
) -> Result<Json<Value>, ApiError> {
    let Json(b) = body.map_err(rejection)?;
    json(
        &s.app
            .set_webhook_active(&user.actor(), id, b.active)
            .await?,
    )
}

/// Queue a `webhook.test` event for one subscription (admin); 202 with the job id.
#[utoipa::path(post, path = "/api/v1/webhooks/{id}/test", tag = "webhooks", params(("id" = i64, Path)),
    responses((status = 202, body = Object), (status = 404, body = super::ErrorBody), (status = 409, body = super::ErrorBody)))]
pub async fn send_test(
    State(s): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    ApiPath(id): ApiPath<i64>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let job = s.app.send_test_webhook(&user.actor(), id).await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(serde_json::json!({ "job_id": job })),
    ))
}

/// The SLA settings: `sla` (minutes per tier and kind, `at_risk_percent`), `rules`
/// (`accept_timeout_minutes`, `repeat_window.days`) and `time_zone` (admin).
#[utoipa::path(get, path = "/api/v1/sla-settings", tag = "admin", responses((status = 200, body = Object), (status = 403, body = super::ErrorBody)))]
pub async fn get_sla(
    State(s): State<AppState>,
    Extension(user): Extension<CurrentUser>,
) -> Result<Json<Value>, ApiError> {
    json(&s.app.sla_settings(&user.actor()).await?)
}

/// Change the SLA settings (admin); same shape as the GET; every bad field in one 422.
#[utoipa::path(put, path = "/api/v1/sla-settings", tag = "admin", request_body = Object,
    responses((status = 200, body = Object), (status = 403, body = super::ErrorBody), (status = 422, body = super::ErrorBody)))]
pub async fn put_sla(
    State(s): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    body: Result<Json<SlaSettings>, JsonRejection>,
) -> Result<Json<Value>, ApiError> {
    let Json(b) = body.map_err(rejection)?;
    json(&s.app.update_sla_settings(&user.actor(), b).await?)
}
