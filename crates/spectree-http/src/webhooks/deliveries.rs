//! Delivery log routes: list, read one, replay.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use uuid::Uuid;

use super::views::DeliveryView;
use crate::auth::Authenticated;
use crate::error::{ApiResult, ProblemView};
use crate::extract::{ApiPath, ApiQuery};
use crate::state::AppState;
use crate::views::{PageQuery, PageView};

/// The webhook's delivery log, newest first (team Admins).
#[utoipa::path(get, path = "/api/v1/webhooks/{webhook}/deliveries", tag = "webhooks",
    params(("webhook" = Uuid, Path, description = "Webhook id"), PageQuery),
    responses((status = 200, description = "Deliveries", body = PageView<DeliveryView>),
        (status = 403, description = "Not a team Admin", body = ProblemView, content_type = "application/problem+json"),
        (status = 404, description = "Not found", body = ProblemView, content_type = "application/problem+json")))]
pub(crate) async fn list_deliveries(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    ApiPath(webhook): ApiPath<Uuid>,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> ApiResult<Json<PageView<DeliveryView>>> {
    let page = state
        .app
        .list_deliveries(&actor, &webhook.to_string(), &q.request())
        .await?;
    Ok(Json(PageView::from_page(page, DeliveryView::from)))
}

/// One delivery of the webhook (team Admins).
#[utoipa::path(get, path = "/api/v1/webhooks/{webhook}/deliveries/{delivery}", tag = "webhooks",
    params(("webhook" = Uuid, Path, description = "Webhook id"),
        ("delivery" = Uuid, Path, description = "Delivery id")),
    responses((status = 200, description = "The delivery", body = DeliveryView),
        (status = 403, description = "Not a team Admin", body = ProblemView, content_type = "application/problem+json"),
        (status = 404, description = "Not found", body = ProblemView, content_type = "application/problem+json")))]
pub(crate) async fn get_delivery(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    ApiPath((webhook, delivery)): ApiPath<(Uuid, Uuid)>,
) -> ApiResult<Json<DeliveryView>> {
    let d = state
        .app
        .get_delivery(&actor, &webhook.to_string(), &delivery.to_string())
        .await?;
    Ok(Json(d.into()))
}

/// Send a delivery again: the same event and body as a new delivery, due now (team
/// Admins).
#[utoipa::path(post, path = "/api/v1/webhooks/{webhook}/deliveries/{delivery}/replay", tag = "webhooks",
    params(("webhook" = Uuid, Path, description = "Webhook id"),
        ("delivery" = Uuid, Path, description = "Delivery id")),
    responses((status = 202, description = "Queued", body = DeliveryView),
        (status = 403, description = "Not a team Admin", body = ProblemView, content_type = "application/problem+json"),
        (status = 404, description = "Not found", body = ProblemView, content_type = "application/problem+json")))]
pub(crate) async fn replay_delivery(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    ApiPath((webhook, delivery)): ApiPath<(Uuid, Uuid)>,
) -> ApiResult<(StatusCode, Json<DeliveryView>)> {
    let d = state
        .app
        .replay_delivery(&actor, &webhook.to_string(), &delivery.to_string())
        .await?;
    Ok((StatusCode::ACCEPTED, Json(d.into())))
}
