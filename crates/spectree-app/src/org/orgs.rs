//! Creating and reading organizations.

use serde_json::json;
use spectree_domain::ids::OrgId;
use spectree_domain::org::{Action, Role, validate_name, validate_slug};
use spectree_store::org::members;
use spectree_store::org::orgs::{self, Org};
use spectree_store::{Store, StoreError};

use super::OrgError;
use crate::{Actor, App, audit};

/// An organization and the actor's role in it.
#[derive(Debug, Clone)]
pub struct OrgWithRole {
    /// The organization.
    pub org: Org,
    /// The actor's organization role, if any.
    pub role: Option<Role>,
}

impl App {
    /// Creates an organization; the actor becomes its owner.
    pub async fn create_org(&self, actor: &Actor, name: &str, slug: &str) -> Result<Org, OrgError> {
        let name = validate_name(name).map_err(|e| OrgError::InvalidName(e.to_string()))?;
        validate_slug(slug).map_err(|e| OrgError::InvalidSlug(e.to_string()))?;
        let now = self.now();
        let org = Org {
            id: OrgId::new(),
            name,
            slug: slug.to_owned(),
            created_by: actor.user_id,
            created_at: now,
        };
        let mut tx = self.store().begin().await?;
        orgs::insert(&mut tx, &org).await.map_err(|e| match e {
            StoreError::Duplicate => OrgError::SlugTaken,
            e => OrgError::Store(e),
        })?;
        members::upsert(&mut tx, org.id, actor.user_id, Some(Role::Owner), now).await?;
        audit::record(
            &mut tx,
            now,
            org.id,
            Some(actor.user_id),
            "org.created",
            ("organization", Some(org.id.to_string())),
            &actor.ctx,
            json!({ "name": org.name, "slug": org.slug }),
        )
        .await?;
        Store::commit(tx).await?;
        Ok(org)
    }

    /// Reads an organization the actor belongs to.
    pub async fn get_org(&self, actor: &Actor, id: OrgId) -> Result<OrgWithRole, OrgError> {
        let mut c = self.store().read().await?;
        let access = self.authorize_org(&mut c, actor, id, Action::View).await?;
        let org = orgs::get(&mut c, id).await?.ok_or(OrgError::NotFound)?;
        Ok(OrgWithRole {
            org,
            role: access.org_role,
        })
    }

    /// The organizations the actor belongs to.
    pub async fn my_orgs(&self, actor: &Actor) -> Result<Vec<OrgWithRole>, OrgError> {
        let rows = orgs::of_user(&mut *self.store().read().await?, actor.user_id).await?;
        Ok(rows
            .into_iter()
            .map(|(org, role)| OrgWithRole { org, role })
            .collect())
    }
}
