//! Turning an event of a team into deliveries: one per active hook of the team that picked
//! its kind, queued in the transaction that records the event (so a delivery exists exactly
//! when the change committed).

use std::sync::LazyLock;

use serde_json::{Value, json};
use spectree_domain::Timestamp;
use spectree_domain::activity::ActivityKind;
use spectree_store::webhooks::Webhook;
use spectree_store::webhooks::deliveries;
use spectree_store::{AnyConnection, StoreResult};

use super::manage::new_delivery;
use crate::App;

/// The event kinds a hook may pick: the activity kinds.
pub fn event_kinds() -> &'static [&'static str] {
    static KINDS: LazyLock<Vec<&'static str>> =
        LazyLock::new(|| ActivityKind::ALL.iter().map(|k| k.as_str()).collect());
    &KINDS
}

/// The JSON body of a delivery. Event data that would make it larger than `max_bytes` is left
/// out (`data_omitted: true`); the event's kind, time and ids stay.
pub(super) fn payload(
    hook: &Webhook,
    event: &str,
    at: Timestamp,
    data: Value,
    max_bytes: usize,
) -> String {
    let body = json!({
        "event": event,
        "created_at": at.to_rfc3339(),
        "org_id": hook.org_id,
        "team_id": hook.team_id,
        "webhook_id": hook.id,
        "data": data,
    });
    let text = body.to_string();
    if text.len() <= max_bytes {
        return text;
    }
    json!({
        "event": event,
        "created_at": at.to_rfc3339(),
        "org_id": hook.org_id,
        "team_id": hook.team_id,
        "webhook_id": hook.id,
        "data": null,
        "data_omitted": true,
    })
    .to_string()
}

impl App {
    /// Queues `event` for every hook of `hooks` (the active hooks of the event's team) that
    /// picked `kind`, inside the caller's transaction; returns how many deliveries were
    /// queued.
    pub(crate) async fn queue_webhook_event(
        &self,
        c: &mut AnyConnection,
        hooks: &[Webhook],
        kind: &str,
        at: Timestamp,
        data: &Value,
    ) -> StoreResult<usize> {
        let mut queued = 0;
        for hook in hooks.iter().filter(|h| h.events.iter().any(|e| e == kind)) {
            let body = payload(
                hook,
                kind,
                at,
                data.clone(),
                self.settings().webhooks.max_body_bytes,
            );
            let d = new_delivery(hook, kind.to_owned(), body, at, None);
            deliveries::insert(&mut *c, self.store().sealer(), &d).await?;
            queued += 1;
        }
        Ok(queued)
    }
}

#[cfg(test)]
mod tests {
    use spectree_domain::ids::{OrgId, TeamId, UserId};

    use super::*;

    #[test]
    fn event_data_is_left_out_of_bodies_over_the_cap() {
        let hook = Webhook {
            id: "h".into(),
            org_id: OrgId::new(),
            team_id: TeamId::new(),
            url: "https://e.com/".into(),
            events: vec!["item_created".into()],
            active: true,
            consecutive_failures: 0,
            disabled_reason: None,
            created_by: UserId::new(),
            created_at: Timestamp(0),
            updated_at: Timestamp(0),
        };
        let data = json!({ "big": "x".repeat(5000) });
        let small: Value = serde_json::from_str(&payload(
            &hook,
            "item_created",
            Timestamp(0),
            data.clone(),
            1024,
        ))
        .unwrap_or_default();
        assert_eq!(small["data_omitted"], true);
        assert!(small["data"].is_null());
        assert_eq!(small["event"], "item_created");
        let full: Value =
            serde_json::from_str(&payload(&hook, "item_created", Timestamp(0), data, 10_000))
                .unwrap_or_default();
        assert_eq!(full["data"]["big"].as_str().map(str::len), Some(5000));
        assert!(full.get("data_omitted").is_none());
        assert!(event_kinds().contains(&"status_changed"));
    }
}
