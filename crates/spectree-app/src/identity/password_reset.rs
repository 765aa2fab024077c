//! Password reset by mailed link.

use serde_json::json;
use spectree_domain::identity::Email;
use spectree_domain::ids::OrgId;
use spectree_store::Store;
use spectree_store::identity::user_tokens::{self, Purpose};
use spectree_store::identity::{sessions, users};

use super::IdentityError;
use crate::mail::Mail;
use crate::secret::{hash_password, new_token, token_hash};
use crate::{App, RequestCtx, audit};

impl App {
    /// Mails a reset link when the address has an account. Answers the same either way, so
    /// the endpoint does not reveal who has an account.
    pub async fn request_password_reset(
        &self,
        email: &str,
        ctx: &RequestCtx,
    ) -> Result<(), IdentityError> {
        let Ok(email) = Email::parse(email) else {
            return Ok(());
        };
        let now = self.now();
        let mut tx = self.store().begin().await?;
        let Some(user) = users::by_email(&mut tx, email.as_str()).await? else {
            return Ok(());
        };
        if user.disabled_at.is_some() {
            return Ok(());
        }
        let token = new_token("")?;
        user_tokens::invalidate(&mut tx, user.id, Purpose::ResetPassword, now).await?;
        user_tokens::insert(
            &mut tx,
            &token_hash(&token),
            user.id,
            Purpose::ResetPassword,
            now,
            now.plus(self.settings().password_reset_ttl),
        )
        .await?;
        audit::record(
            &mut tx,
            now,
            OrgId::INSTANCE,
            Some(user.id),
            "user.password_reset_requested",
            ("user", Some(user.id.to_string())),
            ctx,
            json!({}),
        )
        .await?;
        Store::commit(tx).await?;
        self.mailer()
            .send_logged(Mail {
                to: user.email.clone(),
                subject: "Reset your Spec Tree password".into(),
                body: format!(
                    "Hello {},\n\nset a new password by opening this link:\n\n{}/reset-password?token={}\n\nThe link works once. If you did not ask for it, ignore this message.\n",
                    user.name,
                    self.settings().public_url.trim_end_matches('/'),
                    token
                ),
            })
            .await;
        Ok(())
    }

    /// Sets a new password with a reset token; every session of the account ends.
    pub async fn reset_password(
        &self,
        token: &str,
        password: &str,
        ctx: &RequestCtx,
    ) -> Result<(), IdentityError> {
        let now = self.now();
        let hash = token_hash(token);
        let mut tx = self.store().begin().await?;
        let user_id = user_tokens::consume(&mut tx, &hash, Purpose::ResetPassword, now)
            .await?
            .ok_or(IdentityError::InvalidToken)?;
        let user = users::get(&mut tx, user_id)
            .await?
            .ok_or(IdentityError::InvalidToken)?;
        // Checking the policy needs the account's address, known only now; an error here
        // rolls the transaction back, so the token stays usable.
        self.settings()
            .password_policy
            .check(password, &user.email)?;
        let password = password.to_owned();
        let new_hash = tokio::task::spawn_blocking(move || hash_password(&password))
            .await
            .map_err(|e| IdentityError::Invalid(format!("hashing failed: {e}")))??;
        users::set_password(&mut tx, user.id, &new_hash, now).await?;
        // The mailbox answered, so the address is verified too.
        users::mark_verified(&mut tx, user.id, now).await?;
        let ended = sessions::revoke_all(&mut tx, user.id, now).await?;
        audit::record(
            &mut tx,
            now,
            OrgId::INSTANCE,
            Some(user.id),
            "user.password_reset",
            ("user", Some(user.id.to_string())),
            ctx,
            json!({ "sessions_revoked": ended }),
        )
        .await?;
        Store::commit(tx).await?;
        self.credential_ended(super::Ended::SessionsOf(user.id));
        Ok(())
    }
}
