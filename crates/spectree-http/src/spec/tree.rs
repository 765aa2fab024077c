//! The whole tree of a project, and search within it.

use axum::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use spectree_domain::ids::ProjectId;
use spectree_domain::page::PageRequest;

use super::views::{SearchHitView, SearchQuery, TreeNodeView, TreeQuery, TreeView};
use crate::auth::Authenticated;
use crate::error::{ApiError, ApiResult, ProblemView};
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
) -> ApiResult<Response> {
    let nodes = state
        .app
        .project_tree(&actor, project, q.descriptions)
        .await?;
    // Serialized into a buffer sized for the whole tree up front (about 240 bytes a node
    // without descriptions), not grown by doubling: the body of a large tree is tens of MB.
    let per_node = if q.descriptions { 1024 } else { 256 };
    let mut body = Vec::with_capacity(64 + nodes.len() * per_node);
    serde_json::to_writer(
        &mut body,
        &TreeView {
            project_id: project,
            items: nodes.into_iter().map(TreeNodeView::from).collect(),
        },
    )
    .map_err(|e| ApiError::internal(&e))?;
    Ok(([(header::CONTENT_TYPE, "application/json")], body).into_response())
}

/// Search a project's items: every word of `q` must start a word of the item's title,
/// description or criteria (case-insensitive, no stemming).
#[utoipa::path(get, path = "/api/v1/projects/{project}/search", tag = "items",
    params(("project" = ProjectId, Path, description = "Project id"), SearchQuery),
    responses((status = 200, description = "Matching items, in creation order", body = PageView<SearchHitView>),
        (status = 400, description = "No words in the query (`empty_query`), or a cursor no search returned (`invalid_query`)", body = ProblemView, content_type = "application/problem+json"),
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
