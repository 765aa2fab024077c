//! Recorded races on one scalar field of a live document: both values, both users, both
//! Yjs writes. The version history reads them back for an item since a time.

use spectree_domain::Timestamp;
use spectree_domain::ids::{ItemId, OrgId, UserId};
use sqlx::{AnyConnection, Row};

use crate::StoreResult;
use crate::row::{parse, parse_opt, text, text_opt, ts};

/// One side of a conflict: the value written, who wrote it, and the Yjs write (client id and
/// clock) that carried it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConflictSide {
    /// The value (`None` for null, such as no assignee).
    pub value: Option<String>,
    /// The user, when known (a value seeded from the row has none).
    pub user_id: Option<UserId>,
    /// Yjs client id.
    pub client: u64,
    /// Yjs clock.
    pub clock: u32,
}

/// Two concurrent writes to one field; the document kept `winner`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldConflict {
    /// Row id (UUIDv7, the pagination cursor).
    pub id: String,
    /// Organization.
    pub org_id: OrgId,
    /// The work item.
    pub item_id: ItemId,
    /// The key of the document's `fields` map (status, priority, assignee, type).
    pub field: String,
    /// The value kept.
    pub winner: ConflictSide,
    /// The value that lost.
    pub loser: ConflictSide,
    /// When the server saw the race.
    pub created_at: Timestamp,
    /// The item version that holds it (`None` until the item's next version is stored).
    pub version_number: Option<i64>,
}

fn int(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

/// Records a conflict; returns false when it was recorded already (by another node).
pub async fn insert(c: &mut AnyConnection, f: &FieldConflict) -> StoreResult<bool> {
    let r = sqlx::query(
        "INSERT INTO field_conflicts (id, org_id, item_id, field, winner_value, winner_user_id, \
         winner_client, winner_clock, loser_value, loser_user_id, loser_client, loser_clock, \
         created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) \
         ON CONFLICT (item_id, winner_client, winner_clock, loser_client, loser_clock) DO NOTHING",
    )
    .bind(&f.id)
    .bind(f.org_id.to_string())
    .bind(f.item_id.to_string())
    .bind(&f.field)
    .bind(f.winner.value.clone())
    .bind(f.winner.user_id.map(|u| u.to_string()))
    .bind(int(f.winner.client))
    .bind(i64::from(f.winner.clock))
    .bind(f.loser.value.clone())
    .bind(f.loser.user_id.map(|u| u.to_string()))
    .bind(int(f.loser.client))
    .bind(i64::from(f.loser.clock))
    .bind(f.created_at.0)
    .execute(c)
    .await?;
    Ok(r.rows_affected() > 0)
}

/// Hands every conflict of the item not yet in a version to version `number` (run in the
/// transaction that stores it); returns how many.
pub async fn assign_version(
    c: &mut AnyConnection,
    org: OrgId,
    item: ItemId,
    number: i64,
) -> StoreResult<u64> {
    let r = sqlx::query(
        "UPDATE field_conflicts SET version_number = $3 \
         WHERE org_id = $1 AND item_id = $2 AND version_number IS NULL",
    )
    .bind(org.to_string())
    .bind(item.to_string())
    .bind(number)
    .execute(c)
    .await?;
    Ok(r.rows_affected())
}

/// The conflicts of an item held by versions after `after` up to `through` (inclusive);
/// with `through` `None`, also those not in a version yet. Oldest first.
pub async fn in_versions(
    c: &mut AnyConnection,
    org: OrgId,
    item: ItemId,
    after: i64,
    through: Option<i64>,
) -> StoreResult<Vec<FieldConflict>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM field_conflicts WHERE org_id = $1 AND item_id = $2 \
         AND ((version_number > $3 AND version_number <= $4) OR ($5 = 1 AND version_number IS NULL)) \
         ORDER BY id"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(org.to_string())
        .bind(item.to_string())
        .bind(after)
        .bind(through.unwrap_or(i64::MAX))
        .bind(i64::from(through.is_none()))
        .fetch_all(c)
        .await?;
    rows.iter().map(conflict_from).collect()
}

const COLUMNS: &str = "id, org_id, item_id, field, winner_value, winner_user_id, winner_client, \
     winner_clock, loser_value, loser_user_id, loser_client, loser_clock, created_at, \
     version_number";

fn conflict_from(r: &sqlx::any::AnyRow) -> StoreResult<FieldConflict> {
    Ok(FieldConflict {
        id: text(r, "id")?,
        org_id: parse(r, "org_id")?,
        item_id: parse(r, "item_id")?,
        field: text(r, "field")?,
        winner: side(r, "winner")?,
        loser: side(r, "loser")?,
        created_at: ts(r, "created_at")?,
        version_number: r.try_get("version_number")?,
    })
}

fn side(r: &sqlx::any::AnyRow, prefix: &str) -> StoreResult<ConflictSide> {
    Ok(ConflictSide {
        value: text_opt(r, &format!("{prefix}_value"))?,
        user_id: parse_opt(r, &format!("{prefix}_user_id"))?,
        client: u64::try_from(r.try_get::<i64, _>(format!("{prefix}_client").as_str())?)
            .unwrap_or(0),
        clock: u32::try_from(r.try_get::<i64, _>(format!("{prefix}_clock").as_str())?).unwrap_or(0),
    })
}

/// Conflicts of an item recorded at or after `since` (all when `None`), oldest first, at
/// most `limit` after the cursor `after` (a row id).
pub async fn list(
    c: &mut AnyConnection,
    org: OrgId,
    item: ItemId,
    since: Option<Timestamp>,
    after: Option<&str>,
    limit: u32,
) -> StoreResult<Vec<FieldConflict>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM field_conflicts WHERE org_id = $1 AND item_id = $2 \
         AND created_at >= $3 AND id > $4 ORDER BY id LIMIT $5"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(org.to_string())
        .bind(item.to_string())
        .bind(since.map(|t| t.0).unwrap_or(i64::MIN))
        .bind(after.unwrap_or(""))
        .bind(i64::from(limit))
        .fetch_all(c)
        .await?;
    rows.iter().map(conflict_from).collect()
}
