//! Outgoing events of a project's spec tree (item created, updated, moved, trashed, restored,
//! purged), of the discussion on its items (comments, resolutions, reactions), the
//! committed activity the activity dispatcher delivers live ([`crate::activity`]), and hints
//! that a person's notification inbox changed ([`inbox`]). They are
//! published after the transaction that caused them committed, so a reader that reloads on an
//! event sees the change; the HTTP layer streams them to browsers.
//!
//! Delivery is in process (one tokio broadcast channel per node) and, with Redis configured,
//! to the other nodes ([`fanout`]). An event is a hint to reload, not the data itself, so a
//! subscriber that lags behind, or misses events while Redis reconnects, is told to
//! resynchronise.

mod fanout;
pub mod inbox;

use std::sync::{Arc, OnceLock};

use serde::{Deserialize, Serialize};
use spectree_domain::ids::{ItemId, ProjectId, UserId};
use spectree_store::activity::Activity;
use tokio::sync::{broadcast, mpsc, watch};

use crate::spec::SpecError;
use crate::{Actor, App};

/// Events one node buffers for slow subscribers before they must resynchronise.
const CAPACITY: usize = 1024;

/// What happened to an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemEventKind {
    /// Created (alone or in a bulk create).
    Created,
    /// A field changed (REST or a live edit projected into the row).
    Updated,
    /// Moved to another parent or place.
    Moved,
    /// Moved to the trash with its subtree.
    Trashed,
    /// Restored from the trash.
    Restored,
    /// Purged from the trash for good.
    Purged,
    /// A comment thread was opened or a reply added.
    Commented,
    /// A comment was edited.
    CommentEdited,
    /// A comment was deleted (it stays as a tombstone).
    CommentDeleted,
    /// A thread was resolved.
    ThreadResolved,
    /// A thread was reopened.
    ThreadReopened,
    /// A reaction was added to or taken back from a comment.
    Reacted,
}

impl ItemEventKind {
    /// A change to the item's discussion rather than to the tree.
    pub fn is_discussion(self) -> bool {
        matches!(
            self,
            ItemEventKind::Commented
                | ItemEventKind::CommentEdited
                | ItemEventKind::CommentDeleted
                | ItemEventKind::ThreadResolved
                | ItemEventKind::ThreadReopened
                | ItemEventKind::Reacted
        )
    }
}

/// One change in a project's tree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProjectEvent {
    /// The project.
    pub project_id: ProjectId,
    /// What happened.
    pub kind: ItemEventKind,
    /// The item it happened to.
    pub item_id: ItemId,
}

/// What travels on a node's broadcast channel.
#[derive(Debug, Clone)]
pub(crate) enum Msg {
    Event(ProjectEvent),
    /// A committed activity (of any project of any organization on this node's database).
    Activity(Arc<Activity>),
    /// Events may have been missed (the link to the other nodes was down): everyone reloads.
    ResyncAll,
    /// This user's access changed: their subscriptions check it again.
    Recheck(UserId),
    /// This user's notification inbox changed (its unread count may differ).
    Inbox(UserId),
}

/// The node's event hub.
pub struct ProjectEvents {
    tx: broadcast::Sender<Msg>,
    closed: watch::Sender<bool>,
    /// Events for the other nodes, when Redis is configured.
    remote: OnceLock<mpsc::Sender<fanout::Outgoing>>,
}

impl Default for ProjectEvents {
    fn default() -> Self {
        Self {
            tx: broadcast::Sender::new(CAPACITY),
            closed: watch::Sender::new(false),
            remote: OnceLock::new(),
        }
    }
}

impl ProjectEvents {
    /// Hands an event to every subscriber on this node and queues it for the other nodes
    /// (none listening is fine).
    pub fn publish(&self, project_id: ProjectId, kind: ItemEventKind, item_id: ItemId) {
        let event = ProjectEvent {
            project_id,
            kind,
            item_id,
        };
        if let Some(remote) = self.remote.get()
            && remote
                .try_send(fanout::Outgoing::Event(event.clone()))
                .is_err()
        {
            tracing::warn!("the project event queue to Redis is full; dropping an event");
        }
        let _ = self.tx.send(Msg::Event(event));
    }

    /// Tells every node's inbox subscriptions of `user` that their inbox changed.
    pub fn publish_inbox(&self, user: UserId) {
        if let Some(remote) = self.remote.get()
            && remote.try_send(fanout::Outgoing::Inbox(user)).is_err()
        {
            tracing::warn!("the project event queue to Redis is full; dropping an inbox hint");
        }
        let _ = self.tx.send(Msg::Inbox(user));
    }

    /// Hands a committed activity to every activity subscriber on this node and to the
    /// other nodes (the dispatcher that claimed it calls this once, after its commit).
    pub fn publish_activity(&self, activity: Arc<Activity>) {
        if let Some(remote) = self.remote.get()
            && remote
                .try_send(fanout::Outgoing::Activity(activity.clone()))
                .is_err()
        {
            tracing::warn!("the project event queue to Redis is full; dropping an activity");
        }
        let _ = self.tx.send(Msg::Activity(activity));
    }

    /// A raw receiver of this node's hub (for activity subscriptions).
    pub(crate) fn receiver(&self) -> (broadcast::Receiver<Msg>, watch::Receiver<bool>) {
        (self.tx.subscribe(), self.closed.subscribe())
    }

    /// Connects this hub to the other nodes through Redis (failing when it cannot be reached
    /// now; later outages are retried, and subscribers are told to resynchronise after one).
    pub async fn connect_redis(&self, url: &str) -> Result<(), redis::RedisError> {
        let outgoing = fanout::start(url, self.tx.clone()).await?;
        if self.remote.set(outgoing).is_err() {
            tracing::warn!("project events were already connected to Redis");
        }
        Ok(())
    }

    /// Tells this node's subscriptions of `user` to check their access again (after a
    /// membership or role change), so a stream the user may no longer see ends.
    pub fn recheck_user(&self, user: UserId) {
        let _ = self.tx.send(Msg::Recheck(user));
    }

    /// Ends every subscription (at shutdown, so open streams do not hold the server up).
    pub fn close(&self) {
        self.closed.send_replace(true);
    }
}

/// A subscription to one project's events.
pub struct ProjectSubscription {
    project: ProjectId,
    user: UserId,
    rx: broadcast::Receiver<Msg>,
    closed: watch::Receiver<bool>,
}

/// What a subscription yields next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Next {
    /// An event of the project.
    Event(ProjectEvent),
    /// Events were dropped because the subscriber fell behind: reload everything.
    Resync,
    /// The subscriber's access changed: check it again before going on.
    Recheck,
    /// The hub is gone (the node is shutting down).
    Closed,
}

impl ProjectSubscription {
    /// Waits for the next event of this project.
    pub async fn next(&mut self) -> Next {
        loop {
            tokio::select! {
                got = self.rx.recv() => match got {
                    Ok(Msg::Event(e)) if e.project_id == self.project => return Next::Event(e),
                    Ok(Msg::Event(_) | Msg::Activity(_)) => {}
                    Ok(Msg::ResyncAll) => return Next::Resync,
                    Ok(Msg::Recheck(user)) if user == self.user => return Next::Recheck,
                    Ok(Msg::Recheck(_) | Msg::Inbox(_)) => {}
                    Err(broadcast::error::RecvError::Lagged(_)) => return Next::Resync,
                    Err(broadcast::error::RecvError::Closed) => return Next::Closed,
                },
                _ = self.closed.wait_for(|closed| *closed) => return Next::Closed,
            }
        }
    }
}

impl App {
    /// The node's event hub, for use cases that publish after their commit.
    pub fn events(&self) -> &ProjectEvents {
        &self.inner.events
    }

    /// Subscribes to a project's events, if the actor may see the project.
    pub async fn subscribe_project(
        &self,
        actor: &Actor,
        project: ProjectId,
    ) -> Result<ProjectSubscription, SpecError> {
        // Subscribe first so nothing committed after the check is missed.
        let rx = self.inner.events.tx.subscribe();
        let closed = self.inner.events.closed.subscribe();
        self.get_project(actor, project).await?;
        Ok(ProjectSubscription {
            project,
            user: actor.user_id,
            rx,
            closed,
        })
    }
}
