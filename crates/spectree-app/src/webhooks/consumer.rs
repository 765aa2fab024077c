//! Webhooks as an activity consumer: every committed activity of a team becomes a delivery
//! to each of the team's active hooks that picked its kind, written in the dispatcher's claim
//! transaction (so exactly once), and the delivery worker is woken once the claim commits.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::sync::atomic::{AtomicBool, Ordering};

use futures_util::future::BoxFuture;
use serde_json::json;
use spectree_domain::ids::{OrgId, TeamId};
use spectree_store::AnyConnection;
use spectree_store::activity::Activity;
use spectree_store::webhooks::{self, Webhook};

use crate::App;
use crate::activity::{ActivityConsumer, ConsumeError};

/// Queues webhook deliveries for activity.
pub struct WebhookConsumer {
    app: App,
    /// Whether a delivery was queued since the worker was last woken: a claim that queued
    /// none (a team without hooks) does not wake it to look.
    queued: AtomicBool,
}

impl WebhookConsumer {
    /// The consumer for this application.
    pub fn new(app: App) -> Self {
        Self {
            app,
            queued: AtomicBool::new(false),
        }
    }
}

/// The event data of an activity.
fn event_data(a: &Activity) -> serde_json::Value {
    json!({
        "activity_id": a.id,
        "project_id": a.project_id,
        "item_id": a.item_id,
        "actor_id": a.actor_id,
        "details": a.data,
    })
}

impl ActivityConsumer for WebhookConsumer {
    fn name(&self) -> &'static str {
        "webhooks"
    }

    /// The team's active hooks are read once per team of the batch.
    fn consume_batch<'a>(
        &'a self,
        c: &'a mut AnyConnection,
        batch: &'a [Activity],
    ) -> BoxFuture<'a, Result<(), (usize, ConsumeError)>> {
        Box::pin(async move {
            let mut hooks: HashMap<(OrgId, TeamId), Vec<Webhook>> = HashMap::new();
            for (i, a) in batch.iter().enumerate() {
                let key = (a.org_id, a.team_id);
                let team_hooks = match hooks.entry(key) {
                    Entry::Occupied(e) => e.into_mut(),
                    Entry::Vacant(e) => e.insert(
                        webhooks::active_for_team(&mut *c, a.org_id, a.team_id)
                            .await
                            .map_err(|e| (i, e.into()))?,
                    ),
                };
                if team_hooks.is_empty() {
                    continue;
                }
                let n = self
                    .app
                    .queue_webhook_event(
                        c,
                        team_hooks,
                        a.kind.as_str(),
                        a.created_at,
                        &event_data(a),
                    )
                    .await
                    .map_err(|e| (i, e.into()))?;
                if n > 0 {
                    self.queued.store(true, Ordering::Relaxed);
                }
            }
            Ok(())
        })
    }

    fn committed(&self, _batch: &[Activity]) {
        if self.queued.swap(false, Ordering::Relaxed) {
            self.app.wake_webhook_worker();
        }
    }
}
