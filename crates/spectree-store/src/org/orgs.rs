//! The `organizations` table.

use spectree_domain::Timestamp;
use spectree_domain::ids::{OrgId, UserId};
use sqlx::AnyConnection;
use sqlx::any::AnyRow;

use crate::StoreResult;
use crate::row::{parse, text, ts};

/// An organization as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Org {
    /// Id.
    pub id: OrgId,
    /// Display name.
    pub name: String,
    /// URL slug, unique on the instance.
    pub slug: String,
    /// Creator.
    pub created_by: UserId,
    /// Created.
    pub created_at: Timestamp,
}

fn from_row(r: &AnyRow) -> StoreResult<Org> {
    Ok(Org {
        id: parse(r, "id")?,
        name: text(r, "name")?,
        slug: text(r, "slug")?,
        created_by: parse(r, "created_by")?,
        created_at: ts(r, "created_at")?,
    })
}

/// Inserts an organization; [`crate::StoreError::Duplicate`] when the slug is taken.
pub async fn insert(c: &mut AnyConnection, o: &Org) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO organizations (id, name, slug, created_by, created_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(o.id.to_string())
    .bind(&o.name)
    .bind(&o.slug)
    .bind(o.created_by.to_string())
    .bind(o.created_at.0)
    .execute(c)
    .await?;
    Ok(())
}

/// Finds an organization by id.
pub async fn get(c: &mut AnyConnection, id: OrgId) -> StoreResult<Option<Org>> {
    let row = sqlx::query(
        "SELECT id, name, slug, created_by, created_at FROM organizations WHERE id = $1",
    )
    .bind(id.to_string())
    .fetch_optional(c)
    .await?;
    row.as_ref().map(from_row).transpose()
}

/// The organizations a user belongs to, with the user's organization role.
pub async fn of_user(
    c: &mut AnyConnection,
    user: UserId,
) -> StoreResult<Vec<(Org, Option<spectree_domain::org::Role>)>> {
    let rows = sqlx::query(
        "SELECT o.id, o.name, o.slug, o.created_by, o.created_at, m.role FROM organizations o \
         JOIN org_members m ON m.org_id = o.id WHERE m.user_id = $1 ORDER BY o.id",
    )
    .bind(user.to_string())
    .fetch_all(c)
    .await?;
    rows.iter()
        .map(|r| Ok((from_row(r)?, crate::row::parse_opt(r, "role")?)))
        .collect()
}
