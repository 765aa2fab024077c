//! Turns the winning raw values into a validated [`Config`]: type conversion, range checks and
//! the derived defaults (`database_url`, `public_url`, `http.secure_cookies`).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use spectree_domain::identity::SignupMode;

use super::error::{ConfigError, Origin};
use super::keys::{self, Kind};
use super::layers::Layers;
use super::model::{
    ActivityConfig, AiConfig, AiProviderKind, AuditConfig, AuthConfig, CollabConfig, Config,
    DatabaseConfig, HistoryConfig, HttpConfig, LogFormat, MailConfig, NotificationsConfig,
    SignupConfig, SpecConfig, WebhooksConfig,
};
use super::raw::Raw;
use super::secret::Secret;

/// 256 MiB: the largest `http.max_body_bytes` accepted.
const MAX_BODY_LIMIT: usize = 256 * 1024 * 1024;

/// Builds the configuration from the layered values.
pub(super) fn build(layers: &Layers) -> Result<Config, ConfigError> {
    let values = Values(layers);
    let listen: SocketAddr = values.required("listen", |raw| {
        let text = raw.string()?;
        text.trim().parse().map_err(|_| {
            format!("invalid socket address {text:?}; expected ip:port, e.g. 127.0.0.1:8080")
        })
    })?;
    let data_dir = values.required("data_dir", |raw| {
        let text = raw.string()?;
        if text.trim().is_empty() {
            return Err("must not be empty".to_owned());
        }
        Ok(PathBuf::from(text))
    })?;
    let database_url = match values.optional("database_url", database_url)? {
        Some(url) => url,
        None => Secret::new(format!(
            "sqlite://{}",
            data_dir.join("spectree.db").display()
        )),
    };
    let public_url = values
        .optional("public_url", public_url)?
        .unwrap_or_else(|| format!("http://{listen}"));
    let secure_cookies = values
        .optional("http.secure_cookies", Raw::boolean)?
        .unwrap_or_else(|| public_url.starts_with("https://"));

    Ok(Config {
        listen,
        data_dir,
        database_url,
        redis_url: values.optional("redis_url", redis_url)?.flatten(),
        public_url,
        log_format: values.required("log_format", |raw| {
            Ok(match raw.choice(choices("log_format"))? {
                "json" => LogFormat::Json,
                _ => LogFormat::Text,
            })
        })?,
        database: DatabaseConfig {
            max_connections: values.required("database.max_connections", |raw| {
                at_least(raw.integer()?, 1)
            })?,
            acquire_timeout: values.required("database.acquire_timeout", Raw::duration)?,
            sqlite_group_commit: values.required("database.sqlite_group_commit", |raw| {
                between(raw.integer()?, 1, 1000)
            })?,
            sqlite_writer_cache_kib: values
                .required("database.sqlite_writer_cache_kib", |raw| {
                    between(raw.integer()?, 256, 4 * 1024 * 1024)
                })?,
            cache_fit_interval: values.required("database.cache_fit_interval", Raw::duration)?,
            sqlite_checkpoint_interval: values
                .required("database.sqlite_checkpoint_interval", Raw::duration)?,
            sqlite_reader_cache_kib: values
                .required("database.sqlite_reader_cache_kib", |raw| {
                    between(raw.integer()?, 64, 4 * 1024 * 1024)
                })?,
        },
        http: HttpConfig {
            max_body_bytes: values.required("http.max_body_bytes", |raw| {
                between(raw.integer()?, 1024, MAX_BODY_LIMIT)
            })?,
            secure_cookies,
            trust_forwarded_for: values.required("http.trust_forwarded_for", Raw::boolean)?,
        },
        auth: AuthConfig {
            session_idle_timeout: values.required("auth.session_idle_timeout", Raw::duration)?,
            session_absolute_timeout: values
                .required("auth.session_absolute_timeout", Raw::duration)?,
            stream_recheck_interval: values
                .required("auth.stream_recheck_interval", Raw::duration)?,
            credential_cache_ttl: values.required("auth.credential_cache_ttl", |raw| {
                let ttl = raw.duration_or_zero()?;
                if ttl > Duration::from_secs(60) {
                    return Err(format!(
                        "must be at most 1m, got {}",
                        humantime::format_duration(ttl)
                    ));
                }
                Ok(ttl)
            })?,
            verification_ttl: values.required("auth.verification_ttl", Raw::duration)?,
            password_reset_ttl: values.required("auth.password_reset_ttl", Raw::duration)?,
            invitation_ttl: values.required("auth.invitation_ttl", Raw::duration)?,
            login_max_failures: values
                .required("auth.login_max_failures", |raw| at_least(raw.integer()?, 1))?,
            login_window: values.required("auth.login_window", Raw::duration)?,
            password_min_length: values.required("auth.password_min_length", |raw| {
                between(raw.integer()?, 8, 256)
            })?,
        },
        signup: SignupConfig {
            mode: values.required("signup.mode", |raw| {
                Ok(match raw.choice(choices("signup.mode"))? {
                    "invite_only" => SignupMode::InviteOnly,
                    _ => SignupMode::Open,
                })
            })?,
            allowed_domains: values.required("signup.allowed_domains", allowed_domains)?,
        },
        mail: MailConfig {
            from: values.required("mail.from", mail_from)?,
            smtp_url: values.optional("mail.smtp_url", smtp_url)?.flatten(),
        },
        spec: SpecConfig {
            trash_retention: values.required("spec.trash_retention", Raw::duration)?,
            trash_purge_interval: values.required("spec.trash_purge_interval", Raw::duration)?,
            import_max_bytes: values.required("spec.import_max_bytes", |raw| {
                between(raw.integer()?, 1024, 1 << 30)
            })?,
            import_max_items: values
                .required("spec.import_max_items", |raw| at_least(raw.integer()?, 1))?,
        },
        collab: CollabConfig {
            room_grace: values.required("collab.room_grace", Raw::duration)?,
            awareness_timeout: values.required("collab.awareness_timeout", Raw::duration)?,
            projection_debounce: values.required("collab.projection_debounce", Raw::duration)?,
            projection_max_wait: values.required("collab.projection_max_wait", Raw::duration)?,
            session_idle: values.required("collab.session_idle", Raw::duration)?,
            compact_every: values
                .required("collab.compact_every", |raw| at_least(raw.integer()?, 1))?,
            max_message_bytes: values.required("collab.max_message_bytes", |raw| {
                between(raw.integer()?, 1024, 1 << 30)
            })?,
            client_queue: values
                .required("collab.client_queue", |raw| at_least(raw.integer()?, 8))?,
        },
        history: HistoryConfig {
            version_idle: values.required("history.version_idle", Raw::duration)?,
            version_max: values.required("history.version_max", Raw::duration)?,
            close_interval: values.required("history.close_interval", Raw::duration)?,
        },
        audit: AuditConfig {
            chain_interval: values.required("audit.chain_interval", Raw::duration)?,
            retention_interval: values.required("audit.retention_interval", Raw::duration)?,
        },
        webhooks: WebhooksConfig {
            allow_private_targets: values
                .required("webhooks.allow_private_targets", Raw::boolean)?,
            timeout: values.required("webhooks.timeout", Raw::duration)?,
            max_attempts: values.required("webhooks.max_attempts", |raw| {
                between(raw.integer()?, 1, 100)
            })?,
            backoff_base: values.required("webhooks.backoff_base", Raw::duration)?,
            backoff_max: values.required("webhooks.backoff_max", Raw::duration)?,
            delivery_retention: values.required("webhooks.delivery_retention", Raw::duration)?,
            disable_after: values
                .required("webhooks.disable_after", |raw| at_least(raw.integer()?, 1))?,
            max_body_bytes: values.required("webhooks.max_body_bytes", |raw| {
                between(raw.integer()?, 1024, 16 << 20)
            })?,
            poll_interval: values.required("webhooks.poll_interval", Raw::duration)?,
        },
        activity: ActivityConfig {
            dispatch_interval: values.required("activity.dispatch_interval", Raw::duration)?,
            dispatch_gap: values.required("activity.dispatch_gap", Raw::duration)?,
            max_attempts: values.required("activity.max_attempts", |raw| {
                between(raw.integer()?, 1, 1000)
            })?,
            retry_base: values.required("activity.retry_base", Raw::duration)?,
            retry_max: values.required("activity.retry_max", Raw::duration)?,
        },
        notifications: NotificationsConfig {
            digest_interval: values.required("notifications.digest_interval", Raw::duration)?,
            digest_check_interval: values
                .required("notifications.digest_check_interval", Raw::duration)?,
        },
        ai: ai_config(&values)?,
    })
}

fn ai_config(values: &Values<'_>) -> Result<AiConfig, ConfigError> {
    let provider = values.required("ai.provider", |raw| {
        Ok(match raw.choice(choices("ai.provider"))? {
            "openai" => AiProviderKind::OpenAi,
            _ => AiProviderKind::Offline,
        })
    })?;
    let base_url = values.optional("ai.base_url", ai_base_url)?.flatten();
    if provider == AiProviderKind::OpenAi && base_url.is_none() {
        return Err(ConfigError::Invalid {
            key: "ai.base_url",
            message: "must be set when ai.provider is openai".to_owned(),
            origin: values
                .0
                .get("ai.provider")
                .map_or(Origin::Default, |(_, origin)| origin.clone()),
        });
    }
    Ok(AiConfig {
        provider,
        base_url,
        model: values.required("ai.model", |raw| {
            let m = raw.string()?.trim().to_owned();
            if m.is_empty() {
                return Err("must not be empty".to_owned());
            }
            Ok(m)
        })?,
        api_key: values
            .optional("ai.api_key", |raw| {
                let key = raw.string()?.trim().to_owned();
                Ok((!key.is_empty()).then(|| Secret::new(key)))
            })?
            .flatten(),
        timeout: values.required("ai.timeout", Raw::duration)?,
        offline_token_interval: values.required("ai.offline_token_interval", Raw::duration)?,
        max_tokens: values.required("ai.max_tokens", |raw| between(raw.integer()?, 1, 32_768))?,
        max_duration: values.required("ai.max_duration", Raw::duration)?,
    })
}

/// An empty value means "none", so the environment can unset what the file set.
fn ai_base_url(raw: &Raw) -> Result<Option<String>, String> {
    let text = raw.string()?;
    let url = text.trim().trim_end_matches('/');
    if url.is_empty() {
        return Ok(None);
    }
    match scheme(url).as_deref() {
        Some("http" | "https") if url.contains("://") => Ok(Some(url.to_owned())),
        _ => Err(format!(
            "invalid URL {text:?}; expected http://... or https://..."
        )),
    }
}

/// Typed access to the layered values; conversion errors gain the key and the origin.
struct Values<'a>(&'a Layers);

impl Values<'_> {
    fn optional<T>(
        &self,
        key: &'static str,
        convert: impl FnOnce(&Raw) -> Result<T, String>,
    ) -> Result<Option<T>, ConfigError> {
        self.0
            .get(key)
            .map(|(raw, origin)| {
                convert(raw).map_err(|message| ConfigError::Invalid {
                    key,
                    message,
                    origin: origin.clone(),
                })
            })
            .transpose()
    }

    fn required<T>(
        &self,
        key: &'static str,
        convert: impl FnOnce(&Raw) -> Result<T, String>,
    ) -> Result<T, ConfigError> {
        self.optional(key, convert)?
            .ok_or(ConfigError::Missing { key })
    }
}

/// The allowed values of an enum key, from the key table.
fn choices(path: &str) -> &'static [&'static str] {
    match keys::find(path).map(|key| key.kind) {
        Some(Kind::Enum(choices)) => choices,
        _ => &[],
    }
}

fn at_least<T: PartialOrd + std::fmt::Display>(value: T, min: T) -> Result<T, String> {
    if value < min {
        return Err(format!("must be at least {min}, got {value}"));
    }
    Ok(value)
}

fn between<T: PartialOrd + std::fmt::Display>(value: T, min: T, max: T) -> Result<T, String> {
    if value < min || value > max {
        return Err(format!("must be between {min} and {max}, got {value}"));
    }
    Ok(value)
}

/// The URL's scheme (before the first `:`), lowercased, if it has a plausible one.
fn scheme(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once(':')?;
    let plausible = !scheme.is_empty()
        && !rest.is_empty()
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    plausible.then(|| scheme.to_ascii_lowercase())
}

fn database_url(raw: &Raw) -> Result<Secret, String> {
    let url = raw.string()?.trim().to_owned();
    match scheme(&url).as_deref() {
        Some("sqlite" | "postgres" | "postgresql") => Ok(Secret::new(url)),
        _ => Err("must be a sqlite:, postgres: or postgresql: URL".to_owned()),
    }
}

/// An empty value means "none", so the environment can unset what the file set.
fn redis_url(raw: &Raw) -> Result<Option<Secret>, String> {
    let url = raw.string()?.trim().to_owned();
    if url.is_empty() {
        return Ok(None);
    }
    match scheme(&url).as_deref() {
        Some("redis" | "rediss") => Ok(Some(Secret::new(url))),
        _ => Err("must be a redis: or rediss: URL".to_owned()),
    }
}

/// An empty value means "none", so the environment can unset what the file set.
fn smtp_url(raw: &Raw) -> Result<Option<Secret>, String> {
    let url = raw.string()?.trim().to_owned();
    if url.is_empty() {
        return Ok(None);
    }
    match scheme(&url).as_deref() {
        Some("smtp" | "smtps") => Ok(Some(Secret::new(url))),
        _ => Err("must be an smtp: or smtps: URL".to_owned()),
    }
}

fn public_url(raw: &Raw) -> Result<String, String> {
    let text = raw.string()?;
    let url = text.trim().trim_end_matches('/');
    let host = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"));
    match host {
        Some(host) if !host.is_empty() => Ok(url.to_owned()),
        _ => Err(format!(
            "invalid URL {text:?}; expected http://... or https://..."
        )),
    }
}

fn allowed_domains(raw: &Raw) -> Result<Vec<String>, String> {
    raw.list()?
        .into_iter()
        .map(|domain| {
            let domain = domain.trim().to_ascii_lowercase();
            let valid = domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !domain.contains(|c: char| c == '@' || c.is_whitespace());
            if valid {
                Ok(domain)
            } else {
                Err(format!(
                    "invalid domain {domain:?}; expected e.g. example.com"
                ))
            }
        })
        .collect()
}

fn mail_from(raw: &Raw) -> Result<String, String> {
    let text = raw.string()?;
    if !text.contains('@') {
        return Err(format!(
            "invalid sender {text:?}; expected e.g. \"Spec Tree <spectree@example.com>\""
        ));
    }
    Ok(text.trim().to_owned())
}
