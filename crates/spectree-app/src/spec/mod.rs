//! The spec tree: projects, work items, tree operations, trash, search, export and import.

mod access;
mod batch;
mod error;
mod export;
mod items;
mod moves;
mod projects;
mod search;
mod trash;
mod tree;

pub(crate) use batch::CreateQueue;
pub use error::SpecError;
pub use export::{ImportOutcome, ProjectExportDoc};
pub use items::{BulkItem, ItemChanges, NewItem, Placement};
pub(crate) use items::{changed_fields, item_words};
pub use projects::ProjectChanges;
pub use search::SearchHit;
pub use trash::TrashEntry;
pub use tree::TreeNode;

/// Most items one bulk create may hold.
pub const BULK_MAX_ITEMS: usize = 1000;
