//! Creating, listing, reading and changing projects.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use spectree_app::spec::ProjectChanges;
use spectree_domain::ids::{ProjectId, TeamId};

use super::views::{CreateProjectRequest, ProjectView, UpdateProjectRequest};
use crate::auth::Authenticated;
use crate::error::{ApiResult, ProblemView};
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::state::AppState;
use crate::views::{PageQuery, PageView};

/// Create a project in a team (Editors and up).
#[utoipa::path(post, path = "/api/v1/teams/{team}/projects", tag = "projects",
    request_body = CreateProjectRequest,
    params(("team" = TeamId, Path, description = "Team id")),
    responses((status = 201, description = "Created", body = ProjectView),
        (status = 403, description = "Not allowed", body = ProblemView, content_type = "application/problem+json"),
        (status = 404, description = "Not found", body = ProblemView, content_type = "application/problem+json"),
        (status = 409, description = "Slug taken", body = ProblemView, content_type = "application/problem+json")))]
pub(super) async fn create_project(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    ApiPath(team): ApiPath<TeamId>,
    ApiJson(req): ApiJson<CreateProjectRequest>,
) -> ApiResult<(StatusCode, Json<ProjectView>)> {
    let p = state
        .app
        .create_project(&actor, team, &req.name, &req.slug, &req.description)
        .await?;
    Ok((StatusCode::CREATED, Json(ProjectView::from(&p))))
}

/// A team's projects.
#[utoipa::path(get, path = "/api/v1/teams/{team}/projects", tag = "projects",
    params(("team" = TeamId, Path, description = "Team id"), PageQuery),
    responses((status = 200, description = "Projects", body = PageView<ProjectView>),
        (status = 404, description = "Not found", body = ProblemView, content_type = "application/problem+json")))]
pub(super) async fn list_projects(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    ApiPath(team): ApiPath<TeamId>,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> ApiResult<Json<PageView<ProjectView>>> {
    let page = state.app.list_projects(&actor, team, &q.request()).await?;
    Ok(Json(PageView::from_page(page, |p| ProjectView::from(&p))))
}

/// Read a project.
#[utoipa::path(get, path = "/api/v1/projects/{project}", tag = "projects",
    params(("project" = ProjectId, Path, description = "Project id")),
    responses((status = 200, description = "The project", body = ProjectView),
        (status = 404, description = "Not found", body = ProblemView, content_type = "application/problem+json")))]
pub(super) async fn get_project(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    ApiPath(project): ApiPath<ProjectId>,
) -> ApiResult<Json<ProjectView>> {
    Ok(Json(ProjectView::from(
        &state.app.get_project(&actor, project).await?,
    )))
}

/// Change a project's name, slug or description (Editors and up).
#[utoipa::path(patch, path = "/api/v1/projects/{project}", tag = "projects",
    request_body = UpdateProjectRequest,
    params(("project" = ProjectId, Path, description = "Project id")),
    responses((status = 200, description = "Updated", body = ProjectView),
        (status = 403, description = "Not allowed", body = ProblemView, content_type = "application/problem+json"),
        (status = 404, description = "Not found", body = ProblemView, content_type = "application/problem+json")))]
pub(super) async fn update_project(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    ApiPath(project): ApiPath<ProjectId>,
    ApiJson(req): ApiJson<UpdateProjectRequest>,
) -> ApiResult<Json<ProjectView>> {
    let p = state
        .app
        .update_project(
            &actor,
            project,
            ProjectChanges {
                name: req.name,
                slug: req.slug,
                description: req.description,
            },
        )
        .await?;
    Ok(Json(ProjectView::from(&p)))
}
