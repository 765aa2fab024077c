//! Invitations to an organization (and optionally a team), sent by email as a token link.

use spectree_domain::Timestamp;
use spectree_domain::ids::{InvitationId, OrgId, TeamId, UserId};
use spectree_domain::org::Role;
use sqlx::AnyConnection;
use sqlx::any::AnyRow;

use crate::StoreResult;
use crate::row::{parse, parse_opt, text, ts, ts_opt};

/// An invitation as stored (without its secret).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invitation {
    /// Id.
    pub id: InvitationId,
    /// Organization invited to.
    pub org_id: OrgId,
    /// Normalized address invited.
    pub email: String,
    /// Organization role granted on acceptance.
    pub org_role: Option<Role>,
    /// Team joined on acceptance.
    pub team_id: Option<TeamId>,
    /// Team role granted on acceptance.
    pub team_role: Option<Role>,
    /// Who invited.
    pub invited_by: UserId,
    /// Sent.
    pub created_at: Timestamp,
    /// Expires.
    pub expires_at: Timestamp,
    /// Accepted.
    pub accepted_at: Option<Timestamp>,
    /// Revoked.
    pub revoked_at: Option<Timestamp>,
}

macro_rules! columns {
    () => {
        "id, org_id, email, org_role, team_id, team_role, invited_by, created_at, \
                       expires_at, accepted_at, revoked_at"
    };
}

fn from_row(r: &AnyRow) -> StoreResult<Invitation> {
    Ok(Invitation {
        id: parse(r, "id")?,
        org_id: parse(r, "org_id")?,
        email: text(r, "email")?,
        org_role: parse_opt(r, "org_role")?,
        team_id: parse_opt(r, "team_id")?,
        team_role: parse_opt(r, "team_role")?,
        invited_by: parse(r, "invited_by")?,
        created_at: ts(r, "created_at")?,
        expires_at: ts(r, "expires_at")?,
        accepted_at: ts_opt(r, "accepted_at")?,
        revoked_at: ts_opt(r, "revoked_at")?,
    })
}

/// Stores an invitation under the hash of its token.
pub async fn insert(c: &mut AnyConnection, i: &Invitation, token_hash: &str) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO invitations (id, org_id, email, org_role, team_id, team_role, token_hash, \
         invited_by, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(i.id.to_string())
    .bind(i.org_id.to_string())
    .bind(&i.email)
    .bind(i.org_role.map(Role::as_str))
    .bind(i.team_id.map(|t| t.to_string()))
    .bind(i.team_role.map(Role::as_str))
    .bind(token_hash)
    .bind(i.invited_by.to_string())
    .bind(i.created_at.0)
    .bind(i.expires_at.0)
    .execute(c)
    .await?;
    Ok(())
}

/// Finds an invitation by the hash of its token.
pub async fn by_token_hash(c: &mut AnyConnection, hash: &str) -> StoreResult<Option<Invitation>> {
    let row = sqlx::query(concat!(
        "SELECT ",
        columns!(),
        " FROM invitations WHERE token_hash = $1"
    ))
    .bind(hash)
    .fetch_optional(c)
    .await?;
    row.as_ref().map(from_row).transpose()
}

/// Marks an invitation accepted; false when it was no longer open.
pub async fn accept(
    c: &mut AnyConnection,
    id: InvitationId,
    by: UserId,
    now: Timestamp,
) -> StoreResult<bool> {
    let r = sqlx::query(
        "UPDATE invitations SET accepted_at = $2, accepted_by = $3 WHERE id = $1 \
         AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > $2",
    )
    .bind(id.to_string())
    .bind(now.0)
    .bind(by.to_string())
    .execute(c)
    .await?;
    Ok(r.rows_affected() > 0)
}

/// Revokes an open invitation of the organization; false when there was none.
pub async fn revoke(
    c: &mut AnyConnection,
    org: OrgId,
    id: InvitationId,
    now: Timestamp,
) -> StoreResult<bool> {
    let r = sqlx::query(
        "UPDATE invitations SET revoked_at = $3 WHERE id = $1 AND org_id = $2 \
         AND accepted_at IS NULL AND revoked_at IS NULL",
    )
    .bind(id.to_string())
    .bind(org.to_string())
    .bind(now.0)
    .execute(c)
    .await?;
    Ok(r.rows_affected() > 0)
}

/// Open (not accepted, not revoked, not expired) invitations of an organization.
pub async fn list_open(
    c: &mut AnyConnection,
    org: OrgId,
    now: Timestamp,
    after: Option<&str>,
    limit: u32,
) -> StoreResult<Vec<Invitation>> {
    let rows = sqlx::query(concat!(
        "SELECT ",
        columns!(),
        " FROM invitations WHERE org_id = $1 AND accepted_at IS NULL \
         AND revoked_at IS NULL AND expires_at > $2 AND id > $3 ORDER BY id LIMIT $4"
    ))
    .bind(org.to_string())
    .bind(now.0)
    .bind(after.unwrap_or(""))
    .bind(i64::from(limit))
    .fetch_all(c)
    .await?;
    rows.iter().map(from_row).collect()
}
