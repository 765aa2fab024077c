//! Personal API tokens. Only the SHA-256 hash of a token is stored; the secret is shown once.

use spectree_domain::Timestamp;
use spectree_domain::ids::{TokenId, UserId};
use sqlx::AnyConnection;
use sqlx::any::AnyRow;

use crate::StoreResult;
use crate::row::{parse, text, ts, ts_opt};

/// A token as stored (without its secret).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiToken {
    /// Id.
    pub id: TokenId,
    /// Owner.
    pub user_id: UserId,
    /// The owner's label for it.
    pub name: String,
    /// The first characters of the secret, to recognise it.
    pub prefix: String,
    /// Created.
    pub created_at: Timestamp,
    /// Last used (updated at most once a minute).
    pub last_used_at: Option<Timestamp>,
    /// Expiry, if any.
    pub expires_at: Option<Timestamp>,
    /// Revoked.
    pub revoked_at: Option<Timestamp>,
}

macro_rules! columns {
    () => {
        "id, user_id, name, prefix, created_at, last_used_at, expires_at, revoked_at"
    };
}

fn from_row(r: &AnyRow) -> StoreResult<ApiToken> {
    Ok(ApiToken {
        id: parse(r, "id")?,
        user_id: parse(r, "user_id")?,
        name: text(r, "name")?,
        prefix: text(r, "prefix")?,
        created_at: ts(r, "created_at")?,
        last_used_at: ts_opt(r, "last_used_at")?,
        expires_at: ts_opt(r, "expires_at")?,
        revoked_at: ts_opt(r, "revoked_at")?,
    })
}

/// Inserts a token under the hash of its secret.
pub async fn insert(c: &mut AnyConnection, t: &ApiToken, token_hash: &str) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO api_tokens (id, user_id, name, token_hash, prefix, created_at, last_used_at, \
         expires_at, revoked_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(t.id.to_string())
    .bind(t.user_id.to_string())
    .bind(&t.name)
    .bind(token_hash)
    .bind(&t.prefix)
    .bind(t.created_at.0)
    .bind(t.last_used_at.map(|v| v.0))
    .bind(t.expires_at.map(|v| v.0))
    .bind(t.revoked_at.map(|v| v.0))
    .execute(c)
    .await?;
    Ok(())
}

/// Finds a token by the hash of its secret, with its owner, in one statement (every request
/// made with a token starts here).
pub async fn with_owner_by_hash(
    c: &mut AnyConnection,
    hash: &str,
) -> StoreResult<Option<(ApiToken, super::users::User)>> {
    // The owner's columns under their own names (read by `users::from_row`), the token's
    // under `token_` names where the two tables share one.
    let row = sqlx::query(
        "SELECT u.id, u.email, u.name, u.password_hash, u.email_verified_at, u.instance_admin, \
         u.created_at, u.disabled_at, t.id AS token_id, t.name AS token_name, t.prefix, \
         t.created_at AS token_created_at, t.last_used_at, t.expires_at, t.revoked_at \
         FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = $1",
    )
    .bind(hash)
    .fetch_optional(c)
    .await?;
    let Some(r) = row else { return Ok(None) };
    let user = super::users::from_row(&r)?;
    let token = ApiToken {
        id: parse(&r, "token_id")?,
        user_id: user.id,
        name: text(&r, "token_name")?,
        prefix: text(&r, "prefix")?,
        created_at: ts(&r, "token_created_at")?,
        last_used_at: ts_opt(&r, "last_used_at")?,
        expires_at: ts_opt(&r, "expires_at")?,
        revoked_at: ts_opt(&r, "revoked_at")?,
    };
    Ok(Some((token, user)))
}

/// Records use.
pub async fn touch(c: &mut AnyConnection, id: TokenId, now: Timestamp) -> StoreResult<()> {
    sqlx::query("UPDATE api_tokens SET last_used_at = $2 WHERE id = $1")
        .bind(id.to_string())
        .bind(now.0)
        .execute(c)
        .await?;
    Ok(())
}

/// Revokes one of a user's tokens; false when there was no such live token.
pub async fn revoke(
    c: &mut AnyConnection,
    user: UserId,
    id: TokenId,
    now: Timestamp,
) -> StoreResult<bool> {
    let r = sqlx::query(
        "UPDATE api_tokens SET revoked_at = $3 WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL",
    )
    .bind(id.to_string())
    .bind(user.to_string())
    .bind(now.0)
    .execute(c)
    .await?;
    Ok(r.rows_affected() > 0)
}

/// A user's unrevoked tokens, in id order after a cursor.
pub async fn list(
    c: &mut AnyConnection,
    user: UserId,
    after: Option<&str>,
    limit: u32,
) -> StoreResult<Vec<ApiToken>> {
    let rows = sqlx::query(concat!(
        "SELECT ",
        columns!(),
        " FROM api_tokens WHERE user_id = $1 AND revoked_at IS NULL AND id > $2 \
         ORDER BY id LIMIT $3"
    ))
    .bind(user.to_string())
    .bind(after.unwrap_or(""))
    .bind(i64::from(limit))
    .fetch_all(c)
    .await?;
    rows.iter().map(from_row).collect()
}

/// A token by its public id.
pub async fn get(c: &mut AnyConnection, id: TokenId) -> StoreResult<Option<ApiToken>> {
    let row = sqlx::query(concat!(
        "SELECT ",
        columns!(),
        " FROM api_tokens WHERE id = $1"
    ))
    .bind(id.to_string())
    .fetch_optional(c)
    .await?;
    row.as_ref().map(from_row).transpose()
}
