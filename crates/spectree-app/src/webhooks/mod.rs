//! Outgoing webhooks per team: Admins manage hooks (URL, event kinds, active flag, a signing
//! secret shown once and stored sealed), events of the team are queued as deliveries in the
//! transaction that made them, and a background worker posts them, signed, with retries,
//! backoff and a delivery log (decision 0014).

mod client;
mod consumer;
mod deliver;
mod enqueue;
mod manage;

use std::time::Duration;

pub use consumer::WebhookConsumer;
pub use deliver::DeliveryReport;
pub use enqueue::event_kinds;
pub use manage::{CreatedWebhook, NewWebhook, WebhookChanges};
use spectree_domain::webhooks::{EventKindsError, RetryPolicy, TargetError};
use spectree_store::StoreError;

use crate::org::OrgError;
use crate::secret::SecretError;

/// How webhooks are delivered; the binary builds it from the `[webhooks]` configuration.
#[derive(Debug, Clone)]
pub struct WebhookSettings {
    /// Let hooks target loopback, private and link-local addresses (tests, closed networks).
    pub allow_private_targets: bool,
    /// How long one attempt may take, connection included.
    pub timeout: Duration,
    /// Attempts and backoff of failed deliveries.
    pub retry: RetryPolicy,
    /// Failed attempts in a row after which a hook is switched off.
    pub disable_after: u32,
    /// Largest delivery body, in bytes; larger event data is left out of the body.
    pub max_body_bytes: usize,
    /// Bytes of a receiver's answer kept in the delivery log.
    pub response_max_bytes: usize,
    /// Finished deliveries stay in the log this long.
    pub delivery_retention: Duration,
}

impl Default for WebhookSettings {
    fn default() -> Self {
        Self {
            allow_private_targets: false,
            timeout: Duration::from_secs(10),
            retry: RetryPolicy {
                max_attempts: 8,
                base: Duration::from_secs(10),
                max: Duration::from_secs(3600),
            },
            disable_after: 20,
            max_body_bytes: 256 * 1024,
            response_max_bytes: 2048,
            delivery_retention: Duration::from_secs(30 * 24 * 3600),
        }
    }
}

/// Why a webhook use case did not go through.
#[derive(Debug, thiserror::Error)]
pub enum WebhookError {
    /// The hook, delivery or team does not exist, or the actor may not know that it does.
    #[error("not found")]
    NotFound,
    /// The actor can see the team but is not one of its Admins.
    #[error("managing webhooks takes the Admin role on the team")]
    Forbidden,
    /// The URL is not an acceptable target.
    #[error(transparent)]
    Target(#[from] TargetError),
    /// The host name does not resolve.
    #[error("the webhook host {0} does not resolve")]
    Unresolvable(String),
    /// The event kinds are not acceptable.
    #[error(transparent)]
    Events(#[from] EventKindsError),
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A secret could not be made.
    #[error(transparent)]
    Secret(#[from] SecretError),
}

impl From<OrgError> for WebhookError {
    fn from(e: OrgError) -> Self {
        match e {
            OrgError::NotFound => WebhookError::NotFound,
            OrgError::Forbidden => WebhookError::Forbidden,
            OrgError::Store(s) => WebhookError::Store(s),
            other => WebhookError::Store(StoreError::Corrupt(other.to_string())),
        }
    }
}
