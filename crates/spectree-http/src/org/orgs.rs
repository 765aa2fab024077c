//! Creating and reading organizations.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use spectree_domain::ids::OrgId;
use spectree_domain::org::Role;

use super::views::{CreateOrgRequest, OrgView};
use crate::auth::Authenticated;
use crate::error::{ApiResult, ProblemView};
use crate::extract::{ApiJson, ApiPath};
use crate::state::AppState;

/// Create an organization; the caller becomes its owner.
#[utoipa::path(post, path = "/api/v1/orgs", tag = "organizations", request_body = CreateOrgRequest,
    responses((status = 201, description = "Created", body = OrgView),
        (status = 409, description = "Slug taken", body = ProblemView, content_type = "application/problem+json"),
        (status = 422, description = "Invalid field", body = ProblemView, content_type = "application/problem+json")))]
pub(super) async fn create_org(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    ApiJson(req): ApiJson<CreateOrgRequest>,
) -> ApiResult<(StatusCode, Json<OrgView>)> {
    let org = state.app.create_org(&actor, &req.name, &req.slug).await?;
    Ok((
        StatusCode::CREATED,
        Json(OrgView::new(&org, Some(Role::Owner))),
    ))
}

/// Read an organization the caller belongs to.
#[utoipa::path(get, path = "/api/v1/orgs/{org}", tag = "organizations",
    params(("org" = OrgId, Path, description = "Organization id")),
    responses((status = 200, description = "The organization", body = OrgView),
        (status = 404, description = "Not found", body = ProblemView, content_type = "application/problem+json")))]
pub(super) async fn get_org(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    ApiPath(org): ApiPath<OrgId>,
) -> ApiResult<Json<OrgView>> {
    let o = state.app.get_org(&actor, org).await?;
    Ok(Json(OrgView::new(&o.org, o.role)))
}
