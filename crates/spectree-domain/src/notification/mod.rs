//! Notification rules: the kinds of change a person can be told about, the channels
//! (in-app inbox, email now, email digest), each person's preferences with their defaults,
//! and the states of an inbox entry.

mod preferences;

pub use preferences::{
    ChannelSet, PreferenceChange, PreferenceError, defaults, effective, validate_changes,
};

use std::fmt;
use std::str::FromStr;

macro_rules! kinds {
    ($( $variant:ident = $name:literal ),* $(,)?) => {
        /// What happened, as far as notifications go. Each kind has its own preferences.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum NotificationKind {
            $( #[doc = $name] $variant, )*
        }

        impl NotificationKind {
            /// Every kind, in documentation order.
            pub const ALL: &'static [NotificationKind] = &[$(NotificationKind::$variant),*];

            /// The stable name on the wire and in the database.
            pub fn as_str(self) -> &'static str {
                match self { $(NotificationKind::$variant => $name,)* }
            }
        }

        impl FromStr for NotificationKind {
            type Err = PreferenceError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($name => Ok(NotificationKind::$variant),)*
                    other => Err(PreferenceError::UnknownKind(other.chars().take(64).collect())),
                }
            }
        }
    };
}

kinds! {
    ItemCreated = "item_created",
    ItemEdited = "item_edited",
    StatusChanged = "status_changed",
    Assigned = "assigned",
    ItemMoved = "item_moved",
    ItemTrashed = "item_trashed",
    ItemRestored = "item_restored",
    Commented = "commented",
    Mentioned = "mentioned",
    MentionNotDelivered = "mention_not_delivered",
    VersionSaved = "version_saved",
    VersionRestored = "version_restored",
}

impl fmt::Display for NotificationKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl NotificationKind {
    /// Kinds that coalesce: while a person has an unread entry of this kind for an item, a
    /// new one of the same kind is not added (live editing would otherwise fill the inbox).
    pub fn coalesces(self) -> bool {
        matches!(self, NotificationKind::ItemEdited)
    }
}

/// Where an inbox entry stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum InboxState {
    /// Not read yet (counts towards the unread badge).
    Unread,
    /// Read.
    Read,
    /// Put away; listed only when asked for.
    Archived,
}

impl InboxState {
    /// The stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            InboxState::Unread => "unread",
            InboxState::Read => "read",
            InboxState::Archived => "archived",
        }
    }
}

impl FromStr for InboxState {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "unread" => Ok(InboxState::Unread),
            "read" => Ok(InboxState::Read),
            "archived" => Ok(InboxState::Archived),
            other => Err(format!("unknown inbox state {other:?}")),
        }
    }
}

/// Why a person is watching an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WatchReason {
    /// They asked to.
    Manual,
    /// They created the item.
    Creator,
    /// It is assigned to them.
    Assignee,
    /// They commented on it.
    Commenter,
    /// They were mentioned on it.
    Mentioned,
}

impl WatchReason {
    /// The stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            WatchReason::Manual => "manual",
            WatchReason::Creator => "creator",
            WatchReason::Assignee => "assignee",
            WatchReason::Commenter => "commenter",
            WatchReason::Mentioned => "mentioned",
        }
    }
}

impl FromStr for WatchReason {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "manual" => WatchReason::Manual,
            "creator" => WatchReason::Creator,
            "assignee" => WatchReason::Assignee,
            "commenter" => WatchReason::Commenter,
            "mentioned" => WatchReason::Mentioned,
            other => return Err(format!("unknown watch reason {other:?}")),
        })
    }
}

/// The one-line text of a notification: `{actor} {verb} "{title}"`.
pub fn summary(kind: NotificationKind, actor: &str, title: &str) -> String {
    let verb = match kind {
        NotificationKind::ItemCreated => "created",
        NotificationKind::ItemEdited => "edited",
        NotificationKind::StatusChanged => "changed the status of",
        NotificationKind::Assigned => "assigned you to",
        NotificationKind::ItemMoved => "moved",
        NotificationKind::Commented => "commented on",
        NotificationKind::Mentioned => "mentioned you on",
        NotificationKind::MentionNotDelivered => "mentioned someone who cannot see",
        NotificationKind::ItemTrashed => "moved to the trash",
        NotificationKind::ItemRestored => "restored from the trash",
        NotificationKind::VersionSaved => "saved a version of",
        NotificationKind::VersionRestored => "restored an earlier version of",
    };
    let title: String = title.chars().take(200).collect();
    format!("{actor} {verb} \"{title}\"")
}

/// What the author of a mention is told when it did not reach the people it names because
/// they cannot see the item (`handles` without their `@`).
pub fn undelivered_summary(handles: &[String], title: &str) -> String {
    let title: String = title.chars().take(200).collect();
    let names: Vec<String> = handles.iter().take(10).map(|h| format!("@{h}")).collect();
    let more = handles.len().saturating_sub(names.len());
    let who = match more {
        0 => names.join(", "),
        _ => format!("{} and {more} more", names.join(", ")),
    };
    format!("{who} cannot see \"{title}\": your mention did not reach them")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip_through_their_names() {
        for k in NotificationKind::ALL {
            assert_eq!(k.as_str().parse::<NotificationKind>().unwrap(), *k);
        }
        assert!("nope".parse::<NotificationKind>().is_err());
    }

    #[test]
    fn summaries_name_the_actor_and_the_item() {
        assert_eq!(
            summary(NotificationKind::Mentioned, "Ann", "Card"),
            "Ann mentioned you on \"Card\""
        );
    }

    #[test]
    fn an_undelivered_mention_names_whom_it_missed() {
        assert_eq!(
            undelivered_summary(&["bob".into()], "Card"),
            "@bob cannot see \"Card\": your mention did not reach them"
        );
        let many: Vec<String> = (0..12).map(|i| format!("u{i}")).collect();
        let text = undelivered_summary(&many, "Card");
        assert!(text.contains("@u9 and 2 more"), "{text}");
        assert!(!text.contains("@u10"), "{text}");
    }
}
