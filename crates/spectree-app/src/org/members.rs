//! Organization membership: roles, leaving, removal, and the last-owner rule.

use serde_json::json;
use spectree_domain::ids::{OrgId, UserId};
use spectree_domain::org::{Action, Role};
use spectree_domain::page::{Page, PageRequest};
use spectree_store::org::members::{self, Member};
use spectree_store::{AnyConnection, Store};

use super::OrgError;
use crate::{Actor, App, audit};

impl App {
    /// The organization's members.
    pub async fn list_org_members(
        &self,
        actor: &Actor,
        org: OrgId,
        page: &PageRequest,
    ) -> Result<Page<Member>, OrgError> {
        let mut c = self.store().read().await?;
        self.authorize_org(&mut c, actor, org, Action::View).await?;
        let rows = members::list(&mut c, org, page.after.as_deref(), page.limit + 1).await?;
        Ok(Page::from_overfetch(rows, page.limit, |m| {
            m.user_id.to_string()
        }))
    }

    /// Sets a member's organization role (`None`: member without an organization-wide role).
    /// Admins may grant up to their own role; only Owners may grant or take ownership; the
    /// last Owner stays an Owner.
    pub async fn set_org_role(
        &self,
        actor: &Actor,
        org: OrgId,
        user: UserId,
        role: Option<Role>,
    ) -> Result<(), OrgError> {
        let now = self.now();
        let mut tx = self.store().begin().await?;
        let access = self
            .authorize_org(&mut tx, actor, org, Action::Admin)
            .await?;
        members::lock_org(&mut tx, org).await?;
        let target = members::get(&mut tx, org, user)
            .await?
            .ok_or(OrgError::NotFound)?;
        if role > access.org_role
            || (target.role == Some(Role::Owner) && access.org_role < Some(Role::Owner))
        {
            return Err(OrgError::RoleTooHigh);
        }
        if target.role == Some(Role::Owner) && role != Some(Role::Owner) {
            ensure_another_owner(&mut tx, org).await?;
        }
        members::upsert(&mut tx, org, user, role, target.created_at).await?;
        audit::record(
            &mut tx,
            now,
            org,
            Some(actor.user_id),
            "member.role_changed",
            ("user", Some(user.to_string())),
            &actor.ctx,
            json!({ "scope": "organization", "role": role, "previous": target.role }),
        )
        .await?;
        Store::commit(tx).await?;
        // Open live-document sockets and event streams follow the new access at once.
        self.access_changed(user).await;
        Ok(())
    }

    /// Removes a member from the organization and its teams. Anyone may leave; removing
    /// someone else takes Admin (Owner to remove an Owner); the last Owner cannot go.
    pub async fn remove_org_member(
        &self,
        actor: &Actor,
        org: OrgId,
        user: UserId,
    ) -> Result<(), OrgError> {
        let now = self.now();
        let leaving = user == actor.user_id;
        let mut tx = self.store().begin().await?;
        let access = self
            .authorize_org(
                &mut tx,
                actor,
                org,
                if leaving { Action::View } else { Action::Admin },
            )
            .await?;
        members::lock_org(&mut tx, org).await?;
        let target = members::get(&mut tx, org, user)
            .await?
            .ok_or(OrgError::NotFound)?;
        if !leaving && target.role == Some(Role::Owner) && access.org_role < Some(Role::Owner) {
            return Err(OrgError::Forbidden);
        }
        if target.role == Some(Role::Owner) {
            ensure_another_owner(&mut tx, org).await?;
        }
        members::remove(&mut tx, org, user).await?;
        audit::record(
            &mut tx,
            now,
            org,
            Some(actor.user_id),
            if leaving {
                "member.left"
            } else {
                "member.removed"
            },
            ("user", Some(user.to_string())),
            &actor.ctx,
            json!({ "scope": "organization", "previous": target.role }),
        )
        .await?;
        Store::commit(tx).await?;
        // Open live-document sockets and event streams follow the new access at once.
        self.access_changed(user).await;
        Ok(())
    }
}

async fn ensure_another_owner(c: &mut AnyConnection, org: OrgId) -> Result<(), OrgError> {
    if members::count_owners(c, org).await? <= 1 {
        Err(OrgError::LastOwner)
    } else {
        Ok(())
    }
}
