//! The field conflicts the collaboration layer recorded, as the version history shows them:
//! each one belongs to the version stored next after it was recorded, and is folded into
//! that version's change list (and into diffs and exports spanning it).

use serde_json::Value;
use spectree_domain::history::{ConflictSide, FieldChange, FieldConflict, fold_conflicts};
use spectree_domain::ids::{ItemId, OrgId};
use spectree_store::collab::conflicts::{self, FieldConflict as StoredConflict};
use spectree_store::{AnyConnection, StoreResult};

fn side(value: &Option<String>, user: Option<spectree_domain::ids::UserId>) -> ConflictSide {
    ConflictSide {
        value: value.clone().map_or(Value::Null, Value::String),
        user_id: user,
    }
}

/// A stored conflict as the history shows it.
pub(crate) fn shown(c: &StoredConflict) -> FieldConflict {
    FieldConflict {
        field: c.field.clone(),
        kept: side(&c.winner.value, c.winner.user_id),
        lost: side(&c.loser.value, c.loser.user_id),
    }
}

/// Folds into `changes` the conflicts held by the versions after `after` through `through`
/// (`None`: through now, including those not in a version yet).
pub(crate) async fn fold_span(
    c: &mut AnyConnection,
    org: OrgId,
    item: ItemId,
    after: i64,
    through: Option<i64>,
    changes: &mut Vec<FieldChange>,
) -> StoreResult<()> {
    let found = conflicts::in_versions(c, org, item, after, through).await?;
    if !found.is_empty() {
        let shown: Vec<FieldConflict> = found.iter().map(shown).collect();
        fold_conflicts(changes, &shown);
    }
    Ok(())
}

/// Folds into `changes` (of the version numbered `number`, the one before it being
/// `previous`) the conflicts from `all` (every conflict of the item) that it holds.
pub(crate) fn fold_from(
    all: &[StoredConflict],
    previous: i64,
    number: i64,
    changes: &mut Vec<FieldChange>,
) {
    let shown: Vec<FieldConflict> = all
        .iter()
        .filter(|c| {
            c.version_number
                .is_some_and(|v| v > previous && v <= number)
        })
        .map(shown)
        .collect();
    if !shown.is_empty() {
        fold_conflicts(changes, &shown);
    }
}
