//! Watching an item or a whole subtree, and the automatic watches other use cases add.

use serde_json::json;
use spectree_domain::Timestamp;
use spectree_domain::ids::{ItemId, OrgId, UserId};
use spectree_domain::notification::WatchReason;
use spectree_domain::org::{Action, Decision, ResourceKind, authorize};
use spectree_domain::page::{Page, PageRequest};
use spectree_store::notification::watches::{self, Watch};
use spectree_store::org::members;
use spectree_store::spec::{items, projects};
use spectree_store::{AnyConnection, Store, StoreResult};

use super::NotificationError;
use crate::{Actor, App, audit};

/// How a person watches an item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WatchState {
    /// The item.
    pub item_id: ItemId,
    /// Their own watch of this item, if any.
    pub watch: Option<Watch>,
    /// The nearest ancestor they watch with its subtree, if any (they hear of this item
    /// through it even without a watch of their own).
    pub via_ancestor: Option<ItemId>,
}

impl WatchState {
    /// Whether changes to the item reach the person.
    pub fn watching(&self) -> bool {
        self.watch.is_some() || self.via_ancestor.is_some()
    }
}

/// Adds an automatic watch (inside the caller's transaction). A person's own watch, or a
/// wider one, is kept as it is.
pub(crate) async fn auto_watch(
    c: &mut AnyConnection,
    org: OrgId,
    item: ItemId,
    user: UserId,
    reason: WatchReason,
    now: Timestamp,
) -> StoreResult<()> {
    watches::add_auto(c, org, item, user, reason, now).await
}

impl App {
    async fn watch_state_in(
        &self,
        c: &mut AnyConnection,
        org: OrgId,
        item: ItemId,
        user: UserId,
    ) -> Result<WatchState, NotificationError> {
        let path = items::ancestors(&mut *c, item).await?;
        let found = watches::of_user_among(c, org, user, &path).await?;
        let watch = found.iter().find(|w| w.item_id == item).cloned();
        // `path` runs from the item up, so the first subtree watch found is the nearest.
        let via_ancestor = path
            .iter()
            .skip(1)
            .find(|a| found.iter().any(|w| w.item_id == **a && w.subtree))
            .copied();
        Ok(WatchState {
            item_id: item,
            watch,
            via_ancestor,
        })
    }

    /// Watches an item, or (`subtree`) the item and everything under it (View needed).
    pub async fn watch_item(
        &self,
        actor: &Actor,
        item: ItemId,
        subtree: bool,
    ) -> Result<WatchState, NotificationError> {
        let mut tx = self.store().begin().await?;
        let (row, project) = self
            .authorize_item(&mut tx, actor, item, Action::View)
            .await?;
        if row.deleted_at.is_some() {
            return Err(NotificationError::ItemInTrash);
        }
        let now = self.now();
        watches::put(
            &mut tx,
            &Watch {
                item_id: item,
                user_id: actor.user_id,
                org_id: project.org_id,
                subtree,
                reason: WatchReason::Manual,
                created_at: now,
            },
        )
        .await?;
        audit::record(
            &mut tx,
            now,
            project.org_id,
            Some(actor.user_id),
            "item.watched",
            ("work_item", Some(item.to_string())),
            &actor.ctx,
            json!({ "project_id": project.id, "subtree": subtree }),
        )
        .await?;
        let state = self
            .watch_state_in(&mut tx, project.org_id, item, actor.user_id)
            .await?;
        Store::commit(tx).await?;
        Ok(state)
    }

    /// Stops watching an item (its own watch; a subtree watch of an ancestor stays, and the
    /// answer says so).
    pub async fn unwatch_item(
        &self,
        actor: &Actor,
        item: ItemId,
    ) -> Result<WatchState, NotificationError> {
        let mut tx = self.store().begin().await?;
        let (_, project) = self
            .authorize_item(&mut tx, actor, item, Action::View)
            .await?;
        if watches::remove(&mut tx, project.org_id, item, actor.user_id).await? {
            audit::record(
                &mut tx,
                self.now(),
                project.org_id,
                Some(actor.user_id),
                "item.unwatched",
                ("work_item", Some(item.to_string())),
                &actor.ctx,
                json!({ "project_id": project.id }),
            )
            .await?;
        }
        let state = self
            .watch_state_in(&mut tx, project.org_id, item, actor.user_id)
            .await?;
        Store::commit(tx).await?;
        Ok(state)
    }

    /// How the actor watches an item (View needed).
    pub async fn watch_state(
        &self,
        actor: &Actor,
        item: ItemId,
    ) -> Result<WatchState, NotificationError> {
        let mut c = self.store().read().await?;
        let (_, project) = self
            .authorize_item(&mut c, actor, item, Action::View)
            .await?;
        self.watch_state_in(&mut c, project.org_id, item, actor.user_id)
            .await
    }

    /// The actor's watches of items they can still see, by item id. The cursor is the last
    /// item id of the page before (a page may hold fewer rows than asked when some watched
    /// items are no longer visible).
    pub async fn list_watches(
        &self,
        actor: &Actor,
        page: &PageRequest,
    ) -> Result<Page<Watch>, NotificationError> {
        let mut c = self.store().read().await?;
        let rows =
            watches::list_of_user(&mut c, actor.user_id, page.after.as_deref(), page.limit + 1)
                .await?;
        let raw = Page::from_overfetch(rows, page.limit, |w| w.item_id.to_string());
        let mut visible = Vec::with_capacity(raw.items.len());
        for w in raw.items {
            let Some(item) = items::get(&mut c, self.store().sealer(), w.item_id).await? else {
                continue;
            };
            let Some(project) =
                projects::get(&mut c, self.store().sealer(), item.project_id).await?
            else {
                continue;
            };
            let access =
                members::access(&mut c, project.org_id, Some(project.team_id), actor.user_id)
                    .await?;
            if authorize(&access, Action::View, ResourceKind::Project) == Decision::Allow {
                visible.push(w);
            }
        }
        Ok(Page {
            items: visible,
            next: raw.next,
        })
    }
}
