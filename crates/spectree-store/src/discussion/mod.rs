//! Comment threads on work items and their comments. Bodies and quoted text pass through the
//! sealing API; every query is scoped by organization.

pub mod handles;
pub mod reactions;

use spectree_domain::Timestamp;
use spectree_domain::ids::{ItemId, OrgId, UserId};
use sqlx::{AnyConnection, Row};

use crate::StoreResult;
use crate::row::{parse, parse_opt, text, text_opt, ts, ts_opt};
use crate::seal::{Sealer, open_text, seal_text};

/// Where a thread is anchored: a text field and two encoded Yjs relative positions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Anchor {
    /// `description` or `criterion:<id>`.
    pub field: String,
    /// Start (a Yjs relative position, v1 encoding).
    pub start: Vec<u8>,
    /// End.
    pub end: Vec<u8>,
    /// The text the range held when the thread was opened.
    pub quote: String,
}

/// A comment thread.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Thread {
    /// Id (UUIDv7).
    pub id: String,
    /// Organization.
    pub org_id: OrgId,
    /// The work item.
    pub item_id: ItemId,
    /// The anchor, `None` for a general thread.
    pub anchor: Option<Anchor>,
    /// Who opened it.
    pub created_by: UserId,
    /// When.
    pub created_at: Timestamp,
    /// When it was resolved, if it is.
    pub resolved_at: Option<Timestamp>,
    /// By whom.
    pub resolved_by: Option<UserId>,
}

/// One comment of a thread.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comment {
    /// Id (UUIDv7).
    pub id: String,
    /// Organization.
    pub org_id: OrgId,
    /// The thread.
    pub thread_id: String,
    /// Author.
    pub author_id: UserId,
    /// Markdown body (empty once deleted).
    pub body: String,
    /// Created.
    pub created_at: Timestamp,
    /// Last edited.
    pub edited_at: Option<Timestamp>,
    /// Deleted (the row stays as a tombstone).
    pub deleted_at: Option<Timestamp>,
}

const THREAD_COLS: &str = "id, org_id, item_id, anchor_field, anchor_start, anchor_end, \
     anchor_quote, created_by, created_at, resolved_at, resolved_by";
const COMMENT_COLS: &str =
    "id, org_id, thread_id, author_id, body, created_at, edited_at, deleted_at";

fn thread_of(r: &sqlx::any::AnyRow, sealer: &dyn Sealer) -> StoreResult<Thread> {
    let org_id: OrgId = parse(r, "org_id")?;
    let field: Option<String> = text_opt(r, "anchor_field")?;
    let anchor = match field {
        Some(field) => {
            let quote: Option<Vec<u8>> = r.try_get("anchor_quote")?;
            Some(Anchor {
                field,
                start: r
                    .try_get::<Option<Vec<u8>>, _>("anchor_start")?
                    .unwrap_or_default(),
                end: r
                    .try_get::<Option<Vec<u8>>, _>("anchor_end")?
                    .unwrap_or_default(),
                quote: match quote {
                    Some(q) => open_text(sealer, org_id, &q)?,
                    None => String::new(),
                },
            })
        }
        None => None,
    };
    Ok(Thread {
        id: text(r, "id")?,
        org_id,
        item_id: parse(r, "item_id")?,
        anchor,
        created_by: parse(r, "created_by")?,
        created_at: ts(r, "created_at")?,
        resolved_at: ts_opt(r, "resolved_at")?,
        resolved_by: parse_opt(r, "resolved_by")?,
    })
}

fn comment_of(r: &sqlx::any::AnyRow, sealer: &dyn Sealer) -> StoreResult<Comment> {
    let org_id: OrgId = parse(r, "org_id")?;
    let body: Vec<u8> = r.try_get("body")?;
    Ok(Comment {
        id: text(r, "id")?,
        org_id,
        thread_id: text(r, "thread_id")?,
        author_id: parse(r, "author_id")?,
        body: open_text(sealer, org_id, &body)?,
        created_at: ts(r, "created_at")?,
        edited_at: ts_opt(r, "edited_at")?,
        deleted_at: ts_opt(r, "deleted_at")?,
    })
}

/// Stores a new thread.
pub async fn insert_thread(
    c: &mut AnyConnection,
    sealer: &dyn Sealer,
    t: &Thread,
) -> StoreResult<()> {
    let quote = match &t.anchor {
        Some(a) => Some(seal_text(sealer, t.org_id, &a.quote)?),
        None => None,
    };
    sqlx::query(
        "INSERT INTO comment_threads (id, org_id, item_id, anchor_field, anchor_start, anchor_end, \
         anchor_quote, created_by, created_at, resolved_at, resolved_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, NULL, NULL)",
    )
    .bind(&t.id)
    .bind(t.org_id.to_string())
    .bind(t.item_id.to_string())
    .bind(t.anchor.as_ref().map(|a| a.field.clone()))
    .bind(t.anchor.as_ref().map(|a| a.start.clone()))
    .bind(t.anchor.as_ref().map(|a| a.end.clone()))
    .bind(quote)
    .bind(t.created_by.to_string())
    .bind(t.created_at.0)
    .execute(c)
    .await?;
    Ok(())
}

/// A thread of the organization.
pub async fn get_thread(
    c: &mut AnyConnection,
    sealer: &dyn Sealer,
    org: OrgId,
    id: &str,
) -> StoreResult<Option<Thread>> {
    let sql = format!("SELECT {THREAD_COLS} FROM comment_threads WHERE org_id = $1 AND id = $2");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(org.to_string())
        .bind(id)
        .fetch_optional(c)
        .await?;
    row.map(|r| thread_of(&r, sealer)).transpose()
}

/// The item of a thread, whoever asks (the use case then authorizes on that item, so a
/// stranger learns nothing).
pub async fn thread_item(c: &mut AnyConnection, id: &str) -> StoreResult<Option<ItemId>> {
    let row = sqlx::query("SELECT item_id FROM comment_threads WHERE id = $1")
        .bind(id)
        .fetch_optional(c)
        .await?;
    row.map(|r| parse(&r, "item_id")).transpose()
}

/// The item of a comment's thread, whoever asks (authorized by the caller, as above).
pub async fn comment_item(c: &mut AnyConnection, id: &str) -> StoreResult<Option<ItemId>> {
    let row = sqlx::query(
        "SELECT t.item_id FROM comments m JOIN comment_threads t ON t.id = m.thread_id \
         WHERE m.id = $1 AND t.org_id = m.org_id",
    )
    .bind(id)
    .fetch_optional(c)
    .await?;
    row.map(|r| parse(&r, "item_id")).transpose()
}

/// Threads of an item, oldest first, at most `limit` after the cursor `after`.
pub async fn list_threads(
    c: &mut AnyConnection,
    sealer: &dyn Sealer,
    org: OrgId,
    item: ItemId,
    after: Option<&str>,
    limit: u32,
) -> StoreResult<Vec<Thread>> {
    let sql = format!(
        "SELECT {THREAD_COLS} FROM comment_threads WHERE org_id = $1 AND item_id = $2 AND id > $3 \
         ORDER BY id LIMIT $4"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(org.to_string())
        .bind(item.to_string())
        .bind(after.unwrap_or(""))
        .bind(i64::from(limit))
        .fetch_all(c)
        .await?;
    rows.iter().map(|r| thread_of(r, sealer)).collect()
}

/// Marks a thread resolved (`Some`) or open again (`None`).
pub async fn set_resolved(
    c: &mut AnyConnection,
    org: OrgId,
    id: &str,
    resolved: Option<(Timestamp, UserId)>,
) -> StoreResult<()> {
    sqlx::query(
        "UPDATE comment_threads SET resolved_at = $3, resolved_by = $4 WHERE org_id = $1 AND id = $2",
    )
    .bind(org.to_string())
    .bind(id)
    .bind(resolved.map(|r| r.0.0))
    .bind(resolved.map(|r| r.1.to_string()))
    .execute(c)
    .await?;
    Ok(())
}

/// Stores a new comment.
pub async fn insert_comment(
    c: &mut AnyConnection,
    sealer: &dyn Sealer,
    m: &Comment,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO comments (id, org_id, thread_id, author_id, body, created_at, edited_at, deleted_at) \
         VALUES ($1, $2, $3, $4, $5, $6, NULL, NULL)",
    )
    .bind(&m.id)
    .bind(m.org_id.to_string())
    .bind(&m.thread_id)
    .bind(m.author_id.to_string())
    .bind(seal_text(sealer, m.org_id, &m.body)?)
    .bind(m.created_at.0)
    .execute(c)
    .await?;
    Ok(())
}

/// A comment of the organization.
pub async fn get_comment(
    c: &mut AnyConnection,
    sealer: &dyn Sealer,
    org: OrgId,
    id: &str,
) -> StoreResult<Option<Comment>> {
    let sql = format!("SELECT {COMMENT_COLS} FROM comments WHERE org_id = $1 AND id = $2");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(org.to_string())
        .bind(id)
        .fetch_optional(c)
        .await?;
    row.map(|r| comment_of(&r, sealer)).transpose()
}

/// Comments of the given threads, oldest first.
pub async fn comments_of(
    c: &mut AnyConnection,
    sealer: &dyn Sealer,
    org: OrgId,
    threads: &[String],
) -> StoreResult<Vec<Comment>> {
    let mut out = Vec::new();
    for chunk in threads.chunks(100) {
        let sql = format!(
            "SELECT {COMMENT_COLS} FROM comments WHERE org_id = $1 AND thread_id IN ({}) ORDER BY id",
            crate::param_list(2, chunk.len())
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(org.to_string());
        for t in chunk {
            q = q.bind(t.clone());
        }
        for r in q.fetch_all(&mut *c).await? {
            out.push(comment_of(&r, sealer)?);
        }
    }
    out.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(out)
}

/// Replaces a comment's body and marks it edited.
pub async fn edit_comment(
    c: &mut AnyConnection,
    sealer: &dyn Sealer,
    org: OrgId,
    id: &str,
    body: &str,
    now: Timestamp,
) -> StoreResult<()> {
    sqlx::query("UPDATE comments SET body = $3, edited_at = $4 WHERE org_id = $1 AND id = $2")
        .bind(org.to_string())
        .bind(id)
        .bind(seal_text(sealer, org, body)?)
        .bind(now.0)
        .execute(c)
        .await?;
    Ok(())
}

/// Turns a comment into a tombstone: body emptied, reactions and mentions dropped.
pub async fn tombstone_comment(
    c: &mut AnyConnection,
    sealer: &dyn Sealer,
    org: OrgId,
    id: &str,
    now: Timestamp,
) -> StoreResult<()> {
    sqlx::query("UPDATE comments SET body = $3, deleted_at = $4 WHERE org_id = $1 AND id = $2")
        .bind(org.to_string())
        .bind(id)
        .bind(seal_text(sealer, org, "")?)
        .bind(now.0)
        .execute(&mut *c)
        .await?;
    for table in ["comment_reactions", "comment_mentions"] {
        let sql = format!("DELETE FROM {table} WHERE org_id = $1 AND comment_id = $2");
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(org.to_string())
            .bind(id)
            .execute(&mut *c)
            .await?;
    }
    Ok(())
}

/// Replaces the people a comment mentions: (user, could see the item).
pub async fn set_mentions(
    c: &mut AnyConnection,
    org: OrgId,
    comment: &str,
    users: &[(UserId, bool)],
    now: Timestamp,
) -> StoreResult<()> {
    sqlx::query("DELETE FROM comment_mentions WHERE org_id = $1 AND comment_id = $2")
        .bind(org.to_string())
        .bind(comment)
        .execute(&mut *c)
        .await?;
    for (user, access) in users {
        sqlx::query(
            "INSERT INTO comment_mentions (comment_id, user_id, org_id, has_access, created_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(comment)
        .bind(user.to_string())
        .bind(org.to_string())
        .bind(i64::from(*access))
        .bind(now.0)
        .execute(&mut *c)
        .await?;
    }
    Ok(())
}

/// The people mentioned by the given comments: (comment, user, could see the item).
pub async fn mentions_of(
    c: &mut AnyConnection,
    org: OrgId,
    comments: &[String],
) -> StoreResult<Vec<(String, UserId, bool)>> {
    let mut out = Vec::new();
    for chunk in comments.chunks(100) {
        let sql = format!(
            "SELECT comment_id, user_id, has_access FROM comment_mentions WHERE org_id = $1 \
             AND comment_id IN ({}) ORDER BY comment_id, user_id",
            crate::param_list(2, chunk.len())
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(org.to_string());
        for m in chunk {
            q = q.bind(m.clone());
        }
        for r in q.fetch_all(&mut *c).await? {
            out.push((
                text(&r, "comment_id")?,
                parse(&r, "user_id")?,
                crate::row::flag(&r, "has_access")?,
            ));
        }
    }
    Ok(out)
}
