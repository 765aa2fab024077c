//! One-time setup codes that create the first instance administrator. Each start of a node
//! without an administrator adds one; any of them works until setup is done.

use spectree_domain::Timestamp;
use sqlx::AnyConnection;

use crate::StoreResult;

/// Stores the hash of a new setup code.
pub async fn put_code(c: &mut AnyConnection, code_hash: &str, now: Timestamp) -> StoreResult<()> {
    sqlx::query("INSERT INTO setup_codes (code_hash, created_at) VALUES ($1, $2) ON CONFLICT (code_hash) DO NOTHING")
        .bind(code_hash)
        .bind(now.0)
        .execute(c)
        .await?;
    Ok(())
}

/// Whether a code hash is an outstanding setup code.
pub async fn has_code(c: &mut AnyConnection, code_hash: &str) -> StoreResult<bool> {
    let row = sqlx::query("SELECT code_hash FROM setup_codes WHERE code_hash = $1")
        .bind(code_hash)
        .fetch_optional(c)
        .await?;
    Ok(row.is_some())
}

/// Removes every setup code once the first administrator exists.
pub async fn clear(c: &mut AnyConnection) -> StoreResult<()> {
    sqlx::query("DELETE FROM setup_codes").execute(c).await?;
    Ok(())
}
