//! Aftercare over HTTP: the JSON API under `/api/v1` (described by OpenAPI 3.1 at
//! `/api/v1/openapi.json`) and the server-rendered web UI. Both call the same
//! `aftercare-app` use cases; this crate never touches the database directly.
//!
//! Deny by default: every route except the few in [`PUBLIC_PATHS`] sits behind the
//! authentication layer.

pub mod api;
mod assets;
mod error;
pub mod i18n;
mod middleware;
pub mod params;
mod state;
pub mod ui;

pub use error::ApiError;
pub use state::{AppState, WebConfig, install_metrics};

use axum::Router;
use std::future::Future;
use std::time::Duration;
use tokio::net::TcpListener;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::timeout::TimeoutLayer;

/// Paths reachable without logging in.
pub const PUBLIC_PATHS: &[&str] = &[
    "/login",
    "/healthz",
    "/readyz",
    "/static/{*path}",
    "/favicon.ico",
];

/// The whole router: public routes, then everything else behind authentication.
pub fn router(state: AppState) -> Router {
    let (api_router, openapi) = api::router();
    let protected = Router::new()
        .merge(api_router)
        .merge(ui::protected_router())
        .route(
            "/api/v1/openapi.json",
            axum::routing::get(api::openapi_json),
        )
        .route("/metrics", axum::routing::get(api::health::metrics))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::csrf,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::authenticate,
        ));
    let public = Router::new()
        .merge(ui::public_router())
        .route("/healthz", axum::routing::get(api::health::healthz))
        .route("/readyz", axum::routing::get(api::health::readyz))
        .route("/static/{*path}", axum::routing::get(assets::serve))
        .route("/favicon.ico", axum::routing::get(assets::favicon));
    let state = state.with_openapi(openapi);
    Router::new()
        .merge(public)
        .merge(protected)
        .fallback(error::not_found_fallback)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::track,
        ))
        .layer(TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(60),
        ))
        .layer(CatchPanicLayer::custom(error::panic_response))
        .with_state(state)
}

/// Serve on `listener` until `shutdown` resolves; in-flight requests are finished first.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = router(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
}
