//! The `notifications` table: each person's inbox, newest first. Summaries are sealed.

use spectree_domain::Timestamp;
use spectree_domain::ids::{ItemId, OrgId, ProjectId, UserId};
use spectree_domain::notification::{InboxState, NotificationKind};
use sqlx::{AnyConnection, Row};

use crate::row::{parse, parse_opt, text, ts, ts_opt};
use crate::seal::{Sealer, open_text, seal_text};
use crate::{StoreError, StoreResult};

/// One inbox entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    /// Id (UUIDv7, so ids sort by time).
    pub id: String,
    /// Organization of the item.
    pub org_id: OrgId,
    /// The person told.
    pub user_id: UserId,
    /// What happened.
    pub kind: NotificationKind,
    /// The item's project.
    pub project_id: ProjectId,
    /// The item.
    pub item_id: ItemId,
    /// Who did it, when a person did.
    pub actor_id: Option<UserId>,
    /// One line of text.
    pub summary: String,
    /// Unread, read or archived.
    pub state: InboxState,
    /// When.
    pub created_at: Timestamp,
    /// When it was first read.
    pub read_at: Option<Timestamp>,
}

const COLS: &str =
    "id, org_id, user_id, kind, project_id, item_id, actor_id, summary, state, created_at, read_at";

fn of_row(r: &sqlx::any::AnyRow, sealer: &dyn Sealer) -> StoreResult<Notification> {
    let org_id: OrgId = parse(r, "org_id")?;
    let summary: Vec<u8> = r.try_get("summary")?;
    let kind = text(r, "kind")?;
    Ok(Notification {
        id: text(r, "id")?,
        org_id,
        user_id: parse(r, "user_id")?,
        kind: kind
            .parse()
            .map_err(|_| StoreError::Corrupt(format!("notification kind {kind:?}")))?,
        project_id: parse(r, "project_id")?,
        item_id: parse(r, "item_id")?,
        actor_id: parse_opt(r, "actor_id")?,
        summary: open_text(sealer, org_id, &summary)?,
        state: parse(r, "state")?,
        created_at: ts(r, "created_at")?,
        read_at: ts_opt(r, "read_at")?,
    })
}

/// Adds an entry.
pub async fn insert(
    c: &mut AnyConnection,
    sealer: &dyn Sealer,
    n: &Notification,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO notifications (id, org_id, user_id, kind, project_id, item_id, actor_id, \
         summary, state, created_at, read_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(&n.id)
    .bind(n.org_id.to_string())
    .bind(n.user_id.to_string())
    .bind(n.kind.as_str())
    .bind(n.project_id.to_string())
    .bind(n.item_id.to_string())
    .bind(n.actor_id.map(|a| a.to_string()))
    .bind(seal_text(sealer, n.org_id, &n.summary)?)
    .bind(n.state.as_str())
    .bind(n.created_at.0)
    .bind(n.read_at.map(|t| t.0))
    .execute(c)
    .await?;
    Ok(())
}

/// Whether the person has an unread entry of this kind for the item (for coalescing).
pub async fn has_unread(
    c: &mut AnyConnection,
    user: UserId,
    item: ItemId,
    kind: NotificationKind,
) -> StoreResult<bool> {
    let row = sqlx::query(
        "SELECT 1 AS one FROM notifications WHERE item_id = $1 AND user_id = $2 AND kind = $3 \
         AND state = 'unread' LIMIT 1",
    )
    .bind(item.to_string())
    .bind(user.to_string())
    .bind(kind.as_str())
    .fetch_optional(c)
    .await?;
    Ok(row.is_some())
}

/// A person's entries, newest first, in the given states, at most `limit` older than the
/// cursor `before` (an entry id).
pub async fn list(
    c: &mut AnyConnection,
    sealer: &dyn Sealer,
    user: UserId,
    states: &[InboxState],
    before: Option<&str>,
    limit: u32,
) -> StoreResult<Vec<Notification>> {
    let sql = format!(
        "SELECT {COLS} FROM notifications WHERE user_id = $1 AND id < $2 AND state IN ({}) \
         ORDER BY id DESC LIMIT $3",
        crate::param_list(4, states.len())
    );
    // UUIDv7 text sorts below any "~"; an empty cursor starts at the newest.
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(user.to_string())
        .bind(before.unwrap_or("~"))
        .bind(i64::from(limit));
    for s in states {
        q = q.bind(s.as_str());
    }
    let rows = q.fetch_all(c).await?;
    rows.iter().map(|r| of_row(r, sealer)).collect()
}

/// One of a person's entries.
pub async fn get(
    c: &mut AnyConnection,
    sealer: &dyn Sealer,
    user: UserId,
    id: &str,
) -> StoreResult<Option<Notification>> {
    let sql = format!("SELECT {COLS} FROM notifications WHERE user_id = $1 AND id = $2");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(user.to_string())
        .bind(id)
        .fetch_optional(c)
        .await?;
    row.map(|r| of_row(&r, sealer)).transpose()
}

/// Moves one entry to `state` (the first read time is kept).
pub async fn set_state(
    c: &mut AnyConnection,
    user: UserId,
    id: &str,
    state: InboxState,
    now: Timestamp,
) -> StoreResult<bool> {
    let read_at = (state != InboxState::Unread).then_some(now.0);
    let r = sqlx::query(
        "UPDATE notifications SET state = $3, read_at = CASE WHEN $4 IS NULL THEN NULL \
         ELSE COALESCE(read_at, $4) END WHERE user_id = $1 AND id = $2",
    )
    .bind(user.to_string())
    .bind(id)
    .bind(state.as_str())
    .bind(read_at)
    .execute(c)
    .await?;
    Ok(r.rows_affected() > 0)
}

/// Marks every unread entry of a person read; returns how many.
pub async fn mark_all_read(
    c: &mut AnyConnection,
    user: UserId,
    now: Timestamp,
) -> StoreResult<u64> {
    let r = sqlx::query(
        "UPDATE notifications SET state = 'read', read_at = $2 WHERE user_id = $1 AND state = 'unread'",
    )
    .bind(user.to_string())
    .bind(now.0)
    .execute(c)
    .await?;
    Ok(r.rows_affected())
}

/// How many unread entries a person has.
pub async fn unread_count(c: &mut AnyConnection, user: UserId) -> StoreResult<i64> {
    let row = sqlx::query(
        "SELECT COUNT(*) AS n FROM notifications WHERE user_id = $1 AND state = 'unread'",
    )
    .bind(user.to_string())
    .fetch_one(c)
    .await?;
    Ok(row.try_get::<i64, _>("n")?)
}
