//! Streams that outlive a request (project event streams, live-document sockets) end when
//! the session or API token that opened them ends: at once when it is signed out or revoked
//! on this node (a broadcast), and at the latest `auth.stream_recheck_interval` later
//! otherwise (revoked on another node, or expired by the idle or absolute timeout, measured
//! on the injected clock).

use std::time::Duration;

use spectree_domain::ids::{SessionId, TokenId, UserId};
use spectree_store::identity::{api_tokens, sessions, users};
use tokio::sync::broadcast;
use tokio::time::{Interval, MissedTickBehavior};

use super::IdentityError;
use super::login::session_live;
use crate::context::AuthVia;
use crate::{Actor, App};

/// Ended credentials one node buffers for its streams before they recheck anyway.
const CAPACITY: usize = 256;

/// A credential that ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ended {
    /// One session (signed out, revoked or expired).
    Session(SessionId),
    /// Every session of a user (password reset).
    SessionsOf(UserId),
    /// One API token (revoked).
    Token(TokenId),
}

impl Ended {
    fn concerns(self, actor: &Actor) -> bool {
        match (self, &actor.via) {
            (Ended::Session(s), AuthVia::Session { id, .. }) => s == *id,
            (Ended::SessionsOf(u), AuthVia::Session { .. }) => u == actor.user_id,
            (Ended::Token(t), AuthVia::Token { id }) => t == *id,
            _ => false,
        }
    }
}

/// The node's hub of ended credentials.
pub struct CredentialEnds {
    tx: broadcast::Sender<Ended>,
}

impl Default for CredentialEnds {
    fn default() -> Self {
        Self {
            tx: broadcast::Sender::new(CAPACITY),
        }
    }
}

/// Watches the credential of one open stream.
pub struct CredentialWatch {
    app: App,
    actor: Actor,
    rx: broadcast::Receiver<Ended>,
    tick: Interval,
    /// A check is owed: set before the storage read and cleared only once it answered, so a
    /// `select!` that drops `ended()` mid-read does not lose the event that asked for it.
    owed: bool,
}

impl CredentialWatch {
    /// Resolves once the credential is no longer valid (a storage failure counts as still
    /// valid and is checked again at the next tick). Cancel-safe: it can sit in a `select!`
    /// loop; an event taken before a cancellation is checked at the next call.
    pub async fn ended(&mut self) {
        loop {
            if !self.owed {
                self.owed = tokio::select! {
                    got = self.rx.recv() => match got {
                        Ok(e) => e.concerns(&self.actor),
                        // Missed some: check to be sure.
                        Err(broadcast::error::RecvError::Lagged(_)) => true,
                        Err(broadcast::error::RecvError::Closed) => false,
                    },
                    _ = self.tick.tick() => true,
                };
            }
            if self.owed {
                // Boxed: the check's future is large (1.7 KB) and rarely needed, and a watch
                // lives as long as the socket or stream it watches.
                let valid = Box::pin(self.app.credential_valid(&self.actor)).await;
                self.owed = false;
                match valid {
                    Ok(false) => return,
                    Ok(true) => {}
                    Err(e) => tracing::warn!(error = %e, "rechecking a stream's credential failed"),
                }
            }
        }
    }
}

impl App {
    /// Tells this node that a credential ended: its cached read is forgotten and its open
    /// streams end.
    pub(crate) fn credential_ended(&self, e: Ended) {
        self.recent_credentials().forget(e);
        let _ = self.inner_credentials().tx.send(e);
    }

    /// A watch on the credential `actor` authenticated with, for a stream it opens.
    pub fn watch_credential(&self, actor: &Actor) -> CredentialWatch {
        let every = self
            .settings()
            .stream_recheck_interval
            .max(Duration::from_millis(10));
        let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
        tick.set_missed_tick_behavior(MissedTickBehavior::Delay);
        CredentialWatch {
            app: self.clone(),
            actor: actor.clone(),
            rx: self.inner_credentials().tx.subscribe(),
            tick,
            owed: false,
        }
    }

    /// Whether the session or token `actor` authenticated with is still valid now: not
    /// revoked, not past its idle or absolute timeout, its user not disabled. A session
    /// found expired is recorded as such (`session.expired`), as at its next request.
    pub async fn credential_valid(&self, actor: &Actor) -> Result<bool, IdentityError> {
        let now = self.now();
        let mut c = self.store().read().await?;
        let live = match &actor.via {
            AuthVia::Session { id, .. } => match sessions::get(&mut c, *id).await? {
                Some(s) if session_live(&s, now, self.settings().session_idle_timeout) => true,
                Some(s) => {
                    drop(c);
                    if s.revoked_at.is_none() {
                        self.record_session_expiry(&s, now, &actor.ctx).await?;
                    }
                    return Ok(false);
                }
                None => false,
            },
            AuthVia::Token { id } => api_tokens::get(&mut c, *id)
                .await?
                .is_some_and(|t| t.revoked_at.is_none() && t.expires_at.is_none_or(|e| e > now)),
        };
        if !live {
            return Ok(false);
        }
        Ok(users::get(&mut c, actor.user_id)
            .await?
            .is_some_and(|u| u.disabled_at.is_none()))
    }
}
