//! Project history routes: snapshots (take, list, read, diff, restore) and export.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use spectree_app::history::SnapshotTarget;
use spectree_domain::history::{TreeDiff, render_tree_diff};
use spectree_domain::ids::ProjectId;

use super::views::{
    DiffFormat, DiffQuery, HistoryExportFormat, HistoryExportQuery, RestoreOutcomeView,
    SaveVersionRequest, SnapshotDetailView, SnapshotView,
};
use super::{JSONL, MARKDOWN, text};
use crate::auth::Authenticated;
use crate::error::{ApiResult, ProblemView};
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::state::AppState;
use crate::views::{PageQuery, PageView};

/// Take a snapshot of the whole project, every item with its content (Editors and up).
#[utoipa::path(post, path = "/api/v1/projects/{project}/snapshots", tag = "history",
    request_body = SaveVersionRequest,
    params(("project" = ProjectId, Path, description = "Project id")),
    responses((status = 201, description = "Taken", body = SnapshotView),
        (status = 403, description = "Not allowed", body = ProblemView, content_type = "application/problem+json"),
        (status = 404, description = "Not found", body = ProblemView, content_type = "application/problem+json"),
        (status = 422, description = "Bad message", body = ProblemView, content_type = "application/problem+json")))]
pub(super) async fn create_snapshot(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    ApiPath(project): ApiPath<ProjectId>,
    ApiJson(req): ApiJson<SaveVersionRequest>,
) -> ApiResult<(StatusCode, Json<SnapshotView>)> {
    let s = state
        .app
        .create_project_snapshot(&actor, project, &req.message)
        .await?;
    Ok((StatusCode::CREATED, Json(SnapshotView::from(&s))))
}

/// A project's snapshots, newest first (Viewers and up).
#[utoipa::path(get, path = "/api/v1/projects/{project}/snapshots", tag = "history",
    params(("project" = ProjectId, Path, description = "Project id"), PageQuery),
    responses((status = 200, description = "Snapshots", body = PageView<SnapshotView>),
        (status = 404, description = "Not found", body = ProblemView, content_type = "application/problem+json")))]
pub(super) async fn list_snapshots(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    ApiPath(project): ApiPath<ProjectId>,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> ApiResult<Json<PageView<SnapshotView>>> {
    let page = state
        .app
        .list_project_snapshots(&actor, project, &q.request())
        .await?;
    Ok(Json(PageView::from_page(page, |s| SnapshotView::from(&s))))
}

/// One snapshot with every item.
#[utoipa::path(get, path = "/api/v1/projects/{project}/snapshots/{snapshot}", tag = "history",
    params(("project" = ProjectId, Path, description = "Project id"),
        ("snapshot" = i64, Path, description = "Snapshot number")),
    responses((status = 200, description = "The snapshot", body = SnapshotDetailView),
        (status = 404, description = "Not found", body = ProblemView, content_type = "application/problem+json")))]
pub(super) async fn get_snapshot(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    ApiPath((project, number)): ApiPath<(ProjectId, i64)>,
) -> ApiResult<Json<SnapshotDetailView>> {
    let (meta, items) = state
        .app
        .get_project_snapshot(&actor, project, number)
        .await?;
    Ok(Json(SnapshotDetailView {
        snapshot: SnapshotView::from(&meta),
        items,
    }))
}

/// The diff between two snapshots, or a snapshot and now: items added, removed, moved,
/// retyped and changed.
#[utoipa::path(get, path = "/api/v1/projects/{project}/snapshots/diff", tag = "history",
    params(("project" = ProjectId, Path, description = "Project id"), DiffQuery),
    responses((status = 200, description = "The diff",
            content((TreeDiff = "application/json"), (String = "text/markdown"))),
        (status = 404, description = "Not found", body = ProblemView, content_type = "application/problem+json")))]
pub(super) async fn diff_snapshots(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    ApiPath(project): ApiPath<ProjectId>,
    ApiQuery(q): ApiQuery<DiffQuery>,
) -> ApiResult<Response> {
    let to = q.to.map_or(SnapshotTarget::Now, SnapshotTarget::Snapshot);
    let d = state
        .app
        .diff_project_snapshots(&actor, project, SnapshotTarget::Snapshot(q.from), to)
        .await?;
    Ok(match q.format.unwrap_or_default() {
        DiffFormat::Json => Json(d).into_response(),
        DiffFormat::Markdown => text(MARKDOWN, render_tree_diff(&d)),
    })
}

/// Restore the project to a snapshot (Managers and up). The project as it was is saved as
/// a snapshot first; items made since go to the trash; every changed item gets a version.
#[utoipa::path(post, path = "/api/v1/projects/{project}/snapshots/{snapshot}/restore", tag = "history",
    params(("project" = ProjectId, Path, description = "Project id"),
        ("snapshot" = i64, Path, description = "Snapshot number")),
    responses((status = 200, description = "Restored", body = RestoreOutcomeView),
        (status = 403, description = "Not allowed", body = ProblemView, content_type = "application/problem+json"),
        (status = 404, description = "Not found", body = ProblemView, content_type = "application/problem+json")))]
pub(super) async fn restore_snapshot(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    ApiPath((project, number)): ApiPath<(ProjectId, i64)>,
) -> ApiResult<Json<RestoreOutcomeView>> {
    let o = state
        .app
        .restore_project_snapshot(&actor, project, number)
        .await?;
    Ok(Json(RestoreOutcomeView::from(&o)))
}

/// A project's history (snapshots and every item's versions) as JSON Lines or Markdown.
#[utoipa::path(get, path = "/api/v1/projects/{project}/history/export", tag = "history",
    params(("project" = ProjectId, Path, description = "Project id"), HistoryExportQuery),
    responses((status = 200, description = "The history",
            content((String = "application/jsonl"), (String = "text/markdown"))),
        (status = 404, description = "Not found", body = ProblemView, content_type = "application/problem+json")))]
pub(super) async fn export_project_history(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    ApiPath(project): ApiPath<ProjectId>,
    ApiQuery(q): ApiQuery<HistoryExportQuery>,
) -> ApiResult<Response> {
    let body = state
        .app
        .export_project_history(&actor, project, q.format.into())
        .await?;
    Ok(match q.format {
        HistoryExportFormat::Jsonl => text(JSONL, body),
        HistoryExportFormat::Markdown => text(MARKDOWN, body),
    })
}
