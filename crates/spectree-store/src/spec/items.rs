//! The `work_items` table: items, their place in the tree, the trash.

use spectree_domain::Timestamp;
use spectree_domain::ids::{ItemId, OrgId, ProjectId, UserId};
use spectree_domain::spec::{Criterion, ItemFields, ItemType, Priority, Status};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use super::{MAX_PARAMS, values_placeholders};
use crate::row::{parse, parse_opt, sealed_text, text, ts, ts_opt};
use crate::seal::{Sealer, seal_text};
use crate::{StoreError, StoreResult, Writes};

/// A work item as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    /// Id.
    pub id: ItemId,
    /// Organization.
    pub org_id: OrgId,
    /// Project.
    pub project_id: ProjectId,
    /// Parent, `None` at the root.
    pub parent_id: Option<ItemId>,
    /// Position among siblings.
    pub position: String,
    /// Type.
    pub item_type: ItemType,
    /// Status.
    pub status: Status,
    /// Priority.
    pub priority: Priority,
    /// Assignee.
    pub assignee_id: Option<UserId>,
    /// Title.
    pub title: String,
    /// Markdown description.
    pub description: String,
    /// Acceptance criteria.
    pub acceptance_criteria: Vec<Criterion>,
    /// Creator.
    pub created_by: UserId,
    /// Created.
    pub created_at: Timestamp,
    /// Last editor.
    pub updated_by: UserId,
    /// Last changed.
    pub updated_at: Timestamp,
    /// In the trash since.
    pub deleted_at: Option<Timestamp>,
    /// Who deleted it.
    pub deleted_by: Option<UserId>,
    /// The item whose deletion put this one in the trash.
    pub trash_root_id: Option<ItemId>,
}

impl Item {
    /// The fields its ETag covers.
    pub fn fields(&self) -> ItemFields {
        ItemFields {
            id: self.id,
            parent_id: self.parent_id,
            position: self.position.clone(),
            item_type: self.item_type,
            status: self.status,
            priority: self.priority,
            assignee_id: self.assignee_id,
            title: self.title.clone(),
            description: self.description.clone(),
            acceptance_criteria: self.acceptance_criteria.clone(),
        }
    }
}

macro_rules! columns {
    () => {
        "id, org_id, project_id, parent_id, position, item_type, status, priority, assignee_id, \
         title, description, criteria, created_by, created_at, updated_by, updated_at, \
         deleted_at, deleted_by, trash_root_id"
    };
}
const COLUMN_COUNT: usize = 19;

fn criteria_from(bytes: &[u8]) -> StoreResult<Vec<Criterion>> {
    serde_json::from_slice(bytes).map_err(|e| StoreError::Corrupt(format!("criteria: {e}")))
}

fn seal_criteria(sealer: &dyn Sealer, org: OrgId, c: &[Criterion]) -> StoreResult<Vec<u8>> {
    let json = serde_json::to_vec(c).map_err(|e| StoreError::Corrupt(format!("criteria: {e}")))?;
    sealer.seal(org, &json)
}

fn from_row(r: &AnyRow, sealer: &dyn Sealer) -> StoreResult<Item> {
    let org_id: OrgId = parse(r, "org_id")?;
    let criteria: Vec<u8> = r.try_get("criteria")?;
    Ok(Item {
        id: parse(r, "id")?,
        org_id,
        project_id: parse(r, "project_id")?,
        parent_id: parse_opt(r, "parent_id")?,
        position: text(r, "position")?,
        item_type: parse(r, "item_type")?,
        status: parse(r, "status")?,
        priority: parse(r, "priority")?,
        assignee_id: parse_opt(r, "assignee_id")?,
        title: sealed_text(r, "title", sealer, org_id)?,
        description: sealed_text(r, "description", sealer, org_id)?,
        acceptance_criteria: criteria_from(&sealer.open(org_id, &criteria)?)?,
        created_by: parse(r, "created_by")?,
        created_at: ts(r, "created_at")?,
        updated_by: parse(r, "updated_by")?,
        updated_at: ts(r, "updated_at")?,
        deleted_at: ts_opt(r, "deleted_at")?,
        deleted_by: parse_opt(r, "deleted_by")?,
        trash_root_id: parse_opt(r, "trash_root_id")?,
    })
}

/// Inserts items with as few statements as the parameter limit allows.
pub async fn insert_many(
    c: &mut AnyConnection,
    sealer: &dyn Sealer,
    items: &[Item],
) -> StoreResult<()> {
    let mut w = Writes::new(c);
    push_insert_many(&mut w, sealer, items)?;
    w.run(c).await?;
    Ok(())
}

/// [`insert_many`] as statements of `w`.
pub fn push_insert_many(w: &mut Writes, sealer: &dyn Sealer, items: &[Item]) -> StoreResult<()> {
    for chunk in items.chunks(MAX_PARAMS / COLUMN_COUNT) {
        let sql = format!(
            "INSERT INTO work_items ({}) VALUES {}",
            columns!(),
            values_placeholders(chunk.len(), COLUMN_COUNT)
        );
        let mut q = w.push(&sql);
        for i in chunk {
            q = q
                .bind(i.id.to_string())
                .bind(i.org_id.to_string())
                .bind(i.project_id.to_string())
                .bind(i.parent_id.map(|p| p.to_string()))
                .bind(i.position.clone())
                .bind(i.item_type.as_str())
                .bind(i.status.as_str())
                .bind(i.priority.as_str())
                .bind(i.assignee_id.map(|a| a.to_string()))
                .bind(seal_text(sealer, i.org_id, &i.title)?)
                .bind(seal_text(sealer, i.org_id, &i.description)?)
                .bind(seal_criteria(sealer, i.org_id, &i.acceptance_criteria)?)
                .bind(i.created_by.to_string())
                .bind(i.created_at.0)
                .bind(i.updated_by.to_string())
                .bind(i.updated_at.0)
                .bind(i.deleted_at.map(|t| t.0))
                .bind(i.deleted_by.map(|u| u.to_string()))
                .bind(i.trash_root_id.map(|t| t.to_string()));
        }
    }
    Ok(())
}

/// Finds an item by id (live or in the trash), on any organization: callers authorize
/// against its project next.
pub async fn get(
    c: &mut AnyConnection,
    sealer: &dyn Sealer,
    id: ItemId,
) -> StoreResult<Option<Item>> {
    let row = sqlx::query(concat!(
        "SELECT ",
        columns!(),
        " FROM work_items WHERE id = $1"
    ))
    .bind(id.to_string())
    .fetch_optional(c)
    .await?;
    row.as_ref().map(|r| from_row(r, sealer)).transpose()
}

/// Several items by id (live or in the trash), in the order of `ids`; unknown ids are
/// skipped.
pub async fn get_many(
    c: &mut AnyConnection,
    sealer: &dyn Sealer,
    ids: &[ItemId],
) -> StoreResult<Vec<Item>> {
    by_ids(c, sealer, ids, "", |_, item| Ok(item)).await
}

/// A parent of new items, as a batch of creates needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewParent {
    /// Id.
    pub id: ItemId,
    /// Its project.
    pub project_id: ProjectId,
    /// Its type (a child's ranks below it).
    pub item_type: ItemType,
    /// In the trash (nothing may be created under it).
    pub trashed: bool,
    /// The position of its last child not in the trash.
    pub last_child: Option<String>,
}

/// The columns of a [`NewParent`] of the item `w`, named so they do not clash with a
/// project's.
const NEW_PARENT_COLUMNS: &str = "w.id AS parent_id, w.project_id AS parent_project, \
     w.item_type AS parent_type, \
     CAST(CASE WHEN w.deleted_at IS NULL THEN 0 ELSE 1 END AS BIGINT) AS parent_trashed, \
     (SELECT c.position FROM work_items c WHERE c.parent_id = w.id AND c.deleted_at IS NULL \
      ORDER BY c.position DESC LIMIT 1) AS last_child";

/// `w.id` among `ids`, their parameters from `$first` (SQLite: one JSON array, as in
/// [`for_rows_by_id`]).
fn w_id_among(sqlite: bool, first: usize, ids: &[ItemId]) -> StoreResult<(String, Vec<String>)> {
    let ids: Vec<String> = ids.iter().map(ItemId::to_string).collect();
    if sqlite {
        let list = serde_json::to_string(&ids).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        Ok((
            format!("w.id IN (SELECT value FROM json_each(${first}))"),
            vec![list],
        ))
    } else {
        Ok((
            format!("w.id IN ({})", crate::param_list(first, ids.len())),
            ids,
        ))
    }
}

fn new_parent_from_row(r: &AnyRow) -> StoreResult<Option<NewParent>> {
    let Some(id) = parse_opt(r, "parent_id")? else {
        return Ok(None);
    };
    Ok(Some(NewParent {
        id,
        project_id: parse(r, "parent_project")?,
        item_type: parse(r, "parent_type")?,
        trashed: r.try_get::<i64, _>("parent_trashed")? != 0,
        last_child: r.try_get("last_child")?,
    }))
}

/// The items with these ids as parents of new items; unknown ids are skipped.
pub async fn new_parents(c: &mut AnyConnection, ids: &[ItemId]) -> StoreResult<Vec<NewParent>> {
    let sqlite = !c.backend_name().eq_ignore_ascii_case("postgresql");
    let mut found = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(MAX_PARAMS) {
        let (among, binds) = w_id_among(sqlite, 1, chunk)?;
        let sql = format!("SELECT {NEW_PARENT_COLUMNS} FROM work_items w WHERE {among}");
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for b in binds {
            q = q.bind(b);
        }
        for r in q.fetch_all(&mut *c).await? {
            found.extend(new_parent_from_row(&r)?);
        }
    }
    Ok(found)
}

/// What a batch of creates reads before it writes, in one statement: the project with
/// what `user` holds there, and the parents (at most [`MAX_PARAMS`] - 2; unknown ones
/// skipped). `None` when the project does not exist.
pub async fn create_context(
    c: &mut AnyConnection,
    sealer: &dyn Sealer,
    project: ProjectId,
    user: UserId,
    parents: &[ItemId],
) -> StoreResult<
    Option<(
        (super::projects::Project, spectree_domain::org::Access),
        Vec<NewParent>,
    )>,
> {
    if parents.is_empty() || parents.len() > MAX_PARAMS - 2 {
        let Some(found) = super::projects::get_with_access(&mut *c, sealer, project, user).await?
        else {
            return Ok(None);
        };
        let parents = new_parents(c, parents).await?;
        return Ok(Some((found, parents)));
    }
    let sqlite = !c.backend_name().eq_ignore_ascii_case("postgresql");
    let (among, binds) = w_id_among(sqlite, 3, parents)?;
    let sql = format!(
        "SELECT a.*, {NEW_PARENT_COLUMNS} FROM ({}) a LEFT JOIN work_items w ON {among}",
        super::projects::WITH_ACCESS
    );
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(project.to_string())
        .bind(user.to_string());
    for b in binds {
        q = q.bind(b);
    }
    let rows = q.fetch_all(&mut *c).await?;
    let Some(first) = rows.first() else {
        return Ok(None);
    };
    let found = super::projects::with_access_from_row(first, sealer)?;
    let mut parents = Vec::with_capacity(rows.len());
    for r in &rows {
        parents.extend(new_parent_from_row(r)?);
    }
    Ok(Some((found, parents)))
}

/// Items by id with `extra` columns after the item's, each row made a `T` by `read`, in the
/// order of `ids`; unknown ids are skipped.
async fn by_ids<T>(
    c: &mut AnyConnection,
    sealer: &dyn Sealer,
    ids: &[ItemId],
    extra: &str,
    read: impl Fn(&AnyRow, Item) -> StoreResult<T>,
) -> StoreResult<Vec<T>> {
    let mut found = std::collections::HashMap::with_capacity(ids.len());
    let columns = format!("{}{extra}", columns!());
    for_rows_by_id(c, &columns, ids, |r| {
        let item = from_row(r, sealer)?;
        found.insert(item.id, read(r, item)?);
        Ok(())
    })
    .await?;
    Ok(ids.iter().filter_map(|id| found.remove(id)).collect())
}

/// Runs `each` on the rows (`columns`) of the items with these ids, in no particular order.
/// SQLite takes the ids as one JSON array: binding each id as a parameter of its own cost it
/// a scan of the statement's parameter names per parameter (quadratic; 3 % of a
/// 100,000-item export). PostgreSQL takes them as parameters, [`MAX_PARAMS`] at a time.
async fn for_rows_by_id(
    c: &mut AnyConnection,
    columns: &str,
    ids: &[ItemId],
    mut each: impl FnMut(&AnyRow) -> StoreResult<()>,
) -> StoreResult<()> {
    let sqlite = !c.backend_name().eq_ignore_ascii_case("postgresql");
    let per_query = if sqlite { ids.len().max(1) } else { MAX_PARAMS };
    for chunk in ids.chunks(per_query) {
        let q = if sqlite {
            let list: Vec<String> = chunk.iter().map(ItemId::to_string).collect();
            let sql = format!(
                "SELECT {columns} FROM work_items WHERE id IN (SELECT value FROM json_each($1))"
            );
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(serde_json::to_string(&list).map_err(|e| StoreError::Corrupt(e.to_string()))?)
        } else {
            let sql = format!(
                "SELECT {columns} FROM work_items WHERE id IN ({})",
                crate::param_list(1, chunk.len())
            );
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
            for id in chunk {
                q = q.bind(id.to_string());
            }
            q
        };
        for r in q.fetch_all(&mut *c).await? {
            each(&r)?;
        }
    }
    Ok(())
}

/// The descriptions and criteria of items, in the order of `ids`; unknown ids are skipped.
pub async fn contents(
    c: &mut AnyConnection,
    sealer: &dyn Sealer,
    org: OrgId,
    ids: &[ItemId],
) -> StoreResult<Vec<(ItemId, String, Vec<Criterion>)>> {
    let mut found = std::collections::HashMap::with_capacity(ids.len());
    for_rows_by_id(c, "id, description, criteria", ids, |r| {
        let id: ItemId = parse(r, "id")?;
        let crit: Vec<u8> = r.try_get("criteria")?;
        found.insert(
            id,
            (
                sealed_text(r, "description", sealer, org)?,
                criteria_from(&sealer.open(org, &crit)?)?,
            ),
        );
        Ok(())
    })
    .await?;
    Ok(ids
        .iter()
        .filter_map(|id| found.remove(id).map(|(d, c)| (*id, d, c)))
        .collect())
}

/// Writes an item's fields and place.
pub async fn update(c: &mut AnyConnection, sealer: &dyn Sealer, i: &Item) -> StoreResult<()> {
    sqlx::query(
        "UPDATE work_items SET parent_id = $3, position = $4, item_type = $5, status = $6, \
         priority = $7, assignee_id = $8, title = $9, description = $10, criteria = $11, \
         updated_by = $12, updated_at = $13 WHERE id = $1 AND org_id = $2",
    )
    .bind(i.id.to_string())
    .bind(i.org_id.to_string())
    .bind(i.parent_id.map(|p| p.to_string()))
    .bind(i.position.clone())
    .bind(i.item_type.as_str())
    .bind(i.status.as_str())
    .bind(i.priority.as_str())
    .bind(i.assignee_id.map(|a| a.to_string()))
    .bind(seal_text(sealer, i.org_id, &i.title)?)
    .bind(seal_text(sealer, i.org_id, &i.description)?)
    .bind(seal_criteria(sealer, i.org_id, &i.acceptance_criteria)?)
    .bind(i.updated_by.to_string())
    .bind(i.updated_at.0)
    .execute(c)
    .await?;
    Ok(())
}

/// Position of the last live child of `parent` (the root when `None`).
pub async fn last_position(
    c: &mut AnyConnection,
    project: ProjectId,
    parent: Option<ItemId>,
) -> StoreResult<Option<String>> {
    // Both read the end of an index in sibling order (migration 0026).
    let row =
        match parent {
            Some(p) => sqlx::query(
                "SELECT position AS p FROM work_items WHERE parent_id = $1 AND deleted_at IS NULL \
             ORDER BY position DESC LIMIT 1",
            )
            .bind(p.to_string())
            .fetch_optional(c)
            .await?,
            None => sqlx::query(
                "SELECT position AS p FROM work_items WHERE project_id = $1 AND parent_id IS NULL \
             AND deleted_at IS NULL ORDER BY position DESC LIMIT 1",
            )
            .bind(project.to_string())
            .fetch_optional(c)
            .await?,
        };
    row.map(|r| r.try_get::<String, _>("p"))
        .transpose()
        .map_err(Into::into)
}

/// The live sibling that directly follows (`after = true`) or precedes the sibling at
/// `(position, id)` under the same parent: its position.
pub async fn neighbour_position(
    c: &mut AnyConnection,
    project: ProjectId,
    parent: Option<ItemId>,
    position: &str,
    id: ItemId,
    after: bool,
) -> StoreResult<Option<String>> {
    let parent_clause = if parent.is_some() {
        "parent_id = $4"
    } else {
        "parent_id IS NULL AND $4 = ''"
    };
    let sql = if after {
        format!(
            "SELECT position FROM work_items WHERE project_id = $1 AND {parent_clause} AND deleted_at IS NULL \
             AND (position > $2 OR (position = $2 AND id > $3)) ORDER BY position, id LIMIT 1"
        )
    } else {
        format!(
            "SELECT position FROM work_items WHERE project_id = $1 AND {parent_clause} AND deleted_at IS NULL \
             AND (position < $2 OR (position = $2 AND id < $3)) ORDER BY position DESC, id DESC LIMIT 1"
        )
    };
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(project.to_string())
        .bind(position)
        .bind(id.to_string())
        .bind(parent.map(|p| p.to_string()).unwrap_or_default())
        .fetch_optional(c)
        .await?;
    row.map(|r| text(&r, "position")).transpose()
}

/// The ids on the path from `id` up to the root, `id` first.
pub async fn ancestors(c: &mut AnyConnection, id: ItemId) -> StoreResult<Vec<ItemId>> {
    let rows = sqlx::query(
        "WITH RECURSIVE up(id, parent_id, depth) AS ( \
           SELECT id, parent_id, 0 FROM work_items WHERE id = $1 \
           UNION ALL \
           SELECT w.id, w.parent_id, up.depth + 1 FROM work_items w JOIN up ON w.id = up.parent_id \
           WHERE up.depth < 64 \
         ) SELECT id FROM up ORDER BY depth",
    )
    .bind(id.to_string())
    .fetch_all(c)
    .await?;
    rows.iter().map(|r| parse(r, "id")).collect()
}

/// The highest rank among an item's live children, if it has any.
pub async fn child_types(c: &mut AnyConnection, id: ItemId) -> StoreResult<Vec<ItemType>> {
    let rows = sqlx::query(
        "SELECT DISTINCT item_type FROM work_items WHERE parent_id = $1 AND deleted_at IS NULL",
    )
    .bind(id.to_string())
    .fetch_all(c)
    .await?;
    rows.iter().map(|r| parse(r, "item_type")).collect()
}

/// Moves an item and its live descendants to the trash; returns how many items went.
pub async fn soft_delete(
    c: &mut AnyConnection,
    root: ItemId,
    by: UserId,
    now: Timestamp,
) -> StoreResult<u64> {
    let r = sqlx::query(
        "WITH RECURSIVE sub(id) AS ( \
           SELECT id FROM work_items WHERE id = $1 AND deleted_at IS NULL \
           UNION ALL \
           SELECT w.id FROM work_items w JOIN sub ON w.parent_id = sub.id WHERE w.deleted_at IS NULL \
         ) UPDATE work_items SET deleted_at = $2, deleted_by = $3, trash_root_id = $1 \
         WHERE id IN (SELECT id FROM sub)",
    )
    .bind(root.to_string())
    .bind(now.0)
    .bind(by.to_string())
    .execute(c)
    .await?;
    Ok(r.rows_affected())
}

/// Brings back everything one deletion put in the trash; returns how many items came back.
pub async fn restore(c: &mut AnyConnection, project: ProjectId, root: ItemId) -> StoreResult<u64> {
    let r = sqlx::query(
        "UPDATE work_items SET deleted_at = NULL, deleted_by = NULL, trash_root_id = NULL \
         WHERE project_id = $1 AND trash_root_id = $2",
    )
    .bind(project.to_string())
    .bind(root.to_string())
    .execute(c)
    .await?;
    Ok(r.rows_affected())
}

/// Deletes a trashed item for good, with its whole subtree and their search index rows (by
/// cascade); returns whether it was in the trash.
pub async fn purge(c: &mut AnyConnection, project: ProjectId, root: ItemId) -> StoreResult<bool> {
    let r = sqlx::query(
        "DELETE FROM work_items WHERE project_id = $1 AND id = $2 AND trash_root_id = $2",
    )
    .bind(project.to_string())
    .bind(root.to_string())
    .execute(c)
    .await?;
    Ok(r.rows_affected() > 0)
}

/// The trash of a project: the items whose deletion put something there, newest first,
/// with how many items each took along.
pub async fn trash(
    c: &mut AnyConnection,
    sealer: &dyn Sealer,
    project: ProjectId,
) -> StoreResult<Vec<(Item, i64)>> {
    let rows = sqlx::query(concat!(
        "SELECT ",
        columns!(),
        ", (SELECT COUNT(*) FROM work_items x WHERE x.project_id = w.project_id \
           AND x.trash_root_id = w.id) AS n \
         FROM work_items w WHERE w.project_id = $1 AND w.trash_root_id = w.id \
         ORDER BY w.deleted_at DESC, w.id"
    ))
    .bind(project.to_string())
    .fetch_all(c)
    .await?;
    rows.iter()
        .map(|r| Ok((from_row(r, sealer)?, r.try_get::<i64, _>("n")?)))
        .collect()
}

/// Trash roots deleted before `before`, oldest first: (organization, project, item).
pub async fn expired_trash(
    c: &mut AnyConnection,
    before: Timestamp,
    limit: u32,
) -> StoreResult<Vec<(OrgId, ProjectId, ItemId)>> {
    let rows = sqlx::query(
        "SELECT org_id, project_id, id FROM work_items WHERE trash_root_id = id AND deleted_at < $1 \
         ORDER BY deleted_at LIMIT $2",
    )
    .bind(before.0)
    .bind(i64::from(limit))
    .fetch_all(c)
    .await?;
    rows.iter()
        .map(|r| {
            Ok((
                parse(r, "org_id")?,
                parse(r, "project_id")?,
                parse(r, "id")?,
            ))
        })
        .collect()
}

/// One node of a project's tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TreeRow {
    /// Id.
    pub id: ItemId,
    /// Parent.
    pub parent_id: Option<ItemId>,
    /// Position among siblings.
    pub position: String,
    /// Type.
    pub item_type: ItemType,
    /// Status.
    pub status: Status,
    /// Priority.
    pub priority: Priority,
    /// Assignee.
    pub assignee_id: Option<UserId>,
    /// Title.
    pub title: String,
    /// Description and criteria, when asked for.
    pub content: Option<(String, Vec<Criterion>)>,
}

/// Every live item of a project, in no particular order.
///
/// Without content, the database packs the rows into one text value (one record per item,
/// titles hex-encoded so sealed bytes pass through): a project of 100,000 items is one row
/// to hand across sqlx's `Any` driver instead of 100,000 (see docs/decisions/0006).
pub async fn tree(
    c: &mut AnyConnection,
    sealer: &dyn Sealer,
    org: OrgId,
    project: ProjectId,
    with_content: bool,
) -> StoreResult<Vec<TreeRow>> {
    if !with_content {
        return super::packed::tree(c, sealer, org, project).await;
    }
    let rows = sqlx::query(
        "SELECT id, parent_id, position, item_type, status, priority, assignee_id, title, \
         description, criteria FROM work_items WHERE project_id = $1 AND deleted_at IS NULL",
    )
    .bind(project.to_string())
    .fetch_all(c)
    .await?;
    rows.iter()
        .map(|r| {
            let crit: Vec<u8> = r.try_get("criteria")?;
            Ok(TreeRow {
                id: parse(r, "id")?,
                parent_id: parse_opt(r, "parent_id")?,
                position: text(r, "position")?,
                item_type: parse(r, "item_type")?,
                status: parse(r, "status")?,
                priority: parse(r, "priority")?,
                assignee_id: parse_opt(r, "assignee_id")?,
                title: sealed_text(r, "title", sealer, org)?,
                content: Some((
                    sealed_text(r, "description", sealer, org)?,
                    criteria_from(&sealer.open(org, &crit)?)?,
                )),
            })
        })
        .collect()
}
