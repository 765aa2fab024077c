//! Invitations: send, list, revoke, accept.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use spectree_app::org::InviteInput;
use spectree_domain::ids::{InvitationId, OrgId};

use super::views::{
    AcceptInvitationRequest, AcceptedView, CreateInvitationRequest, InvitationCreatedView,
    InvitationView,
};
use crate::auth::Authenticated;
use crate::error::{ApiResult, ProblemView};
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::state::AppState;
use crate::views::{PageQuery, PageView};

/// Invite someone by email (organization Admins, roles up to their own).
#[utoipa::path(post, path = "/api/v1/orgs/{org}/invitations", tag = "invitations",
    request_body = CreateInvitationRequest,
    params(("org" = OrgId, Path, description = "Organization id")),
    responses((status = 201, description = "Invitation sent", body = InvitationCreatedView),
        (status = 403, description = "Not allowed", body = ProblemView, content_type = "application/problem+json"),
        (status = 404, description = "Not found", body = ProblemView, content_type = "application/problem+json"),
        (status = 422, description = "Invalid field", body = ProblemView, content_type = "application/problem+json")))]
pub(super) async fn create_invitation(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    ApiPath(org): ApiPath<OrgId>,
    ApiJson(req): ApiJson<CreateInvitationRequest>,
) -> ApiResult<(StatusCode, Json<InvitationCreatedView>)> {
    let new = state
        .app
        .invite(
            &actor,
            org,
            InviteInput {
                email: req.email,
                org_role: req.org_role,
                team_id: req.team_id,
                team_role: req.team_role,
            },
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(InvitationCreatedView {
            invitation: InvitationView::from(&new.invitation),
            accept_url: format!(
                "{}/invite?token={}",
                state.settings.public_url.trim_end_matches('/'),
                new.token
            ),
        }),
    ))
}

/// Open invitations of an organization (organization Admins).
#[utoipa::path(get, path = "/api/v1/orgs/{org}/invitations", tag = "invitations",
    params(("org" = OrgId, Path, description = "Organization id"), PageQuery),
    responses((status = 200, description = "Invitations", body = PageView<InvitationView>),
        (status = 404, description = "Not found", body = ProblemView, content_type = "application/problem+json")))]
pub(super) async fn list_invitations(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    ApiPath(org): ApiPath<OrgId>,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> ApiResult<Json<PageView<InvitationView>>> {
    let page = state
        .app
        .list_invitations(&actor, org, &q.request())
        .await?;
    Ok(Json(PageView::from_page(page, |i| {
        InvitationView::from(&i)
    })))
}

/// Revoke an open invitation (organization Admins).
#[utoipa::path(delete, path = "/api/v1/orgs/{org}/invitations/{invitation}", tag = "invitations",
    params(("org" = OrgId, Path, description = "Organization id"),
        ("invitation" = InvitationId, Path, description = "Invitation id")),
    responses((status = 204, description = "Revoked"),
        (status = 404, description = "Not found", body = ProblemView, content_type = "application/problem+json")))]
pub(super) async fn revoke_invitation(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    ApiPath((org, id)): ApiPath<(OrgId, InvitationId)>,
) -> ApiResult<StatusCode> {
    state.app.revoke_invitation(&actor, org, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Accept an invitation addressed to the caller's email.
#[utoipa::path(post, path = "/api/v1/invitations/accept", tag = "invitations",
    request_body = AcceptInvitationRequest,
    responses((status = 200, description = "Joined", body = AcceptedView),
        (status = 400, description = "Invalid or expired invitation", body = ProblemView, content_type = "application/problem+json"),
        (status = 403, description = "Addressed to someone else", body = ProblemView, content_type = "application/problem+json")))]
pub(super) async fn accept_invitation(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    ApiJson(req): ApiJson<AcceptInvitationRequest>,
) -> ApiResult<Json<AcceptedView>> {
    let org_id = state.app.accept_invitation(&actor, &req.token).await?;
    Ok(Json(AcceptedView { org_id }))
}
