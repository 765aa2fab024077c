//! The search index (see `spectree_domain::spec::search` and docs/decisions/0029): per item,
//! its words as one text and its number in the database's full-text index (`item_search`),
//! which SQLite's FTS5 (`item_fts`, kept by triggers) and PostgreSQL's GIN index over a
//! tsvector built from those same words keep inverted.

use std::collections::BTreeSet;

use spectree_domain::ids::{ItemId, ProjectId};
use spectree_domain::spec::search::{is_indexed_prefix, needle, words_text};
use sqlx::{AnyConnection, Row};

use crate::row::parse;
use crate::{StoreResult, Writes};

fn is_postgres(c: &AnyConnection) -> bool {
    c.backend_name().eq_ignore_ascii_case("postgresql")
}

/// Rows sent in one insert (as one JSON parameter).
const ROWS_PER_STATEMENT: usize = 5_000;

/// Adds the words of new items of `project`; the database indexes them in the same
/// transaction. Items get their index numbers in the order given.
///
/// One statement text for any number of items (prepared once per connection), the rows as
/// one JSON array of `[item, words]`.
pub async fn insert(
    c: &mut AnyConnection,
    project: ProjectId,
    words: &[(ItemId, BTreeSet<String>)],
) -> StoreResult<()> {
    let texts: Vec<(ItemId, String)> = words.iter().map(|(id, ws)| (*id, words_text(ws))).collect();
    let mut w = Writes::new(c);
    push_insert(&mut w, project, &texts)?;
    w.run(c).await?;
    Ok(())
}

/// [`insert`] as statements of `w`, each item's words as their text ([`words_text`]).
pub fn push_insert(
    w: &mut Writes,
    project: ProjectId,
    words: &[(ItemId, String)],
) -> StoreResult<()> {
    let sql = if w.is_postgres() {
        "INSERT INTO item_search (item_id, project_id, words) \
         SELECT e->>0, $1, e->>1 FROM jsonb_array_elements(CAST($2 AS jsonb)) WITH ORDINALITY AS t(e, n) \
         ORDER BY n"
    } else {
        "INSERT INTO item_search (item_id, project_id, words) \
         SELECT value ->> 0, $1, value ->> 1 FROM json_each($2) ORDER BY key"
    };
    let project = project.to_string();
    for chunk in words.chunks(ROWS_PER_STATEMENT) {
        let rows: Vec<(String, &str)> = chunk
            .iter()
            .map(|(id, text)| (id.to_string(), text.as_str()))
            .collect();
        let json = serde_json::to_string(&rows)
            .map_err(|e| crate::StoreError::Corrupt(format!("search words: {e}")))?;
        w.push(sql).bind(project.clone()).bind(json);
    }
    Ok(())
}

/// Replaces an item's words; the item keeps its index number. Unchanged words write
/// nothing.
pub async fn replace(
    c: &mut AnyConnection,
    project: ProjectId,
    item: ItemId,
    words: BTreeSet<String>,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO item_search (item_id, project_id, words) VALUES ($1, $2, $3) \
         ON CONFLICT (item_id) DO UPDATE SET words = excluded.words \
         WHERE item_search.words <> excluded.words",
    )
    .bind(item.to_string())
    .bind(project.to_string())
    .bind(words_text(&words))
    .execute(&mut *c)
    .await?;
    Ok(())
}

/// A search hit: the item and its index number (the search's order and cursor).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Found {
    /// The item.
    pub item: ItemId,
    /// Its number in the index.
    pub doc: i64,
}

/// An FTS5 query string: `"#<project>"` and, for each indexed query word, `"word"*`.
fn fts5_query(project: &str, prefixes: &[&String]) -> String {
    let quoted = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
    let mut q = quoted(&format!("#{project}"));
    for w in prefixes {
        q.push_str(" AND ");
        q.push_str(&quoted(w));
        q.push('*');
    }
    q
}

/// A tsquery of prefix matches (`'word':* & …`), its lexemes quoted as they are.
fn tsquery(prefixes: &[&String]) -> String {
    prefixes
        .iter()
        .map(|w| format!("'{}':*", w.replace('\\', "\\\\").replace('\'', "''")))
        .collect::<Vec<_>>()
        .join(" & ")
}

/// Live items of a project having, for every query word, a word that starts with it; in
/// index order (creation order) after the index number `after`.
///
/// The database's inverted index finds the items having words starting with each query word
/// of at least three characters (shorter prefixes would merge the lists of too many words).
/// Shorter words, and on SQLite every word, are checked exactly against the words text, so
/// both databases answer byte for byte the same. Queries of short words only walk the
/// project's items in index order.
pub async fn search(
    c: &mut AnyConnection,
    project: ProjectId,
    query_words: &[String],
    after: Option<i64>,
    limit: u32,
) -> StoreResult<Vec<Found>> {
    if query_words.is_empty() {
        return Ok(Vec::new());
    }
    let project = project.to_string();
    let prefixes: Vec<&String> = query_words
        .iter()
        .filter(|w| is_indexed_prefix(w))
        .collect();
    // $1 project, $2 cursor, $3 limit, then the index query (when there is one) and the
    // needles.
    let pg = is_postgres(c);
    let mut binds: Vec<String> = Vec::new();
    let (mut sql, contains, order) = if pg {
        let mut sql = String::from(
            "SELECT s.item_id, s.doc FROM item_search s JOIN work_items w ON w.id = s.item_id \
             WHERE s.project_id = $1 AND s.doc > $2 AND w.deleted_at IS NULL",
        );
        if !prefixes.is_empty() {
            sql.push_str(" AND s.lexemes @@ CAST($4 AS tsquery)");
            binds.push(tsquery(&prefixes));
        }
        (sql, "strpos", "s.doc")
    } else {
        // CROSS JOIN keeps FTS5 first: it yields the matches in rowid order, from the
        // cursor on, so a page stops early.
        let sql = String::from(
            "SELECT s.item_id, s.doc FROM item_fts f \
             CROSS JOIN item_search s ON s.doc = f.rowid \
             CROSS JOIN work_items w ON w.id = s.item_id \
             WHERE item_fts MATCH $4 AND f.rowid > $2 AND s.project_id = $1 \
             AND w.deleted_at IS NULL",
        );
        binds.push(fts5_query(&project, &prefixes));
        (sql, "instr", "f.rowid")
    };
    // SQLite checks every word in the text (FTS5 folds case, so its match is a superset).
    // PostgreSQL's prefix match is already exact on our words (the lexemes are the words as
    // they are), so it checks only the short words: a redundant check is not free there, as
    // the planner counts each as a filter of its own and took three common prefixes for a
    // rare combination (a bitmap of 4,413 rows sorted, 203 ms, instead of a walk stopping at
    // a page).
    for w in query_words {
        if !pg || !is_indexed_prefix(w) {
            sql.push_str(&format!(
                " AND {contains}(s.words, ${}) > 0",
                4 + binds.len()
            ));
            binds.push(needle(w));
        }
    }
    sql.push_str(&format!(" ORDER BY {order} LIMIT $3"));
    // PostgreSQL plans a prepared statement once for any parameters after five runs: that
    // plan cannot know how common the words are, and took 550 ms for a word in every item
    // (a bitmap of all of them, sorted) where walking the project in index order stops after
    // a page. Unprepared, each query is planned with its own words.
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql))
        .persistent(!pg)
        .bind(project)
        .bind(after.unwrap_or(0))
        .bind(i64::from(limit));
    for b in binds {
        q = q.bind(b);
    }
    let rows = q.fetch_all(c).await?;
    rows.iter()
        .map(|r| {
            Ok(Found {
                item: parse(r, "item_id")?,
                doc: r.try_get("doc")?,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_queries_quote_their_words() {
        let (a, b) = ("auth".to_owned(), "o'\"k".to_owned());
        assert_eq!(
            fts5_query("p-1", &[&a, &b]),
            r##""#p-1" AND "auth"* AND "o'""k"*"##
        );
        assert_eq!(fts5_query("p", &[]), r##""#p""##);
        assert_eq!(tsquery(&[&a, &b]), r#"'auth':* & 'o''"k':*"#);
    }
}
