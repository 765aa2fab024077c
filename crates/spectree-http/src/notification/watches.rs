//! Watch routes: watch, unwatch and read the watch of an item; list one's watches.

use axum::Json;
use axum::extract::State;
use spectree_domain::ids::ItemId;

use super::views::{WatchRequest, WatchStateView, WatchView};
use crate::auth::Authenticated;
use crate::error::{ApiResult, ProblemView};
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::state::AppState;
use crate::views::{PageQuery, PageView};

/// How the signed-in person watches the item: their own watch, or a subtree watch of an
/// ancestor through which they hear of it.
#[utoipa::path(get, path = "/api/v1/items/{item}/watch", tag = "notifications",
    params(("item" = ItemId, Path, description = "Item id")),
    responses((status = 200, description = "Watch state", body = WatchStateView),
        (status = 404, description = "Not found", body = ProblemView, content_type = "application/problem+json")))]
pub(crate) async fn get_watch(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    ApiPath(item): ApiPath<ItemId>,
) -> ApiResult<Json<WatchStateView>> {
    Ok(Json(state.app.watch_state(&actor, item).await?.into()))
}

/// Watch the item, or with `subtree: true` the item and everything under it. Anyone who can
/// see the item may watch it; replaces an automatic watch.
#[utoipa::path(put, path = "/api/v1/items/{item}/watch", tag = "notifications",
    params(("item" = ItemId, Path, description = "Item id")),
    request_body = WatchRequest,
    responses((status = 200, description = "Watching", body = WatchStateView),
        (status = 404, description = "Not found", body = ProblemView, content_type = "application/problem+json"),
        (status = 409, description = "In the trash", body = ProblemView, content_type = "application/problem+json")))]
pub(crate) async fn watch_item(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    ApiPath(item): ApiPath<ItemId>,
    ApiJson(req): ApiJson<WatchRequest>,
) -> ApiResult<Json<WatchStateView>> {
    Ok(Json(
        state
            .app
            .watch_item(&actor, item, req.subtree)
            .await?
            .into(),
    ))
}

/// Stop watching the item. A subtree watch of an ancestor is not touched; the answer's
/// `via_ancestor` says when one still applies.
#[utoipa::path(delete, path = "/api/v1/items/{item}/watch", tag = "notifications",
    params(("item" = ItemId, Path, description = "Item id")),
    responses((status = 200, description = "Not watching (unless via an ancestor)", body = WatchStateView),
        (status = 404, description = "Not found", body = ProblemView, content_type = "application/problem+json")))]
pub(crate) async fn unwatch_item(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    ApiPath(item): ApiPath<ItemId>,
) -> ApiResult<Json<WatchStateView>> {
    Ok(Json(state.app.unwatch_item(&actor, item).await?.into()))
}

/// The signed-in person's watches of items they can still see, by item id.
#[utoipa::path(get, path = "/api/v1/me/watches", tag = "notifications", params(PageQuery),
    responses((status = 200, description = "Watches", body = PageView<WatchView>)))]
pub(crate) async fn list_watches(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> ApiResult<Json<PageView<WatchView>>> {
    let page = state.app.list_watches(&actor, &q.request()).await?;
    Ok(Json(PageView::from_page(page, WatchView::from)))
}
