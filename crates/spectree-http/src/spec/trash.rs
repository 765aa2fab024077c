//! A project's trash: list, restore in place, purge.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use spectree_app::events::ItemEventKind;
use spectree_domain::ids::{ItemId, ProjectId};

use super::views::{RestoredView, TrashEntryView, TrashView};
use crate::auth::Authenticated;
use crate::error::{ApiResult, ProblemView};
use crate::extract::ApiPath;
use crate::state::AppState;
use crate::views::time_opt;

/// A project's trash, newest deletion first.
#[utoipa::path(get, path = "/api/v1/projects/{project}/trash", tag = "trash",
    params(("project" = ProjectId, Path, description = "Project id")),
    responses((status = 200, description = "The trash", body = TrashView),
        (status = 404, description = "Not found", body = ProblemView, content_type = "application/problem+json")))]
pub(super) async fn list_trash(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    ApiPath(project): ApiPath<ProjectId>,
) -> ApiResult<Json<TrashView>> {
    let entries = state.app.list_trash(&actor, project).await?;
    Ok(Json(TrashView {
        items: entries
            .into_iter()
            .map(|e| TrashEntryView {
                item_id: e.item.id,
                title: e.item.title,
                item_type: e.item.item_type,
                parent_id: e.item.parent_id,
                deleted_at: time_opt(e.item.deleted_at),
                deleted_by: e.item.deleted_by,
                count: e.count,
            })
            .collect(),
    }))
}

/// Restore a deletion in place, with everything it took along (Managers and up).
#[utoipa::path(post, path = "/api/v1/projects/{project}/trash/{item}/restore", tag = "trash",
    params(("project" = ProjectId, Path, description = "Project id"), ("item" = ItemId, Path, description = "Deleted item")),
    responses((status = 200, description = "Restored", body = RestoredView),
        (status = 403, description = "Not allowed", body = ProblemView, content_type = "application/problem+json"),
        (status = 404, description = "Not found", body = ProblemView, content_type = "application/problem+json"),
        (status = 409, description = "Not in the trash, or the parent is", body = ProblemView, content_type = "application/problem+json")))]
pub(super) async fn restore_item(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    ApiPath((project, item)): ApiPath<(ProjectId, ItemId)>,
) -> ApiResult<Json<RestoredView>> {
    let restored = state.app.restore_item(&actor, project, item).await?;
    state
        .app
        .events()
        .publish(project, ItemEventKind::Restored, item);
    Ok(Json(RestoredView { restored }))
}

/// Purge a deletion now, for good (Managers and up).
#[utoipa::path(delete, path = "/api/v1/projects/{project}/trash/{item}", tag = "trash",
    params(("project" = ProjectId, Path, description = "Project id"), ("item" = ItemId, Path, description = "Deleted item")),
    responses((status = 204, description = "Purged"),
        (status = 403, description = "Not allowed", body = ProblemView, content_type = "application/problem+json"),
        (status = 404, description = "Not found", body = ProblemView, content_type = "application/problem+json"),
        (status = 409, description = "Not in the trash", body = ProblemView, content_type = "application/problem+json")))]
pub(super) async fn purge_item(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    ApiPath((project, item)): ApiPath<(ProjectId, ItemId)>,
) -> ApiResult<StatusCode> {
    state.app.purge_item(&actor, project, item).await?;
    state
        .app
        .events()
        .publish(project, ItemEventKind::Purged, item);
    Ok(StatusCode::NO_CONTENT)
}
