//! Creating, reading, listing, changing and deleting shared views. Any member who may see a
//! project may save private views of it; sharing one with the team takes the Edit
//! permission; only the owner changes or deletes a view.

use serde_json::json;
use spectree_domain::ids::ProjectId;
use spectree_domain::org::Action;
use spectree_domain::page::{Page, PageRequest};
use spectree_domain::shared_views::{
    ViewDefinition, ViewRuleError, Visibility, validate_definition, validate_view_name,
};
use spectree_store::shared_views::{self as store, SharedView};
use spectree_store::spec::items;
use spectree_store::spec::projects::Project;
use spectree_store::{AnyConnection, Store};
use uuid::Uuid;

use super::SharedViewError;
use crate::{Actor, App, audit};

/// A view to save.
#[derive(Debug, Clone)]
pub struct NewView {
    /// Name.
    pub name: String,
    /// Who sees it.
    pub visibility: Visibility,
    /// Filters, sort, grouping and columns.
    pub definition: ViewDefinition,
}

/// Changes to a view; absent fields stay.
#[derive(Debug, Clone, Default)]
pub struct ViewChanges {
    /// New name.
    pub name: Option<String>,
    /// New visibility.
    pub visibility: Option<Visibility>,
    /// New definition (replaces the old one whole).
    pub definition: Option<ViewDefinition>,
}

impl App {
    /// Checks a definition, and that its subtree root is an item of the project.
    async fn check_definition(
        &self,
        c: &mut AnyConnection,
        project: ProjectId,
        d: &ViewDefinition,
    ) -> Result<(), SharedViewError> {
        validate_definition(d)?;
        if let Some(root) = d.filters.subtree {
            let item = items::get(&mut *c, self.store().sealer(), root).await?;
            if item.is_none_or(|i| i.project_id != project) {
                return Err(ViewRuleError::InvalidDefinition(
                    "filters.subtree is not an item of this project".into(),
                )
                .into());
            }
        }
        Ok(())
    }

    /// Authorizes sharing with the team (Edit on the project) when `visibility` asks for it.
    async fn check_sharing(
        &self,
        c: &mut AnyConnection,
        actor: &Actor,
        project: ProjectId,
        visibility: Visibility,
    ) -> Result<(), SharedViewError> {
        if visibility == Visibility::Team {
            self.authorize_project(c, actor, project, Action::Edit)
                .await
                .map_err(|e| match SharedViewError::from(e) {
                    SharedViewError::Forbidden(_) => SharedViewError::Forbidden(
                        "sharing a view with the team takes the Edit permission on the project",
                    ),
                    other => other,
                })?;
        }
        Ok(())
    }

    /// Loads a view the actor may see: they may see its project, and it is shared or theirs.
    /// Anything else answers not found.
    pub(crate) async fn visible_view(
        &self,
        c: &mut AnyConnection,
        actor: &Actor,
        id: &str,
    ) -> Result<(SharedView, Project), SharedViewError> {
        let view = store::get(&mut *c, id)
            .await?
            .ok_or(SharedViewError::NotFound)?;
        let project = self
            .authorize_project(c, actor, view.project_id, Action::View)
            .await?;
        if view.visibility == Visibility::Private && view.owner_id != actor.user_id {
            return Err(SharedViewError::NotFound);
        }
        Ok((view, project))
    }

    /// Saves a new view of a project.
    pub async fn create_view(
        &self,
        actor: &Actor,
        project: ProjectId,
        new: NewView,
    ) -> Result<SharedView, SharedViewError> {
        let name = validate_view_name(&new.name)?;
        let mut tx = self.store().begin().await?;
        let project = self
            .authorize_project(&mut tx, actor, project, Action::View)
            .await?;
        self.check_sharing(&mut tx, actor, project.id, new.visibility)
            .await?;
        self.check_definition(&mut tx, project.id, &new.definition)
            .await?;
        let now = self.now();
        let view = SharedView {
            id: Uuid::now_v7().to_string(),
            org_id: project.org_id,
            project_id: project.id,
            owner_id: actor.user_id,
            name,
            visibility: new.visibility,
            definition: new.definition,
            created_at: now,
            updated_at: now,
        };
        store::insert(&mut tx, &view).await?;
        audit::record(
            &mut tx,
            now,
            view.org_id,
            Some(actor.user_id),
            "view.created",
            ("shared_view", Some(view.id.clone())),
            &actor.ctx,
            json!({ "project_id": project.id, "name": view.name, "visibility": view.visibility }),
        )
        .await?;
        Store::commit(tx).await?;
        Ok(view)
    }

    /// One view (the project's View permission; private views only for their owner).
    pub async fn get_view(&self, actor: &Actor, id: &str) -> Result<SharedView, SharedViewError> {
        let mut c = self.store().read().await?;
        Ok(self.visible_view(&mut c, actor, id).await?.0)
    }

    /// The views of a project the actor sees: the shared ones and their own.
    pub async fn list_views(
        &self,
        actor: &Actor,
        project: ProjectId,
        page: &PageRequest,
    ) -> Result<Page<SharedView>, SharedViewError> {
        let mut c = self.store().read().await?;
        let project = self
            .authorize_project(&mut c, actor, project, Action::View)
            .await?;
        let rows = store::list(
            &mut c,
            project.org_id,
            project.id,
            actor.user_id,
            page.after.as_deref(),
            page.limit + 1,
        )
        .await?;
        Ok(Page::from_overfetch(rows, page.limit, |v| v.id.clone()))
    }

    /// Loads a view its owner is about to change.
    async fn own_view(
        &self,
        c: &mut AnyConnection,
        actor: &Actor,
        id: &str,
    ) -> Result<(SharedView, Project), SharedViewError> {
        let (view, project) = self.visible_view(c, actor, id).await?;
        if view.owner_id != actor.user_id {
            return Err(SharedViewError::Forbidden(
                "only the owner of a view may change or delete it",
            ));
        }
        Ok((view, project))
    }

    /// Renames, re-shares or redefines one's own view.
    pub async fn update_view(
        &self,
        actor: &Actor,
        id: &str,
        changes: ViewChanges,
    ) -> Result<SharedView, SharedViewError> {
        let name = changes
            .name
            .as_deref()
            .map(validate_view_name)
            .transpose()?;
        let mut tx = self.store().begin().await?;
        let (mut view, project) = self.own_view(&mut tx, actor, id).await?;
        if let Some(v) = changes.visibility {
            self.check_sharing(&mut tx, actor, project.id, v).await?;
            view.visibility = v;
        }
        if let Some(d) = changes.definition {
            self.check_definition(&mut tx, project.id, &d).await?;
            view.definition = d;
        }
        if let Some(n) = name {
            view.name = n;
        }
        view.updated_at = self.now();
        store::update(&mut tx, &view).await?;
        audit::record(
            &mut tx,
            view.updated_at,
            view.org_id,
            Some(actor.user_id),
            "view.updated",
            ("shared_view", Some(view.id.clone())),
            &actor.ctx,
            json!({ "project_id": project.id, "name": view.name, "visibility": view.visibility }),
        )
        .await?;
        Store::commit(tx).await?;
        Ok(view)
    }

    /// Deletes one's own view.
    pub async fn delete_view(&self, actor: &Actor, id: &str) -> Result<(), SharedViewError> {
        let mut tx = self.store().begin().await?;
        let (view, project) = self.own_view(&mut tx, actor, id).await?;
        store::delete(&mut tx, view.org_id, &view.id).await?;
        audit::record(
            &mut tx,
            self.now(),
            view.org_id,
            Some(actor.user_id),
            "view.deleted",
            ("shared_view", Some(view.id.clone())),
            &actor.ctx,
            json!({ "project_id": project.id, "name": view.name }),
        )
        .await?;
        Store::commit(tx).await?;
        Ok(())
    }
}
