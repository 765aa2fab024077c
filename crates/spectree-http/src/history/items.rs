//! Item history routes: versions, diff, restore, attribution, export.

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use spectree_app::history::DiffTarget;
use spectree_domain::history::{ItemDiff, render_item_diff};
use spectree_domain::ids::ItemId;

use super::views::{
    AttributionView, DiffFormat, DiffQuery, HistoryExportFormat, HistoryExportQuery,
    ItemRestoreView, SaveVersionRequest, VersionDetailView, VersionIndexQuery, VersionIndexView,
    VersionView,
};
use super::{JSONL, MARKDOWN, text};
use crate::auth::Authenticated;
use crate::error::{ApiResult, ProblemView};
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::state::AppState;
use crate::views::{PageQuery, PageView};

/// An item's versions, newest first (Viewers and up).
#[utoipa::path(get, path = "/api/v1/items/{item}/versions", tag = "history",
    params(("item" = ItemId, Path, description = "Item id"), PageQuery),
    responses((status = 200, description = "Versions", body = PageView<VersionView>),
        (status = 404, description = "Not found", body = ProblemView, content_type = "application/problem+json")))]
pub(super) async fn list_versions(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    ApiPath(item): ApiPath<ItemId>,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> ApiResult<Json<PageView<VersionView>>> {
    let page = state
        .app
        .list_item_versions(&actor, item, &q.request())
        .await?;
    Ok(Json(PageView::from_page(page, |v| VersionView::from(&v))))
}

/// An item's version index, newest first (Viewers and up): every version's metadata
/// (number, times as Unix milliseconds, kind, cause, authors, message, changed fields) in one
/// answer of up to 10,000 versions, for timelines; `next_cursor` continues with older ones.
#[utoipa::path(get, path = "/api/v1/items/{item}/versions/index", tag = "history",
    params(("item" = ItemId, Path, description = "Item id"), VersionIndexQuery),
    responses((status = 200, description = "The version index", body = VersionIndexView),
        (status = 400, description = "Bad cursor", body = ProblemView, content_type = "application/problem+json"),
        (status = 404, description = "Not found", body = ProblemView, content_type = "application/problem+json")))]
pub(super) async fn version_index(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    ApiPath(item): ApiPath<ItemId>,
    ApiQuery(q): ApiQuery<VersionIndexQuery>,
) -> ApiResult<Response> {
    let page = state
        .app
        .item_version_index(&actor, item, q.cursor.as_deref(), q.limit)
        .await?;
    // The database rendered the versions (decision 0024); this only wraps them.
    let mut body = String::with_capacity(page.json.len() + 64);
    body.push_str("{\"count\":");
    body.push_str(&page.count.to_string());
    body.push_str(",\"versions\":[");
    body.push_str(&page.json);
    body.push(']');
    if let Some(next) = page.next_before {
        body.push_str(",\"next_cursor\":\"");
        body.push_str(&next.to_string());
        body.push('"');
    }
    body.push('}');
    Ok(([(header::CONTENT_TYPE, "application/json")], body).into_response())
}

/// Save the item as it is now as a named version (Editors and up).
#[utoipa::path(post, path = "/api/v1/items/{item}/versions", tag = "history",
    request_body = SaveVersionRequest,
    params(("item" = ItemId, Path, description = "Item id")),
    responses((status = 201, description = "Saved", body = VersionView),
        (status = 403, description = "Not allowed", body = ProblemView, content_type = "application/problem+json"),
        (status = 404, description = "Not found", body = ProblemView, content_type = "application/problem+json"),
        (status = 422, description = "Bad message", body = ProblemView, content_type = "application/problem+json")))]
pub(super) async fn save_version(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    ApiPath(item): ApiPath<ItemId>,
    ApiJson(req): ApiJson<SaveVersionRequest>,
) -> ApiResult<(StatusCode, Json<VersionView>)> {
    let v = state
        .app
        .save_item_version(&actor, item, &req.message)
        .await?;
    Ok((StatusCode::CREATED, Json(VersionView::from(&v))))
}

/// One version: the full item as of then and the changes since the version before.
#[utoipa::path(get, path = "/api/v1/items/{item}/versions/{version}", tag = "history",
    params(("item" = ItemId, Path, description = "Item id"),
        ("version" = i64, Path, description = "Version number")),
    responses((status = 200, description = "The version", body = VersionDetailView),
        (status = 404, description = "Not found", body = ProblemView, content_type = "application/problem+json")))]
pub(super) async fn get_version(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    ApiPath((item, version)): ApiPath<(ItemId, i64)>,
) -> ApiResult<Json<VersionDetailView>> {
    let d = state.app.get_item_version(&actor, item, version).await?;
    Ok(Json(VersionDetailView::from(&d)))
}

/// Restore the item to a version (Editors and up): content and fields, and its place in the
/// tree (parent and position) when the version's parent is still a live item of the project
/// and the type ranks allow it; `place` says what happened (and why it was kept). The
/// restore is a new version; connected editors see it at once; nothing after it is lost.
#[utoipa::path(post, path = "/api/v1/items/{item}/versions/{version}/restore", tag = "history",
    params(("item" = ItemId, Path, description = "Item id"),
        ("version" = i64, Path, description = "Version number")),
    responses((status = 201, description = "Restored; the new version", body = ItemRestoreView),
        (status = 403, description = "Not allowed", body = ProblemView, content_type = "application/problem+json"),
        (status = 404, description = "Not found", body = ProblemView, content_type = "application/problem+json"),
        (status = 409, description = "In the trash, or the version no longer fits", body = ProblemView, content_type = "application/problem+json")))]
pub(super) async fn restore_version(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    ApiPath((item, version)): ApiPath<(ItemId, i64)>,
) -> ApiResult<(StatusCode, Json<ItemRestoreView>)> {
    let r = state
        .app
        .restore_item_version(&actor, item, version)
        .await?;
    Ok((StatusCode::CREATED, Json(ItemRestoreView::from(&r))))
}

/// The diff between two versions of an item, or a version and now: field changes, word
/// diffs of title, description and criteria, and the criteria as a list.
#[utoipa::path(get, path = "/api/v1/items/{item}/diff", tag = "history",
    params(("item" = ItemId, Path, description = "Item id"), DiffQuery),
    responses((status = 200, description = "The diff",
            content((ItemDiff = "application/json"), (String = "text/markdown"))),
        (status = 404, description = "Not found", body = ProblemView, content_type = "application/problem+json")))]
pub(super) async fn diff_item(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    ApiPath(item): ApiPath<ItemId>,
    ApiQuery(q): ApiQuery<DiffQuery>,
) -> ApiResult<Response> {
    let to = q.to.map_or(DiffTarget::Now, DiffTarget::Version);
    let d = state
        .app
        .diff_item(&actor, item, DiffTarget::Version(q.from), to)
        .await?;
    Ok(match q.format.unwrap_or_default() {
        DiffFormat::Json => Json(d).into_response(),
        DiffFormat::Markdown => text(MARKDOWN, render_item_diff(&d)),
    })
}

/// Who wrote each range of the current description and acceptance criteria.
#[utoipa::path(get, path = "/api/v1/items/{item}/attribution", tag = "history",
    params(("item" = ItemId, Path, description = "Item id")),
    responses((status = 200, description = "Attribution", body = AttributionView),
        (status = 404, description = "Not found", body = ProblemView, content_type = "application/problem+json")))]
pub(super) async fn get_attribution(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    ApiPath(item): ApiPath<ItemId>,
) -> ApiResult<Json<AttributionView>> {
    let a = state.app.item_attribution(&actor, item).await?;
    Ok(Json(AttributionView::from(&a)))
}

/// An item's history as JSON Lines or a Markdown changelog.
#[utoipa::path(get, path = "/api/v1/items/{item}/history/export", tag = "history",
    params(("item" = ItemId, Path, description = "Item id"), HistoryExportQuery),
    responses((status = 200, description = "The history",
            content((String = "application/jsonl"), (String = "text/markdown"))),
        (status = 404, description = "Not found", body = ProblemView, content_type = "application/problem+json")))]
pub(super) async fn export_item_history(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    ApiPath(item): ApiPath<ItemId>,
    ApiQuery(q): ApiQuery<HistoryExportQuery>,
) -> ApiResult<Response> {
    let body = state
        .app
        .export_item_history(&actor, item, q.format.into())
        .await?;
    Ok(match q.format {
        HistoryExportFormat::Jsonl => text(JSONL, body),
        HistoryExportFormat::Markdown => text(MARKDOWN, body),
    })
}
