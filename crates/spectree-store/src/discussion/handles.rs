//! Finding organization members by handle (the local part of their email address) for
//! @mentions and their autocompletion.

use spectree_domain::ids::{OrgId, UserId};
use sqlx::AnyConnection;

use crate::StoreResult;
use crate::row::{parse, text};

/// A member found by handle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HandleMatch {
    /// The member.
    pub user_id: UserId,
    /// Their email.
    pub email: String,
    /// Their name.
    pub name: String,
}

fn escape_like(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

/// Members whose handle is `handle` (`exact`) or starts with it, or whose name starts with
/// it (autocompletion), by email, at most `limit`.
pub async fn find(
    c: &mut AnyConnection,
    org: OrgId,
    handle: &str,
    exact: bool,
    limit: u32,
) -> StoreResult<Vec<HandleMatch>> {
    let h = escape_like(&handle.to_lowercase());
    let (email_pattern, name_pattern) = if exact {
        (format!("{h}@%"), String::new())
    } else {
        (format!("{h}%"), format!("{h}%"))
    };
    let rows = sqlx::query(
        "SELECT u.id, u.email, u.name FROM org_members m JOIN users u ON u.id = m.user_id \
         WHERE m.org_id = $1 AND u.disabled_at IS NULL \
         AND (LOWER(u.email) LIKE $2 ESCAPE '\\' OR ($3 <> '' AND LOWER(u.name) LIKE $3 ESCAPE '\\')) \
         ORDER BY u.email LIMIT $4",
    )
    .bind(org.to_string())
    .bind(email_pattern)
    .bind(name_pattern)
    .bind(i64::from(limit))
    .fetch_all(c)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(HandleMatch {
                user_id: parse(r, "id")?,
                email: text(r, "email")?,
                name: text(r, "name")?,
            })
        })
        .collect()
}
