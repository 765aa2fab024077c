//! One-time tokens mailed to a person: email verification and password reset.

use spectree_domain::Timestamp;
use spectree_domain::ids::UserId;
use sqlx::AnyConnection;

use crate::StoreResult;
use crate::row::parse;

/// What a mailed token is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// Proves the mailbox.
    VerifyEmail,
    /// Sets a new password.
    ResetPassword,
}

impl Purpose {
    fn as_str(self) -> &'static str {
        match self {
            Purpose::VerifyEmail => "verify_email",
            Purpose::ResetPassword => "reset_password",
        }
    }
}

/// Stores a new token.
pub async fn insert(
    c: &mut AnyConnection,
    hash: &str,
    user: UserId,
    purpose: Purpose,
    now: Timestamp,
    expires_at: Timestamp,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO user_tokens (token_hash, user_id, purpose, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(hash)
    .bind(user.to_string())
    .bind(purpose.as_str())
    .bind(now.0)
    .bind(expires_at.0)
    .execute(c)
    .await?;
    Ok(())
}

/// Uses up a live token: marks it used and returns its user, or `None` when it is unknown,
/// expired, used, or for another purpose. Marking and checking are one statement, so a token
/// is never used twice.
pub async fn consume(
    c: &mut AnyConnection,
    hash: &str,
    purpose: Purpose,
    now: Timestamp,
) -> StoreResult<Option<UserId>> {
    let row = sqlx::query(
        "UPDATE user_tokens SET used_at = $3 WHERE token_hash = $1 AND purpose = $2 \
         AND used_at IS NULL AND expires_at > $3 RETURNING user_id",
    )
    .bind(hash)
    .bind(purpose.as_str())
    .bind(now.0)
    .fetch_optional(c)
    .await?;
    row.map(|r| parse(&r, "user_id")).transpose()
}

/// Invalidates a user's outstanding tokens of one purpose (a newer one replaces them).
pub async fn invalidate(
    c: &mut AnyConnection,
    user: UserId,
    purpose: Purpose,
    now: Timestamp,
) -> StoreResult<()> {
    sqlx::query(
        "UPDATE user_tokens SET used_at = $3 WHERE user_id = $1 AND purpose = $2 AND used_at IS NULL",
    )
    .bind(user.to_string())
    .bind(purpose.as_str())
    .bind(now.0)
    .execute(c)
    .await?;
    Ok(())
}
