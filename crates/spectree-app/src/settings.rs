//! What the use cases are configured with; the binary builds it from the validated
//! configuration.

use std::time::Duration;

use spectree_domain::identity::{PasswordPolicy, SignupPolicy};
use spectree_domain::webhooks::RetryPolicy;

use crate::webhooks::WebhookSettings;

/// Settings of the use cases.
#[derive(Debug, Clone)]
pub struct AppSettings {
    /// Base URL of the instance as people reach it (for links in mail).
    pub public_url: String,
    /// A session ends after this long without a request.
    pub session_idle_timeout: Duration,
    /// A session ends this long after log-in, however active.
    pub session_absolute_timeout: Duration,
    /// How often an open stream or socket checks that its session or token is still valid.
    pub stream_recheck_interval: Duration,
    /// How long a session or API token read stays usable for this node's next requests
    /// (zero: read at every request).
    pub credential_cache_ttl: Duration,
    /// Life of an email-verification link.
    pub verification_ttl: Duration,
    /// Life of a password-reset link.
    pub password_reset_ttl: Duration,
    /// Life of an invitation.
    pub invitation_ttl: Duration,
    /// Failed log-ins allowed per account and per address within the window.
    pub login_max_failures: u32,
    /// The window for counting failed log-ins.
    pub login_window: Duration,
    /// Rules for new passwords.
    pub password_policy: PasswordPolicy,
    /// Who may sign up.
    pub signup: SignupPolicy,
    /// Deleted work items are purged this long after deletion.
    pub trash_retention: Duration,
    /// Most items one project import may create.
    pub import_max_items: usize,
    /// An automatic version closes when its item has had no change for this long.
    pub version_idle: Duration,
    /// An automatic version closes at the latest this long after its first change.
    pub version_max: Duration,
    /// How webhooks are delivered.
    pub webhooks: WebhookSettings,
    /// Queued digest lines are mailed once the oldest of a person's lines is this old.
    pub digest_interval: Duration,
    /// AI generation.
    pub ai: crate::ai::AiSettings,
    /// How an activity a consumer failed on is retried before it becomes a dead letter.
    pub activity_retry: RetryPolicy,
}

impl Default for AppSettings {
    fn default() -> Self {
        Self {
            public_url: "http://127.0.0.1:8080".into(),
            session_idle_timeout: Duration::from_secs(7 * 24 * 3600),
            session_absolute_timeout: Duration::from_secs(30 * 24 * 3600),
            stream_recheck_interval: Duration::from_secs(30),
            credential_cache_ttl: Duration::from_secs(1),
            verification_ttl: Duration::from_secs(48 * 3600),
            password_reset_ttl: Duration::from_secs(3600),
            invitation_ttl: Duration::from_secs(14 * 24 * 3600),
            login_max_failures: 10,
            login_window: Duration::from_secs(15 * 60),
            password_policy: PasswordPolicy::default(),
            signup: SignupPolicy::default(),
            trash_retention: Duration::from_secs(30 * 24 * 3600),
            import_max_items: 200_000,
            version_idle: Duration::from_secs(30),
            version_max: Duration::from_secs(300),
            webhooks: WebhookSettings::default(),
            digest_interval: Duration::from_secs(3600),
            ai: crate::ai::AiSettings::default(),
            activity_retry: RetryPolicy {
                max_attempts: 8,
                base: Duration::from_secs(1),
                max: Duration::from_secs(300),
            },
        }
    }
}
