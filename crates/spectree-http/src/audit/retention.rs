//! The organization's retention policy.

use axum::Json;
use axum::extract::State;
use spectree_domain::audit::RetentionPolicy;
use spectree_domain::ids::OrgId;

use super::views::RetentionView;
use crate::auth::Authenticated;
use crate::error::{ApiResult, ProblemView};
use crate::extract::{ApiJson, ApiPath};
use crate::state::AppState;

/// The organization's retention policy (Admins and Owners).
#[utoipa::path(get, path = "/api/v1/orgs/{org}/retention", tag = "audit",
    params(("org" = OrgId, Path, description = "Organization id")),
    responses((status = 200, description = "The policy", body = RetentionView),
        (status = 403, description = "Not an Admin or Owner", body = ProblemView, content_type = "application/problem+json"),
        (status = 404, description = "Not found", body = ProblemView, content_type = "application/problem+json")))]
pub(super) async fn get_retention(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    ApiPath(org): ApiPath<OrgId>,
) -> ApiResult<Json<RetentionView>> {
    let p = state.app.retention_policy(&actor, org).await?;
    Ok(Json(p.into()))
}

/// Set the organization's retention policy (Admins and Owners; audited with before and
/// after).
#[utoipa::path(put, path = "/api/v1/orgs/{org}/retention", tag = "audit",
    request_body = RetentionView,
    params(("org" = OrgId, Path, description = "Organization id")),
    responses((status = 200, description = "The policy now", body = RetentionView),
        (status = 403, description = "Not an Admin or Owner", body = ProblemView, content_type = "application/problem+json"),
        (status = 404, description = "Not found", body = ProblemView, content_type = "application/problem+json"),
        (status = 422, description = "A period out of range", body = ProblemView, content_type = "application/problem+json")))]
pub(super) async fn set_retention(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    ApiPath(org): ApiPath<OrgId>,
    ApiJson(req): ApiJson<RetentionView>,
) -> ApiResult<Json<RetentionView>> {
    let policy = RetentionPolicy {
        version_days: req.version_days,
        audit_days: req.audit_days,
        legal_hold: req.legal_hold,
    };
    let p = state.app.set_retention_policy(&actor, org, policy).await?;
    Ok(Json(p.into()))
}
