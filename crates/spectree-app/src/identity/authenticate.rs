//! Turning a cookie or a bearer token into an [`Actor`].

use std::time::Duration;

use spectree_domain::Timestamp;
use spectree_store::StoreResult;
use spectree_store::identity::users::User;
use spectree_store::identity::{api_tokens, sessions, users};

use super::IdentityError;
use super::login::{SESSION_PREFIX, session_live};
use super::recent::{Owner, Shelf};
use super::tokens::TOKEN_PREFIX;
use crate::secret::token_hash;
use crate::{Actor, App, AuthVia, RequestCtx};

/// Activity timestamps are written at most this often per session or token.
const TOUCH_EVERY: Duration = Duration::from_secs(60);

impl App {
    /// Requests authenticated from a session or token read lately, and credentials kept now
    /// (for the metrics).
    pub fn credential_cache_stats(&self) -> (u64, usize) {
        self.recent_credentials().stats()
    }

    /// The credential whose secret has this hash, with its owner: as read less than
    /// `auth.credential_cache_ttl` ago, or read now with `read` and kept (docs/decisions/0035).
    async fn kept_or_read<T: Clone>(
        &self,
        shelf: Shelf<'_, T>,
        hash: &str,
        now: Timestamp,
        read: impl Future<Output = StoreResult<Option<(T, User)>>>,
    ) -> StoreResult<Option<(T, Owner)>> {
        let ttl = self.settings().credential_cache_ttl;
        if let Some(kept) = shelf.get(hash, now, ttl) {
            return Ok(Some(kept));
        }
        // Before the read: an end that comes while it runs keeps it out of the cache.
        let ticket = shelf.ticket();
        let Some((credential, user)) = read.await? else {
            return Ok(None);
        };
        let read = (credential, Owner::from(user));
        shelf.keep(ticket, hash.to_owned(), read.clone(), now, ttl);
        Ok(Some(read))
    }

    /// The actor behind a session cookie, or `None` when it is unknown, revoked or expired.
    pub async fn authenticate_session(
        &self,
        secret: &str,
        ctx: RequestCtx,
    ) -> Result<Option<Actor>, IdentityError> {
        if !secret.starts_with(SESSION_PREFIX) {
            return Ok(None);
        }
        let now = self.now();
        let hash = token_hash(secret);
        let recent = self.recent_credentials();
        let read = async {
            let mut c = self.store().read().await?;
            sessions::with_user_by_token_hash(&mut c, &hash).await
        };
        let Some((s, user)) = self
            .kept_or_read(recent.sessions(), &hash, now, read)
            .await?
        else {
            return Ok(None);
        };
        if !session_live(&s, now, self.settings().session_idle_timeout) {
            if s.revoked_at.is_none() {
                self.record_session_expiry(&s, now, &ctx).await?;
                recent.forget(super::Ended::Session(s.id));
            }
            return Ok(None);
        }
        if user.disabled {
            return Ok(None);
        }
        if s.last_seen_at.plus(TOUCH_EVERY) <= now {
            let mut tx = self.store().begin().await?;
            sessions::touch(&mut tx, s.id, now).await?;
            spectree_store::Store::commit(tx).await?;
            recent.sessions().update(&hash, |s| s.last_seen_at = now);
        }
        Ok(Some(Actor {
            user_id: user.id,
            email: user.email,
            name: user.name,
            instance_admin: user.instance_admin,
            via: AuthVia::Session {
                id: s.id,
                csrf_token: s.csrf_token,
            },
            ctx,
        }))
    }

    /// Marks a session that timed out as ended and records it, the first time it is presented
    /// after expiring (that is when an expiry becomes observable).
    pub(crate) async fn record_session_expiry(
        &self,
        s: &sessions::Session,
        now: spectree_domain::Timestamp,
        ctx: &RequestCtx,
    ) -> Result<(), IdentityError> {
        let mut tx = self.store().begin().await?;
        if sessions::revoke(&mut tx, s.user_id, s.id, now).await? {
            let reason = if now >= s.expires_at {
                "absolute"
            } else {
                "idle"
            };
            crate::audit::record(
                &mut tx,
                now,
                spectree_domain::ids::OrgId::INSTANCE,
                Some(s.user_id),
                "session.expired",
                ("session", Some(s.id.to_string())),
                ctx,
                serde_json::json!({ "reason": reason }),
            )
            .await?;
        }
        spectree_store::Store::commit(tx).await?;
        Ok(())
    }

    /// The actor behind a personal API token, or `None` when it is unknown, revoked or
    /// expired.
    pub async fn authenticate_token(
        &self,
        secret: &str,
        ctx: RequestCtx,
    ) -> Result<Option<Actor>, IdentityError> {
        if !secret.starts_with(TOKEN_PREFIX) {
            return Ok(None);
        }
        let now = self.now();
        let hash = token_hash(secret);
        let recent = self.recent_credentials();
        let read = async {
            let mut c = self.store().read().await?;
            api_tokens::with_owner_by_hash(&mut c, &hash).await
        };
        let Some((t, user)) = self.kept_or_read(recent.tokens(), &hash, now, read).await? else {
            return Ok(None);
        };
        if t.revoked_at.is_some() || t.expires_at.is_some_and(|e| e <= now) {
            return Ok(None);
        }
        if user.disabled {
            return Ok(None);
        }
        if t.last_used_at.is_none_or(|u| u.plus(TOUCH_EVERY) <= now) {
            let mut tx = self.store().begin().await?;
            api_tokens::touch(&mut tx, t.id, now).await?;
            spectree_store::Store::commit(tx).await?;
            recent
                .tokens()
                .update(&hash, |t| t.last_used_at = Some(now));
        }
        Ok(Some(Actor {
            user_id: user.id,
            email: user.email,
            name: user.name,
            instance_admin: user.instance_admin,
            via: AuthVia::Token { id: t.id },
            ctx,
        }))
    }

    /// The actor's account as stored now.
    pub async fn current_user(
        &self,
        actor: &Actor,
    ) -> Result<spectree_store::identity::users::User, IdentityError> {
        users::get(&mut *self.store().read().await?, actor.user_id)
            .await?
            .ok_or(IdentityError::NotFound)
    }
}
