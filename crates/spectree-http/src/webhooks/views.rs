//! Wire types of the webhook routes.

use serde::{Deserialize, Serialize};
use spectree_app::store::webhooks::Webhook;
use spectree_app::store::webhooks::deliveries::Delivery;
use spectree_domain::ids::TeamId;
use utoipa::ToSchema;

use crate::views::{time, time_opt};

/// A hook to create.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateWebhookRequest {
    /// Target URL: http:// or https://, not on a loopback, private or link-local address.
    pub url: String,
    /// Event kinds it receives (the activity kinds listed in docs/api.md).
    pub events: Vec<String>,
    /// Whether deliveries are made (default true).
    #[serde(default = "yes")]
    pub active: bool,
}

fn yes() -> bool {
    true
}

/// Changes to a hook; absent fields stay.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateWebhookRequest {
    /// New URL.
    pub url: Option<String>,
    /// New event kinds.
    pub events: Option<Vec<String>>,
    /// Switch deliveries on or off (on again also clears the failure count).
    pub active: Option<bool>,
}

/// A webhook.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookView {
    /// Id.
    pub id: String,
    /// The team whose events it receives.
    pub team_id: TeamId,
    /// Target URL.
    pub url: String,
    /// Event kinds it receives.
    pub events: Vec<String>,
    /// Whether deliveries are made.
    pub active: bool,
    /// Failed attempts in a row.
    pub consecutive_failures: i64,
    /// Why the server switched it off, if it did.
    pub disabled_reason: Option<String>,
    /// Created (RFC 3339).
    pub created_at: String,
    /// Last changed (RFC 3339).
    pub updated_at: String,
}

impl From<Webhook> for WebhookView {
    fn from(w: Webhook) -> Self {
        Self {
            id: w.id,
            team_id: w.team_id,
            url: w.url,
            events: w.events,
            active: w.active,
            consecutive_failures: w.consecutive_failures,
            disabled_reason: w.disabled_reason,
            created_at: time(w.created_at),
            updated_at: time(w.updated_at),
        }
    }
}

/// A hook with its signing secret, shown this once.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookSecretView {
    /// The hook.
    pub webhook: WebhookView,
    /// The secret that signs its deliveries (`X-Spectree-Signature`). It is not shown again;
    /// rotate it to get a new one.
    pub secret: String,
}

/// One delivery of a hook: the event, its body, and the outcome of its latest attempt.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryView {
    /// Id (`X-Spectree-Delivery`).
    pub id: String,
    /// The hook.
    pub webhook_id: String,
    /// Event kind (`X-Spectree-Event`).
    pub event: String,
    /// `pending`, `succeeded` or `failed`.
    pub status: String,
    /// Attempts made.
    pub attempts: i64,
    /// When the next attempt is due (pending deliveries).
    pub next_attempt_at: Option<String>,
    /// HTTP status of the latest attempt, when the receiver answered.
    pub status_code: Option<i64>,
    /// How long the latest attempt took, in milliseconds.
    pub duration_ms: Option<i64>,
    /// What went wrong in the latest attempt.
    pub error: Option<String>,
    /// The start of the receiver's latest answer (at most 2 KiB).
    pub response: Option<String>,
    /// The delivery this one replays.
    pub replay_of: Option<String>,
    /// The JSON body sent.
    pub payload: serde_json::Value,
    /// Created (RFC 3339).
    pub created_at: String,
    /// When it succeeded or was given up.
    pub completed_at: Option<String>,
}

impl From<Delivery> for DeliveryView {
    fn from(d: Delivery) -> Self {
        Self {
            payload: serde_json::from_str(&d.payload)
                .unwrap_or(serde_json::Value::String(d.payload.clone())),
            id: d.id,
            webhook_id: d.webhook_id,
            event: d.event,
            status: d.status.as_str().to_owned(),
            attempts: d.attempts,
            next_attempt_at: time_opt(d.next_attempt_at),
            status_code: d.status_code,
            duration_ms: d.duration_ms,
            error: d.error,
            response: d.response,
            replay_of: d.replay_of,
            created_at: time(d.created_at),
            completed_at: time_opt(d.completed_at),
        }
    }
}
