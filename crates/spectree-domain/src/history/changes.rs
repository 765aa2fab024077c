//! The field changes of a version: what differs between the snapshot before and after it,
//! one entry per field (and per acceptance criterion), with the old and new value.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::ToSchema;

use super::ItemSnapshot;
use super::diff::{CriteriaChange, criteria_changes};

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
}

fn change(field: &str, old: Value, new: Value, operation: ChangeOp) -> FieldChange {
    FieldChange {
        field: field.to_owned(),
        old_value: old,
        new_value: new,
        operation,
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

    #[test]
    fn identical_snapshots_have_no_changes() {
        let a = snap("T", "d", &[("c1", "x")]);
        assert!(field_changes(Some(&a), &a.clone()).is_empty());
    }
}
