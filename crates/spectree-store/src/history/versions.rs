//! Item versions. Every [`FULL_EVERY`]th version of an item (and its first) stores the full
//! snapshot; the others store a text patch from the version stored just before them. Reading
//! version n applies the patches from the last full snapshot at or before n.

use spectree_domain::Timestamp;
use spectree_domain::history::{Author, ItemSnapshot, Patch, VersionKind};
use spectree_domain::ids::{ItemId, OrgId, ProjectId};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use super::{authors_from, authors_json, corrupt};
use crate::row::{parse, text, ts};
use crate::seal::{Sealer, open_text, seal_text};
use crate::{Dialect, StoreResult};

/// A full snapshot is stored at least every this many versions of an item.
pub const FULL_EVERY: i64 = 20;

/// What a version says about itself (everything but the snapshot).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionMeta {
    /// Item.
    pub item_id: ItemId,
    /// Number, from 1 per item.
    pub number: i64,
    /// Organization.
    pub org_id: OrgId,
    /// Project.
    pub project_id: ProjectId,
    /// Automatic, named or a restore.
    pub kind: VersionKind,
    /// What closed it: `create`, `edit`, `move`, `trash`, `untrash`, `save`, `rollback`,
    /// `project_restore` or `baseline`.
    pub cause: String,
    /// First change in it.
    pub started_at: Timestamp,
    /// When it closed.
    pub created_at: Timestamp,
    /// Everyone who changed the item in it.
    pub authors: Vec<Author>,
    /// Message of a named version or a restore.
    pub message: Option<String>,
    /// Names of the fields it changed.
    pub fields: Vec<String>,
    /// The version a restore brought back.
    pub restored_from: Option<i64>,
}

/// A version to store; its number is the item's next.
#[derive(Debug, Clone)]
pub struct NewVersion<'a> {
    /// Item.
    pub item_id: ItemId,
    /// Organization.
    pub org_id: OrgId,
    /// Project.
    pub project_id: ProjectId,
    /// Kind.
    pub kind: VersionKind,
    /// Cause.
    pub cause: &'a str,
    /// First change.
    pub started_at: Timestamp,
    /// Closed at.
    pub created_at: Timestamp,
    /// Authors.
    pub authors: &'a [Author],
    /// Message.
    pub message: Option<&'a str>,
    /// Changed fields.
    pub fields: Vec<String>,
    /// Restored version.
    pub restored_from: Option<i64>,
}

const META: &str = "item_id, number, org_id, project_id, kind, cause, started_at, created_at, \
                    authors, message, fields, restored_from";

fn meta_from(r: &AnyRow, sealer: &dyn Sealer) -> StoreResult<VersionMeta> {
    let org_id: OrgId = parse(r, "org_id")?;
    let message: Option<Vec<u8>> = r.try_get("message")?;
    let fields = text(r, "fields")?;
    Ok(VersionMeta {
        item_id: parse(r, "item_id")?,
        number: r.try_get("number")?,
        org_id,
        project_id: parse(r, "project_id")?,
        kind: parse(r, "kind")?,
        cause: text(r, "cause")?,
        started_at: ts(r, "started_at")?,
        created_at: ts(r, "created_at")?,
        authors: authors_from(&text(r, "authors")?)?,
        message: message.map(|m| open_text(sealer, org_id, &m)).transpose()?,
        fields: if fields.is_empty() {
            Vec::new()
        } else {
            fields.split(',').map(str::to_owned).collect()
        },
        restored_from: r.try_get("restored_from")?,
    })
}

/// Holds the item's row lock for the rest of the transaction, so two transactions never
/// number versions of one item at once (SQLite has a single writer anyway).
pub async fn lock_item(c: &mut AnyConnection, dialect: Dialect, item: ItemId) -> StoreResult<()> {
    if dialect == Dialect::Postgres {
        sqlx::query("SELECT id FROM work_items WHERE id = $1 FOR UPDATE")
            .bind(item.to_string())
            .fetch_optional(c)
            .await?;
    }
    Ok(())
}

/// Rebuilds the canonical texts of the stored rows `(number, is_full, sealed state)` in order.
pub(crate) fn replay(
    sealer: &dyn Sealer,
    org: OrgId,
    rows: &[(i64, bool, Vec<u8>)],
) -> StoreResult<Vec<(i64, String)>> {
    let mut out: Vec<(i64, String)> = Vec::with_capacity(rows.len());
    for (number, full, sealed) in rows {
        let state = open_text(sealer, org, sealed)?;
        let text = if *full {
            state
        } else {
            let prev = out
                .last()
                .map(|p| p.1.as_str())
                .ok_or_else(|| corrupt(format!("version {number}: patch without a base")))?;
            Patch::from_json(&state)
                .and_then(|p| p.apply(prev))
                .map_err(corrupt)?
        };
        out.push((*number, text));
    }
    Ok(out)
}

async fn state_rows(
    c: &mut AnyConnection,
    org: OrgId,
    item: ItemId,
    upto: i64,
) -> StoreResult<Vec<(i64, bool, Vec<u8>)>> {
    let rows = sqlx::query(
        "SELECT number, is_full, state FROM item_versions WHERE item_id = $1 AND org_id = $2 \
         AND number <= $3 AND number >= (SELECT COALESCE(MAX(number), 0) FROM item_versions \
         WHERE item_id = $1 AND org_id = $2 AND is_full = 1 AND number <= $3) ORDER BY number",
    )
    .bind(item.to_string())
    .bind(org.to_string())
    .bind(upto)
    .fetch_all(c)
    .await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get::<i64, _>("number")?,
                r.try_get::<i64, _>("is_full")? != 0,
                r.try_get::<Vec<u8>, _>("state")?,
            ))
        })
        .collect()
}

/// The snapshot of version `number` (the last version at or before it when there is a gap).
pub async fn snapshot(
    c: &mut AnyConnection,
    sealer: &dyn Sealer,
    org: OrgId,
    item: ItemId,
    number: i64,
) -> StoreResult<Option<(i64, ItemSnapshot)>> {
    let rows = state_rows(c, org, item, number).await?;
    match replay(sealer, org, &rows)?.pop() {
        Some((n, text)) => Ok(Some((
            n,
            ItemSnapshot::from_canonical(&text).map_err(corrupt)?,
        ))),
        None => Ok(None),
    }
}

/// Whether an item has any version.
pub async fn exists(c: &mut AnyConnection, org: OrgId, item: ItemId) -> StoreResult<bool> {
    let row =
        sqlx::query("SELECT number FROM item_versions WHERE item_id = $1 AND org_id = $2 LIMIT 1")
            .bind(item.to_string())
            .bind(org.to_string())
            .fetch_optional(c)
            .await?;
    Ok(row.is_some())
}

/// The latest version of an item: its number and snapshot.
pub async fn latest(
    c: &mut AnyConnection,
    sealer: &dyn Sealer,
    org: OrgId,
    item: ItemId,
) -> StoreResult<Option<(i64, ItemSnapshot)>> {
    snapshot(c, sealer, org, item, i64::MAX).await
}

/// Stores a version after `prev` (the item's latest version, if any); returns its number.
pub async fn insert(
    c: &mut AnyConnection,
    sealer: &dyn Sealer,
    v: &NewVersion<'_>,
    snapshot: &ItemSnapshot,
    prev: Option<&(i64, ItemSnapshot)>,
) -> StoreResult<i64> {
    let number = prev.map_or(1, |p| p.0 + 1);
    // A first version is always full: no need to look for the last full one.
    let last_full: Option<i64> = match prev {
        None => None,
        Some(_) => {
            sqlx::query_scalar(
                "SELECT MAX(number) FROM item_versions WHERE item_id = $1 AND is_full = 1",
            )
            .bind(v.item_id.to_string())
            .fetch_one(&mut *c)
            .await?
        }
    };
    let canonical = snapshot.to_canonical();
    let (full, state) = match (prev, last_full) {
        (Some(p), Some(f)) if number - f < FULL_EVERY => (
            false,
            Patch::between(&p.1.to_canonical(), &canonical).to_json(),
        ),
        _ => (true, canonical),
    };
    sqlx::query(
        "INSERT INTO item_versions (item_id, number, org_id, project_id, kind, cause, started_at, \
         created_at, authors, message, fields, restored_from, is_full, state) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
    )
    .bind(v.item_id.to_string())
    .bind(number)
    .bind(v.org_id.to_string())
    .bind(v.project_id.to_string())
    .bind(v.kind.as_str())
    .bind(v.cause)
    .bind(v.started_at.0)
    .bind(v.created_at.0)
    .bind(authors_json(v.authors)?)
    .bind(
        v.message
            .map(|m| seal_text(sealer, v.org_id, m))
            .transpose()?,
    )
    .bind(v.fields.join(","))
    .bind(v.restored_from)
    .bind(i64::from(full))
    .bind(seal_text(sealer, v.org_id, &state)?)
    .execute(c)
    .await?;
    Ok(number)
}

/// Versions of an item, newest first, numbered below `before` (all when `None`).
pub async fn list(
    c: &mut AnyConnection,
    sealer: &dyn Sealer,
    org: OrgId,
    item: ItemId,
    before: Option<i64>,
    limit: u32,
) -> StoreResult<Vec<VersionMeta>> {
    let sql = format!(
        "SELECT {META} FROM item_versions WHERE item_id = $1 AND org_id = $2 AND number < $3 \
         ORDER BY number DESC LIMIT $4"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(item.to_string())
        .bind(org.to_string())
        .bind(before.unwrap_or(i64::MAX))
        .bind(i64::from(limit))
        .fetch_all(c)
        .await?;
    rows.iter().map(|r| meta_from(r, sealer)).collect()
}

/// One version's description.
pub async fn meta(
    c: &mut AnyConnection,
    sealer: &dyn Sealer,
    org: OrgId,
    item: ItemId,
    number: i64,
) -> StoreResult<Option<VersionMeta>> {
    let sql = format!(
        "SELECT {META} FROM item_versions WHERE item_id = $1 AND org_id = $2 AND number = $3"
    );
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(item.to_string())
        .bind(org.to_string())
        .bind(number)
        .fetch_optional(c)
        .await?;
    row.as_ref().map(|r| meta_from(r, sealer)).transpose()
}

/// The number of the version stored just before `number`, if any.
pub async fn previous_number(
    c: &mut AnyConnection,
    org: OrgId,
    item: ItemId,
    number: i64,
) -> StoreResult<Option<i64>> {
    Ok(sqlx::query_scalar(
        "SELECT MAX(number) FROM item_versions WHERE item_id = $1 AND org_id = $2 AND number < $3",
    )
    .bind(item.to_string())
    .bind(org.to_string())
    .bind(number)
    .fetch_one(c)
    .await?)
}

/// Every version of an item with its snapshot, oldest first (for export).
pub async fn all(
    c: &mut AnyConnection,
    sealer: &dyn Sealer,
    org: OrgId,
    item: ItemId,
) -> StoreResult<Vec<(VersionMeta, ItemSnapshot)>> {
    let sql = format!(
        "SELECT {META}, is_full, state FROM item_versions WHERE item_id = $1 AND org_id = $2 \
         ORDER BY number"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(item.to_string())
        .bind(org.to_string())
        .fetch_all(c)
        .await?;
    let states: Vec<(i64, bool, Vec<u8>)> = rows
        .iter()
        .map(|r| {
            Ok((
                r.try_get::<i64, _>("number")?,
                r.try_get::<i64, _>("is_full")? != 0,
                r.try_get::<Vec<u8>, _>("state")?,
            ))
        })
        .collect::<StoreResult<_>>()?;
    let texts = replay(sealer, org, &states)?;
    rows.iter()
        .zip(texts)
        .map(|(r, (_, t))| {
            Ok((
                meta_from(r, sealer)?,
                ItemSnapshot::from_canonical(&t).map_err(corrupt)?,
            ))
        })
        .collect()
}

/// Bytes stored for an item's versions (snapshots and patches, sealed), for the benchmark.
pub async fn stored_bytes(c: &mut AnyConnection, item: ItemId) -> StoreResult<i64> {
    let n: Option<i64> = sqlx::query_scalar(
        "SELECT CAST(SUM(LENGTH(state)) AS BIGINT) FROM item_versions WHERE item_id = $1",
    )
    .bind(item.to_string())
    .fetch_one(c)
    .await?;
    Ok(n.unwrap_or(0))
}

/// The items of a project that have versions (live, trashed or moved since).
pub async fn items_of_project(
    c: &mut AnyConnection,
    org: OrgId,
    project: ProjectId,
) -> StoreResult<Vec<ItemId>> {
    let rows = sqlx::query(
        "SELECT DISTINCT item_id FROM item_versions WHERE project_id = $1 AND org_id = $2 \
         ORDER BY item_id",
    )
    .bind(project.to_string())
    .bind(org.to_string())
    .fetch_all(c)
    .await?;
    rows.iter().map(|r| parse(r, "item_id")).collect()
}

/// One line of an item's version index: what a timeline needs, read without the item,
/// organization and project columns and without snapshots or patches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionEntry {
    /// Number, from 1 per item.
    pub number: i64,
    /// Automatic, named or a restore.
    pub kind: VersionKind,
    /// What closed it.
    pub cause: String,
    /// First change in it.
    pub started_at: Timestamp,
    /// When it closed.
    pub created_at: Timestamp,
    /// Everyone who changed the item in it.
    pub authors: Vec<Author>,
    /// Message of a named version or a restore.
    pub message: Option<String>,
    /// Names of the fields it changed, comma-separated as stored.
    pub fields: String,
    /// The version a restore brought back.
    pub restored_from: Option<i64>,
}

/// The version index of an item: up to `limit` versions numbered below `before` (all when
/// `None`), newest first. One lean query over the primary key.
pub async fn index(
    c: &mut AnyConnection,
    sealer: &dyn Sealer,
    org: OrgId,
    item: ItemId,
    before: Option<i64>,
    limit: u32,
) -> StoreResult<Vec<VersionEntry>> {
    let rows = sqlx::query(
        "SELECT number, kind, cause, started_at, created_at, authors, message, fields, \
         restored_from FROM item_versions WHERE item_id = $1 AND org_id = $2 AND number < $3 \
         ORDER BY number DESC LIMIT $4",
    )
    .bind(item.to_string())
    .bind(org.to_string())
    .bind(before.unwrap_or(i64::MAX))
    .bind(i64::from(limit))
    .fetch_all(c)
    .await?;
    rows.iter()
        .map(|r| {
            let message: Option<Vec<u8>> = r.try_get("message")?;
            Ok(VersionEntry {
                number: r.try_get("number")?,
                kind: parse(r, "kind")?,
                cause: r.try_get("cause")?,
                started_at: ts(r, "started_at")?,
                created_at: ts(r, "created_at")?,
                authors: authors_from(r.try_get::<&str, _>("authors")?)?,
                message: message.map(|m| open_text(sealer, org, &m)).transpose()?,
                fields: r.try_get("fields")?,
                restored_from: r.try_get("restored_from")?,
            })
        })
        .collect()
}
