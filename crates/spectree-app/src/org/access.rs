//! Loading what an actor holds and asking the domain's [`authorize`] about it. Every use case
//! that touches an organization or team goes through here.

use spectree_domain::ids::{OrgId, TeamId, UserId};
use spectree_domain::org::{Access, Action, Decision, ResourceKind, authorize};
use spectree_store::AnyConnection;
use spectree_store::org::teams::Team;
use spectree_store::org::{members, teams};

use super::OrgError;
use crate::{Actor, App};

impl App {
    /// After `user`'s memberships or roles changed (and committed): their open live-document
    /// sockets and project event streams on this node check their access again at once.
    pub(crate) async fn access_changed(&self, user: UserId) {
        self.collab().recheck_user(user).await;
        self.events().recheck_user(user);
    }

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
