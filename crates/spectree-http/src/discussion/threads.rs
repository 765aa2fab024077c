//! Thread routes: list and open threads on an item, read one, reply, resolve, reopen.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use spectree_app::discussion::AnchorRequest;
use spectree_domain::ids::ItemId;
use uuid::Uuid;

use super::views::{
    self, CommentRequest, CommentWrittenView, CreateThreadRequest, ThreadCreatedView, ThreadView,
};
use crate::auth::Authenticated;
use crate::error::{ApiError, ApiResult, ErrorCode, ProblemView};
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::state::AppState;
use crate::views::{PageQuery, PageView};

fn anchor_of(a: views::AnchorRequest) -> Result<AnchorRequest, ApiError> {
    let decode = |s: &str| {
        STANDARD.decode(s).map_err(|_| {
            ApiError::new(
                ErrorCode::InvalidThreadAnchor,
                "start and end must be base64 relative positions",
            )
        })
    };
    let positions = match (a.start, a.end) {
        (Some(s), Some(e)) if s.len() <= 256 && e.len() <= 256 => Some((decode(&s)?, decode(&e)?)),
        (None, None) => None,
        _ => {
            return Err(ApiError::new(
                ErrorCode::InvalidThreadAnchor,
                "give both start and end (each at most 256 characters)",
            ));
        }
    };
    let offsets = match (a.from, a.to) {
        (Some(f), Some(t)) => Some((f, t)),
        (None, None) => None,
        _ => {
            return Err(ApiError::new(
                ErrorCode::InvalidThreadAnchor,
                "give both from and to",
            ));
        }
    };
    Ok(AnchorRequest {
        field: a.field,
        positions,
        offsets,
    })
}

/// The item's comment threads with their comments, oldest first. Anchors are resolved
/// against the item's current document.
#[utoipa::path(get, path = "/api/v1/items/{item}/threads", tag = "discussion",
    params(("item" = ItemId, Path, description = "Item id"), PageQuery),
    responses((status = 200, description = "Threads", body = PageView<ThreadView>),
        (status = 404, description = "Not found", body = ProblemView, content_type = "application/problem+json")))]
pub(crate) async fn list_threads(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    ApiPath(item): ApiPath<ItemId>,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> ApiResult<Json<PageView<ThreadView>>> {
    let page = state.app.list_threads(&actor, item, &q.request()).await?;
    Ok(Json(PageView::from_page(page, ThreadView::from)))
}

/// Open a thread on the item with its first comment: general, or anchored to a range of the
/// description or of a criterion's text. Needs the Comment permission (Editors and up;
/// Viewers when their team allows it).
#[utoipa::path(post, path = "/api/v1/items/{item}/threads", tag = "discussion",
    params(("item" = ItemId, Path, description = "Item id")),
    request_body = CreateThreadRequest,
    responses((status = 201, description = "Opened", body = ThreadCreatedView),
        (status = 403, description = "May not comment", body = ProblemView, content_type = "application/problem+json"),
        (status = 404, description = "Not found", body = ProblemView, content_type = "application/problem+json"),
        (status = 422, description = "Invalid body or anchor", body = ProblemView, content_type = "application/problem+json")))]
pub(crate) async fn create_thread(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    ApiPath(item): ApiPath<ItemId>,
    ApiJson(req): ApiJson<CreateThreadRequest>,
) -> ApiResult<(StatusCode, Json<ThreadCreatedView>)> {
    let anchor = req.anchor.map(anchor_of).transpose()?;
    let (thread, mentions) = state
        .app
        .create_thread(&actor, item, anchor, req.body)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(ThreadCreatedView {
            thread: thread.into(),
            mentions: mentions.into(),
        }),
    ))
}

/// One thread with its comments.
#[utoipa::path(get, path = "/api/v1/threads/{thread}", tag = "discussion",
    params(("thread" = Uuid, Path, description = "Thread id")),
    responses((status = 200, description = "The thread", body = ThreadView),
        (status = 404, description = "Not found", body = ProblemView, content_type = "application/problem+json")))]
pub(crate) async fn get_thread(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    ApiPath(thread): ApiPath<Uuid>,
) -> ApiResult<Json<ThreadView>> {
    let t = state
        .app
        .thread_details(&actor, &thread.to_string())
        .await?;
    Ok(Json(t.into()))
}

/// Reply to a thread (Comment permission).
#[utoipa::path(post, path = "/api/v1/threads/{thread}/comments", tag = "discussion",
    params(("thread" = Uuid, Path, description = "Thread id")),
    request_body = CommentRequest,
    responses((status = 201, description = "Added", body = CommentWrittenView),
        (status = 403, description = "May not comment", body = ProblemView, content_type = "application/problem+json"),
        (status = 404, description = "Not found", body = ProblemView, content_type = "application/problem+json"),
        (status = 422, description = "Invalid body", body = ProblemView, content_type = "application/problem+json")))]
pub(crate) async fn reply(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    ApiPath(thread): ApiPath<Uuid>,
    ApiJson(req): ApiJson<CommentRequest>,
) -> ApiResult<(StatusCode, Json<CommentWrittenView>)> {
    let (comment, mentions) = state
        .app
        .reply_to_thread(&actor, &thread.to_string(), req.body)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(CommentWrittenView {
            comment: comment.into(),
            mentions: mentions.into(),
        }),
    ))
}

/// Resolve a thread (Comment permission). Resolving a resolved thread changes nothing.
#[utoipa::path(post, path = "/api/v1/threads/{thread}/resolve", tag = "discussion",
    params(("thread" = Uuid, Path, description = "Thread id")),
    responses((status = 200, description = "Resolved", body = ThreadView),
        (status = 403, description = "May not comment", body = ProblemView, content_type = "application/problem+json"),
        (status = 404, description = "Not found", body = ProblemView, content_type = "application/problem+json")))]
pub(crate) async fn resolve_thread(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    ApiPath(thread): ApiPath<Uuid>,
) -> ApiResult<Json<ThreadView>> {
    let t = state
        .app
        .set_thread_resolved(&actor, &thread.to_string(), true)
        .await?;
    Ok(Json(t.into()))
}

/// Reopen a resolved thread (Comment permission).
#[utoipa::path(post, path = "/api/v1/threads/{thread}/reopen", tag = "discussion",
    params(("thread" = Uuid, Path, description = "Thread id")),
    responses((status = 200, description = "Open", body = ThreadView),
        (status = 403, description = "May not comment", body = ProblemView, content_type = "application/problem+json"),
        (status = 404, description = "Not found", body = ProblemView, content_type = "application/problem+json")))]
pub(crate) async fn reopen_thread(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    ApiPath(thread): ApiPath<Uuid>,
) -> ApiResult<Json<ThreadView>> {
    let t = state
        .app
        .set_thread_resolved(&actor, &thread.to_string(), false)
        .await?;
    Ok(Json(t.into()))
}
