//! Creating, listing, reading and changing projects.

use serde_json::json;
use spectree_domain::ids::{ProjectId, TeamId};
use spectree_domain::org::{Action, validate_name, validate_slug};
use spectree_domain::page::{Page, PageRequest};
use spectree_domain::spec::validate_description;
use spectree_store::spec::projects::{self, Project};
use spectree_store::{AnyConnection, Store, StoreError};

use super::SpecError;
use crate::{Actor, App, audit};

/// A partial update of a project.
#[derive(Debug, Clone, Default)]
pub struct ProjectChanges {
    /// New name.
    pub name: Option<String>,
    /// New slug.
    pub slug: Option<String>,
    /// New description.
    pub description: Option<String>,
}

pub(crate) fn slug_taken(e: StoreError) -> SpecError {
    match e {
        StoreError::Duplicate => SpecError::SlugTaken,
        e => SpecError::Store(e),
    }
}

impl App {
    /// Validates and inserts a project in `team` inside the caller's transaction (Editors
    /// and up of the team).
    pub(crate) async fn insert_project(
        &self,
        c: &mut AnyConnection,
        actor: &Actor,
        team: TeamId,
        name: &str,
        slug: &str,
        description: &str,
    ) -> Result<Project, SpecError> {
        let (team, _) = self
            .authorize_team(&mut *c, actor, team, Action::Edit)
            .await?;
        let name = validate_name(name).map_err(|e| SpecError::InvalidName(e.to_string()))?;
        validate_slug(slug).map_err(|e| SpecError::InvalidSlug(e.to_string()))?;
        validate_description(description)?;
        let now = self.now();
        let project = Project {
            id: ProjectId::new(),
            org_id: team.org_id,
            team_id: team.id,
            name,
            slug: slug.to_owned(),
            description: description.to_owned(),
            created_by: actor.user_id,
            created_at: now,
            updated_at: now,
        };
        projects::insert(&mut *c, self.store().sealer(), &project)
            .await
            .map_err(slug_taken)?;
        Ok(project)
    }

    /// Creates a project in a team.
    pub async fn create_project(
        &self,
        actor: &Actor,
        team: TeamId,
        name: &str,
        slug: &str,
        description: &str,
    ) -> Result<Project, SpecError> {
        let mut tx = self.store().begin().await?;
        let project = self
            .insert_project(&mut tx, actor, team, name, slug, description)
            .await?;
        audit::record(
            &mut tx,
            self.now(),
            project.org_id,
            Some(actor.user_id),
            "project.created",
            ("project", Some(project.id.to_string())),
            &actor.ctx,
            json!({ "team_id": project.team_id, "name": project.name, "slug": project.slug }),
        )
        .await?;
        Store::commit(tx).await?;
        Ok(project)
    }

    /// A team's projects.
    pub async fn list_projects(
        &self,
        actor: &Actor,
        team: TeamId,
        page: &PageRequest,
    ) -> Result<Page<Project>, SpecError> {
        let mut c = self.store().read().await?;
        let (team, _) = self
            .authorize_team(&mut c, actor, team, Action::View)
            .await?;
        let rows = projects::list(
            &mut c,
            self.store().sealer(),
            team.org_id,
            team.id,
            page.after.as_deref(),
            page.limit + 1,
        )
        .await?;
        Ok(Page::from_overfetch(rows, page.limit, |p| p.id.to_string()))
    }

    /// Reads a project.
    pub async fn get_project(&self, actor: &Actor, id: ProjectId) -> Result<Project, SpecError> {
        let mut c = self.store().read().await?;
        self.authorize_project(&mut c, actor, id, Action::View)
            .await
    }

    /// Changes a project's name, slug or description (Editors and up).
    pub async fn update_project(
        &self,
        actor: &Actor,
        id: ProjectId,
        changes: ProjectChanges,
    ) -> Result<Project, SpecError> {
        let mut tx = self.store().begin().await?;
        let mut project = self
            .authorize_project(&mut tx, actor, id, Action::Edit)
            .await?;
        if let Some(name) = &changes.name {
            project.name =
                validate_name(name).map_err(|e| SpecError::InvalidName(e.to_string()))?;
        }
        if let Some(slug) = &changes.slug {
            validate_slug(slug).map_err(|e| SpecError::InvalidSlug(e.to_string()))?;
            project.slug = slug.clone();
        }
        if let Some(d) = changes.description {
            validate_description(&d)?;
            project.description = d;
        }
        project.updated_at = self.now();
        projects::update(&mut tx, self.store().sealer(), &project)
            .await
            .map_err(slug_taken)?;
        audit::record(
            &mut tx,
            project.updated_at,
            project.org_id,
            Some(actor.user_id),
            "project.updated",
            ("project", Some(project.id.to_string())),
            &actor.ctx,
            json!({ "name": project.name, "slug": project.slug }),
        )
        .await?;
        Store::commit(tx).await?;
        Ok(project)
    }
}
