//! The validated configuration of a Spec Tree process. Built once at start-up by
//! [`super::load`] from defaults < TOML file < `SPECTREE_*` environment < flags, then passed down.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use spectree_domain::identity::SignupMode;

use super::Secret;

/// Everything a `spectree` process is configured with.
#[derive(Debug, Clone)]
pub struct Config {
    /// `listen`: address and port to serve on. Default `127.0.0.1:8080`.
    pub listen: SocketAddr,
    /// `data_dir`: where the embedded database, blobs and the mail outbox live. Default
    /// `./spectree-data`.
    pub data_dir: PathBuf,
    /// `database_url`: `sqlite://…` or `postgres://…`. Default: `sqlite://<data_dir>/spectree.db`.
    pub database_url: Secret,
    /// `redis_url`: Redis for fan-out between nodes (collaboration issue). Default none.
    pub redis_url: Option<Secret>,
    /// `public_url`: the base URL people reach the instance at (links in mail, Origin
    /// checks). Default `http://<listen>`.
    pub public_url: String,
    /// `log_format`: `text` or `json`. Default `text`.
    pub log_format: LogFormat,
    /// `[database]` section.
    pub database: DatabaseConfig,
    /// `[http]` section.
    pub http: HttpConfig,
    /// `[auth]` section.
    pub auth: AuthConfig,
    /// `[signup]` section.
    pub signup: SignupConfig,
    /// `[mail]` section.
    pub mail: MailConfig,
    /// `[spec]` section.
    pub spec: SpecConfig,
    /// `[collab]` section.
    pub collab: CollabConfig,
    /// `[history]` section.
    pub history: HistoryConfig,
    /// `[audit]` section.
    pub audit: AuditConfig,
    /// `[webhooks]` section.
    pub webhooks: WebhooksConfig,
    /// `[activity]` section.
    pub activity: ActivityConfig,
    /// `[notifications]` section.
    pub notifications: NotificationsConfig,
    /// `[ai]` section.
    pub ai: AiConfig,
}

/// Log output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

/// `[database]`.
#[derive(Debug, Clone)]
pub struct DatabaseConfig {
    /// `database.max_connections`: pool size (readers on SQLite). Default 10.
    pub max_connections: u32,
    /// `database.acquire_timeout`: how long a request waits for a connection. Default `10s`.
    pub acquire_timeout: Duration,
    /// `database.sqlite_group_commit`: most transactions SQLite commits together (1 turns
    /// group commit off). Default 64.
    pub sqlite_group_commit: u32,
    /// `database.sqlite_writer_cache_kib`: most page cache of SQLite's writer connection, in
    /// KiB; it is fitted to a quarter of the database within that. Default 65536 (64 MiB).
    pub sqlite_writer_cache_kib: u32,
    /// `database.cache_fit_interval`: how often the writer cache is fitted to the database.
    /// Default `10s`.
    pub cache_fit_interval: Duration,
    /// `database.sqlite_checkpoint_interval`: how often a reader checkpoints SQLite's
    /// write-ahead log. Default `1s`.
    pub sqlite_checkpoint_interval: Duration,
    /// `database.sqlite_reader_cache_kib`: page cache of each SQLite reader connection, in
    /// KiB. Default 2048.
    pub sqlite_reader_cache_kib: u32,
}

/// `[http]`.
#[derive(Debug, Clone)]
pub struct HttpConfig {
    /// `http.max_body_bytes`: largest request body accepted. Default 1 MiB (1048576).
    pub max_body_bytes: usize,
    /// `http.secure_cookies`: mark cookies `Secure`. Default: true when `public_url` is https.
    pub secure_cookies: bool,
    /// `http.trust_forwarded_for`: take the client address from `X-Forwarded-For` (behind a
    /// proxy). Default false.
    pub trust_forwarded_for: bool,
}

/// `[auth]`.
#[derive(Debug, Clone)]
pub struct AuthConfig {
    /// `auth.session_idle_timeout`. Default `7d`.
    pub session_idle_timeout: Duration,
    /// `auth.session_absolute_timeout`. Default `30d`.
    pub session_absolute_timeout: Duration,
    /// `auth.stream_recheck_interval`: how often an open event stream or live-document
    /// socket checks that the session (or API token) that opened it is still valid.
    /// Default `30s`.
    pub stream_recheck_interval: Duration,
    /// `auth.credential_cache_ttl`: how long this node answers requests from a session or
    /// API token it read, before reading it again. Default `1s`; `0s` reads every time.
    pub credential_cache_ttl: Duration,
    /// `auth.verification_ttl`: life of an email-verification link. Default `48h`.
    pub verification_ttl: Duration,
    /// `auth.password_reset_ttl`. Default `1h`.
    pub password_reset_ttl: Duration,
    /// `auth.invitation_ttl`. Default `14d`.
    pub invitation_ttl: Duration,
    /// `auth.login_max_failures`: failed log-ins per account and per address in the window.
    /// Default 10.
    pub login_max_failures: u32,
    /// `auth.login_window`. Default `15m`.
    pub login_window: Duration,
    /// `auth.password_min_length`. Default 10.
    pub password_min_length: usize,
}

/// `[signup]`.
#[derive(Debug, Clone)]
pub struct SignupConfig {
    /// `signup.mode`: `open` or `invite_only`. Default `open`.
    pub mode: SignupMode,
    /// `signup.allowed_domains`: when non-empty, only these email domains may sign up without
    /// an invitation, and must verify their address. Environment: comma-separated.
    pub allowed_domains: Vec<String>,
}

/// `[mail]`.
#[derive(Debug, Clone)]
pub struct MailConfig {
    /// `mail.from`: sender address. Default `Spec Tree <spectree@localhost>`.
    pub from: String,
    /// `mail.smtp_url`: SMTP relay, e.g. `smtp://user:pass@host:587` (STARTTLS) or
    /// `smtps://…`; secret (`SPECTREE_MAIL_SMTP_URL_FILE` reads it from a file). Default none:
    /// messages are written to `<data_dir>/outbox`.
    pub smtp_url: Option<Secret>,
}

/// `[spec]`.
#[derive(Debug, Clone)]
pub struct SpecConfig {
    /// `spec.trash_retention`: deleted items are purged this long after deletion. Default `30d`.
    pub trash_retention: Duration,
    /// `spec.trash_purge_interval`: how often expired trash is purged. Default `1h`.
    pub trash_purge_interval: Duration,
    /// `spec.import_max_bytes`: largest project import body. Default 64 MiB.
    pub import_max_bytes: usize,
    /// `spec.import_max_items`: most items one import may create. Default 200000.
    pub import_max_items: usize,
}

/// `[collab]`.
#[derive(Debug, Clone)]
pub struct CollabConfig {
    /// `collab.room_grace`: a live document unloads this long after its last client left.
    /// Default `30s`.
    pub room_grace: Duration,
    /// `collab.awareness_timeout`: presence of a silent client is removed after this long.
    /// Default `30s`.
    pub awareness_timeout: Duration,
    /// `collab.projection_debounce`: live edits reach the item's row this long after the last
    /// one. Default `2s`.
    pub projection_debounce: Duration,
    /// `collab.projection_max_wait`: ...or this long after the first edit not yet projected,
    /// while edits keep coming. Default `10s`.
    pub projection_max_wait: Duration,
    /// `collab.session_idle`: an editing session ends after this long without an edit.
    /// Default `5m`.
    pub session_idle: Duration,
    /// `collab.compact_every`: updates in the log before it is compacted. Default 500.
    pub compact_every: usize,
    /// `collab.max_message_bytes`: largest message a client may send. Default 4 MiB.
    pub max_message_bytes: usize,
    /// `collab.client_queue`: messages queued for one client before it is disconnected as
    /// too slow. Default 512.
    pub client_queue: usize,
}

/// `[history]`.
#[derive(Debug, Clone)]
pub struct HistoryConfig {
    /// `history.version_idle`: an automatic version closes when its item has had no change
    /// for this long. Default `30s`.
    pub version_idle: Duration,
    /// `history.version_max`: an automatic version closes at the latest this long after its
    /// first change. Default `5m`.
    pub version_max: Duration,
    /// `history.close_interval`: how often versions due to close are looked for.
    /// Default `5s`.
    pub close_interval: Duration,
}

/// `[activity]`.
#[derive(Debug, Clone)]
pub struct ActivityConfig {
    /// `activity.dispatch_interval`: how often the activity outbox is checked besides the
    /// check after every commit. Default `1s`.
    pub dispatch_interval: Duration,
    /// `activity.dispatch_gap`: shortest time between a dispatcher pass that delivered
    /// activity and the next pass. Default `20ms`.
    pub dispatch_gap: Duration,
    /// `activity.max_attempts`: attempts before a failing activity becomes a dead letter.
    /// Default 8.
    pub max_attempts: u32,
    /// `activity.retry_base`: delay after the first failed attempt. Default `1s`.
    pub retry_base: Duration,
    /// `activity.retry_max`: longest delay between attempts. Default `5m`.
    pub retry_max: Duration,
}

/// `[audit]`.
#[derive(Debug, Clone)]
pub struct AuditConfig {
    /// `audit.chain_interval`: how often committed audit records are linked into their hash
    /// chain. Default `200ms`.
    pub chain_interval: Duration,
    /// `audit.retention_interval`: how often the retention policies are applied. Default `1h`.
    pub retention_interval: Duration,
}

/// `[webhooks]`.
#[derive(Debug, Clone)]
pub struct WebhooksConfig {
    /// `webhooks.allow_private_targets`: let webhooks reach loopback, private and link-local
    /// addresses. Default false.
    pub allow_private_targets: bool,
    /// `webhooks.timeout`: one delivery attempt. Default `10s`.
    pub timeout: Duration,
    /// `webhooks.max_attempts`: attempts before a delivery is given up. Default 8.
    pub max_attempts: u32,
    /// `webhooks.backoff_base`: delay after the first failed attempt. Default `10s`.
    pub backoff_base: Duration,
    /// `webhooks.backoff_max`: longest delay between attempts. Default `1h`.
    pub backoff_max: Duration,
    /// `webhooks.delivery_retention`: how long finished deliveries stay in the log.
    /// Default `30d`.
    pub delivery_retention: Duration,
    /// `webhooks.disable_after`: failed attempts in a row that switch a hook off. Default 20.
    pub disable_after: u32,
    /// `webhooks.max_body_bytes`: largest delivery body. Default 256 KiB.
    pub max_body_bytes: usize,
    /// `webhooks.poll_interval`: how often due deliveries are looked for. Default `1s`.
    pub poll_interval: Duration,
}

/// `[notifications]`.
#[derive(Debug, Clone)]
pub struct NotificationsConfig {
    /// `notifications.digest_interval`: digest lines are mailed, one mail per person, once
    /// the oldest of that person's lines is this old. Default `1h`.
    pub digest_interval: Duration,
    /// `notifications.digest_check_interval`: how often due digests are looked for.
    /// Default `1m`.
    pub digest_check_interval: Duration,
}

/// Which AI provider generates text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AiProviderKind {
    /// The built-in offline generator (templates over the item's context).
    Offline,
    /// An OpenAI-compatible chat completions endpoint.
    OpenAi,
}

/// `[ai]`.
#[derive(Debug, Clone)]
pub struct AiConfig {
    /// `ai.provider`: `offline` or `openai`. Default `offline`.
    pub provider: AiProviderKind,
    /// `ai.base_url`: the OpenAI-compatible API base, e.g. `https://api.openai.com/v1`.
    /// Required when `provider` is `openai`.
    pub base_url: Option<String>,
    /// `ai.model`: model name sent to the endpoint. Default `gpt-4o-mini`.
    pub model: String,
    /// `ai.api_key`: bearer token for the endpoint; secret (`SPECTREE_AI_API_KEY_FILE`).
    pub api_key: Option<Secret>,
    /// `ai.timeout`: connect timeout and longest silence in a streamed answer. Default `30s`.
    pub timeout: Duration,
    /// `ai.offline_token_interval`: pause between tokens of the offline generator.
    /// Default `60ms`.
    pub offline_token_interval: Duration,
    /// `ai.max_tokens`: most tokens one generation writes. Default 1024.
    pub max_tokens: u32,
    /// `ai.max_duration`: longest a generation may run. Default `10m`.
    pub max_duration: Duration,
}
