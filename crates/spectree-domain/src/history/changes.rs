//! The field changes of a version: what differs between the snapshot before and after it,
//! one entry per field (and per acceptance criterion), with the old and new value.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::ToSchema;

use super::ItemSnapshot;
use super::diff::{CriteriaChange, criteria_changes};
use crate::ids::UserId;

/// What happened to a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ChangeOp {
    /// The item was created with this value.
    Create,
    /// A scalar value was replaced.
    Set,
    /// A text was edited.
    Edit,
    /// A criterion was added.
    Add,
    /// A criterion was removed.
    Remove,
    /// A criterion moved to another place in the list.
    Move,
    /// Two people set a scalar field concurrently: `conflict` holds both values and both
    /// users; `new_value` is the value the document kept.
    Conflict,
}

/// One side of a concurrent change to a scalar field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ConflictSide {
    /// The value written (`null` for none, such as no assignee).
    pub value: Value,
    /// Who wrote it, when known.
    pub user_id: Option<UserId>,
}

/// Both values of a concurrent change to one scalar field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct FieldConflict {
    /// The field (`status`, `priority`, `assignee` or `type`).
    pub field: String,
    /// The value the document kept.
    pub kept: ConflictSide,
    /// The value that lost.
    pub lost: ConflictSide,
}

/// One changed field. For criteria, `field` is `acceptance_criteria/<criterion id>`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct FieldChange {
    /// The field.
    pub field: String,
    /// Its value before (`null` when it did not exist).
    pub old_value: Value,
    /// Its value after (`null` when it is gone).
    pub new_value: Value,
    /// What happened.
    pub operation: ChangeOp,
    /// For `conflict`: both values and both users.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conflict: Option<FieldConflict>,
}

fn change(field: &str, old: Value, new: Value, operation: ChangeOp) -> FieldChange {
    FieldChange {
        field: field.to_owned(),
        old_value: old,
        new_value: new,
        operation,
        conflict: None,
    }
}

/// Folds the field conflicts recorded in a version (or a span of versions) into its change
/// list: the plain `set` of a conflicting field becomes a `conflict` naming both values and
/// both users; a conflict whose field shows no net change (or a second conflict on one
/// field) is added as its own `conflict` entry, old and new being the kept value.
pub fn fold_conflicts(changes: &mut Vec<FieldChange>, conflicts: &[FieldConflict]) {
    for c in conflicts {
        let open = changes
            .iter_mut()
            .find(|f| f.field == c.field && f.operation == ChangeOp::Set);
        match open {
            Some(f) => {
                f.operation = ChangeOp::Conflict;
                f.conflict = Some(c.clone());
            }
            None => changes.push(FieldChange {
                field: c.field.clone(),
                old_value: c.kept.value.clone(),
                new_value: c.kept.value.clone(),
                operation: ChangeOp::Conflict,
                conflict: Some(c.clone()),
            }),
        }
    }
}

/// The scalar and text fields of a snapshot, in a fixed order, as JSON values.
fn plain_fields(s: &ItemSnapshot) -> [(&'static str, Value, bool); 9] {
    [
        ("title", json!(s.title), true),
        ("description", json!(s.description), true),
        ("type", json!(s.item_type), false),
        ("status", json!(s.status), false),
        ("priority", json!(s.priority), false),
        ("assignee", json!(s.assignee_id), false),
        ("parent", json!(s.parent_id), false),
        ("position", json!(s.position), false),
        ("trashed", json!(s.trashed), false),
    ]
}

/// The changes from `before` (none for an item's first version) to `after`.
pub fn field_changes(before: Option<&ItemSnapshot>, after: &ItemSnapshot) -> Vec<FieldChange> {
    let Some(before) = before else {
        let mut out: Vec<FieldChange> = plain_fields(after)
            .into_iter()
            .map(|(f, v, _)| change(f, Value::Null, v, ChangeOp::Create))
            .collect();
        out.extend(after.acceptance_criteria.iter().map(|c| {
            change(
                &format!("acceptance_criteria/{}", c.id),
                Value::Null,
                json!(c),
                ChangeOp::Create,
            )
        }));
        return out;
    };
    let mut out: Vec<FieldChange> = plain_fields(before)
        .into_iter()
        .zip(plain_fields(after))
        .filter(|((_, a, _), (_, b, _))| a != b)
        .map(|((f, a, text), (_, b, _))| {
            let op = if text { ChangeOp::Edit } else { ChangeOp::Set };
            change(f, a, b, op)
        })
        .collect();
    for c in criteria_changes(&before.acceptance_criteria, &after.acceptance_criteria) {
        let (id, old, new, op) = match c {
            CriteriaChange::Added { criterion, .. } => (
                criterion.id.clone(),
                Value::Null,
                json!(criterion),
                ChangeOp::Add,
            ),
            CriteriaChange::Removed { criterion, .. } => (
                criterion.id.clone(),
                json!(criterion),
                Value::Null,
                ChangeOp::Remove,
            ),
            CriteriaChange::Moved { id, from, to } => (id, json!(from), json!(to), ChangeOp::Move),
            CriteriaChange::Edited { old, new, .. } => {
                (old.id.clone(), json!(old), json!(new), ChangeOp::Edit)
            }
        };
        out.push(change(&format!("acceptance_criteria/{id}"), old, new, op));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::testing::snap;
    use crate::spec::Status;

    #[test]
    fn changes_name_each_field_with_old_and_new_values() {
        let a = snap("Sign in", "Text", &[("c1", "Works"), ("c2", "Fast")]);
        let mut b = snap("Sign in now", "Text", &[("c2", "Fast"), ("c3", "New")]);
        b.status = Status::Ready;
        let got = field_changes(Some(&a), &b);
        let summary: Vec<(String, ChangeOp)> =
            got.iter().map(|c| (c.field.clone(), c.operation)).collect();
        assert_eq!(
            summary,
            vec![
                ("title".into(), ChangeOp::Edit),
                ("status".into(), ChangeOp::Set),
                ("acceptance_criteria/c1".into(), ChangeOp::Remove),
                ("acceptance_criteria/c3".into(), ChangeOp::Add),
            ]
        );
        assert_eq!(got[1].old_value, json!("draft"));
        assert_eq!(got[1].new_value, json!("ready"));
    }

    #[test]
    fn a_first_version_lists_every_field_as_created() {
        let got = field_changes(None, &snap("T", "", &[("c1", "x")]));
        assert_eq!(got.len(), 10);
        assert!(got.iter().all(|c| c.operation == ChangeOp::Create));
    }

    fn side(v: &str, u: u128) -> ConflictSide {
        ConflictSide {
            value: json!(v),
            user_id: Some(UserId(uuid::Uuid::from_u128(u))),
        }
    }

    #[test]
    fn conflicts_turn_the_fields_set_into_a_conflict_with_both_values() {
        let a = snap("T", "", &[]);
        let mut b = a.clone();
        b.status = Status::Ready;
        let mut got = field_changes(Some(&a), &b);
        let race = FieldConflict {
            field: "status".into(),
            kept: side("ready", 1),
            lost: side("in_progress", 2),
        };
        let unchanged = FieldConflict {
            field: "priority".into(),
            kept: side("medium", 2),
            lost: side("high", 1),
        };
        fold_conflicts(&mut got, &[race.clone(), unchanged.clone()]);
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].operation, ChangeOp::Conflict);
        assert_eq!(
            (&got[0].old_value, &got[0].new_value),
            (&json!("draft"), &json!("ready"))
        );
        assert_eq!(got[0].conflict.as_ref(), Some(&race));
        assert_eq!(got[1].field, "priority");
        assert_eq!(got[1].operation, ChangeOp::Conflict);
        assert_eq!(got[1].old_value, json!("medium"));
        assert_eq!(got[1].conflict.as_ref(), Some(&unchanged));
        let text = serde_json::to_value(&got[0]).unwrap();
        assert_eq!(text["operation"], "conflict");
        assert_eq!(text["conflict"]["lost"]["value"], "in_progress");
    }

    #[test]
    fn identical_snapshots_have_no_changes() {
        let a = snap("T", "d", &[("c1", "x")]);
        assert!(field_changes(Some(&a), &a.clone()).is_empty());
    }
}
