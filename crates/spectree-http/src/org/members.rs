//! Organization members and their roles.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use spectree_domain::ids::{OrgId, UserId};

use super::views::{MemberView, SetOrgRoleRequest};
use crate::auth::Authenticated;
use crate::error::{ApiResult, ProblemView};
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::state::AppState;
use crate::views::{PageQuery, PageView};

/// Members of an organization.
#[utoipa::path(get, path = "/api/v1/orgs/{org}/members", tag = "organizations",
    params(("org" = OrgId, Path, description = "Organization id"), PageQuery),
    responses((status = 200, description = "Members", body = PageView<MemberView>),
        (status = 404, description = "Not found", body = ProblemView, content_type = "application/problem+json")))]
pub(super) async fn list_org_members(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    ApiPath(org): ApiPath<OrgId>,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> ApiResult<Json<PageView<MemberView>>> {
    let page = state
        .app
        .list_org_members(&actor, org, &q.request())
        .await?;
    Ok(Json(PageView::from_page(page, |m| MemberView::from(&m))))
}

/// Set a member's organization role (Admins; Owners for ownership).
#[utoipa::path(put, path = "/api/v1/orgs/{org}/members/{user}", tag = "organizations",
    request_body = SetOrgRoleRequest,
    params(("org" = OrgId, Path, description = "Organization id"), ("user" = UserId, Path, description = "User id")),
    responses((status = 204, description = "Role set"),
        (status = 403, description = "Not allowed", body = ProblemView, content_type = "application/problem+json"),
        (status = 404, description = "Not found", body = ProblemView, content_type = "application/problem+json"),
        (status = 409, description = "Would remove the last owner", body = ProblemView, content_type = "application/problem+json")))]
pub(super) async fn set_org_member(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    ApiPath((org, user)): ApiPath<(OrgId, UserId)>,
    ApiJson(req): ApiJson<SetOrgRoleRequest>,
) -> ApiResult<StatusCode> {
    state.app.set_org_role(&actor, org, user, req.role).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Remove a member, or leave the organization (your own user id).
#[utoipa::path(delete, path = "/api/v1/orgs/{org}/members/{user}", tag = "organizations",
    params(("org" = OrgId, Path, description = "Organization id"), ("user" = UserId, Path, description = "User id")),
    responses((status = 204, description = "Removed"),
        (status = 403, description = "Not allowed", body = ProblemView, content_type = "application/problem+json"),
        (status = 404, description = "Not found", body = ProblemView, content_type = "application/problem+json"),
        (status = 409, description = "Would remove the last owner", body = ProblemView, content_type = "application/problem+json")))]
pub(super) async fn remove_org_member(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    ApiPath((org, user)): ApiPath<(OrgId, UserId)>,
) -> ApiResult<StatusCode> {
    state.app.remove_org_member(&actor, org, user).await?;
    Ok(StatusCode::NO_CONTENT)
}
