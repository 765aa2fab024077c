//! Comment routes: edit and delete one's own comment, toggle a reaction, and the member
//! suggestions for @mentions.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use spectree_domain::ids::ItemId;
use uuid::Uuid;

use super::views::{
    CommentRequest, CommentView, CommentWrittenView, ReactionRequest, SuggestionQuery,
    SuggestionView, SuggestionsView,
};
use crate::auth::Authenticated;
use crate::error::{ApiResult, ProblemView};
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::state::AppState;

/// Edit one's own comment: the body is replaced, `edited_at` set and mentions worked out
/// again.
#[utoipa::path(patch, path = "/api/v1/comments/{comment}", tag = "discussion",
    params(("comment" = Uuid, Path, description = "Comment id")),
    request_body = CommentRequest,
    responses((status = 200, description = "Edited", body = CommentWrittenView),
        (status = 403, description = "Not the author", body = ProblemView, content_type = "application/problem+json"),
        (status = 404, description = "Not found", body = ProblemView, content_type = "application/problem+json"),
        (status = 409, description = "Deleted", body = ProblemView, content_type = "application/problem+json"),
        (status = 422, description = "Invalid body", body = ProblemView, content_type = "application/problem+json")))]
pub(crate) async fn edit_comment(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    ApiPath(comment): ApiPath<Uuid>,
    ApiJson(req): ApiJson<CommentRequest>,
) -> ApiResult<Json<CommentWrittenView>> {
    let (comment, mentions) = state
        .app
        .edit_comment(&actor, &comment.to_string(), req.body)
        .await?;
    Ok(Json(CommentWrittenView {
        comment: comment.into(),
        mentions: mentions.into(),
    }))
}

/// Delete one's own comment. It stays in its thread as a tombstone (`deleted: true`, no
/// body), so the replies around it still read in order.
#[utoipa::path(delete, path = "/api/v1/comments/{comment}", tag = "discussion",
    params(("comment" = Uuid, Path, description = "Comment id")),
    responses((status = 204, description = "Deleted"),
        (status = 403, description = "Not the author", body = ProblemView, content_type = "application/problem+json"),
        (status = 404, description = "Not found", body = ProblemView, content_type = "application/problem+json"),
        (status = 409, description = "Deleted already", body = ProblemView, content_type = "application/problem+json")))]
pub(crate) async fn delete_comment(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    ApiPath(comment): ApiPath<Uuid>,
) -> ApiResult<StatusCode> {
    state
        .app
        .delete_comment(&actor, &comment.to_string())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Toggle one's reaction with an emoji on a comment (Comment permission): given once it is
/// added, given again it is taken back. Answers the comment with its reactions.
#[utoipa::path(post, path = "/api/v1/comments/{comment}/reactions", tag = "discussion",
    params(("comment" = Uuid, Path, description = "Comment id")),
    request_body = ReactionRequest,
    responses((status = 200, description = "The comment", body = CommentView),
        (status = 403, description = "May not comment", body = ProblemView, content_type = "application/problem+json"),
        (status = 404, description = "Not found", body = ProblemView, content_type = "application/problem+json"),
        (status = 422, description = "Not an emoji", body = ProblemView, content_type = "application/problem+json")))]
pub(crate) async fn toggle_reaction(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    ApiPath(comment): ApiPath<Uuid>,
    ApiJson(req): ApiJson<ReactionRequest>,
) -> ApiResult<Json<CommentView>> {
    let c = state
        .app
        .toggle_reaction(&actor, &comment.to_string(), &req.emoji)
        .await?;
    Ok(Json(c.into()))
}

/// Members who can see the item whose handle (email local part) or name starts with `q`,
/// for @mention autocompletion.
#[utoipa::path(get, path = "/api/v1/items/{item}/mention-suggestions", tag = "discussion",
    params(("item" = ItemId, Path, description = "Item id"), SuggestionQuery),
    responses((status = 200, description = "Suggestions", body = SuggestionsView),
        (status = 404, description = "Not found", body = ProblemView, content_type = "application/problem+json")))]
pub(crate) async fn mention_suggestions(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    ApiPath(item): ApiPath<ItemId>,
    ApiQuery(q): ApiQuery<SuggestionQuery>,
) -> ApiResult<Json<SuggestionsView>> {
    let found = state
        .app
        .mention_suggestions(&actor, item, q.q.as_deref().unwrap_or(""))
        .await?;
    Ok(Json(SuggestionsView {
        items: found.into_iter().map(SuggestionView::from).collect(),
    }))
}
