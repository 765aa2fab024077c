//! Reading the audit log (Admins and Owners): filtered pages, newest first, and exports of a
//! time range, oldest first, read a page at a time so an export of any size streams.

use serde_json::json;
use spectree_domain::audit::{AuditRecord, is_action_name};
use spectree_domain::ids::OrgId;
use spectree_domain::org::Action;
use spectree_domain::page::Page;
use spectree_store::Store;
use spectree_store::audit::query::{self, AuditFilter, Cursor};

use super::{AuditError, record};
use crate::{Actor, App};

/// A page request on the audit log.
#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    /// What to match.
    pub filter: AuditFilter,
    /// The cursor of the previous page (a seq).
    pub cursor: Option<String>,
    /// Rows per page (already clamped).
    pub limit: u32,
}

/// An authorized export in progress: the range it covers.
#[derive(Debug, Clone)]
pub struct AuditExport {
    org: OrgId,
    filter: AuditFilter,
}

/// Records per page an export reads.
const EXPORT_PAGE: u32 = 500;

impl App {
    /// A page of the organization's audit log, newest first.
    pub async fn query_audit(
        &self,
        actor: &Actor,
        org: OrgId,
        q: &AuditQuery,
    ) -> Result<Page<AuditRecord>, AuditError> {
        {
            let mut c = self.store().read().await?;
            self.authorize_org(&mut c, actor, org, Action::Admin)
                .await?;
        }
        check_filter(&q.filter)?;
        let before = q
            .cursor
            .as_deref()
            .map(|s| {
                s.parse::<i64>()
                    .map_err(|_| AuditError::Invalid("cursor is not one this API gave".into()))
            })
            .transpose()?;
        self.chain_audit().await?;
        let mut c = self.store().read().await?;
        let rows = query::query(
            &mut c,
            org,
            &q.filter,
            Cursor::NewestBefore(before),
            q.limit + 1,
        )
        .await?;
        Ok(Page::from_overfetch(rows, q.limit, |r| r.seq.to_string()))
    }

    /// Authorizes an export of `filter`'s range and records it in the audit log (the
    /// export is itself audited before any record leaves).
    pub async fn begin_audit_export(
        &self,
        actor: &Actor,
        org: OrgId,
        format: &'static str,
        filter: AuditFilter,
    ) -> Result<AuditExport, AuditError> {
        let now = self.now();
        let mut tx = self.store().begin().await?;
        self.authorize_org(&mut tx, actor, org, Action::Admin)
            .await?;
        check_filter(&filter)?;
        record(
            &mut tx,
            now,
            org,
            Some(actor.user_id),
            "audit.exported",
            ("organization", Some(org.to_string())),
            &actor.ctx,
            json!({
                "format": format,
                "from": filter.from.map(|t| t.to_rfc3339()),
                "to": filter.to.map(|t| t.to_rfc3339()),
            }),
        )
        .await?;
        Store::commit(tx).await?;
        self.chain_audit().await?;
        Ok(AuditExport { org, filter })
    }

    /// The next records of an export after `after_seq`, oldest first; empty at the end.
    pub async fn audit_export_page(
        &self,
        export: &AuditExport,
        after_seq: i64,
    ) -> Result<Vec<AuditRecord>, AuditError> {
        let mut c = self.store().read().await?;
        Ok(query::query(
            &mut c,
            export.org,
            &export.filter,
            Cursor::OldestAfter(after_seq),
            EXPORT_PAGE,
        )
        .await?)
    }
}

fn check_filter(f: &AuditFilter) -> Result<(), AuditError> {
    if let (Some(from), Some(to)) = (f.from, f.to)
        && from > to
    {
        return Err(AuditError::Invalid("from must not be after to".into()));
    }
    if f.action.as_deref().is_some_and(|a| !is_action_name(a)) {
        return Err(AuditError::Invalid(
            "action must be a dotted name such as auth.login".into(),
        ));
    }
    if f.target_kind.as_deref().is_some_and(|k| !is_action_name(k)) {
        return Err(AuditError::Invalid(
            "target_kind must be a lower-case name such as user".into(),
        ));
    }
    if f.target_id
        .as_deref()
        .is_some_and(|t| t.is_empty() || t.len() > 200)
    {
        return Err(AuditError::Invalid(
            "target_id must be 1 to 200 characters".into(),
        ));
    }
    Ok(())
}
