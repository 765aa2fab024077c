//! Discussion routes: comment threads on items (general or anchored to text), replies, edits,
//! tombstones, resolve/reopen, reactions and @mention suggestions.

mod comments;
mod threads;
mod views;

use spectree_app::discussion::DiscussionError;
use spectree_domain::discussion::DiscussionRuleError;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::{ApiError, ErrorCode};
use crate::state::AppState;

/// The discussion routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(threads::list_threads, threads::create_thread))
        .routes(routes!(threads::get_thread))
        .routes(routes!(threads::reply))
        .routes(routes!(threads::resolve_thread))
        .routes(routes!(threads::reopen_thread))
        .routes(routes!(comments::edit_comment, comments::delete_comment))
        .routes(routes!(comments::toggle_reaction))
        .routes(routes!(comments::mention_suggestions))
}

impl From<DiscussionError> for ApiError {
    fn from(e: DiscussionError) -> Self {
        use DiscussionError as E;
        let code = match &e {
            E::NotFound => ErrorCode::NotFound,
            E::Forbidden => ErrorCode::Forbidden,
            E::NotAuthor => ErrorCode::NotCommentAuthor,
            E::CommentDeleted => ErrorCode::CommentDeleted,
            E::ItemInTrash => ErrorCode::ItemInTrash,
            E::Rule(DiscussionRuleError::EmptyBody | DiscussionRuleError::BodyTooLong) => {
                ErrorCode::InvalidComment
            }
            E::Rule(DiscussionRuleError::InvalidEmoji) => ErrorCode::InvalidEmoji,
            E::Rule(DiscussionRuleError::InvalidAnchorField) | E::InvalidAnchor(_) => {
                ErrorCode::InvalidThreadAnchor
            }
            E::Store(_) | E::Live(_) => return ApiError::internal(&e),
        };
        ApiError::new(code, e.to_string())
    }
}
