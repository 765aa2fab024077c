//! The organization's AI switch.

use axum::Json;
use axum::extract::State;
use spectree_domain::ids::OrgId;

use super::views::AiSettingsView;
use crate::auth::Authenticated;
use crate::error::{ApiResult, ProblemView};
use crate::extract::{ApiJson, ApiPath};
use crate::state::AppState;

/// Whether AI generation is on for the organization (members).
#[utoipa::path(get, path = "/api/v1/orgs/{org}/ai", tag = "ai",
    params(("org" = OrgId, Path, description = "Organization id")),
    responses((status = 200, description = "The switch", body = AiSettingsView),
        (status = 404, description = "Not found", body = ProblemView, content_type = "application/problem+json")))]
pub(super) async fn get_ai_settings(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    ApiPath(org): ApiPath<OrgId>,
) -> ApiResult<Json<AiSettingsView>> {
    let enabled = state.app.ai_enabled(&actor, org).await?;
    Ok(Json(AiSettingsView { enabled }))
}

/// Turn AI generation on or off for the organization (Admins and Owners; audited).
#[utoipa::path(put, path = "/api/v1/orgs/{org}/ai", tag = "ai",
    request_body = AiSettingsView,
    params(("org" = OrgId, Path, description = "Organization id")),
    responses((status = 200, description = "The switch now", body = AiSettingsView),
        (status = 403, description = "Not an Admin or Owner", body = ProblemView, content_type = "application/problem+json"),
        (status = 404, description = "Not found", body = ProblemView, content_type = "application/problem+json")))]
pub(super) async fn set_ai_settings(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    ApiPath(org): ApiPath<OrgId>,
    ApiJson(req): ApiJson<AiSettingsView>,
) -> ApiResult<Json<AiSettingsView>> {
    let enabled = state.app.set_ai_enabled(&actor, org, req.enabled).await?;
    Ok(Json(AiSettingsView { enabled }))
}
