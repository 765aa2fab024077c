//! Errors of the spec tree use cases.

use spectree_domain::spec::SpecRuleError;
use spectree_domain::spec::export::ImportError;
use spectree_store::StoreError;

use crate::org::OrgError;

/// Why a spec tree use case did not go through.
#[derive(Debug, thiserror::Error)]
pub enum SpecError {
    /// The object does not exist, or the actor may not know that it does.
    #[error("not found")]
    NotFound,
    /// The actor can see the object but may not do this.
    #[error("you do not have permission to do this")]
    Forbidden,
    /// A field or the place in the tree breaks a rule.
    #[error(transparent)]
    Rule(#[from] SpecRuleError),
    /// A project name is invalid.
    #[error("{0}")]
    InvalidName(String),
    /// A project slug is invalid.
    #[error("{0}")]
    InvalidSlug(String),
    /// The slug is taken in the team.
    #[error("this slug is already taken in the team")]
    SlugTaken,
    /// The assignee cannot see the project.
    #[error("the assignee cannot see this project")]
    AssigneeCannotSeeProject,
    /// `If-Match` names another version.
    #[error("the item changed since you read it (ETag mismatch)")]
    PreconditionFailed,
    /// A move would put an item under itself or its own descendant.
    #[error("an item cannot move under itself or its own descendant")]
    MoveIntoOwnSubtree,
    /// The parent does not exist in this project or is in the trash.
    #[error("the parent is not a live item of this project")]
    InvalidParent,
    /// A `before`/`after` anchor is not a live sibling under the target parent.
    #[error("{0} is not a live sibling under the target parent")]
    InvalidAnchor(&'static str),
    /// The item is in the trash.
    #[error("the item is in the trash; restore it first")]
    ItemInTrash,
    /// The item is not a trash entry of this project.
    #[error("the item is not in this project's trash")]
    NotInTrash,
    /// Restoring in place needs the parent back first.
    #[error("the item's parent is in the trash; restore the parent first")]
    ParentInTrash,
    /// An import document is invalid.
    #[error(transparent)]
    Import(#[from] ImportError),
    /// Too many items or a bad reference in a bulk create.
    #[error("{0}")]
    InvalidBulk(String),
    /// A search query has no words.
    #[error("the query has no words to search for")]
    EmptyQuery,
    /// A search cursor is not one the search handed out.
    #[error("the cursor is not one a search returned")]
    InvalidCursor,
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The live document failed.
    #[error("live document: {0}")]
    Live(String),
}

impl From<spectree_collab::CollabError> for SpecError {
    fn from(e: spectree_collab::CollabError) -> Self {
        match e {
            spectree_collab::CollabError::NotFound => SpecError::NotFound,
            spectree_collab::CollabError::Store(s) => SpecError::Store(s),
            other => SpecError::Live(other.to_string()),
        }
    }
}

impl From<OrgError> for SpecError {
    fn from(e: OrgError) -> Self {
        match e {
            OrgError::NotFound => SpecError::NotFound,
            OrgError::Forbidden => SpecError::Forbidden,
            OrgError::Store(s) => SpecError::Store(s),
            other => SpecError::InvalidBulk(other.to_string()),
        }
    }
}
