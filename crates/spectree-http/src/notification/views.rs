//! Wire types of the watching, inbox and preference routes.

use serde::{Deserialize, Serialize};
use spectree_app::notification::{Preference, WatchState};
use spectree_app::store::notification::inbox::Notification;
use spectree_app::store::notification::watches::Watch;
use spectree_domain::ids::{ItemId, OrgId, ProjectId, UserId};
use utoipa::{IntoParams, ToSchema};

use crate::views::{time, time_opt};

/// How to watch an item.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WatchRequest {
    /// Also watch everything under the item (now and later). Default false.
    #[serde(default)]
    pub subtree: bool,
}

/// A watch.
#[derive(Debug, Serialize, ToSchema)]
pub struct WatchView {
    /// The watched item.
    pub item_id: ItemId,
    /// Organization.
    pub org_id: OrgId,
    /// Whether everything under the item is watched too.
    pub subtree: bool,
    /// Why: `manual`, `creator`, `assignee`, `commenter` or `mentioned`.
    pub reason: String,
    /// Since when.
    pub created_at: String,
}

impl From<Watch> for WatchView {
    fn from(w: Watch) -> Self {
        Self {
            item_id: w.item_id,
            org_id: w.org_id,
            subtree: w.subtree,
            reason: w.reason.as_str().to_owned(),
            created_at: time(w.created_at),
        }
    }
}

/// How the signed-in person watches an item.
#[derive(Debug, Serialize, ToSchema)]
pub struct WatchStateView {
    /// The item.
    pub item_id: ItemId,
    /// Whether changes to the item reach them (own watch or a subtree watch above).
    pub watching: bool,
    /// Their own watch of the item, if any.
    pub watch: Option<WatchView>,
    /// The nearest ancestor they watch with its subtree, if any.
    pub via_ancestor: Option<ItemId>,
}

impl From<WatchState> for WatchStateView {
    fn from(s: WatchState) -> Self {
        Self {
            item_id: s.item_id,
            watching: s.watching(),
            watch: s.watch.map(WatchView::from),
            via_ancestor: s.via_ancestor,
        }
    }
}

/// Which notifications to list.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum InboxStateFilter {
    /// Unread and read (the default).
    Inbox,
    /// Unread only.
    Unread,
    /// Read only.
    Read,
    /// Archived only.
    Archived,
    /// Everything.
    All,
}

/// Query of the notification list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct NotificationQuery {
    /// `inbox` (unread and read, default), `unread`, `read`, `archived` or `all`.
    pub state: Option<InboxStateFilter>,
    /// Rows per page (1 to 200, default 50).
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// One notification.
#[derive(Debug, Serialize, ToSchema)]
pub struct NotificationView {
    /// Id.
    pub id: String,
    /// Organization.
    pub org_id: OrgId,
    /// What happened: a kind of the preferences (`commented`, `mentioned`, ...).
    pub kind: String,
    /// The item's project.
    pub project_id: ProjectId,
    /// The item.
    pub item_id: ItemId,
    /// Who did it, when a person did.
    pub actor_id: Option<UserId>,
    /// One line of text.
    pub summary: String,
    /// `unread`, `read` or `archived`.
    pub state: String,
    /// When.
    pub created_at: String,
    /// When it was first read.
    pub read_at: Option<String>,
}

impl From<Notification> for NotificationView {
    fn from(n: Notification) -> Self {
        Self {
            id: n.id,
            org_id: n.org_id,
            kind: n.kind.as_str().to_owned(),
            project_id: n.project_id,
            item_id: n.item_id,
            actor_id: n.actor_id,
            summary: n.summary,
            state: n.state.as_str().to_owned(),
            created_at: time(n.created_at),
            read_at: time_opt(n.read_at),
        }
    }
}

/// A notification's new state.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NotificationStateRequest {
    /// `unread`, `read` or `archived`.
    pub state: NotificationStateName,
}

/// The state of one notification.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum NotificationStateName {
    /// Not read.
    Unread,
    /// Read.
    Read,
    /// Put away.
    Archived,
}

/// The unread count.
#[derive(Debug, Serialize, ToSchema)]
pub struct UnreadView {
    /// Unread notifications.
    pub unread: i64,
}

/// What marking all read did.
#[derive(Debug, Serialize, ToSchema)]
pub struct MarkedView {
    /// Notifications marked read.
    pub marked: u64,
}

/// One kind's channels.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PreferenceView {
    /// The kind: `item_created`, `item_edited`, `status_changed`, `assigned`, `item_moved`,
    /// `item_trashed`, `item_restored`, `commented`, `mentioned`, `mention_not_delivered`,
    /// `version_saved` or `version_restored`.
    pub kind: String,
    /// A row in the in-app inbox.
    pub in_app: bool,
    /// An email at once.
    pub email: bool,
    /// A line in the digest email (not together with `email`).
    pub digest: bool,
    /// Whether these are the defaults (ignored when sent).
    #[serde(default, skip_deserializing)]
    pub is_default: bool,
}

impl From<Preference> for PreferenceView {
    fn from(p: Preference) -> Self {
        Self {
            kind: p.kind.as_str().to_owned(),
            in_app: p.channels.in_app,
            email: p.channels.email,
            digest: p.channels.digest,
            is_default: p.is_default,
        }
    }
}

/// Every kind's channels.
#[derive(Debug, Serialize, ToSchema)]
pub struct PreferencesView {
    /// One entry per kind.
    pub preferences: Vec<PreferenceView>,
}

/// New channels for some kinds (the others keep theirs).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PreferencesRequest {
    /// One entry per kind to change (at most one per kind).
    pub preferences: Vec<PreferenceChangeRequest>,
}

/// One kind's new channels.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PreferenceChangeRequest {
    /// The kind.
    pub kind: String,
    /// A row in the in-app inbox.
    pub in_app: bool,
    /// An email at once.
    pub email: bool,
    /// A line in the digest email (not together with `email`).
    pub digest: bool,
}
