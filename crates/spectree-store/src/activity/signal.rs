//! A wake-up for activity dispatchers after a commit. [`crate::Store::commit`] is called
//! without its store (as `Store::commit(tx)`, in every use case), so the signal is one per
//! process: every commit bumps it and each dispatcher of the process wakes, checks its
//! outbox with one cheap read ([`super::outbox::pending`]) and claims what is there.
//! Wake-ups coalesce: a dispatcher that is busy runs once more, not once per commit.
//! Commits that record no activity (live documents' updates and most of their projections)
//! go through [`crate::Store::commit_without_activity`] and do not bump it.

use std::sync::LazyLock;

use tokio::sync::watch;

static COMMITS: LazyLock<watch::Sender<u64>> = LazyLock::new(|| watch::Sender::new(0));

/// Notes a commit (called by [`crate::Store::commit`]).
pub(crate) fn committed() {
    COMMITS.send_modify(|n| *n = n.wrapping_add(1));
}

/// A dispatcher's view of the commit signal.
pub struct CommitSignal(watch::Receiver<u64>);

impl CommitSignal {
    /// Waits for the next commit after the last one seen.
    pub async fn next(&mut self) {
        // The sender is a static: it never closes, so `changed` only returns `Ok`.
        let _ = self.0.changed().await;
    }
}

/// Subscribes to commits.
pub fn commits() -> CommitSignal {
    CommitSignal(COMMITS.subscribe())
}
