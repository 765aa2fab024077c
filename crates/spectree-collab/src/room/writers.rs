//! Server-side writers: REST edits, restores and AI generation write under Yjs client ids of
//! their own, bound (`doc_clients`) to the person they write for, so "who wrote this" names
//! that person (or the AI and the person who started it) instead of the room.
//!
//! yrs fixes a document's client id when it is made, so a writer edits its own copy of the
//! document, brought up to date from the room's document by the difference of their state
//! vectors; the copy's update is then applied to the room's document like a client's. A
//! REST writer's copy is dropped after each edit (one document copy per REST call); an AI
//! writer's copy lives until its presence is cleared at the end of its job, so each token
//! costs only the difference since the previous one.

use std::time::Instant;

use spectree_domain::ids::UserId;
use spectree_store::Store;
use spectree_store::collab;
use yrs::block::ClientID;
use yrs::sync::{Message, SyncMessage};
use yrs::updates::decoder::Decode;
use yrs::{ReadTxn, Transact, Update};

use super::{EditFn, Room, new_doc};
use crate::manager::{CollabError, Writer};
use crate::schema::{self, DocContent, Roots};

impl Room {
    /// Runs `f` as `writer` and stores, relays and projects its update.
    pub(super) async fn server_edit(
        &mut self,
        writer: Writer,
        client: Option<u64>,
        f: EditFn,
    ) -> Result<DocContent, CollabError> {
        let keep = client.is_some();
        let client = match client {
            Some(c) => c,
            None => self.rest_client(writer.user_id).await?,
        };
        self.ensure_bound(client, writer).await?;
        let update = {
            let (wdoc, wroots) = self.writers.entry(client).or_insert_with(|| {
                let d = new_doc(ClientID::new(client));
                let r = Roots::of(&d);
                (d, r)
            });
            let behind = {
                let sv = wdoc.transact().state_vector();
                self.doc.transact().encode_state_as_update_v1(&sv)
            };
            let mut txn = wdoc.transact_mut();
            let u = Update::decode_v1(&behind).map_err(|e| CollabError::Corrupt(e.to_string()))?;
            txn.apply_update(u)
                .map_err(|e| CollabError::Corrupt(e.to_string()))?;
            let before = txn.state_vector();
            f(&mut txn, wroots);
            let changed = txn.state_vector() != before || !txn.delete_set().is_empty();
            changed.then(|| txn.encode_update_v1())
        };
        if !keep {
            self.writers.remove(&client);
        }
        if let Some(bytes) = update {
            let u = Update::decode_v1(&bytes).map_err(|e| CollabError::Corrupt(e.to_string()))?;
            let (changed, found) = self.apply_tracked(&bytes, u, Some(writer.user_id))?;
            if changed {
                let found = self.with_users(found).await?;
                // An AI's writing is no editing session of the person who started it.
                let session = (!writer.ai).then_some(writer.user_id);
                self.persist(
                    &[(bytes.as_slice(), Some(writer.user_id), Some(client))],
                    None,
                    session,
                    &found,
                )
                .await?;
                self.broadcast(&Message::Sync(SyncMessage::Update(bytes)), None);
                if keep {
                    self.schedule_projection(Some(writer));
                } else {
                    self.project(Some(writer)).await?;
                }
            }
        }
        Ok(schema::read(&self.roots, &self.doc.transact()))
    }

    /// The client id `user`'s REST edits use in this room's lifetime: fresh per room load
    /// (never shared between nodes, so two nodes cannot write one id's clock twice).
    async fn rest_client(&mut self, user: UserId) -> Result<u64, CollabError> {
        if let Some(c) = self.rest_clients.get(&user) {
            return Ok(*c);
        }
        for _ in 0..8 {
            let c = ClientID::random().get();
            if c > super::SEED_CLIENT && self.binding_of(c).await?.is_none() {
                self.rest_clients.insert(user, c);
                return Ok(c);
            }
        }
        Err(CollabError::Host(
            "no free client id for a REST writer".into(),
        ))
    }

    /// Binds `client` to `writer` on first use; refuses an id bound to anyone else.
    async fn ensure_bound(&mut self, client: u64, writer: Writer) -> Result<(), CollabError> {
        let wanted = collab::ClientBinding {
            user_id: writer.user_id,
            ai: writer.ai,
        };
        match self.binding_of(client).await? {
            Some(b) if b == wanted => Ok(()),
            Some(_) => Err(CollabError::Host(
                "the writer's client id is bound to someone else".into(),
            )),
            None => {
                let mut tx = self.shared.store.begin().await?;
                collab::bind_client(&mut tx, self.item, client, wanted, self.shared.clock.now())
                    .await?;
                Store::commit_without_activity(tx).await?;
                self.client_owners.insert(client, wanted);
                Ok(())
            }
        }
    }

    /// Sets or clears a server-side writer's presence and relays it.
    pub(super) fn server_presence(&mut self, client: u64, state: Option<String>) {
        if state.is_none() {
            self.writers.remove(&client);
        }
        if let Some(relay) = self.presence.set_server(client, state, Instant::now()) {
            self.publish_awareness(&relay);
            self.broadcast(&Message::Awareness(relay), None);
        }
    }
}
