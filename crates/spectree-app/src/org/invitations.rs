//! Invitations by email: a token link through the mailer; accepted by the person who holds
//! the address, revocable until then.

use serde_json::json;
use spectree_domain::identity::Email;
use spectree_domain::ids::{InvitationId, OrgId, TeamId};
use spectree_domain::org::{Action, Role};
use spectree_domain::page::{Page, PageRequest};
use spectree_store::identity::users::User;
use spectree_store::org::invitations::{self, Invitation};
use spectree_store::org::{members, orgs, teams};
use spectree_store::{AnyConnection, Store};

use super::OrgError;
use crate::mail::Mail;
use crate::secret::{new_token, token_hash};
use crate::{Actor, App, RequestCtx, audit};

/// What an Admin fills in to invite someone.
#[derive(Debug, Clone)]
pub struct InviteInput {
    /// Address to invite.
    pub email: String,
    /// Organization role on acceptance.
    pub org_role: Option<Role>,
    /// Team to join on acceptance.
    pub team_id: Option<TeamId>,
    /// Role in that team.
    pub team_role: Option<Role>,
}

/// An invitation just made; the token is in the mailed link and returned once.
#[derive(Debug, Clone)]
pub struct NewInvitation {
    /// The stored invitation.
    pub invitation: Invitation,
    /// The secret token.
    pub token: String,
}

impl App {
    /// Invites someone to the organization (organization Admins, roles up to their own).
    pub async fn invite(
        &self,
        actor: &Actor,
        org: OrgId,
        input: InviteInput,
    ) -> Result<NewInvitation, OrgError> {
        let email = Email::parse(&input.email)
            .map_err(|_| OrgError::Invalid("not a valid email address".into()))?;
        if input.team_id.is_some() != input.team_role.is_some() {
            return Err(OrgError::Invalid(
                "team_id and team_role go together".into(),
            ));
        }
        if input.team_role > Some(Role::Admin) {
            return Err(OrgError::TeamOwnerRole);
        }
        let now = self.now();
        let mut tx = self.store().begin().await?;
        let access = self
            .authorize_org(&mut tx, actor, org, Action::Admin)
            .await?;
        if input.org_role > access.org_role || input.team_role > access.org_role {
            return Err(OrgError::RoleTooHigh);
        }
        if let Some(team) = input.team_id {
            let t = teams::get(&mut tx, team).await?;
            if t.is_none_or(|t| t.org_id != org) {
                return Err(OrgError::Invalid(
                    "team_id is not a team of this organization".into(),
                ));
            }
        }
        let organization = orgs::get(&mut tx, org).await?.ok_or(OrgError::NotFound)?;
        let token = new_token("sti_")?;
        let invitation = Invitation {
            id: InvitationId::new(),
            org_id: org,
            email: email.as_str().to_owned(),
            org_role: input.org_role,
            team_id: input.team_id,
            team_role: input.team_role,
            invited_by: actor.user_id,
            created_at: now,
            expires_at: now.plus(self.settings().invitation_ttl),
            accepted_at: None,
            revoked_at: None,
        };
        invitations::insert(&mut tx, &invitation, &token_hash(&token)).await?;
        audit::record(
            &mut tx,
            now,
            org,
            Some(actor.user_id),
            "invitation.created",
            ("invitation", Some(invitation.id.to_string())),
            &actor.ctx,
            json!({ "email": invitation.email, "org_role": invitation.org_role,
                    "team_id": invitation.team_id, "team_role": invitation.team_role }),
        )
        .await?;
        Store::commit(tx).await?;
        self.mailer()
            .send_logged(Mail {
                to: invitation.email.clone(),
                subject: format!("{} invited you to {} on Spec Tree", actor.name, organization.name),
                body: format!(
                    "Hello,\n\n{} invited you to join {} on Spec Tree.\n\nAccept the invitation here:\n\n{}/invite?token={}\n\nThe invitation expires on {}.\n",
                    actor.name,
                    organization.name,
                    self.settings().public_url.trim_end_matches('/'),
                    token,
                    invitation.expires_at.to_rfc3339()
                ),
            })
            .await;
        Ok(NewInvitation { invitation, token })
    }

    /// Open invitations of an organization (organization Admins).
    pub async fn list_invitations(
        &self,
        actor: &Actor,
        org: OrgId,
        page: &PageRequest,
    ) -> Result<Page<Invitation>, OrgError> {
        let mut c = self.store().read().await?;
        self.authorize_org(&mut c, actor, org, Action::Admin)
            .await?;
        let rows = invitations::list_open(
            &mut c,
            org,
            self.now(),
            page.after.as_deref(),
            page.limit + 1,
        )
        .await?;
        Ok(Page::from_overfetch(rows, page.limit, |i| i.id.to_string()))
    }

    /// Revokes an open invitation (organization Admins).
    pub async fn revoke_invitation(
        &self,
        actor: &Actor,
        org: OrgId,
        id: InvitationId,
    ) -> Result<(), OrgError> {
        let now = self.now();
        let mut tx = self.store().begin().await?;
        self.authorize_org(&mut tx, actor, org, Action::Admin)
            .await?;
        if !invitations::revoke(&mut tx, org, id, now).await? {
            return Err(OrgError::NotFound);
        }
        audit::record(
            &mut tx,
            now,
            org,
            Some(actor.user_id),
            "invitation.revoked",
            ("invitation", Some(id.to_string())),
            &actor.ctx,
            json!({}),
        )
        .await?;
        Store::commit(tx).await?;
        Ok(())
    }

    /// Accepts an invitation as the signed-in actor, whose address must be the invited one.
    pub async fn accept_invitation(&self, actor: &Actor, token: &str) -> Result<OrgId, OrgError> {
        let mut tx = self.store().begin().await?;
        let inv = invitations::by_token_hash(&mut tx, &token_hash(token))
            .await?
            .ok_or(OrgError::InvalidInvitation)?;
        if inv.email != actor.email {
            return Err(OrgError::InvitationForSomeoneElse);
        }
        let user = spectree_store::identity::users::get(&mut tx, actor.user_id)
            .await?
            .ok_or(OrgError::NotFound)?;
        self.accept_invitation_in(&mut tx, &inv, &user, &actor.ctx)
            .await?;
        // The link reached this mailbox, so the address is verified.
        spectree_store::identity::users::mark_verified(&mut tx, user.id, self.now()).await?;
        Store::commit(tx).await?;
        Ok(inv.org_id)
    }

    /// Applies an invitation inside the caller's transaction: membership, team role, audit.
    pub(crate) async fn accept_invitation_in(
        &self,
        c: &mut AnyConnection,
        inv: &Invitation,
        user: &User,
        ctx: &RequestCtx,
    ) -> Result<(), OrgError> {
        let now = self.now();
        if !invitations::accept(&mut *c, inv.id, user.id, now).await? {
            return Err(OrgError::InvalidInvitation);
        }
        members::join(&mut *c, inv.org_id, user.id, inv.org_role, now).await?;
        if let (Some(team), Some(role)) = (inv.team_id, inv.team_role) {
            let current = teams::member_role(&mut *c, inv.org_id, team, user.id).await?;
            teams::set_member(
                &mut *c,
                inv.org_id,
                team,
                user.id,
                current.max(Some(role)).unwrap_or(role),
                now,
            )
            .await?;
        }
        audit::record(
            c,
            now,
            inv.org_id,
            Some(user.id),
            "invitation.accepted",
            ("invitation", Some(inv.id.to_string())),
            ctx,
            json!({ "email": inv.email, "org_role": inv.org_role, "team_id": inv.team_id, "team_role": inv.team_role }),
        )
        .await?;
        Ok(())
    }
}
