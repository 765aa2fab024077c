//! Webhooks as an activity consumer: every committed activity of a team becomes a delivery
//! to each of the team's active hooks that picked its kind, written in the dispatcher's claim
//! transaction (so exactly once), and the delivery worker is woken once the claim commits.

use futures_util::future::BoxFuture;
use serde_json::json;
use spectree_store::AnyConnection;
use spectree_store::activity::Activity;

use crate::App;
use crate::activity::{ActivityConsumer, ConsumeError};

/// Queues webhook deliveries for activity.
pub struct WebhookConsumer {
    app: App,
}

impl WebhookConsumer {
    /// The consumer for this application.
    pub fn new(app: App) -> Self {
        Self { app }
    }
}

impl ActivityConsumer for WebhookConsumer {
    fn name(&self) -> &'static str {
        "webhooks"
    }

    fn consume<'a>(
        &'a self,
        c: &'a mut AnyConnection,
        a: &'a Activity,
    ) -> BoxFuture<'a, Result<(), ConsumeError>> {
        Box::pin(async move {
            let data = json!({
                "activity_id": a.id,
                "project_id": a.project_id,
                "item_id": a.item_id,
                "actor_id": a.actor_id,
                "details": a.data,
            });
            self.app
                .queue_webhook_event(c, a.org_id, a.team_id, a.kind.as_str(), a.created_at, &data)
                .await?;
            Ok(())
        })
    }

    fn committed(&self, _batch: &[Activity]) {
        self.app.wake_webhook_worker();
    }
}
