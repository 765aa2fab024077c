//! The HTTP surface of Spec Tree: one axum router per domain under `/api/v1`, the ops
//! endpoints, the OpenAPI document generated from the handlers, and the embedded web app. Handlers are thin:
//! extract, call one use case, map the result.

mod activity;
mod ai;
mod audit;
pub mod auth;
mod collab;
mod discussion;
mod domain_errors;
pub mod error;
mod events;
pub mod extract;
mod history;
mod identity;
pub mod metrics;
mod notification;
mod ops;
mod org;
pub mod origin;
mod shared_views;
mod spec;
pub mod state;
pub mod views;
mod web;
mod webhooks;

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::Request;
use axum::middleware;
use axum::response::IntoResponse;
use axum::routing::get;
use spectree_app::App;
use tower_http::trace::TraceLayer;
use utoipa::OpenApi;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa_axum::router::OpenApiRouter;

use crate::error::{ApiError, ErrorCode};
pub use crate::state::{AppState, HttpSettings};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Spec Tree API",
        description = "The public API of Spec Tree. Errors are RFC 9457 problem+json bodies with a stable `code` (see docs/api-errors.md). Authenticate with the session cookie (writes must send `X-CSRF-Token`) or with a personal API token as `Authorization: Bearer`."
    ),
    modifiers(&SecuritySchemes),
    security(("session_cookie" = []), ("bearer_token" = []))
)]
struct ApiDoc;

struct SecuritySchemes;

impl utoipa::Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "session_cookie",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(auth::SESSION_COOKIE))),
        );
        components.add_security_scheme(
            "bearer_token",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

fn api(import_max_bytes: usize) -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(identity::router())
        .merge(org::router())
        .merge(audit::router())
        .merge(spec::router(import_max_bytes))
        .merge(history::router())
        .merge(ai::router())
        .merge(collab::router())
        .merge(discussion::router())
        .merge(shared_views::router())
        .merge(webhooks::router())
        .merge(events::router())
        .merge(activity::router())
        .merge(notification::router())
}

/// The OpenAPI document of the public API.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let (_, mut doc) = api(0).split_for_parts();
    doc.info.version = env!("CARGO_PKG_VERSION").to_owned();
    doc
}

/// The whole HTTP application.
pub fn router(app: App, settings: HttpSettings) -> Router {
    let state = AppState {
        app,
        settings: Arc::new(settings),
        metrics: Arc::new(metrics::Metrics::default()),
    };
    let max_body = state.settings.max_body_bytes;
    let (api_router, _) = api(state.settings.import_max_bytes).split_for_parts();
    let doc = openapi();
    api_router
        .route("/api/openapi.json", get(move || async move { axum::Json(doc.clone()) }))
        .merge(ops::router())
        .merge(collab::socket_router())
        .fallback_service(web::service())
        .method_not_allowed_fallback(|| async {
            ApiError::code(ErrorCode::MethodNotAllowed).into_response()
        })
        .layer(middleware::from_fn_with_state(state.clone(), origin::check_origin))
        .layer(middleware::from_fn_with_state(state.clone(), metrics::track))
        .layer(DefaultBodyLimit::max(max_body))
        .layer(
            // Spans carry the method and path only: query strings (which may hold tickets)
            // never reach the logs.
            TraceLayer::new_for_http().make_span_with(|req: &Request<_>| {
                tracing::debug_span!("request", method = %req.method(), path = %req.uri().path())
            }),
        )
        .with_state(state)
}

#[cfg(test)]
mod tests {
    /// The committed `docs/openapi.json` must be what the handlers generate; CI fails on
    /// drift. `SPECTREE_UPDATE_DOCS=1 cargo test -p spectree-http` rewrites it.
    #[test]
    fn the_committed_openapi_document_matches_the_handlers() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/openapi.json");
        let generated = serde_json::to_string_pretty(&super::openapi()).unwrap() + "\n";
        let committed = std::fs::read_to_string(path).unwrap_or_default();
        if committed != generated {
            if std::env::var_os("SPECTREE_UPDATE_DOCS").is_some() {
                std::fs::write(path, generated).unwrap();
            } else {
                panic!(
                    "docs/openapi.json is stale: run SPECTREE_UPDATE_DOCS=1 cargo test -p spectree-http"
                );
            }
        }
    }
}
