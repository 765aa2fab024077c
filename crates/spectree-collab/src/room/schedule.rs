//! What a room does on its own time: projecting live edits after the debounce (and no later
//! than the maximum wait), expiring silent presence, looking at the log for frames other
//! nodes' pub/sub lost, and unloading after the grace period. The room's timer is set to the
//! next of these ([`Room::next_due`]), not to a fixed tick.

use std::time::{Duration, Instant};

use yrs::sync::Message;

use super::Room;
use crate::manager::{CollabError, Writer};

/// How often a room with clients checks the log for updates other nodes stored but whose
/// frames never arrived.
pub(super) const CATCH_UP_EVERY: Duration = Duration::from_secs(2);

/// A projection live edits are waiting for.
#[derive(Clone, Copy)]
pub(super) struct Pending {
    /// When it runs.
    due: Instant,
    /// The first edit it waits for: it runs no later than `projection_max_wait` after it,
    /// however steadily the edits keep coming.
    first: Instant,
    /// Who it is written for (the last edit's writer).
    pub(super) editor: Option<Writer>,
}

impl Room {
    /// Projects the document `projection_debounce` after this edit, or `projection_max_wait`
    /// after the first edit not yet projected, whichever comes first; `editor` is who the
    /// projection is written for (the last edit's writer).
    pub(super) fn schedule_projection(&mut self, editor: Option<Writer>) {
        let now = Instant::now();
        let settings = &self.shared.settings;
        let first = self.projection.map_or(now, |p| p.first);
        let due = (now + settings.projection_debounce).min(first + settings.projection_max_wait);
        self.projection = Some(Pending { due, first, editor });
    }

    pub(super) async fn tick(&mut self) -> Result<(), CollabError> {
        let now = Instant::now();
        // Pub/sub can drop a frame with nothing after it to reveal the gap: with other nodes
        // around, a room with clients looks at the log now and then.
        if self.shared.fanout.is_some()
            && !self.conns.is_empty()
            && now.duration_since(self.last_check) >= CATCH_UP_EVERY
        {
            self.last_check = now;
            self.catch_up().await?;
        }
        if let Some(gone) = self
            .presence
            .expire(now, self.shared.settings.awareness_timeout)
        {
            self.broadcast(&Message::Awareness(gone), None);
        }
        if let Some(p) = self.projection
            && p.due <= now
        {
            self.project(p.editor).await?;
        }
        Ok(())
    }

    /// When [`Room::tick`] next has something to do: a presence state expiring, the pending
    /// projection, the end of the grace period of an empty room, or (with other nodes) the
    /// next look at the log. At least 10 ms away, at most a minute.
    pub(super) fn next_due(&self) -> Instant {
        let now = Instant::now();
        let settings = &self.shared.settings;
        let mut due = now + Duration::from_secs(60);
        let mut consider = |t: Option<Instant>| {
            if let Some(t) = t {
                due = due.min(t);
            }
        };
        consider(self.presence.next_expiry(settings.awareness_timeout));
        consider(self.projection.map(|p| p.due));
        // The grace period counts only once nothing else keeps the room (`idle_past_grace`).
        if self.projection.is_none() && self.writers.is_empty() {
            consider(self.empty_since.map(|t| t + settings.room_grace));
        }
        if self.shared.fanout.is_some() && !self.conns.is_empty() {
            consider(Some(self.last_check + CATCH_UP_EVERY));
        }
        due.max(now + Duration::from_millis(10))
    }

    pub(super) fn idle_past_grace(&self) -> bool {
        // A server-side writer (an AI job) keeps the room, its presence and its copy.
        self.projection.is_none()
            && self.writers.is_empty()
            && self
                .empty_since
                .is_some_and(|t| t.elapsed() >= self.shared.settings.room_grace)
    }
}
