//! The `shared_views` table. Every query is scoped by organization; the definition is stored
//! as the JSON the domain checked.

use spectree_domain::Timestamp;
use spectree_domain::ids::{OrgId, ProjectId, UserId};
use spectree_domain::shared_views::{ViewDefinition, Visibility};
use sqlx::AnyConnection;
use sqlx::any::AnyRow;

use crate::row::{parse, text, ts};
use crate::{StoreError, StoreResult};

/// A saved view as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SharedView {
    /// Id (UUIDv7).
    pub id: String,
    /// Organization.
    pub org_id: OrgId,
    /// The project whose items it shows.
    pub project_id: ProjectId,
    /// Who made it (and may change it).
    pub owner_id: UserId,
    /// Name.
    pub name: String,
    /// Who sees it.
    pub visibility: Visibility,
    /// Filters, sort, grouping and columns.
    pub definition: ViewDefinition,
    /// Created.
    pub created_at: Timestamp,
    /// Last changed.
    pub updated_at: Timestamp,
}

const COLS: &str =
    "id, org_id, project_id, owner_id, name, visibility, definition, created_at, updated_at";

fn from_row(r: &AnyRow) -> StoreResult<SharedView> {
    let definition: String = text(r, "definition")?;
    Ok(SharedView {
        id: text(r, "id")?,
        org_id: parse(r, "org_id")?,
        project_id: parse(r, "project_id")?,
        owner_id: parse(r, "owner_id")?,
        name: text(r, "name")?,
        visibility: parse(r, "visibility")?,
        definition: serde_json::from_str(&definition)
            .map_err(|e| StoreError::Corrupt(format!("view definition: {e}")))?,
        created_at: ts(r, "created_at")?,
        updated_at: ts(r, "updated_at")?,
    })
}

fn definition_json(d: &ViewDefinition) -> StoreResult<String> {
    serde_json::to_string(d).map_err(|e| StoreError::Corrupt(format!("view definition: {e}")))
}

/// Stores a new view.
pub async fn insert(c: &mut AnyConnection, v: &SharedView) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO shared_views (id, org_id, project_id, owner_id, name, visibility, \
         definition, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(&v.id)
    .bind(v.org_id.to_string())
    .bind(v.project_id.to_string())
    .bind(v.owner_id.to_string())
    .bind(&v.name)
    .bind(v.visibility.as_str())
    .bind(definition_json(&v.definition)?)
    .bind(v.created_at.0)
    .bind(v.updated_at.0)
    .execute(c)
    .await?;
    Ok(())
}

/// Finds a view by id, in any organization: callers authorize against its project next.
pub async fn get(c: &mut AnyConnection, id: &str) -> StoreResult<Option<SharedView>> {
    let sql = format!("SELECT {COLS} FROM shared_views WHERE id = $1");
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(c)
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

/// Writes a view's name, visibility and definition.
pub async fn update(c: &mut AnyConnection, v: &SharedView) -> StoreResult<()> {
    sqlx::query(
        "UPDATE shared_views SET name = $1, visibility = $2, definition = $3, updated_at = $4 \
         WHERE org_id = $5 AND id = $6",
    )
    .bind(&v.name)
    .bind(v.visibility.as_str())
    .bind(definition_json(&v.definition)?)
    .bind(v.updated_at.0)
    .bind(v.org_id.to_string())
    .bind(&v.id)
    .execute(c)
    .await?;
    Ok(())
}

/// Deletes a view.
pub async fn delete(c: &mut AnyConnection, org: OrgId, id: &str) -> StoreResult<()> {
    sqlx::query("DELETE FROM shared_views WHERE org_id = $1 AND id = $2")
        .bind(org.to_string())
        .bind(id)
        .execute(c)
        .await?;
    Ok(())
}

/// The views of a project `viewer` may see (shared ones and their own), in id order after a
/// cursor.
pub async fn list(
    c: &mut AnyConnection,
    org: OrgId,
    project: ProjectId,
    viewer: UserId,
    after: Option<&str>,
    limit: u32,
) -> StoreResult<Vec<SharedView>> {
    let sql = format!(
        "SELECT {COLS} FROM shared_views WHERE org_id = $1 AND project_id = $2 \
         AND (visibility = 'team' OR owner_id = $3) AND id > $4 ORDER BY id LIMIT $5"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(org.to_string())
        .bind(project.to_string())
        .bind(viewer.to_string())
        .bind(after.unwrap_or(""))
        .bind(i64::from(limit))
        .fetch_all(c)
        .await?;
    rows.iter().map(from_row).collect()
}
