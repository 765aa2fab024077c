//! The automatic version being collected for an item: when it started, its last change, and
//! who has changed the item since the last version.

use spectree_domain::Timestamp;
use spectree_domain::history::Author;
use spectree_domain::ids::{ItemId, OrgId, UserId};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use super::{authors_from, authors_json};
use crate::StoreResult;
use crate::row::{parse, ts};

/// An open automatic version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Draft {
    /// Item.
    pub item_id: ItemId,
    /// Organization.
    pub org_id: OrgId,
    /// First change.
    pub started_at: Timestamp,
    /// Last change.
    pub last_change_at: Timestamp,
    /// Everyone who changed the item since the last version.
    pub authors: Vec<Author>,
}

fn from_row(r: &AnyRow) -> StoreResult<Draft> {
    Ok(Draft {
        item_id: parse(r, "item_id")?,
        org_id: parse(r, "org_id")?,
        started_at: ts(r, "started_at")?,
        last_change_at: ts(r, "last_change_at")?,
        authors: authors_from(&r.try_get::<String, _>("authors")?)?,
    })
}

/// The open draft of an item.
pub async fn get(c: &mut AnyConnection, item: ItemId) -> StoreResult<Option<Draft>> {
    let r = sqlx::query(
        "SELECT item_id, org_id, started_at, last_change_at, authors FROM item_version_drafts \
         WHERE item_id = $1",
    )
    .bind(item.to_string())
    .fetch_optional(c)
    .await?;
    r.as_ref().map(from_row).transpose()
}

/// Writes (creates or replaces) an item's draft.
pub async fn put(c: &mut AnyConnection, d: &Draft) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO item_version_drafts (item_id, org_id, started_at, last_change_at, authors) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (item_id) DO UPDATE SET \
         started_at = excluded.started_at, last_change_at = excluded.last_change_at, \
         authors = excluded.authors",
    )
    .bind(d.item_id.to_string())
    .bind(d.org_id.to_string())
    .bind(d.started_at.0)
    .bind(d.last_change_at.0)
    .bind(authors_json(&d.authors)?)
    .execute(c)
    .await?;
    Ok(())
}

/// Removes and returns an item's draft (only one transaction gets it).
pub async fn take(c: &mut AnyConnection, item: ItemId) -> StoreResult<Option<Draft>> {
    let r = sqlx::query(
        "DELETE FROM item_version_drafts WHERE item_id = $1 \
         RETURNING item_id, org_id, started_at, last_change_at, authors",
    )
    .bind(item.to_string())
    .fetch_optional(c)
    .await?;
    r.as_ref().map(from_row).transpose()
}

/// Drafts due to close: idle since `idle_before` or started before `started_before`.
pub async fn due(
    c: &mut AnyConnection,
    idle_before: Timestamp,
    started_before: Timestamp,
    limit: u32,
) -> StoreResult<Vec<ItemId>> {
    let rows = sqlx::query(
        "SELECT item_id FROM item_version_drafts WHERE last_change_at <= $1 \
         UNION SELECT item_id FROM item_version_drafts WHERE started_at <= $2 LIMIT $3",
    )
    .bind(idle_before.0)
    .bind(started_before.0)
    .bind(i64::from(limit))
    .fetch_all(c)
    .await?;
    rows.iter().map(|r| parse(r, "item_id")).collect()
}

/// The people with an editing session on the item that saw an edit at or after `since`
/// (live editors of the version being closed).
pub async fn session_editors(
    c: &mut AnyConnection,
    item: ItemId,
    since: Timestamp,
) -> StoreResult<Vec<UserId>> {
    let rows = sqlx::query(
        "SELECT DISTINCT user_id FROM edit_sessions WHERE item_id = $1 AND last_edit_at >= $2",
    )
    .bind(item.to_string())
    .bind(since.0)
    .fetch_all(c)
    .await?;
    rows.iter().map(|r| parse(r, "user_id")).collect()
}
