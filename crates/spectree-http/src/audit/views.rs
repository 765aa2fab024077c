//! Wire types of the audit routes.

use serde::{Deserialize, Serialize};
use spectree_app::store::audit::query::AuditFilter;
use spectree_domain::Timestamp;
use spectree_domain::audit::{AuditRecord, RetentionPolicy};
use spectree_domain::ids::{AuditId, OrgId, UserId};
use utoipa::{IntoParams, ToSchema};

use crate::error::{ApiError, ErrorCode};
use crate::views::time;

/// Filters of the audit log; every one given narrows the result.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AuditQueryParams {
    /// Written at or after this time (RFC 3339).
    pub from: Option<String>,
    /// Written before this time (RFC 3339).
    pub to: Option<String>,
    /// Done by this user.
    pub actor: Option<UserId>,
    /// This action, e.g. `auth.login_failed`.
    pub action: Option<String>,
    /// Happened to this kind of object, e.g. `user`, `work_item`.
    pub target_kind: Option<String>,
    /// Happened to this object (its id).
    pub target_id: Option<String>,
    /// Rows per page (1 to 200, default 50).
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

impl AuditQueryParams {
    /// The filter, with times read.
    pub fn filter(&self) -> Result<AuditFilter, ApiError> {
        Ok(AuditFilter {
            from: parse_time("from", self.from.as_deref())?,
            to: parse_time("to", self.to.as_deref())?,
            actor: self.actor,
            action: self.action.clone(),
            target_kind: self.target_kind.clone(),
            target_id: self.target_id.clone(),
        })
    }
}

/// Export format.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum AuditExportFormat {
    /// One JSON object per line (`application/x-ndjson`).
    Jsonl,
    /// Comma-separated values with a header row (`text/csv`); cells that a spreadsheet would
    /// run as a formula start with `'`.
    Csv,
}

impl AuditExportFormat {
    /// Its name in the audit record.
    pub fn name(self) -> &'static str {
        match self {
            Self::Jsonl => "jsonl",
            Self::Csv => "csv",
        }
    }
}

/// What to export.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AuditExportParams {
    /// `jsonl` or `csv`.
    pub format: AuditExportFormat,
    /// Written at or after this time (RFC 3339); from the oldest kept record when absent.
    pub from: Option<String>,
    /// Written before this time (RFC 3339); up to now when absent.
    pub to: Option<String>,
}

impl AuditExportParams {
    /// The time range as a filter.
    pub fn filter(&self) -> Result<AuditFilter, ApiError> {
        Ok(AuditFilter {
            from: parse_time("from", self.from.as_deref())?,
            to: parse_time("to", self.to.as_deref())?,
            ..AuditFilter::default()
        })
    }
}

fn parse_time(name: &str, v: Option<&str>) -> Result<Option<Timestamp>, ApiError> {
    v.map(|s| {
        Timestamp::parse_rfc3339(s).ok_or_else(|| {
            ApiError::new(
                ErrorCode::InvalidQuery,
                format!("{name} must be an RFC 3339 time such as 2026-11-26T12:00:00Z"),
            )
        })
    })
    .transpose()
}

/// One audit record.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditRecordView {
    /// Record id.
    pub id: AuditId,
    /// Position in the organization's chain.
    pub seq: i64,
    /// When it happened (RFC 3339).
    pub at: String,
    /// The organization (the nil id for instance events).
    pub org_id: OrgId,
    /// Who did it (absent for the system's own jobs).
    pub actor_id: Option<UserId>,
    /// Dotted action name, e.g. `member.role_changed`.
    pub action: String,
    /// Kind of object it happened to.
    pub target_kind: String,
    /// That object's id.
    pub target_id: Option<String>,
    /// The actor's address.
    pub ip: Option<String>,
    /// The actor's user agent.
    pub user_agent: Option<String>,
    /// Further facts (before/after for settings and roles).
    #[schema(value_type = Object)]
    pub data: serde_json::Value,
    /// Hash of the previous record.
    pub prev_hash: String,
    /// This record's hash.
    pub hash: String,
}

impl From<AuditRecord> for AuditRecordView {
    fn from(r: AuditRecord) -> Self {
        Self {
            id: r.id,
            seq: r.seq,
            at: time(r.at),
            org_id: r.event.org_id,
            actor_id: r.event.actor_id,
            action: r.event.action,
            target_kind: r.event.target_kind,
            target_id: r.event.target_id,
            ip: r.event.ip,
            user_agent: r.event.user_agent,
            data: r.event.data,
            prev_hash: r.prev_hash,
            hash: r.hash,
        }
    }
}

/// An organization's retention policy.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RetentionView {
    /// Automatic versions are kept this many days (1 to 36500); `null` keeps them. Named
    /// versions and snapshots are kept until deleted.
    pub version_days: Option<u32>,
    /// Audit records are kept this many days (1 to 36500; default 365).
    pub audit_days: u32,
    /// While true, nothing is deleted.
    pub legal_hold: bool,
}

impl From<RetentionPolicy> for RetentionView {
    fn from(p: RetentionPolicy) -> Self {
        Self {
            version_days: p.version_days,
            audit_days: p.audit_days,
            legal_hold: p.legal_hold,
        }
    }
}
