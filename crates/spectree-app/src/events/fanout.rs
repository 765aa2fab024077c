//! Project events between nodes: each node publishes its events as JSON on one Redis channel
//! (tagged with the node's id, so it ignores its own) and hands the other nodes' events to
//! its local subscribers. Events lost while Redis is away are covered by telling every
//! subscriber to resynchronise once the subscription is back.

use std::time::Duration;

use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use tokio::sync::{broadcast, mpsc};

use super::{Msg, Remote};

/// The Redis channel of project events.
const CHANNEL: &str = "spectree:project-events";

/// Events waiting to be published before new ones are dropped.
const QUEUE: usize = 10_000;

#[derive(Serialize, Deserialize)]
struct Wire {
    node: uuid::Uuid,
    msg: Remote,
}

/// Starts the publisher and the subscriber; returns the queue of outgoing events.
pub(super) async fn start(
    url: &str,
    local: broadcast::Sender<Msg>,
) -> Result<mpsc::Sender<Remote>, redis::RedisError> {
    let client = redis::Client::open(url)?;
    let conn = redis::aio::ConnectionManager::new(client.clone()).await?;
    let node = uuid::Uuid::now_v7();
    let (tx, rx) = mpsc::channel(QUEUE);
    tokio::spawn(publisher(conn, rx, node));
    tokio::spawn(subscriber(client, local, node));
    Ok(tx)
}

async fn publisher(
    mut conn: redis::aio::ConnectionManager,
    mut queue: mpsc::Receiver<Remote>,
    node: uuid::Uuid,
) {
    while let Some(msg) = queue.recv().await {
        let Ok(payload) = serde_json::to_vec(&Wire { node, msg }) else {
            continue;
        };
        let sent = tokio::time::timeout(
            Duration::from_secs(2),
            redis::cmd("PUBLISH")
                .arg(CHANNEL)
                .arg(&payload)
                .query_async::<()>(&mut conn),
        )
        .await;
        if !matches!(sent, Ok(Ok(()))) {
            // The other nodes' subscribers resynchronise when their link comes back; one
            // that never lost its link misses this event until the next one or a reload.
            tracing::warn!("publishing a project event to Redis failed");
        }
    }
}

async fn subscriber(client: redis::Client, local: broadcast::Sender<Msg>, node: uuid::Uuid) {
    let mut backoff = Duration::from_millis(50);
    let mut first = true;
    loop {
        let mut pubsub = match client.get_async_pubsub().await {
            Ok(p) => p,
            Err(e) => {
                tracing::warn!(error = %e, "Redis pub/sub for project events unavailable; retrying");
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(2));
                continue;
            }
        };
        if pubsub.subscribe(CHANNEL).await.is_err() {
            continue;
        }
        backoff = Duration::from_millis(50);
        if !first {
            let _ = local.send(Msg::ResyncAll);
        }
        first = false;
        let mut stream = pubsub.on_message();
        while let Some(msg) = stream.next().await {
            match serde_json::from_slice::<Wire>(msg.get_payload_bytes()) {
                Ok(w) if w.node != node => {
                    let _ = local.send(match w.msg {
                        Remote::Event(e) => Msg::Event(e),
                        Remote::Inbox(u) => Msg::Inbox(u),
                    });
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "ignoring a malformed project event"),
            }
        }
        tracing::warn!("lost the Redis pub/sub connection for project events; resubscribing");
    }
}
