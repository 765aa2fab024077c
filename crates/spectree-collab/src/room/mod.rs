//! One open document: an actor that owns the yrs document and serialises everything done to
//! it. An update from a client is checked, applied, appended to the durable log, and only then
//! relayed; presence is relayed with identities filled in, also while the room waits for the
//! database (docs/decisions/0033); live edits are projected into the relational row after a
//! debounce.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use spectree_domain::Timestamp;
use spectree_domain::ids::{ItemId, OrgId, UserId};
use spectree_store::Store;
use spectree_store::collab;
use tokio::sync::{mpsc, oneshot};
use yrs::block::ClientID;
use yrs::sync::awareness::AwarenessUpdate;
use yrs::sync::{Message, SyncMessage};
use yrs::updates::decoder::Decode;
use yrs::updates::encoder::Encode;
use yrs::{Doc, Options, ReadTxn, StateVector, Transact, TransactionMut, Update};

use crate::awareness::Presence;
use crate::conflicts::{self, FieldLog};
use crate::manager::{CollabError, ConnId, Outgoing, Principal, Shared, Writer};
use crate::schema::{self, DocContent, Roots};
use crate::validate;

mod fields;
mod inbox;
mod persist;
mod remote;
mod schedule;
mod writers;

pub(crate) use fields::apply_stored;

/// A REST edit: runs inside one transaction on the document.
pub type EditFn = Box<dyn FnOnce(&mut TransactionMut, &Roots) + Send>;

/// The client id that seeds documents: seeding the same row twice gives the same update,
/// so two nodes seeding at once cannot duplicate content.
pub(super) const SEED_CLIENT: u64 = 1;

/// WebSocket close codes the room uses.
const CLOSE_TOO_SLOW: u16 = 4008;
const CLOSE_BAD_MESSAGE: u16 = 4400;
const CLOSE_FORBIDDEN: u16 = 4403;
const CLOSE_RELOAD: u16 = 4500;

pub(crate) enum Cmd {
    Join {
        conn: ConnId,
        principal: Principal,
        out: mpsc::Sender<Outgoing>,
        reply: oneshot::Sender<Result<(), CollabError>>,
    },
    Frame {
        conn: ConnId,
        data: Vec<u8>,
    },
    Leave {
        conn: ConnId,
    },
    /// A server-side edit for `writer`: under `client` (kept for the writer's next edits,
    /// projected after the debounce) or, when `None`, under the writer's REST client id of
    /// this room (projected before the reply).
    Edit {
        writer: Writer,
        client: Option<u64>,
        edit: Arc<Mutex<Option<EditFn>>>,
        reply: oneshot::Sender<Result<DocContent, CollabError>>,
    },
    /// Sets (or with `None` clears) the presence of a server-side writer's client id;
    /// clearing also forgets the writer's copy of the document.
    Presence {
        client: u64,
        state: Option<String>,
    },
    /// Projects now when a projection is due.
    Flush {
        reply: oneshot::Sender<Result<DocContent, CollabError>>,
    },
    Content {
        reply: oneshot::Sender<Result<DocContent, CollabError>>,
    },
    Recheck {
        user: UserId,
    },
    /// A frame from another node (through Redis).
    Remote {
        bytes: Vec<u8>,
    },
    /// Reload whatever the database has beyond what this room applied.
    CatchUp,
}

struct Conn {
    principal: Principal,
    /// The identity (JSON) the server puts into this connection's presence states.
    identity: Arc<str>,
    out: mpsc::Sender<Outgoing>,
    denied: bool,
}

pub(crate) struct Room {
    shared: Arc<Shared>,
    item: ItemId,
    org: OrgId,
    doc: Doc,
    roots: Roots,
    seq: i64,
    since_snapshot: usize,
    conns: HashMap<ConnId, Conn>,
    presence: Presence,
    /// Writes of the `fields` map, for finding concurrent changes to one field.
    fields: FieldLog,
    client_owners: HashMap<u64, collab::ClientBinding>,
    /// The client id each user's REST edits are written under in this room's lifetime.
    rest_clients: HashMap<UserId, u64>,
    /// Server-side writers' copies of the document, by client id (see `writers.rs`).
    writers: HashMap<u64, (Doc, Roots)>,
    /// When this room last touched each editor's editing session (so it is open, unless
    /// that was longer ago than `session_idle`): their next update writes just the touch.
    sessions_touched: HashMap<UserId, Timestamp>,
    /// The projection live edits are waiting for (see `schedule.rs`).
    projection: Option<schedule::Pending>,
    empty_since: Option<Instant>,
    last_check: Instant,
    /// The room's commands. Read by the loop in [`Room::run`], and by [`Room::meanwhile`]
    /// while the room waits for the database.
    inbox: mpsc::Receiver<Cmd>,
    /// Commands taken while waiting for the database that need the room in order; the loop
    /// runs them before taking new ones.
    deferred: VecDeque<Cmd>,
}

fn frame(msg: &Message) -> bytes::Bytes {
    bytes::Bytes::from(msg.encode_v1())
}

pub(super) fn new_doc(client: ClientID) -> Doc {
    Doc::with_options(Options {
        client_id: client,
        offset_kind: yrs::OffsetKind::Utf16,
        ..Options::default()
    })
}

impl Room {
    /// Runs a room until it is idle past the grace period (or fails).
    pub(crate) async fn run(
        shared: Arc<Shared>,
        item: ItemId,
        generation: u64,
        tx: mpsc::Sender<Cmd>,
        mut rx: mpsc::Receiver<Cmd>,
    ) {
        let room = match Room::load(shared.clone(), item).await {
            Ok(r) => Some(r),
            Err(e) => {
                if !matches!(e, CollabError::NotFound) {
                    tracing::error!(%item, error = %e, "loading a document failed");
                }
                // Answer what is queued with the error, then stop.
                shared.forget(item, generation);
                rx.close();
                while let Some(cmd) = rx.recv().await {
                    fail(cmd, &e);
                }
                None
            }
        };
        let Some(mut room) = room else {
            return;
        };
        if let Some(f) = &shared.fanout {
            f.subscribe(item, tx.clone());
            // Updates stored between our load and the subscription are in the database.
            let _ = tx.try_send(Cmd::CatchUp);
        }
        drop(tx);
        room.inbox = rx;
        // The room wakes when something is due (a presence expiring, a projection, the end
        // of its grace period, a look at the log), not on a fixed tick: at 200 open rooms a
        // 250 ms tick was 800 wake-ups a second with nothing to do.
        let timer = tokio::time::sleep_until(room.next_due().into());
        tokio::pin!(timer);
        loop {
            let cmd = match room.deferred.pop_front() {
                Some(cmd) => cmd,
                None => tokio::select! {
                    cmd = room.inbox.recv() => match cmd {
                        Some(cmd) => cmd,
                        None => break,
                    },
                    () = &mut timer => {
                        if let Err(e) = room.tick().await {
                            tracing::error!(%item, error = %e, "document room failed; closing it");
                            room.close_all(CLOSE_RELOAD, "the server is reloading this document");
                            break;
                        }
                        if room.idle_past_grace() {
                            break;
                        }
                        timer.as_mut().reset(room.next_due().into());
                        continue;
                    }
                },
            };
            if let Err(e) = room.handle(cmd).await {
                tracing::error!(%item, error = %e, "document room failed; closing it");
                room.close_all(CLOSE_RELOAD, "the server is reloading this document");
                break;
            }
            // A command can only bring something closer (a projection, the grace period); a
            // timer that fires early finds nothing due and is set again.
            let due = tokio::time::Instant::from_std(room.next_due());
            if due < timer.deadline() {
                timer.as_mut().reset(due);
            }
        }
        shared.forget(item, generation);
        if let Some(f) = &shared.fanout {
            f.unsubscribe(item);
        }
        // Anything that raced the unload is answered as closed, so the caller retries.
        room.inbox.close();
        for cmd in std::mem::take(&mut room.deferred) {
            fail(cmd, &CollabError::Closed);
        }
        while let Some(cmd) = room.inbox.recv().await {
            fail(cmd, &CollabError::Closed);
        }
    }

    async fn load(shared: Arc<Shared>, item: ItemId) -> Result<Room, CollabError> {
        let (org, initial) = shared
            .host
            .initial(item)
            .await?
            .ok_or(CollabError::NotFound)?;
        let mut stored = collab::load(
            &mut *shared.store.read().await?,
            shared.store.sealer(),
            org,
            item,
        )
        .await?;
        if stored.snapshot.is_none() && stored.updates.is_empty() {
            let seed = new_doc(ClientID::new(SEED_CLIENT));
            schema::seed(&seed, &initial);
            let state = seed
                .transact()
                .encode_state_as_update_v1(&StateVector::default());
            let mut tx = shared.store.begin().await?;
            collab::seed(
                &mut tx,
                shared.store.sealer(),
                org,
                item,
                &state,
                shared.clock.now(),
            )
            .await?;
            Store::commit_without_activity(tx).await?;
            stored = collab::load(
                &mut *shared.store.read().await?,
                shared.store.sealer(),
                org,
                item,
            )
            .await?;
        }
        let doc = new_doc(ClientID::random());
        let mut fields = FieldLog::default();
        apply_stored(&doc, &stored, &mut fields)?;
        let roots = Roots::of(&doc);
        Ok(Room {
            seq: stored.last_seq(),
            since_snapshot: stored.updates.len(),
            shared,
            item,
            org,
            doc,
            roots,
            conns: HashMap::new(),
            presence: Presence::default(),
            fields,
            client_owners: HashMap::new(),
            rest_clients: HashMap::new(),
            writers: HashMap::new(),
            sessions_touched: HashMap::new(),
            projection: None,
            empty_since: Some(Instant::now()),
            last_check: Instant::now(),
            // The real inbox is handed over once loaded (see `run`).
            inbox: mpsc::channel(1).1,
            deferred: VecDeque::new(),
        })
    }

    async fn handle(&mut self, cmd: Cmd) -> Result<(), CollabError> {
        match cmd {
            Cmd::Join {
                conn,
                principal,
                out,
                reply,
            } => {
                let sv = self.doc.transact().state_vector();
                let mut first = vec![frame(&Message::Sync(SyncMessage::SyncStep1(sv)))];
                if let Some(all) = self.presence.full() {
                    first.push(frame(&Message::Awareness(all)));
                }
                for f in first {
                    let _ = out.try_send(Outgoing::Frame(f));
                }
                self.conns.insert(
                    conn,
                    Conn {
                        identity: Arc::from(principal.identity()),
                        principal,
                        out,
                        denied: false,
                    },
                );
                self.empty_since = None;
                let _ = reply.send(Ok(()));
            }
            Cmd::Leave { conn } => {
                self.conns.remove(&conn);
                if let Some(gone) = self.presence.remove_conn(conn) {
                    self.publish_awareness(&gone);
                    self.broadcast(&Message::Awareness(gone), None);
                }
                if self.conns.is_empty() {
                    self.empty_since = Some(Instant::now());
                }
            }
            Cmd::Frame { conn, data } => self.on_frame(conn, data).await?,
            Cmd::Edit {
                writer,
                client,
                edit,
                reply,
            } => {
                let f = edit.lock().unwrap_or_else(|p| p.into_inner()).take();
                let result = match f {
                    Some(f) => self.server_edit(writer, client, f).await,
                    None => Err(CollabError::Closed),
                };
                let failed = result.as_ref().err().map(|e| e.to_string());
                let _ = reply.send(result);
                if let Some(e) = failed {
                    return Err(CollabError::Host(e));
                }
            }
            Cmd::Content { reply } => {
                let _ = reply.send(Ok(schema::read(&self.roots, &self.doc.transact())));
            }
            Cmd::Presence { client, state } => self.server_presence(client, state),
            Cmd::Flush { reply } => {
                if let Some(p) = self.projection {
                    self.project(p.editor).await?;
                }
                let _ = reply.send(Ok(schema::read(&self.roots, &self.doc.transact())));
            }
            Cmd::Remote { bytes } => self.on_remote(bytes).await?,
            Cmd::CatchUp => self.catch_up().await?,
            Cmd::Recheck { user } => {
                let ids: Vec<ConnId> = self
                    .conns
                    .iter()
                    .filter(|(_, c)| c.principal.user_id == user)
                    .map(|(id, _)| *id)
                    .collect();
                if !ids.is_empty() {
                    let access = self.shared.host.access(self.item, user).await?;
                    for id in ids {
                        match access {
                            None => self.close(
                                id,
                                CLOSE_FORBIDDEN,
                                "your access to this item was revoked",
                            ),
                            Some(can_edit) => {
                                if let Some(c) = self.conns.get_mut(&id) {
                                    c.principal.can_edit = can_edit;
                                }
                            }
                        }
                    }
                }
            }
        }
        Ok(())
    }

    async fn on_frame(&mut self, conn: ConnId, data: Vec<u8>) -> Result<(), CollabError> {
        if data.len() > self.shared.settings.max_message_bytes {
            self.close(conn, CLOSE_BAD_MESSAGE, "message too large");
            return Ok(());
        }
        let msg = match Message::decode_v1(&data) {
            Ok(m) => m,
            Err(_) => {
                self.close(conn, CLOSE_BAD_MESSAGE, "malformed message");
                return Ok(());
            }
        };
        match msg {
            Message::Sync(SyncMessage::SyncStep1(sv)) => {
                let update = self.doc.transact().encode_state_as_update_v1(&sv);
                self.send(conn, &Message::Sync(SyncMessage::SyncStep2(update)));
            }
            Message::Sync(SyncMessage::SyncStep2(update) | SyncMessage::Update(update)) => {
                self.on_update(conn, update).await?;
            }
            Message::Awareness(update) => self.on_awareness(conn, update),
            Message::AwarenessQuery => {
                if let Some(all) = self.presence.full() {
                    self.send(conn, &Message::Awareness(all));
                }
            }
            Message::Auth(_) | Message::Custom(..) => {}
        }
        Ok(())
    }

    fn on_awareness(&mut self, conn: ConnId, update: AwarenessUpdate) {
        let Some(c) = self.conns.get(&conn) else {
            return;
        };
        let identity = c.identity.clone();
        if let Some(relay) = self.presence.apply(conn, &identity, update, Instant::now()) {
            self.publish_awareness(&relay);
            // Not back to its sender: a Yjs client keeps its own state and ignores an echo
            // of it (same clock), so the echo was a send per presence update for nothing.
            self.broadcast(&Message::Awareness(relay), Some(conn));
        }
    }

    async fn on_update(&mut self, conn: ConnId, bytes: Vec<u8>) -> Result<(), CollabError> {
        let Some(c) = self.conns.get_mut(&conn) else {
            return Ok(());
        };
        let user = c.principal.user_id;
        if !c.principal.can_edit {
            // Not applied, stored or relayed. The client is told, and sent the server's state
            // vector once so it can see what the server has.
            let first = !c.denied;
            c.denied = true;
            self.send(
                conn,
                &Message::Auth(Some(
                    "permission denied: you may view this item but not edit it".into(),
                )),
            );
            if first {
                let sv = self.doc.transact().state_vector();
                self.send(conn, &Message::Sync(SyncMessage::SyncStep1(sv)));
            }
            return Ok(());
        }
        let update = match Update::decode_v1(&bytes) {
            Ok(u) => u,
            Err(_) => {
                self.close(conn, CLOSE_BAD_MESSAGE, "malformed update");
                return Ok(());
            }
        };
        // Every client id the update writes something new under must be this user's. Blocks
        // the document already holds may be re-sent under any id (a reconnecting client sends
        // what it has, the seed's blocks included).
        let clients = conflicts::new_writers(&bytes, &self.doc.transact().state_vector());
        for client in &clients {
            match self.binding_of(*client).await? {
                // Ids an AI writes under are the server's, whoever started the AI.
                Some(owner) if owner.user_id != user || owner.ai => {
                    self.close(
                        conn,
                        CLOSE_FORBIDDEN,
                        "this client id belongs to another user",
                    );
                    return Ok(());
                }
                Some(_) => {}
                None if *client == SEED_CLIENT => {
                    self.close(conn, CLOSE_FORBIDDEN, "this client id is reserved");
                    return Ok(());
                }
                None => {
                    let binding = collab::ClientBinding {
                        user_id: user,
                        ai: false,
                    };
                    let (shared, item, client) = (self.shared.clone(), self.item, *client);
                    self.meanwhile(async move {
                        let mut tx = shared.store.begin().await?;
                        let now = shared.clock.now();
                        collab::bind_client(&mut tx, item, client, binding, now).await?;
                        Store::commit_without_activity(tx).await?;
                        Ok::<(), CollabError>(())
                    })
                    .await?;
                    self.client_owners.insert(client, binding);
                }
            }
        }
        let previous = schema::read_fields(&self.roots, &self.doc.transact());
        let previous: Vec<(String, Option<String>)> = previous.into_iter().collect();
        let (changed, found) = self.apply_tracked(&bytes, update, Some(user))?;
        if !changed {
            return Ok(());
        }
        let fix = self.compensate(None, |txn, roots| {
            validate::enforce(txn, roots, &previous);
        });
        let found = self.with_users(found).await?;
        let client = clients.first().copied();
        self.persist(
            &[(bytes.as_slice(), Some(user), client)],
            fix.as_deref(),
            Some(user),
            &found,
        )
        .await?;
        self.broadcast(&Message::Sync(SyncMessage::Update(bytes)), Some(conn));
        if let Some(fix) = fix {
            self.broadcast(&Message::Sync(SyncMessage::Update(fix)), None);
        }
        self.schedule_projection(Some(Writer {
            user_id: user,
            ai: false,
        }));
        Ok(())
    }

    /// Runs a server edit; returns its update when it changed anything.
    /// `user` is who asked for it (a REST edit), if anyone.
    fn compensate(
        &mut self,
        user: Option<UserId>,
        f: impl FnOnce(&mut TransactionMut, &Roots),
    ) -> Option<Vec<u8>> {
        let (update, applied) = {
            let mut txn = self.doc.transact_mut();
            f(&mut txn, &self.roots);
            let changed = txn.before_state() != txn.after_state() || !txn.delete_set().is_empty();
            if !changed {
                return None;
            }
            let applied = fields::Applied {
                deleted: txn.delete_set().clone(),
                state: txn.state_vector(),
            };
            (txn.encode_update_v1(), applied)
        };
        self.track_own(&update, &applied, user);
        Some(update)
    }

    async fn owner_of(&mut self, client: u64) -> Result<Option<UserId>, CollabError> {
        Ok(self.binding_of(client).await?.map(|b| b.user_id))
    }

    async fn binding_of(
        &mut self,
        client: u64,
    ) -> Result<Option<collab::ClientBinding>, CollabError> {
        if let Some(b) = self.client_owners.get(&client) {
            return Ok(Some(*b));
        }
        let owner =
            collab::client_owner(&mut *self.shared.store.read().await?, self.item, client).await?;
        if let Some(b) = owner {
            self.client_owners.insert(client, b);
        }
        Ok(owner)
    }

    /// Writes the content into the relational row; values the host refuses are put back.
    async fn project(&mut self, editor: Option<Writer>) -> Result<(), CollabError> {
        self.projection = None;
        let content = schema::read(&self.roots, &self.doc.transact());
        let (shared, item) = (self.shared.clone(), self.item);
        let outcome = self
            .meanwhile(async move { shared.host.project(item, content, editor).await })
            .await?;
        if !outcome.revert.is_empty() {
            let revert = outcome.revert.clone();
            if let Some(fix) = self.compensate(None, move |txn, roots| {
                let fields: Vec<(&str, Option<String>)> = revert
                    .iter()
                    .map(|(k, v)| (k.as_str(), v.clone()))
                    .collect();
                schema::set_fields(txn, roots, &fields);
            }) {
                self.persist(&[], Some(&fix), None, &[]).await?;
                self.broadcast(&Message::Sync(SyncMessage::Update(fix)), None);
            }
        }
        Ok(())
    }

    fn send(&mut self, conn: ConnId, msg: &Message) {
        let f = frame(msg);
        let slow = match self.conns.get(&conn) {
            Some(c) => c.out.try_send(Outgoing::Frame(f)).is_err(),
            None => false,
        };
        if slow {
            self.close(conn, CLOSE_TOO_SLOW, "too slow: reconnect to resynchronise");
        }
    }

    /// Sends to every connection but `except`; a connection whose queue is full is
    /// disconnected (its client reconnects and resynchronises), never silently skipped.
    fn broadcast(&mut self, msg: &Message, except: Option<ConnId>) {
        let f = frame(msg);
        let mut slow = Vec::new();
        for (id, c) in &self.conns {
            if Some(*id) != except && c.out.try_send(Outgoing::Frame(f.clone())).is_err() {
                slow.push(*id);
            }
        }
        for id in slow {
            self.close(id, CLOSE_TOO_SLOW, "too slow: reconnect to resynchronise");
        }
    }

    fn close(&mut self, conn: ConnId, code: u16, reason: &str) {
        if let Some(c) = self.conns.remove(&conn) {
            let _ = c.out.try_send(Outgoing::Close {
                code,
                reason: reason.to_owned(),
            });
        }
        if let Some(gone) = self.presence.remove_conn(conn) {
            self.broadcast(&Message::Awareness(gone), None);
        }
        if self.conns.is_empty() {
            self.empty_since = Some(Instant::now());
        }
    }

    fn close_all(&mut self, code: u16, reason: &str) {
        let ids: Vec<ConnId> = self.conns.keys().copied().collect();
        for id in ids {
            self.close(id, code, reason);
        }
    }
}

fn fail(cmd: Cmd, e: &CollabError) {
    let err = || match e {
        CollabError::NotFound => CollabError::NotFound,
        _ => CollabError::Closed,
    };
    match cmd {
        Cmd::Join { reply, .. } => {
            let _ = reply.send(Err(err()));
        }
        Cmd::Edit { reply, .. } | Cmd::Content { reply } | Cmd::Flush { reply } => {
            let _ = reply.send(Err(err()));
        }
        Cmd::Frame { .. }
        | Cmd::Leave { .. }
        | Cmd::Recheck { .. }
        | Cmd::Presence { .. }
        | Cmd::Remote { .. }
        | Cmd::CatchUp => {}
    }
}
