//! Diffs between two project snapshots: items added, removed, moved, retyped and changed.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::ItemSnapshot;
use crate::ids::ItemId;
use crate::spec::ItemType;

/// One item of a project snapshot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct TreeItem {
    /// The item.
    pub id: ItemId,
    /// Its full state.
    pub snapshot: ItemSnapshot,
}

/// How one item differs between two project snapshots. An item can be both moved and
/// changed, and so appear more than once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "change", rename_all = "snake_case")]
pub enum TreeChange {
    /// Only in the later snapshot.
    Added {
        /// Item.
        id: ItemId,
        /// Its title.
        title: String,
    },
    /// Only in the earlier snapshot.
    Removed {
        /// Item.
        id: ItemId,
        /// Its title.
        title: String,
    },
    /// Under another parent or at another place among its siblings.
    Moved {
        /// Item.
        id: ItemId,
        /// Its title (later snapshot).
        title: String,
        /// Parent before.
        from_parent: Option<ItemId>,
        /// Parent after.
        to_parent: Option<ItemId>,
    },
    /// Its type changed.
    Retyped {
        /// Item.
        id: ItemId,
        /// Its title (later snapshot).
        title: String,
        /// Type before.
        from: ItemType,
        /// Type after.
        to: ItemType,
    },
    /// Content or scalar fields changed.
    Changed {
        /// Item.
        id: ItemId,
        /// Its title (later snapshot).
        title: String,
        /// The fields that differ.
        fields: Vec<String>,
    },
}

/// The difference between two project snapshots.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct TreeDiff {
    /// Per-item changes: added and removed first, then by item id.
    pub changes: Vec<TreeChange>,
}

/// The diff from project snapshot `old` to `new`.
pub fn diff_trees(old: &[TreeItem], new: &[TreeItem]) -> TreeDiff {
    let before: BTreeMap<ItemId, &ItemSnapshot> = old.iter().map(|i| (i.id, &i.snapshot)).collect();
    let after: BTreeMap<ItemId, &ItemSnapshot> = new.iter().map(|i| (i.id, &i.snapshot)).collect();
    let mut changes = Vec::new();
    for (id, s) in &after {
        if !before.contains_key(id) {
            changes.push(TreeChange::Added {
                id: *id,
                title: s.title.clone(),
            });
        }
    }
    for (id, s) in &before {
        if !after.contains_key(id) {
            changes.push(TreeChange::Removed {
                id: *id,
                title: s.title.clone(),
            });
        }
    }
    for (id, b) in &before {
        let Some(a) = after.get(id) else { continue };
        let title = a.title.clone();
        if a.parent_id != b.parent_id || a.position != b.position {
            changes.push(TreeChange::Moved {
                id: *id,
                title: title.clone(),
                from_parent: b.parent_id,
                to_parent: a.parent_id,
            });
        }
        if a.item_type != b.item_type {
            changes.push(TreeChange::Retyped {
                id: *id,
                title: title.clone(),
                from: b.item_type,
                to: a.item_type,
            });
        }
        let fields: Vec<String> = [
            ("title", a.title != b.title),
            ("description", a.description != b.description),
            (
                "acceptance_criteria",
                a.acceptance_criteria != b.acceptance_criteria,
            ),
            ("status", a.status != b.status),
            ("priority", a.priority != b.priority),
            ("assignee", a.assignee_id != b.assignee_id),
        ]
        .into_iter()
        .filter(|(_, d)| *d)
        .map(|(f, _)| f.to_owned())
        .collect();
        if !fields.is_empty() {
            changes.push(TreeChange::Changed {
                id: *id,
                title,
                fields,
            });
        }
    }
    TreeDiff { changes }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::testing::snap;
    use crate::spec::{ItemType, Status};

    #[test]
    fn a_tree_diff_names_added_removed_moved_retyped_and_changed_items() {
        let (a, b, c, d) = (ItemId::new(), ItemId::new(), ItemId::new(), ItemId::new());
        let item = |id, s: ItemSnapshot| TreeItem { id, snapshot: s };
        let old = vec![
            item(a, snap("A", "", &[])),
            item(b, snap("B", "", &[])),
            item(c, snap("C", "", &[])),
        ];
        let mut b2 = snap("B", "", &[]);
        b2.parent_id = Some(a);
        b2.item_type = ItemType::Task;
        let mut c2 = snap("C2", "", &[]);
        c2.status = Status::Done;
        let new = vec![
            item(a, snap("A", "", &[])),
            item(b, b2),
            item(c, c2),
            item(d, snap("D", "", &[])),
        ];
        let got = diff_trees(&old, &new);
        let mut kinds: Vec<String> = got
            .changes
            .iter()
            .map(|c| match c {
                TreeChange::Added { title, .. } => format!("added {title}"),
                TreeChange::Removed { title, .. } => format!("removed {title}"),
                TreeChange::Moved { title, .. } => format!("moved {title}"),
                TreeChange::Retyped { title, to, .. } => format!("retyped {title} {to}"),
                TreeChange::Changed { title, fields, .. } => {
                    format!("changed {title} {}", fields.join(","))
                }
            })
            .collect();
        kinds.sort();
        assert_eq!(
            kinds,
            vec![
                "added D",
                "changed C2 title,status",
                "moved B",
                "retyped B task"
            ]
        );
        assert!(diff_trees(&new, &new).changes.is_empty());
        let back = diff_trees(&new, &old);
        assert!(
            back.changes
                .iter()
                .any(|c| matches!(c, TreeChange::Removed { id, .. } if *id == d))
        );
    }
}
