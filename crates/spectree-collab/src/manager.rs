//! The rooms of one node: opened on demand, found by item id, unloaded when idle.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use spectree_domain::Clock;
use spectree_domain::ids::{ItemId, UserId};
use spectree_store::{Store, StoreError};
use tokio::sync::{mpsc, oneshot};

use crate::room::{Cmd, EditFn, Room};
use crate::schema::DocContent;
use crate::{CollabSettings, Host};

/// A connection's id within this node.
pub type ConnId = u64;

/// Why a collaboration call failed.
#[derive(Debug, thiserror::Error)]
pub enum CollabError {
    /// No such live item.
    #[error("no such item")]
    NotFound,
    /// The room stopped (it is reloaded on the next call).
    #[error("the document's room closed")]
    Closed,
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A stored update could not be applied.
    #[error("document data is corrupt: {0}")]
    Corrupt(String),
    /// The host refused or failed.
    #[error("{0}")]
    Host(String),
}

/// Who is connected, as the transport authenticated them.
#[derive(Debug, Clone)]
pub struct Principal {
    /// The user.
    pub user_id: UserId,
    /// Their display name.
    pub name: String,
    /// Whether they may edit (Viewers may not).
    pub can_edit: bool,
}

impl Principal {
    /// The identity the server puts into every presence state of this user, as JSON (made
    /// once per connection).
    pub(crate) fn identity(&self) -> String {
        serde_json::json!({ "id": self.user_id, "name": self.name, "color": color_of(self.user_id) })
            .to_string()
    }
}

/// Who a server-side edit (REST, restore, AI generation) writes for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Writer {
    /// The person the edit is made for (for an AI, the person who started it).
    pub user_id: UserId,
    /// An AI writes it.
    pub ai: bool,
}

/// A stable colour per user, so everyone sees the same colour for one person.
pub fn color_of(user: UserId) -> String {
    const PALETTE: [&str; 12] = [
        "#e6194b", "#3cb44b", "#4363d8", "#f58231", "#911eb4", "#42d4f4", "#f032e6", "#469990",
        "#9a6324", "#800000", "#808000", "#000075",
    ];
    let b = user.as_uuid().as_bytes()[15];
    PALETTE[usize::from(b) % PALETTE.len()].to_owned()
}

/// What the room sends to a connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outgoing {
    /// A binary y-websocket message (shared by every connection it is broadcast to).
    Frame(bytes::Bytes),
    /// Close the socket with this code and reason.
    Close {
        /// WebSocket close code.
        code: u16,
        /// Reason.
        reason: String,
    },
}

/// A client's membership in a room. Dropping it leaves the room.
pub struct Connection {
    id: ConnId,
    room: mpsc::Sender<Cmd>,
}

impl Connection {
    /// Hands a message from the client to the room.
    pub async fn send(&self, data: Vec<u8>) -> Result<(), CollabError> {
        self.room
            .send(Cmd::Frame {
                conn: self.id,
                data,
            })
            .await
            .map_err(|_| CollabError::Closed)
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        let room = self.room.clone();
        let conn = self.id;
        if room.try_send(Cmd::Leave { conn }).is_err() {
            tokio::spawn(async move {
                let _ = room.send(Cmd::Leave { conn }).await;
            });
        }
    }
}

pub(crate) struct RoomHandle {
    pub(crate) generation: u64,
    pub(crate) tx: mpsc::Sender<Cmd>,
}

pub(crate) struct Shared {
    pub(crate) store: Store,
    pub(crate) fanout: Option<crate::Fanout>,
    pub(crate) host: Arc<dyn Host>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) settings: CollabSettings,
    pub(crate) rooms: Mutex<HashMap<ItemId, RoomHandle>>,
    next_id: AtomicU64,
}

impl Shared {
    pub(crate) fn next_id(&self) -> u64 {
        self.next_id.fetch_add(1, Ordering::Relaxed)
    }

    /// Forgets a room that stopped, unless a newer one took its place.
    pub(crate) fn forget(&self, item: ItemId, generation: u64) {
        let mut rooms = self.rooms.lock().unwrap_or_else(|p| p.into_inner());
        if rooms.get(&item).is_some_and(|h| h.generation == generation) {
            rooms.remove(&item);
        }
    }
}

/// The live documents of this node.
#[derive(Clone)]
pub struct Collab {
    shared: Arc<Shared>,
}

impl Collab {
    /// Rooms over `store`, with `host` for seeding, access and projection, and `fanout` to
    /// the other nodes when there are any.
    pub fn new(
        store: Store,
        host: Arc<dyn Host>,
        clock: Arc<dyn Clock>,
        settings: CollabSettings,
        fanout: Option<crate::Fanout>,
    ) -> Self {
        Self {
            shared: Arc::new(Shared {
                store,
                fanout,
                host,
                clock,
                settings,
                rooms: Mutex::new(HashMap::new()),
                next_id: AtomicU64::new(1),
            }),
        }
    }

    /// The settings.
    pub fn settings(&self) -> &CollabSettings {
        &self.shared.settings
    }

    /// How many rooms are loaded.
    pub fn open_rooms(&self) -> usize {
        self.shared
            .rooms
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .len()
    }

    fn room(&self, item: ItemId) -> mpsc::Sender<Cmd> {
        let mut rooms = self.shared.rooms.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(h) = rooms.get(&item)
            && !h.tx.is_closed()
        {
            return h.tx.clone();
        }
        let generation = self.shared.next_id();
        let (tx, rx) = mpsc::channel(1024);
        rooms.insert(
            item,
            RoomHandle {
                generation,
                tx: tx.clone(),
            },
        );
        tokio::spawn(Room::run(
            self.shared.clone(),
            item,
            generation,
            tx.clone(),
            rx,
        ));
        tx
    }

    /// Sends a command to the item's room, opening it if needed and retrying once if the
    /// room was just unloading.
    async fn call<T>(
        &self,
        item: ItemId,
        make: impl Fn(oneshot::Sender<Result<T, CollabError>>) -> Cmd,
    ) -> Result<(T, mpsc::Sender<Cmd>), CollabError> {
        for _ in 0..3 {
            let (reply, rx) = oneshot::channel();
            let room = self.room(item);
            if room.send(make(reply)).await.is_err() {
                continue;
            }
            match rx.await {
                // The room was unloading when the command arrived: the next one takes it.
                Ok(Err(CollabError::Closed)) | Err(_) => continue,
                Ok(r) => return r.map(|v| (v, room)),
            }
        }
        Err(CollabError::Closed)
    }

    /// Joins the item's room: the room starts the sync and then sends to `out`.
    pub async fn join(
        &self,
        item: ItemId,
        principal: Principal,
        out: mpsc::Sender<Outgoing>,
    ) -> Result<Connection, CollabError> {
        let id = self.shared.next_id();
        let ((), tx) = self
            .call(item, |reply| Cmd::Join {
                conn: id,
                principal: principal.clone(),
                out: out.clone(),
                reply,
            })
            .await?;
        Ok(Connection { id, room: tx })
    }

    /// Edits the item's document on behalf of `user` (REST edits, restores): `edit` runs in
    /// one yrs transaction under the Yjs client id bound to `user` for REST edits in this
    /// room; the update is stored, relayed and projected before this returns the new content.
    pub async fn edit(
        &self,
        item: ItemId,
        user: UserId,
        edit: EditFn,
    ) -> Result<DocContent, CollabError> {
        let writer = Writer {
            user_id: user,
            ai: false,
        };
        self.edit_as(item, writer, None, edit).await
    }

    /// Edits the item's document as `writer`, under `client` (bound to the writer on first
    /// use; its copy of the document is kept until [`Collab::set_presence`] clears it) or,
    /// when `None`, as [`Collab::edit`] does. Edits under a given `client` are projected
    /// after the debounce, like live edits; [`Collab::flush`] projects at once.
    pub async fn edit_as(
        &self,
        item: ItemId,
        writer: Writer,
        client: Option<u64>,
        edit: EditFn,
    ) -> Result<DocContent, CollabError> {
        let edit = Arc::new(Mutex::new(Some(edit)));
        self.call(item, |reply| Cmd::Edit {
            writer,
            client,
            edit: edit.clone(),
            reply,
        })
        .await
        .map(|(c, _)| c)
    }

    /// Sets the presence state (awareness JSON object) of a server-side writer's client id,
    /// relayed to everyone in the room; `None` clears it and ends the writer.
    pub async fn set_presence(
        &self,
        item: ItemId,
        client: u64,
        state: Option<serde_json::Value>,
    ) -> Result<(), CollabError> {
        let state = state.map(|v| v.to_string());
        let room = self.room(item);
        room.send(Cmd::Presence { client, state })
            .await
            .map_err(|_| CollabError::Closed)
    }

    /// Projects the document into its row now if edits are waiting for the debounce; returns
    /// the content.
    pub async fn flush(&self, item: ItemId) -> Result<DocContent, CollabError> {
        self.call(item, |reply| Cmd::Flush { reply })
            .await
            .map(|(c, _)| c)
    }

    /// The item's current document content.
    pub async fn content(&self, item: ItemId) -> Result<DocContent, CollabError> {
        self.call(item, |reply| Cmd::Content { reply })
            .await
            .map(|(c, _)| c)
    }

    /// Re-checks the access of `user` in every open room: sockets of someone who lost access
    /// close; someone who lost the right to edit becomes read-only.
    pub async fn recheck_user(&self, user: UserId) {
        let rooms: Vec<mpsc::Sender<Cmd>> = self
            .shared
            .rooms
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .values()
            .map(|h| h.tx.clone())
            .collect();
        for tx in rooms {
            let _ = tx.send(Cmd::Recheck { user }).await;
        }
    }
}
