//! Shared views: saved, named queries over a project's items. Managing them (private to the
//! owner, or shared with everyone who may see the project; each change audited) is in
//! [`manage`]; running one through the spec tree's own reads and search is in [`run`].

mod manage;
mod run;

pub use manage::{NewView, ViewChanges};
pub use run::{ViewGroup, ViewItems};

use spectree_domain::shared_views::ViewRuleError;
use spectree_store::StoreError;

use crate::spec::SpecError;

/// Why a shared-view use case did not go through.
#[derive(Debug, thiserror::Error)]
pub enum SharedViewError {
    /// The view or project does not exist, or the actor may not know that it does.
    #[error("not found")]
    NotFound,
    /// The actor can see the view but may not do this.
    #[error("{0}")]
    Forbidden(&'static str),
    /// The name or the definition breaks a rule.
    #[error(transparent)]
    Rule(#[from] ViewRuleError),
    /// The cursor is not an item of the view (the items changed since the last page).
    #[error("the cursor is not an item of this view any more; start again from the first page")]
    InvalidCursor,
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<SpecError> for SharedViewError {
    fn from(e: SpecError) -> Self {
        match e {
            SpecError::NotFound => SharedViewError::NotFound,
            SpecError::Forbidden => {
                SharedViewError::Forbidden("you do not have permission to do this")
            }
            SpecError::Store(s) => SharedViewError::Store(s),
            other => SharedViewError::Store(StoreError::Corrupt(other.to_string())),
        }
    }
}
