//! Wiring: from a validated [`Config`] to a running server, and the administrative commands
//! that work on the same database.

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use axum::serve::ListenerExt;
use spectree_app::ai::{AiProviderSettings, AiSettings, OpenAiSettings};
use spectree_app::mail::{Mailer, SmtpSettings};
use spectree_app::webhooks::WebhookSettings;
use spectree_app::{App, AppSettings};
use spectree_domain::identity::{PasswordPolicy, SignupPolicy};
use spectree_domain::page::PageRequest;
use spectree_domain::webhooks::RetryPolicy;
use spectree_domain::{Clock, SystemClock};
use spectree_http::HttpSettings;
use spectree_store::blob::LocalBlobs;
use spectree_store::{Store, StoreOptions};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::config::{AiProviderKind, Config, LogFormat};

/// Sets up logging once: `SPECTREE_LOG` (an `EnvFilter`, default `info`) and the configured
/// format.
pub fn init_logging(config: &Config) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("SPECTREE_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stdout()));
    let _ = match config.log_format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().try_init(),
    };
}

/// Opens the data directory and the database, and applies migrations.
pub async fn open_store(config: &Config) -> anyhow::Result<Store> {
    std::fs::create_dir_all(&config.data_dir)
        .with_context(|| format!("creating data directory {}", config.data_dir.display()))?;
    let store = Store::connect(&StoreOptions {
        database_url: config.database_url.expose().to_owned(),
        max_connections: config.database.max_connections,
        acquire_timeout: config.database.acquire_timeout,
        sqlite_group_commit: config.database.sqlite_group_commit,
        sqlite_writer_cache_kib: config.database.sqlite_writer_cache_kib,
        sqlite_reader_cache_kib: config.database.sqlite_reader_cache_kib,
    })
    .await
    .context("connecting to the database")?;
    store.migrate().await.context("applying migrations")?;
    Ok(store)
}

/// The use-case settings from the configuration.
pub fn app_settings(config: &Config) -> AppSettings {
    AppSettings {
        public_url: config.public_url.clone(),
        session_idle_timeout: config.auth.session_idle_timeout,
        session_absolute_timeout: config.auth.session_absolute_timeout,
        stream_recheck_interval: config.auth.stream_recheck_interval,
        credential_cache_ttl: config.auth.credential_cache_ttl,
        verification_ttl: config.auth.verification_ttl,
        password_reset_ttl: config.auth.password_reset_ttl,
        invitation_ttl: config.auth.invitation_ttl,
        login_max_failures: config.auth.login_max_failures,
        login_window: config.auth.login_window,
        password_policy: PasswordPolicy {
            min_chars: config.auth.password_min_length,
        },
        signup: SignupPolicy {
            mode: config.signup.mode,
            allowed_domains: config.signup.allowed_domains.clone(),
        },
        trash_retention: config.spec.trash_retention,
        import_max_items: config.spec.import_max_items,
        version_idle: config.history.version_idle,
        version_max: config.history.version_max,
        webhooks: WebhookSettings {
            allow_private_targets: config.webhooks.allow_private_targets,
            timeout: config.webhooks.timeout,
            retry: RetryPolicy {
                max_attempts: config.webhooks.max_attempts,
                base: config.webhooks.backoff_base,
                max: config.webhooks.backoff_max,
            },
            disable_after: config.webhooks.disable_after,
            max_body_bytes: config.webhooks.max_body_bytes,
            delivery_retention: config.webhooks.delivery_retention,
            ..WebhookSettings::default()
        },
        digest_interval: config.notifications.digest_interval,
        ai: ai_settings(config),
        activity_retry: RetryPolicy {
            max_attempts: config.activity.max_attempts,
            base: config.activity.retry_base,
            max: config.activity.retry_max,
        },
    }
}

/// The AI generation settings from the configuration.
pub fn ai_settings(config: &Config) -> AiSettings {
    let provider = match (config.ai.provider, &config.ai.base_url) {
        (AiProviderKind::OpenAi, Some(base_url)) => AiProviderSettings::OpenAi(OpenAiSettings {
            base_url: base_url.clone(),
            model: config.ai.model.clone(),
            api_key: config.ai.api_key.as_ref().map(|k| k.expose().to_owned()),
            timeout: config.ai.timeout,
        }),
        // Validation refuses openai without a base URL.
        _ => AiProviderSettings::Offline,
    };
    AiSettings {
        provider,
        offline_token_interval: config.ai.offline_token_interval,
        max_tokens: config.ai.max_tokens,
        max_duration: config.ai.max_duration,
    }
}

/// The live-document settings from the configuration.
pub fn collab_settings(config: &Config) -> spectree_collab::CollabSettings {
    spectree_collab::CollabSettings {
        room_grace: config.collab.room_grace,
        awareness_timeout: config.collab.awareness_timeout,
        projection_debounce: config.collab.projection_debounce,
        projection_max_wait: config.collab.projection_max_wait,
        session_idle: config.collab.session_idle,
        compact_every: config.collab.compact_every,
        max_message_bytes: config.collab.max_message_bytes,
        client_queue: config.collab.client_queue,
    }
}

fn mailer(config: &Config) -> anyhow::Result<Mailer> {
    Ok(match &config.mail.smtp_url {
        Some(url) => Mailer::smtp(
            &SmtpSettings {
                url: url.expose().to_owned(),
            },
            config.mail.from.clone(),
        )
        .context("mail.smtp_url")?,
        None => Mailer::outbox(config.data_dir.join("outbox"), config.mail.from.clone())
            .context("creating the mail outbox")?,
    })
}

/// Builds the application on an open store; with `redis_url` set, live documents and
/// project events fan out to the other nodes through Redis (which must be reachable at start).
pub async fn build_app(
    config: &Config,
    store: Store,
    clock: Arc<dyn Clock>,
) -> anyhow::Result<App> {
    LocalBlobs::open(config.data_dir.join("blobs")).context("opening blob storage")?;
    let fanout = match &config.redis_url {
        Some(url) => Some(
            spectree_collab::Fanout::connect(url.expose())
                .await
                .context("redis_url: cannot reach Redis")?,
        ),
        None => None,
    };
    let app = App::new(
        store,
        clock,
        app_settings(config),
        mailer(config)?,
        collab_settings(config),
        fanout,
    );
    if let Some(url) = &config.redis_url {
        app.events()
            .connect_redis(url.expose())
            .await
            .context("redis_url: cannot reach Redis for project events")?;
    }
    Ok(app)
}

/// A server running in the background.
pub struct Running {
    /// Where it listens.
    pub addr: SocketAddr,
    /// The application (for tests that inspect state).
    pub app: App,
    /// The setup code printed at start, when the instance has no administrator yet.
    pub setup_code: Option<String>,
    shutdown: Option<oneshot::Sender<()>>,
    task: JoinHandle<std::io::Result<()>>,
    background: Vec<JoinHandle<()>>,
}

impl Running {
    /// Stops accepting, finishes open requests, and closes the database.
    pub async fn stop(mut self) -> anyhow::Result<()> {
        for task in &self.background {
            task.abort();
        }
        // Open event streams would otherwise hold the graceful shutdown up forever.
        self.app.events().close();
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        (&mut self.task).await.context("server task")??;
        self.app.store().close().await;
        Ok(())
    }

    /// Waits until the server stops by itself (it does not, unless it fails).
    pub async fn wait(mut self) -> anyhow::Result<()> {
        (&mut self.task).await.context("server task")??;
        Ok(())
    }
}

/// Opens everything and starts serving in the background.
pub async fn start(config: Config, clock: Arc<dyn Clock>) -> anyhow::Result<Running> {
    let store = open_store(&config).await?;
    let app = build_app(&config, store, clock).await?;
    let setup_code = app
        .prepare_setup()
        .await
        .context("preparing first-run setup")?;
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("listen: cannot bind {}", config.listen))?;
    let addr = listener.local_addr()?;
    let router = spectree_http::router(
        app.clone(),
        HttpSettings {
            public_url: config.public_url.clone(),
            secure_cookies: config.http.secure_cookies,
            max_body_bytes: config.http.max_body_bytes,
            trust_forwarded_for: config.http.trust_forwarded_for,
            import_max_bytes: config.spec.import_max_bytes,
        },
    );
    let background = vec![
        tokio::spawn(purge_trash_periodically(
            app.clone(),
            config.spec.trash_purge_interval,
        )),
        tokio::spawn(close_versions_periodically(
            app.clone(),
            config.history.close_interval,
        )),
        tokio::spawn(chain_audit_periodically(
            app.clone(),
            config.audit.chain_interval,
        )),
        tokio::spawn(apply_retention_periodically(
            app.clone(),
            config.audit.retention_interval,
        )),
        tokio::spawn(deliver_webhooks_periodically(
            app.clone(),
            config.webhooks.poll_interval,
        )),
        tokio::spawn(crate::activity::dispatch_activity(
            app.clone(),
            crate::activity::consumers(&app),
            config.activity.dispatch_interval,
            config.activity.dispatch_gap,
        )),
        tokio::spawn(send_digests_periodically(
            app.clone(),
            config.notifications.digest_check_interval,
        )),
        tokio::spawn(fit_writer_cache_periodically(
            app.clone(),
            config.database.sqlite_writer_cache_kib,
            config.database.cache_fit_interval,
        )),
        tokio::spawn(checkpoint_wal_periodically(
            app.clone(),
            config.database.sqlite_checkpoint_interval,
        )),
    ];
    let listener = listener.tap_io(|tcp| {
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::debug!(error = %e, "setting TCP_NODELAY failed");
        }
    });
    let (tx, rx) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        axum::serve(
            listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(async {
            let _ = rx.await;
        })
        .await
    });
    Ok(Running {
        addr,
        app,
        setup_code,
        shutdown: Some(tx),
        task,
        background,
    })
}

/// Sizes SQLite's writer page cache to the database (at most `max_kib`) at start and every
/// `interval`, as the database grows or shrinks.
async fn fit_writer_cache_periodically(app: App, max_kib: u32, interval: std::time::Duration) {
    let mut tick = tokio::time::interval(interval);
    loop {
        tick.tick().await;
        match app.store().fit_writer_cache(max_kib).await {
            Ok(Some(kib)) => tracing::debug!(kib, "SQLite writer cache fitted"),
            Ok(None) => return,
            Err(e) => tracing::warn!(error = %e, "fitting the SQLite writer cache failed"),
        }
    }
}

/// Checkpoints SQLite's write-ahead log on a reader every `interval` (decision 0025); ends at
/// once on PostgreSQL.
async fn checkpoint_wal_periodically(app: App, interval: std::time::Duration) {
    let mut tick = tokio::time::interval(interval);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        match app.store().checkpoint_wal().await {
            Ok(Some((frames, copied))) => tracing::trace!(frames, copied, "WAL checkpointed"),
            Ok(None) => return,
            Err(e) => tracing::warn!(error = %e, "checkpointing the SQLite WAL failed"),
        }
    }
}

/// Purges expired trash every `interval` (retention is measured on the app's clock).
async fn purge_trash_periodically(app: App, interval: std::time::Duration) {
    let mut tick = tokio::time::interval(interval);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        match app.purge_expired_trash().await {
            Ok(0) => {}
            Ok(n) => tracing::info!(purged = n, "purged expired trash"),
            Err(e) => tracing::error!(error = %e, "purging expired trash failed"),
        }
    }
}

/// Closes automatic versions that went idle or reached their maximum length, every
/// `interval` (both durations are measured on the app's clock).
async fn close_versions_periodically(app: App, interval: std::time::Duration) {
    let mut tick = tokio::time::interval(interval);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        if let Err(e) = app.close_due_versions().await {
            tracing::error!(error = %e, "closing due versions failed");
        }
    }
}

/// Links committed audit records into their chains every `interval`.
async fn chain_audit_periodically(app: App, interval: std::time::Duration) {
    let mut tick = tokio::time::interval(interval);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        if let Err(e) = app.chain_audit().await {
            tracing::error!(error = %e, "chaining audit records failed");
        }
    }
}

/// Applies every organization's retention policy every `interval` (periods are measured on
/// the app's clock).
async fn apply_retention_periodically(app: App, interval: std::time::Duration) {
    let mut tick = tokio::time::interval(interval);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        match app.apply_retention().await {
            Ok(r)
                if r.audit_removed == 0
                    && r.versions_removed == 0
                    && r.webhook_deliveries_removed == 0 => {}
            Ok(r) => tracing::info!(
                audit_removed = r.audit_removed,
                versions_removed = r.versions_removed,
                webhook_deliveries_removed = r.webhook_deliveries_removed,
                held = r.held,
                "applied retention policies"
            ),
            Err(e) => tracing::error!(error = %e, "applying retention policies failed"),
        }
    }
}

/// Makes the due webhook deliveries when new ones are queued on this node and every
/// `interval` (retries come due on the app's clock; deliveries queued by other nodes); a
/// full batch is followed at once by the next.
async fn deliver_webhooks_periodically(app: App, interval: std::time::Duration) {
    let mut tick = tokio::time::interval(interval);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            () = app.webhook_work_queued() => {}
        }
        loop {
            match app.deliver_due_webhooks().await {
                Ok(r) if r.attempted == 0 => break,
                Ok(r) => tracing::debug!(
                    attempted = r.attempted,
                    succeeded = r.succeeded,
                    "webhook deliveries attempted"
                ),
                Err(e) => {
                    tracing::error!(error = %e, "delivering webhooks failed");
                    break;
                }
            }
        }
    }
}

/// `spectree serve`: runs until Ctrl-C or SIGTERM.
pub async fn serve(config: Config) -> anyhow::Result<()> {
    let data_dir = config.data_dir.clone();
    let database = redact_url(config.database_url.expose());
    let public_url = config.public_url.clone();
    let running = start(config, Arc::new(SystemClock)).await?;
    tracing::info!(
        listen = %running.addr,
        data_dir = %data_dir.display(),
        database = %database,
        "Spec Tree is listening on http://{} (data in {})",
        running.addr,
        data_dir.display()
    );
    if let Some(code) = &running.setup_code {
        tracing::warn!(
            "This instance has no administrator yet. Open {}/setup and enter the one-time setup code {} \
             (or run `spectree admin user create --instance-admin`). Sign-up stays closed until then.",
            public_url.trim_end_matches('/'),
            code
        );
    }
    shutdown_signal().await;
    tracing::info!("shutting down");
    running.stop().await
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}

/// A database URL with any password removed, for the log.
fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            let user = creds.split(':').next().unwrap_or_default();
            format!("{}{user}:***{}", &url[..s + 3], &url[at..])
        }
        _ => url.to_owned(),
    }
}

/// `spectree migrate`.
pub async fn migrate(config: &Config) -> anyhow::Result<()> {
    let store = open_store(config).await?;
    store.close().await;
    Ok(())
}

/// `spectree admin user create`: returns the line to print.
pub async fn admin_create_user(
    config: &Config,
    email: &str,
    name: &str,
    password: &str,
    instance_admin: bool,
) -> anyhow::Result<String> {
    let store = open_store(config).await?;
    let app = build_app(config, store, Arc::new(SystemClock)).await?;
    let user = app
        .create_user(email, name, password, instance_admin)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    app.store().close().await;
    Ok(format!(
        "created user {} <{}>{}",
        user.id,
        user.email,
        if instance_admin {
            " (instance administrator)"
        } else {
            ""
        }
    ))
}

/// `spectree admin user list`: one line per user.
pub async fn admin_list_users(config: &Config) -> anyhow::Result<Vec<String>> {
    let store = open_store(config).await?;
    let app = build_app(config, store, Arc::new(SystemClock)).await?;
    let mut lines = Vec::new();
    let mut after = None;
    loop {
        let page = app
            .list_users(&PageRequest::new(after.clone(), Some(200)))
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        for u in &page.items {
            lines.push(format!(
                "{}\t{}\t{}\t{}{}",
                u.id,
                u.email,
                u.name,
                if u.instance_admin {
                    "instance-admin"
                } else {
                    "user"
                },
                if u.disabled_at.is_some() {
                    "\tdisabled"
                } else {
                    ""
                }
            ));
        }
        match page.next {
            Some(n) => after = Some(n),
            None => break,
        }
    }
    app.store().close().await;
    Ok(lines)
}

/// Mails the notification digests that are due every `interval` (whether one is due is
/// measured on the app's clock against `notifications.digest_interval`).
async fn send_digests_periodically(app: App, interval: std::time::Duration) {
    let mut tick = tokio::time::interval(interval);
    loop {
        tick.tick().await;
        match app.send_due_digests().await {
            Ok(0) => {}
            Ok(n) => tracing::info!(sent = n, "sent notification digests"),
            Err(e) => tracing::error!(error = %e, "sending notification digests failed"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_passwords_are_redacted_for_the_log() {
        assert_eq!(
            redact_url("postgres://app:s3cret@db:5432/spectree"),
            "postgres://app:***@db:5432/spectree"
        );
        assert_eq!(redact_url("sqlite://./data/x.db"), "sqlite://./data/x.db");
    }
}
