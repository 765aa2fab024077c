//! Work items: create (one or in bulk), read, update with `If-Match`, delete, move.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use spectree_app::events::ItemEventKind;
use spectree_app::spec::Placement;
use spectree_app::store::spec::items::Item;
use spectree_domain::ids::{ItemId, ProjectId};

use super::views::{
    BulkCreateRequest, BulkCreatedItemView, BulkCreatedView, CreateItemRequest, DeletedView,
    ItemView, MoveItemRequest, UpdateItemRequest,
};
use crate::auth::Authenticated;
use crate::error::{ApiResult, ProblemView};
use crate::extract::{ApiJson, ApiPath};
use crate::state::AppState;

/// An item with its `ETag` header.
fn with_etag(status: StatusCode, item: &Item) -> Response {
    let mut res = (status, Json(ItemView::from(item))).into_response();
    if let Ok(v) = HeaderValue::from_str(&item.fields().etag()) {
        res.headers_mut().insert(header::ETAG, v);
    }
    res
}

/// Tells the project's event stream about a committed change.
fn publish(state: &AppState, item: &Item, kind: ItemEventKind) {
    state.app.events().publish(item.project_id, kind, item.id);
}

/// Create a work item (Editors and up).
#[utoipa::path(post, path = "/api/v1/projects/{project}/items", tag = "items",
    request_body = CreateItemRequest,
    params(("project" = ProjectId, Path, description = "Project id")),
    responses((status = 201, description = "Created; the ETag header identifies this version", body = ItemView),
        (status = 403, description = "Not allowed", body = ProblemView, content_type = "application/problem+json"),
        (status = 404, description = "Not found", body = ProblemView, content_type = "application/problem+json"),
        (status = 422, description = "A rule is broken", body = ProblemView, content_type = "application/problem+json")))]
pub(super) async fn create_item(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    ApiPath(project): ApiPath<ProjectId>,
    ApiJson(req): ApiJson<CreateItemRequest>,
) -> ApiResult<Response> {
    let item = state
        .app
        .create_item(&actor, project, req.into_new())
        .await?;
    publish(&state, &item, ItemEventKind::Created);
    Ok(with_etag(StatusCode::CREATED, &item))
}

/// Create up to 1,000 items at once, all or none (Editors and up).
#[utoipa::path(post, path = "/api/v1/projects/{project}/items/bulk", tag = "items",
    request_body = BulkCreateRequest,
    params(("project" = ProjectId, Path, description = "Project id")),
    responses((status = 201, description = "Created", body = BulkCreatedView),
        (status = 403, description = "Not allowed", body = ProblemView, content_type = "application/problem+json"),
        (status = 404, description = "Not found", body = ProblemView, content_type = "application/problem+json"),
        (status = 422, description = "A rule is broken", body = ProblemView, content_type = "application/problem+json")))]
pub(super) async fn bulk_create_items(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    ApiPath(project): ApiPath<ProjectId>,
    ApiJson(req): ApiJson<BulkCreateRequest>,
) -> ApiResult<(StatusCode, Json<BulkCreatedView>)> {
    let batch = req.items.into_iter().map(|i| i.into_bulk()).collect();
    let created = state.app.bulk_create_items(&actor, project, batch).await?;
    for (_, i) in &created {
        state
            .app
            .events()
            .publish(project, ItemEventKind::Created, i.id);
    }
    Ok((
        StatusCode::CREATED,
        Json(BulkCreatedView {
            items: created
                .into_iter()
                .map(|(item_ref, i)| BulkCreatedItemView {
                    item_ref,
                    id: i.id,
                    position: i.position,
                })
                .collect(),
        }),
    ))
}

/// Read a work item (also one in the trash).
#[utoipa::path(get, path = "/api/v1/items/{item}", tag = "items",
    params(("item" = ItemId, Path, description = "Item id")),
    responses((status = 200, description = "The item; ETag header set", body = ItemView),
        (status = 404, description = "Not found", body = ProblemView, content_type = "application/problem+json")))]
pub(super) async fn get_item(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    ApiPath(item): ApiPath<ItemId>,
) -> ApiResult<Response> {
    Ok(with_etag(
        StatusCode::OK,
        &state.app.get_item(&actor, item).await?,
    ))
}

/// Change fields of a work item (Editors and up). Send `If-Match` with the ETag you read to
/// refuse the change when someone else changed the item meanwhile.
#[utoipa::path(patch, path = "/api/v1/items/{item}", tag = "items",
    request_body = UpdateItemRequest,
    params(("item" = ItemId, Path, description = "Item id"),
        ("If-Match" = Option<String>, Header, description = "ETag the change is based on")),
    responses((status = 200, description = "Updated; new ETag header", body = ItemView),
        (status = 404, description = "Not found", body = ProblemView, content_type = "application/problem+json"),
        (status = 409, description = "In the trash", body = ProblemView, content_type = "application/problem+json"),
        (status = 412, description = "Stale If-Match", body = ProblemView, content_type = "application/problem+json"),
        (status = 422, description = "A rule is broken", body = ProblemView, content_type = "application/problem+json")))]
pub(super) async fn update_item(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    ApiPath(item): ApiPath<ItemId>,
    headers: HeaderMap,
    ApiJson(req): ApiJson<UpdateItemRequest>,
) -> ApiResult<Response> {
    let if_match = headers.get(header::IF_MATCH).and_then(|v| v.to_str().ok());
    let item = state
        .app
        .update_item(&actor, item, req.into_changes(), if_match)
        .await?;
    publish(&state, &item, ItemEventKind::Updated);
    Ok(with_etag(StatusCode::OK, &item))
}

/// Move a work item and its subtree to the project's trash (Managers and up).
#[utoipa::path(delete, path = "/api/v1/items/{item}", tag = "items",
    params(("item" = ItemId, Path, description = "Item id")),
    responses((status = 200, description = "In the trash", body = DeletedView),
        (status = 403, description = "Not allowed", body = ProblemView, content_type = "application/problem+json"),
        (status = 404, description = "Not found", body = ProblemView, content_type = "application/problem+json"),
        (status = 409, description = "Already in the trash", body = ProblemView, content_type = "application/problem+json")))]
pub(super) async fn delete_item(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    ApiPath(item): ApiPath<ItemId>,
) -> ApiResult<Json<DeletedView>> {
    let trashed = state.app.delete_item(&actor, item).await?;
    // The item is still readable in the trash; its project names the event stream.
    if let Ok(deleted) = state.app.get_item(&actor, item).await {
        publish(&state, &deleted, ItemEventKind::Trashed);
    }
    Ok(Json(DeletedView {
        item_id: item,
        trashed,
    }))
}

/// Move a work item (with its subtree) under another parent and/or to another place among
/// its siblings (Editors and up).
#[utoipa::path(post, path = "/api/v1/items/{item}/move", tag = "items",
    request_body = MoveItemRequest,
    params(("item" = ItemId, Path, description = "Item id")),
    responses((status = 200, description = "Moved; new ETag header", body = ItemView),
        (status = 404, description = "Not found", body = ProblemView, content_type = "application/problem+json"),
        (status = 409, description = "In the trash", body = ProblemView, content_type = "application/problem+json"),
        (status = 422, description = "Cycle, rank or anchor refused", body = ProblemView, content_type = "application/problem+json")))]
pub(super) async fn move_item(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    ApiPath(item): ApiPath<ItemId>,
    ApiJson(req): ApiJson<MoveItemRequest>,
) -> ApiResult<Response> {
    let parent_id = match req.parent_id {
        Some(p) => p,
        None => state.app.get_item(&actor, item).await?.parent_id,
    };
    let moved = state
        .app
        .move_item(
            &actor,
            item,
            Placement {
                parent_id,
                before_id: req.before_id,
                after_id: req.after_id,
            },
        )
        .await?;
    publish(&state, &moved, ItemEventKind::Moved);
    Ok(with_etag(StatusCode::OK, &moved))
}
