//! Durations and limits of live documents, from the configuration.

use std::time::Duration;

/// Settings of live documents.
#[derive(Debug, Clone)]
pub struct CollabSettings {
    /// A room unloads this long after its last client left.
    pub room_grace: Duration,
    /// Presence of a client that sends nothing for this long is removed.
    pub awareness_timeout: Duration,
    /// Live edits reach the relational row (and the ETag and search) this long after the
    /// last one...
    pub projection_debounce: Duration,
    /// ...or this long after the first one not yet projected, while edits keep coming.
    pub projection_max_wait: Duration,
    /// An editing session ends after this long without an edit.
    pub session_idle: Duration,
    /// The update log is compacted into a snapshot after this many updates.
    pub compact_every: usize,
    /// Largest message a client may send, in bytes.
    pub max_message_bytes: usize,
    /// Frames queued for one client before it counts as too slow and is disconnected.
    pub client_queue: usize,
}

impl Default for CollabSettings {
    fn default() -> Self {
        Self {
            room_grace: Duration::from_secs(30),
            awareness_timeout: Duration::from_secs(30),
            projection_debounce: Duration::from_secs(2),
            projection_max_wait: Duration::from_secs(10),
            session_idle: Duration::from_secs(300),
            compact_every: 500,
            max_message_bytes: 4 * 1024 * 1024,
            client_queue: 512,
        }
    }
}
