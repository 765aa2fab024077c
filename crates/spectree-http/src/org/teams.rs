//! Teams and team members.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use spectree_app::org::TeamChanges;
use spectree_domain::ids::{OrgId, TeamId, UserId};
use spectree_domain::org::Role;

use super::views::{
    CreateTeamRequest, SetTeamRoleRequest, TeamMemberView, TeamView, UpdateTeamRequest,
};
use crate::auth::Authenticated;
use crate::error::{ApiResult, ProblemView};
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::state::AppState;
use crate::views::{PageQuery, PageView};

/// Create a team (organization Admins).
#[utoipa::path(post, path = "/api/v1/orgs/{org}/teams", tag = "teams", request_body = CreateTeamRequest,
    params(("org" = OrgId, Path, description = "Organization id")),
    responses((status = 201, description = "Created", body = TeamView),
        (status = 403, description = "Not allowed", body = ProblemView, content_type = "application/problem+json"),
        (status = 404, description = "Not found", body = ProblemView, content_type = "application/problem+json"),
        (status = 409, description = "Slug taken", body = ProblemView, content_type = "application/problem+json")))]
pub(super) async fn create_team(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    ApiPath(org): ApiPath<OrgId>,
    ApiJson(req): ApiJson<CreateTeamRequest>,
) -> ApiResult<(StatusCode, Json<TeamView>)> {
    let team = state
        .app
        .create_team(&actor, org, &req.name, &req.slug)
        .await?;
    Ok((StatusCode::CREATED, Json(TeamView::new(&team, None))))
}

/// Teams of an organization the caller can see.
#[utoipa::path(get, path = "/api/v1/orgs/{org}/teams", tag = "teams",
    params(("org" = OrgId, Path, description = "Organization id"), PageQuery),
    responses((status = 200, description = "Teams", body = PageView<TeamView>),
        (status = 404, description = "Not found", body = ProblemView, content_type = "application/problem+json")))]
pub(super) async fn list_teams(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    ApiPath(org): ApiPath<OrgId>,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> ApiResult<Json<PageView<TeamView>>> {
    let page = state.app.list_teams(&actor, org, &q.request()).await?;
    Ok(Json(PageView::from_page(page, |t| TeamView::new(&t, None))))
}

/// Read a team.
#[utoipa::path(get, path = "/api/v1/teams/{team}", tag = "teams",
    params(("team" = TeamId, Path, description = "Team id")),
    responses((status = 200, description = "The team", body = TeamView),
        (status = 404, description = "Not found", body = ProblemView, content_type = "application/problem+json")))]
pub(super) async fn get_team(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    ApiPath(team): ApiPath<TeamId>,
) -> ApiResult<Json<TeamView>> {
    let (team, role) = state.app.get_team(&actor, team).await?;
    Ok(Json(TeamView::new(&team, role)))
}

/// Change a team's settings (team Admins).
#[utoipa::path(patch, path = "/api/v1/teams/{team}", tag = "teams", request_body = UpdateTeamRequest,
    params(("team" = TeamId, Path, description = "Team id")),
    responses((status = 200, description = "Updated", body = TeamView),
        (status = 403, description = "Not allowed", body = ProblemView, content_type = "application/problem+json"),
        (status = 404, description = "Not found", body = ProblemView, content_type = "application/problem+json")))]
pub(super) async fn update_team(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    ApiPath(team): ApiPath<TeamId>,
    ApiJson(req): ApiJson<UpdateTeamRequest>,
) -> ApiResult<Json<TeamView>> {
    let team = state
        .app
        .update_team(
            &actor,
            team,
            TeamChanges {
                name: req.name,
                slug: req.slug,
                viewers_can_comment: req.viewers_can_comment,
            },
        )
        .await?;
    Ok(Json(TeamView::new(&team, None)))
}

/// Members of a team.
#[utoipa::path(get, path = "/api/v1/teams/{team}/members", tag = "teams",
    params(("team" = TeamId, Path, description = "Team id"), PageQuery),
    responses((status = 200, description = "Members", body = PageView<TeamMemberView>),
        (status = 404, description = "Not found", body = ProblemView, content_type = "application/problem+json")))]
pub(super) async fn list_team_members(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    ApiPath(team): ApiPath<TeamId>,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> ApiResult<Json<PageView<TeamMemberView>>> {
    let page = state
        .app
        .list_team_members(&actor, team, &q.request())
        .await?;
    Ok(Json(PageView::from_page(page, |m| {
        TeamMemberView::from(&m)
    })))
}

/// Give an organization member a team role, or change it (team Admins, up to their own role).
#[utoipa::path(put, path = "/api/v1/teams/{team}/members/{user}", tag = "teams",
    request_body = SetTeamRoleRequest,
    params(("team" = TeamId, Path, description = "Team id"), ("user" = UserId, Path, description = "User id")),
    responses((status = 204, description = "Role set"),
        (status = 403, description = "Not allowed", body = ProblemView, content_type = "application/problem+json"),
        (status = 404, description = "Not found", body = ProblemView, content_type = "application/problem+json"),
        (status = 422, description = "Not an organization member, or owner role", body = ProblemView, content_type = "application/problem+json")))]
pub(super) async fn set_team_member(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    ApiPath((team, user)): ApiPath<(TeamId, UserId)>,
    ApiJson(req): ApiJson<SetTeamRoleRequest>,
) -> ApiResult<StatusCode> {
    let role: Role = req.role;
    state.app.set_team_member(&actor, team, user, role).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Remove someone from a team (team Admins, or yourself).
#[utoipa::path(delete, path = "/api/v1/teams/{team}/members/{user}", tag = "teams",
    params(("team" = TeamId, Path, description = "Team id"), ("user" = UserId, Path, description = "User id")),
    responses((status = 204, description = "Removed"),
        (status = 403, description = "Not allowed", body = ProblemView, content_type = "application/problem+json"),
        (status = 404, description = "Not found", body = ProblemView, content_type = "application/problem+json")))]
pub(super) async fn remove_team_member(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    ApiPath((team, user)): ApiPath<(TeamId, UserId)>,
) -> ApiResult<StatusCode> {
    state.app.remove_team_member(&actor, team, user).await?;
    Ok(StatusCode::NO_CONTENT)
}
