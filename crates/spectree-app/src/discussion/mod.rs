//! Discussion on work items: comment threads (general or anchored to a range of text),
//! replies, edits and tombstones, resolve and reopen, reactions and @mentions. Each mutation
//! writes its rows and audit record in one transaction and, after the commit, tells the
//! project's event stream so everyone viewing the item reloads its threads.

mod anchors;
mod comments;
mod mentions;
mod threads;

pub use anchors::ResolvedAnchor;
pub use mentions::{MentionOutcome, Suggestion};
pub use threads::{AnchorRequest, CommentDetails, Reaction, ThreadDetails};

use spectree_domain::discussion::DiscussionRuleError;
use spectree_store::StoreError;

use crate::spec::SpecError;

/// Why a discussion use case did not go through.
#[derive(Debug, thiserror::Error)]
pub enum DiscussionError {
    /// The item, thread or comment does not exist, or the actor may not know that it does.
    #[error("not found")]
    NotFound,
    /// The actor can see the item but may not comment on it.
    #[error("you do not have permission to comment here")]
    Forbidden,
    /// Only the author may edit or delete a comment.
    #[error("only the author may change this comment")]
    NotAuthor,
    /// The comment was deleted.
    #[error("the comment was deleted")]
    CommentDeleted,
    /// The item is in the trash.
    #[error("the item is in the trash; restore it first")]
    ItemInTrash,
    /// A body, emoji or anchor field breaks a rule.
    #[error(transparent)]
    Rule(#[from] DiscussionRuleError),
    /// The anchor's positions are not a range of the named text.
    #[error("invalid anchor: {0}")]
    InvalidAnchor(String),
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The live document failed.
    #[error("live document: {0}")]
    Live(String),
}

impl From<SpecError> for DiscussionError {
    fn from(e: SpecError) -> Self {
        match e {
            SpecError::NotFound => DiscussionError::NotFound,
            SpecError::Forbidden => DiscussionError::Forbidden,
            SpecError::ItemInTrash => DiscussionError::ItemInTrash,
            SpecError::Store(s) => DiscussionError::Store(s),
            other => DiscussionError::Live(other.to_string()),
        }
    }
}
