//! Log-in, log-out and the creation of sessions.

use serde_json::json;
use spectree_domain::Timestamp;
use spectree_domain::identity::Email;
use spectree_domain::ids::{OrgId, SessionId};
use spectree_store::identity::sessions::{self, Session};
use spectree_store::identity::users::{self, User};
use spectree_store::{AnyConnection, Store};

use super::IdentityError;
use crate::secret::{new_token, token_hash, verify_password};
use crate::{App, AuthVia, RequestCtx, audit};

/// Prefix of session secrets (cookie values).
pub const SESSION_PREFIX: &str = "sts_";

/// A session just created; `secret` goes into the cookie and is never stored.
#[derive(Debug, Clone)]
pub struct NewSession {
    /// The cookie value.
    pub secret: String,
    /// The stored session.
    pub session: Session,
    /// Its user.
    pub user: User,
}

impl App {
    /// Creates a session for `user` inside the caller's transaction.
    pub(crate) async fn open_session(
        &self,
        c: &mut AnyConnection,
        user: &User,
        ctx: &RequestCtx,
    ) -> Result<NewSession, IdentityError> {
        let now = self.now();
        let secret = new_token(SESSION_PREFIX)?;
        let session = Session {
            id: SessionId::new(),
            user_id: user.id,
            csrf_token: new_token("")?,
            created_at: now,
            last_seen_at: now,
            expires_at: now.plus(self.settings().session_absolute_timeout),
            ip: ctx.ip.clone(),
            user_agent: ctx
                .user_agent
                .as_ref()
                .map(|s| s.chars().take(256).collect()),
            revoked_at: None,
        };
        sessions::insert(c, &session, &token_hash(&secret)).await?;
        Ok(NewSession {
            secret,
            session,
            user: user.clone(),
        })
    }

    /// Signs in with email and password. A session the browser already had (`replaces`) is
    /// revoked, so the session id always changes at log-in.
    pub async fn login(
        &self,
        email: &str,
        password: &str,
        ctx: &RequestCtx,
        replaces: Option<SessionId>,
    ) -> Result<NewSession, IdentityError> {
        let now = self.now();
        let normalized = Email::parse(email).map(|e| e.as_str().to_owned());
        let email_key = format!("email:{}", normalized.as_deref().unwrap_or(email));
        let mut keys = vec![email_key.clone()];
        if let Some(ip) = &ctx.ip {
            keys.push(format!("ip:{ip}"));
        }
        self.limiter()
            .check(&keys, now)
            .map_err(|retry_after| IdentityError::RateLimited { retry_after })?;

        let user = match &normalized {
            Ok(e) => users::by_email(&mut *self.store().read().await?, e).await?,
            Err(_) => None,
        };
        let stored = user.as_ref().and_then(|u| u.password_hash.clone());
        let password = password.to_owned();
        let ok = tokio::task::spawn_blocking(move || verify_password(&password, stored.as_deref()))
            .await
            .unwrap_or(false);
        let user = match user {
            Some(u) if ok && u.disabled_at.is_none() => u,
            other => {
                self.limiter().fail(&keys, now);
                let mut tx = self.store().begin().await?;
                audit::record(
                    &mut tx,
                    now,
                    OrgId::INSTANCE,
                    other.as_ref().map(|u| u.id),
                    "auth.login_failed",
                    ("user", other.as_ref().map(|u| u.id.to_string())),
                    ctx,
                    json!({ "email": normalized.as_deref().unwrap_or("(invalid)") }),
                )
                .await?;
                Store::commit(tx).await?;
                return Err(IdentityError::InvalidCredentials);
            }
        };
        if user.email_verified_at.is_none() && !self.settings().signup.allowed_domains.is_empty() {
            return Err(IdentityError::EmailNotVerified);
        }

        let mut tx = self.store().begin().await?;
        if let Some(old) = replaces {
            sessions::revoke(&mut tx, user.id, old, now).await?;
        }
        let new = self.open_session(&mut tx, &user, ctx).await?;
        audit::record(
            &mut tx,
            now,
            OrgId::INSTANCE,
            Some(user.id),
            "auth.login",
            ("session", Some(new.session.id.to_string())),
            ctx,
            json!({ "method": "password" }),
        )
        .await?;
        Store::commit(tx).await?;
        if let Some(old) = replaces {
            self.credential_ended(super::Ended::Session(old));
        }
        self.limiter().clear(&email_key);
        Ok(new)
    }

    /// Ends the actor's current session (no-op for token-authenticated requests).
    pub async fn logout(&self, actor: &crate::Actor) -> Result<(), IdentityError> {
        let AuthVia::Session { id, .. } = &actor.via else {
            return Ok(());
        };
        let now = self.now();
        let mut tx = self.store().begin().await?;
        sessions::revoke(&mut tx, actor.user_id, *id, now).await?;
        audit::record(
            &mut tx,
            now,
            OrgId::INSTANCE,
            Some(actor.user_id),
            "auth.logout",
            ("session", Some(id.to_string())),
            &actor.ctx,
            json!({}),
        )
        .await?;
        Store::commit(tx).await?;
        self.credential_ended(super::Ended::Session(*id));
        Ok(())
    }

    /// A user's live sessions.
    pub async fn list_sessions(
        &self,
        actor: &crate::Actor,
        page: &spectree_domain::page::PageRequest,
    ) -> Result<spectree_domain::page::Page<Session>, IdentityError> {
        let rows = sessions::list_live(
            &mut *self.store().read().await?,
            actor.user_id,
            self.now(),
            page.after.as_deref(),
            page.limit + 1,
        )
        .await?;
        let idle = self.settings().session_idle_timeout;
        let now = self.now();
        let rows: Vec<Session> = rows
            .into_iter()
            .filter(|s| s.last_seen_at.plus(idle) > now)
            .collect();
        Ok(spectree_domain::page::Page::from_overfetch(
            rows,
            page.limit,
            |s| s.id.to_string(),
        ))
    }

    /// Revokes one of the actor's sessions.
    pub async fn revoke_session(
        &self,
        actor: &crate::Actor,
        id: SessionId,
    ) -> Result<(), IdentityError> {
        let now = self.now();
        let mut tx = self.store().begin().await?;
        if !sessions::revoke(&mut tx, actor.user_id, id, now).await? {
            return Err(IdentityError::NotFound);
        }
        audit::record(
            &mut tx,
            now,
            OrgId::INSTANCE,
            Some(actor.user_id),
            "session.revoked",
            ("session", Some(id.to_string())),
            &actor.ctx,
            json!({}),
        )
        .await?;
        Store::commit(tx).await?;
        self.credential_ended(super::Ended::Session(id));
        Ok(())
    }
}

/// Whether a stored session is still live at `now`.
pub(crate) fn session_live(s: &Session, now: Timestamp, idle: std::time::Duration) -> bool {
    s.revoked_at.is_none() && now < s.expires_at && now < s.last_seen_at.plus(idle)
}
