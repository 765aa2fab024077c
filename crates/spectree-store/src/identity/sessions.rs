//! Server-side sessions. The cookie holds a random secret; only its SHA-256 hash is stored.

use spectree_domain::Timestamp;
use spectree_domain::ids::{SessionId, UserId};
use sqlx::AnyConnection;
use sqlx::any::AnyRow;

use crate::StoreResult;
use crate::row::{parse, text, text_opt, ts, ts_opt};

/// A session as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// Public id (for listing and revoking).
    pub id: SessionId,
    /// Owner.
    pub user_id: UserId,
    /// Token the browser must echo in `X-CSRF-Token` on writes.
    pub csrf_token: String,
    /// Created (log-in time).
    pub created_at: Timestamp,
    /// Last request seen (updated at most once a minute).
    pub last_seen_at: Timestamp,
    /// Absolute expiry.
    pub expires_at: Timestamp,
    /// Client address at log-in.
    pub ip: Option<String>,
    /// Browser at log-in.
    pub user_agent: Option<String>,
    /// Revoked (logged out or killed).
    pub revoked_at: Option<Timestamp>,
}

macro_rules! columns {
    () => {
        "id, user_id, csrf_token, created_at, last_seen_at, expires_at, ip, user_agent, revoked_at"
    };
}

fn from_row(r: &AnyRow) -> StoreResult<Session> {
    Ok(Session {
        id: parse(r, "id")?,
        user_id: parse(r, "user_id")?,
        csrf_token: text(r, "csrf_token")?,
        created_at: ts(r, "created_at")?,
        last_seen_at: ts(r, "last_seen_at")?,
        expires_at: ts(r, "expires_at")?,
        ip: text_opt(r, "ip")?,
        user_agent: text_opt(r, "user_agent")?,
        revoked_at: ts_opt(r, "revoked_at")?,
    })
}

/// Inserts a session under the hash of its secret.
pub async fn insert(c: &mut AnyConnection, s: &Session, token_hash: &str) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO sessions (id, token_hash, user_id, csrf_token, created_at, last_seen_at, \
         expires_at, ip, user_agent, revoked_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(s.id.to_string())
    .bind(token_hash)
    .bind(s.user_id.to_string())
    .bind(&s.csrf_token)
    .bind(s.created_at.0)
    .bind(s.last_seen_at.0)
    .bind(s.expires_at.0)
    .bind(&s.ip)
    .bind(&s.user_agent)
    .bind(s.revoked_at.map(|t| t.0))
    .execute(c)
    .await?;
    Ok(())
}

/// The session whose secret hashes to `hash`, with its user, in one statement (every
/// request signed in with a session cookie asks both).
pub async fn with_user_by_token_hash(
    c: &mut AnyConnection,
    hash: &str,
) -> StoreResult<Option<(Session, super::users::User)>> {
    // The user's columns under their own names (read by `users::from_row`), the session's
    // under `session_` names where the two tables share one.
    let row = sqlx::query(
        "SELECT u.id, u.email, u.name, u.password_hash, u.email_verified_at, u.instance_admin, \
         u.created_at, u.disabled_at, s.id AS session_id, s.csrf_token, \
         s.created_at AS session_created_at, s.last_seen_at, s.expires_at, s.ip, s.user_agent, \
         s.revoked_at FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1",
    )
    .bind(hash)
    .fetch_optional(c)
    .await?;
    let Some(r) = row else { return Ok(None) };
    let user = super::users::from_row(&r)?;
    let session = Session {
        id: parse(&r, "session_id")?,
        user_id: user.id,
        csrf_token: text(&r, "csrf_token")?,
        created_at: ts(&r, "session_created_at")?,
        last_seen_at: ts(&r, "last_seen_at")?,
        expires_at: ts(&r, "expires_at")?,
        ip: text_opt(&r, "ip")?,
        user_agent: text_opt(&r, "user_agent")?,
        revoked_at: ts_opt(&r, "revoked_at")?,
    };
    Ok(Some((session, user)))
}

/// Records activity.
pub async fn touch(c: &mut AnyConnection, id: SessionId, now: Timestamp) -> StoreResult<()> {
    sqlx::query("UPDATE sessions SET last_seen_at = $2 WHERE id = $1")
        .bind(id.to_string())
        .bind(now.0)
        .execute(c)
        .await?;
    Ok(())
}

/// Revokes one of a user's sessions; false when there was no such live session.
pub async fn revoke(
    c: &mut AnyConnection,
    user: UserId,
    id: SessionId,
    now: Timestamp,
) -> StoreResult<bool> {
    let r = sqlx::query(
        "UPDATE sessions SET revoked_at = $3 WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL",
    )
    .bind(id.to_string())
    .bind(user.to_string())
    .bind(now.0)
    .execute(c)
    .await?;
    Ok(r.rows_affected() > 0)
}

/// Revokes every live session of a user (password reset, deprovisioning).
pub async fn revoke_all(c: &mut AnyConnection, user: UserId, now: Timestamp) -> StoreResult<u64> {
    let r = sqlx::query(
        "UPDATE sessions SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL",
    )
    .bind(user.to_string())
    .bind(now.0)
    .execute(c)
    .await?;
    Ok(r.rows_affected())
}

/// A user's live (unrevoked, unexpired) sessions, in id order after a cursor.
pub async fn list_live(
    c: &mut AnyConnection,
    user: UserId,
    now: Timestamp,
    after: Option<&str>,
    limit: u32,
) -> StoreResult<Vec<Session>> {
    let rows = sqlx::query(concat!(
        "SELECT ",
        columns!(),
        " FROM sessions WHERE user_id = $1 AND revoked_at IS NULL \
         AND expires_at > $2 AND id > $3 ORDER BY id LIMIT $4"
    ))
    .bind(user.to_string())
    .bind(now.0)
    .bind(after.unwrap_or(""))
    .bind(i64::from(limit))
    .fetch_all(c)
    .await?;
    rows.iter().map(from_row).collect()
}

/// A session by its public id.
pub async fn get(c: &mut AnyConnection, id: SessionId) -> StoreResult<Option<Session>> {
    let row = sqlx::query(concat!(
        "SELECT ",
        columns!(),
        " FROM sessions WHERE id = $1"
    ))
    .bind(id.to_string())
    .fetch_optional(c)
    .await?;
    row.as_ref().map(from_row).transpose()
}
