//! The room's side of fan-out between nodes: presence and updates from other nodes, and
//! catching up from the database when a frame went missing.

use std::time::Instant;

use spectree_store::collab;
use yrs::sync::awareness::AwarenessUpdate;
use yrs::sync::{Message, SyncMessage};
use yrs::updates::decoder::Decode;
use yrs::updates::encoder::Encode;
use yrs::{ReadTxn, Transact, Update};

use super::Room;
use crate::manager::CollabError;

impl Room {
    /// Sends a presence change to the other nodes (without waiting for Redis).
    pub(super) fn publish_awareness(&self, update: &AwarenessUpdate) {
        if let Some(f) = &self.shared.fanout {
            let (item, bytes) = (self.item, update.encode_v1());
            f.publish(item, crate::fanout::KIND_AWARENESS, 0, &bytes);
        }
    }

    /// Relays presence from another node to this node's clients.
    pub(super) fn on_remote_presence(&mut self, payload: &[u8]) {
        if let Ok(update) = AwarenessUpdate::decode_v1(payload)
            && let Some(relay) = self.presence.apply_remote(update, Instant::now())
        {
            self.broadcast(&Message::Awareness(relay), None);
        }
    }

    pub(super) async fn on_remote(&mut self, bytes: Vec<u8>) -> Result<(), CollabError> {
        let Some(remote) = self.shared.fanout.as_ref().and_then(|f| f.accept(&bytes)) else {
            return Ok(());
        };
        match remote.kind {
            crate::fanout::KIND_UPDATE => {
                if remote.seq <= self.seq {
                    return Ok(());
                }
                if remote.seq > self.seq + 1 {
                    // A frame went missing: take what the database has.
                    self.catch_up().await?;
                    if remote.seq <= self.seq {
                        return Ok(());
                    }
                }
                let update = Update::decode_v1(&remote.payload)
                    .map_err(|e| CollabError::Corrupt(e.to_string()))?;
                let (_, found) = self.apply_tracked(&remote.payload, update, None)?;
                self.seq = remote.seq;
                self.record_remote_conflicts(found).await?;
                self.since_snapshot += 1;
                self.broadcast(&Message::Sync(SyncMessage::Update(remote.payload)), None);
                self.schedule_projection(None);
            }
            crate::fanout::KIND_AWARENESS => self.on_remote_presence(&remote.payload),
            _ => {}
        }
        Ok(())
    }

    /// Applies every update the database has beyond this room's sequence number and relays
    /// the difference to this node's clients.
    pub(super) async fn catch_up(&mut self) -> Result<(), CollabError> {
        let stored = collab::load_after(
            &mut *self.shared.store.read().await?,
            self.shared.store.sealer(),
            self.org,
            self.item,
            self.seq,
        )
        .await?;
        if stored.last_seq() <= self.seq {
            return Ok(());
        }
        let before = self.doc.transact().state_vector();
        let found = super::apply_stored(&self.doc, &stored, &mut self.fields)?;
        self.seq = stored.last_seq();
        self.record_remote_conflicts(found).await?;
        let diff = self.doc.transact().encode_state_as_update_v1(&before);
        self.broadcast(&Message::Sync(SyncMessage::Update(diff)), None);
        self.schedule_projection(None);
        Ok(())
    }
}
