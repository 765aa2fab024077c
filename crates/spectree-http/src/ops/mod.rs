//! Operations endpoints: liveness, readiness and metrics. Not under `/api/v1`, not in the
//! public API document, never authenticated.

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;

use crate::error::{ApiError, ErrorCode};
use crate::state::AppState;

/// The ops routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/livez", get(livez))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
}

async fn livez() -> &'static str {
    "ok"
}

async fn readyz(State(state): State<AppState>) -> Result<&'static str, ApiError> {
    match state.app.store().ping().await {
        Ok(()) => Ok("ok"),
        Err(e) => {
            tracing::warn!(error = %e, "readiness check failed");
            Err(ApiError::new(
                ErrorCode::Unavailable,
                "the database is not reachable",
            ))
        }
    }
}

async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    let activity = match state.app.activity_backlog().await {
        Ok(counts) => Some(counts),
        Err(e) => {
            tracing::warn!(error = %e, "reading the activity outbox for the metrics failed");
            None
        }
    };
    let body = state.metrics.render(
        state.app.store().pool_stats(),
        activity,
        state.app.credential_cache_stats(),
    );
    (
        StatusCode::OK,
        [(
            header::CONTENT_TYPE,
            prometheus_client::encoding::prometheus_text::CONTENT_TYPE,
        )],
        body,
    )
}
