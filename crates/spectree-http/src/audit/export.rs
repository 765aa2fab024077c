//! Exporting the audit log of a time range as JSON Lines or CSV, streamed a page at a time.

use std::borrow::Cow;

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use spectree_app::App;
use spectree_app::audit::AuditExport;
use spectree_domain::audit::AuditRecord;
use spectree_domain::ids::OrgId;

use super::views::{AuditExportFormat, AuditExportParams, AuditRecordView};
use crate::auth::Authenticated;
use crate::error::{ApiResult, ProblemView};
use crate::extract::{ApiPath, ApiQuery};
use crate::state::AppState;

const CSV_HEADER: [&str; 13] = [
    "seq",
    "id",
    "at",
    "org_id",
    "actor_id",
    "action",
    "target_kind",
    "target_id",
    "ip",
    "user_agent",
    "data",
    "prev_hash",
    "hash",
];

/// Export the organization's audit records of a time range, oldest first (Admins and
/// Owners). The export is itself recorded in the audit log before it starts.
#[utoipa::path(get, path = "/api/v1/orgs/{org}/audit/export", tag = "audit",
    params(("org" = OrgId, Path, description = "Organization id"), AuditExportParams),
    responses((status = 200, description = "The records",
            content((String = "application/x-ndjson"), (String = "text/csv"))),
        (status = 400, description = "Invalid range or format", body = ProblemView, content_type = "application/problem+json"),
        (status = 403, description = "Not an Admin or Owner", body = ProblemView, content_type = "application/problem+json"),
        (status = 404, description = "Not found", body = ProblemView, content_type = "application/problem+json")))]
pub(super) async fn export_audit(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    ApiPath(org): ApiPath<OrgId>,
    ApiQuery(q): ApiQuery<AuditExportParams>,
) -> ApiResult<Response> {
    let export = state
        .app
        .begin_audit_export(&actor, org, q.format.name(), q.filter()?)
        .await?;
    let (content_type, ext) = match q.format {
        AuditExportFormat::Jsonl => ("application/x-ndjson", "jsonl"),
        AuditExportFormat::Csv => ("text/csv; charset=utf-8", "csv"),
    };
    let body = Body::from_stream(pages(state.app.clone(), export, q.format));
    Ok((
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"audit-{org}.{ext}\""),
            ),
        ],
        body,
    )
        .into_response())
}

struct Cursor {
    after: i64,
    header: bool,
    done: bool,
}

/// The export's body: one chunk per page of records. A failure mid-way ends the body with
/// an error, so the client sees a cut transfer rather than a short file that looks whole.
fn pages(
    app: App,
    export: AuditExport,
    format: AuditExportFormat,
) -> impl futures_util::Stream<Item = Result<Bytes, std::io::Error>> {
    let start = Cursor {
        after: 0,
        header: matches!(format, AuditExportFormat::Csv),
        done: false,
    };
    futures_util::stream::unfold(start, move |mut cur| {
        let app = app.clone();
        let export = export.clone();
        async move {
            if cur.done {
                return None;
            }
            let page = match app.audit_export_page(&export, cur.after).await {
                Ok(p) => p,
                Err(e) => {
                    tracing::error!(error = %e, "audit export failed mid-way");
                    cur.done = true;
                    return Some((Err(std::io::Error::other("audit export failed")), cur));
                }
            };
            if page.is_empty() {
                cur.done = true;
                if !cur.header {
                    return None;
                }
            }
            let bytes = match format {
                AuditExportFormat::Jsonl => jsonl(&page),
                AuditExportFormat::Csv => csv(&page, std::mem::take(&mut cur.header)),
            };
            if let Some(last) = page.last() {
                cur.after = last.seq;
            }
            Some((bytes.map(Bytes::from), cur))
        }
    })
}

fn jsonl(page: &[AuditRecord]) -> Result<Vec<u8>, std::io::Error> {
    let mut out = Vec::new();
    for r in page {
        serde_json::to_writer(&mut out, &AuditRecordView::from(r.clone()))?;
        out.push(b'\n');
    }
    Ok(out)
}

fn csv(page: &[AuditRecord], header: bool) -> Result<Vec<u8>, std::io::Error> {
    let mut w = csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(Vec::new());
    if header {
        w.write_record(CSV_HEADER)?;
    }
    for r in page {
        let v = AuditRecordView::from(r.clone());
        let opt = |o: Option<String>| o.unwrap_or_default();
        let row = [
            v.seq.to_string(),
            v.id.to_string(),
            v.at,
            v.org_id.to_string(),
            opt(v.actor_id.map(|a| a.to_string())),
            v.action,
            v.target_kind,
            opt(v.target_id),
            opt(v.ip),
            opt(v.user_agent),
            v.data.to_string(),
            v.prev_hash,
            v.hash,
        ];
        w.write_record(row.iter().map(|c| safe_cell(c).into_owned()))?;
    }
    w.into_inner().map_err(|e| e.into_error())
}

/// A cell a spreadsheet would read as a formula (starting with `=`, `+`, `-`, `@`, tab or
/// carriage return) gets a leading `'`, so opening the export never runs it (OWASP CSV
/// injection).
pub(crate) fn safe_cell(cell: &str) -> Cow<'_, str> {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => Cow::Owned(format!("'{cell}")),
        _ => Cow::Borrowed(cell),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_a_spreadsheet_would_evaluate_get_a_leading_quote() {
        for bad in ["=1+1", "+1", "-2", "@SUM(A1)", "\tx", "\rx"] {
            assert_eq!(safe_cell(bad), format!("'{bad}"), "{bad:?}");
        }
        for ok in ["", "auth.login", "1", "a=b", " =x"] {
            assert_eq!(safe_cell(ok), ok);
        }
    }
}
