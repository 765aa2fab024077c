//! Project snapshots: every live item of a project with its full content at one moment.

use spectree_domain::Timestamp;
use spectree_domain::history::TreeItem;
use spectree_domain::ids::{OrgId, ProjectId, UserId};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use super::corrupt;
use crate::StoreResult;
use crate::row::{parse, text, ts};
use crate::seal::{Sealer, open_text, seal_text};

/// What a snapshot says about itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotMeta {
    /// Project.
    pub project_id: ProjectId,
    /// Number, from 1 per project.
    pub number: i64,
    /// Organization.
    pub org_id: OrgId,
    /// Message.
    pub message: String,
    /// `manual`, or `before_restore` for the one taken automatically before a restore.
    pub cause: String,
    /// Who took it.
    pub created_by: UserId,
    /// When.
    pub created_at: Timestamp,
    /// Items in it.
    pub item_count: i64,
}

fn meta_from(r: &AnyRow, sealer: &dyn Sealer) -> StoreResult<SnapshotMeta> {
    let org_id: OrgId = parse(r, "org_id")?;
    Ok(SnapshotMeta {
        project_id: parse(r, "project_id")?,
        number: r.try_get("number")?,
        org_id,
        message: open_text(sealer, org_id, &r.try_get::<Vec<u8>, _>("message")?)?,
        cause: text(r, "cause")?,
        created_by: parse(r, "created_by")?,
        created_at: ts(r, "created_at")?,
        item_count: r.try_get("item_count")?,
    })
}

const META: &str = "project_id, number, org_id, message, cause, created_by, created_at, item_count";

/// A snapshot to store.
#[derive(Debug, Clone)]
pub struct NewSnapshot<'a> {
    /// Organization.
    pub org_id: OrgId,
    /// Project.
    pub project_id: ProjectId,
    /// Message.
    pub message: &'a str,
    /// Cause.
    pub cause: &'a str,
    /// Taken by.
    pub created_by: UserId,
    /// Taken at.
    pub created_at: Timestamp,
}

/// Stores a snapshot with the project's next number; returns the number.
pub async fn insert(
    c: &mut AnyConnection,
    sealer: &dyn Sealer,
    s: &NewSnapshot<'_>,
    items: &[TreeItem],
) -> StoreResult<i64> {
    let last: Option<i64> =
        sqlx::query_scalar("SELECT MAX(number) FROM project_snapshots WHERE project_id = $1")
            .bind(s.project_id.to_string())
            .fetch_one(&mut *c)
            .await?;
    let number = last.unwrap_or(0) + 1;
    let data = serde_json::to_string(items).map_err(corrupt)?;
    sqlx::query(
        "INSERT INTO project_snapshots (project_id, number, org_id, message, cause, created_by, \
         created_at, item_count, data) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(s.project_id.to_string())
    .bind(number)
    .bind(s.org_id.to_string())
    .bind(seal_text(sealer, s.org_id, s.message)?)
    .bind(s.cause)
    .bind(s.created_by.to_string())
    .bind(s.created_at.0)
    .bind(items.len() as i64)
    .bind(seal_text(sealer, s.org_id, &data)?)
    .execute(c)
    .await?;
    Ok(number)
}

/// Snapshots of a project, newest first, numbered below `before`.
pub async fn list(
    c: &mut AnyConnection,
    sealer: &dyn Sealer,
    org: OrgId,
    project: ProjectId,
    before: Option<i64>,
    limit: u32,
) -> StoreResult<Vec<SnapshotMeta>> {
    let sql = format!(
        "SELECT {META} FROM project_snapshots WHERE project_id = $1 AND org_id = $2 \
         AND number < $3 ORDER BY number DESC LIMIT $4"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(project.to_string())
        .bind(org.to_string())
        .bind(before.unwrap_or(i64::MAX))
        .bind(i64::from(limit))
        .fetch_all(c)
        .await?;
    rows.iter().map(|r| meta_from(r, sealer)).collect()
}

/// One snapshot with its items.
pub async fn get(
    c: &mut AnyConnection,
    sealer: &dyn Sealer,
    org: OrgId,
    project: ProjectId,
    number: i64,
) -> StoreResult<Option<(SnapshotMeta, Vec<TreeItem>)>> {
    let sql = format!(
        "SELECT {META}, data FROM project_snapshots WHERE project_id = $1 AND org_id = $2 \
         AND number = $3"
    );
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(project.to_string())
        .bind(org.to_string())
        .bind(number)
        .fetch_optional(c)
        .await?;
    let Some(r) = row else { return Ok(None) };
    let meta = meta_from(&r, sealer)?;
    let data = open_text(sealer, org, &r.try_get::<Vec<u8>, _>("data")?)?;
    let items: Vec<TreeItem> = serde_json::from_str(&data).map_err(corrupt)?;
    Ok(Some((meta, items)))
}

/// Takes one item out of the trash on its own (a project restore brings back exactly the
/// items of the snapshot).
pub async fn untrash_item(
    c: &mut AnyConnection,
    org: OrgId,
    item: spectree_domain::ids::ItemId,
) -> StoreResult<()> {
    sqlx::query(
        "UPDATE work_items SET deleted_at = NULL, deleted_by = NULL, trash_root_id = NULL \
         WHERE id = $1 AND org_id = $2",
    )
    .bind(item.to_string())
    .bind(org.to_string())
    .execute(c)
    .await?;
    Ok(())
}
