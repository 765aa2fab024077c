//! What every handler can reach.

use std::sync::Arc;

use spectree_app::App;

use crate::metrics::Metrics;

/// Settings of the HTTP surface.
#[derive(Debug, Clone)]
pub struct HttpSettings {
    /// Base URL people reach the instance at; its origin is accepted on writes.
    pub public_url: String,
    /// Mark the session cookie `Secure`.
    pub secure_cookies: bool,
    /// Largest request body, in bytes.
    pub max_body_bytes: usize,
    /// Take the client address from `X-Forwarded-For`.
    pub trust_forwarded_for: bool,
    /// Largest body of a project import, in bytes.
    pub import_max_bytes: usize,
}

/// Shared state of the router.
#[derive(Clone)]
pub struct AppState {
    /// The use cases.
    pub app: App,
    /// HTTP settings.
    pub settings: Arc<HttpSettings>,
    /// Prometheus metrics.
    pub metrics: Arc<Metrics>,
}
