//! The spec tree: work item types and their ranks, statuses, priorities, acceptance criteria,
//! content limits, sibling positions, search words and the export formats.

mod content;
pub mod export;
mod kinds;
mod position;
pub mod search;
mod tree;

pub use content::{
    Criterion, ItemFields, MAX_CRITERIA, MAX_CRITERION_CHARS, MAX_DESCRIPTION_BYTES,
    MAX_TITLE_CHARS, SpecRuleError, check_parent, validate_criteria, validate_description,
    validate_title,
};
pub use kinds::{ItemType, Priority, Status, UnknownValue};
pub use position::Position;
pub use tree::tree_order;
