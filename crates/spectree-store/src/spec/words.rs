//! The search index (see `spectree_domain::spec::search` and docs/decisions/0006): per item,
//! its words as one text (`item_search`) and its word prefixes of 3 and 5 characters as
//! keys (`item_keys`, ordered by project, key, item).

use std::collections::BTreeSet;

use spectree_domain::ids::{ItemId, ProjectId};
use spectree_domain::spec::search::{needle, query_key, word_keys, words_text};
use sqlx::{AnyConnection, Row};

use super::{MAX_PARAMS, values_placeholders};
use crate::StoreResult;
use crate::row::parse;

/// Items with more of a key than this are "common": counting stops there.
const COUNT_CAP: i64 = 3000;

/// The keys of a set of words.
fn keys_of(words: &BTreeSet<String>) -> BTreeSet<&str> {
    words.iter().flat_map(|w| word_keys(w)).collect()
}

fn is_postgres(c: &AnyConnection) -> bool {
    c.backend_name().eq_ignore_ascii_case("postgresql")
}

/// Adds the index rows of new items (project, item, its words): their words and their keys.
/// A batch (bulk create, import) writes its keys at once: sorted together, many items share
/// the key table's pages.
pub async fn insert(
    c: &mut AnyConnection,
    project: ProjectId,
    words: &[(ItemId, BTreeSet<String>)],
) -> StoreResult<()> {
    let project = project.to_string();
    insert_texts(c, &project, words).await?;
    let keys: Vec<(String, &str)> = words
        .iter()
        .flat_map(|(id, ws)| {
            let id = id.to_string();
            keys_of(ws).into_iter().map(move |k| (id.clone(), k))
        })
        .collect();
    insert_keys(c, &project, &keys).await
}

/// Adds the words of new items of `project` and lists them for the background indexer, which writes its
/// keys ([`index_pending`]; docs/decisions/0021): about a hundred key rows in as many
/// b-tree pages are most of a single create's cost.
pub async fn insert_deferred(
    c: &mut AnyConnection,
    project: ProjectId,
    words: &[(ItemId, BTreeSet<String>)],
) -> StoreResult<()> {
    if words.is_empty() {
        return Ok(());
    }
    let project = project.to_string();
    insert_texts(c, &project, words).await?;
    for chunk in words.chunks(MAX_PARAMS / 2) {
        let sql = format!(
            "INSERT INTO item_keys_pending (project_id, item_id) VALUES {}",
            values_placeholders(chunk.len(), 2)
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for (id, _) in chunk {
            q = q.bind(project.clone()).bind(id.to_string());
        }
        q.execute(&mut *c).await?;
    }
    Ok(())
}

async fn insert_texts(
    c: &mut AnyConnection,
    project: &str,
    words: &[(ItemId, BTreeSet<String>)],
) -> StoreResult<()> {
    let texts: Vec<(String, String)> = words
        .iter()
        .map(|(id, ws)| (id.to_string(), words_text(ws)))
        .collect();
    for chunk in texts.chunks(MAX_PARAMS / 3) {
        let sql = format!(
            "INSERT INTO item_search (item_id, project_id, words) VALUES {}",
            values_placeholders(chunk.len(), 3)
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for (id, text) in chunk {
            q = q
                .bind(id.clone())
                .bind(project.to_owned())
                .bind(text.clone());
        }
        q.execute(&mut *c).await?;
    }
    Ok(())
}

/// Writes the keys of up to `limit` pending items (those [`insert_deferred`] listed) and takes them
/// off the list; returns how many were taken. The list rows are deleted first, so a
/// concurrent [`replace`] of the same item (which deletes its row first too) waits for this
/// transaction or makes this one skip the item.
pub async fn index_pending(c: &mut AnyConnection, limit: u32) -> StoreResult<usize> {
    let taken = sqlx::query(
        "DELETE FROM item_keys_pending WHERE (project_id, item_id) IN \
         (SELECT project_id, item_id FROM item_keys_pending ORDER BY project_id, item_id LIMIT $1) \
         RETURNING project_id, item_id",
    )
    .bind(i64::from(limit))
    .fetch_all(&mut *c)
    .await?;
    if taken.is_empty() {
        return Ok(0);
    }
    let mut by_project: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for r in &taken {
        by_project
            .entry(r.try_get("project_id")?)
            .or_default()
            .push(r.try_get("item_id")?);
    }
    for (project, ids) in by_project {
        for chunk in ids.chunks(MAX_PARAMS) {
            let sql = format!(
                "SELECT item_id, words FROM item_search WHERE item_id IN ({})",
                (1..=chunk.len())
                    .map(|i| format!("${i}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
            for id in chunk {
                q = q.bind(id.clone());
            }
            let mut items: Vec<(String, BTreeSet<String>)> = Vec::with_capacity(chunk.len());
            for r in q.fetch_all(&mut *c).await? {
                let text: String = r.try_get("words")?;
                items.push((r.try_get("item_id")?, split_words(&text)));
            }
            let keys: Vec<(String, &str)> = items
                .iter()
                .flat_map(|(id, ws)| keys_of(ws).into_iter().map(move |k| (id.clone(), k)))
                .collect();
            insert_keys(c, &project, &keys).await?;
        }
    }
    Ok(taken.len())
}

/// The words of a words text (`" word word …"`).
fn split_words(text: &str) -> BTreeSet<String> {
    text.split(' ')
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Keys sent in one statement (as one JSON parameter).
const KEYS_PER_STATEMENT: usize = 20_000;

/// Inserts keys, sorted, as one JSON array of `[prefix, item]` pairs per statement: the
/// statement text never changes (prepared once per connection) and binds two values, where
/// a `VALUES` list of about 108 rows × 3 parameters per item cost SQLite a linear scan of
/// its parameter names per bind (docs/benchmarks.md).
async fn insert_keys(
    c: &mut AnyConnection,
    project: &str,
    keys: &[(String, &str)],
) -> StoreResult<()> {
    let sql = if is_postgres(c) {
        "INSERT INTO item_keys (project_id, prefix, item_id) \
         SELECT $1, e->>0, e->>1 FROM json_array_elements(CAST($2 AS json)) AS e"
    } else {
        "INSERT INTO item_keys (project_id, prefix, item_id) \
         SELECT $1, value ->> 0, value ->> 1 FROM json_each($2)"
    };
    let mut sorted: Vec<(&str, &str)> = keys.iter().map(|(id, k)| (*k, id.as_str())).collect();
    sorted.sort_unstable();
    for chunk in sorted.chunks(KEYS_PER_STATEMENT) {
        let json = serde_json::to_string(chunk)
            .map_err(|e| crate::StoreError::Corrupt(format!("search keys: {e}")))?;
        sqlx::query(sql)
            .bind(project.to_owned())
            .bind(json)
            .execute(&mut *c)
            .await?;
    }
    Ok(())
}

async fn delete_keys(
    c: &mut AnyConnection,
    project: &str,
    keys: &[(String, &str)],
) -> StoreResult<()> {
    for chunk in keys.chunks((MAX_PARAMS - 1) / 2) {
        let pairs: Vec<String> = (0..chunk.len())
            .map(|i| format!("(prefix = ${} AND item_id = ${})", 2 * i + 2, 2 * i + 3))
            .collect();
        let sql = format!(
            "DELETE FROM item_keys WHERE project_id = $1 AND ({})",
            pairs.join(" OR ")
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(project.to_owned());
        for (id, k) in chunk {
            q = q.bind(*k).bind(id.clone());
        }
        q.execute(&mut *c).await?;
    }
    Ok(())
}

/// The words of an item as indexed.
async fn indexed_words(c: &mut AnyConnection, item: &str) -> StoreResult<BTreeSet<String>> {
    let row = sqlx::query("SELECT words FROM item_search WHERE item_id = $1")
        .bind(item.to_owned())
        .fetch_optional(&mut *c)
        .await?;
    let text: String = match row {
        Some(r) => r.try_get("words")?,
        None => String::new(),
    };
    Ok(split_words(&text))
}

/// Replaces an item's words (only the keys that change are written).
pub async fn replace(
    c: &mut AnyConnection,
    project: ProjectId,
    item: ItemId,
    words: BTreeSet<String>,
) -> StoreResult<()> {
    let id = item.to_string();
    let project = project.to_string();
    // An item still waiting for the indexer has no keys yet: it gets all of them now.
    let pending =
        sqlx::query("DELETE FROM item_keys_pending WHERE project_id = $1 AND item_id = $2")
            .bind(project.clone())
            .bind(id.clone())
            .execute(&mut *c)
            .await?
            .rows_affected()
            > 0;
    let old = if pending {
        BTreeSet::new()
    } else {
        indexed_words(c, &id).await?
    };
    let (old_keys, new_keys) = (keys_of(&old), keys_of(&words));
    let gone: Vec<(String, &str)> = old_keys
        .difference(&new_keys)
        .map(|k| (id.clone(), *k))
        .collect();
    let added: Vec<(String, &str)> = new_keys
        .difference(&old_keys)
        .map(|k| (id.clone(), *k))
        .collect();
    delete_keys(c, &project, &gone).await?;
    insert_keys(c, &project, &added).await?;
    sqlx::query("DELETE FROM item_search WHERE item_id = $1")
        .bind(id.clone())
        .execute(&mut *c)
        .await?;
    sqlx::query("INSERT INTO item_search (item_id, project_id, words) VALUES ($1, $2, $3)")
        .bind(id)
        .bind(project)
        .bind(words_text(&words))
        .execute(&mut *c)
        .await?;
    Ok(())
}

/// Removes the keys (or the pending-list rows) of an item and its whole subtree, before they
/// are purged (their words go with them by cascade).
pub async fn forget_subtree(
    c: &mut AnyConnection,
    project: ProjectId,
    root: ItemId,
) -> StoreResult<()> {
    let rows = sqlx::query(
        "WITH RECURSIVE sub(id) AS ( \
           SELECT id FROM work_items WHERE project_id = $1 AND id = $2 AND trash_root_id = $2 \
           UNION ALL \
           SELECT w.id FROM work_items w JOIN sub ON w.parent_id = sub.id \
         ) SELECT s.item_id, s.words FROM sub JOIN item_search s ON s.item_id = sub.id",
    )
    .bind(project.to_string())
    .bind(root.to_string())
    .fetch_all(&mut *c)
    .await?;
    let mut items: Vec<(String, BTreeSet<String>)> = Vec::with_capacity(rows.len());
    for r in &rows {
        let text: String = r.try_get("words")?;
        items.push((r.try_get("item_id")?, split_words(&text)));
    }
    for chunk in items.chunks(MAX_PARAMS - 1) {
        let sql = format!(
            "DELETE FROM item_keys_pending WHERE project_id = $1 AND item_id IN ({})",
            (2..=chunk.len() + 1)
                .map(|i| format!("${i}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(project.to_string());
        for (id, _) in chunk {
            q = q.bind(id.clone());
        }
        q.execute(&mut *c).await?;
    }
    let keys: Vec<(String, &str)> = items
        .iter()
        .flat_map(|(id, ws)| keys_of(ws).into_iter().map(move |k| (id.clone(), k)))
        .collect();
    delete_keys(c, &project.to_string(), &keys).await
}

/// How many items carry each key, counted up to [`COUNT_CAP`].
async fn key_counts(c: &mut AnyConnection, project: &str, keys: &[&str]) -> StoreResult<Vec<i64>> {
    let parts: Vec<String> = (0..keys.len())
        .map(|i| {
            format!(
                "SELECT CAST({i} AS BIGINT) AS i, (SELECT COUNT(*) FROM (SELECT 1 AS one FROM item_keys \
                 WHERE project_id = $1 AND prefix = ${} LIMIT {COUNT_CAP}) t{i}) AS n",
                i + 2
            )
        })
        .collect();
    let mut q =
        sqlx::query(sqlx::AssertSqlSafe(parts.join(" UNION ALL "))).bind(project.to_owned());
    for k in keys {
        q = q.bind(*k);
    }
    let mut counts = vec![0; keys.len()];
    for r in q.fetch_all(&mut *c).await? {
        let i: i64 = r.try_get("i")?;
        let n: i64 = r.try_get("n")?;
        if let Some(slot) = usize::try_from(i).ok().and_then(|i| counts.get_mut(i)) {
            *slot = n;
        }
    }
    Ok(counts)
}

/// Live items of a project having, for every query word, a word that starts with it; in id
/// order after a cursor.
///
/// Every distinct key of the query words must be among the item's keys, and the words that
/// are not keys themselves are checked against the words text. The rarest key drives: its
/// items come in id order from the primary key, so the scan stops at `limit`. SQLite probes
/// the other keys for each (`CROSS JOIN` keeps that order); PostgreSQL may merge-join the
/// keys' id-ordered ranges. Queries whose words are all shorter than a key walk the
/// project's items in id order.
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
    let project = project.to_string();
    let mut keys: Vec<&str> = query_words.iter().filter_map(|w| query_key(w)).collect();
    keys.sort_unstable();
    keys.dedup();
    if keys.len() > 1 {
        let counts = key_counts(c, &project, &keys).await?;
        let mut ranked: Vec<(i64, &str)> = counts.into_iter().zip(keys).collect();
        ranked.sort_by_key(|(n, k)| (*n, std::cmp::Reverse(k.len())));
        keys = ranked.into_iter().map(|(_, k)| k).collect();
    }
    // Words that are a key themselves are proven by it; the others are checked in the text.
    let checks: Vec<String> = query_words
        .iter()
        .filter(|w| !keys.contains(&w.as_str()))
        .map(|w| needle(w))
        .collect();
    let (pg, join) = if is_postgres(c) {
        (true, "JOIN")
    } else {
        (false, "CROSS JOIN")
    };
    let contains = if pg { "strpos" } else { "instr" };
    // $1 project, $2 cursor, $3 limit, then the keys (driver first), then the checks.
    let mut sql = String::new();
    let order = match keys.split_first() {
        Some((_, rest)) => {
            sql.push_str("SELECT k0.item_id FROM item_keys k0");
            for i in 1..=rest.len() {
                sql.push_str(&format!(
                    " {join} item_keys k{i} ON k{i}.project_id = k0.project_id \
                     AND k{i}.prefix = ${} AND k{i}.item_id = k0.item_id",
                    i + 4
                ));
            }
            sql.push_str(&format!(
                " {join} work_items w ON w.id = k0.item_id \
                 {join} item_search s ON s.item_id = k0.item_id \
                 WHERE k0.project_id = $1 AND k0.prefix = $4 AND k0.item_id > $2 \
                 AND w.deleted_at IS NULL"
            ));
            "k0.item_id"
        }
        None => {
            sql.push_str(&format!(
                "SELECT w.id AS item_id FROM work_items w {join} item_search s \
                 ON s.item_id = w.id \
                 WHERE w.project_id = $1 AND w.id > $2 AND w.deleted_at IS NULL"
            ));
            "w.id"
        }
    };
    let first_check = 4 + keys.len();
    for i in 0..checks.len() {
        sql.push_str(&format!(
            " AND {contains}(s.words, ${}) > 0",
            first_check + i
        ));
    }
    sql.push_str(&format!(" ORDER BY {order} LIMIT $3"));
    // Items whose keys the indexer has not written yet are checked against their words
    // text, every query word (a short list: the indexer empties it within an interval).
    let mut all_needles = Vec::new();
    if !keys.is_empty() {
        let first_needle = first_check + checks.len();
        sql = format!(
            "SELECT item_id FROM (SELECT item_id FROM ({sql}) keyed UNION ALL \
             SELECT p.item_id FROM item_keys_pending p \
             {join} work_items w ON w.id = p.item_id \
             {join} item_search s ON s.item_id = p.item_id \
             WHERE p.project_id = $1 AND p.item_id > $2 AND w.deleted_at IS NULL"
        );
        for (i, w) in query_words.iter().enumerate() {
            sql.push_str(&format!(
                " AND {contains}(s.words, ${}) > 0",
                first_needle + i
            ));
            all_needles.push(needle(w));
        }
        sql.push_str(") found ORDER BY item_id LIMIT $3");
    }
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(project)
        .bind(after.unwrap_or("").to_owned())
        .bind(i64::from(limit));
    for k in &keys {
        q = q.bind(k.to_string());
    }
    for n in checks.into_iter().chain(all_needles) {
        q = q.bind(n);
    }
    let rows = q.fetch_all(c).await?;
    rows.iter().map(|r| parse(r, "item_id")).collect()
}
