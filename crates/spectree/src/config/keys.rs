//! The one table of configuration keys. It drives the unknown-key check of the TOML file, the
//! names of the `SPECTREE_*` environment variables, `config example` and `config print`.

use spectree_domain::identity::SignupMode;

use super::model::{AiProviderKind, Config, LogFormat};
use super::render::format_duration;

/// One configuration key.
pub(super) struct Key {
    /// Dotted path: `listen` or `section.key`.
    pub path: &'static str,
    /// The type of its value.
    pub kind: Kind,
    /// Secrets accept a `*_FILE` environment variable and never print.
    pub secret: bool,
    /// What applies when no layer sets it.
    pub default: DefaultValue,
    /// One or more lines for `config example`.
    pub doc: &'static str,
    /// Reads the effective value back from a loaded [`Config`], for `config print`.
    pub show: fn(&Config) -> Shown,
}

/// The type of a key's value, as written in TOML and in the environment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    /// A string.
    String,
    /// A humantime string: `30s`, `15m`, `7d`, `1h 30m`.
    Duration,
    /// A non-negative integer that fits 32 bits.
    U32,
    /// A non-negative integer.
    Usize,
    /// `true` or `false`.
    Bool,
    /// An array of strings in TOML; comma-separated in the environment.
    List,
    /// One of these strings.
    Enum(&'static [&'static str]),
}

/// A key's built-in default.
pub(super) enum DefaultValue {
    /// This value, written as in the environment (lists comma-separated).
    Fixed(&'static str),
    /// Computed from other keys by this rule; `example` shows a typical explicit value.
    Derived {
        rule: &'static str,
        example: &'static str,
    },
    /// Unset unless configured; `example` shows a typical value.
    Unset { example: &'static str },
}

/// A value read back from a [`Config`] for printing.
pub(super) enum Shown {
    /// A string (secrets arrive here already redacted).
    Text(String),
    /// An integer.
    Number(u64),
    /// A boolean.
    Bool(bool),
    /// A list of strings.
    List(Vec<String>),
    /// No value (an optional key left unset).
    Unset,
}

impl Key {
    /// The `[section]` the key lives in, or `None` for a top-level key.
    pub fn section(&self) -> Option<&'static str> {
        self.path.split_once('.').map(|(section, _)| section)
    }

    /// The key's name inside its section.
    pub fn name(&self) -> &'static str {
        self.path
            .split_once('.')
            .map_or(self.path, |(_, name)| name)
    }

    /// The environment variable that sets it, e.g. `SPECTREE_AUTH_SESSION_IDLE_TIMEOUT`.
    pub fn env_name(&self) -> String {
        format!(
            "SPECTREE_{}",
            self.path.replace('.', "_").to_ascii_uppercase()
        )
    }
}

/// Finds a key by its dotted path.
pub(super) fn find(path: &str) -> Option<&'static Key> {
    KEYS.iter().find(|key| key.path == path)
}

/// The section names, in table order.
pub(super) fn sections() -> impl Iterator<Item = &'static str> {
    let mut seen: Vec<&'static str> = Vec::new();
    for key in KEYS {
        if let Some(section) = key.section()
            && !seen.contains(&section)
        {
            seen.push(section);
        }
    }
    seen.into_iter()
}

fn text(value: impl ToString) -> Shown {
    Shown::Text(value.to_string())
}

fn duration(value: std::time::Duration) -> Shown {
    Shown::Text(format_duration(value))
}

fn optional(value: Option<&super::Secret>) -> Shown {
    value.map_or(Shown::Unset, text)
}

fn log_format(value: LogFormat) -> Shown {
    text(match value {
        LogFormat::Text => "text",
        LogFormat::Json => "json",
    })
}

fn signup_mode(value: SignupMode) -> Shown {
    text(match value {
        SignupMode::Open => "open",
        SignupMode::InviteOnly => "invite_only",
    })
}

/// Every key, top-level keys first (TOML requires them before any `[section]`).
pub(super) static KEYS: &[Key] = &[
    Key {
        path: "listen",
        kind: Kind::String,
        secret: false,
        default: DefaultValue::Fixed("127.0.0.1:8080"),
        doc: "Address and port to serve on (an IP address, not a host name).",
        show: |c| text(c.listen),
    },
    Key {
        path: "data_dir",
        kind: Kind::String,
        secret: false,
        default: DefaultValue::Fixed("./spectree-data"),
        doc: "Where the embedded database, blobs and the mail outbox live.",
        show: |c| text(c.data_dir.display()),
    },
    Key {
        path: "database_url",
        kind: Kind::String,
        secret: true,
        default: DefaultValue::Derived {
            rule: "sqlite://<data_dir>/spectree.db",
            example: "postgres://spectree:password@localhost:5432/spectree",
        },
        doc: "Database to use: sqlite://... or postgres://... (postgresql:// also works).",
        show: |c| text(&c.database_url),
    },
    Key {
        path: "redis_url",
        kind: Kind::String,
        secret: true,
        default: DefaultValue::Unset {
            example: "redis://localhost:6379",
        },
        doc: "Redis for fan-out between several nodes: redis://... or rediss://...\n\
              Leave unset for a single node.",
        show: |c| optional(c.redis_url.as_ref()),
    },
    Key {
        path: "public_url",
        kind: Kind::String,
        secret: false,
        default: DefaultValue::Derived {
            rule: "http://<listen>",
            example: "https://specs.example.com",
        },
        doc: "The base URL people reach this instance at (links in mail, Origin checks).",
        show: |c| text(&c.public_url),
    },
    Key {
        path: "log_format",
        kind: Kind::Enum(&["text", "json"]),
        secret: false,
        default: DefaultValue::Fixed("text"),
        doc: "Log output: text (human-readable lines) or json (one object per line).\n\
              The filter is set with SPECTREE_LOG, e.g. SPECTREE_LOG=info,spectree=debug.",
        show: |c| log_format(c.log_format),
    },
    Key {
        path: "database.max_connections",
        kind: Kind::U32,
        secret: false,
        default: DefaultValue::Fixed("10"),
        doc: "Connection pool size (readers, on SQLite).",
        show: |c| Shown::Number(u64::from(c.database.max_connections)),
    },
    Key {
        path: "database.acquire_timeout",
        kind: Kind::Duration,
        secret: false,
        default: DefaultValue::Fixed("10s"),
        doc: "How long a request waits for a free connection.",
        show: |c| duration(c.database.acquire_timeout),
    },
    Key {
        path: "database.sqlite_group_commit",
        kind: Kind::U32,
        secret: false,
        default: DefaultValue::Fixed("64"),
        doc: "SQLite only: most transactions committed together when several queue for the\n\
              one writer (each still succeeds or fails on its own); 1 commits each alone.\n\
              1 to 1000.",
        show: |c| Shown::Number(u64::from(c.database.sqlite_group_commit)),
    },
    Key {
        path: "database.sqlite_writer_cache_kib",
        kind: Kind::U32,
        secret: false,
        default: DefaultValue::Fixed("65536"),
        doc: "SQLite only: most page cache of the one writer connection, in KiB (256 to\n\
              4194304). It is fitted to a quarter of the database within this bound every\n\
              database.cache_fit_interval: large projects create items faster with a large\n\
              cache, while a small database does not keep every page it wrote in memory.",
        show: |c| Shown::Number(u64::from(c.database.sqlite_writer_cache_kib)),
    },
    Key {
        path: "database.cache_fit_interval",
        kind: Kind::Duration,
        secret: false,
        default: DefaultValue::Fixed("10s"),
        doc: "SQLite only: how often the writer's page cache is fitted to the database size.",
        show: |c| duration(c.database.cache_fit_interval),
    },
    Key {
        path: "database.sqlite_checkpoint_interval",
        kind: Kind::Duration,
        secret: false,
        default: DefaultValue::Fixed("1s"),
        doc: "SQLite only: how often a reader copies the write-ahead log into the database\n\
              file (a passive checkpoint), so that the writer never stops for it.",
        show: |c| duration(c.database.sqlite_checkpoint_interval),
    },
    Key {
        path: "database.sqlite_reader_cache_kib",
        kind: Kind::U32,
        secret: false,
        default: DefaultValue::Fixed("2048"),
        doc: "SQLite only: most page cache of each reader connection, in KiB (64 to\n\
              4194304). Each of the database.max_connections readers has its own.",
        show: |c| Shown::Number(u64::from(c.database.sqlite_reader_cache_kib)),
    },
    Key {
        path: "http.max_body_bytes",
        kind: Kind::Usize,
        secret: false,
        default: DefaultValue::Fixed("1048576"),
        doc: "Largest request body accepted, in bytes (1024 to 268435456).",
        show: |c| Shown::Number(u64::try_from(c.http.max_body_bytes).unwrap_or(u64::MAX)),
    },
    Key {
        path: "http.secure_cookies",
        kind: Kind::Bool,
        secret: false,
        default: DefaultValue::Derived {
            rule: "true when public_url starts with https://",
            example: "true",
        },
        doc: "Mark cookies Secure (sent over HTTPS only).",
        show: |c| Shown::Bool(c.http.secure_cookies),
    },
    Key {
        path: "http.trust_forwarded_for",
        kind: Kind::Bool,
        secret: false,
        default: DefaultValue::Fixed("false"),
        doc: "Take the client address from X-Forwarded-For. Enable only behind a proxy\n\
              that sets it, or clients can pick their own address.",
        show: |c| Shown::Bool(c.http.trust_forwarded_for),
    },
    Key {
        path: "auth.session_idle_timeout",
        kind: Kind::Duration,
        secret: false,
        default: DefaultValue::Fixed("7d"),
        doc: "A session unused this long ends.",
        show: |c| duration(c.auth.session_idle_timeout),
    },
    Key {
        path: "auth.session_absolute_timeout",
        kind: Kind::Duration,
        secret: false,
        default: DefaultValue::Fixed("30d"),
        doc: "A session ends this long after sign-in, however much it is used.",
        show: |c| duration(c.auth.session_absolute_timeout),
    },
    Key {
        path: "auth.stream_recheck_interval",
        kind: Kind::Duration,
        secret: false,
        default: DefaultValue::Fixed("30s"),
        doc: "How often an open event stream or live-document socket checks that the\n\
              session or API token that opened it is still valid (a sign-out or revoke on\n\
              this node ends them at once; this bounds it on other nodes and for expiry).",
        show: |c| duration(c.auth.stream_recheck_interval),
    },
    Key {
        path: "auth.credential_cache_ttl",
        kind: Kind::Duration,
        secret: false,
        default: DefaultValue::Fixed("1s"),
        doc: "How long this node answers requests from a session or API token it read\n\
              before reading it again (at most 1m; 0s reads it at every request). A sign-out\n\
              or revoke on this node takes effect at once; on other nodes within this long.",
        show: |c| duration(c.auth.credential_cache_ttl),
    },
    Key {
        path: "auth.verification_ttl",
        kind: Kind::Duration,
        secret: false,
        default: DefaultValue::Fixed("48h"),
        doc: "Life of an email-verification link.",
        show: |c| duration(c.auth.verification_ttl),
    },
    Key {
        path: "auth.password_reset_ttl",
        kind: Kind::Duration,
        secret: false,
        default: DefaultValue::Fixed("1h"),
        doc: "Life of a password-reset link.",
        show: |c| duration(c.auth.password_reset_ttl),
    },
    Key {
        path: "auth.invitation_ttl",
        kind: Kind::Duration,
        secret: false,
        default: DefaultValue::Fixed("14d"),
        doc: "Life of an invitation.",
        show: |c| duration(c.auth.invitation_ttl),
    },
    Key {
        path: "auth.login_max_failures",
        kind: Kind::U32,
        secret: false,
        default: DefaultValue::Fixed("10"),
        doc: "Failed sign-ins allowed per account and per client address within login_window.",
        show: |c| Shown::Number(u64::from(c.auth.login_max_failures)),
    },
    Key {
        path: "auth.login_window",
        kind: Kind::Duration,
        secret: false,
        default: DefaultValue::Fixed("15m"),
        doc: "The window in which failed sign-ins are counted.",
        show: |c| duration(c.auth.login_window),
    },
    Key {
        path: "auth.password_min_length",
        kind: Kind::Usize,
        secret: false,
        default: DefaultValue::Fixed("10"),
        doc: "Shortest password accepted, in characters (8 to 256).",
        show: |c| Shown::Number(u64::try_from(c.auth.password_min_length).unwrap_or(u64::MAX)),
    },
    Key {
        path: "signup.mode",
        kind: Kind::Enum(&["open", "invite_only"]),
        secret: false,
        default: DefaultValue::Fixed("open"),
        doc: "Who may create an account: open (anyone, subject to allowed_domains) or\n\
              invite_only (only people holding an invitation).",
        show: |c| signup_mode(c.signup.mode),
    },
    Key {
        path: "signup.allowed_domains",
        kind: Kind::List,
        secret: false,
        default: DefaultValue::Fixed(""),
        doc: "When non-empty, only these email domains may sign up without an invitation,\n\
              and they must verify their address.",
        show: |c| Shown::List(c.signup.allowed_domains.clone()),
    },
    Key {
        path: "mail.from",
        kind: Kind::String,
        secret: false,
        default: DefaultValue::Fixed("Spec Tree <spectree@localhost>"),
        doc: "Sender of outgoing mail.",
        show: |c| text(&c.mail.from),
    },
    Key {
        path: "mail.smtp_url",
        kind: Kind::String,
        secret: true,
        default: DefaultValue::Unset {
            example: "smtp://user:password@mail.example.com:587",
        },
        doc: "SMTP relay: smtp://... (STARTTLS) or smtps://... When unset, messages are\n\
              written to <data_dir>/outbox instead of being sent.",
        show: |c| optional(c.mail.smtp_url.as_ref()),
    },
    Key {
        path: "spec.trash_retention",
        kind: Kind::Duration,
        secret: false,
        default: DefaultValue::Fixed("30d"),
        doc: "Deleted work items stay in their project's trash this long, then are purged.",
        show: |c| duration(c.spec.trash_retention),
    },
    Key {
        path: "spec.trash_purge_interval",
        kind: Kind::Duration,
        secret: false,
        default: DefaultValue::Fixed("1h"),
        doc: "How often expired trash is looked for and purged.",
        show: |c| duration(c.spec.trash_purge_interval),
    },
    Key {
        path: "spec.import_max_bytes",
        kind: Kind::Usize,
        secret: false,
        default: DefaultValue::Fixed("67108864"),
        doc: "Largest body of a project import, in bytes (1024 to 1073741824).",
        show: |c| Shown::Number(c.spec.import_max_bytes as u64),
    },
    Key {
        path: "spec.import_max_items",
        kind: Kind::Usize,
        secret: false,
        default: DefaultValue::Fixed("200000"),
        doc: "Most work items one project import may create.",
        show: |c| Shown::Number(c.spec.import_max_items as u64),
    },
    Key {
        path: "collab.room_grace",
        kind: Kind::Duration,
        secret: false,
        default: DefaultValue::Fixed("30s"),
        doc: "A live document unloads this long after its last client left.",
        show: |c| duration(c.collab.room_grace),
    },
    Key {
        path: "collab.awareness_timeout",
        kind: Kind::Duration,
        secret: false,
        default: DefaultValue::Fixed("30s"),
        doc: "Presence (cursor, name) of a client that sends nothing for this long is removed.",
        show: |c| duration(c.collab.awareness_timeout),
    },
    Key {
        path: "collab.projection_debounce",
        kind: Kind::Duration,
        secret: false,
        default: DefaultValue::Fixed("2s"),
        doc: "Live edits reach the item's row, ETag and search this long after the last one...",
        show: |c| duration(c.collab.projection_debounce),
    },
    Key {
        path: "collab.projection_max_wait",
        kind: Kind::Duration,
        secret: false,
        default: DefaultValue::Fixed("10s"),
        doc: "...or this long after the first edit not yet there, while edits keep coming.",
        show: |c| duration(c.collab.projection_max_wait),
    },
    Key {
        path: "collab.session_idle",
        kind: Kind::Duration,
        secret: false,
        default: DefaultValue::Fixed("5m"),
        doc: "An editing session (one person's continuous edits on one item) ends after this long\n              without an edit.",
        show: |c| duration(c.collab.session_idle),
    },
    Key {
        path: "collab.compact_every",
        kind: Kind::Usize,
        secret: false,
        default: DefaultValue::Fixed("500"),
        doc: "Updates in a document's log before it is compacted into a snapshot.",
        show: |c| Shown::Number(c.collab.compact_every as u64),
    },
    Key {
        path: "collab.max_message_bytes",
        kind: Kind::Usize,
        secret: false,
        default: DefaultValue::Fixed("4194304"),
        doc: "Largest message a client may send on a document's socket, in bytes.",
        show: |c| Shown::Number(c.collab.max_message_bytes as u64),
    },
    Key {
        path: "collab.client_queue",
        kind: Kind::Usize,
        secret: false,
        default: DefaultValue::Fixed("512"),
        doc: "Messages queued for one client before it is disconnected as too slow (it\n              reconnects and resynchronises).",
        show: |c| Shown::Number(c.collab.client_queue as u64),
    },
    Key {
        path: "history.version_idle",
        kind: Kind::Duration,
        secret: false,
        default: DefaultValue::Fixed("30s"),
        doc: "An automatic version of a work item closes when the item has had no change for\n              this long.",
        show: |c| duration(c.history.version_idle),
    },
    Key {
        path: "history.version_max",
        kind: Kind::Duration,
        secret: false,
        default: DefaultValue::Fixed("5m"),
        doc: "An automatic version closes at the latest this long after its first change, even\n              while editing goes on.",
        show: |c| duration(c.history.version_max),
    },
    Key {
        path: "history.close_interval",
        kind: Kind::Duration,
        secret: false,
        default: DefaultValue::Fixed("5s"),
        doc: "How often automatic versions due to close are looked for.",
        show: |c| duration(c.history.close_interval),
    },
    Key {
        path: "activity.dispatch_interval",
        kind: Kind::Duration,
        secret: false,
        default: DefaultValue::Fixed("1s"),
        doc: "How often the activity outbox is checked for activity to deliver (live streams,\n              notifications, webhooks) besides the check after each commit that recorded some; a\n              safety net for activity committed by another node or a missed wake-up.",
        show: |c| duration(c.activity.dispatch_interval),
    },
    Key {
        path: "activity.dispatch_gap",
        kind: Kind::Duration,
        secret: false,
        default: DefaultValue::Fixed("20ms"),
        doc: "After a pass of the activity dispatcher that delivered activity, the next pass waits\n              at least this long, so that activity committed meanwhile is claimed together: under\n              load the dispatcher takes the database's writer once for many activities instead of\n              after every commit. The first activity after a quiet spell is delivered at once;\n              later ones wait at most this long more.",
        show: |c| duration(c.activity.dispatch_gap),
    },
    Key {
        path: "activity.max_attempts",
        kind: Kind::U32,
        secret: false,
        default: DefaultValue::Fixed("8"),
        doc: "Attempts in all before an activity a consumer (notifications, webhooks, live\n\
              delivery) keeps failing on is set aside as a dead letter; the others go on.",
        show: |c| Shown::Number(u64::from(c.activity.max_attempts)),
    },
    Key {
        path: "activity.retry_base",
        kind: Kind::Duration,
        secret: false,
        default: DefaultValue::Fixed("1s"),
        doc: "Delay before an activity a consumer failed on is tried again; it doubles with\n\
              each further failure.",
        show: |c| duration(c.activity.retry_base),
    },
    Key {
        path: "activity.retry_max",
        kind: Kind::Duration,
        secret: false,
        default: DefaultValue::Fixed("5m"),
        doc: "Longest delay between two attempts of an activity.",
        show: |c| duration(c.activity.retry_max),
    },
    Key {
        path: "audit.chain_interval",
        kind: Kind::Duration,
        secret: false,
        default: DefaultValue::Fixed("200ms"),
        doc: "How often committed audit records are linked into their organization's hash chain\n              (reading, exporting and verifying the log link them first).",
        show: |c| duration(c.audit.chain_interval),
    },
    Key {
        path: "audit.retention_interval",
        kind: Kind::Duration,
        secret: false,
        default: DefaultValue::Fixed("1h"),
        doc: "How often each organization's retention policy (old audit records, automatic\n              versions) is applied.",
        show: |c| duration(c.audit.retention_interval),
    },
    Key {
        path: "webhooks.allow_private_targets",
        kind: Kind::Bool,
        secret: false,
        default: DefaultValue::Fixed("false"),
        doc: "Let webhooks target loopback, private, link-local and other internal addresses.\n\
              Leave off unless every internal service the server can reach may receive them\n\
              (webhook URLs are chosen by team admins).",
        show: |c| Shown::Bool(c.webhooks.allow_private_targets),
    },
    Key {
        path: "webhooks.timeout",
        kind: Kind::Duration,
        secret: false,
        default: DefaultValue::Fixed("10s"),
        doc: "How long one delivery attempt may take, connecting included.",
        show: |c| duration(c.webhooks.timeout),
    },
    Key {
        path: "webhooks.delivery_retention",
        kind: Kind::Duration,
        secret: false,
        default: DefaultValue::Fixed("30d"),
        doc: "Finished deliveries (succeeded or given up) stay in a hook's delivery log this\n\
              long; the retention job (`audit.retention_interval`) removes older ones.",
        show: |c| duration(c.webhooks.delivery_retention),
    },
    Key {
        path: "webhooks.max_attempts",
        kind: Kind::U32,
        secret: false,
        default: DefaultValue::Fixed("8"),
        doc: "Attempts in all (the first included) before a delivery is given up.",
        show: |c| Shown::Number(u64::from(c.webhooks.max_attempts)),
    },
    Key {
        path: "webhooks.backoff_base",
        kind: Kind::Duration,
        secret: false,
        default: DefaultValue::Fixed("10s"),
        doc: "Delay after the first failed attempt; it doubles with each further failure\n\
              (with jitter: between half and all of it).",
        show: |c| duration(c.webhooks.backoff_base),
    },
    Key {
        path: "webhooks.backoff_max",
        kind: Kind::Duration,
        secret: false,
        default: DefaultValue::Fixed("1h"),
        doc: "Longest delay between two attempts of a delivery.",
        show: |c| duration(c.webhooks.backoff_max),
    },
    Key {
        path: "webhooks.disable_after",
        kind: Kind::U32,
        secret: false,
        default: DefaultValue::Fixed("20"),
        doc: "Failed attempts in a row after which a webhook is switched off (an admin\n\
              switches it on again).",
        show: |c| Shown::Number(u64::from(c.webhooks.disable_after)),
    },
    Key {
        path: "webhooks.max_body_bytes",
        kind: Kind::Usize,
        secret: false,
        default: DefaultValue::Fixed("262144"),
        doc: "Largest delivery body, in bytes; event data that would make it larger is left\n\
              out of the body (data_omitted: true).",
        show: |c| Shown::Number(c.webhooks.max_body_bytes as u64),
    },
    Key {
        path: "webhooks.poll_interval",
        kind: Kind::Duration,
        secret: false,
        default: DefaultValue::Fixed("1s"),
        doc: "How often the delivery worker looks for due deliveries.",
        show: |c| duration(c.webhooks.poll_interval),
    },
    Key {
        path: "notifications.digest_interval",
        kind: Kind::Duration,
        secret: false,
        default: DefaultValue::Fixed("1h"),
        doc: "Digest lines are mailed together, one mail per person, once the oldest of that\n              person's lines is this old.",
        show: |c| duration(c.notifications.digest_interval),
    },
    Key {
        path: "notifications.digest_check_interval",
        kind: Kind::Duration,
        secret: false,
        default: DefaultValue::Fixed("1m"),
        doc: "How often digests that are due are looked for and sent.",
        show: |c| duration(c.notifications.digest_check_interval),
    },
    Key {
        path: "ai.provider",
        kind: Kind::Enum(&["offline", "openai"]),
        secret: false,
        default: DefaultValue::Fixed("offline"),
        doc: "Who writes AI text: offline (built-in templates over the item's context; no\n\
              network, works air-gapped) or openai (any OpenAI-compatible chat completions API).",
        show: |c| {
            text(match c.ai.provider {
                AiProviderKind::Offline => "offline",
                AiProviderKind::OpenAi => "openai",
            })
        },
    },
    Key {
        path: "ai.base_url",
        kind: Kind::String,
        secret: false,
        default: DefaultValue::Unset {
            example: "https://api.openai.com/v1",
        },
        doc: "Base URL of the OpenAI-compatible API (http or https, up to the version).\n\
              Required when ai.provider is openai.",
        show: |c| c.ai.base_url.as_ref().map_or(Shown::Unset, text),
    },
    Key {
        path: "ai.model",
        kind: Kind::String,
        secret: false,
        default: DefaultValue::Fixed("gpt-4o-mini"),
        doc: "Model name sent to the OpenAI-compatible API.",
        show: |c| text(&c.ai.model),
    },
    Key {
        path: "ai.api_key",
        kind: Kind::String,
        secret: true,
        default: DefaultValue::Unset { example: "sk-..." },
        doc: "Bearer token for the OpenAI-compatible API (SPECTREE_AI_API_KEY_FILE reads it\n\
              from a file). Leave unset for endpoints that need none.",
        show: |c| optional(c.ai.api_key.as_ref()),
    },
    Key {
        path: "ai.timeout",
        kind: Kind::Duration,
        secret: false,
        default: DefaultValue::Fixed("30s"),
        doc: "Connect timeout for the AI API, and the longest silence inside a streamed answer.",
        show: |c| duration(c.ai.timeout),
    },
    Key {
        path: "ai.offline_token_interval",
        kind: Kind::Duration,
        secret: false,
        default: DefaultValue::Fixed("60ms"),
        doc: "Pause between two tokens of the offline generator, so people watch the text arrive.",
        show: |c| duration(c.ai.offline_token_interval),
    },
    Key {
        path: "ai.max_tokens",
        kind: Kind::U32,
        secret: false,
        default: DefaultValue::Fixed("1024"),
        doc: "Most tokens one AI generation writes (1 to 32768).",
        show: |c| Shown::Number(u64::from(c.ai.max_tokens)),
    },
    Key {
        path: "ai.max_duration",
        kind: Kind::Duration,
        secret: false,
        default: DefaultValue::Fixed("10m"),
        doc: "Longest one AI generation may run; it fails with this reason after that.",
        show: |c| duration(c.ai.max_duration),
    },
];
