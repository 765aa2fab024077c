//! The activity dispatcher task: hands every committed activity to the consumers, once.
//! It wakes after each commit of this process (the store's commit signal) and every
//! `activity.dispatch_interval` as a safety net (activity committed by another node, a
//! batch that failed and waits for its retry). After a pass that delivered activity it waits
//! `activity.dispatch_gap` first, so that the activity of the commits in that time is
//! claimed in one transaction rather than one claim per commit (docs/decisions/0031).
//!
//! To add a consumer (notifications, webhooks), implement
//! [`spectree_app::activity::ActivityConsumer`] and add it to [`consumers`].

use std::time::Duration;

use spectree_app::App;
use spectree_app::activity::{ActivityConsumer, LiveDelivery};
use spectree_app::notification::NotificationConsumer;
use spectree_app::store::activity::commits;
use spectree_app::webhooks::WebhookConsumer;

/// The consumers every committed activity is handed to, in this order, inside the claim
/// transaction.
pub fn consumers(app: &App) -> Vec<Box<dyn ActivityConsumer>> {
    vec![
        Box::new(LiveDelivery::new(app.clone())),
        Box::new(WebhookConsumer::new(app.clone())),
        Box::new(NotificationConsumer::new(app.clone())),
    ]
}

/// Runs the dispatcher until aborted.
pub async fn dispatch_activity(
    app: App,
    consumers: Vec<Box<dyn ActivityConsumer>>,
    interval: Duration,
    gap: Duration,
) {
    let mut signal = commits();
    let mut tick = tokio::time::interval(interval);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        match app.dispatch_activity(&consumers).await {
            Err(e) => {
                tracing::error!(error = %e, "dispatching activity failed; retrying on the next tick");
                tick.tick().await;
                continue;
            }
            // Commits during the gap bump the signal, so the next pass follows at once.
            Ok(done) if done.activities > 0 => tokio::time::sleep(gap).await,
            Ok(_) => {}
        }
        tokio::select! {
            _ = signal.next() => {}
            _ = tick.tick() => {}
        }
    }
}
