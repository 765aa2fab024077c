//! Authorizing work on projects and items through the domain's one `authorize`.

use spectree_domain::ids::{ItemId, OrgId, ProjectId, TeamId, UserId};
use spectree_domain::org::{Access, Action, Decision, ResourceKind, authorize};
use spectree_store::AnyConnection;
use spectree_store::org::members;
use spectree_store::spec::items::{self, Item};
use spectree_store::spec::projects::{self, Project};

use super::SpecError;
use crate::{Actor, App};

fn decide(access: &Access, action: Action) -> Result<(), SpecError> {
    match authorize(access, action, ResourceKind::Project) {
        Decision::Allow => Ok(()),
        Decision::Forbidden => Err(SpecError::Forbidden),
        Decision::NotFound => Err(SpecError::NotFound),
    }
}

/// Authorizes `action` on a project read with what the actor holds there (`None`: the
/// project does not exist).
pub(crate) fn authorize_found(
    found: Option<(Project, Access)>,
    action: Action,
) -> Result<Project, SpecError> {
    let (project, access) = found.ok_or(SpecError::NotFound)?;
    decide(&access, action)?;
    Ok(project)
}

impl App {
    /// Loads a project and authorizes `action` on it.
    pub(crate) async fn authorize_project(
        &self,
        c: &mut AnyConnection,
        actor: &Actor,
        id: ProjectId,
        action: Action,
    ) -> Result<Project, SpecError> {
        let found = projects::get_with_access(c, self.store().sealer(), id, actor.user_id).await?;
        authorize_found(found, action)
    }

    /// Loads an item with its project and authorizes `action` on the project.
    pub(crate) async fn authorize_item(
        &self,
        c: &mut AnyConnection,
        actor: &Actor,
        id: ItemId,
        action: Action,
    ) -> Result<(Item, Project), SpecError> {
        let item = items::get(&mut *c, self.store().sealer(), id)
            .await?
            .ok_or(SpecError::NotFound)?;
        // Authorize before telling anything about the item (such as being in the trash).
        let project = self
            .authorize_project(c, actor, item.project_id, action)
            .await?;
        Ok((item, project))
    }

    /// Checks that `user` may see projects of `team` (an assignee must).
    pub(crate) async fn check_assignee(
        &self,
        c: &mut AnyConnection,
        org: OrgId,
        team: TeamId,
        user: UserId,
    ) -> Result<(), SpecError> {
        let access = members::access(c, org, Some(team), user).await?;
        match authorize(&access, Action::View, ResourceKind::Project) {
            Decision::Allow => Ok(()),
            _ => Err(SpecError::AssigneeCannotSeeProject),
        }
    }
}
