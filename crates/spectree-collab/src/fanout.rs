//! Fan-out between nodes through Redis pub/sub. A node that stores an update publishes its
//! raw bytes with the document's sequence number on the document's channel; every other node
//! with that document open applies it directly (one hop, no state-vector round trip).
//! Presence frames travel the same way. Redis pub/sub may drop messages: a node that sees a
//! sequence gap, or that resubscribes after losing Redis, reloads the missing updates from
//! the database.

use std::collections::HashMap;
use std::time::Duration;

use futures_util::StreamExt;
use spectree_domain::ids::ItemId;
use tokio::sync::mpsc;

use crate::room::Cmd;

/// Format version of a fan-out frame.
const VERSION: u8 = 1;
/// Frame kinds.
pub(crate) const KIND_UPDATE: u8 = 1;
/// A presence frame.
pub(crate) const KIND_AWARENESS: u8 = 2;

/// A frame from another node.
#[derive(Debug, Clone)]
pub(crate) struct Remote {
    /// What it carries.
    pub kind: u8,
    /// The document sequence number of an update (0 for presence).
    pub seq: i64,
    /// The bytes: a Yjs update or an encoded awareness update.
    pub payload: Vec<u8>,
}

fn channel(item: ItemId) -> String {
    format!("spectree:doc:{item}")
}

fn encode(node: &[u8; 16], kind: u8, seq: i64, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(26 + payload.len());
    out.push(VERSION);
    out.push(kind);
    out.extend_from_slice(node);
    out.extend_from_slice(&seq.to_be_bytes());
    out.extend_from_slice(payload);
    out
}

fn decode(bytes: &[u8]) -> Option<([u8; 16], Remote)> {
    if bytes.len() < 26 || bytes[0] != VERSION {
        return None;
    }
    let node: [u8; 16] = bytes[2..18].try_into().ok()?;
    let seq = i64::from_be_bytes(bytes[18..26].try_into().ok()?);
    Some((
        node,
        Remote {
            kind: bytes[1],
            seq,
            payload: bytes[26..].to_vec(),
        },
    ))
}

enum Sub {
    Subscribe(ItemId, mpsc::Sender<Cmd>),
    Unsubscribe(ItemId),
}

/// Frames waiting to be published before new ones are dropped (receivers then catch up
/// from the database).
const PUBLISH_QUEUE: usize = 10_000;

/// This node's link to the other nodes.
#[derive(Clone)]
pub struct Fanout {
    node: [u8; 16],
    outbox: mpsc::Sender<(String, Vec<u8>)>,
    subs: mpsc::UnboundedSender<Sub>,
}

impl Fanout {
    /// Connects to Redis (failing when it cannot be reached now) and starts the subscriber,
    /// which reconnects by itself when Redis goes away.
    pub async fn connect(url: &str) -> Result<Fanout, redis::RedisError> {
        let client = redis::Client::open(url)?;
        let conn = redis::aio::ConnectionManager::new(client.clone()).await?;
        let (subs, rx) = mpsc::unbounded_channel();
        tokio::spawn(subscriber(client, rx));
        let (outbox, queue) = mpsc::channel(PUBLISH_QUEUE);
        tokio::spawn(publisher(conn, queue));
        Ok(Fanout {
            node: *uuid::Uuid::now_v7().as_bytes(),
            outbox,
            subs,
        })
    }

    /// Routes frames of `item` from other nodes to its room.
    pub(crate) fn subscribe(&self, item: ItemId, room: mpsc::Sender<Cmd>) {
        let _ = self.subs.send(Sub::Subscribe(item, room));
    }

    /// Stops routing frames of `item`.
    pub(crate) fn unsubscribe(&self, item: ItemId) {
        let _ = self.subs.send(Sub::Unsubscribe(item));
    }

    /// Queues a frame of `item` for publishing, in order. When Redis is away or the queue is
    /// full the frame may be lost; the other nodes notice the gap or resubscribe, and catch up
    /// from the database.
    pub(crate) fn publish(&self, item: ItemId, kind: u8, seq: i64, payload: &[u8]) {
        let frame = encode(&self.node, kind, seq, payload);
        if self.outbox.try_send((channel(item), frame)).is_err() {
            tracing::warn!(%item, "the Redis publish queue is full; dropping a frame");
        }
    }

    /// Whether a frame came from this node.
    fn is_own(&self, node: &[u8; 16]) -> bool {
        &self.node == node
    }

    /// Decodes a frame unless it is this node's own.
    pub(crate) fn accept(&self, bytes: &[u8]) -> Option<Remote> {
        let (node, remote) = decode(bytes)?;
        (!self.is_own(&node)).then_some(remote)
    }
}

/// Most frames sent to Redis in one pipeline.
const PUBLISH_BATCH: usize = 256;

/// Publishes queued frames in order, retrying a batch a few times while Redis reconnects.
/// The frames queued while a round trip to Redis is under way go together in the next one
/// (a pipeline of `PUBLISH` commands): one frame per round trip could not keep up with a
/// busy node, and its queue showed as hundreds of milliseconds of presence latency across
/// nodes (docs/decisions/0028).
async fn publisher(
    mut conn: redis::aio::ConnectionManager,
    mut queue: mpsc::Receiver<(String, Vec<u8>)>,
) {
    let mut batch = Vec::with_capacity(PUBLISH_BATCH);
    while queue.recv_many(&mut batch, PUBLISH_BATCH).await > 0 {
        let mut pipe = redis::pipe();
        for (channel, frame) in &batch {
            pipe.cmd("PUBLISH").arg(channel).arg(frame).ignore();
        }
        let mut delay = Duration::from_millis(25);
        for attempt in 0..6 {
            let sent =
                tokio::time::timeout(Duration::from_secs(2), pipe.query_async::<()>(&mut conn))
                    .await;
            if matches!(sent, Ok(Ok(()))) {
                break;
            }
            if attempt == 5 {
                tracing::warn!(
                    frames = batch.len(),
                    "publishing to Redis failed; other nodes will catch up from the database"
                );
            } else {
                tokio::time::sleep(delay).await;
                delay *= 2;
            }
        }
        batch.clear();
    }
}

/// Keeps one pub/sub connection: subscribes the open documents' channels, hands frames to
/// their rooms, and after a reconnect tells every room to catch up from the database.
async fn subscriber(client: redis::Client, mut rx: mpsc::UnboundedReceiver<Sub>) {
    let mut rooms: HashMap<ItemId, mpsc::Sender<Cmd>> = HashMap::new();
    let mut backoff = Duration::from_millis(50);
    loop {
        let pubsub = match client.get_async_pubsub().await {
            Ok(p) => p,
            Err(e) => {
                tracing::warn!(error = %e, "Redis pub/sub unavailable; retrying");
                // Keep the room list current while waiting.
                let wait = tokio::time::sleep(backoff);
                tokio::pin!(wait);
                loop {
                    tokio::select! {
                        () = &mut wait => break,
                        sub = rx.recv() => match sub {
                            Some(Sub::Subscribe(item, tx)) => { rooms.insert(item, tx); }
                            Some(Sub::Unsubscribe(item)) => { rooms.remove(&item); }
                            None => return,
                        },
                    }
                }
                backoff = (backoff * 2).min(Duration::from_secs(2));
                continue;
            }
        };
        backoff = Duration::from_millis(50);
        let (mut sink, mut stream) = pubsub.split();
        let mut ok = true;
        for item in rooms.keys() {
            if sink.subscribe(channel(*item)).await.is_err() {
                ok = false;
                break;
            }
        }
        if !ok {
            continue;
        }
        // Anything published while we were not subscribed is in the database.
        rooms.retain(|_, tx| tx.try_send(Cmd::CatchUp).is_ok() || !tx.is_closed());
        loop {
            tokio::select! {
                sub = rx.recv() => match sub {
                    Some(Sub::Subscribe(item, tx)) => {
                        rooms.insert(item, tx);
                        if sink.subscribe(channel(item)).await.is_err() {
                            break;
                        }
                    }
                    Some(Sub::Unsubscribe(item)) => {
                        rooms.remove(&item);
                        if sink.unsubscribe(channel(item)).await.is_err() {
                            break;
                        }
                    }
                    None => return,
                },
                msg = stream.next() => match msg {
                    Some(msg) => {
                        let item = msg
                            .get_channel_name()
                            .strip_prefix("spectree:doc:")
                            .and_then(|s| s.parse::<ItemId>().ok());
                        if let Some(tx) = item.and_then(|i| rooms.get(&i)) {
                            let bytes = msg.get_payload_bytes().to_vec();
                            if tx.try_send(Cmd::Remote { bytes }).is_err() {
                                // A full room queue must not stall every document: the room
                                // catches up from the database instead.
                                let _ = tx.try_send(Cmd::CatchUp);
                            }
                        }
                    }
                    None => {
                        tracing::warn!("lost the Redis pub/sub connection; resubscribing");
                        break;
                    }
                },
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_round_trip() {
        let node = [7u8; 16];
        let bytes = encode(&node, KIND_UPDATE, 42, b"abc");
        let (n, r) = decode(&bytes).unwrap();
        assert_eq!(n, node);
        assert_eq!(
            (r.kind, r.seq, r.payload.as_slice()),
            (KIND_UPDATE, 42, &b"abc"[..])
        );
        assert!(decode(&bytes[..10]).is_none());
    }
}
