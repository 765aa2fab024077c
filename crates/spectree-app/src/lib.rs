//! Use cases of Spec Tree, one folder per domain. A use case authorizes, validates, and then
//! does its writes, its audit record and its outgoing events in one transaction; mail goes
//! out only after that transaction committed.

pub mod activity;
pub mod ai;
pub mod audit;
pub mod collab;
mod context;
pub mod discussion;
pub mod events;
pub mod history;
pub mod identity;
pub mod mail;
pub mod notification;
pub mod org;
pub mod secret;
mod settings;
pub mod shared_views;
pub mod spec;
pub mod webhooks;

use std::sync::{Arc, OnceLock, Weak};

pub use context::{Actor, AuthVia, RequestCtx};
pub use settings::AppSettings;
use spectree_domain::{Clock, Timestamp};
pub use spectree_store as store;
use spectree_store::Store;

use crate::identity::LoginLimiter;
use crate::mail::Mailer;

/// Makes rustls use *ring* (the provider the workspace already builds for mail) for every
/// HTTPS client of the process: webhook deliveries, the OpenAI-compatible AI provider, and
/// any other `reqwest` client in the same build. reqwest is built with `rustls-no-provider`
/// and Cargo unifies features, so every process that builds a reqwest client (the server,
/// the test harness, the benchmarks) calls this first, or building the client panics.
/// Later calls do nothing.
pub fn install_tls_provider() {
    // An error only says a provider is installed already.
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// Everything a use case needs: the store, the clock, settings and outbound mail.
#[derive(Clone)]
pub struct App {
    inner: Arc<Inner>,
}

struct Inner {
    store: Store,
    clock: Arc<dyn Clock>,
    settings: AppSettings,
    mailer: Mailer,
    limiter: LoginLimiter,
    collab: spectree_collab::Collab,
    events: events::ProjectEvents,
    /// The HTTP client of webhook deliveries, built on first use.
    webhook_client: OnceLock<reqwest::Client>,
    /// Wakes the webhook delivery worker when deliveries were queued.
    webhook_wake: tokio::sync::Notify,
    ai: ai::AiRuntime,
    credentials: identity::CredentialEnds,
    /// Sessions and API tokens read lately.
    recent_credentials: identity::RecentCredentials,
    /// Item creates waiting to be written together.
    creates: spec::CreateQueue,
}

impl App {
    /// Runs a use case that commits in several steps (a live-document edit, then its
    /// version and audit record, say) on a task of its own, so a caller that goes away
    /// halfway (an HTTP client disconnecting drops the request's future) cannot leave it
    /// half done: the task finishes whether or not anyone still waits for the answer.
    pub(crate) async fn detached<T, E, F>(&self, use_case: F) -> Result<T, E>
    where
        F: std::future::Future<Output = Result<T, E>> + Send + 'static,
        T: Send + 'static,
        E: Send + 'static,
    {
        match tokio::spawn(use_case).await {
            Ok(outcome) => outcome,
            Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
            // Only a runtime shutting down cancels a spawned task; its callers go with it.
            Err(_) => std::future::pending().await,
        }
    }
}

impl App {
    /// Wires the application. The live-document rooms reach back into the use cases through
    /// a weak reference, so the two do not keep each other alive.
    pub fn new(
        store: Store,
        clock: Arc<dyn Clock>,
        settings: AppSettings,
        mailer: Mailer,
        collab: spectree_collab::CollabSettings,
        fanout: Option<spectree_collab::Fanout>,
    ) -> Self {
        // Every HTTPS client of the process shares reqwest's rustls; it needs a provider.
        install_tls_provider();
        let limiter = LoginLimiter::new(settings.login_max_failures, settings.login_window);
        let inner = Arc::new_cyclic(|weak: &Weak<Inner>| {
            let host = Arc::new(collab::CollabHost::new(weak.clone()));
            let collab =
                spectree_collab::Collab::new(store.clone(), host, clock.clone(), collab, fanout);
            let ai = ai::AiRuntime::new(settings.ai.clone());
            Inner {
                store,
                clock,
                settings,
                mailer,
                limiter,
                collab,
                events: events::ProjectEvents::default(),
                webhook_client: OnceLock::new(),
                webhook_wake: tokio::sync::Notify::new(),
                ai,
                credentials: identity::CredentialEnds::default(),
                recent_credentials: identity::RecentCredentials::default(),
                creates: spec::CreateQueue::default(),
            }
        });
        Self { inner }
    }

    fn from_inner(inner: Arc<Inner>) -> Self {
        Self { inner }
    }

    /// The live documents of this node.
    pub fn collab(&self) -> &spectree_collab::Collab {
        &self.inner.collab
    }

    /// The store.
    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    /// The current time.
    pub fn now(&self) -> Timestamp {
        self.inner.clock.now()
    }

    /// The settings.
    pub fn settings(&self) -> &AppSettings {
        &self.inner.settings
    }

    pub(crate) fn inner_credentials(&self) -> &identity::CredentialEnds {
        &self.inner.credentials
    }

    pub(crate) fn recent_credentials(&self) -> &identity::RecentCredentials {
        &self.inner.recent_credentials
    }

    pub(crate) fn mailer(&self) -> &Mailer {
        &self.inner.mailer
    }

    pub(crate) fn limiter(&self) -> &LoginLimiter {
        &self.inner.limiter
    }

    pub(crate) fn ai(&self) -> &ai::AiRuntime {
        &self.inner.ai
    }
}
