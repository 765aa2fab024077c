//! Inbox routes: list, change one notification's state, mark all read, the unread count.

use axum::Json;
use axum::extract::State;
use spectree_app::notification::InboxFilter;
use spectree_domain::notification::InboxState;
use spectree_domain::page::PageRequest;
use uuid::Uuid;

use super::views::{
    InboxStateFilter, MarkedView, NotificationQuery, NotificationStateName,
    NotificationStateRequest, NotificationView, UnreadView,
};
use crate::auth::Authenticated;
use crate::error::{ApiResult, ProblemView};
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::state::AppState;
use crate::views::PageView;

/// The signed-in person's notifications, newest first (by default unread and read ones;
/// `state` picks others).
#[utoipa::path(get, path = "/api/v1/me/notifications", tag = "notifications",
    params(NotificationQuery),
    responses((status = 200, description = "Notifications", body = PageView<NotificationView>),
        (status = 400, description = "Invalid query", body = ProblemView, content_type = "application/problem+json")))]
pub(crate) async fn list_notifications(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    ApiQuery(q): ApiQuery<NotificationQuery>,
) -> ApiResult<Json<PageView<NotificationView>>> {
    let filter = match q.state.unwrap_or(InboxStateFilter::Inbox) {
        InboxStateFilter::Inbox => InboxFilter::Inbox,
        InboxStateFilter::Unread => InboxFilter::Only(InboxState::Unread),
        InboxStateFilter::Read => InboxFilter::Only(InboxState::Read),
        InboxStateFilter::Archived => InboxFilter::Only(InboxState::Archived),
        InboxStateFilter::All => InboxFilter::All,
    };
    let page = state
        .app
        .list_notifications(&actor, filter, &PageRequest::new(q.cursor, q.limit))
        .await?;
    Ok(Json(PageView::from_page(page, NotificationView::from)))
}

/// Mark one notification read, unread or archived.
#[utoipa::path(patch, path = "/api/v1/me/notifications/{notification}", tag = "notifications",
    params(("notification" = Uuid, Path, description = "Notification id")),
    request_body = NotificationStateRequest,
    responses((status = 200, description = "Changed", body = NotificationView),
        (status = 404, description = "Not found", body = ProblemView, content_type = "application/problem+json"),
        (status = 422, description = "Invalid state", body = ProblemView, content_type = "application/problem+json")))]
pub(crate) async fn set_notification_state(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(req): ApiJson<NotificationStateRequest>,
) -> ApiResult<Json<NotificationView>> {
    let to = match req.state {
        NotificationStateName::Unread => InboxState::Unread,
        NotificationStateName::Read => InboxState::Read,
        NotificationStateName::Archived => InboxState::Archived,
    };
    let n = state
        .app
        .set_notification_state(&actor, &id.to_string(), to)
        .await?;
    Ok(Json(n.into()))
}

/// Mark every unread notification read.
#[utoipa::path(post, path = "/api/v1/me/notifications/read-all", tag = "notifications",
    responses((status = 200, description = "How many were marked", body = MarkedView)))]
pub(crate) async fn mark_all_read(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
) -> ApiResult<Json<MarkedView>> {
    let marked = state.app.mark_all_notifications_read(&actor).await?;
    Ok(Json(MarkedView { marked }))
}

/// How many unread notifications the signed-in person has.
#[utoipa::path(get, path = "/api/v1/me/notifications/unread-count", tag = "notifications",
    responses((status = 200, description = "Unread count", body = UnreadView)))]
pub(crate) async fn unread_count(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
) -> ApiResult<Json<UnreadView>> {
    let unread = state.app.unread_notifications(&actor).await?;
    Ok(Json(UnreadView { unread }))
}
