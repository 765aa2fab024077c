//! The one-time setup code that creates the first instance administrator.

use spectree_domain::Timestamp;
use sqlx::{AnyConnection, Row};

use crate::StoreResult;

/// Stores (replacing any earlier one) the hash of the current setup code.
pub async fn put_code(c: &mut AnyConnection, code_hash: &str, now: Timestamp) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO instance_setup (id, code_hash, created_at) VALUES (1, $1, $2) \
         ON CONFLICT (id) DO UPDATE SET code_hash = excluded.code_hash, created_at = excluded.created_at",
    )
    .bind(code_hash)
    .bind(now.0)
    .execute(c)
    .await?;
    Ok(())
}

/// The hash of the current setup code, if one is outstanding.
pub async fn code_hash(c: &mut AnyConnection) -> StoreResult<Option<String>> {
    let row = sqlx::query("SELECT code_hash FROM instance_setup WHERE id = 1")
        .fetch_optional(c)
        .await?;
    Ok(row
        .map(|r| r.try_get::<String, _>("code_hash"))
        .transpose()?)
}

/// Removes the setup code once it is used (or an administrator was made another way).
pub async fn clear(c: &mut AnyConnection) -> StoreResult<()> {
    sqlx::query("DELETE FROM instance_setup WHERE id = 1")
        .execute(c)
        .await?;
    Ok(())
}
