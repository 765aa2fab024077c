//! Errors of the audit use cases.

use spectree_domain::audit::RetentionError;
use spectree_store::StoreError;

use crate::org::OrgError;

/// Why an audit use case did not go through.
#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    /// The organization does not exist, or the actor may not know that it does.
    #[error("not found")]
    NotFound,
    /// The actor is a member but not an Admin or Owner.
    #[error("only admins and owners can do this")]
    Forbidden,
    /// A query parameter is invalid.
    #[error("{0}")]
    Invalid(String),
    /// A retention period is out of range.
    #[error(transparent)]
    Retention(#[from] RetentionError),
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<OrgError> for AuditError {
    fn from(e: OrgError) -> Self {
        match e {
            OrgError::Forbidden => AuditError::Forbidden,
            OrgError::Store(s) => AuditError::Store(s),
            OrgError::Invalid(m) => AuditError::Invalid(m),
            _ => AuditError::NotFound,
        }
    }
}
