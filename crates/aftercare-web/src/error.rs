//! The one mapping from application errors (and unreadable query or path parameters) to
//! HTTP: a status and `{"error": {"code": "...", "message": "...", "details": ...}}`.

use crate::params::ParamError;
use aftercare_app::AppError;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// An error returned by an API handler.
#[derive(Debug)]
pub struct ApiError(pub AppError);

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        ApiError(e)
    }
}

/// HTTP status for an application error.
pub fn status_of(e: &AppError) -> StatusCode {
    match e {
        AppError::Unauthenticated | AppError::BadCredentials => StatusCode::UNAUTHORIZED,
        AppError::Throttled { .. } => StatusCode::TOO_MANY_REQUESTS,
        AppError::Forbidden { .. } => StatusCode::FORBIDDEN,
        AppError::NotFound { .. } => StatusCode::NOT_FOUND,
        AppError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
        AppError::Conflict { .. } | AppError::Refused { .. } => StatusCode::CONFLICT,
        AppError::Unexpected(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// The JSON error body; internals of a 500 are logged, never echoed.
pub fn body_of(e: &AppError) -> serde_json::Value {
    let (message, details) = match e {
        AppError::Unexpected(inner) => {
            tracing::error!(error = %inner, "internal error");
            ("internal error; the request id in the x-request-id header identifies it in the server log".to_string(), serde_json::Value::Null)
        }
        AppError::Invalid(fields) => (e.to_string(), json!({ "fields": fields })),
        AppError::Throttled { retry_after_secs } => (
            e.to_string(),
            json!({ "retry_after_secs": retry_after_secs }),
        ),
        AppError::Refused {
            message, details, ..
        } => (message.clone(), details.clone()),
        other => (other.to_string(), serde_json::Value::Null),
    };
    error_json(&e.code(), &message, details)
}

/// The one error body shape, for application errors and for unreadable parameters alike.
pub(crate) fn error_json(
    code: &str,
    message: &str,
    details: serde_json::Value,
) -> serde_json::Value {
    json!({ "error": { "code": code, "message": message, "details": details } })
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut resp = (status_of(&self.0), axum::Json(body_of(&self.0))).into_response();
        if let AppError::Throttled { retry_after_secs } = self.0
            && let Ok(v) = HeaderValue::from_str(&retry_after_secs.to_string())
        {
            resp.headers_mut().insert(header::RETRY_AFTER, v);
        }
        resp
    }
}

impl IntoResponse for ParamError {
    fn into_response(self) -> Response {
        match self {
            ParamError::Bad(bad) => {
                let details = json!({
                    "in": bad.place.as_str(),
                    "parameter": bad.name,
                    "reason": bad.reason,
                });
                let body = error_json(bad.code(), &bad.to_string(), details);
                (StatusCode::BAD_REQUEST, axum::Json(body)).into_response()
            }
            ParamError::Internal(e) => ApiError(AppError::Unexpected(e)).into_response(),
        }
    }
}

/// A JSON error for a request the router could not match (API) or a plain 404 page.
pub async fn not_found_fallback(uri: axum::http::Uri) -> Response {
    if uri.path().starts_with("/api/") {
        ApiError(AppError::not_found(format!("route {}", uri.path()))).into_response()
    } else {
        crate::ui::error_page(
            StatusCode::NOT_FOUND,
            aftercare_domain::settings::Lang::ZhCn,
            "error.not_found",
        )
    }
}

/// A panic becomes a 500 with the standard body; the panic itself is logged.
pub fn panic_response(_err: Box<dyn std::any::Any + Send + 'static>) -> Response {
    tracing::error!("handler panicked");
    ApiError(AppError::Unexpected("panic".into())).into_response()
}

/// Map a request-body rejection (bad JSON, wrong content type) to our error shape: 422
/// `invalid`, naming the field serde names (an unknown or missing key, a value of the wrong
/// type), else `body`.
pub fn rejection(e: axum::extract::rejection::JsonRejection) -> ApiError {
    // axum runs serde_path_to_error over serde_json: find that error in the chain to name
    // the field and keep serde's reason (with its line and column).
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(&e);
    while let Some(inner) = source {
        if let Some(pe) = inner.downcast_ref::<serde_path_to_error::Error<serde_json::Error>>() {
            return ApiError(body_error(&pe.path().to_string(), &pe.inner().to_string()));
        }
        source = inner.source();
    }
    ApiError(AppError::invalid("body", e.body_text()))
}

/// A JSON body that serde refused, as 422 `invalid`: `path` is where serde was (`.` at
/// the top, `lines[0]` inside), `reason` its message. An unknown or missing key is named
/// itself (`targetfill`, `lines[0].qty`); another error names the value's path, or `body`.
pub fn body_error(path: &str, reason: &str) -> AppError {
    let path = path.trim_start_matches('.');
    let key = ["unknown field `", "missing field `"]
        .iter()
        .find_map(|prefix| reason.strip_prefix(prefix))
        .and_then(|rest| rest.split_once('`'))
        .map(|(key, _)| key);
    let field = match (key, path) {
        (Some(key), "") => key.to_string(),
        // serde_path_to_error may already have stepped into the key.
        (Some(key), p) if p == key || p.ends_with(&format!(".{key}")) => p.to_string(),
        (Some(key), p) => format!("{p}.{key}"),
        (None, "") => "body".to_string(),
        (None, p) => p.to_string(),
    };
    AppError::invalid(&field, reason)
}

/// Read a body by hand (a JSON value, or bytes) the way the extractor does, refusing it as
/// [`body_error`] names it.
pub fn from_json_value<T: serde::de::DeserializeOwned>(
    v: serde_json::Value,
) -> Result<T, AppError> {
    serde_path_to_error::deserialize(v)
        .map_err(|e| body_error(&e.path().to_string(), &e.inner().to_string()))
}

/// As [`from_json_value`], from the body's bytes.
pub fn from_json_slice<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, AppError> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let v = serde_path_to_error::deserialize(&mut de)
        .map_err(|e| body_error(&e.path().to_string(), &e.inner().to_string()))?;
    de.end().map_err(|e| body_error("", &e.to_string()))?;
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_internal_error_never_echoes_its_details() {
        let body = body_of(&AppError::Unexpected(
            "password authentication failed for user app at 10.0.0.5".into(),
        ));
        let text = body.to_string();
        assert!(
            !text.contains("10.0.0.5") && !text.contains("password"),
            "{text}"
        );
        assert_eq!(body["error"]["code"], "internal");
        assert_eq!(
            status_of(&AppError::Unexpected(String::new())),
            StatusCode::INTERNAL_SERVER_ERROR
        );
    }

    fn field_of(e: AppError) -> (String, String) {
        match e {
            AppError::Invalid(f) => (f[0].field.clone(), f[0].reason.clone()),
            other => panic!("{other:?}"),
        }
    }

    /// A body's unknown or missing key, or a value of the wrong type, is named as the
    /// field, nested ones with their path.
    #[test]
    fn a_refused_body_names_its_field() {
        use crate::api::ticket_parts::RequestBody;
        let (field, reason) = field_of(
            from_json_slice::<RequestBody>(br#"{"lines":[{"part_id":1,"qty":1,"qtyy":2}]}"#)
                .unwrap_err(),
        );
        assert_eq!(field, "lines[0].qtyy", "{reason}");
        assert!(reason.starts_with("unknown field `qtyy`"), "{reason}");
        let (field, _) =
            field_of(from_json_slice::<RequestBody>(br#"{"lines":[{"part_id":1}]}"#).unwrap_err());
        assert_eq!(field, "lines[0].qty");
        let (field, _) = field_of(
            from_json_slice::<RequestBody>(br#"{"lines":[{"part_id":"x","qty":1}]}"#).unwrap_err(),
        );
        assert_eq!(field, "lines[0].part_id");
        let (field, _) =
            field_of(from_json_slice::<RequestBody>(br#"{"lines": []} x"#).unwrap_err());
        assert_eq!(field, "body");
        let (field, _) = field_of(
            from_json_value::<RequestBody>(serde_json::json!({"lines": [], "extra": 1}))
                .unwrap_err(),
        );
        assert_eq!(field, "extra");
    }

    #[test]
    fn each_error_kind_maps_to_its_status() {
        assert_eq!(
            status_of(&AppError::Unauthenticated),
            StatusCode::UNAUTHORIZED
        );
        assert_eq!(status_of(&AppError::forbidden("x")), StatusCode::FORBIDDEN);
        assert_eq!(status_of(&AppError::not_found("x")), StatusCode::NOT_FOUND);
        assert_eq!(
            status_of(&AppError::invalid("f", "r")),
            StatusCode::UNPROCESSABLE_ENTITY
        );
        assert_eq!(
            status_of(&AppError::Conflict {
                code: "c".into(),
                message: "m".into()
            }),
            StatusCode::CONFLICT
        );
        assert_eq!(
            status_of(&AppError::Throttled {
                retry_after_secs: 1
            }),
            StatusCode::TOO_MANY_REQUESTS
        );
    }
}
