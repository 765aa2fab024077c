//! Errors of the history use cases.

use spectree_store::StoreError;

use crate::spec::SpecError;

/// Why a history use case did not go through.
#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    /// The object does not exist, or the actor may not know that it does.
    #[error("not found")]
    NotFound,
    /// The actor can see the object but may not do this.
    #[error("you do not have permission to do this")]
    Forbidden,
    /// The item is in the trash.
    #[error("the item is in the trash; restore it first")]
    ItemInTrash,
    /// A version or snapshot message is invalid.
    #[error("{0}")]
    InvalidMessage(&'static str),
    /// A page cursor is not one this list handed out.
    #[error("the cursor is not valid for this list")]
    InvalidCursor,
    /// A version cannot be restored as it is (its type or assignee no longer fits).
    #[error("{0}")]
    RestoreConflict(String),
    /// Another spec-tree rule refused the change.
    #[error(transparent)]
    Spec(SpecError),
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<SpecError> for HistoryError {
    fn from(e: SpecError) -> Self {
        match e {
            SpecError::NotFound => HistoryError::NotFound,
            SpecError::Forbidden => HistoryError::Forbidden,
            SpecError::ItemInTrash => HistoryError::ItemInTrash,
            SpecError::Store(s) => HistoryError::Store(s),
            other => HistoryError::Spec(other),
        }
    }
}

impl From<spectree_collab::CollabError> for HistoryError {
    fn from(e: spectree_collab::CollabError) -> Self {
        SpecError::from(e).into()
    }
}
