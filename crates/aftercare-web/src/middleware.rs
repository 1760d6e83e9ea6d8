//! Request ids, metrics and logs; authentication (deny by default); CSRF protection.

use crate::error::ApiError;
use crate::i18n::resolve_lang;
use crate::state::AppState;
use aftercare_app::AppError;
use aftercare_domain::Principal;
use aftercare_domain::settings::Lang;
use axum::body::Body;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use std::time::Instant as StdInstant;
use tracing::Instrument;

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "aftercare_session";
/// The language cookie's name (for visitors who are not logged in).
pub const LANG_COOKIE: &str = "aftercare_lang";
/// The form field or header carrying the CSRF token.
pub const CSRF_FIELD: &str = "_csrf";

/// The id of the current request (also sent back in `x-request-id`).
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

/// How the current user authenticated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthVia {
    /// Session cookie from the web UI (CSRF applies).
    Session,
    /// `Authorization: Bearer` API token.
    Bearer,
}

/// The authenticated user of the current request.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    /// Who.
    pub principal: Principal,
    /// Name to show.
    pub display_name: String,
    /// UI language for this request.
    pub lang: Lang,
    /// CSRF token (session only).
    pub csrf_token: Option<String>,
    /// How they authenticated.
    pub via: AuthVia,
    /// Request id.
    pub request_id: String,
}

impl CurrentUser {
    /// The actor for use cases.
    pub fn actor(&self) -> aftercare_app::Actor {
        aftercare_app::Actor::user(self.principal.clone(), Some(self.request_id.clone()))
    }
}

fn new_request_id() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_micros())
        .unwrap_or(0);
    format!("{:x}-{:x}-{n:x}", t, std::process::id())
}

fn incoming_request_id(headers: &HeaderMap) -> Option<String> {
    let v = headers.get("x-request-id")?.to_str().ok()?;
    let ok = !v.is_empty()
        && v.len() <= 64
        && v.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    ok.then(|| v.to_string())
}

/// Give every request an id, log it, count it and time it per route.
pub async fn track(State(_state): State<AppState>, mut req: Request, next: Next) -> Response {
    let id = incoming_request_id(req.headers()).unwrap_or_else(new_request_id);
    req.extensions_mut().insert(RequestId(id.clone()));
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_string())
        .unwrap_or_else(|| "unmatched".to_string());
    let method = req.method().clone();
    let span = tracing::info_span!("request", request_id = %id, method = %method, route = %route);
    let started = StdInstant::now();
    let mut resp = next.run(req).instrument(span.clone()).await;
    let elapsed = started.elapsed();
    let status = resp.status().as_u16();
    span.in_scope(|| {
        if status >= 500 {
            tracing::error!(status, ms = elapsed.as_millis() as u64, "request failed");
        } else {
            tracing::info!(status, ms = elapsed.as_millis() as u64, "request");
        }
    });
    let labels = [
        ("method", method.to_string()),
        ("route", route),
        ("status", status.to_string()),
    ];
    metrics::counter!("aftercare_http_requests_total", &labels).increment(1);
    metrics::histogram!("aftercare_http_request_duration_seconds", &labels)
        .record(elapsed.as_secs_f64());
    if let Ok(v) = HeaderValue::from_str(&id) {
        resp.headers_mut().insert("x-request-id", v);
    }
    resp
}

fn wants_json(req: &Request) -> bool {
    let path = req.uri().path();
    path.starts_with("/api/") || path == "/metrics"
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
}

/// Resolve the user from a bearer token or the session cookie; refuse everyone else
/// (401 JSON for the API, a redirect to the login page for the UI).
pub async fn authenticate(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let request_id = req
        .extensions()
        .get::<RequestId>()
        .map(|r| r.0.clone())
        .unwrap_or_default();
    let jar = CookieJar::from_headers(req.headers());
    let accept_language = req
        .headers()
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let cookie_lang = jar.get(LANG_COOKIE).map(|c| c.value().to_string());
    let result = if let Some(token) = bearer(req.headers()) {
        state
            .app
            .authenticate_bearer(token)
            .await
            .map(|principal| CurrentUser {
                display_name: principal.login.clone(),
                lang: resolve_lang(None, cookie_lang.as_deref(), accept_language.as_deref()),
                principal,
                csrf_token: None,
                via: AuthVia::Bearer,
                request_id: request_id.clone(),
            })
    } else if let Some(cookie) = jar.get(SESSION_COOKIE) {
        state
            .app
            .authenticate_session(cookie.value())
            .await
            .map(|s| CurrentUser {
                lang: resolve_lang(
                    s.language,
                    cookie_lang.as_deref(),
                    accept_language.as_deref(),
                ),
                principal: s.principal,
                display_name: s.display_name,
                csrf_token: Some(s.csrf_token),
                via: AuthVia::Session,
                request_id: request_id.clone(),
            })
    } else {
        Err(AppError::Unauthenticated)
    };
    match result {
        Ok(user) => {
            req.extensions_mut().insert(user);
            next.run(req).await
        }
        Err(AppError::Unauthenticated) if !wants_json(&req) => {
            let target = req
                .uri()
                .path_and_query()
                .map(|p| p.as_str())
                .unwrap_or("/");
            let next_param = serde_urlencoded::to_string([("next", target)]).unwrap_or_default();
            Redirect::to(&format!("/login?{next_param}")).into_response()
        }
        Err(e) => ApiError(e).into_response(),
    }
}

fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Whether the request comes from our own pages, by the browser's own headers.
fn same_origin(headers: &HeaderMap) -> bool {
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        return matches!(site, "same-origin" | "none");
    }
    match (
        headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()),
        headers.get(header::HOST).and_then(|v| v.to_str().ok()),
    ) {
        (Some(origin), Some(host)) => origin
            .split_once("://")
            .map(|(_, rest)| rest.trim_end_matches('/') == host)
            .unwrap_or(false),
        // Neither header: not a browser-initiated cross-site request (browsers send Origin
        // on cross-site POSTs); the token check below still applies.
        _ => true,
    }
}

/// Refuse state-changing requests made with the session cookie unless they come from our
/// own origin and carry the session's CSRF token (header `x-csrf-token`, form field or
/// query parameter `_csrf`). API-token requests carry no ambient credentials and skip it.
pub async fn csrf(req: Request, next: Next) -> Response {
    if is_safe(req.method()) {
        return next.run(req).await;
    }
    let Some(user) = req.extensions().get::<CurrentUser>().cloned() else {
        return next.run(req).await;
    };
    if user.via == AuthVia::Bearer {
        return next.run(req).await;
    }
    let expected = user.csrf_token.clone().unwrap_or_default();
    if !same_origin(req.headers()) {
        return csrf_refusal(&req);
    }
    if let Some(h) = req
        .headers()
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
        && constant_eq(h, &expected)
    {
        return next.run(req).await;
    }
    if let Some(q) = req.uri().query()
        && let Ok(pairs) = serde_urlencoded::from_str::<Vec<(String, String)>>(q)
        && pairs
            .iter()
            .any(|(k, v)| k == CSRF_FIELD && constant_eq(v, &expected))
    {
        return next.run(req).await;
    }
    let is_form = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|c| c.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return csrf_refusal(&req);
    }
    let (parts, body) = req.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, 2 * 1024 * 1024).await else {
        return (StatusCode::PAYLOAD_TOO_LARGE, "form too large").into_response();
    };
    let ok = serde_urlencoded::from_bytes::<Vec<(String, String)>>(&bytes)
        .map(|pairs| {
            pairs
                .iter()
                .any(|(k, v)| k == CSRF_FIELD && constant_eq(v, &expected))
        })
        .unwrap_or(false);
    let req = Request::from_parts(parts, Body::from(bytes));
    if ok {
        next.run(req).await
    } else {
        csrf_refusal(&req)
    }
}

fn csrf_refusal(req: &Request) -> Response {
    tracing::warn!(path = %req.uri().path(), "CSRF check failed");
    if wants_json(req) {
        // Not the role's refusal ("your role may not …"): anyone's request without the
        // session's token is refused.
        let body = crate::error::error_json(
            "auth.csrf",
            "missing or invalid CSRF token for this session: reload the page and try again",
            serde_json::Value::Null,
        );
        (StatusCode::FORBIDDEN, axum::Json(body)).into_response()
    } else {
        crate::ui::error_page(StatusCode::FORBIDDEN, Lang::ZhCn, "error.csrf")
    }
}

fn constant_eq(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && !b.is_empty()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_origin_trusts_fetch_metadata_then_origin() {
        let mut h = HeaderMap::new();
        h.insert("sec-fetch-site", HeaderValue::from_static("cross-site"));
        assert!(!same_origin(&h));
        let mut h = HeaderMap::new();
        h.insert(
            header::ORIGIN,
            HeaderValue::from_static("http://evil.example"),
        );
        h.insert(header::HOST, HeaderValue::from_static("127.0.0.1:8080"));
        assert!(!same_origin(&h));
        h.insert(
            header::ORIGIN,
            HeaderValue::from_static("http://127.0.0.1:8080"),
        );
        assert!(same_origin(&h));
    }

    #[test]
    fn tokens_compare_exactly() {
        assert!(constant_eq("abc", "abc"));
        assert!(!constant_eq("abd", "abc"));
        assert!(!constant_eq("", ""));
    }
}
