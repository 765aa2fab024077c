//! Item versions. Every [`FULL_EVERY`]th version of an item (and its first) stores the full
//! snapshot; the others store a text patch from the version stored just before them. Reading
//! version n applies the patches from the last full snapshot at or before n.

use spectree_domain::Timestamp;
use spectree_domain::history::{Author, ItemSnapshot, Patch, VersionKind};
use spectree_domain::ids::{ItemId, OrgId, ProjectId};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use super::{authors_from, authors_json, corrupt};
use crate::row::{parse, text, ts};
use crate::seal::{Sealer, open_text, seal_text};
use crate::{Dialect, StoreResult, Writes};

/// A full snapshot is stored at least every this many versions of an item.
pub const FULL_EVERY: i64 = 20;

/// What a version says about itself (everything but the snapshot).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionMeta {
    /// Item.
    pub item_id: ItemId,
    /// Number, from 1 per item.
    pub number: i64,
    /// Organization.
    pub org_id: OrgId,
    /// Project.
    pub project_id: ProjectId,
    /// Automatic, named or a restore.
    pub kind: VersionKind,
    /// What closed it: `create`, `edit`, `move`, `trash`, `untrash`, `save`, `rollback`,
    /// `project_restore` or `baseline`.
    pub cause: String,
    /// First change in it.
    pub started_at: Timestamp,
    /// When it closed.
    pub created_at: Timestamp,
    /// Everyone who changed the item in it.
    pub authors: Vec<Author>,
    /// Message of a named version or a restore.
    pub message: Option<String>,
    /// Names of the fields it changed.
    pub fields: Vec<String>,
    /// The version a restore brought back.
    pub restored_from: Option<i64>,
}

/// A version to store; its number is the item's next.
#[derive(Debug, Clone)]
pub struct NewVersion<'a> {
    /// Item.
    pub item_id: ItemId,
    /// Organization.
    pub org_id: OrgId,
    /// Project.
    pub project_id: ProjectId,
    /// Kind.
    pub kind: VersionKind,
    /// Cause.
    pub cause: &'a str,
    /// First change.
    pub started_at: Timestamp,
    /// Closed at.
    pub created_at: Timestamp,
    /// Authors.
    pub authors: &'a [Author],
    /// Message.
    pub message: Option<&'a str>,
    /// Changed fields.
    pub fields: Vec<String>,
    /// Restored version.
    pub restored_from: Option<i64>,
}

const META: &str = "item_id, number, org_id, project_id, kind, cause, started_at, created_at, \
                    authors, message, fields, restored_from";

fn meta_from(r: &AnyRow, sealer: &dyn Sealer) -> StoreResult<VersionMeta> {
    let org_id: OrgId = parse(r, "org_id")?;
    let message: Option<Vec<u8>> = r.try_get("message")?;
    let fields = text(r, "fields")?;
    Ok(VersionMeta {
        item_id: parse(r, "item_id")?,
        number: r.try_get("number")?,
        org_id,
        project_id: parse(r, "project_id")?,
        kind: parse(r, "kind")?,
        cause: text(r, "cause")?,
        started_at: ts(r, "started_at")?,
        created_at: ts(r, "created_at")?,
        authors: authors_from(&text(r, "authors")?)?,
        message: message.map(|m| open_text(sealer, org_id, &m)).transpose()?,
        fields: if fields.is_empty() {
            Vec::new()
        } else {
            fields.split(',').map(str::to_owned).collect()
        },
        restored_from: r.try_get("restored_from")?,
    })
}

/// Holds the item's row lock for the rest of the transaction, so two transactions never
/// number versions of one item at once (SQLite has a single writer anyway).
pub async fn lock_item(c: &mut AnyConnection, dialect: Dialect, item: ItemId) -> StoreResult<()> {
    if dialect == Dialect::Postgres {
        sqlx::query("SELECT id FROM work_items WHERE id = $1 FOR UPDATE")
            .bind(item.to_string())
            .fetch_optional(c)
            .await?;
    }
    Ok(())
}

/// Rebuilds the canonical texts of the stored rows `(number, is_full, sealed state)` in order.
pub(crate) fn replay(
    sealer: &dyn Sealer,
    org: OrgId,
    rows: &[(i64, bool, Vec<u8>)],
) -> StoreResult<Vec<(i64, String)>> {
    let mut out: Vec<(i64, String)> = Vec::with_capacity(rows.len());
    for (number, full, sealed) in rows {
        let state = open_text(sealer, org, sealed)?;
        let text = if *full {
            state
        } else {
            let prev = out
                .last()
                .map(|p| p.1.as_str())
                .ok_or_else(|| corrupt(format!("version {number}: patch without a base")))?;
            Patch::from_json(&state)
                .and_then(|p| p.apply(prev))
                .map_err(corrupt)?
        };
        out.push((*number, text));
    }
    Ok(out)
}

async fn state_rows(
    c: &mut AnyConnection,
    org: OrgId,
    item: ItemId,
    upto: i64,
) -> StoreResult<Vec<(i64, bool, Vec<u8>)>> {
    let rows = sqlx::query(
        "SELECT number, is_full, state FROM item_versions WHERE item_id = $1 AND org_id = $2 \
         AND number <= $3 AND number >= (SELECT COALESCE(MAX(number), 0) FROM item_versions \
         WHERE item_id = $1 AND org_id = $2 AND is_full = 1 AND number <= $3) ORDER BY number",
    )
    .bind(item.to_string())
    .bind(org.to_string())
    .bind(upto)
    .fetch_all(c)
    .await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get::<i64, _>("number")?,
                r.try_get::<i64, _>("is_full")? != 0,
                r.try_get::<Vec<u8>, _>("state")?,
            ))
        })
        .collect()
}

/// The snapshot of version `number` (the last version at or before it when there is a gap).
pub async fn snapshot(
    c: &mut AnyConnection,
    sealer: &dyn Sealer,
    org: OrgId,
    item: ItemId,
    number: i64,
) -> StoreResult<Option<(i64, ItemSnapshot)>> {
    let rows = state_rows(c, org, item, number).await?;
    match replay(sealer, org, &rows)?.pop() {
        Some((n, text)) => Ok(Some((
            n,
            ItemSnapshot::from_canonical(&text).map_err(corrupt)?,
        ))),
        None => Ok(None),
    }
}

/// Whether an item has any version.
pub async fn exists(c: &mut AnyConnection, org: OrgId, item: ItemId) -> StoreResult<bool> {
    let row =
        sqlx::query("SELECT number FROM item_versions WHERE item_id = $1 AND org_id = $2 LIMIT 1")
            .bind(item.to_string())
            .bind(org.to_string())
            .fetch_optional(c)
            .await?;
    Ok(row.is_some())
}

/// The latest version of an item: its number and snapshot.
pub async fn latest(
    c: &mut AnyConnection,
    sealer: &dyn Sealer,
    org: OrgId,
    item: ItemId,
) -> StoreResult<Option<(i64, ItemSnapshot)>> {
    snapshot(c, sealer, org, item, i64::MAX).await
}

/// Stores a version after `prev` (the item's latest version, if any); returns its number.
pub async fn insert(
    c: &mut AnyConnection,
    sealer: &dyn Sealer,
    v: &NewVersion<'_>,
    snapshot: &ItemSnapshot,
    prev: Option<&(i64, ItemSnapshot)>,
) -> StoreResult<i64> {
    let number = prev.map_or(1, |p| p.0 + 1);
    // A first version is always full: no need to look for the last full one.
    let last_full: Option<i64> = match prev {
        None => None,
        Some(_) => {
            sqlx::query_scalar(
                "SELECT MAX(number) FROM item_versions WHERE item_id = $1 AND is_full = 1",
            )
            .bind(v.item_id.to_string())
            .fetch_one(&mut *c)
            .await?
        }
    };
    let canonical = snapshot.to_canonical();
    let (full, state) = match (prev, last_full) {
        (Some(p), Some(f)) if number - f < FULL_EVERY => (
            false,
            Patch::between(&p.1.to_canonical(), &canonical).to_json(),
        ),
        _ => (true, canonical),
    };
    let mut w = Writes::new(c);
    let sql = if w.is_postgres() {
        INSERT_POSTGRES
    } else {
        INSERT_SQLITE
    };
    push_version(&mut w, sealer, sql, v, number, full, &state)?;
    w.run(c).await?;
    Ok(number)
}

/// One version by [`insert_sql`]'s statement `sql`: `v` numbered `number`, its `state` (a
/// full snapshot or a patch, as `full` says) sealed.
fn push_version(
    w: &mut Writes,
    sealer: &dyn Sealer,
    sql: &str,
    v: &NewVersion<'_>,
    number: i64,
    full: bool,
    state: &str,
) -> StoreResult<()> {
    w.push(sql)
        .bind(v.item_id.to_string())
        .bind(number)
        .bind(v.org_id.to_string())
        .bind(v.project_id.to_string())
        .bind(v.kind.as_str())
        .bind(v.cause)
        .bind(v.started_at.0)
        .bind(v.created_at.0)
        .bind(authors_json(v.authors)?)
        .bind(
            v.message
                .map(|m| seal_text(sealer, v.org_id, m))
                .transpose()?,
        )
        .bind(v.fields.join(","))
        .bind(v.restored_from)
        .bind(i64::from(full))
        .bind(seal_text(sealer, v.org_id, state)?);
    Ok(())
}

/// Version 1 of several new items in one statement (their rows as one JSON parameter): what
/// [`insert`] stores for a first version, which is always full and has no message.
pub async fn insert_first_many(
    c: &mut AnyConnection,
    sealer: &dyn Sealer,
    versions: &[(NewVersion<'_>, &ItemSnapshot)],
) -> StoreResult<()> {
    let mut w = Writes::new(c);
    push_insert_first_many(&mut w, sealer, versions)?;
    w.run(c).await?;
    Ok(())
}

/// [`insert_first_many`] as statements of `w`.
pub fn push_insert_first_many(
    w: &mut Writes,
    sealer: &dyn Sealer,
    versions: &[(NewVersion<'_>, &ItemSnapshot)],
) -> StoreResult<()> {
    if !w.is_postgres() {
        // On SQLite a statement per version, its snapshot bound as it is: sent together,
        // they cost no round trip more, and SQLite neither parses a JSON array of them nor
        // decodes their snapshots from hex.
        for (v, snapshot) in versions {
            push_version(
                w,
                sealer,
                INSERT_SQLITE,
                v,
                1,
                true,
                &snapshot.to_canonical(),
            )?;
        }
        return Ok(());
    }
    let mut rows: Vec<serde_json::Value> = Vec::with_capacity(versions.len());
    for (v, snapshot) in versions {
        rows.push(serde_json::json!([
            v.item_id.to_string(),
            v.org_id.to_string(),
            v.project_id.to_string(),
            v.kind.as_str(),
            v.cause,
            v.started_at.0,
            v.created_at.0,
            authors_json(v.authors)?,
            v.fields.join(","),
            hex::encode(seal_text(sealer, v.org_id, &snapshot.to_canonical())?),
        ]));
    }
    for chunk in rows.chunks(500) {
        let json = serde_json::Value::Array(chunk.to_vec()).to_string();
        w.push(INSERT_FIRST_POSTGRES).bind(json);
    }
    Ok(())
}

/// Versions of an item, newest first, numbered below `before` (all when `None`).
pub async fn list(
    c: &mut AnyConnection,
    sealer: &dyn Sealer,
    org: OrgId,
    item: ItemId,
    before: Option<i64>,
    limit: u32,
) -> StoreResult<Vec<VersionMeta>> {
    let sql = format!(
        "SELECT {META} FROM item_versions WHERE item_id = $1 AND org_id = $2 AND number < $3 \
         ORDER BY number DESC LIMIT $4"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(item.to_string())
        .bind(org.to_string())
        .bind(before.unwrap_or(i64::MAX))
        .bind(i64::from(limit))
        .fetch_all(c)
        .await?;
    rows.iter().map(|r| meta_from(r, sealer)).collect()
}

/// One version's description.
pub async fn meta(
    c: &mut AnyConnection,
    sealer: &dyn Sealer,
    org: OrgId,
    item: ItemId,
    number: i64,
) -> StoreResult<Option<VersionMeta>> {
    let sql = format!(
        "SELECT {META} FROM item_versions WHERE item_id = $1 AND org_id = $2 AND number = $3"
    );
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(item.to_string())
        .bind(org.to_string())
        .bind(number)
        .fetch_optional(c)
        .await?;
    row.as_ref().map(|r| meta_from(r, sealer)).transpose()
}

/// The number of the version stored just before `number`, if any.
pub async fn previous_number(
    c: &mut AnyConnection,
    org: OrgId,
    item: ItemId,
    number: i64,
) -> StoreResult<Option<i64>> {
    Ok(sqlx::query_scalar(
        "SELECT MAX(number) FROM item_versions WHERE item_id = $1 AND org_id = $2 AND number < $3",
    )
    .bind(item.to_string())
    .bind(org.to_string())
    .bind(number)
    .fetch_one(c)
    .await?)
}

/// Every version of an item with its snapshot, oldest first (for export).
pub async fn all(
    c: &mut AnyConnection,
    sealer: &dyn Sealer,
    org: OrgId,
    item: ItemId,
) -> StoreResult<Vec<(VersionMeta, ItemSnapshot)>> {
    let sql = format!(
        "SELECT {META}, is_full, state FROM item_versions WHERE item_id = $1 AND org_id = $2 \
         ORDER BY number"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(item.to_string())
        .bind(org.to_string())
        .fetch_all(c)
        .await?;
    let states: Vec<(i64, bool, Vec<u8>)> = rows
        .iter()
        .map(|r| {
            Ok((
                r.try_get::<i64, _>("number")?,
                r.try_get::<i64, _>("is_full")? != 0,
                r.try_get::<Vec<u8>, _>("state")?,
            ))
        })
        .collect::<StoreResult<_>>()?;
    let texts = replay(sealer, org, &states)?;
    rows.iter()
        .zip(texts)
        .map(|(r, (_, t))| {
            Ok((
                meta_from(r, sealer)?,
                ItemSnapshot::from_canonical(&t).map_err(corrupt)?,
            ))
        })
        .collect()
}

/// Bytes stored for an item's versions (snapshots and patches, sealed), for the benchmark.
pub async fn stored_bytes(c: &mut AnyConnection, item: ItemId) -> StoreResult<i64> {
    let n: Option<i64> = sqlx::query_scalar(
        "SELECT CAST(SUM(LENGTH(state)) AS BIGINT) FROM item_versions WHERE item_id = $1",
    )
    .bind(item.to_string())
    .fetch_one(c)
    .await?;
    Ok(n.unwrap_or(0))
}

/// The items of a project that have versions (live, trashed or moved since).
pub async fn items_of_project(
    c: &mut AnyConnection,
    org: OrgId,
    project: ProjectId,
) -> StoreResult<Vec<ItemId>> {
    let rows = sqlx::query(
        "SELECT DISTINCT item_id FROM item_versions WHERE project_id = $1 AND org_id = $2 \
         ORDER BY item_id",
    )
    .bind(project.to_string())
    .bind(org.to_string())
    .fetch_all(c)
    .await?;
    rows.iter().map(|r| parse(r, "item_id")).collect()
}

/// A page of an item's version index rendered as JSON by the database (decision 0024).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderedIndex {
    /// The versions' JSON objects, newest first, joined by commas (no brackets): each has
    /// `number`, `kind`, `cause`, `started_at_ms`, `created_at_ms`, `authors`, `fields` (an
    /// array), and `message` and `restored_from` when the version has them.
    pub json: String,
    /// Versions in `json`.
    pub count: usize,
    /// The lowest number in `json` when older versions exist (the next page's cursor).
    pub next_before: Option<i64>,
}

/// A version's JSON object in the index, without its message, written by one `format` call
/// from SQL expressions for its values (columns when reading, parameters when inserting).
/// Only trusted text is pasted in unquoted: `authors` is JSON this store wrote, `fields`
/// the product's own field names; `kind` and `cause` go through the dialect's `$quote`.
macro_rules! version_object {
    ($quote:literal, $number:literal, $kind:literal, $cause:literal, $started:literal,
     $created:literal, $authors:literal, $fields:literal, $restored:literal) => {
        concat!(
            "format('{\"number\":%s,\"kind\":%s,\"cause\":%s,\"started_at_ms\":%s,\
             \"created_at_ms\":%s,\"authors\":%s,\"fields\":%s%s}', ",
            $number,
            ", ",
            $quote,
            "(",
            $kind,
            "), ",
            $quote,
            "(",
            $cause,
            "), ",
            $started,
            ", ",
            $created,
            ", ",
            $authors,
            ", CASE WHEN ",
            $fields,
            " = '' THEN '[]' ELSE '[\"' || replace(",
            $fields,
            ", ',', '\",\"') || '\"]' END, CASE WHEN ",
            $restored,
            " IS NULL THEN '' ELSE ',\"restored_from\":' || ",
            $restored,
            " END)"
        )
    };
}

/// The insert of a version, which stores its index object (`index_line`, decision 0024)
/// from the same parameters. Versions are never updated but for their snapshot or patch
/// (`prune.rs`): a change to the metadata of stored versions must rewrite `index_line`.
macro_rules! insert_sql {
    ($quote:literal) => {
        concat!(
            "INSERT INTO item_versions (item_id, number, org_id, project_id, kind, cause, \
             started_at, created_at, authors, message, fields, restored_from, is_full, state, \
             index_line) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, ",
            version_object!($quote, "$2", "$5", "$6", "$7", "$8", "$9", "$11", "$12"),
            ")"
        )
    };
}

const INSERT_SQLITE: &str = insert_sql!("json_quote");
const INSERT_POSTGRES: &str = insert_sql!("to_json");

/// [`insert_first_many`]'s statement on PostgreSQL: each element of the JSON array `$1` is one version 1
/// (`[item, org, project, kind, cause, started_at, created_at, authors, fields, state hex]`),
/// its index object rendered as [`insert_sql`] renders it from parameters.
macro_rules! insert_first_sql {
    ($quote:literal, $rows:literal, $v:literal, $order:literal, $int:literal, $state:literal) => {
        concat!(
            "INSERT INTO item_versions (item_id, number, org_id, project_id, kind, cause, \
             started_at, created_at, authors, message, fields, restored_from, is_full, state, \
             index_line) SELECT ",
            $v,
            "->>0, 1, ",
            $v,
            "->>1, ",
            $v,
            "->>2, ",
            $v,
            "->>3, ",
            $v,
            "->>4, ",
            "CAST(",
            $v,
            "->>5 AS ",
            $int,
            "), CAST(",
            $v,
            "->>6 AS ",
            $int,
            "), ",
            $v,
            "->>7, NULL, ",
            $v,
            "->>8, NULL, 1, ",
            $state,
            ", ",
            version_object!(
                $quote, "1", "(v->>3)", "(v->>4)", "(v->>5)", "(v->>6)", "(v->>7)", "(v->>8)",
                "NULL"
            ),
            " FROM ",
            $rows,
            " ORDER BY ",
            $order
        )
    };
}

const INSERT_FIRST_POSTGRES: &str = insert_first_sql!(
    "to_json",
    "jsonb_array_elements(CAST($1 AS jsonb)) WITH ORDINALITY AS j(v, n)",
    "v",
    "j.n",
    "BIGINT",
    "decode(v->>9, 'hex')"
);

/// Per version, separated by tabs: its number, the hex of its sealed message (empty without
/// one) and its stored JSON object (rendered from the columns for versions stored before
/// `index_line` existed). Concatenating a stored column is what makes this fast: rendering
/// every object in the query took three quarters of its time. `$hex` and `$agg` are the
/// dialect's hex and string aggregate. No `ORDER BY` in the aggregate (SQLite sorts the rows
/// again for it): the caller checks the order and sorts only if it must.
macro_rules! index_sql {
    ($hex:literal, $quote:literal, $agg:literal) => {
        concat!(
            "SELECT COUNT(*) AS n, MIN(number) AS low, ",
            $agg,
            "(number || '\t' || CASE WHEN message IS NULL THEN '' ELSE ",
            $hex,
            " END || '\t' || COALESCE(index_line, ",
            version_object!(
                $quote,
                "number",
                "kind",
                "cause",
                "started_at",
                "created_at",
                "authors",
                "fields",
                "restored_from"
            ),
            "), '\t') AS lines FROM (SELECT number, kind, cause, started_at, created_at, \
             authors, message, fields, restored_from, index_line FROM item_versions \
             WHERE item_id = $1 AND org_id = $2 AND number < $3 \
             ORDER BY number DESC LIMIT $4) AS page"
        )
    };
}

const INDEX_SQLITE: &str = index_sql!("hex(message)", "json_quote", "group_concat");
const INDEX_POSTGRES: &str = index_sql!("encode(message, 'hex')", "to_json", "string_agg");

/// Joins the database's rendering of `count` versions (see `index_sql!`) into their JSON
/// objects, newest first, each with its message opened and added.
fn assemble_index(
    lines: &str,
    count: usize,
    sealer: &dyn Sealer,
    org: OrgId,
) -> StoreResult<String> {
    let bad = || crate::StoreError::Corrupt("a rendered version line is malformed".into());
    let mut parsed: Vec<(i64, &str, &str)> = Vec::with_capacity(count);
    // Versions and their three parts are all separated by tabs (JSON text has none
    // unescaped, nor hex nor numbers): every three pieces are one version.
    let pieces: Vec<&str> = if count == 0 {
        Vec::new()
    } else {
        lines.split('\t').collect()
    };
    for piece in pieces.chunks(3) {
        let [number, sealed, object] = piece else {
            return Err(bad());
        };
        parsed.push((number.parse().map_err(|_| bad())?, sealed, object));
    }
    if parsed.len() != count {
        return Err(bad());
    }
    if !parsed.is_sorted_by(|a, b| a.0 > b.0) {
        parsed.sort_unstable_by_key(|p| std::cmp::Reverse(p.0));
    }
    let mut json = String::with_capacity(lines.len() + 64);
    for (i, (_, sealed, object)) in parsed.into_iter().enumerate() {
        if i > 0 {
            json.push(',');
        }
        if sealed.is_empty() {
            json.push_str(object);
        } else {
            let sealed = crate::row::unhex(sealed).ok_or_else(bad)?;
            let message = open_text(sealer, org, &sealed)?;
            json.push_str(object.strip_suffix('}').ok_or_else(bad)?);
            json.push_str(",\"message\":");
            json.push_str(&serde_json::to_string(&message).map_err(corrupt)?);
            json.push('}');
        }
    }
    Ok(json)
}

/// The version index of an item rendered by the database: up to `limit` versions numbered
/// below `before` (all when `None`), newest first, as one row whatever their number (read
/// row by row through sqlx's `Any` driver, 10,000 versions took 40 ms of the request's 55;
/// the aggregate takes about 10). The API test compares it with the version list.
pub async fn index_json(
    c: &mut AnyConnection,
    sealer: &dyn Sealer,
    org: OrgId,
    item: ItemId,
    before: Option<i64>,
    limit: u32,
) -> StoreResult<RenderedIndex> {
    let pg = c.backend_name().eq_ignore_ascii_case("postgresql");
    let before = before.unwrap_or(i64::MAX);
    let row = sqlx::query(if pg { INDEX_POSTGRES } else { INDEX_SQLITE })
        .bind(item.to_string())
        .bind(org.to_string())
        .bind(before)
        .bind(i64::from(limit))
        .fetch_one(&mut *c)
        .await?;
    let count = usize::try_from(row.try_get::<i64, _>("n")?).map_err(corrupt)?;
    let low: Option<i64> = row.try_get("low")?;
    let lines: Option<String> = row.try_get("lines")?;
    let json = assemble_index(&lines.unwrap_or_default(), count, sealer, org)?;
    let next_before = match low {
        Some(low) => sqlx::query(
            "SELECT 1 AS one FROM item_versions WHERE item_id = $1 AND org_id = $2 AND number < $3 \
             LIMIT 1",
        )
        .bind(item.to_string())
        .bind(org.to_string())
        .bind(low)
        .fetch_optional(&mut *c)
        .await?
        .map(|_| low),
        None => None,
    };
    Ok(RenderedIndex {
        json,
        count,
        next_before,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seal::PassThroughSealer;

    #[test]
    fn a_rendered_index_is_put_in_order_and_gets_its_messages() {
        let org = OrgId::new();
        let sealed = hex::encode(seal_text(&PassThroughSealer, org, "Say \"hi\"").unwrap());
        // Out of order, as an aggregate without ORDER BY may give them.
        let lines =
            format!("1\t\t{{\"number\":1}}\t3\t{sealed}\t{{\"number\":3}}\t2\t\t{{\"number\":2}}");
        let json = assemble_index(&lines, 3, &PassThroughSealer, org).unwrap();
        let v: serde_json::Value = serde_json::from_str(&format!("[{json}]")).unwrap();
        assert_eq!(
            v,
            serde_json::json!([{"number": 3, "message": "Say \"hi\""}, {"number": 2}, {"number": 1}])
        );
        assert_eq!(assemble_index("", 0, &PassThroughSealer, org).unwrap(), "");
        // A count that does not match, or a broken line, is corruption, not a short answer.
        assert!(assemble_index(&lines, 4, &PassThroughSealer, org).is_err());
        assert!(assemble_index("1\t\t{}\t2", 2, &PassThroughSealer, org).is_err());
        assert!(assemble_index("x\t\t{}", 1, &PassThroughSealer, org).is_err());
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn first_versions_written_together_are_stored_as_one_written_alone() {
        use sqlx::Connection;
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("v.db").display());
        let store = crate::Store::connect(&crate::StoreOptions {
            database_url: url.clone(),
            max_connections: 2,
            ..crate::StoreOptions::default()
        })
        .await
        .unwrap();
        store.migrate().await.unwrap();
        let mut c = AnyConnection::connect(&url).await.unwrap();
        // Versions only: no items or projects are needed to compare them.
        sqlx::query("PRAGMA foreign_keys = OFF")
            .execute(&mut c)
            .await
            .unwrap();
        let (org, project) = (OrgId::new(), ProjectId::new());
        let authors = [Author::user(spectree_domain::ids::UserId::new())];
        let snap = ItemSnapshot {
            title: "Say \"hi\"".into(),
            description: "Line\none".into(),
            acceptance_criteria: vec![],
            item_type: spectree_domain::spec::ItemType::Story,
            status: spectree_domain::spec::Status::Draft,
            priority: spectree_domain::spec::Priority::Medium,
            assignee_id: None,
            parent_id: None,
            position: "a0".into(),
            trashed: false,
        };
        let version = |item: ItemId| NewVersion {
            item_id: item,
            org_id: org,
            project_id: project,
            kind: VersionKind::Auto,
            cause: "create",
            started_at: Timestamp(1_764_000_000_123),
            created_at: Timestamp(1_764_000_000_456),
            authors: &authors,
            message: None,
            fields: vec!["title".into(), "description".into()],
            restored_from: None,
        };
        let (alone, together) = (ItemId::new(), ItemId::new());
        insert(&mut c, &PassThroughSealer, &version(alone), &snap, None)
            .await
            .unwrap();
        insert_first_many(&mut c, &PassThroughSealer, &[(version(together), &snap)])
            .await
            .unwrap();
        let row = |item: ItemId| {
            sqlx::query(
                "SELECT number, org_id, project_id, kind, cause, started_at, created_at, authors, \
                 message IS NULL AS no_message, fields, restored_from IS NULL AS no_restore, \
                 is_full, hex(state) AS state, index_line FROM item_versions WHERE item_id = $1",
            )
            .bind(item.to_string())
        };
        let a = row(alone).fetch_one(&mut c).await.unwrap();
        let b = row(together).fetch_one(&mut c).await.unwrap();
        for col in [
            "org_id",
            "project_id",
            "kind",
            "cause",
            "authors",
            "fields",
            "state",
            "index_line",
        ] {
            assert_eq!(a.get::<String, _>(col), b.get::<String, _>(col), "{col}");
        }
        for col in [
            "number",
            "started_at",
            "created_at",
            "no_message",
            "no_restore",
            "is_full",
        ] {
            assert_eq!(a.get::<i64, _>(col), b.get::<i64, _>(col), "{col}");
        }
        assert!(
            a.get::<String, _>("index_line")
                .contains("\"started_at_ms\":1764000000123")
        );
    }
}
