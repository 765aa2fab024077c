//! A person's inbox: listing, marking read, unread or archived, marking all read, and the
//! unread count. Each change tells the person's live count streams.

use serde_json::json;
use spectree_domain::ids::OrgId;
use spectree_domain::notification::InboxState;
use spectree_domain::page::{Page, PageRequest};
use spectree_store::Store;
use spectree_store::notification::inbox::{self, Notification};

use super::NotificationError;
use crate::{Actor, App, audit};

/// Which entries a listing holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum InboxFilter {
    /// Unread and read (the inbox proper).
    #[default]
    Inbox,
    /// Only these.
    Only(InboxState),
    /// Everything, archived included.
    All,
}

impl InboxFilter {
    fn states(self) -> Vec<InboxState> {
        match self {
            InboxFilter::Inbox => vec![InboxState::Unread, InboxState::Read],
            InboxFilter::Only(s) => vec![s],
            InboxFilter::All => vec![InboxState::Unread, InboxState::Read, InboxState::Archived],
        }
    }
}

impl App {
    /// The actor's notifications, newest first. The cursor is the id of the last entry of
    /// the page before.
    pub async fn list_notifications(
        &self,
        actor: &Actor,
        filter: InboxFilter,
        page: &PageRequest,
    ) -> Result<Page<Notification>, NotificationError> {
        let rows = inbox::list(
            &mut *self.store().read().await?,
            self.store().sealer(),
            actor.user_id,
            &filter.states(),
            page.after.as_deref(),
            page.limit + 1,
        )
        .await?;
        Ok(Page::from_overfetch(rows, page.limit, |n| n.id.clone()))
    }

    /// Moves one of the actor's notifications to `state`.
    pub async fn set_notification_state(
        &self,
        actor: &Actor,
        id: &str,
        state: InboxState,
    ) -> Result<Notification, NotificationError> {
        let now = self.now();
        let mut tx = self.store().begin().await?;
        let n = inbox::get(&mut tx, self.store().sealer(), actor.user_id, id)
            .await?
            .ok_or(NotificationError::NotFound)?;
        if n.state != state {
            inbox::set_state(&mut tx, actor.user_id, id, state, now).await?;
            audit::record(
                &mut tx,
                now,
                n.org_id,
                Some(actor.user_id),
                "notification.state_changed",
                ("notification", Some(n.id.clone())),
                &actor.ctx,
                json!({ "from": n.state.as_str(), "to": state.as_str() }),
            )
            .await?;
        }
        let n = inbox::get(&mut tx, self.store().sealer(), actor.user_id, id)
            .await?
            .ok_or(NotificationError::NotFound)?;
        Store::commit(tx).await?;
        self.events().publish_inbox(actor.user_id);
        Ok(n)
    }

    /// Marks every unread notification of the actor read; returns how many.
    pub async fn mark_all_notifications_read(
        &self,
        actor: &Actor,
    ) -> Result<u64, NotificationError> {
        let now = self.now();
        let mut tx = self.store().begin().await?;
        let n = inbox::mark_all_read(&mut tx, actor.user_id, now).await?;
        if n > 0 {
            audit::record(
                &mut tx,
                now,
                OrgId::INSTANCE,
                Some(actor.user_id),
                "notification.all_read",
                ("user", Some(actor.user_id.to_string())),
                &actor.ctx,
                json!({ "count": n }),
            )
            .await?;
        }
        Store::commit(tx).await?;
        if n > 0 {
            self.events().publish_inbox(actor.user_id);
        }
        Ok(n)
    }

    /// How many unread notifications the actor has.
    pub async fn unread_notifications(&self, actor: &Actor) -> Result<i64, NotificationError> {
        Ok(inbox::unread_count(&mut *self.store().read().await?, actor.user_id).await?)
    }
}
