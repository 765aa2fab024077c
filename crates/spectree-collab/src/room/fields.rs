//! The room's side of scalar-field conflicts: every update the room applies passes through
//! its [`FieldLog`]; conflicts found on a client's update are recorded in the transaction
//! that stores the update, those found on another node's update in one of their own (the
//! unique key makes the second node's record a no-op).

use serde_json::json;
use spectree_domain::audit::AuditEvent;
use spectree_domain::ids::{ItemId, OrgId, UserId};
use spectree_store::collab::conflicts::{self, ConflictSide, FieldConflict};
use spectree_store::{AnyConnection, Store};
use yrs::updates::decoder::Decode;
use yrs::{IdSet, ReadTxn, StateVector, Transact, Update};

use super::Room;
use crate::conflicts::{Conflict, FieldLog, FieldWrite};
use crate::manager::{CollabError, Shared};

/// Applies stored updates (a snapshot, then the log after it) to `doc` in one transaction,
/// passing them through `fields`; returns the conflicts they reveal.
pub(crate) fn apply_stored(
    doc: &yrs::Doc,
    stored: &spectree_store::collab::StoredDoc,
    fields: &mut FieldLog,
) -> Result<Vec<Conflict>, CollabError> {
    let parts: Vec<&[u8]> = stored
        .snapshot
        .iter()
        .map(|s| s.1.as_slice())
        .chain(stored.updates.iter().map(|u| u.1.as_slice()))
        .collect();
    let incoming = fields.incoming_all(&parts);
    let (deleted, applied) = {
        let mut txn = doc.transact_mut();
        for bytes in &parts {
            let u = Update::decode_v1(bytes).map_err(|e| CollabError::Corrupt(e.to_string()))?;
            txn.apply_update(u)
                .map_err(|e| CollabError::Corrupt(e.to_string()))?;
        }
        (txn.delete_set().clone(), txn.state_vector())
    };
    Ok(fields.settle(incoming, &deleted, &applied, None))
}

/// What a transaction on the document did, for the field log.
pub(super) struct Applied {
    pub deleted: IdSet,
    pub state: StateVector,
}

impl Room {
    /// Applies a decoded update in one transaction; returns whether it changed anything and
    /// the conflicts it revealed (`user` sent it, when known).
    pub(super) fn apply_tracked(
        &mut self,
        bytes: &[u8],
        update: Update,
        user: Option<UserId>,
    ) -> Result<(bool, Vec<Conflict>), CollabError> {
        let incoming = self.fields.incoming(bytes);
        let (changed, applied) = {
            let mut txn = self.doc.transact_mut();
            txn.apply_update(update)
                .map_err(|e| CollabError::Corrupt(e.to_string()))?;
            let changed = txn.before_state() != txn.after_state() || !txn.delete_set().is_empty();
            let applied = Applied {
                deleted: txn.delete_set().clone(),
                state: txn.state_vector(),
            };
            (changed, applied)
        };
        let found = self
            .fields
            .settle(incoming, &applied.deleted, &applied.state, user);
        Ok((changed, found))
    }

    /// Passes the room's own edit (already applied) through the field log.
    pub(super) fn track_own(&mut self, bytes: &[u8], applied: &Applied, user: Option<UserId>) {
        let incoming = self.fields.incoming(bytes);
        // The room's own edits see the whole document: they never race anything here.
        let _ = self
            .fields
            .settle(incoming, &applied.deleted, &applied.state, user);
    }

    /// Fills in the users of writes this node did not see arrive, from the client-id
    /// bindings.
    pub(super) async fn with_users(
        &mut self,
        found: Vec<Conflict>,
    ) -> Result<Vec<Conflict>, CollabError> {
        let mut out = Vec::with_capacity(found.len());
        for mut c in found {
            for side in [&mut c.winner, &mut c.loser] {
                if side.user.is_none() {
                    side.user = self.owner_of(side.client).await?;
                }
            }
            out.push(c);
        }
        Ok(out)
    }

    /// Records conflicts and their audit records in `tx`; `actor` sent the update that
    /// revealed them.
    pub(super) async fn record_conflicts(
        shared: &Shared,
        (org, item): (OrgId, ItemId),
        tx: &mut AnyConnection,
        found: &[Conflict],
        actor: Option<UserId>,
    ) -> Result<(), CollabError> {
        let now = shared.clock.now();
        for c in found {
            let side = |w: &FieldWrite| ConflictSide {
                value: w.value.clone(),
                user_id: w.user,
                client: w.client,
                clock: w.clock,
            };
            let row = FieldConflict {
                id: uuid::Uuid::now_v7().to_string(),
                org_id: org,
                item_id: item,
                field: c.field.clone(),
                winner: side(&c.winner),
                loser: side(&c.loser),
                created_at: now,
                version_number: None,
            };
            if conflicts::insert(tx, &row).await? {
                let event = AuditEvent {
                    org_id: org,
                    actor_id: actor,
                    action: "item.field_conflict".to_owned(),
                    target_kind: "work_item".to_owned(),
                    target_id: Some(item.to_string()),
                    ip: None,
                    user_agent: None,
                    data: json!({
                        "conflict_id": row.id,
                        "field": row.field,
                        "kept": {"value": row.winner.value, "user_id": row.winner.user_id},
                        "lost": {"value": row.loser.value, "user_id": row.loser.user_id},
                    }),
                };
                spectree_store::audit::append(tx, &event, now).await?;
            }
        }
        Ok(())
    }

    /// Records conflicts found on updates another node stored, in a transaction of their own.
    pub(super) async fn record_remote_conflicts(
        &mut self,
        found: Vec<Conflict>,
    ) -> Result<(), CollabError> {
        if found.is_empty() {
            return Ok(());
        }
        let found = self.with_users(found).await?;
        let mut tx = self.shared.store.begin().await?;
        let (shared, at) = (&self.shared, (self.org, self.item));
        Self::record_conflicts(shared, at, &mut tx, &found, None).await?;
        Store::commit_without_activity(tx).await?;
        Ok(())
    }
}
