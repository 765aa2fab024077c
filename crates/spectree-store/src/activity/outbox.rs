//! The activity outbox. Each recorded activity leaves a row here in the transaction of the
//! change; a dispatcher claims rows in its own transaction (deleting them) and hands the
//! activities to its consumers in that same transaction, so an activity is processed once:
//! a claim that rolls back puts its rows back. On PostgreSQL claimers on several nodes skip
//! each other's locked rows (`FOR UPDATE SKIP LOCKED`); SQLite has one writer.

use sqlx::AnyConnection;

use super::{Activity, COLUMNS, from_row, get_many};
use crate::{Dialect, StoreResult};

/// Whether anything waits in the outbox (a cheap read, so an idle dispatcher does not open
/// a write transaction for nothing).
pub async fn pending(c: &mut AnyConnection) -> StoreResult<bool> {
    Ok(
        sqlx::query("SELECT activity_id FROM activity_outbox LIMIT 1")
            .fetch_optional(c)
            .await?
            .is_some(),
    )
}

/// Claims (deletes) up to `limit` of the oldest outbox rows and returns their activities in
/// id order. Call inside the dispatcher's transaction, first.
///
/// On PostgreSQL the claim transaction commits asynchronously (`synchronous_commit = off`,
/// for this transaction only): should the database crash before it flushes, the whole
/// transaction (claim and consumers' writes) is lost together and the rows are claimed
/// again, so nothing is processed twice in the database; only side effects after the
/// commit (a live event) may repeat, with the same activity id.
pub async fn claim(
    c: &mut AnyConnection,
    dialect: Dialect,
    limit: u32,
) -> StoreResult<Vec<Activity>> {
    if dialect == Dialect::Postgres {
        sqlx::query("SET LOCAL synchronous_commit = off")
            .execute(&mut *c)
            .await?;
        // One round trip: claim and read the claimed activities.
        let sql = format!(
            "WITH claimed AS (DELETE FROM activity_outbox WHERE activity_id IN (SELECT \
             activity_id FROM activity_outbox ORDER BY activity_id LIMIT $1 FOR UPDATE SKIP \
             LOCKED) RETURNING activity_id) SELECT {COLUMNS} FROM activity WHERE id IN \
             (SELECT activity_id FROM claimed) ORDER BY id"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(i64::from(limit))
            .fetch_all(c)
            .await?;
        return rows.iter().map(from_row).collect();
    }
    let rows = sqlx::query(
        "DELETE FROM activity_outbox WHERE activity_id IN (SELECT activity_id FROM \
         activity_outbox ORDER BY activity_id LIMIT $1) RETURNING activity_id",
    )
    .bind(i64::from(limit))
    .fetch_all(&mut *c)
    .await?;
    let mut ids = Vec::with_capacity(rows.len());
    for r in &rows {
        ids.push(sqlx::Row::try_get::<i64, _>(r, "activity_id")?);
    }
    ids.sort_unstable();
    get_many(c, &ids).await
}
