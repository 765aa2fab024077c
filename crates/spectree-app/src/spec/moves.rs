//! Moving an item: a new parent, a new place among siblings, or both.

use serde_json::json;
use spectree_domain::ids::{ItemId, ProjectId};
use spectree_domain::org::Action;
use spectree_domain::spec::{Position, check_parent};
use spectree_store::spec::items::{self, Item};
use spectree_store::spec::projects;
use spectree_store::{AnyConnection, Store};

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
        self.move_item_to(actor, id, &to, None).await
    }

    /// [`App::move_item`], optionally to a given rank among the new siblings (a version's
    /// position, when a restore puts an item back): the rank itself when no sibling holds it,
    /// otherwise the nearest free rank next to it. The anchors of `to` are ignored then.
    pub(crate) async fn move_item_to(
        &self,
        actor: &Actor,
        id: ItemId,
        to: &Placement,
        rank: Option<&str>,
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
        let position = match rank {
            Some(rank) => {
                self.position_near(&mut tx, project.id, to.parent_id, rank, item.id)
                    .await?
            }
            None => {
                self.position_for(&mut tx, project.id, to, Some(item.id))
                    .await?
            }
        };
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

    /// `rank` under `parent` when no other live sibling holds it, else a rank between the
    /// siblings that sort just before and after it (ties are ordered by id). A rank that does
    /// not parse puts the item last.
    async fn position_near(
        &self,
        c: &mut AnyConnection,
        project: ProjectId,
        parent: Option<ItemId>,
        rank: &str,
        moving: ItemId,
    ) -> Result<Position, SpecError> {
        let Ok(want) = Position::parse(rank) else {
            let last = Placement {
                parent_id: parent,
                ..Placement::default()
            };
            return self.position_for(c, project, &last, Some(moving)).await;
        };
        let around = |p: Option<String>| p.and_then(|p| Position::parse(&p).ok());
        let before = around(
            items::neighbour_position(&mut *c, project, parent, want.as_str(), moving, false)
                .await?,
        );
        let after = around(
            items::neighbour_position(&mut *c, project, parent, want.as_str(), moving, true)
                .await?,
        );
        let free =
            before.as_ref().is_none_or(|b| *b < want) && after.as_ref().is_none_or(|a| *a > want);
        Ok(if free {
            want
        } else {
            Position::between(before.as_ref(), after.as_ref())
        })
    }
}
