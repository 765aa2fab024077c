//! Moving an item: a new parent, a new place among siblings, or both.

use serde_json::json;
use spectree_domain::ids::ItemId;
use spectree_domain::org::Action;
use spectree_domain::spec::check_parent;
use spectree_store::Store;
use spectree_store::spec::items::{self, Item};
use spectree_store::spec::projects;

use super::{Placement, SpecError};
use crate::{Actor, App, audit};

impl App {
    /// Moves an item with its subtree (Editors and up). Moves within a project are
    /// serialised, so two opposite moves racing each other cannot make a cycle.
    pub async fn move_item(
        &self,
        actor: &Actor,
        id: ItemId,
        to: Placement,
    ) -> Result<Item, SpecError> {
        let mut tx = self.store().begin().await?;
        let (_, project) = self
            .authorize_item(&mut tx, actor, id, Action::Edit)
            .await?;
        projects::lock(&mut tx, project.id).await?;
        // Read again under the lock: a concurrent move may have changed it.
        let mut item = items::get(&mut tx, self.store().sealer(), id)
            .await?
            .ok_or(SpecError::NotFound)?;
        if item.deleted_at.is_some() {
            return Err(SpecError::ItemInTrash);
        }
        let parent = self.live_parent(&mut tx, project.id, to.parent_id).await?;
        if let Some(p) = &parent
            && items::ancestors(&mut tx, p.id).await?.contains(&item.id)
        {
            return Err(SpecError::MoveIntoOwnSubtree);
        }
        check_parent(item.item_type, parent.as_ref().map(|p| p.item_type))?;
        let position = self
            .position_for(&mut tx, project.id, &to, Some(item.id))
            .await?;
        let from = (item.parent_id, item.position.clone());
        let before = item.clone();
        item.parent_id = to.parent_id;
        item.position = position.as_str().to_owned();
        item.updated_by = actor.user_id;
        item.updated_at = self.now();
        items::update(&mut tx, self.store().sealer(), &item).await?;
        self.record_item_change(&mut tx, Some(&before), &item, actor.user_id, "move")
            .await?;
        audit::record(
            &mut tx,
            item.updated_at,
            project.org_id,
            Some(actor.user_id),
            "item.moved",
            ("work_item", Some(item.id.to_string())),
            &actor.ctx,
            json!({ "project_id": project.id, "from_parent": from.0, "to_parent": item.parent_id,
                    "position": item.position }),
        )
        .await?;
        Store::commit(tx).await?;
        Ok(item)
    }
}
