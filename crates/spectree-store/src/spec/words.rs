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

/// Word rows counted per query word before choosing a plan; a word with more matches than
/// this counts as common.
const COMMON: i64 = 2000;

/// How many word rows start with `prefix`, counting no further than [`COMMON`].
async fn bounded_count(c: &mut AnyConnection, project: &str, prefix: &str) -> StoreResult<i64> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM (SELECT 1 FROM item_words WHERE project_id = $1 AND word >= $2 \
         AND word < $3 LIMIT $4) AS hits",
    )
    .bind(project.to_owned())
    .bind(prefix.to_owned())
    .bind(prefix_upper_bound(prefix))
    .bind(COMMON)
    .fetch_one(c)
    .await?;
    Ok(n)
}

/// Live items of a project having, for every query word, a word that starts with it; in id
/// order after a cursor.
///
/// Two plans, chosen by a bounded count of each word's matches: the rarest word's rows drive
/// the search and the other words are checked per hit; a single common word instead walks
/// items in id order, so its first page comes without reading all its rows.
pub async fn search(
    c: &mut AnyConnection,
    project: ProjectId,
    query_words: &[String],
    after: Option<&str>,
    limit: u32,
) -> StoreResult<Vec<ItemId>> {
    if query_words.is_empty() {
        return Ok(Vec::new());
    }
    let pid = project.to_string();
    let mut counted = Vec::with_capacity(query_words.len());
    for w in query_words {
        counted.push((bounded_count(&mut *c, &pid, w).await?, w.clone()));
    }
    counted.sort();
    let fewest = counted[0].0;
    if fewest == 0 {
        return Ok(Vec::new());
    }
    // Walking items in id order finds a page quickly when one common word is asked for; with
    // several words their conjunction may be rare even when each word is common, so the
    // rarest word's rows drive the search then (bounded by its matches).
    let rare = fewest < COMMON || query_words.len() > 1;
    // The rarest word first: it drives the rare plan.
    let words: Vec<String> = counted.into_iter().map(|(_, w)| w).collect();
    let exists = |col: &str, i: usize| {
        let lo = 6 + 2 * i;
        format!(
            " AND EXISTS (SELECT 1 FROM item_words x WHERE x.project_id = $1 \
             AND x.item_id = {col} AND x.word >= ${lo} AND x.word < ${})",
            lo + 1
        )
    };
    let mut sql;
    if rare {
        sql = String::from(
            "SELECT DISTINCT iw.item_id AS item_id FROM item_words iw JOIN work_items w ON w.id = iw.item_id \
             WHERE iw.project_id = $1 AND iw.word >= $2 AND iw.word < $3 AND iw.item_id > $4 \
             AND w.deleted_at IS NULL",
        );
        for i in 0..words.len() - 1 {
            sql.push_str(&exists("iw.item_id", i));
        }
        sql.push_str(" ORDER BY iw.item_id LIMIT $5");
    } else {
        sql = String::from(
            "SELECT w.id AS item_id FROM work_items w WHERE w.project_id = $1 AND w.id > $4 \
             AND w.deleted_at IS NULL \
             AND EXISTS (SELECT 1 FROM item_words x0 WHERE x0.project_id = $1 AND x0.item_id = w.id \
             AND x0.word >= $2 AND x0.word < $3)",
        );
        for i in 0..words.len() - 1 {
            sql.push_str(&exists("w.id", i));
        }
        sql.push_str(" ORDER BY w.id LIMIT $5");
    }
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(pid)
        .bind(words[0].clone())
        .bind(prefix_upper_bound(&words[0]))
        .bind(after.unwrap_or("").to_owned())
        .bind(i64::from(limit));
    for w in &words[1..] {
        q = q.bind(w.clone()).bind(prefix_upper_bound(w));
    }
    let rows = q.fetch_all(c).await?;
    rows.iter().map(|r| parse(r, "item_id")).collect()
}
