//! Teams (workspaces) and their members.

use spectree_domain::Timestamp;
use spectree_domain::ids::{OrgId, TeamId, UserId};
use spectree_domain::org::Role;
use sqlx::AnyConnection;
use sqlx::any::AnyRow;

use crate::StoreResult;
use crate::row::{flag, parse, text, ts};

/// A team as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Team {
    /// Id.
    pub id: TeamId,
    /// Owning organization.
    pub org_id: OrgId,
    /// Display name.
    pub name: String,
    /// Slug, unique within the organization.
    pub slug: String,
    /// Whether Viewers may comment.
    pub viewers_can_comment: bool,
    /// Created.
    pub created_at: Timestamp,
}

/// A member of a team.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TeamMember {
    /// The member.
    pub user_id: UserId,
    /// Their email.
    pub email: String,
    /// Their name.
    pub name: String,
    /// Team-level role.
    pub role: Role,
    /// Added.
    pub created_at: Timestamp,
}

macro_rules! columns {
    () => {
        "id, org_id, name, slug, viewers_can_comment, created_at"
    };
}

fn from_row(r: &AnyRow) -> StoreResult<Team> {
    Ok(Team {
        id: parse(r, "id")?,
        org_id: parse(r, "org_id")?,
        name: text(r, "name")?,
        slug: text(r, "slug")?,
        viewers_can_comment: flag(r, "viewers_can_comment")?,
        created_at: ts(r, "created_at")?,
    })
}

/// Inserts a team; [`crate::StoreError::Duplicate`] when the slug is taken in the organization.
pub async fn insert(c: &mut AnyConnection, t: &Team) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO teams (id, org_id, name, slug, viewers_can_comment, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(t.id.to_string())
    .bind(t.org_id.to_string())
    .bind(&t.name)
    .bind(&t.slug)
    .bind(i64::from(t.viewers_can_comment))
    .bind(t.created_at.0)
    .execute(c)
    .await?;
    Ok(())
}

/// Finds a team by id, on any organization: callers authorize against its `org_id` next.
pub async fn get(c: &mut AnyConnection, id: TeamId) -> StoreResult<Option<Team>> {
    let row = sqlx::query(concat!("SELECT ", columns!(), " FROM teams WHERE id = $1"))
        .bind(id.to_string())
        .fetch_optional(c)
        .await?;
    row.as_ref().map(from_row).transpose()
}

/// Changes a team's settings.
pub async fn update(c: &mut AnyConnection, t: &Team) -> StoreResult<()> {
    sqlx::query(
        "UPDATE teams SET name = $3, slug = $4, viewers_can_comment = $5 WHERE id = $1 AND org_id = $2",
    )
    .bind(t.id.to_string())
    .bind(t.org_id.to_string())
    .bind(&t.name)
    .bind(&t.slug)
    .bind(i64::from(t.viewers_can_comment))
    .execute(c)
    .await?;
    Ok(())
}

/// Teams of an organization in id order after a cursor; with `visible_to`, only the teams
/// that user has a team role in.
pub async fn list(
    c: &mut AnyConnection,
    org: OrgId,
    visible_to: Option<UserId>,
    after: Option<&str>,
    limit: u32,
) -> StoreResult<Vec<Team>> {
    let rows = match visible_to {
        None => {
            sqlx::query(concat!(
                "SELECT ",
                columns!(),
                " FROM teams WHERE org_id = $1 AND id > $2 ORDER BY id LIMIT $3"
            ))
            .bind(org.to_string())
            .bind(after.unwrap_or(""))
            .bind(i64::from(limit))
            .fetch_all(c)
            .await?
        }
        Some(user) => {
            sqlx::query(
                "SELECT t.id, t.org_id, t.name, t.slug, t.viewers_can_comment, t.created_at \
                 FROM teams t JOIN team_members tm ON tm.team_id = t.id AND tm.user_id = $4 \
                 WHERE t.org_id = $1 AND t.id > $2 ORDER BY t.id LIMIT $3",
            )
            .bind(org.to_string())
            .bind(after.unwrap_or(""))
            .bind(i64::from(limit))
            .bind(user.to_string())
            .fetch_all(c)
            .await?
        }
    };
    rows.iter().map(from_row).collect()
}

/// Sets a user's team role.
pub async fn set_member(
    c: &mut AnyConnection,
    org: OrgId,
    team: TeamId,
    user: UserId,
    role: Role,
    now: Timestamp,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO team_members (org_id, team_id, user_id, role, created_at) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (team_id, user_id) DO UPDATE SET role = excluded.role",
    )
    .bind(org.to_string())
    .bind(team.to_string())
    .bind(user.to_string())
    .bind(role.as_str())
    .bind(now.0)
    .execute(c)
    .await?;
    Ok(())
}

/// A user's team role, if any.
pub async fn member_role(
    c: &mut AnyConnection,
    org: OrgId,
    team: TeamId,
    user: UserId,
) -> StoreResult<Option<Role>> {
    let row = sqlx::query(
        "SELECT role FROM team_members WHERE org_id = $1 AND team_id = $2 AND user_id = $3",
    )
    .bind(org.to_string())
    .bind(team.to_string())
    .bind(user.to_string())
    .fetch_optional(c)
    .await?;
    row.map(|r| parse(&r, "role")).transpose()
}

/// Removes a user from a team.
pub async fn remove_member(
    c: &mut AnyConnection,
    org: OrgId,
    team: TeamId,
    user: UserId,
) -> StoreResult<bool> {
    let r =
        sqlx::query("DELETE FROM team_members WHERE org_id = $1 AND team_id = $2 AND user_id = $3")
            .bind(org.to_string())
            .bind(team.to_string())
            .bind(user.to_string())
            .execute(c)
            .await?;
    Ok(r.rows_affected() > 0)
}

/// Team members in user-id order after a cursor.
pub async fn list_members(
    c: &mut AnyConnection,
    org: OrgId,
    team: TeamId,
    after: Option<&str>,
    limit: u32,
) -> StoreResult<Vec<TeamMember>> {
    let rows = sqlx::query(
        "SELECT tm.user_id, u.email, u.name, tm.role, tm.created_at FROM team_members tm \
         JOIN users u ON u.id = tm.user_id WHERE tm.org_id = $1 AND tm.team_id = $2 \
         AND tm.user_id > $3 ORDER BY tm.user_id LIMIT $4",
    )
    .bind(org.to_string())
    .bind(team.to_string())
    .bind(after.unwrap_or(""))
    .bind(i64::from(limit))
    .fetch_all(c)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(TeamMember {
                user_id: parse(r, "user_id")?,
                email: text(r, "email")?,
                name: text(r, "name")?,
                role: parse(r, "role")?,
                created_at: ts(r, "created_at")?,
            })
        })
        .collect()
}
