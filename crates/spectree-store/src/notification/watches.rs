//! The `watches` table: who follows an item, or an item and its whole subtree.

use spectree_domain::Timestamp;
use spectree_domain::ids::{ItemId, OrgId, UserId};
use spectree_domain::notification::WatchReason;
use sqlx::AnyConnection;

use crate::row::{flag, parse, ts};
use crate::{StoreResult, Writes};

/// One watch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Watch {
    /// The watched item.
    pub item_id: ItemId,
    /// The watcher.
    pub user_id: UserId,
    /// Organization.
    pub org_id: OrgId,
    /// Whether everything under the item is watched too.
    pub subtree: bool,
    /// Why the watch exists.
    pub reason: WatchReason,
    /// Since when.
    pub created_at: Timestamp,
}

fn watch_of(r: &sqlx::any::AnyRow) -> StoreResult<Watch> {
    Ok(Watch {
        item_id: parse(r, "item_id")?,
        user_id: parse(r, "user_id")?,
        org_id: parse(r, "org_id")?,
        subtree: flag(r, "subtree")?,
        reason: parse(r, "reason")?,
        created_at: ts(r, "created_at")?,
    })
}

/// Sets a person's own watch on an item (replacing any earlier one, automatic or not).
pub async fn put(c: &mut AnyConnection, w: &Watch) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO watches (item_id, user_id, org_id, subtree, reason, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (item_id, user_id) DO UPDATE SET \
         subtree = excluded.subtree, reason = excluded.reason",
    )
    .bind(w.item_id.to_string())
    .bind(w.user_id.to_string())
    .bind(w.org_id.to_string())
    .bind(i64::from(w.subtree))
    .bind(w.reason.as_str())
    .bind(w.created_at.0)
    .execute(c)
    .await?;
    Ok(())
}

/// Adds an automatic watch of the item alone, unless the person already has one of any
/// kind (an automatic watch never narrows a subtree watch).
pub async fn add_auto(
    c: &mut AnyConnection,
    org: OrgId,
    item: ItemId,
    user: UserId,
    reason: WatchReason,
    now: Timestamp,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO watches (item_id, user_id, org_id, subtree, reason, created_at) \
         VALUES ($1, $2, $3, 0, $4, $5) ON CONFLICT (item_id, user_id) DO NOTHING",
    )
    .bind(item.to_string())
    .bind(user.to_string())
    .bind(org.to_string())
    .bind(reason.as_str())
    .bind(now.0)
    .execute(c)
    .await?;
    Ok(())
}

/// [`add_auto`] for many watches at once (new items of a bulk creation), with as few
/// statements as the parameter limit allows.
pub async fn add_auto_many(
    c: &mut AnyConnection,
    rows: &[(OrgId, ItemId, UserId, WatchReason)],
    now: Timestamp,
) -> StoreResult<()> {
    let mut w = Writes::new(c);
    push_add_auto_many(&mut w, rows, now);
    w.run(c).await?;
    Ok(())
}

/// [`add_auto_many`] as statements of `w`.
pub fn push_add_auto_many(
    w: &mut Writes,
    rows: &[(OrgId, ItemId, UserId, WatchReason)],
    now: Timestamp,
) {
    const COLS: usize = 6;
    for chunk in rows.chunks(crate::spec::MAX_PARAMS / COLS) {
        let sql = format!(
            "INSERT INTO watches (item_id, user_id, org_id, subtree, reason, created_at) \
             VALUES {} ON CONFLICT (item_id, user_id) DO NOTHING",
            crate::spec::values_placeholders(chunk.len(), COLS)
        );
        let mut q = w.push(&sql);
        for (org, item, user, reason) in chunk {
            q = q
                .bind(item.to_string())
                .bind(user.to_string())
                .bind(org.to_string())
                .bind(0_i64)
                .bind(reason.as_str())
                .bind(now.0);
        }
    }
}

/// Removes a person's watch of an item; returns whether there was one.
pub async fn remove(
    c: &mut AnyConnection,
    org: OrgId,
    item: ItemId,
    user: UserId,
) -> StoreResult<bool> {
    let r = sqlx::query("DELETE FROM watches WHERE org_id = $1 AND item_id = $2 AND user_id = $3")
        .bind(org.to_string())
        .bind(item.to_string())
        .bind(user.to_string())
        .execute(c)
        .await?;
    Ok(r.rows_affected() > 0)
}

/// A person's watches among the given items (an item and its ancestors, say).
pub async fn of_user_among(
    c: &mut AnyConnection,
    org: OrgId,
    user: UserId,
    items: &[ItemId],
) -> StoreResult<Vec<Watch>> {
    let mut out = Vec::new();
    for chunk in items.chunks(100) {
        let sql = format!(
            "SELECT item_id, user_id, org_id, subtree, reason, created_at FROM watches \
             WHERE org_id = $1 AND user_id = $2 AND item_id IN ({})",
            crate::param_list(3, chunk.len())
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(org.to_string())
            .bind(user.to_string());
        for i in chunk {
            q = q.bind(i.to_string());
        }
        for r in q.fetch_all(&mut *c).await? {
            out.push(watch_of(&r)?);
        }
    }
    Ok(out)
}

/// A person's watches, by item id, at most `limit` after the cursor `after` (an item id).
pub async fn list_of_user(
    c: &mut AnyConnection,
    user: UserId,
    after: Option<&str>,
    limit: u32,
) -> StoreResult<Vec<Watch>> {
    let rows = sqlx::query(
        "SELECT item_id, user_id, org_id, subtree, reason, created_at FROM watches \
         WHERE user_id = $1 AND item_id > $2 ORDER BY item_id LIMIT $3",
    )
    .bind(user.to_string())
    .bind(after.unwrap_or(""))
    .bind(i64::from(limit))
    .fetch_all(c)
    .await?;
    rows.iter().map(watch_of).collect()
}

/// The watchers of many items at once, each item's path up to the root read in the same
/// statement: everyone watching the item itself, or an ancestor of it with its subtree.
/// Items nobody watches (and unknown items) are left out.
pub async fn watchers_of_many(
    c: &mut AnyConnection,
    items: &[ItemId],
) -> StoreResult<std::collections::HashMap<ItemId, Vec<UserId>>> {
    let mut out: std::collections::HashMap<ItemId, Vec<UserId>> = Default::default();
    // Both databases must look each path's watches up by the watches' primary key. Left to
    // choose, each scanned every watch of the database (one per item its creator watches):
    // SQLite for each path (1.3 ms a claim), PostgreSQL into a hash table per claim (it
    // cannot estimate a recursive query's rows; 6.9 ms a claim with 14,000 watches, growing
    // with the database). SQLite keeps the paths outside with CROSS JOIN; PostgreSQL reads
    // each path's watches in a lateral subquery that `OFFSET 0` keeps from being flattened.
    let watches = if c.backend_name().eq_ignore_ascii_case("postgresql") {
        "CROSS JOIN LATERAL (SELECT user_id, subtree FROM watches w2 \
         WHERE w2.item_id = up.id OFFSET 0) wa"
    } else {
        "CROSS JOIN watches wa ON wa.item_id = up.id"
    };
    for chunk in items.chunks(200) {
        let sql = format!(
            "WITH RECURSIVE up(start, id, parent_id, depth) AS ( \
               SELECT id, id, parent_id, 0 FROM work_items WHERE id IN ({}) \
               UNION ALL \
               SELECT up.start, w.id, w.parent_id, up.depth + 1 FROM work_items w \
               JOIN up ON w.id = up.parent_id WHERE up.depth < 64 \
             ) SELECT up.start AS item_id, wa.user_id FROM up \
             {watches} WHERE up.depth = 0 OR wa.subtree = 1",
            crate::param_list(1, chunk.len())
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for i in chunk {
            q = q.bind(i.to_string());
        }
        for r in q.fetch_all(&mut *c).await? {
            out.entry(parse(&r, "item_id")?)
                .or_default()
                .push(parse(&r, "user_id")?);
        }
    }
    for users in out.values_mut() {
        users.sort();
        users.dedup();
    }
    Ok(out)
}
