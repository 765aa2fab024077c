//! Watching, notifications and their delivery (issue 5, F4.1.9/F4.1.10).
//!
//! - [`watches`]: watch or unwatch an item or a whole subtree; automatic watches for the
//!   creator, the assignee, commenters and mentioned people.
//! - [`preferences`]: per person, per kind: in-app, email now, digest.
//! - [`inbox`]: each person's notifications (unread, read, archived) and the unread count.
//! - [`consumer`]: the activity consumer: each committed activity, exactly once, becomes an
//!   [`Occurrence`].
//! - [`deliver`]: from one change ([`Occurrence`]) to inbox rows, digest lines and mail, for
//!   the watchers and the people addressed who can still see the project, never the actor.
//! - [`digest`]: the background batching of digest lines into one mail per person.

mod consumer;
mod deliver;
mod digest;
mod inbox;
mod preferences;
mod watches;

pub use consumer::NotificationConsumer;
pub(crate) use deliver::can_see;
pub use deliver::{Deliveries, Occurrence};
pub use inbox::InboxFilter;
pub use preferences::Preference;
pub use watches::WatchState;
pub(crate) use watches::auto_watch;

use spectree_domain::notification::PreferenceError;
use spectree_store::StoreError;

use crate::spec::SpecError;

/// Why a notification use case did not go through.
#[derive(Debug, thiserror::Error)]
pub enum NotificationError {
    /// The item or notification does not exist, or the actor may not know that it does.
    #[error("not found")]
    NotFound,
    /// The item is in the trash.
    #[error("the item is in the trash; restore it first")]
    ItemInTrash,
    /// Preferences break a rule.
    #[error(transparent)]
    Preference(#[from] PreferenceError),
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<SpecError> for NotificationError {
    fn from(e: SpecError) -> Self {
        match e {
            SpecError::Store(s) => NotificationError::Store(s),
            SpecError::ItemInTrash => NotificationError::ItemInTrash,
            // Watching needs only View, so anything else means the item is not theirs to see.
            _ => NotificationError::NotFound,
        }
    }
}
