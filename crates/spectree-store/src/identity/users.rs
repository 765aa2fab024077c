//! The `users` table.

use spectree_domain::Timestamp;
use spectree_domain::ids::UserId;
use sqlx::AnyConnection;
use sqlx::any::AnyRow;

use crate::StoreResult;
use crate::row::{flag, parse, text, text_opt, ts, ts_opt};

/// A user as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// Id.
    pub id: UserId,
    /// Normalized email.
    pub email: String,
    /// Display name.
    pub name: String,
    /// Argon2id PHC string; `None` for accounts that only sign in through SSO.
    pub password_hash: Option<String>,
    /// When the address was verified.
    pub email_verified_at: Option<Timestamp>,
    /// Administers the whole instance.
    pub instance_admin: bool,
    /// Created.
    pub created_at: Timestamp,
    /// Disabled (cannot sign in).
    pub disabled_at: Option<Timestamp>,
}

macro_rules! columns {
    () => {
        "id, email, name, password_hash, email_verified_at, instance_admin, created_at, disabled_at"
    };
}

pub(crate) fn from_row(r: &AnyRow) -> StoreResult<User> {
    Ok(User {
        id: parse(r, "id")?,
        email: text(r, "email")?,
        name: text(r, "name")?,
        password_hash: text_opt(r, "password_hash")?,
        email_verified_at: ts_opt(r, "email_verified_at")?,
        instance_admin: flag(r, "instance_admin")?,
        created_at: ts(r, "created_at")?,
        disabled_at: ts_opt(r, "disabled_at")?,
    })
}

/// Inserts a user; [`crate::StoreError::Duplicate`] when the email is taken.
pub async fn insert(c: &mut AnyConnection, u: &User) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO users (id, email, name, password_hash, email_verified_at, instance_admin, \
         created_at, updated_at, disabled_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $8)",
    )
    .bind(u.id.to_string())
    .bind(&u.email)
    .bind(&u.name)
    .bind(&u.password_hash)
    .bind(u.email_verified_at.map(|t| t.0))
    .bind(i64::from(u.instance_admin))
    .bind(u.created_at.0)
    .bind(u.disabled_at.map(|t| t.0))
    .execute(c)
    .await?;
    Ok(())
}

/// Finds a user by id.
pub async fn get(c: &mut AnyConnection, id: UserId) -> StoreResult<Option<User>> {
    let row = sqlx::query(concat!("SELECT ", columns!(), " FROM users WHERE id = $1"))
        .bind(id.to_string())
        .fetch_optional(c)
        .await?;
    row.as_ref().map(from_row).transpose()
}

/// Finds a user by normalized email.
pub async fn by_email(c: &mut AnyConnection, email: &str) -> StoreResult<Option<User>> {
    let row = sqlx::query(concat!(
        "SELECT ",
        columns!(),
        " FROM users WHERE email = $1"
    ))
    .bind(email)
    .fetch_optional(c)
    .await?;
    row.as_ref().map(from_row).transpose()
}

/// Whether any instance administrator exists.
pub async fn any_instance_admin(c: &mut AnyConnection) -> StoreResult<bool> {
    let row = sqlx::query("SELECT id FROM users WHERE instance_admin = 1 LIMIT 1")
        .fetch_optional(c)
        .await?;
    Ok(row.is_some())
}

/// All users, in id order, after a cursor.
pub async fn list(
    c: &mut AnyConnection,
    after: Option<&str>,
    limit: u32,
) -> StoreResult<Vec<User>> {
    let rows = sqlx::query(concat!(
        "SELECT ",
        columns!(),
        " FROM users WHERE id > $1 ORDER BY id LIMIT $2"
    ))
    .bind(after.unwrap_or(""))
    .bind(i64::from(limit))
    .fetch_all(c)
    .await?;
    rows.iter().map(from_row).collect()
}

/// Sets a new password hash.
pub async fn set_password(
    c: &mut AnyConnection,
    id: UserId,
    hash: &str,
    now: Timestamp,
) -> StoreResult<()> {
    sqlx::query("UPDATE users SET password_hash = $2, updated_at = $3 WHERE id = $1")
        .bind(id.to_string())
        .bind(hash)
        .bind(now.0)
        .execute(c)
        .await?;
    Ok(())
}

/// Marks the email address verified (keeps the first time).
pub async fn mark_verified(c: &mut AnyConnection, id: UserId, now: Timestamp) -> StoreResult<()> {
    sqlx::query(
        "UPDATE users SET email_verified_at = COALESCE(email_verified_at, $2), updated_at = $2 \
         WHERE id = $1",
    )
    .bind(id.to_string())
    .bind(now.0)
    .execute(c)
    .await?;
    Ok(())
}
