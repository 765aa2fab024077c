//! Teams (workspaces) and their members.

use serde_json::json;
use spectree_domain::ids::{OrgId, TeamId, UserId};
use spectree_domain::org::{Action, ResourceKind, Role, validate_name, validate_slug};
use spectree_domain::page::{Page, PageRequest};
use spectree_store::org::members;
use spectree_store::org::teams::{self, Team, TeamMember};
use spectree_store::{Store, StoreError};

use super::OrgError;
use crate::{Actor, App, audit};

/// A partial update of a team's settings.
#[derive(Debug, Clone, Default)]
pub struct TeamChanges {
    /// New name.
    pub name: Option<String>,
    /// New slug.
    pub slug: Option<String>,
    /// Whether Viewers may comment.
    pub viewers_can_comment: Option<bool>,
}

impl App {
    /// Creates a team in an organization (organization Admins).
    pub async fn create_team(
        &self,
        actor: &Actor,
        org: OrgId,
        name: &str,
        slug: &str,
    ) -> Result<Team, OrgError> {
        let now = self.now();
        let mut tx = self.store().begin().await?;
        self.authorize_org(&mut tx, actor, org, Action::Admin)
            .await?;
        let name = validate_name(name).map_err(|e| OrgError::InvalidName(e.to_string()))?;
        validate_slug(slug).map_err(|e| OrgError::InvalidSlug(e.to_string()))?;
        let team = Team {
            id: TeamId::new(),
            org_id: org,
            name,
            slug: slug.to_owned(),
            viewers_can_comment: false,
            created_at: now,
        };
        teams::insert(&mut tx, &team).await.map_err(slug_taken)?;
        audit::record(
            &mut tx,
            now,
            org,
            Some(actor.user_id),
            "team.created",
            ("team", Some(team.id.to_string())),
            &actor.ctx,
            json!({ "name": team.name, "slug": team.slug }),
        )
        .await?;
        Store::commit(tx).await?;
        Ok(team)
    }

    /// The teams of an organization the actor can see: all of them for holders of an
    /// organization role, otherwise the ones they are a member of.
    pub async fn list_teams(
        &self,
        actor: &Actor,
        org: OrgId,
        page: &PageRequest,
    ) -> Result<Page<Team>, OrgError> {
        let mut c = self.store().read().await?;
        let access = self.authorize_org(&mut c, actor, org, Action::View).await?;
        let only_mine = access.org_role.is_none().then_some(actor.user_id);
        let rows = teams::list(
            &mut c,
            org,
            only_mine,
            page.after.as_deref(),
            page.limit + 1,
        )
        .await?;
        Ok(Page::from_overfetch(rows, page.limit, |t| t.id.to_string()))
    }

    /// Reads a team.
    pub async fn get_team(
        &self,
        actor: &Actor,
        team: TeamId,
    ) -> Result<(Team, Option<Role>), OrgError> {
        let mut c = self.store().read().await?;
        let (team, access) = self
            .authorize_team(&mut c, actor, team, Action::View)
            .await?;
        Ok((team, access.effective_role(ResourceKind::Team)))
    }

    /// Changes a team's settings (team Admins).
    pub async fn update_team(
        &self,
        actor: &Actor,
        team: TeamId,
        changes: TeamChanges,
    ) -> Result<Team, OrgError> {
        let now = self.now();
        let mut tx = self.store().begin().await?;
        let (mut team, _) = self
            .authorize_team(&mut tx, actor, team, Action::Admin)
            .await?;
        let before = json!({ "name": team.name, "slug": team.slug, "viewers_can_comment": team.viewers_can_comment });
        if let Some(name) = &changes.name {
            team.name = validate_name(name).map_err(|e| OrgError::InvalidName(e.to_string()))?;
        }
        if let Some(slug) = &changes.slug {
            validate_slug(slug).map_err(|e| OrgError::InvalidSlug(e.to_string()))?;
            team.slug = slug.clone();
        }
        if let Some(v) = changes.viewers_can_comment {
            team.viewers_can_comment = v;
        }
        teams::update(&mut tx, &team).await.map_err(slug_taken)?;
        audit::record(
            &mut tx,
            now,
            team.org_id,
            Some(actor.user_id),
            "team.updated",
            ("team", Some(team.id.to_string())),
            &actor.ctx,
            json!({
                "name": team.name,
                "slug": team.slug,
                "viewers_can_comment": team.viewers_can_comment,
                "before": before,
            }),
        )
        .await?;
        Store::commit(tx).await?;
        Ok(team)
    }

    /// Gives an organization member a role in a team, or changes it (team Admins, up to
    /// their own role).
    pub async fn set_team_member(
        &self,
        actor: &Actor,
        team: TeamId,
        user: UserId,
        role: Role,
    ) -> Result<(), OrgError> {
        let now = self.now();
        let mut tx = self.store().begin().await?;
        let (team, access) = self
            .authorize_team(&mut tx, actor, team, Action::Admin)
            .await?;
        if role > Role::Admin {
            return Err(OrgError::TeamOwnerRole);
        }
        if Some(role) > access.effective_role(ResourceKind::Team) {
            return Err(OrgError::RoleTooHigh);
        }
        if members::get(&mut tx, team.org_id, user).await?.is_none() {
            return Err(OrgError::NotAMember);
        }
        let previous = teams::member_role(&mut tx, team.org_id, team.id, user).await?;
        teams::set_member(&mut tx, team.org_id, team.id, user, role, now).await?;
        audit::record(
            &mut tx,
            now,
            team.org_id,
            Some(actor.user_id),
            "member.role_changed",
            ("user", Some(user.to_string())),
            &actor.ctx,
            json!({ "scope": "team", "team_id": team.id, "role": role, "previous": previous }),
        )
        .await?;
        Store::commit(tx).await?;
        // Open live-document sockets and event streams follow the new access at once.
        self.access_changed(user).await;
        Ok(())
    }

    /// Removes someone from a team (team Admins, or the member themselves).
    pub async fn remove_team_member(
        &self,
        actor: &Actor,
        team: TeamId,
        user: UserId,
    ) -> Result<(), OrgError> {
        let now = self.now();
        let mut tx = self.store().begin().await?;
        let action = if user == actor.user_id {
            Action::View
        } else {
            Action::Admin
        };
        let (team, _) = self.authorize_team(&mut tx, actor, team, action).await?;
        let previous = teams::member_role(&mut tx, team.org_id, team.id, user).await?;
        if !teams::remove_member(&mut tx, team.org_id, team.id, user).await? {
            return Err(OrgError::NotFound);
        }
        audit::record(
            &mut tx,
            now,
            team.org_id,
            Some(actor.user_id),
            "member.removed",
            ("user", Some(user.to_string())),
            &actor.ctx,
            json!({ "scope": "team", "team_id": team.id, "previous": previous }),
        )
        .await?;
        Store::commit(tx).await?;
        // Open live-document sockets and event streams follow the new access at once.
        self.access_changed(user).await;
        Ok(())
    }

    /// A team's members.
    pub async fn list_team_members(
        &self,
        actor: &Actor,
        team: TeamId,
        page: &PageRequest,
    ) -> Result<Page<TeamMember>, OrgError> {
        let mut c = self.store().read().await?;
        let (team, _) = self
            .authorize_team(&mut c, actor, team, Action::View)
            .await?;
        let rows = teams::list_members(
            &mut c,
            team.org_id,
            team.id,
            page.after.as_deref(),
            page.limit + 1,
        )
        .await?;
        Ok(Page::from_overfetch(rows, page.limit, |m| {
            m.user_id.to_string()
        }))
    }
}

fn slug_taken(e: StoreError) -> OrgError {
    match e {
        StoreError::Duplicate => OrgError::SlugTaken,
        e => OrgError::Store(e),
    }
}
