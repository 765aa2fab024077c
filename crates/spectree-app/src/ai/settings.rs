//! The organization's AI switch: Admins and Owners turn AI generation on or off; the change
//! is audited with before and after.

use serde_json::json;
use spectree_domain::ids::OrgId;
use spectree_domain::org::Action;
use spectree_store::Store;
use spectree_store::ai::settings;

use super::AiError;
use crate::{Actor, App, audit};

impl App {
    /// Whether AI generation is on for the organization (members may read it).
    pub async fn ai_enabled(&self, actor: &Actor, org: OrgId) -> Result<bool, AiError> {
        let mut c = self.store().read().await?;
        self.authorize_org(&mut c, actor, org, Action::View).await?;
        Ok(settings::enabled(&mut c, org).await?)
    }

    /// Turns AI generation on or off for the organization (Admins and Owners).
    pub async fn set_ai_enabled(
        &self,
        actor: &Actor,
        org: OrgId,
        enabled: bool,
    ) -> Result<bool, AiError> {
        let now = self.now();
        let mut tx = self.store().begin().await?;
        self.authorize_org(&mut tx, actor, org, Action::Admin)
            .await?;
        let before = settings::enabled(&mut tx, org).await?;
        settings::set_enabled(&mut tx, org, enabled, now, actor.user_id).await?;
        audit::record(
            &mut tx,
            now,
            org,
            Some(actor.user_id),
            "ai.settings_updated",
            ("organization", Some(org.to_string())),
            &actor.ctx,
            json!({ "before": { "enabled": before }, "after": { "enabled": enabled } }),
        )
        .await?;
        Store::commit(tx).await?;
        Ok(enabled)
    }
}
