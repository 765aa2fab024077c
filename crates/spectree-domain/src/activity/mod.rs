//! The activity feed's vocabulary: what kinds of activity there are and their stable names.
//! An activity is one thing a person (or the system) did in a project; its `data` carries
//! only identifiers, field names, statuses and counts, never customer text (titles,
//! descriptions, comment bodies), so the activity table needs no sealing.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// What an activity records. The snake_case names are stable: they are stored, filtered on,
/// sent to live subscribers and (later) to webhooks.
///
/// `data` per kind (all keys optional unless noted):
/// - `item_created`: `{}`; `items_created` (one per bulk create or import): `{count}`.
/// - `item_edited` (one per editing session or REST change): `{fields: [names], version,
///   authors: [user ids]}`.
/// - `status_changed`: `{from, to, version}` (other fields edited in the same session come
///   as a separate `item_edited`).
/// - `item_moved`: `{from_parent, to_parent, version}`.
/// - `item_trashed`, `item_restored` (from the trash): `{version}`; `item_purged` (from the
///   trash for good, by a person or by retention with no actor): `{reason}`.
/// - `commented`: `{thread_id, comment_id, reply}`; `comment_edited`, `comment_deleted`:
///   `{thread_id, comment_id}`; `thread_resolved`, `thread_reopened`: `{thread_id}`.
/// - `mentioned`: `{thread_id, comment_id, users: [user ids that can see the item]}`.
/// - `reacted`: `{comment_id, emoji, added}`.
/// - `version_saved` (named): `{version}`; `version_restored`: `{version, restored_from}`.
/// - `snapshot_taken`: `{snapshot}`; `snapshot_restored`: `{snapshot, changed, recreated,
///   trashed}`.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum ActivityKind {
    /// An item was created.
    ItemCreated,
    /// Several items were created at once (bulk create or import).
    ItemsCreated,
    /// Fields of an item were edited (one per editing session).
    ItemEdited,
    /// An item's status changed.
    StatusChanged,
    /// An item moved to another parent or place.
    ItemMoved,
    /// An item went to the trash (with its subtree).
    ItemTrashed,
    /// An item came back from the trash.
    ItemRestored,
    /// An item was purged from the trash for good.
    ItemPurged,
    /// A thread was opened or a reply added.
    Commented,
    /// A comment was edited.
    CommentEdited,
    /// A comment was deleted.
    CommentDeleted,
    /// A thread was resolved.
    ThreadResolved,
    /// A thread was reopened.
    ThreadReopened,
    /// People were @mentioned in a comment.
    Mentioned,
    /// A reaction was added to or taken back from a comment.
    Reacted,
    /// A named version of an item was saved.
    VersionSaved,
    /// An item was restored to an earlier version.
    VersionRestored,
    /// A project snapshot was taken.
    SnapshotTaken,
    /// A project was restored to a snapshot.
    SnapshotRestored,
}

impl ActivityKind {
    /// Every kind, in declaration order.
    pub const ALL: [ActivityKind; 19] = [
        ActivityKind::ItemCreated,
        ActivityKind::ItemsCreated,
        ActivityKind::ItemEdited,
        ActivityKind::StatusChanged,
        ActivityKind::ItemMoved,
        ActivityKind::ItemTrashed,
        ActivityKind::ItemRestored,
        ActivityKind::ItemPurged,
        ActivityKind::Commented,
        ActivityKind::CommentEdited,
        ActivityKind::CommentDeleted,
        ActivityKind::ThreadResolved,
        ActivityKind::ThreadReopened,
        ActivityKind::Mentioned,
        ActivityKind::Reacted,
        ActivityKind::VersionSaved,
        ActivityKind::VersionRestored,
        ActivityKind::SnapshotTaken,
        ActivityKind::SnapshotRestored,
    ];

    /// The stable name used in the database and the API.
    pub fn as_str(self) -> &'static str {
        match self {
            ActivityKind::ItemCreated => "item_created",
            ActivityKind::ItemsCreated => "items_created",
            ActivityKind::ItemEdited => "item_edited",
            ActivityKind::StatusChanged => "status_changed",
            ActivityKind::ItemMoved => "item_moved",
            ActivityKind::ItemTrashed => "item_trashed",
            ActivityKind::ItemRestored => "item_restored",
            ActivityKind::ItemPurged => "item_purged",
            ActivityKind::Commented => "commented",
            ActivityKind::CommentEdited => "comment_edited",
            ActivityKind::CommentDeleted => "comment_deleted",
            ActivityKind::ThreadResolved => "thread_resolved",
            ActivityKind::ThreadReopened => "thread_reopened",
            ActivityKind::Mentioned => "mentioned",
            ActivityKind::Reacted => "reacted",
            ActivityKind::VersionSaved => "version_saved",
            ActivityKind::VersionRestored => "version_restored",
            ActivityKind::SnapshotTaken => "snapshot_taken",
            ActivityKind::SnapshotRestored => "snapshot_restored",
        }
    }
}

impl std::fmt::Display for ActivityKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The name is not a known activity kind.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown activity kind {0:?}")]
pub struct UnknownKind(pub String);

impl std::str::FromStr for ActivityKind {
    type Err = UnknownKind;
    fn from_str(s: &str) -> Result<Self, UnknownKind> {
        ActivityKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| UnknownKind(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_round_trips_through_its_name_and_serde() {
        for k in ActivityKind::ALL {
            assert_eq!(k.as_str().parse::<ActivityKind>(), Ok(k));
            let json = serde_json::to_string(&k).unwrap_or_default();
            assert_eq!(json, format!("\"{}\"", k.as_str()));
        }
        assert!("item_exploded".parse::<ActivityKind>().is_err());
    }
}
