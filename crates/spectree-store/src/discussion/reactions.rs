//! Emoji reactions on comments: one row per user, comment and emoji.

use spectree_domain::Timestamp;
use spectree_domain::ids::{OrgId, UserId};
use sqlx::AnyConnection;

use crate::StoreResult;
use crate::row::{parse, text};

/// Adds the reaction, or removes it when the user already gave it; returns whether it is
/// there now.
pub async fn toggle(
    c: &mut AnyConnection,
    org: OrgId,
    comment: &str,
    user: UserId,
    emoji: &str,
    now: Timestamp,
) -> StoreResult<bool> {
    let removed = sqlx::query(
        "DELETE FROM comment_reactions WHERE org_id = $1 AND comment_id = $2 AND user_id = $3 \
         AND emoji = $4",
    )
    .bind(org.to_string())
    .bind(comment)
    .bind(user.to_string())
    .bind(emoji)
    .execute(&mut *c)
    .await?;
    if removed.rows_affected() > 0 {
        return Ok(false);
    }
    sqlx::query(
        "INSERT INTO comment_reactions (comment_id, user_id, emoji, org_id, created_at) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (comment_id, user_id, emoji) DO NOTHING",
    )
    .bind(comment)
    .bind(user.to_string())
    .bind(emoji)
    .bind(org.to_string())
    .bind(now.0)
    .execute(c)
    .await?;
    Ok(true)
}

/// Reactions on the given comments: (comment, emoji, user), in the order they were given.
pub async fn of_comments(
    c: &mut AnyConnection,
    org: OrgId,
    comments: &[String],
) -> StoreResult<Vec<(String, String, UserId)>> {
    let mut out = Vec::new();
    for chunk in comments.chunks(100) {
        let sql = format!(
            "SELECT comment_id, emoji, user_id FROM comment_reactions WHERE org_id = $1 \
             AND comment_id IN ({}) ORDER BY created_at, user_id",
            crate::param_list(2, chunk.len())
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(org.to_string());
        for m in chunk {
            q = q.bind(m.clone());
        }
        for r in q.fetch_all(&mut *c).await? {
            out.push((
                text(&r, "comment_id")?,
                text(&r, "emoji")?,
                parse(&r, "user_id")?,
            ));
        }
    }
    Ok(out)
}
