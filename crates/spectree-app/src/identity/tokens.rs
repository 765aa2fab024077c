//! Personal API tokens: created (shown once), listed, revoked.

use std::time::Duration;

use serde_json::json;
use spectree_domain::ids::{OrgId, TokenId};
use spectree_domain::page::{Page, PageRequest};
use spectree_store::Store;
use spectree_store::identity::api_tokens::{self, ApiToken};

use super::IdentityError;
use crate::secret::{new_token, token_hash};
use crate::{Actor, App, audit};

/// Prefix of API token secrets.
pub const TOKEN_PREFIX: &str = "stp_";
/// Longest token label.
const MAX_TOKEN_NAME: usize = 100;
/// Longest token lifetime a person may ask for.
const MAX_TOKEN_DAYS: u32 = 3650;

/// A token just created; `secret` is shown to its owner once and never stored.
#[derive(Debug, Clone)]
pub struct NewToken {
    /// The secret to use as `Authorization: Bearer`.
    pub secret: String,
    /// The stored token.
    pub token: ApiToken,
}

impl App {
    /// Creates a personal API token for the actor.
    pub async fn create_token(
        &self,
        actor: &Actor,
        name: &str,
        expires_in_days: Option<u32>,
    ) -> Result<NewToken, IdentityError> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > MAX_TOKEN_NAME {
            return Err(IdentityError::Invalid(format!(
                "a token name is 1 to {MAX_TOKEN_NAME} characters"
            )));
        }
        if expires_in_days.is_some_and(|d| d == 0 || d > MAX_TOKEN_DAYS) {
            return Err(IdentityError::Invalid(format!(
                "expires_in_days must be between 1 and {MAX_TOKEN_DAYS}"
            )));
        }
        let now = self.now();
        let secret = new_token(TOKEN_PREFIX)?;
        let token = ApiToken {
            id: TokenId::new(),
            user_id: actor.user_id,
            name: name.to_owned(),
            prefix: secret.chars().take(TOKEN_PREFIX.len() + 6).collect(),
            created_at: now,
            last_used_at: None,
            expires_at: expires_in_days
                .map(|d| now.plus(Duration::from_secs(u64::from(d) * 86_400))),
            revoked_at: None,
        };
        let mut tx = self.store().begin().await?;
        api_tokens::insert(&mut tx, &token, &token_hash(&secret)).await?;
        audit::record(
            &mut tx,
            now,
            OrgId::INSTANCE,
            Some(actor.user_id),
            "token.created",
            ("api_token", Some(token.id.to_string())),
            &actor.ctx,
            json!({ "name": token.name }),
        )
        .await?;
        Store::commit(tx).await?;
        Ok(NewToken { secret, token })
    }

    /// The actor's live tokens.
    pub async fn list_tokens(
        &self,
        actor: &Actor,
        page: &PageRequest,
    ) -> Result<Page<ApiToken>, IdentityError> {
        let rows = api_tokens::list(
            &mut *self.store().read().await?,
            actor.user_id,
            page.after.as_deref(),
            page.limit + 1,
        )
        .await?;
        Ok(Page::from_overfetch(rows, page.limit, |t| t.id.to_string()))
    }

    /// Revokes one of the actor's tokens.
    pub async fn revoke_token(&self, actor: &Actor, id: TokenId) -> Result<(), IdentityError> {
        let now = self.now();
        let mut tx = self.store().begin().await?;
        if !api_tokens::revoke(&mut tx, actor.user_id, id, now).await? {
            return Err(IdentityError::NotFound);
        }
        audit::record(
            &mut tx,
            now,
            OrgId::INSTANCE,
            Some(actor.user_id),
            "token.revoked",
            ("api_token", Some(id.to_string())),
            &actor.ctx,
            json!({}),
        )
        .await?;
        Store::commit(tx).await?;
        self.credential_ended(super::Ended::Token(id));
        Ok(())
    }
}
