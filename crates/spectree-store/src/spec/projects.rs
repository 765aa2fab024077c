//! The `projects` table.

use spectree_domain::Timestamp;
use spectree_domain::ids::{OrgId, ProjectId, TeamId, UserId};
use spectree_domain::org::Access;
use sqlx::AnyConnection;
use sqlx::any::AnyRow;

use crate::StoreResult;
use crate::row::{parse, sealed_text, text, ts};
use crate::seal::{Sealer, seal_text};

/// A project as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Project {
    /// Id.
    pub id: ProjectId,
    /// Organization.
    pub org_id: OrgId,
    /// Owning team.
    pub team_id: TeamId,
    /// Name.
    pub name: String,
    /// Slug, unique in the team.
    pub slug: String,
    /// Markdown description.
    pub description: String,
    /// Creator.
    pub created_by: UserId,
    /// Created.
    pub created_at: Timestamp,
    /// Last changed.
    pub updated_at: Timestamp,
}

macro_rules! columns {
    () => {
        "id, org_id, team_id, name, slug, description, created_by, created_at, updated_at"
    };
}

fn from_row(r: &AnyRow, sealer: &dyn Sealer) -> StoreResult<Project> {
    let org_id: OrgId = parse(r, "org_id")?;
    Ok(Project {
        id: parse(r, "id")?,
        org_id,
        team_id: parse(r, "team_id")?,
        name: text(r, "name")?,
        slug: text(r, "slug")?,
        description: sealed_text(r, "description", sealer, org_id)?,
        created_by: parse(r, "created_by")?,
        created_at: ts(r, "created_at")?,
        updated_at: ts(r, "updated_at")?,
    })
}

/// Inserts a project; [`crate::StoreError::Duplicate`] when the slug is taken in the team.
pub async fn insert(c: &mut AnyConnection, sealer: &dyn Sealer, p: &Project) -> StoreResult<()> {
    sqlx::query(concat!(
        "INSERT INTO projects (",
        columns!(),
        ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
    ))
    .bind(p.id.to_string())
    .bind(p.org_id.to_string())
    .bind(p.team_id.to_string())
    .bind(&p.name)
    .bind(&p.slug)
    .bind(seal_text(sealer, p.org_id, &p.description)?)
    .bind(p.created_by.to_string())
    .bind(p.created_at.0)
    .bind(p.updated_at.0)
    .execute(c)
    .await?;
    Ok(())
}

/// Finds a project by id, on any organization: callers authorize against its team next.
pub async fn get(
    c: &mut AnyConnection,
    sealer: &dyn Sealer,
    id: ProjectId,
) -> StoreResult<Option<Project>> {
    let row = sqlx::query(concat!(
        "SELECT ",
        columns!(),
        " FROM projects WHERE id = $1"
    ))
    .bind(id.to_string())
    .fetch_optional(c)
    .await?;
    row.as_ref().map(|r| from_row(r, sealer)).transpose()
}

/// A project with everything that decides what `user` may do in it (as
/// [`crate::org::members::access`] for its organization and team), in one statement: every
/// operation on a project or an item asks both.
pub async fn get_with_access(
    c: &mut AnyConnection,
    sealer: &dyn Sealer,
    id: ProjectId,
    user: UserId,
) -> StoreResult<Option<(Project, Access)>> {
    let row = sqlx::query(WITH_ACCESS)
        .bind(id.to_string())
        .bind(user.to_string())
        .fetch_optional(c)
        .await?;
    row.map(|r| with_access_from_row(&r, sealer)).transpose()
}

/// The project `$1` with what user `$2` holds there: one row, or none when the project
/// does not exist.
pub(crate) const WITH_ACCESS: &str = "SELECT p.id, p.org_id, p.team_id, p.name, p.slug, \
     p.description, p.created_by, p.created_at, p.updated_at, m.role AS org_role, \
     tm.role AS team_role, COALESCE(t.viewers_can_comment, 0) AS viewers_can_comment, \
     CAST(CASE WHEN m.user_id IS NULL THEN 0 ELSE 1 END AS BIGINT) AS org_member \
     FROM projects p \
     LEFT JOIN org_members m ON m.org_id = p.org_id AND m.user_id = $2 \
     LEFT JOIN teams t ON t.id = p.team_id AND t.org_id = m.org_id \
     LEFT JOIN team_members tm ON tm.team_id = t.id AND tm.user_id = m.user_id \
     WHERE p.id = $1";

/// A row of [`WITH_ACCESS`] (or of a statement that selects its columns).
pub(crate) fn with_access_from_row(
    row: &AnyRow,
    sealer: &dyn Sealer,
) -> StoreResult<(Project, Access)> {
    Ok((
        from_row(row, sealer)?,
        crate::org::members::access_from_row(row)?,
    ))
}

/// A team's projects in id order after a cursor.
pub async fn list(
    c: &mut AnyConnection,
    sealer: &dyn Sealer,
    org: OrgId,
    team: TeamId,
    after: Option<&str>,
    limit: u32,
) -> StoreResult<Vec<Project>> {
    let rows = sqlx::query(concat!(
        "SELECT ",
        columns!(),
        " FROM projects WHERE org_id = $1 AND team_id = $2 AND id > $3 ORDER BY id LIMIT $4"
    ))
    .bind(org.to_string())
    .bind(team.to_string())
    .bind(after.unwrap_or(""))
    .bind(i64::from(limit))
    .fetch_all(c)
    .await?;
    rows.iter().map(|r| from_row(r, sealer)).collect()
}

/// Writes a project's name, slug and description.
pub async fn update(c: &mut AnyConnection, sealer: &dyn Sealer, p: &Project) -> StoreResult<()> {
    sqlx::query(
        "UPDATE projects SET name = $3, slug = $4, description = $5, updated_at = $6 \
         WHERE id = $1 AND org_id = $2",
    )
    .bind(p.id.to_string())
    .bind(p.org_id.to_string())
    .bind(&p.name)
    .bind(&p.slug)
    .bind(seal_text(sealer, p.org_id, &p.description)?)
    .bind(p.updated_at.0)
    .execute(c)
    .await?;
    Ok(())
}

/// Serialises tree changes (moves, deletes, restores) of one project: a no-op write on its
/// row holds the row lock on PostgreSQL until the transaction ends, so two opposite moves
/// cannot both pass the cycle check. SQLite has one writer anyway.
pub async fn lock(c: &mut AnyConnection, id: ProjectId) -> StoreResult<()> {
    sqlx::query("UPDATE projects SET updated_at = updated_at WHERE id = $1")
        .bind(id.to_string())
        .execute(c)
        .await?;
    Ok(())
}
