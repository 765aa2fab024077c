//! Subscriptions to one person's inbox: told when their notifications change (a new entry,
//! one marked read), on this node or, through Redis, on another. The subscriber reads the
//! count from the database, so a missed or repeated hint costs a query, never a wrong number.

use spectree_domain::ids::UserId;
use tokio::sync::{broadcast, watch};

use super::Msg;
use crate::{Actor, App};

/// A subscription to one person's inbox changes.
pub struct InboxSubscription {
    user: UserId,
    rx: broadcast::Receiver<Msg>,
    closed: watch::Receiver<bool>,
}

/// What an inbox subscription yields next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InboxNext {
    /// The inbox may have changed (or hints were dropped): read the count again.
    Changed,
    /// The person's access changed; their inbox stays theirs, but a caller may recheck.
    Recheck,
    /// The hub is gone (the node is shutting down).
    Closed,
}

impl InboxSubscription {
    /// Waits until the person's inbox may have changed.
    pub async fn next(&mut self) -> InboxNext {
        loop {
            tokio::select! {
                got = self.rx.recv() => match got {
                    Ok(Msg::Inbox(user)) if user == self.user => return InboxNext::Changed,
                    Ok(Msg::Recheck(user)) if user == self.user => return InboxNext::Recheck,
                    Ok(Msg::ResyncAll) | Err(broadcast::error::RecvError::Lagged(_)) => {
                        return InboxNext::Changed;
                    }
                    Ok(_) => {}
                    Err(broadcast::error::RecvError::Closed) => return InboxNext::Closed,
                },
                _ = self.closed.wait_for(|closed| *closed) => return InboxNext::Closed,
            }
        }
    }
}

impl App {
    /// Subscribes to the actor's own inbox changes.
    pub fn subscribe_inbox(&self, actor: &Actor) -> InboxSubscription {
        InboxSubscription {
            user: actor.user_id,
            rx: self.inner.events.tx.subscribe(),
            closed: self.inner.events.closed.subscribe(),
        }
    }
}
