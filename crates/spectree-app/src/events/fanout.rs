//! Project events and activity between nodes: each node publishes them as JSON on one Redis channel
//! (tagged with the node's id, so it ignores its own) and hands the other nodes' events to
//! its local subscribers. Events lost while Redis is away are covered by telling every
//! subscriber to resynchronise once the subscription is back.

use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use tokio::sync::{broadcast, mpsc};

use spectree_domain::ids::UserId;
use spectree_store::activity::Activity;

use super::{Msg, ProjectEvent};

/// The Redis channel of project events.
const CHANNEL: &str = "spectree:project-events";

/// Events waiting to be published before new ones are dropped.
const QUEUE: usize = 10_000;

/// What a node sends to the others.
#[derive(Debug, Clone)]
pub(super) enum Outgoing {
    /// A project event.
    Event(ProjectEvent),
    /// A committed activity.
    Activity(Arc<Activity>),
    /// A person's notification inbox changed.
    Inbox(UserId),
}

/// One message on the channel: an event, an activity or an inbox hint (exactly one).
#[derive(Serialize, Deserialize)]
struct Wire {
    node: uuid::Uuid,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    event: Option<ProjectEvent>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    activity: Option<Activity>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    inbox: Option<UserId>,
}

/// Starts the publisher and the subscriber; returns the queue of outgoing events.
pub(super) async fn start(
    url: &str,
    local: broadcast::Sender<Msg>,
) -> Result<mpsc::Sender<Outgoing>, redis::RedisError> {
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
    mut queue: mpsc::Receiver<Outgoing>,
    node: uuid::Uuid,
) {
    while let Some(out) = queue.recv().await {
        let wire = match out {
            Outgoing::Event(e) => Wire {
                node,
                event: Some(e),
                activity: None,
                inbox: None,
            },
            Outgoing::Activity(a) => Wire {
                node,
                event: None,
                activity: Some(Activity::clone(&a)),
                inbox: None,
            },
            Outgoing::Inbox(u) => Wire {
                node,
                event: None,
                activity: None,
                inbox: Some(u),
            },
        };
        let Ok(payload) = serde_json::to_vec(&wire) else {
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
                    if let Some(e) = w.event {
                        let _ = local.send(Msg::Event(e));
                    }
                    if let Some(a) = w.activity {
                        let _ = local.send(Msg::Activity(Arc::new(a)));
                    }
                    if let Some(u) = w.inbox {
                        let _ = local.send(Msg::Inbox(u));
                    }
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "ignoring a malformed project event"),
            }
        }
        tracing::warn!("lost the Redis pub/sub connection for project events; resubscribing");
    }
}
