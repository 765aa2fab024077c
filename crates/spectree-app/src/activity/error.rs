//! Errors of the activity feed use cases.

use spectree_store::StoreError;

use crate::org::OrgError;
use crate::spec::SpecError;

/// Why an activity feed could not be read or followed.
#[derive(Debug, thiserror::Error)]
pub enum ActivityError {
    /// The project, team or person does not exist, or the reader may not know it does.
    #[error("not found")]
    NotFound,
    /// The cursor is not one this API handed out.
    #[error("the cursor is not valid")]
    InvalidCursor,
    /// A `kind` filter names no activity kind.
    #[error("unknown activity kind {0:?}")]
    InvalidKind(String),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<SpecError> for ActivityError {
    fn from(e: SpecError) -> Self {
        match e {
            SpecError::Store(e) => ActivityError::Store(e),
            // Reading is all a feed does: anything else the reader may not know about.
            _ => ActivityError::NotFound,
        }
    }
}

impl From<OrgError> for ActivityError {
    fn from(e: OrgError) -> Self {
        match e {
            OrgError::Store(e) => ActivityError::Store(e),
            _ => ActivityError::NotFound,
        }
    }
}
