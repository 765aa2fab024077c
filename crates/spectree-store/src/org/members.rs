//! Organization membership and the lookup of everything that decides one user's access.

use spectree_domain::Timestamp;
use spectree_domain::ids::{OrgId, TeamId, UserId};
use spectree_domain::org::{Access, Role};
use sqlx::AnyConnection;
use sqlx::any::AnyRow;

use crate::StoreResult;
use crate::row::{parse, parse_opt, text, ts};

/// A member of an organization, with their account's name and email.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    /// The member.
    pub user_id: UserId,
    /// Their email.
    pub email: String,
    /// Their name.
    pub name: String,
    /// Organization-wide role, if any.
    pub role: Option<Role>,
    /// Joined.
    pub created_at: Timestamp,
}

fn from_row(r: &AnyRow) -> StoreResult<Member> {
    Ok(Member {
        user_id: parse(r, "user_id")?,
        email: text(r, "email")?,
        name: text(r, "name")?,
        role: parse_opt(r, "role")?,
        created_at: ts(r, "created_at")?,
    })
}

/// Adds a member or changes their organization role.
pub async fn upsert(
    c: &mut AnyConnection,
    org: OrgId,
    user: UserId,
    role: Option<Role>,
    now: Timestamp,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO org_members (org_id, user_id, role, created_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (org_id, user_id) DO UPDATE SET role = excluded.role",
    )
    .bind(org.to_string())
    .bind(user.to_string())
    .bind(role.map(Role::as_str))
    .bind(now.0)
    .execute(c)
    .await?;
    Ok(())
}

/// Adds a member, or raises an existing member's organization role to `role` when that is
/// stronger (accepting an invitation never lowers a role).
pub async fn join(
    c: &mut AnyConnection,
    org: OrgId,
    user: UserId,
    role: Option<Role>,
    now: Timestamp,
) -> StoreResult<()> {
    let current = get(&mut *c, org, user).await?;
    let role = match current {
        Some(m) => m.role.max(role),
        None => role,
    };
    upsert(c, org, user, role, now).await
}

/// One member.
pub async fn get(c: &mut AnyConnection, org: OrgId, user: UserId) -> StoreResult<Option<Member>> {
    let row = sqlx::query(
        "SELECT m.user_id, u.email, u.name, m.role, m.created_at FROM org_members m \
         JOIN users u ON u.id = m.user_id WHERE m.org_id = $1 AND m.user_id = $2",
    )
    .bind(org.to_string())
    .bind(user.to_string())
    .fetch_optional(c)
    .await?;
    row.as_ref().map(from_row).transpose()
}

/// Members in user-id order after a cursor.
pub async fn list(
    c: &mut AnyConnection,
    org: OrgId,
    after: Option<&str>,
    limit: u32,
) -> StoreResult<Vec<Member>> {
    let rows = sqlx::query(
        "SELECT m.user_id, u.email, u.name, m.role, m.created_at FROM org_members m \
         JOIN users u ON u.id = m.user_id WHERE m.org_id = $1 AND m.user_id > $2 \
         ORDER BY m.user_id LIMIT $3",
    )
    .bind(org.to_string())
    .bind(after.unwrap_or(""))
    .bind(i64::from(limit))
    .fetch_all(c)
    .await?;
    rows.iter().map(from_row).collect()
}

/// Removes a member from the organization and all its teams.
pub async fn remove(c: &mut AnyConnection, org: OrgId, user: UserId) -> StoreResult<bool> {
    sqlx::query("DELETE FROM team_members WHERE org_id = $1 AND user_id = $2")
        .bind(org.to_string())
        .bind(user.to_string())
        .execute(&mut *c)
        .await?;
    let r = sqlx::query("DELETE FROM org_members WHERE org_id = $1 AND user_id = $2")
        .bind(org.to_string())
        .bind(user.to_string())
        .execute(c)
        .await?;
    Ok(r.rows_affected() > 0)
}

/// How many owners the organization has. Callers changing ownership hold the organization's
/// row lock first (see [`lock_org`]), so two concurrent demotions cannot both see two owners.
pub async fn count_owners(c: &mut AnyConnection, org: OrgId) -> StoreResult<i64> {
    let n: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM org_members WHERE org_id = $1 AND role = 'owner'")
            .bind(org.to_string())
            .fetch_one(c)
            .await?;
    Ok(n)
}

/// Serialises membership changes of one organization: a no-op write on its row takes the
/// row lock on PostgreSQL until the transaction ends (SQLite has one writer anyway).
pub async fn lock_org(c: &mut AnyConnection, org: OrgId) -> StoreResult<()> {
    sqlx::query("UPDATE organizations SET name = name WHERE id = $1")
        .bind(org.to_string())
        .execute(c)
        .await?;
    Ok(())
}

/// Everything that decides what `user` may do in `org` (and in `team`, when given).
pub async fn access(
    c: &mut AnyConnection,
    org: OrgId,
    team: Option<TeamId>,
    user: UserId,
) -> StoreResult<Access> {
    let Some(team) = team else {
        let member = sqlx::query("SELECT role FROM org_members WHERE org_id = $1 AND user_id = $2")
            .bind(org.to_string())
            .bind(user.to_string())
            .fetch_optional(&mut *c)
            .await?;
        let Some(member) = member else {
            return Ok(Access::default());
        };
        return Ok(Access {
            org_role: parse_opt(&member, "role")?,
            org_member: true,
            ..Access::default()
        });
    };
    // The organization and team roles in one statement (every authorization asks this).
    let row = sqlx::query(
        "SELECT m.role AS org_role, tm.role AS team_role, \
         COALESCE(t.viewers_can_comment, 0) AS viewers_can_comment, CAST(1 AS BIGINT) AS org_member \
         FROM org_members m \
         LEFT JOIN teams t ON t.id = $3 AND t.org_id = m.org_id \
         LEFT JOIN team_members tm ON tm.team_id = t.id AND tm.user_id = m.user_id \
         WHERE m.org_id = $1 AND m.user_id = $2",
    )
    .bind(org.to_string())
    .bind(user.to_string())
    .bind(team.to_string())
    .fetch_optional(c)
    .await?;
    row.as_ref().map_or(Ok(Access::default()), access_from_row)
}

/// [`Access`] from the columns `org_role`, `team_role`, `viewers_can_comment` and
/// `org_member` (a flag) of a row.
pub(crate) fn access_from_row(row: &sqlx::any::AnyRow) -> StoreResult<Access> {
    Ok(Access {
        org_role: parse_opt(row, "org_role")?,
        org_member: crate::row::flag(row, "org_member")?,
        team_role: parse_opt(row, "team_role")?,
        viewers_can_comment: crate::row::flag(row, "viewers_can_comment")?,
    })
}
