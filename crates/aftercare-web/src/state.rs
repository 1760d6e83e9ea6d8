//! Shared state handed to every handler.

use aftercare_app::App;
use metrics_exporter_prometheus::PrometheusHandle;
use std::sync::Arc;

/// Settings of the HTTP layer.
#[derive(Debug, Clone, Default)]
pub struct WebConfig {
    /// Mark cookies `Secure` (set when served behind TLS).
    pub secure_cookies: bool,
}

/// What handlers share.
#[derive(Clone)]
pub struct AppState {
    /// The application (use cases).
    pub app: App,
    /// Web settings.
    pub config: WebConfig,
    /// Prometheus exporter handle, when metrics are recorded.
    pub metrics: Option<PrometheusHandle>,
    pub(crate) openapi: Arc<String>,
}

impl AppState {
    /// State for `app`.
    pub fn new(app: App, config: WebConfig, metrics: Option<PrometheusHandle>) -> Self {
        AppState {
            app,
            config,
            metrics,
            openapi: Arc::new(String::new()),
        }
    }

    pub(crate) fn with_openapi(mut self, doc: utoipa::openapi::OpenApi) -> Self {
        self.openapi = Arc::new(doc.to_pretty_json().unwrap_or_default());
        self
    }
}

/// Install the global Prometheus recorder once per process and return its handle.
pub fn install_metrics() -> Option<PrometheusHandle> {
    static HANDLE: std::sync::OnceLock<Option<PrometheusHandle>> = std::sync::OnceLock::new();
    HANDLE
        .get_or_init(|| {
            metrics_exporter_prometheus::PrometheusBuilder::new()
                .install_recorder()
                .ok()
        })
        .clone()
}
