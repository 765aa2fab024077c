//! The search words of each item (see `spectree_domain::spec::search`): one row per distinct
//! word, range-scanned for prefix matches.

use std::collections::BTreeSet;

use spectree_domain::ids::{ItemId, ProjectId};
use spectree_domain::spec::search::prefix_upper_bound;
use sqlx::AnyConnection;

use super::{MAX_PARAMS, values_placeholders};
use crate::StoreResult;
use crate::row::parse;

/// Adds the words of items (project, item, its words).
pub async fn insert(
    c: &mut AnyConnection,
    project: ProjectId,
    words: &[(ItemId, BTreeSet<String>)],
) -> StoreResult<()> {
    let project = project.to_string();
    let rows: Vec<(String, &str)> = words
        .iter()
        .flat_map(|(id, ws)| {
            let id = id.to_string();
            ws.iter().map(move |w| (id.clone(), w.as_str()))
        })
        .collect();
    for chunk in rows.chunks(MAX_PARAMS / 3) {
        let sql = format!(
            "INSERT INTO item_words (project_id, word, item_id) VALUES {}",
            values_placeholders(chunk.len(), 3)
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for (id, w) in chunk {
            q = q.bind(project.clone()).bind(*w).bind(id.clone());
        }
        q.execute(&mut *c).await?;
    }
    Ok(())
}

/// Replaces an item's words.
pub async fn replace(
    c: &mut AnyConnection,
    project: ProjectId,
    item: ItemId,
    words: BTreeSet<String>,
) -> StoreResult<()> {
    sqlx::query("DELETE FROM item_words WHERE item_id = $1")
        .bind(item.to_string())
        .execute(&mut *c)
        .await?;
    insert(c, project, &[(item, words)]).await
}

/// Live items of a project having, for every query word, a word that starts with it; in id
/// order after a cursor.
pub async fn search(
    c: &mut AnyConnection,
    project: ProjectId,
    query_words: &[String],
    after: Option<&str>,
    limit: u32,
) -> StoreResult<Vec<ItemId>> {
    let Some((first, rest)) = query_words.split_first() else {
        return Ok(Vec::new());
    };
    let mut sql = String::from(
        "SELECT DISTINCT iw.item_id FROM item_words iw JOIN work_items w ON w.id = iw.item_id \
         WHERE iw.project_id = $1 AND iw.word >= $2 AND iw.word < $3 AND iw.item_id > $4 \
         AND w.deleted_at IS NULL",
    );
    for i in 0..rest.len() {
        let lo = 6 + 2 * i;
        sql.push_str(&format!(
            " AND EXISTS (SELECT 1 FROM item_words x WHERE x.project_id = iw.project_id \
             AND x.item_id = iw.item_id AND x.word >= ${lo} AND x.word < ${})",
            lo + 1
        ));
    }
    sql.push_str(" ORDER BY iw.item_id LIMIT $5");
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(project.to_string())
        .bind(first.clone())
        .bind(prefix_upper_bound(first))
        .bind(after.unwrap_or("").to_owned())
        .bind(i64::from(limit));
    for w in rest {
        q = q.bind(w.clone()).bind(prefix_upper_bound(w));
    }
    let rows = q.fetch_all(c).await?;
    rows.iter().map(|r| parse(r, "item_id")).collect()
}
