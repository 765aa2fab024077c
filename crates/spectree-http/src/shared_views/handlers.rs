//! Handlers of the shared view routes.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use spectree_app::shared_views::{NewView, ViewChanges};
use spectree_domain::ids::ProjectId;
use uuid::Uuid;

use super::views::{CreateViewRequest, SharedViewView, UpdateViewRequest, ViewItemsView};
use crate::auth::Authenticated;
use crate::error::{ApiResult, ProblemView};
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::state::AppState;
use crate::views::{PageQuery, PageView};

/// The views of a project you see: the shared ones and your own private ones.
#[utoipa::path(get, path = "/api/v1/projects/{project}/views", tag = "shared_views",
    params(("project" = ProjectId, Path, description = "Project id"), PageQuery),
    responses((status = 200, description = "Views", body = PageView<SharedViewView>),
        (status = 404, description = "Not found", body = ProblemView, content_type = "application/problem+json")))]
pub(crate) async fn list_views(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    ApiPath(project): ApiPath<ProjectId>,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> ApiResult<Json<PageView<SharedViewView>>> {
    let page = state.app.list_views(&actor, project, &q.request()).await?;
    let url = &state.app.settings().public_url;
    Ok(Json(PageView::from_page(page, |v| {
        SharedViewView::new(v, url)
    })))
}

/// Save a view of the project's items. Anyone who may see the project may save a private
/// view; sharing it with the team takes the Edit permission.
#[utoipa::path(post, path = "/api/v1/projects/{project}/views", tag = "shared_views",
    params(("project" = ProjectId, Path, description = "Project id")),
    request_body = CreateViewRequest,
    responses((status = 201, description = "Saved", body = SharedViewView),
        (status = 403, description = "May not share with the team", body = ProblemView, content_type = "application/problem+json"),
        (status = 404, description = "Not found", body = ProblemView, content_type = "application/problem+json"),
        (status = 422, description = "Invalid name or definition", body = ProblemView, content_type = "application/problem+json")))]
pub(crate) async fn create_view(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    ApiPath(project): ApiPath<ProjectId>,
    ApiJson(req): ApiJson<CreateViewRequest>,
) -> ApiResult<(StatusCode, Json<SharedViewView>)> {
    let view = state
        .app
        .create_view(
            &actor,
            project,
            NewView {
                name: req.name,
                visibility: req.visibility,
                definition: req.definition,
            },
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(SharedViewView::new(view, &state.app.settings().public_url)),
    ))
}

/// One view: for anyone who may see its project when shared, for its owner when private.
#[utoipa::path(get, path = "/api/v1/views/{view}", tag = "shared_views",
    params(("view" = Uuid, Path, description = "View id")),
    responses((status = 200, description = "The view", body = SharedViewView),
        (status = 404, description = "Not found", body = ProblemView, content_type = "application/problem+json")))]
pub(crate) async fn get_view(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    ApiPath(view): ApiPath<Uuid>,
) -> ApiResult<Json<SharedViewView>> {
    let v = state.app.get_view(&actor, &view.to_string()).await?;
    Ok(Json(SharedViewView::new(
        v,
        &state.app.settings().public_url,
    )))
}

/// Rename, re-share or redefine your own view.
#[utoipa::path(patch, path = "/api/v1/views/{view}", tag = "shared_views",
    params(("view" = Uuid, Path, description = "View id")),
    request_body = UpdateViewRequest,
    responses((status = 200, description = "Changed", body = SharedViewView),
        (status = 403, description = "Not the owner, or may not share", body = ProblemView, content_type = "application/problem+json"),
        (status = 404, description = "Not found", body = ProblemView, content_type = "application/problem+json"),
        (status = 422, description = "Invalid name or definition", body = ProblemView, content_type = "application/problem+json")))]
pub(crate) async fn update_view(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    ApiPath(view): ApiPath<Uuid>,
    ApiJson(req): ApiJson<UpdateViewRequest>,
) -> ApiResult<Json<SharedViewView>> {
    let v = state
        .app
        .update_view(
            &actor,
            &view.to_string(),
            ViewChanges {
                name: req.name,
                visibility: req.visibility,
                definition: req.definition,
            },
        )
        .await?;
    Ok(Json(SharedViewView::new(
        v,
        &state.app.settings().public_url,
    )))
}

/// Delete your own view.
#[utoipa::path(delete, path = "/api/v1/views/{view}", tag = "shared_views",
    params(("view" = Uuid, Path, description = "View id")),
    responses((status = 204, description = "Deleted"),
        (status = 403, description = "Not the owner", body = ProblemView, content_type = "application/problem+json"),
        (status = 404, description = "Not found", body = ProblemView, content_type = "application/problem+json")))]
pub(crate) async fn delete_view(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    ApiPath(view): ApiPath<Uuid>,
) -> ApiResult<StatusCode> {
    state.app.delete_view(&actor, &view.to_string()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Run a view: one page of its items, filtered, sorted and grouped as it says (groups in
/// workflow, rank or priority order; items inside a group by the sort keys, then tree
/// order). The cursor is the id of the last item of the previous page.
#[utoipa::path(get, path = "/api/v1/views/{view}/items", tag = "shared_views",
    params(("view" = Uuid, Path, description = "View id"), PageQuery),
    responses((status = 200, description = "A page of the view", body = ViewItemsView),
        (status = 400, description = "Stale cursor", body = ProblemView, content_type = "application/problem+json"),
        (status = 404, description = "Not found", body = ProblemView, content_type = "application/problem+json")))]
pub(crate) async fn run_view(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    ApiPath(view): ApiPath<Uuid>,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> ApiResult<Json<ViewItemsView>> {
    let page = state
        .app
        .run_view(&actor, &view.to_string(), &q.request())
        .await?;
    Ok(Json(ViewItemsView::new(
        page,
        &state.app.settings().public_url,
    )))
}
