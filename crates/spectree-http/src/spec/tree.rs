//! The whole tree of a project, and search within it.

use axum::Json;
use axum::extract::State;
use spectree_domain::ids::ProjectId;
use spectree_domain::page::PageRequest;

use super::views::{SearchHitView, SearchQuery, TreeNodeView, TreeQuery, TreeView};
use crate::auth::Authenticated;
use crate::error::{ApiResult, ProblemView};
use crate::extract::{ApiPath, ApiQuery};
use crate::state::AppState;
use crate::views::PageView;

/// A project's whole tree in one call: parents before children, siblings in order.
#[utoipa::path(get, path = "/api/v1/projects/{project}/tree", tag = "items",
    params(("project" = ProjectId, Path, description = "Project id"), TreeQuery),
    responses((status = 200, description = "The tree", body = TreeView),
        (status = 404, description = "Not found", body = ProblemView, content_type = "application/problem+json")))]
pub(super) async fn get_tree(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    ApiPath(project): ApiPath<ProjectId>,
    ApiQuery(q): ApiQuery<TreeQuery>,
) -> ApiResult<Json<TreeView>> {
    let nodes = state
        .app
        .project_tree(&actor, project, q.descriptions)
        .await?;
    Ok(Json(TreeView {
        project_id: project,
        items: nodes.into_iter().map(TreeNodeView::from).collect(),
    }))
}

/// Search a project's items: every word of `q` must start a word of the item's title,
/// description or criteria (case-insensitive, no stemming).
#[utoipa::path(get, path = "/api/v1/projects/{project}/search", tag = "items",
    params(("project" = ProjectId, Path, description = "Project id"), SearchQuery),
    responses((status = 200, description = "Matching items, oldest first", body = PageView<SearchHitView>),
        (status = 400, description = "No words in the query", body = ProblemView, content_type = "application/problem+json"),
        (status = 404, description = "Not found", body = ProblemView, content_type = "application/problem+json")))]
pub(super) async fn search(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    ApiPath(project): ApiPath<ProjectId>,
    ApiQuery(q): ApiQuery<SearchQuery>,
) -> ApiResult<Json<PageView<SearchHitView>>> {
    let page = state
        .app
        .search_items(&actor, project, &q.q, &PageRequest::new(q.cursor, q.limit))
        .await?;
    Ok(Json(PageView::from_page(page, |i| SearchHitView {
        id: i.id,
        parent_id: i.parent_id,
        item_type: i.item_type,
        status: i.status,
        title: i.title,
    })))
}
