//! The `notification_digest` queue: lines waiting for a person's next digest email.

use spectree_domain::Timestamp;
use spectree_domain::ids::{ItemId, OrgId, ProjectId, UserId};
use spectree_domain::notification::NotificationKind;
use sqlx::{AnyConnection, Row};

use crate::row::{parse, text, ts};
use crate::seal::{Sealer, open_text, seal_text};
use crate::{StoreError, StoreResult};

/// One queued line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DigestEntry {
    /// Id (UUIDv7).
    pub id: String,
    /// Organization of the item.
    pub org_id: OrgId,
    /// The person.
    pub user_id: UserId,
    /// What happened.
    pub kind: NotificationKind,
    /// The item's project.
    pub project_id: ProjectId,
    /// The item.
    pub item_id: ItemId,
    /// One line of text.
    pub summary: String,
    /// When it was queued.
    pub created_at: Timestamp,
}

/// Queues a line.
pub async fn insert(
    c: &mut AnyConnection,
    sealer: &dyn Sealer,
    e: &DigestEntry,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO notification_digest (id, org_id, user_id, kind, project_id, item_id, summary, \
         created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(&e.id)
    .bind(e.org_id.to_string())
    .bind(e.user_id.to_string())
    .bind(e.kind.as_str())
    .bind(e.project_id.to_string())
    .bind(e.item_id.to_string())
    .bind(seal_text(sealer, e.org_id, &e.summary)?)
    .bind(e.created_at.0)
    .execute(c)
    .await?;
    Ok(())
}

/// People whose oldest queued line is at or before `due` (their digest is due), at most
/// `limit`.
pub async fn due_users(
    c: &mut AnyConnection,
    due: Timestamp,
    limit: u32,
) -> StoreResult<Vec<UserId>> {
    let rows = sqlx::query(
        "SELECT user_id FROM notification_digest GROUP BY user_id HAVING MIN(created_at) <= $1 \
         ORDER BY user_id LIMIT $2",
    )
    .bind(due.0)
    .bind(i64::from(limit))
    .fetch_all(c)
    .await?;
    rows.iter().map(|r| parse(r, "user_id")).collect()
}

/// Takes a person's queued lines out of the queue, oldest first: returns them only when this
/// caller deleted them (so two nodes never mail the same lines).
pub async fn take(
    c: &mut AnyConnection,
    sealer: &dyn Sealer,
    user: UserId,
) -> StoreResult<Vec<DigestEntry>> {
    let rows = sqlx::query(
        "SELECT id, org_id, user_id, kind, project_id, item_id, summary, created_at \
         FROM notification_digest WHERE user_id = $1 ORDER BY id",
    )
    .bind(user.to_string())
    .fetch_all(&mut *c)
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        let org_id: OrgId = parse(r, "org_id")?;
        let kind = text(r, "kind")?;
        let summary: Vec<u8> = r.try_get("summary")?;
        out.push(DigestEntry {
            id: text(r, "id")?,
            org_id,
            user_id: parse(r, "user_id")?,
            kind: kind
                .parse()
                .map_err(|_| StoreError::Corrupt(format!("digest kind {kind:?}")))?,
            project_id: parse(r, "project_id")?,
            item_id: parse(r, "item_id")?,
            summary: open_text(sealer, org_id, &summary)?,
            created_at: ts(r, "created_at")?,
        });
    }
    let mut taken = Vec::with_capacity(out.len());
    for e in out {
        let r = sqlx::query("DELETE FROM notification_digest WHERE id = $1")
            .bind(&e.id)
            .execute(&mut *c)
            .await?;
        if r.rows_affected() == 1 {
            taken.push(e);
        }
    }
    Ok(taken)
}
