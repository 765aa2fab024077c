//! First-run setup: creating the first instance administrator with the logged setup code.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::auth::{session_view, set_cookie};
use super::views::{SessionCreatedView, SetupRequest, SetupStatusView};
use crate::auth::ClientCtx;
use crate::error::{ApiResult, ProblemView};
use crate::extract::ApiJson;
use crate::state::AppState;

/// Whether the instance still needs its first administrator.
#[utoipa::path(get, path = "/api/v1/setup", tag = "setup",
    responses((status = 200, description = "Setup status", body = SetupStatusView)))]
pub(super) async fn get_setup(State(state): State<AppState>) -> ApiResult<Json<SetupStatusView>> {
    Ok(Json(SetupStatusView {
        required: state.app.setup_required().await?,
    }))
}

/// Create the first instance administrator with the one-time code from the server log.
#[utoipa::path(post, path = "/api/v1/setup", tag = "setup", request_body = SetupRequest,
    responses((status = 201, description = "Administrator created and signed in", body = SessionCreatedView),
        (status = 403, description = "Wrong setup code", body = ProblemView, content_type = "application/problem+json"),
        (status = 409, description = "Already set up", body = ProblemView, content_type = "application/problem+json")))]
pub(super) async fn complete_setup(
    State(state): State<AppState>,
    ClientCtx(ctx): ClientCtx,
    ApiJson(req): ApiJson<SetupRequest>,
) -> ApiResult<Response> {
    let s = state
        .app
        .complete_setup(&req.code, &req.email, &req.name, &req.password, &ctx)
        .await?;
    Ok((
        StatusCode::CREATED,
        set_cookie(&state, &s),
        Json(session_view(&s)),
    )
        .into_response())
}
