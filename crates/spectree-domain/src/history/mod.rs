//! Version history of work items and projects: what a version holds (a full snapshot of the
//! item and the field changes since the version before), the delta encoding that stores
//! versions compactly, and the diffs between versions and between project snapshots.

mod changes;
mod diff;
mod patch;
mod render;
mod tree_diff;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::ids::{ItemId, UserId};
use crate::spec::{Criterion, ItemType, Priority, Status};

pub use changes::{
    ChangeOp, ConflictSide, FieldChange, FieldConflict, field_changes, fold_conflicts,
};
pub use diff::{CriteriaChange, ItemDiff, Segment, SegmentOp, TextChange, diff_items, diff_words};
pub use patch::{Patch, PatchError};
pub use render::{render_item_diff, render_tree_diff};
pub use tree_diff::{TreeChange, TreeDiff, TreeItem, diff_trees};

/// The full state of a work item at one moment: everything a version restores.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ItemSnapshot {
    /// Title.
    pub title: String,
    /// Markdown description.
    pub description: String,
    /// Acceptance criteria in order.
    pub acceptance_criteria: Vec<Criterion>,
    /// Type.
    #[serde(rename = "type")]
    pub item_type: ItemType,
    /// Status.
    pub status: Status,
    /// Priority.
    pub priority: Priority,
    /// Assignee.
    pub assignee_id: Option<UserId>,
    /// Parent (`None` at the root).
    pub parent_id: Option<ItemId>,
    /// Position among siblings.
    pub position: String,
    /// Whether the item was in the trash.
    #[serde(default)]
    pub trashed: bool,
}

impl ItemSnapshot {
    /// The canonical text form deltas are computed on (fields in a fixed order).
    pub fn to_canonical(&self) -> String {
        // Serializing a struct of strings, enums and ids cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Parses the canonical text form.
    pub fn from_canonical(s: &str) -> Result<Self, PatchError> {
        serde_json::from_str(s).map_err(|e| PatchError(format!("snapshot: {e}")))
    }
}

/// Who made a version: a person, or an AI with the person who started it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
pub struct Author {
    /// `user` (a person) or `ai`.
    pub kind: AuthorKind,
    /// The person: the author, or for `ai` the person who started it.
    pub user_id: UserId,
}

/// What kind of author made a change.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum AuthorKind {
    /// A person.
    User,
    /// An AI assistant acting for `user_id`.
    Ai,
}

impl Author {
    /// A person.
    pub fn user(user_id: UserId) -> Self {
        Self {
            kind: AuthorKind::User,
            user_id,
        }
    }

    /// An AI writing for the person who started it.
    pub fn ai(started_by: UserId) -> Self {
        Self {
            kind: AuthorKind::Ai,
            user_id: started_by,
        }
    }
}

/// How a version came about.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum VersionKind {
    /// Closed automatically (session idle, maximum length, or a REST change).
    Auto,
    /// Saved by a person with a message.
    Named,
    /// A restore of an earlier version (or of a project snapshot).
    Restore,
}

impl VersionKind {
    /// The stable name used in the API and the database.
    pub fn as_str(self) -> &'static str {
        match self {
            VersionKind::Auto => "auto",
            VersionKind::Named => "named",
            VersionKind::Restore => "restore",
        }
    }
}

impl std::str::FromStr for VersionKind {
    type Err = PatchError;
    fn from_str(s: &str) -> Result<Self, PatchError> {
        match s {
            "auto" => Ok(VersionKind::Auto),
            "named" => Ok(VersionKind::Named),
            "restore" => Ok(VersionKind::Restore),
            other => Err(PatchError(format!("unknown version kind {other:?}"))),
        }
    }
}

/// Longest message of a named version, in characters.
pub const MAX_MESSAGE_CHARS: usize = 1000;

/// Checks a version or snapshot message: 1 to [`MAX_MESSAGE_CHARS`] characters after
/// trimming, no control characters except newlines.
pub fn validate_message(m: &str) -> Result<String, &'static str> {
    let m = m.trim();
    if m.is_empty() {
        return Err("the message is empty");
    }
    if m.chars().count() > MAX_MESSAGE_CHARS {
        return Err("the message is longer than 1000 characters");
    }
    if m.chars().any(|c| c.is_control() && c != '\n') {
        return Err("the message has control characters");
    }
    Ok(m.to_owned())
}

#[cfg(test)]
pub(crate) mod testing {
    use super::*;

    /// A snapshot for tests.
    pub(crate) fn snap(title: &str, description: &str, criteria: &[(&str, &str)]) -> ItemSnapshot {
        ItemSnapshot {
            title: title.into(),
            description: description.into(),
            acceptance_criteria: criteria
                .iter()
                .map(|(id, text)| Criterion {
                    id: (*id).into(),
                    text: (*text).into(),
                    done: false,
                })
                .collect(),
            item_type: ItemType::Story,
            status: Status::Draft,
            priority: Priority::Medium,
            assignee_id: None,
            parent_id: None,
            position: "a0".into(),
            trashed: false,
        }
    }
}
