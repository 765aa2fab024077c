//! Outgoing events of a project's spec tree (item created, updated, moved, trashed, restored,
//! purged). They are published after the transaction that caused them committed, so a reader
//! that reloads on an event sees the change; the HTTP layer streams them to browsers.
//!
//! Delivery is in process (one tokio broadcast channel per node). An event is a hint to
//! reload, not the data itself, so a subscriber that lags behind is told to resynchronise.

use serde::Serialize;
use spectree_domain::ids::{ItemId, ProjectId};
use tokio::sync::{broadcast, watch};

use crate::spec::SpecError;
use crate::{Actor, App};

/// Events one node buffers for slow subscribers before they must resynchronise.
const CAPACITY: usize = 1024;

/// What happened to an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
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
}

/// One change in a project's tree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProjectEvent {
    /// The project.
    pub project_id: ProjectId,
    /// What happened.
    pub kind: ItemEventKind,
    /// The item it happened to.
    pub item_id: ItemId,
}

/// The node's event hub.
pub struct ProjectEvents {
    tx: broadcast::Sender<ProjectEvent>,
    closed: watch::Sender<bool>,
}

impl Default for ProjectEvents {
    fn default() -> Self {
        Self {
            tx: broadcast::Sender::new(CAPACITY),
            closed: watch::Sender::new(false),
        }
    }
}

impl ProjectEvents {
    /// Hands an event to every subscriber (none listening is fine).
    pub fn publish(&self, project_id: ProjectId, kind: ItemEventKind, item_id: ItemId) {
        let _ = self.tx.send(ProjectEvent {
            project_id,
            kind,
            item_id,
        });
    }

    /// Ends every subscription (at shutdown, so open streams do not hold the server up).
    pub fn close(&self) {
        self.closed.send_replace(true);
    }
}

/// A subscription to one project's events.
pub struct ProjectSubscription {
    project: ProjectId,
    rx: broadcast::Receiver<ProjectEvent>,
    closed: watch::Receiver<bool>,
}

/// What a subscription yields next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Next {
    /// An event of the project.
    Event(ProjectEvent),
    /// Events were dropped because the subscriber fell behind: reload everything.
    Resync,
    /// The hub is gone (the node is shutting down).
    Closed,
}

impl ProjectSubscription {
    /// Waits for the next event of this project.
    pub async fn next(&mut self) -> Next {
        loop {
            tokio::select! {
                got = self.rx.recv() => match got {
                    Ok(e) if e.project_id == self.project => return Next::Event(e),
                    Ok(_) => {}
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
            rx,
            closed,
        })
    }
}
