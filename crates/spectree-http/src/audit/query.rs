//! Reading the audit log.

use axum::Json;
use axum::extract::State;
use spectree_app::audit::AuditQuery;
use spectree_domain::ids::OrgId;
use spectree_domain::page::PageRequest;

use super::views::{AuditQueryParams, AuditRecordView};
use crate::auth::Authenticated;
use crate::error::{ApiResult, ProblemView};
use crate::extract::{ApiPath, ApiQuery};
use crate::state::AppState;
use crate::views::PageView;

/// The organization's audit log, newest first, filtered by time range, actor, action and
/// target (Admins and Owners).
#[utoipa::path(get, path = "/api/v1/orgs/{org}/audit", tag = "audit",
    params(("org" = OrgId, Path, description = "Organization id"), AuditQueryParams),
    responses((status = 200, description = "Records", body = PageView<AuditRecordView>),
        (status = 400, description = "Invalid filter", body = ProblemView, content_type = "application/problem+json"),
        (status = 403, description = "Not an Admin or Owner", body = ProblemView, content_type = "application/problem+json"),
        (status = 404, description = "Not found", body = ProblemView, content_type = "application/problem+json")))]
pub(super) async fn list_audit(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    ApiPath(org): ApiPath<OrgId>,
    ApiQuery(q): ApiQuery<AuditQueryParams>,
) -> ApiResult<Json<PageView<AuditRecordView>>> {
    let page = PageRequest::new(q.cursor.clone(), q.limit);
    let query = AuditQuery {
        filter: q.filter()?,
        cursor: page.after,
        limit: page.limit,
    };
    let records = state.app.query_audit(&actor, org, &query).await?;
    Ok(Json(PageView::from_page(records, AuditRecordView::from)))
}
