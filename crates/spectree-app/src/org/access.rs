//! Loading what an actor holds and asking the domain's [`authorize`] about it. Every use case
//! that touches an organization or team goes through here.

use spectree_domain::ids::{OrgId, TeamId};
use spectree_domain::org::{Access, Action, Decision, ResourceKind, authorize};
use spectree_store::AnyConnection;
use spectree_store::org::teams::Team;
use spectree_store::org::{members, teams};

use super::OrgError;
use crate::{Actor, App};

impl App {
    /// Authorizes `action` on the organization; answers what the actor holds there.
    pub(crate) async fn authorize_org(
        &self,
        c: &mut AnyConnection,
        actor: &Actor,
        org: OrgId,
        action: Action,
    ) -> Result<Access, OrgError> {
        let access = members::access(c, org, None, actor.user_id).await?;
        decide(access, action, ResourceKind::Organization)
    }

    /// Loads a team and authorizes `action` on it.
    pub(crate) async fn authorize_team(
        &self,
        c: &mut AnyConnection,
        actor: &Actor,
        team: TeamId,
        action: Action,
    ) -> Result<(Team, Access), OrgError> {
        let team = teams::get(&mut *c, team).await?.ok_or(OrgError::NotFound)?;
        let access = members::access(c, team.org_id, Some(team.id), actor.user_id).await?;
        let access = decide(access, action, ResourceKind::Team)?;
        Ok((team, access))
    }
}

fn decide(access: Access, action: Action, kind: ResourceKind) -> Result<Access, OrgError> {
    match authorize(&access, action, kind) {
        Decision::Allow => Ok(access),
        Decision::Forbidden => Err(OrgError::Forbidden),
        Decision::NotFound => Err(OrgError::NotFound),
    }
}
