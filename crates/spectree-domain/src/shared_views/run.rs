//! Running a view over rows the spec tree read: keep the rows every filter matches, then
//! order them (by group first when grouped, then by the sort keys, ties in tree order).

use std::cmp::Ordering;
use std::collections::HashSet;

use super::definition::{
    AssigneeFilter, GroupBy, SortDirection, SortField, ViewDefinition, ViewFilters,
};
use crate::ids::{ItemId, UserId};
use crate::spec::{Criterion, ItemType, Priority, Status};

/// One item as a view sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ViewRow {
    /// Id.
    pub id: ItemId,
    /// Parent.
    pub parent_id: Option<ItemId>,
    /// Depth in the project's tree (roots are 0).
    pub depth: usize,
    /// Type.
    pub item_type: ItemType,
    /// Status.
    pub status: Status,
    /// Priority.
    pub priority: Priority,
    /// Assignee.
    pub assignee_id: Option<UserId>,
    /// Title.
    pub title: String,
    /// Description and criteria, when the view shows them.
    pub content: Option<(String, Vec<Criterion>)>,
}

/// The group an item falls in: the stable name of its status, type or priority, the
/// assignee's id, or `none` for unassigned items.
pub type GroupKey = String;

/// The group key of a row.
pub fn group_key(row: &ViewRow, by: GroupBy) -> GroupKey {
    match by {
        GroupBy::Status => row.status.as_str().to_owned(),
        GroupBy::Type => row.item_type.as_str().to_owned(),
        GroupBy::Priority => row.priority.as_str().to_owned(),
        GroupBy::Assignee => row
            .assignee_id
            .map_or_else(|| "none".to_owned(), |u| u.to_string()),
    }
}

fn index_of<T: PartialEq>(all: &[T], v: &T) -> usize {
    all.iter().position(|x| x == v).unwrap_or(usize::MAX)
}

/// Types in rank order, epic first.
fn type_order(t: ItemType) -> usize {
    usize::from(5 - t.rank())
}

fn compare_assignee(a: Option<UserId>, b: Option<UserId>) -> Ordering {
    match (a, b) {
        (Some(x), Some(y)) => x.cmp(&y),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    }
}

fn compare_group(a: &ViewRow, b: &ViewRow, by: GroupBy) -> Ordering {
    match by {
        GroupBy::Status => index_of(Status::ALL, &a.status).cmp(&index_of(Status::ALL, &b.status)),
        GroupBy::Type => type_order(a.item_type).cmp(&type_order(b.item_type)),
        GroupBy::Priority => {
            index_of(Priority::ALL, &a.priority).cmp(&index_of(Priority::ALL, &b.priority))
        }
        GroupBy::Assignee => compare_assignee(a.assignee_id, b.assignee_id),
    }
}

fn compare_field(a: &ViewRow, b: &ViewRow, field: SortField, tree: (usize, usize)) -> Ordering {
    match field {
        SortField::Tree => tree.0.cmp(&tree.1),
        SortField::Title => a.title.to_lowercase().cmp(&b.title.to_lowercase()),
        SortField::Type => compare_group(a, b, GroupBy::Type),
        SortField::Status => compare_group(a, b, GroupBy::Status),
        SortField::Priority => compare_group(a, b, GroupBy::Priority),
        SortField::Assignee => compare_assignee(a.assignee_id, b.assignee_id),
        // Ids are UUIDv7: their order is the order of creation.
        SortField::Created => a.id.cmp(&b.id),
    }
}

fn matches(row: &ViewRow, f: &ViewFilters, me: UserId) -> bool {
    (f.types.is_empty() || f.types.contains(&row.item_type))
        && (f.statuses.is_empty() || f.statuses.contains(&row.status))
        && (f.priorities.is_empty() || f.priorities.contains(&row.priority))
        && (f.assignees.is_empty()
            || f.assignees.iter().any(|a| match a {
                AssigneeFilter::Me => row.assignee_id == Some(me),
                AssigneeFilter::Unassigned => row.assignee_id.is_none(),
                AssigneeFilter::User(u) => row.assignee_id == Some(*u),
            }))
}

/// The rows of a view, in its order. `tree` is every live item of the project in tree order;
/// `me` is whoever runs the view (for the `me` assignee); `text_hits` the items the project
/// search found for the text filter (`None` when the view has none).
pub fn arrange(
    tree: Vec<ViewRow>,
    def: &ViewDefinition,
    me: UserId,
    text_hits: Option<&HashSet<ItemId>>,
) -> Vec<ViewRow> {
    let rows: Vec<ViewRow> = match def.filters.subtree {
        None => tree,
        Some(root) => {
            let mut out = Vec::new();
            let mut depth = None;
            for row in tree {
                match depth {
                    None if row.id == root => {
                        depth = Some(row.depth);
                        out.push(row);
                    }
                    None => {}
                    Some(d) if row.depth > d => out.push(row),
                    Some(_) => break,
                }
            }
            out
        }
    };
    let mut kept: Vec<(usize, ViewRow)> = rows
        .into_iter()
        .enumerate()
        .filter(|(_, r)| matches(r, &def.filters, me))
        .filter(|(_, r)| text_hits.is_none_or(|hits| hits.contains(&r.id)))
        .collect();
    kept.sort_by(|(ia, a), (ib, b)| {
        let mut ord = def
            .group_by
            .map_or(Ordering::Equal, |g| compare_group(a, b, g));
        for key in &def.sort {
            if ord != Ordering::Equal {
                break;
            }
            let o = compare_field(a, b, key.field, (*ia, *ib));
            ord = match key.direction {
                SortDirection::Asc => o,
                SortDirection::Desc => o.reverse(),
            };
        }
        ord.then(ia.cmp(ib))
    });
    kept.into_iter().map(|(_, r)| r).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shared_views::SortKey;

    fn row(title: &str, depth: usize, t: ItemType, s: Status, a: Option<UserId>) -> ViewRow {
        ViewRow {
            id: ItemId::new(),
            parent_id: None,
            depth,
            item_type: t,
            status: s,
            priority: Priority::Medium,
            assignee_id: a,
            title: title.into(),
            content: None,
        }
    }

    fn titles(rows: &[ViewRow]) -> Vec<&str> {
        rows.iter().map(|r| r.title.as_str()).collect()
    }

    #[test]
    fn filters_subtree_sort_and_group_combine() {
        let me = UserId::new();
        let tree = vec![
            row("E1", 0, ItemType::Epic, Status::Draft, None),
            row("f-b", 1, ItemType::Feature, Status::Done, Some(me)),
            row("s", 2, ItemType::Story, Status::Ready, None),
            row("F-a", 1, ItemType::Feature, Status::Draft, Some(me)),
            row("E2", 0, ItemType::Epic, Status::Done, None),
            row("f-c", 1, ItemType::Feature, Status::Ready, None),
        ];
        let mut d = ViewDefinition::default();
        d.filters.subtree = Some(tree[0].id);
        assert_eq!(
            titles(&arrange(tree.clone(), &d, me, None)),
            ["E1", "f-b", "s", "F-a"]
        );
        d.filters.types = vec![ItemType::Feature];
        d.sort = vec![SortKey {
            field: SortField::Title,
            direction: SortDirection::Asc,
        }];
        assert_eq!(titles(&arrange(tree.clone(), &d, me, None)), ["F-a", "f-b"]);
        let d = ViewDefinition {
            group_by: Some(GroupBy::Status),
            sort: vec![SortKey {
                field: SortField::Tree,
                direction: SortDirection::Desc,
            }],
            ..ViewDefinition::default()
        };
        assert_eq!(
            titles(&arrange(tree.clone(), &d, me, None)),
            ["F-a", "E1", "f-c", "s", "E2", "f-b"]
        );
        let mut d = ViewDefinition::default();
        d.filters.assignees = vec![AssigneeFilter::Me];
        assert_eq!(titles(&arrange(tree.clone(), &d, me, None)), ["f-b", "F-a"]);
        let hits: HashSet<ItemId> = [tree[2].id, tree[4].id].into_iter().collect();
        let d = ViewDefinition::default();
        assert_eq!(titles(&arrange(tree, &d, me, Some(&hits))), ["s", "E2"]);
    }

    #[test]
    fn a_subtree_root_that_is_gone_shows_nothing() {
        let me = UserId::new();
        let tree = vec![row("E1", 0, ItemType::Epic, Status::Draft, None)];
        let mut d = ViewDefinition::default();
        d.filters.subtree = Some(ItemId::new());
        assert!(arrange(tree, &d, me, None).is_empty());
    }
}
