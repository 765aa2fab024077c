//! Each organization's AI switch (`org_ai_settings`); on unless an admin turned it off.

use spectree_domain::Timestamp;
use spectree_domain::ids::{OrgId, UserId};
use sqlx::AnyConnection;

use crate::StoreResult;
use crate::row::flag;

/// Whether AI generation is enabled for the organization (true when never set).
pub async fn enabled(c: &mut AnyConnection, org: OrgId) -> StoreResult<bool> {
    let row = sqlx::query("SELECT enabled FROM org_ai_settings WHERE org_id = $1")
        .bind(org.to_string())
        .fetch_optional(c)
        .await?;
    match row {
        Some(r) => flag(&r, "enabled"),
        None => Ok(true),
    }
}

/// Turns AI generation on or off for the organization.
pub async fn set_enabled(
    c: &mut AnyConnection,
    org: OrgId,
    enabled: bool,
    now: Timestamp,
    by: UserId,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO org_ai_settings (org_id, enabled, updated_at, updated_by) \
         VALUES ($1, $2, $3, $4) ON CONFLICT (org_id) DO UPDATE SET enabled = excluded.enabled, \
         updated_at = excluded.updated_at, updated_by = excluded.updated_by",
    )
    .bind(org.to_string())
    .bind(i64::from(enabled))
    .bind(now.0)
    .bind(by.to_string())
    .execute(c)
    .await?;
    Ok(())
}
