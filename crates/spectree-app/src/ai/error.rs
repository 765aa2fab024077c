//! Errors of the AI use cases.

use spectree_store::StoreError;

use crate::spec::SpecError;

/// Why an AI use case did not go through.
#[derive(Debug, thiserror::Error)]
pub enum AiError {
    /// The object does not exist, or the actor may not know that it does.
    #[error("not found")]
    NotFound,
    /// The actor can see the object but may not do this.
    #[error("you do not have permission to do this")]
    Forbidden,
    /// The organization turned AI generation off.
    #[error("AI generation is turned off for this organization")]
    Disabled,
    /// The item already has a running generation.
    #[error("a generation is already running on this item")]
    AlreadyRunning,
    /// The item is in the trash.
    #[error("the item is in the trash; restore it first")]
    ItemInTrash,
    /// The request is invalid (prompt too long, no child type below a task, ...).
    #[error("{0}")]
    Invalid(String),
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<SpecError> for AiError {
    fn from(e: SpecError) -> Self {
        match e {
            SpecError::NotFound => AiError::NotFound,
            SpecError::Forbidden => AiError::Forbidden,
            SpecError::ItemInTrash => AiError::ItemInTrash,
            SpecError::Store(s) => AiError::Store(s),
            other => AiError::Invalid(other.to_string()),
        }
    }
}

impl From<crate::org::OrgError> for AiError {
    fn from(e: crate::org::OrgError) -> Self {
        use crate::org::OrgError as E;
        match e {
            E::NotFound => AiError::NotFound,
            E::Forbidden => AiError::Forbidden,
            E::Store(s) => AiError::Store(s),
            other => AiError::Invalid(other.to_string()),
        }
    }
}
