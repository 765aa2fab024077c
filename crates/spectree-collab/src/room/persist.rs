//! Storing a room's updates: appended to the document's log, with the editor's editing
//! session, before they are relayed; compacted into a snapshot by count.

use spectree_domain::ids::UserId;
use spectree_store::Store;
use spectree_store::collab::{self, NewUpdate};
use yrs::{ReadTxn, StateVector, Transact};

use super::Room;
use crate::conflicts::Conflict;
use crate::manager::CollabError;

impl Room {
    /// Appends updates (and a server fix) to the log in one transaction, with the editing
    /// session, then publishes them to the other nodes. When another node took the next
    /// sequence number first, this room catches up from the database and tries again.
    pub(super) async fn persist(
        &mut self,
        updates: &[(&[u8], Option<UserId>, Option<u64>)],
        fix: Option<&[u8]>,
        editor: Option<UserId>,
        found: &[Conflict],
    ) -> Result<(), CollabError> {
        let server_client = self.doc.client_id().get();
        let all: Vec<(&[u8], Option<UserId>, Option<u64>)> = updates
            .iter()
            .copied()
            .chain(fix.map(|f| (f, None, Some(server_client))))
            .collect();
        let mut attempts = 0;
        let first = loop {
            match self.try_persist(&all, editor, found).await {
                Ok(first) => break first,
                Err(CollabError::Store(spectree_store::StoreError::Duplicate)) if attempts < 5 => {
                    attempts += 1;
                    self.catch_up().await?;
                }
                Err(e) => return Err(e),
            }
        };
        if let Some(f) = &self.shared.fanout {
            for (i, (data, _, _)) in all.iter().enumerate() {
                f.publish(
                    self.item,
                    crate::fanout::KIND_UPDATE,
                    first + i as i64,
                    data,
                );
            }
        }
        Ok(())
    }

    /// One attempt of [`Room::persist`]; returns the first sequence number used. The
    /// database work borrows nothing of the room, which meanwhile takes presence
    /// ([`Room::meanwhile`]).
    async fn try_persist(
        &mut self,
        all: &[(&[u8], Option<UserId>, Option<u64>)],
        editor: Option<UserId>,
        found: &[Conflict],
    ) -> Result<i64, CollabError> {
        let shared = self.shared.clone();
        let now = shared.clock.now();
        let first = self.seq + 1;
        let idle_before = now.minus(shared.settings.session_idle);
        let session = match editor {
            Some(user)
                if self
                    .sessions_touched
                    .get(&user)
                    .is_some_and(|at| *at >= idle_before) =>
            {
                collab::SessionState::Open
            }
            _ => collab::SessionState::Unknown,
        };
        let compaction_due = self.since_snapshot + all.len() >= shared.settings.compact_every;
        let (org, item) = (self.org, self.item);
        let last = first + all.len() as i64 - 1;
        // The state to compact into, should this node get the compaction lock.
        let state = compaction_due.then(|| {
            self.doc
                .transact()
                .encode_state_as_update_v1(&StateVector::default())
        });
        let write = async move {
            let store = &shared.store;
            // The common case (one person's update, nothing else to record) in one round
            // trip while the writer is idle.
            if let ([(data, user_id, client_id)], Some(user), [], None) =
                (all, editor, found, &state)
            {
                let u = NewUpdate {
                    seq: first,
                    data,
                    user_id: *user_id,
                    client_id: *client_id,
                };
                if collab::append_touching_alone(
                    store,
                    org,
                    item,
                    &u,
                    user,
                    now,
                    idle_before,
                    session,
                )
                .await?
                {
                    return Ok(false);
                }
            }
            let mut tx = store.begin().await?;
            for (i, (data, user_id, client_id)) in all.iter().enumerate() {
                let u = NewUpdate {
                    seq: first + i as i64,
                    data,
                    user_id: *user_id,
                    client_id: *client_id,
                };
                match editor {
                    // The editor's session is touched with the last update.
                    Some(user) if i + 1 == all.len() => {
                        collab::append_touching(
                            &mut tx,
                            store.dialect(),
                            store.sealer(),
                            org,
                            item,
                            &u,
                            user,
                            now,
                            idle_before,
                        )
                        .await?;
                    }
                    _ => collab::append(&mut tx, store.sealer(), org, item, &u, now).await?,
                }
            }
            Self::record_conflicts(&shared, (org, item), &mut tx, found, editor).await?;
            let mut compacted = false;
            if let Some(state) = &state
                && collab::try_compaction_lock(&mut tx, store.dialect(), item).await?
            {
                collab::compact(&mut tx, store.sealer(), org, item, last, state, now).await?;
                compacted = true;
            }
            Store::commit_without_activity(tx).await?;
            Ok::<bool, CollabError>(compacted)
        };
        let compacted = self.meanwhile(write).await?;
        if let Some(user) = editor {
            self.sessions_touched.insert(user, now);
        }
        self.seq = last;
        self.since_snapshot = if compacted {
            0
        } else {
            self.since_snapshot + all.len()
        };
        Ok(first)
    }
}
