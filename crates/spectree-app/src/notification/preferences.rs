//! A person's notification preferences: per kind, which channels it goes to.

use serde_json::json;
use spectree_domain::ids::OrgId;
use spectree_domain::notification::{
    ChannelSet, NotificationKind, PreferenceChange, effective, validate_changes,
};
use spectree_store::Store;
use spectree_store::notification::preferences as store;

use super::NotificationError;
use crate::{Actor, App, audit};

/// One kind's channels as in force for a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Preference {
    /// The kind.
    pub kind: NotificationKind,
    /// Its channels.
    pub channels: ChannelSet,
    /// Whether these are the defaults (nothing chosen yet).
    pub is_default: bool,
}

impl App {
    /// The actor's preferences for every kind.
    pub async fn notification_preferences(
        &self,
        actor: &Actor,
    ) -> Result<Vec<Preference>, NotificationError> {
        let stored = store::of_user(&mut *self.store().read().await?, actor.user_id).await?;
        Ok(NotificationKind::ALL
            .iter()
            .map(|k| {
                let chosen = stored.iter().find(|(s, _)| s == k).map(|(_, c)| *c);
                Preference {
                    kind: *k,
                    channels: effective(*k, chosen),
                    is_default: chosen.is_none(),
                }
            })
            .collect())
    }

    /// Sets the channels of the kinds given (the others keep theirs); all or nothing.
    pub async fn set_notification_preferences(
        &self,
        actor: &Actor,
        changes: &[PreferenceChange],
    ) -> Result<Vec<Preference>, NotificationError> {
        let changes = validate_changes(changes)?;
        let now = self.now();
        let mut tx = self.store().begin().await?;
        for (kind, channels) in &changes {
            store::put(&mut tx, actor.user_id, *kind, *channels, now).await?;
        }
        audit::record(
            &mut tx,
            now,
            OrgId::INSTANCE,
            Some(actor.user_id),
            "notification.preferences_updated",
            ("user", Some(actor.user_id.to_string())),
            &actor.ctx,
            json!({ "kinds": changes.iter().map(|(k, c)| json!({
                "kind": k.as_str(), "in_app": c.in_app, "email": c.email, "digest": c.digest
            })).collect::<Vec<_>>() }),
        )
        .await?;
        Store::commit(tx).await?;
        self.notification_preferences(actor).await
    }
}
