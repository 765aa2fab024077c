//! The trash: soft delete of an item and its subtree, restore in place, purge by a Manager or
//! after the retention period.

use serde_json::json;
use spectree_domain::activity::ActivityKind;
use spectree_domain::ids::{ItemId, ProjectId};
use spectree_domain::org::Action;
use spectree_store::Store;
use spectree_store::spec::items::{self, Item};
use spectree_store::spec::projects;

use super::SpecError;
use crate::{Actor, App, RequestCtx, audit};

/// Most expired trash entries purged in one pass.
const PURGE_BATCH: u32 = 500;

/// One deletion in a project's trash.
#[derive(Debug, Clone)]
pub struct TrashEntry {
    /// The deleted item (the root of what went to the trash).
    pub item: Item,
    /// How many items the deletion took, the root included.
    pub count: i64,
}

impl App {
    /// Moves an item and its subtree to the trash (Managers and up); returns how many items
    /// went.
    pub async fn delete_item(&self, actor: &Actor, id: ItemId) -> Result<u64, SpecError> {
        let mut tx = self.store().begin().await?;
        let (item, project) = self
            .authorize_item(&mut tx, actor, id, Action::Delete)
            .await?;
        if item.deleted_at.is_some() {
            return Err(SpecError::ItemInTrash);
        }
        projects::lock(&mut tx, project.id).await?;
        let now = self.now();
        let n = items::soft_delete(&mut tx, item.id, actor.user_id, now).await?;
        self.record_item_event(&mut tx, &item, actor.user_id, "trash")
            .await?;
        audit::record(
            &mut tx,
            now,
            project.org_id,
            Some(actor.user_id),
            "item.deleted",
            ("work_item", Some(item.id.to_string())),
            &actor.ctx,
            json!({ "project_id": project.id, "count": n }),
        )
        .await?;
        Store::commit(tx).await?;
        Ok(n)
    }

    /// A project's trash (anyone who can see the project).
    pub async fn list_trash(
        &self,
        actor: &Actor,
        project: ProjectId,
    ) -> Result<Vec<TrashEntry>, SpecError> {
        let mut c = self.store().read().await?;
        let project = self
            .authorize_project(&mut c, actor, project, Action::View)
            .await?;
        Ok(items::trash(&mut c, self.store().sealer(), project.id)
            .await?
            .into_iter()
            .map(|(item, count)| TrashEntry { item, count })
            .collect())
    }

    /// Restores a deletion in place (Managers and up); returns how many items came back.
    pub async fn restore_item(
        &self,
        actor: &Actor,
        project: ProjectId,
        id: ItemId,
    ) -> Result<u64, SpecError> {
        let mut tx = self.store().begin().await?;
        let project = self
            .authorize_project(&mut tx, actor, project, Action::Delete)
            .await?;
        projects::lock(&mut tx, project.id).await?;
        let item = items::get(&mut tx, self.store().sealer(), id).await?;
        let item = match item {
            Some(i) if i.project_id == project.id && i.trash_root_id == Some(i.id) => i,
            _ => return Err(SpecError::NotInTrash),
        };
        if let Some(parent) = item.parent_id {
            let p = items::get(&mut tx, self.store().sealer(), parent).await?;
            if p.is_none_or(|p| p.deleted_at.is_some()) {
                return Err(SpecError::ParentInTrash);
            }
        }
        let n = items::restore(&mut tx, project.id, item.id).await?;
        self.record_item_event(&mut tx, &item, actor.user_id, "untrash")
            .await?;
        audit::record(
            &mut tx,
            self.now(),
            project.org_id,
            Some(actor.user_id),
            "item.restored",
            ("work_item", Some(item.id.to_string())),
            &actor.ctx,
            json!({ "project_id": project.id, "count": n }),
        )
        .await?;
        Store::commit(tx).await?;
        Ok(n)
    }

    /// Purges a deletion now (Managers and up).
    pub async fn purge_item(
        &self,
        actor: &Actor,
        project: ProjectId,
        id: ItemId,
    ) -> Result<(), SpecError> {
        let mut tx = self.store().begin().await?;
        let project = self
            .authorize_project(&mut tx, actor, project, Action::Delete)
            .await?;
        if !items::purge(&mut tx, project.id, id).await? {
            return Err(SpecError::NotInTrash);
        }
        audit::record(
            &mut tx,
            self.now(),
            project.org_id,
            Some(actor.user_id),
            "item.purged",
            ("work_item", Some(id.to_string())),
            &actor.ctx,
            json!({ "project_id": project.id, "reason": "manual" }),
        )
        .await?;
        self.record_activity(
            &mut tx,
            (project.org_id, project.id, Some(id)),
            Some(actor.user_id),
            ActivityKind::ItemPurged,
            json!({ "reason": "manual" }),
        )
        .await?;
        Store::commit(tx).await?;
        Ok(())
    }

    /// Purges every deletion older than the retention period; returns how many entries went.
    /// Each purge is its own transaction with its audit record.
    pub async fn purge_expired_trash(&self) -> Result<usize, SpecError> {
        let before = self.now().minus(self.settings().trash_retention);
        let expired =
            items::expired_trash(&mut *self.store().read().await?, before, PURGE_BATCH).await?;
        let mut purged = 0;
        for (org, project, id) in expired {
            let mut tx = self.store().begin().await?;
            if items::purge(&mut tx, project, id).await? {
                audit::record(
                    &mut tx,
                    self.now(),
                    org,
                    None,
                    "item.purged",
                    ("work_item", Some(id.to_string())),
                    &RequestCtx::default(),
                    json!({ "project_id": project, "reason": "retention" }),
                )
                .await?;
                self.record_activity(
                    &mut tx,
                    (org, project, Some(id)),
                    None,
                    ActivityKind::ItemPurged,
                    json!({ "reason": "retention" }),
                )
                .await?;
                purged += 1;
            }
            Store::commit(tx).await?;
        }
        Ok(purged)
    }
}
