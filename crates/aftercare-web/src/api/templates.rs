//! Customer message templates: `/api/v1/admin/message-templates...` (list, save with a
//! version check, reset to the built-in text, preview). Admins only (the app layer checks).

use super::ApiPath;
use crate::error::{ApiError, rejection};
use crate::middleware::CurrentUser;
use crate::state::AppState;
use aftercare_app::AppError;
use aftercare_app::message_templates::{PreviewRequest, placeholders};
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::{Extension, Json};
use serde::Deserialize;
use serde_json::Value;
use utoipa::ToSchema;

fn json<T: serde::Serialize>(v: &T) -> Result<Json<Value>, ApiError> {
    serde_json::to_value(v)
        .map(Json)
        .map_err(|e| ApiError(AppError::Unexpected(e.to_string())))
}

/// A new template text.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TemplateBody {
    /// The text, with placeholders such as `{ticket_number}`; `{{`/`}}` for literal braces.
    pub body: String,
    /// The version last read (0 if never saved).
    pub version: i64,
}

/// Reset to the built-in text.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResetBody {
    /// The version last read; when given, a newer save refuses the reset (409).
    #[serde(default)]
    pub version: Option<i64>,
}

/// What to preview.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PreviewBody {
    /// Event, e.g. `ticket.appointment_booked`.
    pub event: String,
    /// `zh-CN` or `en`.
    pub lang: String,
    /// A draft text (checked, not saved); omit to render the text in force.
    #[serde(default)]
    pub body: Option<String>,
    /// A ticket to render with; omit (and `ticket_number`) for the sample ticket.
    #[serde(default)]
    pub ticket_id: Option<i64>,
    /// Or the ticket's number.
    #[serde(default)]
    pub ticket_number: Option<String>,
}

/// Every template (three events in zh-CN and en) and the placeholder names (admin).
#[utoipa::path(get, path = "/api/v1/admin/message-templates", tag = "admin",
    responses((status = 200, body = Object), (status = 403, body = super::ErrorBody)))]
pub async fn list(
    State(s): State<AppState>,
    Extension(user): Extension<CurrentUser>,
) -> Result<Json<Value>, ApiError> {
    let templates = s.app.message_templates(&user.actor()).await?;
    Ok(Json(serde_json::json!({
        "templates": json(&templates)?.0,
        "placeholders": placeholders(),
    })))
}

/// Save a template (admin): 422 naming the bad placeholder or brace and its position
/// (nothing saved); 409 when `version` is stale.
#[utoipa::path(put, path = "/api/v1/admin/message-templates/{event}/{lang}", tag = "admin",
    params(("event" = String, Path), ("lang" = String, Path)), request_body = TemplateBody,
    responses((status = 200, body = Object), (status = 403, body = super::ErrorBody), (status = 404, body = super::ErrorBody),
        (status = 409, body = super::ErrorBody), (status = 422, body = super::ErrorBody)))]
pub async fn update(
    State(s): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    ApiPath((event, lang)): ApiPath<(String, String)>,
    body: Result<Json<TemplateBody>, JsonRejection>,
) -> Result<Json<Value>, ApiError> {
    let Json(b) = body.map_err(rejection)?;
    json(
        &s.app
            .update_message_template(&user.actor(), &event, &lang, &b.body, b.version)
            .await?,
    )
}

/// Bring back the built-in text (admin); the body (`{"version": n}`) is optional.
#[utoipa::path(post, path = "/api/v1/admin/message-templates/{event}/{lang}/reset", tag = "admin",
    params(("event" = String, Path), ("lang" = String, Path)), request_body = ResetBody,
    responses((status = 200, body = Object), (status = 403, body = super::ErrorBody), (status = 404, body = super::ErrorBody),
        (status = 409, body = super::ErrorBody)))]
pub async fn reset(
    State(s): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    ApiPath((event, lang)): ApiPath<(String, String)>,
    body: axum::body::Bytes,
) -> Result<Json<Value>, ApiError> {
    let b: ResetBody = if body.iter().all(u8::is_ascii_whitespace) {
        ResetBody::default()
    } else {
        crate::error::from_json_slice(&body)?
    };
    json(
        &s.app
            .reset_message_template(&user.actor(), &event, &lang, b.version)
            .await?,
    )
}

/// Render a template with the sample ticket or a real one (admin); a draft `body` is
/// checked like a save (422) and not saved.
#[utoipa::path(post, path = "/api/v1/admin/message-templates/preview", tag = "admin", request_body = PreviewBody,
    responses((status = 200, body = Object), (status = 403, body = super::ErrorBody), (status = 404, body = super::ErrorBody),
        (status = 422, body = super::ErrorBody)))]
pub async fn preview(
    State(s): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    body: Result<Json<PreviewBody>, JsonRejection>,
) -> Result<Json<Value>, ApiError> {
    let Json(b) = body.map_err(rejection)?;
    let req = PreviewRequest {
        event: b.event,
        lang: b.lang,
        body: b.body,
        ticket_id: b.ticket_id,
        ticket_number: b.ticket_number,
    };
    json(&s.app.preview_message_template(&user.actor(), &req).await?)
}
