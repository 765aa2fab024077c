//! The whole tree of a project, and search within it.

use axum::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use spectree_domain::ids::ProjectId;
use spectree_domain::page::PageRequest;

use spectree_app::spec::TreeNode;

use super::views::{SearchHitView, SearchQuery, TreeQuery, TreeView};
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
    let body = tree_json(project, &nodes).map_err(|e| ApiError::internal(&e))?;
    Ok(([(header::CONTENT_TYPE, "application/json")], body).into_response())
}

/// The JSON of a [`TreeView`], written by hand: the same bytes `serde_json` writes for it
/// (test below), but ids, numbers and names go in as they are, where `serde_json` checked
/// every key and value for characters to escape, a fifth of the server's CPU for a large
/// tree. Titles and positions that need escaping, and content, go through `serde_json`.
/// Written into a buffer sized for the whole tree up front (about 240 bytes a node without
/// descriptions), not grown by doubling: the body of a large tree is tens of MB.
fn tree_json(project: ProjectId, nodes: &[TreeNode]) -> Result<Vec<u8>, serde_json::Error> {
    let with_content = nodes.iter().any(|n| n.row.content.is_some());
    let per_node = if with_content { 1024 } else { 256 };
    let mut out = Vec::with_capacity(64 + nodes.len() * per_node);
    out.extend_from_slice(b"{\"project_id\":");
    push_uuid(&mut out, project.0);
    out.extend_from_slice(b",\"items\":[");
    for (i, n) in nodes.iter().enumerate() {
        let r = &n.row;
        out.extend_from_slice(if i == 0 { b"{\"id\":" } else { b",{\"id\":" });
        push_uuid(&mut out, r.id.0);
        out.extend_from_slice(b",\"parent_id\":");
        push_opt_uuid(&mut out, r.parent_id.map(|p| p.0));
        out.extend_from_slice(b",\"depth\":");
        out.extend_from_slice(itoa::Buffer::new().format(n.depth).as_bytes());
        out.extend_from_slice(b",\"position\":");
        push_json_str(&mut out, &r.position)?;
        for (key, name) in [
            (&b",\"type\":\""[..], r.item_type.as_str()),
            (b"\",\"status\":\"", r.status.as_str()),
            (b"\",\"priority\":\"", r.priority.as_str()),
        ] {
            out.extend_from_slice(key);
            out.extend_from_slice(name.as_bytes());
        }
        out.extend_from_slice(b"\",\"assignee_id\":");
        push_opt_uuid(&mut out, r.assignee_id.map(|a| a.0));
        out.extend_from_slice(b",\"title\":");
        push_json_str(&mut out, &r.title)?;
        if let Some((description, criteria)) = &r.content {
            out.extend_from_slice(b",\"description\":");
            serde_json::to_writer(&mut out, description)?;
            out.extend_from_slice(b",\"acceptance_criteria\":");
            serde_json::to_writer(&mut out, criteria)?;
        }
        out.push(b'}');
    }
    out.extend_from_slice(b"]}");
    Ok(out)
}

/// A string as JSON: as it is when nothing in it needs escaping (a check the compiler makes
/// many bytes at a time), else through `serde_json`, which escapes exactly `"`, `\\` and
/// control characters.
fn push_json_str(out: &mut Vec<u8>, s: &str) -> Result<(), serde_json::Error> {
    if s.bytes().all(|b| b >= 0x20 && b != b'"' && b != b'\\') {
        out.push(b'"');
        out.extend_from_slice(s.as_bytes());
        out.push(b'"');
        Ok(())
    } else {
        serde_json::to_writer(out, s)
    }
}

/// A UUID as a JSON string (lower-case, hyphenated, as `serde` writes it).
fn push_uuid(out: &mut Vec<u8>, id: uuid::Uuid) {
    let mut buf = [0u8; uuid::fmt::Hyphenated::LENGTH];
    out.push(b'"');
    out.extend_from_slice(id.hyphenated().encode_lower(&mut buf).as_bytes());
    out.push(b'"');
}

fn push_opt_uuid(out: &mut Vec<u8>, id: Option<uuid::Uuid>) {
    match id {
        Some(id) => push_uuid(out, id),
        None => out.extend_from_slice(b"null"),
    }
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

#[cfg(test)]
mod tests {
    use spectree_app::store::spec::items::TreeRow;
    use spectree_domain::ids::{ItemId, UserId};
    use spectree_domain::spec::{Criterion, ItemType, Priority, Status};

    use super::*;
    use crate::spec::views::TreeNodeView;

    fn node(depth: usize, title: &str, content: Option<(String, Vec<Criterion>)>) -> TreeNode {
        TreeNode {
            depth,
            row: TreeRow {
                id: ItemId::new(),
                parent_id: (depth > 0).then(ItemId::new),
                position: if depth > 1 {
                    "7f\"x".into()
                } else {
                    "80".into()
                },
                item_type: ItemType::ALL[depth % ItemType::ALL.len()],
                status: Status::ALL[depth % Status::ALL.len()],
                priority: Priority::ALL[depth % Priority::ALL.len()],
                assignee_id: (depth % 2 == 1).then(UserId::new),
                title: title.into(),
                content,
            },
        }
    }

    fn by_serde(project: ProjectId, nodes: &[TreeNode]) -> Vec<u8> {
        serde_json::to_vec(&TreeView {
            project_id: project,
            items: nodes.iter().cloned().map(TreeNodeView::from).collect(),
        })
        .unwrap()
    }

    #[test]
    fn the_tree_is_written_as_serde_writes_its_view() {
        let project = ProjectId::new();
        let titles = [
            "Plain",
            "",
            "Quotes \" and \\ backslashes",
            "Control \u{1}\u{1f} tab\t line\n",
            "Unicode \u{e9}\u{2028}\u{1f600}",
            "Delete \u{7f} and a space ",
            "</script>",
        ];
        let nodes: Vec<TreeNode> = titles
            .iter()
            .enumerate()
            .map(|(i, t)| node(i, t, None))
            .collect();
        assert_eq!(
            tree_json(project, &nodes).unwrap(),
            by_serde(project, &nodes)
        );
        assert_eq!(tree_json(project, &[]).unwrap(), by_serde(project, &[]));

        let content = Some((
            "# Heading\n\"quoted\"".to_owned(),
            vec![Criterion {
                id: "c1".into(),
                text: "Works \u{1}".into(),
                done: true,
            }],
        ));
        let with: Vec<TreeNode> = (0..3).map(|d| node(d, "T", content.clone())).collect();
        assert_eq!(tree_json(project, &with).unwrap(), by_serde(project, &with));
    }
}
